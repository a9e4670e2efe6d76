/*
 * notls (aarch64): with no TLS base set (TPIDR_EL0 = 0, as start.S leaves
 * it), a TLS access reads the zero page and faults (far=0x28); the bindings
 * abort with 255.
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
    uint64_t v, tp;
    __asm__ __volatile__("mrs %1, tpidr_el0\n\t"
                         "ldr %0, [%1, #0x28]"
                         : "=r"(v), "=&r"(tp));
    (void)v;
    puts("FAILURE: TLS access without a TLS base did not fault\n");
    return SOLO5_EXIT_FAILURE;
}
