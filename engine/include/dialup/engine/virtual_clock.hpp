// dialup::virtual_clock — simulated time for the engine's timers (docs/architecture.md
// contract 7: time is injectable).
//
// Give one to engine_options::clock and every engine timer (AT command timeouts, escape
// guard times, resynchronisation, DTR drop, the hang-up deadline) runs on it instead of
// the steady clock: nothing fires until the test moves time forward, and a 90-second
// connect timeout takes microseconds. Firing a timer posts its handler to the timer's
// executor, in deadline order (ties in the order the waits were started).
//
// Typical test loop, with the engine on the test's own io_context:
//   for (;;) { io.restart(); io.poll(); if (done) break; if (!clock->advance_to_next()) break; }
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <system_error>
#include <utility>

#include "dialup/engine/detail/asio.hpp"

namespace dialup {

class virtual_clock {
 public:
  using duration = std::chrono::steady_clock::duration;
  using time_point = std::chrono::steady_clock::time_point;  // starts at the epoch

  time_point now() const;
  // Moves time forward by d, firing every timer that falls due on the way.
  void advance(duration d);
  // Moves time to the earliest pending deadline and fires what is due there. False if no
  // timer is pending (time does not move).
  bool advance_to_next();
  std::optional<time_point> next_deadline() const;
  std::size_t pending() const;

  // For the engine's timers.
  using wait_handler = std::function<void(std::error_code)>;
  std::uint64_t schedule(time_point at, boost::asio::any_io_executor ex, wait_handler h);
  // Removes a wait and posts its handler with operation_canceled. False if it already fired.
  bool cancel(std::uint64_t id);
  // Removes a wait without calling its handler (its timer is being destroyed).
  void forget(std::uint64_t id);

 private:
  struct waiter {
    std::uint64_t id;
    boost::asio::any_io_executor ex;
    wait_handler handler;
  };
  void fire_due(time_point until, std::unique_lock<std::mutex>& lock);

  mutable std::mutex mutex_;
  time_point now_{};
  std::uint64_t next_id_ = 1;
  std::multimap<std::pair<time_point, std::uint64_t>, waiter> waiters_;
};

}  // namespace dialup
