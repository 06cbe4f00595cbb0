// dial_entry: which numbers a dial tries (RASDIALPARAMS szPhoneNumber overrides the entry's).
#include "dialup/engine/dial_entry.hpp"

namespace dialup {

std::vector<std::string> numbers_to_dial(const dial_entry& entry, const dial_params& params) {
  std::vector<std::string> numbers;
  numbers.reserve(1 + entry.alternates.size());
  numbers.push_back(params.phone_number.empty() ? entry.phone_number : params.phone_number);
  numbers.insert(numbers.end(), entry.alternates.begin(), entry.alternates.end());
  return numbers;
}

}  // namespace dialup
