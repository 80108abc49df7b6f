/* transport_bearssl.h - an acme2.h transport: HTTPS/1.1 over POSIX sockets
   and BearSSL, with keep-alive. No heap. The HTTP/1.1 part is http1.c
   (shared with transport_mbedtls.c): build both files.

   USE
       static acme2_bearssl_transport tb;      (large: keep it off the stack)
       acme2_bearssl_init(&tb, "ca.pem", 10000, 30000, NULL, NULL);
       ... acme2_bearssl_exchange is an acme2_transport_fn, user = &tb ...
       acme2_bearssl_free(&tb);

   The struct holds the TLS contexts, the I/O buffer and the trust anchors
   (decoded from a PEM bundle at init); BearSSL keeps pointers into it, so
   it MUST NOT be moved or copied after acme2_bearssl_init. One request at a
   time: the struct is not thread-safe.

   Verification: the server's chain must lead to an anchor of the bundle and
   its certificate must name the URL's host: dNSName for names (BearSSL's own
   check), iPAddress for IP literals (checked here, since BearSSL matches
   dNSName only). TLS 1.0 to 1.2 (BearSSL 0.6 has no TLS 1.3).

   HTTP (http1.h): Content-Length, chunked and close-delimited bodies, 1xx
   skipped, keep-alive with one retry on a connection the server closed. */
#ifndef ACME2_TRANSPORT_BEARSSL_H
#define ACME2_TRANSPORT_BEARSSL_H

#include <stddef.h>
#include <bearssl.h>
#include "acme2.h"
#include "http1.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Trust anchors kept. Debian's /etc/ssl/certs/ca-certificates.crt holds
   about 145 roots; 256 leaves room for a larger bundle. */
#ifndef ACME2_BEARSSL_MAX_ANCHORS
#define ACME2_BEARSSL_MAX_ANCHORS 256
#endif
/* Bytes for the anchors' subject DNs and public keys. Debian's bundle uses
   about 62 KB (RSA-4096 roots take 520 bytes of key each). */
#ifndef ACME2_BEARSSL_ANCHOR_ARENA
#define ACME2_BEARSSL_ANCHOR_ARENA (128 * 1024)
#endif
/* The server's own certificate is kept (for the iPAddress check) up to this
   size; larger ones are refused for IP-literal URLs only. */
#ifndef ACME2_BEARSSL_MAX_EE_CERT
#define ACME2_BEARSSL_MAX_EE_CERT 8192
#endif

/* Verbose log: one line per event (connect, TLS, request, status, errors),
   without a newline. Never receives request or response bodies. */
typedef acme2_http1_log_fn acme2_bearssl_log_fn;

typedef struct acme2_bearssl_transport acme2_bearssl_transport;

/* Validates the server chain with br_x509_minimal, then, for IP-literal
   hosts, the iPAddress SAN. Internal; first member is the vtable. */
typedef struct acme2_bearssl_x509 {
    const br_x509_class *vtable;
    acme2_bearssl_transport *owner;
    unsigned cert_index;
    size_t ee_len;
    int ee_too_big;
    unsigned char ee[ACME2_BEARSSL_MAX_EE_CERT];
} acme2_bearssl_x509;

struct acme2_bearssl_transport {
    /* The connection, its settings (connect_timeout_ms, read_timeout_ms,
       log: may be changed between requests) and counters (connections,
       requests: read-only). */
    acme2_http1 http;
    char session_host[ACME2_HTTP1_MAX_HOST + 1]; /* whose session may be resumed */
    unsigned session_port;

    br_ssl_client_context sc;
    br_x509_minimal_context xc;
    acme2_bearssl_x509 xv;
    br_sslio_context io;
    unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];

    struct {                    /* acme2_bearssl_init only */
        br_pem_decoder_context pem;
        br_x509_decoder_context x509;
        size_t dn_len;
        int dn_overflow, in_cert;
    } load;

    /* Trust anchors; their byte arrays live in arena. */
    size_t n_anchors;
    size_t arena_len;
    br_x509_trust_anchor anchors[ACME2_BEARSSL_MAX_ANCHORS];
    unsigned char arena[ACME2_BEARSSL_ANCHOR_ARENA];
};

/* Loads the trust anchors from ca_file (PEM, any number of CERTIFICATE
   blocks; other blocks ignored), or from /etc/ssl/certs/ca-certificates.crt
   when ca_file is NULL. Certificates with the CA flag become CA anchors;
   others are trusted as they are (a pinned server certificate).
   Timeouts <= 0 take 10 s (connect) and 30 s (read).
   Returns 0; ACME2_ERR_NOT_FOUND (file unreadable), ACME2_ERR_PEM
   (malformed PEM, or no usable certificate), ACME2_ERR_NOSPACE (more
   anchors than ACME2_BEARSSL_MAX_ANCHORS or ACME2_BEARSSL_ANCHOR_ARENA
   bytes: the log says which to raise). */
int acme2_bearssl_init(acme2_bearssl_transport *t, const char *ca_file,
                       int connect_timeout_ms, int read_timeout_ms,
                       acme2_bearssl_log_fn log, void *log_user);

/* The acme2_transport_fn: user is the acme2_bearssl_transport. Only https
   URLs. Returns 0 when a whole response was pushed, else
   ACME2_ERR_TRANSPORT (the log tells why), ACME2_ERR_INSECURE_URL, or the
   error a push function returned. */
int acme2_bearssl_exchange(void *user, const acme2_http_request *req, acme2_http_response *resp);

/* Closes the connection (sending close_notify if it is healthy); the next
   exchange opens a new one. */
void acme2_bearssl_disconnect(acme2_bearssl_transport *t);

/* Disconnects and wipes the struct. Safe on a zeroed struct. */
void acme2_bearssl_free(acme2_bearssl_transport *t);

/* Feeds the operating system's randomness into a BearSSL engine (client or
   server): BearSSL 0.6 seeds TLS from RDRAND only on x86 and fails without
   it. Call before the engine's reset (which needs the entropy). */
void acme2_bearssl_seed(br_ssl_engine_context *eng);

#ifdef __cplusplus
}
#endif

#endif
