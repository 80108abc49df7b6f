/* json: acme2__json_fill, the table-driven reader that fills a struct from
   the members of an object (one pass over the members, one row per field;
   enumerations, times and cut text through the caller's converter).
   Documents are RFC 8555's examples (section 7.1.4: an authorization, 7.1.3:
   an order), plus hostile variants: duplicates, wrong types, escapes, an
   area too small. */
#include <stddef.h>
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"

#define NTOK 256

static acme2_json_tok toks[NTOK];

static int parse(const char *s)
{
    return acme2_json_parse(s, strlen(s), toks, NTOK);
}

/* RFC 8555 section 7.1.4 (with a wildcard member and one extra member). */
static const char doc_authz[] =
    "{\"status\": \"valid\", \"expires\": \"2015-03-01T14:09:07.99Z\","
    " \"identifier\": {\"type\": \"dns\", \"value\": \"www.example.org\"},"
    " \"challenges\": [{\"url\": \"https://example.com/acme/chall/prV_B7yEyA4\","
    " \"type\": \"http-01\", \"status\": \"valid\", \"token\": \"DGyRejmCefe7v4NfDGDKfA\","
    " \"validated\": \"2014-12-01T12:05:58.16Z\"}],"
    " \"wildcard\": false, \"x-extra\": 1}";

static const char *const statuses[] = { "pending", "ready", "processing", "valid", "invalid",
                                        "deactivated", "expired", "revoked", NULL };

struct authz {
    int status, wildcard, identifier, challenges;
    const char *expires;
};

/* Converter selectors (ACME2__JF_AUX). */
enum { CONV_STATUS = 1, CONV_TYPE, CONV_YEAR, CONV_CUT };

static const acme2__json_field authz_rows[] = {
    { "status", offsetof(struct authz, status), ACME2__JF_CONV, ACME2__JF_REQUIRED | ACME2__JF_AUX(CONV_STATUS) },
    { "expires", offsetof(struct authz, expires), ACME2__JF_STR, 0 },
    { "identifier", offsetof(struct authz, identifier), ACME2__JF_TOK, ACME2__JF_REQUIRED | ACME2__JF_AUX(ACME2_JSON_OBJECT) },
    { "challenges", offsetof(struct authz, challenges), ACME2__JF_TOK, ACME2__JF_REQUIRED | ACME2__JF_AUX(ACME2_JSON_ARRAY) },
    { "wildcard", offsetof(struct authz, wildcard), ACME2__JF_BOOL, 0 },
};
#define NROWS(r) ((int)(sizeof r / sizeof r[0]))

struct challenge {
    int type;
    const char *type_str, *url, *token;
    long long validated;
};

static const char *const types[] = { "http-01", "dns-01", "tls-alpn-01", NULL };

static const acme2__json_field chall_rows[] = {
    /* two rows for one key: the enum and the text */
    { "type", offsetof(struct challenge, type), ACME2__JF_CONV, ACME2__JF_REQUIRED | ACME2__JF_AUX(CONV_TYPE) },
    { "type", offsetof(struct challenge, type_str), ACME2__JF_STR, ACME2__JF_REQUIRED },
    { "url", offsetof(struct challenge, url), ACME2__JF_STR, ACME2__JF_REQUIRED | ACME2__JF_CHECK },
    { "token", offsetof(struct challenge, token), ACME2__JF_STR, 0 },
    { "validated", offsetof(struct challenge, validated), ACME2__JF_CONV, ACME2__JF_AUX(CONV_YEAR) },
};

static int checks_called, convs_called;

static int check_https(acme2__json_area *a, const char *s)
{
    (void)a;
    checks_called++;
    return strncmp(s, "https://", 8) == 0 ? 0 : ACME2_ERR_INSECURE_URL;
}

/* Human text cut to fit the area, ending "..." (never within a UTF-8
   sequence); the library's problem details are read this way. */
static int pack_cut(acme2__json_area *a, const char *js, const acme2_json_tok *t, const char **out)
{
    size_t room = a->cap - a->used, n = 0, raw = (size_t)t->start;
    int rc = acme2__json_pack(a, js, t, out);
    if (rc != ACME2_ERR_NOSPACE || room < 4) return rc;
    while (raw < (size_t)t->end && js[raw] != '\\') {
        size_t l = (unsigned char)js[raw] < 0x80 ? 1 : acme2__utf8_len((const unsigned char *)js + raw, (size_t)t->end - raw);
        if (!l || n + l + 4 > room) break;
        n += l;
        raw += l;
    }
    *out = a->buf + a->used;
    memcpy(a->buf + a->used, js + t->start, n);
    memcpy(a->buf + a->used + n, "...", 4);
    a->used += n + 4;
    return 0;
}

/* The caller's converter: enumerations, the year of an RFC 3339 time (0
   if absent), cut text. */
static int conv(acme2__json_area *a, unsigned aux, const char *js, const acme2_json_tok *t, int i, void *dst)
{
    convs_called++;
    switch (aux) {
    case CONV_STATUS:
    case CONV_TYPE:
        *(int *)dst = i < 0 ? -1 : acme2__json_enum(js, &t[i], aux == CONV_STATUS ? statuses : types);
        /* a status must be known; a challenge type need not be */
        return (aux == CONV_STATUS && i >= 0 && *(int *)dst < 0) ? ACME2_ERR_RANGE : 0;
    case CONV_YEAR:
        if (i < 0) { *(long long *)dst = 0; return 0; }
        if (t[i].type != ACME2_JSON_STRING || t[i].end - t[i].start < 4) return ACME2_ERR_TYPE;
        *(long long *)dst = atoi(js + t[i].start);
        return 0;
    case CONV_CUT:
        if (i >= 0 && t[i].type != ACME2_JSON_STRING) return ACME2_ERR_TYPE;
        return i < 0 ? acme2__json_pack(a, js, NULL, (const char **)dst) : pack_cut(a, js, &t[i], (const char **)dst);
    default:
        return ACME2_ERR_PARAM;
    }
}

static void area_init(acme2__json_area *a, char *buf, size_t cap)
{
    memset(a, 0, sizeof *a);
    a->buf = buf;
    a->cap = cap;
    a->check = check_https;
    a->conv = conv;
}

static void test_fill_authorization(void)
{
    char buf[256];
    acme2__json_area a;
    struct authz z;
    struct challenge ch;
    int n = parse(doc_authz), c0;
    REQUIRE(n > 0);
    area_init(&a, buf, sizeof buf);
    memset(&z, 0x55, sizeof z);
    CHECK_INT(acme2__json_fill(doc_authz, toks, n, 0, authz_rows, NROWS(authz_rows), &z, &a), 0);
    CHECK_INT(z.status, 3); /* "valid" */
    CHECK_INT(z.wildcard, 0);
    CHECK_STR(z.expires, "2015-03-01T14:09:07.99Z");
    REQUIRE(z.identifier > 0 && z.challenges > 0);
    CHECK_INT(toks[z.identifier].type, ACME2_JSON_OBJECT);
    CHECK(acme2_json_eq(doc_authz, &toks[acme2_json_get(doc_authz, toks, n, z.identifier, "value")], "www.example.org"));
    CHECK_INT(toks[z.challenges].size, 1);
    c0 = z.challenges + 1;
    checks_called = convs_called = 0;
    CHECK_INT(acme2__json_fill(doc_authz, toks, n, c0, chall_rows, NROWS(chall_rows), &ch, &a), 0);
    CHECK_INT(ch.type, 0);
    CHECK_STR(ch.type_str, "http-01");
    CHECK_STR(ch.url, "https://example.com/acme/chall/prV_B7yEyA4");
    CHECK_STR(ch.token, "DGyRejmCefe7v4NfDGDKfA");
    CHECK_INT(ch.validated, 2014);
    CHECK_INT(checks_called, 1);
    CHECK_INT(convs_called, 2); /* type and validated */
    /* every string lies in the area, each NUL-terminated, packed in order */
    CHECK(z.expires == buf);
    CHECK(ch.type_str >= buf && ch.token < buf + sizeof buf);
    CHECK_INT(a.used, strlen(z.expires) + 1 + strlen("http-01") + 1 + strlen(ch.url) + 1 + strlen(ch.token) + 1);
}

static void test_fill_absent_members(void)
{
    static const char doc[] = "{\"type\": \"dns-01\", \"url\": \"https://x.example/c/1\"}";
    char buf[64];
    acme2__json_area a;
    struct challenge ch;
    int n = parse(doc);
    REQUIRE(n > 0);
    area_init(&a, buf, sizeof buf);
    memset(&ch, 0x55, sizeof ch);
    convs_called = 0;
    CHECK_INT(acme2__json_fill(doc, toks, n, 0, chall_rows, NROWS(chall_rows), &ch, &a), 0);
    CHECK_INT(ch.type, 1);
    /* absent string: "" in the area (so a copied struct can be rebased) */
    CHECK_STR(ch.token, "");
    CHECK(ch.token >= buf && ch.token < buf + sizeof buf);
    /* absent CONV: the converter is told (i < 0) */
    CHECK_INT(convs_called, 2);
    CHECK_INT(ch.validated, 0);
}

static void test_fill_unknown_enum(void)
{
    static const char doc[] = "{\"type\": \"dns-account-01\", \"url\": \"https://x.example/c/1\"}";
    static const char bad_status[] = "{\"status\": \"almost\", \"identifier\": {}, \"challenges\": []}";
    char buf[64];
    acme2__json_area a;
    struct challenge ch;
    struct authz z;
    int n = parse(doc);
    REQUIRE(n > 0);
    area_init(&a, buf, sizeof buf);
    /* not among the names, and the converter accepts that: -1 */
    CHECK_INT(acme2__json_fill(doc, toks, n, 0, chall_rows, NROWS(chall_rows), &ch, &a), 0);
    CHECK_INT(ch.type, -1);
    CHECK_STR(ch.type_str, "dns-account-01");
    /* the converter refuses an unknown status */
    n = parse(bad_status);
    REQUIRE(n > 0);
    area_init(&a, buf, sizeof buf);
    CHECK_INT(acme2__json_fill(bad_status, toks, n, 0, authz_rows, NROWS(authz_rows), &z, &a), ACME2_ERR_RANGE);
}

static void test_fill_refuses_hostile_objects(void)
{
    static const char dup[] = "{\"status\": \"valid\", \"identifier\": {}, \"challenges\": [], \"status\": \"invalid\"}";
    /* the same key, once escaped: still a duplicate */
    static const char dup_esc[] = "{\"status\": \"valid\", \"identifier\": {}, \"challenges\": [], \"st\\u0061tus\": \"valid\"}";
    static const char missing[] = "{\"status\": \"valid\", \"identifier\": {}}";
    static const char wrong_tok[] = "{\"status\": \"valid\", \"identifier\": [], \"challenges\": []}";
    static const char wrong_bool[] = "{\"status\": \"valid\", \"identifier\": {}, \"challenges\": [], \"wildcard\": \"no\"}";
    static const char wrong_str[] = "{\"status\": \"valid\", \"identifier\": {}, \"challenges\": [], \"expires\": 5}";
    static const char nul_str[] = "{\"status\": \"valid\", \"identifier\": {}, \"challenges\": [], \"expires\": \"a\\u0000b\"}";
    static const char http_url[] = "{\"type\": \"http-01\", \"url\": \"http://x.example/c/1\"}";
    static const char not_obj[] = "[\"status\"]";
    char buf[64];
    acme2__json_area a;
    struct authz z;
    struct challenge ch;
    int n;
#define FILL(doc, rows, out) (n = parse(doc), area_init(&a, buf, sizeof buf), \
                              n > 0 ? acme2__json_fill(doc, toks, n, 0, rows, NROWS(rows), out, &a) : 999)
    CHECK_INT(FILL(dup, authz_rows, &z), ACME2_ERR_JSON);
    CHECK_INT(FILL(dup_esc, authz_rows, &z), ACME2_ERR_JSON);
    CHECK_INT(FILL(missing, authz_rows, &z), ACME2_ERR_NOT_FOUND);
    CHECK_INT(FILL(wrong_tok, authz_rows, &z), ACME2_ERR_TYPE);
    CHECK_INT(FILL(wrong_bool, authz_rows, &z), ACME2_ERR_TYPE);
    CHECK_INT(FILL(wrong_str, authz_rows, &z), ACME2_ERR_TYPE);
    CHECK_INT(FILL(nul_str, authz_rows, &z), ACME2_ERR_JSON);
    CHECK_INT(FILL(http_url, chall_rows, &ch), ACME2_ERR_INSECURE_URL);
    CHECK_INT(FILL(not_obj, authz_rows, &z), ACME2_ERR_TYPE);
    /* a negative object index passes through, as for acme2_json_get */
    CHECK_INT(acme2__json_fill(dup, toks, 1, ACME2_ERR_NOT_FOUND, authz_rows, NROWS(authz_rows), &z, &a), ACME2_ERR_NOT_FOUND);
#undef FILL
}

/* Members of nested objects are not members of the outer one. */
static void test_fill_ignores_nested_keys(void)
{
    static const char doc[] = "{\"identifier\": {\"status\": \"valid\"}, \"challenges\": [], \"status\": \"pending\"}";
    char buf[16];
    acme2__json_area a;
    struct authz z;
    int n = parse(doc);
    REQUIRE(n > 0);
    area_init(&a, buf, sizeof buf);
    CHECK_INT(acme2__json_fill(doc, toks, n, 0, authz_rows, NROWS(authz_rows), &z, &a), 0);
    CHECK_INT(z.status, 0);
}

struct problem {
    const char *type, *detail;
};

static const acme2__json_field problem_rows[] = {
    { "type", offsetof(struct problem, type), ACME2__JF_STR, 0 },
    { "detail", offsetof(struct problem, detail), ACME2__JF_CONV, ACME2__JF_AUX(CONV_CUT) },
};

/* STR that does not fit: NOSPACE; a converter may cut text instead. */
static void test_fill_area_too_small(void)
{
    static const char doc[] = "{\"type\": \"urn:x\", \"detail\": \"0123456789abcdef\"}";
    static const char doc_u[] = "{\"type\": \"urn:x\", \"detail\": \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}";
    char buf[32];
    acme2__json_area a;
    struct problem p;
    int n = parse(doc);
    REQUIRE(n > 0);
    area_init(&a, buf, 16); /* "urn:x\0" leaves 10 bytes */
    CHECK_INT(acme2__json_fill(doc, toks, n, 0, problem_rows, NROWS(problem_rows), &p, &a), 0);
    CHECK_STR(p.type, "urn:x");
    CHECK_STR(p.detail, "012345...");
    CHECK_INT(a.used, 16);
    area_init(&a, buf, 4);
    CHECK_INT(acme2__json_fill(doc, toks, n, 0, problem_rows, NROWS(problem_rows), &p, &a), ACME2_ERR_NOSPACE);
    /* a cut never splits a UTF-8 sequence */
    n = parse(doc_u);
    REQUIRE(n > 0);
    area_init(&a, buf, 6 + 8);
    CHECK_INT(acme2__json_fill(doc_u, toks, n, 0, problem_rows, NROWS(problem_rows), &p, &a), 0);
    CHECK_STR(p.detail, "\xc3\xa9\xc3\xa9...");
}

int main(void)
{
    RUN(test_fill_authorization);
    RUN(test_fill_absent_members);
    RUN(test_fill_unknown_enum);
    RUN(test_fill_refuses_hostile_objects);
    RUN(test_fill_ignores_nested_keys);
    RUN(test_fill_area_too_small);
    return t_done("jsonfill");
}
