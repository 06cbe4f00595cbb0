// The soak's second mode (docs/soak.md §7): the same seeded plans, dialled by the real engine
// with the serial driver over real ptys to real dialup-sim processes, in scaled real time.
//
//   lanes (one caller thread and loop each) ──dial()──> connection_manager (its own thread,
//        ▲ notifications, completions                     its timers on a virtual_clock that a
//        └───────────────────────────────────────────     pump thread moves at the sims' scale)
//                                                             │ serial_transport
//   dialup-sim -p generic | usr | conexant (one process each, one modem per lane, own
//   process group), their --control sockets for the faults that can be made from outside
//
// Not deterministic: threads, ptys and the kernel's scheduling decide the timing. There is
// no trace hash; a failure prints the dial's seed, and `--replay SEED` runs the same plan
// on virtual time (where it may or may not fail the same way).
#pragma once

#include <cstdint>
#include <string>

namespace dialup::soak {

struct pty_options {
  std::uint64_t seed = 1;
  std::uint64_t dials = 1000;
  std::string sim;          // dialup-sim; empty: next to this program, then ../dialup-sim/
  std::string self;         // argv[0], to find the sim next to it
  double time_scale = 0.05; // the sims' --time-scale, and the engine's clock against real time
  unsigned lanes = 32;      // dials in flight at once (one modem per lane in each sim)
  bool verbose = false;     // one line per dial
};

// Runs the dials; prints the figures. Exit status: 0 when every check held, 1 when one
// failed, 2 when the world could not be set up, 128 + signal when SIGINT/SIGTERM ended it.
int run_pty(const pty_options& options);

}  // namespace dialup::soak
