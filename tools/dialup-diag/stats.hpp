// stats — the numbers a measurement reports over its samples: count, min, mean, the
// nearest-rank percentiles (p50/p90/p99), max, and a histogram with bucket edges of
// 1-2-5 steps, so that a few fast samples and one slow one are all visible.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace dialup_diag {

struct summary {
  std::size_t count = 0;
  double min = 0, mean = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
};

// Nearest rank: the smallest sample with at least p% of the samples at or below it.
inline double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  std::size_t rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

inline summary summarize(std::vector<double> v) {
  summary s;
  s.count = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  s.min = v.front();
  s.max = v.back();
  s.mean = sum / static_cast<double>(v.size());
  s.p50 = percentile(v, 50);
  s.p90 = percentile(v, 90);
  s.p99 = percentile(v, 99);
  return s;
}

struct bucket {
  double upper;        // samples <= upper (and > the previous bucket's upper)
  std::size_t count;
};

// Buckets 1, 2, 5, 10, 20, 50 ... (in the samples' unit) from below the smallest sample to
// above the largest; empty buckets inside the range are kept so the shape shows.
inline std::vector<bucket> histogram(const std::vector<double>& v) {
  std::vector<bucket> out;
  if (v.empty()) return out;
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  std::vector<double> edges;
  for (double decade = 1e-3; decade < 1e9; decade *= 10)
    for (double m : {1.0, 2.0, 5.0}) edges.push_back(m * decade);
  std::size_t first = 0;
  while (first + 1 < edges.size() && edges[first] < *lo) ++first;
  std::size_t last = first;
  while (last + 1 < edges.size() && edges[last] < *hi) ++last;
  for (std::size_t i = first; i <= last; ++i) out.push_back({edges[i], 0});
  for (double x : v) {
    for (auto& b : out) {
      if (x <= b.upper) {
        ++b.count;
        break;
      }
    }
  }
  return out;
}

// A bar of '#' for a count out of the largest count.
inline std::string bar(std::size_t n, std::size_t largest, std::size_t width = 40) {
  if (!largest) return {};
  std::size_t w = n * width / largest;
  if (n && !w) w = 1;
  return std::string(w, '#');
}

}  // namespace dialup_diag
