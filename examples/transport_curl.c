/* transport_curl.c - see transport_curl.h. */
#include "transport_curl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void tc_log(acme2_curl_transport *t, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    if (!t->log) return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    t->log(t->log_user, line);
}

/* Every header line, status lines included ("HTTP/2 200"). Returning
   less than given makes libcurl abort with CURLE_WRITE_ERROR. */
static size_t tc_header(char *buf, size_t size, size_t n, void *user)
{
    acme2_curl_transport *t = (acme2_curl_transport *)user;
    int rc = acme2_response_header_line(t->resp, buf, size * n);
    if (rc < 0) {
        t->push_err = rc;
        return 0;
    }
    return size * n;
}

static size_t tc_body(char *buf, size_t size, size_t n, void *user)
{
    acme2_curl_transport *t = (acme2_curl_transport *)user;
    int rc = acme2_response_body(t->resp, buf, size * n);
    if (rc < 0) {
        t->push_err = rc;
        return 0;
    }
    return size * n;
}

/* libcurl's verbose text (connects, TLS, reuse), one line at a time;
   headers and data are not logged. */
static int tc_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *user)
{
    acme2_curl_transport *t = (acme2_curl_transport *)user;
    (void)easy;
    if (type == CURLINFO_TEXT) {
        while (size && (data[size - 1] == '\n' || data[size - 1] == '\r')) size--;
        tc_log(t, "curl: %.*s", (int)(size > 400 ? 400 : size), data);
    }
    return 0;
}

int acme2_curl_init(acme2_curl_transport *t, const char *ca_file, long connect_timeout_ms,
                    long read_timeout_ms, acme2_curl_log_fn log, void *log_user)
{
    if (!t) return ACME2_ERR_PARAM;
    memset(t, 0, sizeof *t);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return ACME2_ERR_TRANSPORT;
    t->easy = curl_easy_init();
    if (!t->easy) {
        curl_global_cleanup();
        return ACME2_ERR_TRANSPORT;
    }
    t->ca_file = ca_file;
    t->connect_timeout_ms = connect_timeout_ms > 0 ? connect_timeout_ms : 10000;
    t->read_timeout_ms = read_timeout_ms > 0 ? read_timeout_ms : 30000;
    t->log = log;
    t->log_user = log_user;
    return 0;
}

int acme2_curl_exchange(void *user, const acme2_http_request *req, acme2_http_response *resp)
{
    acme2_curl_transport *t = (acme2_curl_transport *)user;
    struct curl_slist *headers = NULL, *h;
    char content_type[128];
    CURL *e;
    CURLcode res;
    long new_conns = 0;

    if (!t || !t->easy || !req || !req->method || !req->url || !resp) return ACME2_ERR_PARAM;
    e = t->easy;
    /* Options from the previous request go; the connection stays. */
    curl_easy_reset(e);
    t->resp = resp;
    t->push_err = 0;
    t->errbuf[0] = 0;

    curl_easy_setopt(e, CURLOPT_URL, req->url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
#else
    curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "acme2.h/0.1");
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, t->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (t->read_timeout_ms + 999) / 1000);
    if (t->ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, t->ca_file);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, tc_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, tc_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    if (t->log) {
        curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, tc_debug);
        curl_easy_setopt(e, CURLOPT_DEBUGDATA, t);
        curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
    }

    if (strcmp(req->method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (strcmp(req->method, "POST") == 0) {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body ? req->body_len : 0));
    } else if (strcmp(req->method, "GET") == 0) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else {
        return ACME2_ERR_PARAM;
    }

    /* No "Expect: 100-continue" round trip for POST bodies. */
    h = curl_slist_append(headers, "Expect:");
    if (h) headers = h;
    if (req->content_type) {
        int n = snprintf(content_type, sizeof content_type, "Content-Type: %s", req->content_type);
        if (n < 0 || (size_t)n >= sizeof content_type || strpbrk(req->content_type, "\r\n")) {
            curl_slist_free_all(headers);
            return ACME2_ERR_PARAM;
        }
        h = curl_slist_append(headers, content_type);
        if (h) headers = h;
    }
    if (!headers || (req->content_type && !headers->next)) {
        curl_slist_free_all(headers);
        return ACME2_ERR_TRANSPORT;
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);

    res = curl_easy_perform(e);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
    curl_slist_free_all(headers);
    if (curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &new_conns) == CURLE_OK && new_conns > 0)
        t->connections += (unsigned long)new_conns;
    t->resp = NULL;

    if (t->push_err) return t->push_err;
    if (res != CURLE_OK) {
        tc_log(t, "%s %s: %s", req->method, req->url, t->errbuf[0] ? t->errbuf : curl_easy_strerror(res));
        return ACME2_ERR_TRANSPORT;
    }
    if (resp->status == 0) { /* a response without a status line */
        tc_log(t, "%s %s: no status line", req->method, req->url);
        return ACME2_ERR_TRANSPORT;
    }
    t->requests++;
    tc_log(t, "%s %s -> %d", req->method, req->url, resp->status);
    return 0;
}

void acme2_curl_free(acme2_curl_transport *t)
{
    if (!t || !t->easy) return;
    curl_easy_cleanup(t->easy);
    curl_global_cleanup();
    t->easy = NULL;
}
