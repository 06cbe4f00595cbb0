// dialup::drivers::enumerate_ports — the serial ports of this machine, with what sysfs says
// about each (USB ids, interface number, driver, stable /dev/serial names) and who holds it
// (a UUCP lock file). Linux only.
//
// Enumeration never opens a port: opening a tty raises DTR and closing it drops DTR again
// (HUPCL), which is enough to make a modem hang up, and /dev/ttyS0 is often the system
// console. libserialport's sp_list_ports() opens every serial8250 tty to ask TIOCGSERIAL
// whether a UART is behind it (linux.c, list_ports()), so it is not called: the listing walks
// /sys/class/tty itself with libserialport's own rules (skip what is under
// /sys/devices/virtual), reads a serial-core port's `type` attribute instead of the ioctl
// (0 is PORT_UNKNOWN: no UART; Linux Documentation/ABI/testing/sysfs-tty), and then asks
// libserialport for each port's details with sp_get_port_by_name(), which reads sysfs only.
// docs/ports.md has the details.
//
// Thread safety: enumerate_ports() and lock_owner() keep no state; call them from any thread.
// They block on filesystem reads (sysfs, /dev, /proc, the lock directory): not on an event
// loop thread that must stay responsive. Every file read is limited in size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace dialup::drivers {

// What carries the port. native: a UART on the machine (libserialport's
// SP_TRANSPORT_NATIVE); usb and bluetooth as libserialport says (SP_TRANSPORT_USB,
// SP_TRANSPORT_BLUETOOTH); unknown: libserialport gave no details for it.
enum class port_kind { native, usb, bluetooth, unknown };

std::string_view to_string(port_kind k) noexcept;

// Who holds a port, from its UUCP lock file (the Filesystem Hierarchy Standard's
// /var/lock/LCK..<name>, written by minicom, pppd, uucico: the pid in ASCII, 10 characters
// and a newline; the older binary 4-byte form is not read).
struct lock_info {
  enum class state {
    none,        // no lock file
    held,        // a live process holds it
    stale,       // the pid is gone (kill(pid, 0) says ESRCH): nobody holds the port
    unreadable,  // the file exists but cannot be read or makes no sense (over 128 bytes, not a pid)
  };
  state st = state::none;
  pid_t pid = 0;        // held, stale
  std::string program;  // held: /proc/<pid>/comm, "" when it cannot be read
};

struct port_info {
  std::string path;  // /dev/ttyUSB0
  port_kind kind = port_kind::unknown;
  bool present = true;  // false: a serial-core port with no UART behind it (listed with `all` only)
  std::string description;  // libserialport's: for USB "product - serial" (0.1.1), else the device name
  // USB (kind == usb): from libserialport.
  std::optional<std::uint16_t> vid, pid;
  std::string manufacturer, product, serial;
  std::optional<int> bus, address;
  // USB: bInterfaceNumber of the interface the tty belongs to (two hex digits in sysfs).
  std::optional<int> interface_number;
  std::string driver;             // basename of /sys/class/tty/<name>/device/driver: "cdc_acm", "option"
  std::string bluetooth_address;  // kind == bluetooth
  // Stable names: the /dev/serial/by-id and /dev/serial/by-path symlinks (udev's
  // 60-serial.rules) that resolve to this port; "" when there is none.
  std::string by_id, by_path;
  lock_info lock;
};

struct enumerate_options {
  // Also list serial-core ports with no UART behind them (sysfs `type` 0), with
  // present == false. They are never opened either way.
  bool all = false;
};

// The ports, sorted by path. An unreadable /sys/class/tty gives an empty list.
std::vector<port_info> enumerate_ports(const enumerate_options& options = {});

// Reads the UUCP lock file for `port_path` (/dev/ttyUSB0 -> /var/lock/LCK..ttyUSB0, or under
// $DIALUP_LOCK_DIR; a symlink is resolved first, as serial_transport does) without
// changing it; see lock_info.
lock_info lock_owner(std::string_view port_path);

// The same for a given lock file path (tests).
lock_info read_lock_file(const std::string& lock_path);

}  // namespace dialup::drivers
