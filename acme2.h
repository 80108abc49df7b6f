/* acme2.h - an ACME (RFC 8555) client in one C99 header. No heap. BearSSL inside.

   USE
     In exactly one C file:
         #define ACME2_IMPLEMENTATION
         #include "acme2.h"
     Everywhere else just #include "acme2.h". Link with -lbearssl.
     Define ACME2_STATIC before the include to make every function static
     (private to that one file).

   A CERTIFICATE IN A PAGE
         static acme2_key account, cert_key;   // acme2_key_generate or _load
         static char work[8192];               // every request and response
         acme2_client c;
         acme2_client_init(&c, directory_url, &account, work, sizeof work,
                           my_https, my_user, NULL);  // your transport
         acme2_account_new(&c, &account_params, NULL);  // or _set_account
         acme2_issue(&c, &issue_params, &pem, &pem_len);
     issue_params names the identifiers, the certificate key and a deploy
     callback that publishes each challenge (acme2_challenge_info carries
     the key authorization, the dns-01 record, the http-01 path). my_https
     is an acme2_transport_fn: see "== http ==" for its contract, and
     examples/ for BearSSL and libcurl ones. Without threads or blocking,
     drive each operation's acme2_X_request / acme2_X_response pair from
     your event loop instead ("== protocol ==").

   WHAT IS IN HERE (top to bottom, each section marked "== name ==")
     util   wipe, base64url, a bounded string builder that also writes JSON
     json   a strict RFC 8259 tokenizer (jsmn-like: caller-owned tokens)
     keys   EC P-256/P-384 and RSA 2048-4096: generate, load, save
     jws    JWK, RFC 7638 thumbprint, flattened JWS (ES256/ES384/RS256),
            HMAC for External Account Binding, nested JWS for keyChange
     der    PKCS#10 CSR, the tls-alpn-01 certificate, certificate reading
     chall  key authorization, dns-01/http-01/tls-alpn-01/dns-account-01/
            dns-persist-01 helpers, the ARI certificate ID
     http   the transport contract and the response the transport fills
     protocol  the client: every RFC 8555 operation as a non-blocking
            request/response pair plus a blocking call over the transport
     issue  acme2_issue: one call from identifiers to a checked certificate

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
     ACME2_HOSTED           1: a POSIX system (time(), poll(), getrandom()
                            or /dev/urandom); 0: bare metal. Detected: 1 on
                            Linux, macOS, the BSDs and other __unix__
                            systems, 0 elsewhere (arm-none-eabi, Zephyr,
                            ESP-IDF, Windows). Bare metal gets both macros
                            below, so nothing needs an OS, and must supply:
                            the clock and sleep callbacks of acme2_options
                            (acme2_client_init returns ACME2_ERR_NO_CLOCK
                            without a clock, or without a sleep when it is
                            given a transport), and entropy for key
                            generation (a br_prng_class, or ACME2_ENTROPY;
                            without either acme2_key_generate returns
                            ACME2_ERR_RNG and acme2_rng_system is not
                            declared, so calling it fails to compile)
     ACME2_NO_SYSTEM_RNG    no getrandom()//dev/urandom default (firmware)
     ACME2_NO_HOSTED        no time()/sleep() defaults for the client's clock
     Features a device may not need, each on by default; defining the macro
     removes the functions named (their declarations too), so a program
     that calls one fails to build rather than at run time:
     ACME2_NO_KEYGEN        acme2_key_generate (keys come from storage)
     ACME2_NO_KEY_PEM       keys in DER only: acme2_key_load refuses PEM
                            (ACME2_ERR_KEY_FORMAT), no acme2_key_save_pem
     ACME2_NO_KEY_SAVE      acme2_key_save_der, acme2_key_save_pem
     ACME2_NO_EAB           acme2_hmac, acme2_jws_eab; an account request
                            with eab_kid fails with ACME2_ERR_UNSUPPORTED
     ACME2_NO_ARI           acme2_ari_cert_id, acme2_renewal_info_get*
     ACME2_NO_TLS_ALPN      acme2_tls_alpn01_cert_der, acme2_tls_alpn01_cert
                            (the challenge type is still parsed and offered
                            to a deploy callback that builds its own)
     ACME2_NO_KEY_CHANGE    acme2_jws_key_change, acme2_account_key_change*
     ACME2_NO_REVOKE        acme2_revoke*
     ACME2_NO_ACCOUNT_ADMIN acme2_account_update*, acme2_account_deactivate*
     ACME2_NO_AUTHZ_ADMIN   acme2_authz_new* (pre-authorization, also of
                            subdomains), acme2_authz_deactivate*
     ACME2_NO_IP            no IP identifiers (RFC 8738): acme2_ip_parse
                            refuses every text (ACME2_ERR_IDENTIFIER), no
                            acme2_ip_format; acme2_cert_san_next skips
                            iPAddress entries like other name types
     ACME2_NO_DNS_ACCOUNT   acme2_dns_account01_name; a dns-account-01
                            challenge is parsed as ACME2_CHALLENGE_OTHER
     ACME2_NO_DNS_PERSIST   acme2_dns_persist01_name, acme2_dns_persist01_txt,
                            acme2_directory_issuer_domain,
                            acme2_challenge_issuer_domain; the directory's
                            accountHashPrefix and issuerDomainNames are not
                            read, a dns-persist-01 challenge is parsed as
                            ACME2_CHALLENGE_OTHER
     ACME2_NO_CHAIN_LINKS   acme2_certificate_alternate, acme2_certificate_up,
                            acme2_certificate_issuer_*,
                            acme2_certificate_download_chain (Link
                            rel="alternate" and rel="up" not kept);
                            acme2_issue with chain or full_chain set fails
                            with ACME2_ERR_UNSUPPORTED before any request
     ACME2_NO_ORDERS_LIST   acme2_orders_page_*, acme2_account_orders (Link
                            rel="next" not kept; with ACME2_NO_CHAIN_LINKS
                            too, Link headers are ignored)
     ACME2_NO_PROFILES      acme2_directory_profile; meta profiles is not
                            read, so an order with a profile fails with
                            ACME2_ERR_PROFILE before any request
     ACME2_NO_SUBDOMAINS    RFC 9444: subdomainAuthAllowed is not read
                            (directory and authorization: 0), so an order
                            with ancestor_domains fails with
                            ACME2_ERR_UNSUPPORTED before any request
     ACME2_NO_ORDER_TIMES   order and authorization timestamps: expires,
                            notBefore, notAfter and a challenge's validated
                            are not read (0); an order asking for
                            not_before or not_after fails with
                            ACME2_ERR_UNSUPPORTED before any request
     ACME2_NO_HTTP_DATE     Retry-After as delta-seconds only:
                            acme2_retry_after_parse refuses an HTTP date
                            (ACME2_ERR_PROTOCOL), so a response dated so
                            counts as one without Retry-After (the polling
                            schedule's own wait; 429/503 not retried)
     ACME2_NO_SUBPROBLEMS   a problem's subproblems are not read (n_sub and
                            n_sub_total stay 0)
     ACME2_NO_LOG           the log callback of acme2_options is never
                            called (the messages are not compiled in)
     ACME2_NO_PROBLEM_TYPES a problem's type is ACME2_PROB_OTHER but for the
                            two the library acts on (ACME2_PROB_BAD_NONCE,
                            ACME2_PROB_ALREADY_REPLACED); type_str still
                            holds the server's text
     ACME2_MINIMAL          all of the above plus ACME2_NO_RSA and
                            ACME2_NO_STRERROR: the smallest client that
                            still issues with an EC key (what `make size`
                            measures as "smallest")
     ACME2_ENTROPY(buf, n)  an expression filling buf with n bytes from a
                            true random source, 0 on success: the seed of
                            acme2_rng_system instead of the OS (also on bare
                            metal, e.g. a TRNG driver; declare it first)
     ACME2_MAX_URL, ACME2_MAX_NONCE, ACME2_MAX_AUTHZ, ACME2_ORDER_STRINGS, ...
                            the bounds of each section, next to it
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

/* ACME2_MINIMAL: every droppable feature off (see CONFIGURATION). */
#ifdef ACME2_MINIMAL
#ifndef ACME2_NO_RSA
#define ACME2_NO_RSA
#endif
#ifndef ACME2_NO_STRERROR
#define ACME2_NO_STRERROR
#endif
#ifndef ACME2_NO_KEYGEN
#define ACME2_NO_KEYGEN
#endif
#ifndef ACME2_NO_KEY_PEM
#define ACME2_NO_KEY_PEM
#endif
#ifndef ACME2_NO_KEY_SAVE
#define ACME2_NO_KEY_SAVE
#endif
#ifndef ACME2_NO_EAB
#define ACME2_NO_EAB
#endif
#ifndef ACME2_NO_ARI
#define ACME2_NO_ARI
#endif
#ifndef ACME2_NO_TLS_ALPN
#define ACME2_NO_TLS_ALPN
#endif
#ifndef ACME2_NO_KEY_CHANGE
#define ACME2_NO_KEY_CHANGE
#endif
#ifndef ACME2_NO_REVOKE
#define ACME2_NO_REVOKE
#endif
#ifndef ACME2_NO_IP
#define ACME2_NO_IP
#endif
#ifndef ACME2_NO_ACCOUNT_ADMIN
#define ACME2_NO_ACCOUNT_ADMIN
#endif
#ifndef ACME2_NO_AUTHZ_ADMIN
#define ACME2_NO_AUTHZ_ADMIN
#endif
#ifndef ACME2_NO_DNS_ACCOUNT
#define ACME2_NO_DNS_ACCOUNT
#endif
#ifndef ACME2_NO_DNS_PERSIST
#define ACME2_NO_DNS_PERSIST
#endif
#ifndef ACME2_NO_CHAIN_LINKS
#define ACME2_NO_CHAIN_LINKS
#endif
#ifndef ACME2_NO_ORDERS_LIST
#define ACME2_NO_ORDERS_LIST
#endif
#ifndef ACME2_NO_PROFILES
#define ACME2_NO_PROFILES
#endif
#ifndef ACME2_NO_SUBDOMAINS
#define ACME2_NO_SUBDOMAINS
#endif
#ifndef ACME2_NO_ORDER_TIMES
#define ACME2_NO_ORDER_TIMES
#endif
#ifndef ACME2_NO_HTTP_DATE
#define ACME2_NO_HTTP_DATE
#endif
#ifndef ACME2_NO_SUBPROBLEMS
#define ACME2_NO_SUBPROBLEMS
#endif
#ifndef ACME2_NO_LOG
#define ACME2_NO_LOG
#endif
#ifndef ACME2_NO_PROBLEM_TYPES
#define ACME2_NO_PROBLEM_TYPES
#endif
#endif

/* Hosted (POSIX) or bare metal: see CONFIGURATION above. */
#ifndef ACME2_HOSTED
#if defined(__unix__) || defined(__unix) || (defined(__APPLE__) && defined(__MACH__))
#define ACME2_HOSTED 1
#else
#define ACME2_HOSTED 0
#endif
#endif
#if !ACME2_HOSTED
#ifndef ACME2_NO_HOSTED
#define ACME2_NO_HOSTED
#endif
#if !defined(ACME2_NO_SYSTEM_RNG) && !defined(ACME2_ENTROPY)
#define ACME2_NO_SYSTEM_RNG
#endif
#endif

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
    X(ACME2_ERR_PROFILE,         -36, "profile not offered by the server") \
    X(ACME2_ERR_NO_CLOCK,        -37, "no clock or sleep callback (none by default without ACME2_HOSTED)")

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

/* == json == */

/* Token types. */
enum acme2_json_type {
    ACME2_JSON_OBJECT = 1,
    ACME2_JSON_ARRAY,
    ACME2_JSON_STRING,
    ACME2_JSON_NUMBER,
    ACME2_JSON_TRUE,
    ACME2_JSON_FALSE,
    ACME2_JSON_NULL
};

/* One token. Offsets are into the parsed text. For a string, [start, end)
   is the raw (still escaped) content between the quotes; for any other
   type, the whole value. `size` is the number of members of an object, the
   number of elements of an array, 1 for a string that is an object key, 0
   otherwise. `parent` is the index of the enclosing token (for a value of
   an object member: the key token), -1 for the root. */
typedef struct acme2_json_tok {
    int type;
    int start, end;
    int size;
    int parent;
} acme2_json_tok;

/* Strict RFC 8259 tokenizer. Tokens are written in document order into
   toks[0..max_toks). Returns the token count, or ACME2_ERR_JSON (any syntax
   error: trailing commas, leading zeros, bad escapes, raw control
   characters, invalid UTF-8, lone surrogates in \u escapes, trailing
   garbage other than white space, unbalanced brackets, empty input),
   ACME2_ERR_JSON_DEPTH (nesting beyond ACME2_JSON_MAX_DEPTH; a top-level
   object or array is depth 1) or ACME2_ERR_NOSPACE (more tokens than
   max_toks; only reported for text that is otherwise valid, so a retry with
   more tokens succeeds). Any value may be the root. With toks == NULL it
   validates the whole text and returns the count it would need (max_toks is
   then ignored). Never reads js[len] or beyond; js need not be
   NUL-terminated. Input longer than INT_MAX bytes, js == NULL with len > 0
   and max_toks < 0 are refused with ACME2_ERR_PARAM. Never writes beyond
   toks[max_toks - 1]; after a failure the written tokens are unspecified.
   Time is linear in len; stack use is a few dozen bytes (no recursion). */
ACME2_DEF int acme2_json_parse(const char *js, size_t len, acme2_json_tok *toks, int max_toks);

/* Index of the token after token i and everything nested in it (for
   iterating an array: first element i+1, next acme2_json_next(..); for an
   object key, its value is nested in it, so the result is the next key).
   Returns ntok when i is the last, and also when i is outside [0, ntok),
   so iteration loops end. O(log ntok): containers are skipped by binary
   search on offsets.

   Lookups below (next, get, at) only index toks[0..ntok), whatever the
   tokens hold; they are meant for the tokens of a successful parse. */
ACME2_DEF int acme2_json_next(const acme2_json_tok *toks, int ntok, int i);

/* Index of the value of member `key` of object token obj. Keys are compared
   after unescaping. ACME2_ERR_NOT_FOUND if absent, ACME2_ERR_TYPE if obj is
   not an object, ACME2_ERR_JSON if the key occurs more than once (a server
   that sends duplicates is not trusted to mean either; only duplicates of
   the key asked for are detected). A negative obj is returned unchanged, so
   lookups chain (get(get(doc, "meta"), "website") reports the inner
   NOT_FOUND); obj >= ntok is ACME2_ERR_PARAM. Visits every member:
   O(members * log ntok + bytes of the keys compared). */
ACME2_DEF int acme2_json_get(const char *js, const acme2_json_tok *toks, int ntok, int obj, const char *key);

/* Index of element k (0-based) of array token arr; ACME2_ERR_NOT_FOUND when
   out of range, ACME2_ERR_TYPE if arr is not an array. A negative arr is
   returned unchanged (as for acme2_json_get); arr >= ntok is
   ACME2_ERR_PARAM. O(k * log ntok). */
ACME2_DEF int acme2_json_at(const acme2_json_tok *toks, int ntok, int arr, int k);

/* 1 if string token t, unescaped, equals the NUL-terminated s; 0 otherwise
   (also when t is not a string). */
ACME2_DEF int acme2_json_eq(const char *js, const acme2_json_tok *t, const char *s);

/* Unescapes string token t into out as UTF-8 (every \u escape, surrogate
   pairs joined) and NUL-terminates it. Returns the length; ACME2_ERR_TYPE
   if t is not a string, ACME2_ERR_NOSPACE if it does not fit (out_size
   must be at least the length + 1), ACME2_ERR_JSON if the text holds
   \u0000 (a NUL would cut the C string). With out == NULL returns the
   length it needs, without the NUL. On failure out is untouched. */
ACME2_DEF int acme2_json_str(const char *js, const acme2_json_tok *t, char *out, size_t out_size);

/* Integer value of number token t. ACME2_ERR_TYPE if t is not a number or
   has a fraction or exponent (even "1.0" or "1e2"), ACME2_ERR_RANGE if it
   does not fit a long long. On failure *out is untouched. */
ACME2_DEF int acme2_json_int(const char *js, const acme2_json_tok *t, long long *out);

/* Boolean value of t: ACME2_ERR_TYPE unless true or false. */
ACME2_DEF int acme2_json_bool(const acme2_json_tok *t, int *out);

/* == keys == */

#if ACME2_RSA_MAX_BITS < 2048 || ACME2_RSA_MAX_BITS > 4096
#error "ACME2_RSA_MAX_BITS must be within 2048..4096 (CAs refuse smaller keys, BearSSL larger ones)"
#endif

enum acme2_key_kind { ACME2_KEY_NONE = 0, ACME2_KEY_EC = 1, ACME2_KEY_RSA = 2 };

/* Bytes of key material an acme2_key holds: an RSA key of
   ACME2_RSA_MAX_BITS (p, q, dp, dq, iq, n, e), or with ACME2_NO_RSA the
   largest EC private scalar and public point BearSSL produces. */
#ifndef ACME2_NO_RSA
#define ACME2__KEY_STORE (BR_RSA_KBUF_PRIV_SIZE(ACME2_RSA_MAX_BITS) + BR_RSA_KBUF_PUB_SIZE(ACME2_RSA_MAX_BITS))
#else
#define ACME2__KEY_STORE (BR_EC_KBUF_PRIV_MAX_SIZE + BR_EC_KBUF_PUB_MAX_SIZE)
#endif

/* Storage for one private key with its public half. Holds raw key bytes and
   offsets only (no pointers), so it may be copied or moved freely. Zero it
   (or acme2_key_wipe it) before first use; wipe it when done: it holds the
   secret. Size: about 1.9 KB with RSA-4096 support, 1 KB with RSA-2048,
   about 260 bytes with ACME2_NO_RSA. The layout of buf is private:
   EC keeps the scalar x and the point 04||X||Y, RSA keeps p, q, dp, dq, iq,
   n and e (big-endian, no leading zeros except x, which has the curve's
   length). The private exponent d is not kept: acme2_key_save_der
   recomputes it. */
typedef struct acme2_key {
    int kind;               /* enum acme2_key_kind */
    int curve;              /* EC: BR_EC_secp256r1 or BR_EC_secp384r1 */
    unsigned bits;          /* EC: 256/384; RSA: exact modulus size in bits */
    unsigned short off[7];  /* where each component starts in buf */
    unsigned short len[7];  /* and its length */
    unsigned char buf[ACME2__KEY_STORE];
} acme2_key;

/* Seeds an HMAC-DRBG (SHA-256) from the operating system: getrandom() on
   Linux with glibc 2.25 or later, else /dev/urandom; or from ACME2_ENTROPY
   when that is defined. Returns 0 or ACME2_ERR_RNG. Not built with
   ACME2_NO_SYSTEM_RNG (the default on bare metal without ACME2_ENTROPY);
   firmware passes its own br_prng_class instead. */
#ifndef ACME2_NO_SYSTEM_RNG
ACME2_DEF int acme2_rng_system(br_hmac_drbg_context *drbg);
#endif

/* Generates a key. kind ACME2_KEY_EC with bits 256 or 384 (P-256, P-384);
   ACME2_KEY_RSA with bits 2048..ACME2_RSA_MAX_BITS, a multiple of 8, e =
   65537 (RSA-2048 takes about 0.1 s on a PC, seconds on a microcontroller).
   rng is a seeded BearSSL PRNG, or NULL for acme2_rng_system (then
   ACME2_ERR_RNG when there is no system source or ACME2_NO_SYSTEM_RNG is
   defined). ACME2_ERR_KEY_UNSUPPORTED for other kinds and sizes (every RSA
   size with ACME2_NO_RSA). On failure key is untouched. */
#ifndef ACME2_NO_KEYGEN
ACME2_DEF int acme2_key_generate(acme2_key *key, int kind, unsigned bits, const br_prng_class **rng);
#endif

/* Loads a private key from PEM or DER (detected: text holding "-----BEGIN "
   is PEM, anything else DER). Accepted: SEC1 "EC PRIVATE KEY", PKCS#1 "RSA
   PRIVATE KEY" and PKCS#8 "PRIVATE KEY" (v1 or v2), for P-256, P-384 and
   RSA of 2048..ACME2_RSA_MAX_BITS bits with any odd 32-bit public exponent.
   In PEM, blocks of other labels (such as the "EC PARAMETERS" openssl
   writes first) are skipped and the first private key block is used. The
   key is checked for consistency (EC: the scalar is in range and matches an
   included public point; RSA: a private-key operation is undone by the
   public one), so a damaged file is refused here and not by the CA.
   Errors: ACME2_ERR_KEY_ENCRYPTED (PEM with "Proc-Type: 4,ENCRYPTED", or
   PKCS#8 EncryptedPrivateKeyInfo in PEM or DER), ACME2_ERR_KEY_ED25519,
   ACME2_ERR_KEY_EXPLICIT_EC (curve given by its parameters, not by name),
   ACME2_ERR_KEY_UNSUPPORTED (other curves and algorithms, RSA outside the
   size limits or with a larger exponent, multi-prime RSA, every RSA key with
   ACME2_NO_RSA), ACME2_ERR_PEM (malformed PEM armour or base64),
   ACME2_ERR_KEY_FORMAT (anything else, including truncated input and
   trailing bytes). On failure key is untouched. Secret bytes pass through
   no buffer that outlives the call.
   Stack: a temporary acme2_key plus ACME2_RSA_MAX_BITS/8 bytes for the RSA
   check: about 2.7 KB at 4096 bits, 1.5 KB at 2048, 0.6 KB with
   ACME2_NO_RSA, plus what BearSSL's RSA private-key operation takes; a PEM
   key adds its decoded DER (at most six moduli: 3.2 KB at 4096 bits, 1.7 KB
   at 2048, 512 bytes with ACME2_NO_RSA; a larger body is
   ACME2_ERR_KEY_UNSUPPORTED), wiped before the call returns. */
ACME2_DEF int acme2_key_load(acme2_key *key, const void *data, size_t len);

#ifndef ACME2_NO_KEY_SAVE
/* PKCS#8 DER of the private key (EC: with the public point inside the
   ECPrivateKey; RSA: with d recomputed from p, q and e); returns its length.
   out == NULL returns the length needed. ACME2_ERR_NOSPACE when out_size is
   too small (out untouched), ACME2_ERR_PARAM for an empty key. */
ACME2_DEF int acme2_key_save_der(const acme2_key *key, void *out, size_t out_size);

/* PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----", 64-column lines, LF), NUL-
   terminated; returns its length without the NUL. out == NULL returns that
   length. The DER is built inside out and encoded in place, so no secret
   copy is left on the stack. */
#ifndef ACME2_NO_KEY_PEM
ACME2_DEF int acme2_key_save_pem(const acme2_key *key, char *out, size_t out_size);
#endif
#endif

/* SubjectPublicKeyInfo DER of the public key (EC: id-ecPublicKey with the
   named curve and the uncompressed point; RSA: rsaEncryption with NULL
   parameters). out == NULL returns the length needed. */
ACME2_DEF int acme2_key_spki_der(const acme2_key *key, void *out, size_t out_size);

/* Wipes the key and marks it empty (every byte of *key becomes zero). */
ACME2_DEF void acme2_key_wipe(acme2_key *key);

/* == jws == */

/* The JWS algorithm of a key: "ES256" (P-256), "ES384" (P-384) or "RS256"
   (RSA); NULL for an empty key. */
ACME2_DEF const char *acme2_jws_alg(const acme2_key *key);

/* The public JWK in RFC 7638 canonical form: required members only, in
   lexicographic order, no white space: {"crv":..,"kty":"EC","x":..,"y":..}
   or {"e":..,"kty":"RSA","n":..} (n and e without leading zero bytes).
   NUL-terminated; returns the length. out == NULL returns the length
   needed; ACME2_ERR_NOSPACE leaves out untouched; ACME2_ERR_PARAM for an
   empty key. */
ACME2_DEF int acme2_jwk(const acme2_key *key, char *out, size_t out_size);

/* RFC 7638 thumbprint: base64url(SHA-256(canonical JWK)), 43 characters
   and a NUL (out_size >= 44). The JWK text is hashed as it is produced, so
   no buffer for it is needed. */
ACME2_DEF int acme2_jwk_thumbprint(const acme2_key *key, char *out, size_t out_size);

/* Signs data with the key in JWS form: ES256/ES384 give r||s (64/96 bytes,
   deterministic per RFC 6979), RS256 a PKCS#1 v1.5 signature the size of
   the modulus. The hash is SHA-384 for P-384 keys, SHA-256 otherwise.
   Returns the length; sig == NULL returns the length needed. */
ACME2_DEF int acme2_sign(const acme2_key *key, const void *data, size_t len, unsigned char *sig, size_t sig_size);

#ifndef ACME2_NO_EAB
/* HMAC (RFC 2104) with SHA-256, -384 or -512 (bits = 256/384/512; other
   values: ACME2_ERR_PARAM). Returns the MAC length (bits / 8); out == NULL
   returns it without computing. The contexts holding key material are
   wiped. */
ACME2_DEF int acme2_hmac(unsigned bits, const void *key, size_t key_len, const void *data, size_t len,
                         unsigned char *out, size_t out_size);
#endif

/* Appends a flattened JSON JWS (RFC 7515 section 7.2.2, RFC 8555 section
   6.2) to sb as a JSON value: {"protected":..,"payload":..,"signature":..}.
   The protected header holds, in this order: alg, then kid (when kid !=
   NULL) or the key's jwk, then nonce (when nonce != NULL), then url
   (required). payload is JSON text of payload_len bytes, base64url-encoded
   as given; payload == NULL means POST-as-GET ("payload":"").
   Memory: nothing but sb's buffer holds the header, the payload or the
   signature: each is written into the free part of the buffer and encoded
   in place, and the signing input is hashed where it lies.
   Errors are sticky in sb and returned (0 or negative): ACME2_ERR_PARAM for
   an empty key, a NULL url or strings that are not UTF-8; ACME2_ERR_NOSPACE
   when the buffer is too small, with sb->len + 1 then the exact size that
   would have fitted; ACME2_ERR_CRYPTO if signing fails. */
ACME2_DEF int acme2_jws(acme2_sb *sb, const acme2_key *key, const char *kid, const char *nonce,
                        const char *url, const char *payload, size_t payload_len);

#ifndef ACME2_NO_EAB
/* External Account Binding (RFC 8555 section 7.3.4): appends the JWS whose
   protected header is {"alg":"HS256|HS384|HS512","kid":eab_kid,"url":url}
   and whose payload is the account key's JWK, MACed with mac_key (the raw
   key, already base64url-decoded). bits selects the HMAC (256/384/512).
   Same buffer and error contract as acme2_jws. */
ACME2_DEF int acme2_jws_eab(acme2_sb *sb, unsigned bits, const void *mac_key, size_t mac_key_len,
                            const char *eab_kid, const char *url, const acme2_key *account_key);
#endif

#ifndef ACME2_NO_KEY_CHANGE
/* keyChange inner JWS (RFC 8555 section 7.3.5): protected {"alg","jwk" of
   new_key,"url"} (no nonce, no kid), payload {"account":account_url,
   "oldKey":jwk of old_key}, signed by new_key. Use the result as the
   payload of an ordinary acme2_jws signed by the old key with kid =
   account_url and the same url. Same buffer and error contract as
   acme2_jws. */
ACME2_DEF int acme2_jws_key_change(acme2_sb *sb, const acme2_key *new_key, const acme2_key *old_key,
                                   const char *account_url, const char *url);
#endif

/* == der == */

/* Longest certificate serial number kept. RFC 5280 allows 20 octets, and a
   positive 20-octet serial needs a leading 0x00; some CAs overshoot, so
   there is room for a little more while still bounding the field. */
#ifndef ACME2_MAX_SERIAL
#define ACME2_MAX_SERIAL 32
#endif

/* Most extensions a certificate may carry. Duplicate detection compares each
   extension with the ones before it (quadratic), so the count is bounded;
   CA leaf certificates carry about 10. */
#ifndef ACME2_MAX_EXTENSIONS
#define ACME2_MAX_EXTENSIONS 32
#endif

/* Text size (with the NUL) that holds any address acme2_ip_format writes:
   eight groups of four hex digits and seven colons, plus the NUL. */
#define ACME2_IP_TEXT_MAX 40

/* Text size (with the NUL) that holds any DNS identifier (RFC 1035: 253
   characters written without the final dot). */
#define ACME2_DNS_TEXT_MAX 254

enum acme2_id_type { ACME2_ID_DNS = 1, ACME2_ID_IP = 2 };

/* An ACME identifier: a DNS name (wildcards "*.example.com" allowed) or an
   IP address in text form (IPv4 dotted quad, IPv6 RFC 4291 text). */
typedef struct acme2_identifier {
    int type;            /* enum acme2_id_type */
    const char *value;   /* NUL-terminated */
} acme2_identifier;

/* Checks an identifier before it goes into an order, a CSR or a challenge
   helper. DNS: ASCII letters, digits and hyphens ("LDH") in labels of 1..63
   bytes that neither start nor end with a hyphen, 253 bytes at most, no
   trailing dot, optionally "*." as the whole first label; IDNs must come
   as A-labels ("xn--..."); a dotted quad is refused (use ACME2_ID_IP).
   Upper case is accepted (comparisons ignore case), though CAs expect lower
   case. IP: what acme2_ip_parse accepts. Returns 0 or ACME2_ERR_IDENTIFIER. */
ACME2_DEF int acme2_identifier_check(const acme2_identifier *id);

/* Parses an IP address in text: IPv4 as a strict dotted quad (four decimal
   numbers 0..255, no leading zeros, nothing around them); IPv6 as RFC 4291
   section 2.2 text (1..4 hex digits per group, at most one "::", optional
   dotted-quad tail in the last 32 bits; no zone index). Writes 4 or 16
   bytes into out and returns that length, or ACME2_ERR_IDENTIFIER. */
ACME2_DEF int acme2_ip_parse(const char *text, unsigned char out[16]);

#ifndef ACME2_NO_IP
/* Formats 4 or 16 address bytes as text. IPv6 follows RFC 5952: lower case,
   no leading zeros, the longest run of two or more zero groups (the first
   of equal runs) written "::", a single zero group written "0". IPv4-mapped
   addresses (::ffff:0:0/96) keep the dotted-quad tail RFC 5952 section 5
   recommends: "::ffff:192.0.2.1". Returns the length; ACME2_ERR_PARAM when
   ip_len is not 4 or 16, ACME2_ERR_NOSPACE when out_size is too small
   (ACME2_IP_TEXT_MAX always fits). */
ACME2_DEF int acme2_ip_format(const unsigned char *ip, size_t ip_len, char *out, size_t out_size);
#endif

#define ACME2_CSR_NO_CN 1       /* flag: leave the subject empty */
#define ACME2_CSR_MUST_STAPLE 2 /* flag: ask for the RFC 7633 TLS Feature extension ("OCSP Must-Staple") */

/* PKCS#10 CSR in DER, signed by key (ECDSA with SHA-256 for P-256 and
   SHA-384 for P-384, as ASN.1; or RSA PKCS#1 v1.5 SHA-256), with an
   extensionRequest holding a non-critical subjectAltName: dNSName for DNS
   identifiers, iPAddress for IP ones, in the order given. The subject is
   CN=<first DNS identifier> (UTF8String) unless ACME2_CSR_NO_CN is given,
   there is no DNS identifier, or the first one is longer than 64 bytes
   (RFC 5280's upper bound); then it is the empty sequence. With
   ACME2_CSR_MUST_STAPLE the extensionRequest also holds a non-critical TLS
   Feature extension (RFC 7633, id-pe-tlsfeature 1.3.6.1.5.5.7.1.24) listing
   status_request (5), after the subjectAltName. Other flag bits are ignored.
   out == NULL returns the size out must have: exact for RSA, an upper
   bound for ECDSA (its DER signature varies by a few bytes), computed
   without signing. With out != NULL, out_size must be at least that size
   (ACME2_ERR_NOSPACE otherwise, out untouched); returns the exact length.
   ACME2_ERR_IDENTIFIER for a malformed identifier, ACME2_ERR_PARAM for no
   identifiers or an empty key, ACME2_ERR_KEY_UNSUPPORTED for other curves;
   when signing fails out holds unspecified bytes. Signs once per call. */
ACME2_DEF int acme2_csr_der(unsigned char *out, size_t out_size, const acme2_key *key,
                            const acme2_identifier *ids, size_t n_ids, unsigned flags);

#ifndef ACME2_NO_TLS_ALPN
/* The tls-alpn-01 challenge certificate (RFC 8737 section 3; RFC 8738
   section 6 for IP identifiers): X.509 v3, self-signed by key (algorithms
   as for the CSR), issuer = subject = CN=<identifier> for DNS names of at
   most 64 bytes and CN=acme-tls-alpn-01 otherwise (IP addresses, long
   names), a subjectAltName holding exactly the identifier (dNSName or
   iPAddress), and the critical id-pe-acmeIdentifier extension
   (1.3.6.1.5.5.7.1.31) holding OCTET STRING(SHA-256(key_authorization)).
   Valid from now - 1 hour to now + 7 days (now: Unix time; UTCTime for
   years 1950..2049, GeneralizedTime otherwise; ACME2_ERR_PARAM outside
   years 0..9999); the serial is the first 16 bytes of that digest, made
   positive, so no randomness is needed. Sizes and errors as for
   acme2_csr_der; a wildcard identifier is refused (ACME2_ERR_IDENTIFIER):
   tls-alpn-01 validates the name an authorization carries, never "*.".
   Returns the DER length. */
ACME2_DEF int acme2_tls_alpn01_cert_der(unsigned char *out, size_t out_size, const acme2_key *key,
                                        const acme2_identifier *id, const char *key_authorization,
                                        int64_t now);
#endif

/* What acme2_cert_parse reads from an X.509 certificate. Pointers are into
   the caller's DER and live as long as it. */
typedef struct acme2_cert_info {
    const unsigned char *serial;   /* INTEGER content bytes as encoded */
    size_t serial_len;
    const unsigned char *aki;      /* authorityKeyIdentifier keyIdentifier, or NULL */
    size_t aki_len;
    int64_t not_before, not_after; /* Unix time */
    const unsigned char *spki;     /* SubjectPublicKeyInfo DER (whole SEQUENCE) */
    size_t spki_len;
    const unsigned char *san;      /* SubjectAltName extension: GeneralNames contents, or NULL */
    size_t san_len;
    const unsigned char *issuer;   /* issuer Name DER (whole SEQUENCE) */
    size_t issuer_len;
    const unsigned char *subject;  /* subject Name DER (whole SEQUENCE) */
    size_t subject_len;
} acme2_cert_info;

/* Reads a DER certificate strictly enough to trust the fields above: every
   length checked against its container, definite minimal lengths only,
   nothing trailing; the tbsCertificate fields in order (optional explicit
   version 0..2, serial of 1..ACME2_MAX_SERIAL bytes in minimal form,
   algorithm, issuer, validity as UTCTime "YYMMDDHHMMSSZ" (years 50..99
   mean 19xx) or GeneralizedTime "YYYYMMDDHHMMSSZ", subject, SPKI, optional
   unique IDs, optional extensions), then the signature algorithm and a
   BIT STRING. Extensions: at most ACME2_MAX_EXTENSIONS, no OID twice; the
   subjectAltName and authorityKeyIdentifier are checked inside. The
   signature is not verified. ACME2_ERR_DER on anything else; ci is only
   written on success. */
ACME2_DEF int acme2_cert_parse(acme2_cert_info *ci, const void *der, size_t len);

/* Iterates the SANs: *pos starts at 0. On each DNS or IP entry writes its
   type and text (IP formatted by acme2_ip_format) and returns 1; returns 0
   at the end; other name types are skipped. ACME2_ERR_DER on malformed
   DER, a dNSName with bytes outside printable ASCII or an iPAddress that
   is not 4 or 16 bytes; ACME2_ERR_NOSPACE when out_size is too small (then
   *pos stays, so a retry with a larger buffer gets the same entry). */
ACME2_DEF int acme2_cert_san_next(const acme2_cert_info *ci, size_t *pos, int *type, char *out, size_t out_size);

/* 0 when the certificate's SANs cover every identifier (DNS names compared
   case-insensitively and exactly, wildcards only by an identical wildcard;
   IPs by address bytes), else ACME2_ERR_CERT_NAMES. ACME2_ERR_IDENTIFIER
   for a malformed identifier. */
ACME2_DEF int acme2_cert_covers(const acme2_cert_info *ci, const acme2_identifier *ids, size_t n_ids);

/* 0 when the certificate's public key is key's public key (algorithm,
   curve and key bits compared; an RSA AlgorithmIdentifier without the NULL
   parameter matches one with it), else ACME2_ERR_CERT_KEY. */
ACME2_DEF int acme2_cert_key_match(const acme2_cert_info *ci, const acme2_key *key);

/* Iterates the CERTIFICATE blocks of a PEM text: *pos starts at 0. Decodes
   the next one into der and returns 1 (its length in *der_len); 0 when no
   more blocks; ACME2_ERR_PEM on a malformed block (bad or missing base64,
   padding or trailing bits; headers; a missing or mismatched END line) or a
   block of another label; ACME2_ERR_NOSPACE if der is too small. Inside a
   block, spaces, tabs, CR and LF between base64 characters are ignored.
   Text between blocks is ignored. On an error *pos does not move. */
ACME2_DEF int acme2_pem_cert_next(const char *pem, size_t len, size_t *pos,
                                  unsigned char *der, size_t der_size, size_t *der_len);

/* == chall == */

/* Longest challenge token accepted. RFC 8555 section 8.1 asks for at least
   128 bits of entropy (22 base64url characters); Boulder and Pebble send
   43. The bound sizes the key authorization kept on the stack (token, ".",
   43-character thumbprint). */
#ifndef ACME2_MAX_TOKEN
#define ACME2_MAX_TOKEN 256
#endif

/* Each function below writes NUL-terminated text and returns its length,
   ACME2_ERR_NOSPACE when out_size is too small (out untouched),
   ACME2_ERR_TOKEN for a token that is empty, longer than ACME2_MAX_TOKEN
   or not base64url characters, ACME2_ERR_IDENTIFIER for a malformed DNS
   identifier (rules of acme2_identifier_check). */

/* Key authorization (RFC 8555 section 8.1): token "." thumbprint(account
   key). */
ACME2_DEF int acme2_key_authorization(const acme2_key *account_key, const char *token, char *out, size_t out_size);

/* dns-01 TXT record value (RFC 8555 section 8.4):
   base64url(SHA-256(key authorization)), 43 characters. */
ACME2_DEF int acme2_dns01_txt(const acme2_key *account_key, const char *token, char *out, size_t out_size);

/* dns-01 record name for a DNS identifier: "_acme-challenge." + name, with
   a leading "*." removed (RFC 8555 section 8.4). ACME2_ERR_IDENTIFIER also
   when the result would exceed 253 characters. */
ACME2_DEF int acme2_dns01_name(const char *identifier, char *out, size_t out_size);

/* http-01 path (RFC 8555 section 8.3): "/.well-known/acme-challenge/" +
   token. The response body is the key authorization. */
ACME2_DEF int acme2_http01_path(const char *token, char *out, size_t out_size);

#ifndef ACME2_NO_TLS_ALPN
/* tls-alpn-01 certificate (acme2_tls_alpn01_cert_der) for identifier id
   and the key authorization of token under account_key, signed by
   cert_key. Sizes and results as for acme2_tls_alpn01_cert_der. */
ACME2_DEF int acme2_tls_alpn01_cert(unsigned char *out, size_t out_size, const acme2_key *cert_key,
                                    const acme2_key *account_key, const acme2_identifier *id,
                                    const char *token, int64_t now);
#endif

/* dns-account-01 record name (draft-ietf-acme-dns-account-label-03 of
   15 May 2026, section 3: the latest revision as of December 2026; -01 and
   -02 build the name the same way): "_" + base32(SHA-256(account_url)
   [0..10)) in lower case without padding (16 characters) +
   "._acme-challenge." + the DNS identifier with a leading "*." removed.
   The TXT value is the one of dns-01 (acme2_dns01_txt). ACME2_ERR_PARAM
   for an empty account URL; ACME2_ERR_IDENTIFIER also when the result
   would exceed 253 characters. */
#ifndef ACME2_NO_DNS_ACCOUNT
ACME2_DEF int acme2_dns_account01_name(const char *account_url, const char *identifier, char *out, size_t out_size);
#endif

#ifndef ACME2_NO_DNS_PERSIST
/* dns-persist-01 (draft-ietf-acme-dns-persist-02 of 20 September 2026, the
   latest revision as of December 2026): a TXT record that stays published
   and proves control for every later order of the same account, instead
   of a per-challenge token. Record name (section 4): "_validation-persist."
   + the DNS identifier with a leading "*." removed; ACME2_ERR_IDENTIFIER
   as for acme2_dns01_name. */
ACME2_DEF int acme2_dns_persist01_name(const char *identifier, char *out, size_t out_size);

/* What the record value is built from. Everything but the thumbprint is
   public, so a DNS operator can publish the record for the account holder
   (draft section 4.5). */
typedef struct acme2_dns_persist01_record {
    const char *issuer_domain;       /* one of the CA's issuerDomainNames: lower-case LDH labels, no trailing dot */
    const char *account_hash_prefix; /* the directory's meta accountHashPrefix, e.g. "https://ca.example/account-hash/" */
    const char *account_url;         /* the account URL (acme2_client_account) */
    const char *thumbprint;          /* acme2_jwk_thumbprint of the account's current key (43 characters) */
    const char *domain;              /* the name the record is published for (a leading "*." is removed, upper case
                                        folded); NULL: the "*" opt-out (section 4.1), one value for every domain */
    int wildcard;                    /* add "policy=wildcard": also covers *.domain and its subdomains */
    long long persist_until;         /* add "persistUntil=" this Unix time; 0: none */
} acme2_dns_persist01_record;

/* The record value (section 4.1, an RFC 8659 issue-value):
     ISSUER "; accounturi=" PREFIX "sha-256/" B64 ["; policy=wildcard"]
     ["; persistUntil=" DECIMAL]
   where B64 is base64url without padding of SHA-256(len(domain) || domain
   || thumbprint || account_url), len one octet (domain "*" for the
   opt-out). The draft's section 10.2 example is a test vector. A value
   longer than 255 bytes must be published as several character-strings of
   one TXT record (RFC 1035 section 3.3.14). ACME2_ERR_IDENTIFIER for an
   issuer domain or domain that is not a normalized DNS name;
   ACME2_ERR_PARAM for a prefix or account URL that is empty or holds
   anything but printable ASCII other than ';' (it would end the
   parameter), a thumbprint that is not 43 base64url characters, or a
   negative persist_until. */
ACME2_DEF int acme2_dns_persist01_txt(const acme2_dns_persist01_record *r, char *out, size_t out_size);
#endif

#ifndef ACME2_NO_ARI
/* ARI certificate identifier (RFC 9773 section 4.1): base64url(AKI
   keyIdentifier) "." base64url(serial INTEGER content bytes, a leading
   0x00 included). ACME2_ERR_NOT_FOUND when the certificate has no AKI
   keyIdentifier. */
ACME2_DEF int acme2_ari_cert_id(const acme2_cert_info *ci, char *out, size_t out_size);
#endif

/* == http == */

/* Bounds on what is kept from a response. Each is a hard limit: a longer
   value is refused, never truncated. */
#ifndef ACME2_MAX_URL
#define ACME2_MAX_URL 256          /* URLs of ACME resources: Let's Encrypt's, ZeroSSL's and Google's are under 130 */
#endif
#ifndef ACME2_MAX_NONCE
#define ACME2_MAX_NONCE 80         /* Replay-Nonce: Boulder and Pebble send 22..44 characters */
#endif
#ifndef ACME2_MAX_CONTENT_TYPE
#define ACME2_MAX_CONTENT_TYPE 64  /* the media type only; parameters are dropped */
#endif
#ifndef ACME2_MAX_LINKS
#define ACME2_MAX_LINKS 384        /* bytes for alternate-chain URLs of one response (Link rel="alternate"): 3 at 128 */
#endif

/* One HTTPS exchange, as the library asks the transport to perform it.
   Every pointer stays valid until the transport returns. */
typedef struct acme2_http_request {
    const char *method;        /* "GET", "HEAD" or "POST" */
    const char *url;           /* absolute; printable ASCII only (no spaces, no CR/LF) */
    const char *content_type;  /* "application/jose+json" for POST, else NULL */
    const char *body;          /* NULL for GET and HEAD */
    size_t body_len;
} acme2_http_request;

/* Where the transport puts what it receives. It lives inside the client;
   the transport only calls the acme2_response_* functions on it. */
typedef int (*acme2_sink_fn)(void *user, const void *data, size_t len);

typedef struct acme2_http_response {
    int status;                           /* HTTP status, 0 until set */
    int err;                              /* first error, sticky */
    char nonce[ACME2_MAX_NONCE + 1];      /* Replay-Nonce, "" if none */
    char location[ACME2_MAX_URL + 1];     /* Location, "" if none */
    char content_type[ACME2_MAX_CONTENT_TYPE + 1]; /* lower-cased media type */
    long long retry_after;                /* seconds from the response's arrival, -1 if none */
#ifndef ACME2_NO_CHAIN_LINKS
    int n_alternates;                     /* Link rel="alternate" URLs packed in links */
    size_t links_len;
    char links[ACME2_MAX_LINKS];
#endif
    char *body;                           /* body bytes (inside the client's work buffer) */
    size_t body_len;                      /* bytes kept */
    size_t body_cap;                      /* room for the body */
    size_t body_total;                    /* bytes received (may exceed body_len with a sink) */
    acme2_sink_fn sink;                   /* when set, body bytes also go here */
    void *sink_user;
    long long (*clock)(void *user);       /* to turn a Retry-After date into seconds */
    void *clock_user;
#ifndef ACME2_NO_ORDERS_LIST
    char link_next[ACME2_MAX_URL + 1];    /* Link rel="next" (the next page of a list), "" if none */
#endif
#ifndef ACME2_NO_CHAIN_LINKS
    char link_up[ACME2_MAX_URL + 1];      /* Link rel="up" (a certificate's issuer), "" if none */
#endif
} acme2_http_response;

/* The transport contract. Perform req over HTTPS (the URL's scheme, host
   and port; no redirects followed; the caller's own TLS verification),
   then push what arrives into resp:
     acme2_response_status(resp, code)   once the status line is read (again
                                         for a later status line, e.g. after
                                         "100 Continue": that resets resp)
     acme2_response_header(resp, ...)    for each header field, any order,
                                         names in any case
     acme2_response_body(resp, ...)      body bytes in order, in any chunks,
                                         after de-chunking and decoding
   Return 0 once the whole response was pushed (whatever its status),
   or a negative value (ACME2_ERR_TRANSPORT, or any ACME2_ERR_* the
   transport thinks fits) when the exchange failed: no connection, TLS
   failure, time-out, truncated response. When a push function returns a
   negative value (e.g. ACME2_ERR_TOO_LARGE), stop reading and return that
   value. The transport MUST NOT call back into the client otherwise. */
typedef int (*acme2_transport_fn)(void *user, const acme2_http_request *req, acme2_http_response *resp);

/* Sets the status; resets headers and body already pushed. */
ACME2_DEF int acme2_response_status(acme2_http_response *resp, int status);

/* One header field. Names match case-insensitively; only Replay-Nonce,
   Location, Retry-After, Link and Content-Type are kept. A kept header
   whose value is too long or malformed makes the response fail with
   ACME2_ERR_PROTOCOL (a repeated Replay-Nonce or Location too). Of Link
   (RFC 8288) the targets of rel="alternate" (up to ACME2_MAX_ALT_CHAINS
   within ACME2_MAX_LINKS bytes; more are dropped), rel="next" and rel="up"
   (the first of each; a second one that differs is ACME2_ERR_PROTOCOL)
   are kept; a target longer than ACME2_MAX_URL or with bytes outside
   printable ASCII is ACME2_ERR_PROTOCOL. ACME2_NO_CHAIN_LINKS drops
   rel="alternate" and "up" (and their fields), ACME2_NO_ORDERS_LIST
   rel="next"; with both, Link is not read at all. */
ACME2_DEF int acme2_response_header(acme2_http_response *resp, const char *name, size_t name_len,
                                    const char *value, size_t value_len);

/* A raw header line "Name: value" (CR/LF at the end ignored), as libcurl's
   header callback delivers it. Status lines ("HTTP/1.1 200 OK") are
   recognised and passed to acme2_response_status. Blank lines ignored. */
ACME2_DEF int acme2_response_header_line(acme2_http_response *resp, const char *line, size_t len);

/* Body bytes. Returns ACME2_ERR_TOO_LARGE once the body exceeds the room
   the client set aside (unless a sink takes it). */
ACME2_DEF int acme2_response_body(acme2_http_response *resp, const void *data, size_t len);

/* Marks the exchange failed (err < 0, e.g. the transport's own result;
   anything else counts as ACME2_ERR_TRANSPORT): for an event loop whose
   HTTP stack failed after pushing part of a response. */
ACME2_DEF int acme2_response_fail(acme2_http_response *resp, int err);

/* Parses a Retry-After value: delta-seconds or an HTTP date (IMF-fixdate,
   RFC 9110 section 5.6.7), given the current Unix time. Returns seconds to
   wait (0 for a date in the past), or ACME2_ERR_PROTOCOL (also for any
   date with ACME2_NO_HTTP_DATE). */
ACME2_DEF long long acme2_retry_after_parse(const char *value, size_t len, long long now);

/* == protocol == */

/* Bounds of the client's own storage. */
#ifndef ACME2_DIR_STRINGS
#define ACME2_DIR_STRINGS 1024     /* directory URLs and meta; Let's Encrypt's directory needs ~700 */
#endif
#ifndef ACME2_PROBLEM_STRINGS
#define ACME2_PROBLEM_STRINGS 512  /* problem type, detail, subproblems; longer details are cut with "..." */
#endif
#ifndef ACME2_MAX_SUBPROBLEMS
#define ACME2_MAX_SUBPROBLEMS 8    /* further subproblems are counted but not kept */
#endif
#ifndef ACME2_MAX_AUTHZ
#define ACME2_MAX_AUTHZ 100        /* authorizations per order: Let's Encrypt's limit of names per order */
#endif
#ifndef ACME2_ORDER_STRINGS
#define ACME2_ORDER_STRINGS 1024   /* URLs of one order: ~12 authorizations at Let's Encrypt's URL lengths */
#endif
#ifndef ACME2_MAX_CHALLENGES
#define ACME2_MAX_CHALLENGES 8     /* challenges per authorization: RFC 8555 defines 3, drafts add 2 */
#endif
#ifndef ACME2_AUTHZ_STRINGS
#define ACME2_AUTHZ_STRINGS 768    /* identifier, URLs and tokens of one authorization with 4 challenges */
#endif
#ifndef ACME2_MAX_TOKENS
#define ACME2_MAX_TOKENS 1280      /* JSON tokens per response; an order with 100 authorizations needs ~130, a
                                      problem with 100 subproblems (one per name of such an order) ~1100 */
#endif
#ifndef ACME2_MAX_ALT_CHAINS
#define ACME2_MAX_ALT_CHAINS 8     /* alternate chain URLs kept from one certificate response */
#endif
#ifndef ACME2_MAX_ISSUER_DOMAINS
#define ACME2_MAX_ISSUER_DOMAINS 10 /* dns-persist-01 issuerDomainNames: the draft's own limit (section 3.1) */
#endif
#ifndef ACME2_MAX_ORDERS_PAGE
#define ACME2_MAX_ORDERS_PAGE 32   /* order URLs in one page of an account's orders list (Pebble sends 3 by default) */
#endif
#ifndef ACME2_ORDERS_PAGE_STRINGS
#define ACME2_ORDERS_PAGE_STRINGS 2048 /* their URLs: 32 at Pebble's 60 bytes; a larger page is ACME2_ERR_TOO_LARGE */
#endif
#ifndef ACME2_MAX_ORDER_PAGES
#define ACME2_MAX_ORDER_PAGES 64   /* pages acme2_account_orders follows before giving up (ACME2_ERR_TOO_LARGE) */
#endif
#ifndef ACME2_MAX_UP_DEPTH
#define ACME2_MAX_UP_DEPTH 4       /* issuers fetched through Link rel="up": Web PKI chains have 1..3 */
#endif

/* Configuration: ACME2_NO_HOSTED (the default on bare metal, see
   ACME2_HOSTED) drops the time()/poll() defaults of the clock and sleep
   callbacks: firmware passes its own, and acme2_client_init refuses a
   client without them with ACME2_ERR_NO_CLOCK. */

/* Positive results of the non-blocking API. */
#define ACME2_AGAIN 1    /* build the same request again and resend it (after acme2_wait_seconds()) */

/* Resource status values (RFC 8555 section 7.1.6). */
enum acme2_status {
    ACME2_STATUS_UNKNOWN = 0,
    ACME2_STATUS_PENDING, ACME2_STATUS_READY, ACME2_STATUS_PROCESSING, ACME2_STATUS_VALID,
    ACME2_STATUS_INVALID, ACME2_STATUS_DEACTIVATED, ACME2_STATUS_EXPIRED, ACME2_STATUS_REVOKED
};
/* "pending", ... ; "unknown" for anything else. */
ACME2_DEF const char *acme2_status_name(int status);

/* Problem types (urn:ietf:params:acme:error:*, RFC 8555 section 6.7 and
   later RFCs). */
#define ACME2_PROBLEM_LIST(X) \
    X(ACME2_PROB_ACCOUNT_DOES_NOT_EXIST, "accountDoesNotExist") \
    X(ACME2_PROB_ALREADY_REPLACED, "alreadyReplaced") \
    X(ACME2_PROB_ALREADY_REVOKED, "alreadyRevoked") \
    X(ACME2_PROB_BAD_CSR, "badCSR") \
    X(ACME2_PROB_BAD_NONCE, "badNonce") \
    X(ACME2_PROB_BAD_PUBLIC_KEY, "badPublicKey") \
    X(ACME2_PROB_BAD_REVOCATION_REASON, "badRevocationReason") \
    X(ACME2_PROB_BAD_SIGNATURE_ALGORITHM, "badSignatureAlgorithm") \
    X(ACME2_PROB_CAA, "caa") \
    X(ACME2_PROB_COMPOUND, "compound") \
    X(ACME2_PROB_CONNECTION, "connection") \
    X(ACME2_PROB_DNS, "dns") \
    X(ACME2_PROB_EXTERNAL_ACCOUNT_REQUIRED, "externalAccountRequired") \
    X(ACME2_PROB_INCORRECT_RESPONSE, "incorrectResponse") \
    X(ACME2_PROB_INVALID_CONTACT, "invalidContact") \
    X(ACME2_PROB_INVALID_PROFILE, "invalidProfile") \
    X(ACME2_PROB_MALFORMED, "malformed") \
    X(ACME2_PROB_ORDER_NOT_READY, "orderNotReady") \
    X(ACME2_PROB_RATE_LIMITED, "rateLimited") \
    X(ACME2_PROB_REJECTED_IDENTIFIER, "rejectedIdentifier") \
    X(ACME2_PROB_SERVER_INTERNAL, "serverInternal") \
    X(ACME2_PROB_TLS, "tls") \
    X(ACME2_PROB_UNAUTHORIZED, "unauthorized") \
    X(ACME2_PROB_UNSUPPORTED_CONTACT, "unsupportedContact") \
    X(ACME2_PROB_UNSUPPORTED_IDENTIFIER, "unsupportedIdentifier") \
    X(ACME2_PROB_USER_ACTION_REQUIRED, "userActionRequired")

#define ACME2__PROB_ITEM(name, text) name,
enum acme2_problem_type { ACME2_PROB_NONE = 0, ACME2_PROB_OTHER, ACME2_PROBLEM_LIST(ACME2__PROB_ITEM) ACME2__PROB_END };
#undef ACME2__PROB_ITEM

typedef struct acme2_subproblem {
    int type;                    /* enum acme2_problem_type */
    const char *type_str;        /* as sent */
    const char *detail;          /* "" if none */
    acme2_identifier identifier; /* type 0 and value "" if none */
} acme2_subproblem;

/* The last problem the server reported: an error response (RFC 7807) or the
   error object inside an invalid order, authorization or challenge. Strings
   point into the struct itself; valid until the next operation. */
typedef struct acme2_problem {
    int http_status;        /* 0 for an embedded error */
    int type;               /* enum acme2_problem_type */
    const char *type_str;   /* "" if the server gave none */
    const char *detail;     /* "" if none; cut with "..." beyond the storage */
    long long retry_after;  /* seconds, -1 if the response had none */
    int n_sub;              /* subproblems kept */
    int n_sub_total;        /* subproblems sent */
    acme2_subproblem sub[ACME2_MAX_SUBPROBLEMS];
    size_t used;
    char strings[ACME2_PROBLEM_STRINGS];
} acme2_problem;

/* Log levels for the log callback. Messages never hold secrets. */
enum acme2_log_level { ACME2_LOG_ERROR = 0, ACME2_LOG_WARN, ACME2_LOG_INFO, ACME2_LOG_DEBUG };

/* Polling (an order until it leaves "pending" or "processing", when no
   responder tells the engine that the CA fetched the challenge): a
   Retry-After from the server is always obeyed (at least 1 s). Without
   one: the first poll opt.poll_interval_ms (250) after the challenge POST
   (ACME2_FINALIZE_POLL_MS after the finalize), then one every ACME2_POLL_STEP_MS (1 s) for
   ACME2_POLL_STEADY polls, then growing by half each time up to
   opt.poll_max_interval (10 s), until opt.poll_timeout. Why: validation at
   Let's Encrypt takes one to a few seconds (a primary fetch, the remote
   perspectives, CAA), Boulder sends no Retry-After on pending orders and
   "Retry-After: 3" on processing ones, Pebble none at all. A steady 1 s
   step sees a validation at most 1 s late for about one request a second
   of validation; doubling from a short start (what acme2.h did) is late by
   up to the last interval, and uacme's or certbot's 3-5 s steps are 3-5 s
   late (bench/POLLING.md has the sources and the figures). The tail grows
   and is capped so a slow CA is not hammered. With a responder that calls
   acme2_issuance_validation_seen the order is polled ACME2_SEEN_SETTLE_MS
   after the last fetch instead; a CA that fetches from several vantage
   points at different times (Pebble's three attempts each sleep on their
   own) then costs one poll per burst, unless acme2_issue_params.fetches
   says how many fetches to wait for (acme2_issuance_fetches learns it):
   then one poll, after the last. */
#ifndef ACME2_POLL_STEP_MS
#define ACME2_POLL_STEP_MS 1000
#endif
#ifndef ACME2_POLL_STEADY
#define ACME2_POLL_STEADY 10     /* polls (the first included) before the step starts to grow */
#endif
/* The first poll after a finalize answered without Retry-After. Boulder
   answers a processing order with "Retry-After: 3" (obeyed); Pebble sends
   none and issues within milliseconds. */
#ifndef ACME2_FINALIZE_POLL_MS
#define ACME2_FINALIZE_POLL_MS 100
#endif

/* Options. Zero-initialise, set what you need; zero fields take the
   defaults given. */
typedef struct acme2_options {
    void (*log)(void *user, int level, const char *msg); /* NULL: silent */
    void *log_user;
    long long (*clock)(void *user);           /* Unix time; NULL: time() (hosted; required without ACME2_HOSTED) */
    void (*sleep)(void *user, unsigned ms);   /* wait ms milliseconds; NULL: poll() (hosted; required without
                                                 ACME2_HOSTED when the client has a transport) */
    void *time_user;
    unsigned bad_nonce_retries;  /* badNonce answers retried per request; 0: 16 (a server rejecting half its nonces still gets through) */
    unsigned busy_retries;       /* 429/503 with Retry-After retried per request; 0: 3 */
    unsigned max_wait;           /* longest Retry-After honoured, seconds; 0: 60 */
    unsigned poll_interval_ms;   /* first poll without Retry-After, milliseconds after the last challenge
                                    (or the finalize); 0: 250. See "Polling" below */
    unsigned poll_max_interval;  /* cap of the backoff, seconds; 0: 10 */
    unsigned poll_timeout;       /* overall deadline of one polling loop, seconds; 0: 300 */
    size_t max_response;         /* largest response body, bytes; 0: whatever the work buffer holds */
    int allow_http;              /* accept http:// URLs: for tests against local servers only */
} acme2_options;

/* Directory (RFC 8555 section 7.1.1). Strings point into the client. */
typedef struct acme2_directory {
    const char *new_nonce, *new_account, *new_order, *new_authz;
    const char *revoke_cert, *key_change, *renewal_info;
    const char *terms_of_service, *website; /* meta; "" if absent */
    int external_account_required;         /* meta */
    int n_caa;                            /* meta caaIdentities, packed: see acme2_directory_caa */
    int n_profiles;                       /* meta profiles (names; descriptions not kept) */
    const char *caa_first, *profiles_first;
    int subdomain_auth_allowed;           /* meta subdomainAuthAllowed (RFC 9444 section 4.4) */
    const char *account_hash_prefix;      /* meta accountHashPrefix (dns-persist-01), "" if absent */
    int n_issuer_domains;                 /* meta issuerDomainNames (dns-persist-01); 0 if absent or malformed */
    const char *issuer_domains_first;
} acme2_directory;

/* The i-th caaIdentity / profile name / dns-persist-01 issuer domain
   name, NULL past the end. */
ACME2_DEF const char *acme2_directory_caa(const acme2_directory *d, int i);
#ifndef ACME2_NO_PROFILES
ACME2_DEF const char *acme2_directory_profile(const acme2_directory *d, int i);
#endif
#ifndef ACME2_NO_DNS_PERSIST
ACME2_DEF const char *acme2_directory_issuer_domain(const acme2_directory *d, int i);
#endif

/* Clients of one account at one CA (e.g. one per concurrent issuance) may
   share what the CA hands out to anyone: the directory (fetched once) and
   a pool of nonces (every response's Replay-Nonce goes into it, every
   request takes the freshest). N concurrent issuances then cost one
   directory fetch and at most N newNonce requests, not one per request.
   Not locked: share only among clients driven from one thread.

   nonce_window (0 unless set after acme2_shared_init) trades those N
   requests for concurrency: an issuance engine of the group that needs a
   nonce while the pool is empty sends no newNonce HEAD while nonce_window
   POSTs and HEADs of the group's engines are in flight (their answers
   bring nonces back); acme2_issuance_step returns ACME2_STEP_IDLE instead,
   and the caller steps it again once any other engine of the group has
   parsed an answer (stepped after its response was fed back), which either
   left a nonce in the pool or ended that request without one (then the
   waiting engine sends its own HEAD: it never waits with nothing of the
   group in flight). About nonce_window nonces then circulate, so at most
   about that many requests of the group are in flight at once, for about
   nonce_window HEADs in all (keep it at most ACME2_SHARED_NONCES, or the
   pool drops some and HEADs replace them). An engine's request counts from the
   ACME2_STEP_HTTP that hands it out until the step that parses its answer,
   or until acme2_issuance_reset (not a new acme2_issuance_start: that
   would leave it counted); the pairs and acme2_issuance_run never wait
   (they send a HEAD as without a window) and are not counted. */
#ifndef ACME2_SHARED_NONCES
#define ACME2_SHARED_NONCES 16     /* nonces kept; past that the oldest is dropped (servers expire them) */
#endif

typedef struct acme2_shared {
    int have_dir;
    acme2_directory dir;
    char dir_strings[ACME2_DIR_STRINGS];
    int n_nonces;
    char nonces[ACME2_SHARED_NONCES][ACME2_MAX_NONCE + 1];
    int nonce_window;            /* see above; 0: a HEAD whenever the pool is empty */
    int in_flight;               /* engines' POSTs and HEADs awaiting their answer (private) */
} acme2_shared;

/* The client. Caller-owned; must not move after acme2_client_init. The
   account key and work buffer are borrowed and must outlive it. */
typedef struct acme2_client {
    acme2_options opt;
    const acme2_key *key;
    acme2_transport_fn transport;
    void *transport_user;
    char *work;
    size_t work_size;
    size_t work_limit;           /* part of work in use by the porcelain's own state */
    int have_dir;
    int pending;                 /* prerequisite request in flight (private) */
    unsigned bad_nonces, busy;   /* retries spent on the current request */
    long long wait;              /* seconds to wait before the next send */
    char kid[ACME2_MAX_URL + 1];
    char nonce[ACME2_MAX_NONCE + 1];
    char spent_nonce[ACME2_MAX_NONCE + 1]; /* the last POST's: never taken back from the server */
    char req_url[ACME2_MAX_URL + 1];  /* URL of the last POST */
    char dir_url[ACME2_MAX_URL + 1];
    acme2_directory dir;
    size_t dir_used;
    char dir_strings[ACME2_DIR_STRINGS];
    acme2_http_response resp;
    acme2_problem problem;
    acme2_sink_fn sink;          /* certificate sink (acme2_client_set_sink) */
    void *sink_user;
    acme2_shared *shared;        /* acme2_client_share, or NULL */
} acme2_client;

/* Prepares a client. directory_url is copied; key (the account key) and
   work (the one buffer every request and response is built in; 8 KB is
   plenty for EC accounts, 12 KB for RSA-4096) are borrowed. transport may
   be NULL for a program that only uses the request/response pairs.
   ACME2_ERR_NO_CLOCK without ACME2_HOSTED when opt gives no clock, or no
   sleep while transport is set. */
ACME2_DEF int acme2_client_init(acme2_client *c, const char *directory_url, const acme2_key *key,
                                char *work, size_t work_size, acme2_transport_fn transport,
                                void *transport_user, const acme2_options *opt);

/* Wipes the client's state (nonce, account URL, problem, work buffer). The
   key is the caller's: wipe it with acme2_key_wipe. */
ACME2_DEF void acme2_client_reset(acme2_client *c);

/* The account URL (the JWS "kid"): set it to skip a lookup, read it to
   persist it. "" when unknown. */
ACME2_DEF int acme2_client_set_account(acme2_client *c, const char *account_url);
ACME2_DEF const char *acme2_client_account(const acme2_client *c);

/* Switches the account key (after a key rollover done elsewhere). */
ACME2_DEF void acme2_client_set_key(acme2_client *c, const acme2_key *key);

/* Zeroes a shared directory and nonce pool. */
ACME2_DEF void acme2_shared_init(acme2_shared *sh);

/* Makes c use sh (which must outlive it and serve clients of c's directory
   URL only): a directory sh holds is taken without a request, a directory c
   fetches goes into sh, and nonces come from and go to sh's pool (with
   sh->nonce_window an engine may wait for one: see acme2_shared). NULL
   stops sharing. */
ACME2_DEF int acme2_client_share(acme2_client *c, acme2_shared *sh);

/* The response object the transport (or an event loop) pushes into. */
ACME2_DEF acme2_http_response *acme2_client_response(acme2_client *c);

/* The last problem document; type ACME2_PROB_NONE when the last call got
   none. */
ACME2_DEF const acme2_problem *acme2_client_problem(const acme2_client *c);

/* Seconds to wait before resending after ACME2_AGAIN (0: at once). */
ACME2_DEF long long acme2_wait_seconds(const acme2_client *c);

/* NON-BLOCKING PAIRS
   Every operation X comes as
       int acme2_X_request(acme2_client *c, ..., acme2_http_request *req);
       int acme2_X_response(acme2_client *c, ...);
   _request builds the next HTTP request into the work buffer and fills req
   (pointers into the client: valid until the next _request). Send it, push
   the answer into acme2_client_response(c), then call _response. It returns
   0 when the operation is done (outputs filled), ACME2_AGAIN when the
   request must be built and sent again (the library fetched the directory
   or a nonce first, or the server said badNonce, or 429/503 with a
   Retry-After within policy: wait acme2_wait_seconds(c) first), or a
   negative error (ACME2_ERR_PROBLEM: see acme2_client_problem). The
   blocking function acme2_X(c, ...) runs that loop through the transport. */

/* Directory: GET, parsed once; later calls are free. */
ACME2_DEF int acme2_directory_request(acme2_client *c, acme2_http_request *req);
ACME2_DEF int acme2_directory_response(acme2_client *c);
ACME2_DEF int acme2_directory_fetch(acme2_client *c);
/* The directory, or NULL before it was fetched. */
ACME2_DEF const acme2_directory *acme2_client_directory(const acme2_client *c);

/* Account creation and lookup (RFC 8555 sections 7.3, 7.3.1, 7.3.4). */
typedef struct acme2_account_params {
    const char *const *contacts;   /* e.g. "mailto:admin@example.org"; may be NULL */
    size_t n_contacts;
    int terms_agreed;              /* termsOfServiceAgreed */
    int only_existing;             /* onlyReturnExisting: look up, never create */
    const char *eab_kid;           /* External Account Binding: key identifier, or NULL */
    const unsigned char *eab_key;  /* MAC key (raw bytes, base64url-decoded) */
    size_t eab_key_len;
    unsigned eab_bits;             /* 256, 384 or 512 (HS256/384/512); 0: 256 */
} acme2_account_params;

typedef struct acme2_account {
    int status;   /* enum acme2_status */
    int created;  /* 1 when the server made a new account (201) */
    char orders[ACME2_MAX_URL + 1]; /* the account's orders list URL (RFC 8555 section 7.1.2.1), "" if not sent */
} acme2_account;

/* On success the account URL is stored in the client. */
ACME2_DEF int acme2_account_new_request(acme2_client *c, const acme2_account_params *p, acme2_http_request *req);
ACME2_DEF int acme2_account_new_response(acme2_client *c, acme2_account *out);
ACME2_DEF int acme2_account_new(acme2_client *c, const acme2_account_params *p, acme2_account *out);

#ifndef ACME2_NO_ACCOUNT_ADMIN
/* Update contacts (n == 0 removes them all). */
ACME2_DEF int acme2_account_update_request(acme2_client *c, const char *const *contacts, size_t n, acme2_http_request *req);
ACME2_DEF int acme2_account_update_response(acme2_client *c, acme2_account *out);
ACME2_DEF int acme2_account_update(acme2_client *c, const char *const *contacts, size_t n, acme2_account *out);

/* Deactivate the account (RFC 8555 section 7.3.6). */
ACME2_DEF int acme2_account_deactivate_request(acme2_client *c, acme2_http_request *req);
ACME2_DEF int acme2_account_deactivate_response(acme2_client *c, acme2_account *out);
ACME2_DEF int acme2_account_deactivate(acme2_client *c, acme2_account *out);
#endif

/* Key rollover (RFC 8555 section 7.3.5). On success the client signs with
   new_key from then on (new_key is borrowed like the first key). */
#ifndef ACME2_NO_KEY_CHANGE
ACME2_DEF int acme2_account_key_change_request(acme2_client *c, const acme2_key *new_key, acme2_http_request *req);
ACME2_DEF int acme2_account_key_change_response(acme2_client *c, const acme2_key *new_key);
ACME2_DEF int acme2_account_key_change(acme2_client *c, const acme2_key *new_key);
#endif

/* Orders (RFC 8555 section 7.4). */
typedef struct acme2_order_params {
    const acme2_identifier *ids;
    size_t n_ids;
    long long not_before, not_after; /* Unix time; 0: omitted */
    const char *profile;             /* NULL: none; a name the directory's meta.profiles does not list is refused
                                        locally with ACME2_ERR_PROFILE, before any request */
    const char *replaces;            /* ARI certificate ID of the certificate this one replaces, or NULL */
    const char *const *ancestor_domains; /* RFC 9444 section 4.3: NULL, or n_ids entries, each NULL or an ancestor
                                            domain of that DNS identifier to be authorized instead of it; refused
                                            with ACME2_ERR_UNSUPPORTED unless the directory's meta has
                                            subdomainAuthAllowed, ACME2_ERR_IDENTIFIER unless it is a proper
                                            ancestor (the identifier ends in "." + it) */
} acme2_order_params;

/* An order as last seen. Strings point into the struct: do not copy it by
   assignment; it stays valid until overwritten by the next response parsed
   into it. */
typedef struct acme2_order {
    int status;                   /* enum acme2_status */
    long long expires;            /* Unix time, 0 if absent */
    long long not_before, not_after;
    const char *url;              /* the order's own URL ("" if unknown) */
    const char *finalize;
    const char *certificate;      /* "" until valid */
    int n_authz;
    unsigned short authz_off[ACME2_MAX_AUTHZ];
    size_t used;
    char strings[ACME2_ORDER_STRINGS];
} acme2_order;

/* The i-th authorization URL of an order (NULL past the end). */
ACME2_DEF const char *acme2_order_authz(const acme2_order *o, int i);

ACME2_DEF int acme2_order_new_request(acme2_client *c, const acme2_order_params *p, acme2_http_request *req);
ACME2_DEF int acme2_order_new_response(acme2_client *c, acme2_order *out);
ACME2_DEF int acme2_order_new(acme2_client *c, const acme2_order_params *p, acme2_order *out);

/* Fetch (POST-as-GET) an order by URL; an invalid order with an error
   gives ACME2_ERR_INVALID with the error in acme2_client_problem. */
ACME2_DEF int acme2_order_get_request(acme2_client *c, const char *url, acme2_http_request *req);
ACME2_DEF int acme2_order_get_response(acme2_client *c, acme2_order *out);
ACME2_DEF int acme2_order_get(acme2_client *c, const char *url, acme2_order *out);

/* Poll an order until its status is neither pending nor processing, on
   the schedule described with the options ("Polling"), within
   opt.poll_timeout (ACME2_ERR_TIMEOUT). o->url must be set. */
ACME2_DEF int acme2_order_poll(acme2_client *c, acme2_order *o);

/* Finalize with a DER CSR (RFC 8555 section 7.4). order->url must be set. */
ACME2_DEF int acme2_order_finalize_request(acme2_client *c, const acme2_order *o, const unsigned char *csr,
                                           size_t csr_len, acme2_http_request *req);
ACME2_DEF int acme2_order_finalize_response(acme2_client *c, acme2_order *o);
ACME2_DEF int acme2_order_finalize(acme2_client *c, acme2_order *o, const unsigned char *csr, size_t csr_len);

/* Authorizations (RFC 8555 sections 7.5, 7.5.2) and challenges. */
enum acme2_challenge_type {
    ACME2_CHALLENGE_OTHER = 0, ACME2_CHALLENGE_HTTP_01, ACME2_CHALLENGE_DNS_01,
    ACME2_CHALLENGE_TLS_ALPN_01, ACME2_CHALLENGE_DNS_ACCOUNT_01, ACME2_CHALLENGE_DNS_PERSIST_01
};
/* "http-01", ...; NULL for OTHER. */
ACME2_DEF const char *acme2_challenge_name(int type);

typedef struct acme2_challenge {
    int type;             /* enum acme2_challenge_type */
    const char *type_str; /* as sent */
    int status;
    const char *url;
    const char *token;    /* "" if none */
    long long validated;  /* Unix time, 0 if absent */
    int has_error;        /* an error object came with it (parsed into the problem on invalid) */
    int n_issuer_domains; /* dns-persist-01: issuerDomainNames, packed (acme2_challenge_issuer_domain) */
    const char *issuer_domains;
} acme2_challenge;

typedef struct acme2_authz {
    int status;
    long long expires;
    acme2_identifier identifier;   /* value points into strings */
    int wildcard;
    const char *url;               /* "" if unknown */
    int n_challenges;
    acme2_challenge challenges[ACME2_MAX_CHALLENGES];
    size_t used;
    char strings[ACME2_AUTHZ_STRINGS];
    int subdomain_auth_allowed;    /* RFC 9444 section 4.1: this authorization also covers subdomains */
} acme2_authz;

/* The first challenge of the given type, or NULL. */
ACME2_DEF const acme2_challenge *acme2_authz_challenge(const acme2_authz *a, int type);

/* dns-persist-01 (draft-ietf-acme-dns-persist-02 section 3.1): a challenge
   of that type carries 1..ACME2_MAX_ISSUER_DOMAINS issuerDomainNames, each
   a lower-case LDH name without a trailing dot; it must hold every name of
   the directory's issuerDomainNames, and each of its names must be among
   the directory's caaIdentities when the directory lists any (section
   3.2). The client also needs the directory's accountHashPrefix and
   issuerDomainNames to answer (the draft lets a client do without the
   latter; this one does not).
   A challenge that breaks any of these is kept with type
   ACME2_CHALLENGE_OTHER (type_str still "dns-persist-01"): the draft says
   to reject it, and the authorization's other challenges stay usable.
   issuerDomainNames that is not an array of strings is ACME2_ERR_PROTOCOL.
   The i-th name, NULL past the end (not with ACME2_NO_DNS_PERSIST): */
#ifndef ACME2_NO_DNS_PERSIST
ACME2_DEF const char *acme2_challenge_issuer_domain(const acme2_challenge *ch, int i);
#endif

ACME2_DEF int acme2_authz_get_request(acme2_client *c, const char *url, acme2_http_request *req);
ACME2_DEF int acme2_authz_get_response(acme2_client *c, acme2_authz *out);
ACME2_DEF int acme2_authz_get(acme2_client *c, const char *url, acme2_authz *out);
ACME2_DEF int acme2_authz_poll(acme2_client *c, acme2_authz *a);

#ifndef ACME2_NO_AUTHZ_ADMIN
/* Pre-authorization (RFC 8555 section 7.4.1): ACME2_ERR_UNSUPPORTED when the
   directory has no newAuthz (found out before any request but the
   directory's). */
ACME2_DEF int acme2_authz_new_request(acme2_client *c, const acme2_identifier *id, acme2_http_request *req);
ACME2_DEF int acme2_authz_new_response(acme2_client *c, acme2_authz *out);
ACME2_DEF int acme2_authz_new(acme2_client *c, const acme2_identifier *id, acme2_authz *out);

/* Pre-authorization of a domain and its subdomains (RFC 9444 section 4.2:
   "subdomainAuthAllowed": true in the newAuthz identifier). A DNS
   identifier without "*." only. ACME2_ERR_UNSUPPORTED, before any request
   but the directory's, when the directory has no newAuthz or its meta
   lacks subdomainAuthAllowed. The response is acme2_authz_new_response;
   out->subdomain_auth_allowed says whether the server granted it. */
ACME2_DEF int acme2_authz_new_subdomains_request(acme2_client *c, const acme2_identifier *id, acme2_http_request *req);
ACME2_DEF int acme2_authz_new_subdomains(acme2_client *c, const acme2_identifier *id, acme2_authz *out);

ACME2_DEF int acme2_authz_deactivate_request(acme2_client *c, const char *url, acme2_http_request *req);
ACME2_DEF int acme2_authz_deactivate_response(acme2_client *c, acme2_authz *out);
ACME2_DEF int acme2_authz_deactivate(acme2_client *c, const char *url, acme2_authz *out);
#endif

/* Tell the server a challenge is ready (POST {} to its URL). */
ACME2_DEF int acme2_challenge_accept_request(acme2_client *c, const char *url, acme2_http_request *req);
ACME2_DEF int acme2_challenge_accept_response(acme2_client *c);
ACME2_DEF int acme2_challenge_accept(acme2_client *c, const char *url);

/* Certificate download (RFC 8555 section 7.4.2). The PEM chain lands in the
   work buffer (acme2_certificate_response gives pointer and length, valid
   until the next request), or, with a sink set by
   acme2_client_set_sink(c, fn, user) before acme2_certificate_request,
   streams into the sink while the first certificate (the leaf) is kept in
   the work buffer. Only certificate bodies go to the sink (never JSON);
   the setting stays until changed. The URLs of alternate chains follow
   from acme2_certificate_alternate. */
ACME2_DEF void acme2_client_set_sink(acme2_client *c, acme2_sink_fn fn, void *user);
ACME2_DEF int acme2_certificate_request(acme2_client *c, const char *url, acme2_http_request *req);
ACME2_DEF int acme2_certificate_response(acme2_client *c, const char **pem, size_t *pem_len);
ACME2_DEF int acme2_certificate_download(acme2_client *c, const char *url, const char **pem, size_t *pem_len);
#ifndef ACME2_NO_CHAIN_LINKS
/* The i-th alternate chain URL of the last certificate response, NULL past the end. */
ACME2_DEF const char *acme2_certificate_alternate(const acme2_client *c, int i);

/* The issuer's certificate URL the last certificate (or issuer) response
   named with Link rel="up", or NULL: a CA that sends the leaf alone (or a
   short chain) points to the rest this way. */
ACME2_DEF const char *acme2_certificate_up(const acme2_client *c);

/* Fetches (POST-as-GET) the issuer certificate at url and appends it, as
   PEM, to the chain pem[0..*pem_len) (the chain so far: its last
   certificate is the one whose issuer this is; pem_size is the room).
   Accepted answers: application/pkix-cert (one DER certificate, RFC 8555
   section 7.4.2 and RFC 2585) or application/pem-certificate-chain (its
   first certificate is taken). Checks: the certificate parses
   (acme2_cert_parse; ACME2_ERR_DER otherwise) and its subject is byte for
   byte the issuer name of the last certificate in pem (ACME2_ERR_PROTOCOL
   otherwise, as for a certificate already in the chain: a loop).
   ACME2_ERR_NOSPACE when pem_size cannot hold it (pem untouched). The sink
   is never used here. */
ACME2_DEF int acme2_certificate_issuer_request(acme2_client *c, const char *url, acme2_http_request *req);
ACME2_DEF int acme2_certificate_issuer_response(acme2_client *c, char *pem, size_t pem_size, size_t *pem_len);

/* Downloads the certificate at url into pem (the caller's buffer, not the
   work buffer; no sink), then while the last response named an issuer
   with Link rel="up" and the last certificate is not self-issued, fetches
   that issuer and appends it: at most ACME2_MAX_UP_DEPTH of them
   (ACME2_ERR_PROTOCOL past that). Every certificate of the result
   parses. Returns 0 with the PEM chain in pem[0..*pem_len) (NUL-
   terminated when there is room). */
ACME2_DEF int acme2_certificate_download_chain(acme2_client *c, const char *url, char *pem, size_t pem_size,
                                               size_t *pem_len);
#endif

#ifndef ACME2_NO_REVOKE
/* Revocation (RFC 8555 section 7.6). cert_key NULL: signed by the account
   key (kid); else by the certificate's own key (jwk). reason: RFC 5280
   CRLReason code, or -1 to omit. */
ACME2_DEF int acme2_revoke_request(acme2_client *c, const unsigned char *cert_der, size_t cert_len, int reason,
                                   const acme2_key *cert_key, acme2_http_request *req);
ACME2_DEF int acme2_revoke_response(acme2_client *c);
ACME2_DEF int acme2_revoke(acme2_client *c, const unsigned char *cert_der, size_t cert_len, int reason,
                           const acme2_key *cert_key);
#endif

#ifndef ACME2_NO_ARI
/* ACME Renewal Information (RFC 9773). cert_id from acme2_ari_cert_id. */
typedef struct acme2_renewal_info {
    long long start, end;          /* suggestedWindow, Unix time */
    long long retry_after;         /* seconds, -1 if none */
    char explanation_url[ACME2_MAX_URL + 1]; /* "" if none */
} acme2_renewal_info;
ACME2_DEF int acme2_renewal_info_get_request(acme2_client *c, const char *cert_id, acme2_http_request *req);
ACME2_DEF int acme2_renewal_info_get_response(acme2_client *c, acme2_renewal_info *out);
ACME2_DEF int acme2_renewal_info_get(acme2_client *c, const char *cert_id, acme2_renewal_info *out);
#endif

#ifndef ACME2_NO_ORDERS_LIST
/* An account's orders (RFC 8555 section 7.1.2.1): acme2_account.orders
   names the list; each page holds order URLs and, with Link rel="next",
   the URL of the next page. One page as last seen (strings point into the
   struct: do not copy it by assignment). */
typedef struct acme2_orders_page {
    int n_orders;
    unsigned short off[ACME2_MAX_ORDERS_PAGE];
    char next[ACME2_MAX_URL + 1];  /* the next page's URL, "" on the last page */
    size_t used;
    char strings[ACME2_ORDERS_PAGE_STRINGS];
} acme2_orders_page;

/* The i-th order URL of a page, NULL past the end. */
ACME2_DEF const char *acme2_orders_page_url(const acme2_orders_page *p, int i);

/* One page (POST-as-GET url). A page with more than ACME2_MAX_ORDERS_PAGE
   orders, or more URL bytes than ACME2_ORDERS_PAGE_STRINGS, is
   ACME2_ERR_TOO_LARGE (nothing is cut); an order URL or next link that is
   not https (see allow_http) is ACME2_ERR_INSECURE_URL; a next link equal
   to the page's own URL is ACME2_ERR_PROTOCOL. */
ACME2_DEF int acme2_orders_page_request(acme2_client *c, const char *url, acme2_http_request *req);
ACME2_DEF int acme2_orders_page_response(acme2_client *c, acme2_orders_page *out);
ACME2_DEF int acme2_orders_page_get(acme2_client *c, const char *url, acme2_orders_page *out);

/* Every order of the list at url: fn(user, order_url) for each, page after
   page; a non-zero return from fn stops the walk and is returned. At most
   ACME2_MAX_ORDER_PAGES pages (ACME2_ERR_TOO_LARGE past that); a page that
   links back to the first one is ACME2_ERR_PROTOCOL. The page (about 2.4 KB
   with the defaults) is kept on the stack. */
ACME2_DEF int acme2_account_orders(acme2_client *c, const char *url, int (*fn)(void *user, const char *order_url),
                                   void *user);
#endif

/* == issue == */

/* Bytes an issuance keeps about the challenges it deployed, to accept them
   and to clean them up: each takes its identifier, token and challenge URL
   plus 10 bytes (~170 at Let's Encrypt's URL lengths). A challenge that
   does not fit stops the issuance with ACME2_ERR_NOSPACE before it is
   deployed. Raise it for orders of many names (100 names: 17 KB). */
#ifndef ACME2_ISSUE_CLEANUP_BYTES
#define ACME2_ISSUE_CLEANUP_BYTES 1024
#endif

/* After acme2_issuance_validation_seen: how long the engine waits for
   further validation requests (the CA's other vantage points: Let's
   Encrypt's remote perspectives come as a burst after the primary fetch,
   Pebble makes three attempts) before it polls the order; each further
   fetch moves the poll. When that poll finds the order still pending (the
   CA checks CAA after the last fetch, or more vantage points are still to
   come), the next poll is ACME2_POLL_STEP_MS later unless another fetch
   comes first. */
#ifndef ACME2_SEEN_SETTLE_MS
#define ACME2_SEEN_SETTLE_MS 100
#endif
/* With acme2_issue_params.fetches set (the caller knows how many fetches
   the CA makes per challenge, e.g. learned from its last issuance with
   acme2_issuance_fetches): while fewer have been seen, the order is polled
   only this long after the last one (or after the challenge, before the
   first) unless the rest arrive first. Pebble's attempts come whole
   seconds apart (up to 2 s with PEBBLE_VA_SLEEPTIME=3); a CA that makes
   fewer fetches than expected costs this much delay once. */
#ifndef ACME2_SEEN_FALLBACK_MS
#define ACME2_SEEN_FALLBACK_MS 2500
#endif

/* What a deploy or cleanup is told about one challenge. Strings live until
   the next call on the issuance (or the end of the callback). */
typedef struct acme2_challenge_info {
    int type;                      /* enum acme2_challenge_type */
    acme2_identifier identifier;   /* as in the authorization (a wildcard's base name) */
    int wildcard;                  /* the order asked for "*." + identifier */
    const char *token;
    const char *key_authorization; /* http-01 body; input of the tls-alpn-01 certificate; "" for dns-persist-01 */
    const char *dns_name;          /* dns-01/dns-account-01/dns-persist-01 TXT record name; "" otherwise */
    const char *dns_value;         /* dns-01/dns-account-01 TXT value; dns-persist-01: the persistent record
                                      (acme2_dns_persist01_txt with the directory's first issuerDomainNames
                                      entry, policy=wildcard for a wildcard, no persistUntil): publish it
                                      once and leave it; "" otherwise */
    const char *http_path;         /* http-01: /.well-known/acme-challenge/TOKEN; "" otherwise */
    int failed;                    /* cleanup only: the order's authorizations did not all succeed */
} acme2_challenge_info;

/* Deploy: return 0 once the challenge can be validated, a positive value
   to decline this type (the next preferred type is tried), a negative
   value to stop the issuance (ACME2_ERR_CALLBACK). */
typedef int (*acme2_deploy_fn)(void *user, const acme2_challenge_info *ch);
typedef void (*acme2_cleanup_fn)(void *user, const acme2_challenge_info *ch);

typedef struct acme2_issue_params {
    const acme2_identifier *ids;      /* what the certificate must cover */
    size_t n_ids;
    const acme2_key *cert_key;        /* the certificate's key: the CSR is built from it ... */
    const unsigned char *csr;         /* ... or a ready DER CSR (then cert_key may be NULL) */
    size_t csr_len;
    const int *challenge_types;       /* preference order; NULL: http-01, dns-01, tls-alpn-01 */
    size_t n_challenge_types;
    acme2_deploy_fn deploy;           /* acme2_issue only (the engine asks with ACME2_STEP_DEPLOY) */
    acme2_cleanup_fn cleanup;         /* called for every challenge deploy took or failed on (not the
                                         declined ones), whether the issuance succeeds or not */
    void *user;
    const char *resume_order;         /* an order URL saved earlier, or NULL */
    void (*on_order)(void *user, const char *order_url); /* told as soon as the order exists */
    const char *profile;              /* as acme2_order_params */
    const char *replaces;             /* retried once without it when the server says alreadyReplaced */
    long long not_before, not_after;
    int chain;                        /* 0: the default chain; i > 0: the i-th alternate (Link rel="alternate") */
    acme2_sink_fn sink;               /* when set, the chain is streamed here */
    void *sink_user;
    /* acme2_issue only: waits between polls instead of opt.sleep, and may
       return early with the number of fetches the caller saw the CA make
       (its responder answered validation requests): the order is then
       polled ACME2_SEEN_SETTLE_MS after the last such fetch instead of on
       the blind schedule. Return 0 when the time simply passed. */
    int (*wait)(void *user, unsigned ms);
    /* With a responder that reports every fetch (through wait or
       acme2_issuance_validation_seen): how many the CA makes per
       challenge (Pebble 3; Let's Encrypt one plus its remote
       perspectives), so the order is polled once, after the last of them,
       instead of after each burst; see ACME2_SEEN_FALLBACK_MS.
       acme2_issuance_fetches tells what was seen. 0: unknown, poll after
       every fetch. */
    unsigned fetches;
    int full_chain;                   /* also fetch the issuers the certificate response names with Link rel="up"
                                         (acme2_certificate_issuer_*), up to ACME2_MAX_UP_DEPTH */
    const char *const *ancestor_domains; /* RFC 9444: as acme2_order_params.ancestor_domains (n_ids entries) */
} acme2_issue_params;

/* Checks a downloaded chain (PEM) against what was ordered: the leaf (the
   first certificate) must carry the certificate key (cert_key's, or when
   cert_key is NULL the key of the DER CSR given) and cover every
   identifier (ACME2_ERR_CERT_KEY / ACME2_ERR_CERT_NAMES otherwise), and
   every further certificate must parse (a chain the server cut short is
   refused). When pem is the client's last certificate response and a sink
   took the chain, only the leaf is there and only the leaf is checked.
   Uses the client's work buffer past pem (or all of it) as scratch. */
ACME2_DEF int acme2_chain_check(acme2_client *c, const char *pem, size_t pem_len, const acme2_key *cert_key,
                                const unsigned char *csr, size_t csr_len, const acme2_identifier *ids, size_t n_ids);

/* THE ISSUANCE ENGINE
   A whole issuance as a state machine the caller steps, for event loops
   and for many issuances from one thread (one client each; clients of one
   account may share a directory and nonces, see acme2_client_share).
   Nothing in it blocks, sleeps or calls back: each call to
   acme2_issuance_step returns what the caller must do next.

       acme2_issuance is;                     // caller-owned, must not move
       acme2_http_request req;
       acme2_issuance_start(&is, &client, &params);
       for (;;) switch (acme2_issuance_step(&is, &req)) {
       case ACME2_STEP_HTTP:    send req; push the answer into
                                acme2_client_response(&client) (nothing
                                pushed, or acme2_response_fail: the exchange
                                failed); step again
       case ACME2_STEP_DEPLOY:  publish acme2_issuance_challenge(&is); when
                                done (now or seconds later) call
                                acme2_issuance_deployed(&is, acme2_issuance_challenge_id(&is), rc)
                                with rc as a deploy callback returns; step again
       case ACME2_STEP_CLEANUP: remove acme2_issuance_challenge(&is); step again
       case ACME2_STEP_ORDER:   save acme2_issuance_order(&is)->url for a resume; step again
       case ACME2_STEP_WAIT:    step again after acme2_issuance_wait_ms(&is) ms
                                (or at once after acme2_issuance_validation_seen)
       case ACME2_STEP_IDLE:    nothing to do until a deploy is answered (or,
                                with acme2_shared.nonce_window, until another
                                engine of the group parsed an answer): step
                                again then
       case ACME2_STEP_DONE:    acme2_issuance_chain(&is, &pem, &len): checked
       default (< 0):           failed: the error; acme2_client_problem says why
       }

   The params (deploy and cleanup callbacks aside, which only acme2_issue
   uses) must stay valid until DONE or failure. Several deploys may be
   outstanding at once: the engine goes on fetching the next authorization
   while a DNS API takes its time, and accepts each challenge as its deploy
   is answered. Every challenge a deploy took (or failed on) is cleaned up
   before DONE or the error is returned. Requests and event strings live in
   the client's work buffer; the issuance's own state is in the struct
   (sizeof(acme2_issuance): 4200 bytes on x86-64 with the default bounds, plus
   the client and its work buffer: see the README's memory budget). */
enum acme2_step {
    ACME2_STEP_HTTP = 1, ACME2_STEP_DEPLOY, ACME2_STEP_CLEANUP, ACME2_STEP_ORDER,
    ACME2_STEP_WAIT, ACME2_STEP_IDLE, ACME2_STEP_DONE
};

typedef struct acme2_issuance {
    acme2_client *c;
    const acme2_issue_params *p;
    int phase, op, inflight, resend, result;
    unsigned again, attempt;
    int next_authz, loaded;            /* next authorization to fetch; the one in authz (-1 none) */
    int why;                           /* AUTHZ phase: record retried after a decline (-1 none);
                                          WHY phase: authorization being looked at */
    int drop_replaces, waiting, seen;
    unsigned fetched, accepted;        /* CA fetches reported; challenges accepted */
    long long deadline, wait_ms;
    int event_id;
    const char *chain;
    size_t chain_len;
    size_t rec_used, rec_pos;
    int up_depth;                      /* issuers fetched through Link rel="up" (full_chain) */
    size_t area_size;                  /* work buffer kept for the chain while they are fetched */
    acme2_sink_fn keep_sink;
    void *keep_sink_user;
    acme2_shared *counted;             /* the group whose in_flight counts the request in flight */
    int blocking;                      /* acme2_issuance_run: never waits for the group's nonces */
    acme2_challenge_info info;
    acme2_order order;
    char cert_url[ACME2_MAX_URL + 1];
    acme2_authz authz;                 /* then the CSR, once the records are done with */
    char rec[ACME2_ISSUE_CLEANUP_BYTES];
} acme2_issuance;

/* Starts an issuance on client c (which it uses exclusively until the end)
   with the parameters of acme2_issue. ACME2_ERR_PARAM for missing ids, key
   or CSR. */
ACME2_DEF int acme2_issuance_start(acme2_issuance *is, acme2_client *c, const acme2_issue_params *p);

/* The next thing to do: an ACME2_STEP_* value, or a negative error once
   the issuance failed (then again on every later call). */
ACME2_DEF int acme2_issuance_step(acme2_issuance *is, acme2_http_request *req);

/* The challenge of the last DEPLOY or CLEANUP event, and the identifier to
   answer a DEPLOY with. */
ACME2_DEF const acme2_challenge_info *acme2_issuance_challenge(const acme2_issuance *is);
ACME2_DEF int acme2_issuance_challenge_id(const acme2_issuance *is);

/* Answers DEPLOY event id: rc 0 published, > 0 declined (the next preferred
   type is tried), < 0 failed (the issuance stops with ACME2_ERR_CALLBACK).
   ACME2_ERR_STATE when id is not an outstanding deploy. */
ACME2_DEF int acme2_issuance_deployed(acme2_issuance *is, int id, int rc);

/* The CA fetched a challenge (the caller's responder answered a validation
   request; one call per fetch): the order is polled ACME2_SEEN_SETTLE_MS
   after the last such call instead of on the blind schedule (with
   params.fetches: after the last expected one). */
ACME2_DEF void acme2_issuance_validation_seen(acme2_issuance *is);

/* Fetches reported per accepted challenge, rounded down (0 when none was
   accepted or none reported): what to pass as params.fetches the next
   time with the same CA. */
ACME2_DEF unsigned acme2_issuance_fetches(const acme2_issuance *is);

/* Milliseconds to wait after ACME2_STEP_WAIT. */
ACME2_DEF long long acme2_issuance_wait_ms(const acme2_issuance *is);

/* The order as last seen (its url is "" before it exists). */
ACME2_DEF const acme2_order *acme2_issuance_order(const acme2_issuance *is);

/* After ACME2_STEP_DONE: the checked chain in the work buffer (with a sink:
   the leaf only), valid until the client's next request. */
ACME2_DEF int acme2_issuance_chain(const acme2_issuance *is, const char **pem, size_t *pem_len);

/* Wipes the issuance (call when done with it, also after a failure, and
   before abandoning one whose request is in flight: that request then stops
   counting against acme2_shared.nonce_window). */
ACME2_DEF void acme2_issuance_reset(acme2_issuance *is);

/* acme2_issue over an issuance the caller provides (e.g. static, so the
   whole work buffer stays free for the requests of a 100-name order). */
ACME2_DEF int acme2_issuance_run(acme2_issuance *is, acme2_client *c, const acme2_issue_params *p,
                                 const char **pem, size_t *pem_len);

/* One call from identifiers to certificate: acme2_issuance_start, then the
   engine stepped through the transport, p->deploy, p->cleanup, p->on_order
   and opt.sleep (or p->wait). The engine, in short: new order (or resume),
   each pending authorization answered with the first preferred challenge
   type it offers, accept, poll the order until ready, finalize, poll,
   download, then acme2_chain_check. An authorization for an identifier
   that was not requested stops it (ACME2_ERR_PROTOCOL) before anything is
   deployed. On success *pem, *pem_len give the chain in the work buffer
   (with a sink: the leaf only; what the sink received counts only once this
   returns 0), valid until the next call on the client; on failure they are
   untouched. The issuance state is kept at the end of the work buffer: give
   it at least 8 KB (16 KB for RSA-4096 accounts or long chains without a
   sink), more with a larger ACME2_ISSUE_CLEANUP_BYTES or ACME2_ORDER_STRINGS. */
ACME2_DEF int acme2_issue(acme2_client *c, const acme2_issue_params *p, const char **pem, size_t *pem_len);

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
#ifndef LLONG_MAX /* C++ on newlib: gcc's own <limits.h> stops at C90 there */
#define LLONG_MAX __LONG_LONG_MAX__
#endif

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

/* == errors == (implementation) */

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

/* == util == (implementation) */

ACME2_DEF void acme2_wipe(void *p, size_t n)
{
#if defined(__GNUC__) || defined(__clang__)
    /* memset at full speed; the empty asm claims to read the memory, so the
       compiler may not drop the stores as dead. */
    if (!n) return;
    ACME2_MEMSET(p, 0, n);
    __asm__ __volatile__("" : : "r"(p) : "memory");
#else
    /* Elsewhere a volatile pointer keeps each store. */
    volatile unsigned char *v = (volatile unsigned char *)p;
    while (n--) *v++ = 0;
#endif
}

/* base64url (RFC 4648 section 5); standard base64 (section 4, for PEM)
   has "+/" for the last two values, which follow. */
static const char acme2__b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/";

static size_t acme2__b64url_len(size_t n)
{
    return (n / 3) * 4 + ((n % 3) ? (n % 3) + 1 : 0);
}

/* Encodes n bytes without bounds checks: base64url without padding, or with
   std standard base64 with '=' padding. Returns the characters written.
   Each group of three bytes is read before its four characters are
   written, so the encoding may be done in place with the input at the end
   of the room (out = in - (encoded length - n)): the writes never reach
   input not yet read, as the input's offset is at least the number of
   groups. */
static size_t acme2__b64_raw(char *out, const unsigned char *in, size_t n, int std)
{
    size_t i, o = 0, k;
    for (i = 0; i < n; i += 3) {
        size_t left = n - i;
        unsigned long w = (unsigned long)in[i] << 16;
        if (left > 1) w |= (unsigned long)in[i + 1] << 8;
        if (left > 2) w |= in[i + 2];
        for (k = 0; k < 4; k++) {
            unsigned v = (unsigned)(w >> (18 - 6 * k)) & 63;
            if (k <= left) out[o++] = acme2__b64_alphabet[(std && v >= 62) ? v + 2 : v];
            else if (std) out[o++] = '=';
        }
    }
    return o;
}

ACME2_DEF int acme2_b64url_encode(char *out, size_t out_size, const void *in, size_t in_len)
{
    size_t need;
    if (!in && in_len) return ACME2_ERR_PARAM;
    if (in_len > (size_t)INT_MAX / 2) return ACME2_ERR_PARAM;
    need = acme2__b64url_len(in_len);
    if (!out) return (int)need;
    if (out_size < need + 1) return ACME2_ERR_NOSPACE;
    acme2__b64_raw(out, (const unsigned char *)in, in_len, 0);
    out[need] = 0;
    return (int)need;
}

/* Value of a base64 character, or -1: url selects the URL-safe alphabet
   (RFC 4648 section 5) over the standard one (section 4, for PEM). */
static int acme2__b64_value(unsigned char c, int url)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == (url ? '-' : '+')) return 62;
    if (c == (url ? '_' : '/')) return 63;
    return -1;
}

static int acme2__b64url_value(unsigned char c) { return acme2__b64_value(c, 1); }

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

/* White space PEM allows between base64 characters. */
static int acme2__pem_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Decodes the standard-alphabet base64 characters of s[0..n), skipping
   every other byte (white space, padding), into out; returns the bytes
   written. For PEM bodies the caller has validated (their size known). */
static size_t acme2__b64_decode_text(const char *s, size_t n, unsigned char *out)
{
    unsigned long acc = 0;
    size_t i, o = 0;
    int bits = 0;
    for (i = 0; i < n; i++) {
        int v = acme2__b64_value((unsigned char)s[i], 0);
        if (v < 0) continue;
        acc = (acc << 6) | (unsigned long)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1UL << bits) - 1;
        }
    }
    return o;
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
    if (p) acme2__b64_raw(p, (const unsigned char *)data, n, 0);
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
    int64_t era;
    unsigned yoe, doe;
    if (m <= 2) y -= 1;
    era = (y >= 0 ? y : y - 399) / 400;
    /* Within an era everything fits 32 bits: only the era is wide. */
    yoe = (unsigned)(y - era * 400);
    doe = yoe * 365 + yoe / 4 - yoe / 100 + (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    return era * 146097 + (int64_t)doe - 719468;
}

#if !defined(ACME2_NO_TLS_ALPN) || !defined(ACME2_NO_ORDER_TIMES)
static void acme2__civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era;
    unsigned doe, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2 ? 1 : 0);
}
#endif

static unsigned acme2__days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    /* The leap rule repeats every 400 years; a zero test ignores the
       remainder's sign. */
    int r = (int)(y % 400);
    if (m == 2 && ((r % 4 == 0 && r % 100 != 0) || r == 0)) return 29;
    return dim[m - 1];
}

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
    int depth = 0, in_obj = 0, st = ACME2__JS_VALUE, n = 0, cur = -1, is_key;

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
        case 't': case 'f': case 'n': {
            /* The three literals, told apart by their first letter. */
            const char *lit = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
            int ll = *p == 'f' ? 5 : 4;
            if (st > ACME2__JS_VALUE_END || e - p < ll || ACME2_MEMCMP(p, lit, (size_t)ll)) return ACME2_ERR_JSON;
            type = *p == 't' ? ACME2_JSON_TRUE : *p == 'f' ? ACME2_JSON_FALSE : ACME2_JSON_NULL;
            ts = (int)(p - base);
            te = ts + ll;
            p += ll;
            break;
        }
        default:
            return ACME2_ERR_JSON;
        }

        /* A key (a string where a key may come), or a value: the root, an
           array element or the value of a member (then cur is its key).
           The state was checked above. A key or an element counts in its
           container's size; a key is the parent of its value. */
        is_key = st >= ACME2__JS_KEY && st <= ACME2__JS_KEY_END;
        if (out) {
            if (n >= max_toks) {
                out = NULL;
            } else {
                acme2_json_tok *t = out + n;
                t->type = type;
                t->start = ts;
                t->end = te;
                t->size = is_key;
                t->parent = cur;
                if (is_key || (depth && !in_obj)) out[cur].size++;
            }
        }
        n++;
        if (is_key) {
            st = ACME2__JS_COLON;
            if (out) cur = n - 1;
        } else if (type == ACME2_JSON_OBJECT || type == ACME2_JSON_ARRAY) {
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

/* ---- filling a struct from an object ----

   One table-driven reader for every response: a table names the members
   of an object and where each goes in a C struct (offsetof), and
   acme2__json_fill visits the object's members once, converting each one
   named. It replaces a json_get + type check + copy per member: the
   per-member code becomes an 8-byte table row. Strings are unescaped into
   a packed area (each NUL-terminated), so a struct of pointers and a byte
   area travel together. What is particular to a document (enumerations,
   times, cut text) is the caller's converter, picked per row by a small
   number. Not public: the tables are how the library reads its own
   responses. */

/* Until the protocol's parsers move to tables, only the tests call it. */
#if defined(__GNUC__) || defined(__clang__)
#define ACME2__UNUSED __attribute__((unused))
#else
#define ACME2__UNUSED
#endif

enum {
    ACME2__JF_STR = 1, /* const char *: unescaped into the area; absent: "" in the area */
    ACME2__JF_BOOL,    /* int: true/false; absent: untouched */
    ACME2__JF_INT,     /* long long: an integer number; absent: untouched */
    ACME2__JF_TOK,     /* int: index of the value token, -1 when absent */
    ACME2__JF_CONV     /* the area's converter, told the row's ACME2__JF_AUX */
};
#define ACME2__JF_REQUIRED 0x01 /* absent: ACME2_ERR_NOT_FOUND */
#define ACME2__JF_CHECK    0x02 /* STR: the area's check must accept the text */
/* TOK: the token type the value must have (0: any); CONV: the converter's
   selector (0..15). */
#define ACME2__JF_AUX(x)   ((unsigned)(x) << 4)

typedef struct acme2__json_field {
    const char *key;
    unsigned short off;  /* offsetof the member */
    unsigned char kind;  /* ACME2__JF_* */
    unsigned char flags; /* ACME2__JF_REQUIRED | ACME2__JF_CHECK | ACME2__JF_AUX(x) */
} acme2__json_field;

typedef struct acme2__json_area acme2__json_area;
struct acme2__json_area {
    char *buf; /* packed strings */
    size_t cap, used;
    /* CHECK strings; CONV values (i: the value's token, -1 when absent). */
    int (*check)(acme2__json_area *a, const char *s);
    int (*conv)(acme2__json_area *a, unsigned aux, const char *js, const acme2_json_tok *t, int i, void *dst);
    void *user;
};

/* Unescapes string token t (NULL: the empty string) into the area. */
static int acme2__json_pack(acme2__json_area *a, const char *js, const acme2_json_tok *t, const char **out)
{
    char *dst = a->buf + a->used;
    int r = ACME2_ERR_NOSPACE;
    if (t) r = acme2_json_str(js, t, dst, a->cap - a->used);
    else if (a->cap > a->used) r = *dst = 0;
    if (r < 0) return r;
    a->used += (size_t)r + 1;
    *out = dst;
    return 0;
}

/* Index of string token t in the NULL-terminated names, or -1 (also when t
   is no string): for converters of enumerations. */
ACME2__UNUSED static int acme2__json_enum(const char *js, const acme2_json_tok *t, const char *const *names)
{
    int k;
    for (k = 0; names[k]; k++)
        if (acme2_json_eq(js, t, names[k])) return k;
    return -1;
}

/* Converts the value token v of row f into dst (v < 0: absent). */
static int acme2__json_fill1(const char *js, const acme2_json_tok *t, int v, const acme2__json_field *f, void *dst,
                             acme2__json_area *a)
{
    unsigned aux = f->flags >> 4;
    int rc;
    if (f->kind == ACME2__JF_CONV) return a->conv ? a->conv(a, aux, js, t, v, dst) : ACME2_ERR_PARAM;
    if (f->kind == ACME2__JF_TOK) {
        if (v >= 0 && aux && t[v].type != (int)aux) return ACME2_ERR_TYPE;
        *(int *)dst = v;
        return 0;
    }
    if (f->kind == ACME2__JF_STR) {
        if (v >= 0 && t[v].type != ACME2_JSON_STRING) return ACME2_ERR_TYPE;
        rc = acme2__json_pack(a, js, v >= 0 ? &t[v] : NULL, (const char **)dst);
        if (!rc && v >= 0 && (f->flags & ACME2__JF_CHECK) && a->check) rc = a->check(a, *(const char **)dst);
        return rc;
    }
    if (v < 0) return 0;
    if (f->kind == ACME2__JF_BOOL) return acme2_json_bool(&t[v], (int *)dst);
    return acme2_json_int(js, &t[v], (long long *)dst);
}

/* Fills the struct at out from the members of object token obj, row by
   row of f[0..nf) (nf <= 32). Every member is visited once and compared
   with every row (a key may have several rows); members no row names are
   ignored. A row's key given twice is ACME2_ERR_JSON (as acme2_json_get
   reports it), a required member absent ACME2_ERR_NOT_FOUND, a value of
   the wrong type ACME2_ERR_TYPE, a string that does not fit the area
   ACME2_ERR_NOSPACE; the callbacks' errors pass through. Rows of absent
   members are filled too, after the present ones. On failure out holds a
   part. */
ACME2__UNUSED static int acme2__json_fill(const char *js, const acme2_json_tok *t, int n, int obj,
                                          const acme2__json_field *f, int nf, void *out, acme2__json_area *a)
{
    unsigned long seen = 0;
    int i, m, k, rc;
    if (obj < 0) return obj;
    if (obj >= n || t[obj].type != ACME2_JSON_OBJECT || nf > 32) return ACME2_ERR_TYPE;
    /* next() always moves forward, so this ends within n steps even if
       size lies (as in acme2_json_get). */
    for (m = 0, i = obj + 1; m < t[obj].size && i < n - 1; m++, i = acme2_json_next(t, n, i)) {
        if (t[i].parent != obj) continue;
        for (k = 0; k < nf; k++) {
            if (!acme2_json_eq(js, &t[i], f[k].key)) continue;
            if (seen & (1UL << k)) return ACME2_ERR_JSON;
            seen |= 1UL << k;
            rc = acme2__json_fill1(js, t, i + 1, &f[k], (char *)out + f[k].off, a);
            if (rc) return rc;
        }
    }
    for (k = 0; k < nf; k++) {
        if (seen & (1UL << k)) continue;
        if (f[k].flags & ACME2__JF_REQUIRED) return ACME2_ERR_NOT_FOUND;
        rc = acme2__json_fill1(js, t, -1, &f[k], (char *)out + f[k].off, a);
        if (rc) return rc;
    }
    return 0;
}

/* == keys == (implementation) */

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

/* ---- DER reader ----
   The one DER reader, for keys here and certificates in "== der ==".
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

/* Component slots in acme2_key.off/len. */
#define ACME2__EC_X 0   /* private scalar, curve length */
#define ACME2__EC_Q 1   /* public point 04||X||Y */
#define ACME2__RSA_P 0
#define ACME2__RSA_Q 1
#define ACME2__RSA_DP 2
#define ACME2__RSA_DQ 3
#define ACME2__RSA_IQ 4
#define ACME2__RSA_N 5
#define ACME2__RSA_E 6

/* Where the EC point lives in buf: after the largest scalar BearSSL makes. */
#define ACME2__EC_Q_OFF BR_EC_KBUF_PRIV_MAX_SIZE

#ifndef ACME2_NO_RSA
/* Bytes of the largest modulus. */
#define ACME2__RSA_BYTES ((ACME2_RSA_MAX_BITS + 7) / 8)
#endif

/* Byte length of a coordinate (and of the scalar) on a supported curve. */
static size_t acme2__key_ec_clen(int curve)
{
    return curve == BR_EC_secp384r1 ? 48 : 32;
}

/* The views below point BearSSL's key structures into an acme2_key. BearSSL
   declares the pointers non-const but only reads through them. */
static void acme2__key_ec_sk(const acme2_key *k, br_ec_private_key *sk)
{
    sk->curve = k->curve;
    sk->x = (unsigned char *)k->buf + k->off[ACME2__EC_X];
    sk->xlen = k->len[ACME2__EC_X];
}

#ifndef ACME2_NO_KEY_SAVE
static void acme2__key_ec_pk(const acme2_key *k, br_ec_public_key *pk)
{
    pk->curve = k->curve;
    pk->q = (unsigned char *)k->buf + k->off[ACME2__EC_Q];
    pk->qlen = k->len[ACME2__EC_Q];
}
#endif

#ifndef ACME2_NO_RSA
static void acme2__key_rsa_sk(const acme2_key *k, br_rsa_private_key *sk)
{
    unsigned char *b = (unsigned char *)k->buf;
    sk->n_bitlen = (uint32_t)k->bits;
    sk->p = b + k->off[ACME2__RSA_P];
    sk->plen = k->len[ACME2__RSA_P];
    sk->q = b + k->off[ACME2__RSA_Q];
    sk->qlen = k->len[ACME2__RSA_Q];
    sk->dp = b + k->off[ACME2__RSA_DP];
    sk->dplen = k->len[ACME2__RSA_DP];
    sk->dq = b + k->off[ACME2__RSA_DQ];
    sk->dqlen = k->len[ACME2__RSA_DQ];
    sk->iq = b + k->off[ACME2__RSA_IQ];
    sk->iqlen = k->len[ACME2__RSA_IQ];
}

static void acme2__key_rsa_pk(const acme2_key *k, br_rsa_public_key *pk)
{
    pk->n = (unsigned char *)k->buf + k->off[ACME2__RSA_N];
    pk->nlen = k->len[ACME2__RSA_N];
    pk->e = (unsigned char *)k->buf + k->off[ACME2__RSA_E];
    pk->elen = k->len[ACME2__RSA_E];
}

/* The public exponent as a number (load and generate keep it <= 32 bits). */
static uint32_t acme2__key_rsa_e32(const acme2_key *k)
{
    uint32_t e = 0;
    size_t i;
    for (i = 0; i < k->len[ACME2__RSA_E]; i++) e = (e << 8) | k->buf[k->off[ACME2__RSA_E] + i];
    return e;
}
#endif

/* 1 when the key holds something usable. */
static int acme2__key_ok(const acme2_key *k)
{
    if (!k) return 0;
    if (k->kind == ACME2_KEY_EC) return k->curve == BR_EC_secp256r1 || k->curve == BR_EC_secp384r1;
#ifndef ACME2_NO_RSA
    if (k->kind == ACME2_KEY_RSA) return k->bits >= 2048 && k->bits <= ACME2_RSA_MAX_BITS;
#endif
    return 0;
}

/* ---- entropy ---- */

#ifndef ACME2_NO_SYSTEM_RNG
/* Seed length: 48 bytes gives HMAC-DRBG its full security strength plus a
   nonce's worth (NIST SP 800-90A asks for 3/2 of the strength). */
#define ACME2__SEED_LEN 48

#ifdef ACME2_ENTROPY
/* The platform's own source (a TRNG on firmware). */
static int acme2__os_random(unsigned char *out, size_t n)
{
    return ACME2_ENTROPY(out, n) == 0 ? 0 : ACME2_ERR_RNG;
}
#else
#if defined(__linux__) && defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 25))
#define ACME2__HAVE_GETRANDOM 1
#include <sys/random.h>
#endif
#include <stdio.h>

/* Fills out from the kernel; 0 or ACME2_ERR_RNG. */
static int acme2__os_random(unsigned char *out, size_t n)
{
    size_t got = 0;
    FILE *f;
#ifdef ACME2__HAVE_GETRANDOM
    int tries;
    /* Short reads happen only on signals; a few retries bound the loop. */
    for (tries = 0; got < n && tries < 8; tries++) {
        ssize_t r = getrandom(out + got, n - got, 0);
        if (r > 0) got += (size_t)r;
    }
    if (got == n) return 0;
    got = 0;
#endif
    f = fopen("/dev/urandom", "rb");
    if (!f) return ACME2_ERR_RNG;
    /* Unbuffered: the stdio buffer would keep a copy of the seed. */
    setvbuf(f, NULL, _IONBF, 0);
    got = fread(out, 1, n, f);
    fclose(f);
    return got == n ? 0 : ACME2_ERR_RNG;
}
#endif

ACME2_DEF int acme2_rng_system(br_hmac_drbg_context *drbg)
{
    unsigned char seed[ACME2__SEED_LEN];
    int rc;
    if (!drbg) return ACME2_ERR_PARAM;
    rc = acme2__os_random(seed, sizeof seed);
    if (rc == 0) br_hmac_drbg_init(drbg, &br_sha256_vtable, seed, sizeof seed);
    acme2_wipe(seed, sizeof seed);
    return rc;
}
#endif

/* ---- generation ---- */

#ifndef ACME2_NO_KEYGEN
ACME2_DEF int acme2_key_generate(acme2_key *key, int kind, unsigned bits, const br_prng_class **rng)
{
#ifndef ACME2_NO_SYSTEM_RNG
    br_hmac_drbg_context drbg;
#endif
    int rc = 0;
    if (!key) return ACME2_ERR_PARAM;
    if (kind == ACME2_KEY_EC) {
        if (bits != 256 && bits != 384) return ACME2_ERR_KEY_UNSUPPORTED;
    } else if (kind == ACME2_KEY_RSA) {
#ifdef ACME2_NO_RSA
        return ACME2_ERR_KEY_UNSUPPORTED;
#else
        if (bits < 2048 || bits > ACME2_RSA_MAX_BITS || bits % 8) return ACME2_ERR_KEY_UNSUPPORTED;
#endif
    } else {
        return ACME2_ERR_KEY_UNSUPPORTED;
    }
    if (!rng) {
#ifdef ACME2_NO_SYSTEM_RNG
        return ACME2_ERR_RNG;
#else
        rc = acme2_rng_system(&drbg);
        if (rc) return rc;
        rng = &drbg.vtable;
#endif
    }
    if (kind == ACME2_KEY_EC) {
        const br_ec_impl *impl = br_ec_get_default();
        int curve = bits == 256 ? BR_EC_secp256r1 : BR_EC_secp384r1;
        br_ec_private_key sk;
        size_t xlen, qlen;
        acme2_wipe(key, sizeof *key);
        xlen = br_ec_keygen(rng, impl, &sk, key->buf, curve);
        qlen = xlen ? br_ec_compute_pub(impl, NULL, key->buf + ACME2__EC_Q_OFF, &sk) : 0;
        if (xlen != acme2__key_ec_clen(curve) || qlen != 2 * xlen + 1) {
            acme2_wipe(key, sizeof *key);
            rc = ACME2_ERR_CRYPTO;
        } else {
            key->off[ACME2__EC_X] = 0;
            key->len[ACME2__EC_X] = (unsigned short)xlen;
            key->off[ACME2__EC_Q] = ACME2__EC_Q_OFF;
            key->len[ACME2__EC_Q] = (unsigned short)qlen;
            key->curve = curve;
            key->bits = bits;
            key->kind = ACME2_KEY_EC;
        }
    }
#ifndef ACME2_NO_RSA
    else {
        br_rsa_private_key sk;
        br_rsa_public_key pk;
        unsigned char *priv = key->buf, *pub = key->buf + BR_RSA_KBUF_PRIV_SIZE(ACME2_RSA_MAX_BITS);
        acme2_wipe(key, sizeof *key);
        /* pubexp 0 would mean e = 3: always ask for 65537. */
        if (!br_rsa_keygen_get_default()(rng, &sk, priv, &pk, pub, bits, 65537)) {
            acme2_wipe(key, sizeof *key);
            rc = ACME2_ERR_CRYPTO;
        } else {
            /* BearSSL may leave leading zeros in e; JWK and DER want none. */
            while (pk.elen > 1 && pk.e[0] == 0) { pk.e++; pk.elen--; }
            while (pk.nlen > 1 && pk.n[0] == 0) { pk.n++; pk.nlen--; }
            key->off[ACME2__RSA_P] = (unsigned short)(sk.p - key->buf);
            key->len[ACME2__RSA_P] = (unsigned short)sk.plen;
            key->off[ACME2__RSA_Q] = (unsigned short)(sk.q - key->buf);
            key->len[ACME2__RSA_Q] = (unsigned short)sk.qlen;
            key->off[ACME2__RSA_DP] = (unsigned short)(sk.dp - key->buf);
            key->len[ACME2__RSA_DP] = (unsigned short)sk.dplen;
            key->off[ACME2__RSA_DQ] = (unsigned short)(sk.dq - key->buf);
            key->len[ACME2__RSA_DQ] = (unsigned short)sk.dqlen;
            key->off[ACME2__RSA_IQ] = (unsigned short)(sk.iq - key->buf);
            key->len[ACME2__RSA_IQ] = (unsigned short)sk.iqlen;
            key->off[ACME2__RSA_N] = (unsigned short)(pk.n - key->buf);
            key->len[ACME2__RSA_N] = (unsigned short)pk.nlen;
            key->off[ACME2__RSA_E] = (unsigned short)(pk.e - key->buf);
            key->len[ACME2__RSA_E] = (unsigned short)pk.elen;
            key->bits = (unsigned)sk.n_bitlen;
            key->kind = ACME2_KEY_RSA;
        }
    }
#endif
#ifndef ACME2_NO_SYSTEM_RNG
    acme2_wipe(&drbg, sizeof drbg);
#endif
    return rc;
}
#endif

/* ---- SubjectPublicKeyInfo ---- */

static const unsigned char acme2__key_oid_ec_public_key[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
static const unsigned char acme2__key_oid_p256[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const unsigned char acme2__key_oid_p384[] = { 0x2b, 0x81, 0x04, 0x00, 0x22 };
#ifndef ACME2_NO_RSA
static const unsigned char acme2__key_oid_rsa[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };
#endif

#ifndef ACME2_NO_RSA
/* A DER INTEGER holding the unsigned big-endian v (no leading zeros). */
static void acme2__dw_uint(acme2__dw *w, const unsigned char *v, size_t n)
{
    size_t m = w->len;
    acme2__dw_raw(w, v, n);
    if (v[0] & 0x80) acme2__dw_byte(w, 0);
    acme2__dw_close(w, ACME2__T_INTEGER, m);
}
#endif

/* The SubjectPublicKeyInfo of a key that satisfies acme2__key_ok, written
   (back to front) by w: also how the CSR and certificate writers put it. */
static void acme2__key_spki(acme2__dw *w, const acme2_key *key)
{
    size_t m0 = w->len, m1 = 0;
    if (key->kind == ACME2_KEY_EC) {
        int p384 = key->curve == BR_EC_secp384r1;
        acme2__dw_raw(w, key->buf + key->off[ACME2__EC_Q], key->len[ACME2__EC_Q]);
        acme2__dw_byte(w, 0); /* no unused bits */
        acme2__dw_close(w, ACME2__T_BITS, m0);
        m1 = w->len;
        acme2__dw_tlv(w, ACME2__T_OID, p384 ? acme2__key_oid_p384 : acme2__key_oid_p256,
                      p384 ? sizeof acme2__key_oid_p384 : sizeof acme2__key_oid_p256);
        acme2__dw_tlv(w, ACME2__T_OID, acme2__key_oid_ec_public_key, sizeof acme2__key_oid_ec_public_key);
    }
#ifndef ACME2_NO_RSA
    else {
        static const unsigned char null_tlv[2] = { ACME2__T_NULL, 0x00 };
        acme2__dw_uint(w, key->buf + key->off[ACME2__RSA_E], key->len[ACME2__RSA_E]);
        acme2__dw_uint(w, key->buf + key->off[ACME2__RSA_N], key->len[ACME2__RSA_N]);
        acme2__dw_close(w, ACME2__T_SEQUENCE, m0);
        acme2__dw_byte(w, 0);
        acme2__dw_close(w, ACME2__T_BITS, m0);
        m1 = w->len;
        acme2__dw_raw(w, null_tlv, sizeof null_tlv);
        acme2__dw_tlv(w, ACME2__T_OID, acme2__key_oid_rsa, sizeof acme2__key_oid_rsa);
    }
#endif
    acme2__dw_close(w, ACME2__T_SEQUENCE, m1); /* AlgorithmIdentifier */
    acme2__dw_close(w, ACME2__T_SEQUENCE, m0);
}

ACME2_DEF int acme2_key_spki_der(const acme2_key *key, void *out, size_t out_size)
{
    acme2__dw w;
    size_t n;
    if (!acme2__key_ok(key)) return ACME2_ERR_PARAM;
    /* Count first so that out stays untouched when it is too small. */
    acme2__dw_init(&w, NULL, 0);
    acme2__key_spki(&w, key);
    n = w.len;
    if (!out) return (int)n;
    if (out_size < n) return ACME2_ERR_NOSPACE;
    acme2__dw_init(&w, (unsigned char *)out, n);
    acme2__key_spki(&w, key);
    return w.err ? w.err : (int)n;
}

/* ---- loading ----

   Keys are read with the DER reader above (the one the certificate reader
   uses): a DER input directly, a PEM block after its base64 is decoded into
   a buffer on the stack that is wiped before returning. Every element is
   checked to end inside its container before its content is read. */

static const unsigned char acme2__key_oid_ed25519[] = { 0x2b, 0x65, 0x70 };
/* PKCS#5 (PBES1/PBES2) and PKCS#12 PBE: what encrypted PKCS#8 names. */
static const unsigned char acme2__key_oid_pkcs5[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05 };
static const unsigned char acme2__key_oid_pkcs12pbe[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01 };

/* Largest EC scalar and point accepted while parsing: P-521's, so that a
   P-521 key is reported as unsupported rather than malformed. */
#define ACME2__KEY_EC_X_MAX 66
#define ACME2__KEY_EC_Q_MAX 133

#define ACME2__KF ACME2_ERR_KEY_FORMAT

/* The next element, which must have tag `tag`. */
static int acme2__key_tlv(acme2__dr *r, unsigned char tag, acme2__dr *v)
{
    return acme2__dr_expect(r, tag, v) ? ACME2__KF : 0;
}

/* INTEGER content holding a small non-negative value (0..0x7fff), or -1. */
static long acme2__key_small(const acme2__dr *v)
{
    if (v->n < 1 || v->n > 2) return -1;
    return v->n == 1 ? v->p[0] : (v->p[0] & 0x80) ? -1 : (long)v->p[0] << 8 | v->p[1];
}

#ifndef ACME2_NO_RSA
/* INTEGER content holding a positive number: copied into dst without
   leading zeros (dst NULL: only checked). ACME2_ERR_KEY_UNSUPPORTED when
   longer than cap. */
static int acme2__key_uint(const acme2__dr *v, unsigned char *dst, size_t cap, size_t *len)
{
    const unsigned char *p = v->p;
    size_t n = v->n;
    if (!n || (p[0] & 0x80)) return ACME2__KF; /* empty or negative */
    while (n && !*p) {
        p++;
        n--;
    }
    if (!n) return ACME2__KF; /* zero */
    if (dst) {
        if (n > cap) return ACME2_ERR_KEY_UNSUPPORTED;
        ACME2_MEMCPY(dst, p, n);
    }
    *len = n;
    return 0;
}
#endif

/* 1 when OID content v is want. */
static int acme2__key_oid_is(const acme2__dr *v, const unsigned char *want, size_t wn)
{
    return v->n == wn && ACME2_MEMCMP(v->p, want, wn) == 0;
}

/* ECParameters, the whole of r: a named curve (*curve: the curve, 0 when
   unsupported), or explicit parameters / implicitCA (errors). */
static int acme2__key_ec_params(acme2__dr r, int *curve)
{
    acme2__dr v;
    unsigned char t;
    if (acme2__dr_next(&r, &t, &v)) return ACME2__KF;
    if (t == ACME2__T_SEQUENCE) return ACME2_ERR_KEY_EXPLICIT_EC;
    if (t == ACME2__T_NULL) return ACME2_ERR_KEY_UNSUPPORTED;
    if (t != ACME2__T_OID || !v.n || r.n) return ACME2__KF;
    *curve = acme2__key_oid_is(&v, acme2__key_oid_p256, sizeof acme2__key_oid_p256) ? BR_EC_secp256r1
           : acme2__key_oid_is(&v, acme2__key_oid_p384, sizeof acme2__key_oid_p384) ? BR_EC_secp384r1 : 0;
    return 0;
}

/* SEC1 ECPrivateKey from the privateKey OCTET STRING content x to the end
   of r. curve: from the PKCS#8 wrapper, or -1. Leaves the raw scalar at
   buf[0..), an included point at buf[ACME2__EC_Q_OFF..) with its length in
   len[ACME2__EC_Q]. */
static int acme2__key_sec1_body(acme2_key *k, acme2__dr *r, const acme2__dr *x, int curve)
{
    int seen = 0, inner = -1, rc;
    if (x->n == 0 || x->n > ACME2__KEY_EC_X_MAX) return ACME2__KF;
    ACME2_MEMCPY(k->buf, x->p, x->n);
    k->len[ACME2__EC_X] = (unsigned short)x->n;
    /* [0] parameters and [1] publicKey, each optional, in this order. */
    while (r->n) {
        acme2__dr v, q;
        unsigned char t;
        if (acme2__dr_next(r, &t, &v)) return ACME2__KF;
        if (t == ACME2__T_CTX0 && seen == 0) {
            rc = acme2__key_ec_params(v, &inner);
            if (rc) return rc;
            seen = 1;
        } else if (t == 0xa1 && seen < 2) {
            /* BIT STRING: no unused bits, then the point. */
            if (acme2__key_tlv(&v, ACME2__T_BITS, &q) || v.n || q.n < 2 || q.n - 1 > ACME2__KEY_EC_Q_MAX || q.p[0])
                return ACME2__KF;
            ACME2_MEMCPY(k->buf + ACME2__EC_Q_OFF, q.p + 1, q.n - 1);
            k->len[ACME2__EC_Q] = (unsigned short)(q.n - 1);
            seen = 2;
        } else {
            return ACME2__KF;
        }
    }
    if (curve < 0) curve = inner; /* SEC1 alone: its own parameters name the curve */
    else if (inner >= 0 && inner != curve) curve = -1; /* wrapper and key disagree */
    if (curve < 0) return ACME2__KF;
    if (curve == 0) return ACME2_ERR_KEY_UNSUPPORTED;
    k->curve = curve;
    k->kind = ACME2_KEY_EC;
    return 0;
}

/* PKCS#1 RSAPrivateKey from the modulus INTEGER content nv to the end of
   r: n e d p q dp dq iq. */
static int acme2__key_rsa_body(acme2_key *k, acme2__dr *r, const acme2__dr *nv)
{
#ifdef ACME2_NO_RSA
    (void)k;
    (void)r;
    (void)nv;
    return ACME2_ERR_KEY_UNSUPPORTED;
#else
    static const signed char order[] = { ACME2__RSA_E, -1, ACME2__RSA_P, ACME2__RSA_Q,
                                         ACME2__RSA_DP, ACME2__RSA_DQ, ACME2__RSA_IQ };
    size_t w, i, got;
    unsigned bits;
    unsigned char top;
    int rc = acme2__key_uint(nv, k->buf, ACME2__RSA_BYTES, &w);
    if (rc) return rc;
    k->off[ACME2__RSA_N] = 0;
    k->len[ACME2__RSA_N] = (unsigned short)w;
    top = k->buf[0];
    bits = (unsigned)(w - 1) * 8;
    while (top) { bits++; top >>= 1; }
    if (bits < 2048 || bits > ACME2_RSA_MAX_BITS) return ACME2_ERR_KEY_UNSUPPORTED;
    k->bits = bits;
    for (i = 0; i < sizeof order; i++) {
        acme2__dr v;
        int s = order[i];
        if (acme2__key_tlv(r, ACME2__T_INTEGER, &v)) return ACME2__KF;
        rc = acme2__key_uint(&v, s < 0 ? NULL : k->buf + w, sizeof k->buf - w, &got);
        if (rc) return rc;
        if (s >= 0) {
            k->off[s] = (unsigned short)w;
            k->len[s] = (unsigned short)got;
            w += got;
        }
    }
    if (r->n) return ACME2__KF;
    /* e must fit 32 bits (d is recomputed from it) and be odd and > 1. */
    if (k->len[ACME2__RSA_E] > 4 || !(k->buf[k->off[ACME2__RSA_E] + k->len[ACME2__RSA_E] - 1] & 1)
        || acme2__key_rsa_e32(k) < 3)
        return ACME2_ERR_KEY_UNSUPPORTED;
    k->kind = ACME2_KEY_RSA;
    return 0;
#endif
}

/* Input formats, from the PEM label; ANY for DER. */
#define ACME2__KEY_ANY 0
#define ACME2__KEY_SEC1 1
#define ACME2__KEY_PKCS1 2
#define ACME2__KEY_PKCS8 3

/* PKCS#8 PrivateKeyInfo / OneAsymmetricKey from the AlgorithmIdentifier
   content alg to the end of r. */
static int acme2__key_pkcs8_body(acme2_key *k, acme2__dr *r, acme2__dr alg)
{
    acme2__dr oid, v, inner, x;
    unsigned char t;
    int curve = 0, is_ec = 0, rc = 0;
    if (acme2__key_tlv(&alg, ACME2__T_OID, &oid) || !oid.n) return ACME2__KF;
    if (acme2__key_oid_is(&oid, acme2__key_oid_ec_public_key, sizeof acme2__key_oid_ec_public_key)) {
        is_ec = 1;
        rc = acme2__key_ec_params(alg, &curve);
        alg.n = 0;
    } else if (acme2__key_oid_is(&oid, acme2__key_oid_ed25519, sizeof acme2__key_oid_ed25519)) {
        rc = ACME2_ERR_KEY_ED25519;
#ifndef ACME2_NO_RSA
    } else if (acme2__key_oid_is(&oid, acme2__key_oid_rsa, sizeof acme2__key_oid_rsa)) {
        /* parameters: NULL, or absent */
        if (alg.n && (acme2__key_tlv(&alg, ACME2__T_NULL, &v) || v.n)) rc = ACME2__KF;
#endif
    } else {
        rc = ACME2_ERR_KEY_UNSUPPORTED;
    }
    if (rc) return rc;
    if (alg.n) return ACME2__KF;
    if (is_ec && curve == 0) return ACME2_ERR_KEY_UNSUPPORTED;
    /* privateKey OCTET STRING: the SEC1 or PKCS#1 DER, filling it exactly. */
    if (acme2__key_tlv(r, ACME2__T_OCTETS, &v) || acme2__key_tlv(&v, ACME2__T_SEQUENCE, &inner) || v.n) return ACME2__KF;
    if (acme2__key_tlv(&inner, ACME2__T_INTEGER, &v) || acme2__key_small(&v) != (is_ec ? 1 : 0)) return ACME2__KF;
    if (acme2__key_tlv(&inner, is_ec ? ACME2__T_OCTETS : ACME2__T_INTEGER, &x)) return ACME2__KF;
    rc = is_ec ? acme2__key_sec1_body(k, &inner, &x, curve) : acme2__key_rsa_body(k, &inner, &x);
    if (rc) return rc;
    /* [0] attributes, [1] publicKey (v2): not needed. */
    while (r->n) {
        if (acme2__dr_next(r, &t, &v) || (t != 0xa0 && t != 0x81 && t != 0xa1)) return ACME2__KF;
    }
    return 0;
}

/* A whole key: the DER in d[0..len). */
static int acme2__key_parse(acme2_key *k, const unsigned char *d, size_t len, int fmt)
{
    acme2__dr all, r, v, x;
    unsigned char t;
    long version;
    all.p = d;
    all.n = len;
    /* one SEQUENCE, nothing after it */
    if (acme2__key_tlv(&all, ACME2__T_SEQUENCE, &r) || all.n) return ACME2__KF;
    if (acme2__dr_next(&r, &t, &v)) return ACME2__KF;
    if (t == ACME2__T_SEQUENCE) {
        /* EncryptedPrivateKeyInfo starts with the encryption algorithm. */
        if (!acme2__key_tlv(&v, ACME2__T_OID, &x) && x.n >= sizeof acme2__key_oid_pkcs5 && x.n <= 16
            && (ACME2_MEMCMP(x.p, acme2__key_oid_pkcs5, sizeof acme2__key_oid_pkcs5) == 0
                || (x.n >= sizeof acme2__key_oid_pkcs12pbe
                    && ACME2_MEMCMP(x.p, acme2__key_oid_pkcs12pbe, sizeof acme2__key_oid_pkcs12pbe) == 0)))
            return ACME2_ERR_KEY_ENCRYPTED;
        return ACME2__KF;
    }
    if (t != ACME2__T_INTEGER) return ACME2__KF;
    version = acme2__key_small(&v);
    if (version < 0 || acme2__dr_next(&r, &t, &v)) return ACME2__KF;
    if (t == ACME2__T_OCTETS && version == 1 && (fmt == ACME2__KEY_ANY || fmt == ACME2__KEY_SEC1))
        return acme2__key_sec1_body(k, &r, &v, -1);
    if (t == ACME2__T_INTEGER && (fmt == ACME2__KEY_ANY || fmt == ACME2__KEY_PKCS1)) {
        /* version 1 is multi-prime RSA */
        if (version == 0) return acme2__key_rsa_body(k, &r, &v);
        return version == 1 ? ACME2_ERR_KEY_UNSUPPORTED : ACME2__KF;
    }
    if (t == ACME2__T_SEQUENCE && version <= 1 && (fmt == ACME2__KEY_ANY || fmt == ACME2__KEY_PKCS8))
        return acme2__key_pkcs8_body(k, &r, v);
    return ACME2__KF;
}

/* Big-endian compare of equal-length numbers: <0, 0, >0. */
static int acme2__key_cmp(const unsigned char *a, const unsigned char *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    return 0;
}

/* Brings a parsed EC key into its final form: the scalar at its curve's
   length and in [1, order-1], the computed point, equal to the included
   one if there was one (compressed form compared by X and parity). */
static int acme2__key_ec_finish(acme2_key *k)
{
    const br_ec_impl *impl = br_ec_get_default();
    unsigned char q[2 * 48 + 1];
    const unsigned char *order, *given = k->buf + ACME2__EC_Q_OFF;
    size_t clen = acme2__key_ec_clen(k->curve), xlen = k->len[ACME2__EC_X], glen = k->len[ACME2__EC_Q], olen = 0, qlen;
    br_ec_private_key sk;
    unsigned char *x = k->buf;
    int rc = 0;
    while (xlen > clen && x[0] == 0) {
        memmove(x, x + 1, xlen - 1);
        x[--xlen] = 0;
    }
    if (xlen > clen) return ACME2_ERR_KEY_FORMAT;
    if (xlen < clen) {
        memmove(x + (clen - xlen), x, xlen);
        ACME2_MEMSET(x, 0, clen - xlen);
    }
    order = impl->order(k->curve, &olen);
    if (olen != clen || acme2__key_cmp(x, order, clen) >= 0) return ACME2_ERR_KEY_FORMAT;
    {
        unsigned char acc = 0;
        size_t i;
        for (i = 0; i < clen; i++) acc |= x[i];
        if (!acc) return ACME2_ERR_KEY_FORMAT;
    }
    k->off[ACME2__EC_X] = 0;
    k->len[ACME2__EC_X] = (unsigned short)clen;
    k->bits = (unsigned)clen * 8;
    acme2__key_ec_sk(k, &sk);
    qlen = br_ec_compute_pub(impl, NULL, q, &sk);
    if (qlen != 2 * clen + 1) rc = ACME2_ERR_CRYPTO;
    else if (glen && !((glen == qlen && ACME2_MEMCMP(given, q, qlen) == 0)
                       || (glen == clen + 1 && (given[0] == 2 || given[0] == 3)
                           && (given[0] & 1) == (q[qlen - 1] & 1) && ACME2_MEMCMP(given + 1, q + 1, clen) == 0)))
        rc = ACME2_ERR_KEY_FORMAT; /* the included public key is not this key's */
    if (!rc) {
        ACME2_MEMSET(k->buf + ACME2__EC_Q_OFF, 0, ACME2__KEY_EC_Q_MAX);
        ACME2_MEMCPY(k->buf + ACME2__EC_Q_OFF, q, qlen);
        k->off[ACME2__EC_Q] = ACME2__EC_Q_OFF;
        k->len[ACME2__EC_Q] = (unsigned short)qlen;
    }
    return rc;
}

#ifndef ACME2_NO_RSA
/* Checks that the RSA parts belong together: a value raised to d (by CRT
   from p, q, dp, dq, iq) and back to e modulo n must come back unchanged.
   Stack: ACME2_RSA_MAX_BITS/8 bytes. */
static int acme2__key_rsa_check(const acme2_key *k)
{
    unsigned char x[ACME2__RSA_BYTES];
    br_rsa_private_key sk;
    br_rsa_public_key pk;
    size_t nlen = k->len[ACME2__RSA_N], i;
    int ok;
    acme2__key_rsa_sk(k, &sk);
    acme2__key_rsa_pk(k, &pk);
    /* A fixed pattern below n (top byte 0). */
    for (i = 0; i < nlen; i++) x[i] = (unsigned char)(i * 7 + 1);
    x[0] = 0;
    ok = br_rsa_private_get_default()(x, &sk) && br_rsa_public_get_default()(x, nlen, &pk);
    for (i = 1; ok && i < nlen; i++) ok = x[i] == (unsigned char)(i * 7 + 1);
    ok = ok && x[0] == 0;
    acme2_wipe(x, sizeof x);
    return ok ? 0 : ACME2_ERR_KEY_FORMAT;
}
#endif

#ifndef ACME2_NO_KEY_PEM
/* Finds the first private-key block of a PEM text. On success sets the
   base64 body [*b0, *b1) and the format its label names. Returns 0,
   ACME2_ERR_KEY_ENCRYPTED, ACME2_ERR_PEM, or ACME2_ERR_KEY_FORMAT when
   there is no private-key block. */
static int acme2__key_pem_find(const char *t, size_t n, size_t *b0, size_t *b1, int *fmt)
{
    static const char begin[] = "-----BEGIN ", end[] = "-----END ";
    size_t i = 0;
    while (i < n) {
        size_t l0, l1, body, j;
        int f = -1;
        /* "-----BEGIN " at the start of a line */
        if (n - i < sizeof begin - 1 || ACME2_MEMCMP(t + i, begin, sizeof begin - 1) != 0 || (i > 0 && t[i - 1] != '\n')) {
            i++;
            continue;
        }
        l0 = i + sizeof begin - 1;
        for (l1 = l0; l1 < n && t[l1] != '-' && t[l1] != '\n'; l1++) {}
        if (n - l1 < 5 || ACME2_MEMCMP(t + l1, "-----", 5) != 0) return ACME2_ERR_PEM;
        body = l1 + 5;
        while (body < n && (t[body] == ' ' || t[body] == '\t' || t[body] == '\r')) body++;
        if (body < n && t[body] != '\n') return ACME2_ERR_PEM;
#define ACME2__KEY_LABEL(s) (l1 - l0 == sizeof(s) - 1 && ACME2_MEMCMP(t + l0, s, sizeof(s) - 1) == 0)
        if (ACME2__KEY_LABEL("PRIVATE KEY")) f = ACME2__KEY_PKCS8;
        else if (ACME2__KEY_LABEL("EC PRIVATE KEY")) f = ACME2__KEY_SEC1;
        else if (ACME2__KEY_LABEL("RSA PRIVATE KEY")) f = ACME2__KEY_PKCS1;
        else if (ACME2__KEY_LABEL("ENCRYPTED PRIVATE KEY")) return ACME2_ERR_KEY_ENCRYPTED;
#undef ACME2__KEY_LABEL
        /* The matching "-----END <label>-----" at the start of a line. */
        for (j = body; j < n; j++) {
            if (t[j - 1] == '\n' && n - j >= sizeof end - 1 + (l1 - l0) + 5
                && ACME2_MEMCMP(t + j, end, sizeof end - 1) == 0
                && ACME2_MEMCMP(t + j + sizeof end - 1, t + l0, l1 - l0) == 0
                && ACME2_MEMCMP(t + j + sizeof end - 1 + (l1 - l0), "-----", 5) == 0)
                break;
        }
        if (j >= n) return ACME2_ERR_PEM;
        if (f < 0) {
            i = j + 1; /* another kind of block: skip it */
            continue;
        }
        /* RFC 1421 headers in a key block mean encryption (or are junk). */
        for (i = body; i < j; i++) {
            if (t[i] == ':') {
                static const char enc[] = "ENCRYPTED";
                size_t k;
                for (k = body; k + sizeof enc - 1 <= j; k++)
                    if (ACME2_MEMCMP(t + k, enc, sizeof enc - 1) == 0) return ACME2_ERR_KEY_ENCRYPTED;
                return ACME2_ERR_PEM;
            }
        }
        *b0 = body;
        *b1 = j;
        *fmt = f;
        return 0;
    }
    return ACME2_ERR_KEY_FORMAT;
}

/* Checks a PEM body (base64, white space, up to two '=' at the end) and
   returns the number of bytes it decodes to, or ACME2_ERR_PEM. */
static long acme2__key_pem_body_len(const char *t, size_t b0, size_t b1)
{
    size_t i, c = 0, pad = 0;
    for (i = b0; i < b1; i++) {
        unsigned char ch = (unsigned char)t[i];
        if (acme2__pem_space(ch)) continue;
        if (ch == '=') { pad++; continue; }
        if (acme2__b64_value(ch, 0) < 0 || pad) return ACME2_ERR_PEM;
        c++;
    }
    if (c % 4 == 1 || pad > 2 || (pad && (c + pad) % 4 != 0)) return ACME2_ERR_PEM;
    if (c > (size_t)LONG_MAX / 6) return ACME2_ERR_PEM;
    return (long)(c * 6 / 8);
}
#endif

/* Largest DER a PEM key may decode to (it is decoded on the stack): an
   RSA key of ACME2_RSA_MAX_BITS in PKCS#8 v2 with its public key is about
   six moduli long; EC keys, even P-521 ones (refused later), stay below
   300 bytes. Larger bodies are ACME2_ERR_KEY_UNSUPPORTED. */
#ifndef ACME2_NO_KEY_PEM
#ifndef ACME2_NO_RSA
#define ACME2__KEY_DER_MAX (ACME2__RSA_BYTES * 6 + 128)
#else
#define ACME2__KEY_DER_MAX 512
#endif
#endif

/* Stack: the key is built in a temporary so that a failure leaves *key as
   it was; a PEM key is decoded into a buffer of ACME2__KEY_DER_MAX bytes. */
ACME2_DEF int acme2_key_load(acme2_key *key, const void *data, size_t len)
{
    const unsigned char *d = (const unsigned char *)data;
    acme2_key tmp;
    int fmt = ACME2__KEY_ANY, rc;
#ifndef ACME2_NO_KEY_PEM
    unsigned char der[ACME2__KEY_DER_MAX];
    size_t i;
    int pem = 0;
#endif
    if (!key || (!d && len)) return ACME2_ERR_PARAM;
#ifndef ACME2_NO_KEY_PEM
    for (i = 0; i + 11 <= len && !pem; i++) pem = ACME2_MEMCMP(d + i, "-----BEGIN ", 11) == 0;
    if (pem) {
        size_t b0 = 0, b1 = 0;
        long dl;
        rc = acme2__key_pem_find((const char *)d, len, &b0, &b1, &fmt);
        if (rc) return rc;
        dl = acme2__key_pem_body_len((const char *)d, b0, b1);
        if (dl < 0) return (int)dl;
        if ((size_t)dl > sizeof der) return ACME2_ERR_KEY_UNSUPPORTED;
        len = acme2__b64_decode_text((const char *)d + b0, b1 - b0, der);
        d = der;
    }
#endif
    ACME2_MEMSET(&tmp, 0, sizeof tmp);
    rc = acme2__key_parse(&tmp, d, len, fmt);
    if (!rc && tmp.kind == ACME2_KEY_EC) rc = acme2__key_ec_finish(&tmp);
#ifndef ACME2_NO_RSA
    if (!rc && tmp.kind == ACME2_KEY_RSA) rc = acme2__key_rsa_check(&tmp);
#endif
    if (!rc && !acme2__key_ok(&tmp)) rc = ACME2_ERR_KEY_FORMAT;
    if (!rc) ACME2_MEMCPY(key, &tmp, sizeof tmp);
    acme2_wipe(&tmp, sizeof tmp);
#ifndef ACME2_NO_KEY_PEM
    if (pem) acme2_wipe(der, sizeof der);
#endif
    return rc;
}

/* ---- saving ---- */

#ifndef ACME2_NO_KEY_SAVE
#ifndef ACME2_NO_RSA
/* t (len bytes, big-endian) -= v (vlen <= len bytes). */
static void acme2__key_bn_sub(unsigned char *t, size_t len, const unsigned char *v, size_t vlen)
{
    unsigned borrow = 0;
    size_t i;
    for (i = 0; i < len; i++) {
        unsigned a = t[len - 1 - i], b = (i < vlen ? v[vlen - 1 - i] : 0) + borrow;
        borrow = a < b;
        t[len - 1 - i] = (unsigned char)(a - b);
    }
}

/* d = e^-1 mod (p-1)(q-1) for any primes p and q, written big-endian
   without leading zeros into d (cap >= nlen + 4); returns its length or 0.
   It uses that e is small: with phi = n - p - q + 1 and k = -phi^-1 mod e,
   phi*k + 1 is a multiple of e and d = (phi*k + 1) / e. It divides secret
   bytes by e with the CPU's divider, whose timing may vary with the
   operands: it runs only when a key is saved, never while talking to a
   server. d doubles as the work area. */
static size_t acme2__key_rsa_d_any(const acme2_key *k, unsigned char *d, size_t cap)
{
    const unsigned char *n = k->buf + k->off[ACME2__RSA_N];
    size_t nlen = k->len[ACME2__RSA_N], len = nlen + 4, i, z;
    uint64_t e = acme2__key_rsa_e32(k), r = 0, carry;
    int64_t r0, r1, s0 = 0, s1 = 1, q, tmp;
    if (cap < len || e < 3) return 0;
    ACME2_MEMSET(d, 0, 4);
    ACME2_MEMCPY(d + 4, n, nlen);
    acme2__key_bn_sub(d, len, k->buf + k->off[ACME2__RSA_P], k->len[ACME2__RSA_P]);
    acme2__key_bn_sub(d, len, k->buf + k->off[ACME2__RSA_Q], k->len[ACME2__RSA_Q]);
    /* + 1 */
    for (i = len; i-- > 0;)
        if (++d[i] != 0) break;
    for (i = 0; i < len; i++) r = ((r << 8) | d[i]) % e;
    /* Extended Euclid: s1 * r = gcd (mod e). */
    r0 = (int64_t)e;
    r1 = (int64_t)r;
    while (r1) {
        q = r0 / r1;
        tmp = r0 - q * r1; r0 = r1; r1 = tmp;
        tmp = s0 - q * s1; s0 = s1; s1 = tmp;
    }
    if (r0 != 1) return 0; /* e shares a factor with phi: not a valid key */
    /* s0 = phi^-1 mod e (up to sign); k = -s0 mod e */
    s0 %= (int64_t)e;
    if (s0 < 0) s0 += (int64_t)e;
    r = (e - (uint64_t)s0) % e;
    carry = 1;
    for (i = len; i-- > 0;) {
        carry += (uint64_t)d[i] * r;
        d[i] = (unsigned char)carry;
        carry >>= 8;
    }
    if (carry) return 0;
    r = 0;
    for (i = 0; i < len; i++) {
        r = (r << 8) | d[i];
        d[i] = (unsigned char)(r / e);
        r %= e;
    }
    if (r) return 0;
    for (z = 0; z < len && d[z] == 0; z++) {}
    if (z == len) return 0;
    memmove(d, d + z, len - z);
    ACME2_MEMSET(d + (len - z), 0, z);
    return len - z;
}

/* The private exponent d into d (ACME2__RSA_BYTES + 8 bytes); its length
   or 0. BearSSL's routine is documented only for p = q = 3 mod 4 (true of
   the keys it generates), so other keys take acme2__key_rsa_d_any. */
static size_t acme2__key_rsa_d(const acme2_key *k, unsigned char *d, size_t cap)
{
    br_rsa_private_key sk;
    size_t n;
    acme2__key_rsa_sk(k, &sk);
    if ((sk.p[sk.plen - 1] & 3) == 3 && (sk.q[sk.qlen - 1] & 3) == 3
        && br_rsa_compute_privexp_get_default()(NULL, &sk, acme2__key_rsa_e32(k)) <= cap) {
        n = br_rsa_compute_privexp_get_default()(d, &sk, acme2__key_rsa_e32(k));
        if (n) return n;
    }
    return acme2__key_rsa_d_any(k, d, cap);
}
#endif

ACME2_DEF int acme2_key_save_der(const acme2_key *key, void *out, size_t out_size)
{
    size_t n;
    if (!acme2__key_ok(key)) return ACME2_ERR_PARAM;
    if (key->kind == ACME2_KEY_EC) {
        br_ec_private_key sk;
        br_ec_public_key pk;
        acme2__key_ec_sk(key, &sk);
        acme2__key_ec_pk(key, &pk);
        n = br_encode_ec_pkcs8_der(NULL, &sk, &pk);
        if (!n) return ACME2_ERR_CRYPTO;
        if (!out) return (int)n;
        if (out_size < n) return ACME2_ERR_NOSPACE;
        return br_encode_ec_pkcs8_der(out, &sk, &pk) == n ? (int)n : ACME2_ERR_CRYPTO;
    }
#ifndef ACME2_NO_RSA
    {
        /* Stack: d, ACME2_RSA_MAX_BITS/8 + 8 bytes. */
        unsigned char d[ACME2__RSA_BYTES + 8];
        br_rsa_private_key sk;
        br_rsa_public_key pk;
        size_t dlen = acme2__key_rsa_d(key, d, sizeof d);
        int rc;
        acme2__key_rsa_sk(key, &sk);
        acme2__key_rsa_pk(key, &pk);
        n = dlen ? br_encode_rsa_pkcs8_der(NULL, &sk, &pk, d, dlen) : 0;
        if (!n) rc = ACME2_ERR_CRYPTO;
        else if (!out) rc = (int)n;
        else if (out_size < n) rc = ACME2_ERR_NOSPACE;
        else rc = br_encode_rsa_pkcs8_der(out, &sk, &pk, d, dlen) == n ? (int)n : ACME2_ERR_CRYPTO;
        acme2_wipe(d, sizeof d);
        return rc;
    }
#else
    return ACME2_ERR_PARAM;
#endif
}

#ifndef ACME2_NO_KEY_PEM
ACME2_DEF int acme2_key_save_pem(const acme2_key *key, char *out, size_t out_size)
{
    static const char head[] = "-----BEGIN PRIVATE KEY-----\n", tail[] = "-----END PRIVATE KEY-----\n";
    size_t dlen, elen, total, i, o;
    const unsigned char *in;
    int rc = acme2_key_save_der(key, NULL, 0);
    if (rc < 0) return rc;
    dlen = (size_t)rc;
    elen = (dlen + 2) / 3 * 4;
    total = sizeof head - 1 + elen + (elen + 63) / 64 + sizeof tail - 1;
    if (!out) return (int)total;
    if (out_size < total + 1) return ACME2_ERR_NOSPACE;
    /* The DER goes at the end of the text's place and is encoded forwards:
       the text written never overtakes the DER not yet read (base64 grows
       by a third, the header and the line breaks only add to the lead), and
       every DER byte is overwritten by the end. */
    in = (const unsigned char *)out + (total - dlen);
    rc = acme2_key_save_der(key, out + (total - dlen), dlen);
    if (rc != (int)dlen) {
        acme2_wipe(out, out_size);
        return rc < 0 ? rc : ACME2_ERR_CRYPTO;
    }
    ACME2_MEMCPY(out, head, sizeof head - 1);
    o = sizeof head - 1;
    /* 48 bytes make one 64-column line. */
    for (i = 0; i < dlen; i += 48) {
        o += acme2__b64_raw(out + o, in + i, dlen - i < 48 ? dlen - i : 48, 1);
        out[o++] = '\n';
    }
    ACME2_MEMCPY(out + o, tail, sizeof tail - 1);
    o += sizeof tail - 1;
    out[o] = 0;
    return (int)o;
}
#endif
#endif

ACME2_DEF void acme2_key_wipe(acme2_key *key)
{
    if (key) acme2_wipe(key, sizeof *key);
}

/* == jws == (implementation) */

ACME2_DEF const char *acme2_jws_alg(const acme2_key *key)
{
    if (!acme2__key_ok(key)) return NULL;
    if (key->kind == ACME2_KEY_EC) return key->curve == BR_EC_secp384r1 ? "ES384" : "ES256";
    return "RS256";
}

/* ---- JWK ---- */

/* Where JWK text goes: appended to sb, or (sb == NULL) into a SHA-256 for
   the thumbprint, so the thumbprint needs no buffer for the text. Both go
   through the same emitter, which is what makes the thumbprint hash exactly
   the text acme2_jwk writes. */
typedef struct acme2__jwk_sink {
    acme2_sb *sb;
    br_sha256_context *sha;
} acme2__jwk_sink;

static void acme2__jwk_text(acme2__jwk_sink *o, const char *s)
{
    if (o->sb) acme2_sb_puts(o->sb, s);
    else br_sha256_update(o->sha, s, strlen(s));
}

static void acme2__jwk_b64(acme2__jwk_sink *o, const unsigned char *d, size_t n)
{
    char chunk[64];
    if (o->sb) {
        acme2_sb_b64url(o->sb, d, n);
        return;
    }
    /* 48 bytes make 64 characters with no partial group between chunks. */
    while (n) {
        size_t k = n < 48 ? n : 48;
        acme2__b64_raw(chunk, d, k, 0);
        br_sha256_update(o->sha, chunk, acme2__b64url_len(k));
        d += k;
        n -= k;
    }
}

/* RFC 7638 section 3.2: required members only, lexicographic order, no
   white space. */
static void acme2__jwk_ec(acme2__jwk_sink *o, const char *crv, const unsigned char *x, const unsigned char *y,
                          size_t clen)
{
    acme2__jwk_text(o, "{\"crv\":\"");
    acme2__jwk_text(o, crv);
    acme2__jwk_text(o, "\",\"kty\":\"EC\",\"x\":\"");
    acme2__jwk_b64(o, x, clen);
    acme2__jwk_text(o, "\",\"y\":\"");
    acme2__jwk_b64(o, y, clen);
    acme2__jwk_text(o, "\"}");
}

#ifndef ACME2_NO_RSA
/* n and e without leading zero bytes (RFC 7518 section 6.3.1). */
static void acme2__jwk_rsa(acme2__jwk_sink *o, const unsigned char *n, size_t nlen, const unsigned char *e,
                           size_t elen)
{
    acme2__jwk_text(o, "{\"e\":\"");
    acme2__jwk_b64(o, e, elen);
    acme2__jwk_text(o, "\",\"kty\":\"RSA\",\"n\":\"");
    acme2__jwk_b64(o, n, nlen);
    acme2__jwk_text(o, "\"}");
}
#endif

/* key must satisfy acme2__key_ok. */
static void acme2__jwk_emit(acme2__jwk_sink *o, const acme2_key *key)
{
    if (key->kind == ACME2_KEY_EC) {
        const unsigned char *q = key->buf + key->off[ACME2__EC_Q];
        size_t clen = acme2__key_ec_clen(key->curve);
        acme2__jwk_ec(o, key->curve == BR_EC_secp384r1 ? "P-384" : "P-256", q + 1, q + 1 + clen, clen);
    }
#ifndef ACME2_NO_RSA
    else {
        acme2__jwk_rsa(o, key->buf + key->off[ACME2__RSA_N], key->len[ACME2__RSA_N],
                       key->buf + key->off[ACME2__RSA_E], key->len[ACME2__RSA_E]);
    }
#endif
}

/* The JWK as a JSON value of the writer on sb (after a key or in an array). */
static void acme2__jwk_value(acme2_sb *sb, const acme2_key *key)
{
    acme2__jwk_sink o;
    o.sb = sb;
    o.sha = NULL;
    acme2__jw_sep(sb);
    acme2__jwk_emit(&o, key);
    sb->sep = 1;
}

ACME2_DEF int acme2_jwk(const acme2_key *key, char *out, size_t out_size)
{
    acme2_sb sb;
    acme2__jwk_sink o;
    if (!acme2__key_ok(key)) return ACME2_ERR_PARAM;
    /* Count first so that out stays untouched when it is too small. */
    acme2_sb_init(&sb, NULL, 0);
    o.sb = &sb;
    o.sha = NULL;
    acme2__jwk_emit(&o, key);
    if (!out) return (int)sb.len;
    if (out_size < sb.len + 1) return ACME2_ERR_NOSPACE;
    acme2_sb_init(&sb, out, out_size);
    acme2__jwk_emit(&o, key);
    return acme2_sb_finish(&sb);
}

/* base64url of the SHA-256 in sha: 43 characters and a NUL. */
static int acme2__thumbprint_finish(br_sha256_context *sha, char *out, size_t out_size)
{
    unsigned char h[32];
    br_sha256_out(sha, h);
    return acme2_b64url_encode(out, out_size, h, sizeof h);
}

ACME2_DEF int acme2_jwk_thumbprint(const acme2_key *key, char *out, size_t out_size)
{
    br_sha256_context sha;
    acme2__jwk_sink o;
    if (!acme2__key_ok(key) || !out) return ACME2_ERR_PARAM;
    if (out_size < 44) return ACME2_ERR_NOSPACE;
    br_sha256_init(&sha);
    o.sb = NULL;
    o.sha = &sha;
    acme2__jwk_emit(&o, key);
    return acme2__thumbprint_finish(&sha, out, out_size);
}

/* ---- signatures ---- */

/* The JWS hash of a key: SHA-384 for P-384 (ES384), else SHA-256. */
static const br_hash_class *acme2__key_hash(const acme2_key *key)
{
    return key->kind == ACME2_KEY_EC && key->curve == BR_EC_secp384r1 ? &br_sha384_vtable : &br_sha256_vtable;
}

/* JWS signature length: r||s for ECDSA, the modulus size for RSA. */
static size_t acme2__key_sig_len(const acme2_key *key)
{
    if (key->kind == ACME2_KEY_EC) return 2 * acme2__key_ec_clen(key->curve);
    return (key->bits + 7) / 8;
}

/* Signs a hash made with acme2__key_hash; sig holds acme2__key_sig_len
   bytes. Returns 0 or ACME2_ERR_CRYPTO. */
static int acme2__key_sign_hash(const acme2_key *key, const unsigned char *hash, unsigned char *sig)
{
    if (key->kind == ACME2_KEY_EC) {
        br_ec_private_key sk;
        size_t n;
        acme2__key_ec_sk(key, &sk);
        /* RFC 6979 nonces: deterministic, no RNG needed. */
        n = br_ecdsa_sign_raw_get_default()(br_ec_get_default(), acme2__key_hash(key), hash, &sk, sig);
        return n == acme2__key_sig_len(key) ? 0 : ACME2_ERR_CRYPTO;
    }
#ifndef ACME2_NO_RSA
    {
        br_rsa_private_key sk;
        acme2__key_rsa_sk(key, &sk);
        return br_rsa_pkcs1_sign_get_default()(BR_HASH_OID_SHA256, hash, 32, &sk, sig) ? 0 : ACME2_ERR_CRYPTO;
    }
#else
    return ACME2_ERR_CRYPTO;
#endif
}

ACME2_DEF int acme2_sign(const acme2_key *key, const void *data, size_t len, unsigned char *sig, size_t sig_size)
{
    br_hash_compat_context hc;
    const br_hash_class *h;
    unsigned char hash[64];
    size_t n;
    int rc;
    if (!acme2__key_ok(key) || (!data && len)) return ACME2_ERR_PARAM;
    n = acme2__key_sig_len(key);
    if (!sig) return (int)n;
    if (sig_size < n) return ACME2_ERR_NOSPACE;
    h = acme2__key_hash(key);
    h->init(&hc.vtable);
    h->update(&hc.vtable, data, len);
    h->out(&hc.vtable, hash);
    rc = acme2__key_sign_hash(key, hash, sig);
    return rc ? rc : (int)n;
}

/* ---- HMAC (External Account Binding) ---- */

#ifndef ACME2_NO_EAB
/* Hash of HS256/HS384/HS512, or NULL. */
static const br_hash_class *acme2__jws_mac_hash(unsigned bits)
{
    if (bits == 256) return &br_sha256_vtable;
    if (bits == 384) return &br_sha384_vtable;
    if (bits == 512) return &br_sha512_vtable;
    return NULL;
}

ACME2_DEF int acme2_hmac(unsigned bits, const void *key, size_t key_len, const void *data, size_t len,
                         unsigned char *out, size_t out_size)
{
    const br_hash_class *h = acme2__jws_mac_hash(bits);
    br_hmac_key_context kc;
    br_hmac_context hc;
    size_t n = bits / 8;
    if (!h || (!key && key_len) || (!data && len)) return ACME2_ERR_PARAM;
    if (!out) return (int)n;
    if (out_size < n) return ACME2_ERR_NOSPACE;
    br_hmac_key_init(&kc, h, key, key_len);
    br_hmac_init(&hc, &kc, 0);
    br_hmac_update(&hc, data, len);
    br_hmac_out(&hc, out);
    /* Both contexts hold key-derived state. */
    acme2_wipe(&kc, sizeof kc);
    acme2_wipe(&hc, sizeof hc);
    return (int)n;
}
#endif

/* ---- flattened JWS ---- */

/* Everything one JWS is made of. Protected header: alg, then kid or jwk,
   then nonce, then url (members left NULL are omitted). Payload: the raw
   text, or the JWK of payload_jwk (EAB), or {"account","oldKey"}
   (keyChange). Signed by key, or MACed when mac_hash is set. */
typedef struct acme2__jws_parts {
    const char *alg;
    const char *kid;
    const acme2_key *jwk;
    const char *nonce;
    const char *url;
    const char *payload;
    size_t payload_len;
    const acme2_key *key;
#ifndef ACME2_NO_EAB
    const acme2_key *payload_jwk;
    const br_hash_class *mac_hash;
    const void *mac_key;
    size_t mac_key_len;
#endif
#ifndef ACME2_NO_KEY_CHANGE
    const char *account;
    const acme2_key *old_key;
#endif
} acme2__jws_parts;

/* A payload built from parts (EAB's JWK, keyChange's object) rather than
   given as text. */
#if !defined(ACME2_NO_EAB) || !defined(ACME2_NO_KEY_CHANGE)
#define ACME2__JWS_BUILT_PAYLOAD 1
#endif

static void acme2__jws_header(acme2_sb *h, const acme2__jws_parts *j)
{
    acme2_jw_obj_begin(h);
    acme2_jw_key(h, "alg");
    acme2_jw_str(h, j->alg);
    if (j->kid) {
        acme2_jw_key(h, "kid");
        acme2_jw_str(h, j->kid);
    } else if (j->jwk) {
        acme2_jw_key(h, "jwk");
        acme2__jwk_value(h, j->jwk);
    }
    if (j->nonce) {
        acme2_jw_key(h, "nonce");
        acme2_jw_str(h, j->nonce);
    }
    acme2_jw_key(h, "url");
    acme2_jw_str(h, j->url);
    acme2_jw_obj_end(h);
}

#ifdef ACME2__JWS_BUILT_PAYLOAD
static int acme2__jws_built(const acme2__jws_parts *j)
{
#ifndef ACME2_NO_EAB
    if (j->payload_jwk) return 1;
#endif
#ifndef ACME2_NO_KEY_CHANGE
    if (j->account) return 1;
#endif
    return 0;
}

static void acme2__jws_payload(acme2_sb *h, const acme2__jws_parts *j)
{
#ifndef ACME2_NO_EAB
    if (j->payload_jwk) {
        acme2__jwk_value(h, j->payload_jwk);
        return;
    }
#endif
#ifndef ACME2_NO_KEY_CHANGE
    acme2_jw_obj_begin(h);
    acme2_jw_key(h, "account");
    acme2_jw_str(h, j->account);
    acme2_jw_key(h, "oldKey");
    acme2__jwk_value(h, j->old_key);
    acme2_jw_obj_end(h);
#endif
}
#endif

/* Encodes the n bytes that sit at dst + (base64url length - n) into
   base64url starting at dst (acme2__b64_raw is safe in place). */
static void acme2__jws_b64_inplace(char *dst, size_t n)
{
    acme2__b64_raw(dst, (const unsigned char *)dst + (acme2__b64url_len(n) - n), n, 0);
}

/* Appends base64url(JSON written by build) to sb without a second buffer:
   the JSON is written into sb's free space, then moved to the end of the
   room its encoding needs and encoded in place. When it does not fit, sb
   keeps counting the encoded length (so NOSPACE reports the size needed). */
static void acme2__jws_json_b64(acme2_sb *sb, void (*build)(acme2_sb *, const acme2__jws_parts *),
                                const acme2__jws_parts *j)
{
    acme2_sb h;
    size_t base = sb->len, e;
    char *p;
    if (!sb->err && base < sb->cap) acme2_sb_init(&h, sb->buf + base, sb->cap - base);
    else acme2_sb_init(&h, NULL, 0);
    build(&h, j);
    if (h.err && h.err != ACME2_ERR_NOSPACE) {
        if (!sb->err) sb->err = h.err;
        return;
    }
    e = acme2__b64url_len(h.len);
    p = acme2__sb_reserve(sb, e);
    if (!p) return;
    if (h.err) { /* cannot happen: the encoding is longer than the JSON */
        sb->err = h.err;
        return;
    }
    memmove(p + (e - h.len), p, h.len);
    acme2__jws_b64_inplace(p, h.len);
}

/* Hashes or MACs the signing input, protected "." payload, which is the
   text at [p0, p0 + n0) and [p1, p1 + n1) of sb, and writes the signature
   or MAC (siglen bytes) to sig. Returns 0 or an error. */
static int acme2__jws_sign_input(const acme2_sb *sb, size_t p0, size_t n0, size_t p1, size_t n1,
                                 const acme2__jws_parts *j, unsigned char *sig)
{
    int rc = 0;
#ifndef ACME2_NO_EAB
    if (j->mac_hash) {
        br_hmac_key_context kc;
        br_hmac_context hc;
        br_hmac_key_init(&kc, j->mac_hash, j->mac_key, j->mac_key_len);
        br_hmac_init(&hc, &kc, 0);
        br_hmac_update(&hc, sb->buf + p0, n0);
        br_hmac_update(&hc, ".", 1);
        br_hmac_update(&hc, sb->buf + p1, n1);
        br_hmac_out(&hc, sig);
        acme2_wipe(&kc, sizeof kc);
        acme2_wipe(&hc, sizeof hc);
    } else
#endif
    {
        br_hash_compat_context hc;
        unsigned char hash[64];
        const br_hash_class *h = acme2__key_hash(j->key);
        h->init(&hc.vtable);
        h->update(&hc.vtable, sb->buf + p0, n0);
        h->update(&hc.vtable, ".", 1);
        h->update(&hc.vtable, sb->buf + p1, n1);
        h->out(&hc.vtable, hash);
        rc = acme2__key_sign_hash(j->key, hash, sig);
    }
    return rc;
}

/* Appends {"protected":..,"payload":..,"signature":..}. Memory: nothing
   beyond sb's buffer holds the header, the payload or the signature; the
   signing input is hashed where it was written. */
static int acme2__jws_build(acme2_sb *sb, const acme2__jws_parts *j)
{
    size_t p0, n0, p1, n1, siglen;
    char *p;
#ifndef ACME2_NO_EAB
    if (j->mac_hash) siglen = (size_t)((j->mac_hash->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK);
    else
#endif
    siglen = acme2__key_sig_len(j->key);
    acme2_jw_obj_begin(sb);
    acme2_jw_key(sb, "protected");
    acme2_sb_putc(sb, '"');
    p0 = sb->len;
    acme2__jws_json_b64(sb, acme2__jws_header, j);
    n0 = sb->len - p0;
    acme2_sb_puts(sb, "\",\"payload\":\"");
    p1 = sb->len;
#ifdef ACME2__JWS_BUILT_PAYLOAD
    if (acme2__jws_built(j)) acme2__jws_json_b64(sb, acme2__jws_payload, j);
    else
#endif
    if (j->payload) acme2_sb_b64url(sb, j->payload, j->payload_len);
    n1 = sb->len - p1;
    acme2_sb_puts(sb, "\",\"signature\":\"");
    /* Only non-NULL when nothing failed so far: then all the text is there. */
    p = acme2__sb_reserve(sb, acme2__b64url_len(siglen));
    if (p) {
        size_t e = acme2__b64url_len(siglen);
        int rc = acme2__jws_sign_input(sb, p0, n0, p1, n1, j, (unsigned char *)p + (e - siglen));
        if (rc) sb->err = rc;
        else acme2__jws_b64_inplace(p, siglen);
    }
    acme2_sb_putc(sb, '"');
    acme2_jw_obj_end(sb);
    return sb->err;
}

static void acme2__jws_clear(acme2__jws_parts *j)
{
    ACME2_MEMSET(j, 0, sizeof *j);
}

/* Marks sb failed with err (if it has no error yet) and returns its error. */
static int acme2__jws_fail(acme2_sb *sb, int err)
{
    if (!sb->err) sb->err = err;
    return sb->err;
}

ACME2_DEF int acme2_jws(acme2_sb *sb, const acme2_key *key, const char *kid, const char *nonce,
                        const char *url, const char *payload, size_t payload_len)
{
    acme2__jws_parts j;
    if (!sb) return ACME2_ERR_PARAM;
    if (!acme2__key_ok(key) || !url) return acme2__jws_fail(sb, ACME2_ERR_PARAM);
    acme2__jws_clear(&j);
    j.alg = acme2_jws_alg(key);
    j.kid = kid;
    j.jwk = kid ? NULL : key;
    j.nonce = nonce;
    j.url = url;
    j.payload = payload;
    j.payload_len = payload ? payload_len : 0;
    j.key = key;
    return acme2__jws_build(sb, &j);
}

#ifndef ACME2_NO_EAB
ACME2_DEF int acme2_jws_eab(acme2_sb *sb, unsigned bits, const void *mac_key, size_t mac_key_len,
                            const char *eab_kid, const char *url, const acme2_key *account_key)
{
    acme2__jws_parts j;
    if (!sb) return ACME2_ERR_PARAM;
    acme2__jws_clear(&j);
    j.mac_hash = acme2__jws_mac_hash(bits);
    if (!j.mac_hash || (!mac_key && mac_key_len) || !eab_kid || !url || !acme2__key_ok(account_key))
        return acme2__jws_fail(sb, ACME2_ERR_PARAM);
    j.alg = bits == 256 ? "HS256" : bits == 384 ? "HS384" : "HS512";
    j.kid = eab_kid;
    j.url = url;
    j.payload_jwk = account_key;
    j.mac_key = mac_key;
    j.mac_key_len = mac_key_len;
    return acme2__jws_build(sb, &j);
}
#endif

#ifndef ACME2_NO_KEY_CHANGE
ACME2_DEF int acme2_jws_key_change(acme2_sb *sb, const acme2_key *new_key, const acme2_key *old_key,
                                   const char *account_url, const char *url)
{
    acme2__jws_parts j;
    if (!sb) return ACME2_ERR_PARAM;
    if (!acme2__key_ok(new_key) || !acme2__key_ok(old_key) || !account_url || !url)
        return acme2__jws_fail(sb, ACME2_ERR_PARAM);
    acme2__jws_clear(&j);
    /* RFC 8555 section 7.3.5: no nonce, no kid; the new key signs. */
    j.alg = acme2_jws_alg(new_key);
    j.jwk = new_key;
    j.url = url;
    j.account = account_url;
    j.old_key = old_key;
    j.key = new_key;
    return acme2__jws_build(sb, &j);
}
#endif

/* == der == (implementation) */

/* Object identifiers as complete DER TLVs. */
static const unsigned char acme2__der_oid_cn[] = { 0x06, 0x03, 0x55, 0x04, 0x03 };             /* 2.5.4.3 */
static const unsigned char acme2__der_oid_san[] = { 0x06, 0x03, 0x55, 0x1d, 0x11 };            /* 2.5.29.17 */
static const unsigned char acme2__der_oid_aki[] = { 0x06, 0x03, 0x55, 0x1d, 0x23 };            /* 2.5.29.35 */
static const unsigned char acme2__der_oid_ext_req[] =                                           /* 1.2.840.113549.1.9.14 */
    { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e };
#ifndef ACME2_NO_TLS_ALPN
static const unsigned char acme2__der_oid_acme_id[] =                                           /* 1.3.6.1.5.5.7.1.31 */
    { 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x1f };
#endif
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

#ifndef ACME2_NO_TLS_ALPN
/* Unix times of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years a
   GeneralizedTime can hold. */
#define ACME2__TIME_MIN (-62167219200LL)
#define ACME2__TIME_MAX 253402300799LL

/* Writes t (within ACME2__TIME_MIN..MAX) as UTCTime for the years
   1950..2049 and as GeneralizedTime otherwise (RFC 5280 section 4.1.2.5). */
static void acme2__dw_time(acme2__dw *w, int64_t t)
{
    static const unsigned short p10[4] = { 1000, 100, 10, 1 };
    char s[15];
    int64_t days = t / 86400, y;
    long secs = (long)(t - days * 86400);
    unsigned m, d, f[5], i, k = 0, yy;
    int utc;
    if (secs < 0) {
        secs += 86400;
        days -= 1;
    }
    acme2__civil_from_days(days, &y, &m, &d);
    yy = (unsigned)y; /* 0..9999 in the range above */
    utc = y >= 1950 && y <= 2049;
    f[0] = m;
    f[1] = d;
    f[2] = (unsigned)(secs / 3600);
    f[3] = (unsigned)(secs / 60 % 60);
    f[4] = (unsigned)(secs % 60);
    for (i = utc ? 2 : 0; i < 4; i++) s[k++] = (char)('0' + yy / p10[i] % 10);
    for (i = 0; i < 5; i++) {
        s[k++] = (char)('0' + f[i] / 10);
        s[k++] = (char)('0' + f[i] % 10);
    }
    s[k++] = 'Z';
    acme2__dw_tlv(w, utc ? ACME2__T_UTCTIME : ACME2__T_GENTIME, s, k);
}
#endif

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

#ifndef ACME2_NO_IP
static int acme2__der_hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Longest valid address text: six 4-digit groups and a dotted quad (45). */
#define ACME2__IP_TEXT_LIMIT 64

#endif

ACME2_DEF int acme2_ip_parse(const char *text, unsigned char out[16])
{
#ifdef ACME2_NO_IP
    (void)text;
    (void)out;
    return ACME2_ERR_IDENTIFIER;
#else
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
#endif
}

#ifndef ACME2_NO_IP
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
#endif

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
    r.issuer = tbs.p;
    if (acme2__dr_expect(&tbs, ACME2__T_SEQUENCE, &v)) return ACME2_ERR_DER; /* issuer */
    r.issuer_len = (size_t)(tbs.p - r.issuer);
    if (acme2__dr_expect(&tbs, ACME2__T_SEQUENCE, &v)) return ACME2_ERR_DER; /* validity */
    if (acme2__dr_next(&v, &tag, &x) || acme2__der_time_read(tag, &x, &r.not_before)) return ACME2_ERR_DER;
    if (acme2__dr_next(&v, &tag, &x) || acme2__der_time_read(tag, &x, &r.not_after) || v.n) return ACME2_ERR_DER;
    r.subject = tbs.p;
    if (acme2__dr_expect(&tbs, ACME2__T_SEQUENCE, &v)) return ACME2_ERR_DER; /* subject */
    r.subject_len = (size_t)(tbs.p - r.subject);
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
        }
#ifndef ACME2_NO_IP
        else if (tag == ACME2__T_GN_IP) {
            char text[ACME2_IP_TEXT_MAX];
            int n = acme2_ip_format(item.p, item.n, text, sizeof text);
            if (n < 0) return ACME2_ERR_DER;
            if (out_size < (size_t)n + 1) return ACME2_ERR_NOSPACE;
            ACME2_MEMCPY(out, text, (size_t)n + 1);
            *type = ACME2_ID_IP;
        }
#endif
        else {
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
    size_t i, body, k, nchars = 0, npad = 0, need, after;
    int last = 0;
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
        if (acme2__pem_space(c)) continue;
        if (c == '=') {
            if (++npad > 2) return ACME2_ERR_PEM;
            continue;
        }
        last = acme2__b64_value(c, 0);
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
    *der_len = acme2__b64_decode_text(pem + body, k - body, der);
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
    if (!acme2__key_ok(key)) {
        if (!w->err) w->err = ACME2_ERR_PARAM;
        return;
    }
    acme2__key_spki(w, key);
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
    int must_staple;
} acme2__csr_ctx;

/* Extension id-pe-tlsfeature (RFC 7633 section 6: 1.3.6.1.5.5.7.1.24),
   non-critical, extnValue Features ::= SEQUENCE OF INTEGER { 5 }: the TLS
   status_request extension (RFC 6066), which CAs call "OCSP Must-Staple". */
static const unsigned char acme2__der_ext_must_staple[] = {
    0x30, 0x11, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x18,
    0x04, 0x05, 0x30, 0x03, 0x02, 0x01, 0x05
};

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
    /* Written back to front: the TLS Feature lands after the SAN. */
    if (ctx->must_staple) acme2__dw_raw(w, acme2__der_ext_must_staple, sizeof acme2__der_ext_must_staple);
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
    ctx.must_staple = (flags & ACME2_CSR_MUST_STAPLE) != 0;
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

#ifndef ACME2_NO_TLS_ALPN
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
#endif

/* == chall == (implementation) */

/* Length of a valid token, or 0. Only the alphabet is judged (RFC 8555
   section 8.1: base64url characters): a server's token need not be a
   canonical encoding of whole bytes. */
static size_t acme2__chall_token_len(const char *token)
{
    size_t n, i;
    if (!token) return 0;
    n = acme2__der_strnlen(token, ACME2_MAX_TOKEN);
    if (n > ACME2_MAX_TOKEN) return 0;
    for (i = 0; i < n; i++)
        if (acme2__b64url_value((unsigned char)token[i]) < 0) return 0;
    return n;
}

/* Writes the parts as one NUL-terminated text, or nothing. */
static int acme2__chall_join(char *out, size_t out_size, const char *const *parts, const size_t *lens, int n)
{
    size_t need = 0, o = 0;
    int i;
    if (!out) return ACME2_ERR_PARAM;
    for (i = 0; i < n; i++) need += lens[i];
    if (need > (size_t)INT_MAX - 1) return ACME2_ERR_NOSPACE;
    if (out_size < need + 1) return ACME2_ERR_NOSPACE;
    for (i = 0; i < n; i++) {
        if (lens[i]) ACME2_MEMCPY(out + o, parts[i], lens[i]);
        o += lens[i];
    }
    out[o] = 0;
    return (int)o;
}

ACME2_DEF int acme2_key_authorization(const acme2_key *account_key, const char *token, char *out, size_t out_size)
{
    char thumb[48];
    const char *parts[3];
    size_t lens[3];
    int n;
    lens[0] = acme2__chall_token_len(token);
    if (!lens[0]) return ACME2_ERR_TOKEN;
    n = acme2_jwk_thumbprint(account_key, thumb, sizeof thumb);
    if (n < 0) return n;
    parts[0] = token;
    parts[1] = ".";
    lens[1] = 1;
    parts[2] = thumb;
    lens[2] = (size_t)n;
    return acme2__chall_join(out, out_size, parts, lens, 3);
}

/* A key authorization: token, ".", 43-character thumbprint, NUL. */
#define ACME2__KEYAUTH_MAX (ACME2_MAX_TOKEN + 48)

ACME2_DEF int acme2_dns01_txt(const acme2_key *account_key, const char *token, char *out, size_t out_size)
{
    char ka[ACME2__KEYAUTH_MAX];
    unsigned char digest[32];
    br_sha256_context h;
    int n;
    if (!out) return ACME2_ERR_PARAM;
    n = acme2_key_authorization(account_key, token, ka, sizeof ka);
    if (n < 0) return n;
    br_sha256_init(&h);
    br_sha256_update(&h, ka, (size_t)n);
    br_sha256_out(&h, digest);
    return acme2_b64url_encode(out, out_size, digest, sizeof digest);
}

/* The DNS identifier without a leading "*." (the name validated). */
static int acme2__chall_base_name(const char *identifier, const char **name, size_t *len)
{
    size_t n;
    if (acme2__der_dns_check(identifier, &n)) return ACME2_ERR_IDENTIFIER;
    if (identifier[0] == '*') {
        identifier += 2;
        n -= 2;
    }
    *name = identifier;
    *len = n;
    return 0;
}

/* prefix + the identifier's base name (a leading "*." removed), at most
   253 characters: the record names of dns-01 and dns-persist-01. */
static int acme2__chall_prefixed_name(const char *prefix, const char *identifier, char *out, size_t out_size)
{
    const char *parts[2];
    size_t lens[2];
    if (acme2__chall_base_name(identifier, &parts[1], &lens[1])) return ACME2_ERR_IDENTIFIER;
    parts[0] = prefix;
    lens[0] = strlen(prefix);
    if (lens[0] + lens[1] > 253) return ACME2_ERR_IDENTIFIER;
    return acme2__chall_join(out, out_size, parts, lens, 2);
}

ACME2_DEF int acme2_dns01_name(const char *identifier, char *out, size_t out_size)
{
    return acme2__chall_prefixed_name("_acme-challenge.", identifier, out, out_size);
}

ACME2_DEF int acme2_http01_path(const char *token, char *out, size_t out_size)
{
    static const char prefix[] = "/.well-known/acme-challenge/";
    const char *parts[2];
    size_t lens[2];
    lens[1] = acme2__chall_token_len(token);
    if (!lens[1]) return ACME2_ERR_TOKEN;
    parts[0] = prefix;
    lens[0] = sizeof prefix - 1;
    parts[1] = token;
    return acme2__chall_join(out, out_size, parts, lens, 2);
}

#ifndef ACME2_NO_TLS_ALPN
ACME2_DEF int acme2_tls_alpn01_cert(unsigned char *out, size_t out_size, const acme2_key *cert_key,
                                    const acme2_key *account_key, const acme2_identifier *id,
                                    const char *token, int64_t now)
{
    char ka[ACME2__KEYAUTH_MAX];
    int n = acme2_key_authorization(account_key, token, ka, sizeof ka);
    if (n < 0) return n;
    return acme2_tls_alpn01_cert_der(out, out_size, cert_key, id, ka, now);
}
#endif

#ifndef ACME2_NO_DNS_ACCOUNT
ACME2_DEF int acme2_dns_account01_name(const char *account_url, const char *identifier, char *out, size_t out_size)
{
    /* draft-ietf-acme-dns-account-label-03 (May 2026, still the latest in
       December 2026; -01 and -02 build the name the same way):
       "_" || base32(SHA-256(<ACCOUNT_URL>)[0:10]) || "._acme-challenge",
       prepended to the name; base32 per RFC 4648 section 6, which for 10
       bytes is exactly 16 characters without padding; lower case as DNS
       labels are conventionally written. */
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    static const char suffix[] = "._acme-challenge.";
    unsigned char digest[32];
    char label[17];
    const char *parts[3];
    size_t lens[3];
    br_sha256_context h;
    unsigned acc = 0;
    int i, j, bits;
    if (!account_url || !account_url[0]) return ACME2_ERR_PARAM;
    if (acme2__chall_base_name(identifier, &parts[2], &lens[2])) return ACME2_ERR_IDENTIFIER;
    br_sha256_init(&h);
    br_sha256_update(&h, account_url, strlen(account_url));
    br_sha256_out(&h, digest);
    label[0] = '_';
    /* 80 bits, 5 at a time, most significant first: the low `bits` bits of
       acc are the ones not yet written (at most 4 + 8). */
    for (i = 0, j = 1, bits = 0; i < 10; i++) {
        acc = (acc << 8) | digest[i];
        for (bits += 8; bits >= 5; bits -= 5) label[j++] = alphabet[(acc >> (bits - 5)) & 31];
    }
    parts[0] = label;
    lens[0] = 17;
    parts[1] = suffix;
    lens[1] = sizeof suffix - 1;
    if (lens[0] + lens[1] + lens[2] > 253) return ACME2_ERR_IDENTIFIER;
    return acme2__chall_join(out, out_size, parts, lens, 3);
}
#endif

#ifndef ACME2_NO_DNS_PERSIST
ACME2_DEF int acme2_dns_persist01_name(const char *identifier, char *out, size_t out_size)
{
    return acme2__chall_prefixed_name("_validation-persist.", identifier, out, out_size);
}

/* A parameter value of an RFC 8659 issue-value: printable ASCII without
   ';' or space (section 4.2: %x21-3A / %x3C-7E), at most ACME2_MAX_URL. */
static size_t acme2__chall_issue_value_len(const char *v)
{
    size_t n, i;
    if (!v) return 0;
    n = acme2__der_strnlen(v, ACME2_MAX_URL + 1);
    if (n > ACME2_MAX_URL) return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f || v[i] == ';') return 0;
    return n;
}

/* A normalized issuer domain name (draft-ietf-acme-dns-persist-02 section
   3.1): an LDH name in lower case, no wildcard, no trailing dot. */
static int acme2__chall_issuer_domain_ok(const char *d, size_t *len)
{
    size_t i;
    if (!d || d[0] == '*' || acme2__der_dns_check(d, len)) return 0;
    for (i = 0; i < *len; i++)
        if (d[i] >= 'A' && d[i] <= 'Z') return 0;
    return 1;
}

ACME2_DEF int acme2_dns_persist01_txt(const acme2_dns_persist01_record *r, char *out, size_t out_size)
{
    static const char acct[] = "; accounturi=", alg[] = "sha-256/", wild[] = "; policy=wildcard",
                      until[] = "; persistUntil=";
    const char *parts[8];
    size_t lens[8], il, pl, ul, dl, i;
    unsigned char digest[32], dlen;
    char b64[44], num[24], dom[ACME2_DNS_TEXT_MAX];
    br_sha256_context h;
    int n = 0;
    if (!r || !out) return ACME2_ERR_PARAM;
    if (!acme2__chall_issuer_domain_ok(r->issuer_domain, &il)) return ACME2_ERR_IDENTIFIER;
    pl = acme2__chall_issue_value_len(r->account_hash_prefix);
    ul = acme2__chall_issue_value_len(r->account_url);
    if (!pl || !ul || r->persist_until < 0 || acme2__chall_token_len(r->thumbprint) != 43) return ACME2_ERR_PARAM;
    if (r->domain) {
        const char *base;
        if (acme2__chall_base_name(r->domain, &base, &dl)) return ACME2_ERR_IDENTIFIER;
        for (i = 0; i < dl; i++) dom[i] = (char)acme2__der_lower((unsigned char)base[i]);
    } else {
        dom[0] = '*';
        dl = 1;
    }
    dlen = (unsigned char)dl; /* at most 253: one octet */
    br_sha256_init(&h);
    br_sha256_update(&h, &dlen, 1);
    br_sha256_update(&h, dom, dl);
    br_sha256_update(&h, r->thumbprint, 43);
    br_sha256_update(&h, r->account_url, ul);
    br_sha256_out(&h, digest);
    if (acme2_b64url_encode(b64, sizeof b64, digest, sizeof digest) != 43) return ACME2_ERR_PARAM;
    parts[n] = r->issuer_domain; lens[n++] = il;
    parts[n] = acct; lens[n++] = sizeof acct - 1;
    parts[n] = r->account_hash_prefix; lens[n++] = pl;
    parts[n] = alg; lens[n++] = sizeof alg - 1;
    parts[n] = b64; lens[n++] = 43;
    if (r->wildcard) { parts[n] = wild; lens[n++] = sizeof wild - 1; }
    if (r->persist_until) {
        char rev[24];
        long long v = r->persist_until;
        size_t k = 0, j;
        while (v) { rev[k++] = (char)('0' + v % 10); v /= 10; }
        for (j = 0; j < k; j++) num[j] = rev[k - 1 - j];
        parts[n] = until; lens[n++] = sizeof until - 1;
        parts[n] = num; lens[n++] = k;
    }
    return acme2__chall_join(out, out_size, parts, lens, n);
}
#endif

#ifndef ACME2_NO_ARI
ACME2_DEF int acme2_ari_cert_id(const acme2_cert_info *ci, char *out, size_t out_size)
{
    int a, s;
    if (!ci || !out || !ci->serial || !ci->serial_len) return ACME2_ERR_PARAM;
    if (!ci->aki || !ci->aki_len) return ACME2_ERR_NOT_FOUND;
    a = acme2_b64url_encode(NULL, 0, ci->aki, ci->aki_len);
    s = acme2_b64url_encode(NULL, 0, ci->serial, ci->serial_len);
    if (a < 0 || s < 0) return ACME2_ERR_PARAM;
    if (out_size < (size_t)a + 1 + (size_t)s + 1) return ACME2_ERR_NOSPACE;
    acme2_b64url_encode(out, (size_t)a + 1, ci->aki, ci->aki_len);
    out[a] = '.';
    acme2_b64url_encode(out + a + 1, (size_t)s + 1, ci->serial, ci->serial_len);
    return a + 1 + s;
}
#endif

/* == http == (implementation) */

static int acme2__lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Case-insensitive comparison of n bytes with a lower-case literal. */
static int acme2__ieq(const char *s, size_t n, const char *lit)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!lit[i] || acme2__lower((unsigned char)s[i]) != lit[i]) return 0;
    return lit[n] == 0;
}

static int acme2__is_ows(char c) { return c == ' ' || c == '\t'; }

static void acme2__trim(const char **s, size_t *n)
{
    while (*n && (acme2__is_ows(**s) || **s == '\r' || **s == '\n')) { (*s)++; (*n)--; }
    while (*n && (acme2__is_ows((*s)[*n - 1]) || (*s)[*n - 1] == '\r' || (*s)[*n - 1] == '\n')) (*n)--;
}

static int acme2__fail(acme2_http_response *r, int err)
{
    if (!r->err) r->err = err;
    return r->err;
}

/* URLs go into request lines of the caller's transport: only printable
   ASCII without spaces, so no header injection is possible. */
static int acme2__url_chars_ok(const char *s, size_t n)
{
    size_t i;
    if (n == 0) return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) return 0;
    return 1;
}

static int acme2__copy_value(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap) return 0;
    ACME2_MEMCPY(dst, s, n);
    dst[n] = 0;
    return 1;
}

ACME2_DEF int acme2_response_status(acme2_http_response *r, int status)
{
    if (status < 100 || status > 599) return acme2__fail(r, ACME2_ERR_PROTOCOL);
    r->status = status;
    r->err = 0;
    r->nonce[0] = 0;
    r->location[0] = 0;
    r->content_type[0] = 0;
    r->retry_after = -1;
#ifndef ACME2_NO_CHAIN_LINKS
    r->n_alternates = 0;
    r->links_len = 0;
    r->link_up[0] = 0;
#endif
#ifndef ACME2_NO_ORDERS_LIST
    r->link_next[0] = 0;
#endif
    r->body_len = 0;
    r->body_total = 0;
    return 0;
}

#if !defined(ACME2_NO_CHAIN_LINKS) || !defined(ACME2_NO_ORDERS_LIST)
/* Keeps a single-valued link target: the first one; the same again is
   harmless, a different one is ambiguous. */
static int acme2__link_single(acme2_http_response *r, char *dst, const char *v, size_t n)
{
    if (dst[0]) return (strlen(dst) == n && ACME2_MEMCMP(dst, v, n) == 0) ? 0 : acme2__fail(r, ACME2_ERR_PROTOCOL);
    ACME2_MEMCPY(dst, v, n);
    dst[n] = 0;
    return 0;
}

/* Link: <url>; rel="alternate", <url2>; rel=up  (RFC 8288). Keeps the
   targets of rel="alternate", "next" and "up" (rel may list several
   types). */
static int acme2__link_header(acme2_http_response *r, const char *v, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t us, ue, k;
        int alternate = 0, next = 0, up = 0;
        while (i < n && (acme2__is_ows(v[i]) || v[i] == ',')) i++;
        if (i == n) break;
        if (v[i] != '<') return acme2__fail(r, ACME2_ERR_PROTOCOL);
        us = ++i;
        while (i < n && v[i] != '>') i++;
        if (i == n) return acme2__fail(r, ACME2_ERR_PROTOCOL);
        ue = i++;
        /* parameters up to the next comma outside quotes */
        while (i < n && v[i] != ',') {
            size_t ps, pe, vs, ve;
            while (i < n && (acme2__is_ows(v[i]) || v[i] == ';')) i++;
            ps = i;
            while (i < n && v[i] != '=' && v[i] != ';' && v[i] != ',' && !acme2__is_ows(v[i])) i++;
            pe = i;
            while (i < n && acme2__is_ows(v[i])) i++;
            vs = ve = i;
            if (i < n && v[i] == '=') {
                i++;
                while (i < n && acme2__is_ows(v[i])) i++;
                if (i < n && v[i] == '"') {
                    vs = ++i;
                    while (i < n && v[i] != '"') i++;
                    if (i == n) return acme2__fail(r, ACME2_ERR_PROTOCOL);
                    ve = i++;
                } else {
                    vs = i;
                    while (i < n && v[i] != ';' && v[i] != ',' && !acme2__is_ows(v[i])) i++;
                    ve = i;
                }
            } else if (pe == ps && i < n && v[i] != ',' && v[i] != ';') {
                return acme2__fail(r, ACME2_ERR_PROTOCOL);
            }
            if (acme2__ieq(v + ps, pe - ps, "rel")) {
                for (k = vs; k < ve;) { /* space-separated relation types */
                    size_t ts = k;
                    while (k < ve && v[k] != ' ') k++;
                    if (acme2__ieq(v + ts, k - ts, "alternate")) alternate = 1;
                    else if (acme2__ieq(v + ts, k - ts, "next")) next = 1;
                    else if (acme2__ieq(v + ts, k - ts, "up")) up = 1;
                    while (k < ve && v[k] == ' ') k++;
                }
            }
        }
#ifdef ACME2_NO_CHAIN_LINKS
        alternate = up = 0; /* not kept */
#endif
#ifdef ACME2_NO_ORDERS_LIST
        next = 0;
#endif
        if (alternate || next || up) {
            size_t ul = ue - us;
            if (!acme2__url_chars_ok(v + us, ul) || ul > ACME2_MAX_URL) return acme2__fail(r, ACME2_ERR_PROTOCOL);
#ifndef ACME2_NO_ORDERS_LIST
            if (next && acme2__link_single(r, r->link_next, v + us, ul)) return r->err;
#endif
#ifndef ACME2_NO_CHAIN_LINKS
            if (up && acme2__link_single(r, r->link_up, v + us, ul)) return r->err;
#endif
        }
#ifndef ACME2_NO_CHAIN_LINKS
        if (alternate) {
            size_t ul = ue - us;
            /* Alternates beyond the room are dropped: they are optional extras. */
            if (r->links_len + ul + 1 <= sizeof r->links && r->n_alternates < ACME2_MAX_ALT_CHAINS) {
                ACME2_MEMCPY(r->links + r->links_len, v + us, ul);
                r->links[r->links_len + ul] = 0;
                r->links_len += ul + 1;
                r->n_alternates++;
            }
        }
#endif
    }
    return 0;
}
#endif

ACME2_DEF int acme2_response_header(acme2_http_response *r, const char *name, size_t name_len,
                                    const char *value, size_t value_len)
{
    size_t i;
    if (r->err) return r->err;
    if (!name || (!value && value_len)) return acme2__fail(r, ACME2_ERR_PARAM);
    acme2__trim(&value, &value_len);
    if (acme2__ieq(name, name_len, "replay-nonce")) {
        if (r->nonce[0] || value_len == 0 || value_len > ACME2_MAX_NONCE) return acme2__fail(r, ACME2_ERR_PROTOCOL);
        for (i = 0; i < value_len; i++)
            if (acme2__b64url_value((unsigned char)value[i]) < 0) return acme2__fail(r, ACME2_ERR_PROTOCOL);
        acme2__copy_value(r->nonce, sizeof r->nonce, value, value_len);
    } else if (acme2__ieq(name, name_len, "location")) {
        if (r->location[0] || !acme2__url_chars_ok(value, value_len) ||
            !acme2__copy_value(r->location, sizeof r->location, value, value_len))
            return acme2__fail(r, ACME2_ERR_PROTOCOL);
    } else if (acme2__ieq(name, name_len, "content-type")) {
        size_t n = 0;
        while (n < value_len && value[n] != ';') n++;
        while (n && acme2__is_ows(value[n - 1])) n--;
        if (n > ACME2_MAX_CONTENT_TYPE) return acme2__fail(r, ACME2_ERR_CONTENT_TYPE);
        for (i = 0; i < n; i++) r->content_type[i] = (char)acme2__lower((unsigned char)value[i]);
        r->content_type[n] = 0;
    } else if (acme2__ieq(name, name_len, "retry-after")) {
        long long now = r->clock ? r->clock(r->clock_user) : 0;
        long long s = acme2_retry_after_parse(value, value_len, now);
        /* A malformed Retry-After is ignored (RFC 9110 lets recipients do so);
           it only ever makes us wait less. */
        if (s >= 0) r->retry_after = s;
#if !defined(ACME2_NO_CHAIN_LINKS) || !defined(ACME2_NO_ORDERS_LIST)
    } else if (acme2__ieq(name, name_len, "link")) {
        return acme2__link_header(r, value, value_len);
#endif
    }
    return 0;
}

ACME2_DEF int acme2_response_header_line(acme2_http_response *r, const char *line, size_t len)
{
    size_t colon = 0;
    const char *name;
    size_t name_len;
    while (len && (line[len - 1] == '\r' || line[len - 1] == '\n')) len--;
    if (len == 0) return r->err;
    if (len >= 5 && ACME2_MEMCMP(line, "HTTP/", 5) == 0) {
        size_t i = 5;
        int code = 0, digits = 0;
        while (i < len && line[i] != ' ') i++;
        while (i < len && line[i] == ' ') i++;
        while (i < len && line[i] >= '0' && line[i] <= '9' && digits < 4) { code = code * 10 + (line[i] - '0'); i++; digits++; }
        if (digits != 3) return acme2__fail(r, ACME2_ERR_PROTOCOL);
        return acme2_response_status(r, code);
    }
    while (colon < len && line[colon] != ':') colon++;
    if (colon == len || colon == 0) return acme2__fail(r, ACME2_ERR_PROTOCOL);
    name = line;
    name_len = colon;
    while (name_len && acme2__is_ows(name[name_len - 1])) name_len--;
    return acme2_response_header(r, name, name_len, line + colon + 1, len - colon - 1);
}

ACME2_DEF int acme2_response_body(acme2_http_response *r, const void *data, size_t len)
{
    size_t keep;
    if (r->err) return r->err;
    if (len && !data) return acme2__fail(r, ACME2_ERR_PARAM);
    if (r->sink) {
        /* The sink takes everything; the buffer keeps what fits (the leaf
           certificate comes first in a chain). */
        if (r->sink(r->sink_user, data, len) < 0) return acme2__fail(r, ACME2_ERR_CALLBACK);
        keep = r->body_cap - r->body_len;
        if (keep > len) keep = len;
    } else {
        if (len > r->body_cap - r->body_len) return acme2__fail(r, ACME2_ERR_TOO_LARGE);
        keep = len;
    }
    if (keep) ACME2_MEMCPY(r->body + r->body_len, data, keep);
    r->body_len += keep;
    r->body_total += len;
    return 0;
}

ACME2_DEF int acme2_response_fail(acme2_http_response *r, int err)
{
    if (!r) return ACME2_ERR_PARAM;
    return acme2__fail(r, err < 0 ? err : ACME2_ERR_TRANSPORT);
}

/* RFC 3339 times are read for order and authorization timestamps and ARI. */
#if !defined(ACME2_NO_ORDER_TIMES) || !defined(ACME2_NO_ARI)
#define ACME2__RFC3339
#endif

#if defined(ACME2__RFC3339) || !defined(ACME2_NO_HTTP_DATE)
/* Reads exactly n decimal digits. */
static int acme2__digits(const char *s, size_t n, unsigned *out)
{
    size_t i;
    unsigned v = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 1;
}

static int acme2__civil_ok(long long y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s)
{
    return mo >= 1 && mo <= 12 && d >= 1 && d <= acme2__days_in_month(y, mo) && h <= 23 && mi <= 59 && s <= 60;
}
#endif

ACME2_DEF long long acme2_retry_after_parse(const char *v, size_t n, long long now)
{
#ifndef ACME2_NO_HTTP_DATE
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static const char wdays[] = "MonTueWedThuFriSatSun";
    static const unsigned char at[5] = { 5, 12, 17, 20, 23 }; /* day, year, hour, minute, second */
    unsigned f[5], mo;
    long long t;
#endif
    size_t i;
    if (!v) return ACME2_ERR_PARAM;
    acme2__trim(&v, &n);
    if (n == 0) return ACME2_ERR_PROTOCOL;
    if (v[0] >= '0' && v[0] <= '9') {
        long long secs = 0;
        for (i = 0; i < n; i++) {
            if (v[i] < '0' || v[i] > '9') return ACME2_ERR_PROTOCOL;
            if (secs > 100000000LL) return ACME2_ERR_PROTOCOL; /* over three years: nonsense */
            secs = secs * 10 + (v[i] - '0');
        }
        return secs;
    }
#ifdef ACME2_NO_HTTP_DATE
    (void)now;
    return ACME2_ERR_PROTOCOL;
#else
    /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 bytes). */
    if (n != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' || v[16] != ' ' ||
        v[19] != ':' || v[22] != ':' || v[25] != ' ' || ACME2_MEMCMP(v + 26, "GMT", 3) != 0)
        return ACME2_ERR_PROTOCOL;
    for (i = 0; i < 21; i += 3)
        if (ACME2_MEMCMP(v, wdays + i, 3) == 0) break;
    if (i == 21) return ACME2_ERR_PROTOCOL;
    for (mo = 0; mo < 12; mo++)
        if (ACME2_MEMCMP(v + 8, months + 3 * mo, 3) == 0) break;
    if (mo == 12) return ACME2_ERR_PROTOCOL;
    mo++;
    for (i = 0; i < 5; i++)
        if (!acme2__digits(v + at[i], i == 1 ? 4 : 2, &f[i])) return ACME2_ERR_PROTOCOL;
    if (!acme2__civil_ok(f[1], mo, f[0], f[2], f[3], f[4])) return ACME2_ERR_PROTOCOL;
    t = acme2__days_from_civil(f[1], mo, f[0]) * 86400 + f[2] * 3600 + f[3] * 60 + f[4];
    return t > now ? t - now : 0;
#endif
}

#ifdef ACME2__RFC3339
/* RFC 3339 timestamp as ACME servers write them: "2026-01-02T03:04:05Z",
   optional fraction, "Z" or a numeric offset. */
static int acme2__rfc3339(const char *v, size_t n, long long *out)
{
    static const unsigned char at[6] = { 0, 5, 8, 11, 14, 17 }; /* year, month, day, hour, minute, second */
    unsigned f[6], y, mo, d, h, mi, s, oh = 0, om = 0;
    size_t i = 19, k;
    long long t;
    if (n < 20 || v[4] != '-' || v[7] != '-' || (v[10] != 'T' && v[10] != 't') || v[13] != ':' || v[16] != ':')
        return ACME2_ERR_PROTOCOL;
    for (k = 0; k < 6; k++)
        if (!acme2__digits(v + at[k], k ? 2 : 4, &f[k])) return ACME2_ERR_PROTOCOL;
    y = f[0]; mo = f[1]; d = f[2]; h = f[3]; mi = f[4]; s = f[5];
    if (!acme2__civil_ok(y, mo, d, h, mi, s)) return ACME2_ERR_PROTOCOL;
    if (v[i] == '.') {
        size_t f = ++i;
        while (i < n && v[i] >= '0' && v[i] <= '9') i++;
        if (i == f) return ACME2_ERR_PROTOCOL;
    }
    t = acme2__days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    if (i < n && (v[i] == 'Z' || v[i] == 'z')) {
        i++;
    } else if (i + 6 == n && (v[i] == '+' || v[i] == '-') && v[i + 3] == ':' &&
               acme2__digits(v + i + 1, 2, &oh) && acme2__digits(v + i + 4, 2, &om) && oh <= 23 && om <= 59) {
        long long off = oh * 3600 + om * 60;
        t = v[i] == '+' ? t - off : t + off;
        i += 6;
    } else {
        return ACME2_ERR_PROTOCOL;
    }
    if (i != n) return ACME2_ERR_PROTOCOL;
    *out = t;
    return 0;
}
#endif

/* == protocol == (implementation) */

#ifndef ACME2_NO_HOSTED
#include <time.h>
#include <poll.h> /* poll() as a millisecond sleep: declared even under strict -std=c99 */
#endif

#define ACME2__CT_JOSE "application/jose+json"
#define ACME2__PENDING_DIR 1
#define ACME2__PENDING_NONCE 2

ACME2_DEF const char *acme2_status_name(int status)
{
    static const char *const names[] = { "unknown", "pending", "ready", "processing", "valid",
                                         "invalid", "deactivated", "expired", "revoked" };
    if (status < 0 || status > ACME2_STATUS_REVOKED) return names[0];
    return names[status];
}

static int acme2__status_parse(const char *js, const acme2_json_tok *t)
{
    int s;
    if (t->type != ACME2_JSON_STRING) return ACME2_ERR_PROTOCOL;
    for (s = ACME2_STATUS_PENDING; s <= ACME2_STATUS_REVOKED; s++)
        if (acme2_json_eq(js, t, acme2_status_name(s))) return s;
    return ACME2_ERR_PROTOCOL;
}

/* The required "status" member of object obj, or ACME2_ERR_PROTOCOL. */
static int acme2__status_member(const char *js, const acme2_json_tok *t, int n, int obj)
{
    int k = acme2_json_get(js, t, n, obj, "status");
    return k < 0 ? ACME2_ERR_PROTOCOL : acme2__status_parse(js, &t[k]);
}

ACME2_DEF const char *acme2_challenge_name(int type)
{
    switch (type) {
    case ACME2_CHALLENGE_HTTP_01: return "http-01";
    case ACME2_CHALLENGE_DNS_01: return "dns-01";
    case ACME2_CHALLENGE_TLS_ALPN_01: return "tls-alpn-01";
    case ACME2_CHALLENGE_DNS_ACCOUNT_01: return "dns-account-01";
    case ACME2_CHALLENGE_DNS_PERSIST_01: return "dns-persist-01";
    default: return NULL;
    }
}

#ifdef ACME2_NO_LOG
/* No messages: the texts are not compiled in. */
#define acme2__log(c, level, a, b) ((void)(c))
#else
static void acme2__log(acme2_client *c, int level, const char *a, const char *b)
{
    char msg[ACME2_MAX_URL + 96];
    acme2_sb sb;
    if (!c->opt.log) return;
    acme2_sb_init(&sb, msg, sizeof msg);
    acme2_sb_puts(&sb, a);
    if (b) acme2_sb_puts(&sb, b);
    acme2_sb_finish(&sb);
    c->opt.log(c->opt.log_user, level, msg);
}
#endif

#ifndef ACME2_NO_HOSTED
static long long acme2__default_clock(void *user)
{
    (void)user;
    return (long long)time(NULL);
}

static void acme2__default_sleep(void *user, unsigned ms)
{
    (void)user;
    /* poll() with no descriptors is a millisecond sleep; a signal may cut
       it short, which only makes the next poll come early. */
    poll(NULL, 0, ms > INT_MAX ? INT_MAX : (int)ms);
}
#endif

static long long acme2__now(const acme2_client *c)
{
    if (c->opt.clock) return c->opt.clock(c->opt.time_user);
#ifndef ACME2_NO_HOSTED
    return acme2__default_clock(NULL);
#else
    return 0;
#endif
}

static long long acme2__resp_clock(void *user) { return acme2__now((const acme2_client *)user); }

static void acme2__sleep_ms(acme2_client *c, long long ms)
{
    if (ms <= 0) return;
    if (ms > 86400000LL) ms = 86400000LL;
    if (c->opt.sleep) { c->opt.sleep(c->opt.time_user, (unsigned)ms); return; }
#ifndef ACME2_NO_HOSTED
    acme2__default_sleep(NULL, (unsigned)ms);
#endif
}

/* Copies a string into a packed string area; NULL when it does not fit. */
static const char *acme2__pack(char *area, size_t cap, size_t *used, const char *s, size_t n)
{
    char *p;
    if (n + 1 > cap - *used) return NULL;
    p = area + *used;
    ACME2_MEMCPY(p, s, n);
    p[n] = 0;
    *used += n + 1;
    return p;
}

/* Unescapes a JSON string token into a packed area. */
static const char *acme2__pack_json(char *area, size_t cap, size_t *used, const char *js, const acme2_json_tok *t)
{
    int n;
    if (t->type != ACME2_JSON_STRING) return NULL;
    n = acme2_json_str(js, t, area + *used, cap - *used);
    if (n < 0) return NULL;
    *used += (size_t)n + 1;
    return area + *used - n - 1;
}

/* Why acme2__pack_json failed on t: ACME2_ERR_PROTOCOL for a token that
   is not a string or cannot be a C string (\u0000), else ACME2_ERR_NOSPACE. */
static int acme2__pack_error(const char *js, const acme2_json_tok *t)
{
    return (t->type == ACME2_JSON_STRING && acme2_json_str(js, t, NULL, 0) >= 0) ? ACME2_ERR_NOSPACE : ACME2_ERR_PROTOCOL;
}

/* String member key of object obj, unescaped into a packed area. Absent:
   "" there when optional, ACME2_ERR_PROTOCOL when required, as for a value
   that is no string; a string that does not fit fails as in
   acme2__pack_error. */
static int acme2__str_member(const char *js, const acme2_json_tok *t, int n, int obj, const char *key, int required,
                             char *area, size_t cap, size_t *used, const char **out)
{
    int k = acme2_json_get(js, t, n, obj, key);
    if (k == ACME2_ERR_NOT_FOUND && !required) {
        *out = acme2__pack(area, cap, used, "", 0);
        return *out ? 0 : ACME2_ERR_NOSPACE;
    }
    if (k < 0 || t[k].type != ACME2_JSON_STRING) return ACME2_ERR_PROTOCOL;
    *out = acme2__pack_json(area, cap, used, js, &t[k]);
    return *out ? 0 : acme2__pack_error(js, &t[k]);
}

/* Like acme2__pack_json, but a string too long is cut (at the first escape
   or a UTF-8 boundary) and marked with "...": for human-readable text,
   which must not make a response fail. */
static const char *acme2__pack_text(char *area, size_t cap, size_t *used, const char *js, const acme2_json_tok *t)
{
    const char *p = acme2__pack_json(area, cap, used, js, t);
    size_t room = cap - *used, n = 0, raw;
    char *dst = area + *used;
    if (p || t->type != ACME2_JSON_STRING || room < 4) return p;
    raw = (size_t)t->start;
    while (raw < (size_t)t->end && js[raw] != '\\') {
        size_t l = (unsigned char)js[raw] < 0x80 ? 1 : acme2__utf8_len((const unsigned char *)js + raw, (size_t)t->end - raw);
        if (!l || n + l + 4 > room) break; /* keep room for "...\0" */
        ACME2_MEMCPY(dst + n, js + raw, l);
        n += l;
        raw += l;
    }
    ACME2_MEMCPY(dst + n, "...", 4);
    *used += n + 4;
    return dst;
}

/* Server URLs must be https (unless the caller opted out for tests) and
   fit ACME2_MAX_URL. */
static int acme2__url_ok(const acme2_client *c, const char *url)
{
    size_t n;
    if (!url) return ACME2_ERR_PARAM;
    n = strlen(url);
    if (n > ACME2_MAX_URL || !acme2__url_chars_ok(url, n)) return ACME2_ERR_PROTOCOL;
    if (n > 8 && acme2__ieq(url, 8, "https://")) return 0;
    if (c->opt.allow_http && n > 7 && acme2__ieq(url, 7, "http://")) return 0;
    return ACME2_ERR_INSECURE_URL;
}

ACME2_DEF int acme2_client_init(acme2_client *c, const char *directory_url, const acme2_key *key,
                                char *work, size_t work_size, acme2_transport_fn transport,
                                void *transport_user, const acme2_options *opt)
{
    int rc;
    if (!c || !directory_url || !key || !work || work_size < 1024) return ACME2_ERR_PARAM;
#ifdef ACME2_NO_HOSTED
    /* No default clock or sleep here: polling would never time out. */
    if (!opt || !opt->clock || (transport && !opt->sleep)) return ACME2_ERR_NO_CLOCK;
#endif
    ACME2_MEMSET(c, 0, sizeof *c);
    if (opt) c->opt = *opt;
    if (!c->opt.bad_nonce_retries) c->opt.bad_nonce_retries = 16;
    if (!c->opt.busy_retries) c->opt.busy_retries = 3;
    if (!c->opt.max_wait) c->opt.max_wait = 60;
    if (!c->opt.poll_interval_ms) c->opt.poll_interval_ms = 250;
    if (!c->opt.poll_max_interval) c->opt.poll_max_interval = 10;
    if (!c->opt.poll_timeout) c->opt.poll_timeout = 300;
    rc = acme2__url_ok(c, directory_url);
    if (rc) return rc;
    acme2__copy_value(c->dir_url, sizeof c->dir_url, directory_url, strlen(directory_url));
    c->key = key;
    c->work = work;
    c->work_size = work_size;
    c->transport = transport;
    c->transport_user = transport_user;
    c->resp.clock = acme2__resp_clock;
    c->resp.clock_user = c;
    c->resp.retry_after = -1;
    c->problem.retry_after = -1;
    return 0;
}

ACME2_DEF void acme2_client_reset(acme2_client *c)
{
    if (!c) return;
    if (c->work) acme2_wipe(c->work, c->work_size);
    acme2_wipe(c, sizeof *c);
}

ACME2_DEF int acme2_client_set_account(acme2_client *c, const char *url)
{
    int rc;
    if (!url || !url[0]) { c->kid[0] = 0; return 0; }
    rc = acme2__url_ok(c, url);
    if (rc) return rc;
    acme2__copy_value(c->kid, sizeof c->kid, url, strlen(url));
    return 0;
}

ACME2_DEF const char *acme2_client_account(const acme2_client *c) { return c->kid; }
ACME2_DEF void acme2_client_set_key(acme2_client *c, const acme2_key *key) { c->key = key; }
ACME2_DEF acme2_http_response *acme2_client_response(acme2_client *c) { return &c->resp; }
ACME2_DEF const acme2_problem *acme2_client_problem(const acme2_client *c) { return &c->problem; }
ACME2_DEF long long acme2_wait_seconds(const acme2_client *c) { return c->wait; }
ACME2_DEF const acme2_directory *acme2_client_directory(const acme2_client *c) { return c->have_dir ? &c->dir : NULL; }

ACME2_DEF void acme2_client_set_sink(acme2_client *c, acme2_sink_fn fn, void *user)
{
    c->sink = fn;
    c->sink_user = user;
}

static const char *acme2__packed_at(const char *first, int n, int i)
{
    if (i < 0 || i >= n) return NULL;
    while (i--) first += strlen(first) + 1;
    return first;
}

ACME2_DEF const char *acme2_directory_caa(const acme2_directory *d, int i) { return acme2__packed_at(d->caa_first, d->n_caa, i); }
#ifndef ACME2_NO_PROFILES
ACME2_DEF const char *acme2_directory_profile(const acme2_directory *d, int i) { return acme2__packed_at(d->profiles_first, d->n_profiles, i); }
#endif
#ifndef ACME2_NO_CHAIN_LINKS
ACME2_DEF const char *acme2_certificate_alternate(const acme2_client *c, int i) { return acme2__packed_at(c->resp.links, c->resp.n_alternates, i); }
#endif
#ifndef ACME2_NO_DNS_PERSIST
ACME2_DEF const char *acme2_directory_issuer_domain(const acme2_directory *d, int i) { return acme2__packed_at(d->issuer_domains_first, d->n_issuer_domains, i); }
ACME2_DEF const char *acme2_challenge_issuer_domain(const acme2_challenge *ch, int i) { return acme2__packed_at(ch->issuer_domains, ch->n_issuer_domains, i); }
#endif
#ifndef ACME2_NO_CHAIN_LINKS
ACME2_DEF const char *acme2_certificate_up(const acme2_client *c) { return c->resp.link_up[0] ? c->resp.link_up : NULL; }
#endif

/* ---- sharing among clients ---- */

/* Copies a directory whose strings live in sa into one whose strings live
   in da (pointers to "" literals stay as they are). */
static void acme2__dir_copy(acme2_directory *dd, char *da, const acme2_directory *sd, const char *sa)
{
    const char **f[11];
    int i;
    *dd = *sd;
    ACME2_MEMCPY(da, sa, ACME2_DIR_STRINGS);
    f[0] = &dd->new_nonce; f[1] = &dd->new_account; f[2] = &dd->new_order; f[3] = &dd->new_authz;
    f[4] = &dd->revoke_cert; f[5] = &dd->key_change; f[6] = &dd->renewal_info; f[7] = &dd->terms_of_service;
    f[8] = &dd->website; f[9] = &dd->caa_first; f[10] = &dd->profiles_first;
    for (i = 0; i < 11; i++) {
        uintptr_t p = (uintptr_t)*f[i], s = (uintptr_t)sa;
        if (p >= s && p < s + ACME2_DIR_STRINGS) *f[i] = da + (p - s);
    }
}

ACME2_DEF void acme2_shared_init(acme2_shared *sh)
{
    if (sh) ACME2_MEMSET(sh, 0, sizeof *sh);
}

static void acme2__nonce_give(acme2_shared *sh, const char *nonce)
{
    if (sh->n_nonces == ACME2_SHARED_NONCES) {
        memmove(sh->nonces[0], sh->nonces[1], sizeof sh->nonces - sizeof sh->nonces[0]);
        sh->n_nonces--;
    }
    ACME2_MEMCPY(sh->nonces[sh->n_nonces++], nonce, ACME2_MAX_NONCE + 1);
}

ACME2_DEF int acme2_client_share(acme2_client *c, acme2_shared *sh)
{
    if (!c) return ACME2_ERR_PARAM;
    c->shared = sh;
    if (!sh) return 0;
    if (c->nonce[0]) {
        acme2__nonce_give(sh, c->nonce);
        c->nonce[0] = 0;
    }
    if (c->have_dir && !sh->have_dir) {
        acme2__dir_copy(&sh->dir, sh->dir_strings, &c->dir, c->dir_strings);
        sh->have_dir = 1;
    }
    return 0;
}

/* Before a request: what the shared state offers instead of fetching. */
static void acme2__take_shared(acme2_client *c, int need_nonce)
{
    acme2_shared *sh = c->shared;
    if (!sh) return;
    if (!c->have_dir && sh->have_dir) {
        acme2__dir_copy(&c->dir, c->dir_strings, &sh->dir, sh->dir_strings);
        c->have_dir = 1;
    }
    if (need_nonce && !c->nonce[0] && sh->n_nonces > 0)
        ACME2_MEMCPY(c->nonce, sh->nonces[--sh->n_nonces], sizeof c->nonce);
}

/* ---- requests ---- */

/* The part of the work buffer requests may use (the porcelain keeps its own
   state at the end). */
static size_t acme2__work_room(const acme2_client *c) { return c->work_size - c->work_limit; }

/* The first offset at or after off whose address suits any C object (the
   caller's buffer may sit at any address). */
static size_t acme2__align(const acme2_client *c, size_t off)
{
    uintptr_t a = (uintptr_t)(c->work + off);
    return off + (size_t)((0u - a) & 15u);
}

/* Gives the response the room after the request's bytes. */
static void acme2__expect_response(acme2_client *c, size_t used)
{
    acme2_http_response *r = &c->resp;
    size_t room = acme2__work_room(c);
    used = acme2__align(c, used);
    if (used > room) used = room;
    r->body = c->work + used;
    r->body_cap = room - used;
    if (c->opt.max_response && r->body_cap > c->opt.max_response) r->body_cap = c->opt.max_response;
    r->status = 0;
    r->err = 0;
    r->nonce[0] = 0;
    r->location[0] = 0;
    r->content_type[0] = 0;
    r->retry_after = -1;
#ifndef ACME2_NO_CHAIN_LINKS
    r->n_alternates = 0;
    r->links_len = 0;
    r->link_up[0] = 0;
#endif
#ifndef ACME2_NO_ORDERS_LIST
    r->link_next[0] = 0;
#endif
    r->body_len = 0;
    r->body_total = 0;
    /* Only a certificate download streams (acme2_certificate_request turns
       the sink on): JSON must never leak into the caller's certificate
       file, nor escape the size limit through the sink. */
    r->sink = NULL;
    r->sink_user = NULL;
    c->problem.type = ACME2_PROB_NONE;
    c->wait = 0;
}

static int acme2__get(acme2_client *c, const char *method, const char *url, acme2_http_request *req)
{
    int rc = acme2__url_ok(c, url);
    if (rc) return rc;
    req->method = method;
    req->url = url;
    req->content_type = NULL;
    req->body = NULL;
    req->body_len = 0;
    acme2__expect_response(c, 0);
    return 0;
}

/* Before any request that needs them: the directory, then (for a POST) a
   nonce. Returns 1 with req filled when a prerequisite must go first. */
static int acme2__prepare(acme2_client *c, int need_nonce, acme2_http_request *req)
{
    int rc;
    c->pending = 0;
    acme2__take_shared(c, need_nonce);
    if (!c->have_dir) {
        rc = acme2__get(c, "GET", c->dir_url, req);
        if (rc) return rc;
        c->pending = ACME2__PENDING_DIR;
        return 1;
    }
    if (need_nonce && !c->nonce[0]) {
        rc = acme2__get(c, "HEAD", c->dir.new_nonce, req);
        if (rc) return rc;
        c->pending = ACME2__PENDING_NONCE;
        return 1;
    }
    return 0;
}

/* Starts a payload at the front of the work buffer. */
static void acme2__payload_begin(acme2_client *c, acme2_sb *sb)
{
    acme2_sb_init(sb, c->work, acme2__work_room(c));
}

/* Signs payload (already at the front of the work buffer, `plen` bytes, or
   NULL for POST-as-GET) into a JWS right after it and fills req. With
   jwk_key the JWS carries that key's JWK, else the account URL as kid. */
static int acme2__post(acme2_client *c, const char *url, const char *payload, size_t plen,
                       const acme2_key *jwk_key, acme2_http_request *req)
{
    acme2_sb sb;
    size_t start = payload ? plen + 1 : 0;
    int rc = acme2__url_ok(c, url);
    if (rc) return rc;
    if (!jwk_key && !c->kid[0]) return ACME2_ERR_STATE;
    /* Kept for the parsers that record a resource's own URL; url may point
       into a struct the response overwrites. */
    if (url != c->req_url) memmove(c->req_url, url, strlen(url) + 1);
    url = c->req_url;
    if (start >= acme2__work_room(c)) return ACME2_ERR_NOSPACE;
    acme2_sb_init(&sb, c->work + start, acme2__work_room(c) - start);
    rc = acme2_jws(&sb, jwk_key ? jwk_key : c->key, jwk_key ? NULL : c->kid, c->nonce, url, payload, plen);
    if (rc >= 0) rc = acme2_sb_finish(&sb);
    if (rc < 0) return rc;
    /* A nonce is good for one request only. */
    ACME2_MEMCPY(c->spent_nonce, c->nonce, sizeof c->nonce);
    c->nonce[0] = 0;
    req->method = "POST";
    req->url = url;
    req->content_type = ACME2__CT_JOSE;
    req->body = c->work + start;
    req->body_len = (size_t)rc;
    acme2__expect_response(c, start + (size_t)rc + 1);
    return 0;
}

/* POST with a payload built in sb (from acme2__payload_begin). */
static int acme2__post_sb(acme2_client *c, const char *url, acme2_sb *sb, const acme2_key *jwk_key,
                          acme2_http_request *req)
{
    int n = acme2_sb_finish(sb);
    if (n < 0) return n;
    return acme2__post(c, url, c->work, (size_t)n, jwk_key, req);
}

/* ---- responses ---- */

static int acme2__problem_type(const char *type_str)
{
    static const char prefix[] = "urn:ietf:params:acme:error:";
    const char *t;
#ifdef ACME2_NO_PROBLEM_TYPES
    if (strncmp(type_str, prefix, sizeof prefix - 1) != 0) return ACME2_PROB_OTHER;
    t = type_str + sizeof prefix - 1;
    /* Only the types the library itself acts on. */
    if (strcmp(t, "badNonce") == 0) return ACME2_PROB_BAD_NONCE;
    if (strcmp(t, "alreadyReplaced") == 0) return ACME2_PROB_ALREADY_REPLACED;
#else
    /* One table from the list (the enum follows its order after OTHER):
       a loop, not a comparison per type, keeps firmware code small. */
#define ACME2__PROB_NAME(name, text) text,
    static const char *const names[] = { ACME2_PROBLEM_LIST(ACME2__PROB_NAME) };
#undef ACME2__PROB_NAME
    size_t i;
    if (strncmp(type_str, prefix, sizeof prefix - 1) != 0) return ACME2_PROB_OTHER;
    t = type_str + sizeof prefix - 1;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(t, names[i]) == 0) return ACME2_PROB_OTHER + 1 + (int)i;
#endif
    return ACME2_PROB_OTHER;
}

static int acme2__identifier_parse(const char *js, const acme2_json_tok *t, int n, int obj, acme2_identifier *id,
                                   char *area, size_t cap, size_t *used)
{
    int ti = acme2_json_get(js, t, n, obj, "type");
    int vi = acme2_json_get(js, t, n, obj, "value");
    if (ti < 0 || vi < 0) return ACME2_ERR_PROTOCOL;
    if (acme2_json_eq(js, &t[ti], "dns")) id->type = ACME2_ID_DNS;
    else if (acme2_json_eq(js, &t[ti], "ip")) id->type = ACME2_ID_IP;
    else id->type = 0;
    id->value = acme2__pack_json(area, cap, used, js, &t[vi]);
    if (!id->value) return acme2__pack_error(js, &t[vi]);
    return 0;
}

/* type, type_str and detail of a problem or subproblem object obj, packed
   into the problem's strings; what is missing or does not fit stays as it
   was (""). */
static int acme2__problem_text(acme2_problem *p, const char *js, const acme2_json_tok *t, int n, int obj,
                               const char **type_str, const char **detail)
{
    int i = acme2_json_get(js, t, n, obj, "type");
    const char *s;
    if (i >= 0 && (s = acme2__pack_json(p->strings, sizeof p->strings, &p->used, js, &t[i])) != NULL) *type_str = s;
    i = acme2_json_get(js, t, n, obj, "detail");
    if (i >= 0 && (s = acme2__pack_text(p->strings, sizeof p->strings, &p->used, js, &t[i])) != NULL) *detail = s;
    return acme2__problem_type(*type_str);
}

/* Fills c->problem from a problem object (RFC 7807 / RFC 8555 6.7). A
   problem that is malformed still yields what could be read. */
static void acme2__problem_parse(acme2_client *c, const char *js, const acme2_json_tok *t, int n, int obj, int status)
{
    acme2_problem *p = &c->problem;
    int i, k, arr;
    p->http_status = status;
    p->used = 0;
    p->n_sub = p->n_sub_total = 0;
    p->type_str = p->detail = "";
    p->type = ACME2_PROB_OTHER;
    if (obj < 0 || t[obj].type != ACME2_JSON_OBJECT) return;
    p->type = acme2__problem_text(p, js, t, n, obj, &p->type_str, &p->detail);
#ifndef ACME2_NO_SUBPROBLEMS
    arr = acme2_json_get(js, t, n, obj, "subproblems");
    if (arr < 0 || t[arr].type != ACME2_JSON_ARRAY) return;
    p->n_sub_total = t[arr].size;
    for (k = 0, i = arr + 1; k < t[arr].size && i < n; k++, i = acme2_json_next(t, n, i)) {
        acme2_subproblem *sp;
        int j;
        if (p->n_sub == ACME2_MAX_SUBPROBLEMS || t[i].type != ACME2_JSON_OBJECT) continue;
        sp = &p->sub[p->n_sub];
        sp->type_str = sp->detail = "";
        sp->identifier.type = 0;
        sp->identifier.value = "";
        sp->type = acme2__problem_text(p, js, t, n, i, &sp->type_str, &sp->detail);
        j = acme2_json_get(js, t, n, i, "identifier");
        if (j >= 0 && t[j].type == ACME2_JSON_OBJECT) {
            acme2_identifier id;
            if (acme2__identifier_parse(js, t, n, j, &id, p->strings, sizeof p->strings, &p->used) == 0) sp->identifier = id;
        }
        p->n_sub++;
    }
#else
    (void)i; (void)k; (void)arr;
#endif
}

/* Tokenizes the response body. The request's bytes are dead by now, so the
   body moves to the front of the work buffer and the tokens follow it. */
static int acme2__json_body(acme2_client *c, acme2_json_tok **toks, int *ntok)
{
    acme2_http_response *r = &c->resp;
    size_t off, room = acme2__work_room(c);
    int max, n;
    if (r->body != c->work) {
        memmove(c->work, r->body, r->body_len);
        r->body = c->work;
    }
    off = acme2__align(c, r->body_len);
    if (off >= room) return ACME2_ERR_NOSPACE;
    max = (int)((room - off) / sizeof(acme2_json_tok));
    if (max > ACME2_MAX_TOKENS) max = ACME2_MAX_TOKENS;
    *toks = (acme2_json_tok *)(void *)(c->work + off);
    n = acme2_json_parse(r->body, r->body_len, *toks, max);
    if (n == ACME2_ERR_NOSPACE) return ACME2_ERR_TOO_LARGE;
    if (n < 0) return ACME2_ERR_PROTOCOL;
    if ((*toks)[0].type != ACME2_JSON_OBJECT) return ACME2_ERR_PROTOCOL;
    *ntok = n;
    return 0;
}

static int acme2__ct_is(const acme2_client *c, const char *want) { return strcmp(c->resp.content_type, want) == 0; }

/* The checks every response goes through. Keeps the nonce, turns error
   statuses into problems, and decides whether the request should be sent
   again. is_post: the request was a POST (its nonce is spent). Returns 0
   for a 2xx, ACME2_AGAIN, or an error. */
static int acme2__response_common(acme2_client *c, int is_post)
{
    acme2_http_response *r = &c->resp;
    int st = r->status, rc;
    c->wait = 0;
    c->problem.type = ACME2_PROB_NONE;
    c->problem.http_status = st;
    c->problem.retry_after = r->retry_after;
    c->problem.type_str = c->problem.detail = "";
    c->problem.n_sub = c->problem.n_sub_total = 0;
    if (r->nonce[0]) {
        /* A server that hands back the nonce it just accepted would only
           earn a badNonce for the next request: fetch a fresh one then. */
        if (strcmp(r->nonce, c->spent_nonce) == 0)
            acme2__log(c, ACME2_LOG_WARN, "server sent back the nonce just used; not reusing it", NULL);
        else if (c->shared)
            acme2__nonce_give(c->shared, r->nonce);
        else
            ACME2_MEMCPY(c->nonce, r->nonce, sizeof c->nonce);
    }
    if (r->err) return r->err;
    if (st == 0) return ACME2_ERR_TRANSPORT; /* the transport reported success but pushed nothing */
    if (st >= 200 && st <= 299) {
        /* RFC 8555 6.5 says a successful POST MUST carry a nonce. Failing
           here would drop a result the server already acted on (an order
           made, a key changed), so the lapse only costs a newNonce later. */
        if (is_post && !r->nonce[0])
            acme2__log(c, ACME2_LOG_WARN, "successful response without Replay-Nonce", NULL);
        return 0;
    }
    rc = ACME2_ERR_HTTP;
    if (acme2__ct_is(c, "application/problem+json")) {
        acme2_json_tok *t;
        int n;
        if (acme2__json_body(c, &t, &n) == 0) {
            acme2__problem_parse(c, r->body, t, n, 0, st);
            c->problem.retry_after = r->retry_after;
            rc = ACME2_ERR_PROBLEM;
        }
    }
    if (rc == ACME2_ERR_PROBLEM && c->problem.type == ACME2_PROB_BAD_NONCE) {
        if (c->bad_nonces < c->opt.bad_nonce_retries) {
            c->bad_nonces++;
            acme2__log(c, ACME2_LOG_DEBUG, "badNonce, retrying with a fresh nonce", NULL);
            return ACME2_AGAIN;
        }
    }
    if ((st == 429 || st == 503) && r->retry_after >= 0 && r->retry_after <= (long long)c->opt.max_wait &&
        c->busy < c->opt.busy_retries) {
        c->busy++;
        c->wait = r->retry_after;
        acme2__log(c, ACME2_LOG_INFO, st == 429 ? "rate limited; waiting as Retry-After asks" : "server busy; waiting as Retry-After asks", NULL);
        return ACME2_AGAIN;
    }
    return rc;
}

/* Ends a response step: retry counters restart after anything but AGAIN. */
static int acme2__done(acme2_client *c, int rc)
{
    if (rc != ACME2_AGAIN) { c->bad_nonces = 0; c->busy = 0; }
    return rc;
}

static int acme2__directory_parse(acme2_client *c)
{
    static const char *const names[7] = { "newNonce", "newAccount", "newOrder", "newAuthz", "revokeCert", "keyChange", "renewalInfo" };
    const char **slots[7];
    acme2_directory d;
    acme2_json_tok *t;
    const char *js;
    int n, i, meta, rc;
    size_t used = 0;
    char *area = c->dir_strings;
    rc = acme2__json_body(c, &t, &n);
    if (rc) return rc;
    js = c->resp.body;
    ACME2_MEMSET(&d, 0, sizeof d);
    slots[0] = &d.new_nonce; slots[1] = &d.new_account; slots[2] = &d.new_order; slots[3] = &d.new_authz;
    slots[4] = &d.revoke_cert; slots[5] = &d.key_change; slots[6] = &d.renewal_info;
    for (i = 0; i < 7; i++) {
        int k = acme2_json_get(js, t, n, 0, names[i]);
        const char *s;
        if (k == ACME2_ERR_NOT_FOUND) { *slots[i] = ""; continue; }
        if (k < 0 || t[k].type != ACME2_JSON_STRING) return ACME2_ERR_PROTOCOL;
        s = acme2__pack_json(area, ACME2_DIR_STRINGS, &used, js, &t[k]);
        if (!s) return acme2__pack_error(js, &t[k]);
        if ((rc = acme2__url_ok(c, s)) != 0) return rc;
        *slots[i] = s;
    }
    if (!d.new_nonce[0] || !d.new_account[0] || !d.new_order[0]) return ACME2_ERR_PROTOCOL;
    d.terms_of_service = d.website = "";
    d.caa_first = d.profiles_first = "";
    d.account_hash_prefix = d.issuer_domains_first = "";
    meta = acme2_json_get(js, t, n, 0, "meta");
    if (meta >= 0 && t[meta].type == ACME2_JSON_OBJECT) {
        int k = acme2_json_get(js, t, n, meta, "termsOfService");
        if (k >= 0 && (d.terms_of_service = acme2__pack_json(area, ACME2_DIR_STRINGS, &used, js, &t[k])) == NULL) return ACME2_ERR_PROTOCOL;
        k = acme2_json_get(js, t, n, meta, "website");
        if (k >= 0 && (d.website = acme2__pack_json(area, ACME2_DIR_STRINGS, &used, js, &t[k])) == NULL) return ACME2_ERR_PROTOCOL;
        k = acme2_json_get(js, t, n, meta, "externalAccountRequired");
        if (k >= 0 && acme2_json_bool(&t[k], &d.external_account_required) < 0) return ACME2_ERR_PROTOCOL;
        k = acme2_json_get(js, t, n, meta, "caaIdentities");
        if (k >= 0) {
            int j, e;
            if (t[k].type != ACME2_JSON_ARRAY) return ACME2_ERR_PROTOCOL;
            d.caa_first = area + used;
            for (e = 0, j = k + 1; e < t[k].size; e++, j = acme2_json_next(t, n, j)) {
                if (!acme2__pack_json(area, ACME2_DIR_STRINGS, &used, js, &t[j])) return acme2__pack_error(js, &t[j]);
                d.n_caa++;
            }
        }
#ifndef ACME2_NO_PROFILES
        k = acme2_json_get(js, t, n, meta, "profiles");
        if (k >= 0) {
            int j, e;
            if (t[k].type != ACME2_JSON_OBJECT) return ACME2_ERR_PROTOCOL;
            d.profiles_first = area + used;
            for (e = 0, j = k + 1; e < t[k].size; e++, j = acme2_json_next(t, n, j + 1)) {
                if (!acme2__pack_json(area, ACME2_DIR_STRINGS, &used, js, &t[j])) return acme2__pack_error(js, &t[j]);
                d.n_profiles++;
            }
        }
#endif
#ifndef ACME2_NO_SUBDOMAINS
        k = acme2_json_get(js, t, n, meta, "subdomainAuthAllowed");
        if (k >= 0 && acme2_json_bool(&t[k], &d.subdomain_auth_allowed) < 0) return ACME2_ERR_PROTOCOL;
#endif
#ifndef ACME2_NO_DNS_PERSIST
        /* dns-persist-01 (draft-ietf-acme-dns-persist-02 section 3.2): a
           missing or nonconforming accountHashPrefix or issuerDomainNames
           only makes pre-provisioning unavailable, so it is dropped, not
           an error. */
        k = acme2_json_get(js, t, n, meta, "accountHashPrefix");
        if (k >= 0 && t[k].type == ACME2_JSON_STRING) {
            size_t mark = used;
            const char *s = acme2__pack_json(area, ACME2_DIR_STRINGS, &used, js, &t[k]);
            if (!s) return acme2__pack_error(js, &t[k]);
            if (acme2__url_ok(c, s) == 0 && !strchr(s, ';')) d.account_hash_prefix = s;
            else used = mark;
        }
        k = acme2_json_get(js, t, n, meta, "issuerDomainNames");
        if (k >= 0 && t[k].type == ACME2_JSON_ARRAY && t[k].size >= 1 && t[k].size <= ACME2_MAX_ISSUER_DOMAINS) {
            size_t mark = used, dl;
            int j, e, ok = 1;
            const char *first = area + used;
            for (e = 0, j = k + 1; e < t[k].size && ok; e++, j = acme2_json_next(t, n, j)) {
                const char *s = acme2__pack_json(area, ACME2_DIR_STRINGS, &used, js, &t[j]);
                if (!s && t[j].type == ACME2_JSON_STRING && acme2_json_str(js, &t[j], NULL, 0) >= 0) return ACME2_ERR_NOSPACE;
                ok = s && acme2__chall_issuer_domain_ok(s, &dl);
            }
            if (ok) {
                d.issuer_domains_first = first;
                d.n_issuer_domains = t[k].size;
            } else {
                used = mark;
            }
        }
#endif
    }
    c->dir = d;
    c->dir_used = used;
    c->have_dir = 1;
    if (c->shared) {
        acme2__dir_copy(&c->shared->dir, c->shared->dir_strings, &c->dir, c->dir_strings);
        c->shared->have_dir = 1;
    }
    return 0;
}

/* Response of a prerequisite (directory or nonce) sent instead of the
   caller's request. */
static int acme2__pending_response(acme2_client *c)
{
    int pending = c->pending, rc;
    c->pending = 0;
    rc = acme2__response_common(c, 0);
    if (rc) return acme2__done(c, rc);
    if (pending == ACME2__PENDING_DIR) {
        if (!acme2__ct_is(c, "application/json")) return acme2__done(c, ACME2_ERR_CONTENT_TYPE);
        rc = acme2__directory_parse(c);
        if (rc) return acme2__done(c, rc);
        acme2__log(c, ACME2_LOG_DEBUG, "directory fetched", NULL);
    } else if (!c->resp.nonce[0]) {
        return acme2__done(c, ACME2_ERR_NO_NONCE);
    }
    return ACME2_AGAIN;
}

/* Start of every _response: prerequisites, then the common checks, then
   the body's JSON. expect: the 2xx statuses allowed (0: any 2xx). */
static int acme2__begin_json(acme2_client *c, int is_post, acme2_json_tok **t, int *n)
{
    int rc;
    if (c->pending) return acme2__pending_response(c);
    rc = acme2__response_common(c, is_post);
    if (rc) return acme2__done(c, rc);
    if (!acme2__ct_is(c, "application/json")) return acme2__done(c, ACME2_ERR_CONTENT_TYPE);
    rc = acme2__json_body(c, t, n);
    return acme2__done(c, rc);
}

/* ---- directory ---- */

ACME2_DEF int acme2_directory_request(acme2_client *c, acme2_http_request *req)
{
    /* Always a fetch (a shared directory is not taken here). */
    int rc = acme2__get(c, "GET", c->dir_url, req);
    c->have_dir = 0;
    c->pending = rc ? 0 : ACME2__PENDING_DIR;
    return rc;
}

ACME2_DEF int acme2_directory_response(acme2_client *c)
{
    int rc;
    if (c->pending != ACME2__PENDING_DIR) return ACME2_ERR_STATE;
    rc = acme2__pending_response(c);
    /* AGAIN after a parsed directory means "done"; without one it is a
       retry the server asked for (503 with Retry-After). */
    return (rc == ACME2_AGAIN && c->have_dir) ? 0 : rc;
}

/* ---- blocking driver ---- */

/* Sends req through the transport. */
static int acme2__send(acme2_client *c, const acme2_http_request *req)
{
    int rc;
    if (!c->transport) return ACME2_ERR_STATE;
    acme2__log(c, ACME2_LOG_DEBUG, req->method[0] == 'P' ? "POST " : req->method[0] == 'H' ? "HEAD " : "GET ", req->url);
    rc = c->transport(c->transport_user, req, &c->resp);
    if (rc < 0) {
        /* The exchange broke: whatever nonce it carried is unknown now. */
        c->nonce[0] = 0;
        c->pending = 0;
        c->bad_nonces = c->busy = 0;
        acme2__log(c, ACME2_LOG_WARN, "transport failed: ", req->url);
        return c->resp.err ? c->resp.err : ACME2_ERR_TRANSPORT;
    }
    return 0;
}

/* Waits as the server asked before a resend. */
static void acme2__wait(acme2_client *c)
{
    if (c->wait > 0) acme2__sleep_ms(c, c->wait * 1000);
}

/* The loop behind every blocking call: build, send, parse; again while the
   parser says so. Bounded: AGAIN is only returned while a retry budget
   (prerequisites: 2; badNonce and 429/503: the options) remains. */
#define ACME2__DRIVE(c, BUILD, PARSE) do { \
        int rc_, guard_ = 0; \
        acme2_http_request req_; \
        for (;;) { \
            rc_ = (BUILD); \
            if (rc_ < 0) return rc_; \
            rc_ = acme2__send((c), &req_); \
            if (rc_ < 0) return rc_; \
            rc_ = (PARSE); \
            if (rc_ != ACME2_AGAIN) return rc_; \
            if (++guard_ > 64) return ACME2_ERR_PROTOCOL; \
            acme2__wait(c); \
        } \
    } while (0)

ACME2_DEF int acme2_directory_fetch(acme2_client *c)
{
    acme2__take_shared(c, 0);
    if (c->have_dir) return 0;
    ACME2__DRIVE(c, acme2_directory_request(c, &req_), acme2_directory_response(c));
}

/* ---- accounts ---- */

static void acme2__contacts(acme2_sb *sb, const char *const *contacts, size_t n)
{
    size_t i;
    acme2_jw_key(sb, "contact");
    acme2_jw_arr_begin(sb);
    for (i = 0; i < n; i++) acme2_jw_str(sb, contacts[i]);
    acme2_jw_arr_end(sb);
}

ACME2_DEF int acme2_account_new_request(acme2_client *c, const acme2_account_params *p, acme2_http_request *req)
{
    acme2_sb sb;
    int rc;
    if (!p) return ACME2_ERR_PARAM;
    rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_jw_obj_begin(&sb);
    if (p->n_contacts) acme2__contacts(&sb, p->contacts, p->n_contacts);
    if (p->terms_agreed) { acme2_jw_key(&sb, "termsOfServiceAgreed"); acme2_jw_bool(&sb, 1); }
    if (p->only_existing) { acme2_jw_key(&sb, "onlyReturnExisting"); acme2_jw_bool(&sb, 1); }
    if (p->eab_kid) {
#ifndef ACME2_NO_EAB
        acme2_jw_key(&sb, "externalAccountBinding");
        rc = acme2_jws_eab(&sb, p->eab_bits ? p->eab_bits : 256, p->eab_key, p->eab_key_len, p->eab_kid,
                           c->dir.new_account, c->key);
        if (rc < 0) return rc;
        sb.sep = 1;
#else
        return ACME2_ERR_UNSUPPORTED;
#endif
    }
    acme2_jw_obj_end(&sb);
    return acme2__post_sb(c, c->dir.new_account, &sb, c->key, req);
}

static int acme2__account_parse(acme2_client *c, acme2_json_tok *t, int n, acme2_account *out)
{
    int st = acme2__status_member(c->resp.body, t, n, 0), k, rc;
    char orders[ACME2_MAX_URL + 1];
    if (st < 0) return ACME2_ERR_PROTOCOL;
    orders[0] = 0;
    /* RFC 8555 section 7.1.2: "orders" is a URL (required there, though
       Boulder leaves it out). */
    k = acme2_json_get(c->resp.body, t, n, 0, "orders");
    if (k >= 0) {
        if (t[k].type != ACME2_JSON_STRING || acme2_json_str(c->resp.body, &t[k], orders, sizeof orders) < 0)
            return ACME2_ERR_PROTOCOL;
        if ((rc = acme2__url_ok(c, orders)) != 0) return rc;
    }
    if (out) {
        out->status = st;
        out->created = c->resp.status == 201;
        ACME2_MEMCPY(out->orders, orders, sizeof orders);
    }
    return 0;
}

ACME2_DEF int acme2_account_new_response(acme2_client *c, acme2_account *out)
{
    acme2_json_tok *t = NULL;
    int n = 0, rc = acme2__begin_json(c, 1, &t, &n);
    if (rc) return rc;
    if (!c->resp.location[0]) return ACME2_ERR_NO_LOCATION;
    rc = acme2__url_ok(c, c->resp.location);
    if (rc) return rc;
    rc = acme2__account_parse(c, t, n, out);
    if (rc) return rc;
    ACME2_MEMCPY(c->kid, c->resp.location, sizeof c->kid);
    acme2__log(c, ACME2_LOG_INFO, "account: ", c->kid);
    return 0;
}

ACME2_DEF int acme2_account_new(acme2_client *c, const acme2_account_params *p, acme2_account *out)
{
    ACME2__DRIVE(c, acme2_account_new_request(c, p, &req_), acme2_account_new_response(c, out));
}

#ifndef ACME2_NO_ACCOUNT_ADMIN
ACME2_DEF int acme2_account_update_request(acme2_client *c, const char *const *contacts, size_t n, acme2_http_request *req)
{
    acme2_sb sb;
    int rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_jw_obj_begin(&sb);
    acme2__contacts(&sb, contacts, n);
    acme2_jw_obj_end(&sb);
    return acme2__post_sb(c, c->kid, &sb, NULL, req);
}

ACME2_DEF int acme2_account_update_response(acme2_client *c, acme2_account *out)
{
    acme2_json_tok *t = NULL;
    int n = 0, rc = acme2__begin_json(c, 1, &t, &n);
    if (rc) return rc;
    return acme2__account_parse(c, t, n, out);
}

ACME2_DEF int acme2_account_update(acme2_client *c, const char *const *contacts, size_t n, acme2_account *out)
{
    ACME2__DRIVE(c, acme2_account_update_request(c, contacts, n, &req_), acme2_account_update_response(c, out));
}

ACME2_DEF int acme2_account_deactivate_request(acme2_client *c, acme2_http_request *req)
{
    acme2_sb sb;
    int rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_sb_puts(&sb, "{\"status\":\"deactivated\"}");
    return acme2__post_sb(c, c->kid, &sb, NULL, req);
}

ACME2_DEF int acme2_account_deactivate_response(acme2_client *c, acme2_account *out)
{
    return acme2_account_update_response(c, out);
}

ACME2_DEF int acme2_account_deactivate(acme2_client *c, acme2_account *out)
{
    ACME2__DRIVE(c, acme2_account_deactivate_request(c, &req_), acme2_account_deactivate_response(c, out));
}
#endif

#ifndef ACME2_NO_KEY_CHANGE
ACME2_DEF int acme2_account_key_change_request(acme2_client *c, const acme2_key *new_key, acme2_http_request *req)
{
    acme2_sb sb;
    int rc;
    if (!new_key) return ACME2_ERR_PARAM;
    rc = acme2__prepare(c, 0, req);
    if (rc) return rc < 0 ? rc : 0;
    if (!c->dir.key_change[0]) return ACME2_ERR_UNSUPPORTED; /* before a nonce is fetched for nothing */
    if (!c->kid[0]) return ACME2_ERR_STATE;
    rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    rc = acme2_jws_key_change(&sb, new_key, c->key, c->kid, c->dir.key_change);
    if (rc < 0) return rc;
    return acme2__post_sb(c, c->dir.key_change, &sb, NULL, req);
}

ACME2_DEF int acme2_account_key_change_response(acme2_client *c, const acme2_key *new_key)
{
    int rc;
    if (c->pending) return acme2__pending_response(c);
    rc = acme2__done(c, acme2__response_common(c, 1));
    if (rc) return rc;
    c->key = new_key;
    acme2__log(c, ACME2_LOG_INFO, "account key changed", NULL);
    return 0;
}

ACME2_DEF int acme2_account_key_change(acme2_client *c, const acme2_key *new_key)
{
    ACME2__DRIVE(c, acme2_account_key_change_request(c, new_key, &req_), acme2_account_key_change_response(c, new_key));
}
#endif

/* ---- orders ---- */

/* An identifier object; RFC 9444 adds "ancestorDomain" (newOrder) and
   "subdomainAuthAllowed" (newAuthz) to it. */
static int acme2__identifier_json_ext(acme2_sb *sb, const acme2_identifier *id, const char *ancestor, int subdomains)
{
    unsigned char ip[16];
    if (!id || !id->value) return ACME2_ERR_PARAM;
    if (id->type == ACME2_ID_IP) {
        if (acme2_ip_parse(id->value, ip) < 0) return ACME2_ERR_IDENTIFIER;
    } else if (id->type != ACME2_ID_DNS || !id->value[0]) {
        return ACME2_ERR_IDENTIFIER;
    }
    acme2_jw_obj_begin(sb);
    acme2_jw_key(sb, "type");
    acme2_jw_str(sb, id->type == ACME2_ID_IP ? "ip" : "dns");
    acme2_jw_key(sb, "value");
    acme2_jw_str(sb, id->value);
    if (ancestor) { acme2_jw_key(sb, "ancestorDomain"); acme2_jw_str(sb, ancestor); }
    if (subdomains) { acme2_jw_key(sb, "subdomainAuthAllowed"); acme2_jw_bool(sb, 1); }
    acme2_jw_obj_end(sb);
    return 0;
}

#ifndef ACME2_NO_AUTHZ_ADMIN
static int acme2__identifier_json(acme2_sb *sb, const acme2_identifier *id)
{
    return acme2__identifier_json_ext(sb, id, NULL, 0);
}
#endif

#ifndef ACME2_NO_SUBDOMAINS
/* n bytes of a and b equal, ignoring ASCII case. */
static int acme2__ieq_ci(const char *a, const char *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (acme2__lower((unsigned char)a[i]) != acme2__lower((unsigned char)b[i])) return 0;
    return 1;
}

/* RFC 9444 section 4.3: ancestor is a DNS name of which the DNS
   identifier id is a proper subdomain ("*." counts as part of id). */
static int acme2__ancestor_check(const acme2_identifier *id, const char *ancestor)
{
    acme2_identifier a;
    size_t il, al;
    a.type = ACME2_ID_DNS;
    a.value = ancestor;
    if (!id || !id->value || id->type != ACME2_ID_DNS || acme2_identifier_check(id) ||
        acme2_identifier_check(&a) || ancestor[0] == '*')
        return ACME2_ERR_IDENTIFIER;
    il = strlen(id->value);
    al = strlen(ancestor);
    if (il <= al + 1 || id->value[il - al - 1] != '.' || !acme2__ieq_ci(id->value + il - al, ancestor, al))
        return ACME2_ERR_IDENTIFIER;
    return 0;
}
#endif

#ifndef ACME2_NO_ORDER_TIMES
/* RFC 3339 text of a Unix time (UTC), as a JSON string value. */
static void acme2__jw_time(acme2_sb *sb, long long t)
{
    char s[20];
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, secs = t - days * 86400, y;
    unsigned v[6], m, d;
    int i;
    acme2__civil_from_days(days, &y, &m, &d);
    v[0] = (unsigned)y; v[1] = m; v[2] = d;
    v[3] = (unsigned)(secs / 3600); v[4] = (unsigned)(secs / 60 % 60); v[5] = (unsigned)(secs % 60);
    s[0] = (char)('0' + v[0] / 1000 % 10); s[1] = (char)('0' + v[0] / 100 % 10);
    s[2] = (char)('0' + v[0] / 10 % 10); s[3] = (char)('0' + v[0] % 10);
    for (i = 1; i < 6; i++) {
        s[1 + 3 * i] = "--T::"[i - 1];
        s[2 + 3 * i] = (char)('0' + v[i] / 10);
        s[3 + 3 * i] = (char)('0' + v[i] % 10);
    }
    s[19] = 'Z';
    acme2_jw_strn(sb, s, 20);
}
#endif

ACME2_DEF int acme2_order_new_request(acme2_client *c, const acme2_order_params *p, acme2_http_request *req)
{
    acme2_sb sb;
    size_t i;
    int rc;
    if (!p || !p->ids || p->n_ids == 0 || p->n_ids > ACME2_MAX_AUTHZ) return ACME2_ERR_PARAM;
#ifdef ACME2_NO_ORDER_TIMES
    if (p->not_before || p->not_after) return ACME2_ERR_UNSUPPORTED;
#endif
    /* The directory first, without a nonce: an order refused here costs no
       request. */
    rc = acme2__prepare(c, 0, req);
    if (rc) return rc < 0 ? rc : 0;
#ifdef ACME2_NO_PROFILES
    if (p->profile) return ACME2_ERR_PROFILE;
#else
    if (p->profile) {
        /* Only profiles the directory lists: a server that lists none (or
           not this one) would ignore or refuse the member, and the caller
           would get a certificate of another profile than asked for. */
        int k, found = 0;
        for (k = 0; k < c->dir.n_profiles; k++)
            if (strcmp(acme2_directory_profile(&c->dir, k), p->profile) == 0) found = 1;
        if (!found) return ACME2_ERR_PROFILE;
    }
#endif
#ifdef ACME2_NO_SUBDOMAINS
    if (p->ancestor_domains) return ACME2_ERR_UNSUPPORTED;
#else
    if (p->ancestor_domains) {
        /* RFC 9444 section 4.3: only where the server says it does them;
           a server that does not would ignore the member and authorize
           the names one by one, or refuse the order. */
        if (!c->dir.subdomain_auth_allowed) return ACME2_ERR_UNSUPPORTED;
        for (i = 0; i < p->n_ids; i++)
            if (p->ancestor_domains[i] && (rc = acme2__ancestor_check(&p->ids[i], p->ancestor_domains[i])) != 0) return rc;
    }
#endif
    rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_jw_obj_begin(&sb);
    acme2_jw_key(&sb, "identifiers");
    acme2_jw_arr_begin(&sb);
    for (i = 0; i < p->n_ids; i++) {
        const char *anc = p->ancestor_domains ? p->ancestor_domains[i] : NULL;
        rc = acme2__identifier_json_ext(&sb, &p->ids[i], anc, 0);
        if (rc) return rc;
    }
    acme2_jw_arr_end(&sb);
#ifndef ACME2_NO_ORDER_TIMES
    if (p->not_before) { acme2_jw_key(&sb, "notBefore"); acme2__jw_time(&sb, p->not_before); }
    if (p->not_after) { acme2_jw_key(&sb, "notAfter"); acme2__jw_time(&sb, p->not_after); }
#endif
#ifndef ACME2_NO_PROFILES
    if (p->profile) { acme2_jw_key(&sb, "profile"); acme2_jw_str(&sb, p->profile); }
#endif
    if (p->replaces) { acme2_jw_key(&sb, "replaces"); acme2_jw_str(&sb, p->replaces); }
    acme2_jw_obj_end(&sb);
    return acme2__post_sb(c, c->dir.new_order, &sb, NULL, req);
}

ACME2_DEF const char *acme2_order_authz(const acme2_order *o, int i)
{
    if (i < 0 || i >= o->n_authz) return NULL;
    return o->strings + o->authz_off[i];
}

#ifdef ACME2__RFC3339
/* An optional timestamp member. */
static int acme2__time_member(const char *js, const acme2_json_tok *t, int n, int obj, const char *key, long long *out)
{
    int k = acme2_json_get(js, t, n, obj, key);
    *out = 0;
    if (k == ACME2_ERR_NOT_FOUND) return 0;
    if (k < 0 || t[k].type != ACME2_JSON_STRING) return ACME2_ERR_PROTOCOL;
    return acme2__rfc3339(js + t[k].start, (size_t)(t[k].end - t[k].start), out) < 0 ? ACME2_ERR_PROTOCOL : 0;
}
#endif

/* Parses an order into a scratch copy first, so a bad response leaves
   `out` as it was. The scratch lives past the tokens in the work buffer. */
static int acme2__order_parse(acme2_client *c, const acme2_json_tok *t, int n, const char *url, acme2_order *out)
{
    const char *js = c->resp.body;
    acme2_order *o;
    size_t off = acme2__align(c, (size_t)((const char *)(t + n) - c->work));
    int k, i, e, st, rc;
    if (off + sizeof *o > acme2__work_room(c)) return ACME2_ERR_NOSPACE;
    o = (acme2_order *)(void *)(c->work + off);
    o->used = 0;
    o->n_authz = 0;
    if ((st = acme2__status_member(js, t, n, 0)) < 0) return st;
    o->status = st;
#ifdef ACME2_NO_ORDER_TIMES
    o->expires = o->not_before = o->not_after = 0;
#else
    if (acme2__time_member(js, t, n, 0, "expires", &o->expires) ||
        acme2__time_member(js, t, n, 0, "notBefore", &o->not_before) ||
        acme2__time_member(js, t, n, 0, "notAfter", &o->not_after))
        return ACME2_ERR_PROTOCOL;
#endif
    o->url = acme2__pack(o->strings, sizeof o->strings, &o->used, url, strlen(url));
    if ((rc = acme2__str_member(js, t, n, 0, "finalize", 1, o->strings, sizeof o->strings, &o->used, &o->finalize)) != 0 ||
        (rc = acme2__str_member(js, t, n, 0, "certificate", 0, o->strings, sizeof o->strings, &o->used, &o->certificate)) != 0)
        return rc;
    if (!o->url) return ACME2_ERR_NOSPACE;
    /* URLs from a body get the checks of the directory's: http:// is
       ACME2_ERR_INSECURE_URL, not a generic protocol error. */
    if ((rc = acme2__url_ok(c, o->finalize)) != 0) return rc;
    if (o->certificate[0] && (rc = acme2__url_ok(c, o->certificate)) != 0) return rc;
    k = acme2_json_get(js, t, n, 0, "authorizations");
    if (k < 0 || t[k].type != ACME2_JSON_ARRAY) return ACME2_ERR_PROTOCOL;
    if (t[k].size > ACME2_MAX_AUTHZ) return ACME2_ERR_TOO_LARGE;
    for (e = 0, i = k + 1; e < t[k].size; e++, i = acme2_json_next(t, n, i)) {
        const char *s;
        if (t[i].type != ACME2_JSON_STRING) return ACME2_ERR_PROTOCOL;
        s = acme2__pack_json(o->strings, sizeof o->strings, &o->used, js, &t[i]);
        if (!s) return acme2__pack_error(js, &t[i]);
        if ((rc = acme2__url_ok(c, s)) != 0) return rc;
        o->authz_off[o->n_authz++] = (unsigned short)(s - o->strings);
    }
    if (o->status == ACME2_STATUS_VALID && !o->certificate[0]) return ACME2_ERR_PROTOCOL;
    /* Commit: copy the scratch and rebase its pointers. */
    ACME2_MEMCPY(out, o, sizeof *o);
    out->url = out->strings + (o->url - o->strings);
    out->finalize = out->strings + (o->finalize - o->strings);
    out->certificate = out->strings + (o->certificate - o->strings);
    if (out->status == ACME2_STATUS_INVALID) {
        k = acme2_json_get(js, t, n, 0, "error");
        acme2__problem_parse(c, js, t, n, k >= 0 ? k : -1, 0);
        if (k < 0) c->problem.type = ACME2_PROB_NONE;
        acme2__log(c, ACME2_LOG_WARN, "order invalid: ", c->problem.detail);
        return ACME2_ERR_INVALID;
    }
    return 0;
}

ACME2_DEF int acme2_order_new_response(acme2_client *c, acme2_order *out)
{
    acme2_json_tok *t = NULL;
    int n = 0, rc = acme2__begin_json(c, 1, &t, &n);
    if (rc) return rc;
    if (c->resp.status != 201) return ACME2_ERR_HTTP;
    if (!c->resp.location[0]) return ACME2_ERR_NO_LOCATION;
    rc = acme2__url_ok(c, c->resp.location);
    if (rc) return rc;
    rc = acme2__order_parse(c, t, n, c->resp.location, out);
    if (rc == 0) acme2__log(c, ACME2_LOG_INFO, "order: ", out->url);
    return rc;
}

ACME2_DEF int acme2_order_new(acme2_client *c, const acme2_order_params *p, acme2_order *out)
{
    ACME2__DRIVE(c, acme2_order_new_request(c, p, &req_), acme2_order_new_response(c, out));
}

ACME2_DEF int acme2_order_get_request(acme2_client *c, const char *url, acme2_http_request *req)
{
    int rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    return acme2__post(c, url, NULL, 0, NULL, req);
}

ACME2_DEF int acme2_order_get_response(acme2_client *c, acme2_order *out)
{
    acme2_json_tok *t = NULL;
    int n = 0, rc = acme2__begin_json(c, 1, &t, &n);
    if (rc) return rc;
    return acme2__order_parse(c, t, n, c->req_url, out);
}

ACME2_DEF int acme2_order_get(acme2_client *c, const char *url, acme2_order *out)
{
    ACME2__DRIVE(c, acme2_order_get_request(c, url, &req_), acme2_order_get_response(c, out));
}

/* Milliseconds until poll number `attempt` (0: the first): the server's
   Retry-After if it sent one, else the schedule described with the options
   ("Polling"). */
static long long acme2__poll_delay_ms(acme2_client *c, unsigned attempt)
{
    long long cap = (long long)c->opt.poll_max_interval * 1000, d;
    if (c->resp.retry_after >= 0) {
        /* "Retry-After: 0" (or a date in the past) on every answer would
           make polling a busy loop that only the deadline ends. */
        d = c->resp.retry_after * 1000;
        return d < 1000 ? 1000 : d;
    }
    if (attempt == 0) return c->opt.poll_interval_ms;
    d = ACME2_POLL_STEP_MS;
    while (attempt-- >= ACME2_POLL_STEADY && d < cap) d = d * 3 / 2;
    return d > cap ? cap : d;
}

/* Waits before poll number `attempt`; ACME2_ERR_TIMEOUT when the wait would
   end past the deadline. */
static int acme2__poll_wait(acme2_client *c, unsigned attempt, long long deadline)
{
    long long d = acme2__poll_delay_ms(c, attempt);
    if (acme2__now(c) + (d + 999) / 1000 > deadline) return ACME2_ERR_TIMEOUT;
    acme2__sleep_ms(c, d);
    return 0;
}

ACME2_DEF int acme2_order_poll(acme2_client *c, acme2_order *o)
{
    long long deadline = acme2__now(c) + c->opt.poll_timeout;
    unsigned attempt = 0;
    if (!o->url || !o->url[0]) return ACME2_ERR_PARAM;
    while (o->status == ACME2_STATUS_PENDING || o->status == ACME2_STATUS_PROCESSING) {
        int rc = acme2__poll_wait(c, attempt++, deadline);
        if (rc == 0) rc = acme2_order_get(c, o->url, o);
        if (rc) return rc;
    }
    return 0;
}

ACME2_DEF int acme2_order_finalize_request(acme2_client *c, const acme2_order *o, const unsigned char *csr,
                                           size_t csr_len, acme2_http_request *req)
{
    acme2_sb sb;
    int rc;
    if (!o || !csr || !csr_len || !o->finalize || !o->url) return ACME2_ERR_PARAM;
    rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_jw_obj_begin(&sb);
    acme2_jw_key(&sb, "csr");
    acme2_jw_b64url(&sb, csr, csr_len);
    acme2_jw_obj_end(&sb);
    return acme2__post_sb(c, o->finalize, &sb, NULL, req);
}

ACME2_DEF int acme2_order_finalize_response(acme2_client *c, acme2_order *o)
{
    acme2_json_tok *t;
    char url[ACME2_MAX_URL + 1];
    int n, rc;
    if (!o || !o->url) return ACME2_ERR_PARAM;
    rc = acme2__begin_json(c, 1, &t, &n);
    if (rc) return rc;
    /* The response is the order; its URL is the order's, not finalize's. */
    if (!acme2__copy_value(url, sizeof url, o->url, strlen(o->url))) return ACME2_ERR_PARAM;
    return acme2__order_parse(c, t, n, url, o);
}

ACME2_DEF int acme2_order_finalize(acme2_client *c, acme2_order *o, const unsigned char *csr, size_t csr_len)
{
    ACME2__DRIVE(c, acme2_order_finalize_request(c, o, csr, csr_len, &req_), acme2_order_finalize_response(c, o));
}

/* ---- authorizations and challenges ---- */

static int acme2__challenge_type(const char *type_str)
{
    int k;
    for (k = ACME2_CHALLENGE_HTTP_01; k <= ACME2_CHALLENGE_DNS_PERSIST_01; k++) {
#ifdef ACME2_NO_DNS_ACCOUNT
        if (k == ACME2_CHALLENGE_DNS_ACCOUNT_01) continue;
#endif
#ifdef ACME2_NO_DNS_PERSIST
        if (k == ACME2_CHALLENGE_DNS_PERSIST_01) continue;
#endif
        if (strcmp(type_str, acme2_challenge_name(k)) == 0) return k;
    }
    return ACME2_CHALLENGE_OTHER;
}

#ifndef ACME2_NO_DNS_PERSIST
/* The issuerDomainNames of a dns-persist-01 challenge (draft-ietf-acme-
   dns-persist-02 sections 3.1 and 3.2), packed into the authorization's
   strings. Returns 1 when the challenge can be answered, 0 when the draft
   says to reject it (the caller demotes it), or an error. */
static int acme2__persist_names(acme2_client *c, const char *js, const acme2_json_tok *t, int n, int obj,
                                acme2_authz *a, acme2_challenge *ch)
{
    const acme2_directory *d = &c->dir;
    int k = acme2_json_get(js, t, n, obj, "issuerDomainNames"), j, e, i, ok = 1;
    ch->issuer_domains = a->strings + a->used;
    ch->n_issuer_domains = 0;
    if (k == ACME2_ERR_NOT_FOUND) return 0;
    if (k < 0 || t[k].type != ACME2_JSON_ARRAY) return ACME2_ERR_PROTOCOL;
    for (e = 0, j = k + 1; e < t[k].size; e++, j = acme2_json_next(t, n, j))
        if (t[j].type != ACME2_JSON_STRING) return ACME2_ERR_PROTOCOL;
    if (t[k].size < 1 || t[k].size > ACME2_MAX_ISSUER_DOMAINS) return 0;
    for (e = 0, j = k + 1; e < t[k].size; e++, j = acme2_json_next(t, n, j)) {
        size_t dl;
        const char *s = acme2__pack_json(a->strings, sizeof a->strings, &a->used, js, &t[j]);
        if (!s) return acme2__pack_error(js, &t[j]);
        if (!acme2__chall_issuer_domain_ok(s, &dl)) ok = 0;
        ch->n_issuer_domains++;
    }
    /* Section 3.2 lets a client answer without the directory's names; this
       one does not: they say which name every such challenge accepts. */
    if (!ok || !d->account_hash_prefix[0] || !d->n_issuer_domains) return 0;
    /* Every name of the directory's must be offered here ... */
    for (i = 0; i < d->n_issuer_domains; i++) {
        const char *want = acme2_directory_issuer_domain(d, i);
        for (e = 0; e < ch->n_issuer_domains; e++)
            if (strcmp(acme2_challenge_issuer_domain(ch, e), want) == 0) break;
        if (e == ch->n_issuer_domains) return 0;
    }
    /* ... and every name here must be a CAA identity of the CA's. */
    if (d->n_caa) {
        for (e = 0; e < ch->n_issuer_domains; e++) {
            const char *name = acme2_challenge_issuer_domain(ch, e);
            size_t nl = strlen(name);
            for (i = 0; i < d->n_caa; i++) {
                const char *caa = acme2_directory_caa(d, i);
                size_t cl = strlen(caa);
                if (cl && caa[cl - 1] == '.') cl--;
                if (cl == nl && acme2__ieq(caa, cl, name)) break;
            }
            if (i == d->n_caa) return 0;
        }
    }
    return 1;
}
#endif

ACME2_DEF const acme2_challenge *acme2_authz_challenge(const acme2_authz *a, int type)
{
    int i;
    for (i = 0; i < a->n_challenges; i++)
        if (a->challenges[i].type == type) return &a->challenges[i];
    return NULL;
}

static int acme2__authz_parse(acme2_client *c, const acme2_json_tok *t, int n, const char *url, acme2_authz *out)
{
    const char *js = c->resp.body;
    acme2_authz *a;
    size_t off = acme2__align(c, (size_t)((const char *)(t + n) - c->work));
    int k, i, e, st, rc, failed = -1;
    if (off + sizeof *a > acme2__work_room(c)) return ACME2_ERR_NOSPACE;
    a = (acme2_authz *)(void *)(c->work + off);
    a->used = 0;
    a->n_challenges = 0;
    a->wildcard = 0;
    a->subdomain_auth_allowed = 0;
    if ((st = acme2__status_member(js, t, n, 0)) < 0) return st;
    a->status = st;
#ifdef ACME2_NO_ORDER_TIMES
    a->expires = 0;
#else
    if (acme2__time_member(js, t, n, 0, "expires", &a->expires)) return ACME2_ERR_PROTOCOL;
#endif
    k = acme2_json_get(js, t, n, 0, "identifier");
    if (k < 0 || t[k].type != ACME2_JSON_OBJECT) return ACME2_ERR_PROTOCOL;
    if (acme2__identifier_parse(js, t, n, k, &a->identifier, a->strings, sizeof a->strings, &a->used)) return ACME2_ERR_PROTOCOL;
    k = acme2_json_get(js, t, n, 0, "wildcard");
    if (k >= 0 && acme2_json_bool(&t[k], &a->wildcard) < 0) return ACME2_ERR_PROTOCOL;
#ifndef ACME2_NO_SUBDOMAINS
    k = acme2_json_get(js, t, n, 0, "subdomainAuthAllowed");
    if (k >= 0 && acme2_json_bool(&t[k], &a->subdomain_auth_allowed) < 0) return ACME2_ERR_PROTOCOL;
#endif
    a->url = acme2__pack(a->strings, sizeof a->strings, &a->used, url, strlen(url));
    if (!a->url) return ACME2_ERR_NOSPACE;
    k = acme2_json_get(js, t, n, 0, "challenges");
    if (k < 0 || t[k].type != ACME2_JSON_ARRAY) return ACME2_ERR_PROTOCOL;
    for (e = 0, i = k + 1; e < t[k].size; e++, i = acme2_json_next(t, n, i)) {
        acme2_challenge *ch;
        int j;
        if (t[i].type != ACME2_JSON_OBJECT) return ACME2_ERR_PROTOCOL;
        if (a->n_challenges == ACME2_MAX_CHALLENGES) continue; /* the rest are not offered to us */
        ch = &a->challenges[a->n_challenges];
        if ((rc = acme2__str_member(js, t, n, i, "type", 1, a->strings, sizeof a->strings, &a->used, &ch->type_str)) != 0 ||
            (rc = acme2__str_member(js, t, n, i, "url", 1, a->strings, sizeof a->strings, &a->used, &ch->url)) != 0)
            return rc;
        ch->type = acme2__challenge_type(ch->type_str);
        if ((ch->status = acme2__status_member(js, t, n, i)) < 0) return ch->status;
        if ((rc = acme2__str_member(js, t, n, i, "token", 0, a->strings, sizeof a->strings, &a->used, &ch->token)) != 0)
            return rc;
        if ((rc = acme2__url_ok(c, ch->url)) != 0) return rc;
#ifdef ACME2_NO_ORDER_TIMES
        ch->validated = 0;
#else
        if (acme2__time_member(js, t, n, i, "validated", &ch->validated)) return ACME2_ERR_PROTOCOL;
#endif
        j = acme2_json_get(js, t, n, i, "error");
        ch->has_error = j >= 0;
        if (ch->has_error && failed < 0) failed = j;
        ch->n_issuer_domains = 0;
        ch->issuer_domains = ch->token;
#ifndef ACME2_NO_DNS_PERSIST
        if (ch->type == ACME2_CHALLENGE_DNS_PERSIST_01) {
            rc = acme2__persist_names(c, js, t, n, i, a, ch);
            if (rc < 0) return rc;
            if (rc == 0) {
                acme2__log(c, ACME2_LOG_WARN, "dns-persist-01 challenge not usable (issuerDomainNames or directory meta): ", ch->url);
                ch->type = ACME2_CHALLENGE_OTHER;
            }
        }
#endif
        a->n_challenges++;
    }
    /* Commit and rebase. */
    ACME2_MEMCPY(out, a, sizeof *a);
#define ACME2__REBASE(p) ((p) = out->strings + ((p) - a->strings))
    ACME2__REBASE(out->identifier.value);
    ACME2__REBASE(out->url);
    for (i = 0; i < out->n_challenges; i++) {
        ACME2__REBASE(out->challenges[i].type_str);
        ACME2__REBASE(out->challenges[i].url);
        ACME2__REBASE(out->challenges[i].token);
        ACME2__REBASE(out->challenges[i].issuer_domains);
    }
#undef ACME2__REBASE
    if (out->status == ACME2_STATUS_INVALID) {
        acme2__problem_parse(c, js, t, n, failed, 0);
        if (failed < 0) c->problem.type = ACME2_PROB_NONE;
        acme2__log(c, ACME2_LOG_WARN, "authorization invalid: ", c->problem.detail);
        return ACME2_ERR_INVALID;
    }
    return 0;
}

ACME2_DEF int acme2_authz_get_request(acme2_client *c, const char *url, acme2_http_request *req)
{
    return acme2_order_get_request(c, url, req);
}

ACME2_DEF int acme2_authz_get_response(acme2_client *c, acme2_authz *out)
{
    acme2_json_tok *t = NULL;
    int n = 0, rc = acme2__begin_json(c, 1, &t, &n);
    if (rc) return rc;
    return acme2__authz_parse(c, t, n, c->req_url, out);
}

ACME2_DEF int acme2_authz_get(acme2_client *c, const char *url, acme2_authz *out)
{
    ACME2__DRIVE(c, acme2_authz_get_request(c, url, &req_), acme2_authz_get_response(c, out));
}

ACME2_DEF int acme2_authz_poll(acme2_client *c, acme2_authz *a)
{
    long long deadline = acme2__now(c) + c->opt.poll_timeout;
    unsigned attempt = 0;
    if (!a->url || !a->url[0]) return ACME2_ERR_PARAM;
    while (a->status == ACME2_STATUS_PENDING) {
        int rc = acme2__poll_wait(c, attempt++, deadline);
        if (rc == 0) rc = acme2_authz_get(c, a->url, a);
        if (rc) return rc;
    }
    return 0;
}

#ifndef ACME2_NO_AUTHZ_ADMIN
ACME2_DEF int acme2_authz_new_request(acme2_client *c, const acme2_identifier *id, acme2_http_request *req)
{
    acme2_sb sb;
    int rc = acme2__prepare(c, 0, req);
    if (rc) return rc < 0 ? rc : 0;
    if (!c->dir.new_authz[0]) return ACME2_ERR_UNSUPPORTED; /* before a nonce is fetched for nothing */
    rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_jw_obj_begin(&sb);
    acme2_jw_key(&sb, "identifier");
    rc = acme2__identifier_json(&sb, id);
    if (rc) return rc;
    acme2_jw_obj_end(&sb);
    return acme2__post_sb(c, c->dir.new_authz, &sb, NULL, req);
}

ACME2_DEF int acme2_authz_new_response(acme2_client *c, acme2_authz *out)
{
    acme2_json_tok *t = NULL;
    int n = 0, rc = acme2__begin_json(c, 1, &t, &n);
    if (rc) return rc;
    if (c->resp.status != 201) return ACME2_ERR_HTTP;
    if (!c->resp.location[0]) return ACME2_ERR_NO_LOCATION;
    rc = acme2__url_ok(c, c->resp.location);
    if (rc) return rc;
    return acme2__authz_parse(c, t, n, c->resp.location, out);
}

ACME2_DEF int acme2_authz_new(acme2_client *c, const acme2_identifier *id, acme2_authz *out)
{
    ACME2__DRIVE(c, acme2_authz_new_request(c, id, &req_), acme2_authz_new_response(c, out));
}

ACME2_DEF int acme2_authz_new_subdomains_request(acme2_client *c, const acme2_identifier *id, acme2_http_request *req)
{
    acme2_sb sb;
    int rc;
    if (!id || !id->value) return ACME2_ERR_PARAM;
    if (id->type != ACME2_ID_DNS || id->value[0] == '*' || acme2_identifier_check(id)) return ACME2_ERR_IDENTIFIER;
    rc = acme2__prepare(c, 0, req);
    if (rc) return rc < 0 ? rc : 0;
    if (!c->dir.new_authz[0] || !c->dir.subdomain_auth_allowed) return ACME2_ERR_UNSUPPORTED;
    rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_jw_obj_begin(&sb);
    acme2_jw_key(&sb, "identifier");
    rc = acme2__identifier_json_ext(&sb, id, NULL, 1);
    if (rc) return rc;
    acme2_jw_obj_end(&sb);
    return acme2__post_sb(c, c->dir.new_authz, &sb, NULL, req);
}

ACME2_DEF int acme2_authz_new_subdomains(acme2_client *c, const acme2_identifier *id, acme2_authz *out)
{
    ACME2__DRIVE(c, acme2_authz_new_subdomains_request(c, id, &req_), acme2_authz_new_response(c, out));
}

ACME2_DEF int acme2_authz_deactivate_request(acme2_client *c, const char *url, acme2_http_request *req)
{
    acme2_sb sb;
    int rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_sb_puts(&sb, "{\"status\":\"deactivated\"}");
    return acme2__post_sb(c, url, &sb, NULL, req);
}

ACME2_DEF int acme2_authz_deactivate_response(acme2_client *c, acme2_authz *out)
{
    return acme2_authz_get_response(c, out);
}

ACME2_DEF int acme2_authz_deactivate(acme2_client *c, const char *url, acme2_authz *out)
{
    ACME2__DRIVE(c, acme2_authz_deactivate_request(c, url, &req_), acme2_authz_deactivate_response(c, out));
}
#endif

ACME2_DEF int acme2_challenge_accept_request(acme2_client *c, const char *url, acme2_http_request *req)
{
    acme2_sb sb;
    int rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_sb_puts(&sb, "{}");
    return acme2__post_sb(c, url, &sb, NULL, req);
}

ACME2_DEF int acme2_challenge_accept_response(acme2_client *c)
{
    acme2_json_tok *t = NULL;
    int n = 0, rc = acme2__begin_json(c, 1, &t, &n);
    if (rc) return rc;
    return acme2__status_member(c->resp.body, t, n, 0) < 0 ? ACME2_ERR_PROTOCOL : 0;
}

ACME2_DEF int acme2_challenge_accept(acme2_client *c, const char *url)
{
    ACME2__DRIVE(c, acme2_challenge_accept_request(c, url, &req_), acme2_challenge_accept_response(c));
}

/* ---- certificates ---- */

#ifndef ACME2_NO_CHAIN_LINKS
/* Alternate chains are optional extras: one whose URL the client would
   refuse (not https, too long) is dropped rather than failing the chain
   that did arrive. */
static void acme2__drop_insecure_links(acme2_client *c)
{
    acme2_http_response *r = &c->resp;
    size_t in = 0, out = 0;
    int i, kept = 0;
    for (i = 0; i < r->n_alternates && in < r->links_len; i++) {
        size_t n = strlen(r->links + in) + 1;
        if (acme2__url_ok(c, r->links + in) == 0) {
            memmove(r->links + out, r->links + in, n);
            out += n;
            kept++;
        }
        in += n;
    }
    r->links_len = out;
    r->n_alternates = kept;
}
#endif

ACME2_DEF int acme2_certificate_request(acme2_client *c, const char *url, acme2_http_request *req)
{
    int rc = acme2_order_get_request(c, url, req);
    if (rc == 0 && !c->pending) { /* the download itself, not a prerequisite */
        c->resp.sink = c->sink;
        c->resp.sink_user = c->sink_user;
    }
    return rc;
}

ACME2_DEF int acme2_certificate_response(acme2_client *c, const char **pem, size_t *pem_len)
{
    int rc;
    if (c->pending) return acme2__pending_response(c);
    rc = acme2__done(c, acme2__response_common(c, 1));
    if (rc) return rc;
    if (!acme2__ct_is(c, "application/pem-certificate-chain")) return ACME2_ERR_CONTENT_TYPE;
    if (c->resp.body_len == 0) return ACME2_ERR_PROTOCOL;
#ifndef ACME2_NO_CHAIN_LINKS
    acme2__drop_insecure_links(c);
#endif
    if (pem) *pem = c->resp.body;
    if (pem_len) *pem_len = c->resp.body_len;
    return 0;
}

ACME2_DEF int acme2_certificate_download(acme2_client *c, const char *url, const char **pem, size_t *pem_len)
{
    ACME2__DRIVE(c, acme2_certificate_request(c, url, &req_), acme2_certificate_response(c, pem, pem_len));
}

/* ---- the issuer through Link rel="up" ---- */
#ifndef ACME2_NO_CHAIN_LINKS

ACME2_DEF int acme2_certificate_issuer_request(acme2_client *c, const char *url, acme2_http_request *req)
{
    /* Like any ACME resource, POST-as-GET (RFC 8555 section 6.3); never
       streamed to the sink. */
    return acme2_order_get_request(c, url, req);
}

/* Appends DER as a PEM CERTIFICATE block to out[*len..size), or nothing. */
static int acme2__pem_append(char *out, size_t size, size_t *len, const unsigned char *der, size_t n)
{
    static const char head[] = "-----BEGIN CERTIFICATE-----\n", tail[] = "-----END CERTIFICATE-----\n";
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t elen = (n + 2) / 3 * 4, total = sizeof head - 1 + elen + (elen + 63) / 64 + sizeof tail - 1, o, i, col = 0;
    if (*len > size || size - *len < total) return ACME2_ERR_NOSPACE;
    o = *len;
    ACME2_MEMCPY(out + o, head, sizeof head - 1);
    o += sizeof head - 1;
    for (i = 0; i < n; i += 3) {
        unsigned long w = (unsigned long)der[i] << 16;
        size_t left = n - i;
        if (left > 1) w |= (unsigned long)der[i + 1] << 8;
        if (left > 2) w |= der[i + 2];
        out[o++] = b64[(w >> 18) & 63];
        out[o++] = b64[(w >> 12) & 63];
        out[o++] = left > 1 ? b64[(w >> 6) & 63] : '=';
        out[o++] = left > 2 ? b64[w & 63] : '=';
        if ((col += 4) == 64) { out[o++] = '\n'; col = 0; }
    }
    if (col) out[o++] = '\n';
    ACME2_MEMCPY(out + o, tail, sizeof tail - 1);
    o += sizeof tail - 1;
    *len = o;
    if (o < size) out[o] = 0;
    return 0;
}

ACME2_DEF int acme2_certificate_issuer_response(acme2_client *c, char *pem, size_t pem_size, size_t *pem_len)
{
    acme2_http_response *r = &c->resp;
    acme2_cert_info got, last;
    const unsigned char *der;
    unsigned char *scratch, *prev = NULL;
    size_t der_len, off, room, pos = 0, plen = 0;
    int rc, have_last = 0;
    if (!pem || !pem_len || *pem_len > pem_size) return ACME2_ERR_PARAM;
    if (c->pending) return acme2__pending_response(c);
    rc = acme2__done(c, acme2__response_common(c, 1));
    if (rc) return rc;
    if (r->body_len == 0) return ACME2_ERR_PROTOCOL;
    /* Decoded certificates go after the body in the work buffer. */
    off = (size_t)(r->body - c->work) + r->body_len;
    if (off > acme2__work_room(c)) return ACME2_ERR_NOSPACE;
    scratch = (unsigned char *)c->work + off;
    room = acme2__work_room(c) - off;
    if (acme2__ct_is(c, "application/pkix-cert")) {
        der = (const unsigned char *)r->body;
        der_len = r->body_len;
    } else if (acme2__ct_is(c, "application/pem-certificate-chain")) {
        size_t p0 = 0;
        rc = acme2_pem_cert_next(r->body, r->body_len, &p0, scratch, room, &der_len);
        if (rc < 0) return rc;
        if (rc == 0) return ACME2_ERR_PROTOCOL;
        der = scratch;
        scratch += der_len;
        room -= der_len;
    } else {
        return ACME2_ERR_CONTENT_TYPE;
    }
    if (acme2_cert_parse(&got, der, der_len)) return ACME2_ERR_DER;
    /* The chain so far: each certificate decoded in turn into the scratch;
       the fetched one must be none of them (a loop) and must have issued
       the last. */
    for (;;) {
        size_t n;
        rc = acme2_pem_cert_next(pem, *pem_len, &pos, scratch, room, &n);
        if (rc < 0) return rc;
        if (rc == 0) break;
        if (n == der_len && ACME2_MEMCMP(scratch, der, n) == 0) return ACME2_ERR_PROTOCOL;
        prev = scratch;
        plen = n;
        have_last = 1;
    }
    if (!have_last || acme2_cert_parse(&last, prev, plen)) return ACME2_ERR_DER;
    if (last.issuer_len != got.subject_len || ACME2_MEMCMP(last.issuer, got.subject, got.subject_len)) {
        acme2__log(c, ACME2_LOG_WARN, "Link rel=up names a certificate that did not issue the chain's last one", NULL);
        return ACME2_ERR_PROTOCOL;
    }
    return acme2__pem_append(pem, pem_size, pem_len, der, der_len);
}

static int acme2__issuer_fetch(acme2_client *c, const char *url, char *pem, size_t pem_size, size_t *pem_len)
{
    ACME2__DRIVE(c, acme2_certificate_issuer_request(c, url, &req_),
                 acme2_certificate_issuer_response(c, pem, pem_size, pem_len));
}

/* Whether the last certificate of a PEM chain is self-issued (a root):
   nothing above it to fetch. 1 yes, 0 no, or an error. */
static int acme2__chain_top_self_issued(acme2_client *c, const char *pem, size_t len)
{
    size_t pos = 0, n = 0, room = acme2__work_room(c), got = 0;
    unsigned char *der = (unsigned char *)c->work;
    acme2_cert_info ci;
    int rc;
    for (;;) {
        rc = acme2_pem_cert_next(pem, len, &pos, der, room, &n);
        if (rc < 0) return rc;
        if (rc == 0) break;
        got = n;
    }
    if (!got || acme2_cert_parse(&ci, der, got)) return ACME2_ERR_DER;
    return ci.issuer_len == ci.subject_len && ACME2_MEMCMP(ci.issuer, ci.subject, ci.subject_len) == 0;
}

ACME2_DEF int acme2_certificate_download_chain(acme2_client *c, const char *url, char *pem, size_t pem_size,
                                               size_t *pem_len)
{
    const char *chain;
    size_t len, have, pos = 0, n;
    char up[ACME2_MAX_URL + 1];
    acme2_sink_fn sink = c->sink;
    void *sink_user = c->sink_user;
    int rc, depth;
    if (!pem || !pem_len || !url) return ACME2_ERR_PARAM;
    c->sink = NULL;
    rc = acme2_certificate_download(c, url, &chain, &len);
    c->sink = sink;
    c->sink_user = sink_user;
    if (rc) return rc;
    if (len > pem_size) return ACME2_ERR_NOSPACE;
    ACME2_MEMCPY(pem, chain, len);
    if (len < pem_size) pem[len] = 0;
    have = len;
    /* Every certificate of what arrived must parse. */
    for (;;) {
        acme2_cert_info ci;
        rc = acme2_pem_cert_next(pem, have, &pos, (unsigned char *)c->work, acme2__work_room(c), &n);
        if (rc < 0) return rc;
        if (rc == 0) break;
        if (acme2_cert_parse(&ci, c->work, n)) return ACME2_ERR_DER;
    }
    if (pos == 0) return ACME2_ERR_PEM;
    for (depth = 0;; depth++) {
        const char *next = acme2_certificate_up(c);
        if (!next) break;
        rc = acme2__chain_top_self_issued(c, pem, have);
        if (rc < 0) return rc;
        if (rc == 1) break;
        if (depth == ACME2_MAX_UP_DEPTH) return ACME2_ERR_PROTOCOL;
        ACME2_MEMCPY(up, next, strlen(next) + 1);
        rc = acme2__issuer_fetch(c, up, pem, pem_size, &have);
        if (rc) return rc;
    }
    *pem_len = have;
    return 0;
}
#endif

#ifndef ACME2_NO_REVOKE
ACME2_DEF int acme2_revoke_request(acme2_client *c, const unsigned char *cert_der, size_t cert_len, int reason,
                                   const acme2_key *cert_key, acme2_http_request *req)
{
    acme2_sb sb;
    int rc;
    if (!cert_der || !cert_len || reason > 10) return ACME2_ERR_PARAM;
    rc = acme2__prepare(c, 0, req);
    if (rc) return rc < 0 ? rc : 0;
    if (!c->dir.revoke_cert[0]) return ACME2_ERR_UNSUPPORTED;
    rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_jw_obj_begin(&sb);
    acme2_jw_key(&sb, "certificate");
    acme2_jw_b64url(&sb, cert_der, cert_len);
    if (reason >= 0) { acme2_jw_key(&sb, "reason"); acme2_jw_int(&sb, reason); }
    acme2_jw_obj_end(&sb);
    return acme2__post_sb(c, c->dir.revoke_cert, &sb, cert_key, req);
}

ACME2_DEF int acme2_revoke_response(acme2_client *c)
{
    if (c->pending) return acme2__pending_response(c);
    return acme2__done(c, acme2__response_common(c, 1));
}

ACME2_DEF int acme2_revoke(acme2_client *c, const unsigned char *cert_der, size_t cert_len, int reason,
                           const acme2_key *cert_key)
{
    ACME2__DRIVE(c, acme2_revoke_request(c, cert_der, cert_len, reason, cert_key, &req_), acme2_revoke_response(c));
}
#endif

/* ---- renewal information ---- */

#ifndef ACME2_NO_ARI
ACME2_DEF int acme2_renewal_info_get_request(acme2_client *c, const char *cert_id, acme2_http_request *req)
{
    acme2_sb sb;
    size_t i, n;
    int rc;
    char *url;
    if (!cert_id) return ACME2_ERR_PARAM;
    rc = acme2__prepare(c, 0, req);
    if (rc) return rc < 0 ? rc : 0;
    if (!c->dir.renewal_info[0]) return ACME2_ERR_UNSUPPORTED;
    n = strlen(cert_id);
    /* The certificate ID is base64url "." base64url: nothing else may reach the path. */
    for (i = 0; i < n; i++)
        if (cert_id[i] != '.' && acme2__b64url_value((unsigned char)cert_id[i]) < 0) return ACME2_ERR_PARAM;
    url = c->work;
    acme2_sb_init(&sb, url, ACME2_MAX_URL + 1 < acme2__work_room(c) ? ACME2_MAX_URL + 1 : acme2__work_room(c));
    acme2_sb_puts(&sb, c->dir.renewal_info);
    if (sb.len && c->dir.renewal_info[sb.len - 1] != '/') acme2_sb_putc(&sb, '/');
    acme2_sb_puts(&sb, cert_id);
    rc = acme2_sb_finish(&sb);
    if (rc < 0) return rc;
    rc = acme2__get(c, "GET", url, req);
    if (rc) return rc;
    acme2__expect_response(c, (size_t)sb.len + 1);
    return 0;
}

ACME2_DEF int acme2_renewal_info_get_response(acme2_client *c, acme2_renewal_info *out)
{
    acme2_json_tok *t;
    const char *js;
    acme2_renewal_info ri;
    int n = 0, w, k, rc = acme2__begin_json(c, 0, &t, &n);
    if (rc) return rc;
    js = c->resp.body;
    ACME2_MEMSET(&ri, 0, sizeof ri);
    w = acme2_json_get(js, t, n, 0, "suggestedWindow");
    if (w < 0 || t[w].type != ACME2_JSON_OBJECT) return ACME2_ERR_PROTOCOL;
    if (acme2__time_member(js, t, n, w, "start", &ri.start) || acme2__time_member(js, t, n, w, "end", &ri.end) ||
        !ri.start || !ri.end || ri.end < ri.start)
        return ACME2_ERR_PROTOCOL;
    k = acme2_json_get(js, t, n, 0, "explanationURL");
    if (k >= 0 && (t[k].type != ACME2_JSON_STRING || acme2_json_str(js, &t[k], ri.explanation_url, sizeof ri.explanation_url) < 0))
        return ACME2_ERR_PROTOCOL;
    ri.retry_after = c->resp.retry_after;
    *out = ri;
    return 0;
}

ACME2_DEF int acme2_renewal_info_get(acme2_client *c, const char *cert_id, acme2_renewal_info *out)
{
    ACME2__DRIVE(c, acme2_renewal_info_get_request(c, cert_id, &req_), acme2_renewal_info_get_response(c, out));
}
#endif

/* ---- the account's orders list ---- */
#ifndef ACME2_NO_ORDERS_LIST

ACME2_DEF const char *acme2_orders_page_url(const acme2_orders_page *p, int i)
{
    if (!p || i < 0 || i >= p->n_orders) return NULL;
    return p->strings + p->off[i];
}

ACME2_DEF int acme2_orders_page_request(acme2_client *c, const char *url, acme2_http_request *req)
{
    return acme2_order_get_request(c, url, req);
}

ACME2_DEF int acme2_orders_page_response(acme2_client *c, acme2_orders_page *out)
{
    acme2_json_tok *t = NULL;
    acme2_orders_page *pg;
    const char *js;
    size_t off;
    int n = 0, k, i, e, rc = acme2__begin_json(c, 1, &t, &n);
    if (rc) return rc;
    if (!out) return ACME2_ERR_PARAM;
    js = c->resp.body;
    /* A scratch page past the tokens, so a bad page leaves out as it was. */
    off = acme2__align(c, (size_t)((const char *)(t + n) - c->work));
    if (off + sizeof *pg > acme2__work_room(c)) return ACME2_ERR_NOSPACE;
    pg = (acme2_orders_page *)(void *)(c->work + off);
    pg->n_orders = 0;
    pg->used = 0;
    pg->next[0] = 0;
    k = acme2_json_get(js, t, n, 0, "orders");
    if (k < 0 || t[k].type != ACME2_JSON_ARRAY) return ACME2_ERR_PROTOCOL;
    if (t[k].size > ACME2_MAX_ORDERS_PAGE) return ACME2_ERR_TOO_LARGE;
    for (e = 0, i = k + 1; e < t[k].size; e++, i = acme2_json_next(t, n, i)) {
        const char *s;
        if (t[i].type != ACME2_JSON_STRING) return ACME2_ERR_PROTOCOL;
        s = acme2__pack_json(pg->strings, sizeof pg->strings, &pg->used, js, &t[i]);
        if (!s) {
            rc = acme2__pack_error(js, &t[i]);
            return rc == ACME2_ERR_NOSPACE ? ACME2_ERR_TOO_LARGE : rc;
        }
        if ((rc = acme2__url_ok(c, s)) != 0) return rc;
        pg->off[pg->n_orders++] = (unsigned short)(s - pg->strings);
    }
    if (c->resp.link_next[0]) {
        if ((rc = acme2__url_ok(c, c->resp.link_next)) != 0) return rc;
        if (strcmp(c->resp.link_next, c->req_url) == 0) return ACME2_ERR_PROTOCOL;
        ACME2_MEMCPY(pg->next, c->resp.link_next, sizeof pg->next);
    }
    ACME2_MEMCPY(out, pg, sizeof *pg);
    return 0;
}

ACME2_DEF int acme2_orders_page_get(acme2_client *c, const char *url, acme2_orders_page *out)
{
    ACME2__DRIVE(c, acme2_orders_page_request(c, url, &req_), acme2_orders_page_response(c, out));
}

ACME2_DEF int acme2_account_orders(acme2_client *c, const char *url, int (*fn)(void *user, const char *order_url),
                                   void *user)
{
    acme2_orders_page page;
    char first[ACME2_MAX_URL + 1], cur[ACME2_MAX_URL + 1];
    int pages, i, rc;
    if (!url || !fn || strlen(url) > ACME2_MAX_URL) return ACME2_ERR_PARAM;
    ACME2_MEMCPY(first, url, strlen(url) + 1);
    ACME2_MEMCPY(cur, url, strlen(url) + 1);
    for (pages = 0; pages < ACME2_MAX_ORDER_PAGES; pages++) {
        rc = acme2_orders_page_get(c, cur, &page);
        if (rc) return rc;
        for (i = 0; i < page.n_orders; i++) {
            rc = fn(user, acme2_orders_page_url(&page, i));
            if (rc) return rc;
        }
        if (!page.next[0]) return 0;
        /* A page linking to itself is refused by the parser; one that links
           back to the start would go round for ever. */
        if (strcmp(page.next, first) == 0) return ACME2_ERR_PROTOCOL;
        ACME2_MEMCPY(cur, page.next, sizeof cur);
    }
    return ACME2_ERR_TOO_LARGE;
}
#endif

/* == issue == (implementation) */

static const int acme2__default_challenges[3] = { ACME2_CHALLENGE_HTTP_01, ACME2_CHALLENGE_DNS_01, ACME2_CHALLENGE_TLS_ALPN_01 };

/* Fills the strings of a challenge_info into buf (about 1 KB of stack in
   the caller). */
static int acme2__challenge_info(acme2_client *c, acme2_challenge_info *ci, char *buf, size_t cap)
{
    size_t used = 0;
    int n;
    char *ka = buf, *name, *value, *path;
#ifndef ACME2_NO_DNS_PERSIST
    if (ci->type == ACME2_CHALLENGE_DNS_PERSIST_01) {
        /* No token: the record binds the account, not one challenge. It
           names the directory's first issuer domain, which every
           dns-persist-01 challenge of this CA accepts (draft-ietf-acme-
           dns-persist-02 section 3.2; the parser demotes a challenge when
           the directory lacks them or the prefix, so this is not reached
           without both). */
        acme2_dns_persist01_record rec;
        char thumb[48];
        if (!c->have_dir || !c->dir.n_issuer_domains || !c->dir.account_hash_prefix[0]) return ACME2_ERR_UNSUPPORTED;
        n = acme2_jwk_thumbprint(c->key, thumb, sizeof thumb);
        if (n < 0) return n;
        ka[0] = 0;
        used = 1;
        name = buf + used;
        n = acme2_dns_persist01_name(ci->identifier.value, name, cap - used);
        if (n < 0) return n;
        used += (size_t)n + 1;
        value = buf + used;
        ACME2_MEMSET(&rec, 0, sizeof rec);
        rec.issuer_domain = acme2_directory_issuer_domain(&c->dir, 0);
        rec.account_hash_prefix = c->dir.account_hash_prefix;
        rec.account_url = c->kid;
        rec.thumbprint = thumb;
        rec.domain = ci->identifier.value;
        rec.wildcard = ci->wildcard;
        n = acme2_dns_persist01_txt(&rec, value, cap - used);
        if (n < 0) return n;
        used += (size_t)n + 1;
        if (used >= cap) return ACME2_ERR_NOSPACE;
        path = buf + used;
        path[0] = 0;
        ci->key_authorization = ka;
        ci->dns_name = name;
        ci->dns_value = value;
        ci->http_path = path;
        return 0;
    }
#endif
    n = acme2_key_authorization(c->key, ci->token, ka, cap);
    if (n < 0) return n;
    used = (size_t)n + 1;
    name = buf + used;
    name[0] = 0;
    if (ci->type == ACME2_CHALLENGE_DNS_01) n = acme2_dns01_name(ci->identifier.value, name, cap - used);
#ifndef ACME2_NO_DNS_ACCOUNT
    else if (ci->type == ACME2_CHALLENGE_DNS_ACCOUNT_01) n = acme2_dns_account01_name(c->kid, ci->identifier.value, name, cap - used);
#endif
    else n = 0;
    if (n < 0) return n;
    used += (size_t)n + 1;
    value = buf + used;
    value[0] = 0;
    if (ci->type == ACME2_CHALLENGE_DNS_01 || ci->type == ACME2_CHALLENGE_DNS_ACCOUNT_01) {
        /* dns-account-01 publishes the same digest as dns-01. */
        n = acme2_dns01_txt(c->key, ci->token, value, cap - used);
        if (n < 0) return n;
        used += (size_t)n + 1;
    } else {
        used += 1;
    }
    path = buf + used;
    path[0] = 0;
    if (ci->type == ACME2_CHALLENGE_HTTP_01) {
        n = acme2_http01_path(ci->token, path, cap - used);
        if (n < 0) return n;
    }
    ci->key_authorization = ka;
    ci->dns_name = name;
    ci->dns_value = value;
    ci->http_path = path;
    return 0;
}

/* ---- the leaf check ---- */

/* The subjectPKInfo TLV of a DER CSR: CertificationRequest ::= SEQUENCE {
   SEQUENCE { version INTEGER, subject Name, subjectPKInfo, ... }, ... }. */
static int acme2__csr_spki(const unsigned char *csr, size_t len, const unsigned char **spki, size_t *spki_len)
{
    acme2__dr r, req, info, item;
    const unsigned char *start;
    r.p = csr;
    r.n = len;
    if (acme2__dr_expect(&r, ACME2__T_SEQUENCE, &req) || acme2__dr_expect(&req, ACME2__T_SEQUENCE, &info) ||
        acme2__dr_expect(&info, ACME2__T_INTEGER, &item) || acme2__dr_expect(&info, ACME2__T_SEQUENCE, &item))
        return ACME2_ERR_DER;
    start = info.p;
    if (acme2__dr_expect(&info, ACME2__T_SEQUENCE, &item)) return ACME2_ERR_DER;
    *spki = start;
    *spki_len = (size_t)(info.p - start);
    return 0;
}

ACME2_DEF int acme2_chain_check(acme2_client *c, const char *pem, size_t len, const acme2_key *cert_key,
                                const unsigned char *csr, size_t csr_len, const acme2_identifier *ids, size_t n_ids)
{
    acme2_cert_info ci, more;
    size_t pos = 0, der_len = 0, off = 0, room;
    unsigned char *der;
    int rc, leaf_only;
    if (!c || !pem || !ids || !n_ids || (!cert_key && !csr)) return ACME2_ERR_PARAM;
    room = acme2__work_room(c);
    /* Scratch for one DER certificate: past the PEM when it sits in the
       work buffer (the usual case: a certificate response). */
    if ((uintptr_t)pem >= (uintptr_t)c->work && (uintptr_t)pem < (uintptr_t)(c->work + room))
        off = acme2__align(c, (size_t)(pem + len - c->work));
    if (off >= room) return ACME2_ERR_NOSPACE;
    der = (unsigned char *)c->work + off;
    /* With a sink only the leaf stayed in the buffer. */
    leaf_only = pem == c->resp.body && c->resp.body_len != c->resp.body_total;
    rc = acme2_pem_cert_next(pem, len, &pos, der, room - off, &der_len);
    if (rc == 0) return ACME2_ERR_PROTOCOL;
    if (rc < 0) return rc;
    rc = acme2_cert_parse(&ci, der, der_len);
    if (rc) return rc;
    if (cert_key) {
        rc = acme2_cert_key_match(&ci, cert_key);
        if (rc) return rc;
    } else {
        const unsigned char *spki;
        size_t spki_len;
        if (acme2__csr_spki(csr, csr_len, &spki, &spki_len)) return ACME2_ERR_DER;
        if (!acme2__der_spki_same(ci.spki, ci.spki_len, spki, spki_len)) return ACME2_ERR_CERT_KEY;
    }
    rc = acme2_cert_covers(&ci, ids, n_ids);
    if (rc || leaf_only) return rc;
    while ((rc = acme2_pem_cert_next(pem, len, &pos, der, room - off, &der_len)) == 1)
        if ((rc = acme2_cert_parse(&more, der, der_len)) != 0) return rc;
    return rc;
}

/* ---- the engine ---- */

/* Phases, in the order an issuance goes through them. */
enum {
    ACME2__PH_ORDER = 1,  /* resume or create the order */
    ACME2__PH_AUTHZ,      /* fetch each authorization, deploy, accept */
    ACME2__PH_POLL,       /* poll the order until it leaves "pending" */
    ACME2__PH_WHY,        /* an invalid order: find the failed authorization's error */
    ACME2__PH_CLEANUP,    /* CLEANUP events, then finalize or fail */
    ACME2__PH_FINALIZE,
    ACME2__PH_POLL2,      /* poll until "valid" */
    ACME2__PH_CERT,       /* download (the default chain first when an alternate is wanted) */
    ACME2__PH_DONE,
    ACME2__PH_FAILED
};

/* The request of each phase (the one in flight, or to resend). */
enum {
    ACME2__OP_RESUME = 1, ACME2__OP_NEW, ACME2__OP_AUTHZ, ACME2__OP_ACCEPT, ACME2__OP_POLL,
    ACME2__OP_WHY, ACME2__OP_FINALIZE, ACME2__OP_ALT, ACME2__OP_CERT, ACME2__OP_UP
};

/* Challenge records, packed in is->rec: state, type, wildcard, identifier
   type, authorization index (2 bytes), preference position, then
   identifier, token and challenge URL, each NUL-terminated. A record's
   offset is its DEPLOY id. Records are only appended, so ids stay put. */
#define ACME2__REC_HEAD 7
enum {
    ACME2__R_DEPLOYING = 1, /* DEPLOY asked, not answered */
    ACME2__R_READY,         /* published: to accept */
    ACME2__R_ACCEPTED,
    ACME2__R_FAILED,        /* the deploy failed: cleaned up all the same */
    ACME2__R_DECLINED,      /* the next preferred type is to be tried */
    ACME2__R_DEAD           /* cleaned up, or replaced after a decline */
};

static const char *acme2__rec_token(const char *r) { return r + ACME2__REC_HEAD + strlen(r + ACME2__REC_HEAD) + 1; }
static const char *acme2__rec_url(const char *r) { const char *t = acme2__rec_token(r); return t + strlen(t) + 1; }
static size_t acme2__rec_len(const char *r) { const char *u = acme2__rec_url(r); return (size_t)(u - r) + strlen(u) + 1; }
static int acme2__rec_authz(const char *r) { return (unsigned char)r[4] | ((unsigned char)r[5] << 8); }

/* The offset of the first record in state st at or after from, or -1. */
static int acme2__rec_find(const acme2_issuance *is, int st, size_t from)
{
    size_t pos = 0;
    while (pos < is->rec_used) {
        if (pos >= from && is->rec[pos] == st) return (int)pos;
        pos += acme2__rec_len(is->rec + pos);
    }
    return -1;
}

static int acme2__rec_add(acme2_issuance *is, const acme2_authz *a, const acme2_challenge *ch, int authz_i, int pos)
{
    size_t il = strlen(a->identifier.value), tl = strlen(ch->token), ul = strlen(ch->url);
    char *r;
    if (ACME2__REC_HEAD + il + tl + ul + 3 > sizeof is->rec - is->rec_used) return ACME2_ERR_NOSPACE;
    r = is->rec + is->rec_used;
    r[0] = ACME2__R_DEPLOYING;
    r[1] = (char)ch->type;
    r[2] = (char)a->wildcard;
    r[3] = (char)a->identifier.type;
    r[4] = (char)(authz_i & 0xff);
    r[5] = (char)(authz_i >> 8);
    r[6] = (char)pos;
    ACME2_MEMCPY(r + ACME2__REC_HEAD, a->identifier.value, il + 1);
    ACME2_MEMCPY(r + ACME2__REC_HEAD + il + 1, ch->token, tl + 1);
    ACME2_MEMCPY(r + ACME2__REC_HEAD + il + tl + 2, ch->url, ul + 1);
    is->rec_used += ACME2__REC_HEAD + il + tl + ul + 3;
    return (int)(r - is->rec);
}

/* Fills is->info for record r; its strings go into the work buffer. */
static int acme2__rec_info(acme2_issuance *is, const char *r, int failed)
{
    acme2_challenge_info *ci = &is->info;
    ci->type = r[1];
    ci->wildcard = r[2];
    ci->identifier.type = r[3];
    ci->identifier.value = r + ACME2__REC_HEAD;
    ci->token = acme2__rec_token(r);
    ci->failed = failed;
    is->event_id = (int)(r - is->rec);
    return acme2__challenge_info(is->c, ci, is->c->work, acme2__work_room(is->c));
}

/* 1 when the authorization is for one of the requested identifiers (a
   wildcard's authorization names the base domain with "wildcard": true).
   A server must not make the caller publish challenges for other names. */
static int acme2__authz_requested(const acme2_issue_params *p, const acme2_authz *a)
{
    size_t i;
    for (i = 0; i < p->n_ids; i++) {
        const acme2_identifier *id = &p->ids[i];
        const char *v = id->value;
        if (id->type != a->identifier.type) continue;
        /* RFC 9444: the authorization may be for the ancestor domain the
           order named for this identifier. */
        if (p->ancestor_domains && p->ancestor_domains[i] && !a->wildcard) {
            const char *x = p->ancestor_domains[i], *w = a->identifier.value;
            while (*x && acme2__lower((unsigned char)*x) == acme2__lower((unsigned char)*w)) { x++; w++; }
            if (!*x && !*w) return 1;
        }
        if (id->type == ACME2_ID_IP) {
            unsigned char x[16], y[16];
            int nx = acme2_ip_parse(v, x), ny = acme2_ip_parse(a->identifier.value, y);
            if (nx > 0 && nx == ny && ACME2_MEMCMP(x, y, (size_t)nx) == 0) return 1;
            continue;
        }
        if (a->wildcard) {
            if (v[0] != '*' || v[1] != '.') continue;
            v += 2;
        }
        {
            const char *w = a->identifier.value;
            while (*v && acme2__lower((unsigned char)*v) == acme2__lower((unsigned char)*w)) { v++; w++; }
            if (!*v && !*w) return 1;
        }
    }
    return 0;
}

/* Ends the issuance with err: challenges still published are cleaned up
   first (ACME2__PH_CLEANUP ends in ACME2__PH_FAILED when result is set). */
static void acme2__is_release_area(acme2_issuance *is);

static int acme2__is_fail(acme2_issuance *is, int err)
{
    acme2__is_release_area(is);
    if (!is->result) is->result = err;
    is->phase = ACME2__PH_CLEANUP;
    is->rec_pos = 0;
    return 0;
}

static void acme2__is_enter_poll(acme2_issuance *is, int phase)
{
    is->phase = phase;
    is->attempt = 0;
    is->deadline = acme2__now(is->c) + is->c->opt.poll_timeout;
    is->waiting = 0;
}

/* Offers the authorization in is->authz (order index authz_i) the preferred
   challenge types from position pos on. ACME2_STEP_DEPLOY, or an error. */
static int acme2__is_choose(acme2_issuance *is, int authz_i, size_t pos)
{
    const acme2_issue_params *p = is->p;
    const int *types = p->challenge_types ? p->challenge_types : acme2__default_challenges;
    size_t nt = p->challenge_types ? p->n_challenge_types : 3;
    const acme2_authz *a = &is->authz;
    for (; pos < nt; pos++) {
        const acme2_challenge *ch = acme2_authz_challenge(a, types[pos]);
        int id, rc;
        if (!ch) continue;
        id = acme2__rec_add(is, a, ch, authz_i, (int)pos);
        if (id < 0) return id;
        rc = acme2__rec_info(is, is->rec + id, 0);
        if (rc) {
            is->rec[id] = ACME2__R_DEAD;
            return rc;
        }
        acme2__log(is->c, ACME2_LOG_INFO, "deploying challenge for ", a->identifier.value);
        return ACME2_STEP_DEPLOY;
    }
    acme2__log(is->c, ACME2_LOG_ERROR, "no preferred challenge type could be deployed for ", a->identifier.value);
    return ACME2_ERR_UNSUPPORTED;
}

/* Builds the request of is->op into req. */
static int acme2__is_build(acme2_issuance *is, acme2_http_request *req)
{
    acme2_client *c = is->c;
    const acme2_issue_params *p = is->p;
    switch (is->op) {
    case ACME2__OP_RESUME:
        return acme2_order_get_request(c, p->resume_order, req);
    case ACME2__OP_NEW: {
        acme2_order_params op;
        ACME2_MEMSET(&op, 0, sizeof op);
        op.ids = p->ids;
        op.n_ids = p->n_ids;
        op.not_before = p->not_before;
        op.not_after = p->not_after;
        op.profile = p->profile;
        op.replaces = is->drop_replaces ? NULL : p->replaces;
        op.ancestor_domains = p->ancestor_domains;
        return acme2_order_new_request(c, &op, req);
    }
    case ACME2__OP_AUTHZ:
        return acme2_authz_get_request(c, acme2_order_authz(&is->order, is->loaded), req);
    case ACME2__OP_WHY:
        return acme2_authz_get_request(c, acme2_order_authz(&is->order, is->why), req);
    case ACME2__OP_ACCEPT:
        return acme2_challenge_accept_request(c, acme2__rec_url(is->rec + is->rec_pos), req);
    case ACME2__OP_POLL:
        return acme2_order_get_request(c, is->order.url, req);
    case ACME2__OP_FINALIZE: {
        const unsigned char *csr = p->csr ? p->csr : (const unsigned char *)&is->authz;
        return acme2_order_finalize_request(c, &is->order, csr, p->csr ? p->csr_len : is->chain_len, req);
    }
#ifndef ACME2_NO_CHAIN_LINKS
    case ACME2__OP_UP:
        return acme2_certificate_issuer_request(c, is->cert_url, req);
#endif
    default: /* ALT, CERT: only the wanted chain goes to the caller's sink */
        if (is->op == ACME2__OP_CERT) acme2_client_set_sink(c, p->sink, p->sink_user);
        else acme2_client_set_sink(c, NULL, NULL);
        return acme2_certificate_request(c, is->cert_url, req);
    }
}

/* Parses the answer to is->op. */
static int acme2__is_parse(acme2_issuance *is)
{
    acme2_client *c = is->c;
    int rc;
    switch (is->op) {
    case ACME2__OP_RESUME: case ACME2__OP_POLL: return acme2_order_get_response(c, &is->order);
    case ACME2__OP_NEW: return acme2_order_new_response(c, &is->order);
    case ACME2__OP_AUTHZ: case ACME2__OP_WHY: return acme2_authz_get_response(c, &is->authz);
    case ACME2__OP_ACCEPT: return acme2_challenge_accept_response(c);
    case ACME2__OP_FINALIZE: return acme2_order_finalize_response(c, &is->order);
#ifndef ACME2_NO_CHAIN_LINKS
    case ACME2__OP_UP: {
        char *area = c->work + c->work_size - c->work_limit;
        rc = acme2_certificate_issuer_response(c, area, is->area_size, &is->chain_len);
        is->chain = area;
        return rc;
    }
#endif
    default:
        rc = acme2_certificate_response(c, &is->chain, &is->chain_len);
        acme2_client_set_sink(c, is->keep_sink, is->keep_sink_user);
        return rc;
    }
}

/* Gives the work buffer back that held the chain while issuers were
   fetched. */
static void acme2__is_release_area(acme2_issuance *is)
{
    if (is->area_size) is->c->work_limit -= is->area_size;
    is->area_size = 0;
}

#ifndef ACME2_NO_CHAIN_LINKS
/* full_chain: the response named its issuer (Link rel="up"). Returns 0 to
   fetch it (OP_UP set), 1 when the chain is whole (its top is
   self-issued), or an error. The chain moves to the end of the work
   buffer first, which requests then leave alone. */
static int acme2__is_want_issuer(acme2_issuance *is)
{
    acme2_client *c = is->c;
    const char *up = acme2_certificate_up(c);
    int rc;
    if (!is->area_size) {
        size_t room = acme2__work_room(c), size = (room / 2) & ~(size_t)15;
        char *area = c->work + room - size;
        if (is->chain_len > size) return ACME2_ERR_NOSPACE;
        memmove(area, is->chain, is->chain_len);
        is->chain = area;
        is->area_size = size;
        c->work_limit += size;
    }
    rc = acme2__chain_top_self_issued(c, is->chain, is->chain_len);
    if (rc != 0) return rc;
    if (is->up_depth++ == ACME2_MAX_UP_DEPTH) return ACME2_ERR_PROTOCOL;
    if (!acme2__copy_value(is->cert_url, sizeof is->cert_url, up, strlen(up))) return ACME2_ERR_PROTOCOL;
    acme2__log(c, ACME2_LOG_INFO, "fetching the issuer ", is->cert_url);
    is->op = ACME2__OP_UP;
    is->resend = 1;
    return 0;
}
#endif

/* The order exists (made or resumed): authorize it if pending, else go
   straight to finalizing. */
static void acme2__is_order_known(acme2_issuance *is)
{
    if (is->order.status == ACME2_STATUS_PENDING) {
        is->phase = ACME2__PH_AUTHZ;
        is->next_authz = 0;
    } else {
        is->phase = ACME2__PH_CLEANUP;
        is->rec_pos = 0;
    }
}

/* Moves the issuance on after the answer to is->op (rc: the parser's
   result). Returns an ACME2_STEP_* event to hand out, 0 to go on, or an
   error for acme2__is_fail. */
static int acme2__is_after(acme2_issuance *is, int rc)
{
    acme2_client *c = is->c;
    const acme2_issue_params *p = is->p;
    int st;
    switch (is->op) {
    case ACME2__OP_RESUME:
        if (rc == 0 && is->order.status != ACME2_STATUS_INVALID) {
            acme2__log(c, ACME2_LOG_INFO, "resuming order ", is->order.url);
            acme2__is_order_known(is);
            return 0;
        }
        /* Only an order the server refused or failed is replaced: after a
           transport failure, a rate limit or a server error it may still
           be good, and a new order would cost the rate limit it is under. */
        if (rc == ACME2_ERR_TRANSPORT || rc == ACME2_ERR_TIMEOUT ||
            ((rc == ACME2_ERR_PROBLEM || rc == ACME2_ERR_HTTP) &&
             (c->problem.http_status == 429 || c->problem.http_status >= 500)))
            return rc;
        acme2__log(c, ACME2_LOG_INFO, "saved order unusable; creating a new one", NULL);
        is->op = ACME2__OP_NEW;
        is->resend = 1;
        return 0;
    case ACME2__OP_NEW:
        if (rc == ACME2_ERR_PROBLEM && c->problem.type == ACME2_PROB_ALREADY_REPLACED && p->replaces && !is->drop_replaces) {
            acme2__log(c, ACME2_LOG_WARN, "certificate already replaced; ordering without \"replaces\"", NULL);
            is->drop_replaces = 1;
            is->resend = 1;
            return 0;
        }
        if (rc) return rc;
        acme2__is_order_known(is);
        return ACME2_STEP_ORDER;
    case ACME2__OP_AUTHZ: {
        int redo = is->why; /* record being retried after a decline, or -1 */
        if (rc) return rc;
        is->why = -1;
        st = is->authz.status;
        if (redo >= 0) is->rec[redo] = ACME2__R_DEAD;
        if (st == ACME2_STATUS_VALID) return 0;
        if (st != ACME2_STATUS_PENDING) return ACME2_ERR_INVALID;
        if (!acme2__authz_requested(p, &is->authz)) {
            acme2__log(c, ACME2_LOG_ERROR, "authorization for an identifier that was not requested: ", is->authz.identifier.value);
            return ACME2_ERR_PROTOCOL;
        }
        return acme2__is_choose(is, is->loaded, redo >= 0 ? (size_t)(unsigned char)is->rec[redo + 6] + 1 : 0);
    }
    case ACME2__OP_ACCEPT:
        if (rc) return rc;
        is->rec[is->rec_pos] = ACME2__R_ACCEPTED;
        is->accepted++;
        return 0;
    case ACME2__OP_POLL:
        if (rc == ACME2_ERR_INVALID && c->problem.type == ACME2_PROB_NONE && is->phase == ACME2__PH_POLL &&
            is->order.n_authz > 0) {
            /* An order that failed validation rarely says why: Boulder and
               Pebble put the reason into the failed challenge. Fetch the
               authorizations until one carries it. */
            is->phase = ACME2__PH_WHY;
            is->why = 0;
            return 0;
        }
        return rc;
    case ACME2__OP_WHY:
        if ((rc == ACME2_ERR_INVALID && c->problem.type != ACME2_PROB_NONE) || ++is->why >= is->order.n_authz)
            return ACME2_ERR_INVALID;
        if (rc && rc != ACME2_ERR_INVALID) {
            c->problem.type = ACME2_PROB_NONE; /* not the reason: the lookup itself failed */
            return ACME2_ERR_INVALID;
        }
        return 0;
    case ACME2__OP_FINALIZE:
        if (rc) return rc;
        acme2__is_enter_poll(is, ACME2__PH_POLL2);
        return 0;
#ifndef ACME2_NO_CHAIN_LINKS
    case ACME2__OP_ALT: {
        /* The default chain's Link headers name the alternates. */
        const char *alt = rc ? NULL : acme2_certificate_alternate(c, p->chain - 1);
        if (rc) return rc;
        if (!alt) return ACME2_ERR_NOT_FOUND;
        acme2__copy_value(is->cert_url, sizeof is->cert_url, alt, strlen(alt));
        acme2__log(c, ACME2_LOG_INFO, "downloading ", is->cert_url);
        is->op = ACME2__OP_CERT;
        is->resend = 1;
        return 0;
    }
#endif
    default: /* CERT, UP */
        if (rc) return rc;
#ifndef ACME2_NO_CHAIN_LINKS
        if (p->full_chain && acme2_certificate_up(c)) {
            rc = acme2__is_want_issuer(is);
            if (rc <= 0) return rc;
        }
#endif
        /* Handed out only once checked. */
        rc = acme2_chain_check(c, is->chain, is->chain_len, p->cert_key, p->csr, p->csr_len, p->ids, p->n_ids);
        if (rc) return rc;
        is->phase = ACME2__PH_DONE;
        acme2__is_release_area(is);
        acme2__log(c, ACME2_LOG_INFO, "certificate issued", NULL);
        return ACME2_STEP_DONE;
    }
}

/* Every fetch params.fetches announced for the accepted challenges came
   (or none was announced). */
static int acme2__is_fetches_in(const acme2_issuance *is)
{
    return is->fetched >= (unsigned long long)is->p->fetches * is->accepted;
}

/* The wait after a fetch seen: the settle time once every expected fetch
   came (a poll that still finds the order pending is then followed by one
   after the 1 s step), else the fallback. */
static long long acme2__is_seen_wait(acme2_issuance *is)
{
    is->seen = 0;
    if (acme2__is_fetches_in(is)) {
        is->attempt = 1;
        return ACME2_SEEN_SETTLE_MS;
    }
    return ACME2_SEEN_FALLBACK_MS;
}

/* The wait before the next order poll, or ACME2_ERR_TIMEOUT when it would
   end past the deadline. A CA fetch seen (and no Retry-After from the
   server, which stays authoritative) shortens it to the settle time, or
   the fallback while params.fetches are still expected; those expected
   fetches also keep the blind schedule from polling before the fallback. */
static int acme2__is_poll_wait(acme2_issuance *is)
{
    acme2_client *c = is->c;
    long long d;
    int blind = c->resp.retry_after < 0;
    if (is->phase == ACME2__PH_POLL && blind && is->seen) {
        d = acme2__is_seen_wait(is);
    } else if (is->phase == ACME2__PH_POLL2 && is->attempt == 0 && blind) {
        d = ACME2_FINALIZE_POLL_MS;
        is->attempt++;
    } else {
        d = acme2__poll_delay_ms(c, is->attempt++);
        if (is->phase == ACME2__PH_POLL && blind && d < ACME2_SEEN_FALLBACK_MS && !acme2__is_fetches_in(is))
            d = ACME2_SEEN_FALLBACK_MS;
    }
    if (acme2__now(c) + (d + 999) / 1000 > is->deadline) return ACME2_ERR_TIMEOUT;
    is->wait_ms = d;
    is->waiting = c->resp.retry_after < 0 ? 1 : 2; /* 2: Retry-After, not cut short */
    return ACME2_STEP_WAIT;
}

/* acme2_shared.nonce_window: the next request would need a newNonce HEAD
   while the window's worth of the group's requests are in flight, whose
   answers bring nonces. Every engine request is a POST (or its HEAD); only
   a client without any directory yet goes out without a nonce. */
static int acme2__is_nonce_wait(const acme2_issuance *is)
{
    const acme2_client *c = is->c;
    const acme2_shared *sh = c->shared;
    return sh && !is->blocking && sh->nonce_window > 0 && (c->have_dir || sh->have_dir) && !c->nonce[0] &&
           sh->n_nonces == 0 && sh->in_flight >= sh->nonce_window;
}

/* The answer to the request in flight is in (or the issuance ends): it no
   longer counts against the group's window. */
static void acme2__is_uncount(acme2_issuance *is)
{
    if (is->counted && is->counted->in_flight > 0) is->counted->in_flight--;
    is->counted = NULL;
}

/* Decides what comes next once nothing is in flight: a request (built into
   req: ACME2_STEP_HTTP), an event, or 0 to look again; errors go to
   acme2__is_fail. */
static int acme2__is_next(acme2_issuance *is, acme2_http_request *req)
{
    acme2_client *c = is->c;
    const acme2_issue_params *p = is->p;
    int k, rc;
    if (is->resend) {
        if (acme2__is_nonce_wait(is)) return ACME2_STEP_IDLE;
        is->resend = 0;
        rc = acme2__is_build(is, req);
        if (rc) return rc;
        is->inflight = 1;
        if (c->shared && req->method[0] != 'G') {
            c->shared->in_flight++;
            is->counted = c->shared;
        }
        return ACME2_STEP_HTTP;
    }
    switch (is->phase) {
    case ACME2__PH_AUTHZ:
        if ((k = acme2__rec_find(is, ACME2__R_READY, 0)) >= 0) {
            is->rec_pos = (size_t)k;
            is->op = ACME2__OP_ACCEPT;
            is->resend = 1;
            return 0;
        }
        if ((k = acme2__rec_find(is, ACME2__R_DECLINED, 0)) >= 0) {
            int ai = acme2__rec_authz(is->rec + k);
            if (ai == is->loaded) {
                /* The authorization is still at hand: no need to fetch it.
                   The last record (always so when deploys are answered at
                   once) gives its room back. */
                size_t next = (size_t)(unsigned char)is->rec[k + 6] + 1;
                is->rec[k] = ACME2__R_DEAD;
                if ((size_t)k + acme2__rec_len(is->rec + k) == is->rec_used) is->rec_used = (size_t)k;
                return acme2__is_choose(is, ai, next);
            }
            is->why = k;
            is->loaded = ai;
            is->op = ACME2__OP_AUTHZ;
            is->resend = 1;
            return 0;
        }
        if (is->next_authz < is->order.n_authz) {
            is->why = -1;
            is->loaded = is->next_authz++;
            is->op = ACME2__OP_AUTHZ;
            is->resend = 1;
            return 0;
        }
        if (acme2__rec_find(is, ACME2__R_DEPLOYING, 0) >= 0) return ACME2_STEP_IDLE;
        acme2__is_enter_poll(is, ACME2__PH_POLL);
        return 0;
    case ACME2__PH_POLL: case ACME2__PH_POLL2:
        if (is->order.status == ACME2_STATUS_PENDING || is->order.status == ACME2_STATUS_PROCESSING) {
            if (is->waiting) {
                is->waiting = 0;
                is->op = ACME2__OP_POLL;
                is->resend = 1;
                return 0;
            }
            return acme2__is_poll_wait(is);
        }
        if (is->phase == ACME2__PH_POLL) {
            is->phase = ACME2__PH_CLEANUP;
            is->rec_pos = 0;
            return 0;
        }
        if (is->order.status != ACME2_STATUS_VALID) return ACME2_ERR_INVALID;
        if (!acme2__copy_value(is->cert_url, sizeof is->cert_url, is->order.certificate, strlen(is->order.certificate)))
            return ACME2_ERR_PROTOCOL;
        is->phase = ACME2__PH_CERT;
        is->op = p->chain > 0 ? ACME2__OP_ALT : ACME2__OP_CERT;
        if (is->op == ACME2__OP_CERT) acme2__log(c, ACME2_LOG_INFO, "downloading ", is->cert_url);
        is->resend = 1;
        return 0;
    case ACME2__PH_WHY:
        is->op = ACME2__OP_WHY;
        is->resend = 1;
        return 0;
    case ACME2__PH_CLEANUP: {
        /* Challenges are cleaned up as soon as the order left "pending",
           and on any failure; a failure of the cleanup cannot undo
           issuance. */
        int failed = is->result != 0 || is->order.status == ACME2_STATUS_INVALID;
        while (is->rec_pos < is->rec_used) {
            char *r = is->rec + is->rec_pos;
            is->rec_pos += acme2__rec_len(r);
            if (r[0] == ACME2__R_DECLINED || r[0] == ACME2__R_DEAD) continue;
            r[0] = ACME2__R_DEAD;
            if (acme2__rec_info(is, r, failed) == 0) return ACME2_STEP_CLEANUP;
        }
        is->rec_used = 0;
        if (is->result) {
            is->phase = ACME2__PH_FAILED;
            return is->result;
        }
        if (is->order.status == ACME2_STATUS_INVALID) return ACME2_ERR_INVALID;
        if (is->order.status == ACME2_STATUS_READY) {
            if (!p->csr) {
                /* The authorization and the records are done with: the CSR
                   goes where they were. */
                size_t room = (size_t)((char *)is + sizeof *is - (char *)&is->authz);
                rc = acme2_csr_der((unsigned char *)&is->authz, room, p->cert_key, p->ids, p->n_ids, 0);
                if (rc < 0) return rc;
                is->chain_len = (size_t)rc;
            }
            acme2__log(c, ACME2_LOG_INFO, "finalizing ", is->order.url);
            is->phase = ACME2__PH_FINALIZE;
            is->op = ACME2__OP_FINALIZE;
            is->resend = 1;
            return 0;
        }
        if (is->order.status != ACME2_STATUS_PROCESSING && is->order.status != ACME2_STATUS_VALID)
            return ACME2_ERR_PROTOCOL;
        acme2__is_enter_poll(is, ACME2__PH_POLL2);
        return 0;
    }
    default:
        return ACME2_ERR_STATE;
    }
}

ACME2_DEF int acme2_issuance_start(acme2_issuance *is, acme2_client *c, const acme2_issue_params *p)
{
    if (!is || !c || !p || !p->ids || !p->n_ids || (!p->cert_key && !p->csr)) return ACME2_ERR_PARAM;
    if (p->csr && !p->csr_len) return ACME2_ERR_PARAM;
    if (p->full_chain && p->sink) return ACME2_ERR_PARAM; /* the issuers are appended in the work buffer */
#ifdef ACME2_NO_CHAIN_LINKS
    if (p->full_chain || p->chain) return ACME2_ERR_UNSUPPORTED;
#endif
    ACME2_MEMSET(is, 0, offsetof(acme2_issuance, order));
    is->c = c;
    is->p = p;
    is->phase = ACME2__PH_ORDER;
    is->op = (p->resume_order && p->resume_order[0]) ? ACME2__OP_RESUME : ACME2__OP_NEW;
    is->resend = 1;
    is->loaded = is->why = -1;
    is->keep_sink = c->sink;
    is->keep_sink_user = c->sink_user;
    is->order.used = 0;
    is->order.n_authz = 0;
    is->order.status = ACME2_STATUS_UNKNOWN;
    is->order.url = is->order.finalize = is->order.certificate = "";
    is->authz.used = 0;
    return 0;
}

ACME2_DEF int acme2_issuance_step(acme2_issuance *is, acme2_http_request *req)
{
    int rc;
    if (!is || !is->c || !req) return ACME2_ERR_PARAM;
    if (is->phase == ACME2__PH_DONE) return ACME2_STEP_DONE;
    if (is->phase == ACME2__PH_FAILED) return is->result;
    if (is->inflight) {
        is->inflight = 0;
        acme2__is_uncount(is);
        rc = acme2__is_parse(is);
        if (rc == ACME2_AGAIN) {
            /* Prerequisites, badNonce and 429/503: the pairs' retry budgets
               bound this; the guard catches a server that never settles. */
            if (++is->again > 64) {
                acme2__is_fail(is, ACME2_ERR_PROTOCOL);
            } else {
                is->resend = 1;
                if (is->c->wait > 0) {
                    is->wait_ms = is->c->wait * 1000;
                    return ACME2_STEP_WAIT;
                }
            }
        } else if (is->result) {
            acme2__is_fail(is, is->result); /* a deploy failed meanwhile */
        } else {
            is->again = 0;
            rc = acme2__is_after(is, rc);
            if (rc < 0) acme2__is_fail(is, rc);
            else if (rc > 0) return rc;
        }
    } else if (is->waiting && is->seen && is->phase == ACME2__PH_POLL) {
        /* Woken by acme2_issuance_validation_seen: wait for the CA's last
           vantage point, then poll. A Retry-After wait is not cut short:
           it is asked for again. */
        if (is->waiting == 1) is->wait_ms = acme2__is_seen_wait(is);
        is->seen = 0;
        return ACME2_STEP_WAIT;
    }
    for (;;) {
        if (is->result && is->phase != ACME2__PH_CLEANUP && is->phase != ACME2__PH_FAILED) acme2__is_fail(is, is->result);
        rc = acme2__is_next(is, req);
        if (rc > 0) return rc;
        if (rc < 0) {
            if (is->phase == ACME2__PH_FAILED) return rc;
            acme2__is_fail(is, rc);
        }
    }
}

ACME2_DEF const acme2_challenge_info *acme2_issuance_challenge(const acme2_issuance *is) { return &is->info; }
ACME2_DEF int acme2_issuance_challenge_id(const acme2_issuance *is) { return is->event_id; }
ACME2_DEF long long acme2_issuance_wait_ms(const acme2_issuance *is) { return is->wait_ms; }
ACME2_DEF const acme2_order *acme2_issuance_order(const acme2_issuance *is) { return &is->order; }

ACME2_DEF int acme2_issuance_deployed(acme2_issuance *is, int id, int rc)
{
    if (!is || id < 0 || acme2__rec_find(is, ACME2__R_DEPLOYING, (size_t)id) != id) return ACME2_ERR_STATE;
    if (rc == 0) {
        is->rec[id] = ACME2__R_READY;
    } else if (rc > 0) {
        is->rec[id] = ACME2__R_DECLINED;
    } else {
        is->rec[id] = ACME2__R_FAILED;
        if (!is->result) is->result = ACME2_ERR_CALLBACK;
    }
    return 0;
}

ACME2_DEF void acme2_issuance_validation_seen(acme2_issuance *is)
{
    if (is) {
        is->seen = 1;
        is->fetched++;
    }
}

ACME2_DEF unsigned acme2_issuance_fetches(const acme2_issuance *is)
{
    return is && is->accepted ? is->fetched / is->accepted : 0;
}

ACME2_DEF int acme2_issuance_chain(const acme2_issuance *is, const char **pem, size_t *pem_len)
{
    if (!is || is->phase != ACME2__PH_DONE) return ACME2_ERR_STATE;
    if (pem) *pem = is->chain;
    if (pem_len) *pem_len = is->chain_len;
    return 0;
}

ACME2_DEF void acme2_issuance_reset(acme2_issuance *is)
{
    if (!is) return;
    acme2__is_uncount(is);
    acme2_wipe(is, sizeof *is);
}

/* ---- the blocking loop ---- */

ACME2_DEF int acme2_issuance_run(acme2_issuance *is, acme2_client *c, const acme2_issue_params *p,
                                 const char **pem, size_t *pem_len)
{
    acme2_http_request req;
    int rc;
    if (!pem || !pem_len) return ACME2_ERR_PARAM;
    rc = acme2_issuance_start(is, c, p);
    if (rc == 0) is->blocking = 1;
    while (rc == 0) {
        int ev = acme2_issuance_step(is, &req);
        const acme2_challenge_info *ci = &is->info;
        switch (ev) {
        case ACME2_STEP_HTTP: {
            int t = acme2__send(c, &req);
            if (t < 0) acme2_response_fail(&c->resp, t);
            break;
        }
        case ACME2_STEP_DEPLOY:
            acme2_issuance_deployed(is, is->event_id, p->deploy ? p->deploy(p->user, ci) : ACME2_ERR_PARAM);
            break;
        case ACME2_STEP_CLEANUP:
            if (p->cleanup) p->cleanup(p->user, ci);
            break;
        case ACME2_STEP_ORDER:
            if (p->on_order) p->on_order(p->user, is->order.url);
            break;
        case ACME2_STEP_WAIT:
            if (p->wait) {
                long long ms = is->wait_ms > 86400000LL ? 86400000LL : is->wait_ms;
                int n = p->wait(p->user, (unsigned)ms);
                if (n > 0) {
                    acme2_issuance_validation_seen(is);
                    is->fetched += (unsigned)n - 1;
                }
            } else {
                acme2__sleep_ms(c, is->wait_ms);
            }
            break;
        case ACME2_STEP_DONE:
            acme2_issuance_chain(is, pem, pem_len);
            rc = 1;
            break;
        default: /* IDLE cannot happen: every deploy is answered at once */
            rc = ev < 0 ? ev : ACME2_ERR_STATE;
            break;
        }
    }
    return rc == 1 ? 0 : rc;
}

ACME2_DEF int acme2_issue(acme2_client *c, const acme2_issue_params *p, const char **pem, size_t *pem_len)
{
    acme2_issuance *is;
    size_t need = sizeof *is + 16, off;
    int rc;
    if (!c || !p || !p->ids || !p->n_ids || !pem || !pem_len || (!p->cert_key && !p->csr)) return ACME2_ERR_PARAM;
    if (c->work_limit) return ACME2_ERR_STATE;
    if (need + 2048 > c->work_size) return ACME2_ERR_NOSPACE;
    /* The issuance lives at the end of the work buffer, so that one buffer
       is all the caller provides. */
    off = acme2__align(c, c->work_size - need);
    if (off + sizeof *is > c->work_size) off -= 16;
    is = (acme2_issuance *)(void *)(c->work + off);
    c->work_limit = c->work_size - off;
    rc = acme2_issuance_run(is, c, p, pem, pem_len);
    acme2_wipe(is, sizeof *is);
    c->work_limit = 0;
    return rc;
}

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
