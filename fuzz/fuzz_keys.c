/* Fuzz target: private key loading (PEM and DER), then everything done
   with a loaded key: JWK, thumbprint, SPKI, PKCS#8 DER and PEM saving, and
   loading the saved bytes again, which must give the same key.

   Input: the key file as it is. A DER input is also wrapped in PEM armour
   (label chosen by the input length) and loaded through the PEM path; when
   both loads succeed they must give the same key. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "fuzz_common.h"

#ifndef FUZZ_ENTRY_KEYS
#define FUZZ_ENTRY_KEYS LLVMFuzzerTestOneInput
#endif
int FUZZ_ENTRY_KEYS(const uint8_t *data, size_t size);

#define FK_PEM_MAX 16384

static acme2_key fk_key, fk_key2, fk_key3;
static unsigned char fk_der[8192], fk_der2[8192];
static char fk_pem[FK_PEM_MAX], fk_wrap[FK_PEM_MAX];

static int fk_load_err_ok(int rc)
{
    return rc == ACME2_ERR_KEY_FORMAT || rc == ACME2_ERR_KEY_ENCRYPTED || rc == ACME2_ERR_KEY_ED25519 ||
           rc == ACME2_ERR_KEY_EXPLICIT_EC || rc == ACME2_ERR_KEY_UNSUPPORTED || rc == ACME2_ERR_PEM;
}

/* Loads data into key; on failure the key must be untouched. */
static int fk_load(acme2_key *key, const void *data, size_t len)
{
    static acme2_key before;
    int rc;
    memset(key, 0xa5, sizeof *key);
    memcpy(&before, key, sizeof before);
    rc = acme2_key_load(key, data, len);
    if (rc != 0) {
        FUZZ_ASSERT(fk_load_err_ok(rc));
        FUZZ_ASSERT(memcmp(&before, key, sizeof before) == 0);
    } else {
        if (key->kind == ACME2_KEY_EC) {
            FUZZ_ASSERT((key->curve == BR_EC_secp256r1 && key->bits == 256) ||
                        (key->curve == BR_EC_secp384r1 && key->bits == 384));
        } else {
            FUZZ_ASSERT(key->kind == ACME2_KEY_RSA);
            FUZZ_ASSERT(key->bits >= 2048 && key->bits <= ACME2_RSA_MAX_BITS);
        }
    }
    return rc;
}

static void fk_thumb(const acme2_key *key, char tp[64])
{
    char small[43];
    FUZZ_ASSERT(acme2_jwk_thumbprint(key, tp, 64) == 43);
    FUZZ_ASSERT(strlen(tp) == 43);
    FUZZ_ASSERT(acme2_jwk_thumbprint(key, small, sizeof small) == ACME2_ERR_NOSPACE);
}

/* Standard base64 with 64-column lines, written here for the wrapping. */
static size_t fk_base64(const unsigned char *in, size_t n, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0, col = 0;
    for (i = 0; i < n; i += 3) {
        unsigned long w = (unsigned long)in[i] << 16;
        if (i + 1 < n) w |= (unsigned long)in[i + 1] << 8;
        if (i + 2 < n) w |= in[i + 2];
        out[o++] = a[(w >> 18) & 63];
        out[o++] = a[(w >> 12) & 63];
        out[o++] = i + 1 < n ? a[(w >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? a[w & 63] : '=';
        if ((col += 4) == 64) { out[o++] = '\n'; col = 0; }
    }
    if (col) out[o++] = '\n';
    return o;
}

/* Everything done with a loaded key; the saved forms load back to it. */
static void fk_use(const acme2_key *key)
{
    char tp[64], tp2[64], jwk[2048];
    unsigned char spki[1024];
    int n, m, j;
    const char *alg = acme2_jws_alg(key);
    FUZZ_ASSERT(alg != NULL);
    FUZZ_ASSERT(strcmp(alg, key->kind == ACME2_KEY_RSA ? "RS256" : key->bits == 384 ? "ES384" : "ES256") == 0);
    fk_thumb(key, tp);
    j = acme2_jwk(key, jwk, sizeof jwk);
    FUZZ_ASSERT(j > 0 && (size_t)j == strlen(jwk));
    FUZZ_ASSERT(acme2_json_parse(jwk, (size_t)j, NULL, 0) > 0);
    FUZZ_ASSERT(acme2_jwk(key, jwk, (size_t)j) == ACME2_ERR_NOSPACE);
    n = acme2_key_spki_der(key, NULL, 0);
    FUZZ_ASSERT(n > 0 && (size_t)n <= sizeof spki);
    FUZZ_ASSERT(acme2_key_spki_der(key, spki, (size_t)n) == n);
    FUZZ_ASSERT(acme2_key_spki_der(key, spki, (size_t)n - 1) == ACME2_ERR_NOSPACE);

    /* DER: exact size, one short, round trip */
    n = acme2_key_save_der(key, NULL, 0);
    FUZZ_ASSERT(n > 0 && (size_t)n <= sizeof fk_der);
    memset(fk_der, 0x3c, sizeof fk_der);
    FUZZ_ASSERT(acme2_key_save_der(key, fk_der, (size_t)n - 1) == ACME2_ERR_NOSPACE);
    FUZZ_ASSERT(fk_der[0] == 0x3c);
    FUZZ_ASSERT(acme2_key_save_der(key, fk_der, (size_t)n) == n);
    FUZZ_ASSERT(fk_load(&fk_key2, fk_der, (size_t)n) == 0);
    fk_thumb(&fk_key2, tp2);
    FUZZ_ASSERT(strcmp(tp, tp2) == 0);
    m = acme2_key_save_der(&fk_key2, fk_der2, sizeof fk_der2);
    FUZZ_ASSERT(m == n && memcmp(fk_der, fk_der2, (size_t)n) == 0);

    /* PEM: exact size, one short, round trip */
    n = acme2_key_save_pem(key, NULL, 0);
    FUZZ_ASSERT(n > 0 && (size_t)n < sizeof fk_pem);
    memset(fk_pem, 0x3c, sizeof fk_pem);
    FUZZ_ASSERT(acme2_key_save_pem(key, fk_pem, (size_t)n) == ACME2_ERR_NOSPACE);
    FUZZ_ASSERT(acme2_key_save_pem(key, fk_pem, (size_t)n + 1) == n);
    FUZZ_ASSERT(fk_pem[n] == 0 && (unsigned char)fk_pem[n + 1] == 0x3c && strlen(fk_pem) == (size_t)n);
    FUZZ_ASSERT(fk_load(&fk_key3, fk_pem, (size_t)n) == 0);
    fk_thumb(&fk_key3, tp2);
    FUZZ_ASSERT(strcmp(tp, tp2) == 0);
    acme2_key_wipe(&fk_key2);
    acme2_key_wipe(&fk_key3);
    FUZZ_ASSERT(fk_key3.kind == ACME2_KEY_NONE);
    FUZZ_ASSERT(acme2_key_save_der(&fk_key3, fk_der, sizeof fk_der) == ACME2_ERR_PARAM);
}

int FUZZ_ENTRY_KEYS(const uint8_t *data, size_t size)
{
    static const char *const labels[3] = { "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY" };
    char tp[64], tp2[64];
    int rc, rc2, is_pem = 0;
    size_t i, o;
    for (i = 0; i + 11 <= size && !is_pem; i++) is_pem = memcmp(data + i, "-----BEGIN ", 11) == 0;
    rc = fk_load(&fk_key, data, size);
    if (rc == 0) {
        fk_thumb(&fk_key, tp);
        fk_use(&fk_key);
    }
    if (!is_pem && size > 0 && size <= 6000) {
        const char *label = labels[size % 3];
        o = (size_t)sprintf(fk_wrap, "-----BEGIN %s-----\n", label);
        o += fk_base64(data, size, fk_wrap + o);
        o += (size_t)sprintf(fk_wrap + o, "-----END %s-----\n", label);
        rc2 = fk_load(&fk_key2, fk_wrap, o);
        if (rc == 0 && rc2 == 0) {
            fk_thumb(&fk_key2, tp2);
            FUZZ_ASSERT(strcmp(tp, tp2) == 0);
        }
        acme2_key_wipe(&fk_key2);
    }
    acme2_key_wipe(&fk_key);
    return 0;
}

#undef FUZZ_ENTRY_KEYS
