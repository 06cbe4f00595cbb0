// dialup::ras_error — RAS error numbers as an std::error_code category.
//
// Values are the numbers of raserror.h (RASBASE = 600; docs/ras-model.md §6.1), plus the two
// Win32 codes the RAS calls return for bad arguments (6 ERROR_INVALID_HANDLE, 87
// ERROR_INVALID_PARAMETER). Message texts are our own words, written for someone at a
// terminal ("the line is busy"), not Microsoft's. Operating-system failures stay in
// std::system_category.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace dialup {

enum class ras_error : int {
  invalid_handle = 6,      // ERROR_INVALID_HANDLE (winerror.h)
  invalid_parameter = 87,  // ERROR_INVALID_PARAMETER (winerror.h)

  pending = 600,
  invalid_port_handle = 601,
  port_already_open = 602,
  buffer_too_small = 603,
  port_not_connected = 606,
  device_does_not_exist = 608,
  devicetype_does_not_exist = 609,
  port_not_found = 615,
  already_disconnecting = 617,
  port_not_open = 618,
  port_disconnected = 619,
  cannot_open_phonebook = 621,
  cannot_load_phonebook = 622,
  cannot_find_phonebook_entry = 623,
  cannot_write_phonebook = 624,
  corrupt_phonebook = 625,
  disconnection = 628,
  remote_disconnection = 629,
  hardware_failure = 630,
  user_disconnection = 631,
  invalid_size = 632,
  port_not_available = 633,
  unknown = 635,
  wrong_device_attached = 636,
  request_timeout = 638,
  auth_internal = 645,
  restricted_logon_hours = 646,
  acct_disabled = 647,
  passwd_expired = 648,
  no_dialin_permission = 649,
  from_device = 651,
  unrecognized_response = 652,
  macro_not_found = 653,
  no_responses = 660,
  no_command_found = 661,
  allocating_memory = 664,
  port_not_configured = 665,
  device_not_ready = 666,
  no_connection = 668,
  line_busy = 676,
  voice_answer = 677,
  no_answer = 678,
  no_carrier = 679,
  no_dialtone = 680,
  in_command = 681,
  authentication_failure = 691,
  port_or_device = 692,
  partial_response_looping = 697,
  recv_buf_full = 699,
  cmd_too_long = 700,
  unsupported_bps = 701,
  unexpected_response = 702,
  interactive_mode = 703,
  bad_callback_number = 704,
  acct_expired = 708,
  changing_password = 709,
  overrun = 710,
  too_many_line_errors = 715,
  ppp_timeout = 718,
  ppp_remote_terminated = 719,
  ppp_no_protocols_configured = 720,
  ppp_no_response = 721,
  ppp_invalid_packet = 722,
  phone_number_too_long = 723,
  projection_not_complete = 730,
  protocol_not_configured = 731,
  ppp_not_converging = 732,
  ppp_cp_rejected = 733,
  ppp_lcp_terminated = 734,
  ppp_required_address_rejected = 735,
  ppp_ncp_terminated = 736,
  ppp_loopback_detected = 737,
  ppp_no_address_assigned = 738,
  bad_phone_number = 749,
  invalid_callback_number = 751,
  script_syntax = 752,
  dial_already_in_progress = 756,
  bad_address_specified = 769,
  connection_reject = 770,
  congestion = 771,
  incompatible = 772,
  number_changed = 773,
  temp_failure = 774,
  blocked = 775,
  do_not_disturb = 776,
  out_of_order = 777,
  connecting_device_not_found = 797,
  idle_timeout = 828,
  link_failure = 829,
};

const std::error_category& ras_category() noexcept;

inline std::error_code make_error_code(ras_error e) noexcept {
  return {static_cast<int>(e), ras_category()};
}

// Groups of RAS errors the engine and its tools decide by; compare with ==
// (`ec == ras_condition::line_lost`). One definition of each, here, instead of lists of
// codes repeated where the decision is made.
enum class ras_condition {
  // A call outcome that dialling again may change: busy, no dial tone, no answer, no
  // carrier, a voice answer, a temporary network failure (docs/ras-model.md §6.2). Busy and
  // no dial tone are still subject to the entry's abort switches; a port, modem or timeout
  // failure is not in the group — it is not going to get better by dialling again.
  worth_redialling = 1,
  // A call that was up went down under the caller: the carrier was lost (629) or the device
  // went away (630). RASEO2_ReconnectIfDropped dials again on these.
  line_lost,
};

const std::error_category& ras_condition_category() noexcept;

inline std::error_condition make_error_condition(ras_condition c) noexcept {
  return {static_cast<int>(c), ras_condition_category()};
}

// The raserror.h name of a code ("ERROR_LINE_BUSY"), or "" if we do not know it.
std::string_view ras_error_name(int code) noexcept;

// One line for a user: "error 676: the line is busy" for RAS codes, the system's text for
// system errors.
std::string describe(const std::error_code& ec);

// The RAS number to report for an error code: its value for ras_category, 0 for no error,
// and 635 (ERROR_UNKNOWN) for anything else — what RasDialFunc's dwError can carry.
std::uint32_t ras_number(const std::error_code& ec) noexcept;

}  // namespace dialup

template <>
struct std::is_error_code_enum<dialup::ras_error> : std::true_type {};
template <>
struct std::is_error_condition_enum<dialup::ras_condition> : std::true_type {};
