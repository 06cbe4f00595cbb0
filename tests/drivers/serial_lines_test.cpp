// serial_transport's modem-control lines (docs/serial-lines.md §3–§5) on real ptys, with
// the lines a pty lacks given by the fake_lines interposer (fake_lines/fake_lines.h),
// preloaded by CTest (tests/drivers/CMakeLists.txt). The transport, its helper thread, its
// timers and the kernel's pty are the real ones; only the six modem-control ioctls on pty
// slaves are answered by the fake.
#include "dialup/drivers/serial_transport.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dialup/engine/port_error.hpp"
#include "fake_lines/fake_lines_client.hpp"
#include "support/port_fixtures.hpp"

using namespace dialup;
using drivers::line_events;
using drivers::serial_transport;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

const test::fake_lines_api& fake() {
  const auto& f = test::fake_lines();
  REQUIRE_MESSAGE(f.loaded(), "libdialup_fake_lines.so is not preloaded: run this test through ctest");
  return f;
}

using pty = test::pty_pair;

const test::private_lock_dir lock_dir("dialup-lines-locks");

std::string lock_of(const std::string& slave) { return lock_dir.lock_of_pty(slave); }

using test::open_fds;
int threads() { return test::count_entries("/proc/self/task"); }
// Whether the thread count reaches n before a (generous) deadline.
bool threads_become(int n) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (threads() != n) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Runs the io_context on this thread until done() or the deadline; false on the deadline.
template <class Done>
bool run_until(boost::asio::io_context& io, Done done, clock_type::duration limit = 5s) {
  const auto end = clock_type::now() + limit;
  while (!done()) {
    if (clock_type::now() >= end) return false;
    io.restart();
    if (io.run_one_for(10ms) == 0 && io.stopped()) std::this_thread::sleep_for(1ms);
  }
  return true;
}

// The three ways the lines can be watched, as fake_lines modes.
struct way {
  const char* name;
  int mode;
  line_events expect;
  bool counts;  // TIOCGICOUNT answers
};
const way ways[] = {
    {"TIOCMIWAIT", DIALUP_FAKE_LINES_ON, line_events::interrupt_wait, true},
    {"polling (no TIOCMIWAIT, no TIOCGICOUNT)", DIALUP_FAKE_LINES_ON | DIALUP_FAKE_LINES_NO_MIWAIT | DIALUP_FAKE_LINES_NO_ICOUNT,
     line_events::polling, false},
    {"polling with counters (no TIOCMIWAIT)", DIALUP_FAKE_LINES_ON | DIALUP_FAKE_LINES_NO_MIWAIT, line_events::polling, true},
};

port_settings no_flow() {
  port_settings s;
  s.hardware_flow_control = false;
  return s;
}

std::unique_ptr<serial_transport> open_port(boost::asio::io_context& io, const std::string& path,
                                            const port_settings& s = no_flow()) {
  std::error_code ec;
  auto t = serial_transport::open(io.get_executor(), path, s, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(t);
  return t;
}

// Opens with the fake in a way's mode and waits (deadline) until the transport uses it: a
// driver without TIOCMIWAIT is found out by the helper thread's first call.
std::unique_ptr<serial_transport> open_in(boost::asio::io_context& io, const pty& p, const way& w) {
  fake().reset();
  fake().set_mode(w.mode);
  auto t = open_port(io, p.slave);
  const auto end = clock_type::now() + 5s;
  while (t->line_events_method() != w.expect && clock_type::now() < end) std::this_thread::sleep_for(1ms);
  REQUIRE(t->line_events_method() == w.expect);
  return t;
}

// One wait: its result, when the handler ran, and where.
struct wait_result {
  bool done = false;
  std::error_code ec;
  modem_line_event ev;
  clock_type::time_point ran{};
  std::thread::id thread;
  bool inside_initiation = false;
};

std::shared_ptr<wait_result> start_wait(serial_transport& t) {
  auto r = std::make_shared<wait_result>();
  auto inside = std::make_shared<bool>(true);
  CHECK(t.async_wait_lines([r, inside](std::error_code ec, const modem_line_event& ev) {
    CHECK_FALSE(r->done);  // once only
    r->done = true;
    r->ec = ec;
    r->ev = ev;
    r->ran = clock_type::now();
    r->thread = std::this_thread::get_id();
    r->inside_initiation = *inside;
  }));
  *inside = false;
  return r;
}

// Before a change is driven on the TIOCMIWAIT way: the helper thread is back in its
// TIOCMIWAIT, having read what came before (otherwise the change could land in the window
// docs/serial-lines.md §4 describes, which the safety tick covers in its own test).
void settle(const way& w) {
  if (w.expect == line_events::interrupt_wait) REQUIRE(fake().wait_caught_up(5000) == 1);
}

modem_lines lines(bool dcd, bool dsr, bool cts, bool ri) { return modem_lines{dcd, dsr, cts, ri}; }

bool same(const modem_lines& a, const modem_lines& b) {
  return a.dcd == b.dcd && a.dsr == b.dsr && a.cts == b.cts && a.ri == b.ri;
}

std::string show(const modem_lines& l) {
  return std::string("dcd=") + (l.dcd ? "1" : "0") + " dsr=" + (l.dsr ? "1" : "0") + " cts=" + (l.cts ? "1" : "0") +
         " ri=" + (l.ri ? "1" : "0");
}

bool vanished(const std::error_code& ec) {
  return ec == std::errc::io_error || ec == std::errc::no_such_device_or_address;
}

}  // namespace

TEST_CASE("a pty without the fake's lines has no modem control: lines_at_open empty, async_wait_lines false") {
  fake().reset();
  fake().set_mode(0);  // the real ioctl: ENOTTY, as on any pty
  pty p;
  boost::asio::io_context io;
  auto t = open_port(io, p.slave);
  CHECK_FALSE(t->has_modem_control());
  CHECK_FALSE(t->lines_at_open().has_value());
  CHECK(t->line_events_method() == line_events::none);
  bool called = false;
  CHECK_FALSE(t->async_wait_lines([&](std::error_code, const modem_line_event&) { called = true; }));
  io.run_for(20ms);
  CHECK_FALSE(called);
  fake().reset();
}

TEST_CASE("DTR, RTS and HUPCL are set at open as port_settings asks, each explicitly, and read back") {
  struct row {
    bool dtr, rts, hupcl, flow;
    int want_outputs;
  };
  const row rows[] = {
      {true, true, true, false, TIOCM_DTR | TIOCM_RTS},
      {false, true, false, false, TIOCM_RTS},
      {true, false, true, false, TIOCM_DTR},
      {false, false, false, false, 0},
      {false, false, true, true, TIOCM_RTS},  // RTS is the flow-control output: it stays up
  };
  pty p;
  const int watch = ::open(p.slave.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  REQUIRE(watch >= 0);
  for (const row& r : rows) {
    CAPTURE(r.dtr);
    CAPTURE(r.rts);
    CAPTURE(r.hupcl);
    CAPTURE(r.flow);
    fake().reset();
    // Start from the opposite of what is asked, so that nothing passes by being left alone.
    fake().set_mode(DIALUP_FAKE_LINES_ON);
    int start = (r.want_outputs ^ (TIOCM_DTR | TIOCM_RTS));
    REQUIRE(::ioctl(watch, TIOCMSET, &start) == 0);
    boost::asio::io_context io;
    port_settings s;
    s.dtr_on_open = r.dtr;
    s.rts_on_open = r.rts;
    s.hang_up_on_close = r.hupcl;
    s.hardware_flow_control = r.flow;
    auto t = open_port(io, p.slave, s);
    CHECK(t->has_modem_control());
    CHECK(fake().outputs() == r.want_outputs);
    CHECK(fake().calls(TIOCMBIS) + fake().calls(TIOCMBIC) >= 2);  // one call per line
    termios tio{};
    REQUIRE(::tcgetattr(watch, &tio) == 0);
    CHECK(((tio.c_cflag & HUPCL) != 0) == r.hupcl);
    CHECK((tio.c_cflag & CLOCAL) != 0);  // a DCD drop never hangs the tty up (§5)
  }
  ::close(watch);
  fake().reset();
}

TEST_CASE("a DTR or an RTS the port does not take fails the open with setting_refused, leaving nothing behind") {
  pty p;
  for (int stuck : {DIALUP_FAKE_LINES_STUCK_DTR, DIALUP_FAKE_LINES_STUCK_RTS}) {
    CAPTURE(stuck);
    fake().reset();  // DTR and RTS up, stuck there
    fake().set_mode(DIALUP_FAKE_LINES_ON | stuck);
    const int fds = open_fds(), tasks = threads();
    boost::asio::io_context io;
    port_settings s = no_flow();
    s.dtr_on_open = stuck != DIALUP_FAKE_LINES_STUCK_DTR;
    s.rts_on_open = stuck != DIALUP_FAKE_LINES_STUCK_RTS;
    std::error_code ec;
    auto t = serial_transport::open(io.get_executor(), p.slave, s, ec);
    CHECK(t == nullptr);
    CHECK(ec == port_error::setting_refused);
    CHECK(open_fds() == fds);
    CHECK(threads() == tasks);
    CHECK_FALSE(std::filesystem::exists(lock_of(p.slave)));
  }
  fake().reset();
}

TEST_CASE("the inputs read at open are lines_at_open(), as get_lines() reads them") {
  pty p;
  for (const way& w : ways) {
    CAPTURE(w.name);
    fake().reset();
    fake().set_mode(w.mode);
    fake().set(TIOCM_CD | TIOCM_CTS);
    boost::asio::io_context io;
    auto t = open_port(io, p.slave);
    REQUIRE(t->lines_at_open().has_value());
    CHECK(same(*t->lines_at_open(), lines(true, false, true, false)));
    modem_lines now;
    REQUIRE(!t->get_lines(now));
    CHECK(same(now, lines(true, false, true, false)));
  }
  fake().reset();
}

TEST_CASE("DCD, DSR and CTS changes are delivered on the executor, once each, with the time the driver saw them") {
  pty p;
  struct step {
    int inputs;
    modem_lines after, changed;
  };
  const step steps[] = {
      {TIOCM_CD, lines(true, false, false, false), lines(true, false, false, false)},
      {TIOCM_CD | TIOCM_DSR, lines(true, true, false, false), lines(false, true, false, false)},
      {TIOCM_DSR | TIOCM_CTS, lines(false, true, true, false), lines(true, false, true, false)},
      {0, lines(false, false, false, false), lines(false, true, true, false)},
  };
  for (const way& w : ways) {
    CAPTURE(w.name);
    boost::asio::io_context io;
    auto t = open_in(io, p, w);
    for (const step& s : steps) {
      CAPTURE(s.inputs);
      auto r = start_wait(*t);
      settle(w);
      const auto t0 = clock_type::now();
      fake().set(s.inputs);
      REQUIRE(run_until(io, [&] { return r->done; }));
      CHECK_FALSE(r->ec);
      CHECK_MESSAGE(same(r->ev.lines, s.after), show(r->ev.lines));
      CHECK_MESSAGE(same(r->ev.changed, s.changed), show(r->ev.changed));
      CHECK(r->ev.ring_pulses == 0);
      CHECK(r->ev.at >= t0);       // the driver's time, taken after the change...
      CHECK(r->ev.at <= r->ran);   // ...and before the handler ran
      CHECK(r->thread == std::this_thread::get_id());  // on the executor, not the helper thread
      CHECK_FALSE(r->inside_initiation);
    }
  }
  fake().reset();
}

TEST_CASE("ring pulses are counted even when RI is low again by the time the lines are read") {
  pty p;
  for (const way& w : ways) {
    CAPTURE(w.name);
    boost::asio::io_context io;
    auto t = open_in(io, p, w);
    if (w.counts) {
      for (int i = 0; i < 3; ++i) {
        auto r = start_wait(*t);
        settle(w);
        fake().pulse_ring();
        REQUIRE(run_until(io, [&] { return r->done; }));
        CHECK_FALSE(r->ec);
        CHECK(r->ev.ring_pulses == 1);
        CHECK_FALSE(r->ev.lines.ri);
        CHECK_FALSE(r->ev.changed.ri);
      }
    } else {
      // Without counters only levels can be seen: a ring is RI up, then down, and counts
      // one when it falls.
      auto r = start_wait(*t);
      fake().set(TIOCM_RI);
      REQUIRE(run_until(io, [&] { return r->done; }));
      CHECK(r->ev.lines.ri);
      CHECK(r->ev.changed.ri);
      CHECK(r->ev.ring_pulses == 0);
      r = start_wait(*t);
      fake().set(0);
      REQUIRE(run_until(io, [&] { return r->done; }));
      CHECK_FALSE(r->ev.lines.ri);
      CHECK(r->ev.changed.ri);
      CHECK(r->ev.ring_pulses == 1);
    }
  }
  fake().reset();
}

TEST_CASE("changes while no wait is outstanding are kept, coalesced, and given to the next wait at once") {
  pty p;
  for (const way& w : ways) {
    CAPTURE(w.name);
    boost::asio::io_context io;
    auto t = open_in(io, p, w);
    settle(w);
    const auto t0 = clock_type::now();
    fake().set(TIOCM_CD);               // DCD up ...
    fake().set(TIOCM_CD | TIOCM_DSR);
    fake().set(TIOCM_DSR);              // ... and down again: not a change of level
    if (w.counts) {
      fake().pulse_ring();
      fake().pulse_ring();
    }
    settle(w);  // the helper thread has seen all of it, with no wait outstanding
    const auto t1 = clock_type::now();
    io.restart();
    io.poll();  // nothing is delivered without a wait
    auto r = start_wait(*t);
    REQUIRE(run_until(io, [&] { return r->done; }, 1s));
    CHECK(r->ran - t1 < 500ms);  // at once (the deadline is generous for a loaded machine)
    CHECK_FALSE(r->ec);
    CHECK_MESSAGE(same(r->ev.lines, lines(false, true, false, false)), show(r->ev.lines));
    CHECK_MESSAGE(same(r->ev.changed, lines(false, true, false, false)), show(r->ev.changed));
    CHECK(r->ev.ring_pulses == (w.counts ? 2u : 0u));
    if (w.expect == line_events::interrupt_wait) {
      // Seen by the helper thread when it happened: the first change folded in.
      CHECK(r->ev.at >= t0);
      CHECK(r->ev.at <= t1);
    }
    // Everything was given out: the next wait has nothing until the next change.
    auto next = start_wait(*t);
    io.restart();
    io.run_for(100ms);
    CHECK_FALSE(next->done);
    t->cancel();
    REQUIRE(run_until(io, [&] { return next->done; }));
    CHECK(next->ec == boost::system::error_code(boost::asio::error::operation_aborted));
  }
  fake().reset();
}

TEST_CASE("a change the helper thread slept through is delivered by the safety tick within a second") {
  pty p;
  boost::asio::io_context io;
  auto t = open_in(io, p, ways[0]);
  auto r = start_wait(*t);
  settle(ways[0]);
  io.restart();
  io.poll();  // the first tick ran: the lines agreed then
  fake().set_mode(DIALUP_FAKE_LINES_ON | DIALUP_FAKE_LINES_MISS_NEXT);
  const auto t0 = clock_type::now();
  fake().set(TIOCM_CD);  // the sleeping TIOCMIWAIT takes it for its starting point
  REQUIRE(run_until(io, [&] { return r->done; }, 3s));
  CHECK(r->ran - t0 < 1s);
  CHECK_FALSE(r->ec);
  CHECK(r->ev.lines.dcd);
  CHECK(r->ev.changed.dcd);
  fake().reset();
}

TEST_CASE("cancel completes the wait with operation_aborted, and the next wait still sees the next change") {
  pty p;
  for (const way& w : ways) {
    CAPTURE(w.name);
    boost::asio::io_context io;
    auto t = open_in(io, p, w);
    auto r = start_wait(*t);
    t->cancel();
    CHECK_FALSE(r->done);  // not inside cancel() either
    REQUIRE(run_until(io, [&] { return r->done; }));
    CHECK(r->ec == boost::system::error_code(boost::asio::error::operation_aborted));
    auto again = start_wait(*t);
    settle(w);
    fake().set(TIOCM_CTS);
    REQUIRE(run_until(io, [&] { return again->done; }));
    CHECK_FALSE(again->ec);
    CHECK(again->ev.changed.cts);
  }
  fake().reset();
}

TEST_CASE("close and the destructor stop the helper thread promptly, with a wait outstanding or not, leaking nothing") {
  pty p;
  const int fds = open_fds(), tasks = threads();
  for (const way& w : ways) {
    CAPTURE(w.name);
    for (int i = 0; i < 20; ++i) {
      CAPTURE(i);
      boost::asio::io_context io;
      auto t = open_in(io, p, w);
      // The TIOCMIWAIT way has its one thread per port; polling has none (the helper that
      // found no TIOCMIWAIT is on its way out: it has said so, its task may linger a moment).
      if (w.expect == line_events::interrupt_wait) CHECK(threads() == tasks + 1);
      else CHECK(threads_become(tasks));
      std::shared_ptr<wait_result> r;
      if (i % 2 == 0) r = start_wait(*t);
      // Half of the time the helper is asleep in TIOCMIWAIT (the signal has to wake it);
      // otherwise it may be anywhere in its loop.
      if (w.expect == line_events::interrupt_wait && i % 4 < 2) REQUIRE(fake().wait_caught_up(5000) == 1);
      const auto t0 = clock_type::now();
      if (i % 3 == 0) t.reset();
      else t->close();
      const auto took = clock_type::now() - t0;
      CHECK(took < 1s);
      CHECK(threads_become(tasks));  // joined: the task goes with its exit
      CHECK_FALSE(std::filesystem::exists(lock_of(p.slave)));
      if (r) {
        REQUIRE(run_until(io, [&] { return r->done; }));
        CHECK(r->ec == boost::system::error_code(boost::asio::error::operation_aborted));
      }
      if (t) {
        auto after = start_wait(*t);  // after close: aborted, never hanging
        REQUIRE(run_until(io, [&] { return after->done; }));
        CHECK(after->ec == boost::system::error_code(boost::asio::error::operation_aborted));
      }
    }
  }
  CHECK(open_fds() == fds);
  CHECK(threads_become(tasks));
  fake().reset();
}

TEST_CASE("an unplug (EIO from the modem-control ioctls) fails the wait within a second, then later waits and reads") {
  pty p;
  for (const way& w : ways) {
    CAPTURE(w.name);
    const int fds = open_fds();
    {
      boost::asio::io_context io;
      auto t = open_in(io, p, w);
      auto r = start_wait(*t);
      char buf[16];
      bool read_done = false;
      std::error_code read_ec;
      t->async_read_some(boost::asio::buffer(buf), [&](std::error_code ec, std::size_t) {
        read_done = true;
        read_ec = ec;
      });
      settle(w);
      const auto t0 = clock_type::now();
      fake().set_mode(w.mode | DIALUP_FAKE_LINES_UNPLUGGED);
      REQUIRE(run_until(io, [&] { return r->done && read_done; }, 3s));
      CHECK(r->ran - t0 < 1s);
      CHECK(r->ec == std::errc::io_error);
      CHECK(read_ec == std::errc::io_error);  // not end of file, not aborted: gone
      auto later = start_wait(*t);
      REQUIRE(run_until(io, [&] { return later->done; }, 1s));
      CHECK(later->ec == std::errc::io_error);
      read_done = false;
      t->async_read_some(boost::asio::buffer(buf), [&](std::error_code ec, std::size_t) {
        read_done = true;
        read_ec = ec;
      });
      REQUIRE(run_until(io, [&] { return read_done; }, 1s));
      CHECK(read_ec == std::errc::io_error);
      t->close();
      CHECK_FALSE(std::filesystem::exists(lock_of(p.slave)));
    }
    CHECK(open_fds() == fds);
  }
  fake().reset();
}

TEST_CASE("the device node going away (the pty's master closed) fails the wait within a second, not as a carrier loss") {
  for (const way& w : ways) {
    CAPTURE(w.name);
    const int fds = open_fds(), tasks = threads();
    {
      pty p;
      boost::asio::io_context io;
      auto t = open_in(io, p, w);
      auto r = start_wait(*t);
      char buf[16];
      bool read_done = false;
      std::error_code read_ec;
      t->async_read_some(boost::asio::buffer(buf), [&](std::error_code ec, std::size_t) {
        read_done = true;
        read_ec = ec;
      });
      settle(w);
      io.restart();
      io.poll();
      const auto t0 = clock_type::now();
      p.close_master();  // the slave is hung up and /dev/pts/N removed; the fake's lines stay
      REQUIRE(run_until(io, [&] { return r->done && read_done; }, 3s));
      CHECK(r->ran - t0 < 1s);
      CHECK_MESSAGE(vanished(r->ec), r->ec.message());
      CHECK_MESSAGE((vanished(read_ec) || read_ec == boost::system::error_code(boost::asio::error::eof)),
                    read_ec.message());
      const std::string lock = lock_of(p.slave);
      CHECK(std::filesystem::exists(lock));
      t.reset();
      CHECK_FALSE(std::filesystem::exists(lock));
    }
    CHECK(open_fds() == fds);
    CHECK(threads_become(tasks));
  }
  fake().reset();
}

TEST_CASE("a port path that names another device now fails the wait with ENXIO") {
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "dialup-lines-XXXXXX").string();
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  const fs::path dir = tmpl;
  for (const way& w : ways) {
    CAPTURE(w.name);
    pty a, b;
    const fs::path link = dir / "modem";
    fs::remove(link);
    fs::create_symlink(a.slave, link);
    boost::asio::io_context io;
    fake().reset();
    fake().set_mode(w.mode);
    auto t = open_port(io, link.string());
    auto r = start_wait(*t);
    io.restart();
    io.poll();
    // Another adapter takes the name (as a by-id link moved by udev): renamed over it.
    const fs::path next = dir / "modem.new";
    fs::create_symlink(b.slave, next);
    const auto t0 = clock_type::now();
    fs::rename(next, link);
    REQUIRE(run_until(io, [&] { return r->done; }, 3s));
    CHECK(r->ran - t0 < 1s);
    CHECK(r->ec == std::errc::no_such_device_or_address);
  }
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  fake().reset();
}

TEST_CASE("a storm of changes from another thread ends with the last state reported, every wait once") {
  pty p;
  for (const way& w : ways) {
    CAPTURE(w.name);
    boost::asio::io_context io;
    auto t = open_in(io, p, w);
    std::atomic<bool> driving{true};
    std::thread driver([&] {
      for (int i = 0; i < 2000; ++i) {
        fake().set((i & 1) ? TIOCM_CD | TIOCM_CTS : TIOCM_DSR);
        if (i % 7 == 0) fake().pulse_ring();
      }
      fake().set(TIOCM_CD);
      driving = false;
    });
    modem_lines last = *t->lines_at_open();
    unsigned events = 0;
    std::function<void()> arm;
    bool bad = false;
    arm = [&] {
      t->async_wait_lines([&](std::error_code ec, const modem_line_event& ev) {
        if (ec) return;
        ++events;
        // `changed` is against the previous event, always.
        if ((ev.changed.dcd != (ev.lines.dcd != last.dcd)) || (ev.changed.dsr != (ev.lines.dsr != last.dsr)) ||
            (ev.changed.cts != (ev.lines.cts != last.cts)))
          bad = true;
        last = ev.lines;
        arm();
      });
    };
    arm();
    REQUIRE(run_until(io, [&] { return !driving.load(); }, 30s));
    driver.join();
    // The last state reaches the engine: DCD alone.
    REQUIRE(run_until(io, [&] { return same(last, lines(true, false, false, false)); }, 3s));
    CHECK_FALSE(bad);
    CHECK(events > 0);
    t->close();
    io.restart();
    io.run_for(20ms);
  }
  fake().reset();
}
