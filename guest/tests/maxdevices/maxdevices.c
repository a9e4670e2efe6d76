/*
 * maxdevices: a manifest with the most devices it can hold, 63 block devices
 * "storage0" .. "storage62" (64 entries with the reserved first one).
 *
 *   ukvm --block:storage0=F0 ... --block:storage62=F62 maxdevices.hvt [write]
 *
 * Acquires every device (each must be attached), checks its handle (below
 * 64, as handle sets are 64 bits, and different from the others') and its
 * info (block size a power of two from 512 to 32768, capacity a non-zero
 * multiple of it), and reads its first block. Also: a second acquire, an
 * acquire as a network device and an acquire of "storage63" (not in the
 * manifest) give SOLO5_R_EINVAL.
 *
 * With "write", it then writes "ukvm maxdevices storageN" to the first block
 * of each device and reads all 63 back, so that devices sharing a file or
 * swapped files show (needs 63 distinct writable files).
 *
 * Prints SUCCESS; on the first failed check prints FAILURE and exits with 1.
 */
#include <stdio.h>
#include <string.h>

#include "solo5.h"

#define NDEVICES 63
#define MAX_BLOCK_SIZE 32768
#define TAG_SIZE 40

static uint8_t block[MAX_BLOCK_SIZE];

static struct {
    char name[16];
    solo5_handle_t handle;
    struct solo5_block_info info;
} dev[NDEVICES];

#define FAIL(...)                                                             \
    do {                                                                      \
        printf("FAILURE: line %d: ", __LINE__);                               \
        printf(__VA_ARGS__);                                                  \
        printf("\n");                                                         \
        solo5_exit(SOLO5_EXIT_FAILURE);                                       \
    } while (0)

static void tag(int i, char *out)
{
    memset(out, 0, TAG_SIZE);
    snprintf(out, TAG_SIZE, "ukvm maxdevices %s", dev[i].name);
}

int solo5_app_main(const struct solo5_start_info *si)
{
    printf("\n**** ukvm guest test: maxdevices ****\n\n");

    bool write = strcmp(si->cmdline, "write") == 0;
    if (!write && si->cmdline[0] != '\0') {
        printf("FAILURE: bad command line '%s'\nusage: maxdevices [write]\n", si->cmdline);
        return SOLO5_EXIT_FAILURE;
    }

    solo5_handle_set_t seen = 0;
    for (int i = 0; i < NDEVICES; i++) {
        snprintf(dev[i].name, sizeof dev[i].name, "storage%d", i);
        solo5_result_t r = solo5_block_acquire(dev[i].name, &dev[i].handle, &dev[i].info);
        if (r != SOLO5_R_OK)
            FAIL("solo5_block_acquire(\"%s\"): result %d", dev[i].name, (int)r);
        solo5_handle_t h = dev[i].handle;
        uint64_t bs = dev[i].info.block_size, cap = dev[i].info.capacity;
        if (h >= 64 || (seen & (1ULL << h)))
            FAIL("%s: handle %llu is out of range or already taken", dev[i].name,
                 (unsigned long long)h);
        seen |= 1ULL << h;
        if (bs < 512 || bs > MAX_BLOCK_SIZE || (bs & (bs - 1)) != 0 || cap == 0 || cap % bs != 0)
            FAIL("%s: capacity %llu, block size %llu", dev[i].name, (unsigned long long)cap,
                 (unsigned long long)bs);
        r = solo5_block_read(h, 0, block, bs);
        if (r != SOLO5_R_OK)
            FAIL("%s: read of block 0: result %d", dev[i].name, (int)r);
    }
    printf("acquired %d block devices (handles 0x%016llx), read block 0 of each\n", NDEVICES,
           (unsigned long long)seen);
    printf("storage0: capacity %llu, block size %llu; storage62: capacity %llu, block size %llu\n",
           (unsigned long long)dev[0].info.capacity, (unsigned long long)dev[0].info.block_size,
           (unsigned long long)dev[62].info.capacity, (unsigned long long)dev[62].info.block_size);

    solo5_handle_t h;
    struct solo5_block_info bi;
    struct solo5_net_info ni;
    solo5_result_t r;
    if ((r = solo5_block_acquire("storage0", &h, &bi)) != SOLO5_R_EINVAL)
        FAIL("second solo5_block_acquire(\"storage0\"): result %d, want EINVAL", (int)r);
    if ((r = solo5_block_acquire("storage63", &h, &bi)) != SOLO5_R_EINVAL)
        FAIL("solo5_block_acquire(\"storage63\"): result %d, want EINVAL", (int)r);
    if ((r = solo5_net_acquire("storage62", &h, &ni)) != SOLO5_R_EINVAL)
        FAIL("solo5_net_acquire(\"storage62\"): result %d, want EINVAL", (int)r);
    printf("second acquire, unknown name, wrong type: EINVAL\n");

    if (write) {
        char want[TAG_SIZE];
        for (int i = 0; i < NDEVICES; i++) {
            memset(block, 0, dev[i].info.block_size);
            tag(i, (char *)block);
            r = solo5_block_write(dev[i].handle, 0, block, dev[i].info.block_size);
            if (r != SOLO5_R_OK)
                FAIL("%s: write of block 0: result %d", dev[i].name, (int)r);
        }
        for (int i = 0; i < NDEVICES; i++) {
            r = solo5_block_read(dev[i].handle, 0, block, dev[i].info.block_size);
            if (r != SOLO5_R_OK)
                FAIL("%s: read of block 0: result %d", dev[i].name, (int)r);
            tag(i, want);
            if (memcmp(block, want, TAG_SIZE) != 0)
                FAIL("%s: block 0 reads '%.*s', want '%s'", dev[i].name, TAG_SIZE - 1,
                     (const char *)block, want);
        }
        printf("wrote each device's name to its block 0 and read all 63 back\n");
    }

    printf("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
