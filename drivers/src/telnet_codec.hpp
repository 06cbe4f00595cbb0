// dialup::drivers::telnet — the Telnet framing an RFC 2217 client needs, without I/O
// (bytes in through feed(), bytes out as strings): RFC 854 (IAC commands, IAC IAC for a
// data 0xff), RFC 855 (option negotiation, SB ... IAC SE sub-negotiation).
//
//   data ──IAC──► iac ──WILL/WONT/DO/DONT──► opt ──option──► data (a negotiation)
//                  │ IAC → data (a data 0xff)        SB
//                  │ other (NOP, GA, ...) → data      │
//                  └─SB──► sb ──IAC──► sb_iac ──SE──► data (a sub-negotiation)
//                          ▲             │ IAC → sb (a 0xff in the payload)
//                          └─────────────┘
//   sb: payload longer than the bound → failed (stays failed: the stream is not Telnet)
//
// A command cut by the end of a read (IAC alone, IAC WILL without its option, an SB
// without its IAC SE) is carried over: the decoder keeps its state between feed() calls.
//
// Thread safety: none; one decoder per stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dialup::drivers::telnet {

// RFC 854 command codes.
inline constexpr std::uint8_t iac = 255, dont = 254, do_ = 253, wont = 252, will = 251, sb = 250,
                              se = 240;
// Options: RFC 856 BINARY, RFC 858 SUPPRESS-GO-AHEAD, RFC 2217 COM-PORT-OPTION.
inline constexpr std::uint8_t opt_binary = 0, opt_sga = 3, opt_com_port = 44;

// One command from the peer: a negotiation (verb WILL/WONT/DO/DONT, option) or a
// sub-negotiation (verb SB, option = its first byte, payload = the rest, IAC IAC undone).
struct command {
  std::uint8_t verb = 0;
  std::uint8_t option = 0;
  std::string payload;
  bool operator==(const command&) const = default;
};

class decoder {
 public:
  enum class state { data, iac, opt, sb, sb_iac, failed };
  enum class result { ok, subnegotiation_too_long };

  // max_subnegotiation: the longest SB payload (option byte included) taken; RFC 2217's
  // longest is SET-BAUDRATE's 1 + 1 + 4 bytes, so the default leaves room for any server's
  // SIGNATURE text while a peer streaming an endless SB cannot grow our memory.
  explicit decoder(std::size_t max_subnegotiation = 256) : max_sb_(max_subnegotiation) {}

  // Decodes `in`: data bytes are appended to `data`, commands to `commands`. Input that
  // ends inside a command is kept for the next call ("need more input" is not an error).
  // After subnegotiation_too_long the decoder stays failed and takes nothing more.
  result feed(std::span<const std::byte> in, std::string& data, std::vector<command>& commands);
  result feed(std::string_view in, std::string& data, std::vector<command>& commands) {
    return feed(std::as_bytes(std::span(in.data(), in.size())), data, commands);
  }

  state current() const { return st_; }
  // Whether the last feed() ended inside a command.
  bool mid_command() const { return st_ != state::data && st_ != state::failed; }

 private:
  std::size_t max_sb_;
  state st_ = state::data;
  std::uint8_t verb_ = 0;
  std::string sb_;
};

// Data for the wire: every 0xff doubled (RFC 854, "IAC IAC" is a data byte 255).
std::string escape(std::string_view data);
std::string escape(std::span<const std::byte> data);
// IAC verb option (RFC 855).
std::string negotiation(std::uint8_t verb, std::uint8_t option);
// IAC SB option payload IAC SE, with 0xff in the payload doubled (RFC 855; RFC 2217 §"Com
// Port Configuration": "IAC ... must be doubled" in parameters).
std::string subnegotiation(std::uint8_t option, std::string_view payload);

}  // namespace dialup::drivers::telnet
