#include "dialup/engine/phonebook.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "dialup/engine/dial_string.hpp"
#include "dialup/engine/ras_error.hpp"

using namespace dialup;

namespace {

std::string read_data(const char* name) {
  auto path = std::filesystem::path(DIALUP_ENGINE_TEST_DIR) / "data/phonebook" / name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string crlf(std::string_view lf) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

std::string lf_only(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != '\r') out += c;
  }
  return out;
}

phonebook parse_ok(std::string_view text, const char* file = "test.pbk") {
  phonebook pb;
  auto err = phonebook::parse(text, file, pb);
  INFO(err.message());
  REQUIRE_FALSE(err);
  return pb;
}

// The smallest valid entry.
constexpr const char* minimal =
    "[ISP]\n"
    "MEDIA=rastapi\n"
    "Port=COM3\n"
    "DEVICE=modem\n"
    "PhoneNumber=5550100\n";

}  // namespace

TEST_CASE("valid phone-book texts parse into the expected entries (vector table)") {
  struct vec {
    const char* what;
    std::string text;
    std::vector<std::string> names;
    std::string first_port;
    std::vector<std::string> first_numbers;
  };
  const std::vector<vec> table = {
      {"minimal entry", minimal, {"ISP"}, "COM3", {"5550100"}},
      {"CRLF line ends", crlf(minimal), {"ISP"}, "COM3", {"5550100"}},
      {"UTF-8 BOM", "\xEF\xBB\xBF" + std::string(minimal), {"ISP"}, "COM3", {"5550100"}},
      {"no final line break", "[A]\nMEDIA=serial\nPort=COM1\nDEVICE=modem\nPhoneNumber=1",
       {"A"}, "COM1", {"1"}},
      {"blank lines and ; comments anywhere",
       "; written by hand\n\n[A]\n; entry comment\nType=1\n\nMEDIA=rastapi\n  ; indented\n"
       "Port=COM2\n\nDEVICE=modem\nPhoneNumber=1\n\n",
       {"A"}, "COM2", {"1"}},
      {"unknown keys everywhere", "[A]\nFrobnicate=7\nMEDIA=rastapi\nX=y\nPort=COM1\n"
       "DEVICE=modem\nPhoneNumber=1\nWhatever=\n",
       {"A"}, "COM1", {"1"}},
      {"two entries, file order kept", std::string(minimal) + "[Another]\nMEDIA=rastapi\n"
       "Port=COM4\nDEVICE=modem\nPhoneNumber=2\n",
       {"ISP", "Another"}, "COM3", {"5550100"}},
      {"global NT sections are not entries",
       "[.]\nVersion=2\n[.Prefix]\nItem=9,\n" + std::string(minimal), {"ISP"}, "COM3",
       {"5550100"}},
      {"three PhoneNumber groups", "[A]\nMEDIA=rastapi\nPort=COM1\nDEVICE=modem\n"
       "PhoneNumber=1\nAreaCode=206\nPhoneNumber=2\nComment=x\nPhoneNumber=3\n",
       {"A"}, "COM1", {"1", "2", "3"}},
      {"spaces around keys", "[A]\nMEDIA=rastapi\n Port =COM9\nDEVICE=modem\n", {"A"},
       "COM9", {}},
      {"entry name with spaces and ']'", "[My ISP [old]]\nMEDIA=rastapi\nPort=COM1\n"
       "DEVICE=modem\n",
       {"My ISP [old]"}, "COM1", {}},
      {"name of exactly 256 characters",
       "[" + std::string(256, 'n') + "]\nMEDIA=rastapi\nDEVICE=modem\n",
       {std::string(256, 'n')}, "", {}},
      {"empty file", "", {}, "", {}},
  };
  for (const auto& v : table) {
    INFO(v.what);
    auto pb = parse_ok(v.text);
    CHECK(pb.names() == v.names);
    if (!v.names.empty()) {
      const auto& e = pb.entries().front();
      CHECK(e.port == v.first_port);
      std::vector<std::string> nums;
      for (const auto& n : e.numbers) nums.push_back(n.number);
      CHECK(nums == v.first_numbers);
    }
    // Fed in two pieces split at every byte, the parser gives the same phone book.
    for (std::size_t cut = 0; cut <= v.text.size(); ++cut) {
      pbk_parser p("test.pbk");
      p.feed(std::string_view(v.text).substr(0, cut));
      p.feed(std::string_view(v.text).substr(cut));
      phonebook split;
      REQUIRE_FALSE(p.finish(split));
      CHECK(split == pb);
    }
  }
}

TEST_CASE("a malformed phone book names file, line and reason, and loads nothing") {
  struct vec {
    std::string text;
    std::size_t line;
    std::string reason;
  };
  const std::vector<vec> table = {
      {"Port=COM3\n[A]\nMEDIA=rastapi\nDEVICE=modem\n", 1, "key outside any entry"},
      {"; c\n\nType=1\n", 3, "key outside any entry"},
      {"[A]\nMEDIA=rastapi\nDEVICE=modem\nthis is not a key\n", 4,
       "line has no '=' and is not a [section]"},
      {"[A\nMEDIA=rastapi\nDEVICE=modem\n", 1, "unterminated '[' in section header"},
      {"[A] x\nMEDIA=rastapi\nDEVICE=modem\n", 1, "text after ']' in section header"},
      {"[]\nMEDIA=rastapi\nDEVICE=modem\n", 1, "empty entry name"},
      {"[" + std::string(257, 'n') + "]\nMEDIA=rastapi\nDEVICE=modem\n", 1,
       "entry name longer than 256 characters"},
      {std::string(minimal) + "\n[isp]\nMEDIA=rastapi\nDEVICE=modem\n", 7,
       "duplicate entry 'isp' (first at line 1)"},
      {"[A]\nType=1\nNETCOMPONENTS=\nms_server=0\n\n[B]\nMEDIA=rastapi\nDEVICE=modem\n", 1,
       "entry 'A' has no MEDIA subsection"},
      {std::string(minimal) + "[B]\nType=1\nMEDIA=rastapi\nPort=COM1\n", 6,
       "entry 'B' has no DEVICE subsection"},
      {"[A]\nDEVICE=modem\nMEDIA=rastapi\n", 2, "DEVICE subsection before any MEDIA"},
      {"[A]\nMEDIA=rastapi\n=value\nDEVICE=modem\n", 3, "empty key before '='"},
      {"[A]\nMEDIA=rastapi\nDEVICE=modem\nTapiBlob=" + std::string(70000, '0') + "\n", 4,
       "line longer than 65536 bytes"},
  };
  for (const auto& v : table) {
    INFO(v.reason);
    phonebook pb = parse_ok(minimal);
    const phonebook before = pb;
    auto err = phonebook::parse(v.text, "phonebook.pbk", pb);
    CHECK(err.code == ras_error::corrupt_phonebook);
    CHECK(err.file == "phonebook.pbk");
    CHECK(err.line == v.line);
    CHECK(err.reason == v.reason);
    CHECK(err.message() == "phonebook.pbk:" + std::to_string(v.line) + ": " + v.reason);
    CHECK(pb == before);  // nothing half-loaded
    // CRLF and byte-by-byte feeding give the same error at the same line.
    pbk_parser p("phonebook.pbk");
    for (char c : crlf(v.text)) p.feed(std::string_view(&c, 1));
    auto err2 = p.finish(pb);
    CHECK(err2.line == v.line);
    CHECK(err2.reason == v.reason);
    CHECK(pb == before);
  }
}

TEST_CASE("a parser finishes once; feeding after finish() changes nothing") {
  pbk_parser p("x.pbk");
  p.feed(minimal);
  phonebook pb;
  REQUIRE_FALSE(p.finish(pb));
  p.feed("[Other]\nMEDIA=rastapi\nDEVICE=modem\n");
  phonebook again = pb;
  auto err = p.finish(again);
  CHECK(err.code == ras_error::invalid_parameter);
  CHECK(again == pb);
  CHECK(pb.names() == std::vector<std::string>{"ISP"});
}

TEST_CASE("parse then serialize of real XP and Vista+ files changes nothing") {
  for (const char* file : {"xp_modem.pbk", "vista_modem.pbk"}) {
    INFO(file);
    const std::string text = read_data(file);
    REQUIRE(text.find("\r\n") != std::string::npos);
    auto pb = parse_ok(text, file);
    CHECK(pb.serialize() == text);
    // The same file with LF line ends is written back with CRLF.
    auto from_lf = parse_ok(lf_only(text), file);
    CHECK(from_lf == pb);
    CHECK(from_lf.serialize() == text);
  }
}

TEST_CASE("a rasphone.pbk round trip preserves keys it does not know") {
  const std::string text =
      "\xEF\xBB\xBF; my phone book\r\n"
      "[.]\r\nVersion=3\r\n"
      "[A]\r\nZebra=1\r\nType=1\r\nTapiBlob=00ff\r\nTapiBlob=ee11\r\n"
      "NETCOMPONENTS=\r\nms_server=0\r\nvendor_thing=5\r\n\r\n"
      "MEDIA=rastapi\r\nPort=COM3\r\nInvented=yes\r\n"
      "DEVICE=modem\r\nPhoneNumber=1\r\nOddKey=3\r\nAreaCode=9\r\nLastSelectedPhone=0\r\n"
      "[.Suffix]\r\nItem=1234\r\n";
  auto pb = parse_ok(text);
  auto out = pb.serialize();
  CHECK(out == text);
  auto again = parse_ok(out);
  CHECK(again == pb);
  const auto& lay = again.entries().front().layout;
  REQUIRE(lay.lines.size() == 4);
  CHECK(lay.lines[0].key == "Zebra");
  CHECK(lay.lines[2].value == "00ff");
  CHECK(lay.lines[3].value == "ee11");
  // A key inside a PhoneNumber group that is not a group key ends the group.
  CHECK(again.entries().front().numbers.front().area_code == "");
}

TEST_CASE("the XP modem entry maps onto the engine's dial_entry key by key") {
  auto pb = parse_ok(read_data("xp_modem.pbk"), "xp_modem.pbk");
  REQUIRE(pb.names() == std::vector<std::string>{"Dial-up ISP", "Campus BBS"});
  const auto& e = *pb.find("Dial-up ISP");
  CHECK(e.type == 1);
  CHECK(e.media == "rastapi");
  CHECK(e.port == "COM3");
  CHECK(e.device == "U.S. Robotics 56K FAX EXT PnP");
  CHECK(e.connect_bps == 115200);
  CHECK(e.device_type == "modem");
  REQUIRE(e.numbers.size() == 3);
  CHECK(e.numbers[0] == pbk_phone_number{"5550100", "555", 1, 1, false, "main POP"});
  CHECK(e.numbers[1].comment == "backup POP");
  CHECK(e.numbers[2].number == "18005550142");
  CHECK(e.redial_attempts == 10);
  CHECK(e.redial_seconds == 60);
  CHECK(e.idle_disconnect_seconds == 1200);
  CHECK(e.hw_flow_control == true);
  CHECK(e.error_control == true);
  CHECK(e.compression == true);
  CHECK(e.speaker == false);
  CHECK(e.link_count() == 1);

  auto d = to_dial_entry(e);
  CHECK(d.name == "Dial-up ISP");
  CHECK(d.port == "COM3");
  CHECK(d.phone_number == "5550100");
  CHECK(d.alternates == std::vector<std::string>{"5550199", "18005550142"});
  CHECK_FALSE(d.pulse_dialing);
  CHECK(d.redial.attempts == 10);
  CHECK(d.redial.pause == std::chrono::seconds(60));
  CHECK(d.redial.rotate_alternates);
  CHECK(d.idle_disconnect == std::chrono::seconds(1200));
  CHECK_FALSE(d.reconnect_if_dropped);
  CHECK(d.settings.baud_rate == 115200);
  CHECK(d.settings.hardware_flow_control);
  auto generic = modem_profile::generic().init;
  generic.push_back("ATM0");
  CHECK(d.profile.init == generic);

  const auto& bbs = *pb.find("campus bbs");
  CHECK(bbs.terminal_before_dial);
  CHECK_FALSE(bbs.terminal_after_dial);
  CHECK(bbs.script == "C:\\WINDOWS\\system32\\pppmenu.scp");
  CHECK(bbs.preview_phone_number);
  CHECK(bbs.redial_on_link_failure);
  CHECK_FALSE(bbs.try_next_alternate_on_fail);
  auto b = to_dial_entry(bbs);
  CHECK(b.pulse_dialing);
  CHECK(b.phone_number == "P 555-0142");
  CHECK(b.alternates.empty());
  CHECK(b.reconnect_if_dropped);
  CHECK(b.idle_disconnect == std::chrono::seconds(0));
  CHECK(b.settings.baud_rate == 19200);
  CHECK_FALSE(b.settings.hardware_flow_control);
  auto bbs_init = modem_profile::generic().init;
  for (const char* s : {"ATM1", "AT\\N0", "AT%C0"}) bbs_init.push_back(s);
  CHECK(b.profile.init == bbs_init);
  CHECK(b.login_script.empty());  // a path to a .scp file is not a chat script
  CHECK_FALSE(b.terminal_after_dial);
  auto with_terminal = bbs;
  with_terminal.terminal_after_dial = true;
  CHECK(to_dial_entry(with_terminal).terminal_after_dial);
}

TEST_CASE("a Vista+ entry keeps PBVersion and its multilink links; to_dial_entry uses link 1") {
  auto text = read_data("vista_modem.pbk");
  auto pb = parse_ok(text, "vista_modem.pbk");
  const auto& office = *pb.find("OFFICE DIAL-IN");
  CHECK(office.idle_disconnect_seconds == -1);
  CHECK(to_dial_entry(office).idle_disconnect == std::chrono::seconds(0));
  CHECK(office.promote_alternates);
  CHECK(office.compression == false);
  REQUIRE(office.numbers.size() == 2);
  CHECK(office.numbers[1].use_dialing_rules);
  CHECK(office.numbers[1].area_code == "425");
  const auto* pbv = &office.layout.lines[1];
  CHECK(pbv->key == "PBVersion");
  CHECK(pbv->value == "8");
  dialing_location seattle{1, "206", "1", "011"};
  auto d = to_dial_entry(office, seattle);
  CHECK(d.phone_number == "5550100");
  CHECK(d.alternates == std::vector<std::string>{"14255550177"});

  const auto& bonded = *pb.find("Bonded 2x56k");
  CHECK(bonded.link_count() == 2);
  CHECK(bonded.port == "COM3");
  auto b = to_dial_entry(bonded);
  CHECK(b.port == "COM3");
  CHECK(b.phone_number == "5550110");
  // Editing link 1 leaves link 2 alone.
  phonebook copy = pb;
  copy.find("Bonded 2x56k")->port = "COM7";
  auto out = copy.serialize();
  CHECK(out.find("Port=COM7\r\n") != std::string::npos);
  CHECK(out.find("Port=COM5\r\n") != std::string::npos);
  CHECK(out.find("Port=COM3\r\n") == std::string::npos);
}

TEST_CASE("dialling rules turn a PhoneNumber group into a dialable number (vector table)") {
  struct vec {
    pbk_phone_number n;
    dialing_location at;
    std::string want;
  };
  const dialing_location seattle{1, "206", "1", "011"};
  const dialing_location london{44, "20", "0", "00"};
  const std::vector<vec> table = {
      {{"5550100", "206", 1, 1, false, ""}, seattle, "5550100"},
      {{"5550100", "425", 1, 1, false, ""}, seattle, "5550100"},  // rules off: as written
      {{"5550100", "206", 1, 1, true, ""}, seattle, "5550100"},
      {{"5550100", "425", 1, 1, true, ""}, seattle, "14255550100"},
      {{"5550100", "", 1, 1, true, ""}, seattle, "5550100"},
      {{"79460000", "20", 44, 44, true, ""}, seattle, "011442079460000"},
      {{"5550100", "425", 1, 1, true, ""}, london, "0014255550100"},
      {{"79460000", "161", 44, 44, true, ""}, london, "016179460000"},
      {{"5550100", "425", 1, 1, true, ""}, {}, "+1 425 5550100"},
      {{"5550100", "425", 0, 0, true, ""}, seattle, "5550100"},  // no country: as written
  };
  for (const auto& v : table) {
    INFO(v.want);
    CHECK(dialable_number(v.n, v.at) == v.want);
  }
}

TEST_CASE("an NT 4 entry's entry-level area code and dialling rules apply to each number") {
  const std::string text =
      "[.]\nVersion=2\n"
      "[Old ISP]\nDescription=NT 4\nUseCountryAndAreaCodes=1\nAreaCode=425\nCountryID=1\n"
      "CountryCode=1\nMEDIA=serial\nPort=COM2\nConnectBps=38400\n"
      "DEVICE=modem\nPhoneNumber=5550100\nPhoneNumber=5550101\nAreaCode=206\n"
      "ManualDial=0\nHwFlowControl=1\nProtocol=1\nCompression=1\n";
  auto pb = parse_ok(text);
  const auto& e = *pb.find("old isp");
  REQUIRE(e.numbers.size() == 2);
  CHECK(e.numbers[0] == pbk_phone_number{"5550100", "425", 1, 1, true, ""});
  CHECK(e.numbers[1].area_code == "206");  // its own key wins
  CHECK(e.numbers[1].use_dialing_rules);
  CHECK(e.connect_bps == 38400);  // keys match whatever their case
  CHECK(pb.serialize() == crlf(text));
  auto d = to_dial_entry(e, {1, "206", "1", "011"});
  CHECK(d.phone_number == "14255550100");
  CHECK(d.alternates == std::vector<std::string>{"5550101"});
  // Rewriting the numbers writes every group key, and reads back the same.
  auto copy = pb;
  copy.find("old isp")->numbers.pop_back();
  auto back = parse_ok(copy.serialize());
  CHECK(back.find("old isp")->numbers == copy.find("old isp")->numbers);
}

TEST_CASE("only modem entries with a port are dialable") {
  auto pb = parse_ok(read_data("xp_modem.pbk"));
  CHECK_FALSE(check_dialable(*pb.find("Dial-up ISP")));
  auto e = *pb.find("Dial-up ISP");
  e.port = "";
  CHECK(check_dialable(e) == ras_error::port_not_configured);
  auto vpn = parse_ok("[Work VPN]\nType=2\nMEDIA=rastapi\nPort=VPN2-0\n"
                      "Device=WAN Miniport (IKEv2)\nDEVICE=vpn\nPhoneNumber=vpn.example.com\n");
  CHECK(check_dialable(vpn.entries()[0]) == ras_error::devicetype_does_not_exist);
  CHECK(vpn.entries()[0].type == 2);
}

TEST_CASE("lookup by entry name is case-insensitive, as on Windows") {
  auto pb = parse_ok(std::string(minimal) + "[Office]\nMEDIA=rastapi\nDEVICE=modem\n");
  CHECK(pb.find("isp") == &pb.entries()[0]);
  CHECK(pb.find("ISP") == &pb.entries()[0]);
  CHECK(pb.find("oFFICE") == &pb.entries()[1]);
  CHECK(pb.find("Offic") == nullptr);
  CHECK(pb.find("") == nullptr);
}

TEST_CASE("alternates keep file order, and TryNextAlternateOnFail=0 drops them") {
  std::string text =
      "[A]\nMEDIA=rastapi\nPort=COM1\nDEVICE=modem\nPhoneNumber=3\nPhoneNumber=1\n"
      "PhoneNumber=2\nTryNextAlternateOnFail=1\n";
  auto pb = parse_ok(text);
  auto d = to_dial_entry(pb.entries()[0]);
  CHECK(d.phone_number == "3");
  CHECK(d.alternates == std::vector<std::string>{"1", "2"});
  auto off = parse_ok(text.replace(text.find("OnFail=1"), 8, "OnFail=0"));
  CHECK(to_dial_entry(off.entries()[0]).alternates.empty());
  CHECK_FALSE(to_dial_entry(off.entries()[0]).redial.rotate_alternates);
}

TEST_CASE("editing a typed field rewrites only its own line") {
  const std::string text = read_data("xp_modem.pbk");
  auto pb = parse_ok(text);
  auto* e = pb.find("Dial-up ISP");
  e->redial_attempts = 99;
  e->speaker = true;
  auto out = pb.serialize();
  std::string want = text;
  auto replace = [&](std::string_view from, std::string_view to) {
    auto at = want.find(from);
    REQUIRE(at != std::string::npos);
    want.replace(at, from.size(), to);
  };
  replace("RedialAttempts=10\r\n", "RedialAttempts=99\r\n");
  replace("PreferredSpeaker=0\r\n", "PreferredSpeaker=1\r\n");
  replace("Speaker=0\r\nMdmProtocol", "Speaker=1\r\nMdmProtocol");
  CHECK(out == want);
  CHECK(parse_ok(out).find("Dial-up ISP")->redial_attempts == 99);
}

TEST_CASE("new numbers, scripts and terminals are written where Windows keeps them") {
  auto pb = parse_ok(minimal);
  auto* e = pb.find("ISP");
  e->numbers = {{"5550101", "206", 1, 1, true, "new"}, {"5550102", "", 1, 1, false, ""}};
  e->script = "/etc/dialup/isp.scp";
  e->terminal_before_dial = true;
  auto out = pb.serialize();
  CHECK(out ==
        "[ISP]\r\nMEDIA=rastapi\r\nPort=COM3\r\n"
        "DEVICE=switch\r\nName=\r\nTerminal=1\r\n"
        "DEVICE=modem\r\n"
        "PhoneNumber=5550101\r\nAreaCode=206\r\nCountryCode=1\r\nCountryID=1\r\n"
        "UseDialingRules=1\r\nComment=new\r\n"
        "PhoneNumber=5550102\r\nAreaCode=\r\nCountryCode=1\r\nCountryID=1\r\n"
        "UseDialingRules=0\r\nComment=\r\n"
        "DEVICE=switch\r\nName=/etc/dialup/isp.scp\r\nTerminal=0\r\n");
  auto back = parse_ok(out);
  CHECK(back.entries()[0].numbers == e->numbers);
  CHECK(back.entries()[0].script == e->script);
  CHECK(back.entries()[0].terminal_before_dial);
  CHECK_FALSE(back.entries()[0].terminal_after_dial);
  CHECK(back.serialize() == out);  // sync is idempotent
}

TEST_CASE("a new number is never merged with a stray group key already in the DEVICE") {
  // AreaCode/Comment before any PhoneNumber belong to no group; numbers written in front
  // of them would absorb them when read back (found by the fuzz target).
  auto pb = parse_ok("[A]\nMEDIA=rastapi\nDEVICE=modem\nComment=stray\nAreaCode=999\n"
                     "Speaker=1\n");
  auto* e = pb.find("A");
  REQUIRE(e->numbers.empty());
  e->numbers = {{"5550100", "206", 1, 1, true, "new"}};
  auto back = parse_ok(pb.serialize());
  CHECK(back.entries()[0].numbers == e->numbers);
  CHECK(back.serialize().find("Comment=stray\r\nAreaCode=999\r\nSpeaker=1\r\nPhoneNumber=") !=
        std::string::npos);
}

TEST_CASE("entries can be added, removed and renamed, with RAS-like errors") {
  auto pb = parse_ok(std::string("[.]\nVersion=1\n") + minimal);
  auto fresh = phonebook_entry::make_modem("Backup", "COM4", "Generic 56k",
                                           {{"5550199", "", 1, 1, false, ""}});
  CHECK_FALSE(pb.add(fresh));
  CHECK(pb.add(fresh) == std::errc::file_exists);
  auto upper = fresh;
  upper.name = "BACKUP";
  CHECK(pb.add(upper) == std::errc::file_exists);
  for (std::string bad : {std::string(), std::string(257, 'x'), std::string(".hidden"),
                          std::string("two\nlines")}) {
    auto b = fresh;
    b.name = bad;
    CHECK(pb.add(b) == ras_error::invalid_parameter);
  }
  CHECK(pb.names() == std::vector<std::string>{"ISP", "Backup"});
  CHECK(pb.rename("nope", "x") == ras_error::cannot_find_phonebook_entry);
  CHECK(pb.rename("isp", "backup") == std::errc::file_exists);
  CHECK(pb.rename("isp", "") == ras_error::invalid_parameter);
  CHECK_FALSE(pb.rename("backup", "BACKUP"));  // case change of itself
  CHECK_FALSE(pb.rename("isp", "Main ISP"));
  CHECK(pb.names() == std::vector<std::string>{"Main ISP", "BACKUP"});
  auto out = pb.serialize();
  CHECK(out.rfind("[.]\r\nVersion=1\r\n[Main ISP]\r\n", 0) == 0);
  auto back = parse_ok(out);
  CHECK(back == pb);
  const auto& b = *back.find("backup");
  CHECK(b.port == "COM4");
  CHECK(b.device == "Generic 56k");
  CHECK(b.numbers.size() == 1);
  CHECK(b.layout.lines.front().key == "Encoding");
  CHECK(out.find("PreferredPort=COM4\r\n") != std::string::npos);
  CHECK(pb.remove("nope") == ras_error::cannot_find_phonebook_entry);
  CHECK_FALSE(pb.remove("main isp"));
  CHECK(pb.names() == std::vector<std::string>{"BACKUP"});
  CHECK(pb.serialize().rfind("[.]\r\nVersion=1\r\n[BACKUP]\r\n", 0) == 0);
}

TEST_CASE("an entry built from scratch gets MEDIA and DEVICE subsections on write") {
  phonebook pb;
  phonebook_entry e;
  e.name = "Bare";
  e.port = "/dev/ttyUSB0";
  e.numbers = {{"5550100", "", 0, 0, false, ""}};
  e.hw_flow_control = false;
  REQUIRE_FALSE(pb.add(e));
  auto out = pb.serialize();
  CHECK(out ==
        "[Bare]\r\nMEDIA=rastapi\r\nPort=/dev/ttyUSB0\r\nDEVICE=modem\r\n"
        "PhoneNumber=5550100\r\nAreaCode=\r\nCountryCode=0\r\nCountryID=0\r\n"
        "UseDialingRules=0\r\nComment=\r\nHwFlowControl=0\r\n");
  auto back = parse_ok(out);
  CHECK(back == pb);  // add() stored the entry as it will be read back
  CHECK(back.entries()[0].hw_flow_control == false);
  CHECK(back.entries()[0].numbers == e.numbers);
}

TEST_CASE("the checked serialize refuses to write what would not read back (624)") {
  auto pb = parse_ok(read_data("xp_modem.pbk"));
  std::string out = "unchanged";
  REQUIRE_FALSE(pb.serialize(out));
  CHECK(out == read_data("xp_modem.pbk"));
  struct vec {
    const char* what;
    void (*edit)(phonebook_entry&);
  };
  const vec table[] = {
      {"line feed in a number", [](phonebook_entry& e) { e.numbers[0].number = "555\n0100"; }},
      {"line feed in the port", [](phonebook_entry& e) { e.port = "COM3\nType=2"; }},
      {"name set directly to a global section", [](phonebook_entry& e) { e.name = ".x"; }},
      {"name equal to another but for case", [](phonebook_entry& e) { e.name = "CAMPUS BBS"; }},
      {"line feed in the script path", [](phonebook_entry& e) { e.script = "a\nb"; }},
  };
  for (const auto& v : table) {
    INFO(v.what);
    auto copy = pb;
    v.edit(*copy.find("Dial-up ISP"));
    out = "unchanged";
    CHECK(copy.serialize(out) == ras_error::cannot_write_phonebook);
    CHECK(out == "unchanged");
  }
  // A carriage return inside a value does read back (only LF ends a line).
  auto copy = pb;
  copy.find("Dial-up ISP")->numbers[0].comment = "a\rb";
  CHECK_FALSE(copy.serialize(out));
}

TEST_CASE("describe() of an entry names its numbers and port") {
  auto pb = parse_ok(read_data("xp_modem.pbk"));
  auto s = describe(*pb.find("Dial-up ISP"));
  CHECK(s.find("COM3") != std::string::npos);
  CHECK(s.find("alternate: 5550199") != std::string::npos);
}

// ---- wvdial.conf ------------------------------------------------------------------------

namespace {
wvdial_config wv_ok(std::string_view text) {
  wvdial_config cfg;
  auto err = wvdial_config::parse(text, "wvdial.conf", cfg);
  INFO(err.message());
  REQUIRE_FALSE(err);
  return cfg;
}

wvdial_import import_ok(const wvdial_config& cfg, std::string_view dialer) {
  wvdial_import imp;
  auto err = import_wvdial(cfg, dialer, imp);
  INFO(err.message());
  REQUIRE_FALSE(err);
  return imp;
}
}  // namespace

TEST_CASE("what wvdialconf writes imports as [Dialer Defaults]") {
  auto cfg = wv_ok(read_data("wvdialconf_output.conf"));
  CHECK(cfg.dialers() == std::vector<std::string>{"Defaults"});
  auto imp = import_ok(cfg, "Defaults");
  const auto& d = imp.entry;
  CHECK(d.port == "/dev/ttyS1");
  CHECK(d.settings.baud_rate == 115200);
  // Init1 = ATZ is the engine's own reset; Init2 follows.
  CHECK(d.profile.init == std::vector<dialup::init_step>{"ATQ0 V1 E1 S0=0 &C1 &D2 +FCLASS=0"});
  CHECK(d.phone_number.empty());
  CHECK(d.profile.dial_prefix == "ATD");
  CHECK_FALSE(d.pulse_dialing);
  CHECK(d.profile.connect_timeout == std::chrono::seconds(60));
  CHECK(d.redial.attempts == wvdial_forever_attempts);
  CHECK(d.reconnect_if_dropped);
  CHECK(d.redial.pause == std::chrono::seconds(5));
  CHECK(d.redial.backoff == 2.0);
  CHECK(d.redial.max_pause == std::chrono::seconds(600));
  CHECK_FALSE(d.redial.abort_on_busy);
  CHECK(d.redial.abort_on_no_dialtone);
  REQUIRE(imp.unused.size() == 2);
  CHECK(imp.unused[0].key == "Modem Type");
  CHECK(imp.unused[0].known_to_wvdial);
  CHECK(imp.unused[0].line == 3);
  CHECK(imp.unused[1].key == "ISDN");
}

TEST_CASE("wvdial Inherits chains resolve most specific first, then Dialer Defaults") {
  auto cfg = wv_ok(read_data("wvdial.conf"));
  auto imp = import_ok(cfg, "night");
  CHECK(imp.sections ==
        std::vector<std::string>{"Dialer night", "Dialer shh", "Dialer Defaults"});
  const auto& d = imp.entry;
  CHECK(d.name == "night");
  CHECK(d.port == "/dev/ttyUSB0");
  CHECK(d.profile.init ==
        std::vector<dialup::init_step>{"ATQ0 V1 E1 S0=0 &C1 &D2 +FCLASS=0", "ATM0"});
  // Phone (from Defaults), Phone1, Phone2, each with Dial Prefix "," Area Code.
  CHECK(d.phone_number == "*70,206555-0100");
  CHECK(d.alternates == std::vector<std::string>{"*70,206555-0102", "*70,206555-0103"});
  CHECK(d.redial.attempts == 4);
  CHECK(d.redial.abort_on_busy);
  CHECK_FALSE(d.reconnect_if_dropped);
  CHECK(d.redial.pause == std::chrono::seconds(2));
  CHECK(d.redial.backoff == 1.0);
  CHECK(d.idle_disconnect == std::chrono::seconds(300));
  CHECK(d.profile.connect_timeout == std::chrono::seconds(45));
  CHECK(imp.credentials.username == "jdoe");
  CHECK(imp.credentials.password == "s3cr3t-Pa55");
  CHECK(imp.stupid_mode);
  std::vector<std::string> unused;
  for (const auto& u : imp.unused) unused.push_back(u.key + (u.known_to_wvdial ? "" : "?"));
  CHECK(unused == std::vector<std::string>{"PPPD Option", "Modem Speed?", "Modem Type",
                                           "ISDN", "New PPPD"});

  auto pulse = import_ok(cfg, "pulse");
  CHECK(pulse.entry.pulse_dialing);
  CHECK(pulse.entry.profile.dial_prefix == "ATD");
  CHECK(pulse.entry.phone_number == "555-0100");
  auto phone2 = import_ok(cfg, "PHONE 2");  // fuzzy: case and spaces ignored
  CHECK(phone2.entry.phone_number == "555-0101");
}

TEST_CASE("an Inherits loop is an error at the Inherits line that closes it") {
  auto cfg = wv_ok(read_data("wvdial.conf"));
  wvdial_import imp;
  imp.entry.name = "untouched";
  auto err = import_wvdial(cfg, "loop-a", imp);
  CHECK(err.code == ras_error::corrupt_phonebook);
  CHECK(err.line == 42);
  CHECK(err.reason == "Inherits loop: Dialer loop-a -> Dialer loop-b -> Dialer loop-a");
  CHECK(imp.entry.name == "untouched");
  auto missing = import_wvdial(cfg, "nosuch", imp);
  CHECK(missing.code == ras_error::cannot_find_phonebook_entry);
  CHECK(missing.reason == "no [Dialer nosuch] section");
}

TEST_CASE("wvdial.conf mistakes are errors naming the line (vector table)") {
  struct vec {
    std::string text;
    std::size_t line;
    std::string reason;
  };
  const std::vector<vec> table = {
      {"[Dialer Defaults]\nInit1 = ATZ\nInit2 = ATDT5550100\n", 3,
       "Init2 dials (ATD): put the number in Phone and the dial command in Dial Command"},
      {"[Dialer Defaults]\nInit = at d t 555\n", 2,
       "Init1 dials (ATD): put the number in Phone and the dial command in Dial Command"},
      {"[Dialer Defaults]\nInit3 = ATZ\rATDT5550100\n", 2, "Init3 contains a line break"},
      {"[Dialer Defaults]\nBaud = fast\n", 2, "Baud is not a number: 'fast'"},
      {"[Dialer Defaults]\nAbort on Busy = maybe\n", 2,
       "Abort on Busy is neither yes nor no: 'maybe'"},
      {"[Dialer Defaults]\n[Dialer x]\nInherits = y\n", 3,
       "Inherits names a missing section 'y'"},
  };
  for (const auto& v : table) {
    INFO(v.reason);
    auto cfg = wv_ok(v.text);
    wvdial_import imp;
    auto err = import_wvdial(cfg, cfg.find_dialer("x") ? "x" : "Defaults", imp);
    CHECK(err.code == ras_error::corrupt_phonebook);
    CHECK(err.line == v.line);
    CHECK(err.reason == v.reason);
    CHECK(err.message() == "wvdial.conf:" + std::to_string(v.line) + ": " + v.reason);
  }
  struct syntax {
    std::string text;
    std::size_t line;
    std::string reason;
  };
  for (const auto& v : std::vector<syntax>{
           {"Modem = /dev/ttyS0\n", 1, "key outside any section"},
           {"[Dialer Defaults\n", 1, "unterminated '[' in section header"},
           {"[Dialer Defaults]\n# ok\n; ok\nModem /dev/ttyS0\n", 4,
            "line has no '=' and is not a [section]"},
           {"[Dialer Defaults]\n = x\n", 2, "empty key before '='"},
       }) {
    wvdial_config cfg;
    auto err = wvdial_config::parse(v.text, "wvdial.conf", cfg);
    CHECK(err.code == ras_error::corrupt_phonebook);
    CHECK(err.line == v.line);
    CHECK(err.reason == v.reason);
  }
}

TEST_CASE("wvdial keys match ignoring case and spaces, and a repeated key replaces the first") {
  auto cfg = wv_ok(
      "[dialer DEFAULTS]\nMODEM=/dev/ttyACM0\ndialcommand = atdp\nDIAL prefix= 9\n"
      "phone = 123\nPhone = 456\nidleseconds=0\nAUTORECONNECT = No\n");
  auto imp = import_ok(cfg, "defaults");
  CHECK(imp.entry.port == "/dev/ttyACM0");
  CHECK(imp.entry.pulse_dialing);
  CHECK(imp.entry.phone_number == "9,456");
  CHECK_FALSE(imp.auto_reconnect);
  CHECK(imp.unused.empty());
}

TEST_CASE("a wvdial section named twice, or again in ~/.wvdialrc, continues the first") {
  auto cfg = wv_ok("[Dialer Defaults]\nModem = /dev/ttyS0\nPhone = 1\n"
                   "[Dialer x]\nPhone = 2\n[dialer defaults]\nBaud = 9600\n");
  CHECK(cfg.sections().size() == 2);
  CHECK(import_ok(cfg, "Defaults").entry.settings.baud_rate == 9600);
  // The user's file, read over the system one: its keys replace, its errors name it.
  auto before = cfg;
  auto err = cfg.add_file("[Dialer x]\nBaud = slow\n[Dialer y\n", ".wvdialrc");
  CHECK(err.file == ".wvdialrc");
  CHECK(err.line == 3);
  CHECK(cfg.sections().size() == before.sections().size());
  REQUIRE_FALSE(cfg.add_file("[Dialer x]\nBaud = slow\nModem = /dev/ttyACM0\n", ".wvdialrc"));
  wvdial_import imp;
  auto bad = import_wvdial(cfg, "x", imp);
  CHECK(bad.file == ".wvdialrc");
  CHECK(bad.line == 2);
  CHECK(bad.reason == "Baud is not a number: 'slow'");
  REQUIRE_FALSE(cfg.add_file("[Dialer x]\nBaud = 19200\n", ".wvdialrc"));
  auto x = import_ok(cfg, "x");
  CHECK(x.entry.port == "/dev/ttyACM0");
  CHECK(x.entry.phone_number == "2");
  CHECK(x.entry.settings.baud_rate == 19200);
}

TEST_CASE("an imported wvdial dialer becomes a phone-book entry without its password") {
  auto cfg = wv_ok(read_data("wvdial.conf"));
  auto imp = import_ok(cfg, "night");
  phonebook pb;
  REQUIRE_FALSE(pb.add(to_phonebook_entry(imp)));
  std::string text;
  REQUIRE_FALSE(pb.serialize(text));
  CHECK(text.find("s3cr3t") == std::string::npos);
  CHECK(text.find("jdoe") == std::string::npos);
  auto back = parse_ok(text);
  const auto& e = *back.find("night");
  CHECK(e.port == "/dev/ttyUSB0");
  CHECK(e.connect_bps == 115200);
  CHECK(e.redial_attempts == 4);
  CHECK(e.redial_seconds == 2);
  CHECK(e.idle_disconnect_seconds == 300);
  CHECK_FALSE(e.redial_on_link_failure);
  auto d = to_dial_entry(e);
  CHECK(d.phone_number == imp.entry.phone_number);
  CHECK(d.alternates == imp.entry.alternates);
  CHECK(d.settings.baud_rate == 115200);
  CHECK(text.find("PreferredPort=/dev/ttyUSB0\r\n") != std::string::npos);
  // Pulse dialling survives as a 'P' in front of each number.
  auto pulse = to_phonebook_entry(import_ok(cfg, "pulse"));
  REQUIRE(pulse.numbers.size() == 1);
  CHECK(pulse.numbers[0].number == "P555-0100");
  CHECK(to_dial_entry(pulse).pulse_dialing);
}

TEST_CASE("the wvdial password never appears in describe() output") {
  auto cfg = wv_ok(read_data("wvdial.conf"));
  auto imp = import_ok(cfg, "night");
  auto text = describe(imp);
  CHECK(text.find("s3cr3t-Pa55") == std::string::npos);
  CHECK(text.find("Password = (set, not shown)") != std::string::npos);
  CHECK(text.find("jdoe") != std::string::npos);
  CHECK(text.find("unknown: Modem Speed (line 36)") != std::string::npos);
  for (const auto& n : imp.notes) CHECK(n.find("s3cr3t") == std::string::npos);
}

// ---- size and time: every file bounded, every parse linear ------------------------------

namespace {

// A file in the test's scratch directory, removed at the end of the scope.
struct scratch_file {
  std::filesystem::path path;
  explicit scratch_file(const std::string& name, std::string_view text) {
    path = std::filesystem::temp_directory_path() /
           ("dialup_phonebook_test_" + std::to_string(::getpid()) + "_" + name);
    std::ofstream(path, std::ios::binary).write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  ~scratch_file() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  std::string str() const { return path.string(); }
};

}  // namespace

TEST_CASE("a phone book of 40,000 entries parses, serializes and finds a late duplicate") {
  // Entry names are checked for duplicates through a hash map: 40,000 entries took 3.2 s
  // when each was compared with every earlier one; now the whole test takes well under one.
  constexpr int n = 40000;
  std::string text;
  for (int i = 0; i < n; ++i) {
    text += "[Entry " + std::to_string(i) + "]\r\nMEDIA=rastapi\r\nPort=COM3\r\nDEVICE=modem\r\n"
            "PhoneNumber=555" + std::to_string(i) + "\r\n";
    if (i % 2 == 0) text += "[.Global " + std::to_string(i) + "]\r\nItem=1\r\n";
  }
  auto pb = parse_ok(text);
  REQUIRE(pb.entries().size() == n);
  CHECK(pb.entries().back().name == "Entry 39999");
  CHECK(pb.entries().back().numbers.front().number == "55539999");
  CHECK(pb.serialize() == text);  // 20,000 global sections between the entries, in place

  phonebook untouched = pb;
  auto err = phonebook::parse(text + "[ENTRY 17]\r\nMEDIA=rastapi\r\nDEVICE=modem\r\n", "big.pbk",
                              untouched);
  CHECK(err.reason == "duplicate entry 'ENTRY 17' (first at line 104)");
  CHECK(err.line == std::size_t{n} * 5 + n / 2 * 2 + 1);
  CHECK(untouched.entries().size() == n);
}

TEST_CASE("an entry with 20,000 alternates is rewritten in one pass") {
  constexpr int n = 20000;
  std::string text = "[A]\r\nMEDIA=rastapi\r\nDEVICE=modem\r\n";
  for (int i = 0; i < n; ++i) text += "PhoneNumber=" + std::to_string(i) + "\r\nComment=c\r\n";
  auto pb = parse_ok(text);
  auto* e = pb.find("A");
  REQUIRE(e->numbers.size() == n);
  e->numbers.front().number = "5550100";
  auto back = parse_ok(pb.serialize());
  REQUIRE(back.entries().front().numbers.size() == n);
  CHECK(back.entries().front().numbers.front().number == "5550100");
  CHECK(back.entries().front().numbers.back().number == std::to_string(n - 1));
}

TEST_CASE("100,000 wvdial sections, each named twice and chained by Inherits, import") {
  // Sections and keys are found through hash maps and the Inherits chain is checked for
  // loops with a set: 100,000 sections did not finish in 60 s before.
  constexpr int n = 100000;
  std::string text;
  for (int i = 0; i < n; ++i) {
    text += "[Dialer d" + std::to_string(i) + "]\n";
    if (i + 1 < n) text += "Inherits = d" + std::to_string(i + 1) + "\n";
  }
  for (int i = 0; i < n; ++i) {  // again: each continues the first
    text += "[dialer D" + std::to_string(i) + "]\nKey" + std::to_string(i) + " = " +
            std::to_string(i) + "\n";
  }
  text += "[Dialer d99999]\nPhone = 5550100\nModem = /dev/ttyS1\n";
  wvdial_config cfg;
  auto err = wvdial_config::parse(text, "big.conf", cfg);
  REQUIRE_FALSE(err);
  CHECK(cfg.sections().size() == n);
  auto imp = import_ok(cfg, "d0");
  CHECK(imp.sections.size() == n);
  CHECK(imp.entry.phone_number == "5550100");
  CHECK(imp.entry.port == "/dev/ttyS1");
  REQUIRE(imp.unused.size() == n);  // Key0 .. Key99999, none known to wvdial
  CHECK(imp.unused.back().key == "Key99999");
  CHECK_FALSE(imp.unused.back().known_to_wvdial);

  // A loop closed by the last section is found, and named at its line.
  wvdial_config looped;
  REQUIRE_FALSE(wvdial_config::parse(text + "[Dialer d99999]\nInherits = d0\n", "loop.conf", looped));
  wvdial_import none;
  auto loop = import_wvdial(looped, "d0", none);
  CHECK(loop.code == ras_error::corrupt_phonebook);
  CHECK(loop.reason.rfind("Inherits loop: Dialer d0 -> Dialer d1 -> ", 0) == 0);
}

TEST_CASE("reading a file stops after its size limit, whatever the file is") {
  const std::string pbk = minimal;
  scratch_file exact("exact.pbk", pbk);
  std::string text = "untouched";
  CHECK_FALSE(read_bounded_file(exact.str(), pbk.size(), text));
  CHECK(text == pbk);

  text = "untouched";
  auto err = read_bounded_file(exact.str(), pbk.size() - 1, text);
  CHECK(err.code == ras_error::cannot_load_phonebook);
  CHECK(err.file == exact.str());
  CHECK(err.message() == exact.str() + ": larger than " + std::to_string(pbk.size() - 1) + " bytes");
  CHECK(text == "untouched");

  // /dev/zero has no end and stat gives it size 0: at most limit + 1 bytes are read.
  err = read_bounded_file("/dev/zero", std::size_t{1} << 20, text);
  CHECK(err.code == ras_error::cannot_load_phonebook);
  CHECK(err.reason == "larger than 1 MiB");
  CHECK(text == "untouched");

  err = read_bounded_file("/nonexistent/rasphone.pbk", 100, text);
  CHECK(err.code == ras_error::cannot_open_phonebook);
  CHECK(err.reason == "cannot open: No such file or directory");
  err = read_bounded_file(std::filesystem::temp_directory_path().string(), 100, text);
  CHECK(err.code == ras_error::cannot_open_phonebook);
  CHECK(err.reason == "cannot read: Is a directory");
  CHECK(text == "untouched");
}

TEST_CASE("a phone book over 16 MiB or a wvdial.conf over 1 MiB is refused and nothing loaded") {
  phonebook pb = parse_ok(minimal);
  const phonebook before = pb;
  auto err = phonebook::load("/dev/zero", pb);
  CHECK(err.code == ras_error::cannot_load_phonebook);
  CHECK(err.message() == "/dev/zero: larger than 16 MiB");
  CHECK(pb == before);

  // A wvdial.conf of exactly 1 MiB loads; one byte more does not.
  std::string conf = "[Dialer Defaults]\nPhone = 5550100\n";
  while (conf.size() < max_wvdial_file_size) {
    conf += "; " + std::string(std::min<std::size_t>(998, max_wvdial_file_size - conf.size() - 3), 'x') + "\n";
  }
  REQUIRE(conf.size() == max_wvdial_file_size);
  scratch_file ok("ok.conf", conf);
  wvdial_config cfg;
  REQUIRE_FALSE(wvdial_config::load(ok.str(), cfg));
  CHECK(cfg.dialers() == std::vector<std::string>{"Defaults"});
  scratch_file big("big.conf", conf + "\n");
  wvdial_config kept = cfg;
  err = wvdial_config::load(big.str(), kept);
  CHECK(err.message() == big.str() + ": larger than 1 MiB");
  CHECK(kept.sections().size() == cfg.sections().size());

  // load() parses what it read, with the file's name in the errors.
  scratch_file bad("bad.pbk", "[A]\nMEDIA=rastapi\nnot a key\n");
  err = phonebook::load(bad.str(), pb);
  CHECK(err.code == ras_error::corrupt_phonebook);
  CHECK(err.message() == bad.str() + ":3: line has no '=' and is not a [section]");
  CHECK(pb == before);
  scratch_file good("good.pbk", "[Loaded]\nMEDIA=rastapi\nDEVICE=modem\n");
  REQUIRE_FALSE(phonebook::load(good.str(), pb));
  CHECK(pb.names() == std::vector<std::string>{"Loaded"});
}

// ---- one key table: read, written and set the same way ----------------------------------

TEST_CASE("every key dialup interprets is set, written and read back through one mapping") {
  struct vec {
    const char* key;
    const char* value;
    std::function<void(phonebook_entry&)> direct;  // the same change made on the field
  };
  const std::vector<vec> table = {
      {"PhoneNumber", "5550142", [](auto& e) { e.numbers[0].number = "5550142"; }},
      {"AreaCode", "206", [](auto& e) { e.numbers[0].area_code = "206"; }},
      {"CountryCode", "44", [](auto& e) { e.numbers[0].country_code = 44; }},
      {"CountryID", "44", [](auto& e) { e.numbers[0].country_id = 44; }},
      {"UseDialingRules", "1", [](auto& e) { e.numbers[0].use_dialing_rules = true; }},
      {"Comment", "main POP", [](auto& e) { e.numbers[0].comment = "main POP"; }},
      {"Port", "/dev/ttyS0", [](auto& e) { e.port = "/dev/ttyS0"; }},
      {"Device", "USR 56k", [](auto& e) { e.device = "USR 56k"; }},
      {"ConnectBPS", "57600", [](auto& e) { e.connect_bps = 57600; }},
      {"Type", "2", [](auto& e) { e.type = 2; }},
      {"RedialAttempts", "7", [](auto& e) { e.redial_attempts = 7; }},
      {"RedialSeconds", "9", [](auto& e) { e.redial_seconds = 9; }},
      {"IdleDisconnectSeconds", "-1", [](auto& e) { e.idle_disconnect_seconds = -1; }},
      {"RedialOnLinkFailure", "1", [](auto& e) { e.redial_on_link_failure = true; }},
      {"PreviewPhoneNumber", "1", [](auto& e) { e.preview_phone_number = true; }},
      {"TryNextAlternateOnFail", "0", [](auto& e) { e.try_next_alternate_on_fail = false; }},
      {"PromoteAlternates", "1", [](auto& e) { e.promote_alternates = true; }},
      {"HwFlowControl", "0", [](auto& e) { e.hw_flow_control = false; }},
      {"Protocol", "0", [](auto& e) { e.error_control = false; }},
      {"Compression", "0", [](auto& e) { e.compression = false; }},
      {"Speaker", "0", [](auto& e) { e.speaker = false; }},
      {"Speaker", "", [](auto& e) { e.speaker.reset(); }},
      {"redialattempts", "8", [](auto& e) { e.redial_attempts = 8; }},  // any case
  };
  const auto fresh =
      phonebook_entry::make_modem("E", "COM1", "", {{"5550100", "", 1, 1, false, ""}});
  for (const auto& v : table) {
    INFO(v.key << "=" << v.value);
    auto set = fresh;
    REQUIRE_FALSE(set_entry_key(set, v.key, v.value));
    auto direct = fresh;
    v.direct(direct);
    direct.sync_layout();
    CHECK(set == direct);
    phonebook pb;
    REQUIRE_FALSE(pb.add(set));
    std::string text;
    REQUIRE_FALSE(pb.serialize(text));
    auto back = parse_ok(text);
    auto read = back.entries().front();
    read.layout = direct.layout;
    CHECK(read == direct);
    if (*v.value && std::string(v.key) != "redialattempts") {  // the line, as named in the table
      CHECK(text.find("\r\n" + std::string(v.key) + "=" + v.value + "\r\n") != std::string::npos);
    }
  }
  // The entry-level copies and fallbacks go along (PreferredPort with Port; an unset
  // Speaker takes PreferredSpeaker with it).
  auto e = fresh;
  REQUIRE_FALSE(set_entry_key(e, "Port", "/dev/ttyUSB1"));
  REQUIRE_FALSE(set_entry_key(e, "Speaker", ""));
  phonebook pb;
  REQUIRE_FALSE(pb.add(e));
  auto text = pb.serialize();
  CHECK(text.find("PreferredPort=/dev/ttyUSB1\r\n") != std::string::npos);
  CHECK(text.find("Speaker=") == std::string::npos);
}

TEST_CASE("set_entry_key refuses what the key cannot hold, with the reason (vector table)") {
  struct vec {
    const char* key;
    std::string value;
    std::string reason;
  };
  const std::vector<vec> table = {
      {"  ", "1", "empty key"},
      {"Port", "a\nb", "a key or value cannot hold a line break"},
      {"Odd\r", "1", "a key or value cannot hold a line break"},
      {"A=B", "1", "a key cannot hold '='"},
      {"MEDIA", "serial", "MEDIA=, DEVICE= and NETCOMPONENTS= start subsections; they are not keys to set"},
      {"NETCOMPONENTS", "", "MEDIA=, DEVICE= and NETCOMPONENTS= start subsections; they are not keys to set"},
      {"[x]", "1", "a key cannot start with '[' or ';'"},
      {";c", "1", "a key cannot start with '[' or ';'"},
      {"Name", "login.scp",
       "Name and Terminal belong to the entry's DEVICE=switch subsections; edit the file to change them"},
      {"terminal", "1",
       "Name and Terminal belong to the entry's DEVICE=switch subsections; edit the file to change them"},
      {"RedialAttempts", "many", "not a number from 0 to 4294967295: \"many\""},
      {"RedialSeconds", "4294967296", "not a number from 0 to 4294967295: \"4294967296\""},
      {"ConnectBPS", " 9600", "not a number from 0 to 4294967295: \" 9600\""},
      {"IdleDisconnectSeconds", "-2", "not a number from -1 to 4294967295: \"-2\""},
      {"RedialOnLinkFailure", "yes", "0 or 1, not \"yes\""},
      {"Speaker", "2", "0 or 1, not \"2\""},
      {"UseDialingRules", "true", "0 or 1, not \"true\""},
  };
  const auto fresh = phonebook_entry::make_modem("E", "COM1", "", {{"1", "", 1, 1, false, ""}});
  for (const auto& v : table) {
    INFO(v.key);
    auto e = fresh;
    auto err = set_entry_key(e, v.key, v.value);
    CHECK(err.code == ras_error::invalid_parameter);
    CHECK(err.reason == v.reason);
  }
  auto none = phonebook_entry::make_modem("E", "COM1", "", {});
  auto err = set_entry_key(none, "AreaCode", "206");
  CHECK(err.reason == "the entry has no PhoneNumber yet: set PhoneNumber first");
  REQUIRE_FALSE(set_entry_key(none, "PhoneNumber", "5550100"));
  CHECK(none.numbers.size() == 1);
  // "Media" and "DEVICE " are ordinary keys and a subsection header: case decides, as in
  // the parser; "device" is MEDIA's Device= key.
  REQUIRE_FALSE(set_entry_key(none, "device", "Generic 56k"));
  CHECK(none.device == "Generic 56k");
  // "Media" is no key a modem entry has: refused as unknown, not taken
  // for the MEDIA= header.
  CHECK(set_entry_key(none, "Media", "x").reason == "unknown key 'Media'");
  CHECK(none.media == "rastapi");
}

TEST_CASE("a key dialup does not interpret is set where it is, and the fields it feeds follow") {
  auto pb = parse_ok("[A]\nPreferredHwFlow=1\nMEDIA=rastapi\nVendor=1\nDEVICE=modem\n"
                     "MdmProtocol=0\nPhoneNumber=1\nFriendlyName=x\n");
  auto* e = pb.find("A");
  REQUIRE(e->hw_flow_control == true);
  REQUIRE_FALSE(set_entry_key(*e, "PreferredHwFlow", "0"));
  CHECK(e->hw_flow_control == false);  // the fallback the field reads
  REQUIRE_FALSE(set_entry_key(*e, "vendor", "2"));
  REQUIRE_FALSE(set_entry_key(*e, "MdmProtocol", "1"));
  REQUIRE_FALSE(set_entry_key(*e, "FriendlyName", "Home"));
  // A key the entry lacks that Windows writes is added at the entry level.
  REQUIRE_FALSE(set_entry_key(*e, "DialMode", "0"));
  CHECK(pb.serialize() ==
        crlf("[A]\nPreferredHwFlow=0\nDialMode=0\nMEDIA=rastapi\nVendor=2\nDEVICE=modem\n"
             "MdmProtocol=1\nPhoneNumber=1\nFriendlyName=Home\n"));
}

// ---- wvdial numbers the engine would not dial ----------------------------------------------

TEST_CASE("an imported phone number the engine would refuse to dial is left out and reported") {
  struct vec {
    const char* what;
    std::string conf;
    std::vector<std::string> imported;  // phone_number, then the alternates
    std::vector<std::string> refused;   // "section key: reason"
  };
  const std::string head = "[Dialer Defaults]\nModem = /dev/ttyS0\n";
  const std::vector<vec> table = {
      {"a command after ';' in Phone",
       head + "Phone = 555;ATZ\nPhone1 = 5550101\nPhone2 = 5550102\n",
       {"5550101", "5550102"},
       {"Dialer Defaults Phone: not a plain dial string (error 749)"}},
      {"an AT command glued on", head + "Phone1 = 5550101ATH\nPhone3 = 5550103\n", {"5550103"},
       {"Dialer Defaults Phone1: not a plain dial string (error 749)"}},
      {"a bad Dial Prefix refuses every number, naming the prefix",
       head + "Dial Prefix = 9;ATZ\nPhone = 5550100\nPhone2 = 5550102\n",
       {},
       {"Dialer Defaults Phone: Dial Prefix \"9;ATZ\" ([Dialer Defaults], wvdial.conf:3) is not "
        "a plain dial string (error 749)",
        "Dialer Defaults Phone2: Dial Prefix \"9;ATZ\" ([Dialer Defaults], wvdial.conf:3) is not "
        "a plain dial string (error 749)"}},
      {"a number too long for RAS_MaxPhoneNumber",
       head + "Phone = " + std::string(129, '5') + "\nPhone1 = 1\n",
       {"1"},
       {"Dialer Defaults Phone: longer than 128 characters (error 723)"}},
      {"too long only with the prefix",
       head + "Dial Prefix = " + std::string(64, '9') + "\nPhone = " + std::string(64, '5') + "\n",
       {},
       {"Dialer Defaults Phone: with Dial Prefix and Area Code, \"" + std::string(64, '9') + "," +
        std::string(64, '5') + "\" is longer than 128 characters (error 723)"}},
      {"an AT made by Area Code and Phone together",
       head + "Area Code = 20A\nPhone = T5550100\n",
       {},
       {"Dialer Defaults Phone: with Dial Prefix and Area Code, \"20AT5550100\" is not a plain "
        "dial string (error 749)"}},
      {"formatting characters and dial modifiers are dial strings",
       head + "Dial Prefix = 9\nPhone = 1 (206) 555-0100\nPhone1 = *70,W555.0101#\n",
       {"9,1 (206) 555-0100", "9,*70,W555.0101#"},
       {}},
  };
  for (const auto& v : table) {
    INFO(std::string(v.what));
    auto imp = import_ok(wv_ok(v.conf), "Defaults");
    std::vector<std::string> imported;
    if (!imp.entry.phone_number.empty()) imported.push_back(imp.entry.phone_number);
    for (const auto& a : imp.entry.alternates) imported.push_back(a);
    CHECK(imported == v.imported);
    for (const auto& n : imported) CHECK_FALSE(check_dial_string(n));
    std::vector<std::string> refused;
    for (const auto& r : imp.refused) {
      refused.push_back(r.section + " " + r.key + ": " + r.reason);
      CHECK(check_dial_string(r.number) == r.code);
      CHECK(r.file == "wvdial.conf");
    }
    std::string seen;
    for (const auto& n : imported) seen += "[" + n + "]";
    seen += " | ";
    for (const auto& r : refused) seen += "[" + r + "]";
    INFO(seen);
    CHECK(refused == v.refused);
  }

  // The report names section, key, value and line; the phone-book entry has only the rest.
  auto imp = import_ok(wv_ok(head + "Phone = 555;ATZ\nPhone1 = 5550101\n"), "Defaults");
  CHECK(describe(imp).find("  refused: [Dialer Defaults] Phone = 555;ATZ (wvdial.conf:3): not a "
                           "plain dial string (error 749); not imported\n") != std::string::npos);
  auto e = to_phonebook_entry(imp);
  REQUIRE(e.numbers.size() == 1);
  CHECK(e.numbers[0].number == "5550101");
}

// ---- init strings, unknown keys, bad numbers (the rough edges a new user met) -------------

TEST_CASE("wvdial init strings go into the entry's DialupInit and come back as the dial's init") {
  wvdial_config cfg;
  REQUIRE_FALSE(wvdial_config::parse("[Dialer Defaults]\nModem = /dev/ttyUSB0\nInit1 = ATZ\nInit2 = ATM0\n"
                                     "Init3 = AT&K3\nPhone = 5550100\n",
                                     "wvdial.conf", cfg));
  wvdial_import imp;
  REQUIRE_FALSE(import_wvdial(cfg, "Defaults", imp));
  CHECK(imp.entry.profile.init == std::vector<dialup::init_step>{"ATM0", "AT&K3"});
  phonebook pb;
  REQUIRE_FALSE(pb.add(to_phonebook_entry(imp)));
  std::string text;
  REQUIRE_FALSE(pb.serialize(text));
  CHECK(text.find("DialupInit=ATM0|AT&K3\r\n") != std::string::npos);
  // No Speaker=1 (ATM1) of make_modem's on top of the init.
  CHECK(text.find("Speaker=") == std::string::npos);
  phonebook back;
  REQUIRE_FALSE(phonebook::parse(text, "wvdial.pbk", back));
  REQUIRE(back.entries().size() == 1);
  CHECK(back.entries()[0].modem_init == "ATM0|AT&K3");
  auto init = modem_profile::generic().init;
  init.insert(init.end(), {"ATM0", "AT&K3"});
  CHECK(to_dial_entry(back.entries()[0]).profile.init == init);
  CHECK(describe(back.entries()[0]).find("  init: ATM0 AT&K3 (DialupInit)\n") != std::string::npos);
}

TEST_CASE("DialupInit comes after the entry's Speaker, Protocol and Compression settings") {
  auto e = phonebook_entry::make_modem("E", "/dev/ttyS0", "", {{"1", "", 0, 0, false, ""}});
  REQUIRE_FALSE(set_entry_key(e, "Speaker", "1"));
  REQUIRE_FALSE(set_entry_key(e, "Protocol", "0"));
  REQUIRE_FALSE(set_entry_key(e, "dialupinit", " ATM0 | ATL1|"));
  auto init = modem_profile::generic().init;
  init.insert(init.end(), {"ATM1", "AT\\N0", "ATM0", "ATL1"});
  CHECK(to_dial_entry(e).profile.init == init);
  CHECK(set_entry_key(e, "DialupInit", "ATZ|ATDT5550100").reason ==
        "an init command cannot dial (ATD): the number goes in PhoneNumber");
  wvdial_config cfg;
  REQUIRE_FALSE(wvdial_config::parse("[Dialer Defaults]\nInit2 = ATM0|ATL1\n", "w.conf", cfg));
  wvdial_import imp;
  auto err = import_wvdial(cfg, "Defaults", imp);
  CHECK(err.line == 2);
  CHECK(err.reason == "Init2 holds '|', which separates the init commands of a phone-book entry");
}

TEST_CASE("set_entry_key refuses a key nobody knows, with the nearest one, and takes Windows' own") {
  auto e = phonebook_entry::make_modem("E", "COM1", "", {{"1", "", 0, 0, false, ""}});
  const auto before = e;
  auto err = set_entry_key(e, "RedialAtempts", "5");
  CHECK(err.code == ras_error::invalid_parameter);
  CHECK(err.reason == "unknown key 'RedialAtempts' (did you mean RedialAttempts?)");
  CHECK(e == before);
  CHECK(set_entry_key(e, "Frobnicate", "1").reason == "unknown key 'Frobnicate'");
  // Keys Windows writes (not read by dialup), and keys the entry already has, are set.
  CHECK_FALSE(set_entry_key(e, "dialmode", "0"));
  CHECK_FALSE(set_entry_key(e, "MdmProtocol", "1"));
  phonebook pb;
  REQUIRE_FALSE(phonebook::parse("[A]\r\nMyOwnKey=1\r\nMEDIA=rastapi\r\nDEVICE=modem\r\n", "a.pbk", pb));
  auto a = pb.entries()[0];
  CHECK_FALSE(set_entry_key(a, "MyOwnKey", "2"));
  CHECK(set_entry_key(a, "MyOwnKye", "2").reason == "unknown key 'MyOwnKye' (did you mean MyOwnKey?)");
}

TEST_CASE("describe shows RedialOnLinkFailure and the idle disconnect") {
  auto e = phonebook_entry::make_modem("E", "COM1", "", {{"1", "", 0, 0, false, ""}});
  CHECK(describe(e).find("  redial on link failure: no (RedialOnLinkFailure)\n") != std::string::npos);
  CHECK(describe(e).find("  idle disconnect: the global setting (IdleDisconnectSeconds=0)\n") != std::string::npos);
  e.redial_on_link_failure = true;
  e.idle_disconnect_seconds = 600;
  CHECK(describe(e).find("  redial on link failure: yes (RedialOnLinkFailure)\n") != std::string::npos);
  CHECK(describe(e).find("  idle disconnect: after 600 s idle (IdleDisconnectSeconds=600)\n") != std::string::npos);
  e.idle_disconnect_seconds = -1;
  CHECK(describe(e).find("  idle disconnect: never (IdleDisconnectSeconds=-1)\n") != std::string::npos);
}

TEST_CASE("a number or flag key that holds no number fails the load at its line") {
  struct vec {
    std::string text;
    std::size_t line;
    std::string reason;
  };
  const std::string head = "[A]\nType=1\n";
  const std::string media = "MEDIA=rastapi\nPort=COM1\n";
  const std::vector<vec> table = {
      {"[A]\nRedialAttempts=lots\n" + media + "DEVICE=modem\n", 2,
       "RedialAttempts: not a number from 0 to 4294967295: \"lots\""},
      {head + "IdleDisconnectSeconds=-5\n" + media + "DEVICE=modem\n", 3,
       "IdleDisconnectSeconds: not a number from -1 to 4294967295: \"-5\""},
      {head + "RedialOnLinkFailure=yes\n" + media + "DEVICE=modem\n", 3,
       "RedialOnLinkFailure: not a flag (0 or 1): \"yes\""},
      {head + media + "ConnectBPS=fast\nDEVICE=modem\n", 5, "ConnectBPS: not a number from 0 to 4294967295: \"fast\""},
      {head + media + "DEVICE=modem\nPhoneNumber=1\nCountryCode=one\n", 7,
       "CountryCode: not a number from 0 to 4294967295: \"one\""},
      {head + media + "DEVICE=modem\nSpeaker=loud\n", 6, "Speaker: not a flag (0 or 1): \"loud\""},
  };
  for (const auto& v : table) {
    INFO(v.text);
    phonebook pb;
    REQUIRE_FALSE(pb.add(phonebook_entry::make_modem("kept", "", "", {})));
    auto err = phonebook::parse(v.text, "x.pbk", pb);
    CHECK(err.code == ras_error::corrupt_phonebook);
    CHECK(err.line == v.line);
    CHECK(err.reason == v.reason);
    CHECK(pb.entries().size() == 1);
  }
  // Still read leniently: empty values, '+', blanks, a switch's Type=Terminal, a second
  // link's keys that are not numbers where the table has none.
  phonebook pb;
  CHECK_FALSE(phonebook::parse("[A]\nRedialAttempts=\nRedialSeconds= +5 \nMEDIA=rastapi\nDEVICE=modem\n"
                               "Speaker=\nDEVICE=switch\nType=Terminal\n",
                               "ok.pbk", pb));
  CHECK(pb.entries()[0].redial_seconds == 5);
}
