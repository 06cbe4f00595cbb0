// One dial's trace: log lines, transport bytes, notifications and faults, each stamped
// with the virtual time, hashed with FNV-1a 64 as they come (kept as text only when the
// trace is to be printed). Equal seeds give equal traces, so equal hashes.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "dialup/engine/text.hpp"

namespace dialup::soak {

// FNV-1a 64 (Fowler, Noll, Vo; the public-domain reference parameters).
class fnv1a64 {
 public:
  void add(std::string_view s) {
    for (unsigned char c : s) {
      h_ ^= c;
      h_ *= 0x100000001b3ULL;
    }
  }
  void add_u64(std::uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
    add(std::string_view(b, 8));
  }
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

inline std::string printable(std::string_view bytes) { return text::escape_bytes(bytes); }

class dial_trace {
 public:
  explicit dial_trace(bool keep) : keep_(keep) {}

  // t: virtual time since the dial's world started.
  void add(std::chrono::nanoseconds t, std::string_view kind, std::string_view text) {
    char stamp[32];
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t).count();
    std::snprintf(stamp, sizeof stamp, "%7lld.%03lld ", static_cast<long long>(ms / 1000),
                  static_cast<long long>(ms % 1000));
    hash_.add(stamp);
    hash_.add(kind);
    hash_.add(" ");
    hash_.add(text);
    hash_.add("\n");
    ++lines_;
    if (keep_) {
      std::string line = stamp;
      line += kind;
      line += ' ';
      line += text;
      text_.push_back(std::move(line));
    }
  }

  std::uint64_t hash() const { return hash_.value(); }
  std::size_t lines() const { return lines_; }
  bool keeping() const { return keep_; }
  const std::vector<std::string>& text() const { return text_; }

 private:
  bool keep_;
  fnv1a64 hash_;
  std::size_t lines_ = 0;
  std::vector<std::string> text_;
};

}  // namespace dialup::soak
