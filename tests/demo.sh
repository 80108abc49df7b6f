#!/usr/bin/env bash
# `make demo`: get a real certificate from a local test CA with acme2-cli.
#
# Starts Pebble (a test ACME server) and pebble-challtestsrv (its DNS, which
# resolves every name to 127.0.0.1) on loopback, registers an account,
# issues a certificate for demo.acme2.test answering http-01 with the
# built-in responder, verifies the chain with `openssl verify` against
# Pebble's root, and stops the servers. Exit 0 only when the certificate
# verified. Needs build/acme2-cli (make demo builds it) and the Debian
# packages pebble, openssl and curl. Files land in build/demo/.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
CLI=$ROOT/build/acme2-cli
WORK=$ROOT/build/demo
CONF=$WORK/conf
NAMES=(demo.acme2.test www.demo.acme2.test)
start_ms=$(( $(date +%s%N) / 1000000 ))

step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\ndemo FAILED: %s\n' "$*" >&2; exit 1; }

[ -x "$CLI" ] || make --no-print-directory -s build/acme2-cli || fail "cannot build acme2-cli"
rm -rf "$WORK" && mkdir -p "$WORK" || fail "cannot create $WORK"

step "Starting Pebble (test ACME server) and its DNS on 127.0.0.1"
trap 'tests/pebble.sh stop "$WORK/pebble"' EXIT
# No AAAA answers: the CA's validator then connects to 127.0.0.1 only, where
# the responder listens. PEBBLE_OWNER_PID: the servers go away with us even
# if this script is killed.
PEBBLE_DNS_IPV6= PEBBLE_OWNER_PID=$$ tests/pebble.sh start "$WORK/pebble" ||
    fail "Pebble did not start (see $WORK/pebble/*.log)"
eval "$(tests/pebble.sh env "$WORK/pebble")"
echo "    ACME directory: $PEBBLE_URL"

# -a: the CA; --ca-file: what to trust for its HTTPS; -c: where files go.
cli() { "$CLI" -a "$PEBBLE_URL" --ca-file "$PEBBLE_CA" -c "$CONF" "$@" 2>&1 | sed 's/^/    /'; return "${PIPESTATUS[0]}"; }

step "acme2-cli -y new demo@acme2.test      (account key + registration)"
cli -y new demo@acme2.test || fail "registration failed"

step "acme2-cli --standalone-http 127.0.0.1:$HTTP01_PORT issue ${NAMES[*]}"
cli --standalone-http "127.0.0.1:$HTTP01_PORT" issue "${NAMES[@]}" || fail "issuance failed"

CERT=$CONF/${NAMES[0]}/cert.pem
KEY=$CONF/private/${NAMES[0]}/key.pem

step "Checking the chain with openssl against Pebble's root"
curl -sf --cacert "$PEBBLE_CA" "$PEBBLE_MGMT/roots/0" -o "$WORK/root.pem" ||
    fail "cannot fetch Pebble's root from $PEBBLE_MGMT/roots/0"
# The leaf is the first certificate of the chain; the rest are intermediates.
awk '{ print } /-----END CERTIFICATE-----/ { exit }' "$CERT" > "$WORK/leaf.pem"
verify=$(openssl verify -CAfile "$WORK/root.pem" -untrusted "$CERT" -purpose sslserver \
         -verify_hostname "${NAMES[0]}" "$WORK/leaf.pem" 2>&1)
echo "    $verify"
[ "$verify" = "$WORK/leaf.pem: OK" ] || fail "openssl verify did not accept the chain"
pub_cert=$(openssl x509 -in "$WORK/leaf.pem" -noout -pubkey 2>/dev/null)
pub_key=$(openssl pkey -in "$KEY" -pubout 2>/dev/null)
[ -n "$pub_key" ] && [ "$pub_cert" = "$pub_key" ] || fail "certificate does not match its key"
echo "    certificate matches $KEY"

step "Running issue again: the certificate is not due, so nothing happens (exit 1)"
cli --standalone-http "127.0.0.1:$HTTP01_PORT" issue "${NAMES[@]}"
rc=$?
[ "$rc" = 1 ] || fail "second issue exited $rc, expected 1 (not due)"

names=$(openssl x509 -in "$WORK/leaf.pem" -noout -ext subjectAltName 2>/dev/null | tail -n +2 | sed 's/^ *//')
expires=$(openssl x509 -in "$WORK/leaf.pem" -noout -enddate | sed 's/^notAfter=//')
issuer=$(openssl x509 -in "$WORK/leaf.pem" -noout -issuer | sed 's/^issuer= *//')
ms=$(( $(date +%s%N) / 1000000 - start_ms ))
cat <<EOF

Certificate issued and verified.
    names:        $names
    issuer:       $issuer
    expires:      $expires
    chain:        ${CERT#$ROOT/}
    its key:      ${KEY#$ROOT/}
    account key:  ${CONF#$ROOT/}/private/key.pem
Demo done in $((ms / 1000)).$((ms % 1000 / 100)) s. Against a real CA: build/acme2-cli -? (e.g. -s for Let's Encrypt staging).
EOF
exit 0
