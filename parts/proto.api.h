/* == protocol == */

/* Bounds of the client's own storage. */
#ifndef ACME2_DIR_STRINGS
#define ACME2_DIR_STRINGS 1024     /* directory URLs and meta; Let's Encrypt's directory needs ~700 */
#endif
#ifndef ACME2_PROBLEM_STRINGS
#define ACME2_PROBLEM_STRINGS 512  /* problem type, detail, subproblems; longer details are cut with "..." */
#endif
#ifndef ACME2_MAX_SUBPROBLEMS
#define ACME2_MAX_SUBPROBLEMS 8    /* further subproblems are counted but not kept */
#endif
#ifndef ACME2_MAX_AUTHZ
#define ACME2_MAX_AUTHZ 100        /* authorizations per order: Let's Encrypt's limit of names per order */
#endif
#ifndef ACME2_ORDER_STRINGS
#define ACME2_ORDER_STRINGS 1024   /* URLs of one order: ~12 authorizations at Let's Encrypt's URL lengths */
#endif
#ifndef ACME2_MAX_CHALLENGES
#define ACME2_MAX_CHALLENGES 8     /* challenges per authorization: RFC 8555 defines 3, drafts add 2 */
#endif
#ifndef ACME2_AUTHZ_STRINGS
#define ACME2_AUTHZ_STRINGS 768    /* identifier, URLs and tokens of one authorization with 4 challenges */
#endif
#ifndef ACME2_MAX_TOKENS
#define ACME2_MAX_TOKENS 512       /* JSON tokens per response; an order with 100 authorizations needs ~130 */
#endif
#ifndef ACME2_MAX_ALT_CHAINS
#define ACME2_MAX_ALT_CHAINS 8     /* alternate chain URLs kept from one certificate response */
#endif

/* Configuration: ACME2_NO_HOSTED drops the time()/sleep() defaults of the
   clock and sleep callbacks (firmware passes its own). */

/* Positive results of the non-blocking API. */
#define ACME2_AGAIN 1    /* build the same request again and resend it (after acme2_wait_seconds()) */

/* Resource status values (RFC 8555 section 7.1.6). */
enum acme2_status {
    ACME2_STATUS_UNKNOWN = 0,
    ACME2_STATUS_PENDING, ACME2_STATUS_READY, ACME2_STATUS_PROCESSING, ACME2_STATUS_VALID,
    ACME2_STATUS_INVALID, ACME2_STATUS_DEACTIVATED, ACME2_STATUS_EXPIRED, ACME2_STATUS_REVOKED
};
/* "pending", ... ; "unknown" for anything else. */
ACME2_DEF const char *acme2_status_name(int status);

/* Problem types (urn:ietf:params:acme:error:*, RFC 8555 section 6.7 and
   later RFCs). */
#define ACME2_PROBLEM_LIST(X) \
    X(ACME2_PROB_ACCOUNT_DOES_NOT_EXIST, "accountDoesNotExist") \
    X(ACME2_PROB_ALREADY_REPLACED, "alreadyReplaced") \
    X(ACME2_PROB_ALREADY_REVOKED, "alreadyRevoked") \
    X(ACME2_PROB_BAD_CSR, "badCSR") \
    X(ACME2_PROB_BAD_NONCE, "badNonce") \
    X(ACME2_PROB_BAD_PUBLIC_KEY, "badPublicKey") \
    X(ACME2_PROB_BAD_REVOCATION_REASON, "badRevocationReason") \
    X(ACME2_PROB_BAD_SIGNATURE_ALGORITHM, "badSignatureAlgorithm") \
    X(ACME2_PROB_CAA, "caa") \
    X(ACME2_PROB_COMPOUND, "compound") \
    X(ACME2_PROB_CONNECTION, "connection") \
    X(ACME2_PROB_DNS, "dns") \
    X(ACME2_PROB_EXTERNAL_ACCOUNT_REQUIRED, "externalAccountRequired") \
    X(ACME2_PROB_INCORRECT_RESPONSE, "incorrectResponse") \
    X(ACME2_PROB_INVALID_CONTACT, "invalidContact") \
    X(ACME2_PROB_INVALID_PROFILE, "invalidProfile") \
    X(ACME2_PROB_MALFORMED, "malformed") \
    X(ACME2_PROB_ORDER_NOT_READY, "orderNotReady") \
    X(ACME2_PROB_RATE_LIMITED, "rateLimited") \
    X(ACME2_PROB_REJECTED_IDENTIFIER, "rejectedIdentifier") \
    X(ACME2_PROB_SERVER_INTERNAL, "serverInternal") \
    X(ACME2_PROB_TLS, "tls") \
    X(ACME2_PROB_UNAUTHORIZED, "unauthorized") \
    X(ACME2_PROB_UNSUPPORTED_CONTACT, "unsupportedContact") \
    X(ACME2_PROB_UNSUPPORTED_IDENTIFIER, "unsupportedIdentifier") \
    X(ACME2_PROB_USER_ACTION_REQUIRED, "userActionRequired")

#define ACME2__PROB_ITEM(name, text) name,
enum acme2_problem_type { ACME2_PROB_NONE = 0, ACME2_PROB_OTHER, ACME2_PROBLEM_LIST(ACME2__PROB_ITEM) ACME2__PROB_END };
#undef ACME2__PROB_ITEM

typedef struct acme2_subproblem {
    int type;                    /* enum acme2_problem_type */
    const char *type_str;        /* as sent */
    const char *detail;          /* "" if none */
    acme2_identifier identifier; /* type 0 and value "" if none */
} acme2_subproblem;

/* The last problem the server reported: an error response (RFC 7807) or the
   error object inside an invalid order, authorization or challenge. Strings
   point into the struct itself; valid until the next operation. */
typedef struct acme2_problem {
    int http_status;        /* 0 for an embedded error */
    int type;               /* enum acme2_problem_type */
    const char *type_str;   /* "" if the server gave none */
    const char *detail;     /* "" if none; cut with "..." beyond the storage */
    long long retry_after;  /* seconds, -1 if the response had none */
    int n_sub;              /* subproblems kept */
    int n_sub_total;        /* subproblems sent */
    acme2_subproblem sub[ACME2_MAX_SUBPROBLEMS];
    size_t used;
    char strings[ACME2_PROBLEM_STRINGS];
} acme2_problem;

/* Log levels for the log callback. Messages never hold secrets. */
enum acme2_log_level { ACME2_LOG_ERROR = 0, ACME2_LOG_WARN, ACME2_LOG_INFO, ACME2_LOG_DEBUG };

/* Options. Zero-initialise, set what you need; zero fields take the
   defaults given. */
typedef struct acme2_options {
    void (*log)(void *user, int level, const char *msg); /* NULL: silent */
    void *log_user;
    long long (*clock)(void *user);           /* Unix time; NULL: time() (hosted) */
    void (*sleep)(void *user, unsigned seconds); /* NULL: nanosleep (hosted) */
    void *time_user;
    unsigned bad_nonce_retries;  /* badNonce answers retried per request; 0: 16 (a server rejecting half its nonces still gets through) */
    unsigned busy_retries;       /* 429/503 with Retry-After retried per request; 0: 3 */
    unsigned max_wait;           /* longest Retry-After honoured, seconds; 0: 60 */
    unsigned poll_interval;      /* first polling interval without Retry-After, seconds; 0: 1 */
    unsigned poll_max_interval;  /* cap of the exponential backoff, seconds; 0: 30 */
    unsigned poll_timeout;       /* overall deadline of one polling loop, seconds; 0: 300 */
    size_t max_response;         /* largest response body, bytes; 0: whatever the work buffer holds */
    int allow_http;              /* accept http:// URLs: for tests against local servers only */
} acme2_options;

/* Directory (RFC 8555 section 7.1.1). Strings point into the client. */
typedef struct acme2_directory {
    const char *new_nonce, *new_account, *new_order, *new_authz;
    const char *revoke_cert, *key_change, *renewal_info;
    const char *terms_of_service, *website; /* meta; "" if absent */
    int external_account_required;         /* meta */
    int n_caa;                            /* meta caaIdentities, packed: see acme2_directory_caa */
    int n_profiles;                       /* meta profiles (names; descriptions not kept) */
    const char *caa_first, *profiles_first;
} acme2_directory;

/* The i-th caaIdentity / profile name, NULL past the end. */
ACME2_DEF const char *acme2_directory_caa(const acme2_directory *d, int i);
ACME2_DEF const char *acme2_directory_profile(const acme2_directory *d, int i);

/* The client. Caller-owned; must not move after acme2_client_init. The
   account key and work buffer are borrowed and must outlive it. */
typedef struct acme2_client {
    acme2_options opt;
    const acme2_key *key;
    acme2_transport_fn transport;
    void *transport_user;
    char *work;
    size_t work_size;
    size_t work_limit;           /* part of work in use by the porcelain's own state */
    int have_dir;
    int pending;                 /* prerequisite request in flight (private) */
    unsigned bad_nonces, busy;   /* retries spent on the current request */
    long long wait;              /* seconds to wait before the next send */
    char kid[ACME2_MAX_URL + 1];
    char nonce[ACME2_MAX_NONCE + 1];
    char spent_nonce[ACME2_MAX_NONCE + 1]; /* the last POST's: never taken back from the server */
    char req_url[ACME2_MAX_URL + 1];  /* URL of the last POST */
    char dir_url[ACME2_MAX_URL + 1];
    acme2_directory dir;
    size_t dir_used;
    char dir_strings[ACME2_DIR_STRINGS];
    acme2_http_response resp;
    acme2_problem problem;
    acme2_sink_fn sink;          /* certificate sink (acme2_client_set_sink) */
    void *sink_user;
} acme2_client;

/* Prepares a client. directory_url is copied; key (the account key) and
   work (the one buffer every request and response is built in; 8 KB is
   plenty for EC accounts, 12 KB for RSA-4096) are borrowed. transport may
   be NULL for a program that only uses the request/response pairs. */
ACME2_DEF int acme2_client_init(acme2_client *c, const char *directory_url, const acme2_key *key,
                                char *work, size_t work_size, acme2_transport_fn transport,
                                void *transport_user, const acme2_options *opt);

/* Wipes the client's state (nonce, account URL, problem, work buffer). The
   key is the caller's: wipe it with acme2_key_wipe. */
ACME2_DEF void acme2_client_reset(acme2_client *c);

/* The account URL (the JWS "kid"): set it to skip a lookup, read it to
   persist it. "" when unknown. */
ACME2_DEF int acme2_client_set_account(acme2_client *c, const char *account_url);
ACME2_DEF const char *acme2_client_account(const acme2_client *c);

/* Switches the account key (after a key rollover done elsewhere). */
ACME2_DEF void acme2_client_set_key(acme2_client *c, const acme2_key *key);

/* The response object the transport (or an event loop) pushes into. */
ACME2_DEF acme2_http_response *acme2_client_response(acme2_client *c);

/* The last problem document; type ACME2_PROB_NONE when the last call got
   none. */
ACME2_DEF const acme2_problem *acme2_client_problem(const acme2_client *c);

/* Seconds to wait before resending after ACME2_AGAIN (0: at once). */
ACME2_DEF long long acme2_wait_seconds(const acme2_client *c);

/* NON-BLOCKING PAIRS
   Every operation X comes as
       int acme2_X_request(acme2_client *c, ..., acme2_http_request *req);
       int acme2_X_response(acme2_client *c, ...);
   _request builds the next HTTP request into the work buffer and fills req
   (pointers into the client: valid until the next _request). Send it, push
   the answer into acme2_client_response(c), then call _response. It returns
   0 when the operation is done (outputs filled), ACME2_AGAIN when the
   request must be built and sent again (the library fetched the directory
   or a nonce first, or the server said badNonce, or 429/503 with a
   Retry-After within policy: wait acme2_wait_seconds(c) first), or a
   negative error (ACME2_ERR_PROBLEM: see acme2_client_problem). The
   blocking function acme2_X(c, ...) runs that loop through the transport. */

/* Directory: GET, parsed once; later calls are free. */
ACME2_DEF int acme2_directory_request(acme2_client *c, acme2_http_request *req);
ACME2_DEF int acme2_directory_response(acme2_client *c);
ACME2_DEF int acme2_directory_fetch(acme2_client *c);
/* The directory, or NULL before it was fetched. */
ACME2_DEF const acme2_directory *acme2_client_directory(const acme2_client *c);

/* Account creation and lookup (RFC 8555 sections 7.3, 7.3.1, 7.3.4). */
typedef struct acme2_account_params {
    const char *const *contacts;   /* e.g. "mailto:admin@example.org"; may be NULL */
    size_t n_contacts;
    int terms_agreed;              /* termsOfServiceAgreed */
    int only_existing;             /* onlyReturnExisting: look up, never create */
    const char *eab_kid;           /* External Account Binding: key identifier, or NULL */
    const unsigned char *eab_key;  /* MAC key (raw bytes, base64url-decoded) */
    size_t eab_key_len;
    unsigned eab_bits;             /* 256, 384 or 512 (HS256/384/512); 0: 256 */
} acme2_account_params;

typedef struct acme2_account {
    int status;   /* enum acme2_status */
    int created;  /* 1 when the server made a new account (201) */
} acme2_account;

/* On success the account URL is stored in the client. */
ACME2_DEF int acme2_account_new_request(acme2_client *c, const acme2_account_params *p, acme2_http_request *req);
ACME2_DEF int acme2_account_new_response(acme2_client *c, acme2_account *out);
ACME2_DEF int acme2_account_new(acme2_client *c, const acme2_account_params *p, acme2_account *out);

/* Update contacts (n == 0 removes them all). */
ACME2_DEF int acme2_account_update_request(acme2_client *c, const char *const *contacts, size_t n, acme2_http_request *req);
ACME2_DEF int acme2_account_update_response(acme2_client *c, acme2_account *out);
ACME2_DEF int acme2_account_update(acme2_client *c, const char *const *contacts, size_t n, acme2_account *out);

/* Deactivate the account (RFC 8555 section 7.3.6). */
ACME2_DEF int acme2_account_deactivate_request(acme2_client *c, acme2_http_request *req);
ACME2_DEF int acme2_account_deactivate_response(acme2_client *c, acme2_account *out);
ACME2_DEF int acme2_account_deactivate(acme2_client *c, acme2_account *out);

/* Key rollover (RFC 8555 section 7.3.5). On success the client signs with
   new_key from then on (new_key is borrowed like the first key). */
ACME2_DEF int acme2_account_key_change_request(acme2_client *c, const acme2_key *new_key, acme2_http_request *req);
ACME2_DEF int acme2_account_key_change_response(acme2_client *c, const acme2_key *new_key);
ACME2_DEF int acme2_account_key_change(acme2_client *c, const acme2_key *new_key);

/* Orders (RFC 8555 section 7.4). */
typedef struct acme2_order_params {
    const acme2_identifier *ids;
    size_t n_ids;
    long long not_before, not_after; /* Unix time; 0: omitted */
    const char *profile;             /* NULL: none; a name the directory's meta.profiles does not list is refused
                                        locally with ACME2_ERR_PROFILE, before any request */
    const char *replaces;            /* ARI certificate ID of the certificate this one replaces, or NULL */
} acme2_order_params;

/* An order as last seen. Strings point into the struct: do not copy it by
   assignment; it stays valid until overwritten by the next response parsed
   into it. */
typedef struct acme2_order {
    int status;                   /* enum acme2_status */
    long long expires;            /* Unix time, 0 if absent */
    long long not_before, not_after;
    const char *url;              /* the order's own URL ("" if unknown) */
    const char *finalize;
    const char *certificate;      /* "" until valid */
    int n_authz;
    unsigned short authz_off[ACME2_MAX_AUTHZ];
    size_t used;
    char strings[ACME2_ORDER_STRINGS];
} acme2_order;

/* The i-th authorization URL of an order (NULL past the end). */
ACME2_DEF const char *acme2_order_authz(const acme2_order *o, int i);

ACME2_DEF int acme2_order_new_request(acme2_client *c, const acme2_order_params *p, acme2_http_request *req);
ACME2_DEF int acme2_order_new_response(acme2_client *c, acme2_order *out);
ACME2_DEF int acme2_order_new(acme2_client *c, const acme2_order_params *p, acme2_order *out);

/* Fetch (POST-as-GET) an order by URL; an invalid order with an error
   gives ACME2_ERR_INVALID with the error in acme2_client_problem. */
ACME2_DEF int acme2_order_get_request(acme2_client *c, const char *url, acme2_http_request *req);
ACME2_DEF int acme2_order_get_response(acme2_client *c, acme2_order *out);
ACME2_DEF int acme2_order_get(acme2_client *c, const char *url, acme2_order *out);

/* Poll an order until its status is neither pending nor processing,
   honouring Retry-After, else backing off exponentially from
   opt.poll_interval up to opt.poll_max_interval, within opt.poll_timeout
   (ACME2_ERR_TIMEOUT). o->url must be set. */
ACME2_DEF int acme2_order_poll(acme2_client *c, acme2_order *o);

/* Finalize with a DER CSR (RFC 8555 section 7.4). order->url must be set. */
ACME2_DEF int acme2_order_finalize_request(acme2_client *c, const acme2_order *o, const unsigned char *csr,
                                           size_t csr_len, acme2_http_request *req);
ACME2_DEF int acme2_order_finalize_response(acme2_client *c, acme2_order *o);
ACME2_DEF int acme2_order_finalize(acme2_client *c, acme2_order *o, const unsigned char *csr, size_t csr_len);

/* Authorizations (RFC 8555 sections 7.5, 7.5.2) and challenges. */
enum acme2_challenge_type {
    ACME2_CHALLENGE_OTHER = 0, ACME2_CHALLENGE_HTTP_01, ACME2_CHALLENGE_DNS_01,
    ACME2_CHALLENGE_TLS_ALPN_01, ACME2_CHALLENGE_DNS_ACCOUNT_01
};
/* "http-01", ...; NULL for OTHER. */
ACME2_DEF const char *acme2_challenge_name(int type);

typedef struct acme2_challenge {
    int type;             /* enum acme2_challenge_type */
    const char *type_str; /* as sent */
    int status;
    const char *url;
    const char *token;    /* "" if none */
    long long validated;  /* Unix time, 0 if absent */
    int has_error;        /* an error object came with it (parsed into the problem on invalid) */
} acme2_challenge;

typedef struct acme2_authz {
    int status;
    long long expires;
    acme2_identifier identifier;   /* value points into strings */
    int wildcard;
    const char *url;               /* "" if unknown */
    int n_challenges;
    acme2_challenge challenges[ACME2_MAX_CHALLENGES];
    size_t used;
    char strings[ACME2_AUTHZ_STRINGS];
} acme2_authz;

/* The first challenge of the given type, or NULL. */
ACME2_DEF const acme2_challenge *acme2_authz_challenge(const acme2_authz *a, int type);

ACME2_DEF int acme2_authz_get_request(acme2_client *c, const char *url, acme2_http_request *req);
ACME2_DEF int acme2_authz_get_response(acme2_client *c, acme2_authz *out);
ACME2_DEF int acme2_authz_get(acme2_client *c, const char *url, acme2_authz *out);
ACME2_DEF int acme2_authz_poll(acme2_client *c, acme2_authz *a);

/* Pre-authorization (RFC 8555 section 7.4.1): ACME2_ERR_UNSUPPORTED when the
   directory has no newAuthz (found out before any request but the
   directory's). */
ACME2_DEF int acme2_authz_new_request(acme2_client *c, const acme2_identifier *id, acme2_http_request *req);
ACME2_DEF int acme2_authz_new_response(acme2_client *c, acme2_authz *out);
ACME2_DEF int acme2_authz_new(acme2_client *c, const acme2_identifier *id, acme2_authz *out);

ACME2_DEF int acme2_authz_deactivate_request(acme2_client *c, const char *url, acme2_http_request *req);
ACME2_DEF int acme2_authz_deactivate_response(acme2_client *c, acme2_authz *out);
ACME2_DEF int acme2_authz_deactivate(acme2_client *c, const char *url, acme2_authz *out);

/* Tell the server a challenge is ready (POST {} to its URL). */
ACME2_DEF int acme2_challenge_accept_request(acme2_client *c, const char *url, acme2_http_request *req);
ACME2_DEF int acme2_challenge_accept_response(acme2_client *c);
ACME2_DEF int acme2_challenge_accept(acme2_client *c, const char *url);

/* Certificate download (RFC 8555 section 7.4.2). The PEM chain lands in the
   work buffer (acme2_certificate_response gives pointer and length, valid
   until the next request), or, with a sink set by
   acme2_client_set_sink(c, fn, user) before acme2_certificate_request,
   streams into the sink while the first certificate (the leaf) is kept in
   the work buffer. Only certificate bodies go to the sink (never JSON);
   the setting stays until changed. The URLs of alternate chains follow
   from acme2_certificate_alternate. */
ACME2_DEF void acme2_client_set_sink(acme2_client *c, acme2_sink_fn fn, void *user);
ACME2_DEF int acme2_certificate_request(acme2_client *c, const char *url, acme2_http_request *req);
ACME2_DEF int acme2_certificate_response(acme2_client *c, const char **pem, size_t *pem_len);
ACME2_DEF int acme2_certificate_download(acme2_client *c, const char *url, const char **pem, size_t *pem_len);
/* The i-th alternate chain URL of the last certificate response, NULL past the end. */
ACME2_DEF const char *acme2_certificate_alternate(const acme2_client *c, int i);

/* Revocation (RFC 8555 section 7.6). cert_key NULL: signed by the account
   key (kid); else by the certificate's own key (jwk). reason: RFC 5280
   CRLReason code, or -1 to omit. */
ACME2_DEF int acme2_revoke_request(acme2_client *c, const unsigned char *cert_der, size_t cert_len, int reason,
                                   const acme2_key *cert_key, acme2_http_request *req);
ACME2_DEF int acme2_revoke_response(acme2_client *c);
ACME2_DEF int acme2_revoke(acme2_client *c, const unsigned char *cert_der, size_t cert_len, int reason,
                           const acme2_key *cert_key);

/* ACME Renewal Information (RFC 9773). cert_id from acme2_ari_cert_id. */
typedef struct acme2_renewal_info {
    long long start, end;          /* suggestedWindow, Unix time */
    long long retry_after;         /* seconds, -1 if none */
    char explanation_url[ACME2_MAX_URL + 1]; /* "" if none */
} acme2_renewal_info;
ACME2_DEF int acme2_renewal_info_get_request(acme2_client *c, const char *cert_id, acme2_http_request *req);
ACME2_DEF int acme2_renewal_info_get_response(acme2_client *c, acme2_renewal_info *out);
ACME2_DEF int acme2_renewal_info_get(acme2_client *c, const char *cert_id, acme2_renewal_info *out);
