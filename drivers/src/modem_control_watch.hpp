// Modem-control change events for one open tty (docs/serial-lines.md §4): what
// serial_transport::async_wait_lines is made of.
//
// Two ways to see the changes, chosen when the port is opened:
//
//   interrupt wait   a helper thread per port, blocked in TIOCMIWAIT (ioctl_tty(2)) on
//                    DCD|DSR|CTS|RI; when it returns, TIOCGICOUNT says what changed (a
//                    line that changed and went back, a ring pulse that is already over)
//                    and TIOCMGET the levels now. It runs from open to close, so a change
//                    while no wait is outstanding is seen too.
//   polling          a timer on the transport's executor reads TIOCMGET (and TIOCGICOUNT
//                    when the driver keeps counters) every poll_interval while a wait is
//                    outstanding, and once at the start of every wait. For drivers without
//                    TIOCMIWAIT or TIOCGICOUNT (some USB serial adapters); no thread.
//
// Changes are folded into one pending event until a wait takes it (coalescing): its
// lines are the latest, `changed` compares them with the lines last reported, ring_pulses
// adds up, and `at` is when the first change folded in was seen.
//
// While a wait is outstanding a slower tick (presence_interval) also checks that the
// device is still there (device_presence.hpp) and, in the interrupt-wait way, that the
// helper thread has not slept through a change (the race of §4): a vanished device fails
// the wait with EIO or ENXIO, and on_vanish is told, once.
//
// Threading: every member function is called on the executor given at construction (the
// transport's); handlers are posted to it, never run inside async_wait or on the helper
// thread. The destructor stops and joins the helper thread before it returns, so the
// descriptor may be closed right after.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

#include <boost/asio/steady_timer.hpp>

#include "dialup/engine/transport.hpp"
#include "modem_control_io.hpp"

namespace dialup::drivers {

class modem_control_watch {
 public:
  enum class method { interrupt_wait, polling };
  using vanish_handler = std::function<void(std::error_code)>;

  // Every 25 ms: a ring cadence is seconds long (2 s on, 4 s off in North America) and the
  // engine without events looks at DCD once a second (docs/engine.md §2), so 25 ms is far
  // below anything the engine times, yet only 40 TIOCMGETs a second on a port being
  // waited on. Hardware flow control does not need it: the kernel does RTS/CTS itself.
  static constexpr std::chrono::milliseconds poll_interval{25};
  // Every 250 ms: an unplug is reported within a second with room to spare for a loaded
  // machine, for a stat(2) and a poll(2) four times a second.
  static constexpr std::chrono::milliseconds presence_interval{250};

  struct options {
    // The way to use; interrupt_wait falls back to polling by itself when the driver has
    // no TIOCMIWAIT, no TIOCGICOUNT, or the wake signal is taken.
    method prefer = method::interrupt_wait;
  };

  // fd: the open port (not owned); path and rdev: for device_presence; at_open and
  // counts_at_open (empty: the driver keeps no counters): read after the port was set up,
  // the base of the first event.
  modem_control_watch(boost::asio::any_io_executor ex, int fd, std::string path, dev_t rdev,
                      modem_lines at_open, std::optional<line_counts> counts_at_open,
                      vanish_handler on_vanish, options opts);
  modem_control_watch(boost::asio::any_io_executor ex, int fd, std::string path, dev_t rdev,
                      modem_lines at_open, std::optional<line_counts> counts_at_open,
                      vanish_handler on_vanish)
      : modem_control_watch(std::move(ex), fd, std::move(path), rdev, at_open, counts_at_open,
                            std::move(on_vanish), options{}) {}
  ~modem_control_watch();
  modem_control_watch(const modem_control_watch&) = delete;
  modem_control_watch& operator=(const modem_control_watch&) = delete;

  // As transport::async_wait_lines (which see): h is posted with the next event, at once
  // when one is pending, or with the error of a vanished device. Throws std::logic_error
  // if a wait is already outstanding.
  void async_wait(transport::line_handler h);
  // The outstanding wait, if any, completes with operation_aborted.
  void cancel();
  // Cancels, stops the timer and the helper thread (joined before it returns). After it
  // async_wait completes with operation_aborted. Idempotent.
  void stop();

  // The way in use now (interrupt_wait can become polling once the helper thread found
  // that the driver has no TIOCMIWAIT).
  method how() const;

 private:
  struct shared;
  static void helper_main(std::shared_ptr<shared> s, int fd);
  void arm_tick(std::chrono::steady_clock::duration after);
  void on_tick();
  void helper_stop_and_join();

  boost::asio::any_io_executor ex_;
  int fd_;
  std::shared_ptr<shared> s_;
  boost::asio::steady_timer tick_;
  unsigned tick_gen_ = 0;
  unsigned ticks_ = 0;
  std::thread helper_;
};

}  // namespace dialup::drivers
