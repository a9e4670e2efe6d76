/*
 * tls.c: thread-local storage (x86_64 variant II, local-exec).
 *
 * A TLS block is [.tdata copy][.tbss zeroes][thread pointer]: the linker
 * script pads the TLS image to a multiple of 64 bytes, so the thread pointer
 * is the block's address plus the image size, and the word it points at holds
 * its own value (what %fs:0 reads).
 */
#include <string.h>

#include "bindings.h"

extern char _ukvm_tls_start[], _ukvm_tdata_end[], _ukvm_tls_end[];
extern char _ukvm_tls_align[];

#define TDATA_SIZE ((size_t)(_ukvm_tdata_end - _ukvm_tls_start))
#define TLS_SIZE ((size_t)(_ukvm_tls_end - _ukvm_tls_start))
#define TLS_ALIGN ((uintptr_t)_ukvm_tls_align)

size_t solo5_tls_size(void)
{
    return TLS_SIZE + sizeof(uintptr_t);
}

uintptr_t solo5_tls_tp_offset(uintptr_t tls)
{
    return tls + TLS_SIZE;
}

solo5_result_t solo5_tls_init(uintptr_t tls)
{
    uintptr_t align = TLS_ALIGN > sizeof(uintptr_t) ? TLS_ALIGN : sizeof(uintptr_t);

    if (tls == 0 || (tls & (align - 1)) != 0)
        return SOLO5_R_EINVAL;
    memcpy((void *)tls, _ukvm_tls_start, TDATA_SIZE);
    memset((void *)(tls + TDATA_SIZE), 0, TLS_SIZE - TDATA_SIZE);
    uintptr_t *tp = (uintptr_t *)solo5_tls_tp_offset(tls);
    *tp = (uintptr_t)tp;
    return SOLO5_R_OK;
}

solo5_result_t solo5_set_tls_base(uintptr_t base)
{
    /* FS base must be a canonical address. */
    if ((uintptr_t)((intptr_t)(base << 16) >> 16) != base)
        return SOLO5_R_EINVAL;
    if (!ukvm_cpl3) {
        __asm__ __volatile__("wrmsr"
                             :
                             : "c"(0xc0000100u), "a"((uint32_t)base),
                               "d"((uint32_t)(base >> 32))
                             : "memory");
    } else {
        /* start.S enters CPL3 only with CR4.FSGSBASE set. */
        __asm__ __volatile__("wrfsbase %0" : : "r"(base) : "memory");
    }
    return SOLO5_R_OK;
}
