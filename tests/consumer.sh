#!/usr/bin/env bash
# The ways a project consumes acme2.h, each building and running the tiny
# program in tests/consumer/: CMake add_subdirectory, CMake FetchContent
# (from a git archive of this tree), `make install` + find_package, and
# `make install` + pkg-config. Prints a RESULT line for tests/run.sh.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/consumer"
rm -rf "$out"; mkdir -p "$out"
pass=0; fail=0
check() { # name, command...
    local name=$1; shift
    if ( "$@" ) >"$out/$name.log" 2>&1 && grep -q "consumer ok" "$out/$name.log"; then
        pass=$((pass + 1))
    else
        echo "FAIL consumer via $name (log: $out/$name.log)"; tail -n 15 "$out/$name.log"; fail=$((fail + 1))
    fi
}
cmake_build() { # via, build dir, extra args
    local via=$1 dir=$2; shift 2
    cmake -S "$root/tests/consumer" -B "$dir" -DACME2_VIA="$via" "$@" &&
        cmake --build "$dir" && "$dir/consumer"
}
check subdirectory cmake_build subdirectory "$out/sub" -DACME2_SOURCE="$root"
# FetchContent takes an archive of the working tree (committed or not).
( cd "$root" && tar --exclude=./build --exclude=./.git -czf "$out/acme2.tar.gz" . )
check fetchcontent cmake_build fetchcontent "$out/fetch" -DACME2_ARCHIVE="$out/acme2.tar.gz"
make -C "$root" --no-print-directory install PREFIX=/usr/local DESTDIR="$out/stage" >"$out/install.log" 2>&1 ||
    { echo "FAIL make install"; cat "$out/install.log"; fail=$((fail + 1)); }
check find_package cmake_build find_package "$out/pkg" -DCMAKE_PREFIX_PATH="$out/stage/usr/local"
pkgcfg() {
    local flags
    flags=$(PKG_CONFIG_SYSROOT_DIR="$out/stage" PKG_CONFIG_LIBDIR="$out/stage/usr/local/lib/pkgconfig" \
        pkg-config --cflags --libs acme2) &&
        cc -std=c99 $flags "$root/tests/consumer/main.c" -o "$out/pc-consumer" $flags && "$out/pc-consumer"
}
check pkg-config pkgcfg
echo "RESULT consumer $pass $fail"
