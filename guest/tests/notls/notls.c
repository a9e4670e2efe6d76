/*
 * notls: with no TLS base set (x86_64: FS base 0; aarch64: TPIDR_EL0 = 0, as
 * start.S leaves it), a TLS access reads the zero page and faults (at 0x28);
 * the bindings abort with 255.
 */
#include <string.h>

#include "solo5.h"

static void puts(const char *s)
{
    solo5_console_write(s, strlen(s));
}

int solo5_app_main(const struct solo5_start_info *si __attribute__((unused)))
{
    puts("\n**** ukvm guest test: notls ****\n\n");
    uint64_t v;
#if defined(__x86_64__)
    __asm__ __volatile__("movq %%fs:0x28, %0" : "=r"(v));
#elif defined(__aarch64__)
    uint64_t tp;
    __asm__ __volatile__("mrs %1, tpidr_el0\n\t"
                         "ldr %0, [%1, #0x28]"
                         : "=r"(v), "=&r"(tp));
#endif
    (void)v;
    puts("FAILURE: TLS access without a TLS base did not fault\n");
    return SOLO5_EXIT_FAILURE;
}
