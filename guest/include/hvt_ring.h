/*
 * hvt_ring.h: Solo5's shared network ring (HVT_FEATURE_RING_IO), the layout
 * both sides agree on. ukvm guest SDK; binary-compatible with Solo5 0.11's
 * ring. See docs/abi.md ("Network ring").
 *
 * A monitor that offers the ring sets HVT_FEATURE_RING_IO in
 * hvt_boot_info.host_features and the ring's guest physical address in
 * net_ring (zeroed, page-aligned, outside [kernel_end, mem_size)). The guest
 * takes it by using it; nothing is written back. Both hypercall paths stay
 * available.
 *
 * Single producer (the guest), single consumer (a monitor thread). The guest
 * fills entries[ent_tail % HVT_RING_SLOTS] and then advances ent_tail; the
 * monitor consumes in order and advances ent_head. A NET_WRITE entry is
 * fire-and-forget: its buffer must stay untouched until ent_head has passed
 * it. A NET_READ entry gets a commit (commits[com_tail % HVT_RING_SLOTS], then
 * com_tail advances) with the entry's id, a solo5_result_t and the frame's
 * size; the guest takes it and advances com_head. Indices count freely and
 * wrap at 2^32.
 *
 * A consumer that runs out of work spins a while, then sets needs_kick, looks
 * at ent_tail once more, and sleeps. A producer that sees needs_kick after
 * advancing ent_tail (with a full barrier between the store and the load)
 * kicks: a 32-bit write to HVT_RING_KICK_PIO_BASE (x86_64) or
 * HVT_RING_KICK_MMIO_BASE (aarch64), which the monitor turns into an eventfd
 * signal inside KVM (KVM_IOEVENTFD), without an exit to the monitor.
 *
 * Self-contained: C11 headers only. HVT_HOST as in hvt_abi.h.
 */
#ifndef UKVM_HVT_RING_H
#define UKVM_HVT_RING_H

#include <stddef.h>
#include <stdint.h>

#define HVT_RING_SLOTS 1024u
#define HVT_RING_SIZE HVT_RING_SLOTS /* Solo5's name */
#define HVT_RING_MASK (HVT_RING_SLOTS - 1)

/* Operations. */
#define HVT_RING_NET_WRITE 1u
#define HVT_RING_NET_READ 2u

/*
 * ukvm's use of hvt_ring_entry.reserved (0 in Solo5's protocol): bit 0 on a
 * NET_READ posted just before POLL asks ukvm to answer it when POLL returns,
 * with the frame that ended the wait, rather than at once (docs/abi.md).
 * Monitors that do not know it answer such a read like any other.
 */
#define UKVM_RING_HOLD 1u

/* The kick. */
#define HVT_RING_KICK_PIO_BASE 0x600
#define HVT_RING_KICK_MMIO_BASE 0x100000100UL

/* Written by the guest, read by the monitor. */
struct hvt_ring_entry {
    uint32_t operation; /* HVT_RING_NET_* */
    uint32_t handle;    /* solo5_handle_t of the network device */
    uint64_t data;      /* guest physical address of the frame buffer */
    uint32_t len;       /* NET_WRITE: frame size; NET_READ: buffer size */
    uint32_t id;        /* copied into the commit */
    uint64_t reserved;
};

/* Written by the monitor, read by the guest (NET_READ only). */
struct hvt_ring_commit {
    uint32_t id;
    int32_t ret;  /* solo5_result_t */
    uint32_t len; /* the frame's size when ret is SOLO5_R_OK */
    uint32_t reserved;
};

struct hvt_ring {
    /* Cache line 0: written by the guest only. */
    volatile uint32_t ent_tail; /* entries produced */
    volatile uint32_t com_head; /* commits consumed */
    uint8_t guest_pad[56];
    /* Cache line 1: written by the monitor only. */
    volatile uint32_t ent_head;   /* entries consumed */
    volatile uint32_t com_tail;   /* commits produced */
    volatile uint32_t needs_kick; /* 1: the consumer sleeps, kick it */
    uint8_t host_pad[52];
    struct hvt_ring_entry entries[HVT_RING_SLOTS];
    struct hvt_ring_commit commits[HVT_RING_SLOTS];
};

_Static_assert(sizeof(struct hvt_ring_entry) == 32, "hvt_ring_entry is 32 bytes");
_Static_assert(sizeof(struct hvt_ring_commit) == 16, "hvt_ring_commit is 16 bytes");
_Static_assert(offsetof(struct hvt_ring, ent_head) == 64, "ent_head on the second cache line");
_Static_assert(offsetof(struct hvt_ring, needs_kick) == 72, "needs_kick at 72");
_Static_assert(offsetof(struct hvt_ring, entries) == 128, "entries at 128");
_Static_assert(offsetof(struct hvt_ring, commits) == 128 + 32 * HVT_RING_SLOTS, "commits after entries");
_Static_assert(sizeof(struct hvt_ring) == 49280, "hvt_ring is 49280 bytes");

#ifndef HVT_HOST
/*
 * Barriers. hvt_wmb: earlier stores before later stores (an entry before
 * ent_tail). hvt_rmb: earlier loads before later loads (com_tail before the
 * commit). hvt_mb: a store before a later load (ent_tail before needs_kick):
 * x86 lets a load pass an earlier store to another address, so mfence.
 */
#if defined(__x86_64__)
static inline void hvt_wmb(void) { __asm__ __volatile__("" ::: "memory"); }
static inline void hvt_rmb(void) { __asm__ __volatile__("" ::: "memory"); }
static inline void hvt_mb(void) { __asm__ __volatile__("mfence" ::: "memory"); }
static inline void hvt_cpu_relax(void) { __asm__ __volatile__("pause" ::: "memory"); }

/* Needs the port in the TSS I/O permission bitmap at CPL3. */
static inline void hvt_ring_kick(void)
{
    __asm__ __volatile__("outl %0, %1"
                         :
                         : "a"((uint32_t)0), "Nd"((uint16_t)HVT_RING_KICK_PIO_BASE)
                         : "memory");
}
#elif defined(__aarch64__)
static inline void hvt_wmb(void) { __asm__ __volatile__("dmb ishst" ::: "memory"); }
static inline void hvt_rmb(void) { __asm__ __volatile__("dmb ishld" ::: "memory"); }
static inline void hvt_mb(void) { __asm__ __volatile__("dmb ish" ::: "memory"); }
static inline void hvt_cpu_relax(void) { __asm__ __volatile__("yield" ::: "memory"); }

static inline void hvt_ring_kick(void)
{
    __asm__ __volatile__("str wzr, [%0]"
                         :
                         : "r"(HVT_RING_KICK_MMIO_BASE)
                         : "memory");
}
#endif
#endif /* !HVT_HOST */

#endif /* UKVM_HVT_RING_H */
