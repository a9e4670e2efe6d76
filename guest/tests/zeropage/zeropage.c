/*
 * zeropage: a null-pointer write faults (the zero page is not mapped); the
 * bindings print a register dump (the fault address 0x8) and an ABORT line
 * and exit with 255.
 */
#include <string.h>

#include "solo5.h"

static void puts(const char *s)
{
    solo5_console_write(s, strlen(s));
}

int solo5_app_main(const struct solo5_start_info *si __attribute__((unused)))
{
    puts("\n**** ukvm guest test: zeropage ****\n\n");

    volatile uint64_t *addr_invalid;
    /* Hide the constant from the compiler, which would emit ud2 (brk) for NULL. */
#if defined(__x86_64__)
    __asm__("mov $8, %0" : "=r"(addr_invalid));
#elif defined(__aarch64__)
    __asm__("mov %0, #8" : "=r"(addr_invalid));
#endif
    *addr_invalid = 1;

    puts("FAILURE: no fault\n");
    return SOLO5_EXIT_FAILURE;
}
