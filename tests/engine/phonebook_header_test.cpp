// phonebook.hpp is a vocabulary header: a program that only reads and writes phone books must
// not compile Asio. This file includes nothing of the engine but phonebook.hpp, and fails to
// compile if Asio came in with it (through connection_manager.hpp, say).
#include "dialup/engine/phonebook.hpp"

#ifdef BOOST_ASIO_VERSION
#error "dialup/engine/phonebook.hpp pulls in Boost.Asio; include only vocabulary headers there"
#endif

#include <doctest/doctest.h>

#include <system_error>

TEST_CASE("phonebook.hpp alone parses an entry and makes the dial_entry, without Asio") {
  dialup::phonebook pb;
  const auto err = dialup::phonebook::parse(
      "[ISP]\nMEDIA=rastapi\nPort=COM3\nDEVICE=modem\nPhoneNumber=5550100\n", "isp.pbk", pb);
  REQUIRE_FALSE(err);
  const auto* e = pb.find("isp");
  REQUIRE(e != nullptr);
  CHECK(dialup::check_dialable(*e) == std::error_code());
  const dialup::dial_entry d = dialup::to_dial_entry(*e);
  CHECK(d.name == "ISP");
  CHECK(d.phone_number == "5550100");
}
