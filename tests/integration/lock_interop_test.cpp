// Exclusive use of a port, proven against the real programs: the dialup program and
// dialup-sim's ptys, with minicom and tio run under tmux. Each test skips (with a message,
// and passes) when a program it needs is not installed, or when it needs root and does not
// have it.
//
// What the three take (measured with minicom 2.8 and tio 2.5, docs/interop.md §6):
//   dialup   a UUCP lock named as minicom names it, from the real path (FHS 3.0 §5.9), flock(2), TIOCEXCL
//   minicom  a UUCP lock named after the path it is given: the part after /dev/ with each /
//            made _ (/dev/pts/3 -> LCK..pts_3), else the base name; no flock, no TIOCEXCL;
//            -o takes no lock at all (minicom(1))
//   tio      flock(2) only; its open fails under another's TIOCEXCL unless it is root
// The lock directory is the real one (/var/lock), except where a test writes locks of its
// own ($DIALUP_LOCK_DIR). Locks are named after this test's own ptys, which no one else has
// while the simulator holds them; each test removes what it made.
#include "dialup/drivers/port_enumeration.hpp"

#include <doctest/doctest.h>

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "support/child_process.hpp"
#include "support/sim_program.hpp"
#include "support/tmux_terminal.hpp"
#include "uucp_lock.hpp"

using dialup::test::child_process;
using dialup::test::find_program;
using dialup::test::sim_program;
using dialup::test::tmux_terminal;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr double k_time_scale = 0.05;  // a dial takes about 1.1 s
const char* const k_lock_dir = "/var/lock";

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// "%10d\n", the HDB UUCP lock content (FHS 3.0 §5.9).
std::string hdb_pid(pid_t pid) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%10d\n", static_cast<int>(pid));
  return buf;
}

pid_t parent_of(pid_t pid) {
  // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so from the last ')'.
  const std::string s = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto close = s.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(s.substr(close + 1));
  std::string state;
  pid_t ppid = 0;
  in >> state >> ppid;
  return ppid;
}

// Whether `pid` is `ancestor` or runs below it.
bool runs_under(pid_t pid, pid_t ancestor) {
  for (int depth = 0; pid > 1 && depth < 16; ++depth, pid = parent_of(pid))
    if (pid == ancestor) return true;
  return false;
}

std::string comm_of(pid_t pid) {
  std::string s = read_file("/proc/" + std::to_string(pid) + "/comm");
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// Waits until `path` exists (or, with exists = false, is gone).
bool wait_file(const std::string& path, bool exists, std::chrono::milliseconds timeout = 10s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    struct stat st {};
    if ((::lstat(path.c_str(), &st) == 0) == exists) return true;
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(20ms);
  }
}

// Waits until `path` holds `content`.
bool wait_content(const std::string& path, const std::string& content, std::chrono::milliseconds timeout = 10s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (read_file(path) == content) return true;
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(20ms);
  }
}

// The lock minicom 2.8 takes for a path: under /dev/ the rest with '/' made '_'
// (/dev/pts/3 -> LCK..pts_3), anywhere else the base name. Measured: docs/interop.md §6.
std::string minicom_lock(const std::string& device) {
  std::string name;
  if (device.rfind("/dev/", 0) == 0) {
    name = device.substr(5);
    for (char& c : name)
      if (c == '/') c = '_';
  } else {
    name = fs::path(device).filename().string();
  }
  return std::string(k_lock_dir) + "/LCK.." + name;
}

// The lock dialup takes for a path, in `dir`: the driver's own name for it.
std::string dialup_lock(const std::string& device, const std::string& dir = k_lock_dir) {
  return dir + "/" + fs::path(dialup::drivers::lock_path_for(device)).filename().string();
}

// Removes a lock file a test's program may have left behind (a minicom killed with its tmux
// server), if it still names that program's pid.
struct remove_lock_of {
  std::string path;
  pid_t pid = 0;
  ~remove_lock_of() {
    if (pid > 0 && read_file(path) == hdb_pid(pid)) ::unlink(path.c_str());
  }
};

// minicom on `device` under tmux, with its init string (no -o: -o skips the lock check).
// Its pid is known once its lock is there; it runs under the tmux pane's shell.
struct minicom_session {
  tmux_terminal term;
  explicit minicom_session(const std::string& minicom, const std::string& device, const std::string& prefix = {})
      : term(prefix + minicom + " -D " + device + " -b 115200 -c off; echo minicom exit status $?; sleep 30") {}
  bool quit() {
    term.keys("C-a x");
    if (!term.wait_for("Leave Minicom?")) return false;
    term.keys("Enter");
    return term.wait_for("minicom exit status 0");
  }
};

// The dialup program, with the lock directory its users have unless told otherwise.
child_process::options dialup_env(const std::string& lock_dir = {}) {
  child_process::options o;
  o.unset_env = {"DIALUP_LOCK_DIR"};
  if (!lock_dir.empty()) o.set_env = {"DIALUP_LOCK_DIR=" + lock_dir};
  return o;
}

bool have_terminal_programs(const char* program) {
  if (find_program(program).empty() || find_program("tmux").empty()) {
    MESSAGE(program << " or tmux is not installed: skipped");
    return false;
  }
  return true;
}

bool lock_dir_writable() {
  if (::access(k_lock_dir, W_OK) != 0) {
    MESSAGE(k_lock_dir << " is not writable by this user: skipped");
    return false;
  }
  return true;
}

// A private temporary directory, removed with what is in it.
struct temp_dir {
  std::string path;
  temp_dir() {
    std::string t = "/tmp/dialup-lock-test-XXXXXX";
    if (::mkdtemp(t.data())) path = t;
  }
  ~temp_dir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("minicom 2.8 locks /dev/pts/N as /var/lock/LCK..pts_N: its pid in ten characters and a newline, mode 0644, "
          "gone when it quits" *
          doctest::test_suite("interop")) {
  if (!have_terminal_programs("minicom") || !lock_dir_writable()) return;
  sim_program sim(DIALUP_SIM_PATH, 1, k_time_scale);
  REQUIRE(sim.started());
  const std::string pty = sim.pty(0);
  const std::string lock = std::string(k_lock_dir) + "/LCK..pts_" + pty.substr(pty.rfind('/') + 1);
  CHECK(minicom_lock(pty) == lock);  // the name the other tests expect minicom to take
  remove_lock_of cleanup{lock};
  minicom_session m(find_program("minicom"), pty);
  REQUIRE(m.term.started());
  REQUIRE(m.term.wait_for("CTRL-A Z for help"));
  REQUIRE(wait_file(lock, true));
  const std::string content = read_file(lock);
  const pid_t pid = std::atoi(content.c_str());
  cleanup.pid = pid;
  CHECK(content == hdb_pid(pid));
  CHECK(comm_of(pid) == "minicom");
  CHECK(runs_under(pid, m.term.pane_pid()));  // this test's minicom
  struct stat st {};
  REQUIRE(::lstat(lock.c_str(), &st) == 0);
  CHECK(S_ISREG(st.st_mode));
  CHECK((st.st_mode & 07777) == 0644);
  CHECK(m.quit());
  CHECK(wait_file(lock, false));
}

// The lock names agree (LCK..pts_N): each refuses the other.
TEST_CASE("dialup refuses /dev/pts/N while minicom holds it, naming minicom and its pid; lock_owner() reports minicom" *
          doctest::test_suite("interop")) {
  if (!have_terminal_programs("minicom") || !lock_dir_writable()) {
    return;
  }
  sim_program sim(DIALUP_SIM_PATH, 1, k_time_scale);
  REQUIRE(sim.started());
  const std::string pty = sim.pty(0);
  const std::string lock = minicom_lock(pty);
  remove_lock_of cleanup{lock};
  minicom_session m(find_program("minicom"), pty);
  REQUIRE(m.term.wait_for("CTRL-A Z for help"));
  REQUIRE(wait_file(lock, true));
  const pid_t pid = std::atoi(read_file(lock).c_str());
  cleanup.pid = pid;
  REQUIRE(comm_of(pid) == "minicom");

  const auto owner = dialup::drivers::lock_owner(pty);
  CHECK(owner.st == dialup::drivers::lock_info::state::held);
  CHECK(owner.pid == pid);
  CHECK(owner.program == "minicom");

  child_process d({DIALUP_PATH, "dial", "--port", pty, "--phone", "5550100", "--hold", "0"}, dialup_env());
  const int rc = d.wait(20s).value_or(-1);
  INFO(d.output());
  CHECK(rc == 2);
  CHECK(d.output().find("cannot open " + pty + ": the port is locked by minicom (pid " + std::to_string(pid) + ")") !=
        std::string::npos);
  CHECK(m.quit());
}

// Root passes TIOCEXCL: the lock file alone keeps minicom out.
TEST_CASE("minicom run by root refuses /dev/pts/N while dialup holds it: 'Device /dev/pts/N is locked.', exit 1" *
          doctest::test_suite("interop")) {
  if (!have_terminal_programs("minicom") || !lock_dir_writable() || ::geteuid() != 0) {
    MESSAGE("minicom, tmux, a writable /var/lock or root missing: skipped");
    return;
  }
  sim_program sim(DIALUP_SIM_PATH, 1, k_time_scale);
  REQUIRE(sim.started());
  const std::string pty = sim.pty(0);
  child_process d({DIALUP_PATH, "dial", "--port", pty, "--phone", "5550100", "--hold", "60"}, dialup_env());
  remove_lock_of cleanup{dialup_lock(pty), d.pid()};
  REQUIRE(d.wait_for_output("holding the line", 20s));
  {
    remove_lock_of minicom_cleanup{minicom_lock(pty)};
    minicom_session m(find_program("minicom"), pty);
    CHECK(m.term.wait_for("Device " + pty + " is locked.", 1, 5s));
    CHECK(m.term.wait_for("minicom exit status 1", 1, 5s));
    if (m.term.screen().find("CTRL-A Z for help") != std::string::npos) {
      minicom_cleanup.pid = std::atoi(read_file(minicom_cleanup.path).c_str());
      m.quit();
    }
  }
  d.signal(SIGTERM);
  CHECK(d.wait(20s).value_or(-1) == 0);
}

TEST_CASE("where the lock names agree (a pty at a path outside /dev, named by its base name as /dev/ttyUSB0 is), "
          "dialup refuses a port minicom holds, naming minicom and its pid, and minicom refuses a port dialup holds" *
          doctest::test_suite("interop")) {
  if (!have_terminal_programs("minicom") || !lock_dir_writable()) return;
  // The pty is bind-mounted onto a plain path, in a mount namespace of this process's own
  // (mount_namespaces(7)): a device node made with mknod(2) for a pty fails to open with
  // EIO, and a symlink is resolved by dialup (its lock is the target's) but not by minicom.
  if (::geteuid() != 0) {
    MESSAGE("needs root (a private mount namespace): skipped");
    return;
  }
  if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    MESSAGE("no private mount namespace (" << std::strerror(errno) << "): skipped");
    return;
  }
  sim_program sim(DIALUP_SIM_PATH, 1, k_time_scale);
  REQUIRE(sim.started());
  temp_dir dir;
  REQUIRE(!dir.path.empty());
  const std::string port = dir.path + "/ttyLK" + std::to_string(::getpid());
  { std::ofstream touch(port); }
  REQUIRE(::mount(sim.pty(0).c_str(), port.c_str(), nullptr, MS_BIND, nullptr) == 0);
  struct unmount {
    std::string path;
    ~unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount_port{port};
  const std::string lock = minicom_lock(port);
  REQUIRE(lock == dialup_lock(port));  // the names agree here
  const std::string minicom = find_program("minicom");

  SUBCASE("minicom holds it: dialup is refused with minicom's name and pid, and dials nothing") {
    remove_lock_of cleanup{lock};
    minicom_session m(minicom, port);
    REQUIRE(m.term.wait_for("CTRL-A Z for help"));
    REQUIRE(wait_file(lock, true));
    const pid_t pid = std::atoi(read_file(lock).c_str());
    cleanup.pid = pid;
    REQUIRE(comm_of(pid) == "minicom");

    // dialup ports cannot list a pty (it is not a serial port in /sys/class/tty): the same
    // reader, for one path.
    const auto owner = dialup::drivers::lock_owner(port);
    CHECK(owner.st == dialup::drivers::lock_info::state::held);
    CHECK(owner.pid == pid);
    CHECK(owner.program == "minicom");

    child_process d({DIALUP_PATH, "dial", "--port", port, "--phone", "5550100", "--hold", "0"}, dialup_env());
    const int rc = d.wait(20s).value_or(-1);
    INFO(d.output());
    CHECK(rc == 2);
    const std::string why = "error 633: the port is busy or cannot be used: cannot open " + port +
                            ": the port is locked by minicom (pid " + std::to_string(pid) + ")";
    CHECK(d.output().find("OpenPort             failed: " + why + "\n") != std::string::npos);
    CHECK(d.output().find("dialup: " + why + "\n") != std::string::npos);
    CHECK(d.output().find("PortOpened") == std::string::npos);
    CHECK(read_file(lock) == hdb_pid(pid));  // minicom's lock is left alone
    CHECK(sim.status(0).find(" command on-hook ") != std::string::npos);
    CHECK(m.term.screen().find("CONNECT") == std::string::npos);
    CHECK(m.quit());
    CHECK(wait_file(lock, false));
  }

  SUBCASE("dialup holds it: minicom says the device is locked and exits 1") {
    child_process d({DIALUP_PATH, "dial", "--port", port, "--phone", "5550100", "--hold", "60"}, dialup_env());
    remove_lock_of cleanup{lock, d.pid()};
    REQUIRE(d.wait_for_output("holding the line", 20s));
    CHECK(wait_content(lock, hdb_pid(d.pid())));
    {
      minicom_session m(minicom, port);
      CHECK(m.term.wait_for("Device " + port + " is locked."));
      CHECK(m.term.wait_for("minicom exit status 1"));
    }
    CHECK(read_file(lock) == hdb_pid(d.pid()));  // dialup's lock is left alone
    CHECK(sim.status(0).find(" online_data off-hook ") != std::string::npos);
    d.signal(SIGTERM);
    CHECK(d.wait(20s).value_or(-1) == 0);
    CHECK(wait_file(lock, false));
    CHECK(sim.wait_status(0, " command on-hook "));
  }
}

namespace {

// Runs `cmd` as the unprivileged user nobody (65534) when this test is root, so that TIOCEXCL
// applies to it (tty_ioctl(4): only CAP_SYS_ADMIN opens past it); "" when it cannot be.
std::string as_nobody() {
  const std::string setpriv = find_program("setpriv");
  if (::geteuid() != 0 || setpriv.empty()) return {};
  return setpriv + " --reuid=65534 --regid=65534 --clear-groups ";
}

// dialup holding `pty` mid-call: --hold 60, or in terminal mode (--terminal --ask: the
// Interactive pause, the line its own until "~." comes on standard input).
struct dialup_holding {
  child_process proc;
  remove_lock_of lock;  // however the test ends (destroyed before proc is killed)
  dialup_holding(const std::string& pty, bool terminal)
      : proc(terminal ? std::vector<std::string>{DIALUP_PATH, "dial", "--port", pty, "--phone", "5550100", "--terminal",
                                                 "--ask", "--hold", "0"}
                      : std::vector<std::string>{DIALUP_PATH, "dial", "--port", pty, "--phone", "5550100", "--hold",
                                                 "60"},
             [] {
               auto o = dialup_env();
               o.stdin_pipe = true;
               return o;
             }()),
        lock{dialup_lock(pty), proc.pid()} {}
  bool holding(bool terminal) {
    return proc.wait_for_output(terminal ? "Interactive" : "holding the line", 20s);
  }
};

// dialup's exit status after SIGINT or SIGTERM (README, "Exit status"): 0 from a call that was
// connected and is hung up cleanly; 2 from the terminal step, where the dial has not got to
// Connected and fails with 631 (RAS's ERROR_USER_DISCONNECTION).
int status_after_signal(bool terminal) { return terminal ? 2 : 0; }

}  // namespace

TEST_CASE("tio refuses a port dialup holds: as root its flock fails ('Device file is locked by another process', "
          "exit 1); dialup is refused a port tio holds ('in use by another program', 633)" *
          doctest::test_suite("interop")) {
  if (!have_terminal_programs("tio")) return;
  if (::geteuid() != 0) {
    MESSAGE("needs root (as another user tio is stopped by TIOCEXCL before its flock; see the next test): skipped");
    return;
  }
  sim_program sim(DIALUP_SIM_PATH, 1, k_time_scale);
  REQUIRE(sim.started());
  const std::string pty = sim.pty(0);
  const std::string tio = find_program("tio");

  SUBCASE("dialup dialling with --hold, and in terminal mode") {
    for (const bool terminal : {false, true}) {
      CAPTURE(terminal);
      dialup_holding d(pty, terminal);
      REQUIRE(d.holding(terminal));
      {
        tmux_terminal t(tio + " -b 115200 " + pty + "; echo tio exit status $?; sleep 30");
        REQUIRE(t.started());
        CHECK(t.wait_for("Error: Device file is locked by another process"));
        CHECK(t.wait_for("tio exit status 1"));
        CHECK(t.screen().find("Connected") == std::string::npos);
      }
      CHECK(sim.status(0).find(" off-hook ") != std::string::npos);
      d.proc.signal(SIGTERM);
      CHECK(d.proc.wait(20s).value_or(-1) == status_after_signal(terminal));
      CHECK(sim.wait_status(0, " command on-hook "));
    }
  }

  SUBCASE("tio holds it") {
    tmux_terminal t(tio + " -b 115200 " + pty);
    REQUIRE(t.started());
    REQUIRE(t.wait_for("Connected"));
    child_process d({DIALUP_PATH, "dial", "--port", pty, "--phone", "5550100", "--hold", "0"}, dialup_env());
    const int rc = d.wait(20s).value_or(-1);
    INFO(d.output());
    CHECK(rc == 2);
    CHECK(d.output().find("dialup: error 633: the port is busy or cannot be used: cannot open " + pty +
                          ": the port is in use by another program\n") != std::string::npos);
    CHECK(d.output().find("PortOpened") == std::string::npos);
    // The UUCP lock taken before the open is given back when the flock fails.
    CHECK(wait_file(dialup_lock(pty), false));
    CHECK(sim.status(0).find(" command on-hook ") != std::string::npos);
  }
}

TEST_CASE("as an ordinary user, minicom (the lock) and tio -n (TIOCEXCL: Device or resource busy) cannot open a pty "
          "dialup holds, exit 1" *
          doctest::test_suite("interop")) {
  if (!have_terminal_programs("minicom") || !have_terminal_programs("tio")) return;
  const std::string nobody = as_nobody();
  if (nobody.empty()) {
    MESSAGE("needs root and setpriv (to run them as nobody): skipped");
    return;
  }
  sim_program sim(DIALUP_SIM_PATH, 1, k_time_scale);
  REQUIRE(sim.started());
  const std::string pty = sim.pty(0);
  // The pty is this test's; nobody may open it, but for TIOCEXCL.
  REQUIRE(::chown(pty.c_str(), 65534, 65534) == 0);
  temp_dir home;  // minicom reads $HOME/.minirc.dfl
  REQUIRE(::chown(home.path.c_str(), 65534, 65534) == 0);
  const std::string env = "env HOME=" + home.path + " ";

  SUBCASE("minicom: the lock dialup holds (the one minicom looks for) stops it first, exit 1") {
    dialup_holding d(pty, false);
    REQUIRE(d.holding(false));
    {
      minicom_session m(find_program("minicom"), pty, env + nobody);
      CHECK(m.term.wait_for("Device " + pty + " is locked."));
      CHECK(m.term.wait_for("minicom exit status 1"));
    }
    // dialup's lock is minicom's name for the port, and minicom left it alone.
    CHECK(minicom_lock(pty) == dialup_lock(pty));
    CHECK(std::filesystem::exists(dialup_lock(pty)));
    d.proc.signal(SIGTERM);
    CHECK(d.proc.wait(20s).value_or(-1) == 0);
    CHECK(sim.wait_status(0, " command on-hook "));
  }

  SUBCASE("tio -n: cannot open, Device or resource busy, exit 1") {
    dialup_holding d(pty, true);
    REQUIRE(d.holding(true));
    {
      tmux_terminal t(env + nobody + find_program("tio") + " -n -b 115200 " + pty + "; echo tio exit status $?; sleep 30");
      CHECK(t.wait_for("Error: Could not open tty device (Device or resource busy)"));
      CHECK(t.wait_for("tio exit status 1"));
    }
    d.proc.signal(SIGTERM);
    CHECK(d.proc.wait(20s).value_or(-1) == status_after_signal(true));
  }
}

// dialup clears TIOCEXCL when it closes (on a pty it would outlive the close), so tio gets
// the port afterwards.
TEST_CASE("as an ordinary user, tio's autoconnect waits while dialup holds a pty and connects once dialup has hung up" *
          doctest::test_suite("interop")) {
  const std::string nobody = as_nobody();
  if (!have_terminal_programs("tio") || nobody.empty()) {
    MESSAGE("tio, tmux, root or setpriv missing: skipped");
    return;
  }
  sim_program sim(DIALUP_SIM_PATH, 1, k_time_scale);
  REQUIRE(sim.started());
  const std::string pty = sim.pty(0);
  REQUIRE(::chown(pty.c_str(), 65534, 65534) == 0);
  dialup_holding d(pty, true);
  REQUIRE(d.holding(true));
  tmux_terminal t(nobody + find_program("tio") + " -b 115200 " + pty);
  REQUIRE(t.wait_for("Press ctrl-t q to quit"));
  CHECK(t.screen().find("Connected") == std::string::npos);
  // "~." ends the terminal; the dial goes on to Connected and --hold 0 hangs up.
  d.proc.write_stdin("~.\n");
  CHECK(d.proc.wait(20s).value_or(-1) == 0);
  CHECK(d.proc.output().find("Disconnected") != std::string::npos);
  CHECK(t.wait_for("Connected"));
  t.keys("ATZ Enter");
  CHECK(t.wait_for("OK"));
}

TEST_CASE("a stale lock (a dead pid) and a garbage lock are taken over and the dial works; a live unrelated "
          "process's lock refuses the port with its name and pid" *
          doctest::test_suite("interop")) {
  sim_program sim(DIALUP_SIM_PATH, 1, k_time_scale);
  REQUIRE(sim.started());
  const std::string pty = sim.pty(0);
  // Locks of this test's own making go to a directory of its own.
  temp_dir dir;
  REQUIRE(!dir.path.empty());
  const std::string lock = dialup_lock(pty, dir.path);

  auto takes_over = [&](const std::string& old_content) {
    {
      std::ofstream f(lock, std::ios::binary);
      f << old_content;
    }
    child_process d({DIALUP_PATH, "dial", "--port", pty, "--phone", "5550100", "--hold", "60"},
                    dialup_env(dir.path));
    REQUIRE(d.wait_for_output("holding the line", 20s));
    CHECK(read_file(lock) == hdb_pid(d.pid()));
    CHECK(sim.status(0).find(" online_data off-hook ") != std::string::npos);
    d.signal(SIGINT);
    CHECK(d.wait(20s).value_or(-1) == 0);
    CHECK(wait_file(lock, false));
  };

  SUBCASE("stale: the pid of a process that has ended") {
    child_process gone({"/bin/true"});
    REQUIRE(gone.wait(10s) == 0);
    takes_over(hdb_pid(gone.pid()));
  }
  SUBCASE("garbage: not a pid") { takes_over("not a pid\n"); }
  SUBCASE("garbage: the old binary form") { takes_over(std::string("\x03\x02\x01\x00", 4)); }
  SUBCASE("empty") { takes_over(""); }

  SUBCASE("a live process: refused, its name and pid in the message, its lock left alone") {
    const std::string sleep = find_program("sleep");
    REQUIRE(!sleep.empty());
    child_process holder({sleep, "60"});
    REQUIRE(holder.started());
    {
      std::ofstream f(lock);
      f << hdb_pid(holder.pid());
    }
    // exec(2) has happened once the comm is "sleep".
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (comm_of(holder.pid()) != "sleep" && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(10ms);
    REQUIRE(comm_of(holder.pid()) == "sleep");
    child_process d({DIALUP_PATH, "dial", "--port", pty, "--phone", "5550100", "--hold", "0"}, dialup_env(dir.path));
    const int rc = d.wait(20s).value_or(-1);
    INFO(d.output());
    CHECK(rc == 2);
    CHECK(d.output().find("dialup: error 633: the port is busy or cannot be used: cannot open " + pty +
                          ": the port is locked by sleep (pid " + std::to_string(holder.pid()) + ")\n") !=
          std::string::npos);
    CHECK(d.output().find("PortOpened") == std::string::npos);
    CHECK(read_file(lock) == hdb_pid(holder.pid()));
    CHECK(sim.status(0).find(" command on-hook ") != std::string::npos);
  }
}

TEST_CASE("SIGTERM or SIGINT to dialup mid-call: it hangs up and exits 0 (connected and hung up cleanly; 2 with "
          "631 from the terminal step), its lock in /var/lock is gone and the modem is on-hook" *
          doctest::test_suite("interop")) {
  if (!lock_dir_writable()) return;
  sim_program sim(DIALUP_SIM_PATH, 1, k_time_scale);
  REQUIRE(sim.started());
  const std::string pty = sim.pty(0);
  const std::string lock = dialup_lock(pty);
  for (const bool terminal : {false, true}) {
    for (const int sig : {SIGTERM, SIGINT}) {
      CAPTURE(terminal);
      CAPTURE(sig);
      dialup_holding d(pty, terminal);
      REQUIRE(d.holding(terminal));
      CHECK(wait_content(lock, hdb_pid(d.proc.pid())));
      CHECK(sim.wait_status(0, " online_data off-hook "));
      d.proc.signal(sig);
      CHECK(d.proc.wait(20s).value_or(-1) == status_after_signal(terminal));
      INFO(d.proc.output());
      if (terminal)
        CHECK(d.proc.output().find("dialup: error 631: the connection was hung up by the user\n") != std::string::npos);
      CHECK(d.proc.output().find(sig == SIGTERM ? "dialup: terminated, hanging up\n" : "dialup: interrupted, hanging up\n") !=
            std::string::npos);
      CHECK(d.proc.output().find("Disconnected") != std::string::npos);
      CHECK(d.proc.output().find("not confirmed") == std::string::npos);
      struct stat st {};
      CHECK(::lstat(lock.c_str(), &st) != 0);  // gone by the time it has exited
      CHECK(sim.wait_status(0, " command on-hook "));
    }
  }
}
