// The measurements `dialup-diag report` can run (commands.hpp, docs/diag.md §7).
#include <cstdio>

#include "commands.hpp"

namespace dialup_diag {

// "5", "0.5": a number of seconds as an argument.
std::string secs(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", s);
  return b;
}

// The measurements a report can run: the name (--run, and the key under "runs") and the
// subcommand's arguments beyond --port, --json and --no-progress. A new subcommand is one
// more row.
const std::vector<measurement>& measurements() {
  static const std::vector<measurement> table = {
      {"identify", [](const report_options&) { return std::vector<std::string>{"identify"}; }},
      {"latency",
       [](const report_options& r) {
         return std::vector<std::string>{"latency", "--samples", std::to_string(r.samples)};
       }},
      {"calls",
       [](const report_options& r) {
         std::vector<std::string> a{"calls", "--count", std::to_string(r.count), "--pause", secs(r.pause)};
         for (const auto& p : r.phones) {
           a.push_back("--phone");
           a.push_back(p);
         }
         return a;
       }},
      {"throughput",
       [](const report_options& r) {
         return std::vector<std::string>{"throughput", "--phone", r.echo_phone, "--seconds", secs(r.seconds)};
       }},
  };
  return table;
}

}  // namespace dialup_diag
