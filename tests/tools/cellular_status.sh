#!/bin/sh
# dialup status and a cellular dial against dialup-sim's cellular personality over a real
# pty: the SIM asks for its PIN, the status shows it; the dial reads the password and then
# the PIN from standard input (-vv: every byte traced, the PIN masked); afterwards the status
# shows the SIM ready, the network registered, the operator and the signal.
# usage: cellular_status.sh DIALUP-SIM DIALUP
set -u
sim=$1
dialup=$2
dir=$(mktemp -d)
"$sim" -n 1 -l "$dir/modem" -t 0.2 -p cellular --sim-pin 2468 --registration-delay 2 \
  --signal 17 --operator "Test Net" >"$dir/sim.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
i=0
while [ ! -e "$dir/modem0" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -e "$dir/modem0" ] || { echo "dialup-sim did not come up"; cat "$dir/sim.log"; exit 1; }
fail() { echo "FAILED: $*"; exit 1; }

timeout 20 "$dialup" status --port "$dir/modem0" --json >"$dir/before" 2>&1 || fail "status exit $?"
cat "$dir/before"
grep -q '"sim":"SIM PIN required"' "$dir/before" || fail "status before: SIM state"
grep -q '"registered":false' "$dir/before" || fail "status before: registration"

printf 'not-used\n2468\n' | timeout 30 env -u DIALUP_PIN -u DIALUP_PASSWORD "$dialup" dial \
  --port "$dir/modem0" --apn web.example --hold 0 --password-stdin --pin-stdin -vv >"$dir/dial" 2>&1
rc=$?
cat "$dir/dial"
[ $rc -eq 0 ] || fail "dial exit $rc"
grep -q "AT+CGDCONT=1,\"IP\",\"web.example\"" "$dir/dial" || fail "APN not sent"
grep -q "ATDT\*99#" "$dir/dial" || fail "*99# not dialled"
grep -q "Connected" "$dir/dial" || fail "not Connected"
grep -q "2468" "$dir/dial" && fail "the PIN shows in the output"

timeout 20 "$dialup" status --port "$dir/modem0" >"$dir/after" 2>&1 || fail "status exit $?"
cat "$dir/after"
grep -q "^SIM  *ready" "$dir/after" || fail "status after: SIM"
grep -q "^signal  *-79 dBm" "$dir/after" || fail "status after: signal"
grep -q "^registration  *registered, home network" "$dir/after" || fail "status after: registration"
grep -q "^operator  *Test Net" "$dir/after" || fail "status after: operator"

# A PIN given as something else than 4-8 digits is refused before the port is opened.
DIALUP_PIN=12x4 timeout 10 "$dialup" dial --port "$dir/modem0" --apn web.example >"$dir/bad" 2>&1
[ $? -eq 1 ] || fail "bad PIN: exit status"
grep -q "SIM PIN given cannot be used: a SIM PIN has only digits" "$dir/bad" || fail "bad PIN: message"
grep -q "12x4" "$dir/bad" && fail "bad PIN: shown"
echo "cellular status and dial ok"
