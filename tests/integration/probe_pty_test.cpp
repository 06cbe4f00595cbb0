// The prober (dialup/engine/probe.hpp) with the probe's tty driver (dialup/drivers/probe_port.hpp)
// against hw-sim modems on real ptys, and against ptys whose far end is silent, answers
// garbage, vanishes or is held by another program. The simulator runs at a scaled clock.
#include "dialup/engine/probe.hpp"
#include "dialup/engine/profile_file.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <future>
#include <thread>

#include "dialup/drivers/probe_port.hpp"
#include "support/child_process.hpp"
#include "support/port_fixtures.hpp"
#include "dialup/engine/port_error.hpp"
#include "support/pty_world.hpp"
#include "support/sim_thread.hpp"

using namespace dialup;
using namespace std::chrono_literals;

namespace {

test::private_lock_dir lock_dir("dialup-probe-test");

// Counts the opens it passes on: a port that must not be opened is seen never to be.
struct counting_opener : probe_port_opener {
  drivers::tty_probe_opener real;
  std::vector<std::string> opened;
  std::string holder(const std::string& port) override { return real.holder(port); }
  void async_open(const std::string& port, std::uint32_t bps, boost::asio::any_io_executor ex,
                  open_handler h) override {
    opened.push_back(port);
    real.async_open(port, bps, std::move(ex), std::move(h));
  }
};

probe_options fast_options() {
  probe_options o;
  o.answer_timeout = 200ms;
  o.command_timeout = 1000ms;
  o.port_deadline = 15s;
  return o;
}

std::vector<probe_result> probe(std::vector<probe_candidate> c, const probe_options& o, counting_opener& opener) {
  boost::asio::io_context io;
  std::vector<probe_result> out;
  bool done = false;
  async_probe(io.get_executor(), opener, std::move(c), o, [&](std::vector<probe_result> r) {
    out = std::move(r);
    done = true;
  });
  io.run();
  REQUIRE(done);
  return out;
}

probe_result probe_one(const std::string& port, const probe_options& o = fast_options()) {
  counting_opener opener;
  probe_candidate c;
  c.port = port;
  c.named = true;
  auto r = probe({c}, o, opener);
  REQUIRE(r.size() == 1);
  return r[0];
}

// The profiles `dialup probe` matches against: the built-in set (data/modems).
std::vector<modem_profile> test_profiles() { return profile_set::builtin().all(); }

// The far end of a pty pair, answering each CR-terminated line with respond(line) on a
// thread of its own; `received` is everything that came. Stops (and joins) at destruction.
struct pty_peer {
  test::pty_pair& pty;
  std::function<std::string(const std::string&)> respond;
  std::atomic<bool> stop{false};
  std::atomic<bool> close_now{false};
  std::mutex mutex;
  std::string received;
  std::thread thread;
  pty_peer(test::pty_pair& p, std::function<std::string(const std::string&)> r) : pty(p), respond(std::move(r)) {
    thread = std::thread([this] { run(); });
  }
  ~pty_peer() {
    stop = true;
    thread.join();
  }
  void run() {
    std::string line;
    while (!stop) {
      if (pty.master < 0) return;
      pollfd p{pty.master, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      char buf[256];
      const ssize_t n = ::read(pty.master, buf, sizeof buf);
      if (n <= 0) continue;
      std::string reply;
      {
        std::lock_guard lock(mutex);
        received.append(buf, static_cast<std::size_t>(n));
      }
      for (ssize_t i = 0; i < n; ++i) {
        if (buf[i] == '\r') {
          reply += respond(line);
          line.clear();
        } else if (buf[i] != '\n') {
          line += buf[i];
        }
      }
      if (close_now) {
        pty.close_master();
        return;
      }
      if (!reply.empty()) (void)!::write(pty.master, reply.data(), reply.size());
    }
  }
  std::string got() {
    std::lock_guard lock(mutex);
    return received;
  }
};

termios slave_termios(const std::string& slave) {
  const int fd = ::open(slave.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK);
  REQUIRE(fd >= 0);
  termios t{};
  REQUIRE(::tcgetattr(fd, &t) == 0);
  ::close(fd);
  return t;
}

void set_slave_termios(const std::string& slave, const termios& t) {
  const int fd = ::open(slave.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK);
  REQUIRE(fd >= 0);
  REQUIRE(::tcsetattr(fd, TCSANOW, &t) == 0);
  ::close(fd);
}

void check_same(const termios& a, const termios& b) {
  CHECK(a.c_iflag == b.c_iflag);
  CHECK(a.c_oflag == b.c_oflag);
  CHECK(a.c_cflag == b.c_cflag);
  CHECK(a.c_lflag == b.c_lflag);
  for (std::size_t i = 0; i < NCCS; ++i) CHECK(a.c_cc[i] == b.c_cc[i]);
  CHECK(::cfgetospeed(&a) == ::cfgetospeed(&b));
  CHECK(::cfgetispeed(&a) == ::cfgetispeed(&b));
}

bool has_reason(const identification& id, const std::string& text) {
  for (const auto& r : id.reasons)
    if (r.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("each hw-sim personality is found, named and matched to its profile over a pty") {
  struct row {
    const char* personality;
    const char* manufacturer;
    const char* model;
    const char* profile;
    const char* reason;
  };
  const row rows[] = {
      {"generic", "DIALUP", "HWSIM GENERIC V.34", "generic", "no match: generic"},
      {"usr", "U.S. Robotics", "Courier V.Everything", "usr-courier", "+GMM 'Courier V.Everything' matches usr-courier"},
      {"conexant", "CONEXANT", "CX81801", "conexant-usb", "+GMI 'CONEXANT' matches conexant-usb"},
      {"cellular", "DIALUP", "HWSIM LTE", "cellular", "answers AT+CPIN?"},
  };
  const auto profiles = test_profiles();
  for (const auto& r : rows) {
    CAPTURE(r.personality);
    test::sim_world w(1, r.personality);
    const termios before = slave_termios(w.sim->pty_path(0));
    const auto res = probe_one(w.sim->pty_path(0));
    check_same(slave_termios(w.sim->pty_path(0)), before);
    REQUIRE(res.outcome == probe_outcome::modem);
    CHECK(res.speed == 115200);
    CHECK(res.answers.manufacturer == r.manufacturer);
    CHECK(res.answers.model == r.model);
    CHECK(res.answers.revision == "1.0");
    CHECK(res.answers.ati.size() == 5);
    CHECK(res.termios_restored);
    const auto id = identify(res.answers, profiles);
    CHECK(id.profile == r.profile);
    CHECK(has_reason(id, r.reason));
    // The simulator takes every init option of wvdialconf's list.
    CHECK(res.init == "ATQ0V1E1S0=0&C1&D2+FCLASS=0");
    CHECK(res.init_refused.empty());
    if (std::string(r.personality) == "cellular") {
      REQUIRE(res.cellular);
      CHECK(res.answers.cellular);
      CHECK(res.answers.serial == "356938035643809");  // the IMEI, from +CGSN
      CHECK(res.cellular->cpin == "+CPIN: READY");
      CHECK(res.cellular->csq == "+CSQ: 20,99");
      CHECK(res.cellular->creg.rfind("+CREG: ", 0) == 0);
      CHECK(res.cellular->sim == cellular::sim_state::ready);
      CHECK(res.cellular->signal_dbm == -73);  // rssi 20: -113 + 2 * 20 (27.007 §8.5)
      REQUIRE(res.cellular->circuit);
      CHECK(res.cellular->circuit->registered());
    } else {
      CHECK_FALSE(res.cellular);
      CHECK_FALSE(res.answers.cellular);
    }
    if (std::string(r.personality) == "generic") CHECK(res.answers.ati[0] == "33600");
    if (std::string(r.personality) == "usr") CHECK(res.answers.ati[3] == "USRobotics Courier V.Everything (dialup hw-sim)");
  }
}

TEST_CASE("a pty whose far end never answers is left alone within the deadline, its termios as found") {
  test::pty_pair pty;
  // Settings no probe would choose: canonical mode with echo at 1200 bit/s.
  termios before = slave_termios(pty.slave);
  before.c_lflag |= ICANON | ECHO;
  before.c_cc[VMIN] = 3;
  before.c_cflag &= ~CRTSCTS;
  before.c_cflag |= HUPCL;
  ::cfsetispeed(&before, B1200);
  ::cfsetospeed(&before, B1200);
  set_slave_termios(pty.slave, before);
  before = slave_termios(pty.slave);  // what the pty actually holds

  auto o = fast_options();
  const auto t0 = std::chrono::steady_clock::now();
  const auto res = probe_one(pty.slave, o);
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(res.outcome == probe_outcome::no_answer);
  CHECK(res.detail == "no answer to AT at 115200, 57600, 38400, 19200, 9600, 2400 bit/s");
  CHECK(res.termios_restored);
  // One answer_timeout per speed, plus the channel's short quiet period after each.
  CHECK(took < o.speeds.size() * (o.answer_timeout + 300ms));
  check_same(slave_termios(pty.slave), before);
  // Not a byte but the ATs (the master end was never read: they are all still there).
  char buf[512];
  const ssize_t n = ::read(pty.master, buf, sizeof buf);
  REQUIRE(n > 0);
  CHECK(std::string(buf, static_cast<std::size_t>(n)).find("AT\r") == 0);
}

TEST_CASE("a pty that answers garbage is reported as garbage, and a spewing one is left at once") {
  SUBCASE("noise for each command") {
    test::pty_pair pty;
    pty_peer peer(pty, [](const std::string&) { return std::string("\x13\x7f#~~ NMEA?\r\n$GPGGA,,,\r\n"); });
    const auto res = probe_one(pty.slave);
    CHECK(res.outcome == probe_outcome::garbage);
    CHECK(res.detail.find("but no AT reply") != std::string::npos);
    CHECK(res.speed == 0);
  }
  SUBCASE("a flood past the garbage limit") {
    test::pty_pair pty;
    pty_peer peer(pty, [](const std::string&) { return std::string(3000, 'x') + "\r\n"; });
    auto o = fast_options();
    o.answer_timeout = 2000ms;  // the flood, not the timeout, must end it
    const auto t0 = std::chrono::steady_clock::now();
    const auto res = probe_one(pty.slave, o);
    CHECK(res.outcome == probe_outcome::garbage);
    CHECK(res.detail.find("bytes and no AT reply") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - t0 < 1500ms);
  }
}

TEST_CASE("a port another program holds is skipped and never opened") {
  test::pty_pair pty;
  test::child_process holder({"/bin/sleep", "30"});
  REQUIRE(holder.started());
  // The lock names the program by /proc/<pid>/comm: wait (bounded) until the child has
  // become /bin/sleep.
  const auto exec_deadline = std::chrono::steady_clock::now() + 5s;
  for (std::string comm; comm != "sleep" && std::chrono::steady_clock::now() < exec_deadline;) {
    std::ifstream in("/proc/" + std::to_string(holder.pid()) + "/comm");
    std::getline(in, comm);
    if (comm != "sleep") std::this_thread::yield();
  }
  const std::string lock = lock_dir.lock_of_pty(pty.slave);
  {
    std::ofstream f(lock);
    char text[16];
    std::snprintf(text, sizeof text, "%10d\n", static_cast<int>(holder.pid()));
    f << text;
  }
  counting_opener opener;
  probe_candidate c;
  c.port = pty.slave;
  c.named = true;
  const auto res = probe({c}, fast_options(), opener);
  REQUIRE(res.size() == 1);
  CHECK(res[0].outcome == probe_outcome::skipped);
  CHECK(res[0].detail == "held by sleep (pid " + std::to_string(holder.pid()) + ")");
  CHECK(opener.opened.empty());
  // Nothing reached the far end, and the lock is still the holder's.
  pollfd p{pty.master, POLLIN, 0};
  CHECK(::poll(&p, 1, 50) == 0);
  std::ifstream f(lock);
  int pid = 0;
  f >> pid;
  CHECK(pid == holder.pid());
  ::unlink(lock.c_str());
}

TEST_CASE("a modem that vanishes mid-probe gives 'vanished', and the other ports go on") {
  test::pty_pair pty;
  pty_peer peer(pty, [&](const std::string& line) -> std::string {
    if (line == "ATI0") peer.close_now = true;
    return line + "\r\r\nOK\r\n";
  });
  test::sim_world w(1, "usr");
  counting_opener opener;
  probe_candidate a, b;
  a.port = pty.slave;
  a.named = true;
  b.port = w.sim->pty_path(0);
  b.named = true;
  const auto res = probe({a, b}, fast_options(), opener);
  REQUIRE(res.size() == 2);
  CHECK(res[0].outcome == probe_outcome::vanished);
  CHECK(res[0].speed == 115200);
  CHECK(res[1].outcome == probe_outcome::modem);
  CHECK(res[1].answers.manufacturer == "U.S. Robotics");
}

TEST_CASE("several ports are probed in parallel: the whole takes about the slowest, not the sum") {
  test::sim_world w(3, "conexant");
  test::pty_pair silent[3];
  counting_opener opener;
  std::vector<probe_candidate> c;
  for (std::size_t i = 0; i < 3; ++i) c.push_back({w.sim->pty_path(i), "", true, {}, {}, {}});
  for (auto& s : silent) c.push_back({s.slave, "", true, {}, {}, {}});
  const auto t0 = std::chrono::steady_clock::now();
  const auto res = probe(c, fast_options(), opener);
  const auto total = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  REQUIRE(res.size() == 6);
  std::chrono::milliseconds sum{0}, slowest{0};
  for (std::size_t i = 0; i < res.size(); ++i) {
    CAPTURE(i);
    CHECK(res[i].outcome == (i < 3 ? probe_outcome::modem : probe_outcome::no_answer));
    sum += res[i].elapsed;
    slowest = std::max(slowest, res[i].elapsed);
  }
  MESSAGE("6 ports: total " << total.count() << " ms, slowest " << slowest.count() << " ms, sum " << sum.count()
                            << " ms");
  CHECK(total < slowest + 500ms);
  CHECK(total * 5 < sum * 3);
}

TEST_CASE("the speed search goes high to low and stops at the first speed that answers") {
  test::pty_pair pty;
  // A modem whose UART runs at 19200 only: at any other speed its reply is line noise, as
  // a real one's would be. A pty's far end sees the speed the port was set to.
  pty_peer peer(pty, [&](const std::string& line) -> std::string {
    termios t{};
    if (::tcgetattr(pty.master, &t) != 0 || ::cfgetospeed(&t) != B19200) return "\xf0\x0f\xe1";
    return line + "\r\r\nOK\r\n";
  });
  const auto res = probe_one(pty.slave);
  REQUIRE(res.outcome == probe_outcome::modem);
  CHECK(res.speed == 19200);
  // It answered OK to everything: the whole init list is accepted.
  CHECK(res.init == "ATQ0V1E1S0=0&C1&D2+FCLASS=0");
  // The ATs went at 115200, 57600, 38400, then 19200: four, before ATQ0V1E1.
  const auto got = peer.got();
  std::size_t ats = 0;
  for (std::size_t at = got.find("AT\r"); at != std::string::npos && at < got.find("ATQ0"); at = got.find("AT\r", at + 1))
    ++ats;
  CHECK(ats == 4);
}

TEST_CASE("a modem that answers AT and then nothing runs into the port deadline, keeping what it learnt") {
  test::pty_pair pty;
  pty_peer peer(pty, [](const std::string& line) -> std::string {
    return line == "AT" || line == "ATQ0V1E1" ? line + "\r\r\nOK\r\n" : std::string();
  });
  auto o = fast_options();
  o.command_timeout = 400ms;
  o.port_deadline = 1500ms;
  const auto t0 = std::chrono::steady_clock::now();
  const auto res = probe_one(pty.slave, o);
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(res.outcome == probe_outcome::timed_out);
  CHECK(res.detail == "no complete answer within 1500 ms");
  CHECK(res.speed == 115200);
  CHECK(res.init_accepted == std::vector<std::string>{"Q0", "V1", "E1"});
  CHECK(took >= 1500ms);
  CHECK(took < 2500ms);
}

TEST_CASE("ports that cannot be opened fail with the reason, and the others go on") {
  test::sim_world w(1, "generic");
  counting_opener opener;
  std::vector<probe_candidate> c{{"/dev/null", "", true, {}, {}, {}},
                                 {"/dev/no-such-tty", "", true, {}, {}, {}},
                                 {w.sim->pty_path(0), "", true, {}, {}, {}}};
  const auto res = probe(c, fast_options(), opener);
  REQUIRE(res.size() == 3);
  CHECK(res[0].outcome == probe_outcome::failed);
  CHECK(res[0].error == port_error::not_a_serial_port);
  CHECK(res[1].outcome == probe_outcome::failed);
  CHECK(res[1].error == std::errc::no_such_file_or_directory);
  CHECK(res[1].detail.rfind("cannot open: ", 0) == 0);
  CHECK(res[2].outcome == probe_outcome::modem);
}

TEST_CASE("a modem on hw-sim's RFC 2217 server is probed at the speed the open set") {
  test::sim_thread w(test::at_time_scale(0.05), 1);
  const std::uint16_t port = w.sim->serve_rfc2217(0);
  const auto res = probe_one("rfc2217://127.0.0.1:" + std::to_string(port));
  REQUIRE(res.outcome == probe_outcome::modem);
  CHECK(res.speed == 115200);
  CHECK(res.answers.model == "HWSIM GENERIC V.34");
}

TEST_CASE("async_probe takes a completion token: use_future, with the loop on another thread") {
  test::sim_world w(1, "usr");
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread loop([&] { io.run(); });
  counting_opener opener;
  std::vector<probe_candidate> c{{w.sim->pty_path(0), "", true, {}, {}, {}}};
  auto f = async_probe(io.get_executor(), opener, c, fast_options(), boost::asio::use_future);
  REQUIRE(f.wait_for(15s) == std::future_status::ready);
  const auto res = f.get();
  work.reset();
  loop.join();
  REQUIRE(res.size() == 1);
  CHECK(res[0].outcome == probe_outcome::modem);
  CHECK(res[0].answers.manufacturer == "U.S. Robotics");
}

TEST_CASE("wvdialconf's cumulative init test: a refused option is left out of every later line") {
  test::pty_pair pty;
  pty_peer peer(pty, [](const std::string& line) -> std::string {
    const bool refuse = line.find("&C1") != std::string::npos || line.find("+FCLASS") != std::string::npos;
    return line + "\r\r\n" + (refuse ? "ERROR" : "OK") + "\r\n";
  });
  const auto res = probe_one(pty.slave);
  REQUIRE(res.outcome == probe_outcome::modem);
  CHECK(res.init_accepted == std::vector<std::string>{"Q0", "V1", "E1", "S0=0", "&D2"});
  CHECK(res.init_refused == std::vector<std::string>{"&C1", "+FCLASS=0"});
  CHECK(res.init == "ATQ0V1E1S0=0&D2");
  const auto got = peer.got();
  CHECK(got.find("ATQ0V1E1S0=0&C1\r") != std::string::npos);
  CHECK(got.find("ATQ0V1E1S0=0&D2\r") != std::string::npos);  // &C1 dropped
  CHECK(got.find("ATQ0V1E1S0=0&D2+FCLASS=0\r") != std::string::npos);
}

TEST_CASE("a modem left in V0 E0 answers the first AT with a numeric code and is found") {
  test::pty_pair pty;
  std::atomic<bool> verbose{false};
  pty_peer peer(pty, [&](const std::string& line) -> std::string {
    if (line.find("V1") != std::string::npos) verbose = true;
    if (!verbose) return "0\r";  // V0: "0" is OK (V.250 §6.2.6), no echo (E0)
    return line + "\r\r\nOK\r\n";
  });
  const auto res = probe_one(pty.slave);
  REQUIRE(res.outcome == probe_outcome::modem);
  CHECK(res.speed == 115200);
  CHECK(res.init == "ATQ0V1E1S0=0&C1&D2+FCLASS=0");
}

TEST_CASE("ttyS0 (not named) and a known non-modem USB device are skipped without being opened") {
  counting_opener opener;
  probe_candidate s0{"/dev/ttyS0", "", false, {}, {}, {}};
  probe_candidate arduino{"/dev/ttyACM7", "", false, std::uint16_t{0x2341}, std::uint16_t{0x0043}, "cdc_acm"};
  const auto res = probe({s0, arduino}, fast_options(), opener);
  REQUIRE(res.size() == 2);
  CHECK(res[0].outcome == probe_outcome::skipped);
  CHECK(res[0].detail == "ttyS0 is probed only when named");
  CHECK(res[1].outcome == probe_outcome::skipped);
  CHECK(res[1].detail.find("an Arduino board") != std::string::npos);
  CHECK(opener.opened.empty());
}
