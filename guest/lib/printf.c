/*
 * printf.c: a small vsnprintf and console printf for the ukvm guest SDK.
 * Integers, characters, strings and pointers; no floating point.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "solo5.h"

/* Output cursor: writes what fits, counts everything. */
struct out {
    char *buf;
    size_t size;
    size_t len;
};

static void out_char(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void out_repeat(struct out *o, char c, int n)
{
    for (; n > 0; n--)
        out_char(o, c);
}

#define F_LEFT 0x01  /* '-' */
#define F_PLUS 0x02  /* '+' */
#define F_SPACE 0x04 /* ' ' */
#define F_ALT 0x08   /* '#' */
#define F_ZERO 0x10  /* '0' */
#define F_PTR 0x20   /* %p: always "0x" */

static void out_number(struct out *o, uintmax_t v, bool negative, unsigned base,
                       bool upper, int flags, int width, int prec)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24]; /* 2^64 in octal is 22 digits */
    int n = 0;

    if (v == 0 && prec == 0) {
        /* "%.0d" of 0 prints no digits */
    } else {
        do {
            tmp[n++] = digits[v % base];
            v /= base;
        } while (v != 0);
    }

    char sign = 0;
    if (negative)
        sign = '-';
    else if (flags & F_PLUS)
        sign = '+';
    else if (flags & F_SPACE)
        sign = ' ';

    const char *prefix = "";
    if ((flags & F_PTR) ||
        ((flags & F_ALT) && base == 16 && n > 0 && !(n == 1 && tmp[0] == '0')))
        prefix = upper ? "0X" : "0x";
    else if ((flags & F_ALT) && base == 8 && (n == 0 || tmp[n - 1] != '0'))
        prefix = "0";

    int zeros = prec > n ? prec - n : 0;
    int body = (sign ? 1 : 0) + (int)strlen(prefix) + zeros + n;
    int pad = width > body ? width - body : 0;

    if ((flags & F_ZERO) && !(flags & F_LEFT) && prec < 0) {
        zeros += pad;
        pad = 0;
    }
    if (!(flags & F_LEFT))
        out_repeat(o, ' ', pad);
    if (sign)
        out_char(o, sign);
    for (; *prefix; prefix++)
        out_char(o, *prefix);
    out_repeat(o, '0', zeros);
    while (n > 0)
        out_char(o, tmp[--n]);
    if (flags & F_LEFT)
        out_repeat(o, ' ', pad);
}

static void out_string(struct out *o, const char *s, int flags, int width,
                       int prec)
{
    if (s == NULL)
        s = "(null)";
    size_t n = prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s);
    int pad = width > (int)n ? width - (int)n : 0;

    if (!(flags & F_LEFT))
        out_repeat(o, ' ', pad);
    for (size_t i = 0; i < n; i++)
        out_char(o, s[i]);
    if (flags & F_LEFT)
        out_repeat(o, ' ', pad);
}

enum length { L_INT, L_CHAR, L_SHORT, L_LONG, L_LLONG, L_SIZE, L_MAX, L_PTRDIFF };

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { .buf = buf, .size = size, .len = 0 };

    while (*fmt) {
        if (*fmt != '%') {
            out_char(&o, *fmt++);
            continue;
        }
        fmt++;

        int flags = 0;
        for (;; fmt++) {
            if (*fmt == '-')
                flags |= F_LEFT;
            else if (*fmt == '+')
                flags |= F_PLUS;
            else if (*fmt == ' ')
                flags |= F_SPACE;
            else if (*fmt == '#')
                flags |= F_ALT;
            else if (*fmt == '0')
                flags |= F_ZERO;
            else
                break;
        }

        int width = 0;
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                flags |= F_LEFT;
                width = -width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        }

        int prec = -1;
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') {
                prec = va_arg(ap, int);
                if (prec < 0)
                    prec = -1;
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    prec = prec * 10 + (*fmt++ - '0');
            }
        }

        enum length len = L_INT;
        switch (*fmt) {
        case 'h':
            fmt++;
            len = L_SHORT;
            if (*fmt == 'h') {
                fmt++;
                len = L_CHAR;
            }
            break;
        case 'l':
            fmt++;
            len = L_LONG;
            if (*fmt == 'l') {
                fmt++;
                len = L_LLONG;
            }
            break;
        case 'z':
            fmt++;
            len = L_SIZE;
            break;
        case 'j':
            fmt++;
            len = L_MAX;
            break;
        case 't':
            fmt++;
            len = L_PTRDIFF;
            break;
        default:
            break;
        }

        char conv = *fmt;
        if (conv == '\0')
            break;
        fmt++;

        switch (conv) {
        case 'd':
        case 'i': {
            intmax_t v;
            switch (len) {
            case L_CHAR: v = (signed char)va_arg(ap, int); break;
            case L_SHORT: v = (short)va_arg(ap, int); break;
            case L_LONG: v = va_arg(ap, long); break;
            case L_LLONG: v = va_arg(ap, long long); break;
            case L_SIZE: v = va_arg(ap, ptrdiff_t); break; /* ssize_t */
            case L_MAX: v = va_arg(ap, intmax_t); break;
            case L_PTRDIFF: v = va_arg(ap, ptrdiff_t); break;
            default: v = va_arg(ap, int); break;
            }
            uintmax_t mag = v < 0 ? -(uintmax_t)v : (uintmax_t)v;
            out_number(&o, mag, v < 0, 10, false, flags, width, prec);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uintmax_t v;
            switch (len) {
            case L_CHAR: v = (unsigned char)va_arg(ap, unsigned); break;
            case L_SHORT: v = (unsigned short)va_arg(ap, unsigned); break;
            case L_LONG: v = va_arg(ap, unsigned long); break;
            case L_LLONG: v = va_arg(ap, unsigned long long); break;
            case L_SIZE: v = va_arg(ap, size_t); break;
            case L_MAX: v = va_arg(ap, uintmax_t); break;
            case L_PTRDIFF: v = (uintmax_t)va_arg(ap, ptrdiff_t); break;
            default: v = va_arg(ap, unsigned); break;
            }
            unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
            out_number(&o, v, false, base, conv == 'X', flags & ~(F_PLUS | F_SPACE),
                       width, prec);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            out_number(&o, v, false, 16, false, (flags | F_PTR) & ~(F_PLUS | F_SPACE),
                       width, prec);
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            int pad = width > 1 ? width - 1 : 0;
            if (!(flags & F_LEFT))
                out_repeat(&o, ' ', pad);
            out_char(&o, c);
            if (flags & F_LEFT)
                out_repeat(&o, ' ', pad);
            break;
        }
        case 's':
            out_string(&o, va_arg(ap, const char *), flags, width, prec);
            break;
        case '%':
            out_char(&o, '%');
            break;
        default:
            /* Unknown conversion: print it as written. */
            out_char(&o, '%');
            out_char(&o, conv);
            break;
        }
    }

    if (size > 0)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int vprintf(const char *fmt, va_list ap)
{
    char buf[1024];
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    solo5_console_write(buf, len);
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}
