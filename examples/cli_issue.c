/* cli_issue.c - acme2-cli issue: is the certificate due, which challenges,
   hooks or built-in responders, then one acme2_issue call. See cli.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "cli.h"
#include "responder.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

/* ---- identifiers ---- */

static acme2_identifier ids[ACME2_MAX_AUTHZ];
static char id_text[ACME2_MAX_AUTHZ][ACME2_DNS_TEXT_MAX];
static size_t n_ids;
static int any_wildcard;

/* DNS names in lower case, IP addresses in their canonical text (so
   "2001:DB8::0001" and "2001:db8::1" are one identifier). Duplicates
   are dropped. */
static int parse_identifiers(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        unsigned char ip[16];
        char *t;
        size_t j, k;
        int n = acme2_ip_parse(argv[i], ip);
        if (n_ids == ACME2_MAX_AUTHZ) {
            cli_fail("more than %d identifiers", ACME2_MAX_AUTHZ);
            return CLI_ERROR;
        }
        t = id_text[n_ids];
        if (n > 0) {
            acme2_ip_format(ip, (size_t)n, t, sizeof id_text[0]);
            ids[n_ids].type = ACME2_ID_IP;
        } else {
            if (strlen(argv[i]) >= sizeof id_text[0]) goto bad;
            for (j = 0; argv[i][j]; j++) t[j] = (char)tolower((unsigned char)argv[i][j]);
            t[j] = 0;
            ids[n_ids].type = ACME2_ID_DNS;
        }
        ids[n_ids].value = t;
        if (acme2_identifier_check(&ids[n_ids]) != 0) goto bad;
        for (k = 0; k < n_ids; k++)
            if (ids[k].type == ids[n_ids].type && strcmp(ids[k].value, t) == 0) break;
        if (k < n_ids) {
            cli_say("warning: %s given twice", t);
            continue;
        }
        if (t[0] == '*') any_wildcard = 1;
        n_ids++;
        continue;
    bad:
        cli_fail("not a DNS name, wildcard or IP address: %s", argv[i]);
        return CLI_ERROR;
    }
    return 0;
}

/* ---- is the existing certificate due? ---- */

/* The SANs of the certificate are exactly the identifiers asked for. */
static int same_names(const acme2_cert_info *ci)
{
    char name[ACME2_DNS_TEXT_MAX];
    size_t pos = 0, k, seen = 0;
    int type, rc;
    if (acme2_cert_covers(ci, ids, n_ids) != 0) return 0;
    while ((rc = acme2_cert_san_next(ci, &pos, &type, name, sizeof name)) == 1) {
        for (k = 0; name[k]; k++) name[k] = (char)tolower((unsigned char)name[k]);
        for (k = 0; k < n_ids; k++)
            if (ids[k].type == type && strcmp(ids[k].value, name) == 0) break;
        if (k == n_ids) return 0;
        seen++;
    }
    return rc == 0 && seen >= n_ids;
}

/* Decides whether to issue. Returns 1 (due), 0 (not due) or CLI_ERROR;
   sets replaces to the old certificate's ARI ID when the CA knows it. */
static int check_due(const char *cert_path, const acme2_directory *d, char *replaces, size_t rsize)
{
    static unsigned char der[CLI_MAX_CERT];
    acme2_cert_info ci;
    acme2_renewal_info ri;
    char id[256], t1[32], t2[32];
    long long now = (long long)time(NULL), due_at;
    size_t der_len;
    int rc = cli_cert_load(cert_path, der, &der_len, &ci);
    memset(&ri, 0, sizeof ri);
    replaces[0] = 0;
    if (rc == 1) {
        cli_debug("no certificate in %s yet", cert_path);
        return 1;
    }
    if (rc) {
        cli_say("warning: replacing the unreadable %s", cert_path);
        return 1;
    }
    cli_say("%s: valid until %s", cert_path, cli_time(ci.not_after, t1, sizeof t1));
    if (d->renewal_info && d->renewal_info[0] && acme2_ari_cert_id(&ci, id, sizeof id) > 0) {
        rc = acme2_renewal_info_get(&cli_client, id, &ri);
        if (rc == 0) {
            /* The CA knows the certificate: the new order says it replaces it. */
            if (strlen(id) < rsize) memcpy(replaces, id, strlen(id) + 1);
            cli_say("renewal window: %s .. %s", cli_time(ri.start, t1, sizeof t1), cli_time(ri.end, t2, sizeof t2));
            if (ri.explanation_url[0]) cli_say("  explanation: %s", ri.explanation_url);
        } else {
            cli_say("warning: no renewal information (%s); going by the certificate's dates", acme2_strerror(rc));
        }
    }
    if (!same_names(&ci)) {
        cli_say("the names differ from the certificate's: issuing a new one");
        return 1;
    }
    if (cli.force) {
        cli_say("forced renewal (-f)");
        return 1;
    }
    if (replaces[0]) due_at = ri.start;
    else if (cli.days) due_at = ci.not_after - (long long)cli.days * 86400;
    else due_at = ci.not_after - (ci.not_after - ci.not_before) / 3;
    if (now >= due_at) {
        cli_say("renewal due since %s", cli_time(due_at, t1, sizeof t1));
        return 1;
    }
    cli_say("not due for renewal before %s; use -f to force", cli_time(due_at, t1, sizeof t1));
    return 0;
}

/* ---- challenges ---- */

static acme2_key cert_key;
/* Built-in responders (large: static). */
static acme2_responder http_responder, alpn_responder;
static int http_running, alpn_running;

/* Hook calls for `done` / `failed` wait until the outcome is known: the
   library's cleanup callback is told about each challenge before it knows
   whether the whole issuance succeeded. */
typedef struct hook_record {
    int type;
    char ident[ACME2_DNS_TEXT_MAX];
    char token[ACME2_MAX_TOKEN + 1];
    char auth[ACME2_MAX_TOKEN + 64];
} hook_record;
static hook_record hook_records[ACME2_MAX_AUTHZ];
static size_t n_hook_records;

/* Runs HOOK METHOD TYPE IDENT TOKEN AUTH; returns its exit status, or -1
   when it could not run or died of a signal. */
static int run_hook(const char *method, int type, const char *ident, const char *token, const char *auth)
{
    char *args[7];
    pid_t pid;
    int status;
    args[0] = (char *)cli.hook;
    args[1] = (char *)method;
    args[2] = (char *)acme2_challenge_name(type);
    args[3] = (char *)ident;
    args[4] = (char *)token;
    args[5] = (char *)auth;
    args[6] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        cli_fail("cannot run the hook: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        execvp(cli.hook, args);
        fprintf(stderr, "acme2-cli: error: cannot run %s: %s\n", cli.hook, strerror(errno));
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            cli_fail("waiting for the hook: %s", strerror(errno));
            return -1;
        }
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    cli_fail("hook %s %s killed by signal %d", method, ident, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return -1;
}

static const char *hook_auth(const acme2_challenge_info *ch)
{
    return (ch->type == ACME2_CHALLENGE_DNS_01 || ch->type == ACME2_CHALLENGE_DNS_PERSIST_01) ? ch->dns_value
                                                                                               : ch->key_authorization;
}

static int deploy(void *user, const acme2_challenge_info *ch)
{
    const char *type = acme2_challenge_name(ch->type);
    int rc;
    (void)user;
    if (!type) return 1;
    if (ch->type == ACME2_CHALLENGE_DNS_PERSIST_01) {
        /* For a person as much as for the hook: the record stays, so it is
           published once, by hand or by the hook, and every later order
           of this account reuses it. */
        cli_say("%s: dns-persist-01 record (publish once and keep it):", ch->identifier.value);
        cli_say("  %s. IN TXT \"%s\"", ch->dns_name, ch->dns_value);
    }
    if (cli.hook) {
        rc = run_hook("begin", ch->type, ch->identifier.value, ch->token, hook_auth(ch));
        if (rc == 0) {
            cli_say("%s: %s challenge deployed by the hook", ch->identifier.value, type);
            return 0;
        }
        if (rc > 0) cli_say("%s: the hook declined %s (exit %d)", ch->identifier.value, type, rc);
        else cli_say("%s: the hook failed on %s; trying the next type", ch->identifier.value, type);
        return 1;
    }
    if (ch->type == ACME2_CHALLENGE_HTTP_01 && http_running) {
        rc = acme2_responder_http01_add(&http_responder, ch->token, ch->key_authorization);
    } else if (ch->type == ACME2_CHALLENGE_TLS_ALPN_01 && alpn_running && !ch->wildcard) {
        rc = acme2_responder_tlsalpn01_add(&alpn_responder, &cert_key, &cli_account_key, &ch->identifier, ch->token);
    } else {
        return 1;
    }
    if (rc) {
        cli_fail("%s: cannot serve the %s challenge: %s", ch->identifier.value, type, acme2_strerror(rc));
        return -1;
    }
    cli_say("%s: %s challenge served by the built-in responder", ch->identifier.value, type);
    return 0;
}

static void cleanup(void *user, const acme2_challenge_info *ch)
{
    hook_record *r;
    (void)user;
    if (!cli.hook) {
        acme2_responder_remove(ch->type == ACME2_CHALLENGE_HTTP_01 ? &http_responder : &alpn_responder,
                               ch->type == ACME2_CHALLENGE_HTTP_01 ? ch->token : ch->identifier.value);
        cli_debug("%s: %s challenge removed", ch->identifier.value, acme2_challenge_name(ch->type));
        return;
    }
    if (n_hook_records == ACME2_MAX_AUTHZ) return;
    r = &hook_records[n_hook_records++];
    r->type = ch->type;
    snprintf(r->ident, sizeof r->ident, "%s", ch->identifier.value);
    snprintf(r->token, sizeof r->token, "%s", ch->token);
    snprintf(r->auth, sizeof r->auth, "%s", hook_auth(ch));
}

static void run_cleanup_hooks(int failed)
{
    size_t i;
    for (i = 0; i < n_hook_records; i++) {
        const hook_record *r = &hook_records[i];
        int rc = run_hook(failed ? "failed" : "done", r->type, r->ident, r->token, r->auth);
        if (rc != 0) cli_say("warning: hook %s %s %s exited with %d", failed ? "failed" : "done",
                             acme2_challenge_name(r->type), r->ident, rc);
    }
    n_hook_records = 0;
}

static void responder_log(void *user, const char *line)
{
    (void)user;
    cli_debug("%s", line);
}

/* Starts one responder on its addresses; a second address that collides
   with a dual-stack socket on the first is only a warning. */
static int start_responder(acme2_responder *r, int kind, const cli_listen *list, int n, const char *name)
{
    int i, bound = 0, rc;
    rc = acme2_responder_init(r, kind, responder_log, (void *)name);
    for (i = 0; rc == 0 && i < n; i++) {
        unsigned port = 0;
        int lr = acme2_responder_listen(r, list[i].addr, list[i].port, &port);
        if (lr == 0) {
            bound++;
            cli_debug("%s responder listening on %s%s%s:%u", name, strchr(list[i].addr, ':') ? "[" : "",
                      list[i].addr, strchr(list[i].addr, ':') ? "]" : "", port);
        } else {
            cli_say("%s: cannot listen on %s port %u: %s", bound ? "warning" : "error", list[i].addr,
                    list[i].port, acme2_strerror(lr));
        }
    }
    if (rc == 0 && !bound) rc = ACME2_ERR_TRANSPORT;
    if (rc == 0) rc = acme2_responder_start(r);
    if (rc) {
        cli_fail("cannot start the built-in %s responder: %s%s", name, acme2_strerror(rc),
                 list[0].port < 1024 ? " (ports below 1024 need root)" : "");
        acme2_responder_stop(r);
        return CLI_ERROR;
    }
    return 0;
}

/* The engine's waits between order polls. With a built-in responder
   running, the wait ends early (1) once the responder answered a
   validation request of the CA, so the order is polled right after the
   CA's fetch instead of on the blind schedule. */
static unsigned long seen_http, seen_alpn;

/* Waits up to slice ms on one responder: the fetches it answered since
   *seen (0: none), so the engine can count them against the number the CA
   made last time. */
static int fetches_seen(acme2_responder *r, unsigned long *seen, long slice, const char *what)
{
    unsigned long n = acme2_responder_wait_seen(r, *seen, slice, NULL);
    int got = (int)(n - *seen);
    if (n == *seen) return 0;
    *seen = n;
    cli_debug("%s", what);
    return got;
}

static int wait_for_validation(void *user, unsigned ms)
{
    long long end = acme2_responder_now_ms() + ms;
    (void)user;
    if (!http_running && !alpn_running) {
        struct timespec ts;
        ts.tv_sec = ms / 1000;
        ts.tv_nsec = (long)(ms % 1000) * 1000000L;
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
        return 0;
    }
    for (;;) {
        long long left = end - acme2_responder_now_ms();
        /* With both responders, each is watched in turn in short slices. */
        long slice = http_running && alpn_running ? (left < 20 ? (long)left : 20) : (long)left;
        int got = 0;
        if (left <= 0) return 0;
        if (http_running) got = fetches_seen(&http_responder, &seen_http, slice, "the CA fetched an http-01 challenge");
        if (!got && alpn_running)
            got = fetches_seen(&alpn_responder, &seen_alpn, slice, "the CA completed a tls-alpn-01 handshake");
        if (got) return got;
    }
}

static void stop_responders(void)
{
    if (http_running) acme2_responder_stop(&http_responder);
    if (alpn_running) acme2_responder_stop(&alpn_responder);
    http_running = alpn_running = 0;
}

/* The challenge types to offer acme2_issue, in order of preference, and
   the responders to run for them. */
static int plan_challenges(int *types, size_t *n)
{
    static const int all[3] = { ACME2_CHALLENGE_HTTP_01, ACME2_CHALLENGE_DNS_01, ACME2_CHALLENGE_TLS_ALPN_01 };
    int first = cli.challenge ? cli.challenge : ACME2_CHALLENGE_HTTP_01;
    if (first == ACME2_CHALLENGE_DNS_PERSIST_01 && !cli.hook) {
        cli_fail("dns-persist-01 needs a hook (-h) that publishes (or has published) the record");
        return CLI_ERROR;
    }
    size_t i;
    *n = 0;
    if (cli.hook) {
        if (cli.n_http || cli.n_alpn) {
            cli_fail("-h and --standalone-* exclude each other");
            return CLI_ERROR;
        }
        types[(*n)++] = first;
        for (i = 0; i < 3; i++)
            if (all[i] != first) types[(*n)++] = all[i];
        return 0;
    }
    if (any_wildcard) {
        cli_fail("wildcards need dns-01, which needs a hook (-h)");
        return CLI_ERROR;
    }
    if (!cli.n_http && !cli.n_alpn) {
        cli_listen *l = first == ACME2_CHALLENGE_TLS_ALPN_01 ? cli.alpn : cli.http;
        unsigned port = first == ACME2_CHALLENGE_TLS_ALPN_01 ? 443 : 80;
        if (first == ACME2_CHALLENGE_DNS_01) {
            cli_fail("dns-01 needs a hook (-h) to publish the TXT records");
            return CLI_ERROR;
        }
        snprintf(l[0].addr, sizeof l[0].addr, "0.0.0.0");
        snprintf(l[1].addr, sizeof l[1].addr, "::");
        l[0].port = l[1].port = port;
        if (first == ACME2_CHALLENGE_TLS_ALPN_01) cli.n_alpn = 2;
        else cli.n_http = 2;
    } else if (cli.challenge == ACME2_CHALLENGE_DNS_01) {
        cli_fail("dns-01 needs a hook (-h) to publish the TXT records");
        return CLI_ERROR;
    }
    /* The preferred type first, when its responder runs. */
    if (cli.n_alpn && first == ACME2_CHALLENGE_TLS_ALPN_01) types[(*n)++] = ACME2_CHALLENGE_TLS_ALPN_01;
    if (cli.n_http) types[(*n)++] = ACME2_CHALLENGE_HTTP_01;
    if (cli.n_alpn && first != ACME2_CHALLENGE_TLS_ALPN_01) types[(*n)++] = ACME2_CHALLENGE_TLS_ALPN_01;
    return 0;
}

/* ---- the order in progress ---- */

static char order_path[CLI_PATH_MAX];
static acme2_issuance issuance;
static char id_list[ACME2_MAX_AUTHZ * ACME2_DNS_TEXT_MAX];

/* order.url: the order URL, then the identifiers it is for (a saved order
   is only resumed for the same names). */
static void on_order(void *user, const char *url)
{
    static char buf[sizeof id_list + ACME2_MAX_URL + 4];
    (void)user;
    snprintf(buf, sizeof buf, "%s\n%s\n", url, id_list);
    if (cli_write_atomic(order_path, buf, strlen(buf), 0644) == 0) cli_debug("order saved in %s", order_path);
}

/* ---- validation fetches per challenge, remembered per CA ----

   CONFDIR/fetches holds the directory URL and how many times that CA
   fetched each challenge during the last issuance answered by the
   built-in responders (Pebble 3; Let's Encrypt one plus its remote
   perspectives). With it the order is polled once, after the last fetch,
   instead of after each burst of them (acme2_issue_params.fetches). A
   wrong figure costs at most one extra poll (too low) or
   ACME2_SEEN_FALLBACK_MS once (too high), and is corrected by the run. */

#define CLI_MAX_FETCHES 64

static unsigned fetches_load(void)
{
    char path[CLI_PATH_MAX], url[ACME2_MAX_URL + 2], num[16], *end;
    unsigned long n;
    if (cli_path(path, sizeof path, cli.confdir, "fetches", NULL)) return 0;
    if (cli_read_lines(path, url, sizeof url, num, sizeof num) != 0 || strcmp(url, cli.directory) != 0) return 0;
    n = strtoul(num, &end, 10);
    return *end || n > CLI_MAX_FETCHES ? 0 : (unsigned)n;
}

static void fetches_save(unsigned n, unsigned before)
{
    char path[CLI_PATH_MAX], buf[ACME2_MAX_URL + 32];
    if (n == 0 || n == before || n > CLI_MAX_FETCHES) return;
    if (cli_path(path, sizeof path, cli.confdir, "fetches", NULL)) return;
    snprintf(buf, sizeof buf, "%s\n%u\n", cli.directory, n);
    if (cli_write_atomic(path, buf, strlen(buf), 0644) == 0)
        cli_debug("the CA fetched each challenge %u times: saved in %s", n, path);
}

/* ---- the command ---- */

static const char *account_path_saved(void)
{
    static char p[CLI_PATH_MAX];
    if (cli_path(p, sizeof p, cli.confdir, "private", "account.url")) return "";
    return p;
}

static int issue(int argc, char **argv)
{
    static char saved_order[ACME2_MAX_URL + 2], saved_ids[sizeof id_list];
    char cert_dir[CLI_PATH_MAX], key_dir[CLI_PATH_MAX], cert_path[CLI_PATH_MAX], key_path[CLI_PATH_MAX];
    char account_path[CLI_PATH_MAX];
    char replaces[256], desc[32], t1[32];
    int types[4];
    size_t n_types, i, pem_len;
    static unsigned char csr[4096];
    int csr_len = 0;
    const char *pem;
    const acme2_directory *d;
    acme2_issue_params ip;
    acme2_cert_info ci;
    static unsigned char der[CLI_MAX_CERT];
    size_t der_len;
    int rc, created;

    if (argc < 2) return -2;
    if (parse_identifiers(argc, argv) || plan_challenges(types, &n_types)) return CLI_ERROR;
    id_list[0] = 0;
    for (i = 0; i < n_ids; i++) {
        if (i) strcat(id_list, " ");
        strcat(id_list, ids[i].value);
    }
    if (cli.hook && access(cli.hook, X_OK) != 0 && strchr(cli.hook, '/')) {
        cli_fail("hook %s is not executable", cli.hook);
        return CLI_ERROR;
    }
    if (cli_path(cert_dir, sizeof cert_dir, cli.confdir, ids[0].value, NULL) ||
        cli_path(key_dir, sizeof key_dir, cli.confdir, "private", ids[0].value) ||
        cli_path(cert_path, sizeof cert_path, cert_dir, "cert.pem", NULL) ||
        cli_path(key_path, sizeof key_path, key_dir, "key.pem", NULL) ||
        cli_path(order_path, sizeof order_path, cert_dir, "order.url", NULL))
        return CLI_ERROR;

    /* The account key must exist (made by `new`). */
    if (cli_path(account_path, sizeof account_path, cli.confdir, "private", "key.pem")) return CLI_ERROR;
    rc = cli_key_load(account_path, &cli_account_key);
    if (rc == 1) cli_fail("no account key in %s: run `acme2-cli new` first", account_path);
    if (rc) return CLI_ERROR;

    if (cli_connect() || !(d = cli_directory())) return CLI_ERROR;
    rc = check_due(cert_path, d, replaces, sizeof replaces);
    if (rc == 0) return CLI_NOT_DUE;
    if (rc != 1) return CLI_ERROR;
    if (cli_account()) return CLI_ERROR;
    if (replaces[0]) cli_say("the new certificate replaces %s (ARI)", replaces);

    if (cli_mkdirs(cert_dir, 0755) || cli_mkdirs(key_dir, 0700)) return CLI_ERROR;
    if (cli_key_load_or_create(key_path, &cert_key, &created)) return CLI_ERROR;
    cli_say("certificate key: %s (%s, %s)", key_path, created ? "created" : "reused",
            cli_key_describe(&cert_key, desc, sizeof desc));

    if (cli.must_staple) {
        /* The library builds its CSR without extensions beyond the SAN: a
           ready one carries the TLS Feature. */
        csr_len = acme2_csr_der(csr, sizeof csr, &cert_key, ids, n_ids, ACME2_CSR_MUST_STAPLE);
        if (csr_len < 0) {
            cli_report("cannot build the CSR", csr_len);
            return CLI_ERROR;
        }
        cli_debug("CSR asks for OCSP Must-Staple (RFC 7633)");
    }

    memset(&ip, 0, sizeof ip);
    ip.ids = ids;
    ip.n_ids = n_ids;
    ip.cert_key = &cert_key;
    if (csr_len > 0) {
        ip.csr = csr;
        ip.csr_len = (size_t)csr_len;
    }
    ip.challenge_types = types;
    ip.n_challenge_types = n_types;
    ip.deploy = deploy;
    ip.cleanup = cleanup;
    ip.on_order = on_order;
    ip.profile = cli.profile;
    ip.replaces = replaces[0] ? replaces : NULL;
    ip.chain = cli.chain;
    ip.wait = wait_for_validation;
    rc = cli_read_lines(order_path, saved_order, sizeof saved_order, saved_ids, sizeof saved_ids);
    if (rc == CLI_ERROR) return rc;
    if (rc == 0 && strcmp(saved_ids, id_list) == 0) {
        ip.resume_order = saved_order;
        cli_say("resuming the order saved in %s", order_path);
    }

    if (!cli.hook) {
        if (cli.n_http) {
            if (start_responder(&http_responder, ACME2_RESPONDER_HTTP01, cli.http, cli.n_http, "http-01"))
                return CLI_ERROR;
            http_running = 1;
        }
        if (cli.n_alpn) {
            if (start_responder(&alpn_responder, ACME2_RESPONDER_TLSALPN01, cli.alpn, cli.n_alpn, "tls-alpn-01")) {
                stop_responders();
                return CLI_ERROR;
            }
            alpn_running = 1;
        }
    }
    /* Only the built-in responders see every fetch. */
    if (http_running || alpn_running) ip.fetches = fetches_load();
    /* The issuance's state outside the work buffer: all of it is left for
       the requests and answers of orders up to 100 names. */
    rc = acme2_issuance_run(&issuance, &cli_client, &ip, &pem, &pem_len);
    if (rc == 0 && (http_running || alpn_running)) fetches_save(acme2_issuance_fetches(&issuance), ip.fetches);
    acme2_issuance_reset(&issuance);
    stop_responders();
    run_cleanup_hooks(rc != 0);
    if (rc) {
        cli_report("issuance failed", rc);
        if (rc == ACME2_ERR_PROBLEM && acme2_client_problem(&cli_client)->type == ACME2_PROB_ACCOUNT_DOES_NOT_EXIST) {
            /* The CA no longer knows the saved account (reset, or another
               CA at the same URL): its URL and its order are useless. */
            cli_remove(account_path_saved());
            cli_remove(order_path);
            cli_say("the CA does not know the saved account: run `acme2-cli new` to register again");
            return CLI_ERROR;
        }
        if (rc == ACME2_ERR_INVALID || rc == ACME2_ERR_CERT_KEY || rc == ACME2_ERR_CERT_NAMES ||
            rc == ACME2_ERR_NOT_FOUND) {
            cli_remove(order_path);
        } else if (access(order_path, F_OK) == 0) {
            cli_say("the order stays in %s: the next run resumes it", order_path);
        }
        if (rc == ACME2_ERR_NOT_FOUND && cli.chain) cli_say("the CA offers no alternate chain %d", cli.chain);
        return CLI_ERROR;
    }
    /* acme2_issue checked the leaf's key and names; only now is the file
       replaced. */
    if (cli_write_atomic(cert_path, pem, pem_len, 0644)) return CLI_ERROR;
    cli_remove(order_path);
    if (cli_cert_from_pem(pem, pem_len, der, &der_len, &ci) == 0) {
        if (n_ids <= 4) cli_say("certificate for %s, valid until %s", id_list, cli_time(ci.not_after, t1, sizeof t1));
        else cli_say("certificate for %s and %lu more names, valid until %s", ids[0].value,
                     (unsigned long)(n_ids - 1), cli_time(ci.not_after, t1, sizeof t1));
    }
    cli_say("saved %s", cert_path);
    return CLI_OK;
}

int cli_cmd_issue(int argc, char **argv)
{
    int rc = issue(argc, argv);
    stop_responders();
    acme2_key_wipe(&cert_key);
    return rc;
}
