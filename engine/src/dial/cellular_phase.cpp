// cellular_phase: the SIM, the APN and the network registration before a cellular dial
// (docs/cellular.md; 3GPP TS 27.007).
//
//   start ──> pin_query: AT+CPIN? ──READY──────────────────────────────┐
//                │ SIM PIN, a PIN given ──> pin_enter: AT+CPIN="…" ──OK──> pin_check: AT+CPIN?
//                │ SIM PIN, none given / PUK / locked / no SIM ──> fail    │ READY
//                v                                                        v
//              apn: AT+CGDCONT=1,"IP","<apn>" (skipped without an APN) ──OK──┐
//                                                                            v
//              registration: each registration query in turn (+CREG?, +CGREG?) ──registered──> done
//                │ not yet                             ^
//                v                                     │ registration_poll passes
//              waiting ──unsolicited +CREG: 1|5──> done │
//                └─────────────────────────────────────┘
//              registration_timeout passes ──> fail: 679 (770 if the network denied us)
//   Any ERROR / +CME ERROR / timeout ──> fail; `proceed` false ──> end, no outcome.
#include "cellular_phase.hpp"

#include <boost/asio/post.hpp>

#include "at/modem_procedures.hpp"  // ras_error_for_channel
#include "dialup/engine/detail/errors.hpp"

namespace dialup::detail {
namespace {

std::string seconds_text(std::chrono::milliseconds d) {
  const auto s = (d.count() + 999) / 1000;
  return std::to_string(s) + (s == 1 ? " second" : " seconds");
}

}  // namespace

cellular_phase::cellular_phase(boost::asio::any_io_executor ex, std::shared_ptr<virtual_clock> clock,
                               std::shared_ptr<at_channel> channel, const modem_profile& profile,
                               std::string pin, std::string apn, log_fn log, line_fn forward,
                               std::function<bool()> proceed, done_handler done)
    : ex_(ex),
      clock_(clock),
      channel_(std::move(channel)),
      settings_(profile.cellular),
      command_timeout_(profile.command_timeout),
      pin_(std::move(pin)),
      apn_(std::move(apn)),
      log_(std::move(log)),
      forward_(std::move(forward)),
      proceed_(std::move(proceed)),
      done_(std::move(done)),
      timer_(std::move(ex), std::move(clock)) {}

std::chrono::steady_clock::time_point cellular_phase::now() const {
  return clock_ ? clock_->now() : std::chrono::steady_clock::now();
}

void cellular_phase::start() {
  // The unsolicited +CREG: <stat> of a modem told +CREG=1 ends the wait early; every line
  // still goes on to the connection (a RING is its).
  std::weak_ptr<cellular_phase> weak = weak_from_this();
  // The line is looked at later, on the strand: ending the phase replaces this very
  // handler, which must not happen while it runs.
  channel_->on_unsolicited([weak, forward = forward_](const response_line& line) {
    if (auto self = weak.lock(); self && self->at_ != step::done) {
      if (auto r = cellular::parse_creg(line.text))
        boost::asio::post(self->ex_, [self, r = *r] {
          if (self->at_ != step::done) self->on_registration(r);
        });
    }
    if (forward) forward(line);
  });
  // The entry's APN and the PIN are checked before anything is sent: a quote or a line
  // break in either would end the AT command early and make the rest a command of its own.
  if (auto why = cellular::apn_problem(apn_)) {
    boost::asio::post(ex_, [self = shared_from_this(), why = *why] {
      self->fail(ras_error::invalid_parameter, "the APN cannot be used: " + why);
    });
    return;
  }
  if (!pin_.empty()) {
    if (auto why = cellular::pin_problem(pin_)) {
      boost::asio::post(ex_, [self = shared_from_this(), why = *why] {
        self->fail(ras_error::invalid_parameter, "the SIM PIN given cannot be used: " + why);
      });
      return;
    }
  }
  query_pin();
}

// One command; its reply goes to on_reply unless the phase has ended meanwhile. `shown` is
// how the command appears in the log and in error details (the PIN never does).
void cellular_phase::command(std::string cmd, std::function<void(const at_reply&)> on_reply,
                             std::string shown) {
  if (!going()) {
    end();
    return;
  }
  channel_->async_command(
      std::move(cmd), at_command_options{command_timeout_, false},
      [self = shared_from_this(), on_reply = std::move(on_reply), shown = std::move(shown)](
          std::error_code ec, at_reply r) {
        if (self->at_ == step::done) return;
        if (is_aborted(ec) || !self->going()) {
          self->end();
          return;
        }
        if (ec) {
          self->fail(ras_error_for_channel(ec), "no reply to " + shown + ": " + ec.message());
          return;
        }
        on_reply(r);
      });
}

void cellular_phase::fail_reply(const std::string& shown, const at_reply& r) {
  if (r.final.kind == response_kind::cme_error) {
    if (auto code = cellular::parse_cme_error(r.final.text)) {
      fail(cellular::cme_to_ras(*code, settings_),
           shown + " answered +CME ERROR: " + std::to_string(*code) + " (" +
               std::string(cellular::cme_error_text(*code)) + ")");
      return;
    }
  }
  const bool error = r.final.kind == response_kind::error || r.final.kind == response_kind::cme_error;
  fail(error ? ras_error::from_device : ras_error::unexpected_response,
       shown + " answered " + r.final.text);
}

void cellular_phase::query_pin() {
  at_ = at_ == step::pin_enter ? step::pin_check : step::pin_query;
  command(settings_.pin_query, [this](const at_reply& r) { on_pin_state(r); }, settings_.pin_query);
}

void cellular_phase::on_pin_state(const at_reply& r) {
  std::optional<cellular::sim_state> sim;
  if (r.final.kind == response_kind::ok) {
    for (const auto& l : r.information)
      if ((sim = cellular::parse_cpin(l.text))) break;
  } else {
    sim = cellular::parse_cpin(r.final.text);  // +CME ERROR: 10 (no SIM), 13, 14 …
  }
  if (!sim) {
    if (r.final.kind == response_kind::ok) {
      fail(ras_error::from_device, settings_.pin_query + " gave no +CPIN: line");
      return;
    }
    fail_reply(settings_.pin_query, r);
    return;
  }
  using cellular::sim_state;
  if (log_) log_(log_level::info, "cellular: SIM: " + std::string(cellular::to_string(*sim)));
  switch (*sim) {
    case sim_state::ready:
      set_apn();
      return;
    case sim_state::pin_required:
      if (at_ == step::pin_check) {
        // The PIN was taken (OK) but the SIM still asks for it: do not try it again, a
        // third wrong try blocks the SIM.
        fail(ras_error::authentication_failure, "the SIM still asks for its PIN after it was given");
        return;
      }
      if (pin_.empty()) {
        fail(ras_error::authentication_failure, "the SIM needs its PIN and none was given");
        return;
      }
      enter_pin();
      return;
    case sim_state::puk_required:
      fail(ras_error::authentication_failure,
           "the SIM is blocked after wrong PINs: it needs its PUK (SIM PUK required)");
      return;
    case sim_state::pin2_required:
    case sim_state::puk2_required:
    case sim_state::phone_lock:
      fail(ras_error::authentication_failure,
           "the modem is locked: " + std::string(cellular::to_string(*sim)));
      return;
    case sim_state::not_inserted:
      fail(cellular::cme_to_ras(10, settings_), "no SIM in the modem (SIM not inserted)");
      return;
    case sim_state::failure:
      fail(cellular::cme_to_ras(13, settings_), "the SIM does not work (SIM failure)");
      return;
    case sim_state::busy:
      fail(cellular::cme_to_ras(14, settings_), "the SIM is busy (SIM busy)");
      return;
    case sim_state::unknown:
      break;
  }
  fail(ras_error::from_device, "the SIM is in a state this dialer does not know");
}

void cellular_phase::enter_pin() {
  at_ = step::pin_enter;
  const std::string shown = settings_.pin_enter + "\"****\"";
  if (log_) log_(log_level::info, "cellular: entering the SIM PIN");
  command(settings_.pin_enter + "\"" + pin_ + "\"",
          [this, shown](const at_reply& r) {
            if (r.final.kind != response_kind::ok) {
              fail_reply(shown, r);
              return;
            }
            query_pin();  // at_ is pin_enter: this is the check
          },
          shown);
}

void cellular_phase::set_apn() {
  if (apn_.empty()) {
    if (log_) log_(log_level::info, "cellular: no APN given: the modem's own PDP context is used");
    deadline_ = now() + settings_.registration_timeout;
    poll_registration(0);
    return;
  }
  at_ = step::apn;
  const std::string cmd = settings_.apn_set + "\"" + apn_ + "\"";
  if (log_) log_(log_level::info, "cellular: APN " + apn_);
  command(cmd,
          [this, cmd](const at_reply& r) {
            if (r.final.kind != response_kind::ok) {
              fail_reply(cmd, r);
              return;
            }
            deadline_ = now() + settings_.registration_timeout;
            poll_registration(0);
          },
          cmd);
}

// One round of the profile's registration queries, in turn; registered after any of them
// says so (a data call needs the packet domain, +CGREG/+CEREG, but modems on a network that
// registers both answer +CREG first).
void cellular_phase::poll_registration(std::size_t query) {
  if (at_ == step::done) return;
  const auto& queries = settings_.registration_queries;
  if (query == 0) {
    any_answered_ = false;
    registered_seen_ = false;
  }
  if (query >= queries.size()) {
    if (registered_seen_) {
      registered();
      return;
    }
    if (!any_answered_) {
      // None of the queries is known to this modem: it cannot tell, the dial will.
      if (log_) log_(log_level::warning, "cellular: the modem reports no network registration; dialling anyway");
      registered();
      return;
    }
    wait_for_registration();
    return;
  }
  at_ = step::registration;
  command(queries[query],
          [this, query](const at_reply& r) {
            if (r.final.kind == response_kind::ok) {
              any_answered_ = true;
              for (const auto& l : r.information)
                if (auto reg = cellular::parse_creg(l.text)) on_registration(*reg);
            }
            if (at_ == step::done) return;
            // ERROR: this modem lacks the query (a 2G modem and +CEREG); the others decide.
            poll_registration(query + 1);
          },
          queries[query]);
}

void cellular_phase::on_registration(const cellular::registration& r) {
  if (r.stat != last_stat_.value_or(-1) && log_) {
    if (r.registered())
      log_(log_level::info, "cellular: network registration: " + std::string(r.text()));
    else
      log_(log_level::info, "cellular: waiting for network registration (" + std::string(r.text()) + ")");
  }
  last_stat_ = r.stat;
  if (!r.registered()) return;
  registered_seen_ = true;
  if (at_ == step::waiting) {
    timer_.cancel();
    registered();
  }
}

void cellular_phase::wait_for_registration() {
  const auto left = deadline_ - now();
  if (left <= std::chrono::steady_clock::duration::zero()) {
    const auto waited = seconds_text(settings_.registration_timeout);
    if (last_stat_ == 3) {
      fail(ras_error::connection_reject, "the network denied registration (waited " + waited + ")");
      return;
    }
    fail(ras_error::no_carrier,
         "no network registration within " + waited + " (" +
             std::string(cellular::registration_text(last_stat_.value_or(4))) + ")");
    return;
  }
  at_ = step::waiting;
  const std::chrono::steady_clock::duration poll = settings_.registration_poll;
  timer_.expires_after(std::min(poll, left));
  timer_.async_wait([self = shared_from_this()](std::error_code ec) {
    if (ec || self->at_ != step::waiting) return;
    self->poll_registration(0);
  });
}

void cellular_phase::registered() {
  if (at_ == step::done) return;
  auto self = shared_from_this();
  end();
  if (done_) done_(outcome{});
}

void cellular_phase::fail(std::error_code ec, std::string detail) {
  if (at_ == step::done) return;
  auto self = shared_from_this();
  end();
  if (done_) done_(outcome{ec, std::move(detail)});
}

// The channel's unsolicited lines go back to the connection alone.
void cellular_phase::end() {
  if (at_ == step::done) return;
  at_ = step::done;
  timer_.cancel();
  channel_->on_unsolicited(forward_);
}

}  // namespace dialup::detail
