// dialup::drivers::serial_transport — a modem on a local tty (/dev/ttyUSB*, /dev/ttyACM*,
// /dev/ttyS*, or a pty) through Boost.Asio's serial_port, with the modem-control lines
// Asio lacks done through the native handle (TIOCMGET/TIOCMBIS/TIOCMBIC).
//
// Opening (peers.md §8, §11):
// - O_RDWR|O_NOCTTY|O_NONBLOCK, raw mode, the requested speed and RTS/CTS, read back
//   afterwards: a speed the port did not take fails the open (EINVAL).
// - An exclusive advisory lock (flock, as libserialport does) plus TIOCEXCL: a second
//   program cannot open the modem behind our back; the open fails with EBUSY if another
//   program holds it.
// - HUPCL: when the port is closed, or this process dies, the kernel drops DTR and a modem
//   set to &D2 hangs up: no line is left off-hook by a killed dialer.
// - DTR and RTS raised explicitly.
// - Lines without modem control (ptys: every TIOCM* ioctl fails with ENOTTY, interop.md)
//   report has_modem_control() == false; the engine then hangs up with +++/ATH.
//
// Threading: as dialup::transport — used only from the executor given at open.
#pragma once

#include <memory>
#include <string>
#include <system_error>

#include "dialup/engine/transport.hpp"

namespace dialup::drivers {

class serial_transport final : public transport {
 public:
  // Opens synchronously (the open itself does not block: O_NONBLOCK).
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

  bool has_modem_control() const override { return modem_control_; }
  std::error_code set_dtr(bool on) override;
  std::error_code get_lines(modem_lines& out) override;

 private:
  serial_transport(boost::asio::any_io_executor ex, std::string path);

  boost::asio::serial_port port_;
  std::string path_;
  bool modem_control_ = false;
};

// Opens serial_transports for the engine: any port name that is a path.
class serial_transport_factory final : public transport_factory {
 public:
  void async_open(const std::string& port, const port_settings& settings,
                  boost::asio::any_io_executor ex, open_handler h) override;
};

}  // namespace dialup::drivers
