/* A minimal runtime for the Cortex-M4 tests under QEMU (machine
   mps2-an386): vector table, reset, fault reports, and the few POSIX
   services tests/harness.h uses, over ARM semihosting (newlib's librdimon
   for stdio and files; QEMU runs SYS_SYSTEM commands on the host, which
   gives the tests their openssl cross-checks). The code under test runs on
   the emulated CPU; only the harness's files and shell commands reach the
   host. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char __bss_start__[], __bss_end__[], __stack_top[], __stack_limit[];
extern void initialise_monitor_handles(void);
int main(int argc, char **argv);
void t_reset(void);
void _init(void);
void _fini(void);

#define SEMI_SYSTEM 0x12
#define SEMI_CLOCK 0x10
#define SEMI_TIME 0x11
#define PAINT 0x5aa5c33cUL

static int semihost(int op, void *arg)
{
    register int r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ __volatile__("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

/* Faults end the run with a message (tests/run.sh then sees no RESULT). */
static void t_fault_report(const char *what)
{
    unsigned cfsr = *(volatile unsigned *)0xE000ED28u, bfar = *(volatile unsigned *)0xE000ED38u;
    printf("FAULT %s: CFSR %08x BFAR %08x\n", what, cfsr, bfar);
    fflush(stdout);
    _exit(99);
}
static void t_nmi(void) { t_fault_report("NMI"); }
static void t_hard(void) { t_fault_report("HardFault"); }
static void t_mem(void) { t_fault_report("MemManage"); }
static void t_bus(void) { t_fault_report("BusFault"); }
static void t_usage(void) { t_fault_report("UsageFault"); }
static void t_other(void) { t_fault_report("unexpected exception"); }

__attribute__((section(".vectors"), used)) static void (*const t_vectors[16])(void) = {
    (void (*)(void))(unsigned long)__stack_top, t_reset, t_nmi, t_hard, t_mem, t_bus, t_usage,
    t_other, t_other, t_other, t_other, t_other, t_other, t_other, t_other, t_other,
};

void _init(void) {}
void _fini(void) {}

void t_reset(void)
{
    static char name[] = "m4-test";
    static char *argv[] = { name, NULL };
    memset(__bss_start__, 0, (size_t)(__bss_end__ - __bss_start__));
    initialise_monitor_handles();
    exit(main(1, argv));
}

/* ---- POSIX services for tests/harness.h ---- */

/* The host's wait status, as system() gives it. */
int system(const char *cmd)
{
    void *args[2];
    if (!cmd) return 1;
    args[0] = (void *)cmd;
    args[1] = (void *)strlen(cmd);
    return semihost(SEMI_SYSTEM, args);
}

int mkdir(const char *path, mode_t mode)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p -m %o '%s'", (unsigned)mode, path);
    if (system(cmd) != 0) { errno = EACCES; return -1; }
    return 0;
}

pid_t getpid(void)
{
    static int pid;
    /* Unique enough for the scratch directory name: seconds and
       centiseconds of the host at the first call. */
    if (!pid) pid = (semihost(SEMI_TIME, NULL) % 100000) * 100 + semihost(SEMI_CLOCK, NULL) % 100 + 1;
    return pid;
}

/* popen for reading: the command's output goes to a file first. */
static FILE *t_popen_file;
static int t_popen_status;
static char t_popen_path[64];

FILE *popen(const char *cmd, const char *mode)
{
    static char line[4096 + 128];
    if (t_popen_file || strcmp(mode, "r") != 0) { errno = EINVAL; return NULL; }
    snprintf(t_popen_path, sizeof t_popen_path, "build/tmp/popen.%d.out", (int)getpid());
    if (snprintf(line, sizeof line, "(%s) > %s", cmd, t_popen_path) >= (int)sizeof line) { errno = E2BIG; return NULL; }
    t_popen_status = system(line);
    t_popen_file = fopen(t_popen_path, "rb");
    return t_popen_file;
}

int pclose(FILE *f)
{
    if (!f || f != t_popen_file) { errno = EINVAL; return -1; }
    fclose(f);
    remove(t_popen_path);
    t_popen_file = NULL;
    return t_popen_status;
}

int t_entropy(void *buf, size_t len)
{
    FILE *f = fopen("/dev/urandom", "rb");
    size_t got;
    if (!f) return -1;
    got = fread(buf, 1, len, f);
    fclose(f);
    return got == len ? 0 : -1;
}

/* ---- stack painting ---- */

unsigned long t_stack_pointer(void)
{
    unsigned long sp;
    __asm__ __volatile__("mov %0, sp" : "=r"(sp));
    return sp;
}

unsigned long t_stack_limit(void) { return (unsigned long)__stack_limit; }

/* Paints from the limit up to a little below this function's own frame. */
__attribute__((noinline)) unsigned long t_stack_paint(void)
{
    unsigned long sp = t_stack_pointer();
    volatile unsigned long *p = (volatile unsigned long *)(unsigned long)__stack_limit;
    volatile unsigned long *end = (volatile unsigned long *)((sp - 64) & ~7UL);
    while (p < end) *p++ = PAINT;
    return sp;
}

unsigned long t_stack_low(void)
{
    const volatile unsigned long *p = (const volatile unsigned long *)(unsigned long)__stack_limit;
    const volatile unsigned long *top = (const volatile unsigned long *)(unsigned long)__stack_top;
    while (p < top && *p == PAINT) p++;
    return (unsigned long)p;
}
