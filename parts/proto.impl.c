/* == protocol == */

#ifndef ACME2_NO_HOSTED
#include <time.h>
#include <unistd.h> /* sleep(): declared even under strict -std=c99 */
#endif

#define ACME2__CT_JOSE "application/jose+json"
#define ACME2__PENDING_DIR 1
#define ACME2__PENDING_NONCE 2

ACME2_DEF const char *acme2_status_name(int status)
{
    static const char *const names[] = { "unknown", "pending", "ready", "processing", "valid",
                                         "invalid", "deactivated", "expired", "revoked" };
    if (status < 0 || status > ACME2_STATUS_REVOKED) return names[0];
    return names[status];
}

static int acme2__status_parse(const char *js, const acme2_json_tok *t)
{
    int s;
    if (t->type != ACME2_JSON_STRING) return ACME2_ERR_PROTOCOL;
    for (s = ACME2_STATUS_PENDING; s <= ACME2_STATUS_REVOKED; s++)
        if (acme2_json_eq(js, t, acme2_status_name(s))) return s;
    return ACME2_ERR_PROTOCOL;
}

ACME2_DEF const char *acme2_challenge_name(int type)
{
    switch (type) {
    case ACME2_CHALLENGE_HTTP_01: return "http-01";
    case ACME2_CHALLENGE_DNS_01: return "dns-01";
    case ACME2_CHALLENGE_TLS_ALPN_01: return "tls-alpn-01";
    case ACME2_CHALLENGE_DNS_ACCOUNT_01: return "dns-account-01";
    default: return NULL;
    }
}

static void acme2__log(acme2_client *c, int level, const char *a, const char *b)
{
    char msg[ACME2_MAX_URL + 96];
    acme2_sb sb;
    if (!c->opt.log) return;
    acme2_sb_init(&sb, msg, sizeof msg);
    acme2_sb_puts(&sb, a);
    if (b) acme2_sb_puts(&sb, b);
    acme2_sb_finish(&sb);
    c->opt.log(c->opt.log_user, level, msg);
}

#ifndef ACME2_NO_HOSTED
static long long acme2__default_clock(void *user)
{
    (void)user;
    return (long long)time(NULL);
}

static void acme2__default_sleep(void *user, unsigned seconds)
{
    (void)user;
    /* sleep() returns the seconds left when a signal cut it short. */
    while (seconds) seconds = sleep(seconds);
}
#endif

static long long acme2__now(const acme2_client *c)
{
    if (c->opt.clock) return c->opt.clock(c->opt.time_user);
#ifndef ACME2_NO_HOSTED
    return acme2__default_clock(NULL);
#else
    return 0;
#endif
}

static long long acme2__resp_clock(void *user) { return acme2__now((const acme2_client *)user); }

static void acme2__sleep(acme2_client *c, long long seconds)
{
    if (seconds <= 0) return;
    if (c->opt.sleep) { c->opt.sleep(c->opt.time_user, (unsigned)seconds); return; }
#ifndef ACME2_NO_HOSTED
    acme2__default_sleep(NULL, (unsigned)seconds);
#endif
}

/* Copies a string into a packed string area; NULL when it does not fit. */
static const char *acme2__pack(char *area, size_t cap, size_t *used, const char *s, size_t n)
{
    char *p;
    if (n + 1 > cap - *used) return NULL;
    p = area + *used;
    ACME2_MEMCPY(p, s, n);
    p[n] = 0;
    *used += n + 1;
    return p;
}

/* Unescapes a JSON string token into a packed area. */
static const char *acme2__pack_json(char *area, size_t cap, size_t *used, const char *js, const acme2_json_tok *t)
{
    int n;
    if (t->type != ACME2_JSON_STRING) return NULL;
    n = acme2_json_str(js, t, area + *used, cap - *used);
    if (n < 0) return NULL;
    *used += (size_t)n + 1;
    return area + *used - n - 1;
}

/* Like acme2__pack_json, but a string too long is cut (at the first escape
   or a UTF-8 boundary) and marked with "...": for human-readable text,
   which must not make a response fail. */
static const char *acme2__pack_text(char *area, size_t cap, size_t *used, const char *js, const acme2_json_tok *t)
{
    const char *p = acme2__pack_json(area, cap, used, js, t);
    size_t room = cap - *used, n = 0, raw;
    char *dst = area + *used;
    if (p || t->type != ACME2_JSON_STRING || room < 4) return p;
    raw = (size_t)t->start;
    while (raw < (size_t)t->end && js[raw] != '\\') {
        size_t l = (unsigned char)js[raw] < 0x80 ? 1 : acme2__utf8_len((const unsigned char *)js + raw, (size_t)t->end - raw);
        if (!l || n + l + 4 > room) break; /* keep room for "...\0" */
        ACME2_MEMCPY(dst + n, js + raw, l);
        n += l;
        raw += l;
    }
    ACME2_MEMCPY(dst + n, "...", 4);
    *used += n + 4;
    return dst;
}

/* Server URLs must be https (unless the caller opted out for tests) and
   fit ACME2_MAX_URL. */
static int acme2__url_ok(const acme2_client *c, const char *url)
{
    size_t n;
    if (!url) return ACME2_ERR_PARAM;
    n = strlen(url);
    if (n > ACME2_MAX_URL || !acme2__url_chars_ok(url, n)) return ACME2_ERR_PROTOCOL;
    if (n > 8 && acme2__ieq(url, 8, "https://")) return 0;
    if (c->opt.allow_http && n > 7 && acme2__ieq(url, 7, "http://")) return 0;
    return ACME2_ERR_INSECURE_URL;
}

ACME2_DEF int acme2_client_init(acme2_client *c, const char *directory_url, const acme2_key *key,
                                char *work, size_t work_size, acme2_transport_fn transport,
                                void *transport_user, const acme2_options *opt)
{
    int rc;
    if (!c || !directory_url || !key || !work || work_size < 1024) return ACME2_ERR_PARAM;
    ACME2_MEMSET(c, 0, sizeof *c);
    if (opt) c->opt = *opt;
    if (!c->opt.bad_nonce_retries) c->opt.bad_nonce_retries = 16;
    if (!c->opt.busy_retries) c->opt.busy_retries = 3;
    if (!c->opt.max_wait) c->opt.max_wait = 60;
    if (!c->opt.poll_interval) c->opt.poll_interval = 1;
    if (!c->opt.poll_max_interval) c->opt.poll_max_interval = 30;
    if (!c->opt.poll_timeout) c->opt.poll_timeout = 300;
    rc = acme2__url_ok(c, directory_url);
    if (rc) return rc;
    acme2__copy_value(c->dir_url, sizeof c->dir_url, directory_url, strlen(directory_url));
    c->key = key;
    c->work = work;
    c->work_size = work_size;
    c->transport = transport;
    c->transport_user = transport_user;
    c->resp.clock = acme2__resp_clock;
    c->resp.clock_user = c;
    c->resp.retry_after = -1;
    c->problem.retry_after = -1;
    return 0;
}

ACME2_DEF void acme2_client_reset(acme2_client *c)
{
    if (!c) return;
    if (c->work) acme2_wipe(c->work, c->work_size);
    acme2_wipe(c, sizeof *c);
}

ACME2_DEF int acme2_client_set_account(acme2_client *c, const char *url)
{
    int rc;
    if (!url || !url[0]) { c->kid[0] = 0; return 0; }
    rc = acme2__url_ok(c, url);
    if (rc) return rc;
    acme2__copy_value(c->kid, sizeof c->kid, url, strlen(url));
    return 0;
}

ACME2_DEF const char *acme2_client_account(const acme2_client *c) { return c->kid; }
ACME2_DEF void acme2_client_set_key(acme2_client *c, const acme2_key *key) { c->key = key; }
ACME2_DEF acme2_http_response *acme2_client_response(acme2_client *c) { return &c->resp; }
ACME2_DEF const acme2_problem *acme2_client_problem(const acme2_client *c) { return &c->problem; }
ACME2_DEF long long acme2_wait_seconds(const acme2_client *c) { return c->wait; }
ACME2_DEF const acme2_directory *acme2_client_directory(const acme2_client *c) { return c->have_dir ? &c->dir : NULL; }

ACME2_DEF void acme2_client_set_sink(acme2_client *c, acme2_sink_fn fn, void *user)
{
    c->sink = fn;
    c->sink_user = user;
}

static const char *acme2__packed_at(const char *first, int n, int i)
{
    if (i < 0 || i >= n) return NULL;
    while (i--) first += strlen(first) + 1;
    return first;
}

ACME2_DEF const char *acme2_directory_caa(const acme2_directory *d, int i) { return acme2__packed_at(d->caa_first, d->n_caa, i); }
ACME2_DEF const char *acme2_directory_profile(const acme2_directory *d, int i) { return acme2__packed_at(d->profiles_first, d->n_profiles, i); }
ACME2_DEF const char *acme2_certificate_alternate(const acme2_client *c, int i) { return acme2__packed_at(c->resp.links, c->resp.n_alternates, i); }

/* ---- requests ---- */

/* The part of the work buffer requests may use (the porcelain keeps its own
   state at the end). */
static size_t acme2__work_room(const acme2_client *c) { return c->work_size - c->work_limit; }

/* The first offset at or after off whose address suits any C object (the
   caller's buffer may sit at any address). */
static size_t acme2__align(const acme2_client *c, size_t off)
{
    uintptr_t a = (uintptr_t)(c->work + off);
    return off + (size_t)((0u - a) & 15u);
}

/* Gives the response the room after the request's bytes. */
static void acme2__expect_response(acme2_client *c, size_t used)
{
    acme2_http_response *r = &c->resp;
    size_t room = acme2__work_room(c);
    used = acme2__align(c, used);
    if (used > room) used = room;
    r->body = c->work + used;
    r->body_cap = room - used;
    if (c->opt.max_response && r->body_cap > c->opt.max_response) r->body_cap = c->opt.max_response;
    r->status = 0;
    r->err = 0;
    r->nonce[0] = 0;
    r->location[0] = 0;
    r->content_type[0] = 0;
    r->retry_after = -1;
    r->n_alternates = 0;
    r->links_len = 0;
    r->body_len = 0;
    r->body_total = 0;
    /* Only a certificate download streams (acme2_certificate_request turns
       the sink on): JSON must never leak into the caller's certificate
       file, nor escape the size limit through the sink. */
    r->sink = NULL;
    r->sink_user = NULL;
    c->problem.type = ACME2_PROB_NONE;
    c->wait = 0;
}

static int acme2__get(acme2_client *c, const char *method, const char *url, acme2_http_request *req)
{
    int rc = acme2__url_ok(c, url);
    if (rc) return rc;
    req->method = method;
    req->url = url;
    req->content_type = NULL;
    req->body = NULL;
    req->body_len = 0;
    acme2__expect_response(c, 0);
    return 0;
}

/* Before any request that needs them: the directory, then (for a POST) a
   nonce. Returns 1 with req filled when a prerequisite must go first. */
static int acme2__prepare(acme2_client *c, int need_nonce, acme2_http_request *req)
{
    int rc;
    c->pending = 0;
    if (!c->have_dir) {
        rc = acme2__get(c, "GET", c->dir_url, req);
        if (rc) return rc;
        c->pending = ACME2__PENDING_DIR;
        return 1;
    }
    if (need_nonce && !c->nonce[0]) {
        rc = acme2__get(c, "HEAD", c->dir.new_nonce, req);
        if (rc) return rc;
        c->pending = ACME2__PENDING_NONCE;
        return 1;
    }
    return 0;
}

/* Starts a payload at the front of the work buffer. */
static void acme2__payload_begin(acme2_client *c, acme2_sb *sb)
{
    acme2_sb_init(sb, c->work, acme2__work_room(c));
}

/* Signs payload (already at the front of the work buffer, `plen` bytes, or
   NULL for POST-as-GET) into a JWS right after it and fills req. With
   jwk_key the JWS carries that key's JWK, else the account URL as kid. */
static int acme2__post(acme2_client *c, const char *url, const char *payload, size_t plen,
                       const acme2_key *jwk_key, acme2_http_request *req)
{
    acme2_sb sb;
    size_t start = payload ? plen + 1 : 0;
    int rc = acme2__url_ok(c, url);
    if (rc) return rc;
    if (!jwk_key && !c->kid[0]) return ACME2_ERR_STATE;
    /* Kept for the parsers that record a resource's own URL; url may point
       into a struct the response overwrites. */
    if (url != c->req_url) memmove(c->req_url, url, strlen(url) + 1);
    url = c->req_url;
    if (start >= acme2__work_room(c)) return ACME2_ERR_NOSPACE;
    acme2_sb_init(&sb, c->work + start, acme2__work_room(c) - start);
    rc = acme2_jws(&sb, jwk_key ? jwk_key : c->key, jwk_key ? NULL : c->kid, c->nonce, url, payload, plen);
    if (rc >= 0) rc = acme2_sb_finish(&sb);
    if (rc < 0) return rc;
    /* A nonce is good for one request only. */
    ACME2_MEMCPY(c->spent_nonce, c->nonce, sizeof c->nonce);
    c->nonce[0] = 0;
    req->method = "POST";
    req->url = url;
    req->content_type = ACME2__CT_JOSE;
    req->body = c->work + start;
    req->body_len = (size_t)rc;
    acme2__expect_response(c, start + (size_t)rc + 1);
    return 0;
}

/* POST with a payload built in sb (from acme2__payload_begin). */
static int acme2__post_sb(acme2_client *c, const char *url, acme2_sb *sb, const acme2_key *jwk_key,
                          acme2_http_request *req)
{
    int n = acme2_sb_finish(sb);
    if (n < 0) return n;
    return acme2__post(c, url, c->work, (size_t)n, jwk_key, req);
}

/* ---- responses ---- */

static int acme2__problem_type(const char *type_str)
{
    static const char prefix[] = "urn:ietf:params:acme:error:";
#define ACME2__PROB_MATCH(name, text) if (strcmp(t, text) == 0) return name;
    const char *t;
    if (!type_str[0]) return ACME2_PROB_OTHER;
    if (strncmp(type_str, prefix, sizeof prefix - 1) != 0) return ACME2_PROB_OTHER;
    t = type_str + sizeof prefix - 1;
    ACME2_PROBLEM_LIST(ACME2__PROB_MATCH)
#undef ACME2__PROB_MATCH
    return ACME2_PROB_OTHER;
}

static int acme2__identifier_parse(const char *js, const acme2_json_tok *t, int n, int obj, acme2_identifier *id,
                                   char *area, size_t cap, size_t *used)
{
    int ti = acme2_json_get(js, t, n, obj, "type");
    int vi = acme2_json_get(js, t, n, obj, "value");
    if (ti < 0 || vi < 0) return ACME2_ERR_PROTOCOL;
    if (acme2_json_eq(js, &t[ti], "dns")) id->type = ACME2_ID_DNS;
    else if (acme2_json_eq(js, &t[ti], "ip")) id->type = ACME2_ID_IP;
    else id->type = 0;
    id->value = acme2__pack_json(area, cap, used, js, &t[vi]);
    if (!id->value) return t[vi].type == ACME2_JSON_STRING ? ACME2_ERR_NOSPACE : ACME2_ERR_PROTOCOL;
    return 0;
}

/* Fills c->problem from a problem object (RFC 7807 / RFC 8555 6.7). A
   problem that is malformed still yields what could be read. */
static void acme2__problem_parse(acme2_client *c, const char *js, const acme2_json_tok *t, int n, int obj, int status)
{
    acme2_problem *p = &c->problem;
    int i, k, arr;
    p->http_status = status;
    p->used = 0;
    p->n_sub = p->n_sub_total = 0;
    p->type_str = p->detail = "";
    p->type = ACME2_PROB_OTHER;
    if (obj < 0 || t[obj].type != ACME2_JSON_OBJECT) return;
    i = acme2_json_get(js, t, n, obj, "type");
    if (i >= 0) {
        const char *s = acme2__pack_json(p->strings, sizeof p->strings, &p->used, js, &t[i]);
        if (s) p->type_str = s;
    }
    p->type = acme2__problem_type(p->type_str);
    i = acme2_json_get(js, t, n, obj, "detail");
    if (i >= 0) {
        const char *s = acme2__pack_text(p->strings, sizeof p->strings, &p->used, js, &t[i]);
        if (s) p->detail = s;
    }
    arr = acme2_json_get(js, t, n, obj, "subproblems");
    if (arr < 0 || t[arr].type != ACME2_JSON_ARRAY) return;
    p->n_sub_total = t[arr].size;
    for (k = 0, i = arr + 1; k < t[arr].size && i < n; k++, i = acme2_json_next(t, n, i)) {
        acme2_subproblem *sp;
        int j;
        const char *s;
        if (p->n_sub == ACME2_MAX_SUBPROBLEMS || t[i].type != ACME2_JSON_OBJECT) continue;
        sp = &p->sub[p->n_sub];
        sp->type_str = sp->detail = "";
        sp->identifier.type = 0;
        sp->identifier.value = "";
        j = acme2_json_get(js, t, n, i, "type");
        if (j >= 0 && (s = acme2__pack_json(p->strings, sizeof p->strings, &p->used, js, &t[j])) != NULL) sp->type_str = s;
        sp->type = acme2__problem_type(sp->type_str);
        j = acme2_json_get(js, t, n, i, "detail");
        if (j >= 0 && (s = acme2__pack_text(p->strings, sizeof p->strings, &p->used, js, &t[j])) != NULL) sp->detail = s;
        j = acme2_json_get(js, t, n, i, "identifier");
        if (j >= 0 && t[j].type == ACME2_JSON_OBJECT) {
            acme2_identifier id;
            if (acme2__identifier_parse(js, t, n, j, &id, p->strings, sizeof p->strings, &p->used) == 0) sp->identifier = id;
        }
        p->n_sub++;
    }
}

/* Tokenizes the response body. The request's bytes are dead by now, so the
   body moves to the front of the work buffer and the tokens follow it. */
static int acme2__json_body(acme2_client *c, acme2_json_tok **toks, int *ntok)
{
    acme2_http_response *r = &c->resp;
    size_t off, room = acme2__work_room(c);
    int max, n;
    if (r->body != c->work) {
        memmove(c->work, r->body, r->body_len);
        r->body = c->work;
    }
    off = acme2__align(c, r->body_len);
    if (off >= room) return ACME2_ERR_NOSPACE;
    max = (int)((room - off) / sizeof(acme2_json_tok));
    if (max > ACME2_MAX_TOKENS) max = ACME2_MAX_TOKENS;
    *toks = (acme2_json_tok *)(void *)(c->work + off);
    n = acme2_json_parse(r->body, r->body_len, *toks, max);
    if (n == ACME2_ERR_NOSPACE) return ACME2_ERR_TOO_LARGE;
    if (n < 0) return ACME2_ERR_PROTOCOL;
    if ((*toks)[0].type != ACME2_JSON_OBJECT) return ACME2_ERR_PROTOCOL;
    *ntok = n;
    return 0;
}

static int acme2__ct_is(const acme2_client *c, const char *want) { return strcmp(c->resp.content_type, want) == 0; }

/* The checks every response goes through. Keeps the nonce, turns error
   statuses into problems, and decides whether the request should be sent
   again. is_post: the request was a POST (its nonce is spent). Returns 0
   for a 2xx, ACME2_AGAIN, or an error. */
static int acme2__response_common(acme2_client *c, int is_post)
{
    acme2_http_response *r = &c->resp;
    int st = r->status, rc;
    c->wait = 0;
    c->problem.type = ACME2_PROB_NONE;
    c->problem.http_status = st;
    c->problem.retry_after = r->retry_after;
    c->problem.type_str = c->problem.detail = "";
    c->problem.n_sub = c->problem.n_sub_total = 0;
    if (r->nonce[0]) {
        /* A server that hands back the nonce it just accepted would only
           earn a badNonce for the next request: fetch a fresh one then. */
        if (strcmp(r->nonce, c->spent_nonce) == 0)
            acme2__log(c, ACME2_LOG_WARN, "server sent back the nonce just used; not reusing it", NULL);
        else
            ACME2_MEMCPY(c->nonce, r->nonce, sizeof c->nonce);
    }
    if (r->err) return r->err;
    if (st == 0) return ACME2_ERR_TRANSPORT; /* the transport reported success but pushed nothing */
    if (st >= 200 && st <= 299) {
        /* RFC 8555 6.5 says a successful POST MUST carry a nonce. Failing
           here would drop a result the server already acted on (an order
           made, a key changed), so the lapse only costs a newNonce later. */
        if (is_post && !r->nonce[0])
            acme2__log(c, ACME2_LOG_WARN, "successful response without Replay-Nonce", NULL);
        return 0;
    }
    rc = ACME2_ERR_HTTP;
    if (acme2__ct_is(c, "application/problem+json")) {
        acme2_json_tok *t;
        int n;
        if (acme2__json_body(c, &t, &n) == 0) {
            acme2__problem_parse(c, r->body, t, n, 0, st);
            c->problem.retry_after = r->retry_after;
            rc = ACME2_ERR_PROBLEM;
        }
    }
    if (rc == ACME2_ERR_PROBLEM && c->problem.type == ACME2_PROB_BAD_NONCE) {
        if (c->bad_nonces < c->opt.bad_nonce_retries) {
            c->bad_nonces++;
            acme2__log(c, ACME2_LOG_DEBUG, "badNonce, retrying with a fresh nonce", NULL);
            return ACME2_AGAIN;
        }
    }
    if ((st == 429 || st == 503) && r->retry_after >= 0 && r->retry_after <= (long long)c->opt.max_wait &&
        c->busy < c->opt.busy_retries) {
        c->busy++;
        c->wait = r->retry_after;
        acme2__log(c, ACME2_LOG_INFO, st == 429 ? "rate limited; waiting as Retry-After asks" : "server busy; waiting as Retry-After asks", NULL);
        return ACME2_AGAIN;
    }
    return rc;
}

/* Ends a response step: retry counters restart after anything but AGAIN. */
static int acme2__done(acme2_client *c, int rc)
{
    if (rc != ACME2_AGAIN) { c->bad_nonces = 0; c->busy = 0; }
    return rc;
}

static int acme2__directory_parse(acme2_client *c)
{
    static const char *const names[7] = { "newNonce", "newAccount", "newOrder", "newAuthz", "revokeCert", "keyChange", "renewalInfo" };
    const char **slots[7];
    acme2_directory d;
    acme2_json_tok *t;
    const char *js;
    int n, i, meta, rc;
    size_t used = 0;
    char *area = c->dir_strings;
    rc = acme2__json_body(c, &t, &n);
    if (rc) return rc;
    js = c->resp.body;
    ACME2_MEMSET(&d, 0, sizeof d);
    slots[0] = &d.new_nonce; slots[1] = &d.new_account; slots[2] = &d.new_order; slots[3] = &d.new_authz;
    slots[4] = &d.revoke_cert; slots[5] = &d.key_change; slots[6] = &d.renewal_info;
    for (i = 0; i < 7; i++) {
        int k = acme2_json_get(js, t, n, 0, names[i]);
        const char *s;
        if (k == ACME2_ERR_NOT_FOUND) { *slots[i] = ""; continue; }
        if (k < 0 || t[k].type != ACME2_JSON_STRING) return ACME2_ERR_PROTOCOL;
        s = acme2__pack_json(area, ACME2_DIR_STRINGS, &used, js, &t[k]);
        if (!s) return ACME2_ERR_NOSPACE;
        if ((rc = acme2__url_ok(c, s)) != 0) return rc;
        *slots[i] = s;
    }
    if (!d.new_nonce[0] || !d.new_account[0] || !d.new_order[0]) return ACME2_ERR_PROTOCOL;
    d.terms_of_service = d.website = "";
    d.caa_first = d.profiles_first = "";
    meta = acme2_json_get(js, t, n, 0, "meta");
    if (meta >= 0 && t[meta].type == ACME2_JSON_OBJECT) {
        int k = acme2_json_get(js, t, n, meta, "termsOfService");
        if (k >= 0 && (d.terms_of_service = acme2__pack_json(area, ACME2_DIR_STRINGS, &used, js, &t[k])) == NULL) return ACME2_ERR_PROTOCOL;
        k = acme2_json_get(js, t, n, meta, "website");
        if (k >= 0 && (d.website = acme2__pack_json(area, ACME2_DIR_STRINGS, &used, js, &t[k])) == NULL) return ACME2_ERR_PROTOCOL;
        k = acme2_json_get(js, t, n, meta, "externalAccountRequired");
        if (k >= 0 && acme2_json_bool(&t[k], &d.external_account_required) < 0) return ACME2_ERR_PROTOCOL;
        k = acme2_json_get(js, t, n, meta, "caaIdentities");
        if (k >= 0) {
            int j, e;
            if (t[k].type != ACME2_JSON_ARRAY) return ACME2_ERR_PROTOCOL;
            d.caa_first = area + used;
            for (e = 0, j = k + 1; e < t[k].size; e++, j = acme2_json_next(t, n, j)) {
                if (!acme2__pack_json(area, ACME2_DIR_STRINGS, &used, js, &t[j])) return t[j].type == ACME2_JSON_STRING ? ACME2_ERR_NOSPACE : ACME2_ERR_PROTOCOL;
                d.n_caa++;
            }
        }
        k = acme2_json_get(js, t, n, meta, "profiles");
        if (k >= 0) {
            int j, e;
            if (t[k].type != ACME2_JSON_OBJECT) return ACME2_ERR_PROTOCOL;
            d.profiles_first = area + used;
            for (e = 0, j = k + 1; e < t[k].size; e++, j = acme2_json_next(t, n, j + 1)) {
                if (!acme2__pack_json(area, ACME2_DIR_STRINGS, &used, js, &t[j])) return ACME2_ERR_NOSPACE;
                d.n_profiles++;
            }
        }
    }
    c->dir = d;
    c->dir_used = used;
    c->have_dir = 1;
    return 0;
}

/* Response of a prerequisite (directory or nonce) sent instead of the
   caller's request. */
static int acme2__pending_response(acme2_client *c)
{
    int pending = c->pending, rc;
    c->pending = 0;
    rc = acme2__response_common(c, 0);
    if (rc) return acme2__done(c, rc);
    if (pending == ACME2__PENDING_DIR) {
        if (!acme2__ct_is(c, "application/json")) return acme2__done(c, ACME2_ERR_CONTENT_TYPE);
        rc = acme2__directory_parse(c);
        if (rc) return acme2__done(c, rc);
        acme2__log(c, ACME2_LOG_DEBUG, "directory fetched", NULL);
    } else if (!c->resp.nonce[0]) {
        return acme2__done(c, ACME2_ERR_NO_NONCE);
    }
    return ACME2_AGAIN;
}

/* Start of every _response: prerequisites, then the common checks, then
   the body's JSON. expect: the 2xx statuses allowed (0: any 2xx). */
static int acme2__begin_json(acme2_client *c, int is_post, acme2_json_tok **t, int *n)
{
    int rc;
    if (c->pending) return acme2__pending_response(c);
    rc = acme2__response_common(c, is_post);
    if (rc) return acme2__done(c, rc);
    if (!acme2__ct_is(c, "application/json")) return acme2__done(c, ACME2_ERR_CONTENT_TYPE);
    rc = acme2__json_body(c, t, n);
    return acme2__done(c, rc);
}

/* ---- directory ---- */

ACME2_DEF int acme2_directory_request(acme2_client *c, acme2_http_request *req)
{
    int rc;
    c->have_dir = 0;
    rc = acme2__prepare(c, 0, req);
    return rc < 0 ? rc : 0;
}

ACME2_DEF int acme2_directory_response(acme2_client *c)
{
    int rc;
    if (c->pending != ACME2__PENDING_DIR) return ACME2_ERR_STATE;
    rc = acme2__pending_response(c);
    /* AGAIN after a parsed directory means "done"; without one it is a
       retry the server asked for (503 with Retry-After). */
    return (rc == ACME2_AGAIN && c->have_dir) ? 0 : rc;
}

/* ---- blocking driver ---- */

/* Sends req through the transport. */
static int acme2__send(acme2_client *c, const acme2_http_request *req)
{
    int rc;
    if (!c->transport) return ACME2_ERR_STATE;
    acme2__log(c, ACME2_LOG_DEBUG, req->method[0] == 'P' ? "POST " : req->method[0] == 'H' ? "HEAD " : "GET ", req->url);
    rc = c->transport(c->transport_user, req, &c->resp);
    if (rc < 0) {
        /* The exchange broke: whatever nonce it carried is unknown now. */
        c->nonce[0] = 0;
        c->pending = 0;
        c->bad_nonces = c->busy = 0;
        acme2__log(c, ACME2_LOG_WARN, "transport failed: ", req->url);
        return c->resp.err ? c->resp.err : ACME2_ERR_TRANSPORT;
    }
    return 0;
}

/* Waits as the server asked before a resend. */
static void acme2__wait(acme2_client *c)
{
    if (c->wait > 0) acme2__sleep(c, c->wait);
}

/* The loop behind every blocking call: build, send, parse; again while the
   parser says so. Bounded: AGAIN is only returned while a retry budget
   (prerequisites: 2; badNonce and 429/503: the options) remains. */
#define ACME2__DRIVE(c, BUILD, PARSE) do { \
        int rc_, guard_ = 0; \
        acme2_http_request req_; \
        for (;;) { \
            rc_ = (BUILD); \
            if (rc_ < 0) return rc_; \
            rc_ = acme2__send((c), &req_); \
            if (rc_ < 0) return rc_; \
            rc_ = (PARSE); \
            if (rc_ != ACME2_AGAIN) return rc_; \
            if (++guard_ > 64) return ACME2_ERR_PROTOCOL; \
            acme2__wait(c); \
        } \
    } while (0)

ACME2_DEF int acme2_directory_fetch(acme2_client *c)
{
    if (c->have_dir) return 0;
    ACME2__DRIVE(c, acme2_directory_request(c, &req_), acme2_directory_response(c));
}

/* ---- accounts ---- */

static void acme2__contacts(acme2_sb *sb, const char *const *contacts, size_t n)
{
    size_t i;
    acme2_jw_key(sb, "contact");
    acme2_jw_arr_begin(sb);
    for (i = 0; i < n; i++) acme2_jw_str(sb, contacts[i]);
    acme2_jw_arr_end(sb);
}

ACME2_DEF int acme2_account_new_request(acme2_client *c, const acme2_account_params *p, acme2_http_request *req)
{
    acme2_sb sb;
    int rc;
    if (!p) return ACME2_ERR_PARAM;
    rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_jw_obj_begin(&sb);
    if (p->n_contacts) acme2__contacts(&sb, p->contacts, p->n_contacts);
    if (p->terms_agreed) { acme2_jw_key(&sb, "termsOfServiceAgreed"); acme2_jw_bool(&sb, 1); }
    if (p->only_existing) { acme2_jw_key(&sb, "onlyReturnExisting"); acme2_jw_bool(&sb, 1); }
    if (p->eab_kid) {
        acme2_jw_key(&sb, "externalAccountBinding");
        rc = acme2_jws_eab(&sb, p->eab_bits ? p->eab_bits : 256, p->eab_key, p->eab_key_len, p->eab_kid,
                           c->dir.new_account, c->key);
        if (rc < 0) return rc;
        sb.sep = 1;
    }
    acme2_jw_obj_end(&sb);
    return acme2__post_sb(c, c->dir.new_account, &sb, c->key, req);
}

static int acme2__account_parse(acme2_client *c, acme2_json_tok *t, int n, acme2_account *out)
{
    int k = acme2_json_get(c->resp.body, t, n, 0, "status");
    int st = k >= 0 ? acme2__status_parse(c->resp.body, &t[k]) : ACME2_ERR_PROTOCOL;
    if (st < 0) return ACME2_ERR_PROTOCOL;
    if (out) {
        out->status = st;
        out->created = c->resp.status == 201;
    }
    return 0;
}

ACME2_DEF int acme2_account_new_response(acme2_client *c, acme2_account *out)
{
    acme2_json_tok *t = NULL;
    int n = 0, rc = acme2__begin_json(c, 1, &t, &n);
    if (rc) return rc;
    if (!c->resp.location[0]) return ACME2_ERR_NO_LOCATION;
    rc = acme2__url_ok(c, c->resp.location);
    if (rc) return rc;
    rc = acme2__account_parse(c, t, n, out);
    if (rc) return rc;
    ACME2_MEMCPY(c->kid, c->resp.location, sizeof c->kid);
    acme2__log(c, ACME2_LOG_INFO, "account: ", c->kid);
    return 0;
}

ACME2_DEF int acme2_account_new(acme2_client *c, const acme2_account_params *p, acme2_account *out)
{
    ACME2__DRIVE(c, acme2_account_new_request(c, p, &req_), acme2_account_new_response(c, out));
}

ACME2_DEF int acme2_account_update_request(acme2_client *c, const char *const *contacts, size_t n, acme2_http_request *req)
{
    acme2_sb sb;
    int rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_jw_obj_begin(&sb);
    acme2__contacts(&sb, contacts, n);
    acme2_jw_obj_end(&sb);
    return acme2__post_sb(c, c->kid, &sb, NULL, req);
}

ACME2_DEF int acme2_account_update_response(acme2_client *c, acme2_account *out)
{
    acme2_json_tok *t = NULL;
    int n = 0, rc = acme2__begin_json(c, 1, &t, &n);
    if (rc) return rc;
    return acme2__account_parse(c, t, n, out);
}

ACME2_DEF int acme2_account_update(acme2_client *c, const char *const *contacts, size_t n, acme2_account *out)
{
    ACME2__DRIVE(c, acme2_account_update_request(c, contacts, n, &req_), acme2_account_update_response(c, out));
}

ACME2_DEF int acme2_account_deactivate_request(acme2_client *c, acme2_http_request *req)
{
    acme2_sb sb;
    int rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_sb_puts(&sb, "{\"status\":\"deactivated\"}");
    return acme2__post_sb(c, c->kid, &sb, NULL, req);
}

ACME2_DEF int acme2_account_deactivate_response(acme2_client *c, acme2_account *out)
{
    return acme2_account_update_response(c, out);
}

ACME2_DEF int acme2_account_deactivate(acme2_client *c, acme2_account *out)
{
    ACME2__DRIVE(c, acme2_account_deactivate_request(c, &req_), acme2_account_deactivate_response(c, out));
}

ACME2_DEF int acme2_account_key_change_request(acme2_client *c, const acme2_key *new_key, acme2_http_request *req)
{
    acme2_sb sb;
    int rc;
    if (!new_key) return ACME2_ERR_PARAM;
    rc = acme2__prepare(c, 0, req);
    if (rc) return rc < 0 ? rc : 0;
    if (!c->dir.key_change[0]) return ACME2_ERR_UNSUPPORTED; /* before a nonce is fetched for nothing */
    if (!c->kid[0]) return ACME2_ERR_STATE;
    rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    rc = acme2_jws_key_change(&sb, new_key, c->key, c->kid, c->dir.key_change);
    if (rc < 0) return rc;
    return acme2__post_sb(c, c->dir.key_change, &sb, NULL, req);
}

ACME2_DEF int acme2_account_key_change_response(acme2_client *c, const acme2_key *new_key)
{
    int rc;
    if (c->pending) return acme2__pending_response(c);
    rc = acme2__done(c, acme2__response_common(c, 1));
    if (rc) return rc;
    c->key = new_key;
    acme2__log(c, ACME2_LOG_INFO, "account key changed", NULL);
    return 0;
}

ACME2_DEF int acme2_account_key_change(acme2_client *c, const acme2_key *new_key)
{
    ACME2__DRIVE(c, acme2_account_key_change_request(c, new_key, &req_), acme2_account_key_change_response(c, new_key));
}

/* ---- orders ---- */

static int acme2__identifier_json(acme2_sb *sb, const acme2_identifier *id)
{
    unsigned char ip[16];
    if (!id || !id->value) return ACME2_ERR_PARAM;
    if (id->type == ACME2_ID_IP) {
        if (acme2_ip_parse(id->value, ip) < 0) return ACME2_ERR_IDENTIFIER;
    } else if (id->type != ACME2_ID_DNS || !id->value[0]) {
        return ACME2_ERR_IDENTIFIER;
    }
    acme2_jw_obj_begin(sb);
    acme2_jw_key(sb, "type");
    acme2_jw_str(sb, id->type == ACME2_ID_IP ? "ip" : "dns");
    acme2_jw_key(sb, "value");
    acme2_jw_str(sb, id->value);
    acme2_jw_obj_end(sb);
    return 0;
}

/* RFC 3339 text of a Unix time (UTC), as a JSON string value. */
static void acme2__jw_time(acme2_sb *sb, long long t)
{
    char s[20];
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, secs = t - days * 86400, y;
    unsigned v[6], m, d;
    int i;
    acme2__civil_from_days(days, &y, &m, &d);
    v[0] = (unsigned)y; v[1] = m; v[2] = d;
    v[3] = (unsigned)(secs / 3600); v[4] = (unsigned)(secs / 60 % 60); v[5] = (unsigned)(secs % 60);
    s[0] = (char)('0' + v[0] / 1000 % 10); s[1] = (char)('0' + v[0] / 100 % 10);
    s[2] = (char)('0' + v[0] / 10 % 10); s[3] = (char)('0' + v[0] % 10);
    for (i = 1; i < 6; i++) {
        s[1 + 3 * i] = "--T::"[i - 1];
        s[2 + 3 * i] = (char)('0' + v[i] / 10);
        s[3 + 3 * i] = (char)('0' + v[i] % 10);
    }
    s[19] = 'Z';
    acme2_jw_strn(sb, s, 20);
}

ACME2_DEF int acme2_order_new_request(acme2_client *c, const acme2_order_params *p, acme2_http_request *req)
{
    acme2_sb sb;
    size_t i;
    int rc;
    if (!p || !p->ids || p->n_ids == 0 || p->n_ids > ACME2_MAX_AUTHZ) return ACME2_ERR_PARAM;
    /* The directory first, without a nonce: an order refused here costs no
       request. */
    rc = acme2__prepare(c, 0, req);
    if (rc) return rc < 0 ? rc : 0;
    if (p->profile) {
        /* Only profiles the directory lists: a server that lists none (or
           not this one) would ignore or refuse the member, and the caller
           would get a certificate of another profile than asked for. */
        int k, found = 0;
        for (k = 0; k < c->dir.n_profiles; k++)
            if (strcmp(acme2_directory_profile(&c->dir, k), p->profile) == 0) found = 1;
        if (!found) return ACME2_ERR_PROFILE;
    }
    rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_jw_obj_begin(&sb);
    acme2_jw_key(&sb, "identifiers");
    acme2_jw_arr_begin(&sb);
    for (i = 0; i < p->n_ids; i++) {
        rc = acme2__identifier_json(&sb, &p->ids[i]);
        if (rc) return rc;
    }
    acme2_jw_arr_end(&sb);
    if (p->not_before) { acme2_jw_key(&sb, "notBefore"); acme2__jw_time(&sb, p->not_before); }
    if (p->not_after) { acme2_jw_key(&sb, "notAfter"); acme2__jw_time(&sb, p->not_after); }
    if (p->profile) { acme2_jw_key(&sb, "profile"); acme2_jw_str(&sb, p->profile); }
    if (p->replaces) { acme2_jw_key(&sb, "replaces"); acme2_jw_str(&sb, p->replaces); }
    acme2_jw_obj_end(&sb);
    return acme2__post_sb(c, c->dir.new_order, &sb, NULL, req);
}

ACME2_DEF const char *acme2_order_authz(const acme2_order *o, int i)
{
    if (i < 0 || i >= o->n_authz) return NULL;
    return o->strings + o->authz_off[i];
}

/* An optional timestamp member. */
static int acme2__time_member(const char *js, const acme2_json_tok *t, int n, int obj, const char *key, long long *out)
{
    int k = acme2_json_get(js, t, n, obj, key);
    *out = 0;
    if (k == ACME2_ERR_NOT_FOUND) return 0;
    if (k < 0 || t[k].type != ACME2_JSON_STRING) return ACME2_ERR_PROTOCOL;
    return acme2__rfc3339(js + t[k].start, (size_t)(t[k].end - t[k].start), out) < 0 ? ACME2_ERR_PROTOCOL : 0;
}

/* Parses an order into a scratch copy first, so a bad response leaves
   `out` as it was. The scratch lives past the tokens in the work buffer. */
static int acme2__order_parse(acme2_client *c, const acme2_json_tok *t, int n, const char *url, acme2_order *out)
{
    const char *js = c->resp.body;
    acme2_order *o;
    size_t off = acme2__align(c, (size_t)((const char *)(t + n) - c->work));
    int k, i, e, st, rc;
    if (off + sizeof *o > acme2__work_room(c)) return ACME2_ERR_NOSPACE;
    o = (acme2_order *)(void *)(c->work + off);
    o->used = 0;
    o->n_authz = 0;
    k = acme2_json_get(js, t, n, 0, "status");
    if (k < 0 || (st = acme2__status_parse(js, &t[k])) < 0) return ACME2_ERR_PROTOCOL;
    o->status = st;
    if (acme2__time_member(js, t, n, 0, "expires", &o->expires) ||
        acme2__time_member(js, t, n, 0, "notBefore", &o->not_before) ||
        acme2__time_member(js, t, n, 0, "notAfter", &o->not_after))
        return ACME2_ERR_PROTOCOL;
    o->url = acme2__pack(o->strings, sizeof o->strings, &o->used, url, strlen(url));
    k = acme2_json_get(js, t, n, 0, "finalize");
    if (k < 0 || t[k].type != ACME2_JSON_STRING) return ACME2_ERR_PROTOCOL;
    o->finalize = acme2__pack_json(o->strings, sizeof o->strings, &o->used, js, &t[k]);
    k = acme2_json_get(js, t, n, 0, "certificate");
    if (k == ACME2_ERR_NOT_FOUND) o->certificate = acme2__pack(o->strings, sizeof o->strings, &o->used, "", 0);
    else if (k < 0 || t[k].type != ACME2_JSON_STRING) return ACME2_ERR_PROTOCOL;
    else o->certificate = acme2__pack_json(o->strings, sizeof o->strings, &o->used, js, &t[k]);
    if (!o->url || !o->finalize || !o->certificate) return ACME2_ERR_NOSPACE;
    /* URLs from a body get the checks of the directory's: http:// is
       ACME2_ERR_INSECURE_URL, not a generic protocol error. */
    if ((rc = acme2__url_ok(c, o->finalize)) != 0) return rc;
    if (o->certificate[0] && (rc = acme2__url_ok(c, o->certificate)) != 0) return rc;
    k = acme2_json_get(js, t, n, 0, "authorizations");
    if (k < 0 || t[k].type != ACME2_JSON_ARRAY) return ACME2_ERR_PROTOCOL;
    if (t[k].size > ACME2_MAX_AUTHZ) return ACME2_ERR_TOO_LARGE;
    for (e = 0, i = k + 1; e < t[k].size; e++, i = acme2_json_next(t, n, i)) {
        const char *s;
        if (t[i].type != ACME2_JSON_STRING) return ACME2_ERR_PROTOCOL;
        s = acme2__pack_json(o->strings, sizeof o->strings, &o->used, js, &t[i]);
        if (!s) return ACME2_ERR_NOSPACE;
        if ((rc = acme2__url_ok(c, s)) != 0) return rc;
        o->authz_off[o->n_authz++] = (unsigned short)(s - o->strings);
    }
    if (o->status == ACME2_STATUS_VALID && !o->certificate[0]) return ACME2_ERR_PROTOCOL;
    /* Commit: copy the scratch and rebase its pointers. */
    ACME2_MEMCPY(out, o, sizeof *o);
    out->url = out->strings + (o->url - o->strings);
    out->finalize = out->strings + (o->finalize - o->strings);
    out->certificate = out->strings + (o->certificate - o->strings);
    if (out->status == ACME2_STATUS_INVALID) {
        k = acme2_json_get(js, t, n, 0, "error");
        acme2__problem_parse(c, js, t, n, k >= 0 ? k : -1, 0);
        if (k < 0) c->problem.type = ACME2_PROB_NONE;
        acme2__log(c, ACME2_LOG_WARN, "order invalid: ", c->problem.detail);
        return ACME2_ERR_INVALID;
    }
    return 0;
}

ACME2_DEF int acme2_order_new_response(acme2_client *c, acme2_order *out)
{
    acme2_json_tok *t = NULL;
    int n = 0, rc = acme2__begin_json(c, 1, &t, &n);
    if (rc) return rc;
    if (c->resp.status != 201) return ACME2_ERR_HTTP;
    if (!c->resp.location[0]) return ACME2_ERR_NO_LOCATION;
    rc = acme2__url_ok(c, c->resp.location);
    if (rc) return rc;
    rc = acme2__order_parse(c, t, n, c->resp.location, out);
    if (rc == 0) acme2__log(c, ACME2_LOG_INFO, "order: ", out->url);
    return rc;
}

ACME2_DEF int acme2_order_new(acme2_client *c, const acme2_order_params *p, acme2_order *out)
{
    ACME2__DRIVE(c, acme2_order_new_request(c, p, &req_), acme2_order_new_response(c, out));
}

ACME2_DEF int acme2_order_get_request(acme2_client *c, const char *url, acme2_http_request *req)
{
    int rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    return acme2__post(c, url, NULL, 0, NULL, req);
}

ACME2_DEF int acme2_order_get_response(acme2_client *c, acme2_order *out)
{
    acme2_json_tok *t = NULL;
    int n = 0, rc = acme2__begin_json(c, 1, &t, &n);
    if (rc) return rc;
    return acme2__order_parse(c, t, n, c->req_url, out);
}

ACME2_DEF int acme2_order_get(acme2_client *c, const char *url, acme2_order *out)
{
    ACME2__DRIVE(c, acme2_order_get_request(c, url, &req_), acme2_order_get_response(c, out));
}

/* Seconds until the next poll: the server's Retry-After if it sent one
   (bounded by the deadline), else exponential backoff. */
static long long acme2__poll_delay(acme2_client *c, unsigned attempt)
{
    long long d = c->resp.retry_after;
    if (d < 0) {
        d = c->opt.poll_interval;
        while (attempt-- && d < (long long)c->opt.poll_max_interval) d *= 2;
        if (d > (long long)c->opt.poll_max_interval) d = c->opt.poll_max_interval;
    }
    /* "Retry-After: 0" (or a date in the past) on every answer would make
       polling a busy loop that only the clock's deadline ends. */
    if (d < 1) d = 1;
    return d;
}

ACME2_DEF int acme2_order_poll(acme2_client *c, acme2_order *o)
{
    long long deadline = acme2__now(c) + c->opt.poll_timeout;
    unsigned attempt = 0;
    if (!o->url || !o->url[0]) return ACME2_ERR_PARAM;
    while (o->status == ACME2_STATUS_PENDING || o->status == ACME2_STATUS_PROCESSING) {
        long long d = acme2__poll_delay(c, attempt++);
        int rc;
        if (acme2__now(c) + d > deadline) return ACME2_ERR_TIMEOUT;
        acme2__sleep(c, d);
        rc = acme2_order_get(c, o->url, o);
        if (rc) return rc;
    }
    return 0;
}

ACME2_DEF int acme2_order_finalize_request(acme2_client *c, const acme2_order *o, const unsigned char *csr,
                                           size_t csr_len, acme2_http_request *req)
{
    acme2_sb sb;
    int rc;
    if (!o || !csr || !csr_len || !o->finalize || !o->url) return ACME2_ERR_PARAM;
    rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_jw_obj_begin(&sb);
    acme2_jw_key(&sb, "csr");
    acme2_jw_b64url(&sb, csr, csr_len);
    acme2_jw_obj_end(&sb);
    return acme2__post_sb(c, o->finalize, &sb, NULL, req);
}

ACME2_DEF int acme2_order_finalize_response(acme2_client *c, acme2_order *o)
{
    acme2_json_tok *t;
    char url[ACME2_MAX_URL + 1];
    int n, rc;
    if (!o || !o->url) return ACME2_ERR_PARAM;
    rc = acme2__begin_json(c, 1, &t, &n);
    if (rc) return rc;
    /* The response is the order; its URL is the order's, not finalize's. */
    if (!acme2__copy_value(url, sizeof url, o->url, strlen(o->url))) return ACME2_ERR_PARAM;
    return acme2__order_parse(c, t, n, url, o);
}

ACME2_DEF int acme2_order_finalize(acme2_client *c, acme2_order *o, const unsigned char *csr, size_t csr_len)
{
    ACME2__DRIVE(c, acme2_order_finalize_request(c, o, csr, csr_len, &req_), acme2_order_finalize_response(c, o));
}

/* ---- authorizations and challenges ---- */

static int acme2__challenge_type(const char *js, const acme2_json_tok *t)
{
    int k;
    for (k = ACME2_CHALLENGE_HTTP_01; k <= ACME2_CHALLENGE_DNS_ACCOUNT_01; k++)
        if (acme2_json_eq(js, t, acme2_challenge_name(k))) return k;
    return ACME2_CHALLENGE_OTHER;
}

ACME2_DEF const acme2_challenge *acme2_authz_challenge(const acme2_authz *a, int type)
{
    int i;
    for (i = 0; i < a->n_challenges; i++)
        if (a->challenges[i].type == type) return &a->challenges[i];
    return NULL;
}

static int acme2__authz_parse(acme2_client *c, const acme2_json_tok *t, int n, const char *url, acme2_authz *out)
{
    const char *js = c->resp.body;
    acme2_authz *a;
    size_t off = acme2__align(c, (size_t)((const char *)(t + n) - c->work));
    int k, i, e, st, rc, failed = -1;
    if (off + sizeof *a > acme2__work_room(c)) return ACME2_ERR_NOSPACE;
    a = (acme2_authz *)(void *)(c->work + off);
    a->used = 0;
    a->n_challenges = 0;
    a->wildcard = 0;
    k = acme2_json_get(js, t, n, 0, "status");
    if (k < 0 || (st = acme2__status_parse(js, &t[k])) < 0) return ACME2_ERR_PROTOCOL;
    a->status = st;
    if (acme2__time_member(js, t, n, 0, "expires", &a->expires)) return ACME2_ERR_PROTOCOL;
    k = acme2_json_get(js, t, n, 0, "identifier");
    if (k < 0 || t[k].type != ACME2_JSON_OBJECT) return ACME2_ERR_PROTOCOL;
    if (acme2__identifier_parse(js, t, n, k, &a->identifier, a->strings, sizeof a->strings, &a->used)) return ACME2_ERR_PROTOCOL;
    k = acme2_json_get(js, t, n, 0, "wildcard");
    if (k >= 0 && acme2_json_bool(&t[k], &a->wildcard) < 0) return ACME2_ERR_PROTOCOL;
    a->url = acme2__pack(a->strings, sizeof a->strings, &a->used, url, strlen(url));
    if (!a->url) return ACME2_ERR_NOSPACE;
    k = acme2_json_get(js, t, n, 0, "challenges");
    if (k < 0 || t[k].type != ACME2_JSON_ARRAY) return ACME2_ERR_PROTOCOL;
    for (e = 0, i = k + 1; e < t[k].size; e++, i = acme2_json_next(t, n, i)) {
        acme2_challenge *ch;
        int j, cst;
        if (t[i].type != ACME2_JSON_OBJECT) return ACME2_ERR_PROTOCOL;
        if (a->n_challenges == ACME2_MAX_CHALLENGES) continue; /* the rest are not offered to us */
        ch = &a->challenges[a->n_challenges];
        j = acme2_json_get(js, t, n, i, "type");
        if (j < 0 || t[j].type != ACME2_JSON_STRING) return ACME2_ERR_PROTOCOL;
        ch->type = acme2__challenge_type(js, &t[j]);
        ch->type_str = acme2__pack_json(a->strings, sizeof a->strings, &a->used, js, &t[j]);
        j = acme2_json_get(js, t, n, i, "url");
        if (j < 0 || t[j].type != ACME2_JSON_STRING) return ACME2_ERR_PROTOCOL;
        ch->url = acme2__pack_json(a->strings, sizeof a->strings, &a->used, js, &t[j]);
        j = acme2_json_get(js, t, n, i, "status");
        if (j < 0 || (cst = acme2__status_parse(js, &t[j])) < 0) return ACME2_ERR_PROTOCOL;
        ch->status = cst;
        j = acme2_json_get(js, t, n, i, "token");
        if (j == ACME2_ERR_NOT_FOUND) ch->token = acme2__pack(a->strings, sizeof a->strings, &a->used, "", 0);
        else if (j < 0 || t[j].type != ACME2_JSON_STRING) return ACME2_ERR_PROTOCOL;
        else ch->token = acme2__pack_json(a->strings, sizeof a->strings, &a->used, js, &t[j]);
        if (!ch->type_str || !ch->url || !ch->token) return ACME2_ERR_NOSPACE;
        if ((rc = acme2__url_ok(c, ch->url)) != 0) return rc;
        if (acme2__time_member(js, t, n, i, "validated", &ch->validated)) return ACME2_ERR_PROTOCOL;
        j = acme2_json_get(js, t, n, i, "error");
        ch->has_error = j >= 0;
        if (ch->has_error && failed < 0) failed = j;
        a->n_challenges++;
    }
    /* Commit and rebase. */
    ACME2_MEMCPY(out, a, sizeof *a);
#define ACME2__REBASE(p) ((p) = out->strings + ((p) - a->strings))
    ACME2__REBASE(out->identifier.value);
    ACME2__REBASE(out->url);
    for (i = 0; i < out->n_challenges; i++) {
        ACME2__REBASE(out->challenges[i].type_str);
        ACME2__REBASE(out->challenges[i].url);
        ACME2__REBASE(out->challenges[i].token);
    }
#undef ACME2__REBASE
    if (out->status == ACME2_STATUS_INVALID) {
        acme2__problem_parse(c, js, t, n, failed, 0);
        if (failed < 0) c->problem.type = ACME2_PROB_NONE;
        acme2__log(c, ACME2_LOG_WARN, "authorization invalid: ", c->problem.detail);
        return ACME2_ERR_INVALID;
    }
    return 0;
}

ACME2_DEF int acme2_authz_get_request(acme2_client *c, const char *url, acme2_http_request *req)
{
    return acme2_order_get_request(c, url, req);
}

ACME2_DEF int acme2_authz_get_response(acme2_client *c, acme2_authz *out)
{
    acme2_json_tok *t = NULL;
    int n = 0, rc = acme2__begin_json(c, 1, &t, &n);
    if (rc) return rc;
    return acme2__authz_parse(c, t, n, c->req_url, out);
}

ACME2_DEF int acme2_authz_get(acme2_client *c, const char *url, acme2_authz *out)
{
    ACME2__DRIVE(c, acme2_authz_get_request(c, url, &req_), acme2_authz_get_response(c, out));
}

ACME2_DEF int acme2_authz_poll(acme2_client *c, acme2_authz *a)
{
    long long deadline = acme2__now(c) + c->opt.poll_timeout;
    unsigned attempt = 0;
    if (!a->url || !a->url[0]) return ACME2_ERR_PARAM;
    while (a->status == ACME2_STATUS_PENDING) {
        long long d = acme2__poll_delay(c, attempt++);
        int rc;
        if (acme2__now(c) + d > deadline) return ACME2_ERR_TIMEOUT;
        acme2__sleep(c, d);
        rc = acme2_authz_get(c, a->url, a);
        if (rc) return rc;
    }
    return 0;
}

ACME2_DEF int acme2_authz_new_request(acme2_client *c, const acme2_identifier *id, acme2_http_request *req)
{
    acme2_sb sb;
    int rc = acme2__prepare(c, 0, req);
    if (rc) return rc < 0 ? rc : 0;
    if (!c->dir.new_authz[0]) return ACME2_ERR_UNSUPPORTED; /* before a nonce is fetched for nothing */
    rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_jw_obj_begin(&sb);
    acme2_jw_key(&sb, "identifier");
    rc = acme2__identifier_json(&sb, id);
    if (rc) return rc;
    acme2_jw_obj_end(&sb);
    return acme2__post_sb(c, c->dir.new_authz, &sb, NULL, req);
}

ACME2_DEF int acme2_authz_new_response(acme2_client *c, acme2_authz *out)
{
    acme2_json_tok *t = NULL;
    int n = 0, rc = acme2__begin_json(c, 1, &t, &n);
    if (rc) return rc;
    if (c->resp.status != 201) return ACME2_ERR_HTTP;
    if (!c->resp.location[0]) return ACME2_ERR_NO_LOCATION;
    rc = acme2__url_ok(c, c->resp.location);
    if (rc) return rc;
    return acme2__authz_parse(c, t, n, c->resp.location, out);
}

ACME2_DEF int acme2_authz_new(acme2_client *c, const acme2_identifier *id, acme2_authz *out)
{
    ACME2__DRIVE(c, acme2_authz_new_request(c, id, &req_), acme2_authz_new_response(c, out));
}

ACME2_DEF int acme2_authz_deactivate_request(acme2_client *c, const char *url, acme2_http_request *req)
{
    acme2_sb sb;
    int rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_sb_puts(&sb, "{\"status\":\"deactivated\"}");
    return acme2__post_sb(c, url, &sb, NULL, req);
}

ACME2_DEF int acme2_authz_deactivate_response(acme2_client *c, acme2_authz *out)
{
    return acme2_authz_get_response(c, out);
}

ACME2_DEF int acme2_authz_deactivate(acme2_client *c, const char *url, acme2_authz *out)
{
    ACME2__DRIVE(c, acme2_authz_deactivate_request(c, url, &req_), acme2_authz_deactivate_response(c, out));
}

ACME2_DEF int acme2_challenge_accept_request(acme2_client *c, const char *url, acme2_http_request *req)
{
    acme2_sb sb;
    int rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_sb_puts(&sb, "{}");
    return acme2__post_sb(c, url, &sb, NULL, req);
}

ACME2_DEF int acme2_challenge_accept_response(acme2_client *c)
{
    acme2_json_tok *t = NULL;
    int n = 0, k, rc = acme2__begin_json(c, 1, &t, &n);
    if (rc) return rc;
    k = acme2_json_get(c->resp.body, t, n, 0, "status");
    if (k < 0 || acme2__status_parse(c->resp.body, &t[k]) < 0) return ACME2_ERR_PROTOCOL;
    return 0;
}

ACME2_DEF int acme2_challenge_accept(acme2_client *c, const char *url)
{
    ACME2__DRIVE(c, acme2_challenge_accept_request(c, url, &req_), acme2_challenge_accept_response(c));
}

/* ---- certificates ---- */

/* Alternate chains are optional extras: one whose URL the client would
   refuse (not https, too long) is dropped rather than failing the chain
   that did arrive. */
static void acme2__drop_insecure_links(acme2_client *c)
{
    acme2_http_response *r = &c->resp;
    size_t in = 0, out = 0;
    int i, kept = 0;
    for (i = 0; i < r->n_alternates && in < r->links_len; i++) {
        size_t n = strlen(r->links + in) + 1;
        if (acme2__url_ok(c, r->links + in) == 0) {
            memmove(r->links + out, r->links + in, n);
            out += n;
            kept++;
        }
        in += n;
    }
    r->links_len = out;
    r->n_alternates = kept;
}

ACME2_DEF int acme2_certificate_request(acme2_client *c, const char *url, acme2_http_request *req)
{
    int rc = acme2_order_get_request(c, url, req);
    if (rc == 0 && !c->pending) { /* the download itself, not a prerequisite */
        c->resp.sink = c->sink;
        c->resp.sink_user = c->sink_user;
    }
    return rc;
}

ACME2_DEF int acme2_certificate_response(acme2_client *c, const char **pem, size_t *pem_len)
{
    int rc;
    if (c->pending) return acme2__pending_response(c);
    rc = acme2__done(c, acme2__response_common(c, 1));
    if (rc) return rc;
    if (!acme2__ct_is(c, "application/pem-certificate-chain")) return ACME2_ERR_CONTENT_TYPE;
    if (c->resp.body_len == 0) return ACME2_ERR_PROTOCOL;
    acme2__drop_insecure_links(c);
    if (pem) *pem = c->resp.body;
    if (pem_len) *pem_len = c->resp.body_len;
    return 0;
}

ACME2_DEF int acme2_certificate_download(acme2_client *c, const char *url, const char **pem, size_t *pem_len)
{
    ACME2__DRIVE(c, acme2_certificate_request(c, url, &req_), acme2_certificate_response(c, pem, pem_len));
}

ACME2_DEF int acme2_revoke_request(acme2_client *c, const unsigned char *cert_der, size_t cert_len, int reason,
                                   const acme2_key *cert_key, acme2_http_request *req)
{
    acme2_sb sb;
    int rc;
    if (!cert_der || !cert_len || reason > 10) return ACME2_ERR_PARAM;
    rc = acme2__prepare(c, 0, req);
    if (rc) return rc < 0 ? rc : 0;
    if (!c->dir.revoke_cert[0]) return ACME2_ERR_UNSUPPORTED;
    rc = acme2__prepare(c, 1, req);
    if (rc) return rc < 0 ? rc : 0;
    acme2__payload_begin(c, &sb);
    acme2_jw_obj_begin(&sb);
    acme2_jw_key(&sb, "certificate");
    acme2_jw_b64url(&sb, cert_der, cert_len);
    if (reason >= 0) { acme2_jw_key(&sb, "reason"); acme2_jw_int(&sb, reason); }
    acme2_jw_obj_end(&sb);
    return acme2__post_sb(c, c->dir.revoke_cert, &sb, cert_key, req);
}

ACME2_DEF int acme2_revoke_response(acme2_client *c)
{
    if (c->pending) return acme2__pending_response(c);
    return acme2__done(c, acme2__response_common(c, 1));
}

ACME2_DEF int acme2_revoke(acme2_client *c, const unsigned char *cert_der, size_t cert_len, int reason,
                           const acme2_key *cert_key)
{
    ACME2__DRIVE(c, acme2_revoke_request(c, cert_der, cert_len, reason, cert_key, &req_), acme2_revoke_response(c));
}

/* ---- renewal information ---- */

ACME2_DEF int acme2_renewal_info_get_request(acme2_client *c, const char *cert_id, acme2_http_request *req)
{
    acme2_sb sb;
    size_t i, n;
    int rc;
    char *url;
    if (!cert_id) return ACME2_ERR_PARAM;
    rc = acme2__prepare(c, 0, req);
    if (rc) return rc < 0 ? rc : 0;
    if (!c->dir.renewal_info[0]) return ACME2_ERR_UNSUPPORTED;
    n = strlen(cert_id);
    /* The certificate ID is base64url "." base64url: nothing else may reach the path. */
    for (i = 0; i < n; i++)
        if (cert_id[i] != '.' && acme2__b64url_value((unsigned char)cert_id[i]) < 0) return ACME2_ERR_PARAM;
    url = c->work;
    acme2_sb_init(&sb, url, ACME2_MAX_URL + 1 < acme2__work_room(c) ? ACME2_MAX_URL + 1 : acme2__work_room(c));
    acme2_sb_puts(&sb, c->dir.renewal_info);
    if (sb.len && c->dir.renewal_info[sb.len - 1] != '/') acme2_sb_putc(&sb, '/');
    acme2_sb_puts(&sb, cert_id);
    rc = acme2_sb_finish(&sb);
    if (rc < 0) return rc;
    rc = acme2__get(c, "GET", url, req);
    if (rc) return rc;
    acme2__expect_response(c, (size_t)sb.len + 1);
    return 0;
}

ACME2_DEF int acme2_renewal_info_get_response(acme2_client *c, acme2_renewal_info *out)
{
    acme2_json_tok *t;
    const char *js;
    acme2_renewal_info ri;
    int n = 0, w, k, rc = acme2__begin_json(c, 0, &t, &n);
    if (rc) return rc;
    js = c->resp.body;
    ACME2_MEMSET(&ri, 0, sizeof ri);
    w = acme2_json_get(js, t, n, 0, "suggestedWindow");
    if (w < 0 || t[w].type != ACME2_JSON_OBJECT) return ACME2_ERR_PROTOCOL;
    if (acme2__time_member(js, t, n, w, "start", &ri.start) || acme2__time_member(js, t, n, w, "end", &ri.end) ||
        !ri.start || !ri.end || ri.end < ri.start)
        return ACME2_ERR_PROTOCOL;
    k = acme2_json_get(js, t, n, 0, "explanationURL");
    if (k >= 0 && (t[k].type != ACME2_JSON_STRING || acme2_json_str(js, &t[k], ri.explanation_url, sizeof ri.explanation_url) < 0))
        return ACME2_ERR_PROTOCOL;
    ri.retry_after = c->resp.retry_after;
    *out = ri;
    return 0;
}

ACME2_DEF int acme2_renewal_info_get(acme2_client *c, const char *cert_id, acme2_renewal_info *out)
{
    ACME2__DRIVE(c, acme2_renewal_info_get_request(c, cert_id, &req_), acme2_renewal_info_get_response(c, out));
}
