#!/usr/bin/env bash
# Builds BearSSL 0.6 from Debian's source package (fetched by
# bench/bearssl-m4.sh into build/bearssl-src, with the Cortex-M4 library
# build/bearssl-m4/libbearssl.a) for the other test targets:
#   tests/cross/bearssl.sh i386    build/bearssl-i386/libbearssl.a   (gcc -m32)
#   tests/cross/bearssl.sh s390x   build/bearssl-s390x/libbearssl.a  (big endian)
#   tests/cross/bearssl.sh m4      build/bearssl-m4/libbearssl.a
# gcc -m32 needs the kernel's asm/ headers, which Debian's gcc-multilib
# links into /usr/include; that package conflicts with every cross
# compiler, so gcc-12-multilib is installed alone and
# build/cross/i386-inc/asm points at the x86-64 ones (they serve both).
# The TLS engine (src/ssl) is left out: no test outside test_transport
# needs it. A library is rebuilt only when missing or older than this
# script. Prints the library's path.
set -eu
cd "$(dirname "$0")/../.."
SRC=build/bearssl-src
die() { echo "cross/bearssl: $*" >&2; exit 1; }

target=${1:-}
case $target in
    m4) exec bench/bearssl-m4.sh ;;
    i386) mkdir -p build/cross/i386-inc && ln -sfn /usr/include/x86_64-linux-gnu/asm build/cross/i386-inc/asm
          CC="gcc -m32 -isystem build/cross/i386-inc"; AR=ar ;;
    s390x) CC=s390x-linux-gnu-gcc; AR=s390x-linux-gnu-ar ;;
    *) die "usage: $0 i386|s390x|m4" ;;
esac
OUT=build/bearssl-$target
CFLAGS="-O2 -fPIC"

[ -f "$OUT/libbearssl.a" ] && [ "$OUT/libbearssl.a" -nt "$0" ] && { echo "$OUT/libbearssl.a"; exit 0; }
[ -f "$SRC/src/ec/ecdsa_i15_sign_raw.c" ] || bench/bearssl-m4.sh >/dev/null || die "no BearSSL source"
rm -rf "$OUT" && mkdir -p "$OUT"
find "$SRC/src" -name '*.c' ! -path '*/src/ssl/*' | sort |
    while read -r f; do echo "$f $OUT/$(basename "${f%.c}").o"; done |
    xargs -P 2 -n 2 sh -c "$CC $CFLAGS -I$SRC/inc -I$SRC/src -c \"\$0\" -o \"\$1\"" ||
    die "compiling BearSSL for $target failed"
$AR rcs "$OUT/libbearssl.a" "$OUT"/*.o
echo "$OUT/libbearssl.a"
