// dialup::at_channel, one modem's command channel, over the in-memory modem
// (support/fake_modem.hpp) on virtual time: real timeouts, run in milliseconds. The rules
// it keeps are listed in at_channel.hpp (docs/architecture.md §7, docs/peers.md §2.2).
#include "dialup/engine/at_channel.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
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
