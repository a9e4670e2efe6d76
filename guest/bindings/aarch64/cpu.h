/*
 * cpu.h: AArch64 constants shared by start.S and the C bindings. Plain
 * #defines only (included from assembly).
 */
#ifndef UKVM_AARCH64_CPU_H
#define UKVM_AARCH64_CPU_H

/* struct hvt_boot_info offsets */
#define BI_MEM_SIZE 0

/* Hypercalls: a 32-bit store of the argument's address to MMIO_BASE + (n << 3). */
#define HC_MMIO_BASE 0x100000000
#define HC_PUTS_OFF (2 << 3)
#define HC_HALT_OFF (8 << 3)

/* CPACR_EL1.FPEN = 0b11: FP/SIMD instructions do not trap. */
#define CPACR_FPEN (3 << 20)

/* struct ukvm_trap_frame (arch.h): size and field offsets. */
#define TF_SIZE 304
#define TF_X30 240
#define TF_ELR 256
#define TF_ESR 272
#define TF_VECTOR 288

#define TRAP_STACK_SIZE 16384

#endif
