// One call through the engine, waited for on the program's loop (diag_call.hpp).
#include "diag_call.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include "diag_port.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace dialup_diag {

dial_outcome dial_call(dialup::connection_manager& mgr, asio::io_context& io, const std::string& port,
                       const std::string& number, std::uint32_t baud) {
  dial_outcome r;
  dialup::dial_entry entry;
  entry.port = port;
  entry.phone_number = number;
  entry.settings.baud_rate = baud;
  const auto t0 = std::chrono::steady_clock::now();
  bool done = false;
  std::optional<std::chrono::steady_clock::time_point> connect_at;
  dialup::dial_event last;
  std::error_code ec;
  auto work = asio::make_work_guard(io);  // run_one_for waits, rather than returning at once
  r.handle = mgr.dial(entry, dialup::dial_params{}, {},
                      dialup::notifier::on_event(asio::bind_executor(io, [&](const dialup::dial_event& e) {
                        if (e.state == dialup::conn_state::device_connected && !e.error) connect_at = e.time;
                        if (e.error || e.state == dialup::conn_state::connected ||
                            e.state == dialup::conn_state::disconnected) {
                          last = e;
                          done = true;
                        }
                      })),
                      ec);
  if (ec) {
    r.refused = true;
    r.error = ec;
    return r;
  }
  if (io.stopped()) io.restart();
  bool hang_requested = false;
  while (!done) {
    io.run_one_for(20ms);
    if (!done && interrupted() && !hang_requested) {
      hang_requested = true;
      mgr.hang_up(r.handle);  // the dial ends in an error; the caller still hangs the handle up
    }
  }
  if (connect_at) r.connect_s = std::chrono::duration<double>(*connect_at - t0).count();
  if (!last.error && last.state == dialup::conn_state::connected) {
    r.connected = true;
    mgr.status(r.handle, r.status);
  } else {
    r.error = last.error;
    r.failed_in = std::string(dialup::to_string(last.state));
    r.detail = last.detail;
  }
  return r;
}

bool hang_up_call(dialup::connection_manager& mgr, asio::io_context& io, dialup::connection_handle h) {
  auto work = asio::make_work_guard(io);
  if (io.stopped()) io.restart();
  bool hung = false;
  std::error_code hang_ec;
  mgr.async_hang_up(h, [&](std::error_code e) {
    hang_ec = e;
    hung = true;
  });
  while (!hung) io.run_one_for(20ms);
  return !hang_ec;
}

}  // namespace dialup_diag
