#!/usr/bin/env bash
# The folders of src/login/ depend one way only: session -> operation -> net -> core (and each on
# include/, the public face). A file that includes a folder above its own fails this check.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
status=0
check() {  # folder, then the folders it must not include
  local dir="$1"
  shift
  for above in "$@"; do
    if grep -nE "#include \"(\.\./|login/)${above}/" "$root/src/login/$dir"/*.hpp "$root/src/login/$dir"/*.cpp; then
      echo "layering: src/login/$dir includes src/login/$above (a layer above it)" >&2
      status=1
    fi
  done
}
check core net operation session
check net operation session
check operation session
[ "$status" = 0 ] && echo "layering: session -> operation -> net -> core, one way"
exit "$status"
