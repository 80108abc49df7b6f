/* transport_curl.h - an acme2.h transport over libcurl: the model for
   plugging acme2.h into an HTTP stack you already have.

   libcurl's header callback feeds acme2_response_header_line (status lines
   included), its write callback feeds acme2_response_body. One easy handle
   is reused, so libcurl keeps the connection alive between requests (and
   speaks HTTP/2 when the server offers it). Redirects are not followed;
   only https is allowed. libcurl allocates; this file does not.

       acme2_curl_transport tc;
       acme2_curl_init(&tc, "ca.pem", 10000, 30000, NULL, NULL);
       ... acme2_curl_exchange is an acme2_transport_fn, user = &tc ...
       acme2_curl_free(&tc);

   Link with -lcurl; or compile transport_curl.c with -DACME2_CURL_DLOPEN
   (link with -ldl where libc lacks dlopen): then libcurl is loaded by the
   first acme2_curl_init (ACME2_CURL_LIBRARY, default "libcurl.so.4"), so a
   program that offers this transport beside another one maps libcurl only
   when it uses it. The headers are needed to compile either way. If the
   library cannot be loaded, acme2_curl_init returns ACME2_ERR_TRANSPORT
   with the reason in errbuf (and the log). */
#ifndef ACME2_TRANSPORT_CURL_H
#define ACME2_TRANSPORT_CURL_H

#include <curl/curl.h>
#include "acme2.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ACME2_CURL_LIBRARY
#define ACME2_CURL_LIBRARY "libcurl.so.4"
#endif

typedef void (*acme2_curl_log_fn)(void *user, const char *line);

typedef struct acme2_curl_transport {
    CURL *easy;
    const char *ca_file;        /* NULL: libcurl's default bundle; the string must outlive the struct */
    long connect_timeout_ms;
    long read_timeout_ms;       /* the exchange fails after this long without a byte */
    acme2_curl_log_fn log;      /* libcurl's informational lines, and one line per request */
    void *log_user;
    unsigned long connections;  /* connections libcurl opened so far */
    unsigned long requests;     /* exchanges completed (any status) */
    int push_err;               /* error a push function returned (internal) */
    acme2_http_response *resp;  /* response being filled (internal) */
    char errbuf[CURL_ERROR_SIZE];  /* libcurl's last error, or why it could not be loaded */
} acme2_curl_transport;

/* Creates the easy handle (calling curl_global_init, which libcurl counts).
   Timeouts <= 0 take 10 s (connect) and 30 s (read). Returns 0 or
   ACME2_ERR_TRANSPORT (with ACME2_CURL_DLOPEN: errbuf says when libcurl
   could not be loaded). */
int acme2_curl_init(acme2_curl_transport *t, const char *ca_file, long connect_timeout_ms,
                    long read_timeout_ms, acme2_curl_log_fn log, void *log_user);

/* The acme2_transport_fn: user is the acme2_curl_transport. Returns 0, the
   error a push function returned, or ACME2_ERR_TRANSPORT (the log says why). */
int acme2_curl_exchange(void *user, const acme2_http_request *req, acme2_http_response *resp);

void acme2_curl_free(acme2_curl_transport *t);

#ifdef __cplusplus
}
#endif

#endif
