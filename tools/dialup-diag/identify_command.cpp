// `dialup-diag identify`: what the modem is (ATI0-ATI4, +GMI/+GMM/+GMR; V.250 §6.1.3-§6.1.5),
// its active settings (AT&V) and S-registers read from them, and which post-call
// diagnostics it answers (AT#UD, ATI6, ATI11, AT&V1; docs/modem-behaviour.md §6). Only
// queries are sent: nothing in the modem is changed.
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "diag_port.hpp"
#include "dialup/engine/text.hpp"

namespace dialup_diag {

namespace {

struct identity {
  std::string port;
  std::vector<std::pair<std::string, std::optional<std::string>>> answers;  // command -> text
  std::vector<std::string> settings;                                        // &V's active profile
  std::vector<std::pair<unsigned, unsigned>> registers;                     // Snn -> value
  std::vector<std::pair<std::string, bool>> diagnostics;                    // command -> answers OK
  std::string stopped;                                                      // why the run ended early
};

std::optional<std::string> joined(const at_answer& a) {
  if (!a.ok()) return std::nullopt;
  std::string s;
  for (const auto& l : a.reply.information) {
    auto t = dialup::text::trim(l.text);
    if (t.empty()) continue;
    if (!s.empty()) s += "; ";
    s += t;
  }
  return s;
}

// "S00:000 S01:000 ..." (the Hayes &V layout, docs/modem-behaviour.md §3.5) in the active
// profile: the lines before the first blank line or "STORED PROFILE".
void read_profile(const at_answer& a, identity& id) {
  bool active = true;
  for (const auto& l : a.reply.information) {
    const auto t = dialup::text::trim(l.text);
    if (t.empty()) {
      if (!id.settings.empty()) active = false;
      continue;
    }
    if (t.find("STORED PROFILE") != std::string_view::npos || t.find("TELEPHONE") != std::string_view::npos)
      active = false;
    if (!active) continue;
    if (t == "ACTIVE PROFILE:") continue;
    id.settings.emplace_back(t);
    std::size_t i = 0;
    while ((i = t.find('S', i)) != std::string_view::npos) {
      unsigned reg = 0, val = 0;
      if (std::sscanf(std::string(t.substr(i)).c_str(), "S%u:%u", &reg, &val) == 2 && reg < 256 && val < 256)
        id.registers.emplace_back(reg, val);
      ++i;
    }
  }
}

}  // namespace

int identify_command(const common_options& o) {
  std::unique_ptr<sim_host> sim;
  identity id;
  id.port = start_port(o, sim);
  std::string error;
  auto port = at_port::open(id.port, o.baud, error);
  if (!port) {
    std::fprintf(stderr, "dialup-diag identify: %s\n", error.c_str());
    return 2;
  }
  progress_line progress(progress_wanted(o));
  progress.show("identify: AT");
  const auto first = port->command("AT", o.timeout);
  if (!first.ok()) {
    progress.clear();
    std::fprintf(stderr, "dialup-diag identify: %s does not answer AT: %s\n", id.port.c_str(),
                 first.error ? first.error.message().c_str() : first.reply.final.text.c_str());
    return 2;
  }
  static const char* const queries[] = {"ATI0", "ATI1", "ATI2", "ATI3", "ATI4", "AT+GMI", "AT+GMM", "AT+GMR"};
  for (const char* q : queries) {
    if (interrupted() || port->dead()) break;
    progress.show(std::string("identify: ") + q);
    id.answers.emplace_back(q, joined(port->command(q, o.timeout)));
  }
  if (!interrupted() && !port->dead()) {
    progress.show("identify: AT&V");
    read_profile(port->command("AT&V", o.timeout), id);
  }
  for (auto f : {dialup::diag_format::unimodem_ud, dialup::diag_format::usr_i6, dialup::diag_format::usr_i11,
                 dialup::diag_format::conexant_v1}) {
    if (interrupted() || port->dead()) break;
    const std::string cmd(dialup::diag_command(f));
    progress.show("identify: " + cmd);
    const auto a = port->command(cmd, o.timeout);
    if (a.error) break;
    id.diagnostics.emplace_back(cmd, a.ok());
  }
  if (interrupted()) id.stopped = "interrupted";
  else if (port->dead()) id.stopped = "the modem stopped answering";
  port->close();
  progress.clear();

  if (o.json) {
    auto j = run_json("identify", id.port, id.stopped);
    nlohmann::ordered_json answers = nlohmann::ordered_json::object();
    for (const auto& [q, a] : id.answers) answers[q] = a ? nlohmann::ordered_json(*a) : nlohmann::ordered_json(nullptr);
    j["answers"] = answers;
    j["settings"] = id.settings;
    nlohmann::ordered_json regs = nlohmann::ordered_json::object();
    for (const auto& [r, v] : id.registers) regs["S" + std::to_string(r)] = v;
    j["s_registers"] = regs;
    nlohmann::ordered_json diags = nlohmann::ordered_json::object();
    for (const auto& [c, ok] : id.diagnostics) diags[c] = ok;
    j["diagnostics"] = diags;
    write_json(j);
  } else if (o.csv) {
    std::printf("item,value\n");
    for (const auto& [q, a] : id.answers) std::printf("%s,%s\n", q.c_str(), csv_field(a.value_or("")).c_str());
    for (const auto& [r, v] : id.registers) std::printf("S%u,%u\n", r, v);
    for (const auto& [c, ok] : id.diagnostics) std::printf("%s,%s\n", csv_field(c).c_str(), ok ? "yes" : "no");
  } else {
    print_row(stdout, "port", id.port);
    for (const auto& [q, a] : id.answers) print_row(stdout, q, a ? (a->empty() ? "(empty)" : *a) : "- (ERROR or no answer)");
    for (std::size_t i = 0; i < id.settings.size(); ++i) print_row(stdout, i ? "" : "settings (AT&V)", id.settings[i]);
    std::string regs;
    for (const auto& [r, v] : id.registers) regs += "S" + std::to_string(r) + "=" + std::to_string(v) + " ";
    if (!regs.empty()) print_row(stdout, "S-registers", regs);
    std::string diags;
    for (const auto& [c, ok] : id.diagnostics) diags += c + (ok ? " yes  " : " no  ");
    print_row(stdout, "post-call diagnostics", diags);
    if (!id.stopped.empty()) print_row(stdout, "run", "stopped early: " + id.stopped);
  }
  return id.stopped.empty() ? 0 : 4;
}

}  // namespace dialup_diag
