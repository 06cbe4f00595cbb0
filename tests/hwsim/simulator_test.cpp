// The simulator on real ptys: a test program opens the slave like a serial client.
#include <dialup/hwsim/simulator.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "support/sim_thread.hpp"

using namespace dialup::hwsim;
using dialup::test::at_time_scale;
using dialup::test::sim_thread;
using namespace std::chrono_literals;

namespace {

// A serial client on the slave end: raw termios, as tio/minicom/the engine set it.
struct client {
  int fd = -1;
  std::string got;

  explicit client(const std::string& path) {
    fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(fd >= 0);
    termios t{};
    REQUIRE(::tcgetattr(fd, &t) == 0);
    ::cfmakeraw(&t);
    REQUIRE(::tcsetattr(fd, TCSANOW, &t) == 0);
  }
  ~client() { close(); }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  void send(const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
      auto n = ::write(fd, s.data() + off, s.size() - off);
      if (n > 0) off += static_cast<std::size_t>(n);
      else std::this_thread::sleep_for(1ms);
    }
  }
  // Reads until `what` has been seen (returns the text up to and including it, and
  // keeps the rest), or the timeout passes (returns "" and keeps everything).
  std::string expect(const std::string& what, std::chrono::milliseconds timeout = 5s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto k = got.find(what);
      if (k != std::string::npos) {
        std::string r = got.substr(0, k + what.size());
        got.erase(0, k + what.size());
        return r;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left <= 0ms) return "";
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) > 0) {
        char b[512];
        auto n = ::read(fd, b, sizeof b);
        if (n > 0) got.append(b, static_cast<std::size_t>(n));
        else if (n == 0 || (errno != EAGAIN && errno != EINTR)) return "";
      }
    }
  }
  // Everything that arrives within `d`.
  std::string drain(std::chrono::milliseconds d) {
    expect(std::string(1, '\0') + "never", d);
    std::string r;
    r.swap(got);
    return r;
  }
};

template <class F>
bool eventually(F f, std::chrono::milliseconds limit = 3s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return f();
}

}  // namespace

TEST_CASE("a client on the pty: ATZ, ATI, dial, echo, +++ with guard, ATH, on-hook") {
  sim_thread rs(at_time_scale(0.01));
  auto& sim = *rs.sim;
  const auto i = sim.add_modem();
  CHECK(i == 0);
  CHECK(sim.modem_count() == 1);
  CHECK(sim.own_number(0) == "5551000");
  CHECK(sim.pty_path(0).rfind("/dev/pts/", 0) == 0);
  client c(sim.pty_path(0));
  c.send("ATZ\r");
  CHECK(c.expect("OK\r\n") == "ATZ\r\r\nOK\r\n");
  c.send("ATI\r");
  CHECK(c.expect("OK\r\n") == "ATI\r\r\n33600\r\n\r\nOK\r\n");
  c.send("ATDT5550100\r");
  CHECK(c.expect("ATDT5550100\r", 1s) == "ATDT5550100\r");
  CHECK(eventually([&] { return sim.off_hook(0); }));
  CHECK(c.expect("CONNECT 33600\r\n") == "\r\nCONNECT 33600\r\n");
  CHECK(sim.mode(0) == modem_mode::online_data);
  CHECK(sim.connect_rate(0) == 33600);
  c.send("hello, modem");
  CHECK(c.expect("modem") == "hello, modem");
  // Guard 1 s simulated = 10 ms real at time_scale 0.01; leave plenty of margin.
  std::this_thread::sleep_for(60ms);
  c.send("+++");
  CHECK(c.expect("OK\r\n") == "+++\r\nOK\r\n");
  CHECK(sim.mode(0) == modem_mode::online_command);
  c.send("ATH\r");
  CHECK(c.expect("OK\r\n") == "ATH\r\r\nOK\r\n");
  CHECK_FALSE(sim.off_hook(0));
  CHECK(c.drain(50ms).find("NO CARRIER") == std::string::npos);
}

TEST_CASE("closing the client fd while connected puts the modem on-hook; the next client works") {
  sim_thread rs(at_time_scale(0.01));
  auto& sim = *rs.sim;
  sim.add_modem();
  {
    client c(sim.pty_path(0));
    c.send("ATDT5550100\r");
    REQUIRE(c.expect("CONNECT") != "");
    REQUIRE(sim.off_hook(0));
  }  // the dialer dies
  CHECK(eventually([&] { return !sim.off_hook(0); }));
  CHECK(sim.mode(0) == modem_mode::command);
  client c2(sim.pty_path(0));
  c2.send("AT\r");
  CHECK(c2.expect("OK\r\n") == "AT\r\r\nOK\r\n");
}

TEST_CASE("the link symlink points at the pty and is removed at shutdown") {
  const std::string prefix = "/tmp/hwsim-test-" + std::to_string(::getpid()) + "-";
  simulator_options o = at_time_scale(0.01);
  o.link_prefix = prefix;
  std::string link;
  {
    sim_thread rs(o);
    rs.sim->add_modem();
    rs.sim->add_modem();
    link = rs.sim->link_path(1);
    CHECK(link == prefix + "1");
    char buf[256];
    auto n = ::readlink(link.c_str(), buf, sizeof buf);
    REQUIRE(n > 0);
    CHECK(std::string(buf, static_cast<std::size_t>(n)) == rs.sim->pty_path(1));
    client c(link);
    c.send("AT\r");
    CHECK(c.expect("OK\r\n") != "");
  }
  struct stat st{};
  CHECK(::lstat(link.c_str(), &st) != 0);
}

TEST_CASE("fault controls: silent modem, no dial tone, carrier drop") {
  sim_thread rs(at_time_scale(0.01));
  auto& sim = *rs.sim;
  sim.add_modem();
  client c(sim.pty_path(0));
  c.send("ATE0\r");
  REQUIRE(c.expect("OK\r\n") != "");
  SUBCASE("silent") {
    sim.set_silent(0, true);
    c.send("AT\r");
    CHECK(c.drain(100ms).empty());
    sim.set_silent(0, false);
    c.send("AT\r");
    CHECK(c.expect("OK\r\n") == "\r\nOK\r\n");
  }
  SUBCASE("no dial tone") {
    sim.set_dial_tone(0, false);
    c.send("ATDT5550100\r");
    CHECK(c.expect("\r\n", 3s) == "\r\n");
    CHECK(c.expect("\r\n", 3s) == "NO DIALTONE\r\n");
    CHECK_FALSE(sim.off_hook(0));
  }
  SUBCASE("drop carrier") {
    c.send("ATDT5550100\r");
    REQUIRE(c.expect("CONNECT 33600\r\n") != "");
    sim.drop_carrier(0);
    CHECK(c.expect("NO CARRIER\r\n") == "\r\nNO CARRIER\r\n");
    CHECK_FALSE(sim.off_hook(0));
  }
}

TEST_CASE("two simulated modems call each other over their ptys") {
  sim_thread rs(at_time_scale(0.01));
  auto& sim = *rs.sim;
  sim.add_modem();
  sim.add_modem();
  client a(sim.pty_path(0));
  client b(sim.pty_path(1));
  b.send("ATE0S0=1\r");
  REQUIRE(b.expect("OK\r\n") != "");
  a.send("ATE0\r");
  REQUIRE(a.expect("OK\r\n") != "");
  a.send("ATDT" + sim.own_number(1) + "\r");
  CHECK(b.expect("RING\r\n") == "\r\nRING\r\n");
  CHECK(b.expect("CONNECT 33600\r\n") == "\r\nCONNECT 33600\r\n");
  CHECK(a.expect("CONNECT 33600\r\n") == "\r\nCONNECT 33600\r\n");
  a.send("from a");
  b.send("from b");
  CHECK(b.expect("from a") == "from a");
  CHECK(a.expect("from b") == "from b");
  b.close();  // b's program dies: b hangs up (&D2), a gets NO CARRIER
  CHECK(a.expect("NO CARRIER\r\n") == "\r\nNO CARRIER\r\n");
  CHECK(eventually([&] { return !sim.off_hook(0) && !sim.off_hook(1); }));
}

TEST_CASE("time_scale 0 runs in virtual time: a full dial completes at once") {
  simulator_options o;
  o.time_scale = 0;
  sim_thread rs(o);
  rs.sim->add_modem();
  client c(rs.sim->pty_path(0));
  const auto t0 = std::chrono::steady_clock::now();
  c.send("ATE0\r");
  REQUIRE(c.expect("OK\r\n") != "");
  c.send("ATDT5550120\r");
  CHECK(c.expect("NO ANSWER\r\n", 2s) == "\r\nNO ANSWER\r\n");
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
}

TEST_CASE("an unknown personality or a negative time_scale is refused") {
  boost::asio::io_context ioc;
  simulator_options o;
  o.personality = "nokia";
  CHECK_THROWS_AS(simulator(ioc.get_executor(), o), std::invalid_argument);
  o.personality = "generic";
  o.time_scale = -1;
  CHECK_THROWS_AS(simulator(ioc.get_executor(), o), std::invalid_argument);
}

TEST_CASE("a client setting speed B0 drops DTR: &D2 hangs up with OK, speed back restores DTR") {
  sim_thread rs(at_time_scale(0.01));
  auto& sim = *rs.sim;
  sim.add_modem();
  client c(sim.pty_path(0));
  c.send("ATE0\r");
  REQUIRE(c.expect("OK\r\n") != "");
  c.send("ATDT5550100\r");
  REQUIRE(c.expect("CONNECT 33600\r\n") != "");
  termios t{};
  REQUIRE(::tcgetattr(c.fd, &t) == 0);
  termios b0 = t;
  ::cfsetospeed(&b0, B0);
  ::cfsetispeed(&b0, B0);
  REQUIRE(::tcsetattr(c.fd, TCSANOW, &b0) == 0);
  CHECK(c.expect("OK\r\n") == "\r\nOK\r\n");
  CHECK_FALSE(sim.off_hook(0));
  REQUIRE(::tcsetattr(c.fd, TCSANOW, &t) == 0);
  c.send("AT\r");
  CHECK(c.expect("OK\r\n") == "\r\nOK\r\n");
}

TEST_CASE("with &D1 a B0 DTR drop goes to online-command state and keeps the call") {
  sim_thread rs(at_time_scale(0.01));
  auto& sim = *rs.sim;
  sim.add_modem();
  client c(sim.pty_path(0));
  c.send("ATE0&D1\r");
  REQUIRE(c.expect("OK\r\n") != "");
  c.send("ATDT5550100\r");
  REQUIRE(c.expect("CONNECT 33600\r\n") != "");
  termios t{};
  REQUIRE(::tcgetattr(c.fd, &t) == 0);
  termios b0 = t;
  ::cfsetospeed(&b0, B0);
  REQUIRE(::tcsetattr(c.fd, TCSANOW, &b0) == 0);
  CHECK(c.expect("OK\r\n") == "\r\nOK\r\n");
  CHECK(sim.off_hook(0));
  CHECK(sim.mode(0) == modem_mode::online_command);
  REQUIRE(::tcsetattr(c.fd, TCSANOW, &t) == 0);
  c.send("ATO\r");
  CHECK(c.expect("CONNECT 33600\r\n") == "\r\nCONNECT 33600\r\n");
}

TEST_CASE("a client opening and closing the port in a tight loop leaves a working, on-hook modem") {
  sim_thread rs(at_time_scale(0.01));
  auto& sim = *rs.sim;
  sim.add_modem();
  for (int k = 0; k < 200; ++k) {
    int fd = ::open(sim.pty_path(0).c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK);
    REQUIRE(fd >= 0);
    if (k % 3 == 0) (void)!::write(fd, "ATDT5550100\r", 12);
    ::close(fd);
  }
  // A close followed by another open within microseconds cannot be seen on a pty (the
  // master shows HUP only while no slave is open); the last dialer's close is seen
  // within the simulator's wake-up time.
  std::this_thread::sleep_for(50ms);
  CHECK(eventually([&] { return !sim.off_hook(0); }));
  client c(sim.pty_path(0));
  c.send("AT\r");
  auto got = c.expect("OK\r\n", 5s);
  CAPTURE(c.got);
  CHECK(got == "AT\r\r\nOK\r\n");
  CHECK(eventually([&] { return !sim.off_hook(0); }));
}

TEST_CASE("bytes sent one at a time 10 ms apart are a normal command line") {
  sim_thread rs(at_time_scale(0.01));
  auto& sim = *rs.sim;
  sim.add_modem();
  client c(sim.pty_path(0));
  for (char ch : std::string("ATI3\r")) {
    c.send(std::string(1, ch));
    std::this_thread::sleep_for(10ms);
  }
  CHECK(c.expect("OK\r\n") == "ATI3\r\r\ndialup hw-sim generic V.34 modem\r\n\r\nOK\r\n");
}

TEST_CASE("vanish removes the pty and link (the client sees the port die); reappear brings a new pty behind the link") {
  const std::string prefix = "/tmp/hwsim-vanish-" + std::to_string(::getpid()) + "-";
  simulator_options o = at_time_scale(0.01);
  o.link_prefix = prefix;
  sim_thread rs(o);
  auto& sim = *rs.sim;
  sim.add_modem();
  const std::string link = sim.link_path(0);
  const std::string old_pty = sim.pty_path(0);
  {
    client c(link);
    c.send("ATDT5550100\r");
    REQUIRE(c.expect("CONNECT") != "");
    sim.vanish(0);
    CHECK_FALSE(sim.off_hook(0));
    struct stat st{};
    CHECK(::lstat(link.c_str(), &st) != 0);
    // The client's port is dead: reads end (EOF or EIO), writes fail.
    pollfd p{c.fd, POLLIN, 0};
    CHECK(::poll(&p, 1, 1000) == 1);
    char b[64];
    CHECK(::read(c.fd, b, sizeof b) <= 0);
  }
  sim.reappear(0);
  struct stat st{};
  REQUIRE(::lstat(link.c_str(), &st) == 0);
  client c2(link);
  c2.send("AT\r");
  CHECK(c2.expect("OK\r\n") == "AT\r\r\nOK\r\n");
  (void)old_pty;
}

TEST_CASE("settings (V0) persist when the port is closed and reopened, as in NVRAM") {
  sim_thread rs(at_time_scale(0.01));
  auto& sim = *rs.sim;
  sim.add_modem();
  {
    client c(sim.pty_path(0));
    c.send("ATE0V0\r");
    REQUIRE(c.expect("0\r") != "");
  }
  std::this_thread::sleep_for(50ms);
  client c(sim.pty_path(0));
  c.send("AT\r");
  CHECK(c.expect("0\r") == "0\r");
}

TEST_CASE("flow control: a client writing faster than the line is held back by the full pty") {
  simulator_options o;
  o.time_scale = 0.05;  // data paced at 3360 / 0.05 = 67200 chars/s of wall-clock time
  sim_thread rs(o);
  auto& sim = *rs.sim;
  sim.add_modem();
  client c(sim.pty_path(0));
  c.send("ATE0DT5550101\r");  // the discard service
  REQUIRE(c.expect("CONNECT 33600\r\n", 5s) != "");
  const std::string chunk(4096, 'd');
  std::size_t total = 0;
  const auto end = std::chrono::steady_clock::now() + 500ms;
  while (std::chrono::steady_clock::now() < end && total < 4'000'000) {
    auto n = ::write(c.fd, chunk.data(), chunk.size());
    if (n > 0) total += static_cast<std::size_t>(n);
    else std::this_thread::sleep_for(1ms);
  }
  // 0.5 s at 67200 chars/s, plus 2 s (simulated) of line backlog, plus the kernel's pty
  // buffers: ~100 KB. Without flow control the simulator swallows megabytes.
  CHECK(total < 1'000'000);
  CHECK(total > 30'000);
}

TEST_CASE("simulator_options::timing shortens the exchange's handshake but not the modem's S-registers") {
  simulator_options o;
  o.time_scale = 1.0;
  o.timing.post_dial_delay = std::chrono::milliseconds(10);
  o.timing.ring_on = std::chrono::milliseconds(10);
  o.timing.billing_delay = std::chrono::milliseconds(10);
  o.timing.answer_tone = std::chrono::milliseconds(10);
  o.timing.train_v34 = std::chrono::milliseconds(10);
  sim_thread rs(o);
  rs.sim->add_modem();
  client c(rs.sim->pty_path(0));
  c.send("ATE0S11=50\r");
  REQUIRE(c.expect("OK\r\n") != "");
  const auto t0 = std::chrono::steady_clock::now();
  c.send("ATDT5550100\r");  // 0.75 s dial tone + 7 × 100 ms DTMF + ~50 ms exchange
  CHECK(c.expect("CONNECT 33600\r\n", 5s) == "\r\nCONNECT 33600\r\n");
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took > 1400ms);
  CHECK(took < 2500ms);
  CHECK(rs.sim->s_register(0, 11) == 50);
}

TEST_CASE("a program on a pty answers a call: it gets the caller's data, its output reaches the caller, its exit drops the line") {
  sim_thread rs(at_time_scale(0.01));
  number_entry e;
  e.number = "5550200";
  e.kind = service_kind::program;
  // Cooked pty (as a login would see it): the caller's CR arrives as a newline.
  e.program = "printf 'hello from the program\\r\\n'; read x; echo \"got:$x\"; exit 0";
  rs.sim->add_number(e);
  rs.sim->add_modem();
  client c(rs.sim->pty_path(0));
  c.send("ATDT5550200\r");
  REQUIRE(c.expect("CONNECT 33600") != "");
  CHECK(c.expect("hello from the program") != "");
  c.send("abc\r");
  const std::string got = c.expect("got:abc");
  CAPTURE(c.got);
  CHECK(got != "");
  // The program exited: the far end has hung up.
  CHECK(c.expect("NO CARRIER") != "");
  CHECK_FALSE(rs.sim->off_hook(0));
}

TEST_CASE("the caller hanging up stops the answering program (SIGHUP on its tty)") {
  sim_thread rs(at_time_scale(0.01));
  const std::string mark = "/tmp/hwsim-prog-" + std::to_string(::getpid());
  std::remove(mark.c_str());
  number_entry e;
  e.number = "5550201";
  e.kind = service_kind::program;
  e.program = "trap 'echo hup > " + mark + "; exit 0' HUP; echo ready; while :; do sleep 0.05; done";
  rs.sim->add_number(e);
  rs.sim->add_modem();
  client c(rs.sim->pty_path(0));
  c.send("ATDT5550201\r");
  REQUIRE(c.expect("CONNECT") != "");
  REQUIRE(c.expect("ready") != "");
  c.close();  // DTR drop: &D2 hangs up, the call ends, the program's tty is hung up
  const auto end = std::chrono::steady_clock::now() + 5s;
  struct stat sb{};
  while (::stat(mark.c_str(), &sb) != 0 && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(20ms);
  CHECK(::stat(mark.c_str(), &sb) == 0);
  std::remove(mark.c_str());
}

TEST_CASE("a program number with a command that cannot run drops the line after CONNECT") {
  sim_thread rs(at_time_scale(0.01));
  number_entry e;
  e.number = "5550202";
  e.kind = service_kind::program;
  e.program = "exec /nonexistent/program";
  rs.sim->add_number(e);
  rs.sim->add_modem();
  client c(rs.sim->pty_path(0));
  c.send("ATDT5550202\r");
  REQUIRE(c.expect("CONNECT") != "");
  CHECK(c.expect("NO CARRIER") != "");
}
