// The modem on the simulated exchange, in virtual time: dialing outcomes, CONNECT,
// data, the +++ guard rules, carrier loss, calls between two simulated modems.
#include <dialup/hwsim/exchange.hpp>

#include <doctest/doctest.h>

#include "support/exchange_world.hpp"

#include <algorithm>
#include <string>
#include <vector>

using namespace dialup::hwsim;
using namespace std::chrono_literals;

namespace {

using world = dialup::test::exchange_world;

void connect_echo(world& w) {
  w.send("ATE0\r");
  w.take();
  w.send("ATDT5550100\r");
  REQUIRE(w.run_until("CONNECT", 60s));
  REQUIRE(w.take() == "\r\nCONNECT 33600\r\n");
  REQUIRE(w.m().mode() == modem_mode::online_data);
}

}  // namespace

TEST_CASE("ATDT to the echo number rings once and connects at 33600 after a realistic handshake") {
  world w;
  w.send("ATE0\r");
  w.take();
  w.send("ATDT5550100\r");
  CHECK(w.m().off_hook());
  CHECK(w.m().mode() == modem_mode::dialing);
  // Dial tone 0.75 s + 7 digits × 190 ms + post-dial 1.5 s + one ring 2 s + 2 s billing
  // delay + 3.3 s answer tone + 6 s training ≈ 16.9 s.
  w.run_for(15s);
  CHECK(w.out[0].empty());
  REQUIRE(w.run_until("CONNECT", 5s));
  CHECK(w.take() == "\r\nCONNECT 33600\r\n");
  CHECK(w.m().connect_rate() == 33600);
  CHECK(w.m().mode() == modem_mode::online_data);
}

TEST_CASE("data is echoed by the echo service, paced at the connect rate") {
  world w;
  connect_echo(w);
  const std::string msg(336, 'x');  // 336 chars at 3360 cps = 100 ms each way
  w.send(msg);
  w.run_for(60ms);
  // 60 ms at 3360 chars/s = ~201 chars on the way there, minus one 16-char chunk
  // still on its way back.
  CHECK(w.out[0].size() > 150);
  CHECK(w.out[0].size() < 210);
  w.run_for(60ms);
  CHECK(w.take() == msg);
  CHECK(w.m().last_call().chars_from_dte == 336);
}

TEST_CASE("X0 shows plain CONNECT, V0 shows the numeric code") {
  SUBCASE("X0") {
    world w;
    w.send("ATE0X0\r");
    w.take();
    w.send("ATD5550100\r");
    REQUIRE(w.run_until("CONNECT", 60s));
    CHECK(w.take() == "\r\nCONNECT\r\n");
  }
  SUBCASE("V0 with a rate that has no code in the table gives 1") {
    world w;
    w.send("ATE0V0\r");
    w.take();
    w.send("ATD5550100\r");
    w.run_for(60s);
    CHECK(w.take() == "1\r");
    CHECK(w.m().mode() == modem_mode::online_data);
  }
}

TEST_CASE("+++ with correct guard times enters online-command state and answers OK") {
  world w;
  connect_echo(w);
  w.run_for(1100ms);
  w.send("+++");
  w.run_for(900ms);
  CHECK(w.m().mode() == modem_mode::online_data);
  w.run_for(200ms);
  CHECK(w.m().mode() == modem_mode::online_command);
  // The +++ went to the remote and came back before the OK.
  CHECK(w.take() == "+++\r\nOK\r\n");
}

TEST_CASE("in virtual time a DTE's silence the clock did not see still counts as the guard before +++") {
  // A simulator at time scale 0 moves the clock only to deadlines: the client's real 1.1 s
  // of silence reaches the modem as dte_silence, not as time.
  world w;
  connect_echo(w);
  w.take();
  w.send("+++");  // no silence the clock saw: call data
  w.run_for(3s);
  CHECK(w.m().mode() == modem_mode::online_data);
  w.take();
  w.x.dte_silence(0, 1100ms, w.t);
  w.send("+++");
  w.run_for(1100ms);
  CHECK(w.m().mode() == modem_mode::online_command);
  CHECK(w.take() == "+++\r\nOK\r\n");
}

TEST_CASE("in virtual time, + characters a real guard apart are not an escape") {
  world w;
  connect_echo(w);
  w.x.dte_silence(0, 1100ms, w.t);
  w.send("+");
  w.x.dte_silence(0, 1100ms, w.t);  // as long as the guard between two of them
  w.send("+");
  w.send("+");
  w.run_for(3s);
  CHECK(w.m().mode() == modem_mode::online_data);
  CHECK(w.out[0].find("OK") == std::string::npos);
}

TEST_CASE("+++ escape guard rules: too short a guard, too slow, or a byte after cancels") {
  SUBCASE("no silence before the +++") {
    world w;
    connect_echo(w);
    w.run_for(1100ms);
    w.send("a");
    w.run_for(500ms);
    w.send("+++");
    w.run_for(3s);
    CHECK(w.m().mode() == modem_mode::online_data);
    CHECK(w.out[0].find("OK") == std::string::npos);
  }
  SUBCASE("gap between + characters as long as the guard") {
    world w;
    connect_echo(w);
    w.run_for(1100ms);
    w.send("+");
    w.run_for(1000ms);
    w.send("+");
    w.run_for(100ms);
    w.send("+");
    w.run_for(3s);
    CHECK(w.m().mode() == modem_mode::online_data);
  }
  SUBCASE("a character inside the post-guard") {
    world w;
    connect_echo(w);
    w.run_for(1100ms);
    w.send("+++");
    w.run_for(500ms);
    w.send("a");
    w.run_for(3s);
    CHECK(w.m().mode() == modem_mode::online_data);
  }
  SUBCASE("a fourth +") {
    world w;
    connect_echo(w);
    w.run_for(1100ms);
    w.send("++++");
    w.run_for(3s);
    CHECK(w.m().mode() == modem_mode::online_data);
  }
  SUBCASE("+ characters typed slowly but within the guard still escape") {
    world w;
    connect_echo(w);
    w.run_for(2s);
    w.send("+");
    w.run_for(900ms);
    w.send("+");
    w.run_for(900ms);
    w.send("+");
    w.run_for(1001ms);
    CHECK(w.m().mode() == modem_mode::online_command);
  }
  SUBCASE("S12 changes the guard time") {
    world w;
    w.send("ATS12=10\r");  // 200 ms
    connect_echo(w);
    w.run_for(250ms);
    w.send("+++");
    w.run_for(250ms);
    CHECK(w.m().mode() == modem_mode::online_command);
  }
  SUBCASE("S2 above 127 disables the escape") {
    world w;
    w.send("ATS2=200\r");
    connect_echo(w);
    w.run_for(1100ms);
    w.send("+++");
    w.run_for(3s);
    CHECK(w.m().mode() == modem_mode::online_data);
  }
}

TEST_CASE("ATH in online-command state answers OK, not NO CARRIER") {
  world w;
  connect_echo(w);
  w.run_for(1100ms);
  w.send("+++");
  w.run_for(1100ms);
  w.take();
  w.send("ATH\r");
  CHECK(w.take() == "\r\nOK\r\n");
  CHECK_FALSE(w.m().off_hook());
  CHECK(w.m().mode() == modem_mode::command);
  w.run_for(10s);
  CHECK(w.out[0].find("NO CARRIER") == std::string::npos);
}

TEST_CASE("ATO in online-command state returns to data with CONNECT again") {
  world w;
  connect_echo(w);
  w.run_for(1100ms);
  w.send("+++");
  w.run_for(1100ms);
  w.take();
  SUBCASE("ATA and ATD are refused online") {
    w.send("ATA\r");
    CHECK(w.take() == "\r\nERROR\r\n");
    w.send("ATDT5550100\r");
    CHECK(w.take() == "\r\nERROR\r\n");
    CHECK(w.m().mode() == modem_mode::online_command);
  }
  SUBCASE("ATO") {
    w.send("ATO\r");
    CHECK(w.take() == "\r\nCONNECT 33600\r\n");
    CHECK(w.m().mode() == modem_mode::online_data);
    w.send("ping");
    w.run_for(100ms);
    CHECK(w.take() == "ping");
  }
}

TEST_CASE("the busy number gives BUSY with X4 and NO CARRIER after S7 with X0") {
  SUBCASE("X4") {
    world w;
    w.send("ATE0\r");
    w.take();
    w.send("ATDT5550110\r");
    REQUIRE(w.run_until("\r\n", 20s));
    CHECK(w.take() == "\r\nBUSY\r\n");
    CHECK_FALSE(w.m().off_hook());
  }
  SUBCASE("X0") {
    world w;
    w.send("ATE0X0S7=5\r");
    w.take();
    w.send("ATDT5550110\r");
    w.run_for(4s);
    CHECK(w.out[0].empty());
    REQUIRE(w.run_until("\r\n", 20s));
    CHECK(w.take() == "\r\nNO CARRIER\r\n");
  }
}

TEST_CASE("a number that never answers gives NO ANSWER when S7 runs out (generic = Conexant)") {
  world w;
  w.send("ATE0S7=10\r");
  w.take();
  w.send("ATDT5550120\r");
  w.run_for(10s);
  CHECK(w.out[0].empty());
  CHECK(w.m().mode() == modem_mode::dialing);
  REQUIRE(w.run_until("\r\n", 10s));
  CHECK(w.take() == "\r\nNO ANSWER\r\n");
  CHECK_FALSE(w.m().off_hook());
}

TEST_CASE("the usr personality gives NO CARRIER for a number that never answers") {
  world w(1, "usr");
  w.send("ATE0S7=10\r");
  w.take();
  w.send("ATDT5550120\r");
  REQUIRE(w.run_until("\r\n", 30s));
  CHECK(w.take() == "\r\nNO CARRIER\r\n");
}

TEST_CASE("no dial tone gives NO DIALTONE with X4 and a blind-dial NO CARRIER with X3") {
  SUBCASE("X4") {
    world w;
    w.x.set_dial_tone(0, false);
    w.send("ATE0\r");
    w.take();
    w.send("ATDT5550100\r");
    REQUIRE(w.run_until("\r\n", 20s));
    CHECK(w.take() == "\r\nNO DIALTONE\r\n");
    CHECK_FALSE(w.m().off_hook());
  }
  SUBCASE("conexant spells it NO DIAL TONE") {
    world w(1, "conexant");
    w.x.set_dial_tone(0, false);
    w.send("ATE0\r");
    w.take();
    w.send("ATDT5550100\r");
    REQUIRE(w.run_until("\r\n", 20s));
    CHECK(w.take() == "\r\nNO DIAL TONE\r\n");
  }
  SUBCASE("X3") {
    world w;
    w.x.set_dial_tone(0, false);
    w.send("ATE0X3S7=5\r");
    w.take();
    w.send("ATDT5550100\r");
    REQUIRE(w.run_until("\r\n", 30s));
    CHECK(w.take() == "\r\nNO CARRIER\r\n");
  }
}

TEST_CASE("any character while dialing aborts with NO CARRIER, except in the first 125 ms") {
  world w;
  w.send("ATE0\r");
  w.take();
  w.send("ATDT5550100\r\n");  // the LF arrives with the CR: inside the window
  w.run_for(100ms);
  w.send("\n");
  CHECK(w.m().mode() == modem_mode::dialing);
  w.run_for(100ms);
  w.send("x");
  CHECK(w.take() == "\r\nNO CARRIER\r\n");
  CHECK_FALSE(w.m().off_hook());
  w.run_for(60s);
  CHECK(w.out[0].empty());
}

TEST_CASE("the remote hanging up gives NO CARRIER after S10") {
  world w;
  connect_echo(w);
  w.x.drop_carrier(0, w.t);
  w.run_for(1300ms);
  CHECK(w.out[0].empty());
  CHECK(w.m().off_hook());
  w.run_for(200ms);
  CHECK(w.take() == "\r\nNO CARRIER\r\n");
  CHECK_FALSE(w.m().off_hook());
  CHECK(w.m().mode() == modem_mode::command);
}

TEST_CASE("5550140 drops the carrier 10 s after CONNECT") {
  world w;
  w.send("ATE0\r");
  w.take();
  w.send("ATDT5550140\r");
  REQUIRE(w.run_until("CONNECT", 60s));
  w.take();
  w.run_for(11s);
  CHECK(w.out[0].empty());
  w.run_for(1s);
  CHECK(w.take() == "\r\nNO CARRIER\r\n");
}

TEST_CASE("an unknown number gives NO CARRIER") {
  world w;
  w.send("ATE0\r");
  w.take();
  w.send("ATDT5559999\r");
  REQUIRE(w.run_until("\r\n", 60s));
  CHECK(w.take() == "\r\nNO CARRIER\r\n");
}

TEST_CASE("ATD...; dials and returns to command state off-hook with OK") {
  world w;
  w.send("ATE0\r");
  w.take();
  w.send("ATDT5550120;\r");
  REQUIRE(w.run_until("\r\n", 10s));
  CHECK(w.take() == "\r\nOK\r\n");
  CHECK(w.m().off_hook());
  CHECK(w.m().mode() == modem_mode::off_hook_idle);
  w.send("ATH\r");
  CHECK(w.take() == "\r\nOK\r\n");
  CHECK_FALSE(w.m().off_hook());
}

TEST_CASE("a call between two simulated modems: RING, ATA, data both ways, hang-up") {
  world w(2);
  w.send("ATE0\r", 0);
  w.send("ATE0\r", 1);
  w.take(0);
  w.take(1);
  w.x.dtr_on(1, w.t);
  w.send("ATDT5551001\r", 0);
  REQUIRE(w.run_until("RING", 10s, 1));
  CHECK(w.take(1) == "\r\nRING\r\n");
  CHECK(w.m(1).mode() == modem_mode::ringing);
  CHECK(w.m(1).s_register(1) == 1);
  w.send("ATA\r", 1);
  CHECK(w.m(1).mode() == modem_mode::answering);
  REQUIRE(w.run_until("CONNECT", 30s, 1));
  REQUIRE(w.run_until("CONNECT", 1s, 0));
  CHECK(w.take(0) == "\r\nCONNECT 33600\r\n");
  CHECK(w.take(1) == "\r\nCONNECT 33600\r\n");
  w.send("hello", 0);
  w.send("world", 1);
  w.run_for(100ms);
  CHECK(w.take(1) == "hello");
  CHECK(w.take(0) == "world");
  // Modem 1 escapes and hangs up: modem 0 gets NO CARRIER after its S10.
  w.run_for(1100ms);
  w.send("+++", 1);
  w.run_for(1100ms);
  w.send("ATH\r", 1);
  CHECK(w.take(1) == "\r\nOK\r\n\r\nOK\r\n");
  REQUIRE(w.run_until("NO CARRIER", 3s, 0));
  CHECK(w.take(0).find("\r\nNO CARRIER\r\n") != std::string::npos);
  CHECK_FALSE(w.m(0).off_hook());
  CHECK_FALSE(w.m(1).off_hook());
}

TEST_CASE("S0=2 auto-answers on the second ring; a busy modem line gives BUSY") {
  world w(3);
  for (std::size_t i = 0; i < 3; ++i) {
    w.send("ATE0\r", i);
    w.take(i);
  }
  w.send("ATS0=2\r", 1);
  w.take(1);
  w.send("ATDT5551001\r", 0);
  REQUIRE(w.run_until("CONNECT", 60s, 1));
  CHECK(w.take(1) == "\r\nRING\r\n\r\nRING\r\n\r\nCONNECT 33600\r\n");
  REQUIRE(w.run_until("CONNECT", 1s, 0));
  w.send("ATDT5551001\r", 2);
  REQUIRE(w.run_until("\r\n", 20s, 2));
  CHECK(w.take(2) == "\r\nBUSY\r\n");
}

TEST_CASE("the login service prompts, rejects a wrong password and accepts demo/demo") {
  world w;
  w.send("ATE0\r");
  w.take();
  w.send("ATDT5550102\r");
  REQUIRE(w.run_until("login: ", 60s));
  w.take();
  w.send("demo\r");
  REQUIRE(w.run_until("Password: ", 1s));
  CHECK(w.take() == "demo\r\nPassword: ");
  w.send("wrong\r");
  REQUIRE(w.run_until("login: ", 1s));
  CHECK(w.take() == "\r\nLogin incorrect\r\n\r\nlogin: ");
  w.send("demo\r");
  REQUIRE(w.run_until("Password: ", 1s));
  w.send("demo\r");
  REQUIRE(w.run_until("echoed back.\r\n", 1s));
  w.take();
  w.send("abc");
  w.run_for(100ms);
  CHECK(w.take() == "abc");
}

TEST_CASE("a voice answering gives VOICE on conexant and NO CARRIER on generic") {
  SUBCASE("generic") {
    world w;
    w.send("ATE0\r");
    w.take();
    w.send("ATDT5550130\r");
    REQUIRE(w.run_until("\r\n", 60s));
    CHECK(w.take() == "\r\nNO CARRIER\r\n");
  }
  SUBCASE("conexant") {
    world w(1, "conexant");
    w.send("ATE0\r");
    w.take();
    w.send("ATDT5550130\r");
    REQUIRE(w.run_until("\r\n", 60s));
    CHECK(w.take() == "\r\nVOICE\r\n");
  }
}

TEST_CASE("cellular ATD*99# connects quickly without dial tone or digits") {
  world w(1, "cellular");
  w.send("ATE0\r");
  w.take();
  w.send("ATD*99#\r");
  w.run_for(500ms);
  CHECK(w.out[0].empty());
  REQUIRE(w.run_until("CONNECT", 2s));
  CHECK(w.take() == "\r\nCONNECT 115200\r\n");
}

TEST_CASE("DTR drop with &D2 hangs up; with &D1 it goes to online-command state") {
  SUBCASE("&D2") {
    world w;
    connect_echo(w);
    w.x.dtr_off(0, w.t);
    CHECK(w.take() == "\r\nOK\r\n");
    CHECK_FALSE(w.m().off_hook());
  }
  SUBCASE("&D1") {
    world w;
    w.send("AT&D1\r");
    connect_echo(w);
    w.x.dtr_off(0, w.t);
    CHECK(w.take() == "\r\nOK\r\n");
    CHECK(w.m().off_hook());
    CHECK(w.m().mode() == modem_mode::online_command);
  }
}

TEST_CASE("AT#UD after a call reports the rate and the hang-up cause") {
  world w;
  connect_echo(w);
  w.run_for(1100ms);
  w.send("+++");
  w.run_for(1100ms);
  w.send("ATH\r");
  w.take();
  w.send("AT#UD\r");
  const std::string o = w.take();
  CHECK(o.find("DIAG <2A4D3263 1=7 2=0 3=0>") != std::string::npos);
  CHECK(o.find("34=8340") != std::string::npos);  // 33600 = 0x8340
  CHECK(o.find("60=51>") != std::string::npos);   // DTE hang-up (ATH)
}

TEST_CASE("caller ID (#CID=1) reports formatted tags between the first and second RING") {
  world w(2);
  w.send("ATE0#CID=1\r", 1);
  w.take(1);
  w.send("ATDT5551001\r", 0);
  REQUIRE(w.run_until("RING\r\n\r\nDATE", 10s, 1));
  REQUIRE(w.run_until("RING", 7s, 1));
  w.run_for(7s);
  const std::string o = w.take(1);
  CHECK(o.rfind("\r\nRING\r\n\r\nDATE = 0101\r\n\r\nTIME = 0000\r\n\r\nNMBR = 5551000\r\n"
                "\r\nNAME = DIALUP SIM\r\n\r\nRING\r\n", 0) == 0);
}

TEST_CASE("+VCID=2 reports the caller ID packet as hex") {
  world w(2);
  w.send("ATE0+VCID=2\r", 1);
  w.take(1);
  w.send("ATDT5551001\r", 0);
  REQUIRE(w.run_until("RING", 10s, 1));
  w.run_for(1s);
  const std::string o = w.take(1);
  // 04 len "0101" "0000" "5551000" checksum
  CHECK(o.find("\r\n040F") != std::string::npos);
  CHECK(o.find("35353531303030") != std::string::npos);  // "5551000"
}

TEST_CASE("fault: responses delayed past the client's timeout arrive late, in order") {
  world w;
  modem_faults f;
  f.response_delay = 3s;
  w.x.set_faults(0, f);
  w.send("ATE0\r");
  w.run_for(2900ms);
  CHECK(w.out[0].empty());
  w.send("ATI\r");
  w.run_for(200ms);
  CHECK(w.take() == "ATE0\r\r\nOK\r\n");
  w.run_for(3s);
  CHECK(w.take() == "\r\n33600\r\n\r\nOK\r\n");
}

TEST_CASE("fault: responses split across writes") {
  world w;
  modem_faults f;
  f.split_writes = 2;
  f.split_gap = 10ms;
  w.x.set_faults(0, f);
  std::vector<std::string> writes;
  w.x.set_output(0, [&](std::string_view b) { writes.emplace_back(b); });
  w.send("AT\r");
  w.run_for(100ms);
  std::string all;
  for (const auto& s : writes) {
    CHECK(s.size() <= 2);
    all += s;
  }
  CHECK(all == "AT\r\r\nOK\r\n");
  CHECK(writes.size() == 6);  // A, T, CR echoed one by one, then "\r\n" "OK" "\r\n"
}

TEST_CASE("fault: garbage after ATZ follows the OK") {
  world w;
  modem_faults f;
  f.garbage_after_reset = std::string("\xff\x00RDY\r\n", 7);
  w.x.set_faults(0, f);
  w.send("ATE0\r");
  w.take();
  w.send("ATZ\r");
  CHECK(w.take() == std::string("\r\nOK\r\n\xff\x00RDY\r\n", 13));
}

TEST_CASE("fault: a modem stuck in data mode ignores +++ and DTR drops") {
  world w;
  connect_echo(w);
  modem_faults f;
  f.stuck_in_data = true;
  w.x.set_faults(0, f);
  w.run_for(1100ms);
  w.send("+++");
  w.run_for(1100ms);
  CHECK(w.m().mode() == modem_mode::online_data);
  w.x.dtr_off(0, w.t);
  CHECK(w.m().mode() == modem_mode::online_data);
  CHECK(w.m().off_hook());
  w.x.set_faults(0, modem_faults{});
  w.x.dtr_on(0, w.t);
  w.x.dtr_off(0, w.t);
  CHECK_FALSE(w.m().off_hook());
}

TEST_CASE("the noisy line corrupts some echoed bytes") {
  world w;
  w.send("ATE0\r");
  w.take();
  w.send("ATDT5550150\r");
  REQUIRE(w.run_until("CONNECT", 60s));
  w.take();
  const std::string msg(2000, 'a');
  w.send(msg);
  w.run_for(2s);
  const std::string got = w.take();
  REQUIRE(got.size() == msg.size());
  std::size_t bad = 0;
  for (char c : got) bad += c != 'a';
  CHECK(bad > 5);     // 2 % of 2000 ≈ 40
  CHECK(bad < 200);
}

TEST_CASE("USR ATI6 and ATI11 report the last call") {
  world w(1, "usr");
  w.send("ATE0\r");
  w.take();
  w.send("ATDT5550100\r");
  REQUIRE(w.run_until("CONNECT", 60s));
  w.send("0123456789");
  w.run_for(1100ms);
  w.send("+++");
  w.run_for(1100ms);
  w.send("ATH\r");
  w.take();
  w.send("ATI6\r");
  const std::string i6 = w.take();
  CHECK(i6.find("Link Diagnostics") != std::string::npos);
  CHECK(i6.find("Chars sent                  13") != std::string::npos);
  CHECK(i6.find("Speed               33600/33600") != std::string::npos);
  CHECK(i6.find("Disconnect Reason is Escape code") != std::string::npos);
  CHECK(i6.rfind("\r\nOK\r\n") == i6.size() - 6);
  w.send("ATI11\r");
  CHECK(w.take().find("Modulation                 V.34") != std::string::npos);
}

TEST_CASE("W1 and +MR/+ER/+DR add the negotiation reports before CONNECT") {
  SUBCASE("W1") {
    world w;
    w.send("ATE0W1\r");
    w.take();
    w.send("ATDT5550100\r");
    REQUIRE(w.run_until("CONNECT", 60s));
    CHECK(w.take() ==
          "\r\nCARRIER 33600\r\n\r\nPROTOCOL: NONE\r\n\r\nCOMPRESSION: NONE\r\n\r\nCONNECT 33600\r\n");
  }
  SUBCASE("+MR=1;+ER=1;+DR=1") {
    world w;
    w.send("ATE0+MR=1;+ER=1;+DR=1\r");
    CHECK(w.take() == "ATE0+MR=1;+ER=1;+DR=1\r\r\nOK\r\n");
    w.send("ATDT5550100\r");
    REQUIRE(w.run_until("CONNECT", 60s));
    CHECK(w.take() ==
          "\r\n+MCR: V34\r\n\r\n+MRR: 33600,33600\r\n\r\n+ER: NONE\r\n\r\n+DR: NONE\r\n\r\nCONNECT 33600\r\n");
  }
  SUBCASE("+MS limits the rate") {
    world w;
    w.send("ATE0+MS=10,1,300,14400\r");
    CHECK(w.take() == "ATE0+MS=10,1,300,14400\r\r\nOK\r\n");
    w.send("ATDT5550100\r");
    REQUIRE(w.run_until("CONNECT", 60s));
    CHECK(w.take() == "\r\nCONNECT 14400\r\n");
  }
}

TEST_CASE("in V0 the caller ID lines are text, not numeric codes") {
  world w(2);
  w.send("ATE0V0#CID=1\r", 1);
  w.take(1);
  w.send("ATDT5551001\r", 0);
  REQUIRE(w.run_until("NAME", 10s, 1));
  CHECK(w.take(1) == "2\rDATE = 0101\r\nTIME = 0000\r\nNMBR = 5551000\r\nNAME = DIALUP SIM\r\n");
}

TEST_CASE("an outside-line prefix and an area code in front of a number still reach it") {
  world w;
  w.send("ATE0\r");
  w.take();
  w.send("ATDT9,1-555-555-0100\r");
  REQUIRE(w.run_until("CONNECT", 60s));
  CHECK(w.take() == "\r\nCONNECT 33600\r\n");
}

TEST_CASE("pulse dialing takes longer than tone dialing") {
  world tone, pulse;
  for (auto* w : {&tone, &pulse}) {
    w->send("ATE0\r");
    w->take();
  }
  tone.send("ATDT5550100\r");
  pulse.send("ATDP5550100\r");
  REQUIRE(tone.run_until("CONNECT", 60s));
  REQUIRE(pulse.run_until("CONNECT", 60s));
  // 5550100 by pulse: 46 pulses × 100 ms + 7 × 750 ms = 9.85 s; by tone 7 × 190 ms.
  CHECK(pulse.t - tone.t > 6s);
}

TEST_CASE("S1 counts rings and is cleared 8 s after the last ring or when a call ends") {
  world w(2);
  w.send("ATE0\r", 1);
  w.take(1);
  w.send("ATE0S7=15\r", 0);
  w.send("ATDT5551001\r", 0);
  REQUIRE(w.run_until("RING", 10s, 1));
  w.run_for(6s);
  CHECK(w.m(1).s_register(1) == 2);
  REQUIRE(w.run_until("NO ANSWER", 20s, 0));  // the caller gives up
  w.run_for(9s);
  CHECK(w.m(1).s_register(1) == 0);
  CHECK(w.m(1).mode() == modem_mode::command);
}

TEST_CASE("a retrain pauses the data both ways for the retrain time, and is counted for ATI6") {
  world w(1, "usr");
  connect_echo(w);
  w.x.retrain(0, w.t);
  w.send("x");
  // Nothing comes back while the modems retrain (3 s).
  w.run_for(2500ms);
  CHECK(w.take().empty());
  CHECK(w.run_until("x", 2s));
  CHECK(w.m().last_call().retrains == 1);
  CHECK(w.m().connect_rate() == 33600);  // a clean line keeps its rate
  w.take();
  w.run_for(1500ms);  // +++ guard
  w.send("+++");
  REQUIRE(w.run_until("OK", 5s));
  w.take();
  w.send("ATI6\r");
  REQUIRE(w.run_until("OK", 5s));
  CHECK(w.take().find("Retrains Requested           1   Retrains Granted             1") != std::string::npos);
}

TEST_CASE("a noisy line with retrain-every retrains periodically and falls back 2400 bit/s each time") {
  world w;
  number_entry e;
  e.number = "5550155";
  e.kind = service_kind::noisy;
  e.error_rate = 0;
  e.retrain_every = 10s;
  w.x.add_number(e);
  w.send("ATE0\r");
  w.take();
  w.send("ATDT5550155\r");
  REQUIRE(w.run_until("CONNECT 33600", 60s));
  w.run_for(25s);
  CHECK(w.m().last_call().retrains == 2);
  CHECK(w.m().connect_rate() == 33600 - 2 * 2400);
  CHECK(w.m().mode() == modem_mode::online_data);
}

// ------------------------------------------------------------ login and callback services

namespace {

const std::string k_welcome_demo =
    "\r\n\r\nWelcome, demo. You are logged in to the dialup hw-sim.\r\n"
    "Everything you type is echoed back.\r\n";

// Modem i dials `number` (a login or callback service) and is shown the login prompt.
void dial_login(world& w, const std::string& number, std::size_t i = 0) {
  w.send("ATDT" + number + "\r", i);
  REQUIRE(w.run_until("login: ", 60s, i));
  w.take(i);
}

// Modem i logs in to the callback service as demo and is asked for the callback number.
void callback_prompt(world& w, std::size_t i = 0) {
  dial_login(w, "5550104", i);
  w.send("demo\r", i);
  REQUIRE(w.run_until("Password: ", 1s, i));
  CHECK(w.take(i) == "demo\r\nPassword: ");
  w.send("demo\r", i);
  REQUIRE(w.run_until("Callback number: ", 1s, i));
  CHECK(w.take(i) == "\r\nCallback number: ");
}

std::size_t count_of(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

}  // namespace

TEST_CASE("the callback service hangs up, rings the modem back with its caller ID, and logs in again") {
  world w;
  w.send("ATE0#CID=1\r");
  w.take();
  w.send("ATDT5550104\r");
  REQUIRE(w.run_until("login: ", 60s));
  CHECK(w.take() == "\r\nCONNECT 33600\r\n\r\nWelcome to the dialup hw-sim callback service.\r\n\r\nlogin: ");
  CHECK(w.m().last_call().originated);
  w.send("demo\r");
  REQUIRE(w.run_until("Password: ", 1s));
  CHECK(w.take() == "demo\r\nPassword: ");
  w.send("demo\r");
  REQUIRE(w.run_until("Callback number: ", 1s));
  CHECK(w.take() == "\r\nCallback number: ");
  // The number is echoed as typed; a backspace edits it.
  w.send(exchange::own_number(0) + "9\b\r");
  REQUIRE(w.run_until("5551000.\r\n", 1s));
  const sim_time delivered = w.t;
  CHECK(w.take() == "55510009\r\nCalling you back at 5551000.\r\n");
  // Typing on now goes nowhere; the service hangs up 1 s after the text arrived, and the
  // modem sees the carrier drop (NO CARRIER after S10 = 1.4 s).
  w.send("ignored\r");
  w.run_for(999ms);
  CHECK(w.m().mode() == modem_mode::online_data);
  CHECK(w.take().empty());
  REQUIRE(w.run_until("NO CARRIER", 2s));
  CHECK(w.t - delivered == 2400ms);
  CHECK(w.take() == "\r\nNO CARRIER\r\n");
  CHECK_FALSE(w.m().off_hook());
  // callback_delay (5 s) after the hang-up the call is placed; post-dial delay 1.5 s; RING.
  REQUIRE(w.run_until("RING", 10s));
  CHECK(w.t - delivered == 1s + 5s + 1500ms);
  CHECK(w.m().mode() == modem_mode::ringing);
  REQUIRE(w.run_until("NAME = DIALUP SIM\r\n", 6s));
  CHECK(w.take() == "\r\nRING\r\n\r\nDATE = 0101\r\n\r\nTIME = 0000\r\n\r\nNMBR = 5550104\r\n"
                    "\r\nNAME = DIALUP SIM\r\n");
  // The second RING 6 s after the first, then ATA: answer tone and training as usual.
  REQUIRE(w.run_until("RING", 6s));
  CHECK(w.t - delivered == 1s + 5s + 1500ms + 6s);
  w.take();
  w.send("ATA\r");
  CHECK(w.m().mode() == modem_mode::answering);
  const sim_time answered = w.t;
  REQUIRE(w.run_until("CONNECT", 30s));
  CHECK(w.t - answered == 2s + 3300ms + 6s);
  REQUIRE(w.run_until("login: ", 1s));
  CHECK(w.take() == "\r\nCONNECT 33600\r\n\r\nThis is the dialup hw-sim calling you back.\r\n\r\nlogin: ");
  CHECK(w.m().mode() == modem_mode::online_data);
  CHECK_FALSE(w.m().last_call().originated);
  // Login again; no callback question on this leg.
  w.send("demo\r");
  REQUIRE(w.run_until("Password: ", 1s));
  CHECK(w.take() == "demo\r\nPassword: ");
  w.send("wrong\r");
  REQUIRE(w.run_until("login: ", 1s));
  CHECK(w.take() == "\r\nLogin incorrect\r\n\r\nlogin: ");
  w.send("demo\rdemo\r");
  REQUIRE(w.run_until("echoed back.\r\n", 1s));
  CHECK(w.take() ==
        "demo\r\nPassword: \r\n\r\nWelcome back, demo. You are logged in to the dialup hw-sim.\r\n"
        "Everything you type is echoed back.\r\n");
  // Echo, paced at the line rate both ways: the modem's data is booked on its own
  // direction (tx_backlog), 336 characters at 3360 cps take 100 ms there and 100 ms back.
  const std::string msg(336, 'x');
  w.send(msg);
  CHECK(w.x.tx_backlog(0) >= 95ms);
  w.run_for(60ms);
  CHECK(w.out[0].size() > 150);
  CHECK(w.out[0].size() < 210);
  w.run_for(60ms);
  CHECK(w.take() == msg);
  // The modem hangs up the callback leg like any call.
  w.x.dtr_off(0, w.t);
  CHECK(w.take() == "\r\nOK\r\n");
  CHECK_FALSE(w.m().off_hook());
}

TEST_CASE("the callback leg rings another modem, which auto-answers with S0") {
  world w(2);
  for (std::size_t i = 0; i < 2; ++i) {
    w.send("ATE0\r", i);
    w.take(i);
  }
  w.send("ATS0=2\r", 1);
  w.take(1);
  callback_prompt(w, 0);
  w.send("9," + exchange::own_number(1) + "\r", 0);  // matched like any dialed number
  REQUIRE(w.run_until("NO CARRIER", 5s, 0));
  REQUIRE(w.run_until("login: ", 60s, 1));
  CHECK(w.take(1) == "\r\nRING\r\n\r\nRING\r\n\r\nCONNECT 33600\r\n"
                     "\r\nThis is the dialup hw-sim calling you back.\r\n\r\nlogin: ");
  w.send("demo\r\ndemo\r\nzq", 1);
  REQUIRE(w.run_until("zq", 1s, 1));
  CHECK(w.take(1) ==
        "demo\r\nPassword: \r\n\r\nWelcome back, demo. You are logged in to the dialup hw-sim.\r\n"
        "Everything you type is echoed back.\r\nzq");
  CHECK(w.take(0).find("RING") == std::string::npos);
}

TEST_CASE("an empty callback number logs in without a callback") {
  world w;
  w.send("ATE0\r");
  w.take();
  dial_login(w, "5550104");
  w.send("demo\r");
  REQUIRE(w.run_until("Password: ", 1s));
  w.take();
  // CR LF after the password is one line end, not an empty callback number.
  w.send("demo\r\n");
  w.run_for(1s);
  CHECK(w.take() == "\r\nCallback number: ");
  w.send("\r\n");
  REQUIRE(w.run_until("echoed back.\r\n", 1s));
  CHECK(w.take() == "\r\nNo callback.\r\n\r\nWelcome, demo. You are logged in to the dialup hw-sim.\r\n"
                    "Everything you type is echoed back.\r\n");
  w.send("xyz");
  w.run_for(100ms);
  CHECK(w.take() == "xyz");
  // The call stays up and nothing calls back.
  w.run_for(60s);
  CHECK(w.m().mode() == modem_mode::online_data);
  CHECK(w.take().empty());
}

TEST_CASE("a callback number that is no simulated modem's is dropped: nothing rings") {
  for (const char* number : {"5550100", "5551009", "hello"}) {
    CAPTURE(number);
    world w(2);
    for (std::size_t i = 0; i < 2; ++i) {
      w.send("ATE0\r", i);
      w.take(i);
    }
    callback_prompt(w, 0);
    w.send(std::string(number) + "\r", 0);
    REQUIRE(w.run_until("NO CARRIER", 5s, 0));
    w.take(0);
    w.run_for(120s);
    CHECK(w.take(0).empty());
    CHECK(w.take(1).empty());
    CHECK(w.m(0).mode() == modem_mode::command);
    CHECK(w.m(1).mode() == modem_mode::command);
    CHECK_FALSE(w.x.next_deadline());  // nothing left to happen
  }
}

TEST_CASE("an unanswered callback rings 8 times, then the service gives up and the line is free") {
  world w;
  w.send("ATE0\r");
  w.take();
  callback_prompt(w);
  w.send(exchange::own_number(0) + "\r");
  REQUIRE(w.run_until("NO CARRIER", 5s));
  w.take();
  REQUIRE(w.run_until("RING", 10s));
  // Ring 8 starts 42 s after ring 1; the service gives up when the 9th would start (48 s).
  w.run_for(47900ms);
  CHECK(count_of(w.out[0], "RING") == 8);
  CHECK(w.m().mode() == modem_mode::ringing);
  w.run_for(200ms);
  CHECK(w.m().mode() == modem_mode::command);
  w.run_for(60s);
  CHECK(count_of(w.take(), "RING") == 8);
  CHECK(w.m().s_register(1) == 0);
  // ATA now finds no call; a dial out works as on any free line.
  w.send("ATA\r");
  REQUIRE(w.run_until("NO CARRIER", 60s));
  CHECK(w.take() == "\r\nNO CARRIER\r\n");
  connect_echo(w);
}

TEST_CASE("a busy line when the callback is placed: the service gives up") {
  world w;
  w.send("ATE0\r");
  w.take();
  callback_prompt(w);
  w.send(exchange::own_number(0) + "\r");
  REQUIRE(w.run_until("NO CARRIER", 5s));
  w.take();
  SUBCASE("in a call of its own (dialing a number that never answers)") {
    w.send("ATS7=30DT5550120\r");
    REQUIRE(w.run_until("NO ANSWER", 60s));
  }
  SUBCASE("off-hook without a call (ATH1)") {
    w.send("ATH1\r");
    w.run_for(20s);
    // The line was not taken: a dial from off-hook goes through.
    w.send("ATDT5550100\r");
    REQUIRE(w.run_until("CONNECT", 60s));
    w.x.dtr_off(0, w.t);
  }
  w.take();
  // Had the service not given up, it would still be ringing now.
  w.run_for(120s);
  CHECK(w.take().empty());
  CHECK(w.m().mode() == modem_mode::command);
}

TEST_CASE("callback_delay sets when the service calls back") {
  world w;
  auto e = exchange::default_number_plan();
  const auto it = std::find_if(e.begin(), e.end(), [](const number_entry& x) { return x.number == "5550104"; });
  REQUIRE(it != e.end());
  CHECK(it->kind == service_kind::callback);
  CHECK(it->callback_delay == 5s);
  number_entry fast = *it;
  fast.callback_delay = 0ms;
  w.x.add_number(fast);
  w.send("ATE0S10=1\r");
  w.take();
  callback_prompt(w);
  w.send(exchange::own_number(0) + "\r");
  REQUIRE(w.run_until(".\r\n", 1s));
  const sim_time delivered = w.t;
  REQUIRE(w.run_until("RING", 10s));
  CHECK(w.t - delivered == 1s + 0s + 1500ms);
}

TEST_CASE("an expired password must be changed; the new one holds for later calls, the old one fails") {
  world w;
  w.send("ATE0\r");
  w.take();
  dial_login(w, "5550102");
  w.send("expired\r");
  REQUIRE(w.run_until("Password: ", 1s));
  CHECK(w.take() == "expired\r\nPassword: ");
  w.send("old\r");
  REQUIRE(w.run_until("New password: ", 1s));
  CHECK(w.take() == "\r\nYour password has expired. You must change it now.\r\nNew password: ");
  w.send("n3w\b\bew\r");  // not echoed; backspace edits
  REQUIRE(w.run_until("Retype new password: ", 1s));
  CHECK(w.take() == "\r\nRetype new password: ");
  w.send("new\r");
  REQUIRE(w.run_until("echoed back.\r\n", 1s));
  CHECK(w.take() == "\r\nPassword changed.\r\n\r\nWelcome, expired. You are logged in to the dialup hw-sim.\r\n"
                    "Everything you type is echoed back.\r\n");
  w.send("abc");
  w.run_for(100ms);
  CHECK(w.take() == "abc");
  w.x.dtr_off(0, w.t);
  w.take();

  // A later call: the old password is refused, the new one logs in without a change.
  dial_login(w, "5550102");
  w.send("expired\rold\r");
  REQUIRE(w.run_until("Login incorrect\r\n\r\nlogin: ", 1s));
  w.take();
  w.send("expired\rnew\r");
  REQUIRE(w.run_until("echoed back.\r\n", 1s));
  CHECK(w.take() == "expired\r\nPassword: \r\n\r\nWelcome, expired. You are logged in to the dialup hw-sim.\r\n"
                    "Everything you type is echoed back.\r\n");
  w.x.dtr_off(0, w.t);
  w.take();

  // The callback service knows the new password too.
  dial_login(w, "5550104");
  w.send("expired\rnew\r");
  REQUIRE(w.run_until("Callback number: ", 1s));
  CHECK(w.take() == "expired\r\nPassword: \r\nCallback number: ");
  w.send("\r");
  REQUIRE(w.run_until("echoed back.\r\n", 1s));
  CHECK(w.take() == "\r\nNo callback.\r\n\r\nWelcome, expired. You are logged in to the dialup hw-sim.\r\n"
                    "Everything you type is echoed back.\r\n");
}

TEST_CASE("a password change with different or empty passwords is refused and the password stays expired") {
  const std::pair<const char*, const char*> vectors[] = {
      {"new\r", "other\r"}, {"new\r", "\r"}, {"\r", "\r"}, {"\r", "new\r"}};
  for (const auto& [first, retype] : vectors) {
    {
      CAPTURE(first);
      CAPTURE(retype);
      world w;
      w.send("ATE0\r");
      w.take();
      dial_login(w, "5550102");
      w.send("expired\rold\r");
      REQUIRE(w.run_until("New password: ", 1s));
      w.take();
      w.send(first);
      REQUIRE(w.run_until("Retype new password: ", 1s));
      w.take();
      w.send(retype);
      REQUIRE(w.run_until("login: ", 1s));
      CHECK(w.take() == "\r\nSorry, passwords do not match.\r\n\r\nlogin: ");
      // Still "old", still expired.
      w.send("expired\rold\r");
      REQUIRE(w.run_until("New password: ", 1s));
      CHECK(w.take() == "expired\r\nPassword: \r\nYour password has expired. You must change it now.\r\n"
                        "New password: ");
    }
  }
}

TEST_CASE("on the callback service a password change is followed by the callback question") {
  world w;
  w.send("ATE0\r");
  w.take();
  dial_login(w, "5550104");
  w.send("expired\rold\r");
  REQUIRE(w.run_until("New password: ", 1s));
  CHECK(w.take() == "expired\r\nPassword: \r\nYour password has expired. You must change it now.\r\nNew password: ");
  w.send("s3cret\rs3cret\r");
  REQUIRE(w.run_until("Callback number: ", 1s));
  CHECK(w.take() == "\r\nRetype new password: \r\nPassword changed.\r\n\r\nCallback number: ");
  w.send(exchange::own_number(0) + "\r");
  REQUIRE(w.run_until(".\r\n", 1s));
  CHECK(w.take() == "5551000\r\nCalling you back at 5551000.\r\n");
  REQUIRE(w.run_until("RING", 15s));
  w.send("ATA\r");
  REQUIRE(w.run_until("login: ", 30s));
  w.take();
  // The changed password, no second change, no callback question.
  w.send("expired\rs3cret\r");
  REQUIRE(w.run_until("echoed back.\r\n", 1s));
  CHECK(w.take() == "expired\r\nPassword: \r\n\r\nWelcome back, expired. You are logged in to the dialup hw-sim.\r\n"
                    "Everything you type is echoed back.\r\n");
}

TEST_CASE("the login service takes CR LF line ends (the LF is not an empty password)") {
  world w;
  w.send("ATE0\r");
  w.take();
  dial_login(w, "5550102");
  w.send("demo\r\ndemo\r\n");
  REQUIRE(w.run_until("echoed back.\r\n", 1s));
  CHECK(w.take() == "demo\r\nPassword: " + k_welcome_demo);
  w.send("\r\n");
  w.run_for(100ms);
  CHECK(w.take() == "\r\n");
}
