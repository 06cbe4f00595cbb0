// Runs the chat script fuzz entry point over pseudo-random inputs in every test run, so the fuzz
// invariants (tests/fuzz/chat_script_fuzz.cpp) are checked even where libFuzzer is not built.
#include <doctest/doctest.h>

#include "support/fuzz_corpus.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <vector>


namespace {

// An event stream in the fuzz target's encoding: feed code + bytes, time steps, hang-ups.
void add_feed(std::vector<std::uint8_t>& in, const std::string& bytes) {
  std::size_t p = 0;
  while (p < bytes.size()) {
    std::size_t n = std::min<std::size_t>(bytes.size() - p, 64);
    in.push_back(static_cast<std::uint8_t>((n - 1) << 2));
    in.insert(in.end(), bytes.begin() + static_cast<long>(p), bytes.begin() + static_cast<long>(p + n));
    p += n;
  }
}

}  // namespace

TEST_CASE("the chat script fuzz target holds its invariants over 2000 pseudo-random inputs") {
  std::mt19937 rng(20261124);
  const std::vector<std::string> script_pieces = {
      "ABORT BUSY ", "ABORT 'NO CARRIER' ", "ABORT ", "BUSY ", "ANY ogin: \\U OK x END ", "'NO CARRIER' ", "'' ", "\"\" ", "ATZ ", "OK ", "ATDT\\T ", "CONNECT ",
      "ogin:-BREAK-ogin: ", "ogin:--ogin: ", "\\U ", "assword: ", "\\P ", "\\q\\P ", "TIMEOUT 2 ",
      "TIMEOUT 0 ", "REPORT CONNECT ", "CLR_REPORT CONNECT ", "CLR_ABORT BUSY ", "SAY 'hi \\P\\n' ",
      "ECHO ON ", "ECHO OFF ", "HANGUP OFF ", "HANGUP ON ", "EOT ", "BREAK ", "@ab ", "@abc ",
      "'AT\\dZ\\c' ", "A\\pB\\K ", "^C ", "\\101 ", "\\c ", "\n", "# c\n", "#dialup: extensions\n",
      "REGEX 'CONNECT [0-9]+\\r' ", "REGEX '^OK$' ", "REGEX '(' ", "ANY ", "END ", "a-b ", "'",
      "\"", "\\", "-", "\\0 ", "\\377 ", "\r", "\t", "CALLBACK 'call back' ", "CALLBACK ",
      "\\B ", "'allback:' \\B ", "ABORT 'has expired' "};
  const std::vector<std::string> peer_pieces = {
      "OK\r\n", "ATZ\r\r\n", "CONNECT 33600\r\n", "CONNECT", "BUSY\r\n", "NO CARRIER\r\n",
      "login: ", "Username:", "Password: ", "Pw1-Zq!x", "Qv2+Yk?w", "\r\n", std::string(1, '\0'),
      "\xcf\xcb", "~~~~", std::string(70, 'x'), "I will call back\r\n", "allback: ",
      "Your password has expired\r\n"};
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::uint8_t> in;
    in.push_back(static_cast<std::uint8_t>(rng() & 15));
    std::string script;
    const int n = static_cast<int>(rng() % 14);
    for (int k = 0; k < n; ++k) {
      if (rng() % 8 == 0) {
        script += static_cast<char>(rng());
      } else {
        script += script_pieces[rng() % script_pieces.size()];
      }
    }
    if (script.size() > 255) script.resize(255);
    in.push_back(static_cast<std::uint8_t>(script.size()));
    in.insert(in.end(), script.begin(), script.end());
    const int m = static_cast<int>(rng() % 12);
    for (int k = 0; k < m; ++k) {
      switch (rng() % 5) {
        case 0:
        case 1: add_feed(in, peer_pieces[rng() % peer_pieces.size()]); break;
        case 2: in.push_back(static_cast<std::uint8_t>(2 | ((rng() % 64) << 2))); break;
        case 3: in.push_back(static_cast<std::uint8_t>(3 | ((rng() % 2) << 2))); break;
        default: in.push_back(static_cast<std::uint8_t>(rng())); break;
      }
    }
    CHECK(LLVMFuzzerTestOneInput(in.data(), in.size()) == 0);
  }
}

TEST_CASE("every file of the chat_script_fuzz corpus in the repository, crash vectors included, passes") {
  CHECK(dialup::test::replay_fuzz_corpus(DIALUP_FUZZ_CORPUS) > 0);
}
