/* == der == (implementation) */

/* DER tags used here (X.690 section 8; universal class unless noted). */
#define ACME2__T_BOOLEAN   0x01
#define ACME2__T_INTEGER   0x02
#define ACME2__T_BITS      0x03
#define ACME2__T_OCTETS    0x04
#define ACME2__T_NULL      0x05
#define ACME2__T_OID       0x06
#define ACME2__T_UTF8      0x0c
#define ACME2__T_UTCTIME   0x17
#define ACME2__T_GENTIME   0x18
#define ACME2__T_SEQUENCE  0x30
#define ACME2__T_SET       0x31
#define ACME2__T_CTX0      0xa0  /* [0] constructed */
#define ACME2__T_CTX3      0xa3  /* [3] constructed */
#define ACME2__T_GN_DNS    0x82  /* GeneralName dNSName: [2] IMPLICIT IA5String */
#define ACME2__T_GN_IP     0x87  /* GeneralName iPAddress: [7] IMPLICIT OCTET STRING */

/* Object identifiers as complete DER TLVs. */
static const unsigned char acme2__der_oid_cn[] = { 0x06, 0x03, 0x55, 0x04, 0x03 };             /* 2.5.4.3 */
static const unsigned char acme2__der_oid_san[] = { 0x06, 0x03, 0x55, 0x1d, 0x11 };            /* 2.5.29.17 */
static const unsigned char acme2__der_oid_aki[] = { 0x06, 0x03, 0x55, 0x1d, 0x23 };            /* 2.5.29.35 */
static const unsigned char acme2__der_oid_ext_req[] =                                           /* 1.2.840.113549.1.9.14 */
    { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e };
static const unsigned char acme2__der_oid_acme_id[] =                                           /* 1.3.6.1.5.5.7.1.31 */
    { 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x1f };
static const unsigned char acme2__der_oid_rsa[] =                                               /* 1.2.840.113549.1.1.1 */
    { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };

/* Signature AlgorithmIdentifiers (RFC 5758 section 3.2: ECDSA without
   parameters; RFC 4055 section 5: RSA with NULL parameters). */
static const unsigned char acme2__der_alg_ecdsa_sha256[] =
    { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
static const unsigned char acme2__der_alg_ecdsa_sha384[] =
    { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 };
#ifndef ACME2_NO_RSA
static const unsigned char acme2__der_alg_rsa_sha256[] =
    { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 };
#endif

/* Largest signature handled: an RSA modulus, or an ECDSA P-384 raw r||s
   (96 bytes) that grows by up to 9 bytes when converted to ASN.1. */
#ifndef ACME2_NO_RSA
#define ACME2__SIG_MAX (ACME2_RSA_MAX_BITS / 8 > 112 ? ACME2_RSA_MAX_BITS / 8 : 112)
#else
#define ACME2__SIG_MAX 112
#endif

/* Largest SubjectPublicKeyInfo of a key we hold: the RSA modulus plus about
   40 bytes of structure and exponent; P-384 needs 120. */
#ifndef ACME2_NO_RSA
#define ACME2__SPKI_MAX (ACME2_RSA_MAX_BITS / 8 + 64)
#else
#define ACME2__SPKI_MAX 128
#endif

/* strlen that stops after max bytes (max + 1 means "too long"). */
static size_t acme2__der_strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n]) n++;
    return n;
}

static unsigned char acme2__der_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* ASCII case-insensitive equality of two byte strings. */
static int acme2__der_eq_nocase(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    size_t i;
    if (an != bn) return 0;
    for (i = 0; i < an; i++)
        if (acme2__der_lower(a[i]) != acme2__der_lower(b[i])) return 0;
    return 1;
}

/* ---- writer ----
   The one way this library writes DER: back to front. A structure is
   written from its last field to its first into the end of the buffer, so
   when the header of a constructed value goes in front of its content the
   content's length is already known: no second pass, no recursion. With
   buf == NULL the writer only counts, which gives exact sizes without
   producing anything (and without signing). */
typedef struct acme2__dw {
    unsigned char *buf;  /* NULL: count only */
    size_t cap;          /* size of buf */
    size_t len;          /* bytes written (or counted) at the end of buf */
    int err;             /* first error, sticky */
} acme2__dw;

static void acme2__dw_init(acme2__dw *w, unsigned char *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->len = 0;
    w->err = 0;
}

/* Claims n bytes in front of what is written. Returns where they go, or
   NULL when counting or on error (then the error is recorded). */
static unsigned char *acme2__dw_reserve(acme2__dw *w, size_t n)
{
    if (w->err) return NULL;
    if (n > (size_t)INT_MAX - w->len) {
        w->err = ACME2_ERR_NOSPACE;
        return NULL;
    }
    w->len += n;
    if (!w->buf) return NULL;
    if (w->len > w->cap) {
        w->err = ACME2_ERR_NOSPACE;
        return NULL;
    }
    return w->buf + (w->cap - w->len);
}

static void acme2__dw_raw(acme2__dw *w, const void *p, size_t n)
{
    unsigned char *d = acme2__dw_reserve(w, n);
    if (d && n) ACME2_MEMCPY(d, p, n);
}

static void acme2__dw_byte(acme2__dw *w, unsigned char b)
{
    acme2__dw_raw(w, &b, 1);
}

/* Bytes of a DER length field for a content of n bytes. */
static size_t acme2__der_len_size(size_t n)
{
    size_t k = 1;
    if (n >= 0x80)
        while (n) {
            k++;
            n >>= 8;
        }
    return k;
}

/* Size of a whole TLV with n content bytes. */
static size_t acme2__der_tlv_size(size_t n)
{
    return 1 + acme2__der_len_size(n) + n;
}

/* Writes a tag and the definite, minimal length of n content bytes. */
static void acme2__dw_header(acme2__dw *w, unsigned char tag, size_t n)
{
    unsigned char h[2 + sizeof(size_t)];
    size_t k = acme2__der_len_size(n), i;
    h[0] = tag;
    if (k == 1) {
        h[1] = (unsigned char)n;
    } else {
        h[1] = (unsigned char)(0x80 | (k - 1));
        for (i = k; i >= 2; i--) {
            h[i] = (unsigned char)(n & 0xff);
            n >>= 8;
        }
    }
    acme2__dw_raw(w, h, 1 + k);
}

/* Puts the header of a value whose content is everything written since
   mark (w->len when the content started). */
static void acme2__dw_close(acme2__dw *w, unsigned char tag, size_t mark)
{
    if (!w->err) acme2__dw_header(w, tag, w->len - mark);
}

/* A whole primitive TLV. */
static void acme2__dw_tlv(acme2__dw *w, unsigned char tag, const void *p, size_t n)
{
    acme2__dw_raw(w, p, n);
    acme2__dw_header(w, tag, n);
}

/* ---- reader ----
   A cursor over the content of one container. Every TLV read is checked
   against what remains of that container; lengths must be definite and
   minimal (X.690 section 10.1) and at most four bytes long; tags above 30
   (multi-byte tag numbers) are refused because nothing read here uses them. */
typedef struct acme2__dr {
    const unsigned char *p;
    size_t n;
} acme2__dr;

static int acme2__dr_next(acme2__dr *r, unsigned char *tag, acme2__dr *val)
{
    const unsigned char *p = r->p;
    size_t n = r->n, len, k = 0, i;
    if (n < 2) return ACME2_ERR_DER;
    if ((p[0] & 0x1f) == 0x1f) return ACME2_ERR_DER;
    if (p[1] < 0x80) {
        len = p[1];
    } else {
        k = p[1] & 0x7f;
        if (k == 0) return ACME2_ERR_DER;                  /* indefinite length */
        if (k > 4 || k > sizeof(size_t)) return ACME2_ERR_DER;
        if (n - 2 < k) return ACME2_ERR_DER;
        if (p[2] == 0) return ACME2_ERR_DER;              /* leading zero: not minimal */
        len = 0;
        for (i = 0; i < k; i++) len = (len << 8) | p[2 + i];
        if (len < 0x80) return ACME2_ERR_DER;             /* long form where short fits */
    }
    if (len > n - 2 - k) return ACME2_ERR_DER;
    *tag = p[0];
    val->p = p + 2 + k;
    val->n = len;
    r->p += 2 + k + len;
    r->n -= 2 + k + len;
    return 0;
}

/* Reads the next TLV and requires its tag. */
static int acme2__dr_expect(acme2__dr *r, unsigned char tag, acme2__dr *val)
{
    unsigned char t;
    if (acme2__dr_next(r, &t, val) || t != tag) return ACME2_ERR_DER;
    return 0;
}

/* Tag of the next TLV, or -1 at the end. */
static int acme2__dr_peek(const acme2__dr *r)
{
    return r->n ? r->p[0] : -1;
}

/* An INTEGER's content must be minimal (X.690 section 8.3.2). */
static int acme2__der_int_minimal(const acme2__dr *v)
{
    if (v->n == 0) return 0;
    if (v->n > 1 && ((v->p[0] == 0x00 && !(v->p[1] & 0x80)) || (v->p[0] == 0xff && (v->p[1] & 0x80)))) return 0;
    return 1;
}

/* Reads a UTCTime "YYMMDDHHMMSSZ" (RFC 5280 section 4.1.2.5.1: YY < 50
   means 20YY, else 19YY) or GeneralizedTime "YYYYMMDDHHMMSSZ" (section
   4.1.2.5.2: no fractions). Every field is range-checked. */
static int acme2__der_time_read(unsigned char tag, const acme2__dr *v, int64_t *t)
{
    const unsigned char *s = v->p;
    size_t n = v->n, i;
    int64_t y;
    unsigned f[5];
    if (!((tag == ACME2__T_UTCTIME && n == 13) || (tag == ACME2__T_GENTIME && n == 15))) return ACME2_ERR_DER;
    if (s[n - 1] != 'Z') return ACME2_ERR_DER;
    for (i = 0; i + 1 < n; i++)
        if (s[i] < '0' || s[i] > '9') return ACME2_ERR_DER;
    if (tag == ACME2__T_UTCTIME) {
        y = (s[0] - '0') * 10 + (s[1] - '0');
        y += y < 50 ? 2000 : 1900;
        s += 2;
    } else {
        y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
        s += 4;
    }
    for (i = 0; i < 5; i++) f[i] = (unsigned)((s[2 * i] - '0') * 10 + (s[2 * i + 1] - '0'));
    /* f: month, day, hour, minute, second */
    if (f[0] < 1 || f[0] > 12 || f[1] < 1 || f[1] > acme2__days_in_month(y, f[0])) return ACME2_ERR_DER;
    if (f[2] > 23 || f[3] > 59 || f[4] > 59) return ACME2_ERR_DER;
    *t = acme2__days_from_civil(y, f[0], f[1]) * 86400 + (int64_t)f[2] * 3600 + (int64_t)f[3] * 60 + f[4];
    return 0;
}

/* Unix times of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years a
   GeneralizedTime can hold. */
#define ACME2__TIME_MIN (-62167219200LL)
#define ACME2__TIME_MAX 253402300799LL

/* Writes t (within ACME2__TIME_MIN..MAX) as UTCTime for the years
   1950..2049 and as GeneralizedTime otherwise (RFC 5280 section 4.1.2.5). */
static void acme2__dw_time(acme2__dw *w, int64_t t)
{
    char s[15];
    int64_t days = t / 86400, secs = t % 86400, y;
    unsigned m, d, f[5], i, k = 0;
    if (secs < 0) {
        secs += 86400;
        days -= 1;
    }
    acme2__civil_from_days(days, &y, &m, &d);
    f[0] = m;
    f[1] = d;
    f[2] = (unsigned)(secs / 3600);
    f[3] = (unsigned)(secs / 60 % 60);
    f[4] = (unsigned)(secs % 60);
    if (y >= 1950 && y <= 2049) {
        s[k++] = (char)('0' + y / 10 % 10);
        s[k++] = (char)('0' + y % 10);
    } else {
        s[k++] = (char)('0' + y / 1000 % 10);
        s[k++] = (char)('0' + y / 100 % 10);
        s[k++] = (char)('0' + y / 10 % 10);
        s[k++] = (char)('0' + y % 10);
    }
    for (i = 0; i < 5; i++) {
        s[k++] = (char)('0' + f[i] / 10);
        s[k++] = (char)('0' + f[i] % 10);
    }
    s[k++] = 'Z';
    acme2__dw_tlv(w, (y >= 1950 && y <= 2049) ? ACME2__T_UTCTIME : ACME2__T_GENTIME, s, k);
}

/* ---- IP addresses and DNS names ---- */

/* Strict dotted quad: exactly four decimal numbers 0..255 without leading
   zeros, separated by single dots, spanning all n bytes. */
static int acme2__der_ipv4_parse(const char *s, size_t n, unsigned char out[4])
{
    size_t i = 0;
    int part;
    for (part = 0; part < 4; part++) {
        size_t start = i;
        unsigned v = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 3) v = v * 10 + (unsigned)(s[i++] - '0');
        if (i == start || v > 255) return ACME2_ERR_IDENTIFIER;
        if (i - start > 1 && s[start] == '0') return ACME2_ERR_IDENTIFIER;
        out[part] = (unsigned char)v;
        if (part < 3) {
            if (i >= n || s[i] != '.') return ACME2_ERR_IDENTIFIER;
            i++;
        }
    }
    return i == n ? 4 : ACME2_ERR_IDENTIFIER;
}

static int acme2__der_hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Longest valid address text: six 4-digit groups and a dotted quad (45). */
#define ACME2__IP_TEXT_LIMIT 64

ACME2_DEF int acme2_ip_parse(const char *text, unsigned char out[16])
{
    unsigned char b[16];
    unsigned g[8];
    size_t n, i = 0;
    int ng = 0, gap = -1, k;
    if (!text || !out) return ACME2_ERR_IDENTIFIER;
    n = acme2__der_strnlen(text, ACME2__IP_TEXT_LIMIT);
    if (n == 0 || n > ACME2__IP_TEXT_LIMIT) return ACME2_ERR_IDENTIFIER;
    if (!memchr(text, ':', n)) {
        if (acme2__der_ipv4_parse(text, n, b) != 4) return ACME2_ERR_IDENTIFIER;
        ACME2_MEMCPY(out, b, 4);
        return 4;
    }
    /* RFC 4291 section 2.2. */
    if (text[0] == ':') {
        if (n < 2 || text[1] != ':') return ACME2_ERR_IDENTIFIER;
        gap = 0;
        i = 2;
    }
    while (i < n) {
        size_t start = i;
        unsigned v = 0;
        while (i < n && i - start < 5 && acme2__der_hex_value(text[i]) >= 0) v = v * 16 + (unsigned)acme2__der_hex_value(text[i++]);
        if (i < n && text[i] == '.') {
            /* Dotted-quad tail: the last 32 bits, ending the text. */
            if (ng > 6 || (gap >= 0 && ng > 5)) return ACME2_ERR_IDENTIFIER;
            if (acme2__der_ipv4_parse(text + start, n - start, b) != 4) return ACME2_ERR_IDENTIFIER;
            g[ng++] = (unsigned)b[0] << 8 | b[1];
            g[ng++] = (unsigned)b[2] << 8 | b[3];
            i = n;
            break;
        }
        if (i == start || i - start > 4 || ng == 8) return ACME2_ERR_IDENTIFIER;
        g[ng++] = v;
        if (i == n) break;
        if (text[i] != ':') return ACME2_ERR_IDENTIFIER;
        i++;
        if (i < n && text[i] == ':') {
            if (gap >= 0) return ACME2_ERR_IDENTIFIER;
            gap = ng;
            i++;
        } else if (i == n) {
            return ACME2_ERR_IDENTIFIER; /* a single trailing colon */
        }
    }
    /* Without "::" all eight groups; "::" stands for at least one. */
    if (gap < 0 ? ng != 8 : ng > 7) return ACME2_ERR_IDENTIFIER;
    ACME2_MEMSET(b, 0, sizeof b);
    for (k = 0; k < ng; k++) {
        int at = (gap >= 0 && k >= gap) ? 8 - (ng - k) : k;
        b[2 * at] = (unsigned char)(g[k] >> 8);
        b[2 * at + 1] = (unsigned char)(g[k] & 0xff);
    }
    ACME2_MEMCPY(out, b, 16);
    return 16;
}

/* Appends the decimal text of v (0..255). */
static size_t acme2__der_put_dec8(char *p, unsigned v)
{
    size_t k = 0;
    if (v >= 100) p[k++] = (char)('0' + v / 100);
    if (v >= 10) p[k++] = (char)('0' + v / 10 % 10);
    p[k++] = (char)('0' + v % 10);
    return k;
}

ACME2_DEF int acme2_ip_format(const unsigned char *ip, size_t ip_len, char *out, size_t out_size)
{
    static const char hex[] = "0123456789abcdef";
    char t[48];
    size_t k = 0;
    int i;
    if (!ip || !out || (ip_len != 4 && ip_len != 16)) return ACME2_ERR_PARAM;
    if (ip_len == 4) {
        for (i = 0; i < 4; i++) {
            if (i) t[k++] = '.';
            k += acme2__der_put_dec8(t + k, ip[i]);
        }
    } else {
        static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        if (ACME2_MEMCMP(ip, mapped, 12) == 0) {
            /* RFC 5952 section 5: IPv4-mapped addresses keep the dotted quad. */
            ACME2_MEMCPY(t, "::ffff:", 7);
            k = 7;
            for (i = 12; i < 16; i++) {
                if (i > 12) t[k++] = '.';
                k += acme2__der_put_dec8(t + k, ip[i]);
            }
        } else {
            /* RFC 5952 section 4.2: the longest run (first of equals) of two
               or more zero groups becomes "::". */
            int best = -1, best_len = 1, run = 0;
            for (i = 0; i < 8; i++) {
                if (ip[2 * i] == 0 && ip[2 * i + 1] == 0) {
                    run++;
                    if (run > best_len) {
                        best_len = run;
                        best = i - run + 1;
                    }
                } else {
                    run = 0;
                }
            }
            for (i = 0; i < 8;) {
                unsigned v = (unsigned)ip[2 * i] << 8 | ip[2 * i + 1];
                int shift, started = 0;
                if (i == best) {
                    t[k++] = ':';
                    t[k++] = ':';
                    i += best_len;
                    continue;
                }
                if (i > 0 && i != best + best_len) t[k++] = ':';
                for (shift = 12; shift >= 0; shift -= 4) {
                    unsigned nib = (v >> shift) & 15;
                    if (nib || started || shift == 0) {
                        t[k++] = hex[nib];
                        started = 1;
                    }
                }
                i++;
            }
        }
    }
    if (out_size < k + 1) return ACME2_ERR_NOSPACE;
    ACME2_MEMCPY(out, t, k);
    out[k] = 0;
    return (int)k;
}

/* A DNS identifier (see acme2_identifier_check); its length in *len. */
static int acme2__der_dns_check(const char *s, size_t *len)
{
    unsigned char ip[16];
    size_t n, i = 0, label;
    if (!s) return ACME2_ERR_IDENTIFIER;
    n = acme2__der_strnlen(s, 253);
    if (n == 0 || n > 253) return ACME2_ERR_IDENTIFIER;
    if (s[0] == '*') {
        if (n < 3 || s[1] != '.') return ACME2_ERR_IDENTIFIER;
        i = 2;
    }
    label = i;
    for (; i <= n; i++) {
        char c = i < n ? s[i] : '.';
        if (c == '.') {
            if (i == label || i - label > 63) return ACME2_ERR_IDENTIFIER;
            if (s[label] == '-' || s[i - 1] == '-') return ACME2_ERR_IDENTIFIER;
            label = i + 1;
        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
            return ACME2_ERR_IDENTIFIER;
        }
    }
    /* An IPv4 address is an "ip" identifier (RFC 8738), never a DNS name. */
    if (acme2__der_ipv4_parse(s, n, ip) == 4) return ACME2_ERR_IDENTIFIER;
    *len = n;
    return 0;
}

ACME2_DEF int acme2_identifier_check(const acme2_identifier *id)
{
    unsigned char ip[16];
    size_t n;
    if (!id || !id->value) return ACME2_ERR_IDENTIFIER;
    if (id->type == ACME2_ID_DNS) return acme2__der_dns_check(id->value, &n);
    if (id->type == ACME2_ID_IP) return acme2_ip_parse(id->value, ip) < 0 ? ACME2_ERR_IDENTIFIER : 0;
    return ACME2_ERR_IDENTIFIER;
}

/* ---- certificate reader ---- */

/* Checks a GeneralNames sequence's content: one or more context-specific
   names [0]..[8] (RFC 5280 section 4.2.1.6), dNSName and iPAddress in
   their primitive forms, iPAddress of 4 or 16 bytes. */
static int acme2__der_general_names(acme2__dr gn)
{
    if (gn.n == 0) return ACME2_ERR_DER;
    while (gn.n) {
        unsigned char tag;
        acme2__dr item;
        if (acme2__dr_next(&gn, &tag, &item)) return ACME2_ERR_DER;
        if ((tag & 0xc0) != 0x80 || (tag & 0x1f) > 8) return ACME2_ERR_DER;
        if ((tag & 0x1f) == 2 && tag != ACME2__T_GN_DNS) return ACME2_ERR_DER;
        if ((tag & 0x1f) == 7 && (tag != ACME2__T_GN_IP || (item.n != 4 && item.n != 16))) return ACME2_ERR_DER;
    }
    return 0;
}

/* Reads one Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT
   FALSE, extnValue OCTET STRING }. */
static int acme2__der_extension(acme2__dr *exts, acme2__dr *oid, acme2__dr *value)
{
    acme2__dr x, b;
    if (acme2__dr_expect(exts, ACME2__T_SEQUENCE, &x)) return ACME2_ERR_DER;
    if (acme2__dr_expect(&x, ACME2__T_OID, oid) || oid->n == 0) return ACME2_ERR_DER;
    if (acme2__dr_peek(&x) == ACME2__T_BOOLEAN) {
        if (acme2__dr_expect(&x, ACME2__T_BOOLEAN, &b) || b.n != 1 || (b.p[0] != 0x00 && b.p[0] != 0xff))
            return ACME2_ERR_DER;
    }
    if (acme2__dr_expect(&x, ACME2__T_OCTETS, value) || x.n) return ACME2_ERR_DER;
    return 0;
}

static int acme2__der_oid_is(const acme2__dr *oid, const unsigned char *tlv, size_t tlv_len)
{
    return oid->n == tlv_len - 2 && ACME2_MEMCMP(oid->p, tlv + 2, oid->n) == 0;
}

/* The [3] extensions: bounded count, no OID twice, and the two we use
   (subjectAltName, authorityKeyIdentifier) checked inside. */
static int acme2__der_extensions(acme2__dr exts, acme2_cert_info *ci)
{
    const acme2__dr all = exts;
    int count = 0;
    if (exts.n == 0) return ACME2_ERR_DER; /* SIZE (1..MAX) */
    while (exts.n) {
        acme2__dr oid, value, scan = all, o2, v2;
        const unsigned char *current = exts.p;
        if (++count > ACME2_MAX_EXTENSIONS) return ACME2_ERR_DER;
        if (acme2__der_extension(&exts, &oid, &value)) return ACME2_ERR_DER;
        /* RFC 5280 section 4.2: at most one instance of an extension.
           Re-reading the earlier ones stops exactly at the current one. */
        while (scan.p < current) {
            if (acme2__der_extension(&scan, &o2, &v2)) return ACME2_ERR_DER;
            if (o2.n == oid.n && ACME2_MEMCMP(o2.p, oid.p, oid.n) == 0) return ACME2_ERR_DER;
        }
        if (acme2__der_oid_is(&oid, acme2__der_oid_san, sizeof acme2__der_oid_san)) {
            acme2__dr gn;
            if (acme2__dr_expect(&value, ACME2__T_SEQUENCE, &gn) || value.n) return ACME2_ERR_DER;
            if (acme2__der_general_names(gn)) return ACME2_ERR_DER;
            ci->san = gn.p;
            ci->san_len = gn.n;
        } else if (acme2__der_oid_is(&oid, acme2__der_oid_aki, sizeof acme2__der_oid_aki)) {
            /* AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0]
               IMPLICIT OCTET STRING OPTIONAL, authorityCertIssuer [1]
               OPTIONAL, authorityCertSerialNumber [2] OPTIONAL } */
            acme2__dr a, part;
            if (acme2__dr_expect(&value, ACME2__T_SEQUENCE, &a) || value.n) return ACME2_ERR_DER;
            if (acme2__dr_peek(&a) == 0x80) {
                if (acme2__dr_expect(&a, 0x80, &part) || part.n == 0) return ACME2_ERR_DER;
                ci->aki = part.p;
                ci->aki_len = part.n;
            }
            if (acme2__dr_peek(&a) == 0xa1 && acme2__dr_expect(&a, 0xa1, &part)) return ACME2_ERR_DER;
            if (acme2__dr_peek(&a) == 0x82 && acme2__dr_expect(&a, 0x82, &part)) return ACME2_ERR_DER;
            if (a.n) return ACME2_ERR_DER;
        }
    }
    return 0;
}

/* SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier,
   subjectPublicKey BIT STRING }; gives the algorithm's OID, its
   parameters (whole TLV, or empty) and the key bits. */
static int acme2__der_spki(acme2__dr spki, acme2__dr *oid, acme2__dr *params, acme2__dr *key)
{
    acme2__dr alg;
    if (acme2__dr_expect(&spki, ACME2__T_SEQUENCE, &alg)) return ACME2_ERR_DER;
    if (acme2__dr_expect(&alg, ACME2__T_OID, oid) || oid->n == 0) return ACME2_ERR_DER;
    *params = alg;
    if (alg.n) {
        acme2__dr p;
        unsigned char tag;
        if (acme2__dr_next(&alg, &tag, &p) || alg.n) return ACME2_ERR_DER;
    }
    if (acme2__dr_expect(&spki, ACME2__T_BITS, key) || key->n < 1 || key->p[0] != 0 || spki.n) return ACME2_ERR_DER;
    return 0;
}

ACME2_DEF int acme2_cert_parse(acme2_cert_info *ci, const void *der, size_t len)
{
    acme2_cert_info r;
    acme2__dr all, cert, tbs, v, x, spki_val, outer_alg, inner_alg;
    unsigned char tag;
    const unsigned char *spki_start;
    int version = 0;
    if (!ci || (!der && len)) return ACME2_ERR_PARAM;
    ACME2_MEMSET(&r, 0, sizeof r);
    all.p = (const unsigned char *)der;
    all.n = len;
    /* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
       signatureValue BIT STRING }, spanning the whole input. */
    if (acme2__dr_expect(&all, ACME2__T_SEQUENCE, &cert) || all.n) return ACME2_ERR_DER;
    if (acme2__dr_expect(&cert, ACME2__T_SEQUENCE, &tbs)) return ACME2_ERR_DER;
    if (acme2__dr_expect(&cert, ACME2__T_SEQUENCE, &outer_alg)) return ACME2_ERR_DER;
    if (acme2__dr_expect(&cert, ACME2__T_BITS, &v) || v.n < 1 || v.p[0] != 0 || cert.n) return ACME2_ERR_DER;

    /* version [0] EXPLICIT INTEGER DEFAULT v1 */
    if (acme2__dr_peek(&tbs) == ACME2__T_CTX0) {
        if (acme2__dr_expect(&tbs, ACME2__T_CTX0, &v) || acme2__dr_expect(&v, ACME2__T_INTEGER, &x) || v.n) return ACME2_ERR_DER;
        if (x.n != 1 || x.p[0] > 2) return ACME2_ERR_DER;
        version = x.p[0];
    }
    if (acme2__dr_expect(&tbs, ACME2__T_INTEGER, &v) || !acme2__der_int_minimal(&v) || v.n > ACME2_MAX_SERIAL)
        return ACME2_ERR_DER;
    r.serial = v.p;
    r.serial_len = v.n;
    /* signature: an AlgorithmIdentifier equal to the outer one (RFC 5280
       section 4.1.1.2). */
    if (acme2__dr_expect(&tbs, ACME2__T_SEQUENCE, &inner_alg)) return ACME2_ERR_DER;
    if (inner_alg.n != outer_alg.n || ACME2_MEMCMP(inner_alg.p, outer_alg.p, inner_alg.n)) return ACME2_ERR_DER;
    if (acme2__dr_expect(&inner_alg, ACME2__T_OID, &x) || x.n == 0) return ACME2_ERR_DER;
    if (acme2__dr_expect(&tbs, ACME2__T_SEQUENCE, &v)) return ACME2_ERR_DER; /* issuer */
    if (acme2__dr_expect(&tbs, ACME2__T_SEQUENCE, &v)) return ACME2_ERR_DER; /* validity */
    if (acme2__dr_next(&v, &tag, &x) || acme2__der_time_read(tag, &x, &r.not_before)) return ACME2_ERR_DER;
    if (acme2__dr_next(&v, &tag, &x) || acme2__der_time_read(tag, &x, &r.not_after) || v.n) return ACME2_ERR_DER;
    if (acme2__dr_expect(&tbs, ACME2__T_SEQUENCE, &v)) return ACME2_ERR_DER; /* subject */
    spki_start = tbs.p;
    if (acme2__dr_expect(&tbs, ACME2__T_SEQUENCE, &spki_val)) return ACME2_ERR_DER;
    r.spki = spki_start;
    r.spki_len = (size_t)(tbs.p - spki_start);
    {
        acme2__dr oid, params, key;
        if (acme2__der_spki(spki_val, &oid, &params, &key)) return ACME2_ERR_DER;
    }
    /* issuerUniqueID [1], subjectUniqueID [2]: v2 or v3 only. */
    if (acme2__dr_peek(&tbs) == 0x81 && (version < 1 || acme2__dr_expect(&tbs, 0x81, &v))) return ACME2_ERR_DER;
    if (acme2__dr_peek(&tbs) == 0x82 && (version < 1 || acme2__dr_expect(&tbs, 0x82, &v))) return ACME2_ERR_DER;
    /* extensions [3] EXPLICIT SEQUENCE OF Extension: v3 only. */
    if (acme2__dr_peek(&tbs) == ACME2__T_CTX3) {
        if (version < 2 || acme2__dr_expect(&tbs, ACME2__T_CTX3, &v)) return ACME2_ERR_DER;
        if (acme2__dr_expect(&v, ACME2__T_SEQUENCE, &x) || v.n) return ACME2_ERR_DER;
        if (acme2__der_extensions(x, &r)) return ACME2_ERR_DER;
    }
    if (tbs.n) return ACME2_ERR_DER;
    *ci = r;
    return 0;
}

ACME2_DEF int acme2_cert_san_next(const acme2_cert_info *ci, size_t *pos, int *type, char *out, size_t out_size)
{
    acme2__dr r, item;
    unsigned char tag;
    if (!ci || !pos || !type || !out) return ACME2_ERR_PARAM;
    if (!ci->san) return 0;
    if (*pos > ci->san_len) return ACME2_ERR_PARAM;
    r.p = ci->san + *pos;
    r.n = ci->san_len - *pos;
    while (r.n) {
        if (acme2__dr_next(&r, &tag, &item)) return ACME2_ERR_DER;
        if ((tag & 0xc0) != 0x80) return ACME2_ERR_DER;
        if (tag == ACME2__T_GN_DNS) {
            size_t i;
            for (i = 0; i < item.n; i++)
                if (item.p[i] < 0x21 || item.p[i] > 0x7e) return ACME2_ERR_DER;
            if (out_size < item.n + 1) return ACME2_ERR_NOSPACE;
            if (item.n) ACME2_MEMCPY(out, item.p, item.n);
            out[item.n] = 0;
            *type = ACME2_ID_DNS;
        } else if (tag == ACME2__T_GN_IP) {
            char text[ACME2_IP_TEXT_MAX];
            int n = acme2_ip_format(item.p, item.n, text, sizeof text);
            if (n < 0) return ACME2_ERR_DER;
            if (out_size < (size_t)n + 1) return ACME2_ERR_NOSPACE;
            ACME2_MEMCPY(out, text, (size_t)n + 1);
            *type = ACME2_ID_IP;
        } else {
            continue;
        }
        *pos = (size_t)(r.p - ci->san);
        return 1;
    }
    *pos = ci->san_len;
    return 0;
}

ACME2_DEF int acme2_cert_covers(const acme2_cert_info *ci, const acme2_identifier *ids, size_t n_ids)
{
    size_t i;
    if (!ci || (!ids && n_ids)) return ACME2_ERR_PARAM;
    for (i = 0; i < n_ids; i++) {
        unsigned char want[16];
        size_t want_len = 0;
        unsigned char want_tag;
        acme2__dr r;
        int found = 0;
        if (ids[i].type == ACME2_ID_DNS) {
            if (acme2__der_dns_check(ids[i].value, &want_len)) return ACME2_ERR_IDENTIFIER;
            want_tag = ACME2__T_GN_DNS;
        } else if (ids[i].type == ACME2_ID_IP) {
            int n = acme2_ip_parse(ids[i].value, want);
            if (n < 0) return ACME2_ERR_IDENTIFIER;
            want_len = (size_t)n;
            want_tag = ACME2__T_GN_IP;
        } else {
            return ACME2_ERR_IDENTIFIER;
        }
        r.p = ci->san;
        r.n = ci->san ? ci->san_len : 0;
        while (r.n && !found) {
            acme2__dr item;
            unsigned char tag;
            if (acme2__dr_next(&r, &tag, &item)) return ACME2_ERR_DER;
            if (tag != want_tag) continue;
            if (tag == ACME2__T_GN_DNS)
                found = acme2__der_eq_nocase(item.p, item.n, (const unsigned char *)ids[i].value, want_len);
            else
                found = item.n == want_len && ACME2_MEMCMP(item.p, want, want_len) == 0;
        }
        if (!found) return ACME2_ERR_CERT_NAMES;
    }
    return 0;
}

/* Same public key in two SubjectPublicKeyInfo encodings: same algorithm
   OID, same parameters, same key bits. For rsaEncryption the parameters
   must be NULL (RFC 3279 section 2.3.1), yet some encoders omit them: a
   missing NULL counts as the same key. */
static int acme2__der_spki_same(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    acme2__dr ra, rb, va, vb, oa, ob, pa, pb, ka, kb;
    static const unsigned char null_tlv[2] = { ACME2__T_NULL, 0x00 };
    ra.p = a;
    ra.n = an;
    rb.p = b;
    rb.n = bn;
    if (acme2__dr_expect(&ra, ACME2__T_SEQUENCE, &va) || ra.n || acme2__der_spki(va, &oa, &pa, &ka)) return 0;
    if (acme2__dr_expect(&rb, ACME2__T_SEQUENCE, &vb) || rb.n || acme2__der_spki(vb, &ob, &pb, &kb)) return 0;
    if (oa.n != ob.n || ACME2_MEMCMP(oa.p, ob.p, oa.n)) return 0;
    if (pa.n != pb.n || (pa.n && ACME2_MEMCMP(pa.p, pb.p, pa.n))) {
        const acme2__dr *with = pa.n ? &pa : &pb, *without = pa.n ? &pb : &pa;
        if (!acme2__der_oid_is(&oa, acme2__der_oid_rsa, sizeof acme2__der_oid_rsa)) return 0;
        if (without->n || with->n != 2 || ACME2_MEMCMP(with->p, null_tlv, 2)) return 0;
    }
    return ka.n == kb.n && ACME2_MEMCMP(ka.p, kb.p, ka.n) == 0;
}

ACME2_DEF int acme2_cert_key_match(const acme2_cert_info *ci, const acme2_key *key)
{
    /* Stack: ACME2__SPKI_MAX, about 580 bytes with RSA-4096 support. */
    unsigned char spki[ACME2__SPKI_MAX];
    int n;
    if (!ci || !key || !ci->spki) return ACME2_ERR_PARAM;
    n = acme2_key_spki_der(key, spki, sizeof spki);
    if (n < 0) return n;
    if (acme2__der_spki_same(ci->spki, ci->spki_len, spki, (size_t)n)) return 0;
    return ACME2_ERR_CERT_KEY;
}

/* ---- PEM ---- */

/* Value of a standard base64 character (RFC 4648 section 4), or -1. */
static int acme2__der_b64std_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

static int acme2__der_pem_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* After an encapsulation boundary: optional blanks, then a line end or the
   end of the text. Returns the index after it, or 0 when something else
   follows (0 can never be a valid position there). */
static size_t acme2__der_pem_eol(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;
    if (i == len) return i;
    if (s[i] == '\n') return i + 1;
    if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n') return i + 2;
    return 0;
}

ACME2_DEF int acme2_pem_cert_next(const char *pem, size_t len, size_t *pos,
                                  unsigned char *der, size_t der_size, size_t *der_len)
{
    static const char begin[] = "-----BEGIN";
    static const char label[] = " CERTIFICATE-----";
    static const char end[] = "-----END CERTIFICATE-----";
    size_t i, body, k, nchars = 0, npad = 0, need, o = 0, after;
    int last = 0;
    unsigned long acc = 0;
    int bits = 0;
    if (!pem || !pos || !der_len || (!der && der_size) || *pos > len) return ACME2_ERR_PARAM;
    for (i = *pos;; i++) {
        if (len - i < sizeof begin - 1) return 0;
        if (ACME2_MEMCMP(pem + i, begin, sizeof begin - 1) == 0) break;
    }
    i += sizeof begin - 1;
    if (len - i < sizeof label - 1 || ACME2_MEMCMP(pem + i, label, sizeof label - 1)) return ACME2_ERR_PEM;
    body = acme2__der_pem_eol(pem, len, i + sizeof label - 1);
    if (!body) return ACME2_ERR_PEM;
    /* First pass: validate the base64 and count. Padding only at the end. */
    for (k = body; k < len && pem[k] != '-'; k++) {
        unsigned char c = (unsigned char)pem[k];
        if (acme2__der_pem_space((char)c)) continue;
        if (c == '=') {
            if (++npad > 2) return ACME2_ERR_PEM;
            continue;
        }
        last = acme2__der_b64std_value(c);
        if (last < 0 || npad) return ACME2_ERR_PEM;
        nchars++;
    }
    /* Whole quanta only: 2 or 3 characters end with "==" or "=". */
    if (nchars == 0) return ACME2_ERR_PEM;
    switch (nchars % 4) {
    case 0: if (npad != 0) return ACME2_ERR_PEM; break;
    case 2: if (npad != 2 || (last & 0x0f)) return ACME2_ERR_PEM; break;
    case 3: if (npad != 1 || (last & 0x03)) return ACME2_ERR_PEM; break;
    default: return ACME2_ERR_PEM;
    }
    if (len - k < sizeof end - 1 || ACME2_MEMCMP(pem + k, end, sizeof end - 1)) return ACME2_ERR_PEM;
    after = acme2__der_pem_eol(pem, len, k + sizeof end - 1);
    if (!after) return ACME2_ERR_PEM;
    need = nchars / 4 * 3 + (nchars % 4 ? nchars % 4 - 1 : 0);
    if (need > der_size) return ACME2_ERR_NOSPACE;
    /* Second pass: decode. */
    for (i = body; i < k; i++) {
        int v = acme2__der_b64std_value((unsigned char)pem[i]);
        if (v < 0) continue;
        acc = (acc << 6) | (unsigned long)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            der[o++] = (unsigned char)(acc >> bits);
            acc &= (1UL << bits) - 1;
        }
    }
    *der_len = o;
    *pos = after;
    return 1;
}

/* ---- CSR and tls-alpn-01 certificate writers ---- */

/* The signature algorithm for key's signatures in X.509 and PKCS#10, and
   the longest DER signature it can give. */
static int acme2__der_sig_alg(const acme2_key *key, const unsigned char **alg, size_t *alg_len, size_t *sig_max)
{
    if (!key) return ACME2_ERR_PARAM;
    if (key->kind == ACME2_KEY_EC) {
        /* ASN.1 ECDSA-Sig-Value of an n-byte curve: SEQUENCE of two
           INTEGERs of at most n + 1 bytes each. */
        if (key->curve == BR_EC_secp256r1) {
            *alg = acme2__der_alg_ecdsa_sha256;
            *alg_len = sizeof acme2__der_alg_ecdsa_sha256;
            *sig_max = 2 + 2 * (2 + 33);
            return 0;
        }
        if (key->curve == BR_EC_secp384r1) {
            *alg = acme2__der_alg_ecdsa_sha384;
            *alg_len = sizeof acme2__der_alg_ecdsa_sha384;
            *sig_max = 2 + 2 * (2 + 49);
            return 0;
        }
        return ACME2_ERR_KEY_UNSUPPORTED;
    }
#ifndef ACME2_NO_RSA
    if (key->kind == ACME2_KEY_RSA) {
        if (key->bits < 1024 || key->bits > ACME2_RSA_MAX_BITS) return ACME2_ERR_KEY_UNSUPPORTED;
        *alg = acme2__der_alg_rsa_sha256;
        *alg_len = sizeof acme2__der_alg_rsa_sha256;
        *sig_max = (key->bits + 7) / 8;
        return 0;
    }
#endif
    return ACME2_ERR_PARAM;
}

/* Writes the TBS part of a signed structure (back to front). */
typedef void (*acme2__tbs_writer)(acme2__dw *w, const void *ctx);

/* SEQUENCE { tbs, signatureAlgorithm, signature BIT STRING }: the shape of
   both a Certificate (RFC 5280) and a CertificationRequest (RFC 2986).
   Counts the TBS first (exact, no signing): out == NULL returns the size
   with the longest possible signature. Otherwise writes the TBS into the
   end of out, signs it once, moves it to its place and adds the rest.
   Stack: ACME2__SIG_MAX bytes (512 with RSA-4096). */
static int acme2__der_signed(unsigned char *out, size_t out_size, const acme2_key *key,
                             acme2__tbs_writer tbs, const void *ctx)
{
    unsigned char sig[ACME2__SIG_MAX];
    const unsigned char *alg;
    size_t alg_len, sig_max, tbs_len, body, head, sig_len;
    acme2__dw w;
    int r, n;
    r = acme2__der_sig_alg(key, &alg, &alg_len, &sig_max);
    if (r) return r;
    acme2__dw_init(&w, NULL, 0);
    tbs(&w, ctx);
    if (w.err) return w.err;
    tbs_len = w.len;
    body = tbs_len + alg_len + acme2__der_tlv_size(sig_max + 1);
    if (body > (size_t)INT_MAX - 8) return ACME2_ERR_NOSPACE;
    if (!out) return (int)acme2__der_tlv_size(body);
    if (out_size < acme2__der_tlv_size(body)) return ACME2_ERR_NOSPACE;

    acme2__dw_init(&w, out, out_size);
    tbs(&w, ctx);
    if (w.err) return w.err;
    if (w.len != tbs_len) return ACME2_ERR_PARAM; /* the TBS changed between passes */
    n = acme2_sign(key, out + out_size - tbs_len, tbs_len, sig, sizeof sig);
    if (n <= 0) return n < 0 ? n : ACME2_ERR_CRYPTO;
    sig_len = (size_t)n;
    if (key->kind == ACME2_KEY_EC) {
        /* JWS form r||s to the ASN.1 form X.509 uses (RFC 5480 / 3279). */
        if (sig_len > sizeof sig - 9) return ACME2_ERR_CRYPTO;
        sig_len = br_ecdsa_raw_to_asn1(sig, sig_len);
        if (sig_len == 0) return ACME2_ERR_CRYPTO;
    }
    if (sig_len > sig_max) return ACME2_ERR_CRYPTO;
    body = tbs_len + alg_len + acme2__der_tlv_size(sig_len + 1);
    head = acme2__der_tlv_size(body) - body;
    memmove(out + head, out + out_size - tbs_len, tbs_len);
    acme2__dw_init(&w, out, head + body);
    acme2__dw_raw(&w, sig, sig_len);
    acme2__dw_byte(&w, 0); /* no unused bits */
    acme2__dw_header(&w, ACME2__T_BITS, sig_len + 1);
    acme2__dw_raw(&w, alg, alg_len);
    (void)acme2__dw_reserve(&w, tbs_len); /* already in place */
    acme2__dw_header(&w, ACME2__T_SEQUENCE, body);
    if (w.err || w.len != head + body) return ACME2_ERR_PARAM;
    return (int)w.len;
}

/* The key's SubjectPublicKeyInfo, from the keys section. */
static void acme2__dw_spki(acme2__dw *w, const acme2_key *key)
{
    unsigned char *p;
    int n;
    if (w->err) return;
    n = acme2_key_spki_der(key, NULL, 0);
    if (n <= 0) {
        w->err = n < 0 ? n : ACME2_ERR_PARAM;
        return;
    }
    p = acme2__dw_reserve(w, (size_t)n);
    if (p && acme2_key_spki_der(key, p, (size_t)n) != n) w->err = ACME2_ERR_PARAM;
}

/* Name ::= SEQUENCE OF RDN: CN=cn (UTF8String) or, with cn == NULL, empty. */
static void acme2__dw_name(acme2__dw *w, const char *cn, size_t cn_len)
{
    size_t m0 = w->len, m1, m2;
    if (cn) {
        m1 = w->len;
        m2 = w->len;
        acme2__dw_tlv(w, ACME2__T_UTF8, cn, cn_len);
        acme2__dw_raw(w, acme2__der_oid_cn, sizeof acme2__der_oid_cn);
        acme2__dw_close(w, ACME2__T_SEQUENCE, m2);
        acme2__dw_close(w, ACME2__T_SET, m1);
    }
    acme2__dw_close(w, ACME2__T_SEQUENCE, m0);
}

/* GeneralName of an identifier already checked. */
static void acme2__dw_general_name(acme2__dw *w, const acme2_identifier *id)
{
    if (id->type == ACME2_ID_IP) {
        unsigned char ip[16];
        int n = acme2_ip_parse(id->value, ip);
        if (n < 0) {
            if (!w->err) w->err = ACME2_ERR_IDENTIFIER;
            return;
        }
        acme2__dw_tlv(w, ACME2__T_GN_IP, ip, (size_t)n);
    } else {
        acme2__dw_tlv(w, ACME2__T_GN_DNS, id->value, strlen(id->value));
    }
}

/* Extension subjectAltName (non-critical) holding the identifiers in order. */
static void acme2__dw_san_ext(acme2__dw *w, const acme2_identifier *ids, size_t n_ids)
{
    size_t m0 = w->len, m1, m2, i;
    m1 = w->len;
    m2 = w->len;
    for (i = n_ids; i > 0; i--) acme2__dw_general_name(w, &ids[i - 1]);
    acme2__dw_close(w, ACME2__T_SEQUENCE, m2);
    acme2__dw_close(w, ACME2__T_OCTETS, m1);
    acme2__dw_raw(w, acme2__der_oid_san, sizeof acme2__der_oid_san);
    acme2__dw_close(w, ACME2__T_SEQUENCE, m0);
}

/* The CN a CSR or challenge certificate can carry for an identifier:
   DNS names of at most 64 bytes (RFC 5280 ub-common-name). */
#define ACME2__CN_MAX 64

typedef struct acme2__csr_ctx {
    const acme2_key *key;
    const acme2_identifier *ids;
    size_t n_ids;
    const char *cn;  /* NULL: empty subject */
    size_t cn_len;
} acme2__csr_ctx;

/* CertificationRequestInfo (RFC 2986 section 4.1) with the extensionRequest
   attribute (RFC 2985 section 5.4.2). */
static void acme2__csr_info(acme2__dw *w, const void *ctx_)
{
    static const unsigned char version0[] = { ACME2__T_INTEGER, 0x01, 0x00 };
    const acme2__csr_ctx *ctx = (const acme2__csr_ctx *)ctx_;
    size_t m_info = w->len, m_attrs, m_attr, m_set, m_exts;
    m_attrs = w->len;
    m_attr = w->len;
    m_set = w->len;
    m_exts = w->len;
    acme2__dw_san_ext(w, ctx->ids, ctx->n_ids);
    acme2__dw_close(w, ACME2__T_SEQUENCE, m_exts);
    acme2__dw_close(w, ACME2__T_SET, m_set);
    acme2__dw_raw(w, acme2__der_oid_ext_req, sizeof acme2__der_oid_ext_req);
    acme2__dw_close(w, ACME2__T_SEQUENCE, m_attr);
    acme2__dw_close(w, ACME2__T_CTX0, m_attrs);
    acme2__dw_spki(w, ctx->key);
    acme2__dw_name(w, ctx->cn, ctx->cn_len);
    acme2__dw_raw(w, version0, sizeof version0);
    acme2__dw_close(w, ACME2__T_SEQUENCE, m_info);
}

ACME2_DEF int acme2_csr_der(unsigned char *out, size_t out_size, const acme2_key *key,
                            const acme2_identifier *ids, size_t n_ids, unsigned flags)
{
    acme2__csr_ctx ctx;
    size_t i, n;
    if (!key || !ids || n_ids == 0) return ACME2_ERR_PARAM;
    ctx.key = key;
    ctx.ids = ids;
    ctx.n_ids = n_ids;
    ctx.cn = NULL;
    ctx.cn_len = 0;
    for (i = 0; i < n_ids; i++) {
        if (acme2_identifier_check(&ids[i])) return ACME2_ERR_IDENTIFIER;
        if (ids[i].type == ACME2_ID_DNS && !ctx.cn && !(flags & ACME2_CSR_NO_CN)) {
            n = strlen(ids[i].value);
            if (n > ACME2__CN_MAX) flags |= ACME2_CSR_NO_CN; /* only the first DNS name may be the CN */
            else {
                ctx.cn = ids[i].value;
                ctx.cn_len = n;
            }
        }
    }
    return acme2__der_signed(out, out_size, key, acme2__csr_info, &ctx);
}

typedef struct acme2__alpn_ctx {
    const acme2_key *key;
    const acme2_identifier *id;
    const char *cn;
    size_t cn_len;
    int64_t not_before, not_after;
    const unsigned char *alg;
    size_t alg_len;
    unsigned char digest[32];   /* SHA-256 of the key authorization */
} acme2__alpn_ctx;

/* TBSCertificate (RFC 5280 section 4.1) of the challenge certificate. */
static void acme2__alpn_tbs(acme2__dw *w, const void *ctx_)
{
    static const unsigned char version3[] = { ACME2__T_CTX0, 0x03, ACME2__T_INTEGER, 0x01, 0x02 };
    static const unsigned char critical[] = { ACME2__T_BOOLEAN, 0x01, 0xff };
    const acme2__alpn_ctx *ctx = (const acme2__alpn_ctx *)ctx_;
    unsigned char serial[16];
    size_t m_tbs = w->len, m_ctx3, m_exts, m_ext, m_val, m_validity;
    m_ctx3 = w->len;
    m_exts = w->len;
    /* RFC 8737 section 3: id-pe-acmeIdentifier, critical, extnValue =
       DER of Authorization ::= OCTET STRING (SIZE (32)). */
    m_ext = w->len;
    m_val = w->len;
    acme2__dw_tlv(w, ACME2__T_OCTETS, ctx->digest, sizeof ctx->digest);
    acme2__dw_close(w, ACME2__T_OCTETS, m_val);
    acme2__dw_raw(w, critical, sizeof critical);
    acme2__dw_raw(w, acme2__der_oid_acme_id, sizeof acme2__der_oid_acme_id);
    acme2__dw_close(w, ACME2__T_SEQUENCE, m_ext);
    acme2__dw_san_ext(w, ctx->id, 1);
    acme2__dw_close(w, ACME2__T_SEQUENCE, m_exts);
    acme2__dw_close(w, ACME2__T_CTX3, m_ctx3);
    acme2__dw_spki(w, ctx->key);
    acme2__dw_name(w, ctx->cn, ctx->cn_len);  /* subject */
    m_validity = w->len;
    acme2__dw_time(w, ctx->not_after);
    acme2__dw_time(w, ctx->not_before);
    acme2__dw_close(w, ACME2__T_SEQUENCE, m_validity);
    acme2__dw_name(w, ctx->cn, ctx->cn_len);  /* issuer: self-signed */
    acme2__dw_raw(w, ctx->alg, ctx->alg_len);
    /* Serial: the digest's first 16 bytes, top bit cleared so the INTEGER
       is positive, next bit set so it is minimal without a leading zero. */
    ACME2_MEMCPY(serial, ctx->digest, sizeof serial);
    serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40);
    acme2__dw_tlv(w, ACME2__T_INTEGER, serial, sizeof serial);
    acme2__dw_raw(w, version3, sizeof version3);
    acme2__dw_close(w, ACME2__T_SEQUENCE, m_tbs);
}

ACME2_DEF int acme2_tls_alpn01_cert_der(unsigned char *out, size_t out_size, const acme2_key *key,
                                        const acme2_identifier *id, const char *key_authorization,
                                        int64_t now)
{
    static const char fixed_cn[] = "acme-tls-alpn-01";
    acme2__alpn_ctx ctx;
    br_sha256_context h;
    size_t sig_max;
    int r;
    if (!key || !id || !key_authorization || !key_authorization[0]) return ACME2_ERR_PARAM;
    if (acme2_identifier_check(id)) return ACME2_ERR_IDENTIFIER;
    /* RFC 8737 section 3 validates a name, never a wildcard (authorizations
       of wildcard orders carry the name without "*."). */
    if (id->type == ACME2_ID_DNS && id->value[0] == '*') return ACME2_ERR_IDENTIFIER;
    if (now < ACME2__TIME_MIN + 3600 || now > ACME2__TIME_MAX - 7 * 86400) return ACME2_ERR_PARAM;
    r = acme2__der_sig_alg(key, &ctx.alg, &ctx.alg_len, &sig_max);
    if (r) return r;
    ctx.key = key;
    ctx.id = id;
    ctx.not_before = now - 3600;
    ctx.not_after = now + 7 * 86400;
    ctx.cn = fixed_cn;
    ctx.cn_len = sizeof fixed_cn - 1;
    if (id->type == ACME2_ID_DNS && strlen(id->value) <= ACME2__CN_MAX) {
        ctx.cn = id->value;
        ctx.cn_len = strlen(id->value);
    }
    br_sha256_init(&h);
    br_sha256_update(&h, key_authorization, strlen(key_authorization));
    br_sha256_out(&h, ctx.digest);
    return acme2__der_signed(out, out_size, key, acme2__alpn_tbs, &ctx);
}
