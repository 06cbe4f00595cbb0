// libFuzzer target for the chat script parser and runner (sans-I/O).
//
// Input layout: byte 0 = options (bit 0 extensions, bit 1 command-line form with words split
// at LF, bit 2 ECHO on from the start, bit 3 strict off); byte 1 = the script's length L; then
// L bytes of script; then events, one code byte each: low 2 bits 0/1 = feed the next
// (code >> 2) + 1 bytes, 2 = let ((code >> 2)^2 * 37) ms pass, 3 = hang up (code >> 2 == 0) or
// go to next_deadline().
//
// Invariants: a syntax error has a line, a column, a reason and code 752; the runner never
// releases an action before its time or out of order, gives exactly one outcome and nothing after
// it, has a deadline in the future whenever it is not done, always finishes when its timer is
// served, gives chat's exit code for each result (and 64 for a CALLBACK string), and — checked
// by running the same input with two passwords — never shows the password in anything meant for
// display.
//
// Built with clang -fsanitize=fuzzer as chat_script_fuzz (tests/fuzz/CMakeLists.txt) and replayed
// over pseudo-random inputs by tests/engine/chat_script_fuzz_replay_test.cpp.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "dialup/engine/chat_script.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

struct trace {
  std::vector<std::string> display;  // every string meant for display, in order
  std::vector<dialup::chat_action_kind> kinds;
};

trace run(const dialup::chat_script& script, std::string_view events, const std::string& password) {
  using namespace std::chrono;
  dialup::chat_substitutions subs;
  subs.phone = "5551212";
  subs.user = "joe";
  subs.password = password;
  subs.callback = "5550199";
  subs.read_file = [](const std::string& name) -> std::optional<std::string> {
    if (name.size() % 2) return std::nullopt;
    return name + "\\d^Cx";
  };
  dialup::chat_runner r(script, subs);
  trace tr;
  auto now = dialup::chat_clock::time_point{} + hours(1);
  auto last = dialup::chat_clock::time_point{};
  bool saw_outcome = false;
  auto collect = [&] {
    for (const auto& a : r.take_actions()) {
      require(!saw_outcome);  // nothing after the outcome
      require(a.at <= now);
      require(a.at >= last);
      last = a.at;
      tr.kinds.push_back(a.kind);
      tr.display.push_back(to_string(a));
      tr.display.push_back(a.redacted);
      tr.display.push_back(a.text);
      if (a.kind == dialup::chat_action_kind::outcome) saw_outcome = true;
    }
    require(r.done() == saw_outcome);
    require(r.done() == r.outcome().has_value());
    if (!r.done()) {
      auto d = r.next_deadline();
      require(d.has_value());
      require(*d > now);
    } else {
      require(!r.next_deadline().has_value());
    }
  };
  r.start(now);
  collect();
  std::size_t i = 0;
  while (i < events.size()) {
    const auto code = static_cast<unsigned char>(events[i++]);
    const unsigned arg = code >> 2;
    switch (code & 3) {
      case 0:
      case 1: {
        auto n = std::min<std::size_t>(arg + 1, events.size() - i);
        r.feed(events.substr(i, n), now);
        i += n;
        break;
      }
      case 2:
        now += milliseconds(arg * arg * 37);
        r.advance(now);
        break;
      case 3:
        if (arg == 0) {
          r.hangup(now);
        } else if (auto d = r.next_deadline()) {
          now = *d;
          r.advance(now);
        }
        break;
    }
    collect();
  }
  for (int guard = 0; guard < 100000 && !r.done(); ++guard) {
    auto d = r.next_deadline();
    require(d.has_value());
    now = *d;
    r.advance(now);
    collect();
  }
  require(r.done());
  const auto& o = *r.outcome();
  switch (o.result) {
    case dialup::chat_result::success: require(o.exit_code == 0); break;
    case dialup::chat_result::failed: require(o.exit_code == 1); break;
    case dialup::chat_result::hangup: require(o.exit_code == 2); break;
    case dialup::chat_result::timeout: require(o.exit_code == 3); break;
    case dialup::chat_result::abort:
      require(o.abort_index >= 0 && o.abort_index < 50);
      require(o.exit_code == 4 + o.abort_index);
      break;
    case dialup::chat_result::callback:
      require(o.exit_code == 64);
      require(!o.callback_string.empty());
      require(!o.error());
      break;
  }
  tr.display.push_back(o.to_string());
  (void)r.take_unread();
  return tr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t flags = data[0];
  const std::size_t len = std::min<std::size_t>(data[1], size - 2);
  std::string_view text(reinterpret_cast<const char*>(data + 2), len);
  std::string_view events(reinterpret_cast<const char*>(data + 2 + len), size - 2 - len);

  dialup::chat_parse_options opt;
  opt.extensions = flags & 1;
  opt.echo = flags & 4;
  opt.strict = !(flags & 8);
  dialup::chat_syntax_error err;
  std::optional<dialup::chat_script> script;
  if (flags & 2) {
    std::vector<std::string> words;
    std::size_t p = 0;
    while (p <= text.size()) {
      auto nl = text.find('\n', p);
      if (nl == std::string_view::npos) nl = text.size();
      words.emplace_back(text.substr(p, nl - p));
      p = nl + 1;
    }
    script = dialup::chat_script::parse_words(words, err, opt);
  } else {
    script = dialup::chat_script::parse(text, err, opt);
  }
  if (!script) {
    require(err.where.line >= 1);
    require(err.where.column >= 1);
    require(!err.reason.empty());
    require(err.code().value() == 752);
    return 0;
  }
  require(err.reason.empty());
  (void)script->describe();

  // The same run with two passwords: a password may show in a display string only where the run
  // that never knew it shows it too (then it came from the script or the peer, not from \P).
  const std::string pw1 = "Pw1-Zq!x";
  const std::string pw2 = "Qv2+Yk?w";
  const trace a = run(*script, events, pw1);
  const trace b = run(*script, events, pw2);
  require(a.kinds == b.kinds);
  require(a.display.size() == b.display.size());
  for (std::size_t i = 0; i < a.display.size(); ++i) {
    if (a.display[i].find(pw1) != std::string::npos) require(b.display[i].find(pw1) != std::string::npos);
    if (b.display[i].find(pw2) != std::string::npos) require(a.display[i].find(pw2) != std::string::npos);
  }
  return 0;
}
