/* protocol: every operation through the scripted transport (tests/script.h),
   which checks each request the client sends and answers as an RFC 8555
   server would. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"
#include "script.h"

#define CA "https://ca.test"
#define DIR_URL CA "/dir"

static const char DIRECTORY[] =
    "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA "/order\","
    "\"newAuthz\":\"" CA "/authz\",\"revokeCert\":\"" CA "/revoke\",\"keyChange\":\"" CA "/key-change\","
    "\"renewalInfo\":\"" CA "/ari\",\"meta\":{\"termsOfService\":\"" CA "/tos\",\"website\":\"" CA "\","
    "\"caaIdentities\":[\"ca.test\",\"ca2.test\"],\"externalAccountRequired\":false,"
    "\"profiles\":{\"classic\":\"The usual\",\"shortlived\":\"Seven days\"}}}";

#define JSON_CT "Content-Type: application/json\n"
#define PROBLEM_CT "Content-Type: application/problem+json\n"

static const char ORDER_PENDING[] =
    "{\"status\":\"pending\",\"expires\":\"2026-12-06T00:00:00Z\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
    "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}";
static const char ORDER_READY[] =
    "{\"status\":\"ready\",\"expires\":\"2026-12-06T00:00:00Z\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
    "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}";
static const char ORDER_PROCESSING[] =
    "{\"status\":\"processing\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
    "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}";
static const char ORDER_VALID[] =
    "{\"status\":\"valid\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
    "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\","
    "\"certificate\":\"" CA "/cert/1\"}";
static const char AUTHZ_PENDING[] =
    "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"},\"status\":\"pending\",\"expires\":\"2026-12-06T00:00:00Z\","
    "\"challenges\":[{\"type\":\"http-01\",\"url\":\"" CA "/chall/1\",\"status\":\"pending\",\"token\":\"tok-http_1\"},"
    "{\"type\":\"dns-01\",\"url\":\"" CA "/chall/2\",\"status\":\"pending\",\"token\":\"tok-dns_2\"},"
    "{\"type\":\"tls-alpn-01\",\"url\":\"" CA "/chall/3\",\"status\":\"pending\",\"token\":\"tok-alpn_3\"}]}";
static const char CHALL_PROCESSING[] =
    "{\"type\":\"http-01\",\"url\":\"" CA "/chall/1\",\"status\":\"processing\",\"token\":\"tok-http_1\"}";
static const char ACCOUNT_VALID[] = "{\"status\":\"valid\",\"contact\":[\"mailto:a@example.org\"],\"orders\":\"" CA "/acct/1/orders\"}";

/* A fake clock: sleeps advance it, so polling costs no real time. */
static long long fake_now = 1800000000LL;
static long long slept_total;
static int sleeps;
static long long fake_clock(void *u) { (void)u; return fake_now; }
static void fake_sleep(void *u, unsigned s) { (void)u; fake_now += s; slept_total += s; sleeps++; }

static acme2_options test_options(void)
{
    acme2_options o;
    memset(&o, 0, sizeof o);
    o.clock = fake_clock;
    o.sleep = fake_sleep;
    return o;
}

static acme2_key account_ec, cert_key;
static char work[16384];
static char leaf_chain[8192];
static int have_chain;

/* A chain for cert_key covering example.org, made by openssl from our CSR
   (a CA of the test's own), so the porcelain's leaf check has real input. */
static int make_chain(void)
{
    unsigned char csr[2048];
    acme2_identifier id;
    int n;
    long got;
    id.type = ACME2_ID_DNS;
    id.value = "example.org";
    n = acme2_csr_der(csr, sizeof csr, &cert_key, &id, 1, 0);
    if (n < 0 || t_write_file(t_path("leaf.csr"), csr, (size_t)n)) return -1;
    if (t_sh("cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem "
             "-subj /CN=test-ca -days 30 2>/dev/null && "
             "openssl x509 -req -inform DER -in leaf.csr -CA ca.pem -CAkey ca.key -days 30 -copy_extensions copy "
             "-out leaf.pem 2>/dev/null && cat leaf.pem ca.pem > chain.pem", t_tmpdir()) != 0)
        return -1;
    got = t_read_file(t_path("chain.pem"), leaf_chain, sizeof leaf_chain - 1);
    if (got <= 0) return -1;
    leaf_chain[got] = 0;
    have_chain = 1;
    return 0;
}

static void setup_keys(void)
{
    static int done;
    if (done) return;
    done = 1;
    if (acme2_key_generate(&account_ec, ACME2_KEY_EC, 256, NULL) != 0 ||
        acme2_key_generate(&cert_key, ACME2_KEY_EC, 256, NULL) != 0 || make_chain() != 0) {
        fprintf(stderr, "setup failed\n");
        exit(1);
    }
}

/* deploy/cleanup recorders */
typedef struct calls {
    int deployed, cleaned, decline_http;
    int type;
    char token[64], keyauth[128], ident[64], dns_name[128], dns_value[64], http_path[128];
} calls;

static int rec_deploy(void *u, const acme2_challenge_info *ch)
{
    calls *k = (calls *)u;
    if (k->decline_http && ch->type == ACME2_CHALLENGE_HTTP_01) return 1;
    k->deployed++;
    k->type = ch->type;
    snprintf(k->token, sizeof k->token, "%s", ch->token);
    snprintf(k->keyauth, sizeof k->keyauth, "%s", ch->key_authorization);
    snprintf(k->ident, sizeof k->ident, "%s", ch->identifier.value);
    snprintf(k->dns_name, sizeof k->dns_name, "%s", ch->dns_name);
    snprintf(k->dns_value, sizeof k->dns_value, "%s", ch->dns_value);
    snprintf(k->http_path, sizeof k->http_path, "%s", ch->http_path);
    return 0;
}

static void rec_cleanup(void *u, const acme2_challenge_info *ch)
{
    calls *k = (calls *)u;
    if (strcmp(ch->token, k->token) == 0) k->cleaned++;
}

static char saved_order[256];
static void rec_order(void *u, const char *url) { (void)u; snprintf(saved_order, sizeof saved_order, "%s", url); }

static int client_with(acme2_client *c, script *s, const step *steps, int n)
{
    acme2_options o = test_options();
    script_init(s, steps, n, &account_ec);
    return acme2_client_init(c, DIR_URL, &account_ec, work, sizeof work, script_transport, s, &o);
}

#define NSTEPS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void directory_is_parsed_with_meta(void)
{
    static const step steps[] = { { "GET", DIR_URL, 0, NULL, 200, JSON_CT, DIRECTORY, NULL } };
    acme2_client c;
    script s;
    const acme2_directory *d;
    setup_keys();
    REQUIRE(client_with(&c, &s, steps, NSTEPS(steps)) == 0);
    CHECK_INT(acme2_directory_fetch(&c), 0);
    CHECK_INT(acme2_directory_fetch(&c), 0); /* cached: no second request */
    CHECK_INT(s.pos, 1);
    d = acme2_client_directory(&c);
    REQUIRE(d != NULL);
    CHECK_STR(d->new_nonce, CA "/nonce");
    CHECK_STR(d->new_order, CA "/order");
    CHECK_STR(d->renewal_info, CA "/ari");
    CHECK_STR(d->terms_of_service, CA "/tos");
    CHECK_STR(d->website, CA);
    CHECK_INT(d->external_account_required, 0);
    CHECK_INT(d->n_caa, 2);
    CHECK_STR(acme2_directory_caa(d, 1), "ca2.test");
    CHECK_INT(d->n_profiles, 2);
    CHECK_STR(acme2_directory_profile(d, 0), "classic");
    CHECK_STR(acme2_directory_profile(d, 1), "shortlived");
    CHECK(acme2_directory_profile(d, 2) == NULL);
    CHECK_INT(s.errors, 0);
}

static void account_create_with_jwk_stores_kid(void)
{
    static const step steps[] = {
        { "GET", DIR_URL, S_NO_NONCE, NULL, 200, JSON_CT, DIRECTORY, NULL },
        { "HEAD", CA "/nonce", 0, NULL, 200, "", NULL, NULL },
        { "POST", CA "/acct", S_JWK, "{\"contact\":[\"mailto:a@example.org\"],\"termsOfServiceAgreed\":true}",
          201, JSON_CT "Location: " CA "/acct/1\n", ACCOUNT_VALID, NULL },
    };
    static const char *const contacts[] = { "mailto:a@example.org" };
    acme2_client c;
    script s;
    acme2_account_params p;
    acme2_account a;
    setup_keys();
    REQUIRE(client_with(&c, &s, steps, NSTEPS(steps)) == 0);
    s.jwk_key = &account_ec;
    memset(&p, 0, sizeof p);
    p.contacts = contacts;
    p.n_contacts = 1;
    p.terms_agreed = 1;
    CHECK_INT(acme2_account_new(&c, &p, &a), 0);
    CHECK_INT(a.status, ACME2_STATUS_VALID);
    CHECK_INT(a.created, 1);
    CHECK_STR(acme2_client_account(&c), CA "/acct/1");
    CHECK_INT(s.pos, 3);
    CHECK_INT(s.errors, 0);
}

/* The issue's acceptance check: with a known account and a fetched
   directory, one name costs exactly newOrder, authz, challenge, polls,
   finalize, polls, certificate — no newNonce while a nonce is in hand. */
static void issuance_costs_exactly_the_needed_requests(void)
{
    static const step steps[] = {
        { "GET", DIR_URL, 0, NULL, 200, JSON_CT, DIRECTORY, NULL },
        { "POST", CA "/order", 0, "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}]}",
          201, JSON_CT "Location: " CA "/order/1\n", ORDER_PENDING, NULL },
        { "POST", CA "/authz/1", 0, "", 200, JSON_CT, AUTHZ_PENDING, NULL },
        { "POST", CA "/chall/1", 0, "{}", 200, JSON_CT, CHALL_PROCESSING, NULL },
        { "POST", CA "/order/1", 0, "", 200, JSON_CT "Retry-After: 2\n", ORDER_PENDING, NULL },
        { "POST", CA "/order/1", 0, "", 200, JSON_CT, ORDER_READY, NULL },
        { "POST", CA "/order/1/finalize", 0, NULL, 200, JSON_CT, ORDER_PROCESSING, NULL },
        { "POST", CA "/order/1", 0, "", 200, JSON_CT, ORDER_VALID, NULL },
        { "POST", CA "/cert/1", 0, "", 200,
          "Content-Type: application/pem-certificate-chain\nLink: <" CA "/cert/1/1>;rel=\"alternate\"\n", leaf_chain, NULL },
    };
    acme2_client c;
    script s;
    acme2_issue_params p;
    acme2_identifier id;
    calls k;
    const char *pem = NULL;
    size_t pem_len = 0;
    char want_ka[128], tp[64];
    setup_keys();
    REQUIRE(have_chain);
    REQUIRE(client_with(&c, &s, steps, NSTEPS(steps)) == 0);
    s.kid = CA "/acct/1";
    CHECK_INT(acme2_client_set_account(&c, CA "/acct/1"), 0);
    CHECK_INT(acme2_directory_fetch(&c), 0);
    id.type = ACME2_ID_DNS;
    id.value = "example.org";
    memset(&p, 0, sizeof p);
    memset(&k, 0, sizeof k);
    p.ids = &id;
    p.n_ids = 1;
    p.cert_key = &cert_key;
    p.deploy = rec_deploy;
    p.cleanup = rec_cleanup;
    p.user = &k;
    p.on_order = rec_order;
    sleeps = 0;
    slept_total = 0;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), 0);
    CHECK_INT(s.pos, NSTEPS(steps));
    CHECK_INT(s.errors, 0);
    CHECK_STR(saved_order, CA "/order/1");
    CHECK_INT(k.deployed, 1);
    CHECK_INT(k.cleaned, 1);
    CHECK_INT(k.type, ACME2_CHALLENGE_HTTP_01);
    CHECK_STR(k.token, "tok-http_1");
    CHECK_STR(k.http_path, "/.well-known/acme-challenge/tok-http_1");
    CHECK_STR(k.ident, "example.org");
    REQUIRE(acme2_jwk_thumbprint(&account_ec, tp, sizeof tp) == 43);
    snprintf(want_ka, sizeof want_ka, "tok-http_1.%s", tp);
    CHECK_STR(k.keyauth, want_ka);
    CHECK(pem != NULL);
    CHECK_INT(pem_len, strlen(leaf_chain));
    CHECK(pem && memcmp(pem, leaf_chain, pem_len) == 0);
    CHECK_STR(acme2_certificate_alternate(&c, 0), CA "/cert/1/1");
    /* the first poll waited as Retry-After said */
    CHECK(slept_total >= 2);
}

int main(void)
{
    RUN(directory_is_parsed_with_meta);
    RUN(account_create_with_jwk_stores_kid);
    RUN(issuance_costs_exactly_the_needed_requests);
    return t_done("proto");
}
