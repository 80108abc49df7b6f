#!/usr/bin/env bash
# Source coverage of acme2.h reached by the fuzz corpora: builds the
# targets with clang's coverage instrumentation (no sanitizers), replays
# each target's committed seeds and scratch corpus once (-runs=0), and
# prints llvm-cov's summary for acme2.h, then the library functions no
# input reached.
#
#   fuzz/coverage.sh [target...]      (default: all six)
# Output also in build/fuzz/cov/ (report.txt, functions.txt).
set -eu
cd "$(dirname "$0")/.."
targets=${*:-fuzz_json fuzz_headers fuzz_responses fuzz_keys fuzz_cert fuzz_flow}
D=build/fuzz/cov
rm -rf "$D"
mkdir -p "$D"
objs=""
for t in $targets; do
    clang -std=c99 -D_POSIX_C_SOURCE=200809L -g -O1 -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping \
        -I. "fuzz/$t.c" -o "$D/$t" -lbearssl
    dirs="fuzz/corpus/$t"
    [ -d "build/fuzz/corpus/$t" ] && dirs="$dirs build/fuzz/corpus/$t"
    # shellcheck disable=SC2086
    LLVM_PROFILE_FILE="$D/$t.profraw" "$D/$t" -runs=0 $dirs > "$D/$t.log" 2>&1 || {
        echo "$t: replay failed (a crashing input in the corpus?), see $D/$t.log" >&2
    }
    if [ -z "$objs" ]; then objs="$D/$t"; else objs="$objs -object $D/$t"; fi
done
llvm-profdata merge -sparse "$D"/*.profraw -o "$D/all.profdata"
# shellcheck disable=SC2086
llvm-cov report -instr-profile "$D/all.profdata" $objs acme2.h | tee "$D/report.txt" | tail -n 3
# shellcheck disable=SC2086
llvm-cov report -show-functions -instr-profile "$D/all.profdata" $objs acme2.h > "$D/functions.txt"
echo "functions of acme2.h no input reached:"
awk '$1 ~ /^acme2/ && $4 == "0.00%" { print "  " $1 }' "$D/functions.txt" | sort -u
