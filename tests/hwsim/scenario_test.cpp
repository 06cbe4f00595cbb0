// Number-plan files: what --print-default-scenario prints reads back to the same plan;
// malformed lines give an error naming the line, and nothing is returned.
#include <dialup/hwsim/scenario.hpp>

#include <doctest/doctest.h>

#include <dialup/hwsim/simulator.hpp>

#include <string>

using namespace dialup::hwsim;

TEST_CASE("the default scenario reads back to the built-in number plan") {
  const auto plan = exchange::default_number_plan();
  const auto back = parse_scenario(default_scenario());
  REQUIRE(back.size() == plan.size());
  for (std::size_t i = 0; i < plan.size(); ++i) {
    CAPTURE(plan[i].number);
    CHECK(back[i].number == plan[i].number);
    CHECK(back[i].kind == plan[i].kind);
    CHECK(back[i].rings == plan[i].rings);
    CHECK(back[i].rate == plan[i].rate);
    CHECK(back[i].description == plan[i].description);
    if (plan[i].kind == service_kind::carrier_drop) CHECK(back[i].drop_after == plan[i].drop_after);
    if (plan[i].kind == service_kind::noisy) CHECK(back[i].error_rate == doctest::Approx(plan[i].error_rate));
    CHECK(back[i].callback_delay == plan[i].callback_delay);
  }
  CHECK(default_scenario().find(
            "5550104  callback      rings=1 rate=33600 callback-delay=5  # text login with callback "
            "(demo/demo): asks for a callback number and calls back\n") != std::string::npos);
}

TEST_CASE("a callback number: callback-delay in seconds, read back") {
  const auto p = parse_scenario("5550199 callback callback-delay=0.25 rings=2  # calls back fast\n"
                                "5550198 callback\n");
  REQUIRE(p.size() == 2);
  CHECK(p[0].kind == service_kind::callback);
  CHECK(p[0].callback_delay == sim_duration(250));
  CHECK(p[0].rings == 2);
  CHECK(p[1].callback_delay == sim_duration(5000));  // the default
  const auto back = parse_scenario(format_scenario(p));
  REQUIRE(back.size() == 2);
  CHECK(back[0].callback_delay == sim_duration(250));
  CHECK(back[0].description == "calls back fast");
  CHECK(std::string(to_string(service_kind::callback)) == "callback");
}

TEST_CASE("scenario lines: keys, comments, * and # in numbers, CRLF") {
  const auto p = parse_scenario(
      "# a comment line\r\n"
      "\n"
      "   \t\n"
      "5550199 carrier-drop rings=3 rate=9600 drop-after=2.5  # short call\r\n"
      "*98#  pdp\n"
      "1-555-0123 noisy error-rate=0.5 retrain-every=30\n");
  REQUIRE(p.size() == 3);
  CHECK(p[0].number == "5550199");
  CHECK(p[0].kind == service_kind::carrier_drop);
  CHECK(p[0].rings == 3);
  CHECK(p[0].rate == 9600);
  CHECK(p[0].drop_after == sim_duration(2500));
  CHECK(p[0].description == "short call");
  CHECK(p[1].number == "*98#");
  CHECK(p[1].kind == service_kind::pdp);
  CHECK(p[1].rings == 0);
  CHECK(p[2].error_rate == doctest::Approx(0.5));
  CHECK(p[2].retrain_every == sim_duration(30000));
  CHECK(parse_scenario(format_scenario(p))[2].retrain_every == sim_duration(30000));
  CHECK(p[2].description.empty());
}

TEST_CASE("a malformed scenario names the first bad line and loads nothing") {
  struct vec {
    const char* text;
    std::size_t line;
    const char* says;
  };
  const vec vectors[] = {
      {"5550100 echo\n5550101 ech\n", 2, "unknown kind 'ech'"},
      {"5550100\n", 1, "missing the kind"},
      {"555x0100 echo\n", 1, "not a phone number"},
      {"\n\n5550100 echo rings=x\n", 3, "rings must be"},
      {"5550100 echo rings=256\n", 1, "rings must be"},
      {"5550100 echo rate=10\n", 1, "rate must be"},
      {"5550100 echo drop-after=-1\n", 1, "drop-after must be"},
      {"5550100 noisy error-rate=1.5\n", 1, "error-rate must be"},
      {"5550100 echo colour=red\n", 1, "unknown key 'colour'"},
      {"5550100 echo rings\n", 1, "expected key=value"},
      {"5550100 echo\n5550100 busy\n", 2, "listed twice"},
      {"5550100 echo\x01\n", 1, "control character"},
      {"5550200 program\n", 1, "needs its command after --"},
      {"5550200 program --   \n", 1, "needs its command after --"},
      {"5550100 echo -- /bin/cat\n", 1, "only for the program kind"},
      {"5550150 noisy retrain-every=0\n", 1, "retrain-every must be"},
      {"5550104 callback callback-delay=-1\n", 1, "callback-delay must be"},
      {"5550104 callback callback-delay=soon\n", 1, "callback-delay must be"},
  };
  for (const auto& v : vectors) {
    CAPTURE(v.text);
    try {
      (void)parse_scenario(v.text);
      FAIL("no error");
    } catch (const scenario_error& e) {
      CHECK(e.line() == v.line);
      CHECK(std::string(e.what()).find(v.says) != std::string::npos);
      CHECK(std::string(e.what()).rfind("line " + std::to_string(v.line) + ": ", 0) == 0);
    }
  }
}

TEST_CASE("a program number: the rest of the line after -- is the command, and it reads back") {
  const auto p = parse_scenario("5550200 program rings=2 -- exec /usr/sbin/pppd notty # not a comment\n");
  REQUIRE(p.size() == 1);
  CHECK(p[0].kind == service_kind::program);
  CHECK(p[0].rings == 2);
  CHECK(p[0].program == "exec /usr/sbin/pppd notty # not a comment");
  const auto back = parse_scenario(format_scenario(p));
  REQUIRE(back.size() == 1);
  CHECK(back[0].program == p[0].program);
  CHECK(back[0].rings == 2);
}
