/* Fuzz target: the X.509 reader and what uses it (SANs, coverage of
   identifiers, key match, the ARI certificate ID), and the PEM chain
   iterator.

   The input is read twice: as one DER certificate, and as PEM text whose
   CERTIFICATE blocks are decoded one by one and read as certificates too.
   Oracles: every field points into the input; every SAN the iterator
   yields is covered (acme2_cert_covers) when it is a valid identifier;
   the validity agrees with BearSSL's own X.509 decoder whenever both
   accept the certificate. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "fuzz_common.h"

#ifndef FUZZ_ENTRY_CERT
#define FUZZ_ENTRY_CERT LLVMFuzzerTestOneInput
#endif
int FUZZ_ENTRY_CERT(const uint8_t *data, size_t size);

static unsigned char fc_der[16384];

static int fc_in(const unsigned char *p, size_t n, const unsigned char *base, size_t len)
{
    return p >= base && n <= len && (size_t)(p - base) <= len - n;
}

static void fc_bearssl_validity(const unsigned char *der, size_t len, const acme2_cert_info *ci)
{
    br_x509_decoder_context dc;
    br_x509_decoder_init(&dc, NULL, NULL);
    br_x509_decoder_push(&dc, der, len);
    if (br_x509_decoder_last_error(&dc) != 0) return;
    /* BearSSL: days since 0000-01-01 and seconds in the day. */
    FUZZ_ASSERT(ci->not_before == ((long long)dc.notbefore_days - 719528) * 86400 + (long long)dc.notbefore_seconds);
    FUZZ_ASSERT(ci->not_after == ((long long)dc.notafter_days - 719528) * 86400 + (long long)dc.notafter_seconds);
}

/* Everything that reads a parsed certificate. */
static void fc_use(const acme2_cert_info *ci, const unsigned char *der, size_t len)
{
    static const char *const names[] = { "example.org", "*.example.org", "www.example.org", "192.0.2.1",
                                         "2001:db8::1", "localhost" };
    char text[300], small[8], id[512];
    acme2_identifier ids[2];
    size_t pos = 0, prev;
    int type, rc, k, steps = 0;

    FUZZ_ASSERT(ci->serial && ci->serial_len >= 1 && ci->serial_len <= ACME2_MAX_SERIAL);
    FUZZ_ASSERT(fc_in(ci->serial, ci->serial_len, der, len));
    FUZZ_ASSERT(ci->spki && fc_in(ci->spki, ci->spki_len, der, len));
    if (ci->aki) FUZZ_ASSERT(fc_in(ci->aki, ci->aki_len, der, len));
    if (ci->san) FUZZ_ASSERT(fc_in(ci->san, ci->san_len, der, len));
    fc_bearssl_validity(der, len, ci);

    /* SANs: each one the iterator gives is covered by the certificate */
    for (;;) {
        prev = pos;
        memset(small, 0x11, sizeof small);
        rc = acme2_cert_san_next(ci, &pos, &type, small, sizeof small);
        if (rc == ACME2_ERR_NOSPACE) {
            FUZZ_ASSERT(pos == prev && (unsigned char)small[0] == 0x11);
            rc = acme2_cert_san_next(ci, &pos, &type, text, sizeof text);
            FUZZ_ASSERT(rc != ACME2_ERR_NOSPACE);
        } else if (rc == 1) {
            memcpy(text, small, sizeof small);
        }
        if (rc <= 0) {
            FUZZ_ASSERT(rc == 0 || rc == ACME2_ERR_DER);
            if (rc == 0) FUZZ_ASSERT(!ci->san || pos == ci->san_len);
            break;
        }
        FUZZ_ASSERT(pos > prev && pos <= ci->san_len);
        FUZZ_ASSERT(++steps <= 10000);
        FUZZ_ASSERT(type == ACME2_ID_DNS || type == ACME2_ID_IP);
        ids[0].type = type;
        ids[0].value = text;
        if (type == ACME2_ID_IP) {
            unsigned char ip[16];
            FUZZ_ASSERT(acme2_ip_parse(text, ip) > 0); /* what ip_format writes parses back */
            FUZZ_ASSERT(acme2_identifier_check(&ids[0]) == 0);
        }
        if (acme2_identifier_check(&ids[0]) == 0) {
            rc = acme2_cert_covers(ci, ids, 1);
            /* a malformed entry later in the SAN may stop the search first */
            FUZZ_ASSERT(rc == 0 || rc == ACME2_ERR_DER);
        }
    }
    for (k = 0; k < (int)(sizeof names / sizeof names[0]); k++) {
        ids[0].type = (names[k][0] >= '0' && names[k][0] <= '9') ? ACME2_ID_IP : ACME2_ID_DNS;
        ids[0].value = names[k];
        rc = acme2_cert_covers(ci, ids, 1);
        FUZZ_ASSERT(rc == 0 || rc == ACME2_ERR_CERT_NAMES || rc == ACME2_ERR_DER);
        ids[1] = ids[0];
        ids[0].value = "example.org";
        ids[0].type = ACME2_ID_DNS;
        rc = acme2_cert_covers(ci, ids, 2);
        FUZZ_ASSERT(rc == 0 || rc == ACME2_ERR_CERT_NAMES || rc == ACME2_ERR_DER);
    }
    ids[0].type = ACME2_ID_DNS;
    ids[0].value = "bad..name";
    rc = acme2_cert_covers(ci, ids, 1);
    FUZZ_ASSERT(rc == ACME2_ERR_IDENTIFIER || rc == ACME2_ERR_DER);
    FUZZ_ASSERT(acme2_cert_covers(ci, NULL, 0) == 0);

    rc = acme2_cert_key_match(ci, fuzz_cert_key());
    FUZZ_ASSERT(rc == 0 || rc == ACME2_ERR_CERT_KEY);

    rc = acme2_ari_cert_id(ci, id, sizeof id);
    if (!ci->aki || !ci->aki_len) {
        FUZZ_ASSERT(rc == ACME2_ERR_NOT_FOUND);
    } else {
        int a = acme2_b64url_encode(NULL, 0, ci->aki, ci->aki_len);
        unsigned char back[128];
        FUZZ_ASSERT(rc > 0 && (size_t)rc == strlen(id));
        FUZZ_ASSERT(id[a] == '.');
        FUZZ_ASSERT(acme2_b64url_decode(back, sizeof back, id, (size_t)a) == (int)ci->aki_len);
        FUZZ_ASSERT(memcmp(back, ci->aki, ci->aki_len) == 0);
        FUZZ_ASSERT(acme2_b64url_decode(back, sizeof back, id + a + 1, strlen(id + a + 1)) == (int)ci->serial_len);
        FUZZ_ASSERT(memcmp(back, ci->serial, ci->serial_len) == 0);
        FUZZ_ASSERT(acme2_ari_cert_id(ci, id, (size_t)rc) == ACME2_ERR_NOSPACE);
    }
}

static void fc_parse(const unsigned char *der, size_t len)
{
    acme2_cert_info ci;
    int rc;
    memset(&ci, 0x5c, sizeof ci);
    rc = acme2_cert_parse(&ci, der, len);
    if (rc != 0) {
        acme2_cert_info untouched;
        memset(&untouched, 0x5c, sizeof untouched);
        FUZZ_ASSERT(rc == ACME2_ERR_DER);
        FUZZ_ASSERT(memcmp(&ci, &untouched, sizeof ci) == 0);
        return;
    }
    fc_use(&ci, der, len);
}

int FUZZ_ENTRY_CERT(const uint8_t *data, size_t size)
{
    const char *pem = (const char *)data;
    size_t pos = 0, der_len;
    int rc, blocks = 0;
    unsigned char tiny[32];

    fc_parse(data, size);

    /* the input as a PEM chain */
    for (;;) {
        size_t before = pos;
        int in_tiny = 1;
        der_len = 12345;
        rc = acme2_pem_cert_next(pem, size, &pos, tiny, sizeof tiny, &der_len);
        if (rc == ACME2_ERR_NOSPACE) {
            in_tiny = 0;
            FUZZ_ASSERT(pos == before);
            rc = acme2_pem_cert_next(pem, size, &pos, fc_der, sizeof fc_der, &der_len);
            FUZZ_ASSERT(rc != ACME2_ERR_NOSPACE || size > sizeof fc_der);
        }
        if (rc <= 0) {
            FUZZ_ASSERT(rc == 0 || rc == ACME2_ERR_PEM || rc == ACME2_ERR_NOSPACE);
            FUZZ_ASSERT(pos == before);
            break;
        }
        FUZZ_ASSERT(rc == 1 && pos > before && pos <= size);
        FUZZ_ASSERT(++blocks <= (int)(size / 20 + 1)); /* a block takes more than 20 bytes of text */
        if (in_tiny) {
            FUZZ_ASSERT(der_len <= sizeof tiny);
            memcpy(fc_der, tiny, der_len);
        } else {
            FUZZ_ASSERT(der_len > sizeof tiny && der_len <= sizeof fc_der);
        }
        fc_parse(fc_der, der_len);
    }
    pos = size + 1;
    FUZZ_ASSERT(acme2_pem_cert_next(pem, size, &pos, fc_der, sizeof fc_der, &der_len) == ACME2_ERR_PARAM);
    return 0;
}

#undef FUZZ_ENTRY_CERT
