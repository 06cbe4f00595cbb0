// `dialup probe` itself: the built program against dialup-sim's modems on ptys, its text
// and --json output, --write-entry, the exit status.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/child_process.hpp"
#include "support/port_fixtures.hpp"
#include "support/sim_program.hpp"

using namespace std::chrono_literals;

namespace {

struct run_result {
  int status = -1;
  std::string output;
};

run_result run_dialup(const std::vector<std::string>& args) {
  std::vector<std::string> argv{DIALUP_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  dialup::test::child_process p(argv);
  REQUIRE(p.started());
  const auto st = p.wait(60s);
  REQUIRE(st);
  return {*st, p.output()};
}

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> v;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] == '{') v.push_back(nlohmann::json::parse(line));
  return v;
}

dialup::test::private_lock_dir lock_dir("dialup-probe-cli-test");

}  // namespace

TEST_CASE("dialup probe --json: one object per port, a modem of each personality and a silent pty") {
  dialup::test::sim_program usr(DIALUP_SIM_PATH, 1, 0.05, {"--personality", "usr"});
  dialup::test::sim_program cell(DIALUP_SIM_PATH, 1, 0.05, {"--personality", "cellular"});
  REQUIRE(usr.started());
  REQUIRE(cell.started());
  dialup::test::pty_pair silent;
  const auto r = run_dialup({"probe", "--json", "--timeout", "200", usr.pty(0), cell.pty(0), silent.slave});
  CHECK(r.status == 0);
  const auto lines = json_lines(r.output);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0]["port"] == usr.pty(0));
  CHECK(lines[0]["outcome"] == "modem");
  CHECK(lines[0]["manufacturer"] == "U.S. Robotics");
  CHECK(lines[0]["model"] == "Courier V.Everything");
  CHECK(lines[0]["profile"] == "usr-courier");
  CHECK(lines[0]["speed"] == 115200);
  CHECK(lines[0]["init"] == "ATQ0V1E1S0=0&C1&D2+FCLASS=0");
  CHECK(lines[0]["reasons"][0].get<std::string>().find("matches usr-courier") != std::string::npos);
  CHECK(lines[1]["outcome"] == "modem");
  CHECK(lines[1]["cellular"] == true);
  CHECK(lines[1]["profile"] == "cellular");
  CHECK(lines[1]["serial"] == "356938035643809");
  CHECK(lines[1]["cellular_status"]["sim"] == "ready");
  CHECK(lines[1]["cellular_status"]["signal_dbm"] == -73);  // +CSQ: 20 (27.007 §8.5)
  CHECK(lines[1]["cellular_status"]["replies"]["cpin"] == "+CPIN: READY");
  CHECK(lines[1]["cellular_status"]["registered"].is_boolean());
  CHECK(lines[2]["outcome"] == "no_answer");
  CHECK(lines[2]["termios_restored"] == true);
}

TEST_CASE("dialup probe: text output names the profile and why; no modem is exit status 2") {
  dialup::test::sim_program cx(DIALUP_SIM_PATH, 1, 0.05, {"--personality", "conexant"});
  REQUIRE(cx.started());
  auto r = run_dialup({"probe", "--timeout", "200", cx.pty(0)});
  CHECK(r.status == 0);
  CHECK(r.output.find("modem at 115200 bit/s") != std::string::npos);
  CHECK(r.output.find("model         CX81801") != std::string::npos);
  CHECK(r.output.find("profile       conexant-usb") != std::string::npos);
  CHECK(r.output.find("init string   ATQ0V1E1S0=0&C1&D2+FCLASS=0") != std::string::npos);

  dialup::test::pty_pair silent;
  r = run_dialup({"probe", "--timeout", "100", silent.slave});
  CHECK(r.status == 2);
  CHECK(r.output.find("no_answer: no answer to AT") != std::string::npos);
  CHECK(r.output.find("no modem answered") != std::string::npos);

  r = run_dialup({"probe", "--exclude", silent.slave, silent.slave});
  CHECK(r.status == 2);
  CHECK(r.output.find("skipped: excluded") != std::string::npos);
}

TEST_CASE("dialup probe: usage errors are exit status 1") {
  CHECK(run_dialup({"probe", "--timeout", "0", "/dev/null"}).status == 1);
  CHECK(run_dialup({"probe", "--entry-name", "x", "/dev/null"}).status == 1);
  CHECK(run_dialup({"probe", "--no-such-option"}).status == 1);
}

TEST_CASE("dialup probe --write-entry adds a phone-book entry for the modem found") {
  dialup::test::sim_program usr(DIALUP_SIM_PATH, 1, 0.05, {"--personality", "usr"});
  REQUIRE(usr.started());
  const auto dir = std::filesystem::temp_directory_path() / ("dialup-probe-pbk-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto pbk = (dir / "rasphone.pbk").string();
  auto r = run_dialup({"probe", "--timeout", "200", "--write-entry", pbk, "--entry-name", "Courier", usr.pty(0)});
  CHECK(r.status == 0);
  r = run_dialup({"phonebook", "show", pbk, "Courier"});
  CHECK(r.status == 0);
  CHECK(r.output.find(usr.pty(0)) != std::string::npos);
  CHECK(r.output.find("U.S. Robotics Courier V.Everything") != std::string::npos);
  // The name is taken now: refused, the file unchanged.
  std::ifstream before_in(pbk);
  const std::string before((std::istreambuf_iterator<char>(before_in)), {});
  r = run_dialup({"probe", "--timeout", "200", "--write-entry", pbk, "--entry-name", "Courier", usr.pty(0)});
  CHECK(r.status == 1);
  CHECK(r.output.find("the name is taken") != std::string::npos);
  std::ifstream after_in(pbk);
  const std::string after((std::istreambuf_iterator<char>(after_in)), {});
  CHECK(after == before);
  std::filesystem::remove_all(dir);
}

TEST_CASE("dialup probe --write-profile: a profile file for the modem found, that dialup profiles check accepts") {
  dialup::test::sim_program usr(DIALUP_SIM_PATH, 1, 0.05, {"--personality", "usr"});
  REQUIRE(usr.started());
  const auto dir = std::filesystem::temp_directory_path() / ("dialup-probe-profile-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = (dir / "my-courier.toml").string();
  auto r = run_dialup({"probe", "--timeout", "200", "--write-profile", file, usr.pty(0)});
  CHECK(r.status == 0);
  CHECK(r.output.find("profile 'my-courier' written to " + file) != std::string::npos);
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  const auto t = text.str();
  // On the profile it was identified as (usr-courier's AT&F1 reset), with the modem's own
  // identity and the init string it accepted.
  CHECK(t.find("name = \"my-courier\"") != std::string::npos);
  CHECK(t.find("reset = \"AT&F1\"") != std::string::npos);
  CHECK(t.find("command = \"ATQ0V1E1S0=0&C1&D2+FCLASS=0\"") != std::string::npos);
  CHECK(t.find("model = [\"Courier V.Everything\"]") != std::string::npos);
  r = run_dialup({"profiles", "check", file});
  CHECK(r.status == 0);
  CHECK(r.output.find(file + ": ok (profile my-courier)") != std::string::npos);
  // An existing file is not overwritten.
  r = run_dialup({"probe", "--timeout", "200", "--write-profile", file, usr.pty(0)});
  CHECK(r.status == 1);
  CHECK(r.output.find("exists; not overwritten") != std::string::npos);
  std::filesystem::remove_all(dir);
}
