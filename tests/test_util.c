/* util: wipe, base64url (RFC 4648 vectors), the string builder and the
   JSON writer. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"

/* RFC 4648 section 10 test vectors, mapped to the URL alphabet without padding. */
static void b64url_rfc4648_vectors(void)
{
    static const char *in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    static const char *want[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy" };
    char out[32];
    unsigned char back[32];
    size_t i;
    for (i = 0; i < sizeof in / sizeof in[0]; i++) {
        int n = acme2_b64url_encode(out, sizeof out, in[i], strlen(in[i]));
        CHECK_INT(n, strlen(want[i]));
        CHECK_STR(out, want[i]);
        CHECK_INT(acme2_b64url_encode(NULL, 0, in[i], strlen(in[i])), strlen(want[i]));
        n = acme2_b64url_decode(back, sizeof back, want[i], strlen(want[i]));
        CHECK_INT(n, strlen(in[i]));
        CHECK_MEM(back, in[i], strlen(in[i]));
    }
}

static void b64url_uses_url_alphabet(void)
{
    static const unsigned char bytes[] = { 0xfb, 0xff, 0xbf };
    unsigned char back[3];
    char out[8];
    CHECK_INT(acme2_b64url_encode(out, sizeof out, bytes, 3), 4);
    CHECK_STR(out, "-_-_");
    CHECK_INT(acme2_b64url_decode(back, sizeof back, "-_-_", 4), 3);
    CHECK_MEM(back, bytes, 3);
}

static void b64url_encode_reports_nospace(void)
{
    char out[4];
    memset(out, 'x', sizeof out);
    /* "foo" needs 4 characters plus the NUL. */
    CHECK_INT(acme2_b64url_encode(out, 4, "foo", 3), ACME2_ERR_NOSPACE);
    CHECK_INT(acme2_b64url_encode(out, 0, "foo", 3), ACME2_ERR_NOSPACE);
}

static void b64url_decode_is_strict(void)
{
    unsigned char out[16];
    static const char *bad[] = {
        "Zg==",      /* padding */
        "Zm9v YmFy", /* white space */
        "Zm9+",      /* standard alphabet */
        "Zm9/",
        "Z",         /* length 1 mod 4 */
        "Zh",        /* non-zero trailing bits ('h' leaves 4 bits set) */
        "Zm9",       /* "fo" is "Zm8": '9' sets an unused bit */
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(acme2_b64url_decode(out, sizeof out, bad[i], strlen(bad[i])) == ACME2_ERR_BASE64,
                  "expected \"%s\" to be refused", bad[i]);
    CHECK_INT(acme2_b64url_decode(out, sizeof out, "Zm8", 3), 2);
    CHECK_INT(acme2_b64url_decode(out, sizeof out, "Zm-", 3), ACME2_ERR_BASE64); /* '-' = 62: low 2 bits set */
    CHECK_INT(acme2_b64url_decode(out, 1, "Zm9v", 4), ACME2_ERR_NOSPACE);
    CHECK_INT(acme2_b64url_decode(NULL, 0, "Zm9vYg", 6), 4);
    CHECK_INT(acme2_b64url_decode(out, sizeof out, "Zm\0v", 4), ACME2_ERR_BASE64);
}

static void wipe_zeroes_memory(void)
{
    unsigned char secret[33];
    size_t i;
    int nonzero = 0;
    memset(secret, 0xa5, sizeof secret);
    acme2_wipe(secret, sizeof secret);
    for (i = 0; i < sizeof secret; i++) nonzero |= secret[i];
    CHECK_INT(nonzero, 0);
}

static void sb_counts_past_capacity(void)
{
    char buf[8];
    acme2_sb sb;
    acme2_sb_init(&sb, buf, sizeof buf);
    acme2_sb_puts(&sb, "0123456");
    CHECK_INT(acme2_sb_finish(&sb), 7);
    CHECK_STR(buf, "0123456");
    acme2_sb_init(&sb, buf, sizeof buf);
    acme2_sb_puts(&sb, "01234567");
    acme2_sb_puts(&sb, "89");
    CHECK_INT(acme2_sb_finish(&sb), ACME2_ERR_NOSPACE);
    CHECK_INT(sb.len, 10); /* the size that would have been needed, less the NUL */
    CHECK_INT(strlen(buf) < sizeof buf, 1);
}

static void sb_writes_integers(void)
{
    char buf[64];
    acme2_sb sb;
    acme2_sb_init(&sb, buf, sizeof buf);
    acme2_sb_int(&sb, 0); acme2_sb_putc(&sb, ' ');
    acme2_sb_int(&sb, -42); acme2_sb_putc(&sb, ' ');
    acme2_sb_int(&sb, LLONG_MAX); acme2_sb_putc(&sb, ' ');
    acme2_sb_int(&sb, LLONG_MIN);
    CHECK(acme2_sb_finish(&sb) > 0);
    CHECK_STR(buf, "0 -42 9223372036854775807 -9223372036854775808");
}

static void jw_builds_nested_documents(void)
{
    char buf[256];
    acme2_sb sb;
    acme2_sb_init(&sb, buf, sizeof buf);
    acme2_jw_obj_begin(&sb);
    acme2_jw_key(&sb, "identifiers");
    acme2_jw_arr_begin(&sb);
    acme2_jw_obj_begin(&sb);
    acme2_jw_key(&sb, "type"); acme2_jw_str(&sb, "dns");
    acme2_jw_key(&sb, "value"); acme2_jw_str(&sb, "example.org");
    acme2_jw_obj_end(&sb);
    acme2_jw_obj_begin(&sb);
    acme2_jw_obj_end(&sb);
    acme2_jw_arr_end(&sb);
    acme2_jw_key(&sb, "n"); acme2_jw_int(&sb, -7);
    acme2_jw_key(&sb, "t"); acme2_jw_bool(&sb, 1);
    acme2_jw_key(&sb, "f"); acme2_jw_bool(&sb, 0);
    acme2_jw_key(&sb, "z"); acme2_jw_null(&sb);
    acme2_jw_key(&sb, "e"); acme2_jw_arr_begin(&sb); acme2_jw_arr_end(&sb);
    acme2_jw_key(&sb, "b"); acme2_jw_b64url(&sb, "\xfb\xff", 2);
    acme2_jw_key(&sb, "r"); acme2_jw_raw(&sb, "{\"a\":1}", 7);
    acme2_jw_obj_end(&sb);
    CHECK(acme2_sb_finish(&sb) > 0);
    CHECK_STR(buf, "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"},{}],"
                   "\"n\":-7,\"t\":true,\"f\":false,\"z\":null,\"e\":[],\"b\":\"-_8\",\"r\":{\"a\":1}}");
}

static void jw_escapes_strings(void)
{
    char buf[128];
    acme2_sb sb;
    acme2_sb_init(&sb, buf, sizeof buf);
    acme2_jw_strn(&sb, "a\"b\\c\n\t\x01\x1f/\xc3\xa9", 12);
    CHECK(acme2_sb_finish(&sb) > 0);
    CHECK_STR(buf, "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f/\xc3\xa9\"");
}

static void jw_refuses_invalid_utf8(void)
{
    static const char *bad[] = { "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", "\xe0\x80\xaf" };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[32];
        acme2_sb sb;
        acme2_sb_init(&sb, buf, sizeof buf);
        acme2_jw_str(&sb, bad[i]);
        CHECK_MSG(acme2_sb_finish(&sb) == ACME2_ERR_PARAM, "invalid UTF-8 #%d accepted", (int)i);
    }
}

static void strerror_names_every_code(void)
{
    CHECK_STR(acme2_strerror(ACME2_OK), "success");
    CHECK_STR(acme2_strerror(ACME2_ERR_NOSPACE), "buffer too small");
    CHECK_STR(acme2_strerror(12345), "unknown error");
    CHECK(strlen(acme2_strerror(ACME2_ERR_PROBLEM)) > 0);
}

int main(void)
{
    RUN(b64url_rfc4648_vectors);
    RUN(b64url_uses_url_alphabet);
    RUN(b64url_encode_reports_nospace);
    RUN(b64url_decode_is_strict);
    RUN(wipe_zeroes_memory);
    RUN(sb_counts_past_capacity);
    RUN(sb_writes_integers);
    RUN(jw_builds_nested_documents);
    RUN(jw_escapes_strings);
    RUN(jw_refuses_invalid_utf8);
    RUN(strerror_names_every_code);
    return t_done("util");
}
