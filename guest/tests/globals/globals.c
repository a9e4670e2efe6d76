/* globals: initialised globals are there and writable, .bss is zero. */
#include <string.h>

#include "solo5.h"

static void puts(const char *s)
{
    solo5_console_write(s, strlen(s));
}

char message[] = "RUCCESS\n";
static int counter = 41;
static unsigned long zeroes[512];
static const char rodata[] = "read-only";

int solo5_app_main(const struct solo5_start_info *si __attribute__((unused)))
{
    puts("\n**** ukvm guest test: globals ****\n\n");

    for (size_t i = 0; i < sizeof zeroes / sizeof zeroes[0]; i++) {
        if (zeroes[i] != 0) {
            puts(".bss is not zero\n");
            return SOLO5_EXIT_FAILURE;
        }
        zeroes[i] = i;
    }
    counter++;
    if (counter != 42 || zeroes[511] != 511 || strcmp(rodata, "read-only") != 0) {
        puts("globals are wrong\n");
        return SOLO5_EXIT_FAILURE;
    }
    message[0]++;
    puts(message);
    return SOLO5_EXIT_SUCCESS;
}
