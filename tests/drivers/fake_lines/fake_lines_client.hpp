// The fake_lines interposer (fake_lines.h) as a test or a benchmark finds it: through
// dlsym(RTLD_DEFAULT), since the program is not linked with it but has it preloaded.
#pragma once

#include <dlfcn.h>

#include "fake_lines.h"

namespace dialup::test {

struct fake_lines_api {
  void (*reset)() = nullptr;
  void (*set_mode)(int) = nullptr;
  int (*mode)() = nullptr;
  void (*set)(int) = nullptr;
  void (*pulse_ring)() = nullptr;
  int (*outputs)() = nullptr;
  int (*waiters)() = nullptr;
  int (*wait_caught_up)(int) = nullptr;
  unsigned long (*calls)(unsigned long) = nullptr;

  // True when every function was found: the library is preloaded.
  bool loaded() const {
    return reset && set_mode && mode && set && pulse_ring && outputs && waiters && wait_caught_up && calls;
  }
};

template <class F>
void find_fake_lines_symbol(F*& f, const char* name) {
  f = reinterpret_cast<F*>(::dlsym(RTLD_DEFAULT, name));
}

inline const fake_lines_api& fake_lines() {
  static const fake_lines_api api = [] {
    fake_lines_api a;
    find_fake_lines_symbol(a.reset, "dialup_fake_lines_reset");
    find_fake_lines_symbol(a.set_mode, "dialup_fake_lines_set_mode");
    find_fake_lines_symbol(a.mode, "dialup_fake_lines_mode");
    find_fake_lines_symbol(a.set, "dialup_fake_lines_set");
    find_fake_lines_symbol(a.pulse_ring, "dialup_fake_lines_pulse_ring");
    find_fake_lines_symbol(a.outputs, "dialup_fake_lines_outputs");
    find_fake_lines_symbol(a.waiters, "dialup_fake_lines_waiters");
    find_fake_lines_symbol(a.wait_caught_up, "dialup_fake_lines_wait_caught_up");
    find_fake_lines_symbol(a.calls, "dialup_fake_lines_calls");
    return a;
  }();
  return api;
}

}  // namespace dialup::test
