// RFC 2217 server codec (RFC 854 Telnet framing, RFC 2217 COM-PORT-OPTION).
//
//   data ──IAC──► iac ──WILL/WONT/DO/DONT──► opt ──option──► data
//                  │ IAC (escaped 0xff) → data
//                  └─SB──► sb ──IAC──► sb_iac ──SE──► data (run the subnegotiation)
//                                        └─IAC → sb (escaped 0xff)

#include <dialup/hwsim/rfc2217.hpp>

namespace dialup::hwsim {

namespace {

constexpr std::uint8_t k_iac = 255, k_dont = 254, k_do = 253, k_wont = 252, k_will = 251,
                       k_sb = 250, k_se = 240;
constexpr std::uint8_t k_binary = 0, k_sga = 3, k_com_port = 44;

bool supported(std::uint8_t opt) { return opt == k_binary || opt == k_sga || opt == k_com_port; }

std::string cmd3(std::uint8_t verb, std::uint8_t opt) {
  return std::string{static_cast<char>(k_iac), static_cast<char>(verb), static_cast<char>(opt)};
}

}  // namespace

rfc2217_server::rfc2217_server(bytes_fn send, bytes_fn data, bool_fn dtr, bool_fn rts)
    : send_(std::move(send)), data_(std::move(data)), dtr_cb_(std::move(dtr)), rts_cb_(std::move(rts)) {}

void rfc2217_server::start() {
  std::string s;
  for (std::uint8_t o : {k_binary, k_sga}) {
    s += cmd3(k_will, o);
    s += cmd3(k_do, o);
    sent_will_[o] = sent_do_[o] = true;
  }
  s += cmd3(k_do, k_com_port);
  sent_do_[k_com_port] = true;
  send_(s);
}

void rfc2217_server::feed(std::string_view bytes) {
  for (char ch : bytes) {
    const auto c = static_cast<std::uint8_t>(ch);
    switch (st_) {
      case state::data:
        if (c == k_iac) st_ = state::iac;
        else pending_data_ += ch;
        break;
      case state::iac:
        if (c == k_iac) {
          pending_data_ += ch;
          st_ = state::data;
        } else if (c == k_will || c == k_wont || c == k_do || c == k_dont) {
          verb_ = c;
          st_ = state::opt;
        } else if (c == k_sb) {
          sb_.clear();
          st_ = state::sb;
        } else {
          st_ = state::data;  // NOP, GA, AYT...: nothing to do
        }
        break;
      case state::opt:
        st_ = state::data;
        if (!pending_data_.empty()) {
          std::string d;
          d.swap(pending_data_);
          data_(d);
        }
        negotiate(verb_, c);
        break;
      case state::sb:
        if (c == k_iac) st_ = state::sb_iac;
        else if (sb_.size() < 64) sb_ += ch;
        break;
      case state::sb_iac:
        if (c == k_se) {
          st_ = state::data;
          if (!pending_data_.empty()) {
            std::string d;
            d.swap(pending_data_);
            data_(d);
          }
          subnegotiation(sb_);
        } else {
          if (c == k_iac && sb_.size() < 64) sb_ += ch;
          st_ = state::sb;
        }
        break;
    }
  }
  if (!pending_data_.empty()) {
    std::string d;
    d.swap(pending_data_);
    data_(d);
  }
}

void rfc2217_server::negotiate(std::uint8_t verb, std::uint8_t opt) {
  switch (verb) {
    case k_will:
      if (!supported(opt)) {
        send_(cmd3(k_dont, opt));
      } else if (!sent_do_[opt]) {
        sent_do_[opt] = true;
        send_(cmd3(k_do, opt));
      }
      if (opt == k_com_port) com_port_ = true;
      break;
    case k_do:
      if (!supported(opt)) {
        send_(cmd3(k_wont, opt));
      } else if (!sent_will_[opt]) {
        sent_will_[opt] = true;
        send_(cmd3(k_will, opt));
      }
      if (opt == k_com_port) com_port_ = true;
      break;
    default:  // WONT / DONT: acknowledged by doing nothing
      break;
  }
}

void rfc2217_server::reply(std::uint8_t cmd, const std::string& payload) {
  std::string s{static_cast<char>(k_iac), static_cast<char>(k_sb), static_cast<char>(k_com_port),
                static_cast<char>(cmd)};
  for (char c : payload) {
    s += c;
    if (static_cast<std::uint8_t>(c) == k_iac) s += c;
  }
  s += static_cast<char>(k_iac);
  s += static_cast<char>(k_se);
  send_(s);
}

// RFC 2217 client-to-server commands; the server answers each with command + 100.
void rfc2217_server::subnegotiation(const std::string& sb) {
  if (sb.size() < 2 || static_cast<std::uint8_t>(sb[0]) != k_com_port) return;
  com_port_ = true;
  const auto cmd = static_cast<std::uint8_t>(sb[1]);
  const std::string arg = sb.substr(2);
  const std::uint8_t v = arg.empty() ? 0 : static_cast<std::uint8_t>(arg[0]);
  auto byte = [](std::uint8_t b) { return std::string(1, static_cast<char>(b)); };
  switch (cmd) {
    case 1: {  // SET-BAUDRATE, 4 bytes network order; 0 = query
      if (arg.size() >= 4) {
        std::uint32_t b = 0;
        for (int i = 0; i < 4; ++i) b = b << 8 | static_cast<std::uint8_t>(arg[static_cast<std::size_t>(i)]);
        if (b) baud_ = b;
      }
      std::string p;
      for (int i = 3; i >= 0; --i) p += static_cast<char>(baud_ >> (8 * i) & 0xff);
      reply(101, p);
      break;
    }
    case 2: if (v) datasize_ = v; reply(102, byte(datasize_)); break;
    case 3: if (v) parity_ = v; reply(103, byte(parity_)); break;
    case 4: if (v) stopsize_ = v; reply(104, byte(stopsize_)); break;
    case 5:  // SET-CONTROL
      switch (v) {
        case 0: reply(105, byte(flow_)); break;
        case 1: case 2: case 3: flow_ = v; reply(105, byte(v)); break;
        case 4: reply(105, byte(6)); break;       // break state: off
        case 5: case 6: reply(105, byte(v)); break;  // break on/off (a modem ignores it)
        case 7: reply(105, byte(dtr_ ? 8 : 9)); break;
        case 8: case 9: {
          const bool on = v == 8;
          reply(105, byte(v));
          if (on != dtr_) {
            dtr_ = on;
            if (dtr_cb_) dtr_cb_(on);
          }
          break;
        }
        case 10: reply(105, byte(rts_ ? 11 : 12)); break;
        case 11: case 12: {
          const bool on = v == 11;
          reply(105, byte(v));
          if (on != rts_) {
            rts_ = on;
            if (rts_cb_) rts_cb_(on);
          }
          break;
        }
        default: reply(105, byte(v)); break;
      }
      break;
    case 10: linestate_mask_ = v; reply(110, byte(v)); break;
    case 11:
      modemstate_mask_ = v;
      reply(111, byte(v));
      send_modem_state(0);
      break;
    case 12: reply(112, byte(v)); break;  // PURGE-DATA
    default: break;  // NOTIFY-*, FLOWCONTROL-SUSPEND/RESUME: nothing to answer
  }
}

void rfc2217_server::send_data(std::string_view bytes) {
  std::string s;
  s.reserve(bytes.size());
  for (char c : bytes) {
    s += c;
    if (static_cast<std::uint8_t>(c) == k_iac) s += c;
  }
  if (!s.empty()) send_(s);
}

void rfc2217_server::set_modem_state(std::uint8_t lines) {
  const std::uint8_t changed = static_cast<std::uint8_t>(lines ^ lines_);
  const std::uint8_t old = lines_;
  lines_ = lines;
  std::uint8_t delta = 0;
  if (changed & dcd) delta |= 0x08;
  if ((old & ri) && !(lines & ri)) delta |= 0x04;  // trailing edge of RI
  if (changed & dsr) delta |= 0x02;
  if (changed & cts) delta |= 0x01;
  if (((changed & 0xf0) & modemstate_mask_) || !lines_sent_) send_modem_state(delta);
}

void rfc2217_server::send_modem_state(std::uint8_t delta) {
  lines_sent_ = true;
  reply(107, std::string(1, static_cast<char>((lines_ | delta) & modemstate_mask_)));
}

}  // namespace dialup::hwsim
