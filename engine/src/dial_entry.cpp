// dial_entry: which numbers a dial tries (RASDIALPARAMS szPhoneNumber overrides the entry's),
// and an entry's chat scripts parsed ahead of the dial.
#include "dialup/engine/dial_entry.hpp"

#include <utility>

#include "dialup/engine/chat_script.hpp"

namespace dialup {

std::vector<std::string> numbers_to_dial(const dial_entry& entry, const dial_params& params) {
  std::vector<std::string> numbers;
  numbers.reserve(1 + entry.alternates.size());
  numbers.push_back(params.phone_number.empty() ? entry.phone_number : params.phone_number);
  // A cellular entry without a number dials its profile's packet-data number (*99#).
  if (numbers.front().empty() && entry.profile.cellular.enabled)
    numbers.front() = entry.profile.cellular.number;
  numbers.insert(numbers.end(), entry.alternates.begin(), entry.alternates.end());
  return numbers;
}

std::optional<parsed_script> parse_script(std::string text, chat_syntax_error& error) {
  auto script = chat_script::parse(text, error);
  if (!script) return std::nullopt;
  return parsed_script{std::move(text), std::make_shared<const chat_script>(std::move(*script))};
}

void set_script(dial_entry& entry, entry_script which, parsed_script s) {
  auto set = [&s](std::string& text, std::optional<parsed_script>& parsed) {
    text = s.text;
    parsed = std::move(s);
  };
  switch (which) {
    case entry_script::dial: set(entry.dial_script, entry.parsed.dial); break;
    case entry_script::login: set(entry.login_script, entry.parsed.login); break;
    case entry_script::callback: set(entry.callback_script, entry.parsed.callback); break;
    case entry_script::password_change:
      set(entry.password_change_script, entry.parsed.password_change);
      break;
  }
}

}  // namespace dialup
