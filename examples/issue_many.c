/* issue_many.c - many certificates from one thread: one issuance engine
   per certificate, all stepped from one poll loop over one libcurl multi
   handle (HTTP/2 to the CA), sharing one directory and one nonce pool.
   Challenges are dns-01, published asynchronously through a DNS API:
   pebble-challtestsrv's /set-txt and /clear-txt stand in for a real
   provider's, and a deploy is answered only when that API call completed,
   while the other issuances go on.

       issue_many DIRECTORY CA_FILE DNS_API N [PARALLEL [OUTDIR [WINDOW]]]

   issues N one-name certificates (cN-PID.many.test), at most PARALLEL at
   once (default N, at most MAX_SLOTS), each leaf checked by the engine
   (key, name, whole chain); with OUTDIR (not "") each chain is written
   there as N.pem. WINDOW (default NONCE_WINDOW) is the shared pool's
   nonce_window: an engine that finds the pool empty while that many
   requests are in flight waits (IDLE) for the nonce their answers bring
   instead of asking newNonce, so the whole run costs about WINDOW newNonce
   requests and keeps about WINDOW requests in flight, however many
   engines run (0: one newNonce per engine that finds the pool empty).
   Prints one summary line "issued I of N ... requests R (R/N per
   certificate)" and exits 0 when all N were issued. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "multi_curl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SLOTS 128
#define WORK_SIZE 16384
#define NONCE_WINDOW 4 /* acme2_shared.nonce_window: about the HEADs in all, and the requests at once */
#define DNS_XFERS 2   /* API calls one issuance may have in flight (a deploy and a cleanup) */

/* One issuance in flight: what each one costs is sizeof(slot) less the
   libcurl handles (printed at the start). */
typedef struct slot {
    acme2_client c;
    acme2_issuance is;
    acme2_issue_params p;
    acme2_identifier id;
    acme2_key cert_key;
    char name[64];
    char work[WORK_SIZE];
    int job;               /* certificate number, -1 when free */
    int net;               /* an ACME exchange is in flight */
    int answered;          /* ... and its answer is in, not yet parsed */
    int idle;              /* the engine said IDLE when `events` was idle_at */
    unsigned long idle_at;
    int dns_busy;          /* API calls in flight */
    long long wake_ms;     /* WAIT: step again at this time */
    unsigned long requests;
    mc_xfer acme, dns[DNS_XFERS];
    struct dns_call { struct slot *s; int id; int deploy; } calls[DNS_XFERS];
} slot;

static slot slots[MAX_SLOTS];
static mc_loop loop;
static acme2_shared shared;
static acme2_key account;
static const char *dns_api, *outdir;
static int n_jobs, next_job, issued, failed;
/* Answers parsed and deploys answered so far: an engine that said IDLE
   waits for one of them (its deploy, or with the nonce window a nonce
   another engine's answer brought), so it is stepped again only after
   this moved. */
static unsigned long events;
static const int dns01[1] = { ACME2_CHALLENGE_DNS_01 };

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_acme_done(void *user, int rc)
{
    (void)rc; /* a failure was pushed into the response: the engine sees it */
    ((slot *)user)->net = 0;
    ((slot *)user)->answered = 1;
}

static void on_dns_done(void *user, int rc)
{
    struct dns_call *call = (struct dns_call *)user;
    call->s->dns_busy--;
    events++;
    if (call->deploy) acme2_issuance_deployed(&call->s->is, call->id, rc == 0 ? 0 : ACME2_ERR_CALLBACK);
}

/* Publishes (or removes) the TXT record of the event's challenge. */
static int dns_call(slot *s, int deploy)
{
    const acme2_challenge_info *ci = acme2_issuance_challenge(&s->is);
    char json[512], url[256];
    int i;
    for (i = 0; i < DNS_XFERS && s->dns[i].busy; i++) {}
    if (i == DNS_XFERS) return -1;
    snprintf(url, sizeof url, "%s/%s", dns_api, deploy ? "set-txt" : "clear-txt");
    if (deploy) snprintf(json, sizeof json, "{\"host\":\"%s.\",\"value\":\"%s\"}", ci->dns_name, ci->dns_value);
    else snprintf(json, sizeof json, "{\"host\":\"%s.\"}", ci->dns_name);
    s->calls[i].s = s;
    s->calls[i].id = acme2_issuance_challenge_id(&s->is);
    s->calls[i].deploy = deploy;
    if (mc_post_json(&loop, &s->dns[i], url, json, on_dns_done, &s->calls[i])) return -1;
    s->dns_busy++;
    return 0;
}

static void finish(slot *s, int rc)
{
    if (rc == 0) {
        const char *pem = NULL;
        size_t len = 0;
        issued++;
        acme2_issuance_chain(&s->is, &pem, &len);
        if (outdir) {
            char path[512];
            FILE *f;
            snprintf(path, sizeof path, "%s/%d.pem", outdir, s->job);
            f = fopen(path, "w");
            if (!f || fwrite(pem, 1, len, f) != len) rc = -1;
            if (f && fclose(f)) rc = -1;
            if (rc) { fprintf(stderr, "issue_many: cannot write %s\n", path); failed++; issued--; }
        }
    } else {
        const acme2_problem *pr = acme2_client_problem(&s->c);
        failed++;
        fprintf(stderr, "issue_many: %s: %s%s%s\n", s->name, acme2_strerror(rc), pr->detail[0] ? ": " : "", pr->detail);
    }
    acme2_issuance_reset(&s->is);
    acme2_key_wipe(&s->cert_key);
    s->job = -1;
}

/* Takes the next certificate into slot s (index i: slot 0's client made
   the account and is kept). Returns 0, or 1 when it failed at once. */
static int start_job(slot *s, int i, const char *directory, const char *kid)
{
    int rc;
    s->job = next_job++;
    snprintf(s->name, sizeof s->name, "c%d-%ld.many.test", s->job, (long)getpid());
    s->id.type = ACME2_ID_DNS;
    s->id.value = s->name;
    memset(&s->p, 0, sizeof s->p);
    s->p.ids = &s->id;
    s->p.n_ids = 1;
    s->p.cert_key = &s->cert_key;
    s->p.challenge_types = dns01;
    s->p.n_challenge_types = 1;
    s->wake_ms = 0;
    rc = acme2_key_generate(&s->cert_key, ACME2_KEY_EC, 256, NULL);
    if (rc == 0 && (i > 0 || s->job > 0))
        rc = acme2_client_init(&s->c, directory, &account, s->work, sizeof s->work, NULL, NULL, NULL);
    if (rc == 0) rc = acme2_client_set_account(&s->c, kid);
    if (rc == 0) rc = acme2_client_share(&s->c, &shared);
    if (rc == 0) rc = acme2_issuance_start(&s->is, &s->c, &s->p);
    if (rc) finish(s, rc);
    return rc != 0;
}

/* Steps one issuance until it waits for something. */
static void run_slot(slot *s, long long now)
{
    if (s->job < 0 || s->net) return;
    if (s->wake_ms) {
        if (s->wake_ms > now) return;
        s->wake_ms = 0;
    }
    if (s->idle && s->idle_at == events) return;
    s->idle = 0;
    if (s->answered) { /* the step parses it */
        s->answered = 0;
        events++;
    }
    for (;;) {
        acme2_http_request req;
        int ev;
        if (s->job < 0 || s->net || s->wake_ms) return;
        if (s->dns_busy == DNS_XFERS) return; /* the next event may need an API call */
        ev = acme2_issuance_step(&s->is, &req);
        switch (ev) {
        case ACME2_STEP_HTTP:
            s->requests++;
            if (mc_acme(&loop, &s->acme, &req, acme2_client_response(&s->c), on_acme_done, s) == 0) s->net = 1;
            else acme2_response_fail(acme2_client_response(&s->c), ACME2_ERR_TRANSPORT);
            break;
        case ACME2_STEP_DEPLOY:
            if (dns_call(s, 1)) acme2_issuance_deployed(&s->is, acme2_issuance_challenge_id(&s->is), ACME2_ERR_CALLBACK);
            break;
        case ACME2_STEP_CLEANUP:
            dns_call(s, 0);
            break;
        case ACME2_STEP_WAIT:
            s->wake_ms = now_ms() + acme2_issuance_wait_ms(&s->is);
            return;
        case ACME2_STEP_IDLE: /* a deploy's API call is still running, or no nonce yet */
            s->idle = 1;
            s->idle_at = events;
            return;
        case ACME2_STEP_ORDER:
            break;
        default: /* DONE or an error */
            finish(s, ev == ACME2_STEP_DONE ? 0 : ev);
            return;
        }
    }
}

/* A single operation through the pairs, waiting on the loop: for the
   account, before the issuances start. */
static int drive_account(acme2_client *c)
{
    acme2_account_params ap;
    acme2_account a;
    int rc;
    memset(&ap, 0, sizeof ap);
    ap.terms_agreed = 1;
    for (;;) {
        acme2_http_request req;
        rc = acme2_account_new_request(c, &ap, &req);
        if (rc) return rc;
        slots[0].net = 1;
        if (mc_acme(&loop, &slots[0].acme, &req, acme2_client_response(c), on_acme_done, &slots[0])) return ACME2_ERR_TRANSPORT;
        while (slots[0].net) mc_poll(&loop, 1000);
        rc = acme2_account_new_response(c, &a);
        if (rc != ACME2_AGAIN) return rc;
    }
}

int main(int argc, char **argv)
{
    long long t0;
    int parallel, window, i, rc, busy;
    char kid[ACME2_MAX_URL + 1];
    if (argc < 5) {
        fprintf(stderr, "usage: issue_many DIRECTORY CA_FILE DNS_API N [PARALLEL [OUTDIR [WINDOW]]]\n");
        return 2;
    }
    dns_api = argv[3];
    n_jobs = atoi(argv[4]);
    parallel = argc > 5 ? atoi(argv[5]) : n_jobs;
    outdir = argc > 6 && argv[6][0] ? argv[6] : NULL;
    window = argc > 7 ? atoi(argv[7]) : NONCE_WINDOW;
    if (n_jobs <= 0) return 2;
    if (parallel <= 0 || parallel > n_jobs) parallel = n_jobs;
    if (parallel > MAX_SLOTS) parallel = MAX_SLOTS;
    printf("issue_many: %d certificates, %d at once; per issuance in flight: %u bytes "
           "(client %u + work buffer %u + issuance %u + the rest of the slot)\n",
           n_jobs, parallel, (unsigned)sizeof(slot), (unsigned)sizeof(acme2_client), (unsigned)WORK_SIZE,
           (unsigned)sizeof(acme2_issuance));
    if (mc_init(&loop, argv[2])) return 1;
    t0 = now_ms();
    /* The account, through the first slot's client; that client's
       directory goes into the shared one for every other client. */
    acme2_shared_init(&shared);
    shared.nonce_window = window;
    if (acme2_key_generate(&account, ACME2_KEY_EC, 256, NULL) ||
        acme2_client_init(&slots[0].c, argv[1], &account, slots[0].work, sizeof slots[0].work, NULL, NULL, NULL) ||
        acme2_client_share(&slots[0].c, &shared)) {
        fprintf(stderr, "issue_many: setup failed\n");
        return 1;
    }
    rc = drive_account(&slots[0].c);
    if (rc) {
        fprintf(stderr, "issue_many: account: %s\n", acme2_strerror(rc));
        return 1;
    }
    snprintf(kid, sizeof kid, "%s", acme2_client_account(&slots[0].c));
    for (i = 0; i < parallel; i++) {
        slot *s = &slots[i];
        s->job = -1;
    }
    for (;;) {
        long long next = -1, t, now = now_ms();
        unsigned long before = events;
        busy = 0;
        for (i = 0; i < parallel; i++) {
            slot *s = &slots[i];
            if (s->job < 0 && next_job < n_jobs && start_job(s, i, argv[1], kid)) continue;
            run_slot(s, now);
            if (s->job >= 0 || s->dns_busy) busy = 1;
            if (s->job >= 0 && !s->net && s->wake_ms && (next < 0 || s->wake_ms < next)) next = s->wake_ms;
        }
        if (!busy && next_job >= n_jobs) break;
        /* An engine stepped before the one whose answer brought a nonce
           may be idle for it: then a second pass at once. */
        t = events != before ? 0 : next < 0 ? 1000 : next - now_ms();
        mc_poll(&loop, t < 0 ? 0 : t);
    }
    {
        unsigned long req = 0;
        double wall = (double)(now_ms() - t0) / 1000.0;
        for (i = 0; i < parallel; i++) req += slots[i].requests;
        printf("issue_many: issued %d of %d in %.3f s; ACME requests %lu (%.2f per certificate) plus 1 for the account; "
               "DNS API calls %lu; connections %lu\n",
               issued, n_jobs, wall, req, (double)req / n_jobs, loop.requests - req - 1, loop.connections);
    }
    for (i = 0; i < parallel; i++) {
        int k;
        mc_xfer_free(&slots[i].acme);
        for (k = 0; k < DNS_XFERS; k++) mc_xfer_free(&slots[i].dns[k]);
        acme2_client_reset(&slots[i].c);
    }
    acme2_key_wipe(&account);
    mc_free(&loop);
    return issued == n_jobs && failed == 0 ? 0 : 1;
}
