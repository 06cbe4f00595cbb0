// dial_session — `dialup dial`: one dial on this program's own event loop, its states
// printed as they happen, paused states answered by the user, the call held and hung up.
//
// Threading: run() runs the event loop on the calling thread; every notification, connection
// event and timer runs there. What blocks — reading the user's answers in a paused state,
// and standard input in terminal mode — runs on a thread of its own, which posts what it read
// back to the loop; the dial is resumed from the loop, never from inside a notification.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dialup/engine/connection_manager.hpp"
#include "line_input.hpp"

namespace dialup_cli {

struct dial_options {
  bool sim = false;
  std::string port;
  std::string phone;
  std::optional<double> hold;  // seconds; unset: until interrupted (or 0 with --sim)
  std::optional<std::string> send;
  double time_scale = 0.2;
  int verbose = 0;
  std::uint32_t baud = 115200;
  unsigned s7 = 0;
  std::string entry_name;                     // --entry, for the banner
  // Read and parsed once (text "" when not given); the engine runs these parses.
  dialup::parsed_script script;               // --script: a chat login script run after CONNECT
  dialup::parsed_script dial_script;          // --dial-script: a chat script that does the modem dialogue
  dialup::parsed_script callback_script;      // --callback-script: the login after the server called back
  std::optional<bool> reconnect;              // --reconnect / --no-reconnect (else the entry's own)
  std::optional<std::uint32_t> redial;        // --redial N
  std::optional<std::uint32_t> redial_pause;  // --redial-pause SECONDS
  bool terminal = false;                      // --terminal: terminal_after_dial
  bool ask = false;                           // --ask: paused states answered line by line from stdin
  bool json = false;                          // --json: JSON lines on stdout (json_output.hpp), the rest on stderr
  std::optional<dialup::dial_entry> from_phonebook;  // built on `profile` when one is given
  std::optional<dialup::modem_profile> profile;      // --profile (or the config's dial.profile)
  std::vector<std::string> extra_init;               // --init: after the profile's init steps
  bool cellular = false;                      // --cellular (or --apn): the cellular phase runs
  std::string apn;                            // --apn
  dialup::dial_params params;
};

// Exit status: 0 connected and hung up cleanly (also: the line was idle too long); 2 the dial
// failed, was refused (a bad number), or the connection was lost (the RAS error is printed);
// 3 the hang-up could not be confirmed (the modem may still be off-hook) after a call that
// would otherwise have exited 0 — a failed dial keeps 2; 1 set-up failed.
int run_dial(dial_options options, line_input& standard_input);

}  // namespace dialup_cli
