/* cli_store.c - acme2-cli: the configuration directory (paths, atomic
   writes, keys, certificates). See cli.h.

   Layout (as uacme's):
     CONFDIR/private/key.pem          account key (0600; private/ is 0700)
     CONFDIR/private/account.url      account URL + the directory it is at
     CONFDIR/private/IDENT/key.pem    certificate key, kept across renewals
     CONFDIR/IDENT/cert.pem           certificate chain
     CONFDIR/IDENT/order.url          order in progress (resumed next run)
     CONFDIR/fetches                  directory URL + the CA's fetches per
                                      challenge last time (cli_issue.c) */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <dirent.h>

int cli_path(char *out, size_t size, const char *a, const char *b, const char *c)
{
    int n = c ? snprintf(out, size, "%s/%s/%s", a, b, c) : snprintf(out, size, "%s/%s", a, b);
    if (n < 0 || (size_t)n >= size) {
        cli_fail("path too long under %s", a);
        return CLI_ERROR;
    }
    return 0;
}

int cli_mkdirs(const char *path, mode_t mode)
{
    char p[CLI_PATH_MAX];
    size_t i, n = strlen(path);
    if (n == 0 || n >= sizeof p) {
        cli_fail("bad directory name");
        return CLI_ERROR;
    }
    memcpy(p, path, n + 1);
    if (cli.never_create) {
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
            cli_fail("directory %s does not exist, and -n forbids creating it", path);
            return CLI_ERROR;
        }
    }
    /* Each prefix ending before a '/', then the whole path. */
    for (i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != 0) continue;
        if (p[i - 1] == '/') continue;
        p[i] = 0;
        if (mkdir(p, mode) != 0 && errno != EEXIST) {
            cli_fail("cannot create directory %s: %s", p, strerror(errno));
            return CLI_ERROR;
        }
        p[i] = path[i];
    }
    /* A directory that was already there keeps no wider mode than asked
       (private/ must be 0700 whoever made it). */
    {
        struct stat st;
        if (stat(path, &st) == 0 && (st.st_mode & 0777 & ~mode) && chmod(path, mode) != 0) {
            cli_fail("cannot chmod %s: %s", path, strerror(errno));
            return CLI_ERROR;
        }
    }
    return 0;
}

int cli_read_file(const char *path, char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) return 1;
        cli_fail("cannot open %s: %s", path, strerror(errno));
        return CLI_ERROR;
    }
    for (;;) {
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0) break;
        if (n == cap - 1) {
            /* Full: larger than we accept, unless it ends exactly here. */
            if (fgetc(f) != EOF) {
                fclose(f);
                acme2_wipe(buf, cap);
                cli_fail("%s is larger than %lu bytes", path, (unsigned long)(cap - 1));
                return CLI_ERROR;
            }
            break;
        }
    }
    if (ferror(f)) {
        fclose(f);
        acme2_wipe(buf, cap);
        cli_fail("cannot read %s", path);
        return CLI_ERROR;
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return 0;
}

/* The directory part of path ("." when none). */
static void dir_of(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (slash && n == 0) n = 1; /* "/file" */
    if (!slash || n >= size) {
        snprintf(out, size, ".");
        return;
    }
    memcpy(out, path, n);
    out[n] = 0;
}

static int sync_dir(const char *path)
{
    char dir[CLI_PATH_MAX];
    int fd;
    dir_of(path, dir, sizeof dir);
    fd = open(dir, O_RDONLY);
    if (fd < 0) return -1;
    if (fsync(fd) != 0 && errno != EINVAL) {
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* Writes data into a new file named tmp (mkstemp template, updated),
   fsyncs and closes it. */
static int write_new(char *tmp, const void *data, size_t len, mode_t mode)
{
    const char *p = (const char *)data;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        cli_fail("cannot create a file next to %s: %s", tmp, strerror(errno));
        return CLI_ERROR;
    }
    if (fchmod(fd, mode) != 0) goto fail;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) goto fail;
        p += w;
        len -= (size_t)w;
    }
    if (fsync(fd) != 0) goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    return 0;
fail:
    cli_fail("cannot write %s: %s", tmp, strerror(errno));
    if (fd >= 0) close(fd);
    unlink(tmp);
    return CLI_ERROR;
}

/* Temporary files (NAME.tmp.XXXXXX) of an earlier run killed mid-write
   are never read back, but one may hold a private key: once our own write
   of NAME has landed, they go. */
static void remove_stale_temps(const char *path)
{
    char dir[CLI_PATH_MAX], full[CLI_PATH_MAX];
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    size_t bl = strlen(base);
    DIR *d;
    struct dirent *e;
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == path) snprintf(dir, sizeof dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    d = opendir(dir);
    if (!d) return;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (strncmp(n, base, bl) != 0 || strncmp(n + bl, ".tmp.", 5) != 0 || strlen(n + bl + 5) != 6) continue;
        if (snprintf(full, sizeof full, "%s/%s", dir, n) < (int)sizeof full) unlink(full);
    }
    closedir(d);
}

int cli_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    char tmp[CLI_PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        cli_fail("path too long: %s", path);
        return CLI_ERROR;
    }
    if (write_new(tmp, data, len, mode)) return CLI_ERROR;
    if (rename(tmp, path) != 0) {
        cli_fail("cannot rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        return CLI_ERROR;
    }
    if (sync_dir(path) != 0) {
        cli_fail("cannot sync the directory of %s: %s", path, strerror(errno));
        return CLI_ERROR;
    }
    remove_stale_temps(path);
    return 0;
}

int cli_write_pending(const char *path, const void *data, size_t len, mode_t mode)
{
    char pending[CLI_PATH_MAX];
    int n = snprintf(pending, sizeof pending, "%s.new", path);
    if (n < 0 || (size_t)n >= sizeof pending) {
        cli_fail("path too long: %s", path);
        return CLI_ERROR;
    }
    return cli_write_atomic(pending, data, len, mode);
}

int cli_commit(const char *path)
{
    char pending[CLI_PATH_MAX];
    snprintf(pending, sizeof pending, "%s.new", path);
    if (rename(pending, path) != 0) {
        cli_fail("cannot rename %s to %s: %s", pending, path, strerror(errno));
        return CLI_ERROR;
    }
    if (sync_dir(path) != 0) {
        cli_fail("cannot sync the directory of %s: %s", path, strerror(errno));
        return CLI_ERROR;
    }
    return 0;
}

void cli_remove(const char *path)
{
    if (unlink(path) != 0 && errno != ENOENT) cli_say("warning: cannot remove %s: %s", path, strerror(errno));
}

/* ---- keys ---- */

/* Key files pass through here: wiped after every use. */
static char key_text[16384];

int cli_key_load(const char *path, acme2_key *key)
{
    size_t len = 0;
    struct stat st;
    int rc = cli_read_file(path, key_text, sizeof key_text, &len);
    if (rc) return rc;
    rc = acme2_key_load(key, key_text, len);
    acme2_wipe(key_text, sizeof key_text);
    if (rc) {
        cli_fail("cannot load the key %s: %s", path, acme2_strerror(rc));
        return CLI_ERROR;
    }
    if (stat(path, &st) == 0 && (st.st_mode & 077))
        cli_say("warning: %s is readable by others (mode %03o); chmod 600 it", path, (unsigned)(st.st_mode & 0777));
    return 0;
}

int cli_key_generate(acme2_key *key)
{
    unsigned bits = cli.key_bits ? cli.key_bits : (cli.key_kind == ACME2_KEY_RSA ? 2048 : 256);
    int rc = acme2_key_generate(key, cli.key_kind, bits, NULL);
    if (rc) {
        cli_fail("cannot generate a %s %u key: %s", cli.key_kind == ACME2_KEY_RSA ? "RSA" : "EC", bits,
                 acme2_strerror(rc));
        return CLI_ERROR;
    }
    return 0;
}

const char *cli_key_pem(const acme2_key *key, size_t *len)
{
    int n = acme2_key_save_pem(key, key_text, sizeof key_text);
    if (n < 0) {
        cli_fail("cannot encode the key: %s", acme2_strerror(n));
        return NULL;
    }
    *len = (size_t)n;
    return key_text;
}

void cli_key_pem_wipe(void) { acme2_wipe(key_text, sizeof key_text); }

int cli_key_load_or_create(const char *path, acme2_key *key, int *created)
{
    const char *pem;
    size_t len;
    int rc = cli_key_load(path, key);
    *created = 0;
    if (rc != 1) return rc;
    if (cli.never_create) {
        cli_fail("no key in %s, and -n forbids creating one", path);
        return CLI_ERROR;
    }
    if (cli_key_generate(key)) return CLI_ERROR;
    pem = cli_key_pem(key, &len);
    rc = pem ? cli_write_atomic(path, pem, len, 0600) : CLI_ERROR;
    cli_key_pem_wipe();
    if (rc) return rc;
    *created = 1;
    return 0;
}

const char *cli_key_describe(const acme2_key *key, char *buf, size_t size)
{
    if (key->kind == ACME2_KEY_EC) snprintf(buf, size, "EC P-%u", key->bits);
    else if (key->kind == ACME2_KEY_RSA) snprintf(buf, size, "RSA %u", key->bits);
    else snprintf(buf, size, "no key");
    return buf;
}

/* ---- certificates ---- */

static char cert_text[CLI_MAX_FILE];

int cli_cert_from_pem(const char *pem, size_t len, unsigned char *der, size_t *der_len, acme2_cert_info *ci)
{
    size_t pos = 0;
    int rc = acme2_pem_cert_next(pem, len, &pos, der, CLI_MAX_CERT, der_len);
    if (rc == 0) return ACME2_ERR_PEM;
    if (rc < 0) return rc;
    return acme2_cert_parse(ci, der, *der_len);
}

int cli_cert_load(const char *path, unsigned char *der, size_t *der_len, acme2_cert_info *ci)
{
    size_t len = 0;
    int rc = cli_read_file(path, cert_text, sizeof cert_text, &len);
    if (rc) return rc;
    rc = cli_cert_from_pem(cert_text, len, der, der_len, ci);
    if (rc) {
        cli_fail("%s: no usable certificate: %s", path, acme2_strerror(rc));
        return CLI_ERROR;
    }
    return 0;
}

/* ---- small text files ---- */

static int take_line(const char **p, char *out, size_t size)
{
    const char *s = *p, *e = strchr(s, '\n');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    if (n && s[n - 1] == '\r') n--;
    if (n >= size) return -1;
    memcpy(out, s, n);
    out[n] = 0;
    *p = e ? e + 1 : s + strlen(s);
    return 0;
}

int cli_read_lines(const char *path, char *line1, size_t size1, char *line2, size_t size2)
{
    char buf[4096];
    const char *p = buf;
    size_t len = 0;
    int rc = cli_read_file(path, buf, sizeof buf, &len);
    if (rc) return rc;
    if (strlen(buf) != len || take_line(&p, line1, size1) || (line2 && take_line(&p, line2, size2))) {
        cli_say("warning: ignoring malformed %s", path);
        return 1;
    }
    return line1[0] ? 0 : 1;
}
