/* Records real ACME responses from a local Pebble for the benchmarks:
   the JSON documents the tokenizer benchmark parses (*.json in bench/data)
   and full issuance traces that stack.c replays (*.trace there).
   Run by bench/capture.sh, which starts Pebble with
   PEBBLE_VA_ALWAYS_VALID=1 (no challenge responders needed).

       capture DIRECTORY_URL CA_FILE OUTDIR

   Keys come from a fixed-seed HMAC-DRBG, so the replay derives the same
   keys (and, signatures being deterministic, the same requests). */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "transport_curl.h"
#include "trace.h"

typedef struct recorder {
    acme2_curl_transport tc;
    FILE *trace;             /* NULL: not recording a trace */
    const char *outdir;
    const char *force;       /* save the next JSON body under this name */
    char saved[16][32];      /* names already written: first one wins */
    int n_saved;
} recorder;

static void save_json(recorder *r, const acme2_http_response *resp)
{
    const char *b = resp->body, *name;
    char path[1024];
    FILE *f;
    int i;
    if (!resp->body_len || !strstr(resp->content_type, "json")) return;
    /* Classify by content: the first document of each kind is kept. */
    if (r->force) name = r->force;
    else if (strstr(b, "\"newNonce\"")) name = "directory";
    else if (strstr(b, "urn:ietf:params:acme:error:") && strstr(resp->content_type, "problem")) name = "problem";
    else if (strstr(b, "\"challenges\"")) name = "authz";
    else if (strstr(b, "\"finalize\"")) name = strstr(b, "\"certificate\"") ? "order-valid" : "order";
    else if (strstr(b, "\"token\"")) name = "challenge";
    else if (strstr(b, "\"key\"") || strstr(b, "\"contact\"")) name = "account";
    else return;
    r->force = NULL;
    for (i = 0; i < r->n_saved; i++)
        if (strcmp(r->saved[i], name) == 0) return;
    if (r->n_saved < 16) snprintf(r->saved[r->n_saved++], sizeof r->saved[0], "%s", name);
    snprintf(path, sizeof path, "%s/%s.json", r->outdir, name);
    f = fopen(path, "wb");
    if (!f) { perror(path); return; }
    fwrite(resp->body, 1, resp->body_len, f);
    fclose(f);
    fprintf(stderr, "capture: %s (%zu bytes)\n", path, resp->body_len);
}

static int record(void *user, const acme2_http_request *req, acme2_http_response *resp)
{
    recorder *r = (recorder *)user;
    int rc = acme2_curl_exchange(&r->tc, req, resp);
    if (rc != 0) return rc;
    if (r->trace) trace_write(r->trace, req, resp);
    save_json(r, resp);
    return 0;
}

static int deploy(void *user, const acme2_challenge_info *ch)
{
    (void)user; (void)ch;
    return 0; /* Pebble runs with PEBBLE_VA_ALWAYS_VALID=1 */
}

static acme2_key account_key, cert_key, other_key;
static char work[32768];

static int fail(const char *what, int rc, const acme2_client *c)
{
    const acme2_problem *p = c ? acme2_client_problem(c) : NULL;
    fprintf(stderr, "capture: %s: %s", what, acme2_strerror(rc));
    if (p && p->type != ACME2_PROB_NONE) fprintf(stderr, " (%s: %s)", p->type_str, p->detail);
    fprintf(stderr, "\n");
    return 1;
}

static void keygen(acme2_key *k, int kind, unsigned bits, const char *seed)
{
    br_hmac_drbg_context d;
    bench_drbg(&d, seed);
    if (acme2_key_generate(k, kind, bits, &d.vtable) != 0) {
        fprintf(stderr, "capture: key generation failed\n");
        exit(1);
    }
}

/* One account and one issuance, recorded into OUTDIR/NAME.trace. */
static int issue_trace(recorder *rec, const char *dir_url, const acme2_key *key, const char *name)
{
    static acme2_client c;
    acme2_account acct;
    acme2_account_params ap;
    acme2_issue_params ip;
    acme2_identifier ids[2];
    const char *contacts[1] = { "mailto:bench@example.org" };
    const char *pem;
    size_t pem_len;
    char path[1024];
    int rc;
    snprintf(path, sizeof path, "%s/%s.trace", rec->outdir, name);
    rec->trace = fopen(path, "wb");
    if (!rec->trace) { perror(path); return 1; }
    rc = acme2_client_init(&c, dir_url, key, work, sizeof work, record, rec, NULL);
    if (rc) return fail("client_init", rc, NULL);
    memset(&ap, 0, sizeof ap);
    ap.contacts = contacts;
    ap.n_contacts = 1;
    ap.terms_agreed = 1;
    rc = acme2_account_new(&c, &ap, &acct);
    if (rc) return fail("account_new", rc, &c);
    ids[0].type = ACME2_ID_DNS; ids[0].value = "bench.example.org";
    ids[1].type = ACME2_ID_DNS; ids[1].value = "www.bench.example.org";
    memset(&ip, 0, sizeof ip);
    ip.ids = ids;
    ip.n_ids = 2;
    ip.cert_key = &cert_key;
    ip.deploy = deploy;
    rc = acme2_issue(&c, &ip, &pem, &pem_len);
    if (rc) return fail("issue", rc, &c);
    fclose(rec->trace);
    rec->trace = NULL;
    fprintf(stderr, "capture: %s (certificate chain %zu bytes)\n", path, pem_len);
    acme2_client_reset(&c);
    return 0;
}

int main(int argc, char **argv)
{
    static recorder rec;
    static acme2_client c;
    static acme2_order order;
    static acme2_identifier many[30];
    static char names[30][32];
    acme2_account acct;
    acme2_account_params ap;
    acme2_order_params op;
    int rc, i;
    if (argc != 4) {
        fprintf(stderr, "usage: capture DIRECTORY_URL CA_FILE OUTDIR\n");
        return 2;
    }
    rec.outdir = argv[3];
    if (acme2_curl_init(&rec.tc, argv[2], 5000, 30000, NULL, NULL) != 0) return fail("curl_init", ACME2_ERR_TRANSPORT, NULL);

    keygen(&account_key, ACME2_KEY_EC, 256, "acme2.h bench: ES256 account key");
    keygen(&cert_key, ACME2_KEY_EC, 256, "acme2.h bench: certificate key");
    if (issue_trace(&rec, argv[1], &account_key, "issue-es256")) return 1;
    keygen(&other_key, ACME2_KEY_RSA, 2048, "acme2.h bench: RS256 account key");
    if (issue_trace(&rec, argv[1], &other_key, "issue-rs256")) return 1;

    /* A larger order: 30 names, 30 authorization URLs. */
    rc = acme2_client_init(&c, argv[1], &account_key, work, sizeof work, record, &rec, NULL);
    if (rc) return fail("client_init", rc, NULL);
    memset(&ap, 0, sizeof ap);
    ap.terms_agreed = 1;
    rc = acme2_account_new(&c, &ap, &acct);
    if (rc) return fail("account_new", rc, &c);
    for (i = 0; i < 30; i++) {
        snprintf(names[i], sizeof names[i], "host%02d.bench.example.org", i);
        many[i].type = ACME2_ID_DNS;
        many[i].value = names[i];
    }
    memset(&op, 0, sizeof op);
    op.ids = many;
    op.n_ids = 30;
    rec.force = "order-30";
    rc = acme2_order_new(&c, &op, &order);
    /* 30 authorization URLs exceed ACME2_ORDER_STRINGS by design: only the
       document is wanted here. */
    if (rc && rc != ACME2_ERR_NOSPACE) return fail("order_new", rc, &c);
    rec.force = NULL;

    /* A problem document: look up an account that does not exist. */
    acme2_key_wipe(&other_key);
    keygen(&other_key, ACME2_KEY_EC, 256, "acme2.h bench: unknown account key");
    acme2_client_set_account(&c, "");
    acme2_client_set_key(&c, &other_key);
    ap.only_existing = 1;
    rec.force = "problem";
    rc = acme2_account_new(&c, &ap, &acct);
    if (rc != ACME2_ERR_PROBLEM) return fail("lookup of an unknown account (expected a problem)", rc, &c);

    acme2_client_reset(&c);
    acme2_curl_free(&rec.tc);
    acme2_key_wipe(&account_key);
    acme2_key_wipe(&cert_key);
    acme2_key_wipe(&other_key);
    return 0;
}
