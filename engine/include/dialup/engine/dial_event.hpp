// dialup::connection_handle and dialup::dial_event — a connection's handle (HRASCONN) and
// one progress notification of a dial (what RasDialFunc2 receives, as one struct). Plain
// data with no I/O; notifier.hpp delivers these.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <system_error>

#include "dialup/engine/conn_state.hpp"

namespace dialup {

// An opaque connection handle, like HRASCONN. Zero is "no handle".
struct connection_handle {
  std::uint64_t value = 0;
  explicit operator bool() const noexcept { return value != 0; }
  friend bool operator==(connection_handle, connection_handle) = default;
};

// WM_RASDIALEVENT: the message number RAS uses when RegisterWindowMessage fails (RasDial documentation).
inline constexpr unsigned wm_rasdialevent = 0xCCCD;

struct dial_event {
  connection_handle handle;
  conn_state state = conn_state::open_port;
  std::error_code error;              // empty on entry to a state
  std::uint32_t extended_error = 0;   // dwExtendedError
  std::uint32_t sub_entry = 1;        // 1-based (multilink)
  std::uintptr_t callback_id = 0;     // dial_params::callback_id
  // When the engine entered the state (or met the error), on the steady clock — not when
  // the notifier runs.
  std::chrono::steady_clock::time_point time{};
  // Which dial attempt this is (1 = the first). A redial reports ConnectDevice again with
  // the next attempt number, the number it dials, and the RAS error that ended the previous
  // attempt in extended_error (676 busy, 678 no answer, ...).
  std::uint32_t attempt = 1;
  // With an error: what happened, in the user's words, beyond the RAS number — for
  // example "cannot open /dev/null: not a serial port". Empty when the number says it all.
  // Never contains a password.
  std::string detail;
};

}  // namespace dialup
