/*
 * start.S: entry point and exception vectors of the ukvm guest SDK
 * (hvt, aarch64).
 *
 * The monitor enters _start at EL1h with the MMU on (identity map, guest RAM
 * normal write-back memory, the hypercall region device memory), X0 = struct
 * hvt_boot_info, SP_EL1 = mem_size - 16 and VBAR_EL1 pointing at its own
 * vectors (docs/abi.md, AArch64). We install our vectors first, enable
 * FP/SIMD, clear the TLS register, and then run everything else at EL1 on
 * SP_EL0 (SPSel = 0) with the stack at the top of guest memory. SP_EL1 is
 * left to the trap stack: an exception switches to it, saves the registers
 * (struct ukvm_trap_frame) and prints them with ukvm_trap_report(). An
 * exception while SP_EL1 is in use (inside the trap handler, or before
 * SPSel is cleared) halts at once with a fixed message.
 */
#include "cpu.h"

    .section .text.boot, "ax", %progbits
    .globl _start
    .type _start, %function
_start:
    adrp    x1, ukvm_vectors
    add     x1, x1, :lo12:ukvm_vectors
    msr     vbar_el1, x1
    mov     x1, #CPACR_FPEN
    msr     cpacr_el1, x1
    /* No TLS base until the application sets one (KVM resets it to garbage). */
    msr     tpidr_el0, xzr
    isb

    /* SP_EL1: the trap stack. Then SP_EL0: the stack, at the top of memory. */
    adrp    x1, trap_stack_top
    add     x1, x1, :lo12:trap_stack_top
    mov     sp, x1
    msr     spsel, #0
    ldr     x1, [x0, #BI_MEM_SIZE]
    and     x1, x1, #~15
    mov     sp, x1

    /* Stack protector guard from the counter, low byte zero. */
    mrs     x1, cntvct_el0
    ldr     x2, =0x9e3779b97f4a7c15
    mul     x1, x1, x2
    and     x1, x1, #~0xff
    adrp    x2, __stack_chk_guard
    str     x1, [x2, #:lo12:__stack_chk_guard]

    mov     x29, xzr
    mov     x30, xzr
    bl      ukvm_boot               /* (X0 = boot info), does not return */
    brk     #0
    .ltorg
    .size _start, . - _start

/*
 * The vector table: 16 entries of 128 bytes, 2 KiB aligned. Groups: current
 * EL with SP_EL0 (the application), current EL with SP_EL1 (the trap
 * handler), lower EL AArch64, lower EL AArch32 (never used); kinds: sync,
 * IRQ, FIQ, SError. Each saving entry pushes a frame on SP_EL1 and passes
 * its index in X0.
 */
.macro ventry idx
    .balign 0x80
    sub     sp, sp, #TF_SIZE
    stp     x0, x1, [sp, #0]
    mov     x0, #\idx
    b       ukvm_trap_common
.endm

.macro vnested
    .balign 0x80
    b       ukvm_trap_nested
.endm

    .section .text.vectors, "ax", %progbits
    .balign 2048
    .globl ukvm_vectors
ukvm_vectors:
    ventry  0
    ventry  1
    ventry  2
    ventry  3
    vnested
    vnested
    vnested
    vnested
    ventry  8
    ventry  9
    ventry  10
    ventry  11
    ventry  12
    ventry  13
    ventry  14
    ventry  15
    .balign 0x80

/* On SP_EL1 with the frame allocated, X0/X1 saved, X0 = vector index. */
ukvm_trap_common:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x1, sp_el0
    stp     x30, x1, [sp, #TF_X30]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [sp, #TF_ELR]
    mrs     x2, esr_el1
    mrs     x3, far_el1
    stp     x2, x3, [sp, #TF_ESR]
    str     x0, [sp, #TF_VECTOR]
    mov     x0, sp
    mov     x29, xzr
    bl      ukvm_trap_report        /* does not return */
    b       ukvm_trap_nested

/* A trap while handling a trap: no stack, two hypercalls, stop. */
ukvm_trap_nested:
    mov     x2, #HC_MMIO_BASE
    adrp    x1, nested_puts
    add     x1, x1, :lo12:nested_puts
    str     w1, [x2, #HC_PUTS_OFF]
    adrp    x1, nested_halt
    add     x1, x1, :lo12:nested_halt
    str     w1, [x2, #HC_HALT_OFF]
1:  wfi
    b       1b

    .section .rodata
nested_msg:
    .ascii  "Solo5: ABORT: trap while handling a trap\n"
nested_msg_end:
    .balign 8
nested_puts:                        /* struct hvt_hc_puts */
    .quad   nested_msg
    .quad   nested_msg_end - nested_msg
nested_halt:                        /* struct hvt_hc_halt */
    .quad   0
    .long   255, 0

    .bss
    .balign 16
trap_stack:
    .skip   TRAP_STACK_SIZE
trap_stack_top:

    .section .note.GNU-stack, "", %progbits
