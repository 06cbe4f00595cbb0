// rfc2217_bench — the RFC 2217 client's figures, measured, printed as a table and as one
// JSON line.
//
//   1. AT round trip (`AT\r` → echo and `OK`) through the engine's at_channel over
//      rfc2217_transport on loopback to hw-sim's RFC 2217 server (time scale 0), beside a raw
//      blocking TCP ping-pong of the same bytes to the same server (hw-sim takes plain bytes
//      as data), in alternating batches of the same run. Target: engine / raw p50 <= 1.3.
//      The same against a minimal RFC 2217 responder thread (no simulator behind it), with
//      the transport alone too, splits the client's cost from the AT channel's.
//   2. N RFC 2217 connections (default 500) held by one engine thread (one io_context) to
//      `dialup-sim --modems N --rfc2217 0` run as a child process, every modem in a call
//      (DCD up): CPU of the engine thread per idle connection per second over an idle
//      period; memory per connection (RSS and heap deltas / N; target < 32 KiB); then
//      `drop all` on dialup-sim's control socket and the time until every client's
//      DCD-fall event handler ran.
//
//   rfc2217_bench [--samples N] [--connections N] [--idle SECONDS] [--sim PATH] [--quick]
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "dialup/drivers/rfc2217_transport.hpp"
#include "dialup/engine/at_channel.hpp"
#include "dialup/hwsim/simulator.hpp"
#include "telnet_codec.hpp"

namespace asio = boost::asio;
namespace telnet = dialup::drivers::telnet;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

struct stats {
  double p50 = 0, p99 = 0, mean = 0, max = 0;
  std::size_t n = 0;
};

stats summarize(std::vector<double> v) {
  stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.n = v.size();
  s.p50 = v[v.size() / 2];
  s.p99 = v[std::min(v.size() - 1, v.size() * 99 / 100)];
  s.max = v.back();
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  return s;
}

double us(clock_type::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

// --- 1. AT round trip ---------------------------------------------------------------------

// What hw-sim's modem answers to "AT\r" with E1: the echo, then the result code.
const std::string k_reply = "AT\r\r\nOK\r\n";

int listen_loopback(std::uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 4) != 0)
    fail("listen on 127.0.0.1");
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

bool write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    auto n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

// A responder thread on one accepted connection: each CR in the data is answered with
// k_reply in one write. With `rfc2217` it also speaks just enough RFC 2217 for the client's
// open: DO COM-PORT-OPTION on accept, every COM-PORT command answered with its code + 100
// and the value asked, the modem state after SET-MODEMSTATE-MASK.
void responder(int listen_fd, bool rfc2217, std::atomic<bool>& stop) {
  int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  telnet::decoder dec;
  if (rfc2217) write_all(fd, std::string{'\xff', '\xfd', 44});
  char buf[4096];
  while (!stop) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    std::string out;
    if (!rfc2217) {
      for (ssize_t i = 0; i < n; ++i)
        if (buf[i] == '\r') out += k_reply;
    } else {
      std::string data;
      std::vector<telnet::command> cmds;
      dec.feed(std::string_view(buf, static_cast<std::size_t>(n)), data, cmds);
      for (const auto& c : cmds) {
        if (c.verb != telnet::sb || c.option != 44 || c.payload.empty()) continue;
        const auto cmd = static_cast<std::uint8_t>(c.payload[0]);
        out += telnet::subnegotiation(44, std::string(1, static_cast<char>(cmd + 100)) + c.payload.substr(1));
        if (cmd == 11) out += telnet::subnegotiation(44, std::string{107, 0x30});
      }
      for (char ch : data)
        if (ch == '\r') out += k_reply;
    }
    if (!out.empty() && !write_all(fd, out)) break;
  }
  ::close(fd);
}

std::shared_ptr<dialup::drivers::rfc2217_transport> open_rfc2217(asio::io_context& io, const std::string& name) {
  std::promise<std::pair<std::error_code, std::unique_ptr<dialup::drivers::rfc2217_transport>>> p;
  auto f = p.get_future();
  bool done = false;
  dialup::drivers::rfc2217_transport::async_open(
      io.get_executor(), name, {}, {}, [&](std::error_code ec, std::unique_ptr<dialup::drivers::rfc2217_transport> t) {
        done = true;
        p.set_value({ec, std::move(t)});
      });
  io.restart();
  while (!done) io.run_one();
  auto [ec, t] = f.get();
  if (ec) fail("open " + name + ": " + ec.message());
  return std::shared_ptr<dialup::drivers::rfc2217_transport>(std::move(t));
}

struct at_figures {
  stats sim, raw_sim;             // to hw-sim: at_channel over RFC 2217, and raw TCP
  stats fake, transport, raw;     // to the responder: at_channel, the transport alone, raw TCP
};

int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fail("connect 127.0.0.1:" + std::to_string(port));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Raw blocking ping-pong: "AT\r" out, read until the reply's "OK\r\n" is in.
double raw_ping(int fd) {
  char buf[256];
  std::string got;
  auto t = clock_type::now();
  write_all(fd, "AT\r");
  while (got.find("OK\r\n") == std::string::npos) {
    auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) fail("raw read");
    got.append(buf, static_cast<std::size_t>(n));
  }
  return us(clock_type::now() - t);
}

at_figures at_round_trip(int samples) {
  // hw-sim's server, on a thread of its own, in virtual time (no simulated delays).
  asio::io_context sim_io;
  auto sim_work = asio::make_work_guard(sim_io);
  dialup::hwsim::simulator_options so;
  so.time_scale = 0;
  dialup::hwsim::simulator sim(sim_io.get_executor(), so);
  sim.add_modem();
  sim.add_modem();
  const auto sim_port = sim.serve_rfc2217(0);
  const auto sim_raw_port = sim.serve_rfc2217(1);  // the same server, for the raw client
  std::thread sim_thread([&] { sim_io.run(); });

  std::atomic<bool> stop{false};
  std::uint16_t fake_port = 0, fake2_port = 0, raw_port = 0;
  const int fake_listen = listen_loopback(fake_port), fake2_listen = listen_loopback(fake2_port),
            raw_listen = listen_loopback(raw_port);
  std::thread fake_thread(responder, fake_listen, true, std::ref(stop));
  std::thread fake2_thread(responder, fake2_listen, true, std::ref(stop));
  std::thread raw_thread(responder, raw_listen, false, std::ref(stop));

  asio::io_context io;
  auto to_sim = open_rfc2217(io, "rfc2217://127.0.0.1:" + std::to_string(sim_port));
  auto to_fake = open_rfc2217(io, "rfc2217://127.0.0.1:" + std::to_string(fake_port));
  auto ch_sim = std::make_shared<dialup::at_channel>(io.get_executor(), to_sim, dialup::response_table::generic(), 50ms, 3);
  auto ch_fake = std::make_shared<dialup::at_channel>(io.get_executor(), to_fake, dialup::response_table::generic(), 50ms, 3);
  ch_sim->start();
  ch_fake->start();

  const int raw_fd = connect_loopback(raw_port);
  // Raw TCP to hw-sim's server: no negotiation at all (hw-sim takes plain bytes as data);
  // what it sends on accept is read and dropped first.
  const int raw_sim_fd = connect_loopback(sim_raw_port);
  std::this_thread::sleep_for(100ms);
  {
    char buf[512];
    pollfd p{raw_sim_fd, POLLIN, 0};
    while (::poll(&p, 1, 50) > 0 && ::read(raw_sim_fd, buf, sizeof buf) > 0) {
    }
  }

  std::vector<double> sim_rtt, raw_sim_rtt, fake_rtt, transport_rtt, raw_rtt;
  const int batch = 100;
  const int batches = std::max(1, samples / batch) + 1;  // the first batch of each warms up
  auto engine_batch = [&](dialup::at_channel& ch, std::vector<double>& out, bool keep) {
    int left = batch;
    std::function<void()> next = [&] {
      auto t = clock_type::now();
      ch.async_command("AT", {1000ms, false}, [&, t](std::error_code e, dialup::at_reply) {
        if (e) fail("AT: " + e.message());
        if (keep) out.push_back(us(clock_type::now() - t));
        if (--left > 0) next();
      });
    };
    next();
    io.restart();
    while (left > 0) io.run_one();
  };
  for (int b = 0; b < batches; ++b) {
    engine_batch(*ch_sim, sim_rtt, b > 0);
    for (int i = 0; i < batch; ++i) {
      const double t = raw_ping(raw_sim_fd);
      if (b > 0) raw_sim_rtt.push_back(t);
    }
    engine_batch(*ch_fake, fake_rtt, b > 0);
    for (int i = 0; i < batch; ++i) {
      const double t = raw_ping(raw_fd);
      if (b > 0) raw_rtt.push_back(t);
    }
  }
  ch_sim->stop();
  ch_fake->stop();
  // The transport alone (no AT channel) to the responder: write, read until OK.
  {
    auto to_fake2 = open_rfc2217(io, "rfc2217://127.0.0.1:" + std::to_string(fake2_port));
    std::array<char, 256> buf{};
    for (int b = 0; b < batches; ++b) {
      for (int i = 0; i < batch; ++i) {
        std::string got;
        bool done = false;
        const auto t = clock_type::now();
        std::function<void()> read = [&] {
          to_fake2->async_read_some(asio::buffer(buf), [&](std::error_code e, std::size_t n) {
            if (e) fail("transport read: " + e.message());
            got.append(buf.data(), n);
            if (got.find("OK\r\n") != std::string::npos) done = true;
            else read();
          });
        };
        to_fake2->async_write(asio::buffer("AT\r", 3), [](std::error_code, std::size_t) {});
        read();
        io.restart();
        while (!done) io.run_one();
        if (b > 0) transport_rtt.push_back(us(clock_type::now() - t));
      }
    }
    to_fake2->close();
  }
  to_sim->close();
  to_fake->close();
  io.restart();
  io.run_for(100ms);
  ::close(raw_fd);
  ::close(raw_sim_fd);
  stop = true;
  fake_thread.join();
  fake2_thread.join();
  raw_thread.join();
  ::close(fake_listen);
  ::close(fake2_listen);
  ::close(raw_listen);
  sim.shutdown();
  sim_work.reset();
  sim_io.stop();
  sim_thread.join();
  return {summarize(sim_rtt), summarize(raw_sim_rtt), summarize(fake_rtt), summarize(transport_rtt),
          summarize(raw_rtt)};
}

// --- 2. N connections on one engine thread ----------------------------------------------

struct many_figures {
  int n = 0;
  int opened = 0, in_call = 0, dcd_fell = 0;
  double open_ms = 0;
  double idle_s = 0;
  double idle_cpu_us_per_conn_s = 0;
  double rss_bytes_per_conn = 0, heap_bytes_per_conn = 0;
  stats detect_ms;      // from `drop all` sent to each client's handler
  stats detect_at_ms;   // from `drop all` sent to each event's `at` (decoded)
  double drop_all_reply_ms = 0;  // dialup-sim's answer to the control command
};

long rss_bytes() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * ::sysconf(_SC_PAGESIZE);
}

double thread_cpu_us() {
  rusage ru{};
  ::getrusage(RUSAGE_THREAD, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

// dialup-sim as a child: its stdout (one line per modem) through a pipe; killed at the end.
struct sim_process {
  pid_t pid = -1;
  FILE* out = nullptr;
  std::string control;
  sim_process(const std::string& program, int modems) {
    control = "/tmp/rfc2217-bench-" + std::to_string(::getpid()) + ".sock";
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) fail("pipe");
    pid = ::fork();
    if (pid < 0) fail("fork");
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::dup2(p[1], 1);
      const std::string n = std::to_string(modems);
      ::execl(program.c_str(), program.c_str(), "--modems", n.c_str(), "--rfc2217", "0", "--time-scale", "0",
              "--control", control.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(p[1]);
    out = ::fdopen(p[0], "r");
  }
  ~sim_process() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
    if (out) ::fclose(out);
  }
  // The modems' rfc2217:// names, read from its stdout until the "control" line.
  std::vector<std::string> names() {
    std::vector<std::string> v;
    char line[512];
    while (std::fgets(line, sizeof line, out)) {
      std::string s(line);
      if (s.rfind("control ", 0) == 0) break;
      const auto at = s.find("rfc2217://");
      if (at == std::string::npos) continue;
      auto name = s.substr(at);
      while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
      v.push_back(name);
    }
    return v;
  }
  // Sends one control command and reads its reply line.
  std::string command(const std::string& cmd) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", control.c_str());
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fail("connect " + control);
    write_all(fd, cmd + "\n");
    std::string reply;
    char c;
    while (::read(fd, &c, 1) == 1 && c != '\n') reply += c;
    ::close(fd);
    return reply;
  }
};

many_figures many_connections(const std::string& program, int n, double idle_seconds) {
  many_figures f;
  f.n = n;
  sim_process sim(program, n);
  const auto names = sim.names();
  if (static_cast<int>(names.size()) != n) fail("dialup-sim served " + std::to_string(names.size()) + " ports");

  asio::io_context io;  // the engine thread: this one
  using transport_ptr = std::unique_ptr<dialup::drivers::rfc2217_transport>;
  std::vector<transport_ptr> ports(static_cast<std::size_t>(n));
  ::malloc_trim(0);
  const long rss0 = rss_bytes();
  const auto heap0 = ::mallinfo2().uordblks;
  const auto t0 = clock_type::now();
  int done = 0;
  for (int i = 0; i < n; ++i) {
    dialup::drivers::rfc2217_transport::async_open(io.get_executor(), names[static_cast<std::size_t>(i)], {}, {},
                                                   [&, i](std::error_code ec, transport_ptr t) {
                                                     ++done;
                                                     if (!ec) {
                                                       ++f.opened;
                                                       ports[static_cast<std::size_t>(i)] = std::move(t);
                                                     }
                                                   });
  }
  while (done < n) io.run_one();
  f.open_ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();

  // Every modem into a call: ATDT5550100; the DCD-up event says it connected.
  const std::string dial = "ATDT5550100\r";
  int waiting = 0;
  for (auto& t : ports) {
    if (!t) continue;
    ++waiting;
    t->async_write(asio::buffer(dial), [](std::error_code, std::size_t) {});
    auto* tp = t.get();
    // The re-arming function holds itself weakly: the outstanding wait's handler keeps it
    // alive, and it goes with the last handler (a strong self-reference would leak it).
    auto rearm = std::make_shared<std::function<void()>>();
    *rearm = [&, tp, weak = std::weak_ptr<std::function<void()>>(rearm)] {
      auto self = weak.lock();
      if (!self) return;
      tp->async_wait_lines([&, self](std::error_code ec, const dialup::modem_line_event& ev) {
        if (ec) {
          --waiting;
          return;
        }
        if (ev.lines.dcd) {
          ++f.in_call;
          --waiting;
          return;
        }
        (*self)();
      });
    };
    (*rearm)();
  }
  const auto dial_end = clock_type::now() + 60s;
  while (waiting > 0 && clock_type::now() < dial_end) io.run_one_for(100ms);

  const long rss1 = rss_bytes();
  const auto heap1 = ::mallinfo2().uordblks;
  f.rss_bytes_per_conn = static_cast<double>(rss1 - rss0) / n;
  f.heap_bytes_per_conn = static_cast<double>(heap1 - heap0) / n;

  // Idle: every connection in a call, nothing moving (what follows CONNECT is read first).
  // The engine thread's CPU over it.
  io.restart();
  io.run_for(500ms);
  const double cpu0 = thread_cpu_us();
  const auto idle0 = clock_type::now();
  io.restart();
  io.run_for(std::chrono::milliseconds(static_cast<long>(idle_seconds * 1000)));
  f.idle_s = std::chrono::duration<double>(clock_type::now() - idle0).count();
  const double cpu1 = thread_cpu_us();
  f.idle_cpu_us_per_conn_s = (cpu1 - cpu0) / f.idle_s / n;

  // The drop on all: a wait on every port, then `drop all`.
  std::vector<double> detect, detect_at;
  detect.reserve(static_cast<std::size_t>(n));
  int pending = 0;
  clock_type::time_point sent{};
  for (auto& t : ports) {
    if (!t) continue;
    ++pending;
    t->async_wait_lines([&](std::error_code ec, const dialup::modem_line_event& ev) {
      --pending;
      if (ec || ev.lines.dcd) return;
      ++f.dcd_fell;
      detect.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - sent).count());
      detect_at.push_back(std::chrono::duration<double, std::milli>(ev.at - sent).count());
    });
  }
  // The control command is sent from another thread, so the engine thread is already
  // waiting in its loop when the notifications come.
  std::promise<double> reply_ms;
  sent = clock_type::now();
  std::thread ctl([&] {
    const auto r = sim.command("drop all");
    reply_ms.set_value(std::chrono::duration<double, std::milli>(clock_type::now() - sent).count());
    if (r.rfind("OK", 0) != 0) std::cerr << "dialup-sim: " << r << "\n";
  });
  const auto drop_end = clock_type::now() + 30s;
  io.restart();
  while (pending > 0 && clock_type::now() < drop_end) io.run_one_for(100ms);
  ctl.join();
  f.drop_all_reply_ms = reply_ms.get_future().get();
  f.detect_ms = summarize(detect);
  f.detect_at_ms = summarize(detect_at);

  ports.clear();
  io.restart();
  io.run_for(200ms);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  int samples = 3000;
  int connections = 500;
  double idle = 5;
  std::string sim_program = DIALUP_SIM_PATH;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      samples = 300;
      connections = 20;
      idle = 1;
    } else if (a == "--samples" && i + 1 < argc) {
      samples = std::stoi(argv[++i]);
    } else if (a == "--connections" && i + 1 < argc) {
      connections = std::stoi(argv[++i]);
    } else if (a == "--idle" && i + 1 < argc) {
      idle = std::stod(argv[++i]);
    } else if (a == "--sim" && i + 1 < argc) {
      sim_program = argv[++i];
    } else {
      std::cerr << "usage: rfc2217_bench [--samples N] [--connections N] [--idle SECONDS] [--sim PATH] [--quick]\n";
      return 1;
    }
  }
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &rl);
  ::signal(SIGPIPE, SIG_IGN);

  try {
    const auto at = at_round_trip(samples);
    const auto many = many_connections(sim_program, connections, idle);

    auto row = [](const char* what, const stats& st) {
      std::printf("%-52s %10.1f %10.1f %10.1f %8zu\n", what, st.p50, st.p99, st.mean, st.n);
    };
    std::printf("%-52s %10s %10s %10s %8s\n", "AT\\r -> echo + OK (9 bytes back)", "p50 us", "p99 us", "mean us", "n");
    row("at_channel, RFC 2217 -> hw-sim's server", at.sim);
    row("raw TCP ping-pong -> hw-sim's server", at.raw_sim);
    row("at_channel, RFC 2217 -> minimal responder", at.fake);
    row("rfc2217_transport alone -> minimal responder", at.transport);
    row("raw TCP ping-pong -> minimal responder", at.raw);
    std::printf("engine/raw p50: to hw-sim %.2f (target <= 1.3); to the responder %.2f, the transport alone %.2f\n\n",
                at.sim.p50 / at.raw_sim.p50, at.fake.p50 / at.raw.p50, at.transport.p50 / at.raw.p50);
    std::printf("%d connections on one thread: %d open (%.0f ms), %d in a call\n", many.n, many.opened, many.open_ms,
                many.in_call);
    std::printf("  idle CPU      %10.3f us per connection per second (over %.1f s)\n", many.idle_cpu_us_per_conn_s,
                many.idle_s);
    std::printf("  memory        %10.1f KiB RSS, %.1f KiB heap per connection (target < 32 KiB)\n",
                many.rss_bytes_per_conn / 1024.0, many.heap_bytes_per_conn / 1024.0);
    std::printf("  DCD drop      %d of %d events; from `drop all` sent: handler p50 %.1f ms, p99 %.1f ms, all by "
                "%.1f ms; decoded (event.at) all by %.1f ms; dialup-sim answered the command after %.1f ms\n",
                many.dcd_fell, many.n, many.detect_ms.p50, many.detect_ms.p99, many.detect_ms.max,
                many.detect_at_ms.max, many.drop_all_reply_ms);
    std::printf(
        "{\"at_rfc2217_hwsim_us\":{\"p50\":%.2f,\"p99\":%.2f},\"raw_tcp_hwsim_us\":{\"p50\":%.2f,\"p99\":%.2f},"
        "\"at_rfc2217_responder_us\":{\"p50\":%.2f,\"p99\":%.2f},\"transport_responder_us\":{\"p50\":%.2f,\"p99\":%.2f},"
        "\"raw_tcp_responder_us\":{\"p50\":%.2f,\"p99\":%.2f},\"ratio_hwsim\":%.3f,\"ratio_responder\":%.3f,"
        "\"ratio_transport\":%.3f,"
        "\"connections\":{\"n\":%d,\"opened\":%d,\"in_call\":%d,\"open_ms\":%.1f,\"idle_cpu_us_per_conn_s\":%.4f,"
        "\"rss_bytes_per_conn\":%.0f,\"heap_bytes_per_conn\":%.0f,\"dcd_events\":%d,\"dcd_detect_ms\":{\"p50\":%.2f,"
        "\"p99\":%.2f,\"all\":%.2f},\"dcd_decoded_all_ms\":%.2f,\"drop_all_reply_ms\":%.2f}}\n",
        at.sim.p50, at.sim.p99, at.raw_sim.p50, at.raw_sim.p99, at.fake.p50, at.fake.p99, at.transport.p50,
        at.transport.p99, at.raw.p50, at.raw.p99, at.sim.p50 / at.raw_sim.p50, at.fake.p50 / at.raw.p50,
        at.transport.p50 / at.raw.p50, many.n, many.opened, many.in_call, many.open_ms, many.idle_cpu_us_per_conn_s,
        many.rss_bytes_per_conn, many.heap_bytes_per_conn, many.dcd_fell, many.detect_ms.p50, many.detect_ms.p99,
        many.detect_ms.max, many.detect_at_ms.max, many.drop_all_reply_ms);
    return many.opened == many.n && many.in_call == many.n && many.dcd_fell == many.n ? 0 : 2;
  } catch (const std::exception& e) {
    std::cerr << "rfc2217_bench: " << e.what() << "\n";
    return 1;
  }
}
