// connection: the hang-up procedure (docs/architecture.md contract 5; the diagram is at the
// top of connection.cpp). Whatever the state, the modem is put back on-hook and in command
// state as far as it can be, within the hanging_up deadline, and the port is closed.
#include "connection.hpp"

#include "at/modem_procedures.hpp"

namespace dialup::detail {

std::chrono::steady_clock::duration connection::hang_up_budget() const {
  const auto& p = entry_.profile;
  // The escape's guards, and one more: a CONNECT during the first starts it again (at_channel).
  return p.dtr_drop_time + 3 * p.escape_guard + 3 * p.command_timeout + p.resync_quiet * 2 +
         abort_attempts * abort_wait + std::chrono::seconds(1);
}

void connection::hang_up(std::function<void(std::error_code)> done) {
  if (state_ == state::closed) {
    if (done) done({});
    return;
  }
  if (done) hang_up_done_.push_back(std::move(done));
  if (state_ == state::hanging_up) return;
  if (logging()) log(log_level::info, "hanging up");

  // A dial still in progress ends with Disconnected + 631, its one terminal notification.
  notice n;
  if (!sink_->terminal_pushed()) {
    n.error = ras_error::user_disconnection;
    n.report_as = conn_state::disconnected;
  }
  const auto before = state_;
  set_state(state::hanging_up, std::move(n));  // arms the deadline when there is a channel
  if (before == state::opening) return;  // on_opened closes the port when it arrives
  if (!channel_) {
    close_and_retire();
    return;
  }
  if (link_) link_->stop();
  if (before == state::dialing || before == state::answering) {
    abort_dial();  // the ATD / ATA stays pending: its answer tells how the abort went
    return;
  }
  channel_->cancel();  // a pending init command is abandoned
  // Whatever the state, a line still in data state is left as from a call that is up:
  // after the carrier went (DCD fell; `dropped`, or `reconnect_wait`) the modem may not have
  // said NO CARRIER yet — it waits S10 before it gives up the call
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
  step_timer_.expires_after(earliest > now ? duration_cast<milliseconds>(earliest - now) : milliseconds(0));
  step_timer_.async_wait([self = shared_from_this()](std::error_code ec) {
    if (ec || !self->abort_pending_ || self->state_ == state::closed) return;
    self->send_abort_character(abort_attempts);
  });
}

void connection::send_abort_character(int attempts) {
  channel_->async_write_raw("\r", [](std::error_code) {});
  step_timer_.expires_after(abort_wait);
  step_timer_.async_wait([self = shared_from_this(), attempts](std::error_code ec) {
    if (ec || !self->abort_pending_ || self->state_ == state::closed) return;
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
  if (!abort_pending_ || state_ == state::closed) return;
  abort_pending_ = false;
  step_timer_.cancel();
  if (!ec && channel_->in_data_mode()) {
    log(log_level::info, "the modem answered " + reply.final.text + " as the dial was aborted");
    hang_up_online();
    return;
  }
  send_ath_then_close();
}

// The call is up: the modem_procedures hang-up (DTR drop or escape, then ATH).
void connection::hang_up_online() {
  std::weak_ptr<connection> weak = weak_from_this();
  async_hang_up(channel_, transport_, entry_.profile, step_timer_, log_fn(),
                [weak] {
                  auto self = weak.lock();
                  return self && self->state_ != state::closed;
                },
                [self = shared_from_this()](std::error_code ec, const at_reply& r) {
                  if (self->state_ == state::closed || is_aborted(ec)) return;
                  self->on_ath(ec, r);
                });
}

void connection::send_ath_then_close() {
  if (state_ == state::closed) return;
  const auto& p = entry_.profile;
  if (p.hangup.empty()) {  // a direct line: nothing to send, closing the port is the hang-up
    close_and_retire({});
    return;
  }
  channel_->async_command(p.hangup, at_command_options{p.command_timeout, false},
                          [self = shared_from_this()](std::error_code ec, at_reply r) { self->on_ath(ec, r); });
}

// Only the modem's OK to ATH confirms it is on-hook; a device that went away is on-hook too
// (a USB modem loses power). A modem that was never told to go off-hook (no ATD, ATA or dial
// script yet) is on-hook whatever it answers.
void connection::on_ath(std::error_code ec, const at_reply& r) {
  std::error_code result;
  const bool refused = ec == std::errc::timed_out || (!ec && r.final.kind != response_kind::ok);
  if (refused && off_hook_sent_) {
    log(log_level::warning, ec ? "ATH: no answer; the modem may still be off-hook"
                               : "ATH answered " + r.final.text + "; the modem may still be off-hook");
    result = ras_error::request_timeout;
  } else if (ec) {
    log(log_level::info, "ATH: " + ec.message());
  }
  close_and_retire(result);
}

void connection::close_and_retire(std::error_code result) {
  if (state_ == state::closed) return;
  set_state(state::closed);  // cancels the deadline
  step_timer_.cancel();
  if (link_) link_->stop();
  went_down(ras_error::user_disconnection);
  if (channel_) channel_->stop();
  if (transport_) transport_->close();
  if (reserved_key_) core_->release_port(*reserved_key_);
  reserved_key_.reset();
  if (logging()) log(log_level::info, "port closed");
  core_->retire(handle_);
  auto done = std::move(hang_up_done_);
  hang_up_done_.clear();
  for (auto& d : done) d(result);
}

}  // namespace dialup::detail
