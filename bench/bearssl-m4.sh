#!/usr/bin/env bash
# Builds BearSSL 0.6 from Debian's source package for Cortex-M4 into
# build/bearssl-m4/libbearssl.a (TLS engine left out: acme2.h never needs
# it). With -ffunction-sections the linker keeps only what a program uses.
# The objects are also compiled with -fstack-usage -fcallgraph-info=su (.su
# and .ci files beside them) for the static stack analysis.
#
# `apt-get source` needs deb-src entries. When there are none and we are
# root, one file is added under /etc/apt/sources.list.d/ with deb-src twins
# of Debian's own entries (same mirrors, suites, components).
set -eu
cd "$(dirname "$0")/.."
SRC=build/bearssl-src
OUT=build/bearssl-m4
CC=arm-none-eabi-gcc
AR=arm-none-eabi-ar
CFLAGS="-mcpu=cortex-m4 -mthumb -Os -ffunction-sections -fdata-sections -DBR_ARMEL_CORTEXM_GCC -fstack-usage -fcallgraph-info=su"

die() { echo "bearssl-m4: $*" >&2; exit 1; }

has_deb_src() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        grep -qE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' "$f" && return 0
    done
    return 1
}

add_deb_src() {
    local f=/etc/apt/sources.list.d/acme2-bench-deb-src
    [ "$(id -u)" -eq 0 ] || die "no deb-src entry in /etc/apt: add one for your Debian mirror, or run as root"
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        sed 's/^Types:.*$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$f.sources"
    elif [ -f /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list; then
        grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' > "$f.list"
    else
        die "cannot tell which Debian mirror to use for deb-src"
    fi
    echo "bearssl-m4: added deb-src entries ($f.*); apt-get update" >&2
    apt-get update -qq >/dev/null 2>&1 || die "apt-get update failed"
}

fetch_source() {
    local tmp=build/bearssl-dl d
    [ -f "$SRC/src/ec/ecdsa_i15_sign_raw.c" ] && return 0
    has_deb_src || add_deb_src
    rm -rf "$tmp" && mkdir -p "$tmp"
    # As root apt warns that it cannot drop privileges for the download.
    (cd "$tmp" && apt-get source -qq bearssl >/dev/null 2>&1) ||
        { [ "$(id -u)" -eq 0 ] && apt-get update -qq >/dev/null 2>&1 && (cd "$tmp" && apt-get source -qq bearssl >/dev/null 2>&1); } ||
        die "apt-get source bearssl failed"
    d=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'bearssl-*' | head -n 1)
    [ -n "$d" ] && [ -d "$d/src" ] || die "no source tree after apt-get source"
    rm -rf "$SRC" && mv "$d" "$SRC" && rm -rf "$tmp"
}

build() {
    local f o
    [ -f "$OUT/libbearssl.a" ] && [ "$OUT/libbearssl.a" -nt "$0" ] && return 0
    rm -rf "$OUT" && mkdir -p "$OUT"
    # Everything but the TLS engine (src/ssl). Two compilers at a time.
    find "$SRC/src" -name '*.c' ! -path '*/src/ssl/*' | sort > "$OUT/sources"
    while read -r f; do
        o=$OUT/$(basename "${f%.c}").o
        echo "$f $o"
    done < "$OUT/sources" |
        xargs -P 2 -n 2 sh -c "$CC $CFLAGS -I$SRC/inc -I$SRC/src -c \"\$0\" -o \"\$1\"" ||
        die "compiling BearSSL for Cortex-M4 failed"
    $AR rcs "$OUT/libbearssl.a" "$OUT"/*.o
}

command -v $CC >/dev/null || die "$CC not found (Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi)"
command -v dpkg-source >/dev/null || die "dpkg-source not found (Debian: dpkg-dev)"
fetch_source
build
echo "$OUT/libbearssl.a"
