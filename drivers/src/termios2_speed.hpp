// Any baud rate on a Linux tty: struct termios2 with BOTHER (the TCGETS2/TCSETS2 ioctls,
// tty_ioctl(4), ioctl_tty(2)). <asm/termbits.h> and <termios.h> cannot meet in one file,
// so this part lives in a translation unit of its own.
#pragma once

#include <cstdint>
#include <system_error>

namespace dialup::drivers {

// Sets input and output speed to baud (any positive rate) and leaves every other setting
// as it is. Errors: the ioctl's errno (EINVAL for a rate the driver refuses).
std::error_code set_any_speed(int fd, std::uint32_t baud);

// The output and input speeds the port holds now, as the driver reports them (a UART
// that cannot make a rate reports the one it made).
std::error_code get_speed(int fd, std::uint32_t& out, std::uint32_t& in);

}  // namespace dialup::drivers
