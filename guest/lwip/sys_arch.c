/*
 * sys_arch.c: what lwIP needs from the platform with NO_SYS=1: a millisecond
 * clock (solo5_clock_monotonic), random numbers, and assertion failures.
 */
#include <stdio.h>

#include "solo5.h"
#include "lwip/sys.h"
#include "arch/cc.h"

u32_t sys_now(void)
{
    return (u32_t)(solo5_clock_monotonic() / 1000000ULL);
}

/* xorshift64*, seeded from the clocks on first use (the monotonic clock has
 * the CPU counter's resolution). Not for cryptography: TCP initial sequence
 * numbers and ephemeral ports. */
uint32_t ukvm_lwip_rand(void)
{
    static uint64_t state;

    if (state == 0) {
        state = solo5_clock_monotonic() ^ (solo5_clock_wall() * 0x9e3779b97f4a7c15ULL);
        if (state == 0)
            state = 0x2545f4914f6cdd1dULL;
    }
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (uint32_t)((state * 0x2545f4914f6cdd1dULL) >> 32);
}

void ukvm_lwip_assert(const char *msg, const char *file, int line)
{
    printf("lwIP assertion \"%s\" failed at %s:%d\n", msg, file, line);
    solo5_abort();
}
