// dialup-diag against dialup-sim over real ptys, as a technician runs it: identify, latency,
// calls on the built-in numbers and on a mixed number plan, the modem's post-call
// diagnostics decoded, a modem that stops answering mid-run, and Ctrl-C.
#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.hpp"
#include "support/sim_program.hpp"

using dialup::test::child_process;
using dialup::test::sim_program;
using namespace std::chrono_literals;

namespace {

struct run_result {
  std::optional<int> status;
  std::string output;
  nlohmann::json json;  // the JSON line of the output, null if none
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

std::string temp_file(const std::string& name, const std::string& text) {
  const std::string path = "/tmp/dialup-diag-test-" + std::to_string(::getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("calls on 5550100: every call connects at 33600, and AT#UD after each says so") {
  sim_program sim(DIALUP_SIM_PATH, 1, 0.02);
  REQUIRE(sim.started());
  const auto r = diag({"calls", "--port", sim.pty(0), "--phone", "5550100", "--count", "4", "--pause", "0",
                       "--json", "--no-progress"});
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto& j = r.json;
  REQUIRE(j.is_object());
  CHECK(j["interrupted"] == false);
  CHECK(j["attempted"] == 4);
  CHECK(j["connected"] == 4);
  CHECK(j["failed"] == 0);
  CHECK(j["success_rate"] == 1.0);
  CHECK(j["connect_rates"] == nlohmann::json{{"33600", 4}});
  CHECK(j["failures"].empty());
  CHECK(j["diag_line_rates"] == nlohmann::json{{"33600", 4}});
  CHECK(j["hang_up_not_confirmed"] == 0);
  // The time to CONNECT at time scale 0.02: the exchange's post-dial delay, one ring and the
  // V.34 training (docs/simulator.md §3), about 16.9 s simulated: 0.34 s here, never less.
  CHECK(j["time_to_connect_s"]["min"].get<double>() > 0.2);
  CHECK(j["time_to_connect_s"]["max"].get<double>() < 5.0);
  for (const auto& c : j["calls"]) {
    CHECK(c["connected"] == true);
    CHECK(c["rate"] == 33600);
    REQUIRE(c["diagnostics"].size() == 1);
    const auto& d = c["diagnostics"][0];
    CHECK(d["source"] == "AT#UD");
    CHECK(d["complete"] == true);
    CHECK(d["problems"].empty());
    CHECK(d["line_rate"] == 33600);
    CHECK(d["tx_modulation"] == "V.34");
    CHECK(d["setup_text"] == "data answering signal");
    CHECK(d["rx_level_dbm"] == -20.0);
    CHECK(d["retrains"] == 0);
    CHECK(d["termination_code"].is_number());
  }
  CHECK(sim.wait_status(0, "on-hook", 2s));
}

TEST_CASE("calls on 5550110: every call is busy, 676 counted") {
  sim_program sim(DIALUP_SIM_PATH, 1, 0.02);
  REQUIRE(sim.started());
  const auto r = diag({"calls", "--port", sim.pty(0), "--phone", "5550110", "--count", "3", "--pause", "0",
                       "--json", "--no-progress"});
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.json["connected"] == 0);
  CHECK(r.json["failed"] == 3);
  CHECK(r.json["success_rate"] == 0.0);
  CHECK(r.json["failures"]["676"]["count"] == 3);
  CHECK(r.json["connect_rates"].empty());
  CHECK(r.json["time_to_connect_s"].is_null());
  for (const auto& c : r.json["calls"]) {
    CHECK(c["error"] == 676);
    CHECK(c["failed_in"] == "ConnectDevice");
    // The modem's own account of a busy call: AT#UD key 1 = 3 (busy).
    CHECK(c["diagnostics"][0]["setup_text"] == "busy");
  }
}

TEST_CASE("calls on a mixed number plan: rates and failures counted exactly") {
  const auto plan = temp_file("mixed.plan",
                              "5550100 echo rings=1 rate=33600\n"
                              "5550200 echo rings=1 rate=14400\n"
                              "5550300 echo rings=2 rate=2400\n"
                              "5550110 busy\n");
  sim_program sim(DIALUP_SIM_PATH, 1, 0.02, {"--scenario", plan});
  REQUIRE(sim.started());
  const auto r = diag({"calls", "--port", sim.pty(0), "--phone", "5550100", "--phone", "5550200", "--phone",
                       "5550110", "--phone", "5550300", "--count", "8", "--pause", "0", "--json", "--no-progress"});
  ::unlink(plan.c_str());
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.json["attempted"] == 8);
  CHECK(r.json["connected"] == 6);
  CHECK(r.json["failed"] == 2);
  CHECK(r.json["success_rate"] == 0.75);
  CHECK(r.json["connect_rates"] == nlohmann::json{{"14400", 2}, {"2400", 2}, {"33600", 2}});
  CHECK(r.json["failures"]["676"]["count"] == 2);
  CHECK(r.json["diag_line_rates"] == nlohmann::json{{"14400", 2}, {"2400", 2}, {"33600", 2}});
  // CSV: one row per call, the same outcome.
  sim_program sim2(DIALUP_SIM_PATH, 1, 0.02);
  REQUIRE(sim2.started());
  const auto csv = diag({"calls", "--port", sim2.pty(0), "--phone", "5550100", "--phone", "5550110", "--count",
                         "2", "--pause", "0", "--csv", "--no-progress"});
  INFO(csv.output);
  CHECK(csv.status == 0);
  CHECK(csv.output.find("call,number,connected,") != std::string::npos);
  CHECK(csv.output.find("\n1,5550100,1,") != std::string::npos);
  CHECK(csv.output.find("\n2,5550110,0,,,,676,ConnectDevice,") != std::string::npos);
}

TEST_CASE("calls with the USR personality: ATI6 and ATI11 decoded from the simulator") {
  sim_program sim(DIALUP_SIM_PATH, 1, 0.02, {"--personality", "usr"});
  REQUIRE(sim.started());
  const auto r = diag({"calls", "--port", sim.pty(0), "--phone", "5550100", "--count", "1", "--diag", "all",
                       "--json", "--no-progress"});
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto& d = r.json["calls"][0]["diagnostics"];
  REQUIRE(d.size() == 4);
  CHECK(d[0]["source"] == "AT#UD");
  CHECK(d[1]["source"] == "ATI6");
  CHECK(d[1]["complete"] == true);
  CHECK(d[1]["line_rate"] == 33600);
  CHECK(d[1]["retrains"] == 0);
  CHECK(d[1]["termination"].is_string());
  CHECK(d[2]["source"] == "ATI11");
  CHECK(d[2]["complete"] == true);
  CHECK(d[2]["snr_db"] == 38.5);
  CHECK(d[2]["rx_modulation"] == "V.34");
  CHECK(d[3]["source"] == "AT&V1");
  CHECK(d[3]["complete"] == true);
  CHECK(d[3]["line_rate"] == 33600);
}

TEST_CASE("identify: the answers, the settings and S-registers, the diagnostics it knows") {
  sim_program sim(DIALUP_SIM_PATH, 1, 0.02);
  REQUIRE(sim.started());
  const auto r = diag({"identify", "--port", sim.pty(0), "--json", "--no-progress"});
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.json["answers"]["ATI0"] == "33600");
  CHECK(r.json["s_registers"]["S7"].is_number());
  CHECK(r.json["s_registers"]["S3"] == 13);
  CHECK(r.json["diagnostics"]["AT#UD"] == true);
  CHECK(r.json["diagnostics"]["ATI11"] == false);  // the generic personality has no ATI11
  CHECK(r.json["diagnostics"]["AT&V1"] == true);
  const auto table = diag({"identify", "--port", sim.pty(0), "--no-progress"});
  CHECK(table.status == 0);
  CHECK(table.output.find("ATI0                     33600") != std::string::npos);
}

TEST_CASE("latency: N samples, their percentiles and histogram") {
  sim_program sim(DIALUP_SIM_PATH, 1, 0.02);
  REQUIRE(sim.started());
  const auto r = diag({"latency", "--port", sim.pty(0), "--samples", "30", "--json", "--no-progress"});
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.json["answered"] == 30);
  CHECK(r.json["timeouts"] == 0);
  const auto& ms = r.json["ms"];
  CHECK(ms["min"].get<double>() > 0);
  CHECK(ms["min"] <= ms["p50"]);
  CHECK(ms["p50"] <= ms["p90"]);
  CHECK(ms["p90"] <= ms["p99"]);
  CHECK(ms["p99"] <= ms["max"]);
  std::size_t in_histogram = 0;
  for (const auto& b : r.json["histogram"]) in_histogram += b["count"].get<std::size_t>();
  CHECK(in_histogram == 30);
  CHECK(r.json["samples_ms"].size() == 30);
  CHECK(r.json["raw_round_trip_ms"].is_null());  // not measured: never reported as if it were
}

TEST_CASE("latency: a modem that stops answering mid-run ends the run with what was measured") {
  sim_program sim(DIALUP_SIM_PATH, 1, 0.02);
  REQUIRE(sim.started());
  child_process p({DIALUP_DIAG_PATH, "latency", "--port", sim.pty(0), "--samples", "100000", "--interval", "0.005",
                   "--timeout", "0.2", "--json", "--no-progress"});
  std::this_thread::sleep_for(500ms);
  CHECK(sim.control("silent 0 on").find("OK") != std::string::npos);
  const auto status = p.wait(20s);
  INFO(p.output());
  CHECK(status == 4);
  const auto j = json_of(p.output());
  REQUIRE(j.is_object());
  CHECK(j["stopped"] == "the modem stopped answering");
  CHECK(j["interrupted"] == true);
  CHECK(j["answered"].get<int>() > 0);
  CHECK(j["timeouts"].get<int>() >= 1);
  CHECK(j["answered"].get<int>() + j["timeouts"].get<int>() == static_cast<int>(j["samples_ms"].size()));
}

TEST_CASE("Ctrl-C in the middle of calls: what was measured is written, the modem is on-hook") {
  sim_program sim(DIALUP_SIM_PATH, 1, 0.02);
  REQUIRE(sim.started());
  child_process p({DIALUP_DIAG_PATH, "calls", "--port", sim.pty(0), "--phone", "5550100", "--count", "1000",
                   "--pause", "0", "--hold", "0.3", "--json", "--no-progress"});
  // Into the second or third call, perhaps while it is connected.
  std::this_thread::sleep_for(1500ms);
  p.signal(SIGINT);
  const auto status = p.wait(30s);
  INFO(p.output());
  CHECK(status == 4);
  const auto j = json_of(p.output());
  REQUIRE(j.is_object());
  CHECK(j["interrupted"] == true);
  CHECK(j["stopped"] == "interrupted");
  CHECK(j["attempted"].get<int>() < 1000);
  CHECK(j["counted"].get<int>() >= 1);
  CHECK(j["connected"] == j["counted"]);  // a call cut by the interruption is in no count
  CHECK(sim.wait_status(0, "on-hook", 5s));
  // And the modem answers a new run at once.
  const auto again = diag({"calls", "--port", sim.pty(0), "--phone", "5550100", "--count", "1", "--json", "--no-progress"});
  CHECK(again.status == 0);
  CHECK(again.json["connected"] == 1);
}

TEST_CASE("usage: a port or --sim is needed; the built-in simulator works alone") {
  const auto none = diag({"latency"});
  CHECK(none.status == 1);
  CHECK(none.output.find("give --port PATH or --sim") != std::string::npos);
  const auto missing = diag({"latency", "--port", "/nonexistent/tty", "--no-progress"});
  CHECK(missing.status == 2);
  CHECK(missing.output.find("cannot open /nonexistent/tty") != std::string::npos);
  const auto sim = diag({"calls", "--sim", "--phone", "5550100", "--count", "2", "--pause", "0", "--no-progress"});
  INFO(sim.output);
  CHECK(sim.status == 0);
  CHECK(sim.output.find("2 of 2 (100.0 %)") != std::string::npos);
  CHECK(sim.output.find("CONNECT rate             33600: 2") != std::string::npos);
}

TEST_CASE("throughput on the echo number: everything comes back, without an error") {
  sim_program sim(DIALUP_SIM_PATH, 1, 0.02);
  REQUIRE(sim.started());
  const auto r = diag({"throughput", "--port", sim.pty(0), "--bytes", "100000", "--json", "--no-progress"});
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.json["connected"] == true);
  CHECK(r.json["bytes_sent"] == 100000);
  CHECK(r.json["bytes_received"] == 100000);
  CHECK(r.json["byte_errors"] == 0);
  CHECK(r.json["error_bursts"] == 0);
  CHECK(r.json["lost_records"] == 0);
  CHECK(r.json["duplicated_records"] == 0);
  CHECK(r.json["good_records"] == 6250);
  // The echo is paced at the line rate, 10 bits a character (docs/simulator.md §3):
  // 33600 bit/s at time scale 0.02 is 168000 bytes/s; the good bytes cannot come back faster.
  CHECK(r.json["rx_good_bytes_per_s"].get<double>() < 168000 * 1.1);
  CHECK(r.json["rx_good_bytes_per_s"].get<double>() > 168000 * 0.3);
  CHECK(r.json["rtt_ms"]["p50"].get<double>() > 0);
  CHECK(r.json["hang_up_confirmed"] == true);
  CHECK(sim.wait_status(0, "on-hook", 2s));
}

TEST_CASE("throughput on the noisy number 5550150: the errors its 2 % noise implies") {
  sim_program sim(DIALUP_SIM_PATH, 1, 0.02);
  REQUIRE(sim.started());
  const auto r = diag({"throughput", "--port", sim.pty(0), "--phone", "5550150", "--bytes", "160000", "--json",
                       "--no-progress"});
  INFO(r.output);
  REQUIRE(r.status == 0);
  // Bits flipped, never bytes lost: every byte comes back, the offsets line up.
  CHECK(r.json["bytes_received"] == 160000);
  CHECK(r.json["lost_records"] == 0);
  CHECK(r.json["duplicated_records"] == 0);
  REQUIRE(r.json["byte_errors"].is_number());
  // Each byte has a bit flipped with probability 0.02 (error-rate, docs/simulator.md §3): the
  // count is binomial, mean 3200, standard deviation 56; six of them either way.
  const double errors = r.json["byte_errors"].get<double>();
  CHECK(errors > 3200 - 6 * 56);
  CHECK(errors < 3200 + 6 * 56);
  const double bursts = r.json["error_bursts"].get<double>();
  CHECK(bursts <= errors);
  CHECK(bursts > errors * 0.5);  // at 2 %, most errors stand more than 16 bytes apart
  CHECK(r.json["good_records"].get<int>() + r.json["corrupted_records"].get<int>() == 10000);
}

TEST_CASE("throughput: a call that drops mid-run ends it with what was measured") {
  sim_program sim(DIALUP_SIM_PATH, 1, 0.02);
  REQUIRE(sim.started());
  // 5550140 drops the carrier 10 s (simulated) after answering: 0.2 s here.
  const auto r = diag({"throughput", "--port", sim.pty(0), "--phone", "5550140", "--seconds", "5", "--json",
                       "--no-progress"});
  INFO(r.output);
  CHECK(r.status == 4);
  CHECK(r.json["connected"] == true);
  CHECK(r.json["stopped"] == "the call dropped");
  CHECK(r.json["interrupted"] == true);
  CHECK(r.json["bytes_received"].get<int>() > 0);
  CHECK(r.json["seconds"].get<double>() < 4.0);
  CHECK(sim.wait_status(0, "on-hook", 2s));
}

TEST_CASE("throughput: Ctrl-C mid-run writes what was measured and leaves the modem on-hook") {
  sim_program sim(DIALUP_SIM_PATH, 1, 0.02);
  REQUIRE(sim.started());
  child_process p({DIALUP_DIAG_PATH, "throughput", "--port", sim.pty(0), "--seconds", "60", "--json", "--no-progress"});
  std::this_thread::sleep_for(1500ms);
  p.signal(SIGINT);
  const auto status = p.wait(30s);
  INFO(p.output());
  CHECK(status == 4);
  const auto j = json_of(p.output());
  REQUIRE(j.is_object());
  CHECK(j["stopped"] == "interrupted");
  CHECK(j["connected"] == true);
  CHECK(j["bytes_received"].get<int>() > 0);
  CHECK(j["seconds"].get<double>() < 30);
  CHECK(j["hang_up_confirmed"] == true);
  CHECK(sim.wait_status(0, "on-hook", 5s));
}
