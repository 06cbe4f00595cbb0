// rasphone.pbk reader/writer and wvdial.conf import (phonebook.hpp).
//
// The pbk parser is line driven:
//
//   start --first line (BOM stripped)--> preamble
//   preamble --"[.x]"--> global_section --"[name]"--> entry --"[name]"--> entry ...
//   any --bad line--> failed (sticky; finish() reports the first error)
//
// In `entry`, "NETCOMPONENTS=", "MEDIA=" and "DEVICE=" open a subsection; other lines go to
// the current subsection (or the entry's own lines before the first one). An entry is
// checked (MEDIA and DEVICE present) when the next section starts or at finish().
#include "dialup/engine/phonebook.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

#include "dialup/engine/ras_error.hpp"

namespace dialup {

namespace {

// ---- text helpers ---------------------------------------------------------------------

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// wvdial's fuzzy key: lower case, no spaces.
std::string fuzzy(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (!is_space(c)) out += lower(c);
  }
  return out;
}

std::optional<std::int64_t> to_int(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  std::int64_t v = 0;
  const char* first = s.data();
  if (*first == '+') ++first;
  auto [p, ec] = std::from_chars(first, s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::uint32_t to_u32(std::string_view s, std::uint32_t def) {
  auto v = to_int(s);
  if (!v || *v < 0 || *v > 0xFFFFFFFFLL) return def;
  return static_cast<std::uint32_t>(*v);
}

// Windows ReadFlag: a number, non-zero = true. Anything else: the default.
bool to_flag(std::string_view s, bool def) {
  auto v = to_int(s);
  return v ? *v != 0 : def;
}

std::string flag_text(bool b) { return b ? "1" : "0"; }

// ---- layout access ----------------------------------------------------------------------

using lines_t = std::vector<pbk_line>;

bool is_key(const pbk_line& l, std::string_view key) {
  return l.what == pbk_line::kind::pair && iequals(trim(l.key), key);
}

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

// Where a new line goes: after the last pair, so trailing blank lines and comments stay
// at the end (they separate this subsection from the next).
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

// Sets the key only where it already exists.
void update_key(lines_t& lines, std::string_view key, const std::string& value) {
  if (auto* l = find_key(lines, key)) l->value = value;
}

bool is_switch(const pbk_subsection& s) {
  return s.kind == "DEVICE" && iequals(trim(s.value), "switch");
}

// Link 1's subsections: [media, end) in layout.subsections; main device index or npos.
struct link_view {
  std::size_t media = std::string::npos;
  std::size_t end = 0;
  std::size_t main = std::string::npos;
  std::size_t pre_switch = std::string::npos;
  std::size_t post_switch = std::string::npos;
};

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

bool is_group_key(const pbk_line& l) {
  for (std::string_view k :
       {"AreaCode", "CountryCode", "CountryID", "UseDialingRules", "Comment", "FriendlyName"}) {
    if (is_key(l, k)) return true;
  }
  return false;
}

// Indices of the lines that belong to PhoneNumber groups, and the groups themselves.
// `defaults`: what a group has for the keys it lacks (the NT 3.x/4 entry-level keys).
std::vector<pbk_phone_number> read_numbers(const lines_t& lines,
                                           std::vector<std::size_t>* members = nullptr,
                                           const pbk_phone_number& defaults = {}) {
  std::vector<pbk_phone_number> out;
  bool in_group = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto& l = lines[i];
    if (is_key(l, "PhoneNumber")) {
      out.push_back(defaults);
      out.back().number = l.value;
      in_group = true;
    } else if (in_group && is_group_key(l)) {
      auto& n = out.back();
      auto k = trim(l.key);
      if (iequals(k, "AreaCode")) n.area_code = l.value;
      else if (iequals(k, "CountryCode")) n.country_code = to_u32(l.value, 0);
      else if (iequals(k, "CountryID")) n.country_id = to_u32(l.value, 0);
      else if (iequals(k, "UseDialingRules")) n.use_dialing_rules = to_flag(l.value, false);
      else if (iequals(k, "Comment")) n.comment = l.value;
      // FriendlyName: kept only through the layout (written back empty when regrouping).
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
  bool friendly = false;
  for (auto i : members) friendly = friendly || is_key(lines[i], "FriendlyName");
  std::size_t at = members.empty() ? 0 : members.front();
  for (auto it = members.rbegin(); it != members.rend(); ++it) {
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(*it));
  }
  // A stray group key right after the insertion point (say an AreaCode= before any
  // PhoneNumber=) would join the last new group when read back: write the groups after
  // the last key instead, where nothing can follow them.
  for (std::size_t i = at; i < lines.size(); ++i) {
    if (lines[i].what != pbk_line::kind::pair) continue;
    if (is_group_key(lines[i])) at = append_position(lines);
    break;
  }
  lines_t group;
  auto pair = [&](std::string k, std::string v) {
    group.push_back({pbk_line::kind::pair, std::move(k), std::move(v)});
  };
  for (const auto& n : numbers) {
    pair("PhoneNumber", n.number);
    pair("AreaCode", n.area_code);
    pair("CountryCode", std::to_string(n.country_code));
    pair("CountryID", std::to_string(n.country_id));
    pair("UseDialingRules", flag_text(n.use_dialing_rules));
    pair("Comment", n.comment);
    if (friendly) pair("FriendlyName", "");
  }
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), group.begin(), group.end());
}

std::optional<bool> optional_flag(const lines_t* device, std::string_view key,
                                  const lines_t& entry, std::string_view preferred) {
  if (device) {
    if (const auto* l = find_key(*device, key)) {
      if (auto v = to_int(l->value)) return *v != 0;
    }
  }
  if (const auto* l = find_key(entry, preferred)) {
    if (auto v = to_int(l->value)) return *v != 0;
  }
  return std::nullopt;
}

bool switch_terminal(const pbk_subsection& s) {
  if (const auto* l = find_key(s.lines, "Terminal")) return to_flag(l->value, false);
  if (const auto* l = find_key(s.lines, "Type")) return iequals(trim(l->value), "Terminal");
  return false;
}

std::string header_name(std::string_view header) {
  auto open = header.find('[');
  auto close = header.rfind(']');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return {};
  }
  return std::string(header.substr(open + 1, close - open - 1));
}

// Reads the typed fields from the layout (the name excepted).
phonebook_entry interpret(const pbk_layout& layout) {
  phonebook_entry e;
  const auto& top = layout.lines;
  if (const auto* l = find_key(top, "Type")) e.type = to_u32(l->value, 1);
  if (const auto* l = find_key(top, "RedialAttempts")) e.redial_attempts = to_u32(l->value, 0);
  if (const auto* l = find_key(top, "RedialSeconds")) e.redial_seconds = to_u32(l->value, 0);
  if (const auto* l = find_key(top, "IdleDisconnectSeconds")) {
    e.idle_disconnect_seconds = to_int(l->value).value_or(0);
  }
  if (const auto* l = find_key(top, "RedialOnLinkFailure")) {
    e.redial_on_link_failure = to_flag(l->value, false);
  }
  if (const auto* l = find_key(top, "PreviewPhoneNumber")) {
    e.preview_phone_number = to_flag(l->value, false);
  }
  auto v = first_link(layout);
  const lines_t* device = nullptr;
  if (v.media != std::string::npos) {
    const auto& m = layout.subsections[v.media];
    e.media = m.value;
    if (const auto* l = find_key(m.lines, "Port")) e.port = l->value;
    if (const auto* l = find_key(m.lines, "Device")) e.device = l->value;
    if (const auto* l = find_key(m.lines, "ConnectBPS")) e.connect_bps = to_u32(l->value, 0);
  }
  if (v.main != std::string::npos) {
    const auto& d = layout.subsections[v.main];
    device = &d.lines;
    e.device_type = d.value;
    // Phone books from before Windows 2000 keep one area code, country and dialling-rules
    // flag for the whole entry (UseCountryAndAreaCodes, AreaCode, CountryID, CountryCode
    // at entry level); Windows applies them to every number. Keys a group has win.
    pbk_phone_number defaults;
    if (const auto* l = find_key(top, "UseCountryAndAreaCodes")) {
      defaults.use_dialing_rules = to_flag(l->value, false);
      if (const auto* a = find_key(top, "AreaCode")) defaults.area_code = a->value;
      if (const auto* c = find_key(top, "CountryCode")) defaults.country_code = to_u32(c->value, 0);
      if (const auto* c = find_key(top, "CountryID")) defaults.country_id = to_u32(c->value, 0);
    }
    e.numbers = read_numbers(d.lines, nullptr, defaults);
    if (const auto* l = find_key(d.lines, "TryNextAlternateOnFail")) {
      e.try_next_alternate_on_fail = to_flag(l->value, true);
    }
    if (const auto* l = find_key(d.lines, "PromoteAlternates")) {
      e.promote_alternates = to_flag(l->value, false);
    }
  }
  e.hw_flow_control = optional_flag(device, "HwFlowControl", top, "PreferredHwFlow");
  e.error_control = optional_flag(device, "Protocol", top, "PreferredProtocol");
  e.compression = optional_flag(device, "Compression", top, "PreferredCompression");
  e.speaker = optional_flag(device, "Speaker", top, "PreferredSpeaker");
  if (v.pre_switch != std::string::npos) {
    e.terminal_before_dial = switch_terminal(layout.subsections[v.pre_switch]);
  }
  if (v.post_switch != std::string::npos) {
    const auto& s = layout.subsections[v.post_switch];
    e.terminal_after_dial = switch_terminal(s);
    if (const auto* l = find_key(s.lines, "Name")) e.script = l->value;
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

bool valid_name_chars(std::string_view name) {
  return name.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace

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
        (was.media != media || was.port != port || was.device != device ||
         was.connect_bps != connect_bps || was.device_type != device_type ||
         was.numbers != numbers)) {
      subs.push_back({"MEDIA", media, {}});
    }
    const bool device_fields_differ =
        was.device_type != device_type || was.numbers != numbers ||
        was.try_next_alternate_on_fail != try_next_alternate_on_fail ||
        was.promote_alternates != promote_alternates || was.hw_flow_control != hw_flow_control ||
        was.error_control != error_control || was.compression != compression ||
        was.speaker != speaker || was.terminal_before_dial != terminal_before_dial ||
        was.terminal_after_dial != terminal_after_dial || was.script != script;
    auto v = first_link(layout);
    if (v.media != std::string::npos && v.main == std::string::npos && device_fields_differ) {
      std::size_t at = v.post_switch != std::string::npos ? v.post_switch : v.end;
      subs.insert(subs.begin() + static_cast<std::ptrdiff_t>(at), {"DEVICE", device_type, {}});
    }
  }
  const phonebook_entry now = interpret(layout);
  auto v = first_link(layout);

  if (now.type != type) set_key(top, "Type", std::to_string(type));
  if (now.redial_attempts != redial_attempts) {
    set_key(top, "RedialAttempts", std::to_string(redial_attempts));
  }
  if (now.redial_seconds != redial_seconds) {
    set_key(top, "RedialSeconds", std::to_string(redial_seconds));
  }
  if (now.idle_disconnect_seconds != idle_disconnect_seconds) {
    set_key(top, "IdleDisconnectSeconds", std::to_string(idle_disconnect_seconds));
  }
  if (now.redial_on_link_failure != redial_on_link_failure) {
    set_key(top, "RedialOnLinkFailure", flag_text(redial_on_link_failure));
  }
  if (now.preview_phone_number != preview_phone_number) {
    set_key(top, "PreviewPhoneNumber", flag_text(preview_phone_number));
  }

  if (v.media != std::string::npos) {
    auto& m = subs[v.media];
    if (now.media != media) m.value = media;
    if (now.port != port) {
      set_key(m.lines, "Port", port);
      update_key(top, "PreferredPort", port);
    }
    if (now.device != device) {
      set_key(m.lines, "Device", device);
      update_key(top, "PreferredDevice", device);
    }
    if (now.connect_bps != connect_bps) {
      set_key(m.lines, "ConnectBPS", std::to_string(connect_bps));
      update_key(top, "PreferredBps", std::to_string(connect_bps));
    }
  }
  if (v.main != std::string::npos) {
    auto& d = subs[v.main];
    if (now.device_type != device_type) d.value = device_type;
    if (now.numbers != numbers) write_numbers(d.lines, numbers);
    if (now.try_next_alternate_on_fail != try_next_alternate_on_fail) {
      set_key(d.lines, "TryNextAlternateOnFail", flag_text(try_next_alternate_on_fail));
    }
    if (now.promote_alternates != promote_alternates) {
      set_key(d.lines, "PromoteAlternates", flag_text(promote_alternates));
    }
    auto modem_flag = [&](const std::optional<bool>& was, const std::optional<bool>& want,
                          std::string_view key, std::string_view preferred) {
      if (was == want) return;
      if (!want) {
        // Back to "not set": drop the keys so the modem default applies.
        std::erase_if(d.lines, [&](const pbk_line& l) { return is_key(l, key); });
        std::erase_if(top, [&](const pbk_line& l) { return is_key(l, preferred); });
        return;
      }
      set_key(d.lines, key, flag_text(*want));
      update_key(top, preferred, flag_text(*want));
    };
    modem_flag(now.hw_flow_control, hw_flow_control, "HwFlowControl", "PreferredHwFlow");
    modem_flag(now.error_control, error_control, "Protocol", "PreferredProtocol");
    modem_flag(now.compression, compression, "Compression", "PreferredCompression");
    modem_flag(now.speaker, speaker, "Speaker", "PreferredSpeaker");
  }

  if (v.main == std::string::npos) return;  // nothing of the switches differs then
  if (now.terminal_before_dial != terminal_before_dial) {
    if (v.pre_switch != std::string::npos) {
      set_key(subs[v.pre_switch].lines, "Terminal", flag_text(terminal_before_dial));
    } else {
      // Only reached when turning it on (no switch reads as off).
      subs.insert(subs.begin() + static_cast<std::ptrdiff_t>(v.main),
                  {"DEVICE",
                   "switch",
                   {{pbk_line::kind::pair, "Name", ""}, {pbk_line::kind::pair, "Terminal", "1"}}});
      v = first_link(layout);
    }
  }
  if (now.terminal_after_dial != terminal_after_dial || now.script != script) {
    if (v.post_switch != std::string::npos) {
      auto& s = subs[v.post_switch].lines;
      if (now.script != script) set_key(s, "Name", script);
      if (now.terminal_after_dial != terminal_after_dial) {
        set_key(s, "Terminal", flag_text(terminal_after_dial));
      }
    } else {
      subs.insert(subs.begin() + static_cast<std::ptrdiff_t>(v.main + 1),
                  {"DEVICE",
                   "switch",
                   {{pbk_line::kind::pair, "Name", script},
                    {pbk_line::kind::pair, "Terminal", flag_text(terminal_after_dial)}}});
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

// ---- pbk_parser -----------------------------------------------------------------------

pbk_parser::pbk_parser(std::string file_name) : file_(std::move(file_name)) {}

void pbk_parser::fail(std::string reason, std::size_t line) {
  if (state_ == state::failed) return;
  state_ = state::failed;
  error_.code = make_error_code(ras_error::corrupt_phonebook);
  error_.file = file_;
  error_.line = line ? line : line_no_;
  error_.reason = std::move(reason);
}

void pbk_parser::feed(std::string_view text) {
  while (!text.empty() && state_ != state::failed && state_ != state::done) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) {
      partial_.append(text);
      if (partial_.size() > max_pbk_line) {
        ++line_no_;
        fail("line longer than " + std::to_string(max_pbk_line) + " bytes");
      }
      return;
    }
    std::string_view piece = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (!partial_.empty()) {
      partial_.append(piece);
      std::string line = std::move(partial_);
      partial_.clear();
      if (!line.empty() && line.back() == '\r') line.pop_back();
      take_line(line);
    } else {
      if (!piece.empty() && piece.back() == '\r') piece.remove_suffix(1);
      take_line(piece);
    }
  }
}

bool pbk_parser::close_entry() {
  if (state_ != state::entry) return true;
  const auto& e = entries_.back();
  if (!seen_media_) {
    fail("entry '" + e.name + "' has no MEDIA subsection", entry_line_);
    return false;
  }
  if (!seen_device_) {
    fail("entry '" + e.name + "' has no DEVICE subsection", entry_line_);
    return false;
  }
  return true;
}

void pbk_parser::take_line(std::string_view line) {
  ++line_no_;
  if (line.size() > max_pbk_line) {
    fail("line longer than " + std::to_string(max_pbk_line) + " bytes");
    return;
  }
  if (state_ == state::start) {
    if (line.substr(0, 3) == "\xEF\xBB\xBF") {
      bom_ = true;
      line.remove_prefix(3);
    }
    state_ = state::preamble;
  }
  auto t = trim(line);
  // Where non-header lines go.
  lines_t* target = nullptr;
  switch (state_) {
    case state::preamble:
      target = &preamble_;
      break;
    case state::global_section:
      target = &globals_.back().lines;
      break;
    case state::entry: {
      auto& layout = entries_.back().layout;
      target = layout.subsections.empty() ? &layout.lines : &layout.subsections.back().lines;
      break;
    }
    case state::start:
    case state::failed:
    case state::done:
      return;
  }

  if (t.empty()) {
    target->push_back({pbk_line::kind::blank, std::string(line), ""});
    return;
  }
  if (t.front() == ';') {
    target->push_back({pbk_line::kind::comment, std::string(line), ""});
    return;
  }
  if (t.front() == '[') {
    auto close = line.rfind(']');
    if (close == std::string_view::npos) {
      fail("unterminated '[' in section header");
      return;
    }
    if (!trim(line.substr(close + 1)).empty()) {
      fail("text after ']' in section header");
      return;
    }
    std::string name = header_name(line);
    if (!close_entry()) return;
    if (!name.empty() && name.front() == '.') {
      pbk_global_section g;
      g.before_entry = entries_.size();
      g.header = std::string(line);
      globals_.push_back(std::move(g));
      state_ = state::global_section;
      return;
    }
    if (name.empty()) {
      fail("empty entry name");
      return;
    }
    if (name.size() > max_entry_name) {
      fail("entry name longer than " + std::to_string(max_entry_name) + " characters");
      return;
    }
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (iequals(entries_[i].name, name)) {
        fail("duplicate entry '" + name + "' (first at line " +
             std::to_string(entry_lines_[i]) + ")");
        return;
      }
    }
    phonebook_entry e;
    e.name = std::move(name);
    e.layout.header = std::string(line);
    entries_.push_back(std::move(e));
    entry_lines_.push_back(line_no_);
    entry_line_ = line_no_;
    seen_media_ = seen_device_ = false;
    state_ = state::entry;
    return;
  }
  auto eq = line.find('=');
  if (eq == std::string_view::npos) {
    fail("line has no '=' and is not a [section]");
    return;
  }
  std::string_view key = line.substr(0, eq);
  std::string_view value = line.substr(eq + 1);
  if (trim(key).empty()) {
    fail("empty key before '='");
    return;
  }
  if (state_ == state::preamble) {
    fail("key outside any entry");
    return;
  }
  if (state_ == state::entry) {
    auto& layout = entries_.back().layout;
    if (key == "NETCOMPONENTS" || key == "MEDIA" || key == "DEVICE") {
      if (key == "DEVICE" && !seen_media_) {
        fail("DEVICE subsection before any MEDIA");
        return;
      }
      if (key == "MEDIA") seen_media_ = true;
      if (key == "DEVICE") seen_device_ = true;
      layout.subsections.push_back({std::string(key), std::string(value), {}});
      return;
    }
  }
  target->push_back({pbk_line::kind::pair, std::string(key), std::string(value)});
}

phonebook_error pbk_parser::finish(phonebook& out) {
  if (state_ == state::done) {
    return {make_error_code(ras_error::invalid_parameter), file_, 0,
            "finish() called twice on one parser"};
  }
  if (state_ != state::failed && !partial_.empty()) {
    std::string line = std::move(partial_);
    partial_.clear();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    take_line(line);
  }
  if (state_ != state::failed) close_entry();
  if (state_ == state::failed) return error_;
  for (auto& e : entries_) fill_typed(e);
  phonebook pb;
  pb.bom_ = bom_;
  pb.preamble_ = std::move(preamble_);
  pb.globals_ = std::move(globals_);
  pb.entries_ = std::move(entries_);
  out = std::move(pb);
  state_ = state::done;
  return {};
}

// ---- phonebook ------------------------------------------------------------------------

phonebook_error phonebook::parse(std::string_view text, std::string_view file_name,
                                 phonebook& out) {
  pbk_parser p{std::string(file_name)};
  p.feed(text);
  return p.finish(out);
}

namespace {
void write_lines(std::string& out, const lines_t& lines) {
  for (const auto& l : lines) {
    if (l.what == pbk_line::kind::pair) {
      out += l.key;
      out += '=';
      out += l.value;
    } else {
      out += l.key;
    }
    out += "\r\n";
  }
}
}  // namespace

std::string phonebook::serialize() const {
  std::string out;
  if (bom_) out += "\xEF\xBB\xBF";
  write_lines(out, preamble_);
  auto write_globals = [&](std::size_t before) {
    for (const auto& g : globals_) {
      if (g.before_entry != before) continue;
      out += g.header;
      out += "\r\n";
      write_lines(out, g.lines);
    }
  };
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    write_globals(i);
    phonebook_entry e = entries_[i];
    e.sync_layout();
    out += e.layout.header;
    out += "\r\n";
    write_lines(out, e.layout.lines);
    for (const auto& s : e.layout.subsections) {
      out += s.kind;
      out += '=';
      out += s.value;
      out += "\r\n";
      write_lines(out, s.lines);
    }
  }
  write_globals(entries_.size());
  return out;
}

std::error_code phonebook::serialize(std::string& out) const {
  std::string text = serialize();
  phonebook expected = *this;
  for (auto& e : expected.entries_) e.sync_layout();
  phonebook back;
  if (parse(text, "", back) || back != expected) {
    return make_error_code(ras_error::cannot_write_phonebook);
  }
  out = std::move(text);
  return {};
}

std::vector<std::string> phonebook::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.push_back(e.name);
  return out;
}

const phonebook_entry* phonebook::find(std::string_view name) const {
  for (const auto& e : entries_) {
    if (iequals(e.name, name)) return &e;
  }
  return nullptr;
}

phonebook_entry* phonebook::find(std::string_view name) {
  for (auto& e : entries_) {
    if (iequals(e.name, name)) return &e;
  }
  return nullptr;
}

bool phonebook::valid_entry_name(std::string_view name) {
  return !name.empty() && name.size() <= max_entry_name && name.front() != '.' &&
         valid_name_chars(name);
}

std::error_code phonebook::add(phonebook_entry entry) {
  if (!valid_entry_name(entry.name)) return make_error_code(ras_error::invalid_parameter);
  if (find(entry.name)) return std::make_error_code(std::errc::file_exists);
  entry.sync_layout();  // so that what is stored is what parse(serialize()) gives back
  entries_.push_back(std::move(entry));
  return {};
}

std::error_code phonebook::remove(std::string_view name) {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (!iequals(entries_[i].name, name)) continue;
    entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
    for (auto& g : globals_) {
      if (g.before_entry > i) --g.before_entry;
    }
    return {};
  }
  return make_error_code(ras_error::cannot_find_phonebook_entry);
}

std::error_code phonebook::rename(std::string_view from, std::string to) {
  auto* e = find(from);
  if (!e) return make_error_code(ras_error::cannot_find_phonebook_entry);
  if (!valid_entry_name(to)) return make_error_code(ras_error::invalid_parameter);
  if (auto* other = find(to); other && other != e) {
    return std::make_error_code(std::errc::file_exists);
  }
  e->name = std::move(to);
  e->layout.header = "[" + e->name + "]";
  return {};
}

// ---- to_dial_entry ----------------------------------------------------------------------

std::string dialable_number(const pbk_phone_number& n, const dialing_location& where) {
  // Without a country code the rules have nothing to work with: dial as written.
  if (!n.use_dialing_rules || n.country_code == 0) return n.number;
  const std::string area = std::string(trim(n.area_code));
  if (where.country_code == 0) {
    std::string out = "+" + std::to_string(n.country_code) + " ";
    if (!area.empty()) out += area + " ";
    return out + n.number;
  }
  if (where.country_code == n.country_code) {
    if (area.empty() || area == where.area_code) return n.number;
    return where.long_distance_prefix + area + n.number;
  }
  return where.international_prefix + std::to_string(n.country_code) + area + n.number;
}

dial_entry to_dial_entry(const phonebook_entry& e, const dialing_location& where) {
  dial_entry d;
  d.name = e.name;
  d.port = e.port;
  if (!e.numbers.empty()) {
    d.phone_number = dialable_number(e.numbers.front(), where);
    if (e.try_next_alternate_on_fail) {
      for (std::size_t i = 1; i < e.numbers.size(); ++i) {
        d.alternates.push_back(dialable_number(e.numbers[i], where));
      }
    }
    // The first dial character decides tone or pulse (hayes-v250.md §3.2: T/P modifiers).
    for (char c : e.numbers.front().number) {
      if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '.' || c == '+') continue;
      d.pulse_dialing = (c == 'P' || c == 'p');
      break;
    }
  }
  d.redial.attempts = e.redial_attempts;
  d.redial.pause = std::chrono::seconds(e.redial_seconds);
  d.redial.backoff = 1.0;
  d.redial.abort_on_busy = false;
  d.redial.abort_on_no_dialtone = false;
  d.redial.rotate_alternates = e.try_next_alternate_on_fail;
  d.idle_disconnect = std::chrono::seconds(
      e.idle_disconnect_seconds > 0 && e.idle_disconnect_seconds < 0xFFFFFFFFLL
          ? e.idle_disconnect_seconds
          : 0);
  d.reconnect_if_dropped = e.redial_on_link_failure;
  d.terminal_after_dial = e.terminal_after_dial;
  if (e.connect_bps > 0) d.settings.baud_rate = e.connect_bps;
  if (e.hw_flow_control) d.settings.hardware_flow_control = *e.hw_flow_control;
  if (e.speaker) d.profile.init.push_back(*e.speaker ? "ATM1" : "ATM0");
  if (e.error_control && !*e.error_control) d.profile.init.push_back("AT\\N0");
  if (e.compression && !*e.compression) d.profile.init.push_back("AT%C0");
  return d;
}

std::error_code check_dialable(const phonebook_entry& e) {
  if (!iequals(trim(e.device_type), "modem")) {
    return make_error_code(ras_error::devicetype_does_not_exist);
  }
  if (trim(e.port).empty()) return make_error_code(ras_error::port_not_configured);
  return {};
}

std::string describe(const phonebook_entry& e) {
  std::string out = "[" + e.name + "] " + e.device_type + " on " +
                    (e.port.empty() ? std::string("(no port)") : e.port);
  if (!e.device.empty()) out += " (" + e.device + ")";
  out += "\n";
  for (std::size_t i = 0; i < e.numbers.size(); ++i) {
    out += i == 0 ? "  number: " : "  alternate: ";
    out += e.numbers[i].number;
    if (e.numbers[i].use_dialing_rules) {
      out += " (country " + std::to_string(e.numbers[i].country_code) + ", area " +
             e.numbers[i].area_code + ")";
    }
    out += "\n";
  }
  out += "  redial: " + std::to_string(e.redial_attempts) + " x every " +
         std::to_string(e.redial_seconds) + " s\n";
  if (e.link_count() > 1) out += "  links: " + std::to_string(e.link_count()) + "\n";
  return out;
}

// ---- wvdial.conf ------------------------------------------------------------------------

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
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::size_t line_no = 0;
  section* current = nullptr;
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
      current = nullptr;
      for (auto& s : cfg.sections_) {
        if (fuzzy(s.name) == fuzzy(name)) current = &s;
      }
      if (!current) {
        cfg.sections_.push_back({std::move(name), line_no, file, {}});
        current = &cfg.sections_.back();
      }
      continue;
    }
    auto eq = t.find('=');
    if (eq == std::string_view::npos) return err(line_no, "line has no '=' and is not a [section]");
    if (!current) return err(line_no, "key outside any section");
    auto name = trim(t.substr(0, eq));
    if (name.empty()) return err(line_no, "empty key before '='");
    auto& keys = current->keys;
    std::string value(trim(t.substr(eq + 1)));
    // A repeated key replaces the earlier one (WvConf::set).
    auto same = std::find_if(keys.begin(), keys.end(),
                             [&](const key& k) { return fuzzy(k.name) == fuzzy(name); });
    if (same != keys.end()) {
      same->value = std::move(value);
      same->line = line_no;
      same->file = file;
    } else {
      keys.push_back({std::string(name), std::move(value), line_no, file});
    }
  }
  *this = std::move(cfg);
  return {};
}

namespace {
// "Dialer foo" -> "foo" (fuzzy), or npos-like empty optional.
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

struct wv_known {
  const char* name;
  bool used;
};

// wvdial 1.61 load_options() keys, and whether the import turns them into settings.
constexpr wv_known wvdial_keys[] = {
    {"Modem", true}, {"Baud", true}, {"Init", true}, {"Init1", true}, {"Init2", true},
    {"Init3", true}, {"Init4", true}, {"Init5", true}, {"Init6", true}, {"Init7", true},
    {"Init8", true}, {"Init9", true}, {"Phone", true}, {"Phone1", true}, {"Phone2", true},
    {"Phone3", true}, {"Phone4", true}, {"Dial Prefix", true}, {"Area Code", true},
    {"Dial Command", true}, {"Username", true}, {"Login", true}, {"Password", true},
    {"Ask Password", true}, {"Carrier Check", true}, {"Stupid Mode", true},
    {"Auto Reconnect", true}, {"Dial Attempts", true}, {"Abort on Busy", true},
    {"Abort on No Dialtone", true}, {"Idle Seconds", true}, {"Dial Timeout", true},
    {"Inherits", true},
    {"Login Prompt", false}, {"Password Prompt", false}, {"PPPD Path", false},
    {"PPPD Option", false}, {"Force Address", false}, {"Remote Name", false},
    {"Default Reply", false}, {"Country", false}, {"Provider", false}, {"Product", false},
    {"Homepage", false}, {"DialMessage1", false}, {"DialMessage2", false},
    {"DNS Test1", false}, {"DNS Test2", false}, {"New PPPD", false}, {"Compuserve", false},
    {"Tonline", false}, {"Auto DNS", false}, {"Check DNS", false},
    {"Check Def Route", false}, {"ISDN", false}, {"Modem Type", false},
    {"Modem Name", false},
};

const wv_known* known_key(std::string_view k) {
  auto f = fuzzy(k);
  for (const auto& w : wvdial_keys) {
    if (fuzzy(w.name) == f) return &w;
  }
  return nullptr;
}

}  // namespace

phonebook_error import_wvdial(const wvdial_config& config, std::string_view dialer,
                              wvdial_import& out) {
  auto err = [&](std::size_t line, std::string reason,
                 ras_error code = ras_error::corrupt_phonebook, std::string file = {}) {
    if (file.empty()) file = config.file();
    return phonebook_error{make_error_code(code), std::move(file), line, std::move(reason)};
  };
  auto key_err = [&](const wvdial_config::key& k, std::string reason) {
    return err(k.line, std::move(reason), ras_error::corrupt_phonebook, k.file);
  };
  const auto* start = config.find_dialer(dialer);
  if (!start) {
    return err(0, "no [Dialer " + std::string(dialer) + "] section",
               ras_error::cannot_find_phonebook_entry);
  }
  // The lookup chain: the dialer, its Inherits chain, then [Dialer Defaults].
  std::vector<const wvdial_config::section*> chain{start};
  for (;;) {
    const auto& cur = *chain.back();
    auto it = std::find_if(cur.keys.begin(), cur.keys.end(),
                           [](const auto& k) { return fuzzy(k.name) == "inherits"; });
    if (it == cur.keys.end() || it->value.empty()) break;
    const wvdial_config::section* next = nullptr;
    for (const auto& s : config.sections()) {
      if (fuzzy(s.name) == fuzzy(it->value)) next = &s;
    }
    if (!next) next = config.find_dialer(it->value);
    if (!next) return key_err(*it, "Inherits names a missing section '" + it->value + "'");
    if (std::find(chain.begin(), chain.end(), next) != chain.end()) {
      std::string path;
      for (const auto* s : chain) path += s->name + " -> ";
      return key_err(*it, "Inherits loop: " + path + next->name);
    }
    chain.push_back(next);
  }
  if (const auto* d = config.find_dialer("Defaults");
      d && std::find(chain.begin(), chain.end(), d) == chain.end()) {
    chain.push_back(d);
  }

  wvdial_import imp;
  for (const auto* s : chain) imp.sections.push_back(s->name);
  // Effective value of a key: first section of the chain that has it.
  auto get = [&](std::string_view name) -> const wvdial_config::key* {
    auto f = fuzzy(name);
    for (const auto* s : chain) {
      for (const auto& k : s->keys) {
        if (fuzzy(k.name) == f) return &k;
      }
    }
    return nullptr;
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
  std::vector<std::string> init;
  for (int i = 1; i <= 9; ++i) {
    std::string key = "Init" + std::to_string(i);
    const auto* k = get(key);
    if (i == 1) {
      if (const auto* alias = get("Init")) k = alias;  // wvdial: Init replaces Init1
    }
    std::string value = k ? k->value : (i == 1 ? "ATZ" : "");
    if (value.empty()) continue;
    if (value.find_first_of("\r\n") != std::string::npos) {
      return k ? key_err(*k, key + " contains a line break")
               : err(0, key + " contains a line break");
    }
    auto squeezed = fuzzy(value);
    if (squeezed.find("atd") != std::string::npos) {
      std::string reason =
          key + " dials (ATD): put the number in Phone and the dial command in Dial Command";
      return k ? key_err(*k, std::move(reason)) : err(0, std::move(reason));
    }
    init.push_back(value);
  }
  if (!init.empty() && fuzzy(init.front()) == fuzzy(d.profile.reset)) {
    init.erase(init.begin());
    imp.notes.push_back("Init1 " + d.profile.reset +
                        " dropped: the engine resets the modem itself");
  }
  d.profile.init = std::move(init);

  // Numbers, prefixed as wvdial builds its dial string.
  std::string prefix = text("Dial Prefix", "");
  if (!prefix.empty()) prefix += ",";
  prefix += text("Area Code", "");
  std::vector<std::string> numbers;
  for (std::string_view key : {"Phone", "Phone1", "Phone2", "Phone3", "Phone4"}) {
    auto v = text(key, "");
    if (!v.empty()) numbers.push_back(prefix + v);
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
  std::vector<std::string> seen;
  for (const auto* s : chain) {
    for (const auto& k : s->keys) {
      auto f = fuzzy(k.name);
      if (std::find(seen.begin(), seen.end(), f) != seen.end()) continue;
      seen.push_back(f);
      const auto* w = known_key(k.name);
      if (w && w->used) continue;
      imp.unused.push_back({s->name, k.name, k.value, k.line, w != nullptr});
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
  e.sync_layout();
  return e;
}

std::string describe(const wvdial_import& imp) {
  const auto& d = imp.entry;
  std::string out = "dialer " + d.name + " on " + d.port + " at " +
                    std::to_string(d.settings.baud_rate) + " bit/s\n";
  if (!d.phone_number.empty()) out += "  number: " + d.phone_number + "\n";
  for (const auto& a : d.alternates) out += "  alternate: " + a + "\n";
  for (const auto& i : d.profile.init) out += "  init: " + i + "\n";
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
  for (const auto& n : imp.notes) out += "  note: " + n + "\n";
  return out;
}

}  // namespace dialup
