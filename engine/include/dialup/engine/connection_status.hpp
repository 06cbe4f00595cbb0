// dialup::connection_status, connection_event, connection_info — what the engine reports
// about a connection (RASCONNSTATUS, RasConnectionNotification, RASCONN in the Windows RAS
// documentation). Plain data with no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include "dialup/engine/conn_state.hpp"
#include "dialup/engine/dial_event.hpp"

namespace dialup {

// RASCONNSTATUS plus what the modem reported about the link.
struct connection_status {
  conn_state state = conn_state::open_port;
  std::error_code error;       // the error that stopped the connection, if any
  std::string error_detail;    // what happened beyond the RAS number (dial_event::detail)
  std::string device_type = "modem";
  std::string device_name;     // the port
  std::string phone_number;    // as dialled
  std::uint32_t connect_rate = 0;  // from CONNECT <rate> (bit/s), 0 if not reported
  std::string connect_text;        // the whole CONNECT line ("CONNECT 33600/ARQ")
  std::vector<std::string> negotiation;  // CARRIER / PROTOCOL / COMPRESSION lines
};

// A connection coming up or going down (the RasConnectionNotification idea, docs/ras-model.md
// §5.5): connected when a dial reaches Connected; disconnected when the carrier drops (629),
// the device vanishes (630), the line is idle too long (828) or the connection is hung up
// (631) — whatever ends it, once.
// With dial_entry::reconnect_if_dropped a carrier drop or a vanished device gives
// disconnected (629 / 630), then reconnecting (with the same error), then reconnected when
// the line is up again, or disconnected with the last attempt's error when the redial rules
// give up (RASCN_ReConnection).
// A reconnect that reaches a paused state (its login refused, a terminal step) gives
// `paused` with the state: the dial's notifier has finished at the first Connected, so this
// is where the caller hears it; resume with dial(handle, params) or hang up as for a dial.
enum class connection_event_kind { connected, disconnected, reconnecting, reconnected, paused };

struct connection_event {
  connection_handle handle;
  connection_event_kind kind = connection_event_kind::connected;
  std::error_code error;  // why it went down
  std::chrono::steady_clock::time_point time{};
  conn_state state = conn_state::connected;  // paused: the paused state
};

struct connection_info {
  connection_handle handle;
  std::string entry_name;  // "." + number for a call without an entry (RasEnumConnections)
  std::string device_name;
  conn_state state = conn_state::open_port;
};

}  // namespace dialup
