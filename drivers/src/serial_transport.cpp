#include "dialup/drivers/serial_transport.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <grp.h>

#include <cerrno>
#include <cstdlib>
#include <utility>

#include "dialup/engine/port_error.hpp"
#include "modem_control_io.hpp"
#include "modem_control_watch.hpp"
#include "termios2_speed.hpp"
#include "termios_speed.hpp"
#include "uucp_lock.hpp"

namespace dialup::drivers {
namespace asio = boost::asio;

namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

// A port this user may not open: the value is the group that owns the device node, and the
// message says to join it (on Debian, serial ports belong to "dialout").
class access_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "dialup.port.access"; }
  std::string message(int gid) const override {
    std::string group;
    if (const ::group* g = ::getgrgid(static_cast<gid_t>(gid))) group = g->gr_name;
    if (group.empty() || group == "root")
      return "permission denied (the device belongs to root; ask for access, or run as root)";
    return "permission denied: the port belongs to group " + group + " (join it with: usermod -aG " +
           group + " $USER, then log in again)";
  }
  std::error_condition default_error_condition(int) const noexcept override {
    return std::errc::permission_denied;
  }
};

const std::error_category& access_category() {
  static const access_category_impl instance;
  return instance;
}

std::error_code permission_error(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return {static_cast<int>(st.st_gid), access_category()};
  return port_error::permission_denied;
}

// open(2) and flock(2) failures in the user's words; the rest (ENOENT, ENODEV, ENXIO, EIO)
// stay system errors, which the engine maps to RAS numbers of their own.
std::error_code open_error(int err, const std::string& path = {}) {
  switch (err) {
    case EISDIR: return port_error::is_a_directory;
    case EBUSY: return port_error::in_use;  // TIOCEXCL set by another program (tty_ioctl(4))
    case EACCES:
    case EPERM: return path.empty() ? std::error_code(port_error::permission_denied) : permission_error(path);
    case ENOTTY: return port_error::not_a_serial_port;
    default: return {err, std::system_category()};
  }
}

// The settings a dial needs, as cfmakeraw(3) and the port_settings give them; speed apart.
// CLOCAL: a DCD drop must not hang the tty up (that would look like an unplug,
// docs/serial-lines.md §5); the engine watches DCD itself.
void make_raw(termios& tio, bool flow_control, bool hang_up_on_close) {
  ::cfmakeraw(&tio);
  tio.c_cflag |= CREAD | CLOCAL;
  if (hang_up_on_close) tio.c_cflag |= HUPCL;
  else tio.c_cflag &= ~HUPCL;
  if (flow_control) tio.c_cflag |= CRTSCTS;
  else tio.c_cflag &= ~CRTSCTS;
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
}

// tcsetattr(3) succeeds when *any* of the changes could be made, so what matters is what
// the port holds afterwards. RTS/CTS is only checked on a line that has the wires (a pty
// has none: transport.hpp says the setting is ignored there).
bool took_settings(const termios& want, const termios& got, bool check_flow_control) {
  tcflag_t cflags = CSIZE | PARENB | CSTOPB | CREAD | CLOCAL | HUPCL;
  if (check_flow_control) cflags |= CRTSCTS;
  constexpr tcflag_t lflags = ICANON | ECHO | ECHONL | ISIG | IEXTEN;
  constexpr tcflag_t iflags = IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXOFF;
  return (got.c_cflag & cflags) == (want.c_cflag & cflags) && (got.c_lflag & lflags) == (want.c_lflag & lflags) &&
         (got.c_iflag & iflags) == (want.c_iflag & iflags) && (got.c_oflag & OPOST) == (want.c_oflag & OPOST) &&
         got.c_cc[VMIN] == want.c_cc[VMIN] && got.c_cc[VTIME] == want.c_cc[VTIME];
}

// One file descriptor that is closed unless it is handed on.
struct fd_guard {
  int fd;
  bool exclusive = false;  // TIOCEXCL was set: cleared before the close
  ~fd_guard() {
    if (fd < 0) return;
    if (exclusive) ::ioctl(fd, TIOCNXCL);
    ::close(fd);
  }
  int release() { return std::exchange(fd, -1); }
};

}  // namespace

serial_transport::serial_transport(asio::any_io_executor ex, std::string path)
    : port_(ex), path_(std::move(path)), vanished_(std::make_shared<std::error_code>()) {}

serial_transport::~serial_transport() {
  stop_watch();  // the helper thread is out of its ioctl before the descriptor closes
  release_exclusive();
  boost::system::error_code ignored;
  port_.close(ignored);
}

void serial_transport::release_exclusive() {
  if (port_.is_open()) ::ioctl(port_.native_handle(), TIOCNXCL);
}

void serial_transport::stop_watch() {
  if (watch_) watch_->stop();
  watch_.reset();
}

std::string serial_transport::lock_file() const { return lock_ && lock_->held() ? lock_->path() : std::string(); }

std::unique_ptr<serial_transport> serial_transport::open(asio::any_io_executor ex,
                                                         const std::string& path,
                                                         const port_settings& settings,
                                                         std::error_code& ec) {
  ec.clear();
  if (settings.baud_rate == 0) {
    ec = port_error::speed_not_supported;
    return nullptr;
  }
  const speed_t speed = to_speed(settings.baud_rate);
  // The UUCP lock comes before the open, as minicom and pppd take it: a port another
  // program holds is not opened at all (an open can raise DTR on some drivers). Only a
  // character device is locked; anything else fails below with its own error.
  auto lock = std::make_unique<uucp_lock>();
  struct stat pre {};
  if (::stat(path.c_str(), &pre) == 0 && S_ISCHR(pre.st_mode)) {
    *lock = uucp_lock::acquire(path, ec);
    if (ec) return nullptr;
  }
  // O_NONBLOCK: the open does not wait for DCD, and a FIFO does not wait for a writer.
  fd_guard fd{::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)};
  if (fd.fd < 0) {
    ec = open_error(errno, path);
    return nullptr;
  }
  auto fail = [&](std::error_code e) -> std::unique_ptr<serial_transport> {
    ec = e;
    return nullptr;
  };
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0) return fail(last_error());
  if (S_ISDIR(st.st_mode)) return fail(port_error::is_a_directory);
  // A tty is a character device that answers tcgetattr (isatty(3)); /dev/null is the first
  // and not the second.
  if (!S_ISCHR(st.st_mode) || !::isatty(fd.fd)) return fail(port_error::not_a_serial_port);
  // One owner per port, across processes too: an advisory lock for programs that take it
  // (flock(2), as libserialport does), then TIOCEXCL for those that do not (tty_ioctl(4);
  // root is let through).
  if (::flock(fd.fd, LOCK_EX | LOCK_NB) != 0)
    return fail(errno == EWOULDBLOCK ? std::error_code(port_error::in_use) : last_error());
  // TIOCEXCL belongs to the tty, not to this descriptor, and outlives it: a pty keeps it
  // while its master is open, so every close clears it again (TIOCNXCL) or no other
  // user's program could open the port after us.
  fd.exclusive = ::ioctl(fd.fd, TIOCEXCL) == 0;

  // Modem-control lines: a UART or USB modem has them; a pty answers ENOTTY.
  int bits = 0;
  const bool modem_control = ::ioctl(fd.fd, TIOCMGET, &bits) == 0;

  // Everything but the speed first, at the port's current speed, then the speed: so a
  // refusal is put down to the right setting.
  termios tio{};
  if (::tcgetattr(fd.fd, &tio) != 0) return fail(open_error(errno));
  make_raw(tio, settings.hardware_flow_control, settings.hang_up_on_close);
  if (::tcsetattr(fd.fd, TCSANOW, &tio) != 0)
    return fail(errno == EINVAL ? std::error_code(port_error::setting_refused) : last_error());
  termios check{};
  if (::tcgetattr(fd.fd, &check) != 0) return fail(last_error());
  if (!took_settings(tio, check, modem_control && settings.hardware_flow_control))
    return fail(port_error::setting_refused);

  if (speed != B0) {
    // The input-speed field (CIBAUD) is cleared, which means "as the output" (termios(3)):
    // after an earlier BOTHER rate it still says BOTHER, and the kernel would keep that
    // old input rate beside the new output one.
    tio.c_cflag &= ~CIBAUD;
    ::cfsetispeed(&tio, speed);
    ::cfsetospeed(&tio, speed);
    if (::tcsetattr(fd.fd, TCSANOW, &tio) != 0)
      return fail(errno == EINVAL ? std::error_code(port_error::speed_not_supported) : last_error());
  } else if (auto e = set_any_speed(fd.fd, settings.baud_rate)) {
    return fail(e == std::errc::invalid_argument ? std::error_code(port_error::speed_not_supported) : e);
  }
  // Read back: a driver may accept the call and keep another speed (a UART whose clock
  // cannot make the rate rounds it, and reports what it made; the kernel re-encodes a
  // BOTHER rate close to a standard one as that one). Within 2% both ends of an
  // asynchronous line still agree on every bit of a character; further off, the rate is
  // not the one asked for.
  std::uint32_t got_out = 0, got_in = 0;
  if (auto e = get_speed(fd.fd, got_out, got_in)) return fail(e);
  auto close_enough = [want = std::uint64_t{settings.baud_rate}](std::uint32_t got) {
    const std::uint64_t diff = got > want ? got - want : want - got;
    return diff * 50 <= want;
  };
  if (!close_enough(got_out) || !close_enough(got_in)) return fail(port_error::speed_not_supported);

  ::tcflush(fd.fd, TCIOFLUSH);

  std::optional<modem_lines> at_open;
  std::optional<line_counts> counts;
  if (modem_control) {
    // DTR and RTS as asked, whatever the open did to them (Linux raises both when a tty is
    // opened), read back. The engine hangs up by dropping DTR (&D2, V.250 §6.2.9), which
    // only works from a DTR that was up. With RTS/CTS on, RTS is the flow-control output
    // and stays up (port_settings.hpp).
    if (auto e = set_outputs(fd.fd, settings.dtr_on_open, settings.rts_on_open || settings.hardware_flow_control))
      return fail(e);
    // Then the inputs: counters first, levels second, so that a change between the two
    // reads shows as moved counters in the first event (docs/serial-lines.md §4). A driver
    // without counters (EINVAL) is watched by polling.
    line_counts c;
    if (auto e = read_line_counts(fd.fd, c); !e) counts = c;
    else if (is_vanished(e.value())) return fail(vanished_error(e.value()));
    if (auto e = read_modem_bits(fd.fd, bits)) return fail(e);
    at_open = lines_from_bits(bits);
  }

  std::unique_ptr<serial_transport> t(new serial_transport(ex, path));
  t->modem_control_ = modem_control;
  t->speed_ = got_out;
  t->lines_at_open_ = at_open;
  t->lock_ = std::move(lock);
  boost::system::error_code bec;
  t->port_.assign(fd.fd, bec);
  if (bec) return fail(bec);
  fd.release();
  if (modem_control) {
    serial_transport* self = t.get();
    // on_vanish runs on the executor and never after stop_watch(), which close() and the
    // destructor call first: `self` is alive whenever it runs.
    t->watch_ = std::make_unique<modem_control_watch>(
        ex, t->port_.native_handle(), path, st.st_rdev, *at_open, counts, [self](std::error_code e) {
          *self->vanished_ = e;
          boost::system::error_code ignored;
          self->port_.cancel(ignored);  // the outstanding read and write fail with e
        });
  }
  return t;
}

// Once the device has vanished, reads and writes fail with its error: the ones outstanding
// were cancelled for it (on_vanish), and new ones are not started.
void serial_transport::async_read_some(asio::mutable_buffer buffer, io_handler h) {
  if (*vanished_ && port_.is_open()) {
    asio::post(port_.get_executor(), [h = std::move(h), e = *vanished_] { h(e, 0); });
    return;
  }
  port_.async_read_some(buffer, [h = std::move(h), v = vanished_](boost::system::error_code ec, std::size_t n) {
    if (ec == asio::error::operation_aborted && *v) return h(*v, n);
    h(ec, n);
  });
}

void serial_transport::async_write(asio::const_buffer buffer, io_handler h) {
  if (*vanished_ && port_.is_open()) {
    asio::post(port_.get_executor(), [h = std::move(h), e = *vanished_] { h(e, 0); });
    return;
  }
  asio::async_write(port_, buffer, [h = std::move(h), v = vanished_](boost::system::error_code ec, std::size_t n) {
    if (ec == asio::error::operation_aborted && *v) return h(*v, n);
    h(ec, n);
  });
}

void serial_transport::cancel() {
  boost::system::error_code ignored;
  port_.cancel(ignored);
  if (watch_) watch_->cancel();
}

void serial_transport::close() {
  stop_watch();  // the outstanding wait completes with operation_aborted; the thread is joined
  *vanished_ = {};  // what is outstanding now completes with operation_aborted, as closed
  release_exclusive();
  boost::system::error_code ignored;
  port_.close(ignored);
  if (lock_) lock_->release();
}

bool serial_transport::async_wait_lines(line_handler h) {
  if (!modem_control_) return false;
  if (!watch_) {  // closed
    asio::post(port_.get_executor(), [h = std::move(h)] { h(boost::system::error_code(asio::error::operation_aborted), modem_line_event{}); });
    return true;
  }
  watch_->async_wait(std::move(h));
  return true;
}

line_events serial_transport::line_events_method() const {
  if (!watch_) return line_events::none;
  return watch_->how() == modem_control_watch::method::interrupt_wait ? line_events::interrupt_wait
                                                                        : line_events::polling;
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
