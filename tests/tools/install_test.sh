#!/bin/bash
# `cmake --install` into a temporary prefix, then the README's example (tools/examples)
# built against that prefix alone — once with CMake's find_package(dialup), once with
# pkg-config — outside the source tree, and run against the installed dialup-sim.
#
#   install_test.sh BUILD_DIR SOURCE_DIR CXX_COMPILER
set -u
build=$1 src=$2 cxx=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/dialup-install-test.XXXXXX")
sim_pid=
cleanup() {
  [[ -n $sim_pid ]] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
prefix=$work/prefix

timeout 120 cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "cmake --install"; }
for f in bin/dialup bin/dialup-sim bin/dialup-diag share/man/man1/dialup.1 share/man/man1/dialup-sim.1 share/man/man1/dialup-diag.1 \
         share/bash-completion/completions/dialup share/bash-completion/completions/dialup-sim \
         include/dialup/engine/connection_manager.hpp include/dialup/drivers/port_factory.hpp \
         include/dialup/hwsim/simulator.hpp include/dialup/version.hpp; do
  [[ -e $prefix/$f ]] || fail "$f not installed"
done
libdir=$(cd "$prefix" && ls -d lib lib64 lib/* 2>/dev/null | while read -r d; do
  [[ -e $prefix/$d/cmake/dialup/dialupConfig.cmake ]] && echo "$d"; done | head -1)
[[ -n $libdir ]] || fail "no lib*/cmake/dialup/dialupConfig.cmake"
[[ -e $prefix/$libdir/pkgconfig/dialup.pc && -e $prefix/$libdir/pkgconfig/dialup-engine.pc ]] || fail "no .pc files"
if [[ -d $src/data/modems ]]; then
  [[ -d $prefix/share/dialup/modems ]] || fail "data/modems not installed"
fi
# No test or benchmark programs.
for f in "$prefix"/bin/*; do
  case ${f##*/} in dialup | dialup-sim | dialup-diag) ;; *) fail "${f##*/} installed in bin" ;; esac
done
"$prefix/bin/dialup" --version | grep -q '^dialup [0-9]' || fail "installed dialup --version"
echo "ok: installed into $prefix ($libdir)"

# The example, copied out of the source tree.
cp -r "$src/tools/examples" "$work/example"

# 1. CMake, finding nothing of dialup but the prefix.
timeout 300 cmake -S "$work/example" -B "$work/example/build-cmake" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_BUILD_TYPE=Release \
  >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; fail "configure the example with find_package(dialup)"; }
grep -q "$src" "$work/example/build-cmake/CMakeCache.txt" && fail "the example's build refers to the source tree"
timeout 600 cmake --build "$work/example/build-cmake" >"$work/build.log" 2>&1 ||
  { cat "$work/build.log"; fail "build the example with find_package(dialup)"; }
echo "ok: built with find_package(dialup)"

# 2. pkg-config.
export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
flags=$(pkg-config --cflags --libs dialup) || fail "pkg-config dialup"
[[ $flags == *"$prefix"* ]] || fail "pkg-config flags do not name the prefix: $flags"
[[ $flags == *"$src"* ]] && fail "pkg-config flags name the source tree: $flags"
# shellcheck disable=SC2086
timeout 600 "$cxx" -std=c++20 -O1 "$work/example/async_dial.cpp" -o "$work/async_dial_pc" $flags \
  >"$work/pc.log" 2>&1 || { cat "$work/pc.log"; fail "build the example with pkg-config: $flags"; }
echo "ok: built with pkg-config ($flags)"

# Both dial the installed simulator.
"$prefix/bin/dialup-sim" --time-scale 0.05 >"$work/sim.out" 2>&1 &
sim_pid=$!
pty=
for _ in $(seq 100); do
  pty=$(awk '$2 ~ /^\/dev\/pts\// { print $2; exit }' "$work/sim.out")
  [[ -n $pty ]] && break
  sleep 0.1
done
[[ -n $pty ]] || { cat "$work/sim.out"; fail "dialup-sim printed no pty"; }
for prog in "$work/example/build-cmake/async_dial" "$work/async_dial_pc"; do
  out=$(timeout 60 "$prog" "$pty" 5550100 2>&1)
  rc=$?
  echo "$out"
  [[ $rc == 0 ]] || fail "${prog##*/} exited $rc"
  [[ $out == *"Connected (on my thread)"* ]] || fail "${prog##*/} did not connect on its own thread"
done
echo "ok: both examples dialled the installed dialup-sim"
