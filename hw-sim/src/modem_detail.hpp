// Private to hw-sim/src: the tables that the modem's files (modem.cpp, modem_commands.cpp,
// modem_reports.cpp) share. Not part of the public interface.
#pragma once

#include <utility>
#include <vector>

namespace dialup::hwsim::modem_detail {

// S-registers the modem implements, with the values it accepts (§4). A register not in
// this table answers ERROR to reads and writes (Conexant behaviour, §4).
struct reg_info {
  unsigned n;
  unsigned min, max;
  bool read_only;
};
inline constexpr reg_info k_regs[] = {
    {0, 0, 255, false},   {1, 0, 255, true},    {2, 0, 255, false},
    {3, 0, 127, false},   {4, 0, 127, false},   {5, 0, 127, false},
    {6, 0, 255, false},   {7, 1, 255, false},   {8, 0, 255, false},
    {9, 1, 255, false},   {10, 1, 255, false},  {11, 50, 255, false},
    {12, 0, 255, false},  {14, 0, 255, true},   {16, 0, 255, true},
    {18, 0, 255, false},  {21, 0, 255, true},   {22, 0, 255, true},
    {23, 0, 255, true},   {24, 0, 255, false},  {25, 0, 255, false},
    {26, 0, 255, false},  {27, 0, 255, true},   {28, 0, 255, false},
    {29, 0, 255, false},  {30, 0, 255, false},  {31, 0, 255, true},
    {32, 0, 255, false},  {33, 0, 255, false},  {36, 0, 255, false},
    {37, 0, 255, false},  {38, 0, 255, false},  {39, 0, 255, true},
    {40, 0, 255, true},   {41, 0, 255, true},   {46, 0, 255, false},
    {48, 0, 255, false},  {86, 0, 255, true},   {91, 0, 255, false},
    {92, 0, 255, false},  {95, 0, 255, false},
};

// Extended-syntax parameters (§5.1): defaults and the supported values, one list of
// closed ranges per subparameter. Tested with =? exactly as printed in `test`.
struct ext_info {
  const char* name;
  std::vector<long> defaults;
  std::vector<std::vector<std::pair<long, long>>> allowed;
  const char* test;
  bool cellular_only;
};

const std::vector<ext_info>& ext_table();

}  // namespace dialup::hwsim::modem_detail
