/* Declarations only: a file of a project that uses acme2.h without holding
   the implementation, linked against impl.c. */
#include <stdio.h>
#include <string.h>
#include "acme2.h"

int main(void)
{
    char out[16];
    int n = acme2_b64url_encode(out, sizeof out, "hi", 2);
    if (n != 3 || strcmp(out, "aGk") != 0) {
        printf("split build: base64url of \"hi\" gave %d \"%s\"\n", n, out);
        return 1;
    }
    return 0;
}
