// Test support for the interop tests: a real program found on the PATH Debian installs to,
// and a terminal program (tio, minicom) run inside a private tmux server, typed at with
// send-keys and read back with capture-pane (docs/interop.md §3).
//
// Each tmux_terminal has a server of its own (-L with this process's pid and a counter), so
// parallel tests never share one and killing it ends only this program. The command runs
// under `timeout --foreground`, so a program outlives a crashed test by at most that long.
// Every wait has a deadline.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace dialup::test {

// The full path of an installed program, or "" when it is not installed.
inline std::string find_program(const char* name) {
  for (const char* dir : {"/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/", "/usr/local/bin/"}) {
    std::string p = std::string(dir) + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

// Runs a shell command and returns what it printed on standard output.
inline std::string shell_output(const std::string& cmd) {
  std::string out;
  if (FILE* f = ::popen(cmd.c_str(), "r")) {
    char buf[256];
    while (std::fgets(buf, sizeof buf, f)) out += buf;
    ::pclose(f);
  }
  return out;
}

// One terminal program in its own private tmux server. program_cmd is a shell command line
// (it must not contain a single quote); it runs with at most `seconds` to live.
class tmux_terminal {
 public:
  explicit tmux_terminal(const std::string& program_cmd, int seconds = 40) {
    static int n = 0;
    sock_ = "dialup-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n);
    t_ = find_program("tmux") + " -L " + sock_ + " ";
    ok_ = std::system((t_ + "new-session -d -s t -x 100 -y 30 'timeout --foreground " + std::to_string(seconds) +
                       " " + program_cmd + "'")
                          .c_str()) == 0;
  }
  ~tmux_terminal() {
    (void)!std::system((t_ + "kill-server 2>/dev/null").c_str());
    // The server leaves its socket behind: $TMUX_TMPDIR (or /tmp)/tmux-<uid>/<name>, tmux(1).
    const char* dir = std::getenv("TMUX_TMPDIR");
    const std::string path = std::string(dir && *dir ? dir : "/tmp") + "/tmux-" + std::to_string(::getuid()) + "/" + sock_;
    ::unlink(path.c_str());
  }
  tmux_terminal(const tmux_terminal&) = delete;
  tmux_terminal& operator=(const tmux_terminal&) = delete;

  bool started() const { return ok_; }
  // tmux key names: "ATZ Enter", "C-a x".
  void keys(const std::string& k) const { (void)!std::system((t_ + "send-keys -t t " + k).c_str()); }
  std::string screen() const { return shell_output(t_ + "capture-pane -t t -p 2>/dev/null"); }
  // The pid of the pane's process (the `timeout` the program runs under), 0 when gone.
  pid_t pane_pid() const {
    const std::string s = shell_output(t_ + "display-message -p -t t '#{pane_pid}' 2>/dev/null");
    return static_cast<pid_t>(std::atoi(s.c_str()));
  }
  // Waits until `what` shows `count` times on the screen.
  bool wait_for(const std::string& what, int count = 1,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const std::string s = screen();
      int k = 0;
      for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++k;
      if (k >= count) return true;
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

 private:
  std::string sock_, t_;
  bool ok_ = false;
};

}  // namespace dialup::test
