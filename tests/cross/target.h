/* Included first (-include) by every Cortex-M4 test build (mk/cross.mk):
   the services of the test runtime, tests/cross/m4_rt.c, under QEMU's
   mps2-an386 with newlib semihosting. acme2.h itself sees a bare-metal
   target (ACME2_HOSTED 0): no time(), poll() or /dev/urandom; the tests
   pass the clock and sleep callbacks, and key generation takes its seed
   from ACME2_ENTROPY below. */
#ifndef ACME2_CROSS_TARGET_H
#define ACME2_CROSS_TARGET_H
#include <stddef.h>

/* Seed bytes read from the host's /dev/urandom through semihosting (what
   a TRNG driver is on a device). 0 on success. */
int t_entropy(void *buf, size_t len);
#define ACME2_ENTROPY(buf, len) t_entropy((buf), (len))

/* Stack painting: t_stack_paint() fills the unused stack below the
   caller's frame with a pattern and returns the stack pointer it started
   from; t_stack_low() is the lowest address written since (the first word
   that lost the pattern), t_stack_limit() the end of the painted area. */
unsigned long t_stack_paint(void);
unsigned long t_stack_low(void);
unsigned long t_stack_limit(void);
unsigned long t_stack_pointer(void);
#define T_STACK_PAINT 1
#endif
