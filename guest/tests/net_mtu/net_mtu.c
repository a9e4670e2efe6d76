/*
 * net_mtu: the size limits of the network device "service0".
 *
 *   ukvm --net:service0=TAP [--net-mac:service0=MAC] net_mtu.hvt [MAC]
 *
 * Checks, in order:
 *  1. solo5_net_info: MTU 1500 and a unicast MAC address (I/G bit clear, not
 *     all zero); with the MAC argument (xx:xx:xx:xx:xx:xx), that it is that
 *     one (for --net-mac);
 *  2. solo5_net_write: a frame of mtu + 14 bytes gives SOLO5_R_OK, and so
 *     does a 60-byte one; mtu + 15 bytes and 65536 bytes give SOLO5_R_EINVAL.
 *     The frames sent are addressed to the device's own MAC with the IEEE
 *     "local experimental" EtherType 0x88b5, so the host drops them; the host
 *     side can count them (with step 6's: 3 frames, 1514 + 60 + 1514 bytes);
 *  3. solo5_net_read: buffers of mtu + 13 bytes and of 0 bytes give
 *     SOLO5_R_EINVAL; a buffer larger than mtu + 14 is accepted (step 4's
 *     first read);
 *  4. with nothing pending, solo5_net_read gives SOLO5_R_AGAIN: it first reads
 *     whatever the host has already sent (IPv6 router solicitations and the
 *     like) until AGAIN, for at most 1000 frames;
 *  5. solo5_yield and solo5_net_read agree: if the ready set (100 ms deadline)
 *     names the device, a read gives SOLO5_R_OK;
 *  6. the monitor itself, with raw NET_WRITE / NET_READ hypercalls
 *     (hvt_abi.h) that bypass the bindings' checks: mtu + 15 bytes written and
 *     an mtu + 13-byte read buffer give SOLO5_R_EINVAL, an mtu + 14-byte
 *     write gives SOLO5_R_OK, and the guest keeps running.
 * Prints SUCCESS; on the first failed check prints FAILURE and exits with 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvt_abi.h"
#include "solo5.h"

#define EXPECTED_MTU 1500
#define ETHERTYPE_LOCAL_EXPERIMENTAL 0x88b5

static uint8_t buf[65536 + SOLO5_NET_HLEN + 1];
static solo5_handle_t h;
static struct solo5_net_info info;

#define FAIL(...)                                                             \
    do {                                                                      \
        printf("FAILURE: line %d: ", __LINE__);                               \
        printf(__VA_ARGS__);                                                  \
        printf("\n");                                                         \
        solo5_exit(SOLO5_EXIT_FAILURE);                                       \
    } while (0)

static const char *result_name(int r)
{
    switch (r) {
    case SOLO5_R_OK:
        return "OK";
    case SOLO5_R_AGAIN:
        return "AGAIN";
    case SOLO5_R_EINVAL:
        return "EINVAL";
    case SOLO5_R_EUNSPEC:
        return "EUNSPEC";
    }
    return "(not a solo5_result_t)";
}

/* A frame of (size) bytes to ourselves, EtherType 0x88b5, counting payload. */
static void make_frame(size_t size)
{
    memcpy(buf, info.mac_address, SOLO5_NET_ALEN);
    memcpy(buf + SOLO5_NET_ALEN, info.mac_address, SOLO5_NET_ALEN);
    buf[12] = ETHERTYPE_LOCAL_EXPERIMENTAL >> 8;
    buf[13] = ETHERTYPE_LOCAL_EXPERIMENTAL & 0xff;
    for (size_t i = SOLO5_NET_HLEN; i < size; i++)
        buf[i] = (uint8_t)i;
}

static void expect_write(size_t size, solo5_result_t want)
{
    make_frame(size < sizeof buf ? size : sizeof buf);
    solo5_result_t r = solo5_net_write(h, buf, size);
    if (r != want)
        FAIL("solo5_net_write of %zu bytes: %s, want %s", size, result_name(r), result_name(want));
    printf("write of %zu bytes: %s\n", size, result_name(r));
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        char *end;
        if (!((s[0] >= '0' && s[0] <= '9') || (s[0] >= 'a' && s[0] <= 'f') ||
              (s[0] >= 'A' && s[0] <= 'F')))
            return false;
        unsigned long v = strtoul(s, &end, 16);
        if (end != s + 2 || v > 255 || *end != (i < 5 ? ':' : '\0'))
            return false;
        mac[i] = (uint8_t)v;
        s = end + 1;
    }
    return true;
}

static int raw_net(bool write, uint64_t handle, void *data, size_t len)
{
    if (write) {
        volatile struct hvt_hc_net_write w;
        w.handle = handle;
        w.data = data;
        w.len = len;
        w.ret = -1;
        hvt_do_hypercall(HVT_HYPERCALL_NET_WRITE, &w);
        return w.ret;
    }
    volatile struct hvt_hc_net_read r;
    r.handle = handle;
    r.data = data;
    r.len = len;
    r.ret = -1;
    hvt_do_hypercall(HVT_HYPERCALL_NET_READ, &r);
    return r.ret;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    printf("\n**** ukvm guest test: net_mtu ****\n\n");

    uint8_t want_mac[6];
    bool check_mac = si->cmdline[0] != '\0';
    if (check_mac && !parse_mac(si->cmdline, want_mac)) {
        printf("FAILURE: bad command line '%s'\nusage: net_mtu [xx:xx:xx:xx:xx:xx]\n", si->cmdline);
        return SOLO5_EXIT_FAILURE;
    }

    /* 1. */
    solo5_result_t r = solo5_net_acquire("service0", &h, &info);
    if (r != SOLO5_R_OK)
        FAIL("solo5_net_acquire(\"service0\"): %s", result_name(r));
    const uint8_t *m = info.mac_address;
    printf("service0: MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %zu\n", m[0], m[1], m[2], m[3],
           m[4], m[5], info.mtu);
    if (info.mtu != EXPECTED_MTU)
        FAIL("MTU %zu, want %d", info.mtu, EXPECTED_MTU);
    if (m[0] & 1)
        FAIL("the MAC address is a multicast address");
    if ((m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0)
        FAIL("the MAC address is all zero");
    if (check_mac && memcmp(m, want_mac, 6) != 0)
        FAIL("the MAC address is not %s", si->cmdline);

    /* 2. */
    size_t max = info.mtu + SOLO5_NET_HLEN;
    expect_write(max, SOLO5_R_OK);
    expect_write(60, SOLO5_R_OK);
    expect_write(max + 1, SOLO5_R_EINVAL);
    expect_write(65536, SOLO5_R_EINVAL);

    /* 3. */
    size_t n = 12345;
    r = solo5_net_read(h, buf, max - 1, &n);
    if (r != SOLO5_R_EINVAL)
        FAIL("solo5_net_read into %zu bytes: %s, want EINVAL", max - 1, result_name(r));
    r = solo5_net_read(h, buf, 0, &n);
    if (r != SOLO5_R_EINVAL)
        FAIL("solo5_net_read into 0 bytes: %s, want EINVAL", result_name(r));
    printf("read into %zu and 0 bytes: EINVAL\n", max - 1);

    /* 4. The larger buffer is step 3's last check. */
    unsigned pending = 0;
    for (;;) {
        n = 0;
        r = solo5_net_read(h, buf, pending == 0 ? max + 100 : max, &n);
        if (r == SOLO5_R_AGAIN)
            break;
        if (r != SOLO5_R_OK)
            FAIL("solo5_net_read: %s", result_name(r));
        if (n < SOLO5_NET_HLEN || n > max)
            FAIL("solo5_net_read: a frame of %zu bytes", n);
        if (++pending >= 1000)
            FAIL("1000 frames read and still no AGAIN");
    }
    printf("read into %zu bytes accepted; %u frames were pending, then AGAIN\n", max + 100,
           pending);

    /* 5. */
    solo5_handle_set_t ready = 0;
    solo5_yield(solo5_clock_monotonic() + 100000000ULL, &ready);
    if (ready & ~(1ULL << h))
        FAIL("ready set 0x%llx names handles that are not ours", (unsigned long long)ready);
    if (ready) {
        r = solo5_net_read(h, buf, max, &n);
        if (r != SOLO5_R_OK)
            FAIL("solo5_yield says service0 is ready but solo5_net_read gives %s",
                 result_name(r));
        printf("yield: ready, and a %zu-byte frame was read\n", n);
    } else {
        printf("yield: nothing arrived in 100 ms\n");
    }

    /* 6. */
    int ret;
    make_frame(max);
    if ((ret = raw_net(true, h, buf, max + 1)) != SOLO5_R_EINVAL)
        FAIL("NET_WRITE hypercall of %zu bytes: ret %d, want EINVAL", max + 1, ret);
    if ((ret = raw_net(false, h, buf, max - 1)) != SOLO5_R_EINVAL)
        FAIL("NET_READ hypercall into %zu bytes: ret %d, want EINVAL", max - 1, ret);
    if ((ret = raw_net(true, h, buf, max)) != SOLO5_R_OK)
        FAIL("NET_WRITE hypercall of %zu bytes: ret %d, want OK", max, ret);
    if ((ret = raw_net(true, 0, buf, max)) != SOLO5_R_EINVAL)
        FAIL("NET_WRITE hypercall on handle 0: ret %d, want EINVAL", ret);
    printf("monitor: NET_WRITE of %zu bytes and NET_READ into %zu bytes refused, "
           "NET_WRITE of %zu bytes taken\n", max + 1, max - 1, max);

    printf("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
