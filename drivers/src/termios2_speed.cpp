#include "termios2_speed.hpp"

#include <asm/termbits.h>
#include <sys/ioctl.h>

#include <cerrno>

namespace dialup::drivers {

std::error_code set_any_speed(int fd, std::uint32_t baud) {
  struct termios2 t {};
  if (::ioctl(fd, TCGETS2, &t) != 0) return {errno, std::system_category()};
  t.c_cflag &= ~(CBAUD | (CBAUD << IBSHIFT));
  t.c_cflag |= BOTHER | (BOTHER << IBSHIFT);
  t.c_ospeed = baud;
  t.c_ispeed = baud;
  if (::ioctl(fd, TCSETS2, &t) != 0) return {errno, std::system_category()};
  return {};
}

std::error_code get_speed(int fd, std::uint32_t& out, std::uint32_t& in) {
  struct termios2 t {};
  if (::ioctl(fd, TCGETS2, &t) != 0) return {errno, std::system_category()};
  out = t.c_ospeed;
  in = t.c_ispeed;
  return {};
}

}  // namespace dialup::drivers
