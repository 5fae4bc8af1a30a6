#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a bounded time, starting
# from the checked-in seed corpus. FUZZ_SECONDS (default 20) per target. A crash fails the run and
# leaves its input in build-fuzz/; turn it into a unit test before fixing it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${NEO_FUZZ_DIR:-$root/build-fuzz}"
secs="${FUZZ_SECONDS:-20}"
source "$root/cmake/bootstrap.sh"
neo_packages+=(clang libclang-rt-14-dev)
neo_install_missing

mkdir -p "$out/obj"
# ccache when present, reusing the objects of a checkout at another path (the prefix map).
launcher=()
command -v ccache >/dev/null && launcher=(ccache)
cxx=("${launcher[@]}" clang++ -std=c++20 -g -fdebug-prefix-map="$root"=. -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
     -I "$root/include" -I "$root/src" -DBOOST_ASIO_NO_DEPRECATED)
# The sans-I/O part of the library: what parses what a server sends.
objs=()
for src in response retry session request proxy error secret gateway redact; do
  o="$out/obj/$src.o"
  if [ ! -f "$o" ] || [ "$root/src/login/core/$src.cpp" -nt "$o" ]; then
    "${cxx[@]}" -fsanitize=fuzzer-no-link -c "$root/src/login/core/$src.cpp" -o "$o"
  fi
  objs+=("$o")
done

targets=(classify_response retry_after error_shapes jwt_claims)
for t in "${targets[@]}"; do
  "${cxx[@]}" -fsanitize=fuzzer "$root/test/fuzz/$t.cpp" "${objs[@]}" -lboost_json -lssl -lcrypto -o "$out/$t"
done

summary=()
for t in "${targets[@]}"; do
  mkdir -p "$out/corpus/$t"
  log="$out/$t.log"
  (cd "$out" && "./$t" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      "corpus/$t" "$root/test/fuzz/corpus/$t") >"$log" 2>&1 || { tail -40 "$log" >&2; echo "fuzz: $t FAILED" >&2; exit 1; }
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
  summary+=("$t: $runs executions in ${secs} s")
done
printf 'fuzz: %s\n' "${summary[@]}"
