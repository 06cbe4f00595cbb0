// Runs the profile fuzz entry point (tests/fuzz/profile_fuzz.cpp) over pseudo-random inputs
// in every test run, so its invariants are checked where libFuzzer is not built.
#include <doctest/doctest.h>

#include "support/fuzz_corpus.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace {

using pieces = std::vector<std::string>;

const std::string& pick(std::mt19937& rng, const pieces& p) { return p[rng() % p.size()]; }

// Lines that make a valid profile, and lines that may break it.
const pieces good = {"name = \"fz\"", "description = \"x\"", "reset = \"ATZ\"", "reset = \"\"",
                     "hangup = \"ATH0\"", "escape = \"+++\"", "blind_dial = true", "direct = true",
                     "dial_prefix = \"ATD\"", "tone = \"T\"", "dial_suffix = \"W\"", "escape_guard_ms = 1500",
                     "hangup_method = \"escape\"", "speaker_on = \"\"", "error_control_off = \"AT&Q6\"",
                     "call_setup_fail_timer = 45", "inherits = \"generic\"", "# comment", ""};
const pieces tables = {"[[init]]\ncommand = \"ATE1V1\"", "[[init]]\ncommand = \"AT&K3\"\nerror_fatal = false",
                       "[[init]]\ncommand = \"ATX4\"\ntimeout_ms = 2000",
                       "[[responses]]\ntext = \"NO DIAL TONE\"\nkind = \"no_dialtone\"",
                       "[[responses]]\ntext = \"FAX\"\nkind = \"unsolicited\"\nprefix = true",
                       "[[responses]]\ncode = 13\nkind = \"connect\"\nrate = 7200",
                       "[dial_errors]\nbusy = \"ERROR_NO_ANSWER\"", "[identify]\nusb_ids = [\"0572:1340\"]\nmodel = [\"x\"]",
                       "[cellular]\nenabled = true\nnumber = \"*99#\"", "[cellular.cme_errors]\n\"30\" = 679"};
const pieces bad = {"reset = \"ATZ;H\"", "reset = \"ATZ\\r\"", "hangup = \"ATH\\u0000\"", "bogus = 1", "[", "\"",
                    "name = \"Bad Name\"", "[[responses]]\ntext = \"\"\nkind = \"ok\"\nprefix = true",
                    "[[responses]]\ntext = \"X\"\nkind = \"nope\"", "command_timeout_ms = -1",
                    "[[init]]\ncommand = \"ATDT5551212\"", "init = 3", "responses_replace = true",
                    "inherits = \"fz\"", "[dial_errors]\nok = 676", "\x80\xff", std::string(1, '\0'),
                    "tone = \"TT\"", "[identify]\nusb_ids = [\"zz:1\"]"};

std::vector<std::uint8_t> make(std::mt19937& rng) {
  std::vector<std::uint8_t> in{static_cast<std::uint8_t>(rng())};
  const bool noisy = rng() % 3 == 0;
  std::string text;
  for (int k = static_cast<int>(rng() % 8); k > 0; --k) text += pick(rng, good) + "\n";
  for (int k = static_cast<int>(rng() % 5); k > 0; --k) {
    if (rng() % (noisy ? 3 : 40) == 0) text += pick(rng, bad) + "\n";
    text += pick(rng, tables) + "\n";
  }
  if (noisy && rng() % 2 && !text.empty()) text[rng() % text.size()] = static_cast<char>(rng());
  in.insert(in.end(), text.begin(), text.end());
  return in;
}

}  // namespace

TEST_CASE("the profile fuzz target holds its invariants over 1000 pseudo-random inputs") {
  std::mt19937 rng(20261207);
  for (int i = 0; i < 1000; ++i) {
    auto in = make(rng);
    CHECK(LLVMFuzzerTestOneInput(in.data(), in.size()) == 0);
  }
}

TEST_CASE("every file of the profile_fuzz corpus in the repository passes") {
  CHECK(dialup::test::replay_fuzz_corpus(DIALUP_FUZZ_CORPUS) > 0);
}
