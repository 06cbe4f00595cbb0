// connection: the callback (docs/ras-model.md §3.3): the server is going to hang up and
// call us back.
//   callback_prepare  PrepareForCallback: wait for the server to drop the line (or hang up
//                     ourselves when it does not within 15 s)
//   callback_init     WaitForModemReset: reset and init again, and make sure the modem does
//                     not answer alone (S0=0)
//   callback_wait     WaitForCallback: wait for RING (entry.callback_wait), answer with ATA
//   callback_script   ReAuthenticate: the callback script (or the login script) over the new
//                     call, then Authenticated, AllDevicesConnected and Connected.
#include "connection.hpp"

#include "at/modem_procedures.hpp"

namespace dialup::detail {

void connection::start_callback() {
  set_state(state::callback_prepare);
  if (!channel_->in_data_mode()) callback_modem_reset();  // the carrier is gone already
}

// The server did not hang up for the callback: the timer of callback_prepare.
void connection::callback_hang_up() {
  log(log_level::info, "the server did not hang up for the callback; hanging up");
  std::weak_ptr<connection> weak = weak_from_this();
  async_hang_up(channel_, transport_, entry_.profile, step_timer_, log_fn(),
                [weak] {
                  auto self = weak.lock();
                  return self && self->state_ == state::callback_prepare;
                },
                [self = shared_from_this()](std::error_code, const at_reply&) {
                  if (self->state_ != state::callback_prepare) return;
                  self->callback_modem_reset();
                });
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

void connection::on_answer_reply(std::error_code ec, const at_reply& reply) {
  if (state_ == state::hanging_up) {
    on_abort_reply(ec, reply);
    return;
  }
  if (state_ != state::answering) return;
  if (ec) {
    if (is_aborted(ec)) return;
    finish(ras_error_for_channel(ec));
    return;
  }
  if (reply.final.kind != response_kind::connect) {
    log(log_level::info, "answering the callback: " + reply.final.text);
    finish(ras_error::no_carrier);
    return;
  }
  record_connect(reply);
  if (logging()) log(log_level::info, "called back: " + reply.final.text);
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
