// dialup::drivers::serial_transport — a modem on a local tty (/dev/ttyUSB*, /dev/ttyACM*,
// /dev/ttyS*, or a pty) through Boost.Asio's serial_port, with the modem-control lines
// Asio lacks done through the native handle (TIOCMGET/TIOCMBIS/TIOCMBIC, tty_ioctl(4)).
//
// Opening:
// - O_RDWR|O_NOCTTY|O_NONBLOCK; the path must be a tty (a character device that answers
//   tcgetattr).
// - A UUCP lock file (/var/lock/LCK..ttyUSB0, the convention minicom, pppd, cu and tio
//   share; src/uucp_lock.hpp, docs/serial-lines.md), taken before the open: a stale lock
//   of a dead process is removed, a live one fails the open naming its program. Then an
//   exclusive advisory lock (flock(2), as libserialport does) plus TIOCEXCL: a second
//   program cannot open the modem behind our back. The UUCP lock is removed at close(),
//   at destruction, and left stale (a dead pid, taken over next time) by a crash.
// - Raw mode, 8N1, CREAD|CLOCAL, RTS/CTS as asked, then the speed; each read back after
//   it is applied (tcsetattr(3) reports success when any one change was made).
// - HUPCL as port_settings::hang_up_on_close asks (on by default): when the port is
//   closed, or this process dies, the kernel drops DTR and a modem set to &D2 hangs up, so
//   no line is left off-hook by a killed dialer. Read back with the rest of termios.
// - DTR and RTS set explicitly as port_settings asks (TIOCMBIS to raise, TIOCMBIC to
//   drop), whatever the open left them at, and read back (TIOCMGET); RTS stays up with
//   hardware flow control, whose output it is. Then the inputs are read once:
//   lines_at_open().
// - Lines without modem control (ptys: every TIOCM* ioctl fails with ENOTTY) report
//   has_modem_control() == false, lines_at_open() empty, and async_wait_lines() returns
//   false; the engine then hangs up with +++/ATH, and RTS/CTS is not checked.
//
// Change events (async_wait_lines, docs/serial-lines.md §4): a helper thread per port
// blocked in TIOCMIWAIT, stopped by close() and the destructor with a signal; or, where
// the driver has no TIOCMIWAIT or TIOCGICOUNT, TIOCMGET polled every 25 ms on the executor
// while a wait is outstanding. Either way the handler runs on the executor.
//
// A vanished device (docs/serial-lines.md §5: EIO or ENXIO from the modem-control ioctls,
// POLLHUP, the device node gone or naming another device; checked every 250 ms while a
// wait is outstanding) fails the outstanding wait, and every later one, with EIO or ENXIO;
// reads and writes outstanding then or started later fail with the same error. A carrier
// loss is only a DCD change.
//
// Open errors (dialup/engine/port_error.hpp; ras_error_for_open_failure() gives the RAS
// number):
//   port_error::not_a_serial_port    not a tty (/dev/null, a regular file, a FIFO)
//   port_error::is_a_directory       a directory
//   port_error::speed_not_supported  0, or a rate the port refused or kept more than 2%
//                                    off (any rate is tried: termios2 with BOTHER where
//                                    termios has no B* constant)
//   port_error::setting_refused      the port refused raw mode, RTS/CTS, HUPCL, DTR or RTS
//   port_error::in_use               TIOCEXCL set by another program (EBUSY), or the flock
//                                    held by another dialup
//   lock_owner_category (value: pid) a live process holds the UUCP lock; the message names
//                                    its program ("locked by minicom (pid 1234)")
//   "dialup.port.access" (value: gid) EACCES, EPERM; the message names the device's group
//                                    to join (dialout)
//   a system error                   ENOENT, ENODEV, ENXIO, EIO, ...
//
// Threading: as dialup::transport — used only from the executor given at open.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "dialup/engine/transport.hpp"

namespace dialup::drivers {

class uucp_lock;
class modem_control_watch;

// How a serial_transport sees modem-control changes.
enum class line_events {
  none,            // no modem control (a pty): async_wait_lines returns false
  interrupt_wait,  // a helper thread in TIOCMIWAIT
  polling,         // TIOCMGET on a timer: the driver has no TIOCMIWAIT or TIOCGICOUNT
};

class serial_transport final : public transport {
 public:
  // Opens synchronously (the open itself does not block: O_NONBLOCK). On failure returns
  // null with ec set (the errors above).
  static std::unique_ptr<serial_transport> open(boost::asio::any_io_executor ex,
                                                const std::string& path,
                                                const port_settings& settings,
                                                std::error_code& ec);
  ~serial_transport() override;

  void async_read_some(boost::asio::mutable_buffer buffer, io_handler h) override;
  void async_write(boost::asio::const_buffer buffer, io_handler h) override;
  void cancel() override;
  void close() override;
  bool is_open() const override;
  std::string name() const override { return path_; }

  // The speed the port holds, as read back after it was set.
  std::uint32_t speed() const { return speed_; }
  // The UUCP lock file this transport holds, or "" (no lock directory we may write).
  std::string lock_file() const;

  bool has_modem_control() const override { return modem_control_; }
  std::error_code set_dtr(bool on) override;
  std::error_code get_lines(modem_lines& out) override;
  std::optional<modem_lines> lines_at_open() const override { return lines_at_open_; }
  // True on a line with modem control: h gets the next change (transport.hpp). After
  // close() it completes with operation_aborted.
  bool async_wait_lines(line_handler h) override;

  // How changes are seen now (interrupt_wait becomes polling once the helper thread finds
  // that the driver has no TIOCMIWAIT).
  line_events line_events_method() const;

 private:
  serial_transport(boost::asio::any_io_executor ex, std::string path);
  void stop_watch();
  void release_exclusive();  // TIOCNXCL, before the descriptor closes

  boost::asio::serial_port port_;
  std::string path_;
  bool modem_control_ = false;
  std::uint32_t speed_ = 0;
  std::optional<modem_lines> lines_at_open_;
  // The error of a vanished device once seen (shared with the read and write handlers,
  // which may run after the transport is gone).
  std::shared_ptr<std::error_code> vanished_;
  std::unique_ptr<modem_control_watch> watch_;  // stopped (its thread joined) before the fd closes
  std::unique_ptr<uucp_lock> lock_;  // released at close() and destruction
};

// Opens serial_transports for the engine: any port name that is a path.
class serial_transport_factory final : public transport_factory {
 public:
  void async_open(const std::string& port, const port_settings& settings,
                  boost::asio::any_io_executor ex, open_handler h) override;
};

}  // namespace dialup::drivers
