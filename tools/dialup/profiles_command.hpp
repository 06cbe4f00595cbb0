// dialup profiles: the modem profiles the engine can dial with (docs/profiles.md).
//
//   dialup profiles list [--json]     every profile: name, description, where it was read
//   dialup profiles show NAME         the profile as a TOML file, inherits resolved
//   dialup profiles check FILE...     each file's problems as file:line: reason (exit 1)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dialup/engine/modem_profile.hpp"
#include "dialup/engine/profile_file.hpp"

namespace dialup_cli {

int profiles_list(bool json);
int profiles_show(const std::string& name);
int profiles_check(const std::vector<std::string>& files);

// The profile of that name from the built-ins, the installed data, /etc/dialup/modems and
// the user's ~/.config/dialup/modems; on failure nullopt and the reason printed to stderr
// after `who` ("dialup dial").
std::optional<dialup::modem_profile> find_profile(const std::string& name, const std::string& who);

// Checks an --init command as a profile's init step is checked; the reason, or "".
std::string init_option_problem(const std::string& command);

}  // namespace dialup_cli
