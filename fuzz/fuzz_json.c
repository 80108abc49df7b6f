/* Fuzz target: the JSON tokenizer and every lookup on its tokens.

   The input is JSON text (not NUL-terminated: libFuzzer's buffer ends at
   the last byte, so ASan catches any read of js[len]). The tokenizer's
   answer is compared with a small reference parser written here from RFC
   8259 (recursive, so only for the test): same acceptance, same error
   kind, same tokens. Then every lookup runs on every token and its result
   is checked against what the tokens say. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "fuzz_common.h"

#define FJ_MAX_TOKS 4096

/* ---- reference tokenizer ---- */

typedef struct fj_ref {
    const unsigned char *s;
    size_t n, i;
    int ntok, err;
    acme2_json_tok *toks; /* NULL: count only */
    int cap;
} fj_ref;

static int fj_ref_tok(fj_ref *r, int type, int start, int parent)
{
    int k = r->ntok++;
    if (r->toks && k < r->cap) {
        r->toks[k].type = type;
        r->toks[k].start = start;
        r->toks[k].end = -1;
        r->toks[k].size = 0;
        r->toks[k].parent = parent;
    }
    return k;
}

static void fj_ref_end(fj_ref *r, int k, int end)
{
    if (r->toks && k < r->cap) r->toks[k].end = end;
}

static void fj_ref_size(fj_ref *r, int k, int size)
{
    if (r->toks && k < r->cap) r->toks[k].size = size;
}

static void fj_ws(fj_ref *r)
{
    while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\n' || r->s[r->i] == '\r')) r->i++;
}

static int fj_hex4(const unsigned char *p)
{
    int v = 0, k;
    for (k = 0; k < 4; k++) {
        int c = p[k], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Length of a well-formed UTF-8 sequence at p (n bytes left), 0 if none.
   Written from RFC 3629's table 4 (not shared with the library). */
static size_t fj_utf8(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len, k;
    unsigned lo = 0x80, hi = 0xbf;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c >= 0xe0 && c <= 0xef) { len = 3; if (c == 0xe0) lo = 0xa0; if (c == 0xed) hi = 0x9f; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; if (c == 0xf0) lo = 0x90; if (c == 0xf4) hi = 0x8f; }
    else return 0;
    if (n < len) return 0;
    if (p[1] < lo || p[1] > hi) return 0;
    for (k = 2; k < len; k++)
        if (p[k] < 0x80 || p[k] > 0xbf) return 0;
    return len;
}

/* A string at r->i (the opening quote); the token covers the content. */
static int fj_string(fj_ref *r, int parent)
{
    int k;
    size_t start;
    r->i++;
    start = r->i;
    k = fj_ref_tok(r, ACME2_JSON_STRING, (int)start, parent);
    for (;;) {
        unsigned c;
        if (r->i >= r->n) return ACME2_ERR_JSON;
        c = r->s[r->i];
        if (c == '"') break;
        if (c < 0x20) return ACME2_ERR_JSON;
        if (c == '\\') {
            int cp;
            if (r->i + 1 >= r->n) return ACME2_ERR_JSON;
            c = r->s[r->i + 1];
            if (c == 'u') {
                if (r->n - r->i < 6 || (cp = fj_hex4(r->s + r->i + 2)) < 0) return ACME2_ERR_JSON;
                r->i += 6;
                if (cp >= 0xdc00 && cp <= 0xdfff) return ACME2_ERR_JSON;
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    int lo;
                    if (r->n - r->i < 6 || r->s[r->i] != '\\' || r->s[r->i + 1] != 'u') return ACME2_ERR_JSON;
                    lo = fj_hex4(r->s + r->i + 2);
                    if (lo < 0xdc00 || lo > 0xdfff) return ACME2_ERR_JSON;
                    r->i += 6;
                }
                continue;
            }
            if (!strchr("\"\\/bfnrt", (int)c) || c == 0) return ACME2_ERR_JSON;
            r->i += 2;
            continue;
        }
        if (c >= 0x80) {
            size_t l = fj_utf8(r->s + r->i, r->n - r->i);
            if (!l) return ACME2_ERR_JSON;
            r->i += l;
            continue;
        }
        r->i++;
    }
    fj_ref_end(r, k, (int)r->i);
    r->i++;
    return k;
}

static int fj_digits(fj_ref *r)
{
    size_t s = r->i;
    while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9') r->i++;
    return r->i > s;
}

static int fj_value(fj_ref *r, int parent, int depth);

static int fj_container(fj_ref *r, int parent, int depth, int is_obj)
{
    int k = fj_ref_tok(r, is_obj ? ACME2_JSON_OBJECT : ACME2_JSON_ARRAY, (int)r->i, parent), size = 0, rc;
    unsigned char close = is_obj ? '}' : ']';
    if (depth > ACME2_JSON_MAX_DEPTH) return ACME2_ERR_JSON_DEPTH;
    r->i++;
    fj_ws(r);
    if (r->i < r->n && r->s[r->i] == close) {
        r->i++;
        fj_ref_end(r, k, (int)r->i);
        return k;
    }
    for (;;) {
        int child = k;
        fj_ws(r);
        if (is_obj) {
            if (r->i >= r->n || r->s[r->i] != '"') return ACME2_ERR_JSON;
            child = fj_string(r, k);
            if (child < 0) return child;
            fj_ref_size(r, child, 1);
            fj_ws(r);
            if (r->i >= r->n || r->s[r->i] != ':') return ACME2_ERR_JSON;
            r->i++;
            fj_ws(r);
        }
        rc = fj_value(r, child, depth);
        if (rc < 0) return rc;
        size++;
        fj_ws(r);
        if (r->i >= r->n) return ACME2_ERR_JSON;
        if (r->s[r->i] == ',') { r->i++; continue; }
        if (r->s[r->i] == close) { r->i++; break; }
        return ACME2_ERR_JSON;
    }
    fj_ref_size(r, k, size);
    fj_ref_end(r, k, (int)r->i);
    return k;
}

static int fj_value(fj_ref *r, int parent, int depth)
{
    size_t s;
    unsigned c;
    int k;
    if (r->i >= r->n) return ACME2_ERR_JSON;
    c = r->s[r->i];
    if (c == '{') return fj_container(r, parent, depth + 1, 1);
    if (c == '[') return fj_container(r, parent, depth + 1, 0);
    if (c == '"') return fj_string(r, parent);
    s = r->i;
    if (c == 't' || c == 'f' || c == 'n') {
        const char *lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
        size_t l = strlen(lit);
        if (r->n - r->i < l || memcmp(r->s + r->i, lit, l) != 0) return ACME2_ERR_JSON;
        r->i += l;
        k = fj_ref_tok(r, c == 't' ? ACME2_JSON_TRUE : c == 'f' ? ACME2_JSON_FALSE : ACME2_JSON_NULL, (int)s, parent);
        fj_ref_end(r, k, (int)r->i);
        return k;
    }
    if (c == '-') r->i++;
    if (r->i >= r->n) return ACME2_ERR_JSON;
    if (r->s[r->i] == '0') r->i++;
    else if (r->s[r->i] >= '1' && r->s[r->i] <= '9') fj_digits(r);
    else return ACME2_ERR_JSON;
    if (r->i < r->n && r->s[r->i] == '.') {
        r->i++;
        if (!fj_digits(r)) return ACME2_ERR_JSON;
    }
    if (r->i < r->n && (r->s[r->i] == 'e' || r->s[r->i] == 'E')) {
        r->i++;
        if (r->i < r->n && (r->s[r->i] == '+' || r->s[r->i] == '-')) r->i++;
        if (!fj_digits(r)) return ACME2_ERR_JSON;
    }
    k = fj_ref_tok(r, ACME2_JSON_NUMBER, (int)s, parent);
    fj_ref_end(r, k, (int)r->i);
    return k;
}

/* Token count, or the error the first problem in document order gives. */
static int fj_ref_parse(const unsigned char *s, size_t n, acme2_json_tok *toks, int cap)
{
    fj_ref r;
    int rc;
    memset(&r, 0, sizeof r);
    r.s = s;
    r.n = n;
    r.toks = toks;
    r.cap = cap;
    fj_ws(&r);
    rc = fj_value(&r, -1, 0);
    if (rc < 0) return rc;
    fj_ws(&r);
    if (r.i != n) return ACME2_ERR_JSON;
    return r.ntok;
}

/* Unescapes the content of a string token, independently of the library.
   Returns the length, -1 for \u0000 (the library refuses it). */
static int fj_unescape(const unsigned char *s, int start, int end, unsigned char *out)
{
    int i = start, o = 0;
    while (i < end) {
        unsigned long cp;
        if (s[i] != '\\') { out[o++] = s[i++]; continue; }
        switch (s[i + 1]) {
        case 'b': out[o++] = 8; i += 2; continue;
        case 'f': out[o++] = 12; i += 2; continue;
        case 'n': out[o++] = 10; i += 2; continue;
        case 'r': out[o++] = 13; i += 2; continue;
        case 't': out[o++] = 9; i += 2; continue;
        case 'u': break;
        default: out[o++] = s[i + 1]; i += 2; continue;
        }
        cp = (unsigned long)fj_hex4(s + i + 2);
        i += 6;
        if (cp >= 0xd800 && cp <= 0xdbff) {
            cp = 0x10000 + ((cp & 0x3ff) << 10) + ((unsigned long)fj_hex4(s + i + 2) & 0x3ff);
            i += 6;
        }
        if (cp == 0) return -1;
        if (cp < 0x80) out[o++] = (unsigned char)cp;
        else if (cp < 0x800) { out[o++] = (unsigned char)(0xc0 | (cp >> 6)); out[o++] = (unsigned char)(0x80 | (cp & 63)); }
        else if (cp < 0x10000) {
            out[o++] = (unsigned char)(0xe0 | (cp >> 12));
            out[o++] = (unsigned char)(0x80 | ((cp >> 6) & 63));
            out[o++] = (unsigned char)(0x80 | (cp & 63));
        } else {
            out[o++] = (unsigned char)(0xf0 | (cp >> 18));
            out[o++] = (unsigned char)(0x80 | ((cp >> 12) & 63));
            out[o++] = (unsigned char)(0x80 | ((cp >> 6) & 63));
            out[o++] = (unsigned char)(0x80 | (cp & 63));
        }
    }
    return o;
}

/* Integer value of a number token by the C library, as an oracle for
   acme2_json_int: 0 ok, ACME2_ERR_TYPE, ACME2_ERR_RANGE. */
static int fj_int_oracle(const char *js, const acme2_json_tok *t, long long *v)
{
    char buf[64];
    int len = t->end - t->start, i, neg = 0;
    unsigned long long acc = 0, lim;
    for (i = 0; i < len; i++)
        if (js[t->start + i] == '.' || js[t->start + i] == 'e' || js[t->start + i] == 'E') return ACME2_ERR_TYPE;
    /* No strtoll: it needs a NUL-terminated copy and errno; digits are few. */
    (void)buf;
    i = 0;
    if (js[t->start] == '-') { neg = 1; i = 1; }
    lim = neg ? (unsigned long long)LLONG_MAX + 1ULL : (unsigned long long)LLONG_MAX;
    for (; i < len; i++) {
        unsigned d = (unsigned)(js[t->start + i] - '0');
        if (acc > lim / 10 || (acc == lim / 10 && d > lim % 10)) {
            return ACME2_ERR_RANGE;
        }
        acc = acc * 10 + d;
    }
    if (neg) *v = acc == (unsigned long long)LLONG_MAX + 1ULL ? LLONG_MIN : -(long long)acc;
    else *v = (long long)acc;
    return 0;
}

static acme2_json_tok fj_toks[FJ_MAX_TOKS + 4];
static acme2_json_tok fj_ref_toks[FJ_MAX_TOKS + 4];
static int fj_children[FJ_MAX_TOKS], fj_desc[FJ_MAX_TOKS];
static unsigned char fj_unesc[16384];
static char fj_big[16384];

#define FJ_CANARY 0x5a

static void fj_canary(acme2_json_tok *t, int from, int n) { memset(t + from, FJ_CANARY, (size_t)n * sizeof *t); }
static int fj_canary_ok(const acme2_json_tok *t, int from, int n)
{
    const unsigned char *p = (const unsigned char *)(t + from);
    size_t i;
    for (i = 0; i < (size_t)n * sizeof *t; i++)
        if (p[i] != FJ_CANARY) return 0;
    return 1;
}

/* Checks acme2_json_str and acme2_json_eq on string token t. */
static void fj_check_string(const char *js, const acme2_json_tok *t)
{
    char small[8];
    int need = acme2_json_str(js, t, NULL, 0), ref, got;
    ref = fj_unescape((const unsigned char *)js, t->start, t->end, fj_unesc);
    if (ref < 0) {
        FUZZ_ASSERT(need == ACME2_ERR_JSON);
        memset(small, 0x77, sizeof small);
        FUZZ_ASSERT(acme2_json_str(js, t, small, sizeof small) == ACME2_ERR_JSON);
        FUZZ_ASSERT(small[0] == 0x77 && small[7] == 0x77);
        return;
    }
    FUZZ_ASSERT(need == ref);
    FUZZ_ASSERT((size_t)need < sizeof fj_big);
    /* exact fit, one byte short, small buffer */
    memset(fj_big, 0x77, (size_t)need + 2);
    got = acme2_json_str(js, t, fj_big, (size_t)need + 1);
    FUZZ_ASSERT(got == need);
    FUZZ_ASSERT(fj_big[need] == 0 && (unsigned char)fj_big[need + 1] == 0x77);
    FUZZ_ASSERT(memcmp(fj_big, fj_unesc, (size_t)need) == 0);
    FUZZ_ASSERT(strlen(fj_big) == (size_t)need); /* \u0000 is refused, so no NUL inside */
    /* the unescaped text is UTF-8: the tokenizer checked raw bytes and escapes */
    {
        size_t i = 0;
        while (i < (size_t)need) {
            size_t l = fj_utf8((const unsigned char *)fj_big + i, (size_t)need - i);
            FUZZ_ASSERT(l > 0);
            i += l;
        }
    }
    FUZZ_ASSERT(acme2_json_eq(js, t, fj_big) == 1);
    if (need > 0) {
        char save = fj_big[need - 1];
        memset(fj_unesc, 0x66, (size_t)need + 1);
        FUZZ_ASSERT(acme2_json_str(js, t, (char *)fj_unesc, (size_t)need) == ACME2_ERR_NOSPACE);
        FUZZ_ASSERT(fj_unesc[0] == 0x66 && fj_unesc[need] == 0x66);
        /* a string one byte shorter or different does not compare equal */
        fj_big[need - 1] = 0;
        FUZZ_ASSERT(acme2_json_eq(js, t, fj_big) == 0);
        fj_big[need - 1] = save;
    }
    memset(small, 0x77, sizeof small);
    got = acme2_json_str(js, t, small, sizeof small);
    if (need < (int)sizeof small) {
        FUZZ_ASSERT(got == need && memcmp(small, fj_big, (size_t)need + 1) == 0);
    } else {
        FUZZ_ASSERT(got == ACME2_ERR_NOSPACE);
        FUZZ_ASSERT((unsigned char)small[0] == 0x77);
    }
}

static unsigned char fj_keybuf[16384];

/* How many keys of object obj unescape (by the reference) to key. */
static int fj_count_key(const char *js, const acme2_json_tok *t, int n, int obj, const char *key, size_t klen)
{
    int m, j, count = 0;
    for (m = 0, j = obj + 1; m < t[obj].size && j < n; m++, j = fj_desc[j] + j + 1) {
        int l = fj_unescape((const unsigned char *)js, t[j].start, t[j].end, fj_keybuf);
        if (l >= 0 && (size_t)l == klen && memcmp(fj_keybuf, key, klen) == 0) count++;
    }
    return count;
}

/* Every object: acme2_json_get for fixed keys, and for each of its own
   keys (unique ones are found, duplicated ones are refused). */
static void fj_check_object(const char *js, const acme2_json_tok *t, int n, int obj)
{
    static const char *const keys[] = { "status", "type", "url", "", "identifiers", "challenges", "a" };
    char key[256];
    int k, j, m, r, count;
    for (k = 0; k < (int)(sizeof keys / sizeof keys[0]); k++) {
        r = acme2_json_get(js, t, n, obj, keys[k]);
        count = fj_count_key(js, t, n, obj, keys[k], strlen(keys[k]));
        if (count == 0) FUZZ_ASSERT(r == ACME2_ERR_NOT_FOUND);
        else if (count > 1) FUZZ_ASSERT(r == ACME2_ERR_JSON);
        else {
            FUZZ_ASSERT(r >= 0 && r < n && r - 1 > obj && t[r - 1].parent == obj && t[r].parent == r - 1);
            FUZZ_ASSERT(acme2_json_eq(js, &t[r - 1], keys[k]));
        }
    }
    /* the object's own keys (the first 8) */
    for (m = 0, j = obj + 1; m < t[obj].size && m < 8; m++, j = acme2_json_next(t, n, j)) {
        int len;
        FUZZ_ASSERT(j < n && t[j].parent == obj && t[j].type == ACME2_JSON_STRING && t[j].size == 1);
        len = acme2_json_str(js, &t[j], key, sizeof key);
        if (len < 0) continue;
        count = fj_count_key(js, t, n, obj, key, (size_t)len);
        FUZZ_ASSERT(count >= 1);
        r = acme2_json_get(js, t, n, obj, key);
        if (count == 1) FUZZ_ASSERT(r == j + 1);
        else FUZZ_ASSERT(r == ACME2_ERR_JSON);
    }
}

#ifndef FUZZ_ENTRY_JSON
#define FUZZ_ENTRY_JSON LLVMFuzzerTestOneInput
#endif
int FUZZ_ENTRY_JSON(const uint8_t *data, size_t size);

int FUZZ_ENTRY_JSON(const uint8_t *data, size_t size)
{
    const char *js = (const char *)data;
    int n0, n, ref, i, rc;
    long long v, vref;
    int b;

    /* NULL input pointer with length 0 is fine; with length > 0 it is not */
    FUZZ_ASSERT(acme2_json_parse(NULL, 1, NULL, 0) == ACME2_ERR_PARAM);
    n0 = acme2_json_parse(js, size, NULL, 0);
    ref = fj_ref_parse(data, size, NULL, 0);
    FUZZ_ASSERT(n0 == ref);
    fj_canary(fj_toks, 0, FJ_MAX_TOKS + 4);
    n = acme2_json_parse(js, size, fj_toks, FJ_MAX_TOKS);
    FUZZ_ASSERT(fj_canary_ok(fj_toks, FJ_MAX_TOKS, 4));
    if (ref < 0) {
        FUZZ_ASSERT(n == ref);
        return 0;
    }
    if (ref > FJ_MAX_TOKS) {
        FUZZ_ASSERT(n == ACME2_ERR_NOSPACE);
        return 0;
    }
    FUZZ_ASSERT(n == ref && n >= 1);

    /* same tokens as the reference */
    FUZZ_ASSERT(fj_ref_parse(data, size, fj_ref_toks, FJ_MAX_TOKS) == n);
    for (i = 0; i < n; i++) {
        const acme2_json_tok *a = &fj_toks[i], *e = &fj_ref_toks[i];
        FUZZ_ASSERT(a->type == e->type && a->start == e->start && a->end == e->end);
        FUZZ_ASSERT(a->size == e->size && a->parent == e->parent);
    }

    /* too few tokens: NOSPACE, and nothing written past the last one */
    if (n > 1) {
        int few = n / 2;
        fj_canary(fj_toks, 0, FJ_MAX_TOKS + 4);
        FUZZ_ASSERT(acme2_json_parse(js, size, fj_toks, n - 1) == ACME2_ERR_NOSPACE);
        FUZZ_ASSERT(fj_canary_ok(fj_toks, n - 1, 4));
        fj_canary(fj_toks, 0, FJ_MAX_TOKS + 4);
        FUZZ_ASSERT(acme2_json_parse(js, size, fj_toks, few) == ACME2_ERR_NOSPACE);
        FUZZ_ASSERT(fj_canary_ok(fj_toks, few, 4));
        FUZZ_ASSERT(acme2_json_parse(js, size, fj_toks, 0) == ACME2_ERR_NOSPACE);
    }
    FUZZ_ASSERT(acme2_json_parse(js, size, fj_toks, -1) == ACME2_ERR_PARAM);
    FUZZ_ASSERT(acme2_json_parse(js, size, fj_toks, n) == n);

    /* structural invariants and descendant counts */
    memset(fj_children, 0, sizeof(int) * (size_t)n);
    memset(fj_desc, 0, sizeof(int) * (size_t)n);
    for (i = 0; i < n; i++) {
        const acme2_json_tok *t = &fj_toks[i];
        FUZZ_ASSERT(t->type >= ACME2_JSON_OBJECT && t->type <= ACME2_JSON_NULL);
        FUZZ_ASSERT(t->start >= 0 && t->start <= t->end && (size_t)t->end <= size);
        if (t->type != ACME2_JSON_STRING) FUZZ_ASSERT(t->start < t->end);
        else FUZZ_ASSERT(t->start >= 1 && js[t->start - 1] == '"' && (size_t)t->end < size && js[t->end] == '"');
        FUZZ_ASSERT(t->parent >= -1 && t->parent < i);
        FUZZ_ASSERT((t->parent == -1) == (i == 0));
        if (t->parent >= 0) {
            const acme2_json_tok *p = &fj_toks[t->parent];
            if (p->type == ACME2_JSON_STRING) {
                /* a member value: after its key, inside the object */
                FUZZ_ASSERT(p->end < t->start && p->parent >= 0);
                p = &fj_toks[p->parent];
                FUZZ_ASSERT(p->type == ACME2_JSON_OBJECT);
            } else {
                FUZZ_ASSERT(p->type == ACME2_JSON_OBJECT || p->type == ACME2_JSON_ARRAY);
            }
            FUZZ_ASSERT(p->start < t->start && t->end < p->end);
            fj_children[t->parent]++;
        }
    }
    for (i = n - 1; i > 0; i--) fj_desc[fj_toks[i].parent] += fj_desc[i] + 1;
    for (i = 0; i < n; i++) {
        const acme2_json_tok *t = &fj_toks[i];
        int is_key = t->type == ACME2_JSON_STRING && t->parent >= 0 && fj_toks[t->parent].type == ACME2_JSON_OBJECT;
        if (t->type == ACME2_JSON_OBJECT || t->type == ACME2_JSON_ARRAY) FUZZ_ASSERT(t->size == fj_children[i]);
        else if (is_key) FUZZ_ASSERT(t->size == 1 && fj_children[i] == 1);
        else FUZZ_ASSERT(t->size == 0 && fj_children[i] == 0);
        FUZZ_ASSERT(acme2_json_next(fj_toks, n, i) == i + 1 + fj_desc[i]);
    }
    FUZZ_ASSERT(acme2_json_next(fj_toks, n, -1) == n);
    FUZZ_ASSERT(acme2_json_next(fj_toks, n, n) == n);

    /* lookups on every token */
    for (i = 0; i < n; i++) {
        const acme2_json_tok *t = &fj_toks[i];
        FUZZ_ASSERT(acme2_json_get(js, fj_toks, n, -7, "x") == -7);
        FUZZ_ASSERT(acme2_json_at(fj_toks, n, -7, 0) == -7);
        if (t->type == ACME2_JSON_OBJECT) {
            fj_check_object(js, fj_toks, n, i);
        } else {
            FUZZ_ASSERT(acme2_json_get(js, fj_toks, n, i, "status") == ACME2_ERR_TYPE);
        }
        if (t->type == ACME2_JSON_ARRAY) {
            int k, j = i + 1;
            for (k = 0; k < t->size; k++) {
                FUZZ_ASSERT(acme2_json_at(fj_toks, n, i, k) == j);
                j = acme2_json_next(fj_toks, n, j);
            }
            FUZZ_ASSERT(j == i + 1 + fj_desc[i]);
            FUZZ_ASSERT(acme2_json_at(fj_toks, n, i, t->size) == ACME2_ERR_NOT_FOUND);
            FUZZ_ASSERT(acme2_json_at(fj_toks, n, i, -1) == ACME2_ERR_NOT_FOUND);
        } else {
            FUZZ_ASSERT(acme2_json_at(fj_toks, n, i, 0) == ACME2_ERR_TYPE);
        }
        if (t->type == ACME2_JSON_STRING) {
            fj_check_string(js, t);
        } else {
            FUZZ_ASSERT(acme2_json_str(js, t, fj_big, sizeof fj_big) == ACME2_ERR_TYPE);
            FUZZ_ASSERT(acme2_json_eq(js, t, "") == 0);
        }
        v = 12345;
        rc = acme2_json_int(js, t, &v);
        if (t->type != ACME2_JSON_NUMBER) {
            FUZZ_ASSERT(rc == ACME2_ERR_TYPE && v == 12345);
        } else {
            int orc = fj_int_oracle(js, t, &vref);
            FUZZ_ASSERT(rc == orc);
            if (rc == 0) FUZZ_ASSERT(v == vref);
            else FUZZ_ASSERT(v == 12345);
        }
        b = 7;
        rc = acme2_json_bool(t, &b);
        if (t->type == ACME2_JSON_TRUE) FUZZ_ASSERT(rc == 0 && b == 1);
        else if (t->type == ACME2_JSON_FALSE) FUZZ_ASSERT(rc == 0 && b == 0);
        else FUZZ_ASSERT(rc == ACME2_ERR_TYPE && b == 7);
    }
    FUZZ_ASSERT(acme2_json_get(js, fj_toks, n, n, "x") == ACME2_ERR_PARAM);
    FUZZ_ASSERT(acme2_json_at(fj_toks, n, n, 0) == ACME2_ERR_PARAM);
    return 0;
}

#undef FUZZ_ENTRY_JSON
