// Test support: a program run as a child process, its standard output and error read
// through one pipe, with a deadline on every wait. The destructor kills (SIGKILL) and
// reaps a child that is still running, so a failed test leaves no process behind.
//
// Not for a process with other threads forking at the same time: the argument and
// environment vectors are built before fork(2), and the child only calls async-signal-safe
// functions before execve(2).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

extern char** environ;

namespace dialup::test {

class child_process {
 public:
  struct options {
    std::vector<std::string> unset_env;  // names removed from this process's environment
    std::vector<std::string> set_env;    // "NAME=value", added
    bool stdin_pipe = false;             // else standard input is /dev/null
  };

  explicit child_process(const std::vector<std::string>& argv) : child_process(argv, options{}) {}
  child_process(const std::vector<std::string>& argv, const options& o) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
      const std::string kv = *e;
      bool drop = false;
      for (const auto& name : o.unset_env)
        if (kv.compare(0, name.size() + 1, name + "=") == 0) drop = true;
      for (const auto& set : o.set_env)
        if (kv.compare(0, set.find('=') + 1, set, 0, set.find('=') + 1) == 0) drop = true;
      if (!drop) env.push_back(kv);
    }
    for (const auto& set : o.set_env) env.push_back(set);
    std::vector<char*> av, ev;
    std::vector<std::string> args = argv;
    for (auto& a : args) av.push_back(a.data());
    av.push_back(nullptr);
    for (auto& e : env) ev.push_back(e.data());
    ev.push_back(nullptr);

    int out[2] = {-1, -1}, in[2] = {-1, -1};
    if (::pipe2(out, O_CLOEXEC) != 0) return;
    if (o.stdin_pipe && ::pipe2(in, O_CLOEXEC) != 0) return;
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(o.stdin_pipe ? in[0] : null_fd, 0);
      ::dup2(out[1], 1);
      ::dup2(out[1], 2);
      ::execve(av[0], av.data(), ev.data());
      ::_exit(127);
    }
    ::close(out[1]);
    out_ = out[0];
    if (null_fd >= 0) ::close(null_fd);
    if (o.stdin_pipe) {
      ::close(in[0]);
      in_ = in[1];
    }
  }

  ~child_process() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
    close_stdin();
    if (out_ >= 0) ::close(out_);
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const std::string& output() const { return output_; }

  void signal(int sig) const {
    if (pid_ > 0 && !exited_) ::kill(pid_, sig);
  }
  void write_stdin(const std::string& s) const {
    if (in_ >= 0) (void)!::write(in_, s.data(), s.size());
  }
  void close_stdin() {
    if (in_ >= 0) ::close(in_);
    in_ = -1;
  }

  // Reads what the child prints until `what` is in it or `timeout` passes.
  bool wait_for_output(const std::string& what, std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (output_.find(what) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !read_some(static_cast<int>(left.count()))) break;
    }
    return output_.find(what) != std::string::npos;
  }

  // Waits for the child to end: its exit status, 128 + the signal that killed it, or
  // nullopt when it was still running at the deadline (it is left running).
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (exited_) return status_;
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        exited_ = true;
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        // The rest of its output (the pipe ends when the child's copies are closed).
        while (read_some(100)) {
        }
        return status_;
      }
      if (std::chrono::steady_clock::now() > end) return std::nullopt;
      if (!read_some(20)) ::usleep(20'000);
    }
  }

 private:
  // One read of whatever is there within timeout_ms; false at the end of the output, or
  // when nothing came.
  bool read_some(int timeout_ms) {
    if (out_ < 0) return false;
    pollfd p{out_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[1024];
    const ssize_t n = ::read(out_, buf, sizeof buf);
    if (n <= 0) return false;
    output_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int out_ = -1, in_ = -1;
  std::string output_;
  bool exited_ = false;
  int status_ = -1;
};

}  // namespace dialup::test
