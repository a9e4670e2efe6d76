/* stdlib.c: abort, exit, strtoul/strtol for the ukvm guest SDK. */
#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solo5.h"

void abort(void)
{
    solo5_abort();
}

void exit(int status)
{
    solo5_exit(status);
}

void __ukvm_assert_fail(const char *expr, const char *file, int line)
{
    char buf[256];
    int n = snprintf(buf, sizeof buf, "Solo5: ABORT: %s:%d: Assertion `%s' failed\n",
                     file, line, expr);
    solo5_console_write(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    solo5_exit(SOLO5_EXIT_ABORT);
}

/* Parses an optionally signed integer; returns its magnitude. */
static unsigned long parse(const char *s, char **end, int base, bool *negative,
                           bool *overflow)
{
    const char *p = s;

    *negative = false;
    *overflow = false;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '+' || *p == '-')
        *negative = *p++ == '-';
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
        isxdigit((unsigned char)p[2])) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = p[0] == '0' ? 8 : 10;
    }

    unsigned long v = 0;
    bool any = false;
    for (;; p++) {
        int d;
        if (isdigit((unsigned char)*p))
            d = *p - '0';
        else if (isalpha((unsigned char)*p))
            d = tolower((unsigned char)*p) - 'a' + 10;
        else
            break;
        if (d >= base)
            break;
        any = true;
        if (v > (ULONG_MAX - (unsigned)d) / (unsigned)base)
            *overflow = true;
        v = v * (unsigned)base + (unsigned)d;
    }
    if (end)
        *end = (char *)(any ? p : s);
    return v;
}

unsigned long strtoul(const char *s, char **end, int base)
{
    bool negative, overflow;
    unsigned long v = parse(s, end, base, &negative, &overflow);

    if (overflow)
        return ULONG_MAX;
    return negative ? -v : v;
}

long strtol(const char *s, char **end, int base)
{
    bool negative, overflow;
    unsigned long v = parse(s, end, base, &negative, &overflow);

    if (negative) {
        if (overflow || v > (unsigned long)LONG_MAX + 1)
            return LONG_MIN;
        return v == (unsigned long)LONG_MAX + 1 ? LONG_MIN : -(long)v;
    }
    if (overflow || v > (unsigned long)LONG_MAX)
        return LONG_MAX;
    return (long)v;
}

int atoi(const char *s)
{
    return (int)strtol(s, NULL, 10);
}
