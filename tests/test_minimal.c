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

int main(void)
{
    RUN(minimal_issues_with_http01);
    RUN(minimal_issues_with_dns01_and_a_p384_account);
    RUN(minimal_still_checks_the_leaf);
    RUN(minimal_drops_features_as_documented);
    return t_done("minimal");
}
