/* hello: prints a greeting and echoes the command line. */
#include <string.h>

#include "solo5.h"

static void puts(const char *s)
{
    solo5_console_write(s, strlen(s));
}

int solo5_app_main(const struct solo5_start_info *si)
{
    puts("\n**** ukvm guest test: hello ****\n\n");
    puts("Hello, World\nCommand line is: '");
    puts(si->cmdline);
    puts("'\n");
    puts("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
