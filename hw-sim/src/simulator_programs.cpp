// The program service: a call to a number whose service is a program
// (service_kind::program) is answered by running that program on a pty of its own. The
// exchange asks for it through program_hooks; the program's output goes back to the
// caller through exchange::program_output, and its exit ends the call.

#include "simulator_impl.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

namespace dialup::hwsim {

using simulator_detail::next_write;

// How the exchange starts, feeds and stops the programs that answer calls.
// The hooks run inside exchange calls, under mu_, on whatever thread made the call.
void simulator::impl::install_program_hooks() {
  program_hooks h;
  h.start = [this](std::uint64_t id, const number_entry& e) { start_program(id, e); };
  h.input = [this](std::uint64_t id, std::string_view d) {
    if (auto it = programs.find(id); it != programs.end()) {
      it->second->out.append(d);
      program_write(it->second);
    }
  };
  h.stop = [this](std::uint64_t id) {
    if (auto it = programs.find(id); it != programs.end()) {
      it->second->master.reset();  // hangs the program's tty up: SIGHUP
      programs.erase(it);
    }
  };
  world.set_program_hooks(std::move(h));
}

// The exchange must not be re-entered from inside a hook: report failures later.
void simulator::impl::program_failed(std::uint64_t id) {
  asio::post(ex, [self = shared_from_this(), id] {
    std::lock_guard lk(self->mu);
    if (self->stopped) return;
    self->world.program_exited(id, self->sim_now());
    self->rearm();
  });
}

void simulator::impl::start_program(std::uint64_t id, const number_entry& e) {
  if (stopped) return program_failed(id);
  const int m = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  char name[128];
  if (m < 0 || ::grantpt(m) != 0 || ::unlockpt(m) != 0 || ::ptsname_r(m, name, sizeof name) != 0) {
    if (m >= 0) ::close(m);
    return program_failed(id);
  }
  const std::string slave = name;
  const std::string cmd = e.program;
  // Double fork: the program is re-parented to init, so nobody has to reap it later.
  const pid_t pid = ::fork();
  if (pid == 0) {
    const pid_t grandchild = ::fork();
    if (grandchild != 0) ::_exit(grandchild < 0 ? 1 : 0);
    ::setsid();
    const int fd = ::open(slave.c_str(), O_RDWR);  // first tty opened: the controlling one
    if (fd < 0) ::_exit(127);
    ::ioctl(fd, TIOCSCTTY, 0);
    ::dup2(fd, 0);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    if (fd > 2) ::close(fd);
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  if (pid < 0) {
    ::close(m);
    return program_failed(id);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  auto pr = std::make_shared<program_proc>();
  pr->id = id;
  pr->master = std::make_unique<asio::posix::stream_descriptor>(ex, m);
  programs[id] = pr;
  program_read(pr);
}

void simulator::impl::program_read(const std::shared_ptr<program_proc>& pr) {
  pr->master->async_read_some(asio::buffer(pr->buf), [self = shared_from_this(), pr](
                                                         boost::system::error_code ec, std::size_t n) {
    std::lock_guard lk(self->mu);
    if (self->stopped || !pr->master) return;
    if (ec) {
      // The program and everything it started have closed the tty: it is gone.
      pr->master.reset();
      self->programs.erase(pr->id);
      self->world.program_exited(pr->id, self->sim_now());
      self->rearm();
      return;
    }
    self->world.program_output(pr->id, std::string_view(pr->buf.data(), n), self->sim_now());
    self->rearm();
    if (pr->master) self->program_read(pr);
  });
}

void simulator::impl::program_write(const std::shared_ptr<program_proc>& pr) {
  if (stopped || pr->writing || !pr->master) return;
  const asio::const_buffer chunk = next_write(pr->out, pr->wbuf, pr->woff);
  if (chunk.size() == 0) return;
  pr->writing = true;
  pr->master->async_write_some(
      chunk,
      [self = shared_from_this(), pr](boost::system::error_code ec, std::size_t n) {
        std::lock_guard lk(self->mu);
        pr->writing = false;
        if (self->stopped || !pr->master || ec) return;  // the read side sees the exit
        pr->woff += n;
        self->program_write(pr);
      });
}

}  // namespace dialup::hwsim
