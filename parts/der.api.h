/* == der == */

/* Longest certificate serial number kept. RFC 5280 allows 20 octets, and a
   positive 20-octet serial needs a leading 0x00; some CAs overshoot, so
   there is room for a little more while still bounding the field. */
#ifndef ACME2_MAX_SERIAL
#define ACME2_MAX_SERIAL 32
#endif

/* Most extensions a certificate may carry. Duplicate detection compares each
   extension with the ones before it (quadratic), so the count is bounded;
   CA leaf certificates carry about 10. */
#ifndef ACME2_MAX_EXTENSIONS
#define ACME2_MAX_EXTENSIONS 32
#endif

/* Text size (with the NUL) that holds any address acme2_ip_format writes:
   eight groups of four hex digits and seven colons, plus the NUL. */
#define ACME2_IP_TEXT_MAX 40

/* Text size (with the NUL) that holds any DNS identifier (RFC 1035: 253
   characters written without the final dot). */
#define ACME2_DNS_TEXT_MAX 254

enum acme2_id_type { ACME2_ID_DNS = 1, ACME2_ID_IP = 2 };

/* An ACME identifier: a DNS name (wildcards "*.example.com" allowed) or an
   IP address in text form (IPv4 dotted quad, IPv6 RFC 4291 text). */
typedef struct acme2_identifier {
    int type;            /* enum acme2_id_type */
    const char *value;   /* NUL-terminated */
} acme2_identifier;

/* Checks an identifier before it goes into an order, a CSR or a challenge
   helper. DNS: ASCII letters, digits and hyphens ("LDH") in labels of 1..63
   bytes that neither start nor end with a hyphen, 253 bytes at most, no
   trailing dot, optionally "*." as the whole first label; IDNs must come
   as A-labels ("xn--..."); a dotted quad is refused (use ACME2_ID_IP).
   Upper case is accepted (comparisons ignore case), though CAs expect lower
   case. IP: what acme2_ip_parse accepts. Returns 0 or ACME2_ERR_IDENTIFIER. */
ACME2_DEF int acme2_identifier_check(const acme2_identifier *id);

/* Parses an IP address in text: IPv4 as a strict dotted quad (four decimal
   numbers 0..255, no leading zeros, nothing around them); IPv6 as RFC 4291
   section 2.2 text (1..4 hex digits per group, at most one "::", optional
   dotted-quad tail in the last 32 bits; no zone index). Writes 4 or 16
   bytes into out and returns that length, or ACME2_ERR_IDENTIFIER. */
ACME2_DEF int acme2_ip_parse(const char *text, unsigned char out[16]);

/* Formats 4 or 16 address bytes as text. IPv6 follows RFC 5952: lower case,
   no leading zeros, the longest run of two or more zero groups (the first
   of equal runs) written "::", a single zero group written "0". IPv4-mapped
   addresses (::ffff:0:0/96) keep the dotted-quad tail RFC 5952 section 5
   recommends: "::ffff:192.0.2.1". Returns the length; ACME2_ERR_PARAM when
   ip_len is not 4 or 16, ACME2_ERR_NOSPACE when out_size is too small
   (ACME2_IP_TEXT_MAX always fits). */
ACME2_DEF int acme2_ip_format(const unsigned char *ip, size_t ip_len, char *out, size_t out_size);

#define ACME2_CSR_NO_CN 1  /* flag: leave the subject empty */

/* PKCS#10 CSR in DER, signed by key (ECDSA with SHA-256 for P-256 and
   SHA-384 for P-384, as ASN.1; or RSA PKCS#1 v1.5 SHA-256), with an
   extensionRequest holding a non-critical subjectAltName: dNSName for DNS
   identifiers, iPAddress for IP ones, in the order given. The subject is
   CN=<first DNS identifier> (UTF8String) unless ACME2_CSR_NO_CN is given,
   there is no DNS identifier, or the first one is longer than 64 bytes
   (RFC 5280's upper bound); then it is the empty sequence.
   out == NULL returns the size out must have: exact for RSA, an upper
   bound for ECDSA (its DER signature varies by a few bytes), computed
   without signing. With out != NULL, out_size must be at least that size
   (ACME2_ERR_NOSPACE otherwise, out untouched); returns the exact length.
   ACME2_ERR_IDENTIFIER for a malformed identifier, ACME2_ERR_PARAM for no
   identifiers or an empty key, ACME2_ERR_KEY_UNSUPPORTED for other curves;
   when signing fails out holds unspecified bytes. Signs once per call. */
ACME2_DEF int acme2_csr_der(unsigned char *out, size_t out_size, const acme2_key *key,
                            const acme2_identifier *ids, size_t n_ids, unsigned flags);

/* The tls-alpn-01 challenge certificate (RFC 8737 section 3; RFC 8738
   section 6 for IP identifiers): X.509 v3, self-signed by key (algorithms
   as for the CSR), issuer = subject = CN=<identifier> for DNS names of at
   most 64 bytes and CN=acme-tls-alpn-01 otherwise (IP addresses, long
   names), a subjectAltName holding exactly the identifier (dNSName or
   iPAddress), and the critical id-pe-acmeIdentifier extension
   (1.3.6.1.5.5.7.1.31) holding OCTET STRING(SHA-256(key_authorization)).
   Valid from now - 1 hour to now + 7 days (now: Unix time; UTCTime for
   years 1950..2049, GeneralizedTime otherwise; ACME2_ERR_PARAM outside
   years 0..9999); the serial is the first 16 bytes of that digest, made
   positive, so no randomness is needed. Sizes and errors as for
   acme2_csr_der; a wildcard identifier is refused (ACME2_ERR_IDENTIFIER):
   tls-alpn-01 validates the name an authorization carries, never "*.".
   Returns the DER length. */
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

/* Reads a DER certificate strictly enough to trust the fields above: every
   length checked against its container, definite minimal lengths only,
   nothing trailing; the tbsCertificate fields in order (optional explicit
   version 0..2, serial of 1..ACME2_MAX_SERIAL bytes in minimal form,
   algorithm, issuer, validity as UTCTime "YYMMDDHHMMSSZ" (years 50..99
   mean 19xx) or GeneralizedTime "YYYYMMDDHHMMSSZ", subject, SPKI, optional
   unique IDs, optional extensions), then the signature algorithm and a
   BIT STRING. Extensions: at most ACME2_MAX_EXTENSIONS, no OID twice; the
   subjectAltName and authorityKeyIdentifier are checked inside. The
   signature is not verified. ACME2_ERR_DER on anything else; ci is only
   written on success. */
ACME2_DEF int acme2_cert_parse(acme2_cert_info *ci, const void *der, size_t len);

/* Iterates the SANs: *pos starts at 0. On each DNS or IP entry writes its
   type and text (IP formatted by acme2_ip_format) and returns 1; returns 0
   at the end; other name types are skipped. ACME2_ERR_DER on malformed
   DER, a dNSName with bytes outside printable ASCII or an iPAddress that
   is not 4 or 16 bytes; ACME2_ERR_NOSPACE when out_size is too small (then
   *pos stays, so a retry with a larger buffer gets the same entry). */
ACME2_DEF int acme2_cert_san_next(const acme2_cert_info *ci, size_t *pos, int *type, char *out, size_t out_size);

/* 0 when the certificate's SANs cover every identifier (DNS names compared
   case-insensitively and exactly, wildcards only by an identical wildcard;
   IPs by address bytes), else ACME2_ERR_CERT_NAMES. ACME2_ERR_IDENTIFIER
   for a malformed identifier. */
ACME2_DEF int acme2_cert_covers(const acme2_cert_info *ci, const acme2_identifier *ids, size_t n_ids);

/* 0 when the certificate's public key is key's public key (algorithm,
   curve and key bits compared; an RSA AlgorithmIdentifier without the NULL
   parameter matches one with it), else ACME2_ERR_CERT_KEY. */
ACME2_DEF int acme2_cert_key_match(const acme2_cert_info *ci, const acme2_key *key);

/* Iterates the CERTIFICATE blocks of a PEM text: *pos starts at 0. Decodes
   the next one into der and returns 1 (its length in *der_len); 0 when no
   more blocks; ACME2_ERR_PEM on a malformed block (bad or missing base64,
   padding or trailing bits; headers; a missing or mismatched END line) or a
   block of another label; ACME2_ERR_NOSPACE if der is too small. Inside a
   block, spaces, tabs, CR and LF between base64 characters are ignored.
   Text between blocks is ignored. On an error *pos does not move. */
ACME2_DEF int acme2_pem_cert_next(const char *pem, size_t len, size_t *pos,
                                  unsigned char *der, size_t der_size, size_t *der_len);
