# Sums a callgrind profile for callgrind.sh and issuance.sh. Prints
# "KEY VALUE" lines (instructions, Ir):
#   total N                the profile's total
#   line:SECTION N         self cost of acme2.h code by the section banner
#                          (/* == name == (implementation) */) preceding the
#                          source line, inlined code included where it is
#                          written; "decl" before the first banner
#   func:SECTION N         self cost of acme2.h functions by the section of
#                          their definition (callgrind_annotate --inclusive=no
#                          output): static helpers inlined by the compiler
#                          count in their caller
#   line:bearssl|libc|examples|bench|other N    the rest, by object or file
#   func:bearssl|libc|bench|other N             the same from the annotate output
#   incl:FUNCTION N, calls:FUNCTION N   inclusive cost and call count of every
#                          called function (summed over its call sites)
#
#   awk -f cgsum.awk SECTIONS FUNCS PROFILE.out [PROFILE.self]
# SECTIONS: "LINE NAME" per implementation banner of acme2.h, in order.
# FUNCS: "SYMBOL LINE" for each function defined in acme2.h (nm -l).
# PROFILE.out must be written with --compress-strings=no --compress-pos=no.
# PROFILE.self: callgrind_annotate --inclusive=no --threshold=100 --auto=no.

function section(l,    i, s) {
    s = "decl"
    for (i = 1; i <= nsec; i++) if (l >= sec_line[i]) s = sec_name[i]
    return s
}
function is_acme2(f) { return f ~ /(^|\/)acme2\.h$/ }
function rest_of(o, f) {
    if (o ~ /libbearssl/) return "bearssl"
    if (o ~ /\/(libc\.so|ld-linux)/) return "libc"
    if (f ~ /(^|\/)examples\//) return "examples"
    if (f ~ /(^|\/)bench\//) return "bench"
    return "other"
}

FILENAME == ARGV[1] { nsec++; sec_line[nsec] = $1 + 0; sec_name[nsec] = $2; next }
FILENAME == ARGV[2] { fn_line[$1] = $2 + 0; next }

# ---- the profile ----
FILENAME == ARGV[3] {
    if ($0 ~ /^summary: /) { total = $2 + 0; next }
    if ($0 ~ /^ob=/) { ob = substr($0, 4); next }
    if ($0 ~ /^fl=/) { fl = substr($0, 4); file = fl; next }
    if ($0 ~ /^(fi|fe)=/) { file = substr($0, 4); next }
    if ($0 ~ /^fn=/) { fn = substr($0, 4); file = fl; next }
    if ($0 ~ /^cfn=/) { cfn = substr($0, 5); next }
    if ($0 ~ /^calls=/) { split(substr($0, 7), c, " "); calls[cfn] += c[1]; in_call = 1; next }
    if ($0 ~ /^[0-9]/) {
        if (in_call) { incl[cfn] += $2; in_call = 0; next }
        if (is_acme2(file)) k = section($1 + 0)
        else if (is_acme2(fl)) k = (fn in fn_line) ? section(fn_line[fn]) : "decl" # system header inlined into acme2 code
        else k = rest_of(ob, file)
        line[k] += $2
        sum_line += $2
    }
    next
}

# ---- callgrind_annotate --inclusive=no ----
FILENAME == ARGV[4] {
    if (!started) { if (index($0, "file:function")) started = 1; next }
    if ($0 ~ /^-+$/) next
    if ($0 ~ /^[ \t]*$/) { if (seen) done = 1; next }
    if (done || !match($0, /^ *[0-9][0-9,]* +\( *[0-9.]+%\) +/)) next
    n = $1; gsub(/,/, "", n)
    r = substr($0, RLENGTH + 1)
    o = ""
    if (match(r, / \[[^]]*\]$/)) { o = substr(r, RSTART + 2, RLENGTH - 3); r = substr(r, 1, RSTART - 1) }
    i = index(r, ":"); f = substr(r, 1, i - 1); name = substr(r, i + 1)
    if (name in fn_line) k = section(fn_line[name])
    else if (o == "" && name ~ /^br_/) k = "bearssl"
    else if (o == "" && f ~ /^\.\/(elf|string|stdlib|csu|libio|nptl|posix|misc)\//) k = "libc"
    else if (o == "" && name ~ /^(trace_|run_issue$|clock_fn$|sleep_fn$|deploy$|main$|measure$|trampoline$)/) k = "bench"
    else k = rest_of(o, f)
    func[k] += n
    sum_func += n
    seen = 1
    next
}

END {
    print "total", total
    for (k in line) print "line:" k, line[k]
    for (k in func) print "func:" k, func[k]
    for (k in incl) print "incl:" k, incl[k]
    for (k in calls) print "calls:" k, calls[k]
    # Both sums must come back to the total; a mismatch means the parse
    # missed lines (a format change).
    if (sum_line != total) print "cgsum: line sum " sum_line " != total " total > "/dev/stderr"
    if (ARGC > 4 && sum_func != total) print "cgsum: function sum " sum_func " != total " total > "/dev/stderr"
}
