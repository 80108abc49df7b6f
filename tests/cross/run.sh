#!/usr/bin/env bash
# Runs the unit tests built for one cross target and prints one line per
# test binary and one summary line, "RESULT cross-TARGET P F", which
# tests/run.sh adds to the closing line of `make test`.
#   tests/cross/run.sh m4|i386|s390x BINARY...
# m4: each ELF under qemu-system-arm (machine mps2-an386, a Cortex-M4) with
# semihosting: stdout, files and the openssl command line of the tests go
# to the host. s390x: under qemu-user with the cross toolchain's sysroot.
# i386: natively. Two binaries run at a time (the emulators use one core
# each). A binary that crashes, hangs past CROSS_TIMEOUT seconds (default
# 1200) or prints no RESULT line counts as one failed test. Runs from the
# repository root: the tests' scratch files live in build/tmp.
set -u
cd "$(dirname "$0")/../.."
target=$1; shift
timeout=${CROSS_TIMEOUT:-1200}
out=build/cross/$target/out
rm -rf "$out" && mkdir -p "$out" build/tmp

run_one() { # BINARY
    local bin=$1 log=$out/$(basename "$1").log
    case $target in
        m4) timeout "$timeout" qemu-system-arm -M mps2-an386 -cpu cortex-m4 -nographic -monitor none -serial none \
                -semihosting-config enable=on,target=native -kernel "$bin" > "$log" 2>&1 ;;
        s390x) timeout "$timeout" qemu-s390x -L /usr/s390x-linux-gnu "$bin" > "$log" 2>&1 ;;
        *) timeout "$timeout" "$bin" > "$log" 2>&1 ;;
    esac
    echo $? > "$log.rc"
}
export -f run_one
export target timeout out

printf '%s\n' "$@" | xargs -P 2 -I{} bash -c 'run_one "$1"' _ {}

pass=0; fail=0
for bin in "$@"; do
    log=$out/$(basename "$bin").log
    rc=$(cat "$log.rc" 2>/dev/null || echo 255)
    res=$(sed -n 's/^RESULT [^ ]* \([0-9]*\) \([0-9]*\)$/\1 \2/p' "$log" | tail -n 1)
    grep '^MEASURE ' "$log"
    if [ -z "$res" ]; then
        tail -n 30 "$log"
        echo "CRASH $target $bin (exit $rc, no result line)"
        fail=$((fail + 1)); continue
    fi
    read -r p f <<<"$res"
    if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then
        grep -v '^RESULT' "$log" | tail -n 60
        [ "$f" -eq 0 ] && f=1
        echo "not ok $target $bin: $p passed, $f failed (exit $rc)"
    else
        echo "ok     $target $bin: $p tests"
    fi
    pass=$((pass + p)); fail=$((fail + f))
done
echo "RESULT cross-$target $pass $fail"
[ "$fail" -eq 0 ]
