/* == chall == */

/* Key authorization (RFC 8555 section 8.1): token "." thumbprint(account
   key). The token must be base64url (ACME2_ERR_TOKEN otherwise). */
ACME2_DEF int acme2_key_authorization(const acme2_key *account_key, const char *token, char *out, size_t out_size);

/* dns-01 TXT record value: base64url(SHA-256(key authorization)), 43 chars. */
ACME2_DEF int acme2_dns01_txt(const acme2_key *account_key, const char *token, char *out, size_t out_size);

/* dns-01 record name for an identifier: "_acme-challenge." + name, with a
   leading "*." removed. */
ACME2_DEF int acme2_dns01_name(const char *identifier, char *out, size_t out_size);

/* http-01 path: "/.well-known/acme-challenge/" + token. */
ACME2_DEF int acme2_http01_path(const char *token, char *out, size_t out_size);

/* tls-alpn-01 certificate for identifier id and the account key's key
   authorization of token, signed by cert_key. */
ACME2_DEF int acme2_tls_alpn01_cert(unsigned char *out, size_t out_size, const acme2_key *cert_key,
                                    const acme2_key *account_key, const acme2_identifier *id,
                                    const char *token, int64_t now);

/* dns-account-01 (draft-ietf-acme-dns-account-label): the record name
   "_" + base32(SHA-256(account_url)[0..10)) lower case + "._acme-challenge."
   + the identifier with "*." removed. */
ACME2_DEF int acme2_dns_account01_name(const char *account_url, const char *identifier, char *out, size_t out_size);

/* ARI certificate identifier (RFC 9773 section 4.1): base64url(AKI
   keyIdentifier) "." base64url(serial INTEGER content bytes).
   ACME2_ERR_NOT_FOUND when the certificate has no AKI keyIdentifier. */
ACME2_DEF int acme2_ari_cert_id(const acme2_cert_info *ci, char *out, size_t out_size);
