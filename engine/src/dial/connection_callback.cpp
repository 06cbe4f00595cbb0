// connection: the callback (docs/ras-model.md §3.3): the server is going to hang up and
// call us back.
//   callback_prepare  PrepareForCallback: a callback_phase waits for the server to drop the
//                     line (or hangs up itself when it does not within 15 s)
//   callback_init     WaitForModemReset: reset and init again, and make sure the modem does
//                     not answer alone (S0=0)
//   callback_wait     WaitForCallback: wait for RING (entry.callback_wait), answer with ATA
//   callback_script   ReAuthenticate: the callback script (or the login script) over the new
//                     call, then Authenticated, AllDevicesConnected and Connected.
#include "connection.hpp"

#include "at/modem_procedures.hpp"
#include "callback_phase.hpp"

namespace dialup::detail {

// The server hangs up after its message, or we do after this long.
constexpr std::chrono::seconds callback_drop_wait{15};

void connection::start_callback() {
  set_state(state::callback_prepare);
  std::weak_ptr<connection> weak = weak_from_this();
  auto phase = std::make_shared<callback_phase>(
      core_->strand, core_->clock, channel_, transport_, entry_.profile, callback_drop_wait, log_fn(),
      [weak](const link_outcome&) {
        auto self = weak.lock();
        if (self && self->state_ == state::callback_prepare) self->callback_modem_reset();
      });
  link_ = phase;
  dial_script_.reset();
  phase->start();
}

void connection::callback_modem_reset() {
  // Nothing of the first call is for the second: not its unread text, nor its data.
  if (link_) link_->stop();
  link_.reset();
  dial_script_.reset();
  channel_->assume_command_mode();
  start_init(state::callback_init);
}

void connection::wait_for_callback() { set_state(state::callback_wait); }

void connection::on_answer_reply(std::error_code ec, const call_result& r) {
  if (state_ == state::hanging_up) {
    on_abort_reply(ec, r.reply);
    return;
  }
  if (state_ != state::answering || is_aborted(ec)) return;
  if (ec) {
    if (!r.cause) log(log_level::info, "answering the callback: " + r.reply.final.text);
    finish(ec);
    return;
  }
  record_connect(r.reply);
  if (logging()) log(log_level::info, "called back: " + r.reply.final.text);
  called_back_ = true;
  if (!scripts_.callback && !scripts_.login) {
    connected({conn_state::re_authenticate, conn_state::authenticated});
    return;
  }
  notice n;
  n.passing = {conn_state::re_authenticate};
  start_script(state::callback_script, std::move(n));
}

}  // namespace dialup::detail
