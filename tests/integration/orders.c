/* orders: lists an account's orders (RFC 8555 section 7.1.2.1) from a real
   ACME server, for tests/integration.sh. The account is the one acme2-cli
   keeps in CONFDIR (private/key.pem, private/account.url).

       orders DIRECTORY_URL CA_FILE CONFDIR

   Looks the account up (onlyReturnExisting) for its "orders" URL, walks
   the list page by page (Link rel="next") with acme2_account_orders, and
   fetches each order listed: one line "ORDER <url> <status>" each, then
   "PAGES <n>" (pages seen, counted by the transport's requests to list
   URLs) and "TOTAL <n>". Exit 0, or 2 with the error on stderr. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#include "transport_bearssl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static acme2_bearssl_transport tb;
static acme2_client client;
static acme2_key key;
static char work[32768];
static char orders_url[ACME2_MAX_URL + 1];
static int pages;

/* Counts the requests for a list page as they go out. */
static int counting_exchange(void *user, const acme2_http_request *req, acme2_http_response *resp)
{
    if (strncmp(req->url, orders_url, strlen(orders_url)) == 0 && orders_url[0]) pages++;
    return acme2_bearssl_exchange(user, req, resp);
}

#define MAX_SEEN 256
static char seen[MAX_SEEN][ACME2_MAX_URL + 1];
static int n_seen;

static int note_order(void *user, const char *url)
{
    (void)user;
    if (n_seen == MAX_SEEN) return 1;
    snprintf(seen[n_seen++], sizeof seen[0], "%s", url);
    return 0;
}

static int read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n;
    if (!f) return -1;
    n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = 0;
    return (int)n;
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "orders: %s: %s\n", what, acme2_strerror(rc));
    return 2;
}

int main(int argc, char **argv)
{
    static char pem[8192], path[4096], url[ACME2_MAX_URL + 2];
    acme2_account_params ap;
    acme2_account acct;
    acme2_order o;
    int rc, i, n;
    if (argc != 4) {
        fprintf(stderr, "usage: orders DIRECTORY_URL CA_FILE CONFDIR\n");
        return 2;
    }
    snprintf(path, sizeof path, "%s/private/key.pem", argv[3]);
    n = read_file(path, pem, sizeof pem);
    if (n <= 0) return fail(path, ACME2_ERR_NOT_FOUND);
    rc = acme2_key_load(&key, pem, (size_t)n);
    acme2_wipe(pem, sizeof pem);
    if (rc) return fail("account key", rc);
    snprintf(path, sizeof path, "%s/private/account.url", argv[3]);
    if (read_file(path, url, sizeof url) <= 0) return fail(path, ACME2_ERR_NOT_FOUND);
    url[strcspn(url, "\r\n")] = 0;
    rc = acme2_bearssl_init(&tb, argv[2], 10000, 30000, NULL, NULL);
    if (rc) return fail("transport", rc);
    rc = acme2_client_init(&client, argv[1], &key, work, sizeof work, counting_exchange, &tb, NULL);
    if (rc) return fail("client", rc);
    memset(&ap, 0, sizeof ap);
    ap.only_existing = 1;
    rc = acme2_account_new(&client, &ap, &acct);
    if (rc) return fail("account lookup", rc);
    if (strcmp(acme2_client_account(&client), url) != 0) {
        fprintf(stderr, "orders: the lookup found %s, account.url says %s\n", acme2_client_account(&client), url);
        return 2;
    }
    if (!acct.orders[0]) {
        fprintf(stderr, "orders: the account object has no orders URL\n");
        return 2;
    }
    snprintf(orders_url, sizeof orders_url, "%s", acct.orders);
    rc = acme2_account_orders(&client, acct.orders, note_order, NULL);
    if (rc) return fail("orders list", rc);
    for (i = 0; i < n_seen; i++) {
        memset(&o, 0, sizeof o);
        rc = acme2_order_get(&client, seen[i], &o);
        if (rc && rc != ACME2_ERR_INVALID) return fail(seen[i], rc);
        printf("ORDER %s %s\n", seen[i], acme2_status_name(o.status));
    }
    printf("PAGES %d\nTOTAL %d\n", pages, n_seen);
    acme2_client_reset(&client);
    acme2_key_wipe(&key);
    acme2_bearssl_free(&tb);
    return 0;
}
