/*
 * spawn: the driver of bench/boot-phases.sh. Runs two commands alternately, ROUNDS times each
 * (round i: A then B when i is even, B then A when odd), and for every run prints one line
 *     LABEL ROUND PID T_SPAWN_NS T_WAITED_NS STATUS
 * with CLOCK_MONOTONIC read just before posix_spawn and just after waitpid returns (the same
 * clock as `perf record -k mono`). The children's stdout is /dev/null (as hyperfine -N); their
 * stderr is the driver's. Lines go to OUTFILE, written at the end (no I/O between runs).
 *
 * usage: spawn ROUNDS PAUSE_MS OUTFILE -- LABEL_A [VAR=VALUE...] CMD_A... -- LABEL_B [VAR=VALUE...] CMD_B...
 * (VAR=VALUE words before a command are added to that command's environment only, as env(1)
 * would, without an extra exec.)
 * build: gcc -O2 -Wall -Wextra -o spawn spawn.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct cmd { const char *label; char **argv; char **envp; };
struct rec { int which, round, pid, status; uint64_t t0, t1; };

static void usage(void)
{
    fprintf(stderr, "usage: spawn ROUNDS PAUSE_MS OUTFILE -- LABEL_A [VAR=VALUE...] CMD_A... -- LABEL_B [VAR=VALUE...] CMD_B...\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 8 || strcmp(argv[4], "--") != 0)
        usage();
    int rounds = atoi(argv[1]);
    int pause_ms = atoi(argv[2]);
    const char *outfile = argv[3];
    if (rounds < 1 || pause_ms < 0)
        usage();
    struct cmd c[2];
    int i = 5, n = 0;
    while (n < 2) {
        if (i + 1 >= argc)
            usage();
        c[n].label = argv[i];
        c[n].argv = &argv[i + 1];
        int j = i + 1;
        while (j < argc && strcmp(argv[j], "--") != 0)
            j++;
        if (j == i + 1)
            usage();
        if (n == 0) {
            if (j >= argc)
                usage();
            argv[j] = NULL;   /* ends A's argv */
        }
        i = j + 1;
        n++;
    }
    size_t nenv = 0;
    while (environ[nenv])
        nenv++;
    for (int k = 0; k < 2; k++) {
        int extra = 0;
        while (c[k].argv[extra] && strchr(c[k].argv[extra], '=') && c[k].argv[extra][0] != '/')
            extra++;
        if (!c[k].argv[extra])
            usage();
        c[k].envp = environ;
        if (extra) {
            char **e = calloc(nenv + (size_t)extra + 1, sizeof(*e));
            if (!e) {
                perror("spawn");
                return 1;
            }
            memcpy(e, c[k].argv, (size_t)extra * sizeof(*e));
            memcpy(e + extra, environ, nenv * sizeof(*e));
            c[k].envp = e;
            c[k].argv += extra;
        }
    }

    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull < 0 || dup2(devnull, STDOUT_FILENO) < 0) {
        perror("spawn: /dev/null");
        return 1;
    }
    struct rec *r = calloc((size_t)rounds * 2, sizeof(*r));
    if (!r) {
        perror("spawn");
        return 1;
    }
    struct timespec pause = { pause_ms / 1000, (long)(pause_ms % 1000) * 1000000L };
    int failed = 0;
    for (int k = 0; k < rounds; k++) {
        for (int s = 0; s < 2; s++) {
            int w = (k % 2 == 0) ? s : 1 - s;
            struct rec *x = &r[2 * k + s];
            pid_t pid;
            x->which = w;
            x->round = k;
            x->t0 = now_ns();
            int e = posix_spawn(&pid, c[w].argv[0], NULL, NULL, c[w].argv, c[w].envp);
            if (e != 0) {
                fprintf(stderr, "spawn: %s: %s\n", c[w].argv[0], strerror(e));
                return 1;
            }
            int st;
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
            x->t1 = now_ns();
            x->pid = (int)pid;
            x->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            if (x->status != 0)
                failed++;
            if (pause_ms > 0)
                nanosleep(&pause, NULL);
        }
    }
    FILE *f = fopen(outfile, "w");
    if (!f) {
        perror(outfile);
        return 1;
    }
    for (int k = 0; k < rounds * 2; k++)
        fprintf(f, "%s %d %d %llu %llu %d\n", c[r[k].which].label, r[k].round, r[k].pid,
                (unsigned long long)r[k].t0, (unsigned long long)r[k].t1, r[k].status);
    fclose(f);
    if (failed)
        fprintf(stderr, "spawn: %d run(s) exited non-zero\n", failed);
    return failed ? 1 : 0;
}
