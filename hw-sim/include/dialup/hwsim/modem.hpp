// dialup::hwsim::modem — a sans-I/O Hayes/V.250 modem: command interpreter, result
// codes, S-registers, dialing/answering/online state machine, +++ escape.
//
// Bytes from the DTE go in through feed() together with the current simulated time;
// bytes for the DTE come out through the output callback; the telephone line is an
// abstract line_interface (the exchange implements it); the exchange reports what
// happens on the line through on_line_event()/on_remote_data(). The modem never reads
// a clock and owns no timer: next_deadline() says when on_timer() must be called.
//
// The specification is docs/modem-behaviour.md; section numbers in
// comments (§n) refer to it.
//
// Thread safety: none; the owner serialises every call. Callbacks (output, line) are
// invoked synchronously from inside feed()/on_timer()/on_line_event(); they must not
// call back into the same modem.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <dialup/hwsim/modem_mode.hpp>
#include <dialup/hwsim/personality.hpp>
#include <dialup/hwsim/sim_time.hpp>

namespace dialup::hwsim {

// The modem's view of its telephone line. The exchange implements it. Calls are
// requests; results come back later through modem::on_line_event.
class line_interface {
 public:
  virtual ~line_interface() = default;
  virtual void off_hook() = 0;                      // take the line (caller or callee)
  virtual void on_hook() = 0;                       // release the line, clears any call
  virtual bool dial_tone() const = 0;               // is there dial tone right now?
  virtual void dial(const std::string& number) = 0; // digits have been sent
  virtual void answer() = 0;                        // answer the call that is ringing
  virtual void send(std::string_view data) = 0;     // data to the remote, online only
};

// What the exchange tells a modem about its line.
enum class line_event {
  ring,          // incoming: a ring burst starts (callee)
  ring_stopped,  // incoming: the caller gave up before we answered
  ring_end,      // incoming: the ring burst ends (RI off)
  ringback,      // outgoing: the far end is ringing
  busy,          // outgoing: busy tone
  reorder,       // outgoing: fast busy (unknown number / network congestion)
  answered,      // outgoing: the far end went off-hook; answer tone follows
  voice,         // outgoing: a voice answered
  carrier,       // both: handshake done, data carrier up at `rate`
  carrier_lost,  // both: the remote hung up or the line dropped
  retrain,       // both, online: the modems retrained; data resumes at `rate`
};

// Why the last call ended, for diagnostics (AT#UD key 60, V.58 codes, §6.1).
enum class termination_cause : std::uint8_t {
  none = 0x01,          // no previous call
  in_progress = 0x02,
  dtr_dropped = 0x20,
  s7_expired = 0x2c,
  no_dial_tone = 0x2f,
  reorder = 0x31,
  busy = 0x33,
  carrier_lost = 0x3c,
  any_key_abort = 0x50,
  dte_hangup = 0x51,
  dte_reset = 0x52,
};

// Statistics of the last (or current) call, for AT#UD / ATI6 / ATI11 / AT&V1 (§6).
struct call_stats {
  bool valid = false;
  bool originated = false;
  unsigned rate = 0;
  std::uint64_t chars_from_dte = 0;
  std::uint64_t chars_to_dte = 0;
  std::uint8_t setup_result = 0;  // AT#UD key 1
  termination_cause cause = termination_cause::none;
  sim_time connected_at{0};
  sim_time ended_at{0};
  unsigned retrains = 0;  // retrains during the call (ATI6 "Retrains Requested/Granted")
};

// The SIM and the network of a cellular modem (personality "cellular", 3GPP TS 27.007;
// docs/cellular.md). The defaults are a SIM without a PIN on a network that registers at
// once, so a plain `ATD*99#` connects.
struct cellular_options {
  std::string sim_pin;               // empty: no PIN, +CPIN: READY from power-on
  std::string sim_puk = "12345678";  // unblocks the SIM after three wrong PINs
  enum class network {
    registers,  // 2 (searching) for registration_delay after the SIM is ready, then 1 (home)
    searching,  // stays 2 (searching) for ever
    denied,     // 2 for registration_delay, then 3 (registration denied)
  } network_mode = network::registers;
  sim_duration registration_delay{0};
  int csq_rssi = 20;  // +CSQ <rssi>: 0..31, or 99 (not known); 20 is -73 dBm
  // When not empty, the signal varies: each +CSQ answer takes the next <rssi> of this list
  // (0..31 or 99), from the first, and after the last starts again at the first; csq_rssi
  // is then unused. Stepping per query, not per second, makes what a poller sees exact
  // whatever the time scale (docs/simulator.md).
  std::vector<int> csq_schedule;
  // +CESQ (27.007 §8.69), answered as an E-UTRA-only modem: rxlev and ber 99, rscp and
  // ecno 255 (not known), then <rsrq> and <rsrp> as set here (255: not known). cesq false:
  // +CESQ is ERROR, as on a modem older than the command.
  bool cesq = true;
  int cesq_rsrq = 20;  // -20 + 20/2 = -10 dB
  int cesq_rsrp = 50;  // -141 + 50 = -91 dBm
  std::string operator_name = "dialup sim";
};

class modem {
 public:
  using output_fn = std::function<void(std::string_view)>;

  explicit modem(const personality& p);

  void set_output(output_fn out) { out_ = std::move(out); }
  void set_line(line_interface* line) { line_ = line; }

  // Bytes from the DTE (the program on the serial port).
  void feed(std::string_view bytes, sim_time now);
  // The DTE has sent nothing for `gap` up to `now`, though the clock may not show it: in
  // virtual time (a simulator at time scale 0) time moves only to the next deadline, and a
  // DTE's silence before "+++" is a deadline of no one's. The escape's guards (V.250 §6.3.1,
  // S12) count it as silence.
  void dte_silence(sim_duration gap, sim_time now);
  // DTR went low (client set B0, or closed the port). Acts per &D (§3.1).
  void dtr_off(sim_time now);
  // When on_timer() must be called next, if at all.
  std::optional<sim_time> next_deadline() const;
  // Runs whatever is due at `now` (harmless if nothing is).
  void on_timer(sim_time now);

  // From the exchange.
  // `info` carries the caller's number with line_event::ring (for caller ID, §8.2).
  void on_line_event(line_event ev, sim_time now, unsigned rate = 0,
                     const std::string& info = {});
  void on_remote_data(std::string_view data, sim_time now);

  // Faults. A silent modem reads and ignores every byte and sends nothing.
  void set_silent(bool silent) { silent_ = silent; }
  bool silent() const { return silent_; }
  // Bytes sent after the OK of every reset (ATZ, AT&F) — a modem that prints junk or a
  // banner after a reset (§9 "Garbage or banners at power-up").
  void set_reset_garbage(std::string bytes) { reset_garbage_ = std::move(bytes); }
  // Stuck in data mode: online, the modem ignores +++ and DTR drops (the only way out
  // is the remote hanging up).
  void set_stuck_in_data(bool stuck) { stuck_in_data_ = stuck; }

  // Inspection.
  modem_mode mode() const;
  bool off_hook() const { return off_hook_; }
  // Modem-control lines towards the DTE (for attachments that carry them, RFC 2217):
  // DCD per &C (&C0 always on, &C1 while the carrier is up), RI during a ring burst.
  bool dcd() const;
  bool ri() const { return ri_; }
  std::uint8_t s_register(unsigned n) const { return n < 256 ? cur_.regs[n] : 0; }
  // The highest line rate this modem offers (personality, limited by +MS).
  unsigned max_rate() const;
  // DTR came back (a client opened the port / set a non-zero speed).
  void dtr_on(sim_time now);
  bool dtr() const { return dtr_; }
  unsigned connect_rate() const { return rate_; }
  const call_stats& last_call() const { return stats_; }
  const personality& personality_data() const { return *p_; }

  // Power-on reset: factory settings, NVRAM kept, on-hook. A SIM with a PIN locks again.
  void power_on(sim_time now);

  // The SIM and network of the cellular personality (ignored by the others); `now` is
  // the power-on time the registration delay counts from.
  void set_cellular(const cellular_options& o, sim_time now);
  // The APN of PDP context `cid` (+CGDCONT), nullopt when the context is undefined.
  std::optional<std::string> pdp_apn(unsigned cid) const;

 private:
  enum class state {
    command,         // command state, on- or off-hook
    dialing,         // D: dial tone wait, digits, waiting for carrier, training
    answering,       // A / auto-answer until carrier
    online_data,
    online_command,
  };
  // What the single deadline means; every timer handler switches on it (docs/architecture.md §7).
  enum class timer_kind {
    none,
    dial_tone_qualified,  // X2/X4: dial tone heard long enough, start dialing
    no_dial_tone,         // X2/X4: waited in vain → NO DIALTONE
    blind_wait_done,      // X0/X1/X3: S6 elapsed, dial blind
    digits_done,          // all digits sent
    wait_carrier,         // S7 running
    busy_detected,        // busy cadence recognised (X3/X4)
    reorder_detected,     // fast busy recognised (X3/X4)
    escape_guard,         // +++ received, post-guard silence running
    carrier_loss,         // S10 running after the carrier went away
    ring_counter_reset,   // S1 clears 8 s after the last ring
    voice_detected,       // a voice answered
  };
  enum class prefix_state { idle, got_a, in_line };
  struct settings {
    std::array<std::uint8_t, 256> regs{};
    bool echo = true, verbose = true, quiet = false;
    unsigned x = 4, w = 0, l = 1, m = 1, c = 1, d = 2, k = 3, y = 0;
    bool pulse = false;
    unsigned mr = 0, er = 0, dr = 0;
    unsigned fclass = 0;
    unsigned cmee = 0;
    // Extended-syntax parameters (+MS, +ES, +IFC, +CREG, ...): name -> values.
    std::vector<std::pair<std::string, std::vector<long>>> ext;
  };
  enum class exec_result { ok, error, pending, silent_ok, cme_error };

  // Output.
  void emit(std::string_view bytes);
  void emit_result(int code, const std::string& text);
  void emit_ok() { emit_result(0, "OK"); }
  void emit_error();
  void emit_cme_error();
  void emit_text_result(const std::string& text);
  void emit_connect();
  void emit_info(const std::vector<std::string>& lines);
  void emit_info(const std::string& line) { emit_info(std::vector<std::string>{line}); }
  std::string crlf() const;

  // Command state input.
  void command_byte(char c, sim_time now);
  void execute_line(const std::string& body, sim_time now);
  exec_result run_commands(const std::string& body, std::size_t& pos, sim_time now,
                           bool& ended);
  exec_result run_extended(const std::string& body, std::size_t& pos, sim_time now);
  exec_result ext_param(const std::string& name, const std::string& form,
                        const std::string& args);
  exec_result cme(int code);
  // Cellular (modem_commands.cpp): +CPIN, the registration state and its unsolicited
  // reports, the PDP contexts.
  exec_result cpin(const std::string& form, const std::string& args);
  exec_result cgdcont(const std::string& form, const std::string& args);
  exec_result registration_query(const std::string& name, const std::string& form,
                                 const std::string& args);
  int network_stat(sim_time now) const;
  std::string registration_line(const std::string& name, long n, int stat, bool read) const;
  void sim_ready(sim_time now);
  void registration_event(sim_time now);
  // Why ATD*99# must fail now: 0 it may go ahead, a +CME ERROR code, or -1 NO CARRIER.
  int pdp_refusal(const std::string& dial_string, sim_time now) const;
  std::vector<long>* ext_values(const std::string& name);
  std::vector<std::string> diagnostics_ud() const;
  std::vector<std::string> usr_ati6() const;
  std::vector<std::string> usr_ati11() const;
  std::vector<std::string> conexant_v1() const;
  void caller_id(const std::string& number, sim_time now);
  exec_result s_command(const std::string& body, std::size_t& pos);
  exec_result dial(const std::string& dial_string, sim_time now);
  exec_result answer(sim_time now);

  // Online data input.
  void data_byte(char c, sim_time now);
  void online_bytes(std::string_view bytes, sim_time now);

  // Call control.
  void set_state(state s);
  void arm(timer_kind k, sim_time at);
  void disarm();
  void go_off_hook();
  void hang_up(termination_cause why, sim_time now);
  void connected(unsigned rate, sim_time now);
  void end_call_with(int code, const std::string& text, termination_cause why,
                     sim_time now);
  void factory_reset();
  void load_profile(const settings& s);
  std::uint8_t& reg(unsigned n) { return cur_.regs[n]; }
  std::uint8_t reg(unsigned n) const { return cur_.regs[n]; }
  sim_duration guard_time() const { return sim_duration(20 * reg(12)); }
  std::vector<std::string> profile_lines(const settings& s) const;

  const personality* p_;
  output_fn out_;
  line_interface* line_ = nullptr;
  bool silent_ = false;
  bool stuck_in_data_ = false;
  std::string reset_garbage_;
  bool dtr_ = true;
  int cme_code_ = 0;
  sim_duration dial_duration_{0};
  bool pdp_call_ = false;
  int pdp_refusal_ = 0;  // see pdp_refusal(); decided at ATD, reported when activation ends

  // Cellular state (personality "cellular").
  enum class sim_lock { ready, pin, puk, blocked };
  cellular_options cell_;
  std::size_t csq_step_ = 0;              // the next entry of cell_.csq_schedule
  sim_lock sim_ = sim_lock::ready;
  int pin_tries_ = 3;
  int puk_tries_ = 10;
  std::optional<sim_time> sim_ready_at_{sim_time{0}};
  int reported_stat_ = 0;                 // the stat of the last unsolicited report
  std::optional<sim_time> reg_event_;     // when the registration state changes next
  sim_time now_{0};                       // the time of the command being run
  // PDP contexts 1..16 (+CGDCONT, 27.007 §10.1.1); kept through ATZ/AT&F, as modems keep
  // them in non-volatile memory. Context 1 starts defined with APN "internet".
  std::array<std::optional<std::string>, 17> pdp_apn_{};
  std::uint8_t cid_mode_ = 0;

  settings cur_;
  std::array<settings, 2> nvram_;
  unsigned power_on_profile_ = 0;
  std::array<std::string, 4> stored_numbers_;
  unsigned current_reg_ = 0;  // Hayes "current register" for AT? / AT=v (§1.3)

  state state_ = state::command;
  bool off_hook_ = false;
  timer_kind timer_ = timer_kind::none;
  std::optional<sim_time> deadline_;

  // Command-line assembly (§1.1).
  prefix_state prefix_ = prefix_state::idle;
  bool prefix_upper_ = true;
  std::string cmd_;
  bool line_overflow_ = false;
  std::string last_line_;
  bool have_last_line_ = false;

  // Dialing and calls.
  std::string dial_number_;
  std::string last_dialed_;
  bool dial_then_command_ = false;  // dial string ended in ';'
  sim_time abortable_from_{0};      // §1.2: 125 ms after the CR nothing aborts
  bool ringback_heard_ = false;
  bool incoming_ringing_ = false;
  bool ri_ = false;
  unsigned rate_ = 0;
  bool carrier_lost_ = false;
  std::string held_;  // remote data held while in online-command state

  // +++ escape detection (§3.3).
  sim_time last_dte_byte_{0};
  sim_time last_plus_{0};
  unsigned plus_count_ = 0;

  call_stats stats_;
};

}  // namespace dialup::hwsim
