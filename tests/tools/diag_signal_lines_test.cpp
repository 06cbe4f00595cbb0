// dialup-diag signal and lines (docs/diag.md, "signal" and "lines"): the engine's +CSQ/+CESQ
// decoders on good, truncated and garbage answers; signal against the built-in simulator's
// cellular modem, whose +CSQ steps through a schedule; lines over RFC 2217 against the
// simulator, an incoming call's rings and their cadence; a pty, which has no lines.
#include "dialup/engine/cellular.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.hpp"
#include "support/exchange_world.hpp"

using dialup::test::child_process;
using namespace std::chrono_literals;
namespace cell = dialup::cellular;

namespace {

struct run_result {
  std::optional<int> status;
  std::string output;
  nlohmann::json json;
};

nlohmann::json json_of(const std::string& out) {
  std::size_t pos = 0;
  while (pos < out.size()) {
    auto end = out.find('\n', pos);
    if (end == std::string::npos) end = out.size();
    const std::string line = out.substr(pos, end - pos);
    if (!line.empty() && line.front() == '{') return nlohmann::json::parse(line, nullptr, false);
    pos = end + 1;
  }
  return nullptr;
}

run_result diag(std::vector<std::string> args, std::chrono::seconds timeout = 60s) {
  args.insert(args.begin(), DIALUP_DIAG_PATH);
  child_process p(args);
  run_result r;
  r.status = p.wait(timeout);
  r.output = p.output();
  r.json = json_of(r.output);
  return r;
}

}  // namespace

// ------------------------------------------------------------------------- decoders

TEST_CASE("+CSQ: rssi and ber decoded, 99 is not known, anything malformed is not understood") {
  const auto r = cell::parse_csq("+CSQ: 20,3");
  REQUIRE(r);
  CHECK(r->rssi == 20);
  CHECK(r->ber == 3);
  CHECK(r->dbm() == -73);
  CHECK(cell::parse_csq("+CSQ: 0,0")->dbm() == -113);
  CHECK(cell::parse_csq("+CSQ: 31,99")->dbm() == -51);
  const auto unknown = cell::parse_csq("+CSQ: 99,99");
  REQUIRE(unknown);
  CHECK_FALSE(unknown->rssi);
  CHECK_FALSE(unknown->ber);
  CHECK_FALSE(unknown->dbm());
  // Truncated, garbage, out of range: no number at all, never a wrong one.
  for (const char* bad : {"+CSQ: 20", "+CSQ: 20,", "+CSQ: ,3", "+CSQ:", "+CSQ: 2", "+CSQ: 20,3,1", "+CSQ: 32,0",
                          "+CSQ: 20,8", "+CSQ: -1,0", "+CSQ: 2x,0", "+CSQ: 20,0x", "+CSQ 20,0", "CSQ: 20,0",
                          "+CESQ: 20,0", "+CSQ: \"20\",0", "+CSQ: 100,99", "", "OK"}) {
    INFO(bad);
    CHECK_FALSE(cell::parse_csq(bad));
    CHECK_FALSE(cell::csq_to_dbm(bad));
  }
  // Every prefix of a good answer short of the whole is not understood.
  const std::string good = "+CSQ: 23,4";
  for (std::size_t n = 0; n + 1 < good.size(); ++n) {
    INFO(good.substr(0, n));
    CHECK_FALSE(cell::parse_csq(good.substr(0, n)));
  }
}

TEST_CASE("+CESQ: the six fields to dBm and dB per 27.007 §8.69, not-known values empty") {
  const auto r = cell::parse_cesq("+CESQ: 99,99,255,255,20,50");
  REQUIRE(r);
  CHECK_FALSE(r->rxlev);
  CHECK_FALSE(r->ber);
  CHECK_FALSE(r->rscp_dbm());
  CHECK_FALSE(r->ecno_db());
  CHECK(r->rsrq_db() == -10.0);
  CHECK(r->rsrp_dbm() == -91);
  const auto g = cell::parse_cesq("+CESQ: 63,7,96,49,34,97");
  REQUIRE(g);
  CHECK(g->rxlev_dbm() == -48);
  CHECK(g->ber == 7);
  CHECK(g->rscp_dbm() == -25);
  CHECK(g->ecno_db() == 0.0);
  CHECK(g->rsrq_db() == -3.0);
  CHECK(g->rsrp_dbm() == -44);
  const auto low = cell::parse_cesq("+CESQ: 0,0,0,0,0,0");
  REQUIRE(low);
  CHECK(low->rxlev_dbm() == -111);
  CHECK(low->rscp_dbm() == -121);
  CHECK(low->ecno_db() == -24.5);
  CHECK(low->rsrq_db() == -20.0);
  CHECK(low->rsrp_dbm() == -141);
  CHECK(cell::parse_cesq("+CESQ: 99,99,255,255,20,50,255,255,255"));  // with the NR fields
  for (const char* bad : {"+CESQ: 99,99,255,255,20", "+CESQ: 99,99,255,255,20,", "+CESQ: 99,99,255,255,,50",
                          "+CESQ: 64,99,255,255,20,50", "+CESQ: 99,8,255,255,20,50", "+CESQ: 99,99,97,255,20,50",
                          "+CESQ: 99,99,255,50,20,50", "+CESQ: 99,99,255,255,35,50", "+CESQ: 99,99,255,255,20,98",
                          "+CESQ: 99,99,255,255,20,50,1", "+CESQ: 99,99,255,255,20,5O", "+CESQ:", "+CSQ: 20,0",
                          "+CESQ: 99,99,255,255,20,50,x,1,1", "+CESQ: 255,99,255,255,20,50"}) {
    INFO(bad);
    CHECK_FALSE(cell::parse_cesq(bad));
  }
  // A line cut before its last field is not understood. (One cut inside the last field,
  // "…,20,5", still reads as a number: a line the AT channel delivers ended there.)
  const std::string good = "+CESQ: 99,99,255,255,20,50";
  for (std::size_t n = 0; n < good.rfind(',') + 1; ++n) {
    INFO(good.substr(0, n));
    CHECK_FALSE(cell::parse_cesq(good.substr(0, n)));
  }
}

TEST_CASE("registration words for each <stat>") {
  CHECK(cell::registration_word(0) == "not_registered");
  CHECK(cell::registration_word(1) == "home");
  CHECK(cell::registration_word(2) == "searching");
  CHECK(cell::registration_word(3) == "denied");
  CHECK(cell::registration_word(4) == "unknown");
  CHECK(cell::registration_word(5) == "roaming");
  CHECK(cell::registration_word(42) == "unknown");
}

// ------------------------------------------------------------------------- the simulator

namespace {
std::size_t count_of(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("the simulated cellular modem steps through its +CSQ schedule, one value per query, cycling") {
  dialup::hwsim::exchange::options opt;
  opt.personality = "cellular";
  opt.cellular.csq_schedule = {20, 18, 99};
  dialup::test::exchange_world w(1, "cellular", opt);
  w.send("ATE0\r");
  w.run_for(100ms);
  w.take();
  std::string got;
  for (int i = 0; i < 5; ++i) {
    w.send("AT+CSQ\r");
    w.run_for(100ms);
    got += w.take();
  }
  CHECK(got == "\r\n+CSQ: 20,99\r\n\r\nOK\r\n\r\n+CSQ: 18,99\r\n\r\nOK\r\n\r\n+CSQ: 99,99\r\n\r\nOK\r\n"
               "\r\n+CSQ: 20,99\r\n\r\nOK\r\n\r\n+CSQ: 18,99\r\n\r\nOK\r\n");
  w.send("AT+CESQ\r");
  w.run_for(100ms);
  CHECK(w.take() == "\r\n+CESQ: 99,99,255,255,20,50\r\n\r\nOK\r\n");
}

TEST_CASE("an incoming call rings the modem K times at the 2 s on / 4 s off cadence, then gives up") {
  dialup::test::exchange_world w(1, "generic");
  REQUIRE(w.x.incoming_call(0, "5550199", 3, w.t));
  CHECK_FALSE(w.x.incoming_call(0, "5550188", 3, w.t));  // the line is already ringing
  // A ring burst every 6 s: RING at 0, 6 and 12 s.
  w.run_for(1s);
  CHECK(count_of(w.out[0], "RING") == 1);
  w.run_for(6s);
  CHECK(count_of(w.out[0], "RING") == 2);
  w.run_for(6s);
  CHECK(count_of(w.out[0], "RING") == 3);
  w.run_for(60s);
  CHECK(count_of(w.out[0], "RING") == 3);  // the caller gave up
  CHECK_FALSE(w.m().off_hook());
  // The line is free again for the next call.
  CHECK(w.x.incoming_call(0, "5550188", 1, w.t));
}

// ------------------------------------------------------------------------- signal

TEST_CASE("signal on the simulated cellular modem: each sample's dBm is the schedule's, then min/mean/max") {
  const auto r = diag({"signal", "--sim", "--personality", "cellular", "--samples", "7", "--interval", "0",
                       "--sim-signal", "20,18,15,99,31", "--sim-operator", "Test Net", "--json", "--no-progress"});
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto& j = r.json;
  REQUIRE(j.is_object());
  CHECK(j["command"] == "signal");
  CHECK(j["interrupted"] == false);
  const auto& s = j["samples"];
  REQUIRE(s.size() == 7);
  // The schedule, stepped once per +CSQ and starting again after its end.
  const std::vector<std::optional<int>> rssi = {20, 18, 15, std::nullopt, 31, 20, 18};
  double last_t = -1;
  for (std::size_t i = 0; i < s.size(); ++i) {
    INFO("sample " << i);
    if (rssi[i]) {
      CHECK(s[i]["csq_rssi"] == *rssi[i]);
      CHECK(s[i]["rssi_dbm"] == -113 + 2 * *rssi[i]);
    } else {
      CHECK(s[i]["csq_rssi"].is_null());
      CHECK(s[i]["rssi_dbm"].is_null());
    }
    CHECK(s[i]["ber"].is_null());  // the simulator's BER is 99, not known
    CHECK(s[i]["registration"] == "home");
    CHECK(s[i]["creg"] == "home");
    CHECK(s[i]["cgreg"] == "home");
    CHECK(s[i]["cereg"] == "home");
    CHECK(s[i]["operator"] == "Test Net");
    CHECK(s[i]["rsrp_dbm"] == -91);
    CHECK(s[i]["rsrq_db"] == -10.0);
    REQUIRE(s[i]["cesq"].is_object());
    CHECK(s[i]["cesq"]["rxlev"].is_null());
    CHECK(s[i]["cesq"]["rsrp"] == 50);
    CHECK(s[i]["not_understood"].empty());
    CHECK(s[i]["t_s"].get<double>() >= last_t);
    last_t = s[i]["t_s"].get<double>();
  }
  CHECK(j["rssi_dbm"]["min"] == -83.0);
  CHECK(j["rssi_dbm"]["max"] == -51.0);
  CHECK(std::abs(j["rssi_dbm"]["mean"].get<double>() - (-73 - 77 - 83 - 51 - 73 - 77) / 6.0) < 1e-9);
  CHECK(j["rssi_not_known"] == 1);
  CHECK(j["not_understood"] == 0);
}

TEST_CASE("signal: the table and the CSV show the same samples") {
  const auto t = diag({"signal", "--sim", "--personality", "cellular", "--samples", "3", "--interval", "0",
                       "--sim-signal", "10,99", "--no-progress"});
  INFO(t.output);
  REQUIRE(t.status == 0);
  CHECK(t.output.find("-93 dBm") != std::string::npos);
  CHECK(t.output.find("unknown") != std::string::npos);
  CHECK(t.output.find("dialup sim") != std::string::npos);
  CHECK(t.output.find("-93 / -93.0 / -93 dBm") != std::string::npos);
  const auto c = diag({"signal", "--sim", "--personality", "cellular", "--samples", "3", "--interval", "0",
                       "--sim-signal", "10,99", "--csv", "--no-progress"});
  INFO(c.output);
  REQUIRE(c.status == 0);
  CHECK(c.output.find("t_s,csq_rssi,rssi_dbm,ber,rsrp_dbm,rsrq_db,registration,operator\n") == 0);
  CHECK(c.output.find(",10,-93,,-91,-10.0,home,dialup sim\n") != std::string::npos);
  CHECK(c.output.find(",,,,-91,-10.0,home,dialup sim\n") != std::string::npos);
  std::size_t rows = 0;
  for (char ch : c.output) rows += ch == '\n';
  CHECK(rows == 4);
}

TEST_CASE("signal --sim is the cellular personality unless another is named") {
  const auto r = diag({"signal", "--sim", "--samples", "1", "--json", "--no-progress"});
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.json["samples"][0]["rssi_dbm"] == -73);
}

TEST_CASE("signal on a modem that is not cellular: a clear message and exit status 2") {
  const auto r = diag({"signal", "--sim", "--personality", "generic", "--samples", "3", "--json", "--no-progress"});
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(r.output.find("not a cellular modem") != std::string::npos);
  CHECK(r.json.is_null());  // nothing reported as measured
}

TEST_CASE("signal: bad --sim-signal is refused") {
  const auto r = diag({"signal", "--sim", "--personality", "cellular", "--sim-signal", "20,40"});
  REQUIRE(r.status);
  CHECK(*r.status != 0);  // CLI11's validation error status, as for every option
  CHECK(*r.status != 2);
  CHECK(r.output.find("'40' is not a +CSQ <rssi>") != std::string::npos);
}

TEST_CASE("signal: Ctrl-C ends the run with the samples so far, exit status 4") {
  child_process p({DIALUP_DIAG_PATH, "signal", "--sim", "--personality", "cellular", "--samples", "100000",
                   "--interval", "0.05", "--json", "--no-progress"});
  std::this_thread::sleep_for(1500ms);
  p.signal(SIGINT);
  const auto status = p.wait(20s);
  INFO(p.output());
  CHECK(status == 4);
  const auto j = json_of(p.output());
  REQUIRE(j.is_object());
  CHECK(j["interrupted"] == true);
  CHECK(j["stopped"] == "interrupted");
  CHECK(j["samples"].size() >= 1);
  CHECK(j["samples"].size() < 100000);
  CHECK(j["samples"][0]["rssi_dbm"] == -73);  // the default schedule starts at 20
}

// ------------------------------------------------------------------------- lines

TEST_CASE("lines over RFC 2217: an incoming call of 4 rings gives 4 rings at the simulator's cadence") {
  // Time scale 0.05: 2 s on, 4 s off become 0.1 s and 0.2 s.
  const auto r = diag({"lines", "--sim", "--time-scale", "0.05", "--ring-from", "5550199", "--rings", "4", "--json",
                       "--no-progress"});
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto& j = r.json;
  REQUIRE(j.is_object());
  CHECK(j["port"].get<std::string>().rfind("rfc2217://127.0.0.1:", 0) == 0);
  CHECK(j["lines_at_open"]["dsr"] == true);
  CHECK(j["lines_at_open"]["dcd"] == false);
  CHECK(j["lines_at_open"]["ri"] == false);
  const auto& rings = j["rings"];
  CHECK(rings["count"] == 4);
  CHECK(rings["calls"] == 1);
  CHECK(j["counts"]["ri"] == 8);   // 4 rises, 4 falls
  CHECK(j["counts"]["dcd"] == 0);  // nobody answered
  CHECK(j["incoming_calls"]["placed"] == 1);
  REQUIRE(rings["on_s"].is_object());
  REQUIRE(rings["off_s"].is_object());
  REQUIRE(rings["period_s"].is_object());
  // Within 30 ms of the scaled cadence (the simulator's thread, a TCP hop, this event loop).
  CHECK(std::abs(rings["on_s"]["mean"].get<double>() - 0.1) < 0.03);
  CHECK(std::abs(rings["off_s"]["mean"].get<double>() - 0.2) < 0.03);
  CHECK(std::abs(rings["period_s"]["mean"].get<double>() - 0.3) < 0.03);
  CHECK(rings["reference"]["period_s"] == doctest::Approx(0.3));
  CHECK(rings["period_matches"] == true);
  std::size_t ri_events = 0;
  for (const auto& e : j["events"]) {
    for (const auto& c : e["changed"]) ri_events += c == "ri";
    CHECK(e["dsr"] == true);
  }
  CHECK(ri_events == 8);
}

TEST_CASE("lines: two incoming calls in turn are two groups of rings") {
  const auto r = diag({"lines", "--sim", "--time-scale", "0.02", "--ring-from", "5550199", "--ring-from",
                       "5550188", "--rings", "2", "--json", "--no-progress"});
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.json["rings"]["count"] == 4);
  CHECK(r.json["rings"]["calls"] == 2);
  CHECK(r.json["incoming_calls"]["placed"] == 2);
}

TEST_CASE("lines --dial: a call out makes DCD rise, the DTR drop that hangs it up makes it fall") {
  const auto r = diag({"lines", "--sim", "--time-scale", "0.02", "--ring-from", "5550199", "--rings", "1", "--dial",
                       "5550100", "--hold", "1", "--json", "--no-progress"});
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto& j = r.json;
  REQUIRE(j.is_object());
  CHECK(j["dial"]["result"].get<std::string>().rfind("CONNECT", 0) == 0);
  CHECK(j["dial"]["hung_up"] == true);
  CHECK(j["counts"]["dcd"] == 2);
  CHECK(j["rings"]["count"] == 1);
  // The rise comes after the ring, the fall after the rise.
  std::vector<std::pair<double, bool>> dcd;
  double ring_at = -1;
  for (const auto& e : j["events"]) {
    for (const auto& c : e["changed"]) {
      if (c == "dcd") dcd.emplace_back(e["t_s"].get<double>(), e["dcd"].get<bool>());
      if (c == "ri" && e["ri"] == true) ring_at = e["t_s"].get<double>();
    }
  }
  REQUIRE(dcd.size() == 2);
  CHECK(dcd[0].second == true);
  CHECK(dcd[1].second == false);
  CHECK(ring_at >= 0);
  CHECK(dcd[0].first > ring_at);
  // Held one simulated second (0.02 s here) or more before the hang-up.
  CHECK(dcd[1].first - dcd[0].first >= 0.02);
}

TEST_CASE("lines: Ctrl-C ends the run with the events so far, exit status 4") {
  child_process p({DIALUP_DIAG_PATH, "lines", "--sim", "--time-scale", "0.02", "--ring-from", "5550199", "--rings",
                   "100", "--seconds", "600", "--json", "--no-progress"});
  std::this_thread::sleep_for(1500ms);
  p.signal(SIGINT);
  const auto status = p.wait(20s);
  INFO(p.output());
  CHECK(status == 4);
  const auto j = json_of(p.output());
  REQUIRE(j.is_object());
  CHECK(j["interrupted"] == true);
  CHECK(j["stopped"] == "interrupted");
  CHECK(j["rings"]["count"].get<int>() >= 1);
  CHECK(j["rings"]["count"].get<int>() < 100);
}

TEST_CASE("lines on a pty: 'this port has no modem-control lines', exit status 2, no events") {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  REQUIRE(master >= 0);
  REQUIRE(::grantpt(master) == 0);
  REQUIRE(::unlockpt(master) == 0);
  const std::string slave = ::ptsname(master);
  const auto r = diag({"lines", "--port", slave, "--seconds", "1", "--json", "--no-progress"});
  ::close(master);
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(r.output.find("this port has no modem-control lines") != std::string::npos);
  CHECK(r.json.is_null());
}

TEST_CASE("lines: --ring-from without --sim is refused") {
  const auto r = diag({"lines", "--port", "/dev/null", "--ring-from", "5550199"});
  CHECK(r.status == 1);
  CHECK(r.output.find("--ring-from needs --sim") != std::string::npos);
}
