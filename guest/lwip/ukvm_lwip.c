/*
 * ukvm_lwip.c: lwIP on a Solo5 unikernel: address configuration from the
 * command line, start-up, and the loop step that drives lwIP's input and
 * timers from solo5_yield().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/init.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "ukvm_lwip.h"

static struct netif the_netif;
static struct solo5if the_if;
static bool started;

/* The value of option (name) ("--ipv4=") in (cmdline) copied to (out), or NULL. */
static const char *option(const char *cmdline, const char *name, char *out, size_t size)
{
    size_t nlen = strlen(name);
    const char *p = cmdline;

    while (*p != '\0') {
        while (*p == ' ')
            p++;
        const char *word = p;
        while (*p != '\0' && *p != ' ')
            p++;
        if ((size_t)(p - word) >= nlen && strncmp(word, name, nlen) == 0) {
            size_t vlen = (size_t)(p - word) - nlen;
            if (vlen >= size)
                vlen = size - 1;
            memcpy(out, word + nlen, vlen);
            out[vlen] = '\0';
            return out;
        }
    }
    return NULL;
}

/* Strict dotted quad: four decimal numbers 0-255, nothing else. */
static bool parse_quad(const char *s, ip4_addr_t *addr)
{
    uint32_t v = 0;

    for (int i = 0; i < 4; i++) {
        char *end;
        if (*s < '0' || *s > '9')
            return false;
        unsigned long n = strtoul(s, &end, 10);
        if (n > 255 || end - s > 3 || (i < 3 && *end != '.') || (i == 3 && *end != '\0'))
            return false;
        v = v << 8 | (uint32_t)n;
        s = end + (i < 3);
    }
    ip4_addr_set_u32(addr, lwip_htonl(v));
    return true;
}

int ukvm_lwip_parse_cmdline(const char *cmdline, struct ukvm_lwip_config *cfg)
{
    char buf[64];

    IP4_ADDR(&cfg->addr, 10, 0, 0, 2);
    cfg->prefix = 24;
    ip4_addr_set_zero(&cfg->gateway);
    if (option(cmdline, "--ipv4=", buf, sizeof buf) != NULL) {
        char *slash = strchr(buf, '/');
        if (slash != NULL) {
            char *end;
            *slash = '\0';
            unsigned long n = strtoul(slash + 1, &end, 10);
            if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || n < 1 || n > 32) {
                printf("lwip: --ipv4=%s/%s: the prefix must be 1-32\n", buf, slash + 1);
                return -1;
            }
            cfg->prefix = (unsigned)n;
        }
        if (!parse_quad(buf, &cfg->addr)) {
            printf("lwip: --ipv4=%s: expected ADDR/PREFIX, e.g. 10.0.0.2/24\n", buf);
            return -1;
        }
    }
    if (option(cmdline, "--ipv4-gateway=", buf, sizeof buf) != NULL && !parse_quad(buf, &cfg->gateway)) {
        printf("lwip: --ipv4-gateway=%s: expected an address, e.g. 10.0.0.1\n", buf);
        return -1;
    }
    uint32_t mask = cfg->prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> cfg->prefix);
    ip4_addr_set_u32(&cfg->netmask, lwip_htonl(mask));
    return 0;
}

struct netif *ukvm_lwip_start(const char *device, const struct ukvm_lwip_config *cfg)
{
    if (started) {
        printf("lwip: ukvm_lwip_start() called twice\n");
        return NULL;
    }
    solo5_result_t r = solo5_net_acquire(device, &the_if.handle, &the_if.info);
    if (r != SOLO5_R_OK) {
        printf("lwip: cannot acquire network device '%s' (%d)\n", device, (int)r);
        return NULL;
    }
    lwip_init();
    if (netif_add(&the_netif, &cfg->addr, &cfg->netmask, &cfg->gateway, &the_if,
                  solo5if_init, ethernet_input) == NULL) {
        printf("lwip: netif_add failed\n");
        return NULL;
    }
    netif_set_default(&the_netif);
    netif_set_link_up(&the_netif);
    netif_set_up(&the_netif);
    started = true;
    return &the_netif;
}

struct netif *ukvm_lwip_init(const char *cmdline, const char *device)
{
    struct ukvm_lwip_config cfg;

    if (ukvm_lwip_parse_cmdline(cmdline, &cfg) != 0)
        solo5_exit(SOLO5_EXIT_FAILURE);
    struct netif *nif = ukvm_lwip_start(device, &cfg);
    if (nif == NULL)
        solo5_exit(SOLO5_EXIT_FAILURE);
    return nif;
}

unsigned ukvm_lwip_poll(solo5_time_t deadline)
{
    sys_check_timeouts();

    solo5_time_t now = solo5_clock_monotonic();
    solo5_time_t until = deadline;
    u32_t sleep_ms = sys_timeouts_sleeptime();
    if (sleep_ms != SYS_TIMEOUTS_SLEEPTIME_INFINITE) {
        /* +1 ms: sys_now() has millisecond resolution, so wake when the
         * timer is surely due rather than just before it. */
        solo5_time_t t = now + ((solo5_time_t)sleep_ms + 1) * 1000000ULL;
        if (t < until)
            until = t;
    }
    solo5_handle_set_t ready = 0;
    solo5_yield(until, &ready);

    /* Timers first: after an idle sleep this runs the ARP ticks slept through
     * (timers.c), so that the frames see the cache as a steady tick leaves it. */
    sys_check_timeouts();
    unsigned n = 0;
    if (started && (ready & (1ULL << the_if.handle)) != 0)
        n = solo5if_input(&the_netif, 256);
    return n;
}
