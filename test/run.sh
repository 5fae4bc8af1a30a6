#!/usr/bin/env bash
# Builds everything (library, mock gateway, tools, tests, examples) and runs the whole suite.
# NEO_CTEST_EXCLUDE: a regular expression of ctest names to leave out (CI's second compiler skips
# the consumer builds that only test CMake's ways in, which the first compiler's stage ran).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cmake/bootstrap.sh"
neo_build
cd "$NEO_BUILD"
ctest --output-on-failure -j "${NEO_JOBS:-2}" --timeout 600 ${NEO_CTEST_EXCLUDE:+-E "$NEO_CTEST_EXCLUDE"}
