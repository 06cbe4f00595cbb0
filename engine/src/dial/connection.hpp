// connection: one dial's session FSM, from OpenPort to Connected, and its hang-up
// (docs/engine.md §2). Internal to the engine. Its files, by what they hold:
//   connection.cpp           the FSM core: the table's use, set_state, finish, the timer, the
//                            port, the modem's dial and the events from the line
//   connection_scripts.cpp   the link phases: terminal step, login/dial/password scripts, pauses
//   connection_callback.cpp  callback: the first call's end (a callback_phase), modem reset,
//                            wait for RING, answer
//   connection_redial.cpp    redial and reconnect
//   connection_hang_up.cpp   the hang-up procedure
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "at/modem_procedures.hpp"  // call_result
#include "connection_state.hpp"
#include "dialup/engine/at_channel.hpp"
#include "dialup/engine/chat_script.hpp"
#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/detail/timer.hpp"
#include "link_phase.hpp"
#include "manager_core.hpp"
#include "notify/notify_sink.hpp"
#include "secret_redactor.hpp"

namespace dialup::detail {

class script_phase;

// The scripts of one dial, parsed before it starts (a syntax error refuses the dial).
struct dial_scripts {
  std::optional<chat_script> dial;             // dial_entry::dial_script
  std::optional<chat_script> login;            // dial_entry::login_script
  std::optional<chat_script> callback;         // after a callback (else login)
  std::optional<chat_script> password_change;  // on resume from PasswordExpired
};

// What a transition tells the dial's notifier besides the new state's own RAS state.
struct state_notice {
  std::vector<conn_state> passing;  // RAS states reported first, in order
  bool again = false;               // report the state's RAS state even if it is unchanged
  std::uint32_t extended = 0;       // with it: why the last attempt ended (a redial)
  std::error_code error;            // report the RAS state (or report_as) with this error
  std::optional<conn_state> report_as;  // with error: the state the error is reported in
  std::string detail;                   // with error: dial_event::detail
};

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
  using state = connection_state;

  using notice = state_notice;

  // --- the FSM core (connection.cpp)
  // The only place the state changes: logs old -> new, reports RAS states to the notifier
  // (status first, then the notification: docs/architecture.md §7.2) and arms the one timer.
  void set_state(state next, notice n = {});
  void report(conn_state s, std::uint32_t extended = 0);
  void arm_timer();
  std::optional<std::chrono::steady_clock::duration> timer_wait() const;
  void on_timer();
  // Every failure of the dial passes here (docs/ras-model.md §1.5, §2.1).
  void finish(std::error_code ec, std::string detail = {});
  // Our own deadline ran out, or the port failed, while the modem was still dialing: any
  // character aborts the dial (docs/modem-behaviour.md §1.2).
  void fail_while_dialing(std::error_code ec);
  dial_event event(conn_state s, std::error_code ec = {}, std::uint32_t extended = 0) const;
  bool in(std::initializer_list<state> states) const;
  bool paused_states() const { return (extensions_.options & rdeopt_paused_states) != 0; }

  void open_port();
  void on_opened(std::error_code ec, std::unique_ptr<transport> t);
  void start_init(state s);  // init or callback_init
  void dial(notice n = {});
  std::chrono::milliseconds connect_timeout() const;
  void on_dial_reply(std::error_code ec, const call_result& r);
  void record_connect(const at_reply& reply);
  void on_unsolicited(const response_line& line);
  void on_ring();
  void on_carrier_lost(const char* how = "carrier lost (NO CARRIER)");
  void watch_lines();  // modem-control change events, while the transport gives them
  void on_line_event(std::error_code ec, const modem_line_event& ev);
  void on_port_error(std::error_code ec);
  void connected(std::vector<conn_state> passing);
  void online_check();
  void went_down(std::error_code ec);  // publishes the disconnected event, once

  // --- cellular (connection_cellular.cpp): the SIM, the APN and the registration before the
  // dial when the profile is cellular; else the dial at once
  void cellular_then_dial();
  // A cellular modem's +CME ERROR to ATD*99# read through cme_to_ras (27.007 §9.2), logged
  // with its text; any other failure as it was.
  std::error_code cellular_dial_error(const at_reply& reply, std::error_code ec) const;

  // --- link phases (connection_scripts.cpp)
  void after_device_connected();
  void start_login();
  void start_script(state s, notice n = {});
  void on_script_done(state purpose, const link_outcome& outcome);
  void pause(state s, notice n = {});
  chat_substitutions substitutions() const;
  void record_connect_line(const std::string& seen);

  // --- callback (connection_callback.cpp)
  void start_callback();
  void callback_modem_reset();
  void wait_for_callback();
  void on_answer_reply(std::error_code ec, const call_result& r);

  // --- redial and reconnect (connection_redial.cpp)
  bool should_redial(std::error_code fail) const;
  std::chrono::milliseconds take_redial_pause();
  void schedule_redial(std::error_code fail);
  void redial();
  void drop_online(std::error_code ec);
  void start_reconnect(std::error_code why);
  void reconnect();
  void reopen();
  void schedule_reopen();

  // --- hang-up (connection_hang_up.cpp)
  void abort_dial();
  void send_abort_character(int attempts);
  void on_abort_reply(std::error_code ec, const at_reply& reply);
  void hang_up_online();
  void send_ath_then_close();
  void on_ath(std::error_code ec, const at_reply& r);
  // result: empty, or request_timeout when the modem could not be confirmed on-hook (ATH
  // unanswered or refused, or the hang-up deadline ran out); the port is closed either way.
  void close_and_retire(std::error_code result = {});
  std::chrono::steady_clock::duration hang_up_budget() const;
  // Aborting a dial in progress: how long to wait for the modem's answer to a bare CR, and
  // how many CRs to send before ATH goes anyway.
  static constexpr std::chrono::milliseconds abort_wait{1000};
  static constexpr int abort_attempts = 2;

  void log(log_level level, const std::string& text) const;
  // Whether anyone listens: log text is not even built when nobody does.
  bool logging() const { return static_cast<bool>(core_->log_sink); }
  std::function<void(log_level, std::string_view)> log_fn() const;
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
  dial_scripts scripts_;

  // The FSM.
  state state_ = state::opening;
  std::optional<conn_state> ras_;  // the RAS state last reported; none before start()
  detail::timer timer_;            // the one timer: what it means is the state's row
  std::chrono::milliseconds wait_{0};  // redial_wait, reconnect_wait, reopen_wait: how long
  std::error_code wait_cause_;         // ... and why (the failed attempt, the lost line)
  std::optional<std::chrono::steady_clock::time_point> dcd_poll_at_;  // online, no line events
  bool line_events_ = false;  // the transport reports DCD/RI changes: no DCD poll
  std::optional<std::chrono::steady_clock::time_point> idle_check_at_;  // online
  bool reconnecting_ = false;  // this dial is a reconnect: the dial's notifier is done
  bool called_back_ = false;   // the call is the server's callback
  bool off_hook_sent_ = false;  // ATD, ATA or a dial script went to the modem
  bool published_up_ = false;
  bool published_down_ = false;

  std::shared_ptr<transport> transport_;
  std::shared_ptr<at_channel> channel_;
  std::shared_ptr<link_phase> link_;           // the link phase running, or the last one
  std::shared_ptr<script_phase> dial_script_;  // link_ when it is the dial script
  std::optional<std::string> reserved_key_;    // the port's key while this connection owns it

  // The hang-up procedure.
  detail::timer step_timer_;  // the hang-up's: the dial abort's waits, a DTR drop
  std::chrono::steady_clock::time_point off_hook_command_at_{};  // ATD / ATA handed to the channel
  bool abort_pending_ = false;  // hang_up is waiting for the aborted ATD / ATA to answer
  std::vector<std::function<void(std::error_code)>> hang_up_done_;

  mutable std::mutex status_mutex_;
  connection_status status_;
};

}  // namespace dialup::detail
