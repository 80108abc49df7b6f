/* Fuzz target: a whole issuance (acme2_issue, optionally after
   acme2_account_new) through a transport that answers every request with
   the next response record of the input (fuzz_common.h) and fails once
   the records run out.

   Input: two option bytes, then the records.
     byte 0  bit 0: create the account first (else the account URL is set)
             bit 1: pass a ready CSR instead of the certificate key
             bit 2: ask for the first alternate chain
             bit 3: stream the chain into a sink
             bit 4: prefer dns-01, tls-alpn-01, dns-account-01 (else the default order)
             bit 5: resume a saved order URL
             bit 6: replace a certificate (ARI "replaces")
             bit 7: the deploy callback declines http-01
     byte 1  bit 0: one identifier (else example.org and www.example.org)
             bit 1: add the IP identifier 192.0.2.1
             bit 2: the deploy callback fails on its second call
             bit 3: profile "classic"
             bit 4: the new account carries an External Account Binding
   Time is a fake clock that sleeping advances, so polling costs nothing.
   Checked: every request is well-formed; cleanup is called exactly once
   for each deployed challenge, with the same challenge; on success the
   chain lies in the work buffer. For a tls-alpn-01 challenge the deploy
   callback builds the challenge certificate from the server's identifier
   and token, and reads it back: it must parse, cover the identifier and
   carry the certificate key. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "fuzz_common.h"

#ifndef FUZZ_ENTRY_FLOW
#define FUZZ_ENTRY_FLOW LLVMFuzzerTestOneInput
#endif
int FUZZ_ENTRY_FLOW(const uint8_t *data, size_t size);

#define FF_WORK 16384
#define FF_MAX_DEPLOYED 64

typedef struct ff_deployed {
    int type;
    char token[ACME2_MAX_TOKEN + 1];
    char ident[ACME2_DNS_TEXT_MAX + 1];
    int cleaned;
} ff_deployed;

static struct {
    fuzz_in in;
    int requests;
    int deploys, deploy_calls, cleanups;
    unsigned flags0, flags1;
    ff_deployed dep[FF_MAX_DEPLOYED];
    acme2_client *c;
    size_t sunk;
    int rc;  /* what acme2_issue returned (1 when it did not run) */
} ff;

static char ff_work[FF_WORK];
static acme2_client ff_client;
static unsigned char ff_csr[1024];
static int ff_csr_len;

static int ff_transport(void *user, const acme2_http_request *req, acme2_http_response *resp)
{
    fuzz_record rec;
    (void)user;
    FUZZ_ASSERT(resp == acme2_client_response(ff.c));
    FUZZ_ASSERT(req->method && req->url && fuzz_url_ok(req->url));
    if (strcmp(req->method, "POST") == 0) {
        FUZZ_ASSERT(req->content_type && strcmp(req->content_type, "application/jose+json") == 0);
        FUZZ_ASSERT(req->body && req->body_len > 0);
        FUZZ_ASSERT(acme2_json_parse(req->body, req->body_len, NULL, 0) > 0);
    } else {
        FUZZ_ASSERT(strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0);
        FUZZ_ASSERT(req->body == NULL);
    }
    ff.requests++;
    if (!fuzz_next_record(&ff.in, &rec)) return ACME2_ERR_TRANSPORT;
    return fuzz_push_record(resp, &rec);
}

static int ff_deploy(void *user, const acme2_challenge_info *ch)
{
    ff_deployed *d;
    (void)user;
    ff.deploy_calls++;
    FUZZ_ASSERT(ch->token && ch->identifier.value && ch->key_authorization && ch->dns_name && ch->dns_value && ch->http_path);
    FUZZ_ASSERT(strlen(ch->token) <= ACME2_MAX_TOKEN);
    FUZZ_ASSERT(strncmp(ch->key_authorization, ch->token, strlen(ch->token)) == 0);
    FUZZ_ASSERT(ch->key_authorization[strlen(ch->token)] == '.');
    if (ch->type == ACME2_CHALLENGE_HTTP_01) FUZZ_ASSERT(strncmp(ch->http_path, "/.well-known/acme-challenge/", 28) == 0);
    if (ch->type == ACME2_CHALLENGE_DNS_01) FUZZ_ASSERT(strncmp(ch->dns_name, "_acme-challenge.", 16) == 0);
    if ((ff.flags0 & 0x80) && ch->type == ACME2_CHALLENGE_HTTP_01) return 1;
    if (ch->type == ACME2_CHALLENGE_TLS_ALPN_01) {
        static unsigned char cert[2048];
        acme2_cert_info ci;
        int n = acme2_tls_alpn01_cert(cert, sizeof cert, fuzz_cert_key(), fuzz_account_key(), &ch->identifier,
                                      ch->token, fuzz_now);
        FUZZ_ASSERT(n > 0 || n == ACME2_ERR_IDENTIFIER || n == ACME2_ERR_TOKEN);
        if (n > 0) {
            FUZZ_ASSERT((size_t)n <= sizeof cert);
            FUZZ_ASSERT(acme2_cert_parse(&ci, cert, (size_t)n) == 0);
            FUZZ_ASSERT(acme2_cert_covers(&ci, &ch->identifier, 1) == 0);
            FUZZ_ASSERT(acme2_cert_key_match(&ci, fuzz_cert_key()) == 0);
            FUZZ_ASSERT(ci.not_before <= fuzz_now && fuzz_now <= ci.not_after);
        }
    }
    FUZZ_ASSERT(ff.deploys < FF_MAX_DEPLOYED);
    d = &ff.dep[ff.deploys++];
    d->type = ch->type;
    d->cleaned = 0;
    snprintf(d->token, sizeof d->token, "%s", ch->token);
    snprintf(d->ident, sizeof d->ident, "%s", ch->identifier.value);
    if ((ff.flags1 & 4) && ff.deploy_calls == 2) return -1;
    return 0;
}

static void ff_cleanup(void *user, const acme2_challenge_info *ch)
{
    int i;
    (void)user;
    ff.cleanups++;
    for (i = 0; i < ff.deploys; i++) {
        ff_deployed *d = &ff.dep[i];
        if (!d->cleaned && d->type == ch->type && strcmp(d->token, ch->token) == 0 &&
            strcmp(d->ident, ch->identifier.value) == 0) {
            d->cleaned = 1;
            return;
        }
    }
    FUZZ_ASSERT(!"cleanup of a challenge that was not deployed (or cleaned twice)");
}

static int ff_sink(void *user, const void *data, size_t len)
{
    (void)user;
    (void)data;
    ff.sunk += len;
    return 0;
}

static void ff_on_order(void *user, const char *url)
{
    (void)user;
    FUZZ_ASSERT(fuzz_url_ok(url));
}

int FUZZ_ENTRY_FLOW(const uint8_t *data, size_t size)
{
    static const int prefs[3] = { ACME2_CHALLENGE_DNS_01, ACME2_CHALLENGE_TLS_ALPN_01, ACME2_CHALLENGE_DNS_ACCOUNT_01 };
    acme2_identifier ids[3];
    size_t n_ids = 0;
    acme2_options opt;
    acme2_issue_params p;
    acme2_client *c = &ff_client;
    const char *pem = NULL;
    size_t pem_len = 0;
    int rc, i;

    if (size < 2) return 0;
    fuzz_keys_init();
    if (!ff_csr_len) {
        acme2_identifier one;
        one.type = ACME2_ID_DNS;
        one.value = "example.org";
        ff_csr_len = acme2_csr_der(ff_csr, sizeof ff_csr, fuzz_cert_key(), &one, 1, 0);
        FUZZ_ASSERT(ff_csr_len > 0);
    }
    memset(&ff, 0, sizeof ff);
    ff.flags0 = data[0];
    ff.flags1 = data[1];
    ff.in.p = data + 2;
    ff.in.n = size - 2;
    ff.c = c;
    ff.rc = 1;
    fuzz_now = FUZZ_EPOCH;

    memset(&opt, 0, sizeof opt);
    opt.clock = fuzz_clock;
    opt.sleep = fuzz_sleep;
    opt.poll_timeout = 20;
    opt.poll_max_interval = 4;
    opt.max_wait = 10;
    FUZZ_ASSERT(acme2_client_init(c, FUZZ_CA "/dir", fuzz_account_key(), ff_work, sizeof ff_work, ff_transport, NULL,
                                  &opt) == 0);
    if (ff.flags0 & 1) {
        static const char *const contacts[] = { "mailto:a@example.org" };
        acme2_account_params ap;
        acme2_account acct;
        memset(&ap, 0, sizeof ap);
        ap.contacts = contacts;
        ap.n_contacts = 1;
        ap.terms_agreed = 1;
        if (ff.flags1 & 0x10) {
            static const unsigned char mac[32] = { 1, 2, 3, 4, 5, 6, 7, 8 };
            ap.eab_kid = "kid-1";
            ap.eab_key = mac;
            ap.eab_key_len = sizeof mac;
            ap.eab_bits = 256u << (ff.flags1 >> 5 & 1); /* HS256 or HS512 */
        }
        rc = acme2_account_new(c, &ap, &acct);
#ifdef FUZZ_VERBOSE
        fprintf(stderr, "acme2_account_new: %s\n", acme2_strerror(rc));
#endif
        FUZZ_ASSERT(rc == 0 || fuzz_is_err(rc));
        fuzz_check_problem(acme2_client_problem(c));
        if (rc != 0) return 0;
        FUZZ_ASSERT(fuzz_url_ok(acme2_client_account(c)));
    } else {
        FUZZ_ASSERT(acme2_client_set_account(c, FUZZ_CA "/acct/1") == 0);
    }

    ids[n_ids].type = ACME2_ID_DNS;
    ids[n_ids++].value = "example.org";
    if (!(ff.flags1 & 1)) {
        ids[n_ids].type = ACME2_ID_DNS;
        ids[n_ids++].value = "www.example.org";
    }
    if (ff.flags1 & 2) {
        ids[n_ids].type = ACME2_ID_IP;
        ids[n_ids++].value = "192.0.2.1";
    }
    memset(&p, 0, sizeof p);
    p.ids = ids;
    p.n_ids = n_ids;
    if (ff.flags0 & 2) {
        p.csr = ff_csr;
        p.csr_len = (size_t)ff_csr_len;
    } else {
        p.cert_key = fuzz_cert_key();
    }
    p.chain = (ff.flags0 & 4) ? 1 : 0;
    if (ff.flags0 & 8) {
        p.sink = ff_sink;
        p.sink_user = NULL;
    }
    if (ff.flags0 & 0x10) {
        p.challenge_types = prefs;
        p.n_challenge_types = 3;
    }
    p.deploy = ff_deploy;
    p.cleanup = ff_cleanup;
    p.on_order = ff_on_order;
    if (ff.flags0 & 0x20) p.resume_order = FUZZ_CA "/order/1";
    if (ff.flags0 & 0x40) p.replaces = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE";
    if (ff.flags1 & 8) p.profile = "classic";

    rc = acme2_issue(c, &p, &pem, &pem_len);
    ff.rc = rc;
#ifdef FUZZ_VERBOSE
    fprintf(stderr, "acme2_issue: %s (%d requests, %d deployed)\n", acme2_strerror(rc), ff.requests, ff.deploys);
#endif
    FUZZ_ASSERT(rc == 0 || fuzz_is_err(rc));
    fuzz_check_problem(acme2_client_problem(c));
    fuzz_check_response(acme2_client_response(c));
    FUZZ_ASSERT(c->work_limit == 0);
    /* every deployed challenge (declined ones are not deployed) was cleaned up once */
    for (i = 0; i < ff.deploys; i++) FUZZ_ASSERT(ff.dep[i].cleaned);
    FUZZ_ASSERT(ff.cleanups == ff.deploys);
    if (rc == 0) {
        FUZZ_ASSERT(pem && pem_len > 0);
        FUZZ_ASSERT(pem >= ff_work && pem + pem_len <= ff_work + sizeof ff_work);
        if (p.sink) FUZZ_ASSERT(ff.sunk == acme2_client_response(c)->body_total);
    }
    /* the porcelain leaves the client usable */
    FUZZ_ASSERT(acme2_client_response(c)->body_len <= acme2_client_response(c)->body_cap);
    return 0;
}

#undef FUZZ_ENTRY_FLOW
