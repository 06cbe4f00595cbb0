// `dialup-diag report`: the chosen measurements run one after the other, each as this
// program re-executed (`/proc/self/exe SUB ... --json --no-progress`) with a deadline, its
// --json object kept; then DIR/report.json, the plots (plots.hpp) and DIR/index.html
// (report.hpp). A measurement that crashes or times out is named under "errors" and the
// others are kept. With --sim ONE simulator serves the whole report: its pty is each
// child's --port.
//
//   start ─> [sim] ─> for each measurement: run child ──> report.json ─> plots ─> index.html
//                                 │ Ctrl-C: the child is sent SIGINT, ends its run and
//                                 │ writes what it measured; no further measurement starts
//                                 └─> "interrupted": true, the page's banner, exit 4
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>

#include "commands.hpp"
#include "diag_port.hpp"
#include "dialup/version.hpp"
#include "report.hpp"
#include "run_program.hpp"

namespace dialup_diag {

std::string secs(double s);

int report_command(const common_options& o, const report_options& r) {
  // Which measurements, in the table's order, each known.
  std::vector<const measurement*> chosen;
  for (const auto& name : r.runs) {
    const measurement* m = nullptr;
    for (const auto& row : measurements())
      if (row.name == name) m = &row;
    if (!m) {
      std::string known;
      for (const auto& row : measurements()) known += (known.empty() ? "" : ", ") + row.name;
      std::fprintf(stderr, "dialup-diag report: no measurement '%s' (known: %s)\n", name.c_str(), known.c_str());
      return 1;
    }
    bool dup = false;
    for (auto* c : chosen) dup = dup || c == m;
    if (!dup) chosen.push_back(m);
  }
  if (::mkdir(r.out.c_str(), 0755) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "dialup-diag report: cannot create %s: %s\n", r.out.c_str(), std::strerror(errno));
    return 1;
  }
  struct stat st {};
  if (::stat(r.out.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    std::fprintf(stderr, "dialup-diag report: %s is not a directory\n", r.out.c_str());
    return 1;
  }

  char started[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::unique_ptr<sim_host> sim;
  const std::string port = start_port(o, sim);

  nlohmann::ordered_json report;
  report["command"] = "report";
  report["version"] = DIALUP_VERSION_STRING;
  report["started"] = started;
  report["port"] = port;
  report["interrupted"] = false;
  report["stopped"] = nullptr;
  report["time_scale"] = o.sim ? nlohmann::ordered_json(o.time_scale) : nlohmann::ordered_json(nullptr);
  nlohmann::ordered_json runs = nlohmann::ordered_json::object();
  nlohmann::ordered_json errors = nlohmann::ordered_json::object();
  std::string stopped;
  bool any_stopped_early = false;
  progress_line progress(progress_wanted(o));

  for (const auto* m : chosen) {
    if (interrupted()) {
      stopped = "interrupted";
      break;
    }
    progress.show("report: " + m->name + " ...");
    auto args = m->args(r);
    args.insert(args.begin(), "/proc/self/exe");
    for (const auto& a : std::vector<std::string>{"--port", port, "--baud", std::to_string(o.baud), "--timeout",
                                                  secs(std::chrono::duration<double>(o.timeout).count()), "--json",
                                                  "--no-progress"})
      args.push_back(a);
    const auto res = run_program(args, std::chrono::milliseconds(static_cast<long long>(r.deadline * 1000)));
    nlohmann::json j;
    // The child's --json output is its one line starting with '{'.
    std::size_t pos = 0;
    while (pos < res.output.size()) {
      auto end = res.output.find('\n', pos);
      if (end == std::string::npos) end = res.output.size();
      if (res.output[pos] == '{') {
        j = nlohmann::json::parse(res.output.begin() + static_cast<long>(pos), res.output.begin() + static_cast<long>(end),
                                  nullptr, false);
        break;
      }
      pos = end + 1;
    }
    if (j.is_object()) {
      runs[m->name] = j;
      if (j.value("interrupted", false)) any_stopped_early = true;
    } else {
      std::string why = res.timed_out                ? "no result within the deadline (" + secs(r.deadline) + " s)"
                        : !res.status                ? "could not be run: " + res.error
                        : res.truncated              ? "its output was larger than the limit"
                                                     : "no JSON result (exit status " + std::to_string(*res.status) + ")";
      errors[m->name] = why;
    }
    if (interrupted()) {
      stopped = "interrupted";
      break;
    }
  }
  progress.clear();
  sim.reset();

  report["interrupted"] = !stopped.empty();
  report["stopped"] = stopped.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(stopped);
  report["runs"] = runs;
  if (!errors.empty()) report["errors"] = errors;

  const std::string json_path = r.out + "/report.json";
  {
    std::ofstream f(json_path);
    f << report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    if (!f) {
      std::fprintf(stderr, "dialup-diag report: cannot write %s\n", json_path.c_str());
      return 1;
    }
  }

  std::vector<plot> plots;
  std::string note;
  const std::string gnuplot = r.no_plots ? std::string() : find_gnuplot();
  if (r.no_plots) note = "plots not drawn: --no-plots";
  else if (gnuplot.empty()) note = "plots not drawn: gnuplot not found";
  else plots = draw_plots(nlohmann::json(runs), r.out, gnuplot);
  const nlohmann::json plain = report;
  {
    const std::string html_path = r.out + "/index.html";
    std::ofstream f(html_path);
    f << report_html(plain, plots, note);
    if (!f) {
      std::fprintf(stderr, "dialup-diag report: cannot write %s\n", html_path.c_str());
      return 1;
    }
  }
  std::size_t drawn = 0;
  for (const auto& p : plots) drawn += p.svg.empty() ? 0 : 1;
  if (!o.json) {
    print_row(stdout, "report", r.out + "/index.html");
    print_row(stdout, "measurements", std::to_string(runs.size()) + " of " + std::to_string(chosen.size()) +
                                          (errors.empty() ? "" : " (" + std::to_string(errors.size()) + " failed)"));
    print_row(stdout, "plots", note.empty() ? std::to_string(drawn) + " drawn" : note);
    for (const auto& p : plots)
      if (!p.error.empty()) print_row(stdout, "plot " + p.name, p.error);
    if (!stopped.empty()) print_row(stdout, "run", "stopped early: " + stopped);
  } else {
    write_json(report);
  }
  if (runs.empty() && stopped.empty()) return 2;
  if (!stopped.empty() || any_stopped_early || !errors.empty()) return 4;
  return 0;
}

}  // namespace dialup_diag
