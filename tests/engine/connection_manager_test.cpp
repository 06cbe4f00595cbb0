#include "dialup/engine/connection_manager.hpp"

#include <doctest/doctest.h>
#include <poll.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "dialup/engine/chat_script.hpp"
#include "dialup/engine/data_stream.hpp"
#include "dialup/engine/event_loop.hpp"
#include "support/dial_caller.hpp"
#include "support/fake_modem.hpp"

using namespace dialup;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

modem_profile fast_profile() {
  auto p = modem_profile::generic();
  p.escape_guard = 30ms;
  p.command_timeout = 150ms;
  p.reset_timeout = 150ms;
  p.connect_timeout = 400ms;
  p.resync_quiet = 20ms;
  p.dtr_drop_time = 20ms;
  return p;
}

dial_entry entry_on(const std::string& port, const std::string& number = "5550100") {
  dial_entry e;
  e.port = port;
  e.phone_number = number;
  e.profile = fast_profile();
  return e;
}

struct fixture {
  std::shared_ptr<test::fake_factory> factory = std::make_shared<test::fake_factory>();
  std::unique_ptr<connection_manager> mgr;
  fixture() {
    engine_options o;
    o.transports = factory;
    mgr = std::make_unique<connection_manager>(std::move(o));
  }
};

// A manager whose log lines the test reads.
struct logged_fixture {
  std::shared_ptr<test::fake_factory> factory = std::make_shared<test::fake_factory>();
  std::shared_ptr<std::mutex> mutex = std::make_shared<std::mutex>();
  std::shared_ptr<std::vector<std::string>> lines = std::make_shared<std::vector<std::string>>();
  std::unique_ptr<connection_manager> mgr;
  logged_fixture() {
    engine_options o;
    o.transports = factory;
    o.log = [lines = lines, mutex = mutex](log_level, std::string_view text) {
      std::lock_guard lock(*mutex);
      lines->emplace_back(text);
    };
    mgr = std::make_unique<connection_manager>(std::move(o));
  }
  bool logged(std::string_view text) {
    std::lock_guard lock(*mutex);
    return std::find(lines->begin(), lines->end(), text) != lines->end();
  }
  // Dials `e`; true when dial() refused it with 752 before any port work.
  bool refused_as_syntax_error(const dial_entry& e) {
    test::caller c;
    std::error_code ec;
    auto h = mgr->dial(e, {}, {}, c.events_notifier(), ec);
    return ec == ras_error::script_syntax && !h && factory->opened() == 0;
  }
};

// A dial script that only a lenient parse accepts: dial() parses strictly, and a keyword with
// no argument (the trailing TIMEOUT) is then a syntax error; chat ignores it.
constexpr const char* lenient_dial_script = "'' AT OK ATDT\\T CONNECT '' TIMEOUT\n";
constexpr const char* lenient_dial_script_error =
    "refused dial: dial script line 1, column 28: TIMEOUT needs an argument";

using test::caller;
using test::good_call;
using test::hang_up_and_wait;

}  // namespace

TEST_CASE("an asynchronous dial reports every state in order on the caller's thread") {
  fixture f;
  caller c;
  std::error_code ec;
  auto h = f.mgr->dial(entry_on("/fake/0"), {}, {}, c.events_notifier(), ec);
  REQUIRE_FALSE(ec);
  REQUIRE(h);
  CHECK(c.events.empty());  // nothing runs inside dial()
  c.run();
  CHECK(c.states() == good_call);
  for (const auto& e : c.events) CHECK_FALSE(e.error);
  for (auto id : c.threads) CHECK(id == std::this_thread::get_id());
  connection_status st;
  REQUIRE_FALSE(f.mgr->status(h, st));
  CHECK(st.state == conn_state::connected);
  CHECK(st.connect_rate == 33600);
  CHECK(st.device_name == "/fake/0");
  CHECK(st.phone_number == "5550100");
  auto cmds = f.factory->script("/fake/0")->snapshot_commands();
  REQUIRE(cmds.size() == 3);
  CHECK(cmds[0] == "ATZ");
  CHECK(cmds[2] == "ATDT5550100");
  hang_up_and_wait(*f.mgr, h, c);
  auto s = f.factory->script("/fake/0");
  CHECK(s->escaped);
  CHECK_FALSE(s->is_off_hook());
  CHECK(s->snapshot_commands().back() == "ATH");
}

TEST_CASE("BUSY from the modem fails the dial with 676 in state ConnectDevice") {
  fixture f;
  f.factory->script("/fake/0")->reply = [](const std::string& cmd) {
    return cmd.rfind("ATD", 0) == 0 ? "\r\nBUSY\r\n" : "\r\nOK\r\n";
  };
  caller c;
  std::error_code ec;
  auto h = f.mgr->dial(entry_on("/fake/0"), {}, {}, c.events_notifier(), ec);
  c.run();
  REQUIRE(c.events.size() == 4);
  CHECK(c.events.back().state == conn_state::connect_device);
  CHECK(c.events.back().error == ras_error::line_busy);
  connection_status st;
  REQUIRE_FALSE(f.mgr->status(h, st));  // the handle lives until hung up
  CHECK(st.error == ras_error::line_busy);
  hang_up_and_wait(*f.mgr, h, c);
}

TEST_CASE("each modem failure code maps to its RAS error") {
  const std::vector<std::pair<std::string, ras_error>> cases = {
      {"NO ANSWER", ras_error::no_answer},   {"NO CARRIER", ras_error::no_carrier},
      {"NO DIALTONE", ras_error::no_dialtone}, {"NO DIAL TONE", ras_error::no_dialtone},
      {"VOICE", ras_error::voice_answer},    {"ERROR", ras_error::from_device},
      {"BLACKLISTED", ras_error::blocked},   {"DELAYED", ras_error::temp_failure},
  };
  for (const auto& [reply, err] : cases) {
    INFO(reply);
    fixture f;
    f.factory->script("/fake/0")->reply = [r = reply](const std::string& cmd) {
      return cmd.rfind("ATD", 0) == 0 ? "\r\n" + r + "\r\n" : std::string("\r\nOK\r\n");
    };
    caller c;
    std::error_code ec;
    auto h = f.mgr->dial(entry_on("/fake/0"), {}, {}, c.events_notifier(), ec);
    c.run();
    REQUIRE_FALSE(c.events.empty());
    CHECK(c.events.back().state == conn_state::connect_device);
    CHECK(c.events.back().error == err);
    hang_up_and_wait(*f.mgr, h, c);
  }
}

TEST_CASE("ERROR to an init command fails with 651 in ConnectDevice") {
  fixture f;
  f.factory->script("/fake/0")->reply = [](const std::string& cmd) {
    return cmd == "ATZ" ? "\r\nOK\r\n" : "\r\nERROR\r\n";
  };
  caller c;
  std::error_code ec;
  auto h = f.mgr->dial(entry_on("/fake/0"), {}, {}, c.events_notifier(), ec);
  c.run();
  CHECK(c.events.back().error == ras_error::from_device);
  CHECK(c.events.back().state == conn_state::connect_device);
  hang_up_and_wait(*f.mgr, h, c);
}

TEST_CASE("a modem that never answers fails with a timeout error, not a hang") {
  fixture f;
  f.factory->script("/fake/0")->silent = true;
  caller c;
  std::error_code ec;
  auto t0 = std::chrono::steady_clock::now();
  auto h = f.mgr->dial(entry_on("/fake/0"), {}, {}, c.events_notifier(), ec);
  c.run();
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  REQUIRE_FALSE(c.events.empty());
  CHECK(c.events.back().error == ras_error::request_timeout);
  CHECK(c.events.back().state == conn_state::connect_device);
  hang_up_and_wait(*f.mgr, h, c);
}

TEST_CASE("a port that cannot be opened fails in OpenPort") {
  fixture f;
  f.factory->script("/fake/missing")->open_fails = true;
  f.factory->script("/fake/busy")->open_error = "busy";
  for (auto [port, err] : {std::pair{"/fake/missing", ras_error::port_not_found},
                           std::pair{"/fake/busy", ras_error::port_not_available}}) {
    caller c;
    std::error_code ec;
    auto h = f.mgr->dial(entry_on(port), {}, {}, c.events_notifier(), ec);
    c.run();
    REQUIRE(c.events.size() == 2);
    CHECK(c.events[0].state == conn_state::open_port);
    CHECK(c.events[1].state == conn_state::open_port);
    CHECK(c.events[1].error == err);
    hang_up_and_wait(*f.mgr, h, c);
  }
}

TEST_CASE("a second dial on a port in use fails with 602 and leaves the first untouched") {
  fixture f;
  caller c;
  std::error_code ec;
  auto first = f.mgr->dial(entry_on("/fake/0"), {}, {}, c.events_notifier(), ec);
  c.run();
  REQUIRE(c.states() == good_call);
  caller c2;
  auto second = f.mgr->dial(entry_on("/fake/0"), {}, {}, c2.events_notifier(), ec);
  c2.run();
  REQUIRE(c2.events.size() == 2);
  CHECK(c2.events[1].error == ras_error::port_already_open);
  connection_status st;
  REQUIRE_FALSE(f.mgr->status(first, st));
  CHECK(st.state == conn_state::connected);
  CHECK_FALSE(st.error);
  CHECK(f.factory->opened() == 1);
  hang_up_and_wait(*f.mgr, second, c2);
  REQUIRE_FALSE(f.mgr->status(first, st));
  CHECK(st.state == conn_state::connected);
  hang_up_and_wait(*f.mgr, first, c);
}

TEST_CASE("a synchronous dial from a thread with no loop blocks until connected") {
  fixture f;
  std::error_code ec;
  connection_handle h;
  std::thread t([&] { h = f.mgr->dial(entry_on("/fake/0"), {}, ec); });
  t.join();
  CHECK_FALSE(ec);
  REQUIRE(h);
  connection_status st;
  REQUIRE_FALSE(f.mgr->status(h, st));
  CHECK(st.state == conn_state::connected);
  CHECK_FALSE(f.mgr->hang_up(h));
  CHECK(f.mgr->wait_retired(h, 3s));
}

TEST_CASE("a synchronous dial that fails returns the error and a handle to hang up") {
  fixture f;
  f.factory->script("/fake/0")->reply = [](const std::string& cmd) {
    return cmd.rfind("ATD", 0) == 0 ? "\r\nNO CARRIER\r\n" : "\r\nOK\r\n";
  };
  std::error_code ec;
  auto h = f.mgr->dial(entry_on("/fake/0"), {}, ec);
  CHECK(ec == ras_error::no_carrier);
  REQUIRE(h);
  CHECK_FALSE(f.mgr->hang_up(h));
  CHECK(f.mgr->wait_retired(h, 3s));
}

TEST_CASE("a dial string with commands in it is refused before any port work") {
  fixture f;
  caller c;
  std::error_code ec;
  auto h = f.mgr->dial(entry_on("/fake/0", "5550100;ATH1"), {}, {}, c.events_notifier(), ec);
  CHECK(ec == ras_error::bad_phone_number);
  CHECK_FALSE(h);
  CHECK(f.factory->opened() == 0);
  dial_params p;
  p.phone_number = "555\r\nATZ";
  h = f.mgr->dial(entry_on("/fake/0"), p, {}, c.events_notifier(), ec);
  CHECK(ec == ras_error::bad_phone_number);
  CHECK(f.factory->opened() == 0);
}

TEST_CASE("an asynchronous dial from a thread with no loop and no bound executor is refused") {
  fixture f;
  std::error_code ec;
  std::thread t([&] {
    f.mgr->dial(entry_on("/fake/0"), {}, {}, notifier::on_event([](const dial_event&) {}), ec);
  });
  t.join();
  CHECK(ec == ras_error::invalid_parameter);
  CHECK(f.factory->opened() == 0);
}

TEST_CASE("a notifier bound to an executor runs there, whatever thread dialled") {
  fixture f;
  asio::io_context loop;
  std::vector<std::thread::id> ids;
  std::vector<conn_state> states;
  std::error_code ec;
  std::thread dialler([&] {
    f.mgr->dial(entry_on("/fake/0"), {}, {},
                notifier::on_event(asio::bind_executor(loop, [&](const dial_event& e) {
                  ids.push_back(std::this_thread::get_id());
                  states.push_back(e.state);
                })),
                ec);
  });
  dialler.join();
  loop.run_for(5s);
  CHECK(states == good_call);
  for (auto id : ids) CHECK(id == std::this_thread::get_id());
}

TEST_CASE("the three RasDialFunc shapes get the RAS arguments") {
  fixture f;
  caller c;
  std::error_code ec;
  std::vector<std::uint32_t> errors;
  std::vector<conn_state> s0;
  auto h0 = f.mgr->dial(entry_on("/fake/0"), {}, {},
                        notifier::rasdialfunc([&](unsigned msg, conn_state s, std::uint32_t err) {
                          CHECK(msg == wm_rasdialevent);
                          s0.push_back(s);
                          errors.push_back(err);
                        }),
                        ec);
  c.run();
  CHECK(s0 == good_call);

  std::vector<connection_handle> handles;
  f.factory->script("/fake/1")->reply = [](const std::string& cmd) {
    return cmd.rfind("ATD", 0) == 0 ? "\r\nBUSY\r\n" : "\r\nOK\r\n";
  };
  auto h1 = f.mgr->dial(entry_on("/fake/1"), {}, {},
                        notifier::rasdialfunc1([&](connection_handle h, unsigned, conn_state,
                                                   std::uint32_t err, std::uint32_t ext) {
                          handles.push_back(h);
                          errors.push_back(err);
                          CHECK(ext == 0);
                        }),
                        ec);
  c.run();
  for (auto h : handles) CHECK(h == h1);
  CHECK(errors.back() == 676);

  dial_params p;
  p.callback_id = 0xfeed;
  int calls = 0;
  auto h2 = f.mgr->dial(entry_on("/fake/2"), p, {},
                        notifier::rasdialfunc2([&](std::uintptr_t id, std::uint32_t sub,
                                                   connection_handle h, unsigned, conn_state s,
                                                   std::uint32_t, std::uint32_t) -> std::uint32_t {
                          CHECK(id == 0xfeed);
                          CHECK(sub == 1);
                          CHECK(h.value != 0);
                          ++calls;
                          // Stop after ConnectDevice: RasDialFunc2 returning 0 ends notifications.
                          return s == conn_state::connect_device ? 0 : 1;
                        }),
                        ec);
  c.run();
  CHECK(calls == 3);
  // The dial itself goes on to Connected; only the notifications stopped.
  connection_status st;
  for (int i = 0; i < 200; ++i) {
    REQUIRE_FALSE(f.mgr->status(h2, st));
    if (st.state == conn_state::connected) break;
    std::this_thread::sleep_for(10ms);
  }
  CHECK(st.state == conn_state::connected);
  CHECK(calls == 3);
  for (auto h : {h0, h1, h2}) hang_up_and_wait(*f.mgr, h, c);
}

TEST_CASE("a notifier that throws is caught and the dial goes on") {
  fixture f;
  caller c;
  std::error_code ec;
  int calls = 0;
  auto h = f.mgr->dial(entry_on("/fake/0"), {}, {}, notifier::on_event([&](const dial_event&) {
                         ++calls;
                         throw std::runtime_error("caller bug");
                       }),
                       ec);
  c.run();
  CHECK(calls == 6);
  connection_status st;
  REQUIRE_FALSE(f.mgr->status(h, st));
  CHECK(st.state == conn_state::connected);
  hang_up_and_wait(*f.mgr, h, c);
}

TEST_CASE("a notifier may hang up from inside the callback; the dial ends with 631") {
  fixture f;
  caller c;
  std::error_code ec;
  connection_handle h;
  f.factory->script("/fake/0")->reply = [](const std::string& cmd) {
    return cmd.rfind("ATD", 0) == 0 ? std::string() : std::string("\r\nOK\r\n");  // never connects
  };
  bool retired = false;
  h = f.mgr->dial(entry_on("/fake/0"), {}, {}, notifier::on_event([&](const dial_event& e) {
                    c.events.push_back(e);
                    if (e.state == conn_state::connect_device && !e.error) {
                      connection_status st;
                      CHECK_FALSE(f.mgr->status(e.handle, st));  // allowed inside
                      f.mgr->async_hang_up(e.handle, [&](std::error_code) { retired = true; });
                    }
                  }),
                  ec);
  c.run();
  CHECK(retired);
  REQUIRE_FALSE(c.events.empty());
  CHECK(c.events.back().state == conn_state::disconnected);
  CHECK(c.events.back().error == ras_error::user_disconnection);
  auto s = f.factory->script("/fake/0");
  CHECK_FALSE(s->is_off_hook());
  connection_status st;
  CHECK(f.mgr->status(h, st) == ras_error::invalid_handle);
}

TEST_CASE("a message queue receives WM_RASDIALEVENT messages and signals its fd") {
  fixture f;
  auto q = std::make_shared<dial_message_queue>();
  std::error_code ec;
  connection_handle h;
  std::thread t([&] { h = f.mgr->dial(entry_on("/fake/0"), {}, {}, notifier::queue(q), ec); });
  t.join();
  REQUIRE_FALSE(ec);
  std::vector<conn_state> states;
  while (states.size() < good_call.size()) {
    pollfd pfd{q->fd(), POLLIN, 0};
    REQUIRE(::poll(&pfd, 1, 3000) == 1);
    auto m = q->try_pop();
    REQUIRE(m);
    CHECK(m->message == wm_rasdialevent);
    CHECK(m->handle == h);
    CHECK(m->error == 0);
    states.push_back(m->state);
  }
  CHECK(states == good_call);
  pollfd pfd{q->fd(), POLLIN, 0};
  CHECK(::poll(&pfd, 1, 0) == 0);  // drained: not readable
  CHECK_FALSE(f.mgr->hang_up(h));
  CHECK(f.mgr->wait_retired(h, 3s));
}

TEST_CASE("two threads dialling at once each get only their own notifications") {
  fixture f;
  struct result {
    std::vector<dial_event> events;
    std::vector<std::thread::id> ids;
    std::thread::id self;
    connection_handle h;
  };
  result r[2];
  auto run = [&](int i) {
    caller c;
    std::error_code ec;
    r[i].self = std::this_thread::get_id();
    r[i].h = f.mgr->dial(entry_on("/fake/" + std::to_string(i)), {}, {}, c.events_notifier(), ec);
    c.run();
    r[i].events = c.events;
    r[i].ids = c.threads;
    hang_up_and_wait(*f.mgr, r[i].h, c);
  };
  std::thread a(run, 0), b(run, 1);
  a.join();
  b.join();
  for (auto& x : r) {
    REQUIRE(x.events.size() == good_call.size());
    for (auto& e : x.events) CHECK(e.handle == x.h);
    for (auto id : x.ids) CHECK(id == x.self);
  }
  CHECK_FALSE(r[0].h == r[1].h);
}

TEST_CASE("a caller whose loop never runs does not block the engine") {
  asio::io_context stalled;  // never run; it must outlive the engine's hold on it
  fixture f;
  std::error_code ec;
  f.mgr->dial(entry_on("/fake/0"), {}, {},
              notifier::on_event(asio::bind_executor(stalled, [](const dial_event&) {})), ec);
  // Another caller's dial on the same engine completes meanwhile.
  caller c;
  auto h = f.mgr->dial(entry_on("/fake/1"), {}, {}, c.events_notifier(), ec);
  c.run();
  CHECK(c.states() == good_call);
  hang_up_and_wait(*f.mgr, h, c);
}

TEST_CASE("the data line of a connected call echoes through a data_stream") {
  fixture f;
  caller c;
  std::error_code ec;
  auto h = f.mgr->dial(entry_on("/fake/0"), {}, {}, c.events_notifier(), ec);
  c.run();
  REQUIRE(c.states() == good_call);
  data_stream stream(*f.mgr, h, c.io.get_executor());
  std::string out = "hello, line";
  std::string in(out.size(), '\0');
  bool wrote = false, read = false;
  asio::async_write(stream, asio::buffer(out), [&](boost::system::error_code e, std::size_t n) {
    CHECK_FALSE(e);
    CHECK(n == out.size());
    wrote = true;
  });
  asio::async_read(stream, asio::buffer(in), [&](boost::system::error_code e, std::size_t n) {
    CHECK_FALSE(e);
    CHECK(n == out.size());
    read = true;
  });
  c.run();
  CHECK(wrote);
  CHECK(read);
  CHECK(in == out);
  hang_up_and_wait(*f.mgr, h, c);
}

TEST_CASE("a device that vanishes mid-dial ends the dial with an error, never a hang") {
  // Beast-style: fail the n-th transport operation for n = 0, 1, 2, ... until a dial goes
  // through untouched. Every failure point must end in exactly one terminal notification,
  // and hang_up must always retire the handle.
  bool clean_run = false;
  for (int n = 0; n < 40 && !clean_run; ++n) {
    CAPTURE(n);
    fixture f;
    f.factory->script("/fake/0")->fail_at = n;
    caller c;
    std::error_code ec;
    auto h = f.mgr->dial(entry_on("/fake/0"), {}, {}, c.events_notifier(), ec);
    c.run();
    REQUIRE_FALSE(c.events.empty());
    int terminals = 0;
    for (const auto& e : c.events)
      if (e.error || e.state == conn_state::connected) ++terminals;
    CHECK(terminals == 1);
    if (c.events.back().state == conn_state::connected) {
      clean_run = !c.events.back().error;
    } else {
      CHECK(c.events.back().error);
    }
    hang_up_and_wait(*f.mgr, h, c);
  }
  CHECK(clean_run);
}

TEST_CASE("async_dial with a callback reports progress, then completes once on the caller's loop") {
  fixture f;
  caller c;
  std::vector<conn_state> progress;
  int completions = 0;
  std::error_code result = ras_error::unknown;
  connection_handle handle;
  f.mgr->async_dial(entry_on("/fake/0"), {}, {},
                    [&](const dial_event& e) {
                      CHECK(std::this_thread::get_id() == std::this_thread::get_id());
                      progress.push_back(e.state);
                    },
                    [&](std::error_code ec, connection_handle h) {
                      ++completions;
                      result = ec;
                      handle = h;
                      CHECK(progress.size() == good_call.size());  // progress came first
                    });
  CHECK(progress.empty());
  c.run();
  CHECK(completions == 1);
  CHECK_FALSE(result);
  CHECK(progress == good_call);
  REQUIRE(handle);
  hang_up_and_wait(*f.mgr, handle, c);
}

TEST_CASE("async_dial with use_future works from a thread with no loop, and carries the error") {
  fixture f;
  f.factory->script("/fake/1")->reply = [](const std::string& cmd) {
    return cmd.rfind("ATD", 0) == 0 ? "\r\nBUSY\r\n" : "\r\nOK\r\n";
  };
  std::thread t([&] {
    auto ok = f.mgr->async_dial(entry_on("/fake/0"), {}, asio::use_future);
    auto busy = f.mgr->async_dial(entry_on("/fake/1"), {}, asio::use_future);
    REQUIRE(ok.wait_for(5s) == std::future_status::ready);
    // The future holds (error, handle): a failed dial's handle must still be hung up.
    auto [ok_ec, h] = ok.get();
    CHECK_FALSE(ok_ec);
    CHECK(h);
    REQUIRE(busy.wait_for(5s) == std::future_status::ready);
    auto [busy_ec, busy_h] = busy.get();
    CHECK(busy_ec == ras_error::line_busy);
    REQUIRE(busy_h);
    CHECK_FALSE(f.mgr->hang_up(busy_h));
    CHECK(f.mgr->wait_retired(busy_h, 3s));
    CHECK_FALSE(f.mgr->hang_up(h));
    CHECK(f.mgr->wait_retired(h, 3s));
  });
  t.join();
  for (const auto& c : f.mgr->connections()) f.mgr->hang_up(c.handle);
}

TEST_CASE("async_dial refuses a bad dial string through the completion, not inside the call") {
  fixture f;
  caller c;
  std::error_code result;
  bool called = false;
  f.mgr->async_dial(entry_on("/fake/0", "555;ATZ"), {}, [&](std::error_code ec, connection_handle h) {
    called = true;
    result = ec;
    CHECK_FALSE(h);
  });
  CHECK_FALSE(called);
  c.run();
  CHECK(called);
  CHECK(result == ras_error::bad_phone_number);
}

#if defined(BOOST_ASIO_HAS_CO_AWAIT)
TEST_CASE("async_dial with use_awaitable inside a coroutine on the caller's loop") {
  fixture f;
  caller c;
  bool finished = false;
  asio::co_spawn(
      c.io,
      [&]() -> asio::awaitable<void> {
        // Named locals, not temporaries, in the co_await: g++ 12 miscompiles the
        // destruction of temporaries in a co_await full-expression (ASan: bad-free).
        const auto entry = entry_on("/fake/0");
        const dial_params params;
        auto [ec, h] = co_await f.mgr->async_dial(entry, params, asio::use_awaitable);
        CHECK_FALSE(ec);
        connection_status st;
        CHECK_FALSE(f.mgr->status(h, st));
        CHECK(st.state == conn_state::connected);
        auto hang_up_ec = co_await f.mgr->async_hang_up(h, asio::use_awaitable);
        CHECK_FALSE(hang_up_ec);
        CHECK(f.mgr->status(h, st) == ras_error::invalid_handle);
        finished = true;
      },
      asio::detached);
  c.run();
  CHECK(finished);
}
#endif

TEST_CASE("the engine can run on the caller's own io_context") {
  asio::io_context io;
  auto factory = std::make_shared<test::fake_factory>();
  engine_options o;
  o.transports = factory;
  o.executor = io.get_executor();
  connection_manager mgr(std::move(o));
  thread_loop_scope scope(io.get_executor());
  std::vector<conn_state> states;
  std::error_code ec;
  auto h = mgr.dial(entry_on("/fake/0"), {}, {}, notifier::on_event([&](const dial_event& e) {
                      states.push_back(e.state);
                    }),
                    ec);
  // A synchronous dial on the engine's own thread would deadlock: refused at once.
  std::error_code sync_ec;
  asio::post(io, [&] { mgr.dial(entry_on("/fake/1"), {}, sync_ec); });
  io.run_for(5s);
  CHECK(states == good_call);
  CHECK(sync_ec == std::errc::resource_deadlock_would_occur);
  bool retired = false;
  mgr.async_hang_up(h, [&](std::error_code) { retired = true; });
  io.restart();
  io.run_for(5s);
  CHECK(retired);
}

TEST_CASE("on a line with DTR, hang-up drops DTR instead of sending +++") {
  fixture f;
  auto s = f.factory->script("/fake/0");
  s->modem_control = true;
  caller c;
  std::error_code ec;
  auto h = f.mgr->dial(entry_on("/fake/0"), {}, {}, c.events_notifier(), ec);
  c.run();
  REQUIRE(c.states() == good_call);
  hang_up_and_wait(*f.mgr, h, c);
  std::lock_guard lock(s->mutex);
  CHECK_FALSE(s->escaped);
  CHECK(s->received.find("+++") == std::string::npos);
  REQUIRE(s->dtr_changes.size() == 2);
  CHECK_FALSE(s->dtr_changes[0]);  // dropped...
  CHECK(s->dtr_changes[1]);        // ...and raised again
  CHECK_FALSE(s->off_hook);
  CHECK(s->commands.back() == "ATH");
}

TEST_CASE("garbage, overlong lines and RING in the middle of a dial do not disturb it") {
  fixture f;
  f.factory->script("/fake/0")->reply = [](const std::string& cmd) -> std::string {
    if (cmd == "ATZ") return std::string("\x00\xff\x13garbage after reset\r\n", 24) + "\r\nOK\r\n";
    if (cmd.rfind("ATD", 0) == 0)
      return "\r\nRING\r\n\r\n" + std::string(3000, 'x') + "\r\n\r\nCARRIER 33600\r\n\r\nCONNECT 33600\r\n";
    return "\r\n" + std::string(700, '#') + "\r\n\r\nOK\r\n";
  };
  caller c;
  std::error_code ec;
  auto h = f.mgr->dial(entry_on("/fake/0"), {}, {}, c.events_notifier(), ec);
  c.run();
  CHECK(c.states() == good_call);
  connection_status st;
  REQUIRE_FALSE(f.mgr->status(h, st));
  CHECK(st.connect_rate == 33600);
  REQUIRE(st.negotiation.size() == 1);
  CHECK(st.negotiation[0] == "CARRIER 33600");
  hang_up_and_wait(*f.mgr, h, c);
}

TEST_CASE("a modem that vanishes during the dial fails it with 692 in ConnectDevice") {
  fixture f;
  f.factory->script("/fake/0")->vanish_on = "ATDT5550100";
  caller c;
  std::error_code ec;
  auto h = f.mgr->dial(entry_on("/fake/0"), {}, {}, c.events_notifier(), ec);
  c.run();
  REQUIRE_FALSE(c.events.empty());
  CHECK(c.events.back().state == conn_state::connect_device);
  CHECK(c.events.back().error == ras_error::port_or_device);
  hang_up_and_wait(*f.mgr, h, c);
}

TEST_CASE("the password never reaches the engine's log, even at trace level") {
  auto factory = std::make_shared<test::fake_factory>();
  auto lines = std::make_shared<std::vector<std::string>>();
  auto mutex = std::make_shared<std::mutex>();
  engine_options o;
  o.transports = factory;
  o.log = [lines, mutex](log_level, std::string_view text) {
    std::lock_guard lock(*mutex);
    lines->emplace_back(text);
  };
  connection_manager mgr(std::move(o));
  dial_params p;
  p.user_name = "demo";
  p.password = "pw-Zq81!secret";
  std::error_code ec;
  auto h = mgr.dial(entry_on("/fake/0"), p, ec);
  REQUIRE_FALSE(ec);
  CHECK_FALSE(mgr.hang_up(h));
  CHECK(mgr.wait_retired(h, 3s));
  std::lock_guard lock(*mutex);
  CHECK(lines->size() > 10);  // the trace did run
  for (const auto& l : *lines) CHECK(l.find("Zq81") == std::string::npos);
}

TEST_CASE("dial extensions set the speaker, and a blind-dial profile sends X3 before dialling") {
  fixture f;
  caller c;
  std::error_code ec;
  dial_extensions ext;
  ext.options = rdeopt_ignore_modem_speaker;  // speaker off
  auto e = entry_on("/fake/0");
  e.profile.blind_dial = true;
  auto h = f.mgr->dial(e, {}, ext, c.events_notifier(), ec);
  c.run();
  REQUIRE(c.states() == good_call);
  auto cmds = f.factory->script("/fake/0")->snapshot_commands();
  REQUIRE(cmds.size() == 5);
  CHECK(cmds[2] == "ATM0");
  CHECK(cmds[3] == "ATX3");
  CHECK(cmds[4] == "ATDT5550100");
  hang_up_and_wait(*f.mgr, h, c);

  ext.options = rdeopt_ignore_modem_speaker | rdeopt_set_modem_speaker;
  h = f.mgr->dial(entry_on("/fake/1"), {}, ext, c.events_notifier(), ec);
  c.run();
  CHECK(f.factory->script("/fake/1")->snapshot_commands()[2] == "ATM1");
  hang_up_and_wait(*f.mgr, h, c);
}

TEST_CASE("a script parsed ahead of the dial runs as it was given: dial() does not parse it again") {
  logged_fixture f;
  chat_syntax_error err;
  chat_parse_options lenient;
  lenient.strict = false;
  auto script = chat_script::parse(lenient_dial_script, err, lenient);
  REQUIRE(script);
  auto e = entry_on("/fake/0");
  set_script(e, entry_script::dial,
             parsed_script{lenient_dial_script, std::make_shared<const chat_script>(std::move(*script))});
  CHECK(e.dial_script == lenient_dial_script);
  // Had dial() parsed the text itself, it would have refused it; the dial runs the given form.
  caller c;
  std::error_code ec;
  auto h = f.mgr->dial(e, {}, {}, c.events_notifier(), ec);
  REQUIRE_FALSE(ec);
  REQUIRE(h);
  c.run();
  REQUIRE_FALSE(c.events.empty());
  CHECK(c.last().state == conn_state::connected);
  CHECK_FALSE(c.last().error);
  CHECK_FALSE(f.logged(lenient_dial_script_error));
  const auto cmds = f.factory->script("/fake/0")->snapshot_commands();
  REQUIRE(cmds.size() >= 2);
  CHECK(cmds[0] == "AT");  // the script's own dialogue, not the profile's ATZ and init
  CHECK(cmds[1] == "ATDT5550100");
  hang_up_and_wait(*f.mgr, h, c);
}

TEST_CASE("a script given only as text is parsed at dial(): a syntax error refuses the dial with 752") {
  logged_fixture f;
  auto e = entry_on("/fake/0");
  e.dial_script = lenient_dial_script;
  CHECK(f.refused_as_syntax_error(e));
  CHECK(f.logged(lenient_dial_script_error));
  // parse_script, the parse a caller does ahead of the dial, reads the text as dial() does.
  chat_syntax_error err;
  CHECK_FALSE(parse_script(lenient_dial_script, err));
  CHECK(err.to_string() == "line 1, column 28: TIMEOUT needs an argument");
}

TEST_CASE("a parsed script whose text was changed afterwards is parsed again at dial()") {
  logged_fixture f;
  auto e = entry_on("/fake/0");
  chat_syntax_error err;
  auto parsed = parse_script("'' AT OK ATDT\\T CONNECT ''\n", err);
  REQUIRE(parsed);
  set_script(e, entry_script::login, std::move(*parsed));
  e.login_script = "ogin: 'unterminated";  // the parsed form no longer says what the entry says
  CHECK(f.refused_as_syntax_error(e));
  CHECK(f.logged("refused dial: login script line 1, column 7: unterminated quote"));
}

TEST_CASE("a dial script that ABORTs on BUSY leaves the modem in command state: the hang-up is a bare ATH") {
  fixture f;
  auto s = f.factory->script("/fake/0");
  s->reply = [](const std::string& cmd) { return cmd.rfind("ATD", 0) == 0 ? "\r\nBUSY\r\n" : "\r\nOK\r\n"; };
  auto e = entry_on("/fake/0");
  e.dial_script = "ABORT BUSY ABORT 'NO CARRIER' '' ATZ OK ATDT\\T CONNECT ''\n";
  caller c;
  std::error_code ec;
  auto h = f.mgr->dial(e, {}, {}, c.events_notifier(), ec);
  c.run();
  REQUIRE_FALSE(c.events.empty());
  CHECK(c.events.back().error == ras_error::line_busy);
  const auto before = std::chrono::steady_clock::now();
  hang_up_and_wait(*f.mgr, h, c);
  // The escape's guard alone would be 1.2 s, and its unanswered "+++" 3 s more.
  CHECK(std::chrono::steady_clock::now() - before < std::chrono::milliseconds(1000));
  std::lock_guard lock(s->mutex);
  CHECK(s->received.find("+++") == std::string::npos);
  REQUIRE_FALSE(s->commands.empty());
  CHECK(s->commands.back() == "ATH");
  CHECK_FALSE(s->off_hook);
}
