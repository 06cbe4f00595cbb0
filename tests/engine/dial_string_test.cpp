#include "dialup/engine/dial_string.hpp"

#include <doctest/doctest.h>

#include "dialup/engine/ras_error.hpp"

using dialup::check_dial_string;
using dialup::normalize_dial_string;
using dialup::ras_error;

TEST_CASE("plain and formatted phone numbers are accepted") {
  for (std::string n : {"5550100", "555-0100", "(555) 010-0100", "9,5550100", "*70,5550100",
                        "+1 555 0100", "T5550100", "P5550100", "W5550100", "#31#5550100",
                        "5550100@", "1.555.0100", "*99#"}) {
    INFO(n);
    CHECK_FALSE(check_dial_string(n));
  }
  CHECK(normalize_dial_string("+1 (555) 010-0100") == "15550100100");
  CHECK(normalize_dial_string("9,w5550100") == "9,W5550100");
}

TEST_CASE("a dial string that would smuggle in AT commands is refused with 749") {
  for (std::string n : {"5550100\rATH", "5550100\nATZ", "5550100;ATH1", "5550100;",
                        "5550100ATH", "555 a t&F", "5550100\x1b", "S=1", "",
                        "   ", "5550100%C0", "5550100&W", "L", "5550100\"", "5550100'"}) {
    INFO(n);
    CHECK(check_dial_string(n) == ras_error::bad_phone_number);
  }
  CHECK(check_dial_string(std::string("555\0", 4)) == ras_error::bad_phone_number);
}

TEST_CASE("a phone number longer than RAS_MaxPhoneNumber is refused with 723") {
  CHECK(check_dial_string(std::string(129, '5')) == ras_error::phone_number_too_long);
  CHECK_FALSE(check_dial_string(std::string(128, '5')));
}
