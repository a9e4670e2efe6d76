/*
 * console.c: console output, logging, exit/abort, stack protector.
 */
#include <stdarg.h>
#include <stdio.h>

#include "bindings.h"

enum log_level ukvm_log_level = LOG_INFO;

/*
 * Stack protector guard (-mstack-protector-guard=global). start.S replaces
 * this value with one derived from the cycle counter before any C code runs.
 */
uintptr_t __stack_chk_guard = 0x00e2f1d3c4b5a697UL;

void solo5_console_write(const char *buf, size_t size)
{
    volatile struct hvt_hc_puts p;

    p.data = buf;
    p.len = size;
    hvt_do_hypercall(HVT_HYPERCALL_PUTS, &p);
}

static void vlog(const char *fmt, va_list ap)
{
    char buf[1024];
    int n = vsnprintf(buf, sizeof buf, fmt, ap);

    if (n < 0)
        return;
    solo5_console_write(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

void ukvm_log(enum log_level level, const char *fmt, ...)
{
    if (level > ukvm_log_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

void ukvm_halt(int status, void *cookie)
{
    volatile struct hvt_hc_halt h;

    h.cookie = cookie;
    h.exit_status = status;
    hvt_do_hypercall(HVT_HYPERCALL_HALT, &h);
    for (;;)
        __builtin_trap(); /* x86_64: ud2, aarch64: brk */
}

void ukvm_panic(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    int n = snprintf(buf, sizeof buf, "Solo5: ABORT: ");

    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    va_end(ap);
    solo5_console_write(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    ukvm_halt(SOLO5_EXIT_ABORT, NULL);
}

void solo5_exit(int status)
{
    ukvm_log(LOG_INFO, "Solo5: solo5_exit(%d) called\n", status);
    ukvm_halt(status, NULL);
}

void solo5_abort(void)
{
    ukvm_panic("solo5_abort() called\n");
}

void __stack_chk_fail(void) __attribute__((noreturn));

void __stack_chk_fail(void)
{
    ukvm_panic("stack smashing detected\n");
}
