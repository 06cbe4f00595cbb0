// dialup::dial_entry, dial_params, dial_extensions — what a dial is asked to do: the
// phone-book entry (RASENTRY), the per-call parameters (RASDIALPARAMS) and the RDEOPT_*
// options (the Windows RAS documentation: RasDial, RASDIALPARAMS, RASDIALEXTENSIONS).
// Plain data with no I/O: the phone book (phonebook.hpp) builds these without Asio.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialup/engine/modem_profile.hpp"
#include "dialup/engine/port_settings.hpp"

namespace dialup {

class chat_script;         // chat_script.hpp
struct chat_syntax_error;  // chat_script.hpp

// A chat(8) script parsed once, ahead of a dial (parse_script), with the text it was parsed
// from. Shared, immutable: copies of an entry share one parse.
struct parsed_script {
  std::string text;
  std::shared_ptr<const chat_script> script;
};

// Parses `text` as dial() parses an entry's scripts (chat_script::parse with the default
// options). On a syntax error returns nullopt and fills `error` (line and column in `text`).
std::optional<parsed_script> parse_script(std::string text, chat_syntax_error& error);

// Which of an entry's scripts (set_script).
enum class entry_script : std::uint8_t { dial, login, callback, password_change };

// What happens on the line after CONNECT.
enum class link_kind {
  none,  // the line is a raw data stream handed to the caller (data_stream)
};

// When and how to dial again after a failed attempt (RASENTRY dwRedialCount/dwRedialPause;
// wvdial's back-off and abort switches, docs/peers.md §1.2).
struct redial_policy {
  std::uint32_t attempts = 0;               // further attempts after the first; 0 = none
  std::chrono::seconds pause{3};            // before the first redial
  double backoff = 1.0;                     // each later pause is the previous times this
  std::chrono::seconds max_pause{600};      // the pause never grows past this
  bool abort_on_busy = false;               // BUSY ends the dial at once
  bool abort_on_no_dialtone = true;         // NO DIALTONE ends the dial at once
  bool rotate_alternates = true;            // each attempt dials the next number
};

// A phone-book entry, or the same given inline.
struct dial_entry {
  std::string name;          // entry name; "" for a plain modem call
  std::string port;          // device path ("/dev/ttyUSB0", a pty) or driver-specific name
  std::string phone_number;  // used when dial_params::phone_number is empty
  std::vector<std::string> alternates;  // tried after phone_number, in order
  bool pulse_dialing = false;
  modem_profile profile = modem_profile::generic();
  port_settings settings;
  link_kind link = link_kind::none;
  redial_policy redial;
  // A chat(8) script that does the whole modem dialogue itself — reset, ATD, CONNECT and
  // perhaps a login — in place of the profile's commands: pppd `connect` scripts run
  // unchanged (\T is the number dialled, \U the user, \P the password). "" = the engine
  // dials with the profile. The script's ABORT strings give the RAS errors
  // (chat_outcome::error()); success means the line is online.
  std::string dial_script;
  // RASEO_TerminalAfterDial: after CONNECT the caller drives the line itself (a
  // data_stream) in the paused state Interactive, then resumes the dial. Needs
  // rdeopt_paused_states; without it the dial fails with 703 (ERROR_INTERACTIVE_MODE).
  bool terminal_after_dial = false;
  std::string login_script;  // chat-style script run after CONNECT ("" = none)
  // Run after the server has called back and the call is answered (ReAuthenticate);
  // "" = login_script again.
  std::string callback_script;
  // Run when a dial paused in PasswordExpired is resumed; \P is then the new password.
  // "" = default_password_change_script (the Unix passwd dialogue).
  std::string password_change_script;
  std::chrono::seconds callback_wait{120};  // how long to wait for the server's call
  std::chrono::seconds idle_disconnect{0};  // hang up after this long without data; 0 = never
  // RASEO2_ReconnectIfDropped (phone book RedialOnLinkFailure): when the carrier drops
  // (629) the engine dials again with `redial`; when the device vanishes (630, a USB modem
  // unplugged) it first opens the port again, one attempt per redial pause, until the
  // device is back. Subscribers hear it (reconnecting, then reconnected or disconnected).
  bool reconnect_if_dropped = false;
  // Cellular (profile.cellular.enabled, docs/cellular.md): the access point name set with
  // the profile's apn_set before the dial (3GPP TS 27.007 §10.1.1); "" leaves the modem's
  // own PDP context as it is. At most 100 characters, no quote or control character.
  std::string apn;
  // The scripts above already parsed (set_script puts them here), so that dial() does not
  // parse them again: a caller that reports syntax errors its own way, before dialling,
  // parses once. dial() runs a parsed form as it is while its text is still the entry's text
  // for that script; a script with none, or whose text has changed since, is parsed at dial()
  // (phone-book entries, callers that set only the text).
  struct parsed_scripts {
    std::optional<parsed_script> dial;             // dial_script
    std::optional<parsed_script> login;            // login_script
    std::optional<parsed_script> callback;         // callback_script
    std::optional<parsed_script> password_change;  // password_change_script
  };
  parsed_scripts parsed;
};

// Sets the entry's script `which` to `s`: its text, and its parsed form beside it.
void set_script(dial_entry& entry, entry_script which, parsed_script s);

// The password change the engine runs on resume from PasswordExpired when the entry has
// none of its own: answers "New password:" and "Retype new password:" with \P.
inline constexpr std::string_view default_password_change_script =
    "ABORT 'do not match'\nABORT incorrect\nTIMEOUT 30\n'ew password:' \\P\n'ew password:' \\P\n";

// RASDIALPARAMS (docs/ras-model.md §4.1).
struct dial_params {
  std::string phone_number;     // overrides the entry's number when not empty
  std::string callback_number;
  std::string user_name;
  std::string password;         // never logged
  std::string sim_pin;          // cellular: the SIM's PIN, sent only when it asks; never logged
  std::string domain;
  std::uintptr_t callback_id = 0;  // handed to a RasDialFunc2 notifier
  std::uint32_t sub_entry = 1;
};

// The numbers a dial tries, in order, as given (before normalize_dial_string): the one dialled
// first — dial_params::phone_number when it is set, else the entry's — then the entry's
// alternates. The one place that decides it: the engine dials these, and whoever shows what
// is being dialled asks here.
std::vector<std::string> numbers_to_dial(const dial_entry& entry, const dial_params& params);

// RDEOPT_* (docs/ras-model.md §4.2).
enum rdeopt : std::uint32_t {
  rdeopt_use_prefix_suffix = 0x0001,
  rdeopt_paused_states = 0x0002,
  rdeopt_ignore_modem_speaker = 0x0004,
  rdeopt_set_modem_speaker = 0x0008,
};

// What the engine does with each option:
// - rdeopt_ignore_modem_speaker: the speaker follows rdeopt_set_modem_speaker (on: ATM1,
//   off: ATM0, sent after the init commands) instead of the profile's init.
// - rdeopt_paused_states: the dial may pause (docs/ras-model.md §1.4) and waits for the caller
//   to resume it with dial(handle, params) or to hang up:
//     Interactive           dial_entry::terminal_after_dial, after CONNECT: the caller
//                           reads and writes the line through a data_stream, then resumes;
//     RetryAuthentication   the login script was refused (691): resume with a new user
//                           name / password and the script runs again from its start;
//     CallbackSetByCaller   the login script asks for the callback number (\B) and
//                           dial_params::callback_number is "*": resume with the number;
//     PasswordExpired       the login script ended on an ABORT string about an expired
//                           password (648): resume with the new password in
//                           dial_params::password and the password-change script runs.
//   While paused, what the remote sends is kept (the port's buffer, then flow control)
//   for the script that runs next. Without the option those situations end the dial with
//   703, 691, 704 and 648.
// - rdeopt_use_prefix_suffix: accepted; the profile's dial_prefix/dial_suffix always apply.
struct dial_extensions {
  std::uint32_t options = 0;  // rdeopt_*
};

}  // namespace dialup
