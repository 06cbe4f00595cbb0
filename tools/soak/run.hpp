// One dial of the soak: draws its plan, builds a fresh world, dials with the plan's faults
// on virtual time until the dial has ended and its handle is retired, and checks the
// invariants (docs/soak.md §3). Everything runs on the calling thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "plan.hpp"

namespace dialup::soak {

struct run_options {
  bool keep_trace = false;            // keep the trace as text (--trace), else only its hash
  std::set<fault_kind> excluded;      // --exclude-fault: these kinds are taken out of every plan
};

struct dial_outcome {
  std::uint64_t seed = 0;
  std::uint64_t trace_hash = 0;
  std::size_t trace_lines = 0;
  std::vector<std::string> trace;     // with keep_trace
  std::string plan;                   // dial_plan::describe()
  std::vector<fault_kind> faults;     // as drawn, less the excluded kinds
  std::string result;                 // "ConnectDevice error 676", "Connected", ...
  double sim_seconds = 0;             // simulated time the dial took, hang-up included
  std::size_t checks_passed = 0;
  std::vector<std::string> failures;  // one line per failed invariant
};

// The invariant table the soak checks (for --help-invariants and docs/soak.md).
std::string describe_invariants();

// Takes the excluded kinds out of a drawn plan (documented with --exclude-fault).
void exclude_faults(dial_plan& p, const std::set<fault_kind>& excluded);

dial_outcome run_dial(std::uint64_t dial_seed, const run_options& options);

}  // namespace dialup::soak
