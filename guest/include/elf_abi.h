/*
 * elf_abi.h: ELF notes that identify a Solo5-compatible unikernel image.
 *
 * ukvm guest SDK. Binary-compatible with Solo5's ELF ABI: the note names,
 * types and layouts below are what a hvt monitor (ukvm or solo5-hvt) looks
 * for in the image's PT_NOTE segments. Self-contained: C11 headers only.
 */
#ifndef UKVM_ELF_ABI_H
#define UKVM_ELF_ABI_H

#include <stddef.h>
#include <stdint.h>

/* Which monitor family an image is built for (abi1_info.abi_target). */
enum abi_target {
    HVT_ABI_TARGET = 1,
    SPT_ABI_TARGET = 2,
    VIRTIO_ABI_TARGET = 3,
    MUEN_ABI_TARGET = 4,
    GENODE_ABI_TARGET = 5,
    XEN_ABI_TARGET = 6
};

#define SOLO5_NOTE_NAME "Solo5"

/*
 * Every Solo5 note starts with an Elf64_Nhdr whose 6-byte name "Solo5\0"
 * is padded to 8 bytes, so that the descriptor starts 4-byte aligned at
 * offset 20.
 */
#define SOLO5_NOTE_NAME_PADDED ((sizeof(SOLO5_NOTE_NAME) + 3) & ~(size_t)3)

/* "ABI1" note: which ABI (target, version) the image was built against. */
#define ABI1_NOTE_NAME SOLO5_NOTE_NAME
#define ABI1_NOTE_TYPE 0x31494241u /* "ABI1", little-endian */

struct abi1_nhdr {
    uint32_t n_namesz;
    uint32_t n_descsz;
    uint32_t n_type;
    char n_name[SOLO5_NOTE_NAME_PADDED];
};
_Static_assert(sizeof(struct abi1_nhdr) == 20, "abi1_nhdr must be 20 bytes");

struct abi1_info {
    uint32_t abi_target;  /* enum abi_target */
    uint32_t abi_version; /* e.g. HVT_ABI_VERSION */
    uint32_t reserved0;
    uint32_t reserved1;
};

struct abi1_note {
    struct abi1_nhdr h;
    struct abi1_info i;
};
_Static_assert(sizeof(struct abi1_note) == 36, "abi1_note must be 36 bytes");

/* Alignment a loader must honour for the descriptor of an ABI1 note. */
#define ABI1_NOTE_ALIGN _Alignof(struct abi1_info)
#define ABI1_NOTE_MAX_SIZE (sizeof(struct abi1_info))

/*
 * Defines the ABI1 note of an image, in section ".note.solo5.abi" (the
 * linker script gives it its own PT_NOTE). Use once per image:
 *     ABI1_NOTE_DEFINE(HVT_ABI_TARGET, HVT_ABI_VERSION)
 */
#define ABI1_NOTE_DEFINE(target, version)                                     \
    const struct abi1_note __solo5_abi1_note                                  \
    __attribute__((section(".note.solo5.abi"), aligned(4), used)) = {         \
        .h = { .n_namesz = sizeof(ABI1_NOTE_NAME),                            \
               .n_descsz = sizeof(struct abi1_info),                          \
               .n_type = ABI1_NOTE_TYPE,                                      \
               .n_name = ABI1_NOTE_NAME },                                    \
        .i = { .abi_target = (target), .abi_version = (version) }             \
    }

/*
 * A PT_INTERP naming a path that cannot exist, so that a host kernel refuses
 * to exec() a unikernel image by mistake (Solo5 convention).
 */
#define ELF_INTERP_DEFINE                                                     \
    const char __solo5_interp[24]                                             \
    __attribute__((section(".interp"), aligned(8), used)) =                   \
        "/nonexistent/solo5/"

#endif /* UKVM_ELF_ABI_H */
