// dialup-diag — the line-diagnostics bench (docs/diag.md).
//
//   dialup-diag identify  --port PATH | --sim           what the modem is, its settings
//   dialup-diag latency   --port PATH | --sim [--samples N] [--after CMD]
//   dialup-diag calls     --port PATH | --sim --phone NUMBER [--phone ...] --count N
//   dialup-diag throughput --port PATH | --sim [--phone ECHO] [--seconds S | --bytes N]
//   dialup-diag signal    --port PATH | --sim [--samples N] [--interval S]   (cellular)
//   dialup-diag lines     --port PATH | --sim [--seconds S] [--ring-from NUMBER ...]
//   dialup-diag report    --out DIR --port PATH | --sim [--run identify,latency,...]
//   dialup-diag compare   A.json B.json [--json]
//
// PATH is a device (/dev/ttyUSB0, a pty) or rfc2217://host:port. Every subcommand writes a
// table, or --json (one object) or --csv; on a terminal a progress line is drawn on
// standard error while it runs. Ctrl-C ends a run cleanly: the modem is left on-hook and
// what was measured so far is written, marked interrupted (exit status 4).
#include <CLI/CLI.hpp>

#include <cctype>
#include <iostream>
#include <string_view>

#include "commands.hpp"
#include "diag_port.hpp"
#include "dialup/version.hpp"

namespace {

void add_common(CLI::App* cmd, dialup_diag::common_options& o) {
  auto* port = cmd->add_option("--port", o.port, "the modem's port: a device path or rfc2217://host:port")
                   ->type_name("PATH");
  auto* sim = cmd->add_flag("--sim", o.sim, "measure a simulated modem (built in, on a pty)");
  port->excludes(sim);
  cmd->add_option("--time-scale", o.time_scale, "--sim: the simulator's time scale (1 = real time)")
      ->check(CLI::Range(0.0, 10.0));
  cmd->add_option("--personality", o.personality, "--sim: generic, usr, conexant, cellular")
      ->check(CLI::IsMember({"generic", "usr", "conexant", "cellular"}));
  cmd->add_option("--baud", o.baud, "the port's speed (bit/s)")->check(CLI::Range(300u, 4000000u));
  auto* json = cmd->add_flag("--json", o.json, "one JSON object on standard output");
  auto* csv = cmd->add_flag("--csv", o.csv, "CSV on standard output, one row per sample");
  json->excludes(csv);
  cmd->add_flag_callback("--progress", [&o] { o.progress = true; },
                         "draw the progress line (default: when standard error is a terminal)");
  cmd->add_flag_callback("--no-progress", [&o] { o.progress = false; }, "never draw the progress line");
  cmd->add_option_function<double>(
         "--timeout", [&o](double s) { o.timeout = std::chrono::milliseconds(static_cast<long>(s * 1000)); },
         "seconds each AT command may take (default 3)")
      ->check(CLI::Range(0.05, 600.0));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dialup-diag: measure a modem and its line (docs/diag.md)"};
  app.set_version_flag("--version", std::string("dialup-diag ") + DIALUP_VERSION_STRING, "print the version and exit");
  app.require_subcommand(1);

  dialup_diag::common_options common;
  dialup_diag::latency_options lat;
  dialup_diag::calls_options calls;

  auto* identify = app.add_subcommand("identify", "what the modem is: ATI, +GMI/+GMM/+GMR, AT&V, S-registers, "
                                                  "which post-call diagnostics it answers");
  add_common(identify, common);

  auto* latency = app.add_subcommand("latency", "AT command round-trip time: histogram, p50/p90/p99/max");
  add_common(latency, common);
  latency->add_option("--samples,-n", lat.samples, "how many commands to time")->check(CLI::Range(1u, 1000000u));
  latency->add_option("--command", lat.command, "the command timed (default AT)");
  latency->add_option("--after", lat.after, "a command sent, untimed, before each sample (ATZ, AT&V)");
  latency->add_option("--interval", lat.interval, "seconds between samples")->check(CLI::Range(0.0, 3600.0));

  auto* callcmd = app.add_subcommand("calls", "dial N times: success rate, time to CONNECT, rates, failures, "
                                              "the modem's post-call diagnostics");
  add_common(callcmd, common);
  callcmd->add_option("--phone", calls.phones, "the number to dial; given more than once, dialled in turn")
      ->required()
      ->type_name("NUMBER");
  callcmd->add_option("--count,-n", calls.count, "how many calls")->check(CLI::Range(1u, 100000u));
  callcmd->add_option("--pause", calls.pause, "seconds between calls (default 1)")->check(CLI::Range(0.0, 3600.0));
  callcmd->add_option("--hold", calls.hold, "seconds each connected call is held (default 0)")
      ->check(CLI::Range(0.0, 86400.0));
  callcmd->add_option("--diag", calls.diag, "post-call diagnostics: auto (AT#UD, else ATI6/ATI11, else AT&V1), "
                                            "ud, i6, i11, v1, all, none")
      ->check(CLI::IsMember({"auto", "ud", "i6", "i11", "v1", "all", "none"}));

  dialup_diag::throughput_options tp;
  auto* through = app.add_subcommand("throughput", "over a call to an echo service: goodput, byte errors and "
                                                   "bursts, lost and duplicated data, stalls, round trip under load");
  add_common(through, common);
  through->add_option("--phone", tp.phone, "an echo service's number (default 5550100, the simulator's echo)")
      ->type_name("NUMBER");
  auto* secs = through->add_option("--seconds", tp.seconds, "how long to send (default 5)")->check(CLI::Range(0.1, 86400.0));
  through->add_option("--bytes", tp.bytes, "send this many bytes instead")->excludes(secs)->check(CLI::Range(1ull, 1ull << 40));
  through->add_option("--block", tp.block, "bytes per write (default 1024)")->check(CLI::Range(std::size_t{1}, std::size_t{65536}));
  through->add_option("--drain", tp.drain, "seconds to wait for the echo's tail (default 3)")->check(CLI::Range(0.0, 600.0));
  through->add_option("--stall", tp.stall, "a write pending this long is a flow-control stall (default 0.5 s)")
      ->check(CLI::Range(0.01, 600.0));
  through->add_flag("--raw-baseline", tp.raw_baseline, "first measure a bare pty's echo throughput, for comparison");

  dialup_diag::signal_options sig;
  auto* sigcmd = app.add_subcommand("signal", "a cellular modem's signal over time: +CSQ, +CESQ, registration, "
                                              "operator (3GPP TS 27.007)");
  add_common(sigcmd, common);
  sigcmd->add_option("--samples,-n", sig.samples, "how many samples (default 10)")->check(CLI::Range(1u, 1000000u));
  sigcmd->add_option("--interval", sig.interval, "seconds from one sample to the next (default 1)")
      ->check(CLI::Range(0.0, 86400.0));
  sigcmd->add_option("--sim-signal", sig.sim_signal,
                     "--sim: the +CSQ <rssi> values the simulated modem steps through, one per query "
                     "(default 20,18,15,99,25)")
      ->type_name("RSSI[,RSSI...]")
      ->check([](const std::string& v) {
        std::string error;
        return dialup_diag::parse_rssi_list(v, error) ? std::string() : error;
      });
  sigcmd->add_option("--sim-operator", sig.sim_operator, "--sim: the operator the simulated network names")
      ->check([](const std::string& v) {
        if (v.empty() || v.size() > 64) return std::string("1 to 64 characters");
        for (char c : v)
          if (c == '"' || static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
            return std::string("printable ASCII without double quotes");
        return std::string();
      });

  dialup_diag::lines_options lin;
  auto* lines = app.add_subcommand("lines", "DCD/DSR/CTS/RI changes over time, and the ring cadence");
  add_common(lines, common);
  lines->add_option("--seconds", lin.seconds, "how long to watch (default 30; with --sim, the calls' length)")
      ->check(CLI::Range(0.1, 86400.0));
  lines->add_option("--ring-from", lin.ring_from, "--sim: an incoming call from NUMBER rings the modem; given "
                                                 "more than once, the calls come in turn")
      ->type_name("NUMBER")
      ->check([](const std::string& v) {
        if (v.empty() || v.size() > 20) return std::string("1 to 20 digits");
        for (char c : v)
          if (c < '0' || c > '9') return std::string("digits only");
        return std::string();
      });
  lines->add_option("--dial", lin.dial, "after the incoming calls, dial NUMBER, hold the call and hang it up "
                                       "by dropping DTR: DCD rises and falls")
      ->type_name("NUMBER")
      ->check([](const std::string& v) {
        if (v.empty() || v.size() > 40) return std::string("1 to 40 characters");
        for (char c : v)
          if (!std::isdigit(static_cast<unsigned char>(c)) && std::string_view("*#,WwPpTt").find(c) == std::string_view::npos)
            return std::string("digits and * # , W P T only");
        return std::string();
      });
  lines->add_option("--hold", lin.hold, "seconds the --dial call is held (default 2; with --sim, simulated seconds)")
      ->check(CLI::Range(0.0, 3600.0));
  lines->add_option("--rings", lin.rings, "--sim: ring bursts of each incoming call (default 3)")
      ->check(CLI::Range(1u, 100u));

  dialup_diag::report_options rep;
  auto* report = app.add_subcommand("report", "run several measurements; write DIR/report.json and DIR/index.html "
                                              "(tables and gnuplot plots)");
  add_common(report, common);
  report->add_option("--out,-o", rep.out, "the directory written (created if needed)")->required()->type_name("DIR");
  report->add_option("--run", rep.runs, "the measurements, in order (default identify,latency,calls,throughput)")
      ->delimiter(',')
      ->type_name("LIST");
  report->add_option("--phone", rep.phones, "calls: the number to dial; given more than once, dialled in turn "
                                            "(default 5550100)")
      ->type_name("NUMBER");
  report->add_option("--count,-n", rep.count, "calls: how many calls (default 10)")->check(CLI::Range(1u, 100000u));
  report->add_option("--pause", rep.pause, "calls: seconds between calls (default 0)")->check(CLI::Range(0.0, 3600.0));
  report->add_option("--samples", rep.samples, "latency: how many commands to time (default 50)")
      ->check(CLI::Range(1u, 1000000u));
  report->add_option("--echo-phone", rep.echo_phone, "throughput: the echo service's number (default 5550100)")
      ->type_name("NUMBER");
  report->add_option("--seconds", rep.seconds, "throughput: how long to send (default 5)")->check(CLI::Range(0.1, 86400.0));
  report->add_option("--deadline", rep.deadline, "seconds each measurement may take (default 900)")
      ->check(CLI::Range(1.0, 86400.0));
  report->add_flag("--no-plots", rep.no_plots, "tables only: do not run gnuplot");

  std::string cmp_a, cmp_b;
  bool cmp_json = false;
  auto* compare = app.add_subcommand("compare", "what changed between two runs (report.json or --json outputs), "
                                                "with each change's significance");
  compare->add_option("A", cmp_a, "the first run's JSON")->required();
  compare->add_option("B", cmp_b, "the second run's JSON")->required();
  compare->add_flag("--json", cmp_json, "one JSON object on standard output");

  CLI11_PARSE(app, argc, argv);
  if (compare->parsed()) return dialup_diag::compare_command(cmp_a, cmp_b, cmp_json);
  for (auto* cmd : {identify, latency, callcmd, through, sigcmd, lines, report}) {
    if (cmd->parsed() && common.port.empty() && !common.sim) {
      std::cerr << "dialup-diag " << cmd->get_name() << ": give --port PATH or --sim\n";
      return 1;
    }
  }
  dialup_diag::install_interrupt_handlers();
  if (identify->parsed()) return dialup_diag::identify_command(common);
  if (latency->parsed()) return dialup_diag::latency_command(common, lat);
  if (callcmd->parsed()) return dialup_diag::calls_command(common, calls);
  if (sigcmd->parsed()) {
    // The simulated modem of `signal --sim` is cellular unless another personality is asked for.
    if (sigcmd->get_option("--personality")->count() == 0) common.personality = "cellular";
    return dialup_diag::signal_command(common, sig);
  }
  if (lines->parsed()) return dialup_diag::lines_command(common, lin);
  if (report->parsed()) return dialup_diag::report_command(common, rep);
  return dialup_diag::throughput_command(common, tp);
}
