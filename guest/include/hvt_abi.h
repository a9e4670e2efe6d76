/*
 * hvt_abi.h: the hvt hypercall ABI between a guest and its monitor.
 *
 * ukvm guest SDK. Binary-compatible with Solo5's hvt ABI version 2 plus the
 * ring-I/O boot-info extension and ukvm's UKVM_FEATURE_USERMODE bit (see
 * docs/abi.md). Self-contained: C11 headers only.
 *
 * A monitor written in C may include this with HVT_HOST defined: guest
 * pointers then become plain 64-bit guest physical addresses.
 */
#ifndef UKVM_HVT_ABI_H
#define UKVM_HVT_ABI_H

#include <stddef.h>
#include <stdint.h>
#include "elf_abi.h"

#define HVT_ABI_VERSION 2

/* Lowest address an image may be loaded at. */
#define HVT_GUEST_MIN_BASE 0x100000

#ifdef HVT_HOST
typedef uint64_t hvt_gpa_t;
#define HVT_GUEST_PTR(T) hvt_gpa_t
#else
#define HVT_GUEST_PTR(T) T
#endif

#if defined(__x86_64__)
/* Hypercall n is a 32-bit OUT of the argument's address to port base + n. */
#define HVT_HYPERCALL_PIO_BASE 0x500

#ifndef HVT_HOST
/*
 * Issues hypercall n. The argument struct must lie below 4 GiB (guest memory
 * is identity-mapped and at most 1 GiB, so any guest object does). Works at
 * CPL0 and, with an I/O permission bitmap that allows the ports, at CPL3.
 */
static inline void hvt_do_hypercall(int n, volatile void *arg)
{
    __asm__ __volatile__("outl %0, %1"
                         :
                         : "a"((uint32_t)(uintptr_t)arg),
                           "Nd"((uint16_t)(HVT_HYPERCALL_PIO_BASE + n))
                         : "memory");
}
#endif
#elif defined(__aarch64__)
/*
 * Hypercall n is a 32-bit store (str wN) of the argument's address to
 * HVT_HYPERCALL_MMIO_BASE + (n << 3), a device-memory region outside guest
 * RAM, so that the store traps to the monitor as an MMIO exit.
 */
#define HVT_HYPERCALL_MMIO_BASE 0x100000000UL
#define HVT_HYPERCALL_ADDRESS(n) (HVT_HYPERCALL_MMIO_BASE + ((uint64_t)(n) << 3))

#ifndef HVT_HOST
/*
 * Issues hypercall n. The argument struct must lie below 4 GiB (guest memory
 * is identity-mapped and at most 1 GiB, so any guest object does). A plain
 * register-offset store without writeback, so that the fault syndrome
 * describes it (ESR_EL2.ISV) and KVM can hand it to the monitor.
 */
static inline void hvt_do_hypercall(int n, volatile void *arg)
{
    __asm__ __volatile__("str %w0, [%1]"
                         :
                         : "rZ"((uint32_t)(uintptr_t)arg),
                           "r"(HVT_HYPERCALL_ADDRESS(n))
                         : "memory");
}
#endif
#else
#error "ukvm guest SDK: unsupported architecture"
#endif

/*
 * Boot information: the guest entry point gets its address in RDI (x86_64)
 * or X0 (aarch64).
 * The first five fields are hvt ABI v2. The last three are the ring-I/O
 * extension; a plain solo5-hvt puts the manifest right after the first 40
 * bytes, so they are valid only when mft != (uintptr_t)bi + 40.
 */
struct hvt_boot_info {
    uint64_t mem_size;                    /*  0: bytes of guest memory */
    uint64_t kernel_end;                  /*  8: end of the image, page-aligned */
    uint64_t cpu_cycle_freq;              /* 16: TSC (x86_64) or CNTVCT_EL0 (aarch64) frequency, Hz */
    HVT_GUEST_PTR(const char *) cmdline;  /* 24: NUL-terminated command line */
    HVT_GUEST_PTR(const void *) mft;      /* 32: struct mft */
    uint32_t host_features;               /* 40: HVT_FEATURE_* offered */
    uint32_t guest_features;              /* 44: HVT_FEATURE_* taken */
    uint64_t net_ring;                    /* 48: GPA of the net ring, or 0 */
};
_Static_assert(sizeof(struct hvt_boot_info) == 56, "hvt_boot_info is 56 bytes");
_Static_assert(offsetof(struct hvt_boot_info, host_features) == 40,
               "hvt_boot_info.host_features at 40");

/* Size of the hvt ABI v2 part of struct hvt_boot_info. */
#define HVT_BOOT_INFO_V2_SIZE 40

/* Solo5 ring-I/O extension: a shared ring for network I/O. */
#define HVT_FEATURE_RING_IO (1u << 0)
/*
 * ukvm extension: the monitor welcomes guests that build their own GDT, IDT
 * and TSS and run the application at CPL3 (all page-table entries are U/S).
 */
#define UKVM_FEATURE_USERMODE (1u << 31)

/* Largest command line, including the terminating NUL. */
#define HVT_CMDLINE_SIZE 8192

enum hvt_hypercall {
    /* 0 is reserved */
    HVT_HYPERCALL_WALLTIME = 1,
    HVT_HYPERCALL_PUTS = 2,
    HVT_HYPERCALL_POLL = 3,
    HVT_HYPERCALL_BLOCK_WRITE = 4,
    HVT_HYPERCALL_BLOCK_READ = 5,
    HVT_HYPERCALL_NET_WRITE = 6,
    HVT_HYPERCALL_NET_READ = 7,
    HVT_HYPERCALL_HALT = 8,
    HVT_HYPERCALL_MAX
};

/* WALLTIME: out: nanoseconds since the UNIX epoch. */
struct hvt_hc_walltime {
    uint64_t nsecs;
};

/* PUTS: in: bytes to write to the console. */
struct hvt_hc_puts {
    HVT_GUEST_PTR(const char *) data;
    size_t len;
};

/* POLL: wait up to timeout_nsecs for network input. */
struct hvt_hc_poll {
    uint64_t timeout_nsecs; /* in: relative to the call */
    uint64_t ready_set;     /* out: handles ready for input */
    int ret;                /* out */
};

/* BLOCK_WRITE: write len bytes at byte offset. ret: solo5_result_t. */
struct hvt_hc_block_write {
    uint64_t handle;
    uint64_t offset;
    HVT_GUEST_PTR(const void *) data;
    size_t len;
    int ret; /* out */
};

/* BLOCK_READ: read len bytes at byte offset. ret: solo5_result_t. */
struct hvt_hc_block_read {
    uint64_t handle;
    uint64_t offset;
    HVT_GUEST_PTR(void *) data;
    size_t len; /* in/out */
    int ret;    /* out */
};

/* NET_WRITE: send one frame. ret: solo5_result_t. */
struct hvt_hc_net_write {
    uint64_t handle;
    HVT_GUEST_PTR(const void *) data;
    size_t len;
    int ret; /* out */
};

/* NET_READ: receive one frame; len in: buffer size, out: frame size. */
struct hvt_hc_net_read {
    uint64_t handle;
    HVT_GUEST_PTR(void *) data;
    size_t len; /* in/out */
    int ret;    /* out */
};

/*
 * HALT: end the guest with exit_status. cookie, if not NULL, points at
 * HVT_HALT_COOKIE_MAX bytes that the monitor may inspect (the bindings pass
 * the saved trap frame after a fatal trap).
 */
#define HVT_HALT_COOKIE_MAX 512
struct hvt_hc_halt {
    HVT_GUEST_PTR(void *) cookie;
    int exit_status;
};

_Static_assert(sizeof(struct hvt_hc_puts) == 16, "hvt_hc_puts");
_Static_assert(sizeof(struct hvt_hc_poll) == 24, "hvt_hc_poll");
_Static_assert(sizeof(struct hvt_hc_block_write) == 40, "hvt_hc_block_write");
_Static_assert(sizeof(struct hvt_hc_block_read) == 40, "hvt_hc_block_read");
_Static_assert(sizeof(struct hvt_hc_net_write) == 32, "hvt_hc_net_write");
_Static_assert(sizeof(struct hvt_hc_net_read) == 32, "hvt_hc_net_read");
_Static_assert(sizeof(struct hvt_hc_halt) == 16, "hvt_hc_halt");

#endif /* UKVM_HVT_ABI_H */
