// RFC 2217 server: the sans-I/O codec, and a simulated modem served over TCP.
#include <dialup/hwsim/rfc2217.hpp>

#include <doctest/doctest.h>

#include <dialup/hwsim/simulator.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/sim_thread.hpp"

using namespace dialup::hwsim;
using dialup::test::at_time_scale;
using dialup::test::sim_thread;
using namespace std::chrono_literals;

namespace {

std::string b(std::initializer_list<int> v) {
  std::string s;
  for (int c : v) s += static_cast<char>(c);
  return s;
}

struct codec {
  std::string sent, data;
  std::vector<bool> dtr;
  rfc2217_server srv{[this](std::string_view s) { sent.append(s); },
                     [this](std::string_view s) { data.append(s); },
                     [this](bool on) { dtr.push_back(on); }};
};

}  // namespace

TEST_CASE("RFC 2217 codec: opening negotiation offers BINARY, SGA and asks for COM-PORT") {
  codec c;
  c.srv.start();
  CHECK(c.sent == b({255, 251, 0, 255, 253, 0, 255, 251, 3, 255, 253, 3, 255, 253, 44}));
  c.sent.clear();
  // The client agrees; nothing more to say. An unknown option is refused.
  c.srv.feed(b({255, 251, 44, 255, 253, 0, 255, 251, 1}));
  CHECK(c.srv.com_port_negotiated());
  CHECK(c.sent == b({255, 254, 1}));
}

TEST_CASE("RFC 2217 codec: IAC IAC in data is one 0xff, both ways, split at every byte") {
  const std::string in = "AT" + b({255, 255}) + "\r";
  for (std::size_t k = 0; k <= in.size(); ++k) {
    codec c;
    c.srv.feed(in.substr(0, k));
    c.srv.feed(in.substr(k));
    CHECK(c.data == "AT" + b({255}) + "\r");
  }
  codec c;
  c.srv.send_data("x" + b({255}) + "y");
  CHECK(c.sent == "x" + b({255, 255}) + "y");
}

TEST_CASE("RFC 2217 codec: SET-CONTROL DTR off/on reaches the modem and is acknowledged") {
  codec c;
  c.srv.feed(b({255, 250, 44, 5, 9, 255, 240}));
  CHECK(c.sent == b({255, 250, 44, 105, 9, 255, 240}));
  REQUIRE(c.dtr.size() == 1);
  CHECK_FALSE(c.dtr[0]);
  c.sent.clear();
  c.srv.feed(b({255, 250, 44, 5, 7, 255, 240}));  // DTR state request
  CHECK(c.sent == b({255, 250, 44, 105, 9, 255, 240}));
  c.srv.feed(b({255, 250, 44, 5, 8, 255, 240}));
  CHECK(c.dtr.size() == 2);
  CHECK(c.dtr[1]);
}

TEST_CASE("RFC 2217 codec: SET-BAUDRATE stores the rate and 0 queries it") {
  codec c;
  c.srv.feed(b({255, 250, 44, 1, 0, 0, 0x25, 0x80, 255, 240}));  // 9600
  CHECK(c.sent == b({255, 250, 44, 101, 0, 0, 0x25, 0x80, 255, 240}));
  CHECK(c.srv.baud() == 9600);
  c.sent.clear();
  c.srv.feed(b({255, 250, 44, 1, 0, 0, 0, 0, 255, 240}));
  CHECK(c.sent == b({255, 250, 44, 101, 0, 0, 0x25, 0x80, 255, 240}));
}

TEST_CASE("RFC 2217 codec: NOTIFY-MODEMSTATE on a change, with delta bits") {
  codec c;
  c.srv.set_modem_state(rfc2217_server::dsr | rfc2217_server::cts);
  CHECK(c.sent == b({255, 250, 44, 107, 0x30, 255, 240}));
  c.sent.clear();
  c.srv.set_modem_state(rfc2217_server::dsr | rfc2217_server::cts);
  CHECK(c.sent.empty());
  c.srv.set_modem_state(rfc2217_server::dcd | rfc2217_server::dsr | rfc2217_server::cts);
  CHECK(c.sent == b({255, 250, 44, 107, 0xb8, 255, 240}));
}

namespace {

struct tcp_client {
  int fd = -1;
  std::string got;  // data bytes with telnet commands left in, as received
  explicit tcp_client(std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~tcp_client() { close(); }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  void send(const std::string& s) { REQUIRE(::write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size())); }
  bool wait_for(const std::string& what, std::chrono::milliseconds limit = 5s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (got.find(what) == std::string::npos) {
      if (std::chrono::steady_clock::now() > end) return false;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) {
        char buf[512];
        auto n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return false;
        got.append(buf, static_cast<std::size_t>(n));
      }
    }
    return true;
  }
};

}  // namespace

TEST_CASE("a modem served over RFC 2217: AT, dial with DCD notified, DTR off hangs up") {
  sim_thread rs(at_time_scale(0.01));
  auto& sim = rs.sim;
  sim->add_modem();
  const std::uint16_t port = sim->serve_rfc2217(0);
  REQUIRE(port != 0);
  {
    tcp_client c(port);
    CHECK(c.wait_for(b({255, 253, 44})));
    c.send(b({255, 251, 44}));
    c.send("AT\r");
    CHECK(c.wait_for("AT\r\r\nOK\r\n"));
    // Modem state: DSR and CTS on, no DCD.
    CHECK(c.got.find(b({255, 250, 44, 107, 0x30, 255, 240})) != std::string::npos);
    c.send("ATDT5550100\r");
    CHECK(c.wait_for("CONNECT 33600\r\n"));
    CHECK(c.wait_for(b({255, 250, 44, 107, 0xb8, 255, 240})));  // DCD on (delta)
    CHECK(sim->off_hook(0));
    c.send(b({255, 250, 44, 5, 9, 255, 240}));  // DTR off
    CHECK(c.wait_for(b({255, 250, 44, 105, 9, 255, 240})));
    CHECK(c.wait_for(b({255, 250, 44, 107, 0x38, 255, 240})));  // DCD off (delta)
    CHECK_FALSE(sim->off_hook(0));
    c.send(b({255, 250, 44, 5, 8, 255, 240}));  // DTR on
    c.got.clear();
    c.send("ATI3\r");
    CHECK(c.wait_for("dialup hw-sim generic V.34 modem"));
    c.send("ATDT5550100\r");
    CHECK(c.wait_for("CONNECT 33600\r\n"));
  }  // connection closed while online: a DTR drop
  const auto end = std::chrono::steady_clock::now() + 3s;
  while (sim->off_hook(0) && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(5ms);
  CHECK_FALSE(sim->off_hook(0));
}

TEST_CASE("RFC 2217: an incoming call shows RI during the ring burst and RING in the data") {
  sim_thread rs(at_time_scale(0.01));
  auto& sim = rs.sim;
  sim->add_modem();
  sim->add_modem();
  const std::uint16_t port = sim->serve_rfc2217(1);
  {
    tcp_client callee(port);
    callee.send("ATE0\r");
    REQUIRE(callee.wait_for("OK\r\n"));
    tcp_client caller(sim->serve_rfc2217(0));
    caller.send("ATDT5551001\r");
    CHECK(callee.wait_for("\r\nRING\r\n"));
    CHECK(callee.wait_for(b({255, 250, 44, 107, 0x70, 255, 240})));  // RI on
    CHECK(callee.wait_for(b({255, 250, 44, 107, 0x34, 255, 240})));  // RI trailing edge
  }
}
