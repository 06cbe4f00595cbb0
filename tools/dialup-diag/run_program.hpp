// run_program — a program run as a child with a deadline, its standard output captured (up
// to a limit), for `dialup-diag report` (its measurements, each this program re-executed)
// and for gnuplot. While it waits it watches interrupted() (diag_port.hpp): on Ctrl-C the
// child is sent SIGINT once, so that it ends its run cleanly and writes what it measured;
// at the deadline it is sent SIGTERM, and SIGKILL 5 s later.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace dialup_diag {

struct program_result {
  std::optional<int> status;   // exit status, 128 + signal, nullopt if it could not be started
  std::string output;          // its standard output (standard error is this program's)
  bool timed_out = false;      // killed at the deadline
  bool truncated = false;      // the output went past the limit (the rest was discarded)
  std::string error;           // why it could not be started
};

program_result run_program(const std::vector<std::string>& argv, std::chrono::milliseconds deadline,
                           std::size_t max_output = std::size_t{64} << 20, const std::string& cwd = {},
                           bool forward_interrupt = true);

}  // namespace dialup_diag
