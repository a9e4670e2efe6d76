/*
 * blkbench: block device throughput, for bench/block.sh.
 *
 *   ukvm --block:storage=FILE [--block-sector-size:storage=N] blkbench.hvt \
 *        MODE SIZE_MB [REQUEST_BYTES] [seed=N]
 *
 * MODE is seqread, seqwrite, randread or randwrite. It moves SIZE_MB MiB
 * (1..65536) in requests of REQUEST_BYTES (default: the device's block size;
 * any multiple of it up to 4 MiB that fits in the device):
 *  - seq*: request after request from offset 0 up, back to 0 at the end of
 *    the device;
 *  - rand*: each request at a request-aligned offset drawn uniformly
 *    (xorshift64, seed from the command line, default 1) from the device.
 * A request of exactly one block goes through solo5_block_read/write (the
 * SDK's bindings take one block per call); a larger one is one
 * BLOCK_READ/BLOCK_WRITE hypercall (hvt_abi.h), which the monitor takes for
 * any whole number of blocks. Written data is a fixed non-zero pattern.
 *
 * The loop is timed with solo5_clock_monotonic() (boot and setup excluded)
 * and the result printed as one line for the script to parse:
 *   RESULT mode=M block_size=B request=R requests=N bytes=X ns=T
 * followed by the rate in KiB/s (integer: the SDK's printf has no floating
 * point) and SUCCESS. Any failed request prints FAILURE and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvt_abi.h"
#include "solo5.h"

#define MAX_REQUEST (4UL << 20)
#define USAGE "usage: blkbench seqread|seqwrite|randread|randwrite SIZE_MB [REQUEST_BYTES] [seed=N]"

static uint8_t buf[MAX_REQUEST] __attribute__((aligned(4096)));

static solo5_handle_t h;
static struct solo5_block_info info;

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

/* One request of (len) bytes at (offset): bindings for one block, else the hypercall. */
static solo5_result_t request(bool write, solo5_off_t offset, size_t len)
{
    if (len == info.block_size)
        return write ? solo5_block_write(h, offset, buf, len)
                     : solo5_block_read(h, offset, buf, len);
    if (write) {
        volatile struct hvt_hc_block_write w;
        w.handle = h;
        w.offset = offset;
        w.data = buf;
        w.len = len;
        w.ret = SOLO5_R_EUNSPEC;
        hvt_do_hypercall(HVT_HYPERCALL_BLOCK_WRITE, &w);
        return (solo5_result_t)w.ret;
    }
    volatile struct hvt_hc_block_read r;
    r.handle = h;
    r.offset = offset;
    r.data = buf;
    r.len = len;
    r.ret = SOLO5_R_EUNSPEC;
    hvt_do_hypercall(HVT_HYPERCALL_BLOCK_READ, &r);
    if (r.ret == SOLO5_R_OK && r.len != len)
        return SOLO5_R_EUNSPEC;
    return (solo5_result_t)r.ret;
}

/* The next word, NUL-terminated in place; NULL at the end of the line. */
static char *next_word(char **p)
{
    while (**p == ' ')
        (*p)++;
    if (**p == '\0')
        return NULL;
    char *w = *p;
    while (**p && **p != ' ')
        (*p)++;
    if (**p)
        *(*p)++ = '\0';
    return w;
}

static bool parse_number(const char *s, unsigned long long *v)
{
    char *end;

    if (s == NULL || *s < '0' || *s > '9')
        return false;
    *v = strtoul(s, &end, 10);
    return *end == '\0';
}

int solo5_app_main(const struct solo5_start_info *si)
{
    static char line[512];
    char *p = line, *w;
    bool write, random;
    unsigned long long size_mb, req = 0, seed = 1;

    printf("\n**** ukvm guest: blkbench ****\n\n");
    if (strlen(si->cmdline) >= sizeof line) {
        printf("FAILURE: command line too long\n" USAGE "\n");
        return SOLO5_EXIT_FAILURE;
    }
    strcpy(line, si->cmdline);

    w = next_word(&p);
    if (w == NULL)
        goto usage;
    if (strcmp(w, "seqread") == 0)
        write = false, random = false;
    else if (strcmp(w, "seqwrite") == 0)
        write = true, random = false;
    else if (strcmp(w, "randread") == 0)
        write = false, random = true;
    else if (strcmp(w, "randwrite") == 0)
        write = true, random = true;
    else
        goto usage;
    const char *mode = w;
    if (!parse_number(next_word(&p), &size_mb) || size_mb < 1 || size_mb > 65536)
        goto usage;
    while ((w = next_word(&p)) != NULL) {
        if (strncmp(w, "seed=", 5) == 0) {
            if (!parse_number(w + 5, &seed) || seed == 0)
                goto usage;
        } else if (req == 0 && parse_number(w, &req) && req > 0) {
            continue;
        } else {
            goto usage;
        }
    }

    solo5_result_t r = solo5_block_acquire("storage", &h, &info);
    if (r != SOLO5_R_OK) {
        printf("FAILURE: solo5_block_acquire(\"storage\"): %s\n", result_name(r));
        return SOLO5_EXIT_FAILURE;
    }
    if (req == 0)
        req = info.block_size;
    if (info.block_size == 0 || req % info.block_size != 0 || req > MAX_REQUEST ||
        req > info.capacity) {
        printf("FAILURE: request of %llu bytes: want a multiple of the block size %llu, at "
               "most %lu and at most the capacity %llu\n",
               req, (unsigned long long)info.block_size, MAX_REQUEST,
               (unsigned long long)info.capacity);
        return SOLO5_EXIT_FAILURE;
    }
    unsigned long long total = size_mb << 20;
    unsigned long long n = (total + req - 1) / req;
    unsigned long long slots = info.capacity / req; /* request-aligned places */
    printf("device: capacity %llu bytes, block size %llu; %s of %llu MiB in %llu requests of "
           "%llu bytes\n",
           (unsigned long long)info.capacity, (unsigned long long)info.block_size, mode,
           size_mb, n, req);

    for (size_t i = 0; i < req; i++)
        buf[i] = (uint8_t)(i * 131 + 7) | 1;

    uint64_t x = seed * 0x9e3779b97f4a7c15ULL | 1;
    unsigned long long slot = 0;
    solo5_time_t t0 = solo5_clock_monotonic();
    for (unsigned long long i = 0; i < n; i++) {
        if (random) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            slot = x % slots;
        } else if (slot == slots) {
            slot = 0;
        }
        r = request(write, slot * req, req);
        if (r != SOLO5_R_OK) {
            printf("FAILURE: %s request %llu at offset %llu, %llu bytes: %s\n",
                   write ? "write" : "read", i, slot * req, req, result_name(r));
            return SOLO5_EXIT_FAILURE;
        }
        if (!random)
            slot++;
    }
    solo5_time_t t1 = solo5_clock_monotonic();

    unsigned long long ns = t1 - t0, bytes = n * req;
    printf("RESULT mode=%s block_size=%llu request=%llu requests=%llu bytes=%llu ns=%llu\n",
           mode, (unsigned long long)info.block_size, req, n, bytes, ns);
    if (ns > 0)
        printf("%llu KiB/s, %llu ns per request\n", bytes * 1000000000ULL / 1024 / ns, ns / n);
    printf("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;

usage:
    printf("FAILURE: bad command line '%s'\n" USAGE "\n", si->cmdline);
    return SOLO5_EXIT_FAILURE;
}
