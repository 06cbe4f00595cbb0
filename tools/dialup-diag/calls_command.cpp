// `dialup-diag calls --phone NUMBER --count N`: N dials through the engine (the RAS dial
// model, docs/ras-model.md), one after the other, each hung up before the next; and after
// each call the modem's own account of it (AT#UD, ATI6/ATI11 or AT&V1, decoded by
// dialup/engine/call_diagnostics.hpp). docs/diag.md §3 says what each figure is.
//
//   for each call:  dial ──> DeviceConnected (CONNECT: time and rate) ──> Connected
//                     │                                          └─> hold (--hold) ──┐
//                     └─> failed (RAS error: 676 busy, 678 no answer, ...) ──────────┤
//                   hang up (the engine: modem on-hook, port closed) <────────────────┘
//                   port opened again ──> post-call diagnostics ──> closed ──> pause
//
// Ctrl-C (SIGINT/SIGTERM) at any point: a dial in progress is hung up, no further call is
// made, and what the finished calls measured is written with "interrupted". A call cut by
// the interruption is listed as such and counted in no rate.
#include <cstdio>
#include <iostream>
#include <map>
#include <thread>

#include "commands.hpp"
#include "diag_call.hpp"
#include "diag_port.hpp"
#include "dialup/drivers/port_factory.hpp"
#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/event_loop.hpp"
#include "dialup/engine/ras_error.hpp"
#include "dialup/engine/text.hpp"
#include "stats.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace dialup_diag {

namespace {

struct call_record {
  unsigned index = 0;
  std::string number;
  bool connected = false;
  bool interrupted = false;      // cut by Ctrl-C: in no rate
  std::optional<double> connect_s;  // dial start -> CONNECT
  std::uint32_t rate = 0;        // from CONNECT <rate>
  std::string connect_text;
  std::string protocol;          // what the CONNECT line or PROTOCOL: report says, "" if nothing
  std::error_code error;         // why the dial failed
  std::string failed_in;         // the state it failed in
  std::string detail;
  bool hang_up_confirmed = true;
  std::vector<dialup::call_diagnostics> diagnostics;
};

// "CONNECT 33600/ARQ/V42BIS" -> "ARQ/V42BIS"; a PROTOCOL: report wins when there is one.
std::string protocol_of(const dialup::connection_status& st) {
  for (const auto& n : st.negotiation)
    if (n.rfind("PROTOCOL:", 0) == 0) return std::string(dialup::text::trim(std::string_view(n).substr(9)));
  const auto slash = st.connect_text.find('/');
  return slash == std::string::npos ? std::string() : st.connect_text.substr(slash + 1);
}

// Sleeps up to `seconds`, waking for an interruption.
void pause_for(double seconds) {
  const auto end = std::chrono::steady_clock::now() +
                   std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
  for (auto now = std::chrono::steady_clock::now(); !interrupted() && now < end; now = std::chrono::steady_clock::now())
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(20ms, end - now));
}

std::vector<dialup::diag_format> formats_for(const std::string& diag) {
  using f = dialup::diag_format;
  if (diag == "ud") return {f::unimodem_ud};
  if (diag == "i6") return {f::usr_i6};
  if (diag == "i11") return {f::usr_i11};
  if (diag == "v1") return {f::conexant_v1};
  if (diag == "all") return {f::unimodem_ud, f::usr_i6, f::usr_i11, f::conexant_v1};
  return {};
}

// The modem's report of the call just ended. auto: AT#UD; a modem that does not know it
// (ERROR) is asked ATI6 and ATI11, then AT&V1.
std::vector<dialup::call_diagnostics> post_call(const std::string& port_name, const common_options& o,
                                                const std::string& diag, std::string& problem) {
  std::vector<dialup::call_diagnostics> out;
  std::string error;
  auto port = at_port::open(port_name, o.baud, error);
  if (!port) {
    problem = error;
    return out;
  }
  auto ask = [&](dialup::diag_format f) -> bool {
    const auto a = port->command(std::string(dialup::diag_command(f)), o.timeout);
    if (a.error) {
      problem = std::string(dialup::diag_command(f)) + ": " + a.error.message();
      if (a.error == std::errc::timed_out || a.error == dialup::ras_error::device_not_ready) {
        // What arrived before the deadline is decoded, and is partial.
        auto d = dialup::decode_call_diagnostics(f, a.text());
        if (!d.ud_keys.empty() || d.line_rate()) out.push_back(std::move(d));
      }
      return false;
    }
    out.push_back(dialup::decode_call_diagnostics(f, a.text()));
    return !out.back().error_reply;
  };
  if (diag == "auto") {
    if (!ask(dialup::diag_format::unimodem_ud) && problem.empty() && !interrupted()) {
      const bool i6 = ask(dialup::diag_format::usr_i6);
      const bool i11 = problem.empty() && ask(dialup::diag_format::usr_i11);
      if (!i6 && !i11 && problem.empty()) ask(dialup::diag_format::conexant_v1);
    }
  } else {
    for (auto f : formats_for(diag)) {
      if (interrupted() || !problem.empty()) break;
      ask(f);
    }
  }
  port->close();
  return out;
}

}  // namespace

int calls_command(const common_options& o, const calls_options& c) {
  std::unique_ptr<sim_host> sim;
  const std::string port_name = start_port(o, sim);
  asio::io_context io;
  dialup::thread_loop_scope scope(io.get_executor());
  dialup::engine_options eo;
  eo.transports = std::make_shared<dialup::drivers::port_factory>();
  dialup::connection_manager mgr(std::move(eo));
  progress_line progress(progress_wanted(o));

  std::vector<call_record> calls;
  std::string stopped;
  unsigned ok = 0, failed = 0;
  for (unsigned i = 1; i <= c.count; ++i) {
    if (interrupted()) {
      stopped = "interrupted";
      break;
    }
    call_record r;
    r.index = i;
    r.number = c.phones[(i - 1) % c.phones.size()];
    {
      char b[160];
      std::snprintf(b, sizeof b, "calls: %u/%u dialling %s  (connected %u, failed %u)", i, c.count, r.number.c_str(), ok,
                    failed);
      progress.show(b);
    }
    auto d = dial_call(mgr, io, port_name, r.number, o.baud);
    if (d.refused) {
      // Refused before any port work (a bad number): the same for every call.
      progress.clear();
      std::fprintf(stderr, "dialup-diag calls: %s: %s\n", r.number.c_str(), dialup::describe(d.error).c_str());
      return 1;
    }
    r.connect_s = d.connect_s;
    if (d.connected) {
      r.connected = true;
      r.rate = d.status.connect_rate;
      r.connect_text = d.status.connect_text;
      r.protocol = protocol_of(d.status);
      pause_for(c.hold);
    } else {
      r.error = d.error;
      r.failed_in = d.failed_in;
      r.detail = d.detail;
    }
    if (interrupted()) r.interrupted = true;
    // Hang up every handle, a failed dial's too (docs/ras-model.md §1.2): the modem on-hook.
    r.hang_up_confirmed = hang_up_call(mgr, io, d.handle);
    if (!r.interrupted) {
      r.connected ? ++ok : ++failed;
      if (c.diag != "none" && !interrupted()) {
        std::string problem;
        r.diagnostics = post_call(port_name, o, c.diag, problem);
        if (!problem.empty()) {
          dialup::call_diagnostics d;
          d.problems.push_back("could not read the modem's diagnostics: " + problem);
          if (r.diagnostics.empty()) r.diagnostics.push_back(d);
          else r.diagnostics.back().problems.push_back(d.problems.front());
        }
      }
    }
    calls.push_back(std::move(r));
    if (interrupted()) {
      stopped = "interrupted";
      break;
    }
    if (i < c.count) pause_for(c.pause);
  }
  progress.clear();
  if (interrupted()) stopped = "interrupted";

  // The figures over the calls that ran to their end.
  std::vector<double> connect_times;
  std::map<std::uint32_t, unsigned> rates;
  std::map<std::string, unsigned> protocols;
  std::map<int, unsigned> failures;
  std::map<int, std::error_code> failure_codes;
  std::map<std::uint32_t, unsigned> line_rates;
  std::map<std::string, unsigned> terminations;
  unsigned retrains = 0, retrain_reports = 0, not_confirmed = 0, counted = 0;
  for (const auto& r : calls) {
    if (!r.hang_up_confirmed) ++not_confirmed;
    if (r.interrupted) continue;
    ++counted;
    if (r.connected) {
      if (r.connect_s) connect_times.push_back(*r.connect_s);
      ++rates[r.rate];
      ++protocols[r.protocol.empty() ? "none reported" : r.protocol];
    } else {
      ++failures[r.error.value()];
      failure_codes[r.error.value()] = r.error;
    }
    for (const auto& d : r.diagnostics) {
      if (auto n = d.retrains()) {
        retrains += *n;
        ++retrain_reports;
        break;
      }
    }
    for (const auto& d : r.diagnostics) {
      if (auto lr = d.line_rate()) {
        ++line_rates[*lr];
        break;
      }
    }
    for (const auto& d : r.diagnostics) {
      if (d.termination) {
        ++terminations[*d.termination];
        break;
      }
    }
  }
  const auto ct = summarize(connect_times);
  const double success = counted ? 100.0 * ok / counted : 0;

  if (o.json) {
    using J = nlohmann::ordered_json;
    auto j = run_json("calls", port_name, stopped);
    j["numbers"] = c.phones;
    j["requested"] = c.count;
    j["attempted"] = calls.size();
    j["counted"] = counted;
    j["connected"] = ok;
    j["failed"] = failed;
    j["success_rate"] = counted ? J(success / 100.0) : J(nullptr);
    j["time_to_connect_s"] = summary_json(ct);
    J rj = J::object();
    for (const auto& [rate, n] : rates) rj[std::to_string(rate)] = n;
    j["connect_rates"] = rj;
    J pj = J::object();
    for (const auto& [p, n] : protocols) pj[p] = n;
    j["protocols"] = pj;
    J fj = J::object();
    for (const auto& [code, n] : failures) fj[std::to_string(code)] = {{"count", n}, {"text", dialup::describe(failure_codes[code])}};
    j["failures"] = fj;
    j["retrains"] = retrain_reports ? J(retrains) : J(nullptr);
    J lj = J::object();
    for (const auto& [rate, n] : line_rates) lj[std::to_string(rate)] = n;
    j["diag_line_rates"] = lj;
    J tj = J::object();
    for (const auto& [t, n] : terminations) tj[t] = n;
    j["terminations"] = tj;
    j["hang_up_not_confirmed"] = not_confirmed;
    J list = J::array();
    for (const auto& r : calls) {
      J cj;
      cj["call"] = r.index;
      cj["number"] = r.number;
      cj["interrupted"] = r.interrupted;
      cj["connected"] = r.connected;
      cj["time_to_connect_s"] = r.connect_s ? J(*r.connect_s) : J(nullptr);
      cj["rate"] = r.connected ? J(r.rate) : J(nullptr);
      cj["connect_text"] = r.connected ? J(r.connect_text) : J(nullptr);
      cj["protocol"] = r.connected && !r.protocol.empty() ? J(r.protocol) : J(nullptr);
      cj["error"] = r.error ? J(r.error.value()) : J(nullptr);
      cj["error_text"] = r.error ? J(dialup::describe(r.error)) : J(nullptr);
      cj["failed_in"] = r.error ? J(r.failed_in) : J(nullptr);
      cj["hang_up_confirmed"] = r.hang_up_confirmed;
      J dj = J::array();
      for (const auto& d : r.diagnostics) dj.push_back(diagnostics_json(d));
      cj["diagnostics"] = dj;
      list.push_back(cj);
    }
    j["calls"] = list;
    write_json(j);
  } else if (o.csv) {
    std::printf("call,number,connected,time_to_connect_s,rate,protocol,error,failed_in,diag_line_rate,diag_retrains,diag_snr_db,termination,interrupted\n");
    for (const auto& r : calls) {
      std::optional<std::uint32_t> lr, rt;
      std::optional<double> snr;
      std::string term;
      for (const auto& d : r.diagnostics) {
        if (!lr) lr = d.line_rate();
        if (!rt) rt = d.retrains();
        if (!snr) snr = d.snr_db;
        if (term.empty() && d.termination) term = *d.termination;
      }
      std::printf("%u,%s,%d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%d\n", r.index, csv_field(r.number).c_str(), r.connected ? 1 : 0,
                  r.connect_s ? std::to_string(*r.connect_s).c_str() : "", r.connected ? std::to_string(r.rate).c_str() : "",
                  csv_field(r.protocol).c_str(), r.error ? std::to_string(r.error.value()).c_str() : "",
                  csv_field(r.failed_in).c_str(), lr ? std::to_string(*lr).c_str() : "",
                  rt ? std::to_string(*rt).c_str() : "", snr ? std::to_string(*snr).c_str() : "",
                  csv_field(term).c_str(), r.interrupted ? 1 : 0);
    }
  } else {
    for (const auto& r : calls) {
      std::string what;
      if (r.interrupted) what = "interrupted";
      else if (r.connected) what = r.connect_text + (r.connect_s ? " in " + format_ms(*r.connect_s * 1000) : "");
      else what = r.failed_in + " failed: " + dialup::describe(r.error);
      if (!r.hang_up_confirmed) what += " (hang-up not confirmed)";
      std::printf("call %u  %s  %s\n", r.index, r.number.c_str(), what.c_str());
      for (const auto& d : r.diagnostics) print_diagnostics(stdout, d, "    ");
    }
    std::printf("\n");
    print_row(stdout, "port", port_name);
    print_row(stdout, "calls", std::to_string(counted) + " counted of " + std::to_string(c.count) + " requested");
    char b[64];
    std::snprintf(b, sizeof b, "%u of %u (%.1f %%)", ok, counted, success);
    print_row(stdout, "connected", counted ? b : "-");
    if (ct.count) {
      print_row(stdout, "time to CONNECT", "min " + format_ms(ct.min * 1000) + "  p50 " + format_ms(ct.p50 * 1000) +
                                               "  p90 " + format_ms(ct.p90 * 1000) + "  max " + format_ms(ct.max * 1000));
    }
    for (const auto& [rate, n] : rates) print_row(stdout, "CONNECT rate", std::to_string(rate) + ": " + std::to_string(n));
    for (const auto& [p, n] : protocols) print_row(stdout, "protocol", p + ": " + std::to_string(n));
    for (const auto& [code, n] : failures)
      print_row(stdout, "failure", dialup::describe(failure_codes[code]) + ": " + std::to_string(n));
    for (const auto& [rate, n] : line_rates) print_row(stdout, "line rate (modem)", std::to_string(rate) + ": " + std::to_string(n));
    if (retrain_reports) print_row(stdout, "retrains (modem)", std::to_string(retrains) + " over " + std::to_string(retrain_reports) + " calls");
    for (const auto& [t, n] : terminations) print_row(stdout, "termination (modem)", t + ": " + std::to_string(n));
    if (not_confirmed) print_row(stdout, "hang-up not confirmed", std::to_string(not_confirmed));
    if (!stopped.empty()) print_row(stdout, "run", "stopped early: " + stopped);
  }
  return stopped.empty() ? 0 : 4;
}

}  // namespace dialup_diag
