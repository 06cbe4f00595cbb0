// script_phase: a chat script over the data line (docs/engine.md §4).
//
//   start ──> read ⟲ feed ──> pump: send what the script sends, arm its next deadline
//                                    └── done ──> stop reading, log, done(outcome)
//   carrier_lost ──> the runner's hangup (its HANGUP rule decides) ──> pump
#include "script_phase.hpp"

#include "dialup/engine/detail/errors.hpp"

namespace dialup::detail {
namespace asio = boost::asio;

script_phase::script_phase(asio::any_io_executor ex, std::shared_ptr<virtual_clock> clock,
                           std::shared_ptr<at_channel> channel, const chat_script& script,
                           chat_substitutions subs, bool keep_seen, log_fn log, done_handler done)
    : clock_(clock),
      channel_(std::move(channel)),
      runner_(script, std::move(subs)),
      keep_seen_(keep_seen),
      log_(std::move(log)),
      done_(std::move(done)),
      timer_(std::move(ex), std::move(clock)) {}

std::chrono::steady_clock::time_point script_phase::now() const {
  return clock_ ? clock_->now() : std::chrono::steady_clock::now();
}

void script_phase::start() {
  running_ = true;
  runner_.start(now());
  read();
  pump();
}

void script_phase::read() {
  channel_->async_read_data(asio::buffer(buf_), [self = shared_from_this()](std::error_code ec, std::size_t n) {
    if (!self->running_) {
      // The script has finished: what came is the caller's (or the next phase's).
      if (!ec && n) self->channel_->unread_data(std::string(self->buf_.data(), n));
      return;
    }
    if (ec) {
      if (is_aborted(ec)) return;
      self->runner_.hangup(self->now());  // NO CARRIER, EOF
    } else {
      const std::string_view got(self->buf_.data(), n);
      if (self->keep_seen_) {
        self->seen_.append(got);
        if (self->seen_.size() > 512) self->seen_.erase(0, self->seen_.size() - 512);
      }
      self->runner_.feed(got, self->now());
      self->read();
    }
    self->pump();
  });
}

void script_phase::pump() {
  if (!running_) return;
  for (auto& a : runner_.take_actions()) {
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
        if (log_) log_(log_level::info, "script: " + to_string(a));  // never a secret
        break;
    }
  }
  if (runner_.done()) {
    running_ = false;
    timer_.cancel();
    channel_->cancel_data_read();
    const auto outcome = *runner_.outcome();
    if (log_) log_(log_level::info, "script ended: " + outcome.to_string());
    link_outcome o;
    o.callback = outcome.result == chat_result::callback;
    if (!o.callback) o.error = outcome.error();
    done_(o);
    return;
  }
  if (auto d = runner_.next_deadline()) {
    auto t = now();
    timer_.expires_after(*d > t ? *d - t : std::chrono::steady_clock::duration::zero());
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (ec || !self->running_) return;
      self->runner_.advance(self->now());
      self->pump();
    });
  }
}

void script_phase::carrier_lost() {
  if (!running_) return;
  auto keep = shared_from_this();  // the outcome's handler may let go of the phase
  runner_.hangup(now());
  pump();
}

void script_phase::stop() {
  running_ = false;
  timer_.cancel();
}

std::string script_phase::take_unread() { return runner_.take_unread(); }

}  // namespace dialup::detail
