// dialup::phonebook — Windows rasphone.pbk phone books (read, edit, write) and wvdial.conf
// import. Sans-I/O — text in, values out; the caller writes the files — except for
// phonebook::load and wvdial_config::load, which read a file of at most a documented size
// (max_phonebook_file_size, max_wvdial_file_size; read_bounded_file).
//
// rasphone.pbk (docs/ras-model.md §7; MS-RRASM §2.2.2)
// - INI-like 8-bit text: `[Entry name]` sections of `key=value` lines. Inside an entry,
//   the lines `NETCOMPONENTS=`, `MEDIA=<media>` and `DEVICE=<type>` start subsections.
//   These three keys are matched case-sensitively (upper case), because `Device=<TAPI
//   name>` inside a MEDIA subsection is an ordinary key that differs only in case. Every
//   other key is matched case-insensitively, spaces around it ignored.
// - Each MEDIA subsection starts a link (multilink: the second MEDIA is sub-entry 2). The
//   link's devices follow it: an optional `DEVICE=switch` before the main device (terminal
//   or script before dialling), the main device (`DEVICE=modem`, `isdn`, `vpn`, ...),
//   optional further switches after it (terminal / script after dialling).
// - In the main device, each `PhoneNumber=` line starts a group that takes the following
//   `AreaCode`, `CountryCode`, `CountryID`, `UseDialingRules`, `Comment`, `FriendlyName`
//   lines; the first group is the primary number, the rest are alternates in order.
// - Sections whose name starts with '.' (`[.]`, `[.Prefix]`, NT 3.x/4 global settings) are
//   kept verbatim and are not entries.
//
// Lossless by construction: every line of an entry (known keys, unknown keys, blank lines,
// `;` comments, repeated keys such as multi-line `TapiBlob=` hex dumps) is kept, in order,
// in phonebook_entry::layout. The typed fields of phonebook_entry are read from the layout
// when parsing; when writing, a typed field that no longer matches the layout is written
// back into it (in place, or appended to its section/subsection), and nothing else changes.
// So parse -> serialize reproduces a file byte for byte except that lines end in CRLF (and
// a missing final line break is added); a UTF-8 BOM is kept.
//
// Lenient (accepted, kept, never an error): unknown keys anywhere, repeated keys (the
// first one is interpreted), blank lines, lines whose first non-blank character is ';',
// an empty value for a key that holds a number (read as the key's default, kept as written),
// a NETCOMPONENTS subsection anywhere, several DEVICE subsections per
// MEDIA, any DEVICE= value (vpn, PPPoE, isdn: kept; check_dialable() tells the caller),
// entries with no PhoneNumber, 8-bit bytes that are not UTF-8 (kept as they are).
// Errors (ras_error::corrupt_phonebook, 625, with file, line and reason): a key=value
// line before any section ("key outside any entry"); a line that is neither a section,
// key=value, blank nor comment ("line has no '='"); '[' without ']' ("unterminated '['");
// text after ']' ("text after ']'"); an empty or too long (> 256) entry name; a key with
// no name ("empty key"); a duplicate entry name (case-insensitive, as Windows); a DEVICE
// before any MEDIA; an entry without MEDIA or without DEVICE (reported at its header);
// a line longer than 65536 bytes; a key dialup reads as a number or a 0/1 flag (the rows
// of the key table: RedialAttempts, ConnectBPS, Speaker, CountryCode, ...; at the entry
// level, in a MEDIA or in a modem DEVICE subsection, where the table puts it) whose value
// is not a decimal in the key's range ("RedialAttempts: not a number from 0 to 4294967295:
// "lots"" — read as 0 it would silently change the dial). On error the output phone book is
// left untouched.
// Parsing and serializing take time linear in the size of the text.
//
// The keys dialup interprets (the typed fields of phonebook_entry) are one table, in
// phonebook_entry.cpp: each key's name, where it lives, its type and the field it maps to.
// Reading an entry, writing it back and set_entry_key() all go through that table.
//
// wvdial.conf (docs/peers.md §1.2, §1.5; wvdial 1.61 wvdialer.cc load_options()):
// see wvdial_config below.
//
// Thread safety: none of these types has shared state; distinct objects may be used from
// distinct threads, one object from one thread at a time. No function here logs. The
// describe() functions never print a password.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "dialup/engine/dial_entry.hpp"
#include "dialup/engine/ras_error.hpp"

namespace dialup {

inline constexpr std::size_t max_entry_name = 256;  // RAS_MaxEntryName
inline constexpr std::size_t max_pbk_line = 65536;  // longer lines are refused

// The largest files phonebook::load and wvdial_config::load read. A rasphone.pbk entry
// takes about 2 KiB as Windows writes it, so 16 MiB holds several thousand; a wvdial.conf
// is a few dialers of a few lines each.
inline constexpr std::size_t max_phonebook_file_size = std::size_t{16} << 20;  // 16 MiB
inline constexpr std::size_t max_wvdial_file_size = std::size_t{1} << 20;      // 1 MiB

// Why a phone book (or wvdial.conf) could not be loaded, or an import failed.
struct phonebook_error {
  std::error_code code;  // ras_error::corrupt_phonebook (625) for bad text;
                         // cannot_find_phonebook_entry (623) for a missing dialer
  std::string file;      // the name given to the parser
  std::size_t line = 0;  // 1-based; 0 when no line is to blame
  std::string reason;    // "key outside any entry"

  explicit operator bool() const noexcept { return static_cast<bool>(code); }
  // "phonebook.pbk:17: key outside any entry" (":line" left out when line is 0).
  std::string message() const;
};

// Reads the whole file `path` into `out` when it holds at most `limit` bytes. Whatever the
// file is — a regular file, a character device such as /dev/zero, a FIFO — at most
// limit + 1 bytes are read (stat is not trusted for the size; it only lets a regular file
// that is already too large be refused unread). Blocks as read(2) does: a FIFO until a
// writer opens it, a terminal until end of file. Errors, with `out` untouched and the file
// name in phonebook_error::file: ras_error::cannot_open_phonebook (621), "cannot open:
// <strerror>" or "cannot read: <strerror>" (a directory: "Is a directory");
// ras_error::cannot_load_phonebook (622), "larger than 16 MiB" (the limit, in MiB, KiB or
// bytes).
phonebook_error read_bounded_file(const std::string& path, std::size_t limit, std::string& out);

// One line of an entry as written (without its line break).
struct pbk_line {
  enum class kind : std::uint8_t { pair, blank, comment };
  kind what = kind::pair;
  std::string key;    // pair: the text before the first '=', as written (spaces kept);
                      // blank/comment: the whole line
  std::string value;  // pair: the text after the first '=', as written

  bool operator==(const pbk_line&) const = default;
};

// A NETCOMPONENTS=, MEDIA= or DEVICE= subsection: its header line and the lines up to the
// next subsection or entry.
struct pbk_subsection {
  std::string kind;   // "NETCOMPONENTS", "MEDIA" or "DEVICE"
  std::string value;  // "rastapi", "modem", ... as written
  std::vector<pbk_line> lines;

  bool operator==(const pbk_subsection&) const = default;
};

// The text of one entry.
struct pbk_layout {
  std::string header;                       // the "[name]" line as written ("" = new entry)
  std::vector<pbk_line> lines;              // entry-level lines before the first subsection
  std::vector<pbk_subsection> subsections;  // in file order

  bool operator==(const pbk_layout&) const = default;
};

// One PhoneNumber group (RASENTRY szLocalPhoneNumber, szAreaCode, dwCountryCode,
// dwCountryID, RASEO_UseCountryAndAreaCodes).
struct pbk_phone_number {
  std::string number;
  std::string area_code;
  std::uint32_t country_code = 0;
  std::uint32_t country_id = 0;
  bool use_dialing_rules = false;
  std::string comment;

  bool operator==(const pbk_phone_number&) const = default;
};

// A phone-book entry. Typed fields describe link 1 (the first MEDIA subsection); every
// line, interpreted or not, is in `layout`. Key by key (E = entry level, M = link 1's MEDIA,
// D = link 1's main DEVICE, S = a DEVICE=switch of link 1), with the value used when absent:
struct phonebook_entry {
  std::string name;
  std::uint32_t type = 1;                    // E Type: RASET_* (1 phone, 2 VPN, 5 broadband)
  std::string media = "rastapi";             // M the MEDIA= value
  std::string port;                          // M Port (COM3, VPN2-0, ...; kept as given)
  std::string device;                        // M Device: the TAPI device name
  std::uint32_t connect_bps = 0;             // M ConnectBPS (0 = not set)
  std::string device_type = "modem";         // D the DEVICE= value (szDeviceType)
  std::vector<pbk_phone_number> numbers;     // D PhoneNumber groups; [0] = primary (keys a
                                             //   group lacks come from the NT 3.x/4 entry-
                                             //   level UseCountryAndAreaCodes, AreaCode,
                                             //   CountryCode, CountryID when present)
  bool try_next_alternate_on_fail = true;    // D TryNextAlternateOnFail
  bool promote_alternates = false;           // D PromoteAlternates (RASEO_PromoteAlternates)
  std::optional<bool> hw_flow_control;       // D HwFlowControl, else E PreferredHwFlow
  std::optional<bool> error_control;         // D Protocol, else E PreferredProtocol (V.42/MNP)
  std::optional<bool> compression;           // D Compression, else E PreferredCompression
  std::optional<bool> speaker;               // D Speaker, else E PreferredSpeaker
  std::uint32_t redial_attempts = 0;         // E RedialAttempts (dwRedialCount)
  std::uint32_t redial_seconds = 0;          // E RedialSeconds (dwRedialPause)
  std::int64_t idle_disconnect_seconds = 0;  // E IdleDisconnectSeconds: 0 = global value,
                                             //   -1 (or 4294967295) = disabled, else seconds
  bool redial_on_link_failure = false;       // E RedialOnLinkFailure (RASEO2_ReconnectIfDropped)
  bool preview_phone_number = false;         // E PreviewPhoneNumber (RASEO_PreviewPhoneNumber)
  bool terminal_before_dial = false;         // S before the main device with Terminal=1
  bool terminal_after_dial = false;          // S after the main device with Terminal=1
  std::string script;                        // S after the main device: Name= (a path)
  std::string modem_init;                    // D DialupInit: dialup's own key (Windows keeps
                                             //   the modem's extra settings out of the file):
                                             //   the modem init commands, '|' between them
                                             //   ("ATM0|AT&K3"), sent after the entry's
                                             //   Speaker/Protocol/Compression fragments

  pbk_layout layout;

  // The number of links (MEDIA subsections).
  std::size_t link_count() const;

  // Writes every typed field that differs from what `layout` says back into `layout`
  // (creating MEDIA / DEVICE subsections when there are none). Idempotent. serialize()
  // works on a synced copy, so calling this is only needed to inspect the layout.
  void sync_layout();

  // A new modem entry laid out as Windows XP writes one (Encoding=1, Type=1, NETCOMPONENTS,
  // MEDIA=rastapi, DEVICE=modem with one PhoneNumber group per number).
  static phonebook_entry make_modem(std::string name, std::string port, std::string device,
                                    std::vector<pbk_phone_number> numbers);

  bool operator==(const phonebook_entry&) const = default;
};

// A section whose name starts with '.', kept verbatim.
struct pbk_global_section {
  std::size_t before_entry = 0;  // how many entries precede it
  std::string header;
  std::vector<pbk_line> lines;

  bool operator==(const pbk_global_section&) const = default;
};

class phonebook;

// Incremental parser: feed() text in pieces of any size, then finish(). State: the partial
// line, the entry being read. feed() after an error does nothing; finish() reports it.
class pbk_parser {
 public:
  explicit pbk_parser(std::string file_name = "rasphone.pbk");

  void feed(std::string_view text);
  // Ends the input. On success replaces `out` and returns an empty error; on error leaves
  // `out` untouched. One finish() per parser: a second one returns
  // ras_error::invalid_parameter and does nothing.
  phonebook_error finish(phonebook& out);

 private:
  enum class state { start, preamble, entry, global_section, failed, done };

  void take_line(std::string_view line);
  void fail(std::string reason, std::size_t line = 0);
  bool close_entry();

  state state_ = state::start;
  std::string file_;
  std::string partial_;
  std::size_t line_no_ = 0;
  std::size_t entry_line_ = 0;  // header line of the entry being read
  bool bom_ = false;
  bool seen_media_ = false;
  bool seen_device_ = false;
  std::vector<pbk_line> preamble_;
  std::vector<pbk_global_section> globals_;
  std::vector<phonebook_entry> entries_;
  std::unordered_map<std::string, std::size_t> entry_lines_;  // lower-case name -> its line
  phonebook_error error_;
};

class phonebook {
 public:
  // Parses a whole file at once. On error `out` is untouched.
  static phonebook_error parse(std::string_view text, std::string_view file_name,
                               phonebook& out);
  // Reads the file (read_bounded_file: 621, or 622 when larger than `limit`) and parses it
  // (625). On error `out` is untouched.
  static phonebook_error load(const std::string& path, phonebook& out,
                              std::size_t limit = max_phonebook_file_size);

  // The file text: CRLF line ends, the BOM if the source had one.
  std::string serialize() const;
  // The same, checked: the text is parsed back and must give this phone book (with its
  // entries' layouts synced). ras_error::cannot_write_phonebook (624), `out` untouched,
  // when it would not: a name or value holding a line feed, a name set directly to
  // something add() refuses, two entries whose names differ only in case.
  std::error_code serialize(std::string& out) const;

  // Entries in file order.
  const std::vector<phonebook_entry>& entries() const noexcept { return entries_; }
  std::vector<std::string> names() const;

  // Case-insensitive lookup (ASCII letters), as Windows. nullptr when absent.
  const phonebook_entry* find(std::string_view name) const;
  phonebook_entry* find(std::string_view name);

  // Appends an entry. std::errc::file_exists if the name is taken (ERROR_ALREADY_EXISTS on
  // Windows); ras_error::invalid_parameter if the name is not valid (valid_entry_name).
  std::error_code add(phonebook_entry entry);
  // ras_error::cannot_find_phonebook_entry (623) when absent.
  std::error_code remove(std::string_view name);
  // 623 when `from` is absent; file_exists / invalid_parameter as add(). Renaming to the
  // same name with different case is allowed.
  std::error_code rename(std::string_view from, std::string to);

  // Not empty, at most 256 bytes, no CR/LF/NUL, not starting with '.' (global sections).
  static bool valid_entry_name(std::string_view name);

  bool operator==(const phonebook&) const = default;

 private:
  friend class pbk_parser;
  bool bom_ = false;
  std::vector<pbk_line> preamble_;  // blank/comment lines before the first section
  std::vector<pbk_global_section> globals_;
  std::vector<phonebook_entry> entries_;
};

// Sets one key of an entry, as `dialup phonebook set` does. The keys dialup interprets go
// through the typed fields, so what depends on them follows (PreferredPort with Port, a
// PhoneNumber group's lines, a MEDIA or DEVICE subsection when there is none):
// PhoneNumber AreaCode CountryCode CountryID UseDialingRules Comment (of the first number;
// PhoneNumber creates it); Port Device ConnectBPS; Type RedialAttempts RedialSeconds
// IdleDisconnectSeconds RedialOnLinkFailure PreviewPhoneNumber; TryNextAlternateOnFail
// PromoteAlternates; HwFlowControl Protocol Compression Speaker (an empty value: not set);
// DialupInit (each '|'-separated command starts with AT and holds no ATD, as wvdial's Init).
// Their values are checked: numbers are plain decimals in the field's range (0 to
// 4294967295; IdleDisconnectSeconds from -1), flags are 0 or 1. Any other key is changed
// where it is — at the entry level, in link 1's MEDIA or in its main DEVICE subsection — or
// added at the entry level, and the typed fields are read again (PreferredHwFlow, say).
// Refused (ras_error::invalid_parameter, the reason in phonebook_error::reason, file and
// line empty): an empty key; a key or value with CR, LF or NUL; a key with '=' or starting
// with '[' or ';'; the subsection headers MEDIA, DEVICE, NETCOMPONENTS; the switch keys Name
// and Terminal; a value that does not fit the key; a group key before any PhoneNumber; a
// key whose setting would change other lines; a key that is neither one of these, nor in the
// entry already, nor one Windows writes in a modem entry (the layout of make_modem) — a
// misspelt key would otherwise be added and ignored: "unknown key 'RedialAtempts' (did you
// mean RedialAttempts?)". On refusal the entry may be partly changed: the caller then writes
// nothing.
phonebook_error set_entry_key(phonebook_entry& e, std::string_view key, std::string_view value);

// Where the caller is dialling from, for numbers with UseDialingRules=1 (TAPI's dialling
// rules, simplified). country_code 0 = unknown.
struct dialing_location {
  std::uint32_t country_code = 0;
  std::string area_code;
  std::string long_distance_prefix = "1";   // "0" in most of Europe
  std::string international_prefix = "011"; // "00" in most of the world
};

// The number to dial for one PhoneNumber group. Without dialling rules (or with country
// code 0): the number as written. With them: same country and area (or no area code) -> the number; same country,
// other area -> long_distance_prefix + area + number; other country -> international_prefix
// + country + area + number; location unknown -> "+<country> <area> <number>" (the engine
// drops the '+', which is the right long-distance form in NANP only).
std::string dialable_number(const pbk_phone_number& n, const dialing_location& where = {});

// Maps an entry onto the engine's dial_entry, key by key:
//   name -> name; Port -> port (kept as given: the caller maps COM3 to a device);
//   numbers[0] -> phone_number, numbers[1..] -> alternates (none when
//   TryNextAlternateOnFail=0), each through dialable_number(where);
//   a primary number whose first dial character is 'P' -> pulse_dialing (the letter stays);
//   RedialAttempts -> redial.attempts, RedialSeconds -> redial.pause (backoff 1, BUSY and
//   NO DIALTONE are retried, as the Windows redial setting retries any failed attempt
//   (unverified, docs/ras-model.md §5.6): abort_on_busy false, abort_on_no_dialtone false),
//   redial.rotate_alternates = TryNextAlternateOnFail;
//   IdleDisconnectSeconds > 0 -> idle_disconnect (0 "use the global value" and -1
//   "disabled" both -> 0, never);
//   RedialOnLinkFailure -> reconnect_if_dropped;
//   a terminal switch after the modem (Terminal=1) -> terminal_after_dial (the dial then
//   pauses in Interactive, or fails with 703 without paused states);
//   ConnectBPS > 0 -> settings.baud_rate; HwFlowControl -> settings.hardware_flow_control;
//   Speaker -> the profile's speaker_on / speaker_off (ATM1 / ATM0); Protocol=0 -> its
//   error_control_off (AT\N0); Compression=0 -> its compression_off (AT%C0)
//   (docs/ras-model.md §8.2 Settings fragments), appended to profile.init; Protocol=1 / Compression=1 leave the modem's default (on);
//   DialupInit -> its commands appended to profile.init after those (a user's init comes
//   after the settings, as Unimodem sends UserInit last).
// Not mapped: the script (a path to a Windows .scp file: the caller reads it; its language
// is not chat's), a terminal before dialling, multilink links 2.., credentials (not in the
// file).
// `profile` is the modem profile the entry is dialled with (docs/profiles.md): the entry's
// settings are sent with its commands.
dial_entry to_dial_entry(const phonebook_entry& e, const dialing_location& where = {},
                         const modem_profile& profile = modem_profile::generic());

// Whether the engine can dial this entry: ras_error::devicetype_does_not_exist (609) when
// the main device is not a modem (DEVICE=vpn, PPPoE, isdn, ...), port_not_configured (665)
// when it names no port. A missing number is not an error (dial_params may give one).
std::error_code check_dialable(const phonebook_entry& e);

// A few lines for a user: name, port, device, numbers, redial. No secrets are stored in a
// phone-book entry; nothing else is printed.
std::string describe(const phonebook_entry& e);

// ---------------------------------------------------------------------------------------
// wvdial.conf
//
// INI text: `[section]` lines and `key = value` lines; lines whose first non-blank
// character is ';' or '#' and blank lines are ignored. Keys are matched as wvdial matches
// them: case-insensitively with spaces ignored ("dialprefix" = "Dial Prefix"). Within one
// section a repeated key replaces the earlier one. A dialer is `[Dialer <name>]`; its
// settings are looked up in that section, then along its `Inherits = <name>` chain (the
// value names "Dialer <name>", or a section by its full name), then in
// `[Dialer Defaults]`. An Inherits loop or an Inherits naming a missing section is an
// error at the Inherits line.
// Errors: a key=value line before any section, a line without '=', an unterminated '['
// (625 with file/line/reason); a missing dialer (623); an Init string with a CR/LF or an
// ATD (the classic mistake, docs/peers.md §1.6), a number that is not a number, a yes/no that
// is neither (625 naming the line of the offending key).
class wvdial_config {
 public:
  struct key {
    std::string name;   // as written, trimmed
    std::string value;  // trimmed
    std::size_t line = 0;
    std::string file;   // the file it was read from
  };
  struct section {
    std::string name;  // as written between the brackets (first seen), trimmed
    std::size_t line = 0;
    std::string file;
    std::vector<key> keys;
  };

  // Parses one file. On error `out` is untouched.
  static phonebook_error parse(std::string_view text, std::string_view file_name,
                               wvdial_config& out);
  // Reads the file (read_bounded_file: 621, or 622 when larger than `limit`) and parses it.
  // On error `out` is untouched.
  static phonebook_error load(const std::string& path, wvdial_config& out,
                              std::size_t limit = max_wvdial_file_size);
  // Reads one more file over this one, as wvdial reads /etc/wvdial.conf then ~/.wvdialrc:
  // a section named again (in any file, case and spaces ignored) continues the earlier one
  // and its keys replace earlier values. On error nothing changes.
  phonebook_error add_file(std::string_view text, std::string_view file_name);

  const std::vector<section>& sections() const noexcept { return sections_; }
  // The first file read (errors not tied to a key name it).
  const std::string& file() const noexcept { return file_; }
  // Names of the [Dialer <name>] sections in file order ("Defaults" included).
  std::vector<std::string> dialers() const;
  // The section "Dialer <name>" (case-insensitive, spaces ignored), or nullptr.
  const section* find_dialer(std::string_view name) const;

 private:
  std::string file_;
  std::vector<section> sections_;
};

// Credentials from wvdial.conf, kept apart from everything printable. No function in this
// module prints, logs or describes the password.
struct wvdial_credentials {
  std::string username;  // Username (the man page's "Login" is accepted too)
  std::string password;  // Password: never printed
  bool ask_password = false;
};

// A key that the import did not turn into a setting.
struct wvdial_unused_key {
  std::string section;
  std::string key;    // as written
  std::string value;
  std::size_t line = 0;
  bool known_to_wvdial = false;  // a wvdial/pppd option we have no use for (PPPD Path...),
                                 // or false: wvdial does not know it either (a typo?)
};

// A phone number the import left out: the engine would refuse to dial it (dial_string.hpp,
// the same check_dial_string the engine runs before dialling), so it is not imported.
struct wvdial_refused_number {
  std::string section;  // the section holding the Phone key ("Dialer night")
  std::string key;      // "Phone", "Phone1", ... as written
  std::string value;    // the key's value
  std::string file;     // where the key is
  std::size_t line = 0;
  std::string number;   // as it would be dialled: Dial Prefix "," Area Code value
  std::error_code code; // ras_error::bad_phone_number (749), phone_number_too_long (723)
  std::string reason;   // for a user, which value is at fault and why: `not a plain dial
                        // string (error 749)` when the Phone value is; `Dial Prefix "9;ATZ"
                        // ([Dialer Defaults], wvdial.conf:3) is not a plain dial string
                        // (error 749)` when a prefix is
};

struct wvdial_import {
  dial_entry entry;
  wvdial_credentials credentials;
  bool carrier_check = true;    // Carrier Check
  bool stupid_mode = false;     // Stupid Mode: start the link at CONNECT, no login prompts
  bool auto_reconnect = true;   // Auto Reconnect (off when Idle Seconds > 0, as wvdial)
  std::vector<std::string> sections;  // the lookup chain, most specific first
  std::vector<wvdial_unused_key> unused;
  std::vector<wvdial_refused_number> refused;  // numbers left out, in Phone, Phone1.. order
  std::vector<std::string> notes;     // approximations made (never hold a secret)
};

// "Dial Attempts = 0" (wvdial: forever) becomes this many further attempts.
inline constexpr std::uint32_t wvdial_forever_attempts = 1000;

// Turns the dialer `name` ("Defaults" for [Dialer Defaults]) into a dial entry. Key by key:
//   Modem -> entry.port (default /dev/modem); Baud -> settings.baud_rate (default 57600);
//   Init1..Init9 in order (Init replaces Init1, as wvdial; default Init1 = ATZ) ->
//   profile.init, each checked: no CR/LF, no ATD; a first string equal to profile.reset
//   (ATZ) is dropped, the engine sends the reset itself;
//   Phone, Phone1..Phone4 (non-empty, in that order) -> phone_number + alternates, each
//   prefixed as wvdial does: Dial Prefix + "," (when set) + Area Code + number, and each
//   checked with check_dial_string (dial_string.hpp) as the engine checks it before
//   dialling: one that fails (';', an AT command, a character that is no dial character,
//   longer than 128) is left out and listed in `refused` — the import still succeeds;
//   Init strings are not dial strings and are checked as below;
//   Dial Command: ATDT -> tone, ATDP -> pulse, other "...D[T|P]" -> profile.dial_prefix up
//   to the D plus tone/pulse, anything else -> profile.dial_prefix as written (the engine
//   then adds T);
//   Dial Attempts = n -> redial.attempts = n (wvdial gives up when failures exceed n),
//   0 -> wvdial_forever_attempts; Abort on Busy, Abort on No Dialtone -> redial flags;
//   redial.rotate_alternates = true (wvdial rotates numbers on BUSY);
//   Auto Reconnect -> reconnect_if_dropped, with wvdial's back-off: pause 5 s doubling up
//   to 600 s (without it: 2 s fixed, wvdial's pause after NO CARRIER / BUSY);
//   Idle Seconds -> idle_disconnect (and > 0 turns Auto Reconnect off);
//   Dial Timeout -> profile.connect_timeout (default 60 s);
//   Username / Password / Ask Password -> credentials; Carrier Check, Stupid Mode -> flags.
//   Every other key of the chain -> unused (with known_to_wvdial).
phonebook_error import_wvdial(const wvdial_config& config, std::string_view dialer,
                              wvdial_import& out);

// A phone-book entry for an imported dialer (make_modem layout), for `dialup phonebook
// import`: name, Modem -> Port, Baud -> ConnectBPS, the numbers as dialled (prefix and area
// code included, dialling rules off; a 'P' in front when pulse), Dial Attempts ->
// RedialAttempts, the retry pause -> RedialSeconds, Idle Seconds -> IdleDisconnectSeconds,
// Auto Reconnect -> RedialOnLinkFailure, the init strings -> DialupInit (Speaker, Protocol
// and Compression are left unset: wvdial sends nothing for them, so the init strings alone
// set the modem up, as wvdial would). The pbk has no place for the rest: dial command, dial
// timeout, abort flags, back-off; and credentials are never written (Windows keeps them out
// of the file too).
phonebook_entry to_phonebook_entry(const wvdial_import& imp);

// A few lines for a user (the CLI's import report), one "refused:" line per refused number
// (section, key, value, file:line, reason). Prints "Password = (set, not shown)" at most;
// never the password.
std::string describe(const wvdial_import& imp);

}  // namespace dialup
