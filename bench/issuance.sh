#!/usr/bin/env bash
# `make bench`, end-to-end issuance: acme2-cli beside uacme, lego and
# certbot against a local Pebble (tests/pebble.sh: loopback, no nonce
# rejections, no authorization reuse, no AAAA records so the VA connects to
# 127.0.0.1 where every responder listens), in one or more validation
# modes, one Pebble per mode:
#
#   nosleep   PEBBLE_VA_NOSLEEP=1: the VA validates at once
#   vaN       PEBBLE_VA_NOSLEEP=0 PEBBLE_VA_SLEEPTIME=N (N >= 1): each of
#             Pebble's three validation attempts first sleeps a random
#             0..N-1 whole seconds; the order is ready after the longest.
#             va2 is about 1 s, va3 about 2 s; va1 never sleeps.
#
# In each mode every tool registers an account (untimed) and makes one
# untimed warm-up issuance (page cache; lego registers its account there);
# then BENCH_RUNS rounds (default 5), tools alternated (A B C D A B C D ...),
# each run a certificate for a new name with http-01 and an EC P-256
# certificate key, so every run is a one-name issuance with a known
# account. Per run: wall time, CPU (user+sys) and peak RSS of the tool's
# process from wait4() (bench/rusage.c; children it waited for, such as
# hook scripts, included), the HTTP requests Pebble logged while it ran, the
# validation sleep Pebble did (the longest "Sleeping for Ns" of the run in
# pebble.log) and the wall time past it. Tables: medians per mode, then
# acme2-cli against the targets of issue 11. Then, from separate runs in the
# first mode, where acme2-cli's time, CPU and memory go: timed waits
# (strace), instructions (callgrind), resident pages by mapping.
#
# Environment:
#   BENCH_RUNS      rounds per mode (default 5)
#   BENCH_MODES     modes, in order (default "nosleep va2 va3")
#   BENCH_TOOLS     columns (default "acme2-cli acme2-cli-curl uacme lego
#                   certbot"; acme2-cli-curl is acme2-cli --transport curl)
#   BENCH_PROFILE   0 skips the profile runs (default 1)
#   BENCH_TIMEOUT   seconds one issuance may take before it counts as
#                   failed (default 180)
# About 1 min per mode without sleeps and 3..4 min per mode with them for
# all five tools at 5 rounds.
#
# Tools that are missing are installed when root (tests/deps.sh); otherwise
# their column is skipped and the table says so. Exit status 0 done, 1 an
# error (a failed run included), 3 skipped (no Pebble or acme2-cli).
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
B=$ROOT/build/bench/issuance
RUNS=${BENCH_RUNS:-5}
MODES=${BENCH_MODES:-nosleep va2 va3}
TOOLS_WANTED=${BENCH_TOOLS:-acme2-cli acme2-cli-curl uacme lego certbot}
PROFILE=${BENCH_PROFILE:-1}
TIMEOUT=${BENCH_TIMEOUT:-180}
CLI=$ROOT/build/acme2-cli
R=$B/rusage
declare -A SKIP VERSION
TOOLS=()

say() { echo "issuance: $*" >&2; }
skip_all() { echo "End-to-end issuance: skipped ($*)"; exit 3; }

case $RUNS in '' | *[!0-9]* | 0) echo "issuance.sh: BENCH_RUNS must be a positive number, not \"$RUNS\"" >&2; exit 1 ;; esac
case $TIMEOUT in '' | *[!0-9]* | 0) echo "issuance.sh: BENCH_TIMEOUT must be a positive number of seconds" >&2; exit 1 ;; esac
for m in $MODES; do
    case $m in
        nosleep) ;;
        va[1-9] | va[1-9][0-9]) ;;
        *) echo "issuance.sh: unknown mode \"$m\" in BENCH_MODES (nosleep, va1..va99)" >&2; exit 1 ;;
    esac
done
for t in $TOOLS_WANTED; do
    case $t in
        acme2-cli | acme2-cli-curl | uacme | lego | certbot) TOOLS+=("$t") ;;
        *) echo "issuance.sh: unknown tool \"$t\" in BENCH_TOOLS" >&2; exit 1 ;;
    esac
done
[ ${#TOOLS[@]} -gt 0 ] || { echo "issuance.sh: BENCH_TOOLS is empty" >&2; exit 1; }

rm -rf "$B" && mkdir -p "$B/log" || exit 1
gcc -std=c99 -O2 -Wall -Wextra bench/rusage.c -o "$R" || exit 1

# ---- what can run ----
have_pkgs() { tests/deps.sh "$@" 2>/dev/null; }
have_pkgs pebble curl openssl || skip_all "Pebble missing: Debian packages pebble curl openssl, install as root"
have_pkgs libcurl4-openssl-dev libbearssl-dev || skip_all "acme2-cli needs libcurl4-openssl-dev libbearssl-dev"
make --no-print-directory -s build/acme2-cli >&2 || { echo "issuance.sh: cannot build acme2-cli" >&2; exit 1; }
have_pkgs uacme python3 || SKIP[uacme]="not installed (Debian packages uacme python3; run as root to install)"
have_pkgs lego || SKIP[lego]="not installed (Debian package lego; run as root to install)"
have_pkgs certbot || SKIP[certbot]="not installed (Debian package certbot; run as root to install)"

# uacme has no option for the CA of the ACME server's TLS: libcurl-gnutls
# reads the system bundle. It runs in a private mount namespace in which
# Pebble's TLS CA is bind-mounted over that file (nothing else changes;
# unprivileged: a user namespace as well).
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
if [ "$(id -u)" = 0 ]; then UNSHARE=(unshare -m --propagation private); else UNSHARE=(unshare -r -m --propagation private); fi
in_ns() { "${UNSHARE[@]}" sh -c 'mount --bind "$0" "$1" && shift && exec "$@"' "$PEBBLE_CA" "$CA_BUNDLE" "$@"; }

# ---- Pebble, one per mode ----
export PEBBLE_DNS_IPV6= PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 PEBBLE_OWNER_PID=$$
PEBBLE_VERSION=$(dpkg-query -W -f='${Version}' pebble 2>/dev/null | sed 's/[+~-].*//')
PDIR=
HTTPD=
cleanup() {
    stop_httpd
    [ -n "$PDIR" ] && tests/pebble.sh stop "$PDIR" >/dev/null 2>&1
}
trap cleanup EXIT
start_pebble() { # mode -> 0 when up; sets PEBBLE_* HTTP01_PORT PLOG
    local m=$1
    PDIR=$B/pebble-$m
    if [ "$m" = nosleep ]; then
        export PEBBLE_VA_NOSLEEP=1
        unset PEBBLE_VA_SLEEPTIME
    else
        export PEBBLE_VA_NOSLEEP=0 PEBBLE_VA_SLEEPTIME=${m#va}
    fi
    tests/pebble.sh start "$PDIR" >/dev/null 2>"$B/log/pebble-start-$m.log" || return 1
    eval "$(tests/pebble.sh env "$PDIR")"
    PLOG=$PEBBLE_DIR/pebble.log
}
stop_pebble() { tests/pebble.sh stop "$PDIR" >/dev/null 2>&1; PDIR=; }

# CPU time Pebble has used so far, seconds: the sum over its threads of
# the scheduler's run time (ns; Go keeps its threads, so none is lost).
pebble_cpu() { cat /proc/"$(cat "$PEBBLE_DIR/pebble.pid")"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.6f", s / 1e9}'; }

# Pebble logs one "METHOD /path -> calling handler()" line per request and,
# with sleeps, one "Sleeping for Ns seconds before validating" per
# validation attempt (three per challenge, run side by side).
log_lines() { wc -l < "$PLOG"; }
requests_since() { tail -n +"$(($1 + 1))" "$PLOG" | grep -c -- ' -> calling handler()'; }
sleep_since() {
    tail -n +"$(($1 + 1))" "$PLOG" | sed -n 's/.*Sleeping for \([0-9.]*\)s seconds before validating.*/\1/p' |
        awk 'BEGIN {m = 0} $1 > m {m = $1} END {print m + 0}'
}
attempts_since() { tail -n +"$(($1 + 1))" "$PLOG" | grep -c 'Attempting to validate'; }

# ---- uacme's http-01: its hook writes the key authorization into a web
# root served by a small static web server (python3 -m http.server), the
# way uacme's own uacme.sh hook works with an existing web server. The
# server runs only around uacme's runs; its cost is not uacme's. ----
WEBROOT=$B/uacme-www
mkdir -p "$WEBROOT/.well-known/acme-challenge"
cat > "$B/uacme-hook.sh" <<'EOF'
#!/bin/sh
d=$UACME_WEBROOT/.well-known/acme-challenge
case "$1:$2" in
    begin:http-01) printf '%s' "$5" > "$d/$4" ;;
    done:http-01|failed:http-01) rm -f "$d/$4" ;;
    *) exit 1 ;;
esac
EOF
chmod +x "$B/uacme-hook.sh"
start_httpd() {
    local i
    (cd "$WEBROOT" && exec python3 -m http.server --bind 127.0.0.1 "$HTTP01_PORT") >>"$B/log/httpd.log" 2>&1 &
    HTTPD=$!
    for i in $(seq 1 100); do
        curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$HTTP01_PORT/" && return 0
        sleep 0.05
    done
    return 1
}
stop_httpd() {
    [ -n "$HTTPD" ] || return 0
    kill "$HTTPD" 2>/dev/null
    wait "$HTTPD" 2>/dev/null
    HTTPD=
}

# ---- the tools: setup (account, untimed), run NAME (one issuance, timed
# through $R with result file $OUT, within $TIMEOUT), check NAME (the
# certificate is there). Each mode has its own directories ($W). ----
TO=(timeout -k 5 "$TIMEOUT")
setup_acme2-cli() { "$CLI" -a "$PEBBLE_URL" --ca-file "$PEBBLE_CA" -c "$W/acme2-cli" -y new bench@example.org; }
run_acme2-cli() { "$R" "$OUT" "${TO[@]}" "$CLI" -a "$PEBBLE_URL" --ca-file "$PEBBLE_CA" -c "$W/acme2-cli" --standalone-http "127.0.0.1:$HTTP01_PORT" issue "$1"; }
check_acme2-cli() { [ -s "$W/acme2-cli/$1/cert.pem" ]; }

setup_acme2-cli-curl() { "$CLI" --transport curl -a "$PEBBLE_URL" --ca-file "$PEBBLE_CA" -c "$W/acme2-cli-curl" -y new bench@example.org; }
run_acme2-cli-curl() { "$R" "$OUT" "${TO[@]}" "$CLI" --transport curl -a "$PEBBLE_URL" --ca-file "$PEBBLE_CA" -c "$W/acme2-cli-curl" --standalone-http "127.0.0.1:$HTTP01_PORT" issue "$1"; }
check_acme2-cli-curl() { [ -s "$W/acme2-cli-curl/$1/cert.pem" ]; }

setup_uacme() { in_ns uacme -v -a "$PEBBLE_URL" -c "$W/uacme" -t EC -b 256 -y new bench@example.org; }
run_uacme() {
    local rc
    start_httpd || { echo "web server for uacme did not start" >&2; return 1; }
    UACME_WEBROOT=$WEBROOT in_ns "$R" "$OUT" "${TO[@]}" uacme -v -a "$PEBBLE_URL" -c "$W/uacme" -t EC -b 256 -h "$B/uacme-hook.sh" issue "$1"
    rc=$?
    stop_httpd
    return $rc
}
check_uacme() { [ -s "$W/uacme/$1/cert.pem" ]; }

lego_args() { echo --server "$PEBBLE_URL" --email bench@example.org --accept-tos --path "$W/lego" --key-type ec256 \
                   --http --http.port "127.0.0.1:$HTTP01_PORT"; }
# lego has no separate registration: its first run (the warm-up) registers.
setup_lego() { :; }
run_lego() { LEGO_CA_CERTIFICATES=$PEBBLE_CA "$R" "$OUT" "${TO[@]}" lego $(lego_args) --domains "$1" run; }
check_lego() { [ -s "$W/lego/certificates/$1.crt" ]; }

certbot_args() { echo --config-dir "$W/certbot/etc" --work-dir "$W/certbot/work" --logs-dir "$W/certbot/logs" --server "$PEBBLE_URL" --non-interactive; }
setup_certbot() { REQUESTS_CA_BUNDLE=$PEBBLE_CA certbot register $(certbot_args) --agree-tos -m bench@example.org --no-eff-email; }
run_certbot() {
    REQUESTS_CA_BUNDLE=$PEBBLE_CA "$R" "$OUT" "${TO[@]}" certbot certonly $(certbot_args) --standalone \
        --http-01-address 127.0.0.1 --http-01-port "$HTTP01_PORT" --key-type ecdsa --elliptic-curve secp256r1 -d "$1"
}
check_certbot() { [ -s "$W/certbot/etc/live/$1/fullchain.pem" ]; }

VERSION[acme2-cli]=$("$CLI" -V 2>&1 | awk '{print $2; exit}')
VERSION[acme2-cli-curl]=${VERSION[acme2-cli]}
VERSION[uacme]=$(dpkg-query -W -f='${Version}' uacme 2>/dev/null | sed 's/-[^-]*$//')
VERSION[lego]=$(dpkg-query -W -f='${Version}' lego 2>/dev/null | sed 's/-[^-]*$//')
VERSION[certbot]=$(dpkg-query -W -f='${Version}' certbot 2>/dev/null | sed 's/-[^-]*$//')

# One issuance of NAME by TOOL in MODE; appends
# "MODE TOOL WALL CPU RSS REQUESTS PEBBLE_CPU SLEEP ATTEMPTS" to
# $B/runs.txt when it worked.
issue_one() { # mode tool name logfile
    local m=$1 t=$2 name=$3 log=$4 n0 rc p0 p1
    OUT=$B/rusage.out
    rm -f "$OUT"
    n0=$(log_lines)
    p0=$(pebble_cpu)
    "run_$t" "$name" >"$log" 2>&1
    rc=$?
    p1=$(pebble_cpu)
    if [ $rc != 0 ] || ! "check_$t" "$name" || [ ! -s "$OUT" ]; then
        [ $rc = 124 ] && echo "issuance.sh: stopped after BENCH_TIMEOUT=$TIMEOUT s" >> "$log"
        say "$m: $t failed to issue $name (exit $rc), see ${log#$ROOT/}"
        return 1
    fi
    echo "$m $t $(awk '{print $1, $2, $3}' "$OUT") $(requests_since "$n0")" \
         "$(awk -v a="$p0" -v b="$p1" 'BEGIN {printf "%.6f", b - a}') $(sleep_since "$n0") $(attempts_since "$n0")" >> "$B/runs.txt"
}

# Timed waits: every call that can put the process to sleep with a timeout
# and nothing else to wait for (nanosleep, clock_nanosleep, poll without
# descriptors, which is the library's default sleep, and futex waits with a
# timeout, which a condition wait is), for acme2-cli and uacme.
bench_profile() {
    local t
    printf '%s\n' '#!/bin/sh' '# Stands in for rusage: OUTFILE COMMAND... (strace, one file per thread, into $STRACE_OUT.*).' \
        'echo "0 0 0 0" > "$1"; shift' \
        'exec strace -ff -qq -T -e trace=nanosleep,clock_nanosleep,poll,ppoll,futex -o "$STRACE_OUT" "$@"' > "$B/strace-wrap"
    chmod +x "$B/strace-wrap"
    if command -v strace >/dev/null 2>&1 || have_pkgs strace; then
        for t in acme2-cli uacme; do
            [ -n "${SKIP[$t]:-}" ] && continue
            [ -d "$W/$t" ] || continue
            OUT=$B/strace.rusage STRACE_OUT=$B/$t.strace R=$B/strace-wrap "run_$t" "strace-$t.$m.bench.acme2.test" \
                >"$B/log/$t-strace.log" 2>&1 || continue
            cat "$B/$t.strace".* > "$B/$t.strace" 2>/dev/null
            awk -v t="$t" '
                /<[0-9.]+>$/ && (/nanosleep\(/ || /poll\(NULL, 0,/ || /poll\(\[\], 0,/ || (/futex\(/ && /FUTEX_WAIT/ && /tv_sec/)) {
                    v = $NF; gsub(/[<>]/, "", v); s += v; n++ }
                END {printf "sleep %s %.3f %d\n", t, s, n}' "$B/$t.strace" >> "$B/sleeps.txt"
        done
    fi
    # Instructions, by object and for the calls that matter, under callgrind.
    if command -v valgrind >/dev/null 2>&1; then
        awk '/^\/\* == [a-z]+ == \(implementation\) \*\// {print NR, $3}' acme2.h > "$B/sections.txt"
        nm -l --defined-only "$CLI" 2>/dev/null |
            awk 'NF >= 4 && $2 ~ /^[tT]$/ && $4 ~ /acme2\.h:[0-9]+$/ {n = split($4, a, ":"); print $3, a[n]}' > "$B/funcs.txt"
        if valgrind --tool=callgrind --compress-strings=no --compress-pos=no --callgrind-out-file="$B/acme2-cli.cg" \
            "$CLI" -a "$PEBBLE_URL" --ca-file "$PEBBLE_CA" -c "$W/acme2-cli" --standalone-http "127.0.0.1:$HTTP01_PORT" \
            issue "callgrind-acme2-cli.$m.bench.acme2.test" >"$B/log/acme2-cli-callgrind.log" 2>&1; then
            awk -f bench/cgsum.awk "$B/sections.txt" "$B/funcs.txt" "$B/acme2-cli.cg" > "$B/acme2-cli.cgsum" 2>/dev/null
        fi
    fi
    # Resident pages by mapping, sampled every 20 ms; the largest sample.
    "$CLI" -a "$PEBBLE_URL" --ca-file "$PEBBLE_CA" -c "$W/acme2-cli" --standalone-http "127.0.0.1:$HTTP01_PORT" \
        issue "smaps-acme2-cli.$m.bench.acme2.test" >"$B/log/acme2-cli-smaps.log" 2>&1 &
    local pid=$! best=0 n
    while kill -0 $pid 2>/dev/null; do
        if cat "/proc/$pid/smaps" > "$B/smaps.now" 2>/dev/null; then
            n=$(awk '/^Rss:/ {s += $2} END {print s + 0}' "$B/smaps.now")
            [ "$n" -gt "$best" ] && { best=$n; cp "$B/smaps.now" "$B/smaps.peak"; }
        fi
        sleep 0.02
    done
    wait $pid
}

echo "namespace test" > "$B/ns-test.pem"
if [ -z "${SKIP[uacme]:-}" ] && ! PEBBLE_CA=$B/ns-test.pem in_ns true >"$B/log/uacme-namespace.log" 2>&1; then
    SKIP[uacme]="cannot bind-mount Pebble's TLS CA over $CA_BUNDLE in a mount namespace (needs root or user namespaces), see ${B#$ROOT/}/log/uacme-namespace.log"
fi
: > "$B/runs.txt"
fails=0
PROFILE_MODE=
for m in $MODES; do
    W=$B/$m
    mkdir -p "$W"
    if ! start_pebble "$m"; then
        say "$m: Pebble did not start, see ${B#$ROOT/}/log/pebble-start-$m.log"
        echo "$m" >> "$B/modes-failed.txt"
        fails=$((fails + 1))
        continue
    fi
    ok=()
    for t in "${TOOLS[@]}"; do
        [ -n "${SKIP[$t]:-}" ] && continue
        if ! "setup_$t" >"$B/log/$m-$t-setup.log" 2>&1; then
            say "$m: $t: account registration failed, see ${B#$ROOT/}/log/$m-$t-setup.log"
            fails=$((fails + 1))
            continue
        fi
        # Warm-up (page cache, lego's account): not counted.
        if ! issue_one "$m" "$t" "warmup-$t.$m.bench.acme2.test" "$B/log/$m-$t-warmup.log"; then
            fails=$((fails + 1))
            continue
        fi
        ok+=("$t")
    done
    # The warm-ups (all this mode's lines so far) are not part of the figures.
    sed -i "/^$m /d" "$B/runs.txt"
    say "$m: $RUNS rounds of ${ok[*]:-nothing}"
    for r in $(seq 1 "$RUNS"); do
        for t in "${ok[@]}"; do
            issue_one "$m" "$t" "r$r-$t.$m.bench.acme2.test" "$B/log/$m-$t-$r.log" || fails=$((fails + 1))
        done
    done
    # ---- profile of acme2-cli (separate, untimed runs), in the first mode ----
    if [ "$PROFILE" != 0 ] && [ -z "$PROFILE_MODE" ] && [ -z "${SKIP[acme2-cli]:-}" ] && [ -d "$W/acme2-cli/private" ]; then
        PROFILE_MODE=$m
        say "$m: profile runs of acme2-cli (strace, callgrind, smaps)"
        bench_profile
    fi
    stop_pebble
done

# ---- the tables ----
export RUNS PEBBLE_VERSION PROFILE_MODE
{
    for t in "${TOOLS[@]}"; do
        printf 'tool %s %s %s\n' "$t" "${VERSION[$t]:-?}" "${SKIP[$t]:+skip}"
        [ -n "${SKIP[$t]:-}" ] && printf 'skip %s %s\n' "$t" "${SKIP[$t]}"
    done
    for m in $MODES; do printf 'mode %s\n' "$m"; done
    [ -s "$B/modes-failed.txt" ] && awk '{print "modefail", $1}' "$B/modes-failed.txt"
    awk '{print "run", $0}' "$B/runs.txt"
    [ -s "$B/sleeps.txt" ] && cat "$B/sleeps.txt"
    [ -s "$B/acme2-cli.cgsum" ] && awk '{print "cg", $0}' "$B/acme2-cli.cgsum"
    [ -s "$B/smaps.peak" ] && awk '
        /^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6) ? $6 : "[anon]" }
        /^Rss:/ { print "rss", name, $2 }' "$B/smaps.peak"
} > "$B/data.txt"
awk -f bench/issuance.awk -v cli="$CLI" "$B/data.txt"
[ $fails = 0 ] || { say "$fails runs or set-ups failed (logs in ${B#$ROOT/}/log)"; exit 1; }
exit 0
