#!/usr/bin/env bash
# Valgrind memcheck over the unit and protocol tests (tests/test_*.c),
# built without sanitizers (gcc -O1 -g) into build/valgrind/ and run as
#     valgrind --error-exitcode=1 --leak-check=full
# two at a time. A test binary passes when memcheck reports no error and
# the binary printed its RESULT line (failing checks inside a test are the
# sanitizer run's business: they are shown here, not counted twice).
#
# Left out: test_transport (needs Pebble and the example transports) and
# test_responder (links the example responder; its threads under curl and
# openssl s_client are what it tests, not memory). Test
# functions that only repeat work many times over (mutation loops,
# RSA-4096 key generation) take minutes under valgrind and are skipped by
# name (SKIP below): the same code runs in the tests that remain, and the
# sanitizer and fuzz runs cover the loops. VALGRIND_TESTS="proto json"
# picks tests; VALGRIND_SKIP="" runs every function.
#
# Last line: "RESULT valgrind <passed> <failed>", counted per test binary.
#
# `tests/valgrind.sh --build NAME...` only builds (mk/hardening.mk does so
# in parallel with the other test binaries); a run builds what is missing
# or older than its sources.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
OUTDIR=build/valgrind
SKIP=${VALGRIND_SKIP-hostile_bodies_fail_cleanly issuance_fits_an_8k_work_buffer generated_rsa4096_round_trips_and_passes_openssl_check own_private_exponent_equals_bearssl_one every_byte_change_to_ec_key_is_refused}
JOBS=$(nproc 2>/dev/null || echo 2)
[ "$JOBS" -gt 4 ] && JOBS=4
start_s=$(date +%s)

BUILD_ONLY=0
if [ "${1:-}" = --build ]; then
    BUILD_ONLY=1
    shift
    VALGRIND_TESTS="$*"
fi
if [ -n "${VALGRIND_TESTS:-}" ]; then
    read -r -a TESTS <<< "$VALGRIND_TESTS"
else
    TESTS=()
    for f in tests/test_*.c; do
        t=${f#tests/test_}
        t=${t%.c}
        [ "$t" = transport ] || [ "$t" = responder ] && continue
        TESTS+=("$t")
    done
fi

for p in valgrind gcc; do
    if ! command -v "$p" >/dev/null 2>&1; then
        echo "valgrind.sh: $p not found (Debian package: $p)"
        echo "RESULT valgrind 0 ${#TESTS[@]}"
        exit 1
    fi
done
mkdir -p "$OUTDIR" || exit 2

# The test source is included behind a RUN that skips the listed names.
{
    echo '#include "harness.h"'
    echo 'static const char *const vg_skip[] = {'
    for s in $SKIP; do printf '    "%s",\n' "$s"; done
    echo '    0 };'
    cat <<'EOF'
static void vg_run(const char *name, void (*fn)(void))
{
    int i;
    for (i = 0; vg_skip[i]; i++)
        if (strcmp(vg_skip[i], name) == 0) {
            printf("# skipped under valgrind: %s\n", name);
            return;
        }
    t__run(name, fn);
}
#undef RUN
#define RUN(fn) vg_run(#fn, fn)
#include TESTFILE
EOF
} > "$OUTDIR/wrap.c.$$"
# (Several builds may run at once: replace the file atomically, and only
# when it changed, so binaries stay up to date.)
if cmp -s "$OUTDIR/wrap.c.$$" "$OUTDIR/wrap.c"; then rm -f "$OUTDIR/wrap.c.$$"; else mv "$OUTDIR/wrap.c.$$" "$OUTDIR/wrap.c"; fi

# Builds one test when it is missing or older than a source it uses.
build() { # name
    local t=$1 bin=$OUTDIR/test_$1 src
    if [ -x "$bin" ]; then
        for src in "tests/test_$t.c" acme2.h "$OUTDIR/wrap.c" tests/harness.h tests/script.h fuzz/*.c fuzz/*.h; do
            [ -e "$src" ] && [ "$src" -nt "$bin" ] && { rm -f "$bin"; break; }
        done
        [ -x "$bin" ] && return 0
    fi
    gcc -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic -g -O1 -I. -Itests \
        -DTESTFILE="\"tests/test_$t.c\"" "$OUTDIR/wrap.c" -o "$bin.tmp$$" -lbearssl > "$OUTDIR/test_$t.build.log" 2>&1 &&
        mv "$bin.tmp$$" "$bin"
}

if [ "$BUILD_ONLY" = 1 ]; then
    rc=0
    for t in "${TESTS[@]}"; do
        echo "valgrind build: $OUTDIR/test_$t"
        rm -f "$OUTDIR/test_$t"
        build "$t" || { cat "$OUTDIR/test_$t.build.log"; rc=1; }
    done
    exit $rc
fi

# Runs one test under memcheck; writes NAME.verdict.
run_one() { # name
    local t=$1 bin=$OUTDIR/test_$1 vlog=$OUTDIR/test_$1.valgrind.log out=$OUTDIR/test_$1.out errs res rc s0 s1
    s0=$(date +%s)
    if ! build "$t"; then
        echo "FAIL build ($(head -n 3 "$OUTDIR/test_$t.build.log" | tr '\n' ' '))" > "$OUTDIR/test_$t.verdict"
        return
    fi
    valgrind -q --error-exitcode=1 --leak-check=full --log-file="$vlog" "$bin" > "$out" 2>&1
    rc=$?
    s1=$(date +%s)
    errs=$(grep -c '^==[0-9]*== ' "$vlog")
    res=$(sed -n 's/^RESULT [^ ]* \([0-9]*\) \([0-9]*\)$/\1 \2/p' "$out" | tail -n 1)
    if [ "$errs" != 0 ]; then
        echo "FAIL memcheck (exit $rc, $((s1 - s0)) s): $(grep -m 1 -A 3 '^==[0-9]*== [A-Z]' "$vlog" | tr '\n' ' ' | cut -c1-300)" > "$OUTDIR/test_$t.verdict"
    elif [ -z "$res" ]; then
        echo "FAIL no RESULT line (exit $rc, $((s1 - s0)) s): $(tail -n 3 "$out" | tr '\n' ' ')" > "$OUTDIR/test_$t.verdict"
    else
        set -- $res
        if [ "$2" != 0 ]; then
            echo "PASS memcheck clean ($((s1 - s0)) s; the test itself reports $2 failed of $(($1 + $2)))" > "$OUTDIR/test_$t.verdict"
        else
            echo "PASS memcheck clean ($((s1 - s0)) s, $1 tests)" > "$OUTDIR/test_$t.verdict"
        fi
    fi
}

# Slowest first, so the two lanes end together.
ORDER=()
for t in keys proto der security fuzz_regress jws chall; do
    for u in "${TESTS[@]}"; do [ "$u" = "$t" ] && ORDER+=("$t"); done
done
for u in "${TESTS[@]}"; do
    case " ${ORDER[*]} " in *" $u "*) ;; *) ORDER+=("$u") ;; esac
done

for t in "${ORDER[@]}"; do rm -f "$OUTDIR/test_$t.verdict"; done
running=0
for t in "${ORDER[@]}"; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

pass=0
failed=0
for t in "${ORDER[@]}"; do
    v=$(cat "$OUTDIR/test_$t.verdict" 2>/dev/null || echo "FAIL no verdict")
    echo "${v%% *} test_$t: ${v#* }"
    case $v in
        PASS*) pass=$((pass + 1)) ;;
        *) failed=$((failed + 1)); sed -n '1,40p' "$OUTDIR/test_$t.valgrind.log" 2>/dev/null | sed 's/^/    | /' ;;
    esac
    grep -h '^# skipped' "$OUTDIR/test_$t.out" 2>/dev/null | sed 's/^/    /'
done
echo "valgrind: ${#ORDER[@]} test binaries in $(( $(date +%s) - start_s )) s"
echo "RESULT valgrind $pass $failed"
[ "$failed" = 0 ]
