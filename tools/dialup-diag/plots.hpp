// plots — the report's figures, drawn by gnuplot (docs/diag.md, report): for each run of a
// report.json that has the data, a data file and a gnuplot script are written into
// DIR/plots/, gnuplot is run on the script with a deadline, and it writes NAME.svg (inlined
// into index.html) and NAME.png. Nothing here draws: without gnuplot there are no plots.
//
// Only numbers from the runs go into the data files; the scripts are fixed text, so nothing
// a modem says reaches gnuplot.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dialup_diag {

struct plot {
  std::string name;      // file stem: latency_histogram, ...
  std::string run;       // the run it belongs to: latency, calls, ...
  std::string title;
  std::string svg;       // the SVG document gnuplot wrote (empty if it failed)
  std::string error;     // why there is no plot
};

// The gnuplot on PATH, or "" when there is none.
std::string find_gnuplot();

// The colours of the plots, chosen to be unusual so a screenshot test can find them
// (tests/tools/diag_report_screenshot.sh checks for them).
namespace plot_colour {
inline constexpr const char* latency = "#d6336c";
inline constexpr const char* connect_time = "#f59f00";
inline constexpr const char* connect_rates = "#7048e8";
inline constexpr const char* tx = "#0ca678";
inline constexpr const char* rx = "#1c7ed6";
inline constexpr const char* signal = "#e8590c";
}  // namespace plot_colour

// Writes the data files and scripts of every plot the runs have data for into dir/plots/
// and runs `gnuplot` (a path) on each, killing it after `deadline`.
std::vector<plot> draw_plots(const nlohmann::json& runs, const std::string& dir, const std::string& gnuplot,
                             std::chrono::seconds deadline = std::chrono::seconds(20));

}  // namespace dialup_diag
