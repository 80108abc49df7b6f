#!/usr/bin/env bash
# Regenerates the seed corpora that come from real tools (the hand-written
# "hand-*" seeds are kept as they are):
#   - Pebble's answers to a real ACME client (fuzz/capture.c through curl,
#     with the fuzz targets' fixed keys, so certificates match them), for
#     fuzz_responses, fuzz_flow, fuzz_json, fuzz_headers and fuzz_cert;
#   - keys and certificates made by the openssl command line, for
#     fuzz_keys and fuzz_cert.
# Everything lands in build/fuzz/seeds/<target>/ first; with --commit, a
# few seeds of each kind are copied into fuzz/corpus/<target>/ (files
# already there stay). Needs pebble, curl and openssl.
#
#   fuzz/make-seeds.sh [--commit]
set -eu
cd "$(dirname "$0")/.."
OUT=build/fuzz/seeds
PEB=build/fuzz/pebble
commit=0
[ "${1:-}" = --commit ] && commit=1

rm -rf "$OUT"
mkdir -p "$OUT"

# ---- Pebble ----
make --no-print-directory build/fuzz/capture
PEBBLE_VA_ALWAYS_VALID=1 PEBBLE_ALTERNATE_ROOTS=1 PEBBLE_OWNER_PID=$$ PEBBLE_MAX_LIFETIME=600 \
    tests/pebble.sh start "$PEB"
trap 'tests/pebble.sh stop "$PEB"' EXIT
eval "$(tests/pebble.sh env "$PEB")"
build/fuzz/capture "$OUT" "$PEBBLE_URL" "$PEBBLE_CA" 2> "$OUT/capture.log" || {
    tail -n 20 "$OUT/capture.log" >&2
    exit 1
}
tests/pebble.sh stop "$PEB"
trap - EXIT

# ---- openssl: keys ----
K=$OUT/fuzz_keys
mkdir -p "$K"
(
    cd "$K"
    q() { "$@" >/dev/null 2>&1; }
    q openssl ecparam -name prime256v1 -genkey -noout -out ossl-ec256-sec1.pem
    q openssl ecparam -name prime256v1 -genkey -out ossl-ec256-with-params.pem
    q openssl ec -in ossl-ec256-sec1.pem -outform DER -out ossl-ec256-sec1.der
    q openssl pkcs8 -topk8 -nocrypt -in ossl-ec256-sec1.pem -outform DER -out ossl-ec256-pkcs8.der
    q openssl ec -in ossl-ec256-sec1.pem -no_public -out ossl-ec256-nopub.pem
    q openssl ec -in ossl-ec256-sec1.pem -param_enc explicit -out ossl-ec256-explicit.pem
    q openssl pkcs8 -topk8 -in ossl-ec256-sec1.pem -passout pass:x -out ossl-ec256-encrypted-pkcs8.pem
    q openssl ec -in ossl-ec256-sec1.pem -aes128 -passout pass:x -out ossl-ec256-encrypted-trad.pem
    q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out ossl-ec384-pkcs8.pem
    q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out ossl-ec521-pkcs8.pem
    q openssl genpkey -algorithm ED25519 -out ossl-ed25519.pem
    q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ossl-rsa2048-pkcs8.pem
    q openssl rsa -in ossl-rsa2048-pkcs8.pem -traditional -out ossl-rsa2048-pkcs1.pem
    q openssl rsa -in ossl-rsa2048-pkcs8.pem -traditional -outform DER -out ossl-rsa2048-pkcs1.der
    q openssl pkey -in ossl-rsa2048-pkcs8.pem -outform DER -out ossl-rsa2048-pkcs8.der
    q openssl genrsa -3 -out ossl-rsa2048-e3.pem 2048
    q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out ossl-rsa1024-pkcs8.pem
    chmod 644 ./*
)

# ---- openssl: certificates ----
C=$OUT/fuzz_cert
mkdir -p "$C"
T=$OUT/.tmp
mkdir -p "$T"
(
    cd "$T"
    q() { "$@" >/dev/null 2>&1; }
    q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
        -subj "/CN=fuzz CA" -days 3650 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
    q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=example.org"
    printf '%s\n' 'subjectAltName=DNS:example.org,DNS:*.example.org,DNS:www.example.org,IP:192.0.2.1,IP:2001:db8::1,email:a@example.org,URI:https://example.org/' \
        'authorityKeyIdentifier=keyid' 'subjectKeyIdentifier=hash' 'basicConstraints=critical,CA:FALSE' \
        'extendedKeyUsage=serverAuth' > leaf.ext
    q openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 90 -extfile leaf.ext -out leaf.pem
    q openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.pem -subj "/CN=rsa.example.org" -days 30 \
        -addext "subjectAltName=DNS:rsa.example.org"
    q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout late.key -out late.pem \
        -subj "/CN=late.example.org" -days 10000 -addext "subjectAltName=DNS:late.example.org,IP:::1,IP:::ffff:192.0.2.7"
    q openssl x509 -x509toreq -in rsa.pem -signkey rsa.key -out v1.csr
    q openssl x509 -req -in v1.csr -signkey rsa.key -days 10 -out v1.pem
)
for n in ca leaf rsa late v1; do
    openssl x509 -in "$T/$n.pem" -outform DER -out "$C/ossl-$n.der"
done
cat "$T/leaf.pem" "$T/ca.pem" > "$C/ossl-chain.pem"
cp "$T/late.pem" "$C/ossl-late.pem"
rm -rf "$T"

echo "seeds in $OUT:"
for d in "$OUT"/fuzz_*; do echo "  $(basename "$d"): $(ls "$d" | wc -l)"; done

[ $commit = 1 ] || exit 0
# A few of each kind: the first N (by name) of every label.
pick() { # target N
    local src=$OUT/$1 dst=fuzz/corpus/$1 label f
    mkdir -p "$dst"
    for label in $(ls "$src" | sed 's/-[0-9a-f]\{16\}$//' | sort -u); do
        ls "$src" | grep -E "^${label}(-[0-9a-f]{16})?\$" | head -n "$2" | while read -r f; do
            [ -e "$dst/$f" ] || cp "$src/$f" "$dst/$f"
        done
    done
}
pick fuzz_responses 3
pick fuzz_flow 10
pick fuzz_json 2
pick fuzz_headers 2
pick fuzz_cert 3
pick fuzz_keys 1
echo "committed corpus:"
for d in fuzz/corpus/fuzz_*; do echo "  $(basename "$d"): $(ls "$d" | wc -l)"; done
