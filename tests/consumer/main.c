/* A consumer of the installed or vendored acme2.h: builds a CSR for a
   fresh key and prints its size. Built by tests/consumer.sh through CMake
   add_subdirectory, CMake FetchContent, find_package and pkg-config. */
#include <stdio.h>
#define ACME2_IMPLEMENTATION
#include "acme2.h"

int main(void)
{
    static acme2_key key;
    unsigned char csr[1024];
    acme2_identifier id;
    int n;
    id.type = ACME2_ID_DNS;
    id.value = "consumer.example";
    if (acme2_key_generate(&key, ACME2_KEY_EC, 256, NULL) != 0) return 1;
    n = acme2_csr_der(csr, sizeof csr, &key, &id, 1, 0);
    acme2_key_wipe(&key);
    if (n <= 0) return 1;
    printf("consumer ok: acme2.h %s, CSR of %d bytes\n", ACME2_VERSION_STRING, n);
    return 0;
}
