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
#include <cstdio>
#include <filesystem>
#include <string>

#include "dialup/engine/port_error.hpp"
#include "dialup/engine/ras_error.hpp"

using namespace dialup;
using drivers::serial_transport;

namespace {

// A pty pair: the slave is the "port", as hw-sim's modems are.
struct pty {
  int master = -1;
  std::string slave;
  pty() {
    master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(master >= 0);
    REQUIRE(::grantpt(master) == 0);
    REQUIRE(::unlockpt(master) == 0);
    slave = ::ptsname(master);
  }
  ~pty() { ::close(master); }
};

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

// Opens `path` in a child process that is not root (root passes TIOCEXCL and every
// permission), and returns the port_error it failed with: 0 opened, -1 another error,
// -2 the child could not become an ordinary user.
int open_error_as_ordinary_user(const std::string& path) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::geteuid() == 0 && (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0))
      ::_exit(100 - 2);
    boost::asio::io_context io;
    std::error_code ec;
    auto t = serial_transport::open(io.get_executor(), path, port_settings{}, ec);
    if (!ec) ::_exit(100);
    if (ec.category() != port_category()) {
      std::fprintf(stderr, "child: %s\n", ec.message().c_str());
      ::_exit(100 - 1);
    }
    ::_exit(100 + ec.value());
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status) - 100;
}

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
}

TEST_CASE("a speed termios does not know fails with speed_not_supported, reported as 701") {
  pty p;
  for (std::uint32_t baud : {12345u, 0u, 115201u}) {
    CAPTURE(baud);
    auto ec = open_error(p.slave, baud);
    CHECK(ec == port_error::speed_not_supported);
    CHECK(ras_error_for_open_failure(ec) == ras_error::unsupported_bps);
  }
  CHECK(!open_error(p.slave, 921600));  // a B* rate a pty keeps
}

TEST_CASE("a port another dialup holds fails with in_use, reported as 633") {
  pty p;
  boost::asio::io_context io;
  std::error_code ec;
  auto first = serial_transport::open(io.get_executor(), p.slave, port_settings{}, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  // The advisory lock stops even root, which TIOCEXCL lets through.
  ec = open_error(p.slave);
  CHECK(ec == port_error::in_use);
  CHECK(ec.message() == "the port is in use by another program");
  CHECK(ras_error_for_open_failure(ec) == ras_error::port_not_available);
  first.reset();
  CHECK(!open_error(p.slave));  // closed: free again
}

TEST_CASE("a port another program set TIOCEXCL on fails with in_use") {
  pty p;
  const int holder = ::open(p.slave.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  REQUIRE(holder >= 0);
  REQUIRE(::fchmod(holder, 0666) == 0);  // only TIOCEXCL is in the way
  REQUIRE(::ioctl(holder, TIOCEXCL) == 0);
  CHECK(open_error_as_ordinary_user(p.slave) == static_cast<int>(port_error::in_use));
  ::ioctl(holder, TIOCNXCL);
  CHECK(open_error_as_ordinary_user(p.slave) == 0);
  ::close(holder);
}

TEST_CASE("a port the user may not open fails with permission_denied, reported as 633") {
  pty p;
  REQUIRE(::chmod(p.slave.c_str(), 0000) == 0);
  CHECK(open_error_as_ordinary_user(p.slave) == static_cast<int>(port_error::permission_denied));
  CHECK(ras_error_for_open_failure(port_error::permission_denied) == ras_error::port_not_available);
}
