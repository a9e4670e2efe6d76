/*
 * boot.c: from start.S to solo5_app_main(): boot info, command line, heap,
 * boot banner. Runs at the application's privilege level (x86_64: CPL3 in
 * user mode).
 */
#include <stdio.h>
#include <string.h>
#include <ctype.h>

#include "bindings.h"

static struct solo5_start_info start_info;

/*
 * Removes the leading "--solo5:quiet" / "--solo5:debug" options (Solo5
 * convention) and "--solo5:kernelmode" (x86_64: start.S has already stayed at
 * CPL0 for it) and returns the application's part of the command line.
 */
static const char *cmdline_parse(const char *cmdline)
{
    static const char quiet[] = "--solo5:quiet";
    static const char debug[] = "--solo5:debug";
    static const char kernelmode[] = "--solo5:kernelmode";
    const char *p = cmdline;

    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (strncmp(p, quiet, sizeof quiet - 1) == 0 &&
            (p[sizeof quiet - 1] == '\0' || isspace((unsigned char)p[sizeof quiet - 1]))) {
            ukvm_log_level = LOG_ERROR;
            p += sizeof quiet - 1;
        } else if (strncmp(p, debug, sizeof debug - 1) == 0 &&
                   (p[sizeof debug - 1] == '\0' ||
                    isspace((unsigned char)p[sizeof debug - 1]))) {
            ukvm_log_level = LOG_DEBUG;
            p += sizeof debug - 1;
        } else if (strncmp(p, kernelmode, sizeof kernelmode - 1) == 0 &&
                   (p[sizeof kernelmode - 1] == '\0' ||
                    isspace((unsigned char)p[sizeof kernelmode - 1]))) {
            p += sizeof kernelmode - 1;
        } else {
            return p;
        }
    }
}

static void banner(const struct hvt_boot_info *bi, uintptr_t heap_start)
{
    extern char _stext[], _etext[], _erodata[], _end[];

    ukvm_log(LOG_INFO,
             "Solo5: ukvm guest SDK (hvt ABI %d), application at %s\n"
             "Solo5: Memory map: %lu MB addressable:\n"
             "Solo5:   reserved @ (0x0 - 0x%lx)\n"
             "Solo5:       text @ (0x%lx - 0x%lx)\n"
             "Solo5:     rodata @ (0x%lx - 0x%lx)\n"
             "Solo5:       data @ (0x%lx - 0x%lx)\n"
             "Solo5:       heap >= 0x%lx < stack < 0x%lx\n",
             HVT_ABI_VERSION, ukvm_arch_mode(),
             (unsigned long)(bi->mem_size >> 20),
             (unsigned long)_stext - 1,
             (unsigned long)_stext, (unsigned long)_etext - 1,
             (unsigned long)_etext, (unsigned long)_erodata - 1,
             (unsigned long)_erodata, (unsigned long)_end - 1,
             (unsigned long)heap_start, (unsigned long)bi->mem_size);

    ukvm_log(LOG_DEBUG, "Solo5: cpu: %s, TLS base via %s, %s %lu Hz\n",
             ukvm_arch_mode(), ukvm_arch_tls_via(), UKVM_ARCH_COUNTER_NAME,
             (unsigned long)bi->cpu_cycle_freq);
    const struct mft *mft = ukvm_mft_get();
    if (ukvm_log_level >= LOG_DEBUG && mft != NULL) {
        for (unsigned i = 1; i < mft->entries; i++) {
            const struct mft_entry *e = &mft->e[i];
            ukvm_log(LOG_DEBUG, "Solo5: device %u: %.*s type=%u attached=%d\n", i,
                     MFT_NAME_MAX, e->name, (unsigned)e->type, (int)e->attached);
        }
    }
}

void ukvm_boot(const struct hvt_boot_info *bi) __attribute__((noreturn));

void ukvm_boot(const struct hvt_boot_info *bi)
{
    extern char _end[];

    ukvm_time_init(bi->cpu_cycle_freq);
    ukvm_mft_init((const struct mft *)bi->mft);
    start_info.cmdline = cmdline_parse(bi->cmdline);
    ukvm_net_init(bi);

    uintptr_t heap_start = ALIGN_UP((uintptr_t)_end, PAGE_SIZE);
    if (bi->kernel_end > heap_start)
        heap_start = ALIGN_UP(bi->kernel_end, PAGE_SIZE);
    if (heap_start >= bi->mem_size)
        ukvm_panic("no memory left for heap and stack (mem_size 0x%lx)\n",
                   (unsigned long)bi->mem_size);
    start_info.heap_start = heap_start;
    start_info.heap_size = bi->mem_size - heap_start;

    if (ukvm_log_level >= LOG_INFO)
        banner(bi, heap_start);

    solo5_exit(solo5_app_main(&start_info));
}

/* The ABI1 note and the PT_INTERP of every image. */
ABI1_NOTE_DEFINE(HVT_ABI_TARGET, HVT_ABI_VERSION);
ELF_INTERP_DEFINE;
