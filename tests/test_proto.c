/* protocol: every operation through the scripted transport (tests/script.h),
   which checks each request the client sends and answers as an RFC 8555
   server would. Fault tests also check that the same client works again
   afterwards. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"
#include "script.h"
#include "proto_fixtures.h"

/* ---------------------------------------------------------------- directory */

static void directory_is_parsed_with_meta(void)
{
    static const step steps[] = { ST_DIR };
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

/* ----------------------------------------------------------------- accounts */

static void account_create_with_jwk_stores_kid(void)
{
    static const step steps[] = {
        ST_DIR_NN,
        ST_HEAD,
        { "POST", CA "/acct", S_JWK, "{\"contact\":[\"mailto:a@example.org\"],\"termsOfServiceAgreed\":true}",
          201, JSON_CT "Location: " ACCT "\n", ACCOUNT_VALID, NULL },
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
    CHECK_STR(acme2_client_account(&c), ACCT);
    CHECK_INT(s.pos, 3);
    CHECK_INT(s.errors, 0);
}

static void account_lookup_only_existing_finds_the_url(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/acct", S_JWK, "{\"onlyReturnExisting\":true}", 200, JSON_CT "Location: " ACCT "\n", ACCOUNT_VALID, NULL },
    };
    acme2_client c;
    script s;
    acme2_account_params p;
    acme2_account a;
    setup_keys();
    REQUIRE(client_with(&c, &s, steps, NSTEPS(steps)) == 0);
    s.jwk_key = &account_ec;
    memset(&p, 0, sizeof p);
    p.only_existing = 1;
    CHECK_INT(acme2_account_new(&c, &p, &a), 0);
    CHECK_INT(a.created, 0);
    CHECK_INT(a.status, ACME2_STATUS_VALID);
    CHECK_STR(acme2_client_account(&c), ACCT);
    SCRIPT_DONE(s);
}

static void account_lookup_of_unknown_key_gives_account_does_not_exist(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/acct", S_JWK, "{\"onlyReturnExisting\":true}", 400, PROBLEM_CT,
          PROB("accountDoesNotExist", "No account for this key"), NULL },
        /* then creating it works through the same client */
        { "POST", CA "/acct", S_JWK, "{\"termsOfServiceAgreed\":true}", 201, JSON_CT "Location: " ACCT "\n", ACCOUNT_VALID, NULL },
    };
    acme2_client c;
    script s;
    acme2_account_params p;
    acme2_account a;
    const acme2_problem *pr;
    setup_keys();
    REQUIRE(client_with(&c, &s, steps, NSTEPS(steps)) == 0);
    memset(&p, 0, sizeof p);
    p.only_existing = 1;
    a.status = 99;
    CHECK_INT(acme2_account_new(&c, &p, &a), ACME2_ERR_PROBLEM);
    CHECK_INT(a.status, 99); /* untouched */
    pr = acme2_client_problem(&c);
    CHECK_INT(pr->type, ACME2_PROB_ACCOUNT_DOES_NOT_EXIST);
    CHECK_INT(pr->http_status, 400);
    CHECK_STR(pr->type_str, "urn:ietf:params:acme:error:accountDoesNotExist");
    CHECK_STR(pr->detail, "No account for this key");
    CHECK_STR(acme2_client_account(&c), "");
    p.only_existing = 0;
    p.terms_agreed = 1;
    CHECK_INT(acme2_account_new(&c, &p, &a), 0);
    CHECK_INT(a.created, 1);
    CHECK_STR(acme2_client_account(&c), ACCT);
    CHECK_INT(acme2_client_problem(&c)->type, ACME2_PROB_NONE);
    SCRIPT_DONE(s);
}

static void account_update_replaces_contacts(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", ACCT, 0, "{\"contact\":[\"mailto:b@example.org\",\"mailto:c@example.org\"]}", 200, JSON_CT, ACCOUNT_VALID, NULL },
        { "POST", ACCT, 0, "{\"contact\":[]}", 200, JSON_CT, ACCOUNT_VALID, NULL },
    };
    static const char *const contacts[] = { "mailto:b@example.org", "mailto:c@example.org" };
    acme2_client c;
    script s;
    acme2_account a;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    CHECK_INT(acme2_account_update(&c, contacts, 2, &a), 0);
    CHECK_INT(a.status, ACME2_STATUS_VALID);
    CHECK_INT(acme2_account_update(&c, NULL, 0, &a), 0);
    SCRIPT_DONE(s);
}

static void account_update_without_account_url_is_a_state_error(void)
{
    static const step steps[] = { ST_DIR };
    acme2_client c;
    script s;
    acme2_account a;
    static const char *const contacts[] = { "mailto:b@example.org" };
    setup_keys();
    REQUIRE(client_with(&c, &s, steps, NSTEPS(steps)) == 0);
    CHECK_INT(acme2_directory_fetch(&c), 0);
    CHECK(acme2_account_update(&c, contacts, 1, &a) < 0);
    SCRIPT_DONE(s);
}

/* Deactivation, then the server refuses an order (unauthorized); the
   client still works: it can register a new account. */
static void account_deactivate_then_orders_are_refused(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", ACCT, 0, "{\"status\":\"deactivated\"}", 200, JSON_CT,
          "{\"status\":\"deactivated\",\"orders\":\"" CA "/acct/1/orders\"}", NULL },
        { "POST", CA "/order", 0, P_ORDER1, 403, PROBLEM_CT, PROB("unauthorized", "Account is not valid, has status \\\"deactivated\\\""), NULL },
        { "POST", CA "/acct", S_JWK, "{\"termsOfServiceAgreed\":true}", 201, JSON_CT "Location: " CA "/acct/2\n", ACCOUNT_VALID, NULL },
    };
    acme2_client c;
    script s;
    acme2_account a;
    acme2_account_params ap;
    acme2_order_params op;
    acme2_order o;
    acme2_identifier id;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    CHECK_INT(acme2_account_deactivate(&c, &a), 0);
    CHECK_INT(a.status, ACME2_STATUS_DEACTIVATED);
    memset(&op, 0, sizeof op);
    example_id(&id, "example.org");
    op.ids = &id;
    op.n_ids = 1;
    CHECK_INT(acme2_order_new(&c, &op, &o), ACME2_ERR_PROBLEM);
    CHECK_INT(acme2_client_problem(&c)->type, ACME2_PROB_UNAUTHORIZED);
    CHECK_INT(acme2_client_problem(&c)->http_status, 403);
    CHECK_STR(acme2_client_problem(&c)->detail, "Account is not valid, has status \"deactivated\"");
    memset(&ap, 0, sizeof ap);
    ap.terms_agreed = 1;
    CHECK_INT(acme2_account_new(&c, &ap, &a), 0);
    CHECK_STR(acme2_client_account(&c), CA "/acct/2");
    SCRIPT_DONE(s);
}

/* ---------------------------------------------------------------------- EAB */

typedef struct eab_ctx {
    const unsigned char *key;
    size_t key_len;
    unsigned bits;
    const char *kid;
    const acme2_key *account;
    int verified;
} eab_ctx;

static int member_is(const char *js, const acme2_json_tok *t, int n, int obj, const char *name, const char *want)
{
    int k = acme2_json_get(js, t, n, obj, name);
    return k >= 0 && acme2_json_eq(js, &t[k], want);
}

/* Checks the externalAccountBinding member: a JWS whose protected header is
   exactly {alg, kid, url}, whose payload is the account JWK, and whose MAC
   is recomputed here with BearSSL's HMAC. */
static int eab_check(const char *payload, size_t len, void *ctx)
{
    eab_ctx *e = (eab_ctx *)ctx;
    acme2_json_tok t[64], ph[16];
    char prot[512], inner[1024], jwk[1024], alg[8];
    unsigned char sig[64], mac[64];
    br_hmac_key_context kc;
    br_hmac_context hc;
    const br_hash_class *h = e->bits == 512 ? &br_sha512_vtable : e->bits == 384 ? &br_sha384_vtable : &br_sha256_vtable;
    int n = acme2_json_parse(payload, len, t, 64), k, pk, pl, sg, np, prl, pll, sl;
    if (n < 0) return -1;
    k = acme2_json_get(payload, t, n, 0, "externalAccountBinding");
    if (k < 0 || t[k].type != ACME2_JSON_OBJECT || t[k].size != 3) return -1;
    pk = acme2_json_get(payload, t, n, k, "protected");
    pl = acme2_json_get(payload, t, n, k, "payload");
    sg = acme2_json_get(payload, t, n, k, "signature");
    if (pk < 0 || pl < 0 || sg < 0) return -1;
    prl = acme2_b64url_decode(prot, sizeof prot - 1, payload + t[pk].start, (size_t)(t[pk].end - t[pk].start));
    pll = acme2_b64url_decode(inner, sizeof inner - 1, payload + t[pl].start, (size_t)(t[pl].end - t[pl].start));
    sl = acme2_b64url_decode(sig, sizeof sig, payload + t[sg].start, (size_t)(t[sg].end - t[sg].start));
    if (prl < 0 || pll < 0 || sl < 0) return -1;
    prot[prl] = inner[pll] = 0;
    np = acme2_json_parse(prot, (size_t)prl, ph, 16);
    snprintf(alg, sizeof alg, "HS%u", e->bits);
    if (np < 0 || ph[0].size != 3 || !member_is(prot, ph, np, 0, "alg", alg) || !member_is(prot, ph, np, 0, "kid", e->kid) ||
        !member_is(prot, ph, np, 0, "url", CA "/acct"))
        return -1;
    if (acme2_jwk(e->account, jwk, sizeof jwk) < 0 || strcmp(jwk, inner) != 0) return -1;
    br_hmac_key_init(&kc, h, e->key, e->key_len);
    br_hmac_init(&hc, &kc, 0);
    br_hmac_update(&hc, payload + t[pk].start, (size_t)(t[pk].end - t[pk].start));
    br_hmac_update(&hc, ".", 1);
    br_hmac_update(&hc, payload + t[pl].start, (size_t)(t[pl].end - t[pl].start));
    if ((size_t)sl != br_hmac_out(&hc, mac) || memcmp(mac, sig, (size_t)sl) != 0) return -1;
    e->verified = 1;
    return 0;
}

static void eab_binding(unsigned bits)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/acct", S_JWK, NULL, 201, JSON_CT "Location: " ACCT "\n", ACCOUNT_VALID, eab_check },
        ST_ORDER(ORDER_READY),
    };
    unsigned char mac_key[64];
    acme2_client c;
    script s;
    acme2_account_params p;
    acme2_account a;
    eab_ctx e;
    size_t i;
    setup_keys();
    for (i = 0; i < sizeof mac_key; i++) mac_key[i] = (unsigned char)(i * 7 + 3);
    REQUIRE(client_with(&c, &s, steps, NSTEPS(steps)) == 0);
    memset(&e, 0, sizeof e);
    e.key = mac_key;
    e.key_len = bits / 8;
    e.bits = bits;
    e.kid = "kid-eab-1";
    e.account = &account_ec;
    s.check_ctx = &e;
    s.jwk_key = &account_ec;
    memset(&p, 0, sizeof p);
    p.terms_agreed = 1;
    p.eab_kid = e.kid;
    p.eab_key = mac_key;
    p.eab_key_len = e.key_len;
    p.eab_bits = bits;
    CHECK_INT(acme2_account_new(&c, &p, &a), 0);
    CHECK_INT(e.verified, 1);
    CHECK_STR(acme2_client_account(&c), ACCT);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

static void eab_hs256_binds_the_account_key(void) { eab_binding(256); }
static void eab_hs512_binds_the_account_key(void) { eab_binding(512); }

/* ---------------------------------------------------------------- keyChange */

typedef struct kc_ctx {
    const acme2_key *old_key, *new_key;
    int verified;
} kc_ctx;

/* The keyChange payload is itself a JWS: protected {alg, jwk of the new
   key, url} without nonce or kid, payload {account, oldKey}, signed by the
   new key (verified here with BearSSL from that JWK). */
static int keychange_check(const char *payload, size_t len, void *ctx)
{
    kc_ctx *e = (kc_ctx *)ctx;
    acme2_json_tok t[16], ph[32], it[32];
    static char prot[2048], inner[4096], jwk[2048], old_jwk[2048];
    static unsigned char sig[1024], input[8192];
    int n = acme2_json_parse(payload, len, t, 16), pk, pl, sg, np, ni, j, prl, pll, sl;
    size_t a, b;
    if (n < 0 || t[0].size != 3) return -1;
    pk = acme2_json_get(payload, t, n, 0, "protected");
    pl = acme2_json_get(payload, t, n, 0, "payload");
    sg = acme2_json_get(payload, t, n, 0, "signature");
    if (pk < 0 || pl < 0 || sg < 0) return -1;
    prl = acme2_b64url_decode(prot, sizeof prot - 1, payload + t[pk].start, (size_t)(t[pk].end - t[pk].start));
    pll = acme2_b64url_decode(inner, sizeof inner - 1, payload + t[pl].start, (size_t)(t[pl].end - t[pl].start));
    sl = acme2_b64url_decode(sig, sizeof sig, payload + t[sg].start, (size_t)(t[sg].end - t[sg].start));
    if (prl < 0 || pll < 0 || sl <= 0) return -1;
    prot[prl] = inner[pll] = 0;
    np = acme2_json_parse(prot, (size_t)prl, ph, 32);
    if (np < 0 || ph[0].size != 3 || !member_is(prot, ph, np, 0, "alg", acme2_jws_alg(e->new_key)) ||
        !member_is(prot, ph, np, 0, "url", CA "/key-change"))
        return -1;
    j = acme2_json_get(prot, ph, np, 0, "jwk");
    if (j < 0 || acme2_jwk(e->new_key, jwk, sizeof jwk) < 0 || strlen(jwk) != (size_t)(ph[j].end - ph[j].start) ||
        memcmp(jwk, prot + ph[j].start, strlen(jwk)) != 0)
        return -1;
    ni = acme2_json_parse(inner, (size_t)pll, it, 32);
    if (ni < 0 || it[0].size != 2 || !member_is(inner, it, ni, 0, "account", ACCT)) return -1;
    j = acme2_json_get(inner, it, ni, 0, "oldKey");
    if (j < 0 || acme2_jwk(e->old_key, old_jwk, sizeof old_jwk) < 0 || strlen(old_jwk) != (size_t)(it[j].end - it[j].start) ||
        memcmp(old_jwk, inner + it[j].start, strlen(old_jwk)) != 0)
        return -1;
    a = (size_t)(t[pk].end - t[pk].start);
    b = (size_t)(t[pl].end - t[pl].start);
    memcpy(input, payload + t[pk].start, a);
    input[a] = '.';
    memcpy(input + a + 1, payload + t[pl].start, b);
    if (script_verify(acme2_jws_alg(e->new_key), jwk, strlen(jwk), input, a + 1 + b, sig, (size_t)sl) != 0) return -1;
    e->verified = 1;
    return 0;
}

static void key_change_rolls_over_to_the_new_key(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/key-change", 0, NULL, 200, JSON_CT, ACCOUNT_VALID, keychange_check },
        /* signed with the new key from here on (the script switches keys) */
        { "POST", ACCT, 0, "{\"contact\":[\"mailto:new@example.org\"]}", 200, JSON_CT, ACCOUNT_VALID, NULL },
    };
    static const char *const contacts[] = { "mailto:new@example.org" };
    acme2_client c;
    script s;
    kc_ctx e;
    acme2_account a;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    memset(&e, 0, sizeof e);
    e.old_key = &account_ec;
    e.new_key = &account_p384;
    s.check_ctx = &e;
    CHECK_INT(acme2_account_key_change(&c, &account_p384), 0);
    CHECK_INT(e.verified, 1);
    CHECK(c.key == &account_p384);
    s.key = &account_p384;
    CHECK_INT(acme2_account_update(&c, contacts, 1, &a), 0);
    SCRIPT_DONE(s);
}

static void key_change_refused_keeps_the_old_key(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/key-change", 0, NULL, 409, PROBLEM_CT "Location: " CA "/acct/9\n",
          PROB("malformed", "New key is already in use for a different account"), NULL },
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    CHECK_INT(acme2_account_key_change(&c, &account_rsa), ACME2_ERR_PROBLEM);
    CHECK_INT(acme2_client_problem(&c)->http_status, 409);
    CHECK(c.key == &account_ec);
    CHECK(order_get_works(&c)); /* still signed by the old key */
    SCRIPT_DONE(s);
}

static void key_change_needs_key_change_in_directory(void)
{
    static const step steps[] = {
        { "GET", DIR_URL, 0, NULL, 200, JSON_CT, DIRECTORY_SMALL, NULL },
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    CHECK_INT(acme2_account_key_change(&c, &account_rsa), ACME2_ERR_UNSUPPORTED);
    CHECK_INT(s.pos, 1);
    CHECK(c.key == &account_ec);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

/* --------------------------------------------------------------- revocation */

static char revoke_payload[8192];

/* {"certificate": base64url(DER of the leaf), "reason": reason} (no reason
   when negative), as RFC 8555 section 7.6 wants it. */
static const char *revoke_payload_for(int reason)
{
    char b64[4096];
    if (acme2_b64url_encode(b64, sizeof b64, leaf_der, leaf_der_len) < 0) return "(encoding failed)";
    if (reason >= 0) snprintf(revoke_payload, sizeof revoke_payload, "{\"certificate\":\"%s\",\"reason\":%d}", b64, reason);
    else snprintf(revoke_payload, sizeof revoke_payload, "{\"certificate\":\"%s\"}", b64);
    return revoke_payload;
}

static void revoke_with_account_key_and_reason(void)
{
    static char p4[8192], p_none[8192];
    step steps[3];
    acme2_client c;
    script s;
    setup_keys();
    snprintf(p4, sizeof p4, "%s", revoke_payload_for(4));
    snprintf(p_none, sizeof p_none, "%s", revoke_payload_for(-1));
    memset(steps, 0, sizeof steps);
    steps[0].method = "GET"; steps[0].url = DIR_URL; steps[0].status = 200; steps[0].headers = JSON_CT; steps[0].body = DIRECTORY;
    steps[1].method = "POST"; steps[1].url = CA "/revoke"; steps[1].payload = p4; steps[1].status = 200;
    steps[2] = steps[1];
    steps[2].payload = p_none;
    REQUIRE(known_account(&c, &s, steps, 3, NULL) == 0);
    CHECK_INT(acme2_revoke(&c, leaf_der, leaf_der_len, 4, NULL), 0);
    CHECK_INT(acme2_revoke(&c, leaf_der, leaf_der_len, -1, NULL), 0);
    SCRIPT_DONE(s);
}

static void revoke_with_certificate_key_uses_its_jwk(void)
{
    static char p1[8192];
    step steps[4];
    acme2_client c;
    script s;
    acme2_options o = test_options();
    setup_keys();
    snprintf(p1, sizeof p1, "%s", revoke_payload_for(1));
    memset(steps, 0, sizeof steps);
    steps[0].method = "GET"; steps[0].url = DIR_URL; steps[0].status = 200; steps[0].headers = JSON_CT; steps[0].body = DIRECTORY;
    steps[1].method = "POST"; steps[1].url = CA "/revoke"; steps[1].flags = S_JWK; steps[1].payload = p1; steps[1].status = 200;
    /* already revoked the second time: a problem, and the client goes on */
    steps[2] = steps[1];
    steps[2].status = 400;
    steps[2].headers = PROBLEM_CT;
    steps[2].body = PROB("alreadyRevoked", "Certificate already revoked");
    steps[3].method = "POST"; steps[3].url = CA "/order/1"; steps[3].payload = ""; steps[3].status = 200;
    steps[3].headers = JSON_CT; steps[3].body = ORDER_READY;
    /* No account at all: revoking by certificate key needs none. */
    REQUIRE(client_opt(&c, &s, steps, 4, &account_ec, &o) == 0);
    s.jwk_key = &cert_key;
    CHECK_INT(acme2_revoke(&c, leaf_der, leaf_der_len, 1, &cert_key), 0);
    CHECK_INT(acme2_revoke(&c, leaf_der, leaf_der_len, 1, &cert_key), ACME2_ERR_PROBLEM);
    CHECK_INT(acme2_client_problem(&c)->type, ACME2_PROB_ALREADY_REVOKED);
    CHECK_INT(acme2_client_set_account(&c, ACCT), 0);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

/* ----------------------------------------------------------- authorizations */

static void authz_deactivate_posts_status(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/authz/1", 0, "{\"status\":\"deactivated\"}", 200, JSON_CT,
          "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"},\"status\":\"deactivated\","
          "\"challenges\":[{\"type\":\"http-01\",\"url\":\"" CA "/chall/1\",\"status\":\"pending\",\"token\":\"tok-http_1\"}]}", NULL },
    };
    acme2_client c;
    script s;
    acme2_authz a;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    CHECK_INT(acme2_authz_deactivate(&c, CA "/authz/1", &a), 0);
    CHECK_INT(a.status, ACME2_STATUS_DEACTIVATED);
    CHECK_STR(a.url, CA "/authz/1");
    CHECK_STR(a.identifier.value, "example.org");
    SCRIPT_DONE(s);
}

static void authz_new_pre_authorizes_an_identifier(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/authz", 0, "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"}}", 201,
          JSON_CT "Location: " CA "/authz/1\n", AUTHZ_PENDING, NULL },
    };
    acme2_client c;
    script s;
    acme2_authz a;
    acme2_identifier id;
    const acme2_challenge *ch;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    example_id(&id, "example.org");
    CHECK_INT(acme2_authz_new(&c, &id, &a), 0);
    CHECK_INT(a.status, ACME2_STATUS_PENDING);
    CHECK_STR(a.url, CA "/authz/1");
    CHECK_INT(a.n_challenges, 3);
    ch = acme2_authz_challenge(&a, ACME2_CHALLENGE_DNS_01);
    REQUIRE(ch != NULL);
    CHECK_STR(ch->url, CA "/chall/2");
    CHECK_STR(ch->token, "tok-dns_2");
    SCRIPT_DONE(s);
}

/* No newAuthz: refused before any request (not even a newNonce). */
static void authz_new_without_new_authz_is_unsupported(void)
{
    static const step steps[] = {
        { "GET", DIR_URL, S_NO_NONCE, NULL, 200, JSON_CT, DIRECTORY_SMALL, NULL },
        ST_HEAD,
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    acme2_authz a;
    acme2_identifier id;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    example_id(&id, "example.org");
    a.status = 77;
    CHECK_INT(acme2_authz_new(&c, &id, &a), ACME2_ERR_UNSUPPORTED);
    CHECK_INT(a.status, 77);
    CHECK_INT(s.pos, 1);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

static const char AUTHZ_INVALID[] =
    "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"},\"status\":\"invalid\","
    "\"challenges\":[{\"type\":\"http-01\",\"url\":\"" CA "/chall/1\",\"status\":\"invalid\",\"token\":\"tok-http_1\","
    "\"error\":{\"type\":\"urn:ietf:params:acme:error:incorrectResponse\",\"detail\":\"Wrong key authorization\",\"status\":403}},"
    "{\"type\":\"dns-01\",\"url\":\"" CA "/chall/2\",\"status\":\"pending\",\"token\":\"tok-dns_2\"}]}";

static void authz_invalid_reports_the_challenge_error(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_AUTHZ(1, AUTHZ_INVALID),
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    acme2_authz a;
    const acme2_problem *pr;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    memset(&a, 0, sizeof a);
    CHECK_INT(acme2_authz_get(&c, CA "/authz/1", &a), ACME2_ERR_INVALID);
    CHECK_INT(a.status, ACME2_STATUS_INVALID);
    CHECK_INT(a.challenges[0].has_error, 1);
    CHECK_INT(a.challenges[1].has_error, 0);
    pr = acme2_client_problem(&c);
    CHECK_INT(pr->type, ACME2_PROB_INCORRECT_RESPONSE);
    CHECK_STR(pr->detail, "Wrong key authorization");
    CHECK_INT(pr->http_status, 0);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

/* ---------------------------------------------------------------------- ARI */

#define ARI_ID "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE" /* RFC 9773 section 4.1's example */

static void renewal_info_gets_window_and_retry_after(void)
{
    static const step steps[] = {
        ST_DIR,
        { "GET", CA "/ari/" ARI_ID, 0, NULL, 200, JSON_CT "Retry-After: 21600\n",
          "{\"suggestedWindow\":{\"start\":\"2027-01-20T00:00:00Z\",\"end\":\"2027-01-22T12:30:00Z\"},"
          "\"explanationURL\":\"" CA "/docs/ari\"}", NULL },
        /* a window without explanation, Retry-After as an HTTP date */
        { "GET", CA "/ari/" ARI_ID, 0, NULL, 200, JSON_CT "Retry-After: Fri, 15 Jan 2027 09:00:00 GMT\n",
          "{\"suggestedWindow\":{\"start\":\"2027-01-20T00:00:00Z\",\"end\":\"2027-01-20T00:00:00Z\"}}", NULL },
    };
    acme2_client c;
    script s;
    acme2_renewal_info ri;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    CHECK_INT(acme2_renewal_info_get(&c, ARI_ID, &ri), 0);
    CHECK_INT(ri.start, 1800403200LL); /* date -u -d 2027-01-20T00:00:00Z +%s */
    CHECK_INT(ri.end, 1800621000LL);   /* date -u -d 2027-01-22T12:30:00Z +%s */
    CHECK_INT(ri.retry_after, 21600);
    CHECK_STR(ri.explanation_url, CA "/docs/ari");
    CHECK_INT(acme2_renewal_info_get(&c, ARI_ID, &ri), 0);
    CHECK_INT(ri.retry_after, 3600);
    CHECK_STR(ri.explanation_url, "");
    CHECK_INT(ri.start, ri.end);
    /* a certificate ID that could inject into the path is refused unsent */
    CHECK_INT(acme2_renewal_info_get(&c, "abc/../x", &ri), ACME2_ERR_PARAM);
    SCRIPT_DONE(s);
}

static void renewal_info_with_bad_window_is_a_protocol_error(void)
{
    static const step steps[] = {
        ST_DIR,
        { "GET", CA "/ari/" ARI_ID, 0, NULL, 200, JSON_CT,
          "{\"suggestedWindow\":{\"start\":\"2027-01-22T00:00:00Z\",\"end\":\"2027-01-20T00:00:00Z\"}}", NULL },
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    acme2_renewal_info ri;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    ri.start = 5;
    CHECK_INT(acme2_renewal_info_get(&c, ARI_ID, &ri), ACME2_ERR_PROTOCOL);
    CHECK_INT(ri.start, 5);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

static void order_with_replaces_sends_it(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER("{\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],\"replaces\":\"" ARI_ID "\"}", ORDER_PENDING),
    };
    acme2_client c;
    script s;
    acme2_order_params op;
    acme2_order o;
    acme2_identifier id;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    memset(&op, 0, sizeof op);
    example_id(&id, "example.org");
    op.ids = &id;
    op.n_ids = 1;
    op.replaces = ARI_ID;
    CHECK_INT(acme2_order_new(&c, &op, &o), 0);
    CHECK_STR(o.url, CA "/order/1");
    CHECK_INT(o.status, ACME2_STATUS_PENDING);
    CHECK_INT(o.n_authz, 1);
    CHECK_STR(acme2_order_authz(&o, 0), CA "/authz/1");
    CHECK_STR(o.finalize, CA "/order/1/finalize");
    SCRIPT_DONE(s);
}

static void issue_retries_without_replaces_when_already_replaced(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/order", 0, "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],\"replaces\":\"" ARI_ID "\"}",
          409, PROBLEM_CT, PROB("alreadyReplaced", "Already replaced by another order"), NULL },
        ST_NEWORDER(P_ORDER1, ORDER_READY),
        ST_FINALIZE,
        ST_ORDER(ORDER_VALID),
        ST_CERT(leaf_chain),
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
    p.replaces = ARI_ID;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), 0);
    CHECK_INT(k.deployed, 0);
    CHECK_INT(pem_len, strlen(leaf_chain));
    SCRIPT_DONE(s);
}

/* ------------------------------------------------------- alternate chains */

static void certificate_alternates_are_exposed(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/cert/1", 0, "", 200,
          PEM_CT "Link: <" CA "/dir>;rel=\"index\"\n"
          "Link: <" CA "/cert/1/1>;rel=\"alternate\", <" CA "/cert/1/2>; rel=alternate\n", leaf_chain, NULL },
    };
    acme2_client c;
    script s;
    const char *pem;
    size_t len;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    CHECK_INT(acme2_certificate_download(&c, CA "/cert/1", &pem, &len), 0);
    CHECK_INT(len, strlen(leaf_chain));
    CHECK_STR(acme2_certificate_alternate(&c, 0), CA "/cert/1/1");
    CHECK_STR(acme2_certificate_alternate(&c, 1), CA "/cert/1/2");
    CHECK(acme2_certificate_alternate(&c, 2) == NULL);
    SCRIPT_DONE(s);
}

static void issue_with_chain_1_downloads_the_alternate(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER(P_ORDER1, ORDER_READY),
        ST_FINALIZE,
        ST_ORDER(ORDER_VALID),
        { "POST", CA "/cert/1", 0, "", 200, PEM_CT "Link: <" CA "/cert/1/1>;rel=\"alternate\"\n", chain2, NULL },
        { "POST", CA "/cert/1/1", 0, "", 200, PEM_CT "Link: <" CA "/cert/1>;rel=\"alternate\"\n", leaf_chain, NULL },
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
    p.chain = 1;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), 0);
    CHECK_INT(pem_len, strlen(leaf_chain));
    CHECK(memcmp(pem, leaf_chain, pem_len) == 0);
    SCRIPT_DONE(s);
}

static void issue_with_missing_alternate_is_not_found(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER(P_ORDER1, ORDER_VALID),
        ST_CERT(leaf_chain),
        ST_ORDER(ORDER_READY),
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
    p.chain = 1;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), ACME2_ERR_NOT_FOUND);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

/* ----------------------------------------------------------------- profiles */

static void order_with_listed_profile_sends_it(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER("{\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],\"profile\":\"shortlived\"}", ORDER_PENDING),
    };
    acme2_client c;
    script s;
    acme2_order_params op;
    acme2_order o;
    acme2_identifier id;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    memset(&op, 0, sizeof op);
    example_id(&id, "example.org");
    op.ids = &id;
    op.n_ids = 1;
    op.profile = "shortlived";
    CHECK_INT(acme2_order_new(&c, &op, &o), 0);
    SCRIPT_DONE(s);
}

/* Refused before anything is sent, not even the newNonce the order would
   need. */
static void order_with_unlisted_profile_sends_nothing(void)
{
    static const step steps[] = {
        ST_DIR_NN,
        ST_HEAD,
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    acme2_order_params op;
    acme2_order o;
    acme2_identifier id;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    memset(&op, 0, sizeof op);
    example_id(&id, "example.org");
    op.ids = &id;
    op.n_ids = 1;
    op.profile = "tlsserver";
    o.status = 42;
    CHECK_INT(acme2_order_new(&c, &op, &o), ACME2_ERR_PROFILE);
    CHECK_INT(o.status, 42);
    CHECK_INT(s.pos, 1);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

/* A server that lists no profiles offers none: asking for one is refused
   rather than silently ignored by the server. */
static void order_with_profile_when_server_lists_none_is_refused(void)
{
    static const step steps[] = {
        { "GET", DIR_URL, 0, NULL, 200, JSON_CT, DIRECTORY_SMALL, NULL },
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    acme2_order_params op;
    acme2_order o;
    acme2_identifier id;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    memset(&op, 0, sizeof op);
    example_id(&id, "example.org");
    op.ids = &id;
    op.n_ids = 1;
    op.profile = "classic";
    CHECK_INT(acme2_order_new(&c, &op, &o), ACME2_ERR_PROFILE);
    CHECK_INT(s.pos, 1);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

/* ------------------------------------------------------------------- faults */

static void bad_nonce_once_is_retried_with_the_error_nonce(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/order/1", 0, "", 400, PROBLEM_CT, PROB("badNonce", "JWS has an invalid anti-replay nonce"), NULL },
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    CHECK(order_get_works(&c));
    CHECK_INT(s.n_head, 0); /* the nonce came with the error */
    CHECK_INT(acme2_client_problem(&c)->type, ACME2_PROB_NONE);
    SCRIPT_DONE(s);
}

static void bad_nonce_forever_gives_up_after_the_bound(void)
{
    static const step bad = { "POST", CA "/order/1", 0, "", 400, PROBLEM_CT, PROB("badNonce", "Unknown nonce"), NULL };
    step steps[8];
    acme2_client c;
    script s;
    acme2_options o = test_options();
    int i;
    setup_keys();
    memset(steps, 0, sizeof steps);
    steps[0].method = "GET"; steps[0].url = DIR_URL; steps[0].status = 200; steps[0].headers = JSON_CT; steps[0].body = DIRECTORY;
    for (i = 1; i <= 4; i++) steps[i] = bad; /* the first try and 3 retries */
    steps[5].method = "POST"; steps[5].url = CA "/order/1"; steps[5].payload = ""; steps[5].status = 200;
    steps[5].headers = JSON_CT; steps[5].body = ORDER_READY;
    o.bad_nonce_retries = 3;
    REQUIRE(known_account(&c, &s, steps, 6, &o) == 0);
    {
        acme2_order ord;
        CHECK_INT(acme2_order_get(&c, CA "/order/1", &ord), ACME2_ERR_PROBLEM);
    }
    CHECK_INT(acme2_client_problem(&c)->type, ACME2_PROB_BAD_NONCE);
    CHECK_INT(s.n_post, 4);
    CHECK_INT(s.pos, 5);
    /* the budget starts afresh for the next request */
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

static void rate_limited_with_retry_after_seconds_waits_then_succeeds(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/order/1", 0, "", 429, PROBLEM_CT "Retry-After: 5\n", PROB("rateLimited", "Slow down"), NULL },
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    CHECK(order_get_works(&c));
    CHECK_INT(slept_ms, 5000);
    CHECK_INT(sleeps, 1);
    SCRIPT_DONE(s);
}

static void rate_limited_with_retry_after_date_waits_then_succeeds(void)
{
    static const step steps[] = {
        ST_DIR,
        /* T0 + 7 s; `date -u -d @1800000007 '+%a, %d %b %Y %H:%M:%S GMT'` */
        { "POST", CA "/order/1", 0, "", 429, PROBLEM_CT "Retry-After: Fri, 15 Jan 2027 08:00:07 GMT\n",
          PROB("rateLimited", "Slow down"), NULL },
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    CHECK(order_get_works(&c));
    CHECK_INT(slept_ms, 7000);
    SCRIPT_DONE(s);
}

static void rate_limited_beyond_max_wait_fails_with_retry_after(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/order/1", 0, "", 429, PROBLEM_CT "Retry-After: 3600\n", PROB("rateLimited", "Too many orders"), NULL },
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    acme2_options o = test_options();
    const acme2_problem *pr;
    acme2_order ord;
    setup_keys();
    o.max_wait = 10;
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), &o) == 0);
    CHECK_INT(acme2_order_get(&c, CA "/order/1", &ord), ACME2_ERR_PROBLEM);
    pr = acme2_client_problem(&c);
    CHECK_INT(pr->type, ACME2_PROB_RATE_LIMITED);
    CHECK_INT(pr->http_status, 429);
    CHECK_INT(pr->retry_after, 3600);
    CHECK_INT(sleeps, 0);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

static void busy_retries_are_bounded(void)
{
    static const step busy = { "POST", CA "/order/1", 0, "", 503, "Retry-After: 1\n", "busy", NULL };
    step steps[8];
    acme2_client c;
    script s;
    acme2_options o = test_options();
    acme2_order ord;
    int i;
    setup_keys();
    memset(steps, 0, sizeof steps);
    steps[0].method = "GET"; steps[0].url = DIR_URL; steps[0].status = 200; steps[0].headers = JSON_CT; steps[0].body = DIRECTORY;
    for (i = 1; i <= 3; i++) steps[i] = busy; /* the first try and 2 retries */
    steps[4].method = "POST"; steps[4].url = CA "/order/1"; steps[4].payload = ""; steps[4].status = 200;
    steps[4].headers = JSON_CT; steps[4].body = ORDER_READY;
    o.busy_retries = 2;
    REQUIRE(known_account(&c, &s, steps, 5, &o) == 0);
    CHECK_INT(acme2_order_get(&c, CA "/order/1", &ord), ACME2_ERR_HTTP);
    CHECK_INT(acme2_client_problem(&c)->retry_after, 1);
    CHECK_INT(acme2_client_problem(&c)->http_status, 503);
    CHECK_INT(slept_ms, 2000);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

static void service_unavailable_with_retry_after_waits_then_succeeds(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/order/1", 0, "", 503, "Content-Type: text/plain\nRetry-After: 2\n", "Try again", NULL },
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    CHECK(order_get_works(&c));
    CHECK_INT(slept_ms, 2000);
    SCRIPT_DONE(s);
}

static void server_error_with_html_is_an_http_error(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/order/1", 0, "", 500, "Content-Type: text/html; charset=utf-8\n",
          "<html><body><h1>500 Internal Server Error</h1></body></html>", NULL },
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    acme2_order ord;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    CHECK_INT(acme2_order_get(&c, CA "/order/1", &ord), ACME2_ERR_HTTP);
    CHECK_INT(acme2_client_problem(&c)->http_status, 500);
    CHECK_INT(acme2_client_problem(&c)->type, ACME2_PROB_NONE);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

/* One bad answer to an order fetch, then a good one through the same
   client. */
static void bad_order_answer(const char *headers, const char *body, int want, const acme2_options *o)
{
    step steps[3];
    acme2_client c;
    script s;
    acme2_order ord;
    setup_keys();
    memset(steps, 0, sizeof steps);
    steps[0].method = "GET"; steps[0].url = DIR_URL; steps[0].status = 200; steps[0].headers = JSON_CT; steps[0].body = DIRECTORY;
    steps[1].method = "POST"; steps[1].url = CA "/order/1"; steps[1].payload = ""; steps[1].status = 200;
    steps[1].headers = headers; steps[1].body = body;
    steps[2] = steps[1];
    steps[2].headers = JSON_CT;
    steps[2].body = ORDER_READY;
    REQUIRE(known_account(&c, &s, steps, 3, o) == 0);
    ord.status = 55;
    CHECK_INT(acme2_order_get(&c, CA "/order/1", &ord), want);
    CHECK_INT(ord.status, 55); /* untouched */
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

static void truncated_json_is_a_protocol_error(void)
{
    bad_order_answer(JSON_CT, "{\"status\":\"ready\",\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/ord",
                     ACME2_ERR_PROTOCOL, NULL);
}

static void invalid_json_is_a_protocol_error(void)
{
    bad_order_answer(JSON_CT, "{\"status\":'ready',}", ACME2_ERR_PROTOCOL, NULL);
}

static void json_with_wrong_content_type_is_refused(void)
{
    bad_order_answer("Content-Type: text/plain\n", ORDER_READY, ACME2_ERR_CONTENT_TYPE, NULL);
}

static void unknown_status_string_is_a_protocol_error(void)
{
    bad_order_answer(JSON_CT,
                     "{\"status\":\"almost-ready\",\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}",
                     ACME2_ERR_PROTOCOL, NULL);
}

static void duplicate_json_keys_are_refused(void)
{
    bad_order_answer(JSON_CT,
                     "{\"status\":\"pending\",\"status\":\"valid\",\"authorizations\":[\"" CA "/authz/1\"],"
                     "\"finalize\":\"" CA "/order/1/finalize\",\"certificate\":\"" CA "/cert/1\"}",
                     ACME2_ERR_PROTOCOL, NULL);
}

static void oversize_body_is_too_large(void)
{
    static char big[2048];
    acme2_options o = test_options();
    size_t i;
    memcpy(big, "{\"status\":\"ready\",\"x\":\"", 23);
    for (i = 23; i < sizeof big - 3; i++) big[i] = 'a';
    memcpy(big + sizeof big - 3, "\"}", 3);
    o.max_response = 512; /* ORDER_READY fits, big does not */
    bad_order_answer(JSON_CT, big, ACME2_ERR_TOO_LARGE, &o);
}

/* The server's own URLs must be https. */
static void insecure_urls_in_an_order_are_refused(void)
{
    bad_order_answer(JSON_CT,
                     "{\"status\":\"ready\",\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"http://ca.test/order/1/finalize\"}",
                     ACME2_ERR_INSECURE_URL, NULL);
    bad_order_answer(JSON_CT,
                     "{\"status\":\"ready\",\"authorizations\":[\"http://ca.test/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}",
                     ACME2_ERR_INSECURE_URL, NULL);
    /* a URL that could smuggle a header into the transport's request */
    bad_order_answer(JSON_CT,
                     "{\"status\":\"ready\",\"authorizations\":[\"" CA "/authz/1\\r\\nX: y\"],\"finalize\":\"" CA "/order/1/finalize\"}",
                     ACME2_ERR_PROTOCOL, NULL);
}

static void missing_location_on_new_order(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/order", 0, P_ORDER1, 201, JSON_CT, ORDER_PENDING, NULL },
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    acme2_order_params op;
    acme2_order o;
    acme2_identifier id;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    memset(&op, 0, sizeof op);
    example_id(&id, "example.org");
    op.ids = &id;
    op.n_ids = 1;
    CHECK_INT(acme2_order_new(&c, &op, &o), ACME2_ERR_NO_LOCATION);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

static void missing_location_on_new_account(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/acct", S_JWK, "{\"termsOfServiceAgreed\":true}", 201, JSON_CT, ACCOUNT_VALID, NULL },
        { "POST", CA "/acct", S_JWK, "{\"termsOfServiceAgreed\":true}", 200, JSON_CT "Location: " ACCT "\n", ACCOUNT_VALID, NULL },
    };
    acme2_client c;
    script s;
    acme2_account_params p;
    acme2_account a;
    setup_keys();
    REQUIRE(client_with(&c, &s, steps, NSTEPS(steps)) == 0);
    memset(&p, 0, sizeof p);
    p.terms_agreed = 1;
    CHECK_INT(acme2_account_new(&c, &p, &a), ACME2_ERR_NO_LOCATION);
    CHECK_STR(acme2_client_account(&c), "");
    CHECK_INT(acme2_account_new(&c, &p, &a), 0);
    CHECK_STR(acme2_client_account(&c), ACCT);
    SCRIPT_DONE(s);
}

static void missing_nonce_on_success_then_head_new_nonce(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/order/1", S_NO_NONCE, "", 200, JSON_CT, ORDER_READY, NULL },
        ST_HEAD,
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    acme2_order ord;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    /* the result is kept; the missing nonce costs one newNonce */
    CHECK_INT(acme2_order_get(&c, CA "/order/1", &ord), 0);
    CHECK_INT(ord.status, ACME2_STATUS_READY);
    CHECK(order_get_works(&c));
    CHECK_INT(s.n_head, 1);
    SCRIPT_DONE(s);
}

static void new_nonce_without_nonce_is_no_nonce(void)
{
    static const step steps[] = {
        ST_DIR_NN,
        { "HEAD", CA "/nonce", S_NO_NONCE, NULL, 200, "", NULL, NULL },
        ST_HEAD,
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    acme2_order ord;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    CHECK_INT(acme2_order_get(&c, CA "/order/1", &ord), ACME2_ERR_NO_NONCE);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

/* The exchange breaks in the middle of an issuance; the issuance is resumed
   from the saved order and starts with a fresh nonce. */
static void transport_failure_mid_flow_then_head_new_nonce(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER(P_ORDER1, ORDER_PENDING),
        ST_AUTHZ(1, AUTHZ_PENDING),
        { "POST", CA "/chall/1", S_TRANSPORT_FAIL, "{}", 0, NULL, NULL, NULL },
        /* second attempt, resuming */
        ST_HEAD,
        ST_ORDER(ORDER_PENDING),
        ST_AUTHZ(1, AUTHZ_PENDING),
        ST_CHALL(1),
        ST_ORDER(ORDER_READY),
        ST_FINALIZE,
        ST_ORDER(ORDER_VALID),
        ST_CERT(leaf_chain),
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
    saved_order[0] = 0;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), ACME2_ERR_TRANSPORT);
    CHECK_INT(k.deployed, 1);
    CHECK_INT(k.cleaned, 1);
    CHECK_STR(saved_order, CA "/order/1");
    CHECK_INT(s.n_head, 0);
    p.resume_order = saved_order;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), 0);
    CHECK_INT(s.n_head, 1);
    CHECK_INT(k.deployed, 2);
    CHECK_INT(k.cleaned, 2);
    SCRIPT_DONE(s);
}

static void order_invalid_fills_problem_with_subproblems(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_ORDER(ORDER2_INVALID),
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    acme2_order o;
    const acme2_problem *pr;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    memset(&o, 0, sizeof o);
    CHECK_INT(acme2_order_get(&c, CA "/order/1", &o), ACME2_ERR_INVALID);
    CHECK_INT(o.status, ACME2_STATUS_INVALID);
    pr = acme2_client_problem(&c);
    CHECK_INT(pr->type, ACME2_PROB_COMPOUND);
    CHECK_STR(pr->detail, "Some identifiers failed");
    CHECK_INT(pr->n_sub, 2);
    CHECK_INT(pr->n_sub_total, 2);
    CHECK_INT(pr->sub[0].type, ACME2_PROB_CAA);
    CHECK_STR(pr->sub[0].detail, "CAA forbids");
    CHECK_INT(pr->sub[0].identifier.type, ACME2_ID_DNS);
    CHECK_STR(pr->sub[0].identifier.value, "example.org");
    CHECK_INT(pr->sub[1].type, ACME2_PROB_DNS);
    CHECK_STR(pr->sub[1].type_str, "urn:ietf:params:acme:error:dns");
    CHECK_STR(pr->sub[1].identifier.value, "www.example.org");
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

static void problem_document_with_subproblems_on_new_order(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/order", 0, P_ORDER2, 400, PROBLEM_CT,
          "{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\",\"detail\":\"Policy forbids\","
          "\"subproblems\":[{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\",\"detail\":\"www is blocked\","
          "\"identifier\":{\"type\":\"dns\",\"value\":\"www.example.org\"}}]}", NULL },
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    acme2_order_params op;
    acme2_order o;
    acme2_identifier ids[2];
    const acme2_problem *pr;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    memset(&op, 0, sizeof op);
    example_id(&ids[0], "example.org");
    example_id(&ids[1], "www.example.org");
    op.ids = ids;
    op.n_ids = 2;
    CHECK_INT(acme2_order_new(&c, &op, &o), ACME2_ERR_PROBLEM);
    pr = acme2_client_problem(&c);
    CHECK_INT(pr->http_status, 400);
    CHECK_INT(pr->type, ACME2_PROB_REJECTED_IDENTIFIER);
    CHECK_INT(pr->n_sub, 1);
    CHECK_STR(pr->sub[0].detail, "www is blocked");
    CHECK_STR(pr->sub[0].identifier.value, "www.example.org");
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

static void insecure_url_in_directory_is_refused(void)
{
    static const step steps[] = {
        { "GET", DIR_URL, 0, NULL, 200, JSON_CT, DIRECTORY_HTTP, NULL },
        { "GET", DIR_URL, 0, NULL, 200, JSON_CT, DIRECTORY, NULL },
    };
    acme2_client c;
    script s;
    setup_keys();
    REQUIRE(client_with(&c, &s, steps, NSTEPS(steps)) == 0);
    CHECK_INT(acme2_directory_fetch(&c), ACME2_ERR_INSECURE_URL);
    CHECK(acme2_client_directory(&c) == NULL);
    CHECK_INT(acme2_directory_fetch(&c), 0);
    CHECK(acme2_client_directory(&c) != NULL);
    SCRIPT_DONE(s);
}

static void insecure_url_in_directory_allowed_by_option(void)
{
    static const step steps[] = {
        { "GET", DIR_URL, 0, NULL, 200, JSON_CT, DIRECTORY_HTTP, NULL },
    };
    acme2_client c;
    script s;
    acme2_options o = test_options();
    setup_keys();
    o.allow_http = 1;
    REQUIRE(client_opt(&c, &s, steps, NSTEPS(steps), &account_ec, &o) == 0);
    CHECK_INT(acme2_directory_fetch(&c), 0);
    CHECK_STR(acme2_client_directory(&c)->new_order, "http://ca.test/order");
    SCRIPT_DONE(s);
}

static void insecure_location_is_refused_unless_allowed(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/order", 0, P_ORDER1, 201, JSON_CT "Location: http://ca.test/order/1\n", ORDER_PENDING, NULL },
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    acme2_order_params op;
    acme2_order o;
    acme2_identifier id;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    memset(&op, 0, sizeof op);
    example_id(&id, "example.org");
    op.ids = &id;
    op.n_ids = 1;
    CHECK_INT(acme2_order_new(&c, &op, &o), ACME2_ERR_INSECURE_URL);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
    {
        static const step steps2[] = {
            ST_DIR,
            { "POST", CA "/order", 0, P_ORDER1, 201, JSON_CT "Location: http://ca.test/order/1\n", ORDER_PENDING, NULL },
        };
        acme2_options opt = test_options();
        opt.allow_http = 1;
        REQUIRE(known_account(&c, &s, steps2, NSTEPS(steps2), &opt) == 0);
        CHECK_INT(acme2_order_new(&c, &op, &o), 0);
        CHECK_STR(o.url, "http://ca.test/order/1");
        SCRIPT_DONE(s);
    }
}

static void insecure_directory_url_is_refused_at_init(void)
{
    acme2_client c;
    acme2_options o = test_options();
    setup_keys();
    CHECK_INT(acme2_client_init(&c, "http://ca.test/dir", &account_ec, work, sizeof work, script_transport, NULL, &o),
              ACME2_ERR_INSECURE_URL);
    o.allow_http = 1;
    CHECK_INT(acme2_client_init(&c, "http://ca.test/dir", &account_ec, work, sizeof work, script_transport, NULL, &o), 0);
}

/* More authorizations than ACME2_MAX_AUTHZ: a clean error, nothing kept. */
static void order_with_too_many_authorizations_is_refused(void)
{
    static char body[8192];
    size_t n = 0;
    int i;
    n += (size_t)snprintf(body + n, sizeof body - n, "{\"status\":\"pending\",\"finalize\":\"" CA "/f\",\"authorizations\":[");
    for (i = 0; i <= ACME2_MAX_AUTHZ; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "%s\"" CA "/a/%d\"", i ? "," : "", i);
    snprintf(body + n, sizeof body - n, "]}");
    bad_order_answer(JSON_CT, body, ACME2_ERR_TOO_LARGE, NULL);
}

/* Retry-After: 0 on every poll must not turn polling into a busy loop: the
   deadline still ends it after a bounded number of requests. */
static void polling_with_retry_after_zero_is_bounded(void)
{
    static const step pend = { "POST", CA "/order/1", 0, "", 200, JSON_CT "Retry-After: 0\n", ORDER_PROCESSING, NULL };
    step steps[16];
    acme2_client c;
    script s;
    acme2_options o = test_options();
    acme2_order ord;
    int i;
    setup_keys();
    memset(steps, 0, sizeof steps);
    steps[0].method = "GET"; steps[0].url = DIR_URL; steps[0].status = 200; steps[0].headers = JSON_CT; steps[0].body = DIRECTORY;
    for (i = 1; i < 16; i++) steps[i] = pend;
    o.poll_timeout = 5;
    REQUIRE(known_account(&c, &s, steps, 16, &o) == 0);
    memset(&ord, 0, sizeof ord);
    CHECK_INT(acme2_order_get(&c, CA "/order/1", &ord), 0);
    CHECK_INT(acme2_order_poll(&c, &ord), ACME2_ERR_TIMEOUT);
    CHECK(s.pos < 16);
    CHECK(slept_ms <= 5000);
    CHECK_INT(s.errors, 0);
}

/* Without Retry-After, the blind schedule: poll_interval_ms, then 1 s
   steps for the first ten polls, then half again each time up to the cap.
   The script pins every poll; the fake clock every wait. */
static void polling_follows_the_blind_schedule(void)
{
    static const step pend = { "POST", CA "/order/1", 0, "", 200, JSON_CT, ORDER_PROCESSING, NULL };
    step steps[18];
    acme2_client c;
    script s;
    acme2_options o = test_options();
    acme2_order ord;
    int i;
    setup_keys();
    memset(steps, 0, sizeof steps);
    steps[0].method = "GET"; steps[0].url = DIR_URL; steps[0].status = 200; steps[0].headers = JSON_CT; steps[0].body = DIRECTORY;
    for (i = 1; i < 17; i++) steps[i] = pend;
    steps[17] = pend;
    steps[17].body = ORDER_VALID;
    o.poll_max_interval = 8;
    REQUIRE(known_account(&c, &s, steps, 18, &o) == 0);
    memset(&ord, 0, sizeof ord);
    CHECK_INT(acme2_order_get(&c, CA "/order/1", &ord), 0);
    CHECK_INT(acme2_order_poll(&c, &ord), 0);
    CHECK_INT(ord.status, ACME2_STATUS_VALID);
    /* 16 waits: 250 ms; 1 s nine times; 1.5, 2.25, 3.375, 5.062, 7.593 s;
       then the 8 s cap */
    CHECK_INT(slept_ms, 250 + 9 * 1000 + 1500 + 2250 + 3375 + 5062 + 7593 + 8000);
    CHECK_INT(sleeps, 16);
    SCRIPT_DONE(s);
}

/* The defaults: the first poll 250 ms after the challenge, then 1 s. */
static void polling_defaults_are_a_quarter_second_then_one_second(void)
{
    static const step steps[] = {
        { "GET", DIR_URL, 0, NULL, 200, JSON_CT, DIRECTORY, NULL },
        ST_ORDER(ORDER_PROCESSING), ST_ORDER(ORDER_PROCESSING), ST_ORDER(ORDER_PROCESSING), ST_ORDER(ORDER_VALID),
    };
    acme2_client c;
    script s;
    acme2_order ord;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    memset(&ord, 0, sizeof ord);
    CHECK_INT(acme2_order_get(&c, CA "/order/1", &ord), 0);
    CHECK_INT(acme2_order_poll(&c, &ord), 0);
    CHECK_INT(slept_ms, 250 + 1000 + 1000);
    CHECK_INT(sleeps, 3);
    SCRIPT_DONE(s);
}

/* --------------------------------------------------------------- porcelain */

static void issuance_costs_exactly_the_needed_requests(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER(P_ORDER1, ORDER_PENDING),
        ST_AUTHZ(1, AUTHZ_PENDING),
        ST_CHALL(1),
        { "POST", CA "/order/1", 0, "", 200, JSON_CT "Retry-After: 2\n", ORDER_PENDING, NULL },
        ST_ORDER(ORDER_READY),
        ST_FINALIZE,
        ST_ORDER(ORDER_VALID),
        { "POST", CA "/cert/1", 0, "", 200, PEM_CT "Link: <" CA "/cert/1/1>;rel=\"alternate\"\n", leaf_chain, NULL },
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
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    issue_params(&p, &id, &k);
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), 0);
    SCRIPT_DONE(s);
    CHECK_STR(saved_order, CA "/order/1");
    CHECK_INT(k.deployed, 1);
    CHECK_INT(k.cleaned, 1);
    CHECK_INT(k.cleaned_failed, 0);
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
    /* the first poll after poll_interval_ms (250), the next as Retry-After
       said, and ACME2_FINALIZE_POLL_MS before the poll after finalize */
    CHECK_INT(slept_ms, 250 + 2000 + ACME2_FINALIZE_POLL_MS);
}

static void issue_skips_authorizations_already_valid(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER(P_ORDER2, ORDER2_PENDING),
        ST_AUTHZ(1, AUTHZ_VALID),
        ST_AUTHZ(2, AUTHZ2_PENDING),
        ST_CHALL(21),
        ST_ORDER(ORDER2_READY),
        ST_FINALIZE,
        ST_ORDER(ORDER2_VALID),
        ST_CERT(chain2),
    };
    acme2_client c;
    script s;
    acme2_issue_params p;
    acme2_identifier ids[2];
    calls k;
    const char *pem;
    size_t pem_len;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    issue_params(&p, &ids[0], &k);
    example_id(&ids[1], "www.example.org");
    p.n_ids = 2;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), 0);
    CHECK_INT(k.deployed, 1);
    CHECK_STR(k.ident, "www.example.org");
    CHECK_STR(k.deployed_tokens, "tok-www_21 ");
    CHECK_INT(k.cleaned, 1);
    SCRIPT_DONE(s);
}

static void issue_declining_http01_uses_dns01(void)
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
    acme2_client c;
    script s;
    acme2_issue_params p;
    acme2_identifier id;
    calls k;
    const char *pem;
    size_t pem_len;
    char tp[64], want_ka[128], want_txt[64];
    unsigned char digest[32];
    br_sha256_context h;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    issue_params(&p, &id, &k);
    k.decline_http = 1;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), 0);
    CHECK_INT(k.deployed, 1);
    CHECK_INT(k.type, ACME2_CHALLENGE_DNS_01);
    CHECK_STR(k.token, "tok-dns_2");
    CHECK_STR(k.dns_name, "_acme-challenge.example.org");
    CHECK_STR(k.http_path, "");
    REQUIRE(acme2_jwk_thumbprint(&account_ec, tp, sizeof tp) == 43);
    snprintf(want_ka, sizeof want_ka, "tok-dns_2.%s", tp);
    CHECK_STR(k.keyauth, want_ka);
    br_sha256_init(&h);
    br_sha256_update(&h, want_ka, strlen(want_ka));
    br_sha256_out(&h, digest);
    REQUIRE(acme2_b64url_encode(want_txt, sizeof want_txt, digest, 32) == 43);
    CHECK_STR(k.dns_value, want_txt);
    CHECK_INT(k.cleaned, 1);
    CHECK_INT(k.cleaned_type, ACME2_CHALLENGE_DNS_01);
    SCRIPT_DONE(s);
}

static int decline_all(void *u, const acme2_challenge_info *ch) { (void)u; (void)ch; return 1; }

static void issue_with_no_deployable_challenge_is_unsupported(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER(P_ORDER1, ORDER_PENDING),
        ST_AUTHZ(1, AUTHZ_PENDING),
        ST_ORDER(ORDER_READY),
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
    p.deploy = decline_all;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), ACME2_ERR_UNSUPPORTED);
    CHECK_INT(k.cleaned, 0);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

/* A server must not make the caller publish a challenge for a name it did
   not ask for (a DNS hook would write records for it). */
static void issue_refuses_an_authorization_for_an_unrequested_name(void)
{
    static const char AUTHZ_OTHER[] =
        "{\"identifier\":{\"type\":\"dns\",\"value\":\"victim.example\"},\"status\":\"pending\","
        "\"challenges\":[{\"type\":\"http-01\",\"url\":\"" CA "/chall/1\",\"status\":\"pending\",\"token\":\"tok-http_1\"}]}";
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER(P_ORDER1, ORDER_PENDING),
        ST_AUTHZ(1, AUTHZ_OTHER),
        ST_ORDER(ORDER_READY),
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
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), ACME2_ERR_PROTOCOL);
    CHECK_INT(k.deployed, 0);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

static void issue_cleans_up_every_challenge_when_the_order_turns_invalid(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER(P_ORDER2, ORDER2_PENDING),
        ST_AUTHZ(1, AUTHZ_PENDING),
        ST_CHALL(1),
        ST_AUTHZ(2, AUTHZ2_PENDING),
        ST_CHALL(21),
        ST_ORDER(ORDER2_INVALID),
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    acme2_issue_params p;
    acme2_identifier ids[2];
    calls k;
    const char *pem;
    size_t pem_len;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    issue_params(&p, &ids[0], &k);
    example_id(&ids[1], "www.example.org");
    p.n_ids = 2;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), ACME2_ERR_INVALID);
    CHECK_INT(k.deployed, 2);
    CHECK_INT(k.cleaned, 2);
    CHECK_INT(k.cleaned_failed, 2); /* cleanup is told the issuance failed */
    CHECK_STR(k.cleaned_tokens, "tok-http_1 tok-www_21 ");
    CHECK_INT(acme2_client_problem(&c)->type, ACME2_PROB_COMPOUND);
    CHECK_INT(acme2_client_problem(&c)->n_sub, 2);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

static void issue_resumes_a_saved_order_without_new_order(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_ORDER(ORDER_READY),
        ST_FINALIZE,
        { "POST", CA "/order/1", 0, "", 200, JSON_CT "Retry-After: 3\n", ORDER_PROCESSING, NULL },
        ST_ORDER(ORDER_VALID),
        ST_CERT(leaf_chain),
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
    p.resume_order = CA "/order/1";
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), 0);
    CHECK_INT(k.deployed, 0);
    CHECK_INT(slept_ms, ACME2_FINALIZE_POLL_MS + 3000); /* a processing order: the post-finalize first poll, then Retry-After */
    SCRIPT_DONE(s);
}

static void issue_leaf_check(const char *chain, int want)
{
    step steps[6];
    acme2_client c;
    script s;
    acme2_issue_params p;
    acme2_identifier id;
    calls k;
    const char *pem;
    size_t pem_len;
    setup_keys();
    memset(steps, 0, sizeof steps);
    steps[0].method = "GET"; steps[0].url = DIR_URL; steps[0].status = 200; steps[0].headers = JSON_CT; steps[0].body = DIRECTORY;
    steps[1].method = "POST"; steps[1].url = CA "/order/1"; steps[1].payload = ""; steps[1].status = 200;
    steps[1].headers = JSON_CT; steps[1].body = ORDER_READY;
    steps[2].method = "POST"; steps[2].url = CA "/order/1/finalize"; steps[2].status = 200;
    steps[2].headers = JSON_CT; steps[2].body = ORDER_VALID;
    steps[3].method = "POST"; steps[3].url = CA "/cert/1"; steps[3].payload = ""; steps[3].status = 200;
    steps[3].headers = PEM_CT; steps[3].body = chain;
    steps[4] = steps[1];
    REQUIRE(known_account(&c, &s, steps, 5, NULL) == 0);
    issue_params(&p, &id, &k);
    p.resume_order = CA "/order/1";
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), want);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

static void issue_refuses_leaf_with_another_key(void) { issue_leaf_check(chain_other_key, ACME2_ERR_CERT_KEY); }
static void issue_refuses_leaf_missing_a_name(void) { issue_leaf_check(chain_other_name, ACME2_ERR_CERT_NAMES); }

static int failing_deploy(void *u, const acme2_challenge_info *ch) { (void)u; (void)ch; return -5; }

static void issue_deploy_failure_is_a_callback_error(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER(P_ORDER1, ORDER_PENDING),
        ST_AUTHZ(1, AUTHZ_PENDING),
        ST_ORDER(ORDER_READY),
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
    p.deploy = failing_deploy;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), ACME2_ERR_CALLBACK);
    CHECK_INT(k.cleaned, 1); /* a failed deploy may have left something half done */
    CHECK_STR(k.cleaned_tokens, "tok-http_1 ");
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

/* ------------------------------------------------------------ whole flows */

/* Account creation and issuance for account key `acct`, with a badNonce on
   newOrder and a 503 on finalize thrown in. nonblocking: driven through
   the request/response pairs by this test, which plays the network. */
static int nb_agains;
static long long nb_waits;

#define NB(rc, c, s, BUILD, PARSE) do { \
        int g_; \
        for (g_ = 0; g_ < 16; g_++) { \
            acme2_http_request rq; \
            (rc) = (BUILD); \
            if ((rc) < 0) break; \
            if (script_transport((s), &rq, acme2_client_response(c)) < 0) { (rc) = ACME2_ERR_TRANSPORT; break; } \
            (rc) = (PARSE); \
            if ((rc) != ACME2_AGAIN) break; \
            nb_agains++; \
            nb_waits += acme2_wait_seconds(c); \
        } \
    } while (0)

static void whole_flow(const acme2_key *acct, int nonblocking)
{
    static const step steps[] = {
        ST_DIR_NN,
        ST_HEAD,
        { "POST", CA "/acct", S_JWK, "{\"contact\":[\"mailto:a@example.org\"],\"termsOfServiceAgreed\":true}",
          201, JSON_CT "Location: " ACCT "\n", ACCOUNT_VALID, NULL },
        { "POST", CA "/order", 0, P_ORDER1, 400, PROBLEM_CT, PROB("badNonce", "stale nonce"), NULL },
        ST_NEWORDER(P_ORDER1, ORDER_PENDING),
        ST_AUTHZ(1, AUTHZ_PENDING),
        ST_CHALL(1),
        { "POST", CA "/order/1", 0, "", 200, JSON_CT "Retry-After: 2\n", ORDER_PENDING, NULL },
        ST_ORDER(ORDER_READY),
        { "POST", CA "/order/1/finalize", 0, NULL, 503, "Retry-After: 3\n", NULL, csr_check },
        { "POST", CA "/order/1/finalize", 0, NULL, 200, JSON_CT, ORDER_PROCESSING, csr_check },
        ST_ORDER(ORDER_VALID),
        ST_CERT(leaf_chain),
    };
    static const char *const contacts[] = { "mailto:a@example.org" };
    acme2_client c;
    script s;
    acme2_options o = test_options();
    acme2_account_params ap;
    acme2_identifier id;
    const char *pem = NULL;
    size_t pem_len = 0;
    setup_keys();
    memset(&ap, 0, sizeof ap);
    ap.contacts = contacts;
    ap.n_contacts = 1;
    ap.terms_agreed = 1;
    example_id(&id, "example.org");
    reset_clock();
    script_init(&s, steps, NSTEPS(steps), acct);
    s.kid = ACCT;
    s.jwk_key = acct;
    if (!nonblocking) {
        acme2_issue_params p;
        acme2_account a;
        calls k;
        REQUIRE(acme2_client_init(&c, DIR_URL, acct, work, sizeof work, script_transport, &s, &o) == 0);
        CHECK_INT(acme2_account_new(&c, &ap, &a), 0);
        issue_params(&p, &id, &k);
        CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), 0);
        CHECK_INT(k.deployed, 1);
        CHECK_INT(k.cleaned, 1);
        /* polls: 250 ms (poll_interval_ms), then Retry-After 2 s; finalize:
           the 503's 3 s; then 100 ms before the poll after finalize */
        CHECK_INT(slept_ms, 250 + 2000 + 3000 + ACME2_FINALIZE_POLL_MS);
    } else {
        acme2_account a;
        acme2_order_params op;
        acme2_order ord;
        acme2_authz az;
        const acme2_challenge *ch;
        unsigned char csr[1024];
        int rc, csr_len, polls;
        nb_agains = 0;
        nb_waits = 0;
        /* no transport: only the pairs */
        REQUIRE(acme2_client_init(&c, DIR_URL, acct, work, sizeof work, NULL, NULL, &o) == 0);
        CHECK_INT(acme2_account_new(&c, &ap, &a), ACME2_ERR_STATE); /* the blocking call needs a transport */
        CHECK_INT(s.pos, 0);
        NB(rc, &c, &s, acme2_account_new_request(&c, &ap, &rq), acme2_account_new_response(&c, &a));
        CHECK_INT(rc, 0);
        CHECK_INT(nb_agains, 2); /* directory, then newNonce */
        CHECK_STR(acme2_client_account(&c), ACCT);
        memset(&op, 0, sizeof op);
        op.ids = &id;
        op.n_ids = 1;
        NB(rc, &c, &s, acme2_order_new_request(&c, &op, &rq), acme2_order_new_response(&c, &ord));
        CHECK_INT(rc, 0);
        CHECK_INT(nb_agains, 3); /* badNonce */
        REQUIRE(ord.n_authz == 1);
        NB(rc, &c, &s, acme2_authz_get_request(&c, acme2_order_authz(&ord, 0), &rq), acme2_authz_get_response(&c, &az));
        CHECK_INT(rc, 0);
        ch = acme2_authz_challenge(&az, ACME2_CHALLENGE_HTTP_01);
        REQUIRE(ch != NULL);
        NB(rc, &c, &s, acme2_challenge_accept_request(&c, ch->url, &rq), acme2_challenge_accept_response(&c));
        CHECK_INT(rc, 0);
        for (polls = 0; polls < 5 && ord.status == ACME2_STATUS_PENDING; polls++) {
            NB(rc, &c, &s, acme2_order_get_request(&c, ord.url, &rq), acme2_order_get_response(&c, &ord));
            CHECK_INT(rc, 0);
            if (rc) break;
        }
        CHECK_INT(polls, 2);
        CHECK_INT(ord.status, ACME2_STATUS_READY);
        csr_len = acme2_csr_der(csr, sizeof csr, &cert_key, &id, 1, 0);
        REQUIRE(csr_len > 0);
        NB(rc, &c, &s, acme2_order_finalize_request(&c, &ord, csr, (size_t)csr_len, &rq), acme2_order_finalize_response(&c, &ord));
        CHECK_INT(rc, 0);
        CHECK_INT(nb_agains, 4); /* 503 */
        CHECK_INT(nb_waits, 3);
        CHECK_INT(ord.status, ACME2_STATUS_PROCESSING);
        NB(rc, &c, &s, acme2_order_get_request(&c, ord.url, &rq), acme2_order_get_response(&c, &ord));
        CHECK_INT(rc, 0);
        CHECK_INT(ord.status, ACME2_STATUS_VALID);
        CHECK_STR(ord.certificate, CA "/cert/1");
        NB(rc, &c, &s, acme2_certificate_request(&c, ord.certificate, &rq), acme2_certificate_response(&c, &pem, &pem_len));
        CHECK_INT(rc, 0);
        CHECK_INT(sleeps, 0); /* nothing slept: waiting is the caller's business */
    }
    CHECK(pem != NULL);
    CHECK_INT(pem_len, strlen(leaf_chain));
    CHECK(pem && memcmp(pem, leaf_chain, pem_len) == 0);
    SCRIPT_DONE(s);
}

static void flow_blocking_ec_p256(void) { whole_flow(&account_ec, 0); }
static void flow_blocking_ec_p384(void) { whole_flow(&account_p384, 0); }
static void flow_blocking_rsa2048(void) { whole_flow(&account_rsa, 0); }
static void flow_nonblocking_ec_p256(void) { whole_flow(&account_ec, 1); }
static void flow_nonblocking_ec_p384(void) { whole_flow(&account_p384, 1); }
static void flow_nonblocking_rsa2048(void) { whole_flow(&account_rsa, 1); }


/* ------------------------------------------------------------ more cases */

static void problem_detail_too_long_is_cut_and_subproblems_counted(void)
{
    static char body[8192];
    step steps[3];
    acme2_client c;
    script s;
    acme2_order ord;
    const acme2_problem *pr;
    size_t n = 0;
    int i;
    setup_keys();
    n += (size_t)snprintf(body + n, sizeof body - n, "{\"type\":\"urn:ietf:params:acme:error:compound\",\"detail\":\"");
    for (i = 0; i < 1500; i++) body[n++] = (char)('a' + i % 26);
    n += (size_t)snprintf(body + n, sizeof body - n, "\",\"subproblems\":[");
    for (i = 0; i < ACME2_MAX_SUBPROBLEMS + 2; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "%s{\"type\":\"urn:ietf:params:acme:error:caa\",\"detail\":\"d%d\","
                              "\"identifier\":{\"type\":\"dns\",\"value\":\"n%d.example.org\"}}", i ? "," : "", i, i);
    snprintf(body + n, sizeof body - n, "]}");
    memset(steps, 0, sizeof steps);
    steps[0].method = "GET"; steps[0].url = DIR_URL; steps[0].status = 200; steps[0].headers = JSON_CT; steps[0].body = DIRECTORY;
    steps[1].method = "POST"; steps[1].url = CA "/order/1"; steps[1].payload = ""; steps[1].status = 403;
    steps[1].headers = PROBLEM_CT; steps[1].body = body;
    steps[2] = steps[1];
    steps[2].status = 200; steps[2].headers = JSON_CT; steps[2].body = ORDER_READY;
    REQUIRE(known_account(&c, &s, steps, 3, NULL) == 0);
    CHECK_INT(acme2_order_get(&c, CA "/order/1", &ord), ACME2_ERR_PROBLEM);
    pr = acme2_client_problem(&c);
    CHECK_INT(pr->type, ACME2_PROB_COMPOUND);
    CHECK(strlen(pr->detail) < ACME2_PROBLEM_STRINGS);
    CHECK(strlen(pr->detail) > 3 && strcmp(pr->detail + strlen(pr->detail) - 3, "...") == 0);
    CHECK(strncmp(pr->detail, "abcdefghij", 10) == 0);
    CHECK_INT(pr->n_sub_total, ACME2_MAX_SUBPROBLEMS + 2);
    CHECK(pr->n_sub <= ACME2_MAX_SUBPROBLEMS);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

/* RFC 8738 IP identifiers and RFC 3339 notBefore/notAfter in the payload. */
static void order_payload_with_ip_identifier_and_validity(void)
{
    static const step steps[] = {
        ST_DIR,
        /* T0 and T0 + 90 days: `date -u -d @1807776000 +%Y-%m-%dT%H:%M:%SZ` */
        ST_NEWORDER("{\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"},{\"type\":\"ip\",\"value\":\"192.0.2.1\"},"
                    "{\"type\":\"ip\",\"value\":\"2001:db8::1\"}],\"notBefore\":\"2027-01-15T08:00:00Z\","
                    "\"notAfter\":\"2027-04-15T08:00:00Z\"}", ORDER_PENDING),
    };
    acme2_client c;
    script s;
    acme2_order_params op;
    acme2_order o;
    acme2_identifier ids[3];
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    memset(&op, 0, sizeof op);
    example_id(&ids[0], "example.org");
    ids[1].type = ACME2_ID_IP;
    ids[1].value = "192.0.2.1";
    ids[2].type = ACME2_ID_IP;
    ids[2].value = "2001:db8::1";
    op.ids = ids;
    op.n_ids = 3;
    op.not_before = T0;
    op.not_after = T0 + 90 * 86400LL;
    CHECK_INT(acme2_order_new(&c, &op, &o), 0);
    CHECK_INT(o.expires, 1796515200LL); /* date -u -d 2026-12-06T00:00:00Z +%s */
    /* a malformed identifier is refused before anything is signed */
    ids[1].value = "192.0.2.256";
    CHECK_INT(acme2_order_new(&c, &op, &o), ACME2_ERR_IDENTIFIER);
    SCRIPT_DONE(s);
}

static const char ORDER_WILD_PENDING[] =
    "{\"status\":\"pending\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"*.example.org\"}],"
    "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}";
static const char ORDER_WILD_VALID[] =
    "{\"status\":\"valid\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"*.example.org\"}],"
    "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\",\"certificate\":\"" CA "/cert/1\"}";
static const char AUTHZ_WILD[] =
    "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"},\"status\":\"pending\",\"wildcard\":true,"
    "\"challenges\":[{\"type\":\"dns-01\",\"url\":\"" CA "/chall/2\",\"status\":\"pending\",\"token\":\"tok-dns_2\"}]}";

static void issue_wildcard_answers_dns01_for_the_base_name(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER("{\"identifiers\":[{\"type\":\"dns\",\"value\":\"*.example.org\"}]}", ORDER_WILD_PENDING),
        ST_AUTHZ(1, AUTHZ_WILD),
        ST_CHALL(2),
        ST_ORDER(ORDER_WILD_VALID),
        ST_CERT(chain_wild),
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
    id.value = "*.example.org";
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), 0);
    CHECK_INT(k.type, ACME2_CHALLENGE_DNS_01);
    CHECK_STR(k.ident, "example.org");
    CHECK_STR(k.dns_name, "_acme-challenge.example.org");
    CHECK_INT(k.cleaned, 1);
    SCRIPT_DONE(s);
}

static void issue_follows_the_callers_challenge_preference(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER(P_ORDER1, ORDER_PENDING),
        ST_AUTHZ(1, AUTHZ_PENDING),
        ST_CHALL(3),
        ST_ORDER(ORDER_VALID),
        ST_CERT(leaf_chain),
    };
    static const int prefer[] = { ACME2_CHALLENGE_DNS_ACCOUNT_01, ACME2_CHALLENGE_TLS_ALPN_01, ACME2_CHALLENGE_HTTP_01 };
    acme2_client c;
    script s;
    acme2_issue_params p;
    acme2_identifier id;
    calls k;
    const char *pem;
    size_t pem_len;
    char tp[64], want[128];
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    issue_params(&p, &id, &k);
    p.challenge_types = prefer;
    p.n_challenge_types = 3;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), 0);
    CHECK_INT(k.type, ACME2_CHALLENGE_TLS_ALPN_01);
    REQUIRE(acme2_jwk_thumbprint(&account_ec, tp, sizeof tp) == 43);
    snprintf(want, sizeof want, "tok-alpn_3.%s", tp);
    CHECK_STR(k.keyauth, want);
    CHECK_STR(k.dns_name, "");
    CHECK_STR(k.http_path, "");
    SCRIPT_DONE(s);
}

static const char AUTHZ_DNS_ACCOUNT[] =
    "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"},\"status\":\"pending\","
    "\"challenges\":[{\"type\":\"dns-account-01\",\"url\":\"" CA "/chall/4\",\"status\":\"pending\",\"token\":\"tok-acct_4\"}]}";

static void issue_answers_dns_account01(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER(P_ORDER1, ORDER_PENDING),
        ST_AUTHZ(1, AUTHZ_DNS_ACCOUNT),
        ST_CHALL(4),
        ST_ORDER(ORDER_VALID),
        ST_CERT(leaf_chain),
    };
    static const int prefer[] = { ACME2_CHALLENGE_DNS_ACCOUNT_01 };
    acme2_client c;
    script s;
    acme2_issue_params p;
    acme2_identifier id;
    calls k;
    const char *pem;
    size_t pem_len;
    char want_txt[64];
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    issue_params(&p, &id, &k);
    p.challenge_types = prefer;
    p.n_challenge_types = 1;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), 0);
    CHECK_INT(k.type, ACME2_CHALLENGE_DNS_ACCOUNT_01);
    /* "_" + 16 base32 characters + "._acme-challenge.example.org" */
    CHECK_INT(strlen(k.dns_name), 1 + 16 + strlen("._acme-challenge.example.org"));
    CHECK(k.dns_name[0] == '_' && strcmp(k.dns_name + 17, "._acme-challenge.example.org") == 0);
    REQUIRE(acme2_dns01_txt(&account_ec, "tok-acct_4", want_txt, sizeof want_txt) == 43);
    CHECK_STR(k.dns_value, want_txt);
    SCRIPT_DONE(s);
}

typedef struct sink_buf { char data[8192]; size_t len; int fail; } sink_buf;
static int sink_collect(void *u, const void *d, size_t n)
{
    sink_buf *b = (sink_buf *)u;
    if (b->fail) return -1;
    if (n > sizeof b->data - b->len) return -1;
    memcpy(b->data + b->len, d, n);
    b->len += n;
    return 0;
}

static void issue_streams_the_chain_into_the_sink(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_ORDER(ORDER_VALID),
        ST_CERT(leaf_chain),
        ST_ORDER(ORDER_VALID),
        ST_CERT(leaf_chain),
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    acme2_issue_params p;
    acme2_identifier id;
    calls k;
    const char *pem;
    size_t pem_len;
    static sink_buf b;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    issue_params(&p, &id, &k);
    p.resume_order = CA "/order/1";
    memset(&b, 0, sizeof b);
    p.sink = sink_collect;
    p.sink_user = &b;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), 0);
    CHECK_INT(b.len, strlen(leaf_chain));
    CHECK(memcmp(b.data, leaf_chain, b.len) == 0);
    CHECK(pem_len > 0 && pem_len <= b.len);
    CHECK(memcmp(pem, leaf_chain, pem_len) == 0);
    /* a sink that fails stops the download */
    b.len = 0;
    b.fail = 1;
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), ACME2_ERR_CALLBACK);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

/* A sink set on the client takes certificate bodies only: JSON answers in
   between are parsed as usual and never reach it. */
static void sink_takes_only_certificate_bodies(void)
{
    static const step steps[] = {
        ST_DIR_NN,
        ST_HEAD,
        ST_ORDER(ORDER_VALID),
        ST_CERT(leaf_chain),
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    acme2_order ord;
    const char *pem;
    size_t len;
    static sink_buf b;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    memset(&b, 0, sizeof b);
    acme2_client_set_sink(&c, sink_collect, &b);
    memset(&ord, 0, sizeof ord);
    CHECK_INT(acme2_order_get(&c, CA "/order/1", &ord), 0);
    CHECK_INT(ord.status, ACME2_STATUS_VALID);
    CHECK_INT(b.len, 0);
    CHECK_INT(acme2_certificate_download(&c, ord.certificate, &pem, &len), 0);
    CHECK_INT(b.len, strlen(leaf_chain));
    CHECK(order_get_works(&c));
    CHECK_INT(b.len, strlen(leaf_chain)); /* the setting stays, JSON still bypasses it */
    SCRIPT_DONE(s);
}

/* The order turns invalid without saying why: the porcelain finds the
   failed challenge's error in the authorization. */
static void issue_reports_the_failed_challenge_of_an_invalid_order(void)
{
    static const char order_invalid[] =
        "{\"status\":\"invalid\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
        "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}";
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER(P_ORDER1, ORDER_PENDING),
        ST_AUTHZ(1, AUTHZ_PENDING),
        ST_CHALL(1),
        ST_ORDER(order_invalid),
        ST_AUTHZ(1, AUTHZ_INVALID),
        ST_ORDER(ORDER_READY),
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
    CHECK_INT(acme2_issue(&c, &p, &pem, &pem_len), ACME2_ERR_INVALID);
    CHECK_INT(acme2_client_problem(&c)->type, ACME2_PROB_INCORRECT_RESPONSE);
    CHECK_STR(acme2_client_problem(&c)->detail, "Wrong key authorization");
    CHECK_INT(k.cleaned, 1);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

static void authz_poll_waits_until_valid(void)
{
    static const step steps[] = {
        ST_DIR,
        ST_AUTHZ(1, AUTHZ_PENDING),
        { "POST", CA "/authz/1", 0, "", 200, JSON_CT "Retry-After: 4\n", AUTHZ_PENDING, NULL },
        ST_AUTHZ(1, AUTHZ_VALID),
    };
    acme2_client c;
    script s;
    acme2_authz a;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    CHECK_INT(acme2_authz_get(&c, CA "/authz/1", &a), 0);
    CHECK_INT(acme2_authz_poll(&c, &a), 0);
    CHECK_INT(a.status, ACME2_STATUS_VALID);
    CHECK_INT(a.challenges[0].validated, 1796032800LL); /* date -u -d 2026-11-30T10:00:00Z +%s */
    CHECK_INT(slept_ms, 250 + 4000);
    SCRIPT_DONE(s);
}

static void directory_faults_leave_the_client_usable(void)
{
    static const step steps[] = {
        { "GET", DIR_URL, 0, NULL, 500, "Content-Type: text/html\n", "<html>oops</html>", NULL },
        { "GET", DIR_URL, 0, NULL, 200, "Content-Type: text/html\n", DIRECTORY, NULL },
        { "GET", DIR_URL, 0, NULL, 200, JSON_CT, "{\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA "/order\"}", NULL },
        { "GET", DIR_URL, 0, NULL, 200, JSON_CT, "[\"" CA "/nonce\"]", NULL },
        ST_DIR,
    };
    acme2_client c;
    script s;
    setup_keys();
    REQUIRE(client_with(&c, &s, steps, NSTEPS(steps)) == 0);
    CHECK_INT(acme2_directory_fetch(&c), ACME2_ERR_HTTP);
    CHECK_INT(acme2_directory_fetch(&c), ACME2_ERR_CONTENT_TYPE);
    CHECK_INT(acme2_directory_fetch(&c), ACME2_ERR_PROTOCOL); /* no newNonce */
    CHECK_INT(acme2_directory_fetch(&c), ACME2_ERR_PROTOCOL); /* not an object */
    CHECK(acme2_client_directory(&c) == NULL);
    CHECK_INT(acme2_directory_fetch(&c), 0);
    CHECK_STR(acme2_client_directory(&c)->new_nonce, CA "/nonce");
    SCRIPT_DONE(s);
}

/* Non-blocking: a failed exchange is simply not answered; the next
   request starts with a fresh nonce. */
static void nonblocking_transport_failure_then_fresh_nonce(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/order/1", S_TRANSPORT_FAIL, "", 0, NULL, NULL, NULL },
        ST_HEAD,
        ST_ORDER(ORDER_READY),
        { "GET", CA "/ari/" ARI_ID, 0, NULL, 200, JSON_CT,
          "{\"suggestedWindow\":{\"start\":\"2027-01-20T00:00:00Z\",\"end\":\"2027-01-22T12:30:00Z\"}}", NULL },
    };
    acme2_client c;
    script s;
    acme2_options o = test_options();
    acme2_http_request rq;
    acme2_order ord;
    acme2_renewal_info ri;
    int rc;
    setup_keys();
    script_init(&s, steps, NSTEPS(steps), &account_ec);
    s.kid = ACCT;
    REQUIRE(acme2_client_init(&c, DIR_URL, &account_ec, work, sizeof work, NULL, NULL, &o) == 0);
    CHECK_INT(acme2_client_set_account(&c, ACCT), 0);
    NB(rc, &c, &s, acme2_directory_request(&c, &rq), acme2_directory_response(&c));
    CHECK_INT(rc, 0);
    CHECK_INT(acme2_order_get_request(&c, CA "/order/1", &rq), 0);
    CHECK_STR(rq.method, "POST");
    CHECK(script_transport(&s, &rq, acme2_client_response(&c)) < 0);
    memset(&ord, 0, sizeof ord);
    NB(rc, &c, &s, acme2_order_get_request(&c, CA "/order/1", &rq), acme2_order_get_response(&c, &ord));
    CHECK_INT(rc, 0);
    CHECK_INT(ord.status, ACME2_STATUS_READY);
    CHECK_INT(s.n_head, 1);
    NB(rc, &c, &s, acme2_renewal_info_get_request(&c, ARI_ID, &rq), acme2_renewal_info_get_response(&c, &ri));
    CHECK_INT(rc, 0);
    CHECK_INT(ri.start, 1800403200LL);
    CHECK_INT(ri.retry_after, -1);
    SCRIPT_DONE(s);
}


/* Hostile answers in bulk: every proper prefix of each kind of response
   body, and each byte replaced by characters that matter to JSON, go
   through the parser of the operation that expects it. A prefix must fail
   cleanly; a mutation may pass or fail, never crash (ASan and UBSan
   watch), and the output of a failed parse is left alone. */
typedef struct fuzz_answer { int status; const char *headers; const char *body; size_t len; int calls; } fuzz_answer;

static int fuzz_transport(void *user, const acme2_http_request *req, acme2_http_response *resp)
{
    fuzz_answer *a = (fuzz_answer *)user;
    const char *h = a->headers;
    char nonce[16];
    (void)req;
    a->calls++;
    acme2_response_status(resp, a->status);
    while (*h) {
        const char *e = strchr(h, '\n');
        acme2_response_header_line(resp, h, (size_t)(e - h));
        h = e + 1;
    }
    snprintf(nonce, sizeof nonce, "fuzz%d", a->calls);
    acme2_response_header(resp, "Replay-Nonce", 12, nonce, strlen(nonce));
    if (a->len) acme2_response_body(resp, a->body, a->len);
    return 0;
}

enum { FZ_DIR, FZ_ORDER, FZ_AUTHZ, FZ_ACCOUNT, FZ_ARI, FZ_PROBLEM };

static int fuzz_one(acme2_client *c, int kind)
{
    acme2_order o;
    acme2_authz a;
    acme2_account acc;
    acme2_renewal_info ri;
    int rc;
    switch (kind) {
    case FZ_DIR:
        c->have_dir = 0;
        return acme2_directory_fetch(c);
    case FZ_ORDER:
        o.status = 99;
        rc = acme2_order_get(c, CA "/order/1", &o);
        if (rc < 0 && rc != ACME2_ERR_INVALID && o.status != 99) return -9999; /* touched on failure */
        return rc;
    case FZ_AUTHZ:
        a.status = 99;
        rc = acme2_authz_get(c, CA "/authz/1", &a);
        if (rc < 0 && rc != ACME2_ERR_INVALID && a.status != 99) return -9999;
        return rc;
    case FZ_ACCOUNT:
        return acme2_account_update(c, NULL, 0, &acc);
    case FZ_ARI:
        ri.start = 99;
        rc = acme2_renewal_info_get(c, ARI_ID, &ri);
        if (rc < 0 && ri.start != 99) return -9999;
        return rc;
    default:
        return acme2_order_get(c, CA "/order/1", &o);
    }
}

static void hostile_bodies_fail_cleanly(void)
{
    static const struct { int kind, status; const char *headers; const char *body; } cases[] = {
        { FZ_DIR, 200, JSON_CT, DIRECTORY },
        { FZ_ORDER, 200, JSON_CT, ORDER_VALID },
        { FZ_ORDER, 200, JSON_CT, ORDER2_INVALID },
        { FZ_AUTHZ, 200, JSON_CT, AUTHZ_PENDING },
        { FZ_AUTHZ, 200, JSON_CT, AUTHZ_INVALID },
        { FZ_ACCOUNT, 200, JSON_CT, ACCOUNT_VALID },
        { FZ_ARI, 200, JSON_CT, "{\"suggestedWindow\":{\"start\":\"2027-01-20T00:00:00.5Z\",\"end\":\"2027-01-22T12:30:00+01:00\"},"
                               "\"explanationURL\":\"" CA "/docs/ari\"}" },
        { FZ_PROBLEM, 400, PROBLEM_CT, "{\"type\":\"urn:ietf:params:acme:error:compound\",\"detail\":\"x\\u00e9\\n\","
                                       "\"subproblems\":[{\"type\":\"urn:ietf:params:acme:error:caa\",\"detail\":\"d\","
                                       "\"identifier\":{\"type\":\"ip\",\"value\":\"192.0.2.1\"}}]}" },
    };
    static const char repl[] = { '"', '\\', '}', '\x80' };
    static char buf[2048];
    acme2_client c;
    acme2_options o = test_options();
    fuzz_answer fa;
    size_t i, len, pos, r;
    int rc, bad = 0, crashes_avoided = 0;
    setup_keys();
    memset(&fa, 0, sizeof fa);
    REQUIRE(acme2_client_init(&c, DIR_URL, &account_ec, work, sizeof work, fuzz_transport, &fa, &o) == 0);
    REQUIRE(acme2_client_set_account(&c, ACCT) == 0);
    fa.status = 200; fa.headers = JSON_CT; fa.body = DIRECTORY; fa.len = strlen(DIRECTORY);
    REQUIRE(acme2_directory_fetch(&c) == 0);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* the directory case leaves a broken one behind: start afresh */
        fa.status = 200; fa.headers = JSON_CT; fa.body = DIRECTORY; fa.len = strlen(DIRECTORY);
        c.have_dir = 0;
        REQUIRE(acme2_directory_fetch(&c) == 0);
        len = strlen(cases[i].body);
        fa.status = cases[i].status;
        fa.headers = cases[i].headers;
        fa.body = buf;
        /* the whole body parses (as success, or as the problem/invalid it describes) */
        memcpy(buf, cases[i].body, len);
        fa.len = len;
        rc = fuzz_one(&c, cases[i].kind);
        CHECK_MSG(rc == 0 || rc == ACME2_ERR_INVALID || rc == ACME2_ERR_PROBLEM, "case %d whole: %d", (int)i, rc);
        for (pos = 0; pos < len; pos++) {
            fa.len = pos;
            rc = fuzz_one(&c, cases[i].kind);
            if (cases[i].kind == FZ_PROBLEM) {
                /* a broken problem document is still an error status */
                if (rc != ACME2_ERR_HTTP && rc != ACME2_ERR_PROBLEM) bad++;
            } else if (rc >= 0 || rc == ACME2_ERR_INVALID || rc == -9999) {
                bad++;
                if (bad < 5) fprintf(stderr, "case %d prefix %u accepted: %d\n", (int)i, (unsigned)pos, rc);
            }
        }
        fa.len = len;
        for (pos = 0; pos < len; pos++) {
            for (r = 0; r < sizeof repl; r++) {
                if (buf[pos] == repl[r]) continue;
                buf[pos] = repl[r];
                rc = fuzz_one(&c, cases[i].kind);
                if (rc == -9999 || rc > 0) {
                    bad++;
                    if (bad < 5) fprintf(stderr, "case %d byte %u -> %c: %d\n", (int)i, (unsigned)pos, repl[r], rc);
                }
                crashes_avoided++;
                buf[pos] = cases[i].body[pos];
            }
        }
    }
    CHECK_INT(bad, 0);
    CHECK(crashes_avoided > 1000);
    /* still a working client */
    fa.status = 200; fa.headers = JSON_CT; fa.body = ORDER_READY; fa.len = strlen(ORDER_READY);
    CHECK_INT(fuzz_one(&c, FZ_ORDER), 0);
}

/* A Replay-Nonce that is not base64url (a header-injection attempt) fails
   the response; the next request fetches a fresh nonce. */
static void malformed_replay_nonce_is_refused(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/order/1", S_NO_NONCE, "", 200, JSON_CT "Replay-Nonce: abc def\n", ORDER_READY, NULL },
        ST_HEAD,
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    acme2_order ord;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    ord.status = 55;
    CHECK_INT(acme2_order_get(&c, CA "/order/1", &ord), ACME2_ERR_PROTOCOL);
    CHECK_INT(ord.status, 55);
    CHECK(order_get_works(&c));
    SCRIPT_DONE(s);
}

/* A server that answers with the nonce the request used: the client does
   not send it again (a sure badNonce) but fetches a fresh one. */
static void nonce_handed_back_is_not_reused(void)
{
    static const step steps[] = {
        ST_DIR,
        { "POST", CA "/order/1", S_BAD_NONCE_REUSE, "", 200, JSON_CT, ORDER_READY, NULL },
        ST_HEAD,
        ST_ORDER(ORDER_READY),
        /* on a badNonce the same goes */
        { "POST", CA "/order/1", S_BAD_NONCE_REUSE, "", 400, PROBLEM_CT, PROB("badNonce", "stale"), NULL },
        ST_HEAD,
        ST_ORDER(ORDER_READY),
    };
    acme2_client c;
    script s;
    setup_keys();
    REQUIRE(known_account(&c, &s, steps, NSTEPS(steps), NULL) == 0);
    CHECK(order_get_works(&c));
    CHECK(order_get_works(&c));
    CHECK(order_get_works(&c));
    CHECK_INT(s.n_head, 2);
    SCRIPT_DONE(s);
}

/* A transport that claims success but pushed nothing. */
static int silent_transport(void *user, const acme2_http_request *req, acme2_http_response *resp)
{
    (void)user; (void)req; (void)resp;
    return 0;
}

static void transport_that_pushes_nothing_is_a_transport_error(void)
{
    acme2_client c;
    acme2_options o = test_options();
    setup_keys();
    REQUIRE(acme2_client_init(&c, DIR_URL, &account_ec, work, sizeof work, silent_transport, NULL, &o) == 0);
    CHECK_INT(acme2_directory_fetch(&c), ACME2_ERR_TRANSPORT);
    CHECK(acme2_client_directory(&c) == NULL);
}

/* ------------------------------------------------------------------ memory */

/* The one-name issuance of issuance_costs_exactly_the_needed_requests in a
   work buffer of `size` bytes, allocated exactly so ASan sees any overrun. */
static int issue_in(size_t size, int *script_errors)
{
    static const step steps[] = {
        ST_DIR,
        ST_NEWORDER(P_ORDER1, ORDER_PENDING),
        ST_AUTHZ(1, AUTHZ_PENDING),
        ST_CHALL(1),
        ST_ORDER(ORDER_READY),
        ST_FINALIZE,
        ST_ORDER(ORDER_VALID),
        ST_CERT(leaf_chain),
    };
    acme2_client c;
    script s;
    acme2_options o = test_options();
    acme2_issue_params p;
    acme2_identifier id;
    calls k;
    const char *pem;
    size_t pem_len;
    char *buf = (char *)malloc(size);
    int rc;
    if (!buf) return -1000;
    reset_clock();
    script_init(&s, steps, NSTEPS(steps), &account_ec);
    s.kid = ACCT;
    rc = acme2_client_init(&c, DIR_URL, &account_ec, buf, size, script_transport, &s, &o);
    if (rc == 0) rc = acme2_client_set_account(&c, ACCT);
    if (rc == 0) {
        issue_params(&p, &id, &k);
        rc = acme2_issue(&c, &p, &pem, &pem_len);
        if (rc == 0 && (pem_len != strlen(leaf_chain) || memcmp(pem, leaf_chain, pem_len) != 0)) rc = -1001;
        if (rc == 0 && s.pos != s.n) rc = -1002;
    }
    *script_errors = s.errors;
    free(buf);
    return rc;
}

static void issuance_fits_an_8k_work_buffer(void)
{
    int errs, rc;
    size_t size, smallest = 0;
    setup_keys();
    CHECK_INT(issue_in(8192, &errs), 0);
    CHECK_INT(errs, 0);
    for (size = 8192; size >= 1024; size -= 32) {
        rc = issue_in(size, &errs);
        if (rc != 0) {
            /* running short is a clean error, never a wrong request */
            CHECK_MSG(rc == ACME2_ERR_NOSPACE || rc == ACME2_ERR_TOO_LARGE, "work buffer %u: %s", (unsigned)size, acme2_strerror(rc));
            break;
        }
        CHECK_INT(errs, 0);
        smallest = size;
    }
    printf("# smallest work buffer for a one-name EC issuance: %u bytes (chain %u bytes, issuance state %u bytes)\n",
           (unsigned)smallest, (unsigned)strlen(leaf_chain), (unsigned)sizeof(acme2_issuance));
    CHECK(smallest > 0 && smallest <= 8192);
}

int main(void)
{
    RUN(directory_is_parsed_with_meta);
    RUN(account_create_with_jwk_stores_kid);
    RUN(account_lookup_only_existing_finds_the_url);
    RUN(account_lookup_of_unknown_key_gives_account_does_not_exist);
    RUN(account_update_replaces_contacts);
    RUN(account_update_without_account_url_is_a_state_error);
    RUN(account_deactivate_then_orders_are_refused);
    RUN(eab_hs256_binds_the_account_key);
    RUN(eab_hs512_binds_the_account_key);
    RUN(key_change_rolls_over_to_the_new_key);
    RUN(key_change_refused_keeps_the_old_key);
    RUN(key_change_needs_key_change_in_directory);
    RUN(revoke_with_account_key_and_reason);
    RUN(revoke_with_certificate_key_uses_its_jwk);
    RUN(authz_deactivate_posts_status);
    RUN(authz_new_pre_authorizes_an_identifier);
    RUN(authz_new_without_new_authz_is_unsupported);
    RUN(authz_invalid_reports_the_challenge_error);
    RUN(renewal_info_gets_window_and_retry_after);
    RUN(renewal_info_with_bad_window_is_a_protocol_error);
    RUN(order_with_replaces_sends_it);
    RUN(issue_retries_without_replaces_when_already_replaced);
    RUN(certificate_alternates_are_exposed);
    RUN(issue_with_chain_1_downloads_the_alternate);
    RUN(issue_with_missing_alternate_is_not_found);
    RUN(order_with_listed_profile_sends_it);
    RUN(order_with_unlisted_profile_sends_nothing);
    RUN(order_with_profile_when_server_lists_none_is_refused);
    RUN(bad_nonce_once_is_retried_with_the_error_nonce);
    RUN(bad_nonce_forever_gives_up_after_the_bound);
    RUN(rate_limited_with_retry_after_seconds_waits_then_succeeds);
    RUN(rate_limited_with_retry_after_date_waits_then_succeeds);
    RUN(rate_limited_beyond_max_wait_fails_with_retry_after);
    RUN(busy_retries_are_bounded);
    RUN(service_unavailable_with_retry_after_waits_then_succeeds);
    RUN(server_error_with_html_is_an_http_error);
    RUN(truncated_json_is_a_protocol_error);
    RUN(invalid_json_is_a_protocol_error);
    RUN(json_with_wrong_content_type_is_refused);
    RUN(unknown_status_string_is_a_protocol_error);
    RUN(duplicate_json_keys_are_refused);
    RUN(oversize_body_is_too_large);
    RUN(insecure_urls_in_an_order_are_refused);
    RUN(missing_location_on_new_order);
    RUN(missing_location_on_new_account);
    RUN(missing_nonce_on_success_then_head_new_nonce);
    RUN(new_nonce_without_nonce_is_no_nonce);
    RUN(transport_failure_mid_flow_then_head_new_nonce);
    RUN(order_invalid_fills_problem_with_subproblems);
    RUN(problem_document_with_subproblems_on_new_order);
    RUN(insecure_url_in_directory_is_refused);
    RUN(insecure_url_in_directory_allowed_by_option);
    RUN(insecure_location_is_refused_unless_allowed);
    RUN(insecure_directory_url_is_refused_at_init);
    RUN(order_with_too_many_authorizations_is_refused);
    RUN(polling_with_retry_after_zero_is_bounded);
    RUN(polling_follows_the_blind_schedule);
    RUN(polling_defaults_are_a_quarter_second_then_one_second);
    RUN(issuance_costs_exactly_the_needed_requests);
    RUN(issue_skips_authorizations_already_valid);
    RUN(issue_declining_http01_uses_dns01);
    RUN(issue_with_no_deployable_challenge_is_unsupported);
    RUN(issue_refuses_an_authorization_for_an_unrequested_name);
    RUN(issue_cleans_up_every_challenge_when_the_order_turns_invalid);
    RUN(issue_resumes_a_saved_order_without_new_order);
    RUN(issue_refuses_leaf_with_another_key);
    RUN(issue_refuses_leaf_missing_a_name);
    RUN(issue_deploy_failure_is_a_callback_error);
    RUN(problem_detail_too_long_is_cut_and_subproblems_counted);
    RUN(order_payload_with_ip_identifier_and_validity);
    RUN(issue_wildcard_answers_dns01_for_the_base_name);
    RUN(issue_follows_the_callers_challenge_preference);
    RUN(issue_answers_dns_account01);
    RUN(issue_streams_the_chain_into_the_sink);
    RUN(sink_takes_only_certificate_bodies);
    RUN(issue_reports_the_failed_challenge_of_an_invalid_order);
    RUN(authz_poll_waits_until_valid);
    RUN(directory_faults_leave_the_client_usable);
    RUN(nonblocking_transport_failure_then_fresh_nonce);
    RUN(hostile_bodies_fail_cleanly);
    RUN(malformed_replay_nonce_is_refused);
    RUN(nonce_handed_back_is_not_reused);
    RUN(transport_that_pushes_nothing_is_a_transport_error);
    RUN(flow_blocking_ec_p256);
    RUN(flow_blocking_ec_p384);
    RUN(flow_blocking_rsa2048);
    RUN(flow_nonblocking_ec_p256);
    RUN(flow_nonblocking_ec_p384);
    RUN(flow_nonblocking_rsa2048);
    RUN(issuance_fits_an_8k_work_buffer);
    return t_done("proto");
}
