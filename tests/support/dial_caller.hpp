// Test support shared by the engine and integration tests: a caller with its own event
// loop on the current thread, registered for dial notifications, and the usual hang-up.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/event_loop.hpp"

namespace dialup::test {

struct caller {
  boost::asio::io_context io;
  thread_loop_scope scope{io.get_executor()};
  std::vector<dial_event> events;
  std::vector<std::thread::id> threads;

  notifier events_notifier() {
    return notifier::on_event([this](const dial_event& e) {
      events.push_back(e);
      threads.push_back(std::this_thread::get_id());
    });
  }
  // Runs the loop until the dial's notifications are done (the engine holds work on the
  // loop until the terminal one), or the limit.
  void run(std::chrono::seconds limit = std::chrono::seconds(20)) {
    io.restart();
    io.run_for(limit);
  }
  // Runs the loop until pred() holds or the limit passes: for a paused dial (its
  // notifications are not finished, so run() would wait for the limit) and for connection
  // events (subscriptions hold no work).
  bool run_until(const std::function<bool()>& pred,
                 std::chrono::seconds limit = std::chrono::seconds(20)) {
    io.restart();
    auto hold = boost::asio::make_work_guard(io);
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!pred() && std::chrono::steady_clock::now() < end)
      io.run_one_for(std::chrono::milliseconds(50));
    return pred();
  }
  // The last notification, or a default one.
  dial_event last() const { return events.empty() ? dial_event{} : events.back(); }
  std::vector<conn_state> states() const {
    std::vector<conn_state> s;
    for (const auto& e : events) s.push_back(e.state);
    return s;
  }
};

// Hangs up and waits on the caller's loop until the handle is retired.
inline void hang_up_and_wait(connection_manager& mgr, connection_handle h, caller& c) {
  bool done = false;
  std::error_code result;
  mgr.async_hang_up(h, boost::asio::bind_executor(c.io, [&](std::error_code ec) {
                      done = true;
                      result = ec;
                    }));
  c.run();
  REQUIRE(done);
  CHECK_FALSE(result);
  connection_status st;
  CHECK(mgr.status(h, st) == ras_error::invalid_handle);
}

inline const std::vector<conn_state> good_call = {
    conn_state::open_port,        conn_state::port_opened,
    conn_state::connect_device,   conn_state::device_connected,
    conn_state::all_devices_connected, conn_state::connected};

}  // namespace dialup::test
