#!/usr/bin/env bash
# acme2-cli maps libcurl only for --transport curl (mk/cli.mk CLI_CURL=dlopen,
# the default). No server is needed: every run below talks to a loopback
# port nobody listens on, so the command fails at its first request, after
# the transport was set up.
#
#   not-linked         build/acme2-cli has no libcurl among its DT_NEEDED
#                      libraries (readelf), and ldd lists none
#   bearssl-no-curl    a default run (BearSSL transport) never loads
#                      libcurl: the dynamic loader's own trace (LD_DEBUG=files)
#                      names no libcurl
#   curl-loads         a --transport curl run does load libcurl.so.4, and
#                      fails with the transport's error (exit 2), not a crash
#   missing-libcurl    a CLI built to load a library that does not exist
#                      (-DACME2_CURL_LIBRARY) says "cannot load libcurl" and
#                      exits 2 with --transport curl, and still works up to
#                      the same network error with the BearSSL transport
#
# Prints "PASS name" / "FAIL name: reason" and last "RESULT cli_curl
# <passed> <failed>". Files land in build/cli_curl.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
CLI=${ACME2_CLI:-$ROOT/build/acme2-cli}
W=$ROOT/build/cli_curl
pass=0
failed=0

result() { # PASS|FAIL name [reason]
    if [ "$1" = PASS ]; then
        pass=$((pass + 1))
        echo "PASS $2"
    else
        failed=$((failed + 1))
        echo "FAIL $2: $3"
    fi
}

rm -rf "$W" && mkdir -p "$W" || exit 2
# A port that refuses connections: bind one, note it, let it go.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 9)
URL=https://127.0.0.1:$PORT/dir

# run NAME BINARY ARGS...: one `new` against the dead port, stderr and the
# loader's trace kept in $W/NAME.{err,ld}; prints the exit status.
run() {
    local name=$1 bin=$2 rc
    shift 2
    LD_DEBUG=files LD_DEBUG_OUTPUT=$W/$name.ld "$bin" -a "$URL" -c "$W/conf-$name" "$@" -y new >/dev/null 2>"$W/$name.err"
    rc=$?
    cat "$W"/"$name".ld.* > "$W/$name.ld" 2>/dev/null
    echo $rc
}

if [ ! -x "$CLI" ]; then
    result FAIL not-linked "no $CLI (make build/acme2-cli)"
    echo "RESULT cli_curl $pass $failed"
    exit 1
fi

needed=$(readelf -d "$CLI" 2>/dev/null | grep NEEDED)
if [ -z "$needed" ]; then
    result FAIL not-linked "readelf -d printed no NEEDED entries"
elif printf '%s\n' "$needed" | grep -q libcurl || ldd "$CLI" | grep -q libcurl; then
    result FAIL not-linked "libcurl is linked: $(printf '%s' "$needed" | grep libcurl | tr -s ' ')"
else
    result PASS not-linked
fi

rc=$(run bearssl "$CLI")
if [ "$rc" != 2 ]; then
    result FAIL bearssl-no-curl "expected exit 2 (nothing listens on port $PORT), got $rc: $(tail -n 2 "$W/bearssl.err")"
elif ! grep -q 'libbearssl' "$W/bearssl.ld"; then
    result FAIL bearssl-no-curl "the loader trace is empty or lacks libbearssl: LD_DEBUG did not work"
elif grep -q 'libcurl' "$W/bearssl.ld"; then
    result FAIL bearssl-no-curl "libcurl was loaded: $(grep -m1 libcurl "$W/bearssl.ld")"
else
    result PASS bearssl-no-curl
fi

rc=$(run curl "$CLI" --transport curl)
if [ "$rc" != 2 ]; then
    result FAIL curl-loads "expected exit 2, got $rc: $(tail -n 2 "$W/curl.err")"
elif ! grep -q 'file=libcurl\.so\.4.*dynamically loaded by' "$W/curl.ld"; then
    result FAIL curl-loads "the loader trace shows no dlopen of libcurl.so.4"
elif ! grep -q 'transport' "$W/curl.err"; then
    result FAIL curl-loads "no transport error on stderr: $(tail -n 2 "$W/curl.err")"
else
    result PASS curl-loads
fi

if ! gcc -std=c99 -D_POSIX_C_SOURCE=200809L -O0 -DACME2_ORDER_STRINGS=16384 -DACME2_ISSUE_CLEANUP_BYTES=16384 \
        -DACME2_RESPONDER_MAX_ENTRIES=100 -DACME2_CURL_DLOPEN '-DACME2_CURL_LIBRARY="libcurl-absent.so.4"' \
        -I. -Iexamples examples/acme2-cli.c examples/cli_*.c examples/http1.c examples/transport_bearssl.c examples/responder.c \
        examples/transport_curl.c -o "$W/acme2-cli-absent" -lbearssl -ldl -pthread 2>"$W/build.err"; then
    result FAIL missing-libcurl "cannot build the variant: $(head -n 3 "$W/build.err")"
else
    rc=$(run absent "$W/acme2-cli-absent" --transport curl)
    rc2=$(run absent-bearssl "$W/acme2-cli-absent")
    if [ "$rc" != 2 ]; then
        result FAIL missing-libcurl "expected exit 2, got $rc"
    elif ! grep -q 'cannot load libcurl: .*libcurl-absent\.so\.4' "$W/absent.err"; then
        result FAIL missing-libcurl "no \"cannot load libcurl\" line naming the library: $(tail -n 2 "$W/absent.err")"
    elif [ "$rc2" != 2 ] || grep -q 'cannot load libcurl' "$W/absent-bearssl.err"; then
        result FAIL missing-libcurl "the BearSSL transport of that build did not reach the network error (exit $rc2)"
    else
        result PASS missing-libcurl
    fi
fi

echo "RESULT cli_curl $pass $failed"
[ $failed = 0 ]
