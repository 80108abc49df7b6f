/* jws: JWK and RFC 7638 thumbprint, signatures (RFC 6979 vectors), HMAC
   (RFC 4231 vectors), the flattened JWS for ES256/ES384/RS256 checked by
   the `openssl` command line, External Account Binding, keyChange, and the
   string builder contract (exact sizes, sticky errors). */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"

/* ---- helpers ---- */

static const char *tpath(char *buf, const char *name)
{
    snprintf(buf, 512, "%s", t_path(name));
    return buf;
}

static int load_file(acme2_key *k, const char *path)
{
    static unsigned char buf[16384];
    long n = t_read_file(path, buf, sizeof buf);
    if (n < 0) return 999;
    return acme2_key_load(k, buf, (size_t)n);
}

/* Test keys made by openssl (so the public keys openssl derives are
   independent of our code): 0 P-256, 1 P-384, 2 RSA-2048. */
static acme2_key keys[3];
static char pubs[3][512];

static int make_keys(void)
{
    static const char *gen[3] = { "-algorithm EC -pkeyopt ec_paramgen_curve:P-256",
                                  "-algorithm EC -pkeyopt ec_paramgen_curve:P-384",
                                  "-algorithm RSA -pkeyopt rsa_keygen_bits:2048" };
    static int done;
    int i;
    if (done) return 0;
    for (i = 0; i < 3; i++) {
        char f[512], name[32];
        snprintf(name, sizeof name, "key%d.pem", i);
        tpath(f, name);
        snprintf(name, sizeof name, "pub%d.pem", i);
        tpath(pubs[i], name);
        if (t_sh("openssl genpkey %s -out %s 2>/dev/null", gen[i], f)) return -1;
        if (t_sh("openssl pkey -in %s -pubout -out %s 2>/dev/null", f, pubs[i])) return -1;
        if (load_file(&keys[i], f)) return -1;
    }
    done = 1;
    return 0;
}

/* The parts of a flattened JWS, decoded. */
struct jws_parts {
    char prot_b64[4096], payload_b64[8192], sig_b64[1024];
    char prot[4096], payload[8192];
    unsigned char sig[512];
    int sig_len;
    size_t payload_len;
};

static int json_member_str(const char *js, size_t len, const char *key, char *out, size_t cap)
{
    acme2_json_tok toks[64];
    int n = acme2_json_parse(js, len, toks, 64), v;
    if (n < 1 || toks[0].type != ACME2_JSON_OBJECT) return -1;
    v = acme2_json_get(js, toks, n, 0, key);
    if (v < 0) return v;
    return acme2_json_str(js, &toks[v], out, cap);
}

/* Splits and decodes a JWS; checks it has exactly the three members. */
static int jws_split(const char *jws, struct jws_parts *p)
{
    acme2_json_tok toks[16];
    size_t len = strlen(jws);
    int n = acme2_json_parse(jws, len, toks, 16), l;
    if (n != 7 || toks[0].type != ACME2_JSON_OBJECT || toks[0].size != 3) return -1;
    if (json_member_str(jws, len, "protected", p->prot_b64, sizeof p->prot_b64) < 0) return -2;
    if (json_member_str(jws, len, "payload", p->payload_b64, sizeof p->payload_b64) < 0) return -3;
    if (json_member_str(jws, len, "signature", p->sig_b64, sizeof p->sig_b64) < 0) return -4;
    l = acme2_b64url_decode(p->prot, sizeof p->prot - 1, p->prot_b64, strlen(p->prot_b64));
    if (l < 0) return -5;
    p->prot[l] = 0;
    l = acme2_b64url_decode(p->payload, sizeof p->payload - 1, p->payload_b64, strlen(p->payload_b64));
    if (l < 0) return -6;
    p->payload[l] = 0;
    p->payload_len = (size_t)l;
    p->sig_len = acme2_b64url_decode(p->sig, sizeof p->sig, p->sig_b64, strlen(p->sig_b64));
    return p->sig_len < 0 ? -7 : 0;
}

/* Member names of a JSON object text, in document order, joined by ','. */
static int member_names(const char *js, char *out, size_t cap)
{
    acme2_json_tok toks[64];
    int n = acme2_json_parse(js, strlen(js), toks, 64), i;
    size_t o = 0;
    if (n < 1 || toks[0].type != ACME2_JSON_OBJECT) return -1;
    out[0] = 0;
    for (i = 1; i < n; i = acme2_json_next(toks, n, i)) {
        int l;
        if (o) out[o++] = ',';
        l = acme2_json_str(js, &toks[i], out + o, cap - o);
        if (l < 0) return -1;
        o += (size_t)l;
    }
    return 0;
}

/* DER ECDSA-Sig-Value from raw r||s. */
static size_t ecdsa_der(const unsigned char *rs, size_t n, unsigned char *out)
{
    size_t half = n / 2, o = 2, k;
    for (k = 0; k < 2; k++) {
        const unsigned char *v = rs + k * half;
        size_t l = half;
        while (l > 1 && v[0] == 0) { v++; l--; }
        out[o++] = 0x02;
        out[o++] = (unsigned char)(l + (v[0] & 0x80 ? 1 : 0));
        if (v[0] & 0x80) out[o++] = 0;
        memcpy(out + o, v, l);
        o += l;
    }
    out[0] = 0x30;
    out[1] = (unsigned char)(o - 2);
    return o;
}

/* openssl verifies the JWS signature over protected "." payload with pub. */
static int openssl_verifies_jws(const struct jws_parts *p, const char *pub, int ec, const char *hash)
{
    char input[16384], inf[512], sf[512];
    unsigned char der[128];
    int n = snprintf(input, sizeof input, "%s.%s", p->prot_b64, p->payload_b64);
    if (n <= 0 || t_write_file(tpath(inf, "input.txt"), input, (size_t)n)) return 0;
    if (ec) {
        size_t dl = ecdsa_der(p->sig, (size_t)p->sig_len, der);
        if (t_write_file(tpath(sf, "sig.der"), der, dl)) return 0;
    } else if (t_write_file(tpath(sf, "sig.der"), p->sig, (size_t)p->sig_len)) {
        return 0;
    }
    return t_sh("openssl dgst -%s -verify %s -signature %s %s >/dev/null 2>&1", hash, pub, sf, inf) == 0;
}

/* ---- JWK and thumbprint ---- */

/* RFC 7638 section 3.1: the example RSA key's canonical JWK and its
   thumbprint, through the same emitter acme2_jwk and acme2_jwk_thumbprint
   use. */
static void rfc7638_example_canonical_jwk_and_thumbprint(void)
{
    static const char n_b64[] =
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3"
        "oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgd"
        "AZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCu"
        "r-kEgU8awapJzKnqDKgw";
    static const unsigned char e[] = { 1, 0, 1 };
    unsigned char n[256];
    char text[1024], want[1024], thumb[64];
    int nl = acme2_b64url_decode(n, sizeof n, n_b64, strlen(n_b64));
    acme2_sb sb;
    acme2__jwk_sink o;
    br_sha256_context sha;
    REQUIRE(nl == 256);
    acme2_sb_init(&sb, text, sizeof text);
    o.sb = &sb;
    o.sha = NULL;
    acme2__jwk_rsa(&o, n, (size_t)nl, e, sizeof e);
    CHECK(acme2_sb_finish(&sb) > 0);
    snprintf(want, sizeof want, "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"%s\"}", n_b64);
    CHECK_STR(text, want);
    br_sha256_init(&sha);
    o.sb = NULL;
    o.sha = &sha;
    acme2__jwk_rsa(&o, n, (size_t)nl, e, sizeof e);
    CHECK_INT(acme2__thumbprint_finish(&sha, thumb, sizeof thumb), 43);
    CHECK_STR(thumb, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

/* The thumbprint of a key is base64url(SHA-256(acme2_jwk text)), checked
   with openssl's SHA-256. */
static void thumbprint_is_sha256_of_jwk_text(void)
{
    int i;
    REQUIRE(make_keys() == 0);
    for (i = 0; i < 3; i++) {
        char jwk[1024], thumb[64], out[256], f[512];
        unsigned char h[32];
        int n = acme2_jwk(&keys[i], jwk, sizeof jwk);
        REQUIRE(n > 0);
        CHECK_INT(acme2_jwk(&keys[i], NULL, 0), n);
        REQUIRE(t_write_file(tpath(f, "jwk.json"), jwk, (size_t)n) == 0);
        REQUIRE(t_sh_out(out, sizeof out, "openssl dgst -sha256 -hex %s", f) > 0);
        REQUIRE(strstr(out, "= "));
        CHECK_INT(unhex(strstr(out, "= ") + 2, h, sizeof h), 32);
        CHECK_INT(acme2_jwk_thumbprint(&keys[i], thumb, sizeof thumb), 43);
        {
            char want[64];
            acme2_b64url_encode(want, sizeof want, h, 32);
            CHECK_STR(thumb, want);
        }
        /* canonical: the member names in order, no white space */
        CHECK(strchr(jwk, ' ') == NULL);
        {
            char names[128];
            REQUIRE(member_names(jwk, names, sizeof names) == 0);
            CHECK_STR(names, i < 2 ? "crv,kty,x,y" : "e,kty,n");
        }
    }
}

static void jwk_and_thumbprint_report_nospace_and_bad_keys(void)
{
    static acme2_key empty;
    char out[512], thumb[44];
    int n;
    REQUIRE(make_keys() == 0);
    n = acme2_jwk(&keys[0], NULL, 0);
    REQUIRE(n > 0);
    memset(out, 'x', sizeof out);
    CHECK_INT(acme2_jwk(&keys[0], out, (size_t)n), ACME2_ERR_NOSPACE);
    CHECK_INT(out[0], 'x'); /* untouched */
    CHECK_INT(acme2_jwk(&keys[0], out, (size_t)n + 1), n);
    CHECK_INT(acme2_jwk_thumbprint(&keys[0], thumb, 43), ACME2_ERR_NOSPACE);
    CHECK_INT(acme2_jwk_thumbprint(&keys[0], thumb, 44), 43);
    CHECK_INT(acme2_jwk(&empty, out, sizeof out), ACME2_ERR_PARAM);
    CHECK_INT(acme2_jwk(NULL, out, sizeof out), ACME2_ERR_PARAM);
    CHECK_INT(acme2_jwk_thumbprint(&empty, thumb, sizeof thumb), ACME2_ERR_PARAM);
    CHECK_STR(acme2_jws_alg(&keys[0]), "ES256");
    CHECK_STR(acme2_jws_alg(&keys[1]), "ES384");
    CHECK_STR(acme2_jws_alg(&keys[2]), "RS256");
    CHECK(acme2_jws_alg(&empty) == NULL);
    CHECK(acme2_jws_alg(NULL) == NULL);
}

/* ---- signatures ---- */

/* SEC1 DER of a private scalar with a named curve and no public key. */
static size_t sec1_der(const unsigned char *x, size_t xl, const unsigned char *oid, size_t ol, unsigned char *out)
{
    size_t o = 0, body = 3 + 2 + xl + 2 + 2 + ol;
    out[o++] = 0x30;
    out[o++] = (unsigned char)body;
    out[o++] = 0x02; out[o++] = 1; out[o++] = 1;
    out[o++] = 0x04; out[o++] = (unsigned char)xl;
    memcpy(out + o, x, xl);
    o += xl;
    out[o++] = 0xa0; out[o++] = (unsigned char)(2 + ol);
    out[o++] = 0x06; out[o++] = (unsigned char)ol;
    memcpy(out + o, oid, ol);
    return o + ol;
}

/* RFC 6979 appendix A.2.5 (P-256, SHA-256) and A.2.6 (P-384, SHA-384),
   message "sample": the public key and the deterministic signature. */
static void rfc6979_keys_and_signatures(void)
{
    static const struct {
        const char *x, *ux, *uy, *r, *s;
        unsigned char oid[8];
        size_t ol;
    } v[2] = {
        { "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721",
          "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6",
          "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299",
          "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
          "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8",
          { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 }, 8 },
        { "6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA9AA47740787137D896D5724E4C70A825F872C9EA60D2EDF5",
          "EC3A4E415B4E19A4568618029F427FA5DA9A8BC4AE92E02E06AAE5286B300C64DEF8F0EA9055866064A254515480BC13",
          "8015D9B72D7D57244EA8EF9AC0C621896708A59367F9DFB9F54CA84B3F1C9DB1288B231C3AE0D4FE7344FD2533264720",
          "94EDBB92A5ECB8AAD4736E56C691916B3F88140666CE9FA73D64C4EA95AD133C81A648152E44ACF96E36DD1E80FABE46",
          "99EF4AEB15F178CEA1FE40DB2603138F130E740A19624526203B6351D0A3A94FA329C145786E679E7B82C71A38628AC8",
          { 0x2b, 0x81, 0x04, 0x00, 0x22 }, 5 },
    };
    int i;
    for (i = 0; i < 2; i++) {
        static acme2_key k;
        unsigned char x[48], want[96], der[128], sig[96], got[64];
        char jwk[512];
        size_t xl = unhex(v[i].x, x, sizeof x), c = xl, dl;
        dl = sec1_der(x, xl, v[i].oid, v[i].ol, der);
        REQUIRE(acme2_key_load(&k, der, dl) == 0);
        REQUIRE(acme2_jwk(&k, jwk, sizeof jwk) > 0);
        /* public key: the JWK's x and y */
        {
            const char *px = strstr(jwk, "\"x\":\""), *py = strstr(jwk, "\"y\":\"");
            REQUIRE(px && py);
            CHECK_INT(acme2_b64url_decode(got, sizeof got, px + 5, (size_t)(strchr(px + 5, '"') - px - 5)), (int)c);
            unhex(v[i].ux, want, sizeof want);
            CHECK_MEM(got, want, c);
            CHECK_INT(acme2_b64url_decode(got, sizeof got, py + 5, (size_t)(strchr(py + 5, '"') - py - 5)), (int)c);
            unhex(v[i].uy, want, sizeof want);
            CHECK_MEM(got, want, c);
        }
        unhex(v[i].r, want, sizeof want);
        unhex(v[i].s, want + c, sizeof want - c);
        CHECK_INT(acme2_sign(&k, "sample", 6, sig, sizeof sig), (int)(2 * c));
        CHECK_MEM(sig, want, 2 * c);
        acme2_key_wipe(&k);
    }
}

static void sign_reports_sizes(void)
{
    static acme2_key empty;
    unsigned char sig[512];
    REQUIRE(make_keys() == 0);
    CHECK_INT(acme2_sign(&keys[0], "x", 1, NULL, 0), 64);
    CHECK_INT(acme2_sign(&keys[1], "x", 1, NULL, 0), 96);
    CHECK_INT(acme2_sign(&keys[2], "x", 1, NULL, 0), 256);
    CHECK_INT(acme2_sign(&keys[0], "x", 1, sig, 63), ACME2_ERR_NOSPACE);
    CHECK_INT(acme2_sign(&keys[2], "x", 1, sig, 255), ACME2_ERR_NOSPACE);
    CHECK_INT(acme2_sign(&keys[2], "", 0, sig, 256), 256);
    CHECK_INT(acme2_sign(&empty, "x", 1, sig, sizeof sig), ACME2_ERR_PARAM);
}

/* ---- HMAC ---- */

/* RFC 4231 section 4, test cases 1-7 for HMAC-SHA-256/384/512. Case 5's
   published values are truncated to 128 bits: compared as a prefix. */
static void rfc4231_hmac_vectors(void)
{
    static const char *want[7][3] = {
        { "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
          "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
          "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4"
          "be9d914eeb61f1702e696c203a126854" },
        { "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
          "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
          "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fd"
          "caeab1a34d4a6b4b636e070a38bce737" },
        { "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
          "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
          "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807"
          "b946a337bee8942674278859e13292fb" },
        { "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
          "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
          "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063"
          "a5f19741120c4f2de2adebeb10a298dd" },
        { "a3b6167473100ee06e0c796c2955552b", "3abf34c3503b2a23a46efc619baef897", "415fad6271580a531d4179bc891d87a6" },
        { "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
          "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
          "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e52"
          "95e64f73f63f0aec8b915a985d786598" },
        { "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
          "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
          "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15"
          "134676fb6de0446065c97440fa8c6a58" },
    };
    static const char *data[7] = {
        "Hi There", "what do ya want for nothing?", NULL, NULL, "Test With Truncation",
        "Test Using Larger Than Block-Size Key - Hash Key First",
        "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be "
        "hashed before being used by the HMAC algorithm.",
    };
    static const unsigned bits[3] = { 256, 384, 512 };
    unsigned char key[131], msg[64], mac[64], exp[64];
    int c, h;
    for (c = 0; c < 7; c++) {
        size_t kl, ml;
        const void *m = msg;
        switch (c) {
        case 0: kl = 20; memset(key, 0x0b, kl); break;
        case 1: kl = 4; memcpy(key, "Jefe", 4); break;
        case 2: kl = 20; memset(key, 0xaa, kl); break;
        case 3: kl = 25; for (ml = 0; ml < 25; ml++) key[ml] = (unsigned char)(ml + 1); break;
        case 4: kl = 20; memset(key, 0x0c, kl); break;
        default: kl = 131; memset(key, 0xaa, kl); break;
        }
        if (c == 2) { ml = 50; memset(msg, 0xdd, ml); }
        else if (c == 3) { ml = 50; memset(msg, 0xcd, ml); }
        else { m = data[c]; ml = strlen(data[c]); }
        for (h = 0; h < 3; h++) {
            size_t el = unhex(want[c][h], exp, sizeof exp);
            CHECK_INT(acme2_hmac(bits[h], key, kl, m, ml, mac, sizeof mac), (int)(bits[h] / 8));
            CHECK_MSG(memcmp(mac, exp, el) == 0, "RFC 4231 case %d, HMAC-SHA-%u", c + 1, bits[h]);
        }
    }
    CHECK_INT(acme2_hmac(128, key, 1, msg, 1, mac, sizeof mac), ACME2_ERR_PARAM);
    CHECK_INT(acme2_hmac(256, key, 1, msg, 1, mac, 31), ACME2_ERR_NOSPACE);
    CHECK_INT(acme2_hmac(384, key, 1, msg, 1, NULL, 0), 48);
}

/* ---- JWS ---- */

static const char new_account_url[] = "https://acme.example.com/acme/new-account";

/* acme2_jws for key i, checked member by member and by openssl. */
static void check_jws(int i, const char *kid, const char *nonce, const char *payload)
{
    static const char *alg[3] = { "ES256", "ES384", "RS256" };
    static const char *hash[3] = { "sha256", "sha384", "sha256" };
    static char buf[8192];
    static struct jws_parts p;
    char names[128], want[128], v[2048], jwk[1024];
    acme2_sb sb;
    int rc;
    acme2_sb_init(&sb, buf, sizeof buf);
    rc = acme2_jws(&sb, &keys[i], kid, nonce, new_account_url, payload, payload ? strlen(payload) : 0);
    REQUIRE(rc == 0);
    REQUIRE(acme2_sb_finish(&sb) > 0);
    REQUIRE(jws_split(buf, &p) == 0);
    /* "protected" first, then "payload", then "signature" */
    CHECK(strncmp(buf, "{\"protected\":\"", 14) == 0);
    CHECK(strstr(buf, "\",\"payload\":\"") != NULL);
    CHECK(strstr(buf, "\",\"signature\":\"") != NULL);
    REQUIRE(member_names(p.prot, names, sizeof names) == 0);
    snprintf(want, sizeof want, "alg,%s%s", kid ? "kid" : "jwk", nonce ? ",nonce,url" : ",url");
    CHECK_STR(names, want);
    CHECK(json_member_str(p.prot, strlen(p.prot), "alg", v, sizeof v) > 0);
    CHECK_STR(v, alg[i]);
    CHECK(json_member_str(p.prot, strlen(p.prot), "url", v, sizeof v) > 0);
    CHECK_STR(v, new_account_url);
    if (nonce) {
        CHECK(json_member_str(p.prot, strlen(p.prot), "nonce", v, sizeof v) >= 0);
        CHECK_STR(v, nonce);
    }
    if (kid) {
        CHECK(json_member_str(p.prot, strlen(p.prot), "kid", v, sizeof v) > 0);
        CHECK_STR(v, kid);
    } else {
        /* the jwk member is exactly the key's canonical JWK */
        REQUIRE(acme2_jwk(&keys[i], jwk, sizeof jwk) > 0);
        CHECK(strstr(p.prot, jwk) != NULL);
        CHECK(strstr(p.prot, "\"jwk\":{") != NULL);
    }
    if (payload) {
        CHECK_STR(p.payload, payload);
    } else {
        CHECK_STR(p.payload_b64, ""); /* POST-as-GET */
    }
    CHECK_INT(p.sig_len, acme2_sign(&keys[i], "", 0, NULL, 0));
    CHECK_MSG(openssl_verifies_jws(&p, pubs[i], i < 2, hash[i]), "openssl does not verify the %s JWS", alg[i]);
}

static void es256_jws_verifies_with_openssl(void)
{
    REQUIRE(make_keys() == 0);
    check_jws(0, NULL, "oFvnlFP1wIhRlYS2jTaXbA", "{\"termsOfServiceAgreed\":true,\"contact\":[\"mailto:a@example.org\"]}");
}

static void es384_jws_verifies_with_openssl(void)
{
    REQUIRE(make_keys() == 0);
    check_jws(1, NULL, "n1", "{\"onlyReturnExisting\":true}");
}

static void rs256_jws_verifies_with_openssl(void)
{
    REQUIRE(make_keys() == 0);
    check_jws(2, NULL, "n2", "{}");
}

static void jws_with_kid_has_no_jwk(void)
{
    REQUIRE(make_keys() == 0);
    check_jws(0, "https://acme.example.com/acme/acct/evOfKhNU60wg", "n3", "{\"status\":\"deactivated\"}");
    check_jws(2, "https://acme.example.com/acme/acct/evOfKhNU60wg", "n3", "{}");
}

static void post_as_get_has_empty_payload(void)
{
    REQUIRE(make_keys() == 0);
    check_jws(0, "https://acme.example.com/acme/acct/1", "n4", NULL);
    check_jws(1, "https://acme.example.com/acme/acct/1", "n4", NULL);
    check_jws(2, "https://acme.example.com/acme/acct/1", "n4", NULL);
}

static void jws_without_nonce_omits_it(void)
{
    REQUIRE(make_keys() == 0);
    check_jws(0, "https://acme.example.com/acme/acct/1", NULL, "{}");
}

/* Strings that need JSON escapes come back unchanged after decoding. */
static void jws_escapes_header_strings(void)
{
    static char buf[4096];
    static struct jws_parts p;
    static const char kid[] = "https://e.example/acct/\"q\"\\x";
    char v[256];
    acme2_sb sb;
    REQUIRE(make_keys() == 0);
    acme2_sb_init(&sb, buf, sizeof buf);
    REQUIRE(acme2_jws(&sb, &keys[0], kid, "a\"b", "https://e.example/x", "{}", 2) == 0);
    REQUIRE(acme2_sb_finish(&sb) > 0);
    REQUIRE(jws_split(buf, &p) == 0);
    CHECK(json_member_str(p.prot, strlen(p.prot), "kid", v, sizeof v) > 0);
    CHECK_STR(v, kid);
    CHECK(json_member_str(p.prot, strlen(p.prot), "nonce", v, sizeof v) > 0);
    CHECK_STR(v, "a\"b");
    CHECK(openssl_verifies_jws(&p, pubs[0], 1, "sha256"));
}

/* ---- External Account Binding ---- */

static void eab_mac_matches_openssl(void)
{
    static const unsigned bits[3] = { 256, 384, 512 };
    static const char *alg[3] = { "HS256", "HS384", "HS512" };
    static char buf[4096];
    static struct jws_parts p;
    /* a 32-byte MAC key as a CA hands it out (base64url) */
    static const char hmac_b64[] = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";
    unsigned char mk[64];
    int mkl = acme2_b64url_decode(mk, sizeof mk, hmac_b64, strlen(hmac_b64)), h;
    REQUIRE(mkl > 0);
    REQUIRE(make_keys() == 0);
    for (h = 0; h < 3; h++) {
        char names[64], v[1024], jwk[1024], hexkey[200], out[512], input[4096], inf[512];
        unsigned char expect[64];
        acme2_sb sb;
        int i, n;
        acme2_sb_init(&sb, buf, sizeof buf);
        REQUIRE(acme2_jws_eab(&sb, bits[h], mk, (size_t)mkl, "kid-1", new_account_url, &keys[h]) == 0);
        REQUIRE(acme2_sb_finish(&sb) > 0);
        REQUIRE(jws_split(buf, &p) == 0);
        REQUIRE(member_names(p.prot, names, sizeof names) == 0);
        CHECK_STR(names, "alg,kid,url");
        CHECK(json_member_str(p.prot, strlen(p.prot), "alg", v, sizeof v) > 0);
        CHECK_STR(v, alg[h]);
        CHECK(json_member_str(p.prot, strlen(p.prot), "kid", v, sizeof v) > 0);
        CHECK_STR(v, "kid-1");
        CHECK(json_member_str(p.prot, strlen(p.prot), "url", v, sizeof v) > 0);
        CHECK_STR(v, new_account_url);
        REQUIRE(acme2_jwk(&keys[h], jwk, sizeof jwk) > 0);
        CHECK_STR(p.payload, jwk);
        CHECK_INT(p.sig_len, (int)bits[h] / 8);
        for (i = 0; i < mkl; i++) sprintf(hexkey + 2 * i, "%02x", mk[i]);
        n = snprintf(input, sizeof input, "%s.%s", p.prot_b64, p.payload_b64);
        REQUIRE(t_write_file(tpath(inf, "eab.txt"), input, (size_t)n) == 0);
        REQUIRE(t_sh_out(out, sizeof out, "openssl dgst -sha%u -mac HMAC -macopt hexkey:%s -hex %s 2>/dev/null", bits[h],
                         hexkey, inf) > 0);
        REQUIRE(strstr(out, "= "));
        CHECK_INT(unhex(strstr(out, "= ") + 2, expect, sizeof expect), (int)bits[h] / 8);
        CHECK_MSG(memcmp(expect, p.sig, bits[h] / 8) == 0, "EAB %s MAC differs from openssl's", alg[h]);
    }
}

/* The EAB JWS as the value of a member of the newAccount payload. */
static void eab_nests_as_a_json_member(void)
{
    static char buf[4096];
    acme2_json_tok toks[64];
    acme2_sb sb;
    int n, v;
    REQUIRE(make_keys() == 0);
    acme2_sb_init(&sb, buf, sizeof buf);
    acme2_jw_obj_begin(&sb);
    acme2_jw_key(&sb, "termsOfServiceAgreed");
    acme2_jw_bool(&sb, 1);
    acme2_jw_key(&sb, "externalAccountBinding");
    CHECK_INT(acme2_jws_eab(&sb, 256, "k", 1, "kid", new_account_url, &keys[0]), 0);
    acme2_jw_key(&sb, "contact");
    acme2_jw_arr_begin(&sb);
    acme2_jw_str(&sb, "mailto:x@example.org");
    acme2_jw_arr_end(&sb);
    acme2_jw_obj_end(&sb);
    REQUIRE(acme2_sb_finish(&sb) > 0);
    n = acme2_json_parse(buf, strlen(buf), toks, 64);
    REQUIRE(n > 0);
    CHECK_INT(toks[0].size, 3);
    v = acme2_json_get(buf, toks, n, 0, "externalAccountBinding");
    REQUIRE(v > 0);
    CHECK_INT(toks[v].type, ACME2_JSON_OBJECT);
    CHECK_INT(toks[v].size, 3);
    CHECK(acme2_json_get(buf, toks, n, 0, "contact") > 0);
}

/* ---- keyChange ---- */

static void key_change_inner_jws(void)
{
    static char inner[8192], outer[16384];
    static struct jws_parts p, q;
    static const char acct[] = "https://acme.example.com/acme/acct/evOfKhNU60wg";
    static const char url[] = "https://acme.example.com/acme/key-change";
    char names[64], v[1024], jwk_new[1024], jwk_old[1024], want[4096];
    acme2_sb sb;
    int n;
    REQUIRE(make_keys() == 0);
    /* rolling over from the RSA key (old) to the P-256 key (new) */
    acme2_sb_init(&sb, inner, sizeof inner);
    REQUIRE(acme2_jws_key_change(&sb, &keys[0], &keys[2], acct, url) == 0);
    n = acme2_sb_finish(&sb);
    REQUIRE(n > 0);
    REQUIRE(jws_split(inner, &p) == 0);
    REQUIRE(member_names(p.prot, names, sizeof names) == 0);
    CHECK_STR(names, "alg,jwk,url"); /* no nonce, no kid */
    CHECK(json_member_str(p.prot, strlen(p.prot), "alg", v, sizeof v) > 0);
    CHECK_STR(v, "ES256");
    CHECK(json_member_str(p.prot, strlen(p.prot), "url", v, sizeof v) > 0);
    CHECK_STR(v, url);
    REQUIRE(acme2_jwk(&keys[0], jwk_new, sizeof jwk_new) > 0);
    REQUIRE(acme2_jwk(&keys[2], jwk_old, sizeof jwk_old) > 0);
    CHECK(strstr(p.prot, jwk_new) != NULL);
    snprintf(want, sizeof want, "{\"account\":\"%s\",\"oldKey\":%s}", acct, jwk_old);
    CHECK_STR(p.payload, want);
    CHECK_MSG(openssl_verifies_jws(&p, pubs[0], 1, "sha256"), "inner JWS does not verify with the new key");
    /* the outer JWS, signed by the old key, carries the inner one */
    acme2_sb_init(&sb, outer, sizeof outer);
    REQUIRE(acme2_jws(&sb, &keys[2], acct, "nonce-5", url, inner, (size_t)n) == 0);
    REQUIRE(acme2_sb_finish(&sb) > 0);
    REQUIRE(jws_split(outer, &q) == 0);
    CHECK_STR(q.payload, inner);
    CHECK_MSG(openssl_verifies_jws(&q, pubs[2], 0, "sha256"), "outer JWS does not verify with the old key");
    /* P-384 as the new key */
    acme2_sb_init(&sb, inner, sizeof inner);
    REQUIRE(acme2_jws_key_change(&sb, &keys[1], &keys[0], acct, url) == 0);
    REQUIRE(acme2_sb_finish(&sb) > 0);
    REQUIRE(jws_split(inner, &p) == 0);
    CHECK(openssl_verifies_jws(&p, pubs[1], 1, "sha384"));
}

/* ---- the builder contract ---- */

typedef int (*jws_fn)(acme2_sb *sb);

static int make_es256(acme2_sb *sb)
{
    return acme2_jws(sb, &keys[0], NULL, "nonce-x", new_account_url, "{\"a\":\"b\"}", 9);
}
static int make_rs256_kid(acme2_sb *sb)
{
    return acme2_jws(sb, &keys[2], "https://x.example/acct/1", "n", new_account_url, NULL, 0);
}
static int make_eab(acme2_sb *sb)
{
    return acme2_jws_eab(sb, 512, "key", 3, "kid", new_account_url, &keys[1]);
}
static int make_key_change(acme2_sb *sb)
{
    return acme2_jws_key_change(sb, &keys[1], &keys[2], "https://x.example/acct/1", new_account_url);
}

/* For every buffer shorter than needed: ACME2_ERR_NOSPACE, sb->len + 1 is
   exactly the size needed, nothing written past the buffer (each buffer is
   a heap block of exactly that size); with that size, the same text. */
static void jws_reports_exact_size_for_every_short_buffer(void)
{
    static const jws_fn fns[4] = { make_es256, make_rs256_kid, make_eab, make_key_change };
    static char full[8192];
    int f;
    REQUIRE(make_keys() == 0);
    for (f = 0; f < 4; f++) {
        acme2_sb sb;
        int need, bad = 0;
        size_t cap;
        acme2_sb_init(&sb, full, sizeof full);
        REQUIRE(fns[f](&sb) == 0);
        need = acme2_sb_finish(&sb);
        REQUIRE(need > 0);
        for (cap = 0; cap <= (size_t)need + 1; cap++) {
            char *b = (char *)malloc(cap ? cap : 1);
            int rc;
            acme2_sb_init(&sb, cap ? b : NULL, cap);
            rc = fns[f](&sb);
            if (cap <= (size_t)need) {
                if (rc != ACME2_ERR_NOSPACE || sb.len != (size_t)need || acme2_sb_finish(&sb) != ACME2_ERR_NOSPACE)
                    bad++;
            } else if (rc != 0 || acme2_sb_finish(&sb) != need || memcmp(b, full, (size_t)need + 1) != 0) {
                bad++;
            }
            free(b);
        }
        CHECK_MSG(bad == 0, "builder %d: %d buffer sizes misbehaved", f, bad);
    }
}

/* Appending after text already in the builder keeps that text. */
static void jws_appends_after_existing_text(void)
{
    static char buf[4096], alone[4096];
    acme2_sb sb;
    REQUIRE(make_keys() == 0);
    acme2_sb_init(&sb, alone, sizeof alone);
    REQUIRE(make_es256(&sb) == 0);
    REQUIRE(acme2_sb_finish(&sb) > 0);
    acme2_sb_init(&sb, buf, sizeof buf);
    acme2_sb_puts(&sb, "prefix:");
    REQUIRE(make_es256(&sb) == 0);
    REQUIRE(acme2_sb_finish(&sb) > 0);
    CHECK(strncmp(buf, "prefix:", 7) == 0);
    CHECK_STR(buf + 7, alone); /* ECDSA is deterministic (RFC 6979) */
}

static void jws_errors_are_sticky(void)
{
    static acme2_key empty;
    static char buf[4096];
    acme2_sb sb;
    REQUIRE(make_keys() == 0);
    acme2_sb_init(&sb, buf, sizeof buf);
    CHECK_INT(acme2_jws(&sb, &empty, NULL, "n", "https://x", "{}", 2), ACME2_ERR_PARAM);
    CHECK_INT(sb.err, ACME2_ERR_PARAM);
    CHECK_INT(acme2_jws(&sb, &keys[0], NULL, "n", "https://x", "{}", 2), ACME2_ERR_PARAM); /* stays */
    acme2_sb_init(&sb, buf, sizeof buf);
    CHECK_INT(acme2_jws(&sb, &keys[0], NULL, "n", NULL, "{}", 2), ACME2_ERR_PARAM);
    acme2_sb_init(&sb, buf, sizeof buf);
    CHECK_INT(acme2_jws(&sb, &keys[0], NULL, "bad \xff utf-8", "https://x", "{}", 2), ACME2_ERR_PARAM);
    CHECK_INT(acme2_sb_finish(&sb), ACME2_ERR_PARAM);
    acme2_sb_init(&sb, buf, sizeof buf);
    CHECK_INT(acme2_jws_eab(&sb, 100, "k", 1, "kid", "https://x", &keys[0]), ACME2_ERR_PARAM);
    acme2_sb_init(&sb, buf, sizeof buf);
    CHECK_INT(acme2_jws_eab(&sb, 256, "k", 1, NULL, "https://x", &keys[0]), ACME2_ERR_PARAM);
    acme2_sb_init(&sb, buf, sizeof buf);
    CHECK_INT(acme2_jws_key_change(&sb, &keys[0], &empty, "a", "https://x"), ACME2_ERR_PARAM);
    CHECK_INT(acme2_jws(NULL, &keys[0], NULL, "n", "https://x", "{}", 2), ACME2_ERR_PARAM);
}

int main(void)
{
    RUN(rfc7638_example_canonical_jwk_and_thumbprint);
    RUN(thumbprint_is_sha256_of_jwk_text);
    RUN(jwk_and_thumbprint_report_nospace_and_bad_keys);
    RUN(rfc6979_keys_and_signatures);
    RUN(sign_reports_sizes);
    RUN(rfc4231_hmac_vectors);
    RUN(es256_jws_verifies_with_openssl);
    RUN(es384_jws_verifies_with_openssl);
    RUN(rs256_jws_verifies_with_openssl);
    RUN(jws_with_kid_has_no_jwk);
    RUN(post_as_get_has_empty_payload);
    RUN(jws_without_nonce_omits_it);
    RUN(jws_escapes_header_strings);
    RUN(eab_mac_matches_openssl);
    RUN(eab_nests_as_a_json_member);
    RUN(key_change_inner_jws);
    RUN(jws_reports_exact_size_for_every_short_buffer);
    RUN(jws_appends_after_existing_text);
    RUN(jws_errors_are_sticky);
    return t_done("jws");
}
