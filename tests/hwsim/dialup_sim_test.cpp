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

#include <chrono>
#include <cstdio>
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
  CHECK(out.find("5550100  answers after one ring at 33600, echoes data\n") != std::string::npos);
  CHECK(out.find("5550110  busy\n") != std::string::npos);
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
