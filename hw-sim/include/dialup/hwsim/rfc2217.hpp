// dialup::hwsim::rfc2217_server — the server side of RFC 2217 (Telnet COM-PORT-OPTION),
// sans-I/O: network bytes in through feed(), network bytes out through the send
// callback, serial-port events (data, DTR, RTS) out through callbacks.
//
// Unlike a pty, RFC 2217 carries the modem-control lines: the client's SET-CONTROL
// DTR on/off reaches the modem, and the modem's DCD/RI/DSR/CTS go back as
// NOTIFY-MODEMSTATE. Options offered: BINARY (0), SUPPRESS-GO-AHEAD (3), COM-PORT (44);
// every other option is refused. IAC (0xff) in data is doubled both ways.
//
// Thread safety: none; the owner serialises calls. Callbacks run inside feed() or the
// call that caused them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace dialup::hwsim {

class rfc2217_server {
 public:
  using bytes_fn = std::function<void(std::string_view)>;
  using bool_fn = std::function<void(bool)>;

  // Modem-state bits (RFC 2217 NOTIFY-MODEMSTATE).
  static constexpr std::uint8_t dcd = 0x80;
  static constexpr std::uint8_t ri = 0x40;
  static constexpr std::uint8_t dsr = 0x20;
  static constexpr std::uint8_t cts = 0x10;

  rfc2217_server(bytes_fn send, bytes_fn data, bool_fn dtr, bool_fn rts = {});

  // The opening negotiation; call once when the connection is accepted.
  void start();
  // Bytes from the network.
  void feed(std::string_view bytes);
  // Serial data towards the client (IAC doubled).
  void send_data(std::string_view bytes);
  // The modem's lines (dcd | ri | dsr | cts); sends NOTIFY-MODEMSTATE with the delta
  // bits when the masked state changed.
  void set_modem_state(std::uint8_t lines);

  bool dtr() const { return dtr_; }
  bool rts() const { return rts_; }
  std::uint32_t baud() const { return baud_; }
  bool com_port_negotiated() const { return com_port_; }

 private:
  enum class state { data, iac, opt, sb, sb_iac };
  void negotiate(std::uint8_t verb, std::uint8_t opt);
  void subnegotiation(const std::string& sb);
  void reply(std::uint8_t cmd, const std::string& payload);
  void send_modem_state(std::uint8_t delta);

  bytes_fn send_, data_;
  bool_fn dtr_cb_, rts_cb_;
  state st_ = state::data;
  std::uint8_t verb_ = 0;
  std::string sb_;
  std::string pending_data_;
  bool sent_will_[256] = {};
  bool sent_do_[256] = {};
  bool com_port_ = false;
  bool dtr_ = true, rts_ = true;
  std::uint32_t baud_ = 115200;
  std::uint8_t datasize_ = 8, parity_ = 1, stopsize_ = 1, flow_ = 1;
  std::uint8_t linestate_mask_ = 0, modemstate_mask_ = 0xff;
  std::uint8_t lines_ = dsr | cts;
  bool lines_sent_ = false;
};

}  // namespace dialup::hwsim
