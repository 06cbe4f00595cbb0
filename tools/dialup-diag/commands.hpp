// The dialup-diag subcommands (docs/diag.md). Each opens the modem's port (or the built-in
// simulator with --sim), measures, and writes what it measured: a table for people, or
// --json (one object) or --csv (one row per sample). A run cut short by SIGINT/SIGTERM, a
// modem that stops answering or a port that fails still writes what was measured up to
// then, says so ("interrupted": true, "stopped": why), and leaves the modem on-hook.
//
// Exit status: 0 the run finished; 2 the port could not be opened or the modem never
// answered; 4 the run was interrupted or stopped early (what was measured is written);
// 1 bad usage.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dialup/engine/call_diagnostics.hpp"
#include "stats.hpp"

namespace dialup_diag {

struct common_options {
  std::string port;
  bool sim = false;
  double time_scale = 0.02;          // --sim: the simulator's time scale
  std::string personality = "generic";  // --sim: the simulated modem's personality
  std::uint32_t baud = 115200;
  bool json = false;
  bool csv = false;
  std::optional<bool> progress;      // unset: on when standard error is a terminal
  std::chrono::milliseconds timeout{3000};  // each AT command
};

struct latency_options {
  unsigned samples = 50;
  std::string command = "AT";
  std::string after;                 // sent (untimed) before each sample: "ATZ", "AT&V"
  double interval = 0;               // seconds between samples
};

struct calls_options {
  std::vector<std::string> phones;   // dialled in turn
  unsigned count = 1;
  double pause = 1.0;                // seconds between calls
  double hold = 0;                   // seconds each connected call is held
  std::string diag = "auto";         // auto, ud, i6, i11, v1, all, none
};

struct throughput_options {
  std::string phone = "5550100";     // an echo service
  double seconds = 5;                // how long to send (unless --bytes)
  std::uint64_t bytes = 0;           // send this many bytes instead
  std::size_t block = 1024;          // bytes per write
  double drain = 3;                  // seconds to wait for the echo's tail after the last write
  double stall = 0.5;                // a write pending longer than this is a flow-control stall
  bool raw_baseline = false;         // first measure a bare pty's echo throughput, for comparison
};

struct signal_options {
  unsigned samples = 10;
  double interval = 1.0;                      // seconds from one sample's start to the next
  std::string sim_signal = "20,18,15,99,25";  // --sim: the +CSQ <rssi> schedule, one per query
  std::string sim_operator = "dialup sim";    // --sim: the +COPS? operator
};

struct lines_options {
  double seconds = 0;                 // how long to watch; 0: 30 s, or with --sim the calls' length
  std::vector<std::string> ring_from; // --sim: an incoming call from each, in turn
  unsigned rings = 3;                 // --sim: ring bursts of each incoming call
  std::string dial;                   // dialled after the incoming calls, then hung up (DCD)
  double hold = 2;                    // seconds the --dial call is held (with --sim: simulated)
};
// `report` (docs/diag.md, report): the measurements it runs, each a subcommand re-executed.
struct report_options {
  std::string out;                   // the directory written: report.json, index.html, plots/
  std::vector<std::string> runs{"identify", "latency", "calls", "throughput"};
  std::vector<std::string> phones{"5550100"};  // calls
  unsigned count = 10;               // calls
  double pause = 0;                  // calls: seconds between calls
  unsigned samples = 50;             // latency
  std::string echo_phone = "5550100";  // throughput
  double seconds = 5;                // throughput
  double deadline = 900;             // seconds each measurement may take
  bool no_plots = false;
};
struct measurement {
  std::string name;
  std::function<std::vector<std::string>(const report_options&)> args;  // the subcommand and its options
};
const std::vector<measurement>& measurements();

int identify_command(const common_options& o);
int latency_command(const common_options& o, const latency_options& l);
int calls_command(const common_options& o, const calls_options& c);
int throughput_command(const common_options& o, const throughput_options& t);
int signal_command(const common_options& o, const signal_options& s);
int lines_command(const common_options& o, const lines_options& l);
// A --sim-signal list "20,18,15,99": each a +CSQ <rssi> (0..31 or 99); nullopt and `error`.
std::optional<std::vector<int>> parse_rssi_list(const std::string& v, std::string& error);
int report_command(const common_options& o, const report_options& r);
// `compare A.json B.json` (docs/diag.md, compare); exit status 0, or 1 for bad input.
int compare_command(const std::string& a, const std::string& b, bool json);

// Shared by the subcommands.
nlohmann::ordered_json diagnostics_json(const dialup::call_diagnostics& d);
void print_diagnostics(std::FILE* out, const dialup::call_diagnostics& d, const char* indent);
// The keys every --json object starts with: command, port, interrupted, stopped.
nlohmann::ordered_json run_json(const char* command, const std::string& port, const std::string& stopped);
// min, mean, p50, p90, p99, max of the samples; null when there are none.
nlohmann::ordered_json summary_json(const summary& s);
// One line on standard output (invalid UTF-8 from a modem replaced, never thrown).
void write_json(const nlohmann::ordered_json& j);
// "1.5 s"-style key-value line: label padded to a column.
void print_row(std::FILE* out, const std::string& label, const std::string& value);

// A one-line progress display on standard error, redrawn in place; silent when off.
class progress_line {
 public:
  explicit progress_line(bool on) : on_(on) {}
  ~progress_line() { clear(); }
  void show(const std::string& text);
  void clear();

 private:
  bool on_;
  bool shown_ = false;
};
bool progress_wanted(const common_options& o);

}  // namespace dialup_diag

namespace dialup_diag {
class sim_host;
// The port to measure: o.port, or the built-in simulator's pty (started into `sim`).
std::string start_port(const common_options& o, std::unique_ptr<sim_host>& sim);
// CSV: a field quoted when it needs to be (RFC 4180 §2).
std::string csv_field(const std::string& s);
}  // namespace dialup_diag
