/* A scripted ACME server for protocol tests: a transport that checks every
   request against the next step of a script and answers with that step's
   canned response. It checks method, URL, content type, the JWS protected
   header (exactly alg, nonce, url and jwk or kid), the payload, and the
   signature, verified here with BearSSL directly from the JWK the client
   sent (or the account key's JWK), not with the library's signing code.
   Nonces must be the one handed out last and never reused. A request past
   the end of the script counts as an error and moves pos beyond n.
   Include after acme2.h and harness.h. */
#ifndef ACME2_TEST_SCRIPT_H
#define ACME2_TEST_SCRIPT_H

#define S_NO_NONCE 1        /* answer without Replay-Nonce */
#define S_TRANSPORT_FAIL 2  /* fail the exchange instead of answering */
#define S_JWK 4             /* the JWS must carry a jwk (else: kid) */
#define S_BAD_NONCE_REUSE 8 /* answer with the nonce the request used (a server bug) */

typedef struct step {
    const char *method;
    const char *url;
    int flags;
    const char *payload;   /* expected payload text; NULL: not checked; "" POST-as-GET */
    int status;
    const char *headers;   /* "Name: value\n" lines */
    const char *body;
    /* Extra check on the decoded payload (EAB, keyChange); returns 0 if good. */
    int (*check)(const char *payload, size_t len, void *ctx);
} step;

typedef struct script {
    const step *steps;
    int n, pos;
    int nonce_counter;
    char nonce[32];          /* the nonce handed out last */
    char used[64][32];       /* nonces already spent: a reuse is an error */
    int n_used;
    const acme2_key *key;    /* key the kid signatures must verify with */
    const acme2_key *jwk_key;/* key whose JWK must appear in jwk-signed requests (NULL: any valid) */
    const char *kid;
    void *check_ctx;
    int errors;
    char last_error[256];
    int chunk;               /* body chunk size pushed per call (0: whole) */
    int n_get, n_head, n_post; /* requests seen, by method */
    int any_nonce;           /* accept any nonce handed out and not used yet, not only the last one
                                (several clients sharing a nonce pool, as a real server does) */
} script;

static void script_init(script *s, const step *steps, int n, const acme2_key *key)
{
    memset(s, 0, sizeof *s);
    s->steps = steps;
    s->n = n;
    s->key = key;
    s->chunk = 7;
}

static void script_error(script *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->last_error, sizeof s->last_error, fmt, ap);
    va_end(ap);
    fprintf(stderr, "script step %d: %s\n", s->pos, s->last_error);
    s->errors++;
}

/* Decodes base64url member `name` of object obj into out. */
static int script_b64_member(const char *js, const acme2_json_tok *t, int n, int obj, const char *name,
                             unsigned char *out, size_t cap)
{
    int k = acme2_json_get(js, t, n, obj, name);
    if (k < 0 || t[k].type != ACME2_JSON_STRING) return -1;
    return acme2_b64url_decode(out, cap, js + t[k].start, (size_t)(t[k].end - t[k].start));
}

/* Verifies a JWS signature over signing input with the JWK given as JSON. */
static int script_verify(const char *alg, const char *jwk, size_t jwk_len, const unsigned char *input, size_t in_len,
                         const unsigned char *sig, size_t sig_len)
{
    acme2_json_tok t[16];
    int n = acme2_json_parse(jwk, jwk_len, t, 16);
    unsigned char a[512], b[512], hash[64];
    int la, lb;
    if (n < 0) return -1;
    if (strcmp(alg, "RS256") == 0) {
        br_rsa_public_key pk;
        br_sha256_context h;
        unsigned char hout[32];
        la = script_b64_member(jwk, t, n, 0, "n", a, sizeof a);
        lb = script_b64_member(jwk, t, n, 0, "e", b, sizeof b);
        if (la <= 0 || lb <= 0) return -1;
        pk.n = a; pk.nlen = (size_t)la; pk.e = b; pk.elen = (size_t)lb;
        br_sha256_init(&h);
        br_sha256_update(&h, input, in_len);
        br_sha256_out(&h, hash);
        if (!br_rsa_pkcs1_vrfy_get_default()(sig, sig_len, BR_HASH_OID_SHA256, 32, &pk, hout)) return -1;
        return memcmp(hout, hash, 32) == 0 ? 0 : -1;
    } else {
        br_ec_public_key pk;
        unsigned char q[1 + 2 * 48];
        size_t hl;
        int curve;
        const br_hash_class *hc;
        br_hash_compat_context hctx;
        if (strcmp(alg, "ES256") == 0) { curve = BR_EC_secp256r1; hc = &br_sha256_vtable; hl = 32; }
        else if (strcmp(alg, "ES384") == 0) { curve = BR_EC_secp384r1; hc = &br_sha384_vtable; hl = 48; }
        else return -1;
        la = script_b64_member(jwk, t, n, 0, "x", a, sizeof a);
        lb = script_b64_member(jwk, t, n, 0, "y", b, sizeof b);
        if (la != (int)hl || lb != (int)hl || sig_len != 2 * hl) return -1;
        q[0] = 4;
        memcpy(q + 1, a, hl);
        memcpy(q + 1 + hl, b, hl);
        pk.curve = curve; pk.q = q; pk.qlen = 1 + 2 * hl;
        hc->init(&hctx.vtable);
        hc->update(&hctx.vtable, input, in_len);
        hc->out(&hctx.vtable, hash);
        return br_ecdsa_vrfy_raw_get_default()(br_ec_get_default(), hash, hl, &pk, sig, sig_len) ? 0 : -1;
    }
}

/* Checks a POST body: a flattened JWS as RFC 8555 section 6.2 wants it. */
static void script_check_jws(script *s, const step *st, const acme2_http_request *req)
{
    static char protected_json[4096], payload[8192];
    static unsigned char sig[1024], input[16384];
    acme2_json_tok t[64], ph[64];
    int n, np, k, plen, prlen, slen;
    char alg[16], val[1024], jwk[2048];
    const char *js = req->body;
    if (!req->content_type || strcmp(req->content_type, "application/jose+json") != 0) {
        script_error(s, "POST without application/jose+json");
        return;
    }
    n = acme2_json_parse(js, req->body_len, t, 64);
    if (n < 0 || t[0].type != ACME2_JSON_OBJECT || t[0].size != 3) { script_error(s, "body is not a flattened JWS"); return; }
    prlen = script_b64_member(js, t, n, 0, "protected", (unsigned char *)protected_json, sizeof protected_json - 1);
    plen = script_b64_member(js, t, n, 0, "payload", (unsigned char *)payload, sizeof payload - 1);
    slen = script_b64_member(js, t, n, 0, "signature", sig, sizeof sig);
    if (prlen < 0 || plen < 0 || slen <= 0) { script_error(s, "JWS members missing or not base64url"); return; }
    protected_json[prlen] = 0;
    payload[plen] = 0;
    np = acme2_json_parse(protected_json, (size_t)prlen, ph, 64);
    if (np < 0 || ph[0].type != ACME2_JSON_OBJECT) { script_error(s, "protected header is not a JSON object"); return; }
    /* RFC 8555 section 6.2: alg, nonce, url and one of jwk/kid; nothing else. */
    if (ph[0].size != 4) { script_error(s, "protected header has %d members, want 4: %s", ph[0].size, protected_json); return; }
    k = acme2_json_get(protected_json, ph, np, 0, "alg");
    if (k < 0 || acme2_json_str(protected_json, &ph[k], alg, sizeof alg) < 0) { script_error(s, "no alg"); return; }
    k = acme2_json_get(protected_json, ph, np, 0, "url");
    if (k < 0 || acme2_json_str(protected_json, &ph[k], val, sizeof val) < 0 || strcmp(val, req->url) != 0) {
        script_error(s, "protected url differs from the request URL");
        return;
    }
    k = acme2_json_get(protected_json, ph, np, 0, "nonce");
    if (k < 0 || acme2_json_str(protected_json, &ph[k], val, sizeof val) < 0) {
        script_error(s, "no nonce");
        return;
    }
    if (s->any_nonce) {
        int num = 0;
        char extra;
        if (sscanf(val, "Nonce%4d%c", &num, &extra) != 1 || num < 1 || num > s->nonce_counter) {
            script_error(s, "nonce %s was never handed out", val);
            return;
        }
    } else if (strcmp(val, s->nonce) != 0) {
        script_error(s, "nonce is not the one handed out last (%s)", s->nonce);
        return;
    }
    for (k = 0; k < s->n_used; k++)
        if (strcmp(s->used[k], val) == 0) { script_error(s, "nonce reused"); return; }
    if (s->n_used < 64) strcpy(s->used[s->n_used++], val);
    if (st->flags & S_JWK) {
        int j = acme2_json_get(protected_json, ph, np, 0, "jwk");
        if (j < 0 || ph[j].type != ACME2_JSON_OBJECT || acme2_json_get(protected_json, ph, np, 0, "kid") != ACME2_ERR_NOT_FOUND) {
            script_error(s, "expected jwk and no kid");
            return;
        }
        memcpy(jwk, protected_json + ph[j].start, (size_t)(ph[j].end - ph[j].start));
        jwk[ph[j].end - ph[j].start] = 0;
        if (s->jwk_key) {
            char want[2048];
            acme2_jwk(s->jwk_key, want, sizeof want);
            if (strcmp(want, jwk) != 0) { script_error(s, "jwk is not the expected key"); return; }
        }
    } else {
        int j = acme2_json_get(protected_json, ph, np, 0, "kid");
        if (j < 0 || acme2_json_str(protected_json, &ph[j], val, sizeof val) < 0 || !s->kid || strcmp(val, s->kid) != 0 ||
            acme2_json_get(protected_json, ph, np, 0, "jwk") != ACME2_ERR_NOT_FOUND) {
            script_error(s, "expected kid %s and no jwk", s->kid ? s->kid : "(none)");
            return;
        }
        acme2_jwk(s->key, jwk, sizeof jwk);
    }
    /* Signing input: the base64url texts as sent, joined by a dot. */
    {
        int pk = acme2_json_get(js, t, n, 0, "protected"), pl = acme2_json_get(js, t, n, 0, "payload");
        size_t a = (size_t)(t[pk].end - t[pk].start), b = (size_t)(t[pl].end - t[pl].start);
        memcpy(input, js + t[pk].start, a);
        input[a] = '.';
        memcpy(input + a + 1, js + t[pl].start, b);
        if (script_verify(alg, jwk, strlen(jwk), input, a + 1 + b, sig, (size_t)slen) != 0) {
            script_error(s, "signature does not verify");
            return;
        }
    }
    if (st->payload && strcmp(st->payload, payload) != 0) {
        script_error(s, "payload\n  got  %s\n  want %s", payload, st->payload);
        return;
    }
    if (st->check && st->check(payload, (size_t)plen, s->check_ctx) != 0) script_error(s, "payload check failed: %s", payload);
}

static void script_push(script *s, acme2_http_response *resp, const char *body)
{
    size_t len = strlen(body), off = 0;
    while (off < len) {
        size_t n = s->chunk ? (size_t)s->chunk : len;
        if (n > len - off) n = len - off;
        if (acme2_response_body(resp, body + off, n) < 0) return;
        off += n;
    }
}

static int script_transport(void *user, const acme2_http_request *req, acme2_http_response *resp)
{
    script *s = (script *)user;
    const step *st;
    const char *h;
    if (s->pos >= s->n) {
        script_error(s, "unexpected request %s %s", req->method, req->url);
        s->pos++; /* so a check of pos against n sees the extra request */
        return ACME2_ERR_TRANSPORT;
    }
    st = &s->steps[s->pos];
    if (strcmp(req->method, "GET") == 0) s->n_get++;
    else if (strcmp(req->method, "HEAD") == 0) s->n_head++;
    else if (strcmp(req->method, "POST") == 0) s->n_post++;
    if (strcmp(req->method, st->method) != 0 || strcmp(req->url, st->url) != 0)
        script_error(s, "got %s %s, want %s %s", req->method, req->url, st->method, st->url);
    else if (strcmp(req->method, "POST") == 0)
        script_check_jws(s, st, req);
    else if (req->body_len)
        script_error(s, "%s with a body", req->method);
    s->pos++;
    if (st->flags & S_TRANSPORT_FAIL) return ACME2_ERR_TRANSPORT;
    acme2_response_status(resp, st->status);
    for (h = st->headers; h && *h;) {
        const char *e = strchr(h, '\n');
        size_t l = e ? (size_t)(e - h) : strlen(h);
        acme2_response_header_line(resp, h, l);
        h += l + (e ? 1 : 0);
    }
    if (!(st->flags & S_NO_NONCE)) {
        char line[64];
        if (!(st->flags & S_BAD_NONCE_REUSE)) snprintf(s->nonce, sizeof s->nonce, "Nonce%04d", ++s->nonce_counter);
        snprintf(line, sizeof line, "Replay-Nonce: %s", s->nonce);
        acme2_response_header_line(resp, line, strlen(line));
    }
    if (st->body && strcmp(req->method, "HEAD") != 0) script_push(s, resp, st->body);
    return 0;
}

/* ---- fixtures shared by the scripted-server tests ---- */

#define CA "https://ca.test"
#define DIR_URL CA "/dir"
#define JSON_CT "Content-Type: application/json\n"
#define PROBLEM_CT "Content-Type: application/problem+json\n"
#define PEM_CT "Content-Type: application/pem-certificate-chain\n"
#define NSTEPS(a) ((int)(sizeof(a) / sizeof((a)[0])))
/* Every step answered and no request rejected. */
#define SCRIPT_DONE(s) do { CHECK_INT((s).errors, 0); CHECK_INT((s).pos, (s).n); } while (0)

/* A fake clock: sleeps advance it, so polling and Retry-After cost no real
   time. */
#define T0 1800000000LL /* Fri, 15 Jan 2027 08:00:00 GMT */
static long long fake_now = T0;
static long long slept_ms; /* milliseconds asleep since reset_clock() */
static int sleeps;
T_UNUSED static long long fake_clock(void *u) { (void)u; return fake_now; }
T_UNUSED static void fake_sleep(void *u, unsigned ms)
{
    (void)u;
    slept_ms += ms;
    fake_now = T0 + slept_ms / 1000;
    sleeps++;
}

T_UNUSED static void reset_clock(void)
{
    fake_now = T0;
    slept_ms = 0;
    sleeps = 0;
}

/* Options with the fake clock; everything else at its default. */
T_UNUSED static acme2_options test_options(void)
{
    acme2_options o;
    memset(&o, 0, sizeof o);
    o.clock = fake_clock;
    o.sleep = fake_sleep;
    return o;
}

#endif
