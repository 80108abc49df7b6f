#!/usr/bin/env bash
# Runs the libFuzzer targets.
#
#   fuzz/run.sh SECONDS [target...]   fuzz each target (default: all) for SECONDS
#   fuzz/run.sh --smoke               a few seconds each; prints "RESULT fuzz-smoke P F"
#
# Each target starts from its committed seeds (fuzz/corpus/<target>/),
# read only; what it finds goes to the scratch corpus
# build/fuzz/corpus/<target>/, so the committed corpus grows only when
# someone copies inputs over. Known crash reproducers (fuzz/regress/) are
# not loaded: tests/test_fuzz_regress.c replays them, and loading them
# would stop the run at once while the bug is open. A crash, leak, UB
# report or time-out stops that target (with FUZZ_KEEP_GOING=1 it goes on,
# libFuzzer's fork mode, and collects every crash); inputs are saved under
# build/fuzz/artifacts/<target>/ and their paths printed. Exit status is
# non-zero if any target failed. Logs: build/fuzz/logs/<target>.log;
# figures (executions, exec/s, coverage) are printed per target and
# appended to build/fuzz/stats.tsv.
#
# Environment: FUZZ_JOBS (targets run at once, default 1; --smoke: nproc),
# FUZZ_NICE (default 10), FUZZ_KEEP_GOING (default 0), FUZZ_ARGS (extra
# libFuzzer flags).
set -u
cd "$(dirname "$0")/.."
ALL="fuzz_json fuzz_headers fuzz_responses fuzz_keys fuzz_cert fuzz_flow"
smoke=0
if [ "${1:-}" = --smoke ]; then
    smoke=1
    shift
    secs=${FUZZ_SMOKE_SECONDS:-6}
else
    secs=${1:-}
    case $secs in ''|*[!0-9]*) echo "usage: fuzz/run.sh SECONDS [target...] | --smoke" >&2; exit 2 ;; esac
    shift
fi
targets=${*:-$ALL}
jobs=${FUZZ_JOBS:-$([ $smoke = 1 ] && nproc || echo 1)}

# Smoke runs: a fixed number of executions with a fixed seed, so the
# result does not depend on the machine's speed (1-2 s each here);
# FUZZ_SMOKE_SECONDS caps the time on a slow machine.
smoke_runs() {
    case $1 in
        fuzz_flow) echo 1000 ;;
        fuzz_keys) echo 5000 ;;
        fuzz_responses|fuzz_cert) echo 15000 ;;
        *) echo 25000 ;;
    esac
}

# Result file of a run (the smoke step of `make test` may run while a
# campaign does).
result_name() { if [ $smoke = 1 ]; then echo "smoke-$1.result"; else echo "$1.result"; fi; }

max_len() {
    case $1 in
        fuzz_headers) echo 4096 ;;
        fuzz_flow) echo 16384 ;;
        *) echo 8192 ;;
    esac
}

bins=""
for t in $targets; do
    case " $ALL " in *" $t "*) ;; *) echo "unknown target: $t (targets: $ALL)" >&2; exit 2 ;; esac
    bins="$bins build/fuzz/$t"
done
# shellcheck disable=SC2086
make --no-print-directory -s $bins >&2 || { echo "fuzz/run.sh: build failed" >&2; [ $smoke = 1 ] && echo "RESULT fuzz-smoke 0 1"; exit 1; }

mkdir -p build/fuzz/logs
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Runs one target; writes its result line to build/fuzz/logs/<t>.result.
run_one() {
    local t=$1 scratch art log dict rc
    if [ $smoke = 1 ]; then
        scratch=build/fuzz/smoke-run/corpus/$t
        art=build/fuzz/smoke-run/artifacts/$t/
        log=build/fuzz/logs/smoke-$t.log
        rm -rf "$scratch" "$art"
    else
        scratch=build/fuzz/corpus/$t
        art=build/fuzz/artifacts/$t/
        log=build/fuzz/logs/$t.log
    fi
    mkdir -p "$scratch" "$art" "fuzz/corpus/$t"
    dict=""
    [ -f "fuzz/dict/$t.dict" ] && dict="-dict=fuzz/dict/$t.dict"
    local dirs="$scratch fuzz/corpus/$t" fork="" before seed=${FUZZ_SEED:-0} runs=""
    [ "${FUZZ_KEEP_GOING:-0}" = 1 ] && fork="-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
    [ $smoke = 1 ] && { seed=1; runs="-runs=$(smoke_runs "$t")"; }
    before=$(ls "$art" | wc -l)
    # shellcheck disable=SC2086
    nice -n "${FUZZ_NICE:-10}" "build/fuzz/$t" -max_total_time="$secs" -max_len="$(max_len "$t")" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -use_value_profile=1 -seed="$seed" $runs \
        -artifact_prefix="$art" $fork $dict ${FUZZ_ARGS:-} $dirs > "$log" 2>&1
    rc=$?
    local execs eps cov ft corp crashes repro last time
    # the last status line: "#N DONE cov: C ft: F corp: K/..." or, in fork
    # mode, "#N: cov: C ft: F corp: K exec/s E oom/timeout/crash: a/b/c time: Ts"
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    [ -z "$execs" ] && execs=$(printf '%s' "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    time=$(printf '%s' "$last" | sed -n 's/.* time: \([0-9]*\)s.*/\1/p')
    [ -z "$eps" ] && [ -n "$time" ] && [ "$time" -gt 0 ] && eps=$((execs / time))
    cov=$(printf '%s' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(printf '%s' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(printf '%s' "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
    crashes=$(( $(ls "$art" | wc -l) - before ))
    [ $rc -ne 0 ] && [ $crashes -eq 0 ] && crashes=1
    repro=$(ls -t "$art" | head -n 1)
    [ $crashes -gt 0 ] && [ -n "$repro" ] && repro=$art$repro || repro=""
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "${execs:-?}" "${time:-$secs}" "${eps:-?}" "${cov:-?}" "${ft:-?}" \
        "${corp:-?}" "$crashes" "${repro:-}" > "build/fuzz/logs/$(result_name "$t")"
    return $rc
}

pids=""
for t in $targets; do
    rm -f "build/fuzz/logs/$(result_name "$t")"
    run_one "$t" &
    pids="$pids $!"
    # keep at most $jobs running
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 0.2; done
done
wait

pass=0; fail=0
[ $smoke = 1 ] || printf '%-16s %10s %6s %8s %6s %7s %6s %s\n' target execs secs exec/s cov ft corpus crashes
for t in $targets; do
    r=build/fuzz/logs/$(result_name "$t")
    if [ ! -f "$r" ]; then
        echo "$t: no result (see build/fuzz/logs/)"; fail=$((fail + 1)); continue
    fi
    IFS=$'\t' read -r name execs s eps cov ft corp crashes repro < "$r"
    log=build/fuzz/logs/$([ $smoke = 1 ] && echo "smoke-")$t.log
    if [ "$crashes" != 0 ]; then
        fail=$((fail + 1))
        echo "FAIL $t: $crashes crashing input(s), see $log"
        # what each new crashing input does (replayed once; first report line)
        [ -n "$repro" ] && ls -t "$(dirname "$repro")" | head -n "$crashes" | head -n 50 | while read -r a; do
            "build/fuzz/$t" "$(dirname "$repro")/$a" 2>&1 |
                grep -m 1 -E 'invariant violated|ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error|ERROR: libFuzzer: timeout' |
                sed -e 's/==[0-9]*==//' -e 's/ on address 0x[0-9a-f]*.*//'
        done | sort | uniq -c | sort -rn | sed 's/^/    /'
        [ -z "$repro" ] && tail -n 5 "$log" | sed 's/^/    /'
        [ -n "$repro" ] && echo "    reproducer: $repro (all in $(dirname "$repro")/)"
    else
        pass=$((pass + 1))
    fi
    if [ $smoke = 0 ]; then
        printf '%-16s %10s %6s %8s %6s %7s %6s %s\n' "$t" "$execs" "$s" "$eps" "$cov" "$ft" "$corp" \
            "$([ "$crashes" = 0 ] && echo ok || echo "$crashes crash(es)")"
        printf '%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(cat "$r")" >> build/fuzz/stats.tsv
    elif [ "$crashes" = 0 ]; then
        echo "ok   $t: $execs runs, cov $cov, ft $ft"
    fi
done
[ $smoke = 1 ] && echo "RESULT fuzz-smoke $pass $fail"
[ $fail -eq 0 ]
