#include "dialup/engine/cellular.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

using namespace dialup;
using namespace dialup::cellular;

TEST_CASE("+CPIN replies read as the SIM's state (27.007 §8.3)") {
  struct row {
    const char* line;
    std::optional<sim_state> want;
  };
  const std::vector<row> rows{
      {"+CPIN: READY", sim_state::ready},
      {"+CPIN:READY", sim_state::ready},
      {"  +cpin: ready  ", sim_state::ready},
      {"+CPIN: \"READY\"", sim_state::ready},
      {"+CPIN: SIM PIN", sim_state::pin_required},
      {"+CPIN: SIM PUK", sim_state::puk_required},
      {"+CPIN: SIM PIN2", sim_state::pin2_required},
      {"+CPIN: SIM PUK2", sim_state::puk2_required},
      {"+CPIN: PH-SIM PIN", sim_state::phone_lock},
      {"+CPIN: PH-NET PIN", sim_state::phone_lock},
      {"+CPIN: SOMETHING NEW", sim_state::unknown},
      {"+CME ERROR: 10", sim_state::not_inserted},
      {"+CME ERROR: SIM not inserted", sim_state::not_inserted},
      {"+CME ERROR: 13", sim_state::failure},
      {"+CME ERROR: 14", sim_state::busy},
      {"+CME ERROR: 3", std::nullopt},
      {"+CPIN:", std::nullopt},
      {"OK", std::nullopt},
      {"+CSQ: 20,99", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& r : rows) {
    INFO(r.line);
    CHECK(parse_cpin(r.line) == r.want);
  }
  CHECK(to_string(sim_state::pin_required) == "SIM PIN required");
  CHECK(to_string(sim_state::ready) == "ready");
  CHECK(to_string(static_cast<sim_state>(99)) == "unknown");
}

TEST_CASE("+CSQ gives the signal in dBm by the 27.007 §8.5 scale, 99 is not known") {
  CHECK(csq_to_dbm("+CSQ: 0,0") == -113);
  CHECK(csq_to_dbm("+CSQ: 1,99") == -111);
  CHECK(csq_to_dbm("+CSQ: 2,99") == -109);
  CHECK(csq_to_dbm("+CSQ: 20,99") == -73);
  CHECK(csq_to_dbm("+CSQ: 30,0") == -53);
  CHECK(csq_to_dbm("+CSQ: 31,7") == -51);
  CHECK(csq_to_dbm("+csq:15,3") == -83);
  CHECK_FALSE(csq_to_dbm("+CSQ: 99,99"));
  CHECK_FALSE(csq_to_dbm("+CSQ: 32,99"));
  CHECK_FALSE(csq_to_dbm("+CSQ: -1,99"));
  CHECK_FALSE(csq_to_dbm("+CSQ: 20"));
  CHECK_FALSE(csq_to_dbm("+CSQ: x,99"));
  CHECK_FALSE(csq_to_dbm("+CSQ: 20,99,1"));
  CHECK_FALSE(csq_to_dbm("+CPIN: READY"));
  // Every step of the scale is 2 dB.
  for (int rssi = 0; rssi <= 31; ++rssi) {
    INFO(rssi);
    CHECK(csq_to_dbm("+CSQ: " + std::to_string(rssi) + ",99") == -113 + 2 * rssi);
  }
}

TEST_CASE("registration reports in read and unsolicited form (27.007 §7.2, §10.1.20)") {
  auto r = parse_creg("+CREG: 0,1");
  REQUIRE(r);
  CHECK(r->stat == 1);
  CHECK(r->registered());
  CHECK_FALSE(r->unsolicited);
  CHECK(r->domain == registration_domain::circuit);
  CHECK(r->text() == "registered, home network");

  r = parse_creg("+CREG: 2,5,\"00C3\",\"A1B2\"");
  REQUIRE(r);
  CHECK(r->stat == 5);
  CHECK(r->registered());
  CHECK(r->lac == "00C3");
  CHECK(r->cell_id == "A1B2");
  CHECK(r->text() == "registered, roaming");

  r = parse_creg("+CREG: 2,5,\"00C3\",\"A1B2\",7");
  REQUIRE(r);
  CHECK(r->stat == 5);

  r = parse_creg("+CREG: 1");
  REQUIRE(r);
  CHECK(r->unsolicited);
  CHECK(r->stat == 1);

  r = parse_creg("+CREG: 2,\"00C3\",\"A1B2\"");
  REQUIRE(r);
  CHECK(r->unsolicited);
  CHECK(r->stat == 2);
  CHECK_FALSE(r->registered());
  CHECK(r->text() == "not registered, searching");
  CHECK(r->lac == "00C3");

  r = parse_creg("+CGREG: 1,3");
  REQUIRE(r);
  CHECK(r->domain == registration_domain::packet);
  CHECK(r->stat == 3);
  CHECK(r->text() == "registration denied");

  r = parse_creg("+CEREG: 0,1");
  REQUIRE(r);
  CHECK(r->domain == registration_domain::eps);
  CHECK(r->registered());

  r = parse_creg("+CEREG: 2,,,");  // unsolicited, tac/ci/AcT omitted
  REQUIRE(r);
  CHECK(r->unsolicited);
  CHECK(r->stat == 2);

  CHECK(parse_creg("+CREG: 0,0")->text() == "not registered, not searching");
  CHECK_FALSE(parse_creg("+CREG: 0,6")->registered());  // SMS only
  CHECK_FALSE(parse_creg("+CREG: 0,8")->registered());  // emergency only
  CHECK(parse_creg("+CREG: 0,9")->registered());
  CHECK_FALSE(parse_creg("+CREG: 0,4")->registered());
  CHECK(is_registered(5));
  CHECK_FALSE(is_registered(2));
  CHECK(registration_text(3) == "registration denied");
  CHECK(registration_text(42) == "unknown");

  CHECK_FALSE(parse_creg("+CREG:"));
  CHECK_FALSE(parse_creg("+CREG: x"));
  CHECK_FALSE(parse_creg("+CREG: 0,12"));
  CHECK_FALSE(parse_creg("+CREG: 9,1"));
  CHECK_FALSE(parse_creg("+COPS: 0"));
  CHECK_FALSE(parse_creg("OK"));
}

TEST_CASE("+COPS? names the operator (27.007 §7.3)") {
  CHECK(parse_cops_operator("+COPS: 0,0,\"Operator\",7") == std::string("Operator"));
  CHECK(parse_cops_operator("+COPS: 0,0,\"T-Mobile D\"") == std::string("T-Mobile D"));
  CHECK(parse_cops_operator("+COPS: 1,2,\"26201\",2") == std::string("26201"));
  CHECK(parse_cops_operator("+COPS: 0,0,\"A, B\",7") == std::string("A, B"));
  CHECK_FALSE(parse_cops_operator("+COPS: 0"));
  CHECK_FALSE(parse_cops_operator("+COPS: 2"));
  CHECK_FALSE(parse_cops_operator("+COPS: 0,0,\"\",7"));
  CHECK_FALSE(parse_cops_operator("+COPS: (2,\"Op\",\"Op\",\"26201\",7),,(0-4),(0-2)"));
  CHECK_FALSE(parse_cops_operator("+CREG: 0,1"));
}

TEST_CASE("+CME ERROR codes read in numeric and verbose form and have their 27.007 §9.2 text") {
  CHECK(parse_cme_error("+CME ERROR: 16") == 16);
  CHECK(parse_cme_error("+CME ERROR: incorrect password") == 16);
  CHECK(parse_cme_error("+CME ERROR: SIM PUK required") == 12);
  CHECK(parse_cme_error("+CME ERROR: no network service") == 30);
  CHECK_FALSE(parse_cme_error("+CME ERROR: something else"));
  CHECK_FALSE(parse_cme_error("ERROR"));
  CHECK_FALSE(parse_cme_error("+CMS ERROR: 310"));
  CHECK(cme_error_text(16) == "incorrect password");
  CHECK(cme_error_text(11) == "SIM PIN required");
  CHECK(cme_error_text(30) == "no network service");
  CHECK(cme_error_text(127) == "missing or unknown APN");
  CHECK(cme_error_text(9999) == "unknown");
  // Every text maps back to its own number.
  for (int code = 0; code <= 200; ++code) {
    const auto t = cme_error_text(code);
    if (t == "unknown") continue;
    INFO(code);
    CHECK(parse_cme_error("+CME ERROR: " + std::string(t)) == code);
  }
}

TEST_CASE("+CME ERROR codes map to RAS errors: the profile's table first, else the defaults") {
  cellular_settings s;
  CHECK(cme_to_ras(16, s) == ras_error::authentication_failure);
  CHECK(cme_to_ras(11, s) == ras_error::authentication_failure);
  CHECK(cme_to_ras(12, s) == ras_error::authentication_failure);
  CHECK(cme_to_ras(10, s) == ras_error::port_or_device);
  CHECK(cme_to_ras(30, s) == ras_error::no_carrier);
  CHECK(cme_to_ras(127, s) == ras_error::bad_address_specified);
  CHECK(cme_to_ras(122, s) == ras_error::congestion);
  CHECK(cme_to_ras(3, s) == ras_error::from_device);
  CHECK(cme_to_ras(4711, s) == ras_error::from_device);
  // No network service is worth dialling again; a wrong PIN is not (it would burn the SIM).
  CHECK(cme_to_ras(30, s) == ras_condition::worth_redialling);
  CHECK(cme_to_ras(16, s) != ras_condition::worth_redialling);

  s.cme_errors = {{30, ras_error::no_answer}, {4711, ras_error::line_busy}};
  CHECK(cme_to_ras(30, s) == ras_error::no_answer);
  CHECK(cme_to_ras(4711, s) == ras_error::line_busy);
  CHECK(cme_to_ras(16, s) == ras_error::authentication_failure);
}

TEST_CASE("an APN is checked before it goes into quotes on the AT line") {
  CHECK_FALSE(apn_problem(""));
  CHECK_FALSE(apn_problem("internet"));
  CHECK_FALSE(apn_problem("web.vodafone.de"));
  CHECK_FALSE(apn_problem("mnc001.mcc262.gprs"));
  CHECK_FALSE(apn_problem(std::string(100, 'a')));
  CHECK(apn_problem(std::string(101, 'a')));
  CHECK(apn_problem("inter\"net"));
  CHECK(apn_problem("internet\r"));
  CHECK(apn_problem("internet\nATH"));
  CHECK(apn_problem(std::string("in\0ternet", 9)));
  CHECK(apn_problem("a b"));
  CHECK(apn_problem("caf\xc3\xa9"));
  CHECK(apn_problem(".internet"));
  CHECK(apn_problem("internet."));
  CHECK(apn_problem("web..de"));
  CHECK(apn_problem("inter\"net")->find("quote") != std::string::npos);
}

TEST_CASE("a SIM PIN is 4 to 8 digits, and the reason never shows it") {
  CHECK_FALSE(pin_problem("1234"));
  CHECK_FALSE(pin_problem("12345678"));
  CHECK(pin_problem("123"));
  CHECK(pin_problem("123456789"));
  CHECK(pin_problem("12a4"));
  CHECK(pin_problem("12a4")->find("12a4") == std::string::npos);
  CHECK(pin_problem(""));
}
