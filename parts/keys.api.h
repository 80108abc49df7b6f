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
   Linux with glibc 2.25 or later, else /dev/urandom. Returns 0 or
   ACME2_ERR_RNG. Not built with ACME2_NO_SYSTEM_RNG; firmware passes its own
   br_prng_class instead. */
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
ACME2_DEF int acme2_key_generate(acme2_key *key, int kind, unsigned bits, const br_prng_class **rng);

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
   ACME2_NO_RSA, plus what BearSSL's RSA private-key operation takes. */
ACME2_DEF int acme2_key_load(acme2_key *key, const void *data, size_t len);

/* PKCS#8 DER of the private key (EC: with the public point inside the
   ECPrivateKey; RSA: with d recomputed from p, q and e); returns its length.
   out == NULL returns the length needed. ACME2_ERR_NOSPACE when out_size is
   too small (out untouched), ACME2_ERR_PARAM for an empty key. */
ACME2_DEF int acme2_key_save_der(const acme2_key *key, void *out, size_t out_size);

/* PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----", 64-column lines, LF), NUL-
   terminated; returns its length without the NUL. out == NULL returns that
   length. The DER is built inside out and encoded in place, so no secret
   copy is left on the stack. */
ACME2_DEF int acme2_key_save_pem(const acme2_key *key, char *out, size_t out_size);

/* SubjectPublicKeyInfo DER of the public key (EC: id-ecPublicKey with the
   named curve and the uncompressed point; RSA: rsaEncryption with NULL
   parameters). out == NULL returns the length needed. */
ACME2_DEF int acme2_key_spki_der(const acme2_key *key, void *out, size_t out_size);

/* Wipes the key and marks it empty (every byte of *key becomes zero). */
ACME2_DEF void acme2_key_wipe(acme2_key *key);
