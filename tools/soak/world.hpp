// The soak's world: the real engine (connection_manager) and the real hw-sim exchange in
// one process, on one thread, on one virtual clock, joined by an in-memory transport.
//
//   engine io_context ──transport writes──► exchange.feed(i, bytes, now)
//        ▲                                        │ modem output (synchronously)
//        └── post(read completion) ◄── receive buffer of modem i's open transport
//
// Time: hw-sim counts milliseconds since its start; the virtual clock's time_point starts
// at the steady clock's epoch, so sim time = clock.now().time_since_epoch() in ms. step()
// moves both to the earlier of their next deadlines (and the soak's own agenda): the
// exchange first, so a reply and a timeout due at the same instant arrive in that order.
//
// Everything here runs on the soak's one thread; nothing is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <utility>  // before Asio with Boost 1.74 in C++20
#include <boost/asio/io_context.hpp>

#include "dialup/engine/transport.hpp"
#include "dialup/engine/virtual_clock.hpp"
#include "dialup/hwsim/exchange.hpp"
#include "prng.hpp"
#include "trace.hpp"

namespace dialup::soak {

class world;
class sim_transport;

// One serial port of the world: the device node of simulated modem `modem`.
struct sim_port {
  std::string name;
  std::size_t modem = 0;
  bool modem_control = false;    // a UART (DTR, DCD) or a pty (none)
  bool plugged = true;
  bool unplug_gives_eof = false;
  unsigned generation = 0;       // bumped at each unplug: transports of an older one are dead
  sim_transport* open = nullptr; // the transport that has it open, if any
  double noise_rate = 0;         // bit errors towards the DTE in data mode
  // Noise strikes what comes from the line, never the modem's own CONNECT result: armed
  // once the CONNECT line of the call has been delivered clean.
  bool noise_armed = false;
  hwsim::modem_faults faults;    // the modem's standing faults (late_reply adds to them)
  // What the modem was doing when the engine closed the port (before the close's DTR drop).
  std::optional<bool> off_hook_at_close;
  std::optional<hwsim::modem_mode> mode_at_close;
  int opens = 0;
  int double_opens = 0;          // opens while another transport had it open
};

class world {
 public:
  using time_point = virtual_clock::time_point;

  world(const std::string& personality, bool keep_trace, std::uint64_t noise_seed);
  ~world();
  world(const world&) = delete;
  world& operator=(const world&) = delete;

  boost::asio::io_context& engine_io() { return engine_io_; }
  boost::asio::io_context& caller_io() { return caller_io_; }
  const std::shared_ptr<virtual_clock>& clock() const { return clock_; }
  std::shared_ptr<transport_factory> factory();
  hwsim::exchange& exchange() { return exchange_; }
  dial_trace& trace() { return trace_; }
  sim_port& port(std::size_t i) { return ports_.at(i); }
  std::size_t port_count() const { return ports_.size(); }

  // Adds a port for modem i (ports and modems are created together).
  std::size_t add_port(const std::string& name, bool modem_control);

  time_point now() const { return clock_->now(); }
  hwsim::sim_time sim_now() const {
    return std::chrono::duration_cast<hwsim::sim_time>(clock_->now().time_since_epoch());
  }
  std::chrono::nanoseconds since_start() const { return clock_->now().time_since_epoch(); }

  // Stamped with the time being reached while the exchange is advanced (its output is
  // emitted before the clock moves: see step()).
  void note(std::string_view kind, std::string_view text) {
    trace_.add(stamp_ ? *stamp_ : since_start(), kind, text);
  }

  // The soak's own timed actions (faults, the caller's think times), in time order.
  void at(time_point when, std::function<void()> f);
  void after(std::chrono::milliseconds d, std::function<void()> f) { at(now() + d, std::move(f)); }
  bool agenda_empty() const { return agenda_.empty(); }

  // Runs the engine's and (unless stalled) the caller's loop until both are idle.
  std::size_t settle();
  // Runs due agenda actions, settles; then moves time to the next deadline. False when
  // nothing at all is pending (the world has stopped).
  bool step();

  bool caller_stalled = false;

  // Faults.
  void unplug(std::size_t i);
  void replug(std::size_t i);
  // The n-th command line written to modem i (0-based) is answered `delay` late.
  void late_reply(std::size_t i, int n, std::chrono::milliseconds delay) {
    late_port_ = i;
    late_index_ = n;
    late_delay_ = delay;
  }

  // For the transports.
  void feed(sim_port& p, std::string_view bytes);
  void closed(sim_port& p, sim_transport* t);
  void modem_output(std::size_t i, std::string_view bytes);
  void park_write(sim_transport* t);
  void forget(sim_transport* t);

  int live_transports = 0;
  std::uint64_t bytes_to_modem = 0;
  std::uint64_t bytes_from_modem = 0;

  // Secrets the soak hides when it prints the wire (the wire may carry them: a login).
  std::vector<std::string> secrets;

 private:
  void check_parked();

  boost::asio::io_context engine_io_;
  boost::asio::io_context caller_io_;
  std::shared_ptr<virtual_clock> clock_ = std::make_shared<virtual_clock>();
  hwsim::exchange exchange_;
  std::deque<sim_port> ports_;
  dial_trace trace_;
  prng noise_;
  std::shared_ptr<transport_factory> factory_;
  std::multimap<std::pair<time_point, std::uint64_t>, std::function<void()>> agenda_;
  std::uint64_t agenda_seq_ = 0;
  std::vector<sim_transport*> parked_;
  std::optional<std::chrono::nanoseconds> stamp_;
  std::vector<int> commands_written_;  // per port, command lines seen in command mode
  std::size_t late_port_ = 0;
  int late_index_ = -1;
  std::chrono::milliseconds late_delay_{0};
};

}  // namespace dialup::soak
