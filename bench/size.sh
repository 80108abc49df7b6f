#!/usr/bin/env bash
# `make size`: code size, RAM and stack of acme2.h, for x86-64 and for a
# Cortex-M4, against the targets of the project:
#   Cortex-M4 .text of acme2 alone <= 20 KB (full) and <= 12 KB (smallest),
#   every public struct <= 4 KB, stack <= 6 KB including BearSSL signing,
#   and no heap function referenced (the one check that fails the run).
# "full" is the default configuration (every feature on); "smallest" is
# ACME2_MINIMAL (every droppable feature off: the smallest client that still
# issues with an EC key) on bare metal (-DACME2_NO_SYSTEM_RNG
# -DACME2_NO_HOSTED). "before" columns are the figures of main at $BEFORE
# (its acme2.h, built the same way, its smallest configuration being
# -DACME2_NO_RSA -DACME2_NO_STRERROR plus the bare-metal pair).
# Text is code plus read-only data (as size(1) counts it). KB = 1024 bytes.
set -eu
cd "$(dirname "$0")/.."
B=build/bench/size
BSRC=build/bearssl-src
BM4=build/bearssl-m4
rm -rf "$B" && mkdir -p "$B"

bench/bearssl-m4.sh >/dev/null

COMMON="-std=c99 -Os -ffunction-sections -fdata-sections -Wall -Wextra"
M4="-mcpu=cortex-m4 -mthumb"
SMALL="-DACME2_MINIMAL -DACME2_NO_RSA -DACME2_NO_STRERROR -DACME2_NO_SYSTEM_RNG -DACME2_NO_HOSTED"
# The reference for the before/after columns (skipped when git does not
# have it, e.g. in an unpacked release).
BEFORE=${SIZE_BEFORE:-159bfef}
HEAP='^(malloc|calloc|realloc|reallocarray|free|strdup|strndup|aligned_alloc|posix_memalign|memalign|valloc|sbrk|_sbrk|_malloc_r|_calloc_r|_realloc_r|_free_r)$'
KB=1024
fail=0

cc_for() { [ "$1" = m4 ] && echo "arm-none-eabi-gcc $M4 -I$BSRC/inc" || echo "gcc"; }
tool() { [ "$1" = m4 ] && echo "arm-none-eabi-$2" || echo "$2"; }
# full: the default configuration; fw: full without the hosted defaults a
# bare-metal target lacks (time(), sleep, /dev/urandom): what a firmware
# with RSA would build; small: the smallest configuration.
FW="-DACME2_NO_SYSTEM_RNG -DACME2_NO_HOSTED"
# "ok" or "MISSED" for a value against an upper limit.
verdict() { [ "$1" -le "$2" ] && echo ok || echo MISSED; }

echo "acme2.h size and memory report"
echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:  $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "command:  make size"
echo "compiler: $(gcc --version | head -n 1); $(arm-none-eabi-gcc --version | head -n 1)"
echo "flags:    $COMMON (Cortex-M4: $M4; BearSSL 0.6 from Debian's source, -DBR_ARMEL_CORTEXM_GCC)"
echo

# ---- acme2 alone ----
# -g only adds debug sections (for nm -l); the loaded sections are unchanged.
# A header that does not yet tell bare metal from a hosted platform by itself
# needs the bare-metal pair for a Cortex-M4 "full" build: then it is added
# and said so.
M4FULL=""
if ! arm-none-eabi-gcc $M4 -I$BSRC/inc $COMMON -I. -c bench/acme2_impl.c -o "$B/probe.o" 2>/dev/null; then
    M4FULL="$FW"
fi
flags_for() { case $1 in small) echo "$SMALL" ;; fw) echo "$FW" ;; m4full) echo "$M4FULL" ;; *) echo "" ;; esac; }
for obj in x86_full x86_small m4_full m4_small m4_fw; do
    arch=${obj%_*} cfg=${obj#*_}
    f=$cfg; [ $obj = m4_full ] && f=m4full
    $(cc_for $arch) $COMMON $(flags_for $f) -g -I. -fstack-usage -fcallgraph-info=su \
        -c bench/acme2_impl.c -o "$B/acme2_$obj.o"
done
have_before=0
if git cat-file -e "$BEFORE^{commit}" 2>/dev/null; then
    mkdir -p "$B/before"
    git show "$BEFORE:acme2.h" > "$B/before/acme2.h"
    for obj in x86_full x86_small m4_full m4_small; do
        arch=${obj%_*} cfg=${obj#*_}
        f=$cfg; [ $obj = m4_full ] && f=m4full
        $(cc_for $arch) $COMMON $(flags_for $f) -g -I"$B/before" -c bench/acme2_impl.c -o "$B/before/acme2_$obj.o" 2>/dev/null &&
            have_before=1
    done
fi
text_of() { # ARCH OBJ -> .text as size(1) counts it
    $(tool $1 size) "$2" | tail -n 1 | awk '{print $1}'
}

echo "acme2 alone (the implementation compiled by itself: every public function)"
[ -n "$M4FULL" ] && echo "(Cortex-M4 full built with $M4FULL: the header needs them on bare metal)"
echo
printf '| %-9s | %-8s | %7s | %7s | %7s | %5s | %5s | %9s | %-6s | %-22s |\n' arch config before .text change .data .bss target status "heap functions used"
echo '|-----------|----------|---------|---------|---------|-------|-------|-----------|--------|------------------------|'
for arch in x86 m4; do
    for cfg in full small; do
        o=$B/acme2_${arch}_$cfg.o
        read -r t d b _ < <($(tool $arch size) "$o" | tail -n 1)
        heap=$($(tool $arch nm) -u "$o" | awk '{print $NF}' | grep -E "$HEAP" | paste -sd, || true)
        [ -n "$heap" ] && fail=1
        limit=-; st=-
        if [ $arch = m4 ]; then
            [ $cfg = full ] && limit=$((20 * KB)) || limit=$((12 * KB))
            st=$(verdict "$t" "$limit")
        fi
        bt=-; ch=-
        if [ -f "$B/before/acme2_${arch}_$cfg.o" ]; then
            bt=$(text_of $arch "$B/before/acme2_${arch}_$cfg.o")
            ch=$((t - bt))
        fi
        printf '| %-9s | %-8s | %7s | %7d | %7s | %5d | %5d | %9s | %-6s | %-22s |\n' \
            "$([ $arch = m4 ] && echo Cortex-M4 || echo x86-64)" "$([ $cfg = small ] && echo smallest || echo full)" \
            "$bt" "$t" "$ch" "$d" "$b" "$([ "$limit" = - ] && echo - || echo "<= $((limit / KB)) KB")" "$st" "${heap:-none}"
    done
done
echo
echo "Other functions acme2 references (Cortex-M4, smallest): $(arm-none-eabi-nm -u "$B/acme2_m4_small.o" | awk '{print $NF}' | grep -v '^br_' | paste -sd' ')"
echo

# "SIZE TYPE SECTION NAME" for each code or read-only symbol of OBJ: a
# symbol belongs to the section whose "== name == (implementation)" banner
# of HEADER stands last before the line that defines it.
symbols() { # HEADER OBJ
    grep -n '^/\* == [a-z]* == (implementation) \*/' "$1" | sed 's/^\([0-9]*\):\/\* == \([a-z]*\) ==.*/\1 \2/' > "$B/banners.txt"
    arm-none-eabi-nm -S -l "$2" 2>/dev/null | awk -v banners="$B/banners.txt" '
        BEGIN { while ((getline l < banners) > 0) { split(l, a, " "); n++; bl[n] = a[1] + 0; bn[n] = a[2] } }
        NF >= 5 && $3 ~ /^[tTrR]$/ {
            line = $5; sub(/.*:/, "", line); line += 0; sec = "other"
            for (i = 1; i <= n; i++) if (bl[i] <= line) sec = bn[i]
            name = $4; sub(/\..*/, "", name)
            printf "%d %s %s %s\n", ("0x" $2) + 0, $3, sec, name }'
}
for cfg in full small; do
    symbols acme2.h "$B/acme2_m4_$cfg.o" > "$B/syms_$cfg.txt"
    if [ -f "$B/before/acme2_m4_$cfg.o" ]; then symbols "$B/before/acme2.h" "$B/before/acme2_m4_$cfg.o"; fi > "$B/syms_before_$cfg.txt"
done
echo "acme2 .text by section of acme2.h (Cortex-M4; named symbols: the rest is string literals), bytes:"
echo
printf '| %-9s | %8s | %8s | %7s | %8s | %8s | %7s |\n' section "full bef" "full" change "sm. bef" "smallest" change
echo '|-----------|----------|----------|---------|----------|----------|---------|'
for sec in errors util json keys jws der chall http protocol issue other; do
    v=""
    for f in before_full full before_small small; do
        v="$v $(awk -v s=$sec '$3 == s {t += $1} END {print t + 0}' "$B/syms_$f.txt")"
    done
    set -- $v
    [ "$1$2$3$4" = 0000 ] && continue
    if [ $have_before = 1 ]; then
        printf '| %-9s | %8d | %8d | %7d | %8d | %8d | %7d |\n' $sec $1 $2 $(($2 - $1)) $3 $4 $(($4 - $3))
    else
        printf '| %-9s | %8s | %8d | %7s | %8s | %8d | %7s |\n' $sec - $2 - - $4 -
    fi
done
echo
for cfg in full small; do
    echo "Largest acme2 symbols (Cortex-M4, $([ $cfg = small ] && echo smallest || echo full); t = code, r = read-only data), bytes now and before"
    echo "(a symbol's size also moves when gcc inlines a helper into it or no longer does: compare sections):"
    sort -rn "$B/syms_$cfg.txt" | head -n 20 | while read -r sz ty sec name; do
        was=$(awk -v n="$name" '$4 == n {t += $1} END {print t + 0}' "$B/syms_before_$cfg.txt")
        printf '  %6d %6s %s %-8s %s\n' "$sz" "$([ $have_before = 1 ] && echo "$was" || echo -)" "$ty" "$sec" "$name"
    done
    echo
done

# ---- issuance images ----
echo "Minimal issuance firmware for Cortex-M4 (bench/m4_issue.c: acme2_client_init + acme2_issue,"
echo "dummy transport; BearSSL without TLS; newlib-nano, nosys; --gc-sections), bytes:"
echo
printf '| %-8s | %-14s | %7s | %5s | %6s |\n' config part .text .data .bss
echo '|----------|----------------|---------|-------|--------|'
for cfg in fw small; do
    o=$B/acme2_m4_$cfg.o
    p=$B/issue_$cfg.o
    arm-none-eabi-gcc $M4 -I$BSRC/inc $COMMON $(flags_for $cfg) -I. -c bench/m4_issue.c -o "$p"
    arm-none-eabi-gcc $M4 $COMMON -Wl,--gc-sections --specs=nano.specs --specs=nosys.specs \
        -Wl,-Map="$B/issue_$cfg.map" "$p" "$o" "$BM4/libbearssl.a" -o "$B/issue_$cfg.elf"
    read -r t d b _ < <(arm-none-eabi-size "$B/issue_$cfg.elf" | tail -n 1)
    name=$([ $cfg = small ] && echo smallest || echo full-fw)
    printf '| %-8s | %-14s | %7d | %5d | %6d |\n' "$name" "whole image" "$t" "$d" "$b"
    awk -v acme2="$o" -v prog="$p" -f bench/mapsum.awk "$B/issue_$cfg.map" | while read -r g t d b; do
        case $g in
            acme2) g="acme2.h" ;; bearssl) g="BearSSL" ;;
            program) g="program" ;; runtime) g="libc, libgcc" ;;
        esac
        printf '| %-8s | %-14s | %7d | %5d | %6d |\n' "$name" "  $g" "$t" "$d" "$b"
    done
    if arm-none-eabi-nm "$B/issue_$cfg.elf" | awk '{print $NF}' | grep -qE "$HEAP"; then
        echo "note: the $name image contains a heap function (see $B/issue_$cfg.map)"
    fi
done
echo
echo "(full-fw: the full configuration with $FW, which bare metal needs."
echo " program .bss: the client, two keys and the 8 KB work buffer. Shares come from the link map.)"
echo
echo "Largest BearSSL objects in the smallest image, bytes:"
awk -v acme2="$B/acme2_m4_small.o" -v prog="$B/issue_small.o" -v detail=bearssl -f bench/mapsum.awk "$B/issue_small.map" |
    awk '{f = $3; sub(/.*\(/, "", f); sub(/\)$/, "", f); s[f] += $1} END {for (f in s) print s[f], f}' |
    sort -rn | head -n 10 | awk '{printf "  %6d %s\n", $1, $2}'
echo

# ---- public structs ----
# Each configuration declares the structs of the features it keeps.
for arch in x86 m4; do
    for cfg in full small; do
        {
            echo '#include "acme2.h"'
            echo '#include "acme2.h"' | $(cc_for $arch) -std=c99 $(flags_for $cfg) -I. -E -x c - |
                grep -o 'typedef struct acme2_[a-z0-9_]* {' | sed 's/typedef struct \([a-z0-9_]*\) {/\1/' | sort -u |
                while read -r s; do echo "char sizeof__$s[sizeof(struct $s)];"; done
        } > "$B/sizes_${arch}_$cfg.c"
        $(cc_for $arch) -std=c99 -fno-common $(flags_for $cfg) -I. -c "$B/sizes_${arch}_$cfg.c" -o "$B/sizes_${arch}_$cfg.o"
        $(tool $arch nm) -S "$B/sizes_${arch}_$cfg.o" | awk '$4 ~ /^sizeof__/ {sub(/^sizeof__/, "", $4); print $4, $2}' |
            while read -r n h; do echo "$n $((16#$h))"; done | sort > "$B/sizes_${arch}_$cfg.txt"
    done
done
echo "sizeof of the public structs, bytes (target for each: <= 4 KB)"
echo
printf '| %-22s | %10s | %10s | %10s | %10s | %-6s |\n' struct "x86-64" "x86-64 sm." "M4 full" "M4 sm." status
echo '|------------------------|------------|------------|------------|------------|--------|'
# A struct of a feature the smallest configuration drops shows "-" there.
J="-a 1 -e - -o auto"
join $J "$B/sizes_x86_full.txt" "$B/sizes_x86_small.txt" | join $J - "$B/sizes_m4_full.txt" | join $J - "$B/sizes_m4_small.txt" |
    while read -r n a b c d; do
        m=$a; for v in $b $c $d; do [ "$v" != - ] && [ "$v" -gt "$m" ] && m=$v; done
        printf '| %-22s | %10s | %10s | %10s | %10s | %-6s |\n' "$n" "$a" "$b" "$c" "$d" "$(verdict "$m" $((4 * KB)))"
    done
echo
echo "(acme2_issue also keeps its state, an acme2_order and an acme2_authz plus ACME2_ISSUE_CLEANUP_BYTES,"
echo " at the end of the caller's work buffer.)"
echo

# ---- stack ----
# Static analysis for Cortex-M4: gcc's per-function frames (-fstack-usage)
# along the call graph (-fcallgraph-info=su) of acme2 and BearSSL, from
# acme2_issue. Indirect calls are resolved by hand below; the caller's
# callbacks (transport, deploy, cleanup, clock, sleep, log, sink) count 0.
ci_titles() { # FILE.ci PATTERN: titles of functions defined there matching PATTERN
    grep -h '^node' "$1" | grep 'bytes' | grep -o 'title: "[^"]*"' | sed 's/^title: "//; s/"$//' | grep -E "$2" | paste -sd, || true
}
HASH=$(for f in sha2small sha2big; do ci_titles "$BM4/$f.ci" '^br_sha'; done | paste -sd,)
P256=$BSRC/src/ec/ec_p256_m15.c
PRIME=$BSRC/src/ec/ec_prime_i15.c
ALLM15=$BSRC/src/ec/ec_all_m15.c
# acme2 functions whose indirect calls all go to the caller's callbacks,
# told by the source line of each call site (file:line in the .ci edge).
callback_callers() { # CONFIG
    grep -h '^edge:.*targetname: "__indirect_call"' "$B/acme2_m4_$1.ci" |
        sed 's/.*sourcename: "\([^"]*\)".*label: "\([^":]*\):\([0-9]*\):.*/\1 \2 \3/' |
        while read -r fn file line; do
            fn=${fn##*:}
            cb=$(sed -n "${line}p" "$file" | grep -oE '(->|\.)(deploy|cleanup|on_order|log|sleep|clock|sink)\(' | head -n 1 | tr -d '.>(-')
            if [ -n "$cb" ]; then
                echo "$fn $cb" >> "$B/callbacks_$1.txt"
                echo "$fn cb"
            else
                echo "$fn other"
            fi
        done | awk '{k[$1] = k[$1] " " $2} END {for (f in k) if (k[f] !~ /other/) print f}' | sort | paste -sd,
}
# ecdsa_i15_sign_raw.c calls impl->mulgen and the hash vtable only;
# ec_all_m15.c's api_X calls the api_X of the curve's implementation.
stack_m4() { # CONFIG CURVES(p256|all) -> stack.awk output
    local cfg=$1 r curves x
    r="acme2__send=acme2_response_status,acme2_response_header_line,acme2_response_body"
    r="$r;acme2__der_signed=acme2__csr_info,acme2__alpn_tbs"
    r="$r;acme2__jws_json_b64=acme2__jws_header,acme2__jws_payload"
    # where gcc inlines acme2__jws_json_b64 and the signing input's hashing
    r="$r;acme2_jws=acme2__jws_header,acme2__jws_payload,$HASH"
    r="$r;acme2__key_sign_hash=br_ecdsa_i15_sign_raw,br_rsa_i15_pkcs1_sign"
    r="$r;br_ecdsa_i15_sign_raw=$HASH,$ALLM15:api_mulgen"
    for x in generator order xoff mul mulgen muladd; do
        curves="$P256:api_$x"
        [ "$2" = all ] && curves="$curves,$PRIME:api_$x"
        r="$r;api_$x=$curves"
    done
    r="$r;br_ec_keygen=$ALLM15:api_mulgen;br_ec_compute_pub=$ALLM15:api_mulgen"
    awk -v root=acme2_issue -v report=acme2__send -v resolve="$r" -v others="$HASH" -v callbacks="$(callback_callers "$cfg")" \
        -f bench/stack.awk "$B/acme2_m4_$cfg.ci" "$BM4"/*.ci
}
# The measured figure for x86-64 (painted stack, replayed Pebble issuance).
gcc -std=c99 -Os -I. -Ibench -c bench/acme2_impl.c -o "$B/acme2_x86_Os.o"
gcc -std=c99 -Os -Wall -Wextra -I. -Ibench bench/stack.c "$B/acme2_x86_Os.o" -o "$B/stack" -lbearssl
# A replay fails when the library's sequence of requests changed since the
# capture: then the row says so (recapture with `make bench-data`).
measured() { # ALG -> "EXCHANGES PEAK SIGN" or nothing
    "$B/stack" "bench/data/issue-$1.trace" "$1" 2>"$B/stack_$1.err" | awk '{print $2, $3, $4}'
}
m_es=$(measured es256 || true)
m_rs=$(measured rs256 || true)

echo "Worst-case stack of acme2_issue, bytes (target: <= 6 KB including BearSSL signing)"
echo
printf '| %-58s | %6s | %7s | %7s | %-6s |\n' "how" acme2 BearSSL total status
echo '|------------------------------------------------------------|--------|---------|---------|--------|'
for v in "small p256" "small all" "fw all"; do
    set -- $v
    out=$(stack_m4 "$1" "$2")
    total=$(echo "$out" | awk '$1 == "worst" {print $2}')
    own=$(echo "$out" | awk '$1 == "path" && $4 ~ /^acme2/ {c = $3} END {print c + 0}')
    label="Cortex-M4 static, $([ "$1" = small ] && echo smallest || echo full-fw), ES256$([ "$1" = fw ] && echo '/RS256'), $([ "$2" = p256 ] && echo P-256 code || echo P-256/P-384 code)"
    printf '| %-58s | %6d | %7d | %7d | %-6s |\n' "$label" "$own" "$((total - own))" "$total" "$(verdict "$total" $((6 * KB)))"
    echo "$out" > "$B/stack_m4_${1}_$2.txt"
done
for v in "es256:ES256" "rs256:RS256-2048"; do
    m=$([ "${v%%:*}" = es256 ] && echo "$m_es" || echo "$m_rs")
    if [ -z "$m" ]; then
        printf '| %-58s | %6s | %7s | %7s | %-6s |\n' "x86-64 measured, ${v#*:} account: replay FAILED" - - - "n/a"
        sed 's/^/  /' "$B/stack_${v%%:*}.err"
        continue
    fi
    set -- $m
    printf '| %-58s | %6d | %7d | %7d | %-6s |\n' "x86-64 measured, ${v#*:} account, $1 exchanges" $(($2 - $3)) "$3" "$2" "$(verdict "$2" $((6 * KB)))"
done
# Measured on the Cortex-M4 itself: tests/cross/issue.c under QEMU
# (mps2-an386) paints the stack, runs account creation and acme2_issue
# against the scripted server, and prints a MEASURE line (callbacks'
# frames excluded). Empty when QEMU or the build is missing.
m4_measure() { # CONFIG(full|small) -> the MEASURE line
    local elf=build/cross/m4/test_cross_issue$([ "$1" = small ] && echo _small).elf
    tests/deps.sh qemu-system-arm >/dev/null 2>&1 || return 0
    make -s --no-print-directory "$elf" >/dev/null 2>"$B/m4_measure_$1.err" || return 0
    timeout 600 qemu-system-arm -M mps2-an386 -cpu cortex-m4 -nographic -monitor none -serial none \
        -semihosting-config enable=on,target=native -kernel "$elf" 2>&1 | grep '^MEASURE m4-issue' | tail -n 1
}
m4_field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
m4_full=$(m4_measure full)
m4_small=$(m4_measure small)
for v in full small; do
    m=$([ $v = full ] && echo "$m4_full" || echo "$m4_small")
    label="Cortex-M4 measured (painted, QEMU), $([ $v = small ] && echo smallest || echo full-fw), ES256"
    if [ -z "$m" ]; then
        printf '| %-58s | %6s | %7s | %7s | %-6s |\n' "$label: FAILED" - - - "n/a"
        continue
    fi
    st=$(m4_field "$m" stack)
    printf '| %-58s | %6s | %7s | %7d | %-6s |\n' "$label" - - "$st" "$(verdict "$st" $((6 * KB)))"
done
echo
echo "(static: acme2 = frames up to the last acme2 function on the deepest path, BearSSL = the rest;"
echo " measured: BearSSL = the bare signature measured alone, acme2 = the rest of the peak, which"
echo " need not lie on the signing path. x86-64: gcc -Os, Debian's libbearssl.)"
echo
echo "(Cortex-M4 measured: the deepest stack acme2 and BearSSL reached on the emulated CPU during account"
echo " creation and a whole one-name http-01 issuance from tests/cross/issue.c, the callbacks' own frames"
echo " excluded; build/cross/m4/test_cross_issue*.elf, -Os.)"
echo
echo "RAM of that issuance on the Cortex-M4 (measured), bytes: what the device holds for acme2"
echo
printf '| %-8s | %14s | %10s | %8s | %10s | %11s | %8s | %19s |\n' config acme2_client "2 x key" work "static sum" "stack peak" total "stack at a callback"
echo '|----------|----------------|------------|----------|------------|-------------|----------|---------------------|'
for v in full small; do
    m=$([ $v = full ] && echo "$m4_full" || echo "$m4_small")
    [ -n "$m" ] || { echo "| $v: not measured (see $B/m4_measure_$v.err) |"; continue; }
    printf '| %-8s | %14d | %10d | %8d | %10d | %11d | %8d | %19d |\n' "$([ $v = small ] && echo smallest || echo full-fw)" \
        "$(m4_field "$m" client)" "$((2 * $(m4_field "$m" key)))" "$(m4_field "$m" work)" "$(m4_field "$m" static)" \
        "$(m4_field "$m" stack)" "$(m4_field "$m" ram)" "$(m4_field "$m" callback_depth)"
done
echo
echo "(static sum: the client, the account and certificate keys and the 8 KB work buffer, which also holds"
echo " acme2_issue's state; acme2 has no other static data. stack at a callback: what acme2 holds while"
echo " the transport or deploy callback runs; a firmware adds its own transport's use to it.)"
echo
echo "Deepest path, Cortex-M4 static, smallest, P-256 (frame, running total, function):"
awk '$1 == "path" {printf "  %5d %6d %s\n", $2, $3, $4}' "$B/stack_m4_small_p256.txt"
echo "Stack already in use when acme2_issue calls back (Cortex-M4 static, smallest; the callback's own"
echo "use comes on top, and the figures above charge callbacks 0):"
awk '$1 == "calldepth" {print $2, $3}' "$B/stack_m4_small_p256.txt" | sort -rn |
    awk -v cbs="$B/callbacks_small.txt" 'BEGIN {while ((getline l < cbs) > 0) {split(l, a, " "); cb[a[1]] = a[2]}}
        {n = ($2 == "acme2__send") ? "transport" : cb[$2]; printf "  %5d %-10s (called in %s)\n", $1, n, $2}'

echo "Indirect calls taken as hash calls (the default): $(awk '$1 == "default" {print $2}' "$B/stack_m4_small_p256.txt" | sort | paste -sd' ')"
rec=$(awk '$1 == "recursion" || $1 == "dynamic" {print $1 ": " $2}' "$B/stack_m4_small_p256.txt" | paste -sd' ')
[ -n "$rec" ] && echo "Not bounded statically: $rec"
echo
echo "Largest acme2 frames (Cortex-M4, smallest), bytes:"
sort -t"$(printf '\t')" -k2,2nr "$B/acme2_m4_small.su" | head -n 10 |
    awk -F'\t' '{n = $1; sub(/.*:/, "", n); f = $1; sub(/:[0-9]+:[0-9]+:.*/, "", f); sub(/.*\//, "", f); printf "  %5d %s (%s)\n", $2, n, f}'
echo

if [ $fail -ne 0 ]; then
    echo "FAILED: acme2 references a heap function (see the table above)"
    exit 1
fi
echo "no heap function referenced by acme2 (x86-64 and Cortex-M4, both configurations)"
