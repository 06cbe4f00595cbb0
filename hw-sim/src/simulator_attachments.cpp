// The attachments: how a client reaches a modem. The pty attachment: drives the sans-I/O
// exchange (and its modems) from an Asio executor, one pty per modem. On request a modem
// is also served over TCP as RFC 2217 (serve_rfc2217), whose client also carries the
// modem-control lines a pty lacks.
//
// Per port:
//
//   absent ──POLLHUP clears (a client opened the slave)──► present (reading)
//     ▲                                                      │
//     └──────── EIO/HUP on the master read (last slave fd closed) = DTR drop ──┘
//
// A Linux pty has no modem-control lines (docs/interop.md): the only DTR signal is the
// client closing the port (EIO on the master) — treated as DTR going low, so &D2
// hangs up and a killed dialer never leaves the line off-hook — and the client opening
// it (POLLHUP on the master clears), seen by polling every 20 ms while absent.

#include "simulator_impl.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <system_error>

namespace dialup::hwsim {

using simulator_detail::k_max_backlog;
using simulator_detail::next_write;

namespace {

constexpr std::chrono::milliseconds k_presence_poll{20};
constexpr std::size_t k_max_out = 1 << 20;

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), std::string("hwsim: ") + what);
}

// Raw 8N1 without echo or line editing, as a serial port is. Set through the master
// (Linux applies it to the slave) so that programs that never call tcsetattr (pppd's
// chat) see the modem's bytes unmodified.
//
// EXTPROC in c_lflag together with TIOCPKT on the master makes every tcsetattr() by
// the client arrive on the master as a TIOCPKT_IOCTL packet (docs/interop.md), so a client
// setting speed B0 — the only "DTR drop" a pty can carry (§0.5) — is seen at once.
void make_raw(int master_fd) {
  termios t{};
  if (::tcgetattr(master_fd, &t) != 0) return;
  ::cfmakeraw(&t);
  t.c_cflag |= CLOCAL | CREAD;
  t.c_lflag |= EXTPROC;
  ::cfsetispeed(&t, B115200);
  ::cfsetospeed(&t, B115200);
  ::tcsetattr(master_fd, TCSANOW, &t);
}

}  // namespace

// ------------------------------------------------------------------------ ports

// Creates the pty (and link) of port p: a fresh /dev/pts/N each time.
void simulator::impl::open_pty(port& p) {
  int fd = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) throw_errno("posix_openpt");
  if (::grantpt(fd) != 0 || ::unlockpt(fd) != 0) {
    int e = errno;
    ::close(fd);
    errno = e;
    throw_errno("grantpt/unlockpt");
  }
  char name[128];
  if (::ptsname_r(fd, name, sizeof name) != 0) {
    ::close(fd);
    throw_errno("ptsname_r");
  }
  make_raw(fd);
  int on = 1;
  if (::ioctl(fd, TIOCPKT, &on) != 0) {
    int e = errno;
    ::close(fd);
    errno = e;
    throw_errno("ioctl(TIOCPKT)");
  }
  // Open and close the slave once: until a slave has been opened the master shows
  // neither POLLHUP nor EIO, so "no client" would look like "a client that is quiet".
  // After this the port starts in the same state as after a client has gone.
  int s = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (s >= 0) ::close(s);
  p.pty = name;
  ++p.gen;
  p.reading = p.writing = false;
  p.wbuf.clear();
  p.woff = 0;
  p.sd = std::make_unique<asio::posix::stream_descriptor>(ex, fd);
  p.present = false;
  p.dtr_low = false;
  if (p.read_paused) --paused_ports;
  p.read_paused = false;
  p.out.clear();
  if (!p.link.empty()) {
    struct stat st{};
    if (::lstat(p.link.c_str(), &st) == 0) {
      if (!S_ISLNK(st.st_mode))
        throw std::runtime_error("hwsim: " + p.link + " exists and is not a symlink");
      ::unlink(p.link.c_str());
    }
    if (::symlink(p.pty.c_str(), p.link.c_str()) != 0) throw_errno("symlink");
  }
}

void simulator::impl::remove_link(const port& p) {
  if (p.link.empty()) return;
  char buf[256];
  ssize_t n = ::readlink(p.link.c_str(), buf, sizeof buf - 1);
  if (n > 0 && std::string(buf, static_cast<std::size_t>(n)) == p.pty) ::unlink(p.link.c_str());
}

std::size_t simulator::impl::add_modem() {
  const std::size_t i = ports.size();
  auto p = std::make_unique<port>();
  p->index = i;
  if (!opt.link_prefix.empty()) p->link = opt.link_prefix + std::to_string(i);
  open_pty(*p);
  ports.push_back(std::move(p));
  world.add_modem();
  world.set_output(i, [this, i](std::string_view b) { on_output(i, b); });
  // No client yet: DTR is low (auto-answer stays off until a program opens the port).
  world.dtr_off(i, sim_now());
  watch_presence(*ports.back());
  rearm();
  return i;
}

// USB unplug: the pty and its link disappear, the modem loses power.
void simulator::impl::vanish(port& p) {
  if (p.vanished) return;
  p.vanished = true;
  p.present = false;
  p.sd.reset();  // the client's reads end, its writes fail with EIO
  remove_link(p);
  world.modem_at(p.index).power_on(sim_now());
  rearm();
}

// Plugged back in: a new pty (new /dev/pts/N), the same link name.
void simulator::impl::reappear(port& p) {
  if (!p.vanished) return;
  open_pty(p);
  p.vanished = false;
  world.dtr_off(p.index, sim_now());
  watch_presence(p);
  rearm();
}

void simulator::impl::on_output(std::size_t i, std::string_view b) {
  port& p = *ports.at(i);
  if (p.rfc && !p.vanished && !stopped) {
    if (opt.trace) opt.trace(i, false, b);
    p.rfc->send_data(b);
  }
  // Nobody has the port open: the bytes go nowhere (a real modem's TxD with no DTE).
  if (!p.present || p.vanished || stopped) return;
  if (p.out.size() + b.size() > k_max_out) return;
  if (opt.trace) opt.trace(i, false, b);
  p.out.append(b);
  start_write(p);
}

void simulator::impl::start_write(port& p) {
  if (stopped || p.writing || !p.present || !p.sd) return;
  const asio::const_buffer chunk = next_write(p.out, p.wbuf, p.woff);
  if (chunk.size() == 0) return;
  p.writing = true;
  p.sd->async_write_some(
      chunk,
      [self = shared_from_this(), pp = &p, gen = p.gen](boost::system::error_code ec,
                                                        std::size_t n) {
        std::lock_guard lk(self->mu);
        if (gen != pp->gen) return;
        pp->writing = false;
        if (self->stopped || !pp->sd) return;
        if (ec) {
          // The client went away mid-write; the read side reports it as DTR drop.
          pp->out.clear();
          pp->wbuf.clear();
          pp->woff = 0;
          return;
        }
        pp->woff += n;
        self->start_write(*pp);
      });
}

// Bytes from a port's client to its modem. In virtual time (time scale 0) the clock does not
// move while nothing is due, so a client's real silence (the guard before "+++") would not
// count: the modem is told how long the client was really silent (modem::dte_silence).
void simulator::impl::feed_from_dte(port& p, std::string_view bytes) {
  const auto real_now = std::chrono::steady_clock::now();
  const auto now = sim_now();
  if (opt.time_scale <= 0.0 && p.last_rx_real) {
    const auto gap = std::chrono::duration_cast<sim_duration>(real_now - *p.last_rx_real);
    if (gap.count() > 0) world.dte_silence(p.index, gap, now);
  }
  p.last_rx_real = real_now;
  world.feed(p.index, bytes, now);
}

void simulator::impl::start_read(port& p) {
  if (stopped || p.reading || p.read_paused || !p.sd) return;
  p.reading = true;
  p.sd->async_read_some(
      asio::buffer(p.rbuf),
      [self = shared_from_this(), pp = &p, gen = p.gen](boost::system::error_code ec,
                                                        std::size_t n) {
        std::lock_guard lk(self->mu);
        if (gen != pp->gen) return;
        pp->reading = false;
        if (self->stopped || !pp->sd) return;
        if (ec) {
          self->client_gone(*pp);
          return;
        }
        // Packet mode: the first byte says what this read is (tty_ioctl(4)).
        if (n > 0 && pp->rbuf[0] == TIOCPKT_DATA) {
          if (n > 1) {
            const std::string_view in(pp->rbuf.data() + 1, n - 1);
            if (self->opt.trace) self->opt.trace(pp->index, true, in);
            self->feed_from_dte(*pp, in);
          }
          if (self->world.tx_backlog(pp->index) > k_max_backlog) {
            pp->read_paused = true;
            ++self->paused_ports;
            self->rearm();
            return;
          }
        } else if (n > 0 && (pp->rbuf[0] & TIOCPKT_IOCTL)) {
          self->termios_changed(*pp);
        }
        self->rearm();
        self->start_read(*pp);
      });
}

// The client called tcsetattr(): B0 is DTR low, any other speed DTR high (§0.5).
void simulator::impl::termios_changed(port& p) {
  termios t{};
  if (::tcgetattr(p.sd->native_handle(), &t) != 0) return;
  const bool low = ::cfgetospeed(&t) == B0;
  if (low == p.dtr_low) return;
  p.dtr_low = low;
  if (low)
    world.dtr_off(p.index, sim_now());
  else
    world.dtr_on(p.index, sim_now());
}

// The last slave fd was closed: DTR drop (§0.5). Then watch for the next client.
void simulator::impl::client_gone(port& p) {
  p.present = false;
  p.dtr_low = false;
  p.out.clear();
  if (!p.writing) {
    p.wbuf.clear();
    p.woff = 0;
  }
  world.dtr_off(p.index, sim_now());
  // The next program gets a clean raw port again (chat does not set termios), and
  // does not read what the modem sent to the program that left: the slave keeps its
  // unread input across a close, and only a flush on the slave side discards it.
  make_raw(p.sd->native_handle());
  const int s = ::open(p.pty.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (s >= 0) {
    ::tcflush(s, TCIFLUSH);
    ::close(s);
  }
  rearm();
  watch_presence(p);
}

// A client has the slave open: DTR up, start reading.
void simulator::impl::became_present(port& p) {
  p.present = true;
  world.dtr_on(p.index, sim_now());
  start_read(p);
  rearm();
}

void simulator::impl::watch_presence(port& p) {
  if (stopped || !p.sd) return;
  pollfd pf{p.sd->native_handle(), POLLIN, 0};
  const int r = ::poll(&pf, 1, 0);
  if (r >= 0 && !(pf.revents & POLLHUP)) {
    became_present(p);
    return;
  }
  // Nobody has the slave open, so whatever is still queued was written by clients
  // that are gone (a program that writes "ATDT...\r" and exits at once). Drop it, or
  // the next program's first command would be glued to a dead one's.
  ::tcflush(p.sd->native_handle(), TCIFLUSH);
  if (!p.watching) {
    p.watching = true;
    absent.push_back(&p);
  }
  arm_presence();
}

void simulator::impl::arm_presence() {
  if (stopped || presence_armed || absent.empty()) return;
  presence_armed = true;
  presence_timer->expires_after(k_presence_poll);
  presence_timer->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec) return;
    std::lock_guard lk(self->mu);
    self->presence_armed = false;
    if (!self->stopped) self->poll_absent();
  });
}

// One poll() over every port without a client, every 20 ms.
void simulator::impl::poll_absent() {
  std::erase_if(absent, [](port* p) {
    const bool drop = !p->sd || p->vanished || p->present;
    if (drop) p->watching = false;
    return drop;
  });
  std::vector<pollfd> fds(absent.size());
  for (std::size_t k = 0; k < absent.size(); ++k) fds[k] = pollfd{absent[k]->sd->native_handle(), POLLIN, 0};
  if (!fds.empty() && ::poll(fds.data(), fds.size(), 0) >= 0) {
    std::vector<port*> arrived;
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (!(fds[k].revents & POLLHUP)) arrived.push_back(absent[k]);
      else if (fds[k].revents & POLLIN) ::tcflush(fds[k].fd, TCIFLUSH);  // left by a client that is gone
    }
    for (port* p : arrived) {
      p->watching = false;
      std::erase(absent, p);
      became_present(*p);
    }
  }
  arm_presence();
}

// ------------------------------------------------------------------------ RFC 2217

std::uint16_t simulator::impl::serve_rfc2217(port& p, std::uint16_t portno) {
  if (p.acceptor) return p.acceptor->local_endpoint().port();
  namespace ip = asio::ip;
  p.acceptor = std::make_unique<ip::tcp::acceptor>(
      ex, ip::tcp::endpoint(ip::make_address("127.0.0.1"), portno));
  rfc_ports.push_back(&p);
  accept(p);
  return p.acceptor->local_endpoint().port();
}

void simulator::impl::accept(port& p) {
  if (stopped || !p.acceptor) return;
  auto sock = std::make_shared<asio::ip::tcp::socket>(ex);
  p.acceptor->async_accept(*sock, [self = shared_from_this(), pp = &p,
                                   sock](boost::system::error_code ec) {
    std::lock_guard lk(self->mu);
    if (self->stopped || !pp->acceptor) return;
    if (!ec) self->connected(*pp, std::move(*sock));
    self->accept(*pp);
  });
}

void simulator::impl::connected(port& p, asio::ip::tcp::socket s) {
  if (p.tcp) disconnected(p);  // kick the old client: for the modem, a DTR drop
  ++p.tgen;
  p.tcp = std::make_unique<asio::ip::tcp::socket>(std::move(s));
  p.tcp->set_option(asio::ip::tcp::no_delay(true));
  p.tout.clear();
  p.twbuf.clear();
  p.twoff = 0;
  p.twriting = false;
  const std::size_t i = p.index;
  p.rfc = std::make_unique<rfc2217_server>(
      [this, pp = &p](std::string_view b) {
        pp->tout.append(b);
        start_twrite(*pp);
      },
      [this, i, pp = &p](std::string_view b) {
        if (opt.trace) opt.trace(i, true, b);
        feed_from_dte(*pp, b);
      },
      [this, i](bool on) {
        if (on) world.dtr_on(i, sim_now());
        else world.dtr_off(i, sim_now());
      });
  p.rfc->start();
  world.dtr_on(i, sim_now());
  update_signals();
  start_tread(p);
  rearm();
}

void simulator::impl::disconnected(port& p) {
  p.tcp.reset();
  p.rfc.reset();
  p.tout.clear();
  world.dtr_off(p.index, sim_now());
  rearm();
}

void simulator::impl::start_tread(port& p) {
  if (!p.tcp) return;
  p.tcp->async_read_some(asio::buffer(p.tbuf), [self = shared_from_this(), pp = &p,
                                                gen = p.tgen](boost::system::error_code ec,
                                                              std::size_t n) {
    std::lock_guard lk(self->mu);
    if (self->stopped || gen != pp->tgen || !pp->tcp) return;
    if (ec) {
      self->disconnected(*pp);
      return;
    }
    pp->rfc->feed(std::string_view(pp->tbuf.data(), n));
    self->rearm();
    self->start_tread(*pp);
  });
}

// async_write_some (not the composed async_write, which would touch the socket
// outside the lock between its steps).
void simulator::impl::start_twrite(port& p) {
  if (!p.tcp || p.twriting) return;
  const asio::const_buffer chunk = next_write(p.tout, p.twbuf, p.twoff);
  if (chunk.size() == 0) return;
  p.twriting = true;
  p.tcp->async_write_some(
      chunk,
      [self = shared_from_this(), pp = &p, gen = p.tgen](boost::system::error_code ec,
                                                         std::size_t n) {
        std::lock_guard lk(self->mu);
        if (self->stopped || gen != pp->tgen || !pp->tcp) return;
        pp->twriting = false;
        if (ec) return;  // the read side sees the connection end
        pp->twoff += n;
        self->start_twrite(*pp);
      });
}

// The modem's control lines towards RFC 2217 clients (a pty has none).
void simulator::impl::update_signals() {
  for (port* p : rfc_ports) {
    if (!p->rfc) continue;
    const auto& m = world.modem_at(p->index);
    std::uint8_t lines = rfc2217_server::dsr | rfc2217_server::cts;
    if (m.dcd()) lines |= rfc2217_server::dcd;
    if (m.ri()) lines |= rfc2217_server::ri;
    p->rfc->set_modem_state(lines);
  }
}

}  // namespace dialup::hwsim
