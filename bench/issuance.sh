#!/usr/bin/env bash
# `make bench`, end-to-end issuance: acme2-cli beside uacme, lego and
# certbot against one local Pebble (tests/pebble.sh: loopback, VA without
# sleeps, no nonce rejections, no authorization reuse, no AAAA records so
# the VA connects to 127.0.0.1 where every responder listens).
#
# Each tool registers its account first and makes one untimed warm-up
# issuance; then BENCH_RUNS rounds (default 5), tools alternated
# (A B C D A B C D ...), each run a certificate for a new name with http-01
# and an EC P-256 certificate key. Per run: wall time, CPU (user+sys) and
# peak RSS of the tool's process from wait4() (bench/rusage.c; children it
# waited for, such as hook scripts, included), and the HTTP requests Pebble
# logged while it ran. The table gives medians and ratios against uacme.
# Then where acme2-cli's time, CPU and memory go: sleeps (strace), an
# instruction profile (callgrind) and its resident pages by mapping.
#
# Tools that are missing are installed when root (tests/deps.sh); otherwise
# their column is skipped and the table says so. Exit status 0 done, 1 an
# error, 3 skipped (no Pebble or acme2-cli).
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
B=$ROOT/build/bench/issuance
RUNS=${BENCH_RUNS:-5}
CLI=$ROOT/build/acme2-cli
R=$B/rusage
TOOLS=(acme2-cli uacme lego certbot)
declare -A SKIP VERSION NOTE

say() { echo "issuance: $*" >&2; }
skip_all() { echo "End-to-end issuance: skipped ($*)"; exit 3; }

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

# ---- Pebble ----
PEBBLE_DIR_=$B/pebble
export PEBBLE_DNS_IPV6= PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 PEBBLE_OWNER_PID=$$
HTTPD=
cleanup() {
    stop_httpd
    tests/pebble.sh stop "$PEBBLE_DIR_" >/dev/null 2>&1
}
trap cleanup EXIT
tests/pebble.sh start "$PEBBLE_DIR_" >/dev/null 2>"$B/log/pebble-start.log" || skip_all "Pebble did not start, see $B/log/pebble-start.log"
eval "$(tests/pebble.sh env "$PEBBLE_DIR_")"
PLOG=$PEBBLE_DIR/pebble.log
PEBBLE_VERSION=$(dpkg-query -W -f='${Version}' pebble 2>/dev/null | sed 's/[+~-].*//')

# CPU time Pebble has used so far, seconds: the sum over its threads of
# the scheduler's run time (ns; Go keeps its threads, so none is lost).
pebble_cpu() { cat /proc/"$(cat "$PEBBLE_DIR/pebble.pid")"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.6f", s / 1e9}'; }

# Pebble logs one "METHOD /path -> calling handler()" line per request.
log_lines() { wc -l < "$PLOG"; }
requests_since() { tail -n +"$(($1 + 1))" "$PLOG" | grep -c -- ' -> calling handler()'; }

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
# through $R with result file $OUT), check NAME (the certificate is there) ----
A2=$B/acme2-cli
setup_acme2-cli() { "$CLI" -a "$PEBBLE_URL" --ca-file "$PEBBLE_CA" -c "$A2" -y new bench@example.org; }
run_acme2-cli() { "$R" "$OUT" "$CLI" -a "$PEBBLE_URL" --ca-file "$PEBBLE_CA" -c "$A2" --standalone-http "127.0.0.1:$HTTP01_PORT" issue "$1"; }
check_acme2-cli() { [ -s "$A2/$1/cert.pem" ]; }

U=$B/uacme
setup_uacme() { in_ns uacme -v -a "$PEBBLE_URL" -c "$U" -t EC -b 256 -y new bench@example.org; }
run_uacme() {
    local rc
    start_httpd || { echo "web server for uacme did not start" >&2; return 1; }
    UACME_WEBROOT=$WEBROOT in_ns "$R" "$OUT" uacme -v -a "$PEBBLE_URL" -c "$U" -t EC -b 256 -h "$B/uacme-hook.sh" issue "$1"
    rc=$?
    stop_httpd
    return $rc
}
check_uacme() { [ -s "$U/$1/cert.pem" ]; }

L=$B/lego
lego_args() { echo --server "$PEBBLE_URL" --email bench@example.org --accept-tos --path "$L" --key-type ec256 \
                   --http --http.port "127.0.0.1:$HTTP01_PORT"; }
# lego has no separate registration: its first run registers the account.
setup_lego() { :; }
run_lego() { LEGO_CA_CERTIFICATES=$PEBBLE_CA "$R" "$OUT" lego $(lego_args) --domains "$1" run; }
check_lego() { [ -s "$L/certificates/$1.crt" ]; }

C=$B/certbot
certbot_args() { echo --config-dir "$C/etc" --work-dir "$C/work" --logs-dir "$C/logs" --server "$PEBBLE_URL" --non-interactive; }
setup_certbot() { REQUESTS_CA_BUNDLE=$PEBBLE_CA certbot register $(certbot_args) --agree-tos -m bench@example.org --no-eff-email; }
run_certbot() {
    REQUESTS_CA_BUNDLE=$PEBBLE_CA "$R" "$OUT" certbot certonly $(certbot_args) --standalone \
        --http-01-address 127.0.0.1 --http-01-port "$HTTP01_PORT" --key-type ecdsa --elliptic-curve secp256r1 -d "$1"
}
check_certbot() { [ -s "$C/etc/live/$1/fullchain.pem" ]; }

VERSION[acme2-cli]=$("$CLI" -V 2>&1 | awk '{print $2; exit}')
VERSION[uacme]=$(dpkg-query -W -f='${Version}' uacme 2>/dev/null | sed 's/-[^-]*$//')
VERSION[lego]=$(dpkg-query -W -f='${Version}' lego 2>/dev/null | sed 's/-[^-]*$//')
VERSION[certbot]=$(dpkg-query -W -f='${Version}' certbot 2>/dev/null | sed 's/-[^-]*$//')

# One issuance of NAME by TOOL into result line
# "TOOL WALL CPU RSS REQUESTS PEBBLE_CPU".
issue_one() { # tool name logfile -> appends to $B/runs.txt when it worked
    local t=$1 name=$2 log=$3 n0 rc p0 p1
    OUT=$B/rusage.out
    rm -f "$OUT"
    n0=$(log_lines)
    p0=$(pebble_cpu)
    "run_$t" "$name" >"$log" 2>&1
    rc=$?
    p1=$(pebble_cpu)
    if [ $rc != 0 ] || ! "check_$t" "$name" || [ ! -s "$OUT" ]; then
        say "$t failed to issue $name (exit $rc), see $log"
        return 1
    fi
    echo "$t $(awk '{print $1, $2, $3}' "$OUT") $(requests_since "$n0") $(awk -v a="$p0" -v b="$p1" 'BEGIN {printf "%.6f", b - a}')" >> "$B/runs.txt"
}

if [ -z "${SKIP[uacme]:-}" ] && ! in_ns true >"$B/log/uacme-namespace.log" 2>&1; then
    SKIP[uacme]="cannot bind-mount Pebble's TLS CA over $CA_BUNDLE in a mount namespace (needs root or user namespaces), see ${B#$ROOT/}/log/uacme-namespace.log"
fi
for t in "${TOOLS[@]}"; do
    [ -n "${SKIP[$t]:-}" ] && continue
    if ! "setup_$t" >"$B/log/$t-setup.log" 2>&1; then
        SKIP[$t]="account registration failed, see ${B#$ROOT/}/log/$t-setup.log"
        continue
    fi
    # Warm-up (page cache, lego's account): not counted.
    if ! issue_one "$t" "warmup-$t.bench.acme2.test" "$B/log/$t-warmup.log"; then
        SKIP[$t]="warm-up issuance failed, see ${B#$ROOT/}/log/$t-warmup.log"
    fi
done
[ -n "${SKIP[acme2-cli]:-}" ] && { echo "issuance.sh: acme2-cli: ${SKIP[acme2-cli]}" >&2; exit 1; }
: > "$B/runs.txt"

say "$RUNS rounds of ${TOOLS[*]}"
fails=0
for r in $(seq 1 "$RUNS"); do
    for t in "${TOOLS[@]}"; do
        [ -n "${SKIP[$t]:-}" ] && continue
        issue_one "$t" "r$r-$t.bench.acme2.test" "$B/log/$t-$r.log" || fails=$((fails + 1))
    done
done

# ---- profile of acme2-cli (separate, untimed runs) ----
# Sleeps: every nanosleep of the process (strace), for the two C tools; the
# run functions are reused with a stand-in for rusage.
printf '%s\n' '#!/bin/sh' '# Stands in for rusage: OUTFILE COMMAND... (strace into $STRACE_OUT).' \
    'echo "0 0 0 0" > "$1"; shift' \
    'exec strace -f -qq -T -e trace=nanosleep,clock_nanosleep -o "$STRACE_OUT" "$@"' > "$B/strace-wrap"
chmod +x "$B/strace-wrap"
if command -v strace >/dev/null 2>&1 || have_pkgs strace; then
    for t in acme2-cli uacme; do
        [ -n "${SKIP[$t]:-}" ] && continue
        OUT=$B/strace.rusage STRACE_OUT=$B/$t.strace R=$B/strace-wrap "run_$t" "strace-$t.bench.acme2.test" \
            >"$B/log/$t-strace.log" 2>&1 || continue
        awk -F'<' -v t="$t" '/nanosleep/ && /<[0-9.]+>$/ {v = $NF; sub(/>$/, "", v); s += v; n++}
            END {printf "sleep %s %.3f %d\n", t, s, n}' "$B/$t.strace" >> "$B/sleeps.txt"
    done
fi
# Instructions, by object and for the calls that matter, under callgrind.
CG=
if command -v valgrind >/dev/null 2>&1; then
    awk '/^\/\* == [a-z]+ == \(implementation\) \*\// {print NR, $3}' acme2.h > "$B/sections.txt"
    nm -l --defined-only "$CLI" 2>/dev/null |
        awk 'NF >= 4 && $2 ~ /^[tT]$/ && $4 ~ /acme2\.h:[0-9]+$/ {n = split($4, a, ":"); print $3, a[n]}' > "$B/funcs.txt"
    if valgrind --tool=callgrind --compress-strings=no --compress-pos=no --callgrind-out-file="$B/acme2-cli.cg" \
        "$CLI" -a "$PEBBLE_URL" --ca-file "$PEBBLE_CA" -c "$A2" --standalone-http "127.0.0.1:$HTTP01_PORT" \
        issue "callgrind-acme2-cli.bench.acme2.test" >"$B/log/acme2-cli-callgrind.log" 2>&1; then
        awk -f bench/cgsum.awk "$B/sections.txt" "$B/funcs.txt" "$B/acme2-cli.cg" > "$B/acme2-cli.cgsum" 2>/dev/null && CG=1
    fi
fi
# Resident pages by mapping, sampled every 20 ms; the largest sample.
"$CLI" -a "$PEBBLE_URL" --ca-file "$PEBBLE_CA" -c "$A2" --standalone-http "127.0.0.1:$HTTP01_PORT" \
    issue "smaps-acme2-cli.bench.acme2.test" >"$B/log/acme2-cli-smaps.log" 2>&1 &
pid=$!
best=0
while kill -0 $pid 2>/dev/null; do
    if cat "/proc/$pid/smaps" > "$B/smaps.now" 2>/dev/null; then
        n=$(awk '/^Rss:/ {s += $2} END {print s + 0}' "$B/smaps.now")
        [ "$n" -gt "$best" ] && { best=$n; cp "$B/smaps.now" "$B/smaps.peak"; }
    fi
    sleep 0.02
done
wait $pid

# ---- the table ----
export RUNS PEBBLE_VERSION
{
    for t in "${TOOLS[@]}"; do
        printf 'tool %s %s %s\n' "$t" "${VERSION[$t]:-?}" "${SKIP[$t]:+skip}"
        [ -n "${SKIP[$t]:-}" ] && printf 'skip %s %s\n' "$t" "${SKIP[$t]}"
    done
    awk '{print "run", $0}' "$B/runs.txt"
    [ -s "$B/sleeps.txt" ] && cat "$B/sleeps.txt"
    [ -n "$CG" ] && awk '{print "cg", $0}' "$B/acme2-cli.cgsum"
    [ -s "$B/smaps.peak" ] && awk -v bin="$CLI" '
        /^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6) ? $6 : "[anon]" }
        /^Rss:/ { print "rss", name, $2 }' "$B/smaps.peak"
} > "$B/data.txt"
awk -f bench/issuance.awk -v cli="$CLI" "$B/data.txt"
[ $fails = 0 ] || { say "$fails runs failed (logs in ${B#$ROOT/}/log)"; exit 1; }
exit 0
