/* chall: key authorization, dns-01 / http-01 / dns-account-01 names and
   values, the tls-alpn-01 certificate through the challenge helper, and
   the ARI certificate identifier (RFC 9773 example, openssl-made
   certificates). Values are checked against the openssl and coreutils
   command lines. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"
#include <ctype.h>

static acme2_key acct_ec, acct_rsa, cert_key;

static int keys_ready(void)
{
    static int state;
    if (!state) {
        state = 1;
        if (acme2_key_generate(&acct_ec, ACME2_KEY_EC, 256, NULL) != 0) state = -1;
        if (acme2_key_generate(&acct_rsa, ACME2_KEY_RSA, 2048, NULL) != 0) state = -1;
        if (acme2_key_generate(&cert_key, ACME2_KEY_EC, 384, NULL) != 0) state = -1;
    }
    return state == 1;
}

/* Output of a shell pipeline with the final newline removed. */
static int sh_line(char *out, size_t cap, const char *cmd)
{
    int n = t_sh_out(out, cap, "%s", cmd);
    if (n < 0) return -1;
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r')) out[--n] = 0;
    return n;
}

static const char token[] = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";

static void key_authorization_is_token_dot_thumbprint(void)
{
    acme2_key *keys[2];
    int k;
    REQUIRE(keys_ready());
    keys[0] = &acct_ec;
    keys[1] = &acct_rsa;
    for (k = 0; k < 2; k++) {
        char ka[512], tp[64], want[512];
        int n = acme2_jwk_thumbprint(keys[k], tp, sizeof tp);
        REQUIRE(n == 43);
        snprintf(want, sizeof want, "%s.%s", token, tp);
        CHECK_INT(acme2_key_authorization(keys[k], token, ka, sizeof ka), strlen(want));
        CHECK_STR(ka, want);
        /* Exactly the size with the NUL fits; one less does not. */
        memset(ka, 'x', sizeof ka);
        CHECK_INT(acme2_key_authorization(keys[k], token, ka, strlen(want)), ACME2_ERR_NOSPACE);
        CHECK_INT(ka[0], 'x');
        CHECK_INT(acme2_key_authorization(keys[k], token, ka, strlen(want) + 1), strlen(want));
    }
}

/* RFC 8555 section 8.4 gives no numeric example: openssl and basenc are
   the independent computation of base64url(SHA-256(key authorization)). */
static void dns01_txt_matches_openssl(void)
{
    acme2_key *keys[2];
    const char *tokens[3] = { token, "a", "-_-_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" };
    int k, t;
    REQUIRE(keys_ready());
    keys[0] = &acct_ec;
    keys[1] = &acct_rsa;
    for (k = 0; k < 2; k++) {
        for (t = 0; t < 3; t++) {
            char ka[512], txt[64], want[128], cmd[1024];
            REQUIRE(acme2_key_authorization(keys[k], tokens[t], ka, sizeof ka) > 0);
            snprintf(cmd, sizeof cmd,
                     "printf %%s '%s' | openssl dgst -sha256 -binary | basenc --base64url | tr -d '='", ka);
            REQUIRE(sh_line(want, sizeof want, cmd) == 43);
            CHECK_INT(acme2_dns01_txt(keys[k], tokens[t], txt, sizeof txt), 43);
            CHECK_STR(txt, want);
        }
    }
    {
        char txt[44];
        CHECK_INT(acme2_dns01_txt(&acct_ec, token, txt, 43), ACME2_ERR_NOSPACE);
        CHECK_INT(acme2_dns01_txt(&acct_ec, token, txt, 44), 43);
    }
}

static void http01_path_is_well_known_plus_token(void)
{
    char out[128];
    CHECK_INT(acme2_http01_path(token, out, sizeof out), 28 + 43);
    CHECK_STR(out, "/.well-known/acme-challenge/evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA");
    CHECK_INT(acme2_http01_path(token, out, 28 + 43), ACME2_ERR_NOSPACE);
    CHECK_INT(acme2_http01_path("../etc/passwd", out, sizeof out), ACME2_ERR_TOKEN);
}

static void invalid_tokens_are_refused(void)
{
    static char longest[ACME2_MAX_TOKEN + 1], too_long[ACME2_MAX_TOKEN + 2];
    static const char *bad[] = { "", "abc=", "a b", "a/b", "a+b", "a.b", "a\nb", "a%2F", "\xc3\xa9t\xc3\xa9" };
    char out[ACME2_MAX_TOKEN + 128];
    size_t i;
    REQUIRE(keys_ready());
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_MSG(acme2_key_authorization(&acct_ec, bad[i], out, sizeof out) == ACME2_ERR_TOKEN, "\"%s\" accepted", bad[i]);
        CHECK_MSG(acme2_http01_path(bad[i], out, sizeof out) == ACME2_ERR_TOKEN, "\"%s\" accepted", bad[i]);
        CHECK_MSG(acme2_dns01_txt(&acct_ec, bad[i], out, sizeof out) == ACME2_ERR_TOKEN, "\"%s\" accepted", bad[i]);
    }
    CHECK_INT(acme2_key_authorization(&acct_ec, NULL, out, sizeof out), ACME2_ERR_TOKEN);
    memset(longest, 'A', ACME2_MAX_TOKEN);
    memset(too_long, 'A', ACME2_MAX_TOKEN + 1);
    CHECK_INT(acme2_key_authorization(&acct_ec, longest, out, sizeof out), ACME2_MAX_TOKEN + 1 + 43);
    CHECK_INT(acme2_key_authorization(&acct_ec, too_long, out, sizeof out), ACME2_ERR_TOKEN);
    CHECK_INT(acme2_dns01_txt(&acct_ec, longest, out, sizeof out), 43);
    /* Not canonical base64url of whole bytes, but base64url characters. */
    CHECK(acme2_key_authorization(&acct_ec, "abcde", out, sizeof out) > 0);
}

static void dns01_name_prefixes_and_strips_wildcard(void)
{
    static char long_name[254];
    char out[300];
    CHECK_INT(acme2_dns01_name("example.org", out, sizeof out), 27);
    CHECK_STR(out, "_acme-challenge.example.org");
    CHECK_INT(acme2_dns01_name("*.example.org", out, sizeof out), 27);
    CHECK_STR(out, "_acme-challenge.example.org");
    CHECK_INT(acme2_dns01_name("www.Example.org", out, sizeof out), 31);
    CHECK_STR(out, "_acme-challenge.www.Example.org");
    CHECK_INT(acme2_dns01_name("example.org", out, 27), ACME2_ERR_NOSPACE);
    CHECK_INT(acme2_dns01_name("example.org.", out, sizeof out), ACME2_ERR_IDENTIFIER);
    CHECK_INT(acme2_dns01_name("192.0.2.1", out, sizeof out), ACME2_ERR_IDENTIFIER);
    CHECK_INT(acme2_dns01_name("a.*.example", out, sizeof out), ACME2_ERR_IDENTIFIER);
    CHECK_INT(acme2_dns01_name(NULL, out, sizeof out), ACME2_ERR_IDENTIFIER);
    /* 237 + 16 = 253 fits; 238 does not. */
    memset(long_name, 'a', 237);
    long_name[63] = long_name[127] = long_name[191] = '.';
    CHECK_INT(acme2_dns01_name(long_name, out, sizeof out), 253);
    long_name[237] = 'a';
    CHECK_INT(acme2_dns01_name(long_name, out, sizeof out), ACME2_ERR_IDENTIFIER);
}

/* draft-ietf-acme-dns-account-label: its example account URL gives the
   label "_ujmmovf2vn55tgye"; other URLs are checked against openssl and
   coreutils' RFC 4648 base32. */
static void dns_account01_name_matches_draft_and_openssl(void)
{
    static const char *urls[] = {
        "https://example.com/acme/acct/ExampleAccount",
        "https://acme-v02.api.letsencrypt.org/acme/acct/123456789",
        "https://localhost:14000/my-account/1",
        "x",
    };
    char out[300], want[300], cmd[512], label[64];
    size_t i;
    CHECK_INT(acme2_dns_account01_name(urls[0], "example.org", out, sizeof out), 45);
    CHECK_STR(out, "_ujmmovf2vn55tgye._acme-challenge.example.org");
    for (i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        snprintf(cmd, sizeof cmd,
                 "printf %%s '%s' | openssl dgst -sha256 -binary | head -c 10 | basenc --base32 | tr -d '=' | tr A-Z a-z",
                 urls[i]);
        REQUIRE(sh_line(label, sizeof label, cmd) == 16);
        snprintf(want, sizeof want, "_%s._acme-challenge.www.example.org", label);
        CHECK_INT(acme2_dns_account01_name(urls[i], "*.www.example.org", out, sizeof out), strlen(want));
        CHECK_STR(out, want);
    }
    CHECK_INT(acme2_dns_account01_name(urls[0], "example.org", out, 45), ACME2_ERR_NOSPACE);
    CHECK_INT(acme2_dns_account01_name("", "example.org", out, sizeof out), ACME2_ERR_PARAM);
    CHECK_INT(acme2_dns_account01_name(NULL, "example.org", out, sizeof out), ACME2_ERR_PARAM);
    CHECK_INT(acme2_dns_account01_name(urls[0], "bad..example", out, sizeof out), ACME2_ERR_IDENTIFIER);
}

static void tls_alpn01_cert_carries_digest_of_key_authorization(void)
{
    static unsigned char cert[4096];
    char ka[512], want[128], out[4096], cmd[1024];
    acme2_identifier id;
    acme2_cert_info ci;
    int n, bound;
    REQUIRE(keys_ready());
    id.type = ACME2_ID_DNS;
    id.value = "chall.example";
    bound = acme2_tls_alpn01_cert(NULL, 0, &cert_key, &acct_ec, &id, token, 1767225600LL);
    REQUIRE(bound > 0);
    n = acme2_tls_alpn01_cert(cert, sizeof cert, &cert_key, &acct_ec, &id, token, 1767225600LL);
    REQUIRE(n > 0 && n <= bound);
    REQUIRE(t_write_file(t_path("chall.der"), cert, (size_t)n) == 0);
    REQUIRE(acme2_key_authorization(&acct_ec, token, ka, sizeof ka) > 0);
    snprintf(cmd, sizeof cmd, "printf %%s '%s' | openssl dgst -sha256 -r | cut -c1-64", ka);
    REQUIRE(sh_line(want, sizeof want, cmd) == 64);
    /* The extension's value parsed on its own: OCTET STRING of the digest. */
    REQUIRE(t_sh_out(out, sizeof out,
                     "openssl asn1parse -inform DER -in %s -strparse $(openssl asn1parse -inform DER -in %s | "
                     "grep -A2 ':1.3.6.1.5.5.7.1.31' | tail -1 | cut -d: -f1)",
                     t_path("chall.der"), t_path("chall.der")) > 0);
    {
        char *p = strstr(out, "[HEX DUMP]:"), *q;
        REQUIRE(p != NULL);
        p += strlen("[HEX DUMP]:");
        for (q = p; *q; q++) *q = (char)tolower((unsigned char)*q);
        CHECK_MSG(strncmp(p, want, 64) == 0 && strstr(out, "l=  32 prim: OCTET STRING") != NULL,
                  "extension holds %s, want OCTET STRING %s", p, want);
    }
    REQUIRE(acme2_cert_parse(&ci, cert, (size_t)n) == 0);
    CHECK_INT(acme2_cert_key_match(&ci, &cert_key), 0);
    CHECK_INT(acme2_cert_key_match(&ci, &acct_ec), ACME2_ERR_CERT_KEY);
    CHECK_INT(acme2_cert_covers(&ci, &id, 1), 0);
    CHECK_INT(acme2_tls_alpn01_cert(cert, sizeof cert, &cert_key, &acct_ec, &id, "bad token", 0), ACME2_ERR_TOKEN);
}

/* RFC 9773 Appendix A (Example Certificate), published with the
   identifier of section 4.1: aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE. */
static const char rfc9773_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBQzCB66ADAgECAgUAh2VDITAKBggqhkjOPQQDAjAVMRMwEQYDVQQDEwpFeGFt\n"
    "cGxlIENBMCIYDzAwMDEwMTAxMDAwMDAwWhgPMDAwMTAxMDEwMDAwMDBaMBYxFDAS\n"
    "BgNVBAMTC2V4YW1wbGUuY29tMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEeBZu\n"
    "7cbpAYNXZLbbh8rNIzuOoqOOtmxA1v7cRm//AwyMwWxyHz4zfwmBhcSrf47NUAFf\n"
    "qzLQ2PPQxdTXREYEnKMjMCEwHwYDVR0jBBgwFoAUaYhba4dGQEHhs3uEe6CuLN4B\n"
    "yNQwCgYIKoZIzj0EAwIDRwAwRAIge09+S5TZAlw5tgtiVvuERV6cT4mfutXIlwTb\n"
    "+FYN/8oCIClDsqBklhB9KAelFiYt9+6FDj3z4KGVelYM5MdsO3pK\n"
    "-----END CERTIFICATE-----\n";

static void ari_cert_id_of_rfc9773_example(void)
{
    static const unsigned char aki[20] = { 0x69, 0x88, 0x5b, 0x6b, 0x87, 0x46, 0x40, 0x41, 0xe1, 0xb3,
                                           0x7b, 0x84, 0x7b, 0xa0, 0xae, 0x2c, 0xde, 0x01, 0xc8, 0xd4 };
    static const unsigned char serial[5] = { 0x00, 0x87, 0x65, 0x43, 0x21 };
    unsigned char der[1024];
    size_t pos = 0, len = 0;
    acme2_cert_info ci;
    char id[128], year1[32];
    REQUIRE(acme2_pem_cert_next(rfc9773_pem, strlen(rfc9773_pem), &pos, der, sizeof der, &len) == 1);
    REQUIRE(acme2_cert_parse(&ci, der, len) == 0);
    CHECK_INT(ci.aki_len, 20);
    CHECK_MEM(ci.aki, aki, 20);
    CHECK_INT(ci.serial_len, 5);
    CHECK_MEM(ci.serial, serial, 5);
    CHECK_INT(acme2_ari_cert_id(&ci, id, sizeof id), 35);
    CHECK_STR(id, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
    CHECK_INT(acme2_ari_cert_id(&ci, id, 35), ACME2_ERR_NOSPACE);
    /* Its validity is GeneralizedTime 0001-01-01T00:00:00Z, both ends. */
    REQUIRE(sh_line(year1, sizeof year1, "date -u -d '0001-01-01 00:00:00 UTC' +%s") > 0);
    CHECK_INT(ci.not_before, atoll(year1));
    CHECK_INT(ci.not_after, atoll(year1));
    {
        /* The example is an ECDSA P-256 certificate: its SANs are absent. */
        char text[64];
        int type;
        size_t p = 0;
        CHECK(ci.san == NULL);
        CHECK_INT(acme2_cert_san_next(&ci, &p, &type, text, sizeof text), 0);
    }
}

/* A certificate made by openssl (its default extensions include the AKI)
   with a serial whose high bit is set: the identifier is computed again
   with xxd and basenc from what openssl prints. */
static void ari_cert_id_matches_openssl_values(void)
{
    char out[1024], aki_hex[128], want[256], cmd[1024], *p, *q;
    unsigned char der[4096];
    long len;
    acme2_cert_info ci;
    char id[256];
    REQUIRE(t_sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout %s -out %s "
                 "-subj /CN=ari.example -days 3 -set_serial 0x8123456789abcdef01 2>/dev/null && "
                 "openssl x509 -in %s -outform DER -out %s",
                 t_path("ari.key"), t_path("ari.pem"), t_path("ari.pem"), t_path("ari.der")) == 0);
    len = t_read_file(t_path("ari.der"), der, sizeof der);
    REQUIRE(len > 0);
    REQUIRE(acme2_cert_parse(&ci, der, (size_t)len) == 0);
    REQUIRE(t_sh_out(out, sizeof out, "openssl x509 -in %s -noout -ext authorityKeyIdentifier", t_path("ari.pem")) > 0);
    p = strchr(out, '\n');
    REQUIRE(p != NULL);
    for (q = aki_hex, p++; *p && q < aki_hex + sizeof aki_hex - 1; p++)
        if (isxdigit((unsigned char)*p)) *q++ = *p;
    *q = 0;
    REQUIRE(strlen(aki_hex) == 40);
    /* serial=8123456789ABCDEF01; DER adds 00 since the high bit is set. */
    snprintf(cmd, sizeof cmd,
             "printf %%s '%s' | xxd -r -p | basenc --base64url | tr -d '=\\n'; printf .; "
             "openssl x509 -in %s -noout -serial | sed 's/serial=/00/' | xxd -r -p | basenc --base64url | tr -d '=\\n'",
             aki_hex, t_path("ari.pem"));
    REQUIRE(sh_line(want, sizeof want, cmd) > 0);
    CHECK_INT(acme2_ari_cert_id(&ci, id, sizeof id), strlen(want));
    CHECK_STR(id, want);
    CHECK_INT(ci.serial_len, 10);
}

static void ari_cert_id_needs_an_aki(void)
{
    static unsigned char cert[4096];
    acme2_identifier id;
    acme2_cert_info ci;
    char out[128];
    int n;
    REQUIRE(keys_ready());
    id.type = ACME2_ID_IP;
    id.value = "192.0.2.9";
    n = acme2_tls_alpn01_cert(cert, sizeof cert, &cert_key, &acct_ec, &id, token, 1767225600LL);
    REQUIRE(n > 0);
    REQUIRE(acme2_cert_parse(&ci, cert, (size_t)n) == 0);
    CHECK(ci.aki == NULL);
    CHECK_INT(acme2_ari_cert_id(&ci, out, sizeof out), ACME2_ERR_NOT_FOUND);
}

int main(void)
{
    RUN(key_authorization_is_token_dot_thumbprint);
    RUN(dns01_txt_matches_openssl);
    RUN(http01_path_is_well_known_plus_token);
    RUN(invalid_tokens_are_refused);
    RUN(dns01_name_prefixes_and_strips_wildcard);
    RUN(dns_account01_name_matches_draft_and_openssl);
    RUN(tls_alpn01_cert_carries_digest_of_key_authorization);
    RUN(ari_cert_id_of_rfc9773_example);
    RUN(ari_cert_id_matches_openssl_values);
    RUN(ari_cert_id_needs_an_aki);
    return t_done("chall");
}
