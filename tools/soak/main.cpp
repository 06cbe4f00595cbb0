// dialup-soak: seeded fault-injection soak of the engine against hw-sim, in one process on
// virtual time (docs/soak.md).
//
//   dialup-soak [--seed N] [--dials N] [--trace] [--stop-on-failure] [--exclude-fault KIND]...
//   dialup-soak --replay DIAL_SEED [--trace]
//
// Dial i of a run has the seed dial_seed(seed, i) (prng.hpp); a failure prints it with the
// command that replays that dial alone. The last line is `trace-hash <16 hex>`: FNV-1a 64
// over every dial's trace hash, equal for equal --seed, --dials and exclusions.
// Exit status: 0 when every invariant held, 1 when one failed, 2 for a usage error.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include <CLI/CLI.hpp>

#include "prng.hpp"
#include "pty_run.hpp"
#include "run.hpp"
#include "trace.hpp"

using namespace dialup::soak;

namespace {

std::string hex16(std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%016" PRIx64, v);
  return b;
}

std::optional<fault_kind> fault_named(const std::string& s) {
  for (std::size_t i = 0; i < fault_kinds; ++i)
    if (to_string(static_cast<fault_kind>(i)) == s) return static_cast<fault_kind>(i);
  return std::nullopt;
}

void print_trace(const dial_outcome& o) {
  for (const auto& line : o.trace) std::printf("  %s\n", line.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dialup-soak: the engine against hw-sim under seeded faults, on virtual time"};
  std::uint64_t seed = 1;
  std::uint64_t dials = 1000;
  std::string replay;
  bool trace = false;
  bool stop_on_failure = false;
  bool list = false;
  std::vector<std::string> exclude;
  app.add_option("--seed", seed, "the run's seed (dial i draws from dial_seed(seed, i))");
  app.add_option("--dials", dials, "how many dials")->check(CLI::PositiveNumber);
  app.add_option("--replay", replay, "run the one dial with this dial seed (as a failure prints it)");
  app.add_flag("--trace", trace, "print each dial's full trace (with --replay: that dial's)");
  app.add_flag("--stop-on-failure", stop_on_failure, "stop at the first dial that breaks an invariant");
  app.add_option("--exclude-fault", exclude,
                 "take this fault kind out of every plan (a known bug, to keep CI green; docs/soak.md)");
  app.add_flag("--list", list, "print the fault kinds, the legal state graph and the error table, and exit");
  bool pty = false;
  pty_options popt;
  app.add_flag("--pty", pty,
               "the same plans against real dialup-sim processes over real ptys, in scaled real time "
               "(not deterministic: no trace-hash; docs/soak.md)");
  app.add_option("--sim", popt.sim, "with --pty: the dialup-sim program (default: next to this one)");
  app.add_option("--time-scale", popt.time_scale, "with --pty: real time per simulated time (0.05 = 20 times faster)")
      ->check(CLI::Range(0.001, 1.0));
  app.add_option("--lanes", popt.lanes, "with --pty: dials in flight at once")->check(CLI::Range(1, 64));
  app.add_flag("--verbose", popt.verbose, "with --pty: one line per dial");
  CLI11_PARSE(app, argc, argv);
  if (pty) {
    if (!replay.empty() || list || trace || !exclude.empty()) {
      std::fprintf(stderr, "dialup-soak: --pty takes --seed, --dials, --sim, --time-scale, --lanes, --verbose\n");
      return 2;
    }
    popt.seed = seed;
    popt.dials = dials;
    popt.self = argv[0];
    return run_pty(popt);
  }

  if (list) {
    std::printf("%s", describe_invariants().c_str());
    return 0;
  }
  run_options opt;
  opt.keep_trace = trace;
  std::string exclude_args;
  for (const auto& e : exclude) {
    auto k = fault_named(e);
    if (!k) {
      std::fprintf(stderr, "dialup-soak: unknown fault kind '%s' (see --list)\n", e.c_str());
      return 2;
    }
    opt.excluded.insert(*k);
    exclude_args += " --exclude-fault " + e;
  }

  std::vector<std::uint64_t> seeds;
  if (!replay.empty()) {
    try {
      std::size_t used = 0;
      seeds.push_back(std::stoull(replay, &used, 0));
      if (used != replay.size()) throw std::invalid_argument(replay);
    } catch (const std::exception&) {
      std::fprintf(stderr, "dialup-soak: --replay wants a dial seed such as 0x1234abcd\n");
      return 2;
    }
  }
  const std::uint64_t count = seeds.empty() ? dials : 1;

  fnv1a64 run_hash;
  std::map<fault_kind, std::uint64_t> drawn;
  std::uint64_t checks = 0, failed_dials = 0, failures = 0, skipped = 0, ran = 0;
  std::map<std::string, std::uint64_t> results;
  double sim_seconds = 0;
  const auto wall_start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < count; ++i) {
    const auto s = seeds.empty() ? dial_seed(seed, i) : seeds.front();
    const auto o = run_dial(s, opt);
    ++ran;
    run_hash.add_u64(o.trace_hash);
    checks += o.checks_passed;
    sim_seconds += o.sim_seconds;
    for (auto k : o.faults) ++drawn[k];
    if (o.result == "skipped") ++skipped;
    ++results[o.result];
    if (trace || !seeds.empty()) {
      std::printf("dial %" PRIu64 " seed 0x%s: %s\n  -> %s in %.1f simulated s, %zu checks passed\n", i,
                  hex16(s).c_str(), o.plan.c_str(), o.result.c_str(), o.sim_seconds, o.checks_passed);
      if (trace) print_trace(o);
    }
    if (!o.failures.empty()) {
      ++failed_dials;
      failures += o.failures.size();
      std::printf("FAIL dial %" PRIu64 " seed 0x%s: %s\n  plan: %s\n  result: %s\n", i, hex16(s).c_str(),
                  o.failures.front().c_str(), o.plan.c_str(), o.result.c_str());
      for (std::size_t f = 1; f < o.failures.size(); ++f) std::printf("  also: %s\n", o.failures[f].c_str());
      std::printf("  replay: dialup-soak --replay 0x%s --trace%s\n", hex16(s).c_str(), exclude_args.c_str());
      std::fflush(stdout);
      if (stop_on_failure) break;
    }
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  std::printf("dials %" PRIu64 " (skipped %" PRIu64 "), %.3f s wall, %.0f dials/s, %.0f simulated s\n", ran,
              skipped, wall, wall > 0 ? static_cast<double>(ran) / wall : 0.0, sim_seconds);
  std::printf("faults drawn:");
  for (std::size_t k = 0; k < fault_kinds; ++k) {
    const auto kind = static_cast<fault_kind>(k);
    std::printf(" %s=%" PRIu64, std::string(to_string(kind)).c_str(), drawn[kind]);
  }
  std::printf("\nresults:");
  for (const auto& [r, n] : results) std::printf(" [%s]=%" PRIu64, r.c_str(), n);
  std::printf("\ninvariant checks passed %" PRIu64 ", failed %" PRIu64 " (in %" PRIu64 " dials)\n", checks,
              failures, failed_dials);
  if (!exclude.empty()) std::printf("excluded fault kinds:%s\n", exclude_args.c_str());
  std::printf("trace-hash %s\n", hex16(run_hash.value()).c_str());
  return failures == 0 ? 0 : 1;
}
