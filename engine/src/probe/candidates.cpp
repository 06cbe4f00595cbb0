// Which ports the prober leaves alone before opening anything (docs/probe.md §3).
#include "dialup/engine/probe.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace dialup {

namespace {

// USB devices that present a serial port and are not modems. ModemManager keeps the same
// kind of list so as not to send AT commands to them (src/77-mm-usb-device-blacklist.rules
// in ModemManager's repository, and docs/peers.md §2.4 on what its prober does to such
// devices). Generic USB-serial adapters (PL2303, CP210x, CH340, FTDI) are *not* here: an
// RS-232 modem is often behind one. pid 0 = every product of the vendor.
struct non_modem {
  std::uint16_t vid, pid;
  const char* what;
};
constexpr std::array<non_modem, 19> non_modems{{
    {0x2341, 0, "an Arduino board"},
    {0x2a03, 0, "an Arduino board"},
    {0x1b4f, 0x9207, "a SparkFun board"},
    {0x1b4f, 0x9208, "a SparkFun board"},
    {0x239a, 0x0004, "an Adafruit board"},
    {0x239a, 0x8004, "an Adafruit board"},
    {0x1ffb, 0, "a Pololu device"},
    {0x1d50, 0, "an Openmoko-id open hardware device (debug probe, board)"},
    {0x26ac, 0, "a 3D Robotics flight controller"},
    {0x04d8, 0xfb00, "a Bus Pirate"},
    {0x03eb, 0x6124, "an Atmel SAM-BA bootloader"},
    {0x9e88, 0x9e8f, "a SheevaPlug debug console"},
    {0x0e8d, 0x3329, "a MediaTek GPS receiver"},
    {0x067b, 0xaaa0, "a PS-360 GPS receiver"},
    {0x1546, 0x01a5, "a u-blox 5 GPS receiver"},
    {0x1546, 0x01a6, "a u-blox 5 GPS receiver"},
    {0x051d, 0, "an APC UPS"},
    {0x09ae, 0, "a Tripp Lite UPS"},
    {0x2458, 0x0001, "a Bluegiga BLE112 dongle"},
}};

std::string base_name(const std::string& p) {
  const auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

}  // namespace

std::string non_modem_usb_device(std::uint16_t vid, std::uint16_t pid, const std::string& driver) {
  // Drivers that only ever serve non-modems (the same rules file matches them by DRIVERS).
  if (driver == "garmin_gps") return "a Garmin GPS receiver";
  if (driver == "cypress_m8") return "a Cypress M8 device (GPS receivers, UPSes)";
  for (const auto& n : non_modems)
    if (n.vid == vid && (n.pid == 0 || n.pid == pid)) return n.what;
  return {};
}

std::string skip_reason(const probe_candidate& c, const probe_options& o) {
  for (const auto& ex : o.exclude)
    if (ex == c.port || (!c.real_path.empty() && ex == c.real_path)) return "excluded";
  const std::string real = c.real_path.empty() ? c.port : c.real_path;
  // The first UART is the serial console of many machines and a board's debug port on
  // others: AT commands there reach a login prompt or a boot loader (docs/probe.md §3).
  if (!c.named && base_name(real) == "ttyS0") return "ttyS0 is probed only when named";
  if (!c.named && c.vid && c.pid) {
    for (const auto& [vid, pid] : o.exclude_usb) {
      if (vid != *c.vid || pid != *c.pid) continue;
      char id[16];
      std::snprintf(id, sizeof id, "%04x:%04x", unsigned{vid}, unsigned{pid});
      return "usb id " + std::string(id) + " is excluded by the config (probe.exclude_usb)";
    }
    const std::string what = non_modem_usb_device(*c.vid, *c.pid, c.driver);
    if (!what.empty()) {
      char id[16];
      std::snprintf(id, sizeof id, "%04x:%04x", unsigned{*c.vid}, unsigned{*c.pid});
      return "usb id " + std::string(id) + " is " + what + ", not a modem (name the port to probe it)";
    }
  } else if (!c.named && (c.driver == "garmin_gps" || c.driver == "cypress_m8")) {
    return "driver " + c.driver + " serves " + non_modem_usb_device(0, 0, c.driver) + ", not a modem";
  }
  return {};
}

std::string build_init_string(const std::vector<std::string>& accepted) {
  std::string s = "AT";
  for (const auto& a : accepted) s += a;
  return s;
}

std::string_view to_string(probe_outcome o) noexcept {
  switch (o) {
    case probe_outcome::modem: return "modem";
    case probe_outcome::skipped: return "skipped";
    case probe_outcome::no_answer: return "no_answer";
    case probe_outcome::garbage: return "garbage";
    case probe_outcome::vanished: return "vanished";
    case probe_outcome::timed_out: return "timed_out";
    case probe_outcome::failed: return "failed";
  }
  return "?";
}

}  // namespace dialup
