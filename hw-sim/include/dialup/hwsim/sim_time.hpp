// Simulated time for the sans-I/O parts of hw-sim (modem interpreter, exchange).
//
// Every sans-I/O object is told "now" with each input and exposes its next deadline; it
// never reads a clock. The driver (the pty simulator, or a test) decides how simulated
// time relates to wall-clock time: real, scaled (simulator_options::time_scale) or
// purely virtual (a test that jumps from deadline to deadline).
#pragma once

#include <chrono>

namespace dialup::hwsim {

// Milliseconds of simulated time since the simulated world started.
using sim_duration = std::chrono::milliseconds;
using sim_time = std::chrono::milliseconds;

}  // namespace dialup::hwsim
