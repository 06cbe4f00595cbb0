// The RFC 2217 client against a real peer: ser2net 4.x serving a simulated modem's pty as
// an RFC 2217 port on loopback, and the engine dialling through it. Skips (with a message,
// and passes) when ser2net is not installed.
//
// ser2net gets a configuration file of its own (never the system one, which may expose a
// console port), runs in the foreground without UUCP locks (-d -u), and is killed on every
// way out of the test (the destructor; PR_SET_PDEATHSIG if the test process dies).
#include "dialup/drivers/rfc2217_transport.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "dialup/drivers/port_factory.hpp"
#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/data_stream.hpp"
#include "support/dial_caller.hpp"
#include "support/sim_thread.hpp"

using namespace dialup;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::string find_program(const char* name) {
  for (const char* dir : {"/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/", "/usr/local/sbin/", "/usr/local/bin/"}) {
    std::string p = std::string(dir) + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A free loopback port: bound, read, released (ser2net binds it a moment later).
std::uint16_t free_port() {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

// ser2net serving `tty` as RFC 2217 on 127.0.0.1:port, in a directory of its own. The
// destructor kills it (SIGTERM, then SIGKILL after 2 s) and removes the directory.
struct ser2net_process {
  std::string dir, config, pidfile, log;
  std::uint16_t port = 0;
  pid_t pid = -1;

  ser2net_process(const std::string& program, const std::string& tty) {
    char tmpl[] = "/tmp/dialup-ser2net-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    dir = tmpl;
    config = dir + "/ser2net.yaml";
    pidfile = dir + "/ser2net.pid";
    log = dir + "/ser2net.log";
    port = free_port();
    // ser2net 4.x YAML: an RFC 2217 accepter on loopback only, the pty as a serial device
    // ("local": no modem-control lines to wait for), a new client replacing an old one.
    std::ofstream(config) << "%YAML 1.1\n---\n"
                          << "connection: &modem0\n"
                          << "  accepter: telnet(rfc2217),tcp,127.0.0.1," << port << "\n"
                          << "  connector: serialdev," << tty << ",115200n81,local\n"
                          << "  options:\n"
                          << "    kickolduser: true\n";
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // Even if the test process dies without unwinding, ser2net goes with it.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      const int null = ::open("/dev/null", O_RDONLY);
      if (null >= 0) ::dup2(null, 0);
      ::execl(program.c_str(), program.c_str(), "-d", "-u", "-c", config.c_str(), "-P", pidfile.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~ser2net_process() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      int status = 0;
      const auto end = std::chrono::steady_clock::now() + 2s;
      while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > end) {
          ::kill(pid, SIGKILL);
          ::waitpid(pid, &status, 0);
          break;
        }
        std::this_thread::sleep_for(10ms);
      }
    }
    for (const auto& f : {config, pidfile, log}) ::unlink(f.c_str());
    ::rmdir(dir.c_str());
  }
  bool running() const { return pid > 0 && ::waitpid(pid, nullptr, WNOHANG) == 0; }
  // Waits until the port accepts a connection (ser2net is up), within `limit`. The probe
  // connection is closed at once; kickolduser makes the next client the only one.
  bool listening(std::chrono::milliseconds limit = 5000ms) const {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end && running()) {
      asio::io_context io;
      tcp::socket s(io);
      boost::system::error_code ec;
      s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
      if (!ec) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  std::string name() const { return "rfc2217://127.0.0.1:" + std::to_string(port); }
};

struct dte_trace {
  std::shared_ptr<std::mutex> mu = std::make_shared<std::mutex>();
  std::shared_ptr<std::string> from_dte = std::make_shared<std::string>();
  hwsim::simulator_options options(double time_scale) const {
    auto o = test::at_time_scale(time_scale);
    o.trace = [mu = mu, s = from_dte](std::size_t, bool from, std::string_view bytes) {
      std::lock_guard lock(*mu);
      if (from) s->append(bytes);
    };
    return o;
  }
  std::string text() const {
    std::lock_guard lock(*mu);
    return *from_dte;
  }
};

}  // namespace

TEST_CASE("ser2net serving a simulated modem's pty: the transport opens it as a port without modem control") {
  const std::string program = find_program("ser2net");
  if (program.empty()) {
    MESSAGE("ser2net is not installed: skipped");
    return;
  }
  test::sim_thread w(test::at_time_scale(0.05), 1);
  ser2net_process s2n(program, w.sim->pty_path(0));
  REQUIRE_MESSAGE(s2n.listening(), "ser2net did not start: " << slurp(s2n.log));
  // The probe connection ser2net just took must be gone before ours, or it kicks us.
  std::this_thread::sleep_for(100ms);

  asio::io_context io;
  bool done = false;
  std::error_code ec;
  std::unique_ptr<drivers::rfc2217_transport> t;
  drivers::rfc2217_transport::async_open(io.get_executor(), s2n.name(), {}, {},
                                         [&](std::error_code e, std::unique_ptr<drivers::rfc2217_transport> p) {
                                           done = true;
                                           ec = e;
                                           t = std::move(p);
                                         });
  const auto start = std::chrono::steady_clock::now();
  while (!done && std::chrono::steady_clock::now() < start + 10s) io.run_one_for(50ms);
  REQUIRE(done);
  REQUIRE_MESSAGE(!ec, ec.message());
  // Measured with ser2net 4.3: the settings are answered, SET-CONTROL DTR/RTS are not (a pty
  // has no such lines), NOTIFY-MODEMSTATE says 0. So: no modem control, no line events, and
  // the engine will hang up with +++/ATH rather than watch a DCD that is never up.
  CHECK_FALSE(t->has_modem_control());
  CHECK_FALSE(t->lines_at_open());
  CHECK_FALSE(t->async_wait_lines([](std::error_code, const modem_line_event&) {}));
  // AT through it.
  std::string got;
  std::array<char, 256> buf{};
  std::function<void()> read = [&] {
    t->async_read_some(asio::buffer(buf), [&](std::error_code e, std::size_t n) {
      if (e) return;
      got.append(buf.data(), n);
      read();
    });
  };
  read();
  t->async_write(asio::buffer("AT\r", 3), [](std::error_code, std::size_t) {});
  const auto end = std::chrono::steady_clock::now() + 5s;
  while (got.find("OK") == std::string::npos && std::chrono::steady_clock::now() < end) io.run_one_for(50ms);
  CHECK(got.find("OK") != std::string::npos);
  t.reset();
  io.restart();
  io.run_for(50ms);
  CHECK(s2n.running());
}

TEST_CASE("the engine dials through ser2net (RFC 2217 to a pty): Connected, data both ways, hang-up by +++/ATH") {
  const std::string program = find_program("ser2net");
  if (program.empty()) {
    MESSAGE("ser2net is not installed: skipped");
    return;
  }
  dte_trace trace;
  test::sim_thread w(trace.options(0.05), 1);
  ser2net_process s2n(program, w.sim->pty_path(0));
  REQUIRE_MESSAGE(s2n.listening(), "ser2net did not start: " << slurp(s2n.log));
  std::this_thread::sleep_for(100ms);

  engine_options o;
  o.transports = std::make_shared<drivers::port_factory>();
  auto log_lines = std::make_shared<std::vector<std::string>>();
  auto mu = std::make_shared<std::mutex>();
  o.log = [log_lines, mu](log_level, std::string_view text) {
    std::lock_guard lock(*mu);
    log_lines->emplace_back(text);
  };
  connection_manager mgr(std::move(o));
  dial_entry e;
  e.port = s2n.name();
  e.phone_number = "5550100";
  e.profile.escape_guard = 150ms;
  e.profile.command_timeout = 2s;
  e.profile.reset_timeout = 2s;
  e.profile.connect_timeout = 10s;
  e.profile.resync_quiet = 50ms;

  test::caller c;
  std::error_code ec;
  auto h = mgr.dial(e, {}, {}, c.events_notifier(), ec);
  REQUIRE_FALSE(ec);
  c.run();
  REQUIRE(c.states() == test::good_call);
  CHECK(w.sim->off_hook(0));

  // Data both ways, 0xff included (ser2net doubles it on the wire as we do): 5550100 echoes.
  data_stream stream(mgr, h, c.io.get_executor());
  const std::string out = std::string("ping \xff\x00\xff end\r\n", 13);
  std::string in(out.size(), '\0');
  asio::async_write(stream, asio::buffer(out), [](boost::system::error_code, std::size_t) {});
  boost::system::error_code read_ec;
  bool read_done = false;
  asio::async_read(stream, asio::buffer(in), [&](boost::system::error_code e2, std::size_t) {
    read_ec = e2;
    read_done = true;
  });
  c.run_until([&] { return read_done; }, 10s);
  CHECK(read_done);
  CHECK_FALSE(read_ec);
  CHECK(in == out);

  test::hang_up_and_wait(mgr, h, c);
  CHECK_FALSE(w.sim->off_hook(0));
  // No DTR through a pty: the engine escaped and sent ATH.
  const std::string dte = trace.text();
  CHECK(dte.find("+++") != std::string::npos);
  CHECK(dte.find("ATH") != std::string::npos);
  {
    std::lock_guard lock(*mu);
    for (const auto& l : *log_lines) CHECK(l.find("dropping DTR") == std::string::npos);
  }
  CHECK(s2n.running());
}
