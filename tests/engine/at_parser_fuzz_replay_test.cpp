// Runs the AT parser's fuzz entry point over pseudo-random inputs in every test run, so the
// fuzz invariants are checked even where libFuzzer is not built.
#include <doctest/doctest.h>

#include "support/fuzz_corpus.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <vector>


TEST_CASE("the AT parser fuzz target holds its invariants over 3000 pseudo-random inputs") {
  std::mt19937 rng(20261124);
  // Inputs built from modem-like pieces and raw noise, so both paths are reached.
  const std::vector<std::string> pieces = {"\r\n", "OK", "CONNECT 33600", "\r", "\n", "0\r",
                                           "NO CARRIER", "RING", "ERROR", "+CME ERROR: 3",
                                           "CARRIER 28800", std::string(1, '\0'), "\x7f", "5\r",
                                           "CONNECT", "BUSY", std::string(40, 'x')};
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::uint8_t> in;
    in.push_back(static_cast<std::uint8_t>(rng()));
    int n = static_cast<int>(rng() % 40);
    for (int k = 0; k < n; ++k) {
      if (rng() % 3 == 0) {
        in.push_back(static_cast<std::uint8_t>(rng()));
      } else {
        const auto& p = pieces[rng() % pieces.size()];
        in.insert(in.end(), p.begin(), p.end());
      }
    }
    CHECK(LLVMFuzzerTestOneInput(in.data(), in.size()) == 0);
  }
}

TEST_CASE("every file of the at_parser_fuzz corpus in the repository, crash vectors included, passes") {
  CHECK(dialup::test::replay_fuzz_corpus(DIALUP_FUZZ_CORPUS) > 0);
}
