// connection: redial and reconnect.
//
// Redial rules (RASENTRY dwRedialCount/dwRedialPause; wvdial's abort switches and back-off,
// docs/peers.md §1.2): only call outcomes are retried — a port, modem or timeout failure is
// not going to get better by dialling again. Reconnect (RASEO2_ReconnectIfDropped): a call
// that was up and dropped is dialled again with the same rules.
#include "connection.hpp"

namespace dialup::detail {

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
  wait_ = take_redial_pause();
  wait_cause_ = fail;
  set_state(state::redial_wait);
  if (logging())
    log(log_level::info, "attempt " + std::to_string(attempt_) + " failed (" + describe(fail) +
                             "); redialling in " + std::to_string(wait_.count()) + " ms");
}

// The redial pause is over.
void connection::redial() {
  ++attempt_;
  if (entry_.redial.rotate_alternates) number_ = numbers_[(attempt_ - 1) % numbers_.size()];
  {
    std::lock_guard lock(status_mutex_);
    status_.phone_number = number_;
  }
  // Each attempt is visible: ConnectDevice again, with why the last one ended.
  notice n;
  n.again = true;
  n.extended = ras_number(wait_cause_);
  dial(std::move(n));
}

void connection::drop_online(std::error_code ec) {
  {
    std::lock_guard lock(status_mutex_);
    status_.error = ec;
  }
  set_state(state::dropped);
  went_down(ec);
  if (entry_.reconnect_if_dropped && ec == ras_condition::line_lost) start_reconnect(ec);
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
  attempt_ = 1;
  next_pause_ = std::chrono::duration_cast<std::chrono::milliseconds>(entry_.redial.pause);
  number_ = numbers_.front();
  if (link_) link_->stop();
  link_.reset();
  dial_script_.reset();
  wait_ = next_pause_;
  wait_cause_ = why;
  set_state(state::reconnect_wait);
  if (logging())
    log(log_level::info, "reconnecting in " + std::to_string(next_pause_.count()) + " ms");
}

// The reconnect pause is over.
void connection::reconnect() {
  {
    std::lock_guard lock(status_mutex_);
    status_.error.clear();
    status_.phone_number = number_;
    status_.negotiation.clear();
  }
  if (wait_cause_ == ras_error::hardware_failure) {
    reopen();
    return;
  }
  if (scripts_.dial) {
    dial();
    return;
  }
  channel_->assume_command_mode();
  start_init(state::init);
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
  notice n;
  n.again = true;
  set_state(state::opening, std::move(n));
  open_port();
}

// The port could not be opened again yet: wait the next redial pause and try again.
void connection::schedule_reopen() {
  wait_ = take_redial_pause();
  set_state(state::reopen_wait);
}

}  // namespace dialup::detail
