// connection: the link phases after the modem's CONNECT (docs/ras-model.md §3.3) — the
// terminal step, the login script (with the callback number asked first), the paused states
// and their resume, the dial script's own CONNECT. Each script runs as a script_phase.
#include "connection.hpp"
#include "script_phase.hpp"

namespace dialup::detail {

// After the modem's DeviceConnected: the terminal step (RASEO_TerminalAfterDial), then the
// login script, each a device of its own with its own ConnectDevice / DeviceConnected pair
// after the modem's (docs/ras-model.md §3.3).
void connection::after_device_connected() {
  if (entry_.terminal_after_dial) {
    notice n;
    n.passing = {conn_state::connect_device};
    if (!paused_states()) {
      set_state(state::call_up, std::move(n));
      log(log_level::info, "the entry wants a terminal step and paused states are off");
      finish(ras_error::interactive_mode);
      return;
    }
    pause(state::terminal, std::move(n));
    return;
  }
  start_login();
}

void connection::start_login() {
  if (!scripts_.login) {
    connected({});
    return;
  }
  notice n;
  n.passing = {conn_state::connect_device};
  set_state(state::call_up, std::move(n));
  if (scripts_.login->uses_callback() && params_.callback_number == "*") {
    // The caller sets the callback number (docs/ras-model.md §1.4): ask for it before the script
    // needs it; the server's prompt waits in the port's buffer meanwhile.
    if (!paused_states()) {
      log(log_level::info, "callback number \"*\" without paused states");
      finish(ras_error::bad_callback_number);
      return;
    }
    pause(state::callback_number);
    return;
  }
  start_script(state::login_script);
}

// Enters a paused state: the notifier gets it (no error), a synchronous dial returns, and
// the connection waits for resume() or hang_up(). Nothing reads the line meanwhile except a
// caller's data_stream in Interactive: what the remote sends stays in the channel's buffer
// (then in the port's, with flow control) for the next script.
void connection::pause(state s, notice n) {
  set_state(s, std::move(n));
  if (reconnecting_) {
    // The dial's notifier finished at the first Connected: subscribers are told instead.
    connection_event e{handle_, connection_event_kind::paused, {}, clock_now()};
    e.state = *row(s).reports;
    core_->publish(e);
  }
}

bool connection::resume(const dial_params& params) {
  if (!row(state_).paused) {
    if (waiter_) {
      std::error_code ec;
      {
        std::lock_guard lock(status_mutex_);
        ec = status_.error;
      }
      waiter_->fire(ec ? ec : std::error_code(ras_error::dial_already_in_progress));
    }
    return false;
  }
  params_ = params;
  trace_in_.add_secret(params_.password);
  trace_out_.add_secret(params_.password);
  if (logging()) log(log_level::info, "resumed from " + std::string(to_string(*row(state_).reports)));
  switch (state_) {
    case state::terminal: {
      // The caller's terminal is done with the line; a login script reads it from here.
      if (scripts_.login) channel_->cancel_data_read();
      notice n;
      n.passing = {conn_state::device_connected};
      set_state(state::call_up, std::move(n));
      start_login();
      break;
    }
    case state::callback_number:
      start_script(state::login_script);
      break;
    case state::retry_authentication: {
      notice n;
      n.passing = {conn_state::connect_device};
      start_script(called_back_ ? state::callback_script : state::login_script, std::move(n));
      break;
    }
    case state::password_expired:
      start_script(state::password_script);
      break;
    default:
      break;
  }
  return true;
}

chat_substitutions connection::substitutions() const {
  chat_substitutions subs;
  subs.phone = number_;
  subs.user = params_.user_name;
  subs.password = params_.password;
  subs.callback = params_.callback_number;
  return subs;
}

// s: dial_script, login_script, password_script or callback_script.
void connection::start_script(state s, notice n) {
  const chat_script* script = nullptr;
  switch (s) {
    case state::dial_script: script = &*scripts_.dial; break;
    case state::login_script: script = &*scripts_.login; break;
    case state::callback_script: script = scripts_.callback ? &*scripts_.callback : &*scripts_.login; break;
    case state::password_script: script = &*scripts_.password_change; break;
    default: return;
  }
  set_state(s, std::move(n));
  if (link_) {
    // What the last script did not read (the rest of a refusal, a new prompt) is the next
    // script's to read.
    auto unread = link_->take_unread();
    if (!unread.empty()) channel_->unread_data(std::move(unread));
  }
  std::weak_ptr<connection> weak = weak_from_this();
  auto phase = std::make_shared<script_phase>(
      core_->strand, core_->clock, channel_, *script, substitutions(), s == state::dial_script, log_fn(),
      [weak, s](const link_outcome& o) {
        if (auto self = weak.lock()) self->on_script_done(s, o);
      });
  link_ = phase;
  dial_script_ = s == state::dial_script ? phase : nullptr;
  phase->start();
}

namespace {

bool modem_refusal(std::error_code ec) {
  return ec == ras_error::line_busy || ec == ras_error::no_carrier || ec == ras_error::no_dialtone ||
         ec == ras_error::no_answer || ec == ras_error::voice_answer || ec == ras_error::from_device;
}

}  // namespace

void connection::on_script_done(state purpose, const link_outcome& outcome) {
  if (state_ != purpose) return;
  if (outcome.callback) {
    if (purpose == state::login_script) {
      start_callback();
      return;
    }
    // A dial script cannot be called back, nor a callback asked for twice.
    finish(ras_error::unexpected_response);
    return;
  }
  if (const auto ec = outcome.error) {
    if (purpose == state::dial_script) {
      // The modem's own refusals (BUSY, NO CARRIER, ...) are redialled like the engine's.
      // Otherwise it may have got as far as CONNECT: hang_up() sees the data state.
      if (should_redial(ec)) {
        schedule_redial(ec);
        return;
      }
      // An ABORT on one of the modem's final result codes (BUSY, NO CARRIER, NO DIALTONE,
      // NO ANSWER, VOICE, ERROR) means the modem is back in command state (V.250 §5.7.1,
      // §6.3.1): the hang-up sends ATH at once, where an escape's two guards and its
      // unanswered "+++" would have cost it 5 s.
      if (modem_refusal(ec)) channel_->assume_command_mode();
      finish(ec);
      return;
    }
    // The call is up; finish() reports, hang_up() clears it.
    if (paused_states() && ec == ras_error::authentication_failure) {
      log(log_level::info, "the login was refused; waiting for new credentials");
      pause(state::retry_authentication);
      return;
    }
    if (paused_states() && ec == ras_error::passwd_expired && purpose != state::password_script) {
      log(log_level::info, "the password has expired; waiting for a new one");
      pause(state::password_expired);
      return;
    }
    finish(ec);
    return;
  }
  auto unread = link_->take_unread();
  if (purpose == state::dial_script && dial_script_) record_connect_line(dial_script_->seen() + unread);
  if (!unread.empty()) channel_->unread_data(std::move(unread));
  switch (purpose) {
    case state::dial_script: {
      channel_->set_carrier_watch(true);  // online: a NO CARRIER from here is a dropped call
      notice n;
      n.passing = {conn_state::device_connected};
      set_state(state::call_up, std::move(n));
      after_device_connected();
      return;
    }
    case state::callback_script:
      connected({conn_state::authenticated});
      return;
    default:  // login_script, password_script
      connected({conn_state::device_connected});
      return;
  }
}

// A dial script's call: the last complete CONNECT line the modem sent, for status() as the
// engine's own dial records it.
void connection::record_connect_line(const std::string& seen) {
  const auto at = seen.rfind("CONNECT");
  if (at == std::string::npos) return;
  const auto end = seen.find_first_of("\r\n", at);
  if (end == std::string::npos) return;  // the rest of the line is still on its way
  const auto line = at_parser(entry_.profile.responses).classify(std::string_view(seen).substr(at, end - at));
  if (line.kind != response_kind::connect) return;
  std::lock_guard lock(status_mutex_);
  status_.connect_rate = line.rate;
  status_.connect_text = line.text;
}

}  // namespace dialup::detail
