// Vendor personalities of the simulated modem: the data that differs between modem
// families (numeric result-code tables, identification strings, register defaults,
// small behavioural switches). Behaviour lives in hw-sim/src/modem*.cpp; this is only
// data.
//
// docs/modem-behaviour.md §0.7: the numeric codes above 12 conflict between vendor families, so
// they are a per-personality table; §2.2 decides NO ANSWER vs NO CARRIER.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dialup::hwsim {

struct personality {
  std::string name;             // "generic", "usr", "conexant", "cellular"
  // CONNECT <rate> → numeric code in V0. A rate without an entry gives plain 1
  // (CONNECT), as docs/modem-behaviour.md §2.3 recommends.
  std::vector<std::pair<unsigned, int>> connect_codes;
  // §2.2: Conexant reports NO ANSWER when ringback is still heard when S7 runs out;
  // Hayes reports NO CARRIER. (generic follows Conexant: clients such as BBS software
  // want NO ANSWER, §9, and the brief asks for it.)
  bool no_answer_on_ringback = true;
  // §2.2: the spelling of result code 6.
  std::string no_dialtone_text = "NO DIALTONE";
  // §1.1: Conexant echoes S5 as BS SP BS; the others echo the S5 byte itself.
  bool backspace_erases = false;
  // §3.6 / §4 register defaults that differ by vendor.
  std::uint8_t s10 = 14;        // carrier-loss delay, 0.1 s
  std::uint8_t s11 = 95;        // DTMF duration, ms
  std::uint8_t s7 = 50;         // wait for carrier, s
  // W0: CONNECT shows the DTE rate (Conexant default on many builds, §2.4) instead of
  // the line rate.
  bool w0_shows_dte_rate = false;
  unsigned max_line_rate = 33600;
  // ATI0..ATI9; an empty entry answers ERROR. Lines are separated by '\n'.
  std::array<std::string, 12> ati;
  std::string gmi, gmm, gmr, gsn;
  // 3GPP TS 27.007 command set (+CPIN, +CSQ, +CREG, ATD*99#, +CME ERROR).
  bool cellular = false;
  // 'VOICE' result when a voice answers (X4); others give NO CARRIER.
  bool voice_result = false;
  // The U.S. Robotics command set's extras (USR Courier/Sportster manuals): the factory
  // templates &F1 (hardware flow control) and &F2 (software flow control), &H0-&H3
  // transmit flow control, &B0-&B2 the DTE rate fixed or following the call.
  bool usr_commands = false;
};

// The built-in personalities. Throws std::invalid_argument for an unknown name.
const personality& find_personality(std::string_view name);
// Names of all built-in personalities, in a stable order.
std::vector<std::string> personality_names();

}  // namespace dialup::hwsim
