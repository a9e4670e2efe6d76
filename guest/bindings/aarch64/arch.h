/*
 * arch.h: what the shared C bindings need from the AArch64 CPU (included by
 * bindings.h; start.S uses cpu.h).
 */
#ifndef UKVM_AARCH64_ARCH_H
#define UKVM_AARCH64_ARCH_H

#include <stdint.h>

#include "cpu.h"

/*
 * Saved by the vector entry in start.S (lowest address first), on the trap
 * stack (SP_EL1). sp is the interrupted stack pointer (SP_EL0: the
 * application runs at EL1 with SPSel = 0).
 */
struct ukvm_trap_frame {
    uint64_t x[31];
    uint64_t sp;
    uint64_t elr, spsr;
    uint64_t esr, far;
    uint64_t vector; /* 0-15: index in the vector table (group * 4 + kind) */
    uint64_t pad;
};
_Static_assert(sizeof(struct ukvm_trap_frame) == TF_SIZE, "TF_SIZE");
_Static_assert(__builtin_offsetof(struct ukvm_trap_frame, x[30]) == TF_X30, "TF_X30");
_Static_assert(__builtin_offsetof(struct ukvm_trap_frame, elr) == TF_ELR, "TF_ELR");
_Static_assert(__builtin_offsetof(struct ukvm_trap_frame, esr) == TF_ESR, "TF_ESR");
_Static_assert(__builtin_offsetof(struct ukvm_trap_frame, vector) == TF_VECTOR, "TF_VECTOR");

/* The cycle counter the clocks run on (cpu_cycle_freq = CNTFRQ_EL0 Hz). */
#define UKVM_ARCH_COUNTER_NAME "CNTVCT"
static inline uint64_t ukvm_arch_ticks(void)
{
    uint64_t v;

    /* The ISB keeps the read from being taken early. */
    __asm__ __volatile__("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
    return v;
}

/* TLS variant I: the thread pointer points at a 16-byte TCB before the data. */
#define UKVM_TLS_VARIANT 1

static inline void ukvm_arch_set_tls_base(uintptr_t base)
{
    __asm__ __volatile__("msr tpidr_el0, %0" : : "r"(base) : "memory");
}

/* For the boot banner: where the application runs, how TLS is set. */
static inline const char *ukvm_arch_mode(void)
{
    return "EL1";
}

static inline const char *ukvm_arch_tls_via(void)
{
    return "TPIDR_EL0";
}

#endif
