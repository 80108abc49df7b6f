#!/usr/bin/env bash
# `make bench`, library work per issuance without the network: instructions
# (valgrind --tool=callgrind) of the issuance recorded in
# bench/data/issue-{es256,rs256}.trace, replayed by stack.c (the replay that
# `make size` measures the stack with; key generation is outside the
# measured function run_issue). Split by section of acme2.h: a function
# belongs to the section whose banner /* == name == (implementation) */
# precedes its definition (callgrind_annotate --inclusive=no; static helpers
# the compiler inlined count in their caller), and, as a cross-check, by
# source line (inlined code counted where it is written). BearSSL
# (libbearssl.so) is its own bucket; so are libc and the replay harness.
# Then the inclusive cost of the top-level calls. gcc -O2 -g, Debian's
# BearSSL. Single-threaded, about 10 s.
set -eu
cd "$(dirname "$0")/.."
B=build/bench/callgrind
CFLAGS="-std=c99 -O2 -g -Wall -Wextra"
mkdir -p "$B"

for p in valgrind callgrind_annotate nm; do
    command -v "$p" >/dev/null || { echo "callgrind.sh: $p not found (Debian packages valgrind binutils)" >&2; exit 1; }
done
gcc $CFLAGS -I. -c bench/acme2_impl.c -o "$B/acme2_O2g.o"
gcc $CFLAGS -I. -Ibench bench/stack.c "$B/acme2_O2g.o" -o "$B/replay" -lbearssl

# Section of each acme2.h line: the implementation banners, in order.
awk '/^\/\* == [a-z]+ == \(implementation\) \*\// {print NR, $3}' acme2.h > "$B/sections.txt"
# Where each function of acme2.h is defined (clones such as .isra.0 too).
nm -l --defined-only "$B/acme2_O2g.o" |
    awk 'NF >= 4 && $2 ~ /^[tT]$/ && $4 ~ /acme2\.h:[0-9]+$/ {n = split($4, a, ":"); print $3, a[n]}' > "$B/funcs.txt"

for alg in es256 rs256; do
    valgrind --tool=callgrind --toggle-collect=run_issue --compress-strings=no --compress-pos=no \
        --callgrind-out-file="$B/$alg.out" "$B/replay" "bench/data/issue-$alg.trace" "$alg" \
        >"$B/$alg.stdout" 2>"$B/$alg.valgrind" || {
        echo "callgrind.sh: the replay failed under valgrind ($alg):" >&2
        tail -n 20 "$B/$alg.valgrind" >&2
        exit 1
    }
    callgrind_annotate --inclusive=no --threshold=100 --auto=no "$B/$alg.out" > "$B/$alg.self"
    awk -f bench/cgsum.awk "$B/sections.txt" "$B/funcs.txt" "$B/$alg.out" "$B/$alg.self" > "$B/$alg.sum"
done

ex=$(awk '{print $2}' "$B/es256.stdout")
awk -v ex="$ex" '
function k(n) { return n >= 1e6 ? sprintf("%.2f M", n / 1e6) : n >= 1e3 ? sprintf("%.1f k", n / 1e3) : sprintf("%d", n) }
function dash(n,    d) { d = ""; while (n-- > 0) d = d "-"; return d }
function pc(n, t) { return sprintf("%.2f%%", 100 * n / t) }
# Inclusive cost of a function, or of its only clone (name.part.0, ...).
function inc(a, f,    key, best) {
    if ((a SUBSEP "incl:" f) in v) return v[a, "incl:" f]
    for (key in v) { split(key, p, SUBSEP); if (p[1] == a && index(p[2], "incl:" f ".") == 1) best = v[key] }
    return best
}
function ncalls(a, f,    key, n) {
    if ((a SUBSEP "calls:" f) in v) return v[a, "calls:" f]
    for (key in v) { split(key, p, SUBSEP); if (p[1] == a && index(p[2], "calls:" f ".") == 1) n = v[key] }
    return n
}
{ a = FILENAME; sub(/.*\//, "", a); sub(/\.sum$/, "", a); v[a, $1] = $2 }
END {
    ng = split("JSON (json)|JWS and signing (jws, keys)|DER (der)|protocol (protocol, issue, http)|other (util, errors, chall)", gname, "|")
    split("json|jws keys|der|protocol issue http|util errors chall decl", gsec, "|")
    na = split("es256 rs256", alg, " ")
    own = 0
    split("json jws keys der protocol issue http util errors chall decl", all_s, " ")
    for (j in all_s) own += v["es256", "func:" all_s[j]]
    printf "Library work per issuance, replayed without network (valgrind --tool=callgrind; instructions)\n"
    printf "transcript: bench/data/issue-*.trace, new account + 2-name order, %s exchanges, 10 JWS + 1 CSR signature\n\n", ex
    printf "| %-36s | %12s | %7s | %10s | %12s | %7s | %10s |\n", "self cost (instructions)", "ES256 by fn", "share", "by line", "RS256 by fn", "share", "by line"
    printf "|%s|%s:|%s:|%s:|%s:|%s:|%s:|\n", dash(38), dash(13), dash(8), dash(11), dash(13), dash(8), dash(11)
    for (g = 1; g <= ng + 5; g++) {
        if (g <= ng) { label = gname[g]; ns = split(gsec[g], s, " ") }
        else if (g == ng + 1) { label = "= acme2.h, all sections"; ns = split("json jws keys der protocol issue http util errors chall decl", s, " ") }
        else if (g == ng + 2) { label = "BearSSL (libbearssl.so)"; ns = split("bearssl", s, " ") }
        else if (g == ng + 3) { label = "libc, loader"; ns = split("libc", s, " ") }
        else if (g == ng + 4) { label = "replay harness (bench/stack.c)"; ns = split("bench other examples", s, " ") }
        else { label = "total"; ns = 0 }
        printf "| %-36s", label
        for (i = 1; i <= na; i++) {
            t = v[alg[i], "total"]
            if (ns == 0) { f = t; l = t }
            else { f = 0; l = 0; for (j = 1; j <= ns; j++) { f += v[alg[i], "func:" s[j]]; l += v[alg[i], "line:" s[j]] } }
            printf " | %12s | %7s | %10s", k(f), pc(f, t), k(l)
        }
        printf " |\n"
    }
    printf "\n\"By fn\": by the section of the function (static helpers the compiler inlined count in their\n"
    printf "caller); \"by line\": by the section of the source line (inlined code where it is written).\n"
    printf "\n| %-36s | %5s | %12s | %7s | %12s | %7s |\n", "inclusive cost (callees included)", "calls", "ES256", "share", "RS256-2048", "share"
    printf "|%s|%s:|%s:|%s:|%s:|%s:|\n", dash(38), dash(6), dash(13), dash(8), dash(13), dash(8)
    nr = split("acme2_client_init|acme2_account_new|acme2_issue|. acme2_order_new|. acme2_authz_get|. acme2_challenge_accept|. acme2_order_poll|. acme2_csr_der|. acme2_order_finalize|. acme2_certificate_download|. acme2_pem_cert_next|. acme2_cert_parse|. acme2_cert_key_match|. acme2_cert_covers|acme2_jws (every JWS)|BearSSL signature (every one)", row, "|")
    for (r = 1; r <= nr; r++) {
        f = row[r]; sub(/^\. /, "", f); sub(/ .*/, "", f)
        label = row[r]; sub(/^\. /, "- ", label)
        printf "| %-36s", label
        for (i = 1; i <= na; i++) {
            t = v[alg[i], "total"]
            if (f == "BearSSL") {
                n = 0; c = 0
                for (key in v) {
                    split(key, p, SUBSEP)
                    if (p[1] == alg[i] && p[2] ~ /^incl:br_(ecdsa_[a-z0-9]+_sign_(raw|asn1)|rsa_[a-z0-9]+_pkcs1_sign)$/) {
                        n += v[key]; cn = p[2]; sub(/^incl:/, "calls:", cn); c += v[alg[i], cn]
                    }
                }
                sign[i] = n
            } else { n = inc(alg[i], f); c = ncalls(alg[i], f) }
            if (i == 1) printf " | %5s", c == "" ? "-" : c
            printf " | %12s | %7s", n == "" ? "inlined" : k(n), n == "" ? "" : pc(n, t)
        }
        printf " |\n"
    }
    printf "\n\"- \": within acme2_issue (acme2_order_poll: the order before and after finalizing).\n"
    printf "\nBearSSL signing is %s of the ES256 issuance and %s of the RS256 one; acme2.h itself\n", pc(sign[1], v["es256", "total"]), pc(sign[2], v["rs256", "total"])
    printf "runs %s instructions (ES256) per issuance, about %s per exchange.\n", k(own), k(own / ex)
}' "$B/es256.sum" "$B/rs256.sum"
