// Runs the INF fuzz entry point (tests/fuzz/inf_fuzz.cpp) over pseudo-random modem INF files
// in every test run, so its invariants are checked where libFuzzer is not built.
#include <doctest/doctest.h>

#include "support/fuzz_corpus.hpp"

#include "dialup/engine/inf_import.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace {

using pieces = std::vector<std::string>;

const std::string& pick(std::mt19937& rng, const pieces& p) { return p[rng() % p.size()]; }

std::string hex_byte(std::mt19937& rng) {
  static const char* const digits = "0123456789abcdef";
  std::string s{digits[rng() % 16], digits[rng() % 16]};
  return s;
}

std::string bytes(std::mt19937& rng, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += (i ? "," : "") + hex_byte(rng);
  return s;
}

const pieces version_lines = {"Signature = \"$Windows NT$\"", "Signature=$Chicago$", "Class=Modem",
                              "Class = Ports", "Provider=%Mfg%", "DriverVer=1/1/2026,1.0", "; c", ""};
const pieces reg_names = {"Reset", "Properties", "DCB", "InactivityScale", "MaximumPortSpeed",
                          "CompatibilityFlags", "DeviceType", "FriendlyName"};
const pieces subkeys = {"Init", "Monitor", "Answer", "Hangup", "Settings", "Fax", "EnableCallerID"};
const pieces settings = {"Prefix", "Terminator", "DialPrefix", "DialSuffix", "Tone", "Pulse", "Blind_On",
                         "Blind_Off", "CallSetupFailTimer", "SpeakerMode_Dial", "Compression_On", "Odd"};
const pieces replies = {"<cr><lf>OK<cr><lf>", "0<cr>", "<cr><lf>CONNECT 33600<cr><lf>", "12<cr>",
                        "<cr><lf>BUSY<cr><lf>", "<cr><lf>NMBR = ", "<cr><lf>", "<cr><lf>A<cr><lf>B",
                        "<h41><<x", "%Mfg%", "RING"};
const pieces values = {"\"AT&F<cr>\"", "\"ATZ<cr>\"", "AT", "\"%%C1\"", "\"X4\"", "\"S7=<#>\"", "\"None\"",
                       "\"a \"\"q\"\" b\"", "%Undefined%", ""};
const pieces bad = {"[", "[]", "[x] y", "\"open", "HKR, Responses, \"OK\", 1, zz", "\x01", "=",
                    "HKR, Init, 1, bogus, \"AT\"", "HKR,, Properties, 1, 00", "\xEF\xBB\xBF", "\x1A"};

void add_line(std::mt19937& rng, std::string& in, const std::string& line) {
  in += line;
  switch (rng() % 30) {
    case 0: in += " ; comment"; in += '\n'; break;
    case 1: in += '\r'; in += '\n'; break;
    default: in += '\n';
  }
}

std::vector<std::uint8_t> make_inf(std::mt19937& rng) {
  std::string in;
  const bool noisy = rng() % 4 == 0;
  auto maybe_bad = [&] {
    if (rng() % (noisy ? 4 : 200) == 0) add_line(rng, in, pick(rng, bad));
  };
  if (rng() % 20) {
    add_line(rng, in, "[Version]");
    for (int k = static_cast<int>(rng() % 4); k > 0; --k) add_line(rng, in, pick(rng, version_lines));
  }
  const int models = 1 + static_cast<int>(rng() % 3);
  const bool decorated = rng() % 3 == 0;
  if (rng() % 20) {
    add_line(rng, in, "[Manufacturer]");
    add_line(rng, in, decorated ? "%Mfg% = Models, NTamd64" : rng() % 30 ? "%Mfg% = Models" : "%Mfg% = Absent");
  }
  add_line(rng, in, decorated ? "[Models.NTamd64]" : "[Models]");
  for (int i = 0; i < models; ++i) {
    add_line(rng, in, "%M" + std::to_string(i) + "% = Install" + std::to_string(i) +
                          (rng() % 2 ? ", USB\\VID_0572&PID_13" + hex_byte(rng) : ", MDMGEN" + std::to_string(i)));
    maybe_bad();
  }
  for (int i = 0; i < models; ++i) {
    if (rng() % 15 == 0) continue;  // an absent install section
    add_line(rng, in, "[Install" + std::to_string(i) + (rng() % 3 ? "]" : ".NT]"));
    add_line(rng, in, rng() % 4 ? "AddReg = All, Reg" + std::to_string(i) : "AddReg = All, \\\n   Reg" + std::to_string(i));
    if (rng() % 3 == 0) add_line(rng, in, rng() % 2 ? "Include = mdmgen.inf" : "CopyFiles = x");
  }
  for (const std::string sec : {"All", "Reg0", "Reg1", "Reg2"}) {
    if (rng() % 12 == 0) continue;
    add_line(rng, in, "[" + sec + "]");
    for (int k = static_cast<int>(rng() % 10); k > 0; --k, maybe_bad()) {
      switch (rng() % 5) {
        case 0:
          add_line(rng, in, "HKR, Responses, \"" + pick(rng, replies) + "\", 1, " +
                                bytes(rng, rng() % 12 == 0 ? rng() % 12 : 10));
          break;
        case 1: {
          const auto& n = pick(rng, reg_names);
          if (n == "Reset") {
            add_line(rng, in, "HKR,, Reset,, " + pick(rng, values));
            break;
          }
          const std::size_t len = n == "Properties" ? 32 + rng() % 3 : n == "DCB" ? 26 + rng() % 3 : 4;
          add_line(rng, in, "HKR,, " + n + ", " + (rng() % 5 ? "1" : "0x10001") + ", " +
                                (rng() % 6 == 0 ? std::to_string(rng() % 100000) : bytes(rng, len)));
          break;
        }
        case 2:
          add_line(rng, in, "HKR, Settings, " + pick(rng, settings) + ", " + (rng() % 8 ? "" : "2") + ", " +
                                pick(rng, values));
          break;
        case 3:
          add_line(rng, in, "HKR, " + pick(rng, subkeys) + ", " + std::to_string(rng() % 12) + ",, " +
                                pick(rng, values));
          break;
        default:
          add_line(rng, in, rng() % 2 ? "HKLM, Software\\X, Y,, \"1\"" : "HKR, Init, 1, 4");
      }
    }
  }
  add_line(rng, in, "[Strings]");
  add_line(rng, in, "Mfg = \"Maker\"");
  for (int i = 0; i < models; ++i)
    if (rng() % 8) add_line(rng, in, "M" + std::to_string(i) + " = \"Modem " + std::to_string(i) + "\"");
  std::vector<std::uint8_t> out{static_cast<std::uint8_t>(rng())};
  out.insert(out.end(), in.begin(), in.end());
  return out;
}

}  // namespace

TEST_CASE("the INF fuzz target holds its invariants over 1500 pseudo-random modem INF files") {
  std::mt19937 rng(20261207);
  int imported = 0;
  for (int i = 0; i < 1500; ++i) {
    auto in = make_inf(rng);
    CHECK(LLVMFuzzerTestOneInput(in.data(), in.size()) == 0);
    dialup::inf_modem m;
    const std::string text(in.begin() + 1, in.end());
    if (!dialup::import_inf(text, "r.inf", "Modem 0", m) && !m.responses.empty()) ++imported;
  }
  // The generator is no use if nearly everything it makes is refused.
  INFO(imported << " of 1500 imported with Responses");
  CHECK(imported > 250);
}

TEST_CASE("every file of the inf_fuzz corpus in the repository, crash vectors included, passes") {
  CHECK(dialup::test::replay_fuzz_corpus(DIALUP_FUZZ_CORPUS) > 0);
}
