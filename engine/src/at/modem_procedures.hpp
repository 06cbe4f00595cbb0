// Modem procedures: the AT sequences of a dial as composed operations (Asio async_compose),
// each a small step enum and a switch (docs/engine.md §3). They take completion tokens; their
// handlers run on the channel's executor (the engine strand), never inside the initiating
// function. Internal to the engine.
//
//   async_run_steps   reset and init: each command in turn must answer OK
//   async_call        the modem's side of a call: dial (ATD) or answer (ATA), and what its
//                     final reply means
//   async_hang_up     the call is up: DTR drop (or the guarded escape), then ATH
//
// A procedure is cancelled with the object it runs on: at_channel::cancel() / stop() end the
// pending command with operation_aborted, timer::cancel() a DTR wait; the procedure then
// completes with operation_aborted and sends nothing more.
#pragma once

#include <utility>  // before Asio (a Boost 1.74 header needs it in C++20)

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dialup/engine/at_channel.hpp"
#include "dialup/engine/connection_manager.hpp"  // log_level
#include "dialup/engine/detail/errors.hpp"
#include "dialup/engine/detail/timer.hpp"
#include "dialup/engine/modem_profile.hpp"
#include "dialup/engine/transport.hpp"

namespace dialup::detail {

// The channel's handlers are std::function, which must be copyable; an async_compose
// intermediate handler is move-only. It is moved into a shared holder for the one wait, and
// with it the operation's own members: read them before the move.
template <class Self>
auto share_op(Self& self) {
  return std::make_shared<Self>(std::move(self));
}

// Why a procedure stopped early.
struct step_failure {
  std::string command;    // the command that failed
  std::error_code cause;  // the channel's error (timed_out, the port's), or empty
  at_reply reply;         // its reply, when it answered
};

// The error a failed step means in RAS terms: no answer in time is 0 request_timeout; a RAS
// error passes through; the port's own errors (EOF, EIO, ENXIO) mean the device went away.
inline std::error_code ras_error_for_channel(std::error_code ec) {
  if (ec == std::errc::timed_out) return ras_error::request_timeout;
  if (ec.category() == ras_category()) return ec;
  return ras_error::port_or_device;
}

// ---------------------------------------------------------------------------------------
// async_run_steps: sends each step's command and waits for its final result code; every one
// must be OK (the V.250 final result code of a command line executed without error).
// Completion: void(std::error_code, step_failure).
//   {}                          every step answered OK
//   operation_aborted           the channel was cancelled or stopped
//   request_timeout, port_or_device   no answer / the port failed (failure.cause says which)
//   from_device                 ERROR or +CME ERROR
//   unexpected_response         any other final reply
struct run_steps_op {
  std::shared_ptr<at_channel> channel;
  std::vector<modem_step> steps;
  std::size_t index = 0;
  bool started = false;

  template <class Self>
  void operator()(Self& self, std::error_code ec = {}, at_reply reply = {}, bool skip = false) {
    if (started && !skip) {
      const auto& step = steps[index];
      if (ec) {
        if (is_aborted(ec)) {
          self.complete(ec, step_failure{step.command, ec, {}});
          return;
        }
        self.complete(ras_error_for_channel(ec), step_failure{step.command, ec, {}});
        return;
      }
      if (reply.final.kind != response_kind::ok) {
        const bool error = reply.final.kind == response_kind::error ||
                           reply.final.kind == response_kind::cme_error;
        // A step the profile marks error_fatal = false may be refused: the next one goes.
        if (error && !step.error_fatal) {
          ++index;
          return (*this)(self, std::error_code{}, at_reply{}, true);
        }
        self.complete(std::error_code(error ? ras_error::from_device : ras_error::unexpected_response),
                      step_failure{step.command, {}, std::move(reply)});
        return;
      }
      ++index;
    }
    started = true;
    if (index >= steps.size()) {
      if (index == 0) {  // nothing to send: still never complete inside the initiation
        auto ex = channel->get_executor();
        boost::asio::post(ex, [s = share_op(self)]() mutable {
          s->complete(std::error_code{}, step_failure{});
        });
        return;
      }
      self.complete(std::error_code{}, step_failure{});
      return;
    }
    // Everything the wait needs is taken before self (and so this object) moves to the holder.
    const auto& step = steps[index];
    at_command_options options{step.timeout, step.reset};
    options.settle_after = step.reset;
    auto command = step.command;
    auto ch = channel;
    auto s = share_op(self);
    ch->async_command(std::move(command), options,
                      [s](std::error_code e, at_reply r) { (*s)(e, std::move(r)); });
  }
};

template <class Token>
auto async_run_steps(std::shared_ptr<at_channel> channel, std::vector<modem_step> steps, Token&& token) {
  auto ex = channel->get_executor();
  return boost::asio::async_compose<Token, void(std::error_code, step_failure)>(
      run_steps_op{std::move(channel), std::move(steps)}, token, ex);
}

// ---------------------------------------------------------------------------------------
// async_call: ATD (dial) or ATA (answer a callback's RING), then the one final reply, which
// comes after the call is up (CONNECT) or has failed — up to the S7 wait and more
// (docs/modem-behaviour.md §4), so the caller gives the deadline. The reply is read through
// the profile: for a dial its dial_errors table (docs/ras-model.md §6.2: BUSY 676, NO ANSWER
// 678, ...); for an answer any final code but CONNECT means no call, 679 (no carrier).
// Completion: void(std::error_code, call_result)
//   {}                     CONNECT: the call is up; result.reply holds it
//   a RAS error            the modem's refusal; result.reply holds it; the modem is on-hook
//   operation_aborted      the channel was cancelled or stopped
//   request_timeout, port_or_device, with result.cause: no final reply in time / the port
//                          failed — the modem may still be dialing (any character aborts it)
// While it is pending the command can be aborted from outside (a CR past the 125 ms window,
// V.250 §6.3.1): the final reply then says how the abort went, and completes the operation.
struct call_result {
  at_reply reply;         // the final reply, when there was one
  std::error_code cause;  // the channel's error (timed_out, the port's), or empty
};

enum class call_kind { dial, answer };

struct call_op {
  enum class step { start, sent, done };
  std::shared_ptr<at_channel> channel;
  const modem_profile* profile;
  call_kind kind;
  std::string command;
  std::chrono::milliseconds deadline;
  step at = step::start;
  bool used_dtr = false;  // the call was left by a DTR drop, not the escape
  bool retried = false;   // the ATH went a second time

  template <class Self>
  void operator()(Self& self, std::error_code ec = {}, at_reply reply = {}) {
    switch (at) {
      case step::start: {
        at = step::sent;
        auto ch = channel;
        auto cmd = std::move(command);
        const at_command_options options{deadline, false};
        ch->async_command(std::move(cmd), options,
                          [s = share_op(self)](std::error_code e, at_reply r) { (*s)(e, std::move(r)); });
        return;
      }
      case step::sent: {
        at = step::done;
        if (ec) {
          if (is_aborted(ec)) {
            self.complete(ec, call_result{{}, ec});
            return;
          }
          self.complete(ras_error_for_channel(ec), call_result{{}, ec});
          return;
        }
        std::error_code fail;
        if (kind == call_kind::dial) fail = profile->dial_error(reply.final.kind);
        else if (reply.final.kind != response_kind::connect) fail = ras_error::no_carrier;
        self.complete(fail, call_result{std::move(reply), {}});
        return;
      }
      case step::done:
        return;
    }
  }
};

template <class Token>
auto async_call(std::shared_ptr<at_channel> channel, const modem_profile& profile, call_kind kind,
                std::string command, std::chrono::milliseconds deadline, Token&& token) {
  auto ex = channel->get_executor();
  return boost::asio::async_compose<Token, void(std::error_code, call_result)>(
      call_op{std::move(channel), &profile, kind, std::move(command), deadline}, token, ex);
}

// ---------------------------------------------------------------------------------------
// async_hang_up: from a call that is up, back to command state and on-hook.
//   leave_data_mode  a line with DTR: DTR low for dtr_drop_time, then high (with &D2 the
//                    modem hangs up, docs/modem-behaviour.md §3.1; held longer than S25);
//                    no DTR (a pty): the guarded escape (guard, +++, guard, OK; §3.3)
//   ath              the profile's hang-up command
// Whether or not the escape was acknowledged, ATH goes (unless `proceed` says the caller has
// moved on): a modem that did not hear the escape
// answers nothing, or takes ATH as data, and the caller's result says the modem may still
// be off-hook. Completion: void(std::error_code, at_reply): the ATH's own error and reply;
// operation_aborted if the procedure was cancelled before the ATH went.
inline at_reply ok_reply() {
  at_reply r;
  r.final.kind = response_kind::ok;
  r.final.text = "OK";
  return r;
}

struct hang_up_op {
  enum class step { start, dtr_low, escaped, ath_sent, done };
  std::shared_ptr<at_channel> channel;
  std::shared_ptr<transport> port;
  const modem_profile* profile;
  timer* dtr_timer;
  std::function<void(log_level, std::string_view)> log;  // may be null
  std::function<bool()> proceed;  // asked before the ATH goes: false ends with operation_aborted
  step at = step::start;
  bool used_dtr = false;  // the call was left by a DTR drop, not the escape
  bool retried = false;   // the ATH went a second time

  template <class Self>
  void operator()(Self& self, std::error_code ec = {}, at_reply reply = {}) {
    switch (at) {
      case step::start: {
        if (profile->hangup_method == hangup_kind::dtr && port->has_modem_control() && !port->set_dtr(false)) {
          if (log) log(log_level::debug, "dropping DTR");
          used_dtr = true;
          at = step::dtr_low;
          dtr_timer->expires_after(profile->dtr_drop_time);
          auto* t = dtr_timer;
          t->async_wait([s = share_op(self)](std::error_code e) { (*s)(e); });
          return;
        }
        at = step::escaped;
        auto ch = channel;
        const auto* p = profile;
        if (p->escape.empty()) {  // no escape sequence (a direct line): straight to the hang-up command
          auto ex = ch->get_executor();
          boost::asio::post(ex, [s = share_op(self)]() mutable { (*s)(std::error_code{}, ok_reply()); });
          return;
        }
        ch->async_escape(p->escape, p->escape_guard, p->command_timeout,
                         [s = share_op(self)](std::error_code e, at_reply r) { (*s)(e, std::move(r)); });
        return;
      }
      case step::dtr_low:
        if (ec) {
          self.complete(ec, at_reply{});
          return;
        }
        port->set_dtr(true);
        channel->assume_command_mode();
        return next(self);
      case step::escaped:
        if (is_aborted(ec)) {
          self.complete(ec, at_reply{});
          return;
        }
        if ((ec || reply.final.kind != response_kind::ok) && log)
          log(log_level::warning, "escape not acknowledged");
        return next(self);
      case step::ath_sent:
        // After a DTR drop the modem's own OK for it (&D2) can cross the ATH, and a modem
        // that is still going on-hook may not take a command typed meanwhile: an ATH left
        // unanswered there is sent once more before the hang-up counts as unconfirmed.
        if (ec == std::errc::timed_out && used_dtr && !retried && (!proceed || proceed())) {
          retried = true;
          if (log) log(log_level::debug, "ATH unanswered after the DTR drop; once more");
          auto ch = channel;
          const auto* p = profile;
          ch->async_command(p->hangup, at_command_options{p->command_timeout, false},
                            [s = share_op(self)](std::error_code e, at_reply r) { (*s)(e, std::move(r)); });
          return;
        }
        at = step::done;
        self.complete(ec, std::move(reply));
        return;
      case step::done:
        return;
    }
  }

  template <class Self>
  void next(Self& self) {
    if (proceed && !proceed()) {
      at = step::done;
      self.complete(aborted_error(), at_reply{});
      return;
    }
    at = step::ath_sent;
    auto ch = channel;
    const auto* p = profile;
    if (p->hangup.empty()) {  // nothing to send (a direct line): on-hook is the DTR drop itself
      at = step::done;
      self.complete(std::error_code{}, ok_reply());
      return;
    }
    ch->async_command(p->hangup, at_command_options{p->command_timeout, false},
                      [s = share_op(self)](std::error_code e, at_reply r) { (*s)(e, std::move(r)); });
  }
};

template <class Token>
auto async_hang_up(std::shared_ptr<at_channel> channel, std::shared_ptr<transport> port,
                   const modem_profile& profile, timer& dtr_timer,
                   std::function<void(log_level, std::string_view)> log, std::function<bool()> proceed,
                   Token&& token) {
  auto ex = channel->get_executor();
  return boost::asio::async_compose<Token, void(std::error_code, at_reply)>(
      hang_up_op{std::move(channel), std::move(port), &profile, &dtr_timer, std::move(log), std::move(proceed)},
      token, ex);
}

}  // namespace dialup::detail
