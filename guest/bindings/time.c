/*
 * time.c: clocks and solo5_yield().
 *
 * Monotonic time is the CPU's cycle counter (x86_64: TSC, aarch64: CNTVCT_EL0)
 * scaled by cpu_cycle_freq: ns = ticks * mult >> 32
 * with a 128-bit product, so it does not overflow for centuries. Wall time is
 * one WALLTIME hypercall (on first use) plus monotonic time since.
 */
#include "bindings.h"

static uint64_t tsc_base;
static uint64_t tsc_mult; /* ns per tick, 32.32 fixed point */
static uint64_t wall_offset;
static bool wall_known;

void ukvm_time_init(uint64_t cpu_cycle_freq)
{
    if (cpu_cycle_freq == 0)
        ukvm_panic("cpu_cycle_freq is 0\n");
    /* 10^9 << 32 fits in 64 bits (about 4.3e18). */
    tsc_mult = (1000000000ULL << 32) / cpu_cycle_freq;
    tsc_base = ukvm_arch_ticks();
}

solo5_time_t solo5_clock_monotonic(void)
{
    uint64_t ticks = ukvm_arch_ticks() - tsc_base;

    return (uint64_t)(((unsigned __int128)ticks * tsc_mult) >> 32);
}

solo5_time_t solo5_clock_wall(void)
{
    if (!wall_known) {
        volatile struct hvt_hc_walltime w;

        w.nsecs = 0;
        hvt_do_hypercall(HVT_HYPERCALL_WALLTIME, &w);
        wall_offset = w.nsecs - solo5_clock_monotonic();
        wall_known = true;
    }
    return wall_offset + solo5_clock_monotonic();
}

void solo5_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set)
{
    volatile struct hvt_hc_poll p;
    solo5_time_t now = solo5_clock_monotonic();

    /* With the network ring, frames may come without a POLL (net.c). */
    if (ukvm_net_yield(deadline, ready_set))
        return;

    /*
     * POLL once even for a deadline in the past (it reports ready devices);
     * poll again if the monitor woke us before the deadline with nothing
     * ready, so that a sleep is never short.
     */
    solo5_handle_set_t ready;
    for (;;) {
        p.timeout_nsecs = deadline > now ? deadline - now : 0;
        p.ready_set = 0;
        p.ret = 0;
        ukvm_net_prepost();
        hvt_do_hypercall(HVT_HYPERCALL_POLL, &p);
        ready = p.ready_set | ukvm_net_collect(p.ready_set);
        if (ready != 0 || p.ret > 0)
            break;
        now = solo5_clock_monotonic();
        if (now >= deadline)
            break;
    }
    if (ready_set != NULL)
        *ready_set = ready;
}
