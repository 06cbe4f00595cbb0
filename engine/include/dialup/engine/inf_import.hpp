// dialup::inf_import — Windows modem INF files (Unimodem) read as modem profiles.
//
// Sans-I/O: text in, a parsed document or an imported model out. Two layers:
//
// 1. parse_inf(): the INF syntax Microsoft documents for every INF file — [sections], one
//    entry per line, `key = value, value, ...`, values in double quotes (`""` is a quote
//    inside them), `;` comments outside quotes, a `\` at the end of a line continuing it on
//    the next, `%strkey%` replaced from the [Strings] sections (`%%` is one `%`), same-named
//    sections merged. Limits: the text at most max_inf_file_size (4 MiB), a physical line
//    at most max_inf_line (4 KiB), a logical (continued) line at most max_inf_logical_line,
//    at most max_inf_sections sections and max_inf_entries entries. A line over a limit is
//    an error naming the line, found after reading at most the limit plus one byte of it.
//
// 2. import_inf(): the Unimodem model (docs/inf-import.md; docs/ras-model.md §8). The
//    models come from [Manufacturer] → the manufacturers' model sections → `%desc% =
//    InstallSection, HardwareID[, CompatibleID...]`. For the chosen model its install
//    section's AddReg lists are followed in order and the HKR values collected as the
//    registry would hold them (a later value replaces an earlier one of the same name unless
//    FLG_ADDREG_NOCLOBBER; FLG_ADDREG_DELVAL deletes): Init, Monitor, Answer, Hangup (numbered
//    commands), Reset, Settings, Responses (10-byte MSS blobs), Properties (eight DWORDs),
//    DCB, InactivityScale, MaximumPortSpeed, CompatibilityFlags. Everything else is kept
//    in inf_modem::unknown with its line, and reported; Include/Needs directives, other
//    registry roots and unused install-section keys are reported as warnings. Nothing is
//    dropped without a word.
//
// Errors (inf_error: file, line, reason; line 0 when no line is to blame): bad syntax, a limit
// passed, no [Version] or [Manufacturer], a models or install section that is absent, an
// unknown or ambiguous model name, several models and none named, bad hex, a Responses value
// that is not 10 bytes, a Properties value shorter than 32 bytes, a DCB shorter than 21 (a DCB
// of another length than its 28 is read with a warning: many INFs write 26 bytes). On
// error the output is untouched: nothing is half-loaded.
//
// Thread safety: plain values and free functions; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialup/engine/at_parser.hpp"
#include "dialup/engine/modem_profile.hpp"

namespace dialup {

inline constexpr std::size_t max_inf_file_size = std::size_t{4} << 20;     // 4 MiB
inline constexpr std::size_t max_inf_line = 4096;                           // one physical line
inline constexpr std::size_t max_inf_logical_line = std::size_t{64} << 10;  // with continuations
inline constexpr std::size_t max_inf_sections = 4096;
inline constexpr std::size_t max_inf_entries = 100000;
inline constexpr std::size_t max_inf_models = 4096;

// Why an INF could not be parsed or a model not imported.
struct inf_error {
  std::string file;
  std::size_t line = 0;  // 1-based; 0 when no single line is to blame
  std::string reason;

  explicit operator bool() const noexcept { return !reason.empty(); }
  // "modem.inf:17: bad hex byte "0G" in Responses" (":line" left out when line is 0).
  std::string message() const;
};

// Something the import read and did not use, or used with a doubt.
struct inf_warning {
  std::size_t line = 0;
  std::string what;
  bool operator==(const inf_warning&) const = default;
};

// One entry of a section: `key = f1, f2, ...` (has_key) or `f1, f2, ...`. Fields are
// unquoted, trimmed and string-substituted; an empty field is "".
struct inf_entry {
  std::size_t line = 0;  // the first physical line of the entry
  bool has_key = false;
  std::string key;
  std::vector<std::string> fields;
  bool operator==(const inf_entry&) const = default;
};

struct inf_section {
  std::string name;      // as first written
  std::size_t line = 0;  // of its first header
  std::vector<inf_entry> entries;
  bool operator==(const inf_section&) const = default;
};

struct inf_document {
  std::string file;
  std::vector<inf_section> sections;
  std::vector<inf_warning> warnings;  // syntax-level: text before any section, undefined %keys%

  // Case-insensitive, as Windows compares section names; nullptr when absent.
  const inf_section* find(std::string_view name) const noexcept;
  bool operator==(const inf_document&) const = default;
};

// Parses INF text. On error `out` is untouched.
inf_error parse_inf(std::string_view text, std::string_view file_name, inf_document& out);

// A model of the INF: one line of a manufacturer's models section.
struct inf_model_ref {
  std::string manufacturer;     // the [Manufacturer] entry's name (substituted)
  std::string description;      // the model's name (substituted)
  std::string install_section;
  std::vector<std::string> hardware_ids;  // the hardware id, then the compatible ids
  std::string models_section;   // where it is listed
  std::size_t line = 0;
  bool operator==(const inf_model_ref&) const = default;
};

// Every model listed, in file order. Errors: no [Version], no [Manufacturer], a
// [Manufacturer] entry whose models section is absent, too many models.
inf_error list_inf_models(const inf_document& doc, std::vector<inf_model_ref>& out);

// One numbered command (Init\1, Hangup\1, ...): as written, with its macros.
struct inf_command {
  std::string number;   // the value name ("1", "2", ...)
  std::string text;     // "AT&F<cr>"
  std::size_t line = 0;
  bool operator==(const inf_command&) const = default;
};

struct inf_setting {
  std::string name;     // "DialPrefix"
  std::string value;    // "D"
  std::size_t line = 0;
  bool operator==(const inf_setting&) const = default;
};

// A Responses entry (docs/ras-model.md §8.3): the reply and its 10-byte MSS structure.
struct inf_response {
  std::string text;          // as written: "<cr><lf>CONNECT 33600<cr><lf>"
  std::string reply;         // what the modem's line is: "CONNECT 33600" (macros expanded,
                             // CR/LF and trailing blanks off the ends)
  std::uint8_t state = 0;    // bResponseState
  std::uint8_t options = 0;  // bNegotiatedOptions
  std::uint32_t dce_rate = 0;  // dwNegotiatedDCERate, bit/s, 0 = unknown
  std::uint32_t dte_rate = 0;  // dwNegotiatedDTERate
  std::size_t line = 0;

  bool numeric() const noexcept;  // a V0 code ("12")
  // Ring cadence and caller ID (states 0x11-0x17) are variable-length: the text is the start
  // of the line ("DATE = " for "DATE = 1207").
  bool prefix() const noexcept { return state >= 0x11 && state <= 0x17; }
  bool compression() const noexcept { return options & 0x01; }    // MDM_COMPRESSION
  bool error_control() const noexcept { return options & 0x02; }  // MDM_ERROR_CONTROL
  bool cellular() const noexcept { return options & 0x08; }       // MDM_CELLULAR
  bool operator==(const inf_response&) const = default;
};

// The name of a bResponseState ("ok", "negotiation_progress", "connect", ..., "caller_id_number",
// "distinctive_ring_double"); "undocumented" for a value the reference does not name.
std::string_view inf_response_state_name(std::uint8_t state) noexcept;
// What the engine's reply parser calls a reply of that state.
response_kind inf_response_kind(std::uint8_t state) noexcept;

// Properties: the MODEMDEVCAPS-like eight DWORDs (docs/ras-model.md §8.4).
struct inf_properties {
  std::size_t line = 0;  // 0: the INF has none
  std::uint32_t dial_options = 0;            // DIALOPTION_BILLING 0x40, QUIET 0x80, DIALTONE 0x100
  std::uint32_t call_setup_fail_timeout = 0; // max seconds; 0 = unsupported
  std::uint32_t inactivity_timeout = 0;      // max, InactivityScale units
  std::uint32_t speaker_volume = 0;          // MDMVOLFLAG_LOW 1, MEDIUM 2, HIGH 4
  std::uint32_t speaker_mode = 0;            // MDMSPKRFLAG_OFF 1, DIAL 2, ON 4, CALLSETUP 8
  std::uint32_t modem_options = 0;           // MDM_*
  std::uint32_t max_dte_rate = 0;
  std::uint32_t max_dce_rate = 0;
  std::vector<std::uint8_t> extra;           // bytes past the eight DWORDs, kept as they are
  bool present() const noexcept { return line != 0; }
  bool operator==(const inf_properties&) const = default;
};

// Names of the bits set in each Properties field; an unnamed bit as "0x...".
std::vector<std::string> inf_dial_option_names(std::uint32_t v);
std::vector<std::string> inf_speaker_volume_names(std::uint32_t v);
std::vector<std::string> inf_speaker_mode_names(std::uint32_t v);
std::vector<std::string> inf_modem_option_names(std::uint32_t v);

// DCB: Microsoft's DCB structure (winbase.h), 28 bytes: DCBlength, BaudRate, the flag bits,
// wReserved, XonLim, XoffLim, ByteSize, Parity, StopBits, the five characters, wReserved1.
struct inf_dcb {
  std::size_t line = 0;  // 0: the INF has none
  std::uint32_t length = 0;
  std::uint32_t baud_rate = 0;
  std::uint32_t flags = 0;
  std::uint8_t byte_size = 0;
  std::uint8_t parity = 0;     // 0 none, 1 odd, 2 even, 3 mark, 4 space
  std::uint8_t stop_bits = 0;  // 0 one, 1 one and a half, 2 two
  std::vector<std::uint8_t> raw;
  bool present() const noexcept { return line != 0; }
  bool rts_cts() const noexcept { return (flags & 0x4) != 0; }        // fOutxCtsFlow
  bool xon_xoff() const noexcept { return (flags & 0x300) != 0; }     // fOutX | fInX
  bool operator==(const inf_dcb&) const = default;
};

// An HKR value the import has no place for, kept as written.
struct inf_value {
  std::size_t line = 0;
  std::string subkey;
  std::string name;
  std::uint32_t flags = 0;
  std::vector<std::string> data;  // the fields after the flags
  bool operator==(const inf_value&) const = default;
};

// One model of an INF, imported.
struct inf_modem {
  std::string file;
  std::string manufacturer;
  std::string description;
  std::string install_section;
  std::vector<std::string> hardware_ids;
  std::size_t model_line = 0;

  std::string reset;                  // "ATZ<cr>", "" when absent
  std::size_t reset_line = 0;
  std::vector<inf_command> init;      // ordered by number
  std::vector<inf_command> monitor;
  std::vector<inf_command> answer;
  std::vector<inf_command> hangup;
  std::vector<inf_setting> settings;  // in the order first written
  std::vector<inf_response> responses;
  inf_properties properties;
  inf_dcb dcb;
  std::optional<std::uint32_t> inactivity_scale;    // seconds per InactivityTimeout unit
  std::optional<std::uint32_t> maximum_port_speed;  // bit/s
  std::vector<std::uint8_t> compatibility_flags;
  std::vector<inf_value> unknown;     // HKR values with no place here
  std::vector<inf_warning> warnings;  // what was not used, and doubts; in line order

  // The Settings value of that name (case-insensitive), or nullptr.
  const inf_setting* setting(std::string_view name) const noexcept;
  // "file:line: what" for one of the warnings.
  std::string message(const inf_warning& w) const;
  bool operator==(const inf_modem&) const = default;
};

// Imports one model. `model` names it by description, install section or a hardware id
// (case-insensitive); empty: the INF's only model. On error `out` is untouched.
inf_error import_inf(const inf_document& doc, std::string_view model, inf_modem& out);
// parse_inf + import_inf; the syntax warnings are merged into out.warnings (in line order).
inf_error import_inf(std::string_view text, std::string_view file_name, std::string_view model,
                     inf_modem& out);

// Unimodem's command macros expanded (docs/ras-model.md §8.1): <cr>, <lf>, <hXX> (one byte),
// << (a '<'). Others, such as <#>, stay as written.
std::string expand_inf_macros(std::string_view text);

// The model as a TOML profile file: the shared profile keys (name, description, reset,
// dial_prefix, tone, pulse, dial_suffix, blind_on, blind_off, hangup, answer, [[init]],
// [[responses]], [identify]) and everything else of the INF under [inf] (docs/inf-import.md).
std::string to_profile_toml(const inf_modem& m);

// The model as today's modem_profile: the generic profile's timing, the INF's reset, init
// (one step per <cr>-terminated command), dial and hang-up commands and its Responses as the
// reply table (V0 codes as numeric codes). See docs/inf-import.md for what has no place.
modem_profile to_modem_profile(const inf_modem& m);

}  // namespace dialup
