#!/usr/bin/env bash
# A report of the built-in simulator, with its plots and without gnuplot, each shot by
# headless Chromium; the screenshots' pixels are counted (png_colours.py): the table
# heading's colour in both, the plots' bar colours in the first and not in the second.
# usage: diag_report_screenshot.sh DIALUP_DIAG OUTDIR   (exit 77: skipped, no chromium)
set -euo pipefail
diag=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "SKIP: chromium not installed (scripts/install-deps.sh interop)"
  exit 77
fi
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
rm -rf "$out"
mkdir -p "$out"

# The colours chosen in tools/dialup-diag/report.hpp and plots.hpp.
table='#1f6f5c'
latency='#d6336c'
rates='#7048e8'
connect='#f59f00'

common=(report --sim --time-scale 0.02 --run latency,calls --samples 30 --count 4 --pause 0 --no-progress)
timeout 120 "$diag" "${common[@]}" --out "$out/with-plots"
timeout 120 env PATH=/nonexistent "$diag" "${common[@]}" --out "$out/no-gnuplot"
grep -q 'plots not drawn: gnuplot not found' "$out/no-gnuplot/index.html"

shot() {
  timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$out/chromium-profile" --force-color-profile=srgb \
    --screenshot="$1" --window-size=1280,2400 "file://$2/index.html" >"$out/chromium.log" 2>&1 || {
    cat "$out/chromium.log"
    echo "FAIL: chromium did not take the screenshot of $2"
    exit 1
  }
  [ -s "$1" ] || { echo "FAIL: no $1"; exit 1; }
}
shot "$out/with-plots.png" "$out/with-plots"
shot "$out/no-gnuplot.png" "$out/no-gnuplot"

fail=0
check() {  # check WHAT N OP LIMIT
  if [ "$2" "$3" "$4" ]; then echo "ok: $1 = $2 ($3 $4)"; else echo "FAIL: $1 = $2, wanted $3 $4"; fail=1; fi
}
# One decode per screenshot: the counts in the order of the colours given.
read -r t1 l1 r1 c1 < <(python3 "$here/png_colours.py" "$out/with-plots.png" "$table" "$latency" "$rates" "$connect" |
  awk '{printf "%s ", $2} END {print ""}')
read -r t2 l2 r2 < <(python3 "$here/png_colours.py" "$out/no-gnuplot.png" "$table" "$latency" "$rates" |
  awk '{printf "%s ", $2} END {print ""}')
check "table heading pixels, with plots" "${t1:-0}" -ge 3000
check "latency histogram bar pixels" "${l1:-0}" -ge 3000
check "CONNECT-rate bar pixels" "${r1:-0}" -ge 3000
check "time-to-CONNECT bar pixels" "${c1:-0}" -ge 500
check "table heading pixels, no gnuplot" "${t2:-0}" -ge 3000
check "latency bar pixels, no gnuplot" "${l2:-999999}" -le 20
check "CONNECT-rate bar pixels, no gnuplot" "${r2:-999999}" -le 20
echo "screenshots: $out/with-plots.png $out/no-gnuplot.png"
exit $fail
