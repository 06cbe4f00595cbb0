// A small, fast, seedable PRNG for the soak: splitmix64 to derive seeds, xoshiro256** to
// draw (Blackman and Vigna, "Scrambled linear pseudorandom number generators", 2018; the
// reference code is public domain). Never std::random_device, never the time: the same seed
// gives the same draws on every machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dialup::soak {

inline std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The seed of dial n of a run: every dial can be replayed alone (--seed S --dial N).
inline std::uint64_t dial_seed(std::uint64_t run_seed, std::uint64_t n) {
  std::uint64_t x = run_seed;
  std::uint64_t a = splitmix64(x);
  x = a ^ (n * 0xd1b54a32d192ed03ULL);
  return splitmix64(x);
}

class prng {
 public:
  explicit prng(std::uint64_t seed) {
    for (auto& w : s_) w = splitmix64(seed);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n) (n > 0). Lemire's multiply-shift; the tiny bias is irrelevant here.
  std::uint64_t below(std::uint64_t n) {
    __extension__ using u128 = unsigned __int128;  // GCC and Clang; -Wpedantic knows it as an extension
    return static_cast<std::uint64_t>((static_cast<u128>(next()) * n) >> 64);
  }
  // Uniform in [lo, hi].
  std::int64_t range(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo + 1)));
  }
  // True with probability num/den.
  bool chance(std::uint64_t num, std::uint64_t den) { return below(den) < num; }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }
  // An index drawn with the given weights (at least one weight non-zero).
  std::size_t weighted(const std::vector<unsigned>& w) {
    std::uint64_t total = 0;
    for (auto x : w) total += x;
    auto r = below(total);
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (r < w[i]) return i;
      r -= w[i];
    }
    return w.size() - 1;
  }

  std::string hex(std::size_t digits) {
    static const char* h = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < digits; ++i) s += h[below(16)];
    return s;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace dialup::soak
