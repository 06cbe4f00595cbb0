// connection: before a cellular dial, the SIM, the APN and the network registration (a
// cellular_phase, docs/cellular.md). The dial stays in ConnectDevice meanwhile.
#include "connection.hpp"

#include "cellular_phase.hpp"
#include "dialup/engine/cellular.hpp"

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

std::error_code connection::cellular_dial_error(const at_reply& reply, std::error_code ec) const {
  if (!entry_.profile.cellular.enabled || reply.final.kind != response_kind::cme_error) return ec;
  const auto code = cellular::parse_cme_error(reply.final.text);
  if (!code) return ec;
  const auto mapped = cellular::cme_to_ras(*code, entry_.profile.cellular);
  if (logging())
    log(log_level::info, "cellular: the dial answered +CME ERROR: " + std::to_string(*code) + " (" +
                             std::string(cellular::cme_error_text(*code)) + "): " + describe(mapped));
  return mapped;
}

}  // namespace dialup::detail
