#!/usr/bin/env bash
# The issuance engine against a real CA: Pebble and pebble-challtestsrv on
# loopback (tests/pebble.sh). Judged from outside: openssl verify against
# Pebble's root, the SANs openssl reads, and Pebble's own request log.
#
#   firmware-loop       examples/firmware_loop.c: one issuance from a main
#                       loop, dns-01 published asynchronously
#   many-concurrent     examples/issue_many.c: N certificates from one
#                       thread, one directory fetch, nonces pooled
#   cli-100-names       acme2-cli issues one certificate for 100 names
#   cli-100-resume      acme2-cli killed halfway through a 100-name order;
#                       the rerun resumes that order and deploys only the rest
#
# Prints "PASS name" / "FAIL name: reason" per case, then
# "RESULT engine-pebble <passed> <failed>". Needs build/acme2-cli,
# build/issue_many, build/firmware_loop (mk/engine.mk builds them).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
B=$ROOT/build
WORK=$B/engine-pebble/run-$$
MANY_N=${ENGINE_MANY_N:-40}
MANY_PARALLEL=${ENGINE_MANY_PARALLEL:-20}
pass=0 failn=0
mkdir -p "$WORK"

ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; failn=$((failn + 1)); }
trap 'tests/pebble.sh stop "$WORK/pebble" >/dev/null 2>&1' EXIT

# Nonce rejection off: the request counts below are the client's own.
if ! PEBBLE_WFE_NONCEREJECT=0 PEBBLE_DNS_IPV6= PEBBLE_OWNER_PID=$$ tests/pebble.sh start "$WORK/pebble" > "$WORK/start.log" 2>&1; then
    for c in firmware-loop many-concurrent cli-100-names cli-100-resume; do bad "$c" "Pebble did not start"; done
    echo "RESULT engine-pebble $pass $failn"
    exit 1
fi
eval "$(tests/pebble.sh env "$WORK/pebble")"
PLOG=$WORK/pebble/pebble.log

# verify CHAIN NAME...: the chain verifies against Pebble's root and its
# leaf's SANs are exactly NAME...
verify() {
    local chain=$1 d v got want
    shift
    d=$(mktemp -d "$WORK/v.XXXXXX")
    awk -v d="$d" '/-----BEGIN CERTIFICATE-----/ { n++ } n == 1 { print > (d "/leaf.pem") }
                   n > 1 { print > (d "/inter.pem") }' "$chain"
    [ -s "$d/leaf.pem" ] && [ -s "$d/inter.pem" ] || { echo "no leaf and intermediate in $chain"; return 1; }
    v=$(openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$d/inter.pem" "$d/leaf.pem" 2>&1)
    [ "$v" = "$d/leaf.pem: OK" ] || { echo "openssl verify: $v"; return 1; }
    got=$(openssl x509 -in "$d/leaf.pem" -noout -ext subjectAltName | tail -n +2 | sed -e 's/^ *//' -e 's/, /\n/g' | sort)
    want=$(printf 'DNS:%s\n' "$@" | sort)
    [ "$got" = "$want" ] || { echo "SANs differ: $(printf '%s' "$got" | head -c 200)"; return 1; }
}

# Requests Pebble logged since line $1 whose method and path start match.
count_since() { tail -n +"$1" "$PLOG" | grep -c "$2 -> calling handler" ; }

# ---- firmware-loop ----
if out=$(timeout 60 "$B/firmware_loop" "$PEBBLE_URL" "$PEBBLE_CA" "$CHALLTESTSRV" fw.engine.test "$WORK/fw.pem" 2>&1) &&
   why=$(verify "$WORK/fw.pem" fw.engine.test); then
    ok firmware-loop
else
    bad firmware-loop "${why:-$(printf '%s' "$out" | tail -n 2 | tr '\n' ' ')}"
fi

# ---- many-concurrent ----
mkdir -p "$WORK/many"
l0=$(($(wc -l < "$PLOG") + 1))
if out=$(timeout 120 "$B/issue_many" "$PEBBLE_URL" "$PEBBLE_CA" "$CHALLTESTSRV" "$MANY_N" "$MANY_PARALLEL" "$WORK/many" 2>&1); then
    why=""
    pid_names=$(printf '%s\n' "$out" | sed -n 's/.*\(c0-[0-9]*\)\.many\.test.*/\1/p' | head -n 1)
    for i in $(seq 0 $((MANY_N - 1))); do
        name=$(openssl x509 -in "$WORK/many/$i.pem" -noout -subject 2>/dev/null | sed -n 's/.*CN *= *//p')
        case $name in c$i-*.many.test) ;; *) why="certificate $i names '$name'"; break ;; esac
        why=$(verify "$WORK/many/$i.pem" "$name") || break
    done
    dirs=$(count_since "$l0" "GET /dir")
    heads=$(count_since "$l0" "HEAD /nonce-plz")
    orders=$(count_since "$l0" "POST /order-plz")
    if [ -z "$why" ] && [ "$dirs" != 1 ]; then why="$dirs directory fetches, expected 1 (shared)"; fi
    # Without the pool every certificate would cost a newNonce (and a
    # directory fetch); with issue_many's nonce window of 4 the engines
    # wait for the nonces in circulation: the account's newNonce and at
    # most 4 more, however many engines run.
    if [ -z "$why" ] && [ "$heads" -gt 5 ]; then why="$heads newNonce requests for $MANY_PARALLEL at once (window 4: at most 1 + 4)"; fi
    if [ -z "$why" ] && [ "$orders" != "$MANY_N" ]; then why="$orders newOrder requests for $MANY_N certificates"; fi
    [ -z "$why" ] && ok many-concurrent || bad many-concurrent "$why"
    printf '%s\n' "$out" | tail -n 1 | sed 's/^/    /'
    echo "    Pebble saw: $dirs GET /dir, $heads HEAD /nonce-plz, $orders newOrder"
    : "$pid_names"
else
    bad many-concurrent "$(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"
fi

# ---- acme2-cli with 100 names ----
CONF=$WORK/cli
names=()
for i in $(seq 1 100); do names+=("n$i.hundred.test"); done
cli() { timeout 120 "$B/acme2-cli" -a "$PEBBLE_URL" --ca-file "$PEBBLE_CA" -c "$CONF" "$@"; }
if ! cli -y new e@engine.test > "$WORK/new.log" 2>&1; then
    bad cli-100-names "acme2-cli new failed: $(tail -n 1 "$WORK/new.log")"
    bad cli-100-resume "no account"
else
    if cli --standalone-http "127.0.0.1:$HTTP01_PORT" issue "${names[@]}" > "$WORK/100.log" 2>&1 &&
       why=$(verify "$CONF/n1.hundred.test/cert.pem" "${names[@]}"); then
        ok cli-100-names
    else
        bad cli-100-names "${why:-$(tail -n 1 "$WORK/100.log")}"
    fi

    # dns-01 through a hook that kills acme2-cli (its parent) when asked to
    # publish the 50th record: 49 challenges are accepted by then.
    rnames=()
    for i in $(seq 1 100); do rnames+=("r$i.hundred.test"); done
    cat > "$WORK/hook.sh" <<EOF
#!/bin/sh
method=\$1 type=\$2 ident=\$3 auth=\$5
echo "\$method \$type \$ident" >> "$WORK/hook.log"
[ "\$type" = dns-01 ] || { [ "\$method" = begin ] && exit 1; exit 0; }
if [ "\$method" = begin ]; then
    n=\$(grep -c '^begin dns-01' "$WORK/hook.log")
    [ "\$n" -ge "\${KILL_AT:-1000}" ] && kill -9 \$PPID
    body="{\"host\":\"_acme-challenge.\$ident.\",\"value\":\"\$auth\"}"; path=set-txt
else
    body="{\"host\":\"_acme-challenge.\$ident.\"}"; path=clear-txt
fi
curl -sf --max-time 5 -X POST -d "\$body" "$CHALLTESTSRV/\$path" >/dev/null
EOF
    chmod +x "$WORK/hook.sh"
    : > "$WORK/hook.log"
    KILL_AT=50 cli -h "$WORK/hook.sh" issue "${rnames[@]}" > "$WORK/r1.log" 2>&1
    rc1=$?
    first=$(grep -c '^begin dns-01' "$WORK/hook.log")
    sleep 1 # Pebble validates the 49 accepted challenges meanwhile
    : > "$WORK/hook.log"
    cli -h "$WORK/hook.sh" issue "${rnames[@]}" > "$WORK/r2.log" 2>&1
    rc2=$?
    second=$(grep -c '^begin dns-01' "$WORK/hook.log")
    if [ "$rc1" != 137 ]; then bad cli-100-resume "the first run was not killed (exit $rc1)"
    elif [ "$rc2" != 0 ]; then bad cli-100-resume "the rerun failed: $(tail -n 1 "$WORK/r2.log")"
    elif ! grep -q "resuming the order" "$WORK/r2.log"; then bad cli-100-resume "the rerun did not resume the saved order"
    elif [ "$first" != 50 ]; then bad cli-100-resume "the first run was killed at deploy $first, not 50"
    elif [ "$second" != 51 ]; then bad cli-100-resume "the rerun deployed $second challenges, expected 51 (49 were accepted before the kill)"
    elif ! why=$(verify "$CONF/r1.hundred.test/cert.pem" "${rnames[@]}"); then bad cli-100-resume "$why"
    else ok cli-100-resume; echo "    first run deployed $first and was killed; the resumed run deployed $second"
    fi
fi

echo "RESULT engine-pebble $pass $failn"
[ "$failn" = 0 ]
