// The cellular personality's SIM, network registration and packet-data dial (3GPP TS 27.007),
// on the sans-I/O exchange in virtual time.
#include <dialup/hwsim/exchange.hpp>

#include <doctest/doctest.h>

#include <string>

#include "support/exchange_world.hpp"

using namespace dialup::hwsim;
using namespace std::chrono_literals;
using dialup::test::exchange_world;

namespace {

exchange::options with(cellular_options c) {
  exchange::options o;
  o.cellular = std::move(c);
  return o;
}

cellular_options pin_1234() {
  cellular_options c;
  c.sim_pin = "1234";
  return c;
}

// A cellular modem with echo off: each reply is exactly what the modem says.
struct cell : exchange_world {
  explicit cell(cellular_options c = {}) : exchange_world(1, "cellular", with(std::move(c))) {
    send("ATE0\r");
    take();
  }
  std::string ask(const std::string& line) {
    send(line + "\r");
    return take();
  }
};

}  // namespace

TEST_CASE("a SIM without a PIN is READY and the network registers at once") {
  cell w;
  CHECK(w.ask("AT+CPIN?") == "\r\n+CPIN: READY\r\n\r\nOK\r\n");
  CHECK(w.ask("AT+CREG?") == "\r\n+CREG: 0,1\r\n\r\nOK\r\n");
  CHECK(w.ask("AT+COPS?") == "\r\n+COPS: 0,0,\"dialup sim\",7\r\n\r\nOK\r\n");
  // Entering a PIN that nobody asked for is refused (27.007 §8.3).
  CHECK(w.ask("AT+CMEE=1") == "\r\nOK\r\n");
  CHECK(w.ask("AT+CPIN=\"1234\"") == "\r\n+CME ERROR: 3\r\n");
}

TEST_CASE("a SIM with a PIN asks for it, takes the right one, and only then registers") {
  cell w(pin_1234());
  CHECK(w.ask("AT+CPIN?") == "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
  CHECK(w.ask("AT+CREG?") == "\r\n+CREG: 0,0\r\n\r\nOK\r\n");
  CHECK(w.ask("AT+COPS?") == "\r\n+COPS: 0\r\n\r\nOK\r\n");
  SUBCASE("+CMEE=0: a plain ERROR") {
    CHECK(w.ask("AT+CPIN=\"0000\"") == "\r\nERROR\r\n");
  }
  SUBCASE("+CMEE=1: the number") {
    w.ask("AT+CMEE=1");
    CHECK(w.ask("AT+CPIN=\"0000\"") == "\r\n+CME ERROR: 16\r\n");
    CHECK(w.ask("AT+CGDCONT=1,\"IP\",\"internet\"") == "\r\n+CME ERROR: 11\r\n");
  }
  SUBCASE("+CMEE=2: the text") {
    w.ask("AT+CMEE=2");
    CHECK(w.ask("AT+CPIN=\"0000\"") == "\r\n+CME ERROR: incorrect password\r\n");
  }
  CHECK(w.ask("AT+CPIN=\"1234\"") == "\r\nOK\r\n");
  CHECK(w.ask("AT+CPIN?") == "\r\n+CPIN: READY\r\n\r\nOK\r\n");
  w.run_for(10ms);
  CHECK(w.ask("AT+CREG?") == "\r\n+CREG: 0,1\r\n\r\nOK\r\n");
}

TEST_CASE("three wrong PINs block the SIM until the PUK and a new PIN are given") {
  cell w(pin_1234());
  w.ask("AT+CMEE=1");
  for (int i = 0; i < 3; ++i) CHECK(w.ask("AT+CPIN=\"9999\"") == "\r\n+CME ERROR: 16\r\n");
  CHECK(w.ask("AT+CPIN?") == "\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n");
  CHECK(w.ask("AT+CPIN=\"1234\"") == "\r\n+CME ERROR: 12\r\n");
  CHECK(w.ask("AT+CPIN=\"00000000\",\"4321\"") == "\r\n+CME ERROR: 16\r\n");
  CHECK(w.ask("AT+CPIN=\"12345678\",\"4321\"") == "\r\nOK\r\n");
  CHECK(w.ask("AT+CPIN?") == "\r\n+CPIN: READY\r\n\r\nOK\r\n");
}

TEST_CASE("registration takes its delay, with the unsolicited +CREG form when n >= 1") {
  cellular_options c = pin_1234();
  c.registration_delay = 5000ms;
  cell w(c);
  CHECK(w.ask("AT+CREG=1;+CGREG=2") == "\r\nOK\r\n");
  CHECK(w.ask("AT+CPIN=\"1234\"") == "\r\nOK\r\n");
  w.run_for(10ms);
  CHECK(w.take() == "\r\n+CREG: 2\r\n\r\n+CGREG: 2\r\n");
  CHECK(w.ask("AT+CREG?") == "\r\n+CREG: 1,2\r\n\r\nOK\r\n");
  w.run_for(4000ms);
  CHECK(w.out[0].empty());
  w.run_for(1000ms);
  CHECK(w.take() == "\r\n+CREG: 1\r\n\r\n+CGREG: 1,\"00A1\",\"0001B2C3\",7\r\n");
  CHECK(w.ask("AT+CGREG?") == "\r\n+CGREG: 2,1,\"00A1\",\"0001B2C3\",7\r\n\r\nOK\r\n");
}

TEST_CASE("a network that is never found stays searching; a refusing one ends denied") {
  SUBCASE("searching") {
    cellular_options c;
    c.network_mode = cellular_options::network::searching;
    cell w(c);
    w.run_for(600s);
    CHECK(w.ask("AT+CREG?") == "\r\n+CREG: 0,2\r\n\r\nOK\r\n");
    CHECK(w.ask("AT+CMEE=1") == "\r\nOK\r\n");
    w.send("ATD*99#\r");
    REQUIRE(w.run_until("\r\n+CME", 5s));
    CHECK(w.take() == "\r\n+CME ERROR: 30\r\n");
    CHECK_FALSE(w.m().off_hook());
  }
  SUBCASE("denied") {
    cellular_options c;
    c.network_mode = cellular_options::network::denied;
    c.registration_delay = 3000ms;
    cell w(c);
    CHECK(w.ask("AT+CREG?") == "\r\n+CREG: 0,2\r\n\r\nOK\r\n");
    w.run_for(3000ms);
    CHECK(w.ask("AT+CREG?") == "\r\n+CREG: 0,3\r\n\r\nOK\r\n");
    w.send("ATD*99#\r");
    REQUIRE(w.run_until("NO CARRIER", 5s));  // +CMEE=0: no CME text
  }
}

TEST_CASE("+CGDCONT keeps an APN per cid; ATD*99# needs one defined, and *99***<cid># picks it") {
  cell w;
  CHECK(w.ask("AT+CGDCONT=3,\"IP\",\"web.example\"") == "\r\nOK\r\n");
  CHECK(w.ask("AT+CGDCONT?") ==
        "\r\n+CGDCONT: 1,\"IP\",\"internet\",\"0.0.0.0\",0,0\r\n"
        "+CGDCONT: 3,\"IP\",\"web.example\",\"0.0.0.0\",0,0\r\n\r\nOK\r\n");
  CHECK(w.m().pdp_apn(3) == std::optional<std::string>("web.example"));
  CHECK(w.ask("AT+CGDCONT=1") == "\r\nOK\r\n");  // undefines context 1 (§10.1.1)
  CHECK_FALSE(w.m().pdp_apn(1));
  // The contexts survive a reset, as modems keep them in non-volatile memory.
  CHECK(w.ask("ATZ") == "\r\nOK\r\n");
  CHECK(w.m().pdp_apn(3) == std::optional<std::string>("web.example"));
  w.ask("ATE0");

  w.send("ATD*99#\r");
  REQUIRE(w.run_until("\r\n", 5s));
  CHECK(w.take() == "\r\nNO CARRIER\r\n");
  w.send("ATD*99***3#\r");
  REQUIRE(w.run_until("CONNECT", 5s));
  CHECK(w.take() == "\r\nCONNECT 115200\r\n");
}

TEST_CASE("a locked SIM refuses the packet-data dial") {
  cell w(pin_1234());
  w.ask("AT+CMEE=2");
  w.send("ATD*99#\r");
  REQUIRE(w.run_until("\r\n+CME", 5s));
  CHECK(w.take() == "\r\n+CME ERROR: SIM PIN required\r\n");
}

TEST_CASE("+CSQ and +COPS? report the configured signal and operator") {
  cellular_options c;
  c.csq_rssi = 9;
  c.operator_name = "Test Net";
  cell w(c);
  CHECK(w.ask("AT+CSQ") == "\r\n+CSQ: 9,99\r\n\r\nOK\r\n");
  CHECK(w.ask("AT+COPS?") == "\r\n+COPS: 0,0,\"Test Net\",7\r\n\r\nOK\r\n");
}

TEST_CASE("a power cycle locks a SIM with a PIN again") {
  cell w(pin_1234());
  CHECK(w.ask("AT+CPIN=\"1234\"") == "\r\nOK\r\n");
  w.m().power_on(w.t);
  w.send("ATE0\r");
  w.take();
  CHECK(w.ask("AT+CPIN?") == "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
}
