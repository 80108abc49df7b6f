/* transport_mbedtls.h - an acme2.h transport: HTTPS/1.1 over POSIX sockets
   and mbedTLS (the TLS library of ESP-IDF, Zephyr and most RTOS SDKs),
   with keep-alive. The HTTP/1.1 part is http1.c (shared with
   transport_bearssl.c): build both files, link -lmbedtls -lmbedx509
   -lmbedcrypto.

   USE
       static acme2_mbedtls_transport tm;
       acme2_mbedtls_init(&tm, "ca.pem", 10000, 30000, NULL, NULL);
       ... acme2_mbedtls_exchange is an acme2_transport_fn, user = &tm ...
       acme2_mbedtls_free(&tm);

   mbedTLS keeps pointers into the struct: it MUST NOT be moved or copied
   after acme2_mbedtls_init. One request at a time. This file does not
   allocate; mbedTLS does (two 16 KB record buffers per connection, the
   parsed trust anchors): on firmware give it a static pool with
   MBEDTLS_MEMORY_BUFFER_ALLOC_C.

   Verification: the chain must lead to a certificate of the CA file and
   the server's certificate must name the URL's host: dNSName by mbedTLS
   (which also gets the name as SNI), iPAddress for IP literals (checked
   here, with no SNI: mbedTLS 2.x matches dNSName only). TLS 1.2, and 1.3
   where the mbedTLS build has it (3.x).

   Written to mbedTLS 2.28 (Debian 12's libmbedtls-dev) and 3.x: the two
   differ here only in TLS 1.3 (3.x: psa_crypto_init, session tickets
   arriving after the handshake) and in 2.x still offering TLS 1.0/1.1,
   which is switched off. No struct member of mbedTLS is touched but the
   certificate's raw DER, public in both. */
#ifndef ACME2_TRANSPORT_MBEDTLS_H
#define ACME2_TRANSPORT_MBEDTLS_H

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include "acme2.h"
#include "http1.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest CA file read. Debian's bundle is about 220 KB; mbedTLS holds
   every certificate of it parsed on its heap (about 1.5 KB each). */
#ifndef ACME2_MBEDTLS_MAX_CA_FILE
#define ACME2_MBEDTLS_MAX_CA_FILE (1024L * 1024)
#endif

typedef acme2_http1_log_fn acme2_mbedtls_log_fn;

typedef struct acme2_mbedtls_transport {
    /* The connection, its settings (connect_timeout_ms, read_timeout_ms,
       log: may be changed between requests) and counters (connections,
       requests: read-only). */
    acme2_http1 http;
    size_t n_anchors;           /* certificates parsed from the CA file */

    int ready;                  /* the mbedTLS contexts below need freeing */
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt ca;
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_session session; /* the last one, resumed with the same server */
    int have_session;
    char session_host[ACME2_HTTP1_MAX_HOST + 1];
    unsigned session_port;
} acme2_mbedtls_transport;

/* Loads the trust anchors from ca_file (PEM, any number of CERTIFICATE
   blocks), or from /etc/ssl/certs/ca-certificates.crt when ca_file is
   NULL; seeds mbedTLS's CTR-DRBG from its entropy sources.
   Timeouts <= 0 take 10 s (connect) and 30 s (read).
   Returns 0; ACME2_ERR_NOT_FOUND (file unreadable), ACME2_ERR_PEM
   (malformed PEM, or no usable certificate), ACME2_ERR_NOSPACE (file
   larger than ACME2_MBEDTLS_MAX_CA_FILE, or mbedTLS out of memory),
   ACME2_ERR_RNG (no entropy). On failure nothing is left to free. */
int acme2_mbedtls_init(acme2_mbedtls_transport *t, const char *ca_file,
                       int connect_timeout_ms, int read_timeout_ms,
                       acme2_mbedtls_log_fn log, void *log_user);

/* The acme2_transport_fn: user is the acme2_mbedtls_transport. Only https
   URLs. Returns 0 when a whole response was pushed, else
   ACME2_ERR_TRANSPORT (the log tells why), ACME2_ERR_INSECURE_URL,
   ACME2_ERR_PARAM, or the error a push function returned. */
int acme2_mbedtls_exchange(void *user, const acme2_http_request *req, acme2_http_response *resp);

/* Closes the connection (sending close_notify if it is healthy); the next
   exchange opens a new one. */
void acme2_mbedtls_disconnect(acme2_mbedtls_transport *t);

/* Disconnects, frees what mbedTLS holds and wipes the struct. Safe on a
   zeroed struct and after a failed init. */
void acme2_mbedtls_free(acme2_mbedtls_transport *t);

#ifdef __cplusplus
}
#endif

#endif
