// dialup::cellular — what a 3GPP modem answers to the commands a cellular dial and
// `dialup status` send, read without any I/O (3GPP TS 27.007).
//
// Every function here is pure and takes one response line as the AT channel delivers it
// (no CR/LF; surrounding blanks are ignored). A line that is not of the expected form gives
// std::nullopt; none of them throws. Thread safety: all free functions, safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "dialup/engine/modem_profile.hpp"

namespace dialup::cellular {

// The SIM (UICC application) as +CPIN? reports it (27.007 §8.3), or as the +CME ERROR a
// modem gives instead when there is no usable SIM (§9.2: 10, 13, 14).
enum class sim_state {
  ready,          // READY: no password is needed
  pin_required,   // SIM PIN
  puk_required,   // SIM PUK: three wrong PINs blocked the SIM
  pin2_required,  // SIM PIN2
  puk2_required,  // SIM PUK2
  phone_lock,     // PH-SIM PIN, PH-FSIM PIN/PUK, PH-NET PIN … : the phone, not the SIM, is locked
  not_inserted,   // +CME ERROR: 10
  failure,        // +CME ERROR: 13 (or 15, SIM wrong)
  busy,           // +CME ERROR: 14
  unknown,        // a +CPIN: code this parser does not know
};

// "+CPIN: READY" → ready, "+CPIN: SIM PIN" → pin_required …; also "+CME ERROR: 10|13|14|15"
// (numeric or verbose, +CMEE=1/2) → not_inserted / failure / busy. Anything else: nullopt.
std::optional<sim_state> parse_cpin(std::string_view line);

// "ready", "SIM PIN required", … — words for a person and for JSON.
std::string_view to_string(sim_state s) noexcept;

// "+CSQ: <rssi>,<ber>" → the signal in dBm (27.007 §8.5: 0 → −113 dBm or less, 1 → −111,
// 2..30 → −109..−53 in steps of 2, 31 → −51 dBm or more); 99 (not known) or a malformed
// line → nullopt.
std::optional<int> csq_to_dbm(std::string_view line);

// The whole "+CSQ: <rssi>,<ber>" answer (27.007 §8.5). Both fields must be present and in
// range (rssi 0..31 or 99, ber 0..7 or 99); otherwise the answer is not understood and the
// result is nullopt — never a half-read number. 99 ("not known or not detectable") is kept
// as an empty field.
struct csq_report {
  std::optional<int> rssi;  // 0..31
  std::optional<int> ber;   // 0..7 (RXQUAL, 3GPP TS 45.008 §8.2.4)
  // -113 + 2 * rssi (0 is "-113 dBm or less", 31 "-51 dBm or more"); empty when rssi is.
  std::optional<int> dbm() const noexcept;
};
std::optional<csq_report> parse_csq(std::string_view line);

// "+CESQ: <rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp>" (27.007 §8.69): the extended signal
// quality, one field per radio technology; a modem reports "not known" (99 for rxlev and
// ber, 255 for the others) for those it is not camped on. Six fields, each an integer in
// its range or its not-known value, or the answer is not understood (nullopt). The NR
// fields a later release appends (<ss_rsrq>,<ss_rsrp>,<ss_sinr>) are accepted when they
// are integers, and not decoded. The levels are the lower edges of the 27.007 ranges:
struct cesq_report {
  std::optional<int> rxlev;  // 0..63: GSM RSSI, -111 + rxlev dBm (0: below -110)
  std::optional<int> ber;    // 0..7
  std::optional<int> rscp;   // 0..96: UTRA RSCP, -121 + rscp dBm (0: below -120)
  std::optional<int> ecno;   // 0..49: UTRA Ec/No, -24.5 + ecno / 2 dB (0: below -24)
  std::optional<int> rsrq;   // 0..34: E-UTRA RSRQ, -20 + rsrq / 2 dB (0: below -19.5)
  std::optional<int> rsrp;   // 0..97: E-UTRA RSRP, -141 + rsrp dBm (0: below -140)
  std::optional<int> rxlev_dbm() const noexcept;
  std::optional<int> rscp_dbm() const noexcept;
  std::optional<double> ecno_db() const noexcept;
  std::optional<double> rsrq_db() const noexcept;
  std::optional<int> rsrp_dbm() const noexcept;
};
std::optional<cesq_report> parse_cesq(std::string_view line);

// The network registration <stat> as one word, for JSON and tables (27.007 §7.2):
// "not_registered" (0), "home" (1), "searching" (2), "denied" (3), "unknown" (4),
// "roaming" (5); 6..11 (SMS only, emergency, CSFB not preferred, RLOS) as
// "sms_only_home", "sms_only_roaming", "emergency_only", "home" (9), "roaming" (10), "rlos".
std::string_view registration_word(int stat) noexcept;

// Which registration command a reply came from.
enum class registration_domain {
  circuit,  // +CREG (27.007 §7.2)
  packet,   // +CGREG (§10.1.20)
  eps,      // +CEREG (§10.1.22)
};

// A network registration report: the read form "+CREG: <n>,<stat>[,<lac>,<ci>[,<AcT>]]" or
// the unsolicited form "+CREG: <stat>[,<lac>,<ci>[,<AcT>]]" (n=1 or 2), likewise +CGREG and
// +CEREG.
struct registration {
  int stat = 4;  // 0 not registered, 1 home, 2 searching, 3 denied, 4 unknown, 5 roaming, …
  registration_domain domain = registration_domain::circuit;
  bool unsolicited = false;  // the line had no <n> field
  std::string lac;           // location / tracking area code, hex, when the modem gave it
  std::string cell_id;
  // Registered with the network and usable for data: home (1) or roaming (5), and their
  // "CSFB not preferred" twins (9, 10) which are full EPS registrations. The "SMS only"
  // (6, 7) and "emergency bearer only" (8) states cannot carry a data call.
  bool registered() const noexcept;
  // The 27.007 text of <stat>: "registered, home network", "not registered, searching" …
  std::string_view text() const noexcept;
};

std::optional<registration> parse_creg(std::string_view line);

// registration::registered() and ::text() for a bare <stat>.
bool is_registered(int stat) noexcept;
std::string_view registration_text(int stat) noexcept;

// "+COPS: <mode>,<format>,\"<oper>\"[,<AcT>]" → the operator name (or numeric code, as the
// modem chose <format>; 27.007 §7.3). "+COPS: 0" (no operator selected) → nullopt.
std::optional<std::string> parse_cops_operator(std::string_view line);

// "+CME ERROR: 16" → 16. The verbose form "+CME ERROR: incorrect password" (+CMEE=2) is
// mapped back to its number through the §9.2 table; an unknown text gives nullopt.
std::optional<int> parse_cme_error(std::string_view line);

// The 27.007 §9.2 text of a +CME ERROR code ("incorrect password" for 16); "unknown" for a
// code the table does not hold.
std::string_view cme_error_text(int code) noexcept;

// The RAS error a +CME ERROR code means: the profile's `cme_errors` table first, else the
// default mapping of docs/cellular.md (PIN/PUK problems → 691, no SIM → 692, no network
// service → 679, …); a code neither knows → 651 (from_device, as a plain ERROR).
std::error_code cme_to_ras(int code, const cellular_settings& settings);

// Checks an APN before it is put in quotes on an AT+CGDCONT line (27.007 §10.1.1: a string
// of dot-separated labels, 3GPP TS 23.003 §9.1): empty is allowed (the network's default),
// at most 100 characters, no double quote, no control character, no byte above 0x7e, and no
// empty label. Returns a reason to show the user, or nullopt when it is usable.
std::optional<std::string> apn_problem(std::string_view apn);

// Checks a SIM PIN (or PUK) before it is sent: 4 to 8 decimal digits (3GPP TS 31.101 §9.5,
// PIN length; PUK 8). Returns a reason (never the PIN itself), or nullopt.
std::optional<std::string> pin_problem(std::string_view pin);

}  // namespace dialup::cellular
