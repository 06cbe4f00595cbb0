#include "phonebook_commands.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <utility>

#include "dialup/engine/ras_error.hpp"
#include "file_io.hpp"

namespace dialup_cli {

namespace {

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string entry_not_found(const std::string& name, const std::string& path) {
  return dialup::describe(std::error_code(dialup::ras_error::cannot_find_phonebook_entry)) + ": " +
         in_quotes(name) + " in " + path;
}

// The entry called `name`, or nullptr once the user has been told it is not in `path`.
const dialup::phonebook_entry* find_entry(const dialup::phonebook& pb, const std::string& name,
                                          const std::string& path) {
  const auto* e = pb.find(name);
  if (!e) std::cerr << "dialup: " << entry_not_found(name, path) << "\n";
  return e;
}

}  // namespace

const char* const phonebook_set_help =
    "KEY=VALUE pairs, keys as in the file, any case (PhoneNumber=5550100 Port=/dev/ttyS0 "
    "RedialOnLinkFailure=1 ...); every other line is kept";

bool load_phonebook(const std::string& path, dialup::phonebook& pb) {
  if (auto err = dialup::phonebook::load(path, pb)) {
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
  const auto* e = find_entry(pb, name, path);
  if (!e) return 1;
  std::cout << dialup::describe(*e);
  return 0;
}

int phonebook_import_wvdial(const std::string& path, const std::string& dialer) {
  dialup::wvdial_config cfg;
  auto err = dialup::wvdial_config::load(path, cfg);
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
  if (!imp.refused.empty()) {
    std::cerr << "dialup: " << imp.refused.size() << (imp.refused.size() == 1 ? " number" : " numbers")
              << " refused (see above): the entry is written without "
              << (imp.refused.size() == 1 ? "it" : "them") << "\n";
    return 2;
  }
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
    if (auto err = dialup::set_entry_key(*e, key, value)) {
      // "unknown key 'X' ..." names the key itself.
      const bool named = err.reason.rfind("unknown key '", 0) == 0;
      std::cerr << "dialup: " << (named ? std::string() : key + ": ") << err.reason << " (" << path
                << " is unchanged)\n";
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
  const auto* e = find_entry(pb, name, path);
  if (!e) return 1;
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
  if (!find_entry(pb, from, path)) return 1;
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
