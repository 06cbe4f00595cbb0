// wvdial.conf (phonebook.hpp): wvdial_config parsing, the import of a dialer as a
// dial_entry, and that import as a phone-book entry.
//
// Sections and keys are looked up by their fuzzy names (wvdial's: case and spaces ignored)
// through hash maps, so reading a file, continuing sections, resolving an Inherits chain
// and listing the unused keys are each linear in the size of the configuration.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "dialup/engine/dial_string.hpp"
#include "dialup/engine/ras_error.hpp"
#include "phonebook_detail.hpp"

namespace dialup {

using namespace phonebook_detail;

phonebook_error wvdial_config::parse(std::string_view text, std::string_view file_name,
                                     wvdial_config& out) {
  wvdial_config cfg;
  if (auto err = cfg.add_file(text, file_name)) return err;
  out = std::move(cfg);
  return {};
}

phonebook_error wvdial_config::add_file(std::string_view text, std::string_view file_name) {
  wvdial_config cfg = *this;  // all or nothing
  const std::string file(file_name);
  if (cfg.file_.empty()) cfg.file_ = file;
  auto err = [&](std::size_t line, std::string reason) {
    return phonebook_error{make_error_code(ras_error::corrupt_phonebook), file, line,
                           std::move(reason)};
  };
  // Sections by fuzzy name; a section's keys by fuzzy name, indexed when first touched.
  std::unordered_map<std::string, std::size_t> section_at;
  for (std::size_t i = 0; i < cfg.sections_.size(); ++i) {
    section_at.emplace(fuzzy(cfg.sections_[i].name), i);
  }
  std::unordered_map<std::size_t, std::unordered_map<std::string, std::size_t>> key_index;
  std::size_t current = std::string::npos;
  std::unordered_map<std::string, std::size_t>* key_at = nullptr;

  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::size_t line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > max_pbk_line) return err(line_no, "line too long");
    auto t = trim(line);
    if (t.empty() || t.front() == ';' || t.front() == '#') continue;
    if (t.front() == '[') {
      auto close = t.rfind(']');
      if (close == std::string_view::npos) {
        return err(line_no, "unterminated '[' in section header");
      }
      std::string name(trim(t.substr(1, close - 1)));
      // A section seen before (in this file or an earlier one) continues: WvConf keeps one
      // section per name.
      auto [at, added] = section_at.try_emplace(fuzzy(name), cfg.sections_.size());
      if (added) cfg.sections_.push_back({std::move(name), line_no, file, {}});
      current = at->second;
      auto [index, fresh] = key_index.try_emplace(current);
      if (fresh) {
        const auto& keys = cfg.sections_[current].keys;
        for (std::size_t i = 0; i < keys.size(); ++i) index->second.emplace(fuzzy(keys[i].name), i);
      }
      key_at = &index->second;
      continue;
    }
    auto eq = t.find('=');
    if (eq == std::string_view::npos) return err(line_no, "line has no '=' and is not a [section]");
    if (current == std::string::npos) return err(line_no, "key outside any section");
    auto name = trim(t.substr(0, eq));
    if (name.empty()) return err(line_no, "empty key before '='");
    auto& keys = cfg.sections_[current].keys;
    std::string value(trim(t.substr(eq + 1)));
    // A repeated key replaces the earlier one (WvConf::set).
    auto [at, added] = key_at->try_emplace(fuzzy(name), keys.size());
    if (!added) {
      auto& same = keys[at->second];
      same.value = std::move(value);
      same.line = line_no;
      same.file = file;
    } else {
      keys.push_back({std::string(name), std::move(value), line_no, file});
    }
  }
  *this = std::move(cfg);
  return {};
}

namespace {
// "Dialer foo" -> "foo" (fuzzy), or nullopt for a section that is not a dialer.
std::optional<std::string> dialer_name(std::string_view section) {
  auto f = fuzzy(section);
  if (f.rfind("dialer", 0) != 0) return std::nullopt;
  return f.substr(6);
}
}  // namespace

std::vector<std::string> wvdial_config::dialers() const {
  std::vector<std::string> out;
  for (const auto& s : sections_) {
    if (!dialer_name(s.name)) continue;
    auto t = trim(std::string_view(s.name).substr(6));
    out.emplace_back(t);
  }
  return out;
}

const wvdial_config::section* wvdial_config::find_dialer(std::string_view name) const {
  auto want = fuzzy(name);
  for (const auto& s : sections_) {
    if (auto n = dialer_name(s.name); n && *n == want) return &s;
  }
  return nullptr;
}

namespace {

// wvdial 1.61 load_options() keys (fuzzy), and whether the import turns them into settings.
const std::unordered_map<std::string, bool>& wvdial_keys() {
  static const std::unordered_map<std::string, bool> keys = [] {
    std::unordered_map<std::string, bool> m;
    for (const char* k :
         {"Modem", "Baud", "Init", "Init1", "Init2", "Init3", "Init4", "Init5", "Init6",
          "Init7", "Init8", "Init9", "Phone", "Phone1", "Phone2", "Phone3", "Phone4",
          "Dial Prefix", "Area Code", "Dial Command", "Username", "Login", "Password",
          "Ask Password", "Carrier Check", "Stupid Mode", "Auto Reconnect", "Dial Attempts",
          "Abort on Busy", "Abort on No Dialtone", "Idle Seconds", "Dial Timeout",
          "Inherits"}) {
      m.emplace(fuzzy(k), true);
    }
    for (const char* k :
         {"Login Prompt", "Password Prompt", "PPPD Path", "PPPD Option", "Force Address",
          "Remote Name", "Default Reply", "Country", "Provider", "Product", "Homepage",
          "DialMessage1", "DialMessage2", "DNS Test1", "DNS Test2", "New PPPD", "Compuserve",
          "Tonline", "Auto DNS", "Check DNS", "Check Def Route", "ISDN", "Modem Type",
          "Modem Name"}) {
      m.emplace(fuzzy(k), false);
    }
    return m;
  }();
  return keys;
}

// The phone-number keys, in the order wvdial dials them.
constexpr std::string_view phone_keys[] = {"Phone", "Phone1", "Phone2", "Phone3", "Phone4"};

std::string dial_check_text(const std::error_code& ec) {
  return (ec == ras_error::phone_number_too_long
              ? "longer than " + std::to_string(max_phone_number) + " characters"
              : std::string("not a plain dial string")) +
         " (error " + std::to_string(ec.value()) + ")";
}

}  // namespace

phonebook_error import_wvdial(const wvdial_config& config, std::string_view dialer,
                              wvdial_import& out) {
  using section = wvdial_config::section;
  using key = wvdial_config::key;
  auto err = [&](std::size_t line, std::string reason,
                 ras_error code = ras_error::corrupt_phonebook, std::string file = {}) {
    if (file.empty()) file = config.file();
    return phonebook_error{make_error_code(code), std::move(file), line, std::move(reason)};
  };
  auto key_err = [&](const key& k, std::string reason) {
    return err(k.line, std::move(reason), ras_error::corrupt_phonebook, k.file);
  };
  const auto* start = config.find_dialer(dialer);
  if (!start) {
    return err(0, "no [Dialer " + std::string(dialer) + "] section",
               ras_error::cannot_find_phonebook_entry);
  }
  std::unordered_map<std::string, const section*> by_name;
  for (const auto& s : config.sections()) by_name.emplace(fuzzy(s.name), &s);
  auto section_named = [&](const std::string& fuzzy_name) -> const section* {
    auto it = by_name.find(fuzzy_name);
    return it == by_name.end() ? nullptr : it->second;
  };
  // The lookup chain: the dialer, its Inherits chain, then [Dialer Defaults].
  std::vector<const section*> chain{start};
  std::unordered_set<const section*> in_chain{start};
  for (;;) {
    const auto& cur = *chain.back();
    auto it = std::find_if(cur.keys.begin(), cur.keys.end(),
                           [](const auto& k) { return fuzzy(k.name) == "inherits"; });
    if (it == cur.keys.end() || it->value.empty()) break;
    const auto target = fuzzy(it->value);
    const section* next = section_named(target);
    if (!next) next = section_named("dialer" + target);
    if (!next) return key_err(*it, "Inherits names a missing section '" + it->value + "'");
    if (!in_chain.insert(next).second) {
      std::string path;
      for (const auto* s : chain) path += s->name + " -> ";
      return key_err(*it, "Inherits loop: " + path + next->name);
    }
    chain.push_back(next);
  }
  if (const auto* d = section_named("dialerdefaults"); d && !in_chain.count(d)) {
    chain.push_back(d);
  }

  wvdial_import imp;
  for (const auto* s : chain) imp.sections.push_back(s->name);
  // Effective value of a key: first section of the chain that has it.
  struct found {
    const section* in;
    const key* k;
  };
  std::unordered_map<std::string, found> effective;
  for (const auto* s : chain) {
    for (const auto& k : s->keys) effective.try_emplace(fuzzy(k.name), found{s, &k});
  }
  auto lookup = [&](std::string_view name) -> const found* {
    auto it = effective.find(fuzzy(name));
    return it == effective.end() ? nullptr : &it->second;
  };
  auto get = [&](std::string_view name) -> const key* {
    const auto* f = lookup(name);
    return f ? f->k : nullptr;
  };
  phonebook_error bad;
  auto number = [&](std::string_view name, std::uint32_t def) -> std::uint32_t {
    const auto* k = get(name);
    if (!k) return def;
    auto v = to_int(k->value);
    if (!v || *v < 0 || *v > 0xFFFFFFFFLL) {
      if (!bad) bad = key_err(*k, std::string(name) + " is not a number: '" + k->value + "'");
      return def;
    }
    return static_cast<std::uint32_t>(*v);
  };
  auto flag = [&](std::string_view name, bool def) -> bool {
    const auto* k = get(name);
    if (!k) return def;
    auto v = fuzzy(k->value);
    if (v == "1" || v == "yes" || v == "on" || v == "true") return true;
    if (v == "0" || v == "no" || v == "off" || v == "false") return false;
    if (auto n = to_int(v)) return *n != 0;
    if (!bad) bad = key_err(*k, std::string(name) + " is neither yes nor no: '" + k->value + "'");
    return def;
  };
  auto text = [&](std::string_view name, std::string def) -> std::string {
    const auto* k = get(name);
    return k ? k->value : def;
  };

  dial_entry& d = imp.entry;
  d.name = std::string(trim(dialer));
  d.port = text("Modem", "/dev/modem");
  d.settings.baud_rate = number("Baud", 57600);

  // Init strings, checked one by one.
  std::vector<init_step> init;
  for (int i = 1; i <= 9; ++i) {
    std::string name = "Init" + std::to_string(i);
    const auto* k = get(name);
    if (i == 1) {
      if (const auto* alias = get("Init")) k = alias;  // wvdial: Init replaces Init1
    }
    std::string value = k ? k->value : (i == 1 ? "ATZ" : "");
    if (value.empty()) continue;
    if (value.find_first_of("\r\n") != std::string::npos) {
      return k ? key_err(*k, name + " contains a line break")
               : err(0, name + " contains a line break");
    }
    if (value.find(modem_init_separator) != std::string::npos) {
      std::string reason = name + " holds '|', which separates the init commands of a phone-book entry";
      return k ? key_err(*k, std::move(reason)) : err(0, std::move(reason));
    }
    auto squeezed = fuzzy(value);
    if (squeezed.find("atd") != std::string::npos) {
      std::string reason =
          name + " dials (ATD): put the number in Phone and the dial command in Dial Command";
      return k ? key_err(*k, std::move(reason)) : err(0, std::move(reason));
    }
    init.push_back(value);
  }
  if (!init.empty() && fuzzy(init.front().command) == fuzzy(d.profile.reset)) {
    init.erase(init.begin());
    imp.notes.push_back("Init1 " + d.profile.reset +
                        " dropped: the engine resets the modem itself");
  }
  d.profile.init = std::move(init);

  // Numbers, prefixed as wvdial builds its dial string (Dial Prefix "," Area Code number),
  // each checked as the engine checks a dial string before dialling it (dial_string.hpp):
  // one that would be refused there is left out here and reported in imp.refused.
  const found* prefix_key = lookup("Dial Prefix");
  const found* area_key = lookup("Area Code");
  std::string prefix = prefix_key ? prefix_key->k->value : "";
  if (!prefix.empty()) prefix += ",";
  if (area_key) prefix += area_key->k->value;
  std::vector<std::string> numbers;
  for (std::string_view name : phone_keys) {
    const found* phone = lookup(name);
    if (!phone || phone->k->value.empty()) continue;
    std::string dialled = prefix + phone->k->value;
    const auto why = check_dial_string(dialled);
    if (!why) {
      numbers.push_back(std::move(dialled));
      continue;
    }
    // Which value is at fault: the first part that fails the check on its own (with a
    // digit after it, so that a part of only formatting characters such as "-" passes).
    wvdial_refused_number r{phone->in->name, phone->k->name, phone->k->value, phone->k->file,
                            phone->k->line, dialled, why, {}};
    const found* culprit = nullptr;
    for (const found* part : {prefix_key, area_key, phone}) {
      if (part && !part->k->value.empty() && check_dial_string(part->k->value + "0")) {
        culprit = part;
        break;
      }
    }
    if (culprit == phone) {
      r.reason = dial_check_text(why);
    } else if (culprit) {
      r.reason = culprit->k->name + " \"" + culprit->k->value + "\" ([" + culprit->in->name +
                 "], " + culprit->k->file + ":" + std::to_string(culprit->k->line) + ") is " +
                 dial_check_text(check_dial_string(culprit->k->value + "0"));
    } else {
      r.reason = "with Dial Prefix and Area Code, \"" + dialled + "\" is " + dial_check_text(why);
    }
    imp.refused.push_back(std::move(r));
  }
  if (!numbers.empty()) {
    d.phone_number = numbers.front();
    d.alternates.assign(numbers.begin() + 1, numbers.end());
  }

  // Dial command.
  std::string cmd;
  for (char c : text("Dial Command", "ATDT")) {
    if (!is_space(c)) cmd += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  if (cmd.size() >= 2 && cmd[cmd.size() - 2] == 'D' &&
      (cmd.back() == 'T' || cmd.back() == 'P')) {
    d.pulse_dialing = cmd.back() == 'P';
    d.profile.dial_prefix = cmd.substr(0, cmd.size() - 1);
  } else {
    d.profile.dial_prefix = cmd;
    imp.notes.push_back("Dial Command " + cmd + " has no T/P: the engine adds T (tone)");
  }

  // Redial and reconnect.
  auto attempts = number("Dial Attempts", 0);
  if (attempts == 0) {
    attempts = wvdial_forever_attempts;
    imp.notes.push_back("Dial Attempts 0 (forever) capped at " +
                        std::to_string(wvdial_forever_attempts) + " further attempts");
  }
  d.redial.attempts = attempts;
  d.redial.abort_on_busy = flag("Abort on Busy", false);
  d.redial.abort_on_no_dialtone = flag("Abort on No Dialtone", true);
  d.redial.rotate_alternates = true;
  auto idle = number("Idle Seconds", 0);
  d.idle_disconnect = std::chrono::seconds(idle);
  imp.auto_reconnect = flag("Auto Reconnect", true) && idle == 0;
  d.reconnect_if_dropped = imp.auto_reconnect;
  if (imp.auto_reconnect) {
    d.redial.pause = std::chrono::seconds(5);
    d.redial.backoff = 2.0;
    d.redial.max_pause = std::chrono::seconds(600);
    imp.notes.push_back(
        "Auto Reconnect back-off (5 s doubling to 600 s) also paces dial retries; "
        "wvdial's reset after a call of 45 s or more is not kept");
  } else {
    d.redial.pause = std::chrono::seconds(2);
    d.redial.backoff = 1.0;
  }
  d.profile.connect_timeout = std::chrono::seconds(number("Dial Timeout", 60));

  imp.credentials.username = text("Username", text("Login", ""));
  imp.credentials.password = text("Password", "");
  imp.credentials.ask_password = flag("Ask Password", false);
  imp.carrier_check = flag("Carrier Check", true);
  imp.stupid_mode = flag("Stupid Mode", false);
  if (bad) return bad;

  // Everything the import did not use, once per key (the effective value).
  const auto& known = wvdial_keys();
  for (const auto* s : chain) {
    for (const auto& k : s->keys) {
      auto f = fuzzy(k.name);
      if (effective.at(f).k != &k) continue;  // an earlier section of the chain has it
      auto w = known.find(f);
      if (w != known.end() && w->second) continue;
      imp.unused.push_back({s->name, k.name, k.value, k.line, w != known.end()});
    }
  }
  out = std::move(imp);
  return {};
}

phonebook_entry to_phonebook_entry(const wvdial_import& imp) {
  const dial_entry& d = imp.entry;
  std::vector<pbk_phone_number> numbers;
  auto add = [&](const std::string& n) {
    if (n.empty()) return;
    numbers.push_back({(d.pulse_dialing ? "P" : "") + n, "", 0, 0, false, ""});
  };
  add(d.phone_number);
  for (const auto& a : d.alternates) add(a);
  auto e = phonebook_entry::make_modem(d.name, d.port, "", std::move(numbers));
  e.connect_bps = d.settings.baud_rate;
  e.redial_attempts = d.redial.attempts;
  e.redial_seconds = static_cast<std::uint32_t>(d.redial.pause.count());
  e.idle_disconnect_seconds = d.idle_disconnect.count();
  e.redial_on_link_failure = d.reconnect_if_dropped;
  // The init strings, as wvdial sends them; no settings of make_modem's on top of them
  // (Speaker=1 would add an ATM1 after an Init's ATM0).
  for (const auto& command : d.profile.init) {
    if (!e.modem_init.empty()) e.modem_init += phonebook_detail::modem_init_separator;
    e.modem_init += command.command;
  }
  e.speaker.reset();
  e.error_control.reset();
  e.compression.reset();
  e.sync_layout();
  return e;
}

std::string describe(const wvdial_import& imp) {
  const auto& d = imp.entry;
  std::string out = "dialer " + d.name + " on " + d.port + " at " +
                    std::to_string(d.settings.baud_rate) + " bit/s\n";
  if (!d.phone_number.empty()) out += "  number: " + d.phone_number + "\n";
  for (const auto& a : d.alternates) out += "  alternate: " + a + "\n";
  for (const auto& i : d.profile.init) out += "  init: " + i.command + "\n";
  out += "  dial: " + d.profile.dial_prefix + (d.pulse_dialing ? "P" : "T") + "\n";
  out += "  redial: " + std::to_string(d.redial.attempts) + " attempts\n";
  if (!imp.credentials.username.empty()) {
    out += "  Username = " + imp.credentials.username + "\n";
  }
  if (!imp.credentials.password.empty()) out += "  Password = (set, not shown)\n";
  for (const auto& u : imp.unused) {
    out += "  " + std::string(u.known_to_wvdial ? "ignored" : "unknown") + ": " + u.key +
           " (line " + std::to_string(u.line) + ")\n";
  }
  for (const auto& r : imp.refused) {
    out += "  refused: [" + r.section + "] " + r.key + " = " + r.value + " (" + r.file + ":" +
           std::to_string(r.line) + "): " + r.reason + "; not imported\n";
  }
  for (const auto& n : imp.notes) out += "  note: " + n + "\n";
  return out;
}

}  // namespace dialup
