#include "device_presence.hpp"

#include <poll.h>
#include <sys/stat.h>

#include <cerrno>

namespace dialup::drivers {

std::error_code device_presence::check() const {
  // events 0: POLLHUP and POLLERR are reported whatever is asked for (poll(2)).
  pollfd p{fd_, 0, 0};
  if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLNVAL)) != 0)
    return {EIO, std::system_category()};
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    // ENOENT and ENOTDIR: the node (or the directory it was in) is gone. Any other error
    // (EACCES on a directory of the path, EINTR) says nothing about the device.
    if (errno == ENOENT || errno == ENOTDIR) return {ENXIO, std::system_category()};
    return {};
  }
  if (!S_ISCHR(st.st_mode) || st.st_rdev != rdev_) return {ENXIO, std::system_category()};
  return {};
}

}  // namespace dialup::drivers
