// The dialup-sim program: prints its modems, serves them on ptys with links, and shuts
// down cleanly on SIGTERM removing the links. DIALUP_SIM_PATH is set by CMake.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string read_line(int fd, int timeout_ms) {
  std::string s;
  char c;
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return s;
    if (::read(fd, &c, 1) != 1) return s;
    if (c == '\n') return s;
    s += c;
  }
}

}  // namespace

TEST_CASE("dialup-sim --print-default-scenario prints the number plan") {
  FILE* f = ::popen(DIALUP_SIM_PATH " --print-default-scenario", "r");
  REQUIRE(f);
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, f)) out += buf;
  CHECK(::pclose(f) == 0);
  CHECK(out.find("5550100  echo          rings=1 rate=33600         # answers after one ring at 33600, echoes data\n") !=
        std::string::npos);
  CHECK(out.find("5550110  busy ") != std::string::npos);
  CHECK(out.find("5551000+i") != std::string::npos);
}

TEST_CASE("dialup-sim serves modems on ptys and removes its links on SIGTERM") {
  const std::string prefix = "/tmp/hwsim-tool-" + std::to_string(::getpid()) + "-";
  int out[2];
  REQUIRE(::pipe(out) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    ::execl(DIALUP_SIM_PATH, "dialup-sim", "--modems", "2", "--link", prefix.c_str(),
            "--time-scale", "0.02", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::vector<std::string> lines;
  for (int k = 0; k < 2; ++k) lines.push_back(read_line(out[0], 5000));
  REQUIRE(lines.size() == 2);
  for (int k = 0; k < 2; ++k) {
    std::istringstream in(lines[static_cast<std::size_t>(k)]);
    std::string idx, pty, link, number;
    in >> idx >> pty >> link >> number;
    CHECK(idx == std::to_string(k));
    CHECK(pty.rfind("/dev/pts/", 0) == 0);
    CHECK(link == prefix + std::to_string(k));
    CHECK(number == std::to_string(5551000 + k));
  }
  const std::string link0 = prefix + "0";
  int fd = ::open(link0.c_str(), O_RDWR | O_NOCTTY);
  REQUIRE(fd >= 0);
  termios t{};
  ::tcgetattr(fd, &t);
  ::cfmakeraw(&t);
  ::tcsetattr(fd, TCSANOW, &t);
  REQUIRE(::write(fd, "AT\r", 3) == 3);
  std::string got;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (got.find("OK\r\n") == std::string::npos && std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      char b[64];
      auto n = ::read(fd, b, sizeof b);
      if (n > 0) got.append(b, static_cast<std::size_t>(n));
    }
  }
  CHECK(got == "AT\r\r\nOK\r\n");
  ::close(fd);
  ::kill(pid, SIGTERM);
  int st = 0;
  REQUIRE(::waitpid(pid, &st, 0) == pid);
  CHECK(WIFEXITED(st));
  CHECK(WEXITSTATUS(st) == 0);
  struct stat sb{};
  CHECK(::lstat(link0.c_str(), &sb) != 0);
  CHECK(::lstat((prefix + "1").c_str(), &sb) != 0);
  ::close(out[0]);
}

namespace {

// dialup-sim running as a child, its stdout readable line by line.
struct sim_process {
  pid_t pid = -1;
  int out = -1;
  explicit sim_process(std::vector<std::string> args) {
    int p[2];
    REQUIRE(::pipe(p) == 0);
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::dup2(p[1], 1);
      ::close(p[0]);
      ::close(p[1]);
      std::vector<char*> argv{const_cast<char*>("dialup-sim")};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(DIALUP_SIM_PATH, argv.data());
      ::_exit(127);
    }
    ::close(p[1]);
    out = p[0];
  }
  std::string line(int timeout_ms = 5000) { return read_line(out, timeout_ms); }
  int stop() {
    ::kill(pid, SIGTERM);
    int st = 0;
    ::waitpid(pid, &st, 0);
    ::close(out);
    pid = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  ~sim_process() {
    if (pid > 0) stop();
  }
};

// A DTE on a pty: raw, write a command, collect until `until` shows up.
struct dte {
  int fd = -1;
  explicit dte(const std::string& path) {
    fd = ::open(path.c_str(), O_RDWR | O_NOCTTY);
    REQUIRE(fd >= 0);
    termios t{};
    ::tcgetattr(fd, &t);
    ::cfmakeraw(&t);
    ::tcsetattr(fd, TCSANOW, &t);
  }
  ~dte() { ::close(fd); }
  std::string command(const std::string& cmd, const std::string& until, int seconds = 5) {
    REQUIRE(::write(fd, cmd.data(), cmd.size()) == static_cast<ssize_t>(cmd.size()));
    std::string got;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (got.find(until) == std::string::npos && std::chrono::steady_clock::now() < end) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) {
        char b[256];
        auto n = ::read(fd, b, sizeof b);
        if (n > 0) got.append(b, static_cast<std::size_t>(n));
      }
    }
    return got;
  }
};

// Sends one line to the control socket, returns the reply up to and including OK/ERROR.
std::string control(const std::string& path, const std::string& cmd) {
  const int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(s >= 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  REQUIRE(::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  const std::string line = cmd + "\n";
  REQUIRE(::write(s, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
  std::string reply;
  for (;;) {
    const std::string l = read_line(s, 5000);
    reply += l + "\n";
    if (l.rfind("OK", 0) == 0 || l.rfind("ERROR", 0) == 0 || l.empty()) break;
  }
  ::close(s);
  return reply;
}

}  // namespace

TEST_CASE("dialup-sim --scenario loads an edited number plan; a malformed one is refused with its line number") {
  const std::string base = "/tmp/hwsim-scen-" + std::to_string(::getpid());
  SUBCASE("malformed: exit 2, the line named, nothing started") {
    {
      std::ofstream f(base + ".bad");
      f << "# mine\n5550100 echo\n5550111 bussy\n";
    }
    FILE* f = ::popen((std::string(DIALUP_SIM_PATH " --scenario ") + base + ".bad 2>&1").c_str(), "r");
    REQUIRE(f);
    std::string out;
    char buf[256];
    while (std::fgets(buf, sizeof buf, f)) out += buf;
    const int st = ::pclose(f);
    CHECK(WEXITSTATUS(st) == 2);
    CHECK(out.find(base + ".bad: line 3: unknown kind 'bussy'") != std::string::npos);
    CHECK(out.find("/dev/pts/") == std::string::npos);
    std::remove((base + ".bad").c_str());
  }
  SUBCASE("loaded: a new busy number, and the built-in 5550100 is gone") {
    {
      std::ofstream f(base + ".ok");
      f << "5550777 busy  # my busy line\n";
    }
    sim_process sim({"--modems", "1", "--scenario", base + ".ok", "--time-scale", "0.01"});
    std::istringstream in(sim.line());
    std::string idx, pty;
    in >> idx >> pty;
    REQUIRE(pty.rfind("/dev/pts/", 0) == 0);
    dte d(pty);
    CHECK(d.command("ATX4DT5550777\r", "BUSY").find("BUSY") != std::string::npos);
    // Not in the loaded plan: reorder, NO CARRIER.
    CHECK(d.command("ATX4DT5550100\r", "NO CARRIER").find("NO CARRIER") != std::string::npos);
    CHECK(sim.stop() == 0);
    std::remove((base + ".ok").c_str());
  }
}

TEST_CASE("dialup-sim --control: status, dial tone off, drop, unplug and replug while running") {
  const std::string prefix = "/tmp/hwsim-ctl-" + std::to_string(::getpid()) + "-";
  const std::string sock = prefix + "sock";
  sim_process sim({"--modems", "2", "--link", prefix, "--control", sock, "--time-scale", "0.01"});
  REQUIRE(!sim.line().empty());
  REQUIRE(!sim.line().empty());
  REQUIRE(sim.line() == "control " + sock);
  const std::string link0 = prefix + "0";

  std::string st = control(sock, "status");
  CHECK(st.find("0 /dev/pts/") == 0);
  CHECK(st.find(" command on-hook rate=0 dialtone=on silent=off plugged\n1 ") != std::string::npos);
  CHECK(st.find("\nOK\n") != std::string::npos);
  CHECK(control(sock, "frobnicate 0").rfind("ERROR unknown command", 0) == 0);
  CHECK(control(sock, "drop 7").rfind("ERROR no modem 7", 0) == 0);
  CHECK(control(sock, "silent 0 maybe").rfind("ERROR expected on or off", 0) == 0);

  {
    dte d(link0);
    CHECK(control(sock, "dialtone 0 off") == "OK\n");
    CHECK(d.command("ATX4DT5550100\r", "NO DIALTONE").find("NO DIALTONE") != std::string::npos);
    CHECK(control(sock, "dialtone 0 on") == "OK\n");
    CHECK(d.command("ATDT5550100\r", "CONNECT").find("CONNECT 33600") != std::string::npos);
    CHECK(control(sock, "status").find(" online_data off-hook rate=33600") != std::string::npos);
    CHECK(control(sock, "retrain 0") == "OK\n");
    CHECK(d.command("after-retrain", "after-retrain").find("after-retrain") != std::string::npos);  // echo resumes
    CHECK(control(sock, "drop 0") == "OK\n");
    CHECK(d.command("", "NO CARRIER").find("NO CARRIER") != std::string::npos);
    CHECK(control(sock, "silent 0 on") == "OK\n");
    CHECK(d.command("AT\r", "OK", 1).find("OK") == std::string::npos);
    CHECK(control(sock, "silent 0 off") == "OK\n");
    CHECK(d.command("AT\r", "OK").find("OK") != std::string::npos);
    CHECK(control(sock, "fault 0 delay=300 split=2 gap=10 garbage=\\r\\nJUNK\\x21") == "OK\n");
    CHECK(d.command("ATZ\r", "JUNK!").find("OK\r\n\r\nJUNK!") != std::string::npos);
    CHECK(control(sock, "fault 0 stuck=maybe").rfind("ERROR bad fault 'stuck=maybe'", 0) == 0);
    CHECK(control(sock, "fault 0") == "OK\n");  // cleared
    CHECK(d.command("ATZ\r", "JUNK", 1).find("JUNK") == std::string::npos);
  }
  struct stat sb{};
  CHECK(control(sock, "unplug 0") == "OK\n");
  CHECK(::lstat(link0.c_str(), &sb) != 0);
  CHECK(control(sock, "status").find("0 - command on-hook rate=0 dialtone=on silent=off unplugged") == 0);
  const std::string re = control(sock, "replug 0");
  CHECK(re.find("0 /dev/pts/") == 0);
  CHECK(re.find(" " + link0 + "\nOK\n") != std::string::npos);
  CHECK(::lstat(link0.c_str(), &sb) == 0);
  {
    dte d(link0);
    CHECK(d.command("AT\r", "OK").find("OK") != std::string::npos);
  }
  CHECK(sim.stop() == 0);
  CHECK(::lstat(link0.c_str(), &sb) != 0);
  CHECK(::lstat(sock.c_str(), &sb) != 0);  // the control socket is removed too
}
