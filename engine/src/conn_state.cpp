// to_string(conn_state): the RASCS_* names without their prefix (docs/ras-model.md §3.1).
#include "dialup/engine/conn_state.hpp"

namespace dialup {

std::string_view to_string(conn_state s) noexcept {
  switch (s) {
    case conn_state::open_port: return "OpenPort";
    case conn_state::port_opened: return "PortOpened";
    case conn_state::connect_device: return "ConnectDevice";
    case conn_state::device_connected: return "DeviceConnected";
    case conn_state::all_devices_connected: return "AllDevicesConnected";
    case conn_state::authenticate: return "Authenticate";
    case conn_state::auth_notify: return "AuthNotify";
    case conn_state::auth_retry: return "AuthRetry";
    case conn_state::auth_callback: return "AuthCallback";
    case conn_state::auth_change_password: return "AuthChangePassword";
    case conn_state::auth_project: return "AuthProject";
    case conn_state::auth_link_speed: return "AuthLinkSpeed";
    case conn_state::auth_ack: return "AuthAck";
    case conn_state::re_authenticate: return "ReAuthenticate";
    case conn_state::authenticated: return "Authenticated";
    case conn_state::prepare_for_callback: return "PrepareForCallback";
    case conn_state::wait_for_modem_reset: return "WaitForModemReset";
    case conn_state::wait_for_callback: return "WaitForCallback";
    case conn_state::projected: return "Projected";
    case conn_state::start_authentication: return "StartAuthentication";
    case conn_state::callback_complete: return "CallbackComplete";
    case conn_state::logon_network: return "LogonNetwork";
    case conn_state::sub_entry_connected: return "SubEntryConnected";
    case conn_state::sub_entry_disconnected: return "SubEntryDisconnected";
    case conn_state::apply_settings: return "ApplySettings";
    case conn_state::interactive: return "Interactive";
    case conn_state::retry_authentication: return "RetryAuthentication";
    case conn_state::callback_set_by_caller: return "CallbackSetByCaller";
    case conn_state::password_expired: return "PasswordExpired";
    case conn_state::invoke_eap_ui: return "InvokeEapUI";
    case conn_state::connected: return "Connected";
    case conn_state::disconnected: return "Disconnected";
  }
  return "Unknown";
}

}  // namespace dialup
