/* multi_curl.c - see multi_curl.h. */
#include "multi_curl.h"

#include <stdio.h>
#include <string.h>

static size_t mc_header(char *buf, size_t size, size_t n, void *user)
{
    mc_xfer *x = (mc_xfer *)user;
    int rc = x->resp ? acme2_response_header_line(x->resp, buf, size * n) : 0;
    if (rc < 0) { x->push_err = rc; return 0; }
    return size * n;
}

static size_t mc_body(char *buf, size_t size, size_t n, void *user)
{
    mc_xfer *x = (mc_xfer *)user;
    int rc = x->resp ? acme2_response_body(x->resp, buf, size * n) : 0;
    if (rc < 0) { x->push_err = rc; return 0; }
    return size * n;
}

int mc_init(mc_loop *l, const char *ca_file)
{
    memset(l, 0, sizeof *l);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return ACME2_ERR_TRANSPORT;
    l->multi = curl_multi_init();
    if (!l->multi) return ACME2_ERR_TRANSPORT;
    /* HTTP/2 multiplexing: every exchange to the CA shares one connection. */
    curl_multi_setopt(l->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    l->ca_file = ca_file;
    return 0;
}

/* Options common to both kinds of exchange; the easy handle is kept from
   one exchange to the next. */
static int mc_start(mc_loop *l, mc_xfer *x, const char *url, const char *content_type, const char *body,
                    size_t body_len, mc_done_fn done, void *user)
{
    char line[128];
    CURL *e;
    if (x->busy) return ACME2_ERR_STATE;
    if (!x->easy && !(x->easy = curl_easy_init())) return ACME2_ERR_TRANSPORT;
    e = x->easy;
    curl_easy_reset(e);
    curl_slist_free_all(x->headers);
    x->headers = NULL;
    x->done = done;
    x->user = user;
    x->push_err = 0;
    x->errbuf[0] = 0;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 60000L);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, mc_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, mc_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    if (l->ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, l->ca_file);
    x->headers = curl_slist_append(x->headers, "Expect:");
    if (content_type) {
        if (strpbrk(content_type, "\r\n") || snprintf(line, sizeof line, "Content-Type: %s", content_type) >= (int)sizeof line)
            return ACME2_ERR_PARAM;
        x->headers = curl_slist_append(x->headers, line);
    }
    if (!x->headers) return ACME2_ERR_TRANSPORT;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
    if (body) {
        /* Copied: the caller's buffer may be gone before the bytes are sent. */
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body);
    }
    if (curl_multi_add_handle(l->multi, e) != CURLM_OK) return ACME2_ERR_TRANSPORT;
    x->busy = 1;
    l->in_flight++;
    return 0;
}

int mc_acme(mc_loop *l, mc_xfer *x, const acme2_http_request *req, acme2_http_response *resp,
            mc_done_fn done, void *user)
{
    int rc;
    if (strncmp(req->url, "https://", 8) != 0) return ACME2_ERR_INSECURE_URL;
    x->resp = resp;
    rc = mc_start(l, x, req->url, req->content_type, strcmp(req->method, "POST") == 0 ? (req->body ? req->body : "") : NULL,
                  req->body_len, done, user);
    if (rc == 0 && strcmp(req->method, "HEAD") == 0) curl_easy_setopt(x->easy, CURLOPT_NOBODY, 1L);
    return rc;
}

int mc_post_json(mc_loop *l, mc_xfer *x, const char *url, const char *json, mc_done_fn done, void *user)
{
    x->resp = NULL;
    return mc_start(l, x, url, "application/json", json, strlen(json), done, user);
}

/* Hands every finished exchange to its done callback; returns how many. */
static int mc_drain(mc_loop *l)
{
    CURLMsg *m;
    int left = 0, n = 0;
    while ((m = curl_multi_info_read(l->multi, &left)) != NULL) {
        mc_xfer *x = NULL;
        long status = 0, conns = 0;
        int rc;
        if (m->msg != CURLMSG_DONE) continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
        if (curl_easy_getinfo(m->easy_handle, CURLINFO_NUM_CONNECTS, &conns) == CURLE_OK && conns > 0)
            l->connections += (unsigned long)conns;
        rc = x->push_err ? x->push_err : m->data.result != CURLE_OK ? ACME2_ERR_TRANSPORT : 0;
        if (rc == 0 && !x->resp && (status < 200 || status > 299)) rc = ACME2_ERR_HTTP;
        if (rc == 0 && x->resp && x->resp->status == 0) rc = ACME2_ERR_TRANSPORT;
        if (rc && x->resp) acme2_response_fail(x->resp, rc);
        curl_multi_remove_handle(l->multi, m->easy_handle);
        x->busy = 0;
        l->in_flight--;
        l->requests++;
        n++;
        if (x->done) x->done(x->user, rc);
    }
    return n;
}

int mc_poll(mc_loop *l, long timeout_ms)
{
    int running = 0;
    if (curl_multi_perform(l->multi, &running) != CURLM_OK) return ACME2_ERR_TRANSPORT;
    if (mc_drain(l) || timeout_ms <= 0) return 0;
    /* Sleeps the whole time-out when nothing is in flight: the caller's
       timer (the engine's WAIT) is the only thing to wait for then. */
    if (curl_multi_poll(l->multi, NULL, 0, timeout_ms > 60000 ? 60000 : (int)timeout_ms, NULL) != CURLM_OK)
        return ACME2_ERR_TRANSPORT;
    if (curl_multi_perform(l->multi, &running) != CURLM_OK) return ACME2_ERR_TRANSPORT;
    mc_drain(l);
    return 0;
}

void mc_xfer_free(mc_xfer *x)
{
    if (x->easy) curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    x->easy = NULL;
    x->headers = NULL;
}

void mc_free(mc_loop *l)
{
    if (l->multi) curl_multi_cleanup(l->multi);
    l->multi = NULL;
    curl_global_cleanup();
}
