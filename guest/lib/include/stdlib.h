/* stdlib.h: the ukvm guest SDK's small C library. */
#ifndef UKVM_STDLIB_H
#define UKVM_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

void abort(void) __attribute__((noreturn));
void exit(int status) __attribute__((noreturn));
unsigned long strtoul(const char *s, char **end, int base);
long strtol(const char *s, char **end, int base);
int atoi(const char *s);

#endif
