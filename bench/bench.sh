#!/usr/bin/env bash
# `make bench`: throughput of the JSON tokenizer against jsmn, and the cost
# of a JWS against the bare BearSSL signature inside it. Single-threaded;
# each measurement runs about BENCH_SECONDS of CPU time (default 0.5) and every figure
# is the median of 5 alternated rounds. Compiled with gcc -O2, no
# sanitizers; BearSSL is Debian's libbearssl.
set -eu
cd "$(dirname "$0")/.."
B=build/bench
S=${BENCH_SECONDS:-0.5}
CFLAGS="-std=c99 -O2 -Wall -Wextra"
mkdir -p "$B"

gcc $CFLAGS -I. -c bench/acme2_impl.c -o "$B/acme2_O2.o"
gcc $CFLAGS -DBENCH_JSMN_NAME=bench_jsmn_default -c bench/jsmn_wrap.c -o "$B/jsmn_default.o"
gcc $CFLAGS -DJSMN_STRICT -DBENCH_JSMN_NAME=bench_jsmn_strict -c bench/jsmn_wrap.c -o "$B/jsmn_strict.o"
gcc $CFLAGS -I. bench/json.c "$B/acme2_O2.o" "$B/jsmn_default.o" "$B/jsmn_strict.o" -o "$B/json" -lbearssl -lm
gcc $CFLAGS -I. bench/jws.c "$B/acme2_O2.o" -o "$B/jws" -lbearssl

echo "acme2.h benchmarks"
echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:  $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "command:  make bench BENCH_SECONDS=$S"
echo "compiler: $(gcc --version | head -n 1), $CFLAGS; jsmn $(dpkg-query -W -f='${Version}' libjsmn-dev 2>/dev/null), BearSSL $(dpkg-query -W -f='${Version}' libbearssl-dev 2>/dev/null)"
echo
rc=0
"$B/json" "$S" bench/data/*.json || rc=1
echo
"$B/jws" "$S" || rc=1
exit $rc
