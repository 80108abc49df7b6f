/* Fuzz target: every response parser of the non-blocking API.

   Input: byte 0 chooses the operation (FR_* in fuzz_common.h, modulo FR_OPS);
   the rest is one or more response records (fuzz_common.h): the first
   answers the operation's real request; when the parser says ACME2_AGAIN
   the request is built again and the next record answers it (at most
   FR_ROUNDS rounds).

   The client (account key from a fixed seed, transport NULL) has read a
   fixed directory and holds a nonce before the fuzzed response, so the
   bytes always answer the operation itself; for the directory operation
   and the nonce operation the fuzzed record is the directory or the
   newNonce answer. Building a signed request costs an ECDSA signature
   (about 0.3 ms), so each operation's request is built once and the
   client with its work buffer is saved right after; every input starts
   from a copy of that state at the same address (the client points into
   itself). */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "fuzz_common.h"

#ifndef FUZZ_ENTRY_RESPONSES
#define FUZZ_ENTRY_RESPONSES LLVMFuzzerTestOneInput
#endif
int FUZZ_ENTRY_RESPONSES(const uint8_t *data, size_t size);

#define FR_ROUNDS 4
#define FR_WORK 16384
#define FR_ACCOUNT FUZZ_CA "/acct/1"

typedef struct fr_state {
    acme2_client c;
    char work[FR_WORK];
} fr_state;

static fr_state fr_live;           /* the client every input runs on */
static fr_state fr_saved[FR_OPS];  /* its state right after each operation's request */
static int fr_ready;
static acme2_order fr_order;
static acme2_authz fr_authz;
static acme2_account fr_account;
static acme2_renewal_info fr_ri;
static acme2_orders_page fr_page;
/* The chain an issuer answer (FR_ISSUER) is appended to: a self-signed
   certificate made by openssl (CN=fuzz-ca), so an answer with another
   certificate of that subject is accepted. */
static const char fr_chain_start[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBezCCASGgAwIBAgIUMvbGjXb1ZY8utlJ0c0ZTJybdSNQwCgYIKoZIzj0EAwIw\n"
    "EjEQMA4GA1UEAwwHZnV6ei1jYTAgFw0yNjEyMDQxODIzMTNaGA8yMTI2MTExMDE4\n"
    "MjMxM1owEjEQMA4GA1UEAwwHZnV6ei1jYTBZMBMGByqGSM49AgEGCCqGSM49AwEH\n"
    "A0IABByxcPbqI2MtOHo2I0dUxSTwXnmthX1yDD7bk4QfC7ioIvSe+lxJTCS8BvLs\n"
    "KZ+1gSCNQvxTEDrlFHhc4W+EITijUzBRMB0GA1UdDgQWBBSmH5bXypCCrW/sj9Tt\n"
    "X4SYQeBHmjAfBgNVHSMEGDAWgBSmH5bXypCCrW/sj9TtX4SYQeBHmjAPBgNVHRMB\n"
    "Af8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQCnY47ovCbVlYsoyJOW8jxgh6zp\n"
    "688aetQtId2HX4xzJgIgZ22ebLL1UFnqOpmIHXJqay22xneK5PnKGHsk/clNMmk=\n"
    "-----END CERTIFICATE-----\n"
;
static char fr_chain[8192];
static size_t fr_chain_len;
static const acme2_identifier fr_id = { ACME2_ID_DNS, "example.org" };
static const unsigned char fr_csr[] = { 0x30, 0x03, 0x02, 0x01, 0x00 }; /* not checked by the client */
static const char *const fr_contacts[] = { "mailto:a@example.org" };
static size_t fr_sunk;

static int fr_sink(void *user, const void *data, size_t len)
{
    (void)user;
    (void)data;
    fr_sunk += len;
    return 0;
}

/* An order with the URLs finalize needs, as a previous response left it. */
static void fr_order_init(acme2_order *o)
{
    static const char url[] = FUZZ_CA "/order/1", fin[] = FUZZ_CA "/order/1/finalize";
    memset(o, 0, sizeof *o);
    o->status = ACME2_STATUS_READY;
    memcpy(o->strings, url, sizeof url);
    memcpy(o->strings + sizeof url, fin, sizeof fin);
    o->strings[sizeof url + sizeof fin] = 0;
    o->url = o->strings;
    o->finalize = o->strings + sizeof url;
    o->certificate = o->strings + sizeof url + sizeof fin;
    o->used = sizeof url + sizeof fin + 1;
}

/* Builds op's request; returns what the _request function returned. */
static int fr_request(acme2_client *c, int op, acme2_http_request *req)
{
    acme2_account_params ap;
    acme2_order_params op_;
    switch (op) {
    case FR_DIRECTORY: return acme2_directory_request(c, req);
    case FR_NONCE: /* the newNonce HEAD a POST needs first */
    case FR_ACCOUNT_NEW:
        memset(&ap, 0, sizeof ap);
        ap.contacts = fr_contacts;
        ap.n_contacts = 1;
        ap.terms_agreed = 1;
        return acme2_account_new_request(c, &ap, req);
    case FR_ACCOUNT_UPDATE: return acme2_account_update_request(c, fr_contacts, 1, req);
    case FR_ACCOUNT_DEACTIVATE: return acme2_account_deactivate_request(c, req);
    case FR_KEY_CHANGE: return acme2_account_key_change_request(c, fuzz_cert_key(), req);
    case FR_ORDER_NEW:
        memset(&op_, 0, sizeof op_);
        op_.ids = &fr_id;
        op_.n_ids = 1;
        return acme2_order_new_request(c, &op_, req);
    case FR_ORDER_GET: return acme2_order_get_request(c, FUZZ_CA "/order/1", req);
    case FR_ORDER_FINALIZE: return acme2_order_finalize_request(c, &fr_order, fr_csr, sizeof fr_csr, req);
    case FR_AUTHZ_GET: return acme2_authz_get_request(c, FUZZ_CA "/authz/1", req);
    case FR_AUTHZ_NEW: return acme2_authz_new_request(c, &fr_id, req);
    case FR_AUTHZ_DEACTIVATE: return acme2_authz_deactivate_request(c, FUZZ_CA "/authz/1", req);
    case FR_CHALLENGE_ACCEPT: return acme2_challenge_accept_request(c, FUZZ_CA "/chall/1", req);
    case FR_CERTIFICATE:
    case FR_CERTIFICATE_SINK: return acme2_certificate_request(c, FUZZ_CA "/cert/1", req);
    case FR_REVOKE: return acme2_revoke_request(c, fr_csr, sizeof fr_csr, 1, NULL, req);
    case FR_RENEWAL_INFO: return acme2_renewal_info_get_request(c, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", req);
    case FR_ORDERS_PAGE: return acme2_orders_page_request(c, FUZZ_CA "/acct/1/orders", req);
    case FR_ISSUER: return acme2_certificate_issuer_request(c, FUZZ_CA "/issuer/1", req);
    default: return ACME2_ERR_PARAM;
    }
}

static const char *fr_pem;
static size_t fr_pem_len;

static int fr_response(acme2_client *c, int op)
{
    switch (op) {
    case FR_DIRECTORY: return acme2_directory_response(c);
    case FR_NONCE:
    case FR_ACCOUNT_NEW: return acme2_account_new_response(c, &fr_account);
    case FR_ACCOUNT_UPDATE: return acme2_account_update_response(c, &fr_account);
    case FR_ACCOUNT_DEACTIVATE: return acme2_account_deactivate_response(c, &fr_account);
    case FR_KEY_CHANGE: return acme2_account_key_change_response(c, fuzz_cert_key());
    case FR_ORDER_NEW: return acme2_order_new_response(c, &fr_order);
    case FR_ORDER_GET: return acme2_order_get_response(c, &fr_order);
    case FR_ORDER_FINALIZE: return acme2_order_finalize_response(c, &fr_order);
    case FR_AUTHZ_GET: return acme2_authz_get_response(c, &fr_authz);
    case FR_AUTHZ_NEW: return acme2_authz_new_response(c, &fr_authz);
    case FR_AUTHZ_DEACTIVATE: return acme2_authz_deactivate_response(c, &fr_authz);
    case FR_CHALLENGE_ACCEPT: return acme2_challenge_accept_response(c);
    case FR_CERTIFICATE:
    case FR_CERTIFICATE_SINK: return acme2_certificate_response(c, &fr_pem, &fr_pem_len);
    case FR_REVOKE: return acme2_revoke_response(c);
    case FR_RENEWAL_INFO: return acme2_renewal_info_get_response(c, &fr_ri);
    case FR_ORDERS_PAGE: return acme2_orders_page_response(c, &fr_page);
    case FR_ISSUER: {
        size_t before = fr_chain_len;
        int rc = acme2_certificate_issuer_response(c, fr_chain, sizeof fr_chain, &fr_chain_len);
        if (rc != 0) FUZZ_ASSERT(fr_chain_len == before && memcmp(fr_chain, fr_chain_start, before) == 0);
        return rc;
    }
    default: return ACME2_ERR_PARAM;
    }
}

/* A request as the library hands it to a transport. */
static void fr_check_request(const acme2_client *c, const acme2_http_request *req)
{
    FUZZ_ASSERT(req->method && req->url);
    FUZZ_ASSERT(fuzz_url_ok(req->url));
    if (strcmp(req->method, "POST") == 0) {
        FUZZ_ASSERT(req->content_type && strcmp(req->content_type, "application/jose+json") == 0);
        FUZZ_ASSERT(req->body && req->body_len > 0);
        FUZZ_ASSERT(req->body >= c->work && req->body + req->body_len <= c->work + c->work_size);
        FUZZ_ASSERT(acme2_json_parse(req->body, req->body_len, NULL, 0) > 0);
    } else {
        FUZZ_ASSERT(strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0);
        FUZZ_ASSERT(req->body == NULL && req->body_len == 0);
    }
}

/* Feeds the fixed directory and a nonce (or only the directory), so the
   next request built is op's own. */
static void fr_prime(acme2_client *c, int op, acme2_http_request *req)
{
    acme2_options opt;
    int rc;
    memset(&opt, 0, sizeof opt);
    opt.clock = fuzz_clock;
    opt.sleep = fuzz_sleep;
    FUZZ_ASSERT(acme2_client_init(c, FUZZ_CA "/dir", fuzz_account_key(), fr_live.work, FR_WORK, NULL, NULL, &opt) == 0);
    if (op != FR_ACCOUNT_NEW && op != FR_NONCE && op != FR_DIRECTORY)
        FUZZ_ASSERT(acme2_client_set_account(c, FR_ACCOUNT) == 0);
    if (op == FR_CERTIFICATE_SINK) acme2_client_set_sink(c, fr_sink, NULL); /* before the request, as documented */
    FUZZ_ASSERT(fr_request(c, op, req) == 0);
    if (op == FR_DIRECTORY) return;
    /* the directory */
    FUZZ_ASSERT(strcmp(req->method, "GET") == 0);
    fuzz_push_fixed(acme2_client_response(c), 200, "application/json", NULL, fuzz_directory);
    rc = fr_response(c, op);
    FUZZ_ASSERT(rc == ACME2_AGAIN);
    FUZZ_ASSERT(fr_request(c, op, req) == 0);
    if (op == FR_RENEWAL_INFO) return; /* a GET: no nonce needed */
    FUZZ_ASSERT(strcmp(req->method, "HEAD") == 0);
    if (op == FR_NONCE) return;
    fuzz_push_fixed(acme2_client_response(c), 200, NULL, "fixedNonce-AAAAAAAAAAAAAA", NULL);
    rc = fr_response(c, op);
    FUZZ_ASSERT(rc == ACME2_AGAIN);
    FUZZ_ASSERT(fr_request(c, op, req) == 0);
    FUZZ_ASSERT(strcmp(req->method, "POST") == 0 || op == FR_CERTIFICATE);
}

static void fr_setup(void)
{
    int op;
    acme2_http_request req;
    fuzz_keys_init();
    for (op = 0; op < FR_OPS; op++) {
        fuzz_now = FUZZ_EPOCH;
        memset(&fr_live, 0, sizeof fr_live);
        fr_order_init(&fr_order);
        fr_prime(&fr_live.c, op, &req);
        fr_check_request(&fr_live.c, &req);
        memcpy(&fr_saved[op], &fr_live, sizeof fr_live);
    }
    fr_ready = 1;
}

/* What a successful parse leaves must be consistent. */
static void fr_check_success(acme2_client *c, int op)
{
    int i;
    switch (op) {
    case FR_DIRECTORY: {
        const acme2_directory *d = acme2_client_directory(c);
        FUZZ_ASSERT(d != NULL);
        FUZZ_ASSERT(fuzz_url_ok(d->new_nonce) && fuzz_url_ok(d->new_account) && fuzz_url_ok(d->new_order));
        FUZZ_ASSERT(d->new_authz && d->revoke_cert && d->key_change && d->renewal_info);
        FUZZ_ASSERT(d->new_authz[0] == 0 || fuzz_url_ok(d->new_authz));
        FUZZ_ASSERT(d->terms_of_service && d->website);
        for (i = 0; i < d->n_caa; i++) FUZZ_ASSERT(fuzz_str_in(acme2_directory_caa(d, i), c->dir_strings, sizeof c->dir_strings));
        FUZZ_ASSERT(acme2_directory_caa(d, d->n_caa) == NULL);
        for (i = 0; i < d->n_profiles; i++)
            FUZZ_ASSERT(fuzz_str_in(acme2_directory_profile(d, i), c->dir_strings, sizeof c->dir_strings));
        FUZZ_ASSERT(acme2_directory_profile(d, d->n_profiles) == NULL);
        FUZZ_ASSERT(c->dir_used <= sizeof c->dir_strings);
        break;
    }
    case FR_ACCOUNT_NEW:
        FUZZ_ASSERT(fuzz_url_ok(acme2_client_account(c)));
        /* fall through */
    case FR_ACCOUNT_UPDATE:
    case FR_ACCOUNT_DEACTIVATE:
        FUZZ_ASSERT(fr_account.status > ACME2_STATUS_UNKNOWN && fr_account.status <= ACME2_STATUS_REVOKED);
        break;
    case FR_KEY_CHANGE:
        FUZZ_ASSERT(c->key == fuzz_cert_key());
        break;
    case FR_ORDER_NEW:
    case FR_ORDER_GET:
    case FR_ORDER_FINALIZE: {
        const acme2_order *o = &fr_order;
        FUZZ_ASSERT(o->status > ACME2_STATUS_UNKNOWN && o->status <= ACME2_STATUS_REVOKED);
        FUZZ_ASSERT(o->used <= sizeof o->strings);
        FUZZ_ASSERT(fuzz_str_in(o->url, o->strings, sizeof o->strings) && fuzz_url_ok(o->url));
        FUZZ_ASSERT(fuzz_str_in(o->finalize, o->strings, sizeof o->strings) && fuzz_url_ok(o->finalize));
        FUZZ_ASSERT(fuzz_str_in(o->certificate, o->strings, sizeof o->strings));
        FUZZ_ASSERT(o->certificate[0] == 0 || fuzz_url_ok(o->certificate));
        if (o->status == ACME2_STATUS_VALID) FUZZ_ASSERT(o->certificate[0]);
        FUZZ_ASSERT(o->n_authz >= 0 && o->n_authz <= ACME2_MAX_AUTHZ);
        for (i = 0; i < o->n_authz; i++) {
            const char *a = acme2_order_authz(o, i);
            FUZZ_ASSERT(fuzz_str_in(a, o->strings, sizeof o->strings) && fuzz_url_ok(a));
        }
        FUZZ_ASSERT(acme2_order_authz(o, o->n_authz) == NULL && acme2_order_authz(o, -1) == NULL);
        if (op == FR_ORDER_FINALIZE) FUZZ_ASSERT(strcmp(o->url, FUZZ_CA "/order/1") == 0);
        if (op == FR_ORDER_GET) FUZZ_ASSERT(strcmp(o->url, FUZZ_CA "/order/1") == 0);
        break;
    }
    case FR_AUTHZ_GET:
    case FR_AUTHZ_NEW:
    case FR_AUTHZ_DEACTIVATE: {
        const acme2_authz *a = &fr_authz;
        FUZZ_ASSERT(a->status > ACME2_STATUS_UNKNOWN && a->status <= ACME2_STATUS_REVOKED);
        FUZZ_ASSERT(a->used <= sizeof a->strings);
        FUZZ_ASSERT(fuzz_str_in(a->identifier.value, a->strings, sizeof a->strings));
        FUZZ_ASSERT(fuzz_str_in(a->url, a->strings, sizeof a->strings) && fuzz_url_ok(a->url));
        FUZZ_ASSERT(a->n_challenges >= 0 && a->n_challenges <= ACME2_MAX_CHALLENGES);
        for (i = 0; i < a->n_challenges; i++) {
            const acme2_challenge *ch = &a->challenges[i];
            FUZZ_ASSERT(ch->type >= ACME2_CHALLENGE_OTHER && ch->type <= ACME2_CHALLENGE_DNS_PERSIST_01);
            FUZZ_ASSERT(ch->status > ACME2_STATUS_UNKNOWN && ch->status <= ACME2_STATUS_REVOKED);
            FUZZ_ASSERT(fuzz_str_in(ch->type_str, a->strings, sizeof a->strings));
            FUZZ_ASSERT(fuzz_str_in(ch->url, a->strings, sizeof a->strings) && fuzz_url_ok(ch->url));
            FUZZ_ASSERT(fuzz_str_in(ch->token, a->strings, sizeof a->strings));
            if (ch->type != ACME2_CHALLENGE_OTHER) FUZZ_ASSERT(strcmp(ch->type_str, acme2_challenge_name(ch->type)) == 0);
            FUZZ_ASSERT(acme2_authz_challenge(a, ch->type) != NULL);
            FUZZ_ASSERT(ch->n_issuer_domains >= 0 && ch->n_issuer_domains <= ACME2_MAX_ISSUER_DOMAINS);
            if (ch->type == ACME2_CHALLENGE_DNS_PERSIST_01) {
                /* usable: 1..10 normalized names, the directory's among them */
                int k, has_dir = 0;
                FUZZ_ASSERT(ch->n_issuer_domains >= 1);
                for (k = 0; k < ch->n_issuer_domains; k++) {
                    const char *nm = acme2_challenge_issuer_domain(ch, k);
                    FUZZ_ASSERT(fuzz_str_in(nm, a->strings, sizeof a->strings));
                    {
                        size_t j, l = strlen(nm);
                        FUZZ_ASSERT(l > 0 && l <= 253 && nm[l - 1] != '.');
                        for (j = 0; j < l; j++) FUZZ_ASSERT(!(nm[j] >= 'A' && nm[j] <= 'Z') && nm[j] != '*');
                    }
                    has_dir |= strcmp(nm, "ca.test") == 0;
                }
                FUZZ_ASSERT(has_dir);
                FUZZ_ASSERT(acme2_challenge_issuer_domain(ch, ch->n_issuer_domains) == NULL);
            }
        }
        if (op != FR_AUTHZ_NEW) FUZZ_ASSERT(strcmp(a->url, FUZZ_CA "/authz/1") == 0);
        break;
    }
    case FR_CERTIFICATE:
    case FR_CERTIFICATE_SINK: {
        const acme2_http_response *r = acme2_client_response(c);
        FUZZ_ASSERT(fr_pem && fr_pem_len > 0);
        FUZZ_ASSERT(fr_pem >= c->work && fr_pem + fr_pem_len <= c->work + c->work_size);
        FUZZ_ASSERT(fr_pem_len == r->body_len);
        if (op == FR_CERTIFICATE_SINK) FUZZ_ASSERT(fr_sunk == r->body_total);
        else FUZZ_ASSERT(r->body_total == r->body_len);
        for (i = 0; i < r->n_alternates; i++) FUZZ_ASSERT(fuzz_url_ok(acme2_certificate_alternate(c, i)));
        FUZZ_ASSERT(acme2_certificate_alternate(c, r->n_alternates) == NULL);
        break;
    }
    case FR_ORDERS_PAGE:
        FUZZ_ASSERT(fr_page.n_orders >= 0 && fr_page.n_orders <= ACME2_MAX_ORDERS_PAGE);
        FUZZ_ASSERT(fr_page.used <= sizeof fr_page.strings);
        for (i = 0; i < fr_page.n_orders; i++) {
            const char *u = acme2_orders_page_url(&fr_page, i);
            FUZZ_ASSERT(fuzz_str_in(u, fr_page.strings, sizeof fr_page.strings) && fuzz_url_ok(u));
        }
        FUZZ_ASSERT(acme2_orders_page_url(&fr_page, fr_page.n_orders) == NULL);
        FUZZ_ASSERT(fuzz_str_bounded(fr_page.next, ACME2_MAX_URL));
        FUZZ_ASSERT(fr_page.next[0] == 0 || (fuzz_url_ok(fr_page.next) && strcmp(fr_page.next, FUZZ_CA "/acct/1/orders") != 0));
        break;
    case FR_ISSUER: {
        /* one PEM certificate more, every block of the chain parses */
        size_t pos = 0, n;
        int blocks = 0, r;
        static unsigned char der[4096];
        acme2_cert_info ci;
        FUZZ_ASSERT(fr_chain_len > sizeof fr_chain_start - 1 && fr_chain_len <= sizeof fr_chain);
        FUZZ_ASSERT(memcmp(fr_chain, fr_chain_start, sizeof fr_chain_start - 1) == 0);
        while ((r = acme2_pem_cert_next(fr_chain, fr_chain_len, &pos, der, sizeof der, &n)) == 1) {
            FUZZ_ASSERT(acme2_cert_parse(&ci, der, n) == 0);
            blocks++;
        }
        FUZZ_ASSERT(r == 0 && blocks == 2);
        break;
    }
    case FR_RENEWAL_INFO:
        FUZZ_ASSERT(fr_ri.start <= fr_ri.end && fr_ri.start != 0);
        FUZZ_ASSERT(fuzz_str_bounded(fr_ri.explanation_url, ACME2_MAX_URL));
        FUZZ_ASSERT(fr_ri.retry_after >= -1);
        break;
    default:
        break;
    }
}

int FUZZ_ENTRY_RESPONSES(const uint8_t *data, size_t size)
{
    fuzz_in in;
    fuzz_record rec;
    acme2_http_request req;
    acme2_client *c = &fr_live.c;
    int op, round, rc = ACME2_AGAIN;
    if (size < 1) return 0;
    if (!fr_ready) fr_setup();
    op = data[0] % FR_OPS;
    in.p = data + 1;
    in.n = size - 1;
    fuzz_now = FUZZ_EPOCH;
    memcpy(&fr_live, &fr_saved[op], sizeof fr_live);
    fr_order_init(&fr_order);
    memset(&fr_authz, 0, sizeof fr_authz);
    memset(&fr_account, 0, sizeof fr_account);
    memset(&fr_ri, 0, sizeof fr_ri);
    memset(&fr_page, 0, sizeof fr_page);
    memcpy(fr_chain, fr_chain_start, sizeof fr_chain_start);
    fr_chain_len = sizeof fr_chain_start - 1;
    fr_pem = NULL;
    fr_pem_len = 0;
    fr_sunk = 0;
    for (round = 0; round < FR_ROUNDS && fuzz_next_record(&in, &rec); round++) {
        if (round > 0) {
            /* the parser asked for the request again */
            rc = fr_request(c, op, &req);
            FUZZ_ASSERT(rc == 0 || fuzz_is_err(rc));
            if (rc < 0) break;
            fr_check_request(c, &req);
            FUZZ_ASSERT(acme2_wait_seconds(c) >= 0);
        }
        (void)fuzz_push_record(acme2_client_response(c), &rec);
        fuzz_check_response(acme2_client_response(c));
        rc = fr_response(c, op);
#ifdef FUZZ_VERBOSE
        fprintf(stderr, "op %d round %d: %d %s\n", op, round, rc, rc == ACME2_AGAIN ? "again" : acme2_strerror(rc));
#endif
        FUZZ_ASSERT(rc == 0 || rc == ACME2_AGAIN || fuzz_is_err(rc));
        fuzz_check_problem(acme2_client_problem(c));
        if (rc == ACME2_ERR_PROBLEM) FUZZ_ASSERT(acme2_client_problem(c)->type != ACME2_PROB_NONE);
        if (rc == 0) fr_check_success(c, op);
        if (rc != ACME2_AGAIN) break;
        FUZZ_ASSERT(acme2_wait_seconds(c) >= 0 && acme2_wait_seconds(c) <= (long long)c->opt.max_wait);
    }
    return 0;
}

#undef FUZZ_ENTRY_RESPONSES
