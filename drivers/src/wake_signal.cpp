#include "wake_signal.hpp"

#include <csignal>
#include <mutex>

namespace dialup::drivers {

namespace {

// Nothing to do: the signal's only purpose is to make the blocking ioctl return EINTR.
// It touches neither errno nor any state, so it is async-signal-safe.
extern "C" void ignore_wake(int) {}

bool install() {
  struct sigaction old {};
  if (::sigaction(wake_signal_number(), nullptr, &old) != 0) return false;
  if (old.sa_handler == ignore_wake) return true;
  // Somebody else's signal: taking it over would break them, and running their handler
  // on our thread would break us.
  if ((old.sa_flags & SA_SIGINFO) != 0 || old.sa_handler != SIG_DFL) return false;
  struct sigaction sa {};
  sa.sa_handler = ignore_wake;
  ::sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: the interrupted ioctl must return EINTR
  return ::sigaction(wake_signal_number(), &sa, nullptr) == 0;
}

}  // namespace

int wake_signal_number() { return SIGRTMIN + 7; }

bool wake_signal_available() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = install(); });
  return ok;
}

void wake_signal_only_on_this_thread() {
  sigset_t set;
  ::sigfillset(&set);
  ::sigdelset(&set, wake_signal_number());
  ::pthread_sigmask(SIG_SETMASK, &set, nullptr);
}

all_signals_blocked::all_signals_blocked() {
  sigset_t all;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &saved_);
}

all_signals_blocked::~all_signals_blocked() { ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }

}  // namespace dialup::drivers
