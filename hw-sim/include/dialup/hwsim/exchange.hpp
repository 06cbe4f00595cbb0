// dialup::hwsim::exchange — the sans-I/O simulated world: a telephone exchange with a
// number plan, the simulated modems attached to it, and the answering services.
//
// Everything runs on simulated time given by the caller: feed()/dtr_*() take "now",
// next_deadline() says when advance() must be called next. The exchange never reads a
// clock, owns no thread and does no I/O; the pty simulator (simulator.hpp) drives it in
// real or scaled time, tests drive it in virtual time.
//
// Timings (docs/modem-behaviour.md §7, all simulated milliseconds, see exchange_timing):
// post-dial delay 1.5 s to ringback; ringing 2 s on / 4 s off; answering side: 2 s
// billing-delay silence + 3.3 s answer tone + training (V.34 6 s, V.32 5 s, V.22bis 3 s)
// → CONNECT on both sides; data paced at the connect rate (10 bits per character).
//
// The text services (login, callback) know two accounts: demo/demo, and expired/old,
// whose password has expired and must be changed at the next login. A changed password
// holds for both services for the rest of the exchange's life.
//
// Thread safety: none; the owner serialises every call. Output callbacks are invoked
// synchronously from feed()/advance().
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <dialup/hwsim/modem.hpp>
#include <dialup/hwsim/personality.hpp>
#include <dialup/hwsim/sim_time.hpp>

namespace dialup::hwsim {

// What answers (or does not answer) a number in the plan.
enum class service_kind {
  echo,          // answers, echoes data back
  login,         // answers, text login (login: / Password:, demo/demo), then echo
  callback,      // answers, text login, asks for a callback number, hangs up and calls
                 // that number back (only a simulated modem's own number can be reached):
                 // it rings like a call from another modem, the caller ID is the service's
                 // number, and after CONNECT the login is asked again, then echo
  discard,       // answers, swallows data
  busy,          // busy tone
  no_answer,     // rings forever
  voice,         // a person answers (VOICE / NO CARRIER)
  carrier_drop,  // answers, echoes, drops the carrier after drop_after
  noisy,         // answers, echoes with bytes corrupted at error_rate
  pdp,           // cellular packet-data access point (*99#): answers at once, discards
  program,       // answers, and a program (number_entry::program) is the answering party:
                 // its pty gets the caller's data, its output goes to the caller, its exit
                 // drops the line (see program_hooks; the pty simulator runs it)
};

struct number_entry {
  std::string number;               // digits as dialed (non-digits are ignored when matching)
  service_kind kind = service_kind::echo;
  unsigned rings = 1;               // rings before answering
  unsigned rate = 33600;            // the answering modem's best rate
  sim_duration drop_after{10000};   // carrier_drop: time online before the drop
  double error_rate = 0.02;         // noisy: probability that a byte is corrupted
  std::string description;
  std::string program;              // program: command line, run with /bin/sh -c on a pty
  sim_duration retrain_every{0};    // > 0: the line retrains this often while connected
  // callback: from the service hanging up (1 s after "Calling you back at N." has reached
  // the caller) to the call to N being placed; the network's post-dial delay follows, then
  // N rings. The service gives up after 8 unanswered rings, or at once on a busy line.
  sim_duration callback_delay{5000};
};

// How the exchange reaches the program of a service_kind::program call. The owner of the
// exchange (the pty simulator) runs the program; the exchange calls these synchronously
// (they must not call back into the exchange) and hears back through program_output()
// and program_exited(). Without a `start` hook a program call drops as soon as it connects.
struct program_hooks {
  std::function<void(std::uint64_t call, const number_entry& e)> start;  // call answered
  std::function<void(std::uint64_t call, std::string_view data)> input;  // from the caller, paced
  std::function<void(std::uint64_t call)> stop;                          // the call ended
};

// Faults of one modem, applied on demand (docs/architecture.md "Faults").
struct modem_faults {
  // Every byte the modem sends reaches the DTE this much (simulated) time late: a
  // delayed response, or with a delay longer than the client's timeout, a late reply
  // to a command the client has given up on.
  sim_duration response_delay{0};
  // > 0: the modem's output is cut into pieces of at most this many bytes, written
  // separately split_gap apart ("OK" split across reads, §9).
  std::size_t split_writes = 0;
  sim_duration split_gap{0};
  // Sent after the OK of every ATZ / AT&F (junk or a banner after a reset, §9).
  std::string garbage_after_reset;
  // Online, the modem ignores +++ and DTR drops.
  bool stuck_in_data = false;
};

struct exchange_timing {
  sim_duration post_dial_delay{1500};  // §7 network post-dial delay (1-3 s)
  sim_duration ring_on{2000};          // §7 US cadence 2 s on
  sim_duration ring_off{4000};         //             4 s off
  sim_duration billing_delay{2000};    // §7 answering modem: silence before answer tone
  sim_duration answer_tone{3300};      // §7 V.25 answer tone
  sim_duration train_v34{6000};        // §7 training after the answer tone [est]
  sim_duration train_v32{5000};
  sim_duration train_v22{3000};
  sim_duration pdp_connect{200};       // §5.3 PDP context → CONNECT
  sim_duration retrain{3000};          // a retrain: no data either way for this long [est]
};

class exchange {
 public:
  struct options {
    bool builtin_scenario = true;        // load default_number_plan()
    std::string personality = "generic"; // for add_modem() without an argument
    std::uint32_t seed = 1;              // noisy-line PRNG
    exchange_timing timing;
    cellular_options cellular;           // the SIM and network of cellular modems
  };

  exchange();
  explicit exchange(options opt);
  ~exchange();
  exchange(const exchange&) = delete;
  exchange& operator=(const exchange&) = delete;

  // A new modem on a new line; its number is "5551000" + index.
  std::size_t add_modem();
  std::size_t add_modem(const personality& p);
  std::size_t modem_count() const { return lines_.size(); }
  // (Non-const access may change the modem's deadline: the exchange re-reads it.)
  modem& modem_at(std::size_t i) { return touch(i); }
  const modem& modem_at(std::size_t i) const { return *lines_.at(i).m; }
  static std::string own_number(std::size_t i);

  void set_output(std::size_t i, modem::output_fn out);
  void feed(std::size_t i, std::string_view bytes, sim_time now);
  // Line i's DTE was silent for `gap` before `now` (modem::dte_silence).
  void dte_silence(std::size_t i, sim_duration gap, sim_time now);
  void dtr_off(std::size_t i, sim_time now);
  void dtr_on(std::size_t i, sim_time now);
  // Runs everything due up to and including `now`, in time order.
  void advance(sim_time now);
  std::optional<sim_time> next_deadline() const;
  sim_time now() const { return now_; }

  // Line conditions and faults.
  void set_dial_tone(std::size_t i, bool present);
  bool dial_tone(std::size_t i) const { return lines_.at(i).dial_tone; }
  // How far ahead of `now` the line from modem i towards the remote is booked (data
  // written but not yet through at the line rate); 0 when idle or not in a call. The pty
  // attachment stops reading from a DTE that is this far ahead (flow control, &K3).
  sim_duration tx_backlog(std::size_t i) const;
  // Faults (see modem_faults); replaces the previous set.
  void set_faults(std::size_t i, const modem_faults& f);
  // The far end of modem i's call hangs up / the line drops, now.
  void drop_carrier(std::size_t i, sim_time now);
  // Modem i's connected call retrains now: no data either way for timing().retrain; on
  // a noisy line the rate falls back one V.34 step (2400 bit/s, not below 2400).
  void retrain(std::size_t i, sim_time now);

  // An incoming call to modem i from `from` (the caller ID), starting to ring now: `rings`
  // ring bursts at the timing()'s cadence, then the caller gives up (ring_on + ring_off
  // after the last burst began). Answered (ATA, or S0), it is an echo service. False, and
  // nothing happens, when the line is off-hook or already in a call.
  bool incoming_call(std::size_t i, const std::string& from, unsigned rings, sim_time now);

  // The answering programs (service_kind::program).
  void set_program_hooks(program_hooks h) { hooks_ = std::move(h); }
  // Output of call `call`'s program, towards the caller (paced at the line rate).
  void program_output(std::uint64_t call, std::string_view data, sim_time now);
  // The program of call `call` exited (or could not start): the line drops.
  void program_exited(std::uint64_t call, sim_time now);

  // Number plan.
  void add_number(number_entry e);
  const std::vector<number_entry>& numbers() const { return plan_; }
  static std::vector<number_entry> default_number_plan();

  const exchange_timing& timing() const { return opt_.timing; }

 private:
  struct call;
  struct service_state;
  class line_adapter;
  struct line {
    std::unique_ptr<modem> m;
    std::unique_ptr<line_adapter> adapter;
    bool dial_tone = true;
    bool off_hook = false;
    std::shared_ptr<call> active;
    modem::output_fn out;
    modem_faults faults;
    sim_time out_busy_until{0};
    std::size_t out_queued = 0;  // pieces scheduled, not yet delivered
    // The modem's deadline as listed in deadlines_, and whether it must be re-read.
    mutable std::optional<sim_time> listed;
    mutable bool dirty = false;
  };
  struct event {
    sim_time at;
    std::uint64_t seq;
    std::function<void()> fn;
    bool operator>(const event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  void schedule(sim_time at, std::function<void()> fn);
  modem& touch(std::size_t i);
  void sync_deadlines() const;
  void modem_output(std::size_t i, std::string_view bytes);
  void notify(std::size_t modem_index, line_event ev, unsigned rate = 0, std::string info = {});

  // line_interface, per line
  void on_off_hook(std::size_t i);
  void on_on_hook(std::size_t i);
  void on_dial(std::size_t i, const std::string& number);
  void on_answer(std::size_t i);
  void on_send(std::size_t i, std::string_view data);

  void route(const std::shared_ptr<call>& c);
  void route_callback(const std::shared_ptr<call>& c);
  void place_callback(const number_entry& service, const std::string& number);
  void ring_burst(const std::shared_ptr<call>& c, unsigned n);
  void start_training(const std::shared_ptr<call>& c);
  void transmit(const std::shared_ptr<call>& c, int dir, std::string_view data);
  void deliver(const std::shared_ptr<call>& c, int dir, const std::string& data);
  void clear_call(const std::shared_ptr<call>& c, int by_modem);
  void login_input(const std::shared_ptr<call>& c, std::string_view data);
  void login_line(const std::shared_ptr<call>& c);
  void login_accepted(const std::shared_ptr<call>& c, const std::string& said);
  void retrain_call(const std::shared_ptr<call>& c);
  void schedule_retrain(const std::shared_ptr<call>& c);
  const number_entry* lookup(const std::string& number) const;
  static bool matches(const std::string& dialed, const std::string& plan_number);

  options opt_;
  std::vector<line> lines_;
  std::vector<number_entry> plan_;
  std::priority_queue<event, std::vector<event>, std::greater<>> queue_;
  mutable std::set<std::pair<sim_time, std::size_t>> deadlines_;  // modems' deadlines
  mutable std::vector<std::size_t> dirty_;                         // modems to re-read
  program_hooks hooks_;
  // The login and callback services' accounts, by user name.
  struct account {
    std::string password;
    bool expired = false;  // the next login must change the password
  };
  std::map<std::string, account> accounts_;
  std::map<std::uint64_t, std::weak_ptr<call>> programs_;  // calls whose program runs
  std::uint64_t seq_ = 0;
  std::uint64_t next_call_id_ = 1;
  sim_time now_{0};
  std::uint32_t rng_;
};

}  // namespace dialup::hwsim
