#include "dialup/engine/port_error.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <string>
#include <utility>

#include "dialup/engine/ras_error.hpp"

using namespace dialup;

namespace {
std::error_code sys(int e) { return {e, std::system_category()}; }
}  // namespace

TEST_CASE("port errors are in category dialup.port and speak the user's words") {
  CHECK(std::string(port_category().name()) == "dialup.port");
  CHECK(std::error_code(port_error::not_a_serial_port).message() == "not a serial port");
  CHECK(std::error_code(port_error::in_use).message() == "the port is in use by another program");
  CHECK(std::error_code(port_error::permission_denied).message() ==
        "permission denied (join the group that owns the device, usually dialout)");
  CHECK(std::error_code(port_error::speed_not_supported).message().find("speed") != std::string::npos);
  CHECK(std::error_code(port_error::setting_refused).message().find("refused") != std::string::npos);
  CHECK(std::error_code(port_error::is_a_directory).message().find("directory") != std::string::npos);
  CHECK(std::error_code(static_cast<port_error>(99)).message() == "port error 99");
}

TEST_CASE("a port error with an errno counterpart compares equal to it") {
  CHECK(std::error_code(port_error::in_use) == std::errc::device_or_resource_busy);
  CHECK(std::error_code(port_error::permission_denied) == std::errc::permission_denied);
  CHECK(std::error_code(port_error::is_a_directory) == std::errc::is_a_directory);
  CHECK(std::error_code(port_error::not_a_serial_port) == std::errc::inappropriate_io_control_operation);
  CHECK(std::error_code(port_error::speed_not_supported) != std::errc::invalid_argument);
  CHECK(std::error_code(port_error::in_use) != std::errc::permission_denied);
}

TEST_CASE("an open failure maps to the RAS number that says what to do") {
  const std::pair<std::error_code, ras_error> table[] = {
      {sys(ENOENT), ras_error::port_not_found},
      {sys(ENOTDIR), ras_error::port_not_found},
      {sys(ENODEV), ras_error::device_does_not_exist},
      {sys(ENXIO), ras_error::device_does_not_exist},
      {sys(ENOTTY), ras_error::devicetype_does_not_exist},
      {sys(EISDIR), ras_error::devicetype_does_not_exist},
      {port_error::not_a_serial_port, ras_error::devicetype_does_not_exist},
      {port_error::is_a_directory, ras_error::devicetype_does_not_exist},
      {port_error::speed_not_supported, ras_error::unsupported_bps},
      {port_error::setting_refused, ras_error::port_not_available},
      {port_error::in_use, ras_error::port_not_available},
      {port_error::permission_denied, ras_error::port_not_available},
      {sys(EBUSY), ras_error::port_not_available},
      {sys(EACCES), ras_error::port_not_available},
      {sys(EPERM), ras_error::port_not_available},
      {sys(EIO), ras_error::port_not_available},
      {std::make_error_code(std::errc::invalid_argument), ras_error::port_not_available},
  };
  for (const auto& [ec, ras] : table) {
    CAPTURE(ec);
    CHECK(ras_error_for_open_failure(ec) == ras);
  }
}

TEST_CASE("a RAS code passes through the open-failure mapping unchanged, and no error stays none") {
  CHECK(ras_error_for_open_failure(ras_error::port_already_open) == ras_error::port_already_open);
  CHECK(ras_error_for_open_failure(ras_error::hardware_failure) == ras_error::hardware_failure);
  CHECK(!ras_error_for_open_failure({}));
}
