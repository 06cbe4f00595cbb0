// profile_file: modem profiles read from and written to TOML (docs/profiles.md), and the set
// of them a program sees (the built-ins, the system's and the user's directories).
#include "dialup/engine/profile_file.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>
#include <unistd.h>

#include "at/builtin_profiles.hpp"

namespace dialup {

std::string profile_error::text() const {
  if (line == 0) return file + ": " + reason;
  return file + ":" + std::to_string(line) + ": " + reason;
}

namespace {

constexpr std::array all_kinds = {
    response_kind::ok,          response_kind::connect,     response_kind::error,
    response_kind::no_carrier,  response_kind::no_dialtone, response_kind::busy,
    response_kind::no_answer,   response_kind::voice,       response_kind::delayed,
    response_kind::blacklisted, response_kind::cme_error,   response_kind::cms_error,
    response_kind::progress,    response_kind::ring,        response_kind::caller_id,
    response_kind::unsolicited, response_kind::information,
};

std::optional<response_kind> kind_from_name(std::string_view s) {
  for (auto k : all_kinds)
    if (to_string(k) == s) return k;
  return std::nullopt;
}

std::string kind_names() {
  std::string out;
  for (auto k : all_kinds) out += (out.empty() ? "" : ", ") + std::string(to_string(k));
  return out;
}

// A RAS error by its raserror.h name ("ERROR_LINE_BUSY") — or its number.
std::optional<ras_error> ras_from_name(std::string_view s) {
  for (int code = 0; code < 1000; ++code)
    if (const auto n = ras_error_name(code); !n.empty() && n == s) return static_cast<ras_error>(code);
  return std::nullopt;
}

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  if (!std::isalnum(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

std::string upper(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    default: return "a date or time";
  }
}

// Reads one file's keys onto a profile, collecting every problem with its line.
class reader {
 public:
  reader(std::string_view source, std::vector<profile_error>& errors) : source_(source), errors_(errors) {}

  void error(const toml::node& n, std::string reason) { error(n.source().begin.line, std::move(reason)); }
  void error(std::size_t line, std::string reason) {
    errors_.push_back({std::string(source_), line, std::move(reason)});
  }

  std::optional<std::string> string(const toml::node& n, const std::string& key) {
    const auto* s = n.as_string();
    if (!s) {
      error(n, key + " must be a string, not " + type_name(n));
      return std::nullopt;
    }
    const std::string& v = s->get();
    if (v.size() > profile_limits::string_bytes) {
      error(n, key + " is longer than " + std::to_string(profile_limits::string_bytes) + " bytes");
      return std::nullopt;
    }
    return v;
  }
  // Free text (a description, an identify pattern): no control characters.
  std::optional<std::string> text(const toml::node& n, const std::string& key, bool allow_empty) {
    auto v = string(n, key);
    if (!v) return v;
    if (has_control(*v)) {
      error(n, key + " holds a control character");
      return std::nullopt;
    }
    if (!allow_empty && v->find_first_not_of(" \t") == std::string::npos) {
      error(n, key + " is empty");
      return std::nullopt;
    }
    return v;
  }
  // An AT command the modem is sent ("" where allow_empty: the profile sends none).
  std::optional<std::string> command(const toml::node& n, const std::string& key, bool allow_empty,
                                     bool init_step = false) {
    auto v = string(n, key);
    if (!v) return v;
    if (v->empty()) {
      if (allow_empty) return v;
      error(n, key + " cannot be empty");
      return std::nullopt;
    }
    if (auto why = profile_command_problem(*v, init_step); !why.empty()) {
      error(n, key + " '" + printable(*v) + "': " + why);
      return std::nullopt;
    }
    return v;
  }
  std::optional<std::int64_t> integer(const toml::node& n, const std::string& key, std::int64_t min,
                                      std::int64_t max) {
    const auto* i = n.as_integer();
    if (!i) {
      error(n, key + " must be an integer, not " + type_name(n));
      return std::nullopt;
    }
    const auto v = i->get();
    if (v < min || v > max) {
      error(n, key + " = " + std::to_string(v) + " is out of range (" + std::to_string(min) + " to " +
                   std::to_string(max) + ")");
      return std::nullopt;
    }
    return v;
  }
  bool ms(const toml::node& n, const std::string& key, std::int64_t min, std::int64_t max,
          std::chrono::milliseconds& out) {
    auto v = integer(n, key, min, max);
    if (v) out = std::chrono::milliseconds(*v);
    return v.has_value();
  }
  bool boolean(const toml::node& n, const std::string& key, bool& out) {
    const auto* b = n.as_boolean();
    if (!b) {
      error(n, key + " must be true or false, not " + type_name(n));
      return false;
    }
    out = b->get();
    return true;
  }
  const toml::table* table(const toml::node& n, const std::string& key) {
    const auto* t = n.as_table();
    if (!t) error(n, key + " must be a table, not " + type_name(n));
    return t;
  }
  const toml::array* array(const toml::node& n, const std::string& key, std::size_t max) {
    const auto* a = n.as_array();
    if (!a) {
      error(n, key + " must be an array, not " + type_name(n));
      return nullptr;
    }
    if (a->size() > max) {
      error(n, key + " has " + std::to_string(a->size()) + " items, more than " + std::to_string(max));
      return nullptr;
    }
    return a;
  }
  std::optional<std::vector<std::string>> strings(const toml::node& n, const std::string& key, bool commands) {
    const auto* a = array(n, key, profile_limits::list_items);
    if (!a) return std::nullopt;
    std::vector<std::string> out;
    bool ok = true;
    for (const auto& item : *a) {
      auto v = commands ? command(item, key, false) : text(item, key, false);
      if (v) out.push_back(*v);
      else ok = false;
    }
    if (!ok) return std::nullopt;
    return out;
  }
  void unknown(const toml::key& k, std::string_view where) {
    error(k.source().begin.line, "unknown key '" + std::string(where) + std::string(k.str()) + "'");
  }
  std::optional<ras_error> ras(const toml::node& n, const std::string& key) {
    if (const auto* i = n.as_integer()) {
      const auto v = i->get();
      if (v >= 600 && v < 1000 && !ras_error_name(static_cast<int>(v)).empty()) return static_cast<ras_error>(v);
      error(n, key + " = " + std::to_string(v) + " is not a RAS error this program knows");
      return std::nullopt;
    }
    auto s = string(n, key);
    if (!s) return std::nullopt;
    if (auto e = ras_from_name(*s)) return e;
    error(n, key + " = '" + printable(*s) + "' is not a RAS error name (ERROR_LINE_BUSY, ERROR_NO_ANSWER, ...)");
    return std::nullopt;
  }

  static std::string printable(std::string_view s) {
    std::string out;
    for (char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) {
        static const char* hex = "0123456789abcdef";
        out += "\\x";
        out += hex[u >> 4];
        out += hex[u & 15];
      } else {
        out += c;
      }
      if (out.size() > 80) return out + "...";
    }
    return out;
  }

 private:
  std::string_view source_;
  std::vector<profile_error>& errors_;
};

void read_init(reader& rd, const toml::node& n, modem_profile& p) {
  const auto* a = rd.array(n, "init", profile_limits::init_steps);
  if (!a) return;
  std::vector<init_step> steps;
  for (const auto& item : *a) {
    const auto* t = item.as_table();
    if (!t) {
      rd.error(item, "each init step must be a table ([[init]] with command, timeout_ms, error_fatal)");
      continue;
    }
    init_step s;
    bool have_command = false;
    for (const auto& [k, v] : *t) {
      if (k == "command") {
        if (auto c = rd.command(v, "init.command", false, true)) {
          s.command = *c;
          have_command = true;
        } else {
          have_command = true;  // reported
        }
      } else if (k == "timeout_ms") {
        rd.ms(v, "init.timeout_ms", 100, 600000, s.timeout);
      } else if (k == "error_fatal") {
        rd.boolean(v, "init.error_fatal", s.error_fatal);
      } else {
        rd.unknown(k, "init.");
      }
    }
    if (!have_command) rd.error(item, "an init step needs a command");
    steps.push_back(std::move(s));
  }
  p.init = std::move(steps);
}

void read_responses(reader& rd, const toml::node& n, bool replace, modem_profile& p) {
  const auto* a = rd.array(n, "responses", profile_limits::responses);
  if (!a) return;
  response_table table;
  for (const auto& item : *a) {
    const auto* t = item.as_table();
    if (!t) {
      rd.error(item, "each response must be a table ([[responses]] with text or code, and kind)");
      continue;
    }
    std::optional<std::string> text;
    std::optional<std::int64_t> code, rate;
    std::optional<response_kind> kind;
    bool prefix = false, prefix_given = false, bad = false;
    for (const auto& [k, v] : *t) {
      if (k == "text") {
        text = rd.string(v, "responses.text");
        if (!text) {
          bad = true;
        } else if (has_control(*text)) {
          rd.error(v, "responses.text holds a control character");
          bad = true;
        } else if (text->find_first_not_of(" \t") == std::string::npos) {
          // The parser drops empty lines and matches case-insensitively from the start: an
          // empty (or blank) pattern would take every line the modem sends.
          rd.error(v, "responses.text is empty: it would match every line");
          bad = true;
        }
      } else if (k == "code") {
        code = rd.integer(v, "responses.code", 0, 999);
        if (!code) bad = true;
      } else if (k == "kind") {
        if (auto s = rd.string(v, "responses.kind")) {
          kind = kind_from_name(*s);
          if (!kind) {
            rd.error(v, "responses.kind '" + reader::printable(*s) + "' is not one of " + kind_names());
            bad = true;
          }
        } else {
          bad = true;
        }
      } else if (k == "prefix") {
        prefix_given = rd.boolean(v, "responses.prefix", prefix);
        if (!prefix_given) bad = true;
      } else if (k == "rate") {
        rate = rd.integer(v, "responses.rate", 0, 100000000);
        if (!rate) bad = true;
      } else {
        rd.unknown(k, "responses.");
        bad = true;
      }
    }
    if (bad) continue;
    if (!kind) {
      rd.error(item, "a response needs a kind (" + kind_names() + ")");
      continue;
    }
    if (text.has_value() == code.has_value()) {
      rd.error(item, "a response has either text (a verbose reply) or code (a V0 numeric one)");
      continue;
    }
    if (text) {
      if (rate) {
        rd.error(item, "rate goes with a numeric code; a verbose CONNECT carries its own rate");
        continue;
      }
      table.verbose.push_back({*text, *kind, prefix});
    } else {
      if (prefix_given) {
        rd.error(item, "prefix goes with text, not with a numeric code");
        continue;
      }
      table.numeric.push_back({static_cast<int>(*code), *kind, static_cast<std::uint32_t>(rate.value_or(0))});
    }
  }
  if (!replace) {
    table.verbose.insert(table.verbose.end(), p.responses.verbose.begin(), p.responses.verbose.end());
    table.numeric.insert(table.numeric.end(), p.responses.numeric.begin(), p.responses.numeric.end());
  }
  p.responses = std::move(table);
}

void read_dial_errors(reader& rd, const toml::node& n, modem_profile& p) {
  const auto* t = rd.table(n, "dial_errors");
  if (!t) return;
  if (t->size() > profile_limits::error_entries) {
    rd.error(n, "dial_errors has more than " + std::to_string(profile_limits::error_entries) + " entries");
    return;
  }
  for (const auto& [k, v] : *t) {
    const auto kind = kind_from_name(k.str());
    if (!kind || !is_final(*kind) || *kind == response_kind::ok || *kind == response_kind::connect) {
      rd.error(k.source().begin.line, "dial_errors." + std::string(k.str()) +
                                          ": not a final reply that fails a dial (busy, no_answer, no_carrier, "
                                          "no_dialtone, voice, delayed, blacklisted, error, cme_error, cms_error)");
      continue;
    }
    const auto e = rd.ras(v, "dial_errors." + std::string(k.str()));
    if (!e) continue;
    auto it = std::find_if(p.dial_errors.begin(), p.dial_errors.end(), [&](const reply_error& r) { return r.reply == *kind; });
    if (it != p.dial_errors.end()) it->error = *e;
    else p.dial_errors.push_back({*kind, *e});
  }
}

void read_identify(reader& rd, const toml::node& n, modem_profile& p) {
  const auto* t = rd.table(n, "identify");
  if (!t) return;
  for (const auto& [k, v] : *t) {
    const std::string key = "identify." + std::string(k.str());
    if (k == "usb_ids") {
      auto ids = rd.strings(v, key, false);
      if (!ids) continue;
      bool ok = true;
      for (auto& id : *ids) {
        const bool shape = id.size() == 9 && id[4] == ':' &&
                           std::all_of(id.begin(), id.end(), [](char c) { return c == ':' || std::isxdigit(static_cast<unsigned char>(c)); });
        if (!shape) {
          rd.error(v, key + ": '" + reader::printable(id) + "' is not a USB vendor:product id (vvvv:pppp, hex)");
          ok = false;
        }
        for (auto& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      if (ok) p.identify.usb_ids = std::move(*ids);
    } else if (k == "manufacturer") {
      if (auto s = rd.strings(v, key, false)) p.identify.manufacturer = std::move(*s);
    } else if (k == "model") {
      if (auto s = rd.strings(v, key, false)) p.identify.model = std::move(*s);
    } else if (k == "ati") {
      if (auto s = rd.strings(v, key, false)) p.identify.ati = std::move(*s);
    } else {
      rd.unknown(k, "identify.");
    }
  }
}

void read_cellular(reader& rd, const toml::node& n, modem_profile& p) {
  const auto* t = rd.table(n, "cellular");
  if (!t) return;
  auto& c = p.cellular;
  for (const auto& [k, node] : *t) {
    // A named reference, not the binding itself: clang 14 (the fuzz build) cannot capture a
    // structured binding in a lambda.
    const toml::node& v = node;
    const std::string key = "cellular." + std::string(k.str());
    const auto cmd = [&](std::string& out) {
      if (auto s = rd.command(v, key, false)) out = *s;
    };
    if (k == "enabled") rd.boolean(v, key, c.enabled);
    else if (k == "pin_query") cmd(c.pin_query);
    else if (k == "pin_enter") cmd(c.pin_enter);
    else if (k == "apn_set") cmd(c.apn_set);
    else if (k == "signal_query") cmd(c.signal_query);
    else if (k == "operator_query") cmd(c.operator_query);
    else if (k == "registration_queries") {
      if (auto s = rd.strings(v, key, true)) c.registration_queries = std::move(*s);
    } else if (k == "registration_timeout_ms") rd.ms(v, key, 1000, 600000, c.registration_timeout);
    else if (k == "registration_poll_ms") rd.ms(v, key, 100, 60000, c.registration_poll);
    else if (k == "number") {
      if (auto s = rd.text(v, key, false)) {
        if (s->find(';') != std::string::npos) rd.error(v, key + ": ';' would leave the modem in command state");
        else c.number = *s;
      }
    } else if (k == "cme_errors") {
      const auto* errors = rd.table(v, key);
      if (!errors) continue;
      if (errors->size() > profile_limits::error_entries) {
        rd.error(v, key + " has more than " + std::to_string(profile_limits::error_entries) + " entries");
        continue;
      }
      for (const auto& [code, e] : *errors) {
        const std::string s(code.str());
        int number = -1;
        if (!s.empty() && s.size() <= 4 && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
          number = std::stoi(s);
        if (number < 0) {
          rd.error(code.source().begin.line, key + ": '" + reader::printable(s) + "' is not a +CME ERROR number");
          continue;
        }
        const auto r = rd.ras(e, key + "." + s);
        if (!r) continue;
        auto it = std::find_if(c.cme_errors.begin(), c.cme_errors.end(), [&](const auto& pr) { return pr.first == number; });
        if (it != c.cme_errors.end()) it->second = *r;
        else c.cme_errors.emplace_back(number, *r);
      }
    } else {
      rd.unknown(k, "cellular.");
    }
  }
}

}  // namespace

std::string profile_command_problem(std::string_view command, bool init_step) {
  if (command.find('\0') != std::string_view::npos || command.find('\r') != std::string_view::npos ||
      command.find('\n') != std::string_view::npos)
    return "a command cannot hold a CR, LF or NUL (it would end the command line early)";
  if (has_control(command)) return "a command cannot hold a control character";
  if (command.find(';') != std::string_view::npos)
    return "';' would chain another command on the line (V.250 §5.4)";
  const auto up = upper(command);
  if (up.rfind("AT", 0) != 0) return "a command starts with AT (V.250 §5.2.1)";
  if (command.size() - 2 > profile_limits::command_bytes)
    return "longer than a modem's command-line buffer (" + std::to_string(profile_limits::command_bytes) + " characters)";
  if (init_step) {
    std::string squeezed;
    for (char c : up)
      if (c != ' ') squeezed += c;
    // A D right after AT, or after a basic command's number, is a dial (V.250 §6.3.1); the
    // D of &D, \\D, %D, +DS or a name such as +CGDCONT is not.
    const auto extended = squeezed.find('+');
    const std::size_t end = extended == std::string::npos ? squeezed.size() : extended;
    for (std::size_t i = 2; i < end; ++i) {
      if (squeezed[i] != 'D') continue;
      const char before = squeezed[i - 1];
      if (i == 2 || std::isdigit(static_cast<unsigned char>(before)) || before == '=')
        return "an init command cannot dial (ATD): the number is the dial's";
    }
  }
  return {};
}

profile_parse_result parse_profile(std::string_view text, std::string_view source, const modem_profile& base,
                                   std::string_view default_name) {
  profile_parse_result result;
  auto& errors = result.errors;
  reader rd(source, errors);
  if (text.size() > profile_limits::file_bytes) {
    rd.error(0, "larger than " + std::to_string(profile_limits::file_bytes / 1024) + " KiB");
    return result;
  }
  if (text.find('\0') != std::string_view::npos) {
    rd.error(0, "holds a NUL byte: not a text file");
    return result;
  }
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    rd.error(e.source().begin.line, std::string(e.description()));
    return result;
  }

  modem_profile p = base;
  p.name = std::string(default_name.empty() ? base.name : default_name);
  const toml::node* init = nullptr;
  const toml::node* responses = nullptr;
  const toml::node* dial_errors = nullptr;
  const toml::node* identify = nullptr;
  const toml::node* cellular = nullptr;
  bool replace = false;
  bool named = false;

  for (const auto& [k, node] : root) {
    const toml::node& v = node;  // see read_cellular: no structured binding in the lambda
    const std::string key(k.str());
    const auto cmd = [&](std::string& out, bool allow_empty = true) {
      if (auto s = rd.command(v, key, allow_empty)) out = *s;
    };
    if (key == "name") {
      if (auto s = rd.string(v, key)) {
        if (!valid_name(*s)) rd.error(v, "name '" + reader::printable(*s) + "': lower-case letters, digits, '-', '_' and '.', at most 64");
        else p.name = *s;
        named = true;
      }
    } else if (key == "description") {
      if (auto s = rd.text(v, key, true)) p.description = *s;
    } else if (key == "inherits") {
      if (auto s = rd.string(v, key)) {
        if (!valid_name(*s)) rd.error(v, "inherits '" + reader::printable(*s) + "' is not a profile name");
        else result.inherits = *s;
      }
    } else if (key == "reset") cmd(p.reset);
    else if (key == "reset_timeout_ms") rd.ms(v, key, 100, 120000, p.reset_timeout);
    else if (key == "init") init = &v;
    else if (key == "call_setup_fail_timer") {
      if (auto i = rd.integer(v, key, 0, 255)) p.call_setup_fail_timer = static_cast<std::uint32_t>(*i);
    } else if (key == "carrier_wait") cmd(p.carrier_wait);
    else if (key == "dial_prefix") cmd(p.dial_prefix);
    else if (key == "tone" || key == "pulse") {
      if (auto s = rd.string(v, key)) {
        if (s->size() != 1 || !std::isalpha(static_cast<unsigned char>((*s)[0])))
          rd.error(v, key + " is one letter (V.250 §6.3.1: T, P)");
        else (key == "tone" ? p.tone : p.pulse) = (*s)[0];
      }
    } else if (key == "dial_suffix") {
      if (auto s = rd.text(v, key, true)) {
        if (s->find(';') != std::string::npos)
          rd.error(v, "dial_suffix: ';' would leave the modem in command state after the dial");
        else p.dial_suffix = *s;
      }
    } else if (key == "blind_dial") rd.boolean(v, key, p.blind_dial);
    else if (key == "blind_on") cmd(p.blind_on);
    else if (key == "blind_off") cmd(p.blind_off);
    else if (key == "hangup") cmd(p.hangup);
    else if (key == "hangup_method") {
      if (auto s = rd.string(v, key)) {
        if (*s == "dtr") p.hangup_method = hangup_kind::dtr;
        else if (*s == "escape") p.hangup_method = hangup_kind::escape;
        else rd.error(v, "hangup_method is \"dtr\" or \"escape\", not '" + reader::printable(*s) + "'");
      }
    } else if (key == "answer") cmd(p.answer);
    else if (key == "escape") {
      if (auto s = rd.text(v, key, true)) {
        if (s->size() > 8 || s->find(' ') != std::string::npos) rd.error(v, "escape is at most 8 characters, no spaces (V.250 S2: +++)");
        else p.escape = *s;
      }
    } else if (key == "escape_guard_ms") rd.ms(v, key, 20, 10000, p.escape_guard);
    else if (key == "speaker_on") cmd(p.speaker_on);
    else if (key == "speaker_off") cmd(p.speaker_off);
    else if (key == "error_control_off") cmd(p.error_control_off);
    else if (key == "compression_off") cmd(p.compression_off);
    else if (key == "auto_answer_off") cmd(p.auto_answer_off);
    else if (key == "direct") rd.boolean(v, key, p.direct);
    else if (key == "command_timeout_ms") rd.ms(v, key, 100, 120000, p.command_timeout);
    else if (key == "connect_timeout_ms") rd.ms(v, key, 1000, 600000, p.connect_timeout);
    else if (key == "dtr_drop_ms") rd.ms(v, key, 10, 10000, p.dtr_drop_time);
    else if (key == "resync_quiet_ms") rd.ms(v, key, 10, 10000, p.resync_quiet);
    else if (key == "max_consecutive_timeouts") {
      if (auto i = rd.integer(v, key, 1, 100)) p.max_consecutive_timeouts = static_cast<int>(*i);
    } else if (key == "responses_replace") rd.boolean(v, key, replace);
    else if (key == "responses") responses = &v;
    else if (key == "dial_errors") dial_errors = &v;
    else if (key == "identify") identify = &v;
    else if (key == "cellular") cellular = &v;
    // What `dialup profiles import-inf` kept of the INF it read (docs/inf-import.md §5): a
    // record for the reader, which the engine does not use.
    else if (key == "inf") {
      if (!v.is_table()) rd.error(v, "inf must be a table, not " + type_name(v));
    } else rd.unknown(k, "");
  }
  if (!named && p.name.empty()) rd.error(0, "no name (and none from the file's name)");
  if (init) read_init(rd, *init, p);
  if (responses) read_responses(rd, *responses, replace, p);
  else if (replace) rd.error(root.source().begin.line, "responses_replace = true without any [[responses]]");
  if (dial_errors) read_dial_errors(rd, *dial_errors, p);
  if (identify) read_identify(rd, *identify, p);
  if (cellular) read_cellular(rd, *cellular, p);

  // What a modem profile cannot work without (a direct line needs none of it).
  if (errors.empty() && !p.direct) {
    if (p.dial_prefix.empty()) rd.error(0, "dial_prefix is empty: nothing would dial");
    const auto has = [&](response_kind k) {
      return std::any_of(p.responses.verbose.begin(), p.responses.verbose.end(), [k](const auto& r) { return r.kind == k; });
    };
    if (!has(response_kind::ok)) rd.error(0, "the response table has no ok: no command could succeed");
    if (!has(response_kind::connect)) rd.error(0, "the response table has no connect: no call could come up");
  }
  if (errors.empty()) result.profile = std::move(p);
  return result;
}

// ---------------------------------------------------------------------------------------
// to_toml

namespace {

std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (u < 0x20 || u == 0x7f) {
      static const char* hex = "0123456789ABCDEF";
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string list(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + toml_string(v[i]);
  return out + "]";
}

template <class T>
bool ends_with(const std::vector<T>& v, const std::vector<T>& tail) {
  return v.size() >= tail.size() && std::equal(tail.begin(), tail.end(), v.end() - static_cast<std::ptrdiff_t>(tail.size()));
}

std::string ras_text(ras_error e) {
  const auto n = ras_error_name(static_cast<int>(e));
  return n.empty() ? std::to_string(static_cast<int>(e)) : toml_string(n);
}

}  // namespace

std::string to_toml(const modem_profile& p) {
  std::ostringstream o;
  const auto ms = [](std::chrono::milliseconds d) { return std::to_string(d.count()); };
  o << "# Modem profile '" << p.name << "' (docs/profiles.md): every key, resolved.\n";
  o << "name = " << toml_string(p.name) << "\n";
  o << "description = " << toml_string(p.description) << "\n";
  if (p.direct) o << "direct = true\n";
  o << "\nreset = " << toml_string(p.reset) << "\n";
  o << "reset_timeout_ms = " << ms(p.reset_timeout) << "\n";
  o << "command_timeout_ms = " << ms(p.command_timeout) << "\n";
  o << "connect_timeout_ms = " << ms(p.connect_timeout) << "\n";
  o << "call_setup_fail_timer = " << p.call_setup_fail_timer << "\n";
  o << "carrier_wait = " << toml_string(p.carrier_wait) << "\n";
  o << "\ndial_prefix = " << toml_string(p.dial_prefix) << "\n";
  o << "tone = " << toml_string(std::string(1, p.tone)) << "\n";
  o << "pulse = " << toml_string(std::string(1, p.pulse)) << "\n";
  o << "dial_suffix = " << toml_string(p.dial_suffix) << "\n";
  o << "blind_dial = " << (p.blind_dial ? "true" : "false") << "\n";
  o << "blind_on = " << toml_string(p.blind_on) << "\n";
  o << "blind_off = " << toml_string(p.blind_off) << "\n";
  o << "answer = " << toml_string(p.answer) << "\n";
  o << "auto_answer_off = " << toml_string(p.auto_answer_off) << "\n";
  o << "\nescape = " << toml_string(p.escape) << "\n";
  o << "escape_guard_ms = " << ms(p.escape_guard) << "\n";
  o << "hangup = " << toml_string(p.hangup) << "\n";
  o << "hangup_method = " << toml_string(p.hangup_method == hangup_kind::dtr ? "dtr" : "escape") << "\n";
  o << "dtr_drop_ms = " << ms(p.dtr_drop_time) << "\n";
  o << "resync_quiet_ms = " << ms(p.resync_quiet) << "\n";
  o << "max_consecutive_timeouts = " << p.max_consecutive_timeouts << "\n";
  o << "\nspeaker_on = " << toml_string(p.speaker_on) << "\n";
  o << "speaker_off = " << toml_string(p.speaker_off) << "\n";
  o << "error_control_off = " << toml_string(p.error_control_off) << "\n";
  o << "compression_off = " << toml_string(p.compression_off) << "\n";

  // The table's own entries, ahead of the generic ones when it ends with them. The key goes
  // before the first [[table]], where it is still the file's own.
  const auto generic = response_table::generic();
  const bool on_generic = ends_with(p.responses.verbose, generic.verbose) && ends_with(p.responses.numeric, generic.numeric);
  if (!on_generic) o << "\n# The whole response table (it does not end with the generic one).\nresponses_replace = true\n";

  if (p.init.empty()) o << "init = []\n";
  for (const auto& s : p.init) {
    o << "\n[[init]]\ncommand = " << toml_string(s.command) << "\n";
    if (s.timeout.count() > 0) o << "timeout_ms = " << ms(s.timeout) << "\n";
    if (!s.error_fatal) o << "error_fatal = false\n";
  }

  const std::size_t nv = on_generic ? p.responses.verbose.size() - generic.verbose.size() : p.responses.verbose.size();
  const std::size_t nn = on_generic ? p.responses.numeric.size() - generic.numeric.size() : p.responses.numeric.size();
  for (std::size_t i = 0; i < nv; ++i) {
    const auto& r = p.responses.verbose[i];
    o << "\n[[responses]]\ntext = " << toml_string(r.text) << "\nkind = " << toml_string(to_string(r.kind)) << "\n";
    if (r.prefix) o << "prefix = true\n";
  }
  for (std::size_t i = 0; i < nn; ++i) {
    const auto& r = p.responses.numeric[i];
    o << "\n[[responses]]\ncode = " << r.code << "\nkind = " << toml_string(to_string(r.kind)) << "\n";
    if (r.rate) o << "rate = " << r.rate << "\n";
  }

  o << "\n[dial_errors]\n";
  for (const auto& e : p.dial_errors) o << to_string(e.reply) << " = " << ras_text(e.error) << "\n";

  o << "\n[identify]\n";
  o << "usb_ids = " << list(p.identify.usb_ids) << "\n";
  o << "manufacturer = " << list(p.identify.manufacturer) << "\n";
  o << "model = " << list(p.identify.model) << "\n";
  o << "ati = " << list(p.identify.ati) << "\n";

  const auto& c = p.cellular;
  o << "\n[cellular]\n";
  o << "enabled = " << (c.enabled ? "true" : "false") << "\n";
  o << "pin_query = " << toml_string(c.pin_query) << "\n";
  o << "pin_enter = " << toml_string(c.pin_enter) << "\n";
  o << "apn_set = " << toml_string(c.apn_set) << "\n";
  o << "registration_queries = " << list(c.registration_queries) << "\n";
  o << "registration_timeout_ms = " << ms(c.registration_timeout) << "\n";
  o << "registration_poll_ms = " << ms(c.registration_poll) << "\n";
  o << "signal_query = " << toml_string(c.signal_query) << "\n";
  o << "operator_query = " << toml_string(c.operator_query) << "\n";
  o << "number = " << toml_string(c.number) << "\n";
  o << "\n[cellular.cme_errors]\n";
  for (const auto& [n, e] : c.cme_errors) o << "\"" << n << "\" = " << ras_text(e) << "\n";
  return o.str();
}

// ---------------------------------------------------------------------------------------
// profile_set

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string stem_of(std::string_view file) {
  auto slash = file.find_last_of('/');
  std::string s(slash == std::string_view::npos ? file : file.substr(slash + 1));
  if (s.size() > 5 && s.compare(s.size() - 5, 5, ".toml") == 0) s.resize(s.size() - 5);
  return s;
}

}  // namespace

std::vector<std::filesystem::path> default_profile_directories() {
  std::vector<std::filesystem::path> dirs;
  // The installed data, relative to the program: <prefix>/bin/dialup -> <prefix>/share/dialup/modems.
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto share = exe.parent_path().parent_path() / "share" / "dialup" / "modems";
    if (std::filesystem::is_directory(share, ec)) dirs.push_back(share);
  }
  dirs.emplace_back("/etc/dialup/modems");
  // XDG Base Directory Specification: a relative XDG_CONFIG_HOME is invalid and ignored.
  const std::string xdg = env("XDG_CONFIG_HOME");
  if (!xdg.empty() && xdg[0] == '/') dirs.emplace_back(std::filesystem::path(xdg) / "dialup" / "modems");
  else if (const auto home = env("HOME"); !home.empty())
    dirs.emplace_back(std::filesystem::path(home) / ".config" / "dialup" / "modems");
  return dirs;
}

profile_set profile_set::builtin() {
  profile_set s;
  for (const auto& f : detail::builtin_profile_files()) s.add_text(f.text, "built-in:" + std::string(f.file));
  return s;
}

profile_set profile_set::load_default() {
  auto s = builtin();
  for (const auto& d : default_profile_directories()) s.add_directory(d);
  return s;
}

void profile_set::add_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return;
  std::vector<std::filesystem::path> files;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".toml") files.push_back(it->path());
    if (files.size() > profile_limits::files_per_directory) break;
  }
  if (ec) {
    load_errors_.push_back({dir.string(), 0, "cannot be read: " + ec.message()});
    return;
  }
  if (files.size() > profile_limits::files_per_directory) {
    load_errors_.push_back({dir.string(), 0, "holds more than " + std::to_string(profile_limits::files_per_directory) +
                                                 " profiles: none of it is read"});
    return;
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::error_code size_ec;
    const auto size = std::filesystem::file_size(f, size_ec);
    if (size_ec) {
      load_errors_.push_back({f.string(), 0, "cannot be read: " + size_ec.message()});
      continue;
    }
    if (size > profile_limits::file_bytes) {
      load_errors_.push_back({f.string(), 0, "larger than " + std::to_string(profile_limits::file_bytes / 1024) + " KiB"});
      continue;
    }
    std::ifstream in(f, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      load_errors_.push_back({f.string(), 0, "cannot be read"});
      continue;
    }
    add_text(text, f.string());
  }
}

void profile_set::add_text(std::string_view text, std::string source) {
  // Parsed on its own first: a file with errors is left out whole. Its keys are checked
  // again, onto the inherited profile, when it is resolved.
  auto r = parse_profile(text, source, modem_profile::generic(), stem_of(source));
  if (!r.errors.empty()) {
    load_errors_.insert(load_errors_.end(), r.errors.begin(), r.errors.end());
    return;
  }
  files_.push_back({r.profile->name, r.inherits, std::move(source), std::string(text)});
}

std::optional<modem_profile> profile_set::resolve(std::size_t index, std::vector<std::size_t>& chain,
                                                  std::vector<profile_error>* errors) const {
  const auto& f = files_[index];
  const auto fail = [&](std::string reason) -> std::optional<modem_profile> {
    if (errors) errors->push_back({f.source, 0, std::move(reason)});
    return std::nullopt;
  };
  if (std::find(chain.begin(), chain.end(), index) != chain.end()) {
    std::string names;
    for (auto i : chain) names += files_[i].name + " -> ";
    return fail("inherits in a cycle: " + names + f.name);
  }
  if (chain.size() >= profile_limits::inherit_depth)
    return fail("inherits more than " + std::to_string(profile_limits::inherit_depth) + " deep");
  modem_profile base = modem_profile::generic();
  if (!f.inherits.empty()) {
    // `inherits` naming the profile itself means the definition this file overrides.
    std::optional<std::size_t> from;
    const std::size_t limit = f.inherits == f.name ? index : files_.size();
    for (std::size_t i = 0; i < limit; ++i)
      if (files_[i].name == f.inherits && i != index) from = i;
    if (!from) return fail("inherits '" + f.inherits + "', which no profile file defines");
    chain.push_back(index);
    auto b = resolve(*from, chain, errors);
    chain.pop_back();
    if (!b) return fail("inherits '" + f.inherits + "', which does not resolve");
    base = std::move(*b);
  }
  auto r = parse_profile(f.text, f.source, base, stem_of(f.source));
  if (!r.profile) {
    if (errors) errors->insert(errors->end(), r.errors.begin(), r.errors.end());
    return std::nullopt;
  }
  r.profile->name = f.name;
  return r.profile;
}

std::optional<modem_profile> profile_set::find(std::string_view name) const {
  // The latest definition that resolves wins; one whose inherits fail leaves the earlier.
  for (std::size_t i = files_.size(); i-- > 0;) {
    if (files_[i].name != name) continue;
    std::vector<std::size_t> chain;
    if (auto p = resolve(i, chain, nullptr)) return p;
  }
  return std::nullopt;
}

std::string profile_set::source_of(std::string_view name) const {
  for (std::size_t i = files_.size(); i-- > 0;) {
    if (files_[i].name != name) continue;
    std::vector<std::size_t> chain;
    if (resolve(i, chain, nullptr)) return files_[i].source;
  }
  return {};
}

std::vector<modem_profile> profile_set::all() const {
  std::set<std::string> names;
  for (const auto& f : files_) names.insert(f.name);
  std::vector<modem_profile> out;
  for (const auto& n : names)
    if (auto p = find(n)) out.push_back(std::move(*p));
  return out;
}

std::vector<profile_error> profile_set::errors() const {
  auto out = load_errors_;
  for (std::size_t i = 0; i < files_.size(); ++i) {
    std::vector<std::size_t> chain;
    resolve(i, chain, &out);
  }
  // One problem reached through several files is reported once.
  std::vector<profile_error> unique;
  for (auto& e : out)
    if (std::none_of(unique.begin(), unique.end(), [&](const profile_error& u) { return u.text() == e.text(); }))
      unique.push_back(std::move(e));
  return unique;
}

}  // namespace dialup
