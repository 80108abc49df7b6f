/* == json == (implementation) */

#if ACME2_JSON_MAX_DEPTH < 1
#error "ACME2_JSON_MAX_DEPTH must be at least 1"
#endif

/* Tokenizer states: what the next significant character may be. */
enum {
    ACME2__JS_VALUE,     /* a value: document start, after ':', after ',' in an array */
    ACME2__JS_VALUE_END, /* a value or ']': just after '[' */
    ACME2__JS_KEY,       /* a key: after ',' in an object */
    ACME2__JS_KEY_END,   /* a key or '}': just after '{' */
    ACME2__JS_COLON,     /* ':' after a key */
    ACME2__JS_NEXT,      /* ',' or the closing bracket, after a member or element */
    ACME2__JS_DONE       /* the root value is complete: only white space may follow */
};

/* 1 when none of the 8 bytes at p needs a closer look inside a string:
   no '"', no '\\', nothing below 0x20, nothing at or above 0x80. Each test
   is exact as to whether any byte matches (a borrow only starts at a byte
   that matches), which is all the caller needs. Byte order does not matter. */
static int acme2__json_plain8(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t x, q, b;
    ACME2_MEMCPY(&x, p, 8);
    q = x ^ (ones * 0x22);
    b = x ^ (ones * 0x5c);
    return !(((x - ones * 0x20) | x | ((q - ones) & ~q) | ((b - ones) & ~b)) & high);
}

static int acme2__json_hexval(unsigned c)
{
    if (c - '0' < 10) return (int)(c - '0');
    c |= 0x20;
    if (c - 'a' < 6) return (int)(c - 'a' + 10);
    return -1;
}

/* The code unit of the 4 hex digits at p (4 bytes must be readable), or -1. */
static int acme2__json_hex4(const unsigned char *p)
{
    int a = acme2__json_hexval(p[0]), b = acme2__json_hexval(p[1]);
    int c = acme2__json_hexval(p[2]), d = acme2__json_hexval(p[3]);
    if ((a | b | c | d) < 0) return -1;
    return (a << 12) | (b << 8) | (c << 4) | d;
}

/* Validates a string body starting at p (just past the opening quote).
   Returns the closing quote, or NULL: unterminated, raw control character,
   invalid UTF-8, unknown escape, bad \u digits, lone or misordered
   surrogate escapes. \u0000 is valid JSON and passes (acme2_json_str
   refuses it). */
static const unsigned char *acme2__json_string(const unsigned char *p, const unsigned char *e)
{
    for (;;) {
        unsigned c;
        while (e - p >= 8 && acme2__json_plain8(p)) p += 8;
        while (p < e && (c = *p) >= 0x20 && c < 0x80 && c != '"' && c != '\\') p++;
        if (p >= e) return NULL;
        c = *p;
        if (c == '"') return p;
        if (c == '\\') {
            if (e - p < 2) return NULL;
            c = p[1];
            if (c == 'u') {
                int u, lo;
                if (e - p < 6 || (u = acme2__json_hex4(p + 2)) < 0) return NULL;
                p += 6;
                if (u >= 0xd800 && u <= 0xdfff) {
                    if (u >= 0xdc00) return NULL; /* low surrogate without a high one */
                    if (e - p < 6 || p[0] != '\\' || p[1] != 'u') return NULL;
                    lo = acme2__json_hex4(p + 2);
                    if (lo < 0xdc00 || lo > 0xdfff) return NULL;
                    p += 6;
                }
            } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' ||
                       c == 'n' || c == 'r' || c == 't') {
                p += 2;
            } else {
                return NULL;
            }
        } else if (c < 0x20) {
            return NULL;
        } else {
            size_t l = acme2__utf8_len(p, (size_t)(e - p));
            if (!l) return NULL;
            p += l;
        }
    }
}

/* Validates a number starting at p (a '-' or a digit); returns its end or
   NULL. RFC 8259 grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
   What follows the number is judged by the caller's state machine, so
   "01" fails there (a digit where ',' or a bracket must come). */
static const unsigned char *acme2__json_number(const unsigned char *p, const unsigned char *e)
{
    if (*p == '-') p++;
    if (p == e) return NULL;
    if (*p == '0') {
        p++;
    } else if ((unsigned)(*p - '1') < 9) {
        p++;
        while (p < e && (unsigned)(*p - '0') < 10) p++;
    } else {
        return NULL;
    }
    if (p < e && *p == '.') {
        p++;
        if (p == e || (unsigned)(*p - '0') >= 10) return NULL;
        while (p < e && (unsigned)(*p - '0') < 10) p++;
    }
    if (p < e && (*p | 0x20) == 'e') {
        p++;
        if (p < e && (*p == '+' || *p == '-')) p++;
        if (p == e || (unsigned)(*p - '0') >= 10) return NULL;
        while (p < e && (unsigned)(*p - '0') < 10) p++;
    }
    return p;
}

/* One pass over the text; the work per byte is constant. Nesting is kept
   as one bit per level (object or array) in a small array, and, while
   tokens are written, as parent links in the tokens themselves, so the
   stack cost does not grow with ACME2_JSON_MAX_DEPTH beyond depth/8 bytes.
   When toks runs out the parse goes on counting, so ACME2_ERR_NOSPACE is
   only returned for text that is otherwise valid. */
ACME2_DEF int acme2_json_parse(const char *js, size_t len, acme2_json_tok *toks, int max_toks)
{
    const unsigned char *base = (const unsigned char *)js, *p = base, *e, *q;
    unsigned char kinds[ACME2_JSON_MAX_DEPTH / 8 + 1] = { 0 }; /* bit d: level d+1 is an object */
    acme2_json_tok *out = toks; /* NULL while only counting */
    int depth = 0, in_obj = 0, st = ACME2__JS_VALUE, n = 0, cur = -1;

    if ((!js && len) || len > (size_t)INT_MAX || (toks && max_toks < 0)) return ACME2_ERR_PARAM;
    if (!js) return ACME2_ERR_JSON;
    e = p + len;
    for (;;) {
        unsigned c;
        int type, ts, te;
        /* RFC 8259 white space: bits 0x20, 0x0d, 0x0a, 0x09 of one mask. */
        while (p < e && (c = *p) <= ' ' && ((0x100002600ULL >> c) & 1)) p++;
        if (p == e) break;
        c = *p;
        switch (c) {
        case ',':
            if (st != ACME2__JS_NEXT) return ACME2_ERR_JSON;
            st = in_obj ? ACME2__JS_KEY : ACME2__JS_VALUE;
            p++;
            continue;
        case ':':
            if (st != ACME2__JS_COLON) return ACME2_ERR_JSON;
            st = ACME2__JS_VALUE;
            p++;
            continue;
        case '}':
        case ']': {
            int want_obj = (c == '}');
            if (!depth || in_obj != want_obj) return ACME2_ERR_JSON;
            if (st != ACME2__JS_NEXT && st != (want_obj ? ACME2__JS_KEY_END : ACME2__JS_VALUE_END))
                return ACME2_ERR_JSON;
            if (out) {
                out[cur].end = (int)(p + 1 - base);
                cur = out[cur].parent;
                if (cur >= 0 && out[cur].type == ACME2_JSON_STRING) cur = out[cur].parent;
            }
            depth--;
            in_obj = depth ? (kinds[(depth - 1) >> 3] >> ((depth - 1) & 7)) & 1 : 0;
            st = depth ? ACME2__JS_NEXT : ACME2__JS_DONE;
            p++;
            continue;
        }
        case '"':
            /* Keys and string values share one scan (one call site, which
               compilers inline). */
            if (st > ACME2__JS_KEY_END) return ACME2_ERR_JSON;
            q = acme2__json_string(p + 1, e);
            if (!q) return ACME2_ERR_JSON;
            if (st >= ACME2__JS_KEY) {
                if (out) {
                    if (n >= max_toks) {
                        out = NULL;
                    } else {
                        acme2_json_tok *t = out + n;
                        t->type = ACME2_JSON_STRING;
                        t->start = (int)(p + 1 - base);
                        t->end = (int)(q - base);
                        t->size = 1;
                        t->parent = cur;
                        out[cur].size++;
                        cur = n;
                    }
                }
                n++;
                st = ACME2__JS_COLON;
                p = q + 1;
                continue;
            }
            type = ACME2_JSON_STRING;
            ts = (int)(p + 1 - base);
            te = (int)(q - base);
            p = q + 1;
            break;
        case '{':
        case '[':
            if (st > ACME2__JS_VALUE_END) return ACME2_ERR_JSON;
            if (depth >= ACME2_JSON_MAX_DEPTH) return ACME2_ERR_JSON_DEPTH;
            type = (c == '{') ? ACME2_JSON_OBJECT : ACME2_JSON_ARRAY;
            ts = (int)(p - base);
            te = -1; /* set when the bracket closes */
            p++;
            break;
        case '-': case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
            if (st > ACME2__JS_VALUE_END) return ACME2_ERR_JSON;
            q = acme2__json_number(p, e);
            if (!q) return ACME2_ERR_JSON;
            type = ACME2_JSON_NUMBER;
            ts = (int)(p - base);
            te = (int)(q - base);
            p = q;
            break;
        case 't':
            if (st > ACME2__JS_VALUE_END || e - p < 4 || ACME2_MEMCMP(p, "true", 4)) return ACME2_ERR_JSON;
            type = ACME2_JSON_TRUE;
            ts = (int)(p - base);
            te = ts + 4;
            p += 4;
            break;
        case 'f':
            if (st > ACME2__JS_VALUE_END || e - p < 5 || ACME2_MEMCMP(p, "false", 5)) return ACME2_ERR_JSON;
            type = ACME2_JSON_FALSE;
            ts = (int)(p - base);
            te = ts + 5;
            p += 5;
            break;
        case 'n':
            if (st > ACME2__JS_VALUE_END || e - p < 4 || ACME2_MEMCMP(p, "null", 4)) return ACME2_ERR_JSON;
            type = ACME2_JSON_NULL;
            ts = (int)(p - base);
            te = ts + 4;
            p += 4;
            break;
        default:
            return ACME2_ERR_JSON;
        }

        /* A value: the root, an array element or the value of a member
           (then cur is its key). The state was checked above. */
        if (out) {
            if (n >= max_toks) {
                out = NULL;
            } else {
                acme2_json_tok *t = out + n;
                t->type = type;
                t->start = ts;
                t->end = te;
                t->size = 0;
                t->parent = cur;
                if (depth && !in_obj) out[cur].size++;
            }
        }
        n++;
        if (type == ACME2_JSON_OBJECT || type == ACME2_JSON_ARRAY) {
            if (type == ACME2_JSON_OBJECT) kinds[depth >> 3] |= (unsigned char)(1u << (depth & 7));
            else kinds[depth >> 3] &= (unsigned char)~(1u << (depth & 7));
            depth++;
            in_obj = (type == ACME2_JSON_OBJECT);
            st = in_obj ? ACME2__JS_KEY_END : ACME2__JS_VALUE_END;
            if (out) cur = n - 1;
        } else {
            st = depth ? ACME2__JS_NEXT : ACME2__JS_DONE;
            if (out && in_obj) cur = out[cur].parent;
        }
    }
    if (st != ACME2__JS_DONE) return ACME2_ERR_JSON;
    if (toks && !out) return ACME2_ERR_NOSPACE;
    return n;
}

/* A key is a string token of size 1; its value, the token after it, is
   nested in it. Containers are skipped by binary search on offsets:
   tokens are in document order, so the first token starting at or after
   the container's end is the one after it. O(log ntok). */
ACME2_DEF int acme2_json_next(const acme2_json_tok *toks, int ntok, int i)
{
    int lo, hi, end;
    if (!toks || i < 0 || i >= ntok) return ntok;
    if (toks[i].type == ACME2_JSON_STRING && toks[i].size == 1 && ++i >= ntok) return ntok;
    if (toks[i].type != ACME2_JSON_OBJECT && toks[i].type != ACME2_JSON_ARRAY) return i + 1;
    end = toks[i].end;
    if (end <= toks[i].start) return ntok; /* never closed (tokens of a failed parse) */
    lo = i + 1;
    hi = ntok;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (toks[mid].start < end) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

ACME2_DEF int acme2_json_at(const acme2_json_tok *toks, int ntok, int arr, int k)
{
    int j;
    if (arr < 0) return arr;
    if (!toks || arr >= ntok) return ACME2_ERR_PARAM;
    if (toks[arr].type != ACME2_JSON_ARRAY) return ACME2_ERR_TYPE;
    if (k < 0 || k >= toks[arr].size) return ACME2_ERR_NOT_FOUND;
    j = arr + 1;
    while (k-- > 0 && j < ntok) j = acme2_json_next(toks, ntok, j);
    if (j >= ntok || toks[j].parent != arr) return ACME2_ERR_NOT_FOUND;
    return j;
}

/* Decodes one character of the string body s[*pos..end) into u (1 to 4
   bytes of UTF-8; raw bytes pass one at a time). Returns the byte count,
   or -1 for a malformed or truncated escape, a lone surrogate or \u0000. */
static int acme2__json_unescape1(const unsigned char *s, int *pos, int end, unsigned char *u)
{
    int i = *pos, cp, lo;
    unsigned c = s[i];
    if (c != '\\') {
        u[0] = (unsigned char)c;
        *pos = i + 1;
        return 1;
    }
    if (end - i < 2) return -1;
    switch (s[i + 1]) {
    case '"': u[0] = '"'; break;
    case '\\': u[0] = '\\'; break;
    case '/': u[0] = '/'; break;
    case 'b': u[0] = '\b'; break;
    case 'f': u[0] = '\f'; break;
    case 'n': u[0] = '\n'; break;
    case 'r': u[0] = '\r'; break;
    case 't': u[0] = '\t'; break;
    case 'u':
        if (end - i < 6 || (cp = acme2__json_hex4(s + i + 2)) < 0) return -1;
        i += 6;
        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (end - i < 6 || s[i] != '\\' || s[i + 1] != 'u') return -1;
            lo = acme2__json_hex4(s + i + 2);
            if (lo < 0xdc00 || lo > 0xdfff) return -1;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i += 6;
        } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            return -1;
        }
        *pos = i;
        if (cp == 0) return -1;
        if (cp < 0x80) {
            u[0] = (unsigned char)cp;
            return 1;
        }
        if (cp < 0x800) {
            u[0] = (unsigned char)(0xc0 | (cp >> 6));
            u[1] = (unsigned char)(0x80 | (cp & 0x3f));
            return 2;
        }
        if (cp < 0x10000) {
            u[0] = (unsigned char)(0xe0 | (cp >> 12));
            u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
            u[2] = (unsigned char)(0x80 | (cp & 0x3f));
            return 3;
        }
        u[0] = (unsigned char)(0xf0 | (cp >> 18));
        u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (unsigned char)(0x80 | (cp & 0x3f));
        return 4;
    default:
        return -1;
    }
    *pos = i + 2;
    return 1;
}

/* 1 when string token t, unescaped, is the wlen bytes at want. Unescaping
   never lengthens a string, so a raw body shorter than want cannot match
   and one of the same length matches only byte for byte without escapes. */
static int acme2__json_eqn(const unsigned char *s, const acme2_json_tok *t, const char *want, size_t wlen)
{
    int pos = t->start, end = t->end;
    size_t k = 0;
    if (t->type != ACME2_JSON_STRING || pos < 0 || end < pos) return 0;
    if ((size_t)(end - pos) < wlen) return 0;
    if ((size_t)(end - pos) == wlen)
        return ACME2_MEMCMP(s + pos, want, wlen) == 0 && !memchr(want, '\\', wlen);
    while (pos < end) {
        unsigned char u[4];
        int m = acme2__json_unescape1(s, &pos, end, u);
        if (m < 0 || wlen - k < (size_t)m || ACME2_MEMCMP(u, want + k, (size_t)m)) return 0;
        k += (size_t)m;
    }
    return k == wlen;
}

ACME2_DEF int acme2_json_eq(const char *js, const acme2_json_tok *t, const char *s)
{
    if (!js || !t || !s) return 0;
    return acme2__json_eqn((const unsigned char *)js, t, s, strlen(s));
}

/* Visits every member (duplicates of the key are searched for, not just
   the first match): O(members * log ntok + bytes of the keys compared). */
ACME2_DEF int acme2_json_get(const char *js, const acme2_json_tok *toks, int ntok, int obj, const char *key)
{
    int j, m, found = ACME2_ERR_NOT_FOUND;
    size_t klen;
    if (obj < 0) return obj;
    if (!js || !toks || !key || obj >= ntok) return ACME2_ERR_PARAM;
    if (toks[obj].type != ACME2_JSON_OBJECT) return ACME2_ERR_TYPE;
    klen = strlen(key);
    j = obj + 1;
    /* next() always moves forward, so this ends within ntok steps even if
       size lies. */
    for (m = 0; m < toks[obj].size && j < ntok - 1; m++) {
        if (toks[j].parent == obj && acme2__json_eqn((const unsigned char *)js, toks + j, key, klen)) {
            if (found >= 0) return ACME2_ERR_JSON;
            found = j + 1;
        }
        j = acme2_json_next(toks, ntok, j);
    }
    return found;
}

ACME2_DEF int acme2_json_str(const char *js, const acme2_json_tok *t, char *out, size_t out_size)
{
    const unsigned char *s = (const unsigned char *)js;
    unsigned char u[4];
    int pos, need = 0, m, escaped;
    if (!js || !t) return ACME2_ERR_PARAM;
    if (t->type != ACME2_JSON_STRING) return ACME2_ERR_TYPE;
    if (t->start < 0 || t->end < t->start) return ACME2_ERR_PARAM;
    escaped = memchr(s + t->start, '\\', (size_t)(t->end - t->start)) != NULL;
    if (!escaped) {
        need = t->end - t->start;
    } else {
        /* Measure first so a failure leaves out untouched. */
        for (pos = t->start; pos < t->end; need += m)
            if ((m = acme2__json_unescape1(s, &pos, t->end, u)) < 0) return ACME2_ERR_JSON;
    }
    if (!out) return need;
    if ((size_t)need >= out_size) return ACME2_ERR_NOSPACE;
    if (!escaped) {
        if (need) ACME2_MEMCPY(out, s + t->start, (size_t)need);
    } else {
        char *o = out;
        for (pos = t->start; pos < t->end; o += m) {
            m = acme2__json_unescape1(s, &pos, t->end, u);
            ACME2_MEMCPY(o, u, (size_t)m);
        }
    }
    out[need] = 0;
    return need;
}

ACME2_DEF int acme2_json_int(const char *js, const acme2_json_tok *t, long long *out)
{
    const unsigned char *p, *e;
    unsigned long long v = 0, lim = (unsigned long long)LLONG_MAX;
    int neg = 0, over = 0;
    if (!js || !t || !out) return ACME2_ERR_PARAM;
    if (t->type != ACME2_JSON_NUMBER) return ACME2_ERR_TYPE;
    if (t->start < 0 || t->end <= t->start) return ACME2_ERR_PARAM;
    p = (const unsigned char *)js + t->start;
    e = (const unsigned char *)js + t->end;
    if (*p == '-') {
        neg = 1;
        lim += 1; /* |LLONG_MIN| */
        p++;
    }
    if (p == e) return ACME2_ERR_TYPE;
    /* Scan to the end even after an overflow: a fraction or exponent makes
       it a type error whatever its size. */
    for (; p < e; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (d > 9) return ACME2_ERR_TYPE;
        if (over) continue;
        if (v > (lim - d) / 10) over = 1;
        else v = v * 10 + d;
    }
    if (over) return ACME2_ERR_RANGE;
    /* v - 1 keeps LLONG_MIN from overflowing on the way. */
    *out = (neg && v) ? -(long long)(v - 1) - 1 : (long long)v;
    return 0;
}

ACME2_DEF int acme2_json_bool(const acme2_json_tok *t, int *out)
{
    if (!t || !out) return ACME2_ERR_PARAM;
    if (t->type == ACME2_JSON_TRUE) *out = 1;
    else if (t->type == ACME2_JSON_FALSE) *out = 0;
    else return ACME2_ERR_TYPE;
    return 0;
}
