#include "dialup/drivers/serial_transport.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>

#include "dialup/engine/port_error.hpp"
#include "dialup/engine/ras_error.hpp"
#include "support/port_fixtures.hpp"

using namespace dialup;
using drivers::serial_transport;

namespace {

using pty = test::pty_pair;

// A scratch directory, removed afterwards.
struct scratch_dir {
  std::filesystem::path path;
  scratch_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "dialup-drivers-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

std::error_code open_error(const std::string& path, std::uint32_t baud = 115200) {
  boost::asio::io_context io;
  port_settings s;
  s.baud_rate = baud;
  std::error_code ec;
  auto t = serial_transport::open(io.get_executor(), path, s, ec);
  CHECK((t == nullptr) == static_cast<bool>(ec));
  return ec;
}

// What an open in a child process that is not root gave (root passes TIOCEXCL and every
// permission): ok, or the error's category name, value and message.
struct child_open {
  bool ok = false;
  std::string category;
  int value = 0;
  std::string message;
};

child_open open_as_ordinary_user(const std::string& path) {
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    std::string out;
    if (::geteuid() == 0 && (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)) {
      out = "setuid failed\n0\n";
    } else {
      boost::asio::io_context io;
      std::error_code ec;
      auto t = serial_transport::open(io.get_executor(), path, port_settings{}, ec);
      out = ec ? std::string(ec.category().name()) + "\n" + std::to_string(ec.value()) + "\n" + ec.message()
               : std::string("ok\n0\n");
    }
    const ssize_t w = ::write(fds[1], out.data(), out.size());
    ::_exit(w == static_cast<ssize_t>(out.size()) ? 0 : 1);
  }
  ::close(fds[1]);
  std::string text;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  child_open r;
  const auto a = text.find('\n'), b = text.find('\n', a + 1);
  REQUIRE(b != std::string::npos);
  r.category = text.substr(0, a);
  r.value = std::stoi(text.substr(a + 1, b - a - 1));
  r.message = text.substr(b + 1);
  r.ok = r.category == "ok";
  REQUIRE_MESSAGE(r.category != "setuid failed", "the child could not become an ordinary user");
  return r;
}

const test::private_lock_dir lock_dir("dialup-locks");

std::string lock_of(const std::string& slave) { return lock_dir.lock_of_pty(slave); }

std::string read_file(const std::string& path) {
  std::string text;
  if (std::FILE* f = std::fopen(path.c_str(), "r")) {
    char buf[256];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
    std::fclose(f);
  }
  return text;
}

void write_file(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

// A pid that is certainly not running: a child that has exited and been reaped.
pid_t dead_pid() {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

std::string uucp_pid(pid_t pid) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%10d\n", static_cast<int>(pid));
  return buf;
}

using test::open_fds;

}  // namespace

TEST_CASE("a pty opens raw at the requested speed with HUPCL, as read back from the tty") {
  pty p;
  // termios belongs to the tty, not to a file descriptor: a second descriptor sees what
  // the transport set.
  const int watch = ::open(p.slave.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  REQUIRE(watch >= 0);
  boost::asio::io_context io;
  port_settings s;
  s.baud_rate = 57600;
  std::error_code ec;
  auto t = serial_transport::open(io.get_executor(), p.slave, s, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(t);
  CHECK(t->is_open());
  CHECK_FALSE(t->has_modem_control());  // a pty has no modem-control lines
  termios tio{};
  REQUIRE(::tcgetattr(watch, &tio) == 0);
  CHECK(::cfgetospeed(&tio) == B57600);
  CHECK(::cfgetispeed(&tio) == B57600);
  CHECK((tio.c_cflag & HUPCL) != 0);
  CHECK((tio.c_cflag & CSIZE) == CS8);
  CHECK((tio.c_lflag & (ICANON | ECHO | ISIG)) == 0);
  ::close(watch);
}

TEST_CASE("/dev/null fails with not_a_serial_port, reported as 609") {
  auto ec = open_error("/dev/null");
  CHECK(ec == port_error::not_a_serial_port);
  CHECK(ec.message() == "not a serial port");
  CHECK(ras_error_for_open_failure(ec) == ras_error::devicetype_does_not_exist);
}

TEST_CASE("a directory fails with is_a_directory, reported as 609") {
  scratch_dir d;
  auto ec = open_error(d.path.string());
  CHECK(ec == port_error::is_a_directory);
  CHECK(ras_error_for_open_failure(ec) == ras_error::devicetype_does_not_exist);
}

TEST_CASE("a regular file and a FIFO fail with not_a_serial_port, without waiting for a writer") {
  scratch_dir d;
  const auto file = (d.path / "file").string();
  std::FILE* f = std::fopen(file.c_str(), "w");
  REQUIRE(f);
  std::fclose(f);
  CHECK(open_error(file) == port_error::not_a_serial_port);
  const auto fifo = (d.path / "fifo").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(open_error(fifo) == port_error::not_a_serial_port);
}

TEST_CASE("a path that does not exist fails with ENOENT, reported as 615") {
  auto ec = open_error("/dev/dialup-no-such-port");
  CHECK(ec == std::errc::no_such_file_or_directory);
  CHECK(ras_error_for_open_failure(ec) == ras_error::port_not_found);
  // A /dev/serial/by-id name whose modem is unplugged: the link dangles. No lock is left.
  scratch_dir d;
  const auto link = (d.path / "usb-Acme_Modem-if00-port0").string();
  REQUIRE(::symlink("/dev/dialup-no-such-ttyUSB9", link.c_str()) == 0);
  ec = open_error(link);
  CHECK(ec == std::errc::no_such_file_or_directory);
  CHECK(ras_error_for_open_failure(ec) == ras_error::port_not_found);
  CHECK_FALSE(std::filesystem::exists(lock_dir.path + "/LCK..dialup-no-such-ttyUSB9"));
  CHECK_FALSE(std::filesystem::exists(lock_dir.path + "/LCK..usb-Acme_Modem-if00-port0"));
}

TEST_CASE("speed 0 fails with speed_not_supported, reported as 701") {
  pty p;
  auto ec = open_error(p.slave, 0);
  CHECK(ec == port_error::speed_not_supported);
  CHECK(ras_error_for_open_failure(ec) == ras_error::unsupported_bps);
}

TEST_CASE("any rate is set through termios2 and read back, standard or not, one after another") {
  pty p;
  const int watch = ::open(p.slave.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  REQUIRE(watch >= 0);
  // 12345 then 921600 on one tty: the second must not keep the first's input rate.
  for (std::uint32_t baud : {250000u, 921600u, 31250u, 12345u, 921600u, 9600u, 1000000u}) {
    CAPTURE(baud);
    boost::asio::io_context io;
    port_settings s;
    s.baud_rate = baud;
    std::error_code ec;
    auto t = serial_transport::open(io.get_executor(), p.slave, s, ec);
    REQUIRE_MESSAGE(!ec, ec.message());
    CHECK(t->speed() == baud);
    termios tio{};
    REQUIRE(::tcgetattr(watch, &tio) == 0);
    if (baud == 921600) CHECK(::cfgetospeed(&tio) == B921600);
    if (baud == 9600) CHECK(::cfgetispeed(&tio) == B9600);
  }
  ::close(watch);
}

TEST_CASE("a port this process holds fails with in_use, reported as 633; the lock is released at close") {
  pty p;
  boost::asio::io_context io;
  std::error_code ec;
  auto first = serial_transport::open(io.get_executor(), p.slave, port_settings{}, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  // The UUCP lock, as minicom and pppd write it: ten characters of pid and a newline.
  CHECK(first->lock_file() == lock_of(p.slave));
  CHECK(read_file(lock_of(p.slave)) == uucp_pid(::getpid()));
  ec = open_error(p.slave);
  CHECK(ec == port_error::in_use);
  CHECK(ec.message() == "the port is in use by another program");
  CHECK(ras_error_for_open_failure(ec) == ras_error::port_not_available);
  first->close();
  CHECK_FALSE(std::filesystem::exists(lock_of(p.slave)));
  first.reset();
  CHECK(!open_error(p.slave));  // closed: free again
  CHECK_FALSE(std::filesystem::exists(lock_of(p.slave)));  // and the destructor released it
}

TEST_CASE("a port whose UUCP lock a live program holds fails, naming the program and its pid") {
  pty p;
  // A child that sleeps holds the lock: its comm is this test's program name.
  const pid_t holder = ::fork();
  REQUIRE(holder >= 0);
  if (holder == 0) {
    ::pause();
    ::_exit(0);
  }
  write_file(lock_of(p.slave), uucp_pid(holder));
  const int before = open_fds();
  auto ec = open_error(p.slave);
  CHECK(open_fds() == before);
  CHECK(ec == std::errc::device_or_resource_busy);
  CHECK(ec.value() == holder);
  CHECK(ras_error_for_open_failure(ec) == ras_error::port_not_available);
  const std::string comm = [&] {
    std::string c = read_file("/proc/" + std::to_string(holder) + "/comm");
    while (!c.empty() && c.back() == '\n') c.pop_back();
    return c;
  }();
  CHECK(ec.message() == "the port is locked by " + comm + " (pid " + std::to_string(holder) + ")");
  CHECK(read_file(lock_of(p.slave)) == uucp_pid(holder));  // another's lock is left alone
  ::kill(holder, SIGKILL);
  int status = 0;
  ::waitpid(holder, &status, 0);
  // Its holder gone, the lock is stale: the next open takes it over.
  boost::asio::io_context io;
  auto t = serial_transport::open(io.get_executor(), p.slave, port_settings{}, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  CHECK(read_file(lock_of(p.slave)) == uucp_pid(::getpid()));
}

TEST_CASE("a stale lock, a garbage lock and an empty one are taken over") {
  pty p;
  for (const std::string& content : {uucp_pid(dead_pid()), std::string("garbage\n"), std::string(),
                                     std::string("\x01\x02\x03\x04"), std::string(4096, '7')}) {
    CAPTURE(content.size());
    write_file(lock_of(p.slave), content);
    boost::asio::io_context io;
    std::error_code ec;
    auto t = serial_transport::open(io.get_executor(), p.slave, port_settings{}, ec);
    REQUIRE_MESSAGE(!ec, ec.message());
    CHECK(read_file(lock_of(p.slave)) == uucp_pid(::getpid()));
    t.reset();
    CHECK_FALSE(std::filesystem::exists(lock_of(p.slave)));
  }
}

TEST_CASE("a lock another program replaced ours with is not removed at close") {
  pty p;
  boost::asio::io_context io;
  std::error_code ec;
  auto t = serial_transport::open(io.get_executor(), p.slave, port_settings{}, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  const pid_t other = ::getppid();
  write_file(lock_of(p.slave), uucp_pid(other));
  t.reset();
  CHECK(read_file(lock_of(p.slave)) == uucp_pid(other));
  std::filesystem::remove(lock_of(p.slave));
}

TEST_CASE("failed opens leak no descriptor and no lock") {
  scratch_dir d;
  pty p;
  const int before = open_fds();
  open_error("/dev/null");
  open_error(d.path.string());
  open_error("/dev/dialup-no-such-port");
  open_error(p.slave, 0);
  CHECK(open_fds() == before);
  CHECK_FALSE(std::filesystem::exists(lock_of(p.slave)));
}

TEST_CASE("a port another program set TIOCEXCL on fails with in_use") {
  pty p;
  const int holder = ::open(p.slave.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  REQUIRE(holder >= 0);
  REQUIRE(::fchmod(holder, 0666) == 0);  // only TIOCEXCL is in the way
  REQUIRE(::ioctl(holder, TIOCEXCL) == 0);
  auto r = open_as_ordinary_user(p.slave);
  CHECK(r.category == "dialup.port");
  CHECK(r.value == static_cast<int>(port_error::in_use));
  ::ioctl(holder, TIOCNXCL);
  CHECK(open_as_ordinary_user(p.slave).ok);
  ::close(holder);
}

TEST_CASE("a port the user may not open fails with permission_denied, reported as 633") {
  pty p;
  REQUIRE(::chmod(p.slave.c_str(), 0000) == 0);
  // The device's group is named, with what to do about it.
  REQUIRE(::chown(p.slave.c_str(), 0, 20) == 0);  // gid 20: "dialout" on Debian
  auto r = open_as_ordinary_user(p.slave);
  CHECK(r.category == "dialup.port.access");
  CHECK(r.value == 20);
  if (const ::group* g = ::getgrgid(20)) {
    CAPTURE(r.message);
    CHECK(r.message.find(std::string("group ") + g->gr_name) != std::string::npos);
    CHECK(r.message.find("usermod -aG") != std::string::npos);
  }
  CHECK(ras_error_for_open_failure(port_error::permission_denied) == ras_error::port_not_available);
}
