/*
 * cplbench: what running at CPL3 instead of CPL0 costs or saves, for
 * bench/cpl.sh.
 *
 *   ukvm cplbench.hvt [--solo5:kernelmode] [loop N | hypercalls N]
 *
 * With no arguments it prints one line and exits 0 (boot time). With
 *  - loop N: N iterations of a 64-bit integer mix (multiply, add, xor-shift,
 *    each iteration depending on the previous one, so the compiler can
 *    neither remove nor vectorise it);
 *  - hypercalls N: N raw WALLTIME hypercalls (hvt_abi.h; not
 *    solo5_clock_wall(), which makes one and then reads the TSC), so each is
 *    a full round trip to the monitor;
 * timed with solo5_clock_monotonic(), printed as one line for the script:
 *   RESULT mode=M cpl=C n=N ns=T ps_per_op=P check=X
 * (cpl: the CS selector's low bits, so the line says where the work ran; on
 * aarch64 el=, the exception level, instead;
 * ps_per_op = T * 1000 / N, integer: the SDK's printf has no floating point),
 * then SUCCESS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvt_abi.h"
#include "solo5.h"

#define USAGE "usage: cplbench [loop N | hypercalls N]"

#if defined(__x86_64__)
#define LEVEL "cpl"
/* The CPL, from the CS selector (readable at any CPL). */
static unsigned current_level(void)
{
    uint16_t cs;

    __asm__ __volatile__("mov %%cs, %0" : "=r"(cs));
    return cs & 3;
}
#else
#define LEVEL "el"
/* aarch64: the exception level (the application runs at EL1, where CurrentEL is readable). */
static unsigned current_level(void)
{
    uint64_t el;

    __asm__ __volatile__("mrs %0, CurrentEL" : "=r"(el));
    return (el >> 2) & 3;
}
#endif

/* Not inlined, so that the loop is timed as compiled here. */
__attribute__((noinline)) static uint64_t mix_loop(uint64_t n)
{
    uint64_t x = 0x243f6a8885a308d3ULL;

    for (uint64_t i = 0; i < n; i++) {
        x = x * 0x9e3779b97f4a7c15ULL + i;
        x ^= x >> 29;
    }
    return x;
}

__attribute__((noinline)) static uint64_t walltime_loop(uint64_t n)
{
    volatile struct hvt_hc_walltime w;
    uint64_t last = 0;

    for (uint64_t i = 0; i < n; i++) {
        w.nsecs = 0;
        hvt_do_hypercall(HVT_HYPERCALL_WALLTIME, &w);
        if (w.nsecs == 0)
            return 0;
        last = w.nsecs;
    }
    return last;
}

static bool parse_count(const char *s, uint64_t *v)
{
    char *end;

    if (s == NULL || *s < '0' || *s > '9')
        return false;
    *v = strtoul(s, &end, 10);
    return (*end == '\0' || *end == ' ') && *v > 0;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *cmd = si->cmdline;
    const char *mode;
    uint64_t n, check, t0, t1;

    while (*cmd == ' ')
        cmd++;
    if (*cmd == '\0') {
        printf("cplbench: boot only, " LEVEL "=%u\n", current_level());
        return SOLO5_EXIT_SUCCESS;
    }
    if (strncmp(cmd, "loop ", 5) == 0) {
        mode = "loop";
        cmd += 5;
    } else if (strncmp(cmd, "hypercalls ", 11) == 0) {
        mode = "hypercalls";
        cmd += 11;
    } else {
        printf("FAILURE: bad arguments '%s'\n" USAGE "\n", si->cmdline);
        return SOLO5_EXIT_FAILURE;
    }
    while (*cmd == ' ')
        cmd++;
    if (!parse_count(cmd, &n)) {
        printf("FAILURE: N must be a positive number, got '%s'\n" USAGE "\n", cmd);
        return SOLO5_EXIT_FAILURE;
    }

    t0 = solo5_clock_monotonic();
    check = mode[0] == 'l' ? mix_loop(n) : walltime_loop(n);
    t1 = solo5_clock_monotonic();
    if (check == 0) {
        printf("FAILURE: %s returned 0\n", mode);
        return SOLO5_EXIT_FAILURE;
    }

    uint64_t ns = t1 - t0;
    printf("RESULT mode=%s " LEVEL "=%u n=%llu ns=%llu ps_per_op=%llu check=%llx\n", mode,
           current_level(), (unsigned long long)n, (unsigned long long)ns,
           (unsigned long long)(ns * 1000 / n), /* ns * 1000 fits: T < 5 h */
           (unsigned long long)check);
    printf("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
