/* == http == */

static int acme2__lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Case-insensitive comparison of n bytes with a lower-case literal. */
static int acme2__ieq(const char *s, size_t n, const char *lit)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!lit[i] || acme2__lower((unsigned char)s[i]) != lit[i]) return 0;
    return lit[n] == 0;
}

static int acme2__is_ows(char c) { return c == ' ' || c == '\t'; }

static void acme2__trim(const char **s, size_t *n)
{
    while (*n && (acme2__is_ows(**s) || **s == '\r' || **s == '\n')) { (*s)++; (*n)--; }
    while (*n && (acme2__is_ows((*s)[*n - 1]) || (*s)[*n - 1] == '\r' || (*s)[*n - 1] == '\n')) (*n)--;
}

static int acme2__fail(acme2_http_response *r, int err)
{
    if (!r->err) r->err = err;
    return r->err;
}

/* URLs go into request lines of the caller's transport: only printable
   ASCII without spaces, so no header injection is possible. */
static int acme2__url_chars_ok(const char *s, size_t n)
{
    size_t i;
    if (n == 0) return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) return 0;
    return 1;
}

static int acme2__copy_value(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap) return 0;
    ACME2_MEMCPY(dst, s, n);
    dst[n] = 0;
    return 1;
}

ACME2_DEF int acme2_response_status(acme2_http_response *r, int status)
{
    if (status < 100 || status > 599) return acme2__fail(r, ACME2_ERR_PROTOCOL);
    r->status = status;
    r->err = 0;
    r->nonce[0] = 0;
    r->location[0] = 0;
    r->content_type[0] = 0;
    r->retry_after = -1;
    r->n_alternates = 0;
    r->links_len = 0;
    r->body_len = 0;
    r->body_total = 0;
    return 0;
}

/* Link: <url>; rel="alternate", <url2>; rel=up  (RFC 8288). Keeps the
   targets of rel="alternate" (rel may list several types). */
static int acme2__link_header(acme2_http_response *r, const char *v, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t us, ue, k;
        int alternate = 0;
        while (i < n && (acme2__is_ows(v[i]) || v[i] == ',')) i++;
        if (i == n) break;
        if (v[i] != '<') return acme2__fail(r, ACME2_ERR_PROTOCOL);
        us = ++i;
        while (i < n && v[i] != '>') i++;
        if (i == n) return acme2__fail(r, ACME2_ERR_PROTOCOL);
        ue = i++;
        /* parameters up to the next comma outside quotes */
        while (i < n && v[i] != ',') {
            size_t ps, pe, vs, ve;
            while (i < n && (acme2__is_ows(v[i]) || v[i] == ';')) i++;
            ps = i;
            while (i < n && v[i] != '=' && v[i] != ';' && v[i] != ',' && !acme2__is_ows(v[i])) i++;
            pe = i;
            while (i < n && acme2__is_ows(v[i])) i++;
            vs = ve = i;
            if (i < n && v[i] == '=') {
                i++;
                while (i < n && acme2__is_ows(v[i])) i++;
                if (i < n && v[i] == '"') {
                    vs = ++i;
                    while (i < n && v[i] != '"') i++;
                    if (i == n) return acme2__fail(r, ACME2_ERR_PROTOCOL);
                    ve = i++;
                } else {
                    vs = i;
                    while (i < n && v[i] != ';' && v[i] != ',' && !acme2__is_ows(v[i])) i++;
                    ve = i;
                }
            } else if (pe == ps && i < n && v[i] != ',' && v[i] != ';') {
                return acme2__fail(r, ACME2_ERR_PROTOCOL);
            }
            if (acme2__ieq(v + ps, pe - ps, "rel")) {
                for (k = vs; k < ve;) { /* space-separated relation types */
                    size_t ts = k;
                    while (k < ve && v[k] != ' ') k++;
                    if (acme2__ieq(v + ts, k - ts, "alternate")) alternate = 1;
                    while (k < ve && v[k] == ' ') k++;
                }
            }
        }
        if (alternate) {
            size_t ul = ue - us;
            if (!acme2__url_chars_ok(v + us, ul) || ul > ACME2_MAX_URL) return acme2__fail(r, ACME2_ERR_PROTOCOL);
            /* Alternates beyond the room are dropped: they are optional extras. */
            if (r->links_len + ul + 1 <= sizeof r->links && r->n_alternates < ACME2_MAX_ALT_CHAINS) {
                ACME2_MEMCPY(r->links + r->links_len, v + us, ul);
                r->links[r->links_len + ul] = 0;
                r->links_len += ul + 1;
                r->n_alternates++;
            }
        }
    }
    return 0;
}

ACME2_DEF int acme2_response_header(acme2_http_response *r, const char *name, size_t name_len,
                                    const char *value, size_t value_len)
{
    size_t i;
    if (r->err) return r->err;
    if (!name || (!value && value_len)) return acme2__fail(r, ACME2_ERR_PARAM);
    acme2__trim(&value, &value_len);
    if (acme2__ieq(name, name_len, "replay-nonce")) {
        if (r->nonce[0] || value_len == 0 || value_len > ACME2_MAX_NONCE) return acme2__fail(r, ACME2_ERR_PROTOCOL);
        for (i = 0; i < value_len; i++)
            if (acme2__b64url_value((unsigned char)value[i]) < 0) return acme2__fail(r, ACME2_ERR_PROTOCOL);
        acme2__copy_value(r->nonce, sizeof r->nonce, value, value_len);
    } else if (acme2__ieq(name, name_len, "location")) {
        if (r->location[0] || !acme2__url_chars_ok(value, value_len) ||
            !acme2__copy_value(r->location, sizeof r->location, value, value_len))
            return acme2__fail(r, ACME2_ERR_PROTOCOL);
    } else if (acme2__ieq(name, name_len, "content-type")) {
        size_t n = 0;
        while (n < value_len && value[n] != ';') n++;
        while (n && acme2__is_ows(value[n - 1])) n--;
        if (n > ACME2_MAX_CONTENT_TYPE) return acme2__fail(r, ACME2_ERR_CONTENT_TYPE);
        for (i = 0; i < n; i++) r->content_type[i] = (char)acme2__lower((unsigned char)value[i]);
        r->content_type[n] = 0;
    } else if (acme2__ieq(name, name_len, "retry-after")) {
        long long now = r->clock ? r->clock(r->clock_user) : 0;
        long long s = acme2_retry_after_parse(value, value_len, now);
        /* A malformed Retry-After is ignored (RFC 9110 lets recipients do so);
           it only ever makes us wait less. */
        if (s >= 0) r->retry_after = s;
    } else if (acme2__ieq(name, name_len, "link")) {
        return acme2__link_header(r, value, value_len);
    }
    return 0;
}

ACME2_DEF int acme2_response_header_line(acme2_http_response *r, const char *line, size_t len)
{
    size_t colon = 0;
    const char *name;
    size_t name_len;
    while (len && (line[len - 1] == '\r' || line[len - 1] == '\n')) len--;
    if (len == 0) return r->err;
    if (len >= 5 && ACME2_MEMCMP(line, "HTTP/", 5) == 0) {
        size_t i = 5;
        int code = 0, digits = 0;
        while (i < len && line[i] != ' ') i++;
        while (i < len && line[i] == ' ') i++;
        while (i < len && line[i] >= '0' && line[i] <= '9' && digits < 4) { code = code * 10 + (line[i] - '0'); i++; digits++; }
        if (digits != 3) return acme2__fail(r, ACME2_ERR_PROTOCOL);
        return acme2_response_status(r, code);
    }
    while (colon < len && line[colon] != ':') colon++;
    if (colon == len || colon == 0) return acme2__fail(r, ACME2_ERR_PROTOCOL);
    name = line;
    name_len = colon;
    while (name_len && acme2__is_ows(name[name_len - 1])) name_len--;
    return acme2_response_header(r, name, name_len, line + colon + 1, len - colon - 1);
}

ACME2_DEF int acme2_response_body(acme2_http_response *r, const void *data, size_t len)
{
    size_t keep;
    if (r->err) return r->err;
    if (len && !data) return acme2__fail(r, ACME2_ERR_PARAM);
    if (r->sink) {
        /* The sink takes everything; the buffer keeps what fits (the leaf
           certificate comes first in a chain). */
        if (r->sink(r->sink_user, data, len) < 0) return acme2__fail(r, ACME2_ERR_CALLBACK);
        keep = r->body_cap - r->body_len;
        if (keep > len) keep = len;
    } else {
        if (len > r->body_cap - r->body_len) return acme2__fail(r, ACME2_ERR_TOO_LARGE);
        keep = len;
    }
    if (keep) ACME2_MEMCPY(r->body + r->body_len, data, keep);
    r->body_len += keep;
    r->body_total += len;
    return 0;
}

/* Reads exactly n decimal digits. */
static int acme2__digits(const char *s, size_t n, unsigned *out)
{
    size_t i;
    unsigned v = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 1;
}

static int acme2__civil_ok(long long y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s)
{
    return mo >= 1 && mo <= 12 && d >= 1 && d <= acme2__days_in_month(y, mo) && h <= 23 && mi <= 59 && s <= 60;
}

ACME2_DEF long long acme2_retry_after_parse(const char *v, size_t n, long long now)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static const char wdays[] = "MonTueWedThuFriSatSun";
    unsigned d, y, h, mi, s, mo;
    long long t;
    size_t i;
    if (!v) return ACME2_ERR_PARAM;
    acme2__trim(&v, &n);
    if (n == 0) return ACME2_ERR_PROTOCOL;
    if (v[0] >= '0' && v[0] <= '9') {
        long long secs = 0;
        for (i = 0; i < n; i++) {
            if (v[i] < '0' || v[i] > '9') return ACME2_ERR_PROTOCOL;
            if (secs > 100000000LL) return ACME2_ERR_PROTOCOL; /* over three years: nonsense */
            secs = secs * 10 + (v[i] - '0');
        }
        return secs;
    }
    /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 bytes). */
    if (n != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' || v[16] != ' ' ||
        v[19] != ':' || v[22] != ':' || v[25] != ' ' || ACME2_MEMCMP(v + 26, "GMT", 3) != 0)
        return ACME2_ERR_PROTOCOL;
    for (i = 0; i < 21; i += 3)
        if (ACME2_MEMCMP(v, wdays + i, 3) == 0) break;
    if (i == 21) return ACME2_ERR_PROTOCOL;
    for (mo = 0; mo < 12; mo++)
        if (ACME2_MEMCMP(v + 8, months + 3 * mo, 3) == 0) break;
    if (mo == 12) return ACME2_ERR_PROTOCOL;
    mo++;
    if (!acme2__digits(v + 5, 2, &d) || !acme2__digits(v + 12, 4, &y) || !acme2__digits(v + 17, 2, &h) ||
        !acme2__digits(v + 20, 2, &mi) || !acme2__digits(v + 23, 2, &s) || !acme2__civil_ok(y, mo, d, h, mi, s))
        return ACME2_ERR_PROTOCOL;
    t = acme2__days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return t > now ? t - now : 0;
}

/* RFC 3339 timestamp as ACME servers write them: "2026-01-02T03:04:05Z",
   optional fraction, "Z" or a numeric offset. */
static int acme2__rfc3339(const char *v, size_t n, long long *out)
{
    unsigned y, mo, d, h, mi, s, oh = 0, om = 0;
    size_t i = 19;
    long long t;
    if (n < 20 || v[4] != '-' || v[7] != '-' || (v[10] != 'T' && v[10] != 't') || v[13] != ':' || v[16] != ':')
        return ACME2_ERR_PROTOCOL;
    if (!acme2__digits(v, 4, &y) || !acme2__digits(v + 5, 2, &mo) || !acme2__digits(v + 8, 2, &d) ||
        !acme2__digits(v + 11, 2, &h) || !acme2__digits(v + 14, 2, &mi) || !acme2__digits(v + 17, 2, &s) ||
        !acme2__civil_ok(y, mo, d, h, mi, s))
        return ACME2_ERR_PROTOCOL;
    if (v[i] == '.') {
        size_t f = ++i;
        while (i < n && v[i] >= '0' && v[i] <= '9') i++;
        if (i == f) return ACME2_ERR_PROTOCOL;
    }
    t = acme2__days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    if (i < n && (v[i] == 'Z' || v[i] == 'z')) {
        i++;
    } else if (i + 6 == n && (v[i] == '+' || v[i] == '-') && v[i + 3] == ':' &&
               acme2__digits(v + i + 1, 2, &oh) && acme2__digits(v + i + 4, 2, &om) && oh <= 23 && om <= 59) {
        long long off = oh * 3600 + om * 60;
        t = v[i] == '+' ? t - off : t + off;
        i += 6;
    } else {
        return ACME2_ERR_PROTOCOL;
    }
    if (i != n) return ACME2_ERR_PROTOCOL;
    *out = t;
    return 0;
}
