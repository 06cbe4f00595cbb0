// The phone-book entry model (phonebook.hpp): the key table, reading an entry's typed
// fields from its layout, and writing changed fields back into the layout.
//
// Every key dialup interprets is one row of key_table below (docs/ras-model.md §7.2, §7.3;
// MS-RRASM §2.2.2.2): its name, where in the entry it lives, the field it maps to (whose
// type says how the value reads and writes), and the entry-level key that goes with it.
// interpret(), sync_layout() and set_entry_key() (phonebook_editor.cpp) all work from it.
#include <algorithm>
#include <type_traits>
#include <utility>

#include "dialup/engine/ras_error.hpp"
#include "phonebook_detail.hpp"

namespace dialup {

namespace phonebook_detail {

// ---- layout access ------------------------------------------------------------------------

const pbk_line* find_key(const lines_t& lines, std::string_view key) {
  for (const auto& l : lines) {
    if (is_key(l, key)) return &l;
  }
  return nullptr;
}

pbk_line* find_key(lines_t& lines, std::string_view key) {
  for (auto& l : lines) {
    if (is_key(l, key)) return &l;
  }
  return nullptr;
}

std::size_t append_position(const lines_t& lines) {
  std::size_t pos = lines.size();
  while (pos > 0 && lines[pos - 1].what != pbk_line::kind::pair) --pos;
  return pos;
}

void set_key(lines_t& lines, std::string_view key, std::string value) {
  if (auto* l = find_key(lines, key)) {
    l->value = std::move(value);
    return;
  }
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(append_position(lines)),
               pbk_line{pbk_line::kind::pair, std::string(key), std::move(value)});
}

void update_key(lines_t& lines, std::string_view key, const std::string& value) {
  if (auto* l = find_key(lines, key)) l->value = value;
}

void write_lines(std::string& out, const lines_t& lines) {
  for (const auto& l : lines) {
    out += l.key;
    if (l.what == pbk_line::kind::pair) {
      out += '=';
      out += l.value;
    }
    out += "\r\n";
  }
}

std::string header_name(std::string_view header) {
  auto open = header.find('[');
  auto close = header.rfind(']');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return {};
  }
  return std::string(header.substr(open + 1, close - open - 1));
}

namespace {

// The DEVICE=switch keys (read by switch_terminal() and interpret(), never set).
constexpr std::string_view switch_script_key = "Name";
constexpr std::string_view switch_terminal_key = "Terminal";

bool is_switch(const pbk_subsection& s) {
  return s.kind == "DEVICE" && iequals(trim(s.value), "switch");
}

}  // namespace

link_view first_link(const pbk_layout& l) {
  link_view v;
  const auto& subs = l.subsections;
  for (std::size_t i = 0; i < subs.size(); ++i) {
    if (subs[i].kind == "MEDIA") {
      v.media = i;
      break;
    }
  }
  if (v.media == std::string::npos) return v;
  v.end = subs.size();
  for (std::size_t i = v.media + 1; i < subs.size(); ++i) {
    if (subs[i].kind == "MEDIA") {
      v.end = i;
      break;
    }
  }
  for (std::size_t i = v.media + 1; i < v.end; ++i) {
    if (subs[i].kind != "DEVICE") continue;
    if (is_switch(subs[i])) {
      if (v.main == std::string::npos) {
        if (v.pre_switch == std::string::npos) v.pre_switch = i;
      } else if (v.post_switch == std::string::npos) {
        v.post_switch = i;
      }
    } else if (v.main == std::string::npos) {
      v.main = i;
    }
  }
  return v;
}

// ---- the key table ------------------------------------------------------------------------

namespace {

using E = phonebook_entry;
using N = pbk_phone_number;

// In the order a new entry gets them written (sync_layout appends in this order).
const pbk_key key_table[] = {
    {"Type", key_place::entry, &E::type},
    {"RedialAttempts", key_place::entry, &E::redial_attempts},
    {"RedialSeconds", key_place::entry, &E::redial_seconds},
    {"IdleDisconnectSeconds", key_place::entry, &E::idle_disconnect_seconds},
    {"RedialOnLinkFailure", key_place::entry, &E::redial_on_link_failure},
    {"PreviewPhoneNumber", key_place::entry, &E::preview_phone_number},
    {"Port", key_place::media, &E::port, "PreferredPort"},
    {"Device", key_place::media, &E::device, "PreferredDevice"},
    {"ConnectBPS", key_place::media, &E::connect_bps, "PreferredBps"},
    {phone_number_key, key_place::number, &N::number},
    {"AreaCode", key_place::number, &N::area_code, "AreaCode"},
    {"CountryCode", key_place::number, &N::country_code, "CountryCode"},
    {"CountryID", key_place::number, &N::country_id, "CountryID"},
    {"UseDialingRules", key_place::number, &N::use_dialing_rules, nt4_dialing_rules_key},
    {"Comment", key_place::number, &N::comment},
    {"FriendlyName", key_place::number, std::monostate{}},
    {"TryNextAlternateOnFail", key_place::device, &E::try_next_alternate_on_fail},
    {"PromoteAlternates", key_place::device, &E::promote_alternates},
    {"HwFlowControl", key_place::device, &E::hw_flow_control, "PreferredHwFlow"},
    {"Protocol", key_place::device, &E::error_control, "PreferredProtocol"},
    {"Compression", key_place::device, &E::compression, "PreferredCompression"},
    {"Speaker", key_place::device, &E::speaker, "PreferredSpeaker"},
    {modem_init_key, key_place::device, &E::modem_init},
    {switch_script_key, key_place::device_switch, std::monostate{}},
    {switch_terminal_key, key_place::device_switch, std::monostate{}},
    {"NETCOMPONENTS", key_place::subsection, std::monostate{}},
    {"MEDIA", key_place::subsection, std::monostate{}},
    {"DEVICE", key_place::subsection, std::monostate{}},
};

// Calls f(row, member pointer) for each row of `place` whose field is a member of Owner.
template <class Owner, class F>
void for_fields(key_place place, F&& f) {
  for (const auto& k : key_table) {
    if (k.place == place) with_member<Owner>(k.field, [&](auto m) { f(k, m); });
  }
}

// Lenient reads: a value that does not parse gives `def`.
std::string read_value(std::string_view v, const std::string&) { return std::string(v); }
std::uint32_t read_value(std::string_view v, std::uint32_t def) { return to_u32(v, def); }
std::int64_t read_value(std::string_view v, std::int64_t def) { return to_int(v).value_or(def); }
bool read_value(std::string_view v, bool def) { return to_flag(v, def); }

std::string value_text(const std::string& v) { return v; }
std::string value_text(std::uint32_t v) { return std::to_string(v); }
std::string value_text(std::int64_t v) { return std::to_string(v); }
std::string value_text(bool v) { return flag_text(v); }

std::optional<bool> optional_flag(const pbk_line* key, const pbk_line* fallback) {
  for (const auto* l : {key, fallback}) {
    if (!l) continue;
    if (auto v = to_int(l->value)) return *v != 0;
  }
  return std::nullopt;
}

// Reads the rows of `place` from `lines` (nullptr: the entry has no such subsection; an
// optional flag can still come from its entry-level fallback in `top`).
void read_fields(phonebook_entry& e, key_place place, const lines_t* lines, const lines_t& top) {
  for_fields<phonebook_entry>(place, [&](const pbk_key& k, auto m) {
    using T = std::remove_cvref_t<decltype(e.*m)>;
    const pbk_line* l = lines ? find_key(*lines, k.name) : nullptr;
    if constexpr (std::is_same_v<T, std::optional<bool>>) {
      e.*m = optional_flag(l, k.companion.empty() ? nullptr : find_key(top, k.companion));
    } else if (l) {
      e.*m = read_value(l->value, e.*m);  // e holds the defaults: each row is read once
    }
  });
}

bool fields_differ(const phonebook_entry& a, const phonebook_entry& b, key_place place) {
  bool differ = false;
  for_fields<phonebook_entry>(place, [&](const pbk_key&, auto m) {
    if (!(a.*m == b.*m)) differ = true;
  });
  return differ;
}

// Writes the rows of `place` whose value in `want` differs from `now` into `lines`.
void write_fields(const phonebook_entry& now, const phonebook_entry& want, key_place place,
                  lines_t& lines, lines_t& top) {
  for_fields<phonebook_entry>(place, [&](const pbk_key& k, auto m) {
    if (now.*m == want.*m) return;
    std::string text;
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(want.*m)>, std::optional<bool>>) {
      if (!(want.*m)) {
        // Back to "not set": drop the keys so the modem default applies.
        std::erase_if(lines, [&](const pbk_line& l) { return is_key(l, k.name); });
        if (!k.companion.empty()) {
          std::erase_if(top, [&](const pbk_line& l) { return is_key(l, k.companion); });
        }
        return;
      }
      text = flag_text(*(want.*m));
    } else {
      text = value_text(want.*m);
    }
    set_key(lines, k.name, text);
    if (!k.companion.empty()) update_key(top, k.companion, text);
  });
}

const pbk_key* number_row(const pbk_line& l) {
  if (l.what != pbk_line::kind::pair) return nullptr;
  const auto* k = find_pbk_key(l.key);
  return k && k->place == key_place::number ? k : nullptr;
}

// The PhoneNumber groups of a DEVICE subsection, and (in `members`) the indices of the
// lines that belong to them. `defaults`: what a group has for the keys it lacks.
std::vector<pbk_phone_number> read_numbers(const lines_t& lines,
                                           std::vector<std::size_t>* members = nullptr,
                                           const pbk_phone_number& defaults = {}) {
  static const pbk_phone_number fresh{};
  std::vector<pbk_phone_number> out;
  bool in_group = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto& l = lines[i];
    const pbk_key* k = number_row(l);
    if (k && k->name == phone_number_key) {
      out.push_back(defaults);
      out.back().number = l.value;
      in_group = true;
    } else if (k && in_group) {
      with_member<pbk_phone_number>(
          k->field, [&](auto m) { out.back().*m = read_value(l.value, fresh.*m); });
    } else if (l.what == pbk_line::kind::pair) {
      in_group = false;
      continue;
    } else {
      continue;  // blank/comment lines stay where they are
    }
    if (members) members->push_back(i);
  }
  return out;
}

void write_numbers(lines_t& lines, const std::vector<pbk_phone_number>& numbers) {
  std::vector<std::size_t> members;
  read_numbers(lines, &members);
  bool friendly = false;  // FriendlyName: kept only through the layout, written back empty
  std::vector<bool> drop(lines.size(), false);
  for (auto i : members) {
    drop[i] = true;
    friendly = friendly || std::holds_alternative<std::monostate>(number_row(lines[i])->field);
  }
  std::size_t at = members.empty() ? 0 : members.front();
  std::size_t kept = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (drop[i]) continue;
    if (kept != i) lines[kept] = std::move(lines[i]);
    ++kept;
  }
  lines.resize(kept);
  // A stray group key right after the insertion point (say an AreaCode= before any
  // PhoneNumber=) would join the last new group when read back: write the groups after
  // the last key instead, where nothing can follow them.
  for (std::size_t i = at; i < lines.size(); ++i) {
    if (lines[i].what != pbk_line::kind::pair) continue;
    if (number_row(lines[i])) at = append_position(lines);
    break;
  }
  lines_t group;
  for (const auto& n : numbers) {
    for (const auto& k : key_table) {
      if (k.place != key_place::number) continue;
      if (std::holds_alternative<std::monostate>(k.field)) {
        if (friendly) group.push_back({pbk_line::kind::pair, std::string(k.name), ""});
      }
      with_member<pbk_phone_number>(k.field, [&](auto m) {
        group.push_back({pbk_line::kind::pair, std::string(k.name), value_text(n.*m)});
      });
    }
  }
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), group.begin(), group.end());
}

bool switch_terminal(const pbk_subsection& s) {
  if (const auto* l = find_key(s.lines, switch_terminal_key)) return to_flag(l->value, false);
  if (const auto* l = find_key(s.lines, "Type")) return iequals(trim(l->value), "Terminal");
  return false;
}

}  // namespace

std::span<const pbk_key> pbk_keys() { return key_table; }

std::vector<std::string> split_modem_init(std::string_view value) {
  std::vector<std::string> out;
  while (!value.empty()) {
    const auto bar = value.find(modem_init_separator);
    const auto piece = trim(value.substr(0, bar));
    if (!piece.empty()) out.emplace_back(piece);
    if (bar == std::string_view::npos) break;
    value.remove_prefix(bar + 1);
  }
  return out;
}

std::string init_command_problem(std::string_view command) {
  if (command.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
    return "an init command cannot hold a line break";
  if (fuzzy(command).find("atd") != std::string::npos)
    return "an init command cannot dial (ATD): the number goes in PhoneNumber";
  return {};
}

std::string number_problem(const pbk_key& row, std::string_view value) {
  if (trim(value).empty()) return {};
  std::string why;
  const auto range = [&](std::int64_t min, std::int64_t max) {
    auto v = to_int(value);
    if (!v || *v < min || *v > max)
      why = std::string(row.name) + ": not a number from " + std::to_string(min) + " to " + std::to_string(max) +
            ": \"" + std::string(value) + "\"";
  };
  std::visit(
      [&](auto m) {
        using M = decltype(m);
        if constexpr (!std::is_same_v<M, std::monostate>) {
          using T = std::remove_cvref_t<decltype(std::declval<member_owner<M>&>().*m)>;
          if constexpr (std::is_same_v<T, std::uint32_t>) range(0, 0xFFFFFFFFLL);
          if constexpr (std::is_same_v<T, std::int64_t>) range(-1, 0xFFFFFFFFLL);
          // A flag reads as any number, non-zero = true (Windows ReadFlag).
          if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::optional<bool>>)
            if (!to_int(value))
              why = std::string(row.name) + ": not a flag (0 or 1): \"" + std::string(value) + "\"";
        }
      },
      row.field);
  return why;
}

const pbk_key* find_pbk_key(std::string_view key) {
  key = trim(key);
  // The headers first: "DEVICE" is the subsection, "Device" (any other case) the MEDIA key.
  for (const auto& k : key_table) {
    if (k.place == key_place::subsection && k.name == key) return &k;
  }
  for (const auto& k : key_table) {
    if (k.place != key_place::subsection && iequals(k.name, key)) return &k;
  }
  return nullptr;
}

// ---- layout -> typed fields -----------------------------------------------------------------

phonebook_entry interpret(const pbk_layout& layout) {
  phonebook_entry e;
  const auto& top = layout.lines;
  const auto v = first_link(layout);
  const lines_t* media = nullptr;
  const lines_t* device = nullptr;
  read_fields(e, key_place::entry, &top, top);
  if (v.media != std::string::npos) {
    const auto& m = layout.subsections[v.media];
    e.media = m.value;
    media = &m.lines;
  }
  read_fields(e, key_place::media, media, top);
  if (v.main != std::string::npos) {
    const auto& d = layout.subsections[v.main];
    device = &d.lines;
    e.device_type = d.value;
    // Phone books from before Windows 2000 keep one area code, country and dialling-rules
    // flag for the whole entry (UseCountryAndAreaCodes, AreaCode, CountryID, CountryCode
    // at entry level); Windows applies them to every number. Keys a group has win.
    pbk_phone_number defaults;
    if (find_key(top, nt4_dialing_rules_key)) {
      for_fields<pbk_phone_number>(key_place::number, [&](const pbk_key& k, auto m) {
        if (k.companion.empty()) return;
        if (const auto* l = find_key(top, k.companion)) {
          defaults.*m = read_value(l->value, pbk_phone_number{}.*m);
        }
      });
    }
    e.numbers = read_numbers(d.lines, nullptr, defaults);
  }
  read_fields(e, key_place::device, device, top);
  if (v.pre_switch != std::string::npos) {
    e.terminal_before_dial = switch_terminal(layout.subsections[v.pre_switch]);
  }
  if (v.post_switch != std::string::npos) {
    const auto& s = layout.subsections[v.post_switch];
    e.terminal_after_dial = switch_terminal(s);
    if (const auto* l = find_key(s.lines, switch_script_key)) e.script = l->value;
  }
  return e;
}

void fill_typed(phonebook_entry& e) {
  auto name = std::move(e.name);
  auto layout = std::move(e.layout);
  e = interpret(layout);
  e.name = std::move(name);
  e.layout = std::move(layout);
}

}  // namespace phonebook_detail

using namespace phonebook_detail;

// ---- phonebook_error ------------------------------------------------------------------

std::string phonebook_error::message() const {
  std::string out = file;
  if (line != 0) out += ":" + std::to_string(line);
  out += ": ";
  out += reason;
  return out;
}

// ---- phonebook_entry ------------------------------------------------------------------

std::size_t phonebook_entry::link_count() const {
  return static_cast<std::size_t>(
      std::count_if(layout.subsections.begin(), layout.subsections.end(),
                    [](const pbk_subsection& s) { return s.kind == "MEDIA"; }));
}

void phonebook_entry::sync_layout() {
  if (layout.header.empty() || header_name(layout.header) != name) {
    layout.header = "[" + name + "]";
  }
  auto& subs = layout.subsections;
  auto& top = layout.lines;
  // MEDIA and a main DEVICE are created only when a field that lives there must be
  // written, so that a parsed entry (say, one with only switch devices) is never changed.
  {
    const phonebook_entry was = interpret(layout);
    if (first_link(layout).media == std::string::npos &&
        (was.media != media || was.device_type != device_type || was.numbers != numbers ||
         fields_differ(was, *this, key_place::media))) {
      subs.push_back({"MEDIA", media, {}});
    }
    const bool device_fields_differ =
        was.device_type != device_type || was.numbers != numbers ||
        was.terminal_before_dial != terminal_before_dial ||
        was.terminal_after_dial != terminal_after_dial || was.script != script ||
        fields_differ(was, *this, key_place::device);
    auto v = first_link(layout);
    if (v.media != std::string::npos && v.main == std::string::npos && device_fields_differ) {
      std::size_t at = v.post_switch != std::string::npos ? v.post_switch : v.end;
      subs.insert(subs.begin() + static_cast<std::ptrdiff_t>(at), {"DEVICE", device_type, {}});
    }
  }
  const phonebook_entry now = interpret(layout);
  auto v = first_link(layout);

  write_fields(now, *this, key_place::entry, top, top);
  if (v.media != std::string::npos) {
    auto& m = subs[v.media];
    if (now.media != media) m.value = media;
    write_fields(now, *this, key_place::media, m.lines, top);
  }
  if (v.main != std::string::npos) {
    auto& d = subs[v.main];
    if (now.device_type != device_type) d.value = device_type;
    if (now.numbers != numbers) write_numbers(d.lines, numbers);
    write_fields(now, *this, key_place::device, d.lines, top);
  }

  if (v.main == std::string::npos) return;  // nothing of the switches differs then
  if (now.terminal_before_dial != terminal_before_dial) {
    if (v.pre_switch != std::string::npos) {
      set_key(subs[v.pre_switch].lines, switch_terminal_key, flag_text(terminal_before_dial));
    } else {
      // Only reached when turning it on (no switch reads as off).
      subs.insert(subs.begin() + static_cast<std::ptrdiff_t>(v.main),
                  {"DEVICE",
                   "switch",
                   {{pbk_line::kind::pair, std::string(switch_script_key), ""},
                    {pbk_line::kind::pair, std::string(switch_terminal_key), "1"}}});
      v = first_link(layout);
    }
  }
  if (now.terminal_after_dial != terminal_after_dial || now.script != script) {
    if (v.post_switch != std::string::npos) {
      auto& s = subs[v.post_switch].lines;
      if (now.script != script) set_key(s, switch_script_key, script);
      if (now.terminal_after_dial != terminal_after_dial) {
        set_key(s, switch_terminal_key, flag_text(terminal_after_dial));
      }
    } else {
      subs.insert(subs.begin() + static_cast<std::ptrdiff_t>(v.main + 1),
                  {"DEVICE",
                   "switch",
                   {{pbk_line::kind::pair, std::string(switch_script_key), script},
                    {pbk_line::kind::pair, std::string(switch_terminal_key),
                     flag_text(terminal_after_dial)}}});
    }
  }
}

phonebook_entry phonebook_entry::make_modem(std::string name, std::string port, std::string device,
                                            std::vector<pbk_phone_number> numbers) {
  phonebook_entry e;
  auto pair = [](std::string k, std::string v) {
    return pbk_line{pbk_line::kind::pair, std::move(k), std::move(v)};
  };
  auto& top = e.layout.lines;
  // The keys and order of an XP modem entry; values are XP's defaults for a new one.
  for (auto [k, v] : std::initializer_list<std::pair<const char*, const char*>>{
           {"Encoding", "1"}, {"Type", "1"}, {"AutoLogon", "0"}, {"UseRasCredentials", "1"},
           {"BaseProtocol", "1"}, {"VpnStrategy", "0"}, {"ExcludedProtocols", "0"},
           {"LcpExtensions", "1"}, {"DataEncryption", "8"}, {"SwCompression", "1"},
           {"NegotiateMultilinkAlways", "0"}, {"SkipNwcWarning", "0"},
           {"SkipDownLevelDialog", "0"}, {"SkipDoubleDialDialog", "0"}, {"DialMode", "1"},
           {"DialPercent", "75"}, {"DialSeconds", "120"}, {"HangUpPercent", "10"},
           {"HangUpSeconds", "120"}, {"OverridePref", "15"}, {"RedialAttempts", "3"},
           {"RedialSeconds", "60"}, {"IdleDisconnectSeconds", "0"},
           {"RedialOnLinkFailure", "0"}, {"CallbackMode", "0"}, {"CustomDialDll", ""},
           {"CustomDialFunc", ""}, {"CustomRasDialDll", ""}, {"AuthenticateServer", "0"},
           {"ShareMsFilePrint", "0"}, {"BindMsNetClient", "1"}, {"SharedPhoneNumbers", "0"},
           {"GlobalDeviceSettings", "0"}, {"PrerequisiteEntry", ""}, {"PrerequisitePbk", ""},
           {"PreferredPort", ""}, {"PreferredDevice", ""}, {"PreferredBps", "115200"},
           {"PreferredHwFlow", "1"}, {"PreferredProtocol", "1"},
           {"PreferredCompression", "1"}, {"PreferredSpeaker", "1"},
           {"PreferredMdmProtocol", "0"}, {"PreviewUserPw", "1"}, {"PreviewDomain", "0"},
           {"PreviewPhoneNumber", "0"}, {"ShowDialingProgress", "1"},
           {"ShowMonitorIconInTaskBar", "1"}, {"CustomAuthKey", "0"},
           {"AuthRestrictions", "552"}, {"TypicalAuth", "1"}, {"IpPrioritizeRemote", "1"},
           {"IpHeaderCompression", "1"}, {"IpAddress", "0.0.0.0"},
           {"IpDnsAddress", "0.0.0.0"}, {"IpDns2Address", "0.0.0.0"},
           {"IpWinsAddress", "0.0.0.0"}, {"IpWins2Address", "0.0.0.0"}, {"IpAssign", "1"},
           {"IpNameAssign", "1"}, {"IpFrameSize", "1006"}, {"IpDnsFlags", "0"},
           {"IpNBTFlags", "1"}, {"TcpWindowSize", "0"}, {"UseFlags", "0"},
           {"IpSecFlags", "0"}, {"IpDnsSuffix", ""}}) {
    top.push_back(pair(k, v));
  }
  top.push_back({pbk_line::kind::blank, "", ""});
  e.layout.subsections.push_back(
      {"NETCOMPONENTS", "",
       {pair("ms_server", "0"), pair("ms_msclient", "1"), {pbk_line::kind::blank, "", ""}}});
  e.layout.subsections.push_back({"MEDIA", "rastapi",
                                  {pair("Port", ""), pair("Device", ""),
                                   pair("ConnectBPS", "115200"),
                                   {pbk_line::kind::blank, "", ""}}});
  e.layout.subsections.push_back(
      {"DEVICE", "modem",
       {pair("LastSelectedPhone", "0"), pair("PromoteAlternates", "0"),
        pair("TryNextAlternateOnFail", "1"), pair("HwFlowControl", "1"),
        pair("Protocol", "1"), pair("Compression", "1"), pair("Speaker", "1"),
        pair("MdmProtocol", "0"), {pbk_line::kind::blank, "", ""}}});
  fill_typed(e);
  e.name = std::move(name);
  e.port = std::move(port);
  e.device = std::move(device);
  e.numbers = std::move(numbers);
  e.sync_layout();
  return e;
}

}  // namespace dialup
