/* http1.c - see http1.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "http1.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#define H1_USER_AGENT "acme2.h/0.1"
#define H1_MAX_INTERIM 8         /* 1xx responses skipped before the final one */

/* Internal results besides ACME2_* codes. */
#define H1_EOF 1                 /* the connection ended before any byte of a line */
#define H1_RETRY 2               /* a reused connection was dead: try a fresh one */

typedef acme2_http1 h1_t;

void acme2_http1_log(acme2_http1 *t, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    if (!t->log) return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    t->log(t->log_user, line);
}

static int h1_lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Case-insensitive: the n bytes at s equal the lower-case literal lit. */
static int h1_ieq(const char *s, size_t n, const char *lit)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!lit[i] || h1_lower((unsigned char)s[i]) != lit[i]) return 0;
    return lit[n] == 0;
}

void acme2_http1_init(acme2_http1 *h, const acme2_http1_tls *tls, void *tls_ctx,
                      int connect_timeout_ms, int read_timeout_ms,
                      acme2_http1_log_fn log, void *log_user)
{
    memset(h, 0, sizeof *h);
    h->fd = -1;
    h->tls = tls;
    h->tls_ctx = tls_ctx;
    h->connect_timeout_ms = connect_timeout_ms > 0 ? connect_timeout_ms : 10000;
    h->read_timeout_ms = read_timeout_ms > 0 ? read_timeout_ms : 30000;
    h->log = log;
    h->log_user = log_user;
}

/* ---- sockets ---------------------------------------------------------- */

/* Waits for fd to become ready; sets io_state on time-out or error. */
static int h1_wait(h1_t *t, short events, int timeout_ms)
{
    struct pollfd p;
    int r;
    p.fd = t->fd;
    p.events = events;
    p.revents = 0;
    do r = poll(&p, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    if (r == 0) { t->io_state = ACME2_HTTP1_IO_TIMEOUT; return -1; }
    if (r < 0) { t->io_state = ACME2_HTTP1_IO_ERROR; return -1; }
    return 0;
}

int acme2_http1_sock_read(acme2_http1 *t, unsigned char *buf, size_t len)
{
    if (len > 65536) len = 65536; /* the result fits an int */
    for (;;) {
        ssize_t n;
        if (h1_wait(t, POLLIN, t->read_timeout_ms) < 0) return -1;
        n = recv(t->fd, buf, len, 0);
        if (n > 0) return (int)n;
        if (n == 0) { t->io_state = ACME2_HTTP1_IO_EOF; return -1; }
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
        t->io_state = ACME2_HTTP1_IO_ERROR;
        return -1;
    }
}

int acme2_http1_sock_write(acme2_http1 *t, const unsigned char *buf, size_t len)
{
    if (len > 65536) len = 65536;
    for (;;) {
        ssize_t n;
        if (h1_wait(t, POLLOUT, t->read_timeout_ms) < 0) return -1;
        /* MSG_NOSIGNAL: a peer that went away gives EPIPE, not SIGPIPE. */
        n = send(t->fd, buf, len, MSG_NOSIGNAL);
        if (n > 0) return (int)n;
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        t->io_state = ACME2_HTTP1_IO_ERROR;
        return -1;
    }
}

static void h1_close_fd(h1_t *t)
{
    if (t->connected) close(t->fd);
    t->connected = 0;
    t->fd = -1;
    t->reusable = 0;
    t->rpos = t->rlen = 0;
}

/* Connects to one address, giving up after the connect time-out. */
static int h1_connect_addr(h1_t *t, const struct addrinfo *ai)
{
    int fd, err = 0, one = 1;
    socklen_t el = sizeof err;
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) return -1;
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
        close(fd);
        return -1;
    }
    /* Requests and responses are small and sent whole: no Nagle delay. */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        if (errno != EINPROGRESS) { err = errno; goto fail; }
        t->fd = fd;
        if (h1_wait(t, POLLOUT, t->connect_timeout_ms) < 0) {
            t->fd = -1;
            err = ETIMEDOUT;
            goto fail;
        }
        t->fd = -1;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0) err = errno;
        if (err) goto fail;
    }
    return fd;
fail:
    acme2_http1_log(t, "connect to %s port %u: %s", t->host, t->port, strerror(err));
    close(fd);
    return -1;
}

/* Resolves, connects (each address in turn) and shakes hands. */
static int h1_open(h1_t *t)
{
    struct addrinfo hints, *res = NULL, *ai;
    char port[12];
    int rc;

    h1_close_fd(t);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (t->host_ip_len ? AI_NUMERICHOST : 0);
    snprintf(port, sizeof port, "%u", t->port);
    rc = getaddrinfo(t->host, port, &hints, &res);
    if (rc != 0) {
        acme2_http1_log(t, "cannot resolve %s: %s", t->host, gai_strerror(rc));
        return ACME2_ERR_TRANSPORT;
    }
    for (ai = res; ai && t->fd < 0; ai = ai->ai_next) t->fd = h1_connect_addr(t, ai);
    freeaddrinfo(res);
    if (t->fd < 0) return ACME2_ERR_TRANSPORT;
    t->connected = 1;
    t->io_state = ACME2_HTTP1_IO_OK;
    if (t->tls->handshake(t) < 0) {
        if (t->io_state == ACME2_HTTP1_IO_TIMEOUT) acme2_http1_log(t, "TLS handshake with %s: timed out", t->host);
        h1_close_fd(t);
        return ACME2_ERR_TRANSPORT;
    }
    t->connections++;
    return 0;
}

void acme2_http1_disconnect(acme2_http1 *t)
{
    if (t->connected && t->reusable && t->tls && t->tls->close_notify) {
        int saved = t->read_timeout_ms;
        t->read_timeout_ms = 1000;
        t->tls->close_notify(t);
        t->read_timeout_ms = saved;
    }
    h1_close_fd(t);
}

/* A kept-alive connection the server has closed (or sent anything on
   while idle) is readable before we ask anything. */
static int h1_idle_conn_ok(h1_t *t)
{
    struct pollfd p;
    if (!t->connected || !t->reusable || !t->tls->idle_ok(t)) return 0;
    p.fd = t->fd;
    p.events = POLLIN;
    p.revents = 0;
    return poll(&p, 1, 0) == 0;
}

int acme2_http1_cert_names_ip(const acme2_http1 *t, const unsigned char *der, size_t len)
{
    acme2_cert_info ci;
    size_t pos = 0;
    int type, guard;
    char text[64];
    unsigned char ip[16];

    if (t->host_ip_len == 0 || acme2_cert_parse(&ci, der, len) < 0) return 0;
    for (guard = 0; guard < 1000; guard++) {
        if (acme2_cert_san_next(&ci, &pos, &type, text, sizeof text) != 1) break;
        if (type == ACME2_ID_IP && acme2_ip_parse(text, ip) == t->host_ip_len &&
            memcmp(ip, t->host_ip, (size_t)t->host_ip_len) == 0)
            return 1;
    }
    return 0;
}

/* ---- URL -------------------------------------------------------------- */

typedef struct h1_url {
    char host[ACME2_HTTP1_MAX_HOST + 1];
    unsigned port;
    int ip_len;
    unsigned char ip[16];
    const char *path;      /* from the first '/' or '?', without the fragment */
    size_t path_len;
} h1_url;

static int h1_parse_url(const char *url, h1_url *u)
{
    const char *p, *a, *ae, *h, *he, *pe;
    size_t i, n = strlen(url);

    for (i = 0; i < n; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f) return ACME2_ERR_PARAM;
    if (n < 8 || !h1_ieq(url, 8, "https://")) return ACME2_ERR_INSECURE_URL;
    a = url + 8;
    for (ae = a; *ae && *ae != '/' && *ae != '?' && *ae != '#'; ae++) {
        if (*ae == '@') return ACME2_ERR_PARAM; /* no user info */
    }
    u->port = 443;
    if (a < ae && *a == '[') {
        h = a + 1;
        for (he = h; he < ae && *he != ']'; he++) {}
        if (he == ae) return ACME2_ERR_PARAM;
        p = he + 1;
    } else {
        h = a;
        for (he = h; he < ae && *he != ':'; he++) {}
        p = he;
    }
    if (p < ae) {
        unsigned long port = 0;
        if (*p != ':' || p + 1 == ae || ae - p > 6) return ACME2_ERR_PARAM;
        for (p++; p < ae; p++) {
            if (*p < '0' || *p > '9') return ACME2_ERR_PARAM;
            port = port * 10 + (unsigned long)(*p - '0');
        }
        if (port == 0 || port > 65535) return ACME2_ERR_PARAM;
        u->port = (unsigned)port;
    }
    if (he == h || (size_t)(he - h) > ACME2_HTTP1_MAX_HOST) return ACME2_ERR_PARAM;
    memcpy(u->host, h, (size_t)(he - h));
    u->host[he - h] = 0;
    u->ip_len = 0;
    if (*a == '[') {
        if (acme2_ip_parse(u->host, u->ip) != 16) return ACME2_ERR_PARAM;
        u->ip_len = 16;
    } else {
        for (i = 0; u->host[i]; i++) {
            char c = u->host[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.'))
                return ACME2_ERR_PARAM;
        }
        if (acme2_ip_parse(u->host, u->ip) == 4) u->ip_len = 4;
    }
    for (pe = ae; *pe && *pe != '#'; pe++) {}
    u->path = ae;
    u->path_len = (size_t)(pe - ae);
    return 0;
}

/* ---- response reading ------------------------------------------------- */

/* Makes at least one byte available in rbuf: 0, H1_EOF (connection ended;
   after a clean close_notify io_state is ACME2_HTTP1_IO_OK), or an error. */
static int h1_fill(h1_t *t)
{
    int n;
    if (t->rpos < t->rlen) return 0;
    n = t->tls->read(t, t->rbuf, sizeof t->rbuf);
    if (n > 0) {
        t->rpos = 0;
        t->rlen = (size_t)n > sizeof t->rbuf ? sizeof t->rbuf : (size_t)n;
        t->got_bytes = 1;
        return 0;
    }
    if (n == 0) {
        t->io_state = ACME2_HTTP1_IO_OK; /* close_notify */
        return H1_EOF;
    }
    if (t->io_state == ACME2_HTTP1_IO_EOF) return H1_EOF;
    if (t->io_state == ACME2_HTTP1_IO_TIMEOUT) acme2_http1_log(t, "%s: read timed out", t->host);
    else if (t->io_state == ACME2_HTTP1_IO_ERROR) acme2_http1_log(t, "%s: read failed: connection lost", t->host);
    return ACME2_ERR_TRANSPORT;
}

/* Reads one line (LF or CRLF) into t->line, NUL-terminated. Returns 0,
   H1_EOF when the connection ended before the line's first byte, or an
   error (line too long, connection ended mid-line). */
static int h1_read_line(h1_t *t, size_t *len)
{
    size_t n = 0;
    for (;;) {
        unsigned char c;
        if (t->rpos == t->rlen) {
            int rc = h1_fill(t);
            if (rc == H1_EOF && n == 0) return H1_EOF;
            if (rc != 0) {
                if (rc == H1_EOF) acme2_http1_log(t, "%s: connection ended inside a line", t->host);
                return ACME2_ERR_TRANSPORT;
            }
        }
        c = t->rbuf[t->rpos++];
        if (c == '\n') break;
        if (n >= ACME2_HTTP1_MAX_LINE) {
            acme2_http1_log(t, "%s: response line longer than %d bytes", t->host, ACME2_HTTP1_MAX_LINE);
            return ACME2_ERR_TRANSPORT;
        }
        t->line[n++] = (char)c;
    }
    if (n > 0 && t->line[n - 1] == '\r') n--;
    t->line[n] = 0;
    *len = n;
    return 0;
}

/* "HTTP/1.x SP 3DIGIT [SP reason]". */
static int h1_status_line(const char *s, size_t n, int *minor)
{
    int code;
    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') || s[8] != ' ')
        return -1;
    if (s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' || s[11] < '0' || s[11] > '9')
        return -1;
    if (n > 12 && s[12] != ' ') return -1;
    code = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    *minor = s[7] - '0';
    return code;
}

static int h1_is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

typedef struct h1_framing {
    int has_length;
    unsigned long long length;
    int chunked;
    int conn_close;
    int conn_keep_alive;
} h1_framing;

/* Content-Length: 1*DIGIT, no sign, no list; bounded well below overflow. */
static int h1_parse_length(const char *v, size_t n, unsigned long long *out)
{
    unsigned long long x = 0;
    size_t i;
    if (n == 0 || n > 18) return -1; /* 18 digits < 2^63 */
    for (i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') return -1;
        x = x * 10 + (unsigned long long)(v[i] - '0');
    }
    *out = x;
    return 0;
}

/* Connection: comma-separated tokens. */
static void h1_connection_tokens(const char *v, size_t n, h1_framing *f)
{
    size_t i = 0;
    while (i < n) {
        size_t s, e;
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ',')) i++;
        s = i;
        while (i < n && v[i] != ',') i++;
        e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t')) e--;
        if (h1_ieq(v + s, e - s, "close")) f->conn_close = 1;
        else if (h1_ieq(v + s, e - s, "keep-alive")) f->conn_keep_alive = 1;
    }
}

/* Reads header fields up to the blank line. With resp, each is pushed to
   it; with f, framing headers are interpreted. */
static int h1_read_fields(h1_t *t, acme2_http_response *resp, h1_framing *f)
{
    int count;
    for (count = 0;; count++) {
        size_t len, nl, vs, ve, i;
        const char *line = t->line;
        int rc = h1_read_line(t, &len);
        if (rc != 0) {
            if (rc == H1_EOF) acme2_http1_log(t, "%s: connection ended inside the header", t->host);
            return ACME2_ERR_TRANSPORT;
        }
        if (len == 0) return 0;
        if (count >= ACME2_HTTP1_MAX_HEADERS) {
            acme2_http1_log(t, "%s: more than %d header fields", t->host, ACME2_HTTP1_MAX_HEADERS);
            return ACME2_ERR_TRANSPORT;
        }
        for (nl = 0; nl < len && line[nl] != ':'; nl++)
            if (!h1_is_tchar((unsigned char)line[nl])) break;
        if (nl == 0 || nl == len || line[nl] != ':') {
            acme2_http1_log(t, "%s: malformed header line", t->host);
            return ACME2_ERR_TRANSPORT;
        }
        for (i = nl + 1; i < len; i++) {
            unsigned char c = (unsigned char)line[i];
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                acme2_http1_log(t, "%s: control character in a header value", t->host);
                return ACME2_ERR_TRANSPORT;
            }
        }
        vs = nl + 1;
        while (vs < len && (line[vs] == ' ' || line[vs] == '\t')) vs++;
        ve = len;
        while (ve > vs && (line[ve - 1] == ' ' || line[ve - 1] == '\t')) ve--;
        if (f) {
            if (h1_ieq(line, nl, "content-length")) {
                unsigned long long v;
                if (h1_parse_length(line + vs, ve - vs, &v) < 0 || (f->has_length && v != f->length)) {
                    acme2_http1_log(t, "%s: bad Content-Length", t->host);
                    return ACME2_ERR_TRANSPORT;
                }
                f->has_length = 1;
                f->length = v;
            } else if (h1_ieq(line, nl, "transfer-encoding")) {
                /* Nothing but chunked is asked for or decoded. */
                if (f->chunked || !h1_ieq(line + vs, ve - vs, "chunked")) {
                    acme2_http1_log(t, "%s: unsupported Transfer-Encoding", t->host);
                    return ACME2_ERR_TRANSPORT;
                }
                f->chunked = 1;
            } else if (h1_ieq(line, nl, "connection")) {
                h1_connection_tokens(line + vs, ve - vs, f);
            }
        }
        if (resp) {
            rc = acme2_response_header(resp, line, nl, line + vs, ve - vs);
            if (rc < 0) return rc;
        }
    }
}

/* Pushes exactly n body bytes. */
static int h1_body_fixed(h1_t *t, acme2_http_response *resp, unsigned long long n)
{
    while (n > 0) {
        size_t take;
        int rc = h1_fill(t);
        if (rc != 0) {
            if (rc == H1_EOF) acme2_http1_log(t, "%s: connection ended inside the body", t->host);
            return ACME2_ERR_TRANSPORT;
        }
        take = t->rlen - t->rpos;
        if (take > n) take = (size_t)n;
        rc = acme2_response_body(resp, t->rbuf + t->rpos, take);
        if (rc < 0) return rc;
        t->rpos += take;
        n -= take;
    }
    return 0;
}

static int h1_body_chunked(h1_t *t, acme2_http_response *resp)
{
    for (;;) {
        unsigned long long size = 0;
        size_t len, i, digits = 0;
        int rc = h1_read_line(t, &len);
        if (rc != 0) return ACME2_ERR_TRANSPORT;
        for (i = 0; i < len; i++) {
            char c = t->line[i];
            int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                  : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
            if (v < 0) break;
            if (size || v) digits++;
            if (digits > 15) break; /* 2^60: no overflow, and far beyond any body */
            size = size * 16 + (unsigned long long)v;
        }
        /* At least one digit; then only white space before extensions. */
        if (i == 0 || digits > 15) goto bad;
        while (i < len && (t->line[i] == ' ' || t->line[i] == '\t')) i++;
        if (i < len && t->line[i] != ';') goto bad;
        if (size == 0) return h1_read_fields(t, NULL, NULL); /* trailers: dropped */
        rc = h1_body_fixed(t, resp, size);
        if (rc < 0) return rc;
        rc = h1_read_line(t, &len);
        if (rc != 0 || len != 0) goto bad;
    }
bad:
    acme2_http1_log(t, "%s: malformed chunked body", t->host);
    return ACME2_ERR_TRANSPORT;
}

/* A body delimited by the end of the connection: it must end with a TLS
   close_notify, else it may have been cut short. */
static int h1_body_to_close(h1_t *t, acme2_http_response *resp)
{
    for (;;) {
        int rc = h1_fill(t);
        if (rc == H1_EOF) {
            if (t->io_state == ACME2_HTTP1_IO_OK) return 0;
            acme2_http1_log(t, "%s: connection ended without close_notify: body may be truncated", t->host);
            return ACME2_ERR_TRANSPORT;
        }
        if (rc != 0) return rc;
        rc = acme2_response_body(resp, t->rbuf + t->rpos, t->rlen - t->rpos);
        if (rc < 0) return rc;
        t->rpos = t->rlen;
    }
}

/* ---- one exchange ----------------------------------------------------- */

static int h1_write_request(h1_t *t, const acme2_http_request *req, const h1_url *u)
{
    char head[ACME2_MAX_URL + ACME2_HTTP1_MAX_HOST + 512]; /* ~1.3 KB of stack */
    char hostport[ACME2_HTTP1_MAX_HOST + 16];
    int n;
    const char *bracket_l = u->ip_len == 16 ? "[" : "", *bracket_r = u->ip_len == 16 ? "]" : "";

    if (u->port == 443) snprintf(hostport, sizeof hostport, "%s%s%s", bracket_l, u->host, bracket_r);
    else snprintf(hostport, sizeof hostport, "%s%s%s:%u", bracket_l, u->host, bracket_r, u->port);
    n = snprintf(head, sizeof head, "%s %s%.*s HTTP/1.1\r\nHost: %s\r\nUser-Agent: " H1_USER_AGENT
                 "\r\nAccept: */*\r\n", req->method, (u->path_len == 0 || u->path[0] == '?') ? "/" : "",
                 (int)u->path_len, u->path, hostport);
    if (n < 0 || (size_t)n >= sizeof head) return ACME2_ERR_PARAM;
    if (req->content_type) {
        int m = snprintf(head + n, sizeof head - (size_t)n, "Content-Type: %s\r\n", req->content_type);
        if (m < 0 || (size_t)m >= sizeof head - (size_t)n) return ACME2_ERR_PARAM;
        n += m;
    }
    if (req->body || strcmp(req->method, "POST") == 0) {
        int m = snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %lu\r\n",
                         (unsigned long)(req->body ? req->body_len : 0));
        if (m < 0 || (size_t)m >= sizeof head - (size_t)n) return ACME2_ERR_PARAM;
        n += m;
    }
    if ((size_t)n + 2 >= sizeof head) return ACME2_ERR_PARAM;
    memcpy(head + n, "\r\n", 2);
    n += 2;
    if (t->tls->write(t, (const unsigned char *)head, (size_t)n) < 0) return ACME2_ERR_TRANSPORT;
    if (req->body && req->body_len &&
        t->tls->write(t, (const unsigned char *)req->body, req->body_len) < 0) return ACME2_ERR_TRANSPORT;
    if (t->tls->flush && t->tls->flush(t) < 0) return ACME2_ERR_TRANSPORT;
    return 0;
}

static int h1_exchange(h1_t *t, const acme2_http_request *req, acme2_http_response *resp,
                       const h1_url *u, int reused)
{
    h1_framing f;
    size_t len;
    int rc, status = 0, minor = 1, interim;
    int is_head = strcmp(req->method, "HEAD") == 0;

    t->got_bytes = 0;
    t->rpos = t->rlen = 0;
    t->reusable = 0;
    t->io_state = ACME2_HTTP1_IO_OK;
    rc = h1_write_request(t, req, u);
    if (rc == ACME2_ERR_TRANSPORT) {
        if (reused && t->io_state != ACME2_HTTP1_IO_TIMEOUT) return H1_RETRY;
        acme2_http1_log(t, "%s: sending the request failed", t->host);
    }
    if (rc < 0) return rc;

    for (interim = 0;; interim++) {
        rc = h1_read_line(t, &len);
        if (rc == H1_EOF || (rc < 0 && !t->got_bytes && t->io_state != ACME2_HTTP1_IO_TIMEOUT)) {
            if (reused && !t->got_bytes) return H1_RETRY;
            acme2_http1_log(t, "%s: connection ended before the response", t->host);
            return ACME2_ERR_TRANSPORT;
        }
        if (rc < 0) return rc;
        status = h1_status_line(t->line, len, &minor);
        if (status < 0) {
            acme2_http1_log(t, "%s: malformed status line", t->host);
            return ACME2_ERR_TRANSPORT;
        }
        if (status >= 200) break;
        /* 1xx: we never ask to switch protocols, and skip the others. */
        if (status == 101 || interim >= H1_MAX_INTERIM) {
            acme2_http1_log(t, "%s: unexpected %d response", t->host, status);
            return ACME2_ERR_TRANSPORT;
        }
        rc = h1_read_fields(t, NULL, NULL);
        if (rc < 0) return rc;
    }
    acme2_http1_log(t, "%s %s -> %d", req->method, req->url, status);
    rc = acme2_response_status(resp, status);
    if (rc < 0) return rc;
    memset(&f, 0, sizeof f);
    rc = h1_read_fields(t, resp, &f);
    if (rc < 0) return rc;

    if (is_head || status == 204 || status == 304) rc = 0;
    else if (f.chunked) rc = h1_body_chunked(t, resp);
    else if (f.has_length) rc = h1_body_fixed(t, resp, f.length);
    else {
        rc = h1_body_to_close(t, resp);
        f.conn_close = 1;
    }
    if (rc < 0) return rc;

    /* Keep the connection only when the response was framed unambiguously,
       fully read, and the server did not ask to close. */
    t->reusable = !f.conn_close && (minor == 1 || f.conn_keep_alive) &&
                  !(f.chunked && f.has_length) && t->rpos == t->rlen;
    return 0;
}
int acme2_http1_exchange(acme2_http1 *t, const acme2_http_request *req, acme2_http_response *resp)
{
    h1_url u;
    int rc, reused, i;

    if (!t || !t->tls || !req || !resp || !req->method || !req->url) return ACME2_ERR_PARAM;
    for (i = 0; req->method[i]; i++)
        if (i >= 16 || req->method[i] < 'A' || req->method[i] > 'Z') return ACME2_ERR_PARAM;
    if (i == 0) return ACME2_ERR_PARAM;
    if (req->content_type) {
        for (i = 0; req->content_type[i]; i++)
            if ((unsigned char)req->content_type[i] < 0x20 || (unsigned char)req->content_type[i] >= 0x7f)
                return ACME2_ERR_PARAM;
    }
    if (req->body_len && !req->body) return ACME2_ERR_PARAM;
    rc = h1_parse_url(req->url, &u);
    if (rc < 0) {
        acme2_http1_log(t, "refusing URL %s", req->url);
        return rc;
    }

    reused = t->connected && strcmp(t->host, u.host) == 0 && t->port == u.port;
    if (reused && !h1_idle_conn_ok(t)) {
        if (t->reusable) acme2_http1_log(t, "%s: server closed the idle connection; reconnecting", u.host);
        reused = 0;
    }
    if (!reused) {
        acme2_http1_disconnect(t);
        memcpy(t->host, u.host, sizeof u.host);
        t->port = u.port;
        t->host_ip_len = u.ip_len;
        memcpy(t->host_ip, u.ip, sizeof u.ip);
        rc = h1_open(t);
        if (rc < 0) return rc;
    }
    rc = h1_exchange(t, req, resp, &u, reused);
    if (rc == H1_RETRY) {
        acme2_http1_log(t, "%s: kept-alive connection was closed by the server; retrying on a new one", u.host);
        h1_close_fd(t);
        rc = h1_open(t);
        if (rc == 0) rc = h1_exchange(t, req, resp, &u, 0);
    }
    if (rc == 0) t->requests++;
    if (rc < 0 || !t->reusable) h1_close_fd(t);
    return rc;
}
