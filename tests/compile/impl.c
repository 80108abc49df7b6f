/* The implementation alone, as a project's acme2.c would hold it. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
#ifdef ACME2_STATIC_TEST
/* With ACME2_STATIC everything is private to this file. */
int acme2_static_probe(void);
int acme2_static_probe(void) { return acme2_strerror(ACME2_ERR_NOSPACE)[0] != 0; }
#endif
