// Internals shared by the phone-book sources: text helpers, access to an entry's layout,
// and the key table — the one list of the rasphone.pbk keys dialup interprets, read by
// interpret(), written by phonebook_entry::sync_layout() and set by set_entry_key().
//
//   phonebook_entry.cpp   the key table, layout -> typed fields, typed fields -> layout
//   phonebook_parser.cpp  pbk_parser, phonebook::parse, phonebook::serialize
//   phonebook_editor.cpp  lookup, add / remove / rename, set_entry_key
//   phonebook_dial.cpp    entry -> dial_entry, check_dialable, describe
//   phonebook_file.cpp    bounded file reading, phonebook::load, wvdial_config::load
//   wvdial_import.cpp     wvdial.conf parsing and import
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "dialup/engine/phonebook.hpp"
#include "dialup/engine/text.hpp"

namespace dialup::phonebook_detail {

// ---- text helpers -----------------------------------------------------------------------

using text::iequals;   // ASCII letters only, as Windows compares entry names
using text::lowered;
using text::trim;
inline char lower(char c) { return text::ascii_lower(c); }
inline bool is_space(char c) { return text::is_blank(c); }

// wvdial's fuzzy key: lower case, no spaces.
inline std::string fuzzy(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (!is_space(c)) out += lower(c);
  }
  return out;
}

// A decimal with an optional '+', blanks around it ignored (Windows ReadFlag/ReadLong).
inline std::optional<std::int64_t> to_int(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  std::int64_t v = 0;
  const char* first = s.data();
  if (*first == '+') ++first;
  auto [p, ec] = std::from_chars(first, s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

inline std::uint32_t to_u32(std::string_view s, std::uint32_t def) {
  auto v = to_int(s);
  if (!v || *v < 0 || *v > 0xFFFFFFFFLL) return def;
  return static_cast<std::uint32_t>(*v);
}

// Windows ReadFlag: a number, non-zero = true. Anything else: the default.
inline bool to_flag(std::string_view s, bool def) {
  auto v = to_int(s);
  return v ? *v != 0 : def;
}

inline std::string flag_text(bool b) { return b ? "1" : "0"; }

// "16 MiB" for whole MiB, else "1000 bytes".
std::string size_text(std::size_t bytes);

// ---- layout access ------------------------------------------------------------------------

using lines_t = std::vector<pbk_line>;

inline bool is_key(const pbk_line& l, std::string_view key) {
  return l.what == pbk_line::kind::pair && iequals(trim(l.key), key);
}

const pbk_line* find_key(const lines_t& lines, std::string_view key);
pbk_line* find_key(lines_t& lines, std::string_view key);

// Where a new line goes: after the last pair, so trailing blank lines and comments stay
// at the end (they separate this subsection from the next).
std::size_t append_position(const lines_t& lines);

// Sets the key where it is, or adds it at append_position().
void set_key(lines_t& lines, std::string_view key, std::string value);

// Sets the key only where it already exists.
void update_key(lines_t& lines, std::string_view key, const std::string& value);

// The lines as written in the file, each ended by CRLF.
void write_lines(std::string& out, const lines_t& lines);

// "[name]" -> "name" (from the first '[' to the last ']'); "" when there is none.
std::string header_name(std::string_view header);

// Link 1's subsections: [media, end) in layout.subsections; the main device and the
// switches around it, or npos.
struct link_view {
  std::size_t media = std::string::npos;
  std::size_t end = 0;
  std::size_t main = std::string::npos;
  std::size_t pre_switch = std::string::npos;
  std::size_t post_switch = std::string::npos;
};
link_view first_link(const pbk_layout& l);

// ---- the key table ------------------------------------------------------------------------

enum class key_place : std::uint8_t {
  entry,          // the entry's own lines, before the first subsection
  media,          // link 1's MEDIA subsection
  device,         // link 1's main DEVICE subsection
  number,         // a PhoneNumber group in link 1's main DEVICE (set: the first group)
  device_switch,  // a DEVICE=switch of link 1 (read by code of its own; never set)
  subsection,     // a subsection header (NETCOMPONENTS=, MEDIA=, DEVICE=): matched with
                  // its case, as the parser does; never set
};

// The typed field a key maps to. The member type gives the value type and how it reads
// (leniently: a value that does not parse reads as the field's default), writes and is set
// (strictly: set_entry_key refuses what does not parse):
//   std::string            as written
//   std::uint32_t          decimal, 0 to 4294967295
//   std::int64_t           decimal, -1 to 4294967295 (IdleDisconnectSeconds' -1 = disabled)
//   bool                   0 / 1 (read: any number, non-zero = true)
//   std::optional<bool>    0 / 1, or absent (set: an empty value removes the key)
// std::monostate: a key kept through the layout only (FriendlyName, the switch keys).
using key_field =
    std::variant<std::monostate, std::string phonebook_entry::*,
                 std::uint32_t phonebook_entry::*, std::int64_t phonebook_entry::*,
                 bool phonebook_entry::*, std::optional<bool> phonebook_entry::*,
                 std::string pbk_phone_number::*, std::uint32_t pbk_phone_number::*,
                 bool pbk_phone_number::*>;

// The class a key_field member pointer belongs to.
template <class M>
struct member_owner_of;
template <class C, class T>
struct member_owner_of<T C::*> {
  using type = C;
};
template <class M>
using member_owner = typename member_owner_of<M>::type;

// Calls f(member pointer) when `field` is a member of Owner; does nothing otherwise.
template <class Owner, class F>
void with_member(const key_field& field, F&& f) {
  std::visit(
      [&](auto m) {
        using M = decltype(m);
        if constexpr (!std::is_same_v<M, std::monostate>) {
          if constexpr (std::is_same_v<member_owner<M>, Owner>) f(m);
        }
      },
      field);
}

struct pbk_key {
  std::string_view name;
  key_place place;
  key_field field;
  // An entry-level key that goes with this one:
  // - media keys: the Preferred* copy (PreferredPort for Port); written along where the
  //   entry has it;
  // - device keys with an optional flag: the Preferred* fallback, read when the key is
  //   absent or not a number, written along where the entry has it, dropped with the key;
  // - number keys: the NT 3.x/4 entry-level key that gives every group a default, read
  //   when the entry has UseCountryAndAreaCodes (nt4_dialing_rules_key).
  std::string_view companion = {};
};

inline constexpr std::string_view nt4_dialing_rules_key = "UseCountryAndAreaCodes";
inline constexpr std::string_view phone_number_key = "PhoneNumber";  // starts a group
inline constexpr std::string_view modem_init_key = "DialupInit";     // dialup's own
inline constexpr char modem_init_separator = '|';

// DialupInit's commands, in order (empty pieces left out).
std::vector<std::string> split_modem_init(std::string_view value);
// Why one init command cannot be sent as one ("" when it can): not starting with AT, holding
// an ATD or a line break (wvdial's rule, docs/peers.md §1.6).
std::string init_command_problem(std::string_view command);

// Why a value of the key table's row cannot be read as the row's number or flag ("" when it
// can, or when the row is not a number, or the value is empty). For the parser's check.
std::string number_problem(const pbk_key& row, std::string_view value);

// All rows, in the order a new entry gets its keys written.
std::span<const pbk_key> pbk_keys();

// The row for a key as written in a file (spaces around it ignored; case ignored except
// for the subsection headers), or nullptr: a key dialup does not interpret.
const pbk_key* find_pbk_key(std::string_view key);

// ---- layout <-> typed fields --------------------------------------------------------------

// Reads the typed fields from the layout (the name excepted).
phonebook_entry interpret(const pbk_layout& layout);

// Re-reads e's typed fields from e.layout, keeping its name and layout.
void fill_typed(phonebook_entry& e);

}  // namespace dialup::phonebook_detail
