/* transport_mbedtls.c - see transport_mbedtls.h. mbedTLS below http1.c:
   trust anchors, the handshake, records. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "transport_mbedtls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h> /* MBEDTLS_ERR_NET_* only */
#include <mbedtls/version.h>
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

#define TM_SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define TM_MAX_SPINS 100 /* WANT_READ/WANT_WRITE retries without progress */

typedef acme2_mbedtls_transport tm_t;

#define tm_log(t, ...) acme2_http1_log(&(t)->http, __VA_ARGS__)

/* A failed mbedTLS call, in words. A socket failure is http1.c's to tell
   (in the handshake, which it does not see, it is told here). */
static void tm_fail(tm_t *t, const char *what, int rc, int handshake)
{
    char text[128] = "TLS failure";
    int io = t->http.io_state;
    if (io == ACME2_HTTP1_IO_TIMEOUT || (io != ACME2_HTTP1_IO_OK && !handshake)) return;
    if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        uint32_t f = mbedtls_ssl_get_verify_result(&t->ssl);
        snprintf(text, sizeof text, "%s",
                 (f & MBEDTLS_X509_BADCERT_NOT_TRUSTED) ? "certificate not trusted (wrong CA file?)"
                 : (f & MBEDTLS_X509_BADCERT_CN_MISMATCH) ? "certificate does not name the host"
                 : (f & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE))
                     ? "certificate expired or not yet valid" : "certificate refused");
    } else if (io != ACME2_HTTP1_IO_OK) {
        snprintf(text, sizeof text, "connection lost");
    } else {
#ifdef MBEDTLS_ERROR_C
        mbedtls_strerror(rc, text, sizeof text);
#endif
    }
    tm_log(t, "%s: %s failed: mbedTLS error -0x%04X, %s", t->http.host[0] ? t->http.host : "mbedTLS", what,
           (unsigned)-rc, text);
}

/* ---- trust anchors ---------------------------------------------------- */

static int tm_load_anchors(tm_t *t, const char *path)
{
    FILE *f = fopen(path, "rb");
    const mbedtls_x509_crt *c;
    long size = -1;
    int rc;
    if (f) {
        if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
        fclose(f);
    }
    if (size < 0) {
        tm_log(t, "trust anchors: cannot open %s: %s", path, strerror(errno));
        return ACME2_ERR_NOT_FOUND;
    }
    if (size > ACME2_MBEDTLS_MAX_CA_FILE) {
        tm_log(t, "trust anchors: %s is over %ld bytes; raise ACME2_MBEDTLS_MAX_CA_FILE", path,
               (long)ACME2_MBEDTLS_MAX_CA_FILE);
        return ACME2_ERR_NOSPACE;
    }
    /* >= 0: parsed, that many skipped; < 0: none parsed. */
    rc = mbedtls_x509_crt_parse_file(&t->ca, path);
    for (c = &t->ca; c && c->raw.p; c = c->next) t->n_anchors++;
    if (rc == MBEDTLS_ERR_PK_FILE_IO_ERROR) return ACME2_ERR_NOT_FOUND;
    if (rc == MBEDTLS_ERR_PK_ALLOC_FAILED || rc == MBEDTLS_ERR_X509_ALLOC_FAILED) return ACME2_ERR_NOSPACE;
    if (rc < 0 || t->n_anchors == 0) {
        tm_log(t, "trust anchors: %s: malformed PEM or no certificate", path);
        return ACME2_ERR_PEM;
    }
    if (rc > 0) tm_log(t, "trust anchors: skipped %d certificates mbedTLS cannot parse", rc);
    tm_log(t, "trust anchors: %lu from %s", (unsigned long)t->n_anchors, path);
    return 0;
}

/* Called for each certificate of the chain; depth 0 is the server's. For
   an IP literal (no name given to mbedTLS) the iPAddress SAN must match. */
static int tm_verify(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    const acme2_http1 *h = (const acme2_http1 *)ctx;
    if (depth == 0 && h->host_ip_len && !acme2_http1_cert_names_ip(h, crt->raw.p, crt->raw.len))
        *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    return 0;
}

/* ---- the TLS layer under http1.c ------------------------------------- */

/* mbedTLS's socket callbacks: bytes, 0 for the peer's FIN, or an error
   (http.io_state says which). */
static int tm_send(void *ctx, const unsigned char *buf, size_t len)
{
    int n = acme2_http1_sock_write((acme2_http1 *)ctx, buf, len);
    return n > 0 ? n : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int tm_recv(void *ctx, unsigned char *buf, size_t len)
{
    acme2_http1 *h = (acme2_http1 *)ctx;
    int n = acme2_http1_sock_read(h, buf, len);
    if (n > 0) return n;
    return h->io_state == ACME2_HTTP1_IO_EOF ? 0 : MBEDTLS_ERR_NET_RECV_FAILED;
}

static int tm_want(int rc)
{
    return rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE
#ifdef MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
        || rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET /* 3.x, TLS 1.3 */
#endif
        ;
}

static int tm_handshake(acme2_http1 *h)
{
    tm_t *t = (tm_t *)h->tls_ctx;
    int rc, spins = 0;

    /* No SNI and no name check by mbedTLS for an IP literal: tm_verify
       checks the iPAddress SAN (3.6 wants the NULL said explicitly). */
    rc = mbedtls_ssl_session_reset(&t->ssl);
    if (rc == 0) rc = mbedtls_ssl_set_hostname(&t->ssl, h->host_ip_len ? NULL : h->host);
    if (rc != 0) {
        tm_fail(t, "TLS setup", rc, 1);
        return ACME2_ERR_TRANSPORT;
    }
    /* Resume only a session made with this same server; a refused one
       means a full handshake. */
    if (t->have_session && strcmp(t->session_host, h->host) == 0 && t->session_port == h->port)
        (void)mbedtls_ssl_set_session(&t->ssl, &t->session);
    while ((rc = mbedtls_ssl_handshake(&t->ssl)) != 0) {
        if (!tm_want(rc) || ++spins > TM_MAX_SPINS) {
            tm_fail(t, "TLS handshake", rc, 1);
            return ACME2_ERR_TRANSPORT;
        }
    }
    mbedtls_ssl_session_free(&t->session);
    mbedtls_ssl_session_init(&t->session);
    t->have_session = mbedtls_ssl_get_session(&t->ssl, &t->session) == 0;
    memcpy(t->session_host, h->host, sizeof h->host);
    t->session_port = h->port;
    tm_log(t, "connected to %s port %u (%s, %s)", h->host, h->port, mbedtls_ssl_get_version(&t->ssl),
           mbedtls_ssl_get_ciphersuite(&t->ssl));
    return 0;
}

static int tm_read(acme2_http1 *h, unsigned char *buf, size_t len)
{
    tm_t *t = (tm_t *)h->tls_ctx;
    int n, spins = 0;
    do n = mbedtls_ssl_read(&t->ssl, buf, len);
    while (tm_want(n) && ++spins <= TM_MAX_SPINS);
    if (n > 0) return n;
    if (n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return 0;
    tm_fail(t, "read", n, 0);
    return -1;
}

static int tm_write(acme2_http1 *h, const unsigned char *buf, size_t len)
{
    tm_t *t = (tm_t *)h->tls_ctx;
    int spins = 0;
    while (len > 0) {
        int n = mbedtls_ssl_write(&t->ssl, buf, len);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (!tm_want(n) || ++spins > TM_MAX_SPINS) {
            tm_fail(t, "write", n, 0);
            return -1;
        }
    }
    return 0;
}

static void tm_close_notify(acme2_http1 *h)
{
    (void)mbedtls_ssl_close_notify(&((tm_t *)h->tls_ctx)->ssl);
}

static int tm_idle_ok(acme2_http1 *h)
{
    const mbedtls_ssl_context *ssl = &((tm_t *)h->tls_ctx)->ssl;
    return mbedtls_ssl_get_bytes_avail(ssl) == 0 && !mbedtls_ssl_check_pending(ssl);
}

static const acme2_http1_tls tm_tls = {
    tm_handshake, tm_read, tm_write, NULL, tm_close_notify, tm_idle_ok
};

/* ---- init / free ------------------------------------------------------ */

static int tm_setup(tm_t *t)
{
    static const unsigned char personal[] = "acme2.h transport";
    int rc;
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
    if (psa_crypto_init() != PSA_SUCCESS) {
        tm_log(t, "mbedTLS: psa_crypto_init failed");
        return ACME2_ERR_RNG;
    }
#endif
    rc = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy, personal, sizeof personal - 1);
    if (rc != 0) {
        tm_fail(t, "seeding the CTR-DRBG", rc, 0);
        return ACME2_ERR_RNG;
    }
    rc = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                     MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) return ACME2_ERR_NOSPACE;
    mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
    mbedtls_ssl_conf_verify(&t->conf, tm_verify, &t->http);
    mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
#if MBEDTLS_VERSION_MAJOR < 3
    /* 2.x may still be built with TLS 1.0 and 1.1. */
    mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
    rc = mbedtls_ssl_setup(&t->ssl, &t->conf); /* allocates the record buffers */
    if (rc != 0) {
        tm_fail(t, "TLS setup", rc, 0);
        return ACME2_ERR_NOSPACE;
    }
    mbedtls_ssl_set_bio(&t->ssl, &t->http, tm_send, tm_recv, NULL);
    return 0;
}

int acme2_mbedtls_init(acme2_mbedtls_transport *t, const char *ca_file,
                       int connect_timeout_ms, int read_timeout_ms,
                       acme2_mbedtls_log_fn log, void *log_user)
{
    int rc;
    if (!t) return ACME2_ERR_PARAM;
    memset(t, 0, sizeof *t);
    acme2_http1_init(&t->http, &tm_tls, t, connect_timeout_ms, read_timeout_ms, log, log_user);
    mbedtls_entropy_init(&t->entropy);
    mbedtls_ctr_drbg_init(&t->drbg);
    mbedtls_x509_crt_init(&t->ca);
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_ssl_init(&t->ssl);
    mbedtls_ssl_session_init(&t->session);
    t->ready = 1;
    rc = tm_load_anchors(t, ca_file ? ca_file : TM_SYSTEM_BUNDLE);
    if (rc == 0) rc = tm_setup(t);
    if (rc < 0) acme2_mbedtls_free(t);
    return rc;
}

int acme2_mbedtls_exchange(void *user, const acme2_http_request *req, acme2_http_response *resp)
{
    tm_t *t = (tm_t *)user;
    if (!t || !t->ready) return ACME2_ERR_PARAM;
    return acme2_http1_exchange(&t->http, req, resp);
}

void acme2_mbedtls_disconnect(acme2_mbedtls_transport *t)
{
    if (t && t->ready) acme2_http1_disconnect(&t->http);
}

void acme2_mbedtls_free(acme2_mbedtls_transport *t)
{
    if (!t) return;
    if (t->ready) {
        acme2_http1_disconnect(&t->http);
        mbedtls_ssl_session_free(&t->session);
        mbedtls_ssl_free(&t->ssl);
        mbedtls_ssl_config_free(&t->conf);
        mbedtls_x509_crt_free(&t->ca);
        mbedtls_ctr_drbg_free(&t->drbg);
        mbedtls_entropy_free(&t->entropy);
    }
    acme2_wipe(t, sizeof *t);
    t->http.fd = -1;
}
