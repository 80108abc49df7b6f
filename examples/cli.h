/* cli.h - what the files of acme2-cli share.

   acme2-cli.c   options, usage, account commands, revoke, renewal-info
   cli_out.c     progress and error output, transport and client set-up,
                 the account URL
   cli_store.c   the configuration directory: paths, atomic writes, keys,
                 certificates
   cli_issue.c   the issue command: due check, challenges, hooks,
                 built-in responders */
#ifndef ACME2_CLI_H
#define ACME2_CLI_H

#include <stddef.h>
#include <sys/types.h>
#include "acme2.h"

/* Exit codes, as uacme's. */
#define CLI_OK 0        /* done (issue: a certificate was issued) */
#define CLI_NOT_DUE 1   /* issue: every certificate is current, nothing done */
#define CLI_ERROR 2     /* anything went wrong, including usage errors */

/* Longest path built under the configuration directory. */
#define CLI_PATH_MAX 4096
/* Addresses given to --standalone-http / --standalone-alpn. */
#define CLI_MAX_LISTEN 4
/* Largest file read: a key (RSA-4096 PEM is 3.3 KB) or a certificate chain
   (Let's Encrypt's is about 6 KB in PEM). */
#define CLI_MAX_FILE (64 * 1024)
/* The client's work buffer: requests, responses and a whole chain without
   a sink. */
#define CLI_WORK_SIZE (64 * 1024)
/* Largest DER certificate handled (a leaf is 1..2 KB). */
#define CLI_MAX_CERT 16384

#define CLI_DEFAULT_URL "https://acme-v02.api.letsencrypt.org/directory"
#define CLI_STAGING_URL "https://acme-staging-v02.api.letsencrypt.org/directory"
#define CLI_DEFAULT_CONFDIR "/etc/acme2"

enum cli_transport { CLI_TRANSPORT_BEARSSL = 0, CLI_TRANSPORT_CURL = 1 };

typedef struct cli_listen {
    char addr[64];   /* numeric IPv4 or IPv6, no brackets */
    unsigned port;
} cli_listen;

/* Everything the command line sets. */
typedef struct cli_options {
    const char *directory;   /* -a */
    const char *confdir;     /* -c */
    int key_kind;            /* -t: ACME2_KEY_EC or ACME2_KEY_RSA */
    unsigned key_bits;       /* -b; 0: 256 for EC, 2048 for RSA */
    const char *eab;         /* -e KID:KEY (secret: never printed) */
    const char *hook;        /* -h */
    int chain;               /* -l */
    int days;                /* -d; 0: a third of the lifetime */
    int force, yes, verbose; /* -f -y -v */
    int reason;              /* -r; -1: omitted */
    const char *ca_file;     /* --ca-file */
    int challenge;           /* --challenge; 0: not given */
    cli_listen http[CLI_MAX_LISTEN];
    int n_http;
    cli_listen alpn[CLI_MAX_LISTEN];
    int n_alpn;
    const char *profile;     /* --profile */
    int transport;           /* --transport */
    int must_staple;         /* -m: the CSR asks for the RFC 7633 TLS Feature (OCSP Must-Staple) */
    int never_create;        /* -n: never create directories or keys; fail when one is missing */
    int no_ocsp;             /* -o: accepted for uacme's scripts; acme2-cli never asks OCSP (see usage) */
} cli_options;

extern cli_options cli;

/* The one client of the process, its account key and its state. */
extern acme2_client cli_client;
extern acme2_key cli_account_key;

/* ---- cli_out.c ---- */

/* One line on stderr: "acme2-cli: " + text. Control characters (from
   servers, files or hooks) are shown as '?'. */
void cli_say(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* The same, only with -v. */
void cli_debug(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* "acme2-cli: error: " + text. */
void cli_fail(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Explains a library error: what failed, acme2_strerror, and for
   ACME2_ERR_PROBLEM / ACME2_ERR_INVALID the problem document; for
   ACME2_ERR_TRANSPORT the transport's last word. */
void cli_report(const char *what, int rc);

/* Unix time as ISO 8601 UTC ("2025-01-31T12:00:00Z"). */
const char *cli_time(long long t, char *buf, size_t size);

/* Starts the transport and the client on the directory with
   cli_account_key (which must be loaded). Returns 0 or CLI_ERROR. */
int cli_connect(void);
/* Fetches the directory (once). Returns it or NULL after reporting. */
const acme2_directory *cli_directory(void);
/* Makes sure the client knows its account URL: the one saved for this
   directory, else a lookup (onlyReturnExisting) that is then saved.
   Returns 0 or CLI_ERROR. */
int cli_account(void);
/* Saves the client's account URL for this directory. */
int cli_save_account(void);
/* Shuts the transport down and wipes the client. */
void cli_disconnect(void);

/* ---- cli_store.c ---- */

/* a "/" b ["/" c]: CLI_ERROR when too long. */
int cli_path(char *out, size_t size, const char *a, const char *b, const char *c);
/* mkdir -p with mode for every directory it creates; with -n a missing
   directory is an error instead. */
int cli_mkdirs(const char *path, mode_t mode);
/* Reads a whole file (at most cap - 1 bytes, NUL-terminated). Returns 0,
   1 when it does not exist, CLI_ERROR otherwise (reported). */
int cli_read_file(const char *path, char *buf, size_t cap, size_t *len);
/* Replaces path atomically: temporary file in the same directory, write,
   fsync, rename, fsync of the directory. Returns 0 or CLI_ERROR. */
int cli_write_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* Writes a new file next to path (path + ".new"), fsynced, for a later
   cli_commit. Returns 0 or CLI_ERROR. */
int cli_write_pending(const char *path, const void *data, size_t len, mode_t mode);
/* Renames path + ".new" over path and fsyncs the directory. */
int cli_commit(const char *path);
/* Removes a file; missing is fine. */
void cli_remove(const char *path);

/* Loads a private key. Returns 0, 1 when the file does not exist,
   CLI_ERROR otherwise (reported). */
int cli_key_load(const char *path, acme2_key *key);
/* Generates a key of -t/-b into key (not saved). */
int cli_key_generate(acme2_key *key);
/* PKCS#8 PEM of key into a static buffer, wiped by cli_key_pem_wipe. */
const char *cli_key_pem(const acme2_key *key, size_t *len);
void cli_key_pem_wipe(void);
/* Loads the key, or generates and saves one (mode 0600) when missing
   (with -n a missing key is an error). *created tells which. Returns 0 or
   CLI_ERROR. */
int cli_key_load_or_create(const char *path, acme2_key *key, int *created);
/* "EC P-256", "RSA 2048". */
const char *cli_key_describe(const acme2_key *key, char *buf, size_t size);

/* Reads the first certificate of a PEM file into der (CLI_MAX_CERT bytes)
   and parses it. Returns 0, 1 when the file does not exist, CLI_ERROR. */
int cli_cert_load(const char *path, unsigned char *der, size_t *der_len, acme2_cert_info *ci);
/* The first certificate of a PEM text, as cli_cert_load. */
int cli_cert_from_pem(const char *pem, size_t len, unsigned char *der, size_t *der_len, acme2_cert_info *ci);

/* The first line of a small text file (without the newline) into out and,
   when line2 != NULL, the second. Returns 0, 1 (missing or empty),
   CLI_ERROR. */
int cli_read_lines(const char *path, char *line1, size_t size1, char *line2, size_t size2);

/* ---- cli_issue.c ---- */

int cli_cmd_issue(int argc, char **argv);

#endif
