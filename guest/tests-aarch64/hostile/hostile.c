/*
 * hostile (aarch64 only): breaks one rule of docs/abi.md's AArch64 section, named on the
 * command line, so that tests/aarch64 can check how the monitor ends the guest:
 *
 *   rotext        32-bit store to the image's own text (read-only in the stage-1 tables, and
 *                 a read-only memory slot behind them): the guest's own permission fault, 255
 *   rotext_pair   the same with STP (whose syndrome would have no ISV at the slot): 255
 *   psci_off      PSCI SYSTEM_OFF (hvc #0): status 1
 *   mmio_read     a load from the hypercall region: status 1
 *   hc64          a hypercall as a 64-bit store: status 1
 *   hc_writeback  a hypercall as a post-indexed store (no ISV): status 1
 *   early_vector  a fault with VBAR_EL1 pointing back at the monitor's vectors (0x1000):
 *                 status 1, the monitor's "exception before ... own vectors" line
 *   lowwrite      a store to the boot info page (read-only in the stage-1 tables): the
 *                 guest's own data abort (permission fault), ABORT, 255
 *   undef         an undefined instruction: the guest's own trap dump, ABORT, 255
 *
 * Each prints "hostile: ACTION" first; reaching the end prints FAILURE and exits 1... which
 * is also the monitor's status, so the tests also look for the monitor's line.
 */
#include <stdio.h>
#include <string.h>

#include "solo5.h"

extern char _stext[];

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *a = si->cmdline;
    printf("hostile: %s\n", a);

    if (strcmp(a, "rotext") == 0) {
        __asm__ __volatile__("str wzr, [%0]" : : "r"(_stext + 0x40) : "memory");
    } else if (strcmp(a, "rotext_pair") == 0) {
        __asm__ __volatile__("stp xzr, xzr, [%0]" : : "r"(_stext + 0x40) : "memory");
    } else if (strcmp(a, "psci_off") == 0) {
        register unsigned long x0 __asm__("x0") = 0x84000008; /* SYSTEM_OFF */
        __asm__ __volatile__("hvc #0" : "+r"(x0) : : "memory");
        printf("PSCI SYSTEM_OFF returned 0x%lx\n", x0);
    } else if (strcmp(a, "mmio_read") == 0) {
        uint32_t v;
        __asm__ __volatile__("ldr %w0, [%1]" : "=r"(v) : "r"(0x100000010UL) : "memory");
        printf("MMIO read returned 0x%x\n", v);
    } else if (strcmp(a, "hc64") == 0) {
        static volatile struct { const char *p; size_t n; } puts = { "hc64\n", 5 };
        __asm__ __volatile__("str %0, [%1]" : : "r"((uint64_t)(uintptr_t)&puts), "r"(0x100000010UL) : "memory");
    } else if (strcmp(a, "hc_writeback") == 0) {
        static volatile struct { const char *p; size_t n; } puts = { "hc_writeback\n", 13 };
        uint64_t addr = 0x100000010UL;
        __asm__ __volatile__("str %w1, [%0], #8" : "+r"(addr) : "r"((uint32_t)(uintptr_t)&puts) : "memory");
    } else if (strcmp(a, "early_vector") == 0) {
        __asm__ __volatile__("msr vbar_el1, %0\n\tisb\n\tudf #0" : : "r"(0x1000UL) : "memory");
    } else if (strcmp(a, "lowwrite") == 0) {
        *(volatile uint64_t *)0x6000 = 1;
    } else if (strcmp(a, "undef") == 0) {
        __asm__ __volatile__("udf #0");
    } else {
        printf("FAILURE: unknown action '%s'\n", a);
        return SOLO5_EXIT_FAILURE;
    }
    printf("FAILURE: %s: the guest went on\n", a);
    return SOLO5_EXIT_FAILURE;
}
