// Replays every file of a fuzz target's corpus kept in the repository (tests/fuzz/corpus/<target>:
// the seeds, and every crash libFuzzer found, kept as a regression vector) through the target's
// entry point, in every test run — so a vector fails the suite even where libFuzzer is not built.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace dialup::test {

// Runs each regular file under `dir` through the target; returns how many ran.
inline int replay_fuzz_corpus(const std::filesystem::path& dir) {
  REQUIRE_MESSAGE(std::filesystem::is_directory(dir), "no corpus at " << dir.string());
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                          std::istreambuf_iterator<char>());
    INFO("corpus file " << e.path().filename().string());
    CHECK(LLVMFuzzerTestOneInput(bytes.data(), bytes.size()) == 0);
    ++files;
  }
  return files;
}

}  // namespace dialup::test
