// dialup::drivers::rfc2217_transport — a modem on a remote serial port served over TCP by
// RFC 2217 (Telnet COM-PORT-OPTION): a terminal server, ser2net, `dialup-sim --rfc2217`.
// Port names are "rfc2217://host:port".
//
// Opening (async_open; the whole of it bounded by rfc2217_options::open_timeout):
// - TCP connect (host resolved when it is not an address literal), TCP_NODELAY.
// - Telnet negotiation: we send WILL COM-PORT-OPTION (RFC 2217 §2: the client offers it,
//   the server answers DO), DO/WILL BINARY (RFC 856: 8-bit data, no CR NUL rules) and
//   DO/WILL SUPPRESS-GO-AHEAD (RFC 858), then wait for the server's DO COM-PORT-OPTION.
// - Port settings, each sent on its own and its answer (the command + 100, RFC 2217 §3)
//   checked before the next goes: SET-BAUDRATE, SET-DATASIZE 8, SET-PARITY NONE,
//   SET-STOPSIZE 1, SET-CONTROL flow control (RTS/CTS or none, per hardware_flow_control).
// - Then, without waiting for their answers (nothing in them to check, and servers differ
//   in them): SET-LINESTATE-MASK 0, SET-MODEMSTATE-MASK 0xff, PURGE-DATA both.
// - SET-CONTROL DTR and RTS as port_settings::dtr_on_open / rts_on_open ask; their answers
//   are checked (another value → setting_refused), and the open waits (at most
//   rfc2217_options::answer_wait) for them and for the first NOTIFY-MODEMSTATE, which
//   servers send once the mask is set. A server that answers no DTR request (ser2net on a
//   pty, which has no DTR) gives a port without modem control: has_modem_control() false,
//   so the engine hangs up with +++/ATH and does not watch a DCD the server cannot report.
//
// Open errors (dialup/engine/port_error.hpp; ras_error_for_open_failure() gives the RAS
// number):
//   port_error::no_answer            connect or negotiation not done within open_timeout
//   port_error::remote_port_refused  the server answered DONT/WONT COM-PORT-OPTION
//   port_error::speed_not_supported  the server answered SET-BAUDRATE with another speed
//   port_error::setting_refused      the server answered another data size, parity, stop
//                                    size, flow control, DTR or RTS
//   std::errc::invalid_argument      the name is not rfc2217://host:port
//   std::errc::protocol_error        the server sent a sub-negotiation over the bound
//   a system / asio error            ECONNREFUSED, host not found, eof during the open
//
// Once open (modem control as above):
// - set_dtr() sends SET-CONTROL DTR ON/OFF (8/9) and returns without waiting; the answer
//   is checked when it comes: a refusal, or no answer within answer_wait, makes the next
//   set_dtr() fail with port_error::setting_refused (a hang-up then falls back to +++/ATH).
// - get_lines() reports the last NOTIFY-MODEMSTATE (RFC 2217 §3, "Notification of Modem
//   State"); lines_at_open() the state known when the open completed (all down if the
//   server sent none).
// - async_wait_lines() reports each NOTIFY-MODEMSTATE that changes a level or carries the
//   trailing-edge ring delta (one ring pulse; RI falling without that bit counts one too),
//   stamped when it was decoded. Changes while no wait is outstanding are merged into one
//   event (`at` the oldest's, ring pulses added) except where a level goes back (DCD down
//   then up stays two events; rings merge, counted); the next wait takes the oldest at once. Repeated states and
//   deltas without a level change (a blip the server folded) are not events.
// - Reads give data with Telnet commands taken out and IAC IAC undone; writes double 0xff.
//   If the server refused BINARY (RFC 856) for a direction, that direction follows NVT
//   rules: a bare CR goes as CR NUL, and CR NUL comes back as CR (RFC 854).
// - FLOWCONTROL-SUSPEND / RESUME from the server (RFC 2217 §3) hold user data back and let
//   it go again; our own SET-CONTROL commands still go.
// - The connection lost (eof, reset) reads as a vanished device: asio::error::eof, or EIO
//   for any other socket error, so the engine reports 630 as for an unplugged USB modem;
//   the outstanding line wait completes with the same error, and get_lines(), set_dtr()
//   and writes fail the same way afterwards.
// - close() with port_settings::hang_up_on_close and DTR up sends SET-CONTROL DTR OFF
//   first and closes the socket once it is written (at most answer_wait later).
//
// The transport keeps one socket read outstanding of its own (so modem-state notifications
// are taken while nobody reads), and stops reading while 64 KiB of data wait for a reader.
//
// Threading: as dialup::transport — used only from the executor given at open; every
// handler runs through that executor, never inside the initiating call. No threads: many
// hundreds of ports may share one engine thread.
// Lifetime: destroying the transport closes it (close()); outstanding handlers then complete
// with operation_aborted (they hold the shared state, not the transport). The shared state
// lives on while a DTR drop at close is being written, at most answer_wait, and needs the
// executor to run for that; the socket closes when it is done.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "dialup/engine/transport.hpp"

namespace dialup::drivers {

struct rfc2217_options {
  // The whole open: connect, negotiation and settings. Never 0 / forever.
  std::chrono::milliseconds open_timeout{5000};
  // How long an answer that decides no setting is waited for: the DTR and RTS answers and
  // the first modem state at the end of the open, a SET-CONTROL answer after it, the DTR
  // drop at close. Within open_timeout at the open.
  std::chrono::milliseconds answer_wait{500};
};

// Splits "rfc2217://host:port" (host may be "[v6]"). False when `name` is not such a name.
bool parse_rfc2217_name(const std::string& name, std::string& host, std::uint16_t& port);

class rfc2217_transport final : public transport {
 public:
  using open_handler = std::function<void(std::error_code, std::unique_ptr<rfc2217_transport>)>;

  // Opens `name` (rfc2217://host:port). Completion: h(error, transport) through `ex`;
  // the transport is null on error (errors above). Never completes inside this call.
  static void async_open(boost::asio::any_io_executor ex, const std::string& name,
                         const port_settings& settings, const rfc2217_options& options,
                         open_handler h);
  ~rfc2217_transport() override;

  void async_read_some(boost::asio::mutable_buffer buffer, io_handler h) override;
  void async_write(boost::asio::const_buffer buffer, io_handler h) override;
  // Completes the outstanding read and any queued writes with operation_aborted. A write
  // already on the wire is finished there (cutting it would break the Telnet framing).
  void cancel() override;
  void close() override;
  bool is_open() const override;
  std::string name() const override;

  // True when the server confirmed the open's SET-CONTROL DTR (see above).
  bool has_modem_control() const override;
  std::error_code set_dtr(bool on) override;
  std::error_code get_lines(modem_lines& out) override;
  std::optional<modem_lines> lines_at_open() const override;
  bool async_wait_lines(line_handler h) override;

  struct impl;

 private:
  explicit rfc2217_transport(std::shared_ptr<impl> p) : impl_(std::move(p)) {}
  std::shared_ptr<impl> impl_;
};

}  // namespace dialup::drivers
