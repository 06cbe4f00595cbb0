// What one dial of the soak does, drawn from its seed: the entry (number, redial rules,
// scripts, options), how the caller behaves (notifier shape, where notifications run,
// paused-state answers, hang-ups, a stalled loop, a notifier that throws) and the fault
// schedule (docs/soak.md lists every kind and what it is expected to cause).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialup/engine/dial_entry.hpp"

namespace dialup::soak {

// Who answers the number dialled (the built-in plan of hw-sim's exchange, README).
enum class target { echo, login, callback, busy, no_answer, voice, carrier_drop, noisy, unknown, modem };
std::string_view to_string(target t);
target target_of(std::string_view number);  // by the built-in plan; unknown otherwise

// Every fault the soak can inject. The first block decides the line's outcome (what the
// number or the line does); the rest strike at a drawn moment or perturb the dialogue.
enum class fault_kind {
  busy,            // 5550110
  no_answer,       // 5550120
  voice,           // 5550130
  unknown_number,  // NO CARRIER (reorder)
  no_dial_tone,    // exchange::set_dial_tone(false), perhaps back later
  reset_garbage,   // modem_faults::garbage_after_reset
  split_delay,     // modem_faults::split_writes / split_gap / response_delay < timeout
  late_reply,      // one command's reply later than its timeout
  ring_mid_dial,   // another simulated modem calls this one around the dial
  silent,          // modem::set_silent at a drawn moment
  carrier_drop,    // exchange::drop_carrier at a drawn moment (or 5550140's own drop)
  line_noise,      // bit errors from the modem to the DTE while in data mode (and 5550150)
  unplug,          // the device vanishes (reads end, opens fail with ENOENT) and maybe comes back
  modem_reset,     // modem::power_on at a drawn moment (the modem resets itself)
  user_hang_up,    // hang_up() from the caller at a drawn moment
  notifier_hang_up,// hang_up() from inside the n-th notification
  caller_stall,    // the caller's loop is not run for a while
  notifier_throws, // the n-th notification throws
  wrong_password,  // the login is refused (691 / RetryAuthentication)
  expired_password,// the account's password has expired (648 / PasswordExpired)
  bad_callback,    // a callback number nobody answers, or "*" (704 / CallbackSetByCaller)
  script_timeout,  // a dial script whose TIMEOUT runs out before the modem's answer (638)
  count_
};
inline constexpr std::size_t fault_kinds = static_cast<std::size_t>(fault_kind::count_);
std::string_view to_string(fault_kind k);

// on_event, the three RasDialFunc shapes, and the message queue in place of a window
// (docs/ras-model.md §1.5), drained by the caller's loop when its eventfd is readable.
enum class notifier_shape { on_event, rasdialfunc, rasdialfunc1, rasdialfunc2, queue };
std::string_view to_string(notifier_shape s);

// One resume of a paused dial: the parameters given to dial(handle, params).
struct resume_answer {
  std::string user_name;
  std::string password;
  std::string callback_number;
  std::chrono::milliseconds think{0};  // how long the "user" takes
};

struct timed_fault {
  fault_kind kind;
  std::chrono::milliseconds at{0};  // since the dial started
  std::chrono::milliseconds duration{0};  // unplug: until replug (0 = never); silent: until it answers again (0 = never); stall: length
};

// The dial scripts a plan can draw (entry.dial_script; the engine runs one instead of its
// own ATD, after its reset and init: docs/ras-model.md §3.3). Which modem replies each one
// aborts on decides the error a failed call gives: an ABORT string maps to its RAS error
// (docs/ras-model.md §6.2), a reply it does not abort on leaves it waiting for CONNECT
// until its TIMEOUT (638).
enum class dial_script_kind {
  none,
  pap,         // Debian's /etc/chatscripts/pap: ABORT BUSY VOICE "NO CARRIER" "NO DIALTONE"
  full,        // every modem refusal aborted, TIMEOUT 60
  login,       // the modem dialogue and the login in one script (\U, \P)
  short_wait,  // TIMEOUT 1-4 s for the CONNECT: runs out before any call is up (script-timeout)
};
std::string_view to_string(dial_script_kind k);
// The modem replies a dial script aborts on ("BUSY", "NO CARRIER", ...).
const std::vector<std::string>& aborts_of(dial_script_kind k);

struct dial_plan {
  std::uint64_t seed = 0;         // this dial's seed
  std::string personality = "generic";
  bool modem_control = false;     // the line has DTR/DCD (a UART) or not (a pty)
  bool unplug_gives_eof = false;  // a vanished device ends reads with EOF (else EIO)

  dial_entry entry;
  dial_params params;
  dial_extensions extensions;
  std::vector<target> numbers;    // phone_number, then the alternates, as targets
  std::string own_number = "5551000";  // our modem's number (what a good callback number is)

  dial_script_kind dial_script = dial_script_kind::none;
  int dial_script_timeout = 0;    // its TIMEOUT for the CONNECT, s (chat's default 45)

  notifier_shape shape = notifier_shape::on_event;
  bool bind_executor = true;      // else the caller registers its loop (thread_loop_scope)

  std::vector<resume_answer> resumes;  // in order, one per pause; past the end: hang up
  std::vector<timed_fault> timed;      // silent, carrier_drop, unplug, modem_reset, user_hang_up, caller_stall
  std::vector<fault_kind> faults;      // every fault drawn (for the figures)

  // Line conditions from the start.
  bool dial_tone = true;
  std::chrono::milliseconds dial_tone_back{0};  // > 0: the dial tone returns then
  std::string reset_garbage;
  std::size_t split_writes = 0;
  std::chrono::milliseconds split_gap{0};
  std::chrono::milliseconds response_delay{0};
  int late_reply_command = -1;    // the n-th command line written (0 = ATZ) is answered late
  std::chrono::milliseconds late_reply_delay{0};
  double noise_rate = 0;          // per byte, towards the DTE in data mode
  bool callee_answers = true;     // target::modem: the other modem has S0=1
  std::optional<std::chrono::milliseconds> ring_at;  // ring_mid_dial: when the other modem dials us

  int notifier_hang_up_at = -1;   // the n-th notification (0-based) calls hang_up
  int notifier_throw_at = -1;     // the n-th notification throws

  std::chrono::milliseconds hold{0};  // connected: how long before hanging up
  std::string payload;                // connected: sent over the data line (may be empty)
  std::chrono::milliseconds hang_up_after_failure{0};  // the caller's delay after a failure

  // One line for the report.
  std::string describe() const;
};

// Draws dial n of a run.
dial_plan draw_plan(std::uint64_t dial_seed);

// The soak's login scripts (the same as tests/tools/*.chat).
extern const std::string_view login_chat;
extern const std::string_view callback_chat;
extern const std::string_view callback_login_chat;

}  // namespace dialup::soak
