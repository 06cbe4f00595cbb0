// The prober (dialup/engine/probe.hpp) on the in-memory modem (support/fake_modem.hpp) and
// virtual time: its deadlines to the millisecond, and every transport operation made to
// fail in turn.
#include "dialup/engine/probe.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <mutex>
#include <optional>

#include "dialup/engine/virtual_clock.hpp"
#include "support/fake_modem.hpp"

using namespace dialup;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// A fake transport as a probe port: speed changes are recorded, settings always restored.
struct fake_probe_port final : probe_transport {
  std::unique_ptr<transport> t;
  std::vector<std::uint32_t>& speeds;
  fake_probe_port(std::unique_ptr<transport> tr, std::vector<std::uint32_t>& s) : t(std::move(tr)), speeds(s) {}
  std::error_code set_speed(std::uint32_t bps) override {
    speeds.push_back(bps);
    return {};
  }
  bool restored() const override { return true; }
  void async_read_some(asio::mutable_buffer b, io_handler h) override { t->async_read_some(b, std::move(h)); }
  void async_write(asio::const_buffer b, io_handler h) override { t->async_write(b, std::move(h)); }
  void cancel() override { t->cancel(); }
  void close() override { t->close(); }
  bool is_open() const override { return t->is_open(); }
  std::string name() const override { return t->name(); }
};

struct fake_opener final : probe_port_opener {
  test::fake_factory factory;
  std::vector<std::uint32_t> speeds;
  explicit fake_opener(std::shared_ptr<virtual_clock> clock) : factory(std::move(clock)) {}
  std::string holder(const std::string&) override { return {}; }
  void async_open(const std::string& port, std::uint32_t bps, asio::any_io_executor ex, open_handler h) override {
    speeds.push_back(bps);
    factory.async_open(port, {}, ex, [this, h = std::move(h)](std::error_code ec, std::unique_ptr<transport> t) {
      h(ec, t ? std::make_unique<fake_probe_port>(std::move(t), speeds) : nullptr);
    });
  }
};

struct bench {
  asio::io_context io;
  std::shared_ptr<virtual_clock> clock = std::make_shared<virtual_clock>();
  fake_opener opener{clock};
  probe_options options;
  bench() {
    options.clock = clock;
    options.answer_timeout = 500ms;
    options.command_timeout = 1000ms;
    options.port_deadline = 20s;
  }
  std::shared_ptr<test::fake_script> script(const std::string& port = "/fake/0") {
    return opener.factory.script(port);
  }
  // Probes the ports and runs the loop on virtual time until the probe completes; the
  // result, and how many times the handler ran.
  std::vector<probe_result> run(std::vector<std::string> ports, int* calls = nullptr) {
    std::vector<probe_candidate> c;
    for (auto& p : ports) c.push_back({p, "", true, {}, {}, {}});
    std::optional<std::vector<probe_result>> out;
    int n = 0;
    async_probe(io.get_executor(), opener, c, options, [&](std::vector<probe_result> r) {
      ++n;
      out = std::move(r);
    });
    CHECK(n == 0);  // never inside the initiating call
    for (int i = 0; i < 100000 && !out; ++i) {
      io.restart();
      io.poll();
      if (!out && !clock->advance_to_next()) break;
    }
    // Whatever is still queued runs: a second call of the handler would show here.
    io.restart();
    io.poll();
    if (calls) *calls = n;
    REQUIRE(out);
    return *out;
  }
};

}  // namespace

TEST_CASE("a modem that answers every command is found at the first speed, with no speed change") {
  bench b;
  b.script()->echo = true;
  const auto r = b.run({"/fake/0"});
  REQUIRE(r.size() == 1);
  CHECK(r[0].outcome == probe_outcome::modem);
  CHECK(r[0].speed == 115200);
  CHECK(b.opener.speeds == std::vector<std::uint32_t>{115200});
  CHECK(r[0].init == "ATQ0V1E1S0=0&C1&D2+FCLASS=0");
  // A fake that answers OK to AT+CPIN? counts as a 3GPP modem, and is asked the rest.
  const auto cmds = b.script()->snapshot_commands();
  CHECK(cmds.front() == "AT");
  CHECK(std::find(cmds.begin(), cmds.end(), "AT+CGREG?") != cmds.end());
  CHECK(r[0].answers.cellular);
}

TEST_CASE("a silent port: one AT per speed, each given answer_timeout, and nothing after (virtual time)") {
  bench b;
  b.script()->silent = true;
  const auto r = b.run({"/fake/0"});
  REQUIRE(r.size() == 1);
  CHECK(r[0].outcome == probe_outcome::no_answer);
  CHECK(b.opener.speeds == std::vector<std::uint32_t>{115200, 57600, 38400, 19200, 9600, 2400});
  {
    auto s = b.script();
    std::lock_guard lock(s->mutex);
    CHECK(s->received == "AT\rAT\rAT\rAT\rAT\rAT\r");
  }
  // Six timeouts of 500 ms, and the channel's 100 ms quiet period before each next AT.
  CHECK(r[0].elapsed == 6 * 500ms + 5 * 100ms);
}

TEST_CASE("the port deadline ends a probe that stalls, to the millisecond (virtual time)") {
  bench b;
  b.options.port_deadline = 2500ms;
  b.script()->echo = true;
  b.script()->reply = [](const std::string& c) -> std::string {
    return c == "AT" ? "\r\nOK\r\n" : std::string();  // then silence
  };
  const auto r = b.run({"/fake/0"});
  REQUIRE(r.size() == 1);
  CHECK(r[0].outcome == probe_outcome::timed_out);
  CHECK(r[0].elapsed == 2500ms);
  CHECK(r[0].speed == 115200);
}

TEST_CASE("every transport operation failing in turn: each probe ends once, as vanished or as a modem") {
  bool reached_the_end = false;
  for (int n = 0; n < 400 && !reached_the_end; ++n) {
    CAPTURE(n);
    bench b;
    auto s = b.script();
    s->echo = true;
    s->fail_at = n;
    // A second port, untouched by the fault, must come through every time.
    b.script("/fake/1")->echo = true;
    int calls = 0;
    const auto r = b.run({"/fake/0", "/fake/1"}, &calls);
    CHECK(calls == 1);
    REQUIRE(r.size() == 2);
    CHECK((r[0].outcome == probe_outcome::vanished || r[0].outcome == probe_outcome::modem));
    CHECK(r[1].outcome == probe_outcome::modem);
    CHECK(r[0].elapsed <= b.options.port_deadline);
    if (r[0].outcome == probe_outcome::vanished) CHECK(r[0].error);
    // Past the last operation the fault never happens: the whole probe ran.
    std::lock_guard lock(s->mutex);
    if (r[0].outcome == probe_outcome::modem && s->operations <= n) reached_the_end = true;
  }
  CHECK(reached_the_end);
}
