/* == json == */

/* Token types. */
enum acme2_json_type {
    ACME2_JSON_OBJECT = 1,
    ACME2_JSON_ARRAY,
    ACME2_JSON_STRING,
    ACME2_JSON_NUMBER,
    ACME2_JSON_TRUE,
    ACME2_JSON_FALSE,
    ACME2_JSON_NULL
};

/* One token. Offsets are into the parsed text. For a string, [start, end)
   is the raw (still escaped) content between the quotes; for any other
   type, the whole value. `size` is the number of members of an object, the
   number of elements of an array, 1 for a string that is an object key, 0
   otherwise. `parent` is the index of the enclosing token (for a value of
   an object member: the key token), -1 for the root. */
typedef struct acme2_json_tok {
    int type;
    int start, end;
    int size;
    int parent;
} acme2_json_tok;

/* Strict RFC 8259 tokenizer. Tokens are written in document order into
   toks[0..max_toks). Returns the token count, or ACME2_ERR_JSON (any syntax
   error: trailing commas, leading zeros, bad escapes, raw control
   characters, invalid UTF-8, lone surrogates in \u escapes, trailing
   garbage other than white space, unbalanced brackets, empty input),
   ACME2_ERR_JSON_DEPTH (nesting beyond ACME2_JSON_MAX_DEPTH; a top-level
   object or array is depth 1) or ACME2_ERR_NOSPACE (more tokens than
   max_toks; only reported for text that is otherwise valid, so a retry with
   more tokens succeeds). Any value may be the root. With toks == NULL it
   validates the whole text and returns the count it would need (max_toks is
   then ignored). Never reads js[len] or beyond; js need not be
   NUL-terminated. Input longer than INT_MAX bytes, js == NULL with len > 0
   and max_toks < 0 are refused with ACME2_ERR_PARAM. Never writes beyond
   toks[max_toks - 1]; after a failure the written tokens are unspecified.
   Time is linear in len; stack use is a few dozen bytes (no recursion). */
ACME2_DEF int acme2_json_parse(const char *js, size_t len, acme2_json_tok *toks, int max_toks);

/* Index of the token after token i and everything nested in it (for
   iterating an array: first element i+1, next acme2_json_next(..); for an
   object key, its value is nested in it, so the result is the next key).
   Returns ntok when i is the last, and also when i is outside [0, ntok),
   so iteration loops end. O(log ntok): containers are skipped by binary
   search on offsets.

   Lookups below (next, get, at) only index toks[0..ntok), whatever the
   tokens hold; they are meant for the tokens of a successful parse. */
ACME2_DEF int acme2_json_next(const acme2_json_tok *toks, int ntok, int i);

/* Index of the value of member `key` of object token obj. Keys are compared
   after unescaping. ACME2_ERR_NOT_FOUND if absent, ACME2_ERR_TYPE if obj is
   not an object, ACME2_ERR_JSON if the key occurs more than once (a server
   that sends duplicates is not trusted to mean either; only duplicates of
   the key asked for are detected). A negative obj is returned unchanged, so
   lookups chain (get(get(doc, "meta"), "website") reports the inner
   NOT_FOUND); obj >= ntok is ACME2_ERR_PARAM. Visits every member:
   O(members * log ntok + bytes of the keys compared). */
ACME2_DEF int acme2_json_get(const char *js, const acme2_json_tok *toks, int ntok, int obj, const char *key);

/* Index of element k (0-based) of array token arr; ACME2_ERR_NOT_FOUND when
   out of range, ACME2_ERR_TYPE if arr is not an array. A negative arr is
   returned unchanged (as for acme2_json_get); arr >= ntok is
   ACME2_ERR_PARAM. O(k * log ntok). */
ACME2_DEF int acme2_json_at(const acme2_json_tok *toks, int ntok, int arr, int k);

/* 1 if string token t, unescaped, equals the NUL-terminated s; 0 otherwise
   (also when t is not a string). */
ACME2_DEF int acme2_json_eq(const char *js, const acme2_json_tok *t, const char *s);

/* Unescapes string token t into out as UTF-8 (every \u escape, surrogate
   pairs joined) and NUL-terminates it. Returns the length; ACME2_ERR_TYPE
   if t is not a string, ACME2_ERR_NOSPACE if it does not fit (out_size
   must be at least the length + 1), ACME2_ERR_JSON if the text holds
   \u0000 (a NUL would cut the C string). With out == NULL returns the
   length it needs, without the NUL. On failure out is untouched. */
ACME2_DEF int acme2_json_str(const char *js, const acme2_json_tok *t, char *out, size_t out_size);

/* Integer value of number token t. ACME2_ERR_TYPE if t is not a number or
   has a fraction or exponent (even "1.0" or "1e2"), ACME2_ERR_RANGE if it
   does not fit a long long. On failure *out is untouched. */
ACME2_DEF int acme2_json_int(const char *js, const acme2_json_tok *t, long long *out);

/* Boolean value of t: ACME2_ERR_TYPE unless true or false. */
ACME2_DEF int acme2_json_bool(const acme2_json_tok *t, int *out);
