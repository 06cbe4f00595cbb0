// Test support for the integration tests: hw-sim modems on real ptys, on a thread of their
// own at a scaled clock, and an engine with the serial driver.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>
#include <string>

#include "dialup/drivers/serial_transport.hpp"
#include "dialup/engine/connection_manager.hpp"
#include "dialup/hwsim/simulator.hpp"
#include "support/sim_thread.hpp"

namespace dialup::test {

using namespace std::chrono_literals;

constexpr double time_scale = 0.05;

// A simulator on a thread of its own, as a separate device would be.
struct sim_world : sim_thread {
  // link_prefix: modem i is also reachable through the symlink PREFIX<i> (it survives an
  // unplug and replug, as a udev symlink does).
  // scale: the simulator's clock against real time (1.0 for a test of a real modem's timing).
  explicit sim_world(std::size_t modems, const std::string& personality = "generic",
                     const std::string& link_prefix = {}, double scale = time_scale)
      : sim_thread(options(personality, link_prefix, scale), modems) {}

  static hwsim::simulator_options options(const std::string& personality,
                                          const std::string& link_prefix, double scale) {
    hwsim::simulator_options o = at_time_scale(scale);
    o.personality = personality;
    o.link_prefix = link_prefix;
    return o;
  }
};

// An engine with the serial driver. Its log (traces included) is kept in `lines`, and
// printed too when DIALUP_TEST_LOG is set.
struct engine_world {
  struct log_lines {
    std::mutex mutex;
    std::vector<std::string> lines;
  };
  std::shared_ptr<log_lines> log = std::make_shared<log_lines>();
  std::unique_ptr<connection_manager> mgr;
  engine_world() {
    engine_options o;
    o.transports = std::make_shared<drivers::serial_transport_factory>();
    const bool print = std::getenv("DIALUP_TEST_LOG") != nullptr;
    o.log = [print, log = log](log_level, std::string_view t) {
      if (print) std::fprintf(stderr, "  [engine] %.*s\n", int(t.size()), t.data());
      std::lock_guard lock(log->mutex);
      log->lines.emplace_back(t);
    };
    mgr = std::make_unique<connection_manager>(std::move(o));
  }
  // Whether any log line contains `text`.
  bool logged(const std::string& text) const {
    std::lock_guard lock(log->mutex);
    for (const auto& l : log->lines)
      if (l.find(text) != std::string::npos) return true;
    return false;
  }
};

inline dial_entry entry_for(const hwsim::simulator& sim, std::size_t modem, const std::string& number) {
  dial_entry e;
  e.port = sim.pty_path(modem);
  e.phone_number = number;
  auto& p = e.profile;
  // The simulator's S12 guard (1 s) runs at time_scale: 50 ms. Ours must be longer.
  p.escape_guard = 150ms;
  p.command_timeout = 1s;
  p.reset_timeout = 1s;
  p.connect_timeout = 10s;
  p.resync_quiet = 50ms;
  return e;
}

}  // namespace dialup::test
