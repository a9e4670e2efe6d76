/*
 * tls.c: thread-local storage (local-exec).
 *
 * x86_64 (variant II): a TLS block is [.tdata copy][.tbss zeroes][thread
 * pointer]: the linker script pads the TLS image to a multiple of 64 bytes,
 * so the thread pointer is the block's address plus the image size, and the
 * word it points at holds its own value (what %fs:0 reads).
 *
 * aarch64 (variant I): a TLS block is [16-byte TCB][padding][.tdata copy]
 * [.tbss zeroes] and the thread pointer (TPIDR_EL0) is the block's address.
 * The linker places the TLS image at the thread pointer plus 16 rounded up
 * to the image's alignment; the TCB is zeroed.
 */
#include <string.h>

#include "bindings.h"

extern char _ukvm_tls_start[], _ukvm_tdata_end[], _ukvm_tls_end[];
extern char _ukvm_tls_align[];

#define TDATA_SIZE ((size_t)(_ukvm_tdata_end - _ukvm_tls_start))
#define TLS_SIZE ((size_t)(_ukvm_tls_end - _ukvm_tls_start))
#define TLS_ALIGN ((uintptr_t)_ukvm_tls_align)

#if UKVM_TLS_VARIANT == 2
#define TLS_DATA_OFFSET ((size_t)0)
#define TLS_MIN_ALIGN sizeof(uintptr_t)

size_t solo5_tls_size(void)
{
    return TLS_SIZE + sizeof(uintptr_t);
}

uintptr_t solo5_tls_tp_offset(uintptr_t tls)
{
    return tls + TLS_SIZE;
}
#elif UKVM_TLS_VARIANT == 1
#define TLS_TCB_SIZE 16
#define TLS_MIN_ALIGN ((uintptr_t)TLS_TCB_SIZE)
/* Where the TLS image starts, from the thread pointer (what the linker uses). */
#define TLS_DATA_OFFSET                                                       \
    ((size_t)ALIGN_UP((uintptr_t)TLS_TCB_SIZE, TLS_ALIGN > 1 ? TLS_ALIGN : 1))

size_t solo5_tls_size(void)
{
    return TLS_DATA_OFFSET + TLS_SIZE;
}

uintptr_t solo5_tls_tp_offset(uintptr_t tls)
{
    return tls;
}
#else
#error "UKVM_TLS_VARIANT must be 1 or 2"
#endif

solo5_result_t solo5_tls_init(uintptr_t tls)
{
    uintptr_t align = TLS_ALIGN > TLS_MIN_ALIGN ? TLS_ALIGN : TLS_MIN_ALIGN;

    if (tls == 0 || (tls & (align - 1)) != 0)
        return SOLO5_R_EINVAL;
#if UKVM_TLS_VARIANT == 1
    memset((void *)tls, 0, TLS_DATA_OFFSET); /* TCB and padding */
#endif
    memcpy((void *)(tls + TLS_DATA_OFFSET), _ukvm_tls_start, TDATA_SIZE);
    memset((void *)(tls + TLS_DATA_OFFSET + TDATA_SIZE), 0, TLS_SIZE - TDATA_SIZE);
#if UKVM_TLS_VARIANT == 2
    uintptr_t *tp = (uintptr_t *)solo5_tls_tp_offset(tls);
    *tp = (uintptr_t)tp;
#endif
    return SOLO5_R_OK;
}

solo5_result_t solo5_set_tls_base(uintptr_t base)
{
    /*
     * The base must be a canonical address (x86_64: FS base rule; aarch64:
     * the same, as only TTBR0's low half of the address space is mapped).
     */
    if ((uintptr_t)((intptr_t)(base << 16) >> 16) != base)
        return SOLO5_R_EINVAL;
    ukvm_arch_set_tls_base(base);
    return SOLO5_R_OK;
}
