#!/usr/bin/env bash
# Secrets and file modes of build/acme2-cli, against a loopback Pebble that
# requires External Account Binding (tests/pebble.sh, PEBBLE_EAB_REQUIRED=1).
#
#   modes            under umask 000: CONFDIR/private and private/IDENT are
#                    0700, every key file and account.url 0600, nothing the
#                    CLI writes is writable by others
#   loose-private    a private/ directory that already exists with mode
#                    0755 is tightened to 0700 (or the CLI says so)
#   loose-key        a key file readable by others draws a warning
#   no-secret-in-output
#                    a whole -v session (new with EAB, issue with the BearSSL
#                    transport, issue with the curl transport, newkey,
#                    revoke with the certificate key, a rejected -e value)
#                    prints no secret on stdout or stderr: no 16-character
#                    window of any PEM body line of the account, the new
#                    account or the certificate keys, of the base64url,
#                    base64 or hex form of their private scalars (EC d) or
#                    primes and exponents (RSA), nor of the EAB HMAC key in
#                    base64url, base64 or hex
#
# Prints "PASS name" / "FAIL name: reason" and last "RESULT secrets <passed>
# <failed>". Needs build/acme2-cli, pebble, openssl, curl. Files land in
# build/secrets/run-PID (kept when a case failed).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
CLI=${ACME2_CLI:-$ROOT/build/acme2-cli}
BASE=$ROOT/build/secrets
WORK=$BASE/run-$$
PDIR=$WORK/pebble
pass=0
failed=0
start_s=$(date +%s)

trap 'tests/pebble.sh stop "$PDIR" >/dev/null 2>&1' EXIT
trap 'exit 2' INT TERM HUP

result() { # PASS|FAIL name [reason]
    if [ "$1" = PASS ]; then echo "PASS $2"; pass=$((pass + 1))
    else echo "FAIL $2: $3"; failed=$((failed + 1)); fi
}

# Every run's stdout and stderr go to ALL_OUT (the text searched for
# secrets) and to the log.
ALL_OUT=$WORK/all-output
LOG=$WORK/log
cli() { # conf args...
    local conf=$1
    shift
    echo "\$ acme2-cli -c ${conf#"$ROOT"/} $*" >> "$LOG"
    timeout -k 5 90 "$CLI" -a "$PEBBLE_URL" --ca-file "$PEBBLE_CA" -c "$conf" "$@" > "$WORK/out" 2> "$WORK/err" < /dev/null
    RC=$?
    cat "$WORK/out" "$WORK/err" >> "$ALL_OUT"
    cat "$WORK/out" "$WORK/err" >> "$LOG"
    echo "[exit $RC]" >> "$LOG"
}

mode_of() { stat -c %a "$1" 2>/dev/null; }

# ---- the secrets of a key, in every spelling a log line could use ----

# Hex bytes of the private components printed by `openssl pkey -text`.
key_components_hex() { # keyfile
    openssl pkey -in "$1" -noout -text 2>/dev/null | awk '
        /^[A-Za-z0-9]+:/ { name = $1; keep = (name == "priv:" || name == "privateExponent:" || name == "prime1:" ||
                            name == "prime2:" || name == "exponent1:" || name == "exponent2:" || name == "coefficient:");
                           if (keep) printf "\n"; next }
        keep && /^ +[0-9a-f:]+$/ { gsub(/[ :]/, ""); printf "%s", $0 }
        END { printf "\n" }' | sed 's/^00//' | grep -E '^[0-9a-f]{32,}$'
}

# Hex text on stdin to its bytes (coreutils only: no xxd on a fresh system).
hex_to_bin() { printf '%b' "$(sed 's/../\\x&/g')"; }
bin_to_hex() { od -An -v -tx1 | tr -d ' \n'; }
hex_to_b64() { hex_to_bin | base64 -w0; }
hex_to_b64url() { hex_to_bin | base64 -w0 | tr '+/' '-_' | tr -d '='; }

# Every 16-character window of a string, one per line.
windows() {
    local s=$1 i
    for ((i = 0; i + 16 <= ${#s}; i++)); do printf '%s\n' "${s:i:16}"; done
}

# Writes the windows of every spelling of KEYFILE's secrets to stdout.
key_secret_windows() { # keyfile
    local line hex
    # PEM body lines (base64 of the PKCS#8 DER)
    while IFS= read -r line; do
        case $line in -----*|"") continue ;; esac
        windows "$line"
    done < "$1"
    while IFS= read -r hex; do
        windows "$hex"
        windows "$(printf '%s' "$hex" | tr 'a-f' 'A-F')"
        windows "$(printf '%s' "$hex" | hex_to_b64)"
        windows "$(printf '%s' "$hex" | hex_to_b64url)"
    done < <(key_components_hex "$1")
}

# ---- cases ----

case_modes() {
    local C=$1 bad="" p m
    for p in private private/a.test; do
        m=$(mode_of "$C/$p"); [ "$m" = 700 ] || bad="$bad $p=$m(want 700)"
    done
    for p in private/key.pem private/a.test/key.pem private/account.url; do
        m=$(mode_of "$C/$p"); [ "$m" = 600 ] || bad="$bad $p=$m(want 600)"
    done
    # Nothing the CLI wrote may be writable by group or others.
    while IFS= read -r p; do
        bad="$bad ${p#"$C"/}=$(mode_of "$p")(writable by others)"
    done < <(find "$C" \( -perm -g+w -o -perm -o+w \) 2>/dev/null)
    [ -z "$bad" ] && result PASS modes || result FAIL modes "$bad"
}

case_loose_private() {
    local L=$WORK/conf-loose m
    mkdir -p "$L/private" && chmod 755 "$L/private"
    cli "$L" -e "$PEBBLE_EAB_KID:$PEBBLE_EAB_HMAC" -y new
    m=$(mode_of "$L/private")
    if [ "$RC" != 0 ]; then
        result FAIL loose-private "new exited $RC"
    elif [ "$m" = 700 ] || grep "$L/private[^/]" "$WORK/err" | grep -qiE "mode|readable|chmod"; then
        result PASS loose-private
    else
        result FAIL loose-private "an existing CONFDIR/private of mode 755 stays $m, without a warning"
    fi
    # The same for a key file.
    chmod 644 "$L/private/key.pem"
    cli "$L" -y new
    if grep -q "readable by others" "$WORK/err"; then result PASS loose-key
    else result FAIL loose-key "no warning for a key file of mode 644"; fi
}

case_no_secret() {
    local C=$1 pats=$WORK/secret-windows hex found n
    {
        key_secret_windows "$C/private/key.pem.first"
        key_secret_windows "$C/private/key.pem"
        key_secret_windows "$C/private/a.test/key.pem"
        key_secret_windows "$C/private/c.test/key.pem"
        windows "$PEBBLE_EAB_HMAC"
        hex=$(printf '%s' "$PEBBLE_EAB_HMAC" | tr -- '-_' '+/' | base64 -d 2>/dev/null | bin_to_hex)
        windows "$hex"
        windows "$(printf '%s' "$hex" | tr 'a-f' 'A-F')"
        windows "$(printf '%s' "$hex" | hex_to_b64)"
    } | sort -u > "$pats"
    n=$(wc -l < "$pats")
    echo "# $n secret windows searched in $(wc -l < "$ALL_OUT") lines of output" >> "$LOG"
    if [ "$n" -lt 500 ]; then
        result FAIL no-secret-in-output "only $n secret windows: the key files were not all found"
        return
    fi
    # The search itself must work: a secret planted in a copy is found.
    { cat "$ALL_OUT"; head -n 1 "$pats"; } > "$WORK/planted"
    if ! grep -qF -f "$pats" "$WORK/planted"; then
        result FAIL no-secret-in-output "the search does not find a planted secret"
        return
    fi
    found=$(grep -nF -f "$pats" "$ALL_OUT" | head -n 3)
    if [ -n "$found" ]; then
        result FAIL no-secret-in-output "secret material in the output: $found"
    else
        result PASS no-secret-in-output
    fi
}

# ---- run ----

for d in "$BASE"/run-*; do
    [ -d "$d" ] || continue
    p=${d##*/run-}
    kill -0 "$p" 2>/dev/null && continue
    tests/pebble.sh stop "$d/pebble" >/dev/null 2>&1
    rm -rf "$d"
done
rm -rf "$WORK" && mkdir -p "$WORK" || { echo "RESULT secrets 0 1"; exit 1; }
ALL=(session modes loose-private loose-key no-secret-in-output)
missing=""
for p in pebble pebble-challtestsrv openssl curl od base64 timeout; do
    command -v "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -x "$CLI" ] || missing="$missing ${CLI#"$ROOT"/}"
if [ -n "$missing" ]; then
    for c in "${ALL[@]}"; do echo "FAIL $c: cannot run: missing$missing"; done
    echo "RESULT secrets 0 ${#ALL[@]}"
    exit 1
fi
if ! env PEBBLE_OWNER_PID=$$ PEBBLE_MAX_LIFETIME=300 PEBBLE_EAB_REQUIRED=1 PEBBLE_AUTHZREUSE=0 \
        tests/pebble.sh start "$PDIR" > "$WORK/pebble-start.log" 2>&1; then
    tail -n 20 "$WORK/pebble-start.log"
    for c in "${ALL[@]}"; do echo "FAIL $c: Pebble did not start"; done
    echo "RESULT secrets 0 ${#ALL[@]}"
    exit 1
fi
eval "$(tests/pebble.sh env "$PDIR")"
: > "$ALL_OUT"

# One session under umask 000, everything with -v.
C=$WORK/conf
HTTP=(--standalone-http "127.0.0.1:$HTTP01_PORT")
grep -qs '^0\{31\}1 ' /proc/net/if_inet6 && HTTP+=(--standalone-http "[::1]:$HTTP01_PORT")
session_ok=1
(
    umask 000
    cli "$C" -v -e "$PEBBLE_EAB_KID:$PEBBLE_EAB_HMAC" -y new
    [ "$RC" = 0 ] || { echo "new exited $RC"; exit 1; }
    cli "$C" -v "${HTTP[@]}" issue a.test
    [ "$RC" = 0 ] || { echo "issue (BearSSL transport) exited $RC"; exit 1; }
    cli "$C" -v --transport curl -t RSA "${HTTP[@]}" issue c.test
    [ "$RC" = 0 ] || { echo "issue (curl transport) exited $RC"; exit 1; }
    cp -p "$C/private/key.pem" "$C/private/key.pem.first"
    cli "$C" -v -t RSA newkey
    [ "$RC" = 0 ] || { echo "newkey exited $RC"; exit 1; }
    cli "$C" -v revoke "$C/c.test/cert.pem" "$C/private/c.test/key.pem"
    [ "$RC" = 0 ] || { echo "revoke exited $RC"; exit 1; }
    # A malformed EAB key is refused without being echoed.
    cli "$WORK/conf-bad-eab" -v -e "$PEBBLE_EAB_KID:${PEBBLE_EAB_HMAC}!" -y new
    [ "$RC" = 2 ] || { echo "new with a malformed EAB key exited $RC"; exit 1; }
    exit 0
) > "$WORK/session.result" 2>&1 || session_ok=0
if [ "$session_ok" = 1 ]; then
    result PASS session
    case_modes "$C"
    case_loose_private
    case_no_secret "$C"
else
    result FAIL session "$(cat "$WORK/session.result")"
    for c in modes loose-private loose-key no-secret-in-output; do echo "FAIL $c: the session failed"; failed=$((failed + 1)); done
fi

echo "secrets: $((pass + failed)) cases in $(( $(date +%s) - start_s )) s"
if [ "$failed" = 0 ]; then
    tests/pebble.sh stop "$PDIR" >/dev/null 2>&1
    rm -rf "$WORK"
else
    echo "secrets: logs kept in ${WORK#"$ROOT"/}/log"
fi
echo "RESULT secrets $pass $failed"
[ "$failed" = 0 ]
