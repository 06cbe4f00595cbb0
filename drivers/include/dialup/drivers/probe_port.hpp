// dialup::drivers::tty_probe_opener — how `dialup probe` reaches ports (docs/probe.md §2):
// local ttys opened for the probe only, and rfc2217:// remote ports.
//
// A tty opened for a probe differs from a dial's serial_transport in what it leaves
// behind: its termios are read at open and put back exactly at close (a port that was
// not a modem must be found as it was), and it is set up without RTS/CTS (a device that
// holds CTS down must not stall the probe's AT). Like serial_transport it takes the UUCP
// lock (docs/serial-lines.md §2), flock(2) and TIOCEXCL, so nothing else opens it meanwhile.
//
// holder() reads the UUCP lock without taking it: the prober skips a port held by a live
// process and never opens it.
//
// Threading: async_open may be called from any thread; the transport is used on `ex` only.
#pragma once

#include <string>
#include <vector>

#include "dialup/drivers/port_enumeration.hpp"
#include "dialup/drivers/rfc2217_transport.hpp"
#include "dialup/engine/probe.hpp"

namespace dialup::drivers {

class tty_probe_opener final : public probe_port_opener {
 public:
  explicit tty_probe_opener(rfc2217_options rfc2217 = {}) : rfc2217_(rfc2217) {}
  // "minicom (pid 1234)" when a live process holds the port's UUCP lock, else "".
  std::string holder(const std::string& port) override;
  // Errors: as serial_transport::open (port_error codes, lock_owner_category, system
  // errors); a speed the port refuses is port_error::speed_not_supported. rfc2217://
  // names open an rfc2217_transport, whose speed stays what the open set.
  void async_open(const std::string& port, std::uint32_t bps, boost::asio::any_io_executor ex,
                  open_handler h) override;

 private:
  rfc2217_options rfc2217_;
};

// The ports of this machine worth probing (docs/probe.md §3): enumerate_ports() without
// serial-core ports that have no UART behind them and without the system console's ports
// (/sys/class/tty/console/active). USB ids and drivers are filled in for skip_reason().
std::vector<probe_candidate> system_probe_candidates();

// A port the user named: its real path (symlinks resolved), and its USB ids when `known`
// (an enumeration) lists it. named = true.
probe_candidate named_probe_candidate(const std::string& port, const std::vector<port_info>& known);

// The names of the console's ttys ("ttyS0", "tty0"), read from /sys/class/tty/console/active
// (at most 4 KiB); empty when the file cannot be read.
std::vector<std::string> console_ttys();

}  // namespace dialup::drivers
