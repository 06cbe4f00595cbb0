// A cellular dial through the serial driver against hw-sim's cellular personality on a real
// pty: SIM PIN, APN, registration wait, ATD*99#, CONNECT (docs/cellular.md). The simulator
// runs at time scale 0.05; the engine's own deadlines are real time.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "dialup/engine/cellular.hpp"
#include "dialup/engine/connection_manager.hpp"
#include "dialup/hwsim/simulator.hpp"
#include "support/dial_caller.hpp"
#include "support/pty_world.hpp"
#include "support/sim_thread.hpp"

using namespace dialup;
using namespace std::chrono_literals;

namespace {

using test::caller;
using test::engine_world;
using test::entry_for;
using test::good_call;
using test::hang_up_and_wait;

// One cellular modem with these SIM and network settings, on a pty.
struct cell_sim : test::sim_thread {
  explicit cell_sim(hwsim::cellular_options c) : sim_thread(options(std::move(c)), 1) {}
  static hwsim::simulator_options options(hwsim::cellular_options c) {
    auto o = test::at_time_scale(test::time_scale);
    o.personality = "cellular";
    o.cellular = std::move(c);
    return o;
  }
};

hwsim::cellular_options with_pin(const std::string& pin) {
  hwsim::cellular_options c;
  c.sim_pin = pin;
  return c;
}

dial_entry cellular_entry(const hwsim::simulator& sim, const std::string& apn = "web.example") {
  auto e = entry_for(sim, 0, "");  // no number: the profile's *99#
  e.profile.cellular.enabled = true;
  e.profile.cellular.registration_timeout = 10s;
  e.profile.cellular.registration_poll = 250ms;
  e.apn = apn;
  return e;
}

struct outcome {
  std::vector<dial_event> events;
  double seconds = 0;
};

outcome dial(engine_world& e, const dial_entry& entry, const dial_params& params,
             const std::function<void(connection_handle, caller&)>& then = {}) {
  caller c;
  std::error_code ec;
  const auto t0 = std::chrono::steady_clock::now();
  auto h = e.mgr->dial(entry, params, {}, c.events_notifier(), ec);
  REQUIRE_FALSE(ec);
  c.run();
  outcome o{c.events, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()};
  if (then) then(h, c);
  hang_up_and_wait(*e.mgr, h, c);
  return o;
}

}  // namespace

TEST_CASE("the right PIN over a pty: APN set in the modem, *99# dialled, Connected") {
  cell_sim w(with_pin("2468"));
  engine_world e;
  dial_params p;
  p.sim_pin = "2468";
  bool online = false;
  auto o = dial(e, cellular_entry(*w.sim), p, [&](connection_handle, caller&) {
    online = w.sim->mode(0) == hwsim::modem_mode::online_data;
  });
  std::vector<conn_state> states;
  for (const auto& ev : o.events) states.push_back(ev.state);
  CHECK(states == good_call);
  CHECK(online);
  CHECK(w.sim->pdp_apn(0, 1) == std::optional<std::string>("web.example"));
  CHECK(e.logged("dialing *99#"));
  CHECK(e.logged("> AT+CPIN=\"********\""));  // the trace shows the command, masked
  CHECK_FALSE(e.logged("2468"));
}

TEST_CASE("a wrong PIN over a pty fails with 691 and the modem's 27.007 reason") {
  cell_sim w(with_pin("2468"));
  engine_world e;
  dial_params p;
  p.sim_pin = "1111";
  auto entry = cellular_entry(*w.sim);
  // The modem is told to give numeric +CME ERROR codes, as a profile's init would.
  entry.profile.init.push_back("AT+CMEE=1");
  auto o = dial(e, entry, p);
  REQUIRE_FALSE(o.events.empty());
  CHECK(o.events.back().state == conn_state::connect_device);
  CHECK(o.events.back().error == ras_error::authentication_failure);
  CHECK(o.events.back().detail.find("incorrect password") != std::string::npos);
  CHECK_FALSE(e.logged("1111"));
  CHECK_FALSE(w.sim->off_hook(0));
}

TEST_CASE("no PIN given for a SIM that needs one: 691 and nothing dialled") {
  cell_sim w(with_pin("2468"));
  engine_world e;
  auto o = dial(e, cellular_entry(*w.sim), {});
  REQUIRE_FALSE(o.events.empty());
  CHECK(o.events.back().error == ras_error::authentication_failure);
  CHECK(o.events.back().detail == "the SIM needs its PIN and none was given");
  CHECK_FALSE(e.logged("dialing *99#"));
}

TEST_CASE("a network that is never found fails with 679 at the registration deadline") {
  hwsim::cellular_options c;
  c.network_mode = hwsim::cellular_options::network::searching;
  cell_sim w(c);
  engine_world e;
  auto entry = cellular_entry(*w.sim);
  entry.profile.cellular.registration_timeout = 2s;
  auto o = dial(e, entry, {});
  REQUIRE_FALSE(o.events.empty());
  CHECK(o.events.back().error == ras_error::no_carrier);
  CHECK(o.events.back().detail == "no network registration within 2 seconds (not registered, searching)");
  CHECK(o.seconds >= 2.0);
  CHECK(o.seconds < 6.0);
  CHECK_FALSE(e.logged("dialing *99#"));
}

TEST_CASE("the dial waits out the network's registration delay, then connects") {
  hwsim::cellular_options c;
  c.registration_delay = hwsim::sim_duration(20000);  // 1 s at time scale 0.05
  cell_sim w(c);
  engine_world e;
  auto o = dial(e, cellular_entry(*w.sim), {});
  REQUIRE_FALSE(o.events.empty());
  CHECK_FALSE(o.events.back().error);
  CHECK(o.events.back().state == conn_state::connected);
  CHECK(o.seconds >= 0.9);
  CHECK(e.logged("cellular: waiting for network registration (not registered, searching)"));
}
