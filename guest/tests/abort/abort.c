/* abort: solo5_abort() prints an ABORT line and exits with 255. */
#include <string.h>

#include "solo5.h"

static void puts(const char *s)
{
    solo5_console_write(s, strlen(s));
}

int solo5_app_main(const struct solo5_start_info *si __attribute__((unused)))
{
    puts("\n**** ukvm guest test: abort ****\n\n");
    solo5_abort();
}
