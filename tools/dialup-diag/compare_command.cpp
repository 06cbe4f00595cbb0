// `dialup-diag compare A.json B.json`: what changed between two runs, per measurement and
// figure — A, B, the change (absolute and relative) and whether it is significant
// (significance.hpp): sample sets by the Mann–Whitney U test and their interquartile
// ranges, the call success rate by Fisher's exact or the two-proportion test, and single
// figures said to be one measurement each. A and B are report.json files or single
// subcommands' --json outputs (docs/diag.md, compare).
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include "commands.hpp"
#include "report.hpp"
#include "significance.hpp"

namespace dialup_diag {

namespace {

using J = nlohmann::json;
using OJ = nlohmann::ordered_json;
namespace sig = significance;

constexpr double alpha = 0.05;

struct line {
  std::string run, figure;
  std::optional<double> a, b;
  std::string test;            // "Mann-Whitney U", "Fisher exact", "two-proportion z", ""
  std::optional<double> p;
  std::size_t n_a = 0, n_b = 0;
  std::optional<std::pair<double, double>> iqr_a, iqr_b;
  std::string verdict;
};

J runs_of(const J& j) {
  if (j.value("command", "") == "report") return j.value("runs", J::object());
  J r = J::object();
  r[j["command"].get<std::string>()] = j;
  return r;
}

bool finite_number(const J& v) { return v.is_number() && !v.is_boolean() && std::isfinite(v.get<double>()); }

// A run's sample sets: the samples under a figure's name.
using sample_sets = std::vector<std::pair<std::string, std::vector<double>>>;
sample_sets samples_of(const std::string& run, const J& r) {
  sample_sets out;
  auto list = [&](const char* key, const char* field, const std::string& figure) {
    std::vector<double> v;
    const auto a = r.find(key);
    if (a == r.end() || !a->is_array()) return;
    for (const auto& e : *a) {
      const J x = field ? (e.is_object() ? e.value(field, J()) : J()) : e;
      if (finite_number(x)) v.push_back(x.get<double>());
    }
    out.emplace_back(figure, std::move(v));
  };
  if (run == "latency") list("samples_ms", nullptr, "round trip (ms), median");
  if (run == "calls") {
    std::vector<double> v;
    if (r.value("calls", J()).is_array())
      for (const auto& c : r["calls"])
        if (c.is_object() && c.value("connected", false) && finite_number(c.value("time_to_connect_s", J())))
          v.push_back(c["time_to_connect_s"].get<double>());
    if (r.value("calls", J()).is_array()) out.emplace_back("time to CONNECT (s), median", std::move(v));
  }
  if (run == "throughput") {
    list("intervals", "tx_bytes_per_s", "sent (bytes/s per interval), median");
    list("intervals", "rx_bytes_per_s", "received (bytes/s per interval), median");
  }
  if (run == "signal") list("samples", "rssi_dbm", "RSSI (dBm), median");
  return out;
}

// The keys whose figures are shown otherwise (the samples, the counts behind the rate).
const std::set<std::string>& skipped(const std::string& run) {
  static const std::set<std::string> none;
  static const std::set<std::string> calls{"requested", "attempted", "counted", "connected", "failed", "success_rate"};
  static const std::set<std::string> latency{"requested"};
  if (run == "calls") return calls;
  if (run == "latency") return latency;
  return none;
}

// Single figures: the numbers at the top of a run, and one level down (ms.p50, ...).
std::vector<std::pair<std::string, double>> figures_of(const std::string& run, const J& r) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [k, v] : r.items()) {
    if (skipped(run).count(k)) continue;
    if (finite_number(v)) out.emplace_back(k, v.get<double>());
    else if (v.is_object())
      for (const auto& [k2, v2] : v.items())
        if (finite_number(v2)) out.emplace_back(k + "." + k2, v2.get<double>());
  }
  return out;
}

std::string pval(double p) {
  char b[32];
  if (p < 0.001) std::snprintf(b, sizeof b, "p=%.1e", p);
  else std::snprintf(b, sizeof b, "p=%.3f", p);
  return b;
}

std::string num(std::optional<double> v) {
  if (!v) return "-";
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", *v);
  return b;
}

std::vector<line> compare_runs(const std::string& run, const J& a, const J& b) {
  std::vector<line> out;
  // The success rate of calls: connected of counted.
  if (run == "calls") {
    const J ka = a.value("connected", J()), na = a.value("counted", J());
    const J kb = b.value("connected", J()), nb = b.value("counted", J());
    if (finite_number(ka) && finite_number(na) && finite_number(kb) && finite_number(nb)) {
      line l{run, "success rate", {}, {}, {}, {}, 0, 0, {}, {}, {}};
      const auto k1 = ka.get<std::uint64_t>(), n1 = na.get<std::uint64_t>();
      const auto k2 = kb.get<std::uint64_t>(), n2 = nb.get<std::uint64_t>();
      l.n_a = n1;
      l.n_b = n2;
      if (n1) l.a = static_cast<double>(k1) / static_cast<double>(n1);
      if (n2) l.b = static_cast<double>(k2) / static_cast<double>(n2);
      if (!n1 || !n2 || k1 > n1 || k2 > n2) {
        l.verdict = "no calls counted";
      } else {
        const auto pr = sig::compare_proportions(k1, n1, k2, n2);
        l.test = pr.exact ? "Fisher exact" : "two-proportion z";
        l.p = pr.p;
        l.verdict = (pr.p < alpha ? "significant (" : "not significant (") + pval(pr.p) + ")";
      }
      out.push_back(l);
    }
  }
  const auto sa = samples_of(run, a), sb = samples_of(run, b);
  for (const auto& [figure, va] : sa) {
    for (const auto& [figure_b, vb] : sb) {
      if (figure_b != figure) continue;
      line l{run, figure, {}, {}, "Mann-Whitney U", {}, va.size(), vb.size(), sig::quartiles(va), sig::quartiles(vb), {}};
      if (!va.empty()) l.a = sig::median(va);
      if (!vb.empty()) l.b = sig::median(vb);
      if (va.size() < sig::min_samples || vb.size() < sig::min_samples) {
        l.verdict = "too few samples (" + std::to_string(va.size()) + " and " + std::to_string(vb.size()) + ", need " +
                    std::to_string(sig::min_samples) + " a side)";
      } else {
        const auto m = sig::mann_whitney(va, vb);
        l.p = m.p;
        l.verdict = (m.p < alpha ? "significant (" : "not significant (") + pval(m.p) + ")";
      }
      out.push_back(l);
    }
  }
  const auto fa = figures_of(run, a), fb = figures_of(run, b);
  for (const auto& [k, va] : fa)
    for (const auto& [kb, vb] : fb)
      if (k == kb) out.push_back(line{run, k, va, vb, {}, {}, 1, 1, {}, {}, "one measurement each: no significance"});
  return out;
}

}  // namespace

int compare_command(const std::string& path_a, const std::string& path_b, bool json) {
  std::string error;
  const J a = read_json_file(path_a, error);
  if (a.is_null()) {
    std::fprintf(stderr, "dialup-diag compare: %s\n", error.c_str());
    return 1;
  }
  const J b = read_json_file(path_b, error);
  if (b.is_null()) {
    std::fprintf(stderr, "dialup-diag compare: %s\n", error.c_str());
    return 1;
  }
  const J ra = runs_of(a), rb = runs_of(b);
  if (!ra.is_object() || !rb.is_object()) {
    std::fprintf(stderr, "dialup-diag compare: \"runs\" is not an object\n");
    return 1;
  }
  std::vector<line> lines;
  std::vector<std::string> only_a, only_b;
  for (const auto& [name, run] : ra.items()) {
    if (!rb.contains(name)) {
      only_a.push_back(name);
      continue;
    }
    if (!run.is_object() || !rb[name].is_object()) continue;
    auto l = compare_runs(name, run, rb[name]);
    lines.insert(lines.end(), l.begin(), l.end());
  }
  for (const auto& [name, run] : rb.items())
    if (!ra.contains(name)) only_b.push_back(name);

  auto change = [](const line& l) -> std::optional<double> {
    if (l.a && l.b) return *l.b - *l.a;
    return std::nullopt;
  };
  auto pct = [](const line& l) -> std::optional<double> {
    if (l.a && l.b && *l.a != 0) return (*l.b - *l.a) / std::fabs(*l.a) * 100;
    return std::nullopt;
  };
  auto overlap = [](const line& l) -> std::optional<bool> {
    if (!l.iqr_a || !l.iqr_b) return std::nullopt;
    return l.iqr_a->first <= l.iqr_b->second && l.iqr_b->first <= l.iqr_a->second;
  };
  if (json) {
    auto opt = [](std::optional<double> v) { return v ? OJ(*v) : OJ(nullptr); };
    OJ j;
    j["command"] = "compare";
    j["a"] = path_a;
    j["b"] = path_b;
    OJ list = OJ::array();
    for (const auto& l : lines) {
      OJ e;
      e["measurement"] = l.run;
      e["figure"] = l.figure;
      e["a"] = opt(l.a);
      e["b"] = opt(l.b);
      e["change"] = opt(change(l));
      e["change_pct"] = opt(pct(l));
      e["test"] = l.test.empty() ? OJ(nullptr) : OJ(l.test);
      e["p"] = opt(l.p);
      e["n_a"] = l.n_a;
      e["n_b"] = l.n_b;
      e["iqr_a"] = l.iqr_a ? OJ{l.iqr_a->first, l.iqr_a->second} : OJ(nullptr);
      e["iqr_b"] = l.iqr_b ? OJ{l.iqr_b->first, l.iqr_b->second} : OJ(nullptr);
      const auto ov = overlap(l);
      e["iqr_overlap"] = ov ? OJ(*ov) : OJ(nullptr);
      e["significant"] = l.p ? OJ(*l.p < alpha) : OJ(nullptr);
      e["verdict"] = l.verdict;
      list.push_back(e);
    }
    j["lines"] = list;
    j["only_in_a"] = only_a;
    j["only_in_b"] = only_b;
    write_json(j);
    return 0;
  }
  std::printf("A: %s\nB: %s\n", path_a.c_str(), path_b.c_str());
  if (!lines.empty())
    std::printf("\n  %-40s %12s %12s %20s  %s\n", "figure", "A", "B", "change", "significance");
  std::string last;
  for (const auto& l : lines) {
    if (l.run != last) {
      std::printf("\n%s\n", l.run.c_str());
      last = l.run;
    }
    std::string ch = num(change(l));
    if (change(l) && *change(l) > 0) ch = "+" + ch;
    if (auto p = pct(l)) {
      char b[32];
      std::snprintf(b, sizeof b, " (%+.1f%%)", *p);
      ch += b;
    }
    std::string v = l.verdict;
    if (auto ov = overlap(l)) v += *ov ? "; IQRs overlap" : "; IQRs do not overlap";
    if (!l.test.empty() && l.p) v += " [" + l.test + "]";
    std::printf("  %-40s %12s %12s %20s  %s\n", l.figure.c_str(), num(l.a).c_str(), num(l.b).c_str(), ch.c_str(), v.c_str());
  }
  if (lines.empty()) std::printf("\nno measurement in common\n");
  for (const auto& n : only_a) std::printf("\n%s: only in A\n", n.c_str());
  for (const auto& n : only_b) std::printf("\n%s: only in B\n", n.c_str());
  return 0;
}

}  // namespace dialup_diag
