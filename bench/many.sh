#!/usr/bin/env bash
# `make bench`, many certificates: N one-name certificates against one local
# Pebble (no validation sleep, nonce rejection off so every tool meets the
# same server), three ways, in one run:
#   issue_many   one process, one thread: N issuance engines over libcurl
#                multi (HTTP/2), PARALLEL at once, shared directory and
#                nonce pool with a nonce window of WINDOW (engines wait for
#                a nonce instead of asking newNonce while WINDOW requests
#                are in flight: ~WINDOW newNonce requests in all), dns-01
#                through pebble-challtestsrv's API
#   acme2-cli    run N times one after the other (http-01, built-in responder)
#   lego         run N times, LEGO_PARALLEL at once (each run waits on
#                lego's own polling, ~2 s with dns-01; its propagation
#                check is off: challtestsrv answers no SOA queries)
# Wall is the whole batch; CPU is user+system of everything the batch ran;
# peak RSS is the largest single process; requests are what Pebble logged
# during the batch, divided by N.
#
#   BENCH_MANY_N (100), BENCH_MANY_PARALLEL (100), BENCH_MANY_WINDOW (4),
#   BENCH_MANY_LEGO_PARALLEL (10), BENCH_MANY_TOOLS ("issue_many acme2-cli lego")
# Pebble 2.4 can deadlock (a reentrant read lock in FindValidAuthorization
# behind a writer) when many newOrders arrive at once, as with window 0 at
# 100 at once; the window keeps ~WINDOW requests in flight.
# Prints a markdown table; exit 0 unless a batch failed.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
B=$ROOT/build
W=$B/bench/many
N=${BENCH_MANY_N:-100}
P=${BENCH_MANY_PARALLEL:-100}
WIN=${BENCH_MANY_WINDOW:-4}
LP=${BENCH_MANY_LEGO_PARALLEL:-10}
TOOLS=${BENCH_MANY_TOOLS:-issue_many acme2-cli lego}
rm -rf "$W" && mkdir -p "$W"
make -s --no-print-directory build/issue_many build/acme2-cli >/dev/null || exit 2
gcc -std=c99 -O2 -Wall -Wextra bench/rusage.c -o "$W/rusage" || exit 2
trap 'tests/pebble.sh stop "$W/pebble" >/dev/null 2>&1' EXIT
PEBBLE_WFE_NONCEREJECT=0 PEBBLE_DNS_IPV6= PEBBLE_OWNER_PID=$$ tests/pebble.sh start "$W/pebble" > "$W/start.log" 2>&1 ||
    { echo "many: Pebble did not start"; exit 1; }
eval "$(tests/pebble.sh env "$W/pebble")"
PLOG=$W/pebble/pebble.log
R=$W/rusage
fails=0

lines() { wc -l < "$PLOG"; }
# requests Pebble logged after line $1
reqs_since() { tail -n +"$(($1 + 1))" "$PLOG" | grep -c -- '-> calling handler'; }

row() { # tool wall cpu rss_kb requests note
    awk -v t="$1" -v w="$2" -v c="$3" -v r="$4" -v q="$5" -v n="$N" -v note="$6" 'BEGIN {
        printf "| %-10s | %8.2f s | %7.2f s | %7.1f MB | %5d | %5.2f | %s |\n", t, w, c, r / 1024, q, q / n, note }'
}

echo "N = $N one-name certificates, Pebble $(dpkg-query -W -f='${Version}' pebble 2>/dev/null) without validation sleeps"
echo
echo "| tool       |     wall   |     CPU   | peak RSS  | requests | per cert | how |"
echo "|------------|------------|-----------|-----------|----------|----------|-----|"
for tool in $TOOLS; do
    l0=$(lines)
    case $tool in
    issue_many)
        mkdir -p "$W/im"
        "$R" "$W/im.ru" "$B/issue_many" "$PEBBLE_URL" "$PEBBLE_CA" "$CHALLTESTSRV" "$N" "$P" "" "$WIN" > "$W/im.log" 2>&1
        rc=$?; RU=$W/im.ru; note="one thread, $P at once, nonce window $WIN, dns-01"
        heads=$(tail -n +"$((l0 + 1))" "$PLOG" | grep -c -- 'HEAD /nonce-plz -> calling handler')
        ;;
    acme2-cli)
        C="$B/acme2-cli -a $PEBBLE_URL --ca-file $PEBBLE_CA -c $W/cli"
        $C -y new bench@example.org > "$W/cli-new.log" 2>&1 || { echo "many: acme2-cli new failed"; fails=$((fails + 1)); continue; }
        l0=$(lines)
        "$R" "$W/cli.ru" bash -c 'for i in $(seq 1 '"$N"'); do '"$C"' --standalone-http 127.0.0.1:'"$HTTP01_PORT"' issue m$i.cli.test || exit 1; done' \
            > "$W/cli.log" 2>&1
        rc=$?; RU=$W/cli.ru; note="$N runs one after the other, http-01"
        ;;
    lego)
        command -v lego >/dev/null || { echo "| lego | not installed (Debian package lego) |"; continue; }
        export LEGO_CA_CERTIFICATES=$PEBBLE_CA EXEC_PATH=$W/lego-dns.sh
        cat > "$W/lego-dns.sh" <<EOF
#!/bin/sh
# lego's exec DNS provider: present|cleanup FQDN VALUE
case \$1 in
present) curl -sf -X POST -d "{\"host\":\"\$2\",\"value\":\"\$3\"}" "$CHALLTESTSRV/set-txt" ;;
cleanup) curl -sf -X POST -d "{\"host\":\"\$2\"}" "$CHALLTESTSRV/clear-txt" ;;
esac
EOF
        chmod +x "$W/lego-dns.sh"
        # lego registers on its first run: one untimed run first.
        LEGO_CA_CERTIFICATES=$PEBBLE_CA lego --server "$PEBBLE_URL" --email bench@example.org --accept-tos \
            --path "$W/lego" --key-type ec256 --dns exec --dns.disable-cp --dns.resolvers "$PEBBLE_DNS" --domains warm.lego.test run \
            > "$W/lego-warm.log" 2>&1 || { echo "| lego | FAILED to register (see ${W#"$ROOT"/}/lego-warm.log) |"; fails=$((fails + 1)); continue; }
        l0=$(lines)
        "$R" "$W/lego.ru" bash -c '
            for i in $(seq 1 '"$N"'); do
                lego --server '"$PEBBLE_URL"' --email bench@example.org --accept-tos --path '"$W"'/lego --key-type ec256 \
                    --dns exec --dns.disable-cp --dns.resolvers '"$PEBBLE_DNS"' --domains m$i.lego.test run > /dev/null 2>&1 &
                [ $((i % '"$LP"')) = 0 ] && wait
            done
            wait
            [ "$(ls '"$W"'/lego/certificates/m*.lego.test.crt 2>/dev/null | wc -l)" = '"$N"' ]' > "$W/lego.log" 2>&1
        rc=$?; RU=$W/lego.ru; note="$N runs, $LP at once, dns-01 (exec provider)"
        ;;
    *) continue ;;
    esac
    q=$(reqs_since "$l0")
    if [ "$rc" != 0 ]; then
        echo "| $tool | FAILED (exit $rc; see ${W#"$ROOT"/}) |"
        fails=$((fails + 1))
        continue
    fi
    read -r wall cpu rss _ < "$RU"
    row "$tool" "$wall" "$cpu" "$rss" "$q" "$note"
done
echo
grep -h 'issued' "$W/im.log" 2>/dev/null | sed 's/^/    /'
[ -n "${heads:-}" ] && echo "    issue_many: Pebble logged $heads newNonce requests (the account's included)"
echo "Targets (issue 9): issue_many <= 1.5 s wall for 100, <= 7 requests per certificate."
[ "$fails" = 0 ]
