/* json: the strict tokenizer (RFC 8259), lookups, unescaping, numbers.
   Buffers handed to the parser are heap copies of exactly the text's length
   wherever an over-read matters, so ASan stops any read of js[len]. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"

#define NTOK 512

/* A heap copy of exactly n bytes (no NUL after it). */
static char *dup_exact(const char *s, size_t n)
{
    char *p = (char *)malloc(n ? n : 1);
    if (p && n) memcpy(p, s, n);
    return p;
}

/* Parses s[0..n) from an exact-size heap copy. */
static int parse_exact(const char *s, size_t n, acme2_json_tok *toks, int max)
{
    char *p = dup_exact(s, n);
    int r = acme2_json_parse(p, n, toks, max);
    free(p);
    return r;
}

static int parse_str(const char *s, acme2_json_tok *toks, int max)
{
    return parse_exact(s, strlen(s), toks, max);
}

/* RFC 8555 section 7.1.1. */
static const char doc_directory[] =
    "{\n"
    "  \"newNonce\": \"https://example.com/acme/new-nonce\",\n"
    "  \"newAccount\": \"https://example.com/acme/new-account\",\n"
    "  \"newOrder\": \"https://example.com/acme/new-order\",\n"
    "  \"newAuthz\": \"https://example.com/acme/new-authz\",\n"
    "  \"revokeCert\": \"https://example.com/acme/revoke-cert\",\n"
    "  \"keyChange\": \"https://example.com/acme/key-change\",\n"
    "  \"meta\": {\n"
    "    \"termsOfService\": \"https://example.com/acme/terms/2017-5-30\",\n"
    "    \"website\": \"https://www.example.com/\",\n"
    "    \"caaIdentities\": [\"example.com\"],\n"
    "    \"externalAccountRequired\": false\n"
    "  }\n"
    "}";

/* RFC 8555 section 7.1.3. */
static const char doc_order[] =
    "{\r\n"
    "  \"status\": \"valid\",\r\n"
    "  \"expires\": \"2016-01-20T14:09:07.99Z\",\r\n"
    "  \"identifiers\": [\r\n"
    "    { \"type\": \"dns\", \"value\": \"www.example.org\" },\r\n"
    "    { \"type\": \"dns\", \"value\": \"example.org\" }\r\n"
    "  ],\r\n"
    "  \"notBefore\": \"2016-01-01T00:00:00Z\",\r\n"
    "  \"notAfter\": \"2016-01-08T00:00:00Z\",\r\n"
    "  \"authorizations\": [\r\n"
    "    \"https://example.com/acme/authz/PAniVnsZcis\",\r\n"
    "    \"https://example.com/acme/authz/r4HqLzrSrpI\"\r\n"
    "  ],\r\n"
    "  \"finalize\": \"https://example.com/acme/order/TOlocE8rfgo/finalize\",\r\n"
    "  \"certificate\": \"https://example.com/acme/cert/mAt3xBGaobw\"\r\n"
    "}";

/* RFC 8555 section 7.1.4, with a second challenge. */
static const char doc_authz[] =
    "{\"status\":\"valid\",\"expires\":\"2015-03-01T14:09:07.99Z\","
    "\"identifier\":{\"type\":\"dns\",\"value\":\"www.example.org\"},"
    "\"challenges\":[{\"url\":\"https://example.com/acme/chall/prV_B7yEyA4\","
    "\"type\":\"http-01\",\"status\":\"valid\",\"token\":\"DGyRejmCefe7v4NfDGDKfA\","
    "\"validated\":\"2014-12-01T12:05:58.16Z\"},"
    "{\"url\":\"https://example.com/acme/chall/Rg5dV14Gh1Q\",\"type\":\"dns-01\","
    "\"status\":\"pending\",\"token\":\"DGyRejmCefe7v4NfDGDKfA\"}],"
    "\"wildcard\":false}";

/* RFC 8555 section 6.7.1. */
static const char doc_problem[] =
    "{\n"
    "\t\"type\": \"urn:ietf:params:acme:error:malformed\",\n"
    "\t\"detail\": \"Some of the identifiers requested were rejected\",\n"
    "\t\"subproblems\": [\n"
    "\t\t{\n"
    "\t\t\t\"type\": \"urn:ietf:params:acme:error:malformed\",\n"
    "\t\t\t\"detail\": \"Invalid underscore in DNS name \\\"_example.org\\\"\",\n"
    "\t\t\t\"identifier\": {\"type\": \"dns\", \"value\": \"_example.org\"}\n"
    "\t\t},\n"
    "\t\t{\n"
    "\t\t\t\"type\": \"urn:ietf:params:acme:error:rejectedIdentifier\",\n"
    "\t\t\t\"detail\": \"This CA will not issue for \\\"example.net\\\"\",\n"
    "\t\t\t\"identifier\": {\"type\": \"dns\", \"value\": \"example.net\"}\n"
    "\t\t}\n"
    "\t]\n"
    "}";

static const char doc_mixed[] =
    "[{\"n\":[0,-0,1.5,-2e10,3E-2,4.25e+1,9223372036854775807],"
    "\"s\":\"caf\\u00e9 \\ud83d\\ude00 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\\\"\\\\\\/\\b\\f\\n\\r\\t\","
    "\"t\":true,\"f\":false,\"z\":null,\"e\":{},\"a\":[[],[{}]]},\"\",0]";

/* ---------------------------------------------------------------- valid */

static void parse_accepts_valid_documents_with_expected_counts(void)
{
    static const struct { const char *s; int n; } ok[] = {
        { "{}", 1 }, { "[]", 1 }, { "0", 1 }, { "-0", 1 }, { "123", 1 },
        { "-1.5e+10", 1 }, { "0.0", 1 }, { "1E5", 1 }, { "1e-0", 1 }, { "0e0", 1 },
        { "\"\"", 1 }, { "\"a\"", 1 }, { "true", 1 }, { "false", 1 }, { "null", 1 },
        { " \t\r\n[ 1 , 2 ]\n\r\t ", 3 },
        { "{\"a\":1}", 3 },
        { "{\"a\":[1,{\"b\":null}],\"c\":\"d\"}", 9 },
        { "[[[]]]", 3 },
        { "{\"\":\"\"}", 3 },
        { "\"\\u0000\"", 1 }, /* valid JSON; acme2_json_str refuses it */
        { "[1,\"a\",true,false,null,{},[]]", 8 },
        { "{\"a\":{\"b\":{\"c\":{}}}}", 7 },
        { "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", 2 },
        { "\"\\uD83D\\uDE00\\u00E9\\uffff\"", 1 },
        { "\"\x7f\"", 1 }, /* DEL is not a control character for JSON */
        { "\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"", 1 },
        { "{\"a\":1,\"a\":2}", 5 }, /* duplicates are syntax-valid; acme2_json_get refuses them */
        { "[-9223372036854775809,1e400,123456789012345678901234567890]", 4 },
    };
    acme2_json_tok toks[64];
    size_t i;
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int r = parse_str(ok[i].s, toks, 64);
        CHECK_MSG(r == ok[i].n, "valid #%d %s: expected %d tokens, got %d", (int)i, ok[i].s, ok[i].n, r);
        r = parse_str(ok[i].s, NULL, 0);
        CHECK_MSG(r == ok[i].n, "valid #%d %s: counting gave %d, expected %d", (int)i, ok[i].s, r, ok[i].n);
    }
    CHECK_INT(parse_exact(doc_directory, sizeof doc_directory - 1, toks, 64), 24);
    CHECK_INT(parse_exact(doc_order, sizeof doc_order - 1, toks, 64), 29);
    CHECK_INT(parse_exact(doc_authz, sizeof doc_authz - 1, toks, 64), 35);
    CHECK_INT(parse_exact(doc_problem, sizeof doc_problem - 1, toks, 64), 29);
    CHECK_INT(parse_exact(doc_mixed, sizeof doc_mixed - 1, toks, 64), 28);
}

static void check_tok(const acme2_json_tok *t, int type, int start, int end, int size, int parent, int idx)
{
    CHECK_MSG(t->type == type && t->start == start && t->end == end && t->size == size && t->parent == parent,
              "token %d: expected {type %d, %d..%d, size %d, parent %d}, got {type %d, %d..%d, size %d, parent %d}",
              idx, type, start, end, size, parent, t->type, t->start, t->end, t->size, t->parent);
}

static void parse_fills_types_offsets_sizes_and_parents(void)
{
    /*                  0 1 2 3 4 5 6 7 8 9 10  13   17 18 19  21  24 25-27 28 29 */
    const char *js = "{\"a\":[1,{\"b\":null}],\"c\":\"d\\n\"}";
    acme2_json_tok t[16];
    REQUIRE(parse_str(js, t, 16) == 9);
    check_tok(&t[0], ACME2_JSON_OBJECT, 0, 30, 2, -1, 0);
    check_tok(&t[1], ACME2_JSON_STRING, 2, 3, 1, 0, 1);
    check_tok(&t[2], ACME2_JSON_ARRAY, 5, 19, 2, 1, 2);
    check_tok(&t[3], ACME2_JSON_NUMBER, 6, 7, 0, 2, 3);
    check_tok(&t[4], ACME2_JSON_OBJECT, 8, 18, 1, 2, 4);
    check_tok(&t[5], ACME2_JSON_STRING, 10, 11, 1, 4, 5);
    check_tok(&t[6], ACME2_JSON_NULL, 13, 17, 0, 5, 6);
    check_tok(&t[7], ACME2_JSON_STRING, 21, 22, 1, 0, 7);
    check_tok(&t[8], ACME2_JSON_STRING, 25, 28, 0, 7, 8);

    /* Root scalars and white space around them. */
    REQUIRE(parse_str("  -12.5e3 \n", t, 16) == 1);
    check_tok(&t[0], ACME2_JSON_NUMBER, 2, 9, 0, -1, 0);
    REQUIRE(parse_str("\t\"x\\\"y\"", t, 16) == 1);
    check_tok(&t[0], ACME2_JSON_STRING, 2, 6, 0, -1, 0);
    REQUIRE(parse_str("[true,false,null]", t, 16) == 4);
    check_tok(&t[0], ACME2_JSON_ARRAY, 0, 17, 3, -1, 0);
    check_tok(&t[1], ACME2_JSON_TRUE, 1, 5, 0, 0, 1);
    check_tok(&t[2], ACME2_JSON_FALSE, 6, 11, 0, 0, 2);
    check_tok(&t[3], ACME2_JSON_NULL, 12, 16, 0, 0, 3);
    /* Empty containers and a key whose value is an empty container. */
    REQUIRE(parse_str("{\"k\": [ ] , \"o\" :{ }}", t, 16) == 5);
    check_tok(&t[0], ACME2_JSON_OBJECT, 0, 21, 2, -1, 0);
    check_tok(&t[1], ACME2_JSON_STRING, 2, 3, 1, 0, 1);
    check_tok(&t[2], ACME2_JSON_ARRAY, 6, 9, 0, 1, 2);
    check_tok(&t[3], ACME2_JSON_STRING, 13, 14, 1, 0, 3);
    check_tok(&t[4], ACME2_JSON_OBJECT, 17, 20, 0, 3, 4);
}

static void parse_spot_checks_acme_documents(void)
{
    acme2_json_tok t[64];
    int n = parse_exact(doc_order, sizeof doc_order - 1, t, 64), ids, auths;
    REQUIRE(n == 29);
    ids = acme2_json_get(doc_order, t, n, 0, "identifiers");
    REQUIRE(ids > 0);
    CHECK_INT(t[ids].type, ACME2_JSON_ARRAY);
    CHECK_INT(t[ids].size, 2);
    CHECK_INT(t[ids - 1].type, ACME2_JSON_STRING);
    CHECK_INT(t[ids].parent, ids - 1);
    CHECK_INT(t[ids - 1].parent, 0);
    CHECK_INT(t[acme2_json_at(t, n, ids, 1)].size, 2);
    auths = acme2_json_get(doc_order, t, n, 0, "authorizations");
    REQUIRE(auths > 0);
    CHECK_INT(t[auths].size, 2);
    CHECK(acme2_json_eq(doc_order, &t[acme2_json_at(t, n, auths, 1)],
                        "https://example.com/acme/authz/r4HqLzrSrpI"));
    /* The array's extent covers exactly its brackets. */
    CHECK_INT(doc_order[t[auths].start], '[');
    CHECK_INT(doc_order[t[auths].end - 1], ']');
    CHECK_INT(t[0].start, 0);
    CHECK_INT(t[0].end, (int)sizeof doc_order - 1);
    CHECK_INT(t[0].size, 8);
}

/* -------------------------------------------------------------- invalid */

struct bad_doc { const char *s; int len; int err; const char *why; };

static const struct bad_doc bad_docs[] = {
    /* trailing or stray commas */
    { "[1,]", -1, ACME2_ERR_JSON, "trailing comma in array" },
    { "{\"a\":1,}", -1, ACME2_ERR_JSON, "trailing comma in object" },
    { "[,]", -1, ACME2_ERR_JSON, "lone comma" },
    { "[,1]", -1, ACME2_ERR_JSON, "leading comma" },
    { "{,}", -1, ACME2_ERR_JSON, "lone comma in object" },
    { "[1,,2]", -1, ACME2_ERR_JSON, "double comma" },
    { "{\"a\":1,,\"b\":2}", -1, ACME2_ERR_JSON, "double comma in object" },
    { "1,", -1, ACME2_ERR_JSON, "comma after root" },
    { ",1", -1, ACME2_ERR_JSON, "comma before root" },
    /* numbers */
    { "01", -1, ACME2_ERR_JSON, "leading zero" },
    { "-01", -1, ACME2_ERR_JSON, "negative leading zero" },
    { "[00]", -1, ACME2_ERR_JSON, "double zero" },
    { "{\"a\":007}", -1, ACME2_ERR_JSON, "leading zeros in member" },
    { "1.", -1, ACME2_ERR_JSON, "fraction without digits" },
    { "[1.]", -1, ACME2_ERR_JSON, "fraction without digits in array" },
    { ".5", -1, ACME2_ERR_JSON, "no integer part" },
    { "+1", -1, ACME2_ERR_JSON, "plus sign" },
    { "1e", -1, ACME2_ERR_JSON, "exponent without digits" },
    { "1e+", -1, ACME2_ERR_JSON, "signed exponent without digits" },
    { "1E-", -1, ACME2_ERR_JSON, "signed exponent without digits (E)" },
    { "[1e]", -1, ACME2_ERR_JSON, "exponent without digits in array" },
    { "1.e1", -1, ACME2_ERR_JSON, "fraction without digits before exponent" },
    { "-", -1, ACME2_ERR_JSON, "lone minus" },
    { "[-]", -1, ACME2_ERR_JSON, "lone minus in array" },
    { "--1", -1, ACME2_ERR_JSON, "double minus" },
    { "-a", -1, ACME2_ERR_JSON, "minus and letter" },
    { "0x10", -1, ACME2_ERR_JSON, "hex number" },
    { "1.5.2", -1, ACME2_ERR_JSON, "two fractions" },
    { "1e5e5", -1, ACME2_ERR_JSON, "two exponents" },
    { "12a", -1, ACME2_ERR_JSON, "letter after number" },
    /* escapes */
    { "\"\\x\"", -1, ACME2_ERR_JSON, "unknown escape \\x" },
    { "\"\\'\"", -1, ACME2_ERR_JSON, "unknown escape \\'" },
    { "\"\\a\"", -1, ACME2_ERR_JSON, "unknown escape \\a" },
    { "\"\\U0041\"", -1, ACME2_ERR_JSON, "upper-case \\U" },
    { "\"\\u12G4\"", -1, ACME2_ERR_JSON, "non-hex digit in \\u" },
    { "\"\\u12\"", -1, ACME2_ERR_JSON, "short \\u" },
    { "\"\\u\"", -1, ACME2_ERR_JSON, "empty \\u" },
    { "\"\\u 123\"", -1, ACME2_ERR_JSON, "space in \\u" },
    { "\"\\", -1, ACME2_ERR_JSON, "backslash at end of input" },
    { "\"\\\"", -1, ACME2_ERR_JSON, "escaped closing quote, unterminated" },
    { "\"\\u00e", -1, ACME2_ERR_JSON, "\\u cut by end of input" },
    /* raw control characters */
    { "\"a\x01" "b\"", -1, ACME2_ERR_JSON, "raw 0x01" },
    { "\"\x1f\"", -1, ACME2_ERR_JSON, "raw 0x1f" },
    { "\"a\nb\"", -1, ACME2_ERR_JSON, "raw newline" },
    { "\"\t\"", -1, ACME2_ERR_JSON, "raw tab" },
    { "\"\r\"", -1, ACME2_ERR_JSON, "raw CR" },
    { "\"a\0b\"", 5, ACME2_ERR_JSON, "raw NUL" },
    /* invalid UTF-8 */
    { "\"\xc0\xaf\"", -1, ACME2_ERR_JSON, "overlong 2-byte /" },
    { "\"\xc1\xbf\"", -1, ACME2_ERR_JSON, "overlong 2-byte" },
    { "\"\xe0\x80\xaf\"", -1, ACME2_ERR_JSON, "overlong 3-byte" },
    { "\"\xe0\x9f\xbf\"", -1, ACME2_ERR_JSON, "overlong 3-byte U+07FF" },
    { "\"\xf0\x80\x80\xaf\"", -1, ACME2_ERR_JSON, "overlong 4-byte" },
    { "\"\xf0\x8f\xbf\xbf\"", -1, ACME2_ERR_JSON, "overlong 4-byte U+FFFF" },
    { "\"\xed\xa0\x80\"", -1, ACME2_ERR_JSON, "UTF-8 encoded high surrogate" },
    { "\"\xed\xbf\xbf\"", -1, ACME2_ERR_JSON, "UTF-8 encoded low surrogate" },
    { "\"\xed\xa0\xbd\xed\xb8\x80\"", -1, ACME2_ERR_JSON, "CESU-8 pair" },
    { "\"\xf4\x90\x80\x80\"", -1, ACME2_ERR_JSON, "above U+10FFFF" },
    { "\"\xf5\x80\x80\x80\"", -1, ACME2_ERR_JSON, "lead byte 0xf5" },
    { "\"\xf8\x88\x80\x80\x80\"", -1, ACME2_ERR_JSON, "5-byte form" },
    { "\"\xff\"", -1, ACME2_ERR_JSON, "byte 0xff" },
    { "\"\xfe\"", -1, ACME2_ERR_JSON, "byte 0xfe" },
    { "\"\x80\"", -1, ACME2_ERR_JSON, "lone continuation byte" },
    { "\"\xbf\xbf\"", -1, ACME2_ERR_JSON, "continuation bytes only" },
    { "\"\xc3\"", -1, ACME2_ERR_JSON, "truncated 2-byte before quote" },
    { "\"\xe2\x82\"", -1, ACME2_ERR_JSON, "truncated 3-byte before quote" },
    { "\"\xf0\x9f\x98\"", -1, ACME2_ERR_JSON, "truncated 4-byte before quote" },
    { "\"\xc3\x28\"", -1, ACME2_ERR_JSON, "bad continuation" },
    { "\"\xe2\x28\xa1\"", -1, ACME2_ERR_JSON, "bad second byte of 3" },
    { "\"\xf0\x9f\x28\x80\"", -1, ACME2_ERR_JSON, "bad third byte of 4" },
    { "\"\xc3", -1, ACME2_ERR_JSON, "truncated 2-byte at end of input" },
    { "\"\xf0\x9f\x98", -1, ACME2_ERR_JSON, "truncated 4-byte at end of input" },
    { "\xef\xbb\xbf{}", -1, ACME2_ERR_JSON, "byte order mark" },
    /* surrogates in \u escapes */
    { "\"\\ud83d\"", -1, ACME2_ERR_JSON, "lone high surrogate" },
    { "\"\\ud83dx\"", -1, ACME2_ERR_JSON, "high surrogate then a letter" },
    { "\"\\ud83d\\u0041\"", -1, ACME2_ERR_JSON, "high surrogate then a BMP escape" },
    { "\"\\ud83d\\ud83d\"", -1, ACME2_ERR_JSON, "two high surrogates" },
    { "\"\\ude00\"", -1, ACME2_ERR_JSON, "lone low surrogate" },
    { "\"\\ude00\\ud83d\"", -1, ACME2_ERR_JSON, "low then high surrogate" },
    { "\"\\udfff\"", -1, ACME2_ERR_JSON, "lone U+DFFF" },
    { "\"\\udc00\\udc00\"", -1, ACME2_ERR_JSON, "two low surrogates" },
    { "\"\\ud83d\\ue000\"", -1, ACME2_ERR_JSON, "high surrogate then U+E000" },
    { "\"\\udbff\\uffff\"", -1, ACME2_ERR_JSON, "high surrogate then U+FFFF" },
    { "\"\\ud83d\\ud7ff\"", -1, ACME2_ERR_JSON, "high surrogate then U+D7FF" },
    { "\"\\ud800\\n\"", -1, ACME2_ERR_JSON, "high surrogate then another escape" },
    { "\"\\ud83d\\", -1, ACME2_ERR_JSON, "high surrogate cut by end of input" },
    { "\"\\ud83d\\ude0", -1, ACME2_ERR_JSON, "low surrogate cut by end of input" },
    { "\"\\ud83d\\ude0\"", -1, ACME2_ERR_JSON, "short low surrogate" },
    { "\"\\ud83d\xed\xb8\x80\"", -1, ACME2_ERR_JSON, "escaped high, raw low" },
    /* trailing garbage */
    { "{} x", -1, ACME2_ERR_JSON, "letter after root" },
    { "1 2", -1, ACME2_ERR_JSON, "two roots" },
    { "{}{}", -1, ACME2_ERR_JSON, "two objects" },
    { "[]]", -1, ACME2_ERR_JSON, "extra bracket" },
    { "\"a\"\"b\"", -1, ACME2_ERR_JSON, "two strings" },
    { "null\0", 5, ACME2_ERR_JSON, "NUL after root" },
    { "true\f", -1, ACME2_ERR_JSON, "form feed is not white space" },
    { "1\v", -1, ACME2_ERR_JSON, "vertical tab is not white space" },
    { "\xc2\xa0" "1", -1, ACME2_ERR_JSON, "no-break space is not white space" },
    { "[1]//", -1, ACME2_ERR_JSON, "comment after root" },
    { "/*x*/1", -1, ACME2_ERR_JSON, "comment before root" },
    /* unbalanced brackets */
    { "[", -1, ACME2_ERR_JSON, "open array" },
    { "{", -1, ACME2_ERR_JSON, "open object" },
    { "]", -1, ACME2_ERR_JSON, "close array" },
    { "}", -1, ACME2_ERR_JSON, "close object" },
    { "[}", -1, ACME2_ERR_JSON, "array closed as object" },
    { "{]", -1, ACME2_ERR_JSON, "object closed as array" },
    { "[[]", -1, ACME2_ERR_JSON, "unclosed outer array" },
    { "{\"a\":[1}", -1, ACME2_ERR_JSON, "array closed by brace" },
    { "{\"a\":1", -1, ACME2_ERR_JSON, "unclosed object" },
    { "[1", -1, ACME2_ERR_JSON, "unclosed array after element" },
    { "[1,", -1, ACME2_ERR_JSON, "unclosed array after comma" },
    { "\"abc", -1, ACME2_ERR_JSON, "unterminated string" },
    /* keys and colons */
    { "{1:2}", -1, ACME2_ERR_JSON, "number key" },
    { "{a:1}", -1, ACME2_ERR_JSON, "bare key" },
    { "{null:1}", -1, ACME2_ERR_JSON, "null key" },
    { "{[]:1}", -1, ACME2_ERR_JSON, "array key" },
    { "{{}:1}", -1, ACME2_ERR_JSON, "object key" },
    { "{'a':1}", -1, ACME2_ERR_JSON, "single-quoted key" },
    { "{\"a\" 1}", -1, ACME2_ERR_JSON, "missing colon" },
    { "{\"a\"}", -1, ACME2_ERR_JSON, "key without value" },
    { "{\"a\":}", -1, ACME2_ERR_JSON, "colon without value" },
    { "{\"a\",1}", -1, ACME2_ERR_JSON, "comma instead of colon" },
    { "{\"a\"::1}", -1, ACME2_ERR_JSON, "double colon" },
    { "{:1}", -1, ACME2_ERR_JSON, "colon without key" },
    { "{\"a\":1:2}", -1, ACME2_ERR_JSON, "second colon" },
    { "{\"a\":1 \"b\":2}", -1, ACME2_ERR_JSON, "missing comma between members" },
    { "[1:2]", -1, ACME2_ERR_JSON, "colon in array" },
    { "[\"a\":1]", -1, ACME2_ERR_JSON, "member in array" },
    { "[1 2]", -1, ACME2_ERR_JSON, "missing comma between elements" },
    { "\"a\":1", -1, ACME2_ERR_JSON, "member at root" },
    /* empty input and foreign literals */
    { "", 0, ACME2_ERR_JSON, "empty input" },
    { " \t\r\n", -1, ACME2_ERR_JSON, "only white space" },
    { "NaN", -1, ACME2_ERR_JSON, "NaN" },
    { "Infinity", -1, ACME2_ERR_JSON, "Infinity" },
    { "-Infinity", -1, ACME2_ERR_JSON, "-Infinity" },
    { "[nan]", -1, ACME2_ERR_JSON, "nan" },
    { "tru", -1, ACME2_ERR_JSON, "cut true" },
    { "True", -1, ACME2_ERR_JSON, "True" },
    { "nul", -1, ACME2_ERR_JSON, "cut null" },
    { "nulll", -1, ACME2_ERR_JSON, "null and a letter" },
    { "falsey", -1, ACME2_ERR_JSON, "false and letters" },
    { "[truefalse]", -1, ACME2_ERR_JSON, "literals without comma" },
    { "undefined", -1, ACME2_ERR_JSON, "undefined" },
    { "'a'", -1, ACME2_ERR_JSON, "single-quoted string" },
    { "[\"a\",]", -1, ACME2_ERR_JSON, "trailing comma after string" },
};

static void parse_refuses_each_strictness_rule(void)
{
    acme2_json_tok toks[64];
    size_t i;
    for (i = 0; i < sizeof bad_docs / sizeof bad_docs[0]; i++) {
        size_t n = bad_docs[i].len < 0 ? strlen(bad_docs[i].s) : (size_t)bad_docs[i].len;
        int r = parse_exact(bad_docs[i].s, n, toks, 64);
        CHECK_MSG(r == bad_docs[i].err, "%s: expected %d, got %d", bad_docs[i].why, bad_docs[i].err, r);
        r = parse_exact(bad_docs[i].s, n, NULL, 0);
        CHECK_MSG(r == bad_docs[i].err, "%s (counting): expected %d, got %d", bad_docs[i].why, bad_docs[i].err, r);
        /* A syntax error wins over a lack of tokens. */
        r = parse_exact(bad_docs[i].s, n, toks, 0);
        CHECK_MSG(r == bad_docs[i].err, "%s (no tokens): expected %d, got %d", bad_docs[i].why, bad_docs[i].err, r);
    }
}

/* Every single byte inside quotes: only printable ASCII other than '"' and
   '\\' stands alone (bytes >= 0x80 need a full UTF-8 sequence). */
static void parse_classifies_every_byte_inside_a_string(void)
{
    int b;
    for (b = 0; b < 256; b++) {
        char s[3];
        int want = (b >= 0x20 && b < 0x80 && b != '"' && b != '\\') ? 1 : ACME2_ERR_JSON;
        s[0] = '"'; s[1] = (char)b; s[2] = '"';
        CHECK_MSG(parse_exact(s, 3, NULL, 0) == want, "byte 0x%02x inside a string", b);
    }
}

static void parse_accepts_only_the_rfc_escapes(void)
{
    int b;
    for (b = 0; b < 256; b++) {
        char s[4];
        int want = (b && strchr("\"\\/bfnrt", b)) ? 1 : ACME2_ERR_JSON;
        s[0] = '"'; s[1] = '\\'; s[2] = (char)b; s[3] = '"';
        CHECK_MSG(parse_exact(s, 4, NULL, 0) == want, "escape \\%c (0x%02x)", b > 32 && b < 127 ? b : '?', b);
    }
}

static void parse_accepts_first_and_last_of_each_utf8_length(void)
{
    static const char *ok[] = {
        "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf",
        "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
    };
    size_t i;
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char s[16];
        size_t n = strlen(ok[i]);
        s[0] = '"';
        memcpy(s + 1, ok[i], n);
        s[n + 1] = '"';
        CHECK_MSG(parse_exact(s, n + 2, NULL, 0) == 1, "UTF-8 boundary #%d refused", (int)i);
        /* Cut before the closing quote: truncated at every length. */
        while (--n > 0) {
            s[n + 1] = '"';
            CHECK_MSG(parse_exact(s, n + 2, NULL, 0) == ACME2_ERR_JSON, "UTF-8 #%d cut to %d bytes accepted",
                      (int)i, (int)n);
        }
    }
}

/* The string scanner looks at 8 bytes at a time: put each kind of special
   byte at every position of strings of many lengths. */
static void parse_finds_special_bytes_at_every_alignment(void)
{
    char s[80];
    int len, pos, k;
    for (len = 1; len < 40; len++) {
        for (pos = 0; pos < len; pos++) {
            static const struct { const char *ins; int want; } kinds[] = {
                { "\x01", ACME2_ERR_JSON }, { "\x1f", ACME2_ERR_JSON }, { "\x80", ACME2_ERR_JSON },
                { "\xc3\xa9", 1 }, { "\\\"", 1 }, { "\\u00e9", 1 }, { "\"", ACME2_ERR_JSON },
                { "\\", ACME2_ERR_JSON }, { "\xf0\x9f\x98\x80", 1 }, { "\xff", ACME2_ERR_JSON },
                { " ", 1 }, { "\x7f", 1 },
            };
            for (k = 0; k < (int)(sizeof kinds / sizeof kinds[0]); k++) {
                size_t il = strlen(kinds[k].ins), n = 0;
                s[n++] = '"';
                memset(s + n, 'a', (size_t)pos); n += (size_t)pos;
                memcpy(s + n, kinds[k].ins, il); n += il;
                memset(s + n, 'x', (size_t)(len - pos)); n += (size_t)(len - pos);
                s[n++] = '"';
                CHECK_MSG(parse_exact(s, n, NULL, 0) == kinds[k].want,
                          "special #%d at %d of %d: expected %d", k, pos, len, kinds[k].want);
            }
        }
        /* Unterminated: the scanner must stop at the end of the input. */
        s[0] = '"';
        memset(s + 1, 'a', (size_t)len);
        CHECK_MSG(parse_exact(s, (size_t)len + 1, NULL, 0) == ACME2_ERR_JSON, "unterminated length %d", len);
        s[len + 1] = '"';
        CHECK_MSG(parse_exact(s, (size_t)len + 2, NULL, 0) == 1, "plain length %d", len);
    }
}

/* ---------------------------------------------------------------- depth */

static void make_nested(char *buf, int depth, int objects)
{
    int i, n = 0;
    for (i = 0; i < depth; i++) {
        if (objects) { memcpy(buf + n, "{\"k\":", 5); n += 5; }
        else buf[n++] = '[';
    }
    if (objects) buf[n++] = '1';
    for (i = 0; i < depth; i++) buf[n++] = objects ? '}' : ']';
    buf[n] = 0;
}

static void parse_accepts_depth_limit_and_refuses_one_more(void)
{
    static char buf[8 * (ACME2_JSON_MAX_DEPTH + 2) + 16];
    static acme2_json_tok toks[3 * ACME2_JSON_MAX_DEPTH + 8];
    int max = (int)(sizeof toks / sizeof toks[0]);
    make_nested(buf, ACME2_JSON_MAX_DEPTH, 0);
    CHECK_INT(parse_str(buf, toks, max), ACME2_JSON_MAX_DEPTH);
    CHECK_INT(parse_str(buf, NULL, 0), ACME2_JSON_MAX_DEPTH);
    CHECK_INT(toks[ACME2_JSON_MAX_DEPTH - 1].parent, ACME2_JSON_MAX_DEPTH - 2);
    make_nested(buf, ACME2_JSON_MAX_DEPTH + 1, 0);
    CHECK_INT(parse_str(buf, toks, max), ACME2_ERR_JSON_DEPTH);
    CHECK_INT(parse_str(buf, NULL, 0), ACME2_ERR_JSON_DEPTH);

    make_nested(buf, ACME2_JSON_MAX_DEPTH, 1);
    CHECK_INT(parse_str(buf, toks, max), 2 * ACME2_JSON_MAX_DEPTH + 1);
    CHECK_INT(parse_str(buf, NULL, 0), 2 * ACME2_JSON_MAX_DEPTH + 1);
    make_nested(buf, ACME2_JSON_MAX_DEPTH + 1, 1);
    CHECK_INT(parse_str(buf, toks, max), ACME2_ERR_JSON_DEPTH);
    CHECK_INT(parse_str(buf, NULL, 0), ACME2_ERR_JSON_DEPTH);

    /* Unclosed but too deep: the depth error comes first. */
    make_nested(buf, ACME2_JSON_MAX_DEPTH + 1, 0);
    CHECK_INT(parse_exact(buf, ACME2_JSON_MAX_DEPTH + 1, NULL, 0), ACME2_ERR_JSON_DEPTH);
    /* At the limit but unclosed: a syntax error. */
    CHECK_INT(parse_exact(buf, ACME2_JSON_MAX_DEPTH, NULL, 0), ACME2_ERR_JSON);
}

static void parse_depth_is_nesting_not_count(void)
{
    /* Many siblings, each nested up to the limit: depth returns to 1. */
    static char buf[64 * (ACME2_JSON_MAX_DEPTH * 2 + 1) + 4];
    int i, j, n = 0;
    buf[n++] = '[';
    for (i = 0; i < 64; i++) {
        if (i) buf[n++] = ',';
        for (j = 1; j < ACME2_JSON_MAX_DEPTH; j++) buf[n++] = '[';
        for (j = 1; j < ACME2_JSON_MAX_DEPTH; j++) buf[n++] = ']';
    }
    buf[n++] = ']';
    CHECK_INT(parse_exact(buf, (size_t)n, NULL, 0), 1 + 64 * (ACME2_JSON_MAX_DEPTH - 1));
}

static void parse_refuses_very_deep_input_quickly(void)
{
    size_t n = 1000000;
    char *p = (char *)malloc(n);
    REQUIRE(p != NULL);
    memset(p, '[', n);
    CHECK_INT(acme2_json_parse(p, n, NULL, 0), ACME2_ERR_JSON_DEPTH);
    memset(p, '{', n);
    CHECK_INT(acme2_json_parse(p, n, NULL, 0), ACME2_ERR_JSON);
    free(p);
}

/* ------------------------------------------------------ counts and space */

static const char *const count_docs[] = {
    "{}", "[1,[2,[3]],{\"a\":{\"b\":[true,false,null]}}]", "\"x\"",
    "{\"a\":1,\"b\":\"2\",\"c\":[3,4,{\"d\":5}],\"e\":{}}",
};

static void parse_counting_equals_actual_count(void)
{
    static const struct { const char *s; size_t n; } docs[] = {
        { doc_directory, sizeof doc_directory - 1 }, { doc_order, sizeof doc_order - 1 },
        { doc_authz, sizeof doc_authz - 1 }, { doc_problem, sizeof doc_problem - 1 },
        { doc_mixed, sizeof doc_mixed - 1 },
    };
    acme2_json_tok toks[NTOK];
    size_t i;
    for (i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        int need = parse_exact(docs[i].s, docs[i].n, NULL, 0);
        CHECK(need > 0);
        CHECK_MSG(parse_exact(docs[i].s, docs[i].n, toks, NTOK) == need, "doc %d", (int)i);
        CHECK_MSG(parse_exact(docs[i].s, docs[i].n, toks, need) == need, "doc %d with exactly enough", (int)i);
        /* max_toks is ignored without tokens */
        CHECK_INT(acme2_json_parse(docs[i].s, docs[i].n, NULL, -5), need);
    }
    for (i = 0; i < sizeof count_docs / sizeof count_docs[0]; i++)
        CHECK_INT(parse_str(count_docs[i], NULL, 0), parse_str(count_docs[i], toks, NTOK));
}

static void parse_reports_nospace_with_too_few_tokens(void)
{
    acme2_json_tok toks[NTOK];
    int need = parse_exact(doc_authz, sizeof doc_authz - 1, NULL, 0), k;
    REQUIRE(need == 35);
    for (k = 0; k < need; k++)
        CHECK_MSG(parse_exact(doc_authz, sizeof doc_authz - 1, toks, k) == ACME2_ERR_NOSPACE,
                  "%d tokens of %d", k, need);
    CHECK_INT(parse_exact(doc_authz, sizeof doc_authz - 1, toks, need), need);
    CHECK_INT(parse_str("1", toks, 0), ACME2_ERR_NOSPACE);
    CHECK_INT(parse_str("[1,2]", toks, 2), ACME2_ERR_NOSPACE);
    /* With too few tokens, a later syntax error still wins. */
    CHECK_INT(parse_str("[1,2,3,]", toks, 2), ACME2_ERR_JSON);
    {
        static char deep[ACME2_JSON_MAX_DEPTH + 16];
        memcpy(deep, "[1,2,3,", 7);
        memset(deep + 7, '[', ACME2_JSON_MAX_DEPTH);
        CHECK_INT(parse_exact(deep, ACME2_JSON_MAX_DEPTH + 7, toks, 2), ACME2_ERR_JSON_DEPTH);
    }
}

static void parse_never_writes_more_than_max_toks(void)
{
    acme2_json_tok toks[NTOK + 1], guard;
    int need = parse_exact(doc_problem, sizeof doc_problem - 1, NULL, 0), k;
    REQUIRE(need > 0 && need < NTOK);
    memset(&guard, 0x5a, sizeof guard);
    for (k = 0; k <= need; k++) {
        int r, j, intact = 1;
        for (j = 0; j <= NTOK; j++) toks[j] = guard;
        r = parse_exact(doc_problem, sizeof doc_problem - 1, toks, k);
        CHECK_INT(r, k < need ? ACME2_ERR_NOSPACE : need);
        for (j = k; j <= NTOK; j++) intact &= memcmp(&toks[j], &guard, sizeof guard) == 0;
        CHECK_MSG(intact, "max_toks %d: a token past the limit was written", k);
    }
    /* Failed parses too. */
    {
        int j, intact = 1;
        for (j = 0; j <= NTOK; j++) toks[j] = guard;
        CHECK_INT(parse_str("[1,2,3,4,5,6,7,8,9,]", toks, 3), ACME2_ERR_JSON);
        for (j = 3; j <= NTOK; j++) intact &= memcmp(&toks[j], &guard, sizeof guard) == 0;
        CHECK(intact);
    }
}

static void parse_refuses_bad_parameters(void)
{
    acme2_json_tok toks[4];
    const char *js = "[1]";
    CHECK_INT(acme2_json_parse(NULL, 3, toks, 4), ACME2_ERR_PARAM);
    CHECK_INT(acme2_json_parse(NULL, 0, toks, 4), ACME2_ERR_JSON);
    CHECK_INT(acme2_json_parse(js, 3, toks, -1), ACME2_ERR_PARAM);
    /* Refused before any byte is read (the buffer is 3 bytes long). */
    CHECK_INT(acme2_json_parse(js, (size_t)INT_MAX + 1, toks, 4), ACME2_ERR_PARAM);
    CHECK_INT(acme2_json_parse(js, (size_t)-1, NULL, 0), ACME2_ERR_PARAM);
}

static void parse_stops_at_len_not_at_nul(void)
{
    acme2_json_tok toks[8];
    /* Text after len is not looked at. */
    CHECK_INT(acme2_json_parse("[1]xyz", 3, toks, 8), 2);
    CHECK_INT(acme2_json_parse("123456", 3, toks, 8), 1);
    CHECK_INT(toks[0].end, 3);
    CHECK_INT(acme2_json_parse("\"ab\"", 3, toks, 8), ACME2_ERR_JSON);
    CHECK_INT(acme2_json_parse("truex", 4, toks, 8), 1);
    /* Root scalars ending exactly at the end of an exact-size buffer. */
    CHECK_INT(parse_str("123", toks, 8), 1);
    CHECK_INT(parse_str("-0.5e-7", toks, 8), 1);
    CHECK_INT(parse_str("true", toks, 8), 1);
    CHECK_INT(parse_str("false", toks, 8), 1);
    CHECK_INT(parse_str("null", toks, 8), 1);
    CHECK_INT(parse_str("\"\\ud83d\\ude00\"", toks, 8), 1);
}

/* Every strict prefix of a document whose root is a container is invalid.
   Each prefix sits in a heap buffer of exactly its length. */
static void parse_refuses_every_strict_prefix(void)
{
    static const struct { const char *s; size_t n; } docs[] = {
        { doc_directory, sizeof doc_directory - 1 }, { doc_order, sizeof doc_order - 1 },
        { doc_authz, sizeof doc_authz - 1 }, { doc_problem, sizeof doc_problem - 1 },
        { doc_mixed, sizeof doc_mixed - 1 },
        { "{\"a\":[1,-2.5e+3,true,false,null,\"\\u00e9\\ud83d\\ude00\"]}", 0 },
        { "[\"\xf0\x9f\x98\x80\xe2\x82\xac\xc3\xa9\",{\"\":{}},[[]]]", 0 },
    };
    acme2_json_tok toks[NTOK];
    size_t i, k;
    for (i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        size_t n = docs[i].n ? docs[i].n : strlen(docs[i].s);
        int full = parse_exact(docs[i].s, n, toks, NTOK);
        CHECK_MSG(full > 0, "doc %d itself refused (%d)", (int)i, full);
        for (k = 0; k < n; k++) {
            int r1 = parse_exact(docs[i].s, k, toks, NTOK);
            int r2 = parse_exact(docs[i].s, k, NULL, 0);
            CHECK_MSG(r1 == ACME2_ERR_JSON && r2 == ACME2_ERR_JSON,
                      "doc %d: prefix of %d bytes gave %d / %d", (int)i, (int)k, r1, r2);
        }
    }
}

/* ------------------------------------------------------------- strings */

static void str_unescapes_to_utf8(void)
{
    static const struct { const char *json; const char *want; } v[] = {
        { "\"\\u00e9\"", "\xc3\xa9" },
        { "\"\\u00E9\"", "\xc3\xa9" },
        { "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80" },   /* U+1F600 */
        { "\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80" },
        { "\"\\ud800\\udc00\"", "\xf0\x90\x80\x80" },   /* U+10000 */
        { "\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf" },   /* U+10FFFF */
        { "\"\\u20ac\"", "\xe2\x82\xac" },               /* euro sign */
        { "\"\\u0041\\u007f\"", "A\x7f" },
        { "\"\\u0080\\u07ff\"", "\xc2\x80\xdf\xbf" },
        { "\"\\u0800\\uffff\"", "\xe0\xa0\x80\xef\xbf\xbf" },
        { "\"\\ud7ff\\ue000\"", "\xed\x9f\xbf\xee\x80\x80" },
        { "\"\\u0001\\u001f\"", "\x01\x1f" },
        { "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t" },
        { "\"caf\xc3\xa9 \\u00e9 \xf0\x9f\x98\x80\"", "caf\xc3\xa9 \xc3\xa9 \xf0\x9f\x98\x80" },
        { "\"\"", "" },
        { "\"plain text, no escapes\"", "plain text, no escapes" },
        { "\"a\\nb\"", "a\nb" },
    };
    acme2_json_tok t[2];
    char out[64];
    size_t i;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        int r;
        REQUIRE(parse_str(v[i].json, t, 2) == 1);
        r = acme2_json_str(v[i].json, &t[0], out, sizeof out);
        CHECK_MSG(r == (int)strlen(v[i].want) && strcmp(out, v[i].want) == 0,
                  "unescape #%d (%s): got %d", (int)i, v[i].json, r);
        CHECK_INT(acme2_json_str(v[i].json, &t[0], NULL, 0), strlen(v[i].want));
        CHECK_MSG(acme2_json_eq(v[i].json, &t[0], v[i].want), "eq #%d", (int)i);
    }
}

static void str_refuses_nul_escape_and_leaves_output(void)
{
    const char *js = "[\"a\\u0000b\"]";
    acme2_json_tok t[2];
    char out[16];
    REQUIRE(parse_str(js, t, 2) == 2);
    memset(out, '#', sizeof out);
    CHECK_INT(acme2_json_str(js, &t[1], out, sizeof out), ACME2_ERR_JSON);
    CHECK_INT(acme2_json_str(js, &t[1], NULL, 0), ACME2_ERR_JSON);
    CHECK_INT(out[0], '#');
    CHECK(!acme2_json_eq(js, &t[1], "a"));
    CHECK(!acme2_json_eq(js, &t[1], "ab"));
}

static void str_reports_nospace_and_fits_exactly(void)
{
    const char *js = "[\"hello\",\"\\u00e9x\",5]";
    acme2_json_tok t[4];
    char out[8];
    REQUIRE(parse_str(js, t, 4) == 4);
    memset(out, '#', sizeof out);
    CHECK_INT(acme2_json_str(js, &t[1], out, 5), ACME2_ERR_NOSPACE);
    CHECK_INT(out[0], '#');
    CHECK_INT(acme2_json_str(js, &t[1], out, 0), ACME2_ERR_NOSPACE);
    CHECK_INT(acme2_json_str(js, &t[1], out, 6), 5);
    CHECK_STR(out, "hello");
    memset(out, '#', sizeof out);
    CHECK_INT(acme2_json_str(js, &t[2], out, 3), ACME2_ERR_NOSPACE);
    CHECK_INT(out[0], '#');
    CHECK_INT(acme2_json_str(js, &t[2], out, 4), 3);
    CHECK_MEM(out, "\xc3\xa9x", 4);
    CHECK_INT(out[4], '#'); /* nothing written past the NUL */
    CHECK_INT(acme2_json_str(js, &t[3], out, sizeof out), ACME2_ERR_TYPE);
    CHECK_INT(acme2_json_str(js, &t[0], out, sizeof out), ACME2_ERR_TYPE);
}

static void eq_compares_after_unescaping(void)
{
    /* raw key bodies: a\\b (unescaped a\b), \/, \u0073tatus, s */
    const char *js = "{\"a\\\\b\":1,\"\\/\":2,\"\\u0073tatus\":3,\"s\":4,\"\\ud83d\\ude00\":5}";
    acme2_json_tok t[16];
    REQUIRE(parse_str(js, t, 16) == 11);
    CHECK(acme2_json_eq(js, &t[1], "a\\b"));
    CHECK(!acme2_json_eq(js, &t[1], "a\\\\b")); /* same length as the raw text */
    CHECK(!acme2_json_eq(js, &t[1], "ab"));
    CHECK(acme2_json_eq(js, &t[3], "/"));
    CHECK(!acme2_json_eq(js, &t[3], "\\/"));
    CHECK(acme2_json_eq(js, &t[5], "status"));
    CHECK(!acme2_json_eq(js, &t[5], "statu"));
    CHECK(!acme2_json_eq(js, &t[5], "statuss"));
    CHECK(!acme2_json_eq(js, &t[5], "\\u0073tatus"));
    CHECK(acme2_json_eq(js, &t[7], "s"));
    CHECK(!acme2_json_eq(js, &t[7], ""));
    CHECK(!acme2_json_eq(js, &t[7], "st"));
    CHECK(acme2_json_eq(js, &t[9], "\xf0\x9f\x98\x80"));
    CHECK(!acme2_json_eq(js, &t[2], "1")); /* a number is never equal */
    CHECK(!acme2_json_eq(js, &t[0], ""));
}

/* ------------------------------------------------------------- numbers */

static void int_reads_the_full_long_long_range(void)
{
    static const struct { const char *s; int err; long long v; } v[] = {
        { "0", 0, 0 }, { "-0", 0, 0 }, { "7", 0, 7 }, { "-1", 0, -1 },
        { "1234567890", 0, 1234567890LL },
        { "9223372036854775807", 0, LLONG_MAX },
        { "9223372036854775808", ACME2_ERR_RANGE, 0 },
        { "-9223372036854775808", 0, LLONG_MIN },
        { "-9223372036854775809", ACME2_ERR_RANGE, 0 },
        { "-9223372036854775807", 0, -LLONG_MAX },
        { "10000000000000000000", ACME2_ERR_RANGE, 0 },
        { "18446744073709551615", ACME2_ERR_RANGE, 0 },
        { "18446744073709551616", ACME2_ERR_RANGE, 0 },
        { "92233720368547758070", ACME2_ERR_RANGE, 0 },
        { "123456789012345678901234567890", ACME2_ERR_RANGE, 0 },
        { "-123456789012345678901234567890", ACME2_ERR_RANGE, 0 },
        { "1.0", ACME2_ERR_TYPE, 0 }, { "1e2", ACME2_ERR_TYPE, 0 }, { "-1E2", ACME2_ERR_TYPE, 0 },
        { "0.5", ACME2_ERR_TYPE, 0 }, { "1e-2", ACME2_ERR_TYPE, 0 },
        { "99999999999999999999.5", ACME2_ERR_TYPE, 0 }, /* a fraction, whatever the size */
        { "99999999999999999999e0", ACME2_ERR_TYPE, 0 },
    };
    acme2_json_tok t[2];
    size_t i;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        long long x = 4242;
        int r;
        REQUIRE(parse_str(v[i].s, t, 2) == 1);
        r = acme2_json_int(v[i].s, &t[0], &x);
        CHECK_MSG(r == v[i].err, "%s: expected %d, got %d", v[i].s, v[i].err, r);
        if (v[i].err == 0) CHECK_MSG(x == v[i].v, "%s: got %lld", v[i].s, x);
        else CHECK_MSG(x == 4242, "%s: output changed on failure", v[i].s);
    }
    {
        const char *js = "[\"1\",true,null]";
        long long x = 5;
        REQUIRE(parse_str(js, t, 2) == ACME2_ERR_NOSPACE);
        {
            acme2_json_tok u[4];
            REQUIRE(parse_str(js, u, 4) == 4);
            CHECK_INT(acme2_json_int(js, &u[1], &x), ACME2_ERR_TYPE);
            CHECK_INT(acme2_json_int(js, &u[2], &x), ACME2_ERR_TYPE);
            CHECK_INT(acme2_json_int(js, &u[0], &x), ACME2_ERR_TYPE);
            CHECK_INT(x, 5);
        }
    }
}

static void bool_reads_true_and_false_only(void)
{
    const char *js = "[true,false,null,1,\"true\"]";
    acme2_json_tok t[8];
    int b = 7;
    REQUIRE(parse_str(js, t, 8) == 6);
    CHECK_INT(acme2_json_bool(&t[1], &b), 0);
    CHECK_INT(b, 1);
    CHECK_INT(acme2_json_bool(&t[2], &b), 0);
    CHECK_INT(b, 0);
    b = 7;
    CHECK_INT(acme2_json_bool(&t[3], &b), ACME2_ERR_TYPE);
    CHECK_INT(acme2_json_bool(&t[4], &b), ACME2_ERR_TYPE);
    CHECK_INT(acme2_json_bool(&t[5], &b), ACME2_ERR_TYPE);
    CHECK_INT(acme2_json_bool(&t[0], &b), ACME2_ERR_TYPE);
    CHECK_INT(b, 7);
}

/* ------------------------------------------------------------- lookups */

static void get_finds_members_and_refuses_duplicates(void)
{
    const char *js =
        "{\"big\":[[1,2,[3,4,{\"status\":\"nested, not a member\"}]],{\"x\":{}}],"
        "\"\\u0073tatus\":\"pending\",\"dup\":1,\"n\":null,\"d\\u0075p\":2,\"o\":{\"k\":\"v\"}}";
    acme2_json_tok t[64];
    char out[32];
    int n = parse_str(js, t, 64), v, o;
    REQUIRE(n > 0);
    v = acme2_json_get(js, t, n, 0, "status");
    REQUIRE(v > 0);
    CHECK_INT(acme2_json_str(js, &t[v], out, sizeof out), 7);
    CHECK_STR(out, "pending");
    CHECK_INT(acme2_json_get(js, t, n, 0, "missing"), ACME2_ERR_NOT_FOUND);
    CHECK_INT(acme2_json_get(js, t, n, 0, ""), ACME2_ERR_NOT_FOUND);
    CHECK_INT(acme2_json_get(js, t, n, 0, "statu"), ACME2_ERR_NOT_FOUND);
    CHECK_INT(acme2_json_get(js, t, n, 0, "dup"), ACME2_ERR_JSON); /* "dup" and "d\u0075p" */
    CHECK_INT(acme2_json_get(js, t, n, 0, "x"), ACME2_ERR_NOT_FOUND); /* nested, not a member */
    v = acme2_json_get(js, t, n, 0, "n");
    REQUIRE(v > 0);
    CHECK_INT(t[v].type, ACME2_JSON_NULL);
    o = acme2_json_get(js, t, n, 0, "o");
    REQUIRE(o > 0);
    v = acme2_json_get(js, t, n, o, "k");
    REQUIRE(v > 0);
    CHECK(acme2_json_eq(js, &t[v], "v"));
    /* Chaining: an error from the inner lookup comes out of the outer one. */
    CHECK_INT(acme2_json_get(js, t, n, acme2_json_get(js, t, n, 0, "nope"), "k"), ACME2_ERR_NOT_FOUND);
    CHECK_INT(acme2_json_get(js, t, n, acme2_json_get(js, t, n, 0, "dup"), "k"), ACME2_ERR_JSON);
    /* Not an object. */
    v = acme2_json_get(js, t, n, 0, "big");
    CHECK_INT(acme2_json_get(js, t, n, v, "x"), ACME2_ERR_TYPE);
    CHECK_INT(acme2_json_get(js, t, n, 1, "x"), ACME2_ERR_TYPE); /* a key */
    CHECK_INT(acme2_json_get(js, t, n, n, "x"), ACME2_ERR_PARAM);
    CHECK_INT(acme2_json_get(js, t, n, 0, NULL), ACME2_ERR_PARAM);
}

static void get_reads_acme_documents(void)
{
    acme2_json_tok t[64];
    char out[96];
    int n, v, meta, chs, ch, sub;
    long long x;
    n = parse_exact(doc_directory, sizeof doc_directory - 1, t, 64);
    REQUIRE(n == 24);
    v = acme2_json_get(doc_directory, t, n, 0, "newOrder");
    REQUIRE(v > 0);
    CHECK_INT(acme2_json_str(doc_directory, &t[v], out, sizeof out), 34);
    CHECK_STR(out, "https://example.com/acme/new-order");
    meta = acme2_json_get(doc_directory, t, n, 0, "meta");
    REQUIRE(meta > 0);
    v = acme2_json_get(doc_directory, t, n, meta, "externalAccountRequired");
    REQUIRE(v > 0);
    {
        int b = 1;
        CHECK_INT(acme2_json_bool(&t[v], &b), 0);
        CHECK_INT(b, 0);
    }
    v = acme2_json_at(t, n, acme2_json_get(doc_directory, t, n, meta, "caaIdentities"), 0);
    REQUIRE(v > 0);
    CHECK(acme2_json_eq(doc_directory, &t[v], "example.com"));
    CHECK_INT(acme2_json_get(doc_directory, t, n, 0, "website"), ACME2_ERR_NOT_FOUND);

    n = parse_exact(doc_authz, sizeof doc_authz - 1, t, 64);
    REQUIRE(n == 35);
    chs = acme2_json_get(doc_authz, t, n, 0, "challenges");
    REQUIRE(chs > 0);
    CHECK_INT(t[chs].size, 2);
    ch = acme2_json_at(t, n, chs, 1);
    REQUIRE(ch > 0);
    CHECK(acme2_json_eq(doc_authz, &t[acme2_json_get(doc_authz, t, n, ch, "type")], "dns-01"));
    CHECK(acme2_json_eq(doc_authz, &t[acme2_json_get(doc_authz, t, n, ch, "status")], "pending"));
    CHECK_INT(acme2_json_get(doc_authz, t, n, ch, "validated"), ACME2_ERR_NOT_FOUND);
    CHECK_INT(acme2_json_at(t, n, chs, 2), ACME2_ERR_NOT_FOUND);
    v = acme2_json_get(doc_authz, t, n, 0, "wildcard");
    REQUIRE(v > 0);
    CHECK_INT(t[v].type, ACME2_JSON_FALSE);

    n = parse_exact(doc_problem, sizeof doc_problem - 1, t, 64);
    REQUIRE(n == 29);
    sub = acme2_json_get(doc_problem, t, n, 0, "subproblems");
    REQUIRE(sub > 0);
    v = acme2_json_get(doc_problem, t, n, acme2_json_at(t, n, sub, 0), "detail");
    REQUIRE(v > 0);
    CHECK_INT(acme2_json_str(doc_problem, &t[v], out, sizeof out), 45);
    CHECK_STR(out, "Invalid underscore in DNS name \"_example.org\"");
    v = acme2_json_get(doc_problem, t, n, acme2_json_at(t, n, sub, 1), "identifier");
    v = acme2_json_get(doc_problem, t, n, v, "value");
    REQUIRE(v > 0);
    CHECK(acme2_json_eq(doc_problem, &t[v], "example.net"));

    n = parse_exact(doc_mixed, sizeof doc_mixed - 1, t, 64);
    REQUIRE(n == 28);
    v = acme2_json_at(t, n, acme2_json_get(doc_mixed, t, n, 1, "n"), 6);
    REQUIRE(v > 0);
    CHECK_INT(acme2_json_int(doc_mixed, &t[v], &x), 0);
    CHECK(x == LLONG_MAX);
    v = acme2_json_get(doc_mixed, t, n, 1, "s");
    REQUIRE(v > 0);
    CHECK_INT(acme2_json_str(doc_mixed, &t[v], out, sizeof out), 28);
    CHECK_STR(out, "caf\xc3\xa9 \xf0\x9f\x98\x80 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"\\/\b\f\n\r\t");
    CHECK_INT(acme2_json_at(t, n, 0, 2), n - 1);
    CHECK_INT(t[acme2_json_at(t, n, 0, 1)].type, ACME2_JSON_STRING);
}

static void at_and_next_walk_elements(void)
{
    const char *js = "[[1,[2]],{\"a\":{\"b\":[]}},3,\"x\",[]]";
    /* tokens: 0 [ 1 [ 2 1 3 [ 4 2 5 { 6 a 7 { 8 b 9 [] 10 3 11 "x" 12 [] */
    static const int elems[] = { 1, 5, 10, 11, 12 };
    acme2_json_tok t[16];
    int n = parse_str(js, t, 16), j, k;
    REQUIRE(n == 13);
    for (k = 0, j = 1; j < n; j = acme2_json_next(t, n, j), k++) {
        REQUIRE(k < 5);
        CHECK_MSG(j == elems[k], "element %d at %d, expected %d", k, j, elems[k]);
        CHECK_INT(acme2_json_at(t, n, 0, k), elems[k]);
    }
    CHECK_INT(k, 5);
    CHECK_INT(acme2_json_at(t, n, 0, 5), ACME2_ERR_NOT_FOUND);
    CHECK_INT(acme2_json_at(t, n, 0, -1), ACME2_ERR_NOT_FOUND);
    CHECK_INT(acme2_json_at(t, n, 5, 0), ACME2_ERR_TYPE);
    CHECK_INT(acme2_json_at(t, n, 10, 0), ACME2_ERR_TYPE);
    CHECK_INT(acme2_json_at(t, n, 12, 0), ACME2_ERR_NOT_FOUND); /* empty array */
    CHECK_INT(acme2_json_at(t, n, n, 0), ACME2_ERR_PARAM);
    CHECK_INT(acme2_json_at(t, n, ACME2_ERR_NOT_FOUND, 0), ACME2_ERR_NOT_FOUND);
    /* next on a key skips its value; on the last token, ntok. */
    CHECK_INT(acme2_json_next(t, n, 6), 10);
    CHECK_INT(acme2_json_next(t, n, 8), 10);
    CHECK_INT(acme2_json_next(t, n, 0), n);
    CHECK_INT(acme2_json_next(t, n, n - 1), n);
    CHECK_INT(acme2_json_next(t, n, n), n);
    CHECK_INT(acme2_json_next(t, n, -3), n);
    /* Object iteration: key, value, next key. */
    {
        const char *o = "{\"a\":[1,2,3],\"b\":{\"c\":{}},\"d\":0}";
        static const char *keys[] = { "a", "b", "d" };
        int m = parse_str(o, t, 16);
        REQUIRE(m == 12);
        for (k = 0, j = 1; j < m; j = acme2_json_next(t, m, j), k++) {
            REQUIRE(k < 3);
            CHECK(acme2_json_eq(o, &t[j], keys[k]));
            CHECK_INT(t[j + 1].parent, j);
        }
        CHECK_INT(k, 3);
    }
}

static void get_skips_large_member_values(void)
{
    /* A member with thousands of nested tokens before the one looked up. */
    static char buf[64 * 1024];
    static acme2_json_tok t[8192];
    int n = 0, i, v;
    n += sprintf(buf + n, "{\"list\":[");
    for (i = 0; i < 2000; i++) n += sprintf(buf + n, "%s{\"status\":[%d]}", i ? "," : "", i);
    n += sprintf(buf + n, "],\"status\":\"ready\"}");
    v = parse_exact(buf, (size_t)n, t, 8192);
    REQUIRE(v == 1 + 2 + 2000 * 4 + 2);
    i = acme2_json_get(buf, t, v, 0, "status");
    REQUIRE(i > 0);
    CHECK(acme2_json_eq(buf, &t[i], "ready"));
    i = acme2_json_at(t, v, 2, 1999);
    REQUIRE(i > 0);
    i = acme2_json_get(buf, t, v, i, "status");
    REQUIRE(i > 0);
    i = acme2_json_at(t, v, i, 0);
    REQUIRE(i > 0);
    {
        long long x = 0;
        CHECK_INT(acme2_json_int(buf, &t[i], &x), 0);
        CHECK_INT(x, 1999);
    }
}

/* xorshift32: deterministic pseudo-random numbers for the generated cases. */
static unsigned rng_state = 2463534242u;
static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return n ? rng_state % n : rng_state;
}

/* Lookups on token arrays cut short or garbled must stay inside
   [0, ntok): each array is a heap block of exactly ntok tokens. */
static void lookups_stay_in_bounds_on_hostile_token_arrays(void)
{
    static const char *keys[] = { "status", "type", "value", "identifier", "a", "", "x" };
    acme2_json_tok full[NTOK];
    int n = parse_exact(doc_problem, sizeof doc_problem - 1, full, NTOK), cut, round;
    REQUIRE(n > 0);
    /* Truncated arrays, including tokens of an incomplete (NOSPACE) parse. */
    for (cut = 0; cut <= n; cut++) {
        int pass;
        for (pass = 0; pass < 2; pass++) {
            acme2_json_tok *t = (acme2_json_tok *)malloc(sizeof *t * (size_t)(cut ? cut : 1));
            int i, k;
            REQUIRE(t != NULL);
            if (pass == 0) memcpy(t, full, sizeof *t * (size_t)cut);
            else CHECK_INT(acme2_json_parse(doc_problem, sizeof doc_problem - 1, t, cut),
                           cut < n ? ACME2_ERR_NOSPACE : n);
            for (i = -1; i <= cut; i++) {
                int r = acme2_json_next(t, cut, i);
                CHECK_MSG(i >= 0 && i < cut ? r > i && r <= cut : r == cut, "next(%d) of %d = %d", i, cut, r);
                for (k = 0; k < (int)(sizeof keys / sizeof keys[0]); k++) {
                    r = acme2_json_get(doc_problem, t, cut, i, keys[k]);
                    CHECK(r < cut);
                }
                for (k = -1; k < 4; k++) CHECK(acme2_json_at(t, cut, i, k) < cut);
            }
            free(t);
        }
    }
    /* Garbled sizes, types and parents (offsets kept inside the text). */
    for (round = 0; round < 2000; round++) {
        int m = 1 + (int)rnd(40), i, k;
        acme2_json_tok *t = (acme2_json_tok *)malloc(sizeof *t * (size_t)m);
        REQUIRE(t != NULL);
        for (i = 0; i < m; i++) {
            static const int odd[] = { 0, 1, -1, 2, 1000, INT_MAX, INT_MIN, -1000 };
            int a = (int)rnd(sizeof doc_problem - 1), b = (int)rnd(sizeof doc_problem - 1);
            t[i].type = (int)rnd(9);
            t[i].start = a < b ? a : b;
            t[i].end = rnd(8) ? (a < b ? b : a) : -1;
            t[i].size = rnd(2) ? (int)rnd(6) : odd[rnd(8)];
            t[i].parent = rnd(2) ? (int)rnd((unsigned)m + 1) - 1 : odd[rnd(8)];
        }
        for (i = -1; i <= m; i++) {
            int r = acme2_json_next(t, m, i);
            CHECK(i >= 0 && i < m ? r > i && r <= m : r == m);
            for (k = 0; k < (int)(sizeof keys / sizeof keys[0]); k++) CHECK(acme2_json_get(doc_problem, t, m, i, keys[k]) < m);
            for (k = -1; k < 6; k++) CHECK(acme2_json_at(t, m, i, k) < m);
        }
        free(t);
    }
}

/* ---------------------------------------------- generated documents */

/* A random document built together with the tokens it must produce (the
   generator is written independently of the tokenizer). Recursion is fine
   here: the generator's depth is bounded by the test. */
struct gen {
    char buf[32768];
    int len;
    acme2_json_tok exp[2048];
    int n;
};

static void gen_put(struct gen *g, const char *s)
{
    size_t l = strlen(s);
    memcpy(g->buf + g->len, s, l);
    g->len += (int)l;
}

static void gen_ws(struct gen *g)
{
    static const char *ws[] = { "", "", "", " ", "\n", "\t", "\r\n  ", "  " };
    gen_put(g, ws[rnd(8)]);
}

static int gen_tok(struct gen *g, int type, int parent)
{
    acme2_json_tok *t = &g->exp[g->n];
    t->type = type;
    t->start = g->len;
    t->end = -1;
    t->size = 0;
    t->parent = parent;
    if (parent >= 0 && g->exp[parent].type == ACME2_JSON_ARRAY) g->exp[parent].size++;
    return g->n++;
}

static void gen_string_body(struct gen *g)
{
    static const char *pieces[] = {
        "a", "status", "-", " ", "\\\"", "\\\\", "\\/", "\\n", "\\u00e9", "\\ud83d\\ude00",
        "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "https://example.com/acme/x", "0123456789",
        "\\u0041", "\x7f", "~",
    };
    int k = (int)rnd(6);
    while (k-- > 0) gen_put(g, pieces[rnd(sizeof pieces / sizeof pieces[0])]);
}

static void gen_value(struct gen *g, int parent, int depth)
{
    static const char *nums[] = { "0", "-0", "1", "-17", "3.25", "1e10", "-2.5E-3", "9223372036854775807", "0.0e+0" };
    int small = depth >= 6 || g->len > 12000 || g->n > 1800;
    int kind = small ? (int)rnd(5) : depth == 0 ? 5 + (int)rnd(4) : (int)rnd(9), i, t, cnt;
    gen_ws(g);
    switch (kind) {
    case 0: t = gen_tok(g, ACME2_JSON_TRUE, parent); gen_put(g, "true"); g->exp[t].end = g->len; break;
    case 1: t = gen_tok(g, ACME2_JSON_NULL, parent); gen_put(g, rnd(2) ? "null" : "false");
        if (g->buf[g->exp[t].start] == 'f') g->exp[t].type = ACME2_JSON_FALSE;
        g->exp[t].end = g->len; break;
    case 2: t = gen_tok(g, ACME2_JSON_NUMBER, parent); gen_put(g, nums[rnd(9)]); g->exp[t].end = g->len; break;
    case 3: case 4:
        gen_put(g, "\"");
        t = gen_tok(g, ACME2_JSON_STRING, parent);
        gen_string_body(g);
        g->exp[t].end = g->len;
        gen_put(g, "\"");
        break;
    case 5: case 6:
        t = gen_tok(g, ACME2_JSON_ARRAY, parent);
        gen_put(g, "[");
        cnt = (int)rnd(6);
        for (i = 0; i < cnt; i++) {
            if (i) { gen_ws(g); gen_put(g, ","); }
            gen_value(g, t, depth + 1);
        }
        gen_ws(g);
        gen_put(g, "]");
        g->exp[t].end = g->len;
        break;
    default:
        t = gen_tok(g, ACME2_JSON_OBJECT, parent);
        gen_put(g, "{");
        cnt = (int)rnd(6);
        for (i = 0; i < cnt; i++) {
            int key;
            if (i) { gen_ws(g); gen_put(g, ","); }
            gen_ws(g);
            gen_put(g, "\"");
            key = gen_tok(g, ACME2_JSON_STRING, t);
            g->exp[key].size = 1;
            g->exp[t].size++;
            gen_put(g, i == 0 ? "k" : i == 1 ? "\\u006b2" : "");
            gen_string_body(g);
            g->exp[key].end = g->len;
            gen_put(g, "\"");
            gen_ws(g);
            gen_put(g, ":");
            gen_value(g, key, depth + 1);
        }
        gen_ws(g);
        gen_put(g, "}");
        g->exp[t].end = g->len;
        break;
    }
}

static void parse_matches_generated_documents(void)
{
    static struct gen g;
    static acme2_json_tok t[2048];
    int round, bad = 0;
    for (round = 0; round < 3000 && bad < 5; round++) {
        int r, i, same = 1;
        g.len = 0;
        g.n = 0;
        gen_value(&g, -1, 0);
        gen_ws(&g);
        r = parse_exact(g.buf, (size_t)g.len, t, 2048);
        if (r != g.n) {
            CHECK_MSG(0, "generated doc %d: expected %d tokens, got %d: %.*s", round, g.n, r, g.len, g.buf);
            bad++;
            continue;
        }
        CHECK_INT(parse_exact(g.buf, (size_t)g.len, NULL, 0), g.n);
        for (i = 0; i < r; i++) same &= memcmp(&t[i], &g.exp[i], sizeof t[i]) == 0;
        CHECK_MSG(same, "generated doc %d: tokens differ: %.*s", round, g.len, g.buf);
        if (!same) bad++;
    }
}

/* Random byte edits of generated documents: whatever the result, no read
   past the end, and a success gives consistent tokens. */
static void parse_survives_mutated_documents(void)
{
    static struct gen g;
    static acme2_json_tok t[2048];
    static const char alphabet[] = "{}[]\":,\\u0123456789abcdefeE+-.tfn \t\r\n\x01\x1f\x7f\x80\xbf\xc3\xed\xf0\xf4\xff";
    int round, bad = 0;
    for (round = 0; round < 4000 && bad < 5; round++) {
        int r, i, edits = 1 + (int)rnd(3), ok = 1;
        g.len = 0;
        g.n = 0;
        gen_value(&g, -1, 0);
        for (i = 0; i < edits && g.len > 0; i++) {
            int at = (int)rnd((unsigned)g.len);
            switch (rnd(3)) {
            case 0: g.buf[at] = alphabet[rnd(sizeof alphabet - 1)]; break;
            case 1: memmove(g.buf + at, g.buf + at + 1, (size_t)(g.len - at - 1)); g.len--; break;
            default:
                memmove(g.buf + at + 1, g.buf + at, (size_t)(g.len - at));
                g.buf[at] = alphabet[rnd(sizeof alphabet - 1)];
                g.len++;
            }
        }
        r = parse_exact(g.buf, (size_t)g.len, t, 2048);
        CHECK(r == parse_exact(g.buf, (size_t)g.len, NULL, 0));
        if (r < 0) {
            CHECK(r == ACME2_ERR_JSON || r == ACME2_ERR_JSON_DEPTH);
            continue;
        }
        for (i = 0; i < r; i++) {
            ok &= t[i].type >= ACME2_JSON_OBJECT && t[i].type <= ACME2_JSON_NULL;
            ok &= t[i].start >= 0 && t[i].start <= t[i].end && t[i].end <= g.len;
            ok &= t[i].parent >= -1 && t[i].parent < i;
            ok &= (i == 0) == (t[i].parent == -1);
            if (t[i].type == ACME2_JSON_STRING) {
                char out[4096];
                ok &= acme2_json_str(g.buf, &t[i], out, sizeof out) >= 0 || memchr(g.buf + t[i].start, '\\', (size_t)(t[i].end - t[i].start));
            }
        }
        CHECK_MSG(ok, "mutated doc %d: inconsistent tokens: %.*s", round, g.len, g.buf);
        if (!ok) bad++;
    }
}

int main(void)
{
    RUN(parse_accepts_valid_documents_with_expected_counts);
    RUN(parse_fills_types_offsets_sizes_and_parents);
    RUN(parse_spot_checks_acme_documents);
    RUN(parse_refuses_each_strictness_rule);
    RUN(parse_classifies_every_byte_inside_a_string);
    RUN(parse_accepts_only_the_rfc_escapes);
    RUN(parse_accepts_first_and_last_of_each_utf8_length);
    RUN(parse_finds_special_bytes_at_every_alignment);
    RUN(parse_accepts_depth_limit_and_refuses_one_more);
    RUN(parse_depth_is_nesting_not_count);
    RUN(parse_refuses_very_deep_input_quickly);
    RUN(parse_counting_equals_actual_count);
    RUN(parse_reports_nospace_with_too_few_tokens);
    RUN(parse_never_writes_more_than_max_toks);
    RUN(parse_refuses_bad_parameters);
    RUN(parse_stops_at_len_not_at_nul);
    RUN(parse_refuses_every_strict_prefix);
    RUN(str_unescapes_to_utf8);
    RUN(str_refuses_nul_escape_and_leaves_output);
    RUN(str_reports_nospace_and_fits_exactly);
    RUN(eq_compares_after_unescaping);
    RUN(int_reads_the_full_long_long_range);
    RUN(bool_reads_true_and_false_only);
    RUN(get_finds_members_and_refuses_duplicates);
    RUN(get_reads_acme_documents);
    RUN(at_and_next_walk_elements);
    RUN(get_skips_large_member_values);
    RUN(lookups_stay_in_bounds_on_hostile_token_arrays);
    RUN(parse_matches_generated_documents);
    RUN(parse_survives_mutated_documents);
    return t_done("json");
}
