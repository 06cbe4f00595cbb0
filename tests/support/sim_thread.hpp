// Test support for every test that talks to hw-sim through its ptys or sockets: a simulator
// on an io_context of its own, run by a thread of its own, as a separate device would be.
//
// The simulator's executor must be running for its modems to answer, and shutdown() must be
// called from a thread that is not running it (dialup/hwsim/simulator.hpp); the destructor
// does that, then stops the loop and joins the thread.
#pragma once

#include <cstddef>
#include <optional>
#include <thread>

#include "dialup/hwsim/detail/asio.hpp"  // first: Boost 1.74's Asio needs <utility> before it
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "dialup/hwsim/simulator.hpp"

namespace dialup::test {

// Simulator options with every simulated delay at `time_scale` of its real length.
inline hwsim::simulator_options at_time_scale(double time_scale) {
  hwsim::simulator_options o;
  o.time_scale = time_scale;
  return o;
}

struct sim_thread {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::optional<hwsim::simulator> sim;
  std::thread thread;

  // Adds `modems` modems before the thread starts; a test may add more afterwards.
  explicit sim_thread(const hwsim::simulator_options& options, std::size_t modems = 0) {
    sim.emplace(io.get_executor(), options);
    for (std::size_t i = 0; i < modems; ++i) sim->add_modem();
    thread = std::thread([this] { io.run(); });
  }
  ~sim_thread() {
    sim->shutdown();
    work.reset();
    io.stop();
    thread.join();
  }
  sim_thread(const sim_thread&) = delete;
  sim_thread& operator=(const sim_thread&) = delete;
};

}  // namespace dialup::test
