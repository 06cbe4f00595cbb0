// engine_bench — the engine's speed and memory figures, measured, printed as a table and
// as one JSON line.
//
//   1. Notification hop: from the engine entering a state to the notifier running on the
//      caller's loop (another thread), p50/p99 — beside a bare cross-thread asio::post
//      measured in the same run. Target: p50 within 2x of the bare post.
//   2. One AT command round trip through the engine (AT channel + serial driver) over a
//      pty to a minimal responder — beside a raw blocking write/read ping-pong on the same
//      kind of pty. Target: within 1.3x.
//   3. N simultaneous dials (N = 1, 100, 1000) against hw-sim modems on ptys at time scale
//      0, all on one engine thread: engine CPU time per dial, heap per connection.
//      Targets: CPU per dial at N=1000 within 1.5x of N=1; under 64 KiB per connection.
//
//   engine_bench [--samples N] [--dials 1,100,1000] [--quick]
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <future>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "dialup/drivers/serial_transport.hpp"
#include "dialup/engine/at_channel.hpp"
#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/event_loop.hpp"
#include "dialup/hwsim/simulator.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

struct stats {
  double p50 = 0, p99 = 0, mean = 0;
  std::size_t n = 0;
};

stats summarize(std::vector<double> v) {
  stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.n = v.size();
  s.p50 = v[v.size() / 2];
  s.p99 = v[std::min(v.size() - 1, v.size() * 99 / 100)];
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  return s;
}

double us(clock_type::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// --- 1. Notification hop --------------------------------------------------------------

// An in-memory modem that answers at once: OK to commands, CONNECT to ATD, OK to +++.
class instant_modem final : public dialup::transport {
 public:
  explicit instant_modem(asio::any_io_executor ex) : ex_(ex) {}
  void async_read_some(asio::mutable_buffer b, io_handler h) override {
    buf_ = b;
    reader_ = std::move(h);
    pump();
  }
  void async_write(asio::const_buffer b, io_handler h) override {
    std::string_view in(static_cast<const char*>(b.data()), b.size());
    for (char c : in) {
      if (online_) {
        plus_ = c == '+' ? plus_ + 1 : 0;
        if (plus_ == 3) {
          online_ = false;
          out_ += "\r\nOK\r\n";
        }
        continue;
      }
      if (c == '\r') {
        bool dial = line_.rfind("ATD", 0) == 0;
        out_ += dial ? "\r\nCONNECT 33600\r\n" : "\r\nOK\r\n";
        online_ = dial;
        line_.clear();
      } else {
        line_ += c;
      }
    }
    asio::post(ex_, [h = std::move(h), n = b.size()] { h({}, n); });
    pump();
  }
  void cancel() override {
    if (reader_) asio::post(ex_, [h = std::exchange(reader_, nullptr)] { h(std::make_error_code(std::errc::operation_canceled), 0); });
  }
  void close() override { cancel(); }
  bool is_open() const override { return true; }
  std::string name() const override { return "instant"; }

 private:
  void pump() {
    if (!reader_ || out_.empty()) return;
    auto n = std::min(buf_.size(), out_.size());
    std::memcpy(buf_.data(), out_.data(), n);
    out_.erase(0, n);
    asio::post(ex_, [h = std::exchange(reader_, nullptr), n] { h({}, n); });
  }
  asio::any_io_executor ex_;
  asio::mutable_buffer buf_;
  io_handler reader_;
  std::string out_, line_;
  bool online_ = false;
  int plus_ = 0;
};

class instant_factory final : public dialup::transport_factory {
 public:
  void async_open(const std::string&, const dialup::port_settings&, asio::any_io_executor ex,
                  open_handler h) override {
    auto box = std::make_shared<std::unique_ptr<dialup::transport>>(std::make_unique<instant_modem>(ex));
    asio::post(ex, [h = std::move(h), box] { h({}, std::move(*box)); });
  }
};

std::pair<stats, stats> notification_hop(int dials) {
  dialup::engine_options o;
  o.transports = std::make_shared<instant_factory>();
  dialup::connection_manager mgr(std::move(o));
  asio::io_context caller;
  auto work = asio::make_work_guard(caller);
  std::thread caller_thread([&] { caller.run(); });

  dialup::dial_entry e;
  e.port = "instant";
  e.phone_number = "5550100";
  e.profile.escape_guard = 0ms;
  // No quiet wait after the reset's OK (at_channel's settle, resync_quiet): 250 ms of
  // silence a dial would put both threads to sleep, and the hop measured after it would be
  // this machine's wake-up from idle, not the engine's notification path.
  e.profile.resync_quiet = 0ms;

  std::vector<double> hops;
  hops.reserve(static_cast<std::size_t>(dials) * 6);
  for (int i = 0; i < dials; ++i) {
    std::promise<dialup::connection_handle> connected;
    std::error_code ec;
    mgr.dial(e, {}, {},
             dialup::notifier::on_event(asio::bind_executor(caller, [&](const dialup::dial_event& ev) {
               hops.push_back(us(clock_type::now() - ev.time));
               if (ev.state == dialup::conn_state::connected || ev.error) connected.set_value(ev.handle);
             })),
             ec);
    auto h = connected.get_future().get();
    mgr.hang_up(h);
    mgr.wait_retired(h, 5s);
  }

  // The bare cross-thread post, from a thread of its own to the same caller loop.
  std::vector<double> bare;
  bare.reserve(hops.size());
  std::mutex m;
  std::thread poster([&] {
    for (std::size_t i = 0; i < hops.size(); ++i) {
      auto t = clock_type::now();
      std::promise<void> done;
      asio::post(caller, [&, t] {
        bare.push_back(us(clock_type::now() - t));
        done.set_value();
      });
      done.get_future().wait();
    }
  });
  poster.join();
  work.reset();
  caller_thread.join();
  return {summarize(hops), summarize(bare)};
}

// --- 2. AT round trip over a pty -------------------------------------------------------

struct pty_pair {
  int master = -1;
  std::string slave;
  pty_pair() {
    master = ::posix_openpt(O_RDWR | O_NOCTTY);
    ::grantpt(master);
    ::unlockpt(master);
    slave = ::ptsname(master);
    // Make the slave raw so the line discipline adds nothing.
    int s = ::open(slave.c_str(), O_RDWR | O_NOCTTY);
    termios t{};
    ::tcgetattr(s, &t);
    ::cfmakeraw(&t);
    ::tcsetattr(s, TCSANOW, &t);
    ::close(s);
  }
  ~pty_pair() { ::close(master); }
};

// Answers every CR with "\r\nOK\r\n" (no echo), until stop.
void responder(int fd, std::atomic<bool>& stop) {
  char buf[256];
  while (!stop) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) continue;
    for (ssize_t i = 0; i < n; ++i)
      if (buf[i] == '\r') [[maybe_unused]] auto w = ::write(fd, "\r\nOK\r\n", 6);
  }
}

std::pair<stats, stats> at_round_trip(int samples) {
  // Two ptys of the same kind, each with its own responder thread: the engine on one, the
  // raw ping-pong on the other, measured in alternating batches so that whatever else the
  // machine is doing weighs on both alike.
  pty_pair engine_pty, raw_pty;
  std::atomic<bool> stop{false};
  std::thread resp1(responder, engine_pty.master, std::ref(stop));
  std::thread resp2(responder, raw_pty.master, std::ref(stop));

  asio::io_context io;
  std::error_code ec;
  dialup::port_settings ps;
  std::shared_ptr<dialup::transport> port =
      dialup::drivers::serial_transport::open(io.get_executor(), engine_pty.slave, ps, ec);
  if (ec) throw std::system_error(ec, "open " + engine_pty.slave);
  auto ch = std::make_shared<dialup::at_channel>(io.get_executor(), port,
                                                 dialup::response_table::generic(), 50ms, 3);
  ch->start();
  int raw_fd = ::open(raw_pty.slave.c_str(), O_RDWR | O_NOCTTY);

  std::vector<double> engine_rtt, raw_rtt;
  const int batch = 100;
  const int batches = std::max(1, samples / batch) + 1;  // the first batch of each warms up
  for (int b = 0; b < batches; ++b) {
    // Through the engine: serial driver + AT channel.
    int left = batch;
    std::function<void()> next = [&] {
      auto t = clock_type::now();
      ch->async_command("AT", {1000ms, false}, [&, t](std::error_code e, dialup::at_reply) {
        if (e) throw std::system_error(e, "AT");
        if (b > 0) engine_rtt.push_back(us(clock_type::now() - t));
        if (--left > 0) next();
      });
    };
    next();
    io.restart();
    while (left > 0) io.run_one();
    // Raw: blocking write, then read until OK.
    char buf[64];
    for (int i = 0; i < batch; ++i) {
      auto t = clock_type::now();
      [[maybe_unused]] auto w = ::write(raw_fd, "AT\r", 3);
      std::string got;
      while (got.find("OK\r\n") == std::string::npos) {
        auto n = ::read(raw_fd, buf, sizeof buf);
        if (n <= 0) break;
        got.append(buf, static_cast<std::size_t>(n));
      }
      if (b > 0) raw_rtt.push_back(us(clock_type::now() - t));
    }
  }
  ch->stop();
  port->close();
  io.restart();
  io.poll();
  ::close(raw_fd);
  stop = true;
  resp1.join();
  resp2.join();
  return {summarize(engine_rtt), summarize(raw_rtt)};
}

// --- 3. N simultaneous dials ---------------------------------------------------------------

struct dial_figures {
  int n = 0;
  double cpu_us_per_dial = 0;
  double heap_bytes_per_connection = 0;
  double wall_ms = 0;
  int connected = 0;
};

double thread_cpu_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

std::vector<dial_figures> simultaneous_dials(const std::vector<int>& ns) {
  const int max_n = *std::max_element(ns.begin(), ns.end());
  asio::io_context sim_io;
  auto sim_work = asio::make_work_guard(sim_io);
  dialup::hwsim::simulator_options so;
  so.time_scale = 0;
  dialup::hwsim::simulator sim(sim_io.get_executor(), so);
  for (int i = 0; i < max_n; ++i) sim.add_modem();
  std::thread sim_thread([&] { sim_io.run(); });

  // The engine on one thread of ours, so its CPU time can be read there.
  asio::io_context engine_io;
  auto engine_work = asio::make_work_guard(engine_io);
  std::thread engine_thread([&] { engine_io.run(); });
  auto on_engine = [&](auto f) {
    std::promise<decltype(f())> p;
    asio::post(engine_io, [&] { p.set_value(f()); });
    return p.get_future().get();
  };

  std::vector<dial_figures> out;
  {
    dialup::engine_options o;
    o.transports = std::make_shared<dialup::drivers::serial_transport_factory>();
    o.executor = engine_io.get_executor();
    dialup::connection_manager mgr(std::move(o));
    asio::io_context caller;

    for (int n : ns) {
      dial_figures f;
      f.n = n;
      std::atomic<int> done{0};
      std::vector<dialup::connection_handle> handles;
      auto heap0 = ::mallinfo2().uordblks;
      auto cpu0 = on_engine([] { return thread_cpu_us(); });
      auto t0 = clock_type::now();
      for (int i = 0; i < n; ++i) {
        dialup::dial_entry e;
        e.port = sim.pty_path(static_cast<std::size_t>(i));
        e.phone_number = "5550100";
        // At time scale 0 the simulator's +++ needs S12=0; our guard time is then moot.
        e.profile.init = {"ATE1V1Q0X4&C1&D2S0=0S12=0"};
        e.profile.escape_guard = 0ms;
        std::error_code ec;
        handles.push_back(mgr.dial(e, {}, {},
                                   dialup::notifier::on_event(asio::bind_executor(
                                       caller, [&](const dialup::dial_event& ev) {
                                         if (ev.state == dialup::conn_state::connected) ++f.connected;
                                         if (ev.state == dialup::conn_state::connected || ev.error) ++done;
                                       })),
                                   ec));
      }
      while (done < n) {
        caller.restart();
        caller.run_for(100ms);
      }
      f.wall_ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
      auto cpu1 = on_engine([] { return thread_cpu_us(); });
      auto heap1 = ::mallinfo2().uordblks;
      f.cpu_us_per_dial = (cpu1 - cpu0) / n;
      f.heap_bytes_per_connection = static_cast<double>(heap1 - heap0) / n;
      for (auto h : handles) mgr.hang_up(h);
      for (auto h : handles) mgr.wait_retired(h, 20s);
      out.push_back(f);
    }
  }
  engine_work.reset();
  engine_thread.join();
  sim.shutdown();
  sim_work.reset();
  sim_io.stop();
  sim_thread.join();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int samples = 5000;
  int hop_dials = 1000;
  std::vector<int> ns = {1, 100, 1000};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      samples = 300;
      hop_dials = 50;
      ns = {1, 10};
    } else if (a == "--samples" && i + 1 < argc) {
      samples = std::stoi(argv[++i]);
    } else if (a == "--dials" && i + 1 < argc) {
      ns.clear();
      std::stringstream ss(argv[++i]);
      for (std::string x; std::getline(ss, x, ',');) ns.push_back(std::stoi(x));
    } else {
      std::cerr << "usage: engine_bench [--samples N] [--dials 1,100,1000] [--quick]\n";
      return 1;
    }
  }
  // 1,000 modems: a pty master in the simulator and the engine's slave for each.
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &rl);

  auto [hop, bare] = notification_hop(hop_dials);
  auto [at_engine, at_raw] = at_round_trip(samples);
  auto dials = simultaneous_dials(ns);

  std::printf("%-44s %10s %10s %10s %8s\n", "measure", "p50 us", "p99 us", "mean us", "n");
  std::printf("%-44s %10.1f %10.1f %10.1f %8zu\n", "notification hop (state -> caller loop)", hop.p50, hop.p99, hop.mean, hop.n);
  std::printf("%-44s %10.1f %10.1f %10.1f %8zu\n", "bare cross-thread post", bare.p50, bare.p99, bare.mean, bare.n);
  std::printf("%-44s %10.1f %10.1f %10.1f %8zu\n", "AT round trip through engine (pty)", at_engine.p50, at_engine.p99, at_engine.mean, at_engine.n);
  std::printf("%-44s %10.1f %10.1f %10.1f %8zu\n", "raw write/read ping-pong (pty)", at_raw.p50, at_raw.p99, at_raw.mean, at_raw.n);
  std::printf("hop p50 / bare p50 = %.2f (target <= 2)   engine AT p50 / raw p50 = %.2f (target <= 1.3)\n",
              hop.p50 / bare.p50, at_engine.p50 / at_raw.p50);
  std::printf("\n%-8s %12s %16s %12s %10s\n", "dials", "connected", "CPU us/dial", "heap/conn", "wall ms");
  for (const auto& d : dials)
    std::printf("%-8d %12d %16.1f %11.1fK %10.1f\n", d.n, d.connected, d.cpu_us_per_dial,
                d.heap_bytes_per_connection / 1024.0, d.wall_ms);
  if (dials.size() >= 2)
    std::printf("CPU per dial at N=%d / N=%d = %.2f (target <= 1.5)\n", dials.back().n, dials.front().n,
                dials.back().cpu_us_per_dial / dials.front().cpu_us_per_dial);

  std::printf("{\"notification_hop_us\":{\"p50\":%.2f,\"p99\":%.2f},\"bare_post_us\":{\"p50\":%.2f,\"p99\":%.2f},"
              "\"at_engine_us\":{\"p50\":%.2f,\"p99\":%.2f},\"at_raw_us\":{\"p50\":%.2f,\"p99\":%.2f},\"dials\":[",
              hop.p50, hop.p99, bare.p50, bare.p99, at_engine.p50, at_engine.p99, at_raw.p50, at_raw.p99);
  for (std::size_t i = 0; i < dials.size(); ++i)
    std::printf("%s{\"n\":%d,\"connected\":%d,\"cpu_us_per_dial\":%.1f,\"heap_bytes_per_connection\":%.0f,\"wall_ms\":%.1f}",
                i ? "," : "", dials[i].n, dials[i].connected, dials[i].cpu_us_per_dial,
                dials[i].heap_bytes_per_connection, dials[i].wall_ms);
  std::printf("]}\n");
  return 0;
}
