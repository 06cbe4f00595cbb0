#!/usr/bin/env bash
# Installs the Debian packages one part of dialup needs, by group (default: build):
#   build    the compiler, CMake and the libraries: enough to build everything, run the
#            demo and the tests (the interop tests skip cleanly without their programs)
#   interop  the real programs the interop tests run against the simulator
#   fuzz     clang and its libFuzzer runtime, for `make fuzz`
# Idempotent: when everything asked for is present it does nothing (no apt-get update).
set -euo pipefail

declare -A group=(
  [build]="build-essential cmake ninja-build pkg-config libboost-dev libserialport-dev doctest-dev libcli11-dev nlohmann-json3-dev libre2-dev libtomlplusplus-dev"
  [interop]="ppp tio minicom tmux ser2net socat python3-serial strace gnuplot-nox chromium"
  [fuzz]="clang libclang-rt-14-dev"
)

packages=()
for g in "${@:-build}"; do
  if [ -z "${group[$g]+x}" ]; then
    echo "install-deps: unknown group '$g' (build, interop, fuzz)" >&2
    exit 2
  fi
  # shellcheck disable=SC2206
  packages+=(${group[$g]})
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
