/* assert.h: the ukvm guest SDK's small C library. */
#ifndef UKVM_ASSERT_H
#define UKVM_ASSERT_H

/* Prints "Solo5: ABORT: FILE:LINE: Assertion `EXPR' failed" and aborts. */
void __ukvm_assert_fail(const char *expr, const char *file, int line)
    __attribute__((noreturn));

#endif

#undef assert
#ifdef NDEBUG
#define assert(e) ((void)0)
#else
#define assert(e)                                                             \
    ((e) ? (void)0 : __ukvm_assert_fail(#e, __FILE__, __LINE__))
#endif
