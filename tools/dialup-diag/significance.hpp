// significance — the tests `dialup-diag compare` applies to two runs (docs/diag.md, compare):
//
//   mann_whitney(a, b)       two sample sets: the two-sided Mann–Whitney U test by the normal
//                            approximation, with the tie correction and a continuity
//                            correction of 0.5 (as R's wilcox.test(correct = TRUE) does)
//   fisher_exact(a,b,c,d)    a 2x2 table [[a, b], [c, d]]: the two-sided Fisher exact test
//                            (the tables as likely as the observed one or less, summed)
//   two_proportions(...)     k1 of n1 against k2 of n2: the pooled two-proportion z test
//   quartiles(v)             the interquartile range's ends (linear interpolation, R type 7)
//
// No I/O, no state; every function is a pure computation on its arguments.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace dialup_diag::significance {

// P(Z > z) for a standard normal Z.
inline double normal_upper(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

struct mw_result {
  double u = 0;        // U of the first sample: pairs (x in a, y in b) with x > y, ties 1/2
  double z = 0;
  double p = 1;        // two-sided
};

// The normal approximation wants several samples a side; the caller says "too few samples"
// under min_samples (the approximation is poor there, and no exact table is kept here).
constexpr std::size_t min_samples = 8;

inline mw_result mann_whitney(const std::vector<double>& a, const std::vector<double>& b) {
  mw_result r;
  const double n1 = static_cast<double>(a.size()), n2 = static_cast<double>(b.size());
  if (a.empty() || b.empty()) return r;
  std::vector<std::pair<double, int>> all;
  all.reserve(a.size() + b.size());
  for (double x : a) all.emplace_back(x, 0);
  for (double y : b) all.emplace_back(y, 1);
  std::sort(all.begin(), all.end(), [](const auto& l, const auto& rr) { return l.first < rr.first; });
  // Mid-ranks for ties; the tie term sum(t^3 - t) for the variance.
  double rank_sum_a = 0, ties = 0;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double t = static_cast<double>(j - i);
    const double mid = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k)
      if (all[k].second == 0) rank_sum_a += mid;
    ties += t * t * t - t;
    i = j;
  }
  const double n = n1 + n2;
  r.u = rank_sum_a - n1 * (n1 + 1) / 2.0;
  const double mean = n1 * n2 / 2.0;
  const double var = n1 * n2 / 12.0 * ((n + 1) - ties / (n * (n - 1)));
  if (var <= 0) {  // every value the same: no evidence of a difference
    r.z = 0;
    r.p = 1;
    return r;
  }
  const double d = r.u - mean;
  const double corrected = d > 0 ? std::max(0.0, d - 0.5) : std::min(0.0, d + 0.5);
  r.z = corrected / std::sqrt(var);
  r.p = std::min(1.0, 2.0 * normal_upper(std::fabs(r.z)));
  return r;
}

inline double log_choose(double n, double k) {
  return std::lgamma(n + 1) - std::lgamma(k + 1) - std::lgamma(n - k + 1);
}

// Two-sided Fisher exact test on [[a, b], [c, d]]: the probabilities (hypergeometric, the
// margins fixed) of every table no more likely than the observed one, summed.
inline double fisher_exact(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) {
  const double r1 = static_cast<double>(a + b), c1 = static_cast<double>(a + c);
  const double n = static_cast<double>(a + b + c + d);
  if (n == 0) return 1;
  const double r2 = n - r1;
  auto prob = [&](double x) { return std::exp(log_choose(r1, x) + log_choose(r2, c1 - x) - log_choose(n, c1)); };
  const double lo = std::max(0.0, c1 - r2), hi = std::min(r1, c1);
  const double observed = prob(static_cast<double>(a));
  double p = 0;
  for (double x = lo; x <= hi; x += 1) {
    const double px = prob(x);
    if (px <= observed * (1 + 1e-7)) p += px;
  }
  return std::min(1.0, p);
}

// Pooled two-proportion z test, two-sided (R's prop.test(correct = FALSE)).
inline double two_proportions(std::uint64_t k1, std::uint64_t n1, std::uint64_t k2, std::uint64_t n2) {
  if (!n1 || !n2) return 1;
  const double p1 = static_cast<double>(k1) / static_cast<double>(n1);
  const double p2 = static_cast<double>(k2) / static_cast<double>(n2);
  const double pooled = static_cast<double>(k1 + k2) / static_cast<double>(n1 + n2);
  const double se = std::sqrt(pooled * (1 - pooled) * (1.0 / static_cast<double>(n1) + 1.0 / static_cast<double>(n2)));
  if (se == 0) return 1;
  return std::min(1.0, 2.0 * normal_upper(std::fabs(p1 - p2) / se));
}

// The rates' test: Fisher's exact test when any expected cell count is under 5, else the z test.
struct proportion_result {
  double p = 1;
  bool exact = false;
};
inline proportion_result compare_proportions(std::uint64_t k1, std::uint64_t n1, std::uint64_t k2, std::uint64_t n2) {
  proportion_result r;
  const double n = static_cast<double>(n1 + n2);
  if (n == 0) return r;
  const double k = static_cast<double>(k1 + k2);
  const double e[4] = {static_cast<double>(n1) * k / n, static_cast<double>(n1) * (n - k) / n,
                       static_cast<double>(n2) * k / n, static_cast<double>(n2) * (n - k) / n};
  r.exact = *std::min_element(e, e + 4) < 5;
  r.p = r.exact ? fisher_exact(k1, n1 - k1, k2, n2 - k2) : two_proportions(k1, n1, k2, n2);
  return r;
}

// The first and third quartiles (linear interpolation between order statistics, R's type 7).
inline std::optional<std::pair<double, double>> quartiles(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  auto q = [&](double p) {
    const double h = (static_cast<double>(v.size()) - 1) * p;
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const auto hi = std::min(v.size() - 1, lo + 1);
    return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
  };
  return std::make_pair(q(0.25), q(0.75));
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

}  // namespace dialup_diag::significance
