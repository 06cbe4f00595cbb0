// The engine on virtual time: the real, unshortened timeouts of the generic modem profile
// (5 s reset, 3 s commands, 90 s for ATD, 1.2 s escape guards), run in milliseconds on a
// single thread. The engine runs on the test's own io_context; time moves only when the
// test has run everything that was ready.
#include "dialup/engine/virtual_clock.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <set>
#include <thread>

#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/data_stream.hpp"
#include "dialup/engine/event_loop.hpp"
#include "support/fake_modem.hpp"
#include "support/vt_world.hpp"

using namespace dialup;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

using vt_world = test::vt_world;

}  // namespace

TEST_CASE("a modem that never answers ATD fails after the full 90 s connect timeout, in virtual time") {
  vt_world w;
  w.factory->script("/fake/0")->reply = [](const std::string& cmd) {
    return cmd.rfind("ATD", 0) == 0 ? std::string() : std::string("\r\nOK\r\n");
  };
  auto real_start = std::chrono::steady_clock::now();
  auto h = w.dial("/fake/0");
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.terminal());
  CHECK(w.events.back().state == conn_state::connect_device);
  CHECK(w.events.back().error == ras_error::request_timeout);
  CHECK(w.seconds() >= 90.0);
  CHECK(w.seconds() < 91.0);
  CHECK(std::chrono::steady_clock::now() - real_start < 2s);
  // The abort character went out when our timer ran out, so the line is not held.
  auto s = w.factory->script("/fake/0");
  {
    std::lock_guard lock(s->mutex);
    CHECK(s->received.substr(s->received.size() - 1) == "\r");
  }
  w.hang_up(h);
  CHECK_FALSE(s->is_off_hook());
}

TEST_CASE("a silent modem fails at the 5 s reset timeout, and hang-up still finishes") {
  vt_world w;
  w.factory->script("/fake/0")->silent = true;
  auto h = w.dial("/fake/0");
  w.run_until([&] { return w.terminal(); });
  CHECK(w.events.back().error == ras_error::request_timeout);
  CHECK(w.seconds() == doctest::Approx(5.0).epsilon(0.01));
  auto before = w.seconds();
  w.hang_up(h);  // ATH times out too; the port is closed regardless
  CHECK(w.seconds() - before < 10.0);
  connection_status st;
  CHECK(w.mgr->status(h, st) == ras_error::invalid_handle);
}

TEST_CASE("a good call and its hang-up on virtual time keep the modem's guard times") {
  vt_world w;
  auto h = w.dial("/fake/0");
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.events.back().state == conn_state::connected);
  auto connected_at = w.seconds();
  w.hang_up(h);
  // A guard time (1.2 s) of silence before +++, then nothing until the modem's OK (a real
  // modem sends it only after its own post-guard), then ATH.
  CHECK(w.seconds() - connected_at >= 1.2);
  {
    auto s = w.factory->script("/fake/0");
    std::lock_guard lock(s->mutex);
    auto plus = s->received.find("+++");
    REQUIRE(plus != std::string::npos);
    CHECK(s->received.substr(plus) == "+++ATH\r");  // nothing between +++ and ATH
  }
  auto s = w.factory->script("/fake/0");
  CHECK(s->escaped);
  CHECK_FALSE(s->is_off_hook());
}

TEST_CASE("every failure point of the dial on virtual time ends in one terminal notification") {
  // Beast-style: fail the n-th transport operation, n = 0, 1, 2, ... with the generic
  // profile's real timeouts, until a dial goes through untouched.
  bool clean = false;
  for (int n = 0; n < 60 && !clean; ++n) {
    CAPTURE(n);
    vt_world w;
    w.factory->script("/fake/0")->fail_at = n;
    auto h = w.dial("/fake/0");
    w.run_until([&] { return w.terminal(); });
    REQUIRE(w.terminal());
    int terminals = 0;
    for (const auto& e : w.events)
      if (e.error || e.state == conn_state::connected) ++terminals;
    CHECK(terminals == 1);
    clean = w.events.back().state == conn_state::connected && !w.events.back().error;
    w.hang_up(h);
    connection_status st;
    CHECK(w.mgr->status(h, st) == ras_error::invalid_handle);
  }
  CHECK(clean);
}

namespace {
// Every number in `busy` answers BUSY; the rest connect.
void busy_numbers(test::fake_script& s, std::vector<std::string> busy) {
  s.reply = [busy](const std::string& cmd) -> std::string {
    for (const auto& b : busy)
      if (cmd == "ATDT" + b) return "\r\nBUSY\r\n";
    return cmd.rfind("ATD", 0) == 0 ? "\r\nCONNECT 33600\r\n" : "\r\nOK\r\n";
  };
}
std::vector<std::string> dialled(test::fake_script& s) {
  std::vector<std::string> out;
  for (const auto& c : s.snapshot_commands())
    if (c.rfind("ATD", 0) == 0) out.push_back(c);
  return out;
}
}  // namespace

TEST_CASE("a busy primary number is redialled on the alternate after the pause, and each attempt is reported") {
  vt_world w;
  busy_numbers(*w.factory->script("/fake/0"), {"5550110"});
  dial_entry e;
  e.port = "/fake/0";
  e.phone_number = "5550110";
  e.alternates = {"5550100"};
  e.redial.attempts = 3;
  e.redial.pause = 3s;
  auto h = w.dial(e);
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.events.back().state == conn_state::connected);
  CHECK_FALSE(w.events.back().error);
  CHECK(w.events.back().attempt == 2);
  // OpenPort, PortOpened, ConnectDevice (1), ConnectDevice (2, after 676), DeviceConnected...
  REQUIRE(w.events.size() == 7);
  CHECK(w.events[2].state == conn_state::connect_device);
  CHECK(w.events[2].attempt == 1);
  CHECK(w.events[3].state == conn_state::connect_device);
  CHECK(w.events[3].attempt == 2);
  CHECK(w.events[3].extended_error == 676);
  CHECK_FALSE(w.events[3].error);
  CHECK(dialled(*w.factory->script("/fake/0")) == std::vector<std::string>{"ATDT5550110", "ATDT5550100"});
  CHECK(w.seconds() >= 3.0);
  connection_status st;
  REQUIRE_FALSE(w.mgr->status(h, st));
  CHECK(st.phone_number == "5550100");
  w.hang_up(h);
}

TEST_CASE("abort-on-busy ends the dial at the first BUSY without redialling") {
  vt_world w;
  busy_numbers(*w.factory->script("/fake/0"), {"5550110"});
  dial_entry e;
  e.port = "/fake/0";
  e.phone_number = "5550110";
  e.redial.attempts = 5;
  e.redial.abort_on_busy = true;
  auto h = w.dial(e);
  w.run_until([&] { return w.terminal(); });
  CHECK(w.events.back().error == ras_error::line_busy);
  CHECK(dialled(*w.factory->script("/fake/0")).size() == 1);
  w.hang_up(h);
}

TEST_CASE("redials back off and stop after the entry's attempts, ending with the last error") {
  vt_world w;
  busy_numbers(*w.factory->script("/fake/0"), {"5550110"});
  dial_entry e;
  e.port = "/fake/0";
  e.phone_number = "5550110";
  e.redial.attempts = 3;
  e.redial.pause = 5s;
  e.redial.backoff = 2.0;
  e.redial.max_pause = 15s;
  std::vector<double> attempt_times;
  auto h = w.dial(e);
  w.run_until([&] {
    if (!w.events.empty() && w.events.back().state == conn_state::connect_device &&
        attempt_times.size() < w.events.back().attempt)
      attempt_times.push_back(w.seconds());
    return w.terminal();
  });
  CHECK(w.events.back().error == ras_error::line_busy);
  CHECK(w.events.back().attempt == 4);
  CHECK(dialled(*w.factory->script("/fake/0")).size() == 4);
  // Pauses of 5, 10 and 15 (capped from 20) seconds between the four attempts. The first
  // attempt's ConnectDevice comes before the reset, which is followed by a quiet period of
  // resync_quiet (0.25 s) before the init; a redial goes straight to ATD.
  REQUIRE(attempt_times.size() == 4);
  CHECK(attempt_times[1] - attempt_times[0] == doctest::Approx(5.25).epsilon(0.01));
  CHECK(attempt_times[2] - attempt_times[1] == doctest::Approx(10.0).epsilon(0.01));
  CHECK(attempt_times[3] - attempt_times[2] == doctest::Approx(15.0).epsilon(0.01));
  w.hang_up(h);
}

TEST_CASE("hang-up during the redial pause ends it at once, with no further dialling") {
  vt_world w;
  busy_numbers(*w.factory->script("/fake/0"), {"5550110"});
  dial_entry e;
  e.port = "/fake/0";
  e.phone_number = "5550110";
  e.redial.attempts = 3;
  e.redial.pause = 60s;
  auto h = w.dial(e);
  w.run_until([&] { return !dialled(*w.factory->script("/fake/0")).empty() && w.clock->pending() > 0 &&
                           w.seconds() > 0.5; });
  auto before = w.seconds();
  REQUIRE(before < 60.0);  // still inside the 60 s pause
  w.hang_up(h);
  CHECK(w.seconds() - before < 5.0);
  CHECK(dialled(*w.factory->script("/fake/0")).size() == 1);
  CHECK(w.events.back().state == conn_state::disconnected);
  CHECK(w.events.back().error == ras_error::user_disconnection);
}

TEST_CASE("a connection idle for the entry's idle-disconnect time is hung up with 828, and subscribers hear it") {
  vt_world w;
  std::vector<connection_event> events;
  std::error_code ec;
  auto sub = w.mgr->subscribe({}, [&](const connection_event& e) { events.push_back(e); }, ec);
  REQUIRE_FALSE(ec);
  dial_entry e;
  e.port = "/fake/0";
  e.phone_number = "5550100";
  e.idle_disconnect = 30s;
  auto h = w.dial(e);
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.events.back().state == conn_state::connected);
  auto up = w.seconds();
  // Traffic 20 s in resets the idle clock.
  w.clock->advance(20s);
  data_stream stream(*w.mgr, h, w.io.get_executor());
  std::string ping = "x";
  asio::async_write(stream, asio::buffer(ping), [](boost::system::error_code, std::size_t) {});
  connection_status st;
  w.run_until([&] { return w.mgr->status(h, st) == ras_error::invalid_handle; });
  CHECK(w.mgr->status(h, st) == ras_error::invalid_handle);
  REQUIRE(events.size() == 2);
  CHECK(events[0].kind == connection_event_kind::connected);
  CHECK(events[1].kind == connection_event_kind::disconnected);
  CHECK(events[1].error == ras_error::idle_timeout);
  // 20 s, then 30 s idle after the traffic (the echoed byte), then the hang-up itself.
  CHECK(w.seconds() - up >= 50.0);
  CHECK(w.seconds() - up < 55.0);
  CHECK_FALSE(w.factory->script("/fake/0")->is_off_hook());
  w.mgr->unsubscribe(sub);
}

TEST_CASE("on a line with DCD, the carrier falling is noticed by the carrier watch (629)") {
  vt_world w;
  auto s = w.factory->script("/fake/0");
  s->modem_control = true;
  std::vector<connection_event> events;
  std::error_code ec;
  auto h = w.dial("/fake/0");
  w.mgr->subscribe(h, [&](const connection_event& e) { events.push_back(e); }, ec);
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.events.back().state == conn_state::connected);
  w.clock->advance(5s);
  {
    std::lock_guard lock(s->mutex);
    s->dcd = false;
  }
  w.run_until([&] { return events.size() == 2; });
  REQUIRE(events.size() == 2);
  CHECK(events[1].kind == connection_event_kind::disconnected);
  CHECK(events[1].error == ras_error::remote_disconnection);
  connection_status st;
  REQUIRE_FALSE(w.mgr->status(h, st));
  CHECK(st.state == conn_state::disconnected);
  CHECK(st.error == ras_error::remote_disconnection);
  w.hang_up(h);
}

TEST_CASE("on a line that reports its changes, DCD falling ends the call with 629 at once, not at a poll") {
  vt_world w;
  auto s = w.factory->script("/fake/0");
  s->modem_control = true;
  s->line_events = true;
  std::vector<connection_event> events;
  std::error_code ec;
  auto h = w.dial("/fake/0");
  w.mgr->subscribe(h, [&](const connection_event& e) { events.push_back(e); }, ec);
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.events.back().state == conn_state::connected);
  w.clock->advance(std::chrono::milliseconds(5300));  // between two of a 1 s poll's reads
  const double dropped_at = w.seconds();
  s->set_dcd(false);
  w.run_until([&] { return events.size() == 2; });
  REQUIRE(events.size() == 2);
  CHECK(events[1].kind == connection_event_kind::disconnected);
  CHECK(events[1].error == ras_error::remote_disconnection);
  CHECK(w.seconds() - dropped_at < 0.001);  // no simulated time passed: the event itself did it
  w.hang_up(h);
  CHECK_FALSE(s->is_off_hook());
}

TEST_CASE("a line change that is not a DCD fall leaves the call up; DCD rising again is no call") {
  vt_world w;
  auto s = w.factory->script("/fake/0");
  s->modem_control = true;
  s->line_events = true;
  std::vector<connection_event> events;
  std::error_code ec;
  auto h = w.dial("/fake/0");
  w.mgr->subscribe(h, [&](const connection_event& e) { events.push_back(e); }, ec);
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.events.back().state == conn_state::connected);
  s->ring_pulse();  // a ring on a line in a call: nothing to answer
  w.clock->advance(std::chrono::seconds(10));
  w.run_until([] { return false; });
  connection_status st;
  REQUIRE_FALSE(w.mgr->status(h, st));
  CHECK(st.state == conn_state::connected);
  CHECK(events.size() == 1);  // connected, and nothing since
  w.hang_up(h);
}

TEST_CASE("a callback's ring seen on RI (no RING text) is answered") {
  vt_world w;
  auto s = w.factory->script("/fake/0");
  s->modem_control = true;
  s->line_events = true;
  s->reply = [](const std::string& cmd) {
    if (cmd.rfind("ATD", 0) == 0) return std::string("\r\nCONNECT 33600\r\nCalling you back.\r\n");
    if (cmd == "ATA") return std::string("\r\nCONNECT 33600\r\n");
    return std::string("\r\nOK\r\n");
  };
  dial_entry e;
  e.port = "/fake/0";
  e.phone_number = "5550104";
  e.login_script = "#dialup: extensions\nCALLBACK 'alling you back'\nTIMEOUT 5\nnever ''\n";
  e.callback_wait = std::chrono::seconds(60);
  e.callback_script = "'' ''\n";  // after the callback: nothing to log in to
  bool waiting = false;
  std::error_code ec;
  auto h = w.mgr->dial(e, {}, {}, notifier::on_event([&](const dial_event& ev) {
                         w.events.push_back(ev);
                         if (ev.state == conn_state::wait_for_callback && !ev.error) waiting = true;
                       }),
                       ec);
  REQUIRE_FALSE(ec);
  w.run_until([&] { return waiting || w.terminal(); });
  REQUIRE(waiting);
  w.clock->advance(std::chrono::seconds(3));
  s->ring_pulse();
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.terminal());
  CHECK(w.events.back().state == conn_state::connected);
  CHECK_FALSE(w.events.back().error);
  const auto c = s->snapshot_commands();
  CHECK(std::find(c.begin(), c.end(), "ATA") != c.end());
  w.hang_up(h);
}

TEST_CASE("reconnect after a dropped carrier waits the entry's redial pause, on virtual time") {
  vt_world w;
  auto s = w.factory->script("/fake/0");
  s->modem_control = true;
  std::vector<connection_event> events;
  std::vector<double> event_times;
  std::error_code ec;
  auto sub = w.mgr->subscribe({}, [&](const connection_event& e) {
    events.push_back(e);
    event_times.push_back(w.seconds());
  }, ec);
  dial_entry e;
  e.port = "/fake/0";
  e.phone_number = "5550100";
  e.reconnect_if_dropped = true;
  e.redial.pause = 30s;  // the real value, in microseconds of test time
  auto h = w.dial(e);
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.events.back().state == conn_state::connected);
  const auto events_after_connect = w.events.size();
  w.clock->advance(5s);
  {
    std::lock_guard lock(s->mutex);
    s->dcd = false;      // the remote hung up: DCD falls and the modem goes on-hook
    s->online = false;
    s->off_hook = false;
  }
  w.run_until([&] { return events.size() >= 3; });
  {
    std::lock_guard lock(s->mutex);
    s->dcd = true;  // a new call will bring the carrier back
  }
  w.run_until([&] { return events.size() >= 4; });
  REQUIRE(events.size() == 4);
  CHECK(events[1].kind == connection_event_kind::disconnected);
  CHECK(events[1].error == ras_error::remote_disconnection);
  CHECK(events[2].kind == connection_event_kind::reconnecting);
  CHECK(events[3].kind == connection_event_kind::reconnected);
  // The redial waited the 30 s pause; the reset, init and dial take a moment on top.
  CHECK(event_times[3] - event_times[2] >= 30.0);
  CHECK(event_times[3] - event_times[2] < 31.0);
  CHECK(dialled(*s).size() == 2);
  CHECK(w.events.size() == events_after_connect);  // the dial's notifier had its Connected
  connection_status st;
  REQUIRE_FALSE(w.mgr->status(h, st));
  CHECK(st.state == conn_state::connected);
  w.mgr->unsubscribe(sub);
  w.hang_up(h);
}

TEST_CASE("with S7 set, a modem silent after ATD fails at S7 plus dialling time and a margin") {
  // S7=10 and the seven digits of 5550100: the modem would give up 10 s after dialling ends
  // (V.250 S7); our deadline is 10 s + 7 x 200 ms + 15 s = 26.4 s, not the profile's 90 s.
  vt_world w;
  w.factory->script("/fake/0")->reply = [](const std::string& cmd) {
    return cmd.rfind("ATD", 0) == 0 ? std::string() : std::string("\r\nOK\r\n");
  };
  dial_entry e;
  e.port = "/fake/0";
  e.phone_number = "5550100";
  e.profile.call_setup_fail_timer = 10;
  auto h = w.dial(e);
  double atd_at = -1;
  w.run_until([&] {
    if (atd_at < 0) {
      auto s = w.factory->script("/fake/0");
      std::lock_guard lock(s->mutex);
      for (const auto& c : s->commands)
        if (c.rfind("ATD", 0) == 0) atd_at = w.seconds();
    }
    return w.terminal();
  });
  REQUIRE(w.terminal());
  REQUIRE(atd_at >= 0);
  CHECK(w.events.back().state == conn_state::connect_device);
  CHECK(w.events.back().error == ras_error::request_timeout);
  CHECK(w.seconds() - atd_at == doctest::Approx(26.4).epsilon(0.02));
  {
    auto s = w.factory->script("/fake/0");
    std::lock_guard lock(s->mutex);
    bool s7_sent = false;
    for (const auto& c : s->commands) s7_sent = s7_sent || c == "ATS7=10";
    CHECK(s7_sent);
  }
  w.hang_up(h);
}

TEST_CASE("a hang-up the modem never confirms reports 638, and the port is still closed") {
  vt_world w;
  auto h = w.dial("/fake/0");
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.events.back().state == conn_state::connected);
  w.factory->script("/fake/0")->silent = true;  // no OK to +++, none to ATH
  std::error_code result;
  bool retired = false;
  w.mgr->async_hang_up(h, [&](std::error_code ec) {
    result = ec;
    retired = true;
  });
  w.run_until([&] { return retired; });
  REQUIRE(retired);
  CHECK(result == ras_error::request_timeout);
  connection_status st;
  CHECK(w.mgr->status(h, st) == ras_error::invalid_handle);
}

TEST_CASE("a hang-up before the modem was told to go off-hook is confirmed whatever it answers") {
  vt_world w;
  w.factory->script("/fake/0")->silent = true;
  auto h = w.dial("/fake/0");
  w.run_until([&] { return w.terminal(); });
  std::error_code result = ras_error::unknown;
  bool retired = false;
  w.mgr->async_hang_up(h, [&](std::error_code ec) {
    result = ec;
    retired = true;
  });
  w.run_until([&] { return retired; });
  REQUIRE(retired);
  CHECK_FALSE(result);
}

TEST_CASE("an open failure carries what happened in the event's detail and the status") {
  vt_world w;
  w.factory->script("/fake/0")->open_error = "busy";
  auto h = w.dial("/fake/0");
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.terminal());
  CHECK(w.events.back().state == conn_state::open_port);
  CHECK(w.events.back().error == ras_error::port_not_available);
  CHECK(w.events.back().detail.find("cannot open /fake/0: ") == 0);
  CHECK(w.events.back().detail.size() > std::string("cannot open /fake/0: ").size());
  connection_status st;
  if (!w.mgr->status(h, st)) CHECK(st.error_detail == w.events.back().detail);
  w.hang_up(h);
}

TEST_CASE("a server that says it will call back but keeps the line up is hung up on after 15 s, then awaited") {
  vt_world w;
  auto s = w.factory->script("/fake/0");
  s->reply = [](const std::string& cmd) {
    return cmd.rfind("ATD", 0) == 0 ? std::string("\r\nCONNECT 33600\r\nCalling you back.\r\n")
                                    : std::string("\r\nOK\r\n");
  };
  dial_entry e;
  e.port = "/fake/0";
  e.phone_number = "5550104";
  e.login_script = "#dialup: extensions\nCALLBACK 'alling you back'\nTIMEOUT 5\nnever ''\n";
  e.callback_wait = std::chrono::seconds(60);
  std::vector<std::pair<conn_state, double>> reached;  // each state at its virtual time
  std::error_code ec;
  auto h = w.mgr->dial(e, {}, {}, notifier::on_event([&](const dial_event& ev) {
                         w.events.push_back(ev);
                         if (!ev.error) reached.emplace_back(ev.state, w.seconds());
                       }),
                       ec);
  REQUIRE_FALSE(ec);
  w.run_until([&] { return w.terminal(); });
  REQUIRE(w.terminal());
  auto at = [&](conn_state st) -> std::optional<double> {
    for (const auto& [state, t] : reached)
      if (state == st) return t;
    return std::nullopt;
  };
  const auto prepare = at(conn_state::prepare_for_callback);
  const auto reset = at(conn_state::wait_for_modem_reset);
  const auto waiting = at(conn_state::wait_for_callback);
  REQUIRE(prepare);
  REQUIRE(reset);
  REQUIRE(waiting);
  // Nothing ended the first call: our own hang-up came after the 15 s wait.
  CHECK(*reset - *prepare >= 15.0);
  CHECK(*reset - *prepare < 20.0);
  // No RING within the entry's callback wait: 638 in WaitForCallback.
  CHECK(w.events.back().state == conn_state::wait_for_callback);
  CHECK(w.events.back().error == ras_error::request_timeout);
  {
    std::lock_guard lock(s->mutex);
    CHECK(s->escaped);  // the guarded escape (a line without DTR)...
    const auto& c = s->commands;
    auto ath = std::find(c.begin(), c.end(), "ATH");
    REQUIRE(ath != c.end());  // ...then ATH, then the reset and init again, with S0=0
    CHECK(std::find(ath, c.end(), "ATZ") != c.end());
    CHECK(std::find(ath, c.end(), "ATS0=0") != c.end());
  }
  w.hang_up(h);
  CHECK_FALSE(s->is_off_hook());
}

TEST_CASE("connections() may be called from another thread while a redial changes the number dialled") {
  // The entry name of a plain call is "." and the number: it is read under the status lock,
  // never from the strand's own copy (a data race ThreadSanitizer found in the pty soak).
  vt_world w;
  w.factory->script("/fake/0")->reply = [](const std::string& cmd) {
    return cmd.rfind("ATD", 0) == 0 ? std::string("\r\nBUSY\r\n") : std::string("\r\nOK\r\n");
  };
  dial_entry e;
  e.port = "/fake/0";
  e.phone_number = "5550110";
  e.alternates = {"5550111", "5550112"};
  e.redial.attempts = 5;
  e.redial.pause = std::chrono::seconds(1);
  auto h = w.dial(e);
  std::atomic<bool> done{false};
  std::set<std::string> names;
  std::thread poller([&] {
    while (!done.load()) {
      for (const auto& c : w.mgr->connections()) names.insert(c.entry_name);
      std::this_thread::yield();
    }
  });
  w.run_until([&] { return w.terminal(); });
  done = true;
  poller.join();
  REQUIRE(w.terminal());
  CHECK(w.events.back().error == ras_error::line_busy);
  for (const auto& n : names) CHECK((n == ".5550110" || n == ".5550111" || n == ".5550112"));
  w.hang_up(h);
}
