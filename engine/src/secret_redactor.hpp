// detail::secret_redactor — masks secrets (passwords) in a byte stream that arrives in
// pieces, for the engine's trace.
//
// A remote that echoes a password back a few bytes at a time must not get it into the log:
// masking each piece on its own misses a password split across reads. The redactor keeps
// back the end of the stream that could still be the start of a secret, and lets it out
// once the next bytes show it is not (or masked, once they show it is). flush() lets out
// whatever is held, for when the stream ends or the trace changes direction.
//
// Not thread-safe; one per direction of a connection's trace. Internal to the engine.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace dialup::detail {

class secret_redactor {
 public:
  static constexpr std::string_view mask = "********";

  void add_secret(std::string s) {
    if (s.empty() || std::find(secrets_.begin(), secrets_.end(), s) != secrets_.end()) return;
    secrets_.push_back(std::move(s));
  }
  const std::vector<std::string>& secrets() const { return secrets_; }

  // The bytes that are safe to show now, with every complete secret replaced by the mask.
  std::string feed(std::string_view bytes) {
    held_.append(bytes);
    std::string out;
    std::size_t i = 0;
    while (i < held_.size()) {
      bool masked = false;
      bool maybe = false;  // held_[i..] is a proper prefix of a secret: wait for more
      for (const auto& s : secrets_) {
        const std::size_t n = std::min(s.size(), held_.size() - i);
        if (held_.compare(i, n, s, 0, n) != 0) continue;
        if (n == s.size()) {
          out += mask;
          i += s.size();
          masked = true;
          break;
        }
        maybe = true;
      }
      if (masked) continue;
      if (maybe) break;
      out += held_[i++];
    }
    held_.erase(0, i);
    return out;
  }

  // Lets out what is held (a stream that ended in the middle of what looked like a secret
  // is not one).
  std::string flush() {
    std::string out;
    out.swap(held_);
    return out;
  }

 private:
  std::vector<std::string> secrets_;
  std::string held_;
};

}  // namespace dialup::detail
