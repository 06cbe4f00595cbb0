// connection: before a cellular dial, the SIM, the APN and the network registration (a
// cellular_phase, docs/cellular.md). The dial stays in ConnectDevice meanwhile.
#include "connection.hpp"

#include "cellular_phase.hpp"

namespace dialup::detail {

void connection::cellular_then_dial() {
  if (!entry_.profile.cellular.enabled) {
    dial();
    return;
  }
  // The PIN goes to the modem, and an echoing modem sends it back: neither shows in a trace.
  trace_in_.add_secret(params_.sim_pin);
  trace_out_.add_secret(params_.sim_pin);
  std::weak_ptr<connection> weak = weak_from_this();
  auto forward = [weak](const response_line& line) {
    if (auto self = weak.lock()) self->on_unsolicited(line);
  };
  auto proceed = [weak] {
    auto self = weak.lock();
    return self && self->state_ == state::init;
  };
  auto done = [weak](const cellular_phase::outcome& o) {
    auto self = weak.lock();
    if (!self || self->state_ != state::init) return;
    if (o.error) {
      self->finish(o.error, o.detail);
      return;
    }
    self->dial();
  };
  std::make_shared<cellular_phase>(core_->strand, core_->clock, channel_, entry_.profile, params_.sim_pin,
                                   entry_.apn, log_fn(), std::move(forward), std::move(proceed),
                                   std::move(done))
      ->start();
}

}  // namespace dialup::detail
