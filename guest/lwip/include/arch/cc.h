/*
 * arch/cc.h: lwIP's compiler and platform glue for the ukvm guest SDK
 * (freestanding gcc, LP64 little-endian: x86_64 and aarch64, the SDK's small libc).
 */
#ifndef UKVM_LWIP_ARCH_CC_H
#define UKVM_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* No <inttypes.h> in a freestanding gcc: lwIP's printf formats by hand (LP64). */
#define LWIP_NO_INTTYPES_H 1
#define X8_F  "02x"
#define U16_F "hu"
#define S16_F "hd"
#define X16_F "hx"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "lu"

#define BYTE_ORDER LITTLE_ENDIAN
#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))

#define LWIP_PLATFORM_DIAG(x) do { printf x; } while (0)
void ukvm_lwip_assert(const char *msg, const char *file, int line) __attribute__((noreturn));
#define LWIP_PLATFORM_ASSERT(x) ukvm_lwip_assert((x), __FILE__, __LINE__)

/* For TCP initial sequence numbers, local ports, ARP/IP ids. */
uint32_t ukvm_lwip_rand(void);
#define LWIP_RAND() ((u32_t)ukvm_lwip_rand())

#endif
