#!/usr/bin/env bash
# The README's usage example must compile and link as shown: extract the C
# block between the readme-example markers and build it warning-free.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/readme"
mkdir -p "$out"
sed -n '/<!-- readme-example:/,/<!-- \/readme-example -->/p' "$root/README.md" | sed '1,2d;$d' | sed '$d' > "$out/example.c"
pass=0; fail=0
lines=$(wc -l < "$out/example.c")
if [ "$lines" -lt 10 ]; then
    echo "FAIL readme: example not found"; fail=1
elif gcc -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic -Werror -I"$root" "$out/example.c" \
        "$root/examples/transport_bearssl.c" "$root/examples/http1.c" -o "$out/example" -lbearssl 2>"$out/build.log"; then
    pass=1
else
    echo "FAIL readme: the usage example does not build:"; cat "$out/build.log"; fail=1
fi
# The engine example: its event-loop pieces are the reader's, so it is
# compiled (C99 and C++), not linked.
sed -n '/<!-- readme-example-engine/,/<!-- \/readme-example-engine/p' "$root/README.md" | sed '1,2d;$d' | sed '$d' > "$out/engine.c"
if [ "$(wc -l < "$out/engine.c")" -lt 10 ]; then
    echo "FAIL readme: engine example not found"; fail=$((fail + 1))
elif gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -I"$root" -c "$out/engine.c" -o "$out/engine.o" 2>"$out/engine.log" &&
     g++ -std=c++11 -Wall -Wextra -Wpedantic -Werror -I"$root" -x c++ -c "$out/engine.c" -o "$out/engine_cxx.o" 2>>"$out/engine.log"; then
    pass=$((pass + 1))
else
    echo "FAIL readme: the engine example does not build:"; cat "$out/engine.log"; fail=$((fail + 1))
fi
echo "RESULT readme $pass $fail"
