// connection_state: the one state of a connection's FSM, and its table (docs/engine.md §2).
// Internal to the engine.
//
// Each row says what the state is called in the log, which RAS state (RASCONNSTATE) the
// dial reports on entering it, whether it is one of the paused states (docs/ras-model.md
// §1.4), and what the connection's one timer means in it. A state with no RAS state keeps
// the one reported before it: `failed` keeps the state the dial failed in (docs/ras-model.md
// §1.5), `call_up` the modem's DeviceConnected or the next device's ConnectDevice.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "dialup/engine/conn_state.hpp"

namespace dialup::detail {

enum class connection_state : std::uint8_t {
  opening,               // the port is being opened
  init,                  // reset and init commands
  dialing,               // ATD sent, waiting for CONNECT
  dial_script,           // the entry's dial script talks to the modem
  redial_wait,           // an attempt failed; the pause before the next
  call_up,               // the modem's call is up; the next device is being chosen
  terminal,              // paused: the caller's terminal step
  callback_number,       // paused: waiting for the callback number
  login_script,          // the login script over the data line
  retry_authentication,  // paused: the login was refused, waiting for new credentials
  password_expired,      // paused: waiting for a new password
  password_script,       // the login script again, changing the password
  callback_prepare,      // the server is about to hang up and call back (a callback_phase)
  callback_init,         // reset and init again for the callback
  callback_wait,         // waiting for the callback's RING
  answering,             // ATA sent, waiting for CONNECT
  callback_script,       // the callback (or login) script over the new call
  online,                // connected: the data line is the caller's
  dropped,               // was online; the carrier or the device went away
  reconnect_wait,        // dropped, reconnecting: the pause before dialling again
  reopen_wait,           // reconnecting: the device is not back yet
  failed,                // the dial failed; waiting for the caller's hang-up
  hanging_up,            // the hang-up procedure runs
  closed,                // the port is closed and the handle retired
};

struct connection_state_row {
  connection_state state;
  std::string_view name;
  std::optional<conn_state> reports;  // reported on entry; none: the one before stays
  bool paused;
  std::string_view timeout;  // what the timer means here; empty: no timer
};

inline constexpr std::array<connection_state_row, 24> connection_states{{
    {connection_state::opening, "opening", conn_state::open_port, false, ""},
    {connection_state::init, "init", conn_state::connect_device, false, ""},
    {connection_state::dialing, "dialing", conn_state::connect_device, false, ""},
    {connection_state::dial_script, "dial-script", conn_state::connect_device, false, ""},
    {connection_state::redial_wait, "redial-wait", conn_state::connect_device, false,
     "the redial pause is over: dial the next attempt"},
    {connection_state::call_up, "call-up", std::nullopt, false, ""},
    {connection_state::terminal, "terminal", conn_state::interactive, true, ""},
    {connection_state::callback_number, "callback-number", conn_state::callback_set_by_caller, true, ""},
    {connection_state::login_script, "login-script", conn_state::connect_device, false, ""},
    {connection_state::retry_authentication, "retry-authentication", conn_state::retry_authentication,
     true, ""},
    {connection_state::password_expired, "password-expired", conn_state::password_expired, true, ""},
    {connection_state::password_script, "password-script", conn_state::connect_device, false, ""},
    {connection_state::callback_prepare, "callback-prepare", conn_state::prepare_for_callback, false, ""},
    {connection_state::callback_init, "callback-init", conn_state::wait_for_modem_reset, false, ""},
    {connection_state::callback_wait, "callback-wait", conn_state::wait_for_callback, false,
     "no callback in time: fail with 638"},
    {connection_state::answering, "answering", conn_state::wait_for_callback, false, ""},
    {connection_state::callback_script, "callback-script", std::nullopt, false, ""},
    {connection_state::online, "online", conn_state::connected, false,
     "poll DCD (every second, on a line with modem-control signals) and check the idle limit"},
    {connection_state::dropped, "dropped", conn_state::disconnected, false, ""},
    {connection_state::reconnect_wait, "reconnect-wait", std::nullopt, false,
     "the pause is over: reset, init and dial again (or open the port again)"},
    {connection_state::reopen_wait, "reopen-wait", std::nullopt, false,
     "the pause is over: try to open the port again"},
    {connection_state::failed, "failed", std::nullopt, false, ""},
    {connection_state::hanging_up, "hanging-up", std::nullopt, false,
     "the hang-up's deadline: close the port whatever the modem does"},
    {connection_state::closed, "closed", conn_state::disconnected, false, ""},
}};

constexpr const connection_state_row& row(connection_state s) noexcept {
  return connection_states[static_cast<std::size_t>(s)];
}

// The states in which a script_phase runs over the line.
constexpr bool is_script_state(connection_state s) noexcept {
  return s == connection_state::dial_script || s == connection_state::login_script ||
         s == connection_state::password_script || s == connection_state::callback_script;
}

// The states in which a link phase runs (link_phase.hpp): a script, or the first call's end
// before a callback (callback_phase). Leaving one stops the phase; a carrier loss is its.
constexpr bool is_link_state(connection_state s) noexcept {
  return is_script_state(s) || s == connection_state::callback_prepare;
}

// The table is indexed by the enum: each row must sit at its state's value.
constexpr bool connection_table_in_order() noexcept {
  for (std::size_t i = 0; i < connection_states.size(); ++i)
    if (static_cast<std::size_t>(connection_states[i].state) != i) return false;
  return true;
}
static_assert(connection_table_in_order(), "connection_states rows out of order");
static_assert(connection_states.size() == static_cast<std::size_t>(connection_state::closed) + 1);

}  // namespace dialup::detail
