/*
 * net.c: network devices over the NET_READ / NET_WRITE hypercalls, or over
 * Solo5's shared ring (hvt_ring.h) when the monitor offers one.
 *
 * With the ring, a write copies the frame into one of RING_BUFS buffers and
 * returns at once (the monitor's I/O thread sends it); a read puts an entry in
 * the ring and waits, spinning, for its commit. Neither leaves the guest while
 * the I/O thread is up. A read after a quiet spell, or one that finds the
 * thread asleep, goes by hypercall (see KICK_GRACE_NS); otherwise a kick wakes
 * the thread (an eventfd write inside KVM, not an exit to the monitor). Frames the ring cannot
 * carry (shorter than an Ethernet header, larger than a buffer) go by
 * hypercall, so the results are the same either way.
 *
 * A wait on the ring (for a commit, or for a free buffer) spins as long as the
 * I/O thread makes progress (ent_head moves); after RING_SPIN_NS without any,
 * it exits to the monitor with a zero-timeout POLL, again and again: ukvm
 * consumes the ring itself when the guest exits to POLL, so a guest never
 * waits long for an I/O thread that another process keeps off the CPU.
 * (Under a monitor that does not, the exits only slow the spin down.)
 */
#include <string.h>

#include "bindings.h"
#include "hvt_ring.h"

/*
 * Write buffers: at most RING_BUFS writes wait in the ring (reads never wait
 * there: each one is done before the call returns), in the buffers before
 * ring_cursor, which starts over at 0 whenever the ring is empty: a guest that
 * sends little touches few of them. Enough for a TCP window of full frames;
 * 192 KiB of .bss.
 */
#define RING_BUFS 128
#define RING_BUF_SIZE 1536

static struct hvt_ring *ring;
static uint32_t ring_tail;  /* our ent_tail */
static uint32_t ring_chead; /* our com_head */
static uint32_t ring_id;
static uint32_t ring_cursor;
static uint8_t ring_bufs[RING_BUFS][RING_BUF_SIZE] __attribute__((aligned(64)));

_Static_assert(RING_BUFS < HVT_RING_SLOTS, "a read entry must always fit");

/*
 * About what the exit it may save costs under PVM from CPL3 (60-90 us): wait
 * that long for progress, then pay for the exit (ski rental: never more than
 * twice the better choice).
 */
#define RING_SPIN_NS 60000

/*
 * A kick is an exit (under PVM, from CPL3, as costly as a hypercall), and the
 * I/O thread it wakes still has to be scheduled before the commit comes. So a
 * read goes by hypercall (one exit, done at once) when no frame has come for
 * HOT_NS (the thread has surely gone to sleep; ukvm wakes it when POLL returns
 * with input and on the hypercall, for what follows), or when the ring is
 * empty and the thread says it sleeps, still KICK_GRACE_NS later. Writes go
 * through the ring, kicking after the same grace if the thread sleeps: nothing
 * waits for them.
 */
#define KICK_GRACE_NS 10000

/*
 * solo5_yield() with the ring: while frames have been arriving (one in the
 * last HOT_NS), first look for more through the ring, and sleep in POLL (an
 * exit) only if none comes. A frame found that way waits in its device's
 * stash for the next solo5_net_read(). For up to YIELD_SPIN_NS, and only while
 * the I/O thread is up: a read would otherwise cost a kick.
 */
#define HOT_NS 2000000
#define YIELD_SPIN_NS 300000
#define MAX_POLLED 8
#define STASH_SIZE RING_BUF_SIZE

static unsigned npolled;
static solo5_handle_t polled[MAX_POLLED];
static size_t stash_len[MAX_POLLED]; /* 0: empty */
static uint8_t stash[MAX_POLLED][STASH_SIZE] __attribute__((aligned(64)));
static solo5_time_t hot_until;

struct ring_wait {
    bool timing;
    uint32_t head; /* ent_head when the clock started */
    solo5_time_t since;
};

/* One turn of a wait loop: see the top of this file. */
static void ring_stall(struct ring_wait *w)
{
    hvt_cpu_relax();
    solo5_time_t now = solo5_clock_monotonic();
    uint32_t head = ring->ent_head;
    if (!w->timing || head != w->head) {
        w->timing = true;
        w->head = head;
        w->since = now;
    } else if (now - w->since >= RING_SPIN_NS) {
        volatile struct hvt_hc_poll p;
        p.timeout_nsecs = 0;
        p.ready_set = 0;
        p.ret = 0;
        hvt_do_hypercall(HVT_HYPERCALL_POLL, &p);
    }
}

void ukvm_net_init(const struct hvt_boot_info *bi)
{
    ring = NULL;
    /* A plain hvt ABI v2 boot info ends at 40 bytes: the manifest follows. */
    if ((uintptr_t)bi->mft == (uintptr_t)bi + HVT_BOOT_INFO_V2_SIZE)
        return;
    if (!(bi->host_features & HVT_FEATURE_RING_IO) || bi->net_ring == 0)
        return;
    uint64_t start = bi->net_ring, end = start + sizeof(struct hvt_ring);
    /* Page-aligned, and clear of the image, heap and stack. */
    if (start % PAGE_SIZE != 0 || end < start ||
        !(end <= HVT_GUEST_MIN_BASE || start >= bi->mem_size))
        return;
    ring = (struct hvt_ring *)(uintptr_t)start;
    ring_tail = ring->ent_tail;
    ring_chead = ring->com_head;
    ukvm_log(LOG_DEBUG, "Solo5: net: shared ring at 0x%lx\n", (unsigned long)start);
}

static solo5_result_t to_result(int ret)
{
    return (ret >= SOLO5_R_OK && ret <= SOLO5_R_EUNSPEC) ? (solo5_result_t)ret
                                                         : SOLO5_R_EUNSPEC;
}

/* True if the I/O thread sleeps, and still does KICK_GRACE_NS later. */
static bool ring_sleeps(void)
{
    if (!ring->needs_kick)
        return false;
    solo5_time_t since = solo5_clock_monotonic();
    do {
        hvt_cpu_relax();
        if (!ring->needs_kick)
            return false;
    } while (solo5_clock_monotonic() - since < KICK_GRACE_NS);
    return true;
}

/*
 * The ring is empty and its I/O thread sleeps: see KICK_GRACE_NS. Never before
 * the first entry: ukvm wakes the thread for guests that have used the ring.
 */
static bool ring_idle(void)
{
    return ring_tail != 0 && ring->ent_head == ring_tail && ring_sleeps();
}

/* Publishes the entry at ring_tail; kicks the I/O thread if it sleeps. */
static void ring_submit(void)
{
    hvt_wmb();
    ring->ent_tail = ++ring_tail;
    hvt_mb(); /* the store above before the load below */
    if (ring_sleeps())
        hvt_ring_kick();
}

static struct hvt_ring_entry *ring_entry(uint32_t op, solo5_handle_t handle,
                                         uint64_t data, uint32_t len)
{
    struct hvt_ring_entry *ent = &ring->entries[ring_tail & HVT_RING_MASK];

    ent->operation = op;
    ent->handle = (uint32_t)handle;
    ent->data = data;
    ent->len = len;
    ent->id = ring_id++;
    ent->reserved = 0;
    return ent;
}

static solo5_result_t ring_write(solo5_handle_t handle, const uint8_t *buf,
                                 size_t size)
{
    /* Wait until the buffer of the write RING_BUFS back has been sent. */
    struct ring_wait w = { false, 0, 0 };
    uint32_t head;
    while (ring_tail - (head = ring->ent_head) >= RING_BUFS)
        ring_stall(&w);
    if (head == ring_tail)
        ring_cursor = 0;
    uint8_t *copy = ring_bufs[ring_cursor++ % RING_BUFS];
    memcpy(copy, buf, size);
    ring_entry(HVT_RING_NET_WRITE, handle, (uintptr_t)copy, (uint32_t)size);
    ring_submit();
    return SOLO5_R_OK;
}

/*
 * Waits for the next commit (kicking a sleeping I/O thread once if (kick)),
 * takes it and returns its fields: the result is the ret the monitor wrote.
 */
static solo5_result_t ring_take_commit(bool kick, uint32_t *id, uint32_t *len)
{
    struct ring_wait w = { false, 0, 0 };
    while (ring->com_tail == ring_chead) {
        if (kick && ring->needs_kick) {
            hvt_ring_kick();
            kick = false;
        }
        ring_stall(&w);
    }
    hvt_rmb();
    const struct hvt_ring_commit *c = &ring->commits[ring_chead & HVT_RING_MASK];
    *id = c->id;
    *len = c->len;
    solo5_result_t res = to_result(c->ret);
    ring->com_head = ++ring_chead;
    return res;
}

static solo5_result_t ring_read(solo5_handle_t handle, uint8_t *buf,
                                size_t size, size_t *read_size)
{
    uint32_t id = ring_id, cid, len;

    ring_entry(HVT_RING_NET_READ, handle, (uintptr_t)buf,
               size > UINT32_MAX ? UINT32_MAX : (uint32_t)size);
    ring_submit();
    solo5_result_t res = ring_take_commit(false, &cid, &len);
    if (cid != id)
        return SOLO5_R_EUNSPEC;
    if (res == SOLO5_R_OK) {
        if (len > size)
            return SOLO5_R_EUNSPEC;
        *read_size = len;
        hot_until = solo5_clock_monotonic() + HOT_NS;
    }
    return res;
}

static int polled_index(solo5_handle_t handle)
{
    for (unsigned i = 0; i < npolled; i++)
        if (polled[i] == handle)
            return (int)i;
    return -1;
}

bool ukvm_net_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set)
{
    if (ring == NULL || npolled == 0)
        return false;
    solo5_handle_set_t ready = 0;
    for (unsigned i = 0; i < npolled; i++)
        if (stash_len[i] != 0)
            ready |= 1ULL << polled[i];
    solo5_time_t now = solo5_clock_monotonic();
    if (ready == 0 && now < hot_until) {
        solo5_time_t end = deadline < now + YIELD_SPIN_NS ? deadline : now + YIELD_SPIN_NS;
        while (ready == 0 && !ring->needs_kick) {
            for (unsigned i = 0; i < npolled; i++) {
                size_t n;
                if (ring_read(polled[i], stash[i], STASH_SIZE, &n) == SOLO5_R_OK && n != 0) {
                    stash_len[i] = n;
                    ready |= 1ULL << polled[i];
                }
            }
            if (solo5_clock_monotonic() >= end)
                break;
        }
    }
    if (ready == 0)
        return false;
    if (ready_set != NULL)
        *ready_set = ready;
    return true;
}

/*
 * Reads posted before POLL, marked UKVM_RING_HOLD: ukvm answers them when POLL
 * returns, so the frame that woke the guest is already in its stash when it
 * runs again (no NET_READ exit, no wait for the I/O thread). A monitor that
 * does not know the mark answers them at once (AGAIN), or when its I/O thread
 * wakes: collected after POLL either way, kicking the thread if it sleeps.
 */
static unsigned nposted;
static unsigned posted[MAX_POLLED]; /* index into polled[] */
static uint32_t posted_id;          /* the first one's */

void ukvm_net_prepost(void)
{
    nposted = 0;
    if (ring == NULL)
        return;
    posted_id = ring_id;
    for (unsigned i = 0; i < npolled; i++) {
        if (stash_len[i] != 0)
            continue;
        ring_entry(HVT_RING_NET_READ, polled[i], (uintptr_t)stash[i], STASH_SIZE)
            ->reserved = UKVM_RING_HOLD;
        ring_tail++;
        posted[nposted++] = i;
    }
    if (nposted != 0) {
        hvt_wmb();
        ring->ent_tail = ring_tail; /* no kick: POLL is the wake-up */
    }
}

solo5_handle_set_t ukvm_net_collect(solo5_handle_set_t polled_ready)
{
    solo5_handle_set_t ready = 0, polled_set = 0;

    for (unsigned k = 0; k < nposted; k++) {
        uint32_t cid, len;
        solo5_result_t res = ring_take_commit(true, &cid, &len);
        unsigned i = posted[k];
        if (cid == posted_id + k && res == SOLO5_R_OK && len != 0 && len <= STASH_SIZE) {
            stash_len[i] = len;
            ready |= 1ULL << polled[i];
        }
    }
    nposted = 0;
    /* Input on a device (ukvm has woken the I/O thread): the next reads may use the ring. */
    for (unsigned i = 0; i < npolled; i++)
        polled_set |= 1ULL << polled[i];
    if ((ready | polled_ready) & polled_set)
        hot_until = solo5_clock_monotonic() + HOT_NS;
    return ready;
}

solo5_result_t solo5_net_acquire(const char *name, solo5_handle_t *handle,
                                 struct solo5_net_info *info)
{
    unsigned index;
    const struct mft_entry *e = ukvm_mft_by_name(name, MFT_DEV_NET_BASIC, &index);

    if (e == NULL)
        return SOLO5_R_EINVAL;
    if (!e->attached)
        ukvm_panic("network device '%s' is not attached\n", name);
    if (!ukvm_mft_acquire(index))
        return SOLO5_R_EINVAL;
    *handle = index;
    memcpy(info->mac_address, e->u.net_basic.mac, SOLO5_NET_ALEN);
    info->mtu = e->u.net_basic.mtu;
    if (npolled < MAX_POLLED && (size_t)info->mtu + SOLO5_NET_HLEN <= STASH_SIZE)
        polled[npolled++] = index;
    return SOLO5_R_OK;
}

solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buf,
                               size_t size)
{
    const struct mft_entry *e = ukvm_mft_by_index(handle, MFT_DEV_NET_BASIC);

    if (e == NULL || size > (size_t)e->u.net_basic.mtu + SOLO5_NET_HLEN)
        return SOLO5_R_EINVAL;
    if (ring != NULL && size >= SOLO5_NET_HLEN && size <= RING_BUF_SIZE)
        return ring_write(handle, buf, size);

    volatile struct hvt_hc_net_write w;
    w.handle = handle;
    w.data = buf;
    w.len = size;
    w.ret = SOLO5_R_EUNSPEC;
    hvt_do_hypercall(HVT_HYPERCALL_NET_WRITE, &w);
    return to_result(w.ret);
}

solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buf, size_t size,
                              size_t *read_size)
{
    const struct mft_entry *e = ukvm_mft_by_index(handle, MFT_DEV_NET_BASIC);

    if (e == NULL || size < (size_t)e->u.net_basic.mtu + SOLO5_NET_HLEN)
        return SOLO5_R_EINVAL;
    if (ring != NULL) {
        int i = polled_index(handle);
        if (i >= 0 && stash_len[i] != 0) {
            memcpy(buf, stash[i], stash_len[i]);
            *read_size = stash_len[i];
            stash_len[i] = 0;
            return SOLO5_R_OK;
        }
        if (solo5_clock_monotonic() < hot_until && !ring_idle())
            return ring_read(handle, buf, size, read_size);
    }

    volatile struct hvt_hc_net_read r;
    r.handle = handle;
    r.data = buf;
    r.len = size;
    r.ret = SOLO5_R_EUNSPEC;
    hvt_do_hypercall(HVT_HYPERCALL_NET_READ, &r);
    solo5_result_t res = to_result(r.ret);
    if (res == SOLO5_R_OK) {
        if (r.len > size)
            return SOLO5_R_EUNSPEC;
        *read_size = r.len;
        hot_until = solo5_clock_monotonic() + HOT_NS;
    }
    return res;
}
