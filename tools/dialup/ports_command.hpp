// ports_command — `dialup ports [--all] [--json]`: the serial ports of this machine
// (dialup::drivers::enumerate_ports), as a table or as one JSON object per line. No port is
// opened. Returns the exit status: 0, also when there are no ports (a message says so).
#pragma once

#include <iosfwd>
#include <vector>

#include "dialup/drivers/port_enumeration.hpp"

namespace dialup_cli {

struct ports_options {
  bool all = false;   // also serial-core ports with no UART behind them
  bool json = false;  // one JSON object per line instead of the table
};

int ports_command(const ports_options& options);

// The two output forms, for a given list (tests, and ports_command itself).
void print_ports_table(std::ostream& out, const std::vector<dialup::drivers::port_info>& ports);
void print_ports_json(std::ostream& out, const std::vector<dialup::drivers::port_info>& ports);

}  // namespace dialup_cli
