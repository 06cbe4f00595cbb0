// Test support for the sans-I/O simulated world (dialup/hwsim/exchange.hpp) in virtual time:
// an exchange with its modems' output collected per modem, and a clock that only moves when
// the test says so, running every deadline on the way at its own time.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <dialup/hwsim/exchange.hpp>

namespace dialup::test {

struct exchange_world {
  hwsim::exchange x;
  std::vector<std::string> out;
  hwsim::sim_time t{0};

  explicit exchange_world(std::size_t modems = 1, const char* pers = "generic",
                          hwsim::exchange::options opt = {})
      : x(std::move(opt)) {
    for (std::size_t i = 0; i < modems; ++i) {
      auto k = x.add_modem(hwsim::find_personality(pers));
      out.emplace_back();
      x.set_output(k, [this, k](std::string_view b) { out[k].append(b); });
    }
  }
  void send(const std::string& s, std::size_t i = 0) { x.feed(i, s, t); }
  // Advances virtual time by d, running every deadline on the way at its own time.
  void run_for(hwsim::sim_duration d) {
    const hwsim::sim_time end = t + d;
    while (auto n = x.next_deadline()) {
      if (*n > end) break;
      t = std::max(t, *n);
      x.advance(t);
    }
    t = end;
    x.advance(t);
  }
  // Runs until out[i] contains `what`, at most `limit`; returns whether it did.
  bool run_until(const std::string& what, hwsim::sim_duration limit, std::size_t i = 0) {
    const hwsim::sim_time end = t + limit;
    while (out[i].find(what) == std::string::npos) {
      auto n = x.next_deadline();
      if (!n || *n > end) {
        t = end;
        x.advance(t);
        return out[i].find(what) != std::string::npos;
      }
      t = std::max(t, *n);
      x.advance(t);
    }
    return true;
  }
  std::string take(std::size_t i = 0) {
    std::string s;
    s.swap(out[i]);
    return s;
  }
  hwsim::modem& m(std::size_t i = 0) { return x.modem_at(i); }
};

}  // namespace dialup::test
