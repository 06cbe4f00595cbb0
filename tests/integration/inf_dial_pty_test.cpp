// A profile imported from a Windows modem INF dials: the Conexant-like sample INF
// (tests/engine/data/inf/conexant_like.inf) turned into a modem_profile by
// to_modem_profile(), and the engine dialling dialup-sim's Conexant personality with it over
// a real pty, at a scaled clock. The init commands sent are the INF's, and the final replies
// are read through the INF's Responses alone (the generic table is not in the profile).
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/data_stream.hpp"
#include "dialup/engine/inf_import.hpp"
#include "support/dial_caller.hpp"
#include "support/pty_world.hpp"
#include "support/sim_program.hpp"

using namespace dialup;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

constexpr double k_time_scale = 0.05;

modem_profile imported_profile() {
  std::ifstream in(std::string(DIALUP_ENGINE_TEST_DIR) + "/data/inf/conexant_like.inf", std::ios::binary);
  REQUIRE(in.good());
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  inf_modem m;
  auto err = import_inf(text, "conexant_like.inf", "USB\\VID_0572&PID_1329", m);
  REQUIRE_MESSAGE(!err, err.message());
  return to_modem_profile(m);
}

dial_entry entry(const std::string& port, const std::string& number) {
  dial_entry e;
  e.port = port;
  e.phone_number = number;
  e.profile = imported_profile();
  // The simulator runs at k_time_scale: its 1 s S12 guard is 50 ms, ours must be longer.
  auto& p = e.profile;
  p.escape_guard = 150ms;
  p.command_timeout = 1s;
  p.reset_timeout = 1s;
  p.connect_timeout = 10s;
  p.resync_quiet = 50ms;
  return e;
}

}  // namespace

TEST_CASE("the profile imported from a Conexant-like INF dials dialup-sim's Conexant modem and connects at 33600") {
  const auto profile = imported_profile();
  // Nothing of the generic profile is left to help: the reply table is the INF's.
  CHECK(profile.responses.verbose.size() + profile.responses.numeric.size() == 48);
  CHECK(profile.init == std::vector<dialup::init_step>{"AT", "AT&FE0V1W1X4&C1&D2S0=0", "ATL1"});

  test::sim_program sim(DIALUP_SIM_PATH, 1, k_time_scale, {"--personality", "conexant"});
  REQUIRE(sim.started());
  test::engine_world e;
  test::caller c;
  std::error_code ec;
  auto h = e.mgr->dial(entry(sim.pty(0), "5550100"), {}, {}, c.events_notifier(), ec);
  REQUIRE_FALSE(ec);
  c.run();
  REQUIRE(c.states() == test::good_call);
  for (const auto& ev : c.events) CHECK_FALSE(ev.error);
  connection_status st;
  REQUIRE_FALSE(e.mgr->status(h, st));
  CHECK(st.connect_rate == 33600);
  CHECK(sim.status(0).find("online_data") != std::string::npos);
  // The INF's own init went to the modem.
  CHECK(e.logged("AT&FE0V1W1X4&C1&D2S0=0"));
  CHECK(e.logged("ATL1"));

  // 5550100 echoes what it receives.
  data_stream stream(*e.mgr, h, c.io.get_executor());
  std::string out = "through an imported profile\r\n", in(out.size(), '\0');
  asio::async_write(stream, asio::buffer(out), [](boost::system::error_code, std::size_t) {});
  boost::system::error_code read_ec;
  asio::async_read(stream, asio::buffer(in), [&](boost::system::error_code e2, std::size_t) { read_ec = e2; });
  c.run(5s);
  CHECK_FALSE(read_ec);
  CHECK(in == out);

  test::hang_up_and_wait(*e.mgr, h, c);
  CHECK(sim.wait_status(0, "on-hook"));
}

TEST_CASE("through the imported profile, the INF's BUSY fails the dial with 676 in ConnectDevice") {
  test::sim_program sim(DIALUP_SIM_PATH, 1, k_time_scale, {"--personality", "conexant"});
  REQUIRE(sim.started());
  test::engine_world e;
  test::caller c;
  std::error_code ec;
  auto h = e.mgr->dial(entry(sim.pty(0), "5550110"), {}, {}, c.events_notifier(), ec);
  REQUIRE_FALSE(ec);
  c.run();
  REQUIRE(c.events.size() >= 2);
  CHECK(c.events.back().state == conn_state::connect_device);
  CHECK(c.events.back().error == ras_error::line_busy);
  test::hang_up_and_wait(*e.mgr, h, c);
  CHECK(sim.wait_status(0, "on-hook"));
}
