/* == issue == */

/* Bytes the porcelain keeps for the challenges it must clean up: each takes
   its identifier and token plus 3 bytes (~70 for a typical name). */
#ifndef ACME2_ISSUE_CLEANUP_BYTES
#define ACME2_ISSUE_CLEANUP_BYTES 768
#endif

/* What a deploy or cleanup callback is told about one challenge. Strings
   live only during the call. */
typedef struct acme2_challenge_info {
    int type;                      /* enum acme2_challenge_type */
    acme2_identifier identifier;   /* as in the authorization (a wildcard's base name) */
    int wildcard;                  /* the order asked for "*." + identifier */
    const char *token;
    const char *key_authorization; /* http-01 body; input of the tls-alpn-01 certificate */
    const char *dns_name;          /* dns-01/dns-account-01 TXT record name; "" otherwise */
    const char *dns_value;         /* dns-01/dns-account-01 TXT value; "" otherwise */
    const char *http_path;         /* http-01: /.well-known/acme-challenge/TOKEN; "" otherwise */
    int failed;                    /* cleanup only: the order's authorizations did not all succeed */
} acme2_challenge_info;

/* Deploy: return 0 once the challenge can be validated, a positive value
   to decline this type (the next preferred type is tried), a negative
   value to stop the issuance (ACME2_ERR_CALLBACK). */
typedef int (*acme2_deploy_fn)(void *user, const acme2_challenge_info *ch);
typedef void (*acme2_cleanup_fn)(void *user, const acme2_challenge_info *ch);

typedef struct acme2_issue_params {
    const acme2_identifier *ids;      /* what the certificate must cover */
    size_t n_ids;
    const acme2_key *cert_key;        /* the certificate's key: the CSR is built from it ... */
    const unsigned char *csr;         /* ... or a ready DER CSR (then cert_key may be NULL) */
    size_t csr_len;
    const int *challenge_types;       /* preference order; NULL: http-01, dns-01, tls-alpn-01 */
    size_t n_challenge_types;
    acme2_deploy_fn deploy;
    acme2_cleanup_fn cleanup;         /* called for every challenge deploy took or failed on (not the
                                         declined ones), whether the issuance succeeds or not */
    void *user;
    const char *resume_order;         /* an order URL saved earlier, or NULL */
    void (*on_order)(void *user, const char *order_url); /* told as soon as the order exists */
    const char *profile;              /* as acme2_order_params */
    const char *replaces;             /* retried once without it when the server says alreadyReplaced */
    long long not_before, not_after;
    int chain;                        /* 0: the default chain; i > 0: the i-th alternate (Link rel="alternate") */
    acme2_sink_fn sink;               /* when set, the chain is streamed here */
    void *sink_user;
} acme2_issue_params;

/* One call from identifiers to certificate: new order (or resume), each
   pending authorization answered with the first preferred challenge type it
   offers, accept, poll the order until ready, finalize, poll, download,
   then check that the leaf carries the certificate key (when cert_key is
   given) and covers every identifier (ACME2_ERR_CERT_KEY /
   ACME2_ERR_CERT_NAMES otherwise). On success *pem, *pem_len give the chain
   in the work buffer (with a sink: the leaf only), valid until the next
   call on the client. The porcelain keeps its state at the end of the work
   buffer: give it at least 8 KB (16 KB for RSA-4096 accounts or long
   chains without a sink). */
ACME2_DEF int acme2_issue(acme2_client *c, const acme2_issue_params *p, const char **pem, size_t *pem_len);
