#include "modem_control_io.hpp"

#include <linux/serial.h>
#include <sys/ioctl.h>

#include <cerrno>

#include "dialup/engine/port_error.hpp"

namespace dialup::drivers {

namespace {
// Not in the user-space headers: include/linux/errno.h in the kernel sources.
constexpr int enoioctlcmd = 515;
}  // namespace

modem_lines lines_from_bits(int bits) {
  modem_lines l;
  l.dcd = (bits & TIOCM_CD) != 0;
  l.dsr = (bits & TIOCM_DSR) != 0;
  l.cts = (bits & TIOCM_CTS) != 0;
  l.ri = (bits & TIOCM_RI) != 0;
  return l;
}

bool same_lines(const modem_lines& a, const modem_lines& b) {
  return a.dcd == b.dcd && a.dsr == b.dsr && a.cts == b.cts && a.ri == b.ri;
}

std::error_code read_modem_bits(int fd, int& bits) {
  if (::ioctl(fd, TIOCMGET, &bits) != 0) return {errno, std::system_category()};
  return {};
}

std::error_code read_line_counts(int fd, line_counts& out) {
  serial_icounter_struct ic{};
  if (::ioctl(fd, TIOCGICOUNT, &ic) != 0) return {errno, std::system_category()};
  out.dcd = static_cast<std::uint32_t>(ic.dcd);
  out.dsr = static_cast<std::uint32_t>(ic.dsr);
  out.cts = static_cast<std::uint32_t>(ic.cts);
  out.rng = static_cast<std::uint32_t>(ic.rng);
  return {};
}

std::error_code set_outputs(int fd, bool dtr, bool rts) {
  // One bit per call: a driver that refuses one line (a USB adapter without RTS) is then
  // named by the read-back rather than hidden in a combined TIOCMSET.
  for (auto [bit, on] : {std::pair{TIOCM_DTR, dtr}, std::pair{TIOCM_RTS, rts}}) {
    int b = bit;
    if (::ioctl(fd, on ? TIOCMBIS : TIOCMBIC, &b) != 0) {
      if (is_vanished(errno)) return vanished_error(errno);
      return port_error::setting_refused;
    }
  }
  int bits = 0;
  if (auto e = read_modem_bits(fd, bits)) return e;
  if (((bits & TIOCM_DTR) != 0) != dtr || ((bits & TIOCM_RTS) != 0) != rts) return port_error::setting_refused;
  return {};
}

bool is_unsupported(int err) { return err == EINVAL || err == ENOTTY || err == enoioctlcmd; }

bool is_vanished(int err) { return err == EIO || err == ENXIO || err == ENODEV; }

std::error_code vanished_error(int err) {
  return {err == ENODEV ? ENXIO : err, std::system_category()};
}

}  // namespace dialup::drivers
