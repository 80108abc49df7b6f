/* transport: the BearSSL, mbedTLS and libcurl transports (examples/)
   against a real Pebble, and against a scripted TLS server in this process
   that sends chunked, split, truncated and malformed responses; the
   challenge responders checked from outside with curl and openssl s_client.
   The two transports over http1.c run one table of cases (tls_cases).

   Pebble: uses the instance named by PEBBLE_URL and PEBBLE_CA when both are
   set (e.g. after `eval "$(tests/pebble.sh env)"`), else starts its own
   with tests/pebble.sh in build/pebble-tt<pid> and stops it at the end.
   TT_VERBOSE=1 prints the transports' and responders' logs. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"
#include "examples/transport_bearssl.h"
#include "examples/transport_mbedtls.h"
#include "examples/transport_curl.h"
#include "examples/responder.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <pthread.h>
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

/* ---- shared state ------------------------------------------------------ */

static acme2_bearssl_transport tb;   /* ~250 KB: static, never on the stack */
static acme2_mbedtls_transport tm;
static acme2_curl_transport tc;
static acme2_http_response resp;
static char body_buf[1 << 16];

static char pebble_url[512], pebble_ca[512], pebble_dir[512], pebble_root[512];
static unsigned http01_port;
static char new_nonce_url[512], new_account_url[512];
static int pebble_ok;

static int verbose;

static void test_log(void *user, const char *line)
{
    if (verbose) fprintf(stderr, "  [%s] %s\n", (const char *)user, line);
}

static void fresh_response(void)
{
    memset(&resp, 0, sizeof resp);
    resp.body = body_buf;
    resp.body_cap = sizeof body_buf - 1;
    resp.retry_after = -1;
}

static int do_req(acme2_transport_fn fn, void *user, const char *method, const char *url,
                  const char *content_type, const char *body)
{
    acme2_http_request req;
    int rc;
    req.method = method;
    req.url = url;
    req.content_type = content_type;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    fresh_response();
    rc = fn(user, &req, &resp);
    body_buf[resp.body_len] = 0;
    return rc;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int bearssl_init_ca(const char *ca)
{
    acme2_bearssl_free(&tb);
    return acme2_bearssl_init(&tb, ca, 5000, 5000, test_log, (void *)"bearssl");
}

static int mbedtls_init_ca(const char *ca)
{
    acme2_mbedtls_free(&tm);
    return acme2_mbedtls_init(&tm, ca, 5000, 5000, test_log, (void *)"mbedtls");
}

static void bearssl_disconnect(void) { acme2_bearssl_disconnect(&tb); }
static void mbedtls_disconnect(void) { acme2_mbedtls_disconnect(&tm); }

/* A transport over http1.c, as the shared cases drive it. */
typedef struct tt_tls {
    const char *name;
    acme2_transport_fn exchange;
    void *user;
    acme2_http1 *http;              /* its connection and counters */
    size_t *n_anchors;
    int (*init)(const char *ca);    /* (re)initialises it: 5 s time-outs, the test log */
    void (*disconnect)(void);
} tt_tls;

static const tt_tls tls_bearssl = { "bearssl", acme2_bearssl_exchange, &tb, &tb.http, &tb.n_anchors,
                                    bearssl_init_ca, bearssl_disconnect };
static const tt_tls tls_mbedtls = { "mbedtls", acme2_mbedtls_exchange, &tm, &tm.http, &tm.n_anchors,
                                    mbedtls_init_ca, mbedtls_disconnect };
static const tt_tls *T = &tls_bearssl; /* the one under test */

/* NAME=value lines as tests/pebble.sh writes them. */
static int env_file_get(const char *path, const char *key, char *out, size_t cap)
{
    char line[1024];
    size_t kl = strlen(key);
    FILE *f = fopen(path, "r");
    int found = 0;
    if (!f) return 0;
    while (!found && fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (n > kl && memcmp(line, key, kl) == 0 && line[kl] == '=' && n - kl - 1 < cap) {
            memcpy(out, line + kl + 1, n - kl);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

/* ---- Pebble ------------------------------------------------------------ */

static int pebble_setup(void)
{
    const char *u = getenv("PEBBLE_URL"), *ca = getenv("PEBBLE_CA");
    const char *root = getenv("PEBBLE_ROOT"), *h01 = getenv("HTTP01_PORT");
    char env[600], port[16];
    if (u && ca && strlen(u) < sizeof pebble_url && strlen(ca) < sizeof pebble_ca) {
        strcpy(pebble_url, u);
        strcpy(pebble_ca, ca);
        if (root && h01 && strlen(root) < sizeof pebble_root) { /* for the issuance */
            strcpy(pebble_root, root);
            http01_port = (unsigned)atoi(h01);
        }
        return 0;
    }
    snprintf(pebble_dir, sizeof pebble_dir, "build/pebble-tt%ld", (long)getpid());
    if (t_sh("PEBBLE_OWNER_PID=%ld tests/pebble.sh start %s", (long)getpid(), pebble_dir) != 0) return -1;
    snprintf(env, sizeof env, "%s/env", pebble_dir);
    if (!env_file_get(env, "PEBBLE_URL", pebble_url, sizeof pebble_url) ||
        !env_file_get(env, "PEBBLE_CA", pebble_ca, sizeof pebble_ca))
        return -1;
    if (env_file_get(env, "PEBBLE_ROOT", pebble_root, sizeof pebble_root) &&
        env_file_get(env, "HTTP01_PORT", port, sizeof port))
        http01_port = (unsigned)atoi(port);
    return 0;
}

static void pebble_teardown(void)
{
    if (pebble_dir[0]) {
        t_sh("tests/pebble.sh stop %s", pebble_dir);
        t_sh("rm -rf %s", pebble_dir);
    }
}

/* The directory's URL for key, by the library's JSON reader. */
static int directory_url(const char *json, size_t len, const char *key, char *out, size_t cap)
{
    static acme2_json_tok toks[256];
    int n = acme2_json_parse(json, len, toks, 256), i;
    if (n <= 0) return -1;
    i = acme2_json_get(json, toks, n, 0, key);
    if (i < 0) return -1;
    return acme2_json_str(json, &toks[i], out, cap) < 0 ? -1 : 0;
}

/* GET the directory: 200, application/json, a JSON object naming newNonce. */
static void check_directory(acme2_transport_fn fn, void *user)
{
    static acme2_json_tok toks[256];
    int n;
    REQUIRE(pebble_ok);
    CHECK_INT(do_req(fn, user, "GET", pebble_url, NULL, NULL), 0);
    CHECK_INT(resp.status, 200);
    CHECK_STR(resp.content_type, "application/json");
    n = acme2_json_parse(resp.body, resp.body_len, toks, 256);
    CHECK_MSG(n > 1 && toks[0].type == ACME2_JSON_OBJECT, "directory is not a JSON object: %d", n);
    CHECK(n > 0 && acme2_json_get(resp.body, toks, n, 0, "newNonce") > 0);
}

static void gets_pebble_directory_as_json(void)
{
    REQUIRE(T->init(pebble_ca) == 0);
    check_directory(T->exchange, T->user);
    CHECK_INT(T->http->connections, 1);
}

static void curl_gets_pebble_directory_as_json(void)
{
    check_directory(acme2_curl_exchange, &tc);
}

static void check_head_nonce(acme2_transport_fn fn, void *user)
{
    REQUIRE(pebble_ok && new_nonce_url[0]);
    CHECK_INT(do_req(fn, user, "HEAD", new_nonce_url, NULL, NULL), 0);
    CHECK_INT(resp.status, 200);
    CHECK_MSG(strlen(resp.nonce) >= 16, "Replay-Nonce too short: \"%s\"", resp.nonce);
    CHECK_INT(resp.body_len, 0);
}

static void head_new_nonce_gives_replay_nonce(void) { check_head_nonce(T->exchange, T->user); }
static void curl_head_new_nonce_gives_replay_nonce(void) { check_head_nonce(acme2_curl_exchange, &tc); }

/* A POST with a body that is no JWS: 400, a problem document, a fresh nonce. */
static void check_post_problem(acme2_transport_fn fn, void *user)
{
    REQUIRE(pebble_ok && new_account_url[0]);
    CHECK_INT(do_req(fn, user, "POST", new_account_url, "application/jose+json", "{\"not\":\"a jws\"}"), 0);
    CHECK_INT(resp.status, 400);
    CHECK_STR(resp.content_type, "application/problem+json");
    CHECK(strstr(resp.body, "urn:ietf:params:acme:error:malformed") != NULL);
    CHECK(resp.nonce[0] != 0);
}

static void post_gets_problem_document(void) { check_post_problem(T->exchange, T->user); }
static void curl_post_gets_problem_document(void) { check_post_problem(acme2_curl_exchange, &tc); }

static void keeps_one_connection_alive_across_requests(void)
{
    int i;
    REQUIRE(pebble_ok && new_nonce_url[0]);
    REQUIRE(T->init(pebble_ca) == 0);
    for (i = 0; i < 3; i++) {
        CHECK_INT(do_req(T->exchange, T->user, "GET", pebble_url, NULL, NULL), 0);
        CHECK_INT(do_req(T->exchange, T->user, "HEAD", new_nonce_url, NULL, NULL), 0);
        CHECK_INT(do_req(T->exchange, T->user, "POST", new_account_url, "application/jose+json", "{}"), 0);
        CHECK_INT(resp.status, 400);
    }
    CHECK_INT(T->http->requests, 9);
    CHECK_INT(T->http->connections, 1);
}

static void curl_keeps_one_connection_alive_across_requests(void)
{
    int i;
    acme2_curl_transport c;
    REQUIRE(pebble_ok && new_nonce_url[0]);
    REQUIRE(acme2_curl_init(&c, pebble_ca, 5000, 5000, test_log, (void *)"curl") == 0);
    for (i = 0; i < 3; i++) {
        CHECK_INT(do_req(acme2_curl_exchange, &c, "GET", pebble_url, NULL, NULL), 0);
        CHECK_INT(do_req(acme2_curl_exchange, &c, "HEAD", new_nonce_url, NULL, NULL), 0);
        CHECK_INT(do_req(acme2_curl_exchange, &c, "POST", new_account_url, "application/jose+json", "{}"), 0);
    }
    CHECK_INT(c.requests, 9);
    CHECK_INT(c.connections, 1);
    acme2_curl_free(&c);
}

/* The same server by address: Pebble's certificate has iPAddress
   127.0.0.1, which BearSSL cannot match; the transport does. */
static void ip_literal_url_is_checked_against_ip_san(void)
{
    char url[600];
    const char *p = strstr(pebble_url, "localhost:");
    REQUIRE(pebble_ok && p);
    snprintf(url, sizeof url, "https://127.0.0.1:%s", p + strlen("localhost:"));
    REQUIRE(T->init(pebble_ca) == 0);
    CHECK_INT(do_req(T->exchange, T->user, "GET", url, NULL, NULL), 0);
    CHECK_INT(resp.status, 200);
    CHECK_INT(T->http->connections, 1);
}

/* The system bundle does not hold the test CA: the handshake must fail. */
static void refuses_server_not_in_trust_anchors(void)
{
    REQUIRE(pebble_ok);
    REQUIRE(T->init(NULL) == 0);
    CHECK_MSG(*T->n_anchors > 50, "system bundle gave %lu anchors", (unsigned long)*T->n_anchors);
    CHECK_INT(do_req(T->exchange, T->user, "GET", pebble_url, NULL, NULL), ACME2_ERR_TRANSPORT);
    CHECK_INT(resp.status, 0);
    CHECK_INT(T->http->connections, 0);
}

static void curl_refuses_server_not_in_trust_anchors(void)
{
    acme2_curl_transport c;
    REQUIRE(pebble_ok);
    REQUIRE(acme2_curl_init(&c, "/etc/ssl/certs/ca-certificates.crt", 5000, 5000, test_log, (void *)"curl") == 0);
    CHECK_INT(do_req(acme2_curl_exchange, &c, "GET", pebble_url, NULL, NULL), ACME2_ERR_TRANSPORT);
    CHECK_INT(resp.status, 0);
    acme2_curl_free(&c);
}

static void refuses_bad_urls_without_connecting(void)
{
    static const char *const bad[] = {
        "https://user@localhost/x", "https://localhost:0/", "https://localhost:65536/",
        "https://localhost:/", "https://localhost:12a/", "https://[::1/", "https://[nothex]/",
        "https:///path", "https://local_host/", "https://localhost/a b", "https://localhost/\x7f",
    };
    size_t i;
    REQUIRE(T->init(pebble_ca) == 0);
    CHECK_INT(do_req(T->exchange, T->user, "GET", "http://localhost/", NULL, NULL), ACME2_ERR_INSECURE_URL);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = do_req(T->exchange, T->user, "GET", bad[i], NULL, NULL);
        CHECK_MSG(rc == ACME2_ERR_PARAM, "URL \"%s\": got %d, expected ACME2_ERR_PARAM", bad[i], rc);
    }
    CHECK_INT(do_req(T->exchange, T->user, "get", "https://localhost/", NULL, NULL), ACME2_ERR_PARAM);
    CHECK_INT(T->http->connections, 0);
}

static void init_reports_unreadable_or_empty_ca_file(void)
{
    CHECK_INT(T->init("/nonexistent/ca.pem"), ACME2_ERR_NOT_FOUND);
    const char *bad = "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n";
    REQUIRE(t_write_file(t_path("empty.pem"), "no certificate here\n", 20) == 0);
    CHECK_INT(T->init(t_path("empty.pem")), ACME2_ERR_PEM);
    REQUIRE(t_write_file(t_path("bad.pem"), bad, strlen(bad)) == 0);
    CHECK_INT(T->init(t_path("bad.pem")), ACME2_ERR_PEM);
}

/* A CA file over ACME2_MBEDTLS_MAX_CA_FILE is refused before mbedTLS
   reads it, and the failed init leaves nothing to free. */
static void mbedtls_init_refuses_a_ca_file_over_the_bound(void)
{
    static char big[ACME2_MBEDTLS_MAX_CA_FILE + 1];
    memset(big, '\n', sizeof big);
    REQUIRE(t_write_file(t_path("big.pem"), big, sizeof big) == 0);
    CHECK_INT(mbedtls_init_ca(t_path("big.pem")), ACME2_ERR_NOSPACE);
    CHECK_INT(tm.ready, 0); /* nothing left to free */
    CHECK_INT(mbedtls_init_ca(pebble_ca), 0);
    CHECK_INT(tm.n_anchors, 1);
}

/* ---- the scripted TLS server ------------------------------------------ */

enum { FK_KEEP, FK_CLOSE_NOTIFY, FK_CLOSE_TCP, FK_DROP_REQUEST, FK_STALL };

typedef struct fk_step {
    const char *text;
    size_t len;      /* 0: strlen(text) */
    size_t piece;    /* bytes per TLS record; 0: one write */
    int after;       /* FK_* */
} fk_step;

static struct {
    int lfd, lfd6, conn, idle;      /* lfd6: ::1, same port, -1 without IPv6 */
    unsigned port;
    int stop_pipe[2];
    pthread_t thread;
    pthread_mutex_t lock;
    const fk_step *steps;
    int n_steps, next, conns, reqs;
    br_ssl_server_context sc;
    br_skey_decoder_context skey;
    br_x509_certificate chain;
    unsigned char cert[4096];
    unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
    char ca_file[512];
    char last_head[8192];           /* the last request's head and body, as received */
    char last_body[256];
} fk;

static void fk_script(const fk_step *steps, int n)
{
    pthread_mutex_lock(&fk.lock);
    fk.steps = steps;
    fk.n_steps = n;
    fk.next = fk.conns = fk.reqs = 0;
    pthread_mutex_unlock(&fk.lock);
}

/* Waits for the connection; while idle between requests a new client
   waiting in accept (or stop) ends the kept-alive connection. */
static int fk_wait(short events)
{
    for (;;) {
        struct pollfd p[4];
        int k;
        p[0].fd = fk.conn; p[0].events = events; p[0].revents = 0;
        p[1].fd = fk.stop_pipe[0]; p[1].events = POLLIN; p[1].revents = 0;
        p[2].fd = fk.lfd; p[2].events = POLLIN; p[2].revents = 0;
        p[3].fd = fk.lfd6; p[3].events = POLLIN; p[3].revents = 0; /* -1 is ignored */
        k = poll(p, fk.idle ? 4 : 2, 5000);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0 || p[1].revents || (fk.idle && (p[2].revents || p[3].revents))) return -1;
        if (p[0].revents) return 0;
    }
}

static int fk_read(void *ctx, unsigned char *buf, size_t len)
{
    ssize_t n;
    (void)ctx;
    if (fk_wait(POLLIN) < 0) return -1;
    n = recv(fk.conn, buf, len, 0);
    return n > 0 ? (int)n : -1;
}

static int fk_write(void *ctx, const unsigned char *buf, size_t len)
{
    ssize_t n;
    (void)ctx;
    if (fk_wait(POLLOUT) < 0) return -1;
    n = send(fk.conn, buf, len, MSG_NOSIGNAL);
    return n > 0 ? (int)n : -1;
}

/* close_notify without waiting for the client's. */
static void fk_close_notify(br_sslio_context *io)
{
    br_ssl_engine_context *eng = &fk.sc.eng;
    int guard;
    (void)br_sslio_flush(io);
    br_ssl_engine_close(eng);
    for (guard = 0; guard < 16 && (br_ssl_engine_current_state(eng) & BR_SSL_SENDREC); guard++) {
        size_t len;
        unsigned char *buf = br_ssl_engine_sendrec_buf(eng, &len);
        int n = fk_write(NULL, buf, len);
        if (n < 0) break;
        br_ssl_engine_sendrec_ack(eng, (size_t)n);
    }
}

static void fk_serve(void)
{
    br_sslio_context io;
    br_hmac_drbg_context drbg;
    unsigned char seed[32];
    if (acme2_rng_system(&drbg) == 0) { /* BearSSL alone needs RDRAND */
        br_hmac_drbg_generate(&drbg, seed, sizeof seed);
        br_ssl_engine_inject_entropy(&fk.sc.eng, seed, sizeof seed);
    }
    br_ssl_server_reset(&fk.sc);
    br_sslio_init(&io, &fk.sc.eng, fk_read, NULL, fk_write, NULL);
    for (;;) {
        char head[8192];
        size_t n = 0, off;
        long body = 0;
        const fk_step *st = NULL;
        char *cl;

        fk.idle = 1;
        while (n < sizeof head - 1) {
            if (br_sslio_read(&io, head + n, 1) < 0) return;
            fk.idle = 0;
            n++;
            head[n] = 0;
            if (n >= 4 && memcmp(head + n - 4, "\r\n\r\n", 4) == 0) break;
        }
        fk.idle = 0;
        pthread_mutex_lock(&fk.lock);
        memcpy(fk.last_head, head, n + 1);
        fk.last_body[0] = 0;
        pthread_mutex_unlock(&fk.lock);
        for (cl = head; *cl; cl++) *cl = (char)tolower((unsigned char)*cl);
        if ((cl = strstr(head, "\ncontent-length:")) != NULL) body = strtol(cl + 16, NULL, 10);
        for (off = 0; (long)off < body; off++) {
            char c;
            if (br_sslio_read(&io, &c, 1) < 0) return;
            if (off + 1 < sizeof fk.last_body) {
                fk.last_body[off] = c;
                fk.last_body[off + 1] = 0;
            }
        }
        pthread_mutex_lock(&fk.lock);
        fk.reqs++;
        if (fk.next < fk.n_steps) st = &fk.steps[fk.next++];
        pthread_mutex_unlock(&fk.lock);
        if (!st || st->after == FK_DROP_REQUEST) return;
        if (st->after == FK_STALL) { /* answer nothing until the client gives up */
            (void)fk_wait(POLLIN);
            return;
        }
        n = st->len ? st->len : strlen(st->text);
        for (off = 0; off < n;) {
            size_t k = st->piece && st->piece < n - off ? st->piece : n - off;
            if (br_sslio_write_all(&io, st->text + off, k) < 0 || br_sslio_flush(&io) < 0) return;
            off += k;
        }
        if (st->after == FK_CLOSE_NOTIFY) {
            fk_close_notify(&io);
            return;
        }
        if (st->after == FK_CLOSE_TCP) return;
    }
}

static void *fk_thread(void *arg)
{
    (void)arg;
    for (;;) {
        struct pollfd p[3];
        p[0].fd = fk.lfd; p[0].events = POLLIN; p[0].revents = 0;
        p[1].fd = fk.stop_pipe[0]; p[1].events = POLLIN; p[1].revents = 0;
        p[2].fd = fk.lfd6; p[2].events = POLLIN; p[2].revents = 0;
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (p[1].revents) break;
        fk.conn = accept(p[0].revents ? fk.lfd : fk.lfd6, NULL, NULL);
        if (fk.conn < 0) continue;
        pthread_mutex_lock(&fk.lock);
        fk.conns++;
        pthread_mutex_unlock(&fk.lock);
        fk_serve();
        close(fk.conn);
        fk.conn = -1;
    }
    return NULL;
}

/* Loads a PEM private key straight into a BearSSL key decoder. */
static void fk_key_push(void *ctx, const void *buf, size_t len)
{
    br_skey_decoder_push((br_skey_decoder_context *)ctx, buf, len);
}

static int fk_load_key(const char *path)
{
    static char pem[8192];
    br_pem_decoder_context pc;
    long n = t_read_file(path, pem, sizeof pem - 1);
    size_t off = 0;
    int in_key = 0, done = 0;
    if (n <= 0) return -1;
    pem[n++] = '\n';
    br_pem_decoder_init(&pc);
    br_skey_decoder_init(&fk.skey);
    while (off < (size_t)n && !done) {
        off += br_pem_decoder_push(&pc, pem + off, (size_t)n - off);
        switch (br_pem_decoder_event(&pc)) {
        case BR_PEM_BEGIN_OBJ:
            in_key = strcmp(br_pem_decoder_name(&pc), "PRIVATE KEY") == 0;
            br_pem_decoder_setdest(&pc, in_key ? fk_key_push : NULL, in_key ? &fk.skey : NULL);
            break;
        case BR_PEM_END_OBJ:
            done = in_key;
            break;
        case BR_PEM_ERROR:
            return -1;
        default:
            break;
        }
    }
    return done && br_skey_decoder_last_error(&fk.skey) == 0 &&
           br_skey_decoder_key_type(&fk.skey) == BR_KEYTYPE_EC ? 0 : -1;
}

static int fk_start(void)
{
    static char pem[8192];
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    size_t pos = 0, der_len = 0;
    long n;
    const char *d = t_tmpdir();
    int one = 1;

    /* A CA and a certificate for localhost and ::1 (not 127.0.0.1) from openssl. */
    if (t_sh("cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout fkca.key"
             " -out fkca.pem -days 2 -subj /CN=fake-ca -addext basicConstraints=critical,CA:TRUE"
             " -addext keyUsage=critical,keyCertSign >/dev/null 2>&1 &&"
             " openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout fk.key -out fk.csr"
             " -subj /CN=localhost >/dev/null 2>&1 &&"
             " printf 'subjectAltName=DNS:localhost,IP:::1\\n' > fk.ext &&"
             " openssl x509 -req -in fk.csr -CA fkca.pem -CAkey fkca.key -CAcreateserial -days 2"
             " -extfile fk.ext -out fk.pem >/dev/null 2>&1", d) != 0)
        return -1;
    snprintf(fk.ca_file, sizeof fk.ca_file, "%s/fkca.pem", d);
    n = t_read_file(t_path("fk.pem"), pem, sizeof pem);
    if (n <= 0 || acme2_pem_cert_next(pem, (size_t)n, &pos, fk.cert, sizeof fk.cert, &der_len) != 1) return -1;
    if (fk_load_key(t_path("fk.key")) < 0) return -1;
    fk.chain.data = fk.cert;
    fk.chain.data_len = der_len;
    br_ssl_server_init_full_ec(&fk.sc, &fk.chain, 1, BR_KEYTYPE_EC, br_skey_decoder_get_ec(&fk.skey));
    br_ssl_engine_set_buffer(&fk.sc.eng, fk.iobuf, sizeof fk.iobuf, 1);

    fk.lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (fk.lfd < 0) return -1;
    setsockopt(fk.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fk.lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fk.lfd, 8) < 0 ||
        getsockname(fk.lfd, (struct sockaddr *)&sa, &sl) < 0)
        return -1;
    fk.port = ntohs(sa.sin_port);
    /* The same port on ::1, when this machine has IPv6 loopback. */
    fk.lfd6 = socket(AF_INET6, SOCK_STREAM, 0);
    if (fk.lfd6 >= 0) {
        struct sockaddr_in6 s6;
        memset(&s6, 0, sizeof s6);
        s6.sin6_family = AF_INET6;
        s6.sin6_addr = in6addr_loopback;
        s6.sin6_port = htons((unsigned short)fk.port);
        setsockopt(fk.lfd6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (bind(fk.lfd6, (struct sockaddr *)&s6, sizeof s6) < 0 || listen(fk.lfd6, 8) < 0) {
            close(fk.lfd6);
            fk.lfd6 = -1;
        }
    }
    fk.conn = -1;
    if (pipe(fk.stop_pipe) < 0) return -1;
    pthread_mutex_init(&fk.lock, NULL);
    return pthread_create(&fk.thread, NULL, fk_thread, NULL) == 0 ? 0 : -1;
}

static void fk_stop(void)
{
    if (write(fk.stop_pipe[1], "x", 1) == 1) pthread_join(fk.thread, NULL);
    close(fk.lfd);
    if (fk.lfd6 >= 0) close(fk.lfd6);
}

static int fk_ok;
static char fk_url[128];

/* One scripted exchange on a fresh connection of the transport under test. */
static int fk_req(const fk_step *steps, int n, const char *method)
{
    T->disconnect();
    fk_script(steps, n);
    return do_req(T->exchange, T->user, method, fk_url, NULL, NULL);
}

static int fk_setup(void)
{
    if (!fk_ok) return -1;
    snprintf(fk_url, sizeof fk_url, "https://localhost:%u/x", fk.port);
    return T->init(fk.ca_file);
}

static void chunked_body_is_reassembled(void)
{
    static const fk_step s[] = { {
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\n{\"a\":\r\n00A;ext=1\r\n\"chunked!\"\r\n1 ; x\r\n}\r\n0\r\nTrailer: ignored\r\n\r\n", 0, 0, FK_KEEP } };
    REQUIRE(fk_setup() == 0);
    CHECK_INT(fk_req(s, 1, "GET"), 0);
    CHECK_INT(resp.status, 200);
    CHECK_STR(body_buf, "{\"a\":\"chunked!\"}");
    CHECK_STR(resp.content_type, "application/json");
    CHECK(T->http->reusable);
}

static void response_split_into_one_byte_records_is_reassembled(void)
{
    static const fk_step s[] = {
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nReplay-Nonce: abc_DEF-1\r\n\r\n"
          "3\r\nfoo\r\n3\r\nbar\r\n0\r\n\r\n", 0, 1, FK_KEEP },
        { "HTTP/1.1 201 Created\r\nContent-Length: 6\r\nLocation: https://x/1\r\n\r\nfoobar", 0, 1, FK_KEEP } };
    REQUIRE(fk_setup() == 0);
    CHECK_INT(fk_req(s, 2, "GET"), 0);
    CHECK_STR(body_buf, "foobar");
    CHECK_STR(resp.nonce, "abc_DEF-1");
    CHECK_INT(do_req(T->exchange, T->user, "GET", fk_url, NULL, NULL), 0);
    CHECK_INT(resp.status, 201);
    CHECK_STR(body_buf, "foobar");
    CHECK_STR(resp.location, "https://x/1");
    CHECK_INT(fk.conns, 1);
}

static void body_to_close_needs_close_notify(void)
{
    static const fk_step ok[] = { { "HTTP/1.0 200 OK\r\n\r\nuntil the end", 0, 0, FK_CLOSE_NOTIFY } };
    static const fk_step cut[] = { { "HTTP/1.0 200 OK\r\n\r\nuntil the", 0, 0, FK_CLOSE_TCP } };
    REQUIRE(fk_setup() == 0);
    CHECK_INT(fk_req(ok, 1, "GET"), 0);
    CHECK_STR(body_buf, "until the end");
    CHECK(!T->http->reusable && T->http->fd < 0);
    CHECK_INT(fk_req(cut, 1, "GET"), ACME2_ERR_TRANSPORT);
}

static void interim_100_response_is_skipped(void)
{
    static const fk_step s[] = { { "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\nX: y\r\n\r\n"
                                   "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, 0, FK_KEEP } };
    REQUIRE(fk_setup() == 0);
    CHECK_INT(fk_req(s, 1, "GET"), 0);
    CHECK_INT(resp.status, 200);
    CHECK_STR(body_buf, "ok");
}

/* HEAD, 204 and 304 carry no body whatever Content-Length says, and the
   connection stays usable after them. */
static void bodiless_responses_keep_the_connection(void)
{
    static const fk_step s[] = {
        { "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nReplay-Nonce: n1\r\n\r\n", 0, 0, FK_KEEP },
        { "HTTP/1.1 204 No Content\r\n\r\n", 0, 0, FK_KEEP },
        { "HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n", 0, 0, FK_KEEP },
        { "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlast", 0, 0, FK_KEEP } };
    REQUIRE(fk_setup() == 0);
    CHECK_INT(fk_req(s, 4, "HEAD"), 0);
    CHECK_STR(resp.nonce, "n1");
    CHECK_INT(resp.body_len, 0);
    CHECK_INT(do_req(T->exchange, T->user, "POST", fk_url, "application/jose+json", "{}"), 0);
    CHECK_INT(resp.status, 204);
    CHECK_INT(do_req(T->exchange, T->user, "GET", fk_url, NULL, NULL), 0);
    CHECK_INT(resp.status, 304);
    CHECK_INT(resp.body_len, 0);
    CHECK_INT(do_req(T->exchange, T->user, "GET", fk_url, NULL, NULL), 0);
    CHECK_STR(body_buf, "last");
    CHECK_INT(fk.conns, 1);
    CHECK_INT(fk.reqs, 4);
}

static void connection_close_header_is_honoured(void)
{
    static const fk_step s[] = {
        { "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 1\r\n\r\na", 0, 0, FK_KEEP },
        { "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb", 0, 0, FK_KEEP } };
    REQUIRE(fk_setup() == 0);
    CHECK_INT(fk_req(s, 2, "GET"), 0);
    CHECK(T->http->fd < 0);
    CHECK_INT(do_req(T->exchange, T->user, "GET", fk_url, NULL, NULL), 0);
    CHECK_STR(body_buf, "b");
    CHECK_INT(fk.conns, 2);
}

/* The server closes the kept-alive connection while it is idle: the next
   request notices before sending and opens a new one. */
static void reconnects_after_server_closed_idle_connection(void)
{
    static const fk_step s[] = {
        { "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na", 0, 0, FK_CLOSE_NOTIFY },
        { "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb", 0, 0, FK_KEEP } };
    unsigned long before;
    REQUIRE(fk_setup() == 0);
    before = T->http->connections;
    CHECK_INT(fk_req(s, 2, "GET"), 0);
    CHECK(T->http->reusable); /* nothing in the response said close */
    {
        struct timespec ts;
        ts.tv_sec = 0;
        ts.tv_nsec = 100 * 1000 * 1000; /* let the close_notify arrive */
        nanosleep(&ts, NULL);
    }
    CHECK_INT(do_req(T->exchange, T->user, "GET", fk_url, NULL, NULL), 0);
    CHECK_STR(body_buf, "b");
    CHECK_INT(T->http->connections - before, 2);
    CHECK_INT(fk.conns, 2);
}

/* The server drops the connection just as our request arrives (idle
   time-out race): the request goes once more on a new connection. */
static void retries_once_when_reused_connection_dies_on_request(void)
{
    static const fk_step s[] = {
        { "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na", 0, 0, FK_KEEP },
        { "", 0, 0, FK_DROP_REQUEST },
        { "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb", 0, 0, FK_KEEP } };
    REQUIRE(fk_setup() == 0);
    CHECK_INT(fk_req(s, 3, "GET"), 0);
    CHECK_INT(do_req(T->exchange, T->user, "POST", fk_url, "application/jose+json", "{\"x\":1}"), 0);
    CHECK_STR(body_buf, "b");
    CHECK_INT(fk.conns, 2);
    CHECK_INT(fk.reqs, 3);
}

/* A fresh connection that dies is an error, not a retry. */
static void no_retry_on_a_fresh_connection(void)
{
    static const fk_step s[] = { { "", 0, 0, FK_DROP_REQUEST },
                                 { "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb", 0, 0, FK_KEEP } };
    REQUIRE(fk_setup() == 0);
    CHECK_INT(fk_req(s, 2, "GET"), ACME2_ERR_TRANSPORT);
    CHECK_INT(fk.reqs, 1);
    CHECK_INT(fk.conns, 1);
}

/* A server that stops answering: the read time-out ends the exchange, and
   a request that timed out is not sent again. */
static void silent_server_times_out_without_retry(void)
{
    static const fk_step s[] = {
        { "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na", 0, 0, FK_KEEP },
        { "", 0, 0, FK_STALL } };
    struct timespec t0, t1;
    long ms;
    REQUIRE(fk_setup() == 0);
    CHECK_INT(fk_req(s, 2, "GET"), 0);
    T->http->read_timeout_ms = 300;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_INT(do_req(T->exchange, T->user, "GET", fk_url, NULL, NULL), ACME2_ERR_TRANSPORT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    CHECK_MSG(ms >= 250 && ms < 3000, "timed out after %ld ms, expected about 300", ms);
    CHECK_INT(fk.reqs, 2);
    CHECK_INT(fk.conns, 1);
    CHECK(T->http->fd < 0);
}

static char long_line[ACME2_HTTP1_MAX_LINE + 200];
static char many_headers[(ACME2_HTTP1_MAX_HEADERS + 2) * 8 + 64];

static void malformed_responses_are_transport_errors(void)
{
    static fk_step s[] = {
        { "HTTP/1.1 2000 OK\r\n\r\n", 0, 0, FK_CLOSE_TCP },
        { "HTTP/2 200\r\n\r\n", 0, 0, FK_CLOSE_TCP },
        { "FOO 200 OK\r\n\r\n", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 099 Low\r\n\r\n", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\na", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\nx\r\n0\r\n\r\n", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 200 OK\r\nX-Fold: a\r\n b\r\nContent-Length: 0\r\n\r\n", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 200 OK\r\nNoColonHere\r\nContent-Length: 0\r\n\r\n", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 200 OK\r\nX-Ctl: a\001b\r\nContent-Length: 0\r\n\r\n", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 101 Switching Protocols\r\n\r\n", 0, 0, FK_CLOSE_TCP },
        { "HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\n"
          "HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\n"
          "HTTP/1.1 100 A\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0, FK_CLOSE_TCP },
        { "", 0, 0, FK_DROP_REQUEST },
        { long_line, 0, 0, FK_CLOSE_TCP },
        { many_headers, 0, 0, FK_CLOSE_TCP },
    };
    size_t i, n;
    REQUIRE(fk_setup() == 0);
    n = (size_t)snprintf(long_line, sizeof long_line, "HTTP/1.1 200 OK\r\nX-Long: ");
    memset(long_line + n, 'a', ACME2_HTTP1_MAX_LINE);
    memcpy(long_line + n + ACME2_HTTP1_MAX_LINE, "\r\n\r\n", 5);
    n = (size_t)snprintf(many_headers, sizeof many_headers, "HTTP/1.1 200 OK\r\n");
    for (i = 0; i <= ACME2_HTTP1_MAX_HEADERS; i++) n += (size_t)sprintf(many_headers + n, "X: %d\r\n", (int)(i % 10));
    strcpy(many_headers + n, "Content-Length: 0\r\n\r\n");
    for (i = 0; i < sizeof s / sizeof s[0]; i++) {
        int rc = fk_req(&s[i], 1, "GET");
        CHECK_MSG(rc == ACME2_ERR_TRANSPORT, "response %d (\"%.30s\"): got %d, expected ACME2_ERR_TRANSPORT",
                  (int)i, s[i].text, rc);
        CHECK_MSG(T->http->fd < 0, "response %d left the connection open", (int)i);
    }
    /* The transport is still fine afterwards. */
    {
        static const fk_step ok[] = { { "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, 0, FK_KEEP } };
        CHECK_INT(fk_req(ok, 1, "GET"), 0);
        CHECK_STR(body_buf, "ok");
    }
}

/* A push function's error stops the exchange and is what the transport
   returns; the half-read connection is not reused. */
static void push_error_stops_the_exchange(void)
{
    static const fk_step s[] = {
        { "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", 0, 0, FK_KEEP },
        { "HTTP/1.1 200 OK\r\nReplay-Nonce: bad nonce!\r\nContent-Length: 0\r\n\r\n", 0, 0, FK_KEEP },
        { "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, 0, FK_KEEP } };
    acme2_http_request req;
    REQUIRE(fk_setup() == 0);
    T->disconnect();
    fk_script(s, 3);
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.url = fk_url;
    fresh_response();
    resp.body_cap = 4;
    CHECK_INT(T->exchange(T->user, &req, &resp), ACME2_ERR_TOO_LARGE);
    CHECK(T->http->fd < 0);
    CHECK_INT(do_req(T->exchange, T->user, "GET", fk_url, NULL, NULL), ACME2_ERR_PROTOCOL);
    CHECK_INT(do_req(T->exchange, T->user, "GET", fk_url, NULL, NULL), 0);
    CHECK_STR(body_buf, "ok");
    CHECK_INT(fk.conns, 3);
}

/* The fake server's certificate names localhost and ::1, not 127.0.0.1:
   an IP-literal URL needs the matching iPAddress. */
static void ip_literal_needs_matching_ip_san(void)
{
    static const fk_step s[] = { { "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, 0, FK_KEEP } };
    char url[64];
    REQUIRE(fk_setup() == 0);
    snprintf(url, sizeof url, "https://127.0.0.1:%u/x", fk.port);
    T->disconnect();
    fk_script(s, 1);
    CHECK_INT(do_req(T->exchange, T->user, "GET", url, NULL, NULL), ACME2_ERR_TRANSPORT);
    CHECK_INT(fk.reqs, 0);
    if (fk.lfd6 < 0) {
        fprintf(stderr, "note: no IPv6 loopback here; https://[::1]/ not tried\n");
        return;
    }
    snprintf(url, sizeof url, "https://[::1]:%u/x?q=1#frag", fk.port);
    fk_script(s, 1);
    CHECK_INT(do_req(T->exchange, T->user, "GET", url, NULL, NULL), 0);
    CHECK_STR(body_buf, "ok");
    CHECK_INT(fk.reqs, 1);
    snprintf(url, sizeof url, "\r\nHost: [::1]:%u\r\n", fk.port);
    CHECK_MSG(starts_with(fk.last_head, "GET /x?q=1 HTTP/1.1\r\n") && strstr(fk.last_head, url),
              "request was:\n%s", fk.last_head);
}

/* What goes on the wire: request line, Host, User-Agent, Content-Type,
   Content-Length and the body; no fragment. */
static void request_carries_the_expected_header_fields(void)
{
    static const fk_step s[] = {
        { "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0, FK_KEEP },
        { "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0, FK_KEEP } };
    char want[64], url[96];
    REQUIRE(fk_setup() == 0);
    T->disconnect();
    fk_script(s, 2);
    CHECK_INT(do_req(T->exchange, T->user, "POST", fk_url, "application/jose+json", "{\"a\":1}"), 0);
    CHECK_MSG(starts_with(fk.last_head, "POST /x HTTP/1.1\r\n"), "request was:\n%s", fk.last_head);
    snprintf(want, sizeof want, "\r\nHost: localhost:%u\r\n", fk.port);
    CHECK(strstr(fk.last_head, want) != NULL);
    CHECK(strstr(fk.last_head, "\r\nUser-Agent: acme2.h/0.1\r\n") != NULL);
    CHECK(strstr(fk.last_head, "\r\nContent-Type: application/jose+json\r\n") != NULL);
    CHECK(strstr(fk.last_head, "\r\nContent-Length: 7\r\n") != NULL);
    CHECK_STR(fk.last_body, "{\"a\":1}");
    snprintf(url, sizeof url, "https://LOCALHOST:%u?x=y#z", fk.port);
    CHECK_INT(do_req(T->exchange, T->user, "GET", url, NULL, NULL), 0);
    CHECK_MSG(starts_with(fk.last_head, "GET /?x=y HTTP/1.1\r\n"), "request was:\n%s", fk.last_head);
    CHECK(strstr(fk.last_head, "Content-Length") == NULL && strstr(fk.last_head, "Content-Type") == NULL);
}

static void curl_decodes_chunks_and_refuses_malformed(void)
{
    static const fk_step s[] = {
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nReplay-Nonce: cn\r\n\r\n"
          "3\r\nfoo\r\n3\r\nbar\r\n0\r\n\r\n", 0, 1, FK_KEEP } };
    static const fk_step bad[] = {
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nfoo\r\n0\r\n\r\n", 0, 0, FK_CLOSE_TCP } };
    acme2_curl_transport c;
    char url[64];
    REQUIRE(fk_ok);
    snprintf(url, sizeof url, "https://localhost:%u/x", fk.port);
    REQUIRE(acme2_curl_init(&c, fk.ca_file, 5000, 5000, test_log, (void *)"curl") == 0);
    fk_script(s, 1);
    CHECK_INT(do_req(acme2_curl_exchange, &c, "GET", url, NULL, NULL), 0);
    CHECK_INT(resp.status, 200);
    CHECK_STR(resp.nonce, "cn");
    CHECK_STR(body_buf, "foobar");
    acme2_curl_free(&c);
    REQUIRE(acme2_curl_init(&c, fk.ca_file, 5000, 5000, test_log, (void *)"curl") == 0);
    fk_script(bad, 1);
    CHECK_INT(do_req(acme2_curl_exchange, &c, "GET", url, NULL, NULL), ACME2_ERR_TRANSPORT);
    acme2_curl_free(&c);
}

/* ---- responders -------------------------------------------------------- */

static acme2_responder rsp;

static void http01_serves_key_authorization_on_ipv4_and_ipv6(void)
{
    char out[512];
    unsigned p4 = 0, p6 = 0;
    int have6;
    const char *tok = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
    const char *ka = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEY5z1Us8I";
    REQUIRE(acme2_responder_init(&rsp, ACME2_RESPONDER_HTTP01, test_log, (void *)"http-01") == 0);
    REQUIRE(acme2_responder_listen(&rsp, "127.0.0.1", 0, &p4) == 0);
    have6 = acme2_responder_listen(&rsp, "::1", 0, &p6) == 0;
    REQUIRE(acme2_responder_start(&rsp) == 0);
    CHECK_INT(acme2_responder_http01_add(&rsp, tok, ka), 0);
    CHECK(t_sh_out(out, sizeof out, "curl -s -w ' %%{http_code} %%{content_type}' "
                   "http://127.0.0.1:%u/.well-known/acme-challenge/%s", p4, tok) > 0);
    CHECK_MSG(starts_with(out, ka) && strstr(out, " 200 text/plain"), "got \"%s\"", out);
    CHECK(t_sh_out(out, sizeof out, "curl -s -I http://127.0.0.1:%u/.well-known/acme-challenge/%s", p4, tok) > 0);
    CHECK_MSG(strstr(out, "HTTP/1.1 200") && strstr(out, "Content-Length: 87"), "HEAD got \"%s\"", out);
    if (have6) {
        CHECK(t_sh_out(out, sizeof out, "curl -s -g -w ' %%{http_code}' "
                       "'http://[::1]:%u/.well-known/acme-challenge/%s?x=1'", p6, tok) > 0);
        CHECK_MSG(starts_with(out, ka) && strstr(out, " 200"), "got \"%s\"", out);
    } else {
        fprintf(stderr, "note: no IPv6 loopback here; http-01 on ::1 not tried\n");
    }
    CHECK_INT(rsp.served, have6 ? 3 : 2);
    acme2_responder_stop(&rsp);
}

static void http01_answers_404_for_unknown_or_removed_token(void)
{
    char out[256];
    unsigned port = 0;
    REQUIRE(acme2_responder_init(&rsp, ACME2_RESPONDER_HTTP01, test_log, (void *)"http-01") == 0);
    REQUIRE(acme2_responder_listen(&rsp, "127.0.0.1", 0, &port) == 0);
    REQUIRE(acme2_responder_start(&rsp) == 0);
    CHECK_INT(acme2_responder_http01_add(&rsp, "tokA", "tokA.thumb"), 0);
    CHECK_INT(acme2_responder_http01_add(&rsp, "bad/token", "x"), ACME2_ERR_TOKEN);
    t_sh_out(out, sizeof out, "curl -s -o /dev/null -w '%%{http_code}' http://127.0.0.1:%u/.well-known/acme-challenge/toka", port);
    CHECK_STR(out, "404"); /* tokens are case-sensitive */
    t_sh_out(out, sizeof out, "curl -s -o /dev/null -w '%%{http_code}' http://127.0.0.1:%u/other/tokA", port);
    CHECK_STR(out, "404");
    t_sh_out(out, sizeof out, "curl -s http://127.0.0.1:%u/.well-known/acme-challenge/tokA", port);
    CHECK_STR(out, "tokA.thumb");
    CHECK_INT(acme2_responder_remove(&rsp, "tokA"), 0);
    CHECK_INT(acme2_responder_remove(&rsp, "tokA"), ACME2_ERR_NOT_FOUND);
    t_sh_out(out, sizeof out, "curl -s -o /dev/null -w '%%{http_code}' http://127.0.0.1:%u/.well-known/acme-challenge/tokA", port);
    CHECK_STR(out, "404");
    t_sh_out(out, sizeof out, "curl -s -o /dev/null -w '%%{http_code}' -X POST http://127.0.0.1:%u/.well-known/acme-challenge/tokA", port);
    CHECK_STR(out, "405");
    CHECK_INT(rsp.served, 1);
    acme2_responder_stop(&rsp);
    acme2_responder_stop(&rsp); /* twice is harmless */
    CHECK_INT(acme2_responder_http01_add(&rsp, "tokB", "tokB.x"), ACME2_ERR_PARAM);
    CHECK_INT(acme2_responder_start(&rsp), ACME2_ERR_STATE);
}

static acme2_key account_key, cert_key_ec, cert_key_rsa;
static int keys_ok;

static int make_keys(void)
{
    if (acme2_key_generate(&account_key, ACME2_KEY_EC, 256, NULL) < 0) return -1;
    if (acme2_key_generate(&cert_key_ec, ACME2_KEY_EC, 256, NULL) < 0) return -1;
    if (acme2_key_generate(&cert_key_rsa, ACME2_KEY_RSA, 2048, NULL) < 0) return -1;
    return 0;
}

/* Fetches the certificate a tls-alpn-01 handshake presents, as hex DER and
   as openssl's text; returns the hex length (0 when no handshake). */
static size_t alpn_fetch(unsigned port, const char *alpn, const char *sni, char *hex, size_t hex_cap,
                         char *text, size_t text_cap)
{
    const char *der = t_path("alpn.der");
    int rc;
    remove(der);
    rc = t_sh("openssl s_client -connect 127.0.0.1:%u %s%s -servername %s </dev/null 2>/dev/null |"
              " openssl x509 -outform DER -out %s 2>/dev/null", port, alpn ? "-alpn " : "", alpn ? alpn : "", sni, der);
    if (rc != 0) return 0;
    if (t_sh_out(hex, hex_cap, "od -An -v -tx1 %s | tr -d ' \\n'", der) <= 0) return 0;
    if (t_sh_out(text, text_cap, "openssl x509 -inform DER -in %s -noout -text", der) <= 0) return 0;
    return strlen(hex);
}

/* hex of OCTET STRING(SHA-256(key authorization)), by openssl dgst. */
static int expected_acme_id(const char *token, char *out, size_t cap)
{
    char ka[256], dg[256], *eq;
    if (acme2_key_authorization(&account_key, token, ka, sizeof ka) < 0) return -1;
    if (t_sh_out(dg, sizeof dg, "printf '%%s' '%s' | openssl dgst -sha256 -hex", ka) <= 0) return -1;
    eq = strrchr(dg, ' ');
    if (!eq || strlen(eq + 1) < 64) return -1;
    snprintf(out, cap, "0420%.64s", eq + 1);
    return 0;
}

static char alpn_hex[16384], alpn_text[16384];

static void tlsalpn01_presents_acme_identifier_certificate(void)
{
    acme2_identifier id;
    unsigned port = 0;
    char want[80];
    const char *tok = "DGyRejmCefe7v4NfDGDKfA";
    REQUIRE(keys_ok);
    REQUIRE(acme2_responder_init(&rsp, ACME2_RESPONDER_TLSALPN01, test_log, (void *)"tls-alpn-01") == 0);
    REQUIRE(acme2_responder_listen(&rsp, "127.0.0.1", 0, &port) == 0);
    REQUIRE(acme2_responder_start(&rsp) == 0);
    id.type = ACME2_ID_DNS;
    id.value = "Example.TEST";
    CHECK_INT(acme2_responder_tlsalpn01_add(&rsp, &cert_key_ec, &account_key, &id, tok), 0);
    REQUIRE(expected_acme_id(tok, want, sizeof want) == 0);
    CHECK(alpn_fetch(port, "acme-tls/1", "example.test", alpn_hex, sizeof alpn_hex, alpn_text, sizeof alpn_text) > 0);
    CHECK_MSG(strstr(alpn_hex, want) != NULL, "no OCTET STRING(SHA-256(key authorization)) %s in the certificate", want);
    CHECK(strstr(alpn_hex, "2b06010505070101f") || strstr(alpn_hex, "2b0601050507011f")); /* 1.3.6.1.5.5.7.1.31 */
    CHECK_MSG(strstr(alpn_text, "DNS:Example.TEST") || strstr(alpn_text, "DNS:example.test"), "SAN missing:\n%s", alpn_text);
    CHECK_INT(rsp.served, 1);
    acme2_responder_stop(&rsp);
}

static void tlsalpn01_refuses_without_alpn_or_for_unknown_name(void)
{
    acme2_identifier id;
    unsigned port = 0;
    REQUIRE(keys_ok);
    REQUIRE(acme2_responder_init(&rsp, ACME2_RESPONDER_TLSALPN01, test_log, (void *)"tls-alpn-01") == 0);
    REQUIRE(acme2_responder_listen(&rsp, "127.0.0.1", 0, &port) == 0);
    REQUIRE(acme2_responder_start(&rsp) == 0);
    id.type = ACME2_ID_DNS;
    id.value = "a.test";
    CHECK_INT(acme2_responder_tlsalpn01_add(&rsp, &cert_key_ec, &account_key, &id, "tok1"), 0);
    id.value = "*.a.test";
    CHECK_INT(acme2_responder_tlsalpn01_add(&rsp, &cert_key_ec, &account_key, &id, "tok1"), ACME2_ERR_IDENTIFIER);
    CHECK_INT(alpn_fetch(port, NULL, "a.test", alpn_hex, sizeof alpn_hex, alpn_text, sizeof alpn_text), 0);
    CHECK_INT(alpn_fetch(port, "h2", "a.test", alpn_hex, sizeof alpn_hex, alpn_text, sizeof alpn_text), 0);
    CHECK_INT(alpn_fetch(port, "acme-tls/1", "b.test", alpn_hex, sizeof alpn_hex, alpn_text, sizeof alpn_text), 0);
    CHECK(alpn_fetch(port, "acme-tls/1", "a.test", alpn_hex, sizeof alpn_hex, alpn_text, sizeof alpn_text) > 0);
    CHECK_INT(acme2_responder_remove(&rsp, "a.test"), 0);
    CHECK_INT(alpn_fetch(port, "acme-tls/1", "a.test", alpn_hex, sizeof alpn_hex, alpn_text, sizeof alpn_text), 0);
    CHECK_INT(rsp.served, 1);
    CHECK_INT(rsp.refused, 4);
    acme2_responder_stop(&rsp);
}

/* RFC 8738 section 6: the SNI of an IP identifier is its reverse-DNS name. */
static void tlsalpn01_ip_identifier_answers_reverse_dns_sni(void)
{
    acme2_identifier id;
    unsigned port = 0;
    REQUIRE(keys_ok);
    REQUIRE(acme2_responder_init(&rsp, ACME2_RESPONDER_TLSALPN01, test_log, (void *)"tls-alpn-01") == 0);
    REQUIRE(acme2_responder_listen(&rsp, "127.0.0.1", 0, &port) == 0);
    REQUIRE(acme2_responder_start(&rsp) == 0);
    id.type = ACME2_ID_IP;
    id.value = "192.0.2.7";
    CHECK_INT(acme2_responder_tlsalpn01_add(&rsp, &cert_key_ec, &account_key, &id, "tok2"), 0);
    id.value = "2001:db8::1";
    CHECK_INT(acme2_responder_tlsalpn01_add(&rsp, &cert_key_ec, &account_key, &id, "tok3"), 0);
    CHECK(alpn_fetch(port, "acme-tls/1", "7.2.0.192.in-addr.arpa", alpn_hex, sizeof alpn_hex, alpn_text, sizeof alpn_text) > 0);
    CHECK_MSG(strstr(alpn_text, "IP Address:192.0.2.7") != NULL, "no IP SAN:\n%s", alpn_text);
    CHECK(alpn_fetch(port, "acme-tls/1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
                     alpn_hex, sizeof alpn_hex, alpn_text, sizeof alpn_text) > 0);
    CHECK_MSG(strstr(alpn_text, "IP Address:2001:DB8:0:0:0:0:0:1") || strstr(alpn_text, "IP Address:2001:db8::1"),
              "no IPv6 SAN:\n%s", alpn_text);
    CHECK_INT(acme2_responder_remove(&rsp, "192.0.2.7"), 0);
    CHECK_INT(alpn_fetch(port, "acme-tls/1", "7.2.0.192.in-addr.arpa", alpn_hex, sizeof alpn_hex, alpn_text, sizeof alpn_text), 0);
    acme2_responder_stop(&rsp);
}

static void tlsalpn01_works_with_rsa_certificate_key(void)
{
    acme2_identifier id;
    unsigned port = 0;
    int have6;
    char want[80];
    REQUIRE(keys_ok);
    REQUIRE(acme2_responder_init(&rsp, ACME2_RESPONDER_TLSALPN01, test_log, (void *)"tls-alpn-01") == 0);
    /* Over IPv6 where there is one. */
    have6 = acme2_responder_listen(&rsp, "::1", 0, &port) == 0;
    if (!have6) REQUIRE(acme2_responder_listen(&rsp, "127.0.0.1", 0, &port) == 0);
    REQUIRE(acme2_responder_start(&rsp) == 0);
    id.type = ACME2_ID_DNS;
    id.value = "rsa.test";
    CHECK_INT(acme2_responder_tlsalpn01_add(&rsp, &cert_key_rsa, &account_key, &id, "tok4"), 0);
    REQUIRE(expected_acme_id("tok4", want, sizeof want) == 0);
    CHECK(t_sh("openssl s_client -connect '%s:%u' -alpn acme-tls/1 -servername rsa.test </dev/null 2>/dev/null |"
               " openssl x509 -outform DER -out %s 2>/dev/null", have6 ? "[::1]" : "127.0.0.1", port,
               t_path("rsa.der")) == 0);
    CHECK(t_sh_out(alpn_hex, sizeof alpn_hex, "od -An -v -tx1 %s | tr -d ' \\n'", t_path("rsa.der")) > 0);
    CHECK_MSG(strstr(alpn_hex, want) != NULL, "acmeIdentifier value missing");
    CHECK(strstr(alpn_hex, "2a864886f70d010101") != NULL); /* rsaEncryption key */
    acme2_responder_stop(&rsp);
}

/* RFC 3596 section 2.5's example name; RFC 1035 section 3.5's form. */
static void sni_names_for_ip_identifiers_are_reverse_dns(void)
{
    acme2_identifier id;
    char out[128];
    id.type = ACME2_ID_IP;
    id.value = "4321:0:1:2:3:4:567:89ab";
    CHECK(acme2_responder_sni_name(&id, out, sizeof out) > 0);
    CHECK_STR(out, "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa");
    id.value = "10.2.0.52";
    CHECK(acme2_responder_sni_name(&id, out, sizeof out) > 0);
    CHECK_STR(out, "52.0.2.10.in-addr.arpa");
    id.type = ACME2_ID_DNS;
    id.value = "WWW.Example.Org";
    CHECK_INT(acme2_responder_sni_name(&id, out, sizeof out), 15);
    CHECK_STR(out, "www.example.org");
    CHECK_INT(acme2_responder_sni_name(&id, out, 8), ACME2_ERR_NOSPACE);
}

/* ---- a whole issuance -------------------------------------------------- */

static acme2_responder issue_rsp;
static acme2_client issue_client;
static char issue_work[32768];

static int issue_deploy(void *user, const acme2_challenge_info *ch)
{
    (void)user;
    if (ch->type != ACME2_CHALLENGE_HTTP_01) return 1;
    return acme2_responder_http01_add(&issue_rsp, ch->token, ch->key_authorization) == 0 ? 0 : -1;
}

static void issue_cleanup(void *user, const acme2_challenge_info *ch)
{
    (void)user;
    acme2_responder_remove(&issue_rsp, ch->token);
}

/* Account, order, http-01 answered by the example responder on Pebble's
   http-01 port, finalize, download, all through the transport under
   test; openssl then checks the chain against Pebble's root. Prints the
   wall time of the issuance. */
static void issues_a_certificate_from_pebble(void)
{
    acme2_identifier id;
    acme2_account_params ap;
    acme2_issue_params ip;
    struct timespec t0, t1;
    char name[64], out[256];
    const char *pem = NULL, *file = t_path("issued.pem");
    size_t len = 0;
    unsigned long conns;
    int rc;
    REQUIRE(pebble_ok && keys_ok && http01_port && pebble_root[0]);
    REQUIRE(T->init(pebble_ca) == 0);
    REQUIRE(acme2_responder_init(&issue_rsp, ACME2_RESPONDER_HTTP01, test_log, (void *)"http-01") == 0);
    REQUIRE(acme2_responder_listen(&issue_rsp, "127.0.0.1", http01_port, NULL) == 0);
    (void)acme2_responder_listen(&issue_rsp, "::1", http01_port, NULL); /* Pebble may try ::1 first */
    REQUIRE(acme2_responder_start(&issue_rsp) == 0);
    snprintf(name, sizeof name, "%s.transport.test", T->name);
    id.type = ACME2_ID_DNS;
    id.value = name;
    memset(&ap, 0, sizeof ap);
    ap.terms_agreed = 1;
    memset(&ip, 0, sizeof ip);
    ip.ids = &id;
    ip.n_ids = 1;
    ip.cert_key = &cert_key_ec;
    ip.deploy = issue_deploy;
    ip.cleanup = issue_cleanup;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = acme2_client_init(&issue_client, pebble_url, &account_key, issue_work, sizeof issue_work,
                           T->exchange, T->user, NULL);
    if (rc == 0) rc = acme2_account_new(&issue_client, &ap, NULL);
    if (rc == 0) rc = acme2_issue(&issue_client, &ip, &pem, &len);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    acme2_responder_stop(&issue_rsp);
    CHECK_MSG(rc == 0, "issuance: %s (%s)", acme2_strerror(rc), acme2_client_problem(&issue_client)->detail);
    conns = T->http->connections;
    if (rc == 0) {
        REQUIRE(t_write_file(file, pem, len) == 0);
        CHECK_MSG(t_sh("openssl verify -CAfile %s -untrusted %s %s >/dev/null 2>&1", pebble_root, file, file) == 0,
                  "openssl does not verify the issued chain against %s", pebble_root);
        CHECK(t_sh_out(out, sizeof out, "openssl x509 -in %s -noout -ext subjectAltName", file) > 0);
        CHECK_MSG(strstr(out, name) != NULL, "the certificate does not name %s:\n%s", name, out);
        fprintf(stderr, "note: one issuance through %s: %ld ms, %lu requests on %lu connection(s)\n", T->name,
                (long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000,
                T->http->requests, conns);
    }
    acme2_client_reset(&issue_client);
}

/* Every case above that is not curl's, in order (a case may rely on the
   transport as the one before left it), run for each transport. */
#define TLS_CASE(fn) { #fn, fn }
static const struct { const char *name; void (*fn)(void); } tls_cases[] = {
    TLS_CASE(gets_pebble_directory_as_json),
    TLS_CASE(head_new_nonce_gives_replay_nonce),
    TLS_CASE(post_gets_problem_document),
    TLS_CASE(keeps_one_connection_alive_across_requests),
    TLS_CASE(ip_literal_url_is_checked_against_ip_san),
    TLS_CASE(refuses_server_not_in_trust_anchors),
    TLS_CASE(refuses_bad_urls_without_connecting),
    TLS_CASE(init_reports_unreadable_or_empty_ca_file),
    TLS_CASE(issues_a_certificate_from_pebble),
    TLS_CASE(request_carries_the_expected_header_fields),
    TLS_CASE(chunked_body_is_reassembled),
    TLS_CASE(response_split_into_one_byte_records_is_reassembled),
    TLS_CASE(body_to_close_needs_close_notify),
    TLS_CASE(interim_100_response_is_skipped),
    TLS_CASE(bodiless_responses_keep_the_connection),
    TLS_CASE(connection_close_header_is_honoured),
    TLS_CASE(reconnects_after_server_closed_idle_connection),
    TLS_CASE(retries_once_when_reused_connection_dies_on_request),
    TLS_CASE(no_retry_on_a_fresh_connection),
    TLS_CASE(silent_server_times_out_without_retry),
    TLS_CASE(malformed_responses_are_transport_errors),
    TLS_CASE(push_error_stops_the_exchange),
    TLS_CASE(ip_literal_needs_matching_ip_san),
};
static const tt_tls *const tls_under_test[] = { &tls_bearssl, &tls_mbedtls };

int main(void)
{
    int rc;
    size_t t, c;
    char name[128]; /* "transport: case", the test's name in failure lines */
    verbose = getenv("TT_VERBOSE") != NULL;
    signal(SIGPIPE, SIG_IGN);
    pebble_ok = pebble_setup() == 0;
    if (!pebble_ok) fprintf(stderr, "test_transport: Pebble did not start (tests/pebble.sh)\n");
    fk_ok = fk_start() == 0;
    if (!fk_ok) fprintf(stderr, "test_transport: the scripted TLS server did not start\n");
    keys_ok = make_keys() == 0;
    if (acme2_curl_init(&tc, pebble_ca, 5000, 5000, test_log, (void *)"curl") < 0)
        fprintf(stderr, "test_transport: curl init failed\n");

    if (pebble_ok && bearssl_init_ca(pebble_ca) == 0 &&
        do_req(acme2_bearssl_exchange, &tb, "GET", pebble_url, NULL, NULL) == 0) {
        directory_url(resp.body, resp.body_len, "newNonce", new_nonce_url, sizeof new_nonce_url);
        directory_url(resp.body, resp.body_len, "newAccount", new_account_url, sizeof new_account_url);
    }

    for (t = 0; t < sizeof tls_under_test / sizeof tls_under_test[0]; t++) {
        T = tls_under_test[t];
        for (c = 0; c < sizeof tls_cases / sizeof tls_cases[0]; c++) {
            snprintf(name, sizeof name, "%s: %s", T->name, tls_cases[c].name);
            t__run(name, tls_cases[c].fn);
        }
    }

    RUN(curl_gets_pebble_directory_as_json);
    RUN(curl_head_new_nonce_gives_replay_nonce);
    RUN(curl_post_gets_problem_document);
    RUN(curl_keeps_one_connection_alive_across_requests);
    RUN(curl_refuses_server_not_in_trust_anchors);
    RUN(mbedtls_init_refuses_a_ca_file_over_the_bound);
    RUN(curl_decodes_chunks_and_refuses_malformed);

    RUN(http01_serves_key_authorization_on_ipv4_and_ipv6);
    RUN(http01_answers_404_for_unknown_or_removed_token);
    RUN(tlsalpn01_presents_acme_identifier_certificate);
    RUN(tlsalpn01_refuses_without_alpn_or_for_unknown_name);
    RUN(tlsalpn01_ip_identifier_answers_reverse_dns_sni);
    RUN(tlsalpn01_works_with_rsa_certificate_key);
    RUN(sni_names_for_ip_identifiers_are_reverse_dns);

    acme2_bearssl_free(&tb);
    acme2_mbedtls_free(&tm);
    acme2_curl_free(&tc);
    if (fk_ok) fk_stop();
    acme2_key_wipe(&account_key);
    acme2_key_wipe(&cert_key_ec);
    acme2_key_wipe(&cert_key_rsa);
    pebble_teardown();
    rc = t_done("transport");
    return rc;
}
