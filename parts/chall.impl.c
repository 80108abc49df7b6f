/* == chall == (implementation) */

/* Length of a valid token, or 0. Only the alphabet is judged (RFC 8555
   section 8.1: base64url characters): a server's token need not be a
   canonical encoding of whole bytes. */
static size_t acme2__chall_token_len(const char *token)
{
    size_t n, i;
    if (!token) return 0;
    n = acme2__der_strnlen(token, ACME2_MAX_TOKEN);
    if (n > ACME2_MAX_TOKEN) return 0;
    for (i = 0; i < n; i++)
        if (acme2__b64url_value((unsigned char)token[i]) < 0) return 0;
    return n;
}

/* Writes the parts as one NUL-terminated text, or nothing. */
static int acme2__chall_join(char *out, size_t out_size, const char *const *parts, const size_t *lens, int n)
{
    size_t need = 0, o = 0;
    int i;
    if (!out) return ACME2_ERR_PARAM;
    for (i = 0; i < n; i++) need += lens[i];
    if (need > (size_t)INT_MAX - 1) return ACME2_ERR_NOSPACE;
    if (out_size < need + 1) return ACME2_ERR_NOSPACE;
    for (i = 0; i < n; i++) {
        if (lens[i]) ACME2_MEMCPY(out + o, parts[i], lens[i]);
        o += lens[i];
    }
    out[o] = 0;
    return (int)o;
}

ACME2_DEF int acme2_key_authorization(const acme2_key *account_key, const char *token, char *out, size_t out_size)
{
    char thumb[48];
    const char *parts[3];
    size_t lens[3];
    int n;
    lens[0] = acme2__chall_token_len(token);
    if (!lens[0]) return ACME2_ERR_TOKEN;
    n = acme2_jwk_thumbprint(account_key, thumb, sizeof thumb);
    if (n < 0) return n;
    parts[0] = token;
    parts[1] = ".";
    lens[1] = 1;
    parts[2] = thumb;
    lens[2] = (size_t)n;
    return acme2__chall_join(out, out_size, parts, lens, 3);
}

/* A key authorization: token, ".", 43-character thumbprint, NUL. */
#define ACME2__KEYAUTH_MAX (ACME2_MAX_TOKEN + 48)

ACME2_DEF int acme2_dns01_txt(const acme2_key *account_key, const char *token, char *out, size_t out_size)
{
    char ka[ACME2__KEYAUTH_MAX];
    unsigned char digest[32];
    br_sha256_context h;
    int n;
    if (!out) return ACME2_ERR_PARAM;
    n = acme2_key_authorization(account_key, token, ka, sizeof ka);
    if (n < 0) return n;
    br_sha256_init(&h);
    br_sha256_update(&h, ka, (size_t)n);
    br_sha256_out(&h, digest);
    return acme2_b64url_encode(out, out_size, digest, sizeof digest);
}

/* The DNS identifier without a leading "*." (the name validated). */
static int acme2__chall_base_name(const char *identifier, const char **name, size_t *len)
{
    size_t n;
    if (acme2__der_dns_check(identifier, &n)) return ACME2_ERR_IDENTIFIER;
    if (identifier[0] == '*') {
        identifier += 2;
        n -= 2;
    }
    *name = identifier;
    *len = n;
    return 0;
}

ACME2_DEF int acme2_dns01_name(const char *identifier, char *out, size_t out_size)
{
    static const char prefix[] = "_acme-challenge.";
    const char *parts[2];
    size_t lens[2];
    if (acme2__chall_base_name(identifier, &parts[1], &lens[1])) return ACME2_ERR_IDENTIFIER;
    parts[0] = prefix;
    lens[0] = sizeof prefix - 1;
    if (lens[0] + lens[1] > 253) return ACME2_ERR_IDENTIFIER;
    return acme2__chall_join(out, out_size, parts, lens, 2);
}

ACME2_DEF int acme2_http01_path(const char *token, char *out, size_t out_size)
{
    static const char prefix[] = "/.well-known/acme-challenge/";
    const char *parts[2];
    size_t lens[2];
    lens[1] = acme2__chall_token_len(token);
    if (!lens[1]) return ACME2_ERR_TOKEN;
    parts[0] = prefix;
    lens[0] = sizeof prefix - 1;
    parts[1] = token;
    return acme2__chall_join(out, out_size, parts, lens, 2);
}

ACME2_DEF int acme2_tls_alpn01_cert(unsigned char *out, size_t out_size, const acme2_key *cert_key,
                                    const acme2_key *account_key, const acme2_identifier *id,
                                    const char *token, int64_t now)
{
    char ka[ACME2__KEYAUTH_MAX];
    int n = acme2_key_authorization(account_key, token, ka, sizeof ka);
    if (n < 0) return n;
    return acme2_tls_alpn01_cert_der(out, out_size, cert_key, id, ka, now);
}

ACME2_DEF int acme2_dns_account01_name(const char *account_url, const char *identifier, char *out, size_t out_size)
{
    /* draft-ietf-acme-dns-account-label-03 (May 2026, the latest revision
       found; -01 and -02 build the name the same way):
       "_" || base32(SHA-256(<ACCOUNT_URL>)[0:10]) || "._acme-challenge",
       prepended to the name; base32 per RFC 4648 section 6, which for 10
       bytes is exactly 16 characters without padding; lower case as DNS
       labels are conventionally written. */
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    static const char suffix[] = "._acme-challenge.";
    unsigned char digest[32];
    char label[17];
    const char *parts[3];
    size_t lens[3];
    br_sha256_context h;
    int i;
    if (!account_url || !account_url[0]) return ACME2_ERR_PARAM;
    if (acme2__chall_base_name(identifier, &parts[2], &lens[2])) return ACME2_ERR_IDENTIFIER;
    br_sha256_init(&h);
    br_sha256_update(&h, account_url, strlen(account_url));
    br_sha256_out(&h, digest);
    label[0] = '_';
    for (i = 0; i < 2; i++) {
        /* Two groups of 5 bytes = 40 bits = 8 characters each. */
        const unsigned char *b = digest + 5 * i;
        unsigned long long v = ((unsigned long long)b[0] << 32) | ((unsigned long long)b[1] << 24) |
                               ((unsigned long long)b[2] << 16) | ((unsigned long long)b[3] << 8) | b[4];
        int j;
        for (j = 0; j < 8; j++) label[1 + 8 * i + j] = alphabet[(v >> (35 - 5 * j)) & 31];
    }
    parts[0] = label;
    lens[0] = 17;
    parts[1] = suffix;
    lens[1] = sizeof suffix - 1;
    if (lens[0] + lens[1] + lens[2] > 253) return ACME2_ERR_IDENTIFIER;
    return acme2__chall_join(out, out_size, parts, lens, 3);
}

ACME2_DEF int acme2_ari_cert_id(const acme2_cert_info *ci, char *out, size_t out_size)
{
    int a, s;
    if (!ci || !out || !ci->serial || !ci->serial_len) return ACME2_ERR_PARAM;
    if (!ci->aki || !ci->aki_len) return ACME2_ERR_NOT_FOUND;
    a = acme2_b64url_encode(NULL, 0, ci->aki, ci->aki_len);
    s = acme2_b64url_encode(NULL, 0, ci->serial, ci->serial_len);
    if (a < 0 || s < 0) return ACME2_ERR_PARAM;
    if (out_size < (size_t)a + 1 + (size_t)s + 1) return ACME2_ERR_NOSPACE;
    acme2_b64url_encode(out, (size_t)a + 1, ci->aki, ci->aki_len);
    out[a] = '.';
    acme2_b64url_encode(out + a + 1, (size_t)s + 1, ci->serial, ci->serial_len);
    return a + 1 + s;
}
