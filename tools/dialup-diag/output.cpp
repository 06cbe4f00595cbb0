// What the subcommands share for their output: the decoded post-call diagnostics as JSON
// and as rows of the table, and the progress line (commands.hpp).
#include <unistd.h>

#include <cstdio>

#include "commands.hpp"

namespace dialup_diag {

namespace {
template <class T>
nlohmann::ordered_json opt(const std::optional<T>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}
std::string db(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}
}  // namespace

nlohmann::ordered_json diagnostics_json(const dialup::call_diagnostics& d) {
  nlohmann::ordered_json j;
  j["source"] = std::string(dialup::to_string(d.format));
  j["complete"] = d.complete;
  j["error_reply"] = d.error_reply;
  j["problems"] = d.problems;
  j["line_rate"] = opt(d.line_rate());
  j["tx_rate"] = opt(d.tx_rate);
  j["rx_rate"] = opt(d.rx_rate);
  j["initial_tx_rate"] = opt(d.initial_tx_rate);
  j["initial_rx_rate"] = opt(d.initial_rx_rate);
  j["tx_modulation"] = opt(d.tx_modulation);
  j["rx_modulation"] = opt(d.rx_modulation);
  j["rx_level_dbm"] = opt(d.rx_level_dbm);
  j["tx_level_dbm"] = opt(d.tx_level_dbm);
  j["noise_dbm"] = opt(d.noise_dbm);
  j["snr_db"] = opt(d.snr_db);
  j["snr_derived"] = d.snr_derived;
  j["round_trip_ms"] = opt(d.round_trip_ms);
  j["line_quality"] = opt(d.line_quality);
  j["retrains"] = opt(d.retrains());
  j["retrains_requested"] = opt(d.retrains_requested);
  j["retrains_granted"] = opt(d.retrains_granted);
  j["rate_renegotiations"] = opt(d.rate_renegotiations);
  j["chars_sent"] = opt(d.chars_sent);
  j["chars_received"] = opt(d.chars_received);
  j["protocol"] = opt(d.protocol);
  j["compression"] = opt(d.compression);
  j["setup_result"] = opt(d.setup_result);
  j["setup_text"] = opt(d.setup_text);
  j["termination_code"] = opt(d.termination_code);
  j["termination"] = opt(d.termination);
  if (!d.ud_keys.empty()) {
    nlohmann::ordered_json keys = nlohmann::ordered_json::object();
    for (const auto& [k, v] : d.ud_keys) {
      char b[8];
      std::snprintf(b, sizeof b, "%X", k);
      keys[b] = v;
    }
    j["ud_keys"] = keys;
  }
  return j;
}

nlohmann::ordered_json run_json(const char* command, const std::string& port, const std::string& stopped) {
  nlohmann::ordered_json j;
  j["command"] = command;
  j["port"] = port;
  j["interrupted"] = !stopped.empty();
  j["stopped"] = stopped.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(stopped);
  return j;
}

nlohmann::ordered_json summary_json(const summary& s) {
  if (!s.count) return nullptr;
  return {{"min", s.min}, {"mean", s.mean}, {"p50", s.p50}, {"p90", s.p90}, {"p99", s.p99}, {"max", s.max}};
}

void write_json(const nlohmann::ordered_json& j) {
  std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  std::fflush(stdout);
}

void print_row(std::FILE* out, const std::string& label, const std::string& value) {
  std::fprintf(out, "%-24s %s\n", label.c_str(), value.c_str());
}

void print_diagnostics(std::FILE* out, const dialup::call_diagnostics& d, const char* indent) {
  const std::string in = indent;
  auto row = [&](const std::string& l, const std::string& v) { print_row(out, in + l, v); };
  std::string head = std::string(dialup::to_string(d.format));
  if (d.error_reply) head += ": the modem answered ERROR";
  else if (!d.complete) head += ": partial";
  std::fprintf(out, "%s%s\n", indent, head.c_str());
  if (auto r = d.line_rate()) {
    std::string v = std::to_string(*r) + " bit/s";
    if (d.tx_rate && d.rx_rate && *d.tx_rate != *d.rx_rate)
      v = std::to_string(*d.rx_rate) + " rx / " + std::to_string(*d.tx_rate) + " tx bit/s";
    row("  line rate", v);
  }
  if (d.rx_modulation) row("  modulation", *d.rx_modulation);
  if (d.snr_db) row("  SNR", db(*d.snr_db) + " dB" + (d.snr_derived ? " (rx level - noise)" : ""));
  if (d.rx_level_dbm) row("  rx level", db(*d.rx_level_dbm) + " dBm");
  if (d.tx_level_dbm) row("  tx level", db(*d.tx_level_dbm) + " dBm");
  if (d.noise_dbm) row("  noise", db(*d.noise_dbm) + " dBm");
  if (d.round_trip_ms) row("  round trip", std::to_string(*d.round_trip_ms) + " ms");
  if (d.line_quality) row("  line quality", std::to_string(*d.line_quality));
  if (auto r = d.retrains()) row("  retrains", std::to_string(*r));
  if (d.protocol) row("  protocol", *d.protocol);
  if (d.compression) row("  compression", *d.compression);
  if (d.chars_sent || d.chars_received)
    row("  chars sent/received", (d.chars_sent ? std::to_string(*d.chars_sent) : "-") + " / " +
                                     (d.chars_received ? std::to_string(*d.chars_received) : "-"));
  if (d.setup_text) row("  call set-up", *d.setup_text);
  if (d.termination) row("  termination", *d.termination);
  for (const auto& p : d.problems) row("  problem", p);
}

bool progress_wanted(const common_options& o) {
  if (o.progress) return *o.progress;
  return ::isatty(STDERR_FILENO) == 1;
}

void progress_line::show(const std::string& text) {
  if (!on_) return;
  std::fprintf(stderr, "\r\033[K%s", text.c_str());
  std::fflush(stderr);
  shown_ = true;
}

void progress_line::clear() {
  if (!on_ || !shown_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace dialup_diag

#include "diag_port.hpp"

namespace dialup_diag {

std::string start_port(const common_options& o, std::unique_ptr<sim_host>& sim) {
  if (!o.sim) return o.port;
  sim = std::make_unique<sim_host>(o.time_scale, o.personality);
  return sim->port();
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

}  // namespace dialup_diag
