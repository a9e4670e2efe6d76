/* libc: the SDK's small C library (formatting, strings, number parsing). */
#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solo5.h"

#pragma GCC diagnostic ignored "-Wformat-overflow" /* "%s" of NULL on purpose */

static int failures;

static void expect(int line, const char *got, const char *want)
{
    if (strcmp(got, want) != 0) {
        printf("FAILURE: line %d: got '%s', want '%s'\n", line, got, want);
        failures++;
    }
}

#define FMT(want, ...)                                                        \
    do {                                                                      \
        char b_[128];                                                         \
        int n_ = snprintf(b_, sizeof b_, __VA_ARGS__);                        \
        expect(__LINE__, b_, want);                                           \
        if (n_ != (int)strlen(want)) {                                        \
            printf("FAILURE: line %d: length %d\n", __LINE__, n_);            \
            failures++;                                                       \
        }                                                                     \
    } while (0)

#define TRUE(cond)                                                            \
    do {                                                                      \
        if (!(cond)) {                                                        \
            printf("FAILURE: line %d: %s\n", __LINE__, #cond);                \
            failures++;                                                       \
        }                                                                     \
    } while (0)

int solo5_app_main(const struct solo5_start_info *si __attribute__((unused)))
{
    printf("\n**** ukvm guest test: libc ****\n\n");

    FMT("42 -7 0", "%d %i %u", 42, -7, 0u);
    FMT("2147483647 -2147483648", "%d %d", INT_MAX, INT_MIN);
    FMT("18446744073709551615", "%llu", ULLONG_MAX);
    FMT("-9223372036854775808", "%lld", LLONG_MIN);
    FMT("ff FF 0xff 0XFF 377 0377", "%x %X %#x %#X %o %#o", 255, 255, 255, 255, 255, 255);
    FMT("deadbeefcafe", "%lx", 0xdeadbeefcafeUL);
    FMT("[   42] [42   ] [00042] [+42] [ 42]", "[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, 42, 42, 42);
    FMT("[-0042] [  -42]", "[%05d] [%5d]", -42, -42);
    FMT("[007] [  007] [] [0]", "[%.3d] [%5.3d] [%.0d] [%d]", 7, 7, 0, 0);
    FMT("[hi] [   hi] [hi   ] [h] [(null)]", "[%s] [%5s] [%-5s] [%.1s] [%s]", "hi", "hi", "hi", "hi",
        (char *)NULL);
    FMT("[x] [  x] 100%", "[%c] [%3c] 100%%", 'x', 'x');
    FMT("0x1000 0x0", "%p %p", (void *)0x1000, (void *)0);
    FMT("12345 -3 255 65535", "%zu %zd %hhu %hu", (size_t)12345, (ptrdiff_t)-3, 511, 131071);
    FMT("[  ab]", "[%*s]", 4, "ab");
    FMT("[ab  ]", "[%*s]", -4, "ab");

    char small[6];
    TRUE(snprintf(small, sizeof small, "%s", "truncated") == 9 && strcmp(small, "trunc") == 0);
    TRUE(snprintf(NULL, 0, "%d", 12345) == 5);

    char buf[32];
    TRUE(strlen("") == 0 && strlen("abc") == 3 && strnlen("abcdef", 4) == 4);
    TRUE(strcmp("abc", "abd") < 0 && strcmp("b", "a") > 0 && strcmp("x", "x") == 0);
    TRUE(strncmp("abcX", "abcY", 3) == 0 && strncmp("ab", "abc", 3) < 0);
    TRUE(strchr("hello", 'l') != NULL && *strchr("hello", 'l') == 'l' && strchr("hello", 'z') == NULL);
    const char *hello = "hello";
    TRUE(strrchr(hello, 'l') == hello + 3 && strrchr(hello, 'z') == NULL);
    TRUE(strstr("needle in haystack", "hay") != NULL && strstr("abc", "abd") == NULL);
    memset(buf, 'x', sizeof buf);
    strncpy(buf, "ab", 4);
    TRUE(buf[0] == 'a' && buf[1] == 'b' && buf[2] == 0 && buf[3] == 0 && buf[4] == 'x');
    strcpy(buf, "0123456789");
    memmove(buf + 2, buf, 5);
    expect(__LINE__, buf, "0101234789");
    memmove(buf, buf + 2, 5);
    expect(__LINE__, buf, "0123434789");
    TRUE(memcmp("abc", "abd", 2) == 0 && memcmp("abc", "abd", 3) < 0);
    TRUE(memchr("abc", 'c', 3) != NULL && memchr("abc", 'c', 2) == NULL);

    char *end;
    TRUE(strtoul("  123xyz", &end, 10) == 123 && *end == 'x');
    TRUE(strtoul("0x1F", NULL, 0) == 31 && strtoul("017", NULL, 0) == 15 && strtoul("ff", NULL, 16) == 255);
    TRUE(strtoul("99999999999999999999", NULL, 10) == ULONG_MAX);
    TRUE(strtol("-42", NULL, 10) == -42 && strtol("+7", NULL, 10) == 7);
    TRUE(strtol("-9223372036854775808", NULL, 10) == LONG_MIN);
    TRUE(strtol("9223372036854775808", NULL, 10) == LONG_MAX);
    TRUE(strtoul("abc", &end, 10) == 0 && *end == 'a');

    assert(failures >= 0); /* compiles, and does not fire */

    if (failures > 0)
        return SOLO5_EXIT_FAILURE;
    printf("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
