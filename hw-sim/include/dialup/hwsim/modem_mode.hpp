// modem_mode: what a simulated modem is doing, as the exchange and the interpreter see
// it. Shared by the sans-I/O modem (modem.hpp) and the pty simulator (simulator.hpp).
#pragma once

namespace dialup::hwsim {

// What a modem is doing right now, as the exchange and the interpreter see it.
enum class modem_mode {
  command,         // on-hook, command state
  off_hook_idle,   // off-hook in command state (ATH1, or D...; finished)
  dialing,         // dialing / waiting for carrier
  ringing,         // incoming call ringing
  answering,       // ATA / auto-answer, handshake in progress
  online_data,     // connected, data state
  online_command,  // connected, after +++ (call still up)
};

const char* to_string(modem_mode m);

}  // namespace dialup::hwsim
