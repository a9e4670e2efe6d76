/*
 * hostile (x86_64): a unikernel that attacks its monitor, one attack per run,
 * named on the command line:
 *
 *   ukvm --mem=16 --block:storage=DISK --net:service0=TAP hostile.hvt ATTACK [N]
 *
 * Every attack talks to the monitor with raw hypercalls (hvt_abi.h), never
 * through the bindings' checks. Two kinds of outcome are defined (docs/abi.md):
 *  - the monitor refuses the request with SOLO5_R_EINVAL (or serves it) and
 *    the guest goes on: the attack prints each result and ends with SUCCESS,
 *    status 0 (a wrong result prints WRONG and the attack ends with status 4);
 *  - the monitor ends the guest: status 1 and one "ukvm: " line on stderr.
 *    If such an attack comes back, the guest prints FAILURE and halts with 3.
 * A few end in the guest's own trap handler (status 255, the SDK's dump), and
 * a few halt with a status of their own; tests/Ukvm.Tests/EndToEnd/
 * HostileGuestTests.cs says which.
 *
 * The application runs at CPL3 (the SDK's user mode), or at CPL0 with
 * --solo5:kernelmode first on the command line. The attacks that need CPL0
 * (ports outside the TSS I/O bitmap, hlt, lidt, a CR3 of its own) get there
 * either way as a hostile guest would: the IDT lies in the image's writable
 * data, so the guest points its #UD gate at its own code and executes ud2.
 * The *_cpl3 attacks skip that trick: at CPL3 the guest's own #GP ends them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvt_abi.h"
#include "solo5.h"

extern char _stext[], _etext[], _erodata[], _end[], _ukvm_trap_stubs[];

#define EXIT_SURVIVED 3
#define EXIT_WRONG 4

static uint64_t mem_size;
static solo5_handle_t blk_h, net_h;
static struct solo5_block_info blk_info;
static struct solo5_net_info net_info;
static int wrong;

static uint8_t buf[8192] __attribute__((aligned(4096)));
static const uint8_t ro_buf[1024] __attribute__((aligned(512))) = { 1, 2, 3 };

/* ---- raw hypercalls ---------------------------------------------------- */

static void hc(int n, uint64_t gpa)
{
    hvt_do_hypercall(n, (volatile void *)(uintptr_t)gpa);
}

static void raw_halt(int status)
{
    static volatile struct hvt_hc_halt h;
    h.cookie = 0;
    h.exit_status = status;
    hvt_do_hypercall(HVT_HYPERCALL_HALT, &h);
    for (;;)
        ;
}

/* An attack that must have ended the guest came back. */
static void survived(const char *what)
{
    printf("FAILURE: %s: the guest went on\n", what);
    raw_halt(EXIT_SURVIVED);
}

static const char *rname(int r)
{
    switch (r) {
    case SOLO5_R_OK: return "OK";
    case SOLO5_R_AGAIN: return "AGAIN";
    case SOLO5_R_EINVAL: return "EINVAL";
    case SOLO5_R_EUNSPEC: return "EUNSPEC";
    case -1: return "(ret not written)";
    }
    return "(not a solo5_result_t)";
}

static void expect(const char *what, int got, int want)
{
    printf("%s: %s%s%s\n", what, rname(got), got == want ? "" : " WRONG, want ",
           got == want ? "" : rname(want));
    if (got != want)
        wrong++;
}

static int blk_call(int write, uint64_t handle, uint64_t off, uint64_t data, uint64_t len)
{
    volatile struct hvt_hc_block_read a;
    a.handle = handle;
    a.offset = off;
    a.data = (void *)(uintptr_t)data;
    a.len = len;
    a.ret = -1;
    hvt_do_hypercall(write ? HVT_HYPERCALL_BLOCK_WRITE : HVT_HYPERCALL_BLOCK_READ, &a);
    return a.ret;
}

static int net_call(int write, uint64_t handle, uint64_t data, uint64_t len, uint64_t *out_len)
{
    volatile struct hvt_hc_net_read a;
    a.handle = handle;
    a.data = (void *)(uintptr_t)data;
    a.len = len;
    a.ret = -1;
    hvt_do_hypercall(write ? HVT_HYPERCALL_NET_WRITE : HVT_HYPERCALL_NET_READ, &a);
    if (out_len)
        *out_len = a.len;
    return a.ret;
}

static uint64_t addr(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

/* ---- CPL0 through the guest's own IDT ---------------------------------- */

/*
 * cpl0_entry is reached through the #UD gate at CPL0 on the trap stack; it
 * jumps to cpl0_action. An action that the monitor lets go on returns to the
 * ud2's successor with cpl0_return.
 */
void cpl0_entry(void);
uint64_t cpl0_action, cpl0_port, cpl0_cr3, cpl0_addr;
static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));

__asm__(
    "    .text\n"
    "    .globl cpl0_entry\n"
    "cpl0_entry:\n"
    "    jmp *cpl0_action(%rip)\n"
    "cpl0_return:\n"
    "    addq $2, (%rsp)\n" /* past the ud2 */
    "    iretq\n"
    "cpl0_outb: mov cpl0_port(%rip), %rdx; mov $0x41, %al; outb %al, %dx; jmp cpl0_return\n"
    "cpl0_outw: mov cpl0_port(%rip), %rdx; mov $0x4141, %ax; outw %ax, %dx; jmp cpl0_return\n"
    "cpl0_outl: mov cpl0_port(%rip), %rdx; mov $0x100000, %eax; outl %eax, %dx; jmp cpl0_return\n"
    "cpl0_inb: mov cpl0_port(%rip), %rdx; inb %dx, %al; jmp cpl0_return\n"
    "cpl0_inw: mov cpl0_port(%rip), %rdx; inw %dx, %ax; jmp cpl0_return\n"
    "cpl0_inl: mov cpl0_port(%rip), %rdx; inl %dx, %eax; jmp cpl0_return\n"
    "cpl0_hlt: hlt; jmp cpl0_return\n"
    "cpl0_triple: lidt cpl0_empty_idtr(%rip); ud2; jmp cpl0_return\n"
    "cpl0_mmio_read:\n"
    "    mov %cr3, %rcx; mov cpl0_cr3(%rip), %rax; mov %rax, %cr3\n"
    "    mov cpl0_addr(%rip), %rax; mov (%rax), %eax\n"
    "    mov %rcx, %cr3; jmp cpl0_return\n"
    "cpl0_mmio_write:\n"
    "    mov %cr3, %rcx; mov cpl0_cr3(%rip), %rax; mov %rax, %cr3\n"
    "    mov cpl0_addr(%rip), %rax; movl $0x41414141, (%rax)\n"
    "    mov %rcx, %cr3; jmp cpl0_return\n"
    "    .data\n"
    "    .balign 16\n"
    "    .word 0, 0, 0\n"
    "cpl0_empty_idtr: .word 0\n"
    "    .quad 0\n"
    "    .text\n");
extern char cpl0_outb[], cpl0_outw[], cpl0_outl[], cpl0_inb[], cpl0_inw[], cpl0_inl[];
extern char cpl0_hlt[], cpl0_triple[], cpl0_mmio_read[], cpl0_mmio_write[];

/* The SDK's IDT: the 32 gates the linker script computed from _ukvm_trap_stubs. */
static uint64_t *find_idt(void)
{
    uint64_t a = addr(_ukvm_trap_stubs);
    uint64_t gate0 = (a & 0xffff) | (0x08ULL << 16) | (0x8e01ULL << 32) | (((a >> 16) & 0xffff) << 48);
    for (uint64_t *p = (uint64_t *)_erodata; p + 3 < (uint64_t *)_end; p += 2)
        if (p[0] == gate0 && p[2] == gate0 + 16)
            return p;
    printf("FAILURE: the SDK's IDT is not in the image's data\n");
    raw_halt(EXIT_WRONG);
    return NULL;
}

static void set_gate(uint64_t *idt, int vector, void (*fn)(void))
{
    uint64_t a = addr(fn);
    idt[2 * vector] = (a & 0xffff) | (0x08ULL << 16) | (0x8e01ULL << 32) | (((a >> 16) & 0xffff) << 48);
    idt[2 * vector + 1] = a >> 32;
}

static void at_cpl0(const char *what, char *action)
{
    set_gate(find_idt(), 6, cpl0_entry);
    cpl0_action = addr(action);
    printf("hostile: %s at CPL0\n", what);
    __asm__ __volatile__("ud2" ::: "memory");
}

/* Page tables of the guest's own: 1 GiB identity-mapped in 2 MiB pages, past its memory. */
static void own_page_tables(void)
{
    /*
     * volatile: no vectorized loop. With --solo5:kernelmode this runs at CPL0, where this
     * host's KVM (PVM) emulates each instruction and cannot emulate SSE arithmetic.
     */
    volatile uint64_t *v = pd;
    pml4[0] = addr(pdpt) | 7;
    pdpt[0] = addr(pd) | 7;
    for (uint64_t i = 0; i < 512; i++)
        v[i] = (i << 21) | 0x87;
    cpl0_cr3 = addr(pml4);
}

/* ---- the attacks ------------------------------------------------------- */

/* Argument structs the monitor must refuse: each ends the guest. */
static void puts_arg_at(const char *what, uint64_t gpa)
{
    printf("hostile: %s: PUTS argument at 0x%lx\n", what, (unsigned long)gpa);
    hc(HVT_HYPERCALL_PUTS, gpa);
    survived(what);
}

static void walltime_arg_at(const char *what, uint64_t gpa)
{
    printf("hostile: %s: WALLTIME argument at 0x%lx\n", what, (unsigned long)gpa);
    hc(HVT_HYPERCALL_WALLTIME, gpa);
    survived(what);
}

static void puts_buffer(const char *what, uint64_t data, uint64_t len)
{
    static volatile struct hvt_hc_puts p;
    p.data = (const char *)(uintptr_t)data;
    p.len = len;
    printf("hostile: %s: PUTS of 0x%lx bytes at 0x%lx\n", what, (unsigned long)len, (unsigned long)data);
    hvt_do_hypercall(HVT_HYPERCALL_PUTS, &p);
    survived(what);
}

static void halt_cookie(const char *what, uint64_t cookie, int status)
{
    static volatile struct hvt_hc_halt h;
    h.cookie = (void *)(uintptr_t)cookie;
    h.exit_status = status;
    printf("hostile: %s: HALT(%d) with cookie 0x%lx\n", what, status, (unsigned long)cookie);
    hvt_do_hypercall(HVT_HYPERCALL_HALT, &h);
    survived(what);
}

/* Arguments the monitor must accept: in odd places, but inside guest memory. */
static void soft_args(void)
{
    static const char msg[] = "hostile: PUTS argument in the last 16 bytes of memory\n";
    /* The last 16 bytes of memory (above the stack, which starts there): saved and restored. */
    volatile uint64_t *top = (volatile uint64_t *)(uintptr_t)(mem_size - 16);
    uint64_t saved0 = top[0], saved1 = top[1];
    top[0] = addr(msg);
    top[1] = sizeof msg - 1;
    hc(HVT_HYPERCALL_PUTS, mem_size - 16);
    top[1] = 0;
    hc(HVT_HYPERCALL_WALLTIME, mem_size - 8);
    uint64_t t = top[1];
    top[0] = saved0;
    top[1] = saved1;
    printf("WALLTIME into the last 8 bytes of memory: %s\n", t > 1500000000ULL * 1000000000ULL ? "OK" : "WRONG");
    if (t <= 1500000000ULL * 1000000000ULL)
        wrong++;

    /* Unaligned argument structs. */
    static const char umsg[] = "hostile: PUTS argument at an odd address\n";
    uint8_t *u = buf + 1;
    uint64_t v = addr(umsg);
    memcpy(u, &v, 8);
    v = sizeof umsg - 1;
    memcpy(u + 8, &v, 8);
    hc(HVT_HYPERCALL_PUTS, addr(u));
    memset(buf, 0, 64);
    hc(HVT_HYPERCALL_WALLTIME, addr(buf + 3));
    memcpy(&v, buf + 3, 8);
    printf("WALLTIME at an odd address: %s\n", v > 1500000000ULL * 1000000000ULL ? "OK" : "WRONG");
    if (v <= 1500000000ULL * 1000000000ULL)
        wrong++;
    /* BLOCK_READ with its struct at buf+5: handle, offset, data, len, ret unaligned. */
    uint8_t *b = buf + 5;
    uint64_t f[4] = { blk_h, 0, addr(buf + 4096), blk_info.block_size };
    memcpy(b, f, 32);
    int32_t r = -1;
    memcpy(b + 32, &r, 4);
    hc(HVT_HYPERCALL_BLOCK_READ, addr(b));
    memcpy(&r, b + 32, 4);
    expect("BLOCK_READ with an unaligned struct", r, SOLO5_R_OK);

    /* Reads of the low memory are the guest's own business. */
    printf("hostile: PUTS of the command line at 0x8000: ");
    static volatile struct hvt_hc_puts p;
    p.data = (const char *)0x8000;
    p.len = strlen((const char *)0x8000);
    hvt_do_hypercall(HVT_HYPERCALL_PUTS, &p);
    printf("\n");
    hc(HVT_HYPERCALL_PUTS, 0); /* struct hvt_hc_puts at 0: { NULL, 0 }, read from the zero page */
    printf("PUTS with its argument in the zero page: OK\n");
    /* PUTS from the guest's own text is a read. */
    p.data = _stext;
    p.len = 0;
    hvt_do_hypercall(HVT_HYPERCALL_PUTS, &p);
    printf("PUTS from the text: OK\n");
}

/* Block requests the monitor must refuse with EINVAL, and a few odd ones it must serve. */
static void block_requests(void)
{
    uint64_t bs = blk_info.block_size, cap = blk_info.capacity;
    uint64_t b = addr(buf);
    printf("storage: handle %lu, capacity %lu, block size %lu\n", (unsigned long)blk_h,
           (unsigned long)cap, (unsigned long)bs);
    expect("BLOCK_WRITE handle 0", blk_call(1, 0, 0, b, bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ handle 0", blk_call(0, 0, 0, b, bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ handle 63", blk_call(0, 63, 0, b, bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ handle 64", blk_call(0, 64, 0, b, bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ handle 2^64-1", blk_call(0, ~0ULL, 0, b, bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ handle 2^32+1", blk_call(0, (1ULL << 32) + blk_h, 0, b, bs), SOLO5_R_EINVAL);
    expect("BLOCK_WRITE on the net handle", blk_call(1, net_h, 0, b, bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ on the net handle", blk_call(0, net_h, 0, b, bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ length 0", blk_call(0, blk_h, 0, b, 0), SOLO5_R_EINVAL);
    expect("BLOCK_READ length block-1", blk_call(0, blk_h, 0, b, bs - 1), SOLO5_R_EINVAL);
    expect("BLOCK_READ offset 1", blk_call(0, blk_h, 1, b, bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ at the capacity", blk_call(0, blk_h, cap, b, bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ length 2^63", blk_call(0, blk_h, 0, b, 1ULL << 63), SOLO5_R_EINVAL);
    expect("BLOCK_READ length 2^64-block", blk_call(0, blk_h, bs, b, 0 - bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ offset 2^64-block", blk_call(0, blk_h, 0 - bs, b, bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ offset+length wraps", blk_call(0, blk_h, 0 - bs, b, 2 * bs), SOLO5_R_EINVAL);
    expect("BLOCK_WRITE buffer outside memory", blk_call(1, blk_h, 0, 0x40000000, bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ buffer outside memory", blk_call(0, blk_h, 0, 0x40000000, bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ buffer at 2^64-block (wraps)", blk_call(0, blk_h, 0, 0 - bs, 2 * bs), SOLO5_R_EINVAL);
    expect("BLOCK_WRITE buffer at 2^64-256 (wraps)", blk_call(1, blk_h, 0, 0ULL - 256, bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ buffer straddling the end of memory", blk_call(0, blk_h, 0, mem_size - bs / 2, bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ buffer exactly at the end of memory", blk_call(0, blk_h, 0, mem_size, bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ into the text", blk_call(0, blk_h, 0, addr(_stext), bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ into the rodata", blk_call(0, blk_h, 0, addr(ro_buf), bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ straddling rodata and data", blk_call(0, blk_h, 0, addr(_erodata) - bs / 2, bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ into the boot info (0x6000)", blk_call(0, blk_h, 0, 0x6000, bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ into the page tables (0x2000)", blk_call(0, blk_h, 0, 0x2000, bs), SOLO5_R_EINVAL);
    expect("BLOCK_READ into the zero page", blk_call(0, blk_h, 0, 0, bs), SOLO5_R_EINVAL);
    /* Served: reads of the guest's own memory, wherever it is. */
    expect("BLOCK_WRITE from the text", blk_call(1, blk_h, 0, addr(_stext), bs), SOLO5_R_OK);
    expect("BLOCK_WRITE from the command line page (0x8000)", blk_call(1, blk_h, 0, 0x8000, bs), SOLO5_R_OK);
    /* The last block of memory (the top of the stack: written back as it was). */
    expect("BLOCK_WRITE from the last bytes of memory", blk_call(1, blk_h, cap - bs, mem_size - bs, bs), SOLO5_R_OK);
    expect("BLOCK_READ into the last bytes of memory", blk_call(0, blk_h, cap - bs, mem_size - bs, bs), SOLO5_R_OK);
    /* A BLOCK_READ whose data overwrites its own argument struct: ret still lands. */
    volatile struct hvt_hc_block_read *self = (volatile struct hvt_hc_block_read *)(buf + 4096);
    memset(buf + 4096, 0xee, bs);
    expect("BLOCK_WRITE of 0xee", blk_call(1, blk_h, 0, addr(buf + 4096), bs), SOLO5_R_OK);
    self->handle = blk_h;
    self->offset = 0;
    self->data = (void *)self;
    self->len = bs;
    self->ret = -1;
    hvt_do_hypercall(HVT_HYPERCALL_BLOCK_READ, self);
    expect("BLOCK_READ over its own struct", self->ret, SOLO5_R_OK);
    if (self->handle != 0xeeeeeeeeeeeeeeeeULL) {
        printf("BLOCK_READ over its own struct: the data did not land (handle 0x%lx) WRONG\n",
               (unsigned long)self->handle);
        wrong++;
    }
    /* The device still works. */
    memset(buf, 0x5a, bs);
    expect("BLOCK_WRITE block 1", blk_call(1, blk_h, bs, b, bs), SOLO5_R_OK);
    memset(buf, 0, bs);
    expect("BLOCK_READ block 1", blk_call(0, blk_h, bs, b, bs), SOLO5_R_OK);
    if (buf[0] != 0x5a || buf[bs - 1] != 0x5a) {
        printf("block 1 does not read back WRONG\n");
        wrong++;
    }
}

static void net_requests(void)
{
    uint64_t max = net_info.mtu + 14, n;
    uint64_t b = addr(buf);
    printf("service0: handle %lu, MTU %lu\n", (unsigned long)net_h, (unsigned long)net_info.mtu);
    /* A frame to ourselves with the local experimental EtherType: the host drops it. */
    memcpy(buf, net_info.mac_address, 6);
    memcpy(buf + 6, net_info.mac_address, 6);
    buf[12] = 0x88;
    buf[13] = 0xb5;
    expect("NET_WRITE handle 0", net_call(1, 0, b, 60, NULL), SOLO5_R_EINVAL);
    expect("NET_WRITE handle 63", net_call(1, 63, b, 60, NULL), SOLO5_R_EINVAL);
    expect("NET_WRITE handle 64", net_call(1, 64, b, 60, NULL), SOLO5_R_EINVAL);
    expect("NET_WRITE handle 2^64-1", net_call(1, ~0ULL, b, 60, NULL), SOLO5_R_EINVAL);
    expect("NET_WRITE on the block handle", net_call(1, blk_h, b, 60, NULL), SOLO5_R_EINVAL);
    expect("NET_READ on the block handle", net_call(0, blk_h, b, max, NULL), SOLO5_R_EINVAL);
    expect("NET_READ handle 2^64-1", net_call(0, ~0ULL, b, max, NULL), SOLO5_R_EINVAL);
    expect("NET_WRITE of 13 bytes", net_call(1, net_h, b, 13, NULL), SOLO5_R_EINVAL);
    expect("NET_WRITE of mtu+15 bytes", net_call(1, net_h, b, max + 1, NULL), SOLO5_R_EINVAL);
    expect("NET_WRITE of 2^64-1 bytes", net_call(1, net_h, b, ~0ULL, NULL), SOLO5_R_EINVAL);
    expect("NET_WRITE buffer outside memory", net_call(1, net_h, 0x40000000, 60, NULL), SOLO5_R_EINVAL);
    expect("NET_WRITE buffer straddling the end of memory", net_call(1, net_h, mem_size - 30, 60, NULL), SOLO5_R_EINVAL);
    expect("NET_WRITE buffer at 2^64-30 (wraps)", net_call(1, net_h, 0ULL - 30, 60, NULL), SOLO5_R_EINVAL);
    expect("NET_READ buffer of mtu+13 bytes", net_call(0, net_h, b, max - 1, NULL), SOLO5_R_EINVAL);
    expect("NET_READ buffer outside memory", net_call(0, net_h, 0x40000000, max, NULL), SOLO5_R_EINVAL);
    expect("NET_READ buffer straddling the end of memory", net_call(0, net_h, mem_size - 1000, max, NULL), SOLO5_R_EINVAL);
    expect("NET_READ buffer of 2^64-1 bytes at 0x8000 (wraps)", net_call(0, net_h, 0x8000, ~0ULL, NULL), SOLO5_R_EINVAL);
    expect("NET_READ into the text", net_call(0, net_h, addr(_stext), max, NULL), SOLO5_R_EINVAL);
    expect("NET_READ into the rodata", net_call(0, net_h, addr(_etext), max, NULL), SOLO5_R_EINVAL);
    expect("NET_READ into the boot info (0x6000)", net_call(0, net_h, 0x6000, max, NULL), SOLO5_R_EINVAL);
    expect("NET_READ into the zero page", net_call(0, net_h, 0, max, NULL), SOLO5_R_EINVAL);
    n = 12345;
    int r = net_call(0, 0, b, max, &n);
    expect("NET_READ handle 0", r, SOLO5_R_EINVAL);
    if (n != 0) {
        printf("NET_READ handle 0 left length %lu WRONG\n", (unsigned long)n);
        wrong++;
    }
    /* Served: a frame taken from the guest's own memory. */
    expect("NET_WRITE of a 60-byte frame", net_call(1, net_h, b, 60, NULL), SOLO5_R_OK);
    expect("NET_WRITE of an mtu+14-byte frame", net_call(1, net_h, b, max, NULL), SOLO5_R_OK);
    expect("NET_WRITE of a frame from the text", net_call(1, net_h, addr(_stext), 60, NULL), SOLO5_R_OK);
    expect("NET_WRITE of a frame from the last bytes of memory", net_call(1, net_h, mem_size - 60, 60, NULL), SOLO5_R_OK);
}

static void flood(unsigned long count)
{
    static volatile struct hvt_hc_walltime w;
    uint64_t t0 = solo5_clock_monotonic();
    for (unsigned long i = 0; i < count; i++)
        hvt_do_hypercall(HVT_HYPERCALL_WALLTIME, &w);
    uint64_t t1 = solo5_clock_monotonic();
    printf("flood: %lu WALLTIME hypercalls in %lu ms\n", count, (unsigned long)((t1 - t0) / 1000000));
}

/* Code that returns 42, copied into writable data and called. */
static uint8_t data_code[16] __attribute__((aligned(16))) = { 0xb8, 0x2a, 0, 0, 0, 0xc3 };

static void exec_data(void)
{
    int (*fn)(void) = (int (*)(void))(uintptr_t)data_code;
    printf("hostile: calling code in the data segment at 0x%lx\n", (unsigned long)addr(data_code));
    int v = fn();
    printf("hostile: EXECUTED DATA: it returned %d (no NX in the page tables)\n", v);
}

static void exec_stack(void)
{
    uint8_t code[16];
    memcpy(code, data_code, sizeof code);
    int (*fn)(void) = (int (*)(void))(uintptr_t)code;
    printf("hostile: calling code on the stack at 0x%lx\n", (unsigned long)addr(code));
    int v = fn();
    printf("hostile: EXECUTED STACK: it returned %d (no NX in the page tables)\n", v);
}

/* ---- dispatch ---------------------------------------------------------- */

int solo5_app_main(const struct solo5_start_info *si)
{
    mem_size = ((const struct hvt_boot_info *)0x6000)->mem_size;
    char attack[64];
    const char *a = si->cmdline, *sp = strchr(a, ' ');
    size_t alen = sp ? (size_t)(sp - a) : strlen(a);
    if (alen >= sizeof attack)
        alen = sizeof attack - 1;
    memcpy(attack, a, alen);
    attack[alen] = '\0';
    const char *arg = sp ? sp + 1 : "";

    if (solo5_block_acquire("storage", &blk_h, &blk_info) != SOLO5_R_OK ||
        solo5_net_acquire("service0", &net_h, &net_info) != SOLO5_R_OK) {
        printf("FAILURE: hostile needs --block:storage and --net:service0\n");
        return EXIT_WRONG;
    }
    uint16_t cs;
    __asm__ __volatile__("mov %%cs, %0" : "=r"(cs));
    printf("hostile: %s (CPL%d, memory 0x%lx, text 0x%lx-0x%lx, data 0x%lx-0x%lx)\n", attack,
           cs & 3, (unsigned long)mem_size, (unsigned long)addr(_stext), (unsigned long)addr(_etext),
           (unsigned long)addr(_erodata), (unsigned long)addr(_end));

#define IS(name) (strcmp(attack, name) == 0)
    /* Argument structs outside guest memory, or where the monitor will not write. */
    if (IS("arg_outside")) puts_arg_at(attack, 0x40000000);
    else if (IS("arg_top32")) puts_arg_at(attack, 0xfffffff8);
    else if (IS("arg_max32")) walltime_arg_at(attack, 0xffffffff);
    else if (IS("arg_at_end")) walltime_arg_at(attack, mem_size);
    else if (IS("arg_straddle")) puts_arg_at(attack, mem_size - 8);
    else if (IS("arg_low_walltime")) walltime_arg_at(attack, 0x6000);
    else if (IS("arg_low_poll")) { printf("hostile: POLL argument at 0x8000\n"); hc(HVT_HYPERCALL_POLL, 0x8000); survived(attack); }
    else if (IS("arg_low_block")) { printf("hostile: BLOCK_READ argument at 0x9000\n"); hc(HVT_HYPERCALL_BLOCK_READ, 0x9000); survived(attack); }
    else if (IS("arg_text_walltime")) walltime_arg_at(attack, addr(_stext));
    else if (IS("arg_text_net")) { printf("hostile: NET_READ argument in the text\n"); hc(HVT_HYPERCALL_NET_READ, addr(_stext) + 64); survived(attack); }
    else if (IS("arg_rodata_block")) {
        /* A const struct: BLOCK_WRITE's ret must be written, and rodata is read-only. */
        static const struct hvt_hc_block_write w = { .handle = 1, .offset = 0, .len = 512 };
        printf("hostile: BLOCK_WRITE argument in the rodata\n");
        hvt_do_hypercall(HVT_HYPERCALL_BLOCK_WRITE, (volatile void *)&w);
        survived(attack);
    }
    /* PUTS buffers. */
    else if (IS("puts_huge")) puts_buffer(attack, addr(buf), 1ULL << 63);
    else if (IS("puts_memsize")) puts_buffer(attack, addr(buf), mem_size);
    else if (IS("puts_wrap")) puts_buffer(attack, 0xfffffffffffff000ULL, 0x2000);
    else if (IS("puts_outside")) puts_buffer(attack, 0x40000000, 16);
    else if (IS("puts_straddle")) puts_buffer(attack, mem_size - 8, 16);
    /* HALT cookies. */
    else if (IS("halt_cookie_outside")) halt_cookie(attack, 0x40000000, 0);
    else if (IS("halt_cookie_straddle")) halt_cookie(attack, mem_size - 256, 0);
    else if (IS("halt_cookie_wrap")) halt_cookie(attack, ~0ULL - 255, 0);
    else if (IS("halt_cookie_low")) halt_cookie(attack, 0x8000, 7); /* a read: allowed, status 7 */
    else if (IS("halt_zero_page")) { printf("hostile: HALT argument in the zero page\n"); hc(HVT_HYPERCALL_HALT, 0); survived(attack); }
    /* Hypercall numbers and ports. */
    else if (IS("hc0")) { printf("hostile: hypercall 0 (port 0x500)\n"); hc(0, addr(buf)); survived(attack); }
    else if (IS("hc9")) { printf("hostile: hypercall 9 (port 0x509)\n"); hc(9, addr(buf)); survived(attack); }
    /* outl to 0x50f also touches ports 0x510-0x512, which the SDK's I/O bitmap denies: #GP at CPL3. */
    else if (IS("hc15_cpl3")) { printf("hostile: hypercall 15 (port 0x50f), no CPL0 trick\n"); hc(15, addr(buf)); survived(attack); }
    else if (IS("hc15")) { cpl0_port = 0x50f; at_cpl0("hypercall 15: outl to port 0x50f", cpl0_outl); survived(attack); }
    else if (IS("hc255_cpl3")) { printf("hostile: hypercall 255 (port 0x5ff), no CPL0 trick\n"); hc(255, addr(buf)); survived(attack); }
    else if (IS("hc255")) { cpl0_port = 0x5ff; at_cpl0("hypercall 255: outl to port 0x5ff", cpl0_outl); survived(attack); }
    else if (IS("outb_hc")) { printf("hostile: outb to port 0x502\n"); __asm__ __volatile__("outb %b0, %w1" :: "a"(0x41), "Nd"(0x502)); survived(attack); }
    else if (IS("outw_hc")) { printf("hostile: outw to port 0x502\n"); __asm__ __volatile__("outw %w0, %w1" :: "a"(0x4141), "Nd"(0x502)); survived(attack); }
    else if (IS("inb_hc")) { uint8_t v; printf("hostile: inb from port 0x501\n"); __asm__ __volatile__("inb %w1, %b0" : "=a"(v) : "Nd"(0x501)); survived(attack); }
    else if (IS("inw_hc")) { uint16_t v; printf("hostile: inw from port 0x501\n"); __asm__ __volatile__("inw %w1, %w0" : "=a"(v) : "Nd"(0x501)); survived(attack); }
    else if (IS("inl_hc")) { uint32_t v; printf("hostile: inl from port 0x502\n"); __asm__ __volatile__("inl %w1, %0" : "=a"(v) : "Nd"(0x502)); survived(attack); }
    else if (IS("rep_outsl")) {
        /*
         * String I/O: KVM may present it as one exit of count 2 (the monitor ends the
         * guest) or, emulating it, as two exits of count 1: two WALLTIME hypercalls.
         */
        static uint32_t two[2];
        volatile uint64_t *t = (volatile uint64_t *)(buf + 64);
        two[0] = two[1] = (uint32_t)addr(buf + 64);
        *t = 0;
        printf("hostile: rep outsl of 2 dwords to port 0x501\n");
        __asm__ __volatile__("rep outsl" : : "S"(two), "c"(2UL), "d"(0x501) : "memory");
        printf("rep outsl: served as WALLTIME hypercalls: %s\n", *t > 1500000000ULL * 1000000000ULL ? "OK" : "WRONG");
        if (*t <= 1500000000ULL * 1000000000ULL)
            wrong++;
    }
    else if (IS("rep_insl")) {
        printf("hostile: rep insl of 2 dwords from port 0x501\n");
        __asm__ __volatile__("rep insl" : : "D"(buf), "c"(2UL), "d"(0x501) : "memory");
        survived(attack);
    }
    else if (IS("port_cpl3")) { printf("hostile: outb to port 0x3f8, no CPL0 trick\n"); __asm__ __volatile__("outb %b0, %w1" :: "a"(0x41), "Nd"(0x3f8)); survived(attack); }
    else if (IS("port_out1")) { cpl0_port = 0x3f8; at_cpl0("outb to port 0x3f8", cpl0_outb); survived(attack); }
    else if (IS("port_out2")) { cpl0_port = 0x80; at_cpl0("outw to port 0x80", cpl0_outw); survived(attack); }
    else if (IS("port_out4")) { cpl0_port = 0xcf8; at_cpl0("outl to port 0xcf8", cpl0_outl); survived(attack); }
    else if (IS("port_in1")) { cpl0_port = 0x64; at_cpl0("inb from port 0x64", cpl0_inb); survived(attack); }
    else if (IS("port_in2")) { cpl0_port = 0x3f8; at_cpl0("inw from port 0x3f8", cpl0_inw); survived(attack); }
    else if (IS("port_in4")) { cpl0_port = 0xcfc; at_cpl0("inl from port 0xcfc", cpl0_inl); survived(attack); }
    else if (IS("port_ffff")) { cpl0_port = 0xffff; at_cpl0("outb to port 0xffff", cpl0_outb); survived(attack); }
    /* CPU state. */
    else if (IS("hlt_cpl3")) { printf("hostile: hlt, no CPL0 trick\n"); __asm__ __volatile__("hlt"); survived(attack); }
    else if (IS("hlt")) { at_cpl0("hlt", cpl0_hlt); survived(attack); }
    else if (IS("triple")) { at_cpl0("lidt of an empty IDT, then ud2", cpl0_triple); survived(attack); }
    else if (IS("triple_cpl3")) {
        uint64_t *idt = find_idt();
        printf("hostile: clearing the IDT at 0x%lx, then ud2\n", (unsigned long)addr(idt));
        memset(idt, 0, 32 * 16);
        __asm__ __volatile__("ud2" ::: "memory");
        survived(attack);
    }
    else if (IS("mmio_read") || IS("mmio_write")) {
        own_page_tables();
        cpl0_addr = 0x30000000; /* 768 MiB: mapped by our tables, above guest memory */
        at_cpl0(IS("mmio_read") ? "own page tables, read at 0x30000000" : "own page tables, write at 0x30000000",
                IS("mmio_read") ? cpl0_mmio_read : cpl0_mmio_write);
        survived(attack);
    }
    /* Memory the guest may not write, or should not execute. */
    else if (IS("write_text")) { printf("hostile: writing to the text\n"); *(volatile uint32_t *)(uintptr_t)(addr(_stext) + 64) = 0xcccccccc; survived(attack); }
    else if (IS("write_rodata")) { printf("hostile: writing to the rodata\n"); *(volatile uint8_t *)(uintptr_t)addr(ro_buf) = 0; survived(attack); }
    else if (IS("write_low")) { printf("hostile: writing to the boot info at 0x6000\n"); *(volatile uint64_t *)0x6000 = 1; survived(attack); }
    else if (IS("exec_data")) { exec_data(); return SOLO5_EXIT_SUCCESS; }
    else if (IS("exec_stack")) { exec_stack(); return SOLO5_EXIT_SUCCESS; }
    /* The guest goes on. */
    else if (IS("soft_args")) soft_args();
    else if (IS("block")) block_requests();
    else if (IS("net")) net_requests();
    else if (IS("flood")) flood(arg[0] ? strtoul(arg, NULL, 10) : 1000000);
    else {
        printf("FAILURE: unknown attack '%s'\n", attack);
        return EXIT_WRONG;
    }
    if (wrong) {
        printf("FAILURE: %d wrong results\n", wrong);
        return EXIT_WRONG;
    }
    printf("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
