/* Seed capture: runs real ACME exchanges against a local Pebble (through
   curl) with the fuzz targets' fixed keys and writes what the server
   answered as seeds for the fuzz corpora:
     OUT/fuzz_responses/  op byte + one response record per exchange
     OUT/fuzz_flow/       option bytes + every record of one issuance
     OUT/fuzz_json/       every JSON body
     OUT/fuzz_headers/    option byte + header lines + body
     OUT/fuzz_cert/       every certificate chain (PEM) and certificate (DER)
   File names are a label plus a hash of the content, so running it again
   adds only what is new. Not a test: fuzz/make-seeds.sh runs it.

   Usage: capture OUT DIRECTORY_URL CA_FILE */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "fuzz_common.h"
#include <sys/stat.h>

static const char *out_dir, *ca_file, *dir_url;
static char tmp_dir[512];

/* the session of records being collected for a flow seed */
static unsigned char session[512 * 1024];
static size_t session_len;
static int session_on, session_records;

static unsigned long long fnv(const void *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    unsigned long long h = 1469598103934665603ULL;
    while (n--) h = (h ^ *s++) * 1099511628211ULL;
    return h;
}

static void save(const char *target, const char *label, const void *data, size_t len)
{
    char path[1024];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", out_dir, target);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/pebble-%s-%016llx", out_dir, target, label, fnv(data, len));
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) { perror(path); exit(1); }
    fclose(f);
}

static long read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n;
    if (!f) return -1;
    n = fread(buf, 1, cap, f);
    fclose(f);
    return (long)n;
}

static const char *op_name(int op)
{
    static const char *const names[FR_OPS] = { "directory", "nonce", "account-new", "account-update",
        "account-deactivate", "key-change", "order-new", "order-get", "order-finalize", "authz-get", "authz-new",
        "authz-deactivate", "challenge-accept", "certificate", "certificate-sink", "revoke", "renewal-info" };
    return op >= 0 && op < FR_OPS ? names[op] : "other";
}

static int cur_op = -1; /* set around calls whose URL alone does not tell */

/* Which operation a request belongs to, from Pebble's URL paths. */
static int op_of(const acme2_http_request *req)
{
    const char *u = req->url;
    if (strcmp(req->method, "HEAD") == 0) return FR_NONCE;
    if (strcmp(req->method, "GET") == 0) return strcmp(u, dir_url) == 0 ? FR_DIRECTORY : FR_RENEWAL_INFO;
    if (cur_op >= 0) return cur_op;
    if (strstr(u, "/sign-me-up")) return FR_ACCOUNT_NEW;
    if (strstr(u, "/my-account/")) return FR_ACCOUNT_UPDATE;
    if (strstr(u, "/rollover-account-key")) return FR_KEY_CHANGE;
    if (strstr(u, "/order-plz")) return FR_ORDER_NEW;
    if (strstr(u, "/my-order/")) return FR_ORDER_GET;
    if (strstr(u, "/finalize-order/")) return FR_ORDER_FINALIZE;
    if (strstr(u, "/authZ/")) return FR_AUTHZ_GET;
    if (strstr(u, "/chalZ/")) return FR_CHALLENGE_ACCEPT;
    if (strstr(u, "/certZ/")) return FR_CERTIFICATE;
    if (strstr(u, "/revoke-cert")) return FR_REVOKE;
    return -1;
}

static int status_byte(int status)
{
    int i;
    for (i = 0; i < FUZZ_N_STATUSES; i++)
        if (fuzz_statuses[i] == status) return i;
    fprintf(stderr, "status %d has no byte\n", status);
    exit(1);
}

static void cert_seeds(const char *pem, size_t len)
{
    static unsigned char der[16384];
    size_t pos = 0, der_len;
    save("fuzz_cert", "chain", pem, len);
    while (acme2_pem_cert_next(pem, len, &pos, der, sizeof der, &der_len) == 1) save("fuzz_cert", "cert", der, der_len);
}

static int curl_transport(void *user, const acme2_http_request *req, acme2_http_response *resp)
{
    static char hdr[65536], body[262144], rec[327680];
    char cmd[4096], hpath[600], bpath[600], qpath[600];
    long hl, bl;
    size_t i, rl = 0, hs;
    int status = 0, op = op_of(req), rc, blank = 0;
    (void)user;
    snprintf(hpath, sizeof hpath, "%s/h", tmp_dir);
    snprintf(bpath, sizeof bpath, "%s/b", tmp_dir);
    snprintf(qpath, sizeof qpath, "%s/q", tmp_dir);
    remove(hpath);
    remove(bpath);
    if (req->body) {
        FILE *f = fopen(qpath, "wb");
        if (!f || fwrite(req->body, 1, req->body_len, f) != req->body_len) return ACME2_ERR_TRANSPORT;
        fclose(f);
    }
    snprintf(cmd, sizeof cmd, "curl -s --max-time 30 --cacert '%s' %s %s%s%s%s%s -D '%s' -o '%s' '%s'", ca_file,
             strcmp(req->method, "HEAD") == 0 ? "-I" : strcmp(req->method, "POST") == 0 ? "-X POST" : "",
             req->content_type ? "-H 'Content-Type: " : "", req->content_type ? req->content_type : "",
             req->content_type ? "'" : "", req->body ? " --data-binary @" : "", req->body ? qpath : "", hpath, bpath,
             req->url);
    if (system(cmd) != 0) return ACME2_ERR_TRANSPORT;
    hl = read_file(hpath, hdr, sizeof hdr - 1);
    bl = read_file(bpath, body, sizeof body);
    if (hl <= 0) return ACME2_ERR_TRANSPORT;
    if (bl < 0 || strcmp(req->method, "HEAD") == 0) bl = 0;
    hdr[hl] = 0;
    /* status line, then header lines up to the blank line */
    for (i = 0; i < (size_t)hl && hdr[i] != ' '; i++) {}
    status = atoi(hdr + i);
    while (i < (size_t)hl && hdr[i] != '\n') i++;
    hs = ++i;
    rec[rl++] = (char)status_byte(status);
    rc = acme2_response_status(resp, status);
    while (i < (size_t)hl) {
        size_t s = i;
        while (i < (size_t)hl && hdr[i] != '\n') i++;
        if (i < (size_t)hl) i++;
        if (i - s <= 2 && (hdr[s] == '\r' || hdr[s] == '\n')) { blank = 1; break; }
        if (rc == 0) rc = acme2_response_header_line(resp, hdr + s, i - s);
    }
    memcpy(rec + rl, hdr + hs, i - hs);
    rl += i - hs;
    if (!blank) rec[rl++] = '\n';
    memcpy(rec + rl, body, (size_t)bl);
    rl += (size_t)bl;
    if (rc == 0 && bl) rc = acme2_response_body(resp, body, (size_t)bl);
    fprintf(stderr, "%-4s %-60s -> %d (%s, %ld bytes)\n", req->method, req->url, status, op_name(op), bl);

    /* seeds */
    if (op >= 0) {
        static char seed[327680 + 1];
        seed[0] = (char)op;
        memcpy(seed + 1, rec, rl);
        save("fuzz_responses", op_name(op), seed, rl + 1);
        if (op == FR_CERTIFICATE) {
            seed[0] = FR_CERTIFICATE_SINK;
            save("fuzz_responses", op_name(FR_CERTIFICATE_SINK), seed, rl + 1);
        }
    }
    if (bl && body[0] == '{') save("fuzz_json", op_name(op), body, (size_t)bl);
    if (bl && strstr(body, "-----BEGIN CERTIFICATE-----")) cert_seeds(body, (size_t)bl);
    {
        static char hseed[327680];
        size_t keep = (size_t)bl < 64 ? (size_t)bl : 64;
        hseed[0] = 0x5c; /* body room 256 bytes, split fields too, clock near 2026 */
        memcpy(hseed + 1, hdr + hs, i - hs);
        memcpy(hseed + 1 + (i - hs), body, keep);
        save("fuzz_headers", op_name(op), hseed, 1 + (i - hs) + keep);
    }
    if (session_on) {
        if (session_records++) {
            memcpy(session + session_len, FUZZ_SEP, FUZZ_SEP_LEN);
            session_len += FUZZ_SEP_LEN;
        }
        if (session_len + rl > sizeof session) { fprintf(stderr, "session too long\n"); exit(1); }
        memcpy(session + session_len, rec, rl);
        session_len += rl;
    }
    return rc < 0 ? rc : 0;
}

static char work[32768];

static void client(acme2_client *c, const acme2_key *key, const char *kid)
{
    acme2_options opt;
    memset(&opt, 0, sizeof opt);
    opt.poll_interval_ms = 1000;
    if (acme2_client_init(c, dir_url, key, work, sizeof work, curl_transport, NULL, &opt) != 0) exit(1);
    if (kid && acme2_client_set_account(c, kid) != 0) exit(1);
}

static void session_begin(unsigned flags0, unsigned flags1)
{
    session[0] = (unsigned char)flags0;
    session[1] = (unsigned char)flags1;
    session_len = 2;
    session_on = 1;
    session_records = 0;
}

static void session_end(const char *label, int rc)
{
    fprintf(stderr, "== %s: %s\n", label, acme2_strerror(rc));
    save("fuzz_flow", label, session, session_len);
    session_on = 0;
}

static int deploy(void *user, const acme2_challenge_info *ch) { (void)user; (void)ch; return 0; }
static void cleanup(void *user, const acme2_challenge_info *ch) { (void)user; (void)ch; }
static char last_order[ACME2_MAX_URL + 1];
static void on_order(void *user, const char *url) { (void)user; snprintf(last_order, sizeof last_order, "%s", url); }

/* One issuance as fuzz_flow runs it with these option bytes. */
static int issue(acme2_client *c, unsigned flags0, unsigned flags1, const char *resume, const char **pem, size_t *pem_len)
{
    static const int prefs[3] = { ACME2_CHALLENGE_DNS_01, ACME2_CHALLENGE_TLS_ALPN_01, ACME2_CHALLENGE_DNS_ACCOUNT_01 };
    static unsigned char csr[1024];
    acme2_identifier ids[3], one;
    acme2_issue_params p;
    size_t n = 0;
    ids[n].type = ACME2_ID_DNS;
    ids[n++].value = "example.org";
    if (!(flags1 & 1)) { ids[n].type = ACME2_ID_DNS; ids[n++].value = "www.example.org"; }
    if (flags1 & 2) { ids[n].type = ACME2_ID_IP; ids[n++].value = "192.0.2.1"; }
    memset(&p, 0, sizeof p);
    p.ids = ids;
    p.n_ids = n;
    if (flags0 & 2) {
        int l;
        one.type = ACME2_ID_DNS;
        one.value = "example.org";
        l = acme2_csr_der(csr, sizeof csr, fuzz_cert_key(), &one, 1, 0);
        if (l < 0) exit(1);
        p.csr = csr;
        p.csr_len = (size_t)l;
    } else {
        p.cert_key = fuzz_cert_key();
    }
    p.chain = (flags0 & 4) ? 1 : 0;
    if (flags0 & 0x10) { p.challenge_types = prefs; p.n_challenge_types = 3; }
    p.deploy = deploy;
    p.cleanup = cleanup;
    p.on_order = on_order;
    p.resume_order = resume;
    return acme2_issue(c, &p, pem, pem_len);
}

int main(int argc, char **argv)
{
    static acme2_client c;
    static char kid[ACME2_MAX_URL + 1], chain[65536], saved_order[ACME2_MAX_URL + 1];
    static const char *const contacts[] = { "mailto:fuzz@example.org" };
    static const char *const contacts2[] = { "mailto:fuzz@example.org", "mailto:other@example.org" };
    static unsigned char der[8192];
    acme2_account_params ap;
    acme2_account acct;
    acme2_order order;
    acme2_authz authz;
    acme2_order_params op;
    acme2_identifier id;
    const char *pem;
    size_t pem_len, pos = 0, der_len = 0;
    int rc;
    if (argc != 4) {
        fprintf(stderr, "usage: capture OUT DIRECTORY_URL CA_FILE\n");
        return 2;
    }
    out_dir = argv[1];
    dir_url = argv[2];
    ca_file = argv[3];
    snprintf(tmp_dir, sizeof tmp_dir, "%s/.capture-tmp", out_dir);
    mkdir(out_dir, 0755);
    mkdir(tmp_dir, 0755);
    fuzz_keys_init();
    memset(&ap, 0, sizeof ap);
    ap.contacts = contacts;
    ap.n_contacts = 1;
    ap.terms_agreed = 1;

    /* a new account, then an issuance: fuzz_flow with option bit 0 */
    client(&c, fuzz_account_key(), NULL);
    session_begin(0x01, 0x00);
    rc = acme2_account_new(&c, &ap, &acct);
    if (rc == 0) rc = issue(&c, 0x01, 0x00, NULL, &pem, &pem_len);
    session_end("issue-new-account", rc);
    if (rc) return 1;
    snprintf(kid, sizeof kid, "%s", acme2_client_account(&c));
    snprintf(saved_order, sizeof saved_order, "%s", last_order);
    memcpy(chain, pem, pem_len);
    chain[pem_len] = 0;

    /* the same account again (Pebble answers 200 for an existing key) */
    rc = acme2_account_new(&c, &ap, &acct);
    fprintf(stderr, "== existing account: %s\n", acme2_strerror(rc));
    rc = acme2_account_update(&c, contacts2, 2, &acct);
    fprintf(stderr, "== update: %s\n", acme2_strerror(rc));

    /* issuance variants with a known account */
    {
        static const unsigned variants[][2] = { { 0x00, 0x00 }, { 0x04, 0x00 }, { 0x10, 0x01 }, { 0x0a, 0x01 },
                                                { 0x80, 0x02 }, { 0x20, 0x00 } };
        size_t k;
        for (k = 0; k < sizeof variants / sizeof variants[0]; k++) {
            char label[64];
            client(&c, fuzz_account_key(), kid);
            session_begin(variants[k][0], variants[k][1]);
            rc = issue(&c, variants[k][0], variants[k][1], (variants[k][0] & 0x20) ? saved_order : NULL, &pem, &pem_len);
            snprintf(label, sizeof label, "issue-%02x%02x", variants[k][0], variants[k][1]);
            session_end(label, rc);
        }
    }

    client(&c, fuzz_account_key(), kid);
    /* a bad nonce: the server says badNonce and hands out a good one */
    rc = acme2_directory_fetch(&c);
    snprintf(c.nonce, sizeof c.nonce, "%s", "bogusNonceAAAAAAAAAAAA");
    rc = acme2_order_get(&c, saved_order, &order);
    fprintf(stderr, "== order after badNonce: %s\n", acme2_strerror(rc));
    /* problems: unknown order, finalize before ready, rejected identifier */
    {
        char url[ACME2_MAX_URL + 1];
        snprintf(url, sizeof url, "%s", saved_order);
        if (strlen(url) > 3) url[strlen(url) - 3] = 0;
        strcat(url, "zzz");
        rc = acme2_order_get(&c, url, &order);
        fprintf(stderr, "== unknown order: %s\n", acme2_strerror(rc));
    }
    id.type = ACME2_ID_DNS;
    id.value = "example.org";
    memset(&op, 0, sizeof op);
    op.ids = &id;
    op.n_ids = 1;
    rc = acme2_order_new(&c, &op, &order);
    fprintf(stderr, "== pending order: %s\n", acme2_strerror(rc));
    if (rc == 0) {
        rc = acme2_csr_der(der, sizeof der, fuzz_cert_key(), &id, 1, 0);
        if (rc > 0) rc = acme2_order_finalize(&c, &order, der, (size_t)rc);
        fprintf(stderr, "== finalize too early: %s\n", acme2_strerror(rc));
        rc = acme2_authz_get(&c, acme2_order_authz(&order, 0), &authz);
        fprintf(stderr, "== authz: %s\n", acme2_strerror(rc));
        cur_op = FR_AUTHZ_DEACTIVATE;
        if (rc == 0) rc = acme2_authz_deactivate(&c, authz.url, &authz);
        cur_op = -1;
        fprintf(stderr, "== authz deactivate: %s\n", acme2_strerror(rc));
        rc = acme2_order_get(&c, order.url, &order);
        fprintf(stderr, "== order after deactivation: %s\n", acme2_strerror(rc));
    }
    id.value = "-bad-.example.org";
    rc = acme2_order_new(&c, &op, &order);
    fprintf(stderr, "== bad identifier: %s\n", acme2_strerror(rc));
    id.value = "localhost";
    rc = acme2_order_new(&c, &op, &order);
    fprintf(stderr, "== localhost: %s\n", acme2_strerror(rc));

    /* revocation (twice: the second is alreadyRevoked) */
    if (acme2_pem_cert_next(chain, strlen(chain), &pos, der, sizeof der, &der_len) == 1) {
        rc = acme2_revoke(&c, der, der_len, 1, NULL);
        fprintf(stderr, "== revoke: %s\n", acme2_strerror(rc));
        rc = acme2_revoke(&c, der, der_len, 1, NULL);
        fprintf(stderr, "== revoke again: %s\n", acme2_strerror(rc));
    }
    /* an unknown key looking up its account */
    client(&c, fuzz_cert_key(), NULL);
    ap.only_existing = 1;
    rc = acme2_account_new(&c, &ap, &acct);
    fprintf(stderr, "== unknown account: %s\n", acme2_strerror(rc));
    ap.only_existing = 0;
    /* key rollover to the certificate key, then deactivation */
    client(&c, fuzz_account_key(), kid);
    rc = acme2_account_key_change(&c, fuzz_cert_key());
    fprintf(stderr, "== key change: %s\n", acme2_strerror(rc));
    cur_op = FR_ACCOUNT_DEACTIVATE;
    rc = acme2_account_deactivate(&c, &acct);
    cur_op = -1;
    fprintf(stderr, "== deactivate: %s\n", acme2_strerror(rc));
    rc = acme2_account_update(&c, contacts, 1, &acct);
    fprintf(stderr, "== update after deactivation: %s\n", acme2_strerror(rc));
    {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
        if (system(cmd) != 0) return 1;
    }
    return 0;
}
