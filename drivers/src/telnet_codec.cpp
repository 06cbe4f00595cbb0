#include "telnet_codec.hpp"

namespace dialup::drivers::telnet {

decoder::result decoder::feed(std::span<const std::byte> in, std::string& data,
                              std::vector<command>& commands) {
  for (std::byte b : in) {
    const auto c = static_cast<std::uint8_t>(b);
    switch (st_) {
      case state::failed:
        return result::subnegotiation_too_long;
      case state::data:
        if (c == iac) st_ = state::iac;
        else data += static_cast<char>(c);
        break;
      case state::iac:
        if (c == iac) {  // RFC 854: IAC IAC is a data byte 255
          data += static_cast<char>(c);
          st_ = state::data;
        } else if (c == will || c == wont || c == do_ || c == dont) {
          verb_ = c;
          st_ = state::opt;
        } else if (c == sb) {
          sb_.clear();
          st_ = state::sb;
        } else {
          st_ = state::data;  // NOP, GA, AYT, DM, a stray SE: nothing for a COM port to do
        }
        break;
      case state::opt:
        commands.push_back({verb_, c, {}});
        st_ = state::data;
        break;
      case state::sb:
        if (c == iac) {
          st_ = state::sb_iac;
        } else if (sb_.size() >= max_sb_) {
          st_ = state::failed;
          return result::subnegotiation_too_long;
        } else {
          sb_ += static_cast<char>(c);
        }
        break;
      case state::sb_iac:
        if (c == se) {  // RFC 855: IAC SE ends the sub-negotiation
          command cmd{sb, 0, {}};
          if (!sb_.empty()) {
            cmd.option = static_cast<std::uint8_t>(sb_[0]);
            cmd.payload = sb_.substr(1);
          }
          commands.push_back(std::move(cmd));
          sb_.clear();
          st_ = state::data;
        } else if (c == iac) {  // a 0xff inside the parameters
          if (sb_.size() >= max_sb_) {
            st_ = state::failed;
            return result::subnegotiation_too_long;
          }
          sb_ += static_cast<char>(c);
          st_ = state::sb;
        } else {
          // RFC 854 says nothing of IAC <other> inside SB; we end the SB without taking it
          // (as most servers do) and read the byte as a command.
          sb_.clear();
          st_ = state::iac;
          // Re-examine c as the byte after an IAC.
          if (c == will || c == wont || c == do_ || c == dont) {
            verb_ = c;
            st_ = state::opt;
          } else if (c == sb) {
            st_ = state::sb;
          } else {
            st_ = state::data;
          }
        }
        break;
    }
  }
  return result::ok;
}

std::string escape(std::string_view data) {
  std::string out;
  out.reserve(data.size());
  for (char ch : data) {
    out += ch;
    if (static_cast<std::uint8_t>(ch) == iac) out += ch;
  }
  return out;
}

std::string escape(std::span<const std::byte> data) {
  return escape(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

std::string negotiation(std::uint8_t verb, std::uint8_t option) {
  return {static_cast<char>(iac), static_cast<char>(verb), static_cast<char>(option)};
}

std::string subnegotiation(std::uint8_t option, std::string_view payload) {
  std::string out{static_cast<char>(iac), static_cast<char>(sb), static_cast<char>(option)};
  out += escape(payload);
  out += static_cast<char>(iac);
  out += static_cast<char>(se);
  return out;
}

}  // namespace dialup::drivers::telnet
