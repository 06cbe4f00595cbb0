#include <dialup/hwsim/personality.hpp>

#include <stdexcept>

namespace dialup::hwsim {

namespace {

// docs/modem-behaviour.md §2.3, "Common / Conexant-Rockwell" column, plus the Conexant V.34
// codes (59-64 are documented for Conexant; unverified which rate each is, so only
// the well-known rates are listed).
std::vector<std::pair<unsigned, int>> conexant_codes() {
  return {{300, 1},     {1200, 5},    {2400, 10},   {4800, 11},  {9600, 12},
          {7200, 13},   {12000, 14},  {14400, 15},  {19200, 16}, {38400, 17},
          {57600, 18},  {115200, 19}, {230400, 20}};
}

// Hayes tech-ref / ZyXEL / Lucent family (§2.3 right column).
std::vector<std::pair<unsigned, int>> hayes_codes() {
  return {{1200, 5},   {2400, 10},  {4800, 11},  {9600, 12},  {14400, 13},
          {19200, 14}, {28800, 15}, {56000, 17}, {57600, 18}, {64000, 19},
          {7200, 24},  {12000, 25}, {38400, 28}};
}

std::vector<personality> make_all() {
  std::vector<personality> v;

  personality g;
  g.name = "generic";
  g.connect_codes = hayes_codes();
  g.no_answer_on_ringback = true;  // Conexant behaviour, see personality.hpp
  g.ati = {"33600", "255", "OK", "dialup hw-sim generic V.34 modem",
           "dialup hw-sim", "B5", "hw-sim data pump rev 1.0", "OK",
           "2026-01-01", "B5", "", ""};
  g.gmi = "DIALUP";
  g.gmm = "HWSIM GENERIC V.34";
  g.gmr = "1.0";
  g.gsn = "0000000001";
  v.push_back(g);

  personality u = g;
  u.name = "usr";
  u.connect_codes = conexant_codes();  // USR 5631 uses the common table (§2.3)
  u.no_answer_on_ringback = false;
  u.s10 = 7;
  u.s11 = 70;
  u.ati = {"5601", "255", "OK", "USRobotics Courier V.Everything (dialup hw-sim)",
           "USRobotics Courier V.Everything Settings", "NVRAM settings", "", "",
           "", "", "", ""};
  u.gmi = "U.S. Robotics";
  u.gmm = "Courier V.Everything";
  u.gmr = "1.0";
  u.usr_commands = true;
  v.push_back(u);

  personality c = g;
  c.name = "conexant";
  c.connect_codes = conexant_codes();
  c.no_dialtone_text = "NO DIAL TONE";
  c.backspace_erases = true;
  c.ati = {"56000", "255", "OK", "CX81801-V90 (dialup hw-sim)",
           "a007840284C6002F", "B5", "RCV56DPF-PLL L8571A Rev 29.00/29.00", "OK",
           "", "", "", ""};
  c.gmi = "CONEXANT";
  c.gmm = "CX81801";
  c.gmr = "1.0";
  c.voice_result = true;
  v.push_back(c);

  personality cel = g;
  cel.name = "cellular";
  cel.connect_codes = {};
  cel.cellular = true;
  cel.max_line_rate = 115200;  // CSD/PDP rate shown in CONNECT
  cel.ati = {"dialup hw-sim cellular", "", "", "", "", "", "", "", "", "", "", ""};
  cel.gmi = "DIALUP";
  cel.gmm = "HWSIM LTE";
  cel.gmr = "1.0";
  cel.gsn = "356938035643809";  // an IMEI-shaped serial (+CGSN)
  v.push_back(cel);
  return v;
}

const std::vector<personality>& all() {
  static const std::vector<personality> v = make_all();
  return v;
}

}  // namespace

const personality& find_personality(std::string_view name) {
  for (const auto& p : all())
    if (p.name == name) return p;
  throw std::invalid_argument("hwsim: unknown modem personality '" + std::string(name) +
                              "' (generic, usr, conexant, cellular)");
}

std::vector<std::string> personality_names() {
  std::vector<std::string> n;
  for (const auto& p : all()) n.push_back(p.name);
  return n;
}

}  // namespace dialup::hwsim
