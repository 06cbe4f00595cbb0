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
// - HUPCL: when the port is closed, or this process dies, the kernel drops DTR and a modem
//   set to &D2 hangs up: no line is left off-hook by a killed dialer.
// - DTR and RTS raised explicitly, DTR read back.
// - Lines without modem control (ptys: every TIOCM* ioctl fails with ENOTTY) report
//   has_modem_control() == false; the engine then hangs up with +++/ATH, and RTS/CTS is
//   not checked.
//
// Open errors (dialup/engine/port_error.hpp; ras_error_for_open_failure() gives the RAS
// number):
//   port_error::not_a_serial_port    not a tty (/dev/null, a regular file, a FIFO)
//   port_error::is_a_directory       a directory
//   port_error::speed_not_supported  0, or a rate the port refused or kept more than 2%
//                                    off (any rate is tried: termios2 with BOTHER where
//                                    termios has no B* constant)
//   port_error::setting_refused      the port refused raw mode, RTS/CTS or DTR
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
#include <string>
#include <system_error>

#include "dialup/engine/transport.hpp"

namespace dialup::drivers {

class uucp_lock;

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

 private:
  serial_transport(boost::asio::any_io_executor ex, std::string path);

  boost::asio::serial_port port_;
  std::string path_;
  bool modem_control_ = false;
  std::uint32_t speed_ = 0;
  std::unique_ptr<uucp_lock> lock_;  // released at close() and destruction
};

// Opens serial_transports for the engine: any port name that is a path.
class serial_transport_factory final : public transport_factory {
 public:
  void async_open(const std::string& port, const port_settings& settings,
                  boost::asio::any_io_executor ex, open_handler h) override;
};

}  // namespace dialup::drivers
