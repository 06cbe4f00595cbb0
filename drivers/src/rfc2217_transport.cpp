// RFC 2217 client: the open procedure, then a byte stream with modem-control lines.
//
//   resolving ──► connecting ──► negotiating ──DO COM-PORT-OPTION──► configuring ──► open
//       │             │              │ DONT/WONT 44 → remote_port_refused   │ each answer
//       │             │              │                                      │ checked
//       └─────────────┴──────────────┴── open_timeout → no_answer ──────────┘
//                     any socket error / eof → that error; every exit through finish()
//
// Once open, one socket read is always outstanding (unless 64 KiB of data wait for the
// reader): the decoder takes out Telnet commands, NOTIFY-MODEMSTATE updates the lines, data
// waits in `pending` for async_read_some. Writes go through one queue (user data and
// SET-CONTROL commands share the wire, in order).
#include "dialup/drivers/rfc2217_transport.hpp"

#include <array>
#include <deque>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "dialup/engine/port_error.hpp"
#include "telnet_codec.hpp"

namespace dialup::drivers {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// RFC 2217 §3 client-to-server command codes; the server's answer is the code + 100.
constexpr std::uint8_t set_baudrate = 1, set_datasize = 2, set_parity = 3, set_stopsize = 4,
                       set_control = 5, notify_modemstate = 7, set_linestate_mask = 10,
                       set_modemstate_mask = 11, purge_data = 12;
constexpr std::uint8_t server_reply = 100;
// SET-CONTROL values (RFC 2217 §3, "Set Control").
constexpr std::uint8_t flow_none = 1, flow_hardware = 3, dtr_on = 8, dtr_off = 9, rts_on = 11;
// SET-PARITY NONE = 1, SET-STOPSIZE 1 = 1; PURGE-DATA 3 = both buffers.
constexpr std::uint8_t parity_none = 1, stopsize_1 = 1, purge_both = 3;
// NOTIFY-MODEMSTATE bits (RFC 2217 §3, "Notification of Modem State"): the states; the low
// nibble carries the "changed" (delta) bits.
constexpr std::uint8_t ms_dcd = 0x80, ms_ri = 0x40, ms_dsr = 0x20, ms_cts = 0x10;

constexpr std::size_t read_pause = 64 * 1024;

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24 & 0xff), static_cast<char>(v >> 16 & 0xff),
          static_cast<char>(v >> 8 & 0xff), static_cast<char>(v & 0xff)};
}

// operation_aborted as the transport interface's std::error_code.
std::error_code aborted() { return boost::system::error_code(asio::error::operation_aborted); }

std::string byte1(std::uint8_t v) { return std::string(1, static_cast<char>(v)); }

std::error_code lost(const boost::system::error_code& ec) {
  // eof stays eof; a reset, a broken pipe, anything else: EIO. Both are "the device went
  // away" to the engine (transport.hpp), which reports 630 when online.
  if (ec == asio::error::eof) return ec;
  return std::make_error_code(std::errc::io_error);
}

// One setting step of the open: what goes, and what the answer must be.
struct setting {
  std::uint8_t cmd;
  std::string value;
  enum class check { exact, any } how;
  std::error_code refused;  // given when an exact answer differs
};

}  // namespace

bool parse_rfc2217_name(const std::string& name, std::string& host, std::uint16_t& port) {
  constexpr std::string_view scheme = "rfc2217://";
  if (name.rfind(scheme, 0) != 0) return false;
  std::string rest = name.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  std::string::size_type colon;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':') return false;
    host = rest.substr(1, close - 1);
    colon = close + 1;
  } else {
    colon = rest.rfind(':');
    if (colon == std::string::npos) return false;
    host = rest.substr(0, colon);
  }
  const std::string digits = rest.substr(colon + 1);
  if (host.empty() || digits.empty() || digits.size() > 5) return false;
  unsigned long v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned long>(c - '0');
  }
  if (v == 0 || v > 65535) return false;
  port = static_cast<std::uint16_t>(v);
  return true;
}

struct rfc2217_transport::impl : std::enable_shared_from_this<impl> {
  enum class step { resolving, connecting, negotiating, configuring, open, failed };

  impl(asio::any_io_executor e, std::string n)
      : ex(e), sock(e), timer(e), resolver(e), name(std::move(n)) {}

  asio::any_io_executor ex;
  tcp::socket sock;
  asio::steady_timer timer;
  tcp::resolver resolver;
  std::string name;
  step at = step::resolving;
  bool closed = false;

  // The open.
  open_handler open_h;
  std::vector<setting> settings;
  std::size_t setting_index = 0;

  // Reading.
  telnet::decoder dec;
  std::array<char, 4096> rx{};
  bool reading = false;
  std::string pending;
  std::error_code read_error;  // sticky once the connection is gone
  asio::mutable_buffer user_buf;
  io_handler user_read;

  // Writing: user data and our commands, in order. n is what the user's handler is told.
  struct out {
    std::string bytes;
    io_handler h;  // null for our own commands
    std::size_t n = 0;
  };
  std::deque<out> outq;
  bool writing = false;

  // Telnet option state (RFC 855): what we have asked or agreed, so no answer loops.
  std::array<bool, 256> sent_will{}, sent_do{};
  bool com_port = false;

  std::uint8_t modemstate = 0;

  // ------------------------------------------------------------------ the open

  void start(const std::string& host, std::uint16_t port, const port_settings& ps,
             std::chrono::milliseconds timeout) {
    settings = {
        {set_baudrate, be32(ps.baud_rate), setting::check::exact, port_error::speed_not_supported},
        {set_datasize, byte1(8), setting::check::exact, port_error::setting_refused},
        {set_parity, byte1(parity_none), setting::check::exact, port_error::setting_refused},
        {set_stopsize, byte1(stopsize_1), setting::check::exact, port_error::setting_refused},
        {set_control, byte1(ps.hardware_flow_control ? flow_hardware : flow_none), setting::check::exact,
         port_error::setting_refused},
        // No line-state notifications: a modem dial has no use for overrun/parity reports.
        {set_linestate_mask, byte1(0), setting::check::any, {}},
        // Every modem-state bit, states and deltas: DCD, RI, DSR, CTS.
        {set_modemstate_mask, byte1(0xff), setting::check::any, {}},
        {purge_data, byte1(purge_both), setting::check::any, {}},
        // DTR up: the engine hangs up by dropping it (&D2), which works only from up.
        {set_control, byte1(dtr_on), setting::check::exact, port_error::setting_refused},
        {set_control, byte1(rts_on), setting::check::exact, port_error::setting_refused},
    };
    timer.expires_after(timeout);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->at == step::open || self->at == step::failed) return;
      self->finish(port_error::no_answer);
    });
    boost::system::error_code aec;
    const auto addr = asio::ip::make_address(host, aec);
    if (!aec) {
      connect({addr, port});
      return;
    }
    at = step::resolving;
    resolver.async_resolve(host, std::to_string(port),
                           [self = shared_from_this()](boost::system::error_code ec, tcp::resolver::results_type r) {
                             if (self->at != step::resolving) return;
                             if (ec) return self->finish(ec);
                             self->at = step::connecting;
                             asio::async_connect(self->sock, r,
                                                 [self](boost::system::error_code e, const tcp::endpoint&) {
                                                   self->connected(e);
                                                 });
                           });
  }

  void connect(tcp::endpoint ep) {
    at = step::connecting;
    sock.async_connect(ep, [self = shared_from_this()](boost::system::error_code ec) { self->connected(ec); });
  }

  void connected(boost::system::error_code ec) {
    if (at != step::connecting) return;
    if (ec) return finish(ec);
    boost::system::error_code ignored;
    sock.set_option(tcp::no_delay(true), ignored);
    at = step::negotiating;
    // RFC 2217 §2: the client sends WILL COM-PORT-OPTION; BINARY (RFC 856) and SGA (RFC 858)
    // both ways, as a raw 8-bit line needs.
    std::string s = telnet::negotiation(telnet::will, telnet::opt_com_port);
    for (std::uint8_t o : {telnet::opt_binary, telnet::opt_sga}) {
      s += telnet::negotiation(telnet::do_, o);
      s += telnet::negotiation(telnet::will, o);
      sent_do[o] = sent_will[o] = true;
    }
    sent_will[telnet::opt_com_port] = true;
    send(std::move(s));
    start_read();
    if (com_port) configure_next();  // cannot happen yet; kept for symmetry with on_command
  }

  void configure_next() {
    if (setting_index >= settings.size()) {
      at = step::open;
      timer.cancel();
      auto h = std::move(open_h);
      std::unique_ptr<rfc2217_transport> t(new rfc2217_transport(shared_from_this()));
      asio::post(ex, [h = std::move(h), t = std::move(t)]() mutable { h({}, std::move(t)); });
      return;
    }
    at = step::configuring;
    const auto& s = settings[setting_index];
    send(telnet::subnegotiation(telnet::opt_com_port, byte1(s.cmd) + s.value));
  }

  // Every failure of the open passes here, once.
  void finish(std::error_code ec) {
    if (at == step::open || at == step::failed) return;
    at = step::failed;
    closed = true;
    boost::system::error_code ignored;
    timer.cancel();
    resolver.cancel();
    sock.close(ignored);
    auto h = std::move(open_h);
    asio::post(ex, [h = std::move(h), ec] { h(ec, nullptr); });
  }

  // ------------------------------------------------------------------ Telnet

  void on_negotiation(std::uint8_t verb, std::uint8_t opt) {
    const bool ours = opt == telnet::opt_binary || opt == telnet::opt_sga || opt == telnet::opt_com_port;
    switch (verb) {
      case telnet::will:  // the server offers to do opt
        if (!ours) send(telnet::negotiation(telnet::dont, opt));
        else if (!sent_do[opt]) {
          sent_do[opt] = true;
          send(telnet::negotiation(telnet::do_, opt));
        }
        break;
      case telnet::do_:  // the server asks us to do opt
        if (!ours) {
          send(telnet::negotiation(telnet::wont, opt));
          break;
        }
        if (!sent_will[opt]) {
          sent_will[opt] = true;
          send(telnet::negotiation(telnet::will, opt));
        }
        if (opt == telnet::opt_com_port && !com_port) {
          com_port = true;
          if (at == step::negotiating) configure_next();
        }
        break;
      case telnet::dont:
      case telnet::wont:
        // RFC 2217 §2: a server that cannot be a COM port answers DONT to our WILL.
        if (opt == telnet::opt_com_port && (at == step::negotiating || at == step::configuring))
          finish(port_error::remote_port_refused);
        // BINARY or SGA refused: the line still works for AT text; nothing to answer, as
        // we never had them on (RFC 854: acknowledge only a change of state).
        break;
      default:
        break;
    }
  }

  void on_subnegotiation(const telnet::command& c) {
    if (c.option != telnet::opt_com_port || c.payload.empty()) return;
    const auto cmd = static_cast<std::uint8_t>(c.payload[0]);
    const std::string value = c.payload.substr(1);
    if (cmd == server_reply + notify_modemstate) {
      if (!value.empty()) modemstate = static_cast<std::uint8_t>(value[0]);
      return;
    }
    if (at != step::configuring || setting_index >= settings.size()) return;  // a late answer
    const auto& s = settings[setting_index];
    if (cmd != server_reply + s.cmd) return;  // another notification, or not ours
    if (s.how == setting::check::exact && value != s.value) return finish(s.refused);
    ++setting_index;
    configure_next();
  }

  // ------------------------------------------------------------------ reading

  void start_read() {
    if (reading || closed || read_error || pending.size() >= read_pause) return;
    reading = true;
    sock.async_read_some(asio::buffer(rx), [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
      self->on_read(ec, n);
    });
  }

  void on_read(boost::system::error_code ec, std::size_t n) {
    reading = false;
    if (closed) return;
    if (ec) {
      if (at != step::open) return finish(ec);
      read_error = lost(ec);
      deliver();
      return;
    }
    std::vector<telnet::command> cmds;
    const auto r = dec.feed(std::as_bytes(std::span(rx.data(), n)), pending, cmds);
    for (const auto& c : cmds) {
      if (at == step::failed) return;
      if (c.verb == telnet::sb) on_subnegotiation(c);
      else on_negotiation(c.verb, c.option);
    }
    if (at == step::failed) return;
    if (r != telnet::decoder::result::ok) {
      if (at != step::open) return finish(std::make_error_code(std::errc::protocol_error));
      read_error = std::make_error_code(std::errc::io_error);  // not Telnet any more
      deliver();
      return;
    }
    deliver();
    start_read();
  }

  // Hands waiting data (or the connection's end) to the outstanding read.
  void deliver() {
    if (!user_read) return;
    if (!pending.empty()) {
      const std::size_t k = std::min(pending.size(), user_buf.size());
      std::memcpy(user_buf.data(), pending.data(), k);
      pending.erase(0, k);
      auto h = std::move(user_read);
      user_read = nullptr;
      h({}, k);
      start_read();  // below the pause again
      return;
    }
    if (read_error) {
      auto h = std::move(user_read);
      user_read = nullptr;
      h(read_error, 0);
    }
  }

  // ------------------------------------------------------------------ writing

  void send(std::string bytes, io_handler h = nullptr, std::size_t n = 0) {
    outq.push_back({std::move(bytes), std::move(h), n});
    start_write();
  }

  void start_write() {
    if (writing || closed || outq.empty()) return;
    writing = true;
    asio::async_write(sock, asio::buffer(outq.front().bytes),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->on_written(ec);
                      });
  }

  void on_written(boost::system::error_code ec) {
    writing = false;
    if (outq.empty()) return;  // close() emptied it
    auto done = std::move(outq.front());
    outq.pop_front();
    if (ec && at != step::open && !closed) finish(ec);
    if (done.h) {
      if (ec) done.h(closed ? aborted() : lost(ec), 0);
      else done.h({}, done.n);
    }
    if (ec) {
      // The wire is gone: what is still queued will never go; fail it, and make reads
      // and get_lines() say so too.
      const std::error_code e = closed ? aborted() : lost(ec);
      if (!read_error && !closed) read_error = e;
      for (auto& o : outq)
        if (o.h) asio::post(ex, [h = std::move(o.h), e] { h(e, 0); });
      outq.clear();
      deliver();
      return;
    }
    start_write();
  }

  void abort_user_ops() {
    if (user_read) {
      auto h = std::move(user_read);
      user_read = nullptr;
      asio::post(ex, [h = std::move(h)] { h(aborted(), 0); });
    }
    for (auto it = outq.begin(); it != outq.end();) {
      if (it->h) {
        asio::post(ex, [h = std::move(it->h)] { h(aborted(), 0); });
        it->h = nullptr;
      }
      // Not yet on the wire: user data goes; our own commands (DTR) still go.
      const bool on_wire = writing && it == outq.begin();
      if (!on_wire && it->n != 0) it = outq.erase(it);
      else ++it;
    }
  }
};

void rfc2217_transport::async_open(asio::any_io_executor ex, const std::string& name,
                                   const port_settings& settings, const rfc2217_options& options,
                                   open_handler h) {
  std::string host;
  std::uint16_t port = 0;
  if (!parse_rfc2217_name(name, host, port)) {
    asio::post(ex, [h = std::move(h)] { h(std::make_error_code(std::errc::invalid_argument), nullptr); });
    return;
  }
  auto p = std::make_shared<impl>(ex, name);
  p->open_h = std::move(h);
  // Start on the executor, so no handler can run inside this call even when the connect
  // fails at once.
  asio::post(ex, [p, host, port, settings, timeout = options.open_timeout] { p->start(host, port, settings, timeout); });
}

rfc2217_transport::~rfc2217_transport() { close(); }

void rfc2217_transport::async_read_some(asio::mutable_buffer buffer, io_handler h) {
  auto& p = *impl_;
  if (p.closed) {
    asio::post(p.ex, [h = std::move(h)] { h(aborted(), 0); });
    return;
  }
  if (!p.pending.empty() || p.read_error) {
    // Data already here: complete through the executor, never inside this call.
    p.user_buf = buffer;
    asio::post(p.ex, [self = impl_, h = std::move(h), buffer]() mutable {
      if (self->user_read || self->closed) {  // a read came in meanwhile, or close()
        h(aborted(), 0);
        return;
      }
      self->user_buf = buffer;
      self->user_read = std::move(h);
      self->deliver();
      if (self->user_read) {  // cancel() may have taken the data's place; wait on
        self->start_read();
      }
    });
    return;
  }
  p.user_buf = buffer;
  p.user_read = std::move(h);
  p.start_read();
}

void rfc2217_transport::async_write(asio::const_buffer buffer, io_handler h) {
  auto& p = *impl_;
  if (p.closed) {
    asio::post(p.ex, [h = std::move(h)] { h(aborted(), 0); });
    return;
  }
  if (p.read_error) {
    asio::post(p.ex, [h = std::move(h), e = p.read_error] { h(e, 0); });
    return;
  }
  const auto n = buffer.size();
  if (n == 0) {
    asio::post(p.ex, [h = std::move(h)] { h({}, 0); });
    return;
  }
  p.send(telnet::escape(std::span(static_cast<const std::byte*>(buffer.data()), n)), std::move(h), n);
}

void rfc2217_transport::cancel() { impl_->abort_user_ops(); }

void rfc2217_transport::close() {
  auto& p = *impl_;
  if (p.closed) return;
  p.abort_user_ops();
  p.closed = true;
  p.outq.clear();
  boost::system::error_code ignored;
  p.timer.cancel();
  p.sock.close(ignored);
}

bool rfc2217_transport::is_open() const { return !impl_->closed; }

std::string rfc2217_transport::name() const { return impl_->name; }

std::error_code rfc2217_transport::set_dtr(bool on) {
  auto& p = *impl_;
  if (p.closed) return std::make_error_code(std::errc::bad_file_descriptor);
  if (p.read_error) return p.read_error;
  // RFC 2217 §3 "Set Control": 8 = DTR ON, 9 = DTR OFF. The answer is not waited for: a
  // hang-up by DTR drop goes on to ATH anyway.
  p.send(telnet::subnegotiation(telnet::opt_com_port, byte1(set_control) + byte1(on ? dtr_on : dtr_off)));
  return {};
}

std::error_code rfc2217_transport::get_lines(modem_lines& out) {
  auto& p = *impl_;
  if (p.closed) return std::make_error_code(std::errc::bad_file_descriptor);
  if (p.read_error) return p.read_error;
  out.dcd = p.modemstate & ms_dcd;
  out.ri = p.modemstate & ms_ri;
  out.dsr = p.modemstate & ms_dsr;
  out.cts = p.modemstate & ms_cts;
  return {};
}

}  // namespace dialup::drivers
