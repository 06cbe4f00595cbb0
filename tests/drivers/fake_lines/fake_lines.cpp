// fake_lines: modem-control lines for pty slaves, preloaded into a test (fake_lines.h).
//
// Built as a shared library of its own, without the sanitizers (it is loaded before their
// runtimes); it calls nothing of the project.
#include "fake_lines.h"

#include <dlfcn.h>
#include <linux/serial.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdint>
#include <mutex>

namespace {

using ioctl_fn = int (*)(int, unsigned long, ...);

ioctl_fn real_ioctl() {
  static std::atomic<ioctl_fn> fn{nullptr};
  ioctl_fn f = fn.load(std::memory_order_acquire);
  if (!f) {
    f = reinterpret_cast<ioctl_fn>(::dlsym(RTLD_NEXT, "ioctl"));
    fn.store(f, std::memory_order_release);
  }
  return f;
}

// UNIX 98 pty slaves: majors 136 to 143 (Linux Documentation/admin-guide/devices.txt).
bool is_pty_slave(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode)) return false;
  const unsigned maj = major(st.st_rdev);
  return maj >= 136 && maj <= 143;
}

constexpr int max_waiters = 32;

struct waiter {
  int efd = -1;
  unsigned long entry_gen = 0;
  unsigned long get_gen = 0;
  serial_icounter_struct start{};  // the counters when it was entered
};

struct lines_state {
  std::mutex m;
  std::condition_variable changed;  // a waiter came or went (for wait_caught_up)
  int mode = DIALUP_FAKE_LINES_ON;
  int outputs = TIOCM_DTR | TIOCM_RTS;
  int inputs = 0;
  serial_icounter_struct counts{};
  unsigned long gen = 1;  // moves with every change of the inputs
  waiter waiters[max_waiters];
  unsigned long calls_mget = 0, calls_mset = 0, calls_mbis = 0, calls_mbic = 0, calls_miwait = 0, calls_icount = 0;

  // With m held. A change of the inputs moves `gen`; a change of the mode only wakes.
  void wake_all(bool inputs_changed = true) {
    if (inputs_changed) ++gen;
    for (auto& w : waiters) {
      if (w.efd >= 0) {
        const std::uint64_t one = 1;
        [[maybe_unused]] ssize_t n = ::write(w.efd, &one, sizeof one);
      }
    }
  }
};

lines_state& state() {
  static lines_state s;
  return s;
}

// The TIOCMGET generation this thread last saw.
thread_local unsigned long tl_get_gen = 0;

int fail(int err) {
  errno = err;
  return -1;
}

bool masked_moved(const serial_icounter_struct& a, const serial_icounter_struct& b, unsigned long mask) {
  return ((mask & TIOCM_CD) && a.dcd != b.dcd) || ((mask & TIOCM_DSR) && a.dsr != b.dsr) ||
         ((mask & TIOCM_CTS) && a.cts != b.cts) || ((mask & TIOCM_RNG) && a.rng != b.rng);
}

int fake_miwait(unsigned long mask) {
  auto& s = state();
  std::unique_lock lock(s.m);
  ++s.calls_miwait;
  if (s.mode & DIALUP_FAKE_LINES_UNPLUGGED) return fail(EIO);
  if (s.mode & DIALUP_FAKE_LINES_NO_MIWAIT) return fail(ENOTTY);
  waiter* w = nullptr;
  for (auto& x : s.waiters)
    if (x.efd < 0) {
      w = &x;
      break;
    }
  if (!w) return fail(ENOMEM);
  const int efd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0) return -1;
  w->efd = efd;
  w->entry_gen = s.gen;
  w->get_gen = tl_get_gen;
  w->start = s.counts;
  s.changed.notify_all();
  int result = 0, err = 0;
  for (;;) {
    lock.unlock();
    pollfd p{efd, POLLIN, 0};
    const int r = ::poll(&p, 1, -1);
    const int perr = errno;
    lock.lock();
    if (r < 0 && perr == EINTR) {
      result = -1, err = EINTR;  // a signal: the kernel's wait_event_interruptible returns too
      break;
    }
    std::uint64_t v;
    [[maybe_unused]] ssize_t n = ::read(efd, &v, sizeof v);
    if (s.mode & DIALUP_FAKE_LINES_UNPLUGGED) {
      result = -1, err = EIO;
      break;
    }
    if (masked_moved(w->start, s.counts, mask)) break;
  }
  w->efd = -1;
  ::close(efd);
  s.changed.notify_all();
  errno = err;
  return result;
}

}  // namespace

extern "C" {

// The one symbol that replaces libc's: the six modem-control ioctls on a pty slave.
int ioctl(int fd, unsigned long request, ...) __THROW {
  va_list ap;
  va_start(ap, request);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  switch (request) {
    case TIOCMGET:
    case TIOCMSET:
    case TIOCMBIS:
    case TIOCMBIC:
    case TIOCMIWAIT:
    case TIOCGICOUNT:
      break;
    default:
      return real_ioctl()(fd, request, arg);
  }
  {
    auto& s = state();
    std::lock_guard lock(s.m);
    if (!(s.mode & DIALUP_FAKE_LINES_ON) || !is_pty_slave(fd)) return real_ioctl()(fd, request, arg);
  }
  if (request == TIOCMIWAIT) return fake_miwait(reinterpret_cast<std::uintptr_t>(arg));
  auto& s = state();
  std::lock_guard lock(s.m);
  switch (request) {
    case TIOCMGET:
      ++s.calls_mget;
      if (s.mode & DIALUP_FAKE_LINES_UNPLUGGED) return fail(EIO);
      *static_cast<int*>(arg) = s.outputs | s.inputs;
      tl_get_gen = s.gen;
      return 0;
    case TIOCGICOUNT:
      ++s.calls_icount;
      if (s.mode & DIALUP_FAKE_LINES_UNPLUGGED) return fail(EIO);
      if (s.mode & DIALUP_FAKE_LINES_NO_ICOUNT) return fail(EINVAL);
      *static_cast<serial_icounter_struct*>(arg) = s.counts;
      return 0;
    default: {  // TIOCMSET, TIOCMBIS, TIOCMBIC
      (request == TIOCMSET ? s.calls_mset : request == TIOCMBIS ? s.calls_mbis : s.calls_mbic)++;
      if (s.mode & DIALUP_FAKE_LINES_UNPLUGGED) return fail(EIO);
      const int v = *static_cast<const int*>(arg) & (TIOCM_DTR | TIOCM_RTS);
      int out = request == TIOCMSET ? v : request == TIOCMBIS ? (s.outputs | v) : (s.outputs & ~v);
      if (s.mode & DIALUP_FAKE_LINES_STUCK_DTR) out = (out & ~TIOCM_DTR) | (s.outputs & TIOCM_DTR);
      if (s.mode & DIALUP_FAKE_LINES_STUCK_RTS) out = (out & ~TIOCM_RTS) | (s.outputs & TIOCM_RTS);
      s.outputs = out;
      return 0;
    }
  }
}

void dialup_fake_lines_reset(void) {
  auto& s = state();
  std::lock_guard lock(s.m);
  s.mode = DIALUP_FAKE_LINES_ON;
  s.outputs = TIOCM_DTR | TIOCM_RTS;
  s.inputs = 0;
  s.counts = {};
  s.calls_mget = s.calls_mset = s.calls_mbis = s.calls_mbic = s.calls_miwait = s.calls_icount = 0;
  s.wake_all();
}

void dialup_fake_lines_set_mode(int mode) {
  auto& s = state();
  std::lock_guard lock(s.m);
  s.mode = mode;
  s.wake_all(false);
}

int dialup_fake_lines_mode(void) {
  auto& s = state();
  std::lock_guard lock(s.m);
  return s.mode;
}

void dialup_fake_lines_set(int inputs) {
  auto& s = state();
  std::lock_guard lock(s.m);
  inputs &= TIOCM_CD | TIOCM_DSR | TIOCM_CTS | TIOCM_RI;
  const int diff = s.inputs ^ inputs;
  if (!diff) return;
  if (diff & TIOCM_CD) ++s.counts.dcd;
  if (diff & TIOCM_DSR) ++s.counts.dsr;
  if (diff & TIOCM_CTS) ++s.counts.cts;
  if ((diff & TIOCM_RI) && !(inputs & TIOCM_RI)) ++s.counts.rng;  // the trailing edge, as the 8250
  s.inputs = inputs;
  if (s.mode & DIALUP_FAKE_LINES_MISS_NEXT) {
    // As if the change had come just before the sleeping TIOCMIWAITs were entered: they
    // take it for the state they started from, and sleep on.
    s.mode &= ~DIALUP_FAKE_LINES_MISS_NEXT;
    ++s.gen;
    for (auto& w : s.waiters)
      if (w.efd >= 0) w.start = s.counts;
    return;
  }
  s.wake_all();
}

void dialup_fake_lines_pulse_ring(void) {
  auto& s = state();
  std::lock_guard lock(s.m);
  s.inputs &= ~TIOCM_RI;
  ++s.counts.rng;
  s.wake_all();
}

int dialup_fake_lines_outputs(void) {
  auto& s = state();
  std::lock_guard lock(s.m);
  return s.outputs;
}

int dialup_fake_lines_waiters(void) {
  auto& s = state();
  std::lock_guard lock(s.m);
  int n = 0;
  for (auto& w : s.waiters) n += w.efd >= 0;
  return n;
}

int dialup_fake_lines_wait_caught_up(int timeout_ms) {
  auto& s = state();
  std::unique_lock lock(s.m);
  return s.changed.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
    for (auto& w : s.waiters)
      if (w.efd >= 0 && w.entry_gen == s.gen && w.get_gen == s.gen) return true;
    return false;
  }) ? 1 : 0;
}

unsigned long dialup_fake_lines_calls(unsigned long request) {
  auto& s = state();
  std::lock_guard lock(s.m);
  switch (request) {
    case TIOCMGET: return s.calls_mget;
    case TIOCMSET: return s.calls_mset;
    case TIOCMBIS: return s.calls_mbis;
    case TIOCMBIC: return s.calls_mbic;
    case TIOCMIWAIT: return s.calls_miwait;
    case TIOCGICOUNT: return s.calls_icount;
    default: return 0;
  }
}

}  // extern "C"
