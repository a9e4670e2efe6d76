/*
 * blk: the block device "storage" (at least 64 KiB). Acquires it, writes a
 * pattern that depends on the block number to blocks spread over the whole
 * device (first and last included), reads each back, and checks that bad
 * requests (unaligned offset, partial block, past the end, unknown handle,
 * second acquire) are refused with SOLO5_R_EINVAL.
 */
#include <stdio.h>
#include <string.h>

#include "solo5.h"

#define MAX_BLOCK_SIZE 32768
#define MAX_TESTED 256

static uint8_t wbuf[MAX_BLOCK_SIZE], rbuf[MAX_BLOCK_SIZE];

static void fill(uint64_t block, size_t size)
{
    for (size_t i = 0; i < size; i++)
        wbuf[i] = (uint8_t)(block * 7 + i * 13 + (i >> 8));
    /* The block number in clear, so that the host side can check it too. */
    snprintf((char *)wbuf, 32, "ukvm block %llu", (unsigned long long)block);
}

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            printf("FAILURE: line %d: %s\n", __LINE__, #cond);                \
            return SOLO5_EXIT_FAILURE;                                        \
        }                                                                     \
    } while (0)

int solo5_app_main(const struct solo5_start_info *si __attribute__((unused)))
{
    printf("\n**** ukvm guest test: blk ****\n\n");

    solo5_handle_t h, h2;
    struct solo5_block_info info;
    CHECK(solo5_block_acquire("storage", &h, &info) == SOLO5_R_OK);
    printf("storage: capacity %llu bytes, block size %llu bytes\n",
           (unsigned long long)info.capacity, (unsigned long long)info.block_size);
    CHECK(solo5_block_acquire("storage", &h2, &info) == SOLO5_R_EINVAL);
    CHECK(solo5_block_acquire("nonexistent", &h2, &info) == SOLO5_R_EINVAL);
    CHECK(info.block_size >= 512 && info.block_size <= MAX_BLOCK_SIZE);
    CHECK(info.capacity >= 65536 && info.capacity % info.block_size == 0);

    size_t bs = info.block_size;
    uint64_t blocks = info.capacity / bs;
    uint64_t step = blocks / MAX_TESTED + 1;

    for (uint64_t b = 0; b < blocks; b = (b + step < blocks || b == blocks - 1) ? b + step : blocks - 1) {
        fill(b, bs);
        CHECK(solo5_block_write(h, b * bs, wbuf, bs) == SOLO5_R_OK);
    }
    uint64_t tested = 0;
    for (uint64_t b = 0; b < blocks; b = (b + step < blocks || b == blocks - 1) ? b + step : blocks - 1) {
        fill(b, bs);
        memset(rbuf, 0, bs);
        CHECK(solo5_block_read(h, b * bs, rbuf, bs) == SOLO5_R_OK);
        if (memcmp(rbuf, wbuf, bs) != 0) {
            printf("FAILURE: block %llu reads back wrong\n", (unsigned long long)b);
            return SOLO5_EXIT_FAILURE;
        }
        tested++;
    }
    printf("wrote and read back %llu of %llu blocks\n", (unsigned long long)tested,
           (unsigned long long)blocks);

    CHECK(solo5_block_write(h, 1, wbuf, bs) == SOLO5_R_EINVAL);
    CHECK(solo5_block_read(h, bs / 2, rbuf, bs) == SOLO5_R_EINVAL);
    CHECK(solo5_block_write(h, 0, wbuf, bs / 2) == SOLO5_R_EINVAL);
    CHECK(solo5_block_read(h, 0, rbuf, bs * 2) == SOLO5_R_EINVAL);
    CHECK(solo5_block_write(h, info.capacity, wbuf, bs) == SOLO5_R_EINVAL);
    CHECK(solo5_block_read(h, info.capacity, rbuf, bs) == SOLO5_R_EINVAL);
    CHECK(solo5_block_read(h + 1, 0, rbuf, bs) == SOLO5_R_EINVAL);
    CHECK(solo5_block_read(0, 0, rbuf, bs) == SOLO5_R_EINVAL);

    printf("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
