/*
 * ssp: overwriting a stack canary is caught by the stack protector, which
 * aborts with 255 ("stack smashing detected").
 */
#include <string.h>

#include "solo5.h"

#pragma GCC diagnostic ignored "-Wstringop-overflow"
#pragma GCC diagnostic ignored "-Warray-bounds"

static void puts(const char *s)
{
    solo5_console_write(s, strlen(s));
}

__attribute__((noinline)) static void smash(const char *s)
{
    char buffer[16];
    strcpy(buffer, s);
    puts(buffer);
}

int solo5_app_main(const struct solo5_start_info *si __attribute__((unused)))
{
    puts("\n**** ukvm guest test: ssp ****\n\n");
    smash("1234567890123456789012345678901234567890\n");
    puts("FAILURE: stack smashing not detected\n");
    return SOLO5_EXIT_FAILURE;
}
