#!/usr/bin/env bash
# The test suite under a sanitizer, in its own build directory (reused between runs):
#   bash test/sanitize.sh address   ASan + UBSan + LSan: the unit and integration suites
#   bash test/sanitize.sh thread    TSan: the tests that run on several threads
# Any report fails the run.
set -euo pipefail
kind="${1:?usage: test/sanitize.sh address|thread}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "$kind" in
  # Asio's deprecated API is switched off here, for every target alike (so no mixed definitions):
  # the project must not use what newer Boost removes.
  address) flags="-fsanitize=address,undefined -fno-sanitize-recover=all -DBOOST_ASIO_NO_DEPRECATED" ;;
  # Asio's fenced blocks use std::atomic_thread_fence, which TSan cannot see; its scheduler's
  # mutexes already order handlers between threads, so TSan gets plain blocks.
  thread) flags="-fsanitize=thread -DBOOST_ASIO_DISABLE_FENCED_BLOCK -Wno-tsan" ;;
  *) echo "usage: test/sanitize.sh address|thread" >&2; exit 2 ;;
esac
export NEO_BUILD_DIR="$root/build-$kind"
source "$root/cmake/bootstrap.sh"
neo_install_missing
if [ ! -f "$NEO_BUILD/build.ninja" ]; then
  link="${flags%% -D*}"
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Warnings are not errors here: sanitizers at -O1 make GCC report false ones inside Boost.
  # -g1 (functions and lines: all a report needs) compiles a fifth faster than -g; the prefix map
  # lets ccache reuse the objects of a checkout at another path (CI's fresh clones).
  cmake -S "$root" -B "$NEO_BUILD" -G Ninja -DCMAKE_CXX_COMPILER="$NEO_CXX" "${launcher[@]}" -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_CXX_FLAGS="-O1 -g1 -fdebug-prefix-map=$root=. -fno-omit-frame-pointer -Wno-mismatched-new-delete $flags" \
    -DCMAKE_EXE_LINKER_FLAGS="$link" -DNEO_BUILD_TESTS=ON -DNEO_BUILD_EXAMPLES=OFF >&2
fi
# TSan runs integration tests only, so it builds only them.
targets=(neo_integration_tests)
[ "$kind" = address ] && targets+=(neo_unit_tests)
cmake --build "$NEO_BUILD" -j "${NEO_JOBS:-2}" --target "${targets[@]}" >&2

cd "$NEO_BUILD/test"
if [ "$kind" = address ]; then
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  ./neo_unit_tests --report_level=short
  ./neo_integration_tests --report_level=short
else
  # second_deadlock_stack for readable reports; OpenSSL is not instrumented, its own locks are
  # intercepted, so reports in it would still be reports.
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/test/tsan.supp"
  ./neo_integration_tests --report_level=short --run_test=concurrency \
    --run_test=session_manager/a_thousand_awaiters_on_four_threads --run_test=login/concurrent_logins_on_four_threads \
    --run_test=login/use_future_with_mock_on_its_own_thread --run_test=session_events 2>&1
fi
echo "sanitize: $kind clean"
