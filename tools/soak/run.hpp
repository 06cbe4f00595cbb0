// One dial of the soak: draws its plan, builds a fresh world, dials with the plan's faults
// on virtual time until the dial has ended and its handle is retired, and checks the
// invariants (docs/soak.md §3). Everything runs on the calling thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "dialup/engine/conn_state.hpp"
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

// What a caller saw of one dial, for the checks both modes share.
struct notification {
  conn_state state;
  std::uint32_t error;
  std::uint32_t extended;
};
struct notifications_seen {
  const std::vector<notification>& notes;
  int terminal_count = 0;
  std::size_t terminal_index = 0;
  int redials = 0;
  bool hang_up_before_terminal = false;
  int wrong_executor = 0;
  std::string result;  // "ConnectDevice error 676", ...
};
// ok == the invariant held; what: the failure's text.
using check_fn = std::function<void(bool ok, const std::string& what)>;
// docs/soak.md §3 checks 2-5: one terminal notification and nothing after it, the legal
// state graph and the redial count, the caller's loop, the terminal error the faults imply.
void check_notifications(const dial_plan& p, const notifications_seen& s, const check_fn& check);
// The terminal errors a plan allows (631 apart), and whether a 638 from the hang-up is explained.
std::set<int> errors_implied(const dial_plan& p);
bool unconfirmed_hang_up_explained(const dial_plan& p);

// The invariant table the soak checks (for --help-invariants and docs/soak.md).
std::string describe_invariants();

// Takes the excluded kinds out of a drawn plan (documented with --exclude-fault).
void exclude_faults(dial_plan& p, const std::set<fault_kind>& excluded);

dial_outcome run_dial(std::uint64_t dial_seed, const run_options& options);

}  // namespace dialup::soak
