/*
 * trap.c: fatal trap report. start.S calls this on the trap stack after
 * saving the registers, at the application's CPL (so under PVM the
 * formatting runs natively at CPL3). It prints one dump and halts with
 * status 255 and the frame as the HALT cookie.
 */
#include <stdio.h>

#include "bindings.h"

static const char *const trap_names[32] = {
    "#DE", "#DB", "#NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
    "#DF", "#9",  "#TS",  "#NP", "#SS", "#GP", "#PF", "#15",
    "#MF", "#AC", "#MC",  "#XM", "#VE", "#CP", "#22", "#23",
    "#24", "#25", "#26",  "#27", "#28", "#VC", "#SX", "#31",
};

void ukvm_trap_report(struct ukvm_trap_frame *f)
{
    char buf[1024];
    int n = 0;
    const char *name = f->vector < 32 ? trap_names[f->vector] : "#??";

#define PUT(...)                                                              \
    do {                                                                      \
        if (n < (int)sizeof buf)                                              \
            n += snprintf(buf + n, sizeof buf - (size_t)n, __VA_ARGS__);      \
    } while (0)

    PUT("Solo5: trap: type=%s ec=0x%lx rip=0x%lx rsp=0x%lx rflags=0x%lx\n",
        name, f->ec, f->rip, f->rsp, f->rflags);
    if (f->vector == 14)
        PUT("Solo5: trap: cr2=0x%lx (%s %s, %s)\n", f->cr2,
            (f->ec & 1) ? "protection violation" : "page not present",
            (f->ec & 16) ? "on fetch" : (f->ec & 2) ? "on write" : "on read",
            (f->ec & 4) ? "CPL3" : "CPL0");
    PUT("Solo5: trap: rax=0x%lx rbx=0x%lx rcx=0x%lx rdx=0x%lx\n",
        f->rax, f->rbx, f->rcx, f->rdx);
    PUT("Solo5: trap: rsi=0x%lx rdi=0x%lx rbp=0x%lx r8=0x%lx\n",
        f->rsi, f->rdi, f->rbp, f->r8);
    PUT("Solo5: trap: r9=0x%lx r10=0x%lx r11=0x%lx r12=0x%lx\n",
        f->r9, f->r10, f->r11, f->r12);
    PUT("Solo5: trap: r13=0x%lx r14=0x%lx r15=0x%lx cs=0x%lx ss=0x%lx\n",
        f->r13, f->r14, f->r15, f->cs, f->ss);
    PUT("Solo5: ABORT: fatal trap %s (vector %lu) at CPL%lu\n", name,
        f->vector, f->cs & 3);
#undef PUT

    solo5_console_write(buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
    ukvm_halt(SOLO5_EXIT_ABORT, f);
}
