// callback_phase: the first call's end, when the server said it will call back
// (docs/ras-model.md §3.3, PrepareForCallback; docs/engine.md §4). The line is still up: the
// server sends its last words and hangs up. The phase waits for that (the carrier going) and,
// when the server has not hung up within `wait`, hangs up itself (modem procedure
// async_hang_up). Its outcome is always "the line is down" (error empty): the FSM then resets
// the modem and waits for the callback's RING. It owns its timer (the wait, then the DTR drop).
// Internal to the engine; strand only.
#pragma once

#include <memory>
#include <string>

#include "dialup/engine/at_channel.hpp"
#include "dialup/engine/detail/timer.hpp"
#include "dialup/engine/modem_profile.hpp"
#include "dialup/engine/transport.hpp"
#include "link_phase.hpp"
#include "script_phase.hpp"  // script_phase::log_fn

namespace dialup::detail {

class callback_phase : public link_phase, public std::enable_shared_from_this<callback_phase> {
 public:
  using log_fn = script_phase::log_fn;

  callback_phase(boost::asio::any_io_executor ex, std::shared_ptr<virtual_clock> clock,
                 std::shared_ptr<at_channel> channel, std::shared_ptr<transport> port,
                 const modem_profile& profile, std::chrono::steady_clock::duration wait, log_fn log,
                 done_handler done);

  void start() override;
  void carrier_lost() override;
  void stop() override;
  std::string take_unread() override { return {}; }

 private:
  enum class step { idle, waiting_for_drop, hanging_up, done };
  void hang_up();
  void line_down();

  std::shared_ptr<at_channel> channel_;
  std::shared_ptr<transport> port_;
  const modem_profile& profile_;
  std::chrono::steady_clock::duration wait_;
  log_fn log_;
  done_handler done_;
  timer timer_;
  step at_ = step::idle;
};

}  // namespace dialup::detail
