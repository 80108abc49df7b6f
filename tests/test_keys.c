/* keys: generation, loading (SEC1, PKCS#1, PKCS#8; PEM and DER), saving
   (PKCS#8), SubjectPublicKeyInfo, refusals. The `openssl` command line is
   the independent checker: it makes the keys we load, checks the keys we
   save, derives the public keys we compare against and verifies the
   signatures we make. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"

/* ---- helpers ---- */

/* Whole file in an exact-size heap block (so ASan sees any over-read). */
static unsigned char *slurp(const char *path, size_t *len)
{
    static unsigned char tmp[65536];
    long n = t_read_file(path, tmp, sizeof tmp);
    unsigned char *p;
    if (n < 0) return NULL;
    p = (unsigned char *)malloc(n ? (size_t)n : 1);
    if (!p) return NULL;
    memcpy(p, tmp, (size_t)n);
    *len = (size_t)n;
    return p;
}

static int load_bytes(acme2_key *k, const void *data, size_t len)
{
    unsigned char *copy = (unsigned char *)malloc(len ? len : 1);
    int rc;
    memcpy(copy, data, len);
    rc = acme2_key_load(k, copy, len);
    free(copy);
    return rc;
}

static int load_file(acme2_key *k, const char *path)
{
    size_t len = 0;
    unsigned char *d = slurp(path, &len);
    int rc;
    if (!d) return 999;
    rc = acme2_key_load(k, d, len);
    free(d);
    return rc;
}

/* A path in the scratch directory, in the caller's buffer (t_path's own
   buffers are reused after four calls). */
static const char *tpath(char *buf, const char *name)
{
    snprintf(buf, 512, "%s", t_path(name));
    return buf;
}

static int openssl(const char *fmt, const char *a, const char *b)
{
    char cmd[2048];
    size_t n = 0;
    /* %1$s and %2$s are replaced here: positional printf arguments are
       POSIX, not C99, and newlib (the Cortex-M4 tests) has none. */
    if (!strstr(fmt, "$s")) {
        snprintf(cmd, sizeof cmd, fmt, a, b);
    } else {
        while (*fmt && n + 1 < sizeof cmd) {
            if (fmt[0] == '%' && (fmt[1] == '1' || fmt[1] == '2') && fmt[2] == '$' && fmt[3] == 's') {
                const char *v = fmt[1] == '1' ? a : b;
                size_t l = strlen(v);
                if (l > sizeof cmd - 1 - n) l = sizeof cmd - 1 - n;
                memcpy(cmd + n, v, l);
                n += l;
                fmt += 4;
            } else {
                cmd[n++] = *fmt++;
            }
        }
        cmd[n] = 0;
    }
    return t_sh("%s >/dev/null 2>&1", cmd);
}

/* base64url value of JSON member "name" in a flat JWK text, decoded. */
static int jwk_member(const char *jwk, const char *name, unsigned char *out, size_t cap)
{
    char pat[16];
    const char *p, *q;
    snprintf(pat, sizeof pat, "\"%s\":\"", name);
    p = strstr(jwk, pat);
    if (!p) return -1;
    p += strlen(pat);
    q = strchr(p, '"');
    if (!q) return -1;
    return acme2_b64url_decode(out, cap, p, (size_t)(q - p));
}

/* DER ECDSA-Sig-Value from raw r||s, for `openssl dgst -verify`. */
static size_t ecdsa_der(const unsigned char *rs, size_t n, unsigned char *out)
{
    size_t half = n / 2, o = 2, k;
    for (k = 0; k < 2; k++) {
        const unsigned char *v = rs + k * half;
        size_t l = half;
        while (l > 1 && v[0] == 0) { v++; l--; }
        out[o++] = 0x02;
        out[o++] = (unsigned char)(l + (v[0] & 0x80 ? 1 : 0));
        if (v[0] & 0x80) out[o++] = 0;
        memcpy(out + o, v, l);
        o += l;
    }
    out[0] = 0x30;
    out[1] = (unsigned char)(o - 2); /* below 128 for P-256 and P-384 */
    return o;
}

/* Signs msg with k and lets openssl verify it with pub (a PEM public key
   openssl derived itself). 1 when openssl says "Verified OK". */
static int openssl_verifies(const acme2_key *k, const char *pub)
{
    static const char msg[] = "the quick brown fox";
    unsigned char sig[512], der[128];
    char mf[512], sf[512];
    int n = acme2_sign(k, msg, sizeof msg - 1, sig, sizeof sig);
    if (n <= 0) return 0;
    if (t_write_file(tpath(mf, "msg.bin"), msg, sizeof msg - 1)) return 0;
    if (k->kind == ACME2_KEY_EC) {
        size_t dl = ecdsa_der(sig, (size_t)n, der);
        if (t_write_file(tpath(sf, "sig.bin"), der, dl)) return 0;
    } else if (t_write_file(tpath(sf, "sig.bin"), sig, (size_t)n)) {
        return 0;
    }
    return t_sh("openssl dgst -%s -verify %s -signature %s %s >/dev/null 2>&1",
                k->kind == ACME2_KEY_EC && k->bits == 384 ? "sha384" : "sha256", pub, sf, mf) == 0;
}

/* Our SubjectPublicKeyInfo equals what openssl derives from keyfile. */
static int spki_matches_openssl(const acme2_key *k, const char *keyfile)
{
    unsigned char ours[1024], *theirs;
    size_t tl = 0;
    int n = acme2_key_spki_der(k, ours, sizeof ours), ok;
    if (n <= 0 || acme2_key_spki_der(k, NULL, 0) != n) return 0;
    char sp[512];
    /* EC through `openssl ec` so that a key stored with a compressed point
       still gives the uncompressed SPKI that we (and CAs) use. */
    if (openssl(k->kind == ACME2_KEY_EC ? "openssl ec -in %s -pubout -conv_form uncompressed -outform DER -out %s"
                                        : "openssl pkey -in %s -pubout -outform DER -out %s",
                keyfile, tpath(sp, "spki.der")))
        return 0;
    theirs = slurp(sp, &tl);
    if (!theirs) return 0;
    ok = tl == (size_t)n && memcmp(ours, theirs, tl) == 0;
    free(theirs);
    return ok;
}

/* The JWK's public values equal what openssl prints for keyfile: the EC
   point (the last bytes of openssl's SPKI) or the RSA modulus and
   exponent. */
static int jwk_matches_openssl(const acme2_key *k, const char *keyfile)
{
    char jwk[2048], out[8192];
    unsigned char a[600], b[600];
    if (acme2_jwk(k, jwk, sizeof jwk) <= 0) return 0;
    if (k->kind == ACME2_KEY_EC) {
        unsigned char *spki;
        size_t sl = 0, c = k->bits / 8;
        int ok;
        char sp[512];
        if (openssl("openssl ec -in %s -pubout -conv_form uncompressed -outform DER -out %s", keyfile,
                    tpath(sp, "spki2.der")))
            return 0;
        spki = slurp(sp, &sl);
        if (!spki) return 0;
        if (sl < 2 * c + 1) {
            free(spki);
            return 0;
        }
        ok = jwk_member(jwk, "x", a, sizeof a) == (int)c && jwk_member(jwk, "y", b, sizeof b) == (int)c
             && spki[sl - 2 * c - 1] == 4 && memcmp(a, spki + sl - 2 * c, c) == 0
             && memcmp(b, spki + sl - c, c) == 0;
        free(spki);
        return ok;
    } else {
        int nl = jwk_member(jwk, "n", a, sizeof a), el = jwk_member(jwk, "e", b, sizeof b), i;
        unsigned char m[600];
        const char *p;
        unsigned long e = 0;
        size_t ml;
        if (nl <= 0 || el <= 0 || a[0] == 0 || b[0] == 0) return 0;
        if (t_sh_out(out, sizeof out, "openssl rsa -in %s -noout -modulus 2>/dev/null", keyfile) < 0) return 0;
        p = strstr(out, "Modulus=");
        if (!p) return 0;
        ml = unhex(p + 8, m, sizeof m);
        if (ml != (size_t)nl || memcmp(m, a, ml)) return 0;
        if (t_sh_out(out, sizeof out, "openssl rsa -in %s -noout -text 2>/dev/null", keyfile) < 0) return 0;
        p = strstr(out, "publicExponent: ");
        if (!p) return 0;
        for (i = 0; i < el; i++) e = e << 8 | b[i];
        return strtoul(p + 16, NULL, 10) == e;
    }
}

/* Saves k as PEM to path; 0 on success. */
static int save_pem_file(const acme2_key *k, const char *path)
{
    char pem[8192];
    int n = acme2_key_save_pem(k, pem, sizeof pem);
    if (n <= 0 || (size_t)n != strlen(pem)) return -1;
    return t_write_file(path, pem, (size_t)n);
}

static int same_thumbprint(const acme2_key *a, const acme2_key *b)
{
    char ta[64], tb[64];
    return acme2_jwk_thumbprint(a, ta, sizeof ta) == 43 && acme2_jwk_thumbprint(b, tb, sizeof tb) == 43
           && strcmp(ta, tb) == 0;
}

/* ---- generation and saving ---- */

/* Generate, save as PEM, check with openssl, load back: same key. */
static void check_generated(int kind, unsigned bits)
{
    static acme2_key k, back;
    char name[64], fb[512], pub[512];
    const char *f;
    snprintf(name, sizeof name, "gen_%d_%u.pem", kind, bits);
    f = tpath(fb, name);
    REQUIRE(acme2_key_generate(&k, kind, bits, NULL) == 0);
    CHECK_INT(k.kind, kind);
    CHECK_INT(k.bits, bits);
    REQUIRE(save_pem_file(&k, f) == 0);
    CHECK_MSG(openssl("openssl pkey -in %s -check -noout%s", f, "") == 0, "openssl rejects saved %s", name);
    CHECK_MSG(openssl("openssl pkey -in %s -pubcheck -noout%s", f, "") == 0, "openssl pubcheck fails %s", name);
    CHECK_INT(load_file(&back, f), 0);
    CHECK(same_thumbprint(&k, &back));
    CHECK(memcmp(&k, &back, sizeof k) == 0 || kind == ACME2_KEY_RSA); /* RSA layout differs after load */
    CHECK_MSG(spki_matches_openssl(&k, f), "SPKI differs from openssl's for %s", name);
    CHECK_MSG(jwk_matches_openssl(&k, f), "JWK differs from openssl's view of %s", name);
    CHECK(openssl("openssl pkey -in %s -pubout -out %s", f, tpath(pub, "genpub.pem")) == 0);
    CHECK_MSG(openssl_verifies(&k, pub), "openssl does not verify a signature of %s", name);
    acme2_key_wipe(&k);
    acme2_key_wipe(&back);
}

static void generated_p256_round_trips_and_passes_openssl_check(void) { check_generated(ACME2_KEY_EC, 256); }
static void generated_p384_round_trips_and_passes_openssl_check(void) { check_generated(ACME2_KEY_EC, 384); }
static void generated_rsa2048_round_trips_and_passes_openssl_check(void) { check_generated(ACME2_KEY_RSA, 2048); }
static void generated_rsa4096_round_trips_and_passes_openssl_check(void) { check_generated(ACME2_KEY_RSA, 4096); }

static void generated_rsa_uses_e_65537(void)
{
    static acme2_key k;
    char jwk[1024];
    REQUIRE(acme2_key_generate(&k, ACME2_KEY_RSA, 2048, NULL) == 0);
    REQUIRE(acme2_jwk(&k, jwk, sizeof jwk) > 0);
    CHECK(strncmp(jwk, "{\"e\":\"AQAB\",", 12) == 0);
    acme2_key_wipe(&k);
}

static void generate_takes_a_caller_prng(void)
{
    static acme2_key a, b;
    br_hmac_drbg_context d1, d2;
    br_hmac_drbg_init(&d1, &br_sha256_vtable, "fixed seed", 10);
    br_hmac_drbg_init(&d2, &br_sha256_vtable, "fixed seed", 10);
    CHECK_INT(acme2_key_generate(&a, ACME2_KEY_EC, 256, &d1.vtable), 0);
    CHECK_INT(acme2_key_generate(&b, ACME2_KEY_EC, 256, &d2.vtable), 0);
    /* Same seed, same key: the caller's PRNG was used. */
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    br_hmac_drbg_init(&d2, &br_sha256_vtable, "other seed", 10);
    CHECK_INT(acme2_key_generate(&b, ACME2_KEY_EC, 256, &d2.vtable), 0);
    CHECK(!same_thumbprint(&a, &b));
}

static void generate_refuses_other_kinds_and_sizes(void)
{
    static acme2_key k;
    memset(&k, 0x5a, sizeof k);
    CHECK_INT(acme2_key_generate(&k, ACME2_KEY_EC, 521, NULL), ACME2_ERR_KEY_UNSUPPORTED);
    CHECK_INT(acme2_key_generate(&k, ACME2_KEY_EC, 0, NULL), ACME2_ERR_KEY_UNSUPPORTED);
    CHECK_INT(acme2_key_generate(&k, ACME2_KEY_RSA, 1024, NULL), ACME2_ERR_KEY_UNSUPPORTED);
    CHECK_INT(acme2_key_generate(&k, ACME2_KEY_RSA, 2049, NULL), ACME2_ERR_KEY_UNSUPPORTED);
    CHECK_INT(acme2_key_generate(&k, ACME2_KEY_RSA, 8192, NULL), ACME2_ERR_KEY_UNSUPPORTED);
    CHECK_INT(acme2_key_generate(&k, 7, 256, NULL), ACME2_ERR_KEY_UNSUPPORTED);
    CHECK_INT(acme2_key_generate(NULL, ACME2_KEY_EC, 256, NULL), ACME2_ERR_PARAM);
    /* untouched by the refusals */
    CHECK_INT(k.buf[0], 0x5a);
    CHECK_INT(k.kind, 0x5a5a5a5a);
}

static void rng_system_seeds_distinct_streams(void)
{
    br_hmac_drbg_context a, b;
    unsigned char x[32], y[32];
    CHECK_INT(acme2_rng_system(&a), 0);
    CHECK_INT(acme2_rng_system(&b), 0);
    br_hmac_drbg_generate(&a, x, sizeof x);
    br_hmac_drbg_generate(&b, y, sizeof y);
    CHECK(memcmp(x, y, sizeof x) != 0);
    CHECK_INT(acme2_rng_system(NULL), ACME2_ERR_PARAM);
}

static void saved_der_is_pkcs8_that_openssl_accepts(void)
{
    static acme2_key k, back;
    unsigned char der[4096];
    int kinds[3][2] = { { ACME2_KEY_EC, 256 }, { ACME2_KEY_EC, 384 }, { ACME2_KEY_RSA, 2048 } }, i, n;
    for (i = 0; i < 3; i++) {
        char out[256];
        REQUIRE(acme2_key_generate(&k, kinds[i][0], (unsigned)kinds[i][1], NULL) == 0);
        n = acme2_key_save_der(&k, der, sizeof der);
        REQUIRE(n > 0);
        CHECK_INT(acme2_key_save_der(&k, NULL, 0), n);
        char sd[512];
        REQUIRE(t_write_file(tpath(sd, "saved.der"), der, (size_t)n) == 0);
        CHECK(openssl("openssl pkey -inform DER -in %s -check -noout%s", sd, "") == 0);
        /* PKCS#8: openssl's asn1parse sees the version 0 and the algorithm OID. */
        CHECK(t_sh_out(out, sizeof out, "openssl asn1parse -inform DER -in %s 2>/dev/null | sed -n '2p;4p'",
                       sd) > 0);
        CHECK(strstr(out, "INTEGER") != NULL);
        CHECK(strstr(out, kinds[i][0] == ACME2_KEY_EC ? "id-ecPublicKey" : "rsaEncryption") != NULL);
        CHECK_INT(load_bytes(&back, der, (size_t)n), 0);
        CHECK(same_thumbprint(&k, &back));
    }
}

static void save_and_spki_report_sizes_and_nospace(void)
{
    static acme2_key k, empty;
    char pem[1024];
    unsigned char der[512];
    int n, m, s;
    REQUIRE(acme2_key_generate(&k, ACME2_KEY_EC, 256, NULL) == 0);
    n = acme2_key_save_pem(&k, NULL, 0);
    REQUIRE(n > 0);
    memset(pem, 'x', sizeof pem);
    CHECK_INT(acme2_key_save_pem(&k, pem, (size_t)n), ACME2_ERR_NOSPACE); /* no room for the NUL */
    CHECK_INT(pem[0], 'x');
    CHECK_INT(acme2_key_save_pem(&k, pem, (size_t)n + 1), n);
    CHECK_INT(pem[n], 0);
    CHECK(strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
    CHECK(strcmp(pem + n - 26, "-----END PRIVATE KEY-----\n") == 0);
    m = acme2_key_save_der(&k, NULL, 0);
    CHECK_INT(acme2_key_save_der(&k, der, (size_t)m - 1), ACME2_ERR_NOSPACE);
    s = acme2_key_spki_der(&k, NULL, 0);
    CHECK_INT(s, 91); /* P-256 SPKI is always 91 bytes */
    CHECK_INT(acme2_key_spki_der(&k, der, (size_t)s - 1), ACME2_ERR_NOSPACE);
    CHECK_INT(acme2_key_save_pem(&empty, pem, sizeof pem), ACME2_ERR_PARAM);
    CHECK_INT(acme2_key_save_der(&empty, der, sizeof der), ACME2_ERR_PARAM);
    CHECK_INT(acme2_key_spki_der(&empty, der, sizeof der), ACME2_ERR_PARAM);
}

static void wipe_zeroes_every_byte(void)
{
    static acme2_key k;
    static const acme2_key zero;
    REQUIRE(acme2_key_generate(&k, ACME2_KEY_RSA, 2048, NULL) == 0);
    acme2_key_wipe(&k);
    CHECK(memcmp(&k, &zero, sizeof k) == 0);
    CHECK_INT(k.kind, ACME2_KEY_NONE);
    acme2_key_wipe(NULL); /* harmless */
}

/* ---- loading keys openssl made ---- */

struct made_key {
    const char *file;
    const char *cmd; /* %s: the output file; %s: a key file made earlier (see `from`) */
    const char *from;
    int kind;
    unsigned bits;
};

static const struct made_key made[] = {
    { "ec256_sec1.pem", "openssl ecparam -name prime256v1 -genkey -noout -out %s%s", NULL, ACME2_KEY_EC, 256 },
    { "ec256_sec1_params.pem", "openssl ecparam -name prime256v1 -genkey -out %s%s", NULL, ACME2_KEY_EC, 256 },
    { "ec256_sec1.der", "openssl ec -in %2$s -outform DER -out %1$s", "ec256_sec1.pem", ACME2_KEY_EC, 256 },
    { "ec256_pkcs8.pem", "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out %s%s", NULL,
      ACME2_KEY_EC, 256 },
    { "ec256_pkcs8.der", "openssl pkey -in %2$s -outform DER -out %1$s", "ec256_pkcs8.pem", ACME2_KEY_EC, 256 },
    { "ec256_sec1_nopub.der", "openssl ec -in %2$s -no_public -outform DER -out %1$s", "ec256_sec1.pem",
      ACME2_KEY_EC, 256 },
    { "ec256_sec1_compressed.pem", "openssl ec -in %2$s -conv_form compressed -out %1$s", "ec256_sec1.pem",
      ACME2_KEY_EC, 256 },
    { "ec256_sec1_compressed.der", "openssl ec -in %2$s -conv_form compressed -outform DER -out %1$s",
      "ec256_sec1.pem", ACME2_KEY_EC, 256 },
    { "ec384_sec1.pem", "openssl ecparam -name secp384r1 -genkey -noout -out %s%s", NULL, ACME2_KEY_EC, 384 },
    { "ec384_sec1.der", "openssl ec -in %2$s -outform DER -out %1$s", "ec384_sec1.pem", ACME2_KEY_EC, 384 },
    { "ec384_pkcs8.pem", "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out %s%s", NULL,
      ACME2_KEY_EC, 384 },
    { "ec384_pkcs8.der", "openssl pkey -in %2$s -outform DER -out %1$s", "ec384_pkcs8.pem", ACME2_KEY_EC, 384 },
    { "rsa2048_pkcs8.pem", "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out %s%s", NULL,
      ACME2_KEY_RSA, 2048 },
    { "rsa2048_pkcs8.der", "openssl pkey -in %2$s -outform DER -out %1$s", "rsa2048_pkcs8.pem", ACME2_KEY_RSA, 2048 },
    { "rsa2048_pkcs1.pem", "openssl rsa -in %2$s -traditional -out %1$s", "rsa2048_pkcs8.pem", ACME2_KEY_RSA, 2048 },
    { "rsa2048_pkcs1.der", "openssl rsa -in %2$s -traditional -outform DER -out %1$s", "rsa2048_pkcs8.pem",
      ACME2_KEY_RSA, 2048 },
    { "rsa3072_genrsa.pem", "openssl genrsa -traditional -out %s 3072%s", NULL, ACME2_KEY_RSA, 3072 },
    { "rsa2048_e3.pem", "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_keygen_pubexp:3 -out %s%s",
      NULL, ACME2_KEY_RSA, 2048 },
};

static int make_key(const struct made_key *m)
{
    char path[512], from[512];
    tpath(path, m->file);
    if (access(path, R_OK) == 0) return 0;
    return openssl(m->cmd, path, m->from ? tpath(from, m->from) : "");
}

/* Makes every key of the table once (later calls find the files). */
static int make_all(void)
{
    size_t i;
    for (i = 0; i < sizeof made / sizeof made[0]; i++)
        if (make_key(&made[i])) return -1;
    return 0;
}

static void openssl_keys_load_sign_and_match(void)
{
    static acme2_key k, back;
    size_t i;
    for (i = 0; i < sizeof made / sizeof made[0]; i++) {
        const struct made_key *m = &made[i];
        char fb[512], pub[512], saved[512];
        const char *f = tpath(fb, m->file);
        int rc;
        REQUIRE(make_key(m) == 0);
        rc = load_file(&k, f);
        CHECK_MSG(rc == 0, "%s: load gave %d (%s)", m->file, rc, acme2_strerror(rc));
        if (rc) continue;
        CHECK_INT(k.kind, m->kind);
        CHECK_INT(k.bits, m->bits);
        CHECK_MSG(spki_matches_openssl(&k, f), "%s: SPKI differs from openssl's", m->file);
        CHECK_MSG(jwk_matches_openssl(&k, f), "%s: JWK differs from openssl's view", m->file);
        CHECK_MSG(openssl("openssl pkey -in %s -pubout -out %s", f, tpath(pub, "pub.pem")) == 0, "%s: pubout", m->file);
        CHECK_MSG(openssl_verifies(&k, pub), "%s: openssl does not verify our signature", m->file);
        tpath(saved, "resaved.pem");
        CHECK(save_pem_file(&k, saved) == 0);
        CHECK_MSG(openssl("openssl pkey -in %s -check -noout%s", saved, "") == 0, "%s: saved again, openssl rejects it",
                  m->file);
        CHECK_INT(load_file(&back, saved), 0);
        CHECK(same_thumbprint(&k, &back));
    }
}

/* Most openssl keys have a prime that is 1 mod 4, where BearSSL cannot
   recompute e or d; n and e are read from the file and d for saving is
   computed another way. */
static void rsa_key_with_prime_1_mod_4_loads_and_saves(void)
{
    static acme2_key k;
    char out[16384], f[512], saved[512], pub[512];
    int tries, found = 0;
    tpath(saved, "p1mod4_saved.pem");
    for (tries = 0; tries < 20 && !found; tries++) {
        unsigned char p[300], q[300];
        size_t pl, ql;
        const char *a, *b, *c;
        tpath(f, "p1mod4.pem");
        REQUIRE(openssl("openssl genrsa -out %s 2048%s", f, "") == 0);
        REQUIRE(t_sh_out(out, sizeof out, "openssl rsa -in %s -noout -text 2>/dev/null", f) > 0);
        a = strstr(out, "prime1:");
        b = strstr(out, "prime2:");
        c = strstr(out, "exponent1:");
        REQUIRE(a && b && c && a < b && b < c);
        /* hex dumps between the labels */
        {
            char tmp[4096];
            size_t n = (size_t)(b - a - 7);
            memcpy(tmp, a + 7, n);
            tmp[n] = 0;
            pl = unhex(tmp, p, sizeof p);
            n = (size_t)(c - b - 7);
            memcpy(tmp, b + 7, n);
            tmp[n] = 0;
            ql = unhex(tmp, q, sizeof q);
        }
        REQUIRE(pl > 100 && ql > 100);
        found = (p[pl - 1] & 3) == 1 || (q[ql - 1] & 3) == 1;
    }
    REQUIRE(found);
    CHECK_INT(load_file(&k, f), 0);
    CHECK(jwk_matches_openssl(&k, f));
    CHECK(spki_matches_openssl(&k, f));
    REQUIRE(save_pem_file(&k, saved) == 0);
    CHECK_MSG(openssl("openssl pkey -in %s -check -noout%s", saved, "") == 0, "openssl rejects the recomputed d");
    CHECK(openssl("openssl pkey -in %s -pubout -out %s", f, tpath(pub, "p1pub.pem")) == 0);
    CHECK(openssl_verifies(&k, pub));
}

/* The d routine used for keys BearSSL's cannot take gives the same number
   as BearSSL's on keys both can take (white-box: both are internal). */
static void own_private_exponent_equals_bearssl_one(void)
{
    static acme2_key k;
    int i, same = 0;
    for (i = 0; i < 4; i++) {
        unsigned char a[600], b[600];
        const unsigned char *pa = a;
        br_rsa_private_key sk;
        size_t al, bl;
        REQUIRE(acme2_key_generate(&k, ACME2_KEY_RSA, i == 3 ? 3072 : 2048, NULL) == 0);
        acme2__key_rsa_sk(&k, &sk);
        al = br_rsa_compute_privexp_get_default()(a, &sk, 65537);
        bl = acme2__key_rsa_d_any(&k, b, sizeof b);
        REQUIRE(al > 0 && bl > 0);
        while (al > 1 && pa[0] == 0) { pa++; al--; } /* BearSSL keeps the modulus's length */
        same += al == bl && memcmp(pa, b, bl) == 0;
    }
    CHECK_INT(same, 4);
}

/* ---- refusals ---- */

struct refused {
    const char *file;
    const char *cmd;
    const char *from;
    int err;
};

static const struct refused refusals[] = {
    { "enc_pkcs8.pem", "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 -pass pass:x -out %s%s",
      NULL, ACME2_ERR_KEY_ENCRYPTED },
    { "enc_pkcs8.der", "openssl pkcs8 -topk8 -in %2$s -v2 aes256 -passout pass:x -outform DER -out %1$s",
      "ec256_pkcs8.pem", ACME2_ERR_KEY_ENCRYPTED },
    { "enc_pkcs8_pbe.der", "openssl pkcs8 -topk8 -in %2$s -v1 PBE-SHA1-3DES -passout pass:x -outform DER -out %1$s",
      "ec256_pkcs8.pem", ACME2_ERR_KEY_ENCRYPTED },
    { "enc_sec1.pem", "openssl ec -in %2$s -aes256 -passout pass:x -out %1$s", "ec256_sec1.pem",
      ACME2_ERR_KEY_ENCRYPTED },
    { "enc_pkcs1.pem", "openssl rsa -in %2$s -traditional -aes256 -passout pass:x -out %1$s", "rsa2048_pkcs8.pem",
      ACME2_ERR_KEY_ENCRYPTED },
    { "ed25519.pem", "openssl genpkey -algorithm ed25519 -out %s%s", NULL, ACME2_ERR_KEY_ED25519 },
    { "ed25519.der", "openssl pkey -in %2$s -outform DER -out %1$s", "ed25519.pem", ACME2_ERR_KEY_ED25519 },
    { "ed448.pem", "openssl genpkey -algorithm ed448 -out %s%s", NULL, ACME2_ERR_KEY_UNSUPPORTED },
    { "x25519.pem", "openssl genpkey -algorithm x25519 -out %s%s", NULL, ACME2_ERR_KEY_UNSUPPORTED },
    { "explicit_sec1.pem", "openssl ecparam -name prime256v1 -genkey -noout -param_enc explicit -out %s%s", NULL,
      ACME2_ERR_KEY_EXPLICIT_EC },
    { "explicit_sec1_params.pem", "openssl ecparam -name prime256v1 -genkey -param_enc explicit -out %s%s", NULL,
      ACME2_ERR_KEY_EXPLICIT_EC },
    { "explicit_pkcs8.der", "openssl pkcs8 -topk8 -nocrypt -in %2$s -outform DER -out %1$s", "explicit_sec1.pem",
      ACME2_ERR_KEY_EXPLICIT_EC },
    { "p521_sec1.pem", "openssl ecparam -name secp521r1 -genkey -noout -out %s%s", NULL, ACME2_ERR_KEY_UNSUPPORTED },
    { "p521_pkcs8.pem", "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out %s%s", NULL,
      ACME2_ERR_KEY_UNSUPPORTED },
    { "k256_sec1.pem", "openssl ecparam -name secp256k1 -genkey -noout -out %s%s", NULL, ACME2_ERR_KEY_UNSUPPORTED },
    { "k256_pkcs8.der", "openssl pkcs8 -topk8 -nocrypt -in %2$s -outform DER -out %1$s", "k256_sec1.pem",
      ACME2_ERR_KEY_UNSUPPORTED },
    { "rsa1024.pem", "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out %s%s", NULL,
      ACME2_ERR_KEY_UNSUPPORTED },
    { "rsa1024_pkcs1.der", "openssl rsa -in %2$s -traditional -outform DER -out %1$s", "rsa1024.pem",
      ACME2_ERR_KEY_UNSUPPORTED },
    { "rsapss.pem", "openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out %s%s", NULL,
      ACME2_ERR_KEY_UNSUPPORTED },
    { "public.pem", "openssl pkey -in %2$s -pubout -out %1$s", "ec256_pkcs8.pem", ACME2_ERR_KEY_FORMAT },
    { "public.der", "openssl pkey -in %2$s -pubout -outform DER -out %1$s", "ec256_pkcs8.pem", ACME2_ERR_KEY_FORMAT },
    { "cert.pem", "openssl req -x509 -key %2$s -subj /CN=x -days 1 -out %1$s", "ec256_pkcs8.pem",
      ACME2_ERR_KEY_FORMAT },
};

static void refused_keys_give_their_errors(void)
{
    static acme2_key k;
    size_t i;
    /* the keys the refusals are derived from */
    REQUIRE(make_all() == 0);
    for (i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        const struct refused *r = &refusals[i];
        char path[512], from[512];
        int rc;
        tpath(path, r->file);
        CHECK_MSG(openssl(r->cmd, path, r->from ? tpath(from, r->from) : "") == 0, "%s: openssl failed", r->file);
        memset(&k, 0, sizeof k);
        rc = load_file(&k, path);
        CHECK_MSG(rc == r->err, "%s: expected %d (%s), got %d (%s)", r->file, r->err, acme2_strerror(r->err), rc,
                  acme2_strerror(rc));
        CHECK_INT(k.kind, ACME2_KEY_NONE);
    }
}

static void garbage_is_refused(void)
{
    static acme2_key k;
    unsigned char rnd[300];
    size_t i;
    static const struct { const char *text; int err; } cases[] = {
        { "", ACME2_ERR_KEY_FORMAT },
        { "hello world", ACME2_ERR_KEY_FORMAT },
        { "0\x03\x02\x01\x00", ACME2_ERR_KEY_FORMAT },
        { "-----BEGIN PRIVATE KEY-----\nMIG!AgEA\n-----END PRIVATE KEY-----\n", ACME2_ERR_PEM },
        { "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n", ACME2_ERR_PEM },
        { "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n", ACME2_ERR_PEM },
        { "-----BEGIN PRIVATE KEY-----\nA\n-----END PRIVATE KEY-----\n", ACME2_ERR_PEM },
        { "-----BEGIN PRIVATE KEY-----\nAA=A\n-----END PRIVATE KEY-----\n", ACME2_ERR_PEM },
        { "-----BEGIN PRIVATE KEY-----\nAA===\n-----END PRIVATE KEY-----\n", ACME2_ERR_PEM },
        { "-----BEGIN PRIVATE KEY-----\n\n-----END PRIVATE KEY-----\n", ACME2_ERR_KEY_FORMAT },
        { "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n", ACME2_ERR_KEY_FORMAT },
        { "-----BEGIN PRIVATE KEY-----\nX-Header: 1\n\nMAA=\n-----END PRIVATE KEY-----\n", ACME2_ERR_PEM },
        { "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n", ACME2_ERR_KEY_FORMAT },
        { "text -----BEGIN PRIVATE KEY----- not at a line start", ACME2_ERR_KEY_FORMAT },
        { "-----BEGIN PRIVATE KEY-----", ACME2_ERR_PEM },
    };
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = load_bytes(&k, cases[i].text, strlen(cases[i].text));
        CHECK_MSG(rc == cases[i].err, "case %d: expected %d, got %d (%s)", (int)i, cases[i].err, rc, acme2_strerror(rc));
    }
    srand(7);
    for (i = 0; i < 200; i++) {
        size_t j, n = 1 + (size_t)rand() % sizeof rnd;
        int rc;
        for (j = 0; j < n; j++) rnd[j] = (unsigned char)rand();
        if (i % 2) rnd[0] = 0x30; /* looks like a SEQUENCE */
        rc = load_bytes(&k, rnd, n);
        CHECK_MSG(rc == ACME2_ERR_KEY_FORMAT, "random %d: got %d", (int)i, rc);
    }
    CHECK_INT(acme2_key_load(NULL, "x", 1), ACME2_ERR_PARAM);
    CHECK_INT(acme2_key_load(&k, NULL, 1), ACME2_ERR_PARAM);
}

/* A PEM key block under the wrong label, DER with trailing bytes. */
static void label_and_trailing_bytes_are_checked(void)
{
    static acme2_key k;
    size_t len = 0, i;
    unsigned char *der, *more;
    char *pem, *p;
    REQUIRE(make_all() == 0);
    pem = (char *)slurp(t_path("ec256_sec1.pem"), &len);
    REQUIRE(pem);
    pem = (char *)realloc(pem, len + 1);
    pem[len] = 0;
    CHECK_INT(load_bytes(&k, pem, len), 0);
    /* relabel "EC PRIVATE KEY" as "RSA PRIVATE KEY" (both lines) */
    {
        char buf[2048];
        size_t o = 0;
        for (p = pem; *p && o < sizeof buf - 8; p++) {
            if (strncmp(p, "EC PRIVATE", 10) == 0) {
                memcpy(buf + o, "RSA", 3);
                o += 3;
                p += 1;
            } else {
                buf[o++] = *p;
            }
        }
        buf[o] = 0;
        CHECK(strstr(buf, "BEGIN RSA PRIVATE KEY") != NULL);
        CHECK_INT(load_bytes(&k, buf, o), ACME2_ERR_KEY_FORMAT);
    }
    free(pem);
    der = slurp(t_path("ec256_sec1.der"), &len);
    REQUIRE(der);
    more = (unsigned char *)malloc(len + 1);
    memcpy(more, der, len);
    more[len] = 0;
    CHECK_INT(load_bytes(&k, more, len), 0);
    CHECK_INT(load_bytes(&k, more, len + 1), ACME2_ERR_KEY_FORMAT);
    /* a length that claims more than the container holds */
    for (i = 1; i < 4; i++) {
        more[1] = (unsigned char)(der[1] + i);
        CHECK(load_bytes(&k, more, len) < 0);
    }
    free(more);
    free(der);
}

/* Text around the block, CRLF line ends, no final newline: still a key. */
static void pem_with_crlf_and_surrounding_text_loads(void)
{
    static acme2_key k, ref;
    size_t len = 0, o = 0, i;
    char *pem, buf[4096];
    REQUIRE(make_all() == 0);
    pem = (char *)slurp(t_path("ec256_pkcs8.pem"), &len);
    REQUIRE(pem && len < 1000);
    REQUIRE(load_bytes(&ref, pem, len) == 0);
    o += (size_t)sprintf(buf, "Bag Attributes: none\r\n");
    for (i = 0; i < len; i++) {
        if (pem[i] == '\n') buf[o++] = '\r';
        buf[o++] = pem[i];
    }
    while (o && (buf[o - 1] == '\n' || buf[o - 1] == '\r')) o--; /* no final newline */
    CHECK_INT(load_bytes(&k, buf, o), 0);
    CHECK(same_thumbprint(&k, &ref));
    o += (size_t)sprintf(buf + o, "\r\ntrailing words\r\n");
    CHECK_INT(load_bytes(&k, buf, o), 0);
    free(pem);
}

/* Every prefix of a valid key is refused without reading past it (each a
   heap copy of exactly that length). */
static void every_truncation_fails_cleanly(void)
{
    static acme2_key k;
    static const char *files[] = { "ec256_sec1.der", "ec256_pkcs8.der", "ec384_sec1.der", "rsa2048_pkcs1.der",
                                   "rsa2048_pkcs8.der", "ec256_pkcs8.pem", "rsa2048_pkcs1.pem" };
    size_t f;
    REQUIRE(make_all() == 0);
    for (f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t len = 0, n, valid_from;
        unsigned char *d = slurp(t_path(files[f]), &len);
        int bad = 0;
        REQUIRE(d);
        REQUIRE(load_bytes(&k, d, len) == 0);
        valid_from = len;
        if (strstr(files[f], ".pem")) {
            /* a PEM stays valid once its END line is complete */
            const char *e = strstr((const char *)d, "-----END ");
            REQUIRE(e);
            valid_from = (size_t)(strchr(e + 9, '\n') - (const char *)d);
        }
        for (n = 0; n < valid_from; n++) {
            int rc = load_bytes(&k, d, n);
            if (rc >= 0) bad++;
        }
        CHECK_MSG(bad == 0, "%s: %d truncations were accepted", files[f], bad);
        free(d);
    }
}

/* Every single-byte change to an EC key with its public point is caught:
   structure, OIDs, the scalar (checked against the point) and the point. */
static void every_byte_change_to_ec_key_is_refused(void)
{
    static acme2_key k;
    static const char *files[] = { "ec256_sec1.der", "ec256_pkcs8.der", "ec384_pkcs8.der",
                                   "ec256_sec1_compressed.der" /* 02/03 flips the parity of y */ };
    size_t f;
    REQUIRE(make_all() == 0);
    for (f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t len = 0, i;
        unsigned char *d = slurp(t_path(files[f]), &len);
        int accepted = 0;
        REQUIRE(d);
        for (i = 0; i < len; i++) {
            d[i] ^= 0x01;
            if (load_bytes(&k, d, len) == 0) accepted++;
            d[i] ^= 0x01;
        }
        CHECK_MSG(accepted == 0, "%s: %d changed keys accepted", files[f], accepted);
        CHECK_INT(load_bytes(&k, d, len), 0);
        free(d);
    }
}

/* SEC1 DER of a P-256 scalar given in hex (any length), no public key. */
static size_t p256_sec1(const char *xhex, unsigned char *out)
{
    static const unsigned char oid[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
    unsigned char x[64];
    size_t xl = unhex(xhex, x, sizeof x), o = 0;
    out[o++] = 0x30;
    out[o++] = (unsigned char)(3 + 2 + xl + 2 + sizeof oid);
    out[o++] = 0x02; out[o++] = 1; out[o++] = 1;
    out[o++] = 0x04; out[o++] = (unsigned char)xl;
    memcpy(out + o, x, xl);
    o += xl;
    out[o++] = 0xa0; out[o++] = sizeof oid;
    memcpy(out + o, oid, sizeof oid);
    return o + sizeof oid;
}

/* The scalar must be in [1, n-1]; shorter and zero-padded encodings of a
   valid scalar are the same key. */
static void ec_scalar_range_is_checked(void)
{
    static acme2_key k, ref;
    unsigned char der[128];
    static const char *n = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";
    CHECK_INT(load_bytes(&k, der, p256_sec1("00", der)), ACME2_ERR_KEY_FORMAT);
    CHECK_INT(load_bytes(&k, der, p256_sec1("0000000000000000000000000000000000000000000000000000000000000000", der)),
              ACME2_ERR_KEY_FORMAT);
    CHECK_INT(load_bytes(&k, der, p256_sec1(n, der)), ACME2_ERR_KEY_FORMAT);
    CHECK_INT(load_bytes(&k, der, p256_sec1("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632552", der)),
              ACME2_ERR_KEY_FORMAT);
    CHECK_INT(load_bytes(&k, der, p256_sec1("01" "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632550", der)),
              ACME2_ERR_KEY_FORMAT);
    CHECK_INT(load_bytes(&ref, der, p256_sec1("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632550", der)), 0);
    /* 1, written in one byte and in 32 */
    CHECK_INT(load_bytes(&ref, der, p256_sec1("01", der)), 0);
    CHECK_INT(load_bytes(&k, der, p256_sec1("0000000000000000000000000000000000000000000000000000000000000001", der)), 0);
    CHECK(same_thumbprint(&k, &ref));
    /* with extra leading zero bytes */
    CHECK_INT(load_bytes(&k, der, p256_sec1("000000000000000000000000000000000000000000000000000000000000000001", der)),
              0);
    CHECK(same_thumbprint(&k, &ref));
    /* parameters NULL (implicitlyCA: the curve comes from elsewhere) */
    {
        static const unsigned char implicit_ca[] = { 0x30, 0x0a, 0x02, 0x01, 0x01, 0x04, 0x01, 0x01,
                                                     0xa0, 0x02, 0x05, 0x00 };
        CHECK_INT(load_bytes(&k, implicit_ca, sizeof implicit_ca), ACME2_ERR_KEY_UNSUPPORTED);
    }
    {
        /* 1*G is the generator: the JWK holds its coordinates */
        char jwk[256];
        REQUIRE(acme2_jwk(&ref, jwk, sizeof jwk) > 0);
        CHECK(strstr(jwk, "\"x\":\"axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY\"") != NULL);
    }
}

/* RSA parts that do not belong together are caught by the check. */
static void inconsistent_rsa_key_is_refused(void)
{
    static acme2_key k;
    size_t len = 0;
    unsigned char *d;
    REQUIRE(make_all() == 0);
    d = slurp(t_path("rsa2048_pkcs1.der"), &len);
    REQUIRE(d && len > 600);
    /* the last bytes are iq's (CRT coefficient) */
    d[len - 5] ^= 0x10;
    CHECK_INT(load_bytes(&k, d, len), ACME2_ERR_KEY_FORMAT);
    d[len - 5] ^= 0x10;
    /* a byte deep inside n */
    d[40] ^= 0x01;
    CHECK_INT(load_bytes(&k, d, len), ACME2_ERR_KEY_FORMAT);
    d[40] ^= 0x01;
    CHECK_INT(load_bytes(&k, d, len), 0);
    free(d);
}

static void failed_load_leaves_key_untouched(void)
{
    static acme2_key k, copy;
    REQUIRE(make_all() == 0);
    REQUIRE(load_file(&k, t_path("ec256_pkcs8.pem")) == 0);
    memcpy(&copy, &k, sizeof k);
    CHECK(load_bytes(&k, "garbage", 7) < 0);
    CHECK(memcmp(&k, &copy, sizeof k) == 0);
    /* also after a refusal found late (the RSA consistency check) */
    {
        size_t len = 0;
        unsigned char *d = slurp(t_path("rsa2048_e3.pem"), &len);
        REQUIRE(d);
        d[200] = d[200] == 'A' ? 'B' : 'A';
        CHECK(load_bytes(&k, d, len) < 0);
        free(d);
    }
    CHECK(memcmp(&k, &copy, sizeof k) == 0);
}

int main(void)
{
    RUN(generated_p256_round_trips_and_passes_openssl_check);
    RUN(generated_p384_round_trips_and_passes_openssl_check);
    RUN(generated_rsa2048_round_trips_and_passes_openssl_check);
    RUN(generated_rsa4096_round_trips_and_passes_openssl_check);
    RUN(generated_rsa_uses_e_65537);
    RUN(generate_takes_a_caller_prng);
    RUN(generate_refuses_other_kinds_and_sizes);
    RUN(rng_system_seeds_distinct_streams);
    RUN(saved_der_is_pkcs8_that_openssl_accepts);
    RUN(save_and_spki_report_sizes_and_nospace);
    RUN(wipe_zeroes_every_byte);
    RUN(openssl_keys_load_sign_and_match);
    RUN(rsa_key_with_prime_1_mod_4_loads_and_saves);
    RUN(own_private_exponent_equals_bearssl_one);
    RUN(refused_keys_give_their_errors);
    RUN(garbage_is_refused);
    RUN(label_and_trailing_bytes_are_checked);
    RUN(pem_with_crlf_and_surrounding_text_loads);
    RUN(every_truncation_fails_cleanly);
    RUN(every_byte_change_to_ec_key_is_refused);
    RUN(inconsistent_rsa_key_is_refused);
    RUN(ec_scalar_range_is_checked);
    RUN(failed_load_leaves_key_untouched);
    return t_done("keys");
}
