// Real third-party programs against a simulated modem on a pty: pppd's chat, and tio
// driven through tmux. Each test skips (with a message, and passes) when the program
// is not installed.
#include <dialup/hwsim/simulator.hpp>

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "support/sim_thread.hpp"
#include "support/tmux_terminal.hpp"

using namespace dialup::hwsim;
using dialup::test::at_time_scale;
using dialup::test::find_program;
using dialup::test::sim_thread;
using dialup::test::tmux_terminal;
using namespace std::chrono_literals;

namespace {

std::string temp_name(const char* what) {
  return "/tmp/hwsim-" + std::string(what) + "-" + std::to_string(::getpid());
}

// Runs chat with `script` on `tty`; returns its exit status.
int run_chat(const std::string& chat, const std::string& tty, const std::string& script) {
  const std::string file = temp_name("chat");
  {
    std::ofstream f(file);
    f << script;
  }
  // chat reads fd 0 and writes fd 1 (docs/interop.md).
  const std::string cmd = "timeout 30 " + chat + " -s -f " + file + " <>" + tty + " >&0 2>/dev/null";
  const int st = std::system(cmd.c_str());
  std::remove(file.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

const char* const k_aborts =
    "ABORT BUSY\nABORT 'NO ANSWER'\nABORT 'NO CARRIER'\nABORT 'NO DIALTONE'\nABORT ERROR\n";

}  // namespace

TEST_CASE("pppd chat: CONNECT exits 0, BUSY exits 4, NO ANSWER exits 5, a silent modem times out with 3" *
          doctest::test_suite("interop")) {
  const std::string chat = find_program("chat");
  if (chat.empty()) {
    MESSAGE("chat (package ppp) is not installed: skipped");
    return;
  }
  sim_thread rs(at_time_scale(0.02), 1);
  const std::string tty = rs.sim->pty_path(0);
  SUBCASE("CONNECT") {
    CHECK(run_chat(chat, tty, std::string(k_aborts) + "TIMEOUT 10\n'' ATZ\nOK ATDT5550100\nCONNECT ''\n") == 0);
  }
  SUBCASE("BUSY") {
    CHECK(run_chat(chat, tty, std::string(k_aborts) + "TIMEOUT 10\n'' ATZ\nOK ATDT5550110\nCONNECT ''\n") == 4);
    CHECK_FALSE(rs.sim->off_hook(0));
  }
  SUBCASE("NO ANSWER") {
    CHECK(run_chat(chat, tty,
                   std::string(k_aborts) + "TIMEOUT 10\n'' ATZ\nOK ATS7=5DT5550120\nCONNECT ''\n") == 5);
  }
  SUBCASE("timeout") {
    rs.sim->set_silent(0, true);
    CHECK(run_chat(chat, tty, std::string(k_aborts) + "TIMEOUT 1\n'' ATZ\nOK ''\n") == 3);
  }
  SUBCASE("a killed chat leaves the line on-hook") {
    CHECK(run_chat(chat, tty, std::string(k_aborts) + "TIMEOUT 10\n'' ATZ\nOK ATDT5550100\nCONNECT ''\n") == 0);
    // chat has exited while the call was up: the close is a DTR drop (&D2).
    const auto end = std::chrono::steady_clock::now() + 3s;
    while (rs.sim->off_hook(0) && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(10ms);
    CHECK_FALSE(rs.sim->off_hook(0));
  }
}

namespace {

// Drives a terminal program under a private tmux server: ATZ, ATI, a dial, typing,
// +++ after a guard, ATH — and checks what the screen shows.
void terminal_session(const std::string& program_cmd, sim_thread& rs, const char* ready) {
  tmux_terminal t(program_cmd);
  REQUIRE(t.started());
  REQUIRE(t.wait_for(ready));
  t.keys("ATZ Enter");
  CHECK(t.wait_for("OK", 1));
  t.keys("ATI Enter");
  CHECK(t.wait_for("33600"));
  CHECK(t.wait_for("OK", 2));
  t.keys("ATDT5550100 Enter");
  CHECK(t.wait_for("CONNECT 33600"));
  t.keys("hello");
  CHECK(t.wait_for("hello"));
  std::this_thread::sleep_for(100ms);  // guard: 1 s simulated = 20 ms here
  t.keys("+++");
  CHECK(t.wait_for("OK", 3));
  t.keys("ATH Enter");
  CHECK(t.wait_for("OK", 4));
  CHECK_FALSE(rs.sim->off_hook(0));
  CHECK(t.screen().find("NO CARRIER") == std::string::npos);
}

}  // namespace

TEST_CASE("tio under tmux: ATZ, ATI, a dial, +++ and ATH" * doctest::test_suite("interop")) {
  const std::string tio = find_program("tio");
  if (tio.empty() || find_program("tmux").empty()) {
    MESSAGE("tio or tmux is not installed: skipped");
    return;
  }
  sim_thread rs(at_time_scale(0.02), 1);
  terminal_session(tio + " -b 115200 " + rs.sim->pty_path(0), rs, "Connected");
}

TEST_CASE("minicom under tmux: ATZ, ATI, a dial, +++ and ATH" * doctest::test_suite("interop")) {
  const std::string minicom = find_program("minicom");
  if (minicom.empty() || find_program("tmux").empty()) {
    MESSAGE("minicom or tmux is not installed: skipped");
    return;
  }
  sim_thread rs(at_time_scale(0.02), 1);
  // -o: no init string, so the screen shows only what the test types (it also skips the
  // UUCP lock, minicom(1); the lock tests are in tests/integration/lock_interop_test.cpp).
  terminal_session(minicom + " -o -D " + rs.sim->pty_path(0) + " -b 115200 -c off", rs,
                   "CTRL-A Z for help");
}

TEST_CASE("two tio sessions under tmux: one dials the other's modem, RING, ATA, typing both ways, +++ ATH gives NO CARRIER" *
          doctest::test_suite("interop")) {
  const std::string tio = find_program("tio");
  if (tio.empty() || find_program("tmux").empty()) {
    MESSAGE("tio or tmux is not installed: skipped");
    return;
  }
  sim_thread rs(at_time_scale(0.02), 2);
  tmux_terminal a(tio + " -b 115200 " + rs.sim->pty_path(0));
  tmux_terminal b(tio + " -b 115200 " + rs.sim->pty_path(1));
  REQUIRE(a.started());
  REQUIRE(b.started());
  REQUIRE(a.wait_for("Connected"));
  REQUIRE(b.wait_for("Connected"));
  b.keys("ATZ Enter");
  REQUIRE(b.wait_for("OK"));
  a.keys("ATDT5551001 Enter");
  CHECK(b.wait_for("RING"));
  b.keys("ATA Enter");
  CHECK(a.wait_for("CONNECT 33600"));
  CHECK(b.wait_for("CONNECT 33600"));
  a.keys("hello-from-a");
  CHECK(b.wait_for("hello-from-a"));
  b.keys("hello-from-b");
  CHECK(a.wait_for("hello-from-b"));
  CHECK(rs.sim->mode(0) == modem_mode::online_data);
  CHECK(rs.sim->mode(1) == modem_mode::online_data);
  std::this_thread::sleep_for(100ms);  // guard time: 1 s simulated = 20 ms here
  a.keys("+++");
  CHECK(a.wait_for("OK"));  // the escape's OK (a typed no command before)
  a.keys("ATH Enter");
  CHECK(a.wait_for("OK", 2));
  CHECK(b.wait_for("NO CARRIER"));
  CHECK(a.screen().find("NO CARRIER") == std::string::npos);  // never after a local ATH
  CHECK_FALSE(rs.sim->off_hook(0));
  const auto end = std::chrono::steady_clock::now() + 3s;
  while (rs.sim->off_hook(1) && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(10ms);
  CHECK_FALSE(rs.sim->off_hook(1));
}

namespace {

// A python3 that has pySerial (Debian: /usr/bin/python3 with python3-serial).
std::string python_with_pyserial() {
  for (const char* py : {"/usr/bin/python3", "/usr/local/bin/python3"}) {
    if (::access(py, X_OK) != 0) continue;
    const std::string cmd = std::string(py) + " -c 'import serial.rfc2217' 2>/dev/null";
    if (std::system(cmd.c_str()) == 0) return py;
  }
  return "";
}

}  // namespace

TEST_CASE("pySerial's RFC 2217 client: DTR/RTS, DSR/CTS/DCD/RI, an incoming call answered, data, DTR drop hangs up" *
          doctest::test_suite("interop")) {
  const std::string py = python_with_pyserial();
  if (py.empty()) {
    MESSAGE("python3 with pySerial (package python3-serial) is not installed: skipped");
    return;
  }
  // The ring burst lasts 2 s simulated = 40 ms at this scale: make it long enough for a
  // client that sees RI only through NOTIFY-MODEMSTATE.
  simulator_options o = at_time_scale(0.02);
  o.timing.ring_on = std::chrono::milliseconds(30000);
  sim_thread rs(o, 2);
  const auto port = rs.sim->serve_rfc2217(0);
  const std::string cmd = "timeout 60 " + py + " " HWSIM_TEST_DIR "/rfc2217_pyserial.py " + std::to_string(port) +
                          " " + rs.sim->pty_path(1) + " 2>&1";
  std::string out;
  int st = -1;
  if (FILE* f = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, f)) out += buf;
    st = ::pclose(f);
  }
  INFO(out);
  CHECK(WIFEXITED(st));
  CHECK(WEXITSTATUS(st) == 0);
  CHECK(out.find("all checks passed") != std::string::npos);
  CHECK_FALSE(rs.sim->off_hook(0));
}
