#!/usr/bin/env bash
# A throwaway Pebble ACME server with pebble-challtestsrv as its DNS, on
# loopback only, for the integration tests and for trying acme2-cli.
#
#   tests/pebble.sh start [DIR]   start (stopping any instance in DIR first)
#   tests/pebble.sh stop  [DIR]   stop it; never leaves a process behind
#   tests/pebble.sh env   [DIR]   print "export NAME='value'" lines for eval
#
# DIR defaults to build/pebble (relative to the repository root); several
# instances run side by side in different directories. `start` writes
# DIR/env (plain NAME=value lines, no quoting: DIR may not contain white
# space) with:
#   PEBBLE_URL      https://localhost:PORT/dir, the ACME directory
#   PEBBLE_CA       CA file that verifies Pebble's TLS certificate (for the
#                   transports: it is not the CA that issues ACME certificates)
#   PEBBLE_MGMT     https://localhost:MPORT, Pebble's management interface
#   PEBBLE_ROOT, PEBBLE_INTERMEDIATE
#                   the issuing root and intermediate (PEM), from /roots/0 and
#                   /intermediates/0; they change on every start
#   CHALLTESTSRV    http://127.0.0.1:PORT, challtestsrv management (dns-01:
#                   POST {"host":"_acme-challenge.x.","value":"..."} to
#                   /set-txt, {"host":...} to /clear-txt)
#   PEBBLE_DNS      127.0.0.1:PORT, the DNS server Pebble asks
#   HTTP01_PORT     where Pebble's VA connects for http-01
#   TLSALPN01_PORT  where Pebble's VA connects for tls-alpn-01
#   PEBBLE_EAB_KID, PEBBLE_EAB_HMAC   when EAB keys were configured
#   PEBBLE_DIR      DIR as an absolute path
# Every name resolves (challtestsrv answers every A query with 127.0.0.1 and
# every AAAA query with ::1), so the VA reaches responders listening on the
# two *01 ports of this machine.
#
# Knobs (environment of `start`):
#   PEBBLE_VA_NOSLEEP (default 1), PEBBLE_WFE_NONCEREJECT, PEBBLE_AUTHZREUSE,
#   PEBBLE_ALTERNATE_ROOTS, PEBBLE_CHAIN_LENGTH, PEBBLE_VA_ALWAYS_VALID
#   (default off), PEBBLE_VA_SLEEPTIME, PEBBLE_WFE_ORDERS_PER_PAGE:
#                      passed to Pebble as they are
#   PEBBLE_EAB_REQUIRED=1   externalAccountBindingRequired
#   PEBBLE_EAB_KID, PEBBLE_EAB_HMAC   one EAB key (HMAC key base64url);
#                      a fixed test pair is used when EAB is required and
#                      none is given
#   PEBBLE_DNS_IPV6    AAAA answer (default ::1; empty: no AAAA records)
#   PEBBLE_OWNER_PID   stop the instance when this process exits
#   PEBBLE_MAX_LIFETIME  seconds before the instance stops itself (default 3600)
#   PEBBLE_START_TIMEOUT seconds to wait for both servers (default 10)
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-}
DIR=${2:-${PEBBLE_DIR:-build/pebble}}
case $DIR in /*) ;; *) DIR=$ROOT/$DIR ;; esac
case $DIR in *[[:space:]]*) echo "pebble.sh: DIR may not contain white space: $DIR" >&2; exit 2 ;; esac

die() { echo "pebble.sh: $*" >&2; exit 1; }

# Only signal a pid that still runs the program we started (pids get reused).
is_ours() { # pid name
    local args
    [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
    if [ -r "/proc/$1/cmdline" ]; then
        args=$(tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null)
    else
        args=$(ps -p "$1" -o args= 2>/dev/null)
    fi
    case $args in *"$2"*) return 0 ;; esac
    return 1
}

stop_one() { # pidfile name
    local pid i
    [ -f "$1" ] || return 0
    pid=$(cat "$1" 2>/dev/null)
    # The watchdog ends by running `stop` in its own process: skip ourselves.
    if [ "$pid" != "$$" ] && is_ours "$pid" "$2"; then
        kill "$pid" 2>/dev/null
        for i in $(seq 1 50); do is_ours "$pid" "$2" || break; sleep 0.1; done
        is_ours "$pid" "$2" && kill -9 "$pid" 2>/dev/null
    fi
    rm -f "$1"
}

do_stop() {
    # The watchdog first, so it does not race us; it exits on its own
    # within a second of Pebble going away anyway.
    stop_one "$DIR/watchdog.pid" "pebble.sh"
    stop_one "$DIR/pebble.pid" "pebble"
    stop_one "$DIR/challtestsrv.pid" "pebble-challtestsrv"
    rm -f "$DIR/env"
}

# A TCP (and UDP) port nobody listens on now, not handed out before.
used_ports=" "
pick_port() {
    local p i
    for i in $(seq 1 200); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        case $used_ports in *" $p "*) continue ;; esac
        if command -v ss >/dev/null 2>&1; then
            ss -Hltnu 2>/dev/null | awk '{print $5}' | grep -q "[:.]$p\$" && continue
        else
            (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
        fi
        used_ports="$used_ports$p "
        echo "$p"
        return 0
    done
    return 1
}

# Status code of a GET ("000" while nothing listens).
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" 2>/dev/null; }

make_certs() {
    # A fresh CA and a localhost certificate for Pebble's own HTTPS (also
    # valid for 127.0.0.1 and ::1). EC P-256: fast, and BearSSL, OpenSSL
    # and Go all accept it.
    local d=$DIR/tls
    rm -rf "$d" && mkdir -p "$d" || return 1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$d/ca.key" -out "$d/ca.pem" -days 30 -subj "/CN=acme2.h test TLS CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1 || return 1
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$d/key.pem" -out "$d/cert.csr" -subj "/CN=localhost" >/dev/null 2>&1 || return 1
    printf '%s\n' 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1' \
        'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature' \
        'extendedKeyUsage=serverAuth' > "$d/cert.ext"
    openssl x509 -req -in "$d/cert.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
        -days 30 -extfile "$d/cert.ext" -out "$d/cert.pem" >/dev/null 2>&1 || return 1
}

write_config() { # acme mgmt http01 tlsalpn01
    local eab_req=false keys=""
    if [ "${PEBBLE_EAB_REQUIRED:-0}" = 1 ]; then
        eab_req=true
        : "${PEBBLE_EAB_KID:=kid-1}"
        : "${PEBBLE_EAB_HMAC:=zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W}"
    fi
    if [ -n "${PEBBLE_EAB_KID:-}" ]; then
        case "$PEBBLE_EAB_KID$PEBBLE_EAB_HMAC" in *[!A-Za-z0-9_-]*) die "EAB kid and key must be base64url characters" ;; esac
        keys=", \"externalAccountMACKeys\": { \"$PEBBLE_EAB_KID\": \"$PEBBLE_EAB_HMAC\" }"
    fi
    cat > "$DIR/pebble-config.json" <<EOF
{
  "pebble": {
    "listenAddress": "127.0.0.1:$1",
    "managementListenAddress": "127.0.0.1:$2",
    "certificate": "$DIR/tls/cert.pem",
    "privateKey": "$DIR/tls/key.pem",
    "httpPort": $3,
    "tlsPort": $4,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": $eab_req$keys
  }
}
EOF
}

start_watchdog() {
    local owner=${PEBBLE_OWNER_PID:-} life=${PEBBLE_MAX_LIFETIME:-3600} pid
    pid=$(cat "$DIR/pebble.pid")
    nohup bash -c '
        n=0
        while kill -0 "$1" 2>/dev/null; do
            if [ -n "$2" ] && ! kill -0 "$2" 2>/dev/null; then break; fi
            [ "$n" -ge "$3" ] && break
            sleep 1; n=$((n + 1))
        done
        exec "$4" stop "$5"' pebble.sh-watchdog "$pid" "$owner" "$life" "$ROOT/tests/pebble.sh" "$DIR" \
        </dev/null >/dev/null 2>&1 &
    echo $! > "$DIR/watchdog.pid"
}

try_start() {
    local acme mgmt dns cts http01 tlsalpn01 i ok=0
    acme=$(pick_port) && mgmt=$(pick_port) && dns=$(pick_port) && cts=$(pick_port) &&
        http01=$(pick_port) && tlsalpn01=$(pick_port) || die "no free ports"
    write_config "$acme" "$mgmt" "$http01" "$tlsalpn01"

    # challtestsrv: DNS on loopback, its own challenge servers off (our
    # responders use the *01 ports).
    nohup pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "${PEBBLE_DNS_IPV6-::1}" \
        -dns01 "127.0.0.1:$dns" -management "127.0.0.1:$cts" \
        -http01 "" -https01 "" -tlsalpn01 "" \
        </dev/null >"$DIR/challtestsrv.log" 2>&1 &
    echo $! > "$DIR/challtestsrv.pid"

    (
        export PEBBLE_VA_NOSLEEP=${PEBBLE_VA_NOSLEEP:-1}
        for v in PEBBLE_WFE_NONCEREJECT PEBBLE_AUTHZREUSE PEBBLE_ALTERNATE_ROOTS \
                 PEBBLE_CHAIN_LENGTH PEBBLE_VA_ALWAYS_VALID PEBBLE_VA_SLEEPTIME \
                 PEBBLE_WFE_ORDERS_PER_PAGE; do
            [ -n "${!v:-}" ] && export "$v" || unset "$v"
        done
        exec nohup pebble -config "$DIR/pebble-config.json" -dnsserver "127.0.0.1:$dns" \
            </dev/null >"$DIR/pebble.log" 2>&1
    ) &
    echo $! > "$DIR/pebble.pid"

    for i in $(seq 1 $((${PEBBLE_START_TIMEOUT:-10} * 10))); do
        is_ours "$(cat "$DIR/pebble.pid")" pebble || break
        is_ours "$(cat "$DIR/challtestsrv.pid")" pebble-challtestsrv || break
        if [ "$(http_code --cacert "$DIR/tls/ca.pem" "https://localhost:$acme/dir")" = 200 ] &&
           [ "$(http_code "http://127.0.0.1:$cts/")" != 000 ]; then
            ok=1; break
        fi
        sleep 0.1
    done
    if [ $ok != 1 ]; then
        do_stop
        return 1
    fi

    curl -sf --cacert "$DIR/tls/ca.pem" "https://localhost:$mgmt/roots/0" -o "$DIR/root.pem" &&
    curl -sf --cacert "$DIR/tls/ca.pem" "https://localhost:$mgmt/intermediates/0" -o "$DIR/intermediate.pem" ||
        { do_stop; die "cannot fetch Pebble's root and intermediate"; }

    {
        echo "PEBBLE_URL=https://localhost:$acme/dir"
        echo "PEBBLE_CA=$DIR/tls/ca.pem"
        echo "PEBBLE_MGMT=https://localhost:$mgmt"
        echo "PEBBLE_ROOT=$DIR/root.pem"
        echo "PEBBLE_INTERMEDIATE=$DIR/intermediate.pem"
        echo "CHALLTESTSRV=http://127.0.0.1:$cts"
        echo "PEBBLE_DNS=127.0.0.1:$dns"
        echo "HTTP01_PORT=$http01"
        echo "TLSALPN01_PORT=$tlsalpn01"
        if [ -n "${PEBBLE_EAB_KID:-}" ]; then
            echo "PEBBLE_EAB_KID=$PEBBLE_EAB_KID"
            echo "PEBBLE_EAB_HMAC=$PEBBLE_EAB_HMAC"
        fi
        echo "PEBBLE_DIR=$DIR"
    } > "$DIR/env.tmp" && mv "$DIR/env.tmp" "$DIR/env"
    start_watchdog
}

do_start() {
    local n
    for p in pebble pebble-challtestsrv openssl curl; do
        command -v "$p" >/dev/null 2>&1 || die "$p not found (Debian packages: pebble openssl curl)"
    done
    do_stop
    mkdir -p "$DIR" || die "cannot create $DIR"
    make_certs || die "openssl failed to make the TLS certificates"
    # A port picked as free may be taken before the server binds it: retry
    # with fresh ports.
    for n in 1 2 3; do
        try_start && return 0
    done
    echo "--- $DIR/pebble.log" >&2; tail -n 20 "$DIR/pebble.log" >&2
    echo "--- $DIR/challtestsrv.log" >&2; tail -n 20 "$DIR/challtestsrv.log" >&2
    die "Pebble did not start"
}

case $cmd in
    start) do_start ;;
    stop) do_stop ;;
    env)
        [ -f "$DIR/env" ] || die "no instance in $DIR (run: tests/pebble.sh start)"
        sed "s/^\([A-Z0-9_]*\)=\(.*\)$/export \1='\2'/" "$DIR/env" ;;
    *) echo "usage: tests/pebble.sh start|stop|env [DIR]" >&2; exit 2 ;;
esac
