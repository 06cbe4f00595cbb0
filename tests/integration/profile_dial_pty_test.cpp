// A dial through each built-in modem profile (data/modems) against the dialup-sim
// personality it is for, over a real pty: the profile's own reset and init go to the modem,
// its response table reads the CONNECT, and its hang-up brings the modem on-hook. The
// direct profile dials a pty that just carries data: nothing but the call's bytes goes out.
#include <doctest/doctest.h>

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/data_stream.hpp"
#include "dialup/engine/profile_file.hpp"
#include "dialup/hwsim/simulator.hpp"
#include "support/dial_caller.hpp"
#include "support/port_fixtures.hpp"
#include "support/pty_world.hpp"

using namespace dialup;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

using test::caller;
using test::engine_world;
using test::entry_for;
using test::good_call;
using test::hang_up_and_wait;
using test::sim_world;

// The built-in profile with the test's scaled timings (entry_for's): the simulator's clock
// runs at test::time_scale, so its S12 guard is 50 ms.
dial_entry entry_with_profile(const hwsim::simulator& sim, const std::string& profile, const std::string& number) {
  auto e = entry_for(sim, 0, number);
  const auto timing = e.profile;
  auto p = profile_set::builtin().find(profile);
  REQUIRE(p.has_value());
  e.profile = *p;
  e.profile.escape_guard = timing.escape_guard;
  e.profile.command_timeout = timing.command_timeout;
  e.profile.reset_timeout = timing.reset_timeout;
  e.profile.connect_timeout = timing.connect_timeout;
  e.profile.resync_quiet = timing.resync_quiet;
  e.profile.cellular.registration_timeout = 10s;
  e.profile.cellular.registration_poll = 250ms;
  return e;
}

}  // namespace

TEST_CASE("a dial through each built-in modem profile against its simulator personality") {
  struct row {
    const char* profile;
    const char* personality;
    const char* number;      // "" : the profile's own (*99# for cellular)
    const char* sent;        // a command of the profile's that the log must show going out
    std::uint32_t rate;      // the CONNECT rate the modem reports
  };
  const row rows[] = {
      {"generic", "generic", "5550100", "> ATE1V1Q0X4&C1&D2S0=0", 33600},
      {"usr-courier", "usr", "5550100", "> AT&H1&R2&B1", 33600},
      {"usr-sportster", "usr", "5550100", "> AT&H1&R2", 33600},
      {"conexant-usb", "conexant", "5550100", "> AT\\\\N3%C3", 33600},
      {"rockwell-zoom", "conexant", "5550100", "> AT&F", 33600},
      {"agere-usb", "generic", "5550100", "> ATZ", 33600},
      {"cellular", "cellular", "", "> ATE1V1Q0&C1&D2", 115200},
  };
  for (const auto& r : rows) {
    const std::string profile_name = r.profile;
    CAPTURE(profile_name);
    sim_world w(1, r.personality);
    engine_world e;
    caller c;
    auto entry = entry_with_profile(*w.sim, r.profile, r.number);
    if (entry.profile.cellular.enabled) entry.apn = "web.example";
    std::error_code ec;
    auto h = e.mgr->dial(entry, {}, {}, c.events_notifier(), ec);
    REQUIRE_FALSE(ec);
    c.run();
    CHECK(c.states() == good_call);
    for (const auto& ev : c.events) CHECK_FALSE(ev.error);
    CHECK(w.sim->mode(0) == hwsim::modem_mode::online_data);
    CHECK(e.logged(std::string("> ") + entry.profile.reset));
    CHECK(e.logged(r.sent));
    connection_status st;
    REQUIRE_FALSE(e.mgr->status(h, st));
    CHECK(st.connect_rate == r.rate);
    hang_up_and_wait(*e.mgr, h, c);
    CHECK_FALSE(w.sim->off_hook(0));
    CHECK(e.logged("> " + entry.profile.hangup));
  }
}

TEST_CASE("an init step the profile marks error_fatal = false may be refused; a fatal one fails the dial with 651") {
  sim_world w(1, "generic");
  {
    engine_world e;
    caller c;
    auto entry = entry_with_profile(*w.sim, "generic", "5550100");
    entry.profile.init.push_back({"AT#NOSUCH", {}, false});
    std::error_code ec;
    auto h = e.mgr->dial(entry, {}, {}, c.events_notifier(), ec);
    REQUIRE_FALSE(ec);
    c.run();
    CHECK(c.states() == good_call);
    CHECK(e.logged("> AT#NOSUCH"));
    hang_up_and_wait(*e.mgr, h, c);
  }
  {
    engine_world e;
    caller c;
    auto entry = entry_with_profile(*w.sim, "generic", "5550100");
    entry.profile.init.push_back({"AT#NOSUCH", {}, true});
    std::error_code ec;
    auto h = e.mgr->dial(entry, {}, {}, c.events_notifier(), ec);
    REQUIRE_FALSE(ec);
    c.run();
    REQUIRE_FALSE(c.events.empty());
    CHECK(c.events.back().error == ras_error::from_device);
    CHECK_FALSE(e.logged("> ATD"));
    hang_up_and_wait(*e.mgr, h, c);
  }
}

TEST_CASE("the direct profile: no AT command at all, the call is up at once and carries data") {
  test::pty_pair line;
  // Raw mode on the far end, so the bytes come through as sent.
  termios t{};
  REQUIRE(::tcgetattr(line.master, &t) == 0);
  ::cfmakeraw(&t);
  REQUIRE(::tcsetattr(line.master, TCSANOW, &t) == 0);
  engine_world e;
  caller c;
  dial_entry entry;
  entry.port = line.slave;
  entry.profile = *profile_set::builtin().find("direct");
  std::error_code ec;
  auto h = e.mgr->dial(entry, {}, {}, c.events_notifier(), ec);
  REQUIRE_FALSE(ec);
  c.run(5s);
  CHECK(c.states() == good_call);
  for (const auto& ev : c.events) CHECK_FALSE(ev.error);

  // Nothing was sent before the call's own data.
  pollfd pfd{line.master, POLLIN, 0};
  CHECK(::poll(&pfd, 1, 100) == 0);

  data_stream stream(*e.mgr, h, c.io.get_executor());
  const std::string out = "hello across the null modem\r\n";
  asio::async_write(stream, asio::buffer(out), [](boost::system::error_code, std::size_t) {});
  c.run(1s);
  std::string got;
  for (int i = 0; i < 50 && got.size() < out.size(); ++i) {
    pfd.revents = 0;
    if (::poll(&pfd, 1, 100) > 0) {
      char buf[256];
      const auto n = ::read(line.master, buf, sizeof buf);
      if (n > 0) got.append(buf, static_cast<std::size_t>(n));
    }
  }
  CHECK(got == out);
  // And what the other end sends comes in, NO CARRIER or not: there is no modem to say it.
  const std::string back = "NO CARRIER\r\nreply\r\n";
  REQUIRE(::write(line.master, back.data(), back.size()) == static_cast<ssize_t>(back.size()));
  std::string in(back.size(), '\0');
  boost::system::error_code read_ec;
  asio::async_read(stream, asio::buffer(in), [&](boost::system::error_code e2, std::size_t) { read_ec = e2; });
  c.run(2s);
  CHECK_FALSE(read_ec);
  CHECK(in == back);

  hang_up_and_wait(*e.mgr, h, c);
  CHECK_FALSE(e.logged("> AT"));
}
