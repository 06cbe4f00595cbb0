// probe_command — `dialup probe [PORT...] [--json] [--exclude PORT]... [--timeout MS]
// [--write-entry FILE.pbk] [--entry-name NAME]`: finds the modems on the given ports (or on
// every candidate port of this machine), says what each is and which profile fits it and
// why, and can write a phone-book entry for what it found (docs/probe.md).
// Exit status: 0 when at least one modem answered, 1 on a usage error (or an entry that
// could not be written), 2 when none did.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "dialup/engine/modem_profile.hpp"
#include "dialup/engine/probe.hpp"

namespace dialup_cli {

struct probe_cli_options {
  std::vector<std::string> ports;    // empty: the candidates of port enumeration
  bool json = false;                 // one JSON object per port and line
  std::vector<std::string> exclude;  // never opened (--exclude and the config's probe.exclude)
  std::vector<std::pair<std::uint16_t, std::uint16_t>> exclude_usb;  // the config's probe.exclude_usb
  int timeout_ms = 500;              // the first AT's wait at each speed
  std::string write_entry;           // a rasphone.pbk to add an entry to
  std::string entry_name;            // its name (default: "<model> on <port>")
  std::string write_profile;         // a profile file (TOML) to write for the first modem found
};

int probe_command(const probe_cli_options& options);

// The profiles a probed modem is matched against: every profile of the profile set
// (built-ins, /etc/dialup/modems, ~/.config/dialup/modems; docs/profiles.md).
std::vector<dialup::modem_profile> available_profiles();

// One port's result in the two output forms.
void print_probe_text(std::ostream& out, const dialup::probe_result& r, const dialup::identification* id);
nlohmann::json probe_json(const dialup::probe_result& r, const dialup::identification* id);

}  // namespace dialup_cli
