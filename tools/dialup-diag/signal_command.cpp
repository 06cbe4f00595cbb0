// `dialup-diag signal`: a cellular modem's radio signal over time (docs/diag.md, "signal").
// Every --interval seconds one sample: AT+CSQ (3GPP TS 27.007 §8.5), AT+CESQ (§8.69) while
// the modem answers it, AT+CREG? / AT+CGREG? / AT+CEREG? (§7.2, §10.1.20, §10.1.22) and
// AT+COPS? (§7.3). The answers are read by the engine's decoders (dialup/engine/
// cellular.hpp); an answer they do not understand is kept as text in `not_understood` and
// its figures are null — never a number guessed from it.
//
//   AT+CSQ ── ERROR on the first sample ──► "not a cellular modem", exit 2
//     │ OK
//     v
//   AT+CESQ (dropped after its first ERROR) ─► each registration query (dropped after
//   its first ERROR) ─► AT+COPS? ─► wait for the next sample time ─► AT+CSQ ...
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <thread>

#include "commands.hpp"
#include "diag_port.hpp"
#include "dialup/engine/cellular.hpp"
#include "dialup/engine/text.hpp"
#include "dialup/hwsim/simulator.hpp"
#include "stats.hpp"

namespace cell = dialup::cellular;
using json = nlohmann::ordered_json;

namespace dialup_diag {

namespace {

struct sample {
  double t_s = 0;
  std::optional<cell::csq_report> csq;    // empty: no understood +CSQ line
  std::optional<cell::cesq_report> cesq;  // empty: not asked, ERROR, or not understood
  // The registration per domain, as the word of its <stat>; empty when not answered.
  std::optional<int> creg, cgreg, cereg;
  std::optional<std::string> op;          // the operator; empty when none is selected
  std::vector<std::string> not_understood;
  bool interrupted = false;               // cut by Ctrl-C before all its queries ran
};

// The registration a sample shows: a domain that is registered (EPS, then packet, then
// circuit, as a data call needs), else the first answered (circuit, packet, EPS).
std::optional<int> combined_stat(const sample& s) {
  for (const auto* r : {&s.cereg, &s.cgreg, &s.creg})
    if (*r && cell::is_registered(**r)) return **r;
  for (const auto* r : {&s.creg, &s.cgreg, &s.cereg})
    if (*r) return **r;
  return std::nullopt;
}

template <typename T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json stat_json(const std::optional<int>& stat) {
  return stat ? json(std::string(cell::registration_word(*stat))) : json(nullptr);
}

// "+COPS: <mode>" alone: no operator selected (§7.3), which is an answer, not a problem.
bool cops_without_operator(std::string_view line) {
  line = dialup::text::trim(line);
  if (line.size() < 6 || !dialup::text::iequals(line.substr(0, 6), "+COPS:")) return false;
  const auto rest = dialup::text::trim(line.substr(6));
  int mode = 0;
  const auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), mode);
  return !rest.empty() && ec == std::errc{} && p == rest.data() + rest.size();
}

// The information lines of an answer that start with `prefix` (other lines, an echo or an
// unsolicited report, are not the answer).
std::vector<std::string> lines_of(const at_answer& a, std::string_view prefix) {
  std::vector<std::string> out;
  for (const auto& l : a.reply.information) {
    const auto t = dialup::text::trim(l.text);
    if (t.size() >= prefix.size() && dialup::text::iequals(t.substr(0, prefix.size()), prefix))
      out.emplace_back(t);
  }
  return out;
}

std::string fmt(double v, const char* f = "%.1f") {
  char b[32];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// Waits until `until`, waking for an interruption.
void wait_until(std::chrono::steady_clock::time_point until) {
  using namespace std::chrono_literals;
  for (auto now = std::chrono::steady_clock::now(); !interrupted() && now < until; now = std::chrono::steady_clock::now())
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(20ms, until - now));
}

}  // namespace

std::optional<std::vector<int>> parse_rssi_list(const std::string& v, std::string& error) {
  std::vector<int> values;
  std::size_t start = 0;
  while (start <= v.size()) {
    const auto comma = std::min(v.find(',', start), v.size());
    const std::string item = v.substr(start, comma - start);
    int n = -1;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
    if (item.empty() || ec != std::errc{} || end != item.data() + item.size() || n < 0 || (n > 31 && n != 99)) {
      error = "'" + item + "' is not a +CSQ <rssi> (0-31, or 99 for not known)";
      return std::nullopt;
    }
    values.push_back(n);
    if (values.size() > 1000) {
      error = "at most 1000 values";
      return std::nullopt;
    }
    start = comma + 1;
  }
  return values;
}

int signal_command(const common_options& o, const signal_options& so) {
  std::unique_ptr<sim_host> sim;
  std::string port_name;
  if (o.sim) {
    std::string error;
    const auto schedule = parse_rssi_list(so.sim_signal, error);
    if (!schedule) {
      std::fprintf(stderr, "dialup-diag signal: --sim-signal: %s\n", error.c_str());
      return 1;
    }
    dialup::hwsim::simulator_options sopt;
    sopt.time_scale = o.time_scale;
    sopt.personality = o.personality;
    sopt.cellular.csq_schedule = *schedule;
    sopt.cellular.operator_name = so.sim_operator;
    sim = std::make_unique<sim_host>(sopt);
    port_name = sim->port();
  } else {
    port_name = o.port;
  }
  std::string error;
  auto port = at_port::open(port_name, o.baud, error);
  if (!port) {
    std::fprintf(stderr, "dialup-diag signal: %s\n", error.c_str());
    return 2;
  }

  std::vector<sample> samples;
  std::string stopped;
  bool ask_cesq = true;
  struct reg_query {
    const char* command;
    std::optional<int> sample::*field;
    bool asked = true;
  };
  reg_query regs[] = {{"AT+CREG?", &sample::creg}, {"AT+CGREG?", &sample::cgreg}, {"AT+CEREG?", &sample::cereg}};
  progress_line progress(progress_wanted(o));
  const auto start = std::chrono::steady_clock::now();
  const auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(so.interval));

  // One command of a sample; false when the run must stop (interrupted, the modem gone).
  auto ask = [&](const std::string& cmd, at_answer& a) {
    a = port->command(cmd, o.timeout);
    if (interrupted()) {
      stopped = "interrupted";
      return false;
    }
    if (port->dead()) {
      stopped = "the modem stopped answering";
      return false;
    }
    return true;
  };

  for (unsigned i = 0; i < so.samples; ++i) {
    if (i > 0) wait_until(start + period * i);
    if (interrupted()) {
      stopped = "interrupted";
      break;
    }
    sample s;
    s.t_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    at_answer a;
    if (!ask("AT+CSQ", a)) break;
    if (a.error) {  // no final reply in time: the sample has no figures
      s.not_understood.push_back("AT+CSQ: " + a.error.message());
    } else if (!a.ok()) {
      if (i == 0) {
        port->close();
        std::fprintf(stderr,
                     "dialup-diag signal: the modem answers AT+CSQ with %s: it is not a cellular modem "
                     "(3GPP TS 27.007 §8.5), so it has no signal to report\n",
                     a.reply.final.text.c_str());
        return 2;
      }
      s.not_understood.push_back("AT+CSQ: " + a.reply.final.text);
    } else {
      const auto lines = lines_of(a, "+CSQ:");
      if (lines.size() == 1) s.csq = cell::parse_csq(lines[0]);
      if (!s.csq) s.not_understood.push_back(lines.empty() ? std::string("AT+CSQ: no +CSQ line") : lines[0]);
    }
    bool cut = false;
    if (ask_cesq) {
      if (!ask("AT+CESQ", a)) cut = true;
      else if (!a.error && !a.ok()) ask_cesq = false;  // a modem without +CESQ: not asked again
      else if (!a.error) {
        const auto lines = lines_of(a, "+CESQ:");
        if (lines.size() == 1) s.cesq = cell::parse_cesq(lines[0]);
        if (!s.cesq) s.not_understood.push_back(lines.empty() ? std::string("AT+CESQ: no +CESQ line") : lines[0]);
      }
    }
    for (auto& r : regs) {
      if (cut || !r.asked) continue;
      if (!ask(r.command, a)) {
        cut = true;
        break;
      }
      if (a.error) continue;
      if (!a.ok()) {
        r.asked = false;
        continue;
      }
      const std::string prefix = std::string(r.command).substr(2, std::string(r.command).size() - 3) + ":";
      const auto lines = lines_of(a, prefix);
      std::optional<cell::registration> reg;
      if (lines.size() == 1) reg = cell::parse_creg(lines[0]);
      if (reg && !reg->unsolicited) s.*(r.field) = reg->stat;
      else s.not_understood.push_back(lines.empty() ? std::string(r.command) + ": no " + prefix + " line" : lines[0]);
    }
    if (!cut) {
      if (!ask("AT+COPS?", a)) cut = true;
      else if (a.ok()) {
        const auto lines = lines_of(a, "+COPS:");
        if (lines.size() == 1) s.op = cell::parse_cops_operator(lines[0]);
        if (!s.op && !(lines.size() == 1 && cops_without_operator(lines[0])))
          s.not_understood.push_back(lines.empty() ? std::string("AT+COPS?: no +COPS line") : lines[0]);
      }
    }
    s.interrupted = cut;
    samples.push_back(std::move(s));
    {
      const auto& last = samples.back();
      char b[160];
      const auto dbm = last.csq ? last.csq->dbm() : std::nullopt;
      std::snprintf(b, sizeof b, "signal: %u/%u  %s", i + 1, so.samples,
                    dbm ? (std::to_string(*dbm) + " dBm").c_str() : "not known");
      progress.show(b);
    }
    if (cut) break;
  }
  if (stopped.empty() && interrupted()) stopped = "interrupted";
  port->close();
  progress.clear();
  if (samples.empty() && stopped == "the modem stopped answering") {
    std::fprintf(stderr, "dialup-diag signal: the modem never answered AT+CSQ\n");
    return 2;
  }

  std::vector<double> rssi, rsrp;
  unsigned unknown = 0, not_understood = 0;
  for (const auto& s : samples) {
    const auto dbm = s.csq ? s.csq->dbm() : std::nullopt;
    if (dbm) rssi.push_back(*dbm);
    else if (s.csq) ++unknown;
    if (!s.not_understood.empty()) ++not_understood;
    if (s.cesq && s.cesq->rsrp_dbm()) rsrp.push_back(*s.cesq->rsrp_dbm());
  }
  const auto rssi_sum = summarize(rssi);
  const auto rsrp_sum = summarize(rsrp);

  if (o.json) {
    auto j = run_json("signal", port_name, stopped);
    j["requested"] = so.samples;
    j["interval_s"] = so.interval;
    j["cesq_answered"] = ask_cesq;
    json all = json::array();
    for (const auto& s : samples) {
      json e;
      e["t_s"] = s.t_s;
      e["csq_rssi"] = s.csq ? opt(s.csq->rssi) : json(nullptr);
      e["rssi_dbm"] = s.csq ? opt(s.csq->dbm()) : json(nullptr);
      e["ber"] = s.csq ? opt(s.csq->ber) : json(nullptr);
      if (s.cesq) {
        const auto& c = *s.cesq;
        e["cesq"] = {{"rxlev", opt(c.rxlev)},         {"ber", opt(c.ber)},           {"rscp", opt(c.rscp)},
                     {"ecno", opt(c.ecno)},           {"rsrq", opt(c.rsrq)},         {"rsrp", opt(c.rsrp)},
                     {"rxlev_dbm", opt(c.rxlev_dbm())}, {"rscp_dbm", opt(c.rscp_dbm())}, {"ecno_db", opt(c.ecno_db())}};
      } else {
        e["cesq"] = nullptr;
      }
      e["rsrp_dbm"] = s.cesq ? opt(s.cesq->rsrp_dbm()) : json(nullptr);
      e["rsrq_db"] = s.cesq ? opt(s.cesq->rsrq_db()) : json(nullptr);
      e["registration"] = stat_json(combined_stat(s));
      e["creg"] = stat_json(s.creg);
      e["cgreg"] = stat_json(s.cgreg);
      e["cereg"] = stat_json(s.cereg);
      e["operator"] = opt(s.op);
      e["not_understood"] = s.not_understood;
      e["interrupted"] = s.interrupted;
      all.push_back(std::move(e));
    }
    j["samples"] = all;
    j["rssi_dbm"] = summary_json(rssi_sum);
    j["rsrp_dbm"] = summary_json(rsrp_sum);
    j["rssi_not_known"] = unknown;
    j["not_understood"] = not_understood;
    write_json(j);
  } else if (o.csv) {
    std::printf("t_s,csq_rssi,rssi_dbm,ber,rsrp_dbm,rsrq_db,registration,operator\n");
    auto num = [](const auto& v) { return v ? std::to_string(*v) : std::string(); };
    for (const auto& s : samples) {
      const auto st = combined_stat(s);
      const auto rsrq = s.cesq ? s.cesq->rsrq_db() : std::nullopt;
      std::printf("%.3f,%s,%s,%s,%s,%s,%s,%s\n", s.t_s, s.csq ? num(s.csq->rssi).c_str() : "",
                  s.csq ? num(s.csq->dbm()).c_str() : "", s.csq ? num(s.csq->ber).c_str() : "",
                  s.cesq ? num(s.cesq->rsrp_dbm()).c_str() : "", rsrq ? fmt(*rsrq).c_str() : "",
                  st ? std::string(cell::registration_word(*st)).c_str() : "", csv_field(s.op.value_or("")).c_str());
    }
  } else {
    print_row(stdout, "port", port_name);
    std::printf("%9s %9s %5s %10s %9s  %-15s %s\n", "t", "rssi", "ber", "rsrp", "rsrq", "registration", "operator");
    for (const auto& s : samples) {
      std::string dbm = "-", ber = "-", p = "-", q = "-";
      if (s.csq) {
        const auto d = s.csq->dbm();
        dbm = d ? std::to_string(*d) + " dBm" : "unknown";
        if (s.csq->ber) ber = std::to_string(*s.csq->ber);
      }
      if (s.cesq) {
        if (const auto v = s.cesq->rsrp_dbm()) p = std::to_string(*v) + " dBm";
        if (const auto v = s.cesq->rsrq_db()) q = fmt(*v) + " dB";
      }
      const auto st = combined_stat(s);
      std::printf("%7.2f s %9s %5s %10s %9s  %-15s %s\n", s.t_s, dbm.c_str(), ber.c_str(), p.c_str(), q.c_str(),
                  st ? std::string(cell::registration_word(*st)).c_str() : "-", s.op ? s.op->c_str() : "-");
      for (const auto& n : s.not_understood) std::printf("          not understood: %s\n", n.c_str());
    }
    if (rssi_sum.count)
      print_row(stdout, "rssi min / mean / max",
                fmt(rssi_sum.min, "%.0f") + " / " + fmt(rssi_sum.mean) + " / " + fmt(rssi_sum.max, "%.0f") + " dBm");
    else
      print_row(stdout, "rssi", "no sample with a known signal");
    if (rsrp_sum.count)
      print_row(stdout, "rsrp min / mean / max",
                fmt(rsrp_sum.min, "%.0f") + " / " + fmt(rsrp_sum.mean) + " / " + fmt(rsrp_sum.max, "%.0f") + " dBm");
    if (!ask_cesq) print_row(stdout, "+CESQ", "not answered by this modem");
    if (!stopped.empty()) print_row(stdout, "run", "stopped early: " + stopped);
  }
  return stopped.empty() ? 0 : 4;
}

}  // namespace dialup_diag
