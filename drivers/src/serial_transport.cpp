#include "dialup/drivers/serial_transport.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

namespace dialup::drivers {
namespace asio = boost::asio;

namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

speed_t to_speed(std::uint32_t baud) {
  switch (baud) {
    case 300: return B300;
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    case 921600: return B921600;
    default: return B0;
  }
}

}  // namespace

serial_transport::serial_transport(asio::any_io_executor ex, std::string path)
    : port_(ex), path_(std::move(path)) {}

serial_transport::~serial_transport() {
  boost::system::error_code ignored;
  port_.close(ignored);
}

std::unique_ptr<serial_transport> serial_transport::open(asio::any_io_executor ex,
                                                         const std::string& path,
                                                         const port_settings& settings,
                                                         std::error_code& ec) {
  ec.clear();
  const speed_t speed = to_speed(settings.baud_rate);
  if (speed == B0) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return nullptr;
  }
  int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    ec = last_error();
    return nullptr;
  }
  auto fail = [&](std::error_code e) -> std::unique_ptr<serial_transport> {
    ::close(fd);
    ec = e;
    return nullptr;
  };
  if (!::isatty(fd)) return fail(std::make_error_code(std::errc::not_a_stream));
  // One owner per port, across processes too.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0)
    return fail(errno == EWOULDBLOCK ? std::make_error_code(std::errc::device_or_resource_busy)
                                     : last_error());

  termios tio{};
  if (::tcgetattr(fd, &tio) != 0) return fail(last_error());
  ::cfmakeraw(&tio);
  tio.c_cflag |= CREAD | CLOCAL | HUPCL;
  if (settings.hardware_flow_control) tio.c_cflag |= CRTSCTS;
  else tio.c_cflag &= ~CRTSCTS;
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
  ::cfsetispeed(&tio, speed);
  ::cfsetospeed(&tio, speed);
  if (::tcsetattr(fd, TCSANOW, &tio) != 0) return fail(last_error());
  // Read back: a driver may accept the call and keep another speed.
  termios check{};
  if (::tcgetattr(fd, &check) != 0) return fail(last_error());
  if (::cfgetospeed(&check) != speed) return fail(std::make_error_code(std::errc::invalid_argument));

  ::ioctl(fd, TIOCEXCL);  // refuse further opens by other programs (root excepted)
  ::tcflush(fd, TCIOFLUSH);

  std::unique_ptr<serial_transport> t(new serial_transport(ex, path));
  // Modem-control lines: a UART or USB modem has them; a pty answers ENOTTY.
  int bits = 0;
  if (::ioctl(fd, TIOCMGET, &bits) == 0) {
    t->modem_control_ = true;
    int up = TIOCM_DTR | TIOCM_RTS;
    ::ioctl(fd, TIOCMBIS, &up);
  }
  boost::system::error_code bec;
  t->port_.assign(fd, bec);
  if (bec) {
    ::close(fd);
    ec = bec;
    return nullptr;
  }
  return t;
}

void serial_transport::async_read_some(asio::mutable_buffer buffer, io_handler h) {
  port_.async_read_some(buffer, [h = std::move(h)](boost::system::error_code ec, std::size_t n) {
    h(ec, n);
  });
}

void serial_transport::async_write(asio::const_buffer buffer, io_handler h) {
  asio::async_write(port_, buffer,
                    [h = std::move(h)](boost::system::error_code ec, std::size_t n) { h(ec, n); });
}

void serial_transport::cancel() {
  boost::system::error_code ignored;
  port_.cancel(ignored);
}

void serial_transport::close() {
  boost::system::error_code ignored;
  port_.close(ignored);
}

bool serial_transport::is_open() const { return port_.is_open(); }

std::error_code serial_transport::set_dtr(bool on) {
  if (!modem_control_) return std::make_error_code(std::errc::operation_not_supported);
  int bit = TIOCM_DTR;
  if (::ioctl(port_.native_handle(), on ? TIOCMBIS : TIOCMBIC, &bit) != 0)
    return last_error();
  return {};
}

std::error_code serial_transport::get_lines(modem_lines& out) {
  if (!modem_control_) return std::make_error_code(std::errc::operation_not_supported);
  int bits = 0;
  if (::ioctl(port_.native_handle(), TIOCMGET, &bits) != 0) return last_error();
  out.dcd = bits & TIOCM_CD;
  out.dsr = bits & TIOCM_DSR;
  out.cts = bits & TIOCM_CTS;
  out.ri = bits & TIOCM_RI;
  return {};
}

void serial_transport_factory::async_open(const std::string& port, const port_settings& settings,
                                          asio::any_io_executor ex, open_handler h) {
  std::error_code ec;
  // std::function needs a copyable callable: the transport travels in a shared box.
  auto box = std::make_shared<std::unique_ptr<transport>>(serial_transport::open(ex, port, settings, ec));
  asio::post(ex, [h = std::move(h), ec, box] { h(ec, std::move(*box)); });
}

}  // namespace dialup::drivers
