// report — what `dialup-diag report` and `dialup-diag compare` share (docs/diag.md, report
// and compare): the measurements a report can run, the page it writes, and the reading of
// a report.json or a subcommand's --json output with a size limit.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plots.hpp"

namespace dialup_diag {

// index.html: one self-contained page (CSS inline, the plots inline as SVG). Everything
// from the runs is escaped. `plots_note` is said on the page when there are no plots.
std::string report_html(const nlohmann::json& report, const std::vector<plot>& plots, const std::string& plots_note);
std::string html_escape(const std::string& s);

// The colours of the page's styling (tests/tools/diag_report_screenshot.sh looks for them).
namespace page_colour {
inline constexpr const char* table_head = "#1f6f5c";
inline constexpr const char* banner = "#ffe066";
}  // namespace page_colour

// Reads a JSON file of at most `limit` bytes; on failure `error` says why and null is returned.
nlohmann::json read_json_file(const std::string& path, std::string& error, std::size_t limit = std::size_t{64} << 20);

}  // namespace dialup_diag
