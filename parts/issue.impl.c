/* == issue == */

/* The porcelain's state, kept at the end of the client's work buffer so
   that one buffer is all the caller provides. */
typedef struct acme2__issue_state {
    acme2_order order;
    acme2_authz authz;
    size_t cleanup_used;
    char cleanup[ACME2_ISSUE_CLEANUP_BYTES]; /* records: type, wildcard, id type, identifier\0, token\0 */
} acme2__issue_state;

static const int acme2__default_challenges[3] = { ACME2_CHALLENGE_HTTP_01, ACME2_CHALLENGE_DNS_01, ACME2_CHALLENGE_TLS_ALPN_01 };

/* Fills the strings of a challenge_info into buf (about 1 KB of stack in
   the caller). */
static int acme2__challenge_info(acme2_client *c, acme2_challenge_info *ci, char *buf, size_t cap)
{
    size_t used = 0;
    int n;
    char *ka = buf, *name, *value, *path;
    n = acme2_key_authorization(c->key, ci->token, ka, cap);
    if (n < 0) return n;
    used = (size_t)n + 1;
    name = buf + used;
    name[0] = 0;
    if (ci->type == ACME2_CHALLENGE_DNS_01) n = acme2_dns01_name(ci->identifier.value, name, cap - used);
    else if (ci->type == ACME2_CHALLENGE_DNS_ACCOUNT_01) n = acme2_dns_account01_name(c->kid, ci->identifier.value, name, cap - used);
    else n = 0;
    if (n < 0) return n;
    used += (size_t)n + 1;
    value = buf + used;
    value[0] = 0;
    if (ci->type == ACME2_CHALLENGE_DNS_01 || ci->type == ACME2_CHALLENGE_DNS_ACCOUNT_01) {
        /* dns-account-01 publishes the same digest as dns-01. */
        n = acme2_dns01_txt(c->key, ci->token, value, cap - used);
        if (n < 0) return n;
        used += (size_t)n + 1;
    } else {
        used += 1;
    }
    path = buf + used;
    path[0] = 0;
    if (ci->type == ACME2_CHALLENGE_HTTP_01) {
        n = acme2_http01_path(ci->token, path, cap - used);
        if (n < 0) return n;
    }
    ci->key_authorization = ka;
    ci->dns_name = name;
    ci->dns_value = value;
    ci->http_path = path;
    return 0;
}

static int acme2__cleanup_record(acme2__issue_state *s, const acme2_challenge_info *ci)
{
    size_t il = strlen(ci->identifier.value), tl = strlen(ci->token);
    char *p;
    if (3 + il + 1 + tl + 1 > sizeof s->cleanup - s->cleanup_used) return ACME2_ERR_NOSPACE;
    p = s->cleanup + s->cleanup_used;
    p[0] = (char)ci->type;
    p[1] = (char)ci->wildcard;
    p[2] = (char)ci->identifier.type;
    ACME2_MEMCPY(p + 3, ci->identifier.value, il + 1);
    ACME2_MEMCPY(p + 4 + il, ci->token, tl + 1);
    s->cleanup_used += 3 + il + 1 + tl + 1;
    return 0;
}

/* Runs the cleanup callback for every recorded challenge, then forgets them. */
static void acme2__cleanup_all(acme2_client *c, const acme2_issue_params *p, acme2__issue_state *s, int failed)
{
    size_t pos = 0;
    while (pos < s->cleanup_used) {
        acme2_challenge_info ci;
        char buf[1024];
        const char *rec = s->cleanup + pos;
        ci.type = rec[0];
        ci.wildcard = rec[1];
        ci.identifier.type = rec[2];
        ci.identifier.value = rec + 3;
        ci.token = rec + 3 + strlen(rec + 3) + 1;
        ci.failed = failed;
        pos += 3 + strlen(ci.identifier.value) + 1 + strlen(ci.token) + 1;
        if (p->cleanup && acme2__challenge_info(c, &ci, buf, sizeof buf) == 0) p->cleanup(p->user, &ci);
        acme2_wipe(buf, sizeof buf);
    }
    s->cleanup_used = 0;
}

/* Deploys one pending authorization's challenge: the first preferred type
   it offers that the deploy callback takes. Returns that challenge's index
   in s->authz, or an error. The accept is the caller's, so this frame
   (about 1.7 KB with the challenge strings) is gone while the request is
   signed. */
static int acme2__deploy_authz(acme2_client *c, const acme2_issue_params *p, acme2__issue_state *s)
{
    const int *types = p->challenge_types ? p->challenge_types : acme2__default_challenges;
    size_t nt = p->challenge_types ? p->n_challenge_types : 3, i;
    acme2_authz *a = &s->authz;
    for (i = 0; i < nt; i++) {
        const acme2_challenge *ch = acme2_authz_challenge(a, types[i]);
        acme2_challenge_info ci;
        char buf[1024];
        int rc;
        if (!ch) continue;
        ci.type = ch->type;
        ci.failed = 0;
        ci.identifier = a->identifier;
        ci.wildcard = a->wildcard;
        ci.token = ch->token;
        rc = acme2__challenge_info(c, &ci, buf, sizeof buf);
        if (rc == 0) rc = acme2__cleanup_record(s, &ci);
        if (rc == 0) {
            acme2__log(c, ACME2_LOG_INFO, "deploying challenge for ", a->identifier.value);
            rc = p->deploy ? p->deploy(p->user, &ci) : ACME2_ERR_PARAM;
            if (rc > 0) s->cleanup_used -= 3 + strlen(ci.identifier.value) + 1 + strlen(ci.token) + 1;
            else if (rc < 0) rc = ACME2_ERR_CALLBACK;
        }
        acme2_wipe(buf, sizeof buf);
        if (rc > 0) continue;
        if (rc < 0) return rc;
        return (int)(ch - a->challenges);
    }
    acme2__log(c, ACME2_LOG_ERROR, "no preferred challenge type could be deployed for ", a->identifier.value);
    return ACME2_ERR_UNSUPPORTED;
}

static int acme2__issue_order(acme2_client *c, const acme2_issue_params *p, acme2__issue_state *s)
{
    acme2_order_params op;
    int rc;
    if (p->resume_order && p->resume_order[0]) {
        rc = acme2_order_get(c, p->resume_order, &s->order);
        if (rc == 0 && s->order.status != ACME2_STATUS_INVALID) {
            acme2__log(c, ACME2_LOG_INFO, "resuming order ", s->order.url);
            return 0;
        }
        acme2__log(c, ACME2_LOG_INFO, "saved order unusable; creating a new one", NULL);
    }
    ACME2_MEMSET(&op, 0, sizeof op);
    op.ids = p->ids;
    op.n_ids = p->n_ids;
    op.not_before = p->not_before;
    op.not_after = p->not_after;
    op.profile = p->profile;
    op.replaces = p->replaces;
    rc = acme2_order_new(c, &op, &s->order);
    if (rc == ACME2_ERR_PROBLEM && c->problem.type == ACME2_PROB_ALREADY_REPLACED && op.replaces) {
        acme2__log(c, ACME2_LOG_WARN, "certificate already replaced; ordering without \"replaces\"", NULL);
        op.replaces = NULL;
        rc = acme2_order_new(c, &op, &s->order);
    }
    if (rc == 0 && p->on_order) p->on_order(p->user, s->order.url);
    return rc;
}

/* An order that failed validation rarely says why: Boulder and Pebble put
   the reason into the failed challenge, not the order. Fetches the
   authorizations until one carries it, so acme2_client_problem() can tell
   the caller. Always ACME2_ERR_INVALID. */
static int acme2__issue_why_invalid(acme2_client *c, acme2__issue_state *s)
{
    int i, rc;
    for (i = 0; i < s->order.n_authz; i++) {
        rc = acme2_authz_get(c, acme2_order_authz(&s->order, i), &s->authz);
        if (rc == ACME2_ERR_INVALID && c->problem.type != ACME2_PROB_NONE) break;
        if (rc && rc != ACME2_ERR_INVALID) {
            c->problem.type = ACME2_PROB_NONE; /* not the reason: the lookup itself failed */
            break;
        }
    }
    return ACME2_ERR_INVALID;
}

static int acme2__issue_authorize(acme2_client *c, const acme2_issue_params *p, acme2__issue_state *s)
{
    int i, rc;
    for (i = 0; i < s->order.n_authz; i++) {
        rc = acme2_authz_get(c, acme2_order_authz(&s->order, i), &s->authz);
        if (rc) return rc;
        if (s->authz.status == ACME2_STATUS_VALID) continue;
        if (s->authz.status != ACME2_STATUS_PENDING) return ACME2_ERR_INVALID;
        rc = acme2__deploy_authz(c, p, s);
        if (rc < 0) return rc;
        /* The URL stays in s->authz, which the accept does not touch (the
           request copies it before building). */
        rc = acme2_challenge_accept(c, s->authz.challenges[rc].url);
        if (rc) return rc;
    }
    rc = acme2_order_poll(c, &s->order);
    if (rc == ACME2_ERR_INVALID && c->problem.type == ACME2_PROB_NONE) rc = acme2__issue_why_invalid(c, s);
    return rc;
}

/* Checks the leaf (first certificate of the chain) against the request. */
static int acme2__issue_check_leaf(acme2_client *c, const acme2_issue_params *p, const char *pem, size_t len)
{
    acme2_cert_info ci;
    size_t pos = 0, der_len = 0, off = acme2__align(c, (size_t)(pem + len - c->work));
    unsigned char *der;
    int rc;
    if (off >= acme2__work_room(c)) return ACME2_ERR_NOSPACE;
    der = (unsigned char *)c->work + off;
    rc = acme2_pem_cert_next(pem, len, &pos, der, acme2__work_room(c) - off, &der_len);
    if (rc == 0) return ACME2_ERR_PROTOCOL;
    if (rc < 0) return rc;
    rc = acme2_cert_parse(&ci, der, der_len);
    if (rc) return rc;
    if (p->cert_key && (rc = acme2_cert_key_match(&ci, p->cert_key)) != 0) return rc;
    return acme2_cert_covers(&ci, p->ids, p->n_ids);
}

static int acme2__issue_finish(acme2_client *c, const acme2_issue_params *p, acme2__issue_state *s,
                               const char **pem, size_t *pem_len)
{
    const unsigned char *csr = p->csr;
    size_t csr_len = p->csr_len;
    char url[ACME2_MAX_URL + 1];
    acme2_sink_fn keep_sink;
    void *keep_sink_user;
    int rc;
    if (s->order.status == ACME2_STATUS_READY) {
        if (!csr) {
            /* The authorization and cleanup records are done with: the CSR
               goes where they were. */
            unsigned char *area = (unsigned char *)&s->authz;
            size_t room = sizeof *s - offsetof(acme2__issue_state, authz);
            rc = acme2_csr_der(area, room, p->cert_key, p->ids, p->n_ids, 0);
            if (rc < 0) return rc;
            csr = area;
            csr_len = (size_t)rc;
        }
        acme2__log(c, ACME2_LOG_INFO, "finalizing ", s->order.url);
        rc = acme2_order_finalize(c, &s->order, csr, csr_len);
        if (rc) return rc;
    }
    rc = acme2_order_poll(c, &s->order);
    if (rc) return rc;
    if (s->order.status != ACME2_STATUS_VALID) return ACME2_ERR_INVALID;
    acme2__copy_value(url, sizeof url, s->order.certificate, strlen(s->order.certificate));
    /* The caller's own client-level sink is set aside for the call. */
    keep_sink = c->sink;
    keep_sink_user = c->sink_user;
    acme2_client_set_sink(c, NULL, NULL);
    if (p->chain > 0) {
        /* Learn the alternates from the default chain's Link headers. */
        const char *alt;
        rc = acme2_certificate_download(c, url, pem, pem_len);
        alt = rc ? NULL : acme2_certificate_alternate(c, p->chain - 1);
        if (!alt) {
            acme2_client_set_sink(c, keep_sink, keep_sink_user);
            return rc ? rc : ACME2_ERR_NOT_FOUND;
        }
        acme2__copy_value(url, sizeof url, alt, strlen(alt));
    }
    acme2_client_set_sink(c, p->sink, p->sink_user);
    acme2__log(c, ACME2_LOG_INFO, "downloading ", url);
    rc = acme2_certificate_download(c, url, pem, pem_len);
    acme2_client_set_sink(c, keep_sink, keep_sink_user);
    if (rc) return rc;
    return acme2__issue_check_leaf(c, p, *pem, *pem_len);
}

ACME2_DEF int acme2_issue(acme2_client *c, const acme2_issue_params *p, const char **pem, size_t *pem_len)
{
    acme2__issue_state *s;
    size_t need = sizeof *s + 16, off;
    int rc, cleanup_rc;
    if (!c || !p || !p->ids || !p->n_ids || !pem || !pem_len || (!p->cert_key && !p->csr)) return ACME2_ERR_PARAM;
    if (c->work_limit) return ACME2_ERR_STATE;
    if (need + 2048 > c->work_size) return ACME2_ERR_NOSPACE;
    off = c->work_size - need;
    off = acme2__align(c, off);
    if (off + sizeof *s > c->work_size) off -= 16;
    s = (acme2__issue_state *)(void *)(c->work + off);
    s->cleanup_used = 0;
    s->order.used = 0;
    s->authz.used = 0;
    c->work_limit = c->work_size - off;
    rc = acme2__issue_order(c, p, s);
    if (rc == 0 && s->order.status == ACME2_STATUS_PENDING) rc = acme2__issue_authorize(c, p, s);
    /* Challenges are cleaned up as soon as the order left "pending", and on
       any failure; a failure of the cleanup itself cannot undo issuance. */
    cleanup_rc = rc;
    acme2__cleanup_all(c, p, s, rc != 0 || s->order.status == ACME2_STATUS_INVALID);
    if (cleanup_rc == 0) {
        if (s->order.status == ACME2_STATUS_INVALID) rc = ACME2_ERR_INVALID;
        else if (s->order.status != ACME2_STATUS_READY && s->order.status != ACME2_STATUS_PROCESSING &&
                 s->order.status != ACME2_STATUS_VALID) rc = ACME2_ERR_PROTOCOL;
        else rc = acme2__issue_finish(c, p, s, pem, pem_len);
    }
    acme2_wipe(s, sizeof *s);
    c->work_limit = 0;
    if (rc == 0) acme2__log(c, ACME2_LOG_INFO, "certificate issued", NULL);
    return rc;
}
