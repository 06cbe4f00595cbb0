// prompts: the questions of the paused states (prompts.hpp).
#include "prompts.hpp"

#include <string>
#include <utility>

namespace dialup_cli {

std::optional<dialup::dial_params> ask_credentials(line_input& in, dialup::dial_params params) {
  auto user = in.read_line("User name [" + params.user_name + "]: ");
  if (!user) return std::nullopt;
  if (!user->empty()) params.user_name = *user;
  auto password = in.read_line("Password: ", true);
  if (!password) return std::nullopt;
  params.password = std::move(*password);
  return params;
}

std::optional<dialup::dial_params> ask_new_password(line_input& in, dialup::dial_params params) {
  for (;;) {
    auto first = in.read_line("New password: ", true);
    if (!first) return std::nullopt;
    auto again = in.read_line("Retype new password: ", true);
    if (!again) return std::nullopt;
    if (first->empty()) {
      in.say("The new password is empty; again.\n");
    } else if (*first != *again) {
      in.say("The passwords do not match; again.\n");
    } else {
      params.password = std::move(*first);
      return params;
    }
  }
}

std::optional<dialup::dial_params> ask_callback_number(line_input& in, dialup::dial_params params) {
  auto number = in.read_line("Callback number (empty: no callback): ");
  if (!number) return std::nullopt;
  params.callback_number = *number;
  return params;
}

}  // namespace dialup_cli
