// Readers of the 3GPP TS 27.007 replies a cellular dial and dialup-diag signal need (+CPIN,
// +CSQ, +CESQ, +CREG/+CGREG/+CEREG, +COPS, +CME ERROR). Plain parsing, no regular
// expressions, no I/O.
#include "dialup/engine/cellular.hpp"

#include <charconv>
#include <utility>
#include <vector>

#include "dialup/engine/text.hpp"

namespace dialup::cellular {
namespace {

using text::iequals;
using text::trim;

// The rest of `line` after a case-insensitive prefix such as "+CPIN:", trimmed; nullopt if
// the line does not start with it.
std::optional<std::string_view> after_prefix(std::string_view line, std::string_view prefix) {
  line = trim(line);
  if (line.size() < prefix.size() || !iequals(line.substr(0, prefix.size()), prefix))
    return std::nullopt;
  return trim(line.substr(prefix.size()));
}

std::optional<int> to_int(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 9) return std::nullopt;
  int v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Splits a parameter list at commas outside double quotes (V.250 §5.7.2 string constants
// contain no unescaped quote). Fields are trimmed; quotes are kept.
std::vector<std::string_view> split_fields(std::string_view s) {
  std::vector<std::string_view> out;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || (s[i] == ',' && !quoted)) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    } else if (s[i] == '"') {
      quoted = !quoted;
    }
  }
  return out;
}

bool is_quoted(std::string_view f) { return f.size() >= 2 && f.front() == '"' && f.back() == '"'; }

std::string_view unquote(std::string_view f) {
  return is_quoted(f) ? f.substr(1, f.size() - 2) : f;
}

// 27.007 §9.2.1 (general) and §9.2.2 (GPRS/EPS) texts, as the standard spells them.
constexpr std::pair<int, std::string_view> cme_texts[] = {
    {0, "phone failure"},
    {1, "no connection to phone"},
    {2, "phone-adaptor link reserved"},
    {3, "operation not allowed"},
    {4, "operation not supported"},
    {5, "PH-SIM PIN required"},
    {6, "PH-FSIM PIN required"},
    {7, "PH-FSIM PUK required"},
    {10, "SIM not inserted"},
    {11, "SIM PIN required"},
    {12, "SIM PUK required"},
    {13, "SIM failure"},
    {14, "SIM busy"},
    {15, "SIM wrong"},
    {16, "incorrect password"},
    {17, "SIM PIN2 required"},
    {18, "SIM PUK2 required"},
    {20, "memory full"},
    {21, "invalid index"},
    {22, "not found"},
    {23, "memory failure"},
    {24, "text string too long"},
    {25, "invalid characters in text string"},
    {26, "dial string too long"},
    {27, "invalid characters in dial string"},
    {30, "no network service"},
    {31, "network timeout"},
    {32, "network not allowed - emergency calls only"},
    {40, "network personalization PIN required"},
    {41, "network personalization PUK required"},
    {42, "network subset personalization PIN required"},
    {43, "network subset personalization PUK required"},
    {44, "service provider personalization PIN required"},
    {45, "service provider personalization PUK required"},
    {46, "corporate personalization PIN required"},
    {47, "corporate personalization PUK required"},
    {48, "hidden key required"},
    {49, "EAP method not supported"},
    {50, "incorrect parameters"},
    {51, "command implemented but currently disabled"},
    {52, "command aborted by user"},
    {53, "not attached to network due to MT functionality restrictions"},
    {54, "modem not allowed - MT restricted to emergency calls only"},
    {55, "operation not allowed because of MT functionality restrictions"},
    {56, "fixed dial number only allowed - called number is not a fixed dial number"},
    {57, "temporarily out of service due to other MT usage"},
    {58, "language/alphabet not supported"},
    {59, "unexpected data value"},
    {60, "system failure"},
    {61, "data missing"},
    {62, "call barred"},
    {63, "message waiting indication subscription failure"},
    {100, "unknown"},
    {103, "illegal MS"},
    {106, "illegal ME"},
    {107, "GPRS services not allowed"},
    {108, "GPRS services and non-GPRS services not allowed"},
    {111, "PLMN not allowed"},
    {112, "location area not allowed"},
    {113, "roaming not allowed in this location area"},
    {114, "GPRS services not allowed in this PLMN"},
    {115, "no suitable cells in location area"},
    {122, "congestion"},
    {125, "not authorized for this CSG"},
    {126, "insufficient resources"},
    {127, "missing or unknown APN"},
    {128, "unknown PDP address or PDP type"},
    {129, "user authentication failed"},
    {130, "activation rejected by GGSN, Serving GW or PDN GW"},
    {131, "activation rejected, unspecified"},
    {132, "service option not supported"},
    {133, "requested service option not subscribed"},
    {134, "service option temporarily out of order"},
    {140, "feature not supported"},
    {148, "unspecified GPRS error"},
    {149, "PDP authentication failure"},
    {150, "invalid mobile class"},
    {171, "last PDN disconnection not allowed"},
};

}  // namespace

std::optional<sim_state> parse_cpin(std::string_view line) {
  if (auto rest = after_prefix(line, "+CPIN:")) {
    // 27.007 §8.3 <code> values; some modems quote them.
    const std::string_view code = unquote(*rest);
    if (iequals(code, "READY")) return sim_state::ready;
    if (iequals(code, "SIM PIN")) return sim_state::pin_required;
    if (iequals(code, "SIM PUK")) return sim_state::puk_required;
    if (iequals(code, "SIM PIN2")) return sim_state::pin2_required;
    if (iequals(code, "SIM PUK2")) return sim_state::puk2_required;
    if (code.size() >= 3 && iequals(code.substr(0, 3), "PH-")) return sim_state::phone_lock;
    if (code.empty()) return std::nullopt;
    return sim_state::unknown;
  }
  if (auto code = parse_cme_error(line)) {
    switch (*code) {
      case 10: return sim_state::not_inserted;
      case 11: return sim_state::pin_required;
      case 12: return sim_state::puk_required;
      case 13:
      case 15: return sim_state::failure;
      case 14: return sim_state::busy;
      case 17: return sim_state::pin2_required;
      case 18: return sim_state::puk2_required;
      default: return std::nullopt;
    }
  }
  return std::nullopt;
}

std::string_view to_string(sim_state s) noexcept {
  switch (s) {
    case sim_state::ready: return "ready";
    case sim_state::pin_required: return "SIM PIN required";
    case sim_state::puk_required: return "SIM PUK required";
    case sim_state::pin2_required: return "SIM PIN2 required";
    case sim_state::puk2_required: return "SIM PUK2 required";
    case sim_state::phone_lock: return "phone locked";
    case sim_state::not_inserted: return "SIM not inserted";
    case sim_state::failure: return "SIM failure";
    case sim_state::busy: return "SIM busy";
    case sim_state::unknown: break;
  }
  return "unknown";
}

std::optional<int> csq_report::dbm() const noexcept {
  if (!rssi) return std::nullopt;
  return -113 + 2 * *rssi;
}

namespace {
// One field of a signal report: an integer in [lo, hi], or `unknown` (an empty optional);
// anything else (missing, not a number, out of range) is not understood.
bool level_field(std::string_view f, int lo, int hi, int unknown, std::optional<int>& out) {
  const auto v = to_int(f);
  if (!v) return false;
  if (*v == unknown) {
    out.reset();
    return true;
  }
  if (*v < lo || *v > hi) return false;
  out = *v;
  return true;
}
}  // namespace

std::optional<csq_report> parse_csq(std::string_view line) {
  const auto rest = after_prefix(line, "+CSQ:");
  if (!rest) return std::nullopt;
  const auto f = split_fields(*rest);
  csq_report r;
  if (f.size() != 2 || !level_field(f[0], 0, 31, 99, r.rssi) || !level_field(f[1], 0, 7, 99, r.ber))
    return std::nullopt;
  return r;
}

std::optional<int> csq_to_dbm(std::string_view line) {
  const auto r = parse_csq(line);
  if (!r) return std::nullopt;
  return r->dbm();
}

std::optional<cesq_report> parse_cesq(std::string_view line) {
  const auto rest = after_prefix(line, "+CESQ:");
  if (!rest) return std::nullopt;
  const auto f = split_fields(*rest);
  if (f.size() != 6 && f.size() != 9) return std::nullopt;
  cesq_report r;
  // 27.007 §8.69: the ranges and the not-known values of each field.
  if (!level_field(f[0], 0, 63, 99, r.rxlev) || !level_field(f[1], 0, 7, 99, r.ber) ||
      !level_field(f[2], 0, 96, 255, r.rscp) || !level_field(f[3], 0, 49, 255, r.ecno) ||
      !level_field(f[4], 0, 34, 255, r.rsrq) || !level_field(f[5], 0, 97, 255, r.rsrp))
    return std::nullopt;
  for (std::size_t i = 6; i < f.size(); ++i)
    if (!to_int(f[i])) return std::nullopt;
  return r;
}

std::optional<int> cesq_report::rxlev_dbm() const noexcept {
  if (!rxlev) return std::nullopt;
  return -111 + *rxlev;
}
std::optional<int> cesq_report::rscp_dbm() const noexcept {
  if (!rscp) return std::nullopt;
  return -121 + *rscp;
}
std::optional<double> cesq_report::ecno_db() const noexcept {
  if (!ecno) return std::nullopt;
  return -24.5 + 0.5 * *ecno;
}
std::optional<double> cesq_report::rsrq_db() const noexcept {
  if (!rsrq) return std::nullopt;
  return -20.0 + 0.5 * *rsrq;
}
std::optional<int> cesq_report::rsrp_dbm() const noexcept {
  if (!rsrp) return std::nullopt;
  return -141 + *rsrp;
}

std::string_view registration_word(int stat) noexcept {
  switch (stat) {
    case 0: return "not_registered";
    case 1: return "home";
    case 2: return "searching";
    case 3: return "denied";
    case 5: return "roaming";
    case 6: return "sms_only_home";
    case 7: return "sms_only_roaming";
    case 8: return "emergency_only";
    case 9: return "home";
    case 10: return "roaming";
    case 11: return "rlos";
    default: return "unknown";
  }
}

bool is_registered(int stat) noexcept { return stat == 1 || stat == 5 || stat == 9 || stat == 10; }

bool registration::registered() const noexcept { return is_registered(stat); }

std::string_view registration::text() const noexcept { return registration_text(stat); }

std::string_view registration_text(int stat) noexcept {
  // 27.007 §7.2 <stat>.
  switch (stat) {
    case 0: return "not registered, not searching";
    case 1: return "registered, home network";
    case 2: return "not registered, searching";
    case 3: return "registration denied";
    case 4: return "unknown";
    case 5: return "registered, roaming";
    case 6: return "registered for SMS only, home network";
    case 7: return "registered for SMS only, roaming";
    case 8: return "attached for emergency bearer services only";
    case 9: return "registered for CSFB not preferred, home network";
    case 10: return "registered for CSFB not preferred, roaming";
    case 11: return "attached for access to RLOS";
    default: return "unknown";
  }
}

std::optional<registration> parse_creg(std::string_view line) {
  registration r;
  std::optional<std::string_view> rest;
  if ((rest = after_prefix(line, "+CREG:"))) r.domain = registration_domain::circuit;
  else if ((rest = after_prefix(line, "+CGREG:"))) r.domain = registration_domain::packet;
  else if ((rest = after_prefix(line, "+CEREG:"))) r.domain = registration_domain::eps;
  else return std::nullopt;

  const auto f = split_fields(*rest);
  if (f.empty() || f.size() > 8) return std::nullopt;
  // The read form starts <n>,<stat> with both unquoted numbers; the unsolicited form starts
  // <stat>, then (n=2) the quoted or empty <lac>.
  std::size_t stat_at = 0;
  if (f.size() >= 2 && !f[1].empty() && !is_quoted(f[1]) && to_int(f[1])) {
    const auto n = to_int(f[0]);
    if (!n || *n < 0 || *n > 5) return std::nullopt;
    stat_at = 1;
  } else {
    r.unsolicited = true;
  }
  const auto stat = to_int(f[stat_at]);
  if (!stat || *stat < 0 || *stat > 11) return std::nullopt;
  r.stat = *stat;
  if (f.size() > stat_at + 1) r.lac = std::string(unquote(f[stat_at + 1]));
  if (f.size() > stat_at + 2) r.cell_id = std::string(unquote(f[stat_at + 2]));
  return r;
}

std::optional<std::string> parse_cops_operator(std::string_view line) {
  const auto rest = after_prefix(line, "+COPS:");
  if (!rest) return std::nullopt;
  const auto f = split_fields(*rest);
  if (f.size() < 3 || !to_int(f[0]) || !to_int(f[1])) return std::nullopt;
  // The test form "+COPS: (2,\"Op\",...),..." starts with a parenthesis and fails to_int.
  if (!is_quoted(f[2])) return std::nullopt;
  std::string op(unquote(f[2]));
  if (op.empty()) return std::nullopt;
  return op;
}

std::optional<int> parse_cme_error(std::string_view line) {
  const auto rest = after_prefix(line, "+CME ERROR:");
  if (!rest) return std::nullopt;
  if (auto n = to_int(*rest)) return *n >= 0 ? n : std::nullopt;
  const std::string_view words = unquote(*rest);
  for (const auto& [code, t] : cme_texts)
    if (iequals(t, words)) return code;
  return std::nullopt;
}

std::string_view cme_error_text(int code) noexcept {
  for (const auto& [c, t] : cme_texts)
    if (c == code) return t;
  return "unknown";
}

std::error_code cme_to_ras(int code, const cellular_settings& settings) {
  for (const auto& [c, e] : settings.cme_errors)
    if (c == code) return e;
  // The default mapping (docs/cellular.md §Errors). A SIM that wants a PIN or PUK, or
  // refuses the one given, is a refused credential, as a refused login is: 691 (RAS's
  // ERROR_AUTHENTICATION_FAILURE, docs/ras-model.md §6). The network refusing the data
  // context's user authentication (129, 149) is the same. No SIM, or a broken one, is the
  // device failing: 692. No network service / no suitable cell is the cellular form of no
  // carrier: 679, which the redial rules retry. A network that refuses this subscriber is
  // a rejected call (770); congestion and resource shortages are 771; a temporary outage 774.
  switch (code) {
    case 5: case 6: case 7: case 11: case 12: case 16: case 17: case 18:
    case 40: case 41: case 42: case 43: case 44: case 45: case 46: case 47: case 48:
    case 129: case 149:
      return ras_error::authentication_failure;
    case 10: case 13: case 15: case 0: case 1:
      return ras_error::port_or_device;
    case 14: case 31: case 57: case 134:
      return ras_error::temp_failure;
    case 26:
      return ras_error::phone_number_too_long;
    case 27:
      return ras_error::bad_phone_number;
    case 30: case 115:
      return ras_error::no_carrier;
    case 32: case 54: case 103: case 106: case 107: case 108: case 111: case 112: case 113:
    case 114: case 125: case 133:
      return ras_error::connection_reject;
    case 122: case 126:
      return ras_error::congestion;
    case 127: case 128:
      return ras_error::bad_address_specified;
    case 62:
      return ras_error::blocked;
    default:
      return ras_error::from_device;
  }
}

std::optional<std::string> apn_problem(std::string_view apn) {
  if (apn.size() > 100) return "the APN is longer than 100 characters";
  if (apn.empty()) return std::nullopt;
  for (unsigned char c : apn) {
    if (c == '"') return "the APN contains a double quote";
    if (c < 0x20 || c == 0x7f) return "the APN contains a control character";
    if (c > 0x7e) return "the APN contains a character that is not ASCII";
    if (c == ' ') return "the APN contains a space";
  }
  if (apn.front() == '.' || apn.back() == '.' || apn.find("..") != std::string_view::npos)
    return "the APN has an empty label (a leading, trailing or doubled dot)";
  return std::nullopt;
}

std::optional<std::string> pin_problem(std::string_view pin) {
  if (pin.size() < 4 || pin.size() > 8) return "a SIM PIN has 4 to 8 digits";
  for (char c : pin)
    if (c < '0' || c > '9') return "a SIM PIN has only digits";
  return std::nullopt;
}

}  // namespace dialup::cellular
