#include "uucp_lock.hpp"

#include "dialup/drivers/port_enumeration.hpp"
#include "dialup/engine/port_error.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace dialup::drivers {
namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

class lock_owner_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "dialup.port.lock"; }
  std::string message(int pid) const override {
    const std::string prog = program_of(pid);
    std::string who = prog.empty() ? "process " + std::to_string(pid)
                                   : prog + " (pid " + std::to_string(pid) + ")";
    return "the port is locked by " + who;
  }
  std::error_condition default_error_condition(int) const noexcept override {
    return std::errc::device_or_resource_busy;
  }
};

// Reads at most limit bytes of a small file; nullopt when it cannot be opened.
std::optional<std::string> read_small(const std::string& path, std::size_t limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[256];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > limit) break;
  }
  ::close(fd);
  return out;
}

// Writes "%10d\n" to a fresh file beside the lock and links it into place.
std::error_code try_link(const std::string& dir, const std::string& lock) {
  std::string tmp = dir + "/.dialup-lock-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return last_error();
  char content[32];
  const int len = std::snprintf(content, sizeof content, "%10d\n", static_cast<int>(::getpid()));
  // Others must be able to read who holds the port (minicom and pppd make it 0644).
  ::fchmod(fd, 0644);
  const bool written = ::write(fd, content, static_cast<std::size_t>(len)) == len;
  ::close(fd);
  std::error_code ec;
  if (!written) ec = std::make_error_code(std::errc::io_error);
  else if (::link(tmp.c_str(), lock.c_str()) != 0) ec = last_error();
  ::unlink(tmp.c_str());
  return ec;
}

}  // namespace

const std::error_category& lock_owner_category() noexcept {
  static const lock_owner_category_impl instance;
  return instance;
}

std::string lock_directory() {
  if (const char* d = std::getenv("DIALUP_LOCK_DIR"); d && *d) return d;
  return "/var/lock";
}

std::string lock_path_for(const std::string& device_path) {
  std::string real = device_path;
  if (char* r = ::realpath(device_path.c_str(), nullptr)) {
    real = r;
    std::free(r);
  }
  // As minicom and pppd name it: a device under /dev/ by the rest of its path with '/'
  // made '_' (/dev/ttyUSB0 -> LCK..ttyUSB0, /dev/pts/3 -> LCK..pts_3), anything else by
  // its base name.
  std::string name;
  if (real.rfind("/dev/", 0) == 0) {
    name = real.substr(5);
    for (char& c : name)
      if (c == '/') c = '_';
  } else {
    const auto slash = real.rfind('/');
    name = slash == std::string::npos ? real : real.substr(slash + 1);
  }
  return lock_directory() + "/LCK.." + name;
}

std::string program_of(pid_t pid) {
  auto comm = read_small("/proc/" + std::to_string(pid) + "/comm", 64);
  if (!comm) return {};
  std::string s = comm->substr(0, 64);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (char& ch : s)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
  return s;
}

uucp_lock::uucp_lock(uucp_lock&& o) noexcept : path_(std::exchange(o.path_, {})) {}

uucp_lock& uucp_lock::operator=(uucp_lock&& o) noexcept {
  if (this != &o) {
    release();
    path_ = std::exchange(o.path_, {});
  }
  return *this;
}

uucp_lock::~uucp_lock() { release(); }

void uucp_lock::release() {
  if (path_.empty()) return;
  // Only our own lock is removed: a lock that another program replaced (after deciding
  // ours was stale, wrongly) stays.
  if (const auto c = read_lock_file(path_); c.st == lock_info::state::held && c.pid == ::getpid())
    ::unlink(path_.c_str());
  path_.clear();
}

uucp_lock uucp_lock::acquire(const std::string& device_path, std::error_code& ec) {
  ec.clear();
  const std::string dir = lock_directory();
  const std::string lock = lock_path_for(device_path);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || ::access(dir.c_str(), W_OK) != 0)
    return {};
  // Two rounds: a stale lock removed in the first is retaken in the second; a race with
  // another program that takes it in between ends as "locked by" that program.
  for (int round = 0; round < 2; ++round) {
    const std::error_code link_ec = try_link(dir, lock);
    if (!link_ec) {
      uucp_lock l;
      l.path_ = lock;
      return l;
    }
    if (link_ec != std::errc::file_exists) {
      if (link_ec == std::errc::permission_denied || link_ec == std::errc::read_only_file_system) return {};
      ec = link_ec;
      return {};
    }
    const lock_info c = read_lock_file(lock);
    if (c.st == lock_info::state::none) continue;  // gone between link and read: try again
    if (c.st == lock_info::state::held) {
      // This process holding it is another connection of this engine on the same port:
      // in_use, as the advisory lock says it. Another live process is named.
      if (c.pid == ::getpid()) ec = port_error::in_use;
      else ec = {static_cast<int>(c.pid), lock_owner_category()};
      return {};
    }
    // Stale (dead pid) or garbage: remove it and try again.
    ::unlink(lock.c_str());
  }
  ec = std::make_error_code(std::errc::device_or_resource_busy);
  return {};
}

}  // namespace dialup::drivers
