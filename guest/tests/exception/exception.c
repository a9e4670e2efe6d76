/*
 * exception: a write to an unmapped address (16 GiB) raises #PF; the
 * bindings print a register dump and an ABORT line and exit with 255.
 */
#include <string.h>

#include "solo5.h"

static void puts(const char *s)
{
    solo5_console_write(s, strlen(s));
}

int solo5_app_main(const struct solo5_start_info *si __attribute__((unused)))
{
    puts("\n**** ukvm guest test: exception ****\n\n");

    volatile uint8_t *addr_invalid = (volatile uint8_t *)(2ULL << 33);
    *addr_invalid = 1;

    puts("FAILURE: no exception\n");
    return SOLO5_EXIT_FAILURE;
}
