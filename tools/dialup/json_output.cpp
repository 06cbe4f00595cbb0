// json_output: `dialup dial --json` lines (json_output.hpp).
#include "json_output.hpp"

#include <cmath>

namespace dialup_cli {

json_output::object json_output::make(double time, std::string_view event, std::optional<dialup::conn_state> state,
                                      const std::error_code& error) {
  object o;
  // Milliseconds are what the states' timing means; more digits would be noise.
  o["time"] = std::round(time * 1000.0) / 1000.0;
  o["event"] = std::string(event);
  if (state) {
    o["state"] = std::string(to_string(*state));
    o["state_value"] = static_cast<unsigned>(*state);
  } else {
    o["state"] = nullptr;
    o["state_value"] = nullptr;
  }
  if (error) {
    o["error"] = error.value();
    o["error_text"] = error.message();
  } else {
    o["error"] = nullptr;
    o["error_text"] = nullptr;
  }
  return o;
}

void json_output::write(const object& o) const {
  // replace: bytes from the line that are not UTF-8 cannot throw here.
  const std::string line = o.dump(-1, ' ', false, object::error_handler_t::replace) + "\n";
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace dialup_cli
