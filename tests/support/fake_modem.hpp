// An in-memory modem for engine unit tests: a dialup::transport whose peer answers each
// command line from a script, with fault injection (fail the n-th transport operation,
// go silent, vanish). Everything runs on the executor the engine opens it with.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dialup/engine/detail/errors.hpp"
#include "dialup/engine/detail/timer.hpp"
#include "dialup/engine/transport.hpp"

namespace dialup::test {

// What the peer does. Shared between the test and the transport (guarded by a mutex, since
// the test thread inspects it while the engine runs).
struct fake_script {
  std::mutex mutex;
  // Reply to a command line (without CR). Default: OK, and for ATD, CONNECT 33600.
  std::function<std::string(const std::string&)> reply;
  bool echo = false;          // E1-style echo of each byte written
  bool silent = false;        // never answers
  int fail_at = -1;           // the n-th transport operation (0-based) fails with EIO
  int operations = 0;         // transport operations so far (reads + writes)
  std::vector<std::string> commands;  // every command line received, in order
  std::string received;       // every byte received
  bool online = false;        // after CONNECT, until +++ or ATH
  bool off_hook = false;
  bool escaped = false;       // saw +++ while online
  bool modem_control = false; // the line has DTR (like a real UART); &D2 behaviour
  bool dcd = true;            // what get_lines reports for DCD
  // The transport reports line changes (async_wait_lines), as a UART with TIOCMIWAIT or an
  // RFC 2217 port does; otherwise the engine polls get_lines.
  bool line_events = false;
  unsigned rings = 0;         // RI pulses not yet reported
  std::function<void()> lines_changed;  // set by the transport: tells it to look again
  std::vector<bool> dtr_changes;  // every set_dtr, in order
  std::string vanish_on;      // the device vanishes when this command line arrives
  bool open_fails = false;    // async_open fails with ENOENT
  std::string open_error;     // set to "busy" for EBUSY
  std::chrono::milliseconds reply_delay{0};
  // The modem is busy this long with a command (echo and reply come after it): a command
  // that arrives meanwhile waits, as on a real modem that handles one line at a time.
  std::map<std::string, std::chrono::milliseconds> busy_for;

  std::vector<std::string> snapshot_commands() {
    std::lock_guard lock(mutex);
    return commands;
  }
  bool is_off_hook() {
    std::lock_guard lock(mutex);
    return off_hook;
  }
  // Changes DCD, or pulses RI, and lets a transport with line events report it.
  void set_dcd(bool on) {
    std::function<void()> tell;
    {
      std::lock_guard lock(mutex);
      dcd = on;
      tell = lines_changed;
    }
    if (tell) tell();
  }
  void ring_pulse() {
    std::function<void()> tell;
    {
      std::lock_guard lock(mutex);
      ++rings;
      tell = lines_changed;
    }
    if (tell) tell();
  }
};

inline std::string default_reply(const std::string& cmd) {
  if (cmd.rfind("ATD", 0) == 0) return "\r\nCONNECT 33600\r\n";
  return "\r\nOK\r\n";
}

class fake_transport final : public transport {
 public:
  fake_transport(boost::asio::any_io_executor ex, std::shared_ptr<fake_script> s, std::string name,
                 std::shared_ptr<virtual_clock> clock = nullptr)
      : ex_(ex), script_(std::move(s)), name_(std::move(name)), clock_(std::move(clock)) {}

  void async_read_some(boost::asio::mutable_buffer buffer, io_handler h) override {
    if (auto ec = refusal()) {
      post(std::move(h), ec, 0);
      return;
    }
    read_buf_ = buffer;
    reader_ = std::move(h);
    boost::asio::post(ex_, [this, alive = alive_] {
      if (*alive) pump();
    });
  }

  void async_write(boost::asio::const_buffer buffer, io_handler h) override {
    if (auto ec = refusal()) {
      post(std::move(h), ec, 0);
      return;
    }
    std::string bytes(static_cast<const char*>(buffer.data()), buffer.size());
    post(std::move(h), {}, bytes.size());
    peer_receive(bytes);
  }

  void cancel() override {
    if (reader_) post(std::exchange(reader_, nullptr), detail::aborted_error(), 0);
    if (line_waiter_)
      boost::asio::post(ex_, [h = std::exchange(line_waiter_, nullptr)] { h(detail::aborted_error(), {}); });
  }
  void close() override {
    open_ = false;
    cancel();
    *alive_ = false;
  }
  bool is_open() const override { return open_; }
  std::string name() const override { return name_; }

  bool has_modem_control() const override {
    std::lock_guard lock(script_->mutex);
    return script_->modem_control;
  }
  std::error_code get_lines(modem_lines& out) override {
    std::lock_guard lock(script_->mutex);
    if (!script_->modem_control) return std::make_error_code(std::errc::operation_not_supported);
    out.dcd = script_->dcd;
    out.dsr = out.cts = true;
    return {};
  }
  std::error_code set_dtr(bool on) override {
    std::string reply;
    {
      std::lock_guard lock(script_->mutex);
      if (!script_->modem_control) return std::make_error_code(std::errc::operation_not_supported);
      script_->dtr_changes.push_back(on);
      if (!on && script_->online) {
        // &D2: DTR drop hangs up and returns to command state with OK (docs/modem-behaviour.md §3.1).
        script_->online = false;
        script_->off_hook = false;
        reply = "\r\nOK\r\n";
      }
    }
    if (!reply.empty()) send(reply, std::chrono::milliseconds(0));
    return {};
  }

  std::optional<modem_lines> lines_at_open() const override {
    std::lock_guard lock(script_->mutex);
    if (!script_->modem_control) return std::nullopt;
    return current_lines();
  }

  bool async_wait_lines(line_handler h) override {
    {
      std::lock_guard lock(script_->mutex);
      if (!script_->modem_control || !script_->line_events) return false;
      if (!reported_) reported_ = current_lines();
      script_->lines_changed = [ex = ex_, this, alive = alive_] {
        boost::asio::post(ex, [this, alive] {
          if (*alive) deliver_lines();
        });
      };
    }
    line_waiter_ = std::move(h);
    boost::asio::post(ex_, [this, alive = alive_] {
      if (*alive) deliver_lines();
    });
    return true;
  }

  // The device vanishes: pending and later reads fail with EOF.
  void vanish() {
    vanished_ = true;
    pump();
    deliver_lines();
  }

  ~fake_transport() override { *alive_ = false; }

  // The modem sends these bytes by itself, `delay` from now (a CONNECT the test schedules).
  void inject(std::string bytes, std::chrono::milliseconds delay) { send(std::move(bytes), delay); }

 private:
  std::error_code operation_fault() {
    std::lock_guard lock(script_->mutex);
    int n = script_->operations++;
    if (n == script_->fail_at) return std::make_error_code(std::errc::io_error);
    return {};
  }

  // Why a read or write fails at once: the injected fault of this operation, or a port that
  // is not open. It counts as an operation either way.
  std::error_code refusal() {
    if (auto ec = operation_fault()) return ec;
    if (!open_) return detail::aborted_error();
    return {};
  }

  void post(io_handler h, std::error_code ec, std::size_t n) {
    boost::asio::post(ex_, [h = std::move(h), ec, n] { h(ec, n); });
  }

  void pump() {
    if (!reader_) return;
    if (vanished_) {
      post(std::exchange(reader_, nullptr), detail::eof_error(), 0);
      return;
    }
    if (to_host_.empty()) return;
    auto n = std::min(read_buf_.size(), to_host_.size());
    std::memcpy(read_buf_.data(), to_host_.data(), n);
    to_host_.erase(0, n);
    post(std::exchange(reader_, nullptr), {}, n);
  }

  // Called with script_->mutex held.
  modem_lines current_lines() const {
    modem_lines l;
    l.dcd = script_->dcd;
    l.dsr = l.cts = true;
    return l;
  }

  void deliver_lines() {
    if (!line_waiter_) return;
    if (vanished_) {
      boost::asio::post(ex_, [h = std::exchange(line_waiter_, nullptr)] { h(detail::eof_error(), {}); });
      return;
    }
    modem_line_event ev;
    {
      std::lock_guard lock(script_->mutex);
      ev.lines = current_lines();
      ev.ring_pulses = std::exchange(script_->rings, 0u);
    }
    ev.changed.dcd = ev.lines.dcd != reported_->dcd;
    if (!ev.changed.dcd && ev.ring_pulses == 0) return;
    reported_ = ev.lines;
    ev.at = std::chrono::steady_clock::now();
    boost::asio::post(ex_, [h = std::exchange(line_waiter_, nullptr), ev] { h({}, ev); });
  }

  std::chrono::steady_clock::time_point now() const {
    return clock_ ? clock_->now() : std::chrono::steady_clock::now();
  }

  void send(std::string bytes, std::chrono::milliseconds delay) {
    send_at(now() + delay, std::move(bytes));
  }

  void send_at(std::chrono::steady_clock::time_point at, std::string bytes) {
    if (at <= now()) {
      to_host_ += bytes;
      pump();
      return;
    }
    auto t = std::make_shared<detail::timer>(ex_, clock_);
    t->expires_after(at - now());
    t->async_wait([this, t, bytes, alive = alive_](std::error_code ec) {
      if (ec || !*alive) return;
      to_host_ += bytes;
      pump();
    });
  }

  void peer_receive(const std::string& bytes) {
    std::string replies;
    std::chrono::milliseconds delay;
    std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>> scheduled;
    {
      std::lock_guard lock(script_->mutex);
      script_->received += bytes;
      delay = script_->reply_delay;
      if (script_->silent) return;
      for (char c : bytes) {
        if (script_->online) {
          // Online: data is echoed back by the remote; "+++" escapes (no guard check here:
          // the hw-sim tests cover the guard rules).
          plus_run_ = (c == '+') ? plus_run_ + 1 : 0;
          if (plus_run_ == 3) {
            script_->online = false;
            script_->escaped = true;
            replies += "\r\nOK\r\n";
            plus_run_ = 0;
          } else if (c != '+') {
            replies += c;
          }
          continue;
        }
        if (c != '\r') {
          if (c != '\n') line_ += c;
          continue;
        }
        auto line = line_;
        line_.clear();
        // E1: the command line and its CR come back before the reply.
        std::string out = script_->echo ? line + "\r" : std::string();
        if (line.empty()) {
          replies += out;
          continue;
        }
        script_->commands.push_back(line);
        if (!script_->vanish_on.empty() && line == script_->vanish_on) {
          vanished_ = true;
          boost::asio::post(ex_, [this, alive = alive_] {
            if (!*alive) return;
            pump();
            deliver_lines();
          });
          return;
        }
        auto r = script_->reply ? script_->reply(line) : default_reply(line);
        if (line.rfind("ATD", 0) == 0) script_->off_hook = true;
        if (line.rfind("ATH", 0) == 0) script_->off_hook = false;
        if (r.find("CONNECT") != std::string::npos) script_->online = true;
        else if (line.rfind("ATD", 0) == 0 && r.find("OK") == std::string::npos)
          script_->off_hook = r.empty();  // BUSY etc.: back on-hook; no reply: still dialing
        auto b = script_->busy_for.find(line);
        if (b != script_->busy_for.end() || now() < busy_until_) {
          // Busy: this line's echo and reply wait until the modem is free, then for its
          // own processing time — a modem handles one command line at a time.
          auto start = std::max(now(), busy_until_);
          busy_until_ = start + (b != script_->busy_for.end() ? b->second : std::chrono::milliseconds(0));
          scheduled.emplace_back(busy_until_, out + r);
          continue;
        }
        replies += out + r;
      }
    }
    if (!replies.empty()) send(replies, delay);
    for (auto& [at, out] : scheduled) send_at(at, std::move(out));
  }

  boost::asio::any_io_executor ex_;
  std::shared_ptr<fake_script> script_;
  std::string name_;
  std::shared_ptr<virtual_clock> clock_;
  std::chrono::steady_clock::time_point busy_until_{};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool open_ = true;
  bool vanished_ = false;
  boost::asio::mutable_buffer read_buf_;
  io_handler reader_;
  line_handler line_waiter_;
  std::optional<modem_lines> reported_;  // the lines as the last event (or the open) gave them
  std::string to_host_;
  std::string line_;
  int plus_run_ = 0;
};

// Hands out fake transports; each port name has its own script.
class fake_factory final : public transport_factory {
 public:
  explicit fake_factory(std::shared_ptr<virtual_clock> clock = nullptr) : clock_(std::move(clock)) {}

  std::shared_ptr<fake_script> script(const std::string& port) {
    std::lock_guard lock(mutex_);
    auto& s = scripts_[port];
    if (!s) s = std::make_shared<fake_script>();
    return s;
  }

  void async_open(const std::string& port, const port_settings&,
                  boost::asio::any_io_executor ex, open_handler h) override {
    auto s = script(port);
    std::error_code ec;
    {
      std::lock_guard lock(s->mutex);
      if (s->open_fails) ec = std::make_error_code(std::errc::no_such_file_or_directory);
      if (s->open_error == "busy") ec = std::make_error_code(std::errc::device_or_resource_busy);
    }
    auto box = std::make_shared<std::unique_ptr<transport>>();
    if (!ec) *box = std::make_unique<fake_transport>(ex, s, port, clock_);
    opened_.fetch_add(ec ? 0 : 1);
    boost::asio::post(ex, [h = std::move(h), ec, box] { h(ec, std::move(*box)); });
  }

  int opened() const { return opened_.load(); }

 private:
  std::shared_ptr<virtual_clock> clock_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<fake_script>> scripts_;
  std::atomic<int> opened_{0};
};

}  // namespace dialup::test
