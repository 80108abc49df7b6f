/* Runs a command and writes what it cost to a file, for issuance.sh:

       rusage OUTFILE COMMAND [ARG...]

   OUTFILE gets one line "WALL_S CPU_S MAXRSS_KB STATUS": wall time from
   fork to reaping (CLOCK_MONOTONIC), user+system CPU and peak resident set
   from wait4(), which include the children the command itself waited for
   (hook scripts) but not daemons it left running. The command's stdout
   and stderr are left alone; the exit status is passed on. Bench code. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    struct rusage ru;
    double t0, t1, cpu;
    int status = 0, code;
    pid_t pid;
    FILE *f;
    if (argc < 3) {
        fprintf(stderr, "usage: rusage OUTFILE COMMAND [ARG...]\n");
        return 2;
    }
    t0 = now();
    pid = fork();
    if (pid < 0) { perror("fork"); return 2; }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror(argv[2]);
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) != pid) { perror("wait4"); return 2; }
    t1 = now();
    cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6
        + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    f = fopen(argv[1], "w");
    if (!f) { perror(argv[1]); return 2; }
    fprintf(f, "%.6f %.6f %ld %d\n", t1 - t0, cpu, ru.ru_maxrss, code);
    fclose(f);
    return code;
}
