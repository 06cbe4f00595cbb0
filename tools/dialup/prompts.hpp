// prompts — what `dialup dial` asks the user in a paused state, and the dial parameters the
// answers make (the RasDial paused states: docs/ras-model.md §1.4).
//
//   RetryAuthentication  the user name (empty: keep the old one) and the password
//   PasswordExpired      the new password, twice (asked again while empty or different)
//   CallbackSetByCaller  the callback number (empty: no callback)
//
// Each returns `params` with the answers in it, or nullopt at the end of input (or after
// line_input::cancel()). Passwords are read as secret lines and never shown.
//
// Threading: they block reading `in`, so the dial session calls them on its input thread,
// never on its event loop.
#pragma once

#include <optional>

#include "dialup/engine/connection_manager.hpp"
#include "line_input.hpp"

namespace dialup_cli {

std::optional<dialup::dial_params> ask_credentials(line_input& in, dialup::dial_params params);
std::optional<dialup::dial_params> ask_new_password(line_input& in, dialup::dial_params params);
std::optional<dialup::dial_params> ask_callback_number(line_input& in, dialup::dial_params params);

}  // namespace dialup_cli
