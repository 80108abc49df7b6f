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
        acme2__b64url_raw(chunk, d, k);
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
    const acme2_key *payload_jwk;
    const char *account;
    const acme2_key *old_key;
    const acme2_key *key;
    const br_hash_class *mac_hash;
    const void *mac_key;
    size_t mac_key_len;
} acme2__jws_parts;

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

static void acme2__jws_payload(acme2_sb *h, const acme2__jws_parts *j)
{
    if (j->payload_jwk) {
        acme2__jwk_value(h, j->payload_jwk);
        return;
    }
    acme2_jw_obj_begin(h);
    acme2_jw_key(h, "account");
    acme2_jw_str(h, j->account);
    acme2_jw_key(h, "oldKey");
    acme2__jwk_value(h, j->old_key);
    acme2_jw_obj_end(h);
}

/* Encodes the n bytes that sit at dst + (base64url length - n) into
   base64url starting at dst. Safe in place: each group of three is read
   before its four characters are written, and those never reach input not
   yet read (the input's offset, a third of its length, is at least the
   number of groups). */
static void acme2__jws_b64_inplace(char *dst, size_t n)
{
    size_t shift = acme2__b64url_len(n) - n, i, o = 0;
    const unsigned char *in = (const unsigned char *)dst + shift;
    for (i = 0; i < n; i += 3) {
        size_t left = n - i;
        unsigned long w = (unsigned long)in[i] << 16;
        if (left > 1) w |= (unsigned long)in[i + 1] << 8;
        if (left > 2) w |= in[i + 2];
        dst[o++] = acme2__b64url_alphabet[(w >> 18) & 63];
        dst[o++] = acme2__b64url_alphabet[(w >> 12) & 63];
        if (left > 1) dst[o++] = acme2__b64url_alphabet[(w >> 6) & 63];
        if (left > 2) dst[o++] = acme2__b64url_alphabet[w & 63];
    }
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
    } else {
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
    siglen = j->mac_hash ? (size_t)((j->mac_hash->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK)
                         : acme2__key_sig_len(j->key);
    acme2_jw_obj_begin(sb);
    acme2_jw_key(sb, "protected");
    acme2_sb_putc(sb, '"');
    p0 = sb->len;
    acme2__jws_json_b64(sb, acme2__jws_header, j);
    n0 = sb->len - p0;
    acme2_sb_puts(sb, "\",\"payload\":\"");
    p1 = sb->len;
    if (j->payload_jwk || j->account) acme2__jws_json_b64(sb, acme2__jws_payload, j);
    else if (j->payload) acme2_sb_b64url(sb, j->payload, j->payload_len);
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
