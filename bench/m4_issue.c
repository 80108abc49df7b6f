/* The smallest firmware that issues a certificate: acme2_client_init and
   acme2_issue with a transport that does nothing (a real device plugs its
   HTTPS stack in there). Only linked, never run: `make size` measures what
   acme2.h and the BearSSL code it pulls in cost in flash and RAM. The
   clock and sleep callbacks are the two a firmware must supply. */
#include <string.h>
#include "acme2.h"

static acme2_client client;
static acme2_key account_key, cert_key;
static char work[8192];

static int transport(void *user, const acme2_http_request *req, acme2_http_response *resp)
{
    (void)user; (void)req; (void)resp;
    return ACME2_ERR_TRANSPORT;
}

static long long clock_fn(void *user) { (void)user; return 0; }
static void sleep_fn(void *user, unsigned ms) { (void)user; (void)ms; }
static int deploy(void *user, const acme2_challenge_info *ch) { (void)user; (void)ch; return 0; }

int main(void)
{
    acme2_options opt;
    acme2_issue_params p;
    acme2_identifier id;
    const char *pem;
    size_t pem_len;
    memset(&opt, 0, sizeof opt);
    opt.clock = clock_fn;
    opt.sleep = sleep_fn;
    if (acme2_client_init(&client, "https://acme.example/directory", &account_key, work, sizeof work, transport, 0,
                          &opt) != 0)
        return 1;
    id.type = ACME2_ID_DNS;
    id.value = "device.example";
    memset(&p, 0, sizeof p);
    p.ids = &id;
    p.n_ids = 1;
    p.cert_key = &cert_key;
    p.deploy = deploy;
    return acme2_issue(&client, &p, &pem, &pem_len) == 0 ? 0 : 1;
}
