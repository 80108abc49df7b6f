/* firmware_loop.c - the shape of a device that renews its certificate from
   its main loop: no threads, no blocking call, every byte of acme2.h's state
   in static storage (printed at the start), and the loop free to do the
   device's other work between steps.

   The device supplies four things (the "platform" below): start an HTTP
   exchange and say later that it ended, start publishing a DNS TXT record
   and say later that it is published, a millisecond clock, and a way to
   sleep until the next event (on a device: wait for an interrupt). Here
   they are libcurl's multi interface and pebble-challtestsrv's DNS API, so
   the example runs against Pebble on a desktop:

       firmware_loop DIRECTORY CA_FILE DNS_API NAME [CHAIN_OUT]

   exits 0 once a certificate for NAME was issued and checked. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "multi_curl.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- what acme2.h needs, all static: the RAM budget of the renewal ---- */

static acme2_key account_key, cert_key;
static acme2_client client;
static char work[8192];          /* every request and answer of an EC account */
static acme2_issuance issuance;

/* ---- the platform (a device's HTTP client, DNS API, clock) ---- */

static mc_loop net;
static mc_xfer http_xfer, dns_xfer;
static int http_busy, dns_busy, dns_result;
static const char *dns_api;

static void http_ended(void *user, int rc) { (void)user; (void)rc; http_busy = 0; }
static void dns_ended(void *user, int rc) { (void)user; dns_result = rc; dns_busy = 0; }

static int plat_http_start(const acme2_http_request *req, acme2_http_response *resp)
{
    http_busy = 1;
    if (mc_acme(&net, &http_xfer, req, resp, http_ended, NULL) == 0) return 0;
    http_busy = 0;
    return -1;
}

static int plat_dns_start(const char *name, const char *value)
{
    char url[256], json[512];
    snprintf(url, sizeof url, "%s/%s", dns_api, value ? "set-txt" : "clear-txt");
    if (value) snprintf(json, sizeof json, "{\"host\":\"%s.\",\"value\":\"%s\"}", name, value);
    else snprintf(json, sizeof json, "{\"host\":\"%s.\"}", name);
    dns_busy = 1;
    if (mc_post_json(&net, &dns_xfer, url, json, dns_ended, NULL) == 0) return 0;
    dns_busy = 0;
    return -1;
}

static long long plat_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs network completions; sleeps at most ms waiting for them. */
static void plat_idle(long long ms) { mc_poll(&net, ms < 0 ? 0 : (long)ms); }

/* ---- the renewal task: called from the main loop, returns at once ---- */

enum { RENEW_RUNNING, RENEW_DONE, RENEW_FAILED };

static struct {
    int state;
    long long wake;         /* engine WAIT: not before this time */
    int deploy_id;          /* the deploy whose DNS record is being published, -1 none */
    int steps, requests;
} task;

static int renew_step(void)
{
    acme2_http_request req;
    const acme2_challenge_info *ci;
    int ev;
    if (task.state != RENEW_RUNNING || http_busy || plat_ms() < task.wake) return task.state;
    if (task.deploy_id >= 0) {
        if (dns_busy) return task.state;
        acme2_issuance_deployed(&issuance, task.deploy_id, dns_result == 0 ? 0 : ACME2_ERR_CALLBACK);
        task.deploy_id = -1;
    }
    if (dns_busy) return task.state; /* a record removal still running */
    task.steps++;
    ev = acme2_issuance_step(&issuance, &req);
    switch (ev) {
    case ACME2_STEP_HTTP:
        task.requests++;
        if (plat_http_start(&req, acme2_client_response(&client)))
            acme2_response_fail(acme2_client_response(&client), ACME2_ERR_TRANSPORT);
        break;
    case ACME2_STEP_DEPLOY:
        ci = acme2_issuance_challenge(&issuance);
        task.deploy_id = acme2_issuance_challenge_id(&issuance);
        if (plat_dns_start(ci->dns_name, ci->dns_value)) dns_result = -1;
        break;
    case ACME2_STEP_CLEANUP:
        plat_dns_start(acme2_issuance_challenge(&issuance)->dns_name, NULL);
        break;
    case ACME2_STEP_WAIT:
        task.wake = plat_ms() + acme2_issuance_wait_ms(&issuance);
        break;
    case ACME2_STEP_ORDER: /* a device would save the order URL in flash here */
    case ACME2_STEP_IDLE:
        break;
    case ACME2_STEP_DONE:
        task.state = RENEW_DONE;
        break;
    default:
        fprintf(stderr, "firmware_loop: renewal failed: %s (%s)\n", acme2_strerror(ev),
                acme2_client_problem(&client)->detail);
        task.state = RENEW_FAILED;
        break;
    }
    return task.state;
}

/* An account, through the pairs, before the renewal: the same main-loop
   shape, kept short. */
static int register_account(void)
{
    acme2_account_params ap;
    acme2_account a;
    int rc;
    memset(&ap, 0, sizeof ap);
    ap.terms_agreed = 1;
    do {
        acme2_http_request req;
        if ((rc = acme2_account_new_request(&client, &ap, &req)) != 0) return rc;
        if (plat_http_start(&req, acme2_client_response(&client))) return ACME2_ERR_TRANSPORT;
        while (http_busy) plat_idle(1000);
        rc = acme2_account_new_response(&client, &a);
    } while (rc == ACME2_AGAIN);
    return rc;
}

int main(int argc, char **argv)
{
    static const int dns01[1] = { ACME2_CHALLENGE_DNS_01 };
    acme2_identifier id;
    acme2_issue_params p;
    long long t0;
    int loops = 0, rc;
    if (argc < 5) {
        fprintf(stderr, "usage: firmware_loop DIRECTORY CA_FILE DNS_API NAME [CHAIN_OUT]\n");
        return 2;
    }
    dns_api = argv[3];
    printf("firmware_loop: acme2.h state in RAM: client %u + work buffer %u + issuance %u + keys %u = %u bytes\n",
           (unsigned)sizeof client, (unsigned)sizeof work, (unsigned)sizeof issuance,
           (unsigned)(2 * sizeof(acme2_key)),
           (unsigned)(sizeof client + sizeof work + sizeof issuance + 2 * sizeof(acme2_key)));
    if (mc_init(&net, argv[2]) ||
        acme2_key_generate(&account_key, ACME2_KEY_EC, 256, NULL) ||
        acme2_key_generate(&cert_key, ACME2_KEY_EC, 256, NULL) ||
        acme2_client_init(&client, argv[1], &account_key, work, sizeof work, NULL, NULL, NULL)) {
        fprintf(stderr, "firmware_loop: setup failed\n");
        return 1;
    }
    if ((rc = register_account()) != 0) {
        fprintf(stderr, "firmware_loop: account: %s\n", acme2_strerror(rc));
        return 1;
    }
    id.type = ACME2_ID_DNS;
    id.value = argv[4];
    memset(&p, 0, sizeof p);
    p.ids = &id;
    p.n_ids = 1;
    p.cert_key = &cert_key;
    p.challenge_types = dns01;
    p.n_challenge_types = 1;
    task.deploy_id = -1;
    if (acme2_issuance_start(&issuance, &client, &p)) return 1;

    /* The device's main loop: the renewal is one task among others. */
    t0 = plat_ms();
    while (renew_step() == RENEW_RUNNING) {
        long long until = task.wake - plat_ms();
        loops++;
        /* ... the device's other work goes here ... */
        plat_idle(http_busy || dns_busy ? 1000 : until);
    }
    printf("firmware_loop: %s after %d engine steps, %d requests, %d loop turns, %lld ms\n",
           task.state == RENEW_DONE ? "certificate issued" : "failed", task.steps, task.requests, loops,
           plat_ms() - t0);
    if (task.state == RENEW_DONE && argc > 5) {
        const char *pem = NULL;
        size_t len = 0;
        FILE *f = fopen(argv[5], "w");
        acme2_issuance_chain(&issuance, &pem, &len);
        if (!f || fwrite(pem, 1, len, f) != len || fclose(f)) return 1;
    }
    rc = task.state == RENEW_DONE ? 0 : 1;
    acme2_issuance_reset(&issuance);
    acme2_client_reset(&client);
    acme2_key_wipe(&account_key);
    acme2_key_wipe(&cert_key);
    mc_xfer_free(&http_xfer);
    mc_xfer_free(&dns_xfer);
    mc_free(&net);
    return rc;
}
