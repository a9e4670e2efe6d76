/*
 * netring: the network ring (hvt_ring.h) from the guest's side, written by
 * hand rather than through the SDK, to see what the monitor does with entries
 * a careless or hostile guest produces. One mode per run:
 *
 *   ukvm --net:service0=TAP netring.hvt MODE
 *
 *   check     prints "ring offered at 0x..." or "ring not offered"; 0
 *   einval    bad NET_READ entries (handles, short buffers, buffers outside
 *             memory, in the text, in the monitor's low area, across the end)
 *             must each get an EINVAL commit with their id; bad NET_WRITEs
 *             are dropped and the ring goes on: SUCCESS, 0
 *   scribble  the guest overwrites the monitor's indices and needs_kick; a
 *             read still gets its commit, and the monitor's indices are its
 *             own again: SUCCESS, 0
 *   kicks     10000 kicks with nothing in the ring: SUCCESS, 0
 *   garbage   ent_tail 5000 entries ahead: the monitor ends the guest (1)
 *   badop     an entry with operation 7: the monitor ends the guest (1)
 *   port      a kick without a ring: the monitor ends the guest (1)
 *
 * It never calls solo5_net_acquire(), so the SDK leaves the ring alone.
 * Prints "netring: survived MODE" and exits 3 if the monitor let through
 * what it must not.
 */
#include <stdio.h>
#include <string.h>

#include "hvt_abi.h"
#include "hvt_ring.h"
#include "solo5.h"

#define HANDLE 1 /* service0 */
#define MAX_FRAME 1514
#define R_OK 0
#define R_AGAIN 1
#define R_EINVAL 2

static const struct hvt_boot_info *bi = (const struct hvt_boot_info *)0x6000;
static struct hvt_ring *r;
static uint32_t tail, chead, next_id = 100;
static uint8_t buf[2048] __attribute__((aligned(64)));
static int failures;

static void submit(void)
{
    hvt_wmb();
    r->ent_tail = ++tail;
    hvt_mb();
    if (r->needs_kick)
        hvt_ring_kick();
}

static uint32_t put(uint32_t op, uint32_t handle, uint64_t data, uint32_t len)
{
    struct hvt_ring_entry *e = &r->entries[tail & HVT_RING_MASK];
    e->operation = op;
    e->handle = handle;
    e->data = data;
    e->len = len;
    e->id = next_id++;
    submit();
    return e->id;
}

/* Waits up to 5 s for the next commit: its ret, or -1 if none came. */
static int commit(uint32_t id, uint32_t *len)
{
    solo5_time_t until = solo5_clock_monotonic() + 5000000000ULL;
    while (r->com_tail == chead) {
        hvt_cpu_relax();
        if (solo5_clock_monotonic() > until)
            return -1;
    }
    hvt_rmb();
    const struct hvt_ring_commit *c = &r->commits[chead & HVT_RING_MASK];
    int ret = c->ret;
    if (c->id != id) {
        printf("FAILURE: commit id %u, want %u\n", (unsigned)c->id, (unsigned)id);
        failures++;
    }
    if (len)
        *len = c->len;
    r->com_head = ++chead;
    return ret;
}

static void expect_read(const char *what, uint32_t handle, uint64_t data, uint32_t len, int want)
{
    uint32_t id = put(HVT_RING_NET_READ, handle, data, len), n = 0;
    int ret = commit(id, &n);
    bool ok = want == R_AGAIN ? (ret == R_AGAIN || ret == R_OK) : ret == want;
    printf("%s: %s (ret %d)\n", what, ok ? "OK" : "WRONG", ret);
    if (!ok)
        failures++;
}

static void wait_for_the_end(const char *mode)
{
    solo5_time_t until = solo5_clock_monotonic() + 5000000000ULL;
    while (solo5_clock_monotonic() < until)
        hvt_cpu_relax();
    printf("netring: survived %s\n", mode);
    solo5_exit(3);
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *mode = si->cmdline;
    bool offered = (uintptr_t)bi->mft != (uintptr_t)bi + HVT_BOOT_INFO_V2_SIZE &&
                   (bi->host_features & HVT_FEATURE_RING_IO) && bi->net_ring != 0;

    if (strcmp(mode, "port") == 0) {
        printf("netring: kick without a ring\n");
        hvt_ring_kick();
        wait_for_the_end(mode);
    }
    if (strcmp(mode, "check") == 0) {
        if (offered)
            printf("ring offered at 0x%lx\n", (unsigned long)bi->net_ring);
        else
            printf("ring not offered\n");
        return 0;
    }
    if (!offered) {
        printf("FAILURE: no ring offered\n");
        return 1;
    }
    r = (struct hvt_ring *)(uintptr_t)bi->net_ring;
    tail = r->ent_tail;
    chead = r->com_head;
    uint64_t mem = bi->mem_size;
    extern char _stext[];

    if (strcmp(mode, "einval") == 0) {
        uint64_t b = (uintptr_t)buf;
        expect_read("read on handle 0", 0, b, MAX_FRAME, R_EINVAL);
        expect_read("read on handle 2 (not in the manifest)", 2, b, MAX_FRAME, R_EINVAL);
        expect_read("read on handle 2^32-1", 0xffffffffu, b, MAX_FRAME, R_EINVAL);
        expect_read("read into mtu+13 bytes", HANDLE, b, MAX_FRAME - 1, R_EINVAL);
        expect_read("read into 0 bytes", HANDLE, b, 0, R_EINVAL);
        expect_read("read outside memory", HANDLE, 0x40000000, MAX_FRAME, R_EINVAL);
        expect_read("read across the end of memory", HANDLE, mem - 100, MAX_FRAME, R_EINVAL);
        expect_read("read at 2^64-100 (wraps)", HANDLE, ~0ULL - 99, MAX_FRAME, R_EINVAL);
        expect_read("read of 2^32-1 bytes", HANDLE, b, 0xffffffffu, R_EINVAL);
        expect_read("read into the text", HANDLE, (uintptr_t)_stext, MAX_FRAME, R_EINVAL);
        expect_read("read into the boot info", HANDLE, 0x6000, MAX_FRAME, R_EINVAL);
        expect_read("read into the ring itself", HANDLE, bi->net_ring, MAX_FRAME, R_EINVAL);
        /* Bad writes are dropped (writes have no commit); the ring goes on. */
        put(HVT_RING_NET_WRITE, HANDLE, b, 13);
        put(HVT_RING_NET_WRITE, HANDLE, b, MAX_FRAME + 1);
        put(HVT_RING_NET_WRITE, HANDLE, 0x40000000, 60);
        put(HVT_RING_NET_WRITE, HANDLE, ~0ULL - 29, 60);
        put(HVT_RING_NET_WRITE, 7, b, 60);
        expect_read("a good read after bad writes", HANDLE, b, MAX_FRAME, R_AGAIN);
        if (r->ent_head != tail) {
            printf("FAILURE: ent_head %u, want %u\n", (unsigned)r->ent_head, (unsigned)tail);
            failures++;
        }
    } else if (strcmp(mode, "scribble") == 0) {
        r->ent_head = 12345;
        r->com_tail = 999;
        r->needs_kick = 7;
        hvt_mb();
        hvt_ring_kick(); /* the monitor's needs_kick is garbage now: kick anyway */
        struct hvt_ring_entry *e = &r->entries[tail & HVT_RING_MASK];
        e->operation = HVT_RING_NET_READ;
        e->handle = HANDLE;
        e->data = (uintptr_t)buf;
        e->len = MAX_FRAME;
        e->id = 77;
        hvt_wmb();
        r->ent_tail = ++tail;
        hvt_mb();
        hvt_ring_kick();
        solo5_time_t until = solo5_clock_monotonic() + 5000000000ULL;
        while (r->com_tail != chead + 1 && solo5_clock_monotonic() < until)
            hvt_cpu_relax();
        hvt_rmb();
        const struct hvt_ring_commit *c = &r->commits[chead & HVT_RING_MASK];
        bool ok = r->com_tail == chead + 1 && c->id == 77 && r->ent_head == tail;
        printf("read after scribbling on the monitor's indices: %s (com_tail %u, id %u, ent_head %u)\n",
               ok ? "OK" : "WRONG", (unsigned)r->com_tail, (unsigned)c->id, (unsigned)r->ent_head);
        if (!ok)
            failures++;
    } else if (strcmp(mode, "kicks") == 0) {
        for (int i = 0; i < 10000; i++)
            hvt_ring_kick();
        expect_read("a read after 10000 kicks", HANDLE, (uintptr_t)buf, MAX_FRAME, R_AGAIN);
    } else if (strcmp(mode, "garbage") == 0) {
        printf("netring: ent_tail 5000 entries ahead\n");
        tail += 5000;
        submit();
        hvt_ring_kick();
        wait_for_the_end(mode);
    } else if (strcmp(mode, "badop") == 0) {
        printf("netring: operation 7\n");
        put(7, HANDLE, (uintptr_t)buf, 60);
        hvt_ring_kick();
        wait_for_the_end(mode);
    } else {
        printf("usage: netring check|einval|scribble|kicks|garbage|badop|port\n");
        return 2;
    }
    if (failures) {
        printf("FAILURE: %d wrong\n", failures);
        return 1;
    }
    printf("SUCCESS\n");
    return 0;
}
