/* transport_bearssl.c - see transport_bearssl.h. BearSSL below
   http1.c: trust anchors, the handshake, records. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "transport_bearssl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define TB_SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

typedef acme2_bearssl_transport tb_t;

#define tb_log(t, ...) acme2_http1_log(&(t)->http, __VA_ARGS__)

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
    if (t->load.dn_overflow) return;
    if (len > sizeof t->arena - t->arena_len - t->load.dn_len) {
        t->load.dn_overflow = 1;
        return;
    }
    memcpy(t->arena + t->arena_len + t->load.dn_len, buf, len);
    t->load.dn_len += len;
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
    int err = br_x509_decoder_last_error(&t->load.x509);
    size_t dn_len = t->load.dn_len;

    if (err != 0 || !(pk = br_x509_decoder_get_pkey(&t->load.x509))) {
        tb_log(t, "trust anchors: skipped a certificate BearSSL cannot decode (error %d)", err);
        return 0;
    }
    if (t->load.dn_overflow) goto full;
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
    ta->flags = br_x509_decoder_isCA(&t->load.x509) ? BR_X509_TA_CA : 0;
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
        size_t n = br_pem_decoder_push(&t->load.pem, buf, len);
        buf += n;
        len -= n;
        switch (br_pem_decoder_event(&t->load.pem)) {
        case BR_PEM_BEGIN_OBJ:
            if (strcmp(br_pem_decoder_name(&t->load.pem), "CERTIFICATE") == 0) {
                t->load.in_cert = 1;
                t->load.dn_len = 0;
                t->load.dn_overflow = 0;
                br_x509_decoder_init(&t->load.x509, tb_dn_append, t);
                br_pem_decoder_setdest(&t->load.pem, tb_x509_push, &t->load.x509);
            } else {
                t->load.in_cert = 0;
                br_pem_decoder_setdest(&t->load.pem, NULL, NULL);
            }
            break;
        case BR_PEM_END_OBJ:
            if (t->load.in_cert) {
                int rc = tb_anchor_add(t);
                t->load.in_cert = 0;
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
    memset(&t->load, 0, sizeof t->load);
    br_pem_decoder_init(&t->load.pem);
    while (rc == 0 && (n = fread(t->http.rbuf, 1, sizeof t->http.rbuf, f)) > 0)
        rc = tb_pem_feed(t, t->http.rbuf, n);
    if (rc == 0 && ferror(f)) rc = ACME2_ERR_NOT_FOUND;
    fclose(f);
    /* A file not ending in a newline still ends its last block. */
    if (rc == 0) rc = tb_pem_feed(t, (const unsigned char *)"\n", 1);
    if (rc == 0 && (t->load.in_cert || t->n_anchors == 0)) rc = ACME2_ERR_PEM;
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

    if (err != 0 || t->http.host_ip_len == 0) return err;
    /* BearSSL matched no name (there was none to match): the iPAddress
       SAN must equal the literal. */
    if (xv->ee_too_big || !acme2_http1_cert_names_ip(&t->http, xv->ee, xv->ee_len))
        return BR_ERR_X509_BAD_SERVER_NAME;
    return 0;
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

/* ---- the TLS layer under http1.c ------------------------------------- */

/* br_sslio callbacks: -1 ends the TLS engine; http.io_state says why. */
static int tb_sock_read(void *ctx, unsigned char *buf, size_t len)
{
    return acme2_http1_sock_read((acme2_http1 *)ctx, buf, len);
}

static int tb_sock_write(void *ctx, const unsigned char *buf, size_t len)
{
    return acme2_http1_sock_write((acme2_http1 *)ctx, buf, len);
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

/* Sends what the engine has to send; reads only when it has nothing. */
static int tb_handshake(acme2_http1 *h)
{
    tb_t *t = (tb_t *)h->tls_ctx;
    br_ssl_engine_context *eng = &t->sc.eng;
    int guard, err, resume;

    /* Resume only a session made with this same server. */
    resume = strcmp(t->session_host, h->host) == 0 && t->session_port == h->port;
    acme2_bearssl_seed(eng);
    /* No SNI and no BearSSL name check for an IP literal: tb_xv_end_chain
       checks the iPAddress SAN instead. */
    if (!br_ssl_client_reset(&t->sc, h->host_ip_len ? NULL : h->host, resume)) {
        tb_log(t, "TLS reset failed: BearSSL error %d", br_ssl_engine_last_error(eng));
        return ACME2_ERR_TRANSPORT;
    }
    for (guard = 0; guard < 10000; guard++) {
        unsigned st = br_ssl_engine_current_state(eng);
        unsigned char *buf;
        size_t len;
        int n;
        if (st & BR_SSL_CLOSED) break;
        if (st & BR_SSL_SENDREC) {
            buf = br_ssl_engine_sendrec_buf(eng, &len);
            n = acme2_http1_sock_write(h, buf, len);
            if (n < 0) break;
            br_ssl_engine_sendrec_ack(eng, (size_t)n);
            continue;
        }
        if (st & BR_SSL_SENDAPP) {
            br_sslio_init(&t->io, eng, tb_sock_read, h, tb_sock_write, h);
            memcpy(t->session_host, h->host, sizeof h->host);
            t->session_port = h->port;
            tb_log(t, "connected to %s port %u (TLS 1.%d, cipher suite 0x%04X)", h->host, h->port,
                   br_ssl_engine_get_version(eng) - 0x0301, (unsigned)eng->session.cipher_suite);
            return 0;
        }
        if (st & BR_SSL_RECVREC) {
            buf = br_ssl_engine_recvrec_buf(eng, &len);
            n = acme2_http1_sock_read(h, buf, len);
            if (n < 0) break;
            br_ssl_engine_recvrec_ack(eng, (size_t)n);
            continue;
        }
        break;
    }
    err = br_ssl_engine_last_error(eng);
    if (h->io_state != ACME2_HTTP1_IO_TIMEOUT)
        tb_log(t, "TLS handshake with %s failed: BearSSL error %d, %s", h->host, err,
               tb_tls_error_text(err ? err : BR_ERR_IO));
    return ACME2_ERR_TRANSPORT;
}

/* -1 with no engine error is the peer's close_notify. */
static int tb_read(acme2_http1 *h, unsigned char *buf, size_t len)
{
    tb_t *t = (tb_t *)h->tls_ctx;
    int n = br_sslio_read(&t->io, buf, len), err;
    if (n > 0) return n;
    err = br_ssl_engine_last_error(&t->sc.eng);
    if (err == BR_ERR_OK) return 0;
    if (h->io_state == ACME2_HTTP1_IO_OK)
        tb_log(t, "%s: read failed: BearSSL error %d, %s", h->host, err, tb_tls_error_text(err));
    return -1;
}

static int tb_write(acme2_http1 *h, const unsigned char *buf, size_t len)
{
    return br_sslio_write_all(&((tb_t *)h->tls_ctx)->io, buf, len);
}

static int tb_flush(acme2_http1 *h)
{
    return br_sslio_flush(&((tb_t *)h->tls_ctx)->io);
}

static void tb_close_notify(acme2_http1 *h)
{
    br_ssl_engine_context *eng = &((tb_t *)h->tls_ctx)->sc.eng;
    int guard;
    br_ssl_engine_close(eng);
    for (guard = 0; guard < 16 && (br_ssl_engine_current_state(eng) & BR_SSL_SENDREC); guard++) {
        size_t len;
        unsigned char *buf = br_ssl_engine_sendrec_buf(eng, &len);
        int n = acme2_http1_sock_write(h, buf, len);
        if (n < 0) break;
        br_ssl_engine_sendrec_ack(eng, (size_t)n);
    }
}

static int tb_idle_ok(acme2_http1 *h)
{
    unsigned st = br_ssl_engine_current_state(&((tb_t *)h->tls_ctx)->sc.eng);
    return !(st & (BR_SSL_CLOSED | BR_SSL_RECVAPP));
}

static const acme2_http1_tls tb_tls = {
    tb_handshake, tb_read, tb_write, tb_flush, tb_close_notify, tb_idle_ok
};

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

/* ---- init / free ------------------------------------------------------ */

int acme2_bearssl_init(acme2_bearssl_transport *t, const char *ca_file,
                       int connect_timeout_ms, int read_timeout_ms,
                       acme2_bearssl_log_fn log, void *log_user)
{
    int rc;
    if (!t) return ACME2_ERR_PARAM;
    memset(t, 0, sizeof *t);
    acme2_http1_init(&t->http, &tb_tls, t, connect_timeout_ms, read_timeout_ms, log, log_user);
    rc = tb_load_anchors(t, ca_file ? ca_file : TB_SYSTEM_BUNDLE);
    if (rc < 0) return rc;
    br_ssl_client_init_full(&t->sc, &t->xc, t->anchors, t->n_anchors);
    br_ssl_engine_set_buffer(&t->sc.eng, t->iobuf, sizeof t->iobuf, 1);
    t->xv.vtable = &tb_xv_class;
    t->xv.owner = t;
    br_ssl_engine_set_x509(&t->sc.eng, &t->xv.vtable);
    return 0;
}

int acme2_bearssl_exchange(void *user, const acme2_http_request *req, acme2_http_response *resp)
{
    if (!user) return ACME2_ERR_PARAM;
    return acme2_http1_exchange(&((tb_t *)user)->http, req, resp);
}

void acme2_bearssl_disconnect(acme2_bearssl_transport *t)
{
    acme2_http1_disconnect(&t->http);
}

void acme2_bearssl_free(acme2_bearssl_transport *t)
{
    if (!t) return;
    if (t->http.tls) acme2_http1_disconnect(&t->http);
    acme2_wipe(t, sizeof *t);
    t->http.fd = -1;
}
