// Number-plan files (scenario.hpp): a line-oriented parser, one entry per line, checked
// completely before anything is returned.
#include <dialup/hwsim/scenario.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <utility>

namespace dialup::hwsim {

namespace {

constexpr std::array<std::pair<service_kind, const char*>, 11> k_kinds{{
    {service_kind::echo, "echo"},
    {service_kind::login, "login"},
    {service_kind::callback, "callback"},
    {service_kind::discard, "discard"},
    {service_kind::busy, "busy"},
    {service_kind::no_answer, "no-answer"},
    {service_kind::voice, "voice"},
    {service_kind::carrier_drop, "carrier-drop"},
    {service_kind::noisy, "noisy"},
    {service_kind::pdp, "pdp"},
    {service_kind::program, "program"},
}};

std::string kind_list() {
  std::string s;
  for (const auto& [k, n] : k_kinds) s += (s.empty() ? "" : ", ") + std::string(n);
  return s;
}

bool valid_number(std::string_view n) {
  if (n.empty() || n.size() > 40) return false;
  bool digit = false;
  for (char c : n) {
    if ((c >= '0' && c <= '9') || c == '*' || c == '#') digit = true;
    else if (c != '-' && c != '+' && c != '(' && c != ')' && c != '.') return false;
  }
  return digit;
}

bool to_unsigned(std::string_view v, unsigned long max, unsigned long& out) {
  const auto r = std::from_chars(v.data(), v.data() + v.size(), out);
  return r.ec == std::errc() && r.ptr == v.data() + v.size() && out <= max;
}

bool to_double(std::string_view v, double& out) {
  // std::from_chars for double is in libstdc++ 11+, but keep to strtod for clang 14's libc++ too.
  const std::string s(v);
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size() && std::isfinite(out);
}

}  // namespace

const char* to_string(service_kind k) {
  for (const auto& [kk, n] : k_kinds)
    if (kk == k) return n;
  return "?";
}

std::vector<number_entry> parse_scenario(std::string_view text) {
  std::vector<number_entry> plan;
  std::size_t lineno = 0;
  while (!text.empty()) {
    ++lineno;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // Words up to a comment.
    std::vector<std::string_view> words;
    std::string description, command;
    bool has_command = false;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i >= line.size()) break;
      if (line.substr(i, 2) == "--" && (i + 2 == line.size() || line[i + 2] == ' ' || line[i + 2] == '\t')) {
        // program: the rest of the line is the command (no comment: '#' may be in it).
        std::string_view cmd = line.substr(i + 2);
        while (!cmd.empty() && (cmd.front() == ' ' || cmd.front() == '\t')) cmd.remove_prefix(1);
        while (!cmd.empty() && (cmd.back() == ' ' || cmd.back() == '\t')) cmd.remove_suffix(1);
        command = cmd;
        has_command = true;
        break;
      }
      if (line[i] == '#') {
        std::string_view d = line.substr(i + 1);
        while (!d.empty() && (d.front() == ' ' || d.front() == '\t')) d.remove_prefix(1);
        while (!d.empty() && (d.back() == ' ' || d.back() == '\t')) d.remove_suffix(1);
        description = d;
        break;
      }
      const std::size_t b = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
      words.push_back(line.substr(b, i - b));
    }
    if (words.empty()) continue;
    for (char c : line)
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t')
        throw scenario_error(lineno, "control character in the line");
    number_entry e;
    e.number = std::string(words[0]);
    if (!valid_number(e.number))
      throw scenario_error(lineno, "'" + e.number + "' is not a phone number (digits, * and #)");
    if (words.size() < 2) throw scenario_error(lineno, "missing the kind after " + e.number + " (one of " + kind_list() + ")");
    const auto k = std::find_if(k_kinds.begin(), k_kinds.end(),
                                [&](const auto& p) { return words[1] == p.second; });
    if (k == k_kinds.end())
      throw scenario_error(lineno, "unknown kind '" + std::string(words[1]) + "' (one of " + kind_list() + ")");
    e.kind = k->first;
    if (e.kind == service_kind::pdp) {
      e.rings = 0;
      e.rate = 115200;
    }
    for (std::size_t w = 2; w < words.size(); ++w) {
      const auto eq = words[w].find('=');
      if (eq == std::string_view::npos)
        throw scenario_error(lineno, "expected key=value, got '" + std::string(words[w]) + "'");
      const std::string_view key = words[w].substr(0, eq), val = words[w].substr(eq + 1);
      unsigned long u = 0;
      double d = 0;
      if (key == "rings") {
        if (!to_unsigned(val, 255, u)) throw scenario_error(lineno, "rings must be 0..255");
        e.rings = static_cast<unsigned>(u);
      } else if (key == "rate") {
        if (!to_unsigned(val, 1000000, u) || u < 300) throw scenario_error(lineno, "rate must be 300..1000000 bit/s");
        e.rate = static_cast<unsigned>(u);
      } else if (key == "drop-after") {
        if (!to_double(val, d) || d < 0 || d > 86400) throw scenario_error(lineno, "drop-after must be 0..86400 seconds");
        e.drop_after = sim_duration(static_cast<long long>(std::llround(d * 1000)));
      } else if (key == "retrain-every") {
        if (!to_double(val, d) || d < 0.1 || d > 86400) throw scenario_error(lineno, "retrain-every must be 0.1..86400 seconds");
        e.retrain_every = sim_duration(static_cast<long long>(std::llround(d * 1000)));
      } else if (key == "callback-delay") {
        if (!to_double(val, d) || d < 0 || d > 86400) throw scenario_error(lineno, "callback-delay must be 0..86400 seconds");
        e.callback_delay = sim_duration(static_cast<long long>(std::llround(d * 1000)));
      } else if (key == "error-rate") {
        if (!to_double(val, d) || d < 0 || d > 1) throw scenario_error(lineno, "error-rate must be 0..1");
        e.error_rate = d;
      } else {
        throw scenario_error(lineno, "unknown key '" + std::string(key) +
                                         "' (rings, rate, drop-after, error-rate, retrain-every, callback-delay)");
      }
    }
    if (e.kind == service_kind::program && command.empty())
      throw scenario_error(lineno, "a program number needs its command after -- (e.g. 5550200 program -- /bin/cat)");
    if (e.kind != service_kind::program && has_command)
      throw scenario_error(lineno, "'-- command' is only for the program kind");
    e.program = command;
    for (const auto& x : plan)
      if (x.number == e.number) throw scenario_error(lineno, e.number + " is listed twice");
    e.description = description;
    plan.push_back(std::move(e));
  }
  return plan;
}

std::string format_scenario(const std::vector<number_entry>& plan) {
  std::ostringstream o;
  o << "# dialup-sim number plan (load an edited copy with dialup-sim --scenario FILE).\n"
       "# NUMBER   KIND          [rings=N] [rate=BPS] [drop-after=SECONDS] [error-rate=FRACTION] [retrain-every=SECONDS]\n"
       "#          [callback-delay=SECONDS]  # description\n"
       "# KIND: " << kind_list() << "\n"
       "# 5551000+i always reaches simulated modem i (calls between modems carry data both ways).\n"
       "# A program answers with: NUMBER program [rings=N] [rate=BPS] -- COMMAND (run by /bin/sh -c on a pty;\n"
       "#   the caller's data is its input, its output goes to the caller, its exit drops the line),\n"
       "#   for example: 5550200 program -- exec /usr/sbin/pppd notty 192.168.7.1:192.168.7.2\n";
  for (const auto& e : plan) {
    std::string line = e.number;
    line.resize(std::max<std::size_t>(line.size() + 1, 9), ' ');
    std::string kind = to_string(e.kind);
    kind.resize(std::max<std::size_t>(kind.size() + 1, 14), ' ');
    line += kind;
    line += "rings=" + std::to_string(e.rings) + " rate=" + std::to_string(e.rate);
    if (e.kind == service_kind::carrier_drop) {
      char b[32];
      std::snprintf(b, sizeof b, " drop-after=%g", static_cast<double>(e.drop_after.count()) / 1000.0);
      line += b;
    }
    if (e.kind == service_kind::noisy) {
      char b[32];
      std::snprintf(b, sizeof b, " error-rate=%g", e.error_rate);
      line += b;
    }
    if (e.kind == service_kind::callback) {
      char b[40];
      std::snprintf(b, sizeof b, " callback-delay=%g", static_cast<double>(e.callback_delay.count()) / 1000.0);
      line += b;
    }
    if (e.retrain_every.count() > 0) {
      char b[40];
      std::snprintf(b, sizeof b, " retrain-every=%g", static_cast<double>(e.retrain_every.count()) / 1000.0);
      line += b;
    }
    if (e.kind == service_kind::program) {
      o << line << " -- " << e.program << '\n';  // the command runs to the end of the line
      continue;
    }
    if (!e.description.empty()) {
      line.resize(std::max<std::size_t>(line.size() + 2, 50), ' ');
      line += "# " + e.description;
    }
    o << line << '\n';
  }
  return o.str();
}

}  // namespace dialup::hwsim
