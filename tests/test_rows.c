/* The protocol rows of issue 12 through the scripted server (tests/script.h):
   the account's orders list with Link rel="next" pages, the issuer through
   Link rel="up", dns-persist-01 (draft-ietf-acme-dns-persist-02: the
   draft's own test vectors, the challenge's issuerDomainNames and the
   directory's meta, the issuance engine), dns-account-01's label against
   a published example, RFC 9444 subdomain authorizations, and the RFC 7633
   TLS Feature in the CSR checked by `openssl req -text`. Pebble covers what
   it offers in tests/integration.sh. */
/* Small bounds, so the tests reach them with a few requests. */
#define ACME2_MAX_UP_DEPTH 2
#define ACME2_MAX_ORDER_PAGES 3
#define ACME2_MAX_ORDERS_PAGE 4
#define ACME2_ORDERS_PAGE_STRINGS 160
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"
#include "script.h"

#define ACCT CA "/acct/1"

static const char DIRECTORY[] =
    "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA "/order\","
    "\"newAuthz\":\"" CA "/authz\"}";
/* With the RFC 9444 and dns-persist-01 meta. */
static const char DIRECTORY_META[] =
    "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA "/order\","
    "\"newAuthz\":\"" CA "/authz\",\"meta\":{\"subdomainAuthAllowed\":true,"
    "\"caaIdentities\":[\"ca.test\",\"CA2.test.\"],"
    "\"accountHashPrefix\":\"" CA "/account-hash/\",\"issuerDomainNames\":[\"ca.test\"]}}";

#define ST_DIR { "GET", DIR_URL, 0, NULL, 200, JSON_CT, DIRECTORY, NULL }
#define ST_DIR_META { "GET", DIR_URL, 0, NULL, 200, JSON_CT, DIRECTORY_META, NULL }

static acme2_key account_ec, cert_key;
static char work[16384];

static void setup_keys(void)
{
    static int done;
    if (done) return;
    done = 1;
    if (acme2_key_generate(&account_ec, ACME2_KEY_EC, 256, NULL) != 0 ||
        acme2_key_generate(&cert_key, ACME2_KEY_EC, 256, NULL) != 0) {
        fprintf(stderr, "setup failed\n");
        exit(1);
    }
}

/* A client with a known account whose first step (the directory) is done. */
static int known_account(acme2_client *c, script *s, const step *steps, int n)
{
    acme2_options o = test_options();
    int rc;
    reset_clock();
    script_init(s, steps, n, &account_ec);
    s->kid = ACCT;
    rc = acme2_client_init(c, DIR_URL, &account_ec, work, sizeof work, script_transport, s, &o);
    if (rc == 0) rc = acme2_client_set_account(c, ACCT);
    if (rc == 0) rc = acme2_directory_fetch(c);
    return rc;
}

/* ---- Link header ---- */

static void link_header_keeps_next_and_up(void)
{
    acme2_http_response r;
    static const char v[] = "<https://ca.test/list?p=2>; rel=\"next\", <https://ca.test/issuer>;rel=up, "
                            "<https://ca.test/alt/1>;rel=\"alternate\", <https://ca.test/dir>;rel=\"index\"";
    memset(&r, 0, sizeof r);
    CHECK_INT(acme2_response_status(&r, 200), 0);
    CHECK_INT(acme2_response_header(&r, "Link", 4, v, strlen(v)), 0);
    CHECK_STR(r.link_next, "https://ca.test/list?p=2");
    CHECK_STR(r.link_up, "https://ca.test/issuer");
    CHECK_INT(r.n_alternates, 1);
    /* The same target again (in a second Link field) is harmless ... */
    CHECK_INT(acme2_response_header(&r, "link", 4, "<https://ca.test/issuer>; rel=\"up\"", 34), 0);
    CHECK_INT(r.err, 0);
    /* ... a second, different one is ambiguous. */
    CHECK_INT(acme2_response_header(&r, "Link", 4, "<https://ca.test/other>; rel=\"up\"", 33), ACME2_ERR_PROTOCOL);
    /* A new status line forgets them. */
    CHECK_INT(acme2_response_status(&r, 200), 0);
    CHECK_STR(r.link_next, "");
    CHECK_STR(r.link_up, "");
}

static void link_header_refuses_bad_next_targets(void)
{
    acme2_http_response r;
    char v[ACME2_MAX_URL + 64];
    memset(&r, 0, sizeof r);
    acme2_response_status(&r, 200);
    CHECK_INT(acme2_response_header(&r, "Link", 4, "<https://ca.test/a b>; rel=\"next\"", 33), ACME2_ERR_PROTOCOL);
    memset(&r, 0, sizeof r);
    acme2_response_status(&r, 200);
    v[0] = '<';
    memset(v + 1, 'a', ACME2_MAX_URL + 1);
    snprintf(v + ACME2_MAX_URL + 2, sizeof v - ACME2_MAX_URL - 2, ">;rel=next");
    CHECK_INT(acme2_response_header(&r, "Link", 4, v, strlen(v)), ACME2_ERR_PROTOCOL);
    CHECK_STR(r.link_next, "");
}

/* ---- the orders list (RFC 8555 section 7.1.2.1) ---- */

#define ORDERS CA "/acct/1/orders"
#define PAGE(body, link) { "POST", ORDERS, 0, "", 200, JSON_CT link, body, NULL }
#define NEXT(url) "Link: <" url ">;rel=\"next\"\n"

static const char ACCOUNT_WITH_ORDERS[] = "{\"status\":\"valid\",\"orders\":\"" ORDERS "\"}";

typedef struct seen_orders {
    char urls[16][64];
    int n, stop_at;
} seen_orders;

static int see_order(void *u, const char *url)
{
    seen_orders *s = (seen_orders *)u;
    if (s->n < 16) snprintf(s->urls[s->n], sizeof s->urls[0], "%s", url);
    s->n++;
    return s->stop_at && s->n == s->stop_at ? 42 : 0;
}

static void account_lookup_reports_the_orders_url(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/acct", S_JWK, "{\"onlyReturnExisting\":true}", 200, JSON_CT "Location: " ACCT "\n",
          ACCOUNT_WITH_ORDERS, NULL },
    };
    acme2_client c;
    script s;
    acme2_account_params ap;
    acme2_account a;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps)) == 0);
    memset(&ap, 0, sizeof ap);
    ap.only_existing = 1;
    memset(&a, 0x55, sizeof a);
    CHECK_INT(acme2_account_new(&c, &ap, &a), 0);
    CHECK_STR(a.orders, ORDERS);
    SCRIPT_DONE(s);
}

static void account_orders_with_insecure_url_is_refused(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/acct", S_JWK, "{\"onlyReturnExisting\":true}", 200, JSON_CT "Location: " ACCT "\n",
          "{\"status\":\"valid\",\"orders\":\"http://ca.test/orders\"}", NULL },
    };
    acme2_client c;
    script s;
    acme2_account_params ap;
    acme2_account a;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps)) == 0);
    memset(&ap, 0, sizeof ap);
    ap.only_existing = 1;
    CHECK_INT(acme2_account_new(&c, &ap, &a), ACME2_ERR_INSECURE_URL);
    SCRIPT_DONE(s);
}

static void orders_list_follows_next_pages(void)
{
    static const step steps[] = {
        ST_DIR,
        PAGE("{\"orders\":[\"" CA "/order/1\",\"" CA "/order/2\"]}", NEXT(ORDERS "?cursor=2")),
        { "POST", ORDERS "?cursor=2", 0, "", 200, JSON_CT NEXT(ORDERS "?cursor=3"), "{\"orders\":[\"" CA "/order/3\"]}", NULL },
        { "POST", ORDERS "?cursor=3", 0, "", 200, JSON_CT, "{\"orders\":[]}", NULL },
    };
    acme2_client c;
    script s;
    seen_orders seen;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps)) == 0);
    memset(&seen, 0, sizeof seen);
    CHECK_INT(acme2_account_orders(&c, ORDERS, see_order, &seen), 0);
    CHECK_INT(seen.n, 3);
    CHECK_STR(seen.urls[0], CA "/order/1");
    CHECK_STR(seen.urls[1], CA "/order/2");
    CHECK_STR(seen.urls[2], CA "/order/3");
    SCRIPT_DONE(s);
}

static void orders_page_pair_gives_urls_and_next(void)
{
    static const step steps[] = {
        ST_DIR,
        PAGE("{\"orders\":[\"" CA "/order/1\",\"" CA "/order/2\"]}", NEXT(ORDERS "?cursor=2")),
    };
    acme2_client c;
    script s;
    acme2_http_request req;
    acme2_orders_page pg;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps)) == 0);
    memset(&pg, 0, sizeof pg);
    REQUIRE(acme2_orders_page_request(&c, ORDERS, &req) == 0);
    CHECK_STR(req.method, "POST");
    CHECK_STR(req.url, ORDERS);
    REQUIRE(script_transport(&s, &req, acme2_client_response(&c)) == 0);
    CHECK_INT(acme2_orders_page_response(&c, &pg), 0);
    CHECK_INT(pg.n_orders, 2);
    CHECK_STR(acme2_orders_page_url(&pg, 1), CA "/order/2");
    CHECK(acme2_orders_page_url(&pg, 2) == NULL);
    CHECK_STR(pg.next, ORDERS "?cursor=2");
    SCRIPT_DONE(s);
}

static void orders_list_stops_when_the_callback_says_so(void)
{
    static const step steps[] = {
        ST_DIR,
        PAGE("{\"orders\":[\"" CA "/order/1\",\"" CA "/order/2\"]}", NEXT(ORDERS "?cursor=2")),
    };
    acme2_client c;
    script s;
    seen_orders seen;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps)) == 0);
    memset(&seen, 0, sizeof seen);
    seen.stop_at = 1;
    CHECK_INT(acme2_account_orders(&c, ORDERS, see_order, &seen), 42);
    CHECK_INT(seen.n, 1);
    SCRIPT_DONE(s); /* the second page is never asked for */
}

static void orders_page_linking_to_itself_is_a_protocol_error(void)
{
    static const step steps[] = {
        ST_DIR,
        PAGE("{\"orders\":[\"" CA "/order/1\"]}", NEXT(ORDERS)),
    };
    acme2_client c;
    script s;
    seen_orders seen;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps)) == 0);
    memset(&seen, 0, sizeof seen);
    CHECK_INT(acme2_account_orders(&c, ORDERS, see_order, &seen), ACME2_ERR_PROTOCOL);
    CHECK_INT(seen.n, 0); /* the page was refused whole */
    SCRIPT_DONE(s);
}

static void orders_pages_looping_back_are_a_protocol_error(void)
{
    static const step steps[] = {
        ST_DIR,
        PAGE("{\"orders\":[]}", NEXT(ORDERS "?cursor=2")),
        { "POST", ORDERS "?cursor=2", 0, "", 200, JSON_CT NEXT(ORDERS), "{\"orders\":[]}", NULL },
    };
    acme2_client c;
    script s;
    seen_orders seen;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps)) == 0);
    memset(&seen, 0, sizeof seen);
    CHECK_INT(acme2_account_orders(&c, ORDERS, see_order, &seen), ACME2_ERR_PROTOCOL);
    SCRIPT_DONE(s);
}

static void orders_list_longer_than_the_page_bound_is_too_large(void)
{
    /* ACME2_MAX_ORDER_PAGES is 3 here: a fourth page is never fetched. */
    static const step steps[] = {
        ST_DIR,
        PAGE("{\"orders\":[]}", NEXT(ORDERS "?c=2")),
        { "POST", ORDERS "?c=2", 0, "", 200, JSON_CT NEXT(ORDERS "?c=3"), "{\"orders\":[]}", NULL },
        { "POST", ORDERS "?c=3", 0, "", 200, JSON_CT NEXT(ORDERS "?c=4"), "{\"orders\":[]}", NULL },
    };
    acme2_client c;
    script s;
    seen_orders seen;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps)) == 0);
    memset(&seen, 0, sizeof seen);
    CHECK_INT(acme2_account_orders(&c, ORDERS, see_order, &seen), ACME2_ERR_TOO_LARGE);
    SCRIPT_DONE(s);
}

/* One bad page, one expected result; out must stay as it was. */
static void orders_page_case(const char *body, const char *headers, int want)
{
    step steps[2] = { ST_DIR, { "POST", ORDERS, 0, "", 200, NULL, NULL, NULL } };
    acme2_client c;
    script s;
    acme2_orders_page pg;
    steps[1].headers = headers;
    steps[1].body = body;
    REQUIRE(known_account(&c, &s, steps, 2) == 0);
    memset(&pg, 0, sizeof pg);
    pg.n_orders = 7;
    CHECK_INT(acme2_orders_page_get(&c, ORDERS, &pg), want);
    CHECK_INT(pg.n_orders, 7);
    SCRIPT_DONE(s);
}

static void orders_page_bad_bodies_are_refused(void)
{
    setup_keys();
    /* ACME2_MAX_ORDERS_PAGE is 4 here. */
    orders_page_case("{\"orders\":[\"" CA "/o/1\",\"" CA "/o/2\",\"" CA "/o/3\",\"" CA "/o/4\",\"" CA "/o/5\"]}",
                     JSON_CT, ACME2_ERR_TOO_LARGE);
    /* ACME2_ORDERS_PAGE_STRINGS is 160: four 60-byte URLs do not fit. */
    orders_page_case("{\"orders\":[\"" CA "/order/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1\",\""
                     CA "/order/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2\",\""
                     CA "/order/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3\"]}",
                     JSON_CT, ACME2_ERR_TOO_LARGE);
    orders_page_case("{\"orders\":[\"http://ca.test/order/1\"]}", JSON_CT, ACME2_ERR_INSECURE_URL);
    orders_page_case("{\"orders\":[\"" CA "/order/1\"]}", JSON_CT NEXT("http://ca.test/orders?2"), ACME2_ERR_INSECURE_URL);
    orders_page_case("{\"orders\":[1]}", JSON_CT, ACME2_ERR_PROTOCOL);
    orders_page_case("{\"orders\":\"" CA "/order/1\"}", JSON_CT, ACME2_ERR_PROTOCOL);
    orders_page_case("{\"other\":[]}", JSON_CT, ACME2_ERR_PROTOCOL);
    orders_page_case("{\"orders\":[\"" CA "/order/\\u0000\"]}", JSON_CT, ACME2_ERR_PROTOCOL);
    orders_page_case("[]", JSON_CT, ACME2_ERR_PROTOCOL);
    orders_page_case("{\"orders\":[]}", "Content-Type: text/html\n", ACME2_ERR_CONTENT_TYPE);
}

/* ---- the issuer through Link rel="up" ---- */

/* root -> i1 -> i2 and leaves for cert_key and example.org: leaf1 under
   i1, leaf2 under i2; made by openssl at test time. other: a CA that
   issued none of them. */
static char leaf1_pem[4096], leaf2_pem[4096], i1_pem[4096], i2_pem[4096], root_pem[4096], other_pem[4096];
static unsigned char i1_der[2048], i2_der[2048];
static long i1_der_len, i2_der_len;

static int read_text(const char *name, char *out, size_t cap)
{
    long n = t_read_file(t_path(name), out, cap - 1);
    if (n <= 0) return -1;
    out[n] = 0;
    return 0;
}

static int make_pki(void)
{
    static int done, ok;
    unsigned char csr[1024];
    acme2_identifier id;
    int n;
    if (done) return ok ? 0 : -1;
    done = 1;
    id.type = ACME2_ID_DNS;
    id.value = "example.org";
    n = acme2_csr_der(csr, sizeof csr, &cert_key, &id, 1, 0);
    if (n < 0 || t_write_file(t_path("leaf.csr"), csr, (size_t)n)) return -1;
    if (t_sh("(cd %s && printf 'basicConstraints=critical,CA:TRUE\\nkeyUsage=critical,keyCertSign,cRLSign\\n' > ca.ext && "
             "for ca in root other; do openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
             "-keyout $ca.key -out $ca.pem -subj /CN=rows-$ca -days 30 || exit 1; done && "
             "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout i1.key -out i1.csr -subj /CN=rows-i1 && "
             "openssl x509 -req -in i1.csr -CA root.pem -CAkey root.key -days 30 -extfile ca.ext -out i1.pem && "
             "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout i2.key -out i2.csr -subj /CN=rows-i2 && "
             "openssl x509 -req -in i2.csr -CA i1.pem -CAkey i1.key -days 30 -extfile ca.ext -out i2.pem && "
             "openssl x509 -req -inform DER -in leaf.csr -CA i1.pem -CAkey i1.key -days 30 -copy_extensions copy -out leaf1.pem && "
             "openssl x509 -req -inform DER -in leaf.csr -CA i2.pem -CAkey i2.key -days 30 -copy_extensions copy -out leaf2.pem && "
             "openssl x509 -in i1.pem -outform DER -out i1.der && openssl x509 -in i2.pem -outform DER -out i2.der"
             ") >/dev/null 2>&1", t_tmpdir()) != 0)
        return -1;
    if (read_text("leaf1.pem", leaf1_pem, sizeof leaf1_pem) || read_text("leaf2.pem", leaf2_pem, sizeof leaf2_pem) ||
        read_text("i1.pem", i1_pem, sizeof i1_pem) || read_text("i2.pem", i2_pem, sizeof i2_pem) ||
        read_text("root.pem", root_pem, sizeof root_pem) || read_text("other.pem", other_pem, sizeof other_pem))
        return -1;
    i1_der_len = t_read_file(t_path("i1.der"), i1_der, sizeof i1_der);
    i2_der_len = t_read_file(t_path("i2.der"), i2_der, sizeof i2_der);
    if (i1_der_len <= 0 || i2_der_len <= 0) return -1;
    ok = 1;
    return 0;
}

/* The scripted server pushes text bodies; DER ones come from this table
   (step body NULL, URL listed here). */
typedef struct der_body {
    const char *url;
    const unsigned char *der;
    const long *len;
} der_body;
static const der_body der_bodies[] = {
    { CA "/issuer/i1", i1_der, &i1_der_len },
    { CA "/issuer/i2", i2_der, &i2_der_len },
};

static int der_transport(void *user, const acme2_http_request *req, acme2_http_response *resp)
{
    size_t i;
    int rc = script_transport(user, req, resp);
    if (rc) return rc;
    for (i = 0; i < sizeof der_bodies / sizeof der_bodies[0]; i++)
        if (strcmp(req->url, der_bodies[i].url) == 0) return acme2_response_body(resp, der_bodies[i].der, (size_t)*der_bodies[i].len);
    return 0;
}

static int known_account_der(acme2_client *c, script *s, const step *steps, int n)
{
    int rc = known_account(c, s, steps, n);
    c->transport = der_transport;
    return rc;
}

#define PKIX_CT "Content-Type: application/pkix-cert\n"
#define UP(url) "Link: <" url ">;rel=\"up\"\n"
#define ST_CERT_UP(body, up) { "POST", CA "/cert/1", 0, "", 200, PEM_CT UP(up), body, NULL }
#define ST_ISSUER(name, ct_and_links, body) { "POST", CA "/issuer/" name, 0, "", 200, ct_and_links, body, NULL }

static char chain_buf[16384];

static void chain_download_follows_up_links_to_the_root(void)
{
    step steps[] = {
        ST_DIR,
        ST_CERT_UP(NULL, CA "/issuer/i1"),
        ST_ISSUER("i1", PKIX_CT UP(CA "/issuer/root"), NULL),
        ST_ISSUER("root", PEM_CT UP(CA "/issuer/root"), NULL),
    };
    acme2_client c;
    script s;
    size_t len = 0;
    char want[16384];
    setup_keys();
    REQUIRE(make_pki() == 0);
    steps[1].body = leaf1_pem;
    steps[3].body = root_pem;
    REQUIRE(known_account_der(&c, &s, steps, NSTEPS(steps)) == 0);
    CHECK_INT(acme2_certificate_download_chain(&c, CA "/cert/1", chain_buf, sizeof chain_buf, &len), 0);
    /* openssl's own PEM of each certificate, in chain order: the issuer
       that came as DER is encoded exactly as openssl writes it. The root
       is self-issued: its own rel="up" is not followed. */
    snprintf(want, sizeof want, "%s%s%s", leaf1_pem, i1_pem, root_pem);
    CHECK_INT(len, strlen(want));
    CHECK(len < sizeof chain_buf && memcmp(chain_buf, want, len) == 0 && chain_buf[len] == 0);
    SCRIPT_DONE(s);
    /* openssl verifies what came out: leaf, then the intermediates. */
    REQUIRE(t_write_file(t_path("chain-out.pem"), chain_buf, len) == 0);
    CHECK_INT(t_sh("cd %s && openssl verify -CAfile root.pem -untrusted chain-out.pem leaf1.pem >/dev/null 2>&1", t_tmpdir()), 0);
}

static void chain_download_without_up_link_keeps_the_chain(void)
{
    step steps[] = { ST_DIR, { "POST", CA "/cert/1", 0, "", 200, PEM_CT, NULL, NULL } };
    acme2_client c;
    script s;
    size_t len = 0;
    char want[8192];
    setup_keys();
    REQUIRE(make_pki() == 0);
    snprintf(want, sizeof want, "%s%s", leaf1_pem, i1_pem);
    steps[1].body = want;
    REQUIRE(known_account_der(&c, &s, steps, NSTEPS(steps)) == 0);
    CHECK_INT(acme2_certificate_download_chain(&c, CA "/cert/1", chain_buf, sizeof chain_buf, &len), 0);
    CHECK_INT(len, strlen(want));
    CHECK(memcmp(chain_buf, want, len) == 0);
    CHECK(acme2_certificate_up(&c) == NULL);
    SCRIPT_DONE(s);
}

static void chain_deeper_than_the_bound_is_a_protocol_error(void)
{
    /* ACME2_MAX_UP_DEPTH is 2 here: leaf2 -> i2 -> i1 needs a third fetch
       for the root. */
    step steps[] = {
        ST_DIR,
        ST_CERT_UP(NULL, CA "/issuer/i2"),
        ST_ISSUER("i2", PKIX_CT UP(CA "/issuer/i1"), NULL),
        ST_ISSUER("i1", PKIX_CT UP(CA "/issuer/root"), NULL),
    };
    acme2_client c;
    script s;
    size_t len = 0;
    setup_keys();
    REQUIRE(make_pki() == 0);
    steps[1].body = leaf2_pem;
    REQUIRE(known_account_der(&c, &s, steps, NSTEPS(steps)) == 0);
    CHECK_INT(acme2_certificate_download_chain(&c, CA "/cert/1", chain_buf, sizeof chain_buf, &len), ACME2_ERR_PROTOCOL);
    CHECK_INT(len, 0);
    SCRIPT_DONE(s);
}

/* The issuer pair on a chain of leaf1 only, answered as the step says. */
static void issuer_case(const char *headers, const char *body, int want)
{
    step steps[] = { ST_DIR, ST_ISSUER("x", NULL, NULL) };
    acme2_client c;
    script s;
    acme2_http_request req;
    size_t len, before;
    char pem[8192];
    steps[1].headers = headers;
    steps[1].body = body;
    REQUIRE(known_account_der(&c, &s, steps, NSTEPS(steps)) == 0);
    snprintf(pem, sizeof pem, "%s", leaf1_pem);
    len = before = strlen(pem);
    REQUIRE(acme2_certificate_issuer_request(&c, CA "/issuer/x", &req) == 0);
    REQUIRE(der_transport(&s, &req, acme2_client_response(&c)) == 0);
    CHECK_INT(acme2_certificate_issuer_response(&c, pem, sizeof pem, &len), want);
    if (want) CHECK_INT(len, before);
    SCRIPT_DONE(s);
}

static void issuer_answers_are_checked(void)
{
    setup_keys();
    REQUIRE(make_pki() == 0);
    issuer_case(PEM_CT, i1_pem, 0);                          /* the right issuer, as PEM */
    issuer_case(PEM_CT, other_pem, ACME2_ERR_PROTOCOL);      /* a CA that did not issue the leaf */
    issuer_case(PEM_CT, leaf1_pem, ACME2_ERR_PROTOCOL);      /* the leaf again: a loop */
    issuer_case(PEM_CT, root_pem, ACME2_ERR_PROTOCOL);       /* skips a level */
    issuer_case("Content-Type: text/plain\n", i1_pem, ACME2_ERR_CONTENT_TYPE);
    issuer_case(PKIX_CT, "not DER at all", ACME2_ERR_DER);
    issuer_case(PEM_CT, "-----BEGIN CERTIFICATE-----\nAAAA!\n-----END CERTIFICATE-----\n", ACME2_ERR_PEM);
    issuer_case(PEM_CT, "no certificate here\n", ACME2_ERR_PROTOCOL);
    issuer_case(PEM_CT, "", ACME2_ERR_PROTOCOL);
}

static void issuer_append_needs_room(void)
{
    step steps[] = { ST_DIR, ST_ISSUER("x", PEM_CT, NULL) };
    acme2_client c;
    script s;
    acme2_http_request req;
    size_t len;
    char pem[4096];
    setup_keys();
    REQUIRE(make_pki() == 0);
    steps[1].body = i1_pem;
    REQUIRE(known_account_der(&c, &s, steps, NSTEPS(steps)) == 0);
    snprintf(pem, sizeof pem, "%s", leaf1_pem);
    len = strlen(pem);
    REQUIRE(acme2_certificate_issuer_request(&c, CA "/issuer/x", &req) == 0);
    REQUIRE(der_transport(&s, &req, acme2_client_response(&c)) == 0);
    /* Room for the leaf and a few bytes: nothing is appended. */
    CHECK_INT(acme2_certificate_issuer_response(&c, pem, len + 16, &len), ACME2_ERR_NOSPACE);
    CHECK_INT(len, strlen(leaf1_pem));
    CHECK_STR(pem, leaf1_pem);
    SCRIPT_DONE(s);
}

/* ---- dns-persist-01 ---- */

/* draft-ietf-acme-dns-persist-02 section 10.2 (also figures 2 and 8..10). */
#define V_THUMB "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
#define V_HASH "5SQm7n6tPh2-PlLbCKGnViTXX5z19SCN4cPGQHSk-kw"
#define V_HASH_STAR "NpDnSwUthQK8zCgFdefYxAdAVPnygMLbs9US6oO-5ug"
#define V_PREFIX "https://ca.example/account-hash/"

static acme2_dns_persist01_record vector_record(void)
{
    acme2_dns_persist01_record r;
    memset(&r, 0, sizeof r);
    r.issuer_domain = "authority.example";
    r.account_hash_prefix = V_PREFIX;
    r.account_url = "https://ca.example/acct/123";
    r.thumbprint = V_THUMB;
    r.domain = "example.com";
    return r;
}

static void dns_persist01_value_matches_the_draft_vectors(void)
{
    acme2_dns_persist01_record r = vector_record();
    char out[512];
    /* Figure 2: the record's strings joined ("authority.example;" " accounturi=..."). */
    CHECK_INT(acme2_dns_persist01_txt(&r, out, sizeof out),
              (int)strlen("authority.example; accounturi=" V_PREFIX "sha-256/" V_HASH));
    CHECK_STR(out, "authority.example; accounturi=" V_PREFIX "sha-256/" V_HASH);
    r.wildcard = 1; /* figure 8 */
    acme2_dns_persist01_txt(&r, out, sizeof out);
    CHECK_STR(out, "authority.example; accounturi=" V_PREFIX "sha-256/" V_HASH "; policy=wildcard");
    r.wildcard = 0;
    r.persist_until = 1721952000; /* figure 9 */
    acme2_dns_persist01_txt(&r, out, sizeof out);
    CHECK_STR(out, "authority.example; accounturi=" V_PREFIX "sha-256/" V_HASH "; persistUntil=1721952000");
    r.wildcard = 1; /* figure 10 */
    acme2_dns_persist01_txt(&r, out, sizeof out);
    CHECK_STR(out, "authority.example; accounturi=" V_PREFIX "sha-256/" V_HASH "; policy=wildcard; persistUntil=1721952000");
    /* The "*" opt-out of section 4.1 (the second vector of 10.2). */
    r = vector_record();
    r.domain = NULL;
    acme2_dns_persist01_txt(&r, out, sizeof out);
    CHECK_STR(out, "authority.example; accounturi=" V_PREFIX "sha-256/" V_HASH_STAR);
    /* The hash is over the normalized name: a wildcard identifier and upper
       case give the same value as example.com. */
    r = vector_record();
    r.domain = "*.Example.COM";
    acme2_dns_persist01_txt(&r, out, sizeof out);
    CHECK_STR(out, "authority.example; accounturi=" V_PREFIX "sha-256/" V_HASH);
}

static void dns_persist01_name_strips_the_wildcard(void)
{
    char out[300];
    CHECK_INT(acme2_dns_persist01_name("example.com", out, sizeof out), 31);
    CHECK_STR(out, "_validation-persist.example.com");
    CHECK_INT(acme2_dns_persist01_name("*.example.com", out, sizeof out), 31);
    CHECK_STR(out, "_validation-persist.example.com");
    CHECK_INT(acme2_dns_persist01_name("example.com", out, 31), ACME2_ERR_NOSPACE);
    CHECK_INT(acme2_dns_persist01_name("bad..name", out, sizeof out), ACME2_ERR_IDENTIFIER);
    CHECK_INT(acme2_dns_persist01_name(NULL, out, sizeof out), ACME2_ERR_IDENTIFIER);
}

static void dns_persist01_value_refuses_bad_parts(void)
{
    acme2_dns_persist01_record r;
    char out[512];
    r = vector_record(); r.issuer_domain = "Authority.example";
    CHECK_INT(acme2_dns_persist01_txt(&r, out, sizeof out), ACME2_ERR_IDENTIFIER);
    r = vector_record(); r.issuer_domain = "authority.example.";
    CHECK_INT(acme2_dns_persist01_txt(&r, out, sizeof out), ACME2_ERR_IDENTIFIER);
    r = vector_record(); r.issuer_domain = "*.authority.example";
    CHECK_INT(acme2_dns_persist01_txt(&r, out, sizeof out), ACME2_ERR_IDENTIFIER);
    r = vector_record(); r.issuer_domain = NULL;
    CHECK_INT(acme2_dns_persist01_txt(&r, out, sizeof out), ACME2_ERR_IDENTIFIER);
    r = vector_record(); r.domain = "example..com";
    CHECK_INT(acme2_dns_persist01_txt(&r, out, sizeof out), ACME2_ERR_IDENTIFIER);
    r = vector_record(); r.account_hash_prefix = "https://ca.example/x;policy=wildcard/";
    CHECK_INT(acme2_dns_persist01_txt(&r, out, sizeof out), ACME2_ERR_PARAM);
    r = vector_record(); r.account_hash_prefix = "";
    CHECK_INT(acme2_dns_persist01_txt(&r, out, sizeof out), ACME2_ERR_PARAM);
    r = vector_record(); r.account_url = "https://ca.example/acct/1 23";
    CHECK_INT(acme2_dns_persist01_txt(&r, out, sizeof out), ACME2_ERR_PARAM);
    r = vector_record(); r.thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9X";
    CHECK_INT(acme2_dns_persist01_txt(&r, out, sizeof out), ACME2_ERR_PARAM);
    r = vector_record(); r.thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9X+";
    CHECK_INT(acme2_dns_persist01_txt(&r, out, sizeof out), ACME2_ERR_PARAM);
    r = vector_record(); r.persist_until = -1;
    CHECK_INT(acme2_dns_persist01_txt(&r, out, sizeof out), ACME2_ERR_PARAM);
    r = vector_record();
    strcpy(out, "untouched");
    CHECK_INT(acme2_dns_persist01_txt(&r, out, 100), ACME2_ERR_NOSPACE);
    CHECK_STR(out, "untouched");
    CHECK_INT(acme2_dns_persist01_txt(NULL, out, sizeof out), ACME2_ERR_PARAM);
}

#define PERSIST_CHALL(names) \
    "{\"type\":\"dns-persist-01\",\"url\":\"" CA "/chall/9\",\"status\":\"pending\",\"issuerDomainNames\":" names "}"
#define AUTHZ_WITH(chall) \
    "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"},\"status\":\"pending\",\"challenges\":[" chall "," \
    "{\"type\":\"http-01\",\"url\":\"" CA "/chall/1\",\"status\":\"pending\",\"token\":\"tok-http_1\"}]}"

/* Parses one authorization after the given directory; returns the result
   and the dns-persist-01 challenge's type in *type. */
static int persist_authz(const char *directory, const char *authz, acme2_authz *a)
{
    step steps[] = {
        { "GET", DIR_URL, 0, NULL, 200, JSON_CT, NULL, NULL },
        { "POST", CA "/authz/1", 0, "", 200, JSON_CT, NULL, NULL },
    };
    acme2_client c;
    script s;
    int rc;
    steps[0].body = directory;
    steps[1].body = authz;
    if (known_account(&c, &s, steps, NSTEPS(steps)) != 0) return -1000;
    rc = acme2_authz_get(&c, CA "/authz/1", a);
    CHECK_INT(s.errors, 0);
    return rc;
}

static void dns_persist01_challenge_fields_are_parsed(void)
{
    acme2_authz a;
    const acme2_challenge *ch;
    setup_keys();
    CHECK_INT(persist_authz(DIRECTORY_META, AUTHZ_WITH(PERSIST_CHALL("[\"ca.test\",\"ca2.test\"]")), &a), 0);
    ch = acme2_authz_challenge(&a, ACME2_CHALLENGE_DNS_PERSIST_01);
    REQUIRE(ch != NULL);
    CHECK_STR(ch->type_str, "dns-persist-01");
    CHECK_STR(ch->token, "");
    CHECK_INT(ch->n_issuer_domains, 2);
    CHECK_STR(acme2_challenge_issuer_domain(ch, 0), "ca.test");
    CHECK_STR(acme2_challenge_issuer_domain(ch, 1), "ca2.test");
    CHECK(acme2_challenge_issuer_domain(ch, 2) == NULL);
    CHECK_STR(acme2_challenge_name(ACME2_CHALLENGE_DNS_PERSIST_01), "dns-persist-01");
    CHECK(acme2_authz_challenge(&a, ACME2_CHALLENGE_HTTP_01) != NULL);
}

static void dns_persist01_directory_meta_is_parsed(void)
{
    acme2_authz a;
    step steps[] = { ST_DIR_META };
    acme2_client c;
    script s;
    const acme2_directory *d;
    setup_keys();
    (void)a;
    REQUIRE(known_account(&c, &s, steps, 1) == 0);
    d = acme2_client_directory(&c);
    REQUIRE(d != NULL);
    CHECK_STR(d->account_hash_prefix, CA "/account-hash/");
    CHECK_INT(d->n_issuer_domains, 1);
    CHECK_STR(acme2_directory_issuer_domain(d, 0), "ca.test");
    CHECK(acme2_directory_issuer_domain(d, 1) == NULL);
    CHECK_INT(d->subdomain_auth_allowed, 1);
    SCRIPT_DONE(s);
}

/* What the draft says to reject is kept, demoted to OTHER; the http-01
   challenge next to it stays usable. */
static void demoted(const char *directory, const char *authz)
{
    acme2_authz a;
    CHECK_INT(persist_authz(directory, authz, &a), 0);
    CHECK(acme2_authz_challenge(&a, ACME2_CHALLENGE_DNS_PERSIST_01) == NULL);
    CHECK_INT(a.n_challenges, 2);
    CHECK_INT(a.challenges[0].type, ACME2_CHALLENGE_OTHER);
    CHECK_STR(a.challenges[0].type_str, "dns-persist-01");
    CHECK(acme2_authz_challenge(&a, ACME2_CHALLENGE_HTTP_01) != NULL);
}

static void dns_persist01_nonconforming_challenges_are_demoted(void)
{
    static const char no_prefix[] =
        "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA "/order\","
        "\"meta\":{\"issuerDomainNames\":[\"ca.test\"]}}";
    static const char no_names[] =
        "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA "/order\","
        "\"meta\":{\"accountHashPrefix\":\"" CA "/account-hash/\"}}";
    setup_keys();
    demoted(DIRECTORY_META, AUTHZ_WITH(PERSIST_CHALL("[]")));
    demoted(DIRECTORY_META, AUTHZ_WITH(PERSIST_CHALL("[\"ca.test\",\"a.test\",\"b.test\",\"c.test\",\"d.test\","
                                                     "\"e.test\",\"f.test\",\"g.test\",\"h.test\",\"i.test\",\"j.test\"]")));
    demoted(DIRECTORY_META, AUTHZ_WITH(PERSIST_CHALL("[\"CA.test\"]")));     /* not lower case */
    demoted(DIRECTORY_META, AUTHZ_WITH(PERSIST_CHALL("[\"ca.test.\"]")));    /* trailing dot */
    demoted(DIRECTORY_META, AUTHZ_WITH(PERSIST_CHALL("[\"ca2.test\"]")));    /* lacks the directory's ca.test */
    demoted(DIRECTORY_META, AUTHZ_WITH(PERSIST_CHALL("[\"ca.test\",\"evil.test\"]"))); /* not a CAA identity */
    demoted(no_prefix, AUTHZ_WITH(PERSIST_CHALL("[\"ca.test\"]")));          /* no accountHashPrefix */
    demoted(no_names, AUTHZ_WITH(PERSIST_CHALL("[\"ca.test\"]")));           /* no issuerDomainNames */
    demoted(DIRECTORY_META,
            AUTHZ_WITH("{\"type\":\"dns-persist-01\",\"url\":\"" CA "/chall/9\",\"status\":\"pending\"}"));
    demoted(DIRECTORY_META, AUTHZ_WITH("{\"type\":\"dns-persist-01\",\"url\":\"" CA "/chall/9\",\"status\":\"pending\","
                                       "\"issuer-domain-names\":[\"ca.test\"]}")); /* -01's member name */
}

static void dns_persist01_malformed_issuer_domain_names_are_protocol_errors(void)
{
    acme2_authz a;
    setup_keys();
    memset(&a, 0, sizeof a);
    a.status = 99;
    CHECK_INT(persist_authz(DIRECTORY_META, AUTHZ_WITH(PERSIST_CHALL("\"ca.test\"")), &a), ACME2_ERR_PROTOCOL);
    CHECK_INT(persist_authz(DIRECTORY_META, AUTHZ_WITH(PERSIST_CHALL("[\"ca.test\",7]")), &a), ACME2_ERR_PROTOCOL);
    CHECK_INT(persist_authz(DIRECTORY_META, AUTHZ_WITH(PERSIST_CHALL("[\"ca\\u0000.test\"]")), &a), ACME2_ERR_PROTOCOL);
    CHECK_INT(a.status, 99);
}

static void dns_persist01_bad_directory_meta_is_dropped(void)
{
    static const char bad[] =
        "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA "/order\","
        "\"meta\":{\"accountHashPrefix\":\"http://ca.test/h/\",\"issuerDomainNames\":[\"ca.test\",\"Bad.test\"]}}";
    static const char wrong_types[] =
        "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA "/order\","
        "\"meta\":{\"accountHashPrefix\":7,\"issuerDomainNames\":\"ca.test\"}}";
    step steps[] = { { "GET", DIR_URL, 0, NULL, 200, JSON_CT, bad, NULL } };
    acme2_client c;
    script s;
    const acme2_directory *d;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, 1) == 0);
    d = acme2_client_directory(&c);
    REQUIRE(d != NULL);
    CHECK_STR(d->account_hash_prefix, "");
    CHECK_INT(d->n_issuer_domains, 0);
    steps[0].body = wrong_types;
    REQUIRE(known_account(&c, &s, steps, 1) == 0);
    d = acme2_client_directory(&c);
    REQUIRE(d != NULL);
    CHECK_STR(d->account_hash_prefix, "");
    CHECK_INT(d->n_issuer_domains, 0);
}

typedef struct deployed {
    int n, type, cleaned;
    char name[300], value[600], token[64], keyauth[400];
} deployed;

static int rec_deploy(void *u, const acme2_challenge_info *ch)
{
    deployed *d = (deployed *)u;
    d->n++;
    d->type = ch->type;
    snprintf(d->name, sizeof d->name, "%s", ch->dns_name);
    snprintf(d->value, sizeof d->value, "%s", ch->dns_value);
    snprintf(d->token, sizeof d->token, "%s", ch->token);
    snprintf(d->keyauth, sizeof d->keyauth, "%s", ch->key_authorization);
    return 0;
}

static void rec_cleanup(void *u, const acme2_challenge_info *ch)
{
    deployed *d = (deployed *)u;
    d->cleaned += ch->type == ACME2_CHALLENGE_DNS_PERSIST_01;
}

static void issue_with_dns_persist01_deploys_the_persistent_record(void)
{
    static const char order_pending[] =
        "{\"status\":\"pending\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
        "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}";
    static const char order_ready[] =
        "{\"status\":\"ready\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
        "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}";
    static const char order_valid[] =
        "{\"status\":\"valid\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
        "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\",\"certificate\":\"" CA "/cert/1\"}";
    step steps[] = {
        ST_DIR_META,
        { "POST", CA "/order", 0, "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}]}", 201,
          JSON_CT "Location: " CA "/order/1\n", order_pending, NULL },
        { "POST", CA "/authz/1", 0, "", 200, JSON_CT, AUTHZ_WITH(PERSIST_CHALL("[\"ca.test\",\"ca2.test\"]")), NULL },
        { "POST", CA "/chall/9", 0, "{}", 200, JSON_CT,
          "{\"type\":\"dns-persist-01\",\"url\":\"" CA "/chall/9\",\"status\":\"processing\"}", NULL },
        { "POST", CA "/order/1", 0, "", 200, JSON_CT, order_ready, NULL },
        { "POST", CA "/order/1/finalize", 0, NULL, 200, JSON_CT, order_valid, NULL },
        { "POST", CA "/cert/1", 0, "", 200, PEM_CT, NULL, NULL },
    };
    static const int types[] = { ACME2_CHALLENGE_DNS_PERSIST_01 };
    acme2_client c;
    script s;
    acme2_issue_params p;
    acme2_identifier id;
    deployed d;
    const char *pem;
    size_t pem_len;
    char tp[64], want[600], b64[64];
    unsigned char digest[32], len_octet = 11;
    br_sha256_context h;
    setup_keys();
    REQUIRE(make_pki() == 0);
    steps[6].body = leaf1_pem;
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps)) == 0);
    memset(&p, 0, sizeof p);
    memset(&d, 0, sizeof d);
    id.type = ACME2_ID_DNS;
    id.value = "example.org";
    p.ids = &id;
    p.n_ids = 1;
    p.cert_key = &cert_key;
    p.challenge_types = types;
    p.n_challenge_types = 1;
    p.deploy = rec_deploy;
    p.cleanup = rec_cleanup;
    p.user = &d;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), 0);
    CHECK_INT(d.n, 1);
    CHECK_INT(d.type, ACME2_CHALLENGE_DNS_PERSIST_01);
    CHECK_STR(d.token, "");
    CHECK_STR(d.keyauth, "");
    CHECK_STR(d.name, "_validation-persist.example.org");
    /* The value computed here as section 4.1 says, with BearSSL's SHA-256:
       the directory's first issuer domain name, its prefix, and
       SHA-256(0x0b "example.org" thumbprint account-URL). */
    REQUIRE(acme2_jwk_thumbprint(&account_ec, tp, sizeof tp) == 43);
    br_sha256_init(&h);
    br_sha256_update(&h, &len_octet, 1);
    br_sha256_update(&h, "example.org", 11);
    br_sha256_update(&h, tp, 43);
    br_sha256_update(&h, ACCT, strlen(ACCT));
    br_sha256_out(&h, digest);
    REQUIRE(acme2_b64url_encode(b64, sizeof b64, digest, 32) == 43);
    snprintf(want, sizeof want, "ca.test; accounturi=" CA "/account-hash/sha-256/%s", b64);
    CHECK_STR(d.value, want);
    CHECK_INT(d.cleaned, 1);
    SCRIPT_DONE(s);
}

static void issue_skips_dns_persist01_without_directory_names(void)
{
    /* A directory with a prefix but no issuerDomainNames: the challenge is
       kept but not usable, so the engine takes the next preferred type
       (http-01) and never asks for a persistent record. */
    static const char dir[] =
        "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA "/order\","
        "\"meta\":{\"accountHashPrefix\":\"" CA "/account-hash/\"}}";
    static const char order_pending[] =
        "{\"status\":\"pending\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
        "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}";
    static const char order_ready[] =
        "{\"status\":\"ready\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
        "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}";
    static const char order_valid[] =
        "{\"status\":\"valid\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
        "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\",\"certificate\":\"" CA "/cert/1\"}";
    step steps[] = {
        { "GET", DIR_URL, 0, NULL, 200, JSON_CT, dir, NULL },
        { "POST", CA "/order", 0, NULL, 201, JSON_CT "Location: " CA "/order/1\n", order_pending, NULL },
        { "POST", CA "/authz/1", 0, "", 200, JSON_CT, AUTHZ_WITH(PERSIST_CHALL("[\"ca.test\"]")), NULL },
        { "POST", CA "/chall/1", 0, "{}", 200, JSON_CT,
          "{\"type\":\"http-01\",\"url\":\"" CA "/chall/1\",\"status\":\"processing\",\"token\":\"tok-http_1\"}", NULL },
        { "POST", CA "/order/1", 0, "", 200, JSON_CT, order_ready, NULL },
        { "POST", CA "/order/1/finalize", 0, NULL, 200, JSON_CT, order_valid, NULL },
        { "POST", CA "/cert/1", 0, "", 200, PEM_CT, NULL, NULL },
    };
    static const int types[] = { ACME2_CHALLENGE_DNS_PERSIST_01, ACME2_CHALLENGE_HTTP_01 };
    acme2_client c;
    script s;
    acme2_issue_params p;
    acme2_identifier id;
    deployed d;
    const char *pem;
    size_t pem_len;
    setup_keys();
    REQUIRE(make_pki() == 0);
    steps[6].body = leaf1_pem;
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps)) == 0);
    memset(&p, 0, sizeof p);
    memset(&d, 0, sizeof d);
    id.type = ACME2_ID_DNS;
    id.value = "example.org";
    p.ids = &id;
    p.n_ids = 1;
    p.cert_key = &cert_key;
    p.challenge_types = types;
    p.n_challenge_types = 2;
    p.deploy = rec_deploy;
    p.cleanup = rec_cleanup;
    p.user = &d;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), 0);
    CHECK_INT(d.n, 1);
    CHECK_INT(d.type, ACME2_CHALLENGE_HTTP_01);
    CHECK_INT(d.cleaned, 0);
    SCRIPT_DONE(s);
}

/* ---- the engine with full_chain and RFC 9444 ---- */

#define ONE_ORDER(status, extra) \
    "{\"status\":\"" status "\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}]," \
    "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"" extra "}"

/* A CA that sends the leaf alone: with full_chain the issuance follows
   Link rel="up" to the root and hands out leaf, intermediate and root,
   which openssl verifies. */
static void issue_with_full_chain_fetches_the_issuers(void)
{
    step steps[] = {
        ST_DIR,
        { "POST", CA "/order", 0, NULL, 201, JSON_CT "Location: " CA "/order/1\n",
          ONE_ORDER("valid", ",\"certificate\":\"" CA "/cert/1\""), NULL },
        ST_CERT_UP(NULL, CA "/issuer/i1"),
        ST_ISSUER("i1", PKIX_CT UP(CA "/issuer/root"), NULL),
        ST_ISSUER("root", PEM_CT, NULL),
    };
    acme2_client c;
    script s;
    acme2_issue_params p;
    acme2_identifier id;
    const char *pem;
    size_t len;
    char want[16384];
    setup_keys();
    REQUIRE(make_pki() == 0);
    steps[2].body = leaf1_pem;
    steps[4].body = root_pem;
    REQUIRE(known_account_der(&c, &s, steps, NSTEPS(steps)) == 0);
    memset(&p, 0, sizeof p);
    id.type = ACME2_ID_DNS;
    id.value = "example.org";
    p.ids = &id;
    p.n_ids = 1;
    p.cert_key = &cert_key;
    p.full_chain = 1;
    CHECK_INT(acme2_issue(&c, &p, &pem, &len), 0);
    snprintf(want, sizeof want, "%s%s%s", leaf1_pem, i1_pem, root_pem);
    CHECK_INT(len, strlen(want));
    CHECK(memcmp(pem, want, strlen(want)) == 0);
    SCRIPT_DONE(s);
    REQUIRE(t_write_file(t_path("engine-chain.pem"), pem, len) == 0);
    CHECK_INT(t_sh("cd %s && openssl verify -CAfile root.pem -untrusted engine-chain.pem leaf1.pem >/dev/null 2>&1", t_tmpdir()), 0);
}

static int null_sink(void *u, const void *d, size_t n) { (void)u; (void)d; (void)n; return 0; }

/* full_chain with an issuer that did not issue the leaf: refused, nothing
   handed out. */
static void issue_with_full_chain_refuses_a_wrong_issuer(void)
{
    step steps[] = {
        ST_DIR,
        { "POST", CA "/order", 0, NULL, 201, JSON_CT "Location: " CA "/order/1\n",
          ONE_ORDER("valid", ",\"certificate\":\"" CA "/cert/1\""), NULL },
        ST_CERT_UP(NULL, CA "/issuer/i2"),
        ST_ISSUER("i2", PKIX_CT, NULL),
    };
    acme2_client c;
    script s;
    acme2_issue_params p;
    acme2_identifier id;
    const char *pem = NULL;
    size_t len = 0;
    setup_keys();
    REQUIRE(make_pki() == 0);
    steps[2].body = leaf1_pem;
    REQUIRE(known_account_der(&c, &s, steps, NSTEPS(steps)) == 0);
    memset(&p, 0, sizeof p);
    id.type = ACME2_ID_DNS;
    id.value = "example.org";
    p.ids = &id;
    p.n_ids = 1;
    p.cert_key = &cert_key;
    p.full_chain = 1;
    CHECK_INT(acme2_issue(&c, &p, &pem, &len), ACME2_ERR_PROTOCOL);
    CHECK(pem == NULL && len == 0);
    SCRIPT_DONE(s);
    /* with a sink the issuers could not be appended: refused up front */
    p.sink = null_sink;
    CHECK_INT(acme2_issue(&c, &p, &pem, &len), ACME2_ERR_PARAM);
}

/* RFC 9444: an order for www.example.org with the ancestor example.org
   gets an authorization for example.org; the engine deploys it (it is
   what was asked for) and the leaf is checked against www.example.org. */
static void issue_with_ancestor_domain_answers_the_ancestor_authorization(void)
{
    static const char order_pending[] =
        "{\"status\":\"pending\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"www.example.org\"}],"
        "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}";
    static const char authz[] =
        "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"},\"status\":\"pending\",\"subdomainAuthAllowed\":true,"
        "\"challenges\":[{\"type\":\"dns-01\",\"url\":\"" CA "/chall/1\",\"status\":\"pending\",\"token\":\"tok-anc_1\"}]}";
    static const step steps[] = {
        ST_DIR_META,
        { "POST", CA "/order", 0,
          "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"www.example.org\",\"ancestorDomain\":\"example.org\"}]}",
          201, JSON_CT "Location: " CA "/order/1\n", order_pending, NULL },
        { "POST", CA "/authz/1", 0, "", 200, JSON_CT, authz, NULL },
        { "POST", CA "/chall/1", 0, "{}", 200, JSON_CT,
          "{\"type\":\"dns-01\",\"url\":\"" CA "/chall/1\",\"status\":\"processing\",\"token\":\"tok-anc_1\"}", NULL },
        { "POST", CA "/order/1", 0, "", 200, JSON_CT, "{\"status\":\"invalid\",\"authorizations\":[],\"finalize\":\"" CA "/f\"}", NULL },
    };
    static const char *const anc[] = { "example.org" };
    static const int types[] = { ACME2_CHALLENGE_DNS_01 };
    acme2_client c;
    script s;
    acme2_issue_params p;
    acme2_identifier id;
    deployed d;
    const char *pem;
    size_t len;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps)) == 0);
    memset(&p, 0, sizeof p);
    memset(&d, 0, sizeof d);
    id.type = ACME2_ID_DNS;
    id.value = "www.example.org";
    p.ids = &id;
    p.n_ids = 1;
    p.cert_key = &cert_key;
    p.ancestor_domains = anc;
    p.challenge_types = types;
    p.n_challenge_types = 1;
    p.deploy = rec_deploy;
    p.user = &d;
    /* the order fails afterwards (an invalid order without authorizations
       or error): the point is that the ancestor's challenge was deployed */
    CHECK_INT(acme2_issue(&c, &p, &pem, &len), ACME2_ERR_INVALID);
    CHECK_INT(d.n, 1);
    CHECK_STR(d.name, "_acme-challenge.example.org");
    SCRIPT_DONE(s);
}

/* ---- dns-account-01 ---- */

static void dns_account01_label_matches_the_published_example(void)
{
    /* The example of the dns-account-01 documentation of Certify The Web
       (which follows draft -03), recomputed independently with Python's
       hashlib and base64.b32encode: the label of this account URL. */
    char out[300];
    CHECK_INT(acme2_dns_account01_name("https://example.com/acme/acct/ExampleAccount", "example.org", out, sizeof out),
              (int)strlen("_ujmmovf2vn55tgye._acme-challenge.example.org"));
    CHECK_STR(out, "_ujmmovf2vn55tgye._acme-challenge.example.org");
    CHECK_INT(acme2_dns_account01_name("https://example.com/acme/acct/ExampleAccount", "*.example.org", out, sizeof out), 45);
    CHECK_STR(out, "_ujmmovf2vn55tgye._acme-challenge.example.org");
}

/* ---- RFC 9444 subdomain authorizations ---- */

static void order_with_ancestor_domain_sends_it(void)
{
    static const step steps[] = {
        ST_DIR_META,
        { "POST", CA "/order", 0,
          "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"www.example.org\",\"ancestorDomain\":\"example.org\"},"
          "{\"type\":\"dns\",\"value\":\"example.net\"}]}", 201, JSON_CT "Location: " CA "/order/1\n",
          "{\"status\":\"pending\",\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}", NULL },
    };
    static const char *const anc[] = { "example.org", NULL };
    acme2_client c;
    script s;
    acme2_identifier ids[2];
    acme2_order_params op;
    acme2_order o;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps)) == 0);
    ids[0].type = ids[1].type = ACME2_ID_DNS;
    ids[0].value = "www.example.org";
    ids[1].value = "example.net";
    memset(&op, 0, sizeof op);
    op.ids = ids;
    op.n_ids = 2;
    op.ancestor_domains = anc;
    CHECK_INT(acme2_order_new(&c, &op, &o), 0);
    CHECK_INT(o.n_authz, 1);
    SCRIPT_DONE(s);
}

static void order_with_ancestor_domain_is_checked_before_any_request(void)
{
    static const step steps[] = { ST_DIR_META };
    static const step steps_plain[] = { ST_DIR };
    static const char *const equal[] = { "www.example.org" }, *const not_label[] = { "ample.org" },
                             *const other[] = { "example.net" }, *const wild[] = { "*.example.org" },
                             *const fine[] = { "example.org" };
    acme2_client c;
    script s;
    acme2_identifier id;
    acme2_order_params op;
    acme2_order o;
    setup_keys();
    id.type = ACME2_ID_DNS;
    id.value = "www.example.org";
    memset(&op, 0, sizeof op);
    op.ids = &id;
    op.n_ids = 1;
    REQUIRE(known_account(&c, &s, steps, 1) == 0);
    op.ancestor_domains = equal;
    CHECK_INT(acme2_order_new(&c, &op, &o), ACME2_ERR_IDENTIFIER);
    op.ancestor_domains = not_label;
    CHECK_INT(acme2_order_new(&c, &op, &o), ACME2_ERR_IDENTIFIER);
    op.ancestor_domains = other;
    CHECK_INT(acme2_order_new(&c, &op, &o), ACME2_ERR_IDENTIFIER);
    op.ancestor_domains = wild;
    CHECK_INT(acme2_order_new(&c, &op, &o), ACME2_ERR_IDENTIFIER);
    id.type = ACME2_ID_IP;
    id.value = "192.0.2.1";
    op.ancestor_domains = fine;
    CHECK_INT(acme2_order_new(&c, &op, &o), ACME2_ERR_IDENTIFIER);
    SCRIPT_DONE(s); /* nothing was sent */
    /* A directory without subdomainAuthAllowed: refused as unsupported. */
    id.type = ACME2_ID_DNS;
    id.value = "www.example.org";
    REQUIRE(known_account(&c, &s, steps_plain, 1) == 0);
    CHECK_INT(acme2_order_new(&c, &op, &o), ACME2_ERR_UNSUPPORTED);
    SCRIPT_DONE(s);
}

static void authz_new_subdomains_asks_and_reads_the_grant(void)
{
    static const step steps[] = {
        ST_DIR_META,
        { "POST", CA "/authz", 0, "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\",\"subdomainAuthAllowed\":true}}",
          201, JSON_CT "Location: " CA "/authz/1\n",
          "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"},\"status\":\"pending\",\"subdomainAuthAllowed\":true,"
          "\"challenges\":[{\"type\":\"dns-01\",\"url\":\"" CA "/chall/2\",\"status\":\"pending\",\"token\":\"tok-dns_2\"}]}", NULL },
    };
    acme2_client c;
    script s;
    acme2_identifier id;
    acme2_authz a;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps)) == 0);
    id.type = ACME2_ID_DNS;
    id.value = "example.org";
    CHECK_INT(acme2_authz_new_subdomains(&c, &id, &a), 0);
    CHECK_INT(a.subdomain_auth_allowed, 1);
    CHECK_STR(a.url, CA "/authz/1");
    SCRIPT_DONE(s);
}

static void authz_new_subdomains_needs_the_directory_to_offer_it(void)
{
    static const step steps[] = { ST_DIR };
    acme2_client c;
    script s;
    acme2_identifier id;
    acme2_authz a;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, 1) == 0);
    id.type = ACME2_ID_DNS;
    id.value = "example.org";
    CHECK_INT(acme2_authz_new_subdomains(&c, &id, &a), ACME2_ERR_UNSUPPORTED);
    id.value = "*.example.org";
    CHECK_INT(acme2_authz_new_subdomains(&c, &id, &a), ACME2_ERR_IDENTIFIER);
    SCRIPT_DONE(s);
}

static void subdomain_auth_allowed_of_the_wrong_type_is_a_protocol_error(void)
{
    static const char dir[] =
        "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA "/order\","
        "\"meta\":{\"subdomainAuthAllowed\":\"yes\"}}";
    step steps[] = { { "GET", DIR_URL, 0, NULL, 200, JSON_CT, dir, NULL } };
    acme2_client c;
    script s;
    acme2_authz a;
    setup_keys();
    CHECK_INT(known_account(&c, &s, steps, 1), ACME2_ERR_PROTOCOL);
    CHECK_INT(persist_authz(DIRECTORY_META,
                            "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"},\"status\":\"valid\","
                            "\"subdomainAuthAllowed\":1,\"challenges\":[]}", &a), ACME2_ERR_PROTOCOL);
}

/* ---- RFC 7633 TLS Feature in the CSR ---- */

static void csr_with_must_staple_carries_the_tls_feature(void)
{
    unsigned char csr[2048];
    char text[16384];
    acme2_identifier ids[2];
    int n;
    setup_keys();
    ids[0].type = ACME2_ID_DNS;
    ids[0].value = "example.org";
    ids[1].type = ACME2_ID_IP;
    ids[1].value = "192.0.2.1";
    n = acme2_csr_der(NULL, 0, &cert_key, ids, 2, ACME2_CSR_MUST_STAPLE);
    CHECK(n > 0 && acme2_csr_der(NULL, 0, &cert_key, ids, 2, 0) + 19 == n);
    n = acme2_csr_der(csr, sizeof csr, &cert_key, ids, 2, ACME2_CSR_MUST_STAPLE);
    REQUIRE(n > 0);
    REQUIRE(t_write_file(t_path("staple.csr"), csr, (size_t)n) == 0);
    /* openssl names the extension and its one feature, and the signature
       verifies. */
    REQUIRE(t_sh_out(text, sizeof text, "openssl req -inform DER -in %s -noout -text -verify 2>&1", t_path("staple.csr")) > 0);
    CHECK_MSG(strstr(text, "TLS Feature:") != NULL, "no TLS Feature in:\n%s", text);
    CHECK_MSG(strstr(text, "status_request") != NULL, "no status_request in:\n%s", text);
    CHECK_MSG(strstr(text, "verify OK") != NULL || strstr(text, "Certificate request self-signature verify OK") != NULL,
              "signature not verified:\n%s", text);
    CHECK(strstr(text, "DNS:example.org, IP Address:192.0.2.1") != NULL);
    /* Without the flag, no TLS Feature. */
    n = acme2_csr_der(csr, sizeof csr, &cert_key, ids, 2, 0);
    REQUIRE(n > 0 && t_write_file(t_path("plain.csr"), csr, (size_t)n) == 0);
    REQUIRE(t_sh_out(text, sizeof text, "openssl req -inform DER -in %s -noout -text 2>&1", t_path("plain.csr")) > 0);
    CHECK(strstr(text, "TLS Feature") == NULL);
}

/* ---- LICENSE ---- */

static void license_file_is_the_text_at_the_end_of_the_header(void)
{
    static char h[400000], l[4096];
    long hn = t_read_file("acme2.h", h, sizeof h - 1), ln = t_read_file("LICENSE", l, sizeof l - 1);
    const char *start, *end;
    REQUIRE(hn > 0 && ln > 0);
    h[hn] = 0;
    l[ln] = 0;
    start = strstr(h, "/*\nMIT License\n");
    REQUIRE(start != NULL);
    start += 3;
    end = strstr(start, "*/");
    REQUIRE(end != NULL);
    CHECK_INT(ln, end - start);
    CHECK(memcmp(l, start, (size_t)ln) == 0);
    CHECK(strncmp(l, "MIT License\n\nCopyright (c) ", 27) == 0);
}

int main(void)
{
    RUN(link_header_keeps_next_and_up);
    RUN(link_header_refuses_bad_next_targets);
    RUN(account_lookup_reports_the_orders_url);
    RUN(account_orders_with_insecure_url_is_refused);
    RUN(orders_list_follows_next_pages);
    RUN(orders_page_pair_gives_urls_and_next);
    RUN(orders_list_stops_when_the_callback_says_so);
    RUN(orders_page_linking_to_itself_is_a_protocol_error);
    RUN(orders_pages_looping_back_are_a_protocol_error);
    RUN(orders_list_longer_than_the_page_bound_is_too_large);
    RUN(orders_page_bad_bodies_are_refused);
    RUN(chain_download_follows_up_links_to_the_root);
    RUN(chain_download_without_up_link_keeps_the_chain);
    RUN(chain_deeper_than_the_bound_is_a_protocol_error);
    RUN(issuer_answers_are_checked);
    RUN(issuer_append_needs_room);
    RUN(dns_persist01_value_matches_the_draft_vectors);
    RUN(dns_persist01_name_strips_the_wildcard);
    RUN(dns_persist01_value_refuses_bad_parts);
    RUN(dns_persist01_challenge_fields_are_parsed);
    RUN(dns_persist01_directory_meta_is_parsed);
    RUN(dns_persist01_nonconforming_challenges_are_demoted);
    RUN(dns_persist01_malformed_issuer_domain_names_are_protocol_errors);
    RUN(dns_persist01_bad_directory_meta_is_dropped);
    RUN(issue_with_dns_persist01_deploys_the_persistent_record);
    RUN(issue_skips_dns_persist01_without_directory_names);
    RUN(issue_with_full_chain_fetches_the_issuers);
    RUN(issue_with_full_chain_refuses_a_wrong_issuer);
    RUN(issue_with_ancestor_domain_answers_the_ancestor_authorization);
    RUN(dns_account01_label_matches_the_published_example);
    RUN(order_with_ancestor_domain_sends_it);
    RUN(order_with_ancestor_domain_is_checked_before_any_request);
    RUN(authz_new_subdomains_asks_and_reads_the_grant);
    RUN(authz_new_subdomains_needs_the_directory_to_offer_it);
    RUN(subdomain_auth_allowed_of_the_wrong_type_is_a_protocol_error);
    RUN(csr_with_must_staple_carries_the_tls_feature);
    RUN(license_file_is_the_text_at_the_end_of_the_header);
    return t_done("rows");
}
