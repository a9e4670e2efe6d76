/*
 * tls: thread-local variables (.tdata and .tbss) in two TLS blocks set up
 * with solo5_tls_init() and switched with solo5_set_tls_base(); plus the raw
 * use of the thread pointer (x86_64: the FS base; aarch64: TPIDR_EL0) as in
 * Solo5's test_tls. x86_64 is TLS variant II: the thread pointer is at the
 * block's end, the variables lie below it. aarch64 is variant I: the thread
 * pointer is the block's address, the variables lie above its 16-byte TCB.
 */
#include <stdio.h>
#include <string.h>

#include "solo5.h"

__thread int tdata_var = 42;
__thread uint64_t tbss_var;
__thread char tbss_array[100];

static volatile long raw_1, raw_2;

/* Stores v at the thread pointer. */
static void tp_store(long v)
{
#if defined(__x86_64__)
    __asm__ __volatile__("movq %0, %%fs:0" : : "r"(v) : "memory");
#elif defined(__aarch64__)
    uintptr_t tp;
    __asm__ __volatile__("mrs %0, tpidr_el0\n\t"
                         "str %1, [%0]"
                         : "=&r"(tp)
                         : "r"(v)
                         : "memory");
#endif
}

/* x86_64: the word at the thread pointer (its own value); aarch64: TPIDR_EL0. */
static uintptr_t tp_get(void)
{
    uintptr_t v;
#if defined(__x86_64__)
    __asm__ __volatile__("movq %%fs:0, %0" : "=r"(v));
#elif defined(__aarch64__)
    __asm__ __volatile__("mrs %0, tpidr_el0" : "=r"(v));
#endif
    return v;
}

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            printf("FAILURE: line %d: %s\n", __LINE__, #cond);                \
            return SOLO5_EXIT_FAILURE;                                        \
        }                                                                     \
    } while (0)

/*
 * gcc assumes the thread pointer never changes inside a function, so every
 * access after a solo5_set_tls_base() goes through a function of its own.
 */
__attribute__((noinline)) static void set_vars(int d, uint64_t b, const char *s)
{
    tdata_var = d;
    tbss_var = b;
    strcpy(tbss_array, s);
}

__attribute__((noinline)) static bool vars_are(int d, uint64_t b, const char *s)
{
    return tdata_var == d && tbss_var == b && strcmp(tbss_array, s) == 0;
}

/* The variables are fresh and lie inside the block, on their side of the thread pointer. */
__attribute__((noinline)) static bool fresh_block(uintptr_t block, size_t size, uintptr_t tp)
{
#if defined(__x86_64__)
    uintptr_t lo = block, hi = tp;
#elif defined(__aarch64__)
    uintptr_t lo = tp + 16, hi = block + size;
#endif
    return tdata_var == 42 && tbss_var == 0 && tbss_array[0] == 0 &&
           tbss_array[99] == 0 && (uintptr_t)&tdata_var >= lo &&
           (uintptr_t)&tbss_var >= lo && (uintptr_t)&tbss_array[99] < hi;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    printf("\n**** ukvm guest test: tls ****\n\n");

    /* Solo5's test: the base register alone. */
    CHECK(solo5_set_tls_base((uintptr_t)&raw_1) == SOLO5_R_OK);
    tp_store(-12345);
    CHECK(solo5_set_tls_base((uintptr_t)&raw_2) == SOLO5_R_OK);
    tp_store(56789);
    CHECK(raw_1 == -12345 && raw_2 == 56789);

    /* Two TLS blocks from the heap, 64-byte aligned. */
    size_t size = solo5_tls_size();
    uintptr_t b1 = (si->heap_start + 63) & ~(uintptr_t)63;
    uintptr_t b2 = (b1 + size + 63) & ~(uintptr_t)63;
    printf("TLS block size %zu at 0x%lx and 0x%lx\n", size, (unsigned long)b1,
           (unsigned long)b2);
    memset((void *)b1, 0xa5, size);
    memset((void *)b2, 0x5a, size);
    CHECK(solo5_tls_init(b1) == SOLO5_R_OK);
    CHECK(solo5_tls_init(b2) == SOLO5_R_OK);
    uintptr_t tp1 = solo5_tls_tp_offset(b1), tp2 = solo5_tls_tp_offset(b2);
#if defined(__aarch64__)
    CHECK(tp1 == b1 && tp2 == b2);
#endif

    CHECK(solo5_set_tls_base(tp1) == SOLO5_R_OK);
    CHECK(tp_get() == tp1);
    CHECK(fresh_block(b1, size, tp1));
    set_vars(1, 111, "thread one");

    CHECK(solo5_set_tls_base(tp2) == SOLO5_R_OK);
    CHECK(tp_get() == tp2);
    CHECK(fresh_block(b2, size, tp2));
    set_vars(2, 222, "thread two");

    CHECK(solo5_set_tls_base(tp1) == SOLO5_R_OK);
    CHECK(vars_are(1, 111, "thread one"));
    CHECK(solo5_set_tls_base(tp2) == SOLO5_R_OK);
    CHECK(vars_are(2, 222, "thread two"));

    /* Misuse is refused. */
    CHECK(solo5_tls_init(0) == SOLO5_R_EINVAL);
#if defined(__aarch64__)
    CHECK(solo5_tls_init(b1 + 8) == SOLO5_R_EINVAL); /* the TCB is 16-byte aligned */
#endif
    CHECK(solo5_set_tls_base(0x8000000000000000ULL) == SOLO5_R_EINVAL);

    printf("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
