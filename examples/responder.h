/* responder.h - challenge responders for acme2-cli and the tests: an
   http-01 web server and a tls-alpn-01 TLS server (RFC 8737), each in one
   background thread, answering from a small table that may change while
   the thread runs.

       static acme2_responder r;              (large: keep it off the stack)
       acme2_responder_init(&r, ACME2_RESPONDER_HTTP01, NULL, NULL);
       acme2_responder_listen(&r, "127.0.0.1", 80, NULL);
       acme2_responder_listen(&r, "::1", 80, NULL);
       acme2_responder_start(&r);
       acme2_responder_http01_add(&r, token, key_authorization);
       ... let the CA validate ...
       acme2_responder_remove(&r, token);
       acme2_responder_stop(&r);

   http-01: GET or HEAD /.well-known/acme-challenge/TOKEN gets the key
   authorization as text/plain; anything else 404. One request per
   connection.
   tls-alpn-01: the ClientHello must offer ALPN "acme-tls/1" (others are
   refused, BR_OPT_FAIL_ON_ALPN_MISMATCH) and name an entry by SNI; the
   server presents that entry's acme2_tls_alpn01_cert certificate, completes
   the handshake and closes. For an IP identifier (RFC 8738) the SNI is the
   reverse-DNS name (4.3.2.1.in-addr.arpa, ...ip6.arpa), mapped back here.
   Connections are served one at a time, each bounded by
   ACME2_RESPONDER_TIMEOUT_MS. Not for production traffic.

   Validation seen: the responder knows when the CA fetched a challenge it
   holds, so a client can poll the order right after that instead of on a
   blind timer. Each answered validation (http-01: the key authorization
   sent in full for a token in the table; tls-alpn-01: a completed
   handshake for a name in the table) moves a counter, records the time
   and wakes acme2_responder_wait_seen; a callback set with
   acme2_responder_on_seen is called as well. Unknown tokens and names,
   404s, refused or failed handshakes and unfinished sends do not count.
   The CA may fetch more than once (from several vantage points), so each
   fetch is reported. */
#ifndef ACME2_RESPONDER_H
#define ACME2_RESPONDER_H

#include <stddef.h>
#include <pthread.h>
#include <bearssl.h>
#include "acme2.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Challenges answered at once: one per identifier of an order. */
#ifndef ACME2_RESPONDER_MAX_ENTRIES
#define ACME2_RESPONDER_MAX_ENTRIES 16
#endif
/* Listening sockets (e.g. 127.0.0.1 and ::1, or 0.0.0.0 and ::). */
#ifndef ACME2_RESPONDER_MAX_LISTEN
#define ACME2_RESPONDER_MAX_LISTEN 4
#endif
/* A challenge certificate: ~500 bytes for P-256, ~1.4 KB for RSA-4096. */
#ifndef ACME2_RESPONDER_MAX_CERT
#define ACME2_RESPONDER_MAX_CERT 2048
#endif
/* Key authorization: token (Let's Encrypt: 43 chars) "." 43-char thumbprint. */
#ifndef ACME2_RESPONDER_MAX_KEYAUTH
#define ACME2_RESPONDER_MAX_KEYAUTH 256
#endif
/* Longest time one connection may take before it is dropped. */
#ifndef ACME2_RESPONDER_TIMEOUT_MS
#define ACME2_RESPONDER_TIMEOUT_MS 5000
#endif
/* DNS names are at most 253 characters; ip6.arpa names 72. */
#define ACME2_RESPONDER_MAX_NAME 255

enum acme2_responder_kind { ACME2_RESPONDER_HTTP01 = 1, ACME2_RESPONDER_TLSALPN01 = 2 };

typedef void (*acme2_responder_log_fn)(void *user, const char *line);

/* One answered validation: name is the token (http-01) or the identifier
   as given to acme2_responder_tlsalpn01_add (tls-alpn-01); count is the
   number answered so far, this one included; when_ms its time
   (CLOCK_MONOTONIC, milliseconds). Runs on the responder's thread with no
   lock held: keep it short, and do not call acme2_responder_stop from it. */
typedef void (*acme2_responder_seen_fn)(void *user, const char *name, unsigned long count, long long when_ms);

typedef struct acme2_responder_entry {
    int used;
    char name[ACME2_RESPONDER_MAX_NAME + 1];  /* http-01: token; tls-alpn-01: SNI (lower case) */
    char ident[ACME2_RESPONDER_MAX_NAME + 1]; /* tls-alpn-01: the identifier as given */
    char keyauth[ACME2_RESPONDER_MAX_KEYAUTH + 1];
    size_t cert_len;
    unsigned char cert[ACME2_RESPONDER_MAX_CERT];
    acme2_key cert_key;                       /* tls-alpn-01: the certificate's key (secret) */
} acme2_responder_entry;

typedef struct acme2_responder acme2_responder;

/* Internal: the tls-alpn-01 policy (first member is the vtable). */
typedef struct acme2_responder_policy {
    const br_ssl_server_policy_class *vtable;
    acme2_responder *owner;
} acme2_responder_policy;

struct acme2_responder {
    int ready;                       /* between init and stop */
    int kind;                        /* enum acme2_responder_kind */
    acme2_responder_log_fn log;
    void *log_user;
    unsigned long served;            /* 200 answers / completed handshakes */
    unsigned long refused;           /* 404s / refused handshakes */
    unsigned long seen;              /* validations answered (see the top comment) */
    long long seen_ms;               /* time of the last one, CLOCK_MONOTONIC ms; 0: none */
    acme2_responder_seen_fn seen_fn;
    void *seen_user;
    pthread_cond_t seen_cond;        /* signalled with lock when seen moves */

    int n_fds;
    int fds[ACME2_RESPONDER_MAX_LISTEN];
    int stop_pipe[2];
    int running;
    pthread_t thread;
    pthread_mutex_t lock;            /* guards entries, the counters and seen_ms */
    acme2_responder_entry entries[ACME2_RESPONDER_MAX_ENTRIES];

    /* Used by the thread only. */
    int conn;                        /* connection being served */
    long long deadline_ms;
    char req[8192];
    acme2_responder_entry current;   /* copy of the entry being served */
    br_skey_decoder_context skey;    /* current.cert_key as BearSSL wants it */
    unsigned char keyder[4096];      /* PKCS#8 on its way to skey (wiped) */
    br_x509_certificate chain;
    acme2_responder_policy policy;
    br_ssl_server_context sc;
    unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

/* Prepares an empty responder of one kind. Returns 0 or ACME2_ERR_PARAM. */
int acme2_responder_init(acme2_responder *r, int kind, acme2_responder_log_fn log, void *log_user);

/* Listens on addr (numeric IPv4 or IPv6) and port (0: any free port,
   written to *bound_port when not NULL). Call before start; up to
   ACME2_RESPONDER_MAX_LISTEN times. Returns 0, ACME2_ERR_PARAM,
   ACME2_ERR_NOSPACE or ACME2_ERR_TRANSPORT (cannot bind: see the log). */
int acme2_responder_listen(acme2_responder *r, const char *addr, unsigned port, unsigned *bound_port);

/* Starts the thread. Returns 0, ACME2_ERR_STATE (no socket, or running)
   or ACME2_ERR_TRANSPORT. */
int acme2_responder_start(acme2_responder *r);

/* Stops the thread, closes the sockets, wipes the table (certificate keys
   included). Safe on a zeroed struct, one that never started, or twice.
   acme2_responder_init makes it usable again. */
void acme2_responder_stop(acme2_responder *r);

/* http-01: answer token with key_authorization (from
   acme2_key_authorization). Replaces an entry with the same token.
   Returns 0, ACME2_ERR_TOKEN, ACME2_ERR_PARAM or ACME2_ERR_NOSPACE. */
int acme2_responder_http01_add(acme2_responder *r, const char *token, const char *key_authorization);

/* tls-alpn-01: builds the challenge certificate for id with
   acme2_tls_alpn01_cert (signed by cert_key, valid from now) and answers
   the matching SNI with it. Replaces an entry for the same identifier.
   Returns 0 or the library's error (ACME2_ERR_IDENTIFIER for a wildcard:
   RFC 8737 does not validate those). */
int acme2_responder_tlsalpn01_add(acme2_responder *r, const acme2_key *cert_key,
                                  const acme2_key *account_key, const acme2_identifier *id,
                                  const char *token);

/* Calls fn (may be NULL: none) for each answered validation. Set it before
   acme2_responder_start. Returns 0, ACME2_ERR_PARAM or ACME2_ERR_STATE
   (running). */
int acme2_responder_on_seen(acme2_responder *r, acme2_responder_seen_fn fn, void *user);

/* Validations answered so far; *last_ms (when not NULL) gets the time of
   the last one (CLOCK_MONOTONIC ms, as acme2_responder_now_ms; 0: none).
   0 on a NULL or stopped responder. */
unsigned long acme2_responder_seen(acme2_responder *r, long long *last_ms);

/* Waits until more than `after` validations were answered (pass the count
   from acme2_responder_seen, or from the previous call) or timeout_ms
   passed (<= 0: does not wait). Returns the count then: > after when one
   was seen, == after on timeout; *last_ms as acme2_responder_seen. Do not
   stop the responder while a thread waits here. */
unsigned long acme2_responder_wait_seen(acme2_responder *r, unsigned long after, long timeout_ms,
                                        long long *last_ms);

/* The clock of seen_ms and when_ms: CLOCK_MONOTONIC in milliseconds. */
long long acme2_responder_now_ms(void);

/* Removes the entry for a token (http-01) or an identifier value
   (tls-alpn-01). Returns 0 or ACME2_ERR_NOT_FOUND. */
int acme2_responder_remove(acme2_responder *r, const char *token_or_identifier);

/* The SNI a tls-alpn-01 validation of id carries: the DNS name in lower
   case, or the reverse-DNS name of an IP address. Returns its length or an
   error. */
int acme2_responder_sni_name(const acme2_identifier *id, char *out, size_t out_size);

#ifdef __cplusplus
}
#endif

#endif
