/*
 * notls: with no TLS base set (FS base 0), a TLS access reads the zero page
 * and faults; the bindings abort with 255.
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
    __asm__ __volatile__("movq %%fs:0x28, %0" : "=r"(v));
    (void)v;
    puts("FAILURE: TLS access without a TLS base did not fault\n");
    return SOLO5_EXIT_FAILURE;
}
