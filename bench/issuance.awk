# Prints issuance.sh's tables from its data file (build/bench/issuance/data.txt):
#   tool NAME VERSION [skip]     in column order; the reference is uacme
#   skip NAME REASON...
#   mode MODE                    in the order run (nosleep, vaN)
#   modefail MODE                Pebble did not start in that mode
#   run MODE NAME WALL_S CPU_S MAXRSS_KB REQUESTS PEBBLE_CPU_S SLEEP_S ATTEMPTS
#                                one line per issuance; SLEEP_S is the longest
#                                validation sleep Pebble logged in the run
#   sleep NAME SECONDS COUNT     timed waits of a tool (strace)
#   cg KEY VALUE                 cgsum.awk output for acme2-cli under callgrind
#   rss MAPPING KB               acme2-cli's resident pages at its peak
# Environment: RUNS, PEBBLE_VERSION, PROFILE_MODE. Variable cli: acme2-cli's path.

# Median of column col over the runs of tool name in mode m (col 0: wall
# minus sleep).
function median(m, name, col,    n, i, j, t, a) {
    n = 0
    for (i = 1; i <= nrun; i++) if (rm[i] == m && rt[i] == name) a[++n] = col ? rv[i, col] : rv[i, 1] - rv[i, 6]
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    if (n == 0) return ""
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function range(m, name, col, fmt,    i, lo, hi, first, v) {
    first = 1
    for (i = 1; i <= nrun; i++) if (rm[i] == m && rt[i] == name) {
        v = col ? rv[i, col] : rv[i, 1] - rv[i, 6]
        if (first || v < lo) lo = v
        if (first || v > hi) hi = v
        first = 0
    }
    if (first) return ""
    if (fmt == "ms") return lo == hi ? ms(lo) : ms(lo) "-" ms(hi)
    return lo == hi ? lo : lo "-" hi
}
function ratio(x, ref) {
    if (ref == "" || x == "" || ref == 0) return ""
    return x / ref >= 10 ? sprintf(" (%.0fx)", x / ref) : sprintf(" (%.2fx)", x / ref)
}
function ms(s) { return (s >= 1 || s <= -1) ? sprintf("%.2f s", s) : sprintf("%.0f ms", s * 1000) }
function mb(kb) { return sprintf("%.1f MB", kb / 1024) }
function mi(n) { return n >= 1e6 ? sprintf("%.1f M", n / 1e6) : sprintf("%.0f k", n / 1e3) }
function pct(n, t) { return t ? sprintf("%.0f%%", 100 * n / t) : "" }
function dash(n,    d) { d = ""; while (n-- > 0) d = d "-"; return d }
function verdict(ok) { return ok ? "met" : "MISSED" }
function describe(m) {
    if (m == "nosleep") return "PEBBLE_VA_NOSLEEP=1: the VA validates at once"
    s = substr(m, 3) + 0
    return sprintf("PEBBLE_VA_NOSLEEP=0 PEBBLE_VA_SLEEPTIME=%d: each of 3 attempts sleeps 0..%d s; the order waits for the longest", s, s - 1)
}

$1 == "tool" { nt++; tname[nt] = $2; tver[$2] = $3; tskip[$2] = ($4 == "skip"); next }
$1 == "skip" { r = $0; sub(/^skip [^ ]+ /, "", r); why[$2] = r; next }
$1 == "mode" { nm++; mname[nm] = $2; next }
$1 == "modefail" { mfail[$2] = 1; next }
$1 == "run" { nrun++; rm[nrun] = $2; rt[nrun] = $3; for (c = 4; c <= 11; c++) rv[nrun, c - 3] = $c; count[$2, $3]++; next }
$1 == "sleep" { slept[$2] = $3; nsleep[$2] = $4; next }
$1 == "cg" { cg[$2] = $3; next }
$1 == "rss" { rss[$2] += $3; rss_total += $3; next }

END {
    how["acme2-cli"] = "built-in responder (--standalone-http), BearSSL transport (default)"
    how["acme2-cli-curl"] = "the same with --transport curl (libcurl loaded)"
    how["uacme"] = "hook writing to a web root served by python3 -m http.server (not counted)"
    how["lego"] = "built-in responder (--http)"
    how["certbot"] = "built-in responder (--standalone)"
    ref = "uacme"; a = "acme2-cli"
    printf "End-to-end issuance against a local Pebble %s, a fresh one per validation mode (no nonce\n", ENVIRON["PEBBLE_VERSION"]
    printf "rejections, no authorization reuse). %s runs per tool and mode, tools alternated, each a new name\n", ENVIRON["RUNS"]
    printf "with an account registered beforehand, http-01, EC P-256 certificate key. Medians; in brackets the\n"
    printf "ratio against uacme. \"past sleep\": wall minus the validation sleep Pebble did in that run (the\n"
    printf "longest of its three attempts' sleeps, from pebble.log), the median of those differences; \"VA sleep\":\n"
    printf "the sleeps the runs got (they are random, the same draw for every tool is not guaranteed).\n"
    for (k = 1; k <= nm; k++) {
        m = mname[k]
        printf "\nMode %s: %s\n", m, describe(m)
        if (m in mfail) { printf "  skipped: Pebble did not start in this mode\n"; continue }
        printf "\n| %-22s | %15s | %15s | %8s | %15s | %15s | %16s |\n", "tool", "wall", "past sleep", "VA sleep", "CPU (user+sys)", "peak RSS", "requests"
        printf "|%s|%s:|%s:|%s:|%s:|%s:|%s:|\n", dash(24), dash(16), dash(16), dash(9), dash(16), dash(16), dash(17)
        for (i = 1; i <= nt; i++) {
            t = tname[i]
            W[m, t] = median(m, t, 1); P[m, t] = median(m, t, 0); C[m, t] = median(m, t, 2)
            M[m, t] = median(m, t, 3); Q[m, t] = median(m, t, 4)
        }
        for (i = 1; i <= nt; i++) {
            t = tname[i]
            label = t " " tver[t]
            if (tskip[t] || !count[m, t]) {
                printf "| %-22s | skipped: %s |\n", label, (t in why) ? why[t] : "no successful run (see the log directory)"
                continue
            }
            rq = range(m, t, 4)
            printf "| %-22s | %15s | %15s | %8s | %15s | %15s | %16s |\n", label,
                ms(W[m, t]) (t == ref ? "" : ratio(W[m, t], W[m, ref])),
                ms(P[m, t]) (t == ref ? "" : ratio(P[m, t], P[m, ref])),
                range(m, t, 6) " s",
                ms(C[m, t]) (t == ref ? "" : ratio(C[m, t], C[m, ref])),
                mb(M[m, t]) (t == ref ? "" : ratio(M[m, t], M[m, ref])),
                rq (t != ref && Q[m, ref] != "" ? sprintf(" (%+g)", Q[m, t] - Q[m, ref]) : "")
            if (count[m, t] < ENVIRON["RUNS"]) short = short sprintf("%s%s: %d of %s runs worked", short == "" ? "" : "; ", t, count[m, t], ENVIRON["RUNS"])
        }
        if (short != "") { printf "\nFailed runs left out (see the log directory): %s.\n", short; short = "" }
        line = ""
        for (i = 1; i <= nt; i++) if (count[m, tname[i]]) line = line (line == "" ? "" : ", ") tname[i] " " range(m, tname[i], 0, "ms")
        printf "\nPast the sleep, fastest-slowest run: %s.\n", line
    }

    printf "\nhttp-01 answered by: "
    sep = ""
    for (i = 1; i <= nt; i++) { printf "%s%s %s", sep, tname[i], how[tname[i]]; sep = "; " }
    printf ".\n"
    printf "CPU and peak RSS are the tool's process and the children it waited for (uacme's hook); RSS counts\n"
    printf "every resident page, shared libraries included. Requests: those Pebble logged during the run (the\n"
    printf "range over the runs; in brackets the median's difference to uacme's). Accounts were registered\n"
    printf "before the runs (lego: in its warm-up run). Account keys: EC P-256 for acme2-cli, uacme and lego;\n"
    printf "RSA-2048 for certbot (2.1 has no option). Pebble's TLS CA is trusted with acme2-cli --ca-file,\n"
    printf "LEGO_CA_CERTIFICATES, REQUESTS_CA_BUNDLE and, for uacme (libcurl-gnutls, no option), a private\n"
    printf "mount namespace where that CA replaces the system bundle.\n"

    # ---- issue 11's targets ----
    printf "\nTargets of issue 11 for acme2-cli, in every mode: past the sleep <= 0.3 s, <= 9 requests, peak RSS\n"
    printf "<= 0.3x uacme's:\n\n"
    printf "| %-8s | %-22s | %-18s | %-24s |\n", "mode", "past sleep <= 0.3 s", "requests <= 9", "peak RSS <= 0.3x uacme"
    printf "|%s|%s|%s|%s|\n", dash(10), dash(24), dash(20), dash(26)
    for (k = 1; k <= nm; k++) {
        m = mname[k]
        if (!count[m, a]) { printf "| %-8s | %-22s | %-18s | %-24s |\n", m, "no runs", "", ""; continue }
        r1 = sprintf("%s %s", ms(P[m, a]), verdict(P[m, a] <= 0.3))
        r2 = sprintf("%s %s", Q[m, a], verdict(Q[m, a] <= 9))
        r3 = M[m, ref] != "" ? sprintf("%.2fx %s", M[m, a] / M[m, ref], verdict(M[m, a] <= 0.3 * M[m, ref])) : "no uacme figures"
        printf "| %-8s | %-22s | %-18s | %-24s |\n", m, r1, r2, r3
    }

    # ---- where acme2-cli's figures come from ----
    if (!("total" in cg) && !rss_total && !(a in slept)) exit
    pm = ENVIRON["PROFILE_MODE"]
    printf "\nWhere acme2-cli's figures come from (separate runs of the same issuance, mode %s):\n", pm
    if (a in slept) {
        printf "\nWall: %s of it in %d timed wait(s) (strace: nanosleep, poll without descriptors, timed futex\n", ms(slept[a]), nsleep[a]
        printf "waits): the waits before polling the order (Pebble sends no Retry-After). The rest of the median\n"
        printf "wall (%s) is requests, TLS and the CA's own work.", ms(W[pm, a] - slept[a])
        if (ref in slept) printf " uacme waited %s in %d call(s).", ms(slept[ref]), nsleep[ref]
        printf "\n"
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
        printf "| %-62s | %8s | %5s |\n", "libc and the dynamic loader", mi(cg["line:libc"]), pct(cg["line:libc"], tot)
        printf "| %-62s | %8s | %5s |\n", "other shared libraries", mi(cg["line:other"]), pct(cg["line:other"], tot)
        printf "| %-62s | %8s | %5s |\n", "acme2.h", mi(acme), pct(acme, tot)
        if ("incl:acme2_wipe" in cg)
            printf "| %-62s | %8s | %5s |\n", "- acme2_wipe with what it calls (libc's memset)", mi(cg["incl:acme2_wipe"]), pct(cg["incl:acme2_wipe"], tot)
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
        printf "| %-62s | %8s |\n", "libc and the dynamic loader", mb(grp["libc"])
        printf "| %-62s | %8s |\n", "heap, stacks, other anonymous memory", mb(grp["anon"])
        printf "| %-62s | %8s |\n", "libbearssl", mb(grp["bearssl"])
        printf "| %-62s | %8s |\n", "acme2-cli itself (code and data, acme2.h included)", mb(grp["bin"])
        printf "| %-62s | %8s |\n", sprintf("%d other shared libraries", nlib), mb(grp["libs"])
        printf "\nlibcurl is loaded only for --transport curl (mk/cli.mk CLI_CURL=dlopen): compare the acme2-cli-curl row.\n"
    }
}
