/* == keys == (implementation) */

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

static void acme2__key_ec_pk(const acme2_key *k, br_ec_public_key *pk)
{
    pk->curve = k->curve;
    pk->q = (unsigned char *)k->buf + k->off[ACME2__EC_Q];
    pk->qlen = k->len[ACME2__EC_Q];
}

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
#if defined(__linux__) && defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 25))
#define ACME2__HAVE_GETRANDOM 1
#include <sys/random.h>
#endif
#include <stdio.h>

/* Seed length: 48 bytes gives HMAC-DRBG its full security strength plus a
   nonce's worth (NIST SP 800-90A asks for 3/2 of the strength). */
#define ACME2__SEED_LEN 48

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

/* ---- SubjectPublicKeyInfo ---- */

static const unsigned char acme2__key_oid_ec_public_key[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
static const unsigned char acme2__key_oid_p256[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const unsigned char acme2__key_oid_p384[] = { 0x2b, 0x81, 0x04, 0x00, 0x22 };
#ifndef ACME2_NO_RSA
static const unsigned char acme2__key_oid_rsa[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };
#endif

/* Size of a DER element holding n content bytes (n < 65536 here). */
static size_t acme2__key_tlv_len(size_t n)
{
    return n + (n < 0x80 ? 2 : n < 0x100 ? 3 : 4);
}

/* Writes tag and length of an element with n content bytes; returns the
   position after them. */
static unsigned char *acme2__key_put_hdr(unsigned char *p, unsigned char tag, size_t n)
{
    *p++ = tag;
    if (n >= 0x100) {
        *p++ = 0x82;
        *p++ = (unsigned char)(n >> 8);
    } else if (n >= 0x80) {
        *p++ = 0x81;
    }
    *p++ = (unsigned char)n;
    return p;
}

static unsigned char *acme2__key_put_tlv(unsigned char *p, unsigned char tag, const unsigned char *v, size_t n)
{
    p = acme2__key_put_hdr(p, tag, n);
    ACME2_MEMCPY(p, v, n);
    return p + n;
}

#ifndef ACME2_NO_RSA
/* Content length of a DER INTEGER holding the unsigned big-endian v. */
static size_t acme2__key_uint_len(const unsigned char *v, size_t n)
{
    return n + (v[0] & 0x80 ? 1 : 0);
}

static unsigned char *acme2__key_put_uint(unsigned char *p, const unsigned char *v, size_t n)
{
    size_t c = acme2__key_uint_len(v, n);
    p = acme2__key_put_hdr(p, 0x02, c);
    if (c > n) *p++ = 0;
    ACME2_MEMCPY(p, v, n);
    return p + n;
}
#endif

ACME2_DEF int acme2_key_spki_der(const acme2_key *key, void *out, size_t out_size)
{
    unsigned char *p = (unsigned char *)out;
    size_t alg, bits, total;
    if (!acme2__key_ok(key)) return ACME2_ERR_PARAM;
    if (key->kind == ACME2_KEY_EC) {
        const unsigned char *curve = key->curve == BR_EC_secp384r1 ? acme2__key_oid_p384 : acme2__key_oid_p256;
        size_t clen = key->curve == BR_EC_secp384r1 ? sizeof acme2__key_oid_p384 : sizeof acme2__key_oid_p256;
        size_t q = key->len[ACME2__EC_Q];
        alg = acme2__key_tlv_len(sizeof acme2__key_oid_ec_public_key) + acme2__key_tlv_len(clen);
        bits = 1 + q;
        total = acme2__key_tlv_len(acme2__key_tlv_len(alg) + acme2__key_tlv_len(bits));
        if (!out) return (int)total;
        if (out_size < total) return ACME2_ERR_NOSPACE;
        p = acme2__key_put_hdr(p, 0x30, acme2__key_tlv_len(alg) + acme2__key_tlv_len(bits));
        p = acme2__key_put_hdr(p, 0x30, alg);
        p = acme2__key_put_tlv(p, 0x06, acme2__key_oid_ec_public_key, sizeof acme2__key_oid_ec_public_key);
        p = acme2__key_put_tlv(p, 0x06, curve, clen);
        p = acme2__key_put_hdr(p, 0x03, bits);
        *p++ = 0;
        ACME2_MEMCPY(p, key->buf + key->off[ACME2__EC_Q], q);
        return (int)total;
    }
#ifndef ACME2_NO_RSA
    {
        const unsigned char *n = key->buf + key->off[ACME2__RSA_N], *e = key->buf + key->off[ACME2__RSA_E];
        size_t nl = key->len[ACME2__RSA_N], el = key->len[ACME2__RSA_E];
        size_t seq = acme2__key_tlv_len(acme2__key_uint_len(n, nl)) + acme2__key_tlv_len(acme2__key_uint_len(e, el));
        alg = acme2__key_tlv_len(sizeof acme2__key_oid_rsa) + 2;
        bits = 1 + acme2__key_tlv_len(seq);
        total = acme2__key_tlv_len(acme2__key_tlv_len(alg) + acme2__key_tlv_len(bits));
        if (!out) return (int)total;
        if (out_size < total) return ACME2_ERR_NOSPACE;
        p = acme2__key_put_hdr(p, 0x30, acme2__key_tlv_len(alg) + acme2__key_tlv_len(bits));
        p = acme2__key_put_hdr(p, 0x30, alg);
        p = acme2__key_put_tlv(p, 0x06, acme2__key_oid_rsa, sizeof acme2__key_oid_rsa);
        *p++ = 0x05;
        *p++ = 0x00;
        p = acme2__key_put_hdr(p, 0x03, bits);
        *p++ = 0;
        p = acme2__key_put_hdr(p, 0x30, seq);
        p = acme2__key_put_uint(p, n, nl);
        acme2__key_put_uint(p, e, el);
        return (int)total;
    }
#else
    return ACME2_ERR_PARAM;
#endif
}

/* ---- loading ----

   One sequential reader serves DER input and the base64 body of a PEM
   block alike, so a PEM key is parsed as it is decoded: no buffer holds the
   decoded DER. Positions count decoded bytes; every element is checked to
   end inside its container before its content is read. */

static const unsigned char acme2__key_oid_ed25519[] = { 0x2b, 0x65, 0x70 };
/* PKCS#5 (PBES1/PBES2) and PKCS#12 PBE: what encrypted PKCS#8 names. */
static const unsigned char acme2__key_oid_pkcs5[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05 };
static const unsigned char acme2__key_oid_pkcs12pbe[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01 };

/* Longest OID compared (anything longer is no OID we know). */
#define ACME2__KEY_OID_MAX 16

/* Largest EC scalar and point accepted while parsing: P-521's, so that a
   P-521 key is reported as unsupported rather than malformed. */
#define ACME2__KEY_EC_X_MAX 66
#define ACME2__KEY_EC_Q_MAX 133

typedef struct acme2__key_rd {
    const unsigned char *in; /* DER, or the base64 text of a PEM body */
    size_t in_len, in_pos;
    int pem;
    unsigned long acc;       /* PEM: undelivered bits */
    int nbits;
    size_t pos;              /* decoded bytes delivered */
    int err;                 /* first error, sticky */
} acme2__key_rd;

static int acme2__key_fail(acme2__key_rd *r, int err)
{
    if (!r->err) r->err = err;
    return -1;
}

/* Value of a standard base64 character, or -1. */
static int acme2__key_b64v(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

static int acme2__key_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Next decoded byte, or -1 (then r->err is set). */
static int acme2__key_byte(acme2__key_rd *r)
{
    int b;
    if (r->err) return -1;
    if (!r->pem) {
        if (r->in_pos >= r->in_len) return acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
        r->pos++;
        return r->in[r->in_pos++];
    }
    while (r->nbits < 8) {
        int v;
        if (r->in_pos >= r->in_len) return acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
        v = acme2__key_b64v(r->in[r->in_pos]);
        if (v < 0) {
            if (acme2__key_space(r->in[r->in_pos])) { r->in_pos++; continue; }
            /* Padding: the body ends before the DER does. */
            return acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
        }
        r->in_pos++;
        r->acc = ((r->acc << 6) | (unsigned long)v) & 0xffffUL;
        r->nbits += 6;
    }
    r->nbits -= 8;
    b = (int)((r->acc >> r->nbits) & 0xff);
    r->pos++;
    return b;
}

/* Reads n bytes into dst (NULL: skips them). */
static void acme2__key_read(acme2__key_rd *r, unsigned char *dst, size_t n)
{
    while (n-- && !r->err) {
        int b = acme2__key_byte(r);
        if (b >= 0 && dst) *dst++ = (unsigned char)b;
    }
}

/* Reads a tag and a length; the element must end by `end`. Returns the tag
   (content length in *len) or -1. Low-tag-number form only; lengths up to
   65535 (no key element is larger). */
static int acme2__key_hdr(acme2__key_rd *r, size_t end, size_t *len)
{
    int tag = acme2__key_byte(r), b;
    size_t n;
    if (tag < 0) return -1;
    if ((tag & 0x1f) == 0x1f) return acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
    b = acme2__key_byte(r);
    if (b < 0) return -1;
    if (b < 0x80) {
        n = (size_t)b;
    } else if (b == 0x81) {
        n = (size_t)acme2__key_byte(r);
    } else if (b == 0x82) {
        n = (size_t)acme2__key_byte(r) << 8;
        n |= (size_t)acme2__key_byte(r);
    } else {
        return acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
    }
    if (r->err) return -1;
    if (r->pos > end || n > end - r->pos) return acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
    *len = n;
    return tag;
}

/* Reads an element that must have tag `tag`; returns its content length. */
static size_t acme2__key_expect(acme2__key_rd *r, int tag, size_t end)
{
    size_t n = 0;
    int t = acme2__key_hdr(r, end, &n);
    if (t >= 0 && t != tag) acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
    return r->err ? 0 : n;
}

/* INTEGER content of n bytes holding a small non-negative value. */
static long acme2__key_small(acme2__key_rd *r, size_t n)
{
    long v = 0;
    if (n < 1 || n > 2) {
        acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
        return -1;
    }
    while (n--) v = (v << 8) | acme2__key_byte(r);
    if (r->err || v > 0x7fff) {
        acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
        return -1;
    }
    return v;
}

#ifndef ACME2_NO_RSA
/* INTEGER content of n bytes holding a positive number: copied into dst
   without leading zeros (dst NULL: skipped). Returns the stored length;
   ACME2_ERR_KEY_UNSUPPORTED in r->err when longer than cap. */
static size_t acme2__key_uint(acme2__key_rd *r, size_t n, unsigned char *dst, size_t cap)
{
    size_t k = 0;
    int b;
    if (n == 0) {
        acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
        return 0;
    }
    b = acme2__key_byte(r);
    if (b & 0x80) acme2__key_fail(r, ACME2_ERR_KEY_FORMAT); /* negative */
    while (!r->err) {
        if (b != 0 || k) {
            if (dst) {
                if (k >= cap) {
                    acme2__key_fail(r, ACME2_ERR_KEY_UNSUPPORTED);
                    break;
                }
                dst[k] = (unsigned char)b;
            }
            k++;
        }
        if (--n == 0) break;
        b = acme2__key_byte(r);
    }
    if (!r->err && k == 0) acme2__key_fail(r, ACME2_ERR_KEY_FORMAT); /* zero */
    return r->err ? 0 : k;
}
#endif

/* OBJECT IDENTIFIER content of n bytes into oid; returns its length, 0 for
   an OID too long to be one we know. */
static size_t acme2__key_oid(acme2__key_rd *r, size_t n, unsigned char *oid)
{
    if (n == 0) {
        acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
        return 0;
    }
    if (n > ACME2__KEY_OID_MAX) {
        acme2__key_read(r, NULL, n);
        return 0;
    }
    acme2__key_read(r, oid, n);
    return n;
}

static int acme2__key_oid_eq(const unsigned char *oid, size_t n, const unsigned char *want, size_t wn)
{
    return n == wn && ACME2_MEMCMP(oid, want, n) == 0;
}

/* Curve of a namedCurve OID: BR_EC_secp256r1, BR_EC_secp384r1, or 0. */
static int acme2__key_curve_of(const unsigned char *oid, size_t n)
{
    if (acme2__key_oid_eq(oid, n, acme2__key_oid_p256, sizeof acme2__key_oid_p256)) return BR_EC_secp256r1;
    if (acme2__key_oid_eq(oid, n, acme2__key_oid_p384, sizeof acme2__key_oid_p384)) return BR_EC_secp384r1;
    return 0;
}

/* ECParameters after its header: a named curve (returns the curve, 0 when
   unsupported), or explicit parameters / implicitCA (errors). */
static int acme2__key_ec_params(acme2__key_rd *r, size_t end)
{
    unsigned char oid[ACME2__KEY_OID_MAX];
    size_t n = 0, olen;
    int t = acme2__key_hdr(r, end, &n);
    if (t < 0) return -1;
    if (t == 0x30) return acme2__key_fail(r, ACME2_ERR_KEY_EXPLICIT_EC);
    if (t == 0x05) return acme2__key_fail(r, ACME2_ERR_KEY_UNSUPPORTED);
    if (t != 0x06) return acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
    olen = acme2__key_oid(r, n, oid);
    if (r->err) return -1;
    return acme2__key_curve_of(oid, olen);
}

/* SEC1 ECPrivateKey from the privateKey OCTET STRING (header read, content
   of xlen bytes) to the end of the SEQUENCE at `end`. curve: from the
   PKCS#8 wrapper, or 0. Leaves the raw scalar at buf[0..), an included
   point at buf[ACME2__EC_Q_OFF..) with its length in len[ACME2__EC_Q]. */
static void acme2__key_sec1_body(acme2_key *k, acme2__key_rd *r, size_t end, size_t xlen, int curve)
{
    int seen = 0, inner = -1;
    if (xlen == 0 || xlen > ACME2__KEY_EC_X_MAX) {
        acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
        return;
    }
    acme2__key_read(r, k->buf, xlen);
    k->len[ACME2__EC_X] = (unsigned short)xlen;
    /* [0] parameters and [1] publicKey, each optional, in this order. */
    while (!r->err && r->pos < end) {
        size_t n = 0, stop;
        int t = acme2__key_hdr(r, end, &n);
        if (t < 0) return;
        stop = r->pos + n;
        if (t == 0xa0 && seen == 0) {
            inner = acme2__key_ec_params(r, stop);
            seen = 1;
        } else if (t == 0xa1 && seen < 2) {
            size_t q = acme2__key_expect(r, 0x03, stop);
            /* BIT STRING: no unused bits, then the point. */
            if (!r->err && (q < 2 || q - 1 > ACME2__KEY_EC_Q_MAX || acme2__key_byte(r) != 0)) {
                acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
                return;
            }
            acme2__key_read(r, k->buf + ACME2__EC_Q_OFF, q - 1);
            k->len[ACME2__EC_Q] = (unsigned short)(q - 1);
            seen = 2;
        } else {
            acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
            return;
        }
        if (!r->err && r->pos != stop) acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
    }
    if (r->err) return;
    if (curve < 0) curve = inner; /* SEC1 alone: its own parameters name the curve */
    else if (inner >= 0 && inner != curve) curve = -1; /* wrapper and key disagree */
    if (curve < 0) acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
    else if (curve == 0) acme2__key_fail(r, ACME2_ERR_KEY_UNSUPPORTED);
    k->curve = curve;
    k->kind = ACME2_KEY_EC;
}

#ifndef ACME2_NO_RSA
/* Next RSA component into buf at *w (slot s; s < 0: read and discard). */
static void acme2__key_rsa_part(acme2_key *k, acme2__key_rd *r, size_t end, int s, size_t *w)
{
    size_t n = acme2__key_expect(r, 0x02, end), got;
    if (r->err) return;
    if (s < 0) {
        acme2__key_uint(r, n, NULL, 0);
        return;
    }
    got = acme2__key_uint(r, n, k->buf + *w, sizeof k->buf - *w);
    k->off[s] = (unsigned short)*w;
    k->len[s] = (unsigned short)got;
    *w += got;
}
#endif

/* PKCS#1 RSAPrivateKey from the modulus INTEGER (header read, nlen content
   bytes) to the end of the SEQUENCE at `end`: n e d p q dp dq iq. */
static void acme2__key_rsa_body(acme2_key *k, acme2__key_rd *r, size_t end, size_t nlen)
{
#ifdef ACME2_NO_RSA
    (void)k;
    (void)end;
    (void)nlen;
    acme2__key_fail(r, ACME2_ERR_KEY_UNSUPPORTED);
#else
    static const signed char order[] = { ACME2__RSA_E, -1, ACME2__RSA_P, ACME2__RSA_Q,
                                         ACME2__RSA_DP, ACME2__RSA_DQ, ACME2__RSA_IQ };
    size_t w, i;
    unsigned bits;
    unsigned char top;
    w = acme2__key_uint(r, nlen, k->buf, ACME2__RSA_BYTES);
    if (r->err) return;
    k->off[ACME2__RSA_N] = 0;
    k->len[ACME2__RSA_N] = (unsigned short)w;
    top = k->buf[0];
    bits = (unsigned)(w - 1) * 8;
    while (top) { bits++; top >>= 1; }
    if (bits < 2048 || bits > ACME2_RSA_MAX_BITS) {
        acme2__key_fail(r, ACME2_ERR_KEY_UNSUPPORTED);
        return;
    }
    k->bits = bits;
    for (i = 0; i < sizeof order && !r->err; i++) acme2__key_rsa_part(k, r, end, order[i], &w);
    if (r->err) return;
    if (r->pos != end) {
        acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
        return;
    }
    /* e must fit 32 bits (d is recomputed from it) and be odd and > 1. */
    if (k->len[ACME2__RSA_E] > 4 || !(k->buf[k->off[ACME2__RSA_E] + k->len[ACME2__RSA_E] - 1] & 1)
        || acme2__key_rsa_e32(k) < 3) {
        acme2__key_fail(r, ACME2_ERR_KEY_UNSUPPORTED);
        return;
    }
    k->kind = ACME2_KEY_RSA;
#endif
}

/* Input formats, from the PEM label; ANY for DER. */
#define ACME2__KEY_ANY 0
#define ACME2__KEY_SEC1 1
#define ACME2__KEY_PKCS1 2
#define ACME2__KEY_PKCS8 3

/* PKCS#8 PrivateKeyInfo / OneAsymmetricKey from the AlgorithmIdentifier
   (header read, alen content bytes) to the end of the SEQUENCE at `end`. */
static void acme2__key_pkcs8_body(acme2_key *k, acme2__key_rd *r, size_t end, size_t alen)
{
    unsigned char oid[ACME2__KEY_OID_MAX];
    size_t aend = r->pos + alen, n, olen, iend;
    int curve = 0, is_ec = 0;
    olen = acme2__key_oid(r, acme2__key_expect(r, 0x06, aend), oid);
    if (r->err) return;
    if (acme2__key_oid_eq(oid, olen, acme2__key_oid_ec_public_key, sizeof acme2__key_oid_ec_public_key)) {
        is_ec = 1;
        curve = acme2__key_ec_params(r, aend);
    } else if (acme2__key_oid_eq(oid, olen, acme2__key_oid_ed25519, sizeof acme2__key_oid_ed25519)) {
        acme2__key_fail(r, ACME2_ERR_KEY_ED25519);
#ifndef ACME2_NO_RSA
    } else if (acme2__key_oid_eq(oid, olen, acme2__key_oid_rsa, sizeof acme2__key_oid_rsa)) {
        /* parameters: NULL, or absent */
        if (r->pos < aend && (acme2__key_expect(r, 0x05, aend) != 0 || r->err))
            acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
#endif
    } else {
        acme2__key_fail(r, ACME2_ERR_KEY_UNSUPPORTED);
    }
    if (r->err) return;
    if (r->pos != aend) {
        acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
        return;
    }
    if (is_ec && curve == 0) {
        acme2__key_fail(r, ACME2_ERR_KEY_UNSUPPORTED);
        return;
    }
    /* privateKey OCTET STRING: the SEC1 or PKCS#1 DER, filling it exactly. */
    n = acme2__key_expect(r, 0x04, end);
    iend = r->pos + n;
    n = acme2__key_expect(r, 0x30, iend);
    if (r->err) return;
    if (r->pos + n != iend) {
        acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
        return;
    }
    if (acme2__key_small(r, acme2__key_expect(r, 0x02, iend)) != (is_ec ? 1 : 0)) {
        acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
        return;
    }
    if (is_ec) acme2__key_sec1_body(k, r, iend, acme2__key_expect(r, 0x04, iend), curve);
    else acme2__key_rsa_body(k, r, iend, acme2__key_expect(r, 0x02, iend));
    /* [0] attributes, [1] publicKey (v2): not needed. */
    while (!r->err && r->pos < end) {
        int t = acme2__key_hdr(r, end, &n);
        if (t != 0xa0 && t != 0x81 && t != 0xa1) acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
        acme2__key_read(r, NULL, n);
    }
}

/* A whole key from r (which must end exactly at `end`). */
static void acme2__key_parse(acme2_key *k, acme2__key_rd *r, size_t end, int fmt)
{
    size_t n = 0;
    long version;
    int t;
    n = acme2__key_expect(r, 0x30, end);
    if (r->err) return;
    if (r->pos + n != end) {
        acme2__key_fail(r, ACME2_ERR_KEY_FORMAT); /* trailing bytes */
        return;
    }
    t = acme2__key_hdr(r, end, &n);
    if (t == 0x30) {
        /* EncryptedPrivateKeyInfo starts with the encryption algorithm. */
        unsigned char oid[ACME2__KEY_OID_MAX];
        size_t olen = acme2__key_oid(r, acme2__key_expect(r, 0x06, end), oid);
        if (!r->err && olen >= sizeof acme2__key_oid_pkcs5
            && (ACME2_MEMCMP(oid, acme2__key_oid_pkcs5, sizeof acme2__key_oid_pkcs5) == 0
                || (olen >= sizeof acme2__key_oid_pkcs12pbe
                    && ACME2_MEMCMP(oid, acme2__key_oid_pkcs12pbe, sizeof acme2__key_oid_pkcs12pbe) == 0)))
            acme2__key_fail(r, ACME2_ERR_KEY_ENCRYPTED);
        acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
        return;
    }
    if (t != 0x02) {
        acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
        return;
    }
    version = acme2__key_small(r, n);
    t = acme2__key_hdr(r, end, &n);
    if (r->err) return;
    if (t == 0x04 && version == 1 && (fmt == ACME2__KEY_ANY || fmt == ACME2__KEY_SEC1)) {
        acme2__key_sec1_body(k, r, end, n, -1);
    } else if (t == 0x02 && (fmt == ACME2__KEY_ANY || fmt == ACME2__KEY_PKCS1)) {
        /* version 1 is multi-prime RSA */
        if (version == 0) acme2__key_rsa_body(k, r, end, n);
        else acme2__key_fail(r, version == 1 ? ACME2_ERR_KEY_UNSUPPORTED : ACME2_ERR_KEY_FORMAT);
    } else if (t == 0x30 && (version == 0 || version == 1) && (fmt == ACME2__KEY_ANY || fmt == ACME2__KEY_PKCS8)) {
        acme2__key_pkcs8_body(k, r, end, n);
    } else {
        acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
    }
    if (!r->err && r->pos != end) acme2__key_fail(r, ACME2_ERR_KEY_FORMAT);
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
        if (acme2__key_space(ch)) continue;
        if (ch == '=') { pad++; continue; }
        if (acme2__key_b64v(ch) < 0 || pad) return ACME2_ERR_PEM;
        c++;
    }
    if (c % 4 == 1 || pad > 2 || (pad && (c + pad) % 4 != 0)) return ACME2_ERR_PEM;
    if (c > (size_t)LONG_MAX / 6) return ACME2_ERR_PEM;
    return (long)(c * 6 / 8);
}

/* Stack: above 2 KB with RSA-4096 support (see keys.api.h): the key is
   built in a temporary so that a failure leaves *key as it was. */
ACME2_DEF int acme2_key_load(acme2_key *key, const void *data, size_t len)
{
    const unsigned char *d = (const unsigned char *)data;
    acme2_key tmp;
    acme2__key_rd r;
    size_t end, i;
    int fmt = ACME2__KEY_ANY, rc, pem = 0;
    if (!key || (!d && len)) return ACME2_ERR_PARAM;
    for (i = 0; i + 11 <= len && !pem; i++) pem = ACME2_MEMCMP(d + i, "-----BEGIN ", 11) == 0;
    ACME2_MEMSET(&r, 0, sizeof r);
    if (pem) {
        size_t b0 = 0, b1 = 0;
        long dl;
        rc = acme2__key_pem_find((const char *)d, len, &b0, &b1, &fmt);
        if (rc) return rc;
        dl = acme2__key_pem_body_len((const char *)d, b0, b1);
        if (dl < 0) return (int)dl;
        r.in = d + b0;
        r.in_len = b1 - b0;
        r.pem = 1;
        end = (size_t)dl;
    } else {
        r.in = d;
        r.in_len = len;
        end = len;
    }
    ACME2_MEMSET(&tmp, 0, sizeof tmp);
    acme2__key_parse(&tmp, &r, end, fmt);
    rc = r.err;
    if (!rc && tmp.kind == ACME2_KEY_EC) rc = acme2__key_ec_finish(&tmp);
#ifndef ACME2_NO_RSA
    if (!rc && tmp.kind == ACME2_KEY_RSA) rc = acme2__key_rsa_check(&tmp);
#endif
    if (!rc && !acme2__key_ok(&tmp)) rc = ACME2_ERR_KEY_FORMAT;
    if (!rc) ACME2_MEMCPY(key, &tmp, sizeof tmp);
    acme2_wipe(&tmp, sizeof tmp);
    acme2_wipe(&r, sizeof r);
    return rc;
}

/* ---- saving ---- */

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

ACME2_DEF int acme2_key_save_pem(const acme2_key *key, char *out, size_t out_size)
{
    static const char head[] = "-----BEGIN PRIVATE KEY-----\n", tail[] = "-----END PRIVATE KEY-----\n";
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t dlen, elen, total, i, o, col = 0;
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
    for (i = 0; i < dlen; i += 3) {
        unsigned long w = (unsigned long)in[i] << 16;
        size_t left = dlen - i;
        if (left > 1) w |= (unsigned long)in[i + 1] << 8;
        if (left > 2) w |= in[i + 2];
        out[o++] = b64[(w >> 18) & 63];
        out[o++] = b64[(w >> 12) & 63];
        out[o++] = left > 1 ? b64[(w >> 6) & 63] : '=';
        out[o++] = left > 2 ? b64[w & 63] : '=';
        if ((col += 4) == 64) {
            out[o++] = '\n';
            col = 0;
        }
    }
    if (col) out[o++] = '\n';
    ACME2_MEMCPY(out + o, tail, sizeof tail - 1);
    o += sizeof tail - 1;
    out[o] = 0;
    return (int)o;
}

ACME2_DEF void acme2_key_wipe(acme2_key *key)
{
    if (key) acme2_wipe(key, sizeof *key);
}
