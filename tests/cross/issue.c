/* A whole certificate issuance through the scripted server (tests/script.h):
   account creation, then acme2_issue from the order to the checked chain,
   with an ES256 account, a P-256 certificate key, http-01 and a polling
   round. Built for the cross targets only (mk/cross.mk): on the Cortex-M4
   (T_STACK_PAINT) it paints the stack before the issuance and reports the
   peak the library used and the RAM it needed, in one line that
   bench/size.sh puts in its table:
       MEASURE m4-issue config=C stack=B callback_depth=B total_with_callbacks=B static=B ram=B ...
   The transport and deploy callbacks are the test's (the scripted server
   verifies every JWS on the spot and takes kilobytes of stack): the stack
   they use is painted over again when they return, so the peak is acme2's
   own; callback_depth is what acme2 holds while a callback runs, which a
   firmware adds to its own transport's use. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"
#include "script.h"

#define ACCT CA "/acct/1"
/* The project's stack target for an issuance, signing included (README). */
#define STACK_TARGET 6144
#ifdef ACME2_MINIMAL
#define CONFIG_NAME "smallest"
#else
#define CONFIG_NAME "full"
#endif

static const char DIRECTORY[] =
    "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA "/order\","
    "\"revokeCert\":\"" CA "/revoke\"}";
#define ORDER_BODY(status, extra) \
    "{\"status\":\"" status "\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"device.example\"}]," \
    "\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"" extra "}"
static const char AUTHZ_PENDING[] =
    "{\"identifier\":{\"type\":\"dns\",\"value\":\"device.example\"},\"status\":\"pending\","
    "\"challenges\":[{\"type\":\"http-01\",\"url\":\"" CA "/chall/1\",\"status\":\"pending\",\"token\":\"tok-http_1\"},"
    "{\"type\":\"dns-01\",\"url\":\"" CA "/chall/2\",\"status\":\"pending\",\"token\":\"tok-dns_2\"}]}";
static const char CHALL_PROCESSING[] =
    "{\"type\":\"http-01\",\"url\":\"" CA "/chall/1\",\"status\":\"processing\",\"token\":\"tok-http_1\"}";
static const char ACCOUNT_VALID[] = "{\"status\":\"valid\",\"orders\":\"" CA "/acct/1/orders\"}";

/* What a device holds: the client, two keys and the work buffer. */
static acme2_client client;
static acme2_key account_key, cert_key;
static char work[8192];
static char chain[8192];

#ifdef ACME2_NO_KEYGEN
/* A P-256 key (PKCS#8 DER) that openssl makes on the host, loaded. */
static int provisioned_key(const char *name, acme2_key *key)
{
    unsigned char der[256];
    long got;
    if (t_sh("cd %s && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -outform DER -out %s 2>/dev/null",
             t_tmpdir(), name) != 0)
        return -1;
    got = t_read_file(t_path(name), der, sizeof der);
    if (got <= 0) return -1;
    return acme2_key_load(key, der, (size_t)got);
}
#endif

/* The chain for cert_key and device.example, signed by a CA of the test's
   own with the openssl command line (on the host). */
static int make_chain(void)
{
    unsigned char csr[1024];
    acme2_identifier id;
    long got;
    int len;
    id.type = ACME2_ID_DNS;
    id.value = "device.example";
    len = acme2_csr_der(csr, sizeof csr, &cert_key, &id, 1, 0);
    if (len < 0 || t_write_file(t_path("dev.csr"), csr, (size_t)len)) return -1;
    if (t_sh("cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem "
             "-subj /CN=test-ca -days 30 2>/dev/null && openssl x509 -req -inform DER -in dev.csr -CA ca.pem -CAkey ca.key "
             "-days 30 -copy_extensions copy -out dev.pem 2>/dev/null && cat dev.pem ca.pem > dev.chain",
             t_tmpdir()) != 0)
        return -1;
    got = t_read_file(t_path("dev.chain"), chain, sizeof chain - 1);
    if (got <= 0) return -1;
    chain[got] = 0;
    return 0;
}

static int deployed, cleaned;
static char served_path[128], served_keyauth[128];

#ifdef T_STACK_PAINT
/* lib_low: the lowest address acme2 wrote outside callbacks (scanned when
   each callback starts and at the end); cb_low: the lowest any callback
   wrote. A callback's frames are painted again when it returns, so the
   next scan sees only what acme2 does after it. */
static unsigned long base_sp, lib_low, cb_low, deepest_callback;
static void callback_begin(unsigned long entry_sp)
{
    unsigned long low = t_stack_low();
    if (!lib_low || low < lib_low) lib_low = low;
    if (base_sp - entry_sp > deepest_callback) deepest_callback = base_sp - entry_sp;
}
static void callback_end(void)
{
    unsigned long low = t_stack_low();
    if (!cb_low || low < cb_low) cb_low = low;
    t_stack_paint();
}
#define CALLBACK_BEGIN() callback_begin(t_stack_pointer())
#define CALLBACK_END() callback_end()
#else
#define CALLBACK_BEGIN() (void)0
#define CALLBACK_END() (void)0
#endif

static int transport(void *user, const acme2_http_request *req, acme2_http_response *resp)
{
    int rc;
    CALLBACK_BEGIN();
    rc = script_transport(user, req, resp);
    CALLBACK_END();
    return rc;
}

static int deploy(void *user, const acme2_challenge_info *ch)
{
    CALLBACK_BEGIN();
    (void)user;
    if (ch->type == ACME2_CHALLENGE_HTTP_01) {
        deployed++;
        snprintf(served_path, sizeof served_path, "%s", ch->http_path);
        snprintf(served_keyauth, sizeof served_keyauth, "%s", ch->key_authorization);
    }
    CALLBACK_END();
    return ch->type == ACME2_CHALLENGE_HTTP_01 ? 0 : 1;
}

static void cleanup(void *user, const acme2_challenge_info *ch)
{
    CALLBACK_BEGIN();
    (void)user;
    if (ch->type == ACME2_CHALLENGE_HTTP_01) cleaned++;
    CALLBACK_END();
}

static void whole_issuance_on_this_target(void)
{
    static const step steps[] = {
        { "GET", DIR_URL, S_NO_NONCE, NULL, 200, JSON_CT, DIRECTORY, NULL },
        { "HEAD", CA "/nonce", 0, NULL, 200, "", NULL, NULL },
        { "POST", CA "/acct", S_JWK, "{\"termsOfServiceAgreed\":true}", 201, JSON_CT "Location: " ACCT "\n",
          ACCOUNT_VALID, NULL },
        { "POST", CA "/order", 0, "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"device.example\"}]}", 201,
          JSON_CT "Location: " CA "/order/1\n", ORDER_BODY("pending", ""), NULL },
        { "POST", CA "/authz/1", 0, "", 200, JSON_CT, AUTHZ_PENDING, NULL },
        { "POST", CA "/chall/1", 0, "{}", 200, JSON_CT, CHALL_PROCESSING, NULL },
        { "POST", CA "/order/1", 0, "", 200, JSON_CT "Retry-After: 1\n", ORDER_BODY("pending", ""), NULL },
        { "POST", CA "/order/1", 0, "", 200, JSON_CT, ORDER_BODY("ready", ""), NULL },
        { "POST", CA "/order/1/finalize", 0, NULL, 200, JSON_CT, ORDER_BODY("processing", ""), NULL },
        { "POST", CA "/order/1", 0, "", 200, JSON_CT, ORDER_BODY("valid", ",\"certificate\":\"" CA "/cert/1\""), NULL },
        { "POST", CA "/cert/1", 0, "", 200, PEM_CT, chain, NULL },
    };
    static script s;
    acme2_options o = test_options();
    acme2_account_params ap;
    acme2_issue_params p;
    acme2_identifier id;
    acme2_account a;
    const char *pem = NULL;
    size_t pem_len = 0;
    int rc_acct, rc_issue;
    char want_path[128];

#ifdef ACME2_NO_KEYGEN
    /* A device without key generation gets its keys provisioned: made by
       openssl on the host, loaded from DER. */
    REQUIRE(provisioned_key("acct.der", &account_key) == 0);
    REQUIRE(provisioned_key("dev-key.der", &cert_key) == 0);
#else
    REQUIRE(acme2_key_generate(&account_key, ACME2_KEY_EC, 256, NULL) == 0);
    REQUIRE(acme2_key_generate(&cert_key, ACME2_KEY_EC, 256, NULL) == 0);
#endif
    REQUIRE(make_chain() == 0);
    reset_clock();
    script_init(&s, steps, NSTEPS(steps), &account_key);
    s.kid = ACCT;
    s.jwk_key = &account_key;
    memset(&ap, 0, sizeof ap);
    ap.terms_agreed = 1;
    id.type = ACME2_ID_DNS;
    id.value = "device.example";
    memset(&p, 0, sizeof p);
    p.ids = &id;
    p.n_ids = 1;
    p.cert_key = &cert_key;
    p.deploy = deploy;
    p.cleanup = cleanup;

#ifdef T_STACK_PAINT
    base_sp = t_stack_paint();
#endif
    rc_acct = acme2_client_init(&client, DIR_URL, &account_key, work, sizeof work, transport, &s, &o);
    if (rc_acct == 0) rc_acct = acme2_account_new(&client, &ap, &a);
    rc_issue = rc_acct == 0 ? acme2_issue(&client, &p, &pem, &pem_len) : rc_acct;
#ifdef T_STACK_PAINT
    {
        unsigned long low = t_stack_low(), peak, total;
        unsigned long stat = (unsigned long)(sizeof client + sizeof account_key + sizeof cert_key + sizeof work);
        if (!lib_low || low < lib_low) lib_low = low;
        peak = base_sp - lib_low;
        total = base_sp - (cb_low && cb_low < lib_low ? cb_low : lib_low);
        CHECK_MSG(lib_low > t_stack_limit() && cb_low > t_stack_limit(), "the painted stack ran out");
        CHECK_MSG(peak > 1024 && deepest_callback > 0, "no stack use seen (peak %lu): the painting did not work", peak);
        CHECK_MSG(peak <= STACK_TARGET, "acme2 used %lu bytes of stack in the issuance, the target is %d", peak,
                  STACK_TARGET);
        printf("MEASURE m4-issue config=%s stack=%lu callback_depth=%lu total_with_callbacks=%lu static=%lu ram=%lu "
               "client=%u key=%u work=%u\n", CONFIG_NAME,
               peak, deepest_callback, total, stat, stat + peak, (unsigned)sizeof client, (unsigned)sizeof account_key,
               (unsigned)sizeof work);
    }
#endif
    CHECK_INT(rc_acct, 0);
    CHECK_INT(rc_issue, 0);
    SCRIPT_DONE(s);
    CHECK_STR(acme2_client_account(&client), ACCT);
    CHECK_INT(deployed, 1);
    CHECK_INT(cleaned, 1);
    /* http-01 path of RFC 8555 section 8.3 for the token the CA sent */
    snprintf(want_path, sizeof want_path, "/.well-known/acme-challenge/%s", "tok-http_1");
    CHECK_STR(served_path, want_path);
    CHECK(strncmp(served_keyauth, "tok-http_1.", 11) == 0 && strlen(served_keyauth) == 11 + 43);
    CHECK_INT(pem_len, strlen(chain));
    CHECK(pem && memcmp(pem, chain, strlen(chain)) == 0);
    /* the order's Retry-After (1 s) was honoured, and the blind polls
       around it are short (the schedule itself is test_proto's) */
    CHECK_MSG(slept_ms >= 1000 && slept_ms < 5000, "slept %lld ms in all", slept_ms);
    acme2_client_reset(&client);
    acme2_key_wipe(&account_key);
    acme2_key_wipe(&cert_key);
}

/* What a firmware gets when it forgets the clock: a clear error at init,
   not a polling loop that never times out. Only where there is no hosted
   default (ACME2_HOSTED 0: the Cortex-M4 build). */
static void bare_metal_needs_a_clock_and_sleep(void)
{
#if !ACME2_HOSTED
    acme2_options o = test_options();
    acme2_key k;
    memset(&k, 0, sizeof k);
    CHECK_INT(acme2_client_init(&client, DIR_URL, &k, work, sizeof work, transport, NULL, NULL), ACME2_ERR_NO_CLOCK);
    o.clock = NULL;
    CHECK_INT(acme2_client_init(&client, DIR_URL, &k, work, sizeof work, transport, NULL, &o), ACME2_ERR_NO_CLOCK);
    o = test_options();
    o.sleep = NULL;
    CHECK_INT(acme2_client_init(&client, DIR_URL, &k, work, sizeof work, transport, NULL, &o), ACME2_ERR_NO_CLOCK);
    /* the request/response pairs alone never sleep */
    CHECK_INT(acme2_client_init(&client, DIR_URL, &k, work, sizeof work, NULL, NULL, &o), 0);
#ifndef ACME2_NO_STRERROR
    CHECK_STR(acme2_strerror(ACME2_ERR_NO_CLOCK), "no clock or sleep callback (none by default without ACME2_HOSTED)");
#endif
    acme2_client_reset(&client);
#else
    CHECK(ACME2_HOSTED);
#endif
}

int main(void)
{
    RUN(whole_issuance_on_this_target);
    RUN(bare_metal_needs_a_clock_and_sleep);
    return t_done("cross_issue");
}
