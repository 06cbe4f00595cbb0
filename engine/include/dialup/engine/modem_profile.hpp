// dialup::modem_profile — a modem's procedures as data: what to send to reset, initialise,
// dial and hang up, how long each step may take, and which replies mean what.
//
// It plays the part of a Unimodem INF (docs/ras-model.md §8.1–§8.3): `reset` is the INF Reset
// string, `init` the numbered Init strings, `dial_prefix`/`tone`/`pulse`/`dial_suffix` the
// Settings fragments, `responses` the Responses table. The built-in generic() profile
// follows the INF recommendations — verbose result codes, full
// progress reports, DCD follows carrier, DTR drop hangs up, no auto-answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dialup/engine/at_parser.hpp"
#include "dialup/engine/ras_error.hpp"

namespace dialup {

// One command of a modem procedure: what is sent and how long its final result code may take.
struct modem_step {
  std::string command;
  std::chrono::milliseconds timeout{3000};
  // The reset (ATZ, AT&F): its reply comes in the stored profile's format, which may be V0
  // numeric codes (docs/modem-behaviour.md §9), and what a resetting modem sends after its OK
  // is drained before the next command.
  bool reset = false;
  // An ERROR (or +CME ERROR) to this command fails the dial; false: logged and passed over
  // (a Unimodem INF's optional settings, which some modems of a family refuse).
  bool error_fatal = true;
};

// One init command of a profile (the numbered Init strings of a Unimodem INF,
// docs/ras-model.md §8.1): its timeout (0: the profile's command_timeout) and whether an
// ERROR to it fails the dial.
struct init_step {
  std::string command;
  std::chrono::milliseconds timeout{0};
  bool error_fatal = true;

  init_step() = default;
  // A bare command string is a step with the profile's timeout that must answer OK.
  init_step(std::string c, std::chrono::milliseconds t = {}, bool fatal = true)  // NOLINT: implicit
      : command(std::move(c)), timeout(t), error_fatal(fatal) {}
  init_step(const char* c) : command(c) {}  // NOLINT: implicit
  bool operator==(const init_step&) const = default;
};

// How a call that is up is left for command state before the hang-up command
// (docs/modem-behaviour.md §3): a DTR drop where the line has DTR (else the escape), or
// always the escape sequence (a modem set to &D0, or one whose DTR drop resets it).
enum class hangup_kind : std::uint8_t { dtr, escape };

// A final result code and the RAS error it means (docs/ras-model.md §6.2).
struct reply_error {
  response_kind reply;
  ras_error error;
  bool operator==(const reply_error&) const = default;
};

// What a dial asks of the init sequence beyond the profile's own strings.
struct init_request {
  enum class speaker { as_profile, off, on } speaker = speaker::as_profile;  // RDEOPT_IgnoreModemSpeaker / _SetModemSpeaker
  bool answer_ourselves = false;  // a callback is awaited: S0=0, the engine answers the RING
};

// How `dialup probe` recognises a modem of this kind (docs/profiles.md). Every list is
// matched case-insensitively as substrings; an empty profile_identity matches nothing.
struct profile_identity {
  std::vector<std::string> usb_ids;       // "vvvv:pppp", lower-case hex (USB vendor:product)
  std::vector<std::string> manufacturer;  // in the answer to AT+GMI (or ATI3/ATI4)
  std::vector<std::string> model;         // in the answer to AT+GMM (or ATI0/ATI3)
  std::vector<std::string> ati;           // in any ATIn answer line
  bool empty() const noexcept {
    return usb_ids.empty() && manufacturer.empty() && model.empty() && ati.empty();
  }
  bool operator==(const profile_identity&) const = default;
};

// What a 3GPP cellular modem needs before it can dial (3GPP TS 27.007 §8.3 +CPIN, §10.1.1
// +CGDCONT, §7.2 +CREG, §10.1.20 +CGREG, §8.5 +CSQ, §7.3 +COPS).
struct cellular_settings {
  bool enabled = false;
  std::string pin_query = "AT+CPIN?";
  std::string pin_enter = "AT+CPIN=";     // followed by the PIN in double quotes
  std::string apn_set = "AT+CGDCONT=1,\"IP\",";  // followed by the APN in double quotes
  std::vector<std::string> registration_queries = {"AT+CREG?", "AT+CGREG?"};
  std::chrono::milliseconds registration_timeout{60000};
  std::chrono::milliseconds registration_poll{1000};
  std::string signal_query = "AT+CSQ";
  std::string operator_query = "AT+COPS?";
  std::string number = "*99#";            // what is dialled when the entry gives no number
  // +CME ERROR: <n> to a RAS error (27.007 §9.2); a code missing here is from_device (651).
  std::vector<std::pair<int, ras_error>> cme_errors;
  bool operator==(const cellular_settings&) const = default;
};

struct modem_profile {
  std::string name = "generic";
  std::string description;

  std::string reset = "ATZ";
  // Sent in order after the reset; each must answer OK. Each should stay under 40 characters
  // (Unimodem's assumption, docs/ras-model.md §8.1). Unlike Unimodem's recommendation, echo stays
  // on (E1): the echo of each command is how the AT channel tells a late reply to an
  // earlier, timed-out command from the answer to the current one (docs/peers.md §11).
  std::vector<init_step> init = {"ATE1V1Q0X4&C1&D2S0=0"};
  // Appended to the init as a command of its own when non-zero: S7=<seconds>, the modem's
  // wait for carrier (Unimodem CallSetupFailTimer; never hard-coded).
  std::uint32_t call_setup_fail_timer = 0;

  std::string dial_prefix = "ATD";
  char tone = 'T';
  char pulse = 'P';
  std::string dial_suffix;
  // Dial without waiting for a dial tone (Unimodem Blind_On): sent after the init when set.
  bool blind_dial = false;
  std::string blind_on = "ATX3";
  std::string blind_off;  // sent after the init when blind dialling is off ("": nothing)
  std::string hangup = "ATH";
  hangup_kind hangup_method = hangup_kind::dtr;
  std::string answer = "ATA";  // a callback's RING is answered with this
  std::string escape = "+++";

  // The commands a dial's own settings add after the init (a phone-book entry's Speaker,
  // Protocol and Compression keys, RDEOPT_SetModemSpeaker; docs/ras-model.md §8.2). An
  // empty string: the modem has no such command and the setting is not sent.
  std::string speaker_on = "ATM1";
  std::string speaker_off = "ATM0";
  std::string error_control_off = "AT\\N0";
  std::string compression_off = "AT%C0";
  // Followed by the seconds of call_setup_fail_timer (V.250 S7).
  std::string carrier_wait = "ATS7=";
  // Awaiting a callback: the modem must not answer by itself (V.250 S0).
  std::string auto_answer_off = "ATS0=0";

  // A direct (null-modem) line: no modem at all. Nothing is sent to reset, initialise or
  // dial; the call is up as soon as the port is open, and a hang-up only drops DTR.
  bool direct = false;

  // Timing. The guard must exceed the modem's S12 (1 s by default, docs/modem-behaviour.md §3.3).
  std::chrono::milliseconds escape_guard{1200};
  std::chrono::milliseconds command_timeout{3000};
  std::chrono::milliseconds reset_timeout{5000};
  // ATD until a final reply. Must exceed S7 plus the dialing time; the modem normally
  // answers NO CARRIER / NO ANSWER itself when S7 runs out.
  std::chrono::milliseconds connect_timeout{90000};
  // How long DTR is held low to hang up (where the line has DTR); longer than S25.
  std::chrono::milliseconds dtr_drop_time{500};
  // After a timed-out command, input is drained until it has been quiet this long, so a
  // late reply is never taken as the next command's answer (docs/architecture.md §7).
  std::chrono::milliseconds resync_quiet{250};
  // This many timed-out commands in a row and the port is declared unresponsive.
  int max_consecutive_timeouts = 2;

  response_table responses = response_table::generic();

  // The final result codes to ATD that fail the dial, and with what (docs/ras-model.md §6.2).
  // CONNECT succeeds; a final code missing here fails with unrecognized_response (652).
  std::vector<reply_error> dial_errors = {
      {response_kind::busy, ras_error::line_busy},
      {response_kind::no_answer, ras_error::no_answer},
      {response_kind::no_carrier, ras_error::no_carrier},
      {response_kind::no_dialtone, ras_error::no_dialtone},
      {response_kind::voice, ras_error::voice_answer},
      {response_kind::delayed, ras_error::temp_failure},
      {response_kind::blacklisted, ras_error::blocked},
      {response_kind::error, ras_error::from_device},
      {response_kind::cme_error, ras_error::from_device},
  };

  // The RAS error a final reply to ATD (or ATA) means: empty for CONNECT.
  std::error_code dial_error(response_kind reply) const;

  // The command that dials `number` (a normalized dial string): prefix, T or P, the number,
  // suffix (V.250 §6.3.1, D).
  std::string dial_command(std::string_view number, bool pulse_dialing) const;

  // The reset and init sequence of a dial, in order (docs/ras-model.md §8.1): the reset, the
  // init strings, then what the entry and the dial ask for — the speaker, blind dialling,
  // S7 and, awaiting a callback, no auto-answer.
  std::vector<modem_step> init_steps(const init_request& request) const;

  profile_identity identify;
  cellular_settings cellular;

  // The compiled-in generic Hayes profile; data/modems/generic.toml says the same (a test
  // holds them equal), so a dial without any profile file behaves as one with it.
  static modem_profile generic() { return {}; }
  bool operator==(const modem_profile&) const = default;
};

}  // namespace dialup
