/* transport_bearssl.c - see transport_bearssl.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "transport_bearssl.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#define TB_SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define TB_USER_AGENT "acme2.h/0.1"
#define TB_MAX_INTERIM 8         /* 1xx responses skipped before the final one */

/* Why the last socket operation failed. */
enum { TB_IO_OK, TB_IO_EOF, TB_IO_TIMEOUT, TB_IO_ERROR };

/* Internal results besides ACME2_* codes. */
#define TB_EOF 1                 /* the connection ended before any byte of a line */
#define TB_RETRY 2               /* a reused connection was dead: try a fresh one */

typedef acme2_bearssl_transport tb_t;

static void tb_log(tb_t *t, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    if (!t->log) return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    t->log(t->log_user, line);
}

static int tb_lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Case-insensitive: the n bytes at s equal the lower-case literal lit. */
static int tb_ieq(const char *s, size_t n, const char *lit)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!lit[i] || tb_lower((unsigned char)s[i]) != lit[i]) return 0;
    return lit[n] == 0;
}

/* ---- trust anchors ---------------------------------------------------- */

static unsigned char *tb_arena_take(tb_t *t, size_t n)
{
    unsigned char *p;
    if (n > sizeof t->arena - t->arena_len) return NULL;
    p = t->arena + t->arena_len;
    t->arena_len += n;
    return p;
}

static unsigned char *tb_arena_copy(tb_t *t, const void *src, size_t n)
{
    unsigned char *p = tb_arena_take(t, n);
    if (p) memcpy(p, src, n);
    return p;
}

/* The subject DN arrives in pieces; it is written just past the committed
   part of the arena and committed with the anchor. */
static void tb_dn_append(void *ctx, const void *buf, size_t len)
{
    tb_t *t = (tb_t *)ctx;
    if (t->u.load.dn_overflow) return;
    if (len > sizeof t->arena - t->arena_len - t->u.load.dn_len) {
        t->u.load.dn_overflow = 1;
        return;
    }
    memcpy(t->arena + t->arena_len + t->u.load.dn_len, buf, len);
    t->u.load.dn_len += len;
}

static void tb_x509_push(void *ctx, const void *buf, size_t len)
{
    br_x509_decoder_push((br_x509_decoder_context *)ctx, buf, len);
}

/* One CERTIFICATE block has been decoded: make it an anchor. */
static int tb_anchor_add(tb_t *t)
{
    br_x509_trust_anchor *ta;
    const br_x509_pkey *pk;
    int err = br_x509_decoder_last_error(&t->u.load.x509);
    size_t dn_len = t->u.load.dn_len;

    if (err != 0 || !(pk = br_x509_decoder_get_pkey(&t->u.load.x509))) {
        tb_log(t, "trust anchors: skipped a certificate BearSSL cannot decode (error %d)", err);
        return 0;
    }
    if (t->u.load.dn_overflow) goto full;
    if (t->n_anchors >= ACME2_BEARSSL_MAX_ANCHORS) {
        tb_log(t, "trust anchors: more than %d certificates; raise ACME2_BEARSSL_MAX_ANCHORS",
               ACME2_BEARSSL_MAX_ANCHORS);
        return ACME2_ERR_NOSPACE;
    }
    ta = &t->anchors[t->n_anchors];
    memset(ta, 0, sizeof *ta);
    ta->dn.data = tb_arena_take(t, dn_len); /* already written there */
    ta->dn.len = dn_len;
    if (!ta->dn.data) goto full;
    ta->flags = br_x509_decoder_isCA(&t->u.load.x509) ? BR_X509_TA_CA : 0;
    ta->pkey.key_type = pk->key_type;
    if (pk->key_type == BR_KEYTYPE_RSA) {
        ta->pkey.key.rsa.n = tb_arena_copy(t, pk->key.rsa.n, pk->key.rsa.nlen);
        ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
        ta->pkey.key.rsa.e = tb_arena_copy(t, pk->key.rsa.e, pk->key.rsa.elen);
        ta->pkey.key.rsa.elen = pk->key.rsa.elen;
        if (!ta->pkey.key.rsa.n || !ta->pkey.key.rsa.e) goto full;
    } else if (pk->key_type == BR_KEYTYPE_EC) {
        ta->pkey.key.ec.curve = pk->key.ec.curve;
        ta->pkey.key.ec.q = tb_arena_copy(t, pk->key.ec.q, pk->key.ec.qlen);
        ta->pkey.key.ec.qlen = pk->key.ec.qlen;
        if (!ta->pkey.key.ec.q) goto full;
    } else {
        return 0;
    }
    t->n_anchors++;
    return 0;
full:
    tb_log(t, "trust anchors: more than %d bytes of names and keys; raise ACME2_BEARSSL_ANCHOR_ARENA",
           ACME2_BEARSSL_ANCHOR_ARENA);
    return ACME2_ERR_NOSPACE;
}

/* Feeds PEM text; handles BEGIN/END events. */
static int tb_pem_feed(tb_t *t, const unsigned char *buf, size_t len)
{
    while (len > 0) {
        size_t n = br_pem_decoder_push(&t->u.load.pem, buf, len);
        buf += n;
        len -= n;
        switch (br_pem_decoder_event(&t->u.load.pem)) {
        case BR_PEM_BEGIN_OBJ:
            if (strcmp(br_pem_decoder_name(&t->u.load.pem), "CERTIFICATE") == 0) {
                t->u.load.in_cert = 1;
                t->u.load.dn_len = 0;
                t->u.load.dn_overflow = 0;
                br_x509_decoder_init(&t->u.load.x509, tb_dn_append, t);
                br_pem_decoder_setdest(&t->u.load.pem, tb_x509_push, &t->u.load.x509);
            } else {
                t->u.load.in_cert = 0;
                br_pem_decoder_setdest(&t->u.load.pem, NULL, NULL);
            }
            break;
        case BR_PEM_END_OBJ:
            if (t->u.load.in_cert) {
                int rc = tb_anchor_add(t);
                t->u.load.in_cert = 0;
                if (rc < 0) return rc;
            }
            break;
        case BR_PEM_ERROR:
            return ACME2_ERR_PEM;
        default:
            break;
        }
    }
    return 0;
}

static int tb_load_anchors(tb_t *t, const char *path)
{
    FILE *f = fopen(path, "rb");
    int rc = 0;
    size_t n;
    if (!f) {
        tb_log(t, "trust anchors: cannot open %s: %s", path, strerror(errno));
        return ACME2_ERR_NOT_FOUND;
    }
    memset(&t->u.load, 0, sizeof t->u.load);
    br_pem_decoder_init(&t->u.load.pem);
    while (rc == 0 && (n = fread(t->rbuf, 1, sizeof t->rbuf, f)) > 0)
        rc = tb_pem_feed(t, t->rbuf, n);
    if (rc == 0 && ferror(f)) rc = ACME2_ERR_NOT_FOUND;
    fclose(f);
    /* A file not ending in a newline still ends its last block. */
    if (rc == 0) rc = tb_pem_feed(t, (const unsigned char *)"\n", 1);
    if (rc == 0 && (t->u.load.in_cert || t->n_anchors == 0)) rc = ACME2_ERR_PEM;
    if (rc == ACME2_ERR_PEM) tb_log(t, "trust anchors: %s: malformed PEM or no certificate", path);
    else if (rc == 0)
        tb_log(t, "trust anchors: %lu from %s (%lu bytes)", (unsigned long)t->n_anchors, path,
               (unsigned long)t->arena_len);
    return rc;
}

/* ---- certificate check for IP literals -------------------------------- */

static void tb_xv_start_chain(const br_x509_class **ctx, const char *server_name)
{
    acme2_bearssl_x509 *xv = (acme2_bearssl_x509 *)(void *)ctx;
    xv->cert_index = 0;
    xv->ee_len = 0;
    xv->ee_too_big = 0;
    xv->owner->xc.vtable->start_chain(&xv->owner->xc.vtable, server_name);
}

static void tb_xv_start_cert(const br_x509_class **ctx, uint32_t length)
{
    acme2_bearssl_x509 *xv = (acme2_bearssl_x509 *)(void *)ctx;
    if (xv->cert_index == 0 && length > sizeof xv->ee) xv->ee_too_big = 1;
    xv->owner->xc.vtable->start_cert(&xv->owner->xc.vtable, length);
}

static void tb_xv_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
    acme2_bearssl_x509 *xv = (acme2_bearssl_x509 *)(void *)ctx;
    if (xv->cert_index == 0 && !xv->ee_too_big) {
        if (len > sizeof xv->ee - xv->ee_len) xv->ee_too_big = 1;
        else {
            memcpy(xv->ee + xv->ee_len, buf, len);
            xv->ee_len += len;
        }
    }
    xv->owner->xc.vtable->append(&xv->owner->xc.vtable, buf, len);
}

static void tb_xv_end_cert(const br_x509_class **ctx)
{
    acme2_bearssl_x509 *xv = (acme2_bearssl_x509 *)(void *)ctx;
    xv->cert_index++;
    xv->owner->xc.vtable->end_cert(&xv->owner->xc.vtable);
}

static unsigned tb_xv_end_chain(const br_x509_class **ctx)
{
    acme2_bearssl_x509 *xv = (acme2_bearssl_x509 *)(void *)ctx;
    tb_t *t = xv->owner;
    unsigned err = t->xc.vtable->end_chain(&t->xc.vtable);
    acme2_cert_info ci;
    size_t pos = 0;
    int type, rc, guard;
    char text[64];
    unsigned char ip[16];

    if (err != 0 || t->host_ip_len == 0) return err;
    /* BearSSL matched no name (there was none to match): the iPAddress
       SAN must equal the literal. */
    if (xv->ee_too_big || acme2_cert_parse(&ci, xv->ee, xv->ee_len) < 0) return BR_ERR_X509_BAD_SERVER_NAME;
    for (guard = 0; guard < 1000; guard++) {
        rc = acme2_cert_san_next(&ci, &pos, &type, text, sizeof text);
        if (rc != 1) break;
        if (type == ACME2_ID_IP && acme2_ip_parse(text, ip) == t->host_ip_len &&
            memcmp(ip, t->host_ip, (size_t)t->host_ip_len) == 0)
            return 0;
    }
    return BR_ERR_X509_BAD_SERVER_NAME;
}

static const br_x509_pkey *tb_xv_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
    const acme2_bearssl_x509 *xv = (const acme2_bearssl_x509 *)(const void *)ctx;
    return xv->owner->xc.vtable->get_pkey(&xv->owner->xc.vtable, usages);
}

static const br_x509_class tb_xv_class = {
    sizeof(acme2_bearssl_x509),
    tb_xv_start_chain, tb_xv_start_cert, tb_xv_append, tb_xv_end_cert,
    tb_xv_end_chain, tb_xv_get_pkey
};

/* ---- init / free ------------------------------------------------------ */

int acme2_bearssl_init(acme2_bearssl_transport *t, const char *ca_file,
                       int connect_timeout_ms, int read_timeout_ms,
                       acme2_bearssl_log_fn log, void *log_user)
{
    int rc;
    if (!t) return ACME2_ERR_PARAM;
    memset(t, 0, sizeof *t);
    t->fd = -1;
    t->connect_timeout_ms = connect_timeout_ms > 0 ? connect_timeout_ms : 10000;
    t->read_timeout_ms = read_timeout_ms > 0 ? read_timeout_ms : 30000;
    t->log = log;
    t->log_user = log_user;
    rc = tb_load_anchors(t, ca_file ? ca_file : TB_SYSTEM_BUNDLE);
    if (rc < 0) return rc;
    br_ssl_client_init_full(&t->sc, &t->xc, t->anchors, t->n_anchors);
    br_ssl_engine_set_buffer(&t->sc.eng, t->iobuf, sizeof t->iobuf, 1);
    t->xv.vtable = &tb_xv_class;
    t->xv.owner = t;
    br_ssl_engine_set_x509(&t->sc.eng, &t->xv.vtable);
    return 0;
}

/* ---- sockets ---------------------------------------------------------- */

/* Waits for fd to become ready; sets io_state on time-out or error. */
static int tb_wait(tb_t *t, short events, int timeout_ms)
{
    struct pollfd p;
    int r;
    p.fd = t->fd;
    p.events = events;
    p.revents = 0;
    do r = poll(&p, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    if (r == 0) { t->io_state = TB_IO_TIMEOUT; return -1; }
    if (r < 0) { t->io_state = TB_IO_ERROR; return -1; }
    return 0;
}

/* br_sslio callbacks: -1 ends the TLS engine; io_state says why. */
static int tb_sock_read(void *ctx, unsigned char *buf, size_t len)
{
    tb_t *t = (tb_t *)ctx;
    for (;;) {
        ssize_t n;
        if (tb_wait(t, POLLIN, t->read_timeout_ms) < 0) return -1;
        n = recv(t->fd, buf, len, 0);
        if (n > 0) return (int)n;
        if (n == 0) { t->io_state = TB_IO_EOF; return -1; }
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
        t->io_state = TB_IO_ERROR;
        return -1;
    }
}

static int tb_sock_write(void *ctx, const unsigned char *buf, size_t len)
{
    tb_t *t = (tb_t *)ctx;
    for (;;) {
        ssize_t n;
        if (tb_wait(t, POLLOUT, t->read_timeout_ms) < 0) return -1;
        /* MSG_NOSIGNAL: a peer that went away gives EPIPE, not SIGPIPE. */
        n = send(t->fd, buf, len, MSG_NOSIGNAL);
        if (n > 0) return (int)n;
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        t->io_state = TB_IO_ERROR;
        return -1;
    }
}

static void tb_close_fd(tb_t *t)
{
    if (t->connected) close(t->fd);
    t->connected = 0;
    t->fd = -1;
    t->reusable = 0;
    t->rpos = t->rlen = 0;
}

/* Connects to one address, giving up after the connect time-out. */
static int tb_connect_addr(tb_t *t, const struct addrinfo *ai)
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
        if (tb_wait(t, POLLOUT, t->connect_timeout_ms) < 0) {
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
    tb_log(t, "connect to %s port %u: %s", t->host, t->port, strerror(err));
    close(fd);
    return -1;
}

static const char *tb_tls_error_text(int err)
{
    switch (err) {
    case BR_ERR_IO: return "connection lost";
    case BR_ERR_X509_NOT_TRUSTED: return "certificate not trusted (wrong CA file?)";
    case BR_ERR_X509_BAD_SERVER_NAME: return "certificate does not name the host";
    case BR_ERR_X509_EXPIRED: return "certificate expired or not yet valid";
    case BR_ERR_BAD_VERSION: return "no common TLS version (BearSSL speaks TLS 1.0-1.2)";
    case BR_ERR_BAD_CIPHER_SUITE: return "no common cipher suite";
    default: return err >= BR_ERR_RECV_FATAL_ALERT ? "alert from the server" : "TLS failure";
    }
}

/* Pumps the engine until the handshake is done. */
static int tb_handshake(tb_t *t)
{
    br_ssl_engine_context *eng = &t->sc.eng;
    int guard;
    for (guard = 0; guard < 10000; guard++) {
        unsigned st = br_ssl_engine_current_state(eng);
        unsigned char *buf;
        size_t len;
        int n;
        if (st & BR_SSL_CLOSED) break;
        if (st & BR_SSL_SENDREC) {
            buf = br_ssl_engine_sendrec_buf(eng, &len);
            n = tb_sock_write(t, buf, len);
            if (n < 0) break;
            br_ssl_engine_sendrec_ack(eng, (size_t)n);
            continue;
        }
        if (st & BR_SSL_SENDAPP) return 0;
        if (st & BR_SSL_RECVREC) {
            buf = br_ssl_engine_recvrec_buf(eng, &len);
            n = tb_sock_read(t, buf, len);
            if (n < 0) break;
            br_ssl_engine_recvrec_ack(eng, (size_t)n);
            continue;
        }
        break;
    }
    {
        int err = br_ssl_engine_last_error(eng);
        if (t->io_state == TB_IO_TIMEOUT) tb_log(t, "TLS handshake with %s: timed out", t->host);
        else tb_log(t, "TLS handshake with %s failed: BearSSL error %d, %s", t->host, err,
                    tb_tls_error_text(err ? err : BR_ERR_IO));
    }
    return ACME2_ERR_TRANSPORT;
}

void acme2_bearssl_seed(br_ssl_engine_context *eng)
{
    br_hmac_drbg_context drbg;
    unsigned char seed[32];
    if (acme2_rng_system(&drbg) == 0) {
        br_hmac_drbg_generate(&drbg, seed, sizeof seed);
        br_ssl_engine_inject_entropy(eng, seed, sizeof seed);
    }
    acme2_wipe(seed, sizeof seed);
    acme2_wipe(&drbg, sizeof drbg);
}

static int tb_open(tb_t *t)
{
    struct addrinfo hints, *res = NULL, *ai;
    char port[12];
    int rc, resume;

    tb_close_fd(t);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (t->host_ip_len ? AI_NUMERICHOST : 0);
    snprintf(port, sizeof port, "%u", t->port);
    rc = getaddrinfo(t->host, port, &hints, &res);
    if (rc != 0) {
        tb_log(t, "cannot resolve %s: %s", t->host, gai_strerror(rc));
        return ACME2_ERR_TRANSPORT;
    }
    for (ai = res; ai && t->fd < 0; ai = ai->ai_next) t->fd = tb_connect_addr(t, ai);
    freeaddrinfo(res);
    if (t->fd < 0) return ACME2_ERR_TRANSPORT;
    t->connected = 1;

    /* Resume only a session made with this same server. */
    resume = strcmp(t->session_host, t->host) == 0 && t->session_port == t->port;
    acme2_bearssl_seed(&t->sc.eng);
    /* No SNI and no BearSSL name check for an IP literal: tb_xv_end_chain
       checks the iPAddress SAN instead. */
    if (!br_ssl_client_reset(&t->sc, t->host_ip_len ? NULL : t->host, resume)) {
        tb_log(t, "TLS reset failed: BearSSL error %d", br_ssl_engine_last_error(&t->sc.eng));
        tb_close_fd(t);
        return ACME2_ERR_TRANSPORT;
    }
    t->io_state = TB_IO_OK;
    if (tb_handshake(t) < 0) {
        tb_close_fd(t);
        return ACME2_ERR_TRANSPORT;
    }
    br_sslio_init(&t->io, &t->sc.eng, tb_sock_read, t, tb_sock_write, t);
    memcpy(t->session_host, t->host, sizeof t->host);
    t->session_port = t->port;
    t->connections++;
    tb_log(t, "connected to %s port %u (TLS 1.%d, cipher suite 0x%04X)", t->host, t->port,
           br_ssl_engine_get_version(&t->sc.eng) - 0x0301, (unsigned)t->sc.eng.session.cipher_suite);
    return 0;
}

void acme2_bearssl_disconnect(acme2_bearssl_transport *t)
{
    if (t->connected && t->reusable) {
        /* Polite close_notify; the peer's reply is not awaited. */
        int saved = t->read_timeout_ms, guard;
        t->read_timeout_ms = 1000;
        br_ssl_engine_close(&t->sc.eng);
        for (guard = 0; guard < 16 && (br_ssl_engine_current_state(&t->sc.eng) & BR_SSL_SENDREC); guard++) {
            size_t len;
            unsigned char *buf = br_ssl_engine_sendrec_buf(&t->sc.eng, &len);
            int n = tb_sock_write(t, buf, len);
            if (n < 0) break;
            br_ssl_engine_sendrec_ack(&t->sc.eng, (size_t)n);
        }
        t->read_timeout_ms = saved;
    }
    tb_close_fd(t);
}

void acme2_bearssl_free(acme2_bearssl_transport *t)
{
    if (!t) return;
    acme2_bearssl_disconnect(t);
    acme2_wipe(t, sizeof *t);
    t->fd = -1;
    t->connected = 0;
}

/* A kept-alive connection the server has closed (or sent anything on
   while idle) is readable before we ask anything. */
static int tb_idle_conn_ok(tb_t *t)
{
    struct pollfd p;
    if (!t->connected || !t->reusable) return 0;
    if (br_ssl_engine_current_state(&t->sc.eng) & BR_SSL_CLOSED) return 0;
    p.fd = t->fd;
    p.events = POLLIN;
    p.revents = 0;
    return poll(&p, 1, 0) == 0;
}

/* ---- URL -------------------------------------------------------------- */

typedef struct tb_url {
    char host[ACME2_BEARSSL_MAX_HOST + 1];
    unsigned port;
    int ip_len;
    unsigned char ip[16];
    const char *path;      /* from the first '/' or '?', without the fragment */
    size_t path_len;
} tb_url;

static int tb_parse_url(const char *url, tb_url *u)
{
    const char *p, *a, *ae, *h, *he, *pe;
    size_t i, n = strlen(url);

    for (i = 0; i < n; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f) return ACME2_ERR_PARAM;
    if (n < 8 || !tb_ieq(url, 8, "https://")) return ACME2_ERR_INSECURE_URL;
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
    if (he == h || (size_t)(he - h) > ACME2_BEARSSL_MAX_HOST) return ACME2_ERR_PARAM;
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

/* Makes at least one byte available in rbuf: 0, TB_EOF (connection ended;
   after a clean close_notify io_state is TB_IO_OK), or an error. */
static int tb_fill(tb_t *t)
{
    int n;
    if (t->rpos < t->rlen) return 0;
    n = br_sslio_read(&t->io, t->rbuf, sizeof t->rbuf);
    if (n > 0) {
        t->rpos = 0;
        t->rlen = (size_t)n;
        t->got_bytes = 1;
        return 0;
    }
    if (br_ssl_engine_last_error(&t->sc.eng) == BR_ERR_OK) {
        t->io_state = TB_IO_OK; /* close_notify */
        return TB_EOF;
    }
    if (t->io_state == TB_IO_EOF) return TB_EOF;
    if (t->io_state == TB_IO_TIMEOUT) tb_log(t, "%s: read timed out", t->host);
    else tb_log(t, "%s: read failed: BearSSL error %d, %s", t->host,
                br_ssl_engine_last_error(&t->sc.eng),
                tb_tls_error_text(br_ssl_engine_last_error(&t->sc.eng)));
    return ACME2_ERR_TRANSPORT;
}

/* Reads one line (LF or CRLF) into t->u.line, NUL-terminated. Returns 0,
   TB_EOF when the connection ended before the line's first byte, or an
   error (line too long, connection ended mid-line). */
static int tb_read_line(tb_t *t, size_t *len)
{
    size_t n = 0;
    for (;;) {
        unsigned char c;
        if (t->rpos == t->rlen) {
            int rc = tb_fill(t);
            if (rc == TB_EOF && n == 0) return TB_EOF;
            if (rc != 0) {
                if (rc == TB_EOF) tb_log(t, "%s: connection ended inside a line", t->host);
                return ACME2_ERR_TRANSPORT;
            }
        }
        c = t->rbuf[t->rpos++];
        if (c == '\n') break;
        if (n >= ACME2_BEARSSL_MAX_LINE) {
            tb_log(t, "%s: response line longer than %d bytes", t->host, ACME2_BEARSSL_MAX_LINE);
            return ACME2_ERR_TRANSPORT;
        }
        t->u.line[n++] = (char)c;
    }
    if (n > 0 && t->u.line[n - 1] == '\r') n--;
    t->u.line[n] = 0;
    *len = n;
    return 0;
}

/* "HTTP/1.x SP 3DIGIT [SP reason]". */
static int tb_status_line(const char *s, size_t n, int *minor)
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

static int tb_is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

typedef struct tb_framing {
    int has_length;
    unsigned long long length;
    int chunked;
    int conn_close;
    int conn_keep_alive;
} tb_framing;

/* Content-Length: 1*DIGIT, no sign, no list; bounded well below overflow. */
static int tb_parse_length(const char *v, size_t n, unsigned long long *out)
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
static void tb_connection_tokens(const char *v, size_t n, tb_framing *f)
{
    size_t i = 0;
    while (i < n) {
        size_t s, e;
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ',')) i++;
        s = i;
        while (i < n && v[i] != ',') i++;
        e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t')) e--;
        if (tb_ieq(v + s, e - s, "close")) f->conn_close = 1;
        else if (tb_ieq(v + s, e - s, "keep-alive")) f->conn_keep_alive = 1;
    }
}

/* Reads header fields up to the blank line. With resp, each is pushed to
   it; with f, framing headers are interpreted. */
static int tb_read_fields(tb_t *t, acme2_http_response *resp, tb_framing *f)
{
    int count;
    for (count = 0;; count++) {
        size_t len, nl, vs, ve, i;
        const char *line = t->u.line;
        int rc = tb_read_line(t, &len);
        if (rc != 0) {
            if (rc == TB_EOF) tb_log(t, "%s: connection ended inside the header", t->host);
            return ACME2_ERR_TRANSPORT;
        }
        if (len == 0) return 0;
        if (count >= ACME2_BEARSSL_MAX_HEADERS) {
            tb_log(t, "%s: more than %d header fields", t->host, ACME2_BEARSSL_MAX_HEADERS);
            return ACME2_ERR_TRANSPORT;
        }
        for (nl = 0; nl < len && line[nl] != ':'; nl++)
            if (!tb_is_tchar((unsigned char)line[nl])) break;
        if (nl == 0 || nl == len || line[nl] != ':') {
            tb_log(t, "%s: malformed header line", t->host);
            return ACME2_ERR_TRANSPORT;
        }
        for (i = nl + 1; i < len; i++) {
            unsigned char c = (unsigned char)line[i];
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                tb_log(t, "%s: control character in a header value", t->host);
                return ACME2_ERR_TRANSPORT;
            }
        }
        vs = nl + 1;
        while (vs < len && (line[vs] == ' ' || line[vs] == '\t')) vs++;
        ve = len;
        while (ve > vs && (line[ve - 1] == ' ' || line[ve - 1] == '\t')) ve--;
        if (f) {
            if (tb_ieq(line, nl, "content-length")) {
                unsigned long long v;
                if (tb_parse_length(line + vs, ve - vs, &v) < 0 || (f->has_length && v != f->length)) {
                    tb_log(t, "%s: bad Content-Length", t->host);
                    return ACME2_ERR_TRANSPORT;
                }
                f->has_length = 1;
                f->length = v;
            } else if (tb_ieq(line, nl, "transfer-encoding")) {
                /* Nothing but chunked is asked for or decoded. */
                if (f->chunked || !tb_ieq(line + vs, ve - vs, "chunked")) {
                    tb_log(t, "%s: unsupported Transfer-Encoding", t->host);
                    return ACME2_ERR_TRANSPORT;
                }
                f->chunked = 1;
            } else if (tb_ieq(line, nl, "connection")) {
                tb_connection_tokens(line + vs, ve - vs, f);
            }
        }
        if (resp) {
            rc = acme2_response_header(resp, line, nl, line + vs, ve - vs);
            if (rc < 0) return rc;
        }
    }
}

/* Pushes exactly n body bytes. */
static int tb_body_fixed(tb_t *t, acme2_http_response *resp, unsigned long long n)
{
    while (n > 0) {
        size_t take;
        int rc = tb_fill(t);
        if (rc != 0) {
            if (rc == TB_EOF) tb_log(t, "%s: connection ended inside the body", t->host);
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

static int tb_body_chunked(tb_t *t, acme2_http_response *resp)
{
    for (;;) {
        unsigned long long size = 0;
        size_t len, i, digits = 0;
        int rc = tb_read_line(t, &len);
        if (rc != 0) return ACME2_ERR_TRANSPORT;
        for (i = 0; i < len; i++) {
            char c = t->u.line[i];
            int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                  : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
            if (v < 0) break;
            if (size || v) digits++;
            if (digits > 15) break; /* 2^60: no overflow, and far beyond any body */
            size = size * 16 + (unsigned long long)v;
        }
        /* At least one digit; then only white space before extensions. */
        if (i == 0 || digits > 15) goto bad;
        while (i < len && (t->u.line[i] == ' ' || t->u.line[i] == '\t')) i++;
        if (i < len && t->u.line[i] != ';') goto bad;
        if (size == 0) return tb_read_fields(t, NULL, NULL); /* trailers: dropped */
        rc = tb_body_fixed(t, resp, size);
        if (rc < 0) return rc;
        rc = tb_read_line(t, &len);
        if (rc != 0 || len != 0) goto bad;
    }
bad:
    tb_log(t, "%s: malformed chunked body", t->host);
    return ACME2_ERR_TRANSPORT;
}

/* A body delimited by the end of the connection: it must end with a TLS
   close_notify, else it may have been cut short. */
static int tb_body_to_close(tb_t *t, acme2_http_response *resp)
{
    for (;;) {
        int rc = tb_fill(t);
        if (rc == TB_EOF) {
            if (t->io_state == TB_IO_OK) return 0;
            tb_log(t, "%s: connection ended without close_notify: body may be truncated", t->host);
            return ACME2_ERR_TRANSPORT;
        }
        if (rc != 0) return rc;
        rc = acme2_response_body(resp, t->rbuf + t->rpos, t->rlen - t->rpos);
        if (rc < 0) return rc;
        t->rpos = t->rlen;
    }
}

/* ---- one exchange ----------------------------------------------------- */

static int tb_write_request(tb_t *t, const acme2_http_request *req, const tb_url *u)
{
    char head[ACME2_MAX_URL + ACME2_BEARSSL_MAX_HOST + 512]; /* ~1.3 KB of stack */
    char hostport[ACME2_BEARSSL_MAX_HOST + 16];
    int n;
    const char *bracket_l = u->ip_len == 16 ? "[" : "", *bracket_r = u->ip_len == 16 ? "]" : "";

    if (u->port == 443) snprintf(hostport, sizeof hostport, "%s%s%s", bracket_l, u->host, bracket_r);
    else snprintf(hostport, sizeof hostport, "%s%s%s:%u", bracket_l, u->host, bracket_r, u->port);
    n = snprintf(head, sizeof head, "%s %s%.*s HTTP/1.1\r\nHost: %s\r\nUser-Agent: " TB_USER_AGENT
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
    if (br_sslio_write_all(&t->io, head, (size_t)n) < 0) return ACME2_ERR_TRANSPORT;
    if (req->body && req->body_len &&
        br_sslio_write_all(&t->io, req->body, req->body_len) < 0) return ACME2_ERR_TRANSPORT;
    if (br_sslio_flush(&t->io) < 0) return ACME2_ERR_TRANSPORT;
    return 0;
}

static int tb_exchange(tb_t *t, const acme2_http_request *req, acme2_http_response *resp,
                       const tb_url *u, int reused)
{
    tb_framing f;
    size_t len;
    int rc, status = 0, minor = 1, interim;
    int is_head = strcmp(req->method, "HEAD") == 0;

    t->got_bytes = 0;
    t->rpos = t->rlen = 0;
    t->reusable = 0;
    t->io_state = TB_IO_OK;
    rc = tb_write_request(t, req, u);
    if (rc == ACME2_ERR_TRANSPORT) {
        if (reused && t->io_state != TB_IO_TIMEOUT) return TB_RETRY;
        tb_log(t, "%s: sending the request failed", t->host);
    }
    if (rc < 0) return rc;

    for (interim = 0;; interim++) {
        rc = tb_read_line(t, &len);
        if (rc == TB_EOF || (rc < 0 && !t->got_bytes && t->io_state != TB_IO_TIMEOUT)) {
            if (reused && !t->got_bytes) return TB_RETRY;
            tb_log(t, "%s: connection ended before the response", t->host);
            return ACME2_ERR_TRANSPORT;
        }
        if (rc < 0) return rc;
        status = tb_status_line(t->u.line, len, &minor);
        if (status < 0) {
            tb_log(t, "%s: malformed status line", t->host);
            return ACME2_ERR_TRANSPORT;
        }
        if (status >= 200) break;
        /* 1xx: we never ask to switch protocols, and skip the others. */
        if (status == 101 || interim >= TB_MAX_INTERIM) {
            tb_log(t, "%s: unexpected %d response", t->host, status);
            return ACME2_ERR_TRANSPORT;
        }
        rc = tb_read_fields(t, NULL, NULL);
        if (rc < 0) return rc;
    }
    tb_log(t, "%s %s -> %d", req->method, req->url, status);
    rc = acme2_response_status(resp, status);
    if (rc < 0) return rc;
    memset(&f, 0, sizeof f);
    rc = tb_read_fields(t, resp, &f);
    if (rc < 0) return rc;

    if (is_head || status == 204 || status == 304) rc = 0;
    else if (f.chunked) rc = tb_body_chunked(t, resp);
    else if (f.has_length) rc = tb_body_fixed(t, resp, f.length);
    else {
        rc = tb_body_to_close(t, resp);
        f.conn_close = 1;
    }
    if (rc < 0) return rc;

    /* Keep the connection only when the response was framed unambiguously,
       fully read, and the server did not ask to close. */
    t->reusable = !f.conn_close && (minor == 1 || f.conn_keep_alive) &&
                  !(f.chunked && f.has_length) && t->rpos == t->rlen;
    return 0;
}

int acme2_bearssl_exchange(void *user, const acme2_http_request *req, acme2_http_response *resp)
{
    tb_t *t = (tb_t *)user;
    tb_url u;
    int rc, reused, i;

    if (!t || !req || !resp || !req->method || !req->url) return ACME2_ERR_PARAM;
    for (i = 0; req->method[i]; i++)
        if (i >= 16 || req->method[i] < 'A' || req->method[i] > 'Z') return ACME2_ERR_PARAM;
    if (i == 0) return ACME2_ERR_PARAM;
    if (req->content_type) {
        for (i = 0; req->content_type[i]; i++)
            if ((unsigned char)req->content_type[i] < 0x20 || (unsigned char)req->content_type[i] >= 0x7f)
                return ACME2_ERR_PARAM;
    }
    if (req->body_len && !req->body) return ACME2_ERR_PARAM;
    rc = tb_parse_url(req->url, &u);
    if (rc < 0) {
        tb_log(t, "refusing URL %s", req->url);
        return rc;
    }

    reused = t->connected && strcmp(t->host, u.host) == 0 && t->port == u.port;
    if (reused && !tb_idle_conn_ok(t)) {
        if (t->reusable) tb_log(t, "%s: server closed the idle connection; reconnecting", u.host);
        reused = 0;
    }
    if (!reused) {
        acme2_bearssl_disconnect(t);
        memcpy(t->host, u.host, sizeof u.host);
        t->port = u.port;
        t->host_ip_len = u.ip_len;
        memcpy(t->host_ip, u.ip, sizeof u.ip);
        rc = tb_open(t);
        if (rc < 0) return rc;
    }
    rc = tb_exchange(t, req, resp, &u, reused);
    if (rc == TB_RETRY) {
        tb_log(t, "%s: kept-alive connection was closed by the server; retrying on a new one", u.host);
        tb_close_fd(t);
        rc = tb_open(t);
        if (rc == 0) rc = tb_exchange(t, req, resp, &u, 0);
    }
    if (rc == 0) t->requests++;
    if (rc < 0 || !t->reusable) tb_close_fd(t);
    return rc;
}
