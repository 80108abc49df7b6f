#!/bin/sh
# Challenge hook for tests/integration.sh, called by acme2-cli (uacme's
# interface) as
#     hook.sh begin|done|failed TYPE IDENT TOKEN AUTH
# Every call is appended to $HOOK_LOG as one line "METHOD TYPE IDENT".
# HOOK_MODE says what the hook does:
#   dns   dns-01: begin publishes the TXT record _acme-challenge.IDENT. =
#         AUTH through pebble-challtestsrv ($CHALLTESTSRV/set-txt), done and
#         failed remove it (/clear-txt); other types are declined (exit 1)
#   noop  http-01: begin claims success but deploys nothing (the failure
#         path); other types are declined
set -u
method=${1:-} type=${2:-} ident=${3:-} auth=${5:-}
[ -n "${HOOK_LOG:-}" ] && printf '%s %s %s\n' "$method" "$type" "$ident" >> "$HOOK_LOG"

case ${HOOK_MODE:-}:$type in
    dns:dns-01)
        case $method in
            begin) body="{\"host\":\"_acme-challenge.$ident.\",\"value\":\"$auth\"}"; path=set-txt ;;
            done|failed) body="{\"host\":\"_acme-challenge.$ident.\"}"; path=clear-txt ;;
            *) exit 2 ;;
        esac
        curl -sf --max-time 5 -X POST -d "$body" "$CHALLTESTSRV/$path" >/dev/null || exit 3
        exit 0 ;;
    noop:http-01)
        exit 0 ;;
esac
# Anything else: decline begin (the CLI tries its next type), accept the rest.
[ "$method" = begin ] && exit 1
exit 0
