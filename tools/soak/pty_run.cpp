// dialup-soak --pty: seeded plans against real dialup-sim processes over real ptys, in
// scaled real time (pty_run.hpp, docs/soak.md §7).
//
// Per dial (on its lane's thread):
//   draw_plan(seed) ─ adapt to what can be done from outside ─> dial() ─> notifications,
//   resumes, faults through the sim's control socket, the caller's hang-up ─> retired
//   ─> a short settle (late notifications would show) ─> the checks ─> the next dial
// Every wait has a deadline: the dial's own (900 simulated s), the sims' start-up, every
// control command, the lanes at the end, the sims' exit.
#include "pty_run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <utility>  // before Asio with Boost 1.74 in C++20
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "dialup/drivers/serial_transport.hpp"
#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/data_stream.hpp"
#include "dialup/engine/event_loop.hpp"
#include "dialup/engine/virtual_clock.hpp"
#include "plan.hpp"
#include "prng.hpp"
#include "run.hpp"

namespace dialup::soak {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

std::atomic<int> g_signal{0};
extern "C" void on_signal(int s) { g_signal.store(s); }

std::string hex16(std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%016" PRIx64, v);
  return b;
}

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// ---------------------------------------------------------------------------------------
// One dialup-sim process: its modems' links and numbers, and its control socket.
class sim_process {
 public:
  std::string personality;
  std::vector<std::string> links;    // modem i's symlink
  std::vector<std::string> numbers;  // modem i's own number
  // A dial has (or may have) changed the account "expired"'s password: the sim's exchange
  // keeps it for every later call, where the in-process world starts afresh each dial.
  std::atomic<bool> expired_changed{false};

  ~sim_process() { stop(); }

  bool start(const std::string& exe, const std::string& dir, const std::string& pers, unsigned modems,
             double scale, std::string& err) {
    personality = pers;
    control_path_ = dir + "/" + pers + ".control";
    const std::string prefix = dir + "/" + pers + "-";
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return fail(err, "pipe");
    char scale_text[32];
    std::snprintf(scale_text, sizeof scale_text, "%g", scale);
    std::vector<std::string> args = {exe, "--modems", std::to_string(modems), "--link", prefix, "--personality",
                                     pers, "--time-scale", scale_text, "--control", control_path_};
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) return fail(err, "fork");
    if (pid_ == 0) {
      // Its own process group: a ^C at the terminal reaches the soak, which ends the sims
      // itself once its dials are hung up.
      ::setpgid(0, 0);
      // A soak that dies without ending them (a sanitizer's abort, SIGKILL) takes the sims
      // with it: nothing is left holding the ptys, the control sockets or the soak's
      // stdout. (The sims are started from the main thread, which lives as long as the soak.)
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(127);
      ::dup2(out[1], 1);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(exe.c_str(), argv.data());
      std::fprintf(stderr, "dialup-soak: cannot run %s: %s\n", exe.c_str(), std::strerror(errno));
      ::_exit(127);
    }
    ::close(out[1]);
    out_ = out[0];
    // "<index> <pty> <link> <number>" per modem, then "control <path>"; 10 s at most.
    std::string buf;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
      const auto nl = buf.find('\n');
      if (nl != std::string::npos) {
        const std::string line = buf.substr(0, nl);
        buf.erase(0, nl + 1);
        if (line.rfind("control ", 0) == 0) break;
        std::istringstream in(line);
        std::string index, pty, link, number;
        if (in >> index >> pty >> link >> number) {
          links.push_back(link);
          numbers.push_back(number);
        }
        continue;
      }
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) return fail(err, "dialup-sim -p " + pers + " did not start within 10 s");
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char b[512];
      const auto n = ::read(out_, b, sizeof b);
      if (n <= 0) return fail(err, "dialup-sim -p " + pers + " exited at start-up");
      buf.append(b, static_cast<std::size_t>(n));
    }
    if (links.size() != modems) return fail(err, "dialup-sim printed " + std::to_string(links.size()) + " modems");
    control_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", control_path_.c_str());
    if (control_ < 0 || ::connect(control_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      return fail(err, "cannot connect to " + control_path_);
    return true;
  }

  // One control command; its reply ("OK ..." last), or nullopt after 2 s. Blocks the calling
  // (lane) thread for that long at most: the sim answers in well under a millisecond.
  std::optional<std::string> command(const std::string& line) {
    std::lock_guard lock(mutex_);
    if (control_ < 0) return std::nullopt;
    const std::string l = line + "\n";
    if (::send(control_, l.data(), l.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(l.size())) return std::nullopt;
    std::string reply;
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    for (;;) {
      // The reply ends with a line that starts with OK or ERROR.
      std::size_t at = 0;
      while (true) {
        const auto nl = reply.find('\n', at);
        if (nl == std::string::npos) break;
        if (reply.compare(at, 2, "OK") == 0 || reply.compare(at, 5, "ERROR") == 0) return reply;
        at = nl + 1;
      }
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) return std::nullopt;
      pollfd p{control_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char b[4096];
      const auto n = ::recv(control_, b, sizeof b, 0);
      if (n <= 0) return std::nullopt;
      reply.append(b, static_cast<std::size_t>(n));
    }
  }

  // SIGTERM, 3 s to exit (it closes its ptys and removes its links), then SIGKILL.
  void stop() {
    if (control_ >= 0) ::close(control_);
    control_ = -1;
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      const auto deadline = std::chrono::steady_clock::now() + 3s;
      int status = 0;
      while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
          ::kill(pid_, SIGKILL);
          ::waitpid(pid_, &status, 0);
          break;
        }
        std::this_thread::sleep_for(10ms);
      }
      pid_ = -1;
    }
    if (out_ >= 0) ::close(out_);
    out_ = -1;
  }

 private:
  bool fail(std::string& err, const std::string& what) {
    err = what + (errno ? std::string(": ") + std::strerror(errno) : std::string());
    return false;
  }
  pid_t pid_ = -1;
  int out_ = -1;
  int control_ = -1;
  std::string control_path_;
  std::mutex mutex_;
};

// The engine's clock in scaled real time: virtual time = real time elapsed / scale, moved
// forward every half millisecond by a thread of its own (the sims scale their clocks alike).
class clock_pump {
 public:
  clock_pump(std::shared_ptr<virtual_clock> c, double scale) : clock_(std::move(c)), scale_(scale) {
    thread_ = std::thread([this] { run(); });
  }
  ~clock_pump() {
    stop_ = true;
    thread_.join();
  }

 private:
  void run() {
    const auto real0 = std::chrono::steady_clock::now();
    const auto v0 = clock_->now();
    while (!stop_) {
      std::this_thread::sleep_for(500us);
      const auto real = std::chrono::steady_clock::now() - real0;
      const auto target = v0 + std::chrono::duration_cast<virtual_clock::duration>(real / scale_);
      const auto now = clock_->now();
      if (target > now) clock_->advance(target - now);
    }
  }
  std::shared_ptr<virtual_clock> clock_;
  double scale_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Everything the lanes share.
struct shared_run {
  const pty_options& opt;
  connection_manager* mgr = nullptr;
  std::map<std::string, sim_process*> sims;  // by personality
  std::atomic<std::uint64_t> next_dial{0};  // the next dial index to draw
  std::atomic<std::uint64_t> started{0};    // dials made (skipped plans do not count)

  std::mutex mutex;  // guards what follows
  std::map<fault_kind, std::uint64_t> drawn;
  std::map<std::string, std::uint64_t> results;
  std::map<std::string, std::uint64_t> skipped;
  std::uint64_t dials = 0, checks = 0, failures = 0, failed_dials = 0, interrupted = 0;
  double sim_seconds = 0;
  std::multiset<std::string> secrets;  // passwords of the dials in flight (the log is scanned)
  std::vector<std::string> leaks;
  // The engine's log of each dial in flight, by handle (its lines start "[handle] "), with
  // the real time of each line: printed when the dial fails, since a pty run cannot be
  // replayed. The oldest lines go past log_keep.
  static constexpr std::size_t log_keep = 400;
  std::map<std::uint64_t, std::deque<std::string>> logs;
  std::chrono::steady_clock::time_point log_epoch = std::chrono::steady_clock::now();

  explicit shared_run(const pty_options& o) : opt(o) {}
  milliseconds real(milliseconds sim) const {
    return milliseconds(static_cast<long long>(static_cast<double>(sim.count()) * opt.time_scale) + 1);
  }
};

// Kinds that need the in-process world (they act inside the modem or on the wire) and are
// taken out of a pty plan, as --exclude-fault would.
const std::set<fault_kind> k_not_from_outside = {
    fault_kind::reset_garbage, fault_kind::split_delay, fault_kind::late_reply,
    fault_kind::ring_mid_dial, fault_kind::unplug,      fault_kind::modem_reset,
};

class lane;

// One dial of a lane; lives on the lane's thread.
class pty_dial : public std::enable_shared_from_this<pty_dial> {
 public:
  pty_dial(shared_run& run, lane& l, asio::io_context& io, std::uint64_t index, dial_plan plan, std::size_t modem,
           sim_process& sim)
      : run_(run), lane_(l), io_(io), index_(index), p_(std::move(plan)), modem_(modem), sim_(sim) {}

  void start();
  void interrupt() {
    interrupted_ = true;
    if (!hang_up_requested_ && h_) request_hang_up("interrupted");
  }

 private:
  void after(milliseconds sim_delay, std::function<void()> f) {
    auto t = std::make_shared<asio::steady_timer>(io_, run_.real(sim_delay));
    t->async_wait([self = shared_from_this(), t, f = std::move(f)](boost::system::error_code ec) {
      if (!ec && !self->closed_) f();
    });
    timers_.push_back(t);
  }
  // "drop", "dialtone off", ...: the verb, this lane's modem, the argument.
  void control(const std::string& verb, const std::string& arg = {}) {
    if (!sim_.command(verb + " " + std::to_string(modem_) + (arg.empty() ? "" : " " + arg))) ++control_failures_;
  }
  void check_executor(const char*) {
    if (!io_.get_executor().running_in_this_thread()) ++wrong_executor_;
  }
  void on_note(conn_state s, std::uint32_t err, std::uint32_t ext) {
    check_executor("notification");
    const auto index = notes_.size();
    notes_.push_back({s, err, ext});
    if (s == conn_state::connect_device && ext != 0 && err == 0) ++redials_;
    const bool terminal = err != 0 || s == conn_state::connected || s == conn_state::disconnected;
    if (terminal && terminal_count_++ == 0) {
      terminal_index_ = index;
      react_terminal(s, err);
    } else if (is_paused(s) && err == 0) {
      react_paused(s);
    }
    if (static_cast<int>(index) == p_.notifier_hang_up_at) {
      if (!hang_up_requested_ && terminal_count_ == 0) hang_up_before_terminal_ = true;
      hang_up_requested_ = true;
      run_.mgr->hang_up(h_);
    }
    if (static_cast<int>(index) == p_.notifier_throw_at) throw std::runtime_error("soak: a notifier that throws");
  }
  void react_terminal(conn_state s, std::uint32_t err) {
    if (s == conn_state::connected && err == 0) {
      start_data();
      after(p_.hold, [this] { request_hang_up("hold over"); });
    } else {
      after(err == 631 ? 0ms : p_.hang_up_after_failure, [this] { request_hang_up("after the terminal notification"); });
    }
  }
  void react_paused(conn_state s) {
    if (next_resume_ >= p_.resumes.size()) {
      after(0ms, [this] { request_hang_up("no more answers"); });
      return;
    }
    const auto a = p_.resumes[next_resume_++];
    after(a.think, [this, s, a] {
      if (hang_up_requested_) return;
      dial_params params = p_.params;
      if (s == conn_state::retry_authentication) {
        params.user_name = a.user_name;
        params.password = a.password;
      } else if (s == conn_state::password_expired) {
        params.password = a.password;
      } else if (s == conn_state::callback_set_by_caller) {
        params.callback_number = a.callback_number;
      }
      std::optional<thread_loop_scope> scope;
      if (!p_.bind_executor) scope.emplace(io_.get_executor());
      if (run_.mgr->dial(h_, params)) react_paused(s);
    });
  }
  void start_data() {
    stream_ = std::make_unique<data_stream>(*run_.mgr, h_, io_.get_executor());
    if (!p_.payload.empty())
      asio::async_write(*stream_, asio::buffer(p_.payload),
                        [self = shared_from_this()](boost::system::error_code, std::size_t) {
                          self->check_executor("data write");
                        });
    read_more();
  }
  void read_more() {
    stream_->async_read_some(asio::buffer(rbuf_), [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
      self->check_executor("data read");
      if (!ec && self->stream_ && !self->closed_) self->read_more();
    });
  }
  void request_hang_up(const char*) {
    if (!hang_up_requested_ && terminal_count_ == 0) hang_up_before_terminal_ = true;
    hang_up_requested_ = true;
    run_.mgr->async_hang_up(h_, asio::bind_executor(io_.get_executor(), [self = shared_from_this()](std::error_code ec) {
                              self->check_executor("hang-up completion");
                              self->hang_up_results_.push_back(ec);
                              self->maybe_done();
                            }));
  }
  void watch_queue() {
    queue_fd_->async_wait(asio::posix::stream_descriptor::wait_read, [self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;
      self->check_executor("message queue readable");
      while (auto m = self->queue_->try_pop()) {
        if (m->message != wm_rasdialevent || m->handle != self->h_) ++self->bad_messages_;
        try {
          self->on_note(m->state, m->error, 0);
        } catch (const std::exception&) {
        }
      }
      self->watch_queue();
    });
  }
  notifier make_notifier();
  void maybe_done() {
    if (done_scheduled_ || terminal_count_ == 0 || hang_up_results_.empty()) return;
    done_scheduled_ = true;
    // A short settle: a notification after the terminal one, or a modem still off-hook
    // after a hang-up that reported success, would show by then.
    auto t = std::make_shared<asio::steady_timer>(io_, run_.real(2000ms));
    t->async_wait([self = shared_from_this(), t](boost::system::error_code) { self->finish(); });
  }
  void on_deadline() {
    if (done_scheduled_) return;
    hung_ = true;
    if (!hang_up_requested_ && h_) request_hang_up("the dial's deadline");
    // A hang-up has its own budget: give it 60 simulated s, then move on regardless.
    auto t = std::make_shared<asio::steady_timer>(io_, run_.real(60000ms));
    t->async_wait([self = shared_from_this(), t](boost::system::error_code) {
      if (!self->done_scheduled_) {
        self->done_scheduled_ = true;
        self->finish();
      }
    });
  }
  void finish();

  shared_run& run_;
  lane& lane_;
  asio::io_context& io_;
  std::uint64_t index_;
  dial_plan p_;
  std::size_t modem_;
  sim_process& sim_;
  connection_handle h_;
  std::chrono::steady_clock::time_point started_;
  std::vector<notification> notes_;
  int terminal_count_ = 0;
  std::size_t terminal_index_ = 0;
  int redials_ = 0;
  int wrong_executor_ = 0;
  int bad_messages_ = 0;
  int control_failures_ = 0;
  bool hang_up_requested_ = false;
  bool hang_up_before_terminal_ = false;
  bool done_scheduled_ = false;
  bool closed_ = false;
  bool hung_ = false;
  bool interrupted_ = false;
  std::vector<std::error_code> hang_up_results_;
  std::size_t next_resume_ = 0;
  std::unique_ptr<data_stream> stream_;
  std::array<char, 256> rbuf_{};
  std::shared_ptr<dial_message_queue> queue_;
  std::unique_ptr<asio::posix::stream_descriptor> queue_fd_;
  std::vector<std::shared_ptr<asio::steady_timer>> timers_;
};

// A caller thread with its own loop, and its modem in each sim.
class lane {
 public:
  lane(shared_run& run, std::size_t index) : run_(run), index_(index), work_(io_.get_executor()) {
    thread_ = std::thread([this] { io_.run(); });
  }
  ~lane() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  void begin() { asio::post(io_, [this] { next(); }); }
  // From the main thread on SIGINT/SIGTERM: the dial in flight is hung up, no new one starts.
  void interrupt() {
    asio::post(io_, [this] {
      stopping_ = true;
      if (current_) current_->interrupt();
    });
  }
  bool finished() const { return finished_; }
  void next();
  std::size_t index() const { return index_; }
  // After join(): handlers left (timers of finished dials) run and find them closed.
  void drain() {
    io_.restart();
    io_.poll();
  }

 private:
  shared_run& run_;
  std::size_t index_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
  std::shared_ptr<pty_dial> current_;
  bool stopping_ = false;
  std::atomic<bool> finished_{false};
};

notifier pty_dial::make_notifier() {
  auto self = shared_from_this();
  auto bind = [this](auto f) { return asio::bind_executor(io_.get_executor(), std::move(f)); };
  switch (p_.shape) {
    case notifier_shape::on_event: {
      auto f = [self](const dial_event& e) { self->on_note(e.state, ras_number(e.error), e.extended_error); };
      return p_.bind_executor ? notifier::on_event(bind(f)) : notifier::on_event(f);
    }
    case notifier_shape::rasdialfunc: {
      auto f = [self](unsigned, conn_state s, std::uint32_t err) { self->on_note(s, err, 0); };
      return p_.bind_executor ? notifier::rasdialfunc(bind(f)) : notifier::rasdialfunc(f);
    }
    case notifier_shape::rasdialfunc1: {
      auto f = [self](connection_handle, unsigned, conn_state s, std::uint32_t err, std::uint32_t ext) {
        self->on_note(s, err, ext);
      };
      return p_.bind_executor ? notifier::rasdialfunc1(bind(f)) : notifier::rasdialfunc1(f);
    }
    case notifier_shape::rasdialfunc2: {
      auto f = [self](std::uintptr_t, std::uint32_t, connection_handle, unsigned, conn_state s, std::uint32_t err,
                      std::uint32_t ext) -> std::uint32_t {
        self->on_note(s, err, ext);
        return 1;
      };
      return p_.bind_executor ? notifier::rasdialfunc2(bind(f)) : notifier::rasdialfunc2(f);
    }
    case notifier_shape::queue: {
      queue_ = std::make_shared<dial_message_queue>();
      queue_fd_ = std::make_unique<asio::posix::stream_descriptor>(io_, ::dup(queue_->fd()));
      watch_queue();
      return notifier::queue(queue_);
    }
  }
  return {};
}

void pty_dial::start() {
  started_ = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(run_.mutex);
    for (auto k : p_.faults) ++run_.drawn[k];
    if (!p_.params.password.empty()) run_.secrets.insert(p_.params.password);
    for (const auto& r : p_.resumes)
      if (!r.password.empty()) run_.secrets.insert(r.password);
  }
  // Line conditions from the start, and the timed faults, through the sim's control socket.
  if (!p_.dial_tone) {
    control("dialtone", "off");
    if (p_.dial_tone_back.count()) after(p_.dial_tone_back, [this] { control("dialtone", "on"); });
  }
  for (const auto& t : p_.timed) {
    switch (t.kind) {
      case fault_kind::silent:
        after(t.at, [this, d = t.duration] {
          control("silent", "on");
          if (d.count()) after(d, [this] { control("silent", "off"); });
        });
        break;
      case fault_kind::carrier_drop:
        after(t.at, [this] { control("drop"); });
        break;
      case fault_kind::user_hang_up:
        after(t.at, [this] {
          if (!hang_up_requested_) request_hang_up("the user");
        });
        break;
      case fault_kind::caller_stall:
        // The caller's loop is busy: nothing of this lane runs meanwhile.
        after(t.at, [this, d = t.duration] { std::this_thread::sleep_for(run_.real(d)); });
        break;
      default: break;
    }
  }
  auto deadline = std::make_shared<asio::steady_timer>(io_, run_.real(900000ms));
  deadline->async_wait([self = shared_from_this(), deadline](boost::system::error_code ec) {
    if (!ec) self->on_deadline();
  });
  timers_.push_back(deadline);
  std::error_code ec;
  {
    std::optional<thread_loop_scope> scope;
    if (!p_.bind_executor) scope.emplace(io_.get_executor());
    h_ = run_.mgr->dial(p_.entry, p_.params, p_.extensions, make_notifier(), ec);
  }
  if (ec || !h_) {
    std::lock_guard lock(run_.mutex);
    ++run_.failures;
    ++run_.failed_dials;
    std::printf("FAIL pty dial %" PRIu64 " seed 0x%s: dial() refused the entry: %s\n", index_, hex16(p_.seed).c_str(),
                ec ? ec.message().c_str() : "null handle");
    closed_ = true;
    asio::post(io_, [this] { lane_.next(); });
  }
}

void pty_dial::finish() {
  if (closed_) return;
  std::vector<std::string> failures;
  std::size_t passed = 0;
  auto check = [&](bool ok, const std::string& what) {
    if (ok) ++passed;
    else failures.push_back(what);
  };
  std::string result = "no terminal notification";
  if (terminal_count_) {
    const auto& t = notes_[terminal_index_];
    result = std::string(to_string(t.state)) + (t.error ? " error " + std::to_string(t.error) : "");
  }
  if (!interrupted_) {
    check(!hung_, "hang: the dial had not ended within 900 simulated s (terminal notifications " +
                      std::to_string(terminal_count_) + ", hang-ups completed " +
                      std::to_string(hang_up_results_.size()) + ")");
    check_notifications(p_, {notes_, terminal_count_, terminal_index_, redials_, hang_up_before_terminal_,
                             wrong_executor_, result},
                        check);
    connection_status st;
    check(run_.mgr->status(h_, st) == ras_error::invalid_handle,
          "status() of the hung-up handle does not answer 6 (invalid handle)");
    bool listed = false;
    for (const auto& c : run_.mgr->connections()) listed = listed || c.handle == h_;
    check(!listed, "connections() still lists the hung-up handle");
    std::optional<std::error_code> hr;
    for (auto e : hang_up_results_)
      if (e != ras_error::invalid_handle) hr = e;
    if (hr && *hr) {
      check(*hr == ras_error::request_timeout, "hang-up completed with " + describe(*hr));
      check(unconfirmed_hang_up_explained(p_), "the hang-up could not confirm the modem on-hook (638) "
                                              "and no fault explains it");
    }
    if (queue_) {
      check(bad_messages_ == 0, std::to_string(bad_messages_) + " queue messages not WM_RASDIALEVENT for this handle");
      check(queue_->size() == 0, std::to_string(queue_->size()) + " messages left in the queue");
    }
    // The modem, as the sim tells it: on-hook, in command state (or ringing: an on-hook
    // modem hearing the callback service).
    if (auto status = sim_.command("status")) {
      std::istringstream in(*status);
      std::string line, mode, hook;
      while (std::getline(in, line)) {
        std::istringstream l(line);
        std::size_t i = 0;
        std::string pty;
        if (l >> i >> pty >> mode >> hook && i == modem_) break;
        mode.clear();
      }
      check(hook == "on-hook", "the modem is " + (hook.empty() ? std::string("unknown") : hook) + " at the end (mode " + mode + ")");
      check(mode == "command" || mode == "ringing", "the modem is not in command mode at the end: " + mode);
    } else {
      check(false, "the sim's control socket did not answer status");
    }
    check(control_failures_ == 0, std::to_string(control_failures_) + " control commands got no answer");
  }
  // The lane's modem back to a clean line for the next dial.
  if (!p_.dial_tone) sim_.command("dialtone " + std::to_string(modem_) + " on");
  if (std::any_of(p_.timed.begin(), p_.timed.end(), [](const timed_fault& t) { return t.kind == fault_kind::silent; }))
    sim_.command("silent " + std::to_string(modem_) + " off");

  closed_ = true;
  for (auto& t : timers_) t->cancel();
  stream_.reset();
  if (queue_fd_) queue_fd_->close();
  const double sim_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count() / run_.opt.time_scale;
  {
    std::lock_guard lock(run_.mutex);
    ++run_.dials;
    if (interrupted_) ++run_.interrupted;
    run_.sim_seconds += sim_s;
    ++run_.results[interrupted_ ? "interrupted" : result];
    run_.checks += passed;
    if (!p_.params.password.empty()) run_.secrets.erase(run_.secrets.find(p_.params.password));
    for (const auto& r : p_.resumes)
      if (!r.password.empty()) run_.secrets.erase(run_.secrets.find(r.password));
    if (!failures.empty()) {
      ++run_.failed_dials;
      run_.failures += failures.size();
      std::printf("FAIL pty dial %" PRIu64 " seed 0x%s (lane %zu, %s modem %zu): %s\n  plan: %s\n  result: %s\n", index_,
                  hex16(p_.seed).c_str(), lane_.index(), sim_.personality.c_str(), modem_, failures.front().c_str(),
                  p_.describe().c_str(), result.c_str());
      for (std::size_t f = 1; f < failures.size(); ++f) std::printf("  also: %s\n", failures[f].c_str());
      std::printf("  on virtual time: dialup-soak --replay 0x%s --trace\n", hex16(p_.seed).c_str());
      if (auto l = run_.logs.find(h_.value); l != run_.logs.end()) {
        std::printf("  the engine's log of this dial (real seconds since the run began):\n");
        for (const auto& line : l->second) std::printf("    %s\n", line.c_str());
      }
      std::fflush(stdout);
    } else if (run_.opt.verbose) {
      std::printf("pty dial %" PRIu64 " seed 0x%s: %s -> %s in %.1f simulated s\n", index_, hex16(p_.seed).c_str(),
                  p_.describe().c_str(), result.c_str(), sim_s);
      std::fflush(stdout);
    }
    run_.logs.erase(h_.value);
  }
  if (p_.numbers.front() == target::callback) {
    // The callback service calls back even after we hung up (its callback-delay, then its
    // rings): let that call come and go before this modem dials again, or the next dial's
    // callback wait would answer it. (The in-process world is fresh for every dial.)
    auto t = std::make_shared<asio::steady_timer>(io_, run_.real(70000ms));
    t->async_wait([&l = lane_, t](boost::system::error_code) { l.next(); });
    return;
  }
  asio::post(io_, [&l = lane_] { l.next(); });
}

// Takes out of a plan what cannot be done from outside a sim; false: the plan needs the
// in-process world (it dials the other simulated modem) and is skipped.
bool adapt(dial_plan& p, const std::string& own_number, std::string& why) {
  if (std::find(p.numbers.begin(), p.numbers.end(), target::modem) != p.numbers.end()) {
    why = "dials another simulated modem";
    return false;
  }
  exclude_faults(p, k_not_from_outside);
  std::erase_if(p.faults, [](fault_kind k) { return k_not_from_outside.count(k) != 0; });
  // A line noise fault on a line that is not 5550150 acts on the wire inside the world.
  if (p.numbers.front() != target::noisy) std::erase(p.faults, fault_kind::line_noise);
  p.noise_rate = 0;
  p.modem_control = false;  // a pty has no DTR or DCD
  // The callback calls the lane's modem.
  const std::string drawn_own = p.own_number;
  auto own = [&](std::string& n) {
    if (n == drawn_own) n = own_number;
  };
  p.own_number = own_number;
  own(p.params.callback_number);
  for (auto& r : p.resumes) own(r.callback_number);
  return true;
}

void lane::next() {
  current_.reset();
  if (stopping_ || g_signal.load() != 0) {
    finished_ = true;
    work_.reset();
    return;
  }
  // Dial indices go on past --dials by the plans skipped, so that --dials dials are made.
  if (run_.started.load() >= run_.opt.dials) {
    finished_ = true;
    work_.reset();
    return;
  }
  const auto i = run_.next_dial++;
  auto plan = draw_plan(dial_seed(run_.opt.seed, i));
  auto& sim = *run_.sims.at(plan.personality);
  std::string why;
  if (!adapt(plan, sim.numbers.at(index_), why)) {
    {
      std::lock_guard lock(run_.mutex);
      ++run_.skipped[why];
    }
    asio::post(io_, [this] { next(); });
    return;
  }
  if (run_.started++ >= run_.opt.dials) {
    finished_ = true;
    work_.reset();
    return;
  }
  plan.entry.port = sim.links.at(index_);
  if (plan.params.user_name == "expired" || std::any_of(plan.resumes.begin(), plan.resumes.end(), [](const resume_answer& a) {
        return a.user_name == "expired";
      })) {
    // Once one dial may have changed the password, "old" is refused: either outcome holds.
    if (sim.expired_changed.load() && std::find(plan.faults.begin(), plan.faults.end(), fault_kind::expired_password) !=
                                          plan.faults.end())
      plan.faults.push_back(fault_kind::wrong_password);
    if (plan.extensions.options & rdeopt_paused_states) sim.expired_changed = true;
  }
  current_ = std::make_shared<pty_dial>(run_, *this, io_, i, std::move(plan), index_, sim);
  current_->start();
}

}  // namespace

int run_pty(const pty_options& opt) {
  // SIGINT/SIGTERM: no new dial starts, the ones in flight are hung up, the sims ended.
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  ::sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  std::string sim_exe = opt.sim;
  if (sim_exe.empty()) {
    const auto here = fs::path(opt.self).parent_path();
    for (const auto& c : {here / "dialup-sim", here / ".." / "dialup-sim" / "dialup-sim"})
      if (::access(c.c_str(), X_OK) == 0) {
        sim_exe = c.string();
        break;
      }
  }
  if (sim_exe.empty() || ::access(sim_exe.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "dialup-soak: no dialup-sim next to this program; give one with --sim PATH\n");
    return 2;
  }
  char dir_template[] = "/tmp/dialup-soak-pty.XXXXXX";
  if (!::mkdtemp(dir_template)) {
    std::fprintf(stderr, "dialup-soak: mkdtemp: %s\n", std::strerror(errno));
    return 2;
  }
  const std::string dir = dir_template;
  std::printf("pty mode: %" PRIu64 " dials of seed %" PRIu64 ", %u lanes, time scale %g, %s\n", opt.dials, opt.seed,
              opt.lanes, opt.time_scale, sim_exe.c_str());
  std::fflush(stdout);

  int status = 0;
  {
    std::vector<std::unique_ptr<sim_process>> sims;
    shared_run run(opt);
    for (const char* pers : {"generic", "usr", "conexant"}) {
      auto s = std::make_unique<sim_process>();
      std::string err;
      if (!s->start(sim_exe, dir, pers, opt.lanes, opt.time_scale, err)) {
        std::fprintf(stderr, "dialup-soak: %s\n", err.c_str());
        sims.clear();
        fs::remove_all(dir);
        return 2;
      }
      run.sims[pers] = s.get();
      sims.push_back(std::move(s));
    }
    const auto fds_before = open_fds();
    auto clock = std::make_shared<virtual_clock>();
    std::optional<std::size_t> pending_after;
    const auto wall_start = std::chrono::steady_clock::now();
    {
      engine_options eo;
      eo.transports = std::make_shared<drivers::serial_transport_factory>();
      eo.clock = clock;
      eo.log = [&run](log_level, std::string_view text) {
        std::lock_guard lock(run.mutex);
        for (const auto& s : run.secrets)
          if (s.size() >= 6 && text.find(s) != std::string_view::npos && run.leaks.size() < 10)
            run.leaks.push_back("the engine's log carries a password " + s.substr(0, 3) + "...");
        std::uint64_t handle = 0;
        if (text.size() > 2 && text[0] == '[') {
          for (std::size_t i = 1; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
            handle = handle * 10 + static_cast<std::uint64_t>(text[i] - '0');
        }
        if (handle == 0) return;
        auto& lines = run.logs[handle];
        char at[32];
        std::snprintf(at, sizeof at, "%10.3f ",
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - run.log_epoch).count());
        lines.push_back(at + std::string(text));
        if (lines.size() > shared_run::log_keep) lines.pop_front();
      };
      auto mgr = std::make_unique<connection_manager>(std::move(eo));
      run.mgr = mgr.get();
      clock_pump pump(clock, opt.time_scale);
      std::vector<std::unique_ptr<lane>> lanes;
      for (unsigned i = 0; i < opt.lanes; ++i) lanes.push_back(std::make_unique<lane>(run, i));
      for (auto& l : lanes) l->begin();
      // Wait for the lanes; on a signal, interrupt them and give them 30 s (a hang-up's
      // budget, scaled, is far less).
      std::optional<std::chrono::steady_clock::time_point> give_up;
      for (;;) {
        bool all = true;
        for (auto& l : lanes) all = all && l->finished();
        if (all) break;
        if (g_signal.load() && !give_up) {
          std::printf("interrupted by signal %d: hanging up the dials in flight\n", g_signal.load());
          std::fflush(stdout);
          for (auto& l : lanes) l->interrupt();
          give_up = std::chrono::steady_clock::now() + 30s;
        }
        if (give_up && std::chrono::steady_clock::now() > *give_up) {
          std::printf("dialup-soak: lanes still busy after 30 s; stopping them\n");
          break;
        }
        std::this_thread::sleep_for(20ms);
      }
      for (auto& l : lanes) l->join();
      for (auto& l : lanes) l->drain();
      pending_after = clock->pending();
      mgr.reset();
      for (auto& l : lanes) l->drain();
      lanes.clear();
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    const auto fds_after = open_fds();
    for (auto& s : sims) s->stop();
    sims.clear();
    std::error_code rm;
    fs::remove_all(dir, rm);

    // Run-wide checks: no engine timer left, no descriptor left open, no password logged.
    std::vector<std::string> run_failures;
    if (pending_after && *pending_after != 0)
      run_failures.push_back(std::to_string(*pending_after) + " engine timers pending after every dial retired");
    else ++run.checks;
    if (fds_after != fds_before)
      run_failures.push_back("open descriptors: " + std::to_string(fds_before) + " before the engine, " +
                             std::to_string(fds_after) + " after it");
    else ++run.checks;
    if (!run.leaks.empty()) run_failures.push_back(run.leaks.front());
    else ++run.checks;
    for (const auto& f : run_failures) std::printf("FAIL run: %s\n", f.c_str());
    run.failures += run_failures.size();

    std::uint64_t skipped = 0;
    for (const auto& [why, n] : run.skipped) skipped += n;
    std::printf("dials %" PRIu64 " (skipped %" PRIu64 ", interrupted %" PRIu64 "), %.3f s wall, %.1f dials/s, %.0f simulated s\n",
                run.dials, skipped, run.interrupted, wall, wall > 0 ? static_cast<double>(run.dials) / wall : 0.0,
                run.sim_seconds);
    for (const auto& [why, n] : run.skipped) std::printf("skipped: %s %" PRIu64 "\n", why.c_str(), n);
    std::printf("faults drawn:");
    for (std::size_t k = 0; k < fault_kinds; ++k) {
      const auto kind = static_cast<fault_kind>(k);
      if (!k_not_from_outside.count(kind))
        std::printf(" %s=%" PRIu64, std::string(to_string(kind)).c_str(), run.drawn[kind]);
    }
    std::printf("\nnot from outside (taken out of the plans):");
    for (auto k : k_not_from_outside) std::printf(" %s", std::string(to_string(k)).c_str());
    std::printf("\nresults:");
    for (const auto& [r, n] : run.results) std::printf(" [%s]=%" PRIu64, r.c_str(), n);
    std::printf("\ninvariant checks passed %" PRIu64 ", failed %" PRIu64 " (in %" PRIu64 " dials)\n", run.checks,
                run.failures, run.failed_dials);
    std::printf("not deterministic (real ptys, threads and time): no trace-hash\n");
    status = run.failures ? 1 : 0;
  }
  if (g_signal.load()) return 128 + g_signal.load();
  return status;
}

}  // namespace dialup::soak
