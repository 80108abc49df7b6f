/* acme2.h - an ACME (RFC 8555) client in one C99 header. No heap. BearSSL inside.

   USE
     In exactly one C file:
         #define ACME2_IMPLEMENTATION
         #include "acme2.h"
     Everywhere else just #include "acme2.h". Link with -lbearssl.
     Define ACME2_STATIC before the include to make every function static
     (private to that one file).

   WHAT IS IN HERE (top to bottom, each section marked "== name ==")
     util   wipe, base64url, a bounded string builder that also writes JSON
     json   a strict RFC 8259 tokenizer (jsmn-like: caller-owned tokens)
     keys   EC P-256/P-384 and RSA 2048-4096: generate, load, save
     jws    JWK, RFC 7638 thumbprint, flattened JWS (ES256/ES384/RS256),
            HMAC for External Account Binding, nested JWS for keyChange
     der    PKCS#10 CSR, the tls-alpn-01 certificate, certificate reading
     chall  key authorization, dns-01/http-01/tls-alpn-01/dns-account-01
            helpers, the ARI certificate ID

   CONVENTIONS
     Functions return int: 0 or a length on success, a negative ACME2_ERR_*
     on failure (acme2_strerror names it). A function that fails leaves its
     outputs untouched unless stated. Nothing here allocates: the caller owns
     every buffer and context. Functions writing text NUL-terminate it and
     return its length without the NUL; ACME2_ERR_NOSPACE when it does not fit.

   CONFIGURATION (define before including; defaults below)
     ACME2_JSON_MAX_DEPTH   nesting limit of the tokenizer
     ACME2_RSA_MAX_BITS     largest RSA key a acme2_key can hold
     ACME2_NO_RSA           EC only: drops RSA code and storage
     ACME2_NO_STRERROR      acme2_strerror returns "" (saves the strings)
     ACME2_NO_SYSTEM_RNG    no getrandom()//dev/urandom default (firmware)
     ACME2_ASSERT(x), ACME2_MEMCPY, ACME2_MEMSET, ACME2_MEMCMP

   License: MIT, at the end of this file.
*/
#ifndef ACME2_H
#define ACME2_H

#define ACME2_VERSION_MAJOR 0
#define ACME2_VERSION_MINOR 1
#define ACME2_VERSION_PATCH 0
#define ACME2_VERSION_STRING "0.1.0"

#include <stddef.h>
#include <stdint.h>
#include <bearssl.h>

#ifndef ACME2_DEF
#ifdef ACME2_STATIC
#if defined(__GNUC__) || defined(__clang__)
#define ACME2_DEF static __attribute__((unused))
#else
#define ACME2_DEF static
#endif
#else
#define ACME2_DEF extern
#endif
#endif

/* Deepest JSON nesting accepted. ACME documents nest 4 levels; 32 leaves
   room for extensions while bounding the parser's work per byte. */
#ifndef ACME2_JSON_MAX_DEPTH
#define ACME2_JSON_MAX_DEPTH 32
#endif

/* Largest RSA modulus a key can hold. 4096 is BearSSL's own limit and the
   largest size CAs accept; 2048 saves about 1 KB in every acme2_key. */
#ifndef ACME2_RSA_MAX_BITS
#define ACME2_RSA_MAX_BITS 4096
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* == errors == */

/* One list feeds the enum and acme2_strerror. Values are stable. */
#define ACME2_ERROR_LIST(X) \
    X(ACME2_OK,                    0, "success") \
    X(ACME2_ERR_PARAM,            -1, "invalid argument") \
    X(ACME2_ERR_NOSPACE,          -2, "buffer too small") \
    X(ACME2_ERR_JSON,             -3, "malformed JSON") \
    X(ACME2_ERR_JSON_DEPTH,       -4, "JSON nested too deeply") \
    X(ACME2_ERR_NOT_FOUND,        -5, "not found") \
    X(ACME2_ERR_TYPE,             -6, "wrong JSON type") \
    X(ACME2_ERR_RANGE,            -7, "number out of range") \
    X(ACME2_ERR_BASE64,           -8, "malformed base64") \
    X(ACME2_ERR_KEY_FORMAT,       -9, "unrecognised key format") \
    X(ACME2_ERR_KEY_ENCRYPTED,   -10, "encrypted private keys are not supported") \
    X(ACME2_ERR_KEY_ED25519,     -11, "Ed25519 keys are not supported") \
    X(ACME2_ERR_KEY_EXPLICIT_EC, -12, "EC keys with explicit curve parameters are not supported") \
    X(ACME2_ERR_KEY_UNSUPPORTED, -13, "unsupported key type, curve or size") \
    X(ACME2_ERR_RNG,             -14, "no entropy source") \
    X(ACME2_ERR_CRYPTO,          -15, "cryptographic operation failed") \
    X(ACME2_ERR_DER,             -16, "malformed DER") \
    X(ACME2_ERR_PEM,             -17, "malformed PEM") \
    X(ACME2_ERR_IDENTIFIER,      -18, "invalid identifier") \
    X(ACME2_ERR_TOKEN,           -19, "invalid challenge token") \
    X(ACME2_ERR_CERT_KEY,        -20, "certificate public key does not match the key") \
    X(ACME2_ERR_CERT_NAMES,      -21, "certificate does not cover every identifier") \
    X(ACME2_ERR_TRANSPORT,       -22, "transport failed") \
    X(ACME2_ERR_HTTP,            -23, "unexpected HTTP status") \
    X(ACME2_ERR_PROBLEM,         -24, "the server returned a problem document") \
    X(ACME2_ERR_PROTOCOL,        -25, "the server's response violates the protocol") \
    X(ACME2_ERR_CONTENT_TYPE,    -26, "unexpected content type") \
    X(ACME2_ERR_TOO_LARGE,       -27, "response larger than allowed") \
    X(ACME2_ERR_INSECURE_URL,    -28, "URL is not https") \
    X(ACME2_ERR_NO_NONCE,        -29, "response has no Replay-Nonce") \
    X(ACME2_ERR_NO_LOCATION,     -30, "response has no Location") \
    X(ACME2_ERR_TIMEOUT,         -31, "deadline passed") \
    X(ACME2_ERR_STATE,           -32, "operation not valid in this state") \
    X(ACME2_ERR_UNSUPPORTED,     -33, "the server does not offer this") \
    X(ACME2_ERR_INVALID,         -34, "the order or authorization became invalid") \
    X(ACME2_ERR_CALLBACK,        -35, "a caller callback failed") \
    X(ACME2_ERR_PROFILE,         -36, "profile not offered by the server")

#define ACME2__ENUM_ITEM(name, value, text) name = value,
enum acme2_error { ACME2_ERROR_LIST(ACME2__ENUM_ITEM) ACME2__ERROR_END };
#undef ACME2__ENUM_ITEM

/* Text for an ACME2_* code; never NULL. Unknown codes give "unknown error". */
ACME2_DEF const char *acme2_strerror(int err);

/* == util == */

/* Overwrite n bytes with zeros in a way the compiler may not remove. */
ACME2_DEF void acme2_wipe(void *p, size_t n);

/* base64url without padding (RFC 4648 section 5). Writes the text and a NUL
   into out (out_size must be at least ceil(4*in_len/3) + 1) and returns its
   length, or ACME2_ERR_NOSPACE. With out == NULL returns the length needed
   (without the NUL). */
ACME2_DEF int acme2_b64url_encode(char *out, size_t out_size, const void *in, size_t in_len);

/* Strict base64url decoder: no padding, no white space, no characters
   outside [A-Za-z0-9_-], no length of 1 mod 4, unused trailing bits must be
   zero. Returns the number of bytes written, ACME2_ERR_BASE64 or
   ACME2_ERR_NOSPACE. With out == NULL only validates and returns the size. */
ACME2_DEF int acme2_b64url_decode(void *out, size_t out_size, const char *in, size_t in_len);

/* A bounded string builder. Writes never overflow: when the buffer is full
   the builder keeps counting, so after a failure `len` says how many bytes
   (plus one for the NUL) would have been needed. Errors are sticky.
   The JSON writer below works on the same builder. */
typedef struct acme2_sb {
    char *buf;     /* caller's buffer */
    size_t cap;    /* its size */
    size_t len;    /* bytes written (or that would have been) */
    int err;       /* first error, 0 if none */
    int sep;       /* JSON writer state: 0 start, 1 after a value, 2 after a key */
} acme2_sb;

ACME2_DEF void acme2_sb_init(acme2_sb *sb, char *buf, size_t cap);
ACME2_DEF void acme2_sb_putn(acme2_sb *sb, const char *s, size_t n);
ACME2_DEF void acme2_sb_puts(acme2_sb *sb, const char *s);
ACME2_DEF void acme2_sb_putc(acme2_sb *sb, char c);
ACME2_DEF void acme2_sb_b64url(acme2_sb *sb, const void *data, size_t n);
/* Decimal, for integers up to 64 bits. */
ACME2_DEF void acme2_sb_int(acme2_sb *sb, long long v);
/* NUL-terminates; returns the length, or the sticky error (ACME2_ERR_NOSPACE
   with sb->len + 1 the size that would have fitted). */
ACME2_DEF int acme2_sb_finish(acme2_sb *sb);

/* JSON writer: inserts commas and colons itself. Strings are escaped per
   RFC 8259 (quote, backslash, control characters); bytes >= 0x80 are copied
   as they are and must be UTF-8 (the writer rejects invalid UTF-8 with
   ACME2_ERR_PARAM). */
ACME2_DEF void acme2_jw_obj_begin(acme2_sb *sb);
ACME2_DEF void acme2_jw_obj_end(acme2_sb *sb);
ACME2_DEF void acme2_jw_arr_begin(acme2_sb *sb);
ACME2_DEF void acme2_jw_arr_end(acme2_sb *sb);
ACME2_DEF void acme2_jw_key(acme2_sb *sb, const char *key);
ACME2_DEF void acme2_jw_str(acme2_sb *sb, const char *s);
ACME2_DEF void acme2_jw_strn(acme2_sb *sb, const char *s, size_t n);
ACME2_DEF void acme2_jw_int(acme2_sb *sb, long long v);
ACME2_DEF void acme2_jw_bool(acme2_sb *sb, int v);
ACME2_DEF void acme2_jw_null(acme2_sb *sb);
/* A value already encoded as JSON (copied verbatim). */
ACME2_DEF void acme2_jw_raw(acme2_sb *sb, const char *json, size_t n);
/* A string value holding base64url(data). */
ACME2_DEF void acme2_jw_b64url(acme2_sb *sb, const void *data, size_t n);

#include "parts/json.api.h"
#include "parts/keys.api.h"
#include "parts/jws.api.h"
#include "parts/der.api.h"
#include "parts/chall.api.h"
#include "parts/http.api.h"
#include "parts/proto.api.h"
#include "parts/issue.api.h"

#ifdef __cplusplus
}
#endif

#endif /* ACME2_H */

/* ======================================================================= */
/*                              IMPLEMENTATION                             */
/* ======================================================================= */

#if defined(ACME2_IMPLEMENTATION) && !defined(ACME2__IMPLEMENTED)
#define ACME2__IMPLEMENTED

#include <string.h>
#include <limits.h>

#ifndef ACME2_ASSERT
#include <assert.h>
#define ACME2_ASSERT(x) assert(x)
#endif
#ifndef ACME2_MEMCPY
#define ACME2_MEMCPY(d, s, n) memcpy((d), (s), (n))
#endif
#ifndef ACME2_MEMSET
#define ACME2_MEMSET(d, c, n) memset((d), (c), (n))
#endif
#ifndef ACME2_MEMCMP
#define ACME2_MEMCMP(a, b, n) memcmp((a), (b), (n))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* == errors == */

ACME2_DEF const char *acme2_strerror(int err)
{
#ifdef ACME2_NO_STRERROR
    (void)err;
    return "";
#else
#define ACME2__ERROR_CASE(name, value, text) case value: return text;
    switch (err) {
    ACME2_ERROR_LIST(ACME2__ERROR_CASE)
    default: return "unknown error";
    }
#undef ACME2__ERROR_CASE
#endif
}

/* == util == */

ACME2_DEF void acme2_wipe(void *p, size_t n)
{
    /* A volatile pointer keeps the stores: the compiler cannot prove that
       nobody reads the memory afterwards. */
    volatile unsigned char *v = (volatile unsigned char *)p;
    while (n--) *v++ = 0;
}

static const char acme2__b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static size_t acme2__b64url_len(size_t n)
{
    return (n / 3) * 4 + ((n % 3) ? (n % 3) + 1 : 0);
}

/* Encodes without bounds checks: out must hold acme2__b64url_len(n). */
static void acme2__b64url_raw(char *out, const unsigned char *in, size_t n)
{
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        unsigned long w = ((unsigned long)in[i] << 16) | ((unsigned long)in[i + 1] << 8) | in[i + 2];
        *out++ = acme2__b64url_alphabet[(w >> 18) & 63];
        *out++ = acme2__b64url_alphabet[(w >> 12) & 63];
        *out++ = acme2__b64url_alphabet[(w >> 6) & 63];
        *out++ = acme2__b64url_alphabet[w & 63];
    }
    if (n - i == 1) {
        unsigned long w = (unsigned long)in[i] << 16;
        *out++ = acme2__b64url_alphabet[(w >> 18) & 63];
        *out++ = acme2__b64url_alphabet[(w >> 12) & 63];
    } else if (n - i == 2) {
        unsigned long w = ((unsigned long)in[i] << 16) | ((unsigned long)in[i + 1] << 8);
        *out++ = acme2__b64url_alphabet[(w >> 18) & 63];
        *out++ = acme2__b64url_alphabet[(w >> 12) & 63];
        *out++ = acme2__b64url_alphabet[(w >> 6) & 63];
    }
}

ACME2_DEF int acme2_b64url_encode(char *out, size_t out_size, const void *in, size_t in_len)
{
    size_t need;
    if (!in && in_len) return ACME2_ERR_PARAM;
    if (in_len > (size_t)INT_MAX / 2) return ACME2_ERR_PARAM;
    need = acme2__b64url_len(in_len);
    if (!out) return (int)need;
    if (out_size < need + 1) return ACME2_ERR_NOSPACE;
    acme2__b64url_raw(out, (const unsigned char *)in, in_len);
    out[need] = 0;
    return (int)need;
}

/* Value of a base64url character, or -1. */
static int acme2__b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

ACME2_DEF int acme2_b64url_decode(void *out, size_t out_size, const char *in, size_t in_len)
{
    size_t need, i, o = 0;
    unsigned long acc = 0;
    int bits = 0;
    unsigned char *dst = (unsigned char *)out;
    if (!in && in_len) return ACME2_ERR_PARAM;
    if (in_len > (size_t)INT_MAX) return ACME2_ERR_PARAM;
    if (in_len % 4 == 1) return ACME2_ERR_BASE64;
    need = (in_len / 4) * 3 + (in_len % 4 ? in_len % 4 - 1 : 0);
    /* Validate everything before writing anything. */
    for (i = 0; i < in_len; i++)
        if (acme2__b64url_value((unsigned char)in[i]) < 0) return ACME2_ERR_BASE64;
    if (in_len % 4) {
        int last = acme2__b64url_value((unsigned char)in[in_len - 1]);
        int mask = (in_len % 4 == 2) ? 0x0f : 0x03;
        if (last & mask) return ACME2_ERR_BASE64;
    }
    if (!out) return (int)need;
    if (out_size < need) return ACME2_ERR_NOSPACE;
    for (i = 0; i < in_len; i++) {
        acc = (acc << 6) | (unsigned long)acme2__b64url_value((unsigned char)in[i]);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            dst[o++] = (unsigned char)(acc >> bits);
            acc &= (1UL << bits) - 1;
        }
    }
    return (int)o;
}

ACME2_DEF void acme2_sb_init(acme2_sb *sb, char *buf, size_t cap)
{
    sb->buf = buf;
    sb->cap = buf ? cap : 0;
    sb->len = 0;
    sb->err = 0;
    sb->sep = 0;
    if (sb->cap) sb->buf[0] = 0;
}

/* Reserves n bytes; returns where to write them or NULL when they do not fit
   (then the builder only counts). Keeps one byte for the final NUL. */
static char *acme2__sb_reserve(acme2_sb *sb, size_t n)
{
    char *p = NULL;
    if (n > (size_t)INT_MAX - sb->len) {
        if (!sb->err) sb->err = ACME2_ERR_NOSPACE;
        return NULL;
    }
    if (!sb->err && sb->len + n < sb->cap) p = sb->buf + sb->len;
    else if (!sb->err) sb->err = ACME2_ERR_NOSPACE;
    sb->len += n;
    return p;
}

ACME2_DEF void acme2_sb_putn(acme2_sb *sb, const char *s, size_t n)
{
    char *p = acme2__sb_reserve(sb, n);
    if (p && n) ACME2_MEMCPY(p, s, n);
}

ACME2_DEF void acme2_sb_puts(acme2_sb *sb, const char *s)
{
    acme2_sb_putn(sb, s, strlen(s));
}

ACME2_DEF void acme2_sb_putc(acme2_sb *sb, char c)
{
    char *p = acme2__sb_reserve(sb, 1);
    if (p) *p = c;
}

ACME2_DEF void acme2_sb_b64url(acme2_sb *sb, const void *data, size_t n)
{
    char *p;
    if (n > (size_t)INT_MAX / 2) {
        if (!sb->err) sb->err = ACME2_ERR_PARAM;
        return;
    }
    p = acme2__sb_reserve(sb, acme2__b64url_len(n));
    if (p) acme2__b64url_raw(p, (const unsigned char *)data, n);
}

ACME2_DEF void acme2_sb_int(acme2_sb *sb, long long v)
{
    char tmp[24];
    int i = (int)sizeof tmp;
    /* Work in unsigned so LLONG_MIN negates without overflow. */
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[--i] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    if (v < 0) tmp[--i] = '-';
    acme2_sb_putn(sb, tmp + i, sizeof tmp - (size_t)i);
}

ACME2_DEF int acme2_sb_finish(acme2_sb *sb)
{
    if (sb->err) {
        if (sb->cap) sb->buf[sb->len < sb->cap ? sb->len : sb->cap - 1] = 0;
        return sb->err;
    }
    if (sb->len >= sb->cap) { /* only when cap == 0 */
        sb->err = ACME2_ERR_NOSPACE;
        return sb->err;
    }
    sb->buf[sb->len] = 0;
    return (int)sb->len;
}

/* Separator before a value or key: a comma after a previous value. */
static void acme2__jw_sep(acme2_sb *sb)
{
    if (sb->sep == 1) acme2_sb_putc(sb, ',');
}

ACME2_DEF void acme2_jw_obj_begin(acme2_sb *sb) { acme2__jw_sep(sb); acme2_sb_putc(sb, '{'); sb->sep = 0; }
ACME2_DEF void acme2_jw_obj_end(acme2_sb *sb)   { acme2_sb_putc(sb, '}'); sb->sep = 1; }
ACME2_DEF void acme2_jw_arr_begin(acme2_sb *sb) { acme2__jw_sep(sb); acme2_sb_putc(sb, '['); sb->sep = 0; }
ACME2_DEF void acme2_jw_arr_end(acme2_sb *sb)   { acme2_sb_putc(sb, ']'); sb->sep = 1; }

/* Length of the UTF-8 sequence starting at s (at most n bytes available),
   or 0 when it is not well-formed UTF-8 (RFC 3629: no overlongs, no
   surrogates, nothing above U+10FFFF). Shared with the JSON tokenizer. */
static size_t acme2__utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        if (n < 2 || (s[1] & 0xc0) != 0x80) return 0;
        return 2;
    }
    if (c >= 0xe0 && c <= 0xef) {
        if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80) return 0;
        if (c == 0xe0 && s[1] < 0xa0) return 0;  /* overlong */
        if (c == 0xed && s[1] >= 0xa0) return 0; /* surrogate */
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80) return 0;
        if (c == 0xf0 && s[1] < 0x90) return 0;  /* overlong */
        if (c == 0xf4 && s[1] >= 0x90) return 0; /* above U+10FFFF */
        return 4;
    }
    return 0;
}

static void acme2__jw_string(acme2_sb *sb, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0;
    acme2_sb_putc(sb, '"');
    while (i < n) {
        unsigned char c = u[i];
        size_t l;
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) { i++; continue; }
        if (c >= 0x80) {
            l = acme2__utf8_len(u + i, n - i);
            if (!l) {
                if (!sb->err) sb->err = ACME2_ERR_PARAM;
                return;
            }
            i += l;
            continue;
        }
        acme2_sb_putn(sb, s + run, i - run);
        acme2_sb_putc(sb, '\\');
        switch (c) {
        case '"': acme2_sb_putc(sb, '"'); break;
        case '\\': acme2_sb_putc(sb, '\\'); break;
        case '\b': acme2_sb_putc(sb, 'b'); break;
        case '\f': acme2_sb_putc(sb, 'f'); break;
        case '\n': acme2_sb_putc(sb, 'n'); break;
        case '\r': acme2_sb_putc(sb, 'r'); break;
        case '\t': acme2_sb_putc(sb, 't'); break;
        default:
            acme2_sb_puts(sb, "u00");
            acme2_sb_putc(sb, hex[c >> 4]);
            acme2_sb_putc(sb, hex[c & 15]);
        }
        run = ++i;
    }
    acme2_sb_putn(sb, s + run, n - run);
    acme2_sb_putc(sb, '"');
}

ACME2_DEF void acme2_jw_key(acme2_sb *sb, const char *key)
{
    acme2__jw_sep(sb);
    acme2__jw_string(sb, key, strlen(key));
    acme2_sb_putc(sb, ':');
    sb->sep = 2;
}

ACME2_DEF void acme2_jw_strn(acme2_sb *sb, const char *s, size_t n)
{
    acme2__jw_sep(sb);
    acme2__jw_string(sb, s, n);
    sb->sep = 1;
}

ACME2_DEF void acme2_jw_str(acme2_sb *sb, const char *s) { acme2_jw_strn(sb, s, strlen(s)); }

ACME2_DEF void acme2_jw_int(acme2_sb *sb, long long v)
{
    acme2__jw_sep(sb);
    acme2_sb_int(sb, v);
    sb->sep = 1;
}

ACME2_DEF void acme2_jw_bool(acme2_sb *sb, int v) { acme2_jw_raw(sb, v ? "true" : "false", v ? 4 : 5); }
ACME2_DEF void acme2_jw_null(acme2_sb *sb) { acme2_jw_raw(sb, "null", 4); }

ACME2_DEF void acme2_jw_raw(acme2_sb *sb, const char *json, size_t n)
{
    acme2__jw_sep(sb);
    acme2_sb_putn(sb, json, n);
    sb->sep = 1;
}

ACME2_DEF void acme2_jw_b64url(acme2_sb *sb, const void *data, size_t n)
{
    acme2__jw_sep(sb);
    acme2_sb_putc(sb, '"');
    acme2_sb_b64url(sb, data, n);
    acme2_sb_putc(sb, '"');
    sb->sep = 1;
}

/* Civil date <-> days since 1970-01-01, proleptic Gregorian calendar, by
   counting whole 400-year eras (146097 days each) from 0000-03-01 so that
   leap days fall at the end of each counted year. Shared by the
   certificate, JSON and HTTP date code. */
static int64_t acme2__days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era, yoe, doy, doe;
    if (m <= 2) y -= 1;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void acme2__civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, doe, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2 ? 1 : 0);
}

static unsigned acme2__days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dim[m - 1];
}

#include "parts/json.impl.c"
#include "parts/keys.impl.c"
#include "parts/jws.impl.c"
#include "parts/der.impl.c"
#include "parts/chall.impl.c"
#include "parts/http.impl.c"
#include "parts/proto.impl.c"
#include "parts/issue.impl.c"

#ifdef __cplusplus
}
#endif

#endif /* ACME2_IMPLEMENTATION */

/*
MIT License

Copyright (c) 2026 The acme2.h authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
*/
