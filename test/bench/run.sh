#!/usr/bin/env bash
# The Performance command: installs libcurl's development package when missing (the peer), builds
# neo_bench and neo-mock-gateway, and runs the benchmark. Arguments go to neo_bench
# (--n, --concurrency, --json, --gateway URL --ca-file PATH).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../cmake/bootstrap.sh"
neo_packages+=(libcurl4-openssl-dev)
neo_install_missing
neo_configure
# Pick libcurl up if it arrived after the first configure.
grep -q "CURL_LIBRARY.*NOTFOUND" "$NEO_BUILD/CMakeCache.txt" 2>/dev/null && cmake -U 'CURL*' "$NEO_BUILD" >&2
neo_build neo_bench neo-mock-gateway
exec "$NEO_BUILD/test/bench/neo_bench" "$@"
