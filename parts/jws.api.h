/* == jws == */

/* The JWS algorithm of a key: "ES256", "ES384" or "RS256" (NULL if none). */
ACME2_DEF const char *acme2_jws_alg(const acme2_key *key);

/* The public JWK in RFC 7638 canonical form: required members only, in
   lexicographic order, no white space: {"crv":..,"kty":"EC","x":..,"y":..}
   or {"e":..,"kty":"RSA","n":..}. */
ACME2_DEF int acme2_jwk(const acme2_key *key, char *out, size_t out_size);

/* RFC 7638 thumbprint: base64url(SHA-256(canonical JWK)), 43 characters. */
ACME2_DEF int acme2_jwk_thumbprint(const acme2_key *key, char *out, size_t out_size);

/* Signs data with the key in JWS form: ES256/ES384 give r||s (64/96 bytes),
   RS256 a PKCS#1 v1.5 signature the size of the modulus. Returns the length. */
ACME2_DEF int acme2_sign(const acme2_key *key, const void *data, size_t len, unsigned char *sig, size_t sig_size);

/* HMAC (RFC 2104) with SHA-256, -384 or -512 (bits = 256/384/512). Returns
   the MAC length. */
ACME2_DEF int acme2_hmac(unsigned bits, const void *key, size_t key_len, const void *data, size_t len,
                         unsigned char *out, size_t out_size);

/* Appends a flattened JSON JWS (RFC 7515 section 7.2.2, RFC 8555 section
   6.2) to sb: {"protected":..,"payload":..,"signature":..}. The protected
   header holds alg, then kid (when kid != NULL) or jwk, then nonce (when
   nonce != NULL), then url. payload is JSON text of payload_len bytes;
   payload == NULL means POST-as-GET (empty payload). Errors are left
   sticky in sb; returns sb's error state (0 or negative). */
ACME2_DEF int acme2_jws(acme2_sb *sb, const acme2_key *key, const char *kid, const char *nonce,
                        const char *url, const char *payload, size_t payload_len);

/* External Account Binding (RFC 8555 section 7.3.4): appends the JWS whose
   protected header is {"alg":"HS256|HS384|HS512","kid":eab_kid,"url":url}
   and whose payload is the account key's JWK, MACed with mac_key (the raw
   key, already base64url-decoded). bits selects the HMAC (256/384/512). */
ACME2_DEF int acme2_jws_eab(acme2_sb *sb, unsigned bits, const void *mac_key, size_t mac_key_len,
                            const char *eab_kid, const char *url, const acme2_key *account_key);

/* keyChange inner JWS (RFC 8555 section 7.3.5): protected {"alg","jwk" of
   new_key,"url"}, payload {"account":account_url,"oldKey":jwk of old_key},
   signed by new_key. Use the result as the payload of an ordinary
   acme2_jws signed by the old key with kid = account_url. */
ACME2_DEF int acme2_jws_key_change(acme2_sb *sb, const acme2_key *new_key, const acme2_key *old_key,
                                   const char *account_url, const char *url);
