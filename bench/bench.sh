#!/usr/bin/env bash
# `make bench`: one run, one set of tables, in this order:
#   1. end-to-end issuance against a local Pebble beside uacme, lego and
#      certbot, in Pebble's validation modes BENCH_MODES (issuance.sh;
#      BENCH_ISSUANCE=0 skips it, BENCH_RUNS rounds per mode, default 5;
#      BENCH_TOOLS, BENCH_PROFILE: see issuance.sh);
#   1b. many certificates from one thread (bench/many.sh: issue_many beside
#      acme2-cli and lego run N times; BENCH_MANY_N, default 100; skipped
#      with BENCH_ISSUANCE=0);
#   2. throughput of the JSON tokenizer against jsmn;
#   3. library work per issuance, replayed under callgrind (callgrind.sh);
#   4. the cost of a JWS against the bare BearSSL signature inside it.
# 2 and 4: single-threaded, each measurement runs about BENCH_SECONDS of CPU
# time (default 0.5), every figure the median of 5 alternated rounds;
# compiled with gcc -O2, no sanitizers; BearSSL is Debian's libbearssl.
# A complete run (nothing skipped, nothing failed, every mode and tool)
# writes its tables to bench/RESULTS.md; otherwise they go to
# build/bench/RESULTS.md.
set -eu
cd "$(dirname "$0")/.."
B=build/bench
S=${BENCH_SECONDS:-0.5}
ISSUANCE=${BENCH_ISSUANCE:-1}
RUNS=${BENCH_RUNS:-5}
MODES=${BENCH_MODES:-nosleep va2 va3}
TOOLS=${BENCH_TOOLS:-acme2-cli acme2-cli-curl uacme lego certbot}
PROFILE=${BENCH_PROFILE:-1}
CFLAGS="-std=c99 -O2 -Wall -Wextra"
mkdir -p "$B"

gcc $CFLAGS -I. -c bench/acme2_impl.c -o "$B/acme2_O2.o"
gcc $CFLAGS -DBENCH_JSMN_NAME=bench_jsmn_default -c bench/jsmn_wrap.c -o "$B/jsmn_default.o"
gcc $CFLAGS -DJSMN_STRICT -DBENCH_JSMN_NAME=bench_jsmn_strict -c bench/jsmn_wrap.c -o "$B/jsmn_strict.o"
gcc $CFLAGS -I. bench/json.c "$B/acme2_O2.o" "$B/jsmn_default.o" "$B/jsmn_strict.o" -o "$B/json" -lbearssl -lm
gcc $CFLAGS -I. bench/jws.c "$B/acme2_O2.o" -o "$B/jws" -lbearssl

tables() {
    local rc=0 r
    echo "acme2.h benchmarks"
    echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine:  $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(uname -sr)"
    echo "command:  make bench BENCH_SECONDS=$S BENCH_RUNS=$RUNS BENCH_ISSUANCE=$ISSUANCE BENCH_MODES=\"$MODES\" BENCH_TOOLS=\"$TOOLS\" BENCH_PROFILE=$PROFILE"
    echo "compiler: $(gcc --version | head -n 1), $CFLAGS; jsmn $(dpkg-query -W -f='${Version}' libjsmn-dev 2>/dev/null), BearSSL $(dpkg-query -W -f='${Version}' libbearssl-dev 2>/dev/null)"
    echo
    if [ "$ISSUANCE" != 0 ]; then
        # Exit 3: skipped (it says so in its output).
        r=0
        BENCH_RUNS=$RUNS BENCH_MODES=$MODES BENCH_TOOLS=$TOOLS BENCH_PROFILE=$PROFILE bench/issuance.sh || r=$?
        [ $r = 0 ] || [ $r = 3 ] || rc=1
        echo
        echo "Many certificates from one thread"
        bench/many.sh || rc=1
    else
        echo "End-to-end issuance: skipped (BENCH_ISSUANCE=0)"
    fi
    echo
    "$B/json" "$S" bench/data/*.json || rc=1
    echo
    bench/callgrind.sh || rc=1
    echo
    "$B/jws" "$S" || rc=1
    return $rc
}

set +e
tables | tee "$B/results.txt"
st=("${PIPESTATUS[@]}")
set -e
rc=0
[ "${st[0]}" = 0 ] && [ "${st[1]}" = 0 ] || rc=1
complete=1
grep -q '^End-to-end issuance: skipped' "$B/results.txt" && complete=0
# A subset of modes or tools is a partial run too.
[ "$MODES" = "nosleep va2 va3" ] && [ "$TOOLS" = "acme2-cli acme2-cli-curl uacme lego certbot" ] || complete=0
out=bench/RESULTS.md
[ $rc = 0 ] && [ $complete = 1 ] || out=$B/RESULTS.md
{
    echo "# Benchmark results"
    echo
    echo "The tables of the latest complete \`make bench\` (see bench/README.md for what"
    echo "each measures and how). Date, machine and the command to reproduce are"
    echo "at the top."
    echo
    echo '```text'
    cat "$B/results.txt"
    echo '```'
} > "$out"
echo >&2
echo "bench: tables written to $out" >&2
exit $rc
