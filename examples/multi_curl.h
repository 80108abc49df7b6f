/* multi_curl.h - non-blocking HTTP exchanges for the issuance engine over
   libcurl's multi interface: many exchanges in flight from one thread,
   multiplexed over one HTTP/2 connection when the server speaks it.

   The engine hands out an acme2_http_request (ACME2_STEP_HTTP); mc_acme
   starts it and returns at once; mc_poll waits (up to a time-out) for
   network activity and, for each exchange that ended, calls its done
   callback. The answer is pushed into the engine's response as it arrives,
   so when done runs the caller only steps the engine again. mc_post_json is
   the same for a plain JSON POST to any URL (a DNS provider's API, a
   challenge server), the way a deploy publishes a record asynchronously.

       mc_loop loop;                 mc_init(&loop, "ca.pem");
       mc_xfer x;                    mc_acme(&loop, &x, &req, resp, on_done, job);
       for (;;) mc_poll(&loop, timeout_ms);       ... on_done(job, rc) ...
       mc_free(&loop);

   Link with -lcurl. libcurl allocates; acme2.h does not. */
#ifndef ACME2_MULTI_CURL_H
#define ACME2_MULTI_CURL_H

#include <curl/curl.h>
#include "acme2.h"

/* rc: 0 when the exchange completed (any HTTP status; for mc_post_json
   only 2xx), else ACME2_ERR_TRANSPORT or the push function's error. */
typedef void (*mc_done_fn)(void *user, int rc);

typedef struct mc_xfer {
    CURL *easy;
    struct curl_slist *headers;
    acme2_http_response *resp;   /* NULL for mc_post_json */
    mc_done_fn done;
    void *user;
    int push_err;
    int busy;
    char errbuf[CURL_ERROR_SIZE];
} mc_xfer;

typedef struct mc_loop {
    CURLM *multi;
    const char *ca_file;          /* trusted for https; must outlive the loop */
    unsigned long requests;       /* exchanges completed */
    unsigned long connections;    /* connections libcurl opened */
    unsigned long in_flight;
} mc_loop;

int mc_init(mc_loop *l, const char *ca_file);
/* Starts req; its strings must stay valid until done (the engine's do:
   they live in the client's work buffer until the next step). */
int mc_acme(mc_loop *l, mc_xfer *x, const acme2_http_request *req, acme2_http_response *resp,
            mc_done_fn done, void *user);
int mc_post_json(mc_loop *l, mc_xfer *x, const char *url, const char *json, mc_done_fn done, void *user);
/* Runs completions; waits at most timeout_ms for activity (0: no wait). */
int mc_poll(mc_loop *l, long timeout_ms);
void mc_xfer_free(mc_xfer *x);
void mc_free(mc_loop *l);

#endif
