/* fuzz regression: every committed seed (fuzz/corpus/<target>/) and every
   crash reproducer (fuzz/regress/<target>/) replayed through the fuzz
   targets' own entry points, without libFuzzer, under ASan+UBSan. Each
   target's invariant checks (FUZZ_ASSERT) count as checks here: a
   violation fails the file and the replay goes on; a memory error or UB
   aborts the binary, and the file being replayed is named first. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "harness.h"
#include <dirent.h>

#define FUZZ_REGRESS 1
#define FUZZ_ENTRY_JSON fuzz_json_entry
#include "../fuzz/fuzz_json.c"
#define FUZZ_ENTRY_HEADERS fuzz_headers_entry
#include "../fuzz/fuzz_headers.c"
#define FUZZ_ENTRY_RESPONSES fuzz_responses_entry
#include "../fuzz/fuzz_responses.c"
#define FUZZ_ENTRY_KEYS fuzz_keys_entry
#include "../fuzz/fuzz_keys.c"
#define FUZZ_ENTRY_CERT fuzz_cert_entry
#include "../fuzz/fuzz_cert.c"
#define FUZZ_ENTRY_FLOW fuzz_flow_entry
#include "../fuzz/fuzz_flow.c"

#if defined(__SANITIZE_ADDRESS__)
void __sanitizer_set_death_callback(void (*callback)(void));
#define T_HAVE_DEATH_CALLBACK 1
#endif

static const char *t_current = "";

static void t_name_current(void)
{
    fprintf(stderr, "fuzz regression: crashed while replaying %s\n", t_current);
}

static int t_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

#define T_MAX_FILES 4096
#define T_MAX_INPUT (1 << 20)

/* Replays every regular file of dir (sorted by name) through entry;
   returns how many there were, -1 when dir does not exist. */
static int replay_dir(const char *dir, int (*entry)(const uint8_t *, size_t))
{
    static char *names[T_MAX_FILES];
    static unsigned char *buf;
    static char path[1024];
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0, i;
    if (!d) return -1;
    if (!buf) buf = (unsigned char *)malloc(T_MAX_INPUT);
    while ((e = readdir(d)) != NULL && n < T_MAX_FILES) {
        if (e->d_name[0] == '.') continue;
        names[n] = (char *)malloc(strlen(e->d_name) + 1);
        strcpy(names[n], e->d_name);
        n++;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], t_cmp);
    for (i = 0; i < n; i++) {
        struct stat st;
        long len;
        unsigned char *input;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        free(names[i]);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        len = t_read_file(path, buf, T_MAX_INPUT);
        CHECK_MSG(len >= 0 && len < T_MAX_INPUT, "cannot read %s (or larger than %d bytes)", path, T_MAX_INPUT);
        if (len < 0) continue;
        /* An exact-size copy, as libFuzzer gives it: ASan sees reads past the end. */
        input = (unsigned char *)malloc(len ? (size_t)len : 1);
        memcpy(input, buf, (size_t)len);
        t_current = path;
        fuzz__armed = 1;
        if (setjmp(fuzz__jmp) == 0) {
            int rc = entry(input, (size_t)len);
            CHECK_MSG(rc == 0, "%s: entry returned %d", path, rc);
        } else {
            CHECK_MSG(0, "%s: %s", path, fuzz__why);
        }
        fuzz__armed = 0;
        free(input);
    }
    t_current = "";
    return n;
}

/* Seeds must exist; reproducers may not (none found yet). */
static void replay_target(const char *target, int (*entry)(const uint8_t *, size_t))
{
    char dir[256];
    int seeds, repro;
    snprintf(dir, sizeof dir, "fuzz/corpus/%s", target);
    seeds = replay_dir(dir, entry);
    CHECK_MSG(seeds > 0, "no seeds in %s (run from the repository root)", dir);
    snprintf(dir, sizeof dir, "fuzz/regress/%s", target);
    repro = replay_dir(dir, entry);
    printf("  %-16s %4d seeds, %d reproducers\n", target, seeds, repro < 0 ? 0 : repro);
}

static void json_seeds_and_reproducers_replay_cleanly(void) { replay_target("fuzz_json", fuzz_json_entry); }
static void headers_seeds_and_reproducers_replay_cleanly(void) { replay_target("fuzz_headers", fuzz_headers_entry); }
static void responses_seeds_and_reproducers_replay_cleanly(void) { replay_target("fuzz_responses", fuzz_responses_entry); }
static void keys_seeds_and_reproducers_replay_cleanly(void) { replay_target("fuzz_keys", fuzz_keys_entry); }
static void cert_seeds_and_reproducers_replay_cleanly(void) { replay_target("fuzz_cert", fuzz_cert_entry); }
static void flow_seeds_and_reproducers_replay_cleanly(void) { replay_target("fuzz_flow", fuzz_flow_entry); }

/* The harness reaches success on real server data: the Pebble issuance
   seeds end with a certificate (otherwise the flow target would only ever
   fuzz error paths). */
static void flow_pebble_seeds_reach_a_certificate(void)
{
    DIR *d = opendir("fuzz/corpus/fuzz_flow");
    struct dirent *e;
    int issued = 0, tried = 0;
    REQUIRE(d != NULL);
    while ((e = readdir(d)) != NULL) {
        static unsigned char buf[65536];
        char path[512];
        long len;
        if (strncmp(e->d_name, "pebble-issue-", 13) != 0) continue;
        snprintf(path, sizeof path, "fuzz/corpus/fuzz_flow/%s", e->d_name);
        len = t_read_file(path, buf, sizeof buf);
        if (len <= 0) continue;
        tried++;
        fuzz__armed = 1;
        if (setjmp(fuzz__jmp) == 0) {
            fuzz_flow_entry(buf, (size_t)len);
            if (ff.rc == 0) issued++;
        } else {
            CHECK_MSG(0, "%s: %s", path, fuzz__why);
        }
        fuzz__armed = 0;
    }
    closedir(d);
    CHECK_MSG(tried > 0, "no pebble-issue-* seeds");
    CHECK_MSG(issued == tried, "%d of %d Pebble issuance seeds reached the certificate", issued, tried);
}

int main(void)
{
#ifdef T_HAVE_DEATH_CALLBACK
    __sanitizer_set_death_callback(t_name_current);
#else
    (void)t_name_current;
#endif
    RUN(json_seeds_and_reproducers_replay_cleanly);
    RUN(headers_seeds_and_reproducers_replay_cleanly);
    RUN(responses_seeds_and_reproducers_replay_cleanly);
    RUN(keys_seeds_and_reproducers_replay_cleanly);
    RUN(cert_seeds_and_reproducers_replay_cleanly);
    RUN(flow_seeds_and_reproducers_replay_cleanly);
    RUN(flow_pebble_seeds_reach_a_certificate);
    return t_done("fuzz_regress");
}
