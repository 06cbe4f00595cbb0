// Editing a phone book (phonebook.hpp): lookup, add, remove, rename, and set_entry_key —
// every edit changes the lines it is about and keeps every other line as it was.
#include <charconv>
#include <limits>
#include <type_traits>
#include <utility>

#include "dialup/engine/ras_error.hpp"
#include "phonebook_detail.hpp"

namespace dialup {

using namespace phonebook_detail;

namespace {

bool has_line_break(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

constexpr std::int64_t u32_max = std::numeric_limits<std::uint32_t>::max();

// Strict values for set_entry_key: plain decimals (the numbers a pbk holds) and 0/1 flags.
// Each returns "" when the field is set, else why not.
template <class T>
std::string set_number(T& field, std::string_view v, std::int64_t min, std::int64_t max) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size() || n < min || n > max) {
    return "not a number from " + std::to_string(min) + " to " + std::to_string(max) + ": " +
           in_quotes(v);
  }
  field = static_cast<T>(n);
  return {};
}

std::string set_value(std::string& field, std::string_view v) {
  field = std::string(v);
  return {};
}
std::string set_value(std::uint32_t& field, std::string_view v) {
  return set_number(field, v, 0, u32_max);
}
std::string set_value(std::int64_t& field, std::string_view v) {
  return set_number(field, v, -1, u32_max);  // IdleDisconnectSeconds: -1 = disabled
}
std::string set_value(bool& field, std::string_view v) {
  if (v != "0" && v != "1") return "0 or 1, not " + in_quotes(v);
  field = v == "1";
  return {};
}
std::string set_value(std::optional<bool>& field, std::string_view v) {
  if (v.empty()) {
    field.reset();
    return {};
  }
  bool b = false;
  auto why = set_value(b, v);
  if (why.empty()) field = b;
  return why;
}

phonebook_error refuse(std::string why) {
  return {make_error_code(ras_error::invalid_parameter), {}, 0, std::move(why)};
}

// A key dialup does not interpret: changed in place (entry level, then link 1's MEDIA, then
// link 1's main DEVICE), else added after the last key of the entry level. Then the typed
// fields are read again from the layout, in case the key is one they fall back on
// (PreferredHwFlow, an NT 4 entry-level AreaCode, ...).
phonebook_error set_layout_key(phonebook_entry& e, std::string_view key, std::string_view value) {
  auto& layout = e.layout;
  const auto v = first_link(layout);
  pbk_line* line = find_key(layout.lines, key);
  if (!line && v.media != std::string::npos) {
    line = find_key(layout.subsections[v.media].lines, key);
  }
  if (!line && v.main != std::string::npos) {
    line = find_key(layout.subsections[v.main].lines, key);
  }
  if (line) {
    line->value = std::string(value);
  } else {
    auto& top = layout.lines;
    top.insert(top.begin() + static_cast<std::ptrdiff_t>(append_position(top)),
               pbk_line{pbk_line::kind::pair, std::string(key), std::string(value)});
  }
  fill_typed(e);
  // What is written must be exactly this layout: nothing else may move with the key.
  auto check = e;
  check.sync_layout();
  if (!(check.layout == e.layout)) return refuse("setting it would change other lines of the entry");
  return {};
}

// The keys of a new modem entry as Windows writes one (make_modem's layout): the keys a user
// may set even where dialup does not read them.
const std::vector<std::string>& windows_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    const auto e = phonebook_entry::make_modem("x", "COM1", "", {{"1", "", 0, 0, false, ""}});
    auto take = [&](const lines_t& lines) {
      for (const auto& l : lines)
        if (l.what == pbk_line::kind::pair) out.emplace_back(trim(l.key));
    };
    take(e.layout.lines);
    for (const auto& sub : e.layout.subsections) take(sub.lines);
    return out;
  }();
  return keys;
}

// A key the entry already has (anywhere: it is changed where it is) or one Windows writes.
bool known_key(const phonebook_entry& e, std::string_view key) {
  if (find_key(e.layout.lines, key)) return true;
  for (const auto& sub : e.layout.subsections)
    if (find_key(sub.lines, key)) return true;
  for (const auto& k : windows_keys())
    if (iequals(k, key)) return true;
  return false;
}

// The key nearest to a misspelt one: of the key table, Windows' keys and the entry's own.
std::string suggest_key(const phonebook_entry& e, std::string_view key) {
  std::vector<std::string> names;
  for (const auto& row : pbk_keys())
    if (row.place != key_place::subsection && row.place != key_place::device_switch) names.emplace_back(row.name);
  for (const auto& k : windows_keys()) names.push_back(k);
  auto take = [&](const lines_t& lines) {
    for (const auto& l : lines)
      if (l.what == pbk_line::kind::pair) names.emplace_back(trim(l.key));
  };
  take(e.layout.lines);
  for (const auto& sub : e.layout.subsections) take(sub.lines);
  return text::nearest(key, names);
}

}  // namespace

phonebook_error set_entry_key(phonebook_entry& e, std::string_view raw_key,
                              std::string_view value) {
  const std::string_view key = trim(raw_key);
  if (key.empty()) return refuse("empty key");
  if (has_line_break(key) || has_line_break(value)) {
    return refuse("a key or value cannot hold a line break");
  }
  if (key.find('=') != std::string_view::npos) return refuse("a key cannot hold '='");
  const pbk_key* row = find_pbk_key(key);
  if (row && row->place == key_place::subsection) {
    return refuse("MEDIA=, DEVICE= and NETCOMPONENTS= start subsections; they are not keys to set");
  }
  if (key.front() == '[' || key.front() == ';') return refuse("a key cannot start with '[' or ';'");
  if (row && row->place == key_place::device_switch) {
    return refuse(
        "Name and Terminal belong to the entry's DEVICE=switch subsections; edit the file to "
        "change them");
  }
  if (!row && !known_key(e, key)) {
    std::string why = "unknown key '" + std::string(key) + "'";
    if (auto near = suggest_key(e, key); !near.empty()) why += " (did you mean " + near + "?)";
    return refuse(std::move(why));
  }
  if (!row || std::holds_alternative<std::monostate>(row->field)) {
    return set_layout_key(e, key, value);
  }
  if (row->name == modem_init_key) {
    for (const auto& command : split_modem_init(value))
      if (auto why = init_command_problem(command); !why.empty()) return refuse(std::move(why));
  }

  std::string why;
  with_member<phonebook_entry>(row->field, [&](auto m) { why = set_value(e.*m, value); });
  with_member<pbk_phone_number>(row->field, [&](auto m) {
    // A PhoneNumber group key: of the first number; PhoneNumber creates it.
    if (e.numbers.empty()) {
      if (row->name != phone_number_key) {
        why = "the entry has no PhoneNumber yet: set PhoneNumber first";
        return;
      }
      e.numbers.emplace_back();
    }
    why = set_value(e.numbers.front().*m, value);
  });
  if (!why.empty()) return refuse(std::move(why));
  e.sync_layout();
  return {};
}

// ---- phonebook: lookup and edits ------------------------------------------------------

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
  return const_cast<phonebook_entry*>(std::as_const(*this).find(name));
}

bool phonebook::valid_entry_name(std::string_view name) {
  return !name.empty() && name.size() <= max_entry_name && name.front() != '.' &&
         !has_line_break(name);
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

}  // namespace dialup
