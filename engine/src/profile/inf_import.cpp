// inf_import: the INF syntax (sections, entries, quotes, comments, continuations, %strkey%
// substitution) and the Unimodem model on top of it (docs/inf-import.md).
//
// The syntax layer reads the text once, line by line, never looking further than one line
// plus a byte past the line limit, so a 10 MB line is refused after 4 KiB:
//
//   physical line ──strip ';' comment (outside quotes)──> ends in '\' ? ──yes──> join the next
//        │                                                   │no
//        ├─ "[name]" ─────> new (or continued) section       └──> one logical entry
//        └─ blank ────────> skipped
//
// Entries are kept raw (comment-free, quotes in place) until every section is read, because
// [Strings] may come last; then each is split into key and fields with %strkey% replaced.
//
// The model layer: [Manufacturer] → models sections → the chosen model's install section →
// its AddReg sections, whose HKR lines are applied to a small in-memory registry (later
// values replace earlier ones, NOCLOBBER and DELVAL honoured) before the values are read.
#include "dialup/engine/inf_import.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <unordered_map>
#include <utility>

#include "dialup/engine/text.hpp"

namespace dialup {
namespace {

using text::iequals;
using text::lowered;

std::string size_text(std::size_t bytes) {
  if (bytes % (std::size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " bytes";
}

std::string hex2(std::uint8_t b) {
  static constexpr char digits[] = "0123456789abcdef";
  return {digits[b >> 4], digits[b & 0xf]};
}

std::string hex_number(std::uint32_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), digits[v & 0xf]);
    v >>= 4;
  } while (v != 0);
  return "0x" + s;
}

std::string quoted(std::string_view s) { return "\"" + text::escape_bytes(s) + "\""; }

// ---------------------------------------------------------------------------------------
// Syntax

struct raw_entry {
  std::size_t line;
  std::string text;  // comments stripped, continuations joined, quotes in place
};

struct raw_section {
  std::string name;
  std::size_t line;
  std::vector<raw_entry> entries;
};

using string_table = std::unordered_map<std::string, std::string>;  // lowered key -> value

// Splits one logical entry into key and fields. Quotes group (a `""` inside them is a quote),
// blanks outside quotes are trimmed off each field, `%key%` is replaced from `strings`
// (inside quotes too, as Windows does; `%%` is one `%`). `strings` null: no substitution.
inf_entry split_entry(const raw_entry& raw, const string_table* strings,
                      std::vector<inf_warning>& warnings) {
  inf_entry e;
  e.line = raw.line;
  const std::string_view s = raw.text;
  std::string cur;
  std::size_t hard_end = 0;  // cur's length up to its last quoted or non-blank character
  bool in_quote = false;
  bool comma_seen = false;
  auto end_field = [&] {
    cur.resize(hard_end);
    e.fields.push_back(std::move(cur));
    cur.clear();
    hard_end = 0;
  };
  auto add_hard = [&](std::string_view t) {
    cur += t;
    hard_end = cur.size();
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      if (in_quote && i + 1 < s.size() && s[i + 1] == '"') {
        add_hard("\"");
        ++i;
      } else {
        in_quote = !in_quote;
        hard_end = cur.size();
      }
      continue;
    }
    if (c == '%' && strings != nullptr) {
      // The closing '%' must come before the end of the quoted text or unquoted token.
      std::size_t j = i + 1;
      while (j < s.size() && s[j] != '%' && s[j] != '"' && (in_quote || (s[j] != ',' && s[j] != '=')))
        ++j;
      if (j < s.size() && s[j] == '%') {
        const std::string_view name = s.substr(i + 1, j - i - 1);
        if (name.empty()) {
          add_hard("%");
        } else if (auto it = strings->find(lowered(name)); it != strings->end()) {
          add_hard(it->second);
        } else {
          add_hard(s.substr(i, j - i + 1));
          warnings.push_back({raw.line, "undefined string key %" + std::string(name) +
                                            "% is kept as written"});
        }
        i = j;
        continue;
      }
      add_hard("%");
      continue;
    }
    if (!in_quote) {
      if (c == ',') {
        comma_seen = true;
        end_field();
        continue;
      }
      if (c == '=' && !comma_seen && !e.has_key) {
        cur.resize(hard_end);
        e.key = std::move(cur);
        e.has_key = true;
        cur.clear();
        hard_end = 0;
        continue;
      }
      if (text::is_blank(c)) {
        if (!cur.empty()) cur += c;  // kept unless something hard follows
        continue;
      }
    }
    add_hard(std::string_view(&c, 1));
  }
  end_field();
  // A lone empty field ("key =" or a blank value) stays one empty field.
  return e;
}

}  // namespace

std::string inf_error::message() const {
  std::string m = file;
  if (line != 0) m += ":" + std::to_string(line);
  return m + ": " + reason;
}

const inf_section* inf_document::find(std::string_view name) const noexcept {
  for (const auto& s : sections)
    if (iequals(s.name, name)) return &s;
  return nullptr;
}

inf_error parse_inf(std::string_view text, std::string_view file_name, inf_document& out) {
  const std::string file(file_name);
  auto fail = [&](std::size_t line, std::string reason) {
    return inf_error{file, line, std::move(reason)};
  };
  if (text.substr(0, 2) == "\xFF\xFE" || text.substr(0, 2) == "\xFE\xFF")
    return fail(1, "UTF-16 text: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)");
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  std::vector<raw_section> sections;
  std::unordered_map<std::string, std::size_t> section_at;
  std::vector<inf_warning> warnings;
  std::size_t entries = 0;
  raw_section* current = nullptr;
  std::string logical;
  std::size_t logical_line = 0;
  bool continuing = false;
  std::size_t outside_line = 0;  // the first entry outside any section, reported once

  auto finish_logical = [&]() -> std::optional<inf_error> {
    continuing = false;
    if (text::trim(logical).empty()) {
      logical.clear();
      return std::nullopt;
    }
    if (current == nullptr) {
      if (outside_line == 0) outside_line = logical_line;
    } else {
      if (++entries > max_inf_entries)
        return fail(logical_line, "more than " + std::to_string(max_inf_entries) + " entries");
      current->entries.push_back({logical_line, std::string(text::trim(logical))});
    }
    logical.clear();
    return std::nullopt;
  };

  std::size_t pos = 0;
  std::size_t line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    // Never look further than the line limit (and its CR LF) for the end of the line.
    const std::string_view window = text.substr(pos, max_inf_line + 2);
    std::size_t nl = window.find('\n');
    std::string_view line;
    if (nl == std::string_view::npos) {
      if (window.size() > max_inf_line + 1 ||
          (window.size() == max_inf_line + 1 && window.back() != '\r'))
        return fail(line_no, "line longer than " + size_text(max_inf_line));
      line = window;
      pos += window.size();
    } else {
      line = window.substr(0, nl);
      pos += nl + 1;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > max_inf_line) return fail(line_no, "line longer than " + size_text(max_inf_line));
    if (pos > max_inf_file_size)
      return fail(line_no, "the text passes " + size_text(max_inf_file_size) + " (the limit) at this line");

    // Ctrl-Z ends a DOS text file; other control characters have no place in an INF.
    bool eof = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const auto u = static_cast<unsigned char>(line[i]);
      if (u == 0x1A) {
        line = line.substr(0, i);
        eof = true;
        break;
      }
      if ((u < 0x20 && u != '\t') || u == 0x7f)
        return fail(line_no, "control character 0x" + hex2(u) + " in column " + std::to_string(i + 1));
    }

    // The comment goes; a quote must close on its line.
    bool in_quote = false;
    std::size_t cut = line.size();
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '"') in_quote = !in_quote;
      else if (line[i] == ';' && !in_quote) {
        cut = i;
        break;
      }
    }
    if (in_quote) return fail(line_no, "unterminated quoted string");
    std::string_view content = text::trim(line.substr(0, cut));

    if (!continuing && !content.empty() && content.front() == '[') {
      const auto close = content.find(']');
      if (close == std::string_view::npos) return fail(line_no, "'[' without ']' in a section header");
      const std::string_view name = text::trim(content.substr(1, close - 1));
      if (name.empty()) return fail(line_no, "empty section name");
      if (!text::trim(content.substr(close + 1)).empty())
        return fail(line_no, "text after the section header");
      const std::string key = lowered(name);
      if (auto it = section_at.find(key); it != section_at.end()) {
        current = &sections[it->second];  // a repeated section continues the first
      } else {
        if (sections.size() >= max_inf_sections)
          return fail(line_no, "more than " + std::to_string(max_inf_sections) + " sections");
        section_at.emplace(key, sections.size());
        sections.push_back({std::string(name), line_no, {}});
        current = &sections.back();
      }
    } else {
      if (!continuing) logical_line = line_no;
      const bool more = !content.empty() && content.back() == '\\';
      if (more) content.remove_suffix(1);
      if (logical.size() + content.size() > max_inf_logical_line)
        return fail(logical_line, "continued line longer than " + size_text(max_inf_logical_line));
      logical += content;
      if (more) {
        continuing = true;
      } else if (auto e = finish_logical()) {
        return *e;
      }
    }
    if (eof) break;
  }
  if (continuing) {
    if (auto e = finish_logical()) return *e;
  }
  if (outside_line != 0)
    warnings.push_back({outside_line, "text before the first section is ignored"});

  // [Strings] first; a localized [Strings.xxxx] only adds the keys [Strings] lacks.
  string_table strings;
  std::vector<inf_warning> no_warnings;
  auto add_strings = [&](const raw_section& s) {
    for (const auto& r : s.entries) {
      auto e = split_entry(r, nullptr, no_warnings);
      if (!e.has_key || e.key.empty()) {
        warnings.push_back({r.line, "a [" + s.name + "] entry without `key = value` is ignored"});
        continue;
      }
      strings.emplace(lowered(e.key), e.fields.empty() ? std::string() : e.fields.front());
    }
  };
  for (const auto& s : sections)
    if (iequals(s.name, "Strings")) add_strings(s);
  for (const auto& s : sections)
    if (s.name.size() > 8 && iequals(std::string_view(s.name).substr(0, 8), "Strings.")) add_strings(s);

  inf_document doc;
  doc.file = file;
  for (const auto& s : sections) {
    inf_section sec{s.name, s.line, {}};
    const bool is_strings = iequals(s.name, "Strings") ||
                            (s.name.size() > 8 && iequals(std::string_view(s.name).substr(0, 8), "Strings."));
    sec.entries.reserve(s.entries.size());
    for (const auto& r : s.entries)
      sec.entries.push_back(split_entry(r, is_strings ? nullptr : &strings, warnings));
    doc.sections.push_back(std::move(sec));
  }
  std::stable_sort(warnings.begin(), warnings.end(),
                   [](const inf_warning& a, const inf_warning& b) { return a.line < b.line; });
  doc.warnings = std::move(warnings);
  out = std::move(doc);
  return {};
}

// -----------------------------------------------------------------------------------------
// Models

namespace {

struct model_listing {
  std::vector<inf_model_ref> models;
  std::vector<inf_warning> warnings;
};

inf_error list_models(const inf_document& doc, model_listing& out) {
  auto fail = [&](std::size_t line, std::string reason) {
    return inf_error{doc.file, line, std::move(reason)};
  };
  const inf_section* version = doc.find("Version");
  if (version == nullptr) return fail(0, "no [Version] section: not an INF file");
  model_listing l;
  bool signature = false;
  for (const auto& e : version->entries) {
    if (!e.has_key) continue;
    const std::string value = e.fields.empty() ? std::string() : e.fields.front();
    if (iequals(e.key, "Signature")) {
      signature = true;
      if (!iequals(value, "$Windows NT$") && !iequals(value, "$Chicago$") && !iequals(value, "$Windows 95$"))
        l.warnings.push_back({e.line, "Signature " + quoted(value) + " is not $Windows NT$ or $Chicago$"});
    } else if (iequals(e.key, "Class") && !iequals(value, "Modem")) {
      l.warnings.push_back({e.line, "Class is " + quoted(value) + ", not Modem: this may not be a modem INF"});
    }
  }
  if (!signature) l.warnings.push_back({version->line, "[Version] has no Signature"});
  const inf_section* mfg = doc.find("Manufacturer");
  if (mfg == nullptr) return fail(0, "no [Manufacturer] section: the INF lists no models");
  for (const auto& e : mfg->entries) {
    if (e.fields.empty() || e.fields.front().empty())
      return fail(e.line, "a [Manufacturer] entry names no models section");
    const std::string name = e.has_key ? e.key : e.fields.front();
    const std::string& base = e.fields.front();
    // `%Mfg% = Models, NTamd64` lists [Models] and the decorated [Models.NTamd64].
    std::vector<const inf_section*> lists;
    if (const auto* s = doc.find(base)) lists.push_back(s);
    for (std::size_t i = 1; i < e.fields.size(); ++i) {
      if (e.fields[i].empty()) continue;
      if (const auto* s = doc.find(base + "." + e.fields[i]); s != nullptr &&
          std::find(lists.begin(), lists.end(), s) == lists.end())
        lists.push_back(s);
    }
    if (lists.empty())
      return fail(e.line, "[Manufacturer] names the models section [" + base + "], which is absent");
    for (const auto* s : lists) {
      for (const auto& m : s->entries) {
        if (!m.has_key || m.fields.empty() || m.fields.front().empty())
          return fail(m.line, "a model entry must read `description = install-section, hardware-id`");
        if (l.models.size() >= max_inf_models)
          return fail(m.line, "more than " + std::to_string(max_inf_models) + " models");
        inf_model_ref r;
        r.manufacturer = name;
        r.description = m.key;
        r.install_section = m.fields.front();
        for (std::size_t i = 1; i < m.fields.size(); ++i)
          if (!m.fields[i].empty()) r.hardware_ids.push_back(m.fields[i]);
        if (r.hardware_ids.empty()) l.warnings.push_back({m.line, "model " + quoted(r.description) + " has no hardware id"});
        r.models_section = s->name;
        r.line = m.line;
        l.models.push_back(std::move(r));
      }
    }
  }
  out = std::move(l);
  return {};
}

std::string describe_models(const std::vector<inf_model_ref>& models) {
  std::string s;
  for (const auto& m : models) {
    if (!s.empty()) s += "; ";
    s += quoted(m.description) + " (" + m.install_section;
    for (const auto& id : m.hardware_ids) s += ", " + id;
    s += ")";
  }
  return s;
}

bool same_install(const std::vector<const inf_model_ref*>& c) {
  for (const auto* m : c)
    if (!iequals(m->install_section, c.front()->install_section)) return false;
  return true;
}

// One registry value as the AddReg lines leave it.
struct reg_value {
  std::size_t line = 0;
  std::string subkey;
  std::string name;
  std::uint32_t flags = 0;
  std::vector<std::string> data;
  bool binary = false;
  std::vector<std::uint8_t> bytes;
};

constexpr std::uint32_t flg_binvaluetype = 0x1;
constexpr std::uint32_t flg_noclobber = 0x2;
constexpr std::uint32_t flg_delval = 0x4;
constexpr std::uint32_t flg_keyonly = 0x10;
constexpr std::uint32_t flg_type_dword = 0x10001;
constexpr std::uint32_t flg_type_multi_sz = 0x10000;
constexpr std::uint32_t flg_type_expand_sz = 0x20000;

bool parse_number(std::string_view s, std::uint32_t& v) {
  s = text::trim(s);
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  return ec == std::errc{} && p == s.data() + s.size();
}

bool parse_hex_byte(std::string_view s, std::uint8_t& b) {
  s = text::trim(s);
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  if (s.empty() || s.size() > 2) return false;
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc{} || p != s.data() + s.size()) return false;
  b = static_cast<std::uint8_t>(v);
  return true;
}

std::uint32_t dword_at(const std::vector<std::uint8_t>& b, std::size_t at) {
  return std::uint32_t{b[at]} | std::uint32_t{b[at + 1]} << 8 | std::uint32_t{b[at + 2]} << 16 |
         std::uint32_t{b[at + 3]} << 24;
}

std::string value_path(std::string_view subkey, std::string_view name) {
  std::string p = "HKR";
  if (!subkey.empty()) p += "\\" + std::string(subkey);
  return p + "\\" + std::string(name);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The Settings names Unimodem documents (docs/ras-model.md §8.2), with the Windows 95
// resource kit's and Windows CE's spellings.
constexpr std::string_view documented_settings[] = {
    "Prefix", "Terminator", "DialPrefix", "DialSuffix", "Tone", "Pulse", "Dial_Tone",
    "Dial_Pulse", "Blind_Off", "Blind_On", "CallSetupFailTimer", "CallSetupFailTimeout",
    "InactivityTimeout", "SpeakerVolume_Low", "SpeakerVolume_Med", "SpeakerVolume_High",
    "SpeakerMode_Off", "SpeakerMode_Dial", "SpeakerMode_On", "SpeakerMode_Setup",
    "FlowControl_Off", "FlowControl_Hard", "FlowControl_Soft", "ErrorControl_On",
    "ErrorControl_Off", "ErrorControl_Forced", "ErrorControl_Cellular", "Compression_On",
    "Compression_Off", "Modulation_CCITT", "Modulation_Bell", "SpeedNegotiation_On",
    "SpeedNegotiation_Off", "DialBilling", "CmdSendDelay", "AnswerTimeout", "DccRetries",
};

bool documented_setting(std::string_view name) {
  return std::any_of(std::begin(documented_settings), std::end(documented_settings),
                     [&](std::string_view d) { return iequals(d, name); });
}

// The reply a Responses text stands for: macros expanded, line ends and trailing blanks off.
std::string reply_of(std::string_view text) {
  std::string r = expand_inf_macros(text);
  std::size_t b = 0;
  while (b < r.size() && (r[b] == '\r' || r[b] == '\n')) ++b;
  std::size_t e = r.size();
  while (e > b && (r[e - 1] == '\r' || r[e - 1] == '\n' || r[e - 1] == ' ' || r[e - 1] == '\t')) --e;
  return r.substr(b, e - b);
}

}  // namespace

inf_error list_inf_models(const inf_document& doc, std::vector<inf_model_ref>& out) {
  model_listing l;
  if (auto e = list_models(doc, l)) return e;
  out = std::move(l.models);
  return {};
}

bool inf_response::numeric() const noexcept {
  return !reply.empty() && std::all_of(reply.begin(), reply.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view inf_response_state_name(std::uint8_t state) noexcept {
  // docs/ras-model.md §8.3 (Win95/98 DDK, WDK "Response State").
  switch (state) {
    case 0x00: return "ok";
    case 0x01: return "negotiation_progress";
    case 0x02: return "connect";
    case 0x03: return "error";
    case 0x04: return "no_carrier";
    case 0x05: return "no_dialtone";
    case 0x06: return "busy";
    case 0x07: return "no_answer";
    case 0x08: return "ring";
    case 0x09: return "voiceview_ssv";
    case 0x0A: return "voiceview_smd";
    case 0x0B: return "voiceview_sfa";
    case 0x0C: return "voiceview_sra";
    case 0x0D: return "voiceview_srq";
    case 0x0E: return "voiceview_src";
    case 0x0F: return "voiceview_sto";
    case 0x10: return "voiceview_svm";
    case 0x11: return "ring_duration";
    case 0x12: return "ring_break";
    case 0x13: return "caller_id_date";
    case 0x14: return "caller_id_time";
    case 0x15: return "caller_id_number";
    case 0x16: return "caller_id_name";
    case 0x17: return "caller_id_message";
    case 0x18: return "distinctive_ring_single";
    case 0x19: return "distinctive_ring_double";
    case 0x1A: return "distinctive_ring_triple";
    default: return "undocumented";
  }
}

response_kind inf_response_kind(std::uint8_t state) noexcept {
  using k = response_kind;
  switch (state) {
    case 0x00: return k::ok;
    case 0x01: return k::progress;
    case 0x02: return k::connect;
    case 0x03: return k::error;
    case 0x04: return k::no_carrier;
    case 0x05: return k::no_dialtone;
    case 0x06: return k::busy;
    case 0x07: return k::no_answer;
    case 0x08: case 0x18: case 0x19: case 0x1A: return k::ring;
    case 0x13: case 0x14: case 0x15: case 0x16: case 0x17: return k::caller_id;
    default: return k::unsolicited;  // VoiceView, ring cadence, undocumented: never final
  }
}

namespace {

std::vector<std::string> bit_names(std::uint32_t v, std::initializer_list<std::pair<std::uint32_t, std::string_view>> names) {
  std::vector<std::string> out;
  for (const auto& [bit, name] : names) {
    if (v & bit) {
      out.emplace_back(name);
      v &= ~bit;
    }
  }
  for (std::uint32_t bit = 1; bit != 0; bit <<= 1)
    if (v & bit) out.push_back(hex_number(bit));
  return out;
}

}  // namespace

std::vector<std::string> inf_dial_option_names(std::uint32_t v) {
  return bit_names(v, {{0x40, "billing"}, {0x80, "quiet"}, {0x100, "dialtone"}});
}

std::vector<std::string> inf_speaker_volume_names(std::uint32_t v) {
  return bit_names(v, {{1, "low"}, {2, "medium"}, {4, "high"}});
}

std::vector<std::string> inf_speaker_mode_names(std::uint32_t v) {
  return bit_names(v, {{1, "off"}, {2, "dial"}, {4, "on"}, {8, "callsetup"}});
}

std::vector<std::string> inf_modem_option_names(std::uint32_t v) {
  // mcx.h MDM_* (docs/ras-model.md §8.4); bearer mode and protocol fields are left as bits.
  return bit_names(v, {{0x1, "compression"}, {0x2, "error_control"}, {0x4, "forced_ec"},
                       {0x8, "cellular"}, {0x10, "flowcontrol_hard"}, {0x20, "flowcontrol_soft"},
                       {0x40, "ccitt_override"}, {0x80, "speed_adjust"}, {0x100, "tone_dial"},
                       {0x200, "blind_dial"}, {0x400, "v23_override"}, {0x800, "diagnostics"}});
}

std::string expand_inf_macros(std::string_view t) {
  std::string out;
  out.reserve(t.size());
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '<') {
      auto rest = t.substr(i);
      if (rest.size() >= 4 && iequals(rest.substr(0, 4), "<cr>")) {
        out += '\r';
        i += 3;
        continue;
      }
      if (rest.size() >= 4 && iequals(rest.substr(0, 4), "<lf>")) {
        out += '\n';
        i += 3;
        continue;
      }
      if (rest.size() >= 2 && rest[1] == '<') {
        out += '<';
        ++i;
        continue;
      }
      std::uint8_t b = 0;
      if (rest.size() >= 5 && (rest[1] == 'h' || rest[1] == 'H') && rest[4] == '>' &&
          parse_hex_byte(rest.substr(2, 2), b) && rest[2] != ' ' && rest[3] != ' ') {
        out += static_cast<char>(b);
        i += 4;
        continue;
      }
    }
    out += t[i];
  }
  return out;
}

const inf_setting* inf_modem::setting(std::string_view name) const noexcept {
  for (const auto& s : settings)
    if (iequals(s.name, name)) return &s;
  return nullptr;
}

std::string inf_modem::message(const inf_warning& w) const {
  return inf_error{file, w.line, w.what}.message();
}

inf_error import_inf(const inf_document& doc, std::string_view model, inf_modem& out) {
  auto fail = [&](std::size_t line, std::string reason) {
    return inf_error{doc.file, line, std::move(reason)};
  };
  model_listing listing;
  if (auto e = list_models(doc, listing)) return e;
  const auto& models = listing.models;
  if (models.empty()) return fail(doc.find("Manufacturer")->line, "[Manufacturer] lists no models");

  // Which model.
  std::vector<const inf_model_ref*> chosen;
  if (model.empty()) {
    for (const auto& m : models) chosen.push_back(&m);
    if (!same_install(chosen))
      return fail(0, "the INF has " + std::to_string(models.size()) +
                         " models; name one by its description, install section or hardware id: " +
                         describe_models(models));
  } else {
    for (const auto& m : models) {
      bool hit = iequals(m.description, model) || iequals(m.install_section, model);
      for (const auto& id : m.hardware_ids) hit = hit || iequals(id, model);
      if (hit) chosen.push_back(&m);
    }
    if (chosen.empty())
      return fail(0, "no model " + quoted(model) + " in the INF; its models: " + describe_models(models));
    if (!same_install(chosen)) {
      std::vector<inf_model_ref> named;
      for (const auto* m : chosen) named.push_back(*m);
      return fail(0, quoted(model) + " names several models: " + describe_models(named));
    }
  }
  const inf_model_ref& ref = *chosen.front();

  inf_modem m;
  m.file = doc.file;
  m.manufacturer = ref.manufacturer;
  m.description = ref.description;
  m.hardware_ids = ref.hardware_ids;
  m.model_line = ref.line;
  std::vector<inf_warning> warnings = doc.warnings;
  warnings.insert(warnings.end(), listing.warnings.begin(), listing.warnings.end());

  // The install section: the NT-decorated one first, as Windows picks it.
  const inf_section* install = nullptr;
  for (const char* deco : {".NTamd64", ".NT", ""}) {
    if ((install = doc.find(ref.install_section + deco)) != nullptr) break;
  }
  if (install == nullptr)
    return fail(ref.line, "the install section [" + ref.install_section + "] of model " +
                              quoted(ref.description) + " is absent");
  m.install_section = install->name;

  // Its AddReg sections, in order.
  std::vector<std::pair<const inf_section*, std::size_t>> addreg;  // the section, the naming line
  for (const auto& e : install->entries) {
    if (!e.has_key) {
      warnings.push_back({e.line, "install-section line without `key = value` is not used"});
      continue;
    }
    if (iequals(e.key, "AddReg")) {
      for (const auto& name : e.fields) {
        if (name.empty()) continue;
        const auto* s = doc.find(name);
        if (s == nullptr) return fail(e.line, "the AddReg section [" + name + "] is absent");
        addreg.emplace_back(s, e.line);
      }
    } else if (iequals(e.key, "Include") || iequals(e.key, "Needs")) {
      std::string list;
      for (const auto& f : e.fields) list += (list.empty() ? "" : ", ") + f;
      warnings.push_back({e.line, e.key + " = " + list +
                                      " is not followed: values from other INF files are missing from this import"});
    } else {
      warnings.push_back({e.line, "install-section key " + e.key + " is not used"});
    }
  }

  // The modem's registry key (HKR), as the AddReg lines leave it.
  std::vector<reg_value> reg;
  std::map<std::string, std::size_t> reg_at;  // "subkey\name" lowered -> index in reg
  std::vector<bool> deleted;
  for (const auto& [section, naming_line] : addreg) {
    for (const auto& e : section->entries) {
      std::vector<std::string> f = e.fields;
      if (e.has_key) {
        warnings.push_back({e.line, "a registry line with `=` before its first comma is not used"});
        continue;
      }
      if (f.empty() || f.front().empty()) continue;
      if (!iequals(f[0], "HKR")) {
        warnings.push_back({e.line, "registry root " + f[0] + " is not the modem's key (HKR): not used"});
        continue;
      }
      f.resize(std::max<std::size_t>(f.size(), 4));
      std::uint32_t flags = 0;
      if (!f[3].empty() && !parse_number(f[3], flags))
        return fail(e.line, "bad registry flags " + quoted(f[3]));
      if (flags & flg_keyonly) continue;  // creates the key, holds no value
      reg_value v;
      v.line = e.line;
      v.subkey = f[1];
      v.name = f[2];
      v.flags = flags;
      v.data.assign(f.begin() + 4, f.end());
      const std::string id = lowered(v.subkey) + "\\" + lowered(v.name);
      auto it = reg_at.find(id);
      const bool exists = it != reg_at.end() && !deleted[it->second];
      if (flags & flg_delval) {
        if (exists) deleted[it->second] = true;
        continue;
      }
      if ((flags & flg_noclobber) && exists) continue;
      const std::uint32_t known = flg_binvaluetype | flg_noclobber | flg_type_multi_sz | flg_type_expand_sz;
      static_assert((flg_type_dword & ~known) == 0);
      if (flags & ~known)
        warnings.push_back({e.line, "registry flags " + hex_number(flags) + " of " + value_path(v.subkey, v.name) +
                                        " are read as " + (flags & flg_binvaluetype ? "binary" : "a string")});
      if (flags == flg_type_dword && v.data.size() == 1) {
        // REG_DWORD written as a number (decimal, or hex with 0x).
        std::uint32_t n = 0;
        if (!parse_number(v.data[0], n))
          return fail(e.line, "bad DWORD " + quoted(v.data[0]) + " for " + value_path(v.subkey, v.name));
        v.binary = true;
        v.bytes = {std::uint8_t(n), std::uint8_t(n >> 8), std::uint8_t(n >> 16), std::uint8_t(n >> 24)};
      } else if (flags & flg_binvaluetype) {
        v.binary = true;
        for (const auto& b : v.data) {
          std::uint8_t byte = 0;
          if (!parse_hex_byte(b, byte))
            return fail(e.line, "bad hex byte " + quoted(b) + " in " + value_path(v.subkey, v.name));
          v.bytes.push_back(byte);
        }
      }
      if (exists) {
        reg[it->second] = std::move(v);  // a later line replaces the value, in its place
      } else {
        if (it != reg_at.end()) {
          deleted[it->second] = false;
          reg[it->second] = std::move(v);
        } else {
          reg_at.emplace(id, reg.size());
          reg.push_back(std::move(v));
          deleted.push_back(false);
        }
      }
    }
  }

  // The values read.
  auto first_text = [](const reg_value& v) { return v.data.empty() ? std::string() : v.data.front(); };
  auto unknown = [&](const reg_value& v, const std::string& why) {
    m.unknown.push_back({v.line, v.subkey, v.name, v.flags, v.data});
    warnings.push_back({v.line, value_path(v.subkey, v.name) + " " + why});
  };
  auto dword_value = [&](const reg_value& v, std::optional<std::uint32_t>& into) -> std::optional<inf_error> {
    if (!v.binary || v.bytes.size() != 4)
      return fail(v.line, value_path(v.subkey, v.name) + " must be a DWORD (4 binary bytes)");
    into = dword_at(v.bytes, 0);
    return std::nullopt;
  };
  std::vector<std::pair<std::uint64_t, inf_command>> init, monitor, answer, hangup;
  for (std::size_t i = 0; i < reg.size(); ++i) {
    if (deleted[i]) continue;
    const reg_value& v = reg[i];
    const std::string sub = lowered(v.subkey);
    if (sub.empty()) {
      if (iequals(v.name, "Reset")) {
        if (v.binary) return fail(v.line, "HKR\\Reset must be a string");
        m.reset = first_text(v);
        m.reset_line = v.line;
      } else if (iequals(v.name, "Properties")) {
        if (!v.binary) return fail(v.line, "HKR\\Properties must be binary (flags 1)");
        if (v.bytes.size() < 32)
          return fail(v.line, "HKR\\Properties holds " + std::to_string(v.bytes.size()) +
                                  " bytes; its eight DWORDs need 32");
        auto& p = m.properties;
        p = {};
        p.line = v.line;
        p.dial_options = dword_at(v.bytes, 0);
        p.call_setup_fail_timeout = dword_at(v.bytes, 4);
        p.inactivity_timeout = dword_at(v.bytes, 8);
        p.speaker_volume = dword_at(v.bytes, 12);
        p.speaker_mode = dword_at(v.bytes, 16);
        p.modem_options = dword_at(v.bytes, 20);
        p.max_dte_rate = dword_at(v.bytes, 24);
        p.max_dce_rate = dword_at(v.bytes, 28);
        p.extra.assign(v.bytes.begin() + 32, v.bytes.end());
        if (!p.extra.empty())
          warnings.push_back({v.line, "HKR\\Properties has " + std::to_string(p.extra.size()) +
                                          " bytes past its eight DWORDs; they are kept as raw bytes"});
      } else if (iequals(v.name, "DCB")) {
        if (!v.binary) return fail(v.line, "HKR\\DCB must be binary (flags 1)");
        // Many INFs write 26 bytes (no wReserved1) under a DCBlength of 28; what is read ends
        // at StopBits, byte 20.
        if (v.bytes.size() < 21)
          return fail(v.line, "HKR\\DCB holds " + std::to_string(v.bytes.size()) +
                                  " bytes; the DCB needs at least 21 (up to StopBits)");
        auto& d = m.dcb;
        d = {};
        d.line = v.line;
        d.raw = v.bytes;
        d.length = dword_at(v.bytes, 0);
        d.baud_rate = dword_at(v.bytes, 4);
        d.flags = dword_at(v.bytes, 8);
        d.byte_size = v.bytes[18];
        d.parity = v.bytes[19];
        d.stop_bits = v.bytes[20];
        if (d.length != 28 || v.bytes.size() != 28)
          warnings.push_back({v.line, "HKR\\DCB's DCBlength is " + std::to_string(d.length) + " in " +
                                          std::to_string(v.bytes.size()) + " bytes; 28 expected"});
      } else if (iequals(v.name, "InactivityScale")) {
        if (auto e = dword_value(v, m.inactivity_scale)) return *e;
      } else if (iequals(v.name, "MaximumPortSpeed")) {
        if (auto e = dword_value(v, m.maximum_port_speed)) return *e;
      } else if (iequals(v.name, "CompatibilityFlags")) {
        if (!v.binary) return fail(v.line, "HKR\\CompatibilityFlags must be binary");
        m.compatibility_flags = v.bytes;
      } else {
        unknown(v, "is not a value the import reads (kept under [inf.unknown])");
      }
    } else if (sub == "init" || sub == "monitor" || sub == "answer" || sub == "hangup") {
      if (!all_digits(v.name) || v.name.size() > 9) {
        unknown(v, "is not a numbered command (kept under [inf.unknown])");
        continue;
      }
      if (v.binary) return fail(v.line, value_path(v.subkey, v.name) + " must be a string");
      auto& list = sub == "init" ? init : sub == "monitor" ? monitor : sub == "answer" ? answer : hangup;
      list.emplace_back(std::stoull(v.name), inf_command{v.name, first_text(v), v.line});
    } else if (sub == "settings") {
      if (v.binary) return fail(v.line, value_path(v.subkey, v.name) + " must be a string");
      if (v.name.empty()) {
        unknown(v, "(the Settings key's default value) is not a setting");
        continue;
      }
      if (!documented_setting(v.name))
        warnings.push_back({v.line, "Settings\\" + v.name + " is not a documented Unimodem setting; kept under [inf.settings]"});
      m.settings.push_back({v.name, first_text(v), v.line});
    } else if (sub == "responses") {
      if (!v.binary) return fail(v.line, "Responses " + quoted(v.name) + " must be binary (flags 1)");
      if (v.bytes.size() != 10)
        return fail(v.line, "Responses " + quoted(v.name) + " holds " + std::to_string(v.bytes.size()) +
                                " bytes; it must be 10 (state, options, DCE rate, DTE rate)");
      inf_response r;
      r.text = v.name;
      r.reply = reply_of(v.name);
      r.state = v.bytes[0];
      r.options = v.bytes[1];
      r.dce_rate = dword_at(v.bytes, 2);
      r.dte_rate = dword_at(v.bytes, 6);
      r.line = v.line;
      if (inf_response_state_name(r.state) == "undocumented")
        warnings.push_back({v.line, "Responses " + quoted(v.name) + ": state 0x" + hex2(r.state) +
                                        " is not documented; read as an unsolicited line"});
      if (r.options & ~0x0Bu)
        warnings.push_back({v.line, "Responses " + quoted(v.name) + ": options byte 0x" + hex2(r.options) +
                                        " has undocumented bits 0x" + hex2(r.options & ~0x0Bu)});
      if (r.options != 0 && r.state != 0x01 && r.state != 0x02)
        warnings.push_back({v.line, "Responses " + quoted(v.name) +
                                        ": negotiated options belong to progress and CONNECT replies only"});
      if ((r.dce_rate != 0 || r.dte_rate != 0) && r.state != 0x01 && r.state != 0x02)
        warnings.push_back({v.line, "Responses " + quoted(v.name) +
                                        ": rates belong to progress and CONNECT replies only"});
      if (r.reply.empty())
        warnings.push_back({v.line, "Responses " + quoted(v.name) + " is an empty line; the engine never sees it"});
      else if (r.reply.find_first_of("\r\n") != std::string::npos)
        warnings.push_back({v.line, "Responses " + quoted(v.name) +
                                        " spans several lines; the engine matches one line at a time"});
      m.responses.push_back(std::move(r));
    } else {
      unknown(v, "is not a value the import reads (kept under [inf.unknown])");
    }
  }
  auto ordered = [&](std::vector<std::pair<std::uint64_t, inf_command>>& list, std::vector<inf_command>& into,
                     const char* what) {
    std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 1; i < list.size(); ++i)
      if (list[i].first == list[i - 1].first)
        warnings.push_back({list[i].second.line, std::string(what) + "\\" + list[i].second.number +
                                                     " and " + what + "\\" + list[i - 1].second.number +
                                                     " have the same number; both are kept, in file order"});
    for (auto& c : list) into.push_back(std::move(c.second));
  };
  ordered(init, m.init, "Init");
  ordered(monitor, m.monitor, "Monitor");
  ordered(answer, m.answer, "Answer");
  ordered(hangup, m.hangup, "Hangup");
  if (m.init.empty()) warnings.push_back({install->line, "the model has no Init commands"});
  if (m.responses.empty()) warnings.push_back({install->line, "the model has no Responses"});

  std::stable_sort(warnings.begin(), warnings.end(),
                   [](const inf_warning& a, const inf_warning& b) { return a.line < b.line; });
  m.warnings = std::move(warnings);
  out = std::move(m);
  return {};
}

inf_error import_inf(std::string_view text, std::string_view file_name, std::string_view model,
                     inf_modem& out) {
  inf_document doc;
  if (auto e = parse_inf(text, file_name, doc)) return e;
  return import_inf(doc, model, out);
}

}  // namespace dialup
