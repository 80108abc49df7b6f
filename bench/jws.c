/* JWS overhead: one acme2_jws call (protected header with kid, nonce and
   url, a typical newOrder payload, base64url, signing, the flattened JSON)
   against the bare BearSSL signature it contains, with the same key and
   the same implementation (the default getters acme2.h uses), for ES256
   and RS256-2048. The bare signature signs a precomputed SHA-256 hash, so
   the ratio charges acme2 with everything else, hashing included.

       jws SECONDS

   Before timing, the signature inside acme2's JWS is checked to be the
   bare signature of its signing input (both are deterministic). */
#define _POSIX_C_SOURCE 200809L
#include "acme2.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 5

static const char *kid = "https://acme-v02.api.letsencrypt.org/acme/acct/1234567890";
static const char *nonce = "oFvnlFP1wIhRlYS2jTaXbA3BFv7Q1mU2OIJk5hLNmvVZ8c8";
static const char *url = "https://acme-v02.api.letsencrypt.org/acme/new-order";
static const char *payload =
    "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"},{\"type\":\"dns\",\"value\":\"www.example.org\"}]}";

static acme2_key key;
static br_skey_decoder_context skey;
static unsigned char hash[32];
static char out[4096];

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int op_acme2(void)
{
    acme2_sb sb;
    acme2_sb_init(&sb, out, sizeof out);
    return acme2_jws(&sb, &key, kid, nonce, url, payload, strlen(payload)) == 0 && acme2_sb_finish(&sb) > 0;
}

static int op_bare(void)
{
    unsigned char sig[512];
    if (key.kind == ACME2_KEY_EC)
        return br_ecdsa_sign_raw_get_default()(br_ec_get_default(), &br_sha256_vtable, hash,
                                               br_skey_decoder_get_ec(&skey), sig) == 64;
    return br_rsa_pkcs1_sign_get_default()(BR_HASH_OID_SHA256, hash, 32, br_skey_decoder_get_rsa(&skey), sig) == 1;
}

static double time_op(int (*op)(void), long iters)
{
    long i;
    double t0 = now();
    for (i = 0; i < iters; i++)
        if (!op()) { fprintf(stderr, "jws: operation failed\n"); exit(1); }
    return (now() - t0) / (double)iters;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Member `name` of the JWS in out, as [*p, *p + *n). */
static int member(const acme2_json_tok *t, int n, const char *name, const char **p, size_t *len)
{
    int k = acme2_json_get(out, t, n, 0, name);
    if (k < 0 || t[k].type != ACME2_JSON_STRING) return -1;
    *p = out + t[k].start;
    *len = (size_t)(t[k].end - t[k].start);
    return 0;
}

/* Sets up key, skey and hash; checks acme2's signature against the bare one. */
static int setup(int kind, unsigned bits, const char *seed)
{
    br_hmac_drbg_context d;
    unsigned char der[4096], sig[512], bare[512];
    acme2_json_tok t[16];
    const char *prot, *pay, *sg;
    size_t pl, yl, sl;
    int n, dl, sig_len;
    br_sha256_context h;
    acme2_key_wipe(&key);
    br_hmac_drbg_init(&d, &br_sha256_vtable, seed, strlen(seed));
    if (acme2_key_generate(&key, kind, bits, &d.vtable) != 0) return -1;
    dl = acme2_key_save_der(&key, der, sizeof der);
    if (dl <= 0) return -1;
    br_skey_decoder_init(&skey);
    br_skey_decoder_push(&skey, der, (size_t)dl);
    if (br_skey_decoder_last_error(&skey) != 0) return -1;
    if (!op_acme2()) return -1;
    n = acme2_json_parse(out, strlen(out), t, 16);
    if (n < 0 || member(t, n, "protected", &prot, &pl) || member(t, n, "payload", &pay, &yl) ||
        member(t, n, "signature", &sg, &sl))
        return -1;
    br_sha256_init(&h);
    br_sha256_update(&h, prot, pl);
    br_sha256_update(&h, ".", 1);
    br_sha256_update(&h, pay, yl);
    br_sha256_out(&h, hash);
    sig_len = acme2_b64url_decode(sig, sizeof sig, sg, sl);
    if (kind == ACME2_KEY_EC) {
        if (br_ecdsa_sign_raw_get_default()(br_ec_get_default(), &br_sha256_vtable, hash,
                                            br_skey_decoder_get_ec(&skey), bare) != (size_t)sig_len)
            return -1;
    } else if (!br_rsa_pkcs1_sign_get_default()(BR_HASH_OID_SHA256, hash, 32, br_skey_decoder_get_rsa(&skey), bare)) {
        return -1;
    }
    if (memcmp(sig, bare, (size_t)sig_len) != 0) {
        fprintf(stderr, "jws: acme2's signature differs from BearSSL's over the same input\n");
        return -1;
    }
    return (int)strlen(out);
}

int main(int argc, char **argv)
{
    static const struct { const char *alg; int kind; unsigned bits; const char *seed; } algs[2] = {
        { "ES256 (P-256)", ACME2_KEY_EC, 256, "acme2.h bench: jws EC key" },
        { "RS256 (2048)", ACME2_KEY_RSA, 2048, "acme2.h bench: jws RSA key" },
    };
    double seconds = argc > 1 ? atof(argv[1]) : 0.5;
    int a, r, fails = 0;
    if (seconds <= 0) seconds = 0.5;
    printf("JWS overhead, microseconds of CPU time per operation (median of %d alternated rounds of ~%.2g s)\n\n",
           ROUNDS, seconds);
    printf("| %-14s | %9s | %9s | %12s | %7s |\n", "algorithm", "JWS bytes", "acme2_jws", "bare BearSSL", "ratio");
    printf("|----------------|-----------|-----------|--------------|---------|\n");
    for (a = 0; a < 2; a++) {
        double ta[ROUNDS], tb[ROUNDS], est;
        long iters;
        int len = setup(algs[a].kind, algs[a].bits, algs[a].seed);
        if (len < 0) {
            fprintf(stderr, "jws: %s: setup failed\n", algs[a].alg);
            fails++;
            continue;
        }
        est = time_op(op_acme2, 20);
        iters = (long)(seconds / est);
        if (iters < 1) iters = 1;
        for (r = 0; r < ROUNDS; r++) {
            if (r & 1) { tb[r] = time_op(op_bare, iters); ta[r] = time_op(op_acme2, iters); }
            else { ta[r] = time_op(op_acme2, iters); tb[r] = time_op(op_bare, iters); }
        }
        qsort(ta, ROUNDS, sizeof(double), cmp_double);
        qsort(tb, ROUNDS, sizeof(double), cmp_double);
        printf("| %-14s | %9d | %9.1f | %12.1f | %6.3fx |\n", algs[a].alg, len, ta[ROUNDS / 2] * 1e6,
               tb[ROUNDS / 2] * 1e6, ta[ROUNDS / 2] / tb[ROUNDS / 2]);
        fflush(stdout);
    }
    printf("\nratio = acme2_jws / bare signature; target: <= 1.10x.\n");
    acme2_key_wipe(&key);
    return fails ? 1 : 0;
}
