// dialup::port_error — why a port could not be opened, in the user's words, and the RAS
// number such a failure is reported with.
//
// Drivers (transport_factory::async_open) fail with these codes where the operating
// system's own would mislead: "Inappropriate ioctl for device" for /dev/null, EINVAL for
// a speed the port does not take. Codes with an exact errno counterpart compare equal to
// it (port_error::in_use == std::errc::device_or_resource_busy), so code written against
// the system errors keeps working. The engine turns any open failure into a RAS number
// with ras_error_for_open_failure() and keeps ec.message() as the detail for the user.
//
// Thread safety: the category is a constant; everything here may be used from any thread.
#pragma once

#include <system_error>

namespace dialup {

enum class port_error : int {
  not_a_serial_port = 1,  // the path is not a tty (/dev/null, a regular file): ENOTTY
  is_a_directory,         // EISDIR
  speed_not_supported,    // the port does not take port_settings::baud_rate
  setting_refused,        // the port refused, or silently changed, another setting
  in_use,                 // another program holds the port (TIOCEXCL, flock): EBUSY
  permission_denied,      // EACCES / EPERM
  remote_port_refused,    // an RFC 2217 server refused COM-PORT-OPTION (DONT/WONT 44)
  no_answer,              // a remote port did not answer its negotiation in time: ETIMEDOUT
};

// Category "dialup.port". Messages are lower case, without a full stop, for a line such as
// "cannot open /dev/null: not a serial port".
const std::error_category& port_category() noexcept;

inline std::error_code make_error_code(port_error e) noexcept {
  return {static_cast<int>(e), port_category()};
}

// The RAS error a dial reports when its port cannot be opened (the Windows RAS numbers,
// raserror.h):
//   a ras_category code                       itself
//   ENOENT                                    615 ERROR_PORT_NOT_FOUND
//   ENODEV, ENXIO                             608 ERROR_DEVICE_DOES_NOT_EXIST
//   not_a_serial_port, is_a_directory,        609 ERROR_DEVICETYPE_DOES_NOT_EXIST: something
//     ENOTTY, EISDIR                              is there, but not a device a modem can be on
//   speed_not_supported                       701 ERROR_UNSUPPORTED_BPS
//   in_use, permission_denied, EBUSY, EACCES, 633 ERROR_PORT_NOT_AVAILABLE
//     setting_refused, remote_port_refused,
//     no_answer, ECONNREFUSED, anything else
// An empty code gives an empty code.
std::error_code ras_error_for_open_failure(std::error_code ec);

}  // namespace dialup

template <>
struct std::is_error_code_enum<dialup::port_error> : std::true_type {};
