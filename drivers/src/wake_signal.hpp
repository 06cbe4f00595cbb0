// Waking a thread that is blocked in an ioctl (TIOCMIWAIT) so that it can be stopped.
//
// TIOCMIWAIT sleeps in the kernel until a modem-control input changes; closing the
// descriptor does not wake it (the sleeping call holds its own reference to the open
// file), and there is no variant that also waits on a second descriptor. What does wake it
// is a signal: the driver's wait is interruptible, and when the signal's handler was
// installed without SA_RESTART the ioctl returns EINTR (signal(7), "Interruption of
// system calls and library functions by signal handlers").
//
// So dialup reserves one real-time signal, wake_signal_number(), with a handler that does
// nothing, installed once per process and only if nobody else handles that signal. It is
// sent with pthread_kill(3) to one helper thread at a time, never to the process. The
// helper threads block every other signal, so the application's signals are never run on
// them. docs/serial-lines.md §4 gives the race this leaves and how the stop loop covers it.
#pragma once

#include <pthread.h>
#include <signal.h>

namespace dialup::drivers {

// The signal helper threads are woken with: SIGRTMIN + 7 (glibc keeps the first two
// real-time signals for itself, and SIGRTMIN already starts after them).
int wake_signal_number();

// Installs the no-op handler the first time (thread-safe). False when the signal already
// has a handler that is not dialup's: the caller must then do without a helper thread.
bool wake_signal_available();

// Run on a helper thread first: blocks every signal but the wake signal.
void wake_signal_only_on_this_thread();

// Blocks every signal on the calling thread while it lives, so that a thread created
// inside it starts with them blocked (a signal can arrive before the thread's first line).
class all_signals_blocked {
 public:
  all_signals_blocked();
  ~all_signals_blocked();
  all_signals_blocked(const all_signals_blocked&) = delete;
  all_signals_blocked& operator=(const all_signals_blocked&) = delete;

 private:
  sigset_t saved_;
};

}  // namespace dialup::drivers
