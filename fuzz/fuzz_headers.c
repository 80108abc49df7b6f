/* Fuzz target: the response sink a transport pushes into (status, header
   lines, header fields, body) and the Retry-After parser.

   Input: byte 0 chooses the variant (bit 0: a sink takes the body; bits
   1-2: body room 0, 16, 64 or 256 bytes; bit 3: push each line as a
   split name/value field as well; the rest: the clock), then header lines
   up to an empty line, then the body. Every line also goes through
   acme2_retry_after_parse, whose delta-seconds and IMF-fixdate results are
   checked against a calculation written here. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "fuzz_common.h"

#ifndef FUZZ_ENTRY_HEADERS
#define FUZZ_ENTRY_HEADERS LLVMFuzzerTestOneInput
#endif
int FUZZ_ENTRY_HEADERS(const uint8_t *data, size_t size);

static size_t fh_sunk;
static int fh_sink_fail;

static int fh_sink(void *user, const void *data, size_t len)
{
    (void)user;
    FUZZ_ASSERT(data != NULL || len == 0);
    fh_sunk += len;
    return fh_sink_fail ? -1 : 0;
}

static long long fh_clock(void *user) { return *(const long long *)user; }

/* Unix time of a civil date, counted day by day from 1970 (slow and
   obviously right, unlike the library's closed form). */
static long long fh_days(long y, int m, int d)
{
    static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    long long days = 0;
    long yy;
    int mm;
#define FH_LEAP(y) (((y) % 4 == 0 && (y) % 100 != 0) || (y) % 400 == 0)
    if (y >= 1970)
        for (yy = 1970; yy < y; yy++) days += FH_LEAP(yy) ? 366 : 365;
    else
        for (yy = y; yy < 1970; yy++) days -= FH_LEAP(yy) ? 366 : 365;
    for (mm = 1; mm < m; mm++) days += dm[mm - 1] + (mm == 2 && FH_LEAP(y));
#undef FH_LEAP
    return days + d - 1;
}

/* Checks acme2_retry_after_parse on one value. */
static void fh_retry_after(const char *v, size_t n, long long now)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    long long got = acme2_retry_after_parse(v, n, now);
    size_t s = 0, e = n, i;
    FUZZ_ASSERT(got >= 0 || got == ACME2_ERR_PROTOCOL);
    while (s < e && (v[s] == ' ' || v[s] == '\t' || v[s] == '\r' || v[s] == '\n')) s++;
    while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t' || v[e - 1] == '\r' || v[e - 1] == '\n')) e--;
    if (got < 0) return;
    FUZZ_ASSERT(e > s);
    if (v[s] >= '0' && v[s] <= '9') {
        long long want = 0;
        for (i = s; i < e; i++) {
            FUZZ_ASSERT(v[i] >= '0' && v[i] <= '9');
            want = want * 10 + (v[i] - '0');
            FUZZ_ASSERT(want <= 2000000000LL); /* huge values are refused, not wrapped */
        }
        FUZZ_ASSERT(got == want);
    } else {
        /* "Sun, 06 Nov 1994 08:49:37 GMT" */
        const char *d = v + s;
        long y;
        int mo, day, h, mi, sec;
        long long t, want;
        FUZZ_ASSERT(e - s == 29);
        day = (d[5] - '0') * 10 + (d[6] - '0');
        for (mo = 0; mo < 12; mo++)
            if (memcmp(d + 8, months + 3 * mo, 3) == 0) break;
        FUZZ_ASSERT(mo < 12);
        y = (d[12] - '0') * 1000L + (d[13] - '0') * 100L + (d[14] - '0') * 10L + (d[15] - '0');
        h = (d[17] - '0') * 10 + (d[18] - '0');
        mi = (d[20] - '0') * 10 + (d[21] - '0');
        sec = (d[23] - '0') * 10 + (d[24] - '0');
        FUZZ_ASSERT(day >= 1 && day <= 31 && h <= 23 && mi <= 59 && sec <= 60);
        t = fh_days(y, mo + 1, day) * 86400 + h * 3600 + mi * 60 + sec;
        want = t > now ? t - now : 0;
        FUZZ_ASSERT(got == want);
    }
}

int FUZZ_ENTRY_HEADERS(const uint8_t *data, size_t size)
{
    static char body[256 + 16];
    static const size_t rooms[4] = { 0, 16, 64, 256 };
    acme2_http_response r;
    const char *p = (const char *)data;
    size_t i = 1, room;
    unsigned flags;
    long long now;
    int rc, status;
    if (size < 1) return 0;
    flags = data[0];
    /* A clock from far past to far future, so dates fall on both sides. */
    now = ((long long)(flags >> 4) - 4) * 400000000LL;
    room = rooms[(flags >> 1) & 3];
    memset(&r, 0, sizeof r);
    r.retry_after = -1;
    r.body = body;
    r.body_cap = room;
    r.clock = fh_clock;
    r.clock_user = &now;
    fh_sunk = 0;
    fh_sink_fail = 0;
    if (flags & 1) {
        r.sink = fh_sink;
        r.sink_user = NULL;
        fh_sink_fail = (flags & 0x80) && (flags & 0x40);
    }
    memset(body + room, 0x5a, 16);
    status = 100 + (int)((flags * 7u) % 500u);
    FUZZ_ASSERT(acme2_response_status(&r, status) == 0);
    FUZZ_ASSERT(acme2_response_status(&r, 99) == ACME2_ERR_PROTOCOL);
    FUZZ_ASSERT(r.err == ACME2_ERR_PROTOCOL);
    FUZZ_ASSERT(acme2_response_status(&r, 600) == ACME2_ERR_PROTOCOL);
    FUZZ_ASSERT(acme2_response_status(&r, status) == 0 && r.err == 0 && r.status == status);

    /* header lines */
    while (i < size) {
        size_t s = i, e, colon;
        int before = r.err;
        while (i < size && p[i] != '\n') i++;
        e = i;
        if (i < size) i++;
        if (e == s || (e == s + 1 && p[s] == '\r')) break;
        fh_retry_after(p + s, e - s, now);
        rc = acme2_response_header_line(&r, p + s, i - s);
        FUZZ_ASSERT(rc == 0 || fuzz_is_err(rc));
        FUZZ_ASSERT(rc == r.err || rc == 0);
        /* errors are sticky; only a new status line starts over */
        if (before && !(e - s >= 5 && memcmp(p + s, "HTTP/", 5) == 0)) FUZZ_ASSERT(r.err == before);
        fuzz_check_response(&r);
        if (flags & 8) {
            /* the same field through the split entry point, on a copy */
            acme2_http_response r2 = r;
            for (colon = s; colon < e && p[colon] != ':'; colon++) {}
            if (colon < e) {
                rc = acme2_response_header(&r2, p + s, colon - s, p + colon + 1, e - colon - 1);
                FUZZ_ASSERT(rc == 0 || fuzz_is_err(rc));
                fuzz_check_response(&r2);
                fh_retry_after(p + colon + 1, e - colon - 1, now);
            }
        }
    }
    /* the body, in chunks of 1, 2, 3, ... bytes */
    {
        size_t chunk = 1, before_total = r.body_total;
        int err_before = r.err, failed = 0;
        while (i < size) {
            size_t n = size - i < chunk ? size - i : chunk;
            size_t len_before = r.body_len;
            rc = acme2_response_body(&r, p + i, n);
            FUZZ_ASSERT(rc == 0 || fuzz_is_err(rc));
            if (rc == 0) {
                FUZZ_ASSERT(!err_before && !failed);
                FUZZ_ASSERT(r.body_len >= len_before && r.body_len <= r.body_cap);
                FUZZ_ASSERT(memcmp(r.body + len_before, p + i, r.body_len - len_before) == 0);
                if (!r.sink) FUZZ_ASSERT(r.body_len == len_before + n);
            } else {
                FUZZ_ASSERT(r.body_len == len_before);
                if (err_before || failed) FUZZ_ASSERT(rc == r.err); /* sticky */
                else if (!r.sink) FUZZ_ASSERT(rc == ACME2_ERR_TOO_LARGE && len_before + n > room);
                else FUZZ_ASSERT(rc == ACME2_ERR_CALLBACK && fh_sink_fail);
                failed = 1;
            }
            i += n;
            chunk++;
        }
        if (r.sink && !failed && !err_before) FUZZ_ASSERT(fh_sunk == r.body_total - before_total);
    }
    FUZZ_ASSERT(memcmp(body + room, "ZZZZZZZZZZZZZZZZ", 16) == 0);
    fuzz_check_response(&r);
    /* the whole input as one Retry-After value too */
    fh_retry_after(p + 1, size - 1, now);
    return 0;
}

#undef FUZZ_ENTRY_HEADERS
