// `dialup-diag latency`: the AT command round trip, N samples — from the write of the
// command to its final result code, as the AT channel sees it (the echo and the reply's
// framing included; docs/diag.md §2). With --after CMD each sample is preceded by CMD,
// untimed, so a modem that is slow to answer after a reset or a long report shows.
// Samples that took more than five times the median (and at least 20 ms more) are listed.
// A sample with no final reply in time is counted as a timeout, not as a latency; after
// the channel gives the modem up (several timeouts in a row) the run stops.
#include <cstdio>
#include <iostream>
#include <thread>

#include "commands.hpp"
#include "diag_port.hpp"
#include "stats.hpp"

namespace dialup_diag {

int latency_command(const common_options& o, const latency_options& l) {
  std::unique_ptr<sim_host> sim;
  const std::string port_name = start_port(o, sim);
  std::string error;
  auto port = at_port::open(port_name, o.baud, error);
  if (!port) {
    std::fprintf(stderr, "dialup-diag latency: %s\n", error.c_str());
    return 2;
  }
  struct sample {
    unsigned index;
    double ms;            // < 0: no answer in time
    std::string result;   // the final result code, or the error
  };
  std::vector<sample> samples;
  std::vector<double> ok_ms;
  unsigned timeouts = 0, errors = 0;
  std::string stopped;
  progress_line progress(progress_wanted(o));
  for (unsigned i = 1; i <= l.samples; ++i) {
    if (interrupted()) {
      stopped = "interrupted";
      break;
    }
    if (port->dead()) {
      stopped = "the modem stopped answering";
      break;
    }
    if (!l.after.empty()) port->command(l.after, o.timeout);
    const auto a = port->command(l.command, o.timeout);
    if (a.error && interrupted()) {  // cancelled by Ctrl-C: not a sample
      stopped = "interrupted";
      break;
    }
    sample s{i, -1, a.error ? a.error.message() : a.reply.final.text};
    if (a.error) {
      ++timeouts;
    } else {
      s.ms = std::chrono::duration<double, std::milli>(a.elapsed).count();
      ok_ms.push_back(s.ms);
      if (!a.ok()) ++errors;
    }
    samples.push_back(s);
    const auto sum = summarize(ok_ms);
    char b[160];
    std::snprintf(b, sizeof b, "latency: %u/%u  p50 %s  max %s  timeouts %u", i, l.samples,
                  format_ms(sum.p50).c_str(), format_ms(sum.max).c_str(), timeouts);
    progress.show(b);
    if (l.interval > 0) std::this_thread::sleep_for(std::chrono::duration<double>(l.interval));
  }
  if (stopped.empty() && port->dead()) stopped = "the modem stopped answering";
  port->close();
  progress.clear();

  const auto sum = summarize(ok_ms);
  std::vector<const sample*> slow;
  for (const auto& s : samples)
    if (s.ms >= 0 && s.ms > 5 * sum.p50 && s.ms > sum.p50 + 20) slow.push_back(&s);

  if (o.json) {
    auto j = run_json("latency", port_name, stopped);
    j["at_command"] = l.command;
    j["after"] = l.after.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(l.after);
    j["requested"] = l.samples;
    j["answered"] = sum.count;
    j["timeouts"] = timeouts;
    j["not_ok"] = errors;
    j["ms"] = summary_json(sum);
    // The serial round trip below the modem needs a loopback plug: not measured here.
    j["raw_round_trip_ms"] = nullptr;
    nlohmann::ordered_json h = nlohmann::ordered_json::array();
    for (const auto& b : histogram(ok_ms)) h.push_back({{"le_ms", b.upper}, {"count", b.count}});
    j["histogram"] = h;
    nlohmann::ordered_json sl = nlohmann::ordered_json::array();
    for (const auto* s : slow) sl.push_back({{"sample", s->index}, {"ms", s->ms}});
    j["slow"] = sl;
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const auto& s : samples) all.push_back(s.ms >= 0 ? nlohmann::ordered_json(s.ms) : nlohmann::ordered_json(nullptr));
    j["samples_ms"] = all;
    write_json(j);
  } else if (o.csv) {
    std::printf("sample,ms,result\n");
    for (const auto& s : samples)
      std::printf("%u,%s,%s\n", s.index, s.ms >= 0 ? std::to_string(s.ms).c_str() : "", csv_field(s.result).c_str());
  } else {
    print_row(stdout, "port", port_name);
    print_row(stdout, "command", l.command + (l.after.empty() ? "" : " (each after " + l.after + ")"));
    print_row(stdout, "samples", std::to_string(sum.count) + " answered of " + std::to_string(samples.size()) +
                                     " sent, " + std::to_string(timeouts) + " timed out" +
                                     (errors ? ", " + std::to_string(errors) + " not OK" : ""));
    if (sum.count) {
      print_row(stdout, "min / mean", format_ms(sum.min) + " / " + format_ms(sum.mean));
      print_row(stdout, "p50 / p90 / p99", format_ms(sum.p50) + " / " + format_ms(sum.p90) + " / " + format_ms(sum.p99));
      print_row(stdout, "max", format_ms(sum.max));
      const auto h = histogram(ok_ms);
      std::size_t largest = 0;
      for (const auto& b : h) largest = std::max(largest, b.count);
      for (const auto& b : h)
        std::printf("  <= %-12s %5zu %s\n", format_ms(b.upper).c_str(), b.count, bar(b.count, largest).c_str());
    }
    print_row(stdout, "raw serial round trip", "not measured (needs a loopback)");
    for (const auto* s : slow) print_row(stdout, "slow answer", "sample " + std::to_string(s->index) + ": " + format_ms(s->ms));
    if (!stopped.empty()) print_row(stdout, "run", "stopped early: " + stopped);
  }
  if (samples.empty() && stopped != "interrupted") return 2;
  return stopped.empty() ? 0 : 4;
}

}  // namespace dialup_diag
