/* Fixtures of the scripted-server protocol tests (test_proto.c,
   test_engine.c): a CA's directory, orders, authorizations and challenges
   as JSON, recurring steps, keys and chains made with openssl at test time,
   deploy/cleanup recorders. Include after acme2.h, harness.h and script.h. */
#ifndef ACME2_TEST_PROTO_FIXTURES_H
#define ACME2_TEST_PROTO_FIXTURES_H

#define ACCT CA "/acct/1"

T_UNUSED static const char DIRECTORY[] =
    "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA "/order\","
    "\"newAuthz\":\"" CA "/authz\",\"revokeCert\":\"" CA "/revoke\",\"keyChange\":\"" CA "/key-change\","
    "\"renewalInfo\":\"" CA "/ari\",\"meta\":{\"termsOfService\":\"" CA "/tos\",\"website\":\"" CA "\","
    "\"caaIdentities\":[\"ca.test\",\"ca2.test\"],\"externalAccountRequired\":false,"
    "\"profiles\":{\"classic\":\"The usual\",\"shortlived\":\"Seven days\"}}}";
/* A server without pre-authorization, profiles, ARI or key rollover. */
T_UNUSED static const char DIRECTORY_SMALL[] =
    "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA "/order\","
    "\"revokeCert\":\"" CA "/revoke\"}";
T_UNUSED static const char DIRECTORY_HTTP[] =
    "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":\"http://ca.test/order\"}";

#define ORDER_LOC "Location: " CA "/order/1\n"
#define PROB(type, detail) "{\"type\":\"urn:ietf:params:acme:error:" type "\",\"detail\":\"" detail "\"}"

T_UNUSED static const char ORDER_PENDING[] =
    "{\"status\":\"pending\",\"expires\":\"2026-12-06T00:00:00Z\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
    "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}";
T_UNUSED static const char ORDER_READY[] =
    "{\"status\":\"ready\",\"expires\":\"2026-12-06T00:00:00Z\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
    "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}";
T_UNUSED static const char ORDER_PROCESSING[] =
    "{\"status\":\"processing\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
    "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}";
T_UNUSED static const char ORDER_VALID[] =
    "{\"status\":\"valid\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}],"
    "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\","
    "\"certificate\":\"" CA "/cert/1\"}";
T_UNUSED static const char AUTHZ_PENDING[] =
    "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"},\"status\":\"pending\",\"expires\":\"2026-12-06T00:00:00Z\","
    "\"challenges\":[{\"type\":\"http-01\",\"url\":\"" CA "/chall/1\",\"status\":\"pending\",\"token\":\"tok-http_1\"},"
    "{\"type\":\"dns-01\",\"url\":\"" CA "/chall/2\",\"status\":\"pending\",\"token\":\"tok-dns_2\"},"
    "{\"type\":\"tls-alpn-01\",\"url\":\"" CA "/chall/3\",\"status\":\"pending\",\"token\":\"tok-alpn_3\"}]}";
T_UNUSED static const char AUTHZ_VALID[] =
    "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"},\"status\":\"valid\",\"expires\":\"2026-12-06T00:00:00Z\","
    "\"challenges\":[{\"type\":\"http-01\",\"url\":\"" CA "/chall/1\",\"status\":\"valid\",\"token\":\"tok-http_1\","
    "\"validated\":\"2026-11-30T10:00:00Z\"}]}";
T_UNUSED static const char CHALL_PROCESSING[] =
    "{\"type\":\"http-01\",\"url\":\"" CA "/chall/1\",\"status\":\"processing\",\"token\":\"tok-http_1\"}";
T_UNUSED static const char ACCOUNT_VALID[] = "{\"status\":\"valid\",\"contact\":[\"mailto:a@example.org\"],\"orders\":\"" CA "/acct/1/orders\"}";

/* Two names: example.org (authz/1) and www.example.org (authz/2). */
T_UNUSED static const char ORDER2_PENDING[] =
    "{\"status\":\"pending\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"},{\"type\":\"dns\",\"value\":\"www.example.org\"}],"
    "\"authorizations\":[\"" CA "/authz/1\",\"" CA "/authz/2\"],\"finalize\":\"" CA "/order/1/finalize\"}";
T_UNUSED static const char ORDER2_READY[] =
    "{\"status\":\"ready\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"},{\"type\":\"dns\",\"value\":\"www.example.org\"}],"
    "\"authorizations\":[\"" CA "/authz/1\",\"" CA "/authz/2\"],\"finalize\":\"" CA "/order/1/finalize\"}";
T_UNUSED static const char ORDER2_VALID[] =
    "{\"status\":\"valid\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"},{\"type\":\"dns\",\"value\":\"www.example.org\"}],"
    "\"authorizations\":[\"" CA "/authz/1\",\"" CA "/authz/2\"],\"finalize\":\"" CA "/order/1/finalize\","
    "\"certificate\":\"" CA "/cert/1\"}";
T_UNUSED static const char AUTHZ2_PENDING[] =
    "{\"identifier\":{\"type\":\"dns\",\"value\":\"www.example.org\"},\"status\":\"pending\","
    "\"challenges\":[{\"type\":\"http-01\",\"url\":\"" CA "/chall/21\",\"status\":\"pending\",\"token\":\"tok-www_21\"}]}";
/* The order failed: a problem with subproblems naming identifiers. */
T_UNUSED static const char ORDER2_INVALID[] =
    "{\"status\":\"invalid\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"},{\"type\":\"dns\",\"value\":\"www.example.org\"}],"
    "\"authorizations\":[\"" CA "/authz/1\",\"" CA "/authz/2\"],\"finalize\":\"" CA "/order/1/finalize\","
    "\"error\":{\"type\":\"urn:ietf:params:acme:error:compound\",\"detail\":\"Some identifiers failed\",\"status\":403,"
    "\"subproblems\":[{\"type\":\"urn:ietf:params:acme:error:caa\",\"detail\":\"CAA forbids\","
    "\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"}},"
    "{\"type\":\"urn:ietf:params:acme:error:dns\",\"detail\":\"NXDOMAIN\","
    "\"identifier\":{\"type\":\"dns\",\"value\":\"www.example.org\"}}]}}";

#define P_ORDER1 "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"}]}"
#define P_ORDER2 "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"},{\"type\":\"dns\",\"value\":\"www.example.org\"}]}"

/* Steps that recur. */
#define ST_DIR { "GET", DIR_URL, 0, NULL, 200, JSON_CT, DIRECTORY, NULL }
#define ST_DIR_NN { "GET", DIR_URL, S_NO_NONCE, NULL, 200, JSON_CT, DIRECTORY, NULL }
#define ST_HEAD { "HEAD", CA "/nonce", 0, NULL, 200, "", NULL, NULL }
#define ST_NEWORDER(payload, body) { "POST", CA "/order", 0, payload, 201, JSON_CT ORDER_LOC, body, NULL }
#define ST_ORDER(body) { "POST", CA "/order/1", 0, "", 200, JSON_CT, body, NULL }
#define ST_AUTHZ(n, body) { "POST", CA "/authz/" #n, 0, "", 200, JSON_CT, body, NULL }
#define ST_CHALL(n) { "POST", CA "/chall/" #n, 0, "{}", 200, JSON_CT, CHALL_PROCESSING, NULL }
#define ST_FINALIZE { "POST", CA "/order/1/finalize", 0, NULL, 200, JSON_CT, ORDER_PROCESSING, NULL }
#define ST_CERT(chain) { "POST", CA "/cert/1", 0, "", 200, PEM_CT, chain, NULL }

T_UNUSED static acme2_key account_ec, account_p384, account_rsa, cert_key, other_key;
T_UNUSED static char work[16384];
/* Chains made by openssl at test time, issued by a CA of the test's own:
   for cert_key and example.org; for example.org and www.example.org; for a
   key that is not cert_key; for cert_key but another name; for
   *.example.org. */
T_UNUSED static char leaf_chain[8192], chain2[8192], chain_other_key[8192], chain_other_name[8192], chain_wild[8192];
T_UNUSED static unsigned char leaf_der[4096];
T_UNUSED static size_t leaf_der_len;

/* Issues a certificate for the CSR file `csr` (DER) with the test CA into
   out as PEM leaf + CA. */
T_UNUSED static int sign_csr(const char *tag, char *out, size_t cap)
{
    char name[64];
    long got;
    if (t_sh("cd %s && openssl x509 -req -inform DER -in %s.csr -CA ca.pem -CAkey ca.key -days 30 -copy_extensions copy "
             "-out %s.pem 2>/dev/null && cat %s.pem ca.pem > %s.chain", t_tmpdir(), tag, tag, tag, tag) != 0)
        return -1;
    snprintf(name, sizeof name, "%s.chain", tag);
    got = t_read_file(t_path(name), out, cap - 1);
    if (got <= 0) return -1;
    out[got] = 0;
    return 0;
}

/* A leaf for `key` covering names, via our CSR. */
T_UNUSED static int chain_for_key(const char *tag, const acme2_key *key, const char *const *names, size_t n, char *out, size_t cap)
{
    unsigned char csr[2048];
    acme2_identifier ids[4];
    char file[64];
    size_t i;
    int len;
    for (i = 0; i < n; i++) { ids[i].type = ACME2_ID_DNS; ids[i].value = names[i]; }
    len = acme2_csr_der(csr, sizeof csr, key, ids, n, 0);
    snprintf(file, sizeof file, "%s.csr", tag);
    if (len < 0 || t_write_file(t_path(file), csr, (size_t)len)) return -1;
    return sign_csr(tag, out, cap);
}

T_UNUSED static int make_chains(void)
{
    static const char *const one[] = { "example.org" };
    static const char *const two[] = { "example.org", "www.example.org" };
    static const char *const other[] = { "other.example" };
    static const char *const wild[] = { "*.example.org" };
    long got;
    if (t_sh("cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem "
             "-subj /CN=test-ca -days 30 2>/dev/null", t_tmpdir()) != 0)
        return -1;
    if (chain_for_key("leaf", &cert_key, one, 1, leaf_chain, sizeof leaf_chain) ||
        chain_for_key("two", &cert_key, two, 2, chain2, sizeof chain2) ||
        chain_for_key("othername", &cert_key, other, 1, chain_other_name, sizeof chain_other_name) ||
        chain_for_key("otherkey", &other_key, one, 1, chain_other_key, sizeof chain_other_key) ||
        chain_for_key("wild", &cert_key, wild, 1, chain_wild, sizeof chain_wild))
        return -1;
    if (t_sh("cd %s && openssl x509 -in leaf.pem -outform DER -out leaf.der", t_tmpdir()) != 0) return -1;
    got = t_read_file(t_path("leaf.der"), leaf_der, sizeof leaf_der);
    if (got <= 0) return -1;
    leaf_der_len = (size_t)got;
    return 0;
}

#ifndef ACME2_NO_KEYGEN
T_UNUSED static void setup_keys(void)
{
    static int done;
    if (done) return;
    done = 1;
    if (acme2_key_generate(&account_ec, ACME2_KEY_EC, 256, NULL) != 0 ||
        acme2_key_generate(&account_p384, ACME2_KEY_EC, 384, NULL) != 0 ||
        acme2_key_generate(&account_rsa, ACME2_KEY_RSA, 2048, NULL) != 0 ||
        acme2_key_generate(&cert_key, ACME2_KEY_EC, 256, NULL) != 0 ||
        acme2_key_generate(&other_key, ACME2_KEY_EC, 256, NULL) != 0 || make_chains() != 0) {
        fprintf(stderr, "setup failed\n");
        exit(1);
    }
}
#else
/* Without key generation (ACME2_NO_KEYGEN, ACME2_MINIMAL): an EC key made
   by BearSSL from a fixed seed, loaded from its SEC1 DER the way a device
   loads a provisioned key. No RSA key (account_rsa stays empty). */
T_UNUSED static int ec_key_from_der(acme2_key *k, int curve, const char *seed)
{
    br_hmac_drbg_context rng;
    br_ec_private_key sk;
    br_ec_public_key pk;
    unsigned char priv[BR_EC_KBUF_PRIV_MAX_SIZE], pub[BR_EC_KBUF_PUB_MAX_SIZE], der[256];
    size_t n;
    br_hmac_drbg_init(&rng, &br_sha256_vtable, seed, strlen(seed));
    if (!br_ec_keygen(&rng.vtable, br_ec_get_default(), &sk, priv, curve)) return -1;
    if (!br_ec_compute_pub(br_ec_get_default(), &pk, pub, &sk)) return -1;
    n = br_encode_ec_raw_der(der, &sk, &pk);
    return n && n <= sizeof der && acme2_key_load(k, der, n) == 0 ? 0 : -1;
}

T_UNUSED static void setup_keys(void)
{
    static int done;
    if (done) return;
    done = 1;
    if (ec_key_from_der(&account_ec, BR_EC_secp256r1, "account P-256") != 0 ||
        ec_key_from_der(&account_p384, BR_EC_secp384r1, "account P-384") != 0 ||
        ec_key_from_der(&cert_key, BR_EC_secp256r1, "certificate") != 0 ||
        ec_key_from_der(&other_key, BR_EC_secp256r1, "other") != 0 || make_chains() != 0) {
        fprintf(stderr, "setup failed\n");
        exit(1);
    }
}
#endif

/* deploy/cleanup recorders */
typedef struct calls {
    int deployed, cleaned, cleaned_failed, decline_http;
    int type, cleaned_type;
    char token[64], keyauth[128], ident[64], dns_name[128], dns_value[64], http_path[128];
    char deployed_tokens[256], cleaned_tokens[256]; /* "tok1 tok2 " */
} calls;

T_UNUSED static int rec_deploy(void *u, const acme2_challenge_info *ch)
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
    strncat(k->deployed_tokens, ch->token, sizeof k->deployed_tokens - strlen(k->deployed_tokens) - 2);
    strcat(k->deployed_tokens, " ");
    return 0;
}

T_UNUSED static void rec_cleanup(void *u, const acme2_challenge_info *ch)
{
    calls *k = (calls *)u;
    k->cleaned++;
    k->cleaned_failed += ch->failed != 0;
    k->cleaned_type = ch->type;
    strncat(k->cleaned_tokens, ch->token, sizeof k->cleaned_tokens - strlen(k->cleaned_tokens) - 2);
    strcat(k->cleaned_tokens, " ");
}

T_UNUSED static char saved_order[256];
T_UNUSED static void rec_order(void *u, const char *url) { (void)u; snprintf(saved_order, sizeof saved_order, "%s", url); }

T_UNUSED static int client_opt(acme2_client *c, script *s, const step *steps, int n, const acme2_key *key, const acme2_options *o)
{
    reset_clock();
    script_init(s, steps, n, key);
    s->kid = ACCT;
    return acme2_client_init(c, DIR_URL, key, work, sizeof work, script_transport, s, o);
}

T_UNUSED static int client_with(acme2_client *c, script *s, const step *steps, int n)
{
    acme2_options o = test_options();
    return client_opt(c, s, steps, n, &account_ec, &o);
}

/* A client with a known account whose first step (the directory) is done. */
T_UNUSED static int known_account(acme2_client *c, script *s, const step *steps, int n, const acme2_options *o)
{
    acme2_options def = test_options();
    int rc = client_opt(c, s, steps, n, &account_ec, o ? o : &def);
    if (rc == 0) rc = acme2_client_set_account(c, ACCT);
    if (rc == 0) rc = acme2_directory_fetch(c);
    return rc;
}


T_UNUSED static void example_id(acme2_identifier *id, const char *name)
{
    id->type = ACME2_ID_DNS;
    id->value = name;
}

/* The follow-up that shows a client still works after a failure: fetching
   the order (the script decides whether a newNonce comes first). */
T_UNUSED static int order_get_works(acme2_client *c)
{
    acme2_order o;
    memset(&o, 0, sizeof o);
    return acme2_order_get(c, CA "/order/1", &o) == 0 && o.status == ACME2_STATUS_READY;
}

T_UNUSED static void issue_params(acme2_issue_params *p, acme2_identifier *id, calls *k)
{
    memset(p, 0, sizeof *p);
    memset(k, 0, sizeof *k);
    example_id(id, "example.org");
    p->ids = id;
    p->n_ids = 1;
    p->cert_key = &cert_key;
    p->deploy = rec_deploy;
    p->cleanup = rec_cleanup;
    p->user = k;
    p->on_order = rec_order;
}

/* Checks the finalize payload: {"csr": base64url(DER)} whose CSR openssl
   verifies and which asks for example.org. */
T_UNUSED static int csr_check(const char *payload, size_t len, void *ctx)
{
    acme2_json_tok t[8];
    unsigned char der[2048];
    char out[8192];
    int n = acme2_json_parse(payload, len, t, 8), k, dl;
    (void)ctx;
    if (n < 0 || t[0].size != 1) return -1;
    k = acme2_json_get(payload, t, n, 0, "csr");
    if (k < 0) return -1;
    dl = acme2_b64url_decode(der, sizeof der, payload + t[k].start, (size_t)(t[k].end - t[k].start));
    if (dl <= 0 || t_write_file(t_path("final.csr"), der, (size_t)dl)) return -1;
    if (t_sh_out(out, sizeof out, "openssl req -inform DER -in %s -noout -verify -text 2>&1", t_path("final.csr")) < 0) return -1;
    if (!strstr(out, "verify OK") || !strstr(out, "DNS:example.org")) return -1;
    return 0;
}

#endif
