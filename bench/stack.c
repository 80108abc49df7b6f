/* Worst-case stack, measured: a full issuance (new account, order, two
   authorizations, challenges, finalize, polling, download, certificate
   checks) replayed from a trace recorded against Pebble (bench/data, *.trace;
   see capture.c), run on a separate stack painted with a pattern; the
   deepest byte overwritten gives the peak. The replay transport and the
   deploy callback are trivial, so the figure is acme2.h plus the BearSSL
   code it calls (signing, hashing, DER, key checks). The same is measured
   for the bare BearSSL signature alone, to show BearSSL's part.

       stack TRACE es256|rs256

   x86-64 frames differ from Cortex-M4 frames (8-byte pointers and
   registers, other code generation); `make size` also prints the static
   per-function figures for Cortex-M4. */
#define _GNU_SOURCE
#include "acme2.h"
#include "trace.h"
#include <ucontext.h>

#define STACK_SIZE (256 * 1024)
#define PAINT 0xa5

static unsigned char stack_mem[STACK_SIZE] __attribute__((aligned(64)));
static ucontext_t main_ctx, work_ctx;
static void (*work_fn)(void);

static acme2_key account_key, cert_key;
static acme2_client client;
static char work[32768];
static trace tr;
static int result;
static long long fake_now = 1700000000;

static long long clock_fn(void *user) { (void)user; return fake_now; }
static void sleep_fn(void *user, unsigned ms) { (void)user; fake_now += (ms + 999) / 1000; }
static int deploy(void *user, const acme2_challenge_info *ch) { (void)user; (void)ch; return 0; }

static void trampoline(void) { work_fn(); }

/* Runs fn on the painted stack; returns the bytes it used at its deepest. */
static size_t measure(void (*fn)(void))
{
    size_t i;
    memset(stack_mem, PAINT, sizeof stack_mem);
    work_fn = fn;
    getcontext(&work_ctx);
    work_ctx.uc_stack.ss_sp = stack_mem;
    work_ctx.uc_stack.ss_size = sizeof stack_mem;
    work_ctx.uc_link = &main_ctx;
    makecontext(&work_ctx, trampoline, 0);
    swapcontext(&main_ctx, &work_ctx);
    /* The stack grows down: the first overwritten byte from the bottom. */
    for (i = 0; i < sizeof stack_mem && stack_mem[i] == PAINT; i++) {}
    return sizeof stack_mem - i;
}

static void keygen(acme2_key *k, int kind, unsigned bits, const char *seed)
{
    br_hmac_drbg_context d;
    bench_drbg(&d, seed);
    if (acme2_key_generate(k, kind, bits, &d.vtable) != 0) {
        fprintf(stderr, "stack: key generation failed\n");
        exit(1);
    }
}

static void run_issue(void)
{
    acme2_options opt;
    acme2_account acct;
    acme2_account_params ap;
    acme2_issue_params ip;
    acme2_identifier ids[2];
    const char *contacts[1] = { "mailto:bench@example.org" };
    const char *pem;
    size_t pem_len;
    char dir_url[1024];
    const char *sp = strchr(tr.text, ' ');
    const char *nl = strchr(tr.text, '\n');
    /* The directory URL is that of the first record: "> GET URL". */
    sp = sp ? strchr(sp + 1, ' ') : NULL;
    if (!sp || !nl || nl <= sp || (size_t)(nl - sp) >= sizeof dir_url) { result = -1000; return; }
    memcpy(dir_url, sp + 1, (size_t)(nl - sp - 1));
    dir_url[nl - sp - 1] = 0;
    memset(&opt, 0, sizeof opt);
    opt.clock = clock_fn;
    opt.sleep = sleep_fn;
    result = acme2_client_init(&client, dir_url, &account_key, work, sizeof work, trace_replay, &tr, &opt);
    if (result) return;
    memset(&ap, 0, sizeof ap);
    ap.contacts = contacts;
    ap.n_contacts = 1;
    ap.terms_agreed = 1;
    result = acme2_account_new(&client, &ap, &acct);
    if (result) return;
    ids[0].type = ACME2_ID_DNS; ids[0].value = "bench.example.org";
    ids[1].type = ACME2_ID_DNS; ids[1].value = "www.bench.example.org";
    memset(&ip, 0, sizeof ip);
    ip.ids = ids;
    ip.n_ids = 2;
    ip.cert_key = &cert_key;
    ip.deploy = deploy;
    result = acme2_issue(&client, &ip, &pem, &pem_len);
}

static br_skey_decoder_context skey;
static void run_bare_sign(void)
{
    unsigned char hash[32], sig[512];
    memset(hash, 7, sizeof hash);
    if (br_skey_decoder_key_type(&skey) == BR_KEYTYPE_EC)
        result = br_ecdsa_sign_raw_get_default()(br_ec_get_default(), &br_sha256_vtable, hash,
                                                 br_skey_decoder_get_ec(&skey), sig) == 64 ? 0 : -1;
    else
        result = br_rsa_pkcs1_sign_get_default()(BR_HASH_OID_SHA256, hash, 32, br_skey_decoder_get_rsa(&skey), sig) ? 0 : -1;
}

int main(int argc, char **argv)
{
    unsigned char der[4096];
    size_t issue_peak, sign_peak;
    int rsa, dl;
    if (argc != 3) {
        fprintf(stderr, "usage: stack TRACE es256|rs256\n");
        return 2;
    }
    rsa = strcmp(argv[2], "rs256") == 0;
    if (rsa) keygen(&account_key, ACME2_KEY_RSA, 2048, "acme2.h bench: RS256 account key");
    else keygen(&account_key, ACME2_KEY_EC, 256, "acme2.h bench: ES256 account key");
    keygen(&cert_key, ACME2_KEY_EC, 256, "acme2.h bench: certificate key");
    if (trace_load(&tr, argv[1]) != 0) return 1;

    issue_peak = measure(run_issue);
    if (result != 0 || tr.errors || tr.pos != tr.len) {
        fprintf(stderr, "stack: the replayed issuance failed: %s (%d exchanges replayed, %s)\n",
                acme2_strerror(result), tr.exchanges, tr.pos != tr.len ? "trace not used up" : "trace used up");
        return 1;
    }
    dl = acme2_key_save_der(&account_key, der, sizeof der);
    br_skey_decoder_init(&skey);
    br_skey_decoder_push(&skey, der, dl > 0 ? (size_t)dl : 0);
    sign_peak = measure(run_bare_sign);
    if (result != 0) { fprintf(stderr, "stack: bare signature failed\n"); return 1; }
    printf("%s %d %zu %zu\n", argv[2], tr.exchanges, issue_peak, sign_peak);
    acme2_client_reset(&client);
    acme2_key_wipe(&account_key);
    acme2_key_wipe(&cert_key);
    free(tr.text);
    return 0;
}
