/* The implementation alone, as a project's acme2.c would hold it: what the
   benchmarks link and what `make size` measures. */
#define ACME2_IMPLEMENTATION
#include "acme2.h"
