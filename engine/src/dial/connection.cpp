// connection: one dial's FSM core (docs/engine.md §2). Every state, with the RAS state it
// reports ([..]: reported in passing; {..}: paused, waiting for resume or hang-up):
//
//  opening [OpenPort] ──open ok──> [PortOpened] ──┬──> init [ConnectDevice]: reset, init..., each OK
//     │ ^                                          │       │
//     │ └─ reopen_wait <── (reconnect, 630) ───┐   │       v
//     │                                        │   └──> dial_script ──┐   dialing: ATD
//     │                                        │          │ <──────── redial_wait <─ BUSY/NO ANSWER/...
//     │                                        │          v              (redial rules)
//     │                                        │   call_up [DeviceConnected]
//     │                                        │     ├─ terminal_after_dial ─> [ConnectDevice] {terminal}
//     │                                        │     ├─ login ─> [ConnectDevice] {callback_number}?
//     │                                        │     │            login_script ──> {retry_authentication}
//     │                                        │     │              │  │          {password_expired}
//     │                                        │     │              │  │            └─> password_script
//     │                                        │     │              │  └─ CALLBACK ─> callback_prepare
//     │                                        │     │              │   [PrepareForCallback] (callback_phase)
//     │                                        │     │              │   callback_init [WaitForModemReset]
//     │                                        │     │              │   callback_wait [WaitForCallback]
//     │                                        │     │              │   answering (RING ─> ATA)
//     │                                        │     │              │   [ReAuthenticate] callback_script
//     │                                        │     │              v        │ [Authenticated]
//     │                                        │     └──────> online [AllDevicesConnected, Connected] <┘
//     │                                        │                │ NO CARRIER / DCD / the device went away
//     │                                        └─ reconnect_wait <─ dropped [Disconnected]
//     │                                              (RASEO2_ReconnectIfDropped) ─> init / dial_script
//     └──> failed: any state above but online/dropped, by finish(error): the RAS state it failed in
//          is reported again with the error; the connection waits for hang_up (docs/ras-model.md §1.2)
//
//  hang_up, from any state ──> hanging_up (the 631 Disconnected if the dial had not ended)
//     data state, DTR      ──> DTR low for dtr_drop_time, DTR high ──┐
//     data state, no DTR   ──> guard, +++, guard, OK ────────────────┤
//     dialing / answering  ──> CR past the 125 ms window, NO CARRIER ┤
//     command state        ──────────────────────────────────────────┴─> ATH ─> closed [Disconnected]
//   Every step is bounded by the hanging_up deadline; the port is closed and the handle retired.
//
// set_state() is the only place the state changes. Every event handler starts with a guard on
// state_, so a late completion (a reply after hang_up began) is dropped. The one timer_ means
// what the state's row (connection_state.hpp) says; its handler, on_timer(), switches on it.
#include "connection.hpp"

#include "at/modem_procedures.hpp"
#include "dialup/engine/detail/errors.hpp"
#include "dialup/engine/port_error.hpp"
#include "dialup/engine/text.hpp"
#include "script_phase.hpp"

namespace dialup::detail {
namespace asio = boost::asio;

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
      scripts_(std::move(scripts)),
      timer_(core_->strand, core_->clock),
      step_timer_(core_->strand, core_->clock) {
  next_pause_ = std::chrono::duration_cast<std::chrono::milliseconds>(entry_.redial.pause);
  status_.device_name = entry_.port;
  status_.phone_number = number_;
  trace_in_.add_secret(params_.password);
  trace_out_.add_secret(params_.password);
}

void connection::log(log_level level, const std::string& text) const {
  core_->log(level, "[" + std::to_string(handle_.value) + "] " + text);
}

std::function<void(log_level, std::string_view)> connection::log_fn() const {
  if (!logging()) return {};
  return [core = core_, prefix = "[" + std::to_string(handle_.value) + "] "](log_level l, std::string_view t) {
    core->log(l, prefix + std::string(t));
  };
}

std::chrono::steady_clock::time_point connection::clock_now() const {
  return core_->clock ? core_->clock->now() : std::chrono::steady_clock::now();
}

connection_status connection::status() const {
  std::lock_guard lock(status_mutex_);
  return status_;
}

connection_info connection::info() const {
  std::lock_guard lock(status_mutex_);
  connection_info i;
  i.handle = handle_;
  // number_ is the strand's; its copy in status_ is what other threads may read.
  i.entry_name = entry_.name.empty() ? "." + status_.phone_number : entry_.name;
  i.device_name = entry_.port;
  i.state = status_.state;
  return i;
}

bool connection::in(std::initializer_list<state> states) const {
  for (auto s : states)
    if (state_ == s) return true;
  return false;
}

// ---------------------------------------------------------------------------------------
// The FSM core

void connection::set_state(state next, notice n) {
  if (next != state_ && logging())
    log(log_level::debug, "state " + std::string(row(state_).name) + " -> " + std::string(row(next).name));
  // A link phase runs only in its own state: leaving it (a failure, a hang-up) stops it.
  if (next != state_ && link_ && is_link_state(state_)) link_->stop();
  state_ = next;
  for (auto s : n.passing) report(s);
  if (const auto ras = row(next).reports; ras && (ras != ras_ || n.again || n.extended))
    report(*ras, n.extended);
  if (n.error) {
    auto e = event(n.report_as.value_or(ras_.value_or(conn_state::open_port)), n.error);
    e.detail = std::move(n.detail);
    sink_->push(std::move(e));
  }
  arm_timer();
}

// A RAS state reached: the status first, then the notification (docs/architecture.md §7.2).
// extended: for a redial's ConnectDevice, why the last attempt ended (its RAS number).
void connection::report(conn_state s, std::uint32_t extended) {
  if (logging())
    log(log_level::debug, ras_ ? std::string(to_string(*ras_)) + " -> " + std::string(to_string(s)) +
                                     (extended ? " (attempt " + std::to_string(attempt_) + ")" : "")
                               : "dial started: " + std::string(to_string(s)));
  ras_ = s;
  {
    std::lock_guard lock(status_mutex_);
    status_.state = s;
  }
  sink_->push(event(s, {}, extended));
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

// How long the one timer waits in the current state; none: no timer here.
std::optional<std::chrono::steady_clock::duration> connection::timer_wait() const {
  switch (state_) {
    case state::redial_wait:
    case state::reconnect_wait:
    case state::reopen_wait:
      return wait_;
    case state::callback_wait:
      return entry_.callback_wait;
    case state::online: {
      std::optional<std::chrono::steady_clock::time_point> at;
      if (dcd_poll_at_) at = dcd_poll_at_;
      if (idle_check_at_ && (!at || *idle_check_at_ < *at)) at = idle_check_at_;
      if (!at) return std::nullopt;
      const auto now = clock_now();
      return *at > now ? *at - now : std::chrono::steady_clock::duration::zero();
    }
    case state::hanging_up:
      // Whatever the modem does, the port is closed by this deadline (contract 5). With no
      // channel (the port is still opening, or gone) there is nothing to wait for.
      if (!channel_) return std::nullopt;
      return hang_up_budget();
    default:
      return std::nullopt;
  }
}

void connection::arm_timer() {
  const auto wait = timer_wait();
  if (!wait) {
    timer_.cancel();
    return;
  }
  timer_.expires_after(*wait);
  timer_.async_wait([self = shared_from_this(), armed = state_](std::error_code ec) {
    if (ec || self->state_ != armed) return;
    self->on_timer();
  });
}

void connection::on_timer() {
  switch (state_) {
    case state::redial_wait: redial(); return;
    case state::reconnect_wait: reconnect(); return;
    case state::reopen_wait:
      ++attempt_;
      reopen();
      return;
    case state::callback_wait:
      log(log_level::info, "the server did not call back in time");
      finish(ras_error::request_timeout);
      return;
    case state::online: online_check(); return;
    case state::hanging_up:
      log(log_level::warning, "hang-up did not finish in time; closing the port");
      close_and_retire(ras_error::request_timeout);
      return;
    default:
      return;
  }
}

// Every failure of the dial passes here: the state in which it happened is reported again
// with the error (docs/ras-model.md §1.5, §2.1), and the connection waits for hang_up.
void connection::finish(std::error_code ec, std::string detail) {
  if (in({state::failed, state::hanging_up, state::closed})) return;
  log(log_level::info, "dial failed in " + std::string(to_string(ras_.value_or(conn_state::open_port))) +
                           ": " + describe(ec) + (detail.empty() ? "" : " (" + detail + ")"));
  {
    std::lock_guard lock(status_mutex_);
    status_.error = ec;
    status_.error_detail = detail;
  }
  notice n;
  n.error = ec;
  n.detail = std::move(detail);
  set_state(state::failed, std::move(n));
  went_down(ec);  // a reconnect that gave up: subscribers hear why
}

void connection::fail_while_dialing(std::error_code ec) {
  const bool first = !in({state::failed, state::hanging_up, state::closed});
  finish(ec);
  // The modem may still be dialing: any character aborts the dial (docs/modem-behaviour.md
  // §1.2), so the line is not left off-hook until the caller hangs up.
  if (first && channel_) channel_->async_write_raw("\r", [](std::error_code) {});
}

void connection::went_down(std::error_code ec) {
  if (!published_up_ || published_down_) return;
  published_down_ = true;
  core_->publish({handle_, connection_event_kind::disconnected, ec, clock_now()});
}

// ---------------------------------------------------------------------------------------
// The port and the modem's dial

void connection::start() {
  set_state(state::opening);
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

void connection::on_opened(std::error_code ec, std::unique_ptr<transport> t) {
  if (in({state::hanging_up, state::closed})) {
    // hang_up came while the port was opening: close it at once.
    if (t) t->close();
    close_and_retire();
    return;
  }
  if (state_ != state::opening) return;
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
  line_events_ = false;
  if (transport_->has_modem_control()) watch_lines();

  notice n;
  n.passing = {conn_state::port_opened};
  if (scripts_.dial) {
    dial(std::move(n));  // the dial script does the reset and init itself
    return;
  }
  set_state(state::init, std::move(n));
  start_init(state::init);
}

// Reset, init, the dial's own commands (the profile's init_steps): each must answer OK, then
// the dial (init) or the wait for the callback's RING (callback_init).
void connection::start_init(state s) {
  if (state_ != s) set_state(s);
  init_request request;
  if (extensions_.options & rdeopt_ignore_modem_speaker)
    request.speaker = (extensions_.options & rdeopt_set_modem_speaker) ? init_request::speaker::on
                                                                       : init_request::speaker::off;
  request.answer_ourselves = s == state::callback_init;
  async_run_steps(channel_, entry_.profile.init_steps(request),
                  [self = shared_from_this(), s](std::error_code ec, const step_failure& f) {
                    if (self->state_ != s || is_aborted(ec)) return;
                    if (ec) {
                      if (f.cause) self->log(log_level::info, "no reply to " + f.command + ": " + f.cause.message());
                      else self->log(log_level::info, f.command + " answered " + f.reply.final.text);
                      self->finish(ec);
                      return;
                    }
                    if (s == state::callback_init) self->wait_for_callback();
                    else self->cellular_then_dial();
                  });
}

void connection::dial(notice n) {
  if (scripts_.dial) {
    // The dial script talks to the modem itself: every byte is the script's, and a NO
    // CARRIER is its ABORT string to see, not a dropped call. A redial runs it again on a
    // clean slate: what the last attempt left unread (the rest of a BUSY line) is not its.
    if (link_) link_->stop();
    link_.reset();
    dial_script_.reset();
    channel_->assume_data_mode(false);
    off_hook_sent_ = true;  // the script's ATD
    start_script(state::dial_script, std::move(n));
    return;
  }
  set_state(state::dialing, std::move(n));
  if (entry_.profile.direct) {
    // A null-modem line (docs/profiles.md, direct): there is no modem to dial, the other
    // end is on the wire. ConnectDevice then DeviceConnected, and the bytes are the call's.
    channel_->assume_data_mode(false);
    if (logging()) log(log_level::info, "direct line on " + entry_.port + ": no dial");
    boost::asio::post(channel_->get_executor(), [self = shared_from_this()] {
      if (self->state_ != state::dialing) return;
      notice up;
      up.passing = {conn_state::device_connected};
      self->set_state(state::call_up, std::move(up));
      self->after_device_connected();
    });
    return;
  }
  off_hook_sent_ = true;
  off_hook_command_at_ = clock_now();
  if (logging()) log(log_level::info, "dialing " + number_ + " on " + entry_.port);
  async_call(channel_, entry_.profile, call_kind::dial,
             entry_.profile.dial_command(number_, entry_.pulse_dialing), connect_timeout(),
             [self = shared_from_this()](std::error_code ec, const call_result& r) {
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

void connection::on_dial_reply(std::error_code ec, const call_result& r) {
  if (state_ == state::hanging_up) {
    on_abort_reply(ec, r.reply);
    return;
  }
  if (state_ != state::dialing || is_aborted(ec)) return;
  if (r.cause) {
    fail_while_dialing(ec);  // our own deadline ran out, or the port failed
    return;
  }
  if (!ec) record_connect(r.reply);
  else ec = cellular_dial_error(r.reply, ec);
  // A refusal (async_call read it through the profile's table, docs/ras-model.md §6.2): the
  // modem has gone back on-hook by itself.
  if (ec) {
    if (should_redial(ec)) {
      schedule_redial(ec);
      return;
    }
    finish(ec);
    return;
  }
  if (logging()) log(log_level::info, "connected: " + r.reply.final.text);
  notice n;
  n.passing = {conn_state::device_connected};
  set_state(state::call_up, std::move(n));
  after_device_connected();
}

// CONNECT: what the modem said about the link, for status().
void connection::record_connect(const at_reply& reply) {
  std::lock_guard lock(status_mutex_);
  status_.connect_rate = reply.final.rate;
  status_.connect_text = reply.final.text;
  status_.negotiation.clear();
  for (const auto& l : reply.progress) status_.negotiation.push_back(l.text);
}

// ---------------------------------------------------------------------------------------
// Connected

void connection::connected(std::vector<conn_state> passing) {
  // link_kind::none: no authentication or projection; the data line is the caller's.
  const auto now = clock_now();
  dcd_poll_at_.reset();
  idle_check_at_.reset();
  // Carrier watch on a line with modem-control signals (&C1: DCD follows the carrier, so
  // its fall means the remote hung up). A driver that reports line changes (TIOCMIWAIT on
  // a UART or USB modem, NOTIFY-MODEMSTATE over RFC 2217) ends the call the moment DCD
  // falls (on_line_event); one that cannot is polled once a second, as FreeBSD ppp does
  // (docs/serial-lines.md §4).
  if (transport_->has_modem_control() && !line_events_) dcd_poll_at_ = now + std::chrono::seconds(1);
  // Idle disconnect (RASENTRY dwIdleDisconnectSeconds): no call data either way for that
  // long and the connection is hung up with 828 (ERROR_IDLE_TIMEOUT).
  if (entry_.idle_disconnect.count() > 0) {
    const auto limit = std::chrono::duration_cast<std::chrono::steady_clock::duration>(entry_.idle_disconnect);
    const auto idle_for = now - channel_->last_data_activity(now);
    idle_check_at_ = idle_for >= limit ? now : now + (limit - idle_for);
  }
  notice n;
  n.passing = std::move(passing);
  n.passing.push_back(conn_state::all_devices_connected);
  set_state(state::online, std::move(n));
  published_up_ = true;
  published_down_ = false;
  core_->publish({handle_, reconnecting_ ? connection_event_kind::reconnected
                                         : connection_event_kind::connected,
                  {}, clock_now()});
  reconnecting_ = false;
}

// The online timer: the idle limit, then DCD.
void connection::online_check() {
  const auto now = clock_now();
  if (idle_check_at_ && now >= *idle_check_at_) {
    const auto limit = std::chrono::duration_cast<std::chrono::steady_clock::duration>(entry_.idle_disconnect);
    const auto idle_for = now - channel_->last_data_activity(now);
    if (idle_for >= limit) {
      if (logging()) log(log_level::info, "idle for too long; hanging up");
      {
        std::lock_guard lock(status_mutex_);
        status_.error = ras_error::idle_timeout;
      }
      went_down(ras_error::idle_timeout);
      hang_up({});
      return;
    }
    idle_check_at_ = now + (limit - idle_for);  // there was traffic meanwhile
  }
  if (dcd_poll_at_ && now >= *dcd_poll_at_) {
    modem_lines lines;
    if (auto e = transport_->get_lines(lines)) {
      on_port_error(e);
      return;
    }
    if (!lines.dcd) {
      if (logging()) log(log_level::info, "carrier lost (DCD dropped)");
      drop_online(ras_error::remote_disconnection);
      return;
    }
    dcd_poll_at_ = now + std::chrono::seconds(1);
  }
  arm_timer();
}

// ---------------------------------------------------------------------------------------
// Events from the line

void connection::on_unsolicited(const response_line& line) {
  if (logging())
    log(log_level::debug, "unsolicited (" + std::string(to_string(line.kind)) + "): " + line.text);
  if (line.kind == response_kind::ring) on_ring();
}

// A ring, from the modem's RING or from the RI line; only the callback's wait answers one.
void connection::on_ring() {
  if (state_ != state::callback_wait) return;
  set_state(state::answering);
  off_hook_sent_ = true;
  off_hook_command_at_ = clock_now();
  const auto& p = entry_.profile;
  async_call(channel_, p, call_kind::answer, p.answer, p.connect_timeout,
             [self = shared_from_this()](std::error_code ec, const call_result& r) {
               self->on_answer_reply(ec, r);
             });
}

// Arms the wait for the next modem-control change. The handler holds the connection weakly
// and checks that the transport is still this one: a reopen's new transport has its own wait.
void connection::watch_lines() {
  std::weak_ptr<connection> weak = weak_from_this();
  const transport* mine = transport_.get();
  line_events_ = transport_->async_wait_lines([weak, mine](std::error_code ec, const modem_line_event& ev) {
    auto self = weak.lock();
    if (!self || self->transport_.get() != mine) return;
    self->on_line_event(ec, ev);
  });
}

void connection::on_line_event(std::error_code ec, const modem_line_event& ev) {
  if (ec) {
    if (is_aborted(ec) || in({state::hanging_up, state::closed})) return;
    // The device went away (unplugged, or its RFC 2217 connection lost): a vanished port,
    // not a remote hang-up, whatever DCD did.
    on_port_error(ec);
    return;
  }
  if (logging()) {
    const auto late = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - ev.at);
    log(log_level::debug, std::string("lines: DCD ") + (ev.lines.dcd ? "on" : "off") + ", DSR " +
                              (ev.lines.dsr ? "on" : "off") + ", CTS " + (ev.lines.cts ? "on" : "off") +
                              ", RI " + (ev.lines.ri ? "on" : "off") +
                              (ev.ring_pulses ? ", " + std::to_string(ev.ring_pulses) + " ring(s)" : "") +
                              " (" + std::to_string(late.count()) + " us after the change)");
  }
  const bool rang = ev.ring_pulses > 0 || (ev.changed.ri && ev.lines.ri);
  if (ev.changed.dcd && !ev.lines.dcd) on_carrier_lost("carrier lost (DCD dropped)");
  if (rang) on_ring();
  if (transport_ && !in({state::hanging_up, state::closed})) watch_lines();
}

void connection::on_carrier_lost(const char* how) {
  if (in({state::hanging_up, state::closed})) return;
  if (is_link_state(state_) && link_) {
    link_->carrier_lost();
    return;
  }
  if (row(state_).paused) {
    log(log_level::info, "carrier lost while paused");
    finish(ras_error::remote_disconnection);
    return;
  }
  if (state_ != state::online) return;
  log(log_level::info, how);
  drop_online(ras_error::remote_disconnection);
}

void connection::on_port_error(std::error_code ec) {
  if (in({state::hanging_up, state::closed})) return;
  log(log_level::warning, "port failed: " + ec.message());
  if (state_ == state::online) {
    drop_online(ras_error::hardware_failure);
    return;
  }
  if (state_ == state::dialing) {
    fail_while_dialing(ras_error::port_or_device);
    return;
  }
  if (!in({state::failed, state::dropped})) finish(ras_error::port_or_device);
}

void connection::read_data(asio::mutable_buffer buf,
                           std::function<void(std::error_code, std::size_t)> h) {
  if (!channel_ || !in({state::online, state::dropped, state::terminal})) {
    asio::post(core_->strand, [h = std::move(h)] {
      h(std::make_error_code(std::errc::not_connected), 0);
    });
    return;
  }
  channel_->async_read_data(buf, std::move(h));
}

void connection::write_data(asio::const_buffer buf,
                            std::function<void(std::error_code, std::size_t)> h) {
  if (!channel_ || !in({state::online, state::terminal})) {
    asio::post(core_->strand, [h = std::move(h)] {
      h(std::make_error_code(std::errc::not_connected), 0);
    });
    return;
  }
  channel_->async_write_data(buf, std::move(h));
}

}  // namespace dialup::detail
