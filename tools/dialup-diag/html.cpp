// The report's page (report.hpp): a banner when the report was interrupted, a table per
// measurement (specific ones for the known runs, a generic key/value table for any other),
// and the plots. Self-contained: no external file, script or font.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sys/stat.h>

#include "commands.hpp"
#include "report.hpp"

namespace dialup_diag {

namespace {

using J = nlohmann::json;

std::string esc(const std::string& s) { return html_escape(s); }

std::string scalar_text(const J& v) {
  if (v.is_null()) return "—";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_number_float()) {
    char b[40];
    std::snprintf(b, sizeof b, "%.6g", v.get<double>());
    return b;
  }
  if (v.is_number()) return v.dump();
  return v.dump(-1, ' ', false, J::error_handler_t::replace);
}

// A key/value table of a run object: scalars as they are, objects of scalars flattened as
// key.sub, arrays and deeper objects summarised (their size), the JSON shortened.
void generic_rows(const J& obj, const std::string& prefix, std::string& out, int depth = 0) {
  for (const auto& [k, v] : obj.items()) {
    const std::string key = prefix.empty() ? k : prefix + "." + k;
    if (v.is_object() && depth < 1 && !v.empty()) {
      generic_rows(v, key, out, depth + 1);
      continue;
    }
    std::string text;
    if (v.is_array()) text = std::to_string(v.size()) + (v.size() == 1 ? " item" : " items");
    else if (v.is_object()) {
      text = v.dump(-1, ' ', false, J::error_handler_t::replace);
      if (text.size() > 200) text = text.substr(0, 200) + "…";
    } else text = scalar_text(v);
    out += "<tr><th>" + esc(key) + "</th><td>" + esc(text) + "</td></tr>\n";
  }
}

std::string table(const std::string& rows, const std::string& caption = {}) {
  return "<table>" + (caption.empty() ? std::string() : "<caption>" + esc(caption) + "</caption>") + "\n" + rows +
         "</table>\n";
}

std::string row(const std::string& k, const std::string& v) {
  return "<tr><th>" + esc(k) + "</th><td>" + esc(v) + "</td></tr>\n";
}

std::string ms_summary(const J& s, const std::string& unit) {
  std::string rows = "<tr><th></th><th>min</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>\n<tr><td>" + esc(unit) + "</td>";
  for (const char* k : {"min", "mean", "p50", "p90", "p99", "max"}) rows += "<td>" + esc(scalar_text(s.value(k, J()))) + "</td>";
  return rows + "</tr>\n";
}

std::string latency_section(const J& r) {
  std::string rows;
  for (const char* k : {"port", "at_command", "after", "requested", "answered", "timeouts", "not_ok", "stopped"})
    if (r.contains(k)) rows += row(k, scalar_text(r[k]));
  std::string s = table(rows);
  if (r.value("ms", J()).is_object()) s += table(ms_summary(r["ms"], "ms"), "round trip");
  return s;
}

std::string calls_section(const J& r) {
  std::string rows;
  for (const char* k : {"port", "requested", "attempted", "counted", "connected", "failed", "success_rate", "retrains",
                        "hang_up_not_confirmed", "stopped"})
    if (r.contains(k)) rows += row(k, scalar_text(r[k]));
  for (const char* k : {"connect_rates", "protocols", "terminations"})
    if (r.value(k, J()).is_object())
      for (const auto& [rk, rv] : r[k].items()) rows += row(std::string(k) + " " + rk, scalar_text(rv));
  if (r.value("failures", J()).is_object())
    for (const auto& [code, f] : r["failures"].items())
      rows += row("failure " + code, scalar_text(f.value("count", J())) + " × " + scalar_text(f.value("text", J())));
  std::string s = table(rows);
  if (r.value("time_to_connect_s", J()).is_object()) s += table(ms_summary(r["time_to_connect_s"], "s"), "time to CONNECT");
  if (r.value("calls", J()).is_array() && !r["calls"].empty()) {
    std::string c = "<tr><th>call</th><th>number</th><th>connected</th><th>time to CONNECT (s)</th><th>rate</th>"
                    "<th>CONNECT</th><th>error</th></tr>\n";
    for (const auto& call : r["calls"]) {
      if (!call.is_object()) continue;
      c += "<tr>";
      for (const char* k : {"call", "number", "connected", "time_to_connect_s", "rate", "connect_text", "error_text"})
        c += "<td>" + esc(scalar_text(call.value(k, J()))) + "</td>";
      c += "</tr>\n";
    }
    s += table(c, "calls");
  }
  return s;
}

std::string identify_section(const J& r) {
  std::string rows;
  if (r.value("answers", J()).is_object())
    for (const auto& [q, a] : r["answers"].items()) rows += "<tr><th>" + esc(q) + "</th><td><pre>" + esc(scalar_text(a)) + "</pre></td></tr>\n";
  std::string s = table(rows, "answers");
  std::string rest;
  J other = J::object();
  for (const auto& [k, v] : r.items())
    if (k != "answers") other[k] = v;
  generic_rows(other, "", rest);
  return s + table(rest);
}

const char* css =
    "body{font-family:sans-serif;margin:24px;color:#222;background:#fff}"
    "h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:2px solid #1f6f5c}"
    "table{border-collapse:collapse;margin:10px 0}"
    "th,td{border:1px solid #9bbfb5;padding:3px 8px;text-align:left;vertical-align:top;font-size:13px}"
    "th{background:#1f6f5c;color:#fff;font-weight:normal}"
    "caption{text-align:left;font-weight:bold;padding:4px 0}"
    "pre{margin:0;white-space:pre-wrap}"
    ".banner{background:#ffe066;border:2px solid #b08900;padding:10px;font-weight:bold}"
    ".note{background:#eeeeee;padding:8px}"
    ".run{display:flex;flex-wrap:wrap;align-items:flex-start;gap:8px 24px}"
    ".plot{margin:10px 0}";

}  // namespace

std::string html_escape(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (unsigned char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default:
        if (c < 0x20 && c != '\n' && c != '\t') o += "&#xFFFD;";  // a control character from the modem
        else o += static_cast<char>(c);
    }
  }
  return o;
}

std::string report_html(const nlohmann::json& report, const std::vector<plot>& plots, const std::string& plots_note) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                  "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
                  "<title>dialup-diag report</title>\n<style>" + std::string(css) + "</style></head><body>\n";
  h += "<h1>dialup-diag report</h1>\n";
  if (report.value("interrupted", false)) {
    h += "<div class=\"banner\">This report is incomplete: the run was interrupted";
    if (report.value("stopped", J()).is_string()) h += " (" + esc(report["stopped"].get<std::string>()) + ")";
    h += ". What was measured up to then is shown.</div>\n";
  }
  std::string head;
  for (const char* k : {"version", "started", "port", "interrupted", "stopped"})
    if (report.contains(k)) head += row(k, scalar_text(report[k]));
  h += table(head);
  if (!plots_note.empty()) h += "<p class=\"note\">" + esc(plots_note) + "</p>\n";
  const J runs = report.value("runs", J::object());
  // In the order of the measurements' table, then any other run.
  std::vector<std::string> order;
  for (const auto& m : measurements())
    if (runs.contains(m.name)) order.push_back(m.name);
  for (const auto& [name, r] : runs.items())
    if (std::find(order.begin(), order.end(), name) == order.end()) order.push_back(name);
  for (const auto& name : order) {
    const J& r = runs[name];
    h += "<h2>" + esc(name) + "</h2>\n";
    if (!r.is_object()) {
      h += "<p>not measured</p>\n";
      continue;
    }
    if (r.value("interrupted", false))
      h += "<p class=\"note\">stopped early: " + esc(scalar_text(r.value("stopped", J()))) + "</p>\n";
    // The tables, and the plots beside them as far as the width allows.
    h += "<div class=\"run\"><div>\n";
    if (name == "latency") h += latency_section(r);
    else if (name == "calls") h += calls_section(r);
    else if (name == "identify") h += identify_section(r);
    else {
      std::string rows;
      generic_rows(r, "", rows);
      h += table(rows);
    }
    h += "</div>\n";
    for (const auto& p : plots) {
      if (p.run != name) continue;
      if (!p.svg.empty()) h += "<div class=\"plot\">" + p.svg + "</div>\n";
      else h += "<p class=\"note\">" + esc(p.title) + ": not drawn: " + esc(p.error) + "</p>\n";
    }
    h += "</div>\n";
  }
  if (report.value("errors", J()).is_object() && !report["errors"].empty()) {
    h += "<h2>not measured</h2>\n";
    std::string rows;
    for (const auto& [name, e] : report["errors"].items()) rows += row(name, scalar_text(e));
    h += table(rows);
  }
  h += "</body></html>\n";
  return h;
}

nlohmann::json read_json_file(const std::string& path, std::string& error, std::size_t limit) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    error = path + ": cannot read it";
    return nullptr;
  }
  if (!S_ISREG(st.st_mode)) {
    error = path + ": not a regular file";
    return nullptr;
  }
  if (static_cast<std::size_t>(st.st_size) > limit) {
    error = path + ": larger than " + std::to_string(limit >> 20) + " MiB";
    return nullptr;
  }
  std::ifstream in(path, std::ios::binary);
  std::string s(static_cast<std::size_t>(st.st_size) + 1, '\0');  // one more: a file that grew shows
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  s.resize(static_cast<std::size_t>(in.gcount()));
  if (s.size() > limit) {
    error = path + ": larger than " + std::to_string(limit >> 20) + " MiB";
    return nullptr;
  }
  auto j = nlohmann::json::parse(s, nullptr, false);
  if (j.is_discarded()) {
    // A --json output is one line; a report.json one object: anything else is not ours.
    error = path + ": not valid JSON";
    return nullptr;
  }
  if (!j.is_object() || !j.value("command", J()).is_string()) {
    error = path + ": not a dialup-diag JSON object (no \"command\")";
    return nullptr;
  }
  return j;
}

}  // namespace dialup_diag
