/* transport_curl.c - see transport_curl.h. */
#if defined(ACME2_CURL_DLOPEN) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include "transport_curl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#ifdef ACME2_CURL_DLOPEN
#include <dlfcn.h>
#endif

/* The libcurl functions this file calls, all through this table: filled
   from the linked library, or (ACME2_CURL_DLOPEN) looked up in
   ACME2_CURL_LIBRARY by the first acme2_curl_init, so that a program
   offering this transport among others maps libcurl and what it pulls in
   (5 MB resident) only when it uses it. The library stays loaded. */
static struct {
    int loaded;
    CURLcode (*global_init)(long flags);
    void (*global_cleanup)(void);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} tc_api;

#ifdef ACME2_CURL_DLOPEN
/* dlsym's void * becomes a function pointer by copying its bytes (POSIX
   guarantees they agree; ISO C has no cast for it). */
static int tc_sym(void *lib, const char *name, void *fn, size_t fn_size, char *err, size_t err_size)
{
    void *p = dlsym(lib, name);
    if (!p) {
        snprintf(err, err_size, "%s has no %s", ACME2_CURL_LIBRARY, name);
        return -1;
    }
    memcpy(fn, &p, fn_size);
    return 0;
}
#define TC_SYM(field, name) tc_sym(lib, name, &tc_api.field, sizeof tc_api.field, err, err_size)
#endif

/* Returns 0, or -1 with a sentence in err. */
static int tc_load(char *err, size_t err_size)
{
#ifdef ACME2_CURL_DLOPEN
    void *lib;
    const char *why;
    if (tc_api.loaded) return 0;
    lib = dlopen(ACME2_CURL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        why = dlerror();
        snprintf(err, err_size, "cannot load libcurl: %s (Debian package libcurl4)", why ? why : ACME2_CURL_LIBRARY);
        return -1;
    }
    if (TC_SYM(global_init, "curl_global_init") || TC_SYM(global_cleanup, "curl_global_cleanup") ||
        TC_SYM(easy_init, "curl_easy_init") || TC_SYM(easy_cleanup, "curl_easy_cleanup") ||
        TC_SYM(easy_reset, "curl_easy_reset") || TC_SYM(easy_setopt, "curl_easy_setopt") ||
        TC_SYM(easy_perform, "curl_easy_perform") || TC_SYM(easy_getinfo, "curl_easy_getinfo") ||
        TC_SYM(easy_strerror, "curl_easy_strerror") || TC_SYM(slist_append, "curl_slist_append") ||
        TC_SYM(slist_free_all, "curl_slist_free_all")) {
        dlclose(lib);
        return -1;
    }
#else
    (void)err;
    (void)err_size;
    if (tc_api.loaded) return 0;
    tc_api.global_init = curl_global_init;
    tc_api.global_cleanup = curl_global_cleanup;
    tc_api.easy_init = curl_easy_init;
    tc_api.easy_cleanup = curl_easy_cleanup;
    tc_api.easy_reset = curl_easy_reset;
    tc_api.easy_setopt = curl_easy_setopt;
    tc_api.easy_perform = curl_easy_perform;
    tc_api.easy_getinfo = curl_easy_getinfo;
    tc_api.easy_strerror = curl_easy_strerror;
    tc_api.slist_append = curl_slist_append;
    tc_api.slist_free_all = curl_slist_free_all;
#endif
    tc_api.loaded = 1;
    return 0;
}

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
    t->log = log;
    t->log_user = log_user;
    if (tc_load(t->errbuf, sizeof t->errbuf) != 0) {
        tc_log(t, "%s", t->errbuf);
        return ACME2_ERR_TRANSPORT;
    }
    if (tc_api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return ACME2_ERR_TRANSPORT;
    t->easy = tc_api.easy_init();
    if (!t->easy) {
        tc_api.global_cleanup();
        return ACME2_ERR_TRANSPORT;
    }
    t->ca_file = ca_file;
    t->connect_timeout_ms = connect_timeout_ms > 0 ? connect_timeout_ms : 10000;
    t->read_timeout_ms = read_timeout_ms > 0 ? read_timeout_ms : 30000;
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
    tc_api.easy_reset(e);
    t->resp = resp;
    t->push_err = 0;
    t->errbuf[0] = 0;

    tc_api.easy_setopt(e, CURLOPT_URL, req->url);
    /* https only. A loaded library older than the headers (7.85) may not
       know the option: then no exchange rather than one without the limit. */
#if LIBCURL_VERSION_NUM >= 0x075500
    if (tc_api.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK) {
        tc_log(t, "libcurl refuses CURLOPT_PROTOCOLS_STR (older than 7.85?)");
        return ACME2_ERR_TRANSPORT;
    }
#else
    tc_api.easy_setopt(e, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
    tc_api.easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    tc_api.easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    tc_api.easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    tc_api.easy_setopt(e, CURLOPT_USERAGENT, "acme2.h/0.1");
    tc_api.easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, t->connect_timeout_ms);
    tc_api.easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    tc_api.easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (t->read_timeout_ms + 999) / 1000);
    if (t->ca_file) tc_api.easy_setopt(e, CURLOPT_CAINFO, t->ca_file);
    tc_api.easy_setopt(e, CURLOPT_HEADERFUNCTION, tc_header);
    tc_api.easy_setopt(e, CURLOPT_HEADERDATA, t);
    tc_api.easy_setopt(e, CURLOPT_WRITEFUNCTION, tc_body);
    tc_api.easy_setopt(e, CURLOPT_WRITEDATA, t);
    if (t->log) {
        tc_api.easy_setopt(e, CURLOPT_DEBUGFUNCTION, tc_debug);
        tc_api.easy_setopt(e, CURLOPT_DEBUGDATA, t);
        tc_api.easy_setopt(e, CURLOPT_VERBOSE, 1L);
    }

    if (strcmp(req->method, "HEAD") == 0) {
        tc_api.easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (strcmp(req->method, "POST") == 0) {
        tc_api.easy_setopt(e, CURLOPT_POST, 1L);
        tc_api.easy_setopt(e, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        tc_api.easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body ? req->body_len : 0));
    } else if (strcmp(req->method, "GET") == 0) {
        tc_api.easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else {
        return ACME2_ERR_PARAM;
    }

    /* No "Expect: 100-continue" round trip for POST bodies. */
    h = tc_api.slist_append(headers, "Expect:");
    if (h) headers = h;
    if (req->content_type) {
        int n = snprintf(content_type, sizeof content_type, "Content-Type: %s", req->content_type);
        if (n < 0 || (size_t)n >= sizeof content_type || strpbrk(req->content_type, "\r\n")) {
            tc_api.slist_free_all(headers);
            return ACME2_ERR_PARAM;
        }
        h = tc_api.slist_append(headers, content_type);
        if (h) headers = h;
    }
    if (!headers || (req->content_type && !headers->next)) {
        tc_api.slist_free_all(headers);
        return ACME2_ERR_TRANSPORT;
    }
    tc_api.easy_setopt(e, CURLOPT_HTTPHEADER, headers);

    res = tc_api.easy_perform(e);
    tc_api.easy_setopt(e, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
    tc_api.slist_free_all(headers);
    if (tc_api.easy_getinfo(e, CURLINFO_NUM_CONNECTS, &new_conns) == CURLE_OK && new_conns > 0)
        t->connections += (unsigned long)new_conns;
    t->resp = NULL;

    if (t->push_err) return t->push_err;
    if (res != CURLE_OK) {
        tc_log(t, "%s %s: %s", req->method, req->url, t->errbuf[0] ? t->errbuf : tc_api.easy_strerror(res));
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
    tc_api.easy_cleanup(t->easy);
    tc_api.global_cleanup();
    t->easy = NULL;
}
