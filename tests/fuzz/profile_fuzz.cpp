// libFuzzer target for the modem profile parser (profile_file.hpp, docs/profiles.md).
//
// Byte 0 picks the base the file is read onto (its low 3 bits: one of the built-in
// profiles, in name order); the rest is the file's text.
// Invariants:
// - parse never crashes; it gives a profile exactly when it gives no error; every error
//   names the file, has a reason, and a line no later than the file's last line + 1;
// - a profile parsed has no command that could smuggle another command line (CR, LF, NUL,
//   ';') and no response pattern that is empty (it would match every line);
// - to_toml of it parses back (as a file without inherits: onto the generic profile) to the
//   same profile, and writes the same text
//   again (the round trip is lossless);
// - a profile_set given the same text as a file never crashes, and finds the profile by
//   its name when the file needs no inherits.
//
// Built with clang -fsanitize=fuzzer as profile_fuzz (tests/fuzz/CMakeLists.txt) and
// replayed over pseudo-random inputs by tests/engine/profile_fuzz_replay_test.cpp.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dialup/engine/profile_file.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

void check_command(const std::string& c, bool init) {
  if (c.empty()) return;
  require(dialup::profile_command_problem(c, init).empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const auto builtins = dialup::profile_set::builtin().all();
  const auto& base = builtins[data[0] % builtins.size()];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto r = dialup::parse_profile(text, "fuzz.toml", base, "fuzz");
  require(r.profile.has_value() == r.errors.empty());
  const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const auto& e : r.errors) {
    require(e.file == "fuzz.toml");
    require(!e.reason.empty());
    require(e.line <= lines + 1);
  }
  if (r.profile) {
    const auto& p = *r.profile;
    for (const auto* c : {&p.reset, &p.hangup, &p.answer, &p.blind_on, &p.blind_off, &p.speaker_on, &p.speaker_off,
                          &p.error_control_off, &p.compression_off, &p.auto_answer_off, &p.carrier_wait, &p.dial_prefix})
      check_command(*c, false);
    for (const auto& s : p.init) check_command(s.command, true);
    for (const auto& v : p.responses.verbose) require(v.text.find_first_not_of(" \t") != std::string::npos);
    const auto out = dialup::to_toml(p);
    const auto back = dialup::parse_profile(out, "back.toml", dialup::modem_profile::generic(), p.name);
    require(back.profile.has_value());
    require(*back.profile == p);
    require(dialup::to_toml(*back.profile) == out);
  }
  auto set = dialup::profile_set::builtin();
  set.add_text(text, "fuzz.toml");
  if (r.profile && r.inherits.empty()) require(set.find(r.profile->name).has_value());
  (void)set.errors();
  (void)set.all();
  return 0;
}
