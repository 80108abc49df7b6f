/* responder: the "validation seen" notification of the example challenge
   responders (examples/responder.h), driven from outside the process the
   way a CA's validator reaches them: curl for http-01, openssl s_client
   for tls-alpn-01. A fetch of a challenge the responder holds is
   reported (counter, time, callback, a waiter woken); everything else
   (unknown or removed tokens, other paths, other methods, unknown SNI, no
   acme-tls/1) is not.

   Connections are served one at a time in arrival order, so after a
   known fetch has been reported every earlier request has been dealt
   with: the tests end each "nothing reported" sequence with one known
   fetch and then expect a count of exactly one more.

   TT_VERBOSE=1 prints the responders' logs. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"
#include "examples/responder.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

static acme2_responder rsp;
static int verbose;

static void test_log(void *user, const char *line)
{
    if (verbose) fprintf(stderr, "  [%s] %s\n", (const char *)user, line);
}

/* What the callback saw (written on the responder's thread). */
static pthread_mutex_t cb_lock = PTHREAD_MUTEX_INITIALIZER;
static int cb_calls;
static char cb_name[ACME2_RESPONDER_MAX_NAME + 1];
static unsigned long cb_count;
static long long cb_when;
static void *cb_user_seen;

static void on_seen(void *user, const char *name, unsigned long count, long long when_ms)
{
    pthread_mutex_lock(&cb_lock);
    cb_calls++;
    snprintf(cb_name, sizeof cb_name, "%s", name);
    cb_count = count;
    cb_when = when_ms;
    cb_user_seen = user;
    pthread_mutex_unlock(&cb_lock);
}

static void cb_reset(void)
{
    pthread_mutex_lock(&cb_lock);
    cb_calls = 0;
    cb_name[0] = 0;
    cb_count = 0;
    cb_when = 0;
    cb_user_seen = NULL;
    pthread_mutex_unlock(&cb_lock);
}

static void sleep_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0) {}
}

/* The callback runs after the counter moved: wait (bounded) for call n. */
static int cb_wait(int n)
{
    int i, got = 0;
    for (i = 0; i < 300; i++) {
        pthread_mutex_lock(&cb_lock);
        got = cb_calls;
        pthread_mutex_unlock(&cb_lock);
        if (got >= n) break;
        sleep_ms(10);
    }
    return got;
}

static char user_tag[] = "user";

static int http_start(unsigned *port)
{
    if (acme2_responder_init(&rsp, ACME2_RESPONDER_HTTP01, test_log, (void *)"http-01") != 0) return -1;
    if (acme2_responder_on_seen(&rsp, on_seen, user_tag) != 0) return -1;
    if (acme2_responder_listen(&rsp, "127.0.0.1", 0, port) != 0) return -1;
    return acme2_responder_start(&rsp);
}

/* Status code of a curl request (method "GET", "HEAD" or another). */
static int curl_code(unsigned port, const char *method, const char *path)
{
    char out[64];
    if (t_sh_out(out, sizeof out, "curl -s -o /dev/null -w '%%{http_code}' %s %s 'http://127.0.0.1:%u%s'",
                 strcmp(method, "HEAD") == 0 ? "-I" : "-X", strcmp(method, "HEAD") == 0 ? "" : method, port, path) <= 0)
        return -1;
    return atoi(out);
}

#define TOKEN "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"
#define KEYAUTH TOKEN ".nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEY5z1Us8I"
#define CHALLENGE "/.well-known/acme-challenge/"

static void http01_known_token_fetch_is_reported_with_time_and_name(void)
{
    unsigned port = 0;
    long long t0, t1, last = -1;
    unsigned long n;
    cb_reset();
    REQUIRE(http_start(&port) == 0);
    CHECK_INT(acme2_responder_seen(&rsp, &last), 0);
    CHECK_INT(last, 0);
    CHECK_INT(acme2_responder_http01_add(&rsp, TOKEN, KEYAUTH), 0);
    t0 = acme2_responder_now_ms();
    CHECK_INT(curl_code(port, "GET", CHALLENGE TOKEN), 200);
    n = acme2_responder_wait_seen(&rsp, 0, 3000, &last);
    t1 = acme2_responder_now_ms();
    CHECK_INT(n, 1);
    CHECK_MSG(last >= t0 && last <= t1, "last fetch at %lld, expected within [%lld, %lld]", last, t0, t1);
    CHECK_INT(cb_wait(1), 1);
    pthread_mutex_lock(&cb_lock);
    CHECK_STR(cb_name, TOKEN);
    CHECK_INT(cb_count, 1);
    CHECK_INT(cb_when, last);
    CHECK(cb_user_seen == user_tag);
    pthread_mutex_unlock(&cb_lock);

    /* HEAD counts as well (RFC 8555 8.3 lets the CA use either); a query
       string does not change the token. */
    CHECK_INT(curl_code(port, "HEAD", CHALLENGE TOKEN), 200);
    CHECK_INT(acme2_responder_wait_seen(&rsp, 1, 3000, NULL), 2);
    CHECK_INT(curl_code(port, "GET", CHALLENGE TOKEN "?x=1"), 200);
    CHECK_INT(acme2_responder_wait_seen(&rsp, 2, 3000, NULL), 3);
    CHECK_INT(cb_wait(3), 3);
    CHECK_INT(rsp.served, 3);
    acme2_responder_stop(&rsp);
    /* Stopped: nothing to report, and no wait. */
    CHECK_INT(acme2_responder_seen(&rsp, &last), 0);
    CHECK_INT(last, 0);
}

static void http01_unknown_token_other_path_or_method_is_not_reported(void)
{
    unsigned port = 0;
    long long t0, waited;
    cb_reset();
    REQUIRE(http_start(&port) == 0);
    CHECK_INT(acme2_responder_http01_add(&rsp, "tokA", "tokA.thumb"), 0);
    CHECK_INT(curl_code(port, "GET", CHALLENGE "toka"), 404);         /* tokens are case-sensitive */
    CHECK_INT(curl_code(port, "GET", CHALLENGE "unknown"), 404);
    CHECK_INT(curl_code(port, "HEAD", CHALLENGE "unknown"), 404);
    CHECK_INT(curl_code(port, "GET", "/other/tokA"), 404);
    CHECK_INT(curl_code(port, "POST", CHALLENGE "tokA"), 405);
    CHECK_INT(curl_code(port, "GET", CHALLENGE), 404);
    /* A request that never completes its head is dropped at the timeout;
       a malformed one gets 400. */
    CHECK(t_sh("printf 'GARBAGE\\r\\n\\r\\n' | curl -s -m 2 telnet://127.0.0.1:%u >/dev/null 2>&1 || true", port) == 0);
    t0 = acme2_responder_now_ms();
    CHECK_INT(acme2_responder_wait_seen(&rsp, 0, 300, NULL), 0);
    waited = acme2_responder_now_ms() - t0;
    CHECK_MSG(waited >= 290 && waited < 2000, "a wait with nothing seen took %lld ms, expected about 300", waited);
    CHECK_INT(acme2_responder_seen(&rsp, NULL), 0);
    /* The removed token no longer counts either. */
    CHECK_INT(acme2_responder_remove(&rsp, "tokA"), 0);
    CHECK_INT(curl_code(port, "GET", CHALLENGE "tokA"), 404);
    /* One known fetch last: once it is reported, everything before it was
       served, and the count is exactly one. */
    CHECK_INT(acme2_responder_http01_add(&rsp, "tokB", "tokB.thumb"), 0);
    CHECK_INT(curl_code(port, "GET", CHALLENGE "tokB"), 200);
    CHECK_INT(acme2_responder_wait_seen(&rsp, 0, 3000, NULL), 1);
    CHECK_INT(cb_wait(1), 1);
    sleep_ms(50);
    pthread_mutex_lock(&cb_lock);
    CHECK_INT(cb_calls, 1);
    CHECK_STR(cb_name, "tokB");
    pthread_mutex_unlock(&cb_lock);
    CHECK_INT(rsp.refused, 6); /* the six 404s (405 and 400 are not counted there) */
    acme2_responder_stop(&rsp);
}

static void wait_seen_wakes_when_the_fetch_arrives(void)
{
    unsigned port = 0;
    long long t0, last = 0, took;
    unsigned long n;
    cb_reset();
    REQUIRE(http_start(&port) == 0);
    CHECK_INT(acme2_responder_http01_add(&rsp, TOKEN, KEYAUTH), 0);
    /* The fetch comes 400 ms from now, from a background shell. */
    t0 = acme2_responder_now_ms();
    REQUIRE(t_sh("(sleep 0.4; curl -s -o /dev/null 'http://127.0.0.1:%u" CHALLENGE TOKEN "') >/dev/null 2>&1 &", port) == 0);
    n = acme2_responder_wait_seen(&rsp, 0, 10000, &last);
    took = acme2_responder_now_ms() - t0;
    CHECK_INT(n, 1);
    CHECK_MSG(took >= 350 && took < 5000, "woken after %lld ms, expected soon after the fetch at 400 ms", took);
    CHECK_MSG(last - t0 >= 350 && last <= t0 + took, "fetch time %lld ms after the start, waited %lld", last - t0, took);
    /* Already more than `after`: no wait at all. */
    t0 = acme2_responder_now_ms();
    CHECK_INT(acme2_responder_wait_seen(&rsp, 0, 10000, NULL), 1);
    CHECK_MSG(acme2_responder_now_ms() - t0 < 200, "a wait for a count already reached blocked");
    /* timeout <= 0 does not wait. */
    t0 = acme2_responder_now_ms();
    CHECK_INT(acme2_responder_wait_seen(&rsp, 1, 0, NULL), 1);
    CHECK_INT(acme2_responder_wait_seen(&rsp, 1, -5, NULL), 1);
    CHECK_MSG(acme2_responder_now_ms() - t0 < 200, "a wait with timeout <= 0 blocked");
    /* The callback is fixed once the thread runs. */
    CHECK_INT(acme2_responder_on_seen(&rsp, NULL, NULL), ACME2_ERR_STATE);
    acme2_responder_stop(&rsp);
    CHECK_INT(acme2_responder_on_seen(&rsp, on_seen, NULL), ACME2_ERR_PARAM);
    CHECK_INT(acme2_responder_on_seen(NULL, on_seen, NULL), ACME2_ERR_PARAM);
    CHECK_INT(acme2_responder_wait_seen(NULL, 0, 100, NULL), 0);
}

/* ---- tls-alpn-01 ---- */

static acme2_key account_key, cert_key;
static int keys_ok;

/* 0 when openssl s_client completed a handshake (it printed a session). */
static int handshake(unsigned port, const char *alpn, const char *sni)
{
    return t_sh("openssl s_client -connect 127.0.0.1:%u %s%s -servername %s </dev/null 2>/dev/null |"
                " grep -q '^-----BEGIN CERTIFICATE-----'", port, alpn ? "-alpn " : "", alpn ? alpn : "", sni);
}

static void tlsalpn01_completed_handshake_for_known_name_is_reported(void)
{
    acme2_identifier id;
    unsigned port = 0;
    long long t0, last = 0;
    REQUIRE(keys_ok);
    cb_reset();
    REQUIRE(acme2_responder_init(&rsp, ACME2_RESPONDER_TLSALPN01, test_log, (void *)"tls-alpn-01") == 0);
    REQUIRE(acme2_responder_on_seen(&rsp, on_seen, user_tag) == 0);
    REQUIRE(acme2_responder_listen(&rsp, "127.0.0.1", 0, &port) == 0);
    REQUIRE(acme2_responder_start(&rsp) == 0);
    id.type = ACME2_ID_DNS;
    id.value = "Example.TEST";
    CHECK_INT(acme2_responder_tlsalpn01_add(&rsp, &cert_key, &account_key, &id, "DGyRejmCefe7v4NfDGDKfA"), 0);
    t0 = acme2_responder_now_ms();
    CHECK_INT(handshake(port, "acme-tls/1", "example.test"), 0);
    CHECK_INT(acme2_responder_wait_seen(&rsp, 0, 3000, &last), 1);
    CHECK_MSG(last >= t0 && last <= acme2_responder_now_ms(), "fetch time %lld outside the handshake", last);
    CHECK_INT(cb_wait(1), 1);
    pthread_mutex_lock(&cb_lock);
    CHECK_STR(cb_name, "Example.TEST"); /* the identifier as given, not the SNI */
    CHECK_INT(cb_count, 1);
    pthread_mutex_unlock(&cb_lock);

    /* An IP identifier: reported by its address. */
    id.type = ACME2_ID_IP;
    id.value = "192.0.2.7";
    CHECK_INT(acme2_responder_tlsalpn01_add(&rsp, &cert_key, &account_key, &id, "tok2"), 0);
    CHECK_INT(handshake(port, "acme-tls/1", "7.2.0.192.in-addr.arpa"), 0);
    CHECK_INT(acme2_responder_wait_seen(&rsp, 1, 3000, NULL), 2);
    CHECK_INT(cb_wait(2), 2);
    pthread_mutex_lock(&cb_lock);
    CHECK_STR(cb_name, "192.0.2.7");
    pthread_mutex_unlock(&cb_lock);
    acme2_responder_stop(&rsp);
}

static void tlsalpn01_refused_handshakes_are_not_reported(void)
{
    acme2_identifier id;
    unsigned port = 0;
    REQUIRE(keys_ok);
    cb_reset();
    REQUIRE(acme2_responder_init(&rsp, ACME2_RESPONDER_TLSALPN01, test_log, (void *)"tls-alpn-01") == 0);
    REQUIRE(acme2_responder_on_seen(&rsp, on_seen, NULL) == 0);
    REQUIRE(acme2_responder_listen(&rsp, "127.0.0.1", 0, &port) == 0);
    REQUIRE(acme2_responder_start(&rsp) == 0);
    id.type = ACME2_ID_DNS;
    id.value = "a.test";
    CHECK_INT(acme2_responder_tlsalpn01_add(&rsp, &cert_key, &account_key, &id, "tok1"), 0);
    CHECK(handshake(port, "acme-tls/1", "unknown.test") != 0);  /* no challenge for this SNI */
    CHECK(handshake(port, NULL, "a.test") != 0);                 /* no ALPN */
    CHECK(handshake(port, "h2,http/1.1", "a.test") != 0);        /* other ALPN */
    CHECK(t_sh("printf 'GET / HTTP/1.1\\r\\n\\r\\n' | curl -s -m 2 telnet://127.0.0.1:%u >/dev/null 2>&1 || true", port) == 0);
    CHECK_INT(acme2_responder_wait_seen(&rsp, 0, 200, NULL), 0);
    CHECK_INT(acme2_responder_remove(&rsp, "a.test"), 0);
    CHECK(handshake(port, "acme-tls/1", "a.test") != 0);         /* removed */
    /* One known handshake last: then the count is exactly one. */
    id.value = "b.test";
    CHECK_INT(acme2_responder_tlsalpn01_add(&rsp, &cert_key, &account_key, &id, "tok5"), 0);
    CHECK_INT(handshake(port, "acme-tls/1", "b.test"), 0);
    CHECK_INT(acme2_responder_wait_seen(&rsp, 0, 3000, NULL), 1);
    CHECK_INT(cb_wait(1), 1);
    sleep_ms(50);
    pthread_mutex_lock(&cb_lock);
    CHECK_INT(cb_calls, 1);
    CHECK_STR(cb_name, "b.test");
    pthread_mutex_unlock(&cb_lock);
    CHECK_MSG(rsp.refused >= 5, "refused = %lu, expected the five refused connections", rsp.refused);
    acme2_responder_stop(&rsp);
}

int main(void)
{
    verbose = getenv("TT_VERBOSE") != NULL;
    signal(SIGPIPE, SIG_IGN);
    keys_ok = acme2_key_generate(&account_key, ACME2_KEY_EC, 256, NULL) >= 0 &&
              acme2_key_generate(&cert_key, ACME2_KEY_EC, 256, NULL) >= 0;

    RUN(http01_known_token_fetch_is_reported_with_time_and_name);
    RUN(http01_unknown_token_other_path_or_method_is_not_reported);
    RUN(wait_seen_wakes_when_the_fetch_arrives);
    RUN(tlsalpn01_completed_handshake_for_known_name_is_reported);
    RUN(tlsalpn01_refused_handshakes_are_not_reported);

    acme2_key_wipe(&account_key);
    acme2_key_wipe(&cert_key);
    return t_done("responder");
}
