// The report's plots, drawn by gnuplot (plots.hpp).
#include "plots.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "run_program.hpp"

namespace dialup_diag {

namespace {

using J = nlohmann::json;

std::string num(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.9g", v);
  return b;
}

bool is_num(const J& v) { return v.is_number() && std::isfinite(v.get<double>()); }

// The script's common head: the SVG first, then the same plot as PNG.
std::string head(const std::string& title, const std::string& xlabel, const std::string& ylabel) {
  return "set encoding utf8\n"
         "set title '" + title + "'\n"
         "set xlabel '" + xlabel + "'\n"
         "set ylabel '" + ylabel + "'\n"
         "set grid ytics lc rgb '#dddddd'\n"
         "set border lc rgb '#444444'\n"
         "set key off\n";
}

std::string both_terminals(const std::string& name, const std::string& plot_cmd) {
  return "set terminal svg size 640,360 fixed font 'sans,11' background '#ffffff'\n"
         "set output '" + name + ".svg'\n" + plot_cmd +
         "\nset terminal pngcairo size 640,360 font 'sans,10' background '#ffffff'\n"
         "set output '" + name + ".png'\n" + plot_cmd + "\nunset output\n";
}

std::size_t lines(const std::string& data) { return static_cast<std::size_t>(std::count(data.begin(), data.end(), '\n')); }

struct job {
  plot p;
  std::string data;    // NAME.dat
  std::string script;  // NAME.gp
};

// Bars by category, one per data line (n of them), at x = 0 .. n-1.
std::string category_bars(const std::string& colour, const std::string& title, std::size_t n) {
  const std::string right = std::to_string(std::max<std::size_t>(n, 3));  // a lone bar is not the whole width
  return "set style fill solid 1.0 noborder\nset boxwidth 0.7\nset yrange [0:*]\nset xrange [-1:" + right +
         "]\nset xtics rotate by -30\n"
         "plot 'DATA' using 0:2:xtic(1) with boxes lc rgb '" + colour + "' title '" + title + "'";
}

void add_latency(const J& run, std::vector<job>& jobs) {
  const auto h = run.find("histogram");
  if (h == run.end() || !h->is_array() || h->empty()) return;
  job j;
  j.p = {"latency_histogram", "latency", "AT command round trip: histogram", {}, {}};
  for (const auto& b : *h) {
    if (!b.is_object() || !is_num(b.value("le_ms", J())) || !is_num(b.value("count", J()))) continue;
    j.data += "\"" + num(b["le_ms"].get<double>()) + " ms\" " + num(b["count"].get<double>()) + "\n";
  }
  if (j.data.empty()) return;
  j.script = head(j.p.title, "round trip, upper edge of the bucket", "samples") + category_bars(plot_colour::latency, "samples", lines(j.data));
  jobs.push_back(std::move(j));
}

void add_calls(const J& run, std::vector<job>& jobs) {
  const auto calls = run.find("calls");
  if (calls != run.end() && calls->is_array()) {
    std::vector<double> t;
    for (const auto& c : *calls)
      if (c.is_object() && is_num(c.value("time_to_connect_s", J()))) t.push_back(c["time_to_connect_s"].get<double>());
    if (!t.empty()) {
      // Ten equal bins over the range (one bin when every call took the same time).
      const auto [lo, hi] = std::minmax_element(t.begin(), t.end());
      const double width = *hi > *lo ? (*hi - *lo) / 10 : std::max(0.01, *lo / 10);
      std::vector<unsigned> bins(*hi > *lo ? 10 : 1, 0);
      for (double x : t) {
        auto i = static_cast<std::size_t>((x - *lo) / width);
        bins[std::min(i, bins.size() - 1)]++;
      }
      job j;
      j.p = {"connect_time", "calls", "Time to CONNECT: distribution", {}, {}};
      for (std::size_t i = 0; i < bins.size(); ++i)
        j.data += num(*lo + width * (static_cast<double>(i) + 0.5)) + " " + std::to_string(bins[i]) + "\n";
      j.script = head(j.p.title, "time to CONNECT (s)", "calls") +
                 "set style fill solid 1.0 noborder\nset boxwidth " + num(width * 0.9) +
                 "\nset yrange [0:*]\nset xrange [" + num(*lo - width) + ":" + num(*lo + width * (static_cast<double>(bins.size()) + 1)) +
                 "]\nplot 'DATA' using 1:2 with boxes lc rgb '" + plot_colour::connect_time + "' title 'calls'";
      jobs.push_back(std::move(j));
    }
  }
  const auto rates = run.find("connect_rates");
  if (rates != run.end() && rates->is_object() && !rates->empty()) {
    job j;
    j.p = {"connect_rates", "calls", "CONNECT rates", {}, {}};
    for (const auto& [k, v] : rates->items()) {
      // The keys are rates in bit/s; anything else is not plotted (it would reach gnuplot).
      if (k.empty() || k.size() > 9 || k.find_first_not_of("0123456789") != std::string::npos || !is_num(v)) continue;
      j.data += "\"" + k + "\" " + num(v.get<double>()) + "\n";
    }
    if (!j.data.empty()) {
      j.script = head(j.p.title, "rate (bit/s)", "calls") + category_bars(plot_colour::connect_rates, "calls", lines(j.data));
      jobs.push_back(std::move(j));
    }
  }
}

void add_throughput(const J& run, std::vector<job>& jobs) {
  const auto iv = run.find("intervals");
  if (iv == run.end() || !iv->is_array() || iv->empty()) return;
  job j;
  j.p = {"throughput", "throughput", "Throughput over time", {}, {}};
  for (const auto& i : *iv) {
    if (!i.is_object() || !is_num(i.value("t_s", J()))) continue;
    const auto tx = i.value("tx_bytes_per_s", J()), rx = i.value("rx_bytes_per_s", J());
    j.data += num(i["t_s"].get<double>()) + " " + (is_num(tx) ? num(tx.get<double>()) : "NaN") + " " +
              (is_num(rx) ? num(rx.get<double>()) : "NaN") + "\n";
  }
  if (j.data.empty()) return;
  j.script = head(j.p.title, "time (s)", "bytes/s") + "set key top right\nset yrange [0:*]\n"
             "plot 'DATA' using 1:2 with lines lw 4 lc rgb '" + plot_colour::tx + "' title 'sent', "
             "'' using 1:3 with lines lw 4 lc rgb '" + plot_colour::rx + "' title 'received'";
  jobs.push_back(std::move(j));
}

void add_signal(const J& run, std::vector<job>& jobs) {
  const auto s = run.find("samples");
  if (s == run.end() || !s->is_array() || s->empty()) return;
  job j;
  j.p = {"signal", "signal", "Signal over time", {}, {}};
  for (const auto& i : *s)
    if (i.is_object() && is_num(i.value("t_s", J())) && is_num(i.value("rssi_dbm", J())))
      j.data += num(i["t_s"].get<double>()) + " " + num(i["rssi_dbm"].get<double>()) + "\n";
  if (j.data.empty()) return;
  j.script = head(j.p.title, "time (s)", "RSSI (dBm)") +
             "plot 'DATA' using 1:2 with linespoints lw 3 pt 7 lc rgb '" + plot_colour::signal + "' title 'RSSI'";
  jobs.push_back(std::move(j));
}

std::string read_limited(const std::string& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::string s(limit, '\0');
  in.read(s.data(), static_cast<std::streamsize>(limit));
  s.resize(static_cast<std::size_t>(in.gcount()));
  return s;
}

}  // namespace

std::string find_gnuplot() {
  const char* path = std::getenv("PATH");
  if (!path) return {};
  std::stringstream ss(path);
  std::string d;
  while (std::getline(ss, d, ':')) {
    if (d.empty()) continue;
    const std::string p = d + "/gnuplot";
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return {};
}

std::vector<plot> draw_plots(const nlohmann::json& runs, const std::string& dir, const std::string& gnuplot,
                             std::chrono::seconds deadline) {
  std::vector<job> jobs;
  if (!runs.is_object()) return {};
  // Which run's data each plot comes from (a run's key is its measurement's name).
  if (auto r = runs.find("latency"); r != runs.end() && r->is_object()) add_latency(*r, jobs);
  if (auto r = runs.find("calls"); r != runs.end() && r->is_object()) add_calls(*r, jobs);
  if (auto r = runs.find("throughput"); r != runs.end() && r->is_object()) add_throughput(*r, jobs);
  if (auto r = runs.find("signal"); r != runs.end() && r->is_object()) add_signal(*r, jobs);
  std::vector<plot> out;
  if (jobs.empty()) return out;
  const std::string pdir = dir + "/plots";
  ::mkdir(pdir.c_str(), 0755);
  for (auto& j : jobs) {
    auto& p = j.p;
    const std::string data = p.name + ".dat";
    std::string script = "# " + p.title + ": drawn by dialup-diag report (docs/diag.md)\n" +
                         both_terminals(p.name, j.script);
    for (std::size_t pos; (pos = script.find("'DATA'")) != std::string::npos;) script.replace(pos, 6, "'" + data + "'");
    std::ofstream(pdir + "/" + data) << j.data;
    std::ofstream(pdir + "/" + p.name + ".gp") << script;
    const auto r = run_program({gnuplot, p.name + ".gp"}, deadline, 1 << 20, pdir, false);
    if (!r.status) p.error = "gnuplot could not be started: " + r.error;
    else if (r.timed_out) p.error = "gnuplot took longer than " + std::to_string(deadline.count()) + " s";
    else if (*r.status != 0) p.error = "gnuplot failed (exit status " + std::to_string(*r.status) + ")";
    if (p.error.empty()) {
      std::string svg = read_limited(pdir + "/" + p.name + ".svg", 16 << 20);
      // Inlined into the page: the XML declaration and the DOCTYPE go.
      const auto at = svg.find("<svg");
      if (at == std::string::npos) p.error = "gnuplot wrote no SVG";
      else p.svg = svg.substr(at);
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace dialup_diag
