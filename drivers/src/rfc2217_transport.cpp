// RFC 2217 client: the open procedure, then a byte stream with modem-control lines.
//
//   resolving ──► connecting ──► negotiating ──DO COM-PORT-OPTION──► configuring ──► confirming ──► open
//       │             │              │ DONT/WONT 44 → remote_port_refused   │ each answer    │ DTR, RTS
//       │             │              │                                      │ checked        │ answers and
//       └─────────────┴──────────────┴── open_timeout → no_answer ──────────┘                │ a modem state,
//                     any socket error / eof → that error; every exit through finish()       │ or answer_wait
//                                                                                             ▼
//   open ──close(), DTR up, hang_up_on_close──► lingering (SET-CONTROL DTR OFF goes) ──► closed
//
// Once open, one socket read is always outstanding (unless 64 KiB of data wait for the
// reader): the decoder takes out Telnet commands, NOTIFY-MODEMSTATE updates the lines and
// queues a line event, data waits in `pending` for async_read_some. Writes go through one
// queue (user data and SET-CONTROL commands share the wire, in order).
//
// One timer, whose handler switches on the step: the open's deadline (negotiating,
// configuring), the answer wait (confirming), the SET-CONTROL answer deadlines (open), the
// linger bound (lingering).
#include "dialup/drivers/rfc2217_transport.hpp"

#include <array>
#include <cstring>
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
                       set_control = 5, notify_modemstate = 7, flowcontrol_suspend = 8,
                       flowcontrol_resume = 9, set_linestate_mask = 10, set_modemstate_mask = 11,
                       purge_data = 12;
constexpr std::uint8_t server_reply = 100;
// SET-CONTROL values (RFC 2217 §3, "Set Control").
constexpr std::uint8_t flow_none = 1, flow_hardware = 3, dtr_request = 7, dtr_on = 8, dtr_off = 9,
                       rts_request = 10, rts_on = 11, rts_off = 12;
// SET-PARITY NONE = 1, SET-STOPSIZE 1 = 1; PURGE-DATA 3 = both buffers.
constexpr std::uint8_t parity_none = 1, stopsize_1 = 1, purge_both = 3;
// NOTIFY-MODEMSTATE bits (RFC 2217 §3, "Notification of Modem State"): the states in the
// high nibble; the low nibble carries the deltas, of which "trailing edge ring detector"
// (0x04) is the one a level cannot show: RI may rise and fall between two notifications.
constexpr std::uint8_t ms_dcd = 0x80, ms_ri = 0x40, ms_dsr = 0x20, ms_cts = 0x10, ms_ri_trailing = 0x04;

constexpr std::size_t read_pause = 64 * 1024;
// Line events waiting for async_wait_lines (see on_modemstate): past this they merge.
constexpr std::size_t max_queued_events = 16;

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

modem_lines lines_of(std::uint8_t ms) {
  modem_lines l;
  l.dcd = ms & ms_dcd;
  l.ri = ms & ms_ri;
  l.dsr = ms & ms_dsr;
  l.cts = ms & ms_cts;
  return l;
}

modem_lines differ(const modem_lines& a, const modem_lines& b) {
  return {a.dcd != b.dcd, a.dsr != b.dsr, a.cts != b.cts, a.ri != b.ri};
}

bool same(const modem_lines& a, const modem_lines& b) {
  return a.dcd == b.dcd && a.dsr == b.dsr && a.cts == b.cts && a.ri == b.ri;
}

// One setting step of the open: what goes, and what the answer must be.
struct setting {
  std::uint8_t cmd;
  std::string value;
  std::error_code refused;  // given when the answer differs
};

// Which modem-control output a SET-CONTROL value is about (RFC 2217 §3: 7-9 DTR, 10-12
// RTS); the answer carries the value, so an answer is matched to its request by it.
enum class control_line { none, dtr, rts };
control_line line_of(std::uint8_t v) {
  if (v >= dtr_request && v <= dtr_off) return control_line::dtr;
  if (v >= rts_request && v <= rts_off) return control_line::rts;
  return control_line::none;
}

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
  enum class step { resolving, connecting, negotiating, configuring, confirming, open, lingering, failed };

  impl(asio::any_io_executor e, std::string n)
      : ex(e), sock(e), timer(e), resolver(e), name(std::move(n)) {}

  asio::any_io_executor ex;
  tcp::socket sock;
  asio::steady_timer timer;
  tcp::resolver resolver;
  std::string name;
  step at = step::resolving;
  bool closed = false;  // closed for the user (close() called, or the open failed)

  // The open.
  open_handler open_h;
  port_settings ps;
  std::chrono::milliseconds answer_wait{500};
  std::chrono::steady_clock::time_point open_deadline{};
  std::vector<setting> settings;
  std::size_t setting_index = 0;
  // confirming: the SET-CONTROL DTR and RTS values asked, and which answers came.
  std::uint8_t dtr_asked = 0, rts_asked = 0;
  bool dtr_answered = false, rts_answered = false, modemstate_seen = false;

  // Modem control, decided at the end of the open: true when the server confirmed the DTR
  // setting (a server that cannot set DTR, ser2net on a pty, answers nothing).
  bool modem_control = false;
  bool dtr_up = false;
  // SET-CONTROL requests after the open whose answers are awaited, oldest first.
  struct control_request {
    std::uint8_t value;
    std::chrono::steady_clock::time_point deadline;
  };
  std::deque<control_request> control_pending;
  std::error_code control_error;  // sticky: a SET-CONTROL refused or never answered

  // Reading.
  telnet::decoder dec;
  std::array<char, 4096> rx{};
  bool reading = false;
  std::string pending;
  std::error_code read_error;  // sticky once the connection is gone
  asio::mutable_buffer user_buf;
  io_handler user_read;
  bool last_was_cr = false;  // for CR NUL (RFC 854) while the server does not send BINARY

  // Writing: user data and our commands, in order. n is what the user's handler is told.
  struct out {
    std::string bytes;
    io_handler h;  // null for our own commands
    std::size_t n = 0;
  };
  std::deque<out> outq;
  bool writing = false;
  bool suspended = false;  // FLOWCONTROL-SUSPEND from the server (RFC 2217 §3)

  // Telnet option state (RFC 855): what we have asked or agreed, so no answer loops.
  std::array<bool, 256> sent_will{}, sent_do{};
  bool com_port = false;
  // BINARY (RFC 856) per direction; assumed until refused, as we ask for it first.
  bool binary_out = true, binary_in = true;

  // Modem state and line events.
  std::uint8_t modemstate = 0;
  modem_lines current{};   // the lines as last notified
  modem_lines reported{};  // the lines of the last event handed out (or at open)
  std::optional<modem_lines> at_open;
  std::deque<modem_line_event> events;  // changes no wait has taken yet
  line_handler line_waiter;

  // ------------------------------------------------------------------ the open

  void start(const std::string& host, std::uint16_t port, const port_settings& s,
             const rfc2217_options& o) {
    ps = s;
    answer_wait = o.answer_wait;
    settings = {
        {set_baudrate, be32(ps.baud_rate), port_error::speed_not_supported},
        {set_datasize, byte1(8), port_error::setting_refused},
        {set_parity, byte1(parity_none), port_error::setting_refused},
        {set_stopsize, byte1(stopsize_1), port_error::setting_refused},
        {set_control, byte1(ps.hardware_flow_control ? flow_hardware : flow_none), port_error::setting_refused},
    };
    open_deadline = std::chrono::steady_clock::now() + o.open_timeout;
    arm_timer(open_deadline);
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

  void arm_timer(std::chrono::steady_clock::time_point when) {
    timer.expires_at(when);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->on_timer();
    });
  }

  void on_timer() {
    switch (at) {
      case step::resolving:
      case step::connecting:
      case step::negotiating:
      case step::configuring:
        finish(port_error::no_answer);
        return;
      case step::confirming:
        // What did not answer within answer_wait is taken as "cannot": a server without
        // DTR control (ser2net on a pty) answers nothing (docs/rfc2217.md).
        complete_open();
        return;
      case step::open: {
        const auto now = std::chrono::steady_clock::now();
        if (!control_pending.empty() && control_pending.front().deadline <= now) {
          // RFC 2217 §3: the server answers every SET-CONTROL. None within the wait: the
          // line did not follow, and the next set_dtr() says so.
          control_error = port_error::setting_refused;
          control_pending.clear();
        }
        if (!control_pending.empty()) arm_timer(control_pending.front().deadline);
        return;
      }
      case step::lingering:
        shut();
        return;
      case step::failed:
        return;
    }
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
  }

  void configure_next() {
    if (setting_index < settings.size()) {
      at = step::configuring;
      const auto& s = settings[setting_index];
      send(subneg(s.cmd, s.value));
      return;
    }
    // No line-state notifications (a dialler has no use for overrun reports), every
    // modem-state bit (DCD, RI, DSR, CTS, and their deltas), both buffers purged. Their
    // answers carry nothing to check, and servers differ in them (ser2net 4.3 answers
    // SET-LINESTATE-MASK as 106 and SET-MODEMSTATE-MASK with a NOTIFY-MODEMSTATE): they
    // go without waiting.
    std::string s = subneg(set_linestate_mask, byte1(0));
    s += subneg(set_modemstate_mask, byte1(0xff));
    s += subneg(purge_data, byte1(purge_both));
    // Then the outputs as port_settings asks (Linux would raise both on open; we say what
    // we want): the engine hangs up by dropping DTR (&D2, V.250 §6.2.9), which works only
    // from DTR up. Both answers are checked in `confirming`.
    dtr_asked = ps.dtr_on_open ? dtr_on : dtr_off;
    rts_asked = ps.rts_on_open ? rts_on : rts_off;
    s += subneg(set_control, byte1(dtr_asked));
    s += subneg(set_control, byte1(rts_asked));
    send(std::move(s));
    at = step::confirming;
    arm_timer(std::min(open_deadline, std::chrono::steady_clock::now() + answer_wait));
  }

  void maybe_confirmed() {
    if (at == step::confirming && dtr_answered && rts_answered && modemstate_seen) complete_open();
  }

  void complete_open() {
    at = step::open;
    timer.cancel();
    modem_control = dtr_answered;
    dtr_up = modem_control && dtr_asked == dtr_on;
    reported = current;
    if (modem_control) at_open = current;
    events.clear();
    auto h = std::move(open_h);
    std::unique_ptr<rfc2217_transport> t(new rfc2217_transport(shared_from_this()));
    asio::post(ex, [h = std::move(h), t = std::move(t)]() mutable { h({}, std::move(t)); });
  }

  // Every failure of the open passes here, once.
  void finish(std::error_code ec) {
    if (at == step::open || at == step::failed || at == step::lingering) return;
    at = step::failed;
    closed = true;
    boost::system::error_code ignored;
    timer.cancel();
    resolver.cancel();
    sock.close(ignored);
    auto h = std::move(open_h);
    asio::post(ex, [h = std::move(h), ec] { h(ec, nullptr); });
  }

  static std::string subneg(std::uint8_t cmd, const std::string& value) {
    return telnet::subnegotiation(telnet::opt_com_port, byte1(cmd) + value);
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
        if (opt == telnet::opt_binary) binary_in = true;
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
        if (opt == telnet::opt_binary) binary_out = true;
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
        // BINARY refused: that direction is an NVT one, with CR NUL for a bare CR (RFC 854,
        // RFC 856). Nothing to answer: RFC 854 acknowledges only a change of state.
        if (opt == telnet::opt_binary) {
          if (verb == telnet::dont) binary_out = false;
          else binary_in = false;
        }
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
      if (!value.empty()) on_modemstate(static_cast<std::uint8_t>(value[0]));
      return;
    }
    if (cmd == server_reply + flowcontrol_suspend) {
      suspended = true;
      return;
    }
    if (cmd == server_reply + flowcontrol_resume) {
      suspended = false;
      start_write();
      return;
    }
    if (at == step::configuring && setting_index < settings.size()) {
      const auto& s = settings[setting_index];
      if (cmd != server_reply + s.cmd) return;  // another notification, or not ours
      if (value != s.value) return finish(s.refused);
      ++setting_index;
      configure_next();
      return;
    }
    if (cmd != server_reply + set_control || value.size() != 1) return;
    const auto v = static_cast<std::uint8_t>(value[0]);
    if (at == step::confirming) {
      // RFC 2217 §3: the answer is the state set; another value is a refusal.
      if (line_of(v) == control_line::dtr && !dtr_answered) {
        if (v != dtr_asked) return finish(port_error::setting_refused);
        dtr_answered = true;
      } else if (line_of(v) == control_line::rts && !rts_answered) {
        if (v != rts_asked) return finish(port_error::setting_refused);
        rts_answered = true;
      }
      maybe_confirmed();
      return;
    }
    if (at != step::open) return;
    // After the open: the oldest request for the same line is the one answered.
    const auto kind = line_of(v);
    if (kind == control_line::none) return;
    for (auto it = control_pending.begin(); it != control_pending.end(); ++it) {
      if (line_of(it->value) != kind) continue;
      if (it->value != v) control_error = port_error::setting_refused;
      control_pending.erase(it);
      break;
    }
  }

  // NOTIFY-MODEMSTATE: the lines, and a line event unless nothing a wait reports changed.
  void on_modemstate(std::uint8_t ms) {
    const auto now = std::chrono::steady_clock::now();
    modemstate = ms;
    modemstate_seen = true;
    const modem_lines next = lines_of(ms);
    const modem_lines before = current;
    current = next;
    if (at != step::open) {
      maybe_confirmed();
      return;
    }
    if (!modem_control) return;
    // RFC 2217 §3: the trailing-edge delta counts a ring; a server that sends no deltas
    // shows a ring only as RI falling, which counts one too (never both for one fall).
    const unsigned pulse = (ms & ms_ri_trailing) || (before.ri && !next.ri) ? 1 : 0;
    if (same(before, next) && pulse == 0) return;  // a repeat, or a delta the levels do not show
    // Coalesce with the newest queued event unless that would hide a level going back (a
    // DCD drop and rise between two waits stay two events), up to a bound. RI is the
    // exception: rings are counted, so three rings between two waits are one event with
    // three pulses.
    if (!events.empty()) {
      auto& back = events.back();
      const modem_lines base = events.size() > 1 ? events[events.size() - 2].lines : reported;
      const modem_lines flipped_back = differ(back.lines, next);
      const bool hides = (back.changed.dcd && flipped_back.dcd) || (back.changed.dsr && flipped_back.dsr) ||
                         (back.changed.cts && flipped_back.cts);
      if (!hides || events.size() >= max_queued_events) {
        back.lines = next;
        back.changed = differ(base, next);
        back.ring_pulses += pulse;
        // `at` stays the first change's: the latency the engine measures is the oldest.
        deliver_lines();
        return;
      }
    }
    const modem_lines base = events.empty() ? reported : events.back().lines;
    modem_line_event ev;
    ev.lines = next;
    ev.changed = differ(base, next);
    ev.ring_pulses = pulse;
    ev.at = now;
    events.push_back(ev);
    deliver_lines();
  }

  // Hands the oldest queued event (or the connection's end) to the outstanding wait,
  // through the executor.
  void deliver_lines() {
    if (!line_waiter) return;
    if (!events.empty()) {
      auto ev = events.front();
      events.pop_front();
      reported = ev.lines;
      asio::post(ex, [h = std::exchange(line_waiter, nullptr), ev] { h({}, ev); });
      return;
    }
    if (read_error) asio::post(ex, [h = std::exchange(line_waiter, nullptr), e = read_error] { h(e, {}); });
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
      connection_lost(lost(ec));
      return;
    }
    std::vector<telnet::command> cmds;
    const std::size_t had = pending.size();
    const auto r = dec.feed(std::as_bytes(std::span(rx.data(), n)), pending, cmds);
    if (!binary_in) undo_cr_nul(had);
    for (const auto& c : cmds) {
      if (at == step::failed) return;
      if (c.verb == telnet::sb) on_subnegotiation(c);
      else on_negotiation(c.verb, c.option);
    }
    if (at == step::failed) return;
    if (r != telnet::decoder::result::ok) {
      if (at != step::open) return finish(std::make_error_code(std::errc::protocol_error));
      connection_lost(std::make_error_code(std::errc::io_error));  // not Telnet any more
      return;
    }
    deliver();
    start_read();
  }

  // RFC 854: in NVT mode a bare CR goes as CR NUL; the NUL is not data. Applied to what
  // this read appended; last_was_cr carries a CR at the end of one read to the next (a
  // command between the two never reaches `pending`, so the pair is still adjacent).
  void undo_cr_nul(std::size_t from) {
    std::size_t w = from;
    for (std::size_t r = from; r < pending.size(); ++r) {
      const char c = pending[r];
      if (c == '\0' && last_was_cr) {
        last_was_cr = false;
        continue;
      }
      last_was_cr = c == '\r';
      pending[w++] = c;
    }
    pending.resize(w);
  }

  void connection_lost(std::error_code e) {
    if (!read_error) read_error = e;
    deliver();
    deliver_lines();
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

  // User data for the wire: 0xff doubled, and a bare CR as CR NUL while the server has
  // not agreed to BINARY (RFC 854, RFC 856).
  std::string encode(std::span<const std::byte> data) const {
    std::string s = telnet::escape(data);
    if (binary_out) return s;
    std::string t;
    t.reserve(s.size() + 4);
    for (std::size_t i = 0; i < s.size(); ++i) {
      t += s[i];
      if (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n')) t += '\0';
    }
    return t;
  }

  void start_write() {
    if (writing || outq.empty()) return;
    if (closed && at != step::lingering) return;
    // FLOWCONTROL-SUSPEND holds data back; our own commands (a DTR drop) still go.
    if (suspended && outq.front().n != 0) return;
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
    if (ec && at != step::open && at != step::lingering && !closed) finish(ec);
    if (done.h) {
      if (ec) done.h(closed ? aborted() : lost(ec), 0);
      else done.h({}, done.n);
    }
    if (ec) {
      // The wire is gone: what is still queued will never go; fail it, and make reads,
      // line waits and get_lines() say so too.
      const std::error_code e = closed ? aborted() : lost(ec);
      for (auto& o : outq)
        if (o.h) asio::post(ex, [h = std::move(o.h), e] { h(e, 0); });
      outq.clear();
      if (at == step::lingering) return shut();
      if (!closed) connection_lost(e);
      return;
    }
    if (at == step::lingering && outq.empty()) return shut();
    start_write();
  }

  void abort_user_ops() {
    if (user_read) {
      auto h = std::move(user_read);
      user_read = nullptr;
      asio::post(ex, [h = std::move(h)] { h(aborted(), 0); });
    }
    if (line_waiter) asio::post(ex, [h = std::exchange(line_waiter, nullptr)] { h(aborted(), {}); });
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

  // close(): with hang_up_on_close and DTR up, SET-CONTROL DTR OFF goes first (a modem left
  // in a call hangs up, &D2), bounded by answer_wait; then the socket closes.
  void close() {
    if (closed) return;
    abort_user_ops();
    closed = true;
    if (at == step::open && !read_error && modem_control && dtr_up && ps.hang_up_on_close) {
      at = step::lingering;
      suspended = false;
      dtr_up = false;
      control_pending.clear();
      send(subneg(set_control, byte1(dtr_off)));
      arm_timer(std::chrono::steady_clock::now() + answer_wait);
      return;
    }
    outq.clear();
    shut();
  }

  void shut() {
    at = step::failed;  // nothing more happens on this connection
    outq.clear();
    boost::system::error_code ignored;
    timer.cancel();
    sock.shutdown(tcp::socket::shutdown_both, ignored);
    sock.close(ignored);
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
  asio::post(ex, [p, host, port, settings, options] { p->start(host, port, settings, options); });
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
  p.send(p.encode(std::span(static_cast<const std::byte*>(buffer.data()), n)), std::move(h), n);
}

void rfc2217_transport::cancel() { impl_->abort_user_ops(); }

void rfc2217_transport::close() { impl_->close(); }

bool rfc2217_transport::is_open() const { return !impl_->closed; }

std::string rfc2217_transport::name() const { return impl_->name; }

bool rfc2217_transport::has_modem_control() const { return impl_->modem_control; }

std::error_code rfc2217_transport::set_dtr(bool on) {
  auto& p = *impl_;
  if (p.closed) return std::make_error_code(std::errc::bad_file_descriptor);
  if (p.read_error) return p.read_error;
  if (!p.modem_control) return std::make_error_code(std::errc::operation_not_supported);
  if (p.control_error) return p.control_error;
  // RFC 2217 §3 "Set Control": 8 = DTR ON, 9 = DTR OFF. The answer is checked when it
  // comes (a hang-up by DTR drop goes on to ATH anyway); a refusal, or no answer within
  // answer_wait, is what the next set_dtr() returns.
  const std::uint8_t v = on ? dtr_on : dtr_off;
  p.send(impl::subneg(set_control, byte1(v)));
  p.dtr_up = on;
  const auto deadline = std::chrono::steady_clock::now() + p.answer_wait;
  p.control_pending.push_back({v, deadline});
  if (p.control_pending.size() == 1) p.arm_timer(deadline);
  return {};
}

std::error_code rfc2217_transport::get_lines(modem_lines& out) {
  auto& p = *impl_;
  if (p.closed) return std::make_error_code(std::errc::bad_file_descriptor);
  if (p.read_error) return p.read_error;
  out = lines_of(p.modemstate);
  return {};
}

std::optional<modem_lines> rfc2217_transport::lines_at_open() const { return impl_->at_open; }

bool rfc2217_transport::async_wait_lines(line_handler h) {
  auto& p = *impl_;
  if (!p.modem_control) return false;
  if (p.closed) {
    asio::post(p.ex, [h = std::move(h)] { h(aborted(), {}); });
    return true;
  }
  if (p.line_waiter) {  // at most one wait (transport.hpp)
    asio::post(p.ex, [h = std::move(h)] { h(std::make_error_code(std::errc::operation_in_progress), {}); });
    return true;
  }
  p.line_waiter = std::move(h);
  p.deliver_lines();  // a change queued meanwhile, or the connection gone: at once (posted)
  return true;
}

}  // namespace dialup::drivers
