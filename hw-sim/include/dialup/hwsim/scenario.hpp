// Number-plan files for the simulated exchange: the text `dialup-sim
// --print-default-scenario` prints, which a user can edit and load with `--scenario FILE`.
//
// One number per line:
//
//   NUMBER  KIND  [rings=N] [rate=BPS] [drop-after=SECONDS] [error-rate=FRACTION]
//                 [retrain-every=SECONDS] [callback-delay=SECONDS]  [# description]
//   NUMBER  program  [rings=N] [rate=BPS] -- COMMAND
//
// KIND is one of echo, login, callback, discard, busy, no-answer, voice, carrier-drop,
// noisy, pdp, program (see service_kind); callback-delay is the callback kind's
// number_entry::callback_delay. For program, everything after a `--` word is the command
// (run by /bin/sh -c on a pty as the answering party; no comment on that line). A `#` that starts a word begins a comment (the rest of the line is
// the entry's description); `#` inside a number (`*99#`) is a digit. Blank lines and
// comment lines are ignored. The modems' own numbers (5551000 + index) are not part of
// the plan and always work.
//
// parse_scenario() reads the whole text before returning anything: a malformed file
// gives a scenario_error naming the first bad line, and nothing of it is loaded.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <dialup/hwsim/exchange.hpp>

namespace dialup::hwsim {

class scenario_error : public std::runtime_error {
 public:
  scenario_error(std::size_t line, const std::string& what)
      : std::runtime_error("line " + std::to_string(line) + ": " + what), line_(line) {}
  std::size_t line() const { return line_; }  // 1-based

 private:
  std::size_t line_;
};

// Throws scenario_error for the first malformed line.
std::vector<number_entry> parse_scenario(std::string_view text);
// The text parse_scenario() reads back to the same entries (with a header comment).
std::string format_scenario(const std::vector<number_entry>& plan);

const char* to_string(service_kind k);

}  // namespace dialup::hwsim
