// dialup::conn_state — the RAS connection states (RASCONNSTATE).
//
// Every enumerator keeps the name (in snake_case) and the numeric value of its RASCS_*
// counterpart in ras.h: conn_state::device_connected is RASCS_DeviceConnected == 3, the
// paused block starts at RASCS_PAUSED == 0x1000 and the done block at RASCS_DONE == 0x2000
// (docs/ras-model.md §3.1). Callers must not rely on the order or presence of informational
// states (§2.2); the engine reports the modem-dial subset in the order of §3.3.
#pragma once

#include <cstdint>
#include <string_view>

namespace dialup {

enum class conn_state : std::uint32_t {
  open_port = 0,
  port_opened = 1,
  connect_device = 2,
  device_connected = 3,
  all_devices_connected = 4,
  authenticate = 5,
  auth_notify = 6,
  auth_retry = 7,
  auth_callback = 8,
  auth_change_password = 9,
  auth_project = 10,
  auth_link_speed = 11,
  auth_ack = 12,
  re_authenticate = 13,
  authenticated = 14,
  prepare_for_callback = 15,
  wait_for_modem_reset = 16,
  wait_for_callback = 17,
  projected = 18,
  start_authentication = 19,
  callback_complete = 20,
  logon_network = 21,
  sub_entry_connected = 22,
  sub_entry_disconnected = 23,
  apply_settings = 24,

  interactive = 0x1000,  // RASCS_PAUSED
  retry_authentication = 0x1001,
  callback_set_by_caller = 0x1002,
  password_expired = 0x1003,
  invoke_eap_ui = 0x1004,

  connected = 0x2000,  // RASCS_DONE
  disconnected = 0x2001,
};

inline constexpr std::uint32_t rascs_paused = 0x1000;
inline constexpr std::uint32_t rascs_done = 0x2000;

// The RAS name without the RASCS_ prefix ("OpenPort", "DeviceConnected", ...);
// "Unknown" for a value that is not a RASCONNSTATE.
std::string_view to_string(conn_state s) noexcept;

// A paused state waits for the caller (docs/ras-model.md §3.1): PAUSED bit set, DONE bit clear.
constexpr bool is_paused(conn_state s) noexcept {
  auto v = static_cast<std::uint32_t>(s);
  return (v & rascs_paused) != 0 && (v & rascs_done) == 0;
}

// Connected or Disconnected.
constexpr bool is_done(conn_state s) noexcept {
  return (static_cast<std::uint32_t>(s) & rascs_done) != 0;
}

}  // namespace dialup
