#!/bin/bash
# The manual pages and the bash completion keep up with the programs: every long option
# that `dialup <command> --help` and `dialup-sim --help` print is in dialup(1) /
# dialup-sim(1) and in the completion, and man(1) renders both pages without a warning.
#
#   man_test.sh DIALUP DIALUP_SIM SOURCE_DIR
set -u
dialup=$1 sim=$2 src=$3
fail=0
options_of() { "$@" --help 2>/dev/null | grep -o -- '--[a-z][a-z0-9-]*' | sort -u; }
check() {  # page completion options...
  local page=$1 completion=$2
  shift 2
  local o
  for o in "$@"; do
    [[ $o == --help ]] && continue
    # roff writes a '-' as '\-'.
    grep -qF -- "${o//-/\\-}" "$page" || { echo "FAIL: $o is not in ${page##*/}"; fail=1; }
    grep -qw -- "$o" "$completion" || { echo "FAIL: $o is not in the completion"; fail=1; }
  done
}
comp=$src/tools/completion/dialup.bash
check "$src/docs/man/dialup.1" "$comp" $(options_of "$dialup")
for cmd in dial ports "phonebook set"; do
  # shellcheck disable=SC2086
  check "$src/docs/man/dialup.1" "$comp" $(options_of "$dialup" $cmd)
done
check "$src/docs/man/dialup-sim.1" "$comp" $(options_of "$sim")
# Every command dialup has is in the page's COMMANDS or its profiles/probe/status part.
for c in $("$dialup" --help | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && NF { print $1 }'); do
  grep -q "^\.SS .*\b$c\b" "$src/docs/man/dialup.1" || { echo "FAIL: command $c has no section in dialup.1"; fail=1; }
  grep -qw -- "$c" "$comp" || { echo "FAIL: command $c is not in the completion"; fail=1; }
done
if command -v man >/dev/null; then
  for page in dialup.1 dialup-sim.1; do
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$src/docs/man/$page" 2>&1 >/dev/null)
    [[ -z $warnings ]] || { echo "FAIL: $page: $warnings"; fail=1; }
  done
fi
[[ $fail == 0 ]] && echo "ok: the manual pages and the completion name every option"
exit $fail
