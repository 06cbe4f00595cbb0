// The pty attachment: drives the sans-I/O exchange (and its modems) from an Asio
// executor, one pty per modem.
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
//
// One steady_timer serves the whole simulated world: it is always armed for the
// exchange's next deadline. Simulated time = wall-clock time since start / time_scale;
// with time_scale 0 the world runs in virtual time that jumps to each deadline.
//
// Locking: every touch of the exchange and of the Asio objects happens under mu_, from
// handlers on the executor or from public calls on any thread; handlers check
// stopped_ first. Writes use async_write_some (not the composed async_write, which
// would touch the descriptor outside the lock).

#include <dialup/hwsim/simulator.hpp>

#include <dialup/hwsim/detail/asio.hpp>
#include <dialup/hwsim/exchange.hpp>
#include <dialup/hwsim/rfc2217.hpp>
#include <dialup/hwsim/scenario.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace dialup::hwsim {

namespace asio = boost::asio;

namespace {

constexpr std::chrono::milliseconds k_presence_poll{20};
constexpr std::size_t k_max_out = 1 << 20;
// Flow control towards the DTE (RTS/CTS, &K3): stop reading the pty while more than
// this much data is waiting for the line; resume below half of it. The kernel's pty
// buffer then fills and the client's writes block, as with a real modem's CTS.
constexpr std::chrono::milliseconds k_max_backlog{2000};

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

struct simulator::impl : std::enable_shared_from_this<impl> {
  struct port {
    std::size_t index = 0;
    std::string pty;
    std::string link;
    std::unique_ptr<asio::posix::stream_descriptor> sd;
    bool watching = false;  // in impl::absent, polled for a client
    bool present = false;
    bool dtr_low = false;  // the client has set speed B0
    bool vanished = false;
    unsigned gen = 0;  // bumped per pty; handlers of an older pty do nothing
    bool reading = false;
    bool read_paused = false;  // flow control: the line is too far behind
    bool writing = false;
    std::string out;     // waiting to be written
    std::string wbuf;    // being written
    std::size_t woff = 0;
    std::array<char, 4096> rbuf{};
    // RFC 2217 attachment (serve_rfc2217).
    std::unique_ptr<asio::ip::tcp::acceptor> acceptor;
    std::unique_ptr<asio::ip::tcp::socket> tcp;
    std::unique_ptr<rfc2217_server> rfc;
    std::string tout, twbuf;
    std::size_t twoff = 0;
    bool twriting = false;
    unsigned tgen = 0;  // bumped per connection
    std::array<char, 4096> tbuf{};
  };

  impl(asio::any_io_executor e, simulator_options o)
      : ex(std::move(e)),
        opt(std::move(o)),
        world(make_options(opt)),
        timer(std::make_unique<asio::steady_timer>(ex)),
        epoch(std::chrono::steady_clock::now()),
        presence_timer(std::make_unique<asio::steady_timer>(ex)) {
    if (!(opt.time_scale >= 0.0) || !std::isfinite(opt.time_scale))
      throw std::invalid_argument("hwsim: time_scale must be finite and >= 0");
    // The hooks run inside exchange calls, under mu_, on whatever thread made the call.
    program_hooks h;
    h.start = [this](std::uint64_t id, const number_entry& e) { start_program(id, e); };
    h.input = [this](std::uint64_t id, std::string_view d) {
      if (auto it = programs.find(id); it != programs.end()) {
        it->second->out.append(d);
        program_write(it->second);
      }
    };
    h.stop = [this](std::uint64_t id) {
      if (auto it = programs.find(id); it != programs.end()) {
        it->second->master.reset();  // hangs the program's tty up: SIGHUP
        programs.erase(it);
      }
    };
    world.set_program_hooks(std::move(h));
  }

  // ------------------------------------------------------------------------ programs

  // A program answering a call (service_kind::program), on a pty of its own whose slave
  // is its controlling terminal. Closing the master hangs it up (SIGHUP); its exit
  // (EIO on the master once every slave fd is closed) drops the line.
  struct program_proc {
    std::uint64_t id = 0;
    std::unique_ptr<asio::posix::stream_descriptor> master;
    std::string out, wbuf;
    std::size_t woff = 0;
    bool writing = false;
    std::array<char, 4096> buf{};
  };

  // The exchange must not be re-entered from inside a hook: report failures later.
  void program_failed(std::uint64_t id) {
    asio::post(ex, [self = shared_from_this(), id] {
      std::lock_guard lk(self->mu);
      if (self->stopped) return;
      self->world.program_exited(id, self->sim_now());
      self->rearm();
    });
  }

  void start_program(std::uint64_t id, const number_entry& e) {
    if (stopped) return program_failed(id);
    const int m = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    char name[128];
    if (m < 0 || ::grantpt(m) != 0 || ::unlockpt(m) != 0 || ::ptsname_r(m, name, sizeof name) != 0) {
      if (m >= 0) ::close(m);
      return program_failed(id);
    }
    const std::string slave = name;
    const std::string cmd = e.program;
    // Double fork: the program is re-parented to init, so nobody has to reap it later.
    const pid_t pid = ::fork();
    if (pid == 0) {
      const pid_t grandchild = ::fork();
      if (grandchild != 0) ::_exit(grandchild < 0 ? 1 : 0);
      ::setsid();
      const int fd = ::open(slave.c_str(), O_RDWR);  // first tty opened: the controlling one
      if (fd < 0) ::_exit(127);
      ::ioctl(fd, TIOCSCTTY, 0);
      ::dup2(fd, 0);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      if (fd > 2) ::close(fd);
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    if (pid < 0) {
      ::close(m);
      return program_failed(id);
    }
    int st = 0;
    ::waitpid(pid, &st, 0);
    auto pr = std::make_shared<program_proc>();
    pr->id = id;
    pr->master = std::make_unique<asio::posix::stream_descriptor>(ex, m);
    programs[id] = pr;
    program_read(pr);
  }

  void program_read(const std::shared_ptr<program_proc>& pr) {
    pr->master->async_read_some(asio::buffer(pr->buf), [self = shared_from_this(), pr](
                                                           boost::system::error_code ec, std::size_t n) {
      std::lock_guard lk(self->mu);
      if (self->stopped || !pr->master) return;
      if (ec) {
        // The program and everything it started have closed the tty: it is gone.
        pr->master.reset();
        self->programs.erase(pr->id);
        self->world.program_exited(pr->id, self->sim_now());
        self->rearm();
        return;
      }
      self->world.program_output(pr->id, std::string_view(pr->buf.data(), n), self->sim_now());
      self->rearm();
      if (pr->master) self->program_read(pr);
    });
  }

  void program_write(const std::shared_ptr<program_proc>& pr) {
    if (stopped || pr->writing || !pr->master) return;
    if (pr->woff == pr->wbuf.size()) {
      if (pr->out.empty()) return;
      pr->wbuf.clear();
      pr->wbuf.swap(pr->out);
      pr->woff = 0;
    }
    pr->writing = true;
    pr->master->async_write_some(
        asio::buffer(pr->wbuf.data() + pr->woff, pr->wbuf.size() - pr->woff),
        [self = shared_from_this(), pr](boost::system::error_code ec, std::size_t n) {
          std::lock_guard lk(self->mu);
          pr->writing = false;
          if (self->stopped || !pr->master || ec) return;  // the read side sees the exit
          pr->woff += n;
          self->program_write(pr);
        });
  }

  static exchange::options make_options(const simulator_options& o) {
    exchange::options x;
    x.builtin_scenario = o.builtin_scenario;
    x.personality = o.personality;
    x.timing = o.timing;
    find_personality(o.personality);  // throws for an unknown name
    return x;
  }

  // ------------------------------------------------------------------------ time

  sim_time sim_now() {
    if (opt.time_scale <= 0.0) return virtual_now;
    const std::chrono::duration<double, std::milli> real = std::chrono::steady_clock::now() - epoch;
    return sim_time(static_cast<long long>(std::floor(real.count() / opt.time_scale)));
  }

  // Called after every event; it must not cost O(modems) (sim_bench: 1,000 modems), so
  // it visits only the ports that are paused or served over RFC 2217.
  void rearm() {
    if (stopped) return;
    update_signals();
    if (paused_ports > 0) {
      for (auto& p : ports) {
        if (p->read_paused && world.tx_backlog(p->index) <= k_max_backlog / 2) {
          p->read_paused = false;
          --paused_ports;
          start_read(*p);
        }
      }
    }
    auto d = world.next_deadline();
    if (!d) {
      if (armed_for) timer->cancel();
      armed_for.reset();
      return;
    }
    if (armed_for && *armed_for == *d) return;
    armed_for = d;
    if (opt.time_scale > 0.0) {
      const auto real = std::chrono::duration<double, std::milli>(
          static_cast<double>(d->count()) * opt.time_scale);
      timer->expires_at(epoch + std::chrono::duration_cast<std::chrono::steady_clock::duration>(real));
    } else {
      timer->expires_after(std::chrono::milliseconds(0));
    }
    timer->async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec == asio::error::operation_aborted) return;
      std::lock_guard lk(self->mu);
      self->on_timer();
    });
  }

  void on_timer() {
    if (stopped) return;
    armed_for.reset();
    if (opt.time_scale <= 0.0) {
      if (auto d = world.next_deadline()) virtual_now = std::max(virtual_now, *d);
    }
    world.advance(sim_now());
    rearm();
  }

  // ------------------------------------------------------------------------ ports

  // Creates the pty (and link) of port p: a fresh /dev/pts/N each time.
  void open_pty(port& p) {
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

  void remove_link(const port& p) {
    if (p.link.empty()) return;
    char buf[256];
    ssize_t n = ::readlink(p.link.c_str(), buf, sizeof buf - 1);
    if (n > 0 && std::string(buf, static_cast<std::size_t>(n)) == p.pty) ::unlink(p.link.c_str());
  }

  std::size_t add_modem() {
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
  void vanish(port& p) {
    if (p.vanished) return;
    p.vanished = true;
    p.present = false;
    p.sd.reset();  // the client's reads end, its writes fail with EIO
    remove_link(p);
    world.modem_at(p.index).power_on(sim_now());
    rearm();
  }

  // Plugged back in: a new pty (new /dev/pts/N), the same link name.
  void reappear(port& p) {
    if (!p.vanished) return;
    open_pty(p);
    p.vanished = false;
    world.dtr_off(p.index, sim_now());
    watch_presence(p);
    rearm();
  }

  void on_output(std::size_t i, std::string_view b) {
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

  void start_write(port& p) {
    if (stopped || p.writing || !p.present || !p.sd) return;
    if (p.wbuf.size() == p.woff) {
      if (p.out.empty()) return;
      p.wbuf.clear();
      p.wbuf.swap(p.out);
      p.woff = 0;
    }
    p.writing = true;
    p.sd->async_write_some(
        asio::buffer(p.wbuf.data() + p.woff, p.wbuf.size() - p.woff),
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

  void start_read(port& p) {
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
              self->world.feed(pp->index, in, self->sim_now());
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
  void termios_changed(port& p) {
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
  void client_gone(port& p) {
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
  void became_present(port& p) {
    p.present = true;
    world.dtr_on(p.index, sim_now());
    start_read(p);
    rearm();
  }

  void watch_presence(port& p) {
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

  void arm_presence() {
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
  void poll_absent() {
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

  std::uint16_t serve_rfc2217(port& p, std::uint16_t portno) {
    if (p.acceptor) return p.acceptor->local_endpoint().port();
    namespace ip = asio::ip;
    p.acceptor = std::make_unique<ip::tcp::acceptor>(
        ex, ip::tcp::endpoint(ip::make_address("127.0.0.1"), portno));
    rfc_ports.push_back(&p);
    accept(p);
    return p.acceptor->local_endpoint().port();
  }

  void accept(port& p) {
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

  void connected(port& p, asio::ip::tcp::socket s) {
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
        [this, i](std::string_view b) {
          if (opt.trace) opt.trace(i, true, b);
          world.feed(i, b, sim_now());
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

  void disconnected(port& p) {
    p.tcp.reset();
    p.rfc.reset();
    p.tout.clear();
    world.dtr_off(p.index, sim_now());
    rearm();
  }

  void start_tread(port& p) {
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
  void start_twrite(port& p) {
    if (!p.tcp || p.twriting) return;
    if (p.twoff == p.twbuf.size()) {
      if (p.tout.empty()) return;
      p.twbuf.clear();
      p.twbuf.swap(p.tout);
      p.twoff = 0;
    }
    p.twriting = true;
    p.tcp->async_write_some(
        asio::buffer(p.twbuf.data() + p.twoff, p.twbuf.size() - p.twoff),
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
  void update_signals() {
    for (port* p : rfc_ports) {
      if (!p->rfc) continue;
      const auto& m = world.modem_at(p->index);
      std::uint8_t lines = rfc2217_server::dsr | rfc2217_server::cts;
      if (m.dcd()) lines |= rfc2217_server::dcd;
      if (m.ri()) lines |= rfc2217_server::ri;
      p->rfc->set_modem_state(lines);
    }
  }

  void shutdown() {
    std::lock_guard lk(mu);
    if (stopped) return;
    stopped = true;
    // Destroying the Asio objects cancels their operations; the handlers find
    // stopped == true and do nothing.
    timer.reset();
    presence_timer.reset();
    for (auto& [id, pr] : programs) pr->master.reset();  // SIGHUP to every answering program
    programs.clear();
    for (auto& p : ports) {
      p->acceptor.reset();
      p->rfc.reset();
      p->tcp.reset();
      p->sd.reset();  // closes the master: the client's reads end with EOF
      if (!p->vanished) remove_link(*p);
    }
  }

  template <class F>
  auto locked(std::size_t i, F f) const {
    std::lock_guard lk(mu);
    if (i >= ports.size()) throw std::out_of_range("hwsim: no modem " + std::to_string(i));
    return f();
  }

  asio::any_io_executor ex;
  simulator_options opt;
  mutable std::mutex mu;
  exchange world;
  std::unique_ptr<asio::steady_timer> timer;
  std::chrono::steady_clock::time_point epoch;
  sim_time virtual_now{0};
  std::optional<sim_time> armed_for;
  bool stopped = false;
  std::vector<std::unique_ptr<port>> ports;
  std::map<std::uint64_t, std::shared_ptr<program_proc>> programs;  // by call id
  std::vector<port*> rfc_ports;   // ports with an RFC 2217 server
  std::size_t paused_ports = 0;   // ports with read_paused set
  // Ports without a client, polled together by one timer (not one timer per port:
  // 1,000 idle modems would otherwise cost a third of a core).
  std::vector<port*> absent;
  std::unique_ptr<asio::steady_timer> presence_timer;
  bool presence_armed = false;
};

simulator::simulator(boost::asio::any_io_executor ex, simulator_options options)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(options))) {}

simulator::~simulator() { shutdown(); }

std::size_t simulator::add_modem() {
  std::lock_guard lk(impl_->mu);
  if (impl_->stopped) throw std::logic_error("hwsim: simulator is shut down");
  return impl_->add_modem();
}

std::size_t simulator::modem_count() const {
  std::lock_guard lk(impl_->mu);
  return impl_->ports.size();
}

std::string simulator::pty_path(std::size_t i) const {
  return impl_->locked(i, [&] { return impl_->ports[i]->pty; });
}

std::string simulator::link_path(std::size_t i) const {
  return impl_->locked(i, [&] { return impl_->ports[i]->link; });
}

std::string simulator::own_number(std::size_t i) const {
  return impl_->locked(i, [&] { return exchange::own_number(i); });
}

bool simulator::off_hook(std::size_t i) const {
  return impl_->locked(i, [&] { return impl_->world.modem_at(i).off_hook(); });
}

modem_mode simulator::mode(std::size_t i) const {
  return impl_->locked(i, [&] { return impl_->world.modem_at(i).mode(); });
}

void simulator::set_dial_tone(std::size_t i, bool present) {
  impl_->locked(i, [&] { impl_->world.set_dial_tone(i, present); });
}

void simulator::set_silent(std::size_t i, bool silent) {
  impl_->locked(i, [&] { impl_->world.modem_at(i).set_silent(silent); });
}

void simulator::drop_carrier(std::size_t i) {
  impl_->locked(i, [&] {
    impl_->world.drop_carrier(i, impl_->sim_now());
    impl_->rearm();
  });
}

void simulator::retrain(std::size_t i) {
  impl_->locked(i, [&] {
    impl_->world.retrain(i, impl_->sim_now());
    impl_->rearm();
  });
}

void simulator::shutdown() { impl_->shutdown(); }

void simulator::set_faults(std::size_t i, const modem_faults& f) {
  impl_->locked(i, [&] { impl_->world.set_faults(i, f); });
}

std::uint16_t simulator::serve_rfc2217(std::size_t i, std::uint16_t port) {
  return impl_->locked(i, [&]() -> std::uint16_t {
    if (impl_->stopped) throw std::logic_error("hwsim: simulator is shut down");
    return impl_->serve_rfc2217(*impl_->ports[i], port);
  });
}

void simulator::vanish(std::size_t i) {
  impl_->locked(i, [&] {
    if (!impl_->stopped) impl_->vanish(*impl_->ports[i]);
  });
}

void simulator::reappear(std::size_t i) {
  impl_->locked(i, [&] {
    if (!impl_->stopped) impl_->reappear(*impl_->ports[i]);
  });
}

bool simulator::dial_tone(std::size_t i) const {
  return impl_->locked(i, [&] { return impl_->world.dial_tone(i); });
}

bool simulator::silent(std::size_t i) const {
  return impl_->locked(i, [&] { return std::as_const(impl_->world).modem_at(i).silent(); });
}

bool simulator::vanished(std::size_t i) const {
  return impl_->locked(i, [&] { return impl_->ports[i]->vanished; });
}

double simulator::time_scale() const { return impl_->opt.time_scale; }

void simulator::add_number(number_entry e) {
  std::lock_guard lk(impl_->mu);
  impl_->world.add_number(std::move(e));
}

std::uint8_t simulator::s_register(std::size_t i, unsigned reg) const {
  return impl_->locked(i, [&] { return impl_->world.modem_at(i).s_register(reg); });
}

unsigned simulator::connect_rate(std::size_t i) const {
  return impl_->locked(i, [&] { return impl_->world.modem_at(i).connect_rate(); });
}

std::string default_scenario() { return format_scenario(exchange::default_number_plan()); }

}  // namespace dialup::hwsim
