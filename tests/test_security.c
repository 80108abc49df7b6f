/* security: the hardening checks of the library, through the scripted
   transport (tests/script.h) and a small stateful fake CA.
     - server URLs are https unless opt.allow_http (every kind of URL a
       server hands out), and no request ever leaves for another scheme;
     - the issued leaf must carry the certificate key and cover every
       identifier, else an error and nothing handed out;
     - secrets (account and certificate private keys, the EAB MAC key) never
       reach the client struct or the work buffer, and reset/wipe zero them;
     - a transport failure at every request position of an issuance gives
       ACME2_ERR_TRANSPORT, and a rerun (resuming the saved order) succeeds
       without a second order where the first one was known. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"
#include "script.h"

#define ACCT CA "/acct/1"

static const char DIRECTORY[] =
    "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA "/order\","
    "\"newAuthz\":\"" CA "/authz\",\"revokeCert\":\"" CA "/revoke\",\"keyChange\":\"" CA "/key-change\","
    "\"renewalInfo\":\"" CA "/ari\",\"meta\":{\"termsOfService\":\"" CA "/tos\"}}";
static const char ORDER_READY[] =
    "{\"status\":\"ready\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
    "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}";
static const char ORDER_VALID[] =
    "{\"status\":\"valid\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
    "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\","
    "\"certificate\":\"" CA "/cert/1\"}";
static const char ORDER_PROCESSING[] =
    "{\"status\":\"processing\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
    "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}";
static const char ACCOUNT_VALID[] = "{\"status\":\"valid\"}";

#define ST_DIR { "GET", DIR_URL, 0, NULL, 200, JSON_CT, DIRECTORY, NULL }
#define ST_HEAD { "HEAD", CA "/nonce", 0, NULL, 200, "", NULL, NULL }
#define ST_ORDER(body) { "POST", CA "/order/1", 0, "", 200, JSON_CT, body, NULL }

/* ------------------------------------------------------------------ setup */

static acme2_key account_ec, account_rsa, cert_key, other_key;
static char work[16384];
/* Chains (leaf + test CA), made by openssl: for cert_key and example.org;
   for other_key and example.org; for cert_key and other.example; for
   cert_key and *.example.org; for cert_key and the DNS name "192.0.2.1";
   for cert_key and EXAMPLE.ORG; the CA certificate before the leaf. */
static char chain_ok[8192], chain_other_key[8192], chain_other_name[8192], chain_wild[8192],
    chain_ip_as_dns[8192], chain_upper[8192], chain_reversed[8192];

static int read_text(const char *name, char *out, size_t cap)
{
    long got = t_read_file(t_path(name), out, cap - 1);
    if (got <= 0) return -1;
    out[got] = 0;
    return 0;
}

/* A leaf for key (its PEM written to TAG.key) with the given
   subjectAltName text, signed by the test CA; TAG.chain = leaf + CA. */
static int make_leaf(const char *tag, const acme2_key *key, const char *san, char *out, size_t cap)
{
    char pem[4096], file[64];
    int n = acme2_key_save_pem(key, pem, sizeof pem);
    snprintf(file, sizeof file, "%s.key", tag);
    if (n < 0 || t_write_file(t_path(file), pem, (size_t)n)) return -1;
    acme2_wipe(pem, sizeof pem);
    if (t_sh("cd %s && chmod 600 %s.key && openssl req -new -key %s.key -subj /CN=leaf -addext 'subjectAltName=%s' "
             "-out %s.csr 2>/dev/null && openssl x509 -req -in %s.csr -CA ca.pem -CAkey ca.key -days 30 "
             "-copy_extensions copy -out %s.pem 2>/dev/null && cat %s.pem ca.pem > %s.chain",
             t_tmpdir(), tag, tag, san, tag, tag, tag, tag, tag) != 0)
        return -1;
    snprintf(file, sizeof file, "%s.chain", tag);
    return read_text(file, out, cap);
}

static void setup(void)
{
    static int done;
    if (done) return;
    done = 1;
    if (acme2_key_generate(&account_ec, ACME2_KEY_EC, 256, NULL) != 0 ||
        acme2_key_generate(&account_rsa, ACME2_KEY_RSA, 2048, NULL) != 0 ||
        acme2_key_generate(&cert_key, ACME2_KEY_EC, 256, NULL) != 0 ||
        acme2_key_generate(&other_key, ACME2_KEY_EC, 256, NULL) != 0 ||
        t_sh("cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key "
             "-out ca.pem -subj /CN=test-ca -days 30 2>/dev/null", t_tmpdir()) != 0 ||
        make_leaf("ok", &cert_key, "DNS:example.org", chain_ok, sizeof chain_ok) ||
        make_leaf("otherkey", &other_key, "DNS:example.org", chain_other_key, sizeof chain_other_key) ||
        make_leaf("othername", &cert_key, "DNS:other.example", chain_other_name, sizeof chain_other_name) ||
        make_leaf("wild", &cert_key, "DNS:*.example.org", chain_wild, sizeof chain_wild) ||
        make_leaf("ipdns", &cert_key, "DNS:192.0.2.1", chain_ip_as_dns, sizeof chain_ip_as_dns) ||
        make_leaf("upper", &cert_key, "DNS:EXAMPLE.ORG", chain_upper, sizeof chain_upper) ||
        t_sh("cd %s && cat ca.pem ok.pem > reversed.chain", t_tmpdir()) != 0 ||
        read_text("reversed.chain", chain_reversed, sizeof chain_reversed)) {
        fprintf(stderr, "setup failed (openssl?)\n");
        exit(1);
    }
}

/* The script's transport, counting every request for a URL that is not
   https: none may leave unless the test allowed http. */
static int insecure_requests;
static int guarded_transport(void *user, const acme2_http_request *req, acme2_http_response *resp)
{
    if (strncmp(req->url, "https://", 8) != 0) insecure_requests++;
    return script_transport(user, req, resp);
}

static int client_opt(acme2_client *c, script *s, const step *steps, int n, const acme2_key *key, const acme2_options *o)
{
    script_init(s, steps, n, key);
    s->kid = ACCT;
    insecure_requests = 0;
    return acme2_client_init(c, DIR_URL, key, work, sizeof work, guarded_transport, s, o);
}

/* A client with a known account whose directory step is done. */
static int known_account(acme2_client *c, script *s, const step *steps, int n, const acme2_options *o)
{
    acme2_options def = test_options();
    int rc = client_opt(c, s, steps, n, &account_ec, o ? o : &def);
    if (rc == 0) rc = acme2_client_set_account(c, ACCT);
    if (rc == 0) rc = acme2_directory_fetch(c);
    return rc;
}

/* The follow-up that shows a client still works: fetching the order. */
static int order_get_works(acme2_client *c)
{
    acme2_order o;
    memset(&o, 0, sizeof o);
    return acme2_order_get(c, CA "/order/1", &o) == 0 && o.status == ACME2_STATUS_READY;
}

/* -------------------------------------------------- https-only server URLs */

static void new_account_with_http_location_is_refused(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/acct", S_JWK, "{\"termsOfServiceAgreed\":true}", 201, JSON_CT "Location: http://ca.test/acct/1\n",
          ACCOUNT_VALID, NULL },
        { "POST", CA "/acct", S_JWK, "{\"termsOfServiceAgreed\":true}", 200, JSON_CT "Location: " ACCT "\n",
          ACCOUNT_VALID, NULL },
    };
    acme2_client c;
    script s;
    acme2_options o = test_options();
    acme2_account_params p;
    acme2_account a;
    setup();
    REQUIRE(client_opt(&c, &s, steps, NSTEPS(steps), &account_ec, &o) == 0);
    memset(&p, 0, sizeof p);
    p.terms_agreed = 1;
    CHECK_INT(acme2_account_new(&c, &p, &a), ACME2_ERR_INSECURE_URL);
    CHECK_STR(acme2_client_account(&c), "");
    CHECK_INT(acme2_account_new(&c, &p, &a), 0);
    CHECK_STR(acme2_client_account(&c), ACCT);
    CHECK_INT(insecure_requests, 0);
    SCRIPT_DONE(s);
}

static void new_account_with_http_location_allowed_by_option(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/acct", S_JWK, NULL, 201, JSON_CT "Location: http://ca.test/acct/1\n", ACCOUNT_VALID, NULL },
    };
    acme2_client c;
    script s;
    acme2_options o = test_options();
    acme2_account_params p;
    acme2_account a;
    setup();
    o.allow_http = 1;
    REQUIRE(client_opt(&c, &s, steps, NSTEPS(steps), &account_ec, &o) == 0);
    memset(&p, 0, sizeof p);
    CHECK_INT(acme2_account_new(&c, &p, &a), 0);
    CHECK_STR(acme2_client_account(&c), "http://ca.test/acct/1");
    SCRIPT_DONE(s);
}

/* The account URL a caller restores goes through the same policy. */
static void set_account_checks_the_scheme(void)
{
    static const struct { const char *url; int want, want_http; } cases[] = {
        { "http://ca.test/acct/1", ACME2_ERR_INSECURE_URL, 0 },
        { "ftp://ca.test/acct/1", ACME2_ERR_INSECURE_URL, ACME2_ERR_INSECURE_URL },
        { "file:///etc/passwd", ACME2_ERR_INSECURE_URL, ACME2_ERR_INSECURE_URL },
        { "//ca.test/acct/1", ACME2_ERR_INSECURE_URL, ACME2_ERR_INSECURE_URL },
        { "https:/ca.test/acct/1", ACME2_ERR_INSECURE_URL, ACME2_ERR_INSECURE_URL },
        { "https://", ACME2_ERR_INSECURE_URL, ACME2_ERR_INSECURE_URL },
        { "https://ca.test/acct 1", ACME2_ERR_PROTOCOL, ACME2_ERR_PROTOCOL },
        { "https://ca.test/acct\r\nX-Evil: 1", ACME2_ERR_PROTOCOL, ACME2_ERR_PROTOCOL },
        { "HTTPS://CA.TEST/acct/1", 0, 0 },
        { ACCT, 0, 0 },
    };
    acme2_client c;
    acme2_options o = test_options();
    char longurl[ACME2_MAX_URL + 16];
    size_t i;
    int http;
    setup();
    for (http = 0; http <= 1; http++) {
        o.allow_http = http;
        REQUIRE(acme2_client_init(&c, DIR_URL, &account_ec, work, sizeof work, NULL, NULL, &o) == 0);
        for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            int want = http ? cases[i].want_http : cases[i].want;
            REQUIRE(acme2_client_set_account(&c, "") == 0);
            CHECK_MSG(acme2_client_set_account(&c, cases[i].url) == want, "allow_http=%d: %s: want %d", http,
                      cases[i].url, want);
            if (want) CHECK_STR(acme2_client_account(&c), "");
        }
        memcpy(longurl, "https://ca.test/", 16);
        memset(longurl + 16, 'a', sizeof longurl - 17);
        longurl[sizeof longurl - 1] = 0;
        CHECK_INT(acme2_client_set_account(&c, longurl), ACME2_ERR_PROTOCOL);
    }
}

/* Every URL member of the directory, one at a time made http. */
static void every_directory_url_must_be_https(void)
{
    static const char *const members[] = { "newNonce", "newAccount", "newOrder", "newAuthz", "revokeCert",
                                           "keyChange", "renewalInfo" };
    static char bodies[7][1024];
    size_t i;
    setup();
    for (i = 0; i < 7; i++) {
        step steps[2];
        acme2_client c;
        script s;
        acme2_options o = test_options();
        char *p;
        int rc;
        size_t k;
        snprintf(bodies[i], sizeof bodies[i], "%s", DIRECTORY);
        /* "NAME":"https://ca.test -> "NAME":"http://ca.test */
        {
            char key[64];
            snprintf(key, sizeof key, "\"%s\":\"https", members[i]);
            p = strstr(bodies[i], key);
            REQUIRE(p != NULL);
            p += strlen(key) - 1; /* the s of https */
            memmove(p, p + 1, strlen(p + 1) + 1);
        }
        memset(steps, 0, sizeof steps);
        for (k = 0; k < 2; k++) {
            steps[k].method = "GET"; steps[k].url = DIR_URL; steps[k].status = 200; steps[k].headers = JSON_CT;
        }
        steps[0].body = bodies[i];
        steps[1].body = DIRECTORY;
        REQUIRE(client_opt(&c, &s, steps, 2, &account_ec, &o) == 0);
        rc = acme2_directory_fetch(&c);
        CHECK_MSG(rc == ACME2_ERR_INSECURE_URL, "http %s in the directory: got %d", members[i], rc);
        CHECK(acme2_client_directory(&c) == NULL);
        CHECK_INT(acme2_directory_fetch(&c), 0);
        SCRIPT_DONE(s);
        /* allowed by the option */
        steps[1].body = bodies[i];
        o.allow_http = 1;
        REQUIRE(client_opt(&c, &s, steps + 1, 1, &account_ec, &o) == 0);
        rc = acme2_directory_fetch(&c);
        CHECK_MSG(rc == 0, "allow_http: http %s refused: %d", members[i], rc);
        SCRIPT_DONE(s);
    }
}

/* One answer to an order fetch, then a good one through the same client. */
static void order_answer(const char *body, int want, int allow_http)
{
    step steps[3];
    acme2_client c;
    script s;
    acme2_options o = test_options();
    acme2_order ord;
    setup();
    o.allow_http = allow_http;
    memset(steps, 0, sizeof steps);
    steps[0].method = "GET"; steps[0].url = DIR_URL; steps[0].status = 200; steps[0].headers = JSON_CT; steps[0].body = DIRECTORY;
    steps[1].method = "POST"; steps[1].url = CA "/order/1"; steps[1].payload = ""; steps[1].status = 200;
    steps[1].headers = JSON_CT; steps[1].body = body;
    steps[2] = steps[1];
    steps[2].body = ORDER_READY;
    REQUIRE(known_account(&c, &s, steps, 3, &o) == 0);
    ord.status = 55;
    CHECK_INT(acme2_order_get(&c, CA "/order/1", &ord), want);
    if (want) CHECK_INT(ord.status, 55);
    CHECK(order_get_works(&c));
    CHECK_INT(insecure_requests, 0);
    SCRIPT_DONE(s);
}

static void order_certificate_url_must_be_https(void)
{
    static const char body[] =
        "{\"status\":\"valid\",\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\","
        "\"certificate\":\"http://ca.test/cert/1\"}";
    order_answer(body, ACME2_ERR_INSECURE_URL, 0);
    order_answer(body, 0, 1);
}

static void order_urls_with_other_schemes_are_refused(void)
{
    order_answer("{\"status\":\"ready\",\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"ftp://ca.test/f\"}",
                 ACME2_ERR_INSECURE_URL, 1);
    order_answer("{\"status\":\"ready\",\"authorizations\":[\"file:///etc/passwd\"],\"finalize\":\"" CA "/f\"}",
                 ACME2_ERR_INSECURE_URL, 1);
    order_answer("{\"status\":\"ready\",\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"/order/1/finalize\"}",
                 ACME2_ERR_INSECURE_URL, 1);
}

static void authz_challenge_url_must_be_https(void)
{
    static const char hostile[] =
        "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"},\"status\":\"pending\","
        "\"challenges\":[{\"type\":\"http-01\",\"url\":\"http://ca.test/chall/1\",\"status\":\"pending\",\"token\":\"tok1\"}]}";
    static const char good[] =
        "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"},\"status\":\"pending\","
        "\"challenges\":[{\"type\":\"http-01\",\"url\":\"" CA "/chall/1\",\"status\":\"pending\",\"token\":\"tok1\"}]}";
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/authz/1", 0, "", 200, JSON_CT, hostile, NULL },
        { "POST", CA "/authz/1", 0, "", 200, JSON_CT, good, NULL },
    };
    acme2_client c;
    script s;
    acme2_authz a;
    setup();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    a.status = 55;
    CHECK_INT(acme2_authz_get(&c, CA "/authz/1", &a), ACME2_ERR_INSECURE_URL);
    CHECK_INT(a.status, 55);
    CHECK_INT(acme2_authz_get(&c, CA "/authz/1", &a), 0);
    CHECK_STR(a.challenges[0].url, CA "/chall/1");
    CHECK_INT(insecure_requests, 0);
    SCRIPT_DONE(s);
}

static void new_authz_location_must_be_https(void)
{
    static const char body[] =
        "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"},\"status\":\"pending\","
        "\"challenges\":[{\"type\":\"dns-01\",\"url\":\"" CA "/chall/9\",\"status\":\"pending\",\"token\":\"tok9\"}]}";
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/authz", 0, "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"}}", 201,
          JSON_CT "Location: http://ca.test/authz/9\n", body, NULL },
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    acme2_authz a;
    acme2_identifier id;
    setup();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    id.type = ACME2_ID_DNS;
    id.value = "example.org";
    CHECK_INT(acme2_authz_new(&c, &id, &a), ACME2_ERR_INSECURE_URL);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

/* Alternate chains are optional: one with an http URL is dropped, the
   https ones are kept, the download itself succeeds. */
static void http_alternate_chain_links_are_dropped(void)
{
    static step steps[] = {
        ST_DIR,
        { "POST", CA "/cert/1", 0, "", 200,
          PEM_CT "Link: <http://ca.test/cert/1/1>;rel=\"alternate\", <" CA "/cert/1/2>;rel=\"alternate\"\n"
                 "Link: <" CA "/dir>;rel=\"index\"\n", NULL, NULL },
    };
    acme2_client c;
    script s;
    const char *pem;
    size_t len;
    setup();
    steps[1].body = chain_ok;
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    CHECK_INT(acme2_certificate_download(&c, CA "/cert/1", &pem, &len), 0);
    CHECK_STR(acme2_certificate_alternate(&c, 0), CA "/cert/1/2");
    CHECK(acme2_certificate_alternate(&c, 1) == NULL);
    SCRIPT_DONE(s);
}

/* A saved order URL that is not https is never fetched. */
static void http_resume_order_is_never_requested(void)
{
    static step steps[] = {
        ST_DIR,
        { "POST", CA "/order", 0, NULL, 201, JSON_CT "Location: " CA "/order/1\n", ORDER_VALID, NULL },
        { "POST", CA "/cert/1", 0, "", 200, PEM_CT, NULL, NULL },
    };
    acme2_client c;
    script s;
    acme2_issue_params p;
    acme2_identifier id;
    const char *pem;
    size_t len;
    int rc;
    setup();
    steps[2].body = chain_ok;
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    memset(&p, 0, sizeof p);
    id.type = ACME2_ID_DNS;
    id.value = "example.org";
    p.ids = &id;
    p.n_ids = 1;
    p.cert_key = &cert_key;
    p.resume_order = "http://ca.test/order/1";
    rc = acme2_issue(&c, &p, &pem, &len);
    /* Refused outright, or a new order made instead: never an http request. */
    CHECK_MSG(rc == 0 || rc == ACME2_ERR_INSECURE_URL, "got %d", rc);
    CHECK_INT(insecure_requests, 0);
    CHECK_INT(s.errors, 0);
}

/* --------------------------------------------------------- the issued leaf */

static int sink_bytes;
static int count_sink(void *u, const void *d, size_t n) { (void)u; (void)d; sink_bytes += (int)n; return 0; }

/* acme2_issue resuming a valid order: the download is the chain given.
   Returns acme2_issue's result; *pem_changed tells whether the output
   pointers were written. */
static int issue_with_chain(const char *chain, const acme2_identifier *ids, size_t n_ids, const acme2_key *key,
                            const unsigned char *csr, size_t csr_len, acme2_sink_fn sink, int *pem_changed)
{
    static step steps[4];
    static const char sentinel[] = "untouched";
    acme2_client c;
    script s;
    acme2_issue_params p;
    const char *pem = sentinel;
    size_t len = 12345;
    int rc;
    memset(steps, 0, sizeof steps);
    steps[0].method = "GET"; steps[0].url = DIR_URL; steps[0].status = 200; steps[0].headers = JSON_CT; steps[0].body = DIRECTORY;
    steps[1].method = "POST"; steps[1].url = CA "/order/1"; steps[1].payload = ""; steps[1].status = 200;
    steps[1].headers = JSON_CT; steps[1].body = ORDER_VALID;
    steps[2] = steps[1];
    steps[2].url = CA "/cert/1";
    steps[2].headers = PEM_CT;
    steps[2].body = chain;
    steps[3] = steps[1];
    steps[3].body = ORDER_READY;
    if (known_account(&c, &s, steps, 4, NULL) != 0) return -9999;
    memset(&p, 0, sizeof p);
    p.ids = ids;
    p.n_ids = n_ids;
    p.cert_key = key;
    p.csr = csr;
    p.csr_len = csr_len;
    p.resume_order = CA "/order/1";
    p.sink = sink;
    rc = acme2_issue(&c, &p, &pem, &len);
    *pem_changed = pem != sentinel || len != 12345;
    if (rc == 0 && !sink && (len != strlen(chain) || memcmp(pem, chain, len) != 0)) rc = -9998;
    /* the client still works */
    if (!order_get_works(&c)) rc = -9997;
    if (s.errors || s.pos != s.n) rc = -9996;
    return rc;
}

static void leaf_is_checked_against_key_and_names(void)
{
    static const struct { const char *what; const char *chain; int n_ids; int ip; int want; } cases[] = {
        { "the right leaf", chain_ok, 1, 0, 0 },
        { "SAN in upper case", chain_upper, 1, 0, 0 },
        { "another key", chain_other_key, 1, 0, ACME2_ERR_CERT_KEY },
        { "another name", chain_other_name, 1, 0, ACME2_ERR_CERT_NAMES },
        { "one of two names", chain_ok, 2, 0, ACME2_ERR_CERT_NAMES },
        { "a wildcard for the base name", chain_wild, 1, 0, ACME2_ERR_CERT_NAMES },
        { "the CA certificate first", chain_reversed, 1, 0, ACME2_ERR_CERT_KEY },
        { "a DNS SAN for an IP identifier", chain_ip_as_dns, 1, 1, ACME2_ERR_CERT_NAMES },
        { "no PEM at all", "hello, world\n", 1, 0, ACME2_ERR_PROTOCOL },
    };
    acme2_identifier ids[2];
    size_t i;
    int changed;
    setup();
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc;
        ids[0].type = cases[i].ip ? ACME2_ID_IP : ACME2_ID_DNS;
        ids[0].value = cases[i].ip ? "192.0.2.1" : "example.org";
        ids[1].type = ACME2_ID_DNS;
        ids[1].value = "www.example.org";
        rc = issue_with_chain(cases[i].chain, ids, (size_t)cases[i].n_ids, &cert_key, NULL, 0, NULL, &changed);
        CHECK_MSG(rc == cases[i].want, "%s: want %d (%s), got %d (%s)", cases[i].what, cases[i].want,
                  acme2_strerror(cases[i].want), rc, acme2_strerror(rc));
    }
}

/* "Nothing written": a refused chain is not handed to the caller. */
static void refused_leaf_leaves_the_outputs_untouched(void)
{
    acme2_identifier id;
    int changed = 0;
    setup();
    id.type = ACME2_ID_DNS;
    id.value = "example.org";
    CHECK_INT(issue_with_chain(chain_other_key, &id, 1, &cert_key, NULL, 0, NULL, &changed), ACME2_ERR_CERT_KEY);
    CHECK_MSG(!changed, "acme2_issue failed with ACME2_ERR_CERT_KEY but set *pem/*pem_len to the refused chain");
    CHECK_INT(issue_with_chain(chain_other_name, &id, 1, &cert_key, NULL, 0, NULL, &changed), ACME2_ERR_CERT_NAMES);
    CHECK_MSG(!changed, "acme2_issue failed with ACME2_ERR_CERT_NAMES but set *pem/*pem_len to the refused chain");
}

/* With a ready CSR the certificate key is the CSR's: a leaf carrying
   another key must be refused as well. */
static void leaf_of_a_ready_csr_must_carry_the_csr_key(void)
{
    unsigned char csr[1024];
    acme2_identifier id;
    int n, changed;
    setup();
    id.type = ACME2_ID_DNS;
    id.value = "example.org";
    n = acme2_csr_der(csr, sizeof csr, &cert_key, &id, 1, 0);
    REQUIRE(n > 0);
    CHECK_INT(issue_with_chain(chain_ok, &id, 1, NULL, csr, (size_t)n, NULL, &changed), 0);
    CHECK_MSG(issue_with_chain(chain_other_key, &id, 1, NULL, csr, (size_t)n, NULL, &changed) == ACME2_ERR_CERT_KEY,
              "a leaf with another key than the CSR's was accepted");
    CHECK_INT(issue_with_chain(chain_other_name, &id, 1, NULL, csr, (size_t)n, NULL, &changed), ACME2_ERR_CERT_NAMES);
}

/* With a sink the chain streams out before the leaf is checked: the call
   still fails, so the caller knows to discard what the sink got. */
static void streamed_chain_with_wrong_key_still_fails(void)
{
    acme2_identifier id;
    int changed;
    setup();
    id.type = ACME2_ID_DNS;
    id.value = "example.org";
    sink_bytes = 0;
    CHECK_INT(issue_with_chain(chain_other_key, &id, 1, &cert_key, NULL, 0, count_sink, &changed), ACME2_ERR_CERT_KEY);
    CHECK_INT(sink_bytes, strlen(chain_other_key));
    sink_bytes = 0;
    CHECK_INT(issue_with_chain(chain_ok, &id, 1, &cert_key, NULL, 0, count_sink, &changed), 0);
    CHECK_INT(sink_bytes, strlen(chain_ok));
}

/* ---------------------------------------------------------------- secrets */

/* Secret byte strings of a key, read back by openssl from its PKCS#8 PEM:
   EC priv; RSA privateExponent, prime1, prime2, exponent1, exponent2,
   coefficient. */
typedef struct secrets {
    int n;
    size_t len[8];
    unsigned char v[8][600];
    char name[8][24];
} secrets;

/* openssl pkey -text prints each component as "label:" and lines of
   "    xx:xx:..". */
static int key_secrets(const acme2_key *key, const char *tag, secrets *out)
{
    static const char *const ec[] = { "priv:" };
    static const char *const rsa[] = { "privateExponent:", "prime1:", "prime2:", "exponent1:", "exponent2:", "coefficient:" };
    const char *const *labels = key->kind == ACME2_KEY_EC ? ec : rsa;
    int nl = key->kind == ACME2_KEY_EC ? 1 : 6, i;
    static char text[32768];
    char pem[4096], file[64];
    int n = acme2_key_save_pem(key, pem, sizeof pem);
    snprintf(file, sizeof file, "%s.secret.pem", tag);
    if (n < 0 || t_write_file(t_path(file), pem, (size_t)n)) return -1;
    acme2_wipe(pem, sizeof pem);
    if (t_sh_out(text, sizeof text, "chmod 600 %s && openssl pkey -in %s -noout -text 2>/dev/null", t_path(file),
                 t_path(file)) <= 0)
        return -1;
    memset(out, 0, sizeof *out);
    for (i = 0; i < nl; i++) {
        const char *p = strstr(text, labels[i]);
        size_t len = 0;
        if (!p) return -1;
        p = strchr(p, '\n');
        while (p && p[1] == ' ') {
            p++;
            while (*p == ' ') p++;
            while (hexval(p[0]) >= 0 && hexval(p[1]) >= 0) {
                if (len < sizeof out->v[0]) out->v[out->n][len++] = (unsigned char)(hexval(p[0]) * 16 + hexval(p[1]));
                p += 2;
                if (*p == ':') p++;
            }
            p = strchr(p, '\n');
        }
        /* A leading 00 only keeps the number positive. */
        if (len && out->v[out->n][0] == 0) {
            memmove(out->v[out->n], out->v[out->n] + 1, --len);
        }
        if (len < 16) return -1;
        out->len[out->n] = len;
        snprintf(out->name[out->n], sizeof out->name[0], "%s", labels[i]);
        out->n++;
    }
    memset(text, 0, sizeof text);
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Offset of the first 8-byte window of secret found in mem, or -1: every
   window of the secret, sorted, looked up at every offset of mem. */
static long find_window(const void *mem, size_t n, const unsigned char *secret, size_t slen)
{
    static uint64_t win[600];
    const unsigned char *m = (const unsigned char *)mem;
    size_t i, nw;
    if (slen < 8 || n < 8 || slen - 7 > sizeof win / sizeof win[0]) return -1;
    nw = slen - 7;
    for (i = 0; i < nw; i++) memcpy(&win[i], secret + i, 8);
    qsort(win, nw, sizeof win[0], cmp_u64);
    for (i = 0; i + 8 <= n; i++) {
        uint64_t v;
        memcpy(&v, m + i, 8);
        if (bsearch(&v, win, nw, sizeof win[0], cmp_u64)) return (long)i;
    }
    return -1;
}

/* Checks that no window of any secret is in mem; names the first found. */
static void no_secret_in(const char *where, const void *mem, size_t n, const secrets *s, const char *whose)
{
    int i;
    for (i = 0; i < s->n; i++) {
        long at = find_window(mem, n, s->v[i], s->len[i]);
        CHECK_MSG(at < 0, "%s: 8 bytes of the %s key's %s at offset %ld", where, whose, s->name[i], at);
    }
}

static int all_zero(const void *mem, size_t n)
{
    const unsigned char *m = (const unsigned char *)mem;
    size_t i;
    for (i = 0; i < n; i++)
        if (m[i]) return 0;
    return 1;
}

typedef struct eab_seen { int calls; } eab_seen;
static int eab_present(const char *payload, size_t len, void *ctx)
{
    (void)len;
    ((eab_seen *)ctx)->calls++;
    return strstr(payload, "\"externalAccountBinding\":{\"protected\":") ? 0 : -1;
}

/* EAB registration, then an issuance (account key signs every request,
   the certificate key signs the CSR): no 8 bytes of any secret in the
   client or the work buffer; after acme2_client_reset both are all zero,
   after acme2_key_wipe the keys are. */
static void secrets_never_reach_client_or_work_buffer(const acme2_key *acct_in, const char *tag)
{
    static step steps[] = {
        ST_DIR,
        { "POST", CA "/acct", S_JWK, NULL, 201, JSON_CT "Location: " ACCT "\n", ACCOUNT_VALID, eab_present },
        ST_ORDER(ORDER_READY),
        { "POST", CA "/order/1/finalize", 0, NULL, 200, JSON_CT, ORDER_PROCESSING, NULL },
        ST_ORDER(ORDER_VALID),
        { "POST", CA "/cert/1", 0, "", 200, PEM_CT, NULL, NULL },
    };
    acme2_key acct = *acct_in, ckey = cert_key;
    secrets sa, sc, se;
    acme2_client c;
    script s;
    acme2_options o = test_options();
    acme2_account_params ap;
    acme2_account a;
    acme2_issue_params ip;
    acme2_identifier id;
    eab_seen seen;
    unsigned char mac[64];
    const char *pem;
    size_t len, i;
    char what[64];
    setup();
    steps[5].body = chain_ok;
    REQUIRE(key_secrets(&acct, tag, &sa) == 0);
    REQUIRE(key_secrets(&ckey, "cert", &sc) == 0);
    for (i = 0; i < sizeof mac; i++) mac[i] = (unsigned char)(0x5a ^ (i * 37 + 11));
    memset(&se, 0, sizeof se);
    memcpy(se.v[0], mac, sizeof mac);
    se.len[0] = sizeof mac;
    snprintf(se.name[0], sizeof se.name[0], "MAC key");
    se.n = 1;
    memset(work, 0, sizeof work);
    REQUIRE(client_opt(&c, &s, steps, NSTEPS(steps), &acct, &o) == 0);
    memset(&seen, 0, sizeof seen);
    s.check_ctx = &seen;
    memset(&ap, 0, sizeof ap);
    ap.terms_agreed = 1;
    ap.eab_kid = "kid-1";
    ap.eab_key = mac;
    ap.eab_key_len = sizeof mac;
    ap.eab_bits = 256;
    CHECK_INT(acme2_account_new(&c, &ap, &a), 0);
    CHECK_INT(seen.calls, 1);
    memset(&ip, 0, sizeof ip);
    id.type = ACME2_ID_DNS;
    id.value = "example.org";
    ip.ids = &id;
    ip.n_ids = 1;
    ip.cert_key = &ckey;
    ip.resume_order = CA "/order/1";
    CHECK_INT(acme2_issue(&c, &ip, &pem, &len), 0);
    SCRIPT_DONE(s);
    snprintf(what, sizeof what, "%s: client struct", tag);
    no_secret_in(what, &c, sizeof c, &sa, "account");
    no_secret_in(what, &c, sizeof c, &sc, "certificate");
    no_secret_in(what, &c, sizeof c, &se, "EAB");
    snprintf(what, sizeof what, "%s: work buffer", tag);
    no_secret_in(what, work, sizeof work, &sa, "account");
    no_secret_in(what, work, sizeof work, &sc, "certificate");
    no_secret_in(what, work, sizeof work, &se, "EAB");
    /* the key structs do hold their own secrets until wiped */
    CHECK(find_window(&acct, sizeof acct, sa.v[sa.n - 1], sa.len[sa.n - 1]) >= 0);
    acme2_client_reset(&c);
    CHECK_MSG(all_zero(&c, sizeof c), "%s: client struct not all zero after acme2_client_reset", tag);
    CHECK_MSG(all_zero(work, sizeof work), "%s: work buffer not all zero after acme2_client_reset", tag);
    acme2_key_wipe(&acct);
    acme2_key_wipe(&ckey);
    CHECK_MSG(all_zero(&acct, sizeof acct), "%s: account key not all zero after acme2_key_wipe", tag);
    CHECK(all_zero(&ckey, sizeof ckey));
    no_secret_in("wiped account key", &acct, sizeof acct, &sa, "account");
    no_secret_in("wiped certificate key", &ckey, sizeof ckey, &sc, "certificate");
}

static void secrets_wiped_with_ec_account(void) { secrets_never_reach_client_or_work_buffer(&account_ec, "ec"); }
static void secrets_wiped_with_rsa_account(void) { secrets_never_reach_client_or_work_buffer(&account_rsa, "rsa"); }

/* ---------------------------------------------- transport faults (fake CA) */

/* A small stateful ACME server: orders move pending -> ready (when the
   challenge is accepted) -> processing (finalize) -> valid (next fetch),
   as a real CA's do, so a rerun meets whatever state the first run left.
   Every POST is checked by script.h (JWS signature, kid/jwk, url, fresh
   nonce, payload). Faults: the k-th request the client sends fails. */
enum { FAULT_NONE, FAULT_LOST_REQUEST, FAULT_LOST_RESPONSE, FAULT_TRUNCATED };

#define CA_MAX_ORDERS 8

typedef struct fake_ca {
    script s;            /* nonce bookkeeping and request checks */
    int nonce_counter;
    int n_orders;
    int gone;            /* orders 1..gone are unknown (404): the server lost them */
    struct { int status; int authz_valid; } orders[CA_MAX_ORDERS];
    int sent;            /* requests the client sent */
    int new_orders;      /* orders created */
    int new_order_posts; /* newOrder requests that reached the server */
    int insecure;
    int fail_at, fail_mode, fail_rc;
    int busy_at, busy_status; /* the busy_at-th request is answered busy_status (429/503), not served */
    char body[8192];
    char headers[512];
    int status;
} fake_ca;

static int ca_index(const char *url, const char *prefix, const char *suffix)
{
    size_t pl = strlen(prefix);
    int n = 0;
    const char *p;
    if (strncmp(url, prefix, pl) != 0) return -1;
    p = url + pl;
    if (*p < '1' || *p > '9') return -1;
    while (*p >= '0' && *p <= '9') n = n * 10 + (*p++ - '0');
    if (strcmp(p, suffix) != 0 || n > CA_MAX_ORDERS) return -1;
    return n;
}

static void ca_order_json(fake_ca *ca, int n)
{
    static const char *const names[] = { "", "pending", "ready", "processing", "valid", "invalid" };
    int st = ca->orders[n - 1].status;
    size_t l = (size_t)snprintf(ca->body, sizeof ca->body,
                                "{\"status\":\"%s\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
                                "\"authorizations\":[\"" CA "/authz/%d\"],\"finalize\":\"" CA "/order/%d/finalize\"",
                                names[st], n, n);
    if (st == ACME2_STATUS_VALID)
        l += (size_t)snprintf(ca->body + l, sizeof ca->body - l, ",\"certificate\":\"" CA "/cert/%d\"", n);
    snprintf(ca->body + l, sizeof ca->body - l, "}");
}

static void ca_problem(fake_ca *ca, int status, const char *type)
{
    ca->status = status;
    snprintf(ca->headers, sizeof ca->headers, "Content-Type: application/problem+json\n");
    snprintf(ca->body, sizeof ca->body, "{\"type\":\"urn:ietf:params:acme:error:%s\",\"detail\":\"fake CA\"}", type);
}

/* Works out the answer to req (into ca->status/headers/body). */
static void ca_serve(fake_ca *ca, const acme2_http_request *req)
{
    step st;
    int n;
    memset(&st, 0, sizeof st);
    st.method = req->method;
    st.url = req->url;
    ca->status = 200;
    snprintf(ca->headers, sizeof ca->headers, JSON_CT);
    ca->body[0] = 0;
    if (strcmp(req->method, "GET") == 0 && strcmp(req->url, DIR_URL) == 0) {
        snprintf(ca->body, sizeof ca->body, "%s", DIRECTORY);
        return;
    }
    if (strcmp(req->method, "HEAD") == 0 && strcmp(req->url, CA "/nonce") == 0) {
        ca->headers[0] = 0;
        return;
    }
    if (strcmp(req->method, "POST") != 0) {
        ca_problem(ca, 405, "malformed");
        return;
    }
    if (strcmp(req->url, CA "/acct") == 0) st.flags = S_JWK;
    script_check_jws(&ca->s, &st, req);
    if (strcmp(req->url, CA "/acct") == 0) {
        ca->status = 200;
        snprintf(ca->headers, sizeof ca->headers, JSON_CT "Location: " ACCT "\n");
        snprintf(ca->body, sizeof ca->body, "%s", ACCOUNT_VALID);
    } else if (strcmp(req->url, CA "/order") == 0) {
        ca->new_order_posts++;
        if (ca->n_orders == CA_MAX_ORDERS) {
            ca_problem(ca, 429, "rateLimited");
            return;
        }
        n = ++ca->n_orders;
        ca->new_orders++;
        ca->orders[n - 1].status = ACME2_STATUS_PENDING;
        ca->orders[n - 1].authz_valid = 0;
        ca->status = 201;
        snprintf(ca->headers, sizeof ca->headers, JSON_CT "Location: " CA "/order/%d\n", n);
        ca_order_json(ca, n);
    } else if ((n = ca_index(req->url, CA "/order/", "")) > 0 && n <= ca->gone) {
        ca_problem(ca, 404, "malformed");
    } else if ((n = ca_index(req->url, CA "/order/", "")) > 0 && n <= ca->n_orders) {
        /* Issuance is done by the next fetch. */
        if (ca->orders[n - 1].status == ACME2_STATUS_PROCESSING) ca->orders[n - 1].status = ACME2_STATUS_VALID;
        ca_order_json(ca, n);
    } else if ((n = ca_index(req->url, CA "/authz/", "")) > 0 && n <= ca->n_orders) {
        int v = ca->orders[n - 1].authz_valid;
        snprintf(ca->body, sizeof ca->body,
                 "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"},\"status\":\"%s\","
                 "\"challenges\":[{\"type\":\"http-01\",\"url\":\"" CA "/chall/%d\",\"status\":\"%s\",\"token\":\"tok-%d\"}]}",
                 v ? "valid" : "pending", n, v ? "valid" : "pending", n);
    } else if ((n = ca_index(req->url, CA "/chall/", "")) > 0 && n <= ca->n_orders) {
        /* Validated at once. */
        ca->orders[n - 1].authz_valid = 1;
        if (ca->orders[n - 1].status == ACME2_STATUS_PENDING) ca->orders[n - 1].status = ACME2_STATUS_READY;
        snprintf(ca->headers, sizeof ca->headers, JSON_CT "Link: <" CA "/authz/%d>;rel=\"up\"\n", n);
        snprintf(ca->body, sizeof ca->body, "{\"type\":\"http-01\",\"url\":\"" CA "/chall/%d\",\"status\":\"valid\",\"token\":\"tok-%d\"}", n, n);
    } else if ((n = ca_index(req->url, CA "/order/", "/finalize")) > 0 && n <= ca->n_orders) {
        if (ca->orders[n - 1].status != ACME2_STATUS_READY) {
            ca_problem(ca, 403, "orderNotReady");
            return;
        }
        ca->orders[n - 1].status = ACME2_STATUS_PROCESSING;
        snprintf(ca->headers, sizeof ca->headers, JSON_CT "Location: " CA "/order/%d\n", n);
        ca_order_json(ca, n);
    } else if ((n = ca_index(req->url, CA "/cert/", "")) > 0 && n <= ca->n_orders &&
               ca->orders[n - 1].status == ACME2_STATUS_VALID) {
        snprintf(ca->headers, sizeof ca->headers, PEM_CT);
        snprintf(ca->body, sizeof ca->body, "%s", chain_ok);
    } else {
        ca_problem(ca, 404, "malformed");
    }
}

static void ca_push(fake_ca *ca, acme2_http_response *resp, size_t body_len)
{
    const char *h = ca->headers;
    char line[64];
    size_t off = 0;
    acme2_response_status(resp, ca->status);
    while (*h) {
        const char *e = strchr(h, '\n');
        size_t l = e ? (size_t)(e - h) : strlen(h);
        acme2_response_header_line(resp, h, l);
        h += l + (e ? 1 : 0);
    }
    snprintf(ca->s.nonce, sizeof ca->s.nonce, "CaNonce%05d", ++ca->nonce_counter);
    snprintf(line, sizeof line, "Replay-Nonce: %s", ca->s.nonce);
    acme2_response_header_line(resp, line, strlen(line));
    while (off < body_len) {
        size_t c = body_len - off < 100 ? body_len - off : 100;
        if (acme2_response_body(resp, ca->body + off, c) < 0) return;
        off += c;
    }
}

static int ca_transport(void *user, const acme2_http_request *req, acme2_http_response *resp)
{
    fake_ca *ca = (fake_ca *)user;
    int fail = ++ca->sent == ca->fail_at;
    size_t len;
    if (strncmp(req->url, "https://", 8) != 0) ca->insecure++;
    if (fail && ca->fail_mode == FAULT_LOST_REQUEST) return ca->fail_rc;
    if (ca->sent == ca->busy_at) {
        ca_problem(ca, ca->busy_status, ca->busy_status == 429 ? "rateLimited" : "serverInternal");
        ca_push(ca, resp, strlen(ca->body));
        return 0;
    }
    ca_serve(ca, req);
    len = strcmp(req->method, "HEAD") == 0 ? 0 : strlen(ca->body);
    if (fail && ca->fail_mode == FAULT_LOST_RESPONSE) {
        /* The server acted and its nonce is spent; nothing arrived. */
        snprintf(ca->s.nonce, sizeof ca->s.nonce, "CaNonce%05d", ++ca->nonce_counter);
        return ca->fail_rc;
    }
    if (fail && ca->fail_mode == FAULT_TRUNCATED) {
        ca_push(ca, resp, len / 2);
        return ca->fail_rc;
    }
    ca_push(ca, resp, len);
    return 0;
}

static void ca_init(fake_ca *ca, int fail_at, int mode, int fail_rc)
{
    memset(ca, 0, sizeof *ca);
    script_init(&ca->s, NULL, 0, &account_ec);
    ca->s.kid = ACCT;
    ca->fail_at = fail_at;
    ca->fail_mode = mode;
    ca->fail_rc = fail_rc;
}

typedef struct flow {
    int deployed, cleaned;
    char order_url[ACME2_MAX_URL + 1];
} flow;

static int flow_deploy(void *u, const acme2_challenge_info *ch) { (void)ch; ((flow *)u)->deployed++; return 0; }
static void flow_cleanup(void *u, const acme2_challenge_info *ch) { (void)ch; ((flow *)u)->cleaned++; }
static void flow_order(void *u, const char *url) { snprintf(((flow *)u)->order_url, sizeof ((flow *)u)->order_url, "%s", url); }

/* One attempt: register (or look up) the account unless the client knows
   it, then issue, resuming f->order_url when set. */
static int attempt(acme2_client *c, flow *f, const char **pem, size_t *len)
{
    acme2_issue_params p;
    acme2_account_params ap;
    acme2_account a;
    static acme2_identifier id;
    int rc;
    if (!acme2_client_account(c)[0]) {
        memset(&ap, 0, sizeof ap);
        ap.terms_agreed = 1;
        rc = acme2_account_new(c, &ap, &a);
        if (rc) return rc;
    }
    id.type = ACME2_ID_DNS;
    id.value = "example.org";
    memset(&p, 0, sizeof p);
    p.ids = &id;
    p.n_ids = 1;
    p.cert_key = &cert_key;
    p.deploy = flow_deploy;
    p.cleanup = flow_cleanup;
    p.user = f;
    p.on_order = flow_order;
    p.resume_order = f->order_url[0] ? f->order_url : NULL;
    return acme2_issue(c, &p, pem, len);
}

/* Requests of a fault-free run: directory, newAccount, newOrder, authz,
   challenge, order (ready), finalize, order (valid), certificate. */
#define FLOW_REQUESTS 9
#define FLOW_NEW_ORDER 3

static const char *const fault_names[] = { "none", "request lost", "response lost", "response truncated" };

static void fault_at(int k, int mode, int fail_rc)
{
    static fake_ca ca;
    acme2_client c;
    acme2_options o = test_options();
    flow f;
    const char *pem = NULL;
    size_t len = 0;
    int rc, orders_known;
    ca_init(&ca, k, mode, fail_rc);
    memset(&f, 0, sizeof f);
    REQUIRE(acme2_client_init(&c, DIR_URL, &account_ec, work, sizeof work, ca_transport, &ca, &o) == 0);
    rc = attempt(&c, &f, &pem, &len);
    CHECK_MSG(rc == ACME2_ERR_TRANSPORT, "%s at request %d: first run gave %d (%s), want ACME2_ERR_TRANSPORT",
              fault_names[mode], k, rc, acme2_strerror(rc));
    CHECK_MSG(f.deployed == f.cleaned, "%s at request %d: %d challenges deployed, %d cleaned up", fault_names[mode], k,
              f.deployed, f.cleaned);
    CHECK_MSG(ca.sent == k, "%s at request %d: the client went on to request %d", fault_names[mode], k, ca.sent);
    orders_known = f.order_url[0] != 0;
    /* The rerun: same client, no fault. */
    ca.fail_at = 0;
    rc = attempt(&c, &f, &pem, &len);
    CHECK_MSG(rc == 0, "%s at request %d: rerun gave %d (%s)", fault_names[mode], k, rc, acme2_strerror(rc));
    CHECK_MSG(rc != 0 || (len == strlen(chain_ok) && memcmp(pem, chain_ok, len) == 0), "%s at request %d: wrong chain",
              fault_names[mode], k);
    CHECK_MSG(f.deployed == f.cleaned, "%s at request %d: after the rerun %d deployed, %d cleaned", fault_names[mode], k,
              f.deployed, f.cleaned);
    /* The saved order is finished, not replaced; only an order whose
       creation the client never heard of is made again. */
    if (orders_known || k < FLOW_NEW_ORDER || (k == FLOW_NEW_ORDER && mode == FAULT_LOST_REQUEST))
        CHECK_MSG(ca.new_orders == 1, "%s at request %d: %d orders created, want 1", fault_names[mode], k, ca.new_orders);
    else
        CHECK_MSG(ca.new_orders == 2, "%s at request %d: %d orders created, want 2", fault_names[mode], k, ca.new_orders);
    CHECK_INT(ca.insecure, 0);
    CHECK_MSG(ca.s.errors == 0, "%s at request %d: %d bad requests (%s)", fault_names[mode], k, ca.s.errors,
              ca.s.last_error);
}

static void fault_free_issuance_takes_the_expected_requests(void)
{
    static fake_ca ca;
    acme2_client c;
    acme2_options o = test_options();
    flow f;
    const char *pem;
    size_t len;
    setup();
    ca_init(&ca, 0, FAULT_NONE, 0);
    memset(&f, 0, sizeof f);
    REQUIRE(acme2_client_init(&c, DIR_URL, &account_ec, work, sizeof work, ca_transport, &ca, &o) == 0);
    CHECK_INT(attempt(&c, &f, &pem, &len), 0);
    CHECK_INT(ca.sent, FLOW_REQUESTS);
    CHECK_INT(ca.new_orders, 1);
    CHECK_INT(f.deployed, 1);
    CHECK_INT(f.cleaned, 1);
    CHECK_INT(ca.s.errors, 0);
}

static void transport_fails_at_every_request(int mode)
{
    int k, before = t__checks;
    setup();
    for (k = 1; k <= FLOW_REQUESTS; k++) fault_at(k, mode, ACME2_ERR_TRANSPORT);
    CHECK(t__checks > before);
}

static void lost_request_at_every_position(void) { transport_fails_at_every_request(FAULT_LOST_REQUEST); }
static void lost_response_at_every_position(void) { transport_fails_at_every_request(FAULT_LOST_RESPONSE); }
static void truncated_response_at_every_position(void) { transport_fails_at_every_request(FAULT_TRUNCATED); }

/* Whatever negative value the transport returns, the caller sees
   ACME2_ERR_TRANSPORT (the contract lets transports pick their code). */
static void any_negative_transport_result_is_a_transport_error(void)
{
    setup();
    fault_at(4, FAULT_LOST_REQUEST, -1);
    fault_at(5, FAULT_LOST_RESPONSE, ACME2_ERR_TIMEOUT);
}

/* A saved order must survive a failure to fetch it: a new order is only
   made when the server says the saved one is gone or unusable. */
static void resume_order(int fault_mode, int busy_status, int forgotten, int want_rc, int want_new)
{
    static fake_ca ca;
    acme2_client c;
    acme2_options o = test_options();
    flow f;
    const char *pem;
    size_t len;
    int rc;
    setup();
    /* A first run that stops right after the order was made (request 4:
       the authorization fetch is lost). */
    ca_init(&ca, 4, FAULT_LOST_REQUEST, ACME2_ERR_TRANSPORT);
    memset(&f, 0, sizeof f);
    REQUIRE(acme2_client_init(&c, DIR_URL, &account_ec, work, sizeof work, ca_transport, &ca, &o) == 0);
    REQUIRE(attempt(&c, &f, &pem, &len) == ACME2_ERR_TRANSPORT);
    REQUIRE(f.order_url[0] != 0);
    REQUIRE(ca.new_orders == 1);
    if (forgotten) ca.gone = 1; /* the saved order is unknown now: 404 */
    /* The rerun's first two requests: newNonce (the failure cleared the
       nonce), then the saved order's fetch, which fails. */
    ca.sent = 0;
    ca.fail_at = fault_mode ? 2 : 0;
    ca.fail_mode = fault_mode;
    ca.busy_at = busy_status ? 2 : 0;
    ca.busy_status = busy_status;
    rc = attempt(&c, &f, &pem, &len);
    CHECK_MSG(rc == want_rc, "resume: got %d (%s), want %d (%s)", rc, acme2_strerror(rc), want_rc, acme2_strerror(want_rc));
    CHECK_MSG(ca.new_orders == 1 + want_new, "resume: %d orders created, want %d", ca.new_orders, 1 + want_new);
    CHECK_INT(ca.s.errors, 0);
}

static void resume_fetch_lost_keeps_the_saved_order(void)
{
    resume_order(FAULT_LOST_REQUEST, 0, 0, ACME2_ERR_TRANSPORT, 0);
    resume_order(FAULT_LOST_RESPONSE, 0, 0, ACME2_ERR_TRANSPORT, 0);
}

/* Rate limited or the server failing (no Retry-After): a new order would
   not help, and under a rate limit it would make things worse. */
static void resume_fetch_refused_as_busy_keeps_the_saved_order(void)
{
    resume_order(FAULT_NONE, 429, 0, ACME2_ERR_PROBLEM, 0);
    resume_order(FAULT_NONE, 503, 0, ACME2_ERR_PROBLEM, 0);
}

static void resume_of_an_order_the_server_forgot_makes_a_new_one(void)
{
    resume_order(FAULT_NONE, 0, 1, 0, 1);
}

int main(void)
{
    RUN(new_account_with_http_location_is_refused);
    RUN(new_account_with_http_location_allowed_by_option);
    RUN(set_account_checks_the_scheme);
    RUN(every_directory_url_must_be_https);
    RUN(order_certificate_url_must_be_https);
    RUN(order_urls_with_other_schemes_are_refused);
    RUN(authz_challenge_url_must_be_https);
    RUN(new_authz_location_must_be_https);
    RUN(http_alternate_chain_links_are_dropped);
    RUN(http_resume_order_is_never_requested);
    RUN(leaf_is_checked_against_key_and_names);
    RUN(refused_leaf_leaves_the_outputs_untouched);
    RUN(leaf_of_a_ready_csr_must_carry_the_csr_key);
    RUN(streamed_chain_with_wrong_key_still_fails);
    RUN(secrets_wiped_with_ec_account);
    RUN(secrets_wiped_with_rsa_account);
    RUN(fault_free_issuance_takes_the_expected_requests);
    RUN(lost_request_at_every_position);
    RUN(lost_response_at_every_position);
    RUN(truncated_response_at_every_position);
    RUN(any_negative_transport_result_is_a_transport_error);
    RUN(resume_fetch_lost_keeps_the_saved_order);
    RUN(resume_fetch_refused_as_busy_keeps_the_saved_order);
    RUN(resume_of_an_order_the_server_forgot_makes_a_new_one);
    return t_done("security");
}
