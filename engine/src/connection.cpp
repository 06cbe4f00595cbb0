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
//                                   the connection waits for hang_up (ras-model.md §1.2)
//
//   hang_up (from any state):
//     online, line has DTR ──> DTR low for dtr_drop_time, DTR high ─┐
//     online, no DTR       ──> guard, +++, guard, OK ──────────────┤
//     dialing              ──> abort character (CR) ───────────────┤
//     command state        ─────────────────────────────────────────┴─> ATH ─> close port ─> retire
//   Every step is bounded; whatever happens, the port is closed and the handle retired.
//
// Every event handler runs on the engine strand and starts with a guard on phase_, so a
// late completion (a reply after hang_up began) is dropped.
#include "connection.hpp"

#include <filesystem>

#include "dialup/engine/detail/errors.hpp"
#include "dialup/engine/dial_string.hpp"

namespace dialup::detail {
namespace asio = boost::asio;

std::string port_key(const std::string& port) {
  if (port.empty() || port.front() != '/') return port;
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(port, ec);
  return ec ? port : p.string();
}

bool manager_core::reserve_port(const std::string& port) {
  std::lock_guard lock(mutex);
  return ports_in_use.insert(port_key(port)).second;
}

void manager_core::release_port(const std::string& port) {
  std::lock_guard lock(mutex);
  ports_in_use.erase(port_key(port));
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
                       dial_extensions extensions, std::optional<chat_script> script,
                       std::shared_ptr<notify_sink> sink)
    : core_(std::move(core)),
      handle_(h),
      entry_(std::move(entry)),
      numbers_(std::move(numbers)),
      number_(numbers_.front()),
      params_(std::move(params)),
      extensions_(extensions),
      sink_(std::move(sink)),
      timer_(core_->strand, core_->clock),
      deadline_(core_->strand, core_->clock),
      redial_timer_(core_->strand, core_->clock),
      script_(std::move(script)),
      script_timer_(core_->strand, core_->clock),
      idle_timer_(core_->strand, core_->clock),
      dcd_timer_(core_->strand, core_->clock) {
  next_pause_ = std::chrono::duration_cast<std::chrono::milliseconds>(entry_.redial.pause);
  status_.device_name = entry_.port;
  status_.phone_number = number_;
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
// then posts the notification (STYLE.md: update first, then notify).
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
  sink_->push(dial_event{handle_, s, {}, 0, params_.sub_entry, params_.callback_id,
                         std::chrono::steady_clock::now(), attempt_});
}

// Every failure of the dial passes here: the state in which it happened is reported again
// with the error (ras-model.md §1.5, §2.1), and the connection waits for hang_up.
void connection::finish(std::error_code ec) {
  if (phase_ == phase::failed || phase_ == phase::closed || hanging_up_) return;
  log(log_level::info, "dial failed in " + std::string(to_string(state_)) + ": " + describe(ec));
  bool was_dialing = phase_ == phase::dialing;
  phase_ = phase::failed;
  {
    std::lock_guard lock(status_mutex_);
    status_.error = ec;
  }
  sink_->push(dial_event{handle_, state_, ec, 0, params_.sub_entry, params_.callback_id,
                         std::chrono::steady_clock::now(), attempt_});
  if (was_dialing && channel_) {
    // Our own timer ran out while the modem was still dialing: any character aborts the
    // dial (hayes-v250.md §1.2), so the line is not left off-hook until the caller hangs up.
    channel_->async_write_raw("\r", [](std::error_code) {});
  }
}

void connection::start() {
  set_state(conn_state::open_port);
  if (!core_->reserve_port(entry_.port)) {
    finish(ras_error::port_already_open);
    return;
  }
  port_reserved_ = true;
  core_->transports->async_open(
      entry_.port, entry_.settings, core_->strand,
      [self = shared_from_this()](std::error_code ec, std::unique_ptr<transport> t) {
        self->on_opened(ec, std::move(t));
      });
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
    std::error_code ras;
    if (ec.category() == ras_category()) ras = ec;
    else if (ec == std::errc::no_such_file_or_directory) ras = ras_error::port_not_found;
    else if (ec == std::errc::no_such_device || ec == std::errc::no_such_device_or_address)
      ras = ras_error::device_does_not_exist;
    else ras = ras_error::port_not_available;  // EBUSY, EACCES, EPERM, ...
    log(log_level::info, "cannot open " + entry_.port + ": " + ec.message());
    finish(ras);
    return;
  }
  transport_ = std::move(t);
  const auto& p = entry_.profile;
  channel_ = std::make_shared<at_channel>(core_->strand, transport_, p.responses, p.resync_quiet,
                                          p.max_consecutive_timeouts, core_->clock);
  std::weak_ptr<connection> weak = weak_from_this();
  if (logging()) channel_->on_trace([weak](char dir, std::string_view bytes) {
    if (auto self = weak.lock()) {
      std::string printable;
      for (char c : bytes) {
        if (c == '\r') printable += "\\r";
        else if (c == '\n') printable += "\\n";
        else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
          static const char* hex = "0123456789abcdef";
          printable += "\\x";
          printable += hex[(static_cast<unsigned char>(c) >> 4) & 0xf];
          printable += hex[static_cast<unsigned char>(c) & 0xf];
        } else printable += c;
      }
      // A remote that echoes the password back must not put it in the trace.
      const auto& pw = self->params_.password;
      for (auto at = pw.empty() ? std::string::npos : printable.find(pw); at != std::string::npos;
           at = printable.find(pw, at))
        printable.replace(at, pw.size(), "********");
      self->log(log_level::trace, std::string(1, dir) + " " + printable);
    }
  });
  channel_->on_unsolicited([weak](const response_line& line) {
    if (auto self = weak.lock())
      self->log(log_level::debug, "unsolicited (" + std::string(to_string(line.kind)) + "): " + line.text);
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
  phase_ = phase::commands;

  commands_.clear();
  if (!p.reset.empty()) {
    // The reply to the reset comes in the stored profile's format, which may be V0
    // (hayes-v250.md §9): accept numeric codes for it.
    commands_.push_back({p.reset, at_command_options{p.reset_timeout, true}});
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
  run_command(0);
}

void connection::run_command(std::size_t index) {
  if (index >= commands_.size()) {
    dial();
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
  const auto& p = entry_.profile;
  std::string cmd = p.dial_prefix;
  cmd += entry_.pulse_dialing ? p.pulse : p.tone;
  cmd += number_;
  cmd += p.dial_suffix;
  phase_ = phase::dialing;
  if (logging()) log(log_level::info, "dialing " + number_ + " on " + entry_.port);
  channel_->async_command(cmd, at_command_options{p.connect_timeout, false},
                          [self = shared_from_this()](std::error_code ec, at_reply r) {
                            self->on_dial_reply(ec, r);
                          });
}

void connection::on_dial_reply(std::error_code ec, const at_reply& reply) {
  if (phase_ != phase::dialing || hanging_up_) return;
  if (ec) {
    if (is_aborted(ec)) return;
    finish(map_channel_error(ec));
    return;
  }
  std::error_code fail;
  switch (reply.final.kind) {
    case response_kind::connect: {
      std::lock_guard lock(status_mutex_);
      status_.connect_rate = reply.final.rate;
      status_.connect_text = reply.final.text;
      for (const auto& l : reply.progress) status_.negotiation.push_back(l.text);
      break;
    }
    // ras-model.md §6.2: modem events to RAS errors, reported in ConnectDevice.
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
  if (script_) {
    // A post-dial login script is a device of its own, with its own ConnectDevice /
    // DeviceConnected pair after the modem's (ras-model.md §3.3).
    phase_ = phase::scripting;
    set_state(conn_state::connect_device);
    start_script();
    return;
  }
  phase_ = phase::online;
  connected_states();
}

void connection::connected_states() {
  set_state(conn_state::all_devices_connected);
  // link_kind::none: no authentication or projection; the data line is the caller's.
  set_state(conn_state::connected);
  published_up_ = true;
  core_->publish({handle_, connection_event_kind::connected, {}, clock_now()});
  if (entry_.idle_disconnect.count() > 0) arm_idle_timer();
  if (transport_->has_modem_control()) watch_dcd();
}

// Carrier watch on a line with modem-control signals: DCD is polled once a second (as
// FreeBSD ppp does; POSIX has no pollable event for it, peers.md §8), and its fall means
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
// Login script: the chat runner over the data line.

void connection::start_script() {
  chat_substitutions subs;
  subs.phone = number_;
  subs.user = params_.user_name;
  subs.password = params_.password;
  runner_ = std::make_unique<chat_runner>(*script_, std::move(subs));
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
                                self->runner_->feed(std::string_view(self->script_buf_.data(), n),
                                                    self->clock_now());
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
  const auto outcome = *runner_->outcome();
  if (logging()) log(log_level::info, "script ended: " + outcome.to_string());
  if (outcome.result != chat_result::success) {
    phase_ = phase::online;  // the call is up; finish() reports, hang_up() clears it
    channel_->cancel_data_read();
    finish(outcome.error());
    return;
  }
  phase_ = phase::online;
  channel_->cancel_data_read();
  auto unread = runner_->take_unread();
  if (!unread.empty()) channel_->unread_data(std::move(unread));
  set_state(conn_state::device_connected);
  connected_states();
}

std::chrono::steady_clock::time_point connection::clock_now() const {
  return core_->clock ? core_->clock->now() : std::chrono::steady_clock::now();
}

// Redial rules (RASENTRY dwRedialCount/dwRedialPause; wvdial's abort switches and
// back-off, peers.md §1.2): only call outcomes are retried — a port, modem or timeout
// failure is not going to get better by dialling again.
bool connection::should_redial(std::error_code fail) const {
  const auto& r = entry_.redial;
  if (attempt_ > r.attempts) return false;
  if (fail == ras_error::line_busy) return !r.abort_on_busy;
  if (fail == ras_error::no_dialtone) return !r.abort_on_no_dialtone;
  return fail == ras_error::no_answer || fail == ras_error::no_carrier ||
         fail == ras_error::voice_answer || fail == ras_error::temp_failure;
}

void connection::schedule_redial(std::error_code fail) {
  phase_ = phase::redial_wait;
  auto pause = next_pause_;
  if (logging())
    log(log_level::info, "attempt " + std::to_string(attempt_) + " failed (" + describe(fail) +
                             "); redialling in " + std::to_string(pause.count()) + " ms");
  // Back-off for the pause after this one.
  auto grown = std::chrono::milliseconds(
      static_cast<long long>(static_cast<double>(next_pause_.count()) * entry_.redial.backoff));
  next_pause_ = std::min(grown, std::chrono::duration_cast<std::chrono::milliseconds>(entry_.redial.max_pause));
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
    self->sink_->push(dial_event{self->handle_, conn_state::connect_device, {},
                                 ras_number(fail), self->params_.sub_entry,
                                 self->params_.callback_id, std::chrono::steady_clock::now(),
                                 self->attempt_});
    self->dial();
  });
}

void connection::drop_online(std::error_code ec) {
  phase_ = phase::dropped;
  idle_timer_.cancel();
  dcd_timer_.cancel();
  {
    std::lock_guard lock(status_mutex_);
    status_.state = conn_state::disconnected;
    status_.error = ec;
  }
  went_down(ec);
}

void connection::on_carrier_lost() {
  if (phase_ == phase::scripting && runner_ && !hanging_up_) {
    runner_->hangup(clock_now());
    pump_script();
    return;
  }
  if (phase_ != phase::online || hanging_up_) return;
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
  if (phase_ == phase::commands || phase_ == phase::dialing || phase_ == phase::redial_wait ||
      phase_ == phase::scripting)
    finish(ras_error::port_or_device);
}

void connection::read_data(asio::mutable_buffer buf,
                           std::function<void(std::error_code, std::size_t)> h) {
  if (!channel_ || (phase_ != phase::online && phase_ != phase::dropped)) {
    asio::post(core_->strand, [h = std::move(h)] {
      h(std::make_error_code(std::errc::not_connected), 0);
    });
    return;
  }
  channel_->async_read_data(buf, std::move(h));
}

void connection::write_data(asio::const_buffer buf,
                            std::function<void(std::error_code, std::size_t)> h) {
  if (!channel_ || phase_ != phase::online) {
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
    sink_->push(dial_event{handle_, conn_state::disconnected, ras_error::user_disconnection, 0,
                           params_.sub_entry, params_.callback_id, std::chrono::steady_clock::now()});

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
                p.resync_quiet * 2 + std::chrono::seconds(1);
  deadline_.expires_after(budget);
  deadline_.async_wait([self = shared_from_this()](std::error_code ec) {
    if (ec) return;
    self->log(log_level::warning, "hang-up did not finish in time; closing the port");
    self->close_and_retire();
  });

  channel_->cancel();  // a pending ATD or init command is abandoned
  script_timer_.cancel();
  if ((before == phase::online || before == phase::scripting || before == phase::failed) &&
      channel_->in_data_mode()) {
    hang_up_online();
  } else if (before == phase::dialing) {
    // Any character aborts a dial in progress (hayes-v250.md §1.2); the modem answers
    // NO CARRIER, which the resynchronisation before ATH drains.
    channel_->async_write_raw("\r", [self = shared_from_this()](std::error_code) {
      self->send_ath_then_close();
    });
  } else {
    send_ath_then_close();
  }
}

void connection::hang_up_online() {
  const auto& p = entry_.profile;
  if (transport_->has_modem_control() && !transport_->set_dtr(false)) {
    // DTR drop: with &D2 the modem hangs up (hayes-v250.md §3.1). Hold it longer than S25.
    log(log_level::debug, "dropping DTR");
    timer_.expires_after(p.dtr_drop_time);
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (ec || self->phase_ == phase::closed) return;
      self->transport_->set_dtr(true);
      self->channel_->assume_command_mode();
      self->send_ath_then_close();
    });
    return;
  }
  // No DTR on this line (a pty): the guarded escape, then ATH.
  channel_->async_escape(p.escape, p.escape_guard, p.command_timeout,
                         [self = shared_from_this()](std::error_code ec, at_reply r) {
                           if (self->phase_ == phase::closed) return;
                           if (ec || r.final.kind != response_kind::ok)
                             self->log(log_level::warning, "escape not acknowledged");
                           self->send_ath_then_close();
                         });
}

void connection::send_ath_then_close() {
  if (phase_ == phase::closed) return;
  const auto& p = entry_.profile;
  channel_->async_command(p.hangup, at_command_options{p.command_timeout, false},
                          [self = shared_from_this()](std::error_code ec, at_reply r) {
                            if (ec) self->log(log_level::info, "ATH: " + ec.message());
                            else if (r.final.kind != response_kind::ok)
                              self->log(log_level::info, "ATH answered " + r.final.text);
                            self->close_and_retire();
                          });
}

void connection::close_and_retire() {
  if (phase_ == phase::closed) return;
  phase_ = phase::closed;
  timer_.cancel();
  deadline_.cancel();
  redial_timer_.cancel();
  script_timer_.cancel();
  idle_timer_.cancel();
  dcd_timer_.cancel();
  went_down(ras_error::user_disconnection);
  if (channel_) channel_->stop();
  if (transport_) transport_->close();
  if (port_reserved_) core_->release_port(entry_.port);
  port_reserved_ = false;
  {
    std::lock_guard lock(status_mutex_);
    status_.state = conn_state::disconnected;
  }
  if (logging()) log(log_level::info, "port closed");
  core_->retire(handle_);
  auto done = std::move(hang_up_done_);
  hang_up_done_.clear();
  for (auto& d : done) d({});
}

}  // namespace dialup::detail
