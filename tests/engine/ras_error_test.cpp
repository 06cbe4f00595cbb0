#include "dialup/engine/ras_error.hpp"

#include <doctest/doctest.h>

#include "dialup/engine/conn_state.hpp"

using namespace dialup;

TEST_CASE("conn_state values are the RASCONNSTATE numbers") {
  CHECK(static_cast<int>(conn_state::open_port) == 0);
  CHECK(static_cast<int>(conn_state::device_connected) == 3);
  CHECK(static_cast<int>(conn_state::all_devices_connected) == 4);
  CHECK(static_cast<int>(conn_state::projected) == 18);
  CHECK(static_cast<int>(conn_state::apply_settings) == 24);
  CHECK(static_cast<int>(conn_state::interactive) == 0x1000);
  CHECK(static_cast<int>(conn_state::invoke_eap_ui) == 0x1004);
  CHECK(static_cast<int>(conn_state::connected) == 0x2000);
  CHECK(static_cast<int>(conn_state::disconnected) == 0x2001);
  CHECK(is_paused(conn_state::retry_authentication));
  CHECK_FALSE(is_paused(conn_state::connected));
  CHECK(is_done(conn_state::disconnected));
  CHECK(to_string(conn_state::all_devices_connected) == "AllDevicesConnected");
  CHECK(to_string(static_cast<conn_state>(77)) == "Unknown");
}

TEST_CASE("RAS errors keep their numbers and read in the user's words") {
  std::error_code ec = ras_error::line_busy;
  CHECK(ec.value() == 676);
  CHECK(ec.category() == ras_category());
  CHECK(describe(ec) == "error 676: the line is busy");
  CHECK(ras_error_name(676) == "ERROR_LINE_BUSY");
  CHECK(ras_number(ec) == 676);
  CHECK(ras_number({}) == 0);
  CHECK(ras_number(std::make_error_code(std::errc::io_error)) == 635);
  CHECK(describe(std::error_code(ras_error::no_answer)) == "error 678: there was no answer");
  CHECK(ras_category().message(812) == "remote access error 812");
}

TEST_CASE("every named RAS error has a message of its own") {
  for (int code = 600; code <= 831; ++code) {
    if (ras_error_name(code).empty()) continue;
    INFO(code);
    CHECK(ras_category().message(code).find("remote access error") == std::string::npos);
  }
}

TEST_CASE("the RAS conditions group the errors the engine decides by") {
  using dialup::ras_condition;
  using dialup::ras_error;
  for (auto e : {ras_error::line_busy, ras_error::no_dialtone, ras_error::no_answer,
                 ras_error::no_carrier, ras_error::voice_answer, ras_error::temp_failure}) {
    CHECK(std::error_code(e) == ras_condition::worth_redialling);
    CHECK(std::error_code(e) != ras_condition::line_lost);
  }
  // Port, modem and timeout failures are not going to get better by dialling again.
  for (auto e : {ras_error::port_not_found, ras_error::port_already_open, ras_error::from_device,
                 ras_error::unrecognized_response, ras_error::request_timeout,
                 ras_error::user_disconnection, ras_error::remote_disconnection})
    CHECK(std::error_code(e) != ras_condition::worth_redialling);
  CHECK(std::error_code(ras_error::remote_disconnection) == ras_condition::line_lost);
  CHECK(std::error_code(ras_error::hardware_failure) == ras_condition::line_lost);
  CHECK(std::error_code(ras_error::idle_timeout) != ras_condition::line_lost);
  // Only RAS codes belong: a system error with the same number does not.
  CHECK(std::error_code(676, std::system_category()) != ras_condition::worth_redialling);
  CHECK(std::error_code(629, std::generic_category()) != ras_condition::line_lost);
  CHECK(std::error_code() != ras_condition::line_lost);
  CHECK_FALSE(std::error_condition(ras_condition::line_lost).message().empty());
}
