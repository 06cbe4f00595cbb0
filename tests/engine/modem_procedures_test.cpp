// The modem procedures (engine/src/at/modem_procedures.hpp, docs/engine.md §3) over the
// in-memory modem (support/fake_modem.hpp) on virtual time, and the profile data that drives
// them (modem_profile::init_steps, dial_error).
#include "at/modem_procedures.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dialup/engine/virtual_clock.hpp"
#include "support/fake_modem.hpp"

using namespace dialup;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

struct bench {
  asio::io_context io;
  std::shared_ptr<virtual_clock> clock = std::make_shared<virtual_clock>();
  std::shared_ptr<test::fake_script> script = std::make_shared<test::fake_script>();
  std::shared_ptr<test::fake_transport> port;
  std::shared_ptr<at_channel> channel;
  bench() {
    script->echo = true;
    port = std::make_shared<test::fake_transport>(io.get_executor(), script, "/fake/0", clock);
    channel = std::make_shared<at_channel>(io.get_executor(), port, response_table::generic(), 250ms, 2, clock);
    channel->start();
  }
  ~bench() { channel->stop(); }
  template <class Done>
  void run_until(Done done) {
    for (int i = 0; i < 10000 && !done(); ++i) {
      io.restart();
      io.poll();
      if (!done() && !clock->advance_to_next()) break;
    }
  }
};

std::vector<modem_step> steps(std::initializer_list<const char*> commands) {
  std::vector<modem_step> out;
  for (auto c : commands) out.push_back({c, 3000ms, false});
  return out;
}

}  // namespace

TEST_CASE("the init steps are sent one after another and the procedure ends with no error when each answers OK") {
  bench b;
  std::optional<std::error_code> result;
  detail::async_run_steps(b.channel, steps({"ATZ", "ATE1V1", "ATS7=45"}),
                          [&](std::error_code ec, const detail::step_failure&) { result = ec; });
  CHECK_FALSE(result);  // never inside the initiating function
  b.run_until([&] { return result.has_value(); });
  REQUIRE(result);
  CHECK_FALSE(*result);
  CHECK(b.script->snapshot_commands() == std::vector<std::string>{"ATZ", "ATE1V1", "ATS7=45"});
}

TEST_CASE("an ERROR to an init step fails the procedure with 651 there, naming the command, and sends nothing more") {
  bench b;
  b.script->reply = [](const std::string& c) -> std::string {
    return c == "ATX9" ? "\r\nERROR\r\n" : "\r\nOK\r\n";
  };
  std::optional<std::error_code> result;
  detail::step_failure failure;
  detail::async_run_steps(b.channel, steps({"ATZ", "ATX9", "ATM0"}),
                          [&](std::error_code ec, const detail::step_failure& f) {
                            result = ec;
                            failure = f;
                          });
  b.run_until([&] { return result.has_value(); });
  REQUIRE(result);
  CHECK(*result == ras_error::from_device);
  CHECK(failure.command == "ATX9");
  CHECK(failure.reply.final.kind == response_kind::error);
  CHECK(b.script->snapshot_commands() == std::vector<std::string>{"ATZ", "ATX9"});
}

TEST_CASE("an ERROR to a step marked error_fatal = false is passed over; the next step goes") {
  bench b;
  b.script->reply = [](const std::string& c) -> std::string {
    return c == "AT&H1" ? "\r\nERROR\r\n" : "\r\nOK\r\n";
  };
  auto s = steps({"ATZ", "AT&H1", "ATM0"});
  s[1].error_fatal = false;
  std::optional<std::error_code> result;
  detail::async_run_steps(b.channel, s, [&](std::error_code ec, const detail::step_failure&) { result = ec; });
  b.run_until([&] { return result.has_value(); });
  REQUIRE(result);
  CHECK_FALSE(*result);
  CHECK(b.script->snapshot_commands() == std::vector<std::string>{"ATZ", "AT&H1", "ATM0"});
}

TEST_CASE("an init step answered with something other than OK or ERROR fails with 702") {
  bench b;
  b.script->reply = [](const std::string&) -> std::string { return "\r\nNO CARRIER\r\n"; };
  std::optional<std::error_code> result;
  detail::async_run_steps(b.channel, steps({"ATZ"}),
                          [&](std::error_code ec, const detail::step_failure&) { result = ec; });
  b.run_until([&] { return result.has_value(); });
  REQUIRE(result);
  CHECK(*result == ras_error::unexpected_response);
}

TEST_CASE("a modem that does not answer an init step fails the procedure with 638 after the step's timeout") {
  bench b;
  b.script->silent = true;
  std::optional<std::error_code> result;
  detail::step_failure failure;
  const auto started = b.clock->now();
  detail::async_run_steps(b.channel, steps({"ATZ"}), [&](std::error_code ec, const detail::step_failure& f) {
    result = ec;
    failure = f;
  });
  b.run_until([&] { return result.has_value(); });
  REQUIRE(result);
  CHECK(*result == ras_error::request_timeout);
  CHECK(failure.cause == std::errc::timed_out);
  CHECK(b.clock->now() - started >= 3000ms);
}

TEST_CASE("a procedure with no steps still completes through the executor, not inside its initiation") {
  bench b;
  std::optional<std::error_code> result;
  detail::async_run_steps(b.channel, {}, [&](std::error_code ec, const detail::step_failure&) { result = ec; });
  CHECK_FALSE(result);
  b.run_until([&] { return result.has_value(); });
  REQUIRE(result);
  CHECK_FALSE(*result);
}

TEST_CASE("a cancelled channel ends the init procedure with operation_aborted") {
  bench b;
  b.script->silent = true;
  std::optional<std::error_code> result;
  detail::async_run_steps(b.channel, steps({"ATZ", "ATE1"}),
                          [&](std::error_code ec, const detail::step_failure&) { result = ec; });
  b.io.restart();
  b.io.poll();
  b.channel->cancel();
  b.run_until([&] { return result.has_value(); });
  REQUIRE(result);
  CHECK(detail::is_aborted(*result));
  CHECK(b.script->snapshot_commands().size() <= 1);
}

TEST_CASE("the hang-up from data state on a line without DTR sends the escape, then ATH, and the modem is on-hook") {
  bench b;
  std::optional<std::error_code> dialled;
  b.channel->async_command("ATDT5550100", {3000ms, false}, [&](std::error_code ec, at_reply) { dialled = ec; });
  b.run_until([&] { return dialled.has_value(); });
  REQUIRE(dialled);
  REQUIRE(b.channel->in_data_mode());
  REQUIRE(b.script->is_off_hook());

  auto profile = modem_profile::generic();
  detail::timer dtr(b.io.get_executor(), b.clock);
  std::optional<std::error_code> result;
  at_reply reply;
  std::vector<std::string> logged;
  detail::async_hang_up(
      b.channel, b.port, profile, dtr, [&](log_level, std::string_view t) { logged.emplace_back(t); },
      [] { return true; },
      [&](std::error_code ec, const at_reply& r) {
        result = ec;
        reply = r;
      });
  CHECK_FALSE(result);
  b.run_until([&] { return result.has_value(); });
  REQUIRE(result);
  CHECK_FALSE(*result);
  CHECK(reply.final.kind == response_kind::ok);
  CHECK(b.script->escaped);
  CHECK_FALSE(b.script->is_off_hook());
  CHECK(b.script->snapshot_commands().back() == "ATH");
  CHECK(logged.empty());  // the escape was acknowledged
}

TEST_CASE("the hang-up on a line with DTR drops DTR for the profile's time, raises it, then sends ATH") {
  bench b;
  b.script->modem_control = true;
  std::optional<std::error_code> dialled;
  b.channel->async_command("ATDT5550100", {3000ms, false}, [&](std::error_code ec, at_reply) { dialled = ec; });
  b.run_until([&] { return dialled.has_value(); });
  REQUIRE(dialled);
  auto profile = modem_profile::generic();
  detail::timer dtr(b.io.get_executor(), b.clock);
  std::optional<std::error_code> result;
  const auto started = b.clock->now();
  detail::async_hang_up(b.channel, b.port, profile, dtr, {}, {}, [&](std::error_code ec, const at_reply&) {
    result = ec;
  });
  b.run_until([&] { return result.has_value(); });
  REQUIRE(result);
  CHECK_FALSE(*result);
  CHECK(b.script->dtr_changes == std::vector<bool>{false, true});
  CHECK(b.clock->now() - started >= profile.dtr_drop_time);
  CHECK_FALSE(b.script->escaped);
  CHECK(b.script->snapshot_commands().back() == "ATH");
}

TEST_CASE("hangup_method = escape: the guarded +++ even on a line with DTR, then the profile's hang-up command") {
  bench b;
  b.script->modem_control = true;
  std::optional<std::error_code> dialled;
  b.channel->async_command("ATDT5550100", {3000ms, false}, [&](std::error_code ec, at_reply) { dialled = ec; });
  b.run_until([&] { return dialled.has_value(); });
  REQUIRE(dialled);
  auto profile = modem_profile::generic();
  profile.hangup_method = hangup_kind::escape;
  profile.hangup = "ATH0";
  detail::timer dtr(b.io.get_executor(), b.clock);
  std::optional<std::error_code> result;
  detail::async_hang_up(b.channel, b.port, profile, dtr, {}, {}, [&](std::error_code ec, const at_reply&) {
    result = ec;
  });
  b.run_until([&] { return result.has_value(); });
  REQUIRE(result);
  CHECK_FALSE(*result);
  CHECK(b.script->dtr_changes.empty());
  CHECK(b.script->escaped);
  CHECK(b.script->snapshot_commands().back() == "ATH0");
}

TEST_CASE("after a DTR drop, an ATH the modem does not answer is sent once more; a second silence is the result") {
  for (const bool answers_second : {true, false}) {
    CAPTURE(answers_second);
    bench b;
    b.script->modem_control = true;
    int aths = 0;
    b.script->reply = [&](const std::string& cmd) -> std::string {
      if (cmd.rfind("ATD", 0) == 0) return "\r\nCONNECT 33600\r\n";
      if (cmd == "ATH" && (++aths == 1 || !answers_second)) return "";  // still going on-hook
      return "\r\nOK\r\n";
    };
    std::optional<std::error_code> dialled;
    b.channel->async_command("ATDT5550100", {3000ms, false}, [&](std::error_code ec, at_reply) { dialled = ec; });
    b.run_until([&] { return dialled.has_value(); });
    REQUIRE(dialled);
    auto profile = modem_profile::generic();
    detail::timer dtr(b.io.get_executor(), b.clock);
    std::optional<std::error_code> result;
    detail::async_hang_up(b.channel, b.port, profile, dtr, {}, {}, [&](std::error_code ec, const at_reply&) {
      result = ec;
    });
    b.run_until([&] { return result.has_value(); });
    REQUIRE(result);
    CHECK(aths == 2);
    if (answers_second) CHECK_FALSE(*result);
    else CHECK(*result == std::errc::timed_out);
  }
}

TEST_CASE("the hang-up sends no ATH when its caller has moved on by the time the modem is back in command state") {
  bench b;
  std::optional<std::error_code> dialled;
  b.channel->async_command("ATDT5550100", {3000ms, false}, [&](std::error_code ec, at_reply) { dialled = ec; });
  b.run_until([&] { return dialled.has_value(); });
  auto profile = modem_profile::generic();
  detail::timer dtr(b.io.get_executor(), b.clock);
  std::optional<std::error_code> result;
  detail::async_hang_up(b.channel, b.port, profile, dtr, {}, [] { return false; },
                        [&](std::error_code ec, const at_reply&) { result = ec; });
  b.run_until([&] { return result.has_value(); });
  REQUIRE(result);
  CHECK(detail::is_aborted(*result));
  CHECK(b.script->snapshot_commands() == std::vector<std::string>{"ATDT5550100"});
}

TEST_CASE("the profile's init sequence: reset, init strings, then the speaker, blind dialling, S7 and S0=0 as asked") {
  auto p = modem_profile::generic();
  p.init = {"ATE1V1", "AT&C1"};
  p.blind_dial = true;
  p.call_setup_fail_timer = 45;
  init_request r;
  r.speaker = init_request::speaker::off;
  r.answer_ourselves = true;
  const auto s = p.init_steps(r);
  std::vector<std::string> commands;
  for (const auto& step : s) commands.push_back(step.command);
  CHECK(commands == std::vector<std::string>{"ATZ", "ATE1V1", "AT&C1", "ATM0", "ATX3", "ATS7=45", "ATS0=0"});
  REQUIRE_FALSE(s.empty());
  CHECK(s.front().reset);
  CHECK(s.front().timeout == p.reset_timeout);
  CHECK_FALSE(s[1].reset);
  CHECK(s[1].timeout == p.command_timeout);

  auto plain = modem_profile::generic();
  plain.reset.clear();
  const auto t = plain.init_steps({});
  REQUIRE(t.size() == plain.init.size());
  CHECK(t.front().command == plain.init.front().command);
}

TEST_CASE("the profile's dial reply table gives each final code its RAS error, and a profile can change it") {
  auto p = modem_profile::generic();
  CHECK_FALSE(p.dial_error(response_kind::connect));
  CHECK(p.dial_error(response_kind::busy) == ras_error::line_busy);
  CHECK(p.dial_error(response_kind::no_answer) == ras_error::no_answer);
  CHECK(p.dial_error(response_kind::no_carrier) == ras_error::no_carrier);
  CHECK(p.dial_error(response_kind::no_dialtone) == ras_error::no_dialtone);
  CHECK(p.dial_error(response_kind::voice) == ras_error::voice_answer);
  CHECK(p.dial_error(response_kind::delayed) == ras_error::temp_failure);
  CHECK(p.dial_error(response_kind::blacklisted) == ras_error::blocked);
  CHECK(p.dial_error(response_kind::error) == ras_error::from_device);
  CHECK(p.dial_error(response_kind::cme_error) == ras_error::from_device);
  CHECK(p.dial_error(response_kind::ok) == ras_error::unrecognized_response);
  CHECK(p.dial_error(response_kind::cms_error) == ras_error::unrecognized_response);
  // A modem whose NO CARRIER after ATD means the line is engaged.
  p.dial_errors[2] = {response_kind::no_carrier, ras_error::line_busy};
  CHECK(p.dial_error(response_kind::no_carrier) == ras_error::line_busy);
}

TEST_CASE("the profile builds the dial command from its prefix, tone or pulse, the number and its suffix") {
  auto p = modem_profile::generic();
  CHECK(p.dial_command("5550100", false) == "ATDT5550100");
  CHECK(p.dial_command("5550100", true) == "ATDP5550100");
  p.dial_prefix = "ATX3D";
  p.dial_suffix = ";";
  CHECK(p.dial_command("9,5550100", false) == "ATX3DT9,5550100;");
}

namespace {

struct call_outcome {
  std::optional<std::error_code> ec;
  detail::call_result result;
};

call_outcome run_call(bench& b, detail::call_kind kind, std::string command,
                      const modem_profile& p = modem_profile::generic(),
                      std::chrono::milliseconds deadline = 60000ms) {
  call_outcome out;
  detail::async_call(b.channel, p, kind, std::move(command), deadline,
                     [&](std::error_code ec, const detail::call_result& r) {
                       out.ec = ec;
                       out.result = r;
                     });
  CHECK_FALSE(out.ec);  // never inside the initiating function
  b.run_until([&] { return out.ec.has_value(); });
  return out;
}

}  // namespace

TEST_CASE("a dial that ends in CONNECT completes with no error and the CONNECT reply") {
  bench b;
  b.script->reply = [](const std::string& c) -> std::string {
    return c.rfind("ATD", 0) == 0 ? "\r\nCONNECT 33600\r\n" : "\r\nOK\r\n";
  };
  auto out = run_call(b, detail::call_kind::dial, "ATDT5550100");
  REQUIRE(out.ec);
  CHECK_FALSE(*out.ec);
  CHECK(out.result.reply.final.kind == response_kind::connect);
  CHECK(out.result.reply.final.rate == 33600);
  CHECK_FALSE(out.result.cause);
  CHECK(b.script->snapshot_commands() == std::vector<std::string>{"ATDT5550100"});
}

TEST_CASE("a dial's refusal is read through the profile's table: BUSY is 676, and a profile can say otherwise") {
  bench b;
  b.script->reply = [](const std::string&) -> std::string { return "\r\nBUSY\r\n"; };
  auto out = run_call(b, detail::call_kind::dial, "ATDT5550110");
  REQUIRE(out.ec);
  CHECK(*out.ec == ras_error::line_busy);
  CHECK(out.result.reply.final.kind == response_kind::busy);
  CHECK_FALSE(out.result.cause);

  bench b2;
  b2.script->reply = [](const std::string&) -> std::string { return "\r\nNO CARRIER\r\n"; };
  auto p = modem_profile::generic();
  p.dial_errors[2] = {response_kind::no_carrier, ras_error::line_busy};
  auto out2 = run_call(b2, detail::call_kind::dial, "ATDT5550110", p);
  REQUIRE(out2.ec);
  CHECK(*out2.ec == ras_error::line_busy);
}

TEST_CASE("an answer's final code other than CONNECT is 679, whatever the dial table says") {
  bench b;
  b.script->reply = [](const std::string&) -> std::string { return "\r\nBUSY\r\n"; };
  auto out = run_call(b, detail::call_kind::answer, "ATA");
  REQUIRE(out.ec);
  CHECK(*out.ec == ras_error::no_carrier);
  CHECK(out.result.reply.final.kind == response_kind::busy);
}

TEST_CASE("a dial with no final reply by its deadline fails with 638 and says the channel timed out") {
  bench b;
  b.script->silent = true;
  const auto started = b.clock->now();
  auto out = run_call(b, detail::call_kind::dial, "ATDT5550100", modem_profile::generic(), 45000ms);
  REQUIRE(out.ec);
  CHECK(*out.ec == ras_error::request_timeout);
  CHECK(out.result.cause == std::errc::timed_out);
  CHECK(b.clock->now() - started >= 45000ms);
}

TEST_CASE("a cancelled channel ends a pending dial with operation_aborted") {
  bench b;
  b.script->silent = true;
  std::optional<std::error_code> result;
  detail::async_call(b.channel, modem_profile::generic(), detail::call_kind::dial, "ATDT5550100", 60000ms,
                     [&](std::error_code ec, const detail::call_result&) { result = ec; });
  b.io.restart();
  b.io.poll();
  b.channel->cancel();
  b.run_until([&] { return result.has_value(); });
  REQUIRE(result);
  CHECK(detail::is_aborted(*result));
}
