/* http1.h - the HTTP/1.1 client under the TLS transports (transport_bearssl.c,
   transport_mbedtls.c): URL check, POSIX sockets (IPv4 and IPv6, connect
   and read time-outs), the request, the response's framing, keep-alive. It
   knows no TLS: a transport fills in acme2_http1_tls and calls
   acme2_http1_exchange. No heap.

   HTTP: Content-Length, chunked and close-delimited bodies (the last only
   after a clean TLS close_notify, so a truncated body is an error, not a
   short document); HEAD, 1xx, 204 and 304 without body; one connection
   reused per host:port, reopened transparently when the server closed it
   (a request on a reused connection that fails to write, or sees the
   connection end before any response byte, is sent once more on a fresh
   connection: ACME POSTs are protected by their nonce). No redirects, no
   proxies, no compression (none is requested). */
#ifndef ACME2_HTTP1_H
#define ACME2_HTTP1_H

#include <stddef.h>
#include "acme2.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest status or header line. 8 KB is what common servers accept. */
#ifndef ACME2_HTTP1_MAX_LINE
#define ACME2_HTTP1_MAX_LINE 8192
#endif
/* Header fields (or trailer fields) per response; ACME servers send ~12. */
#ifndef ACME2_HTTP1_MAX_HEADERS
#define ACME2_HTTP1_MAX_HEADERS 100
#endif
/* DNS names are at most 253 characters. */
#define ACME2_HTTP1_MAX_HOST 255

/* Verbose log: one line per event (connect, TLS, request, status, errors),
   without a newline. Never receives request or response bodies. */
typedef void (*acme2_http1_log_fn)(void *user, const char *line);

/* Why the last socket operation failed. */
enum { ACME2_HTTP1_IO_OK, ACME2_HTTP1_IO_EOF, ACME2_HTTP1_IO_TIMEOUT, ACME2_HTTP1_IO_ERROR };

typedef struct acme2_http1 acme2_http1;

/* What a TLS library supplies. Each function gets the acme2_http1 whose
   tls_ctx is the transport; the socket is h->fd, and the TLS layer moves
   its bytes with acme2_http1_sock_read / acme2_http1_sock_write. */
typedef struct acme2_http1_tls {
    /* Handshake with h->host: SNI and a dNSName check for a name; for an
       IP literal (h->host_ip_len 4 or 16) no SNI and the iPAddress SAN
       (acme2_http1_cert_names_ip). 0, or ACME2_ERR_TRANSPORT (logged). */
    int (*handshake)(acme2_http1 *h);
    /* Up to len bytes of plaintext: > 0, 0 at the peer's close_notify,
       < 0 on failure (a TLS failure logged; a socket one in h->io_state). */
    int (*read)(acme2_http1 *h, unsigned char *buf, size_t len);
    /* All len bytes; then flush (may be NULL) sends what is buffered.
       0 or < 0. */
    int (*write)(acme2_http1 *h, const unsigned char *buf, size_t len);
    int (*flush)(acme2_http1 *h);
    /* Best-effort close_notify on a healthy connection; not awaited. */
    void (*close_notify)(acme2_http1 *h);
    /* Nonzero when the TLS layer holds no unread input and is not closed
       (a kept-alive connection may be reused). */
    int (*idle_ok)(acme2_http1 *h);
} acme2_http1_tls;

struct acme2_http1 {
    /* Read-only for the caller. */
    unsigned long connections;  /* TLS connections established so far */
    unsigned long requests;     /* exchanges completed (any status) */

    /* Settings (may be changed between requests). */
    int connect_timeout_ms;     /* per address tried */
    int read_timeout_ms;        /* longest wait for any byte to go or come */
    acme2_http1_log_fn log;
    void *log_user;

    const acme2_http1_tls *tls;
    void *tls_ctx;              /* the transport, for the tls functions */

    /* The open connection, if any. */
    int connected;              /* fd is an open connection */
    int fd;                     /* -1 when closed */
    int reusable;               /* the last response left it usable */
    char host[ACME2_HTTP1_MAX_HOST + 1]; /* host it talks to (no brackets) */
    unsigned port;
    int host_ip_len;            /* 4 or 16 for an IP literal, else 0 */
    unsigned char host_ip[16];
    int io_state;               /* ACME2_HTTP1_IO_*: why the last socket operation failed */
    int got_bytes;              /* response bytes seen in this exchange */

    /* Response reading. Between exchanges rbuf is free for the transport
       (e.g. to read a CA file at init). */
    unsigned char rbuf[4096];
    size_t rpos, rlen;
    char line[ACME2_HTTP1_MAX_LINE + 1];
};

/* Zeroes h and sets the defaults: timeouts <= 0 take 10 s (connect) and
   30 s (read). */
void acme2_http1_init(acme2_http1 *h, const acme2_http1_tls *tls, void *tls_ctx,
                      int connect_timeout_ms, int read_timeout_ms,
                      acme2_http1_log_fn log, void *log_user);

/* An acme2_transport_fn body over h. Only https URLs. Returns 0 when a
   whole response was pushed, else ACME2_ERR_TRANSPORT (the log tells why),
   ACME2_ERR_INSECURE_URL, ACME2_ERR_PARAM (a malformed URL or request), or
   the error a push function returned. */
int acme2_http1_exchange(acme2_http1 *h, const acme2_http_request *req, acme2_http_response *resp);

/* Closes the connection (with close_notify if it is healthy). */
void acme2_http1_disconnect(acme2_http1 *h);

/* For the TLS layer: the socket with the read time-out. > 0 bytes, or -1
   with h->io_state saying why (ACME2_HTTP1_IO_EOF for the peer's FIN). */
int acme2_http1_sock_read(acme2_http1 *h, unsigned char *buf, size_t len);
int acme2_http1_sock_write(acme2_http1 *h, const unsigned char *buf, size_t len);

/* 1 when the DER certificate has an iPAddress SAN equal to h->host_ip. */
int acme2_http1_cert_names_ip(const acme2_http1 *h, const unsigned char *der, size_t len);

/* printf-style line to h->log, if set. */
void acme2_http1_log(acme2_http1 *h, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif
