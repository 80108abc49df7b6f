# Sums a GNU ld map file by origin: prints "GROUP TEXT DATA BSS" lines for
# the groups acme2 (the object named by -v acme2=PATH), bearssl
# (libbearssl.a members), program (-v prog=PATH) and runtime (libc, libgcc,
# start files, linker padding). Text is code and read-only data; .data and
# other writable loaded sections are data; .bss and COMMON are bss.
# With -v detail=GROUP it prints "SIZE SECTION FILE" for each input
# section of that group instead. Merged string sections are counted as ld
# lists them, which can differ from size(1) by a few bytes.
# mawk has no strtonum.
function hex(s,   i, v) {
    s = tolower(s); sub(/^0x/, "", s); v = 0
    for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
    return v
}
function group(file) {
    if (file == acme2) return "acme2"
    if (file ~ /libbearssl\.a\(/) return "bearssl"
    if (file == prog) return "program"
    return "runtime"
}
function kind(out) {
    if (out ~ /^\.(bss|noinit)/ || out == "COMMON") return "bss"
    if (out ~ /^\.(data|init_array|fini_array|preinit_array|tdata|got)/) return "data"
    return "text"
}
function add(name, size, file,   g) {
    if (out == "" || skip) return
    g = group(file)
    sum[g, kind(out)] += size
    if (detail == g) printf "%d %s %s\n", size, name, file
}
/^Linker script and memory map/ { on = 1; next }
!on { next }
/^\.[^ ]/ || /^[A-Za-z_]/ {
    out = $1
    skip = (out ~ /^\.(debug|comment|stab|ARM\.attributes|gnu\.attributes|note)/ || out == "OUTPUT" || out ~ /^(LOAD|START|END)$/)
    pending = ""
    next
}
/^ \*fill\*/ { if (NF >= 3) add("*fill*", hex($3), "(fill)"); next }
/^ [.A-Za-z_]/ {
    if (NF >= 4 && $2 ~ /^0x/ && $3 ~ /^0x/) { add($1, hex($3), $4); pending = "" }
    else if (NF == 1) pending = $1
    next
}
pending != "" && /^ +0x[0-9a-f]+ +0x[0-9a-f]+ / {
    add(pending, hex($2), $3)
    pending = ""
    next
}
END {
    if (detail != "") exit
    n = split("acme2 bearssl program runtime", gs, " ")
    for (i = 1; i <= n; i++) printf "%s %d %d %d\n", gs[i], sum[gs[i], "text"], sum[gs[i], "data"], sum[gs[i], "bss"]
}
