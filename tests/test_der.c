/* der: IP text, DNS identifier rules, the DER reader, certificate reading
   (checked against what the openssl command line prints), PEM iteration,
   PKCS#10 CSRs and tls-alpn-01 certificates (verified by openssl), and
   hostile input (truncations, corruptions, non-canonical lengths). */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <time.h>

/* ---- helpers ---- */

static acme2_key key_p256, key_p384, key_rsa, key_other;

static int keys_ready(void)
{
    static int state; /* 0 not tried, 1 ok, -1 failed */
    if (!state) {
        state = 1;
        if (acme2_key_generate(&key_p256, ACME2_KEY_EC, 256, NULL) != 0) state = -1;
        if (acme2_key_generate(&key_p384, ACME2_KEY_EC, 384, NULL) != 0) state = -1;
        if (acme2_key_generate(&key_rsa, ACME2_KEY_RSA, 2048, NULL) != 0) state = -1;
        if (acme2_key_generate(&key_other, ACME2_KEY_EC, 256, NULL) != 0) state = -1;
    }
    return state == 1;
}

/* Bytes of a hex text, ignoring colons and white space. */
static size_t hex_bytes(const char *s, unsigned char *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        int v;
        if (*s >= '0' && *s <= '9') v = *s - '0';
        else if (*s >= 'a' && *s <= 'f') v = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F') v = *s - 'A' + 10;
        else continue;
        if (hi < 0) hi = v;
        else {
            if (n < cap) out[n] = (unsigned char)(hi << 4 | v);
            n++;
            hi = -1;
        }
    }
    return n;
}

/* Unix time of a date text, converted by date(1). */
static long long unix_time_of(const char *text)
{
    char out[64];
    if (t_sh_out(out, sizeof out, "date -u -d '%s' +%%s", text) < 0) return -1;
    return atoll(out);
}

/* The value after "key=" in openssl's output (up to the line end). */
static int field_after(const char *text, const char *key, char *out, size_t cap)
{
    const char *p = strstr(text, key);
    size_t n = 0;
    if (!p) return -1;
    p += strlen(key);
    while (p[n] && p[n] != '\n') n++;
    if (n >= cap) return -1;
    memcpy(out, p, n);
    out[n] = 0;
    return 0;
}

/* Second line of openssl's "-ext NAME" output, trimmed. */
static int ext_value(const char *cert, const char *ext, char *out, size_t cap)
{
    char buf[2048];
    const char *p;
    size_t n;
    if (t_sh_out(buf, sizeof buf, "openssl x509 -in %s -noout -ext %s", cert, ext) < 0) return -1;
    p = strchr(buf, '\n');
    if (!p) return -1;
    while (*p == '\n' || *p == ' ') p++;
    n = strcspn(p, "\n");
    if (n >= cap) return -1;
    memcpy(out, p, n);
    out[n] = 0;
    return 0;
}

/* Reads a DER file into a heap block of its exact size. */
static unsigned char *read_der(const char *path, size_t *len)
{
    unsigned char tmp[16384], *p;
    long n = t_read_file(path, tmp, sizeof tmp);
    if (n <= 0) return NULL;
    p = (unsigned char *)malloc((size_t)n);
    if (!p) return NULL;
    memcpy(p, tmp, (size_t)n);
    *len = (size_t)n;
    return p;
}

/* A small CA made by openssl and a leaf it issued with `openssl ca`:
   controlled dates (UTCTime 1995, GeneralizedTime 2060), a serial with
   the high bit set, AKI keyid, and SANs of every kind we read plus two we
   skip (email, URI). */
static const char *ca_ready(void)
{
    static int state;
    if (!state) {
        int rc = t_sh("cd %s && rm -rf db && mkdir db && touch db/index.txt && "
                      "echo 9A3F0C51D2E7B48866AA11223344556677 > db/serial && "
                      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key "
                      "-out ca.pem -subj /CN=Test-CA -days 30 2>/dev/null && "
                      "printf '[ca]\\ndefault_ca=c\\n[c]\\ndatabase=db/index.txt\\nserial=db/serial\\n"
                      "new_certs_dir=db\\ndefault_md=sha256\\npolicy=p\\ncopy_extensions=copy\\nx509_extensions=e\\n"
                      "unique_subject=no\\n[p]\\ncommonName=optional\\n[e]\\nauthorityKeyIdentifier=keyid\\n"
                      "subjectKeyIdentifier=hash\\n' > ca.cnf && "
                      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key "
                      "-out leaf.csr -subj /CN=a.example -addext "
                      "'subjectAltName=DNS:a.example,DNS:*.w.example,email:hostmaster@a.example,IP:192.0.2.1,"
                      "URI:https://a.example/,IP:2001:db8::1' 2>/dev/null && "
                      "openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in leaf.csr -out leaf.pem "
                      "-startdate 950102030405Z -enddate 20600304050607Z -notext 2>/dev/null && "
                      "openssl x509 -in leaf.pem -outform DER -out leaf.der",
                      t_tmpdir());
        state = rc == 0 ? 1 : -1;
    }
    return state == 1 ? t_path("leaf") : NULL;
}

/* Has openssl sign a certificate for the public key of one of our CSRs. */
static int ca_issue_for_csr(const char *csr_der_path, const char *out_name)
{
    return t_sh("cd %s && openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in %s -inform DER "
                "-out %s.pem -days 10 -notext 2>/dev/null && openssl x509 -in %s.pem -outform DER -out %s.der",
                t_tmpdir(), csr_der_path, out_name, out_name, out_name);
}

/* ---- IP addresses ---- */

static void ip_parse_accepts_valid_forms(void)
{
    static const char *v4[] = { "0.0.0.0", "192.0.2.1", "255.255.255.255", "10.0.0.10", "1.2.3.4" };
    static const char *v6[] = {
        "::", "::1", "1::", "2001:db8::1", "2001:DB8:0:0:0:0:0:1", "2001:0db8:0000:0000:0000:0000:0000:0001",
        "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3::6:7:8", "fe80::abcd:ef01",
        "::ffff:192.0.2.1", "::192.0.2.1", "1:2:3:4:5:6:1.2.3.4", "1::5:6:1.2.3.4", "FFFF:ffff::0",
    };
    size_t i;
    for (i = 0; i < sizeof v4 / sizeof v4[0]; i++) {
        unsigned char got[16], want[16];
        CHECK_INT(inet_pton(AF_INET, v4[i], want), 1);
        CHECK_MSG(acme2_ip_parse(v4[i], got) == 4, "\"%s\" not parsed as IPv4", v4[i]);
        CHECK_MSG(memcmp(got, want, 4) == 0, "\"%s\" gave other bytes than inet_pton", v4[i]);
    }
    for (i = 0; i < sizeof v6 / sizeof v6[0]; i++) {
        unsigned char got[16], want[16];
        CHECK_INT(inet_pton(AF_INET6, v6[i], want), 1);
        CHECK_MSG(acme2_ip_parse(v6[i], got) == 16, "\"%s\" not parsed as IPv6", v6[i]);
        CHECK_MSG(memcmp(got, want, 16) == 0, "\"%s\" gave other bytes than inet_pton", v6[i]);
    }
}

static void ip_parse_refuses_invalid_forms(void)
{
    static const char *bad[] = {
        "", "1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "01.2.3.4", "1.2.3.04", "00.1.2.3",
        "1..2.3", ".1.2.3", "1.2.3.", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4\n", "0x1.2.3.4", "1.2.3.-4", "1234.1.1.1",
        ":", ":::", "1:::2", ":1::", "1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::",
        "::1:2:3:4:5:6:7:8", "12345::", "1:2:3:4:5:6:7:", ":1:2:3:4:5:6:7", "g::", "fe80::1%eth0",
        "::ffff:1.2.3", "::ffff:1.2.3.04", "::ffff:256.1.1.1", "1.2.3.4::", "::1.2.3.4:5", "1:2:3:4:5:6:7:1.2.3.4",
        "1:2:3:4:5:6::1.2.3.4", "[::1]", "::1/128", "2001:db8::1 ",
        "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd:eeee:ffff:0000:1111",
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned char out[16];
        memset(out, 0xee, sizeof out);
        CHECK_MSG(acme2_ip_parse(bad[i], out) == ACME2_ERR_IDENTIFIER, "\"%s\" accepted", bad[i]);
        CHECK_MSG(out[0] == 0xee && out[15] == 0xee, "\"%s\": output written on failure", bad[i]);
    }
    CHECK_INT(acme2_ip_parse(NULL, (unsigned char *)bad), ACME2_ERR_IDENTIFIER);
}

/* Examples of RFC 5952 sections 4.1-4.3 and 5. */
static void ip_format_follows_rfc5952(void)
{
    static const struct { const char *in, *want; } t[] = {
        { "2001:0db8::0001", "2001:db8::1" },                       /* 4.1 leading zeros */
        { "2001:db8:0:0:0:0:2:1", "2001:db8::2:1" },                /* 4.2.1 shorten as much as possible */
        { "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },         /* 4.2.2 no "::" for one group */
        { "2001:0:0:1:0:0:0:1", "2001:0:0:1::1" },                  /* 4.2.3 longest run */
        { "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },            /* 4.2.3 first of equal runs */
        { "2001:DB8::AAAA", "2001:db8::aaaa" },                     /* 4.3 lower case */
        { "::ffff:192.0.2.1", "::ffff:192.0.2.1" },                 /* 5 IPv4-mapped keeps dotted quad */
        { "0:0:0:0:0:ffff:c000:201", "::ffff:192.0.2.1" },
        { "::", "::" },
        { "::1", "::1" },
        { "1::", "1::" },
        { "1:0:0:0:0:0:0:0", "1::" },
        { "0:0:0:0:0:0:0:1", "::1" },
        { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
        { "1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0" },
        { "1:2:3:4:5:6:0:0", "1:2:3:4:5:6::" },
        { "0:0:1:2:3:4:5:6", "::1:2:3:4:5:6" },
        { "::192.0.2.1", "::c000:201" },                            /* deprecated IPv4-compatible: plain hex */
        { "192.0.2.1", "192.0.2.1" },
        { "0.0.0.0", "0.0.0.0" },
        { "255.255.255.255", "255.255.255.255" },
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        unsigned char ip[16];
        char out[ACME2_IP_TEXT_MAX];
        int n = acme2_ip_parse(t[i].in, ip);
        REQUIRE(n == 4 || n == 16);
        CHECK_INT(acme2_ip_format(ip, (size_t)n, out, sizeof out), strlen(t[i].want));
        CHECK_STR(out, t[i].want);
    }
}

/* inet_ntop (glibc) also writes RFC 5952 text; it differs from us only for
   addresses whose first 96 bits are zero, which are left out here. */
static void ip_format_matches_inet_ntop_on_random_addresses(void)
{
    unsigned i;
    srand(12345);
    for (i = 0; i < 5000; i++) {
        unsigned char ip[16], back[16];
        char ours[ACME2_IP_TEXT_MAX], theirs[INET6_ADDRSTRLEN];
        int g, n;
        for (g = 0; g < 8; g++) {
            /* Mostly zero groups, so runs of every length occur. */
            unsigned v = (rand() % 3) ? 0 : (unsigned)(rand() & 0xffff);
            if (rand() % 5 == 0) v = (unsigned)(rand() & 0xf);
            ip[2 * g] = (unsigned char)(v >> 8);
            ip[2 * g + 1] = (unsigned char)v;
        }
        if (memcmp(ip, "\0\0\0\0\0\0\0\0\0\0\0\0", 12) == 0) ip[0] = 0x20;
        n = acme2_ip_format(ip, 16, ours, sizeof ours);
        REQUIRE(n > 0);
        REQUIRE(inet_ntop(AF_INET6, ip, theirs, sizeof theirs) != NULL);
        CHECK_MSG(strcmp(ours, theirs) == 0, "ours \"%s\", inet_ntop \"%s\"", ours, theirs);
        CHECK_INT(acme2_ip_parse(ours, back), 16);
        CHECK_MEM(back, ip, 16);
    }
}

static void ip_format_reports_nospace_and_bad_lengths(void)
{
    static const unsigned char ip[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
    char out[16];
    memset(out, 'x', sizeof out);
    CHECK_INT(acme2_ip_format(ip, 16, out, 11), ACME2_ERR_NOSPACE); /* "2001:db8::1" needs 12 */
    CHECK_INT(out[0], 'x');
    CHECK_INT(acme2_ip_format(ip, 16, out, 12), 11);
    CHECK_STR(out, "2001:db8::1");
    CHECK_INT(acme2_ip_format(ip, 5, out, sizeof out), ACME2_ERR_PARAM);
    CHECK_INT(acme2_ip_format(ip, 0, out, sizeof out), ACME2_ERR_PARAM);
}

/* ---- DNS identifiers ---- */

static void identifier_check_applies_dns_rules(void)
{
    static char longest[254], too_long[255], label63[80], label64[80];
    static const char *good[] = {
        "example.com", "a.example", "localhost", "*.example.com", "xn--bcher-kva.example", "a-b.c-d.example",
        "EXAMPLE.COM", "1.example", "123abc", "a.1", "*.a",
    };
    static const char *bad[] = {
        "", ".", "example.com.", ".example.com", "a..b", "-a.example", "a-.example", "a.-b", "a b.example",
        "a_b.example", "*", "*.", "**.example", "*example.com", "a.*.example", "*.*.example", "ex*.com",
        "b\303\274cher.example", "a\tb", "192.0.2.1", "a.example/", "a.example:443", "@",
    };
    size_t i;
    acme2_identifier id;
    /* 4 labels: 63 + 63 + 63 + 61 bytes and three dots = 253. */
    memset(longest, 'a', 253);
    longest[63] = longest[127] = longest[191] = '.';
    memset(too_long, 'a', 254);
    too_long[63] = too_long[127] = too_long[191] = '.';
    memset(label63, 'b', 63);
    strcpy(label63 + 63, ".example");
    memset(label64, 'b', 64);
    strcpy(label64 + 64, ".example");
    id.type = ACME2_ID_DNS;
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        id.value = good[i];
        CHECK_MSG(acme2_identifier_check(&id) == 0, "\"%s\" refused", good[i]);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        id.value = bad[i];
        CHECK_MSG(acme2_identifier_check(&id) == ACME2_ERR_IDENTIFIER, "\"%s\" accepted", bad[i]);
    }
    id.value = longest;
    CHECK_INT(strlen(longest), 253);
    CHECK_INT(acme2_identifier_check(&id), 0);
    id.value = too_long;
    CHECK_INT(acme2_identifier_check(&id), ACME2_ERR_IDENTIFIER);
    id.value = label63;
    CHECK_INT(acme2_identifier_check(&id), 0);
    id.value = label64;
    CHECK_INT(acme2_identifier_check(&id), ACME2_ERR_IDENTIFIER);
    id.value = NULL;
    CHECK_INT(acme2_identifier_check(&id), ACME2_ERR_IDENTIFIER);
    id.type = ACME2_ID_IP;
    id.value = "2001:db8::1";
    CHECK_INT(acme2_identifier_check(&id), 0);
    id.value = "example.com";
    CHECK_INT(acme2_identifier_check(&id), ACME2_ERR_IDENTIFIER);
    id.type = 7;
    CHECK_INT(acme2_identifier_check(&id), ACME2_ERR_IDENTIFIER);
}

/* ---- DER reader ---- */

static void der_reader_refuses_bad_lengths(void)
{
    static const struct { const char *hex; int ok; size_t content; } t[] = {
        { "0401aa", 1, 1 },
        { "0400", 1, 0 },
        { "3000", 1, 0 },
        { "0481050102030405", 0, 0 },   /* long form for a short length */
        { "048200050102030405", 0, 0 }, /* leading zero length byte */
        { "3080", 0, 0 },               /* indefinite length */
        { "3080aabb0000", 0, 0 },
        { "0402aa", 0, 0 },             /* longer than the container */
        { "04", 0, 0 },                 /* no length */
        { "", 0, 0 },
        { "0481", 0, 0 },               /* length bytes missing */
        { "048201", 0, 0 },
        { "0485010000000000", 0, 0 },   /* 5 length bytes */
        { "1f0100", 0, 0 },             /* multi-byte tag number */
        { "bf0100", 0, 0 },
        { "0484ffffffff00", 0, 0 },     /* 4 GB claimed */
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        unsigned char buf[64], tag;
        size_t n = hex_bytes(t[i].hex, buf, sizeof buf);
        unsigned char *heap = (unsigned char *)malloc(n ? n : 1);
        acme2__dr r, v;
        int rc;
        memcpy(heap, buf, n);
        r.p = heap;
        r.n = n;
        rc = acme2__dr_next(&r, &tag, &v);
        CHECK_MSG((rc == 0) == t[i].ok, "\"%s\": got %d", t[i].hex, rc);
        if (rc == 0 && t[i].ok) CHECK_INT(v.n, t[i].content);
        free(heap);
    }
    {
        /* The long form is right for 128 bytes and more. */
        unsigned char buf[3 + 128];
        acme2__dr r, v;
        unsigned char tag;
        buf[0] = 0x04;
        buf[1] = 0x81;
        buf[2] = 0x80;
        memset(buf + 3, 0x55, 128);
        r.p = buf;
        r.n = sizeof buf;
        CHECK_INT(acme2__dr_next(&r, &tag, &v), 0);
        CHECK_INT(v.n, 128);
        CHECK_INT(r.n, 0);
    }
}

/* ---- certificate reader ---- */

static void check_sans_like_openssl(const acme2_cert_info *ci, const char *openssl_line)
{
    /* openssl: "DNS:a, email:x, IP Address:1.2.3.4, URI:u, ..." */
    char line[1024], *save = NULL, *item;
    size_t pos = 0;
    int n_ours = 0, n_theirs = 0;
    snprintf(line, sizeof line, "%s", openssl_line);
    for (item = strtok_r(line, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char text[256];
        int type = 0, rc;
        while (*item == ' ') item++;
        if (strncmp(item, "DNS:", 4) && strncmp(item, "IP Address:", 11)) continue;
        n_theirs++;
        rc = acme2_cert_san_next(ci, &pos, &type, text, sizeof text);
        CHECK_MSG(rc == 1, "SAN \"%s\": san_next gave %d", item, rc);
        if (rc != 1) return;
        n_ours++;
        if (!strncmp(item, "DNS:", 4)) {
            CHECK_INT(type, ACME2_ID_DNS);
            CHECK_STR(text, item + 4);
        } else {
            unsigned char a[16], b[16];
            int fam = strchr(item + 11, ':') ? AF_INET6 : AF_INET;
            CHECK_INT(type, ACME2_ID_IP);
            CHECK_INT(inet_pton(fam, item + 11, a), 1);
            CHECK_MSG(inet_pton(fam, text, b) == 1 && memcmp(a, b, fam == AF_INET ? 4 : 16) == 0,
                      "IP SAN: openssl \"%s\", ours \"%s\"", item + 11, text);
        }
    }
    {
        char text[256];
        int type;
        CHECK_INT(acme2_cert_san_next(ci, &pos, &type, text, sizeof text), 0);
    }
    CHECK(n_theirs > 0);
    CHECK_INT(n_ours, n_theirs);
}

static void cert_parse_reads_what_openssl_prints(void)
{
    const char *leaf = ca_ready();
    char out[2048], value[1024], path[512];
    unsigned char want[64], *der;
    size_t len, n;
    acme2_cert_info ci;
    REQUIRE(leaf != NULL);
    snprintf(path, sizeof path, "%s.pem", leaf);
    der = read_der(t_path("leaf.der"), &len);
    REQUIRE(der != NULL);
    REQUIRE(acme2_cert_parse(&ci, der, len) == 0);

    /* Serial: openssl prints the value in hex without the sign byte. */
    REQUIRE(t_sh_out(out, sizeof out, "openssl x509 -in %s -noout -serial", path) > 0);
    REQUIRE(field_after(out, "serial=", value, sizeof value) == 0);
    n = hex_bytes(value, want, sizeof want);
    CHECK_INT(ci.serial_len, n + 1);
    CHECK_INT(ci.serial[0], 0x00); /* 0x9A... needs a leading zero to stay positive */
    CHECK_MEM(ci.serial + 1, want, n);

    REQUIRE(ext_value(path, "authorityKeyIdentifier", value, sizeof value) == 0);
    n = hex_bytes(value, want, sizeof want);
    CHECK_INT(n, 20);
    REQUIRE(ci.aki != NULL);
    CHECK_INT(ci.aki_len, n);
    CHECK_MEM(ci.aki, want, n);

    REQUIRE(t_sh_out(out, sizeof out, "openssl x509 -in %s -noout -dates", path) > 0);
    REQUIRE(field_after(out, "notBefore=", value, sizeof value) == 0);
    CHECK_INT(ci.not_before, unix_time_of(value));
    CHECK_INT(ci.not_before, 789015845); /* UTCTime 950102030405Z is 1995 */
    REQUIRE(field_after(out, "notAfter=", value, sizeof value) == 0);
    CHECK_INT(ci.not_after, unix_time_of(value)); /* GeneralizedTime 2060 */

    REQUIRE(ext_value(path, "subjectAltName", value, sizeof value) == 0);
    check_sans_like_openssl(&ci, value);

    /* SPKI: the bytes openssl extracts. */
    REQUIRE(t_sh("openssl x509 -in %s -noout -pubkey | openssl pkey -pubin -outform DER -out %s", path,
                 t_path("leaf.spki")) == 0);
    {
        unsigned char spki[512];
        long sn = t_read_file(t_path("leaf.spki"), spki, sizeof spki);
        CHECK_INT(ci.spki_len, sn);
        CHECK_MEM(ci.spki, spki, ci.spki_len);
    }
    free(der);
}

static void cert_parse_reads_generalized_time_past_2050(void)
{
    char out[512], value[128];
    unsigned char *der;
    size_t len;
    acme2_cert_info ci;
    REQUIRE(t_sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout %s -out %s "
                 "-subj /CN=far.example -days 20000 2>/dev/null && openssl x509 -in %s -outform DER -out %s",
                 t_path("far.key"), t_path("far.pem"), t_path("far.pem"), t_path("far.der")) == 0);
    der = read_der(t_path("far.der"), &len);
    REQUIRE(der != NULL);
    REQUIRE(acme2_cert_parse(&ci, der, len) == 0);
    REQUIRE(t_sh_out(out, sizeof out, "openssl x509 -in %s -noout -dates", t_path("far.pem")) > 0);
    REQUIRE(field_after(out, "notBefore=", value, sizeof value) == 0);
    CHECK_INT(ci.not_before, unix_time_of(value));
    REQUIRE(field_after(out, "notAfter=", value, sizeof value) == 0);
    CHECK_INT(ci.not_after, unix_time_of(value));
    CHECK(ci.not_after > 2524608000LL); /* after 2050-01-01 */
    CHECK(ci.san == NULL);
    free(der);
}

static void cert_covers_compares_names_exactly(void)
{
    static const struct { int type; const char *value; int want; } t[] = {
        { ACME2_ID_DNS, "a.example", 0 },
        { ACME2_ID_DNS, "A.Example", 0 },
        { ACME2_ID_DNS, "*.w.example", 0 },
        { ACME2_ID_DNS, "*.W.EXAMPLE", 0 },
        { ACME2_ID_DNS, "x.w.example", ACME2_ERR_CERT_NAMES },  /* a wildcard SAN covers only the wildcard */
        { ACME2_ID_DNS, "w.example", ACME2_ERR_CERT_NAMES },
        { ACME2_ID_DNS, "*.a.example", ACME2_ERR_CERT_NAMES },
        { ACME2_ID_DNS, "b.example", ACME2_ERR_CERT_NAMES },
        { ACME2_ID_DNS, "a.exampl", ACME2_ERR_CERT_NAMES },
        { ACME2_ID_DNS, "a.example.com", ACME2_ERR_CERT_NAMES },
        { ACME2_ID_DNS, "hostmaster@a.example", ACME2_ERR_IDENTIFIER },
        { ACME2_ID_DNS, "192.0.2.1", ACME2_ERR_IDENTIFIER },
        { ACME2_ID_IP, "192.0.2.1", 0 },
        { ACME2_ID_IP, "2001:DB8:0::1", 0 },
        { ACME2_ID_IP, "2001:db8::2", ACME2_ERR_CERT_NAMES },
        { ACME2_ID_IP, "192.0.2.2", ACME2_ERR_CERT_NAMES },
        { ACME2_ID_IP, "::ffff:192.0.2.1", ACME2_ERR_CERT_NAMES },
        { ACME2_ID_IP, "a.example", ACME2_ERR_IDENTIFIER },
    };
    unsigned char *der;
    size_t len, i;
    acme2_cert_info ci;
    acme2_identifier all[4];
    REQUIRE(ca_ready() != NULL);
    der = read_der(t_path("leaf.der"), &len);
    REQUIRE(der != NULL);
    REQUIRE(acme2_cert_parse(&ci, der, len) == 0);
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        acme2_identifier id;
        id.type = t[i].type;
        id.value = t[i].value;
        CHECK_MSG(acme2_cert_covers(&ci, &id, 1) == t[i].want, "\"%s\": expected %d, got %d", t[i].value,
                  t[i].want, acme2_cert_covers(&ci, &id, 1));
    }
    all[0].type = ACME2_ID_IP;  all[0].value = "2001:db8::1";
    all[1].type = ACME2_ID_DNS; all[1].value = "a.example";
    all[2].type = ACME2_ID_DNS; all[2].value = "*.w.example";
    all[3].type = ACME2_ID_IP;  all[3].value = "192.0.2.1";
    CHECK_INT(acme2_cert_covers(&ci, all, 4), 0);
    all[2].value = "c.example";
    CHECK_INT(acme2_cert_covers(&ci, all, 4), ACME2_ERR_CERT_NAMES);
    CHECK_INT(acme2_cert_covers(&ci, all, 0), 0);
    ci.san = NULL;
    CHECK_INT(acme2_cert_covers(&ci, all, 1), ACME2_ERR_CERT_NAMES);
    free(der);
}

static void cert_san_next_reports_nospace_and_keeps_position(void)
{
    unsigned char *der;
    size_t len, pos = 0;
    acme2_cert_info ci;
    char small[4], big[64];
    int type;
    REQUIRE(ca_ready() != NULL);
    der = read_der(t_path("leaf.der"), &len);
    REQUIRE(der != NULL);
    REQUIRE(acme2_cert_parse(&ci, der, len) == 0);
    CHECK_INT(acme2_cert_san_next(&ci, &pos, &type, small, sizeof small), ACME2_ERR_NOSPACE);
    CHECK_INT(pos, 0);
    CHECK_INT(acme2_cert_san_next(&ci, &pos, &type, big, 10), 1); /* "a.example" + NUL */
    CHECK_STR(big, "a.example");
    CHECK_INT(type, ACME2_ID_DNS);
    free(der);
}

/* Signs a CSR for key with our code, has the openssl CA issue it, and
   checks the issued certificate's key against ours and another one. */
static void cert_key_match_for_each_key_kind(void)
{
    acme2_key *keys[3];
    const char *names[3] = { "p256", "p384", "rsa" };
    acme2_identifier id;
    int k;
    REQUIRE(keys_ready());
    REQUIRE(ca_ready() != NULL);
    keys[0] = &key_p256;
    keys[1] = &key_p384;
    keys[2] = &key_rsa;
    id.type = ACME2_ID_DNS;
    id.value = "match.example";
    for (k = 0; k < 3; k++) {
        static unsigned char csr[4096];
        char csr_path[64], cert_name[64];
        unsigned char *der;
        size_t len;
        acme2_cert_info ci;
        int n = acme2_csr_der(csr, sizeof csr, keys[k], &id, 1, 0);
        REQUIRE(n > 0);
        snprintf(csr_path, sizeof csr_path, "match_%s.csr", names[k]);
        snprintf(cert_name, sizeof cert_name, "match_%s", names[k]);
        REQUIRE(t_write_file(t_path(csr_path), csr, (size_t)n) == 0);
        REQUIRE(ca_issue_for_csr(csr_path, cert_name) == 0);
        snprintf(cert_name, sizeof cert_name, "match_%s.der", names[k]);
        der = read_der(t_path(cert_name), &len);
        REQUIRE(der != NULL);
        REQUIRE(acme2_cert_parse(&ci, der, len) == 0);
        CHECK_MSG(acme2_cert_key_match(&ci, keys[k]) == 0, "%s: own key not matched", names[k]);
        CHECK_MSG(acme2_cert_key_match(&ci, &key_other) == ACME2_ERR_CERT_KEY, "%s: other key matched", names[k]);
        CHECK_MSG(acme2_cert_key_match(&ci, keys[(k + 1) % 3]) == ACME2_ERR_CERT_KEY, "%s: other kind matched",
                  names[k]);
        CHECK_INT(acme2_cert_covers(&ci, &id, 1), 0);
        free(der);
    }
}

/* Keys made by openssl, loaded by acme2_key_load, against certificates
   openssl made for them. */
static void cert_key_match_with_openssl_keys(void)
{
    static const char *kinds[3] = { "ec -pkeyopt ec_paramgen_curve:P-256", "ec -pkeyopt ec_paramgen_curve:P-384",
                                    "rsa:2048" };
    static acme2_key loaded[3];
    acme2_cert_info ci[3];
    unsigned char *der[3];
    size_t len[3];
    int k, j;
    for (k = 0; k < 3; k++) {
        char key[32], pem[32], dern[32];
        static unsigned char keybuf[8192];
        long kn;
        snprintf(key, sizeof key, "okey%d.key", k);
        snprintf(pem, sizeof pem, "okey%d.pem", k);
        snprintf(dern, sizeof dern, "okey%d.der", k);
        REQUIRE(t_sh("openssl req -x509 -newkey %s -nodes -keyout %s -out %s -subj /CN=k%d -days 2 2>/dev/null && "
                     "openssl x509 -in %s -outform DER -out %s",
                     kinds[k], t_path(key), t_path(pem), k, t_path(pem), t_path(dern)) == 0);
        kn = t_read_file(t_path(key), keybuf, sizeof keybuf);
        REQUIRE(kn > 0);
        REQUIRE(acme2_key_load(&loaded[k], keybuf, (size_t)kn) == 0);
        der[k] = read_der(t_path(dern), &len[k]);
        REQUIRE(der[k] != NULL);
        REQUIRE(acme2_cert_parse(&ci[k], der[k], len[k]) == 0);
    }
    for (k = 0; k < 3; k++)
        for (j = 0; j < 3; j++)
            CHECK_MSG(acme2_cert_key_match(&ci[k], &loaded[j]) == (k == j ? 0 : ACME2_ERR_CERT_KEY),
                      "certificate %d, key %d", k, j);
    for (k = 0; k < 3; k++) {
        acme2_key_wipe(&loaded[k]);
        free(der[k]);
    }
}

/* An RSA SPKI without the NULL parameter is the same key (RFC 4055). */
static void cert_key_match_accepts_rsa_spki_without_null(void)
{
    unsigned char spki[600], alt[600];
    int n;
    size_t i, m;
    acme2_cert_info ci;
    REQUIRE(keys_ready());
    n = acme2_key_spki_der(&key_rsa, spki, sizeof spki);
    REQUIRE(n > 24);
    /* 30 82 LL LL 30 0d 06 09 <9 bytes> 05 00 03 82 ...: drop the 05 00. */
    REQUIRE(spki[0] == 0x30 && spki[1] == 0x82 && spki[4] == 0x30 && spki[5] == 0x0d && spki[17] == 0x05);
    m = 0;
    for (i = 0; i < (size_t)n; i++) {
        if (i == 17 || i == 18) continue;
        alt[m++] = spki[i];
    }
    alt[5] = 0x0b;
    {
        size_t inner = m - 4;
        alt[2] = (unsigned char)(inner >> 8);
        alt[3] = (unsigned char)inner;
    }
    memset(&ci, 0, sizeof ci);
    ci.spki = alt;
    ci.spki_len = m;
    CHECK_INT(acme2_cert_key_match(&ci, &key_rsa), 0);
    alt[m - 1] ^= 1;
    CHECK_INT(acme2_cert_key_match(&ci, &key_rsa), ACME2_ERR_CERT_KEY);
}

/* Duplicate extensions made by renaming one openssl-made extension's OID
   to another one present (same length). */
static void cert_parse_refuses_duplicate_extensions(void)
{
    static const unsigned char ski[] = { 0x06, 0x03, 0x55, 0x1d, 0x0e };
    unsigned char *der, *copy;
    size_t len, i, at = 0;
    acme2_cert_info ci;
    REQUIRE(ca_ready() != NULL);
    der = read_der(t_path("leaf.der"), &len);
    REQUIRE(der != NULL);
    for (i = 0; i + sizeof ski <= len; i++)
        if (memcmp(der + i, ski, sizeof ski) == 0) at = i;
    REQUIRE(at != 0);
    copy = (unsigned char *)malloc(len);
    memcpy(copy, der, len);
    copy[at + 4] = 0x23; /* subjectKeyIdentifier -> authorityKeyIdentifier */
    CHECK_INT(acme2_cert_parse(&ci, copy, len), ACME2_ERR_DER);
    copy[at + 4] = 0x11; /* -> subjectAltName */
    CHECK_INT(acme2_cert_parse(&ci, copy, len), ACME2_ERR_DER);
    copy[at + 4] = 0x7f; /* -> an unknown, unique OID: fine */
    CHECK_INT(acme2_cert_parse(&ci, copy, len), 0);
    free(copy);
    free(der);
}

/* Certificates described for `openssl asn1parse -genconf`, which encodes
   any ASN.1 it is given: an independent DER producer for structures the
   certificate tools would never make (duplicate extensions, v1 with
   extensions, invalid dates written as raw strings, ...). The signature is
   a dummy: acme2_cert_parse does not verify signatures. */
static unsigned char *gen_cert_x(const char *name, const char *ver, const char *serial, const char *nb, const char *na,
                                 const char *extra, const char *exts, const char *outer_alg, size_t *len)
{
    static char cnf[16384];
    char file[64], out[64];
    size_t n = 0;
    int i;
    n += (size_t)snprintf(cnf + n, sizeof cnf - n,
        "asn1=SEQUENCE:cert\n[cert]\ntbs=SEQUENCE:tbs\nalg=SEQUENCE:%s\nsig=FORMAT:HEX,BITSTRING:3006020101020101\n"
        "[alg]\noid=OID:ecdsa-with-SHA256\n[alg384]\noid=OID:ecdsa-with-SHA384\n[tbs]\n%s%s%s"
        "serial=%s\nalg=SEQUENCE:alg\nissuer=SEQUENCE:name\nvalidity=SEQUENCE:validity\nsubject=SEQUENCE:name\n"
        "spki=SEQUENCE:spki\n%s%s\n[validity]\nnb=%s\nna=%s\n[exts]\n%s\n"
        "[name]\nrdn=SET:rdn\n[rdn]\natv=SEQUENCE:atv\n[atv]\noid=OID:commonName\nval=UTF8:gen.example\n"
        "[spki]\nalg=SEQUENCE:spkialg\nkey=FORMAT:HEX,BITSTRING:04aabbcc\n"
        "[spkialg]\noid=OID:id-ecPublicKey\ncurve=OID:prime256v1\n"
        "[aki]\noid=OID:authorityKeyIdentifier\nval=OCTWRAP,SEQUENCE:akiv\n"
        "[akiv]\nkid=IMPLICIT:0,FORMAT:HEX,OCTETSTRING:69885b6b874640\n"
        "[akinokid]\noid=OID:authorityKeyIdentifier\nval=OCTWRAP,SEQUENCE:akinokidv\n"
        "[akinokidv]\nserial=IMPLICIT:2,INTEGER:5\n"
        "[akiempty]\noid=OID:authorityKeyIdentifier\nval=OCTWRAP,SEQUENCE:akiemptyv\n"
        "[akiemptyv]\nkid=IMPLICIT:0,OCTETSTRING:\n"
        "[san]\noid=OID:subjectAltName\ncrit=BOOLEAN:TRUE\nval=OCTWRAP,SEQUENCE:sanv\n"
        "[sanv]\nu=IMPLICIT:6,IA5STRING:https://gen.example/\nd=IMPLICIT:2,IA5STRING:gen.example\n"
        "m=IMPLICIT:1,IA5STRING:a@gen.example\ni=IMPLICIT:7,FORMAT:HEX,OCTETSTRING:c0000201\n"
        "[sanbadip]\noid=OID:subjectAltName\nval=OCTWRAP,SEQUENCE:sanbadipv\n"
        "[sanbadipv]\ni=IMPLICIT:7,FORMAT:HEX,OCTETSTRING:c000020101\n"
        "[sanbaddns]\noid=OID:subjectAltName\nval=OCTWRAP,SEQUENCE:sanbaddnsv\n"
        "[sanbaddnsv]\nd=IMPLICIT:2,IA5STRING:a b.example\n"
        "[sanempty]\noid=OID:subjectAltName\nval=OCTWRAP,SEQUENCE:empty\n[empty]\n",
        outer_alg, ver[0] ? "ver=EXPLICIT:0,INTEGER:" : "", ver, ver[0] ? "\n" : "", serial,
        extra, exts[0] ? "exts=EXPLICIT:3,SEQUENCE:exts" : "", nb, na, exts);
    for (i = 1; i <= 40; i++)
        n += (size_t)snprintf(cnf + n, sizeof cnf - n, "[u%d]\noid=OID:1.3.6.1.4.1.99999.%d\nval=OCTWRAP,NULL\n", i, i);
    snprintf(file, sizeof file, "gen_%s.cnf", name);
    snprintf(out, sizeof out, "gen_%s.der", name);
    if (t_write_file(t_path(file), cnf, n)) return NULL;
    if (t_sh("openssl asn1parse -genconf %s -noout -out %s", t_path(file), t_path(out))) return NULL;
    return read_der(t_path(out), len);
}

static unsigned char *gen_cert(const char *name, const char *ver, const char *serial, const char *nb, const char *na,
                               const char *exts, const char *outer_alg, size_t *len)
{
    return gen_cert_x(name, ver, serial, nb, na, "", exts, outer_alg, len);
}

static void cert_parse_judges_generated_structures(void)
{
    static const char *aki_san = "e1=SEQUENCE:aki\ne2=SEQUENCE:san\n";
    static const char *nb = "UTCTIME:250101000000Z", *na = "GENERALIZEDTIME:20500101000000Z";
    static char many32[1024], many33[1024];
    const struct { const char *name, *ver, *serial, *exts, *alg; int ok; } t[] = {
        { "ok", "2", "INTEGER:0x0102", aki_san, "alg", 1 },
        { "dup_aki", "2", "INTEGER:0x0102", "e1=SEQUENCE:aki\ne2=SEQUENCE:san\ne3=SEQUENCE:aki\n", "alg", 0 },
        { "dup_san", "2", "INTEGER:0x0102", "e1=SEQUENCE:san\ne2=SEQUENCE:aki\ne3=SEQUENCE:san\n", "alg", 0 },
        { "dup_other", "2", "INTEGER:0x0102", "e1=SEQUENCE:u1\ne2=SEQUENCE:u2\ne3=SEQUENCE:u1\n", "alg", 0 },
        { "other_once", "2", "INTEGER:0x0102", "e1=SEQUENCE:u1\ne2=SEQUENCE:u2\n", "alg", 1 },
        { "v1_exts", "", "INTEGER:0x0102", aki_san, "alg", 0 },
        { "v2_exts", "1", "INTEGER:0x0102", aki_san, "alg", 0 },
        { "v4", "3", "INTEGER:0x0102", aki_san, "alg", 0 },
        { "v1", "", "INTEGER:0x0102", "", "alg", 1 },
        { "v1_explicit", "0", "INTEGER:0x0102", "", "alg", 1 },
        { "san_bad_ip", "2", "INTEGER:0x0102", "e1=SEQUENCE:sanbadip\n", "alg", 0 },
        { "san_empty", "2", "INTEGER:0x0102", "e1=SEQUENCE:sanempty\n", "alg", 0 },
        { "aki_empty", "2", "INTEGER:0x0102", "e1=SEQUENCE:akiempty\n", "alg", 0 },
        { "aki_no_keyid", "2", "INTEGER:0x0102", "e1=SEQUENCE:akinokid\n", "alg", 1 },
        { "many32", "2", "INTEGER:0x0102", many32, "alg", 1 },
        { "many33", "2", "INTEGER:0x0102", many33, "alg", 0 },
        { "alg_mismatch", "2", "INTEGER:0x0102", aki_san, "alg384", 0 },
        { "serial32", "2", "INTEGER:0x7f0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "", "alg", 1 },
        { "serial33", "2", "INTEGER:0x7f0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", "", "alg", 0 },
        { "serial_negative", "2", "INTEGER:-5", "", "alg", 1 },
    };
    size_t i, n = 0, m = 0;
    for (i = 1; i <= 33; i++) {
        if (i <= 32) n += (size_t)snprintf(many32 + n, sizeof many32 - n, "e%d=SEQUENCE:u%d\n", (int)i, (int)i);
        m += (size_t)snprintf(many33 + m, sizeof many33 - m, "e%d=SEQUENCE:u%d\n", (int)i, (int)i);
    }
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t len;
        acme2_cert_info ci;
        unsigned char *der = gen_cert(t[i].name, t[i].ver, t[i].serial, nb, na, t[i].exts, t[i].alg, &len);
        int rc;
        REQUIRE(der != NULL);
        rc = acme2_cert_parse(&ci, der, len);
        CHECK_MSG(rc == (t[i].ok ? 0 : ACME2_ERR_DER), "%s: got %d", t[i].name, rc);
        if (rc == 0 && i == 0) {
            char text[64];
            size_t pos = 0;
            int type;
            CHECK_INT(ci.serial_len, 2);
            CHECK_MEM(ci.serial, "\x01\x02", 2);
            CHECK_INT(ci.aki_len, 7);
            CHECK_MEM(ci.aki, "\x69\x88\x5b\x6b\x87\x46\x40", 7);
            CHECK_INT(ci.not_before, unix_time_of("2025-01-01 00:00:00 UTC"));
            CHECK_INT(ci.not_after, unix_time_of("2050-01-01 00:00:00 UTC"));
            /* URI and email entries are skipped; a critical SAN is fine. */
            CHECK_INT(acme2_cert_san_next(&ci, &pos, &type, text, sizeof text), 1);
            CHECK_STR(text, "gen.example");
            CHECK_INT(acme2_cert_san_next(&ci, &pos, &type, text, sizeof text), 1);
            CHECK_STR(text, "192.0.2.1");
            CHECK_INT(acme2_cert_san_next(&ci, &pos, &type, text, sizeof text), 0);
        }
        if (rc == 0 && !strcmp(t[i].name, "aki_no_keyid")) CHECK(ci.aki == NULL);
        free(der);
    }
    {
        /* Unique identifiers: v2 and v3 only, in order, before extensions. */
        static const char *uids = "iuid=IMPLICIT:1,FORMAT:HEX,BITSTRING:01\nsuid=IMPLICIT:2,FORMAT:HEX,BITSTRING:02\n";
        static const struct { const char *name, *ver, *extra, *exts; int ok; } u[] = {
            { "uid_v1", "", "iuid=IMPLICIT:1,FORMAT:HEX,BITSTRING:01\n", "", 0 },
            { "uid_v2", "1", NULL, "", 1 },
            { "uid_v3", "2", NULL, "e1=SEQUENCE:aki\n", 1 },
            { "uid_swapped", "2", "suid=IMPLICIT:2,FORMAT:HEX,BITSTRING:02\niuid=IMPLICIT:1,FORMAT:HEX,BITSTRING:01\n", "", 0 },
            { "uid_twice", "2", "iuid=IMPLICIT:1,FORMAT:HEX,BITSTRING:01\niuid2=IMPLICIT:1,FORMAT:HEX,BITSTRING:01\n", "", 0 },
        };
        for (i = 0; i < sizeof u / sizeof u[0]; i++) {
            size_t len;
            acme2_cert_info ci;
            unsigned char *der = gen_cert_x(u[i].name, u[i].ver, "INTEGER:1", nb, na, u[i].extra ? u[i].extra : uids,
                                            u[i].exts, "alg", &len);
            REQUIRE(der != NULL);
            CHECK_MSG(acme2_cert_parse(&ci, der, len) == (u[i].ok ? 0 : ACME2_ERR_DER), "%s", u[i].name);
            free(der);
        }
    }
    {
        /* A dNSName with a space parses (structure) but is refused when read. */
        size_t len, pos = 0;
        acme2_cert_info ci;
        char text[64];
        int type;
        unsigned char *der = gen_cert("san_bad_dns", "2", "INTEGER:1", nb, na, "e1=SEQUENCE:sanbaddns\n", "alg", &len);
        REQUIRE(der != NULL);
        REQUIRE(acme2_cert_parse(&ci, der, len) == 0);
        CHECK_INT(acme2_cert_san_next(&ci, &pos, &type, text, sizeof text), ACME2_ERR_DER);
        free(der);
    }
}

/* Validity strings: RFC 5280's two forms only, every field in range;
   valid ones give the time date(1) computes. */
static void cert_parse_validates_time_fields(void)
{
    static const struct { const char *nb; const char *date; } good[] = {
        { "UTCTIME:240229000000Z", "2024-02-29 00:00:00 UTC" },     /* leap day */
        { "UTCTIME:491231235959Z", "2049-12-31 23:59:59 UTC" },     /* YY 49 is 2049 */
        { "UTCTIME:500101000000Z", "1950-01-01 00:00:00 UTC" },     /* YY 50 is 1950 */
        { "UTCTIME:991231235959Z", "1999-12-31 23:59:59 UTC" },
        { "GENERALIZEDTIME:20000229120000Z", "2000-02-29 12:00:00 UTC" },
        { "GENERALIZEDTIME:19691231235959Z", "1969-12-31 23:59:59 UTC" },
        { "GENERALIZEDTIME:99991231235959Z", "9999-12-31 23:59:59 UTC" },
        { "GENERALIZEDTIME:16000301000000Z", "1600-03-01 00:00:00 UTC" },
    };
    static const char *bad[] = {
        "IMPLICIT:23U,IA5STRING:230229000000Z",       /* 2023 is not a leap year */
        "IMPLICIT:23U,IA5STRING:251301000000Z",       /* month 13 */
        "IMPLICIT:23U,IA5STRING:250001000000Z",       /* month 0 */
        "IMPLICIT:23U,IA5STRING:250100000000Z",       /* day 0 */
        "IMPLICIT:23U,IA5STRING:250431000000Z",       /* April 31 */
        "IMPLICIT:23U,IA5STRING:250101240000Z",       /* hour 24 */
        "IMPLICIT:23U,IA5STRING:250101006000Z",       /* minute 60 */
        "IMPLICIT:23U,IA5STRING:250101000060Z",       /* second 60 */
        "IMPLICIT:23U,IA5STRING:2501010000Z",         /* no seconds */
        "IMPLICIT:23U,IA5STRING:250101000000",        /* no Z */
        "IMPLICIT:23U,IA5STRING:250101000000+0000",   /* offset */
        "IMPLICIT:23U,IA5STRING:25010100000aZ",
        "IMPLICIT:23U,IA5STRING:2501 1000000Z",
        "IMPLICIT:24U,IA5STRING:20500101000000.5Z",   /* fraction */
        "IMPLICIT:24U,IA5STRING:21000229000000Z",     /* 2100 is not a leap year */
        "IMPLICIT:24U,IA5STRING:2050010100000Z",
        "IMPLICIT:24U,IA5STRING:250101000000Z",       /* UTCTime text in a GeneralizedTime */
        "IMPLICIT:23U,IA5STRING:20500101000000Z",     /* and the reverse */
        "IMPLICIT:22U,IA5STRING:250101000000Z",       /* IA5String tag */
    };
    size_t i;
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        char name[32];
        size_t len;
        acme2_cert_info ci;
        unsigned char *der;
        snprintf(name, sizeof name, "time_good%d", (int)i);
        der = gen_cert(name, "2", "INTEGER:1", good[i].nb, "GENERALIZEDTIME:20500101000000Z", "", "alg", &len);
        REQUIRE(der != NULL);
        CHECK_MSG(acme2_cert_parse(&ci, der, len) == 0, "%s refused", good[i].nb);
        CHECK_MSG(ci.not_before == unix_time_of(good[i].date), "%s: got %lld", good[i].nb, (long long)ci.not_before);
        free(der);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char name[32];
        size_t len;
        acme2_cert_info ci;
        unsigned char *der;
        snprintf(name, sizeof name, "time_bad%d", (int)i);
        der = gen_cert(name, "2", "INTEGER:1", "UTCTIME:250101000000Z", bad[i], "", "alg", &len);
        REQUIRE(der != NULL);
        CHECK_MSG(acme2_cert_parse(&ci, der, len) == ACME2_ERR_DER, "%s accepted", bad[i]);
        free(der);
    }
}

/* The pointers of a successful parse stay inside the input. */
static int info_inside(const acme2_cert_info *ci, const unsigned char *p, size_t n)
{
#define INSIDE(q, l) ((q) >= p && (l) <= n && (size_t)((q) - p) <= n - (l))
    if (!INSIDE(ci->serial, ci->serial_len) || !INSIDE(ci->spki, ci->spki_len)) return 0;
    if (ci->aki && !INSIDE(ci->aki, ci->aki_len)) return 0;
    if (ci->san && !INSIDE(ci->san, ci->san_len)) return 0;
    return 1;
#undef INSIDE
}

/* Every consumer of a parse result, run on whatever parsed. */
static void exercise(const acme2_cert_info *ci)
{
    char text[300];
    size_t pos = 0;
    int type, guard = 0;
    acme2_identifier id;
    while (acme2_cert_san_next(ci, &pos, &type, text, sizeof text) == 1 && guard++ < 1000) {}
    id.type = ACME2_ID_DNS;
    id.value = "a.example";
    (void)acme2_cert_covers(ci, &id, 1);
    id.type = ACME2_ID_IP;
    id.value = "192.0.2.1";
    (void)acme2_cert_covers(ci, &id, 1);
    (void)acme2_cert_key_match(ci, &key_p256);
    (void)acme2_ari_cert_id(ci, text, sizeof text);
}

/* The inputs for the hostile tests: an openssl leaf, an openssl
   self-signed RSA certificate, our challenge certificate and our CSR. */
static int hostile_inputs(unsigned char **bufs, size_t *lens)
{
    static unsigned char alpn[2048], csr[2048];
    acme2_identifier ids[3];
    int n;
    if (!keys_ready() || !ca_ready()) return 0;
    bufs[0] = read_der(t_path("leaf.der"), &lens[0]);
    if (t_sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout %s -out %s -subj /CN=rsa.example "
             "-addext subjectAltName=DNS:rsa.example -days 3 2>/dev/null && openssl x509 -in %s -outform DER -out %s",
             t_path("rsa.key"), t_path("rsa.pem"), t_path("rsa.pem"), t_path("rsa.der")))
        return 0;
    bufs[1] = read_der(t_path("rsa.der"), &lens[1]);
    ids[0].type = ACME2_ID_DNS;
    ids[0].value = "a.example";
    ids[1].type = ACME2_ID_IP;
    ids[1].value = "192.0.2.1";
    ids[2].type = ACME2_ID_IP;
    ids[2].value = "2001:db8::1";
    n = acme2_tls_alpn01_cert_der(alpn, sizeof alpn, &key_p256, &ids[0], "tok.thumb", 1750000000);
    if (n <= 0) return 0;
    lens[2] = (size_t)n;
    bufs[2] = (unsigned char *)malloc(lens[2]);
    memcpy(bufs[2], alpn, lens[2]);
    n = acme2_csr_der(csr, sizeof csr, &key_p256, ids, 3, 0);
    if (n <= 0) return 0;
    lens[3] = (size_t)n;
    bufs[3] = (unsigned char *)malloc(lens[3]);
    memcpy(bufs[3], csr, lens[3]);
    return bufs[0] && bufs[1];
}

static void cert_parse_refuses_every_truncation(void)
{
    unsigned char *bufs[4] = { 0 };
    size_t lens[4], b, cut;
    acme2_cert_info ci;
    REQUIRE(hostile_inputs(bufs, lens));
    for (b = 0; b < 4; b++) {
        int whole = acme2_cert_parse(&ci, bufs[b], lens[b]);
        CHECK_MSG(whole == (b == 3 ? ACME2_ERR_DER : 0), "input %d whole: %d", (int)b, whole);
        for (cut = 0; cut < lens[b]; cut++) {
            /* An exact-size heap copy: ASan sees any read past its end. */
            unsigned char *p = (unsigned char *)malloc(cut ? cut : 1);
            memcpy(p, bufs[b], cut);
            CHECK_MSG(acme2_cert_parse(&ci, cut ? p : NULL, cut) < 0, "input %d cut at %d parsed", (int)b, (int)cut);
            free(p);
        }
    }
    for (b = 0; b < 4; b++) free(bufs[b]);
}

static void cert_parse_survives_every_single_byte_corruption(void)
{
    static const unsigned char xors[] = { 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff };
    static const unsigned char sets[] = { 0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff };
    unsigned char *bufs[4] = { 0 };
    size_t lens[4], b, i, k;
    long parsed = 0, refused = 0;
    REQUIRE(hostile_inputs(bufs, lens));
    for (b = 0; b < 4; b++) {
        for (i = 0; i < lens[b]; i++) {
            for (k = 0; k < sizeof xors + sizeof sets; k++) {
                unsigned char *p = (unsigned char *)malloc(lens[b]);
                acme2_cert_info ci;
                int rc;
                memcpy(p, bufs[b], lens[b]);
                if (k < sizeof xors) p[i] ^= xors[k];
                else p[i] = sets[k - sizeof xors];
                rc = acme2_cert_parse(&ci, p, lens[b]);
                if (rc == 0) {
                    parsed++;
                    CHECK_MSG(info_inside(&ci, p, lens[b]), "input %d byte %d: fields outside the input", (int)b, (int)i);
                    exercise(&ci);
                } else {
                    refused++;
                    CHECK_MSG(rc == ACME2_ERR_DER, "input %d byte %d: code %d", (int)b, (int)i, rc);
                }
                free(p);
            }
        }
    }
    CHECK(parsed > 0 && refused > 0);
    for (b = 0; b < 4; b++) free(bufs[b]);
}

/* Re-encodes the outer length of a certificate in a longer form, and
   grows inner lengths past their container. */
static void cert_parse_refuses_noncanonical_and_overlong_lengths(void)
{
    unsigned char *der, *p;
    size_t len;
    acme2_cert_info ci;
    REQUIRE(ca_ready() != NULL);
    der = read_der(t_path("leaf.der"), &len);
    REQUIRE(der != NULL);
    REQUIRE(der[0] == 0x30 && der[1] == 0x82 && der[4] == 0x30 && der[5] == 0x82);
    REQUIRE(acme2_cert_parse(&ci, der, len) == 0);
    /* 30 82 LL LL -> 30 83 00 LL LL: same value, not minimal. */
    p = (unsigned char *)malloc(len + 1);
    p[0] = 0x30;
    p[1] = 0x83;
    p[2] = 0x00;
    memcpy(p + 3, der + 2, len - 2);
    CHECK_INT(acme2_cert_parse(&ci, p, len + 1), ACME2_ERR_DER);
    free(p);
    /* Outer length one more than the input. */
    p = (unsigned char *)malloc(len);
    memcpy(p, der, len);
    p[3]++;
    CHECK_INT(acme2_cert_parse(&ci, p, len), ACME2_ERR_DER);
    /* TBS length one more: runs into the signature algorithm. */
    memcpy(p, der, len);
    p[7]++;
    CHECK_INT(acme2_cert_parse(&ci, p, len), ACME2_ERR_DER);
    /* TBS length beyond the outer container. */
    memcpy(p, der, len);
    p[6] = 0x7f;
    CHECK_INT(acme2_cert_parse(&ci, p, len), ACME2_ERR_DER);
    /* A serial 00 9A ... made 00 1A ...: a non-minimal INTEGER. */
    memcpy(p, der, len);
    REQUIRE(p[13] == 0x02 && p[15] == 0x00 && p[16] == 0x9a);
    p[16] = 0x1a;
    CHECK_INT(acme2_cert_parse(&ci, p, len), ACME2_ERR_DER);
    /* Indefinite outer length. */
    memcpy(p, der, len);
    p[1] = 0x80;
    CHECK_INT(acme2_cert_parse(&ci, p, len), ACME2_ERR_DER);
    free(p);
    /* Trailing byte after the certificate. */
    p = (unsigned char *)malloc(len + 1);
    memcpy(p, der, len);
    p[len] = 0;
    CHECK_INT(acme2_cert_parse(&ci, p, len + 1), ACME2_ERR_DER);
    free(p);
    free(der);
}

/* ---- PEM ---- */

static void pem_iterates_a_chain_like_openssl(void)
{
    static char chain[16384];
    static unsigned char want[3][4096];
    long want_len[3];
    unsigned char der[4096];
    size_t pos = 0, der_len = 0, clen = 0;
    int i;
    for (i = 0; i < 3; i++) {
        char name[32], pem[4096];
        long n;
        snprintf(name, sizeof name, "chain%d", i);
        REQUIRE(t_sh("openssl req -x509 -newkey %s -nodes -keyout %s.key -out %s.pem -subj /CN=c%d -days 2 "
                     "2>/dev/null && openssl x509 -in %s.pem -outform DER -out %s.der",
                     i == 1 ? "rsa:2048" : "ec -pkeyopt ec_paramgen_curve:P-256", t_path(name), t_path(name), i,
                     t_path(name), t_path(name)) == 0);
        snprintf(name, sizeof name, "chain%d.der", i);
        want_len[i] = t_read_file(t_path(name), want[i], sizeof want[i]);
        REQUIRE(want_len[i] > 0);
        snprintf(name, sizeof name, "chain%d.pem", i);
        n = t_read_file(t_path(name), pem, sizeof pem);
        REQUIRE(n > 0);
        /* Text between blocks is ignored. */
        clen += (size_t)snprintf(chain + clen, sizeof chain - clen, "subject=/CN=c%d\nissuer: whoever\n\n", i);
        memcpy(chain + clen, pem, (size_t)n);
        clen += (size_t)n;
    }
    for (i = 0; i < 3; i++) {
        CHECK_INT(acme2_pem_cert_next(chain, clen, &pos, der, sizeof der, &der_len), 1);
        CHECK_INT(der_len, want_len[i]);
        CHECK_MEM(der, want[i], der_len);
    }
    CHECK_INT(acme2_pem_cert_next(chain, clen, &pos, der, sizeof der, &der_len), 0);
    CHECK_INT(acme2_pem_cert_next(chain, clen, &pos, der, sizeof der, &der_len), 0);
    /* Also with CRLF line ends, as the heap copy of exactly that length. */
    {
        char *crlf = (char *)malloc(2 * clen);
        size_t m = 0, j;
        for (j = 0; j < clen; j++) {
            if (chain[j] == '\n') crlf[m++] = '\r';
            crlf[m++] = chain[j];
        }
        pos = 0;
        for (i = 0; i < 3; i++) {
            CHECK_INT(acme2_pem_cert_next(crlf, m, &pos, der, sizeof der, &der_len), 1);
            CHECK_INT(der_len, want_len[i]);
            CHECK_MEM(der, want[i], der_len);
        }
        CHECK_INT(acme2_pem_cert_next(crlf, m, &pos, der, sizeof der, &der_len), 0);
        free(crlf);
    }
}

static const char small_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MAMCAQE=\n"
    "-----END CERTIFICATE-----\n";

static void pem_decodes_padding_and_reports_nospace(void)
{
    unsigned char der[16];
    size_t pos = 0, n = 0;
    CHECK_INT(acme2_pem_cert_next(small_pem, strlen(small_pem), &pos, der, sizeof der, &n), 1);
    CHECK_INT(n, 5);
    CHECK_MEM(der, "\x30\x03\x02\x01\x01", 5);
    CHECK_INT(pos, strlen(small_pem));
    pos = 0;
    CHECK_INT(acme2_pem_cert_next(small_pem, strlen(small_pem), &pos, der, 4, &n), ACME2_ERR_NOSPACE);
    CHECK_INT(pos, 0);
    CHECK_INT(acme2_pem_cert_next("", 0, &pos, der, sizeof der, &n), 0);
    CHECK_INT(acme2_pem_cert_next("no pem here\n", 12, &pos, der, sizeof der, &n), 0);
    /* Without a final newline. */
    pos = 0;
    CHECK_INT(acme2_pem_cert_next(small_pem, strlen(small_pem) - 1, &pos, der, sizeof der, &n), 1);
}

static void pem_refuses_malformed_blocks(void)
{
    static const char *bad[] = {
        "-----BEGIN PRIVATE KEY-----\nMAMCAQE=\n-----END PRIVATE KEY-----\n",
        "-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQE=\n-----END CERTIFICATE REQUEST-----\n",
        "-----BEGIN TRUSTED CERTIFICATE-----\nMAMCAQE=\n-----END TRUSTED CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n",                              /* no END */
        "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END PRIVATE KEY-----\n",   /* mismatched END */
        "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE----\n",
        "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",             /* empty */
        "-----BEGIN CERTIFICATE-----\nMAMCAQE\n-----END CERTIFICATE-----\n",     /* missing padding */
        "-----BEGIN CERTIFICATE-----\nMAMCAQE==\n-----END CERTIFICATE-----\n",   /* too much padding */
        "-----BEGIN CERTIFICATE-----\nMAM=CAQE\n-----END CERTIFICATE-----\n",    /* data after padding */
        "-----BEGIN CERTIFICATE-----\nMAMCAQF=\n-----END CERTIFICATE-----\n",    /* non-zero trailing bits */
        "-----BEGIN CERTIFICATE-----\nMAMCA!E=\n-----END CERTIFICATE-----\n",    /* not base64 */
        "-----BEGIN CERTIFICATE-----\nMAMC_QE=\n-----END CERTIFICATE-----\n",    /* URL alphabet */
        "-----BEGIN CERTIFICATE-----\nMAMCAQE=M\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nMAMCA\n-----END CERTIFICATE-----\n",       /* 5 characters */
        "-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\nMAMCAQE=\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE----- x\nMAMCAQE=\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----x\n",
        "-----BEGINCERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----",
        "-----BEGIN",
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned char der[16];
        size_t pos = 0, n = 99, len = strlen(bad[i]);
        char *heap = (char *)malloc(len);
        int rc;
        memcpy(heap, bad[i], len);
        rc = acme2_pem_cert_next(heap, len, &pos, der, sizeof der, &n);
        CHECK_MSG(rc == ACME2_ERR_PEM, "block %d accepted (%d)", (int)i, rc);
        CHECK_INT(pos, 0);
        CHECK_INT(n, 99);
        free(heap);
    }
    /* A good block after a foreign one is not reached: the error stops. */
    {
        char two[256];
        unsigned char der[16];
        size_t pos = 0, n;
        snprintf(two, sizeof two, "%s%s", bad[0], small_pem);
        CHECK_INT(acme2_pem_cert_next(two, strlen(two), &pos, der, sizeof der, &n), ACME2_ERR_PEM);
    }
}

/* ---- CSR ---- */

static void csr_check(const acme2_key *key, const char *name, const char *sigalg)
{
    static unsigned char csr[4096];
    char out[8192], path[64];
    acme2_identifier ids[4];
    int bound, n;
    ids[0].type = ACME2_ID_DNS; ids[0].value = "a.example";
    ids[1].type = ACME2_ID_DNS; ids[1].value = "*.b.example";
    ids[2].type = ACME2_ID_IP;  ids[2].value = "192.0.2.1";
    ids[3].type = ACME2_ID_IP;  ids[3].value = "2001:db8::1";
    bound = acme2_csr_der(NULL, 0, key, ids, 4, 0);
    REQUIRE(bound > 0);
    n = acme2_csr_der(csr, (size_t)bound, key, ids, 4, 0);
    REQUIRE(n > 0);
    CHECK(n <= bound);
    if (key->kind == ACME2_KEY_RSA) CHECK_INT(n, bound);
    CHECK(bound - n <= 2);
    snprintf(path, sizeof path, "csr_%s.der", name);
    REQUIRE(t_write_file(t_path(path), csr, (size_t)n) == 0);
    CHECK_MSG(t_sh("openssl req -in %s -inform DER -verify -noout 2>/dev/null", t_path(path)) == 0,
              "%s: openssl req -verify failed", name);
    REQUIRE(t_sh_out(out, sizeof out, "openssl req -in %s -inform DER -noout -text", t_path(path)) > 0);
    CHECK_MSG(strstr(out, "DNS:a.example, DNS:*.b.example, IP Address:192.0.2.1, IP Address:2001:DB8:0:0:0:0:0:1") != NULL,
              "%s: SANs not as expected in:\n%s", name, out);
    CHECK_MSG(strstr(out, "Subject: CN = a.example") != NULL, "%s: subject", name);
    CHECK_MSG(strstr(out, sigalg) != NULL, "%s: no %s", name, sigalg);
    CHECK_MSG(strstr(out, "Version: 1 (0x0)") != NULL, "%s: version", name);
    CHECK_MSG(strstr(out, "Requested Extensions:") != NULL, "%s: no extension request", name);
    CHECK_MSG(strstr(out, "X509v3 Subject Alternative Name: critical") == NULL, "%s: SAN critical", name);
}

static void csr_ec_p256_verifies_with_openssl(void)
{
    REQUIRE(keys_ready());
    csr_check(&key_p256, "p256", "ecdsa-with-SHA256");
}

static void csr_ec_p384_verifies_with_openssl(void)
{
    REQUIRE(keys_ready());
    csr_check(&key_p384, "p384", "ecdsa-with-SHA384");
}

static void csr_rsa_verifies_with_openssl(void)
{
    REQUIRE(keys_ready());
    csr_check(&key_rsa, "rsa", "sha256WithRSAEncryption");
}

static void csr_subject_rules(void)
{
    static unsigned char csr[2048];
    static char long_name[100];
    char out[256];
    acme2_identifier ids[2];
    int n;
    REQUIRE(keys_ready());
    /* IP only: no CN. */
    ids[0].type = ACME2_ID_IP;
    ids[0].value = "192.0.2.7";
    ids[1].type = ACME2_ID_DNS;
    ids[1].value = "second.example";
    n = acme2_csr_der(csr, sizeof csr, &key_p256, ids, 1, 0);
    REQUIRE(n > 0);
    REQUIRE(t_write_file(t_path("csr_ip.der"), csr, (size_t)n) == 0);
    CHECK(t_sh("openssl req -in %s -inform DER -verify -noout 2>/dev/null", t_path("csr_ip.der")) == 0);
    REQUIRE(t_sh_out(out, sizeof out, "openssl req -in %s -inform DER -noout -subject", t_path("csr_ip.der")) > 0);
    CHECK_STR(out, "subject=\n");
    /* The first DNS identifier is the CN even after an IP. */
    n = acme2_csr_der(csr, sizeof csr, &key_p256, ids, 2, 0);
    REQUIRE(n > 0);
    REQUIRE(t_write_file(t_path("csr_ip2.der"), csr, (size_t)n) == 0);
    REQUIRE(t_sh_out(out, sizeof out, "openssl req -in %s -inform DER -noout -subject", t_path("csr_ip2.der")) > 0);
    CHECK_STR(out, "subject=CN = second.example\n");
    /* ACME2_CSR_NO_CN. */
    n = acme2_csr_der(csr, sizeof csr, &key_p256, ids + 1, 1, ACME2_CSR_NO_CN);
    REQUIRE(n > 0);
    REQUIRE(t_write_file(t_path("csr_nocn.der"), csr, (size_t)n) == 0);
    CHECK(t_sh("openssl req -in %s -inform DER -verify -noout 2>/dev/null", t_path("csr_nocn.der")) == 0);
    REQUIRE(t_sh_out(out, sizeof out, "openssl req -in %s -inform DER -noout -subject", t_path("csr_nocn.der")) > 0);
    CHECK_STR(out, "subject=\n");
    /* A first DNS name over 64 bytes: no CN (the second is not used). */
    memset(long_name, 'x', 61);
    strcpy(long_name + 61, ".example");
    ids[0].type = ACME2_ID_DNS;
    ids[0].value = long_name;
    n = acme2_csr_der(csr, sizeof csr, &key_p256, ids, 2, 0);
    REQUIRE(n > 0);
    REQUIRE(t_write_file(t_path("csr_long.der"), csr, (size_t)n) == 0);
    REQUIRE(t_sh_out(out, sizeof out, "openssl req -in %s -inform DER -noout -subject", t_path("csr_long.der")) > 0);
    CHECK_STR(out, "subject=\n");
    CHECK(t_sh("openssl req -in %s -inform DER -noout -text | grep -q 'DNS:%s, DNS:second.example'",
               t_path("csr_long.der"), long_name) == 0);
    /* 65 bytes: no CN. */
    memset(long_name, 'z', 57);
    strcpy(long_name + 57, ".example");
    CHECK_INT(strlen(long_name), 65);
    n = acme2_csr_der(csr, sizeof csr, &key_p256, ids, 1, 0);
    REQUIRE(n > 0);
    REQUIRE(t_write_file(t_path("csr_65.der"), csr, (size_t)n) == 0);
    REQUIRE(t_sh_out(out, sizeof out, "openssl req -in %s -inform DER -noout -subject", t_path("csr_65.der")) > 0);
    CHECK_STR(out, "subject=\n");
    /* Exactly 64 bytes is still a CN. */
    memset(long_name, 'y', 56);
    strcpy(long_name + 56, ".example");
    CHECK_INT(strlen(long_name), 64);
    n = acme2_csr_der(csr, sizeof csr, &key_p256, ids, 1, 0);
    REQUIRE(n > 0);
    REQUIRE(t_write_file(t_path("csr_64.der"), csr, (size_t)n) == 0);
    REQUIRE(t_sh_out(out, sizeof out, "openssl req -in %s -inform DER -noout -subject", t_path("csr_64.der")) > 0);
    CHECK(strstr(out, long_name) != NULL);
}

static void csr_size_query_and_nospace(void)
{
    static unsigned char csr[2048];
    acme2_identifier id;
    int bound, n;
    REQUIRE(keys_ready());
    id.type = ACME2_ID_DNS;
    id.value = "size.example";
    bound = acme2_csr_der(NULL, 0, &key_p256, &id, 1, 0);
    REQUIRE(bound > 0);
    memset(csr, 0xaa, sizeof csr);
    CHECK_INT(acme2_csr_der(csr, (size_t)bound - 1, &key_p256, &id, 1, 0), ACME2_ERR_NOSPACE);
    CHECK_INT(csr[0], 0xaa);
    CHECK_INT(csr[bound - 2], 0xaa);
    n = acme2_csr_der(csr, (size_t)bound, &key_p256, &id, 1, 0);
    CHECK(n > 0 && n <= bound);
    /* RSA sizes are exact. */
    bound = acme2_csr_der(NULL, 0, &key_rsa, &id, 1, 0);
    CHECK_INT(acme2_csr_der(csr, sizeof csr, &key_rsa, &id, 1, 0), bound);
    /* RFC 6979 signatures are deterministic: the same CSR twice. */
    {
        static unsigned char again[2048];
        int n1 = acme2_csr_der(csr, sizeof csr, &key_p256, &id, 1, 0);
        int n2 = acme2_csr_der(again, sizeof again, &key_p256, &id, 1, 0);
        CHECK_INT(n1, n2);
        CHECK_MEM(csr, again, (size_t)n1);
    }
}

static void csr_refuses_bad_identifiers(void)
{
    static unsigned char csr[2048];
    acme2_identifier ids[2];
    acme2_key empty;
    REQUIRE(keys_ready());
    ids[0].type = ACME2_ID_DNS;
    ids[0].value = "ok.example";
    ids[1].type = ACME2_ID_DNS;
    ids[1].value = "bad_name.example";
    CHECK_INT(acme2_csr_der(csr, sizeof csr, &key_p256, ids, 2, 0), ACME2_ERR_IDENTIFIER);
    CHECK_INT(acme2_csr_der(NULL, 0, &key_p256, ids, 2, 0), ACME2_ERR_IDENTIFIER);
    ids[1].type = ACME2_ID_IP;
    ids[1].value = "300.1.1.1";
    CHECK_INT(acme2_csr_der(csr, sizeof csr, &key_p256, ids, 2, 0), ACME2_ERR_IDENTIFIER);
    ids[1].type = 9;
    CHECK_INT(acme2_csr_der(csr, sizeof csr, &key_p256, ids, 2, 0), ACME2_ERR_IDENTIFIER);
    CHECK_INT(acme2_csr_der(csr, sizeof csr, &key_p256, ids, 0, 0), ACME2_ERR_PARAM);
    memset(&empty, 0, sizeof empty);
    CHECK(acme2_csr_der(csr, sizeof csr, &empty, ids, 1, 0) < 0);
}

/* ---- tls-alpn-01 certificate ---- */

static const char keyauth[] = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";

/* openssl's SHA-256 of the key authorization, as lower-case hex. */
static int keyauth_sha256_hex(char *out, size_t cap)
{
    char buf[256];
    const char *p;
    if (t_sh_out(buf, sizeof buf, "printf %%s '%s' | openssl dgst -sha256 -r", keyauth) < 0) return -1;
    p = buf;
    if (strlen(p) < 64 || cap < 65) return -1;
    memcpy(out, p, 64);
    out[64] = 0;
    return 0;
}

static int alpn_write(const acme2_key *key, const acme2_identifier *id, long long now, const char *name)
{
    static unsigned char cert[4096];
    int n = acme2_tls_alpn01_cert_der(cert, sizeof cert, key, id, keyauth, now);
    if (n <= 0) return n;
    if (t_write_file(t_path(name), cert, (size_t)n)) return -1;
    return n;
}

static void alpn_cert_has_critical_acme_extension_with_digest(void)
{
    char out[8192], want_hex[65], line_hex[80];
    const char *p;
    acme2_identifier id;
    REQUIRE(keys_ready());
    id.type = ACME2_ID_DNS;
    id.value = "alpn.example";
    REQUIRE(alpn_write(&key_p256, &id, (long long)time(NULL), "alpn.der") > 0);
    REQUIRE(t_sh_out(out, sizeof out, "openssl x509 -inform DER -in %s -noout -text", t_path("alpn.der")) > 0);
    CHECK_MSG(strstr(out, "1.3.6.1.5.5.7.1.31: critical") != NULL, "no critical acmeIdentifier in:\n%s", out);
    CHECK(strstr(out, "Version: 3 (0x2)") != NULL);
    CHECK(strstr(out, "Issuer: CN = alpn.example") != NULL);
    CHECK(strstr(out, "Subject: CN = alpn.example") != NULL);
    CHECK(strstr(out, "DNS:alpn.example\n") != NULL);
    CHECK(strstr(out, "ecdsa-with-SHA256") != NULL);
    /* extnValue: the OCTET STRING after the OID and the BOOLEAN must hold
       the DER of OCTET STRING (32 bytes) = 04 20 || SHA-256(keyauth). */
    REQUIRE(keyauth_sha256_hex(want_hex, sizeof want_hex) == 0);
    REQUIRE(t_sh_out(out, sizeof out, "openssl asn1parse -inform DER -in %s | grep -A2 ':1.3.6.1.5.5.7.1.31' ",
                     t_path("alpn.der")) > 0);
    CHECK_MSG(strstr(out, "BOOLEAN           :255") != NULL, "no BOOLEAN TRUE after the OID:\n%s", out);
    p = strstr(out, "OCTET STRING      [HEX DUMP]:");
    REQUIRE(p != NULL);
    p += strlen("OCTET STRING      [HEX DUMP]:");
    snprintf(line_hex, sizeof line_hex, "0420%s", want_hex);
    {
        size_t i;
        int same = strlen(p) >= 68;
        for (i = 0; same && i < 68; i++)
            if (tolower((unsigned char)p[i]) != line_hex[i]) same = 0;
        CHECK_MSG(same, "extension value %.68s, want %s", p, line_hex);
    }
    /* And asn1parse of the value alone: one OCTET STRING of 32 bytes. */
    CHECK(t_sh("openssl asn1parse -inform DER -in %s -strparse $(openssl asn1parse -inform DER -in %s | "
               "grep -A2 ':1.3.6.1.5.5.7.1.31' | tail -1 | cut -d: -f1) | grep -qi 'prim: OCTET STRING *\\[HEX DUMP\\]:%s'",
               t_path("alpn.der"), t_path("alpn.der"), want_hex) == 0);
}

static void alpn_cert_self_signature_verifies_and_a_bad_one_fails(void)
{
    acme2_key *keys[3];
    const char *names[3] = { "p256", "p384", "rsa" };
    const char *algs[3] = { "ecdsa-with-SHA256", "ecdsa-with-SHA384", "sha256WithRSAEncryption" };
    acme2_identifier id;
    int k;
    REQUIRE(keys_ready());
    keys[0] = &key_p256;
    keys[1] = &key_p384;
    keys[2] = &key_rsa;
    id.type = ACME2_ID_DNS;
    id.value = "sig.example";
    for (k = 0; k < 3; k++) {
        char der_name[32], pem[32], bad[32];
        static unsigned char cert[4096];
        char out[4096];
        int n;
        snprintf(der_name, sizeof der_name, "sig_%s.der", names[k]);
        snprintf(pem, sizeof pem, "sig_%s.pem", names[k]);
        snprintf(bad, sizeof bad, "sig_%s_bad.pem", names[k]);
        n = alpn_write(keys[k], &id, (long long)time(NULL), der_name);
        REQUIRE(n > 0);
        REQUIRE(t_sh("openssl x509 -inform DER -in %s -out %s", t_path(der_name), t_path(pem)) == 0);
        CHECK_MSG(t_sh("openssl verify -CAfile %s -check_ss_sig -ignore_critical %s >/dev/null 2>&1", t_path(pem),
                       t_path(pem)) == 0, "%s: signature does not verify", names[k]);
        REQUIRE(t_sh_out(out, sizeof out, "openssl x509 -in %s -noout -text", t_path(pem)) > 0);
        CHECK(strstr(out, algs[k]) != NULL);
        /* Flip one bit in the last signature byte: must fail. */
        REQUIRE(t_read_file(t_path(der_name), cert, sizeof cert) == n);
        cert[n - 1] ^= 0x01;
        REQUIRE(t_write_file(t_path(der_name), cert, (size_t)n) == 0);
        REQUIRE(t_sh("openssl x509 -inform DER -in %s -out %s", t_path(der_name), t_path(bad)) == 0);
        CHECK_MSG(t_sh("openssl verify -CAfile %s -check_ss_sig -ignore_critical %s >/dev/null 2>&1", t_path(bad),
                       t_path(bad)) != 0, "%s: a corrupted signature verified", names[k]);
    }
}

static void alpn_cert_validity_span_and_serial(void)
{
    char out[512], value[128];
    unsigned char *der;
    size_t len;
    acme2_cert_info ci;
    acme2_identifier id;
    long long now = 1767225600LL + 12345; /* 2026-01-01 + a bit */
    REQUIRE(keys_ready());
    id.type = ACME2_ID_DNS;
    id.value = "span.example";
    REQUIRE(alpn_write(&key_p256, &id, now, "span.der") > 0);
    der = read_der(t_path("span.der"), &len);
    REQUIRE(der != NULL);
    REQUIRE(acme2_cert_parse(&ci, der, len) == 0);
    CHECK_INT(ci.not_before, now - 3600);
    CHECK_INT(ci.not_after, now + 7 * 86400);
    REQUIRE(t_sh_out(out, sizeof out, "openssl x509 -inform DER -in %s -noout -dates -serial", t_path("span.der")) > 0);
    REQUIRE(field_after(out, "notBefore=", value, sizeof value) == 0);
    CHECK_INT(unix_time_of(value), now - 3600);
    REQUIRE(field_after(out, "notAfter=", value, sizeof value) == 0);
    CHECK_INT(unix_time_of(value), now + 7 * 86400);
    CHECK(strstr(out, "notBefore=Jan  1 02:25:45 2026 GMT") != NULL);
    /* Serial: 16 bytes, positive, from the digest. */
    CHECK_INT(ci.serial_len, 16);
    CHECK((ci.serial[0] & 0x80) == 0);
    {
        char want_hex[65];
        unsigned char d[32];
        REQUIRE(keyauth_sha256_hex(want_hex, sizeof want_hex) == 0);
        hex_bytes(want_hex, d, sizeof d);
        CHECK_INT(ci.serial[0], (d[0] & 0x7f) | 0x40);
        CHECK_MEM(ci.serial + 1, d + 1, 15);
    }
    CHECK(ci.aki == NULL);
    free(der);
}

static void alpn_cert_uses_generalized_time_after_2049(void)
{
    char out[512], value[128];
    unsigned char *der;
    size_t len;
    acme2_cert_info ci;
    acme2_identifier id;
    long long now = 2871763200LL; /* 2061-01-01 */
    REQUIRE(keys_ready());
    id.type = ACME2_ID_DNS;
    id.value = "future.example";
    REQUIRE(alpn_write(&key_p256, &id, now, "future.der") > 0);
    REQUIRE(t_sh_out(out, sizeof out, "openssl asn1parse -inform DER -in %s | grep -c GENERALIZEDTIME",
                     t_path("future.der")) > 0);
    CHECK_STR(out, "2\n");
    REQUIRE(t_sh_out(out, sizeof out, "openssl x509 -inform DER -in %s -noout -dates", t_path("future.der")) > 0);
    REQUIRE(field_after(out, "notBefore=", value, sizeof value) == 0);
    CHECK_INT(unix_time_of(value), now - 3600);
    REQUIRE(field_after(out, "notAfter=", value, sizeof value) == 0);
    CHECK_INT(unix_time_of(value), now + 7 * 86400);
    der = read_der(t_path("future.der"), &len);
    REQUIRE(der != NULL);
    REQUIRE(acme2_cert_parse(&ci, der, len) == 0);
    CHECK_INT(ci.not_before, now - 3600);
    free(der);
    /* Straddling the boundary: UTCTime then GeneralizedTime. */
    now = 2524608000LL - 86400; /* 2049-12-31 */
    REQUIRE(alpn_write(&key_p256, &id, now, "edge.der") > 0);
    REQUIRE(t_sh_out(out, sizeof out, "openssl asn1parse -inform DER -in %s | grep -E 'UTCTIME|GENERALIZEDTIME'",
                     t_path("edge.der")) > 0);
    CHECK(strstr(out, "UTCTIME           :491230230000Z") != NULL);
    CHECK(strstr(out, "GENERALIZEDTIME   :20500107000000Z") != NULL);
    id.value = "x.example";
    CHECK_INT(acme2_tls_alpn01_cert_der(NULL, 0, &key_p256, &id, keyauth, 253402300799LL), ACME2_ERR_PARAM);
    CHECK(acme2_tls_alpn01_cert_der(NULL, 0, &key_p256, &id, keyauth, 253402300799LL - 7 * 86400) > 0);
    CHECK_INT(acme2_tls_alpn01_cert_der(NULL, 0, &key_p256, &id, keyauth, -62167219200LL), ACME2_ERR_PARAM);
    CHECK(acme2_tls_alpn01_cert_der(NULL, 0, &key_p256, &id, keyauth, -62167219200LL + 3600) > 0);
    id.value = "*.x.example";
    CHECK_INT(acme2_tls_alpn01_cert_der(NULL, 0, &key_p256, &id, keyauth, 1767225600LL), ACME2_ERR_IDENTIFIER);
    id.value = "x..example";
    CHECK_INT(acme2_tls_alpn01_cert_der(NULL, 0, &key_p256, &id, keyauth, 1767225600LL), ACME2_ERR_IDENTIFIER);
    id.value = "x.example";
    CHECK_INT(acme2_tls_alpn01_cert_der(NULL, 0, &key_p256, &id, "", 1767225600LL), ACME2_ERR_PARAM);
}

static void alpn_cert_for_ip_identifier(void)
{
    char out[8192];
    acme2_identifier id;
    unsigned char *der;
    size_t len;
    acme2_cert_info ci;
    REQUIRE(keys_ready());
    id.type = ACME2_ID_IP;
    id.value = "2001:db8::7";
    REQUIRE(alpn_write(&key_p384, &id, (long long)time(NULL), "alpn_ip.der") > 0);
    REQUIRE(t_sh_out(out, sizeof out, "openssl x509 -inform DER -in %s -noout -text", t_path("alpn_ip.der")) > 0);
    CHECK(strstr(out, "IP Address:2001:DB8:0:0:0:0:0:7\n") != NULL);
    CHECK(strstr(out, "1.3.6.1.5.5.7.1.31: critical") != NULL);
    CHECK(strstr(out, "Subject: CN = acme-tls-alpn-01") != NULL);
    CHECK(strstr(out, "DNS:") == NULL);
    der = read_der(t_path("alpn_ip.der"), &len);
    REQUIRE(der != NULL);
    REQUIRE(acme2_cert_parse(&ci, der, len) == 0);
    CHECK_INT(acme2_cert_covers(&ci, &id, 1), 0);
    CHECK_INT(acme2_cert_key_match(&ci, &key_p384), 0);
    free(der);
}

int main(void)
{
    RUN(ip_parse_accepts_valid_forms);
    RUN(ip_parse_refuses_invalid_forms);
    RUN(ip_format_follows_rfc5952);
    RUN(ip_format_matches_inet_ntop_on_random_addresses);
    RUN(ip_format_reports_nospace_and_bad_lengths);
    RUN(identifier_check_applies_dns_rules);
    RUN(der_reader_refuses_bad_lengths);
    RUN(cert_parse_reads_what_openssl_prints);
    RUN(cert_parse_reads_generalized_time_past_2050);
    RUN(cert_covers_compares_names_exactly);
    RUN(cert_san_next_reports_nospace_and_keeps_position);
    RUN(cert_key_match_for_each_key_kind);
    RUN(cert_key_match_with_openssl_keys);
    RUN(cert_key_match_accepts_rsa_spki_without_null);
    RUN(cert_parse_refuses_duplicate_extensions);
    RUN(cert_parse_judges_generated_structures);
    RUN(cert_parse_validates_time_fields);
    RUN(cert_parse_refuses_every_truncation);
    RUN(cert_parse_survives_every_single_byte_corruption);
    RUN(cert_parse_refuses_noncanonical_and_overlong_lengths);
    RUN(pem_iterates_a_chain_like_openssl);
    RUN(pem_decodes_padding_and_reports_nospace);
    RUN(pem_refuses_malformed_blocks);
    RUN(csr_ec_p256_verifies_with_openssl);
    RUN(csr_ec_p384_verifies_with_openssl);
    RUN(csr_rsa_verifies_with_openssl);
    RUN(csr_subject_rules);
    RUN(csr_size_query_and_nospace);
    RUN(csr_refuses_bad_identifiers);
    RUN(alpn_cert_has_critical_acme_extension_with_digest);
    RUN(alpn_cert_self_signature_verifies_and_a_bad_one_fails);
    RUN(alpn_cert_validity_span_and_serial);
    RUN(alpn_cert_uses_generalized_time_after_2049);
    RUN(alpn_cert_for_ip_identifier);
    return t_done("der");
}
