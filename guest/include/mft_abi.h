/*
 * mft_abi.h: the application manifest (Solo5 "MFT1" note, manifest v1).
 *
 * ukvm guest SDK. Binary-compatible with Solo5: the monitor reads the note
 * from the image, fills in the device properties and copies struct mft into
 * guest memory for the bindings. Self-contained: C11 headers only.
 *
 * When MFT_ENTRIES is defined before inclusion (the file that
 * `ukvm gen-manifest` writes does this), struct mft has exactly that many
 * entries; otherwise e[] is a flexible array member.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef UKVM_MFT_ABI_H
#define UKVM_MFT_ABI_H

#define MFT_VERSION 1

typedef enum mft_type {
    MFT_DEV_BLOCK_BASIC = 1,
    MFT_DEV_NET_BASIC = 2,
    MFT_RESERVED_FIRST = (1u << 30) /* type of entry 0, which has no name */
} mft_type_t;

/* Properties of a MFT_DEV_BLOCK_BASIC device (filled in by the monitor). */
struct mft_block_basic {
    uint64_t capacity;   /* bytes */
    uint16_t block_size; /* bytes */
};

/* Properties of a MFT_DEV_NET_BASIC device (filled in by the monitor). */
struct mft_net_basic {
    uint8_t mac[6];
    uint16_t mtu; /* without the Ethernet header */
};

#define MFT_NAME_SIZE 68 /* including the terminating NUL */
#define MFT_NAME_MAX 67

struct mft_entry {
    char name[MFT_NAME_SIZE];   /* offset 0 */
    mft_type_t type;            /* offset 68 */
    union {                     /* offset 72 */
        struct mft_block_basic block_basic;
        struct mft_net_basic net_basic;
    } u;
    union {                     /* offset 88: monitor-private, zeroed */
        int hostfd;
        void *data;
        uint64_t raw;
    } b;
    bool attached;              /* offset 96 */
};

#define MFT_MAX_ENTRIES 64
_Static_assert(MFT_MAX_ENTRIES <= 64, "a handle set is a uint64_t");
_Static_assert(sizeof(mft_type_t) == 4, "mft_type_t must be 32 bits");
_Static_assert(offsetof(struct mft_entry, type) == 68, "mft_entry.type");
_Static_assert(offsetof(struct mft_entry, u) == 72, "mft_entry.u");
_Static_assert(offsetof(struct mft_entry, b) == 88, "mft_entry.b");
_Static_assert(offsetof(struct mft_entry, attached) == 96, "mft_entry.attached");
_Static_assert(sizeof(struct mft_entry) == 104, "mft_entry must be 104 bytes");

/* struct mft is sized by MFT_ENTRIES when the includer defined it. */
#ifdef MFT_ENTRIES
_Static_assert(MFT_ENTRIES >= 1 && MFT_ENTRIES <= MFT_MAX_ENTRIES,
               "MFT_ENTRIES out of range");
#define MFT_ENTRIES_DIM_ MFT_ENTRIES
#else
#define MFT_ENTRIES_DIM_
#endif

struct mft {
    uint32_t version; /* MFT_VERSION */
    uint32_t entries; /* 1..MFT_MAX_ENTRIES, entry 0 is MFT_RESERVED_FIRST */
    struct mft_entry e[MFT_ENTRIES_DIM_];
};
_Static_assert(offsetof(struct mft, e) == 8, "mft.e must start at 8");

#define MFT1_NOTE_NAME "Solo5"
#define MFT1_NOTE_TYPE 0x3154464du /* "MFT1", little-endian */

struct mft1_nhdr {
    uint32_t n_namesz;
    uint32_t n_descsz;
    uint32_t n_type;
    char n_name[(sizeof(MFT1_NOTE_NAME) + 3) & ~(size_t)3];
};
_Static_assert(sizeof(struct mft1_nhdr) == 20, "mft1_nhdr must be 20 bytes");

/*
 * The whole note. Because struct mft holds 64-bit fields, m starts at offset
 * 24 (4 bytes of padding after the header); the descriptor size counts that
 * padding (n_descsz = sizeof(struct mft1_note) - sizeof(struct mft1_nhdr)).
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic" /* m.e[] may be a flexible array */
struct mft1_note {
    struct mft1_nhdr h;
    struct mft m;
};
#pragma GCC diagnostic pop

/* Offset of m inside the descriptor a loader must honour. */
#define MFT1_NOTE_ALIGN _Alignof(struct mft)
_Static_assert(offsetof(struct mft1_note, m) == 24, "mft1_note.m must be at 24");

/* Largest descriptor a loader has to accept (64 entries plus padding). */
#define MFT1_NOTE_MAX_SIZE                                                    \
    ((sizeof(struct mft1_note) - sizeof(struct mft1_nhdr)) +                  \
     MFT_MAX_ENTRIES * sizeof(struct mft_entry))

#endif /* UKVM_MFT_ABI_H */
