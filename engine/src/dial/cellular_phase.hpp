// cellular_phase: what a 3GPP modem needs between the init and the dial (docs/cellular.md):
// the SIM unlocked (+CPIN, 3GPP TS 27.007 §8.3), the APN set (+CGDCONT, §10.1.1), and the
// network registered (+CREG §7.2 / +CGREG §10.1.20 / +CEREG §10.1.22). Run by the connection
// when its entry's profile has `cellular.enabled`; the dial keeps reporting ConnectDevice
// meanwhile (docs/cellular.md says why).
//
// Its outcome comes once, through the done handler, on the strand (never inside start()):
//   {}                          the modem may dial
//   invalid_parameter (87)      the APN or the PIN given cannot be sent (detail says why)
//   authentication_failure (691) the SIM needs a PIN and none was given; the PIN was refused;
//                               the SIM wants its PUK (or a phone lock code)
//   a +CME ERROR's RAS error    through cme_to_ras (the profile's table, else the defaults)
//   from_device (651)           ERROR to a command, or a +CPIN answer that names nothing known
//   request_timeout, port_or_device  no answer in time / the port failed
//   no_carrier (679)            no registration within registration_timeout
//   connection_reject (770)     the network denied registration, until the deadline
// The detail never contains the PIN. `proceed` is asked before each command and after each
// wait: once false (the dial hung up, or failed elsewhere) the phase ends with no outcome.
// While it runs the phase takes the channel's unsolicited lines (for +CREG: <stat>) and hands
// every one on to `forward`; it gives the channel back to `forward` when it ends. Strand only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "dialup/engine/at_channel.hpp"
#include "dialup/engine/cellular.hpp"
#include "dialup/engine/detail/timer.hpp"
#include "dialup/engine/modem_profile.hpp"
#include "script_phase.hpp"  // script_phase::log_fn

namespace dialup::detail {

class cellular_phase : public std::enable_shared_from_this<cellular_phase> {
 public:
  struct outcome {
    std::error_code error;
    std::string detail;
  };
  using done_handler = std::function<void(const outcome&)>;
  using log_fn = script_phase::log_fn;
  using line_fn = std::function<void(const response_line&)>;

  cellular_phase(boost::asio::any_io_executor ex, std::shared_ptr<virtual_clock> clock,
                 std::shared_ptr<at_channel> channel, const modem_profile& profile, std::string pin,
                 std::string apn, log_fn log, line_fn forward, std::function<bool()> proceed,
                 done_handler done);

  void start();

 private:
  enum class step { idle, pin_query, pin_enter, pin_check, apn, registration, waiting, done };
  void query_pin();
  void on_pin_state(const at_reply& r);
  void enter_pin();
  void set_apn();
  void poll_registration(std::size_t query);
  void wait_for_registration();
  void on_registration(const cellular::registration& r);
  void registered();
  void command(std::string cmd, std::function<void(const at_reply&)> on_reply, std::string shown);
  void fail(std::error_code ec, std::string detail);
  void fail_reply(const std::string& shown, const at_reply& r);
  void end();
  bool going() const { return at_ != step::done && (!proceed_ || proceed_()); }
  std::chrono::steady_clock::time_point now() const;

  boost::asio::any_io_executor ex_;
  std::shared_ptr<virtual_clock> clock_;
  std::shared_ptr<at_channel> channel_;
  // Copies: a timer's handler may run after the connection (and its entry) is gone.
  const cellular_settings settings_;
  const std::chrono::milliseconds command_timeout_;
  std::string pin_;
  std::string apn_;
  log_fn log_;
  line_fn forward_;
  std::function<bool()> proceed_;
  done_handler done_;
  timer timer_;
  step at_ = step::idle;
  std::chrono::steady_clock::time_point deadline_{};
  std::optional<int> last_stat_;   // the last registration <stat> seen
  bool any_answered_ = false;      // a registration query answered (not ERROR) this round
  bool registered_seen_ = false;   // a reply of this round said registered
};

}  // namespace dialup::detail
