#!/usr/bin/env bash
# Shared by the README's two commands: installs what is missing (Debian 12 packages), then
# configures the build directory once. Source it; it defines neo_build TARGET...
set -euo pipefail

NEO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NEO_BUILD="${NEO_BUILD_DIR:-$NEO_ROOT/build}"

neo_packages=(g++ clang cmake ninja-build pkg-config ccache libssl-dev libboost1.81-dev libboost-json1.81-dev
              libboost-test1.81-dev)
# More, for CI's stages (NEO_EXTRA_PACKAGES="clang-19": the newest Clang that Debian 12 offers).
read -r -a neo_extra_packages <<<"${NEO_EXTRA_PACKAGES:-}"
neo_packages+=("${neo_extra_packages[@]}")

# ccache finds the same files under another checkout's path too (a fresh clone, CI's).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$NEO_ROOT}"

# The compiler (NEO_CXX: g++ by default, or clang++), warnings as errors (NEO_WERROR=1, as CI
# does), shared libraries (NEO_SHARED=1; static by default), and ccache when present (the consumer
# tests rebuild the library from source with the same flags, so they mostly hit the cache).
NEO_CXX="${NEO_CXX:-g++}"
neo_cmake_common=(-G Ninja -DCMAKE_CXX_COMPILER="$NEO_CXX")
[ "${NEO_WERROR:-0}" = 1 ] && neo_cmake_common+=(-DNEO_WERROR=ON)
[ "${NEO_SHARED:-0}" = 1 ] && neo_cmake_common+=(-DBUILD_SHARED_LIBS=ON)
# The examples and the benchmark (NEO_EXAMPLES=0 leaves them out: CI's second compiler, whose
# stage checks the library, the tests and the consumers, while every example file is compiled by
# the first build and by check_boost.sh).
neo_examples=ON
[ "${NEO_EXAMPLES:-1}" = 0 ] && neo_examples=OFF

neo_install_missing() {
  local missing=()
  for p in "${neo_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "bootstrap: installing ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

neo_configure() {
  if [ ! -f "$NEO_BUILD/build.ninja" ]; then
    local launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S "$NEO_ROOT" -B "$NEO_BUILD" "${neo_cmake_common[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=Release \
      -DNEO_BUILD_TESTS=ON -DNEO_BUILD_EXAMPLES="$neo_examples" -DNEO_BUILD_BENCH="$neo_examples" >&2
  fi
}

# neo_build [TARGET...]: builds the given targets (all when none), two jobs (the machine has 2 cores).
neo_build() {
  neo_install_missing
  neo_configure
  cmake --build "$NEO_BUILD" -j "${NEO_JOBS:-2}" ${1:+--target "$@"} >&2
}
