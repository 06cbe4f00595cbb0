// dialup::notifier — what an asynchronous dial reports to, in each of the RAS shapes
// (docs/ras-model.md §2.1), plus a message queue in place of a window (§1.5).
//
// Delivery rules (docs/architecture.md contract 3, docs/ras-model.md §1.3, §2.2):
// - Every notification runs on the executor recorded when dial() was called: the one
//   associated with the callable (boost::asio::bind_executor) if it has one, otherwise the
//   calling thread's registered loop (thread_loop_scope). Never on an engine thread.
// - Notifications arrive in state order: on entry to each state with error 0, and once more
//   for the state in which a failure happened, with the error. Each dial ends with exactly
//   one terminal notification: Connected, an error, or Disconnected with 631
//   (ERROR_USER_DISCONNECTION) when hang_up() came first.
// - A RasDialFunc2-shaped notifier that returns 0 stops further notifications.
// - A notifier may call hang_up() and status(); it must not call dial() for its own handle.
// - A notifier that throws is caught; the exception is logged and the dial goes on.
// - If the caller's loop stops running, notifications wait in its queue; the engine is
//   never blocked by it.
// - Until its terminal notification has run, a dial holds outstanding work on the
//   caller's executor (so io_context::run() does not return early): the caller's
//   io_context must outlive the dial, or the connection_manager.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <type_traits>
#include <variant>

#include "dialup/engine/conn_state.hpp"
#include "dialup/engine/dial_event.hpp"
#include "dialup/engine/message_queue.hpp"
#include "dialup/engine/detail/asio.hpp"

namespace dialup {

// RasDialFunc: (unMsg, rasconnstate, dwError)
using ras_dial_func = std::function<void(unsigned, conn_state, std::uint32_t)>;
// RasDialFunc1: (hrasconn, unMsg, rascs, dwError, dwExtendedError)
using ras_dial_func1 =
    std::function<void(connection_handle, unsigned, conn_state, std::uint32_t, std::uint32_t)>;
// RasDialFunc2: (dwCallbackId, dwSubEntry, hrasconn, unMsg, rascs, dwError,
// dwExtendedError) -> nonzero to keep notifying, 0 to stop.
using ras_dial_func2 = std::function<std::uint32_t(std::uintptr_t, std::uint32_t,
                                                   connection_handle, unsigned, conn_state,
                                                   std::uint32_t, std::uint32_t)>;
using event_func = std::function<void(const dial_event&)>;

class notifier {
 public:
  using target = std::variant<std::monostate, event_func, ras_dial_func, ras_dial_func1,
                              ras_dial_func2, std::shared_ptr<dial_message_queue>>;

  // No notifier: the dial is synchronous.
  notifier() = default;

  template <class F>
  static notifier on_event(F f) {
    return make<event_func>(std::move(f));
  }
  template <class F>
  static notifier rasdialfunc(F f) {
    return make<ras_dial_func>(std::move(f));
  }
  template <class F>
  static notifier rasdialfunc1(F f) {
    return make<ras_dial_func1>(std::move(f));
  }
  template <class F>
  static notifier rasdialfunc2(F f) {
    return make<ras_dial_func2>(std::move(f));
  }
  static notifier queue(std::shared_ptr<dial_message_queue> q) {
    notifier n;
    n.target_ = std::move(q);
    return n;
  }

  bool empty() const noexcept { return std::holds_alternative<std::monostate>(target_); }
  const target& get() const noexcept { return target_; }
  // The executor bound to the callable, if any.
  const std::optional<boost::asio::any_io_executor>& executor() const noexcept {
    return executor_;
  }

 private:
  template <class Func, class F>
  static notifier make(F f) {
    notifier n;
    using assoc = boost::asio::associated_executor_t<F>;
    if constexpr (!std::is_same_v<assoc, boost::asio::system_executor>)
      n.executor_ = boost::asio::any_io_executor(boost::asio::get_associated_executor(f));
    n.target_ = Func(std::move(f));
    return n;
  }

  target target_;
  std::optional<boost::asio::any_io_executor> executor_;
};

}  // namespace dialup
