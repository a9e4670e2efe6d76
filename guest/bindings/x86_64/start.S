/*
 * start.S: entry point, CPU tables and trap entry of the ukvm guest SDK
 * (hvt, x86_64).
 *
 * The monitor starts us at CPL0 with RDI = struct hvt_boot_info. We load our
 * own GDT (with ring-3 segments and a TSS), the TSS (trap stack, I/O
 * permission bitmap for the hypercall ports) and the IDT. All three tables
 * are complete in the image: the linker script computes the descriptors that
 * split addresses into pieces, so no code runs to build them. Then, if the
 * monitor offers UKVM_FEATURE_USERMODE, we IRETQ to CPL3 and run everything
 * else there; otherwise (plain solo5-hvt, or --solo5:kernelmode on the
 * command line) we stay at CPL0.
 *
 * Under PVM every CPL0 instruction is emulated (~0.7 us each) while CPL3
 * runs natively, so the CPL0 paths here are kept to a few dozen instructions.
 */
#include "cpu.h"

    .section .text.boot, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    lgdt    gdt_ptr(%rip)
    mov     $SEL_TSS, %ax
    ltr     %ax
    lidt    idt_ptr(%rip)

    /*
     * host_features is valid only when the manifest does not start at
     * offset 40 of the boot info (where a plain solo5-hvt puts it).
     */
    lea     BI_HOST_FEATURES(%rdi), %rax
    cmp     %rax, BI_MFT(%rdi)
    je      .Lstay_cpl0
    testl   $BI_FEATURE_USERMODE, BI_HOST_FEATURES(%rdi)
    jz      .Lstay_cpl0

    /*
     * --solo5:kernelmode among the leading --solo5: options (those that
     * boot.c's cmdline_parse() strips): stay at CPL0 although user mode is
     * offered (bench/cpl.sh compares the two). Reached only on ukvm, whose
     * command line lies at 0x8000 with mapped pages after it, so 8-byte loads
     * past its NUL are harmless. No option: about ten instructions.
     */
    mov     BI_CMDLINE(%rdi), %rsi
    movabs  $0x3a356f6c6f732d2d, %rcx   /* "--solo5:" */
.Lopt:
    cmp     %rcx, (%rsi)
    je      .Lopt_solo5
    movzbl  (%rsi), %eax                /* isspace(): skip, else no option */
    inc     %rsi
    cmp     $0x20, %al
    je      .Lopt
    sub     $9, %al                     /* '\t'..'\r' */
    cmp     $4, %al
    jbe     .Lopt
    jmp     .Lusermode
.Lopt_solo5:
    mov     8(%rsi), %rax
    movabs  $0x6f6d6c656e72656b, %rdx   /* "kernelmo" */
    cmp     %rdx, %rax
    jne     1f
    cmpw    $0x6564, 16(%rsi)           /* "de" */
    jne     .Lusermode
    movzbl  18(%rsi), %eax              /* then NUL or a space: CPL0 */
    test    %al, %al
    jz      .Lstay_cpl0
    cmp     $0x20, %al
    je      .Lstay_cpl0
    sub     $9, %al                     /* '\t'..'\r' */
    cmp     $4, %al
    jbe     .Lstay_cpl0
    jmp     .Lusermode
1:  shl     $24, %rax                   /* the next 5 bytes */
    movabs  $0x7465697571000000, %rdx   /* "quiet" */
    cmp     %rdx, %rax
    je      2f
    movabs  $0x6775626564000000, %rdx   /* "debug" */
    cmp     %rdx, %rax
    jne     .Lusermode
2:  add     $13, %rsi                   /* then NUL (no more options), a space, or not ours */
    movzbl  (%rsi), %eax
    test    %al, %al
    jz      .Lusermode
    cmp     $0x20, %al
    je      .Lopt
    sub     $9, %al                     /* '\t'..'\r' */
    cmp     $4, %al
    jbe     .Lopt

.Lusermode:
    /*
     * CPL3 sets its TLS base with WRFSBASE (CPUID.7.0:EBX[0], enabled by
     * CR4.FSGSBASE); without it, stay at CPL0 and use WRMSR.
     */
    xor     %eax, %eax
    cpuid
    cmp     $7, %eax
    jb      .Lstay_cpl0
    mov     $7, %eax
    xor     %ecx, %ecx
    cpuid
    test    $1, %bl
    jz      .Lstay_cpl0
    mov     %cr4, %rax
    or      $CR4_FSGSBASE, %rax
    mov     %rax, %cr4
    movb    $1, ukvm_cpl3(%rip)
    /* To CPL3 with the stack at the top of guest memory (RDI survives). */
    mov     BI_MEM_SIZE(%rdi), %rax
    and     $-16, %rax
    push    $SEL_UDATA
    push    %rax
    push    $0x2                    /* RFLAGS: IF=0, IOPL=0 */
    push    $SEL_UCODE
    lea     .Lcommon(%rip), %rax
    push    %rax
    iretq

.Lstay_cpl0:
    and     $-16, %rsp
.Lcommon:
    /* Stack protector guard from the TSC, low byte zero. */
    rdtsc
    shl     $32, %rdx
    or      %rdx, %rax
    movabs  $0x9e3779b97f4a7c15, %rdx
    imul    %rdx, %rax
    xor     %al, %al
    mov     %rax, __stack_chk_guard(%rip)
    call    ukvm_boot               /* (RDI = boot info), does not return */
    ud2
    .size _start, . - _start

/*
 * Trap stubs: 16 bytes each, vector n at _ukvm_trap_stubs + 16 * n, so that
 * the linker script can compute every IDT gate from one symbol. Each pushes
 * a zero error code when the CPU does not push one, then the vector.
 */
    .text
    .balign 512
    .globl _ukvm_trap_stubs
_ukvm_trap_stubs:
    .set vec, 0
    .rept IDT_ENTRIES
    .balign TRAP_STUB_SIZE
    .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    /* the CPU pushed an error code */
    .else
    push    $0
    .endif
    push    $vec
    jmp     ukvm_trap_common
    .set vec, vec + 1
    .endr
_ukvm_trap_stubs_end:

/*
 * Common trap entry, at CPL0 on the trap stack (IST1). Saves the registers
 * and CR2 as a struct ukvm_trap_frame, then runs ukvm_trap_report(frame) at
 * the CPL the application runs at (CPL3 natively in user mode), on the trap
 * stack below the frame. A trap while handling a trap halts at once.
 */
ukvm_trap_common:
    push    %rax
    push    %rbx
    push    %rcx
    push    %rdx
    push    %rsi
    push    %rdi
    push    %rbp
    push    %r8
    push    %r9
    push    %r10
    push    %r11
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    mov     %cr2, %rax
    push    %rax
    mov     %rsp, %rdi
    incl    ukvm_trap_depth(%rip)
    cmpl    $1, ukvm_trap_depth(%rip)
    jne     .Lnested
    lea     -64(%rdi), %rax
    and     $-16, %rax
    sub     $8, %rax                /* as if called: RSP + 8 is 16-aligned */
    cmpb    $0, ukvm_cpl3(%rip)
    je      1f
    lea     ukvm_trap_report(%rip), %rcx
    push    $SEL_UDATA
    push    %rax
    push    $0x2
    push    $SEL_UCODE
    push    %rcx
    iretq
1:  mov     %rax, %rsp
    jmp     ukvm_trap_report
.Lnested:
    mov     $nested_puts, %eax
    mov     $PORT_PUTS, %dx
    out     %eax, %dx
    mov     $nested_halt, %eax
    mov     $PORT_HALT, %dx
    out     %eax, %dx
2:  hlt
    jmp     2b

    .section .rodata
nested_msg:
    .ascii  "Solo5: ABORT: trap while handling a trap\n"
nested_msg_end:

    .data
    .balign 8
nested_puts:                        /* struct hvt_hc_puts */
    .quad   nested_msg
    .quad   nested_msg_end - nested_msg
nested_halt:                        /* struct hvt_hc_halt */
    .quad   0
    .long   255, 0

    .globl ukvm_cpl3
ukvm_cpl3:              .byte 0     /* the application runs at CPL3 */
    .balign 4
ukvm_trap_depth:        .long 0

/* GDT: the monitor's two selectors, ring-3 code and data, our TSS. */
    .balign 16
gdt:
    .quad   0
    .quad   0x00af9b000000ffff      /* 0x08: code, 64-bit, DPL0 */
    .quad   0x00cf93000000ffff      /* 0x10: data, DPL0 */
    .quad   0x00cff3000000ffff      /* 0x18: data, DPL3 */
    .quad   0x00affb000000ffff      /* 0x20: code, 64-bit, DPL3 */
    .quad   _ukvm_tss_desc_lo       /* 0x28: 64-bit TSS (linker script) */
    .quad   _ukvm_tss_desc_hi
gdt_end:
    .balign 8
    .word   0, 0, 0
gdt_ptr:
    .word   gdt_end - gdt - 1
    .quad   gdt

/* IDT: interrupt gates on IST1; the gates come from the linker script. */
    .balign 16
idt:
    .set vec, 0
    .rept IDT_ENTRIES
    .quad   _ukvm_gate_lo + TRAP_STUB_SIZE * vec
    .quad   _ukvm_gate_hi
    .set vec, vec + 1
    .endr
idt_end:
    .balign 8
    .word   0, 0, 0
idt_ptr:
    .word   idt_end - idt - 1
    .quad   idt

/*
 * 64-bit TSS: RSP0 and IST1 = the trap stack; an I/O permission bitmap that
 * allows only ports 0x500-0x50f (the hypercalls) and 0x600-0x603 (the network
 * ring's kick, a 32-bit OUT to 0x600). PVM ignores RFLAGS.IOPL, so CPL3 port
 * I/O needs the bitmap.
 */
    .balign 16
    .globl _ukvm_tss, _ukvm_tss_end
_ukvm_tss:
    .long   0
    .quad   trap_stack_top          /* RSP0 */
    .quad   0, 0                    /* RSP1, RSP2 */
    .quad   0
    .quad   trap_stack_top          /* IST1 */
    .quad   0, 0, 0, 0, 0, 0        /* IST2-7 */
    .quad   0
    .word   0
    .word   iomap - _ukvm_tss       /* I/O map base */
iomap:
    .fill   0x500 / 8, 1, 0xff      /* ports 0x000-0x4ff: denied */
    .byte   0, 0                    /* ports 0x500-0x50f: allowed */
    .fill   (0x600 - 0x510) / 8, 1, 0xff /* ports 0x510-0x5ff: denied */
    .byte   0xf0                    /* ports 0x600-0x603: allowed, 0x604-0x607 denied */
    .byte   0xff                    /* required terminator */
_ukvm_tss_end:

    .bss
    .balign 16
trap_stack:
    .skip   TRAP_STACK_SIZE
trap_stack_top:

    .section .note.GNU-stack, "", @progbits
