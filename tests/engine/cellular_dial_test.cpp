// The cellular phase of a dial (engine/src/dial/cellular_phase.cpp, docs/cellular.md): SIM
// PIN, APN, registration wait, then *99#, against a scripted fake modem on virtual time
// with the profile's real timeouts (60 s registration, 1 s polls).
#include "dialup/engine/cellular.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "support/fake_modem.hpp"
#include "support/vt_world.hpp"

using namespace dialup;
using namespace std::chrono_literals;
using test::vt_world;

namespace {

// A 27.007 modem as a reply function: its SIM, its network, what it was told.
struct cell_modem {
  std::string pin;              // "" = no PIN needed
  bool unlocked = false;
  int polls_to_register = 0;    // registration queries answered "searching" before "home"
  bool never_registers = false;
  bool denies = false;
  int polls = 0;
  std::string apn;              // the last APN set
  bool creg_error = false;      // AT+CREG? answers ERROR (the modem lacks it)
  std::string unsolicited_after_cgreg;  // sent after the first +CGREG? reply's OK

  std::string reply(const std::string& cmd) {
    if (cmd == "AT+CPIN?") {
      if (pin.empty() || unlocked) return "\r\n+CPIN: READY\r\n\r\nOK\r\n";
      return "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n";
    }
    if (cmd.rfind("AT+CPIN=", 0) == 0) {
      if (cmd == "AT+CPIN=\"" + pin + "\"") {
        unlocked = true;
        return "\r\nOK\r\n";
      }
      return "\r\n+CME ERROR: 16\r\n";
    }
    if (cmd.rfind("AT+CGDCONT=1,\"IP\",\"", 0) == 0) {
      apn = cmd.substr(19, cmd.size() - 20);
      return "\r\nOK\r\n";
    }
    if (cmd == "AT+CREG?" || cmd == "AT+CGREG?") {
      const std::string name = cmd.substr(2, cmd.size() - 3);
      if (cmd == "AT+CREG?" && creg_error) return "\r\nERROR\r\n";
      if (cmd == (creg_error ? "AT+CGREG?" : "AT+CREG?")) ++polls;
      int stat = 1;
      if (never_registers) stat = 2;
      else if (denies) stat = polls > 2 ? 3 : 2;
      else if (polls <= polls_to_register) stat = 2;
      std::string r = "\r\n" + name + ": 0," + std::to_string(stat) + "\r\n\r\nOK\r\n";
      if (cmd == "AT+CGREG?" && !unsolicited_after_cgreg.empty())
        r += std::exchange(unsolicited_after_cgreg, std::string());
      return r;
    }
    return test::default_reply(cmd);
  }
};

dial_entry cellular_entry(const std::string& port) {
  dial_entry e;
  e.port = port;
  e.profile.cellular.enabled = true;
  e.apn = "internet.example";
  return e;  // no number: the profile's *99#
}

struct cell_world : vt_world {
  std::shared_ptr<cell_modem> modem = std::make_shared<cell_modem>();
  std::shared_ptr<std::vector<std::string>> log_lines = std::make_shared<std::vector<std::string>>();

  cell_world() {
    factory->script("/fake/0")->reply = [m = modem](const std::string& cmd) { return m->reply(cmd); };
  }
  std::vector<std::string> commands() { return factory->script("/fake/0")->snapshot_commands(); }
  bool sent(const std::string& cmd) {
    auto c = commands();
    return std::find(c.begin(), c.end(), cmd) != c.end();
  }
};

// A world whose manager logs (trace included) into log_lines.
struct logged_cell_world : cell_world {
  logged_cell_world() {
    engine_options o;
    o.transports = factory;
    o.executor = io.get_executor();
    o.clock = clock;
    o.log = [lines = log_lines](log_level, std::string_view t) { lines->emplace_back(t); };
    mgr = std::make_unique<connection_manager>(std::move(o));
  }
  bool logged(std::string_view part) const {
    return std::any_of(log_lines->begin(), log_lines->end(),
                       [&](const std::string& l) { return l.find(part) != std::string::npos; });
  }
};

}  // namespace

TEST_CASE("a ready SIM: the APN is set, the network is registered, *99# is dialled, Connected") {
  cell_world w;
  auto h = w.dial(cellular_entry("/fake/0"));
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.terminal());
  CHECK_FALSE(w.events.back().error);
  CHECK(w.events.back().state == conn_state::connected);
  const auto cmds = w.commands();
  const std::vector<std::string> want = {"ATZ", "ATE1V1Q0X4&C1&D2S0=0", "AT+CPIN?",
                                         "AT+CGDCONT=1,\"IP\",\"internet.example\"", "AT+CREG?",
                                         "AT+CGREG?", "ATDT*99#"};
  CHECK(cmds == want);
  CHECK(w.modem->apn == "internet.example");
  w.hang_up(h);
}

TEST_CASE("the SIM asks for its PIN: the PIN given is entered and the dial goes on") {
  logged_cell_world w;
  w.modem->pin = "4711";
  dial_params p;
  p.sim_pin = "4711";
  auto h = w.dial(cellular_entry("/fake/0"), p);
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.terminal());
  CHECK_FALSE(w.events.back().error);
  CHECK(w.sent("AT+CPIN=\"4711\""));
  CHECK(w.modem->unlocked);
  // The PIN never shows in the log or the trace.
  CHECK(w.logged("AT+CPIN=\"********\""));
  for (const auto& l : *w.log_lines) CHECK(l.find("4711") == std::string::npos);
  w.hang_up(h);
}

TEST_CASE("the SIM asks for its PIN and none was given: 691 in ConnectDevice, nothing sent") {
  cell_world w;
  w.modem->pin = "4711";
  auto h = w.dial(cellular_entry("/fake/0"));
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.terminal());
  CHECK(w.events.back().error == ras_error::authentication_failure);
  CHECK(w.events.back().state == conn_state::connect_device);
  CHECK(w.events.back().detail.find("PIN") != std::string::npos);
  for (const auto& c : w.commands()) CHECK(c.rfind("AT+CPIN=", 0) != 0);
  CHECK_FALSE(w.sent("ATDT*99#"));
  w.hang_up(h);
}

TEST_CASE("a wrong PIN fails with 691 and the 27.007 text, and is not tried again") {
  cell_world w;
  w.modem->pin = "4711";
  dial_params p;
  p.sim_pin = "0000";
  auto h = w.dial(cellular_entry("/fake/0"), p);
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.terminal());
  CHECK(w.events.back().error == ras_error::authentication_failure);
  CHECK(w.events.back().detail.find("+CME ERROR: 16 (incorrect password)") != std::string::npos);
  CHECK(w.events.back().detail.find("0000") == std::string::npos);
  const auto cmds = w.commands();
  CHECK(std::count(cmds.begin(), cmds.end(), "AT+CPIN=\"0000\"") == 1);
  w.hang_up(h);
}

TEST_CASE("registration is polled every second until the network is found, then *99# is dialled") {
  cell_world w;
  w.modem->polls_to_register = 4;
  auto h = w.dial(cellular_entry("/fake/0"));
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.terminal());
  CHECK_FALSE(w.events.back().error);
  CHECK(w.modem->polls == 5);
  CHECK(w.seconds() >= 4.0);
  CHECK(w.seconds() < 6.0);
  w.hang_up(h);
}

TEST_CASE("an unsolicited +CREG: 1 ends the wait before the next poll") {
  cell_world w;
  w.modem->never_registers = true;
  w.modem->unsolicited_after_cgreg = "\r\n+CREG: 1\r\n";
  dial_entry e = cellular_entry("/fake/0");
  e.profile.cellular.registration_poll = 10s;
  auto h = w.dial(e);
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.terminal());
  CHECK_FALSE(w.events.back().error);
  CHECK(w.modem->polls == 1);
  CHECK(w.seconds() < 1.0);
  w.hang_up(h);
}

TEST_CASE("no registration within registration_timeout fails with 679 at the deadline") {
  cell_world w;
  w.modem->never_registers = true;
  auto h = w.dial(cellular_entry("/fake/0"));
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.terminal());
  CHECK(w.events.back().error == ras_error::no_carrier);
  CHECK(w.events.back().state == conn_state::connect_device);
  CHECK(w.events.back().detail == "no network registration within 60 seconds (not registered, searching)");
  CHECK(w.seconds() >= 60.0);
  CHECK(w.seconds() < 62.0);
  CHECK_FALSE(w.sent("ATDT*99#"));
  w.hang_up(h);
}

TEST_CASE("a network that denies registration fails with 770 at the deadline") {
  cell_world w;
  w.modem->denies = true;
  dial_entry e = cellular_entry("/fake/0");
  e.profile.cellular.registration_timeout = 10s;
  auto h = w.dial(e);
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.terminal());
  CHECK(w.events.back().error == ras_error::connection_reject);
  w.hang_up(h);
}

TEST_CASE("a registration query the modem lacks is skipped; the others decide") {
  cell_world w;
  w.modem->creg_error = true;
  auto h = w.dial(cellular_entry("/fake/0"));
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.terminal());
  CHECK_FALSE(w.events.back().error);
  w.hang_up(h);
}

TEST_CASE("an APN that would break the AT line is refused with 87 before it reaches the modem") {
  for (const char* bad : {"inter\"net", "a\r\nATH", "web..example"}) {
    INFO(bad);
    cell_world w;
    dial_entry e = cellular_entry("/fake/0");
    e.apn = bad;
    auto h = w.dial(e);
    w.run_until([&] { return w.terminal(); });
    REQUIRE(w.terminal());
    CHECK(w.events.back().error == ras_error::invalid_parameter);
    CHECK(w.events.back().detail.find("APN") != std::string::npos);
    for (const auto& c : w.commands()) CHECK(c.find("CGDCONT") == std::string::npos);
    w.hang_up(h);
  }
}

TEST_CASE("+CME ERROR to the APN maps through the profile's table first") {
  cell_world w;
  w.factory->script("/fake/0")->reply = [m = w.modem](const std::string& cmd) {
    if (cmd.rfind("AT+CGDCONT", 0) == 0) return std::string("\r\n+CME ERROR: 50\r\n");
    return m->reply(cmd);
  };
  dial_entry e = cellular_entry("/fake/0");
  SUBCASE("the default mapping") {
    auto h = w.dial(e);
    w.run_until([&] { return w.terminal(); });
    CHECK(w.events.back().error == ras_error::from_device);
    CHECK(w.events.back().detail.find("incorrect parameters") != std::string::npos);
    w.hang_up(h);
  }
  SUBCASE("the profile's own") {
    e.profile.cellular.cme_errors = {{50, ras_error::bad_address_specified}};
    auto h = w.dial(e);
    w.run_until([&] { return w.terminal(); });
    CHECK(w.events.back().error == ras_error::bad_address_specified);
    w.hang_up(h);
  }
}

TEST_CASE("+CME ERROR: 30 to ATD*99# is 679 (no carrier), which the redial rules retry") {
  cell_world w;
  auto attempts = std::make_shared<int>(0);
  w.factory->script("/fake/0")->reply = [m = w.modem, attempts](const std::string& cmd) {
    if (cmd == "ATDT*99#" && ++*attempts == 1) return std::string("\r\n+CME ERROR: 30\r\n");
    return m->reply(cmd);
  };
  dial_entry e = cellular_entry("/fake/0");
  SUBCASE("no redial: the dial fails with 679") {
    auto h = w.dial(e);
    w.run_until([&] { return w.terminal(); });
    CHECK(w.events.back().error == ras_error::no_carrier);
    w.hang_up(h);
  }
  SUBCASE("one redial: the second attempt connects") {
    e.redial.attempts = 1;
    e.redial.pause = 1s;
    auto h = w.dial(e);
    w.run_until([&] { return w.terminal(); });
    CHECK_FALSE(w.events.back().error);
    CHECK(*attempts == 2);
    w.hang_up(h);
  }
}

TEST_CASE("a cellular entry with its own number dials that number, not *99#") {
  cell_world w;
  dial_entry e = cellular_entry("/fake/0");
  e.phone_number = "*99***2#";
  auto h = w.dial(e);
  w.run_until([&] { return w.terminal(); });
  CHECK_FALSE(w.events.back().error);
  CHECK(w.sent("ATDT*99***2#"));
  w.hang_up(h);
}

TEST_CASE("hanging up while waiting for registration stops the polls") {
  cell_world w;
  w.modem->never_registers = true;
  auto h = w.dial(cellular_entry("/fake/0"));
  w.run_until([&] { return w.modem->polls >= 3; });
  REQUIRE(w.modem->polls >= 3);
  w.hang_up(h);
  const int polls = w.modem->polls;
  w.clock->advance(30s);
  w.run_until([] { return false; });
  CHECK(w.modem->polls <= polls + 1);
  CHECK_FALSE(w.sent("ATDT*99#"));
}
