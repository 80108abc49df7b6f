/* responder.c - see responder.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "responder.h"
#include "transport_bearssl.h" /* acme2_bearssl_seed */

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
#include <sys/socket.h>

#define RS_CHALLENGE_PREFIX "/.well-known/acme-challenge/"
#define RS_ALPN "acme-tls/1"

static void rs_log(acme2_responder *r, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    if (!r->log) return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    r->log(r->log_user, line);
}

static int rs_lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static int rs_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (rs_lower((unsigned char)*a) != rs_lower((unsigned char)*b)) return 0;
    return *a == *b;
}

static long long rs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long acme2_responder_now_ms(void) { return rs_now_ms(); }

/* ---- validation seen -------------------------------------------------- */

/* One validation answered for name (server thread). */
static void rs_seen(acme2_responder *r, const char *name)
{
    unsigned long n;
    long long when = rs_now_ms();
    pthread_mutex_lock(&r->lock);
    n = ++r->seen;
    r->seen_ms = when;
    pthread_cond_broadcast(&r->seen_cond);
    pthread_mutex_unlock(&r->lock);
    if (r->seen_fn) r->seen_fn(r->seen_user, name, n, when);
}

int acme2_responder_on_seen(acme2_responder *r, acme2_responder_seen_fn fn, void *user)
{
    if (!r || !r->ready) return ACME2_ERR_PARAM;
    if (r->running) return ACME2_ERR_STATE;
    r->seen_fn = fn;
    r->seen_user = user;
    return 0;
}

unsigned long acme2_responder_seen(acme2_responder *r, long long *last_ms)
{
    return acme2_responder_wait_seen(r, 0, 0, last_ms);
}

unsigned long acme2_responder_wait_seen(acme2_responder *r, unsigned long after, long timeout_ms,
                                        long long *last_ms)
{
    struct timespec until;
    unsigned long n;
    if (last_ms) *last_ms = 0;
    if (!r || !r->ready) return 0;
    clock_gettime(CLOCK_MONOTONIC, &until);
    if (timeout_ms > 0) {
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&r->lock);
    /* 0 is a wake-up (perhaps spurious: look again); anything else is
       the timeout, or an error that would repeat: stop there. */
    while (timeout_ms > 0 && r->seen <= after)
        if (pthread_cond_timedwait(&r->seen_cond, &r->lock, &until) != 0) break;
    n = r->seen;
    if (last_ms) *last_ms = r->seen_ms;
    pthread_mutex_unlock(&r->lock);
    return n;
}

/* ---- table ------------------------------------------------------------ */

int acme2_responder_sni_name(const acme2_identifier *id, char *out, size_t out_size)
{
    unsigned char ip[16];
    size_t i, n;
    int len;
    if (!id || !id->value || !out) return ACME2_ERR_PARAM;
    if (id->type == ACME2_ID_DNS) {
        n = strlen(id->value);
        if (n == 0 || n > 253 || strchr(id->value, '*')) return ACME2_ERR_IDENTIFIER;
        if (n + 1 > out_size) return ACME2_ERR_NOSPACE;
        for (i = 0; i <= n; i++) out[i] = (char)rs_lower((unsigned char)id->value[i]);
        return (int)n;
    }
    if (id->type != ACME2_ID_IP) return ACME2_ERR_IDENTIFIER;
    len = acme2_ip_parse(id->value, ip);
    if (len == 4) {
        if (out_size < 30) return ACME2_ERR_NOSPACE;
        return snprintf(out, out_size, "%u.%u.%u.%u.in-addr.arpa", ip[3], ip[2], ip[1], ip[0]);
    }
    if (len != 16) return ACME2_ERR_IDENTIFIER;
    /* RFC 3596 section 2.5: nibbles, least significant first. */
    if (out_size < 16 * 4 + 9) return ACME2_ERR_NOSPACE;
    for (i = 0, n = 0; i < 16; i++) {
        static const char hex[] = "0123456789abcdef";
        unsigned b = ip[15 - i];
        out[n++] = hex[b & 15];
        out[n++] = '.';
        out[n++] = hex[b >> 4];
        out[n++] = '.';
    }
    memcpy(out + n, "ip6.arpa", 9);
    return (int)(n + 8);
}

/* The slot for a name: the existing entry, else a free one, else NULL.
   Tokens compare exactly, SNI names without case. Caller holds the lock. */
static acme2_responder_entry *rs_slot(acme2_responder *r, const char *name)
{
    acme2_responder_entry *free_slot = NULL;
    int i;
    for (i = 0; i < ACME2_RESPONDER_MAX_ENTRIES; i++) {
        acme2_responder_entry *e = &r->entries[i];
        if (e->used && (r->kind == ACME2_RESPONDER_HTTP01 ? strcmp(e->name, name) == 0 : rs_ieq(e->name, name)))
            return e;
        if (!e->used && !free_slot) free_slot = e;
    }
    return free_slot;
}

static void rs_wipe_entry(acme2_responder_entry *e)
{
    acme2_key_wipe(&e->cert_key);
    acme2_wipe(e, sizeof *e);
}

int acme2_responder_http01_add(acme2_responder *r, const char *token, const char *key_authorization)
{
    acme2_responder_entry *e;
    size_t tl, kl, i;
    if (!r || !r->ready || r->kind != ACME2_RESPONDER_HTTP01 || !token || !key_authorization) return ACME2_ERR_PARAM;
    tl = strlen(token);
    kl = strlen(key_authorization);
    if (tl == 0 || tl > ACME2_RESPONDER_MAX_NAME) return ACME2_ERR_TOKEN;
    for (i = 0; i < tl; i++) {
        char c = token[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return ACME2_ERR_TOKEN;
    }
    if (kl == 0 || kl > ACME2_RESPONDER_MAX_KEYAUTH) return ACME2_ERR_PARAM;
    pthread_mutex_lock(&r->lock);
    e = rs_slot(r, token);
    if (e) {
        rs_wipe_entry(e);
        memcpy(e->name, token, tl + 1);
        memcpy(e->keyauth, key_authorization, kl + 1);
        e->used = 1;
    }
    pthread_mutex_unlock(&r->lock);
    return e ? 0 : ACME2_ERR_NOSPACE;
}

/* The certificate key as BearSSL's server wants it: through PKCS#8 DER
   into r->skey (the DER is wiped). Returns the key type or 0. */
static int rs_decode_key(acme2_responder *r, const acme2_key *k)
{
    int n = acme2_key_save_der(k, r->keyder, sizeof r->keyder), type = 0;
    if (n > 0) {
        br_skey_decoder_init(&r->skey);
        br_skey_decoder_push(&r->skey, r->keyder, (size_t)n);
        if (br_skey_decoder_last_error(&r->skey) == 0) type = br_skey_decoder_key_type(&r->skey);
    }
    acme2_wipe(r->keyder, sizeof r->keyder);
    return type;
}

int acme2_responder_tlsalpn01_add(acme2_responder *r, const acme2_key *cert_key,
                                  const acme2_key *account_key, const acme2_identifier *id,
                                  const char *token)
{
    acme2_responder_entry *e;
    char sni[ACME2_RESPONDER_MAX_NAME + 1];
    unsigned char cert[ACME2_RESPONDER_MAX_CERT];
    int n, cert_len;
    size_t il;

    if (!r || !r->ready || r->kind != ACME2_RESPONDER_TLSALPN01 || !cert_key || !account_key || !id || !id->value || !token)
        return ACME2_ERR_PARAM;
    n = acme2_responder_sni_name(id, sni, sizeof sni);
    if (n < 0) return n;
    il = strlen(id->value);
    if (il > ACME2_RESPONDER_MAX_NAME) return ACME2_ERR_IDENTIFIER;
    if (cert_key->kind != ACME2_KEY_EC && cert_key->kind != ACME2_KEY_RSA) return ACME2_ERR_PARAM;
    cert_len = acme2_tls_alpn01_cert(cert, sizeof cert, cert_key, account_key, id, token, (int64_t)time(NULL));
    if (cert_len < 0) return cert_len;

    pthread_mutex_lock(&r->lock);
    e = rs_slot(r, sni);
    if (e) {
        rs_wipe_entry(e);
        memcpy(e->name, sni, (size_t)n + 1);
        memcpy(e->ident, id->value, il + 1);
        memcpy(e->cert, cert, (size_t)cert_len);
        e->cert_len = (size_t)cert_len;
        e->cert_key = *cert_key;
        e->used = 1;
    }
    pthread_mutex_unlock(&r->lock);
    return e ? 0 : ACME2_ERR_NOSPACE;
}

int acme2_responder_remove(acme2_responder *r, const char *token_or_identifier)
{
    int i, found = 0;
    if (!r || !r->ready || !token_or_identifier) return ACME2_ERR_PARAM;
    pthread_mutex_lock(&r->lock);
    for (i = 0; i < ACME2_RESPONDER_MAX_ENTRIES; i++) {
        acme2_responder_entry *e = &r->entries[i];
        if (!e->used) continue;
        if (r->kind == ACME2_RESPONDER_HTTP01 ? strcmp(e->name, token_or_identifier) == 0
                                              : (rs_ieq(e->ident, token_or_identifier) ||
                                                 rs_ieq(e->name, token_or_identifier))) {
            rs_wipe_entry(e);
            found = 1;
        }
    }
    pthread_mutex_unlock(&r->lock);
    return found ? 0 : ACME2_ERR_NOT_FOUND;
}

/* ---- connection I/O (server thread) ----------------------------------- */

/* Waits for the connection, within its deadline, unless stop is asked. */
static int rs_wait(acme2_responder *r, short events)
{
    for (;;) {
        struct pollfd p[2];
        long long left = r->deadline_ms - rs_now_ms();
        int k;
        if (left <= 0) return -1;
        p[0].fd = r->conn;
        p[0].events = events;
        p[0].revents = 0;
        p[1].fd = r->stop_pipe[0];
        p[1].events = POLLIN;
        p[1].revents = 0;
        k = poll(p, 2, (int)(left > 1000000 ? 1000000 : left));
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0 || p[1].revents) return -1;
        if (p[0].revents) return 0;
    }
}

static int rs_recv(void *ctx, unsigned char *buf, size_t len)
{
    acme2_responder *r = (acme2_responder *)ctx;
    for (;;) {
        ssize_t n;
        if (rs_wait(r, POLLIN) < 0) return -1;
        n = recv(r->conn, buf, len, 0);
        if (n > 0) return (int)n;
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        return -1;
    }
}

static int rs_send(void *ctx, const unsigned char *buf, size_t len)
{
    acme2_responder *r = (acme2_responder *)ctx;
    for (;;) {
        ssize_t n;
        if (rs_wait(r, POLLOUT) < 0) return -1;
        n = send(r->conn, buf, len, MSG_NOSIGNAL);
        if (n > 0) return (int)n;
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        return -1;
    }
}

static int rs_send_all(acme2_responder *r, const char *buf, size_t len)
{
    while (len > 0) {
        int n = rs_send(r, (const unsigned char *)buf, len);
        if (n < 0) return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* ---- http-01 ---------------------------------------------------------- */

/* Length of the request head (through the blank line), 0 if incomplete. */
static size_t rs_head_end(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i + 1 < n; i++) {
        if (s[i] != '\n') continue;
        if (s[i + 1] == '\n') return i + 2;
        if (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n') return i + 3;
    }
    return 0;
}

/* Returns 0 when the whole answer was sent. */
static int rs_http_reply(acme2_responder *r, int code, const char *body, size_t body_len, int head_only)
{
    char head[256];
    const char *reason = code == 200 ? "OK" : code == 404 ? "Not Found" : code == 405 ? "Method Not Allowed"
                                                                         : "Bad Request";
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %lu\r\n"
                     "Connection: close\r\n\r\n", code, reason, (unsigned long)body_len);
    if (n < 0 || (size_t)n >= sizeof head) return -1;
    if (rs_send_all(r, head, (size_t)n) != 0) return -1;
    return head_only ? 0 : rs_send_all(r, body, body_len);
}

static void rs_serve_http(acme2_responder *r)
{
    size_t n = 0, end = 0, ml, tl, i;
    char *method, *target, *sp1, *sp2, *eol;
    const char *token;
    char keyauth[ACME2_RESPONDER_MAX_KEYAUTH + 1];
    int found = 0, head_only;

    while (n < sizeof r->req - 1 && !end) {
        int k = rs_recv(r, (unsigned char *)r->req + n, sizeof r->req - 1 - n);
        if (k < 0) return;
        n += (size_t)k;
        end = rs_head_end(r->req, n);
    }
    if (!end) {
        (void)rs_http_reply(r, 400, "request too large\n", 18, 0);
        return;
    }
    r->req[end] = 0;
    /* Request line: METHOD SP target SP HTTP/1.x */
    eol = (char *)memchr(r->req, '\n', end);
    sp1 = (char *)memchr(r->req, ' ', (size_t)(eol - r->req));
    sp2 = sp1 ? (char *)memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
    if (!sp1 || !sp2 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
        (void)rs_http_reply(r, 400, "bad request\n", 12, 0);
        return;
    }
    method = r->req;
    ml = (size_t)(sp1 - method);
    target = sp1 + 1;
    tl = (size_t)(sp2 - target);
    head_only = ml == 4 && memcmp(method, "HEAD", 4) == 0;
    if (!head_only && !(ml == 3 && memcmp(method, "GET", 3) == 0)) {
        (void)rs_http_reply(r, 405, "method not allowed\n", 19, 0);
        return;
    }
    /* Absolute form (http://host/path): keep the path. */
    if (tl > 7 && memcmp(target, "http://", 7) == 0) {
        char *slash = (char *)memchr(target + 7, '/', tl - 7);
        if (!slash) slash = target + tl;
        tl -= (size_t)(slash - target);
        target = slash;
    }
    for (i = 0; i < tl; i++)
        if (target[i] == '?') tl = i;
    target[tl] = 0;
    token = NULL;
    if (tl > sizeof RS_CHALLENGE_PREFIX - 1 && memcmp(target, RS_CHALLENGE_PREFIX, sizeof RS_CHALLENGE_PREFIX - 1) == 0)
        token = target + sizeof RS_CHALLENGE_PREFIX - 1;
    if (token) {
        pthread_mutex_lock(&r->lock);
        for (i = 0; i < ACME2_RESPONDER_MAX_ENTRIES; i++) {
            if (r->entries[i].used && strcmp(r->entries[i].name, token) == 0) {
                memcpy(keyauth, r->entries[i].keyauth, sizeof keyauth);
                found = 1;
                break;
            }
        }
        if (found) r->served++;
        else r->refused++;
        pthread_mutex_unlock(&r->lock);
    } else {
        pthread_mutex_lock(&r->lock);
        r->refused++;
        pthread_mutex_unlock(&r->lock);
    }
    rs_log(r, "http-01: %.*s %.60s -> %d", (int)ml, method, target, found ? 200 : 404);
    if (found) {
        if (rs_http_reply(r, 200, keyauth, strlen(keyauth), head_only) == 0) rs_seen(r, token);
    } else {
        (void)rs_http_reply(r, 404, "not found\n", 10, head_only);
    }
}

/* ---- tls-alpn-01 ------------------------------------------------------ */

static int rs_choose(const br_ssl_server_policy_class **pctx, const br_ssl_server_context *cc,
                     br_ssl_server_choices *choices)
{
    acme2_responder *r = ((acme2_responder_policy *)(void *)pctx)->owner;
    br_ssl_server_context *sc = &r->sc; /* == cc, without the const */
    const char *sni = br_ssl_engine_get_server_name(&cc->eng);
    const char *proto = br_ssl_engine_get_selected_protocol(&sc->eng);
    int i, found = 0, type;

    /* RFC 8737 section 3: only acme-tls/1 connections get the certificate
       (a ClientHello with other ALPN names fails earlier, by the flag). */
    if (!proto || strcmp(proto, RS_ALPN) != 0) {
        rs_log(r, "tls-alpn-01: \"%s\": no ALPN acme-tls/1 offered", sni);
        return 0;
    }
    pthread_mutex_lock(&r->lock);
    for (i = 0; i < ACME2_RESPONDER_MAX_ENTRIES; i++) {
        if (r->entries[i].used && rs_ieq(r->entries[i].name, sni)) {
            r->current = r->entries[i];
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&r->lock);
    if (!found) {
        rs_log(r, "tls-alpn-01: no challenge for SNI \"%s\"", sni);
        return 0;
    }
    type = rs_decode_key(r, &r->current.cert_key);
    r->chain.data = r->current.cert;
    r->chain.data_len = r->current.cert_len;
    /* Hand the connection to BearSSL's single-certificate policy for this
       key: it picks the suite and signs. It replaces sc->policy_vtable, so
       the engine calls it directly from now on. */
    if (type == BR_KEYTYPE_EC) {
        br_ssl_server_set_single_ec(sc, &r->chain, 1, br_skey_decoder_get_ec(&r->skey), BR_KEYTYPE_SIGN,
                                    BR_KEYTYPE_EC, br_ec_get_default(), br_ecdsa_sign_asn1_get_default());
    } else if (type == BR_KEYTYPE_RSA) {
        br_ssl_server_set_single_rsa(sc, &r->chain, 1, br_skey_decoder_get_rsa(&r->skey), BR_KEYTYPE_SIGN,
                                     br_rsa_private_get_default(), br_rsa_pkcs1_sign_get_default());
    } else {
        rs_log(r, "tls-alpn-01: unusable certificate key");
        return 0;
    }
    rs_log(r, "tls-alpn-01: presenting the challenge certificate for %s", r->current.ident);
    return (*sc->policy_vtable)->choose(sc->policy_vtable, cc, choices);
}

/* Used only if an engine kept calling this policy after choose(): pass
   on to the single-certificate policy installed there. */
static uint32_t rs_do_keyx(const br_ssl_server_policy_class **pctx, unsigned char *data, size_t *len)
{
    acme2_responder *r = ((acme2_responder_policy *)(void *)pctx)->owner;
    const br_ssl_server_policy_class **inner = r->sc.policy_vtable;
    if (inner == pctx) return 0;
    return (*inner)->do_keyx(inner, data, len);
}

static size_t rs_do_sign(const br_ssl_server_policy_class **pctx, unsigned algo_id, unsigned char *data,
                         size_t hv_len, size_t len)
{
    acme2_responder *r = ((acme2_responder_policy *)(void *)pctx)->owner;
    const br_ssl_server_policy_class **inner = r->sc.policy_vtable;
    if (inner == pctx) return 0;
    return (*inner)->do_sign(inner, algo_id, data, hv_len, len);
}

static const br_ssl_server_policy_class rs_policy_class = {
    sizeof(acme2_responder_policy), rs_choose, rs_do_keyx, rs_do_sign
};

/* ECDHE suites for either key type (the key is only known at choose()). */
static const uint16_t rs_suites[] = {
    BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
};

static const char *rs_alpn_names[] = { RS_ALPN };

static void rs_tls_setup(acme2_responder *r)
{
    br_ssl_server_init_full_ec(&r->sc, NULL, 0, BR_KEYTYPE_EC, NULL);
    br_ssl_engine_set_suites(&r->sc.eng, rs_suites, sizeof rs_suites / sizeof rs_suites[0]);
    br_ssl_engine_set_buffer(&r->sc.eng, r->iobuf, sizeof r->iobuf, 1);
    br_ssl_engine_set_protocol_names(&r->sc.eng, rs_alpn_names, 1);
    br_ssl_engine_add_flags(&r->sc.eng, BR_OPT_FAIL_ON_ALPN_MISMATCH);
    r->policy.vtable = &rs_policy_class;
    r->policy.owner = r;
}

static void rs_serve_tls(acme2_responder *r)
{
    br_ssl_engine_context *eng = &r->sc.eng;
    int guard, done = 0;

    br_ssl_server_set_policy(&r->sc, &r->policy.vtable);
    acme2_bearssl_seed(eng);
    if (!br_ssl_server_reset(&r->sc)) return;
    for (guard = 0; guard < 10000; guard++) {
        unsigned st = br_ssl_engine_current_state(eng);
        unsigned char *buf;
        size_t len;
        int n;
        if (st & BR_SSL_CLOSED) break;
        if (st & BR_SSL_SENDREC) {
            buf = br_ssl_engine_sendrec_buf(eng, &len);
            if ((n = rs_send(r, buf, len)) < 0) break;
            br_ssl_engine_sendrec_ack(eng, (size_t)n);
            continue;
        }
        if (done) break;
        if (st & BR_SSL_SENDAPP) {
            /* Handshake complete: nothing more to say (RFC 8737). */
            done = 1;
            br_ssl_engine_close(eng);
            continue;
        }
        if (st & BR_SSL_RECVREC) {
            buf = br_ssl_engine_recvrec_buf(eng, &len);
            if ((n = rs_recv(r, buf, len)) < 0) break;
            br_ssl_engine_recvrec_ack(eng, (size_t)n);
            continue;
        }
        break;
    }
    pthread_mutex_lock(&r->lock);
    if (done) r->served++;
    else r->refused++;
    pthread_mutex_unlock(&r->lock);
    if (done) rs_log(r, "tls-alpn-01: handshake for \"%s\" completed", br_ssl_engine_get_server_name(eng));
    else rs_log(r, "tls-alpn-01: handshake for \"%s\" failed (BearSSL error %d)",
                br_ssl_engine_get_server_name(eng), br_ssl_engine_last_error(eng));
    acme2_key_wipe(&r->current.cert_key);
    acme2_wipe(&r->skey, sizeof r->skey);
    if (done) rs_seen(r, r->current.ident);
}

/* ---- thread ----------------------------------------------------------- */

static void *rs_thread(void *arg)
{
    acme2_responder *r = (acme2_responder *)arg;
    for (;;) {
        struct pollfd p[ACME2_RESPONDER_MAX_LISTEN + 1];
        int i, k;
        for (i = 0; i < r->n_fds; i++) {
            p[i].fd = r->fds[i];
            p[i].events = POLLIN;
            p[i].revents = 0;
        }
        p[i].fd = r->stop_pipe[0];
        p[i].events = POLLIN;
        p[i].revents = 0;
        k = poll(p, (nfds_t)r->n_fds + 1, -1);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0 || p[r->n_fds].revents) break;
        for (i = 0; i < r->n_fds; i++) {
            if (!p[i].revents) continue;
            r->conn = accept(r->fds[i], NULL, NULL);
            if (r->conn < 0) continue;
            (void)fcntl(r->conn, F_SETFD, FD_CLOEXEC);
            (void)fcntl(r->conn, F_SETFL, fcntl(r->conn, F_GETFL) | O_NONBLOCK);
            r->deadline_ms = rs_now_ms() + ACME2_RESPONDER_TIMEOUT_MS;
            if (r->kind == ACME2_RESPONDER_HTTP01) rs_serve_http(r);
            else rs_serve_tls(r);
            close(r->conn);
            r->conn = -1;
        }
    }
    return NULL;
}

/* A condition whose timed waits count on CLOCK_MONOTONIC (seen_ms's
   clock), so a change of the wall clock does not stretch a wait. */
static int rs_cond_init(pthread_cond_t *c)
{
    pthread_condattr_t a;
    int rc;
    if (pthread_condattr_init(&a) != 0) return -1;
    rc = pthread_condattr_setclock(&a, CLOCK_MONOTONIC) == 0 ? pthread_cond_init(c, &a) : -1;
    pthread_condattr_destroy(&a);
    return rc == 0 ? 0 : -1;
}

int acme2_responder_init(acme2_responder *r, int kind, acme2_responder_log_fn log, void *log_user)
{
    if (!r || (kind != ACME2_RESPONDER_HTTP01 && kind != ACME2_RESPONDER_TLSALPN01)) return ACME2_ERR_PARAM;
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->log = log;
    r->log_user = log_user;
    r->conn = -1;
    r->stop_pipe[0] = r->stop_pipe[1] = -1;
    if (pthread_mutex_init(&r->lock, NULL) != 0) return ACME2_ERR_PARAM;
    if (rs_cond_init(&r->seen_cond) != 0) {
        pthread_mutex_destroy(&r->lock);
        return ACME2_ERR_PARAM;
    }
    if (kind == ACME2_RESPONDER_TLSALPN01) rs_tls_setup(r);
    r->ready = 1;
    return 0;
}

int acme2_responder_listen(acme2_responder *r, const char *addr, unsigned port, unsigned *bound_port)
{
    struct addrinfo hints, *res = NULL;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char ps[12];
    int fd, one = 1, rc;

    if (!r || !r->ready || !addr || port > 65535 || r->running) return ACME2_ERR_PARAM;
    if (r->n_fds >= ACME2_RESPONDER_MAX_LISTEN) return ACME2_ERR_NOSPACE;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    snprintf(ps, sizeof ps, "%u", port);
    rc = getaddrinfo(addr, ps, &hints, &res);
    if (rc != 0) {
        rs_log(r, "listen %s: %s", addr, gai_strerror(rc));
        return ACME2_ERR_PARAM;
    }
    fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0) goto fail;
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    /* "::" alone must not take the IPv4 port too: 0.0.0.0 may be added. */
    if (res->ai_family == AF_INET6) (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 16) < 0) goto fail;
    if (bound_port) {
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) goto fail;
        *bound_port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                               : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    }
    freeaddrinfo(res);
    r->fds[r->n_fds++] = fd;
    return 0;
fail:
    rs_log(r, "listen %s port %u: %s", addr, port, strerror(errno));
    if (fd >= 0) close(fd);
    freeaddrinfo(res);
    return ACME2_ERR_TRANSPORT;
}

int acme2_responder_start(acme2_responder *r)
{
    if (!r || !r->ready || r->running || r->n_fds == 0) return ACME2_ERR_STATE;
    if (pipe(r->stop_pipe) < 0) return ACME2_ERR_TRANSPORT;
    if (pthread_create(&r->thread, NULL, rs_thread, r) != 0) {
        close(r->stop_pipe[0]);
        close(r->stop_pipe[1]);
        r->stop_pipe[0] = r->stop_pipe[1] = -1;
        return ACME2_ERR_TRANSPORT;
    }
    r->running = 1;
    return 0;
}

void acme2_responder_stop(acme2_responder *r)
{
    int i;
    if (!r || !r->ready) return;
    if (r->running) {
        ssize_t w;
        do w = write(r->stop_pipe[1], "x", 1);
        while (w < 0 && errno == EINTR);
        pthread_join(r->thread, NULL);
        r->running = 0;
    }
    for (i = 0; i < 2; i++)
        if (r->stop_pipe[i] >= 0) close(r->stop_pipe[i]);
    r->stop_pipe[0] = r->stop_pipe[1] = -1;
    for (i = 0; i < r->n_fds; i++) close(r->fds[i]);
    r->n_fds = 0;
    for (i = 0; i < ACME2_RESPONDER_MAX_ENTRIES; i++) rs_wipe_entry(&r->entries[i]);
    rs_wipe_entry(&r->current);
    acme2_wipe(&r->skey, sizeof r->skey);
    pthread_cond_destroy(&r->seen_cond);
    pthread_mutex_destroy(&r->lock);
    r->ready = 0;
}
