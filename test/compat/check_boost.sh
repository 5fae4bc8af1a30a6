#!/usr/bin/env bash
# Compiles every source of the project (library, mock, tools, examples, tests) against another
# Boost tree, with warnings as errors and Asio's deprecated API switched off, to check that nothing
# the project uses was deprecated or removed there. Compiled to objects (-O0, thrown away), never
# linked: no Boost libraries need to be built for it.
#   bash test/compat/check_boost.sh /path/to/boost/include [compiler]
# The tree is any Boost release's headers (a release's boost/ folder, or the include/ folders of the
# boostorg repositories merged into one). CI runs it against Debian's 1.81 (/usr/include), so it
# cannot go stale; against the newest Boost it is run by hand (README "Boost versions").
set -euo pipefail
boost="${1:?usage: test/compat/check_boost.sh BOOST_INCLUDE_DIR [COMPILER]}"
cxx="${2:-g++}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
version="$(sed -n 's/^#define BOOST_LIB_VERSION "\(.*\)"/\1/p' "$boost/boost/version.hpp")"
echo "check_boost: Boost $version from $boost with $cxx" >&2
# The library's own flags (cmake/library.cmake): hidden visibility.
# Each file is compiled to an object so that ccache, when present, can keep it: CI runs this on
# every submission, and a file that did not change is not compiled again (CCACHE_BASEDIR makes
# another checkout's path hit the same entries).
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
launcher=""
command -v ccache >/dev/null && launcher="ccache"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"
flags=(-std=c++20 -O0 -g0 -fvisibility=hidden -fvisibility-inlines-hidden -Wall -Wextra -Wpedantic -Werror -DBOOST_ASIO_NO_DEPRECATED
       -I "$root/include" -I "$root/src" -I "$root/src/login" -I "$root/src/mock" -I "$root/src/tools" -I "$root/test/common"
       -DNEO_LOGIN_EXE='"neo-login"' -DNEO_MOCK_EXE='"neo-mock-gateway"' -DBOOST_TEST_DYN_LINK)
# A system directory is searched already (and -isystem on it would break the C library's headers).
case "$(realpath "$boost")" in /usr/include | /usr/local/include) ;; *) flags+=(-isystem "$boost") ;; esac
cd "$root"
mapfile -t sources < <(git ls-files 'src/*.cpp' 'example/*.cpp' 'test/unit/*.cpp' 'test/integration/*.cpp' \
                                      'test/fuzz/*.cpp' 'test/bench/*.cpp' 'test/user_code/*.cpp')
export cxx launcher out
# Every source is tried (a failure does not stop the others); any failure fails the check.
status=0
printf '%s\n' "${sources[@]}" | xargs -P "${NEO_JOBS:-2}" -I{} sh -c '$launcher "$cxx" "$@" -c {} -o "$out/$(echo {} | tr / _).o" || { echo "check_boost: FAILED {}" >&2; exit 1; }' _ "${flags[@]}" || status=$?
if [ "$status" -ne 0 ]; then
  echo "check_boost: some sources do not compile against Boost $version" >&2
  exit 1
fi
echo "check_boost: ${#sources[@]} sources compile against Boost $version" >&2
