/* == chall == */

/* Longest challenge token accepted. RFC 8555 section 8.1 asks for at least
   128 bits of entropy (22 base64url characters); Boulder and Pebble send
   43. The bound sizes the key authorization kept on the stack (token, ".",
   43-character thumbprint). */
#ifndef ACME2_MAX_TOKEN
#define ACME2_MAX_TOKEN 256
#endif

/* Each function below writes NUL-terminated text and returns its length,
   ACME2_ERR_NOSPACE when out_size is too small (out untouched),
   ACME2_ERR_TOKEN for a token that is empty, longer than ACME2_MAX_TOKEN
   or not base64url characters, ACME2_ERR_IDENTIFIER for a malformed DNS
   identifier (rules of acme2_identifier_check). */

/* Key authorization (RFC 8555 section 8.1): token "." thumbprint(account
   key). */
ACME2_DEF int acme2_key_authorization(const acme2_key *account_key, const char *token, char *out, size_t out_size);

/* dns-01 TXT record value (RFC 8555 section 8.4):
   base64url(SHA-256(key authorization)), 43 characters. */
ACME2_DEF int acme2_dns01_txt(const acme2_key *account_key, const char *token, char *out, size_t out_size);

/* dns-01 record name for a DNS identifier: "_acme-challenge." + name, with
   a leading "*." removed (RFC 8555 section 8.4). ACME2_ERR_IDENTIFIER also
   when the result would exceed 253 characters. */
ACME2_DEF int acme2_dns01_name(const char *identifier, char *out, size_t out_size);

/* http-01 path (RFC 8555 section 8.3): "/.well-known/acme-challenge/" +
   token. The response body is the key authorization. */
ACME2_DEF int acme2_http01_path(const char *token, char *out, size_t out_size);

/* tls-alpn-01 certificate (acme2_tls_alpn01_cert_der) for identifier id
   and the key authorization of token under account_key, signed by
   cert_key. Sizes and results as for acme2_tls_alpn01_cert_der. */
ACME2_DEF int acme2_tls_alpn01_cert(unsigned char *out, size_t out_size, const acme2_key *cert_key,
                                    const acme2_key *account_key, const acme2_identifier *id,
                                    const char *token, int64_t now);

/* dns-account-01 record name (draft-ietf-acme-dns-account-label-03,
   section 3): "_" + base32(SHA-256(account_url)[0..10)) in lower case
   without padding (16 characters) + "._acme-challenge." + the DNS
   identifier with a leading "*." removed. The TXT value is the one of
   dns-01 (acme2_dns01_txt). ACME2_ERR_PARAM for an empty account URL;
   ACME2_ERR_IDENTIFIER also when the result would exceed 253 characters. */
ACME2_DEF int acme2_dns_account01_name(const char *account_url, const char *identifier, char *out, size_t out_size);

/* ARI certificate identifier (RFC 9773 section 4.1): base64url(AKI
   keyIdentifier) "." base64url(serial INTEGER content bytes, a leading
   0x00 included). ACME2_ERR_NOT_FOUND when the certificate has no AKI
   keyIdentifier. */
ACME2_DEF int acme2_ari_cert_id(const acme2_cert_info *ci, char *out, size_t out_size);
