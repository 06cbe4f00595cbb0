#include "dialup/drivers/port_enumeration.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

// The lock-file reader on files made here. The listing itself runs over a fake sysfs in
// dialup_ports_fake_sysfs_test (port_enumeration_test.sh): it needs a mount namespace.

using dialup::drivers::lock_info;
using dialup::drivers::read_lock_file;

namespace {

struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/dialup-lock-test.XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& content) const {
    std::string p = path + "/" + name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
};

std::string uucp_pid(long pid) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%10ld\n", pid);
  return buf;
}

std::string own_comm() {
  std::ifstream in("/proc/self/comm");
  std::string s;
  std::getline(in, s);
  return s;
}

}  // namespace

TEST_CASE("a lock file naming a live process is held, with the pid and the program name") {
  temp_dir d;
  auto l = read_lock_file(d.write("LCK..ttyUSB0", uucp_pid(::getpid())));
  CHECK(l.st == lock_info::state::held);
  CHECK(l.pid == ::getpid());
  CHECK(l.program == own_comm());
}

TEST_CASE("a lock file naming a pid that cannot exist is stale") {
  temp_dir d;
  // Above the largest pid_max (2^22): kill(pid, 0) gives ESRCH.
  auto l = read_lock_file(d.write("LCK..ttyUSB0", uucp_pid(9999999)));
  CHECK(l.st == lock_info::state::stale);
  CHECK(l.pid == 9999999);
  CHECK(l.program.empty());
}

TEST_CASE("no lock file: nobody holds the port") {
  temp_dir d;
  CHECK(read_lock_file(d.path + "/LCK..ttyUSB0").st == lock_info::state::none);
  CHECK(dialup::drivers::lock_owner("/dev/ttyDialupTestNoSuchPort99").st == lock_info::state::none);
}

TEST_CASE("a lock file that is not a pid is unreadable, not a crash") {
  temp_dir d;
  const char* const bad[] = {"", "\n", "garbage\n", "12ab\n", "-5\n", "0\n", "   \n", "1234567890123\n"};
  for (const char* content : bad) {
    CAPTURE(content);
    CHECK(read_lock_file(d.write("LCK..x", content)).st == lock_info::state::unreadable);
  }
}

TEST_CASE("a lock file over 128 bytes is unreadable, even when it starts with a live pid") {
  temp_dir d;
  std::string big = uucp_pid(::getpid()) + std::string(200, ' ');
  CHECK(read_lock_file(d.write("LCK..x", big)).st == lock_info::state::unreadable);
  // 128 bytes exactly is still read.
  std::string at_limit = std::string(117, ' ') + uucp_pid(::getpid()).substr(0, 11);
  REQUIRE(at_limit.size() == 128);
  CHECK(read_lock_file(d.write("LCK..y", at_limit)).st == lock_info::state::held);
}

TEST_CASE("a lock that is a FIFO or a symlink is unreadable and is not opened") {
  temp_dir d;
  // Opening a FIFO for reading would wait for a writer: the test would hang, not pass.
  std::string fifo = d.path + "/LCK..fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(read_lock_file(fifo).st == lock_info::state::unreadable);
  std::string target = d.write("real", uucp_pid(::getpid()));
  std::string link = d.path + "/LCK..link";
  REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
  CHECK(read_lock_file(link).st == lock_info::state::unreadable);
}

TEST_CASE("port kinds have their JSON names") {
  using dialup::drivers::port_kind;
  CHECK(dialup::drivers::to_string(port_kind::native) == "native");
  CHECK(dialup::drivers::to_string(port_kind::usb) == "usb");
  CHECK(dialup::drivers::to_string(port_kind::bluetooth) == "bluetooth");
  CHECK(dialup::drivers::to_string(port_kind::unknown) == "unknown");
}
