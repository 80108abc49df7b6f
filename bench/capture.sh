#!/usr/bin/env bash
# Captures the benchmark inputs in bench/data/ from a throwaway local Pebble
# (see bench/capture.c). Maintainers run it (`make bench-data`) when Pebble or
# the library changes what is exchanged; the results are committed, so
# `make bench` needs no server. Pebble rejects no nonce here, so the traces
# are the plain path (the badNonce retry is covered by the unit tests).
set -eu
cd "$(dirname "$0")/.."
B=build/bench
OUT=${1:-bench/data}
mkdir -p "$B" "$OUT"
gcc -std=c99 -D_POSIX_C_SOURCE=200809L -O1 -g -I. -Iexamples -Ibench \
    bench/capture.c examples/transport_curl.c -o "$B/capture" -lcurl -lbearssl
trap 'tests/pebble.sh stop "$B/pebble" >/dev/null 2>&1 || true' EXIT
PEBBLE_WFE_NONCEREJECT=0 PEBBLE_VA_ALWAYS_VALID=1 PEBBLE_OWNER_PID=$$ PEBBLE_MAX_LIFETIME=300 tests/pebble.sh start "$B/pebble"
eval "$(tests/pebble.sh env "$B/pebble")"
"$B/capture" "$PEBBLE_URL" "$PEBBLE_CA" "$OUT"
