// Runs the Telnet decoder's fuzz entry point (tests/fuzz/telnet_fuzz.cpp) over pseudo-random
// server streams in every test run, so its invariants are checked where libFuzzer is not built.
#include <doctest/doctest.h>

#include "support/fuzz_corpus.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace {

// Pieces a COM-PORT-OPTION server sends, and pieces that break the framing.
const std::vector<std::string> pieces = {
    "plain data", std::string("\xff\xff", 2), std::string("\xff\xfb\x00", 3), std::string("\xff\xfb\x03", 3),
    std::string("\xff\xfb\x2c", 3), std::string("\xff\xfd\x2c", 3), std::string("\xff\xfc\x2c", 3),
    std::string("\xff\xfe\x01", 3),
    // NOTIFY-MODEMSTATE (107 = 7 + 100): DCD up, a SET-BAUDRATE answer, a SIGNATURE.
    std::string("\xff\xfa\x2c\x6b\x80\xff\xf0", 7), std::string("\xff\xfa\x2c\x65\x00\x01\xc2\x00\xff\xf0", 10),
    std::string("\xff\xfa\x2c\x64ser2net\xff\xf0", 14),
    std::string("\xff\xfa\x2c\x6b\xff\xff\xff\xf0", 8),  // a 0xff in the parameters
    std::string("\xff\xfa", 2), std::string("\xff\xf0", 2), std::string("\xff", 1), std::string("\xff\xf1", 2),
    std::string("\xff\xfa\x2c\xff\xfb\x01", 6),  // IAC WILL inside an SB ends it
    std::string(300, 'x'), "\r\n", std::string("\r\0", 2)};

}  // namespace

TEST_CASE("the Telnet fuzz target holds its invariants over 3000 pseudo-random streams") {
  std::mt19937 rng(20261207);
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::uint8_t> in{static_cast<std::uint8_t>(rng()), static_cast<std::uint8_t>(rng() % 16)};
    std::string s;
    if (rng() % 2 == 0) s = std::string("\xff\xfa\x2c", 3);  // sometimes an endless SB
    for (int k = static_cast<int>(rng() % 12); k > 0; --k) s += pieces[rng() % pieces.size()];
    in.insert(in.end(), s.begin(), s.end());
    CHECK(LLVMFuzzerTestOneInput(in.data(), in.size()) == 0);
  }
}

TEST_CASE("every file of the telnet_fuzz corpus in the repository, crash vectors included, passes") {
  CHECK(dialup::test::replay_fuzz_corpus(DIALUP_FUZZ_CORPUS) > 0);
}
