// The change events of one tty's modem-control inputs (modem_control_watch.hpp,
// docs/serial-lines.md §4).
//
//   helper thread (interrupt wait)                 executor (the transport's)
//   ------------------------------                 --------------------------
//   loop: t = now                                  async_wait(h): pending? post(h, event)
//         TIOCGICOUNT, TIOCMGET ──> fold(t) ──┐                   else keep h, tick at once
//         TIOCMIWAIT(CD|DSR|CTS|RNG)          ├─> a wait kept? post(h, event)
//           EINTR: stop asked? else loop      │
//           EINVAL/ENOTTY: -> polling, exit ──┼─> (the tick polls from now on)
//           EIO/ENXIO: fail(error), exit ─────┘   tick: polling: TIOCGICOUNT?, TIOCMGET -> fold
//                                                       every 250 ms: device_presence -> fail
//                                                       interrupt wait: counters moved but no
//                                                       event? kick the helper (the race, §4)
//   stop(): stop flag, then the wake signal until the helper says it is out, then join.
//
// Everything the two sides share is in `shared`, under its mutex; the timer, the tick
// counters and `closed` are the executor's alone.
#include "modem_control_watch.hpp"

#include <pthread.h>
#include <sys/ioctl.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <stdexcept>
#include <utility>

#include <boost/asio/post.hpp>

#include "device_presence.hpp"
#include "wake_signal.hpp"

namespace dialup::drivers {
namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

struct modem_control_watch::shared {
  shared(asio::any_io_executor e, modem_lines at_open, std::optional<line_counts> counts, device_presence p,
         vanish_handler v)
      : ex(std::move(e)), presence(std::move(p)), on_vanish(std::move(v)), current(at_open), reported(at_open),
        counts(counts) {}

  const asio::any_io_executor ex;
  const device_presence presence;
  // The executor's alone: set by stop(), after which nothing posted touches the watch.
  bool closed = false;
  vanish_handler on_vanish;

  std::mutex m;
  std::condition_variable helper_out;  // the helper thread has left its loop
  bool helper_done = true;
  std::atomic<bool> stop{false};
  std::atomic<method> how{method::interrupt_wait};

  modem_lines current;                  // the latest reading
  modem_lines reported;                 // the lines of the last event given out
  std::optional<line_counts> counts;    // the latest counters, when the driver keeps them
  unsigned pulses = 0;                  // ring pulses not given out yet
  std::optional<clock::time_point> at;  // when the first change not given out was seen
  std::error_code error;                // the device vanished: every wait from now on
  transport::line_handler waiting;      // the outstanding wait

  // Folds one reading in (called with m held). Counters that went backwards are an older
  // reading than one already folded, and are dropped.
  void fold(const std::optional<line_counts>& c, int bits, clock::time_point t) {
    const modem_lines l = lines_from_bits(bits);
    if (c && counts) {
      if (c->rng < counts->rng || c->dcd < counts->dcd || c->dsr < counts->dsr || c->cts < counts->cts) return;
      pulses += c->rng - counts->rng;
    } else if (!c && current.ri && !l.ri) {
      // No counters: a ring seen only as the level falling counts one, at its trailing
      // edge, where the 8250 counts it too (transport.hpp, modem_line_event::ring_pulses).
      ++pulses;
    }
    if (c) counts = c;
    current = l;
    if (pulses == 0 && same_lines(current, reported)) {
      at.reset();  // gone back to what was last reported: nothing to tell
    } else if (!at) {
      at = t;
    }
  }

  modem_line_event take() {
    modem_line_event ev;
    ev.lines = current;
    ev.changed.dcd = current.dcd != reported.dcd;
    ev.changed.dsr = current.dsr != reported.dsr;
    ev.changed.cts = current.cts != reported.cts;
    ev.changed.ri = current.ri != reported.ri;
    ev.ring_pulses = pulses;
    ev.at = at.value_or(clock::now());
    reported = current;
    pulses = 0;
    at.reset();
    return ev;
  }

  // With m held: hands the event (or the error) to the outstanding wait, if there is one
  // and there is something to give. The handler is posted by the caller, after unlocking.
  transport::line_handler ready(std::error_code& ec, modem_line_event& ev) {
    if (!waiting) return {};
    if (error) {
      ec = error;
      ev = modem_line_event{current, {}, 0, clock::now()};
    } else if (at) {
      ec.clear();
      ev = take();
    } else {
      return {};
    }
    return std::exchange(waiting, nullptr);
  }

  void deliver(transport::line_handler h, std::error_code ec, const modem_line_event& ev) {
    if (h) asio::post(ex, [h = std::move(h), ec, ev] { h(ec, ev); });
  }

  void fold_and_deliver(const std::optional<line_counts>& c, int bits, clock::time_point t) {
    std::error_code ec;
    modem_line_event ev;
    transport::line_handler h;
    {
      std::lock_guard lock(m);
      fold(c, bits, t);
      h = ready(ec, ev);
    }
    deliver(std::move(h), ec, ev);
  }

  // The device went away (or an ioctl failed in a way that leaves nothing to watch): the
  // wait and every later one complete with the error, and the transport is told, once.
  void fail(std::error_code e, const std::shared_ptr<shared>& self) {
    std::error_code ec;
    modem_line_event ev;
    transport::line_handler h;
    {
      std::lock_guard lock(m);
      if (error) return;
      error = e;
      h = ready(ec, ev);
    }
    deliver(std::move(h), ec, ev);
    asio::post(ex, [self, e] {
      if (!self->closed && self->on_vanish) self->on_vanish(e);
    });
  }
};

namespace {

std::error_code failure(int err) {
  return is_vanished(err) ? vanished_error(err) : std::error_code(err, std::system_category());
}

}  // namespace

// The helper thread's loop: the diagram at the top.
void modem_control_watch::helper_main(std::shared_ptr<shared> s, int fd) {
  wake_signal_only_on_this_thread();
  constexpr unsigned long mask = TIOCM_CD | TIOCM_DSR | TIOCM_CTS | TIOCM_RNG;
  while (!s->stop.load()) {
    // Taken as soon as TIOCMIWAIT returned: the moment the change was seen.
    const auto t = clock::now();
    line_counts c;
    int bits = 0;
    std::error_code e = read_line_counts(fd, c);
    if (!e) e = read_modem_bits(fd, bits);
    if (e) {
      if (e.value() == EINTR) continue;
      s->fail(failure(e.value()), s);
      break;
    }
    s->fold_and_deliver(c, bits, t);
    // Counters before levels, then the wait: TIOCMIWAIT compares the counters with the
    // ones it found when it was entered, so a change between the reads above and that
    // moment goes unseen until the next one. The executor's tick catches it (§4).
    if (::ioctl(fd, TIOCMIWAIT, mask) != 0) {
      const int err = errno;
      if (err == EINTR) continue;  // the wake signal (or a kick from the tick): look again
      if (is_unsupported(err)) {
        s->how.store(method::polling);
        break;
      }
      s->fail(failure(err), s);
      break;
    }
  }
  std::lock_guard lock(s->m);
  s->helper_done = true;
  s->helper_out.notify_all();
}

modem_control_watch::modem_control_watch(asio::any_io_executor ex, int fd, std::string path, dev_t rdev,
                                         modem_lines at_open, std::optional<line_counts> counts_at_open,
                                         vanish_handler on_vanish, options opts)
    : ex_(ex),
      fd_(fd),
      s_(std::make_shared<shared>(ex, at_open, counts_at_open, device_presence(fd, std::move(path), rdev),
                                  std::move(on_vanish))),
      tick_(ex) {
  // The helper thread needs the counters (to see a pulse that is over) and the signal (to
  // be stopped); without either, polling.
  if (opts.prefer == method::polling || !counts_at_open || !wake_signal_available()) {
    s_->how.store(method::polling);
    return;
  }
  s_->helper_done = false;
  all_signals_blocked blocked;  // the thread starts with every signal blocked
  helper_ = std::thread(helper_main, s_, fd);
}

modem_control_watch::~modem_control_watch() { stop(); }

modem_control_watch::method modem_control_watch::how() const { return s_->how.load(); }

void modem_control_watch::async_wait(transport::line_handler h) {
  if (s_->closed) {
    asio::post(ex_, [h = std::move(h)] { h(boost::system::error_code(asio::error::operation_aborted), modem_line_event{}); });
    return;
  }
  std::error_code ec;
  modem_line_event ev;
  transport::line_handler now;
  {
    std::lock_guard lock(s_->m);
    if (s_->waiting) throw std::logic_error("async_wait_lines: a wait is already outstanding");
    s_->waiting = std::move(h);
    now = s_->ready(ec, ev);
  }
  if (now) {
    s_->deliver(std::move(now), ec, ev);
    return;
  }
  // At once: the polling way reads the lines at the start of every wait, so a change
  // since the last event is reported now; the interrupt wait checks on its helper.
  arm_tick(clock::duration::zero());
}

void modem_control_watch::cancel() {
  transport::line_handler h;
  {
    std::lock_guard lock(s_->m);
    h = std::exchange(s_->waiting, nullptr);
  }
  ++tick_gen_;
  tick_.cancel();
  s_->deliver(std::move(h), boost::system::error_code(asio::error::operation_aborted), modem_line_event{});
}

void modem_control_watch::stop() {
  if (s_->closed) return;
  s_->closed = true;
  s_->on_vanish = nullptr;
  cancel();
  helper_stop_and_join();
}

void modem_control_watch::helper_stop_and_join() {
  if (!helper_.joinable()) return;
  s_->stop.store(true);
  // The stop flag is checked at the top of the helper's loop and the signal interrupts
  // TIOCMIWAIT; a signal that lands after the check but before the ioctl is entered is
  // lost (the no-op handler ran, the ioctl then sleeps), so it is sent again until the
  // helper says it is out: 100 µs after the first, then twice as long each time up to
  // 50 ms, so the lost case costs about 100 µs and a helper that is slow to be scheduled
  // is not flooded.
  {
    std::unique_lock lock(s_->m);
    std::chrono::microseconds period{100};
    while (!s_->helper_done) {
      ::pthread_kill(helper_.native_handle(), wake_signal_number());
      s_->helper_out.wait_for(lock, period, [&] { return s_->helper_done; });
      if (period < std::chrono::milliseconds(50)) period *= 2;
    }
  }
  helper_.join();
}

void modem_control_watch::arm_tick(clock::duration after) {
  const unsigned gen = ++tick_gen_;
  tick_.expires_after(after);
  tick_.async_wait([this, s = s_, gen](boost::system::error_code ec) {
    // After stop() the watch may be gone: only `s` may be touched until `closed` is read.
    if (s->closed || ec || gen != tick_gen_) return;
    on_tick();
  });
}

void modem_control_watch::on_tick() {
  {
    std::lock_guard lock(s_->m);
    if (!s_->waiting) return;  // the wait completed meanwhile: no more ticks until the next
  }
  const method how = s_->how.load();
  const bool presence_due = how == method::interrupt_wait ||
                            ticks_++ % (presence_interval / poll_interval) == 0;
  if (presence_due) {
    if (auto e = s_->presence.check()) {
      s_->fail(e, s_);
      return;
    }
  }
  line_counts c;
  int bits = 0;
  std::optional<line_counts> counts;
  bool has_counts;
  {
    std::lock_guard lock(s_->m);
    has_counts = s_->counts.has_value();
  }
  std::error_code e;
  if (has_counts) {
    e = read_line_counts(fd_, c);
    if (!e) counts = c;
  }
  if (!e) e = read_modem_bits(fd_, bits);
  if (e) {
    s_->fail(failure(e.value()), s_);
    return;
  }
  if (how == method::polling) {
    s_->fold_and_deliver(counts, bits, clock::now());
    arm_tick(poll_interval);
    return;
  }
  // The interrupt wait: the helper folds. If the lines moved and it has not seen it, it
  // is asleep in a TIOCMIWAIT entered after the move (§4): interrupt it, it looks again.
  bool behind;
  {
    std::lock_guard lock(s_->m);
    behind = !s_->helper_done && (counts != s_->counts || !same_lines(lines_from_bits(bits), s_->current));
  }
  if (behind) ::pthread_kill(helper_.native_handle(), wake_signal_number());
  arm_tick(presence_interval);
}

}  // namespace dialup::drivers
