/* stdio.h: the ukvm guest SDK's small C library (console output only). */
#ifndef UKVM_STDIO_H
#define UKVM_STDIO_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Formatting: flags "-+ #0", width and precision (numbers or '*'), lengths
 * hh h l ll z j t, conversions d i u x X o c s p %. No floating point.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* To the console (one hypercall per call; output beyond 1 KiB is cut). */
int vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
