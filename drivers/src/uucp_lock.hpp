// UUCP lock files: how minicom, pppd, cu, mgetty and tio tell each other that a port is
// in use (the HDB UUCP convention, described in the Filesystem Hierarchy Standard 3.0
// §5.9 "/var/lock"):
//
// - The lock is /var/lock/LCK..<name>: for a device under /dev/ the rest of its path with
//   '/' made '_' (ttyUSB0; a pty /dev/pts/3 gives LCK..pts_3), as minicom and pppd name it;
//   elsewhere its base name.
// - Its content is the owner's pid in ASCII, ten characters right-aligned and a newline
//   ("      1234\n"). Readers also take a pid without padding, and the old binary form is
//   not written by anything still in use: it counts as garbage.
// - A lock whose pid is not a live process (kill(pid, 0) fails with ESRCH) is stale: the
//   next program removes it and takes the port. A lock that cannot be read as a pid is
//   garbage and is treated as stale too (minicom and pppd do the same).
// - The lock is created atomically: a private temporary file with the content, then
//   link(2) to the lock name, which fails with EEXIST when someone else holds it.
//
// The device is named by its real path (symlinks in /dev/serial/by-id resolved), so two
// names of one modem give one lock.
//
// docs/serial-lines.md §2 says why the project takes this lock as well as flock(2) and
// TIOCEXCL.
#pragma once

#include <string>
#include <system_error>

#include <sys/types.h>

namespace dialup::drivers {

// The error a port held by another program fails with: its value is the holder's pid and
// its message names the program ("the port is locked by minicom (pid 1234)").
// It compares equal to std::errc::device_or_resource_busy and port_error::in_use's
// condition, so it maps to RAS 633 like any busy port.
const std::error_category& lock_owner_category() noexcept;

// The lock directory: $DIALUP_LOCK_DIR when set (tests), else /var/lock.
std::string lock_directory();

// The lock file path for a device path.
std::string lock_path_for(const std::string& device_path);

// The program name of a pid (/proc/<pid>/comm), or "" when it cannot be read.
std::string program_of(pid_t pid);

// A held UUCP lock, released (unlinked) when destroyed. Move-only.
class uucp_lock {
 public:
  uucp_lock() = default;
  uucp_lock(uucp_lock&& o) noexcept;
  uucp_lock& operator=(uucp_lock&& o) noexcept;
  uucp_lock(const uucp_lock&) = delete;
  uucp_lock& operator=(const uucp_lock&) = delete;
  ~uucp_lock();

  // Takes the lock for device_path. Errors:
  //   lock_owner_category (value = pid)  a live process holds it
  //   a system error                     the lock could not be written for another reason
  // When the lock directory does not exist or this user may not write to it, returns an
  // empty (not held) lock and no error: flock(2) and TIOCEXCL still guard the port, and a
  // user without rights to /var/lock must still be able to dial.
  static uucp_lock acquire(const std::string& device_path, std::error_code& ec);

  bool held() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  void release();

 private:
  std::string path_;
};

}  // namespace dialup::drivers
