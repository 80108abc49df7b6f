/* jsmn (Debian libjsmn-dev) behind a plain function, compiled once per
   configuration: -DBENCH_JSMN_NAME=bench_jsmn_default, and again with
   -DJSMN_STRICT -DBENCH_JSMN_NAME=bench_jsmn_strict. Both keep parent links,
   as acme2_json_tok does, so the tokens carry the same information. */
#define JSMN_STATIC
#define JSMN_PARENT_LINKS
#include <jsmn.h>

/* Token count or a negative jsmn error; toks == NULL counts. */
int BENCH_JSMN_NAME(const char *js, size_t len, void *toks, unsigned n);
int BENCH_JSMN_NAME(const char *js, size_t len, void *toks, unsigned n)
{
    jsmn_parser p;
    jsmn_init(&p);
    return jsmn_parse(&p, js, len, (jsmntok_t *)toks, n);
}
