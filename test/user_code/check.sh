#!/usr/bin/env bash
# A user's files against the public headers: no warning from them, with any completion token, in
# any kind of coroutine or callback, and every C++ snippet of the README (and doc/*.md) compiles.
# Each file is compiled (-c: GCC warns about a coroutine frame only when it generates it) with
# every compiler found of g++, clang++ (14 on Debian 12, the oldest promised) and clang++-19 (the
# newest warnings; `apt-get install clang-19`), each with default and with hidden visibility,
# under -Wall -Wextra -Wpedantic -Wshadow -Werror. Any warning or error fails the check.
#   bash test/user_code/check.sh [BOOST_INCLUDE_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The snippets: each ```cpp block of the README and of doc/*.md is a whole translation unit.
files=("$root/test/user_code/every_token.cpp")
for md in "$root/README.md" "$root"/doc/*.md; do
  [ -f "$md" ] || continue
  base="$(basename "$md" .md)"
  awk -v out="$work/$base" '
    /^```cpp[[:space:]]*$/ { n++; f = sprintf("%s_snippet_%d.cpp", out, n); inside = 1; printf "" > f; next }
    /^```/ && inside { inside = 0; close(f); next }
    inside { print > f }' "$md"
done
for f in "$work"/*_snippet_*.cpp; do
  [ -f "$f" ] && files+=("$f")
done

compilers=()
for cxx in g++ clang++ clang++-19; do
  command -v "$cxx" >/dev/null && compilers+=("$cxx")
done
include="-I$root/include"
[ -n "${1:-}" ] && include="$include -isystem $1"

jobs=()
for cxx in "${compilers[@]}"; do
  for vis in default hidden; do
    for f in "${files[@]}"; do
      jobs+=("$cxx $vis $f")
    done
  done
done
export work include
printf '%s\n' "${jobs[@]}" | xargs -P "${NEO_JOBS:-2}" -L 1 sh -c '
  cxx="$1"; vis="$2"; f="$3"; log="$work/$(basename "$f").$cxx.$vis.log"
  if ! "$cxx" -std=c++20 -Wall -Wextra -Wpedantic -Wshadow -Werror -fvisibility="$vis" $include -c "$f" -o /dev/null \
       >"$log" 2>&1; then
    echo "user_code: FAILED $(basename "$f") with $cxx -fvisibility=$vis:" >&2
    head -c 4000 "$log" >&2
    exit 255
  fi
  echo "user_code: ok $(basename "$f") with $cxx -fvisibility=$vis" >&2' user_code
echo "user_code: ${#files[@]} files with ${compilers[*]}, default and hidden visibility: no warning" >&2
