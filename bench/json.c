/* Tokenizer throughput: acme2_json_parse (strict: validates UTF-8, escapes,
   numbers, nesting) against jsmn 1.1.0 in its default (permissive) mode and
   with JSMN_STRICT, both with parent links like our tokens. Inputs: the
   ACME responses captured from Pebble (bench/data, *.json), and a ~10 MB
   synthetic document generated here, the same on every run.

       json SECONDS FILE...

   Each measurement parses one input repeatedly for about SECONDS of CPU
   time (the thread's clock, so other load on the machine matters less); a round
   measures the three parsers in an order that rotates from round to round;
   the table gives the median of 5 rounds. Every parser must return the same
   token count for every input, else the run fails. */
#define _POSIX_C_SOURCE 200809L
#include "acme2.h"
#define JSMN_HEADER
#define JSMN_PARENT_LINKS
#include <jsmn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>

int bench_jsmn_default(const char *js, size_t len, void *toks, unsigned n);
int bench_jsmn_strict(const char *js, size_t len, void *toks, unsigned n);

#define ROUNDS 5
#define NPARSERS 3
static const char *parser_names[NPARSERS] = { "acme2", "jsmn", "jsmn-strict" };

static void *toks_acme2, *toks_jsmn;
static int ntoks;

static int run_parser(int which, const char *js, size_t len)
{
    switch (which) {
    case 0: return acme2_json_parse(js, len, (acme2_json_tok *)toks_acme2, ntoks);
    case 1: return bench_jsmn_default(js, len, toks_jsmn, (unsigned)ntoks);
    default: return bench_jsmn_strict(js, len, toks_jsmn, (unsigned)ntoks);
    }
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Seconds per parse, over `iters` parses. */
static double time_parser(int which, const char *js, size_t len, long iters)
{
    long i;
    double t0 = now();
    for (i = 0; i < iters; i++) {
        if (run_parser(which, js, len) != ntoks) {
            fprintf(stderr, "json: %s failed during timing\n", parser_names[which]);
            exit(1);
        }
    }
    return (now() - t0) / (double)iters;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ---- the synthetic document ---- */

static unsigned long lcg_state = 12345;
static unsigned lcg(void)
{
    lcg_state = lcg_state * 1103515245UL + 12345UL;
    return (unsigned)((lcg_state >> 16) & 0x7fff);
}

typedef struct buf { char *p; size_t len, cap; } buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->p = (char *)realloc(b->p, b->cap);
        if (!b->p) { perror("realloc"); exit(1); }
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}
static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }

/* An array of ~target bytes whose elements cycle pseudo-randomly through
   the captured documents and generated records that exercise what ACME
   documents rarely hold: escapes, \u escapes with surrogate pairs,
   multi-byte UTF-8, numbers in every form, deeper nesting. */
static void synthetic(buf *b, char **docs, size_t *lens, int ndocs, size_t target)
{
    char tmp[1024];
    unsigned long i = 0;
    puts_(b, "[\n");
    while (b->len < target) {
        unsigned r = lcg();
        if (i++) puts_(b, ",\n");
        if (ndocs && r % 3 != 0) {
            int k = (int)(lcg() % (unsigned)ndocs);
            put(b, docs[k], lens[k]);
        } else {
            snprintf(tmp, sizeof tmp,
                "{\"id\":%lu,\"serial\":\"%04x%04x%04x\",\"weight\":-%u.%03ue-%u,\"ok\":%s,\"none\":null,"
                "\"detail\":\"Error \\\"%u\\\" at C:\\\\path\\/to\\tfile \\u00e9\\ud83d\\ude00\",\n"
                "\"name\":\"na\xc3\xafve caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 %u\","
                "\"matrix\":[[%u,%u],[%u,[%u,{\"deep\":[true,false]}]]],\"empty\":{},\"list\":[]}",
                i, lcg(), lcg(), lcg(), lcg() % 1000, lcg() % 1000, lcg() % 20, (lcg() & 1) ? "true" : "false",
                lcg(), lcg(), lcg(), lcg(), lcg(), lcg());
            puts_(b, tmp);
        }
    }
    puts_(b, "\n]\n");
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p;
    long n;
    if (!f) { perror(path); exit(1); }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = (char *)malloc((size_t)n + 1);
    if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) { perror(path); exit(1); }
    fclose(f);
    *len = (size_t)n;
    return p;
}

static double geo[NPARSERS];
static int ngeo;

static int bench_one(const char *name, const char *js, size_t len, double seconds)
{
    double res[NPARSERS][ROUNDS], med[NPARSERS];
    long iters;
    int r, k, n;
    n = acme2_json_parse(js, len, NULL, 0);
    if (n <= 0) { fprintf(stderr, "json: %s: acme2_json_parse refuses it (%d)\n", name, n); return -1; }
    free(toks_acme2);
    free(toks_jsmn);
    ntoks = n;
    toks_acme2 = malloc(sizeof(acme2_json_tok) * (size_t)n);
    toks_jsmn = malloc(sizeof(jsmntok_t) * (size_t)n);
    if (!toks_acme2 || !toks_jsmn) { perror("malloc"); exit(1); }
    for (k = 0; k < NPARSERS; k++) {
        int got = run_parser(k, js, len);
        if (got != n) {
            fprintf(stderr, "json: %s: %s gives %d tokens, acme2 %d\n", name, parser_names[k], got, n);
            return -1;
        }
    }
    /* Calibrate on the slowest parser so no measurement runs far over. */
    {
        double worst = 0;
        for (k = 0; k < NPARSERS; k++) {
            long it = 1;
            double t;
            while ((t = time_parser(k, js, len, it) * (double)it) < 0.02) it *= 2;
            t /= (double)it;
            if (t > worst) worst = t;
        }
        iters = (long)(seconds / worst);
        if (iters < 1) iters = 1;
    }
    for (r = 0; r < ROUNDS; r++)
        for (k = 0; k < NPARSERS; k++) {
            int which = (r + k) % NPARSERS;
            res[which][r] = (double)len / time_parser(which, js, len, iters) / 1e6;
        }
    for (k = 0; k < NPARSERS; k++) {
        qsort(res[k], ROUNDS, sizeof(double), cmp_double);
        med[k] = res[k][ROUNDS / 2];
        geo[k] += log(med[k]);
    }
    ngeo++;
    printf("| %-18s | %9zu | %7d | %8.0f | %8.0f | %11.0f | %8.2fx | %8.2fx |\n", name, len, n,
           med[0], med[1], med[2], med[0] / med[1], med[0] / med[2]);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    static char *docs[64];
    static size_t lens[64];
    double seconds;
    int i, ndocs = 0, fails = 0;
    buf syn = { NULL, 0, 0 };
    if (argc < 2) {
        fprintf(stderr, "usage: json SECONDS FILE...\n");
        return 2;
    }
    seconds = atof(argv[1]);
    if (seconds <= 0) seconds = 0.5;
    printf("JSON tokenizer, MB/s (median of %d alternated rounds of ~%.2g s of CPU time; one thread)\n\n", ROUNDS,
           seconds);
    printf("| %-18s | %9s | %7s | %8s | %8s | %11s | %9s | %9s |\n", "input", "bytes", "tokens",
           parser_names[0], parser_names[1], parser_names[2], "vs jsmn", "vs strict");
    printf("|--------------------|-----------|---------|----------|----------|-------------|-----------|-----------|\n");
    for (i = 2; i < argc && ndocs < 64; i++) {
        const char *base = strrchr(argv[i], '/');
        docs[ndocs] = read_file(argv[i], &lens[ndocs]);
        /* Pebble ends its bodies without a newline; keep the text as sent. */
        if (bench_one(base ? base + 1 : argv[i], docs[ndocs], lens[ndocs], seconds) != 0) fails++;
        ndocs++;
    }
    synthetic(&syn, docs, lens, ndocs, 10u * 1000u * 1000u);
    if (bench_one("synthetic (10 MB)", syn.p, syn.len, seconds) != 0) fails++;
    if (ngeo)
        printf("| %-18s | %9s | %7s | %8.0f | %8.0f | %11.0f | %8.2fx | %8.2fx |\n", "geometric mean", "", "",
               exp(geo[0] / ngeo), exp(geo[1] / ngeo), exp(geo[2] / ngeo), exp((geo[0] - geo[1]) / ngeo),
               exp((geo[0] - geo[2]) / ngeo));
    printf("\nacme2/jsmn-strict target: >= 1.00x on every input.\n");
    free(syn.p);
    for (i = 0; i < ndocs; i++) free(docs[i]);
    return fails ? 1 : 0;
}
