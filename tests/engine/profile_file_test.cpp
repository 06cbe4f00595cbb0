#include "dialup/engine/profile_file.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "at/builtin_profiles.hpp"

using namespace dialup;

namespace {

std::string joined(const std::vector<profile_error>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.text() + "\n";
  return out;
}

modem_profile parse_ok(const std::string& text, const modem_profile& base = modem_profile::generic()) {
  auto r = parse_profile(text, "t.toml", base, "t");
  INFO(joined(r.errors));
  REQUIRE(r.errors.empty());
  REQUIRE(r.profile.has_value());
  return *r.profile;
}

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    char tmpl[] = "/tmp/dialup-profile-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& text) const {
    std::filesystem::create_directories((path / name).parent_path());
    std::ofstream(path / name, std::ios::binary) << text;
  }
};

}  // namespace

TEST_CASE("generic.toml is the compiled-in generic profile, key for key") {
  const auto set = profile_set::builtin();
  const auto g = set.find("generic");
  REQUIRE(g.has_value());
  auto compiled = modem_profile::generic();
  compiled.description = g->description;  // the only thing the file adds
  CHECK(*g == compiled);
  CHECK(g->init == std::vector<init_step>{"ATE1V1Q0X4&C1&D2S0=0"});
  CHECK(g->reset == "ATZ");
}

TEST_CASE("every built-in profile parses alone, and to_toml gives a file that parses to the same profile") {
  const auto set = profile_set::builtin();
  INFO(joined(set.errors()));
  CHECK(set.errors().empty());
  const auto all = set.all();
  std::vector<std::string> names;
  for (const auto& p : all) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"agere-usb", "cellular", "conexant-usb", "direct", "generic",
                                          "rockwell-zoom", "usr-courier", "usr-sportster"});
  for (const auto& p : all) {
    CAPTURE(p.name);
    CHECK_FALSE(p.description.empty());
    const auto text = to_toml(p);
    auto back = parse_profile(text, p.name + ".toml", modem_profile::generic(), p.name);
    INFO(joined(back.errors));
    REQUIRE(back.profile.has_value());
    CHECK(*back.profile == p);
    CHECK(back.inherits.empty());  // the written file stands alone
    // And writing it again gives the same text.
    CHECK(to_toml(*back.profile) == text);
  }
  // Every built-in file is among the embedded ones, in name order.
  std::vector<std::string> files;
  for (const auto& f : detail::builtin_profile_files()) files.emplace_back(f.file);
  CHECK(files.size() == names.size());
  CHECK(std::is_sorted(files.begin(), files.end()));
}

TEST_CASE("the built-ins carry their vendor's facts") {
  const auto set = profile_set::builtin();
  const auto usr = *set.find("usr-sportster");
  CHECK(usr.reset == "AT&F1");  // inherited from usr-courier
  CHECK(usr.init.size() == 2);
  CHECK_FALSE(usr.init[1].error_fatal);
  CHECK(usr.identify.usb_ids == std::vector<std::string>{"0baf:0303", "0baf:00ec", "0baf:6112"});
  // Courier/Conexant numbering: 13 is CONNECT 7200; the Hayes family (Agere) says 14400.
  const auto code_rate = [](const modem_profile& p, int code) {
    for (const auto& n : p.responses.numeric)
      if (n.code == code) return n.rate;
    return 0u;
  };
  CHECK(code_rate(usr, 13) == 7200);
  CHECK(code_rate(*set.find("agere-usb"), 13) == 14400);
  CHECK(code_rate(*set.find("generic"), 13) == 0);
  const auto zoom = *set.find("rockwell-zoom");
  CHECK(zoom.reset == "AT&F");
  CHECK(code_rate(zoom, 13) == 7200);  // from conexant-usb
  REQUIRE(set.find("cellular"));
  const auto cell = *set.find("cellular");
  CHECK(cell.cellular.enabled);
  CHECK(cell.speaker_on.empty());
  const auto direct = *set.find("direct");
  CHECK(direct.direct);
  CHECK(direct.init_steps({}).empty());
  CHECK(direct.hangup.empty());
}

TEST_CASE("every key of a profile file is read") {
  const auto p = parse_ok(R"(
name = "every"
description = "all of it"
reset = "AT&F"
reset_timeout_ms = 4000
command_timeout_ms = 2500
connect_timeout_ms = 60000
call_setup_fail_timer = 50
carrier_wait = "ATS7="
dial_prefix = "ATX3D"
tone = "T"
pulse = "P"
dial_suffix = "W"
blind_dial = true
blind_on = "ATX1"
blind_off = "ATX4"
hangup = "ATH0"
hangup_method = "escape"
answer = "ATA"
escape = "+++"
escape_guard_ms = 1500
dtr_drop_ms = 700
resync_quiet_ms = 300
max_consecutive_timeouts = 3
speaker_on = "ATM2"
speaker_off = "ATM0"
error_control_off = "AT&Q6"
compression_off = "AT%C0"
auto_answer_off = "ATS0=0"

[[init]]
command = "ATE1V1"
timeout_ms = 1000
[[init]]
command = "AT&K3"
error_fatal = false

[[responses]]
text = "NO DIAL TONE DETECTED"
kind = "no_dialtone"
[[responses]]
text = "FAX"
kind = "unsolicited"
prefix = true
[[responses]]
code = 13
kind = "connect"
rate = 7200

[dial_errors]
voice = "ERROR_NO_ANSWER"
error = 652

[identify]
usb_ids = ["0572:1340"]
manufacturer = ["Acme"]
model = ["X1"]
ati = ["ACME X1"]

[cellular]
enabled = true
number = "*99***1#"
registration_queries = ["AT+CEREG?"]
registration_timeout_ms = 30000

[cellular.cme_errors]
"30" = "ERROR_NO_CARRIER"
)");
  CHECK(p.name == "every");
  CHECK(p.reset == "AT&F");
  CHECK(p.reset_timeout == std::chrono::milliseconds(4000));
  CHECK(p.call_setup_fail_timer == 50);
  CHECK(p.dial_prefix == "ATX3D");
  CHECK(p.dial_suffix == "W");
  CHECK(p.blind_dial);
  CHECK(p.hangup_method == hangup_kind::escape);
  CHECK(p.speaker_on == "ATM2");
  CHECK(p.error_control_off == "AT&Q6");
  CHECK(p.init == std::vector<init_step>{{"ATE1V1", std::chrono::milliseconds(1000), true}, {"AT&K3", {}, false}});
  REQUIRE(p.responses.verbose.size() == response_table::generic().verbose.size() + 2);
  CHECK(p.responses.verbose[0].text == "NO DIAL TONE DETECTED");  // ahead of the generic ones
  CHECK(p.responses.verbose[1].prefix);
  CHECK(p.responses.numeric[0] == numeric_code{13, response_kind::connect, 7200});
  CHECK(p.dial_error(response_kind::voice) == ras_error::no_answer);
  CHECK(p.dial_error(response_kind::error) == ras_error::unrecognized_response);
  CHECK(p.dial_error(response_kind::busy) == ras_error::line_busy);  // the base's, kept
  CHECK(p.identify.usb_ids == std::vector<std::string>{"0572:1340"});
  CHECK(p.cellular.enabled);
  CHECK(p.cellular.number == "*99***1#");
  CHECK(p.cellular.cme_errors == std::vector<std::pair<int, ras_error>>{{30, ras_error::no_carrier}});

  // The init sequence a dial sends from it: per-step timeouts, the profile's own commands.
  init_request req;
  req.speaker = init_request::speaker::on;
  req.answer_ourselves = true;
  const auto steps = p.init_steps(req);
  std::vector<std::string> commands;
  for (const auto& s : steps) commands.push_back(s.command);
  CHECK(commands == std::vector<std::string>{"AT&F", "ATE1V1", "AT&K3", "ATM2", "ATX1", "ATS7=50", "ATS0=0"});
  CHECK(steps[1].timeout == std::chrono::milliseconds(1000));
  CHECK(steps[2].timeout == std::chrono::milliseconds(2500));
  CHECK_FALSE(steps[2].error_fatal);
  CHECK(steps[1].error_fatal);
}

TEST_CASE("responses_replace makes the file's table the whole table") {
  const auto p = parse_ok(R"(
responses_replace = true
[[responses]]
text = "OK"
kind = "ok"
[[responses]]
text = "CONNECT"
kind = "connect"
prefix = true
)");
  CHECK(p.responses.verbose.size() == 2);
  CHECK(p.responses.numeric.empty());
  auto back = parse_profile(to_toml(p), "b.toml", modem_profile::generic(), "t");
  REQUIRE(back.profile);
  CHECK(*back.profile == p);
}

// Bad input: each case's file, line and reason; and no profile at all.
struct bad_case {
  const char* what;
  const char* text;
  const char* error;  // the whole first error text
};

TEST_CASE("bad profile files give file:line: reason and no profile") {
  const bad_case cases[] = {
      {"syntax error", "name = \"x\"\nreset = \"ATZ\n", "t.toml:2: Error while parsing string: unescaped control characters other than TAB (U+0009) are explicitly prohibited"},
      {"unknown key", "name = \"x\"\n\nrest = \"ATZ\"\n", "t.toml:3: unknown key 'rest'"},
      {"unknown key in init", "[[init]]\ncommand = \"ATE1\"\ntimeout = 5\n", "t.toml:3: unknown key 'init.timeout'"},
      {"unknown key in identify", "[identify]\nvendor = [\"x\"]\n", "t.toml:2: unknown key 'identify.vendor'"},
      {"init with CR", "[[init]]\ncommand = \"ATE1\\rATDT5551212\"\n",
       "t.toml:2: init.command 'ATE1\\x0dATDT5551212': a command cannot hold a CR, LF or NUL (it would end the command line early)"},
      {"init with LF", "[[init]]\ncommand = \"ATE1\\nATH\"\n",
       "t.toml:2: init.command 'ATE1\\x0aATH': a command cannot hold a CR, LF or NUL (it would end the command line early)"},
      {"init chaining with ;", "[[init]]\ncommand = \"ATE1;H1\"\n",
       "t.toml:2: init.command 'ATE1;H1': ';' would chain another command on the line (V.250 §5.4)"},
      {"init that dials", "[[init]]\ncommand = \"ATX4DT5551212\"\n",
       "t.toml:2: init.command 'ATX4DT5551212': an init command cannot dial (ATD): the number is the dial's"},
      {"init not AT", "[[init]]\ncommand = \"E1V1\"\n", "t.toml:2: init.command 'E1V1': a command starts with AT (V.250 §5.2.1)"},
      {"hangup with NUL", "hangup = \"ATH\\u0000\"\n",
       "t.toml:1: hangup 'ATH\\x00': a command cannot hold a CR, LF or NUL (it would end the command line early)"},
      {"reset chaining", "reset = \"ATZ;&F\"\n", "t.toml:1: reset 'ATZ;&F': ';' would chain another command on the line (V.250 §5.4)"},
      {"empty response matches every line", "[[responses]]\ntext = \"\"\nkind = \"ok\"\nprefix = true\n",
       "t.toml:2: responses.text is empty: it would match every line"},
      {"blank response", "[[responses]]\ntext = \"  \"\nkind = \"error\"\n", "t.toml:2: responses.text is empty: it would match every line"},
      {"bad kind", "[[responses]]\ntext = \"FINE\"\nkind = \"fine\"\n",
       "t.toml:3: responses.kind 'fine' is not one of ok, connect, error, no_carrier, no_dialtone, busy, no_answer, voice, "
       "delayed, blacklisted, cme_error, cms_error, progress, ring, caller_id, unsolicited, information"},
      {"text and code", "[[responses]]\ntext = \"OK\"\ncode = 0\nkind = \"ok\"\n",
       "t.toml:1: a response has either text (a verbose reply) or code (a V0 numeric one)"},
      {"bad RAS name", "[dial_errors]\nbusy = \"ERROR_BUSY_LINE\"\n",
       "t.toml:2: dial_errors.busy = 'ERROR_BUSY_LINE' is not a RAS error name (ERROR_LINE_BUSY, ERROR_NO_ANSWER, ...)"},
      {"bad RAS number", "[dial_errors]\nbusy = 1234\n", "t.toml:2: dial_errors.busy = 1234 is not a RAS error this program knows"},
      {"dial error for OK", "[dial_errors]\nok = \"ERROR_LINE_BUSY\"\n",
       "t.toml:2: dial_errors.ok: not a final reply that fails a dial (busy, no_answer, no_carrier, no_dialtone, voice, "
       "delayed, blacklisted, error, cme_error, cms_error)"},
      {"timeout too long", "command_timeout_ms = 9000000\n", "t.toml:1: command_timeout_ms = 9000000 is out of range (100 to 120000)"},
      {"timeout zero", "[[init]]\ncommand = \"ATE1\"\ntimeout_ms = 0\n", "t.toml:3: init.timeout_ms = 0 is out of range (100 to 600000)"},
      {"wrong type", "blind_dial = \"yes\"\n", "t.toml:1: blind_dial must be true or false, not a string"},
      {"bad usb id", "[identify]\nusb_ids = [\"0572-1340\"]\n", "t.toml:2: identify.usb_ids: '0572-1340' is not a USB vendor:product id (vvvv:pppp, hex)"},
      {"bad name", "name = \"My Modem\"\n", "t.toml:1: name 'My Modem': lower-case letters, digits, '-', '_' and '.', at most 64"},
      {"hangup method", "hangup_method = \"drop\"\n", "t.toml:1: hangup_method is \"dtr\" or \"escape\", not 'drop'"},
      {"no ok left", "responses_replace = true\n[[responses]]\ntext = \"CONNECT\"\nkind = \"connect\"\nprefix = true\n",
       "t.toml: the response table has no ok: no command could succeed"},
  };
  for (const auto& c : cases) {
    const std::string what = c.what;
    CAPTURE(what);
    const auto r = parse_profile(c.text, "t.toml", modem_profile::generic(), "t");
    CHECK_FALSE(r.profile.has_value());
    REQUIRE_FALSE(r.errors.empty());
    CHECK(r.errors.front().text() == std::string(c.error));
  }
}

TEST_CASE("limits: file size, string size, step count") {
  std::string big(profile_limits::file_bytes + 1, '#');
  auto r = parse_profile(big, "big.toml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].text() == "big.toml: larger than 256 KiB");
  CHECK_FALSE(r.profile);

  std::string long_text = "description = \"" + std::string(profile_limits::string_bytes + 1, 'x') + "\"\n";
  r = parse_profile(long_text, "s.toml", modem_profile::generic(), "s");
  REQUIRE_FALSE(r.errors.empty());
  CHECK(r.errors[0].text() == "s.toml:1: description is longer than 512 bytes");

  r = parse_profile("reset = \"AT" + std::string(256, 'Z') + "\"\n", "l.toml", modem_profile::generic(), "l");
  REQUIRE_FALSE(r.errors.empty());
  CHECK(r.errors[0].text().find("l.toml:1: reset 'ATZZZZ") == 0);
  CHECK(r.errors[0].text().find("...': longer than a modem's command-line buffer (255 characters)") != std::string::npos);
  CHECK_FALSE(parse_profile("reset = \"AT" + std::string(255, 'Z') + "\"\n", "l.toml", modem_profile::generic(), "l").errors.size());

  std::string many;
  for (std::size_t i = 0; i <= profile_limits::init_steps; ++i) many += "[[init]]\ncommand = \"ATE1\"\n";
  r = parse_profile(many, "m.toml", modem_profile::generic(), "m");
  REQUIRE_FALSE(r.errors.empty());
  CHECK(r.errors[0].text() == "m.toml:1: init has 33 items, more than 32");
}

TEST_CASE("a file with several problems reports each, and none of it is loaded") {
  const auto r = parse_profile("name = \"two\"\nbogus = 1\n[[init]]\ncommand = \"ATE1;ATH\"\n", "two.toml");
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].line == 2);
  CHECK(r.errors[1].line == 4);
  CHECK_FALSE(r.profile);
}

TEST_CASE("a user directory overrides a built-in by name, inherits a built-in, and may inherit what it overrides") {
  temp_dir d;
  d.write("usr-courier.toml", "inherits = \"usr-courier\"\ndescription = \"my Courier\"\n[[init]]\ncommand = \"ATE1V1Q0X4&C1&D2S0=0M0\"\n");
  d.write("quiet.toml", "inherits = \"conexant-usb\"\ndescription = \"quiet conexant\"\nspeaker_on = \"ATM0\"\n");
  auto set = profile_set::builtin();
  set.add_directory(d.path);
  INFO(joined(set.errors()));
  CHECK(set.errors().empty());
  const auto usr = set.find("usr-courier");
  REQUIRE(usr);
  CHECK(usr->description == "my Courier");
  CHECK(usr->reset == "AT&F1");  // the built-in's, which the file inherits
  CHECK(usr->init == std::vector<init_step>{"ATE1V1Q0X4&C1&D2S0=0M0"});
  CHECK(set.source_of("usr-courier") == (d.path / "usr-courier.toml").string());
  // usr-sportster inherits usr-courier: now the user's.
  CHECK(set.find("usr-sportster")->description == "U.S. Robotics Sportster and USR faxmodems");
  CHECK(set.find("usr-sportster")->reset == "AT&F1");
  const auto quiet = set.find("quiet");
  REQUIRE(quiet);
  CHECK(quiet->speaker_on == "ATM0");
  CHECK(quiet->identify.usb_ids == set.find("conexant-usb")->identify.usb_ids);
  CHECK(set.all().size() == 9);
}

TEST_CASE("inherits cycles and unknown bases are errors; the earlier definition stays") {
  temp_dir d;
  d.write("a.toml", "inherits = \"b\"\n");
  d.write("b.toml", "inherits = \"a\"\n");
  d.write("orphan.toml", "inherits = \"nowhere\"\n");
  d.write("generic.toml", "inherits = \"orphan\"\ndescription = \"broken generic\"\n");
  d.write("broken.toml", "name = \"broken\"\nreset = \"ATZ\n");
  auto set = profile_set::builtin();
  set.add_directory(d.path);
  CHECK_FALSE(set.find("a"));
  CHECK_FALSE(set.find("b"));
  CHECK_FALSE(set.find("orphan"));
  CHECK_FALSE(set.find("broken"));
  // The user's generic does not resolve: the built-in one is still there.
  REQUIRE(set.find("generic"));
  CHECK(set.find("generic")->description == "Generic Hayes-compatible modem (V.250)");
  const auto text = joined(set.errors());
  CHECK(text.find((d.path / "a.toml").string() + ": inherits in a cycle: a -> b -> a") != std::string::npos);
  CHECK(text.find((d.path / "orphan.toml").string() + ": inherits 'nowhere', which no profile file defines") !=
        std::string::npos);
  CHECK(text.find((d.path / "broken.toml").string() + ":2: ") != std::string::npos);
}

TEST_CASE("the search path: /etc, then XDG_CONFIG_HOME (else ~/.config)") {
  const char* old_xdg = std::getenv("XDG_CONFIG_HOME");
  const char* old_home = std::getenv("HOME");
  const std::string saved_xdg = old_xdg ? old_xdg : "", saved_home = old_home ? old_home : "";
  ::setenv("XDG_CONFIG_HOME", "/x/config", 1);
  auto dirs = default_profile_directories();
  REQUIRE(dirs.size() >= 2);
  CHECK(dirs[dirs.size() - 2] == "/etc/dialup/modems");
  CHECK(dirs.back() == "/x/config/dialup/modems");
  ::setenv("XDG_CONFIG_HOME", "relative", 1);  // invalid: ignored
  ::setenv("HOME", "/home/u", 1);
  dirs = default_profile_directories();
  CHECK(dirs.back() == "/home/u/.config/dialup/modems");
  temp_dir d;
  d.write("dialup/modems/mine.toml", "description = \"mine\"\n");
  ::setenv("XDG_CONFIG_HOME", d.path.c_str(), 1);
  CHECK(profile_set::load_default().find("mine"));
  if (old_xdg) ::setenv("XDG_CONFIG_HOME", saved_xdg.c_str(), 1);
  else ::unsetenv("XDG_CONFIG_HOME");
  if (old_home) ::setenv("HOME", saved_home.c_str(), 1);
  else ::unsetenv("HOME");
}

TEST_CASE("profile_command_problem: what an --init or a profile command may hold") {
  struct row {
    const char* command;
    bool init;
    const char* problem;
  };
  const row rows[] = {
      {"ATE1V1Q0X4&C1&D2S0=0", true, ""},
      {"AT+CGDCONT=1,\"IP\",\"apn\"", true, ""},
      {"AT\\N3%C3", true, ""},
      {"at&d2", true, ""},
      {"ATDT5551212", true, "an init command cannot dial (ATD): the number is the dial's"},
      {"ATM1DT5551212", true, "an init command cannot dial (ATD): the number is the dial's"},
      {"ATDT5551212", false, ""},  // not an init step (dial_prefix + number is checked elsewhere)
      {"ATH;", false, "';' would chain another command on the line (V.250 §5.4)"},
      {"ATH\x1b", false, "a command cannot hold a control character"},
      {"+++", false, "a command starts with AT (V.250 §5.2.1)"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.command);
    CHECK(profile_command_problem(r.command, r.init) == r.problem);
  }
}
