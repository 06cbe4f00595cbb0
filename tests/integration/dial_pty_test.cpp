// The engine and the serial driver against hw-sim modems on real ptys: the whole path a
// real modem takes, through a tty, with the simulator running on its own thread and at a
// scaled clock (a 17 s call takes under a second).
#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <atomic>
#include <mutex>
#include <thread>

#include "dialup/drivers/serial_transport.hpp"
#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/data_stream.hpp"
#include "dialup/engine/event_loop.hpp"
#include "support/dial_caller.hpp"
#include "support/pty_world.hpp"
#include "dialup/hwsim/simulator.hpp"

using namespace dialup;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

using test::engine_world;
using test::entry_for;
using test::sim_world;
using test::caller;
using test::good_call;
using test::hang_up_and_wait;

// Dials `number` on modem 0 and returns the caller with its notifications.
void dial_failure(const std::string& number, ras_error expected,
                  const std::function<void(hwsim::simulator&)>& setup = {},
                  const std::function<void(dial_entry&)>& tweak = {},
                  const std::string& personality = "generic") {
  sim_world w(1, personality);
  if (setup) setup(*w.sim);
  engine_world e;
  caller c;
  auto entry = entry_for(*w.sim, 0, number);
  if (tweak) tweak(entry);
  std::error_code ec;
  auto h = e.mgr->dial(entry, {}, {}, c.events_notifier(), ec);
  REQUIRE_FALSE(ec);
  c.run();
  REQUIRE(c.events.size() >= 2);
  CHECK(c.events.back().state == conn_state::connect_device);
  CHECK(c.events.back().error == expected);
  for (std::size_t i = 0; i + 1 < c.events.size(); ++i) CHECK_FALSE(c.events[i].error);
  hang_up_and_wait(*e.mgr, h, c);
  CHECK_FALSE(w.sim->off_hook(0));
}

}  // namespace

TEST_CASE("a good call over a pty reports the exact RAS state sequence and carries data") {
  sim_world w(1);
  engine_world e;
  caller c;
  std::error_code ec;
  auto h = e.mgr->dial(entry_for(*w.sim, 0, "5550100"), {}, {}, c.events_notifier(), ec);
  REQUIRE_FALSE(ec);
  c.run();
  REQUIRE(c.states() == good_call);
  for (const auto& ev : c.events) CHECK_FALSE(ev.error);
  for (auto id : c.threads) CHECK(id == std::this_thread::get_id());
  CHECK(w.sim->off_hook(0));
  CHECK(w.sim->mode(0) == hwsim::modem_mode::online_data);

  connection_status st;
  REQUIRE_FALSE(e.mgr->status(h, st));
  CHECK(st.connect_rate == 33600);
  CHECK(st.device_name == w.sim->pty_path(0));

  // 5550100 echoes what it receives.
  data_stream stream(*e.mgr, h, c.io.get_executor());
  std::string out = "ping over the line\r\n", in(out.size(), '\0');
  asio::async_write(stream, asio::buffer(out), [](boost::system::error_code, std::size_t) {});
  boost::system::error_code read_ec;
  asio::async_read(stream, asio::buffer(in),
                   [&](boost::system::error_code e2, std::size_t) { read_ec = e2; });
  c.run(5s);
  CHECK_FALSE(read_ec);
  CHECK(in == out);

  hang_up_and_wait(*e.mgr, h, c);
  CHECK_FALSE(w.sim->off_hook(0));
  CHECK(w.sim->mode(0) == hwsim::modem_mode::command);
}

TEST_CASE("BUSY fails the dial with 676 reported in state ConnectDevice") {
  dial_failure("5550110", ras_error::line_busy);
}

TEST_CASE("a number that never answers fails with 678 when S7 runs out") {
  dial_failure("5550120", ras_error::no_answer, {},
               [](dial_entry& e) { e.profile.call_setup_fail_timer = 8; });
}

TEST_CASE("a dead line fails with 680") {
  dial_failure("5550100", ras_error::no_dialtone,
               [](hwsim::simulator& s) { s.set_dial_tone(0, false); });
}

TEST_CASE("a voice answer fails with 677 where the modem reports VOICE, else 679") {
  dial_failure("5550130", ras_error::voice_answer, {}, {}, "conexant");
  dial_failure("5550130", ras_error::no_carrier, {}, {}, "generic");
}

TEST_CASE("a modem that never answers OK fails with a timeout error, not a hang") {
  auto t0 = std::chrono::steady_clock::now();
  dial_failure("5550100", ras_error::request_timeout,
               [](hwsim::simulator& s) { s.set_silent(0, true); });
  CHECK(std::chrono::steady_clock::now() - t0 < 10s);
}

TEST_CASE("hang_up while dialing leaves the simulated modem on-hook") {
  sim_world w(1);
  engine_world e;
  caller c;
  std::error_code ec;
  bool retired = false;
  connection_handle h;
  h = e.mgr->dial(entry_for(*w.sim, 0, "5550120"), {}, {},
                  notifier::on_event([&](const dial_event& ev) {
                    c.events.push_back(ev);
                    if (ev.state == conn_state::connect_device && !ev.error) {
                      // Hang up once the modem is really dialing.
                      auto t = std::make_shared<asio::steady_timer>(c.io, 300ms);
                      t->async_wait([&, t](boost::system::error_code) {
                        CHECK(w.sim->off_hook(0));
                        e.mgr->async_hang_up(h, [&](std::error_code) { retired = true; });
                      });
                    }
                  }),
                  ec);
  c.run();
  CHECK(retired);
  REQUIRE_FALSE(c.events.empty());
  CHECK(c.events.back().state == conn_state::disconnected);
  CHECK(c.events.back().error == ras_error::user_disconnection);
  CHECK_FALSE(w.sim->off_hook(0));
}

// A modem ignores what arrives in the first 125 ms after the ATD's CR (V.250 §6.3.1;
// docs/modem-behaviour.md §1.2). A hang-up at once after the ATD must wait that window out
// before its abort character, and send ATH only once the dial has answered NO CARRIER:
// otherwise the ATH's 'A' is what aborts the dial, "TH" is garbage, and ATH never answers
// OK (the hang-up then reports 638 with the modem's state unknown). The simulator runs at
// real time here, so its window is the real 125 ms.
TEST_CASE("a hang-up at once after ATD is confirmed on-hook: the abort waits out the modem's 125 ms") {
  sim_world w(1, "generic", {}, 1.0);
  engine_world e;
  caller c;
  std::error_code ec;
  auto h = e.mgr->dial(entry_for(*w.sim, 0, "5550120"), {}, {}, c.events_notifier(), ec);
  REQUIRE_FALSE(ec);
  // Poll the engine's log for the ATD going out, then hang up within a few milliseconds.
  bool dialing = false;
  asio::steady_timer poll(c.io);
  std::function<void()> look = [&] {
    if (e.logged("dialing 5550120")) {
      dialing = true;
      return;
    }
    poll.expires_after(1ms);
    poll.async_wait([&](boost::system::error_code pe) { if (!pe) look(); });
  };
  look();
  for (int i = 0; i < 500 && !dialing; ++i) {
    c.io.restart();
    c.io.run_for(10ms);
  }
  REQUIRE(dialing);
  hang_up_and_wait(*e.mgr, h, c);  // CHECKs that the hang-up confirmed the modem on-hook
  CHECK_FALSE(w.sim->off_hook(0));
  CHECK(e.logged("< \\r\\nNO CARRIER\\r\\n"));
  CHECK_FALSE(e.logged("no answer; the modem may still be off-hook"));
}

TEST_CASE("two threads dialling two modems at once each get only their own notifications") {
  sim_world w(2);
  engine_world e;
  struct result {
    std::vector<dial_event> events;
    std::vector<std::thread::id> ids;
    std::thread::id self;
    connection_handle h;
  } r[2];
  auto run = [&](int i) {
    caller c;
    std::error_code ec;
    r[i].self = std::this_thread::get_id();
    r[i].h = e.mgr->dial(entry_for(*w.sim, i, i == 0 ? "5550100" : "5550110"), {}, {},
                         c.events_notifier(), ec);
    c.run();
    r[i].events = c.events;
    r[i].ids = c.threads;
    hang_up_and_wait(*e.mgr, r[i].h, c);
  };
  std::thread a(run, 0), b(run, 1);
  a.join();
  b.join();
  CHECK(r[0].events.size() == good_call.size());
  CHECK(r[0].events.back().state == conn_state::connected);
  REQUIRE_FALSE(r[1].events.empty());
  CHECK(r[1].events.back().error == ras_error::line_busy);
  for (auto& x : r) {
    for (auto& ev : x.events) CHECK(ev.handle == x.h);
    for (auto id : x.ids) CHECK(id == x.self);
  }
  CHECK_FALSE(w.sim->off_hook(0));
  CHECK_FALSE(w.sim->off_hook(1));
}

TEST_CASE("a synchronous dial over a pty from a thread with no loop") {
  sim_world w(1);
  engine_world e;
  std::error_code ec;
  connection_handle h;
  std::thread t([&] { h = e.mgr->dial(entry_for(*w.sim, 0, "5550100"), {}, ec); });
  t.join();
  CHECK_FALSE(ec);
  REQUIRE(h);
  CHECK(w.sim->mode(0) == hwsim::modem_mode::online_data);
  CHECK_FALSE(e.mgr->hang_up(h));
  CHECK(e.mgr->wait_retired(h, 10s));
  CHECK_FALSE(w.sim->off_hook(0));
}

TEST_CASE("closing the engine hangs up every call it still holds") {
  sim_world w(1);
  {
    engine_world e;
    std::error_code ec;
    auto h = e.mgr->dial(entry_for(*w.sim, 0, "5550100"), {}, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(h);
    CHECK(w.sim->off_hook(0));
  }  // the manager's destructor hangs up
  CHECK_FALSE(w.sim->off_hook(0));
}

TEST_CASE("a call whose carrier drops is reported disconnected by the remote") {
  sim_world w(1);
  engine_world e;
  caller c;
  std::error_code ec;
  auto h = e.mgr->dial(entry_for(*w.sim, 0, "5550100"), {}, {}, c.events_notifier(), ec);
  c.run();
  REQUIRE(c.states() == good_call);
  data_stream stream(*e.mgr, h, c.io.get_executor());
  char buf[64];
  boost::system::error_code read_ec;
  stream.async_read_some(asio::buffer(buf), [&](boost::system::error_code e2, std::size_t) {
    read_ec = e2;
  });
  w.sim->drop_carrier(0);
  c.run(5s);
  CHECK(read_ec == asio::error::eof);
  connection_status st;
  REQUIRE_FALSE(e.mgr->status(h, st));
  CHECK(st.state == conn_state::disconnected);
  CHECK(st.error == ras_error::remote_disconnection);
  hang_up_and_wait(*e.mgr, h, c);
  CHECK_FALSE(w.sim->off_hook(0));
}

TEST_CASE("over a pty, a busy number is redialled on its alternate and connects") {
  sim_world w(1);
  engine_world e;
  caller c;
  auto entry = entry_for(*w.sim, 0, "5550110");
  entry.alternates = {"5550100"};
  entry.redial.attempts = 2;
  entry.redial.pause = std::chrono::seconds(0);
  std::error_code ec;
  auto h = e.mgr->dial(entry, {}, {}, c.events_notifier(), ec);
  REQUIRE_FALSE(ec);
  c.run();
  REQUIRE_FALSE(c.events.empty());
  CHECK(c.events.back().state == conn_state::connected);
  CHECK(c.events.back().attempt == 2);
  bool saw_retry = false;
  for (const auto& ev : c.events)
    saw_retry |= ev.state == conn_state::connect_device && ev.attempt == 2 && ev.extended_error == 676;
  CHECK(saw_retry);
  connection_status st;
  REQUIRE_FALSE(e.mgr->status(h, st));
  CHECK(st.phone_number == "5550100");
  hang_up_and_wait(*e.mgr, h, c);
  CHECK_FALSE(w.sim->off_hook(0));
}

namespace {
const std::string login_script = R"(ABORT incorrect
ogin: \U
assword: \P
"logged in" "")";
}

TEST_CASE("a login script logs in to the login service after CONNECT, with its own device states") {
  sim_world w(1);
  auto lines = std::make_shared<std::vector<std::string>>();
  auto mutex = std::make_shared<std::mutex>();
  engine_options o;
  o.transports = std::make_shared<drivers::serial_transport_factory>();
  o.log = [lines, mutex](log_level, std::string_view t) {
    std::lock_guard lock(*mutex);
    lines->emplace_back(t);
  };
  connection_manager mgr(std::move(o));
  caller c;
  auto entry = entry_for(*w.sim, 0, "5550102");
  entry.login_script = login_script;
  dial_params p;
  p.user_name = "demo";
  p.password = "demo";
  std::error_code ec;
  auto h = mgr.dial(entry, p, {}, c.events_notifier(), ec);
  REQUIRE_FALSE(ec);
  c.run();
  const std::vector<conn_state> expected = {
      conn_state::open_port,      conn_state::port_opened,      conn_state::connect_device,
      conn_state::device_connected, conn_state::connect_device, conn_state::device_connected,
      conn_state::all_devices_connected, conn_state::connected};
  CHECK(c.states() == expected);
  for (const auto& ev : c.events) CHECK_FALSE(ev.error);
  // The login service echoes what it gets once logged in.
  data_stream stream(mgr, h, c.io.get_executor());
  std::string out = "after login\r\n", in(out.size(), '\0');
  asio::async_write(stream, asio::buffer(out), [](boost::system::error_code, std::size_t) {});
  // The banner's tail may come first; read until our text is back.
  std::string got;
  std::function<void()> read_more = [&] {
    auto buf = std::make_shared<std::array<char, 256>>();
    stream.async_read_some(asio::buffer(*buf), [&, buf](boost::system::error_code e2, std::size_t n) {
      if (e2) return;
      got.append(buf->data(), n);
      if (got.find(out) == std::string::npos) read_more();
    });
  };
  read_more();
  c.run(5s);
  CHECK(got.find(out) != std::string::npos);
  hang_up_and_wait(mgr, h, c);
  CHECK_FALSE(w.sim->off_hook(0));
  std::lock_guard lock(*mutex);
  bool traced_send = false;
  for (const auto& l : *lines) {
    traced_send |= l.find("********") != std::string::npos;
    // "demo" is the user name too; the password must only ever show as ********.
    CHECK(l.find("assword: demo") == std::string::npos);
    const bool raw_password_send = l.find("> demo\\r") != std::string::npos;
    CHECK_FALSE(raw_password_send);
  }
  CHECK(traced_send);
}

TEST_CASE("a refused password fails the script's ConnectDevice with 691; the call is hung up") {
  sim_world w(1);
  engine_world e;
  caller c;
  auto entry = entry_for(*w.sim, 0, "5550102");
  entry.login_script = login_script;
  dial_params p;
  p.user_name = "demo";
  p.password = "not-the-password";
  std::error_code ec;
  auto h = e.mgr->dial(entry, p, {}, c.events_notifier(), ec);
  c.run();
  REQUIRE(c.events.size() == 6);
  CHECK(c.events[4].state == conn_state::connect_device);
  CHECK(c.events.back().state == conn_state::connect_device);
  CHECK(c.events.back().error == ras_error::authentication_failure);
  CHECK(w.sim->off_hook(0));  // the call is still up until the caller hangs up
  hang_up_and_wait(*e.mgr, h, c);
  CHECK_FALSE(w.sim->off_hook(0));
}

TEST_CASE("a login prompt that never comes fails with a script timeout, and the modem is hung up") {
  sim_world w(1);
  engine_world e;
  caller c;
  auto entry = entry_for(*w.sim, 0, "5550100");  // the echo service never prompts
  entry.login_script = "TIMEOUT 1\nogin: \\U\n";
  std::error_code ec;
  auto h = e.mgr->dial(entry, {}, {}, c.events_notifier(), ec);
  c.run();
  REQUIRE_FALSE(c.events.empty());
  CHECK(c.events.back().error == ras_error::request_timeout);
  hang_up_and_wait(*e.mgr, h, c);
  CHECK_FALSE(w.sim->off_hook(0));
}

TEST_CASE("a login script with a syntax error is refused before anything is dialled") {
  sim_world w(1);
  engine_world e;
  caller c;
  auto entry = entry_for(*w.sim, 0, "5550102");
  entry.login_script = "ogin: 'unterminated";
  std::error_code ec;
  auto h = e.mgr->dial(entry, {}, {}, c.events_notifier(), ec);
  CHECK(ec == ras_error::script_syntax);
  CHECK_FALSE(h);
  CHECK_FALSE(w.sim->off_hook(0));
}

TEST_CASE("a USB modem unplugged mid-call: the connection goes down with 630 and subscribers hear it") {
  sim_world w(1);
  engine_world e;
  caller c;
  std::vector<connection_event> events;
  std::error_code ec;
  e.mgr->subscribe({}, [&](const connection_event& ev) { events.push_back(ev); }, ec);
  REQUIRE_FALSE(ec);
  auto h = e.mgr->dial(entry_for(*w.sim, 0, "5550100"), {}, {}, c.events_notifier(), ec);
  c.run();
  REQUIRE(c.states() == good_call);
  w.sim->vanish(0);
  {
    // Subscriptions keep no work on the loop: hold it open while waiting for the event.
    auto hold = asio::make_work_guard(c.io);
    for (int i = 0; i < 50 && events.size() < 2; ++i) {
      c.io.restart();
      c.io.run_for(100ms);
    }
  }
  REQUIRE(events.size() == 2);
  CHECK(events[0].kind == connection_event_kind::connected);
  CHECK(events[1].kind == connection_event_kind::disconnected);
  CHECK(events[1].error == ras_error::hardware_failure);
  connection_status st;
  REQUIRE_FALSE(e.mgr->status(h, st));
  CHECK(st.state == conn_state::disconnected);
  CHECK(st.error == ras_error::hardware_failure);
  hang_up_and_wait(*e.mgr, h, c);  // the port is closed even though the device is gone
}
