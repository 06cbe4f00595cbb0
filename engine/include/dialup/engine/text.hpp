// ASCII text helpers shared by the engine, its tools and its tests: one case-insensitive
// comparison, one trim, one way of showing raw line bytes. ASCII only on purpose — AT
// responses, phone-book keys and entry names compare as Windows and V.250 compare them
// (letters A–Z/a–z only), never by the process locale.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace dialup::text {

constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr char ascii_upper(char c) noexcept {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

inline std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

// Spaces and tabs off both ends.
constexpr std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// Raw line bytes as one printable line, unambiguously: \r \n \\ and \xNN for every other
// control or non-ASCII byte; printable ASCII as itself. Traces and the simulator's logs all
// show bytes this way.
inline std::string escape_bytes(std::string_view bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() + 8);
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c == '\\') out += "\\\\";
    else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else out += ch;
  }
  return out;
}

// The number of single-character insertions, deletions, substitutions and swaps of two
// neighbours (ASCII case ignored) that turn `a` into `b` (the optimal-string-alignment
// form of the Damerau-Levenshtein distance: "dail" is 1 from "dial"): how "did you mean"
// suggestions pick the nearest name. O(|a|·|b|) time, O(|b|) memory; for names, not texts.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = ascii_lower(a[i - 1]) == ascii_lower(b[j - 1]);
      row[j] = std::min({previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (same ? 0 : 1)});
      if (i > 1 && j > 1 && ascii_lower(a[i - 1]) == ascii_lower(b[j - 2]) &&
          ascii_lower(a[i - 2]) == ascii_lower(b[j - 1]))
        row[j] = std::min(row[j], before[j - 2] + 1);
    }
    std::swap(before, previous);
    std::swap(previous, row);
  }
  return previous[b.size()];
}

// The candidate nearest to `word` when it is near enough to be what was meant — at most a
// third of the word's length away, and at least 1, 2 for words of 6 or more — else "".
// The first of equally near candidates wins.
template <class Range>
std::string nearest(std::string_view word, const Range& candidates) {
  const std::size_t limit = std::max<std::size_t>(word.size() >= 6 ? 2 : 1, word.size() / 3);
  std::string best;
  std::size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(c);
    }
  }
  return best;
}

}  // namespace dialup::text
