// connection: one dial, from OpenPort to Connected, and its hang-up.
//
//   OpenPort ──open ok──> PortOpened ──> ConnectDevice
//      │                                  │ reset (ATZ), init..., [S7=n]   each must answer OK
//      │                                  │ ATD<T|P><number>
//      │                                  ├── CONNECT ──> DeviceConnected ──> AllDevicesConnected
//      │                                  │                                   └─(link none)─> Connected
//      │                                  └── BUSY/NO ANSWER/NO CARRIER/NO DIALTONE/VOICE/ERROR/timeout
//      └──open failed──┐                                   │
//                      └──────────> finish(error): the state is reported again with the error;
//                                   the connection waits for hang_up (docs/ras-model.md §1.2)
//
//   hang_up (from any state):
//     data state, DTR      ──> DTR low for dtr_drop_time, DTR high ──┐
//     data state, no DTR   ──> guard, +++, guard, OK ───────────────┤
//     dialing              ──> CR past the 125 ms window, NO CARRIER┤
//     command state        ──────────────────────────────────────────┴─> ATH ─> close port ─> retire
//   Every step is bounded; whatever happens, the port is closed and the handle retired.
//
// Every event handler runs on the engine strand and starts with a guard on phase_, so a
// late completion (a reply after hang_up began) is dropped.
#include "connection.hpp"

#include <filesystem>

#include "dialup/engine/detail/errors.hpp"
#include "dialup/engine/dial_string.hpp"
#include "dialup/engine/port_error.hpp"
#include "dialup/engine/text.hpp"

namespace dialup::detail {
namespace asio = boost::asio;

std::string port_key(const std::string& port) {
  if (port.empty() || port.front() != '/') return port;
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(port, ec);
  return ec ? port : p.string();
}

std::optional<std::string> manager_core::reserve_port(const std::string& port) {
  auto key = port_key(port);
  std::lock_guard lock(mutex);
  if (!ports_in_use.insert(key).second) return std::nullopt;
  return key;
}

void manager_core::release_port(const std::string& key) {
  std::lock_guard lock(mutex);
  ports_in_use.erase(key);
}

std::shared_ptr<connection> manager_core::find(connection_handle h) const {
  std::lock_guard lock(mutex);
  auto it = connections.find(h.value);
  return it == connections.end() ? nullptr : it->second;
}

void manager_core::publish(const connection_event& e) {
  std::lock_guard lock(mutex);
  for (const auto& sub : subscriptions) {
    if (sub.handle && !(sub.handle == e.handle)) continue;
    asio::post(sub.ex, [f = sub.f, e] {
      try {
        f(e);
      } catch (...) {
        // A subscriber's exception must not reach the caller's loop through us.
      }
    });
  }
}

void manager_core::retire(connection_handle h) {
  {
    std::lock_guard lock(mutex);
    connections.erase(h.value);
  }
  retired_cv.notify_all();
}

connection::connection(std::shared_ptr<manager_core> core, connection_handle h,
                       dial_entry entry, std::vector<std::string> numbers, dial_params params,
                       dial_extensions extensions, dial_scripts scripts,
                       std::shared_ptr<notify_sink> sink, std::shared_ptr<sync_waiter> waiter)
    : core_(std::move(core)),
      handle_(h),
      entry_(std::move(entry)),
      numbers_(std::move(numbers)),
      number_(numbers_.front()),
      params_(std::move(params)),
      extensions_(extensions),
      sink_(std::move(sink)),
      waiter_(std::move(waiter)),
      timer_(core_->strand, core_->clock),
      deadline_(core_->strand, core_->clock),
      redial_timer_(core_->strand, core_->clock),
      scripts_(std::move(scripts)),
      callback_timer_(core_->strand, core_->clock),
      script_timer_(core_->strand, core_->clock),
      idle_timer_(core_->strand, core_->clock),
      dcd_timer_(core_->strand, core_->clock) {
  next_pause_ = std::chrono::duration_cast<std::chrono::milliseconds>(entry_.redial.pause);
  status_.device_name = entry_.port;
  status_.phone_number = number_;
  trace_in_.add_secret(params_.password);
  trace_out_.add_secret(params_.password);
}

void connection::log(log_level level, const std::string& text) const {
  core_->log(level, "[" + std::to_string(handle_.value) + "] " + text);
}

connection_status connection::status() const {
  std::lock_guard lock(status_mutex_);
  return status_;
}

connection_info connection::info() const {
  std::lock_guard lock(status_mutex_);
  connection_info i;
  i.handle = handle_;
  i.entry_name = entry_.name.empty() ? "." + number_ : entry_.name;
  i.device_name = entry_.port;
  i.state = status_.state;
  return i;
}

// The only place that changes the RAS state: logs old -> new, updates the status first,
// then posts the notification (docs/architecture.md §7: update first, then notify).
void connection::set_state(conn_state s) {
  if (logging())
    log(log_level::debug, started_ ? std::string(to_string(state_)) + " -> " + std::string(to_string(s))
                                    : "dial started: " + std::string(to_string(s)));
  started_ = true;
  state_ = s;
  {
    std::lock_guard lock(status_mutex_);
    status_.state = s;
  }
  sink_->push(event(s));
}

dial_event connection::event(conn_state s, std::error_code ec, std::uint32_t extended) const {
  dial_event e;
  e.handle = handle_;
  e.state = s;
  e.error = ec;
  e.extended_error = extended;
  e.sub_entry = params_.sub_entry;
  e.callback_id = params_.callback_id;
  e.time = std::chrono::steady_clock::now();
  e.attempt = attempt_;
  return e;
}

// Every failure of the dial passes here: the state in which it happened is reported again
// with the error (docs/ras-model.md §1.5, §2.1), and the connection waits for hang_up.
void connection::finish(std::error_code ec, std::string detail) {
  if (phase_ == phase::failed || phase_ == phase::closed || hanging_up_) return;
  log(log_level::info, "dial failed in " + std::string(to_string(state_)) + ": " + describe(ec) +
                           (detail.empty() ? "" : " (" + detail + ")"));
  bool was_dialing = phase_ == phase::dialing;
  phase_ = phase::failed;
  {
    std::lock_guard lock(status_mutex_);
    status_.error = ec;
    status_.error_detail = detail;
  }
  auto e = event(state_, ec);
  e.detail = std::move(detail);
  sink_->push(std::move(e));
  went_down(ec);  // a reconnect that gave up: subscribers hear why
  if (was_dialing && channel_) {
    // Our own timer ran out while the modem was still dialing: any character aborts the
    // dial (docs/modem-behaviour.md §1.2), so the line is not left off-hook until the caller hangs up.
    channel_->async_write_raw("\r", [](std::error_code) {});
  }
}

void connection::start() {
  set_state(conn_state::open_port);
  // Reserved under the key it has now: a symlink to a USB modem may point elsewhere by the
  // time the port is released (unplugged and plugged back in).
  reserved_key_ = core_->reserve_port(entry_.port);
  if (!reserved_key_) {
    finish(ras_error::port_already_open);
    return;
  }
  open_port();
}

void connection::open_port() {
  core_->transports->async_open(
      entry_.port, entry_.settings, core_->strand,
      [self = shared_from_this()](std::error_code ec, std::unique_ptr<transport> t) {
        self->on_opened(ec, std::move(t));
      });
}

// CONNECT: what the modem said about the link, for status().
void connection::record_connect(const at_reply& reply) {
  std::lock_guard lock(status_mutex_);
  status_.connect_rate = reply.final.rate;
  status_.connect_text = reply.final.text;
  status_.negotiation.clear();
  for (const auto& l : reply.progress) status_.negotiation.push_back(l.text);
}

void connection::on_opened(std::error_code ec, std::unique_ptr<transport> t) {
  if (hanging_up_) {
    // hang_up came while the port was opening: close it at once.
    if (t) t->close();
    close_and_retire();
    return;
  }
  if (phase_ != phase::opening) return;
  if (ec) {
    const auto ras = ras_error_for_open_failure(ec);
    const auto detail = "cannot open " + entry_.port + ": " + ec.message();
    log(log_level::info, detail);
    if (reconnecting_ && attempt_ <= entry_.redial.attempts) {
      schedule_reopen();  // the device is not back yet
      return;
    }
    finish(ras, detail);
    return;
  }
  transport_ = std::move(t);
  const auto& p = entry_.profile;
  channel_ = std::make_shared<at_channel>(core_->strand, transport_, p.responses, p.resync_quiet,
                                          p.max_consecutive_timeouts, core_->clock);
  std::weak_ptr<connection> weak = weak_from_this();
  if (logging()) channel_->on_trace([weak](char dir, std::string_view bytes) {
    if (auto self = weak.lock()) {
      // A remote that echoes a password back, even a few bytes at a time, must not put it
      // in the trace: every password this dial was given (a resume brings new ones) is
      // masked across read boundaries, per direction.
      auto& redactor = dir == '>' ? self->trace_out_ : self->trace_in_;
      const auto safe = redactor.feed(bytes);
      if (!safe.empty()) self->log(log_level::trace, std::string(1, dir) + " " + text::escape_bytes(safe));
    }
  });
  channel_->on_unsolicited([weak](const response_line& line) {
    if (auto self = weak.lock()) self->on_unsolicited(line);
  });
  channel_->on_port_error([weak](std::error_code e) {
    if (auto self = weak.lock()) self->on_port_error(e);
  });
  channel_->on_carrier_lost([weak] {
    if (auto self = weak.lock()) self->on_carrier_lost();
  });
  channel_->start();

  set_state(conn_state::port_opened);
  set_state(conn_state::connect_device);
  if (scripts_.dial) {
    dial();  // the dial script does the reset and init itself
    return;
  }
  run_init_commands(after_commands::dial);
}

// Reset, init, the extensions' commands: each must answer OK, then `then`.
void connection::run_init_commands(after_commands then) {
  const auto& p = entry_.profile;
  phase_ = phase::commands;
  after_commands_ = then;
  commands_.clear();
  if (!p.reset.empty()) {
    // The reply to the reset comes in the stored profile's format, which may be V0
    // (docs/modem-behaviour.md §9): accept numeric codes for it. What a resetting modem
    // sends after its OK is drained before the first init command (settle_after).
    at_command_options reset_options{p.reset_timeout, true};
    reset_options.settle_after = true;
    commands_.push_back({p.reset, reset_options});
  }
  for (const auto& c : p.init) commands_.push_back({c, at_command_options{p.command_timeout, false}});
  if (extensions_.options & rdeopt_ignore_modem_speaker)
    commands_.push_back({(extensions_.options & rdeopt_set_modem_speaker) ? "ATM1" : "ATM0",
                         at_command_options{p.command_timeout, false}});
  if (p.blind_dial && !p.blind_on.empty())
    commands_.push_back({p.blind_on, at_command_options{p.command_timeout, false}});
  if (p.call_setup_fail_timer != 0)
    commands_.push_back({"ATS7=" + std::to_string(p.call_setup_fail_timer),
                         at_command_options{p.command_timeout, false}});
  if (then == after_commands::wait_for_callback)
    commands_.push_back({"ATS0=0", at_command_options{p.command_timeout, false}});  // we answer
  run_command(0);
}

void connection::run_command(std::size_t index) {
  if (index >= commands_.size()) {
    if (after_commands_ == after_commands::wait_for_callback) wait_for_callback();
    else dial();
    return;
  }
  channel_->async_command(commands_[index].first, commands_[index].second,
                          [self = shared_from_this(), index](std::error_code ec, at_reply r) {
                            self->on_command(index, ec, r);
                          });
}

std::error_code connection::map_channel_error(std::error_code ec) const {
  if (ec == std::errc::timed_out) return ras_error::request_timeout;
  if (ec.category() == ras_category()) return ec;
  // EOF, EIO, ENXIO: the device went away under us.
  return ras_error::port_or_device;
}

void connection::on_command(std::size_t index, std::error_code ec, const at_reply& reply) {
  if (phase_ != phase::commands || hanging_up_) return;
  if (ec) {
    if (is_aborted(ec)) return;
    log(log_level::info, "no reply to " + commands_[index].first + ": " + ec.message());
    finish(map_channel_error(ec));
    return;
  }
  if (reply.final.kind != response_kind::ok) {
    log(log_level::info, commands_[index].first + " answered " + reply.final.text);
    finish(reply.final.kind == response_kind::error || reply.final.kind == response_kind::cme_error
               ? std::error_code(ras_error::from_device)
               : std::error_code(ras_error::unexpected_response));
    return;
  }
  run_command(index + 1);
}

void connection::dial() {
  if (scripts_.dial) {
    // The dial script talks to the modem itself: every byte is the script's, and a NO
    // CARRIER is its ABORT string to see, not a dropped call. A redial runs it again on a
    // clean slate: what the last attempt left unread (the rest of a BUSY line) is not its.
    runner_.reset();
    channel_->assume_data_mode(false);
    off_hook_sent_ = true;  // the script's ATD
    start_script(script_purpose::dial);
    return;
  }
  const auto& p = entry_.profile;
  std::string cmd = p.dial_prefix;
  cmd += entry_.pulse_dialing ? p.pulse : p.tone;
  cmd += number_;
  cmd += p.dial_suffix;
  phase_ = phase::dialing;
  off_hook_sent_ = true;
  off_hook_command_at_ = clock_now();
  if (logging()) log(log_level::info, "dialing " + number_ + " on " + entry_.port);
  channel_->async_command(cmd, at_command_options{connect_timeout(), false},
                          [self = shared_from_this()](std::error_code ec, at_reply r) {
                            self->on_dial_reply(ec, r);
                          });
}

// How long ATD may take. With S7 set by the profile, the modem itself gives up S7 seconds
// after dialling ends (V.250 S7, connection completion timeout; docs/modem-behaviour.md §4):
// our own deadline is S7 plus the time the dial string takes to send and a margin, so a
// modem that goes silent after ATD fails in about S7, not after the profile's 90 s. The
// margin covers answer tone and training (some modems restart S7 at the answer tone).
std::chrono::milliseconds connection::connect_timeout() const {
  const auto& p = entry_.profile;
  if (p.call_setup_fail_timer == 0) return p.connect_timeout;
  using std::chrono::milliseconds;
  milliseconds dialling{0};
  for (char c : number_) {
    if (c >= '0' && c <= '9') dialling += milliseconds(200);  // DTMF tone + gap (S11), pulse less
    else if (c == ',') dialling += milliseconds(2000);        // S8 pause
    else if (c == 'W' || c == 'w') dialling += milliseconds(5000);  // wait for a second dial tone
  }
  if (entry_.pulse_dialing) dialling *= 5;  // ~1 s a digit at 10 pulses per second
  return milliseconds(std::chrono::seconds(p.call_setup_fail_timer)) + dialling +
         milliseconds(15000);
}

void connection::on_dial_reply(std::error_code ec, const at_reply& reply) {
  if (hanging_up_) {
    on_abort_reply(ec, reply);
    return;
  }
  if (phase_ != phase::dialing) return;
  if (ec) {
    if (is_aborted(ec)) return;
    finish(map_channel_error(ec));
    return;
  }
  std::error_code fail;
  switch (reply.final.kind) {
    case response_kind::connect: record_connect(reply); break;
    // docs/ras-model.md §6.2: modem events to RAS errors, reported in ConnectDevice.
    case response_kind::busy: fail = ras_error::line_busy; break;
    case response_kind::no_answer: fail = ras_error::no_answer; break;
    case response_kind::no_carrier: fail = ras_error::no_carrier; break;
    case response_kind::no_dialtone: fail = ras_error::no_dialtone; break;
    case response_kind::voice: fail = ras_error::voice_answer; break;
    case response_kind::delayed: fail = ras_error::temp_failure; break;
    case response_kind::blacklisted: fail = ras_error::blocked; break;
    case response_kind::error:
    case response_kind::cme_error: fail = ras_error::from_device; break;
    default: fail = ras_error::unrecognized_response; break;
  }
  if (fail) {
    // The modem has gone back on-hook by itself after any of these codes.
    phase_ = phase::commands;  // so finish() does not send an abort character
    if (should_redial(fail)) {
      schedule_redial(fail);
      return;
    }
    finish(fail);
    return;
  }
  if (logging()) log(log_level::info, "connected: " + reply.final.text);
  set_state(conn_state::device_connected);
  after_device_connected();
}

// After the modem's DeviceConnected: the terminal step (RASEO_TerminalAfterDial), then the
// login script, each a device of its own with its own ConnectDevice / DeviceConnected pair
// after the modem's (docs/ras-model.md §3.3).
void connection::after_device_connected() {
  phase_ = phase::online;  // the line is up; a failure from here hangs up from data state
  if (entry_.terminal_after_dial) {
    set_state(conn_state::connect_device);
    if (!paused_states()) {
      log(log_level::info, "the entry wants a terminal step and paused states are off");
      finish(ras_error::interactive_mode);
      return;
    }
    pause(conn_state::interactive);
    return;
  }
  start_login();
}

void connection::start_login() {
  if (!scripts_.login) {
    connected_states();
    return;
  }
  set_state(conn_state::connect_device);
  if (scripts_.login->uses_callback() && params_.callback_number == "*") {
    // The caller sets the callback number (docs/ras-model.md §1.4): ask for it before the script
    // needs it; the server's prompt waits in the port's buffer meanwhile.
    if (!paused_states()) {
      log(log_level::info, "callback number \"*\" without paused states");
      finish(ras_error::bad_callback_number);
      return;
    }
    pause(conn_state::callback_set_by_caller);
    return;
  }
  start_script(script_purpose::login);
}

// Enters a paused state: the notifier gets it (no error), a synchronous dial returns, and
// the connection waits for resume() or hang_up(). Nothing reads the line meanwhile except a
// caller's data_stream in Interactive: what the remote sends stays in the channel's buffer
// (then in the port's, with flow control) for the next script.
void connection::pause(conn_state s) {
  paused_in_ = s;
  phase_ = phase::paused;
  set_state(s);
  if (reconnecting_) {
    // The dial's notifier finished at the first Connected: subscribers are told instead.
    connection_event e{handle_, connection_event_kind::paused, {}, clock_now()};
    e.state = s;
    core_->publish(e);
  }
}

bool connection::resume(const dial_params& params) {
  if (phase_ != phase::paused || hanging_up_) {
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
  if (logging()) log(log_level::info, "resumed from " + std::string(to_string(paused_in_)));
  switch (paused_in_) {
    case conn_state::interactive:
      phase_ = phase::online;
      // The caller's terminal is done with the line; a login script reads it from here.
      if (scripts_.login) channel_->cancel_data_read();
      set_state(conn_state::device_connected);
      start_login();
      break;
    case conn_state::callback_set_by_caller:
      set_state(conn_state::connect_device);
      start_script(script_purpose::login);
      break;
    case conn_state::retry_authentication:
      set_state(conn_state::connect_device);
      start_script(called_back_ ? script_purpose::callback_login : script_purpose::login);
      break;
    case conn_state::password_expired:
      set_state(conn_state::connect_device);
      start_script(script_purpose::password_change);
      break;
    default:
      break;
  }
  return true;
}

void connection::connected_states() {
  phase_ = phase::online;
  set_state(conn_state::all_devices_connected);
  // link_kind::none: no authentication or projection; the data line is the caller's.
  set_state(conn_state::connected);
  published_up_ = true;
  published_down_ = false;
  core_->publish({handle_, reconnecting_ ? connection_event_kind::reconnected
                                         : connection_event_kind::connected,
                  {}, clock_now()});
  reconnecting_ = false;
  if (entry_.idle_disconnect.count() > 0) arm_idle_timer();
  if (transport_->has_modem_control()) watch_dcd();
}

// Carrier watch on a line with modem-control signals: DCD is polled once a second (as
// FreeBSD ppp does; POSIX has no pollable event for it, docs/peers.md §8), and its fall means
// the remote hung up (&C1: DCD follows the carrier).
void connection::watch_dcd() {
  dcd_timer_.expires_after(std::chrono::seconds(1));
  dcd_timer_.async_wait([self = shared_from_this()](std::error_code ec) {
    if (ec || self->phase_ != phase::online || self->hanging_up_) return;
    modem_lines lines;
    if (auto e = self->transport_->get_lines(lines)) {
      self->on_port_error(e);
      return;
    }
    if (!lines.dcd) {
      if (self->logging()) self->log(log_level::info, "carrier lost (DCD dropped)");
      self->drop_online(ras_error::remote_disconnection);
      return;
    }
    self->watch_dcd();
  });
}

// Idle disconnect (RASENTRY dwIdleDisconnectSeconds): no call data either way for that long
// and the connection is hung up with 828 (ERROR_IDLE_TIMEOUT).
void connection::arm_idle_timer() {
  const auto limit = std::chrono::duration_cast<std::chrono::steady_clock::duration>(entry_.idle_disconnect);
  auto idle_for = clock_now() - channel_->last_data_activity(clock_now());
  auto wait = idle_for >= limit ? std::chrono::steady_clock::duration::zero() : limit - idle_for;
  idle_timer_.expires_after(wait);
  idle_timer_.async_wait([self = shared_from_this(), limit](std::error_code ec) {
    if (ec || self->phase_ != phase::online || self->hanging_up_) return;
    if (self->clock_now() - self->channel_->last_data_activity(self->clock_now()) < limit) {
      self->arm_idle_timer();  // there was traffic meanwhile
      return;
    }
    if (self->logging()) self->log(log_level::info, "idle for too long; hanging up");
    {
      std::lock_guard lock(self->status_mutex_);
      self->status_.error = ras_error::idle_timeout;
    }
    self->went_down(ras_error::idle_timeout);
    self->hang_up({});
  });
}

void connection::went_down(std::error_code ec) {
  if (!published_up_ || published_down_) return;
  published_down_ = true;
  core_->publish({handle_, connection_event_kind::disconnected, ec, clock_now()});
}

// ---------------------------------------------------------------------------------------
// Scripts: the chat runner over the data line.

chat_substitutions connection::substitutions() const {
  chat_substitutions subs;
  subs.phone = number_;
  subs.user = params_.user_name;
  subs.password = params_.password;
  subs.callback = params_.callback_number;
  return subs;
}

void connection::start_script(script_purpose purpose) {
  const chat_script* script = nullptr;
  switch (purpose) {
    case script_purpose::dial: script = &*scripts_.dial; break;
    case script_purpose::login: script = &*scripts_.login; break;
    case script_purpose::callback_login:
      script = scripts_.callback ? &*scripts_.callback : &*scripts_.login;
      break;
    case script_purpose::password_change: script = &*scripts_.password_change; break;
  }
  purpose_ = purpose;
  phase_ = phase::scripting;
  dial_seen_.clear();
  if (runner_) {
    // What the last script did not read (the rest of a refusal, a new prompt) is the next
    // script's to read.
    auto unread = runner_->take_unread();
    if (!unread.empty()) channel_->unread_data(std::move(unread));
  }
  runner_ = std::make_unique<chat_runner>(*script, substitutions());
  runner_->start(clock_now());
  script_read();
  pump_script();
}

void connection::script_read() {
  channel_->async_read_data(asio::buffer(script_buf_),
                            [self = shared_from_this()](std::error_code ec, std::size_t n) {
                              if (self->phase_ != phase::scripting) {
                                // The script has finished: what came is the caller's.
                                if (!ec && n)
                                  self->channel_->unread_data(std::string(self->script_buf_.data(), n));
                                return;
                              }
                              if (ec) {
                                if (is_aborted(ec)) return;
                                self->runner_->hangup(self->clock_now());  // NO CARRIER, EOF
                              } else {
                                const std::string_view got(self->script_buf_.data(), n);
                                if (self->purpose_ == script_purpose::dial) {
                                  // Kept to find the CONNECT line for status() afterwards.
                                  self->dial_seen_.append(got);
                                  if (self->dial_seen_.size() > 512)
                                    self->dial_seen_.erase(0, self->dial_seen_.size() - 512);
                                }
                                self->runner_->feed(got, self->clock_now());
                                self->script_read();
                              }
                              self->pump_script();
                            });
}

void connection::pump_script() {
  if (phase_ != phase::scripting || !runner_) return;
  for (auto& a : runner_->take_actions()) {
    switch (a.kind) {
      case chat_action_kind::send: {
        auto bytes = std::make_shared<std::string>(std::move(a.bytes));
        auto shown = std::make_shared<std::string>(a.redacted);
        channel_->async_write_data(asio::buffer(*bytes), [bytes, shown](std::error_code, std::size_t) {},
                                   std::string_view(*shown));
        break;
      }
      case chat_action_kind::outcome:
        break;
      default:
        if (logging()) log(log_level::info, "script: " + to_string(a));  // never a secret
        break;
    }
  }
  if (runner_->done()) {
    on_script_done();
    return;
  }
  if (auto d = runner_->next_deadline()) {
    auto now = clock_now();
    script_timer_.expires_after(*d > now ? *d - now : std::chrono::steady_clock::duration::zero());
    script_timer_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (ec || self->phase_ != phase::scripting) return;
      self->runner_->advance(self->clock_now());
      self->pump_script();
    });
  }
}

void connection::on_script_done() {
  script_timer_.cancel();
  channel_->cancel_data_read();
  const auto outcome = *runner_->outcome();
  if (logging()) log(log_level::info, "script ended: " + outcome.to_string());
  const auto purpose = purpose_;
  if (outcome.result == chat_result::callback) {
    if (purpose == script_purpose::login) {
      start_callback();
      return;
    }
    // A dial script cannot be called back, nor a callback asked for twice.
    phase_ = phase::online;
    finish(ras_error::unexpected_response);
    return;
  }
  const std::error_code ec = outcome.error();
  if (ec) {
    if (purpose == script_purpose::dial) {
      // The modem's own refusals (BUSY, NO CARRIER, ...) are redialled like the engine's.
      if (should_redial(ec)) {
        schedule_redial(ec);
        return;
      }
      phase_ = phase::online;  // it may have got as far as CONNECT: hang up from data state
      finish(ec);
      return;
    }
    phase_ = phase::online;  // the call is up; finish() reports, hang_up() clears it
    if (paused_states() && ec == ras_error::authentication_failure) {
      log(log_level::info, "the login was refused; waiting for new credentials");
      pause(conn_state::retry_authentication);
      return;
    }
    if (paused_states() && ec == ras_error::passwd_expired && purpose != script_purpose::password_change) {
      log(log_level::info, "the password has expired; waiting for a new one");
      pause(conn_state::password_expired);
      return;
    }
    finish(ec);
    return;
  }
  phase_ = phase::online;
  auto unread = runner_->take_unread();
  if (purpose == script_purpose::dial) record_connect_line(dial_seen_ + unread);
  if (!unread.empty()) channel_->unread_data(std::move(unread));
  switch (purpose) {
    case script_purpose::dial:
      channel_->set_carrier_watch(true);  // online: a NO CARRIER from here is a dropped call
      set_state(conn_state::device_connected);
      after_device_connected();
      return;
    case script_purpose::callback_login:
      set_state(conn_state::authenticated);
      connected_states();
      return;
    case script_purpose::login:
    case script_purpose::password_change:
      set_state(conn_state::device_connected);
      connected_states();
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

// ---------------------------------------------------------------------------------------
// Callback (docs/ras-model.md §3.3): the server is going to hang up and call us back.
//   PrepareForCallback: wait for the server to drop the line (or hang up ourselves)
//   WaitForModemReset:  reset and init again, and make sure the modem does not answer alone
//   WaitForCallback:    wait for RING (callback_wait), answer with ATA
//   ReAuthenticate:     the callback script (or the login script) over the new call
//   Authenticated, then AllDevicesConnected and Connected.

void connection::start_callback() {
  phase_ = phase::callback_prepare;
  set_state(conn_state::prepare_for_callback);
  if (!channel_->in_data_mode()) {
    callback_modem_reset();  // the carrier is gone already
    return;
  }
  // The server hangs up after its message; if it does not within 15 s, we do.
  callback_timer_.expires_after(std::chrono::seconds(15));
  callback_timer_.async_wait([self = shared_from_this()](std::error_code ec) {
    if (ec || self->phase_ != phase::callback_prepare || self->hanging_up_) return;
    self->log(log_level::info, "the server did not hang up for the callback; hanging up");
    self->leave_data_mode([self] {
      if (self->phase_ != phase::callback_prepare || self->hanging_up_) return;
      const auto& p = self->entry_.profile;
      self->channel_->async_command(p.hangup, at_command_options{p.command_timeout, false},
                                    [self](std::error_code, at_reply) {
                                      if (self->phase_ != phase::callback_prepare || self->hanging_up_)
                                        return;
                                      self->callback_modem_reset();
                                    });
    });
  });
}

void connection::callback_modem_reset() {
  callback_timer_.cancel();
  // Nothing of the first call is for the second: not its unread text, nor its data.
  runner_.reset();
  channel_->assume_command_mode();
  set_state(conn_state::wait_for_modem_reset);
  run_init_commands(after_commands::wait_for_callback);
}

void connection::wait_for_callback() {
  phase_ = phase::callback_wait;
  set_state(conn_state::wait_for_callback);
  callback_timer_.expires_after(entry_.callback_wait);
  callback_timer_.async_wait([self = shared_from_this()](std::error_code ec) {
    if (ec || self->phase_ != phase::callback_wait || self->hanging_up_) return;
    self->log(log_level::info, "the server did not call back in time");
    self->phase_ = phase::commands;
    self->finish(ras_error::request_timeout);
  });
}

void connection::on_unsolicited(const response_line& line) {
  if (logging())
    log(log_level::debug, "unsolicited (" + std::string(to_string(line.kind)) + "): " + line.text);
  if (line.kind != response_kind::ring || phase_ != phase::callback_wait || hanging_up_) return;
  callback_timer_.cancel();
  phase_ = phase::answering;
  off_hook_sent_ = true;
  off_hook_command_at_ = clock_now();
  const auto& p = entry_.profile;
  channel_->async_command(p.answer, at_command_options{p.connect_timeout, false},
                          [self = shared_from_this()](std::error_code ec, at_reply r) {
                            self->on_answer_reply(ec, r);
                          });
}

void connection::on_answer_reply(std::error_code ec, const at_reply& reply) {
  if (hanging_up_) {
    on_abort_reply(ec, reply);
    return;
  }
  if (phase_ != phase::answering) return;
  if (ec) {
    if (is_aborted(ec)) return;
    phase_ = phase::commands;
    finish(map_channel_error(ec));
    return;
  }
  if (reply.final.kind != response_kind::connect) {
    log(log_level::info, "answering the callback: " + reply.final.text);
    phase_ = phase::commands;
    finish(ras_error::no_carrier);
    return;
  }
  record_connect(reply);
  if (logging()) log(log_level::info, "called back: " + reply.final.text);
  called_back_ = true;
  phase_ = phase::online;
  set_state(conn_state::re_authenticate);
  if (!scripts_.callback && !scripts_.login) {
    set_state(conn_state::authenticated);
    connected_states();
    return;
  }
  start_script(script_purpose::callback_login);
}

std::chrono::steady_clock::time_point connection::clock_now() const {
  return core_->clock ? core_->clock->now() : std::chrono::steady_clock::now();
}

// Redial rules (RASENTRY dwRedialCount/dwRedialPause; wvdial's abort switches and
// back-off, docs/peers.md §1.2): only call outcomes are retried — a port, modem or timeout
// failure is not going to get better by dialling again.
bool connection::should_redial(std::error_code fail) const {
  const auto& r = entry_.redial;
  if (attempt_ > r.attempts || fail != ras_condition::worth_redialling) return false;
  if (fail == ras_error::line_busy) return !r.abort_on_busy;
  if (fail == ras_error::no_dialtone) return !r.abort_on_no_dialtone;
  return true;
}

// The pause before the next attempt; the one after it grows by the back-off, up to the cap.
std::chrono::milliseconds connection::take_redial_pause() {
  const auto pause = next_pause_;
  auto grown = std::chrono::milliseconds(
      static_cast<long long>(static_cast<double>(next_pause_.count()) * entry_.redial.backoff));
  next_pause_ = std::min(grown, std::chrono::duration_cast<std::chrono::milliseconds>(entry_.redial.max_pause));
  return pause;
}

void connection::schedule_redial(std::error_code fail) {
  phase_ = phase::redial_wait;
  const auto pause = take_redial_pause();
  if (logging())
    log(log_level::info, "attempt " + std::to_string(attempt_) + " failed (" + describe(fail) +
                             "); redialling in " + std::to_string(pause.count()) + " ms");
  redial_timer_.expires_after(pause);
  redial_timer_.async_wait([self = shared_from_this(), fail](std::error_code ec) {
    if (ec || self->phase_ != phase::redial_wait || self->hanging_up_) return;
    ++self->attempt_;
    if (self->entry_.redial.rotate_alternates)
      self->number_ = self->numbers_[(self->attempt_ - 1) % self->numbers_.size()];
    {
      std::lock_guard lock(self->status_mutex_);
      self->status_.phone_number = self->number_;
    }
    // Each attempt is visible: ConnectDevice again, with why the last one ended.
    self->state_ = conn_state::connect_device;
    self->sink_->push(self->event(conn_state::connect_device, {}, ras_number(fail)));
    self->dial();
  });
}

void connection::drop_online(std::error_code ec) {
  phase_ = phase::dropped;
  idle_timer_.cancel();
  dcd_timer_.cancel();
  {
    std::lock_guard lock(status_mutex_);
    state_ = conn_state::disconnected;
    status_.state = conn_state::disconnected;
    status_.error = ec;
  }
  went_down(ec);
  if (entry_.reconnect_if_dropped && ec == ras_condition::line_lost)
    start_reconnect(ec);
}

// RASEO2_ReconnectIfDropped: the carrier dropped (629) or the device went away (630); dial
// again with the entry's redial rules (the same pause, back-off, alternates and count as a
// first dial), after a fresh reset and init — and for 630 after opening the port again,
// which waits (attempt by attempt) for a USB modem to be plugged back in. The dial's
// notifier has had its Connected; from here only status() and the connection events tell
// what happens.
void connection::start_reconnect(std::error_code why) {
  reconnecting_ = true;
  published_down_ = false;  // the next disconnected event (giving up) is news again
  core_->publish({handle_, connection_event_kind::reconnecting, why, clock_now()});
  const bool reopen = why == ras_error::hardware_failure;
  attempt_ = 1;
  next_pause_ = std::chrono::duration_cast<std::chrono::milliseconds>(entry_.redial.pause);
  number_ = numbers_.front();
  runner_.reset();
  phase_ = phase::redial_wait;
  if (logging())
    log(log_level::info, "reconnecting in " + std::to_string(next_pause_.count()) + " ms");
  redial_timer_.expires_after(next_pause_);
  redial_timer_.async_wait([self = shared_from_this(), reopen](std::error_code ec) {
    if (ec || self->phase_ != phase::redial_wait || self->hanging_up_) return;
    {
      std::lock_guard lock(self->status_mutex_);
      self->status_.error.clear();
      self->status_.phone_number = self->number_;
      self->status_.negotiation.clear();
    }
    if (reopen) {
      self->reopen();
      return;
    }
    self->set_state(conn_state::connect_device);
    if (self->scripts_.dial) {
      self->dial();
      return;
    }
    self->channel_->assume_command_mode();
    self->run_init_commands(after_commands::dial);
  });
}

// The device went away: the dead port is closed and the same name opened again (a USB
// modem plugged back in comes back under the same name, or its udev symlink). on_opened
// then resets, inits and dials as for a first dial.
void connection::reopen() {
  // The dead port is let go at once: until a new one opens there is no modem to talk to,
  // and a hang-up meanwhile has nothing to send ATH to (a vanished device is on-hook).
  if (channel_) channel_->stop();
  if (transport_) transport_->close();
  channel_.reset();
  transport_.reset();
  phase_ = phase::opening;
  set_state(conn_state::open_port);
  open_port();
}

// The port could not be opened again yet: wait the next redial pause and try again.
void connection::schedule_reopen() {
  phase_ = phase::redial_wait;
  const auto pause = take_redial_pause();
  redial_timer_.expires_after(pause);
  redial_timer_.async_wait([self = shared_from_this()](std::error_code ec) {
    if (ec || self->phase_ != phase::redial_wait || self->hanging_up_) return;
    ++self->attempt_;
    self->reopen();
  });
}

void connection::on_carrier_lost() {
  if (hanging_up_) return;
  if (phase_ == phase::scripting && runner_) {
    runner_->hangup(clock_now());
    pump_script();
    return;
  }
  if (phase_ == phase::callback_prepare) {
    log(log_level::info, "the server hung up for the callback");
    callback_modem_reset();
    return;
  }
  if (phase_ == phase::paused) {
    log(log_level::info, "carrier lost while paused");
    finish(ras_error::remote_disconnection);
    return;
  }
  if (phase_ != phase::online) return;
  log(log_level::info, "carrier lost (NO CARRIER)");
  drop_online(ras_error::remote_disconnection);
}

void connection::on_port_error(std::error_code ec) {
  if (hanging_up_ || phase_ == phase::closed) return;
  log(log_level::warning, "port failed: " + ec.message());
  if (phase_ == phase::online) {
    drop_online(ras_error::hardware_failure);
    return;
  }
  if (phase_ != phase::failed && phase_ != phase::dropped) finish(ras_error::port_or_device);
}

void connection::read_data(asio::mutable_buffer buf,
                           std::function<void(std::error_code, std::size_t)> h) {
  const bool terminal = phase_ == phase::paused && paused_in_ == conn_state::interactive;
  if (!channel_ || (phase_ != phase::online && phase_ != phase::dropped && !terminal)) {
    asio::post(core_->strand, [h = std::move(h)] {
      h(std::make_error_code(std::errc::not_connected), 0);
    });
    return;
  }
  channel_->async_read_data(buf, std::move(h));
}

void connection::write_data(asio::const_buffer buf,
                            std::function<void(std::error_code, std::size_t)> h) {
  const bool terminal = phase_ == phase::paused && paused_in_ == conn_state::interactive;
  if (!channel_ || (phase_ != phase::online && !terminal)) {
    asio::post(core_->strand, [h = std::move(h)] {
      h(std::make_error_code(std::errc::not_connected), 0);
    });
    return;
  }
  channel_->async_write_data(buf, std::move(h));
}

// ---------------------------------------------------------------------------------------
// Hang-up

void connection::hang_up(std::function<void(std::error_code)> done) {
  if (phase_ == phase::closed) {
    if (done) done({});
    return;
  }
  if (done) hang_up_done_.push_back(std::move(done));
  if (hanging_up_) return;
  hanging_up_ = true;
  if (logging()) log(log_level::info, "hanging up");

  // A dial still in progress ends with Disconnected + 631, its one terminal notification.
  if (!sink_->terminal_pushed())
    sink_->push(event(conn_state::disconnected, ras_error::user_disconnection));

  const auto before = phase_;
  phase_ = phase::hanging_up;
  if (before == phase::opening) return;  // on_opened closes the port when it arrives
  if (!channel_) {
    close_and_retire();
    return;
  }

  // Whatever the modem does, the port is closed by this deadline (contract 5).
  const auto& p = entry_.profile;
  auto budget = p.dtr_drop_time + 2 * p.escape_guard + 3 * p.command_timeout +
                p.resync_quiet * 2 + abort_attempts * abort_wait + std::chrono::seconds(1);
  deadline_.expires_after(budget);
  deadline_.async_wait([self = shared_from_this()](std::error_code ec) {
    if (ec) return;
    self->log(log_level::warning, "hang-up did not finish in time; closing the port");
    self->close_and_retire(ras_error::request_timeout);
  });

  script_timer_.cancel();
  callback_timer_.cancel();
  redial_timer_.cancel();
  if (before == phase::dialing || before == phase::answering) {
    abort_dial();  // the ATD / ATA stays pending: its answer tells how the abort went
    return;
  }
  channel_->cancel();  // a pending init command is abandoned
  // Whatever the phase, a line still in data state is left as from a call that is up:
  // after the carrier went (DCD fell; `dropped`, or `redial_wait` before a reconnect) the
  // modem may not have said NO CARRIER yet — it waits S10 before it gives up the call
  // (docs/modem-behaviour.md §3.6), and until then an ATH is call data to it.
  if (channel_->in_data_mode()) hang_up_online();
  else send_ath_then_close();
}

// Any character aborts a dial (or answer) in progress, except in the first 125 ms after the
// command's CR (docs/modem-behaviour.md §1.2; V.250 §6.3.1), and the modem answers NO
// CARRIER to the ATD. So the ATD is left pending and a bare CR goes out once that window
// has passed — counted from when the ATD was handed to the channel, plus the time its bytes
// take on the line, plus a margin — and the ATH waits for the ATD's answer: sent earlier,
// the ATH's own 'A' would be the character that aborts the dial and "TH" would reach the
// modem as garbage. A modem that did not hear the CR is sent another; one that answers
// CONNECT meanwhile is online and is hung up from data state.
void connection::abort_dial() {
  abort_pending_ = true;
  using namespace std::chrono;
  const auto baud = std::max<std::uint32_t>(entry_.settings.baud_rate, 50);
  const auto command_bytes = entry_.profile.dial_prefix.size() + number_.size() + 8;
  const auto on_the_line = milliseconds(command_bytes * 10 * 1000 / baud);
  const auto earliest = off_hook_command_at_ + on_the_line + milliseconds(125 + 75);
  const auto now = clock_now();
  timer_.expires_after(earliest > now ? duration_cast<milliseconds>(earliest - now) : milliseconds(0));
  timer_.async_wait([self = shared_from_this()](std::error_code ec) {
    if (ec || !self->abort_pending_ || self->phase_ == phase::closed) return;
    self->send_abort_character(abort_attempts);
  });
}

void connection::send_abort_character(int attempts) {
  channel_->async_write_raw("\r", [](std::error_code) {});
  timer_.expires_after(abort_wait);
  timer_.async_wait([self = shared_from_this(), attempts](std::error_code ec) {
    if (ec || !self->abort_pending_ || self->phase_ == phase::closed) return;
    if (attempts > 1) {
      self->send_abort_character(attempts - 1);
      return;
    }
    // No answer to the abort: give up on the ATD; the channel drains before the ATH.
    self->abort_pending_ = false;
    self->log(log_level::warning, "no answer to the dial abort");
    self->channel_->cancel();
    self->send_ath_then_close();
  });
}

// The aborted ATD / ATA has answered (NO CARRIER, or CONNECT if the call won the race), or
// failed (its own timeout, or the port).
void connection::on_abort_reply(std::error_code ec, const at_reply& reply) {
  if (!abort_pending_ || phase_ == phase::closed) return;
  abort_pending_ = false;
  timer_.cancel();
  if (!ec && channel_->in_data_mode()) {
    log(log_level::info, "the modem answered " + reply.final.text + " as the dial was aborted");
    hang_up_online();
    return;
  }
  send_ath_then_close();
}

void connection::hang_up_online() {
  leave_data_mode([self = shared_from_this()] {
    if (self->phase_ != phase::closed) self->send_ath_then_close();
  });
}

// Back to command state from a call: a DTR drop where the line has DTR (with &D2 the
// modem hangs up, docs/modem-behaviour.md §3.1; held longer than S25), else the guarded escape.
// `then` runs once the modem should be in command state, whether it acknowledged or not.
void connection::leave_data_mode(std::function<void()> then) {
  const auto& p = entry_.profile;
  if (transport_->has_modem_control() && !transport_->set_dtr(false)) {
    log(log_level::debug, "dropping DTR");
    timer_.expires_after(p.dtr_drop_time);
    timer_.async_wait([self = shared_from_this(), then = std::move(then)](std::error_code ec) {
      if (ec || self->phase_ == phase::closed) return;
      self->transport_->set_dtr(true);
      self->channel_->assume_command_mode();
      then();
    });
    return;
  }
  // No DTR on this line (a pty): the guarded escape.
  channel_->async_escape(p.escape, p.escape_guard, p.command_timeout,
                         [self = shared_from_this(), then = std::move(then)](std::error_code ec, at_reply r) {
                           if (self->phase_ == phase::closed) return;
                           if (ec || r.final.kind != response_kind::ok)
                             self->log(log_level::warning, "escape not acknowledged");
                           then();
                         });
}

void connection::send_ath_then_close() {
  if (phase_ == phase::closed) return;
  const auto& p = entry_.profile;
  channel_->async_command(p.hangup, at_command_options{p.command_timeout, false},
                          [self = shared_from_this()](std::error_code ec, at_reply r) {
                            // Only the modem's OK to ATH confirms it is on-hook; a device
                            // that went away is on-hook too (a USB modem loses power).
                            // A modem that was never told to go off-hook (no ATD, ATA or
                            // dial script yet) is on-hook whatever it answers.
                            std::error_code result;
                            const bool refused = ec == std::errc::timed_out ||
                                                 (!ec && r.final.kind != response_kind::ok);
                            if (refused && self->off_hook_sent_) {
                              self->log(log_level::warning,
                                        ec ? "ATH: no answer; the modem may still be off-hook"
                                           : "ATH answered " + r.final.text +
                                                 "; the modem may still be off-hook");
                              result = ras_error::request_timeout;
                            } else if (ec) {
                              self->log(log_level::info, "ATH: " + ec.message());
                            }
                            self->close_and_retire(result);
                          });
}

void connection::close_and_retire(std::error_code result) {
  if (phase_ == phase::closed) return;
  phase_ = phase::closed;
  timer_.cancel();
  deadline_.cancel();
  redial_timer_.cancel();
  script_timer_.cancel();
  idle_timer_.cancel();
  dcd_timer_.cancel();
  callback_timer_.cancel();
  went_down(ras_error::user_disconnection);
  if (channel_) channel_->stop();
  if (transport_) transport_->close();
  if (reserved_key_) core_->release_port(*reserved_key_);
  reserved_key_.reset();
  {
    std::lock_guard lock(status_mutex_);
    status_.state = conn_state::disconnected;
  }
  if (logging()) log(log_level::info, "port closed");
  core_->retire(handle_);
  auto done = std::move(hang_up_done_);
  hang_up_done_.clear();
  for (auto& d : done) d(result);
}

}  // namespace dialup::detail
