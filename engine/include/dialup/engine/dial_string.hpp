// dialup::check_dial_string — refuses a phone number that is not a plain dial string
// before anything reaches the modem.
//
// A dial string goes into one command line ("ATDT<number>\r"). Anything that could end
// that line or start another command — CR, LF, ';' (return to command state, V.250 §6.3.1),
// control characters, the letters "AT", an S=n stored-number reference — is refused with
// ERROR_BAD_PHONE_NUMBER (749). Longer than RAS_MaxPhoneNumber (128) gives
// ERROR_PHONE_NUMBER_TOO_LONG (723).
//
// Accepted (docs/modem-behaviour.md §3.2): digits, '*', '#', DTMF 'A'-'D', 'T'/'P' (tone/pulse from
// here on), 'W' (wait for dial tone), ',' (pause), '@' (wait for quiet answer), '!' (flash),
// and the formatting characters space, '-', '(', ')', '.', which the modem ignores. A
// leading '+' (international format) is accepted and not sent.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace dialup {

inline constexpr std::size_t max_phone_number = 128;  // RAS_MaxPhoneNumber

std::error_code check_dial_string(std::string_view number);

// A callback number (RASDIALPARAMS szCallbackNumber, docs/ras-model.md §1.4, error 751): empty
// (no callback), "*" (the caller sets it when asked), or at most RAS_MaxCallbackNumber
// (128) of 0-9 T P W ( ) - @ space, and '+', '*', '#', ',' as in a dial string. It is sent
// to the server inside a login script, so anything else — CR, LF, a quote — is refused
// with ERROR_INVALID_CALLBACK_NUMBER (751).
std::error_code check_callback_number(std::string_view number);

// The dial string as sent to the modem: formatting characters and a leading '+' removed.
// Precondition: check_dial_string(number) succeeded.
std::string normalize_dial_string(std::string_view number);

}  // namespace dialup
