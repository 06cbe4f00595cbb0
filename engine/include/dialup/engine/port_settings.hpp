// dialup::port_settings — how a port is set up when it is opened. Plain data.
#pragma once

#include <cstdint>

namespace dialup {

// Settings applied when a port is opened. Drivers read them back after applying them and
// fail the open if the port silently refused one (docs/architecture.md §7: settings applied in part).
struct port_settings {
  std::uint32_t baud_rate = 115200;
  bool hardware_flow_control = true;  // RTS/CTS; ignored where the line has none (ptys)
  // Modem-control outputs at open, set explicitly rather than left to the operating system
  // (Linux raises DTR and RTS on every open of a tty). The engine needs DTR up: with &D2
  // the modem hangs up when DTR drops (V.250 §6.2.9), and it goes off-hook only while DTR
  // is up. RTS with hardware flow control on is the flow-control output and stays up.
  bool dtr_on_open = true;
  bool rts_on_open = true;
  // HUPCL: the driver drops DTR when the port is closed, so a modem left in a call by a
  // crashed program hangs up. Off leaves DTR as it was (a port shared with a getty).
  bool hang_up_on_close = true;
};

}  // namespace dialup
