// dialup::at_channel, one modem's command channel, over the in-memory modem
// (support/fake_modem.hpp) on virtual time: real timeouts, run in milliseconds. The rules
// it keeps are listed in at_channel.hpp (docs/architecture.md §7, docs/peers.md §2.2).
#include "dialup/engine/at_channel.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "dialup/engine/virtual_clock.hpp"
#include "support/fake_modem.hpp"

using namespace dialup;
namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST_CASE("a late reply to a timed-out command is never taken as the next command's answer") {
  // The modem is busy with ATI9 for 4.5 s — past the 3 s timeout — and answers it late.
  // It handles one line at a time, so the next command's echo and reply come after that.
  asio::io_context io;
  auto clock = std::make_shared<virtual_clock>();
  auto script = std::make_shared<test::fake_script>();
  script->echo = true;
  script->busy_for["ATI9"] = 4500ms;
  script->reply = [](const std::string& cmd) -> std::string {
    if (cmd == "ATI9") return "\r\nLATE-ANSWER-TO-ATI9\r\n\r\nERROR\r\n";
    if (cmd == "ATI3") return "\r\nFIRMWARE 1.0\r\n\r\nOK\r\n";
    return "\r\nOK\r\n";
  };
  auto port = std::make_shared<test::fake_transport>(io.get_executor(), script, "/fake/0", clock);
  auto ch = std::make_shared<at_channel>(io.get_executor(), port, response_table::generic(), 250ms,
                                         2, clock);
  ch->start();
  std::vector<std::string> stale;
  ch->on_unsolicited([&](const response_line& l) { stale.push_back(l.text); });

  std::error_code first_ec, second_ec, third_ec;
  at_reply second, third;
  bool first_done = false, second_done = false, third_done = false;
  // Learn that the modem echoes (the channel relies on it after a resync).
  ch->async_command("AT", {3000ms, false}, [&](std::error_code ec, at_reply) {
    REQUIRE_FALSE(ec);
    ch->async_command("ATI9", {3000ms, false}, [&](std::error_code ec2, at_reply) {
      first_ec = ec2;
      first_done = true;
      ch->async_command("ATI3", {3000ms, false}, [&](std::error_code ec3, at_reply r) {
        second_ec = ec3;
        second = r;
        second_done = true;
      });
      ch->async_command("AT", {3000ms, false}, [&](std::error_code ec4, at_reply r) {
        third_ec = ec4;
        third = r;
        third_done = true;
      });
    });
  });
  for (int i = 0; i < 1000 && !third_done; ++i) {
    io.restart();
    io.poll();
    if (!third_done && !clock->advance_to_next()) break;
  }
  REQUIRE(first_done);
  CHECK(first_ec == std::errc::timed_out);
  REQUIRE(second_done);
  CHECK_FALSE(second_ec);
  CHECK(second.final.kind == response_kind::ok);
  REQUIRE(second.information.size() == 1);
  CHECK(second.information[0].text == "FIRMWARE 1.0");
  REQUIRE(third_done);
  CHECK_FALSE(third_ec);
  CHECK(third.final.kind == response_kind::ok);
  // The late ERROR was seen and dropped as stale.
  bool saw_late = false;
  for (const auto& l : stale) saw_late |= (l == "ERROR");
  CHECK(saw_late);
  ch->stop();
}

TEST_CASE("a CONNECT that arrives while an escape waits out its guard starts the guard again") {
  // Found by the soak (docs/soak.md §6 E): a hang-up while a dial script's ATD was ringing;
  // the modem, counting its guard from CONNECT, took a "+++" sent 0.6 s after it as data.
  asio::io_context io;
  auto clock = std::make_shared<virtual_clock>();
  auto script = std::make_shared<test::fake_script>();
  script->online = true;  // the script's ATD, answered below
  auto port = std::make_shared<test::fake_transport>(io.get_executor(), script, "/fake/0", clock);
  auto ch = std::make_shared<at_channel>(io.get_executor(), port, response_table::generic(), 250ms, 2, clock);
  ch->start();
  ch->assume_data_mode(false);  // a dial script has the line
  const auto start = clock->now();
  std::optional<std::chrono::steady_clock::duration> escaped_after;
  std::error_code escape_ec;
  port->inject("\r\nCONNECT 33600\r\n", 600ms);
  ch->async_escape("+++", 1000ms, 3000ms, [&](std::error_code ec, at_reply) {
    escape_ec = ec;
    escaped_after = clock->now() - start;
  });
  for (int i = 0; i < 1000 && !escaped_after; ++i) {
    io.restart();
    io.poll();
    if (!escaped_after && !clock->advance_to_next()) break;
  }
  REQUIRE(escaped_after);
  CHECK_FALSE(escape_ec);
  CHECK(script->escaped);
  // The fake modem answers "+++" at once: the escape went a full guard after the CONNECT.
  CHECK(*escaped_after >= 1600ms);
  CHECK(*escaped_after < 1700ms);
  ch->stop();
}

TEST_CASE("an escape with no CONNECT during its guard goes after one guard") {
  asio::io_context io;
  auto clock = std::make_shared<virtual_clock>();
  auto script = std::make_shared<test::fake_script>();
  script->online = true;
  auto port = std::make_shared<test::fake_transport>(io.get_executor(), script, "/fake/0", clock);
  auto ch = std::make_shared<at_channel>(io.get_executor(), port, response_table::generic(), 250ms, 2, clock);
  ch->start();
  ch->assume_data_mode(false);
  const auto start = clock->now();
  std::optional<std::chrono::steady_clock::duration> escaped_after;
  port->inject("call data, not a result", 600ms);
  ch->async_escape("+++", 1000ms, 3000ms, [&](std::error_code, at_reply) { escaped_after = clock->now() - start; });
  for (int i = 0; i < 1000 && !escaped_after; ++i) {
    io.restart();
    io.poll();
    if (!escaped_after && !clock->advance_to_next()) break;
  }
  REQUIRE(escaped_after);
  CHECK(script->escaped);
  CHECK(*escaped_after >= 1000ms);
  CHECK(*escaped_after < 1100ms);
  ch->stop();
}
