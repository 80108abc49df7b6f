/* engine: the issuance state machine (acme2_issuance_*) driven step by step
   through the scripted server, with no transport in the client: deploys
   answered at once, late, out of order, declined and failed; waits, the
   responder-driven poll, faults, several issuances sharing a directory and
   nonces, and the public chain check. The blocking acme2_issue is a loop
   over the same engine: test_proto, test_badinput and test_security cover
   it through that loop. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"
#include "script.h"
#include "proto_fixtures.h"

/* One issuance and how the test answers it. */
typedef struct drv {
    acme2_issuance is;
    acme2_client c;
    char work[16384];
    script *s;
    calls k;
    acme2_identifier ids[2];
    acme2_issue_params p;
    int late;            /* answer deploys only when the engine is idle, newest first */
    int fail_deploy;     /* answer the n-th deploy (1-based) with a failure */
    int decline_late;    /* answer the first deploy of an http-01 challenge "declined", late */
    int pending[8], n_pending;
    int n_deploys;
    int seen_at_wait;    /* call validation_seen at the n-th WAIT (1-based) */
    int waits;
    long long waited_ms[16];
    char log[256];       /* one letter per event */
    int rc;              /* final result of acme2_issuance_step, 1 while running */
} drv;

static void drv_init(drv *d, script *s, const char *const *names, size_t n)
{
    size_t i;
    memset(d, 0, sizeof *d);
    d->s = s;
    for (i = 0; i < n; i++) example_id(&d->ids[i], names[i]);
    d->p.ids = d->ids;
    d->p.n_ids = n;
    d->p.cert_key = &cert_key;
    d->rc = 1;
}

/* A client with a known account; its directory comes from the script (or
   from sh when shared). */
static int drv_client(drv *d, acme2_shared *sh)
{
    acme2_options o = test_options();
    int rc = acme2_client_init(&d->c, DIR_URL, &account_ec, d->work, sizeof d->work, NULL, NULL, &o);
    if (rc == 0) rc = acme2_client_set_account(&d->c, ACCT);
    if (rc == 0 && sh) rc = acme2_client_share(&d->c, sh);
    if (rc == 0) rc = acme2_issuance_start(&d->is, &d->c, &d->p);
    return rc;
}

static void drv_log(drv *d, char ch)
{
    size_t n = strlen(d->log);
    if (n + 1 < sizeof d->log) { d->log[n] = ch; d->log[n + 1] = 0; }
}

/* One step and the answer to it. Returns 0 while the issuance runs. */
static int drv_step(drv *d)
{
    acme2_http_request req;
    int ev, id;
    const acme2_challenge_info *ci;
    if (d->rc != 1) return 1;
    ev = acme2_issuance_step(&d->is, &req);
    switch (ev) {
    case ACME2_STEP_HTTP:
        drv_log(d, 'H');
        if (script_transport(d->s, &req, acme2_client_response(&d->c)) < 0)
            acme2_response_fail(acme2_client_response(&d->c), ACME2_ERR_TRANSPORT);
        return 0;
    case ACME2_STEP_DEPLOY:
        drv_log(d, 'D');
        ci = acme2_issuance_challenge(&d->is);
        id = acme2_issuance_challenge_id(&d->is);
        d->n_deploys++;
        if (d->decline_late && ci->type == ACME2_CHALLENGE_HTTP_01) {
            d->pending[d->n_pending++] = -1 - id; /* negative: decline it */
            d->decline_late = 0;
            return 0;
        }
        rec_deploy(&d->k, ci);
        if (d->fail_deploy == d->n_deploys) {
            CHECK_INT(acme2_issuance_deployed(&d->is, id, ACME2_ERR_CALLBACK), 0);
        } else if (d->late) {
            d->pending[d->n_pending++] = id;
        } else {
            CHECK_INT(acme2_issuance_deployed(&d->is, id, 0), 0);
        }
        return 0;
    case ACME2_STEP_IDLE:
        drv_log(d, 'I');
        if (d->n_pending == 0) { CHECK_MSG(0, "idle with no deploy outstanding"); d->rc = ACME2_ERR_STATE; return 1; }
        id = d->pending[--d->n_pending];
        if (id < 0) CHECK_INT(acme2_issuance_deployed(&d->is, -1 - id, 1), 0);
        else CHECK_INT(acme2_issuance_deployed(&d->is, id, 0), 0);
        return 0;
    case ACME2_STEP_CLEANUP:
        drv_log(d, 'C');
        rec_cleanup(&d->k, acme2_issuance_challenge(&d->is));
        return 0;
    case ACME2_STEP_ORDER:
        drv_log(d, 'O');
        CHECK(strncmp(acme2_issuance_order(&d->is)->url, CA "/order/", strlen(CA "/order/")) == 0);
        return 0;
    case ACME2_STEP_WAIT:
        drv_log(d, 'W');
        if (d->waits < 16) d->waited_ms[d->waits] = acme2_issuance_wait_ms(&d->is);
        d->waits++;
        if (d->seen_at_wait == d->waits) {
            acme2_issuance_validation_seen(&d->is);
            return 0; /* step again at once, as a woken event loop does */
        }
        fake_sleep(NULL, (unsigned)acme2_issuance_wait_ms(&d->is));
        return 0;
    case ACME2_STEP_DONE:
        drv_log(d, '+');
        d->rc = 0;
        return 1;
    default:
        drv_log(d, '!');
        d->rc = ev;
        return 1;
    }
}

static int drv_run(drv *d)
{
    int guard = 0;
    while (drv_step(d) == 0 && ++guard < 200) {}
    CHECK_MSG(guard < 200, "the engine did not finish in 200 steps: %s", d->log);
    return d->rc;
}

/* A drv on a fresh script with the known account. */
static void drv_begin(drv *d, script *s, const step *steps, int n, const char *const *names, size_t n_names)
{
    setup_keys();
    reset_clock();
    script_init(s, steps, n, &account_ec);
    s->kid = ACCT;
    drv_init(d, s, names, n_names);
}

/* The answers after the first order poll of a one-name order: ready,
   finalize, valid, the chain. */
#define ST_ONE_NAME_END ST_ORDER(ORDER_READY), ST_FINALIZE, ST_ORDER(ORDER_VALID), ST_CERT(leaf_chain)
/* A one-name order up to its challenge accepted. */
#define ST_ONE_NAME_TO_CHALL ST_DIR, ST_NEWORDER(P_ORDER1, ORDER_PENDING), ST_AUTHZ(1, AUTHZ_PENDING), ST_CHALL(1)

/* Steps a one-name issuance up to its challenge accepted (directory,
   order, authz, deploy, challenge). */
static void drv_to_accept(drv *d)
{
    int guard = 0;
    while (strcmp(d->log, "HHOHDH") != 0 && ++guard < 20) drv_step(d);
    REQUIRE(guard < 20);
}

/* A two-name order up to both authorizations fetched, and its end after
   the challenges. */
#define ST_TWO_NAMES_AUTHZ ST_DIR, ST_NEWORDER(P_ORDER2, ORDER2_PENDING), ST_AUTHZ(1, AUTHZ_PENDING), ST_AUTHZ(2, AUTHZ2_PENDING)
#define ST_TWO_NAMES_END \
    { "POST", CA "/order/1", 0, "", 200, JSON_CT, ORDER2_READY, NULL }, ST_FINALIZE, \
    { "POST", CA "/order/1", 0, "", 200, JSON_CT, ORDER2_VALID, NULL }, ST_CERT(chain2)

static const char *const ONE[] = { "example.org" };
static const char *const TWO[] = { "example.org", "www.example.org" };

/* ----------------------------------------------------------- whole flows */

static void one_name_step_by_step(void)
{
    static const step steps[] = {
        ST_DIR_NN, ST_HEAD,
        ST_NEWORDER(P_ORDER1, ORDER_PENDING),
        ST_AUTHZ(1, AUTHZ_PENDING),
        ST_CHALL(1),
        ST_ONE_NAME_END,
    };
    static drv d;
    script s;
    const char *pem;
    size_t len;
    drv_begin(&d, &s, steps, NSTEPS(steps), ONE, 1);
    REQUIRE(drv_client(&d, NULL) == 0);
    CHECK_INT(acme2_issuance_chain(&d.is, &pem, &len), ACME2_ERR_STATE);
    CHECK_INT(drv_run(&d), 0);
    /* directory and nonce are prerequisites of newOrder: three sends, then
       the order is reported; one deploy, accept, a wait before the first
       poll, cleanup once ready, finalize, a wait, the poll, the download */
    CHECK_STR(d.log, "HHHOHDHWHCHWHH+");
    CHECK_INT(d.k.deployed, 1);
    CHECK_INT(d.k.cleaned, 1);
    CHECK_INT(d.k.cleaned_failed, 0);
    CHECK_STR(d.k.token, "tok-http_1");
    CHECK_STR(d.k.http_path, "/.well-known/acme-challenge/tok-http_1");
    CHECK_INT(acme2_issuance_chain(&d.is, &pem, &len), 0);
    CHECK_INT(len, strlen(leaf_chain));
    CHECK(memcmp(pem, leaf_chain, len) == 0);
    /* the blind schedule: the first poll after opt.poll_interval_ms */
    CHECK_INT(d.waited_ms[0], 250);
    CHECK_INT(acme2_issuance_step(&d.is, NULL), ACME2_ERR_PARAM);
    {
        acme2_http_request req;
        CHECK_INT(acme2_issuance_step(&d.is, &req), ACME2_STEP_DONE); /* stays done */
    }
    acme2_issuance_reset(&d.is);
    SCRIPT_DONE(s);
}

/* Two names, deploys answered only when the engine has nothing else to do
   and newest first: both authorizations are fetched before either deploy
   is answered, and the challenges are accepted in the order answered. */
static void late_deploys_out_of_order(void)
{
    static const step steps[] = {
        ST_TWO_NAMES_AUTHZ,
        ST_CHALL(21),
        ST_CHALL(1),
        ST_TWO_NAMES_END,
    };
    static drv d;
    script s;
    drv_begin(&d, &s, steps, NSTEPS(steps), TWO, 2);
    d.late = 1;
    REQUIRE(drv_client(&d, NULL) == 0);
    CHECK_INT(drv_run(&d), 0);
    CHECK_STR(d.log, "HHOHDHDIHIHWHCCHWHH+");
    CHECK_INT(d.k.deployed, 2);
    CHECK_INT(d.k.cleaned, 2);
    CHECK_STR(d.k.deployed_tokens, "tok-http_1 tok-www_21 ");
    CHECK_STR(d.k.cleaned_tokens, "tok-http_1 tok-www_21 ");
    SCRIPT_DONE(s);
}

/* An http-01 deploy declined late, after the next authorization was
   fetched: the engine fetches that authorization again and offers dns-01. */
static void late_decline_refetches_and_tries_the_next_type(void)
{
    static const step steps[] = {
        ST_TWO_NAMES_AUTHZ,
        ST_CHALL(21),
        ST_AUTHZ(1, AUTHZ_PENDING),
        { "POST", CA "/chall/2", 0, "{}", 200, JSON_CT, CHALL_PROCESSING, NULL },
        ST_TWO_NAMES_END,
    };
    static drv d;
    script s;
    drv_begin(&d, &s, steps, NSTEPS(steps), TWO, 2);
    d.decline_late = 1;
    REQUIRE(drv_client(&d, NULL) == 0);
    CHECK_INT(drv_run(&d), 0);
    CHECK_INT(d.k.deployed, 2);
    CHECK_STR(d.k.deployed_tokens, "tok-www_21 tok-dns_2 ");
    /* the declined challenge is not cleaned up; the two taken ones are */
    CHECK_STR(d.k.cleaned_tokens, "tok-www_21 tok-dns_2 ");
    CHECK_STR(d.k.dns_name, "_acme-challenge.example.org");
    SCRIPT_DONE(s);
}

/* The second deploy fails while the first is published: no accept is sent
   for either, both are cleaned up (told "failed"), and the result is
   ACME2_ERR_CALLBACK. */
static void failed_deploy_cleans_up_everything(void)
{
    static const step steps[] = {
        ST_TWO_NAMES_AUTHZ,
    };
    static drv d;
    script s;
    drv_begin(&d, &s, steps, NSTEPS(steps), TWO, 2);
    d.late = 1;
    d.fail_deploy = 2;
    REQUIRE(drv_client(&d, NULL) == 0);
    CHECK_INT(drv_run(&d), ACME2_ERR_CALLBACK);
    CHECK_INT(d.k.cleaned, 2);
    CHECK_INT(d.k.cleaned_failed, 2);
    CHECK_STR(d.k.cleaned_tokens, "tok-http_1 tok-www_21 ");
    /* the late answer to the first deploy comes after the end: refused */
    CHECK_INT(acme2_issuance_deployed(&d.is, d.pending[0], 0), ACME2_ERR_STATE);
    CHECK_INT(acme2_issuance_deployed(&d.is, 12345, 0), ACME2_ERR_STATE);
    SCRIPT_DONE(s);
}

/* ----------------------------------------------------------------- polling */

/* The responder saw the CA's fetch during the blind wait: the engine asks
   for the short settle wait instead, then polls; a poll that still finds
   the order pending is followed by one after the 1 s step. */
static void validation_seen_cuts_the_blind_wait(void)
{
    static const step steps[] = {
        ST_ONE_NAME_TO_CHALL,
        ST_ORDER(ORDER_PENDING),
        ST_ONE_NAME_END,
    };
    static drv d;
    script s;
    drv_begin(&d, &s, steps, NSTEPS(steps), ONE, 1);
    d.seen_at_wait = 2; /* the second blind wait (1 s) is cut short */
    REQUIRE(drv_client(&d, NULL) == 0);
    CHECK_INT(drv_run(&d), 0);
    CHECK_STR(d.log, "HHOHDHWHWWHCHWHH+");
    CHECK_INT(d.waited_ms[0], 250);
    CHECK_INT(d.waited_ms[1], 1000);
    CHECK_INT(d.waited_ms[2], ACME2_SEEN_SETTLE_MS);
    SCRIPT_DONE(s);
}

/* A poll right after a seen fetch still finds the order pending (the CA
   has CAA to check after the last fetch, or more vantage points to come):
   the next poll is one 1 s step later unless another fetch comes first;
   after finalize the first poll is ACME2_FINALIZE_POLL_MS. */
static void after_a_seen_poll_the_next_is_a_step_later(void)
{
    static const step steps[] = {
        ST_ONE_NAME_TO_CHALL,
        ST_ORDER(ORDER_PENDING),
        ST_ONE_NAME_END,
    };
    static drv d;
    script s;
    drv_begin(&d, &s, steps, NSTEPS(steps), ONE, 1);
    d.seen_at_wait = 1; /* during the first (250 ms) wait */
    REQUIRE(drv_client(&d, NULL) == 0);
    CHECK_INT(drv_run(&d), 0);
    CHECK_STR(d.log, "HHOHDHWWHWHCHWHH+");
    CHECK_INT(d.waited_ms[1], ACME2_SEEN_SETTLE_MS);
    CHECK_INT(d.waited_ms[2], 1000);
    CHECK_INT(d.waited_ms[3], ACME2_FINALIZE_POLL_MS);
    SCRIPT_DONE(s);
}

/* params.fetches = 3 (a CA with three vantage points, as Pebble): the
   first two fetches only move the fallback poll; the third brings the
   settle wait and one poll that finds the order ready. Request sequence
   pinned by the script: newOrder, authz, challenge, one order poll,
   finalize, one poll, certificate. */
static void expected_fetches_poll_once_after_the_last(void)
{
    static const step steps[] = {
        ST_ONE_NAME_TO_CHALL,
        ST_ONE_NAME_END,
    };
    static drv d;
    script s;
    acme2_http_request req;
    int i;
    drv_begin(&d, &s, steps, NSTEPS(steps), ONE, 1);
    d.p.fetches = 3;
    REQUIRE(drv_client(&d, NULL) == 0);
    drv_to_accept(&d);
    /* no fetch yet: no early blind poll, the fallback instead */
    CHECK_INT(acme2_issuance_step(&d.is, &req), ACME2_STEP_WAIT);
    CHECK_INT(acme2_issuance_wait_ms(&d.is), ACME2_SEEN_FALLBACK_MS);
    for (i = 0; i < 2; i++) {
        acme2_issuance_validation_seen(&d.is);
        CHECK_INT(acme2_issuance_step(&d.is, &req), ACME2_STEP_WAIT);
        CHECK_INT(acme2_issuance_wait_ms(&d.is), ACME2_SEEN_FALLBACK_MS);
    }
    acme2_issuance_validation_seen(&d.is);
    CHECK_INT(acme2_issuance_step(&d.is, &req), ACME2_STEP_WAIT);
    CHECK_INT(acme2_issuance_wait_ms(&d.is), ACME2_SEEN_SETTLE_MS);
    CHECK_INT(drv_run(&d), 0);
    CHECK_STR(d.log, "HHOHDHHCHWHH+");
    CHECK_INT(acme2_issuance_fetches(&d.is), 3);
    SCRIPT_DONE(s);
}

/* params.fetches overestimates (the CA fetched twice, not three times):
   the order is still polled, ACME2_SEEN_FALLBACK_MS after the last fetch,
   and acme2_issuance_fetches reports the 2 that came. */
static void fewer_fetches_than_expected_poll_after_the_fallback(void)
{
    static const step steps[] = {
        ST_ONE_NAME_TO_CHALL,
        ST_ORDER(ORDER_PENDING),
        ST_ONE_NAME_END,
    };
    static drv d;
    script s;
    drv_begin(&d, &s, steps, NSTEPS(steps), ONE, 1);
    d.p.fetches = 3;
    REQUIRE(drv_client(&d, NULL) == 0);
    drv_to_accept(&d);
    acme2_issuance_validation_seen(&d.is);
    acme2_issuance_validation_seen(&d.is);
    CHECK_INT(drv_run(&d), 0);
    /* fallback, poll (pending), then the schedule kept at >= the fallback */
    CHECK_STR(d.log, "HHOHDHWHWHCHWHH+");
    CHECK_INT(d.waited_ms[0], ACME2_SEEN_FALLBACK_MS);
    CHECK(d.waited_ms[1] >= ACME2_SEEN_FALLBACK_MS);
    CHECK_INT(d.waited_ms[2], ACME2_FINALIZE_POLL_MS);
    CHECK_INT(acme2_issuance_fetches(&d.is), 2);
    SCRIPT_DONE(s);
}

/* Without a challenge accepted (authorizations already valid), fetches
   expected cost nothing: the order is not waited on, and 0 fetches per
   challenge are reported. */
static void expected_fetches_without_a_challenge(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER(P_ORDER1, ORDER_READY),
        ST_FINALIZE, ST_ORDER(ORDER_VALID), ST_CERT(leaf_chain),
    };
    static drv d;
    script s;
    drv_begin(&d, &s, steps, NSTEPS(steps), ONE, 1);
    d.p.fetches = 3;
    REQUIRE(drv_client(&d, NULL) == 0);
    CHECK_INT(drv_run(&d), 0);
    CHECK_INT(acme2_issuance_fetches(&d.is), 0);
    SCRIPT_DONE(s);
}

/* The blocking acme2_issue with a wait callback that reports fetches by
   number: the first wait (the fallback, params.fetches = 3) ends with all
   three at once, then the settle wait, one poll, the finalize. */
static unsigned wait_calls, wait_ms_seen[8];
static int wait_three_at_once(void *user, unsigned ms)
{
    (void)user;
    if (wait_calls < 8) wait_ms_seen[wait_calls] = ms;
    return wait_calls++ == 0 ? 3 : 0;
}

static void issue_wait_callback_reports_a_count(void)
{
    static const step steps[] = {
        ST_ONE_NAME_TO_CHALL,
        ST_ONE_NAME_END,
    };
    static drv d;
    script s;
    const char *pem;
    size_t pem_len;
    drv_begin(&d, &s, steps, NSTEPS(steps), ONE, 1);
    d.p.fetches = 3;
    d.p.deploy = rec_deploy;
    d.p.cleanup = rec_cleanup;
    d.p.user = &d.k;
    d.p.wait = wait_three_at_once;
    wait_calls = 0;
    {
        acme2_options o = test_options();
        REQUIRE(acme2_client_init(&d.c, DIR_URL, &account_ec, d.work, sizeof d.work, script_transport, &s, &o) == 0);
        REQUIRE(acme2_client_set_account(&d.c, ACCT) == 0);
    }
    CHECK_INT(acme2_issue(&d.c, &d.p, &pem, &pem_len), 0);
    CHECK_INT(wait_calls, 3);
    CHECK_INT(wait_ms_seen[0], ACME2_SEEN_FALLBACK_MS);
    CHECK_INT(wait_ms_seen[1], ACME2_SEEN_SETTLE_MS);
    CHECK_INT(wait_ms_seen[2], ACME2_FINALIZE_POLL_MS);
    CHECK_INT(d.k.deployed, 1);
    CHECK_INT(d.k.cleaned, 1);
    SCRIPT_DONE(s);
}

/* Seen before the first poll wait: that wait is the settle time. */
static void validation_seen_before_polling_sets_the_first_wait(void)
{
    static const step steps[] = {
        ST_ONE_NAME_TO_CHALL,
        ST_ONE_NAME_END,
    };
    static drv d;
    script s;
    drv_begin(&d, &s, steps, NSTEPS(steps), ONE, 1);
    REQUIRE(drv_client(&d, NULL) == 0);
    /* run up to the accept, then report the CA's fetch */
    drv_to_accept(&d);
    acme2_issuance_validation_seen(&d.is);
    CHECK_INT(drv_run(&d), 0);
    CHECK_INT(d.waited_ms[0], ACME2_SEEN_SETTLE_MS);
    SCRIPT_DONE(s);
}

/* A Retry-After on the order is authoritative: a validation seen during
   that wait does not shorten it (the wait is asked for again). */
static void retry_after_is_not_cut_short_by_validation_seen(void)
{
    static const step steps[] = {
        ST_ONE_NAME_TO_CHALL,
        { "POST", CA "/order/1", 0, "", 200, JSON_CT "Retry-After: 3\n", ORDER_PENDING, NULL },
        ST_ONE_NAME_END,
    };
    static drv d;
    script s;
    drv_begin(&d, &s, steps, NSTEPS(steps), ONE, 1);
    d.seen_at_wait = 2;
    REQUIRE(drv_client(&d, NULL) == 0);
    CHECK_INT(drv_run(&d), 0);
    CHECK_INT(d.waited_ms[1], 3000);
    CHECK_INT(d.waited_ms[2], 3000);
    SCRIPT_DONE(s);
}

/* 429 with Retry-After on newOrder: a WAIT of that many seconds, then the
   same request again. */
static void rate_limit_is_a_wait_then_a_resend(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/order", 0, P_ORDER1, 429, PROBLEM_CT "Retry-After: 2\n", PROB("rateLimited", "slow down"), NULL },
        ST_NEWORDER(P_ORDER1, ORDER_VALID),
        ST_CERT(leaf_chain),
    };
    static drv d;
    script s;
    drv_begin(&d, &s, steps, NSTEPS(steps), ONE, 1);
    REQUIRE(drv_client(&d, NULL) == 0);
    CHECK_INT(drv_run(&d), 0);
    CHECK_STR(d.log, "HHWHOH+");
    CHECK_INT(d.waited_ms[0], 2000);
    SCRIPT_DONE(s);
}

/* ------------------------------------------------------------------ faults */

/* The exchange fails after the accept was sent: the error is the
   transport's, and the published challenge is cleaned up. */
static void transport_failure_cleans_up(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER(P_ORDER1, ORDER_PENDING),
        ST_AUTHZ(1, AUTHZ_PENDING),
        { "POST", CA "/chall/1", S_TRANSPORT_FAIL, "{}", 0, NULL, NULL, NULL },
    };
    static drv d;
    script s;
    drv_begin(&d, &s, steps, NSTEPS(steps), ONE, 1);
    REQUIRE(drv_client(&d, NULL) == 0);
    CHECK_INT(drv_run(&d), ACME2_ERR_TRANSPORT);
    CHECK_STR(d.log, "HHOHDHC!");
    CHECK_INT(d.k.cleaned_failed, 1);
    SCRIPT_DONE(s);
}

/* Nothing pushed at all (an event loop whose connection died before the
   status line): ACME2_ERR_TRANSPORT too. */
static void nothing_pushed_is_a_transport_failure(void)
{
    static const step steps[] = { ST_DIR };
    static drv d;
    script s;
    acme2_http_request req;
    drv_begin(&d, &s, steps, NSTEPS(steps), ONE, 1);
    REQUIRE(drv_client(&d, NULL) == 0);
    CHECK_INT(acme2_issuance_step(&d.is, &req), ACME2_STEP_HTTP);
    CHECK_STR(req.url, DIR_URL);
    CHECK_INT(acme2_issuance_step(&d.is, &req), ACME2_ERR_TRANSPORT);
    CHECK_INT(acme2_issuance_step(&d.is, &req), ACME2_ERR_TRANSPORT); /* sticky */
}

/* Bad answers at each position of the flow, each a clear error, never a
   DONE: a truncated order, an invalid JSON authorization, an HTML 500, a
   certificate of another key. */
static void bad_answers_fail_cleanly(void)
{
    static const char TRUNC[] = "{\"status\":\"pending\",\"authorizations\":[\"" CA "/auth";
    static const step s1[] = { ST_DIR, { "POST", CA "/order", 0, P_ORDER1, 201, JSON_CT ORDER_LOC, TRUNC, NULL } };
    static const step s2[] = { ST_DIR, ST_NEWORDER(P_ORDER1, ORDER_PENDING),
                               { "POST", CA "/authz/1", 0, "", 200, JSON_CT, "{\"status\":pending}", NULL } };
    static const step s3[] = { ST_DIR, ST_NEWORDER(P_ORDER1, ORDER_PENDING), ST_AUTHZ(1, AUTHZ_PENDING), ST_CHALL(1),
                               { "POST", CA "/order/1", 0, "", 500, "Content-Type: text/html\n", "<html>oops</html>", NULL } };
    static const step s4[] = { ST_DIR, ST_NEWORDER(P_ORDER1, ORDER_VALID), ST_CERT(chain_other_key) };
    static const step s5[] = { ST_DIR, ST_NEWORDER(P_ORDER1, ORDER_VALID), ST_CERT(chain_other_name) };
    struct { const step *st; int n; int want, cleaned; } rows[5];
    static drv d;
    int i;
    setup_keys();
    rows[0].st = s1; rows[0].n = NSTEPS(s1); rows[0].want = ACME2_ERR_PROTOCOL; rows[0].cleaned = 0;
    rows[1].st = s2; rows[1].n = NSTEPS(s2); rows[1].want = ACME2_ERR_PROTOCOL; rows[1].cleaned = 0;
    rows[2].st = s3; rows[2].n = NSTEPS(s3); rows[2].want = ACME2_ERR_HTTP; rows[2].cleaned = 1;
    rows[3].st = s4; rows[3].n = NSTEPS(s4); rows[3].want = ACME2_ERR_CERT_KEY; rows[3].cleaned = 0;
    rows[4].st = s5; rows[4].n = NSTEPS(s5); rows[4].want = ACME2_ERR_CERT_NAMES; rows[4].cleaned = 0;
    for (i = 0; i < 5; i++) {
        script s;
        const char *pem;
        size_t len;
        reset_clock();
        script_init(&s, rows[i].st, rows[i].n, &account_ec);
        s.kid = ACCT;
        drv_init(&d, &s, ONE, 1);
        REQUIRE(drv_client(&d, NULL) == 0);
        CHECK_MSG(drv_run(&d) == rows[i].want, "row %d: got %s, want %s", i, acme2_strerror(d.rc), acme2_strerror(rows[i].want));
        CHECK_MSG(d.k.cleaned == rows[i].cleaned, "row %d: %d cleanups, want %d", i, d.k.cleaned, rows[i].cleaned);
        CHECK_INT(acme2_issuance_chain(&d.is, &pem, &len), ACME2_ERR_STATE);
        SCRIPT_DONE(s);
    }
}

/* ------------------------------------------------------------------ sharing */

/* Two issuances from one thread, interleaved step by step, sharing one
   directory and the nonce pool: one directory fetch and one newNonce for
   both; every request signs with the freshest nonce the CA handed out. */
static void two_issuances_share_directory_and_nonces(void)
{
#define ORDER_AT(n, status, extra) \
    "{\"status\":\"" status "\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}]," \
    "\"authorizations\":[\"" CA "/authz/" #n "\"],\"finalize\":\"" CA "/order/" #n "/finalize\"" extra "}"
    static const char A_PENDING[] = ORDER_AT(1, "pending", "");
    static const char B_PENDING[] = ORDER_AT(2, "pending", "");
    static const char A_READY[] = ORDER_AT(1, "ready", "");
    static const char B_READY[] = ORDER_AT(2, "ready", "");
    static const char A_PROC[] = ORDER_AT(1, "processing", "");
    static const char B_PROC[] = ORDER_AT(2, "processing", "");
    static const char A_VALID[] = ORDER_AT(1, "valid", ",\"certificate\":\"" CA "/cert/1\"");
    static const char B_VALID[] = ORDER_AT(2, "valid", ",\"certificate\":\"" CA "/cert/2\"");
    static const char B_AUTHZ[] =
        "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"},\"status\":\"pending\","
        "\"challenges\":[{\"type\":\"http-01\",\"url\":\"" CA "/chall/9\",\"status\":\"pending\",\"token\":\"tok-b_9\"}]}";
    /* After A fetched the directory alone, A and B step in turn, each until
       it sent one request: each answer is parsed at the owner's next turn,
       so B's first newOrder finds the pool empty (one newNonce), and from
       then on each takes the nonce of its own last answer from the pool. */
    static const step steps[] = {
        ST_DIR,                                                       /* A: directory, into sh */
        { "POST", CA "/order", 0, P_ORDER1, 201, JSON_CT "Location: " CA "/order/1\n", A_PENDING, NULL },
        ST_HEAD,                                                      /* B: sh's directory, no nonce yet */
        ST_AUTHZ(1, AUTHZ_PENDING),
        { "POST", CA "/order", 0, P_ORDER1, 201, JSON_CT "Location: " CA "/order/2\n", B_PENDING, NULL },
        ST_CHALL(1),
        { "POST", CA "/authz/2", 0, "", 200, JSON_CT, B_AUTHZ, NULL },
        { "POST", CA "/order/1", 0, "", 200, JSON_CT, A_READY, NULL },
        { "POST", CA "/chall/9", 0, "{}", 200, JSON_CT, CHALL_PROCESSING, NULL },
        { "POST", CA "/order/1/finalize", 0, NULL, 200, JSON_CT, A_PROC, NULL },
        { "POST", CA "/order/2", 0, "", 200, JSON_CT, B_READY, NULL },
        { "POST", CA "/order/1", 0, "", 200, JSON_CT, A_VALID, NULL },
        { "POST", CA "/order/2/finalize", 0, NULL, 200, JSON_CT, B_PROC, NULL },
        ST_CERT(leaf_chain),
        { "POST", CA "/order/2", 0, "", 200, JSON_CT, B_VALID, NULL },
        { "POST", CA "/cert/2", 0, "", 200, PEM_CT, leaf_chain, NULL },
    };
    static drv a, b;
    static acme2_shared sh;
    script s;
    int guard = 0;
    setup_keys();
    reset_clock();
    script_init(&s, steps, NSTEPS(steps), &account_ec);
    s.kid = ACCT;
    acme2_shared_init(&sh);
    drv_init(&a, &s, ONE, 1);
    drv_init(&b, &s, ONE, 1);
    s.any_nonce = 1;
    REQUIRE(drv_client(&a, &sh) == 0);
    REQUIRE(drv_client(&b, &sh) == 0);
    {
        acme2_http_request req;
        REQUIRE(acme2_directory_request(&a.c, &req) == 0);
        REQUIRE(script_transport(&s, &req, acme2_client_response(&a.c)) == 0);
        REQUIRE(acme2_directory_response(&a.c) == 0);
        CHECK_INT(sh.have_dir, 1);
        CHECK_INT(sh.n_nonces, 1);
    }
    /* Each turn runs one issuance until it has sent one request (or ended). */
    while ((a.rc == 1 || b.rc == 1) && ++guard < 100) {
        drv *turn[2];
        int t;
        turn[0] = &a;
        turn[1] = &b;
        for (t = 0; t < 2; t++) {
            drv *d = turn[t];
            int before = s.pos;
            while (d->rc == 1 && s.pos == before) drv_step(d);
        }
    }
    CHECK_INT(a.rc, 0);
    CHECK_INT(b.rc, 0);
    CHECK_INT(s.n_get, 1);
    CHECK_INT(s.n_head, 1);
    CHECK_STR(a.k.token, "tok-http_1");
    CHECK_STR(b.k.token, "tok-b_9");
    SCRIPT_DONE(s);
    /* the pool holds the nonces of the last answers, for the next issuances */
    CHECK(sh.n_nonces >= 1);
#undef ORDER_AT
}

/* A shared directory is taken by a new client without a request; an
   explicit acme2_directory_request still fetches. */
static void shared_directory_needs_no_fetch(void)
{
    static const step steps[] = { ST_DIR };
    acme2_client c1, c2;
    static char w1[8192], w2[8192];
    static acme2_shared sh;
    acme2_options o = test_options();
    script s;
    acme2_http_request req;
    setup_keys();
    script_init(&s, steps, NSTEPS(steps), &account_ec);
    acme2_shared_init(&sh);
    REQUIRE(acme2_client_init(&c1, DIR_URL, &account_ec, w1, sizeof w1, script_transport, &s, &o) == 0);
    REQUIRE(acme2_client_init(&c2, DIR_URL, &account_ec, w2, sizeof w2, script_transport, &s, &o) == 0);
    CHECK_INT(acme2_client_share(&c1, &sh), 0);
    CHECK_INT(acme2_client_share(&c2, &sh), 0);
    CHECK_INT(acme2_directory_fetch(&c1), 0);
    CHECK_INT(acme2_directory_fetch(&c2), 0);
    CHECK_INT(s.pos, 1);
    REQUIRE(acme2_client_directory(&c2) != NULL);
    CHECK_STR(acme2_client_directory(&c2)->new_order, CA "/order");
    CHECK_STR(acme2_directory_caa(acme2_client_directory(&c2), 1), "ca2.test");
    /* the copy is c2's own: its strings live in c2, not in sh or c1 */
    CHECK((uintptr_t)acme2_client_directory(&c2)->new_order >= (uintptr_t)&c2 &&
          (uintptr_t)acme2_client_directory(&c2)->new_order < (uintptr_t)(&c2 + 1));
    CHECK_INT(acme2_directory_request(&c2, &req), 0);
    CHECK_STR(req.url, DIR_URL);
    CHECK_STR(req.method, "GET");
    CHECK_INT(acme2_client_share(NULL, &sh), ACME2_ERR_PARAM);
    SCRIPT_DONE(s);
}

/* ------------------------------------------------------- the nonce window */

/* The rest of a one-name flow after newOrder (every engine of these tests
   may use the same URLs: the script keeps no state). */
#define ST_FLOW_AFTER_ORDER ST_AUTHZ(1, AUTHZ_PENDING), ST_CHALL(1), ST_ONE_NAME_END

/* Engines on one script sharing sh, whose directory (fetched by the first,
   answered without a nonce) they all take: the pool starts empty. */
static void window_begin(script *s, const step *steps, int n, acme2_shared *sh, int window, drv *const *d, int n_d)
{
    acme2_http_request req;
    int i;
    setup_keys();
    reset_clock();
    script_init(s, steps, n, &account_ec);
    s->kid = ACCT;
    s->any_nonce = 1;
    acme2_shared_init(sh);
    sh->nonce_window = window;
    for (i = 0; i < n_d; i++) {
        drv_init(d[i], s, ONE, 1);
        REQUIRE(drv_client(d[i], sh) == 0);
    }
    REQUIRE(acme2_directory_request(&d[0]->c, &req) == 0);
    REQUIRE(script_transport(s, &req, acme2_client_response(&d[0]->c)) == 0);
    REQUIRE(acme2_directory_response(&d[0]->c) == 0);
    CHECK_INT(sh->have_dir, 1);
    CHECK_INT(sh->n_nonces, 0);
}

/* One step of d that must hand out a request (method expected), answered
   at once through the script (the answer is parsed at d's next step). */
static void window_send(drv *d, const char *method, const char *url)
{
    acme2_http_request req;
    int ev = acme2_issuance_step(&d->is, &req);
    CHECK_INT(ev, ACME2_STEP_HTTP);
    if (ev != ACME2_STEP_HTTP) return;
    CHECK_STR(req.method, method);
    CHECK_STR(req.url, url);
    if (script_transport(d->s, &req, acme2_client_response(&d->c)) < 0)
        acme2_response_fail(acme2_client_response(&d->c), ACME2_ERR_TRANSPORT);
}

static int window_step(drv *d)
{
    acme2_http_request req;
    return acme2_issuance_step(&d->is, &req);
}

/* Window 1, three issuances, an empty pool: one newNonce HEAD in all. The
   others say IDLE while a request of the group is in flight, and go on
   with the nonce its answer brought. */
static void nonce_window_one_head_for_three(void)
{
    static const step steps[] = {
        ST_DIR_NN,
        ST_HEAD,                                /* A: the group's only HEAD */
        ST_NEWORDER(P_ORDER1, ORDER_PENDING),   /* A, with the HEAD's nonce */
        ST_NEWORDER(P_ORDER1, ORDER_PENDING),   /* B, with the nonce of A's newOrder */
        ST_FLOW_AFTER_ORDER,                    /* B alone: each answer's nonce is its next request's */
        ST_FLOW_AFTER_ORDER,                    /* A */
        ST_NEWORDER(P_ORDER1, ORDER_PENDING), ST_FLOW_AFTER_ORDER, /* C */
    };
    static drv a, b, c;
    static acme2_shared sh;
    drv *all[3];
    script s;
    all[0] = &a; all[1] = &b; all[2] = &c;
    window_begin(&s, steps, NSTEPS(steps), &sh, 1, all, 3);
    window_send(&a, "HEAD", CA "/nonce");
    CHECK_INT(sh.in_flight, 1);
    CHECK_INT(window_step(&b), ACME2_STEP_IDLE);   /* no HEAD of its own: A's answer brings a nonce */
    CHECK_INT(window_step(&c), ACME2_STEP_IDLE);
    CHECK_INT(window_step(&b), ACME2_STEP_IDLE);   /* stays so while nothing was parsed */
    window_send(&a, "POST", CA "/order");          /* A parsed the HEAD and took its nonce */
    CHECK_INT(sh.n_nonces, 0);
    CHECK_INT(window_step(&c), ACME2_STEP_IDLE);
    CHECK_INT(window_step(&a), ACME2_STEP_ORDER);  /* parsed: its nonce went to the pool */
    CHECK_INT(sh.in_flight, 0);
    CHECK_INT(sh.n_nonces, 1);
    window_send(&b, "POST", CA "/order");          /* B takes it */
    CHECK_INT(window_step(&c), ACME2_STEP_IDLE);
    CHECK_INT(window_step(&a), ACME2_STEP_IDLE);   /* A too waits now, for its authorization */
    CHECK_INT(s.pos, 4);
    CHECK_INT(drv_run(&b), 0);                     /* nothing else in flight: B never waits */
    CHECK_INT(drv_run(&a), 0);
    CHECK_INT(drv_run(&c), 0);
    CHECK_INT(s.n_head, 1);
    CHECK_INT(sh.in_flight, 0);
    CHECK(sh.n_nonces >= 1);
    CHECK_INT(b.k.deployed, 1);
    CHECK_INT(c.k.cleaned, 1);
    SCRIPT_DONE(s);
}

/* The request a waiting engine counted on ends without a nonce: a
   transport failure, an answer without Replay-Nonce, an issuance reset
   while in flight. The waiting engine then sends its own HEAD; it never
   stays IDLE with nothing of the group in flight. */
static void nonce_window_never_waits_for_nothing(void)
{
    static const step steps[] = {
        ST_DIR_NN,
        { "HEAD", CA "/nonce", S_TRANSPORT_FAIL, NULL, 0, NULL, NULL, NULL }, /* A's */
        ST_HEAD,                                                              /* B's own */
        { "POST", CA "/order", S_NO_NONCE, P_ORDER1, 201, JSON_CT ORDER_LOC, ORDER_PENDING, NULL }, /* B */
        ST_HEAD,                                                              /* B's next */
        ST_HEAD,                                                              /* C's, B reset */
        ST_HEAD,                                                              /* D's own, C reset */
        ST_NEWORDER(P_ORDER1, ORDER_PENDING), ST_FLOW_AFTER_ORDER,            /* D */
    };
    static drv a, b, c, d;
    static acme2_shared sh;
    drv *all[4];
    script s;
    all[0] = &a; all[1] = &b; all[2] = &c; all[3] = &d;
    window_begin(&s, steps, NSTEPS(steps), &sh, 1, all, 4);
    /* A's HEAD fails: B waited for it, and sends its own once A parsed the failure */
    window_send(&a, "HEAD", CA "/nonce");
    CHECK_INT(window_step(&b), ACME2_STEP_IDLE);
    CHECK_INT(window_step(&a), ACME2_ERR_TRANSPORT);
    CHECK_INT(sh.in_flight, 0);
    window_send(&b, "HEAD", CA "/nonce");
    CHECK_INT(window_step(&d), ACME2_STEP_IDLE);
    /* B's newOrder is answered without a nonce: B itself needs a HEAD for
       its authorization, and D waits on that one */
    window_send(&b, "POST", CA "/order");
    CHECK_INT(window_step(&b), ACME2_STEP_ORDER);
    CHECK_INT(sh.n_nonces, 0);
    CHECK_INT(sh.in_flight, 0);
    window_send(&b, "HEAD", CA "/nonce");
    CHECK_INT(window_step(&d), ACME2_STEP_IDLE);
    CHECK_INT(window_step(&c), ACME2_STEP_IDLE);
    /* an issuance reset while its request is in flight stops counting */
    acme2_issuance_reset(&b.is);
    CHECK_INT(sh.in_flight, 0);
    window_send(&c, "HEAD", CA "/nonce");
    CHECK_INT(window_step(&d), ACME2_STEP_IDLE);
    acme2_issuance_reset(&c.is);
    CHECK_INT(sh.in_flight, 0);
    window_send(&d, "HEAD", CA "/nonce");
    CHECK_INT(drv_run(&d), 0);
    CHECK_INT(s.n_head, 5);
    CHECK_INT(sh.in_flight, 0);
    acme2_issuance_reset(&a.is);
    acme2_issuance_reset(&d.is);
    CHECK_INT(sh.in_flight, 0);
    SCRIPT_DONE(s);
}

/* The blocking acme2_issue (acme2_issuance_run) cannot wait for another
   engine's answer: with the group's window full it sends its own HEAD. */
static void nonce_window_blocking_issue_sends_its_head(void)
{
    static const step steps[] = {
        ST_DIR_NN,
        ST_HEAD,                                                   /* A's, left in flight */
        ST_HEAD, ST_NEWORDER(P_ORDER1, ORDER_PENDING), ST_FLOW_AFTER_ORDER, /* acme2_issue's */
        ST_NEWORDER(P_ORDER1, ORDER_PENDING), ST_FLOW_AFTER_ORDER, /* A */
    };
    static drv a;
    static acme2_shared sh;
    static char w[16384];
    drv *all[1];
    script s;
    acme2_client e;
    acme2_issue_params p;
    acme2_identifier id;
    calls k;
    acme2_options o = test_options();
    const char *pem;
    size_t len;
    all[0] = &a;
    window_begin(&s, steps, NSTEPS(steps), &sh, 1, all, 1);
    window_send(&a, "HEAD", CA "/nonce");
    CHECK_INT(sh.in_flight, 1);
    REQUIRE(acme2_client_init(&e, DIR_URL, &account_ec, w, sizeof w, script_transport, &s, &o) == 0);
    REQUIRE(acme2_client_set_account(&e, ACCT) == 0);
    REQUIRE(acme2_client_share(&e, &sh) == 0);
    issue_params(&p, &id, &k);
    CHECK_INT(acme2_issue(&e, &p, &pem, &len), 0);
    CHECK_INT(k.deployed, 1);
    CHECK_INT(sh.in_flight, 1);                    /* acme2_issue's requests are not counted */
    CHECK_INT(drv_run(&a), 0);
    CHECK_INT(s.n_head, 2);
    CHECK_INT(sh.in_flight, 0);
    SCRIPT_DONE(s);
}

/* ------------------------------------------------------------ chain check */

static void chain_check_is_public(void)
{
    static const step steps[] = { ST_DIR };
    acme2_client c;
    script s;
    acme2_identifier id[2];
    static char buf[8192];
    size_t n;
    setup_keys();
    REQUIRE(client_with(&c, &s, steps, NSTEPS(steps)) == 0);
    example_id(&id[0], "example.org");
    example_id(&id[1], "www.example.org");
    CHECK_INT(acme2_chain_check(&c, leaf_chain, strlen(leaf_chain), &cert_key, NULL, 0, id, 1), 0);
    CHECK_INT(acme2_chain_check(&c, chain2, strlen(chain2), &cert_key, NULL, 0, id, 2), 0);
    CHECK_INT(acme2_chain_check(&c, leaf_chain, strlen(leaf_chain), &cert_key, NULL, 0, id, 2), ACME2_ERR_CERT_NAMES);
    CHECK_INT(acme2_chain_check(&c, chain_other_key, strlen(chain_other_key), &cert_key, NULL, 0, id, 1), ACME2_ERR_CERT_KEY);
    CHECK_INT(acme2_chain_check(&c, chain_other_name, strlen(chain_other_name), &cert_key, NULL, 0, id, 1), ACME2_ERR_CERT_NAMES);
    /* the issuer cut in the middle: refused, not handed out */
    n = strlen(leaf_chain);
    memcpy(buf, leaf_chain, n);
    n -= 100;
    buf[n] = 0;
    CHECK(acme2_chain_check(&c, buf, n, &cert_key, NULL, 0, id, 1) < 0);
    CHECK_INT(acme2_chain_check(&c, "", 0, &cert_key, NULL, 0, id, 1), ACME2_ERR_PROTOCOL);
    CHECK_INT(acme2_chain_check(&c, leaf_chain, strlen(leaf_chain), NULL, NULL, 0, id, 1), ACME2_ERR_PARAM);
    /* with the CSR's key instead of the key itself */
    {
        unsigned char csr[1024];
        int len = acme2_csr_der(csr, sizeof csr, &cert_key, id, 1, 0);
        REQUIRE(len > 0);
        CHECK_INT(acme2_chain_check(&c, leaf_chain, strlen(leaf_chain), NULL, csr, (size_t)len, id, 1), 0);
        CHECK_INT(acme2_chain_check(&c, chain_other_key, strlen(chain_other_key), NULL, csr, (size_t)len, id, 1), ACME2_ERR_CERT_KEY);
    }
}

static void start_checks_its_arguments(void)
{
    static drv d;
    script s;
    setup_keys();
    memset(&s, 0, sizeof s);
    drv_init(&d, &s, ONE, 1);
    d.p.cert_key = NULL;
    CHECK_INT(drv_client(&d, NULL), ACME2_ERR_PARAM);
    d.p.cert_key = &cert_key;
    d.p.n_ids = 0;
    CHECK_INT(acme2_issuance_start(&d.is, &d.c, &d.p), ACME2_ERR_PARAM);
    CHECK_INT(acme2_issuance_start(NULL, &d.c, &d.p), ACME2_ERR_PARAM);
}

int main(void)
{
    RUN(one_name_step_by_step);
    RUN(late_deploys_out_of_order);
    RUN(late_decline_refetches_and_tries_the_next_type);
    RUN(failed_deploy_cleans_up_everything);
    RUN(validation_seen_cuts_the_blind_wait);
    RUN(validation_seen_before_polling_sets_the_first_wait);
    RUN(expected_fetches_poll_once_after_the_last);
    RUN(fewer_fetches_than_expected_poll_after_the_fallback);
    RUN(expected_fetches_without_a_challenge);
    RUN(issue_wait_callback_reports_a_count);
    RUN(after_a_seen_poll_the_next_is_a_step_later);
    RUN(retry_after_is_not_cut_short_by_validation_seen);
    RUN(rate_limit_is_a_wait_then_a_resend);
    RUN(transport_failure_cleans_up);
    RUN(nothing_pushed_is_a_transport_failure);
    RUN(bad_answers_fail_cleanly);
    RUN(two_issuances_share_directory_and_nonces);
    RUN(shared_directory_needs_no_fetch);
    RUN(nonce_window_one_head_for_three);
    RUN(nonce_window_never_waits_for_nothing);
    RUN(nonce_window_blocking_issue_sends_its_head);
    RUN(chain_check_is_public);
    RUN(start_checks_its_arguments);
    return t_done("engine");
}
