/* http: what the transport pushes into a response — status, headers (kept
   ones only, case-insensitive, bounded), Retry-After in both forms, Link
   alternates, body limits and the sink. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"

static char body[64];

static void fresh(acme2_http_response *r)
{
    memset(r, 0, sizeof *r);
    r->body = body;
    r->body_cap = sizeof body;
    r->retry_after = -1;
}

static int line(acme2_http_response *r, const char *s) { return acme2_response_header_line(r, s, strlen(s)); }

static void retry_after_delta_seconds(void)
{
    CHECK_INT(acme2_retry_after_parse("120", 3, 0), 120);
    CHECK_INT(acme2_retry_after_parse(" 0 ", 3, 0), 0);
    CHECK_INT(acme2_retry_after_parse("-1", 2, 0), ACME2_ERR_PROTOCOL);
    CHECK_INT(acme2_retry_after_parse("12a", 3, 0), ACME2_ERR_PROTOCOL);
    CHECK_INT(acme2_retry_after_parse("", 0, 0), ACME2_ERR_PROTOCOL);
    CHECK_INT(acme2_retry_after_parse("99999999999999999999", 20, 0), ACME2_ERR_PROTOCOL);
}

/* RFC 9110 section 10.2.3's example date; its Unix time, 946684799, is
   what `date -u -d '1999-12-31 23:59:59' +%s` prints. */
static void retry_after_http_date(void)
{
    const char *d = "Fri, 31 Dec 1999 23:59:59 GMT";
    CHECK_INT(acme2_retry_after_parse(d, strlen(d), 946684799LL - 30), 30);
    CHECK_INT(acme2_retry_after_parse(d, strlen(d), 946684799LL + 5), 0); /* in the past: now */
    d = "Sun, 06 Nov 1994 08:49:37 GMT";
    CHECK_INT(acme2_retry_after_parse(d, strlen(d), 784111777LL - 1), 1);
    d = "Thu, 29 Feb 2024 12:00:00 GMT"; /* leap day */
    CHECK_INT(acme2_retry_after_parse(d, strlen(d), 1709208000LL - 10), 10);
}

static void retry_after_rejects_malformed_dates(void)
{
    static const char *bad[] = {
        "Fri, 31 Dec 1999 23:59:59 UTC", "Fri, 32 Dec 1999 23:59:59 GMT", "Fri, 31 Dex 1999 23:59:59 GMT",
        "Fri, 31 Dec 1999 24:00:00 GMT", "Xyz, 31 Dec 1999 23:59:59 GMT", "Fri,31 Dec 1999 23:59:59 GMT",
        "Fri, 29 Feb 2023 12:00:00 GMT", "Friday, 31-Dec-99 23:59:59 GMT",
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(acme2_retry_after_parse(bad[i], strlen(bad[i]), 0) == ACME2_ERR_PROTOCOL, "accepted \"%s\"", bad[i]);
}

static void rfc3339_timestamps(void)
{
    long long t;
    CHECK_INT(acme2__rfc3339("1999-12-31T23:59:59Z", 20, &t), 0);
    CHECK_INT(t, 946684799LL);
    CHECK_INT(acme2__rfc3339("1999-12-31T23:59:59.123456789Z", 30, &t), 0);
    CHECK_INT(t, 946684799LL);
    CHECK_INT(acme2__rfc3339("2000-01-01T01:00:00+01:00", 25, &t), 0);
    CHECK_INT(t, 946684800LL);
    CHECK_INT(acme2__rfc3339("1999-12-31T23:59:59", 19, &t), ACME2_ERR_PROTOCOL);
    CHECK_INT(acme2__rfc3339("1999-13-31T23:59:59Z", 20, &t), ACME2_ERR_PROTOCOL);
    CHECK_INT(acme2__rfc3339("1999-12-31T23:59:59Zjunk", 24, &t), ACME2_ERR_PROTOCOL);
    CHECK_INT(acme2__rfc3339("1999-12-31T23:59:59.Z", 21, &t), ACME2_ERR_PROTOCOL);
}

static void headers_match_case_insensitively(void)
{
    acme2_http_response r;
    fresh(&r);
    CHECK_INT(acme2_response_status(&r, 201), 0);
    CHECK_INT(line(&r, "REPLAY-NONCE: abc_-123\r\n"), 0);
    CHECK_INT(line(&r, "location:  https://ca.test/acct/1 "), 0);
    CHECK_INT(line(&r, "Content-Type: Application/JSON; charset=utf-8"), 0);
    CHECK_INT(line(&r, "X-Other: ignored"), 0);
    CHECK_STR(r.nonce, "abc_-123");
    CHECK_STR(r.location, "https://ca.test/acct/1");
    CHECK_STR(r.content_type, "application/json");
    CHECK_INT(r.status, 201);
}

static void status_lines_are_recognised(void)
{
    acme2_http_response r;
    fresh(&r);
    CHECK_INT(line(&r, "HTTP/1.1 100 Continue"), 0);
    CHECK_INT(line(&r, "Replay-Nonce: first"), 0);
    CHECK_INT(line(&r, "HTTP/2 503"), 0); /* a new status line resets what came before */
    CHECK_INT(r.status, 503);
    CHECK_STR(r.nonce, "");
    fresh(&r);
    CHECK_INT(line(&r, "HTTP/1.1 20 OK"), ACME2_ERR_PROTOCOL);
}

static void bad_kept_headers_fail_the_response(void)
{
    acme2_http_response r;
    char longv[ACME2_MAX_NONCE + 20];
    fresh(&r);
    acme2_response_status(&r, 200);
    CHECK_INT(line(&r, "Replay-Nonce: has space"), ACME2_ERR_PROTOCOL);
    fresh(&r);
    acme2_response_status(&r, 200);
    CHECK_INT(line(&r, "Replay-Nonce: one"), 0);
    CHECK_INT(line(&r, "Replay-Nonce: two"), ACME2_ERR_PROTOCOL); /* duplicated */
    CHECK_INT(acme2_response_body(&r, "x", 1), ACME2_ERR_PROTOCOL); /* sticky */
    fresh(&r);
    acme2_response_status(&r, 200);
    CHECK_INT(acme2_response_header(&r, "Location", 8, "https://a/\r\nX: y", 16), ACME2_ERR_PROTOCOL);
    fresh(&r);
    acme2_response_status(&r, 200);
    memset(longv, 'a', sizeof longv);
    CHECK_INT(acme2_response_header(&r, "Replay-Nonce", 12, longv, sizeof longv), ACME2_ERR_PROTOCOL);
    fresh(&r);
    acme2_response_status(&r, 200);
    CHECK_INT(line(&r, "no colon here"), ACME2_ERR_PROTOCOL);
}

static void retry_after_header_uses_the_clock(void)
{
    acme2_http_response r;
    fresh(&r);
    acme2_response_status(&r, 429);
    CHECK_INT(line(&r, "Retry-After: 7"), 0);
    CHECK_INT(r.retry_after, 7);
    fresh(&r);
    acme2_response_status(&r, 429);
    CHECK_INT(line(&r, "Retry-After: soon"), 0); /* ignored, not fatal */
    CHECK_INT(r.retry_after, -1);
}

static void link_alternates_are_kept(void)
{
    acme2_http_response r;
    fresh(&r);
    acme2_response_status(&r, 200);
    CHECK_INT(line(&r, "Link: <https://ca.test/cert/1/1>;rel=\"alternate\", <https://ca.test/dir>;rel=\"index\""), 0);
    CHECK_INT(line(&r, "link: <https://ca.test/cert/1/2> ; rel=alternate"), 0);
    CHECK_INT(line(&r, "Link: <https://ca.test/issuer>;rel=\"up\";title=\"x, y\""), 0);
    CHECK_INT(r.n_alternates, 2);
    CHECK_STR(r.links, "https://ca.test/cert/1/1");
    CHECK_STR(r.links + strlen(r.links) + 1, "https://ca.test/cert/1/2");
    fresh(&r);
    acme2_response_status(&r, 200);
    CHECK_INT(line(&r, "Link: https://no-brackets;rel=alternate"), ACME2_ERR_PROTOCOL);
    fresh(&r);
    acme2_response_status(&r, 200);
    CHECK_INT(line(&r, "Link: <https://unterminated;rel=alternate"), ACME2_ERR_PROTOCOL);
}

static void body_beyond_room_is_too_large(void)
{
    acme2_http_response r;
    char big[65];
    fresh(&r);
    acme2_response_status(&r, 200);
    memset(big, 'x', sizeof big);
    CHECK_INT(acme2_response_body(&r, big, 64), 0);
    CHECK_INT(acme2_response_body(&r, big, 1), ACME2_ERR_TOO_LARGE);
    CHECK_INT(r.body_len, 64);
}

static size_t sunk;
static int count_sink(void *u, const void *d, size_t n) { (void)u; (void)d; sunk += n; return 0; }

static void sink_takes_everything_buffer_keeps_prefix(void)
{
    acme2_http_response r;
    char big[100];
    fresh(&r);
    r.sink = count_sink;
    sunk = 0;
    acme2_response_status(&r, 200);
    memset(big, 'y', sizeof big);
    big[0] = 'A';
    CHECK_INT(acme2_response_body(&r, big, 100), 0);
    CHECK_INT(acme2_response_body(&r, big, 100), 0);
    CHECK_INT(sunk, 200);
    CHECK_INT(r.body_total, 200);
    CHECK_INT(r.body_len, 64);
    CHECK(body[0] == 'A');
}

int main(void)
{
    RUN(retry_after_delta_seconds);
    RUN(retry_after_http_date);
    RUN(retry_after_rejects_malformed_dates);
    RUN(rfc3339_timestamps);
    RUN(headers_match_case_insensitively);
    RUN(status_lines_are_recognised);
    RUN(bad_kept_headers_fail_the_response);
    RUN(retry_after_header_uses_the_clock);
    RUN(link_alternates_are_kept);
    RUN(body_beyond_room_is_too_large);
    RUN(sink_takes_everything_buffer_keeps_prefix);
    return t_done("http");
}
