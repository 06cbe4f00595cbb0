// libFuzzer target for the hw-sim modem interpreter and exchange (sans-I/O).
//
// The input is a little script: feed bytes to one of two modems, let simulated time
// pass, drop DTR, drop the carrier, retrain, kill the dial tone, make a modem silent. After
// every step the modem's state must be consistent: on-hook exactly when it is in
// command state without a call, and no deadline left in the past.
//
// Built with clang -fsanitize=fuzzer as hwsim_modem_fuzz (tests/fuzz/CMakeLists.txt),
// and replayed over pseudo-random inputs by tests/hwsim/fuzz_replay_test.cpp in every
// test run.
#include <dialup/hwsim/exchange.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

void check_invariants(dialup::hwsim::exchange& x) {
  using dialup::hwsim::modem_mode;
  for (std::size_t i = 0; i < x.modem_count(); ++i) {
    const auto& m = x.modem_at(i);
    switch (m.mode()) {
      case modem_mode::command:
      case modem_mode::ringing:
        require(!m.off_hook());
        break;
      case modem_mode::off_hook_idle:
      case modem_mode::dialing:
      case modem_mode::answering:
      case modem_mode::online_data:
      case modem_mode::online_command:
        require(m.off_hook());
        break;
    }
  }
  auto d = x.next_deadline();
  require(!d || *d > x.now());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dialup::hwsim;
  if (size == 0) return 0;
  static const char* const names[] = {"generic", "usr", "conexant", "cellular"};
  exchange x;
  const auto& p = find_personality(names[data[0] % 4]);
  x.add_modem(p);
  x.add_modem(find_personality("generic"));
  std::size_t out_bytes = 0;
  for (std::size_t k = 0; k < 2; ++k)
    x.set_output(k, [&out_bytes](std::string_view b) { out_bytes += b.size(); });
  sim_time t{0};
  auto run_for = [&](sim_duration d) {
    const sim_time end = t + d;
    while (auto n = x.next_deadline()) {
      if (*n > end) break;
      t = std::max(t, *n);
      x.advance(t);
    }
    t = end;
    x.advance(t);
  };
  // Half of the inputs start from an established call, to reach the online states.
  if (data[0] & 0x10) {
    x.feed(0, "ATDT5550100\r", t);
    run_for(sim_duration(40000));
  }
  if (data[0] & 0x20) x.feed(1, "ATS0=1\r", t);
  bool dtr = true, tone = true, silent = false;
  std::size_t i = 1;
  while (i < size) {
    const std::uint8_t op = data[i++];
    switch (op % 8) {
      case 0: case 1: case 2: case 3: {
        const std::size_t n = std::min<std::size_t>(size - i, op / 8 % 32 + 1);
        x.feed(op % 2, std::string_view(reinterpret_cast<const char*>(data + i), n), t);
        i += n;
        break;
      }
      case 4: {
        const unsigned v = i < size ? data[i++] : 0;
        run_for(sim_duration((op & 0x80) ? v * 200 : v * 5));
        break;
      }
      case 5:
        dtr = !dtr;
        if (dtr) x.dtr_on(op / 8 % 2, t);
        else x.dtr_off(op / 8 % 2, t);
        break;
      case 6:
        if (op & 0x40) x.retrain(op / 8 % 2, t);
        else x.drop_carrier(op / 8 % 2, t);
        break;
      case 7:
        if (op & 0x80) {
          silent = !silent;
          x.modem_at(0).set_silent(silent);
        } else {
          tone = !tone;
          x.set_dial_tone(0, tone);
        }
        break;
    }
    check_invariants(x);
  }
  // Whatever happened (even &D0, S2>127 and E0Q1 stored in NVRAM), a power cycle
  // leaves every line on-hook and the modem still talks.
  x.modem_at(0).set_silent(false);
  for (std::size_t k = 0; k < 2; ++k) {
    x.modem_at(k).power_on(t);
    run_for(sim_duration(100));
    require(!x.modem_at(k).off_hook());
    x.feed(k, "ATE1Q0\r", t);
    const std::size_t before = out_bytes;
    x.feed(k, "AT\r", t);
    require(out_bytes > before);
  }
  check_invariants(x);
  return 0;
}
