// Test support: the dialup-sim program (tools/dialup-sim) run as a child, as its users run
// it: simulated modems on ptys, and its control socket (docs/simulator.md) to ask each
// modem's status ("0 /dev/pts/3 command on-hook rate=0 ...").
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.hpp"

namespace dialup::test {

class sim_program {
 public:
  // `program` is the path of dialup-sim; every simulated delay runs at time_scale.
  // `extra`: more options for it (--trace FILE, ...).
  sim_program(const std::string& program, int modems, double time_scale, const std::vector<std::string>& extra = {})
      : sock_("/tmp/dialup-test-sim-" + std::to_string(::getpid()) + "-" + std::to_string(++counter()) + ".sock"),
        proc_(arguments(program, modems, time_scale, sock_, extra)) {
    if (!proc_.wait_for_output("control " + sock_ + "\n", std::chrono::seconds(10))) return;
    std::istringstream in(proc_.output());
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream l(line);
      std::string idx, pty;
      l >> idx >> pty;
      if (pty.rfind("/dev/pts/", 0) == 0) ptys_.push_back(pty);
    }
  }
  ~sim_program() {
    proc_.signal(SIGTERM);
    (void)proc_.wait(std::chrono::seconds(5));
    ::unlink(sock_.c_str());
  }
  sim_program(const sim_program&) = delete;
  sim_program& operator=(const sim_program&) = delete;

  bool started() const { return ptys_.size() > 0; }
  const std::string& pty(std::size_t i) const { return ptys_.at(i); }

  // One control command; the reply up to and including its OK or ERROR line.
  std::string control(const std::string& cmd) const {
    const int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return {};
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, sock_.c_str(), sizeof a.sun_path - 1);
    std::string reply;
    const std::string line = cmd + "\n";
    if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::write(s, line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
      const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (reply.find("OK\n") == std::string::npos && reply.find("ERROR") == std::string::npos &&
             std::chrono::steady_clock::now() < end) {
        pollfd p{s, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char buf[512];
        const ssize_t n = ::read(s, buf, sizeof buf);
        if (n <= 0) break;
        reply.append(buf, static_cast<std::size_t>(n));
      }
    }
    ::close(s);
    return reply;
  }

  // Modem i's status line ("i /dev/pts/N mode hook rate=... "), "" when not answered.
  std::string status(std::size_t i) const {
    std::istringstream in(control("status"));
    std::string line;
    const std::string prefix = std::to_string(i) + " ";
    while (std::getline(in, line))
      if (line.rfind(prefix, 0) == 0) return line;
    return {};
  }

  // Waits until modem i's status line has `what` in it ("on-hook", "online_data").
  bool wait_status(std::size_t i, const std::string& what,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (status(i).find(what) != std::string::npos) return true;
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

 private:
  static std::vector<std::string> arguments(const std::string& program, int modems, double time_scale,
                                            const std::string& sock, const std::vector<std::string>& extra) {
    std::vector<std::string> args{program, "--modems", std::to_string(modems), "--time-scale",
                                  std::to_string(time_scale), "--control", sock};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::string sock_;
  child_process proc_;
  std::vector<std::string> ptys_;
};

}  // namespace dialup::test
