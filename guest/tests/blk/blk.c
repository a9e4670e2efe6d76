/*
 * blk: reads and writes on the block device "storage", and the requests
 * that must be refused.
 *
 *   ukvm --block:storage=disk.img [--block-sector-size:storage=N] blk.hvt
 *
 * Works for any block size the monitor offers (512 to 32768) and any capacity
 * of at least one block. It:
 *  1. prints the capacity and block size and checks they are consistent;
 *  2. probes a two-block request: if the bindings take it, checks it writes
 *     and reads both blocks; if they refuse it with SOLO5_R_EINVAL (one block
 *     per call), says so and goes on;
 *  3. writes a distinct pattern to blocks 0, 1, 2, the middle one, the
 *     last-but-one and the last, then reads them all back (also into an
 *     unaligned buffer) and compares. The patterns depend on a seed taken from
 *     the wall clock, so data left in the file by an earlier run cannot pass
 *     for a working write; each block starts with "ukvm blk block N" in
 *     clear for the host to inspect;
 *  4. checks that invalid requests give SOLO5_R_EINVAL, for reads and writes
 *     alike: misaligned offsets, sizes that are not a multiple of the block
 *     size, size 0, offsets at and after the capacity (including one where
 *     offset + size wraps around 2^64), a request running past the end,
 *     handles that are not the device's;
 *  5. reads the blocks again: the refused writes must not have changed them;
 *  6. talks to the monitor directly with BLOCK_WRITE / BLOCK_READ hypercalls
 *     (hvt_abi.h), bypassing the bindings' checks: a two-block request that
 *     ends at the capacity must work (the monitor takes any whole number of
 *     blocks), and the invalid requests of step 4 must come back as
 *     SOLO5_R_EINVAL with the guest still running. (Buffers outside guest
 *     memory are not tried: the ABI lets the monitor end the guest for those.)
 * Prints SUCCESS at the end; on the first failed check prints FAILURE and the
 * reason and exits with status 1.
 */
#include <stdio.h>
#include <string.h>

#include "hvt_abi.h"
#include "solo5.h"

#define MAX_BLOCK_SIZE 32768
#define MAX_TESTED 6

/* Two blocks for the multi-block probe, plus a byte for unaligned buffers. */
static uint8_t wbuf[2 * MAX_BLOCK_SIZE + 1], rbuf[2 * MAX_BLOCK_SIZE + 1];

static solo5_handle_t h;
static struct solo5_block_info info;
static uint64_t seed;

#define FAIL(...)                                                             \
    do {                                                                      \
        printf("FAILURE: line %d: ", __LINE__);                               \
        printf(__VA_ARGS__);                                                  \
        printf("\n");                                                         \
        solo5_exit(SOLO5_EXIT_FAILURE);                                       \
    } while (0)

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond))                                                          \
            FAIL("%s", #cond);                                                \
    } while (0)

static const char *result_name(solo5_result_t r)
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

/* The contents of block (block) for this run: xorshift64 from seed and block. */
static void fill(uint8_t *buf, uint64_t block, size_t size)
{
    uint64_t x = seed ^ (block * 0x9e3779b97f4a7c15ULL) ^ 0x5555555555555555ULL;

    for (size_t i = 0; i < size; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (uint8_t)(x >> 24);
    }
    snprintf((char *)buf, 48, "ukvm blk block %llu", (unsigned long long)block);
}

/* Reads block (block) into (buf) and compares it with its pattern. */
static void check_block(uint64_t block, uint8_t *buf, const char *when)
{
    size_t bs = info.block_size;
    solo5_result_t r;

    memset(buf, 0xa5, bs);
    r = solo5_block_read(h, block * bs, buf, bs);
    if (r != SOLO5_R_OK)
        FAIL("%s: read of block %llu: %s", when, (unsigned long long)block, result_name(r));
    fill(wbuf, block, bs);
    for (size_t i = 0; i < bs; i++)
        if (buf[i] != wbuf[i])
            FAIL("%s: block %llu differs at byte %zu: 0x%02x, want 0x%02x", when,
                 (unsigned long long)block, i, buf[i], wbuf[i]);
}

/* Both a read and a write of (size) bytes at (offset) on (handle) give EINVAL. */
static void expect_einval(solo5_handle_t handle, solo5_off_t offset, size_t size,
                          const char *what)
{
    solo5_result_t r;

    /* A write that slipped through would store this, which check_block() sees. */
    memset(wbuf, 0xee, sizeof wbuf);
    r = solo5_block_write(handle, offset, wbuf, size);
    if (r != SOLO5_R_EINVAL)
        FAIL("write, %s (offset %llu, size %zu): %s, want EINVAL", what,
             (unsigned long long)offset, size, result_name(r));
    r = solo5_block_read(handle, offset, rbuf, size);
    if (r != SOLO5_R_EINVAL)
        FAIL("read, %s (offset %llu, size %zu): %s, want EINVAL", what,
             (unsigned long long)offset, size, result_name(r));
    printf("refused: %s (offset %llu, size %zu)\n", what, (unsigned long long)offset, size);
}

/* Step 2: a request of two blocks at block (b). */
static void probe_two_blocks(uint64_t b)
{
    size_t bs = info.block_size;
    solo5_result_t r;

    fill(wbuf, b, bs);
    fill(wbuf + bs, b + 1, bs);
    r = solo5_block_write(h, b * bs, wbuf, 2 * bs);
    if (r == SOLO5_R_EINVAL) {
        r = solo5_block_read(h, b * bs, rbuf, 2 * bs);
        if (r != SOLO5_R_EINVAL)
            FAIL("two-block write refused but two-block read gives %s", result_name(r));
        printf("two-block requests: refused with EINVAL (one block per call)\n");
        return;
    }
    if (r != SOLO5_R_OK)
        FAIL("two-block write at block %llu: %s", (unsigned long long)b, result_name(r));
    memset(rbuf, 0, 2 * bs);
    r = solo5_block_read(h, b * bs, rbuf, 2 * bs);
    if (r != SOLO5_R_OK)
        FAIL("two-block read at block %llu: %s", (unsigned long long)b, result_name(r));
    if (memcmp(rbuf, wbuf, 2 * bs) != 0)
        FAIL("two-block read back differs from what was written");
    check_block(b, rbuf, "after the two-block write");
    check_block(b + 1, rbuf, "after the two-block write");
    printf("two-block requests: written and read back\n");
}

/* Step 6: one BLOCK_WRITE or BLOCK_READ hypercall, as the bindings would make it. */
static int raw_block(bool write, uint64_t handle, uint64_t offset, void *data, size_t len)
{
    if (write) {
        volatile struct hvt_hc_block_write w;
        w.handle = handle;
        w.offset = offset;
        w.data = data;
        w.len = len;
        w.ret = -1;
        hvt_do_hypercall(HVT_HYPERCALL_BLOCK_WRITE, &w);
        return w.ret;
    }
    volatile struct hvt_hc_block_read r;
    r.handle = handle;
    r.offset = offset;
    r.data = data;
    r.len = len;
    r.ret = -1;
    hvt_do_hypercall(HVT_HYPERCALL_BLOCK_READ, &r);
    return r.ret;
}

static void raw_expect_einval(uint64_t handle, uint64_t offset, size_t size, const char *what)
{
    int r;

    memset(wbuf, 0xee, sizeof wbuf);
    r = raw_block(true, handle, offset, wbuf, size);
    if (r != SOLO5_R_EINVAL)
        FAIL("BLOCK_WRITE hypercall, %s (offset %llu, size %zu): ret %d, want EINVAL (%d)",
             what, (unsigned long long)offset, size, r, SOLO5_R_EINVAL);
    r = raw_block(false, handle, offset, rbuf, size);
    if (r != SOLO5_R_EINVAL)
        FAIL("BLOCK_READ hypercall, %s (offset %llu, size %zu): ret %d, want EINVAL (%d)",
             what, (unsigned long long)offset, size, r, SOLO5_R_EINVAL);
}

int solo5_app_main(const struct solo5_start_info *si __attribute__((unused)))
{
    printf("\n**** ukvm guest test: blk ****\n\n");

    solo5_result_t r = solo5_block_acquire("storage", &h, &info);
    if (r != SOLO5_R_OK)
        FAIL("solo5_block_acquire(\"storage\"): %s", result_name(r));
    size_t bs = info.block_size;
    uint64_t blocks = bs ? info.capacity / bs : 0;
    printf("storage: capacity %llu bytes, block size %zu bytes, %llu blocks\n",
           (unsigned long long)info.capacity, bs, (unsigned long long)blocks);
    CHECK(bs >= 512 && bs <= MAX_BLOCK_SIZE && (bs & (bs - 1)) == 0);
    CHECK(info.capacity % bs == 0);
    CHECK(blocks >= 1);

    seed = solo5_clock_wall() ^ solo5_clock_monotonic();
    printf("pattern seed 0x%016llx\n", (unsigned long long)seed);

    /* Step 2 first: step 3 overwrites whatever it wrote. */
    if (blocks >= 2)
        probe_two_blocks(blocks / 2 - (blocks / 2 + 1 >= blocks));

    /* Step 3: first, its neighbours, middle, last two; without duplicates. */
    uint64_t want[MAX_TESTED] = { 0, 1, 2, blocks / 2, blocks - 2, blocks - 1 };
    uint64_t tested[MAX_TESTED];
    unsigned n = 0;
    for (unsigned i = 0; i < MAX_TESTED; i++) {
        bool dup = want[i] >= blocks; /* blocks - 2 wraps when blocks is 1 */
        for (unsigned j = 0; j < n; j++)
            dup = dup || tested[j] == want[i];
        if (!dup)
            tested[n++] = want[i];
    }
    for (unsigned i = 0; i < n; i++) {
        fill(wbuf, tested[i], bs);
        r = solo5_block_write(h, tested[i] * bs, wbuf, bs);
        if (r != SOLO5_R_OK)
            FAIL("write of block %llu: %s", (unsigned long long)tested[i], result_name(r));
    }
    for (unsigned i = 0; i < n; i++) {
        check_block(tested[i], rbuf, "read back");
        check_block(tested[i], rbuf + 1, "read back into an unaligned buffer");
        printf("block %llu: written and read back\n", (unsigned long long)tested[i]);
    }

    /* Step 4. */
    uint64_t cap = info.capacity;
    uint64_t top = ~(uint64_t)0 & ~(uint64_t)(bs - 1); /* aligned, offset + bs wraps */
    expect_einval(h, 1, bs, "misaligned offset");
    expect_einval(h, bs / 2, bs, "misaligned offset");
    expect_einval(h, cap - bs + 1, bs, "misaligned offset");
    expect_einval(h, 0, bs - 1, "size not a multiple of the block size");
    expect_einval(h, 0, bs + 1, "size not a multiple of the block size");
    expect_einval(h, 0, 1, "size not a multiple of the block size");
    expect_einval(h, 0, bs / 2, "size not a multiple of the block size");
    expect_einval(h, 0, 0, "size 0");
    expect_einval(h, cap, bs, "offset at the capacity");
    expect_einval(h, cap + bs, bs, "offset after the capacity");
    expect_einval(h, top, bs, "offset after the capacity, offset + size wraps");
    expect_einval(h, cap - bs, 2 * bs, "request running past the end");
    expect_einval(0, 0, bs, "handle 0 (the manifest's reserved entry)");
    expect_einval(h + 1, 0, bs, "handle of no device");
    expect_einval(64, 0, bs, "handle 64");
    expect_einval(~(solo5_handle_t)0, 0, bs, "handle 2^64-1");

    /* Step 5. */
    for (unsigned i = 0; i < n; i++)
        check_block(tested[i], rbuf, "after the refused requests");
    printf("blocks unchanged by the refused requests\n");

    /* Step 6. */
    if (blocks >= 2) {
        uint64_t b = blocks - 2;
        fill(wbuf, b, bs);
        fill(wbuf + bs, b + 1, bs);
        int ret = raw_block(true, h, b * bs, wbuf, 2 * bs);
        if (ret != SOLO5_R_OK)
            FAIL("two-block BLOCK_WRITE hypercall at block %llu: ret %d", (unsigned long long)b, ret);
        memset(rbuf, 0, 2 * bs);
        ret = raw_block(false, h, b * bs, rbuf, 2 * bs);
        if (ret != SOLO5_R_OK)
            FAIL("two-block BLOCK_READ hypercall at block %llu: ret %d", (unsigned long long)b, ret);
        if (memcmp(rbuf, wbuf, 2 * bs) != 0)
            FAIL("two-block BLOCK_READ hypercall: not what was written");
        check_block(b, rbuf, "after the two-block hypercall");
        check_block(b + 1, rbuf, "after the two-block hypercall");
        printf("monitor: two-block hypercalls at blocks %llu-%llu work\n",
               (unsigned long long)b, (unsigned long long)b + 1);
    }
    raw_expect_einval(h, 1, bs, "misaligned offset");
    raw_expect_einval(h, bs / 2, bs, "misaligned offset");
    raw_expect_einval(h, 0, bs - 1, "size not a multiple of the block size");
    raw_expect_einval(h, 0, bs + 1, "size not a multiple of the block size");
    raw_expect_einval(h, 0, 0, "size 0");
    raw_expect_einval(h, cap, bs, "offset at the capacity");
    raw_expect_einval(h, cap + bs, bs, "offset after the capacity");
    raw_expect_einval(h, top, bs, "offset after the capacity, offset + size wraps");
    raw_expect_einval(h, cap - bs, 2 * bs, "request running past the end");
    raw_expect_einval(0, 0, bs, "handle 0");
    raw_expect_einval(h + 1, 0, bs, "handle of no device");
    raw_expect_einval(64, 0, bs, "handle 64");
    raw_expect_einval(~(uint64_t)0, 0, bs, "handle 2^64-1");
    for (unsigned i = 0; i < n; i++)
        if (tested[i] < blocks - 2 || blocks < 2)
            check_block(tested[i], rbuf, "after the refused hypercalls");
    printf("monitor: invalid hypercalls refused with EINVAL, blocks unchanged\n");

    printf("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
