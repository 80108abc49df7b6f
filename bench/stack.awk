# Static worst-case stack from gcc's -fcallgraph-info=su files (.ci, VCG
# text): the deepest path from the function named by -v root=NAME, each
# function charged its own frame (-fstack-usage). Functions are matched
# across files by name (file-local ones keep their "file:name" title).
#
# Indirect calls have no target in the graph. -v resolve="F=T1,T2;G=T3"
# says which functions the indirect calls made by F may reach; -v
# callbacks="F,G" names functions whose indirect calls go to the caller's
# callbacks (charged 0: the application's own stack); every other indirect
# call may reach any of -v others="T1,T2" (a conservative superset, e.g.
# every hash and curve entry point). Targets are names, or "file:name" for
# file-local functions. Recursion is reported and cut.
#
# Output: "worst BYTES", then the path as "path FRAME CUMULATIVE NAME",
# then "callback NAME" for callback sites the root reaches, "default NAME"
# for callers whose indirect calls went to the -v others set, "calldepth
# BYTES NAME" for the stack in use when a callback caller (or a function
# named in -v report="F,G") makes its call, and
# "recursion NAME" / "dynamic NAME" for cycles and dynamic frames met.
function short(t,   s) { s = t; sub(/^.*:/, "", s); return s }
function q(s) { return substr(s, 2, length(s) - 2) }
BEGIN {
    n = split(resolve, rs, ";")
    for (i = 1; i <= n; i++) {
        if (split(rs[i], kv, "=") != 2) continue
        res[kv[1]] = kv[2]
    }
    n = split(callbacks, rs, ",")
    for (i = 1; i <= n; i++) cb[rs[i]] = 1
}
/^node:/ {
    match($0, /title: "[^"]*"/); t = q(substr($0, RSTART + 7, RLENGTH - 7))
    sz = -1
    if (match($0, /\\n[0-9]+ bytes/)) { s = substr($0, RSTART + 2, RLENGTH - 2); sub(/ bytes/, "", s); sz = s + 0 }
    if (!(t in frame) || sz > frame[t]) frame[t] = sz
    if ($0 ~ /dynamic/ && $0 !~ /bounded/) dynamic[t] = 1
    next
}
/^edge:/ {
    match($0, /sourcename: "[^"]*"/); s = q(substr($0, RSTART + 12, RLENGTH - 12))
    match($0, /targetname: "[^"]*"/); d = q(substr($0, RSTART + 12, RLENGTH - 12))
    if (d == "__indirect_call") {
        if (short(s) in cb) { indirect[s] = 1; next }
        if (!(short(s) in res)) by_default[s] = 1
        m = split((short(s) in res) ? res[short(s)] : others, ts, ",")
        for (i = 1; i <= m; i++) addedge(s, ts[i])
        next
    }
    addedge(s, d)
    next
}
function addedge(s, d) {
    if ((s, d) in seen) return
    seen[s, d] = 1
    ne[s]++
    edge[s, ne[s]] = d
}
# A name without a file prefix may be defined file-locally in exactly the
# graph of the caller; prefer the caller's file, else the global name.
function target(s, d,   f) {
    if (d ~ /:/) return d
    f = s; if (f ~ /:/) { sub(/:[^:]*$/, "", f); if ((f ":" d) in frame) return f ":" d }
    return d
}
function worst(f,   i, c, w, best, bc) {
    if (f in memo) return memo[f]
    if (onstack[f]) { recursion[f] = 1; return 0 }
    onstack[f] = 1
    best = 0; bc = ""
    for (i = 1; i <= ne[f]; i++) {
        c = target(f, edge[f, i])
        w = worst(c)
        if (w > best) { best = w; bc = c }
    }
    onstack[f] = 0
    if (f in indirect) reached_indirect[f] = 1
    if (f in by_default) reached_default[f] = 1
    if (dynamic[f]) reached_dynamic[f] = 1
    next_on_path[f] = bc
    memo[f] = (frame[f] > 0 ? frame[f] : 0) + best
    return memo[f]
}
END {
    r = root
    if (!(r in frame)) for (t in frame) if (short(t) == root) r = t
    printf "worst %d\n", worst(r)
    cum = 0
    for (f = r; f != ""; f = next_on_path[f]) {
        cum += (frame[f] > 0 ? frame[f] : 0)
        printf "path %d %d %s\n", (frame[f] > 0 ? frame[f] : 0), cum, short(f)
    }
    for (f in reached_indirect) printf "callback %s\n", short(f)
    # Stack in use when each function is entered, deepest over all paths
    # (relaxation over the reached graph; bounded rounds in case of cycles).
    depth[r] = 0
    for (round = 0; round < 200; round++) {
        changed = 0
        for (f in memo) {
            if (!(f in depth)) continue
            for (i = 1; i <= ne[f]; i++) {
                c = target(f, edge[f, i])
                d = depth[f] + (frame[f] > 0 ? frame[f] : 0)
                if (!(c in depth) || d > depth[c]) { depth[c] = d; changed = 1 }
            }
        }
        if (!changed) break
    }
    for (f in reached_indirect) if (f in depth) printf "calldepth %d %s\n", depth[f] + (frame[f] > 0 ? frame[f] : 0), short(f)
    n = split(report, rs, ",")
    for (i = 1; i <= n; i++) for (f in depth) if (short(f) == rs[i]) printf "calldepth %d %s\n", depth[f] + (frame[f] > 0 ? frame[f] : 0), rs[i]
    for (f in reached_default) printf "default %s\n", short(f)
    for (f in recursion) printf "recursion %s\n", short(f)
    for (f in reached_dynamic) printf "dynamic %s\n", short(f)
}
