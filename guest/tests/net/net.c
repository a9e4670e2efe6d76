/*
 * net: an ARP and ICMP echo ("ping") responder on the network device
 * "service0".
 *
 *   ukvm --net:service0=TAP net.hvt [ADDRESS] [limit[=N]] [verbose]
 *
 * Arguments, separated by spaces, in any order:
 *   ADDRESS    its IPv4 address, as A.B.C.D, A.B.C.D/PREFIX or
 *              --ipv4=A.B.C.D[/PREFIX] (default 10.0.0.2/24; the prefix only
 *              sets which subnet broadcast address it also answers on)
 *   limit      print SUCCESS and exit after answering 100000 echo requests
 *              (limit=N: after N); without it, it serves until killed
 *   verbose    one line per ARP or echo request answered
 *
 * It prints its MAC and address, then loops on solo5_yield() (1 s deadline)
 * and, for every device in the ready set, solo5_net_read() until
 * SOLO5_R_AGAIN (at most BURST frames per device per turn, so that one busy
 * device cannot starve another). It answers:
 *  - ARP requests (Ethernet, IPv4) for its address;
 *  - ICMP echo requests (type 8, code 0) to its address, to its subnet's
 *    broadcast address or to 255.255.255.255, in unfragmented IPv4 packets
 *    whose header and ICMP checksums are right. The reply goes to the sender
 *    from its own address, TTL 64, with both checksums recomputed.
 * Everything else is ignored (counted, and printed with verbose). Any error
 * from solo5_net_read() other than AGAIN, or from solo5_net_write(), prints
 * FAILURE and exits with status 1.
 *
 * net_2if builds this same file with NET_PING_2IF defined: devices
 * "service0" (10.0.0.2/24) and "service1" (10.1.0.2/24), fixed addresses,
 * one loop serving both, limit counting the echo requests of both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solo5.h"

#ifdef NET_PING_2IF
#define TEST_NAME "net_2if"
#define NIFS 2
#define USAGE "usage: net_2if [limit[=N]] [verbose]"
#else
#define TEST_NAME "net"
#define NIFS 1
#define USAGE "usage: net [A.B.C.D[/N] | --ipv4=A.B.C.D[/N]] [limit[=N]] [verbose]"
#endif

#define DEFAULT_LIMIT 100000UL
#define BURST 32
#define NSEC_PER_SEC 1000000000ULL

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ARP_SIZE 28 /* Ethernet/IPv4 ARP packet */
#define IP_MIN_HEADER 20
#define IP_PROTO_ICMP 1
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define ICMP_HEADER 8

struct netif {
    const char *name;
    uint8_t ip[4];
    unsigned prefix;
    uint8_t broadcast[4]; /* the subnet's */
    solo5_handle_t handle;
    struct solo5_net_info info;
    unsigned long arp_answered, echo_answered, ignored;
};

static struct netif netifs[NIFS] = {
    { .name = "service0", .ip = { 10, 0, 0, 2 }, .prefix = 24 },
#ifdef NET_PING_2IF
    { .name = "service1", .ip = { 10, 1, 0, 2 }, .prefix = 24 },
#endif
};

static const uint8_t mac_broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t ip_broadcast[4] = { 255, 255, 255, 255 };

/* One frame: the largest MTU a solo5_net_info can report here, plus header. */
static uint8_t frame[65535 + SOLO5_NET_HLEN];

static bool verbose;
static unsigned long limit; /* 0: serve forever */
static unsigned long echo_total;
static solo5_time_t first_echo, last_echo;

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/*
 * The Internet checksum (RFC 1071) of (len) bytes: the one's complement of
 * the one's-complement sum of the big-endian 16-bit words, an odd last byte
 * padded with zero. Over data that contains its own correct checksum it is 0.
 */
static uint16_t inet_checksum(const uint8_t *p, size_t len)
{
    uint64_t sum = 0;

    for (; len >= 2; p += 2, len -= 2)
        sum += get16(p);
    if (len)
        sum += (uint64_t)p[0] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void ignore(struct netif *nif, const char *why)
{
    nif->ignored++;
    if (verbose)
        printf("[%s] ignored: %s\n", nif->name, why);
}

/* An ARP request for our address becomes our reply, in place; its size or 0. */
static size_t arp_reply(struct netif *nif, uint8_t *f, size_t len)
{
    uint8_t *arp = f + SOLO5_NET_HLEN;

    if (len < SOLO5_NET_HLEN + ARP_SIZE)
        return ignore(nif, "short ARP packet"), 0;
    if (get16(arp) != 1 || get16(arp + 2) != ETHERTYPE_IPV4 || arp[4] != 6 || arp[5] != 4)
        return ignore(nif, "ARP, not Ethernet/IPv4"), 0;
    if (get16(arp + 6) != 1)
        return ignore(nif, "ARP, not a request"), 0;
    if (memcmp(arp + 24, nif->ip, 4) != 0)
        return ignore(nif, "ARP request for another address"), 0;

    /* sha 8..13, spa 14..17, tha 18..23, tpa 24..27 */
    memcpy(arp + 18, arp + 8, 10);          /* the requester becomes the target */
    memcpy(arp + 8, nif->info.mac_address, 6);
    memcpy(arp + 14, nif->ip, 4);
    put16(arp + 6, 2);                      /* reply */
    memcpy(f, arp + 18, 6);                 /* to the requester's hardware address */
    memcpy(f + 6, nif->info.mac_address, 6);
    nif->arp_answered++;
    if (verbose)
        printf("[%s] ARP request from %u.%u.%u.%u answered\n", nif->name, arp[24], arp[25],
               arp[26], arp[27]);
    return SOLO5_NET_HLEN + ARP_SIZE;
}

/* An ICMP echo request to us becomes our reply, in place; its size or 0. */
static size_t echo_reply(struct netif *nif, uint8_t *f, size_t len)
{
    uint8_t *ip = f + SOLO5_NET_HLEN;
    size_t avail = len - SOLO5_NET_HLEN;

    if (avail < IP_MIN_HEADER || ip[0] >> 4 != 4)
        return ignore(nif, "not IPv4"), 0;
    size_t hlen = (size_t)(ip[0] & 0xf) * 4;
    size_t total = get16(ip + 2);
    if (hlen < IP_MIN_HEADER || total < hlen || total > avail)
        return ignore(nif, "IPv4, bad header or total length"), 0;
    if (inet_checksum(ip, hlen) != 0)
        return ignore(nif, "IPv4, bad header checksum"), 0;
    if (ip[9] != IP_PROTO_ICMP)
        return ignore(nif, "IPv4, not ICMP"), 0;
    if ((get16(ip + 6) & 0x3fff) != 0)
        return ignore(nif, "IPv4, a fragment"), 0;
    if (memcmp(ip + 16, nif->ip, 4) != 0 && memcmp(ip + 16, nif->broadcast, 4) != 0 &&
        memcmp(ip + 16, ip_broadcast, 4) != 0)
        return ignore(nif, "IPv4, to another address"), 0;
    /* No reply to a source that is not one host. */
    if (ip[12] == 0 || ip[12] >= 224 || memcmp(ip + 12, nif->broadcast, 4) == 0)
        return ignore(nif, "IPv4, from a non-unicast source"), 0;

    uint8_t *icmp = ip + hlen;
    size_t icmp_len = total - hlen;
    if (icmp_len < ICMP_HEADER || icmp[0] != ICMP_ECHO_REQUEST || icmp[1] != 0)
        return ignore(nif, "ICMP, not an echo request"), 0;
    if (inet_checksum(icmp, icmp_len) != 0)
        return ignore(nif, "ICMP, bad checksum"), 0;

    memcpy(f, f + 6, 6);                    /* back to the sender */
    memcpy(f + 6, nif->info.mac_address, 6);
    memcpy(ip + 16, ip + 12, 4);
    memcpy(ip + 12, nif->ip, 4);            /* from us, even if sent to a broadcast */
    ip[8] = 64;                             /* TTL */
    put16(ip + 10, 0);
    put16(ip + 10, inet_checksum(ip, hlen));
    icmp[0] = ICMP_ECHO_REPLY;
    put16(icmp + 2, 0);
    put16(icmp + 2, inet_checksum(icmp, icmp_len));

    nif->echo_answered++;
    echo_total++;
    last_echo = solo5_clock_monotonic();
    if (echo_total == 1)
        first_echo = last_echo;
    if (verbose)
        printf("[%s] echo request %u from %u.%u.%u.%u answered\n", nif->name, get16(icmp + 6),
               ip[16], ip[17], ip[18], ip[19]);
    /* Any Ethernet padding after the IP packet is left out. */
    return SOLO5_NET_HLEN + total;
}

/* Reads and answers up to BURST frames. False after an I/O error. */
static bool serve(struct netif *nif)
{
    for (int i = 0; i < BURST; i++) {
        size_t len = 0, reply = 0;
        solo5_result_t r = solo5_net_read(nif->handle, frame, nif->info.mtu + SOLO5_NET_HLEN, &len);

        if (r == SOLO5_R_AGAIN)
            return true;
        if (r != SOLO5_R_OK) {
            printf("FAILURE: [%s] solo5_net_read: result %d\n", nif->name, (int)r);
            return false;
        }
        if (len < SOLO5_NET_HLEN || len > nif->info.mtu + SOLO5_NET_HLEN) {
            printf("FAILURE: [%s] solo5_net_read: frame of %zu bytes\n", nif->name, len);
            return false;
        }
        if (memcmp(frame, nif->info.mac_address, 6) != 0 && memcmp(frame, mac_broadcast, 6) != 0) {
            ignore(nif, "Ethernet, to another address");
            continue;
        }
        switch (get16(frame + 12)) {
        case ETHERTYPE_ARP:
            reply = arp_reply(nif, frame, len);
            break;
        case ETHERTYPE_IPV4:
            reply = echo_reply(nif, frame, len);
            break;
        default:
            ignore(nif, "Ethernet, neither ARP nor IPv4");
            break;
        }
        if (reply == 0)
            continue;
        r = solo5_net_write(nif->handle, frame, reply);
        if (r != SOLO5_R_OK) {
            printf("FAILURE: [%s] solo5_net_write of %zu bytes: result %d\n", nif->name, reply,
                   (int)r);
            return false;
        }
        if (limit && echo_total >= limit)
            return true;
    }
    return true;
}

#ifndef NET_PING_2IF
/* A.B.C.D or A.B.C.D/N, up to the end of the word. */
static bool parse_ipv4(const char *s, uint8_t ip[4], unsigned *prefix)
{
    char *end;

    for (int i = 0; i < 4; i++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned long v = strtoul(s, &end, 10);
        if (v > 255 || (i < 3 && *end != '.'))
            return false;
        ip[i] = (uint8_t)v;
        s = end + (i < 3);
    }
    if (*end == '/') {
        s = end + 1;
        if (*s < '0' || *s > '9')
            return false;
        unsigned long v = strtoul(s, &end, 10);
        if (v > 32)
            return false;
        *prefix = (unsigned)v;
    }
    return *end == '\0' || *end == ' ';
}
#endif

static bool word_is(const char *p, const char *w)
{
    size_t n = strlen(w);

    return strncmp(p, w, n) == 0 && (p[n] == '\0' || p[n] == ' ');
}

static bool parse_cmdline(const char *p)
{
    while (*p) {
        if (*p == ' ') {
            p++;
            continue;
        }
        if (word_is(p, "verbose")) {
            verbose = true;
        } else if (word_is(p, "limit")) {
            limit = DEFAULT_LIMIT;
        } else if (strncmp(p, "limit=", 6) == 0) {
            char *end;
            if (p[6] < '0' || p[6] > '9')
                return false;
            limit = strtoul(p + 6, &end, 10);
            if (limit == 0 || (*end != '\0' && *end != ' '))
                return false;
#ifndef NET_PING_2IF
        } else if (strncmp(p, "--ipv4=", 7) == 0) {
            if (!parse_ipv4(p + 7, netifs[0].ip, &netifs[0].prefix))
                return false;
        } else if (*p >= '0' && *p <= '9') {
            if (!parse_ipv4(p, netifs[0].ip, &netifs[0].prefix))
                return false;
#endif
        } else {
            return false;
        }
        while (*p && *p != ' ')
            p++;
    }
    return true;
}

static void print_totals(void)
{
    unsigned long long ms = (last_echo - first_echo) / 1000000ULL;

    for (int i = 0; i < NIFS; i++)
        printf("[%s] answered %lu echo requests and %lu ARP requests, ignored %lu frames\n",
               netifs[i].name, netifs[i].echo_answered, netifs[i].arp_answered,
               netifs[i].ignored);
    if (echo_total > 1 && ms > 0)
        printf("%lu echo requests in %llu ms from the first to the last (%llu per second)\n",
               echo_total, ms, (unsigned long long)echo_total * 1000ULL / ms);
}

int solo5_app_main(const struct solo5_start_info *si)
{
    printf("\n**** ukvm guest test: " TEST_NAME " ****\n\n");

    if (!parse_cmdline(si->cmdline)) {
        printf("FAILURE: bad command line '%s'\n" USAGE "\n", si->cmdline);
        return SOLO5_EXIT_FAILURE;
    }

    solo5_handle_set_t all = 0;
    for (int i = 0; i < NIFS; i++) {
        struct netif *nif = &netifs[i];
        solo5_result_t r = solo5_net_acquire(nif->name, &nif->handle, &nif->info);
        if (r != SOLO5_R_OK) {
            printf("FAILURE: cannot acquire network device '%s' (result %d)\n", nif->name, (int)r);
            return SOLO5_EXIT_FAILURE;
        }
        if (nif->handle >= 64 || nif->info.mtu < 68 || nif->info.mtu > sizeof frame - SOLO5_NET_HLEN) {
            printf("FAILURE: [%s] handle %llu, MTU %zu: unusable\n", nif->name,
                   (unsigned long long)nif->handle, nif->info.mtu);
            return SOLO5_EXIT_FAILURE;
        }
        all |= 1ULL << nif->handle;
        uint32_t host_bits = nif->prefix >= 32 ? 0 : 0xffffffffu >> nif->prefix;
        for (int b = 0; b < 4; b++)
            nif->broadcast[b] = nif->ip[b] | (uint8_t)(host_bits >> (24 - 8 * b));
        const uint8_t *m = nif->info.mac_address;
        printf("[%s] serving ping on %u.%u.%u.%u/%u, MAC %02x:%02x:%02x:%02x:%02x:%02x, "
               "MTU %zu\n",
               nif->name, nif->ip[0], nif->ip[1], nif->ip[2], nif->ip[3], nif->prefix, m[0],
               m[1], m[2], m[3], m[4], m[5], nif->info.mtu);
    }
    if (limit)
        printf("exiting after %lu echo requests\n", limit);

    for (;;) {
        solo5_handle_set_t ready = 0;

        solo5_yield(solo5_clock_monotonic() + NSEC_PER_SEC, &ready);
        if (ready & ~all) {
            printf("FAILURE: solo5_yield: ready set 0x%llx has handles not ours (0x%llx)\n",
                   (unsigned long long)ready, (unsigned long long)all);
            return SOLO5_EXIT_FAILURE;
        }
        for (int i = 0; i < NIFS; i++) {
            if ((ready & (1ULL << netifs[i].handle)) && !serve(&netifs[i]))
                return SOLO5_EXIT_FAILURE;
            if (limit && echo_total >= limit) {
                print_totals();
                printf("SUCCESS\n");
                return SOLO5_EXIT_SUCCESS;
            }
        }
    }
}
