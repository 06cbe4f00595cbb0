// Fixtures for tests that open ports: a pty pair, a private UUCP lock directory, and a
// count of this process's open descriptors (for "no fd leaks" checks).
#pragma once

#include <doctest/doctest.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace dialup::test {

// A pty pair: the slave is the "port", as hw-sim's modems are.
struct pty_pair {
  int master = -1;
  std::string slave;
  pty_pair() {
    master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(master >= 0);
    REQUIRE(::grantpt(master) == 0);
    REQUIRE(::unlockpt(master) == 0);
    slave = ::ptsname(master);
  }
  pty_pair(const pty_pair&) = delete;
  pty_pair& operator=(const pty_pair&) = delete;
  // Hangs the slave up and removes /dev/pts/N.
  void close_master() {
    if (master >= 0) ::close(master);
    master = -1;
  }
  ~pty_pair() { close_master(); }
};

// A UUCP lock directory of this test program's own, named in $DIALUP_LOCK_DIR, so nothing
// touches /var/lock and parallel runs do not meet. Mode 01777 like /var/lock, so children
// that become an ordinary user lock there too.
struct private_lock_dir {
  std::string path;
  explicit private_lock_dir(const char* prefix) {
    std::string tmpl = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) != nullptr) {
      path = tmpl;
      ::chmod(path.c_str(), 01777);
      ::setenv("DIALUP_LOCK_DIR", path.c_str(), 1);
    }
  }
  ~private_lock_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  // The lock a pty slave /dev/pts/N is taken under: LCK..pts_N, as minicom and pppd name it
  // (docs/serial-lines.md §2).
  std::string lock_of_pty(const std::string& slave) const {
    REQUIRE(slave.rfind("/dev/pts/", 0) == 0);
    return path + "/LCK..pts_" + slave.substr(slave.rfind('/') + 1);
  }
};

inline int count_entries(const char* dir) {
  int n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}
// This process's open file descriptors.
inline int open_fds() { return count_entries("/proc/self/fd"); }

}  // namespace dialup::test
