// dialup::dial_message_queue — the message-queue notifier (docs/ras-model.md §1.5: a queue in
// place of the window that receives WM_RASDIALEVENT). The engine pushes; the caller's thread
// pops, waits, or polls fd() for readability.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "dialup/engine/conn_state.hpp"
#include "dialup/engine/dial_event.hpp"

namespace dialup {

// A message in a dial_message_queue: WM_RASDIALEVENT's wParam (state) and lParam (error),
// plus the handle, since one queue may serve several dials.
struct dial_message {
  unsigned message = wm_rasdialevent;
  conn_state state = conn_state::open_port;  // wParam
  std::uint32_t error = 0;                   // lParam
  connection_handle handle;
};

// The message-queue notifier: the engine pushes, the caller's thread pops (or waits, or
// polls fd() for readability). Thread-safe; unbounded (a dial sends a few dozen messages).
class dial_message_queue {
 public:
  dial_message_queue();
  ~dial_message_queue();
  dial_message_queue(const dial_message_queue&) = delete;
  dial_message_queue& operator=(const dial_message_queue&) = delete;

  void push(const dial_message& m);
  std::optional<dial_message> try_pop();
  // Waits up to `timeout` for a message.
  std::optional<dial_message> wait_pop(std::chrono::milliseconds timeout);
  // Readable while the queue holds messages (an eventfd), for poll()/epoll integration.
  int fd() const noexcept { return fd_; }
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<dial_message> messages_;
  int fd_ = -1;
};

}  // namespace dialup
