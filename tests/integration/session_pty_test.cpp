// A connection's whole life over real ptys against hw-sim: paused states and resuming,
// callback, reconnect after a dropped carrier, and classic chat scripts run unchanged.
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "dialup/engine/connection_manager.hpp"
#include "dialup/engine/data_stream.hpp"
#include "support/dial_caller.hpp"
#include "support/pty_world.hpp"

using namespace dialup;
namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::caller;
using test::engine_world;
using test::entry_for;
using test::good_call;
using test::hang_up_and_wait;
using test::sim_world;

namespace {

// "has expired", not "expired": the service echoes the login name, and the account that
// expires is called "expired".
const std::string login_script = R"(ABORT incorrect
ABORT 'has expired'
ogin: \U
assword: \P
"logged in" "")";

dial_params credentials(const std::string& user, const std::string& password) {
  dial_params p;
  p.user_name = user;
  p.password = password;
  return p;
}

dial_extensions paused_states() {
  dial_extensions x;
  x.options = rdeopt_paused_states;
  return x;
}

// Reads from the stream until `text` has arrived (or the limit).
std::string read_until(data_stream& stream, caller& c, const std::string& text,
                       std::chrono::seconds limit = 5s) {
  auto got = std::make_shared<std::string>();
  auto buf = std::make_shared<std::array<char, 256>>();
  auto failed = std::make_shared<bool>(false);
  std::function<void()> more = [&stream, got, buf, failed, text, &more] {
    stream.async_read_some(asio::buffer(*buf), [&more, got, buf, failed, text](boost::system::error_code ec,
                                                                                std::size_t n) {
      if (ec) {
        *failed = true;
        return;
      }
      got->append(buf->data(), n);
      if (got->find(text) == std::string::npos) more();
    });
  };
  more();
  c.run_until([&] { return *failed || got->find(text) != std::string::npos; }, limit);
  return *got;
}

void write_all(data_stream& stream, caller& c, const std::string& text) {
  bool done = false;
  asio::async_write(stream, asio::buffer(text), [&](boost::system::error_code, std::size_t) { done = true; });
  c.run_until([&] { return done; });
}

// Writes `text` over the connection and whether it comes back (the echo services).
bool echoes(connection_manager& mgr, connection_handle h, caller& c, const std::string& text) {
  data_stream stream(mgr, h, c.io.get_executor());
  write_all(stream, c, text);
  return read_until(stream, c, text).find(text) != std::string::npos;
}

// Every connection event of the engine, appended to `events` on the caller's loop.
void record_events(connection_manager& mgr, std::vector<connection_event>& events) {
  std::error_code ec;
  mgr.subscribe({}, [&events](const connection_event& ev) { events.push_back(ev); }, ec);
  REQUIRE_FALSE(ec);
}

}  // namespace

TEST_CASE("a refused login pauses in RetryAuthentication; resuming with the right password connects") {
  sim_world w(1);
  engine_world e;
  caller c;
  auto entry = entry_for(*w.sim, 0, "5550102");
  entry.login_script = login_script;
  std::error_code ec;
  auto h = e.mgr->dial(entry, credentials("demo", "wrong-secret"), paused_states(), c.events_notifier(), ec);
  REQUIRE_FALSE(ec);
  REQUIRE(c.run_until([&] { return c.last().state == conn_state::retry_authentication || c.last().error; }));
  CHECK(c.last().state == conn_state::retry_authentication);
  CHECK_FALSE(c.last().error);  // a paused state is not a failure
  connection_status st;
  REQUIRE_FALSE(e.mgr->status(h, st));
  CHECK(st.state == conn_state::retry_authentication);
  CHECK(w.sim->off_hook(0));  // the call stays up while the caller finds the password

  // Resuming a dial that is not paused is refused; a callback number that could break the
  // script's line is refused too.
  dial_params bad = credentials("demo", "demo");
  bad.callback_number = "555\r\nATH";
  CHECK(e.mgr->dial(h, bad) == ras_error::invalid_callback_number);

  const auto before = c.events.size();
  REQUIRE_FALSE(e.mgr->dial(h, credentials("demo", "demo")));
  c.run();
  const auto all = c.states();
  const std::vector<conn_state> after(all.begin() + static_cast<long>(before), all.end());
  const std::vector<conn_state> expected = {conn_state::connect_device, conn_state::device_connected,
                                            conn_state::all_devices_connected, conn_state::connected};
  CHECK(after == expected);
  for (const auto& ev : c.events) CHECK_FALSE(ev.error);
  CHECK(e.mgr->dial(h, credentials("demo", "demo")) == ras_error::dial_already_in_progress);

  // Logged in: the service echoes.
  CHECK(echoes(*e.mgr, h, c, "after the retry\r\n"));
  hang_up_and_wait(*e.mgr, h, c);
  CHECK_FALSE(w.sim->off_hook(0));
  // Neither password ever reached the log.
  CHECK_FALSE(e.logged("wrong-secret"));
  CHECK(e.logged("********"));
}

TEST_CASE("a synchronous dial returns at a paused state, and its resume returns at Connected") {
  sim_world w(1);
  engine_world e;
  auto entry = entry_for(*w.sim, 0, "5550102");
  entry.login_script = login_script;
  connection_handle h;
  std::error_code first, second;
  connection_status paused_status;
  std::thread t([&] {  // a thread with no loop at all
    h = e.mgr->dial(entry, credentials("demo", "nope"), paused_states(), notifier{}, first);
    e.mgr->status(h, paused_status);
    second = e.mgr->dial(h, credentials("demo", "demo"));
  });
  t.join();
  CHECK_FALSE(first);
  CHECK(paused_status.state == conn_state::retry_authentication);
  CHECK_FALSE(second);
  connection_status st;
  REQUIRE_FALSE(e.mgr->status(h, st));
  CHECK(st.state == conn_state::connected);
  caller c;
  hang_up_and_wait(*e.mgr, h, c);
}

TEST_CASE("a terminal step pauses in Interactive: the caller logs in by hand, then resumes") {
  sim_world w(1);
  engine_world e;
  caller c;
  auto entry = entry_for(*w.sim, 0, "5550102");
  entry.terminal_after_dial = true;

  SUBCASE("without paused states the dial fails with 703") {
    std::error_code ec;
    auto h = e.mgr->dial(entry, {}, {}, c.events_notifier(), ec);
    c.run();
    CHECK(c.last().error == ras_error::interactive_mode);
    hang_up_and_wait(*e.mgr, h, c);
    CHECK_FALSE(w.sim->off_hook(0));
  }
  SUBCASE("with paused states") {
    std::error_code ec;
    auto h = e.mgr->dial(entry, {}, paused_states(), c.events_notifier(), ec);
    REQUIRE(c.run_until([&] { return c.last().state == conn_state::interactive || c.last().error; }));
    const std::vector<conn_state> expected = {
        conn_state::open_port,      conn_state::port_opened, conn_state::connect_device,
        conn_state::device_connected, conn_state::connect_device, conn_state::interactive};
    CHECK(c.states() == expected);
    {
      data_stream terminal(*e.mgr, h, c.io.get_executor());
      CHECK(read_until(terminal, c, "login: ").find("login: ") != std::string::npos);
      write_all(terminal, c, "demo\r");
      CHECK(read_until(terminal, c, "Password: ").find("Password: ") != std::string::npos);
      write_all(terminal, c, "demo\r");
      CHECK(read_until(terminal, c, "logged in").find("logged in") != std::string::npos);
    }
    REQUIRE_FALSE(e.mgr->dial(h, dial_params{}));
    c.run();
    CHECK(c.last().state == conn_state::connected);
    CHECK_FALSE(c.last().error);
    CHECK(echoes(*e.mgr, h, c, "typed after resume\r\n"));
    hang_up_and_wait(*e.mgr, h, c);
    CHECK_FALSE(w.sim->off_hook(0));
  }
}

TEST_CASE("a carrier drop at 10 s gives Disconnected 629, then an automatic reconnect when asked") {
  sim_world w(1);
  engine_world e;
  caller c;
  std::vector<connection_event> events;
  std::error_code ec;
  record_events(*e.mgr, events);
  auto entry = entry_for(*w.sim, 0, "5550140");  // answers, drops the carrier after 10 s
  entry.reconnect_if_dropped = true;
  entry.redial.pause = 0s;
  auto h = e.mgr->dial(entry, {}, {}, c.events_notifier(), ec);
  c.run();
  REQUIRE(c.states() == good_call);  // the dial's own notifications end at Connected
  const auto connected_at = std::chrono::steady_clock::now();

  REQUIRE(c.run_until([&] { return events.size() >= 2; }, 10s));
  const auto dropped_after = std::chrono::steady_clock::now() - connected_at;
  CHECK(events[0].kind == connection_event_kind::connected);
  CHECK(events[1].kind == connection_event_kind::disconnected);
  CHECK(events[1].error == ras_error::remote_disconnection);
  // 10 s of simulated time at the test's time scale (and never much earlier).
  CHECK(dropped_after >= std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                             10s * test::time_scale * 0.8));

  REQUIRE(c.run_until([&] { return events.size() >= 4; }, 10s));
  CHECK(events[2].kind == connection_event_kind::reconnecting);
  CHECK(events[3].kind == connection_event_kind::reconnected);
  connection_status st;
  REQUIRE_FALSE(e.mgr->status(h, st));
  CHECK(st.state == conn_state::connected);
  CHECK_FALSE(st.error);
  CHECK(st.connect_rate == 33600);
  CHECK(c.states() == good_call);  // nothing more went to the dial's notifier
  hang_up_and_wait(*e.mgr, h, c);
  CHECK_FALSE(w.sim->off_hook(0));
}

TEST_CASE("a reconnect that cannot get through tells subscribers why") {
  sim_world w(1);
  engine_world e;
  caller c;
  std::vector<connection_event> events;
  std::error_code ec;
  record_events(*e.mgr, events);
  auto entry = entry_for(*w.sim, 0, "5550100");
  entry.reconnect_if_dropped = true;
  entry.redial.pause = 0s;
  entry.redial.attempts = 1;
  auto h = e.mgr->dial(entry, {}, {}, c.events_notifier(), ec);
  c.run();
  REQUIRE(c.states() == good_call);
  w.sim->set_dial_tone(0, false);  // the line is dead by the time it is redialled
  w.sim->drop_carrier(0);
  REQUIRE(c.run_until([&] { return events.size() >= 4; }, 10s));
  CHECK(events[1].kind == connection_event_kind::disconnected);
  CHECK(events[2].kind == connection_event_kind::reconnecting);
  CHECK(events[3].kind == connection_event_kind::disconnected);
  CHECK(events[3].error == ras_error::no_dialtone);
  connection_status st;
  REQUIRE_FALSE(e.mgr->status(h, st));
  CHECK(st.error == ras_error::no_dialtone);
  hang_up_and_wait(*e.mgr, h, c);
  CHECK_FALSE(w.sim->off_hook(0));
}

namespace {
// /etc/chatscripts/pap as Debian's ppp package installs it, byte for byte.
const std::string debian_pap = R"(# You can use this script unmodified to connect to sites which allow
# authentication via PAP, CHAP and similar protocols.
# This script can be shared among different pppd peer configurations.
# To use it, add something like this to your /etc/ppp/peers/ file:
#
# connect "/usr/sbin/chat -v -f /etc/chatscripts/pap -T PHONE-NUMBER"
# user YOUR-USERNAME-IN-PAP-SECRETS
# noauth

# Uncomment the following line to see the connect speed.
# It will be logged to stderr or to the file specified with the -r chat option.
#REPORT		CONNECT

ABORT		BUSY
ABORT		VOICE
ABORT		"NO CARRIER"
ABORT		"NO DIALTONE"
ABORT		"NO DIAL TONE"
""		ATZ
OK		ATDT\T
CONNECT		""

)";

// The classic terminal-login dial script of the pre-PPP days: the modem dialogue and the
// login in one file, user name and password written in it.
const std::string classic_login = R"(TIMEOUT 60
ABORT BUSY
ABORT 'NO CARRIER'
ABORT 'NO DIALTONE'
ABORT ERROR
ABORT incorrect
'' 'ATZ'
OK 'ATDT5550102'
CONNECT ''
ogin:--ogin: demo
assword: demo
'logged in' ''
)";
}  // namespace

TEST_CASE("classic chat dial scripts run unchanged as the dialer") {
  sim_world w(1);
  engine_world e;
  caller c;
  if (std::ifstream installed("/etc/chatscripts/pap"); installed) {
    std::stringstream text;
    text << installed.rdbuf();
    CHECK(text.str() == debian_pap);  // the copy here is the real file
  }

  SUBCASE("Debian's /etc/chatscripts/pap dials and connects") {
    auto entry = entry_for(*w.sim, 0, "5550100");
    entry.dial_script = debian_pap;
    std::error_code ec;
    auto h = e.mgr->dial(entry, {}, {}, c.events_notifier(), ec);
    REQUIRE_FALSE(ec);
    c.run();
    CHECK(c.states() == good_call);
    for (const auto& ev : c.events) CHECK_FALSE(ev.error);
    CHECK(w.sim->mode(0) == hwsim::modem_mode::online_data);
    connection_status st;
    REQUIRE_FALSE(e.mgr->status(h, st));
    CHECK(st.connect_rate == 33600);  // read from the CONNECT line the script saw
    CHECK(st.connect_text == "CONNECT 33600");
    CHECK(echoes(*e.mgr, h, c, "through a chat-dialled line\r\n"));
    hang_up_and_wait(*e.mgr, h, c);
    CHECK_FALSE(w.sim->off_hook(0));
  }
  SUBCASE("its ABORT BUSY gives 676") {
    auto entry = entry_for(*w.sim, 0, "5550110");
    entry.dial_script = debian_pap;
    std::error_code ec;
    auto h = e.mgr->dial(entry, {}, {}, c.events_notifier(), ec);
    c.run();
    CHECK(c.last().state == conn_state::connect_device);
    CHECK(c.last().error == ras_error::line_busy);
    hang_up_and_wait(*e.mgr, h, c);
    CHECK_FALSE(w.sim->off_hook(0));
  }
  SUBCASE("its BUSY is redialled on the alternate by the entry's rules") {
    auto entry = entry_for(*w.sim, 0, "5550110");
    entry.alternates = {"5550100"};
    entry.redial.attempts = 1;
    entry.redial.pause = 0s;
    entry.dial_script = debian_pap;
    std::error_code ec;
    auto h = e.mgr->dial(entry, {}, {}, c.events_notifier(), ec);
    c.run();
    CHECK(c.last().state == conn_state::connected);
    CHECK(c.last().attempt == 2);
    hang_up_and_wait(*e.mgr, h, c);
  }
  SUBCASE("a script that dials and logs in by itself") {
    auto entry = entry_for(*w.sim, 0, "5550102");  // the script dials its own number
    entry.dial_script = classic_login;
    std::error_code ec;
    auto h = e.mgr->dial(entry, {}, {}, c.events_notifier(), ec);
    c.run();
    CHECK(c.states() == good_call);
    CHECK(echoes(*e.mgr, h, c, "hello\r\n"));
    hang_up_and_wait(*e.mgr, h, c);
    CHECK_FALSE(w.sim->off_hook(0));
  }
}

namespace {
const std::string callback_login = R"(#dialup: extensions
ABORT incorrect
CALLBACK 'alling you back'
ogin: \U
assword: \P
'allback number:' \B
'logged in' '')";

// After the call back, the server asks for the login again but not for a number.
const std::string after_callback = R"(ABORT incorrect
ogin: \U
assword: \P
'logged in' '')";

const std::vector<conn_state> callback_tail = {
    conn_state::prepare_for_callback, conn_state::wait_for_modem_reset,
    conn_state::wait_for_callback,    conn_state::re_authenticate,
    conn_state::authenticated,        conn_state::all_devices_connected,
    conn_state::connected};

std::vector<conn_state> tail(const std::vector<conn_state>& all, std::size_t n) {
  return n > all.size() ? all : std::vector<conn_state>(all.end() - static_cast<long>(n), all.end());
}
}  // namespace

TEST_CASE("callback: the server hangs up and calls back; the call is answered and logged in again") {
  sim_world w(1);
  engine_world e;
  caller c;
  auto entry = entry_for(*w.sim, 0, "5550104");
  entry.login_script = callback_login;
  entry.callback_script = after_callback;
  const std::string own = hwsim::exchange::own_number(0);

  SUBCASE("with the number given up front") {
    auto p = credentials("demo", "demo");
    p.callback_number = own;
    std::error_code ec;
    auto h = e.mgr->dial(entry, p, {}, c.events_notifier(), ec);
    REQUIRE_FALSE(ec);
    c.run(30s);
    const std::vector<conn_state> head = {conn_state::open_port, conn_state::port_opened,
                                          conn_state::connect_device, conn_state::device_connected,
                                          conn_state::connect_device};
    auto states = c.states();
    REQUIRE(states.size() == head.size() + callback_tail.size());
    CHECK(std::vector<conn_state>(states.begin(), states.begin() + 5) == head);
    CHECK(tail(states, callback_tail.size()) == callback_tail);
    for (const auto& ev : c.events) CHECK_FALSE(ev.error);
    // The second call is the server's: our modem answered it.
    CHECK(echoes(*e.mgr, h, c, "on the call back\r\n"));
    hang_up_and_wait(*e.mgr, h, c);
    CHECK_FALSE(w.sim->off_hook(0));
  }
  SUBCASE("set by the caller in the paused state CallbackSetByCaller") {
    auto p = credentials("demo", "demo");
    p.callback_number = "*";
    std::error_code ec;
    auto h = e.mgr->dial(entry, p, paused_states(), c.events_notifier(), ec);
    REQUIRE(c.run_until([&] { return c.last().state == conn_state::callback_set_by_caller || c.last().error; }));
    CHECK(c.last().state == conn_state::callback_set_by_caller);
    CHECK(e.mgr->dial(h, p) == ras_error::bad_callback_number);  // "*" again is no answer
    p.callback_number = own;
    REQUIRE_FALSE(e.mgr->dial(h, p));
    c.run(30s);
    CHECK(tail(c.states(), callback_tail.size()) == callback_tail);
    CHECK_FALSE(c.last().error);
    hang_up_and_wait(*e.mgr, h, c);
    CHECK_FALSE(w.sim->off_hook(0));
  }
  SUBCASE("\"*\" without paused states is error 704") {
    auto p = credentials("demo", "demo");
    p.callback_number = "*";
    std::error_code ec;
    auto h = e.mgr->dial(entry, p, {}, c.events_notifier(), ec);
    c.run();
    CHECK(c.last().error == ras_error::bad_callback_number);
    hang_up_and_wait(*e.mgr, h, c);
    CHECK_FALSE(w.sim->off_hook(0));
  }
  SUBCASE("a server that never calls back: the wait ends with 638 and the modem is on-hook") {
    entry.callback_wait = 1s;
    auto p = credentials("demo", "demo");
    p.callback_number = "5550199";  // the server calls it back, but it reaches no modem of ours
    std::error_code ec;
    auto h = e.mgr->dial(entry, p, {}, c.events_notifier(), ec);
    c.run(30s);
    CHECK(c.last().state == conn_state::wait_for_callback);
    CHECK(c.last().error == ras_error::request_timeout);
    hang_up_and_wait(*e.mgr, h, c);
    CHECK_FALSE(w.sim->off_hook(0));
  }
}

TEST_CASE("an expired password pauses in PasswordExpired; the new one is set by the change script") {
  sim_world w(1);
  engine_world e;
  caller c;
  auto entry = entry_for(*w.sim, 0, "5550102");
  entry.login_script = login_script;

  SUBCASE("without paused states the dial fails with 648") {
    std::error_code ec;
    auto h = e.mgr->dial(entry, credentials("expired", "old"), {}, c.events_notifier(), ec);
    c.run();
    CHECK(c.last().error == ras_error::passwd_expired);
    hang_up_and_wait(*e.mgr, h, c);
  }
  SUBCASE("with paused states, resumed with a new password") {
    std::error_code ec;
    auto h = e.mgr->dial(entry, credentials("expired", "old"), paused_states(), c.events_notifier(), ec);
    REQUIRE(c.run_until([&] { return c.last().state == conn_state::password_expired || c.last().error; }));
    CHECK(c.last().state == conn_state::password_expired);
    CHECK_FALSE(c.last().error);
    REQUIRE_FALSE(e.mgr->dial(h, credentials("expired", "n3w-secret")));
    c.run();
    CHECK(c.last().state == conn_state::connected);
    CHECK_FALSE(c.last().error);
    data_stream stream(*e.mgr, h, c.io.get_executor());
    CHECK(read_until(stream, c, "logged in").find("Password changed") != std::string::npos);
    hang_up_and_wait(*e.mgr, h, c);
    CHECK_FALSE(e.logged("n3w-secret"));

    // The server took it: the next call logs in with the new password at once.
    caller c2;
    auto h2 = e.mgr->dial(entry, credentials("expired", "n3w-secret"), paused_states(), c2.events_notifier(), ec);
    c2.run();
    CHECK(c2.last().state == conn_state::connected);
    hang_up_and_wait(*e.mgr, h2, c2);
  }
}

TEST_CASE("hanging up a paused dial ends it with 631 and puts the modem on-hook") {
  sim_world w(1);
  engine_world e;
  caller c;
  auto entry = entry_for(*w.sim, 0, "5550102");
  entry.login_script = login_script;
  std::error_code ec;
  auto h = e.mgr->dial(entry, credentials("demo", "wrong"), paused_states(), c.events_notifier(), ec);
  REQUIRE(c.run_until([&] { return c.last().state == conn_state::retry_authentication || c.last().error; }));
  REQUIRE(w.sim->off_hook(0));
  hang_up_and_wait(*e.mgr, h, c);
  CHECK(c.last().state == conn_state::disconnected);
  CHECK(c.last().error == ras_error::user_disconnection);
  CHECK_FALSE(w.sim->off_hook(0));
  CHECK(e.mgr->dial(h, credentials("demo", "demo")) == ras_error::invalid_handle);
}

TEST_CASE("a peer that floods the line: the login script times out and the hang-up still works") {
  sim_world w(1);
  hwsim::number_entry flood;
  flood.number = "5550160";
  flood.kind = hwsim::service_kind::program;
  flood.program = "yes 'flood flood flood flood flood flood flood flood'";
  w.sim->add_number(flood);
  engine_world e;
  caller c;
  auto entry = entry_for(*w.sim, 0, "5550160");
  entry.login_script = "TIMEOUT 2\nogin: \\U\n";
  std::error_code ec;
  auto h = e.mgr->dial(entry, credentials("demo", "demo"), {}, c.events_notifier(), ec);
  REQUIRE_FALSE(ec);
  c.run();
  CHECK(c.last().state == conn_state::connect_device);
  CHECK(c.last().error == ras_error::request_timeout);
  hang_up_and_wait(*e.mgr, h, c);
  CHECK_FALSE(w.sim->off_hook(0));
}

TEST_CASE("a reconnect that reaches a paused state tells subscribers, and resuming it reconnects") {
  sim_world w(1);
  engine_world e;
  caller c;
  std::vector<connection_event> events;
  std::error_code ec;
  record_events(*e.mgr, events);
  auto entry = entry_for(*w.sim, 0, "5550140");  // the carrier drops after 10 s
  entry.terminal_after_dial = true;
  entry.reconnect_if_dropped = true;
  entry.redial.pause = 0s;
  auto h = e.mgr->dial(entry, {}, paused_states(), c.events_notifier(), ec);
  REQUIRE(c.run_until([&] { return c.last().state == conn_state::interactive; }));
  REQUIRE_FALSE(e.mgr->dial(h, dial_params{}));
  c.run();
  REQUIRE(c.last().state == conn_state::connected);
  REQUIRE(c.run_until([&] { return events.size() >= 4; }, 10s));
  CHECK(events[1].kind == connection_event_kind::disconnected);
  CHECK(events[2].kind == connection_event_kind::reconnecting);
  CHECK(events[3].kind == connection_event_kind::paused);
  CHECK(events[3].state == conn_state::interactive);
  REQUIRE_FALSE(e.mgr->dial(h, dial_params{}));
  REQUIRE(c.run_until([&] { return events.size() >= 5; }, 10s));
  CHECK(events[4].kind == connection_event_kind::reconnected);
  hang_up_and_wait(*e.mgr, h, c);
  CHECK_FALSE(w.sim->off_hook(0));
}

TEST_CASE("a USB modem unplugged mid-call and plugged back in: the reconnect opens it again and redials") {
  const std::string prefix = "/tmp/dialup-session-test-" + std::to_string(::getpid()) + "-";
  sim_world w(1, "generic", prefix);
  engine_world e;
  caller c;
  std::vector<connection_event> events;
  std::error_code ec;
  record_events(*e.mgr, events);
  auto entry = entry_for(*w.sim, 0, "5550100");
  entry.port = w.sim->link_path(0);  // the stable name, as a udev rule gives a USB modem
  entry.reconnect_if_dropped = true;
  entry.redial.pause = 1s;
  entry.redial.attempts = 10;
  auto h = e.mgr->dial(entry, {}, {}, c.events_notifier(), ec);
  c.run();
  REQUIRE(c.states() == good_call);

  w.sim->vanish(0);
  REQUIRE(c.run_until([&] { return events.size() >= 3; }, 10s));
  CHECK(events[1].kind == connection_event_kind::disconnected);
  CHECK(events[1].error == ras_error::hardware_failure);
  CHECK(events[2].kind == connection_event_kind::reconnecting);
  CHECK(events[2].error == ras_error::hardware_failure);
  // Still unplugged when the first reopen comes (after the 1 s pause): it fails, and the
  // next one, a pause later, finds the modem back.
  const auto unplugged = std::chrono::steady_clock::now();
  c.run_until([&] { return std::chrono::steady_clock::now() - unplugged > 1500ms; }, 5s);
  w.sim->reappear(0);
  REQUIRE(c.run_until([&] { return events.size() >= 4; }, 10s));
  CHECK(events[3].kind == connection_event_kind::reconnected);
  CHECK(e.logged("cannot open"));
  connection_status st;
  REQUIRE_FALSE(e.mgr->status(h, st));
  CHECK(st.state == conn_state::connected);
  CHECK(echoes(*e.mgr, h, c, "back after the replug\r\n"));
  hang_up_and_wait(*e.mgr, h, c);
  CHECK_FALSE(w.sim->off_hook(0));

  // The port is free again under its name: a new dial can have it.
  caller c2;
  auto h2 = e.mgr->dial(entry, {}, {}, c2.events_notifier(), ec);
  c2.run();
  CHECK(c2.last().state == conn_state::connected);
  hang_up_and_wait(*e.mgr, h2, c2);
}
