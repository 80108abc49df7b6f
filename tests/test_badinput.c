/* badinput: one table row per class of hostile server answer. Each row
   names the operation, the answer (status, headers, body) the scripted
   server (tests/script.h) gives to it, and the ACME2_* result the
   operation must return; then the same client must still work (the next
   scripted request succeeds). `test_badinput --markdown` prints the table
   as tests/BADINPUT.md holds it. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"
#include "script.h"

#define ACCT CA "/acct/1"

static const char DIRECTORY[] =
    "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA "/order\","
    "\"revokeCert\":\"" CA "/revoke\",\"meta\":{\"termsOfService\":\"" CA "/tos\"}}";
#define ORDER_HEAD "{\"status\":\"ready\",\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\""
static const char ORDER_READY[] = ORDER_HEAD "}";
static const char ORDER_PENDING[] =
    "{\"status\":\"pending\",\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\"}";
static const char ORDER_VALID[] =
    "{\"status\":\"valid\",\"authorizations\":[\"" CA "/authz/1\"],\"finalize\":\"" CA "/order/1/finalize\","
    "\"certificate\":\"" CA "/cert/1\"}";
#define AUTHZ_HEAD "{\"identifier\":{\"type\":\"dns\",\"value\":\"example.org\"},\"status\":\"pending\","
#define CHALL_HTTP(token) "{\"type\":\"http-01\",\"url\":\"" CA "/chall/1\",\"status\":\"pending\",\"token\":\"" token "\"}"
#define PROB(type, detail) "{\"type\":\"urn:ietf:params:acme:error:" type "\",\"detail\":\"" detail "\"}"

/* ------------------------------------------------------------------ setup */

static acme2_key account_key, cert_key;
static char chain_ok[8192];      /* leaf for cert_key and example.org + test CA */
static char small_work[16384];   /* the work buffer most rows use */
static char big_work[512 * 1024]; /* rows that show the bound is not only the buffer */

static void setup(void)
{
    static int done;
    unsigned char csr[1024];
    acme2_identifier id;
    long got;
    int n;
    if (done) return;
    done = 1;
    id.type = ACME2_ID_DNS;
    id.value = "example.org";
    if (acme2_key_generate(&account_key, ACME2_KEY_EC, 256, NULL) != 0 ||
        acme2_key_generate(&cert_key, ACME2_KEY_EC, 256, NULL) != 0 ||
        (n = acme2_csr_der(csr, sizeof csr, &cert_key, &id, 1, 0)) < 0 ||
        t_write_file(t_path("leaf.csr"), csr, (size_t)n) != 0 ||
        t_sh("cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key "
             "-out ca.pem -subj /CN=test-ca -days 30 2>/dev/null && openssl x509 -req -inform DER -in leaf.csr "
             "-CA ca.pem -CAkey ca.key -days 30 -copy_extensions copy -out leaf.pem 2>/dev/null && "
             "cat leaf.pem ca.pem > chain.pem", t_tmpdir()) != 0 ||
        (got = t_read_file(t_path("chain.pem"), chain_ok, sizeof chain_ok - 1)) <= 0) {
        fprintf(stderr, "setup failed (openssl?)\n");
        exit(1);
    }
    chain_ok[got] = 0;
}

#define CHALL_PERSIST(names) \
    "{\"type\":\"dns-persist-01\",\"url\":\"" CA "/chall/9\",\"status\":\"pending\",\"issuerDomainNames\":" names "}"

/* ------------------------------------------------------ generated bodies */

static char gen_buf[1024 * 1024];

/* An order whose unknown member "x" holds `depth` nested arrays. */
static const char *nested(int depth)
{
    size_t n = 0;
    int i;
    n += (size_t)snprintf(gen_buf, sizeof gen_buf, "%s,\"x\":", ORDER_HEAD);
    for (i = 0; i < depth; i++) gen_buf[n++] = '[';
    for (i = 0; i < depth; i++) gen_buf[n++] = ']';
    snprintf(gen_buf + n, sizeof gen_buf - n, "}");
    return gen_buf;
}
static const char *gen_deep_100000(void) { return nested(100000); }
static const char *gen_depth_31(void) { return nested(ACME2_JSON_MAX_DEPTH - 1); }
static const char *gen_depth_33(void) { return nested(ACME2_JSON_MAX_DEPTH + 1); }

/* An order with an unknown member "x" holding `len` bytes of text. */
static const char *long_member(size_t len, const char *member)
{
    size_t n = (size_t)snprintf(gen_buf, sizeof gen_buf, "%s,\"%s\":\"", ORDER_HEAD, member);
    memset(gen_buf + n, 'a', len);
    snprintf(gen_buf + n + len, sizeof gen_buf - n - len, "\"}");
    return gen_buf;
}
static const char *gen_string_100k(void) { return long_member(100000, "x"); }
static const char *gen_string_5k(void) { return long_member(5000, "x"); }

static const char *gen_digits_5000(void)
{
    size_t n = (size_t)snprintf(gen_buf, sizeof gen_buf, "%s,\"x\":9", ORDER_HEAD);
    memset(gen_buf + n, '9', 5000);
    snprintf(gen_buf + n + 5000, sizeof gen_buf - n - 5000, "}");
    return gen_buf;
}

static const char *gen_long_finalize(void)
{
    size_t n = (size_t)snprintf(gen_buf, sizeof gen_buf, "{\"status\":\"ready\",\"authorizations\":[\"" CA "/authz/1\"],"
                                                        "\"finalize\":\"" CA "/");
    memset(gen_buf + n, 'f', ACME2_MAX_URL);
    snprintf(gen_buf + n + ACME2_MAX_URL, sizeof gen_buf - n - ACME2_MAX_URL, "\"}");
    return gen_buf;
}

static const char *gen_long_token(void)
{
    size_t n = (size_t)snprintf(gen_buf, sizeof gen_buf, AUTHZ_HEAD "\"challenges\":[{\"type\":\"http-01\",\"url\":\"" CA
                                                        "/chall/1\",\"status\":\"pending\",\"token\":\"");
    memset(gen_buf + n, 't', 2000);
    snprintf(gen_buf + n + 2000, sizeof gen_buf - n - 2000, "\"}]}");
    return gen_buf;
}

static const char *gen_long_detail(void)
{
    size_t n = (size_t)snprintf(gen_buf, sizeof gen_buf, "{\"type\":\"urn:ietf:params:acme:error:malformed\",\"detail\":\"");
    memset(gen_buf + n, 'd', 4000);
    snprintf(gen_buf + n + 4000, sizeof gen_buf - n - 4000, "\"}");
    return gen_buf;
}

static const char *subproblems(int count)
{
    size_t n = (size_t)snprintf(gen_buf, sizeof gen_buf, "{\"type\":\"urn:ietf:params:acme:error:compound\","
                                                        "\"detail\":\"many\",\"subproblems\":[");
    int i;
    for (i = 0; i < count; i++)
        n += (size_t)snprintf(gen_buf + n, sizeof gen_buf - n, "%s{\"type\":\"urn:ietf:params:acme:error:dns\","
                              "\"detail\":\"d%d\",\"identifier\":{\"type\":\"dns\",\"value\":\"n%d.example\"}}", i ? "," : "", i, i);
    snprintf(gen_buf + n, sizeof gen_buf - n, "]}");
    return gen_buf;
}
static const char *gen_subproblems_30(void) { return subproblems(30); }
static const char *gen_subproblems_100(void) { return subproblems(100); }

static const char *authz_list(int count)
{
    size_t n = (size_t)snprintf(gen_buf, sizeof gen_buf, "{\"status\":\"pending\",\"finalize\":\"" CA "/f\",\"authorizations\":[");
    int i;
    for (i = 0; i < count; i++) n += (size_t)snprintf(gen_buf + n, sizeof gen_buf - n, "%s\"" CA "/authz/%d\"", i ? "," : "", i);
    snprintf(gen_buf + n, sizeof gen_buf - n, "]}");
    return gen_buf;
}
static const char *gen_authz_5000(void) { return authz_list(5000); }
static const char *gen_authz_101(void) { return authz_list(ACME2_MAX_AUTHZ + 1); }

/* The leaf and then `count` - 1 more certificates. */
static const char *chain_of(int count)
{
    size_t n = strlen(chain_ok), leaf = (size_t)(strstr(chain_ok, "-----END CERTIFICATE-----") - chain_ok) + 26;
    int i;
    memcpy(gen_buf, chain_ok, leaf);
    n = leaf;
    for (i = 1; i < count && n + leaf + 1 < sizeof gen_buf; i++) {
        memcpy(gen_buf + n, chain_ok, leaf);
        n += leaf;
    }
    gen_buf[n] = 0;
    return gen_buf;
}
static const char *gen_chain_300(void) { return chain_of(300); }

/* The chain cut in the middle of the leaf, and in the middle of the CA
   certificate after it. */
static const char *gen_chain_cut_leaf(void)
{
    size_t leaf_end = (size_t)(strstr(chain_ok, "-----END CERTIFICATE-----") - chain_ok);
    memcpy(gen_buf, chain_ok, leaf_end / 2);
    gen_buf[leaf_end / 2] = 0;
    return gen_buf;
}
static const char *gen_chain_cut_ca(void)
{
    size_t n = strlen(chain_ok), leaf_end = (size_t)(strstr(chain_ok, "-----END CERTIFICATE-----") - chain_ok) + 26;
    size_t cut = leaf_end + (n - leaf_end) / 2;
    memcpy(gen_buf, chain_ok, cut);
    gen_buf[cut] = 0;
    return gen_buf;
}

static const char *gen_truncated_order(void)
{
    memcpy(gen_buf, ORDER_READY, 60);
    gen_buf[60] = 0;
    return gen_buf;
}

/* ------------------------------------------------------------ extra checks */

static int detail_was_cut(const acme2_client *c)
{
    const acme2_problem *p = acme2_client_problem(c);
    size_t n = strlen(p->detail);
    return p->type == ACME2_PROB_MALFORMED && n > 100 && n < ACME2_PROBLEM_STRINGS && strcmp(p->detail + n - 3, "...") == 0;
}

static int subproblems_bounded(const acme2_client *c)
{
    const acme2_problem *p = acme2_client_problem(c);
    return p->type == ACME2_PROB_COMPOUND && p->n_sub == ACME2_MAX_SUBPROBLEMS && p->n_sub_total >= 30 &&
           strcmp(p->sub[0].identifier.value, "n0.example") == 0;
}

static int problem_type_other(const acme2_client *c) { return acme2_client_problem(c)->type == ACME2_PROB_OTHER; }

/* The leaf of chain_ok alone, as PEM (what the issuer rows start from). */
static char leaf_only[4096];
static const char *gen_leaf_only(void)
{
    const char *end = strstr(chain_ok, "-----END CERTIFICATE-----\n");
    size_t n = end ? (size_t)(end - chain_ok) + 26 : 0;
    memcpy(leaf_only, chain_ok, n);
    leaf_only[n] = 0;
    return leaf_only;
}
/* chain_ok's second certificate: the test CA, the leaf's real issuer. */
static const char *gen_issuer_ok(void) { return chain_ok + strlen(gen_leaf_only()); }

/* An orders page listing 100 orders (within ACME2_MAX_TOKENS). */
static const char *gen_orders_100(void)
{
    size_t n = (size_t)snprintf(gen_buf, sizeof gen_buf, "{\"orders\":[");
    int i;
    for (i = 0; i < 100; i++)
        n += (size_t)snprintf(gen_buf + n, sizeof gen_buf - n, "%s\"" CA "/order/%d\"", i ? "," : "", i);
    snprintf(gen_buf + n, sizeof gen_buf - n, "]}");
    return gen_buf;
}

static acme2_authz last_authz;
/* The dns-persist-01 challenge the draft says to reject is there, not usable. */
static int persist_demoted(const acme2_client *c)
{
    (void)c;
    return last_authz.n_challenges == 2 && last_authz.challenges[0].type == ACME2_CHALLENGE_OTHER &&
           strcmp(last_authz.challenges[0].type_str, "dns-persist-01") == 0 &&
           last_authz.challenges[1].type == ACME2_CHALLENGE_HTTP_01;
}
static int rate_limited_not_waited(const acme2_client *c)
{
    return acme2_client_problem(c)->type == ACME2_PROB_RATE_LIMITED && acme2_wait_seconds(c) == 0;
}

/* ------------------------------------------------------------------ table */

/* The operation a row's answer goes to. */
enum {
    OP_DIR,        /* acme2_directory_fetch: the answer to GET directory */
    OP_NONCE,      /* acme2_order_get with no nonce: the answer to HEAD newNonce */
    OP_ACCOUNT,    /* acme2_account_new: the answer to POST newAccount */
    OP_NEW_ORDER,  /* acme2_order_new */
    OP_ORDER,      /* acme2_order_get */
    OP_AUTHZ,      /* acme2_authz_get */
    OP_CHALL,      /* acme2_challenge_accept */
    OP_CERT,       /* acme2_certificate_download */
    OP_ISSUE_AUTHZ,/* acme2_issue resuming a pending order: the authorization */
    OP_ISSUE_CERT, /* acme2_issue resuming a valid order: the certificate */
    OP_ORDERS,     /* acme2_orders_page_get: a page of the account's orders list */
    OP_ISSUER      /* acme2_certificate_issuer_*: the issuer (Link rel="up") of the chain's leaf */
};
static const char *const op_names[] = {
    "directory", "newNonce", "newAccount", "newOrder", "order fetch", "authorization fetch",
    "challenge accept", "certificate download", "acme2_issue: authorization", "acme2_issue: certificate",
    "orders list page", "issuer fetch"
};

#define ROW_BIG_WORK 0x100   /* a 512 KB work buffer instead of 16 KB */
#define ROW_MAX_RESPONSE 0x200 /* opt.max_response = 1024 */

typedef struct row {
    const char *cls;         /* the class of hostile input */
    const char *example;     /* the answer, in words (Markdown) */
    int op;
    int status;
    const char *headers;
    const char *body;
    const char *(*gen)(void);/* builds the body instead */
    int flags;               /* S_NO_NONCE, ROW_* */
    int want;                /* the operation's result */
    int (*check)(const acme2_client *c); /* more to check after it, or NULL */
    const char *note;        /* for the Markdown result column */
} row;

static const row rows[] = {
    /* truncated */
    { "truncated body", "order JSON cut after 60 bytes", OP_ORDER, 200, JSON_CT, NULL, gen_truncated_order, 0,
      ACME2_ERR_PROTOCOL, NULL, NULL },
    { "truncated body", "empty body with `Content-Type: application/json`", OP_ORDER, 200, JSON_CT, "", NULL, 0,
      ACME2_ERR_PROTOCOL, NULL, NULL },
    { "truncated body", "certificate chain cut inside the leaf", OP_ISSUE_CERT, 200, PEM_CT, NULL, gen_chain_cut_leaf, 0,
      ACME2_ERR_PEM, NULL, "nothing handed out" },
    { "truncated body", "certificate chain cut inside the certificate after the leaf", OP_ISSUE_CERT, 200, PEM_CT, NULL,
      gen_chain_cut_ca, 0, ACME2_ERR_PEM, NULL, "nothing handed out" },
    { "truncated body", "empty certificate body", OP_CERT, 200, PEM_CT, "", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    /* invalid JSON */
    { "invalid JSON", "`{\"status\":'ready'}` (single quotes)", OP_ORDER, 200, JSON_CT, "{\"status\":'ready'}", NULL, 0,
      ACME2_ERR_PROTOCOL, NULL, NULL },
    { "invalid JSON", "trailing comma `{...,}`", OP_ORDER, 200, JSON_CT, ORDER_HEAD ",}", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "invalid JSON", "text after the object `{...} x`", OP_ORDER, 200, JSON_CT, ORDER_HEAD "} x", NULL, 0,
      ACME2_ERR_PROTOCOL, NULL, NULL },
    { "invalid JSON", "an array where an object belongs `[...]`", OP_ORDER, 200, JSON_CT, "[" ORDER_HEAD "}]", NULL, 0,
      ACME2_ERR_PROTOCOL, NULL, NULL },
    { "invalid JSON", "a member twice `\"status\":\"pending\",\"status\":\"valid\"`", OP_ORDER, 200, JSON_CT,
      "{\"status\":\"pending\",\"status\":\"valid\",\"authorizations\":[],\"finalize\":\"" CA "/f\"}", NULL, 0,
      ACME2_ERR_PROTOCOL, NULL, NULL },
    { "invalid JSON", "a comment `/* */` in the directory", OP_DIR, 200, JSON_CT, "{/* hi */\"newNonce\":\"" CA "/nonce\"}",
      NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    /* deep nesting */
    { "deep nesting", "100000 nested `[` in an unknown member", OP_ORDER, 200, JSON_CT, NULL, gen_deep_100000,
      ROW_BIG_WORK, ACME2_ERR_PROTOCOL, NULL, "refused in one pass, no recursion" },
    { "deep nesting", "ACME2_JSON_MAX_DEPTH + 1 levels in an unknown member", OP_ORDER, 200, JSON_CT, NULL, gen_depth_33,
      0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "deep nesting", "ACME2_JSON_MAX_DEPTH - 1 levels in an unknown member", OP_ORDER, 200, JSON_CT, NULL, gen_depth_31,
      0, 0, NULL, "accepted: unknown members are ignored" },
    /* huge numbers and strings */
    { "huge numbers", "`\"x\":1e999999` in an unknown member", OP_ORDER, 200, JSON_CT, ORDER_HEAD ",\"x\":1e999999}", NULL,
      0, 0, NULL, "accepted: never converted" },
    { "huge numbers", "a 5000-digit integer in an unknown member", OP_ORDER, 200, JSON_CT, NULL, gen_digits_5000, 0, 0,
      NULL, "accepted: never converted" },
    { "huge numbers", "`\"status\":1e999`", OP_ORDER, 200, JSON_CT,
      "{\"status\":1e999,\"authorizations\":[],\"finalize\":\"" CA "/f\"}", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "huge numbers", "problem document with `\"status\":1e400`", OP_ORDER, 400, PROBLEM_CT,
      "{\"type\":\"urn:ietf:params:acme:error:malformed\",\"status\":1e400,\"detail\":\"x\"}", NULL, 0, ACME2_ERR_PROBLEM,
      NULL, "the problem is reported; its status member is not used" },
    { "huge strings", "a 100 KB string in an unknown member", OP_ORDER, 200, JSON_CT, NULL, gen_string_100k, 0,
      ACME2_ERR_TOO_LARGE, NULL, "bounded by the work buffer" },
    { "huge strings", "a 5 KB string in an unknown member", OP_ORDER, 200, JSON_CT, NULL, gen_string_5k, 0, 0, NULL,
      "accepted when it fits: unknown members are ignored" },
    { "huge strings", "any body over `opt.max_response` (1 KB here)", OP_ORDER, 200, JSON_CT, NULL, gen_string_5k,
      ROW_MAX_RESPONSE, ACME2_ERR_TOO_LARGE, NULL, NULL },
    { "huge strings", "a 4000-byte problem `detail`", OP_ORDER, 400, PROBLEM_CT, NULL, gen_long_detail, 0,
      ACME2_ERR_PROBLEM, detail_was_cut, "the detail is cut and ends in \"...\"" },
    { "huge strings", "a finalize URL longer than ACME2_MAX_URL", OP_ORDER, 200, JSON_CT, NULL, gen_long_finalize, 0,
      ACME2_ERR_PROTOCOL, NULL, NULL },
    { "huge strings", "a 2000-byte challenge token", OP_AUTHZ, 200, JSON_CT, NULL, gen_long_token, 0, ACME2_ERR_NOSPACE,
      NULL, "over ACME2_AUTHZ_STRINGS; a token over ACME2_MAX_TOKEN is refused before any deploy" },
    { "huge strings", "a problem with 30 subproblems", OP_ORDER, 400, PROBLEM_CT, NULL, gen_subproblems_30, 0,
      ACME2_ERR_PROBLEM, subproblems_bounded, "ACME2_MAX_SUBPROBLEMS kept, all counted" },
    { "huge strings", "a problem with 100 subproblems (a 100-name order)", OP_ORDER, 400, PROBLEM_CT, NULL,
      gen_subproblems_100, ROW_BIG_WORK, ACME2_ERR_PROBLEM, subproblems_bounded, "ACME2_MAX_SUBPROBLEMS kept, all counted" },
    /* wrong types */
    { "wrong type", "`\"status\":1`", OP_ORDER, 200, JSON_CT, "{\"status\":1,\"authorizations\":[],\"finalize\":\"" CA "/f\"}",
      NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "wrong type", "`\"authorizations\":\"" CA "/authz/1\"` (a string)", OP_ORDER, 200, JSON_CT,
      "{\"status\":\"ready\",\"authorizations\":\"" CA "/authz/1\",\"finalize\":\"" CA "/f\"}", NULL, 0, ACME2_ERR_PROTOCOL,
      NULL, NULL },
    { "wrong type", "`\"authorizations\":[1,2]`", OP_ORDER, 200, JSON_CT,
      "{\"status\":\"ready\",\"authorizations\":[1,2],\"finalize\":\"" CA "/f\"}", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "wrong type", "`\"finalize\":[]`", OP_ORDER, 200, JSON_CT, "{\"status\":\"ready\",\"authorizations\":[],\"finalize\":[]}",
      NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "wrong type", "`\"certificate\":true`", OP_ORDER, 200, JSON_CT,
      "{\"status\":\"valid\",\"authorizations\":[],\"finalize\":\"" CA "/f\",\"certificate\":true}", NULL, 0,
      ACME2_ERR_PROTOCOL, NULL, NULL },
    { "wrong type", "`\"expires\":5`", OP_ORDER, 200, JSON_CT, ORDER_HEAD ",\"expires\":5}", NULL, 0, ACME2_ERR_PROTOCOL,
      NULL, NULL },
    { "wrong type", "`\"expires\":\"tomorrow\"`", OP_ORDER, 200, JSON_CT, ORDER_HEAD ",\"expires\":\"tomorrow\"}", NULL, 0,
      ACME2_ERR_PROTOCOL, NULL, NULL },
    { "wrong type", "authorization with `\"challenges\":{}`", OP_AUTHZ, 200, JSON_CT, AUTHZ_HEAD "\"challenges\":{}}", NULL, 0,
      ACME2_ERR_PROTOCOL, NULL, NULL },
    { "wrong type", "authorization with `\"identifier\":\"example.org\"`", OP_AUTHZ, 200, JSON_CT,
      "{\"identifier\":\"example.org\",\"status\":\"pending\",\"challenges\":[]}", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "wrong type", "directory with `\"newOrder\":42`", OP_DIR, 200, JSON_CT,
      "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":42}", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "wrong type", "directory with `\"externalAccountRequired\":\"yes\"`", OP_DIR, 200, JSON_CT,
      "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA "/order\","
      "\"meta\":{\"externalAccountRequired\":\"yes\"}}", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "wrong type", "problem document with `\"type\":7`", OP_ORDER, 403, PROBLEM_CT, "{\"type\":7,\"detail\":\"x\"}", NULL, 0,
      ACME2_ERR_PROBLEM, problem_type_other, "reported as a problem of unknown type" },
    /* unknown statuses */
    { "unknown status", "`\"status\":\"almost-ready\"`", OP_ORDER, 200, JSON_CT,
      "{\"status\":\"almost-ready\",\"authorizations\":[],\"finalize\":\"" CA "/f\"}", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "unknown status", "`\"status\":\"VALID\"` (upper case)", OP_ORDER, 200, JSON_CT,
      "{\"status\":\"VALID\",\"authorizations\":[],\"finalize\":\"" CA "/f\"}", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "unknown status", "challenge answered with `\"status\":\"done\"`", OP_CHALL, 200, JSON_CT,
      "{\"type\":\"http-01\",\"url\":\"" CA "/chall/1\",\"status\":\"done\",\"token\":\"tok1\"}", NULL, 0, ACME2_ERR_PROTOCOL,
      NULL, NULL },
    { "unknown status", "HTTP status 600", OP_ORDER, 600, JSON_CT, ORDER_READY, NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "unknown status", "HTTP status 199 as the final answer", OP_ORDER, 199, JSON_CT, ORDER_READY, NULL, 0, ACME2_ERR_HTTP,
      NULL, NULL },
    { "unknown status", "newOrder answered 200 instead of 201", OP_NEW_ORDER, 200, JSON_CT "Location: " CA "/order/1\n",
      ORDER_PENDING, NULL, 0, ACME2_ERR_HTTP, NULL, NULL },
    /* missing headers */
    { "missing header", "no Content-Type", OP_ORDER, 200, "", ORDER_READY, NULL, 0, ACME2_ERR_CONTENT_TYPE, NULL, NULL },
    { "missing header", "newOrder 201 without Location", OP_NEW_ORDER, 201, JSON_CT, ORDER_PENDING, NULL, 0,
      ACME2_ERR_NO_LOCATION, NULL, NULL },
    { "missing header", "newAccount 201 without Location", OP_ACCOUNT, 201, JSON_CT, "{\"status\":\"valid\"}", NULL, 0,
      ACME2_ERR_NO_LOCATION, NULL, NULL },
    { "missing header", "newNonce without Replay-Nonce", OP_NONCE, 200, "", NULL, NULL, S_NO_NONCE, ACME2_ERR_NO_NONCE,
      NULL, NULL },
    { "missing header", "a successful POST without Replay-Nonce", OP_ORDER, 200, JSON_CT, ORDER_READY, NULL, S_NO_NONCE, 0,
      NULL, "result kept; the next request fetches a nonce" },
    /* duplicated headers */
    { "duplicated header", "two Location headers", OP_NEW_ORDER, 201,
      JSON_CT "Location: " CA "/order/1\nLocation: " CA "/order/2\n", ORDER_PENDING, NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "duplicated header", "two Replay-Nonce headers", OP_ORDER, 200, JSON_CT "Replay-Nonce: aaaa\nReplay-Nonce: bbbb\n",
      ORDER_READY, NULL, S_NO_NONCE, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "duplicated header", "two Content-Type headers (JSON, then HTML)", OP_ORDER, 200,
      JSON_CT "Content-Type: text/html\n", ORDER_READY, NULL, 0, ACME2_ERR_CONTENT_TYPE, NULL, "the last one counts" },
    /* not UTF-8 */
    { "not UTF-8", "byte 0xFF inside a string", OP_ORDER, 200, JSON_CT,
      "{\"status\":\"ready\",\"authorizations\":[],\"finalize\":\"" CA "/f\xff\"}", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "not UTF-8", "overlong encoding C0 AF of '/'", OP_ORDER, 200, JSON_CT,
      "{\"status\":\"ready\",\"authorizations\":[],\"finalize\":\"" CA "\xc0\xaf" "f\"}", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "not UTF-8", "lone surrogate `\\ud800`", OP_ORDER, 200, JSON_CT,
      "{\"status\":\"ready\",\"authorizations\":[],\"finalize\":\"" CA "/f\\ud800\"}", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "not UTF-8", "UTF-8 byte order mark before the object", OP_ORDER, 200, JSON_CT, "\xef\xbb\xbf" ORDER_HEAD "}", NULL, 0,
      ACME2_ERR_PROTOCOL, NULL, NULL },
    { "not UTF-8", "`\\u0000` inside a URL", OP_ORDER, 200, JSON_CT,
      "{\"status\":\"ready\",\"authorizations\":[],\"finalize\":\"" CA "/f\\u0000x\"}", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "not UTF-8", "raw control character (0x01) inside a string", OP_ORDER, 200, JSON_CT,
      "{\"status\":\"ready\",\"authorizations\":[],\"finalize\":\"" CA "/f\x01\"}", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "not UTF-8", "byte 0xFF in a problem document", OP_ORDER, 400, PROBLEM_CT, PROB("malformed", "bad \xff"), NULL, 0,
      ACME2_ERR_HTTP, NULL, "an error status whose body is not a problem document" },
    /* many authorizations */
    { "thousands of authorizations", "an order listing 5000 authorizations", OP_ORDER, 200, JSON_CT, NULL, gen_authz_5000, 0,
      ACME2_ERR_TOO_LARGE, NULL, "bounded by the work buffer" },
    { "thousands of authorizations", "the same in a 512 KB work buffer", OP_ORDER, 200, JSON_CT, NULL, gen_authz_5000,
      ROW_BIG_WORK, ACME2_ERR_TOO_LARGE, NULL, "bounded by ACME2_MAX_TOKENS" },
    { "thousands of authorizations", "ACME2_MAX_AUTHZ + 1 authorizations", OP_ORDER, 200, JSON_CT, NULL, gen_authz_101,
      ROW_BIG_WORK, ACME2_ERR_TOO_LARGE, NULL, "bounded by ACME2_MAX_AUTHZ" },
    /* long chains */
    { "hundreds of certificates", "a chain of 300 certificates", OP_CERT, 200, PEM_CT, NULL, gen_chain_300, 0,
      ACME2_ERR_TOO_LARGE, NULL, "bounded by the work buffer (a sink takes any length: its owner bounds it)" },
    /* wrong content type */
    { "wrong content type", "`text/html` for an order", OP_ORDER, 200, "Content-Type: text/html\n", ORDER_READY, NULL, 0,
      ACME2_ERR_CONTENT_TYPE, NULL, NULL },
    { "wrong content type", "`application/json` for a certificate", OP_CERT, 200, JSON_CT, NULL, NULL, 0,
      ACME2_ERR_CONTENT_TYPE, NULL, NULL },
    { "wrong content type", "`application/problem+json` with status 200", OP_ORDER, 200, PROBLEM_CT, ORDER_READY, NULL, 0,
      ACME2_ERR_CONTENT_TYPE, NULL, NULL },
    { "wrong content type", "a 100-character media type", OP_ORDER, 200,
      "Content-Type: application/jsonxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
      ORDER_READY, NULL, 0, ACME2_ERR_CONTENT_TYPE, NULL, NULL },
    { "wrong content type", "`Application/JSON; charset=utf-8`", OP_ORDER, 200, "Content-Type: Application/JSON; charset=utf-8\n",
      ORDER_READY, NULL, 0, 0, NULL, "accepted: case and parameters do not matter" },
    /* redirects */
    { "redirect", "301 with `Location:` on an order fetch", OP_ORDER, 301, "Location: " CA "/elsewhere\n", "", NULL, 0,
      ACME2_ERR_HTTP, NULL, "not followed" },
    { "redirect", "302 on the directory", OP_DIR, 302, "Location: " CA "/dir2\n", "", NULL, 0, ACME2_ERR_HTTP, NULL,
      "not followed" },
    { "redirect", "307 on newOrder", OP_NEW_ORDER, 307, "Location: " CA "/order2\n", "", NULL, 0, ACME2_ERR_HTTP, NULL,
      "not followed" },
    { "redirect", "308 on the certificate", OP_CERT, 308, "Location: " CA "/cert2\n", "", NULL, 0, ACME2_ERR_HTTP, NULL,
      "not followed" },
    /* other headers */
    { "bad header", "Location with a control character", OP_NEW_ORDER, 201, JSON_CT "Location: " CA "/order/1\x01x\n",
      ORDER_PENDING, NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "bad header", "Replay-Nonce with a space", OP_ORDER, 200, JSON_CT "Replay-Nonce: ab cd\n", ORDER_READY, NULL,
      S_NO_NONCE, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "bad header", "Link header without `<...>`", OP_CERT, 200, PEM_CT "Link: " CA "/cert/1/1;rel=\"alternate\"\n", NULL,
      NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "bad header", "429 with `Retry-After: soon`", OP_ORDER, 429, PROBLEM_CT "Retry-After: soon\n",
      PROB("rateLimited", "slow down"), NULL, 0, ACME2_ERR_PROBLEM, rate_limited_not_waited, "not retried, no wait" },
    { "bad header", "429 with `Retry-After: 999999999`", OP_ORDER, 429, PROBLEM_CT "Retry-After: 999999999\n",
      PROB("rateLimited", "slow down"), NULL, 0, ACME2_ERR_PROBLEM, rate_limited_not_waited,
      "not retried: beyond opt.max_wait" },
    /* hostile values */
    { "hostile value", "challenge token `../../etc/passwd`", OP_ISSUE_AUTHZ, 200, JSON_CT,
      AUTHZ_HEAD "\"challenges\":[" CHALL_HTTP("../../etc/passwd") "]}", NULL, 0, ACME2_ERR_TOKEN, NULL,
      "nothing deployed" },
    { "hostile value", "500 with an HTML body", OP_ORDER, 500, "Content-Type: text/html\n", "<html><h1>oops</h1></html>",
      NULL, 0, ACME2_ERR_HTTP, NULL, NULL },
    /* issue 12: orders list, issuer via Link rel="up", dns-persist-01, RFC 9444 */
    { "wrong type", "dns-persist-01 challenge with `\"issuerDomainNames\":\"ca.test\"` (a string)", OP_AUTHZ, 200, JSON_CT,
      AUTHZ_HEAD "\"challenges\":[" CHALL_PERSIST("\"ca.test\"") "]}", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "wrong type", "dns-persist-01 challenge with `\"issuerDomainNames\":[\"ca.test\",7]`", OP_AUTHZ, 200, JSON_CT,
      AUTHZ_HEAD "\"challenges\":[" CHALL_PERSIST("[\"ca.test\",7]") "]}", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "hostile value", "dns-persist-01 challenge with 11 issuerDomainNames (the draft allows 10)", OP_AUTHZ, 200, JSON_CT,
      AUTHZ_HEAD "\"challenges\":[" CHALL_PERSIST("[\"a.test\",\"b.test\",\"c.test\",\"d.test\",\"e.test\",\"f.test\","
      "\"g.test\",\"h.test\",\"i.test\",\"j.test\",\"k.test\"]") "," CHALL_HTTP("tok") "]}", NULL, 0, 0, persist_demoted,
      "kept as an unusable challenge (type other); http-01 stays usable" },
    { "hostile value", "dns-persist-01 challenge with the issuer name `CA.TEST.` (not normalized)", OP_AUTHZ, 200, JSON_CT,
      AUTHZ_HEAD "\"challenges\":[" CHALL_PERSIST("[\"CA.TEST.\"]") "," CHALL_HTTP("tok") "]}", NULL, 0, 0,
      persist_demoted, "kept as an unusable challenge (type other)" },
    { "wrong type", "authorization with `\"subdomainAuthAllowed\":1`", OP_AUTHZ, 200, JSON_CT,
      AUTHZ_HEAD "\"subdomainAuthAllowed\":1,\"challenges\":[]}", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "wrong type", "directory with `\"subdomainAuthAllowed\":\"yes\"`", OP_DIR, 200, JSON_CT,
      "{\"newNonce\":\"" CA "/nonce\",\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA "/order\","
      "\"meta\":{\"subdomainAuthAllowed\":\"yes\"}}", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "wrong type", "account with `\"orders\":5`", OP_ACCOUNT, 201, JSON_CT "Location: " ACCT "\n",
      "{\"status\":\"valid\",\"orders\":5}", NULL, 0, ACME2_ERR_PROTOCOL, NULL, NULL },
    { "wrong type", "orders list `{\"orders\":[1]}`", OP_ORDERS, 200, JSON_CT, "{\"orders\":[1]}", NULL, 0,
      ACME2_ERR_PROTOCOL, NULL, NULL },
    { "thousands of authorizations", "an orders list page of 100 orders", OP_ORDERS, 200, JSON_CT, NULL,
      gen_orders_100, 0, ACME2_ERR_TOO_LARGE, NULL, "bounded by ACME2_MAX_ORDERS_PAGE (32); nothing is cut" },
    { "bad header", "orders list page whose `Link: rel=\"next\"` is the page itself", OP_ORDERS, 200,
      JSON_CT "Link: <" CA "/acct/1/orders>;rel=\"next\"\n", "{\"orders\":[]}", NULL, 0, ACME2_ERR_PROTOCOL, NULL,
      "a loop" },
    { "bad header", "two different `Link: rel=\"up\"` targets", OP_CERT, 200,
      PEM_CT "Link: <" CA "/up/1>;rel=\"up\"\nLink: <" CA "/up/2>;rel=\"up\"\n", NULL, NULL, 0, ACME2_ERR_PROTOCOL,
      NULL, NULL },
    { "hostile value", "the chain's own leaf again as its issuer", OP_ISSUER, 200, PEM_CT, NULL, gen_leaf_only, 0,
      ACME2_ERR_PROTOCOL, NULL, "a loop; nothing appended" },
    { "hostile value", "text as `application/pkix-cert`", OP_ISSUER, 200, "Content-Type: application/pkix-cert\n",
      "not a certificate", NULL, 0, ACME2_ERR_DER, NULL, "nothing appended" },
    { "wrong content type", "`application/json` for an issuer certificate", OP_ISSUER, 200, JSON_CT, "{}", NULL, 0,
      ACME2_ERR_CONTENT_TYPE, NULL, NULL },
    { "hostile value", "the leaf's real issuer", OP_ISSUER, 200, PEM_CT, NULL, gen_issuer_ok, 0, 0, NULL,
      "accepted and appended" },
};

#define N_ROWS ((int)(sizeof rows / sizeof rows[0]))

static const char *err_name(int rc)
{
#define NAME_ITEM(name, value, text) case value: return #name;
    switch (rc) {
    ACME2_ERROR_LIST(NAME_ITEM)
    default: return "?";
    }
#undef NAME_ITEM
}

/* ----------------------------------------------------------------- runner */

static int deployed;
static int count_deploy(void *u, const acme2_challenge_info *ch) { (void)u; (void)ch; deployed++; return 0; }

/* The acme2_issue rows again through the engine, stepped by hand with each
   deploy answered only when the engine is idle: the same hostile answers
   must give the same errors. */
static int engine_mode;
static int engine_issue(acme2_client *c, script *s, const acme2_issue_params *ip)
{
    static acme2_issuance is;
    int pending[8], n_pending = 0, guard = 0, rc;
    rc = acme2_issuance_start(&is, c, ip);
    while (rc == 0 && ++guard < 500) {
        acme2_http_request req;
        int ev = acme2_issuance_step(&is, &req);
        if (ev == ACME2_STEP_HTTP) {
            if (script_transport(s, &req, acme2_client_response(c)) < 0)
                acme2_response_fail(acme2_client_response(c), ACME2_ERR_TRANSPORT);
        } else if (ev == ACME2_STEP_DEPLOY) {
            count_deploy(NULL, acme2_issuance_challenge(&is));
            if (n_pending < 8) pending[n_pending++] = acme2_issuance_challenge_id(&is);
        } else if (ev == ACME2_STEP_IDLE) {
            if (!n_pending) return ACME2_ERR_STATE;
            acme2_issuance_deployed(&is, pending[--n_pending], 0);
        } else if (ev == ACME2_STEP_WAIT) {
            fake_sleep(NULL, (unsigned)acme2_issuance_wait_ms(&is));
        } else if (ev == ACME2_STEP_DONE || ev < 0) {
            rc = ev == ACME2_STEP_DONE ? 0 : ev;
            break;
        }
    }
    acme2_issuance_reset(&is);
    return guard >= 500 ? ACME2_ERR_STATE : rc;
}

/* Runs one row: the hostile answer, the result, then the follow-up. */
static void run_row(int i)
{
    static step steps[8];
    static acme2_client c;
    const row *r = &rows[i];
    script s;
    acme2_options o;
    int n = 0, rc, hostile;
    char *work = (r->flags & ROW_BIG_WORK) ? big_work : small_work;
    size_t work_size = (r->flags & ROW_BIG_WORK) ? sizeof big_work : sizeof small_work;
    acme2_order ord;
    acme2_authz az;
    const char *pem = NULL;
    size_t pem_len = 0;

    memset(steps, 0, sizeof steps);
    o = test_options(); /* the fake clock: bare metal has no default one */
    if (r->flags & ROW_MAX_RESPONSE) o.max_response = 1024;
    /* what comes before the hostile answer */
    if (r->op != OP_DIR) {
        steps[n].method = "GET"; steps[n].url = DIR_URL; steps[n].status = 200; steps[n].headers = JSON_CT;
        steps[n].body = DIRECTORY;
        steps[n].flags = r->op == OP_NONCE ? S_NO_NONCE : 0;
        n++;
    }
    if (r->op == OP_ISSUE_AUTHZ || r->op == OP_ISSUE_CERT) {
        steps[n].method = "POST"; steps[n].url = CA "/order/1"; steps[n].payload = ""; steps[n].status = 200;
        steps[n].headers = JSON_CT; steps[n].body = r->op == OP_ISSUE_CERT ? ORDER_VALID : ORDER_PENDING;
        n++;
    }
    hostile = n;
    steps[n].method = "POST";
    steps[n].payload = "";
    switch (r->op) {
    case OP_DIR: steps[n].method = "GET"; steps[n].url = DIR_URL; steps[n].payload = NULL; break;
    case OP_NONCE: steps[n].method = "HEAD"; steps[n].url = CA "/nonce"; steps[n].payload = NULL; break;
    case OP_ACCOUNT: steps[n].url = CA "/acct"; steps[n].flags = S_JWK; steps[n].payload = NULL; break;
    case OP_NEW_ORDER: steps[n].url = CA "/order"; steps[n].payload = NULL; break;
    case OP_ORDER: steps[n].url = CA "/order/1"; break;
    case OP_AUTHZ: case OP_ISSUE_AUTHZ: steps[n].url = CA "/authz/1"; break;
    case OP_CHALL: steps[n].url = CA "/chall/1"; steps[n].payload = "{}"; break;
    case OP_ORDERS: steps[n].url = CA "/acct/1/orders"; break;
    case OP_ISSUER: steps[n].url = CA "/issuer/1"; break;
    default: steps[n].url = CA "/cert/1"; break;
    }
    steps[n].status = r->status;
    steps[n].headers = r->headers;
    steps[n].body = r->gen ? r->gen() : r->body ? r->body : chain_ok;
    steps[n].flags |= r->flags & 0xff;
    n++;

    script_init(&s, steps, n, &account_key);
    s.kid = ACCT;
    s.chunk = 0;
    REQUIRE(acme2_client_init(&c, DIR_URL, &account_key, work, work_size, script_transport, &s, &o) == 0);
    if (r->op != OP_ACCOUNT) REQUIRE(acme2_client_set_account(&c, ACCT) == 0);
    if (r->op != OP_DIR && r->op != OP_NONCE) REQUIRE(acme2_directory_fetch(&c) == 0);
    if (r->op == OP_NONCE) {
        REQUIRE(acme2_directory_fetch(&c) == 0);
        REQUIRE(c.nonce[0] == 0);
    }

    ord.status = 77;
    az.status = 77;
    deployed = 0;
    switch (r->op) {
    case OP_DIR: rc = acme2_directory_fetch(&c); break;
    case OP_NONCE: case OP_ORDER: rc = acme2_order_get(&c, CA "/order/1", &ord); break;
    case OP_ACCOUNT: {
        acme2_account_params ap;
        acme2_account a;
        memset(&ap, 0, sizeof ap);
        rc = acme2_account_new(&c, &ap, &a);
        break;
    }
    case OP_NEW_ORDER: {
        acme2_order_params op;
        acme2_identifier id;
        id.type = ACME2_ID_DNS;
        id.value = "example.org";
        memset(&op, 0, sizeof op);
        op.ids = &id;
        op.n_ids = 1;
        rc = acme2_order_new(&c, &op, &ord);
        break;
    }
    case OP_AUTHZ:
        rc = acme2_authz_get(&c, CA "/authz/1", &az);
        if (rc == 0) last_authz = az;
        break;
    case OP_ORDERS: {
        static acme2_orders_page pg;
        pg.n_orders = 77;
        rc = acme2_orders_page_get(&c, CA "/acct/1/orders", &pg);
        if (rc < 0) CHECK_MSG(pg.n_orders == 77, "a failed page was written");
        break;
    }
    case OP_ISSUER: {
        static char chain[16384];
        acme2_http_request req;
        size_t len, before;
        snprintf(chain, sizeof chain, "%s", gen_leaf_only());
        len = before = strlen(chain);
        rc = acme2_certificate_issuer_request(&c, CA "/issuer/1", &req);
        if (rc == 0) rc = script_transport(&s, &req, acme2_client_response(&c));
        if (rc == 0) rc = acme2_certificate_issuer_response(&c, chain, sizeof chain, &len);
        if (rc < 0) CHECK_MSG(len == before && strcmp(chain, gen_leaf_only()) == 0, "a failed issuer fetch changed the chain");
        else CHECK_MSG(len == strlen(chain_ok) && strcmp(chain, chain_ok) == 0, "the issuer was not appended as openssl writes it");
        break;
    }
    case OP_CHALL: rc = acme2_challenge_accept(&c, CA "/chall/1"); break;
    case OP_CERT: rc = acme2_certificate_download(&c, CA "/cert/1", &pem, &pem_len); break;
    default: {
        acme2_issue_params ip;
        acme2_identifier id;
        id.type = ACME2_ID_DNS;
        id.value = "example.org";
        memset(&ip, 0, sizeof ip);
        ip.ids = &id;
        ip.n_ids = 1;
        ip.cert_key = &cert_key;
        ip.deploy = count_deploy;
        ip.resume_order = CA "/order/1";
        rc = engine_mode ? engine_issue(&c, &s, &ip) : acme2_issue(&c, &ip, &pem, &pem_len);
        break;
    }
    }
    CHECK_MSG(rc == r->want, "want %s, got %s (%d)", err_name(r->want), err_name(rc), rc);
    CHECK_MSG(s.pos == hostile + 1, "the hostile answer was not the last request (%d of %d)", s.pos, n);
    if (r->check) CHECK_MSG(r->check(&c), "the extra check on the result failed");
    if (rc < 0 && rc != ACME2_ERR_INVALID) {
        CHECK_MSG(ord.status == 77 && az.status == 77, "a failed operation wrote its output");
        CHECK_MSG(deployed == 0, "a challenge was deployed");
    }

    /* The client still works: the directory when it has none, a nonce when
       it has none (the server takes the one it holds), then an order. */
    n = s.pos;
    if (!c.have_dir) {
        steps[n].method = "GET"; steps[n].url = DIR_URL; steps[n].status = 200; steps[n].headers = JSON_CT;
        steps[n].body = DIRECTORY; steps[n].payload = NULL; steps[n].flags = S_NO_NONCE; steps[n].check = NULL;
        n++;
    }
    if (!c.nonce[0]) {
        steps[n].method = "HEAD"; steps[n].url = CA "/nonce"; steps[n].status = 200; steps[n].headers = "";
        steps[n].body = NULL; steps[n].payload = NULL; steps[n].flags = 0; steps[n].check = NULL;
        n++;
    } else {
        size_t l = strlen(c.nonce) < sizeof s.nonce ? strlen(c.nonce) : sizeof s.nonce - 1;
        memcpy(s.nonce, c.nonce, l);
        s.nonce[l] = 0;
    }
    steps[n].method = "POST"; steps[n].url = CA "/order/1"; steps[n].payload = ""; steps[n].status = 200;
    steps[n].headers = JSON_CT; steps[n].body = ORDER_READY; steps[n].flags = 0; steps[n].check = NULL;
    n++;
    s.n = n;
    if (!acme2_client_account(&c)[0]) REQUIRE(acme2_client_set_account(&c, ACCT) == 0);
    memset(&ord, 0, sizeof ord);
    rc = acme2_order_get(&c, CA "/order/1", &ord);
    CHECK_MSG(rc == 0 && ord.status == ACME2_STATUS_READY, "the client does not work afterwards: %s", err_name(rc));
    CHECK_MSG(s.errors == 0 && s.pos == s.n, "%d unexpected requests (%s)", s.errors, s.last_error);
}

/* Each row is one test of its own (named after it). */
static int current_row;
static void one_row(void) { run_row(current_row); }

static void run_every_row(void)
{
    static char name[N_ROWS][160];
    int i;
    setup();
    for (i = 0; i < N_ROWS; i++) {
        snprintf(name[i], sizeof name[i], "row %d: %s: %s (%s)", i + 1, rows[i].cls, rows[i].example, op_names[rows[i].op]);
        current_row = i;
        t__run(name[i], one_row);
    }
    /* The issuance rows once more through the engine with late deploys. */
    engine_mode = 1;
    for (i = 0; i < N_ROWS; i++) {
        static char ename[N_ROWS][180];
        if (rows[i].op != OP_ISSUE_AUTHZ && rows[i].op != OP_ISSUE_CERT) continue;
        snprintf(ename[i], sizeof ename[i], "row %d through the engine, deploys answered late", i + 1);
        current_row = i;
        t__run(ename[i], one_row);
    }
    engine_mode = 0;
}

static void table_has_every_class(void)
{
    static const char *const classes[] = { "truncated body", "invalid JSON", "deep nesting", "huge numbers",
                                           "huge strings", "wrong type", "unknown status", "missing header",
                                           "duplicated header", "not UTF-8", "thousands of authorizations",
                                           "hundreds of certificates", "wrong content type", "redirect" };
    size_t k;
    int i;
    for (k = 0; k < sizeof classes / sizeof classes[0]; k++) {
        int found = 0;
        for (i = 0; i < N_ROWS; i++) found |= strcmp(rows[i].cls, classes[k]) == 0;
        CHECK_MSG(found, "no row for %s", classes[k]);
    }
}

/* Markdown for tests/BADINPUT.md: class, example, result. */
static void print_markdown(void)
{
    int i;
    printf("| class | example (the server's answer) | result |\n");
    printf("|---|---|---|\n");
    for (i = 0; i < N_ROWS; i++) {
        const row *r = &rows[i];
        int big = (r->flags & ROW_BIG_WORK) && !strstr(r->example, "512 KB");
        printf("| %s | %s, to %s%s | `%s`%s%s |\n", r->cls, r->example, op_names[r->op],
               big ? " (512 KB work buffer)" : "", err_name(r->want), r->note ? "; " : "", r->note ? r->note : "");
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--markdown") == 0) {
        print_markdown();
        return 0;
    }
    RUN(table_has_every_class);
    run_every_row();
    return t_done("badinput");
}
