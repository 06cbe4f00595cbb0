// inf_profile: an imported INF model (inf_import.hpp) as a TOML profile text and as the
// engine's modem_profile (docs/inf-import.md §4, §5).
#include <algorithm>
#include <utility>
#include <string>
#include <vector>

#include "dialup/engine/inf_import.hpp"
#include "dialup/engine/text.hpp"

namespace dialup {
namespace {

// A TOML basic string (TOML v1.0 §String). Bytes that are not UTF-8 are read as Latin-1,
// the code page most old INF files were written in, so the output is always valid UTF-8.
std::string toml_string(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    auto u4 = [&](unsigned v) {
      out += "\\u00";
      out += hex[(v >> 4) & 0xf];
      out += hex[v & 0xf];
    };
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\b': out += "\\b"; continue;
      case '\t': out += "\\t"; continue;
      case '\n': out += "\\n"; continue;
      case '\f': out += "\\f"; continue;
      case '\r': out += "\\r"; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      u4(c);
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      continue;
    }
    // A whole, shortest-form UTF-8 sequence of a scalar value is copied; anything else is Latin-1.
    // Lead bytes (RFC 3629 §4): C2-DF two bytes, E0-EF three, F0-F4 four; C0, C1, F5-FF never.
    const std::size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    bool ok = len != 0 && i + len <= s.size();
    std::uint32_t cp = 0;
    if (ok) {
      cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
      for (std::size_t k = 1; k < len; ++k) {
        const auto d = static_cast<unsigned char>(s[i + k]);
        if ((d & 0xC0) != 0x80) {
          ok = false;
          break;
        }
        cp = cp << 6 | (d & 0x3F);
      }
      ok = ok && !(len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) &&
           !(len == 4 && (cp < 0x10000 || cp > 0x10FFFF));
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len - 1;
    } else {
      u4(c);
    }
  }
  return out + "\"";
}

// A TOML key: bare when it can be, else quoted.
std::string toml_key(std::string_view k) {
  const bool bare = !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  return bare ? std::string(k) : toml_string(k);
}

std::string toml_array(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + toml_string(v[i]);
  return out + "]";
}

std::string hex_bytes(const std::vector<std::uint8_t>& b) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i) s += ',';
    s += hex[b[i] >> 4];
    s += hex[b[i] & 0xf];
  }
  return s;
}

// The commands of one INF command string: macros expanded, one command per <cr> (the AT
// channel ends each command itself), blank pieces left out.
std::vector<std::string> commands_of(std::string_view inf_text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : expand_inf_macros(inf_text) + "\r") {
    if (c == '\r') {
      auto t = text::trim(cur);
      if (!t.empty()) out.emplace_back(t);
      cur.clear();
    } else if (c != '\n') {
      cur += c;
    }
  }
  return out;
}

std::string first_command(const std::vector<inf_command>& list) {
  for (const auto& c : list) {
    auto cmds = commands_of(c.text);
    if (!cmds.empty()) return cmds.front();
  }
  return {};
}

// "USB\VID_0572&PID_1329[&REV_...]" -> "0572:1329"; "" when it is not a USB id.
std::string usb_id(std::string_view hwid) {
  const std::string h = text::lowered(hwid);
  const auto vid = h.find("vid_");
  const auto pid = h.find("pid_");
  if (h.rfind("usb\\", 0) != 0 || vid == std::string::npos || pid == std::string::npos) return {};
  auto hex4 = [&](std::size_t at) -> std::string {
    if (at + 4 > h.size()) return {};
    std::string s = h.substr(at, 4);
    for (char c : s)
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return {};
    return s;
  };
  const std::string v = hex4(vid + 4), p = hex4(pid + 4);
  return v.empty() || p.empty() ? std::string() : v + ":" + p;
}

std::vector<std::string> usb_ids(const inf_modem& m) {
  std::vector<std::string> ids;
  for (const auto& h : m.hardware_ids) {
    auto id = usb_id(h);
    if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

// A profile name from the model's description: lower-case letters and digits, '-' between.
std::string profile_name(const inf_modem& m) {
  std::string n;
  for (char c : m.description) {
    c = text::ascii_lower(c);
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) n += c;
    else if (!n.empty() && n.back() != '-') n += '-';
  }
  while (!n.empty() && n.back() == '-') n.pop_back();
  return n.empty() ? "inf-modem" : n;
}

std::string prefix_of(const inf_modem& m) {
  const auto* p = m.setting("Prefix");
  return p ? expand_inf_macros(p->value) : "AT";
}

const inf_setting* dial_mode(const inf_modem& m, std::string_view a, std::string_view b) {
  const auto* s = m.setting(a);
  return s ? s : m.setting(b);
}

// Profile key and the Settings value it comes from.
constexpr std::pair<const char*, const char*> option_settings[] = {
    {"speaker_on", "SpeakerMode_Dial"},
    {"speaker_off", "SpeakerMode_Off"},
    {"error_control_off", "ErrorControl_Off"},
    {"compression_off", "Compression_Off"},
};

bool usable_reply(const inf_response& r) {
  return !r.reply.empty() && r.reply.find_first_of("\r\n") == std::string::npos;
}

}  // namespace

std::string to_profile_toml(const inf_modem& m) {
  std::string t;
  auto kv = [&](std::string_view k, const std::string& v) { t += toml_key(k) + " = " + v + "\n"; };
  auto ks = [&](std::string_view k, std::string_view v) { kv(k, toml_string(v)); };
  auto kn = [&](std::string_view k, std::uint64_t v) { kv(k, std::to_string(v)); };
  auto kb = [&](std::string_view k, bool v) { kv(k, v ? "true" : "false"); };

  // Comments must be UTF-8 without control characters: the names are shown escaped.
  t += "# Imported from the Windows modem INF " + text::escape_bytes(m.file) + ":\n# model \"" +
       text::escape_bytes(m.description) + "\", install section " + text::escape_bytes(m.install_section) +
       ", line " + std::to_string(m.model_line) + ".\n# What the import did not use is listed in [inf] warnings.\n";
  ks("name", profile_name(m));
  ks("description", m.description);
  if (!m.reset.empty()) {
    auto r = commands_of(m.reset);
    if (!r.empty()) ks("reset", r.front());
  }
  const std::string prefix = prefix_of(m);
  if (const auto* s = m.setting("DialPrefix")) ks("dial_prefix", prefix + expand_inf_macros(s->value));
  if (const auto* s = dial_mode(m, "Tone", "Dial_Tone")) ks("tone", expand_inf_macros(s->value));
  if (const auto* s = dial_mode(m, "Pulse", "Dial_Pulse")) ks("pulse", expand_inf_macros(s->value));
  if (m.setting("DialSuffix")) {
    t += "# Settings\\DialSuffix only ends the parts of a split dial string; a dial ends with the\n"
         "# terminator (docs/inf-import.md). The INF's value is under [inf.settings].\n";
    ks("dial_suffix", "");
  }
  if (const auto* s = m.setting("Blind_On")) ks("blind_on", prefix + expand_inf_macros(s->value));
  if (const auto* s = m.setting("Blind_Off")) ks("blind_off", prefix + expand_inf_macros(s->value));
  if (auto h = first_command(m.hangup); !h.empty()) ks("hangup", h);
  if (auto a = first_command(m.answer); !a.empty()) ks("answer", a);
  // The Settings fragments a dial's own options send (a phone-book entry's Speaker, Protocol
  // and Compression; docs/ras-model.md §8.2): SpeakerMode_Dial is "on while dialling".
  for (const auto& [key, setting] : option_settings)
    if (const auto* s = m.setting(setting)) ks(key, prefix + expand_inf_macros(s->value));
  // The INF's Responses are the modem's whole reply table, as to_modem_profile uses them.
  const bool has_replies =
      std::any_of(m.responses.begin(), m.responses.end(), [](const inf_response& r) { return usable_reply(r); });
  if (has_replies) kb("responses_replace", true);

  for (const auto& c : m.init) {
    for (const auto& cmd : commands_of(c.text)) {
      t += "\n[[init]]\n";
      ks("command", cmd);
      kn("timeout_ms", 3000);
      kb("error_fatal", true);
    }
  }
  for (const auto& r : m.responses) {
    if (!usable_reply(r)) continue;
    t += "\n[[responses]]\n";
    if (r.numeric() && r.reply.size() <= 3) {
      // A V0 code: its rate is the one the Responses entry gives (a verbose CONNECT
      // carries its own rate in its text).
      kn("code", std::stoi(r.reply));
      ks("kind", to_string(inf_response_kind(r.state)));
      if (r.dce_rate != 0) kn("rate", r.dce_rate);
      continue;
    }
    ks("text", r.reply);
    ks("kind", to_string(inf_response_kind(r.state)));
    if (r.prefix()) kb("prefix", true);
  }

  t += "\n[identify]\n";
  kv("usb_ids", toml_array(usb_ids(m)));
  if (!m.manufacturer.empty()) kv("manufacturer", toml_array({m.manufacturer}));
  if (!m.description.empty()) kv("model", toml_array({m.description}));

  t += "\n[inf]\n";
  ks("file", m.file);
  ks("manufacturer", m.manufacturer);
  ks("model", m.description);
  ks("install_section", m.install_section);
  kn("model_line", m.model_line);
  kv("hardware_ids", toml_array(m.hardware_ids));
  if (!m.reset.empty()) ks("reset", m.reset);
  auto texts = [](const std::vector<inf_command>& list) {
    std::vector<std::string> v;
    for (const auto& c : list) v.push_back(c.text);
    return v;
  };
  kv("init", toml_array(texts(m.init)));
  kv("monitor", toml_array(texts(m.monitor)));
  kv("answer", toml_array(texts(m.answer)));
  kv("hangup", toml_array(texts(m.hangup)));
  if (m.inactivity_scale) kn("inactivity_scale", *m.inactivity_scale);
  if (m.maximum_port_speed) kn("maximum_port_speed", *m.maximum_port_speed);
  if (!m.compatibility_flags.empty()) ks("compatibility_flags", hex_bytes(m.compatibility_flags));
  std::vector<std::string> warnings;
  for (const auto& w : m.warnings) warnings.push_back("line " + std::to_string(w.line) + ": " + w.what);
  if (warnings.empty()) {
    kv("warnings", "[]");
  } else {
    t += "warnings = [\n";
    for (const auto& w : warnings) t += "  " + toml_string(w) + ",\n";
    t += "]\n";
  }

  t += "\n[inf.settings]\n";
  for (const auto& s : m.settings) ks(s.name, s.value);

  for (const auto& r : m.responses) {
    t += "\n[[inf.responses]]\n";
    ks("text", r.text);
    ks("reply", r.reply);
    kn("state", r.state);
    ks("state_name", inf_response_state_name(r.state));
    kn("options", r.options);
    kb("compression", r.compression());
    kb("error_control", r.error_control());
    kb("cellular", r.cellular());
    kn("dce_rate", r.dce_rate);
    kn("dte_rate", r.dte_rate);
    kn("line", r.line);
  }
  if (m.properties.present()) {
    const auto& p = m.properties;
    t += "\n[inf.properties]\n";
    kn("line", p.line);
    kn("dial_options", p.dial_options);
    kv("dial_option_names", toml_array(inf_dial_option_names(p.dial_options)));
    kn("call_setup_fail_timeout", p.call_setup_fail_timeout);
    kn("inactivity_timeout", p.inactivity_timeout);
    kn("speaker_volume", p.speaker_volume);
    kv("speaker_volume_names", toml_array(inf_speaker_volume_names(p.speaker_volume)));
    kn("speaker_mode", p.speaker_mode);
    kv("speaker_mode_names", toml_array(inf_speaker_mode_names(p.speaker_mode)));
    kn("modem_options", p.modem_options);
    kv("modem_option_names", toml_array(inf_modem_option_names(p.modem_options)));
    kn("max_dte_rate", p.max_dte_rate);
    kn("max_dce_rate", p.max_dce_rate);
    if (!p.extra.empty()) ks("extra", hex_bytes(p.extra));
  }
  if (m.dcb.present()) {
    const auto& d = m.dcb;
    t += "\n[inf.dcb]\n";
    kn("line", d.line);
    kn("baud_rate", d.baud_rate);
    kn("byte_size", d.byte_size);
    kn("parity", d.parity);
    kn("stop_bits", d.stop_bits);
    kb("rts_cts", d.rts_cts());
    kb("xon_xoff", d.xon_xoff());
    kn("flags", d.flags);
    ks("raw", hex_bytes(d.raw));
  }
  for (const auto& u : m.unknown) {
    t += "\n[[inf.unknown]]\n";
    kn("line", u.line);
    ks("subkey", u.subkey);
    ks("name", u.name);
    kn("flags", u.flags);
    kv("data", toml_array(u.data));
  }
  return t;
}

modem_profile to_modem_profile(const inf_modem& m) {
  modem_profile p = modem_profile::generic();
  p.name = profile_name(m);
  p.description = m.description;
  std::vector<init_step> init;
  if (auto r = commands_of(m.reset); !r.empty()) {
    p.reset = r.front();
    init.assign(r.begin() + 1, r.end());  // a second command in Reset runs first in the init
  }
  for (const auto& c : m.init)
    for (auto& cmd : commands_of(c.text)) init.push_back(std::move(cmd));
  if (!init.empty() || !m.init.empty()) p.init = std::move(init);
  const std::string prefix = prefix_of(m);
  if (const auto* s = m.setting("DialPrefix")) p.dial_prefix = prefix + expand_inf_macros(s->value);
  if (const auto* s = dial_mode(m, "Tone", "Dial_Tone"); s && s->value.size() == 1) p.tone = s->value[0];
  if (const auto* s = dial_mode(m, "Pulse", "Dial_Pulse"); s && s->value.size() == 1) p.pulse = s->value[0];
  p.dial_suffix.clear();
  if (const auto* s = m.setting("Blind_On")) p.blind_on = prefix + expand_inf_macros(s->value);
  if (auto h = first_command(m.hangup); !h.empty()) p.hangup = h;
  if (auto a = first_command(m.answer); !a.empty()) p.answer = a;
  if (const auto* s = m.setting("SpeakerMode_Dial")) p.speaker_on = prefix + expand_inf_macros(s->value);
  if (const auto* s = m.setting("SpeakerMode_Off")) p.speaker_off = prefix + expand_inf_macros(s->value);
  if (const auto* s = m.setting("ErrorControl_Off")) p.error_control_off = prefix + expand_inf_macros(s->value);
  if (const auto* s = m.setting("Compression_Off")) p.compression_off = prefix + expand_inf_macros(s->value);
  if (!m.responses.empty()) {
    response_table table;
    for (const auto& r : m.responses) {
      if (!usable_reply(r)) continue;
      const auto kind = inf_response_kind(r.state);
      if (r.numeric()) {
        if (r.reply.size() <= 3) table.numeric.push_back({std::stoi(r.reply), kind, r.dce_rate});
      } else {
        table.verbose.push_back({r.reply, kind, r.prefix()});
      }
    }
    p.responses = std::move(table);
  }
  p.identify.usb_ids = usb_ids(m);
  if (!m.manufacturer.empty()) p.identify.manufacturer = {m.manufacturer};
  if (!m.description.empty()) p.identify.model = {m.description};
  return p;
}

}  // namespace dialup
