/* == http == */

/* Bounds on what is kept from a response. Each is a hard limit: a longer
   value is refused, never truncated. */
#ifndef ACME2_MAX_URL
#define ACME2_MAX_URL 256          /* URLs of ACME resources: Let's Encrypt's, ZeroSSL's and Google's are under 130 */
#endif
#ifndef ACME2_MAX_NONCE
#define ACME2_MAX_NONCE 80         /* Replay-Nonce: Boulder and Pebble send 22..44 characters */
#endif
#ifndef ACME2_MAX_CONTENT_TYPE
#define ACME2_MAX_CONTENT_TYPE 64  /* the media type only; parameters are dropped */
#endif
#ifndef ACME2_MAX_LINKS
#define ACME2_MAX_LINKS 384        /* bytes for alternate-chain URLs of one response (Link rel="alternate"): 3 at 128 */
#endif

/* One HTTPS exchange, as the library asks the transport to perform it.
   Every pointer stays valid until the transport returns. */
typedef struct acme2_http_request {
    const char *method;        /* "GET", "HEAD" or "POST" */
    const char *url;           /* absolute; printable ASCII only (no spaces, no CR/LF) */
    const char *content_type;  /* "application/jose+json" for POST, else NULL */
    const char *body;          /* NULL for GET and HEAD */
    size_t body_len;
} acme2_http_request;

/* Where the transport puts what it receives. It lives inside the client;
   the transport only calls the acme2_response_* functions on it. */
typedef int (*acme2_sink_fn)(void *user, const void *data, size_t len);

typedef struct acme2_http_response {
    int status;                           /* HTTP status, 0 until set */
    int err;                              /* first error, sticky */
    char nonce[ACME2_MAX_NONCE + 1];      /* Replay-Nonce, "" if none */
    char location[ACME2_MAX_URL + 1];     /* Location, "" if none */
    char content_type[ACME2_MAX_CONTENT_TYPE + 1]; /* lower-cased media type */
    long long retry_after;                /* seconds from the response's arrival, -1 if none */
    int n_alternates;                     /* Link rel="alternate" URLs packed in links */
    size_t links_len;
    char links[ACME2_MAX_LINKS];
    char *body;                           /* body bytes (inside the client's work buffer) */
    size_t body_len;                      /* bytes kept */
    size_t body_cap;                      /* room for the body */
    size_t body_total;                    /* bytes received (may exceed body_len with a sink) */
    acme2_sink_fn sink;                   /* when set, body bytes also go here */
    void *sink_user;
    long long (*clock)(void *user);       /* to turn a Retry-After date into seconds */
    void *clock_user;
} acme2_http_response;

/* The transport contract. Perform req over HTTPS (the URL's scheme, host
   and port; no redirects followed; the caller's own TLS verification),
   then push what arrives into resp:
     acme2_response_status(resp, code)   once the status line is read (again
                                         for a later status line, e.g. after
                                         "100 Continue": that resets resp)
     acme2_response_header(resp, ...)    for each header field, any order,
                                         names in any case
     acme2_response_body(resp, ...)      body bytes in order, in any chunks,
                                         after de-chunking and decoding
   Return 0 once the whole response was pushed (whatever its status),
   or a negative value (ACME2_ERR_TRANSPORT, or any ACME2_ERR_* the
   transport thinks fits) when the exchange failed: no connection, TLS
   failure, time-out, truncated response. When a push function returns a
   negative value (e.g. ACME2_ERR_TOO_LARGE), stop reading and return that
   value. The transport MUST NOT call back into the client otherwise. */
typedef int (*acme2_transport_fn)(void *user, const acme2_http_request *req, acme2_http_response *resp);

/* Sets the status; resets headers and body already pushed. */
ACME2_DEF int acme2_response_status(acme2_http_response *resp, int status);

/* One header field. Names match case-insensitively; only Replay-Nonce,
   Location, Retry-After, Link and Content-Type are kept. A kept header
   whose value is too long or malformed makes the response fail with
   ACME2_ERR_PROTOCOL (a repeated Replay-Nonce or Location too). */
ACME2_DEF int acme2_response_header(acme2_http_response *resp, const char *name, size_t name_len,
                                    const char *value, size_t value_len);

/* A raw header line "Name: value" (CR/LF at the end ignored), as libcurl's
   header callback delivers it. Status lines ("HTTP/1.1 200 OK") are
   recognised and passed to acme2_response_status. Blank lines ignored. */
ACME2_DEF int acme2_response_header_line(acme2_http_response *resp, const char *line, size_t len);

/* Body bytes. Returns ACME2_ERR_TOO_LARGE once the body exceeds the room
   the client set aside (unless a sink takes it). */
ACME2_DEF int acme2_response_body(acme2_http_response *resp, const void *data, size_t len);

/* Parses a Retry-After value: delta-seconds or an HTTP date (IMF-fixdate,
   RFC 9110 section 5.6.7), given the current Unix time. Returns seconds to
   wait (0 for a date in the past), or ACME2_ERR_PROTOCOL. */
ACME2_DEF long long acme2_retry_after_parse(const char *value, size_t len, long long now);
