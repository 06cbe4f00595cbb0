// status_command — `dialup status --port PORT [--cellular] [--json]`: opens the port (its
// UUCP lock and exclusive open taken, as a dial takes them: dialup::drivers::port_factory),
// asks the modem who it is (AT+GMI, AT+GMM, AT+GMR; V.250 §6.1) and, for a cellular modem,
// the SIM state, the signal, the registration and the operator (3GPP TS 27.007 §8.3, §8.5,
// §7.2, §10.1.20, §7.3), prints them, and closes the port, which restores its settings.
// Nothing is changed in the modem: only queries are sent (no reset, no PIN).
//
// A modem is taken as cellular when --cellular is given or when it answers AT+CPIN? with a
// +CPIN: line (or a +CME ERROR, which only 27.007 modems give). Every command has the
// profile's command timeout; the whole run is bounded by about 15 commands' worth.
// Exit status: 0 the modem answered; 2 the port could not be opened or the modem did not
// answer AT (the RAS error is printed); 1 bad usage.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "dialup/engine/modem_profile.hpp"

namespace dialup_cli {

struct status_options {
  std::string port;
  bool cellular = false;  // ask the cellular questions even if AT+CPIN? looks unknown
  bool json = false;      // one JSON object instead of the table
  std::uint32_t baud = 115200;
  std::optional<dialup::modem_profile> profile;  // --profile: its responses and cellular queries
};

// What the modem said; a field is empty when the modem did not answer that question.
struct modem_status {
  std::string port;
  std::optional<std::string> manufacturer, model, revision;
  bool cellular = false;
  std::optional<std::string> sim;               // cellular::to_string(sim_state)
  std::optional<int> signal_dbm;                // +CSQ, nullopt for 99 (not known)
  std::optional<int> registration_stat;         // the best of +CREG/+CGREG/+CEREG
  std::optional<std::string> registration;      // its 27.007 text
  std::optional<std::string> operator_name;     // +COPS?
};

int status_command(const status_options& options);

// The two output forms (tests, and status_command itself).
void print_status_text(std::ostream& out, const modem_status& s);
void print_status_json(std::ostream& out, const modem_status& s);

}  // namespace dialup_cli
