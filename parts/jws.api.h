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

/* HMAC (RFC 2104) with SHA-256, -384 or -512 (bits = 256/384/512; other
   values: ACME2_ERR_PARAM). Returns the MAC length (bits / 8); out == NULL
   returns it without computing. The contexts holding key material are
   wiped. */
ACME2_DEF int acme2_hmac(unsigned bits, const void *key, size_t key_len, const void *data, size_t len,
                         unsigned char *out, size_t out_size);

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

/* External Account Binding (RFC 8555 section 7.3.4): appends the JWS whose
   protected header is {"alg":"HS256|HS384|HS512","kid":eab_kid,"url":url}
   and whose payload is the account key's JWK, MACed with mac_key (the raw
   key, already base64url-decoded). bits selects the HMAC (256/384/512).
   Same buffer and error contract as acme2_jws. */
ACME2_DEF int acme2_jws_eab(acme2_sb *sb, unsigned bits, const void *mac_key, size_t mac_key_len,
                            const char *eab_kid, const char *url, const acme2_key *account_key);

/* keyChange inner JWS (RFC 8555 section 7.3.5): protected {"alg","jwk" of
   new_key,"url"} (no nonce, no kid), payload {"account":account_url,
   "oldKey":jwk of old_key}, signed by new_key. Use the result as the
   payload of an ordinary acme2_jws signed by the old key with kid =
   account_url and the same url. Same buffer and error contract as
   acme2_jws. */
ACME2_DEF int acme2_jws_key_change(acme2_sb *sb, const acme2_key *new_key, const acme2_key *old_key,
                                   const char *account_url, const char *url);
