/*
 * quiet: run with --solo5:quiet, the bindings print nothing of their own
 * (no "Solo5:" line) and the option is not part of the application's
 * command line.
 */
#include <string.h>

#include "solo5.h"

static void puts(const char *s)
{
    solo5_console_write(s, strlen(s));
}

int solo5_app_main(const struct solo5_start_info *si)
{
    puts("\n**** ukvm guest test: quiet ****\n\n");
    if (strstr(si->cmdline, "--solo5:") != NULL) {
        puts("command line still has --solo5: options\n");
        return SOLO5_EXIT_FAILURE;
    }
    puts("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
