// dialup-diag report and compare (docs/diag.md, report and compare): the statistics against
// values worked out by hand, the page's escaping, a report of the built-in simulator with
// every measurement and its plots, one without gnuplot, an interrupted one, and compare on
// runs alike and runs that differ.
#include "significance.hpp"

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "report.hpp"
#include "support/child_process.hpp"

using dialup::test::child_process;
using namespace std::chrono_literals;
namespace sig = dialup_diag::significance;

namespace {

struct run_result {
  std::optional<int> status;
  std::string output;
};

run_result diag(std::vector<std::string> args, std::chrono::seconds timeout = 60s,
                const child_process::options& o = {}) {
  args.insert(args.begin(), DIALUP_DIAG_PATH);
  child_process p(args, o);
  run_result r;
  r.status = p.wait(timeout);
  r.output = p.output();
  return r;
}

std::string temp_dir(const std::string& name) {
  const std::string d = "/tmp/dialup-diag-report-test-" + std::to_string(::getpid()) + "-" + name;
  ::mkdir(d.c_str(), 0755);
  return d;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::size_t count_of(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && st.st_size > 0;
}

nlohmann::json json_line(const std::string& out) {
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);)
    if (!l.empty() && l.front() == '{') return nlohmann::json::parse(l, nullptr, false);
  return nullptr;
}

}  // namespace

TEST_CASE("Mann-Whitney U: the normal approximation with continuity correction, worked by hand") {
  // R's wilcox.test example data (x 10 values, y 5, no ties). U = W = 35 (pairs x > y);
  // mean n1 n2 / 2 = 25, variance n1 n2 (n + 1) / 12 = 10 * 5 * 16 / 12 = 66.667;
  // z = (35 - 25 - 0.5) / 8.1650 = 1.16351, two-sided p = 2 (1 - Phi(1.16351)) = 0.24462.
  const std::vector<double> x{0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46};
  const std::vector<double> y{1.15, 0.88, 0.90, 0.74, 1.21};
  auto r = sig::mann_whitney(x, y);
  CHECK(r.u == doctest::Approx(35));
  CHECK(r.z == doctest::Approx(1.16351).epsilon(1e-4));
  CHECK(r.p == doctest::Approx(0.24462).epsilon(1e-4));
  // With ties: a = 1 2 2 3 3 3 4 5, b = 3 4 4 5 5 6 6 7. U = 0+0+0 + 3 x 0.5 + (1 + 1) + (3 + 1)
  // = 7.5; tie groups of 4, 3, 3, 2, 2 give sum(t^3 - t) = 60 + 24 + 24 + 6 + 6 = 120;
  // variance 64 / 12 * (17 - 120 / 240) = 88; z = (7.5 - 32 + 0.5) / sqrt(88) = -2.55841;
  // p = 0.010515.
  r = sig::mann_whitney({1, 2, 2, 3, 3, 3, 4, 5}, {3, 4, 4, 5, 5, 6, 6, 7});
  CHECK(r.u == doctest::Approx(7.5));
  CHECK(r.z == doctest::Approx(-2.55841).epsilon(1e-4));
  CHECK(r.p == doctest::Approx(0.010515).epsilon(1e-3));
  // The same set against itself: no difference at all.
  CHECK(sig::mann_whitney(x, x).p == doctest::Approx(1.0));
  // Every value tied: the variance is zero, p is 1 (not a division by zero).
  CHECK(sig::mann_whitney({2, 2, 2}, {2, 2}).p == 1.0);
}

TEST_CASE("Fisher's exact test and the two-proportion test against known tables") {
  // Fisher's tea-tasting table [[3, 1], [1, 3]]: two-sided p = 0.4857 (34/70).
  CHECK(sig::fisher_exact(3, 1, 1, 3) == doctest::Approx(34.0 / 70).epsilon(1e-9));
  // [[8, 0], [0, 8]]: only the two extreme tables, each 1 / C(16, 8) = 1/12870: p = 2/12870.
  CHECK(sig::fisher_exact(8, 0, 0, 8) == doctest::Approx(2.0 / 12870).epsilon(1e-9));
  CHECK(sig::fisher_exact(4, 4, 4, 4) == doctest::Approx(1.0));
  // 45 of 100 against 60 of 100: pooled 0.525, se = sqrt(0.525 * 0.475 * 0.02) = 0.070622,
  // z = 2.12398, p = 0.03367 (R: prop.test(c(45, 60), c(100, 100), correct = FALSE)).
  CHECK(sig::two_proportions(45, 100, 60, 100) == doctest::Approx(0.03367).epsilon(1e-3));
  // The choice: small expected counts take the exact test.
  CHECK(sig::compare_proportions(8, 8, 0, 8).exact);
  CHECK_FALSE(sig::compare_proportions(45, 100, 60, 100).exact);
  CHECK(sig::compare_proportions(8, 8, 8, 8).p == doctest::Approx(1.0));
  // Quartiles, R's type 7: 1..9 gives 3 and 7.
  const auto q = sig::quartiles({9, 1, 2, 3, 4, 5, 6, 7, 8});
  REQUIRE(q);
  CHECK(q->first == 3);
  CHECK(q->second == 7);
}

TEST_CASE("the page escapes what the modem said and renders an unknown run as a key/value table") {
  nlohmann::json report = {{"command", "report"}, {"version", "x"}, {"port", "/dev/pts/<b>"},
                           {"interrupted", true}, {"stopped", "interrupted"}};
  report["runs"]["identify"] = {{"command", "identify"}, {"answers", {{"ATI", "<script>alert(1)</script>&"}}}};
  report["runs"]["lines"] = {{"command", "lines"}, {"dial_tone", "<img src=x onerror=alert(1)>"}, {"count", 3},
                             {"ms", {{"p50", 1.5}}}};
  const auto html = dialup_diag::report_html(report, {}, "plots not drawn: gnuplot not found");
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;&amp;") != std::string::npos);
  CHECK(html.find("/dev/pts/&lt;b&gt;") != std::string::npos);
  CHECK(html.find("class=\"banner\"") != std::string::npos);
  CHECK(html.find("<h2>lines</h2>") != std::string::npos);
  CHECK(html.find("<tr><th>ms.p50</th><td>1.5</td></tr>") != std::string::npos);
  CHECK(html.find("<tr><th>count</th><td>3</td></tr>") != std::string::npos);
  CHECK(html.find("plots not drawn: gnuplot not found") != std::string::npos);
}

TEST_CASE("report --sim: every chosen run in report.json, the tables and the plots in index.html") {
  const auto dir = temp_dir("full");
  const auto r = diag({"report", "--sim", "--time-scale", "0.02", "--out", dir, "--run",
                       "identify,latency,calls,throughput", "--samples", "20", "--count", "4", "--seconds", "1",
                       "--no-progress"},
                      120s);
  INFO(r.output);
  REQUIRE(r.status == 0);
  std::string error;
  const auto j = dialup_diag::read_json_file(dir + "/report.json", error);
  INFO(error);
  REQUIRE(j.is_object());
  CHECK(j["command"] == "report");
  CHECK(j["interrupted"] == false);
  CHECK(j["stopped"].is_null());
  CHECK(j["port"].get<std::string>().rfind("/dev/pts/", 0) == 0);
  CHECK_FALSE(j.contains("errors"));
  const auto& runs = j["runs"];
  REQUIRE(runs.size() == 4);
  CHECK(runs["identify"]["command"] == "identify");
  CHECK(runs["latency"]["requested"] == 20);
  CHECK(runs["latency"]["answered"] == 20);
  CHECK(runs["latency"]["samples_ms"].size() == 20);
  CHECK(runs["calls"]["attempted"] == 4);
  CHECK(runs["calls"]["connected"] == 4);
  CHECK(runs["calls"]["connect_rates"] == nlohmann::json{{"33600", 4}});
  CHECK(runs["throughput"]["connected"] == true);
  CHECK(runs["throughput"]["byte_errors"] == 0);
  // Every run was against the one simulator the report started.
  for (const auto& [name, run] : runs.items()) CHECK(run["port"] == j["port"]);

  const auto html = slurp(dir + "/index.html");
  CHECK(html.find("plots not drawn") == std::string::npos);
  CHECK(html.find("class=\"banner\"") == std::string::npos);
  for (const char* h : {"<h2>identify</h2>", "<h2>latency</h2>", "<h2>calls</h2>", "<h2>throughput</h2>"})
    CHECK(html.find(h) != std::string::npos);
  CHECK(count_of(html, "<table") >= 6);
  // Self-contained: the only URLs are the SVG namespaces, every href a fragment.
  CHECK(count_of(html, "http://") == count_of(html, "http://www.w3.org/"));
  CHECK(count_of(html, "href='") == count_of(html, "href='#"));
  CHECK(html.find("href=\"") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("src=\"") == std::string::npos);
  // Latency histogram, time to CONNECT, CONNECT rates, throughput over time (its intervals).
  REQUIRE(runs["throughput"]["intervals"].is_array());
  CHECK(runs["throughput"]["intervals"].size() >= 5);
  CHECK(count_of(html, "<svg") == 4);
  for (const char* name : {"latency_histogram", "connect_time", "connect_rates", "throughput"}) {
    CHECK(exists(dir + "/plots/" + name + ".png"));
    CHECK(exists(dir + "/plots/" + name + ".svg"));
    CHECK(exists(dir + "/plots/" + name + ".gp"));
    CHECK(exists(dir + "/plots/" + name + ".dat"));
  }
  CHECK(html.find("rgb( 12, 166, 120)") != std::string::npos);  // the sent line, #0ca678
  // The plots' colours, as the scripts set them (gnuplot writes #d6336c and #7048e8 so).
  CHECK(html.find("rgb(214,  51, 108)") != std::string::npos);
  CHECK(html.find("rgb(112,  72, 232)") != std::string::npos);
  // The CONNECT rates' data: one bar, 4 calls at 33600.
  CHECK(slurp(dir + "/plots/connect_rates.dat") == "\"33600\" 4\n");
}

TEST_CASE("report without gnuplot on PATH: tables only, and the page says so") {
  const auto dir = temp_dir("nognuplot");
  child_process::options o;
  o.set_env = {"PATH=/nonexistent"};
  const auto r = diag({"report", "--sim", "--time-scale", "0.02", "--out", dir, "--run", "latency,calls", "--samples",
                       "10", "--count", "2", "--no-progress"},
                      60s, o);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("plots not drawn: gnuplot not found") != std::string::npos);
  const auto html = slurp(dir + "/index.html");
  CHECK(html.find("plots not drawn: gnuplot not found") != std::string::npos);
  CHECK(html.find("<svg") == std::string::npos);
  CHECK(html.find("<h2>latency</h2>") != std::string::npos);
  CHECK(html.find("<h2>calls</h2>") != std::string::npos);
  CHECK_FALSE(exists(dir + "/plots/latency_histogram.gp"));
  std::string error;
  const auto j = dialup_diag::read_json_file(dir + "/report.json", error);
  REQUIRE(j.is_object());
  CHECK(j["runs"]["latency"]["answered"] == 10);
  CHECK(j["runs"]["calls"]["connected"] == 2);
}

TEST_CASE("report interrupted: what was measured is written, marked, with the banner; exit 4") {
  const auto dir = temp_dir("interrupted");
  child_process p({DIALUP_DIAG_PATH, "report", "--sim", "--time-scale", "0.02", "--out", dir, "--run",
                   "latency,calls", "--samples", "1000000", "--no-progress"});
  std::this_thread::sleep_for(1500ms);  // into the latency run
  p.signal(SIGINT);
  const auto status = p.wait(30s);
  INFO(p.output());
  CHECK(status == 4);
  std::string error;
  const auto j = dialup_diag::read_json_file(dir + "/report.json", error);
  INFO(error);
  REQUIRE(j.is_object());
  CHECK(j["interrupted"] == true);
  CHECK(j["stopped"] == "interrupted");
  REQUIRE(j["runs"].contains("latency"));
  CHECK(j["runs"]["latency"]["interrupted"] == true);
  CHECK(j["runs"]["latency"]["answered"].get<int>() > 0);
  CHECK(j["runs"]["latency"]["answered"].get<int>() < 1000000);
  CHECK_FALSE(j["runs"].contains("calls"));  // never started
  const auto html = slurp(dir + "/index.html");
  CHECK(html.find("class=\"banner\"") != std::string::npos);
  CHECK(html.find("the run was interrupted") != std::string::npos);
}

TEST_CASE("compare: the same runs are not significant, calls to a busy number are") {
  const auto dir = temp_dir("compare");
  auto calls = [&](const std::string& phone, const std::string& name) {
    const auto r = diag({"calls", "--sim", "--time-scale", "0.02", "--phone", phone, "--count", "8", "--pause", "0",
                         "--json", "--no-progress"});
    REQUIRE(r.status == 0);
    const auto path = dir + "/" + name + ".json";
    std::ofstream(path) << json_line(r.output).dump();
    return path;
  };
  const auto good1 = calls("5550100", "good1");
  const auto good2 = calls("5550100", "good2");
  const auto busy = calls("5550110", "busy");
  auto line = [](const nlohmann::json& j, const std::string& figure) {
    for (const auto& l : j["lines"])
      if (l["figure"] == figure) return l;
    return nlohmann::json();
  };

  auto same = diag({"compare", good1, good2, "--json"});
  INFO(same.output);
  REQUIRE(same.status == 0);
  auto sj = json_line(same.output);
  auto rate = line(sj, "success rate");
  REQUIRE(rate.is_object());
  CHECK(rate["a"] == 1.0);
  CHECK(rate["b"] == 1.0);
  CHECK(rate["test"] == "Fisher exact");
  CHECK(rate["p"].get<double>() == doctest::Approx(1.0));
  CHECK(rate["verdict"].get<std::string>().rfind("not significant", 0) == 0);
  auto ttc = line(sj, "time to CONNECT (s), median");
  REQUIRE(ttc.is_object());
  CHECK(ttc["n_a"] == 8);
  CHECK(ttc["n_b"] == 8);
  CHECK(ttc["test"] == "Mann-Whitney U");
  CHECK(line(sj, "connect_rates.33600")["verdict"] == "one measurement each: no significance");

  const auto diff = diag({"compare", good1, busy});
  INFO(diff.output);
  REQUIRE(diff.status == 0);
  CHECK(diff.output.find("significant (p=1.6e-04)") != std::string::npos);  // 2 / 12870
  const auto dj = json_line(diag({"compare", good1, busy, "--json"}).output);
  rate = line(dj, "success rate");
  CHECK(rate["a"] == 1.0);
  CHECK(rate["b"] == 0.0);
  CHECK(rate["change"] == -1.0);
  CHECK(rate["change_pct"] == -100.0);
  CHECK(rate["p"].get<double>() == doctest::Approx(2.0 / 12870));
  CHECK(rate["significant"] == true);
  // No call to the busy number connected: its time to CONNECT has no samples.
  CHECK(line(dj, "time to CONNECT (s), median")["verdict"].get<std::string>().rfind("too few samples", 0) == 0);

  // A report against itself: every sample set not significant, p = 1.
  const auto rdir = temp_dir("compare-report");
  const auto rep = diag({"report", "--sim", "--time-scale", "0.02", "--out", rdir, "--run", "latency", "--samples",
                         "12", "--no-plots", "--no-progress"});
  REQUIRE(rep.status == 0);
  const auto self = json_line(diag({"compare", rdir + "/report.json", rdir + "/report.json", "--json"}).output);
  const auto lat = line(self, "round trip (ms), median");
  REQUIRE(lat.is_object());
  CHECK(lat["n_a"] == 12);
  CHECK(lat["p"].get<double>() == doctest::Approx(1.0));
  CHECK(lat["iqr_overlap"] == true);
  CHECK(lat["verdict"] == "not significant (p=1.000)");
  CHECK(lat["change"] == 0.0);
}

TEST_CASE("compare: malformed, foreign or oversized input is a clear error, exit 1") {
  const auto dir = temp_dir("bad");
  std::ofstream(dir + "/bad.json") << "{\"command\": \"latency\", ";
  std::ofstream(dir + "/foreign.json") << "[1, 2, 3]";
  std::ofstream(dir + "/ok.json") << "{\"command\": \"latency\", \"samples_ms\": [1, 2]}";
  {
    std::ofstream big(dir + "/big.json");
    big << "{";
  }
  REQUIRE(::truncate((dir + "/big.json").c_str(), (std::int64_t{64} << 20) + 1) == 0);
  auto r = diag({"compare", dir + "/bad.json", dir + "/ok.json"});
  CHECK(r.status == 1);
  CHECK(r.output.find("bad.json: not valid JSON") != std::string::npos);
  r = diag({"compare", dir + "/ok.json", dir + "/foreign.json"});
  CHECK(r.status == 1);
  CHECK(r.output.find("foreign.json: not a dialup-diag JSON object") != std::string::npos);
  r = diag({"compare", dir + "/big.json", dir + "/ok.json"});
  CHECK(r.status == 1);
  CHECK(r.output.find("big.json: larger than 64 MiB") != std::string::npos);
  r = diag({"compare", dir + "/missing.json", dir + "/ok.json"});
  CHECK(r.status == 1);
  CHECK(r.output.find("missing.json: cannot read it") != std::string::npos);
  r = diag({"compare", dir + "/ok.json", dir + "/ok.json"});
  CHECK(r.status == 0);
  CHECK(r.output.find("too few samples") != std::string::npos);
}

TEST_CASE("compare: a run it has no table for (a future signal) by its samples; report refuses an unknown --run") {
  const auto dir = temp_dir("signal");
  // RSSI samples 10 a side: -70..-61 against -90..-81, no overlap at all: U = 100 of 100,
  // z = (100 - 50 - 0.5) / sqrt(10 * 10 * 21 / 12) = 3.7418, p = 1.83e-4.
  auto write = [&](const std::string& name, int base) {
    nlohmann::json j = {{"command", "signal"}, {"port", "x"}, {"interrupted", false}, {"csq", base}};
    for (int i = 0; i < 10; ++i) j["samples"].push_back({{"t_s", i}, {"rssi_dbm", base + i}});
    std::ofstream(dir + "/" + name) << j.dump();
    return dir + "/" + name;
  };
  const auto strong = write("strong.json", -70), weak = write("weak.json", -90);
  const auto r = diag({"compare", strong, weak, "--json"});
  REQUIRE(r.status == 0);
  const auto j = json_line(r.output);
  REQUIRE(j["lines"].is_array());
  nlohmann::json rssi, csq;
  for (const auto& l : j["lines"]) {
    if (l["figure"] == "RSSI (dBm), median") rssi = l;
    if (l["figure"] == "csq") csq = l;
  }
  REQUIRE(rssi.is_object());
  CHECK(rssi["a"] == -65.5);
  CHECK(rssi["b"] == -85.5);
  CHECK(rssi["change"] == -20.0);
  CHECK(rssi["p"].get<double>() == doctest::Approx(1.826e-4).epsilon(1e-2));
  CHECK(rssi["iqr_overlap"] == false);
  CHECK(rssi["significant"] == true);
  REQUIRE(csq.is_object());
  CHECK(csq["verdict"] == "one measurement each: no significance");

  const auto bad = diag({"report", "--sim", "--out", dir + "/r", "--run", "latency,bogus"});
  CHECK(bad.status == 1);
  CHECK(bad.output.find("no measurement 'bogus' (known: identify, latency, calls, throughput)") != std::string::npos);
}

TEST_CASE("plots: signal over time when a signal run has samples; only numbers reach gnuplot") {
  const auto gnuplot = dialup_diag::find_gnuplot();
  if (gnuplot.empty()) {
    MESSAGE("gnuplot not installed: not checked");
    return;
  }
  const auto dir = temp_dir("plots");
  nlohmann::json runs;
  for (int i = 0; i < 5; ++i) runs["signal"]["samples"].push_back({{"t_s", i * 2}, {"rssi_dbm", -80 + i}});
  runs["calls"]["connect_rates"] = {{"33600", 3}, {"1'; system('touch /tmp/pwned') #", 1}};
  const auto plots = dialup_diag::draw_plots(runs, dir, gnuplot);
  REQUIRE(plots.size() == 2);
  for (const auto& p : plots) {
    INFO(p.name << ": " << p.error);
    CHECK(p.error.empty());
    CHECK(p.svg.rfind("<svg", 0) == 0);
  }
  CHECK(slurp(dir + "/plots/signal.dat") == "0 -80\n2 -79\n4 -78\n6 -77\n8 -76\n");
  CHECK(plots[1].name == "signal");
  CHECK(plots[1].svg.find("rgb(232,  89,  12)") != std::string::npos);  // #e8590c
  CHECK(slurp(dir + "/plots/connect_rates.dat") == "\"33600\" 3\n");   // the other key skipped
  CHECK(exists(dir + "/plots/signal.png"));
}
