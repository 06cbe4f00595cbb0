#include "dialup/engine/port_error.hpp"

#include <string>

#include "dialup/engine/ras_error.hpp"

namespace dialup {
namespace {

class port_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "dialup.port"; }

  std::string message(int ev) const override {
    switch (static_cast<port_error>(ev)) {
      case port_error::not_a_serial_port: return "not a serial port";
      case port_error::is_a_directory: return "a directory, not a serial port";
      case port_error::speed_not_supported: return "the speed is not supported by the port";
      case port_error::setting_refused:
        return "the port refused its settings (raw 8-bit mode, RTS/CTS flow control)";
      case port_error::in_use: return "the port is in use by another program";
      case port_error::permission_denied:
        return "permission denied (join the group that owns the device, usually dialout)";
      case port_error::remote_port_refused:
        return "the remote end is not an RFC 2217 port (it refused COM-PORT-OPTION)";
      case port_error::no_answer:
        return "the remote port did not answer in time (RFC 2217 connect or negotiation)";
    }
    return "port error " + std::to_string(ev);
  }

  // The codes that are an errno in other words compare equal to it.
  std::error_condition default_error_condition(int ev) const noexcept override {
    switch (static_cast<port_error>(ev)) {
      case port_error::not_a_serial_port: return std::errc::inappropriate_io_control_operation;
      case port_error::is_a_directory: return std::errc::is_a_directory;
      case port_error::in_use: return std::errc::device_or_resource_busy;
      case port_error::permission_denied: return std::errc::permission_denied;
      case port_error::no_answer: return std::errc::timed_out;
      case port_error::remote_port_refused:
      case port_error::speed_not_supported:
      case port_error::setting_refused: break;
    }
    return {ev, *this};
  }
};

}  // namespace

const std::error_category& port_category() noexcept {
  static const port_category_impl instance;
  return instance;
}

std::error_code ras_error_for_open_failure(std::error_code ec) {
  using std::errc;
  if (!ec) return {};
  if (ec.category() == ras_category()) return ec;
  // A path that leads nowhere: no such port.
  if (ec == errc::no_such_file_or_directory || ec == errc::not_a_directory) return ras_error::port_not_found;
  // A device node without a device behind it (a serial port whose hardware is absent, a
  // USB modem unplugged while its node still exists).
  if (ec == errc::no_such_device || ec == errc::no_such_device_or_address)
    return ras_error::device_does_not_exist;
  // Something is there, but nothing a modem can be on: 609 says the device is of a kind RAS
  // cannot dial with. (615 and 608 would send the user looking for a missing device; 636
  // is for a port that works with something other than a modem on it.)
  if (ec == errc::inappropriate_io_control_operation || ec == errc::is_a_directory)
    return ras_error::devicetype_does_not_exist;
  if (ec == port_error::speed_not_supported) return ras_error::unsupported_bps;
  // Busy, not permitted, settings refused, anything else: the port exists but cannot be
  // used ("already in use or not configured", as the RAS text has it).
  return ras_error::port_not_available;
}

}  // namespace dialup
