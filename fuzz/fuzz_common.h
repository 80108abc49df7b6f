/* Shared by the fuzz targets (fuzz/fuzz_*.c), the seed capture tool
   (fuzz/capture.c) and the regression replay (tests/test_fuzz_regress.c).
   Include after acme2.h (with ACME2_IMPLEMENTATION defined).

   Invariant checks use FUZZ_ASSERT: under libFuzzer a violation prints the
   condition and aborts (libFuzzer then saves the input); in the regression
   test (FUZZ_REGRESS defined) it jumps back to the replay loop, which
   reports the file as a failed check and goes on with the next one.

   Response records, the input format of fuzz_responses and fuzz_flow:
       one status byte   FUZZ_STATUS_FAIL: the transport fails after pushing
                         the record; otherwise the HTTP status is
                         fuzz_statuses[byte % FUZZ_N_STATUSES]
       header lines      "Name: value\n" (or "HTTP/1.1 200 OK\n"), pushed
                         through acme2_response_header_line, up to the first
                         empty line (which is consumed)
       body              every byte up to FUZZ_SEP or the end of the input
       FUZZ_SEP          "\n%%%%\n", ends the body when another record follows
*/
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define FUZZ_UNUSED __attribute__((unused))
#else
#define FUZZ_UNUSED
#endif

/* ---- invariant checks ---- */

#ifdef FUZZ_REGRESS
#include <setjmp.h>
static jmp_buf fuzz__jmp;
static int fuzz__armed;
static char fuzz__why[512];
#endif

FUZZ_UNUSED static void fuzz__fail(const char *file, int line, const char *cond)
{
#ifdef FUZZ_REGRESS
    snprintf(fuzz__why, sizeof fuzz__why, "%s:%d: invariant violated: %s", file, line, cond);
    if (fuzz__armed) longjmp(fuzz__jmp, 1);
#endif
    fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, cond);
    fflush(stderr);
    abort();
}

#define FUZZ_ASSERT(cond) do { if (!(cond)) fuzz__fail(__FILE__, __LINE__, #cond); } while (0)

/* rc is one of the ACME2_ERR_* codes (a negative value the error list names). */
FUZZ_UNUSED static int fuzz_is_err(long long rc)
{
    return rc < 0 && rc > -1000 && strcmp(acme2_strerror((int)rc), "unknown error") != 0;
}

/* s is a NUL-terminated string lying wholly inside [area, area + cap). */
FUZZ_UNUSED static int fuzz_str_in(const char *s, const void *area, size_t cap)
{
    const char *a = (const char *)area;
    if (!s || s < a || s >= a + cap) return 0;
    return memchr(s, 0, (size_t)(a + cap - s)) != NULL;
}

/* s is NULL-free text of at most max bytes (NUL-terminated within max+1). */
FUZZ_UNUSED static int fuzz_str_bounded(const char *s, size_t max)
{
    return s && memchr(s, 0, max + 1) != NULL;
}

/* ---- deterministic keys ---- */

/* Keys made from a fixed seed, so every run (and the capture tool, which
   gets real certificates for them from Pebble) sees the same keys. */
static acme2_key fuzz__account_key, fuzz__cert_key;
static int fuzz__keys_ready;

FUZZ_UNUSED static void fuzz_keys_init(void)
{
    br_hmac_drbg_context drbg;
    static const char seed_a[] = "acme2.h fuzz account key, fixed seed";
    static const char seed_c[] = "acme2.h fuzz certificate key, fixed seed";
    if (fuzz__keys_ready) return;
    br_hmac_drbg_init(&drbg, &br_sha256_vtable, seed_a, sizeof seed_a - 1);
    if (acme2_key_generate(&fuzz__account_key, ACME2_KEY_EC, 256, &drbg.vtable) != 0) fuzz__fail(__FILE__, __LINE__, "account key");
    br_hmac_drbg_init(&drbg, &br_sha256_vtable, seed_c, sizeof seed_c - 1);
    if (acme2_key_generate(&fuzz__cert_key, ACME2_KEY_EC, 256, &drbg.vtable) != 0) fuzz__fail(__FILE__, __LINE__, "cert key");
    fuzz__keys_ready = 1;
}

FUZZ_UNUSED static const acme2_key *fuzz_account_key(void) { fuzz_keys_init(); return &fuzz__account_key; }
FUZZ_UNUSED static const acme2_key *fuzz_cert_key(void) { fuzz_keys_init(); return &fuzz__cert_key; }

/* ---- fake time ---- */

#define FUZZ_EPOCH 1767225600LL /* 2026-01-01T00:00:00Z */
static long long fuzz_now = FUZZ_EPOCH;
FUZZ_UNUSED static long long fuzz_clock(void *u) { (void)u; return fuzz_now; }
FUZZ_UNUSED static void fuzz_sleep(void *u, unsigned ms) { (void)u; fuzz_now += (ms + 999) / 1000; }

/* ---- response records ---- */

#define FUZZ_SEP "\n%%%%\n"
#define FUZZ_SEP_LEN 6
#define FUZZ_STATUS_FAIL 0xff
#define FUZZ_N_STATUSES 20

/* The status byte of a seed is the index here (0: 200, 1: 201, ...). */
static const int fuzz_statuses[FUZZ_N_STATUSES] = {
    200, 201, 204, 202, 400, 401, 403, 404, 405, 409,
    413, 429, 500, 503, 299, 100, 302, 599, 99, 600
};

typedef struct fuzz_in {
    const unsigned char *p;
    size_t n;
} fuzz_in;

typedef struct fuzz_record {
    int status;
    int fail;
    const char *headers;   /* the header lines, each ending in '\n' (the last may not) */
    size_t headers_len;
    const char *body;
    size_t body_len;
} fuzz_record;

FUZZ_UNUSED static const unsigned char *fuzz__find(const unsigned char *p, size_t n, const char *needle, size_t nl)
{
    size_t i;
    if (n < nl) return NULL;
    for (i = 0; i + nl <= n; i++)
        if (p[i] == (unsigned char)needle[0] && memcmp(p + i, needle, nl) == 0) return p + i;
    return NULL;
}

/* Takes the next record off the input; 0 when the input is used up. */
FUZZ_UNUSED static int fuzz_next_record(fuzz_in *in, fuzz_record *r)
{
    const unsigned char *sep;
    size_t i;
    unsigned b;
    if (in->n == 0) return 0;
    b = in->p[0];
    in->p++;
    in->n--;
    r->fail = b == FUZZ_STATUS_FAIL;
    r->status = fuzz_statuses[b % FUZZ_N_STATUSES];
    /* header lines up to an empty line */
    r->headers = (const char *)in->p;
    i = 0;
    for (;;) {
        size_t s = i, e;
        while (i < in->n && in->p[i] != '\n') i++;
        e = i;
        if (e > s && in->p[e - 1] == '\r') e--;
        if (e == s) { /* empty line or end of input */
            r->headers_len = s;
            if (i < in->n) i++;
            break;
        }
        if (i == in->n) { r->headers_len = i; break; }
        i++;
    }
    in->p += i;
    in->n -= i;
    sep = fuzz__find(in->p, in->n, FUZZ_SEP, FUZZ_SEP_LEN);
    r->body = (const char *)in->p;
    r->body_len = sep ? (size_t)(sep - in->p) : in->n;
    i = sep ? r->body_len + FUZZ_SEP_LEN : in->n;
    in->p += i;
    in->n -= i;
    return 1;
}

/* Pushes a record into resp as a transport would. Returns 0, the first
   negative value a push function returned, or ACME2_ERR_TRANSPORT for a
   failing record. The body goes in uneven chunks (1 byte, then 61s) so
   chunk boundaries land everywhere. */
FUZZ_UNUSED static int fuzz_push_record(acme2_http_response *resp, const fuzz_record *r)
{
    size_t i = 0, chunk = 1;
    int rc = acme2_response_status(resp, r->status);
    if (rc < 0) return rc;
    while (i < r->headers_len) {
        size_t s = i;
        while (i < r->headers_len && r->headers[i] != '\n') i++;
        if (i < r->headers_len) i++;
        rc = acme2_response_header_line(resp, r->headers + s, i - s);
        if (rc < 0) return rc;
    }
    for (i = 0; i < r->body_len; i += chunk, chunk = 61) {
        size_t n = r->body_len - i < chunk ? r->body_len - i : chunk;
        rc = acme2_response_body(resp, r->body + i, n);
        if (rc < 0) return rc;
    }
    if (r->fail) return ACME2_ERR_TRANSPORT;
    return 0;
}

/* ---- checks on what the response parsers leave behind ---- */

/* The fields of an http response stay within their bounds. */
FUZZ_UNUSED static void fuzz_check_response(const acme2_http_response *r)
{
    size_t i, off = 0;
    int k;
    FUZZ_ASSERT(fuzz_str_bounded(r->nonce, ACME2_MAX_NONCE));
    FUZZ_ASSERT(fuzz_str_bounded(r->location, ACME2_MAX_URL));
    FUZZ_ASSERT(fuzz_str_bounded(r->content_type, ACME2_MAX_CONTENT_TYPE));
    for (i = 0; r->content_type[i]; i++)
        FUZZ_ASSERT(!(r->content_type[i] >= 'A' && r->content_type[i] <= 'Z'));
    for (i = 0; r->location[i]; i++)
        FUZZ_ASSERT((unsigned char)r->location[i] > 0x20 && (unsigned char)r->location[i] < 0x7f);
    FUZZ_ASSERT(r->retry_after >= -1);
    FUZZ_ASSERT(r->body_len <= r->body_cap);
    FUZZ_ASSERT(r->body_len <= r->body_total);
    FUZZ_ASSERT(r->links_len <= sizeof r->links);
    FUZZ_ASSERT(r->n_alternates >= 0 && r->n_alternates <= ACME2_MAX_ALT_CHAINS);
    for (k = 0; k < r->n_alternates; k++) {
        FUZZ_ASSERT(off < r->links_len);
        FUZZ_ASSERT(memchr(r->links + off, 0, r->links_len - off) != NULL);
        off += strlen(r->links + off) + 1;
    }
    FUZZ_ASSERT(off == r->links_len);
    FUZZ_ASSERT(fuzz_str_bounded(r->link_next, ACME2_MAX_URL) && fuzz_str_bounded(r->link_up, ACME2_MAX_URL));
    for (i = 0; r->link_next[i]; i++)
        FUZZ_ASSERT((unsigned char)r->link_next[i] > 0x20 && (unsigned char)r->link_next[i] < 0x7f);
    for (i = 0; r->link_up[i]; i++)
        FUZZ_ASSERT((unsigned char)r->link_up[i] > 0x20 && (unsigned char)r->link_up[i] < 0x7f);
}

/* The problem a client keeps: strings inside its own storage (or ""). */
FUZZ_UNUSED static void fuzz_check_problem(const acme2_problem *p)
{
    int i;
    FUZZ_ASSERT(p->type >= ACME2_PROB_NONE && p->type < ACME2__PROB_END);
    FUZZ_ASSERT(p->used <= sizeof p->strings);
    if (p->type == ACME2_PROB_NONE) return;
    FUZZ_ASSERT(p->type_str && (p->type_str[0] == 0 || fuzz_str_in(p->type_str, p->strings, sizeof p->strings)));
    FUZZ_ASSERT(p->detail && (p->detail[0] == 0 || fuzz_str_in(p->detail, p->strings, sizeof p->strings)));
    FUZZ_ASSERT(p->n_sub >= 0 && p->n_sub <= ACME2_MAX_SUBPROBLEMS && p->n_sub <= p->n_sub_total);
    FUZZ_ASSERT(p->retry_after >= -1);
    for (i = 0; i < p->n_sub; i++) {
        const acme2_subproblem *s = &p->sub[i];
        FUZZ_ASSERT(s->type >= ACME2_PROB_NONE && s->type < ACME2__PROB_END);
        FUZZ_ASSERT(s->type_str && (s->type_str[0] == 0 || fuzz_str_in(s->type_str, p->strings, sizeof p->strings)));
        FUZZ_ASSERT(s->detail && (s->detail[0] == 0 || fuzz_str_in(s->detail, p->strings, sizeof p->strings)));
        FUZZ_ASSERT(s->identifier.value &&
                    (s->identifier.value[0] == 0 || fuzz_str_in(s->identifier.value, p->strings, sizeof p->strings)));
    }
}

/* An https URL as the client may hand to a transport (scheme in any case). */
FUZZ_UNUSED static int fuzz_url_ok(const char *u)
{
    static const char scheme[] = "https://";
    size_t i, n;
    if (!u) return 0;
    n = strlen(u);
    if (n > ACME2_MAX_URL || n <= 8) return 0;
    for (i = 0; i < 8; i++)
        if ((u[i] >= 'A' && u[i] <= 'Z' ? u[i] + 32 : u[i]) != scheme[i]) return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f) return 0;
    return 1;
}

/* The operations of fuzz_responses: byte 0 of its input (also used by the
   capture tool to name what a response answered). */
enum {
    FR_DIRECTORY, FR_NONCE, FR_ACCOUNT_NEW, FR_ACCOUNT_UPDATE, FR_ACCOUNT_DEACTIVATE, FR_KEY_CHANGE,
    FR_ORDER_NEW, FR_ORDER_GET, FR_ORDER_FINALIZE, FR_AUTHZ_GET, FR_AUTHZ_NEW, FR_AUTHZ_DEACTIVATE,
    FR_CHALLENGE_ACCEPT, FR_CERTIFICATE, FR_CERTIFICATE_SINK, FR_REVOKE, FR_RENEWAL_INFO,
    FR_ORDERS_PAGE, FR_ISSUER, FR_OPS
};

/* ---- a fixed CA for the targets that need a directory first ---- */

#define FUZZ_CA "https://ca.test"
static const char fuzz_directory[] =
    "{\"newNonce\":\"" FUZZ_CA "/nonce\",\"newAccount\":\"" FUZZ_CA "/acct\",\"newOrder\":\"" FUZZ_CA "/order\","
    "\"newAuthz\":\"" FUZZ_CA "/authz\",\"revokeCert\":\"" FUZZ_CA "/revoke\",\"keyChange\":\"" FUZZ_CA "/key-change\","
    "\"renewalInfo\":\"" FUZZ_CA "/ari\",\"meta\":{\"termsOfService\":\"" FUZZ_CA "/tos\",\"website\":\"" FUZZ_CA "\","
    "\"caaIdentities\":[\"ca.test\"],\"externalAccountRequired\":false,"
    "\"profiles\":{\"classic\":\"The usual\",\"shortlived\":\"Seven days\"},"
    "\"subdomainAuthAllowed\":true,\"accountHashPrefix\":\"" FUZZ_CA "/account-hash/\",\"issuerDomainNames\":[\"ca.test\"]}}";

/* Pushes a fixed response (for the prerequisites before the fuzzed one). */
FUZZ_UNUSED static void fuzz_push_fixed(acme2_http_response *resp, int status, const char *ctype, const char *nonce,
                                        const char *body)
{
    FUZZ_ASSERT(acme2_response_status(resp, status) == 0);
    if (ctype) FUZZ_ASSERT(acme2_response_header(resp, "Content-Type", 12, ctype, strlen(ctype)) == 0);
    if (nonce) FUZZ_ASSERT(acme2_response_header(resp, "Replay-Nonce", 12, nonce, strlen(nonce)) == 0);
    if (body) FUZZ_ASSERT(acme2_response_body(resp, body, strlen(body)) == 0);
}

#endif
