#!/usr/bin/env bash
# Builds the API reference (Doxygen; warnings are errors) into build-docs/doc/html.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export NEO_BUILD_DIR="${NEO_DOCS_DIR:-$root/build-docs}"
source "$root/cmake/bootstrap.sh"
neo_packages+=(doxygen)
neo_install_missing
cmake -S "$root" -B "$NEO_BUILD" -G Ninja -DNEO_BUILD_DOCS=ON -DNEO_BUILD_TESTS=OFF -DNEO_BUILD_EXAMPLES=OFF \
  -DNEO_BUILD_TOOLS=OFF >&2
cmake --build "$NEO_BUILD" --target neo_docs >&2
echo "docs: $NEO_BUILD/doc/html/index.html"
