/* acme2-cli - get and manage certificates from any ACME CA, built on
   acme2.h. Command line, layout and hooks follow uacme, so its users need
   not relearn: run `acme2-cli -?` for everything.

   This file: the library's implementation, options, usage, and the account,
   revoke and renewal-info commands. The rest: cli_out.c (output, transport,
   client), cli_store.c (files), cli_issue.c (issue). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#define ACME2_IMPLEMENTATION
#include "cli.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

cli_options cli;

static void usage(FILE *f)
{
    fprintf(f,
"usage: acme2-cli [OPTIONS] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  new [EMAIL]           create the account key if missing and register it\n"
"                        (contact mailto:EMAIL); needs -y when the CA has\n"
"                        terms of service (they are shown otherwise)\n"
"  update [EMAIL]        set the account's contact (none without EMAIL)\n"
"  deactivate            deactivate the account (irreversible)\n"
"  newkey                roll the account over to a new key (-t/-b; with -n\n"
"                        the new key is CONFDIR/private/newkey.pem)\n"
"  issue IDENT...        get a certificate for DNS names, wildcards\n"
"                        (*.example.org, dns-01 only) and IP addresses,\n"
"                        unless the one in CONFDIR/IDENT/cert.pem is not due\n"
"  revoke CERTFILE [KEYFILE]\n"
"                        revoke a certificate, signed by the account key or\n"
"                        by the certificate's key KEYFILE\n"
"  renewal-info CERTFILE show the CA's renewal information (RFC 9773)\n"
"\n");
    /* In parts: C99 compilers need only take string literals of 4095 bytes. */
    fprintf(f,
"Options:\n"
"  -a, --acme-url URL    ACME directory URL\n"
"                        (default " CLI_DEFAULT_URL ")\n"
"  -s, --staging         use Let's Encrypt's staging directory\n"
"  -c, --confdir DIR     configuration directory (default " CLI_DEFAULT_CONFDIR ")\n"
"  -t, --type EC|RSA     type of new keys (default EC)\n"
"  -b, --bits BITS       size of new keys: EC 256 or 384 (default 256),\n"
"                        RSA 2048..4096 (default 2048)\n"
"  -e, --eab KID:KEY     External Account Binding for `new` (KEY base64url)\n"
"  -h, --hook PROGRAM    deploy challenges with PROGRAM, called as\n"
"                          PROGRAM begin|done|failed TYPE IDENT TOKEN AUTH\n"
"                        TYPE http-01, dns-01, tls-alpn-01 or dns-persist-01;\n"
"                        AUTH the key authorization (dns-01: the TXT record\n"
"                        value; dns-persist-01: the value of the persistent\n"
"                        TXT record _validation-persist.IDENT, TOKEN empty:\n"
"                        publish it once and keep it, also on `done`). A\n"
"                        non-zero exit from `begin` declines that type\n"
"  -l, --alternate N     take the CA's alternate chain N (default 0: the\n"
"                        default chain)\n"
"  -d, --days DAYS       issue: renew when fewer than DAYS days are left\n"
"                        (default: a third of the lifetime; the CA's renewal\n"
"                        window wins when it offers one)\n"
"  -f, --force           issue: renew even when not due\n"
"  -m, --must-staple     issue: ask for the RFC 7633 TLS Feature extension\n"
"                        (\"OCSP Must-Staple\") in the certificate\n"
"  -n, --never-create    never create directories or keys: fail when one\n"
"                        is missing\n"
"  -o, --no-ocsp         accepted for uacme's scripts and ignored: acme2-cli\n"
"                        makes no OCSP requests (Let's Encrypt ended OCSP in\n"
"                        2025); `issue` asks the CA's renewal information\n"
"                        (RFC 9773) instead, whose window a CA moves to now\n"
"                        for a certificate it revokes or is about to\n"
"  -r, --reason CODE     revoke: RFC 5280 reason code 0..10\n"
"  -y, --yes             agree to the CA's terms of service\n"
"  -v, --verbose         more progress lines, each HTTPS exchange included\n"
"  -V, --version         print the version\n"
"  -?, --help            this text\n"
"      --ca-file PEM     trust these CAs for the ACME server's TLS\n"
"                        (default: the system bundle)\n"
"      --challenge TYPE  http-01 (default), dns-01, tls-alpn-01 or\n"
"                        dns-persist-01 (hook only): the type tried first\n"
"                        (with a hook), or the built-in responder to run\n"
"                        (without one)\n"
"      --standalone-http ADDR:PORT\n"
"                        answer http-01 with the built-in web server here\n"
"                        (without -h: default 0.0.0.0:80 and [::]:80)\n"
"      --standalone-alpn ADDR:PORT\n"
"                        answer tls-alpn-01 with the built-in TLS server here\n"
"                        (without -h: default 0.0.0.0:443 and [::]:443)\n"
"                        ADDR is numeric; [IPv6]:PORT; PORT alone means both\n"
"                        wildcard addresses; each may be repeated\n"
"      --profile NAME    issue: ask for this certificate profile\n"
"      --transport bearssl|curl\n"
"                        HTTPS client (default bearssl)\n"
"\n");
    fprintf(f,
"Files (as uacme's):\n"
"  CONFDIR/private/key.pem          account key\n"
"  CONFDIR/private/account.url      account URL (saved, so no lookup next time)\n"
"  CONFDIR/private/IDENT/key.pem    certificate key, reused on renewal\n"
"  CONFDIR/IDENT/cert.pem           certificate chain (IDENT: the first one)\n"
"  CONFDIR/IDENT/order.url          order in progress, resumed by the next run\n"
"  CONFDIR/fetches                  the CA's validation fetches per challenge,\n"
"                                   so the order is polled once, after the last\n"
"\n"
"Exit status: 0 done (issue: a certificate was issued), 1 issue: not due,\n"
"nothing done, 2 error.\n");
}

/* ---- option parsing ---- */

enum {
    OPT_CA_FILE = 256, OPT_CHALLENGE, OPT_HTTP, OPT_ALPN, OPT_PROFILE, OPT_TRANSPORT
};

typedef struct option_def {
    int id;           /* the short letter, or OPT_* */
    const char *name; /* long name */
    int has_arg;
} option_def;

static const option_def option_defs[] = {
    { 'a', "acme-url", 1 }, { 's', "staging", 0 }, { 'c', "confdir", 1 }, { 't', "type", 1 },
    { 'b', "bits", 1 }, { 'e', "eab", 1 }, { 'h', "hook", 1 }, { 'l', "alternate", 1 },
    { 'd', "days", 1 }, { 'f', "force", 0 }, { 'r', "reason", 1 }, { 'y', "yes", 0 },
    { 'v', "verbose", 0 }, { 'V', "version", 0 }, { '?', "help", 0 },
    { 'm', "must-staple", 0 }, { 'n', "never-create", 0 }, { 'o', "no-ocsp", 0 },
    { OPT_CA_FILE, "ca-file", 1 }, { OPT_CHALLENGE, "challenge", 1 },
    { OPT_HTTP, "standalone-http", 1 }, { OPT_ALPN, "standalone-alpn", 1 },
    { OPT_PROFILE, "profile", 1 }, { OPT_TRANSPORT, "transport", 1 },
};
#define N_OPTION_DEFS (sizeof option_defs / sizeof option_defs[0])

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;
    if (!*s || !isdigit((unsigned char)*s)) return -1;
    v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* ADDR:PORT, [IPv6]:PORT or PORT (both wildcard addresses). */
static int parse_listen(const char *arg, cli_listen *list, int *n)
{
    char addr[64];
    const char *port;
    unsigned char ip[16];
    long p;
    size_t alen;
    if (arg[0] == '[') {
        const char *e = strchr(arg, ']');
        if (!e || e[1] != ':') return -1;
        alen = (size_t)(e - arg - 1);
        if (alen >= sizeof addr) return -1;
        memcpy(addr, arg + 1, alen);
        port = e + 2;
    } else if (strchr(arg, ':')) {
        const char *c = strrchr(arg, ':');
        alen = (size_t)(c - arg);
        if (alen >= sizeof addr || memchr(arg, ':', alen)) return -1;
        memcpy(addr, arg, alen);
        port = c + 1;
    } else {
        alen = 0;
        port = arg;
    }
    addr[alen] = 0;
    if (parse_int(port, 1, 65535, &p)) return -1;
    if (alen && acme2_ip_parse(addr, ip) < 0) return -1;
    if (*n + (alen ? 1 : 2) > CLI_MAX_LISTEN) return -1;
    if (alen) {
        snprintf(list[*n].addr, sizeof list[*n].addr, "%s", addr);
        list[(*n)++].port = (unsigned)p;
    } else {
        snprintf(list[*n].addr, sizeof list[*n].addr, "0.0.0.0");
        list[(*n)++].port = (unsigned)p;
        snprintf(list[*n].addr, sizeof list[*n].addr, "::");
        list[(*n)++].port = (unsigned)p;
    }
    return 0;
}

static int challenge_type(const char *s)
{
    if (strcmp(s, "http-01") == 0) return ACME2_CHALLENGE_HTTP_01;
    if (strcmp(s, "dns-01") == 0) return ACME2_CHALLENGE_DNS_01;
    if (strcmp(s, "tls-alpn-01") == 0) return ACME2_CHALLENGE_TLS_ALPN_01;
    if (strcmp(s, "dns-persist-01") == 0) return ACME2_CHALLENGE_DNS_PERSIST_01;
    return 0;
}

static int bad_value(const char *name, const char *value)
{
    cli_fail("bad value for %s: %s (see acme2-cli -?)", name, value);
    return CLI_ERROR;
}

/* Applies one option; returns 0, CLI_ERROR, or -1 for "exit 0 now". */
static int apply_option(const option_def *o, const char *v)
{
    long n;
    switch (o->id) {
    case 'a': cli.directory = v; break;
    case 's': cli.directory = CLI_STAGING_URL; break;
    case 'c': cli.confdir = v; break;
    case 't':
        if (strcmp(v, "EC") == 0 || strcmp(v, "ec") == 0) cli.key_kind = ACME2_KEY_EC;
        else if (strcmp(v, "RSA") == 0 || strcmp(v, "rsa") == 0) cli.key_kind = ACME2_KEY_RSA;
        else return bad_value("-t", v);
        break;
    case 'b':
        if (parse_int(v, 256, 4096, &n)) return bad_value("-b", v);
        cli.key_bits = (unsigned)n;
        break;
    case 'e': cli.eab = v; break;
    case 'h': cli.hook = v; break;
    case 'l':
        if (parse_int(v, 0, ACME2_MAX_ALT_CHAINS, &n)) return bad_value("-l", v);
        cli.chain = (int)n;
        break;
    case 'd':
        if (parse_int(v, 1, 3650, &n)) return bad_value("-d", v);
        cli.days = (int)n;
        break;
    case 'r':
        if (parse_int(v, 0, 10, &n) || n == 7) return bad_value("-r", v);
        cli.reason = (int)n;
        break;
    case 'f': cli.force = 1; break;
    case 'm': cli.must_staple = 1; break;
    case 'n': cli.never_create = 1; break;
    case 'o': cli.no_ocsp = 1; break;
    case 'y': cli.yes = 1; break;
    case 'v': cli.verbose = 1; break;
    case 'V': printf("acme2-cli %s\n", ACME2_VERSION_STRING); return -1;
    case '?': usage(stdout); return -1;
    case OPT_CA_FILE: cli.ca_file = v; break;
    case OPT_CHALLENGE:
        cli.challenge = challenge_type(v);
        if (!cli.challenge) return bad_value("--challenge", v);
        break;
    case OPT_HTTP:
        if (parse_listen(v, cli.http, &cli.n_http)) return bad_value("--standalone-http", v);
        break;
    case OPT_ALPN:
        if (parse_listen(v, cli.alpn, &cli.n_alpn)) return bad_value("--standalone-alpn", v);
        break;
    case OPT_PROFILE: cli.profile = v; break;
    case OPT_TRANSPORT:
        if (strcmp(v, "bearssl") == 0) cli.transport = CLI_TRANSPORT_BEARSSL;
        else if (strcmp(v, "curl") == 0) cli.transport = CLI_TRANSPORT_CURL;
        else return bad_value("--transport", v);
        break;
    default: return CLI_ERROR;
    }
    return 0;
}

/* Options may come anywhere (as with GNU getopt); "--" ends them. The
   other arguments are moved to the front of argv; returns their count, or
   a negative value: -1 exit 0, -2 usage error. */
static int parse_options(int argc, char **argv)
{
    int i, npos = 0, only_args = 0, rc;
    size_t k;
    for (i = 1; i < argc; i++) {
        char *a = argv[i];
        if (only_args || a[0] != '-' || a[1] == 0) {
            argv[npos++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_args = 1;
            continue;
        }
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
            const option_def *o = NULL;
            const char *v = NULL;
            for (k = 0; k < N_OPTION_DEFS; k++)
                if (strlen(option_defs[k].name) == nlen && strncmp(option_defs[k].name, name, nlen) == 0) o = &option_defs[k];
            if (!o) {
                cli_fail("unknown option %s (see acme2-cli -?)", a);
                return -2;
            }
            if (o->has_arg) {
                if (eq) v = eq + 1;
                else if (i + 1 < argc) v = argv[++i];
                else {
                    cli_fail("option --%s needs a value", o->name);
                    return -2;
                }
            } else if (eq) {
                cli_fail("option --%s takes no value", o->name);
                return -2;
            }
            rc = apply_option(o, v);
            if (rc) return rc < 0 ? -1 : -2;
            continue;
        }
        /* A cluster of short options: -fyv, -c DIR, -cDIR. */
        for (a++; *a; a++) {
            const option_def *o = NULL;
            const char *v = NULL;
            for (k = 0; k < N_OPTION_DEFS; k++)
                if (option_defs[k].id == (unsigned char)*a) o = &option_defs[k];
            if (!o) {
                cli_fail("unknown option -%c (see acme2-cli -?)", *a);
                return -2;
            }
            if (o->has_arg) {
                if (a[1]) v = a + 1;
                else if (i + 1 < argc) v = argv[++i];
                else {
                    cli_fail("option -%c needs a value", *a);
                    return -2;
                }
            }
            rc = apply_option(o, v);
            if (rc) return rc < 0 ? -1 : -2;
            if (v) break;
        }
    }
    return npos;
}

/* ---- shared steps ---- */

static char account_key_path[CLI_PATH_MAX];

/* CONFDIR (0755) and CONFDIR/private (0700). */
static int make_confdir(void)
{
    char p[CLI_PATH_MAX];
    if (cli_mkdirs(cli.confdir, 0755)) return CLI_ERROR;
    if (cli_path(p, sizeof p, cli.confdir, "private", NULL)) return CLI_ERROR;
    return cli_mkdirs(p, 0700);
}

static int load_account_key(void)
{
    char pending[CLI_PATH_MAX + 8];
    int rc = cli_key_load(account_key_path, &cli_account_key);
    snprintf(pending, sizeof pending, "%s.new", account_key_path);
    if (access(pending, F_OK) == 0)
        cli_say("warning: %s exists: a key rollover was interrupted; if the account now uses that key, "
                "move it over key.pem, else delete it", pending);
    if (rc == 1) cli_fail("no account key in %s: run `acme2-cli new` first", account_key_path);
    return rc ? CLI_ERROR : 0;
}

/* Loads the account key, connects and finds the account. */
static int account_session(void)
{
    if (load_account_key() || cli_connect() || cli_account()) return CLI_ERROR;
    return 0;
}

/* "mailto:" + email into out; n_contacts 0 without email. */
static int make_contact(const char *email, char *out, size_t size, size_t *n_contacts)
{
    size_t i;
    *n_contacts = 0;
    if (!email) return 0;
    for (i = 0; email[i]; i++)
        if ((unsigned char)email[i] <= 0x20 || email[i] == 0x7f || email[i] == ',') break;
    if (email[i] || !strchr(email, '@') || strncmp(email, "mailto:", 7) == 0) {
        cli_fail("not an e-mail address: %s", email);
        return CLI_ERROR;
    }
    if ((size_t)snprintf(out, size, "mailto:%s", email) >= size) {
        cli_fail("e-mail address too long");
        return CLI_ERROR;
    }
    *n_contacts = 1;
    return 0;
}

/* ---- commands ---- */

static int cmd_new(int argc, char **argv)
{
    char contact[320], desc[32];
    const char *contacts[1];
    const acme2_directory *d;
    acme2_account_params ap;
    acme2_account acct;
    unsigned char mac[128];
    char kid[256];
    size_t n_contacts;
    int created, rc;
    if (argc > 2) return -2;
    if (make_contact(argc > 1 ? argv[1] : NULL, contact, sizeof contact, &n_contacts)) return CLI_ERROR;
    if (make_confdir() || cli_key_load_or_create(account_key_path, &cli_account_key, &created)) return CLI_ERROR;
    cli_say("account key: %s (%s, %s)", account_key_path, created ? "created" : "existing",
            cli_key_describe(&cli_account_key, desc, sizeof desc));
    if (cli_connect() || !(d = cli_directory())) return CLI_ERROR;
    if (d->terms_of_service[0] && !cli.yes) {
        cli_say("the CA's terms of service: %s", d->terms_of_service);
        cli_fail("read them, then run again with -y to agree");
        return CLI_ERROR;
    }
    contacts[0] = contact;
    memset(&ap, 0, sizeof ap);
    ap.contacts = n_contacts ? contacts : NULL;
    ap.n_contacts = n_contacts;
    ap.terms_agreed = cli.yes;
    if (cli.eab) {
        /* KID:KEY; the key is a secret: decoded here, wiped below, never printed. */
        const char *colon = strchr(cli.eab, ':');
        size_t klen, vlen;
        int n;
        if (!colon || colon == cli.eab || (size_t)(colon - cli.eab) >= sizeof kid) {
            cli_fail("-e wants KID:KEY");
            return CLI_ERROR;
        }
        klen = (size_t)(colon - cli.eab);
        memcpy(kid, cli.eab, klen);
        kid[klen] = 0;
        vlen = strlen(colon + 1);
        while (vlen && colon[vlen] == '=') vlen--; /* tolerate base64 padding */
        n = acme2_b64url_decode(mac, sizeof mac, colon + 1, vlen);
        if (n <= 0) {
            cli_fail("-e: the key is not base64url (or longer than %u bytes)", (unsigned)sizeof mac);
            return CLI_ERROR;
        }
        ap.eab_kid = kid;
        ap.eab_key = mac;
        ap.eab_key_len = (size_t)n;
        ap.eab_bits = 256;
    } else if (d->external_account_required) {
        cli_fail("this CA requires External Account Binding: pass -e KID:KEY");
        return CLI_ERROR;
    }
    rc = acme2_account_new(&cli_client, &ap, &acct);
    acme2_wipe(mac, sizeof mac);
    if (rc) {
        cli_report("account registration failed", rc);
        return CLI_ERROR;
    }
    if (cli_save_account()) return CLI_ERROR;
    cli_say("%s: %s (%s)", acct.created ? "account created" : "account already exists",
            acme2_client_account(&cli_client), acme2_status_name(acct.status));
    return CLI_OK;
}

static int cmd_update(int argc, char **argv)
{
    char contact[320];
    const char *contacts[1];
    acme2_account acct;
    size_t n;
    int rc;
    if (argc > 2) return -2;
    if (make_contact(argc > 1 ? argv[1] : NULL, contact, sizeof contact, &n)) return CLI_ERROR;
    if (account_session()) return CLI_ERROR;
    contacts[0] = contact;
    rc = acme2_account_update(&cli_client, n ? contacts : NULL, n, &acct);
    if (rc) {
        cli_report("account update failed", rc);
        return CLI_ERROR;
    }
    if (n) cli_say("account contact set to %s", contact);
    else cli_say("account contacts removed");
    return CLI_OK;
}

static int cmd_deactivate(int argc, char **argv)
{
    char path[CLI_PATH_MAX];
    acme2_account acct;
    int rc;
    (void)argv;
    if (argc != 1) return -2;
    if (account_session()) return CLI_ERROR;
    rc = acme2_account_deactivate(&cli_client, &acct);
    if (rc) {
        cli_report("account deactivation failed", rc);
        return CLI_ERROR;
    }
    cli_say("account deactivated: %s (%s)", acme2_client_account(&cli_client), acme2_status_name(acct.status));
    if (cli_path(path, sizeof path, cli.confdir, "private", "account.url") == 0) cli_remove(path);
    return CLI_OK;
}

static acme2_key new_account_key; /* borrowed by the client after the rollover */

static int cmd_newkey(int argc, char **argv)
{
    char pending[CLI_PATH_MAX + 8], desc[32], newkey_path[CLI_PATH_MAX];
    const char *pem;
    size_t len;
    int rc;
    (void)argv;
    if (argc != 1) return -2;
    snprintf(pending, sizeof pending, "%s.new", account_key_path);
    if (access(pending, F_OK) == 0) {
        cli_fail("%s exists from an interrupted rollover: move it over key.pem if the account uses it, "
                 "else delete it", pending);
        return CLI_ERROR;
    }
    if (account_session()) return CLI_ERROR;
    if (cli.never_create) {
        /* As uacme: the new key is a file the user made. */
        if (cli_path(newkey_path, sizeof newkey_path, cli.confdir, "private", "newkey.pem")) return CLI_ERROR;
        rc = cli_key_load(newkey_path, &new_account_key);
        if (rc == 1) cli_fail("no key in %s, and -n forbids creating one", newkey_path);
        if (rc) return CLI_ERROR;
    } else if (cli_key_generate(&new_account_key)) {
        return CLI_ERROR;
    }
    /* The new key reaches the disk before the CA switches to it, and
       replaces the old file only once the CA did. */
    pem = cli_key_pem(&new_account_key, &len);
    rc = pem ? cli_write_pending(account_key_path, pem, len, 0600) : CLI_ERROR;
    cli_key_pem_wipe();
    if (rc) return rc;
    rc = acme2_account_key_change(&cli_client, &new_account_key);
    if (rc) {
        cli_report("key rollover failed", rc);
        cli_remove(pending);
        return CLI_ERROR;
    }
    if (cli_commit(account_key_path)) {
        cli_say("the account now uses the key in %s: move it over key.pem", pending);
        return CLI_ERROR;
    }
    if (cli.never_create) cli_remove(newkey_path); /* it is key.pem now */
    cli_say("account key replaced: %s (%s)", account_key_path,
            cli_key_describe(&new_account_key, desc, sizeof desc));
    return CLI_OK;
}

static unsigned char cert_der[CLI_MAX_CERT];
static acme2_key cert_key;

static int cmd_revoke(int argc, char **argv)
{
    acme2_cert_info ci;
    size_t der_len;
    int rc;
    if (argc < 2 || argc > 3) return -2;
    rc = cli_cert_load(argv[1], cert_der, &der_len, &ci);
    if (rc == 1) cli_fail("%s: %s", argv[1], "no such file");
    if (rc) return CLI_ERROR;
    if (argc == 3) {
        /* Signed by the certificate's key: no account needed. */
        rc = cli_key_load(argv[2], &cert_key);
        if (rc == 1) cli_fail("%s: %s", argv[2], "no such file");
        if (rc) return CLI_ERROR;
        if (acme2_cert_key_match(&ci, &cert_key) != 0) {
            cli_fail("%s is not the key of %s", argv[2], argv[1]);
            return CLI_ERROR;
        }
        /* The client wants a key; the account's if there is one. */
        if (cli_key_load(account_key_path, &cli_account_key) != 0) cli_account_key = cert_key;
        if (cli_connect()) return CLI_ERROR;
        rc = acme2_revoke(&cli_client, cert_der, der_len, cli.reason, &cert_key);
    } else {
        if (account_session()) return CLI_ERROR;
        rc = acme2_revoke(&cli_client, cert_der, der_len, cli.reason, NULL);
    }
    if (rc) {
        cli_report("revocation failed", rc);
        return CLI_ERROR;
    }
    cli_say("revoked %s (signed by the %s key)", argv[1], argc == 3 ? "certificate" : "account");
    return CLI_OK;
}

/* Prints server text on stdout with control characters neutralised. */
static void print_field(const char *label, const char *value)
{
    char buf[ACME2_MAX_URL + 64];
    size_t i;
    snprintf(buf, sizeof buf, "%s", value);
    for (i = 0; buf[i]; i++)
        if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f) buf[i] = '?';
    printf("%-18s %s\n", label, buf);
}

static int cmd_renewal_info(int argc, char **argv)
{
    acme2_cert_info ci;
    acme2_renewal_info ri;
    const acme2_directory *d;
    char id[256], t1[32], t2[32], line[96];
    size_t der_len;
    int rc;
    if (argc != 2) return -2;
    rc = cli_cert_load(argv[1], cert_der, &der_len, &ci);
    if (rc == 1) cli_fail("%s: %s", argv[1], "no such file");
    if (rc) return CLI_ERROR;
    rc = acme2_ari_cert_id(&ci, id, sizeof id);
    if (rc < 0) {
        cli_fail("%s: no ARI certificate ID: %s", argv[1], acme2_strerror(rc));
        return CLI_ERROR;
    }
    print_field("certificate:", argv[1]);
    print_field("ARI ID:", id);
    snprintf(line, sizeof line, "%s .. %s", cli_time(ci.not_before, t1, sizeof t1), cli_time(ci.not_after, t2, sizeof t2));
    print_field("validity:", line);
    fflush(stdout);
    /* Renewal information needs no account; any key will do for the client. */
    if (cli_key_load(account_key_path, &cli_account_key) != 0 && cli_key_generate(&cli_account_key)) return CLI_ERROR;
    if (cli_connect() || !(d = cli_directory())) return CLI_ERROR;
    if (!d->renewal_info || !d->renewal_info[0]) {
        cli_fail("%s offers no renewal information (no renewalInfo in its directory)", cli.directory);
        return CLI_ERROR;
    }
    rc = acme2_renewal_info_get(&cli_client, id, &ri);
    if (rc) {
        cli_report("renewal information request failed", rc);
        return CLI_ERROR;
    }
    snprintf(line, sizeof line, "%s .. %s", cli_time(ri.start, t1, sizeof t1), cli_time(ri.end, t2, sizeof t2));
    print_field("suggested window:", line);
    print_field("explanation:", ri.explanation_url[0] ? ri.explanation_url : "(none)");
    if (ri.retry_after >= 0) snprintf(line, sizeof line, "%lld seconds", ri.retry_after);
    else snprintf(line, sizeof line, "(none)");
    print_field("retry after:", line);
    return CLI_OK;
}

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    { "new", cmd_new }, { "update", cmd_update }, { "deactivate", cmd_deactivate },
    { "newkey", cmd_newkey }, { "issue", cli_cmd_issue }, { "revoke", cmd_revoke },
    { "renewal-info", cmd_renewal_info },
};

int main(int argc, char **argv)
{
    size_t i;
    int n, rc = -2;
    memset(&cli, 0, sizeof cli);
    cli.directory = CLI_DEFAULT_URL;
    cli.confdir = CLI_DEFAULT_CONFDIR;
    cli.key_kind = ACME2_KEY_EC;
    cli.reason = -1;
    n = parse_options(argc, argv);
    if (n == -1) return CLI_OK;
    if (n == -2) return CLI_ERROR;
    if (n == 0) {
        usage(stderr);
        return CLI_ERROR;
    }
    if (cli.key_bits) {
        int ok = cli.key_kind == ACME2_KEY_EC ? (cli.key_bits == 256 || cli.key_bits == 384)
                                              : (cli.key_bits >= 2048 && cli.key_bits <= 4096 && cli.key_bits % 8 == 0);
        if (!ok) {
            cli_fail("-b %u does not suit -t %s (EC: 256 or 384; RSA: 2048..4096)", cli.key_bits,
                     cli.key_kind == ACME2_KEY_EC ? "EC" : "RSA");
            return CLI_ERROR;
        }
    }
    if (cli_path(account_key_path, sizeof account_key_path, cli.confdir, "private", "key.pem")) return CLI_ERROR;
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[0], commands[i].name) == 0) {
            rc = commands[i].run(n, argv);
            break;
        }
    }
    if (i == sizeof commands / sizeof commands[0]) cli_fail("unknown command %s (see acme2-cli -?)", argv[0]);
    else if (rc == -2) cli_fail("wrong arguments for %s (see acme2-cli -?)", argv[0]);
    cli_disconnect();
    acme2_key_wipe(&cli_account_key);
    acme2_key_wipe(&new_account_key);
    acme2_key_wipe(&cert_key);
    return rc < 0 ? CLI_ERROR : rc;
}
