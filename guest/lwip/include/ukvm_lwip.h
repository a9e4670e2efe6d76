/*
 * ukvm_lwip.h: lwIP (raw API, NO_SYS) on a Solo5 network device.
 *
 *   struct netif *nif = ukvm_lwip_init(info->cmdline, "service0");
 *   ... tcp_new(), tcp_bind(), tcp_listen(), callbacks ...
 *   for (;;)
 *       ukvm_lwip_poll(SOLO5_TIME_NEVER);
 *
 * The address comes from the application's command line:
 *   --ipv4=ADDR/PREFIX     the interface's address (default 10.0.0.2/24)
 *   --ipv4-gateway=ADDR    default gateway (default: none)
 * Other words on the command line are left to the application.
 */
#ifndef UKVM_LWIP_H
#define UKVM_LWIP_H

#include "solo5.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

#define SOLO5_TIME_NEVER ((solo5_time_t)-1)

struct ukvm_lwip_config {
    ip4_addr_t addr;
    ip4_addr_t netmask;
    ip4_addr_t gateway;
    unsigned prefix;
};

/*
 * Parses --ipv4= and --ipv4-gateway= out of (cmdline) into (cfg), defaults
 * first. Returns 0, or -1 after printing what is wrong.
 */
int ukvm_lwip_parse_cmdline(const char *cmdline, struct ukvm_lwip_config *cfg);

/*
 * lwip_init() and one Ethernet netif on the Solo5 network device (device),
 * configured with (cfg), set up and default. Returns NULL after printing why
 * if the device cannot be acquired. Call once.
 */
struct netif *ukvm_lwip_start(const char *device, const struct ukvm_lwip_config *cfg);

/* Both of the above; a bad command line or device ends the unikernel (exit 1). */
struct netif *ukvm_lwip_init(const char *cmdline, const char *device);

/*
 * Runs lwIP's due timers, then waits until a frame arrives, the next lwIP
 * timer is due or (deadline) (monotonic ns; SOLO5_TIME_NEVER for none) passes,
 * whichever comes first, and hands every waiting frame to lwIP. Callbacks run
 * from here. Returns the number of frames received.
 */
unsigned ukvm_lwip_poll(solo5_time_t deadline);

/* The netif driver (solo5if.c): netif_add()'s init function; state is a
 * struct solo5if (below). Used by ukvm_lwip_start(). */
struct solo5if {
    solo5_handle_t handle;
    struct solo5_net_info info;
};
err_t solo5if_init(struct netif *netif);
/* Reads and passes to netif->input every frame waiting (at most (max)). */
unsigned solo5if_input(struct netif *netif, unsigned max);

/* timers.c: the driver reports each frame it sends (which keeps the ARP
 * timer ticking for a while: an ARP request may be pending; with nothing sent
 * lately and no TCP connections, lwIP's timers stop until the next frame). */
void ukvm_lwip_traffic(void);

#endif
