#!/bin/sh
# dialup against dialup-sim in virtual time (--time-scale 0), over a real pty: the call
# connects at once, and the hang-up's guarded +++ must still be heard (the client's real
# silence counts as the guard), so the hang-up is confirmed in about one guard time and
# dialup exits 0. Before, the escape went unacknowledged and ATH timed out (8.7 s, exit 4).
# usage: hang_up_at_time_scale_0.sh DIALUP-SIM DIALUP
set -u
sim=$1
dialup=$2
dir=$(mktemp -d)
"$sim" -n 1 -l "$dir/modem" -t 0 >"$dir/sim.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
i=0
while [ ! -e "$dir/modem0" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -e "$dir/modem0" ] || { echo "dialup-sim did not come up"; cat "$dir/sim.log"; exit 1; }
start=$(date +%s%N)
timeout 20 "$dialup" dial --port "$dir/modem0" --phone 5550100 --hold 0 -v >"$dir/out" 2>&1
rc=$?
end=$(date +%s%N)
cat "$dir/out"
ms=$(( (end - start) / 1000000 ))
echo "dial and hang-up took $ms ms, exit $rc"
[ $rc -eq 0 ] || exit 1
grep -q "escape not acknowledged" "$dir/out" && exit 1
[ $ms -lt 5000 ] || exit 1
echo "hang-up confirmed"
