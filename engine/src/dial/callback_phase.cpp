// callback_phase: the first call's end before a callback (docs/engine.md §4).
//
//   start ──> line already down (NO CARRIER came with the script's end) ──> done
//         └─> waiting_for_drop ──carrier lost──> done
//                  └── `wait` passes ──> hanging_up: async_hang_up (DTR drop or escape, ATH) ──> done
//                                             └── carrier lost ──> done
//   stop ──> no outcome; a hang-up in progress sends nothing more
#include "callback_phase.hpp"

#include "at/modem_procedures.hpp"
#include "dialup/engine/detail/errors.hpp"

namespace dialup::detail {

callback_phase::callback_phase(boost::asio::any_io_executor ex, std::shared_ptr<virtual_clock> clock,
                               std::shared_ptr<at_channel> channel, std::shared_ptr<transport> port,
                               const modem_profile& profile, std::chrono::steady_clock::duration wait,
                               log_fn log, done_handler done)
    : channel_(std::move(channel)),
      port_(std::move(port)),
      profile_(profile),
      wait_(wait),
      log_(std::move(log)),
      done_(std::move(done)),
      timer_(std::move(ex), std::move(clock)) {}

void callback_phase::start() {
  if (!channel_->in_data_mode()) {  // the carrier is gone already
    line_down();
    return;
  }
  at_ = step::waiting_for_drop;
  timer_.expires_after(wait_);
  timer_.async_wait([self = shared_from_this()](std::error_code ec) {
    if (ec || self->at_ != step::waiting_for_drop) return;
    self->hang_up();
  });
}

// The carrier went: while we wait, and also while our own hang-up runs (it then sends
// nothing more: the line is down either way).
void callback_phase::carrier_lost() {
  if (at_ != step::waiting_for_drop && at_ != step::hanging_up) return;
  timer_.cancel();
  if (log_) log_(log_level::info, "the server hung up for the callback");
  line_down();
}

// The server did not hang up for the callback: we do, as a caller's hang-up would.
void callback_phase::hang_up() {
  if (log_) log_(log_level::info, "the server did not hang up for the callback; hanging up");
  at_ = step::hanging_up;
  std::weak_ptr<callback_phase> weak = weak_from_this();
  async_hang_up(channel_, port_, profile_, timer_, log_,
                [weak] {
                  auto self = weak.lock();
                  return self && self->at_ == step::hanging_up;
                },
                [self = shared_from_this()](std::error_code, const at_reply&) {
                  if (self->at_ != step::hanging_up) return;
                  self->line_down();
                });
}

void callback_phase::line_down() {
  at_ = step::done;
  auto keep = shared_from_this();  // the FSM lets go of the phase in its handler
  done_(link_outcome{});
}

void callback_phase::stop() {
  at_ = step::done;
  timer_.cancel();
}

}  // namespace dialup::detail
