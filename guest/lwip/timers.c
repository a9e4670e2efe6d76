/*
 * timers.c: lwIP's timers for the ukvm SDK (LWIP_TIMERS_CUSTOM), tickless when
 * idle.
 *
 * lwIP's own timer code wakes a NO_SYS system at least once a second for the
 * ARP cache, forever. Here:
 *   - the TCP timer (tcp_tmr, every 250 ms) runs while any TCP PCB is active
 *     or in TIME_WAIT, as in lwIP;
 *   - the ARP timer (etharp_tmr, every second) runs while the interface has
 *     sent a frame in the last ARP_IDLE_MS (only sending can leave an ARP
 *     request pending); after that the unikernel sleeps
 *     until a frame arrives (or an application timeout is due), and the ARP
 *     ticks it slept through are run on waking, before the frame is handled,
 *     so cache entries age exactly as with a steady tick. No ARP request can
 *     be pending by then (they give up after 5 ticks), so the catch-up sends
 *     nothing: it only ages and expires entries;
 *   - sys_timeout()/sys_untimeout() keep working for applications (at most
 *     APP_TIMEOUTS at once).
 */
#include "lwip/etharp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "ukvm_lwip.h"

#if !LWIP_TIMERS_CUSTOM
#error "timers.c needs LWIP_TIMERS_CUSTOM (lwipopts.h)"
#endif

#define ARP_IDLE_MS 10000u
#define APP_TIMEOUTS 16

/* a >= b for wrapping millisecond times */
#define TIME_GE(a, b) ((int32_t)((u32_t)(a) - (u32_t)(b)) >= 0)

static bool tcp_ticking;
static u32_t tcp_next;
static u32_t arp_last;      /* time up to which ARP ticks have been run */
static u32_t last_traffic;  /* last frame sent */

static struct {
    bool used;
    u32_t due;
    sys_timeout_handler handler;
    void *arg;
} app[APP_TIMEOUTS];

void ukvm_lwip_traffic(void)
{
    last_traffic = sys_now();
}

void sys_timeouts_init(void)
{
    u32_t now = sys_now();

    arp_last = now;
    last_traffic = now;
    tcp_ticking = false;
}

void sys_timeout(u32_t msecs, sys_timeout_handler handler, void *arg)
{
    for (unsigned i = 0; i < APP_TIMEOUTS; i++) {
        if (!app[i].used) {
            app[i].used = true;
            app[i].due = sys_now() + msecs;
            app[i].handler = handler;
            app[i].arg = arg;
            return;
        }
    }
    LWIP_ASSERT("sys_timeout: more than APP_TIMEOUTS timeouts", 0);
}

void sys_untimeout(sys_timeout_handler handler, void *arg)
{
    for (unsigned i = 0; i < APP_TIMEOUTS; i++) {
        if (app[i].used && app[i].handler == handler && app[i].arg == arg) {
            app[i].used = false;
            return;
        }
    }
}

void sys_restart_timeouts(void)
{
    u32_t now = sys_now();

    arp_last = now;
    tcp_next = now + TCP_TMR_INTERVAL;
}

static bool tcp_busy(void)
{
    return tcp_active_pcbs != NULL || tcp_tw_pcbs != NULL;
}

static bool arp_idle(u32_t now)
{
    return !tcp_busy() && !TIME_GE(last_traffic + ARP_IDLE_MS, now);
}

void sys_check_timeouts(void)
{
    u32_t now = sys_now();

    /* ARP: every whole second since the last tick, including any slept through
     * while idle (at most ARP_MAXAGE + 1: by then every entry has expired). */
    u32_t elapsed = now - arp_last;
    if (elapsed >= ARP_TMR_INTERVAL) {
        u32_t ticks = elapsed / ARP_TMR_INTERVAL;
        arp_last += ticks * ARP_TMR_INTERVAL;
        if (ticks > ARP_MAXAGE + 1)
            ticks = ARP_MAXAGE + 1;
        while (ticks-- > 0)
            etharp_tmr();
    }

    /* TCP: while there are connections. */
    if (tcp_busy()) {
        if (!tcp_ticking) {
            tcp_ticking = true;
            tcp_next = now + TCP_TMR_INTERVAL;
        } else if (TIME_GE(now, tcp_next)) {
            tcp_tmr();
            tcp_next += TCP_TMR_INTERVAL;
            if (TIME_GE(now, tcp_next)) /* fell behind: no burst of catch-up ticks */
                tcp_next = now + TCP_TMR_INTERVAL;
        }
    } else {
        tcp_ticking = false;
    }

    /* Applications' timeouts, each once. */
    for (unsigned i = 0; i < APP_TIMEOUTS; i++) {
        if (app[i].used && TIME_GE(now, app[i].due)) {
            sys_timeout_handler h = app[i].handler;
            void *arg = app[i].arg;
            app[i].used = false;
            h(arg);
        }
    }
}

u32_t sys_timeouts_sleeptime(void)
{
    u32_t now = sys_now();
    u32_t best = SYS_TIMEOUTS_SLEEPTIME_INFINITE;

#define CONSIDER(due)                                                 \
    do {                                                              \
        u32_t d_ = TIME_GE(now, (due)) ? 0 : (u32_t)((due) - now);    \
        if (d_ < best)                                                \
            best = d_;                                                \
    } while (0)
    if (tcp_busy())
        CONSIDER(tcp_ticking ? tcp_next : now + TCP_TMR_INTERVAL);
    if (!arp_idle(now))
        CONSIDER(arp_last + ARP_TMR_INTERVAL);
    for (unsigned i = 0; i < APP_TIMEOUTS; i++)
        if (app[i].used)
            CONSIDER(app[i].due);
#undef CONSIDER
    return best;
}
