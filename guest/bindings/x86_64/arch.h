/*
 * arch.h: what the shared C bindings need from the x86_64 CPU (included by
 * bindings.h; start.S uses cpu.h).
 */
#ifndef UKVM_X86_64_ARCH_H
#define UKVM_X86_64_ARCH_H

#include <stdint.h>

/* Set by start.S (at CPL0, before the application runs). */
extern uint8_t ukvm_cpl3; /* the application runs at CPL3 (with WRFSBASE) */

/* Saved by the trap entry in start.S (lowest address first). */
struct ukvm_trap_frame {
    uint64_t cr2;
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, ec;
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* The cycle counter the clocks run on (cpu_cycle_freq Hz). */
#define UKVM_ARCH_COUNTER_NAME "TSC"
static inline uint64_t ukvm_arch_ticks(void)
{
    uint32_t lo, hi;

    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* TLS variant II: the data lies below the thread pointer, which points at itself. */
#define UKVM_TLS_VARIANT 2

static inline void ukvm_arch_set_tls_base(uintptr_t base)
{
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
}

/* For the boot banner: where the application runs, how TLS is set. */
static inline const char *ukvm_arch_mode(void)
{
    return ukvm_cpl3 ? "CPL3" : "CPL0";
}

static inline const char *ukvm_arch_tls_via(void)
{
    return ukvm_cpl3 ? "WRFSBASE" : "WRMSR";
}

#endif
