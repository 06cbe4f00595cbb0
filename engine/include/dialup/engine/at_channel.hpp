// dialup::at_channel — one modem's command channel: AT commands one at a time, replies
// classified by the profile's response table, unsolicited lines routed to a subscriber,
// and after CONNECT the same port as a raw data stream.
//
// The rules it keeps (docs/architecture.md §7, docs/peers.md §2.2):
// - one command at a time; further commands wait in a queue;
// - a command's timeout is armed only after its write has completed;
// - the echo of the command (E1) is recognised and dropped, never taken for a reply;
// - RING and other unsolicited lines never complete a command;
// - after a timeout or a cancelled command, input is drained until the modem has been
//   quiet for `resync_quiet` before the next command is written; and when the modem
//   echoes commands (E1), the first command after that accepts no reply before its own
//   echo — a modem answers commands in order, so a late reply to the timed-out command
//   comes before the next command's echo and is dropped (docs/peers.md §2.2, §11);
//   `max_consecutive_timeouts` timeouts in a row declare the port unresponsive (every
//   later command fails with device_not_ready);
// - a command sent with settle_after (the reset) is followed by the same drain, without
//   the echo rule, so what a resetting modem sends after its OK never answers the next one.
//
// Threading: not thread-safe. Every member function must be called on the executor given
// to the constructor (the engine's strand), and every handler runs there, never inside the
// initiating call.
//
// Errors given to command handlers: std::errc::timed_out (no final reply in time),
// asio::error::operation_aborted (cancel()), ras_error::device_not_ready (declared
// unresponsive), or the transport's error (EOF/EIO when the device vanished).
#pragma once

#include <array>
#include <chrono>
#include <deque>
#include <optional>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "dialup/engine/at_parser.hpp"
#include "dialup/engine/detail/asio.hpp"
#include "dialup/engine/detail/timer.hpp"
#include "dialup/engine/transport.hpp"

namespace dialup {

struct at_reply {
  response_line final;                    // the final result (OK, CONNECT, BUSY, ...)
  std::vector<response_line> information; // information text, in order
  std::vector<response_line> progress;    // CARRIER / PROTOCOL / COMPRESSION / +MCR ...
};

struct at_command_options {
  std::chrono::milliseconds timeout{3000};
  bool numeric_codes = false;  // accept V0 numeric result codes for this command
  // After this command's final reply, drain input until the modem has been quiet for
  // `resync_quiet` before the next command is written. For the reset (ATZ, AT&F): a modem
  // that is reinitialising may send more than its OK (a second OK, a banner, noise), and
  // a stray final read as the next command's reply would shift every reply after it.
  // Unlike a resynchronisation it does not make the next command wait for its echo: after
  // a reset the stored profile decides whether the modem echoes (docs/modem-behaviour.md §9).
  bool settle_after = false;
};

class at_channel : public std::enable_shared_from_this<at_channel> {
 public:
  using command_handler = std::function<void(std::error_code, at_reply)>;
  using line_handler = std::function<void(const response_line&)>;
  using trace_handler = std::function<void(char direction, std::string_view bytes)>;
  using error_handler = std::function<void(std::error_code)>;
  using data_handler = std::function<void(std::error_code, std::size_t)>;

  // clock: the engine's virtual clock, or null for real time.
  at_channel(boost::asio::any_io_executor ex, std::shared_ptr<transport> port,
             response_table table, std::chrono::milliseconds resync_quiet,
             int max_consecutive_timeouts, std::shared_ptr<virtual_clock> clock = nullptr);
  ~at_channel();

  // Starts the reader. Call once, after construction.
  void start();
  // The executor every handler of this channel runs on (the one it was given).
  using executor_type = boost::asio::any_io_executor;
  executor_type get_executor() const noexcept { return ex_; }

  // Sends `command` + CR and completes with its final reply.
  void async_command(std::string command, at_command_options options, command_handler h);

  // Writes bytes as they are (no CR appended, no reply expected): an abort character
  // during ATD, for example.
  void async_write_raw(std::string bytes, std::function<void(std::error_code)> h);

  // Leaves data state with the escape sequence (docs/modem-behaviour.md §3.3): guard time of silence
  // from us, the escape characters, another guard time, then the modem's OK. Completes
  // with the OK (or timed_out).
  void async_escape(std::string escape, std::chrono::milliseconds guard,
                    std::chrono::milliseconds timeout, command_handler h);

  // Unsolicited lines (RING, caller ID, ...) and stray lines outside a command.
  void on_unsolicited(line_handler h) { unsolicited_ = std::move(h); }
  // Every byte each way, for traces (direction '<' from the modem, '>' to it).
  void on_trace(trace_handler h) { trace_ = std::move(h); }
  // The port failed (EOF/EIO: the device vanished) — reported once.
  void on_port_error(error_handler h) { port_error_ = std::move(h); }
  // In data state: the modem reported NO CARRIER in-band (the carrier dropped).
  void on_carrier_lost(std::function<void()> h) { carrier_lost_ = std::move(h); }

  bool in_data_mode() const noexcept { return parser_.in_data_mode(); }
  // The modem left data state by other means (a DTR drop): read lines again.
  void assume_command_mode() {
    parser_.resume_command_mode();
    data_in_.clear();
    carrier_watch_ = true;
  }

  // Raw data state from here on, without a CONNECT: every byte from the modem goes to the
  // data reader. For a dial script that talks to the modem itself; carrier_watch false
  // keeps "NO CARRIER" in the data (the script's ABORT sees it) until set_carrier_watch().
  void assume_data_mode(bool carrier_watch) {
    parser_.enter_data_mode();
    data_in_.clear();
    carrier_watch_ = carrier_watch;
    carrier_scan_.clear();
  }
  void set_carrier_watch(bool on) {
    carrier_watch_ = on;
    carrier_scan_.clear();
  }

  // Data state: reads call data into buffer (at least one byte), writes it out.
  void async_read_data(boost::asio::mutable_buffer buffer, data_handler h);
  // trace_as: what the trace shows instead of the bytes (a login script's redacted send).
  void async_write_data(boost::asio::const_buffer buffer, data_handler h,
                        std::optional<std::string_view> trace_as = std::nullopt);
  // When call data last went either way (the idle-disconnect clock); `now` if none yet.
  std::chrono::steady_clock::time_point last_data_activity(std::chrono::steady_clock::time_point now) const {
    return last_data_ ? *last_data_ : now;
  }
  // Puts call data back in front of what is buffered (a login script's unread bytes).
  void unread_data(std::string bytes);
  // Completes a pending data read with operation_canceled.
  void cancel_data_read();

  // Cancels the command in progress (and any queued), completing them with
  // operation_aborted, and any pending data read. The next command resynchronises first.
  void cancel();
  // Stops the reader and all timers for good; handlers still pending complete with
  // operation_aborted.
  void stop();

  int consecutive_timeouts() const noexcept { return consecutive_timeouts_; }

 private:
  struct pending {
    std::string command;         // without CR; empty for an escape (no echo, no write)
    at_command_options options;
    command_handler handler;
    at_reply reply;
    bool echo_seen = false;
    bool written = false;
    bool needs_echo = false;     // replies before our echo are stale (first command after a resync)
    std::string raw;             // what to write (command + CR, or the escape)
    bool escape = false;         // the escape sequence: guard time, raw, then an OK
    std::chrono::milliseconds guard{0};
  };

  void read_more();
  void on_read(std::error_code ec, std::size_t n);
  void handle_lines(std::vector<response_line>& lines);
  void handle_line(response_line& line);
  void deliver_data();
  void watch_for_connect(std::string_view data);
  void append_data(std::string_view data);
  void next();
  void write_current();
  void arm_timeout();
  void on_deadline(std::error_code ec);
  std::chrono::steady_clock::time_point now() const;
  void complete(std::error_code ec);
  void fail_all(std::error_code ec);
  void start_resync();
  void wait_quiet();
  void post_handler(command_handler h, std::error_code ec, at_reply reply);

  boost::asio::any_io_executor ex_;
  std::shared_ptr<transport> port_;
  at_parser parser_;
  std::chrono::milliseconds resync_quiet_;
  int max_consecutive_timeouts_;

  // Command timeouts: one deadline timer armed lazily. A command sets deadline_; the timer
  // is re-armed only when it would fire too late, and is not cancelled when a command
  // completes (it checks deadline_ when it fires). That saves two timer syscalls per
  // command on the reactor — most commands take microseconds, their timeouts seconds.
  detail::timer deadline_timer_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  std::optional<std::chrono::steady_clock::time_point> armed_for_;
  detail::timer guard_timer_;   // escape guard time
  detail::timer resync_timer_;
  std::shared_ptr<virtual_clock> clock_;
  std::optional<std::chrono::steady_clock::time_point> last_data_;
  std::array<char, 4096> read_buf_{};
  bool reading_ = false;
  bool stopped_ = false;
  bool port_failed_ = false;
  std::error_code port_error_code_;

  std::deque<pending> queue_;         // front is the current command when active_
  bool active_ = false;
  bool resyncing_ = false;
  bool need_resync_ = false;
  int consecutive_timeouts_ = 0;
  bool unresponsive_ = false;
  bool echo_on_ = false;              // the modem echoed the last command that completed
  bool after_resync_ = false;         // the next command is the first after a resync
  bool need_settle_ = false;          // drain until quiet before the next command (settle_after)
  bool settling_ = false;             // the drain in progress is a settle, not a resync

  // Data state.
  std::string data_in_;               // received call data not yet read by the caller
  bool carrier_watch_ = true;          // in data state, an in-band NO CARRIER ends the call
  std::string carrier_scan_;          // tail of the data kept to spot "NO CARRIER" across reads
  std::string connect_scan_;          // the same for "CONNECT" while an escape waits its guard
  boost::asio::mutable_buffer data_buf_;
  data_handler data_reader_;
  static constexpr std::size_t max_buffered_data = 64 * 1024;

  line_handler unsolicited_;
  trace_handler trace_;
  error_handler port_error_;
  std::function<void()> carrier_lost_;
};

}  // namespace dialup
