// diag_port — what every dialup-diag measurement stands on: a modem's port opened through
// the drivers' factory (its UUCP lock and exclusive open, as a dial takes them), an AT
// channel on it driven one command at a time, the built-in simulator behind --sim, and
// the run's interruption (SIGINT/SIGTERM).
//
// Threading: at_port runs its own io_context on the calling thread: command() blocks that
// thread until the modem's final reply, the command's timeout, or an interruption. The
// built-in simulator runs on a thread of its own.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

#include <utility>  // before Asio (a Boost 1.74 header needs it in C++20)
#include <boost/asio/io_context.hpp>

#include "dialup/engine/at_channel.hpp"
#include "dialup/engine/modem_profile.hpp"

namespace dialup::hwsim {
struct simulator_options;
}

namespace dialup_diag {

// Set by SIGINT/SIGTERM (install_interrupt_handlers); every wait of the program checks it.
bool interrupted() noexcept;
void install_interrupt_handlers();
// For tests of the program's own logic: as if Ctrl-C had been pressed.
void request_interrupt() noexcept;

// The answer to one command, and how long it took: from the write of the command to the
// final result code's arrival (the AT channel's completion, on this thread).
struct at_answer {
  std::error_code error;  // timed_out, the port's error, operation_aborted when interrupted
  dialup::at_reply reply;
  std::chrono::nanoseconds elapsed{0};
  bool ok() const { return !error && reply.final.kind == dialup::response_kind::ok; }
  // The information text, lines joined with "\r\n", followed by the final result: the
  // answer as the decoders read it.
  std::string text() const;
};

class at_port {
 public:
  // Opens `port` (a device path or rfc2217://host:port) at `baud`; nullptr and `error` set
  // when it cannot be opened within `open_timeout`.
  static std::unique_ptr<at_port> open(const std::string& port, std::uint32_t baud, std::string& error,
                                       std::chrono::milliseconds open_timeout = std::chrono::seconds(10));
  ~at_port();

  at_answer command(const std::string& cmd, std::chrono::milliseconds timeout);
  // The channel gave up on the modem (several timeouts in a row) or the port failed.
  bool dead() const noexcept { return dead_; }
  void close();
  // The port under the channel (for its modem-control lines, docs/serial-lines.md) and the
  // io_context its handlers run on: a caller that waits on the lines runs it itself.
  dialup::transport& port_transport() { return *transport_; }
  boost::asio::io_context& io() { return io_; }

 private:
  at_port() = default;
  boost::asio::io_context io_;
  std::shared_ptr<dialup::transport> transport_;
  std::shared_ptr<dialup::at_channel> channel_;
  bool dead_ = false;
};

// The built-in simulator (--sim): one modem on a pty.
class sim_host {
 public:
  sim_host(double time_scale, const std::string& personality);
  // With every simulator option given (the cellular modem's signal schedule, ...).
  explicit sim_host(const dialup::hwsim::simulator_options& options);
  ~sim_host();
  std::string port() const;
  // Serves the modem over RFC 2217 on loopback too (its lines exist there, not on the
  // pty); returns "rfc2217://127.0.0.1:<port>". Use that or port(), not both.
  std::string serve_rfc2217();
  // An incoming call that rings the modem `rings` times (hwsim::simulator::incoming_call).
  bool incoming_call(const std::string& from, unsigned rings);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// "0.123" seconds, "12.3" ms: durations for people.
std::string format_ms(double ms);

}  // namespace dialup_diag
