#!/usr/bin/env bash
# The demo: builds neo-login and neo-mock-gateway, starts the mock on loopback with a scenario that
# answers 429, then 503, then 200, and logs in against it, so you see the retries and the session.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cmake/bootstrap.sh"
neo_build neo-login neo-mock-gateway

work="$(mktemp -d)"
"$NEO_BUILD/neo-mock-gateway" --scenario "$NEO_ROOT/example/scenarios/demo.json" \
  --ca-file "$work/ca.pem" >"$work/mock.out" 2>"$work/mock.log" &
mock=$!
cleanup() { kill "$mock" 2>/dev/null || true; wait "$mock" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

for _ in $(seq 100); do grep -q '^ca_file=' "$work/mock.out" 2>/dev/null && break; sleep 0.05; done
origin="$(sed -n 's/^origin=//p' "$work/mock.out")"
[ -n "$origin" ] || { echo "demo: the mock gateway did not start" >&2; cat "$work/mock.log" >&2; exit 1; }
echo "demo: mock gateway at $origin (answers 429 with Retry-After: 1, then 503, then 200)" >&2


set +e
NEO_PASSWORD=mock-password NEO_CONSUMER_KEY=mock-consumer-key NEO_CONSUMER_SECRET=mock-consumer-secret \
  "$NEO_BUILD/neo-login" --gateway "$origin" --ca-file "$work/ca.pem" --mobilenumber 9999999908
status=$?

if [ "$status" -eq 0 ]; then
  echo "demo: generation 1 with the second factor: OTP generated, read from stdin, trade session, logout" >&2
  echo 4321 | NEO_PASSWORD=mock-password NEO_CONSUMER_KEY=mock-consumer-key NEO_CONSUMER_SECRET=mock-consumer-secret \
    "$NEO_BUILD/neo-login" --gateway "$origin" --ca-file "$work/ca.pem" --userid testuser --otp-stdin --logout
  status=$?
fi
if [ "$status" -eq 0 ]; then
  totp_secret="$(sed -n 's/^totp_secret=//p' "$work/mock.out")"
  echo "demo: generation 2 (TOTP + MPIN), twice with a session file: the second run reuses the session" >&2
  for run in 1 2; do
    NEO_TOTP_SECRET="$totp_secret" NEO_MPIN=123456 NEO_CONSUMER_KEY=mock-consumer-key \
      "$NEO_BUILD/neo-login" --gateway "$origin" --ca-file "$work/ca.pem" --mobilenumber 9999999908 \
      --ucc TESTYA24 --session-file "$work/session.json" >/dev/null || { status=$?; break; }
    echo "demo: generation 2 run $run done" >&2
  done
fi
set -e

echo "demo: what the mock gateway saw:" >&2
sed 's/^/  /' "$work/mock.log" >&2
echo "demo: neo-login exited with $status" >&2
exit "$status"
