/* cli_out.c - acme2-cli: progress and error output, the transport, the
   client and its account URL. See cli.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "cli.h"
#include "transport_bearssl.h"
/* CLI_NO_CURL: built without the curl transport (mk/cli.mk CLI_CURL=no). */
#ifndef CLI_NO_CURL
#include "transport_curl.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

acme2_client cli_client;
acme2_key cli_account_key;

/* Both transports are large (the BearSSL one holds its I/O buffer and the
   trust anchors): static, never on the stack. */
static acme2_bearssl_transport tb;
#ifndef CLI_NO_CURL
static acme2_curl_transport tc;
#endif
static int transport_up;
static char work[CLI_WORK_SIZE];
/* The transport's last line, shown when an exchange fails without -v. */
static char transport_last[512];

/* ---- output ---- */

/* Writes "acme2-cli: " prefix + text + newline; text from servers, files
   and hooks may hold terminal escapes, so control bytes become '?'. */
static void say_v(const char *prefix, const char *fmt, va_list ap)
{
    char line[1024];
    size_t i;
    int n = vsnprintf(line, sizeof line, fmt, ap);
    if (n < 0) return;
    for (i = 0; line[i]; i++)
        if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f) line[i] = '?';
    fprintf(stderr, "acme2-cli: %s%s%s\n", prefix, line, (size_t)n >= sizeof line ? "..." : "");
}

void cli_say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say_v("", fmt, ap);
    va_end(ap);
}

void cli_debug(const char *fmt, ...)
{
    va_list ap;
    if (!cli.verbose) return;
    va_start(ap, fmt);
    say_v("", fmt, ap);
    va_end(ap);
}

void cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say_v("error: ", fmt, ap);
    va_end(ap);
}

const char *cli_time(long long t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if ((long long)tt != t || !gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, size, "@%lld", t);
    return buf;
}

static void report_problem(const acme2_problem *p)
{
    int i;
    if (p->type == ACME2_PROB_NONE) return;
    if (p->http_status)
        cli_say("  problem: %s (HTTP %d)", p->type_str[0] ? p->type_str : "(no type)", p->http_status);
    else
        cli_say("  problem: %s", p->type_str[0] ? p->type_str : "(no type)");
    if (p->detail[0]) cli_say("  detail: %s", p->detail);
    for (i = 0; i < p->n_sub; i++) {
        const acme2_subproblem *s = &p->sub[i];
        cli_say("  subproblem: %s%s%s: %s", s->identifier.value[0] ? s->identifier.value : "",
                s->identifier.value[0] ? ": " : "", s->type_str, s->detail);
    }
    if (p->n_sub_total > p->n_sub) cli_say("  (%d more subproblems)", p->n_sub_total - p->n_sub);
    if (p->retry_after >= 0) cli_say("  retry after: %lld seconds", p->retry_after);
}

/* libcurl's error buffer when it is the transport, else "". */
static const char *curl_errbuf(void)
{
#ifndef CLI_NO_CURL
    if (cli.transport == CLI_TRANSPORT_CURL) return tc.errbuf;
#endif
    return "";
}

void cli_report(const char *what, int rc)
{
    cli_fail("%s: %s", what, acme2_strerror(rc));
    if (rc == ACME2_ERR_PROBLEM || rc == ACME2_ERR_INVALID)
        report_problem(acme2_client_problem(&cli_client));
    if (rc == ACME2_ERR_TRANSPORT && !cli.verbose) {
        if (curl_errbuf()[0]) cli_say("  transport: %s", curl_errbuf());
        else if (transport_last[0]) cli_say("  transport: %s", transport_last);
    }
}

/* ---- transport and client ---- */

static void transport_log(void *user, const char *line)
{
    (void)user;
    snprintf(transport_last, sizeof transport_last, "%s", line);
    cli_debug("  %s", line);
}

/* Library messages: INFO and above always (one per step), DEBUG with -v.
   The library never passes secrets here. */
static void library_log(void *user, int level, const char *msg)
{
    (void)user;
    if (level == ACME2_LOG_DEBUG && !cli.verbose) return;
    if (level == ACME2_LOG_ERROR) cli_say("error: %s", msg);
    else if (level == ACME2_LOG_WARN) cli_say("warning: %s", msg);
    else cli_say("%s", msg);
}

int cli_connect(void)
{
    acme2_options opt;
    acme2_transport_fn fn;
    void *user;
    int rc;
    if (cli.transport == CLI_TRANSPORT_CURL) {
#ifdef CLI_NO_CURL
        cli_fail("this acme2-cli was built without the curl transport (CLI_CURL=no); use --transport bearssl");
        return CLI_ERROR;
#else
        /* libcurl's verbose lines only with -v; its error buffer otherwise
           (also where it says why libcurl could not be loaded). */
        rc = acme2_curl_init(&tc, cli.ca_file, 10000, 30000, cli.verbose ? transport_log : NULL, NULL);
        fn = acme2_curl_exchange;
        user = &tc;
        if (rc && !cli.verbose) snprintf(transport_last, sizeof transport_last, "%s", tc.errbuf);
#endif
    } else {
        rc = acme2_bearssl_init(&tb, cli.ca_file, 10000, 30000, transport_log, NULL);
        fn = acme2_bearssl_exchange;
        user = &tb;
    }
    if (rc) {
        cli_fail("cannot set up the %s transport: %s", cli.transport == CLI_TRANSPORT_CURL ? "curl" : "BearSSL",
                 acme2_strerror(rc));
        if (transport_last[0]) cli_say("  %s", transport_last);
        return CLI_ERROR;
    }
    transport_up = 1;
    memset(&opt, 0, sizeof opt);
    opt.log = library_log;
    rc = acme2_client_init(&cli_client, cli.directory, &cli_account_key, work, sizeof work, fn, user, &opt);
    if (rc) {
        cli_fail("directory URL %s: %s", cli.directory, acme2_strerror(rc));
        return CLI_ERROR;
    }
    return 0;
}

void cli_disconnect(void)
{
    if (transport_up) {
        if (cli.transport == CLI_TRANSPORT_BEARSSL) acme2_bearssl_free(&tb);
#ifndef CLI_NO_CURL
        else acme2_curl_free(&tc);
#endif
        transport_up = 0;
    }
    acme2_client_reset(&cli_client);
}

const acme2_directory *cli_directory(void)
{
    int rc = acme2_directory_fetch(&cli_client);
    if (rc) {
        cli_report("cannot fetch the directory", rc);
        return NULL;
    }
    return acme2_client_directory(&cli_client);
}

/* CONFDIR/private/account.url holds the account URL and, on its second
   line, the directory it belongs to: one key may have accounts at several
   CAs (staging and production), and only the matching one is used. */
int cli_account(void)
{
    char path[CLI_PATH_MAX], url[ACME2_MAX_URL + 2], dir[ACME2_MAX_URL + 2];
    acme2_account_params ap;
    acme2_account acct;
    int rc;
    if (acme2_client_account(&cli_client)[0]) return 0;
    if (cli_path(path, sizeof path, cli.confdir, "private", "account.url")) return CLI_ERROR;
    rc = cli_read_lines(path, url, sizeof url, dir, sizeof dir);
    if (rc == CLI_ERROR) return rc;
    if (rc == 0 && strcmp(dir, cli.directory) == 0 && acme2_client_set_account(&cli_client, url) == 0) {
        cli_say("account: %s", url);
        return 0;
    }
    memset(&ap, 0, sizeof ap);
    ap.only_existing = 1;
    rc = acme2_account_new(&cli_client, &ap, &acct);
    if (rc == ACME2_ERR_PROBLEM &&
        acme2_client_problem(&cli_client)->type == ACME2_PROB_ACCOUNT_DOES_NOT_EXIST) {
        cli_fail("no account for this key at %s: run `acme2-cli new` first", cli.directory);
        return CLI_ERROR;
    }
    if (rc) {
        cli_report("account lookup failed", rc);
        return CLI_ERROR;
    }
    return cli_save_account();
}

int cli_save_account(void)
{
    char path[CLI_PATH_MAX], buf[2 * ACME2_MAX_URL + 4];
    if (cli_path(path, sizeof path, cli.confdir, "private", "account.url")) return CLI_ERROR;
    snprintf(buf, sizeof buf, "%s\n%s\n", acme2_client_account(&cli_client), cli.directory);
    return cli_write_atomic(path, buf, strlen(buf), 0600);
}
