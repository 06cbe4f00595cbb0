// libFuzzer target for the AT response parser (sans-I/O).
//
// The first input byte picks the options (numeric codes on/off, a small or large line
// limit); the rest is modem output, fed in pieces whose sizes come from the input itself.
// Invariants: feed() never consumes more than it was given; no line text holds CR, LF or
// another control character; no line is longer than the limit; a truncated line is never
// a final result other than CONNECT; CONNECT is always the last line of a feed and puts
// the parser in data mode.
//
// Built with clang -fsanitize=fuzzer as at_parser_fuzz (tests/fuzz/CMakeLists.txt) and
// replayed over pseudo-random inputs by tests/engine/at_parser_fuzz_replay_test.cpp.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "dialup/engine/at_parser.hpp"

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t options = data[0];
  const std::size_t limit = (options & 2) ? 512 : 8;
  dialup::at_parser parser(dialup::response_table::generic(), limit);
  parser.numeric_codes(options & 1);
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  std::size_t step = 1 + (options >> 2);
  std::vector<dialup::response_line> lines;
  while (!in.empty()) {
    auto chunk = in.substr(0, step);
    in.remove_prefix(chunk.size());
    while (!chunk.empty()) {
      if (parser.in_data_mode()) {
        auto rest = parser.take_data(chunk);
        require(rest.size() <= chunk.size());
        // Back to command mode half of the time, as after +++ or NO CARRIER.
        if (!rest.empty() && (rest.front() & 1)) parser.resume_command_mode();
        chunk = {};
        break;
      }
      lines.clear();
      auto used = parser.feed(chunk, lines);
      require(used <= chunk.size());
      for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto& l = lines[i];
        require(!l.text.empty());
        require(l.text.size() <= limit);
        for (char c : l.text) {
          auto u = static_cast<unsigned char>(c);
          require(u >= 0x20 || c == '\t');
          require(u != 0x7f);
        }
        if (l.truncated && dialup::is_final(l.kind)) require(l.kind == dialup::response_kind::connect);
        if (l.kind == dialup::response_kind::connect) {
          require(i + 1 == lines.size());
          require(parser.in_data_mode());
        }
      }
      if (!parser.in_data_mode()) require(used == chunk.size());
      chunk.remove_prefix(used);
    }
    step = 1 + (step * 7 + 3) % 23;
  }
  return 0;
}
