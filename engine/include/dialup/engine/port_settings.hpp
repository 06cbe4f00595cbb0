// dialup::port_settings — how a port is set up when it is opened. Plain data.
#pragma once

#include <cstdint>

namespace dialup {

// Settings applied when a port is opened. Drivers read them back after applying them and
// fail the open if the port silently refused one (docs/architecture.md §7: settings applied in part).
struct port_settings {
  std::uint32_t baud_rate = 115200;
  bool hardware_flow_control = true;  // RTS/CTS; ignored where the line has none (ptys)
};

}  // namespace dialup
