#include "dialup/engine/ras_error.hpp"

#include <algorithm>
#include <iterator>
#include <string>

#include "dialup/engine/conn_state.hpp"

namespace dialup {
namespace {

struct error_info {
  int code;
  std::string_view name;
  std::string_view text;  // our own words, lower case, no full stop
};

// Sorted by code. Names as in raserror.h / winerror.h; texts written for this project.
constexpr error_info error_table[] = {
    {6, "ERROR_INVALID_HANDLE", "no such connection (the handle is not valid or was hung up)"},
    {87, "ERROR_INVALID_PARAMETER", "a parameter is not valid"},
    {600, "PENDING", "the operation is still in progress"},
    {601, "ERROR_INVALID_PORT_HANDLE", "the port handle is not valid"},
    {602, "ERROR_PORT_ALREADY_OPEN", "the port is already in use by another connection"},
    {603, "ERROR_BUFFER_TOO_SMALL", "the buffer is too small"},
    {606, "ERROR_PORT_NOT_CONNECTED", "the port is not connected"},
    {608, "ERROR_DEVICE_DOES_NOT_EXIST", "the device does not exist"},
    {609, "ERROR_DEVICETYPE_DOES_NOT_EXIST", "the device type is not known"},
    {615, "ERROR_PORT_NOT_FOUND", "the port was not found"},
    {617, "ERROR_ALREADY_DISCONNECTING", "the connection is already being hung up"},
    {618, "ERROR_PORT_NOT_OPEN", "the port is not open"},
    {619, "ERROR_PORT_DISCONNECTED", "the port was disconnected"},
    {621, "ERROR_CANNOT_OPEN_PHONEBOOK", "the phone book cannot be opened"},
    {622, "ERROR_CANNOT_LOAD_PHONEBOOK", "the phone book cannot be read"},
    {623, "ERROR_CANNOT_FIND_PHONEBOOK_ENTRY", "the phone-book entry does not exist"},
    {624, "ERROR_CANNOT_WRITE_PHONEBOOK", "the phone book cannot be written"},
    {625, "ERROR_CORRUPT_PHONEBOOK", "the phone book holds invalid data"},
    {628, "ERROR_DISCONNECTION", "the connection was closed"},
    {629, "ERROR_REMOTE_DISCONNECTION", "the remote side hung up"},
    {630, "ERROR_HARDWARE_FAILURE", "the connection dropped because of a hardware failure"},
    {631, "ERROR_USER_DISCONNECTION", "the connection was hung up by the user"},
    {632, "ERROR_INVALID_SIZE", "a structure size is not valid"},
    {633, "ERROR_PORT_NOT_AVAILABLE", "the port is busy or cannot be used"},
    {635, "ERROR_UNKNOWN", "an unknown error occurred"},
    {636, "ERROR_WRONG_DEVICE_ATTACHED", "the device on the port is not a modem"},
    {638, "ERROR_REQUEST_TIMEOUT", "the modem did not answer in time"},
    {645, "ERROR_AUTH_INTERNAL", "authentication failed inside the engine"},
    {646, "ERROR_RESTRICTED_LOGON_HOURS", "the account may not log on at this time"},
    {647, "ERROR_ACCT_DISABLED", "the account is disabled"},
    {648, "ERROR_PASSWD_EXPIRED", "the password has expired"},
    {649, "ERROR_NO_DIALIN_PERMISSION", "the account may not dial in"},
    {651, "ERROR_FROM_DEVICE", "the modem reported an error"},
    {652, "ERROR_UNRECOGNIZED_RESPONSE", "the modem sent a reply the engine does not understand"},
    {653, "ERROR_MACRO_NOT_FOUND", "a command the modem profile needs is missing"},
    {660, "ERROR_NO_RESPONSES", "the modem profile lists no replies for a command"},
    {661, "ERROR_NO_COMMAND_FOUND", "the modem profile lacks a command"},
    {664, "ERROR_ALLOCATING_MEMORY", "out of memory"},
    {665, "ERROR_PORT_NOT_CONFIGURED", "the port is not configured for dialing"},
    {666, "ERROR_DEVICE_NOT_READY", "the modem is not responding"},
    {668, "ERROR_NO_CONNECTION", "the connection dropped"},
    {676, "ERROR_LINE_BUSY", "the line is busy"},
    {677, "ERROR_VOICE_ANSWER", "a person answered, not a modem"},
    {678, "ERROR_NO_ANSWER", "there was no answer"},
    {679, "ERROR_NO_CARRIER", "no carrier: the remote modem did not connect"},
    {680, "ERROR_NO_DIALTONE", "no dial tone: check the phone line"},
    {681, "ERROR_IN_COMMAND", "the modem rejected a command"},
    {691, "ERROR_AUTHENTICATION_FAILURE", "the user name or password was rejected"},
    {692, "ERROR_PORT_OR_DEVICE", "the port or the modem failed"},
    {697, "ERROR_PARTIAL_RESPONSE_LOOPING", "the modem keeps sending incomplete replies"},
    {699, "ERROR_RECV_BUF_FULL", "the modem's reply was too long"},
    {700, "ERROR_CMD_TOO_LONG", "a modem command is too long"},
    {701, "ERROR_UNSUPPORTED_BPS", "the modem switched to a port speed that is not supported"},
    {702, "ERROR_UNEXPECTED_RESPONSE", "the modem sent an unexpected reply"},
    {703, "ERROR_INTERACTIVE_MODE", "the connection needs interactive input"},
    {704, "ERROR_BAD_CALLBACK_NUMBER", "the callback number is not valid"},
    {708, "ERROR_ACCT_EXPIRED", "the account has expired"},
    {709, "ERROR_CHANGING_PASSWORD", "the password could not be changed"},
    {710, "ERROR_OVERRUN", "serial overruns while talking to the modem"},
    {715, "ERROR_TOO_MANY_LINE_ERRORS", "the line is too noisy"},
    {718, "ERROR_PPP_TIMEOUT", "PPP timed out"},
    {719, "ERROR_PPP_REMOTE_TERMINATED", "the remote side ended PPP"},
    {720, "ERROR_PPP_NO_PROTOCOLS_CONFIGURED", "no PPP network protocols are configured"},
    {721, "ERROR_PPP_NO_RESPONSE", "the remote side does not answer PPP"},
    {722, "ERROR_PPP_INVALID_PACKET", "an invalid PPP packet was received"},
    {723, "ERROR_PHONE_NUMBER_TOO_LONG", "the phone number is too long"},
    {730, "ERROR_PROJECTION_NOT_COMPLETE", "network negotiation has not finished"},
    {731, "ERROR_PROTOCOL_NOT_CONFIGURED", "the protocol is not configured for this entry"},
    {732, "ERROR_PPP_NOT_CONVERGING", "PPP negotiation does not converge"},
    {733, "ERROR_PPP_CP_REJECTED", "the remote side rejected a PPP control protocol"},
    {734, "ERROR_PPP_LCP_TERMINATED", "PPP link control terminated"},
    {735, "ERROR_PPP_REQUIRED_ADDRESS_REJECTED", "the remote side rejected the requested address"},
    {736, "ERROR_PPP_NCP_TERMINATED", "the remote side ended network negotiation"},
    {737, "ERROR_PPP_LOOPBACK_DETECTED", "the line is looped back"},
    {738, "ERROR_PPP_NO_ADDRESS_ASSIGNED", "the remote side assigned no address"},
    {749, "ERROR_BAD_PHONE_NUMBER", "the phone number is not a valid dial string"},
    {751, "ERROR_INVALID_CALLBACK_NUMBER", "the callback number has invalid characters"},
    {752, "ERROR_SCRIPT_SYNTAX", "the login script has a syntax error"},
    {756, "ERROR_DIAL_ALREADY_IN_PROGRESS", "a dial is already in progress for this connection"},
    {769, "ERROR_BAD_ADDRESS_SPECIFIED", "the destination cannot be reached"},
    {770, "ERROR_CONNECTION_REJECT", "the remote side rejected the call"},
    {771, "ERROR_CONGESTION", "the network is congested"},
    {772, "ERROR_INCOMPATIBLE", "the remote equipment is incompatible"},
    {773, "ERROR_NUMBERCHANGED", "the number has changed"},
    {774, "ERROR_TEMPFAILURE", "a temporary failure; try again"},
    {775, "ERROR_BLOCKED", "the remote side blocks this call"},
    {776, "ERROR_DONOTDISTURB", "the remote side does not want to be disturbed"},
    {777, "ERROR_OUTOFORDER", "the remote equipment is out of order"},
    {797, "ERROR_CONNECTING_DEVICE_NOT_FOUND", "the modem was not found or is busy"},
    {828, "ERROR_IDLE_TIMEOUT", "disconnected after being idle"},
    {829, "ERROR_LINK_FAILURE", "the link failed"},
    {830, "ERROR_USER_LOGOFF", "the user logged off"},
    {831, "ERROR_FAST_USER_SWITCH", "the user was switched"},
};

const error_info* find_info(int code) noexcept {
  auto it = std::lower_bound(std::begin(error_table), std::end(error_table), code,
                             [](const error_info& e, int c) { return e.code < c; });
  if (it == std::end(error_table) || it->code != code) return nullptr;
  return &*it;
}

class ras_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ras"; }
  std::string message(int code) const override {
    if (const auto* info = find_info(code)) return std::string(info->text);
    return "remote access error " + std::to_string(code);
  }
};

class ras_condition_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ras-condition"; }
  std::string message(int condition) const override {
    switch (static_cast<ras_condition>(condition)) {
      case ras_condition::worth_redialling: return "a call outcome worth dialling again";
      case ras_condition::line_lost: return "the line of a call that was up was lost";
    }
    return "ras condition " + std::to_string(condition);
  }
  bool equivalent(const std::error_code& code, int condition) const noexcept override {
    if (code.category() != ras_category()) return false;
    const auto e = static_cast<ras_error>(code.value());
    switch (static_cast<ras_condition>(condition)) {
      case ras_condition::worth_redialling:
        return e == ras_error::line_busy || e == ras_error::no_dialtone ||
               e == ras_error::no_answer || e == ras_error::no_carrier ||
               e == ras_error::voice_answer || e == ras_error::temp_failure;
      case ras_condition::line_lost:
        return e == ras_error::remote_disconnection || e == ras_error::hardware_failure;
    }
    return false;
  }
};

}  // namespace

const std::error_category& ras_category() noexcept {
  static const ras_category_impl instance;
  return instance;
}

const std::error_category& ras_condition_category() noexcept {
  static const ras_condition_category_impl instance;
  return instance;
}

std::string_view ras_error_name(int code) noexcept {
  const auto* info = find_info(code);
  return info ? info->name : std::string_view{};
}

std::string describe(const std::error_code& ec) {
  if (!ec) return "success";
  if (ec.category() == ras_category())
    return "error " + std::to_string(ec.value()) + ": " + ec.message();
  return ec.message() + " (" + ec.category().name() + " " + std::to_string(ec.value()) + ")";
}

std::uint32_t ras_number(const std::error_code& ec) noexcept {
  if (!ec) return 0;
  if (ec.category() == ras_category()) return static_cast<std::uint32_t>(ec.value());
  return static_cast<std::uint32_t>(ras_error::unknown);
}

}  // namespace dialup
