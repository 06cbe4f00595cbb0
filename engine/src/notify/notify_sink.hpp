// notify_sink: delivers one dial's notifications to its caller, in order, on the caller's
// executor (or into its message queue), and never on the engine's strand.
//
// The engine pushes events from its strand; a drain is posted to the caller's executor
// whenever events are waiting and no drain is pending, so order is kept whatever kind of
// executor the caller has. While the dial is not finished the sink holds tracked work on
// the caller's executor: the caller's loop keeps running until the terminal notification
// (RAS: the thread must stay alive until connected or failed, docs/ras-model.md §1.3).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/notifier.hpp"

namespace dialup::detail {

class notify_sink : public std::enable_shared_from_this<notify_sink> {
 public:
  using log_fn = std::function<void(log_level, std::string_view)>;

  // An asynchronous dial's sink: n is not empty. ex is where callables run (unused for a
  // message queue).
  notify_sink(notifier n, std::optional<boost::asio::any_io_executor> ex, log_fn log);
  // A synchronous dial's sink: the engine's own callback, run directly on the strand.
  explicit notify_sink(std::function<void(const dial_event&)> internal);

  // From the engine strand. Events after the terminal one are dropped.
  void push(const dial_event& e);
  bool terminal_pushed() const;

  static bool is_terminal(const dial_event& e) noexcept {
    return e.error || e.state == conn_state::connected || e.state == conn_state::disconnected;
  }

 private:
  void drain();
  void deliver(const dial_event& e);

  notifier notifier_;
  std::function<void(const dial_event&)> internal_;
  log_fn log_;

  mutable std::mutex mutex_;
  std::deque<dial_event> queue_;
  std::optional<boost::asio::any_io_executor> work_;  // tracked until the terminal event
  bool drain_posted_ = false;
  bool terminal_pushed_ = false;
  bool stopped_ = false;  // a RasDialFunc2 returned 0
};

}  // namespace dialup::detail
