// The dialup program as a user meets it: the config file (user_config.hpp, also tested
// directly), --version, "did you mean", dial --json and ports --json, the phone-book rough
// edges (wvdial init strings reaching the modem, unknown keys, bad numbers), Windows port
// names, the missing password, and terminal mode's echo — against dialup-sim over real ptys.
#include "user_config.hpp"

#include <doctest/doctest.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/sim_program.hpp"

using dialup::test::child_process;
using dialup::test::sim_program;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A private directory for one test's files, removed afterwards.
struct scratch_dir {
  fs::path path;
  scratch_dir() {
    static int n = 0;
    path = fs::temp_directory_path() / ("dialup-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    fs::create_directories(path);
  }
  ~scratch_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const auto p = path / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Environment for a dialup child: no password, no config of the user running the tests.
child_process::options clean_env(const scratch_dir& dir, std::vector<std::string> set = {}) {
  child_process::options o;
  o.unset_env = {"DIALUP_PASSWORD", "DIALUP_CONFIG", "XDG_CONFIG_HOME"};
  set.push_back("HOME=" + dir.path.string());
  o.set_env = std::move(set);
  return o;
}

struct run_result {
  int status = -1;
  std::string output;  // stdout and stderr
};

run_result run(const std::vector<std::string>& args, const child_process::options& o,
               std::chrono::milliseconds deadline = 30s) {
  std::vector<std::string> argv{DIALUP_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process p(argv, o);
  auto st = p.wait(deadline);
  return {st ? *st : -1, p.output()};
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

// ---- the config file, as a library -------------------------------------------------------

TEST_CASE("a config file gives the dial defaults, the port map and the probe exclusions") {
  dialup_cli::user_config c;
  std::string error;
  REQUIRE(dialup_cli::parse_user_config("[dial]\nport = \"/dev/ttyUSB0\"\nprofile = \"usr\"\n"
                                        "phonebook = \"/srv/isp.pbk\"\nentry = \"My ISP\"\n"
                                        "[ports]\ncom3 = \"/dev/ttyUSB1\"\n"
                                        "[probe]\nexclude = [\"/dev/ttyS0\"]\nexclude_usb = [\"1a86:7523\"]\n",
                                        "config.toml", c, error));
  CHECK(error.empty());
  CHECK(c.port == "/dev/ttyUSB0");
  CHECK(c.profile == "usr");
  CHECK(c.phonebook == "/srv/isp.pbk");
  CHECK(c.entry == "My ISP");
  CHECK(c.map_port("COM3") == "/dev/ttyUSB1");
  CHECK(c.map_port("Com3") == "/dev/ttyUSB1");
  CHECK_FALSE(c.map_port("COM4"));
  CHECK(c.probe.exclude == std::vector<std::string>{"/dev/ttyS0"});
  CHECK(c.probe.excludes("/dev/ttyS0"));
  CHECK(c.probe.excludes("/dev/ttyACM0", 0x1a86, 0x7523));
  CHECK_FALSE(c.probe.excludes("/dev/ttyACM0", 0x1a86, 0x7524));
  // The same device by another name (a /dev/serial/by-id link) is excluded too.
  scratch_dir dir;
  const auto link = dir.file("by-id-link");
  fs::create_symlink("/dev/null", link);
  c.probe.exclude = {link};
  CHECK(c.probe.excludes("/dev/null"));
  CHECK_FALSE(c.probe.excludes("/dev/zero"));
}

TEST_CASE("a bad config file is refused with file, line and reason, and nothing of it is kept") {
  struct vector {
    std::string text, message;
  };
  for (const auto& v : std::vector<vector>{
           {"[dial]\nprot = \"/dev/ttyUSB0\"\n", "c.toml:2: unknown key 'dial.prot' (did you mean 'dial.port'?)"},
           {"[dail]\nport = \"x\"\n", "c.toml:1: unknown key 'dail' (did you mean 'dial'?)"},
           {"[dial]\nport = 3\n", "c.toml:2: dial.port must be a string, not an integer"},
           {"[dial]\nentry = \"\"\n", "c.toml:2: dial.entry is empty"},
           {"dial = 1\n", "c.toml:1: dial must be a table ([dial]), not an integer"},
           {"[ports]\nttyS0 = \"/dev/ttyS0\"\n", "c.toml:2: 'ttyS0' in [ports] is not a Windows port name (COM1 to COM256)"},
           {"[ports]\nCOM3 = \"ttyUSB0\"\n", "c.toml:2: ports.COM3 must be a device path (/dev/ttyUSB0) or rfc2217://host:port, not 'ttyUSB0'"},
           {"[probe]\nexclude = \"/dev/ttyS0\"\n", "c.toml:2: probe.exclude must be an array of strings, not a string"},
           {"[probe]\nexclude_usb = [\"1a86-7523\"]\n", "c.toml:2: probe.exclude_usb: '1a86-7523' is not a USB id as vvvv:pppp in hex (1a86:7523)"},
           {"[dial]\nport = \"/dev/x\n", "c.toml:2: "},
       }) {
    CAPTURE(v.text);
    dialup_cli::user_config c;
    c.entry = "kept";
    std::string error;
    CHECK_FALSE(dialup_cli::parse_user_config(v.text, "c.toml", c, error));
    CHECK(error.rfind(v.message, 0) == 0);
    CHECK(c.entry == "kept");
  }
}

TEST_CASE("the config file is found by --config, DIALUP_CONFIG, XDG_CONFIG_HOME, then HOME") {
  scratch_dir dir;
  fs::create_directories(dir.path / "xdg/dialup");
  fs::create_directories(dir.path / "home/.config/dialup");
  dir.write("xdg/dialup/config.toml", "[dial]\nentry = \"xdg\"\n");
  dir.write("home/.config/dialup/config.toml", "[dial]\nentry = \"home\"\n");
  const auto env_file = dir.write("env.toml", "[dial]\nentry = \"env\"\n");
  const auto arg_file = dir.write("arg.toml", "[dial]\nentry = \"arg\"\n");
  const std::string home = (dir.path / "home").string(), xdg = (dir.path / "xdg").string();
  // This process's environment, put back afterwards.
  struct restore_env {
    std::optional<std::string> home = get("HOME"), xdg = get("XDG_CONFIG_HOME"), config = get("DIALUP_CONFIG");
    static std::optional<std::string> get(const char* n) {
      const char* v = std::getenv(n);
      return v ? std::optional<std::string>(v) : std::nullopt;
    }
    static void put(const char* n, const std::optional<std::string>& v) {
      if (v) ::setenv(n, v->c_str(), 1);
      else ::unsetenv(n);
    }
    ~restore_env() {
      put("HOME", home);
      put("XDG_CONFIG_HOME", xdg);
      put("DIALUP_CONFIG", config);
    }
  } restore;
  ::setenv("HOME", home.c_str(), 1);
  ::setenv("XDG_CONFIG_HOME", xdg.c_str(), 1);
  ::setenv("DIALUP_CONFIG", env_file.c_str(), 1);
  dialup_cli::user_config c;
  std::string error;
  REQUIRE(dialup_cli::load_user_config(arg_file, c, error));
  CHECK(c.entry == "arg");
  REQUIRE(dialup_cli::load_user_config("", c, error));
  CHECK(c.entry == "env");
  ::unsetenv("DIALUP_CONFIG");
  REQUIRE(dialup_cli::load_user_config("", c, error));
  CHECK(c.entry == "xdg");
  CHECK(dialup_cli::default_phonebook_path() == xdg + "/dialup/rasphone.pbk");
  ::unsetenv("XDG_CONFIG_HOME");
  REQUIRE(dialup_cli::load_user_config("", c, error));
  CHECK(c.entry == "home");
  CHECK(dialup_cli::default_phonebook_path() == home + "/.config/dialup/rasphone.pbk");
  // A missing default file is no config; a missing explicit one is an error.
  fs::remove(dir.path / "home/.config/dialup/config.toml");
  REQUIRE(dialup_cli::load_user_config("", c, error));
  CHECK(c.file.empty());
  CHECK_FALSE(c.entry);
  CHECK_FALSE(dialup_cli::load_user_config(dir.file("missing.toml"), c, error));
  CHECK(contains(error, "missing.toml"));
  // Larger than the limit: refused unread.
  const auto big = dir.write("big.toml", "# " + std::string(dialup_cli::max_user_config_bytes, 'x') + "\n");
  CHECK_FALSE(dialup_cli::load_user_config(big, c, error));
  CHECK(contains(error, "larger than"));
}

// ---- the program: version, suggestions -------------------------------------------------------

TEST_CASE("dialup --version and dialup-sim --version print the project version") {
  scratch_dir dir;
  auto r = run({"--version"}, clean_env(dir));
  CHECK(r.status == 0);
  CHECK(r.output.rfind(std::string("dialup ") + DIALUP_TEST_VERSION, 0) == 0);
  child_process sim({DIALUP_SIM_PATH, "--version"});
  REQUIRE(sim.wait(10s) == 0);
  CHECK(sim.output().rfind(std::string("dialup-sim ") + DIALUP_TEST_VERSION, 0) == 0);
}

TEST_CASE("a mistyped command or option is answered with the nearest one") {
  scratch_dir dir;
  auto r = run({"dail", "--sim"}, clean_env(dir));
  CHECK(r.status == 1);
  CHECK(contains(r.output, "unknown command 'dail' (did you mean 'dial'?)"));
  r = run({"dial", "--phnoe", "5550100"}, clean_env(dir));
  CHECK(r.status == 1);
  CHECK(contains(r.output, "dialup dial: '--phnoe': did you mean '--phone'?"));
  r = run({"phonebook", "lsit"}, clean_env(dir));
  CHECK(r.status == 1);
  CHECK(contains(r.output, "did you mean 'list'?"));
}

// ---- --json ------------------------------------------------------------------------------------

namespace {

// ordered_json: the keys in the order they were written.
std::vector<nlohmann::ordered_json> json_lines(const std::string& text) {
  std::vector<nlohmann::ordered_json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(nlohmann::ordered_json::parse(line));  // throws: not JSON
  return out;
}

// stdout alone: the child's stderr goes to a file.
run_result run_stdout(const std::vector<std::string>& args, const scratch_dir& dir, std::string& err) {
  std::string cmd = "exec \"$0\"";
  for (std::size_t i = 0; i < args.size(); ++i) cmd += " \"$" + std::to_string(i + 1) + "\"";
  cmd += " 2>" + dir.file("stderr");
  std::vector<std::string> argv{"/bin/sh", "-c", cmd, DIALUP_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process p(argv, clean_env(dir));
  auto st = p.wait(60s);
  err = read_all(dir.file("stderr"));
  return {st ? *st : -1, p.output()};
}

bool snake_case_keys(const nlohmann::ordered_json& o) {
  static const std::regex key("[a-z][a-z0-9_]*");
  for (auto& [k, v] : o.items())
    if (!std::regex_match(k, key)) return false;
  return true;
}

}  // namespace

TEST_CASE("dial --json writes one JSON object per state and event on stdout, and nothing else") {
  scratch_dir dir;
  std::string err;
  auto r = run_stdout({"dial", "--sim", "--time-scale", "0.05", "--json"}, dir, err);
  CHECK(r.status == 0);
  std::vector<nlohmann::ordered_json> lines;
  REQUIRE_NOTHROW(lines = json_lines(r.output));
  REQUIRE(lines.size() >= 5);
  std::vector<std::string> states;
  for (const auto& o : lines) {
    CAPTURE(o.dump());
    CHECK(snake_case_keys(o));
    // The five keys every object starts with.
    auto it = o.begin();
    for (const char* k : {"time", "event", "state", "state_value", "error", "error_text"}) {
      REQUIRE(it != o.end());
      CHECK(it.key() == std::string(k));
      ++it;
    }
    CHECK(o["time"].is_number());
    if (o["event"] == "state") states.push_back(o["state"]);
  }
  CHECK(lines.front()["event"] == "dialing");
  CHECK(lines.front()["number"] == "5550100");
  const std::vector<std::string> expected{"OpenPort", "PortOpened", "ConnectDevice", "DeviceConnected",
                                          "AllDevicesConnected", "Connected"};
  CHECK(states == expected);
  bool data = false;
  for (const auto& o : lines)
    if (o["event"] == "data") data = o["sent"] == 19 && o["received"] == 19;
  CHECK(data);
  CHECK(lines.back()["event"] == "hung_up");
  CHECK(lines.back()["state"] == "Disconnected");
  CHECK(lines.back()["state_value"] == 0x2001);
  CHECK(lines.back()["confirmed"] == true);
  // The messages went to stderr.
  CHECK(contains(err, "dialup: simulated modem on /dev/pts/"));
}

TEST_CASE("dial --json reports a failure with the state, the RAS error number and its text") {
  scratch_dir dir;
  std::string err;
  auto r = run_stdout({"dial", "--sim", "--time-scale", "0.05", "--json", "--phone", "5550110"}, dir, err);
  CHECK(r.status == 2);
  auto lines = json_lines(r.output);
  bool busy = false;
  for (const auto& o : lines)
    if (o["event"] == "error")
      busy = o["state"] == "ConnectDevice" && o["state_value"] == 2 && o["error"] == 676 &&
             o["error_text"] == "the line is busy";
  CHECK(busy);
  CHECK(contains(err, "error 676"));
}

TEST_CASE("ports --json names its keys as dial --json does") {
  scratch_dir dir;
  std::string err;
  auto r = run_stdout({"ports", "--all", "--json"}, dir, err);
  CHECK(r.status == 0);
  auto lines = json_lines(r.output);
  for (const auto& o : lines) {
    CAPTURE(o.dump());
    CHECK(snake_case_keys(o));
    CHECK(o["path"].is_string());
  }
  if (lines.empty()) CHECK(contains(err, "no serial ports found"));
}

// ---- phone books ---------------------------------------------------------------------------

TEST_CASE("init strings imported from wvdial.conf reach the modem through the written phone book") {
  scratch_dir dir;
  const auto trace = dir.file("trace");
  sim_program traced(DIALUP_SIM_PATH, 1, 0.05, {"--trace", trace});
  REQUIRE(traced.started());
  const auto conf = dir.write("wvdial.conf", "[Dialer Defaults]\nModem = " + traced.pty(0) +
                                                 "\nBaud = 115200\nInit1 = ATZ\nInit2 = ATM0 L1\n"
                                                 "Init3 = AT&K3\nPhone = 5550100\n");
  std::string report;
  auto imp = run_stdout({"phonebook", "import-wvdial", conf}, dir, report);
  REQUIRE(imp.status == 0);
  CHECK(contains(report, "init: ATM0 L1"));
  const auto pbk = dir.write("isp.pbk", imp.output);  // stdout: the entry
  CHECK(contains(imp.output, "DialupInit=ATM0 L1|AT&K3"));
  CHECK_FALSE(contains(imp.output, "Speaker="));
  auto show = run({"phonebook", "show", pbk, "Defaults"}, clean_env(dir));
  CHECK(contains(show.output, "init: ATM0 L1 AT&K3 (DialupInit)"));
  auto dial = run({"dial", "--phonebook", pbk, "--entry", "Defaults", "--hold", "0"}, clean_env(dir), 60s);
  CHECK(dial.status == 0);
  const std::string bytes = read_all(trace);
  CAPTURE(bytes);
  CHECK(contains(bytes, "< ATM0 L1\\r"));
  CHECK(contains(bytes, "< AT&K3\\r"));
  CHECK_FALSE(contains(bytes, "ATM1"));
  CHECK(bytes.find("ATM0 L1") < bytes.find("ATDT"));
}

TEST_CASE("phonebook set refuses unknown keys with the nearest one, and bad numbers") {
  scratch_dir dir;
  const auto pbk = dir.file("rasphone.pbk");
  auto r = run({"phonebook", "set", "--create", pbk, "ISP", "PhoneNumber=5550100", "Port=/dev/ttyUSB0"},
               clean_env(dir));
  REQUIRE(r.status == 0);
  const std::string before = read_all(pbk);
  r = run({"phonebook", "set", pbk, "ISP", "RedialAtempts=5"}, clean_env(dir));
  CHECK(r.status == 1);
  CHECK(contains(r.output, "unknown key 'RedialAtempts' (did you mean RedialAttempts?)"));
  r = run({"phonebook", "set", pbk, "ISP", "RedialAttempts=lots"}, clean_env(dir));
  CHECK(r.status == 1);
  CHECK(contains(r.output, "not a number from 0 to 4294967295: \"lots\""));
  CHECK(read_all(pbk) == before);
  // Keys Windows writes are still accepted, where dialup does not read them.
  r = run({"phonebook", "set", pbk, "ISP", "DialMode=0", "RedialOnLinkFailure=1", "IdleDisconnectSeconds=300"},
          clean_env(dir));
  CHECK(r.status == 0);
  r = run({"phonebook", "show", pbk, "ISP"}, clean_env(dir));
  CHECK(contains(r.output, "redial on link failure: yes (RedialOnLinkFailure)"));
  CHECK(contains(r.output, "idle disconnect: after 300 s idle (IdleDisconnectSeconds=300)"));
}

TEST_CASE("a phone book with a number that is not one is refused at load with file and line") {
  scratch_dir dir;
  const auto pbk = dir.write("bad.pbk", "[ISP]\r\nType=1\r\nRedialAttempts=lots\r\nMEDIA=rastapi\r\nPort=COM1\r\n"
                                        "DEVICE=modem\r\nPhoneNumber=1\r\n");
  auto r = run({"phonebook", "list", pbk}, clean_env(dir));
  CHECK(r.status == 1);
  CHECK(contains(r.output, pbk + ":3: RedialAttempts: not a number from 0 to 4294967295: \"lots\""));
}

TEST_CASE("the default phone book is the config's, else ~/.config/dialup/rasphone.pbk") {
  scratch_dir dir;
  // --create makes the default phone book's directory too.
  auto r = run({"phonebook", "set", "--create", "ISP", "PhoneNumber=5550100", "Port=/dev/ttyUSB0"}, clean_env(dir));
  CHECK(r.status == 0);
  CHECK(fs::exists(dir.path / ".config/dialup/rasphone.pbk"));
  r = run({"phonebook", "show", "ISP"}, clean_env(dir));
  CHECK(contains(r.output, "[ISP] modem on /dev/ttyUSB0"));
  const auto other = dir.write("other.pbk", read_all(dir.file(".config/dialup/rasphone.pbk")));
  dir.write(".config/dialup/config.toml", "[dial]\nphonebook = \"~/other.pbk\"\n");
  r = run({"phonebook", "rename", "ISP", "Other ISP"}, clean_env(dir));
  CHECK(r.status == 0);
  CHECK(contains(read_all(other), "[Other ISP]"));
  CHECK(contains(read_all(dir.file(".config/dialup/rasphone.pbk")), "[ISP]"));
}

// ---- dialling: Windows port names, the config's defaults, the password -----------------------

TEST_CASE("an entry on COM3 says how to map it, and dials through the config's [ports]") {
  sim_program sim(DIALUP_SIM_PATH, 1, 0.05);
  REQUIRE(sim.started());
  scratch_dir dir;
  const auto pbk = dir.file("com3.pbk");
  REQUIRE(run({"phonebook", "set", "--create", pbk, "ISP", "PhoneNumber=5550100", "Port=COM3"}, clean_env(dir)).status ==
          0);
  auto r = run({"dial", "--phonebook", pbk, "--entry", "ISP", "--hold", "0"}, clean_env(dir));
  CHECK(r.status == 1);
  CHECK(contains(r.output,
                 "the entry's port COM3 is a Windows port name: give --port /dev/ttyUSB0, or map it in "));
  CHECK(contains(r.output, "config.toml [ports]"));
  CHECK_FALSE(contains(r.output, "OpenPort"));
  const auto cfg = dir.write("c.toml", "[ports]\nCOM3 = \"" + sim.pty(0) + "\"\n");
  r = run({"--config", cfg, "dial", "--phonebook", pbk, "--entry", "ISP", "--hold", "0"}, clean_env(dir), 60s);
  CAPTURE(r.output);
  CHECK(r.status == 0);
  CHECK(contains(r.output, "COM3 is " + sim.pty(0)));
  CHECK(contains(r.output, "Connected"));
  // The config's entry and phone book, when the command line names neither.
  dir.write("c2.toml", "[dial]\nphonebook = \"" + pbk + "\"\nentry = \"ISP\"\n[ports]\nCOM3 = \"" + sim.pty(0) + "\"\n");
  r = run({"dial", "--hold", "0"}, clean_env(dir, {"DIALUP_CONFIG=" + dir.file("c2.toml")}), 60s);
  CAPTURE(r.output);
  CHECK(r.status == 0);
  CHECK(contains(r.output, "dialing ISP (5550100) on " + sim.pty(0)));
}

TEST_CASE("the config's port is used when the command line gives none") {
  sim_program sim(DIALUP_SIM_PATH, 1, 0.05);
  REQUIRE(sim.started());
  scratch_dir dir;
  const auto cfg = dir.write("c.toml", "[dial]\nport = \"" + sim.pty(0) + "\"\n");
  auto r = run({"dial", "--config", cfg, "--phone", "5550100", "--hold", "0"}, clean_env(dir), 60s);
  CAPTURE(r.output);
  CHECK(r.status == 0);
  CHECK(contains(r.output, "dialing 5550100 on " + sim.pty(0)));
  // The command line wins.
  r = run({"dial", "--config", cfg, "--port", "/dev/null", "--phone", "5550100", "--hold", "0"}, clean_env(dir));
  CHECK(contains(r.output, "dialing 5550100 on /dev/null"));
  // An entry without a port takes it too.
  const auto pbk = dir.file("noport.pbk");
  REQUIRE(run({"phonebook", "set", "--create", pbk, "ISP", "PhoneNumber=5550100"}, clean_env(dir)).status == 0);
  r = run({"dial", "--config", cfg, "--phonebook", pbk, "--entry", "ISP", "--hold", "0"}, clean_env(dir), 60s);
  CAPTURE(r.output);
  CHECK(r.status == 0);
  CHECK(contains(r.output, "dialing ISP (5550100) on " + sim.pty(0)));
}

TEST_CASE("a login script that sends the password, with no password and no terminal, says so before dialling") {
  scratch_dir dir;
  auto r = run({"dial", "--sim", "--time-scale", "0.05", "--phone", "5550102", "--user", "demo", "--script",
                DIALUP_TOOLS_TEST_DIR "/login.chat"},
               clean_env(dir));
  CHECK(r.status == 1);
  CHECK(contains(r.output, "no password was given (use --password-stdin or DIALUP_PASSWORD)"));
  CHECK_FALSE(contains(r.output, "OpenPort"));
}

// ---- terminal mode at a real terminal ---------------------------------------------------------

TEST_CASE("terminal mode at a terminal does not echo what is typed: a password stays off the screen") {
  // dialup runs on the slave side of a pty pair (its controlling terminal), as in a user's
  // terminal emulator; the test is the emulator, reading the master.
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::unsetenv("DIALUP_PASSWORD");
    ::execl(DIALUP_PATH, DIALUP_PATH, "dial", "--sim", "--time-scale", "0.05", "--phone", "5550102", "--terminal",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string screen;
  auto wait_for = [&](const std::string& what, std::chrono::seconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (screen.find(what) == std::string::npos && std::chrono::steady_clock::now() < end) {
      pollfd p{master, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[512];
      const auto n = ::read(master, buf, sizeof buf);
      if (n <= 0) break;
      screen.append(buf, static_cast<std::size_t>(n));
    }
    return screen.find(what) != std::string::npos;
  };
  auto type = [&](const std::string& keys) { CHECK(::write(master, keys.data(), keys.size()) == static_cast<ssize_t>(keys.size())); };
  CHECK(wait_for("login: ", 30s));
  type("demo\r");
  CHECK(wait_for("Password: ", 10s));
  const auto after_prompt = screen.size();
  type("hunter2-secret\r");
  CHECK(wait_for("Login incorrect", 10s));
  CHECK(wait_for("login: ", 10s));
  CAPTURE(screen);
  // The far end echoed the login name (once, not twice) and never the password.
  CHECK(screen.find("hunter2-secret") == std::string::npos);
  CHECK(after_prompt > 0);
  type("~.");
  CHECK(wait_for("terminal closed", 10s));
  CHECK(wait_for("Disconnected", 30s));
  int st = 0;
  for (int i = 0; i < 100 && ::waitpid(pid, &st, WNOHANG) == 0; ++i) {
    char buf[512];
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0 && ::read(master, buf, sizeof buf) <= 0) break;
  }
  if (::waitpid(pid, &st, WNOHANG) == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &st, 0);
  }
  ::close(master);
}

// ---- dialup profiles, dial --profile / --init ----------------------------------------------

TEST_CASE("dialup profiles list, show and check: the built-ins, a user's override, bad files with file:line") {
  scratch_dir dir;
  auto r = run({"profiles", "list"}, clean_env(dir));
  CHECK(r.status == 0);
  for (const char* n : {"generic", "usr-courier", "usr-sportster", "conexant-usb", "rockwell-zoom", "agere-usb",
                        "cellular", "direct"})
    CHECK(contains(r.output, std::string(n) + " "));
  CHECK(contains(r.output, "(built-in:usr-courier.toml)"));

  // A user's profile in ~/.config/dialup/modems overrides the built-in of its name.
  fs::create_directories(dir.path / ".config/dialup/modems");
  dir.write(".config/dialup/modems/usr-courier.toml",
            "inherits = \"usr-courier\"\ndescription = \"my Courier\"\n[[init]]\ncommand = \"ATE1V1Q0X4&C1&D2S0=0M0\"\n");
  r = run({"profiles", "list", "--json"}, clean_env(dir));
  CHECK(r.status == 0);
  CHECK(contains(r.output, "\"description\":\"my Courier\""));
  CHECK(contains(r.output, "\"source\":\"" + (dir.path / ".config/dialup/modems/usr-courier.toml").string() + "\""));

  r = run({"profiles", "show", "usr-courier"}, clean_env(dir));
  CHECK(r.status == 0);
  CHECK(contains(r.output, "reset = \"AT&F1\""));  // inherited, resolved
  CHECK(contains(r.output, "command = \"ATE1V1Q0X4&C1&D2S0=0M0\""));
  CHECK_FALSE(contains(r.output, "inherits"));
  // What show prints is a profile file check accepts.
  const auto shown = dir.write("shown.toml", r.output);
  r = run({"profiles", "check", shown}, clean_env(dir));
  CHECK(r.status == 0);
  CHECK(contains(r.output, shown + ": ok (profile usr-courier)"));

  r = run({"profiles", "show", "no-such"}, clean_env(dir));
  CHECK(r.status == 1);
  CHECK(contains(r.output, "no modem profile 'no-such' (there are: agere-usb, cellular,"));

  const auto bad = dir.write("bad.toml", "name = \"bad\"\nrest = \"ATZ\"\n[[init]]\ncommand = \"ATE1;H1\"\n");
  const auto cyc = dir.write("cyc.toml", "inherits = \"cyc\"\n");
  r = run({"profiles", "check", bad, shown, cyc}, clean_env(dir));
  CHECK(r.status == 1);
  CHECK(contains(r.output, bad + ":2: unknown key 'rest'"));
  CHECK(contains(r.output, bad + ":4: init.command 'ATE1;H1': ';' would chain another command on the line"));
  CHECK(contains(r.output, shown + ": ok"));
  CHECK(contains(r.output, cyc + ": inherits 'cyc', which no profile file defines"));

  // A broken user file is reported by list, and the others are still listed.
  dir.write(".config/dialup/modems/generic.toml", "reset = \"ATZ\n");
  r = run({"profiles", "list"}, clean_env(dir));
  CHECK(r.status == 1);
  CHECK(contains(r.output, (dir.path / ".config/dialup/modems/generic.toml").string() + ":1: "));
  CHECK(contains(r.output, "generic         Generic Hayes-compatible modem (V.250)  (built-in:generic.toml)"));
}

TEST_CASE("dial --profile sends the profile's reset and init, --init adds a step, and a bad --init is refused") {
  scratch_dir dir;
  const auto trace = dir.file("trace");
  sim_program usr(DIALUP_SIM_PATH, 1, 0.05, {"--personality", "usr", "--trace", trace});
  REQUIRE(usr.started());
  auto r = run({"dial", "--port", usr.pty(0), "--phone", "5550100", "--hold", "0", "--profile", "usr-courier",
                "--init", "ATM0"},
               clean_env(dir), 60s);
  CHECK(r.status == 0);
  const std::string bytes = read_all(trace);
  CAPTURE(bytes);
  CHECK(contains(bytes, "< AT&F1\\r"));
  CHECK(contains(bytes, "< AT&H1&R2&B1\\r"));
  CHECK(contains(bytes, "< ATM0\\r"));
  CHECK(bytes.find("ATM0") < bytes.find("ATDT"));

  r = run({"dial", "--port", usr.pty(0), "--phone", "5550100", "--init", "ATM0;DT5551212"}, clean_env(dir));
  CHECK(r.status == 1);
  CHECK(contains(r.output, "dialup dial: --init 'ATM0;DT5551212': ';' would chain another command on the line"));
  r = run({"dial", "--port", usr.pty(0), "--phone", "5550100", "--profile", "nonesuch"}, clean_env(dir));
  CHECK(r.status == 1);
  CHECK(contains(r.output, "dialup dial: no modem profile 'nonesuch'"));
  // The config's dial.profile is the default.
  const auto cfg = dir.write("config.toml", "[dial]\nprofile = \"nonesuch\"\n");
  r = run({"--config", cfg, "dial", "--port", usr.pty(0), "--phone", "5550100"}, clean_env(dir));
  CHECK(r.status == 1);
  CHECK(contains(r.output, "no modem profile 'nonesuch'"));
}
