/* Recorded ACME exchanges for the benchmarks: written by capture.c while it
   talks to a real Pebble, replayed by stack.c through a transport that
   answers each request with the next recorded response.

   A trace file is a sequence of records:
       > METHOD URL
       < STATUS
       Name: value            (the headers acme2.h keeps, one per line)
       . LENGTH
       BODY                   (LENGTH raw bytes, then one newline)
   Include after acme2.h. Bench code: it may allocate and print. */
#ifndef ACME2_BENCH_TRACE_H
#define ACME2_BENCH_TRACE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each program uses part of this file. */
#define TRACE_FN static __attribute__((unused))

/* Appends one exchange, rebuilt from what the client kept of it. */
TRACE_FN void trace_write(FILE *f, const acme2_http_request *req, const acme2_http_response *resp)
{
    size_t off = 0;
    int i;
    fprintf(f, "> %s %s\n< %d\n", req->method, req->url, resp->status);
    if (resp->nonce[0]) fprintf(f, "Replay-Nonce: %s\n", resp->nonce);
    if (resp->location[0]) fprintf(f, "Location: %s\n", resp->location);
    if (resp->content_type[0]) fprintf(f, "Content-Type: %s\n", resp->content_type);
    if (resp->retry_after >= 0) fprintf(f, "Retry-After: %lld\n", resp->retry_after);
    for (i = 0; i < resp->n_alternates && off < resp->links_len; i++) {
        fprintf(f, "Link: <%s>;rel=\"alternate\"\n", resp->links + off);
        off += strlen(resp->links + off) + 1;
    }
    fprintf(f, ". %zu\n", resp->body_len);
    if (resp->body_len) fwrite(resp->body, 1, resp->body_len, f);
    fputc('\n', f);
}

typedef struct trace {
    char *text;      /* the whole file */
    size_t len;
    size_t pos;      /* next record */
    int exchanges;   /* replayed so far */
    int errors;
} trace;

TRACE_FN int trace_load(trace *t, const char *path)
{
    FILE *f = fopen(path, "rb");
    long n;
    memset(t, 0, sizeof *t);
    if (!f) { perror(path); return -1; }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    t->text = (char *)malloc((size_t)n + 1);
    if (!t->text || fread(t->text, 1, (size_t)n, f) != (size_t)n) { fclose(f); return -1; }
    t->text[n] = 0;
    t->len = (size_t)n;
    fclose(f);
    return 0;
}

/* Reads one line at t->pos (without its newline) into out. */
TRACE_FN int trace_line(trace *t, char *out, size_t cap)
{
    size_t n = 0;
    while (t->pos < t->len && t->text[t->pos] != '\n') {
        if (n + 1 < cap) out[n++] = t->text[t->pos];
        t->pos++;
    }
    out[n] = 0;
    if (t->pos >= t->len) return -1;
    t->pos++;
    return (int)n;
}

/* The transport: checks the method and URL against the record and pushes
   the recorded response. */
TRACE_FN int trace_replay(void *user, const acme2_http_request *req, acme2_http_response *resp)
{
    trace *t = (trace *)user;
    static char line[2048];
    int r;
    if (trace_line(t, line, sizeof line) < 0 || line[0] != '>') {
        fprintf(stderr, "trace: no record left for %s %s\n", req->method, req->url);
        t->errors++;
        return ACME2_ERR_TRANSPORT;
    }
    {
        size_t ml = strlen(req->method);
        if (strncmp(line + 2, req->method, ml) != 0 || strcmp(line + 3 + ml, req->url) != 0) {
            fprintf(stderr, "trace: exchange %d: expected '%s', got %s %s\n", t->exchanges, line + 2, req->method, req->url);
            t->errors++;
            return ACME2_ERR_TRANSPORT;
        }
    }
    if (trace_line(t, line, sizeof line) < 0 || line[0] != '<') { t->errors++; return ACME2_ERR_TRANSPORT; }
    r = acme2_response_status(resp, atoi(line + 2));
    if (r < 0) return r;
    for (;;) {
        if (trace_line(t, line, sizeof line) < 0) { t->errors++; return ACME2_ERR_TRANSPORT; }
        if (line[0] == '.' && line[1] == ' ') {
            size_t n = (size_t)strtoul(line + 2, NULL, 10);
            if (t->pos + n + 1 > t->len) { t->errors++; return ACME2_ERR_TRANSPORT; }
            if (n) {
                r = acme2_response_body(resp, t->text + t->pos, n);
                if (r < 0) return r;
            }
            t->pos += n + 1;
            break;
        }
        r = acme2_response_header_line(resp, line, strlen(line));
        if (r < 0) return r;
    }
    t->exchanges++;
    return 0;
}

/* A deterministic HMAC-DRBG so capture and replay derive the same keys. */
TRACE_FN void bench_drbg(br_hmac_drbg_context *d, const char *seed)
{
    br_hmac_drbg_init(d, &br_sha256_vtable, seed, strlen(seed));
}

#endif
