/* A small test harness: each test is a function, each CHECK an assertion
   that prints what was expected when it fails. A test binary prints one
   summary line; tests/run.sh adds them up. */
#ifndef ACME2_TEST_HARNESS_H
#define ACME2_TEST_HARNESS_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <unistd.h>
#include <sys/stat.h>

#define T_UNUSED __attribute__((unused))

static int t__pass, t__fail, t__failed_now, t__checks;
static const char *t__test = "";

static void t__report(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: in %s: ", file, line, t__test);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    t__failed_now = 1;
}

#define CHECK(cond) do { t__checks++; if (!(cond)) \
    t__report(__FILE__, __LINE__, "expected %s", #cond); } while (0)
#define CHECK_MSG(cond, ...) do { t__checks++; if (!(cond)) \
    t__report(__FILE__, __LINE__, __VA_ARGS__); } while (0)
#define CHECK_INT(got, want) do { long long g_ = (long long)(got), w_ = (long long)(want); t__checks++; \
    if (g_ != w_) t__report(__FILE__, __LINE__, "expected %s == %lld, got %lld", #got, w_, g_); } while (0)
#define CHECK_STR(got, want) do { const char *g_ = (got), *w_ = (want); t__checks++; \
    if (!g_ || strcmp(g_, w_)) t__report(__FILE__, __LINE__, "expected %s == \"%s\", got \"%s\"", #got, w_, g_ ? g_ : "(null)"); } while (0)
#define CHECK_MEM(got, want, n) do { t__checks++; if (memcmp((got), (want), (n))) \
    t__report(__FILE__, __LINE__, "expected %s to equal %s (%d bytes)", #got, #want, (int)(n)); } while (0)
/* Stops the current test when cond fails (for checks later ones depend on). */
#define REQUIRE(cond) do { t__checks++; if (!(cond)) { \
    t__report(__FILE__, __LINE__, "required %s", #cond); return; } } while (0)

#define RUN(fn) t__run(#fn, fn)

static void t__run(const char *name, void (*fn)(void))
{
    int before = t__checks;
    t__test = name;
    t__failed_now = 0;
    fn();
    if (t__checks == before) t__report(__FILE__, __LINE__, "test made no assertion");
    if (t__failed_now) { t__fail++; printf("FAIL %s\n", name); }
    else t__pass++;
    fflush(stdout);
}

/* The binary's summary: "RESULT <name> <passed> <failed>". */
static int t_done(const char *name)
{
    printf("RESULT %s %d %d\n", name, t__pass, t__fail);
    return t__fail ? 1 : 0;
}

/* Scratch directory for files handed to the openssl command line. */
T_UNUSED static const char *t_tmpdir(void)
{
    static char dir[256];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "build/tmp/t%ld", (long)getpid());
        mkdir("build", 0755);
        mkdir("build/tmp", 0755);
        mkdir(dir, 0700);
    }
    return dir;
}

T_UNUSED static const char *t_path(const char *name)
{
    static char bufs[4][512];
    static int k;
    char *p = bufs[k++ & 3];
    snprintf(p, 512, "%s/%s", t_tmpdir(), name);
    return p;
}

T_UNUSED static int t_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    size_t w;
    if (!f) return -1;
    w = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}

/* Reads at most cap bytes; returns the length or -1. */
T_UNUSED static long t_read_file(const char *path, void *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n;
    if (!f) return -1;
    n = fread(buf, 1, cap, f);
    fclose(f);
    return (long)n;
}

/* Runs a shell command; returns its exit status (-1 if it did not run). */
T_UNUSED static int t_sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    int rc;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    rc = system(cmd);
    if (rc == -1) return -1;
    return (rc >> 8) & 0xff;
}

/* Runs a shell command and captures its stdout (NUL-terminated). */
T_UNUSED static int t_sh_out(char *out, size_t cap, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    FILE *p;
    size_t n;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    p = popen(cmd, "r");
    if (!p) return -1;
    n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    return pclose(p) == 0 ? (int)n : -1;
}

/* Value of a hex digit, or -1. */
T_UNUSED static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes the hex digits of s into out (other characters skipped); returns
   how many bytes the text holds, even past cap. */
T_UNUSED static size_t unhex(const char *s, unsigned char *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        int v = hexval((unsigned char)*s);
        if (v < 0) continue;
        if (hi < 0) hi = v;
        else {
            if (n < cap) out[n] = (unsigned char)(hi << 4 | v);
            n++;
            hi = -1;
        }
    }
    return n;
}

#endif
