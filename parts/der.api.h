/* == der == */

enum acme2_id_type { ACME2_ID_DNS = 1, ACME2_ID_IP = 2 };

/* An ACME identifier: a DNS name (wildcards "*.example.com" allowed) or an
   IP address in text form (IPv4 dotted quad, IPv6 RFC 4291 text). */
typedef struct acme2_identifier {
    int type;            /* enum acme2_id_type */
    const char *value;   /* NUL-terminated */
} acme2_identifier;

/* Parses an IP address in text: 4 bytes for IPv4, 16 for IPv6. Returns the
   length (4 or 16) or ACME2_ERR_IDENTIFIER. */
ACME2_DEF int acme2_ip_parse(const char *text, unsigned char out[16]);

/* Formats 4 or 16 address bytes as text (IPv6 as RFC 5952: lower case,
   longest zero run compressed). Returns the length. */
ACME2_DEF int acme2_ip_format(const unsigned char *ip, size_t ip_len, char *out, size_t out_size);

#define ACME2_CSR_NO_CN 1  /* flag: leave the subject empty */

/* PKCS#10 CSR in DER, signed by key (ECDSA with SHA-256/384 as ASN.1, or
   RSA PKCS#1 v1.5 SHA-256), with an extensionRequest holding
   subjectAltName: dNSName for DNS identifiers, iPAddress for IP ones. The
   subject CN is the first DNS identifier unless ACME2_CSR_NO_CN is given,
   there is none, or it is longer than 64 bytes. Returns the length; out ==
   NULL returns the length needed. ACME2_ERR_IDENTIFIER for a malformed
   identifier. */
ACME2_DEF int acme2_csr_der(unsigned char *out, size_t out_size, const acme2_key *key,
                            const acme2_identifier *ids, size_t n_ids, unsigned flags);

/* The tls-alpn-01 challenge certificate (RFC 8737 section 3): self-signed by
   key, subject and SAN the identifier, a critical id-pe-acmeIdentifier
   extension holding OCTET STRING(SHA-256(key_authorization)), valid from
   now - 1 hour to now + 7 days (now: Unix time), random-free serial derived
   from the digest. Returns the DER length. */
ACME2_DEF int acme2_tls_alpn01_cert_der(unsigned char *out, size_t out_size, const acme2_key *key,
                                        const acme2_identifier *id, const char *key_authorization,
                                        int64_t now);

/* What acme2_cert_parse reads from an X.509 certificate. Pointers are into
   the caller's DER and live as long as it. */
typedef struct acme2_cert_info {
    const unsigned char *serial;   /* INTEGER content bytes as encoded */
    size_t serial_len;
    const unsigned char *aki;      /* authorityKeyIdentifier keyIdentifier, or NULL */
    size_t aki_len;
    int64_t not_before, not_after; /* Unix time */
    const unsigned char *spki;     /* SubjectPublicKeyInfo DER (whole SEQUENCE) */
    size_t spki_len;
    const unsigned char *san;      /* SubjectAltName extension: GeneralNames contents, or NULL */
    size_t san_len;
} acme2_cert_info;

/* Reads a DER certificate strictly enough to trust the fields above (every
   length checked against its container). ACME2_ERR_DER on anything else. */
ACME2_DEF int acme2_cert_parse(acme2_cert_info *ci, const void *der, size_t len);

/* Iterates the SANs: *pos starts at 0. On each DNS or IP entry writes its
   type and text (IP formatted by acme2_ip_format) and returns 1; returns 0
   at the end; other name types are skipped; negative on malformed DER. */
ACME2_DEF int acme2_cert_san_next(const acme2_cert_info *ci, size_t *pos, int *type, char *out, size_t out_size);

/* 0 when the certificate's SANs cover every identifier (DNS names compared
   case-insensitively and exactly, wildcards only by an identical wildcard;
   IPs by address), else ACME2_ERR_CERT_NAMES. */
ACME2_DEF int acme2_cert_covers(const acme2_cert_info *ci, const acme2_identifier *ids, size_t n_ids);

/* 0 when the certificate's public key is key's public key, else
   ACME2_ERR_CERT_KEY. */
ACME2_DEF int acme2_cert_key_match(const acme2_cert_info *ci, const acme2_key *key);

/* Iterates the CERTIFICATE blocks of a PEM text: *pos starts at 0. Decodes
   the next one into der and returns 1 (its length in *der_len); 0 when no
   more blocks; ACME2_ERR_PEM on a malformed block or a block of another
   label; ACME2_ERR_NOSPACE if der is too small. Text between blocks is
   ignored. */
ACME2_DEF int acme2_pem_cert_next(const char *pem, size_t len, size_t *pos,
                                  unsigned char *der, size_t der_size, size_t *der_len);
