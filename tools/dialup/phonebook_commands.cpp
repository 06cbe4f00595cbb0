#include "phonebook_commands.hpp"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <utility>

#include "file_io.hpp"

namespace dialup_cli {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool has_line_break(std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) != s.npos; }

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string entry_not_found(const std::string& name, const std::string& path) {
  return dialup::describe(std::error_code(dialup::ras_error::cannot_find_phonebook_entry)) + ": " +
         in_quotes(name) + " in " + path;
}

// Decimal digits only (the numbers in a pbk are plain decimals); nullopt when not.
std::optional<std::int64_t> to_number(std::string_view v, std::int64_t min, std::int64_t max) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size() || n < min || n > max) return std::nullopt;
  return n;
}

constexpr std::int64_t u32_max = std::numeric_limits<std::uint32_t>::max();

// The text of one entry's layout, enough for phonebook::parse to interpret it again.
std::string layout_text(const dialup::phonebook_entry& e) {
  const auto& l = e.layout;
  std::string t = (l.header.empty() ? "[" + e.name + "]" : l.header) + "\r\n";
  auto put = [&t](const dialup::pbk_line& x) {
    t += x.what == dialup::pbk_line::kind::pair ? x.key + "=" + x.value : x.key;
    t += "\r\n";
  };
  for (const auto& x : l.lines) put(x);
  for (const auto& s : l.subsections) {
    t += s.kind + "=" + s.value + "\r\n";
    for (const auto& x : s.lines) put(x);
  }
  return t;
}

dialup::pbk_line* find_pair(std::vector<dialup::pbk_line>& lines, std::string_view key) {
  for (auto& l : lines)
    if (l.what == dialup::pbk_line::kind::pair && iequals(trim(l.key), key)) return &l;
  return nullptr;
}

// A key dialup does not interpret: changed in place (entry level, then link 1's MEDIA, then
// link 1's main DEVICE), else added after the last key of the entry level. Then the typed
// fields are read again from the layout, in case the key is one they fall back on
// (PreferredHwFlow, an NT 4 entry-level AreaCode, ...).
std::string set_layout_key(dialup::phonebook_entry& e, std::string_view key, std::string_view value) {
  auto& layout = e.layout;
  auto& subs = layout.subsections;
  std::size_t media = std::string::npos, device = std::string::npos;
  for (std::size_t i = 0; i < subs.size(); ++i) {
    if (subs[i].kind == "MEDIA") {
      if (media != std::string::npos) break;  // link 2 starts
      media = i;
    } else if (media != std::string::npos && device == std::string::npos && subs[i].kind == "DEVICE" &&
               !iequals(trim(subs[i].value), "switch")) {
      device = i;
    }
  }
  dialup::pbk_line* line = find_pair(layout.lines, key);
  if (!line && media != std::string::npos) line = find_pair(subs[media].lines, key);
  if (!line && device != std::string::npos) line = find_pair(subs[device].lines, key);
  if (line) {
    line->value = std::string(value);
  } else {
    auto& top = layout.lines;
    std::size_t at = top.size();
    while (at > 0 && top[at - 1].what != dialup::pbk_line::kind::pair) --at;
    top.insert(top.begin() + static_cast<std::ptrdiff_t>(at),
               dialup::pbk_line{dialup::pbk_line::kind::pair, std::string(key), std::string(value)});
  }

  dialup::phonebook reread;
  if (auto err = dialup::phonebook::parse(layout_text(e), "entry", reread);
      err || reread.entries().size() != 1)
    return "the entry would not read back (" + (err ? err.message() : "no entry") + ")";
  auto fresh = reread.entries().front();
  fresh.name = e.name;
  fresh.layout = std::move(layout);
  e = std::move(fresh);
  // What is written must be exactly this layout: nothing else may move with the key.
  auto check = e;
  check.sync_layout();
  if (!(check.layout == e.layout)) return "setting it would change other lines of the entry";
  return {};
}

}  // namespace

const char* const phonebook_set_help =
    "KEY=VALUE pairs, keys as in the file, any case (PhoneNumber=5550100 Port=/dev/ttyS0 "
    "RedialOnLinkFailure=1 ...); every other line is kept";

std::string set_entry_key(dialup::phonebook_entry& e, std::string_view raw_key, std::string_view value) {
  const std::string_view key = trim(raw_key);
  if (key.empty()) return "empty key";
  if (has_line_break(key) || has_line_break(value)) return "a key or value cannot hold a line break";
  if (key == "MEDIA" || key == "DEVICE" || key == "NETCOMPONENTS")
    return "MEDIA=, DEVICE= and NETCOMPONENTS= start subsections; they are not keys to set";
  if (key.front() == '[' || key.front() == ';') return "a key cannot start with '[' or ';'";
  if (iequals(key, "Name") || iequals(key, "Terminal"))
    return "Name and Terminal belong to the entry's DEVICE=switch subsections; edit the file to change them";

  std::optional<std::string> why;  // set when the key is an interpreted one
  auto number = [&](auto& field, std::int64_t min, std::int64_t max) {
    auto n = to_number(value, min, max);
    if (!n) {
      why =
          "not a number from " + std::to_string(min) + " to " + std::to_string(max) + ": " + in_quotes(value);
      return;
    }
    field = static_cast<std::remove_reference_t<decltype(field)>>(*n);
    why = "";
  };
  auto flag = [&](bool& field) {
    if (value != "0" && value != "1") {
      why = "0 or 1, not " + in_quotes(value);
      return;
    }
    field = value == "1";
    why = "";
  };
  auto optional_flag = [&](std::optional<bool>& field) {
    if (value.empty()) {
      field.reset();
      why = "";
      return;
    }
    bool b = false;
    flag(b);
    if (why->empty()) field = b;
  };
  auto first_number = [&]() -> dialup::pbk_phone_number* {
    if (e.numbers.empty()) {
      why = "the entry has no PhoneNumber yet: set PhoneNumber first";
      return nullptr;
    }
    return &e.numbers.front();
  };

  if (iequals(key, "PhoneNumber")) {
    if (e.numbers.empty()) e.numbers.emplace_back();
    e.numbers.front().number = std::string(value);
    why = "";
  } else if (iequals(key, "AreaCode")) {
    if (auto* n = first_number()) {
      n->area_code = std::string(value);
      why = "";
    }
  } else if (iequals(key, "CountryCode")) {
    if (auto* n = first_number()) number(n->country_code, 0, u32_max);
  } else if (iequals(key, "CountryID")) {
    if (auto* n = first_number()) number(n->country_id, 0, u32_max);
  } else if (iequals(key, "UseDialingRules")) {
    if (auto* n = first_number()) flag(n->use_dialing_rules);
  } else if (iequals(key, "Comment")) {
    if (auto* n = first_number()) {
      n->comment = std::string(value);
      why = "";
    }
  } else if (iequals(key, "Port")) {
    e.port = std::string(value);
    why = "";
  } else if (iequals(key, "Device")) {
    e.device = std::string(value);
    why = "";
  } else if (iequals(key, "ConnectBPS")) {
    number(e.connect_bps, 0, u32_max);
  } else if (iequals(key, "Type")) {
    number(e.type, 0, u32_max);
  } else if (iequals(key, "RedialAttempts")) {
    number(e.redial_attempts, 0, u32_max);
  } else if (iequals(key, "RedialSeconds")) {
    number(e.redial_seconds, 0, u32_max);
  } else if (iequals(key, "IdleDisconnectSeconds")) {
    number(e.idle_disconnect_seconds, -1, u32_max);
  } else if (iequals(key, "RedialOnLinkFailure")) {
    flag(e.redial_on_link_failure);
  } else if (iequals(key, "PreviewPhoneNumber")) {
    flag(e.preview_phone_number);
  } else if (iequals(key, "TryNextAlternateOnFail")) {
    flag(e.try_next_alternate_on_fail);
  } else if (iequals(key, "PromoteAlternates")) {
    flag(e.promote_alternates);
  } else if (iequals(key, "HwFlowControl")) {
    optional_flag(e.hw_flow_control);
  } else if (iequals(key, "Protocol")) {
    optional_flag(e.error_control);
  } else if (iequals(key, "Compression")) {
    optional_flag(e.compression);
  } else if (iequals(key, "Speaker")) {
    optional_flag(e.speaker);
  }
  if (why) {
    if (why->empty()) e.sync_layout();
    return *why;
  }
  return set_layout_key(e, key, value);
}

bool load_phonebook(const std::string& path, dialup::phonebook& pb) {
  std::string text, error;
  if (!read_file(path, text, error)) {
    std::cerr << "dialup: " << error << "\n";
    return false;
  }
  auto err = dialup::phonebook::parse(text, path, pb);
  if (err.code) {
    std::cerr << "dialup: " << err.message() << "\n";
    return false;
  }
  return true;
}

namespace {

// Writes the edited phone book back: checked serialization, then atomic replacement.
bool save_phonebook(const std::string& path, const dialup::phonebook& pb) {
  std::string text, error;
  if (auto ec = pb.serialize(text)) {
    std::cerr << "dialup: " << path << ": " << dialup::describe(ec) << " (nothing written)\n";
    return false;
  }
  if (!write_file_atomically(path, text, error)) {
    std::cerr << "dialup: " << error << " (" << path << " is unchanged)\n";
    return false;
  }
  return true;
}

}  // namespace

int phonebook_list(const std::string& path) {
  dialup::phonebook pb;
  if (!load_phonebook(path, pb)) return 1;
  for (const auto& e : pb.entries()) {
    std::string number = e.numbers.empty() ? "-" : dialup::dialable_number(e.numbers.front());
    std::printf(
        "%-30s %-8s %-12s %s%s\n", e.name.c_str(), e.device_type.c_str(),
        e.port.empty() ? "-" : e.port.c_str(), number.c_str(),
        e.numbers.size() > 1 ? (" (+" + std::to_string(e.numbers.size() - 1) + " alternates)").c_str() : "");
  }
  return 0;
}

int phonebook_show(const std::string& path, const std::string& name) {
  dialup::phonebook pb;
  if (!load_phonebook(path, pb)) return 1;
  const auto* e = pb.find(name);
  if (!e) {
    std::cerr << "dialup: " << entry_not_found(name, path) << "\n";
    return 1;
  }
  std::cout << dialup::describe(*e);
  return 0;
}

int phonebook_import_wvdial(const std::string& path, const std::string& dialer) {
  std::string text, error;
  if (!read_file(path, text, error)) {
    std::cerr << "dialup: " << error << "\n";
    return 1;
  }
  dialup::wvdial_config cfg;
  auto err = dialup::wvdial_config::parse(text, path, cfg);
  if (err.code) {
    std::cerr << "dialup: " << err.message() << "\n";
    return 1;
  }
  dialup::wvdial_import imp;
  err = dialup::import_wvdial(cfg, dialer, imp);
  if (err.code) {
    std::cerr << "dialup: " << err.message() << "\n";
    return 1;
  }
  std::cerr << dialup::describe(imp);  // the report (never the password)
  dialup::phonebook pb;
  if (auto ec = pb.add(dialup::to_phonebook_entry(imp))) {
    std::cerr << "dialup: " << dialup::describe(ec) << "\n";
    return 1;
  }
  std::string out;
  if (auto ec = pb.serialize(out)) {
    std::cerr << "dialup: " << dialup::describe(ec) << "\n";
    return 1;
  }
  std::cout << out;  // a rasphone.pbk entry on standard output
  return 0;
}

int phonebook_set(const std::string& path, const std::string& name,
                  const std::vector<std::string>& assignments, bool create) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& a : assignments) {
    auto eq = a.find('=');
    if (eq == std::string::npos) {
      std::cerr << "dialup: " << in_quotes(a) << " is not KEY=VALUE\n";
      return 1;
    }
    pairs.emplace_back(a.substr(0, eq), a.substr(eq + 1));
  }

  dialup::phonebook pb;
  std::error_code fec;
  const bool file_exists = std::filesystem::exists(path, fec);
  if ((file_exists || !create) && !load_phonebook(path, pb)) return 1;

  auto* e = pb.find(name);
  const bool created = !e;
  if (!e) {
    if (!create) {
      std::cerr << "dialup: " << entry_not_found(name, path) << " (--create makes it)\n";
      return 1;
    }
    if (!dialup::phonebook::valid_entry_name(name)) {
      std::cerr << "dialup: " << in_quotes(name)
                << " is not a valid entry name (1 to 256 bytes, no line break, not starting with '.')\n";
      return 1;
    }
    if (auto ec = pb.add(dialup::phonebook_entry::make_modem(name, "", "", {}))) {
      std::cerr << "dialup: " << in_quotes(name) << ": " << dialup::describe(ec) << "\n";
      return 1;
    }
    e = pb.find(name);
  }
  for (const auto& [key, value] : pairs) {
    if (auto why = set_entry_key(*e, key, value); !why.empty()) {
      std::cerr << "dialup: " << key << ": " << why << " (" << path << " is unchanged)\n";
      return 1;
    }
  }
  if (!save_phonebook(path, pb)) return 1;
  std::printf("dialup: %s %s in %s (%zu key%s set)\n", created ? "created" : "updated",
              in_quotes(e->name).c_str(), path.c_str(), pairs.size(), pairs.size() == 1 ? "" : "s");
  return 0;
}

int phonebook_remove(const std::string& path, const std::string& name) {
  dialup::phonebook pb;
  if (!load_phonebook(path, pb)) return 1;
  const auto* e = pb.find(name);
  if (!e) {
    std::cerr << "dialup: " << entry_not_found(name, path) << "\n";
    return 1;
  }
  const std::string real_name = e->name;
  if (auto ec = pb.remove(name)) {
    std::cerr << "dialup: " << dialup::describe(ec) << "\n";
    return 1;
  }
  if (!save_phonebook(path, pb)) return 1;
  std::printf("dialup: removed %s from %s\n", in_quotes(real_name).c_str(), path.c_str());
  return 0;
}

int phonebook_rename(const std::string& path, const std::string& from, const std::string& to) {
  dialup::phonebook pb;
  if (!load_phonebook(path, pb)) return 1;
  if (!pb.find(from)) {
    std::cerr << "dialup: " << entry_not_found(from, path) << "\n";
    return 1;
  }
  if (auto ec = pb.rename(from, to)) {
    if (ec == std::errc::file_exists)
      std::cerr << "dialup: " << path << " already has an entry named " << in_quotes(to) << "\n";
    else if (ec == dialup::ras_error::invalid_parameter)
      std::cerr << "dialup: " << in_quotes(to)
                << " is not a valid entry name (1 to 256 bytes, no line break, not starting with '.')\n";
    else
      std::cerr << "dialup: " << dialup::describe(ec) << "\n";
    return 1;
  }
  if (!save_phonebook(path, pb)) return 1;
  std::printf("dialup: renamed %s to %s in %s\n", in_quotes(from).c_str(), in_quotes(to).c_str(),
              path.c_str());
  return 0;
}

}  // namespace dialup_cli
