#!/bin/bash
# The bash completion (tools/completion/dialup.bash), without bash-completion installed:
# commands, options, port paths, phone-book entries, dialup-sim's options.
set -u
. "$1"
fail=0
complete_line() {  # words... -> COMPREPLY for the last word
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  if [[ ${COMP_WORDS[0]} == dialup-sim ]]; then _dialup_sim; else _dialup; fi
  echo "${COMPREPLY[*]}"
}
expect() {  # what-it-must-contain words...
  local want=$1
  shift
  local got
  got=$(complete_line "$@")
  if [[ " $got " != *" $want "* ]]; then
    echo "FAIL: '$*' completes to '$got', not with '$want'"
    fail=1
  else
    echo "ok: '$*' -> $want"
  fi
}
expect dial dialup di
expect phonebook dialup --config x.toml ph
expect --version dialup --ver
expect --port dialup dial --po
expect --json dialup dial --js
expect import-wvdial dialup phonebook im
expect --create dialup phonebook set --cr
expect --json dialup ports --j
got=$(complete_line dialup dial --port /dev/no-such-port-here)
[[ -z $got ]] || { echo "FAIL: a port that does not exist offered: $got"; fail=1; }
# A port that exists: the pty this test may run on, else /dev/ttyS0 when there is one.
for p in /dev/pts/[0-9]* /dev/ttyS0; do
  if [[ -e $p ]]; then expect "$p" dialup dial --port "${p%?}"; break; fi
done
tmp=$(mktemp -d)
printf '[My ISP]\r\nMEDIA=rastapi\r\n[Other]\r\n[.global]\r\n' > "$tmp/book.pbk"
expect 'My\ ISP' dialup dial --phonebook "$tmp/book.pbk" --entry M
got=$(complete_line dialup dial --phonebook "$tmp/book.pbk" --entry .)
[[ -z $got ]] || { echo "FAIL: a global section offered as an entry: $got"; fail=1; }
rm -rf "$tmp"
expect show dialup profiles sh
expect check dialup profiles ch
expect --json dialup profiles list --j
# Profile names come from a dialup on the PATH (a stand-in here): after --profile and show.
mkdir -p "$tmp"
printf '#!/bin/sh\nprintf "generic         Generic\\nusr-courier     USR\\n"\n' > "$tmp/dialup"
chmod +x "$tmp/dialup"
expect usr-courier "$tmp/dialup" dial --profile us
expect generic "$tmp/dialup" profiles show ge
rm -rf "$tmp"
expect cellular dialup-sim --personality ce
expect --time-scale dialup-sim --time
exit $fail
