// Test support for the engine on virtual time: a connection manager on the test's own
// io_context and a virtual clock, with fake modems (support/fake_modem.hpp); time moves only
// when everything that was ready has run.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/event_loop.hpp"
#include "dialup/engine/virtual_clock.hpp"
#include "support/fake_modem.hpp"

namespace dialup::test {

namespace asio = boost::asio;

struct vt_world {
  asio::io_context io;
  std::shared_ptr<virtual_clock> clock = std::make_shared<virtual_clock>();
  std::shared_ptr<fake_factory> factory = std::make_shared<fake_factory>(clock);
  thread_loop_scope scope{io.get_executor()};
  std::unique_ptr<connection_manager> mgr;
  std::vector<dial_event> events;

  vt_world() {
    engine_options o;
    o.transports = factory;
    o.executor = io.get_executor();
    o.clock = clock;
    mgr = std::make_unique<connection_manager>(std::move(o));
  }
  ~vt_world() { mgr.reset(); }

  // Runs what is ready; when nothing is, moves time to the next deadline. Stops when done()
  // or when there is nothing left to run and no timer pending.
  template <class Done>
  void run_until(Done done) {
    for (int i = 0; i < 100000; ++i) {
      io.restart();
      io.poll();
      if (done()) return;
      if (!clock->advance_to_next()) {
        io.restart();
        if (io.poll() == 0) return;
      }
    }
  }

  double seconds() const {
    return std::chrono::duration<double>(clock->now().time_since_epoch()).count();
  }

  connection_handle dial(const std::string& port, const std::string& number = "5550100") {
    dial_entry e;
    e.port = port;
    e.phone_number = number;  // the generic profile, real timeouts
    return dial(e);
  }

  connection_handle dial(const dial_entry& e, const dial_params& params = {}) {
    std::error_code ec;
    auto h = mgr->dial(e, params, {}, notifier::on_event([this](const dial_event& ev) {
                         events.push_back(ev);
                       }),
                       ec);
    REQUIRE_FALSE(ec);
    return h;
  }

  bool terminal() const {
    return !events.empty() && (events.back().error || events.back().state == conn_state::connected ||
                               events.back().state == conn_state::disconnected);
  }

  void hang_up(connection_handle h) {
    bool retired = false;
    mgr->async_hang_up(h, [&](std::error_code) { retired = true; });
    run_until([&] { return retired; });
    REQUIRE(retired);
  }
};

}  // namespace dialup::test
