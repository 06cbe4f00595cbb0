// link_phase: what runs over the data line after the modem's CONNECT and before the dial is
// Connected (docs/engine.md §4) — none, a chat script (dial, login, callback, password change),
// and room for PPP. The connection's FSM starts a phase and hears its outcome once; a phase
// owns its own timers and reads. Internal to the engine; strand only.
#pragma once

#include <functional>
#include <string>
#include <system_error>

namespace dialup::detail {

struct link_outcome {
  std::error_code error;  // empty: this phase is done and the link goes on
  bool callback = false;  // the server is going to hang up and call back (error empty)
};

class link_phase {
 public:
  using done_handler = std::function<void(const link_outcome&)>;
  virtual ~link_phase() = default;

  // Runs the phase; its outcome comes once through the done_handler it was made with (from
  // inside start() when the phase has nothing to wait for).
  virtual void start() = 0;
  // The carrier went (NO CARRIER, EOF): the phase ends, with the outcome that means to it.
  virtual void carrier_lost() = 0;
  // The dial is hanging up or moving on: no outcome after this; what arrives meanwhile on
  // the line is given back to the channel.
  virtual void stop() = 0;
  // What the phase read from the line but did not consume (cleared by the call): the next
  // phase's, or the caller's, to read.
  virtual std::string take_unread() = 0;
};

}  // namespace dialup::detail
