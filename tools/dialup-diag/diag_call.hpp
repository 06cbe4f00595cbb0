// diag_call — one call through the engine for the measurements that need a line (calls,
// throughput): the dial, waited for on the program's own loop and hung up at once when the
// run is interrupted; and the hang-up, which every handle gets (docs/ras-model.md §1.2).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <system_error>

#include <utility>  // before Asio (a Boost 1.74 header needs it in C++20)
#include <boost/asio/io_context.hpp>

#include "dialup/engine/connection_manager.hpp"

namespace dialup_diag {

struct dial_outcome {
  dialup::connection_handle handle{};
  bool connected = false;
  bool refused = false;                 // refused before any port work (a bad number): error says why
  std::error_code error;                // why the dial failed
  std::string failed_in;                // the RAS state it failed in
  std::string detail;
  std::optional<double> connect_s;      // dial start -> DeviceConnected (CONNECT)
  dialup::connection_status status;     // when connected: the rate, the CONNECT line
};

// Dials `number` on `port` and waits. `io` must be the loop registered for this thread
// (dialup::thread_loop_scope); it is run until the dial ends.
dial_outcome dial_call(dialup::connection_manager& mgr, boost::asio::io_context& io, const std::string& port,
                       const std::string& number, std::uint32_t baud);

// Hangs up and waits until the port is closed; false when the engine could not confirm the
// modem on-hook (638).
bool hang_up_call(dialup::connection_manager& mgr, boost::asio::io_context& io, dialup::connection_handle h);

}  // namespace dialup_diag
