// Private to hw-sim/src: simulator::impl, the state behind dialup::hwsim::simulator, shared
// by the files that implement it:
//   simulator.cpp              construction, shutdown and the public member functions;
//   simulator_attachments.cpp  the ptys and RFC 2217 sockets attached to the modems;
//   simulator_programs.cpp     the programs that answer calls (service_kind::program);
//   simulator_clock.cpp        simulated time and the one timer of the whole world.
//
// Locking: every touch of the exchange and of the Asio objects happens under mu_, from
// handlers on the executor or from public calls on any thread; handlers check
// stopped_ first. Writes use async_write_some (not the composed async_write, which
// would touch the descriptor outside the lock).
#pragma once

#include <dialup/hwsim/simulator.hpp>

#include <dialup/hwsim/detail/asio.hpp>
#include <dialup/hwsim/exchange.hpp>
#include <dialup/hwsim/rfc2217.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dialup::hwsim {

namespace asio = boost::asio;

namespace simulator_detail {

// Flow control towards the DTE (RTS/CTS, &K3): stop reading the pty while more than
// this much data is waiting for the line; resume below half of it. The kernel's pty
// buffer then fills and the client's writes block, as with a real modem's CTS.
inline constexpr std::chrono::milliseconds k_max_backlog{2000};

// What the next async_write_some writes, for a stream whose bytes wait in `out` and are
// written from `wbuf`, of which `woff` are written already: the rest of `wbuf`, or once
// that is all written, everything waiting in `out` (moved into `wbuf`). Empty when there
// is nothing to write.
inline asio::const_buffer next_write(std::string& out, std::string& wbuf, std::size_t& woff) {
  if (woff == wbuf.size()) {
    if (out.empty()) return {};
    wbuf.clear();
    wbuf.swap(out);
    woff = 0;
  }
  return asio::buffer(wbuf.data() + woff, wbuf.size() - woff);
}

}  // namespace simulator_detail

struct simulator::impl : std::enable_shared_from_this<impl> {
  struct port {
    std::size_t index = 0;
    std::string pty;
    std::string link;
    std::unique_ptr<asio::posix::stream_descriptor> sd;
    bool watching = false;  // in impl::absent, polled for a client
    bool present = false;
    bool dtr_low = false;  // the client has set speed B0
    bool vanished = false;
    unsigned gen = 0;  // bumped per pty; handlers of an older pty do nothing
    bool reading = false;
    bool read_paused = false;  // flow control: the line is too far behind
    bool writing = false;
    std::string out;     // waiting to be written
    std::string wbuf;    // being written
    std::size_t woff = 0;
    std::array<char, 4096> rbuf{};
    // When the client last sent a byte (real time), for its silences in virtual time.
    std::optional<std::chrono::steady_clock::time_point> last_rx_real;
    // RFC 2217 attachment (serve_rfc2217).
    std::unique_ptr<asio::ip::tcp::acceptor> acceptor;
    std::unique_ptr<asio::ip::tcp::socket> tcp;
    std::unique_ptr<rfc2217_server> rfc;
    std::string tout, twbuf;
    std::size_t twoff = 0;
    bool twriting = false;
    unsigned tgen = 0;  // bumped per connection
    std::array<char, 4096> tbuf{};
  };

  // A program answering a call (service_kind::program), on a pty of its own whose slave
  // is its controlling terminal. Closing the master hangs it up (SIGHUP); its exit
  // (EIO on the master once every slave fd is closed) drops the line.
  struct program_proc {
    std::uint64_t id = 0;
    std::unique_ptr<asio::posix::stream_descriptor> master;
    std::string out, wbuf;
    std::size_t woff = 0;
    bool writing = false;
    std::array<char, 4096> buf{};
  };

  impl(asio::any_io_executor e, simulator_options o);
  static exchange::options make_options(const simulator_options& o);
  void shutdown();

  // simulator_programs.cpp
  void install_program_hooks();
  void program_failed(std::uint64_t id);
  void start_program(std::uint64_t id, const number_entry& e);
  void program_read(const std::shared_ptr<program_proc>& pr);
  void program_write(const std::shared_ptr<program_proc>& pr);

  // simulator_clock.cpp
  sim_time sim_now();
  void rearm();
  void on_timer();

  // simulator_attachments.cpp: ports (ptys)
  void open_pty(port& p);
  void remove_link(const port& p);
  std::size_t add_modem();
  void vanish(port& p);
  void reappear(port& p);
  void on_output(std::size_t i, std::string_view b);
  void start_write(port& p);
  void start_read(port& p);
  void feed_from_dte(port& p, std::string_view bytes);
  void termios_changed(port& p);
  void client_gone(port& p);
  void became_present(port& p);
  void watch_presence(port& p);
  void arm_presence();
  void poll_absent();

  // simulator_attachments.cpp: RFC 2217
  std::uint16_t serve_rfc2217(port& p, std::uint16_t portno);
  void accept(port& p);
  void connected(port& p, asio::ip::tcp::socket s);
  void disconnected(port& p);
  void start_tread(port& p);
  void start_twrite(port& p);
  void update_signals();

  template <class F>
  auto locked(std::size_t i, F f) const {
    std::lock_guard lk(mu);
    if (i >= ports.size()) throw std::out_of_range("hwsim: no modem " + std::to_string(i));
    return f();
  }

  asio::any_io_executor ex;
  simulator_options opt;
  mutable std::mutex mu;
  exchange world;
  std::unique_ptr<asio::steady_timer> timer;
  std::chrono::steady_clock::time_point epoch;
  sim_time virtual_now{0};
  std::optional<sim_time> armed_for;
  bool stopped = false;
  std::vector<std::unique_ptr<port>> ports;
  std::map<std::uint64_t, std::shared_ptr<program_proc>> programs;  // by call id
  std::vector<port*> rfc_ports;   // ports with an RFC 2217 server
  std::size_t paused_ports = 0;   // ports with read_paused set
  // Ports without a client, polled together by one timer (not one timer per port:
  // 1,000 idle modems would otherwise cost a third of a core).
  std::vector<port*> absent;
  std::unique_ptr<asio::steady_timer> presence_timer;
  bool presence_armed = false;
};

}  // namespace dialup::hwsim
