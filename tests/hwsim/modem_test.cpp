// Command-interpreter vectors for the sans-I/O modem: command line in → exact bytes out.
// Every vector is also fed split at every byte boundary (docs/architecture.md §7, parser tests).
#include <dialup/hwsim/modem.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace dialup::hwsim;
using namespace std::chrono_literals;

namespace {

struct vec {
  const char* what;
  std::string in;
  std::string out;
  const char* personality = "generic";
};

std::string run(const std::string& in, const char* pers, std::size_t split) {
  modem m(find_personality(pers));
  std::string out;
  m.set_output([&](std::string_view b) { out.append(b); });
  if (split == 0 || split >= in.size()) {
    m.feed(in, sim_time(0));
  } else {
    m.feed(std::string_view(in).substr(0, split), sim_time(0));
    m.feed(std::string_view(in).substr(split), sim_time(0));
  }
  return out;
}

std::string s(const char* p, std::size_t n) { return std::string(p, n); }

const std::vector<vec>& vectors() {
  static const std::vector<vec> v = {
      {"AT gives echo including the CR, then V1 OK", "AT\r", "AT\r\r\nOK\r\n"},
      {"lower-case at works", "at\r", "at\r\r\nOK\r\n"},
      {"mixed-case At is ignored (no reply)", "At\r", "At\r"},
      {"a bare CR gets no reply", "\r\r\r", "\r\r\r"},
      {"bytes before the prefix are ignored", "xyzZAT\r", "xyzZAT\r\r\nOK\r\n"},
      {"E0 echo off applies after its own line", "ATE0\rAT\r", "ATE0\r\r\nOK\r\n\r\nOK\r\n"},
      {"V0 result is digits + CR with nothing before", "ATV0\r", "ATV0\r0\r"},
      {"V0 information text is text CR LF, then numeric OK", "ATE0V0\rATI0\r",
       "ATE0V0\r0\r33600\r\n0\r"},
      {"V0 ERROR is 4 CR", "ATE0V0\rATJ\r", "ATE0V0\r0\r4\r"},
      {"Q1 suppresses result codes", "ATQ1\rAT\r", "ATQ1\rAT\r"},
      {"Q1 still sends information text", "ATE0Q1\rATS7?\r", "ATE0Q1\r\r\n050\r\n"},
      {"S7? reads three digits", "ATS7?\r", "ATS7?\r\r\n050\r\n\r\nOK\r\n"},
      {"S7=45 then S7? on one line", "ATS7=45S7?\r", "ATS7=45S7?\r\r\n045\r\n\r\nOK\r\n"},
      {"S-register leading zeros are ignored", "ATS007=007S7?\r",
       "ATS007=007S7?\r\r\n007\r\n\r\nOK\r\n"},
      {"unknown S-register gives ERROR", "ATS99=1\r", "ATS99=1\r\r\nERROR\r\n"},
      {"S-register value out of range gives ERROR", "ATS7=300\r", "ATS7=300\r\r\nERROR\r\n"},
      {"S3 set on a line frames that line's result", "ATS3=64\r", "ATS3=64\r@\nOK@\n"},
      {"current register: ATS7 then AT? and AT=", "ATS7\rAT=9\rAT?\r",
       "ATS7\r\r\nOK\r\nAT=9\r\r\nOK\r\nAT?\r\r\n009\r\n\r\nOK\r\n"},
      {"unknown command gives one ERROR and drops the rest of the line", "ATE1J E0\rAT\r",
       "ATE1J E0\r\r\nERROR\r\nAT\r\r\nOK\r\n"},
      {"only the last command's result is shown", "ATE1V1X4L1M1Q0\r",
       "ATE1V1X4L1M1Q0\r\r\nOK\r\n"},
      {"spaces and lower case inside the body (minicom init)",
       "AT S7=45 S0=0 L1 V1 X4 &c1 E1 Q0\r", "AT S7=45 S0=0 L1 V1 X4 &c1 E1 Q0\r\r\nOK\r\n"},
      {"wvdialconf init string", "ATQ0 V1 E1 S0=0 &C1 &D2 +FCLASS=0\r",
       "ATQ0 V1 E1 S0=0 &C1 &D2 +FCLASS=0\r\r\nOK\r\n"},
      {"ATI gives the product code then OK", "ATI\r", "ATI\r\r\n33600\r\n\r\nOK\r\n"},
      {"ATI3 gives the firmware name", "ATI3\r",
       "ATI3\r\r\ndialup hw-sim generic V.34 modem\r\n\r\nOK\r\n"},
      {"ATI out of range gives ERROR", "ATI12\r", "ATI12\r\r\nERROR\r\n"},
      {"X5 is out of range", "ATX5\r", "ATX5\r\r\nERROR\r\n"},
      {"E2 is out of range", "ATE2\r", "ATE2\r\r\nERROR\r\n"},
      {"ATO with no connection gives ERROR", "ATO\r", "ATO\r\r\nERROR\r\n"},
      {"ATH on-hook gives OK", "ATH\r", "ATH\r\r\nOK\r\n"},
      {"ATZ gives OK", "ATZ\r", "ATZ\r\r\nOK\r\n"},
      {"AT&F gives OK", "AT&F\r", "AT&F\r\r\nOK\r\n"},
      {"ATZ ignores the rest of the line", "ATZJJJ\r", "ATZJJJ\r\r\nOK\r\n"},
      {"ATZ answers in the reloaded (stored) format", "ATE0V0&W\rATV1\rATZ\r",
       "ATE0V0&W\r0\r\r\nOK\r\n0\r"},
      {"AT&F restores factory settings but not NVRAM", "ATE0&F\rAT\r",
       "ATE0&F\r\r\nOK\r\nAT\r\r\nOK\r\n"},
      {"M and L are accepted", "ATM0L3\r", "ATM0L3\r\r\nOK\r\n"},
      {"control characters in the line are ignored", s("AT\x01" "E\x02" "1\r", 7),
       s("AT\x01" "E\x02" "1\r\r\nOK\r\n", 13)},
      {"LF after CR is harmless (echoed, no reply)", "AT\r\n", "AT\r\r\nOK\r\n\n"},
      {"Ctrl-X clears the line and answers OK at once", "ATJJ\x18", "ATJJ\x18\r\nOK\r\n"},
      {"A/ with no previous line is OK", "A/", "A/\r\nOK\r\n"},
      {"A/ repeats the previous line at once", "ATS7?\rA/",
       "ATS7?\r\r\n050\r\n\r\nOK\r\nA/\r\n050\r\n\r\nOK\r\n"},
      {"A/ replays an ERROR too", "ATJ\rA/", "ATJ\r\r\nERROR\r\nA/\r\nERROR\r\n"},
      {"backspace edits the line (generic echoes BS)", "ATJ\bE1\r", "ATJ\bE1\r\r\nOK\r\n"},
      {"backspace cannot delete the AT prefix", "AT\b\bE1\r", "AT\b\bE1\r\r\nOK\r\n"},
      {"Conexant echoes backspace as BS SP BS", "ATJ\bE1\r", "ATJ\b \bE1\r\r\nOK\r\n",
       "conexant"},
      {"+GMI gives the manufacturer", "AT+GMI\r", "AT+GMI\r\r\nDIALUP\r\n\r\nOK\r\n"},
      {"+FCLASS=? lists data only", "AT+FCLASS=?\r", "AT+FCLASS=?\r\r\n+FCLASS: (0)\r\n\r\nOK\r\n"},
      {"+FCLASS? answers the bare value", "AT+FCLASS=0;+FCLASS?\r",
       "AT+FCLASS=0;+FCLASS?\r\r\n0\r\n\r\nOK\r\n"},
      {"+FCLASS=1 is not supported", "AT+FCLASS=1\r", "AT+FCLASS=1\r\r\nERROR\r\n"},
      {"+MS? reads the modulation", "AT+MS?\r", "AT+MS?\r\r\n+MS: 11,1,300,33600\r\n\r\nOK\r\n"},
      {"+ES with an omitted subparameter keeps it", "AT+ES=4,,3;+ES?\r",
       "AT+ES=4,,3;+ES?\r\r\n+ES: 4,0,3\r\n\r\nOK\r\n"},
      {"basic before extended without separator", "ATE1+GCAP\r",
       "ATE1+GCAP\r\r\n+GCAP: +FCLASS, +MS, +ES, +DS\r\n\r\nOK\r\n"},
      {"unknown extended command gives ERROR", "AT+XYZ\r", "AT+XYZ\r\r\nERROR\r\n"},
      {"8-bit junk in the body gives ERROR", "AT\xc1\xd4\r", "AT\xc1\xd4\r\r\nERROR\r\n"},
      {"#CID=1 is accepted and read back", "AT#CID=1#CID?\r", "AT#CID=1#CID?\r\r\n1\r\n\r\nOK\r\n"},
      {"cellular +CPIN? is READY", "AT+CPIN?\r", "AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n",
       "cellular"},
      {"cellular +CSQ", "AT+CSQ\r", "AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n", "cellular"},
      {"cellular +CREG? with n=2 adds lac/ci", "AT+CREG=2;+CREG?\r",
       "AT+CREG=2;+CREG?\r\r\n+CREG: 2,1,\"00A1\",\"0001B2C3\",7\r\n\r\nOK\r\n", "cellular"},
      {"cellular +CME ERROR numeric with CMEE=1", "AT+CMEE=1\rAT+CGDCONT=99,\"IP\",\"x\"\r",
       "AT+CMEE=1\r\r\nOK\r\nAT+CGDCONT=99,\"IP\",\"x\"\r\r\n+CME ERROR: 21\r\n", "cellular"},
      {"cellular +CGDCONT stores the APN (quoted case kept)",
       "AT+CGDCONT=1,\"IP\",\"Net.Example\"\rAT+CGDCONT?\r",
       "AT+CGDCONT=1,\"IP\",\"Net.Example\"\r\r\nOK\r\nAT+CGDCONT?\r\r\n+CGDCONT: 1,\"IP\",\"Net.Example\",\"0.0.0.0\",0,0\r\n\r\nOK\r\n",
       "cellular"},
  };
  return v;
}

}  // namespace

TEST_CASE("interpreter vectors give the exact bytes, whole and split at every boundary") {
  for (const auto& v : vectors()) {
    const std::string what = v.what;
    CAPTURE(what);
    CHECK(run(v.in, v.personality, 0) == v.out);
    for (std::size_t k = 1; k < v.in.size(); ++k) {
      CAPTURE(k);
      CHECK(run(v.in, v.personality, k) == v.out);
    }
  }
}

TEST_CASE("an overlong command line is not run and gives ERROR after the CR") {
  modem m(find_personality("generic"));
  std::string out;
  m.set_output([&](std::string_view b) { out.append(b); });
  m.feed("ATE0\r", sim_time(0));
  out.clear();
  std::string line = "AT" + std::string(300, 'E') + "\r";
  m.feed(line.substr(0, 200), sim_time(0));
  CHECK(out.empty());
  m.feed(line.substr(200), sim_time(0));
  CHECK(out == "\r\nERROR\r\n");
  out.clear();
  m.feed("AT\r", sim_time(0));
  CHECK(out == "\r\nOK\r\n");
  // 255 body characters are still accepted.
  out.clear();
  std::string ok = "AT";
  for (int i = 0; i < 85; ++i) ok += "E0 ";
  ok += "\r";
  m.feed(ok, sim_time(0));
  CHECK(out == "\r\nOK\r\n");
}

TEST_CASE("NVRAM profile (&W) survives a DTR drop and is reloaded by ATZ") {
  modem m(find_personality("generic"));
  std::string out;
  m.set_output([&](std::string_view b) { out.append(b); });
  m.feed("ATE0Q0V0&W\r", sim_time(0));
  m.dtr_off(sim_time(10));
  m.dtr_on(sim_time(20));
  out.clear();
  m.feed("AT\r", sim_time(30));
  CHECK(out == "0\r");
  m.feed("ATV1E1\r", sim_time(40));
  out.clear();
  m.feed("ATZ\r", sim_time(50));
  CHECK(out == "ATZ\r0\r");
}

TEST_CASE("a silent modem reads and ignores every byte") {
  modem m(find_personality("generic"));
  std::string out;
  m.set_output([&](std::string_view b) { out.append(b); });
  m.set_silent(true);
  m.feed("ATZ\rATI\r", sim_time(0));
  CHECK(out.empty());
  m.set_silent(false);
  m.feed("AT\r", sim_time(0));
  CHECK(out == "AT\r\r\nOK\r\n");
}

TEST_CASE("&V shows the active profile with S-registers") {
  modem m(find_personality("generic"));
  std::string out;
  m.set_output([&](std::string_view b) { out.append(b); });
  m.feed("ATE0\rAT&V\r", sim_time(0));
  CHECK(out.find("\r\nACTIVE PROFILE:\r\nB0 E0 L1 M1 N1 Q0 T V1 W0 X4 Y0 &C1 &D2") !=
        std::string::npos);
  CHECK(out.find("S00:000 S01:000 S02:043 S03:013 S04:010 S05:008 S06:002 S07:050 S08:002") !=
        std::string::npos);
  CHECK(out.find("STORED PROFILE 0:") != std::string::npos);
  CHECK(out.rfind("\r\nOK\r\n") == out.size() - 6);
}

TEST_CASE("AT#UD before any call reports no previous call") {
  modem m(find_personality("generic"));
  std::string out;
  m.set_output([&](std::string_view b) { out.append(b); });
  m.feed("ATE0\rAT#UD\r", sim_time(0));
  CHECK(out == "ATE0\r\r\nOK\r\n\r\nDIAG <2A4D3263 0=10>\r\n\r\nDIAG <2A4D3263 1=0 60=1>\r\n\r\nOK\r\n");
}
