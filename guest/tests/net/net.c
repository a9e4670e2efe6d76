/*
 * net: a ping responder on the network device "service". Answers ARP
 * requests for its address and ICMP echo requests to it.
 *
 * Command line: [--ipv4=A.B.C.D[/N]] [--count=N] [--verbose]
 *   --ipv4     its address (default 10.0.0.2/24)
 *   --count    exit with SUCCESS after answering N echo requests (default:
 *              serve forever)
 *   --verbose  one line per packet
 * Also checks the net API's argument checks before serving.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solo5.h"

#define ETH_ARP 0x0806
#define ETH_IPV4 0x0800
#define ARP_LEN 28
#define ICMP_ECHO_REQUEST 8
#define ICMP_ECHO_REPLY 0

static uint8_t frame[65535 + SOLO5_NET_HLEN];
static solo5_handle_t handle;
static struct solo5_net_info info;
static uint8_t my_ip[4] = { 10, 0, 0, 2 };
static uint8_t my_broadcast[4];
static bool verbose;
static unsigned long answered;

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* RFC 1071 one's-complement sum over (len) bytes, as stored (big-endian). */
static uint16_t inet_checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;

    for (; len > 1; p += 2, len -= 2)
        sum += get16(p);
    if (len == 1)
        sum += (uint32_t)p[0] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static bool parse_ipv4(const char *s, uint8_t ip[4], unsigned *prefix)
{
    char *end;

    for (int i = 0; i < 4; i++) {
        unsigned long v = strtoul(s, &end, 10);
        if (end == s || v > 255 || (i < 3 && *end != '.'))
            return false;
        ip[i] = (uint8_t)v;
        s = end + (i < 3);
    }
    *prefix = 24;
    if (*end == '/') {
        unsigned long v = strtoul(end + 1, &end, 10);
        if (v > 32)
            return false;
        *prefix = (unsigned)v;
    }
    return *end == '\0' || *end == ' ';
}

/* ARP request for our address -> reply in place. Returns the reply length. */
static size_t handle_arp(uint8_t *f, size_t len)
{
    uint8_t *a = f + SOLO5_NET_HLEN;

    if (len < SOLO5_NET_HLEN + ARP_LEN || get16(a) != 1 || get16(a + 2) != ETH_IPV4 ||
        a[4] != 6 || a[5] != 4 || get16(a + 6) != 1 || memcmp(a + 24, my_ip, 4) != 0)
        return 0;
    memcpy(f, f + 6, 6);                    /* to the requester */
    memcpy(f + 6, info.mac_address, 6);
    put16(a + 6, 2);                        /* reply */
    memcpy(a + 18, a + 8, 10);              /* target = sender (MAC, IP) */
    memcpy(a + 8, info.mac_address, 6);     /* sender = us */
    memcpy(a + 14, my_ip, 4);
    if (verbose)
        printf("ARP request from %u.%u.%u.%u answered\n", a[18 + 6], a[18 + 7],
               a[18 + 8], a[18 + 9]);
    return SOLO5_NET_HLEN + ARP_LEN;
}

/* ICMP echo request to us -> echo reply in place. Returns the reply length. */
static size_t handle_ipv4(uint8_t *f, size_t len)
{
    uint8_t *ip = f + SOLO5_NET_HLEN;

    if (len < SOLO5_NET_HLEN + 20 || (ip[0] >> 4) != 4)
        return 0;
    size_t ihl = (size_t)(ip[0] & 0xf) * 4;
    size_t total = get16(ip + 2);
    if (ihl < 20 || total < ihl + 8 || SOLO5_NET_HLEN + total > len || ip[9] != 1)
        return 0;
    if (memcmp(ip + 16, my_ip, 4) != 0 && memcmp(ip + 16, my_broadcast, 4) != 0)
        return 0;
    if (inet_checksum(ip, ihl) != 0)
        return 0;
    uint8_t *icmp = ip + ihl;
    size_t icmp_len = total - ihl;
    if (icmp[0] != ICMP_ECHO_REQUEST || icmp[1] != 0 || inet_checksum(icmp, icmp_len) != 0)
        return 0;

    memcpy(f, f + 6, 6);
    memcpy(f + 6, info.mac_address, 6);
    memcpy(ip + 16, ip + 12, 4);            /* to the sender */
    memcpy(ip + 12, my_ip, 4);
    ip[8] = 64;                             /* TTL */
    put16(ip + 10, 0);
    put16(ip + 10, inet_checksum(ip, ihl));
    icmp[0] = ICMP_ECHO_REPLY;
    put16(icmp + 2, 0);
    put16(icmp + 2, inet_checksum(icmp, icmp_len));
    answered++;
    if (verbose)
        printf("echo request %u from %u.%u.%u.%u answered\n", get16(icmp + 6), ip[16],
               ip[17], ip[18], ip[19]);
    return SOLO5_NET_HLEN + total;
}

/* Reads and answers every frame waiting. False on an I/O error. */
static bool drain(void)
{
    static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

    for (;;) {
        size_t len;
        solo5_result_t r = solo5_net_read(handle, frame, info.mtu + SOLO5_NET_HLEN, &len);
        if (r == SOLO5_R_AGAIN)
            return true;
        if (r != SOLO5_R_OK) {
            printf("FAILURE: solo5_net_read: %d\n", (int)r);
            return false;
        }
        if (len < SOLO5_NET_HLEN || (memcmp(frame, info.mac_address, 6) != 0 &&
                                     memcmp(frame, broadcast, 6) != 0))
            continue;
        size_t reply = 0;
        if (get16(frame + 12) == ETH_ARP)
            reply = handle_arp(frame, len);
        else if (get16(frame + 12) == ETH_IPV4)
            reply = handle_ipv4(frame, len);
        if (reply > 0 && solo5_net_write(handle, frame, reply) != SOLO5_R_OK) {
            printf("FAILURE: solo5_net_write failed\n");
            return false;
        }
    }
}

int solo5_app_main(const struct solo5_start_info *si)
{
    unsigned long count = 0;
    unsigned prefix = 24;

    printf("\n**** ukvm guest test: net ****\n\n");
    for (const char *p = si->cmdline; *p;) {
        while (*p == ' ')
            p++;
        if (strncmp(p, "--ipv4=", 7) == 0) {
            if (!parse_ipv4(p + 7, my_ip, &prefix)) {
                printf("FAILURE: bad --ipv4\n");
                return SOLO5_EXIT_FAILURE;
            }
        } else if (strncmp(p, "--count=", 8) == 0) {
            count = strtoul(p + 8, NULL, 10);
        } else if (strncmp(p, "--verbose", 9) == 0) {
            verbose = true;
        } else if (*p) {
            printf("FAILURE: usage: net [--ipv4=A.B.C.D[/N]] [--count=N] [--verbose]\n");
            return SOLO5_EXIT_FAILURE;
        }
        while (*p && *p != ' ')
            p++;
    }
    uint32_t host_mask = prefix >= 32 ? 0 : 0xffffffffu >> prefix;
    for (int i = 0; i < 4; i++)
        my_broadcast[i] = my_ip[i] | (uint8_t)(host_mask >> (24 - 8 * i));

    solo5_handle_t other;
    struct solo5_net_info other_info;
    if (solo5_net_acquire("service", &handle, &info) != SOLO5_R_OK) {
        printf("FAILURE: cannot acquire network device 'service'\n");
        return SOLO5_EXIT_FAILURE;
    }
    if (solo5_net_acquire("service", &other, &other_info) != SOLO5_R_EINVAL ||
        solo5_net_acquire("nonexistent", &other, &other_info) != SOLO5_R_EINVAL ||
        solo5_net_write(handle, frame, info.mtu + SOLO5_NET_HLEN + 1) != SOLO5_R_EINVAL ||
        solo5_net_read(handle, frame, info.mtu, &(size_t){ 0 }) != SOLO5_R_EINVAL ||
        solo5_net_write(handle + 1, frame, 60) != SOLO5_R_EINVAL) {
        printf("FAILURE: bad requests are not refused\n");
        return SOLO5_EXIT_FAILURE;
    }
    const uint8_t *m = info.mac_address;
    printf("Serving ping on %u.%u.%u.%u/%u, MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %zu\n",
           my_ip[0], my_ip[1], my_ip[2], my_ip[3], prefix, m[0], m[1], m[2], m[3], m[4],
           m[5], info.mtu);

    for (;;) {
        solo5_handle_set_t ready = 0;
        solo5_yield(solo5_clock_monotonic() + 1000000000ULL, &ready);
        if ((ready & (1ULL << handle)) && !drain())
            return SOLO5_EXIT_FAILURE;
        if (count > 0 && answered >= count) {
            printf("Answered %lu echo requests\nSUCCESS\n", answered);
            return SOLO5_EXIT_SUCCESS;
        }
    }
}
