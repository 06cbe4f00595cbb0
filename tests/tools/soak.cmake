# dialup-soak (tools/soak, docs/soak.md): seeded dials of the engine against hw-sim on
# virtual time. Included from tests/CMakeLists.txt.
#
# Every fault kind is in play. An engine bug the soak finds gets its replay below (the
# dial seed and the fault the plan must contain, so that a change to the plan generator
# fails the test instead of silently replaying another dial) and its fix.
add_test(NAME tools_soak_seed1_100000
  COMMAND dialup-soak --seed 1 --dials 100000)
set_tests_properties(tools_soak_seed1_100000 PROPERTIES TIMEOUT 1200
  PASS_REGULAR_EXPRESSION "invariant checks passed [1-9][0-9]*, failed 0 .*\ntrace-hash [0-9a-f]+\n"
  FAIL_REGULAR_EXPRESSION "FAIL dial")
# Equal seeds give equal trace hashes; another seed or dial count another one.
add_test(NAME tools_soak_determinism
  COMMAND ${CMAKE_COMMAND} -DSOAK=$<TARGET_FILE:dialup-soak> -P ${CMAKE_CURRENT_SOURCE_DIR}/tools/soak_determinism.cmake)
set_tests_properties(tools_soak_determinism PROPERTIES TIMEOUT 300)

# Replays of the dials that found engine bugs (docs/soak.md §6).
function(dialup_soak_replay name seed fault)
  add_test(NAME tools_soak_replay_${name} COMMAND dialup-soak --replay ${seed})
  set_tests_properties(tools_soak_replay_${name} PROPERTIES TIMEOUT 60
    PASS_REGULAR_EXPRESSION "faults: [^\n]*${fault}.*invariant checks passed [1-9][0-9]*, failed 0 "
    FAIL_REGULAR_EXPRESSION "FAIL")
endfunction()
dialup_soak_replay(a_hang_up_after_atd 0x2142192ef1252e7d notifier-hang-up)    # §6 A
dialup_soak_replay(a_connect_during_abort 0x97d9c833e9c81ac6 user-hang-up)    # §6 A
dialup_soak_replay(b_hang_up_after_dcd_drop 0x3dfe3f35b3925522 carrier-drop)  # §6 B
dialup_soak_replay(b_hang_up_before_reconnect 0xb34da9a64c3a8557 carrier-drop) # §6 B
dialup_soak_replay(c_reopen_fails 0xd980ac86e23d95f5 unplug)                  # §6 C
dialup_soak_replay(d_stray_ok_after_reset 0x458dfd778023a6d8 reset-garbage)   # §6 D
dialup_soak_replay(e_connect_during_escape_guard 0x76763e08100cd235 carrier-drop) # §6 E (dial script)

# The second mode (docs/soak.md §7): the same plans against real dialup-sim processes over
# real ptys, in scaled real time. Not deterministic, so no trace hash. It runs alone and at
# a tenth of real time (not the default twentieth), so that a loaded machine does not turn a
# script's timeout into a false failure; 100 dials take about 25 s. Under a sanitizer every
# program of the run (the engine and three simulators) is several times slower, and a tenth
# of real time leaves the modem 300 ms of real time for a command: there it runs at a
# quarter. CI runs 1,000 of them at the defaults on its own (.ci/run).
if(DIALUP_SANITIZE_ADDRESS OR DIALUP_SANITIZE_THREAD)
  set(dialup_pty_soak_scale 0.25)
else()
  set(dialup_pty_soak_scale 0.1)
endif()
add_test(NAME tools_soak_pty_100
  COMMAND dialup-soak --pty --dials 100 --time-scale ${dialup_pty_soak_scale} --sim $<TARGET_FILE:dialup-sim>)
set_tests_properties(tools_soak_pty_100 PROPERTIES TIMEOUT 240 RUN_SERIAL TRUE
  PASS_REGULAR_EXPRESSION "invariant checks passed [1-9][0-9]*, failed 0 .*no trace-hash"
  FAIL_REGULAR_EXPRESSION "FAIL")
