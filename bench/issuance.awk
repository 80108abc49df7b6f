# Prints issuance.sh's tables from its data file (build/bench/issuance/data.txt):
#   tool NAME VERSION [skip]     in column order; the reference is uacme
#   skip NAME REASON...
#   run NAME WALL_S CPU_S MAXRSS_KB REQUESTS PEBBLE_CPU_S   one line per issuance
#   sleep SECONDS COUNT          acme2-cli's nanosleeps (strace)
#   cg KEY VALUE                 cgsum.awk output for acme2-cli under callgrind
#   rss MAPPING KB               acme2-cli's resident pages at its peak
# Environment: RUNS, PEBBLE_VERSION. Variable cli: acme2-cli's path.

function median(name, col,    n, i, j, t, a) {
    n = 0
    for (i = 1; i <= nrun; i++) if (rt[i] == name) a[++n] = rv[i, col]
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    if (n == 0) return ""
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function range(name, col,    i, lo, hi, first) {
    first = 1
    for (i = 1; i <= nrun; i++) if (rt[i] == name) {
        if (first || rv[i, col] < lo) lo = rv[i, col]
        if (first || rv[i, col] > hi) hi = rv[i, col]
        first = 0
    }
    return lo == hi ? lo : lo "-" hi
}
function ratio(x, ref) {
    if (ref == "" || x == "" || ref == 0) return ""
    return x / ref >= 10 ? sprintf(" (%.0fx)", x / ref) : sprintf(" (%.2fx)", x / ref)
}
function lohi(name, col,    i, lo, hi, first) {
    first = 1
    for (i = 1; i <= nrun; i++) if (rt[i] == name) {
        if (first || rv[i, col] < lo) lo = rv[i, col]
        if (first || rv[i, col] > hi) hi = rv[i, col]
        first = 0
    }
    return ms(lo) "-" ms(hi)
}
function ms(s) { return s >= 1 ? sprintf("%.2f s", s) : sprintf("%.1f ms", s * 1000) }
function mb(kb) { return sprintf("%.1f MB", kb / 1024) }
function mi(n) { return n >= 1e6 ? sprintf("%.1f M", n / 1e6) : sprintf("%.0f k", n / 1e3) }
function pct(n, t) { return t ? sprintf("%.0f%%", 100 * n / t) : "" }
function dash(n,    d) { d = ""; while (n-- > 0) d = d "-"; return d }
function verdict(ok) { return ok ? "met" : "MISSED" }

$1 == "tool" { nt++; tname[nt] = $2; tver[$2] = $3; tskip[$2] = ($4 == "skip"); next }
$1 == "skip" { r = $0; sub(/^skip [^ ]+ /, "", r); why[$2] = r; next }
$1 == "run" { nrun++; rt[nrun] = $2; for (c = 3; c <= 7; c++) rv[nrun, c - 2] = $c; count[$2]++; next }
$1 == "sleep" { slept[$2] = $3; nsleep[$2] = $4; next }
$1 == "cg" { cg[$2] = $3; next }
$1 == "rss" { rss[$2] += $3; rss_total += $3; next }

END {
    how["acme2-cli"] = "built-in responder (--standalone-http)"
    how["uacme"] = "hook writing to a web root; server not counted"
    how["lego"] = "built-in responder (--http)"
    how["certbot"] = "built-in responder (--standalone)"
    printf "End-to-end issuance against one local Pebble %s (VA without sleeps, no nonce rejections),\n", ENVIRON["PEBBLE_VERSION"]
    printf "%s runs per tool alternated, one new name per run, http-01, EC P-256 certificate key;\n", ENVIRON["RUNS"]
    printf "medians; in brackets the ratio against uacme (requests: ratio and difference)\n\n"
    printf "| %-18s | %16s | %17s | %15s | %19s | %10s | %-48s |\n", "tool", "wall", "CPU (user+sys)", "peak RSS", "requests", "Pebble CPU", "http-01 answered by"
    printf "|%s|%s:|%s:|%s:|%s:|%s:|%s|\n", dash(20), dash(17), dash(18), dash(16), dash(20), dash(11), dash(50)
    for (i = 1; i <= nt; i++) {
        t = tname[i]
        w[t] = median(t, 1); c_[t] = median(t, 2); m[t] = median(t, 3); q[t] = median(t, 4); pb[t] = median(t, 5)
    }
    ref = "uacme"
    for (i = 1; i <= nt; i++) {
        t = tname[i]
        label = t " " tver[t]
        if (tskip[t] || count[t] == 0) { printf "| %-18s | %16s | %17s | %15s | %19s | %10s | skipped: %s |\n", label, "", "", "", "", "", (t in why) ? why[t] : "no successful run"; continue }
        rq = range(t, 4)
        d = (t != ref && q[ref] != "") ? sprintf(" (%.2fx, %+g)", q[t] / q[ref], q[t] - q[ref]) : ""
        printf "| %-18s | %16s | %17s | %15s | %19s | %10s | %-48s |\n", label,
            ms(w[t]) (t == ref ? "" : ratio(w[t], w[ref])),
            ms(c_[t]) (t == ref ? "" : ratio(c_[t], c_[ref])),
            mb(m[t]) (t == ref ? "" : ratio(m[t], m[ref])),
            rq d, ms(pb[t]), how[t] (count[t] < ENVIRON["RUNS"] ? sprintf(" [%d of %d runs worked]", count[t], ENVIRON["RUNS"]) : "")
    }
    line = ""
    for (i = 1; i <= nt; i++) if (count[tname[i]]) line = line (line == "" ? "" : ", ") tname[i] " " lohi(tname[i], 1)
    printf "\nWall, fastest-slowest run: %s.\n", line
    printf "\nCPU and peak RSS are the tool's process and the children it waited for (uacme's hook); RSS counts\n"
    printf "every resident page, shared libraries included. Pebble CPU: the server's (VA included) during the\n"
    printf "run. Accounts were registered before the runs (lego: in its warm-up run). Account keys: EC P-256\n"
    printf "for acme2-cli, uacme and lego; RSA-2048 for certbot (2.1 has no option). The CA of Pebble's\n"
    printf "TLS is trusted with acme2-cli --ca-file, LEGO_CA_CERTIFICATES, REQUESTS_CA_BUNDLE and, for uacme\n"
    printf "(libcurl-gnutls, no option), a private mount namespace where that CA replaces the system bundle.\n"
    a = "acme2-cli"
    if (w[ref] != "" && w[a] != "") {
        printf "\nTargets for acme2-cli against uacme: wall <= 0.1x %s (%.2fx); CPU <= 0.05x %s (%.2fx);\n",
            verdict(w[a] <= 0.1 * w[ref]), w[a] / w[ref], verdict(c_[a] <= 0.05 * c_[ref]), c_[a] / c_[ref]
        printf "RSS <= 0.1x %s (%.2fx); at least 2 requests fewer %s (%+g).\n",
            verdict(m[a] <= 0.1 * m[ref]), m[a] / m[ref], verdict(q[a] <= q[ref] - 2), q[a] - q[ref]
    } else if (w[a] != "") {
        printf "\nTargets against uacme: not evaluated (no uacme figures).\n"
    }

    # ---- where acme2-cli's figures come from ----
    if (w[a] == "") exit
    printf "\nWhere acme2-cli's figures come from (separate runs of the same issuance):\n"
    if (a in slept) {
        sleep_s = slept[a]; sleep_n = nsleep[a]
        printf "\nWall: %.2f s of it asleep in %d nanosleep(s): the library's polling waits before each poll of the\n", sleep_s, sleep_n
        printf "order (acme2_order_poll; opt.poll_interval defaults to 1 s, whole seconds, and Pebble sends no\n"
        printf "Retry-After). Without them: %s%s, of which acme2-cli's CPU %s and Pebble's %s.\n", ms(w[a] - sleep_s), (w[ref] != "" ? sprintf(" (%.2fx uacme's wall)", (w[a] - sleep_s) / w[ref]) : ""), ms(c_[a]), ms(pb[a])
        if (ref in slept)
            printf "uacme slept %.2f s in %d call(s)%s.\n", slept[ref], nsleep[ref],
                slept[ref] < 0.05 ? ": it polls again at once, which a Pebble without VA sleeps rewards" : ""
    }
    if ("total" in cg) {
        tot = cg["total"]
        sign = 0; nsig = 0
        for (k in cg) if (k ~ /^incl:br_(ecdsa_[a-z0-9]+_sign_(raw|asn1)|rsa_[a-z0-9]+_pkcs1_sign)$/) { sign += cg[k]; kk = k; sub(/^incl:/, "calls:", kk); nsig += cg[kk] }
        hs = 0
        for (k in cg) if (k ~ /^calls:br_ssl_client_reset$/) hs += cg[k]
        acme = 0
        for (k in cg) if (k ~ /^line:/ && k !~ /^line:(bearssl|libc|examples|bench|other)$/) acme += cg[k]
        printf "\nCPU: %s instructions under callgrind (the whole process):\n\n", mi(tot)
        printf "| %-62s | %8s | %5s |\n", "where", "instr.", "share"
        printf "|%s|%s:|%s:|\n", dash(64), dash(9), dash(6)
        printf "| %-62s | %8s | %5s |\n", sprintf("BearSSL signing (%d signatures: %d JWS + the CSR)", nsig, nsig - 1), mi(sign), pct(sign, tot)
        printf "| %-62s | %8s | %5s |\n", sprintf("BearSSL, the rest (TLS: %d handshake(s), records; hashing)", hs), mi(cg["line:bearssl"] - sign), pct(cg["line:bearssl"] - sign, tot)
        printf "| %-62s | %8s | %5s |\n", "libc and the dynamic loader (relocating every shared library)", mi(cg["line:libc"]), pct(cg["line:libc"], tot)
        printf "| %-62s | %8s | %5s |\n", "other shared libraries (libcurl and what it pulls in)", mi(cg["line:other"]), pct(cg["line:other"], tot)
        printf "| %-62s | %8s | %5s |\n", "acme2.h", mi(acme), pct(acme, tot)
        if ("incl:acme2_wipe" in cg)
            printf "| %-62s | %8s | %5s |\n", "- of which acme2_wipe", mi(cg["incl:acme2_wipe"]), pct(cg["incl:acme2_wipe"], tot)
        printf "| %-62s | %8s | %5s |\n", "acme2-cli, transport, responder (examples/)", mi(cg["line:examples"]), pct(cg["line:examples"], tot)
    }
    if (rss_total) {
        nlib = 0
        for (k in rss) {
            if (k == cli) g = "bin"
            else if (k ~ /libbearssl/) g = "bearssl"
            else if (k ~ /\/(libc\.so|ld-linux)/) g = "libc"
            else if (k ~ /^\[/) g = "anon"
            else if (k ~ /\.so/) { g = "libs"; nlib++ }
            else g = "anon"
            grp[g] += rss[k]
        }
        printf "\nRSS: %s resident at the largest sample (/proc/PID/smaps every 20 ms):\n\n", mb(rss_total)
        printf "| %-62s | %8s |\n", "mapping", "resident"
        printf "|%s|%s:|\n", dash(64), dash(9)
        printf "| %-62s | %8s |\n", sprintf("%d other shared libraries: libcurl and what it pulls in", nlib), mb(grp["libs"])
        printf "| %-62s | %8s |\n", "libc and the dynamic loader", mb(grp["libc"])
        printf "| %-62s | %8s |\n", "heap, stacks, other anonymous memory", mb(grp["anon"])
        printf "| %-62s | %8s |\n", "libbearssl", mb(grp["bearssl"])
        printf "| %-62s | %8s |\n", "acme2-cli itself (code and data, acme2.h included)", mb(grp["bin"])
        printf "\nacme2-cli links libcurl for --transport curl; with the default BearSSL transport none of it is used.\n"
    }
}
