#include "dialup/engine/dial_string.hpp"

#include <cctype>

#include "dialup/engine/ras_error.hpp"

namespace dialup {
namespace {

bool is_formatting(char c) noexcept {
  return c == ' ' || c == '-' || c == '(' || c == ')' || c == '.';
}

bool is_dial_char(char c) noexcept {
  if (c >= '0' && c <= '9') return true;
  switch (std::toupper(static_cast<unsigned char>(c))) {
    case '*': case '#': case 'A': case 'B': case 'C': case 'D':
    case 'T': case 'P': case 'W': case ',': case '@': case '!':
      return true;
    default:
      return false;
  }
}

}  // namespace

std::error_code check_dial_string(std::string_view number) {
  if (number.size() > max_phone_number) return ras_error::phone_number_too_long;
  std::size_t dialable = 0;
  for (std::size_t i = 0; i < number.size(); ++i) {
    char c = number[i];
    if (c == '+' && dialable == 0 && i == number.find_first_not_of(' ')) continue;
    if (is_formatting(c)) continue;
    if (!is_dial_char(c)) return ras_error::bad_phone_number;
    ++dialable;
  }
  if (dialable == 0) return ras_error::bad_phone_number;
  // "AT" inside a dial string is how a command would be smuggled in ("5551212ATH"); the
  // modem ignores the formatting characters, so look at what it would see.
  if (normalize_dial_string(number).find("AT") != std::string::npos)
    return ras_error::bad_phone_number;
  return {};
}

std::string normalize_dial_string(std::string_view number) {
  std::string out;
  out.reserve(number.size());
  for (char c : number) {
    if (is_formatting(c) || c == '+') continue;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

std::error_code check_callback_number(std::string_view number) {
  if (number.empty() || number == "*") return {};
  if (number.size() > max_phone_number) return ras_error::invalid_callback_number;
  for (char c : number) {
    const bool ok = (c >= '0' && c <= '9') || c == 'T' || c == 'P' || c == 'W' || c == '(' ||
                    c == ')' || c == '-' || c == '@' || c == ' ' || c == '+' || c == '*' ||
                    c == '#' || c == ',';
    if (!ok) return ras_error::invalid_callback_number;
  }
  return {};
}

}  // namespace dialup
