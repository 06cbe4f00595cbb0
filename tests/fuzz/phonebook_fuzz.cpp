// libFuzzer target for the phone-book parsers (sans-I/O): rasphone.pbk and wvdial.conf.
//
// The first input byte picks the options (which parser, the feed piece size); the rest is
// the file text.
// Invariants, rasphone.pbk:
// - parse never crashes; an error is 625 with a line >= 1 and a reason, and leaves the
//   output phone book untouched;
// - fed in pieces of any size the parser gives the same result as parsed whole;
// - on success, serialize -> parse succeeds and gives an equal phone book, and serializing
//   that again gives the same text (round trip is lossless);
// - every entry maps to a dial_entry and describes itself; an edited, renamed entry still
//   writes a phone book that parses back with the edit.
// Invariants, wvdial.conf:
// - parse never crashes; an error has a line and a reason; add_file of more text is all
//   or nothing;
// - every dialer either imports or fails with a line (or 623 for none); describe() of an
//   import does not depend on the password (it is never printed); an import turned into a
//   phone-book entry writes and reads back and does not depend on the password either.
//
// Built with clang -fsanitize=fuzzer as phonebook_fuzz (tests/fuzz/CMakeLists.txt) and
// replayed over pseudo-random inputs by tests/engine/phonebook_fuzz_replay_test.cpp.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dialup/engine/phonebook.hpp"
#include "dialup/engine/ras_error.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

void check_pbk(std::string_view text, std::size_t step) {
  dialup::phonebook sentinel;
  // A non-empty phone book, so "untouched on error" is visible.
  require(!dialup::phonebook::parse("[S]\nMEDIA=rastapi\nDEVICE=modem\n", "s.pbk", sentinel));
  dialup::phonebook pb = sentinel;
  auto err = dialup::phonebook::parse(text, "fuzz.pbk", pb);

  dialup::pbk_parser p("fuzz.pbk");
  for (std::size_t at = 0; at < text.size(); at += step) p.feed(text.substr(at, step));
  dialup::phonebook split = sentinel;
  auto err2 = p.finish(split);
  require(static_cast<bool>(err) == static_cast<bool>(err2));

  if (err) {
    require(err.code == dialup::ras_error::corrupt_phonebook);
    require(err.line >= 1);
    require(!err.reason.empty());
    require(err.line == err2.line && err.reason == err2.reason);
    require(pb == sentinel);
    require(split == sentinel);
    return;
  }
  require(split == pb);
  const std::string out = pb.serialize();
  std::string checked;
  require(!pb.serialize(checked));
  require(checked == out);
  dialup::phonebook again;
  auto err3 = dialup::phonebook::parse(out, "fuzz.pbk", again);
  require(!err3);
  require(again == pb);
  require(again.serialize() == out);

  for (const auto& e : pb.entries()) {
    require(pb.find(e.name) != nullptr);
    auto d = dialup::to_dial_entry(e);
    require(d.name == e.name);
    require(d.port == e.port);
    (void)dialup::describe(e);
  }
  if (!pb.entries().empty()) {
    dialup::phonebook edited = pb;
    auto* e = edited.find(pb.entries().front().name);
    require(e != nullptr);
    e->redial_attempts += 1;
    e->numbers.push_back({"5550100", "206", 1, 1, true, "added"});
    e->speaker = !e->speaker.value_or(false);
    e->script = "x.scp";
    require(!edited.rename(e->name, "renamed entry"));
    std::string text2;
    require(!edited.serialize(text2));
    dialup::phonebook back;
    require(!dialup::phonebook::parse(text2, "edited.pbk", back));
    const auto* r = back.find("renamed entry");
    require(r != nullptr);
    require(r->redial_attempts == e->redial_attempts);
    require(r->numbers == e->numbers);
    require(r->speaker == e->speaker);
    require(r->script == "x.scp");
  }
}

void check_wvdial(std::string_view text) {
  dialup::wvdial_config cfg;
  auto err = dialup::wvdial_config::parse(text, "fuzz.conf", cfg);
  if (err) {
    require(err.line >= 1);
    require(!err.reason.empty());
    return;
  }
  // The second half read again over the whole, as ~/.wvdialrc over /etc/wvdial.conf:
  // all or nothing.
  auto merged = cfg;
  if (auto e2 = merged.add_file(text.substr(text.size() / 2), "wvdialrc")) {
    require(e2.file == "wvdialrc");
    require(merged.sections().size() == cfg.sections().size());
  } else {
    require(merged.sections().size() >= cfg.sections().size());
    cfg = merged;
  }
  auto names = cfg.dialers();
  names.push_back("no such dialer");
  for (const auto& name : names) {
    dialup::wvdial_import imp;
    auto ierr = dialup::import_wvdial(cfg, name, imp);
    if (ierr) {
      require(!ierr.reason.empty());
      require(ierr.line >= 1 || ierr.code == dialup::ras_error::cannot_find_phonebook_entry);
      continue;
    }
    // As a phone-book entry it writes and reads back, without the password.
    dialup::phonebook pb;
    if (!pb.add(dialup::to_phonebook_entry(imp))) {
      std::string pbk;
      require(!pb.serialize(pbk));
      if (imp.credentials.password.size() >= 4 &&
          pbk.find(imp.credentials.password) != std::string::npos) {
        // Only allowed where the same text is in the entry for another reason.
        dialup::wvdial_import other = imp;
        other.credentials.password.clear();
        dialup::phonebook pb2;
        require(!pb2.add(dialup::to_phonebook_entry(other)));
        require(pb2.serialize() == pbk);
      }
    }
    auto shown = dialup::describe(imp);
    auto other = imp;
    other.credentials.password = imp.credentials.password.empty() ? "" : "x";
    require(dialup::describe(other) == shown);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t options = data[0];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (options & 1) {
    check_wvdial(text);
  } else {
    check_pbk(text, 1 + (options >> 1));
  }
  return 0;
}
