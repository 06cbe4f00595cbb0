// The modem-control ioctls of a Linux tty (ioctl_tty(2), "Modem control"; tty_ioctl(4)),
// in one place: the lines read as dialup::modem_lines, the interrupt counters, the outputs
// set and read back, and what an errno from them means.
//
// Only drivers/src uses this; the engine sees modem_lines and error codes.
#pragma once

#include <cstdint>
#include <system_error>

#include "dialup/engine/transport.hpp"

namespace dialup::drivers {

// TIOCGICOUNT's counters of the four inputs (struct serial_icounter_struct, linux/serial.h):
// the driver counts every change of DCD, DSR and CTS, and ring indications in rng (the 8250
// counts the trailing edge of RI; see docs/serial-lines.md §4 for drivers that differ).
struct line_counts {
  std::uint32_t dcd = 0, dsr = 0, cts = 0, rng = 0;
  bool operator==(const line_counts&) const = default;
};

// The inputs as dialup::modem_lines from a TIOCMGET bit set.
modem_lines lines_from_bits(int bits);
// Whether two readings of the inputs agree on every line.
bool same_lines(const modem_lines& a, const modem_lines& b);

// TIOCMGET. Errors: the ioctl's errno (ENOTTY on a pty, EIO on a device that went away).
std::error_code read_modem_bits(int fd, int& bits);
// TIOCGICOUNT. Errors: the ioctl's errno (EINVAL when the driver keeps no counters).
std::error_code read_line_counts(int fd, line_counts& out);

// Sets DTR and RTS as asked, each explicitly (TIOCMBIS to raise, TIOCMBIC to drop), then
// reads them back with TIOCMGET. A line the driver refused, or did not change, is
// port_error::setting_refused; a failing TIOCMGET is its errno.
std::error_code set_outputs(int fd, bool dtr, bool rts);

// An errno meaning "this driver does not do that ioctl": EINVAL (tty_io.c answers
// TIOCGICOUNT so when the driver has no get_icount), ENOTTY (an ioctl no layer knows,
// TIOCMIWAIT on a driver without tiocmiwait), and ENOIOCTLCMD (515, the kernel's internal
// "not mine", which some drivers let through to user space).
bool is_unsupported(int err);
// An errno meaning the device went away under an open descriptor: EIO (every operation
// on a hung-up tty, and the USB serial and CDC-ACM drivers' answer once disconnected),
// ENXIO and ENODEV.
bool is_vanished(int err);
// The error a vanished device is reported with (transport.hpp names EIO and ENXIO):
// ENODEV is reported as ENXIO, the rest as they are.
std::error_code vanished_error(int err);

}  // namespace dialup::drivers
