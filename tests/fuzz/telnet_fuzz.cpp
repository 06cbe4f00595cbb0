// libFuzzer target for the RFC 2217 client's Telnet decoder (drivers/src/telnet_codec.hpp):
// RFC 854 IAC framing and RFC 855 negotiation / sub-negotiation, without I/O.
//
// Input: byte 0 sets the sub-negotiation bound (1 + b0 * 2, 1..511), byte 1 the size of
// the pieces the stream is fed in (1 + b1); the rest is what a server sent.
// Invariants:
// - feed never crashes; fed in pieces of any size the decoder gives the same data, the
//   same commands and the same end state as fed the whole stream at once;
// - no more data bytes come out than went in, and no sub-negotiation payload is longer
//   than the bound; once failed, the decoder stays failed and takes nothing more;
// - the encoders round-trip: escape(x) decodes to x with no command, and
//   subnegotiation(option, payload) (payload within the bound, option not 255) to exactly
//   that command, and negotiation(WILL, option) after it to that negotiation.
//
// Built with clang -fsanitize=fuzzer as telnet_fuzz (tests/fuzz/CMakeLists.txt) and
// replayed over pseudo-random inputs by tests/drivers/telnet_fuzz_replay_test.cpp.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "telnet_codec.hpp"

namespace {

namespace telnet = dialup::drivers::telnet;

void require(bool ok) {
  if (!ok) std::abort();
}

struct decoded {
  std::string data;
  std::vector<telnet::command> commands;
  telnet::decoder::state end{};
  bool failed = false;
};

decoded decode(std::string_view in, std::size_t max_sb, std::size_t step) {
  telnet::decoder d(max_sb);
  decoded out;
  for (std::size_t at = 0; at < in.size(); at += step) {
    const auto r = d.feed(in.substr(at, step), out.data, out.commands);
    if (r == telnet::decoder::result::subnegotiation_too_long) {
      out.failed = true;
      // Failed is final: more input is refused and adds nothing.
      const auto before = out.data.size();
      const auto commands = out.commands.size();
      require(d.feed(std::string_view("\xff\xfb\x2c" "abc", 6), out.data, out.commands) ==
              telnet::decoder::result::subnegotiation_too_long);
      require(out.data.size() == before && out.commands.size() == commands);
      break;
    }
  }
  out.end = d.current();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t max_sb = 1 + static_cast<std::size_t>(bytes[0]) * 2;
  const std::size_t step = 1 + static_cast<std::size_t>(bytes[1]);
  const std::string_view in(reinterpret_cast<const char*>(bytes + 2), size - 2);

  const decoded whole = decode(in, max_sb, in.size() ? in.size() : 1);
  const decoded pieces = decode(in, max_sb, step);
  const decoded bytewise = decode(in, max_sb, 1);
  for (const decoded* d : {&pieces, &bytewise}) {
    require(d->data == whole.data);
    require(d->commands == whole.commands);
    require(d->end == whole.end);
    require(d->failed == whole.failed);
  }
  require(whole.data.size() <= in.size());
  for (const auto& c : whole.commands) {
    require(c.payload.size() + 1 <= max_sb);
    if (c.verb != telnet::sb) require(c.payload.empty());
  }

  // Round trips through the encoders, with the stream's own bytes as the values.
  telnet::decoder d(max_sb);
  std::string data;
  std::vector<telnet::command> commands;
  require(d.feed(telnet::escape(in), data, commands) == telnet::decoder::result::ok);
  require(data == in && commands.empty() && d.current() == telnet::decoder::state::data);

  if (!in.empty()) {
    const std::string_view payload = in.substr(1, std::min(in.size() - 1, max_sb - 1));
    // 255 is not an option code (RFC 855: IAC after SB would be a command); dialup only ever
    // sub-negotiates COM-PORT-OPTION.
    const auto option = in[0] == '\xff' ? telnet::opt_com_port : static_cast<std::uint8_t>(in[0]);
    telnet::decoder s(max_sb);
    data.clear();
    commands.clear();
    require(s.feed(telnet::subnegotiation(option, payload), data, commands) == telnet::decoder::result::ok);
    require(data.empty() && commands.size() == 1);
    require(commands[0].verb == telnet::sb && commands[0].option == option && commands[0].payload == payload);
    commands.clear();
    require(s.feed(telnet::negotiation(telnet::will, option), data, commands) == telnet::decoder::result::ok);
    require(commands.size() == 1 && commands[0].verb == telnet::will && commands[0].option == option);
  }
  return 0;
}
