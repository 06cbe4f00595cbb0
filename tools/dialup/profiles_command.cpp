// dialup profiles list|show|check (profiles_command.hpp).
#include "profiles_command.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

#include "file_io.hpp"

namespace dialup_cli {

namespace {

void print_errors(const std::vector<dialup::profile_error>& errors) {
  for (const auto& e : errors) std::cerr << e.text() << "\n";
}

}  // namespace

int profiles_list(bool json) {
  const auto set = dialup::profile_set::load_default();
  for (const auto& p : set.all()) {
    if (json) {
      nlohmann::json j;
      j["name"] = p.name;
      j["description"] = p.description;
      j["source"] = set.source_of(p.name);
      j["cellular"] = p.cellular.enabled;
      j["direct"] = p.direct;
      j["usb_ids"] = p.identify.usb_ids;
      std::cout << j.dump() << "\n";
    } else {
      std::cout << p.name << std::string(p.name.size() < 16 ? 16 - p.name.size() : 1, ' ') << p.description
                << "  (" << set.source_of(p.name) << ")\n";
    }
  }
  // A broken user file does not hide the others, but it is said.
  const auto errors = set.errors();
  print_errors(errors);
  return errors.empty() ? 0 : 1;
}

int profiles_show(const std::string& name) {
  auto p = find_profile(name, "dialup profiles show");
  if (!p) return 1;
  std::cout << dialup::to_toml(*p);
  return 0;
}

int profiles_check(const std::vector<std::string>& files) {
  // Each file is checked as the set would read it: onto the profile it inherits, from the
  // profiles installed here (a file may also inherit one given before it on the line).
  auto set = dialup::profile_set::load_default();
  int rc = 0;
  for (const auto& f : files) {
    std::string text, error;
    if (!read_file(f, text, error, dialup::profile_limits::file_bytes)) {
      std::cerr << error << "\n";
      rc = 1;
      continue;
    }
    const auto stem = std::filesystem::path(f).stem().string();
    const auto alone = dialup::parse_profile(text, f, dialup::modem_profile::generic(), stem);
    if (!alone.errors.empty()) {
      print_errors(alone.errors);
      rc = 1;
      continue;
    }
    set.add_text(text, f);
    std::vector<dialup::profile_error> mine;
    for (const auto& e : set.errors())
      if (e.file == f) mine.push_back(e);
    if (!mine.empty()) {
      print_errors(mine);
      rc = 1;
      continue;
    }
    std::cout << f << ": ok (profile " << alone.profile->name
              << (alone.inherits.empty() ? std::string() : ", inherits " + alone.inherits) << ")\n";
  }
  return rc;
}

std::optional<dialup::modem_profile> find_profile(const std::string& name, const std::string& who) {
  const auto set = dialup::profile_set::load_default();
  if (auto p = set.find(name)) return p;
  std::string names;
  for (const auto& p : set.all()) names += (names.empty() ? "" : ", ") + p.name;
  std::cerr << who << ": no modem profile '" << name << "' (there are: " << names << ")\n";
  for (const auto& e : set.errors())
    if (std::filesystem::path(e.file).stem() == name) std::cerr << e.text() << "\n";
  return std::nullopt;
}

std::string init_option_problem(const std::string& command) {
  return dialup::profile_command_problem(command, true);
}

}  // namespace dialup_cli
