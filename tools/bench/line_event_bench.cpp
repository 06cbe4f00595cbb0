// line_event_bench — how long a modem-control change takes to reach the engine.
//
//   line_event_bench [--changes 10000] [--poll-changes 10000]
//
// The real serial_transport on a pty, with the lines a pty lacks given by the fake_lines
// interposer (tests/drivers/fake_lines; preloaded: the program re-executes itself with
// LD_PRELOAD set when it was started without it). The transport's executor runs on a
// thread of its own, as the engine's does; the main thread drives DCD up and down and
// waits for each handler before the next change, so no change is coalesced. For each way
// of watching the lines (docs/serial-lines.md §4):
//   * TIOCMIWAIT: the helper thread in TIOCMIWAIT; each change is driven once the helper
//     is back in its TIOCMIWAIT (the realistic case: line changes are milliseconds apart);
//   * polling: no TIOCMIWAIT and no TIOCGICOUNT, TIOCMGET every 25 ms; each change is
//     driven after a random pause within one poll period, so it lands at any phase of
//     the timer, as a real line change does.
// It reports p50, p99 and max of: driven → handler running on the executor (what the
// engine waits), driven → the driver's timestamp (modem_line_event::at), and at → handler
// (the post to the executor); then how long close() takes with the helper thread asleep
// in TIOCMIWAIT; then one JSON line. The fake's TIOCMIWAIT wakes through an
// eventfd, which a kernel driver's wake-up does not need, so the TIOCMIWAIT figures are an
// upper bound for the user-space part. A program that prints figures, not a timed test: it
// fails (exit 1) only when an event did not arrive at all.
#include <dialup/drivers/serial_transport.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fake_lines/fake_lines_client.hpp"

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;
using dialup::drivers::line_events;
using dialup::drivers::serial_transport;

namespace {

struct figures {
  double p50 = 0, p99 = 0, max = 0;  // microseconds
};

figures summarise(std::vector<double> v) {
  figures f;
  if (v.empty()) return f;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))]; };
  f.p50 = at(0.50);
  f.p99 = at(0.99);
  f.max = v.back();
  return f;
}

struct run_result {
  const char* way;
  int changes = 0;
  figures to_handler, to_driver, post;
  bool ok = true;
};

double us(clock_type::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

run_result run(const char* name, int mode, line_events expect, int changes) {
  run_result res;
  res.way = name;
  res.changes = changes;
  const auto& fake = dialup::test::fake_lines();
  fake.reset();
  fake.set_mode(mode);

  const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
    std::fprintf(stderr, "no pty: %s\n", std::strerror(errno));
    res.ok = false;
    return res;
  }
  const std::string slave = ::ptsname(master);

  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  dialup::port_settings settings;
  settings.hardware_flow_control = false;
  std::error_code ec;
  auto t = serial_transport::open(io.get_executor(), slave, settings, ec);
  if (!t) {
    std::fprintf(stderr, "open %s: %s\n", slave.c_str(), ec.message().c_str());
    ::close(master);
    res.ok = false;
    return res;
  }
  while (t->line_events_method() != expect) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::thread loop([&] { io.run(); });

  std::mutex m;
  std::condition_variable cv;
  int seen = 0;
  clock_type::time_point handler_at{}, driver_at{};
  std::function<void()> arm = [&] {
    t->async_wait_lines([&](std::error_code e, const dialup::modem_line_event& ev) {
      if (e) return;
      const auto now = clock_type::now();
      arm();  // re-armed before the driving thread is told, so no change finds no wait
      std::lock_guard lock(m);
      handler_at = now;
      driver_at = ev.at;
      ++seen;
      cv.notify_all();
    });
  };
  asio::post(io, arm);

  std::vector<double> to_handler, to_driver, post;
  to_handler.reserve(static_cast<std::size_t>(changes));
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> phase(0, 24999);  // one poll period, in µs
  for (int i = 0; i < changes && res.ok; ++i) {
    if (expect == line_events::interrupt_wait) {
      if (fake.wait_caught_up(5000) != 1) res.ok = false;
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(phase(rng)));
    }
    std::unique_lock lock(m);
    const int before = seen;
    const auto driven = clock_type::now();
    fake.set((i % 2 == 0) ? TIOCM_CD : 0);
    if (!cv.wait_for(lock, std::chrono::seconds(5), [&] { return seen > before; })) {
      std::fprintf(stderr, "%s: change %d never arrived\n", name, i);
      res.ok = false;
      break;
    }
    to_handler.push_back(us(handler_at - driven));
    to_driver.push_back(us(driver_at - driven));
    post.push_back(us(handler_at - driver_at));
  }
  asio::post(io, [&] { t->close(); });
  guard.reset();
  loop.join();
  t.reset();
  ::close(master);
  res.to_handler = summarise(to_handler);
  res.to_driver = summarise(to_driver);
  res.post = summarise(post);
  return res;
}

// How long close() takes with the helper thread asleep in TIOCMIWAIT (the wake signal,
// the thread's exit, the join), over `rounds` opens; microseconds.
figures stop_times(int rounds, bool& ok) {
  const auto& fake = dialup::test::fake_lines();
  fake.reset();
  std::vector<double> v;
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
    ok = false;
    return {};
  }
  const std::string slave = ::ptsname(master);
  dialup::port_settings settings;
  settings.hardware_flow_control = false;
  for (int i = 0; i < rounds && ok; ++i) {
    asio::io_context io;
    std::error_code ec;
    auto t = serial_transport::open(io.get_executor(), slave, settings, ec);
    if (!t || fake.wait_caught_up(5000) != 1) {
      ok = false;
      break;
    }
    // Asleep for sure: wait_caught_up returns as the fake's TIOCMIWAIT registers, a moment
    // before it blocks (a signal in that moment is the lost case of §4.1).
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const auto t0 = clock_type::now();
    t->close();
    v.push_back(us(clock_type::now() - t0));
  }
  ::close(master);
  return summarise(v);
}

// Started without the interposer: again, with it.
void ensure_preloaded(char** argv) {
  if (dialup::test::fake_lines().loaded()) return;
#ifdef DIALUP_FAKE_LINES_PATH
  if (!std::getenv("DIALUP_LINE_EVENT_BENCH_REEXEC")) {
    ::setenv("DIALUP_LINE_EVENT_BENCH_REEXEC", "1", 1);
    ::setenv("LD_PRELOAD", DIALUP_FAKE_LINES_PATH, 1);
    std::string asan = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
    ::setenv("ASAN_OPTIONS", (asan + ":verify_asan_link_order=0").c_str(), 1);
    ::execv("/proc/self/exe", argv);
  }
#endif
  std::fprintf(stderr, "line_event_bench needs libdialup_fake_lines.so preloaded (LD_PRELOAD)\n");
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  int changes = 10000, poll_changes = 10000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--changes" && i + 1 < argc) changes = std::atoi(argv[++i]);
    else if (a == "--poll-changes" && i + 1 < argc) poll_changes = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: line_event_bench [--changes N] [--poll-changes N]\n");
      return 2;
    }
  }
  ensure_preloaded(argv);
  const char* lock_dir = std::getenv("DIALUP_LOCK_DIR");
  char tmpl[] = "/tmp/dialup-bench-locks-XXXXXX";
  if (!lock_dir && ::mkdtemp(tmpl)) ::setenv("DIALUP_LOCK_DIR", tmpl, 1);

  std::vector<run_result> results;
  results.push_back(run("TIOCMIWAIT", DIALUP_FAKE_LINES_ON, line_events::interrupt_wait, changes));
  results.push_back(run("polling 25 ms",
                        DIALUP_FAKE_LINES_ON | DIALUP_FAKE_LINES_NO_MIWAIT | DIALUP_FAKE_LINES_NO_ICOUNT,
                        line_events::polling, poll_changes));
  bool stop_ok = true;
  const figures stop = stop_times(200, stop_ok);
  if (!lock_dir) ::rmdir(tmpl);

  std::printf("modem-control event latency, microseconds (DCD toggled, one change at a time)\n");
  std::printf("%-14s %8s | %27s | %27s | %27s\n", "way", "changes", "driven -> handler p50/p99/max",
              "driven -> driver's at", "at -> handler (post)");
  for (const auto& r : results)
    std::printf("%-14s %8d | %8.1f %8.1f %9.1f | %8.1f %8.1f %9.1f | %8.1f %8.1f %9.1f\n", r.way, r.changes,
                r.to_handler.p50, r.to_handler.p99, r.to_handler.max, r.to_driver.p50, r.to_driver.p99,
                r.to_driver.max, r.post.p50, r.post.p99, r.post.max);
  std::printf("close() with the helper asleep in TIOCMIWAIT, 200 opens: p50 %.1f  p99 %.1f  max %.1f\n", stop.p50,
              stop.p99, stop.max);
  std::printf("{\"bench\":\"line_event_bench\",\"close_us\":{\"p50\":%.1f,\"p99\":%.1f,\"max\":%.1f}", stop.p50,
              stop.p99, stop.max);
  for (const auto& r : results) {
    const char* key = r.way[0] == 'T' ? "tiocmiwait" : "polling";
    std::printf(",\"%s\":{\"changes\":%d,\"ok\":%s,\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,"
                "\"driver_p50_us\":%.1f,\"driver_p99_us\":%.1f,\"post_p50_us\":%.1f,\"post_p99_us\":%.1f}",
                key, r.changes, r.ok ? "true" : "false", r.to_handler.p50, r.to_handler.p99, r.to_handler.max,
                r.to_driver.p50, r.to_driver.p99, r.post.p50, r.post.p99);
  }
  std::printf("}\n");
  for (const auto& r : results)
    if (!r.ok) return 1;
  return stop_ok ? 0 : 1;
}
