/*
 * fpu: vector and scalar floating-point arithmetic works. x86_64: SSE (natively
 * at CPL3 under ukvm; the emulated CPL0 of this host's KVM cannot run it).
 * AArch64: a NEON multiply and FSQRT (CPACR_EL1.FPEN lets EL1 use FP/SIMD).
 */
#include <stdio.h>
#include <string.h>

#include "solo5.h"

static void puts(const char *s)
{
    solo5_console_write(s, strlen(s));
}

/* Not inlined, so that the compiler cannot fold the arithmetic. */
__attribute__((noinline)) static double dot(const double *a, const double *b, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

int solo5_app_main(const struct solo5_start_info *si __attribute__((unused)))
{
    puts("\n**** ukvm guest test: fpu ****\n\n");

    float c[4] __attribute__((aligned(16))) = { 2.0f, 5.0f, 0.5f, -3.0f };
#if defined(__x86_64__)
    __asm__ __volatile__("movaps %0, %%xmm1\n\t"
                         "mulps %%xmm1, %%xmm1\n\t"
                         "movaps %%xmm1, %0"
                         : "+m"(c)
                         :
                         : "xmm1");
#elif defined(__aarch64__)
    __asm__ __volatile__("ldr q1, %0\n\t"
                         "fmul v1.4s, v1.4s, v1.4s\n\t"
                         "str q1, %0"
                         : "+m"(c)
                         :
                         : "v1");
#endif

    volatile float a = 1.5f, b = 5.0f;
    float p = a * b;

    double x[8], y[8];
    for (int i = 0; i < 8; i++) {
        x[i] = i + 0.5;
        y[i] = 2.0 * i;
    }
    double d = dot(x, y, 8); /* sum of (i + 0.5) * 2i for i < 8 = 308 */

    volatile double r = 2.0;
    double s;
#if defined(__x86_64__)
    __asm__("sqrtsd %1, %0" : "=x"(s) : "x"((double)r));
#elif defined(__aarch64__)
    __asm__("fsqrt %d0, %d1" : "=w"(s) : "w"((double)r));
#endif

    if (c[0] == 4.0f && c[1] == 25.0f && c[2] == 0.25f && c[3] == 9.0f &&
        p == 7.5f && d == 308.0 && s > 1.41421 && s < 1.41422) {
        puts("SUCCESS\n");
        return SOLO5_EXIT_SUCCESS;
    }
    puts("FAILURE: wrong results\n");
    return SOLO5_EXIT_FAILURE;
}
