// A child with a deadline (run_program.hpp).
#include "run_program.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "diag_port.hpp"

namespace dialup_diag {

program_result run_program(const std::vector<std::string>& argv, std::chrono::milliseconds deadline,
                           std::size_t max_output, const std::string& cwd, bool forward_interrupt) {
  program_result r;
  if (argv.empty()) {
    r.error = "no program";
    return r;
  }
  std::vector<std::string> args = argv;
  std::vector<char*> av;
  for (auto& a : args) av.push_back(a.data());
  av.push_back(nullptr);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    r.error = std::strerror(errno);
    return r;
  }
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t pid = ::fork();
  if (pid < 0) {
    r.error = std::strerror(errno);
    ::close(out[0]);
    ::close(out[1]);
    if (null_fd >= 0) ::close(null_fd);
    return r;
  }
  if (pid == 0) {
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(out[1], 1);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execv(av[0], av.data());
    ::_exit(127);
  }
  ::close(out[1]);
  if (null_fd >= 0) ::close(null_fd);
  const auto start = std::chrono::steady_clock::now();
  bool forwarded = false, termed = false, eof = false;
  std::chrono::steady_clock::time_point term_at{};
  int status = 0;
  bool reaped = false;
  char buf[65536];
  while (!reaped) {
    const auto now = std::chrono::steady_clock::now();
    if (forward_interrupt && interrupted() && !forwarded) {
      forwarded = true;
      ::kill(pid, SIGINT);
    }
    if (!termed && now - start > deadline) {
      termed = true;
      r.timed_out = true;
      term_at = now;
      ::kill(pid, SIGTERM);
    }
    if (termed && now - term_at > std::chrono::seconds(5)) ::kill(pid, SIGKILL);
    if (!eof) {
      pollfd p{out[0], POLLIN, 0};
      const int n = ::poll(&p, 1, 50);
      if (n > 0) {
        const ssize_t got = ::read(out[0], buf, sizeof buf);
        if (got > 0) {
          const auto room = max_output > r.output.size() ? max_output - r.output.size() : 0;
          if (static_cast<std::size_t>(got) > room) r.truncated = true;
          r.output.append(buf, std::min<std::size_t>(room, static_cast<std::size_t>(got)));
        } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
          eof = true;
        }
      }
    } else {
      ::usleep(20000);
    }
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid && eof) reaped = true;
    else if (w == pid) {
      // Exited: read what is left in the pipe (a grandchild could hold it open: not waited for).
      for (;;) {
        pollfd p{out[0], POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) break;
        const ssize_t got = ::read(out[0], buf, sizeof buf);
        if (got <= 0) break;
        const auto room = max_output > r.output.size() ? max_output - r.output.size() : 0;
        if (static_cast<std::size_t>(got) > room) r.truncated = true;
        r.output.append(buf, std::min<std::size_t>(room, static_cast<std::size_t>(got)));
      }
      reaped = true;
    }
  }
  ::close(out[0]);
  if (WIFEXITED(status)) r.status = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) r.status = 128 + WTERMSIG(status);
  if (r.status == 127) r.error = "cannot run " + argv[0];
  return r;
}

}  // namespace dialup_diag
