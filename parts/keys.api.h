/* == keys == */

enum acme2_key_kind { ACME2_KEY_NONE = 0, ACME2_KEY_EC = 1, ACME2_KEY_RSA = 2 };

/* Storage for one private key with its public half. Holds raw key bytes and
   lengths only (no pointers), so it may be copied or moved freely. Zero it
   (or acme2_key_wipe it) before first use; wipe it when done: it holds the
   secret. Size: about 2 KB with RSA-4096 support, about 300 bytes with
   ACME2_NO_RSA. */
#ifndef ACME2_NO_RSA
#define ACME2__KEY_STORE (BR_RSA_KBUF_PRIV_SIZE(ACME2_RSA_MAX_BITS) + BR_RSA_KBUF_PUB_SIZE(ACME2_RSA_MAX_BITS))
#else
#define ACME2__KEY_STORE (BR_EC_KBUF_PRIV_MAX_SIZE + BR_EC_KBUF_PUB_MAX_SIZE)
#endif
typedef struct acme2_key {
    int kind;            /* enum acme2_key_kind */
    int curve;           /* EC: BR_EC_secp256r1 or BR_EC_secp384r1 */
    unsigned bits;       /* EC: 256/384; RSA: modulus size in bits */
    unsigned short len[8]; /* component lengths into buf (layout is private) */
    unsigned char buf[ACME2__KEY_STORE];
} acme2_key;

/* Seeds an HMAC-DRBG (SHA-256) from the operating system: getrandom(), else
   /dev/urandom. Returns 0 or ACME2_ERR_RNG. Not built with
   ACME2_NO_SYSTEM_RNG; firmware passes its own br_prng_class instead. */
#ifndef ACME2_NO_SYSTEM_RNG
ACME2_DEF int acme2_rng_system(br_hmac_drbg_context *drbg);
#endif

/* Generates a key. kind ACME2_KEY_EC with bits 256 or 384 (P-256, P-384);
   ACME2_KEY_RSA with bits 2048..ACME2_RSA_MAX_BITS (multiple of 8; e =
   65537). rng may be NULL for the system default. */
ACME2_DEF int acme2_key_generate(acme2_key *key, int kind, unsigned bits, const br_prng_class **rng);

/* Loads a private key from PEM or DER (detected): SEC1 "EC PRIVATE KEY",
   PKCS#1 "RSA PRIVATE KEY", PKCS#8 "PRIVATE KEY". RSA n and e are read from
   the DER. Errors: ACME2_ERR_KEY_ENCRYPTED (encrypted PEM or PKCS#8
   "ENCRYPTED PRIVATE KEY"), ACME2_ERR_KEY_ED25519, ACME2_ERR_KEY_EXPLICIT_EC,
   ACME2_ERR_KEY_UNSUPPORTED (other curves, RSA sizes or exponents other than
   65537 beyond limits), ACME2_ERR_PEM, ACME2_ERR_KEY_FORMAT. On failure key
   is untouched. Intermediate copies of secret bytes are wiped. */
ACME2_DEF int acme2_key_load(acme2_key *key, const void *data, size_t len);

/* PKCS#8 DER of the private key; returns its length. out == NULL returns the
   length needed. */
ACME2_DEF int acme2_key_save_der(const acme2_key *key, void *out, size_t out_size);

/* PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), NUL-terminated. */
ACME2_DEF int acme2_key_save_pem(const acme2_key *key, char *out, size_t out_size);

/* SubjectPublicKeyInfo DER of the public key. out == NULL returns the
   length needed. */
ACME2_DEF int acme2_key_spki_der(const acme2_key *key, void *out, size_t out_size);

/* Wipes the key and marks it empty. */
ACME2_DEF void acme2_key_wipe(acme2_key *key);
