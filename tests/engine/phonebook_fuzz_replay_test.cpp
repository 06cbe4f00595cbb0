// Runs the phone-book fuzz entry point (tests/fuzz/phonebook_fuzz.cpp) over pseudo-random
// inputs in every test run, so its invariants are checked where libFuzzer is not built.
#include <doctest/doctest.h>

#include "support/fuzz_corpus.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <vector>


namespace {

using pieces = std::vector<std::string>;

const std::string& pick(std::mt19937& rng, const pieces& p) { return p[rng() % p.size()]; }

// Lines that keep a phone book valid where they are put, and lines that may break it.
const pieces pbk_top = {"Encoding=1", "PBVersion=8", "Type=1", "RedialAttempts=3",
                        "RedialSeconds=60", "IdleDisconnectSeconds=-1", "Unknown=1",
                        "PreferredHwFlow=0", "PreferredSpeaker=1", "; comment", "   ", "",
                        "TapiBlob=00ff", " Port =COM9", "RedialOnLinkFailure=1",
                        "PreviewPhoneNumber=x", "Type=", "CustomAuthData=\x01"};
const pieces pbk_media = {"Port=COM3", "Device=USR 56k", "ConnectBPS=115200",
                          "ConnectBPS=-3", "Port=", "X=y", ""};
const pieces pbk_device = {"PhoneNumber=5550100", "PhoneNumber=P555", "AreaCode=206",
                           "CountryCode=1", "CountryID=1", "UseDialingRules=1", "Comment=x",
                           "FriendlyName=", "TryNextAlternateOnFail=0", "HwFlowControl=1",
                           "Protocol=0", "Compression=0", "Speaker=1", "Name=a.scp",
                           "Terminal=1", "Type=Terminal", "LastSelectedPhone=0", "Odd=1",
                           "; c", ""};
const pieces pbk_bad = {"[", "]", "[]", "=", "no equals", "DEVICE=modem", "[.]",
                        "[.Prefix]", "Item=9,", "[E0]", "[e1]", "MEDIA=serial",
                        std::string(1, '\0'), "\x7f\xff", "\xEF\xBB\xBF", "[x] y"};

const pieces wv_good = {"Modem = /dev/ttyS0", "Baud = 115200", "Init1 = ATZ",
                        "Init2 = ATQ0 V1 E1 &C1 &D2", "Init = AT&F", "Phone = 555",
                        "Phone3 = 556", "Dial Prefix = 9", "Area Code = 2",
                        "Dial Command = ATDP", "Dial Command = ATX", "Inherits = a",
                        "Inherits = Dialer b", "Password = hunter2", "Username = u",
                        "Dial Attempts = 0", "Dial Attempts = 7", "Auto Reconnect = off",
                        "Idle Seconds = 30", "Abort on Busy = yes", "# c", "; c", "",
                        "PPPD Path = /x", "Frob = 1", "dialtimeout=5", "STUPIDMODE = on"};
const pieces wv_sections = {"[Dialer Defaults]", "[Dialer a]", "[Dialer b]", "[dialer A ]",
                            "[Dialer c]", "[Modem]"};
const pieces wv_bad = {"[", "Baud = x", "Init = ATDT1", "Init2 = AT&F\r", "Inherits = zz",
                       "Abort on Busy = maybe", " = 1", "no equals", "\x80\x00"};

void add_line(std::mt19937& rng, std::vector<std::uint8_t>& in, const std::string& line) {
  in.insert(in.end(), line.begin(), line.end());
  switch (rng() % 40) {
    case 0: in.push_back('\r'); in.push_back('\n'); break;
    case 1: break;  // glued to the next piece
    default: in.push_back('\n');
  }
}

// Option byte: bit 0 selects the wvdial parser; the rest sets the feed piece size.
std::vector<std::uint8_t> make_pbk(std::mt19937& rng) {
  std::vector<std::uint8_t> in{static_cast<std::uint8_t>(rng() & 0xFE)};
  const bool noisy = rng() % 4 == 0;
  auto maybe_bad = [&] {
    if (rng() % (noisy ? 3 : 150) == 0) add_line(rng, in, pick(rng, pbk_bad));
    if (noisy && rng() % 6 == 0) in.push_back(static_cast<std::uint8_t>(rng()));
  };
  const int entries = 1 + static_cast<int>(rng() % 3);
  for (int e = 0; e < entries; ++e) {
    add_line(rng, in, "[E" + std::to_string(e) + (rng() % 5 == 0 ? " name]" : "]"));
    for (int k = static_cast<int>(rng() % 6); k > 0; --k, maybe_bad()) {
      add_line(rng, in, pick(rng, pbk_top));
    }
    if (rng() % 2) add_line(rng, in, "NETCOMPONENTS=");
    for (int link = 1 + static_cast<int>(rng() % 2); link > 0; --link) {
      add_line(rng, in, rng() % 3 ? "MEDIA=rastapi" : "MEDIA=serial");
      for (int k = static_cast<int>(rng() % 4); k > 0; --k, maybe_bad()) {
        add_line(rng, in, pick(rng, pbk_media));
      }
      for (int dev = 1 + static_cast<int>(rng() % 3); dev > 0; --dev) {
        add_line(rng, in, rng() % 3 ? "DEVICE=modem" : "DEVICE=switch");
        for (int k = static_cast<int>(rng() % 10); k > 0; --k, maybe_bad()) {
          add_line(rng, in, pick(rng, pbk_device));
        }
      }
    }
  }
  return in;
}

std::vector<std::uint8_t> make_wvdial(std::mt19937& rng) {
  std::vector<std::uint8_t> in{static_cast<std::uint8_t>((rng() & 0xFE) | 1)};
  const bool noisy = rng() % 4 == 0;
  for (int s = 1 + static_cast<int>(rng() % 4); s > 0; --s) {
    add_line(rng, in, pick(rng, wv_sections));
    for (int k = static_cast<int>(rng() % 8); k > 0; --k) {
      add_line(rng, in, rng() % (noisy ? 3 : 30) == 0 ? pick(rng, wv_bad) : pick(rng, wv_good));
    }
  }
  return in;
}

}  // namespace

TEST_CASE("the phone-book fuzz target holds its invariants over 2000 pseudo-random inputs") {
  std::mt19937 rng(20261124);
  for (int i = 0; i < 2000; ++i) {
    auto in = i % 3 == 2 ? make_wvdial(rng) : make_pbk(rng);
    CHECK(LLVMFuzzerTestOneInput(in.data(), in.size()) == 0);
  }
}

TEST_CASE("every file of the phonebook_fuzz corpus in the repository, crash vectors included, passes") {
  CHECK(dialup::test::replay_fuzz_corpus(DIALUP_FUZZ_CORPUS) > 0);
}
