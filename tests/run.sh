#!/usr/bin/env bash
# Runs every test binary given on the command line and prints one closing
# line, "N passed, N failed", over all of them. A binary that crashes or
# prints no RESULT line counts as one failed test.
set -u
pass=0; fail=0
for bin in "$@"; do
    out=$("$bin" 2>&1); rc=$?
    res=$(printf '%s\n' "$out" | sed -n 's/^RESULT [^ ]* \([0-9]*\) \([0-9]*\)$/\1 \2/p' | tail -n 1)
    if [ -z "$res" ]; then
        printf '%s\n' "$out" | tail -n 30
        echo "CRASH $bin (exit $rc, no result line)"
        fail=$((fail + 1)); continue
    fi
    read -r p f <<<"$res"
    if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then
        printf '%s\n' "$out" | grep -v '^RESULT' | tail -n 60
        [ "$f" -eq 0 ] && f=1
        echo "not ok $bin: $p passed, $f failed (exit $rc)"
    else
        echo "ok     $bin: $p tests"
    fi
    pass=$((pass + p)); fail=$((fail + f))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
