/* ACME2_MINIMAL, the smallest configuration (every droppable feature off,
   what `make size` measures as "smallest"): it still issues a certificate
   with EC keys loaded from DER, through the scripted server (tests/script.h)
   with openssl-issued chains, and the dropped features fail as the
   CONFIGURATION comment says. */
#define ACME2_MINIMAL
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"
#include "script.h"
#include "proto_fixtures.h"

static void minimal_issues_with_http01(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER(P_ORDER1, ORDER_PENDING),
        ST_AUTHZ(1, AUTHZ_PENDING),
        ST_CHALL(1),
        ST_ORDER(ORDER_READY),
        { "POST", CA "/order/1/finalize", 0, NULL, 200, JSON_CT, ORDER_PROCESSING, csr_check },
        ST_ORDER(ORDER_VALID),
        ST_CERT(leaf_chain),
    };
    acme2_client c;
    script s;
    acme2_issue_params p;
    acme2_identifier id;
    calls k;
    const char *pem = NULL;
    size_t pem_len = 0;
    char tp[64], want_ka[128];
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    issue_params(&p, &id, &k);
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), 0);
    SCRIPT_DONE(s);
    CHECK_INT(k.deployed, 1);
    CHECK_INT(k.cleaned, 1);
    CHECK_INT(k.type, ACME2_CHALLENGE_HTTP_01);
    CHECK_STR(k.http_path, "/.well-known/acme-challenge/tok-http_1");
    REQUIRE(acme2_jwk_thumbprint(&account_ec, tp, sizeof tp) == 43);
    snprintf(want_ka, sizeof want_ka, "tok-http_1.%s", tp);
    CHECK_STR(k.keyauth, want_ka);
    CHECK_INT(pem_len, strlen(leaf_chain));
    CHECK(pem && memcmp(pem, leaf_chain, pem_len) == 0);
}

static int log_calls;
static void count_log(void *user, int level, const char *msg)
{
    (void)user; (void)level; (void)msg;
    log_calls++;
}

/* ... and says nothing: no log messages are compiled in. */
static void minimal_issues_with_dns01_and_a_p384_account(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER(P_ORDER1, ORDER_PENDING),
        ST_AUTHZ(1, AUTHZ_PENDING),
        ST_CHALL(2),
        ST_ORDER(ORDER_READY),
        ST_FINALIZE,
        ST_ORDER(ORDER_VALID),
        ST_CERT(leaf_chain),
    };
    acme2_options o;
    acme2_client c;
    script s;
    acme2_issue_params p;
    acme2_identifier id;
    calls k;
    const char *pem = NULL;
    size_t pem_len = 0;
    setup_keys();
    o = test_options();
    o.log = count_log;
    log_calls = 0;
    REQUIRE(client_opt(&c, &s, steps, NSTEPS(steps), &account_p384, &o) == 0);
    REQUIRE(acme2_client_set_account(&c, ACCT) == 0);
    REQUIRE(acme2_directory_fetch(&c) == 0);
    issue_params(&p, &id, &k);
    k.decline_http = 1;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), 0);
    SCRIPT_DONE(s);
    CHECK_INT(k.type, ACME2_CHALLENGE_DNS_01);
    CHECK_STR(k.dns_name, "_acme-challenge.example.org");
    CHECK_INT(strlen(k.dns_value), 43);
    CHECK_INT(pem_len, strlen(leaf_chain));
    CHECK_INT(log_calls, 0);
}

/* The leaf checks stay: a chain for another key is refused. */
static void minimal_still_checks_the_leaf(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER(P_ORDER1, ORDER_READY),
        ST_FINALIZE,
        ST_ORDER(ORDER_VALID),
        ST_CERT(chain_other_key),
    };
    acme2_client c;
    script s;
    acme2_issue_params p;
    acme2_identifier id;
    calls k;
    const char *pem;
    size_t pem_len;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    issue_params(&p, &id, &k);
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), ACME2_ERR_CERT_KEY);
}

static void minimal_drops_features_as_documented(void)
{
    static const step steps[] = { ST_DIR };
    static const char pem_key[] = "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n";
    acme2_client c;
    script s;
    acme2_account_params ap;
    acme2_account a;
    acme2_identifier ip;
    unsigned char b[16], der[256];
    acme2_key k;
    br_ec_private_key sk;
    size_t n;
    setup_keys();
    /* EC only, and small */
    CHECK(sizeof(acme2_key) < 300);
    /* keys in DER only: PEM is no key format */
    memset(&k, 0, sizeof k);
    CHECK_INT(acme2_key_load(&k, pem_key, strlen(pem_key)), ACME2_ERR_KEY_FORMAT);
    CHECK_INT(k.kind, ACME2_KEY_NONE);
    /* a DER key in PKCS#8 loads as it does in the full configuration */
    sk.curve = cert_key.curve;
    sk.x = cert_key.buf + cert_key.off[0];
    sk.xlen = cert_key.len[0];
    n = br_encode_ec_pkcs8_der(der, &sk, NULL);
    REQUIRE(n > 0 && n <= sizeof der);
    CHECK_INT(acme2_key_load(&k, der, n), 0);
    CHECK_INT(k.kind, ACME2_KEY_EC);
    CHECK(memcmp(k.buf, cert_key.buf, sizeof k.buf) == 0);
    /* no IP identifiers */
    CHECK_INT(acme2_ip_parse("192.0.2.1", b), ACME2_ERR_IDENTIFIER);
    ip.type = ACME2_ID_IP;
    ip.value = "192.0.2.1";
    CHECK_INT(acme2_identifier_check(&ip), ACME2_ERR_IDENTIFIER);
    /* no EAB: refused before any request */
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    memset(&ap, 0, sizeof ap);
    ap.terms_agreed = 1;
    ap.eab_kid = "kid-1";
    ap.eab_key = (const unsigned char *)"0123456789abcdef";
    ap.eab_key_len = 16;
    CHECK_INT(acme2_account_new(&c, &ap, &a), ACME2_ERR_UNSUPPORTED);
    SCRIPT_DONE(s);
    /* no strings */
    CHECK_STR(acme2_strerror(ACME2_ERR_DER), "");
}

/* What issuing does not need is not read: profiles, RFC 9444, the
   dns-persist-01 meta, subproblems, timestamps, the draft challenges and
   Link headers; the requests that would need them fail before any
   request. */
static const char DIR_EVERYTHING[] =
    "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA "/order\","
    "\"meta\":{\"caaIdentities\":[\"ca.test\"],\"profiles\":{\"classic\":\"c\"},\"subdomainAuthAllowed\":true,"
    "\"accountHashPrefix\":\"" CA "/account-hash/\",\"issuerDomainNames\":[\"ca.test\"]}}";
static const char AUTHZ_DRAFTS[] =
    "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"},\"status\":\"valid\",\"expires\":\"2026-12-06T00:00:00Z\","
    "\"subdomainAuthAllowed\":true,"
    "\"challenges\":[{\"type\":\"dns-account-01\",\"url\":\"" CA "/chall/4\",\"status\":\"valid\",\"token\":\"tok-acct_4\","
    "\"validated\":\"2026-11-30T10:00:00Z\"},"
    "{\"type\":\"dns-persist-01\",\"url\":\"" CA "/chall/5\",\"status\":\"pending\",\"issuerDomainNames\":[\"ca.test\"]}]}";

static void minimal_reads_only_what_issuing_needs(void)
{
    static const step steps[] = {
        { "GET", DIR_URL, 0, NULL, 200, JSON_CT, DIR_EVERYTHING, NULL },
        ST_ORDER(ORDER2_INVALID),
        ST_ORDER(ORDER_PENDING),
        ST_AUTHZ(1, AUTHZ_DRAFTS),
        { "POST", CA "/cert/1", 0, "", 200,
          PEM_CT "Link: <" CA "/cert/1/up>;rel=\"up\", <" CA "/cert/1/1>;rel=\"alternate\"\n", NULL, NULL },
    };
    acme2_client c;
    script s;
    acme2_order o;
    acme2_authz a;
    acme2_order_params op;
    acme2_identifier id;
    const acme2_problem *pr;
    const acme2_directory *d;
    const char *pem, *anc[1] = { "example.org" };
    size_t pem_len;
    acme2_http_request req;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    d = acme2_client_directory(&c);
    REQUIRE(d != NULL);
    CHECK_INT(d->n_caa, 1);
    CHECK_INT(d->n_profiles, 0);
    CHECK_INT(d->subdomain_auth_allowed, 0);
    CHECK_STR(d->account_hash_prefix, "");
    CHECK_INT(d->n_issuer_domains, 0);
    /* no subproblems: the problem itself is still read */
    memset(&o, 0, sizeof o);
    CHECK_INT(acme2_order_get(&c, CA "/order/1", &o), ACME2_ERR_INVALID);
    pr = acme2_client_problem(&c);
    CHECK_INT(pr->type, ACME2_PROB_OTHER); /* no table of problem types */
    CHECK_STR(pr->type_str, "urn:ietf:params:acme:error:compound");
    CHECK_STR(pr->detail, "Some identifiers failed");
    CHECK_INT(pr->n_sub, 0);
    CHECK_INT(pr->n_sub_total, 0);
    /* no timestamps */
    CHECK_INT(acme2_order_get(&c, CA "/order/1", &o), 0);
    CHECK_INT(o.status, ACME2_STATUS_PENDING);
    CHECK(o.expires == 0);
    CHECK_STR(acme2_order_authz(&o, 0), CA "/authz/1");
    /* the draft challenges are other challenges; no RFC 9444 */
    CHECK_INT(acme2_authz_get(&c, CA "/authz/1", &a), 0);
    CHECK(a.expires == 0);
    CHECK_INT(a.subdomain_auth_allowed, 0);
    REQUIRE(a.n_challenges == 2);
    CHECK_INT(a.challenges[0].type, ACME2_CHALLENGE_OTHER);
    CHECK_STR(a.challenges[0].type_str, "dns-account-01");
    CHECK_STR(a.challenges[0].token, "tok-acct_4");
    CHECK(a.challenges[0].validated == 0);
    CHECK_INT(a.challenges[1].type, ACME2_CHALLENGE_OTHER);
    CHECK_STR(a.challenges[1].type_str, "dns-persist-01");
    CHECK_INT(a.challenges[1].n_issuer_domains, 0);
    /* Link headers are ignored: the response has no room for them (an empty
       body is still refused) */
    CHECK_INT(acme2_certificate_download(&c, CA "/cert/1", &pem, &pem_len), ACME2_ERR_PROTOCOL);
    CHECK(sizeof c.resp < 512);
    SCRIPT_DONE(s);
    /* orders that need a dropped feature fail before any request */
    example_id(&id, "www.example.org");
    memset(&op, 0, sizeof op);
    op.ids = &id;
    op.n_ids = 1;
    op.profile = "classic";
    CHECK_INT(acme2_order_new_request(&c, &op, &req), ACME2_ERR_PROFILE);
    op.profile = NULL;
    op.ancestor_domains = anc;
    CHECK_INT(acme2_order_new_request(&c, &op, &req), ACME2_ERR_UNSUPPORTED);
    op.ancestor_domains = NULL;
    op.not_after = 1800000000;
    CHECK_INT(acme2_order_new_request(&c, &op, &req), ACME2_ERR_UNSUPPORTED);
    SCRIPT_DONE(s);
}

/* Retry-After: delta-seconds only; a date is as if there were none. */
static void minimal_retry_after_is_seconds_only(void)
{
    acme2_http_response r;
    CHECK(acme2_retry_after_parse("120", 3, 1000) == 120);
    CHECK(acme2_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", 29, 0) == ACME2_ERR_PROTOCOL);
    memset(&r, 0, sizeof r);
    CHECK_INT(acme2_response_status(&r, 503), 0);
    CHECK_INT(acme2_response_header(&r, "Retry-After", 11, "Sun, 06 Nov 2050 08:49:37 GMT", 29), 0);
    CHECK(r.retry_after == -1);
    CHECK_INT(acme2_response_header(&r, "Retry-After", 11, "7", 1), 0);
    CHECK(r.retry_after == 7);
}

/* acme2_issue refuses what needs Link headers before any request. */
static void minimal_issue_refuses_chain_links(void)
{
    static const step steps[] = { ST_DIR };
    acme2_client c;
    script s;
    acme2_issue_params p;
    acme2_identifier id;
    calls k;
    const char *pem = NULL;
    size_t pem_len = 0;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    issue_params(&p, &id, &k);
    p.full_chain = 1;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), ACME2_ERR_UNSUPPORTED);
    p.full_chain = 0;
    p.chain = 1;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), ACME2_ERR_UNSUPPORTED);
    CHECK_INT(k.deployed, 0);
    SCRIPT_DONE(s);
}

/* The problem types the library acts on are still told apart: a badNonce
   is retried, another type is only ACME2_PROB_OTHER. */
static void minimal_still_retries_bad_nonce(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/order/1", 0, "", 400, PROBLEM_CT, PROB("badNonce", "stale"), NULL },
        ST_ORDER(ORDER_READY),
        { "POST", CA "/order/1", 0, "", 429, PROBLEM_CT, PROB("rateLimited", "slow down"), NULL },
    };
    acme2_client c;
    script s;
    acme2_order o;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    CHECK(order_get_works(&c));
    memset(&o, 0, sizeof o);
    CHECK_INT(acme2_order_get(&c, CA "/order/1", &o), ACME2_ERR_PROBLEM);
    CHECK_INT(acme2_client_problem(&c)->type, ACME2_PROB_OTHER);
    CHECK_STR(acme2_client_problem(&c)->type_str, "urn:ietf:params:acme:error:rateLimited");
    SCRIPT_DONE(s);
}

int main(void)
{
    RUN(minimal_issues_with_http01);
    RUN(minimal_issues_with_dns01_and_a_p384_account);
    RUN(minimal_still_checks_the_leaf);
    RUN(minimal_drops_features_as_documented);
    RUN(minimal_reads_only_what_issuing_needs);
    RUN(minimal_retry_after_is_seconds_only);
    RUN(minimal_issue_refuses_chain_links);
    RUN(minimal_still_retries_bad_nonce);
    return t_done("minimal");
}
