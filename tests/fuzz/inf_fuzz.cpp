// libFuzzer target for the Windows modem INF import (inf_import.hpp, sans-I/O).
//
// Input: byte 0 picks the model: bits 0-1 how (0 none named, 1 by description, 2 by its last
// hardware id, 3 by install section), the rest which of the listed models; then the INF text.
// Invariants:
// - parse_inf never crashes or hangs; an error names the file, a line no later than the
//   text's last, a reason, and leaves the output document untouched;
// - the same text with CR LF line ends gives the same document or the same error;
// - import_inf either fails with a reason, leaving its output untouched, or gives a model whose
//   warnings are in line order, whose TOML profile parses as TOML with one [[responses]] per
//   single-line reply and one [[inf.responses]] per Responses value, and whose modem_profile
//   has a reply table no larger than its Responses.
//
// Built with clang -fsanitize=fuzzer as inf_fuzz (tests/fuzz/CMakeLists.txt) and replayed
// over pseudo-random INF files by tests/engine/inf_fuzz_replay_test.cpp.
#include <toml++/toml.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dialup/engine/inf_import.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

dialup::inf_document sentinel_document() {
  dialup::inf_document d;
  require(!dialup::parse_inf("[Sentinel]\nkey = value\n", "sentinel.inf", d));
  return d;
}

dialup::inf_modem sentinel_modem() {
  dialup::inf_modem m;
  require(!dialup::import_inf("[Version]\n[Manufacturer]\nM=S\n[S]\nD=I,ID\n[I]\nAddReg=R\n[R]\nHKR,,Reset,,ATZ\n",
                              "sentinel.inf", "", m));
  return m;
}

std::size_t count_lines(std::string_view text) {
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

void check_model(const dialup::inf_document& doc, std::uint8_t options) {
  std::vector<dialup::inf_model_ref> models;
  if (auto e = dialup::list_inf_models(doc, models)) {
    require(!e.reason.empty());
    return;
  }
  std::string name;
  if ((options & 3) != 0 && !models.empty()) {
    const auto& m = models[(options >> 2) % models.size()];
    name = (options & 3) == 1 ? m.description
           : (options & 3) == 2 ? (m.hardware_ids.empty() ? m.description : m.hardware_ids.back())
                                : m.install_section;
  }
  const auto sentinel = sentinel_modem();
  dialup::inf_modem m = sentinel;
  if (auto e = dialup::import_inf(doc, name, m)) {
    require(!e.reason.empty());
    require(e.file == doc.file);
    require(m == sentinel);
    return;
  }
  require(std::is_sorted(m.warnings.begin(), m.warnings.end(),
                         [](const auto& a, const auto& b) { return a.line < b.line; }));
  std::size_t single_line = 0;
  for (const auto& r : m.responses) {
    require(r.line >= 1);
    if (!r.reply.empty() && r.reply.find_first_of("\r\n") == std::string::npos) ++single_line;
  }
  const std::string text = dialup::to_profile_toml(m);
  toml::table t;
  try {
    t = toml::parse(text);
  } catch (const toml::parse_error&) {
    require(false);
  }
  const auto* responses = t["responses"].as_array();
  require((responses ? responses->size() : 0) == single_line);
  const auto* decoded = t["inf"]["responses"].as_array();
  require((decoded ? decoded->size() : 0) == m.responses.size());
  const auto* warnings = t["inf"]["warnings"].as_array();
  require(warnings != nullptr && warnings->size() == m.warnings.size());
  const auto p = dialup::to_modem_profile(m);
  if (!m.responses.empty())
    require(p.responses.verbose.size() + p.responses.numeric.size() <= m.responses.size());
  (void)p.init_steps({});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t options = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto sentinel = sentinel_document();
  dialup::inf_document doc = sentinel;
  auto err = dialup::parse_inf(text, "fuzz.inf", doc);

  if (text.find('\r') == std::string_view::npos && text.size() < (std::size_t{1} << 20)) {
    std::string crlf;
    for (char c : text) {
      if (c == '\n') crlf += '\r';
      crlf += c;
    }
    dialup::inf_document doc2;
    auto err2 = dialup::parse_inf(crlf, "fuzz.inf", doc2);
    require(static_cast<bool>(err) == static_cast<bool>(err2));
    if (err) {
      require(err.line == err2.line && err.reason == err2.reason);
    } else {
      require(doc2 == doc);
    }
  }
  if (err) {
    require(err.file == "fuzz.inf");
    require(!err.reason.empty());
    require(err.line <= count_lines(text));
    require(doc == sentinel);
    return 0;
  }
  check_model(doc, options);
  return 0;
}
