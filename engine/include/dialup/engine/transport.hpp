// dialup::transport — how the engine reaches a modem: an asynchronous byte stream with,
// where the line has them, modem-control lines (DTR, RTS out; DCD, DSR, CTS, RI in).
//
// The engine never includes termios, ioctl or libserialport: drivers implement this
// interface (serial ttys, RFC 2217 remote ports) and the tests implement it in memory.
//
// Threading: a transport belongs to one connection and is used only from the executor the
// engine passes to transport_factory::async_open (the engine's strand). Completion
// handlers are always invoked through that executor, never inside the initiating call.
// At most one read and one write are outstanding at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "dialup/engine/detail/asio.hpp"
#include "dialup/engine/port_settings.hpp"

namespace dialup {

// Modem-control line states as read from the port (true = asserted).
struct modem_lines {
  bool dcd = false;  // data carrier detect (RLSD)
  bool dsr = false;
  bool cts = false;
  bool ri = false;
};

// A change of the modem-control inputs, as the driver saw it (docs/serial-lines.md §4).
struct modem_line_event {
  modem_lines lines;    // the state after the change
  modem_lines changed;  // true for each line whose level differs from the previous event's
                        // (or from lines_at_open() for the first event)
  // Ring pulses since the previous event. RI is a pulse: it can rise and fall between two
  // reads of the lines, so a driver counts them (Linux TIOCGICOUNT's rng) rather than
  // compare levels; a ring the driver saw only as a level change counts one.
  unsigned ring_pulses = 0;
  // When the driver saw the change (the driver's clock: steady_clock), before it was
  // posted to the engine: the engine's latency figures are measured from it.
  std::chrono::steady_clock::time_point at{};
};

class transport {
 public:
  using io_handler = std::function<void(std::error_code, std::size_t)>;
  using handler = std::function<void(std::error_code)>;
  using line_handler = std::function<void(std::error_code, const modem_line_event&)>;

  virtual ~transport() = default;

  // Reads at least one byte. Errors: asio::error::eof or EIO when the device went away,
  // operation_aborted after cancel()/close().
  virtual void async_read_some(boost::asio::mutable_buffer buffer, io_handler h) = 0;
  // Writes the whole buffer.
  virtual void async_write(boost::asio::const_buffer buffer, io_handler h) = 0;
  // Cancels outstanding operations (they complete with operation_aborted).
  virtual void cancel() = 0;
  // Closes the port. Outstanding operations complete with operation_aborted.
  virtual void close() = 0;
  virtual bool is_open() const = 0;

  // A human-readable name: the device path, or rfc2217://host:port.
  virtual std::string name() const = 0;

  // Whether this line has modem-control signals (a real UART or USB modem, an RFC 2217
  // port). A pty has none: every TIOCM* ioctl fails (docs/interop.md).
  virtual bool has_modem_control() const { return false; }
  // Sets DTR. Only meaningful when has_modem_control().
  virtual std::error_code set_dtr(bool on) {
    (void)on;
    return std::make_error_code(std::errc::operation_not_supported);
  }
  // Reads DCD/DSR/CTS/RI. Only meaningful when has_modem_control().
  virtual std::error_code get_lines(modem_lines& out) {
    (void)out;
    return std::make_error_code(std::errc::operation_not_supported);
  }
  // The inputs as read once the port was open and set up (a driver reads them before it
  // returns the transport); empty when the line has no modem control.
  virtual std::optional<modem_lines> lines_at_open() const { return std::nullopt; }

  // Modem-control change events. Returns false, and never calls h, when this transport
  // cannot report changes (no modem control, or a driver without events): the engine then
  // polls get_lines(). Otherwise h is called once, through the transport's executor, with
  // the next change after the previous event (or after lines_at_open()); a change that
  // happened while no wait was outstanding is reported by the next wait at once, so the
  // engine re-arms without missing one. At most one wait is outstanding.
  // Errors: operation_aborted after cancel()/close(); eof, EIO or ENXIO when the device
  // went away (a USB modem unplugged, an RFC 2217 connection lost), which is a vanished
  // device and not a carrier loss.
  virtual bool async_wait_lines(line_handler h) {
    (void)h;
    return false;
  }
};

// Opens transports by port name. Drivers provide the real one; the engine holds one.
class transport_factory {
 public:
  using open_handler = std::function<void(std::error_code, std::unique_ptr<transport>)>;
  virtual ~transport_factory() = default;

  // Opens `port` and hands the transport to h through `ex`. Errors are system errors
  // (ENOENT, EBUSY, EACCES, ...) or RAS errors; the engine maps them to RAS numbers.
  virtual void async_open(const std::string& port, const port_settings& settings,
                          boost::asio::any_io_executor ex, open_handler h) = 0;
};

}  // namespace dialup
