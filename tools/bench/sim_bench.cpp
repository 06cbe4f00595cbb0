// sim_bench — how much one hw-sim simulator process costs at scale.
//
//   sim_bench [--modems 1000] [--calls 500] [--commands 20000]
//
// One process hosts a dialup::hwsim::simulator (its own io_context and thread) with
// --modems modems on ptys, and a client side (a second io_context, on the main thread)
// that opens every pty slave as a real DTE would: raw termios, AT commands written,
// replies read through Asio. It reports:
//   * CPU time per AT command ("AT\r" → "AT\r\r\nOK\r\n"): getrusage user+sys of the whole
//     process over N commands / N, one command at a time, and with every modem busy at
//     once; beside it the bare cost of the same write/read round trip through one pty
//     whose master end just answers the same bytes (same Asio client code, same
//     two-thread layout), measured in the same run;
//   * memory per modem: VmRSS before and after adding the modems / count (user-space
//     memory; the kernel's pty buffers are not in RSS);
//   * idle CPU of the modems with no client (the simulator polls absent ports);
//   * calls per second set up at time_scale 0: --calls modem-to-modem calls (modem 2k
//     dials modem 2k+1, which auto-answers with S0=1), all started at once, until every
//     one of the 2 × calls modems has printed CONNECT; then all of them are checked to
//     be online at the same time, data is sent through every call, and every caller
//     drops DTR (B0) so every callee must see NO CARRIER; three rounds, the median shown.
// It prints a table and one JSON line. This is a program that prints figures, not a
// timed test: it fails (exit 1) only when something did not work at all.
#include <dialup/hwsim/simulator.hpp>

#include <dialup/hwsim/detail/asio.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

double cpu_seconds() {
  rusage r{};
  ::getrusage(RUSAGE_SELF, &r);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return tv(r.ru_utime) + tv(r.ru_stime);
}

long vm_rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

long read_long(const char* path) {
  std::ifstream f(path);
  long v = -1;
  f >> v;
  return v;
}

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

// Makes a pty slave look like a serial port a DTE has configured: raw 8N1, 115200.
void make_raw(int fd, speed_t speed = B115200) {
  termios t{};
  if (::tcgetattr(fd, &t) != 0) throw std::runtime_error("tcgetattr failed");
  ::cfmakeraw(&t);
  t.c_cflag |= CLOCAL | CREAD;
  ::cfsetispeed(&t, speed);
  ::cfsetospeed(&t, speed);
  if (::tcsetattr(fd, TCSANOW, &t) != 0) throw std::runtime_error("tcsetattr failed");
}

// One DTE: a pty slave read continuously into `in`.
struct client {
  std::unique_ptr<asio::posix::stream_descriptor> sd;
  std::string in;
  std::array<char, 2048> buf{};
  std::function<void(client&)> on_input;  // called after each read

  void open(asio::io_context& io, const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
    make_raw(fd);
    sd = std::make_unique<asio::posix::stream_descriptor>(io, fd);
    read();
  }
  void read() {
    sd->async_read_some(asio::buffer(buf), [this](boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      in.append(buf.data(), n);
      if (on_input) on_input(*this);
      read();
    });
  }
  void send(std::string_view s) { asio::write(*sd, asio::buffer(s.data(), s.size())); }
  bool has(std::string_view s) const { return in.find(s) != std::string::npos; }
};

// Runs the client io_context until pred() holds or the time runs out.
bool run_until(asio::io_context& io, const std::function<bool()>& pred, std::chrono::seconds limit) {
  const auto end = clock_type::now() + limit;
  while (!pred()) {
    if (clock_type::now() > end) return false;
    io.run_one_for(std::chrono::milliseconds(50));
  }
  return true;
}

struct at_figures {
  double cpu_us = 0;   // CPU per command, µs
  double wall_us = 0;  // wall time per command, µs
  std::size_t n = 0;
};

// The round with the median CPU per command.
at_figures median(std::vector<at_figures> v) {
  std::sort(v.begin(), v.end(), [](const at_figures& a, const at_figures& b) { return a.cpu_us < b.cpu_us; });
  at_figures m = v[v.size() / 2];
  m.n = 0;
  for (const auto& f : v) m.n += f.n;
  return m;
}

// N commands one at a time, cycling over `clients`.
at_figures sequential(asio::io_context& io, std::vector<client*>& clients, std::size_t n) {
  const std::string_view ok = "OK\r\n";
  const double c0 = cpu_seconds();
  const auto t0 = clock_type::now();
  for (std::size_t k = 0; k < n; ++k) {
    client& c = *clients[k % clients.size()];
    c.in.clear();
    c.send("AT\r");
    if (!run_until(io, [&] { return c.has(ok); }, std::chrono::seconds(10)))
      throw std::runtime_error("no OK to AT (command " + std::to_string(k) + ")");
  }
  at_figures f;
  f.n = n;
  f.cpu_us = (cpu_seconds() - c0) / static_cast<double>(n) * 1e6;
  f.wall_us = seconds_since(t0) / static_cast<double>(n) * 1e6;
  return f;
}

// N commands in total with every client busy at once (each sends the next AT as soon as
// its OK arrives).
at_figures parallel(asio::io_context& io, std::vector<client*>& clients, std::size_t n) {
  std::size_t sent = 0, done = 0;
  for (auto* c : clients) {
    c->in.clear();
    c->on_input = [&](client& me) {
      if (me.in.find("OK\r\n") == std::string::npos) return;
      me.in.clear();
      ++done;
      if (sent < n) {
        ++sent;
        me.send("AT\r");
      }
    };
  }
  const double c0 = cpu_seconds();
  const auto t0 = clock_type::now();
  for (auto* c : clients)
    if (sent < n) {
      ++sent;
      c->send("AT\r");
    }
  if (!run_until(io, [&] { return done >= sent && sent >= n; }, std::chrono::seconds(120)))
    throw std::runtime_error("parallel AT commands did not all finish");
  at_figures f;
  f.n = n;
  f.cpu_us = (cpu_seconds() - c0) / static_cast<double>(n) * 1e6;
  f.wall_us = seconds_since(t0) / static_cast<double>(n) * 1e6;
  for (auto* c : clients) c->on_input = nullptr;
  return f;
}

// The bare pty: a master on its own thread that answers every CR with the bytes a
// modem sends for "AT\r" (echo + OK), so the client's work per round trip is the same.
struct bare_pty {
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::unique_ptr<asio::posix::stream_descriptor> master;
  std::array<char, 2048> buf{};
  std::string slave;
  std::thread thread;

  bare_pty() {
    const int fd = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 || ::grantpt(fd) != 0 || ::unlockpt(fd) != 0) throw std::runtime_error("posix_openpt");
    char name[128];
    if (::ptsname_r(fd, name, sizeof name) != 0) throw std::runtime_error("ptsname_r");
    slave = name;
    make_raw(fd);
    master = std::make_unique<asio::posix::stream_descriptor>(io, fd);
    work.emplace(io.get_executor());
    read();
    thread = std::thread([this] { io.run(); });
  }
  ~bare_pty() {
    asio::post(io, [this] { master->close(); });
    work.reset();
    thread.join();
  }
  void read() {
    master->async_read_some(asio::buffer(buf), [this](boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      for (std::size_t i = 0; i < n; ++i)
        if (buf[i] == '\r') {
          static constexpr std::string_view reply = "AT\r\r\nOK\r\n";
          boost::system::error_code wec;
          asio::write(*master, asio::buffer(reply.data(), reply.size()), wec);
        }
      read();
    });
  }
};

struct options {
  std::size_t modems = 1000;
  std::size_t calls = 500;
  std::size_t commands = 20000;
};

void usage() {
  std::cerr << "usage: sim_bench [--modems N] [--calls N] [--commands N]\n"
               "  --modems N    simulated modems on ptys (default 1000)\n"
               "  --calls N     simultaneous modem-to-modem calls (default 500; needs 2N modems)\n"
               "  --commands N  AT commands per CPU measurement (default 20000)\n";
}

std::size_t parse_count(const char* s, const char* what) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (!end || *end || v == 0 || v > 100000) throw std::invalid_argument(std::string("bad ") + what + ": " + s);
  return static_cast<std::size_t>(v);
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "-h" || a == "--help") {
        usage();
        return 0;
      }
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      if (a == "--modems") opt.modems = parse_count(argv[++i], "--modems");
      else if (a == "--calls") opt.calls = parse_count(argv[++i], "--calls");
      else if (a == "--commands") opt.commands = parse_count(argv[++i], "--commands");
      else throw std::invalid_argument("unknown option " + a);
    }
    if (opt.calls * 2 > opt.modems) throw std::invalid_argument("--calls N needs --modems >= 2N");
  } catch (const std::exception& e) {
    std::cerr << "sim_bench: " << e.what() << "\n";
    usage();
    return 2;
  }

  std::vector<std::string> notes;

  // File descriptors: the simulator holds a pty master per modem, the client side a slave
  // per modem, plus epoll, timers and the bare pty.
  rlimit nofile{};
  ::getrlimit(RLIMIT_NOFILE, &nofile);
  const rlim_t soft_before = nofile.rlim_cur;
  if (nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &nofile);
    ::getrlimit(RLIMIT_NOFILE, &nofile);
  }
  const rlim_t need_fds = 2 * opt.modems + 64;
  if (nofile.rlim_cur != RLIM_INFINITY && nofile.rlim_cur < need_fds) {
    const std::size_t fit = nofile.rlim_cur > 64 ? (nofile.rlim_cur - 64) / 2 : 0;
    notes.push_back("open-file limit " + std::to_string(nofile.rlim_cur) + " (hard) allows only " +
                    std::to_string(fit) + " modems with their clients");
    opt.modems = std::min(opt.modems, fit);
  }
  // ptys: the kernel's limit, minus those in use (by anyone on the machine).
  const long pty_max = read_long("/proc/sys/kernel/pty/max");
  const long pty_nr = read_long("/proc/sys/kernel/pty/nr");
  if (pty_max > 0 && pty_nr >= 0) {
    const long free_ptys = pty_max - pty_nr - 1;  // -1: the bare pty
    if (free_ptys < static_cast<long>(opt.modems)) {
      notes.push_back("this machine can give only " + std::to_string(free_ptys) + " more ptys (kernel.pty.max " +
                      std::to_string(pty_max) + ", in use " + std::to_string(pty_nr) + "): modems reduced");
      opt.modems = static_cast<std::size_t>(std::max(0L, free_ptys));
    }
  }
  if (opt.calls * 2 > opt.modems) {
    notes.push_back("calls reduced to fit the modems");
    opt.calls = opt.modems / 2;
  }
  if (opt.modems == 0) {
    std::cerr << "sim_bench: no modem can be created here\n";
    for (auto& n : notes) std::cerr << "  " << n << "\n";
    return 1;
  }

  try {
    // ---- bare pty: kept for the whole run, measured in rounds alternating with the
    // simulator's, so both see the same machine load (the median of each is reported).
    asio::io_context bio;
    bare_pty bare_server;
    client bare_client;
    bare_client.open(bio, bare_server.slave);
    std::vector<client*> bare_one{&bare_client};
    sequential(bio, bare_one, std::min<std::size_t>(opt.commands, 1000));  // warm-up

    // ---- the simulator on its own thread.
    asio::io_context sio;
    auto work = asio::make_work_guard(sio);
    dialup::hwsim::simulator_options so;
    so.time_scale = 0;  // virtual time: calls set up as fast as the process can
    std::optional<dialup::hwsim::simulator> sim;
    sim.emplace(sio.get_executor(), so);
    std::thread sim_thread([&] { sio.run(); });

    const long rss_before = vm_rss_kib();
    const auto add0 = clock_type::now();
    for (std::size_t i = 0; i < opt.modems; ++i) sim->add_modem();
    const double add_s = seconds_since(add0);
    const long rss_after = vm_rss_kib();
    const double kib_per_modem =
        static_cast<double>(rss_after - rss_before) / static_cast<double>(opt.modems);

    // Idle: every port is waiting for a client.
    const double idle_c0 = cpu_seconds();
    const auto idle_t0 = clock_type::now();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const double idle_cpu_pct = (cpu_seconds() - idle_c0) / seconds_since(idle_t0) * 100.0;

    // ---- clients on every pty.
    asio::io_context cio;
    std::vector<std::unique_ptr<client>> clients;
    clients.reserve(opt.modems);
    for (std::size_t i = 0; i < opt.modems; ++i) {
      clients.push_back(std::make_unique<client>());
      clients.back()->open(cio, sim->pty_path(i));
    }
    std::vector<client*> all;
    for (auto& c : clients) all.push_back(c.get());
    // Every modem answers (the simulator notices a new client within its 20 ms poll).
    for (auto* c : all) c->send("ATE1V1Q0\r");
    if (!run_until(cio, [&] { return std::all_of(all.begin(), all.end(), [](client* c) { return c->has("OK\r\n"); }); },
                   std::chrono::seconds(60)))
      throw std::runtime_error("not every modem answered its first AT command");

    sequential(cio, all, std::min<std::size_t>(opt.commands, 1000));  // warm-up
    constexpr std::size_t k_rounds = 5;
    const std::size_t per_round = std::max<std::size_t>(1, opt.commands / k_rounds);
    std::vector<at_figures> bare_r, seq_r, par_r;
    for (std::size_t r = 0; r < k_rounds; ++r) {
      bare_r.push_back(sequential(bio, bare_one, per_round));
      seq_r.push_back(sequential(cio, all, per_round));
      par_r.push_back(parallel(cio, all, per_round));
    }
    const at_figures bare = median(bare_r), seq = median(seq_r), par = median(par_r);

    // ---- calls at time_scale 0.
    const std::size_t pairs = opt.calls;
    for (std::size_t p = 0; p < pairs; ++p) {
      client& callee = *all[2 * p + 1];
      callee.in.clear();
      callee.send("ATS0=1\r");
    }
    if (!run_until(cio, [&] {
          for (std::size_t p = 0; p < pairs; ++p)
            if (!all[2 * p + 1]->has("OK\r\n")) return false;
          return true;
        }, std::chrono::seconds(60)))
      throw std::runtime_error("ATS0=1 not answered");
    // Rounds: all calls dialled at once, checked online together, data through each,
    // every caller drops DTR, every callee sees NO CARRIER; then DTR back up.
    constexpr std::size_t k_call_rounds = 3;
    std::vector<double> call_rates, call_cpu_ms;
    std::size_t online_at_once = 2 * pairs;
    bool data_ok = true, hangup_ok = true;
    for (std::size_t round = 0; round < k_call_rounds; ++round) {
      for (auto* c : all) c->in.clear();
      const double call_c0 = cpu_seconds();
      const auto call_t0 = clock_type::now();
      for (std::size_t p = 0; p < pairs; ++p)
        all[2 * p]->send("ATDT" + sim->own_number(2 * p + 1) + "\r");
      const bool all_connected = run_until(cio, [&] {
        for (std::size_t i = 0; i < 2 * pairs; ++i)
          if (!all[i]->has("CONNECT")) return false;
        return true;
      }, std::chrono::seconds(300));
      const double call_s = seconds_since(call_t0);
      call_cpu_ms.push_back((cpu_seconds() - call_c0) / static_cast<double>(pairs) * 1e3);
      call_rates.push_back(static_cast<double>(pairs) / call_s);
      std::size_t connected = 0;
      for (std::size_t i = 0; i < 2 * pairs; ++i) connected += all[i]->has("CONNECT") ? 1 : 0;
      if (!all_connected)
        throw std::runtime_error("round " + std::to_string(round) + ": only " + std::to_string(connected) + " of " +
                                 std::to_string(2 * pairs) + " modems reached CONNECT");
      std::size_t online = 0;
      for (std::size_t i = 0; i < 2 * pairs; ++i)
        online += sim->mode(i) == dialup::hwsim::modem_mode::online_data ? 1 : 0;
      online_at_once = std::min(online_at_once, online);
      for (std::size_t i = 0; i < 2 * pairs; ++i) {
        all[i]->in.clear();
        all[i]->send(i % 2 ? "pong-from-callee" : "ping-from-caller");
      }
      data_ok = data_ok && run_until(cio, [&] {
        for (std::size_t p = 0; p < pairs; ++p)
          if (!all[2 * p + 1]->has("ping-from-caller") || !all[2 * p]->has("pong-from-callee")) return false;
        return true;
      }, std::chrono::seconds(120));
      for (std::size_t p = 0; p < pairs; ++p) {
        all[2 * p + 1]->in.clear();
        make_raw(all[2 * p]->sd->native_handle(), B0);
      }
      hangup_ok = hangup_ok && run_until(cio, [&] {
        for (std::size_t p = 0; p < pairs; ++p)
          if (!all[2 * p + 1]->has("NO CARRIER") || sim->off_hook(2 * p)) return false;
        return true;
      }, std::chrono::seconds(120));
      for (std::size_t p = 0; p < pairs; ++p) make_raw(all[2 * p]->sd->native_handle(), B115200);
      // DTR is back when the caller answers a command again.
      for (std::size_t p = 0; p < pairs; ++p) {
        all[2 * p]->in.clear();
        all[2 * p]->send("AT\r");
      }
      if (!run_until(cio, [&] {
            for (std::size_t p = 0; p < pairs; ++p)
              if (!all[2 * p]->has("OK\r\n")) return false;
            return true;
          }, std::chrono::seconds(60)))
        throw std::runtime_error("callers do not answer after the hang-up");
    }
    std::vector<double> sorted_rates = call_rates;
    std::sort(sorted_rates.begin(), sorted_rates.end());
    std::vector<double> sorted_cpu = call_cpu_ms;
    std::sort(sorted_cpu.begin(), sorted_cpu.end());
    const double calls_per_s = sorted_rates[sorted_rates.size() / 2];
    const double cpu_per_call_ms = sorted_cpu[sorted_cpu.size() / 2];
    std::string rounds_text;
    for (double r : call_rates) rounds_text += (rounds_text.empty() ? "" : ", ") + std::to_string(static_cast<long>(r));

    clients.clear();
    sim->shutdown();
    work.reset();
    sio.stop();
    sim_thread.join();


    std::printf("sim_bench: one simulator process, %zu modems on ptys, %zu modem-to-modem calls\n",
                opt.modems, pairs);
    std::printf("  open-file limit: soft %llu -> %llu (hard %llu); ptys: kernel.pty.max %ld\n",
                static_cast<unsigned long long>(soft_before), static_cast<unsigned long long>(nofile.rlim_cur),
                static_cast<unsigned long long>(nofile.rlim_max), pty_max);
    for (auto& n : notes) std::printf("  NOTE: %s\n", n.c_str());
    std::printf("  %-52s %12s %12s   (median of %zu rounds of %zu commands)\n", "measure", "CPU", "wall", k_rounds,
                per_round);
    std::printf("  %-52s %9.1f us %9.1f us\n", "bare pty write/read round trip (same bytes)", bare.cpu_us, bare.wall_us);
    std::printf("  %-52s %9.1f us %9.1f us\n", "AT command, one at a time over all modems", seq.cpu_us, seq.wall_us);
    std::printf("  %-52s %9.1f us %9.1f us\n", "AT command, all modems busy at once (per cmd)", par.cpu_us, par.wall_us);
    std::printf("  %-52s %9.1f us\n", "  simulator's own CPU per AT command (seq - bare)", seq.cpu_us - bare.cpu_us);
    std::printf("  %-52s %9.1f KiB (RSS %ld -> %ld KiB)\n", "memory per modem", kib_per_modem, rss_before, rss_after);
    std::printf("  %-52s %9.1f ms total\n", "time to add the modems (pty + link-free setup)", add_s * 1e3);
    std::printf("  %-52s %9.1f %% of one core\n", "idle CPU, modems without clients", idle_cpu_pct);
    std::printf("  %-52s %9.1f calls/s (median of %zu rounds of %zu calls: %s; %.3f ms CPU per call)\n",
                "calls set up at time_scale 0", calls_per_s, k_call_rounds, pairs, rounds_text.c_str(), cpu_per_call_ms);
    std::printf("  %-52s %zu of %zu modems online at once; data both ways %s; DTR drop -> NO CARRIER %s\n",
                "simultaneous calls", online_at_once, 2 * pairs, data_ok ? "ok" : "FAILED",
                hangup_ok ? "ok" : "FAILED");
    std::ostringstream notes_json;
    for (std::size_t i = 0; i < notes.size(); ++i) notes_json << (i ? "," : "") << '"' << notes[i] << '"';
    std::printf(
        "{\"modems\":%zu,\"calls\":%zu,\"commands\":%zu,\"bare_pty_rtt_cpu_us\":%.2f,\"bare_pty_rtt_wall_us\":%.2f,"
        "\"at_cmd_cpu_us\":%.2f,\"at_cmd_wall_us\":%.2f,\"at_cmd_parallel_cpu_us\":%.2f,"
        "\"at_cmd_parallel_wall_us\":%.2f,\"rss_before_kib\":%ld,\"rss_after_kib\":%ld,\"kib_per_modem\":%.2f,"
        "\"idle_cpu_pct\":%.2f,\"calls_per_s\":%.1f,\"cpu_ms_per_call\":%.3f,\"online_at_once\":%zu,"
        "\"data_ok\":%s,\"hangup_ok\":%s,\"notes\":[%s]}\n",
        opt.modems, pairs, opt.commands, bare.cpu_us, bare.wall_us, seq.cpu_us, seq.wall_us, par.cpu_us, par.wall_us,
        rss_before, rss_after, kib_per_modem, idle_cpu_pct, calls_per_s, cpu_per_call_ms, online_at_once,
        data_ok ? "true" : "false", hangup_ok ? "true" : "false", notes_json.str().c_str());
    return (online_at_once == 2 * pairs && data_ok && hangup_ok) ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "sim_bench: " << e.what() << "\n";
    return 1;
  }
}
