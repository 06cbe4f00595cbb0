// connection: one dial's session FSM, and manager_core: what every connection shares.
// Internal to the engine.
#pragma once

#include <array>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dialup/engine/at_channel.hpp"
#include "dialup/engine/chat_script.hpp"
#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/detail/timer.hpp"
#include "notify_sink.hpp"
#include "secret_redactor.hpp"

namespace dialup::detail {

class connection;

// The scripts of one dial, parsed before it starts (a syntax error refuses the dial).
struct dial_scripts {
  std::optional<chat_script> dial;             // dial_entry::dial_script
  std::optional<chat_script> login;            // dial_entry::login_script
  std::optional<chat_script> callback;         // after a callback (else login)
  std::optional<chat_script> password_change;  // on resume from PasswordExpired
};

// Where a synchronous dial (and each synchronous resume) waits: fired by the first
// terminal or paused notification after it was armed.
class sync_waiter {
 public:
  std::future<std::error_code> arm() {
    std::lock_guard lock(mutex_);
    promise_.emplace();
    return promise_->get_future();
  }
  void fire(std::error_code ec) {
    std::lock_guard lock(mutex_);
    if (!promise_) return;
    promise_->set_value(ec);
    promise_.reset();
  }

 private:
  std::mutex mutex_;
  std::optional<std::promise<std::error_code>> promise_;
};

struct manager_core : std::enable_shared_from_this<manager_core> {
  boost::asio::any_io_executor strand;
  std::shared_ptr<transport_factory> transports;
  std::shared_ptr<virtual_clock> clock;  // null: real time
  std::function<void(log_level, std::string_view)> log_sink;

  mutable std::mutex mutex;
  mutable std::condition_variable retired_cv;
  std::map<std::uint64_t, std::shared_ptr<connection>> connections;
  std::set<std::string> ports_in_use;
  std::uint64_t next_handle = 1;

  struct subscription {
    std::uint64_t id;
    connection_handle handle;  // null: every connection
    boost::asio::any_io_executor ex;
    std::function<void(const connection_event&)> f;
  };
  std::vector<subscription> subscriptions;
  std::uint64_t next_subscription = 1;

  void log(log_level level, std::string_view text) const {
    if (log_sink) log_sink(level, text);
  }
  // Posts e to every subscriber of its handle. Thread-safe.
  void publish(const connection_event& e);
  // Port ownership (docs/architecture.md contract 4). Thread-safe.
  // The key the port is reserved under, or nullopt if it is in use already.
  std::optional<std::string> reserve_port(const std::string& port);
  void release_port(const std::string& key);
  std::shared_ptr<connection> find(connection_handle h) const;
  void retire(connection_handle h);
};

// The key a port is owned under: the canonical path for device paths, so that a symlink
// and its target are one port; the name itself for anything else.
std::string port_key(const std::string& port);

class connection : public std::enable_shared_from_this<connection> {
 public:
  // numbers: normalized dial strings, the first dialled first, the rest alternates.
  connection(std::shared_ptr<manager_core> core, connection_handle h, dial_entry entry,
             std::vector<std::string> numbers, dial_params params, dial_extensions extensions,
             dial_scripts scripts, std::shared_ptr<notify_sink> sink,
             std::shared_ptr<sync_waiter> waiter);

  // All of these run on the strand.
  void start();
  void hang_up(std::function<void(std::error_code)> done);
  void read_data(boost::asio::mutable_buffer buf, std::function<void(std::error_code, std::size_t)> h);
  void write_data(boost::asio::const_buffer buf, std::function<void(std::error_code, std::size_t)> h);
  // Resumes a paused dial with new input (docs/ras-model.md §1.4). False if it is not paused;
  // a synchronous dial's waiter is then fired with the connection's error.
  bool resume(const dial_params& params);

  // Any thread.
  const std::shared_ptr<sync_waiter>& waiter() const { return waiter_; }
  connection_status status() const;
  connection_info info() const;

 private:
  // Where the dial is inside the RAS states. ConnectDevice covers reset, init and dial.
  enum class phase {
    opening,       // OpenPort: the transport is being opened
    commands,      // ConnectDevice: reset and init commands
    dialing,       // ConnectDevice: ATD sent, waiting for CONNECT
    redial_wait,   // ConnectDevice: an attempt failed; pausing before the next
    scripting,     // a script runs over the data line (see script_purpose)
    paused,        // a paused state: waiting for the caller's resume (paused_in_)
    callback_prepare,  // PrepareForCallback: waiting for the server to hang up
    callback_wait,     // WaitForCallback: waiting for RING
    answering,         // ATA sent after the callback's RING, waiting for CONNECT
    online,        // Connected: data state
    failed,        // the dial failed; waiting for the caller's hang-up
    dropped,       // was online; the carrier dropped or the device vanished
    hanging_up,
    closed,
  };

  void set_state(conn_state s);
  // detail: what happened beyond the RAS number, in the user's words (dial_event::detail).
  void finish(std::error_code ec, std::string detail = {});
  dial_event event(conn_state s, std::error_code ec = {}, std::uint32_t extended = 0) const;
  void open_port();
  void on_opened(std::error_code ec, std::unique_ptr<transport> t);
  void record_connect(const at_reply& reply);
  std::chrono::milliseconds take_redial_pause();
  void run_command(std::size_t index);
  void on_command(std::size_t index, std::error_code ec, const at_reply& reply);
  void dial();
  std::chrono::milliseconds connect_timeout() const;
  void on_dial_reply(std::error_code ec, const at_reply& reply);
  bool should_redial(std::error_code fail) const;
  void schedule_redial(std::error_code fail);
  void on_port_error(std::error_code ec);
  void connected_states();
  enum class script_purpose {
    dial,             // dial_entry::dial_script: the whole modem dialogue (ConnectDevice)
    login,            // the post-dial login script (its own ConnectDevice/DeviceConnected)
    callback_login,   // after the callback was answered (ReAuthenticate)
    password_change,  // after a resume from PasswordExpired
  };
  enum class after_commands { dial, wait_for_callback };

  void start_script(script_purpose purpose);
  void after_device_connected();
  void start_login();
  void pause(conn_state s);
  void record_connect_line(const std::string& seen);
  void start_callback();
  void callback_modem_reset();
  void wait_for_callback();
  void on_unsolicited(const response_line& line);
  void on_answer_reply(std::error_code ec, const at_reply& reply);
  void start_reconnect(std::error_code why);
  void reopen();
  void schedule_reopen();
  void run_init_commands(after_commands then);
  chat_substitutions substitutions() const;
  bool paused_states() const { return (extensions_.options & rdeopt_paused_states) != 0; }
  void script_read();
  void pump_script();
  void on_script_done();
  void on_carrier_lost();
  void drop_online(std::error_code ec);
  void went_down(std::error_code ec);  // publishes the disconnected event, once
  void arm_idle_timer();
  void watch_dcd();

  // Hang-up procedure.
  void hang_up_online();
  void abort_dial();
  void send_abort_character(int attempts);
  void on_abort_reply(std::error_code ec, const at_reply& reply);
  // Aborting a dial in progress: how long to wait for the modem's answer to a bare CR, and
  // how many CRs to send before ATH goes anyway.
  static constexpr std::chrono::milliseconds abort_wait{1000};
  static constexpr int abort_attempts = 2;
  std::chrono::steady_clock::time_point off_hook_command_at_{};  // ATD / ATA handed to the channel
  bool abort_pending_ = false;  // hang_up is waiting for the aborted ATD / ATA to answer
  void leave_data_mode(std::function<void()> then);
  void send_ath_then_close();
  // result: empty, or request_timeout when the modem could not be confirmed on-hook (ATH
  // unanswered or refused, or the hang-up deadline ran out); the port is closed either way.
  void close_and_retire(std::error_code result = {});

  std::error_code map_channel_error(std::error_code ec) const;
  void log(log_level level, const std::string& text) const;
  // Whether anyone listens: log text is not even built when nobody does.
  bool logging() const { return static_cast<bool>(core_->log_sink); }
  std::chrono::steady_clock::time_point clock_now() const;

  std::shared_ptr<manager_core> core_;
  const connection_handle handle_;
  const dial_entry entry_;
  std::vector<std::string> numbers_;  // normalized: the entry's number, then its alternates
  std::string number_;                // the one dialled in this attempt
  std::uint32_t attempt_ = 1;
  std::chrono::milliseconds next_pause_{0};
  dial_params params_;                 // replaced by each resume
  secret_redactor trace_in_;           // every password given is masked in the trace,
  secret_redactor trace_out_;          // per direction (from / to the modem)
  const dial_extensions extensions_;
  std::shared_ptr<notify_sink> sink_;
  std::shared_ptr<sync_waiter> waiter_;  // a synchronous dial's; null for an asynchronous one

  phase phase_ = phase::opening;
  conn_state state_ = conn_state::open_port;
  std::vector<std::pair<std::string, at_command_options>> commands_;
  std::shared_ptr<transport> transport_;
  std::shared_ptr<at_channel> channel_;
  detail::timer timer_;     // DTR drop
  detail::timer deadline_;  // hang-up must finish by then
  detail::timer redial_timer_;
  dial_scripts scripts_;
  script_purpose purpose_ = script_purpose::login;
  after_commands after_commands_ = after_commands::dial;
  conn_state paused_in_ = conn_state::interactive;
  bool reconnecting_ = false;
  bool called_back_ = false;
  detail::timer callback_timer_;
  std::unique_ptr<chat_runner> runner_;
  std::array<char, 1024> script_buf_{};
  std::string dial_seen_;  // the last bytes a dial script read (for its CONNECT line)
  detail::timer script_timer_;
  detail::timer idle_timer_;
  detail::timer dcd_timer_;
  bool published_up_ = false;
  bool published_down_ = false;
  std::optional<std::string> reserved_key_;  // the port's key while this connection owns it
  bool started_ = false;  // set_state has run once
  bool hanging_up_ = false;
  bool off_hook_sent_ = false;  // ATD, ATA or a dial script went to the modem
  std::vector<std::function<void(std::error_code)>> hang_up_done_;

  mutable std::mutex status_mutex_;
  connection_status status_;
};

}  // namespace dialup::detail
