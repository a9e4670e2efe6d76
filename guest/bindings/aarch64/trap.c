/*
 * trap.c (aarch64): fatal exception report. The vector entry in start.S
 * calls this on the trap stack (SP_EL1) after saving the registers. It
 * prints one dump (ESR, FAR, ELR, SPSR, x0-x30, sp) and an ABORT line in a
 * single hypercall and halts with status 255 and the frame as the HALT
 * cookie.
 */
#include <stdio.h>

#include "bindings.h"

static const char *const kinds[4] = { "sync", "irq", "fiq", "serror" };
static const char *const groups[4] = { "EL1t", "EL1h", "EL0 AArch64", "EL0 AArch32" };

/* Exception class (ESR_ELx.EC) names, for the classes a unikernel can meet. */
static const char *ec_name(unsigned ec)
{
    switch (ec) {
    case 0x00: return "unknown reason";
    case 0x01: return "WFI/WFE trapped";
    case 0x07: return "FP/SIMD access trapped";
    case 0x0e: return "illegal execution state";
    case 0x15: return "SVC";
    case 0x16: return "HVC";
    case 0x17: return "SMC";
    case 0x18: return "MSR/MRS trapped";
    case 0x20: return "instruction abort from EL0";
    case 0x21: return "instruction abort";
    case 0x22: return "PC alignment fault";
    case 0x24: return "data abort from EL0";
    case 0x25: return "data abort";
    case 0x26: return "SP alignment fault";
    case 0x2c: return "FP exception";
    case 0x2f: return "SError";
    case 0x30: case 0x31: return "breakpoint";
    case 0x32: case 0x33: return "software step";
    case 0x34: case 0x35: return "watchpoint";
    case 0x3c: return "BRK";
    default: return "other";
    }
}

/* Fault status code (ISS.DFSC / IFSC) of an abort. */
static const char *fsc_name(unsigned fsc)
{
    switch (fsc & 0x3c) {
    case 0x00: return "address size fault";
    case 0x04: return "translation fault";
    case 0x08: return "access flag fault";
    case 0x0c: return "permission fault";
    default: break;
    }
    switch (fsc) {
    case 0x10: return "synchronous external abort";
    case 0x21: return "alignment fault";
    case 0x30: return "TLB conflict";
    default: return "other fault";
    }
}

void ukvm_trap_report(struct ukvm_trap_frame *f)
{
    char buf[1536];
    int n = 0;
    unsigned kind = (unsigned)(f->vector & 3);
    unsigned group = (unsigned)((f->vector >> 2) & 3);
    unsigned ec = (unsigned)((f->esr >> 26) & 0x3f);
    bool sync = kind == 0;

#define PUT(...)                                                              \
    do {                                                                      \
        if (n < (int)sizeof buf)                                              \
            n += snprintf(buf + n, sizeof buf - (size_t)n, __VA_ARGS__);      \
    } while (0)

    PUT("Solo5: trap: type=%s%s%s%s from %s\n", kinds[kind], sync ? " (" : "",
        sync ? ec_name(ec) : "", sync ? ")" : "", groups[group]);
    PUT("Solo5: trap: esr=0x%lx far=0x%lx elr=0x%lx spsr=0x%lx sp=0x%lx\n", f->esr,
        f->far, f->elr, f->spsr, f->sp);
    if (sync && (ec == 0x20 || ec == 0x21 || ec == 0x24 || ec == 0x25)) {
        unsigned fsc = (unsigned)(f->esr & 0x3f);
        bool fetch = ec == 0x20 || ec == 0x21;
        PUT("Solo5: trap: far=0x%lx (%s", f->far, fsc_name(fsc));
        if ((fsc & 0x30) == 0)
            PUT(" level %u", fsc & 3);
        PUT(", %s)\n", fetch ? "on fetch" : (f->esr & (1u << 6)) ? "on write" : "on read");
    }
    for (int i = 0; i < 31; i += 4) {
        PUT("Solo5: trap:");
        for (int j = i; j < i + 4 && j < 31; j++)
            PUT(" x%d=0x%lx", j, f->x[j]);
        PUT("\n");
    }
    PUT("Solo5: ABORT: fatal trap %s (vector %lu, from %s) at EL1\n",
        sync ? ec_name(ec) : kinds[kind], f->vector, groups[group]);
#undef PUT

    solo5_console_write(buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
    ukvm_halt(SOLO5_EXIT_ABORT, f);
}
