#!/usr/bin/env bash
# Builds everything (library, mock gateway, tools, tests, examples) and runs the whole suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cmake/bootstrap.sh"
neo_build
cd "$NEO_BUILD"
ctest --output-on-failure -j "${NEO_JOBS:-2}" --timeout 600
