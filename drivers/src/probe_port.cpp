// Ports opened for a probe: termios read at open and put back at close (docs/probe.md §2.3).
#include "dialup/drivers/probe_port.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include "dialup/drivers/port_factory.hpp"
#include "dialup/engine/port_error.hpp"
#include "termios_speed.hpp"
#include "uucp_lock.hpp"

namespace dialup::drivers {
namespace asio = boost::asio;

namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

bool same_termios(const termios& a, const termios& b) {
  if (a.c_iflag != b.c_iflag || a.c_oflag != b.c_oflag || a.c_cflag != b.c_cflag || a.c_lflag != b.c_lflag)
    return false;
  for (std::size_t i = 0; i < NCCS; ++i)
    if (a.c_cc[i] != b.c_cc[i]) return false;
  return ::cfgetispeed(&a) == ::cfgetispeed(&b) && ::cfgetospeed(&a) == ::cfgetospeed(&b);
}

bool is_gone(int err) { return err == EIO || err == ENXIO || err == ENODEV; }

class probe_tty final : public probe_transport {
 public:
  probe_tty(asio::any_io_executor ex, std::string path) : port_(std::move(ex)), path_(std::move(path)) {}
  ~probe_tty() override { close(); }

  static std::unique_ptr<probe_tty> open(asio::any_io_executor ex, const std::string& path, std::uint32_t bps,
                                         std::error_code& ec) {
    ec.clear();
    // The probe sets only rates with a B* constant; any other is refused (serial_transport
    // reaches those through termios2).
    const speed_t speed = to_speed(bps);
    if (speed == B0) {
      ec = port_error::speed_not_supported;
      return nullptr;
    }
    struct stat pre {};
    if (::stat(path.c_str(), &pre) != 0) {
      ec = last_error();
      return nullptr;
    }
    if (!S_ISCHR(pre.st_mode)) {
      ec = S_ISDIR(pre.st_mode) ? port_error::is_a_directory : port_error::not_a_serial_port;
      return nullptr;
    }
    // The UUCP lock before the open, as serial_transport: a port held by another program
    // is not opened at all (holder() has already said so; this closes the race).
    uucp_lock lock = uucp_lock::acquire(path, ec);
    if (ec) return nullptr;
    std::unique_ptr<probe_tty> t(new probe_tty(ex, path));
    const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      ec = errno == EACCES || errno == EPERM ? std::error_code(port_error::permission_denied) : last_error();
      return nullptr;
    }
    auto fail = [&](std::error_code e) -> std::unique_ptr<probe_tty> {
      if (t->exclusive_) ::ioctl(fd, TIOCNXCL);
      if (t->saved_) ::tcsetattr(fd, TCSANOW, &*t->saved_);
      ::close(fd);
      ec = e;
      return nullptr;
    };
    if (!::isatty(fd)) return fail(port_error::not_a_serial_port);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0)
      return fail(errno == EWOULDBLOCK ? std::error_code(port_error::in_use) : last_error());
    t->exclusive_ = ::ioctl(fd, TIOCEXCL) == 0;
    termios tio{};
    if (::tcgetattr(fd, &tio) != 0) return fail(last_error());
    t->saved_ = tio;  // put back at close, whatever the probe finds
    ::cfmakeraw(&tio);
    // CLOCAL: no wait for DCD and no hang-up on it; no RTS/CTS: a device holding CTS down
    // must not stall the probe. HUPCL stays as the port had it.
    tio.c_cflag |= CREAD | CLOCAL;
    tio.c_cflag &= ~CRTSCTS;
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    ::cfsetispeed(&tio, speed);
    ::cfsetospeed(&tio, speed);
    if (::tcsetattr(fd, TCSANOW, &tio) != 0)
      return fail(errno == EINVAL ? std::error_code(port_error::speed_not_supported) : last_error());
    ::tcflush(fd, TCIOFLUSH);
    boost::system::error_code bec;
    t->port_.assign(fd, bec);
    if (bec) return fail(bec);
    t->lock_ = std::move(lock);
    return t;
  }

  std::error_code set_speed(std::uint32_t bps) override {
    const speed_t speed = to_speed(bps);
    if (speed == B0) return port_error::speed_not_supported;
    if (!port_.is_open()) return std::make_error_code(std::errc::bad_file_descriptor);
    const int fd = port_.native_handle();
    termios tio{};
    if (::tcgetattr(fd, &tio) != 0) return last_error();
    ::cfsetispeed(&tio, speed);
    ::cfsetospeed(&tio, speed);
    if (::tcsetattr(fd, TCSANOW, &tio) != 0)
      return errno == EINVAL ? std::error_code(port_error::speed_not_supported) : last_error();
    termios check{};
    if (::tcgetattr(fd, &check) != 0) return last_error();
    if (::cfgetospeed(&check) != speed) return port_error::speed_not_supported;
    // What came at the old speed is noise at the new one.
    ::tcflush(fd, TCIOFLUSH);
    return {};
  }

  bool restored() const override { return restored_; }

  void async_read_some(asio::mutable_buffer buffer, io_handler h) override {
    port_.async_read_some(buffer, [h = std::move(h)](boost::system::error_code ec, std::size_t n) { h(ec, n); });
  }
  void async_write(asio::const_buffer buffer, io_handler h) override {
    asio::async_write(port_, buffer, [h = std::move(h)](boost::system::error_code ec, std::size_t n) { h(ec, n); });
  }
  void cancel() override {
    boost::system::error_code ignored;
    port_.cancel(ignored);
  }
  void close() override {
    if (!port_.is_open()) return;
    const int fd = port_.native_handle();
    boost::system::error_code ignored;
    port_.cancel(ignored);
    if (saved_) {
      // Unsent output is dropped, not drained: TCSADRAIN would wait for a device that does
      // not read (a silent port) for ever.
      ::tcflush(fd, TCIOFLUSH);
      if (::tcsetattr(fd, TCSANOW, &*saved_) != 0) {
        // A device that has gone has nothing left to restore.
        restored_ = is_gone(errno);
      } else {
        termios now{};
        restored_ = ::tcgetattr(fd, &now) == 0 && same_termios(now, *saved_);
      }
    }
    if (exclusive_) ::ioctl(fd, TIOCNXCL);
    port_.close(ignored);
    lock_.release();
  }
  bool is_open() const override { return port_.is_open(); }
  std::string name() const override { return path_; }

 private:
  asio::serial_port port_;
  std::string path_;
  std::optional<termios> saved_;
  bool exclusive_ = false;
  bool restored_ = true;
  uucp_lock lock_;
};

// A remote port: its speed is the one the open asked the server for.
class remote_probe_port final : public probe_transport {
 public:
  explicit remote_probe_port(std::unique_ptr<transport> t) : t_(std::move(t)) {}
  std::error_code set_speed(std::uint32_t) override { return std::make_error_code(std::errc::operation_not_supported); }
  bool restored() const override { return true; }
  void async_read_some(asio::mutable_buffer b, io_handler h) override { t_->async_read_some(b, std::move(h)); }
  void async_write(asio::const_buffer b, io_handler h) override { t_->async_write(b, std::move(h)); }
  void cancel() override { t_->cancel(); }
  void close() override { t_->close(); }
  bool is_open() const override { return t_->is_open(); }
  std::string name() const override { return t_->name(); }

 private:
  std::unique_ptr<transport> t_;
};

std::string real_path_of(const std::string& p) {
  char buf[PATH_MAX];
  if (::realpath(p.c_str(), buf) == nullptr) return p;
  return buf;
}

}  // namespace

std::string tty_probe_opener::holder(const std::string& port) {
  if (port_factory::is_rfc2217(port)) return {};
  const auto info = lock_owner(port);
  if (info.st != lock_info::state::held) return {};
  return (info.program.empty() ? std::string("pid ") + std::to_string(info.pid)
                               : info.program + " (pid " + std::to_string(info.pid) + ")");
}

void tty_probe_opener::async_open(const std::string& port, std::uint32_t bps, asio::any_io_executor ex,
                                  open_handler h) {
  if (port_factory::is_rfc2217(port)) {
    port_settings s;
    s.baud_rate = bps;
    s.hardware_flow_control = false;
    s.hang_up_on_close = false;
    rfc2217_transport::async_open(ex, port, s, rfc2217_,
                                  [h = std::move(h)](std::error_code ec, std::unique_ptr<rfc2217_transport> t) {
                                    if (ec) return h(ec, nullptr);
                                    h(ec, std::make_unique<remote_probe_port>(std::move(t)));
                                  });
    return;
  }
  std::error_code ec;
  auto box = std::make_shared<std::unique_ptr<probe_transport>>(probe_tty::open(ex, port, bps, ec));
  asio::post(ex, [h = std::move(h), ec, box] { h(ec, std::move(*box)); });
}

std::vector<std::string> console_ttys() {
  std::ifstream in("/sys/class/tty/console/active");
  if (!in) return {};
  std::string text(4096, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  std::istringstream words(text);
  std::vector<std::string> names;
  for (std::string w; words >> w;) names.push_back(w);
  return names;
}

namespace {

probe_candidate candidate_of(const port_info& p, bool named) {
  probe_candidate c;
  c.port = p.path;
  c.real_path = real_path_of(p.path);
  c.named = named;
  if (p.kind == port_kind::usb) {
    c.vid = p.vid;
    c.pid = p.pid;
  }
  c.driver = p.driver;
  return c;
}

}  // namespace

std::vector<probe_candidate> system_probe_candidates() {
  const auto consoles = console_ttys();
  std::vector<probe_candidate> out;
  for (const auto& p : enumerate_ports()) {
    if (!p.present) continue;
    const std::string base = p.path.substr(p.path.rfind('/') + 1);
    bool console = false;
    for (const auto& c : consoles) console = console || c == base;
    if (console) continue;
    out.push_back(candidate_of(p, false));
  }
  return out;
}

probe_candidate named_probe_candidate(const std::string& port, const std::vector<port_info>& known) {
  probe_candidate c;
  c.port = port;
  c.named = true;
  if (port_factory::is_rfc2217(port)) return c;
  c.real_path = real_path_of(port);
  for (const auto& p : known)
    if (real_path_of(p.path) == c.real_path) {
      c = candidate_of(p, true);
      c.port = port;
      break;
    }
  return c;
}

}  // namespace dialup::drivers
