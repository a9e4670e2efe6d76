/*
 * cpu.h: x86_64 CPU constants shared by start.S, the linker script and the C
 * bindings. Plain #defines only (included from assembly).
 */
#ifndef UKVM_X86_64_CPU_H
#define UKVM_X86_64_CPU_H

/* Our GDT (the monitor's one at 0x1000 is read-only and has no TSS). */
#define SEL_KCODE 0x08 /* 64-bit code, DPL0 (same as the monitor's) */
#define SEL_KDATA 0x10 /* data, DPL0 (same as the monitor's) */
#define SEL_UDATA 0x1b /* entry 3: data, DPL3, RPL3 */
#define SEL_UCODE 0x23 /* entry 4: 64-bit code, DPL3, RPL3 */
#define SEL_TSS 0x28   /* entries 5-6: 64-bit TSS */

/* struct hvt_boot_info offsets */
#define BI_MEM_SIZE 0
#define BI_CMDLINE 24
#define BI_MFT 32
#define BI_HOST_FEATURES 40
#define BI_FEATURE_USERMODE 0x80000000

/* IDT: the 32 exception vectors (no interrupts are used). */
#define IDT_ENTRIES 32
#define TRAP_STUB_SIZE 16

#define TRAP_STACK_SIZE 16384

#define CR4_FSGSBASE (1 << 16)

/* Hypercall ports (HVT_HYPERCALL_PIO_BASE + n) */
#define PORT_PUTS 0x502
#define PORT_HALT 0x508

#endif
