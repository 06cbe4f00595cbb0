// Runs the libFuzzer entry point of tests/fuzz/hwsim_modem_fuzz.cpp over a few hundred
// pseudo-random inputs, so the fuzz target's invariants are checked in every test run
// (the fuzzer itself needs clang and -fsanitize=fuzzer).
#include <doctest/doctest.h>

#include "support/fuzz_corpus.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>


TEST_CASE("the modem fuzz target survives pseudo-random scripts with its invariants intact") {
  std::uint32_t s = 0x2545F491u;
  auto next = [&s] {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
  };
  // Bytes biased towards what a modem parses, so the interpreter is reached often.
  static const char alphabet[] = "ATatDTEVQXSHZOI0123456789=?&+;,/\r\r\n +++ \x18\b";
  int runs = 0;
  for (int n = 0; n < 400; ++n) {
    std::vector<std::uint8_t> in(next() % 300 + 1);
    for (auto& b : in) {
      const auto r = next();
      b = (r % 4 == 0) ? static_cast<std::uint8_t>(r >> 8)
                       : static_cast<std::uint8_t>(alphabet[(r >> 8) % (sizeof alphabet - 1)]);
    }
    CHECK(LLVMFuzzerTestOneInput(in.data(), in.size()) == 0);
    ++runs;
  }
  CHECK(runs == 400);
}

TEST_CASE("every file of the hwsim_modem_fuzz corpus in the repository, crash vectors included, passes") {
  CHECK(dialup::test::replay_fuzz_corpus(DIALUP_FUZZ_CORPUS) > 0);
}
