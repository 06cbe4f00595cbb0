// dialup::hwsim::simulator — a simulated telephone exchange with simulated Hayes/V.250
// modems, each attached to a real pty (and optionally a stable symlink), driven by an
// Asio executor.
//
// This header is the contract between hw-sim and everything that uses it (the engine's
// integration tests, `dialup dial --sim`, `dialup-sim`). hw-sim never depends on the
// engine or the drivers: they meet only through the pty, as real hardware would.
//
// Thread safety: every public member function may be called from any thread, including
// from handlers running on the simulator's executor. The simulator does all its I/O and
// timing on the executor given to the constructor; that executor's io_context must be
// running for the modems to answer.
//
// Lifetime: the destructor (or shutdown()) closes every pty master and removes every
// symlink the simulator created. shutdown() must be called from a thread that is not
// running the simulator's executor, or the executor must be stopped already.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <utility>  // must precede Asio in C++20 with Boost 1.74
#include <boost/asio/any_io_executor.hpp>

#include <dialup/hwsim/exchange.hpp>
#include <dialup/hwsim/modem_mode.hpp>

namespace dialup::hwsim {

struct simulator_options {
  // 1.0 = real time; 0.1 = every simulated delay (dial tone, DTMF digits, ringing cadence,
  // handshake, S7, S10, escape guard time, data pacing) takes a tenth of its real length;
  // 0 = as fast as possible (delays are zero; see the README for what that means for +++).
  double time_scale = 1.0;
  // If not empty, modem i is also reachable through the symlink PREFIX<i>
  // (for example "/tmp/dialup-sim-" gives /tmp/dialup-sim-0, /tmp/dialup-sim-1, ...).
  std::string link_prefix;
  // Vendor personality of every modem: "generic" (Hayes), "usr", "conexant", "cellular".
  std::string personality = "generic";
  // Load the built-in number plan (see default_scenario()).
  bool builtin_scenario = true;

  // --- Additions beyond the original contract (hw-sim owner) ---

  // If set, called with every chunk of bytes between a DTE and a modem: from_dte true
  // for bytes the client wrote, false for bytes the modem sent. Called on the
  // simulator's executor with the simulator's lock held: it must not call back into
  // the simulator. Used by `dialup-sim --trace FILE`.
  std::function<void(std::size_t index, bool from_dte, std::string_view bytes)> trace;
  // Exchange timings in simulated time (post-dial delay, ring cadence, answer tone,
  // training...), before time_scale. Shorten these to make calls connect fast while
  // the modem's own timings (S-registers, +++ guard) stay as they are.
  exchange_timing timing;
  // The SIM (PIN, PUK), the network registration, the signal and the operator of the
  // cellular personality's modems (docs/cellular.md).
  cellular_options cellular;
};

// modem_mode (what a modem is doing right now) is defined in modem_mode.hpp.

class simulator {
 public:
  simulator(boost::asio::any_io_executor ex, simulator_options options = {});
  ~simulator();
  simulator(const simulator&) = delete;
  simulator& operator=(const simulator&) = delete;

  // Creates one more simulated modem on a new pty. Returns its index (0, 1, 2, ...).
  // Its own number on the exchange is "5551000" + index ("5551000", "5551001", ...).
  std::size_t add_modem();

  std::size_t modem_count() const;
  std::string pty_path(std::size_t index) const;     // e.g. "/dev/pts/7" (the slave end)
  std::string link_path(std::size_t index) const;    // "" if no link_prefix
  std::string own_number(std::size_t index) const;   // "5551000" + index

  // Inspection.
  bool off_hook(std::size_t index) const;  // true while the modem holds the line
  modem_mode mode(std::size_t index) const;

  // Line conditions and faults, per modem.
  void set_dial_tone(std::size_t index, bool present);   // false: NO DIALTONE (X2/X4)
  void set_silent(std::size_t index, bool silent);       // true: reads and ignores every byte
  void drop_carrier(std::size_t index);                  // remote side of a call hangs up now

  // Stops every timer, closes every pty master, removes every symlink. Idempotent.
  void shutdown();

  // --- Additions beyond the original contract (hw-sim owner) ---

  // The time_scale given at construction.
  double time_scale() const;
  // Adds (or replaces, by number) an entry in the number plan.
  void add_number(number_entry e);
  // Current value of S-register `reg` of modem `index` (e.g. to check ATS7=… took).
  std::uint8_t s_register(std::size_t index, unsigned reg) const;
  // Line rate of the current call (0 when not connected).
  unsigned connect_rate(std::size_t index) const;

  // Faults on demand (see modem_faults in exchange.hpp): delayed / late replies, replies
  // split across writes, garbage after ATZ/AT&F, stuck in data mode. Replaces the
  // previous set; modem_faults{} clears them. (set_silent and set_dial_tone above are
  // independent of this.)
  void set_faults(std::size_t index, const modem_faults& faults);
  // USB unplug: the pty master is closed (the client's reads end, writes fail), the
  // symlink is removed, and the modem loses power (on-hook, stored profile reloaded).
  void vanish(std::size_t index);
  // Plugged back in: a NEW pty (pty_path() changes) behind the same symlink.
  void reappear(std::size_t index);

  // Also serves modem `index` as an RFC 2217 server on 127.0.0.1:`port` (0: any free
  // port); returns the port. One client at a time: a new connection replaces the old
  // one (as ser2net's kickolduser). The client's SET-CONTROL DTR on/off is the modem's
  // DTR; the modem's DCD (per &C), RI (per ring burst), DSR and CTS go back as
  // NOTIFY-MODEMSTATE. Closing the connection is a DTR drop. Use the pty or the socket
  // for a given modem, not both at once (both see the modem's output).
  std::uint16_t serve_rfc2217(std::size_t index, std::uint16_t port = 0);

  // Modem `index`'s call retrains now: no data either way for about 3 s (simulated);
  // on a noisy line the rate falls back 2400 bit/s. Nothing if no call is up.
  void retrain(std::size_t index);

  // An incoming call rings modem `index`: `rings` bursts (RING, and RI over RFC 2217) at
  // the exchange's cadence (simulator_options::timing, scaled by time_scale), caller ID
  // `from`; then the caller gives up. Answered, it is an echo. False when the line is busy.
  bool incoming_call(std::size_t index, const std::string& from, unsigned rings);

  // Line conditions as set above (for dialup-sim's `status`).
  bool dial_tone(std::size_t index) const;
  bool silent(std::size_t index) const;
  bool vanished(std::size_t index) const;  // unplugged by vanish(), not yet reappear()ed
  // The APN modem `index` holds for PDP context `cid` (+CGDCONT); nullopt if undefined.
  std::optional<std::string> pdp_apn(std::size_t index, unsigned cid = 1) const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

// The built-in number plan as a scenario file (scenario.hpp: the format
// `dialup-sim --scenario FILE` loads), as dialup-sim --print-default-scenario prints it:
//   5550100  echo          rings=1 rate=33600    # answers after one ring at 33600, echoes data
//   5550102  login         ...                   # text login service (user demo, password demo)
//   5550104  callback      ... callback-delay=5  # text login with callback (demo/demo): asks
//                                                # for a callback number and calls back
//   5550110  busy, 5550120 no-answer, 5550130 voice, 5550140 carrier-drop (10 s),
//   5550150  noisy; 5551000+i reaches simulated modem i.
std::string default_scenario();

}  // namespace dialup::hwsim
