// identify(), skip_reason() and the init string: the pure parts of `dialup probe`.
#include "dialup/engine/probe.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace dialup;

namespace {

std::vector<modem_profile> profiles() {
  std::vector<modem_profile> v;
  v.push_back(modem_profile::generic());
  modem_profile usr;
  usr.name = "usr-courier";
  usr.identify.manufacturer = {"U.S. Robotics", "USRobotics"};
  usr.identify.model = {"Courier"};
  usr.identify.ati = {"USRobotics Courier"};
  v.push_back(usr);
  modem_profile cx;
  cx.name = "conexant";
  cx.identify.usb_ids = {"0572:1329"};
  cx.identify.manufacturer = {"conexant"};
  cx.identify.model = {"CX81801"};
  cx.identify.ati = {"RCV56"};
  v.push_back(cx);
  modem_profile cell;
  cell.name = "cellular";
  cell.cellular.enabled = true;
  v.push_back(cell);
  return v;
}

bool has_reason(const identification& id, const std::string& text) {
  for (const auto& r : id.reasons)
    if (r.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("identify: a table of answers and the profile each chooses, with its reason") {
  struct row {
    probe_answers answers;
    const char* profile;
    int score;
    const char* reason;
  };
  const std::vector<row> rows = {
      // USB id is the strongest: it wins over a manufacturer that names another profile.
      {{"0572:1329", "U.S. Robotics", "", "", "", {}, false}, "conexant", 100, "usb id 0572:1329 matches conexant"},
      {{"", "U.S. Robotics", "", "", "", {}, false}, "usr-courier", 20, "+GMI 'U.S. Robotics' matches usr-courier"},
      {{"", "", "Courier V.Everything", "", "", {}, false}, "usr-courier", 40, "+GMM 'Courier V.Everything' matches usr-courier"},
      // Case does not matter; model + manufacturer + ATI add up.
      {{"", "CONEXANT", "cx81801", "", "", {"56000", "", "", "RCV56DPF-PLL"}, false}, "conexant", 70, "ATI3 'RCV56DPF-PLL'"},
      // Manufacturer found in ATI3 when +GMI gave nothing.
      {{"", "", "", "", "", {"5601", "", "", "USRobotics Courier V.Everything"}, false}, "usr-courier", 30,
       "ATI3 'USRobotics Courier V.Everything' matches usr-courier (manufacturer"},
      {{"", "DIALUP", "HWSIM GENERIC V.34", "", "", {"33600"}, false}, "generic", 0, "no match: generic"},
      {{"", "DIALUP", "HWSIM LTE", "", "", {}, true}, "cellular", 5, "answers AT+CPIN?"},
      // A USB id is compared whole, not as a substring.
      {{"0572:13290", "", "", "", "", {}, false}, "generic", 0, "no match: generic"},
  };
  const auto p = profiles();
  for (const auto& r : rows) {
    CAPTURE(r.profile);
    CAPTURE(r.reason);
    const auto id = identify(r.answers, p);
    CHECK(id.profile == r.profile);
    CHECK(id.score == r.score);
    CHECK(has_reason(id, r.reason));
  }
}

TEST_CASE("identify: a tie goes to the first profile in the list; an empty list is generic") {
  auto p = profiles();
  modem_profile other = p[1];
  other.name = "usr-sportster";
  p.push_back(other);
  probe_answers a;
  a.manufacturer = "U.S. Robotics";
  CHECK(identify(a, p).profile == "usr-courier");
  const auto none = identify(a, std::span<const modem_profile>{});
  CHECK(none.profile == "generic");
  CHECK(none.reasons == std::vector<std::string>{"no match: generic"});
  // An empty pattern matches nothing (profile_identity: an empty identity matches nothing).
  modem_profile blank;
  blank.name = "blank";
  blank.identify.manufacturer = {""};
  std::vector<modem_profile> only{blank};
  CHECK(identify(a, only).profile == "generic");
}

TEST_CASE("skip_reason: excluded ports, ttyS0 unless named, known non-modem USB devices") {
  probe_options o;
  o.exclude = {"/dev/ttyUSB3"};
  probe_candidate c;
  c.port = "/dev/serial/by-id/usb-x";
  c.real_path = "/dev/ttyUSB3";
  CHECK(skip_reason(c, o) == "excluded");
  c = {};
  c.port = "/dev/ttyS0";
  CHECK(skip_reason(c, o).find("ttyS0") != std::string::npos);
  c.named = true;
  CHECK(skip_reason(c, o).empty());
  c = {};
  c.port = "/dev/ttyACM0";
  c.vid = 0x2341;
  c.pid = 0x0043;
  CHECK(skip_reason(c, o) == "usb id 2341:0043 is an Arduino board, not a modem (name the port to probe it)");
  c.pid = 0x1234;  // every Arduino product
  CHECK_FALSE(skip_reason(c, o).empty());
  c.named = true;  // named: the user knows best
  CHECK(skip_reason(c, o).empty());
  c = {};
  c.port = "/dev/ttyUSB0";
  c.vid = 0x1546;  // u-blox: its GPS ids are skipped, its cellular modems are not
  c.pid = 0x01a6;
  CHECK(skip_reason(c, o).find("GPS") != std::string::npos);
  c.pid = 0x1141;
  CHECK(skip_reason(c, o).empty());
  c.vid = 0x067b;  // a generic PL2303 adapter: an RS-232 modem may be behind it
  c.pid = 0x2303;
  CHECK(skip_reason(c, o).empty());
  o.exclude_usb = {{0x067b, 0x2303}};  // ...unless the user's config excludes it
  CHECK(skip_reason(c, o) == "usb id 067b:2303 is excluded by the config (probe.exclude_usb)");
  c.named = true;
  CHECK(skip_reason(c, o).empty());
  o.exclude_usb.clear();
  c = {};
  c.port = "/dev/ttyUSB1";
  c.driver = "garmin_gps";
  CHECK(skip_reason(c, o).find("Garmin") != std::string::npos);
}

TEST_CASE("build_init_string: AT and the accepted commands in order") {
  CHECK(build_init_string({}) == "AT");
  CHECK(build_init_string({"Q0", "V1", "E1", "S0=0", "&C1", "&D2", "+FCLASS=0"}) == "ATQ0V1E1S0=0&C1&D2+FCLASS=0");
}

TEST_CASE("profile_from_probe: the identified profile with the accepted init and the modem's own names") {
  const auto p = profiles();
  probe_result r;
  r.candidate.port = "/dev/ttyUSB0";
  r.outcome = probe_outcome::modem;
  r.speed = 57600;
  r.answers.usb_id = "0572:1329";
  r.answers.manufacturer = "CONEXANT";
  r.answers.model = "CX93001";
  r.init = "ATQ0V1E1&C1&D2";
  auto made = profile_from_probe(r, p[2], "my-conexant");
  CHECK(made.name == "my-conexant");
  CHECK(made.description == "CONEXANT CX93001, probed on /dev/ttyUSB0 at 57600 bit/s");
  CHECK(made.init == std::vector<dialup::init_step>{"ATQ0V1E1&C1&D2"});
  CHECK(made.identify.usb_ids == std::vector<std::string>{"0572:1329"});
  CHECK(made.identify.model == std::vector<std::string>{"CX93001"});
  CHECK_FALSE(made.cellular.enabled);
  CHECK(made.reset == p[2].reset);
  // The new profile identifies the modem it was made from, by its USB id first.
  const std::vector<modem_profile> with{p[0], made};
  CHECK(identify(r.answers, with).profile == "my-conexant");
  // Nothing accepted: the base profile's init stays; a 3GPP modem gets cellular settings.
  r.init = "AT";
  r.answers.cellular = true;
  made = profile_from_probe(r, p[0], "x");
  CHECK(made.init == p[0].init);
  CHECK(made.cellular.enabled);
}
