/*
 * ukvm-cref-aarch64: the minimal C reference monitor for AArch64 (the counterpart of
 * ukvm-cref.c). Sets a guest up exactly as docs/abi.md's AArch64 section says, making the same
 * KVM calls as ukvm, and serves WALLTIME, PUTS, POLL (no devices: sleeps) and HALT. It checked
 * the aarch64 guest SDK independently of the C# backend and is the reference of
 * bench/aarch64-boot.sh.
 *   ukvm-cref-aarch64 [--mem=MB] [--] KERNEL [ARGS...]
 * Build: aarch64-linux-gnu-gcc -O2 -static -Wall -o ukvm-cref-aarch64 ukvm-cref-aarch64.c
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define VECTORS 0x1000ULL
#define L0 0x2000ULL
#define L1 0x3000ULL
#define L2 0x4000ULL
#define L3 0x5000ULL
#define BOOT_INFO 0x6000ULL
#define BOOT_INFO_SIZE 56
#define MFT_ADDR (BOOT_INFO + BOOT_INFO_SIZE)
#define CMDLINE 0x8000ULL
#define CMDLINE_SIZE 8192
#define MIN_BASE 0x100000ULL
#define MMIO_BASE 0x100000000ULL
#define VECTOR_TRAP 0x100ULL
#define MAX_MEM (1ULL << 30)

#define PTE_VALID 1ULL
#define PTE_TABLE 3ULL
#define PTE_PAGE 3ULL
#define PTE_BLOCK 1ULL
#define ATTR_DEV (1ULL << 2)
#define ATTR_NORMAL (4ULL << 2)
#define SH_INNER (3ULL << 8)
#define AF (1ULL << 10)
#define AP_RO (1ULL << 7)
#define PXN (1ULL << 53)
#define UXN (1ULL << 54)

#define ARM64_CORE(off) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | ((off) / 4))
#define ARM64_SYS(op0, op1, crn, crm, op2)                                                  \
    (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG |                              \
     ((uint64_t)(op0) << 14) | ((uint64_t)(op1) << 11) | ((uint64_t)(crn) << 7) |           \
     ((uint64_t)(crm) << 3) | (uint64_t)(op2))

static uint8_t *mem;
static uint64_t mem_size = 512ULL << 20;
static int vcpu;

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cloader: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void set_reg(uint64_t id, uint64_t v)
{
    struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&v };
    if (ioctl(vcpu, KVM_SET_ONE_REG, &r) < 0)
        die("KVM_SET_ONE_REG 0x%llx: %s", (unsigned long long)id, strerror(errno));
}

static uint64_t get_reg(uint64_t id)
{
    uint64_t v = 0;
    struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&v };
    ioctl(vcpu, KVM_GET_ONE_REG, &r);
    return v;
}

static void *gpa(uint64_t a, uint64_t len)
{
    if (a >= mem_size || len > mem_size - a)
        die("guest address 0x%llx+%llu outside memory", (unsigned long long)a, (unsigned long long)len);
    return mem + a;
}

static void on_alarm(int s) { (void)s; }

static uint64_t load_elf(const char *path, uint64_t *kernel_end)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        die("%s: %s", path, strerror(errno));
    uint8_t *f = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (f == MAP_FAILED)
        die("mmap %s", path);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)f;
    if ((size_t)st.st_size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_machine != EM_AARCH64 ||
        eh->e_type != ET_EXEC)
        die("%s: not an AArch64 ELF executable", path);
    Elf64_Phdr *ph = (Elf64_Phdr *)(f + eh->e_phoff);
    uint64_t end = 0;
    int have_mft = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD) {
            if (ph[i].p_paddr < MIN_BASE)
                die("segment below 0x100000");
            memcpy(gpa(ph[i].p_paddr, ph[i].p_memsz), f + ph[i].p_offset, ph[i].p_filesz);
            memset(mem + ph[i].p_paddr + ph[i].p_filesz, 0, ph[i].p_memsz - ph[i].p_filesz);
            if (ph[i].p_paddr + ph[i].p_memsz > end)
                end = ph[i].p_paddr + ph[i].p_memsz;
        } else if (ph[i].p_type == PT_NOTE) {
            uint8_t *n = f + ph[i].p_offset;
            Elf64_Nhdr *nh = (Elf64_Nhdr *)n;
            if (nh->n_type == 0x3154464d /* MFT1 */) {
                /* struct mft at 24 bytes from the note's start, size = descsz - 4 */
                uint32_t sz = nh->n_descsz - 4;
                memcpy(gpa(MFT_ADDR, sz), n + 24, sz);
                have_mft = 1;
            }
        }
    }
    if (!have_mft)
        die("no MFT1 note");
    *kernel_end = (end + 0xfff) & ~0xfffULL;
    return eh->e_entry;
}

static void set64(uint64_t table, uint64_t idx, uint64_t v)
{
    memcpy(mem + table + idx * 8, &v, 8);
}

int main(int argc, char **argv)
{
    int a = 1;
    for (; a < argc && strncmp(argv[a], "--", 2) == 0; a++) {
        if (strcmp(argv[a], "--") == 0) { a++; break; }
        if (strncmp(argv[a], "--mem=", 6) == 0)
            mem_size = strtoull(argv[a] + 6, NULL, 10) << 20;
        else
            die("unsupported option %s", argv[a]);
    }
    if (a >= argc)
        die("usage: cloader [--mem=MB] KERNEL [ARGS...]");
    mem_size &= ~((2ULL << 20) - 1);
    if (mem_size == 0 || mem_size > MAX_MEM)
        die("bad --mem");

    struct sigaction sa = { .sa_handler = on_alarm };
    sigaction(SIGALRM, &sa, NULL);
    alarm(60);

    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        die("/dev/kvm: %s", strerror(errno));
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0)
        die("KVM_CREATE_VM: %s", strerror(errno));
    mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED)
        die("mmap guest memory");

    uint64_t kernel_end;
    uint64_t entry = load_elf(argv[a], &kernel_end);

    /* vectors: movz x1, #1, lsl #32; str wzr, [x1, #(0x100 + 8 i)]; b . */
    for (int i = 0; i < 16; i++) {
        uint32_t ins[3] = { 0xD2C00021, 0xB9000000u | (uint32_t)((VECTOR_TRAP + 8 * i) / 4) << 10 | 1u << 5 | 31u,
                            0x14000000 };
        memcpy(mem + VECTORS + i * 0x80, ins, sizeof ins);
    }
    /* page tables */
    set64(L0, 0, L1 | PTE_TABLE);
    set64(L1, 0, L2 | PTE_TABLE);
    set64(L1, MMIO_BASE >> 30, MMIO_BASE | PTE_BLOCK | ATTR_DEV | AF | PXN | UXN);
    set64(L2, 0, L3 | PTE_TABLE);
    const uint64_t normal = ATTR_NORMAL | SH_INNER | AF;
    for (uint64_t i = 1; i < 512; i++) {
        uint64_t addr = i << 12;
        uint64_t attrs = addr == VECTORS ? normal | AP_RO | UXN
                       : addr < MIN_BASE ? normal | AP_RO | PXN | UXN
                                         : normal | UXN;
        set64(L3, i, addr | PTE_PAGE | attrs);
    }
    for (uint64_t i = 1; i < mem_size >> 21; i++)
        set64(L2, i, (i << 21) | PTE_BLOCK | normal | UXN);

    /* command line */
    char *cl = (char *)mem + CMDLINE;
    size_t n = 0;
    for (int i = a + 1; i < argc; i++) {
        size_t l = strlen(argv[i]);
        if (n + l + 2 > CMDLINE_SIZE)
            die("command line too long");
        if (n)
            cl[n++] = ' ';
        memcpy(cl + n, argv[i], l);
        n += l;
    }
    cl[n] = 0;

    uint64_t frq;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(frq));
    uint64_t bi[7] = { mem_size, kernel_end, frq, CMDLINE, MFT_ADDR, 0, 0 };
    memcpy(mem + BOOT_INFO, bi, sizeof bi);

    struct kvm_userspace_memory_region r = { .slot = 0, .guest_phys_addr = 0, .memory_size = mem_size,
                                             .userspace_addr = (uintptr_t)mem };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
        die("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
    struct kvm_enable_cap cap = { .cap = KVM_CAP_ARM_NISV_TO_USER };
    if (ioctl(vm, KVM_ENABLE_CAP, &cap) < 0)
        fprintf(stderr, "cloader: KVM_CAP_ARM_NISV_TO_USER: %s\n", strerror(errno));
    vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        die("KVM_CREATE_VCPU: %s", strerror(errno));
    int sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct kvm_run *run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        die("mmap kvm_run");
    struct kvm_vcpu_init init;
    if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) < 0)
        die("KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
    init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
    if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) < 0)
        die("KVM_ARM_VCPU_INIT: %s", strerror(errno));

    set_reg(ARM64_SYS(3, 0, 1, 0, 2), get_reg(ARM64_SYS(3, 0, 1, 0, 2)) | (3ULL << 20)); /* CPACR */
    set_reg(ARM64_SYS(3, 0, 10, 2, 0), 0x0000bbff440c0400ULL);                         /* MAIR */
    set_reg(ARM64_SYS(3, 0, 2, 0, 2), 24 | 1 << 8 | 1 << 10 | 3 << 12 | 24 << 16 | 1 << 23 | 2ULL << 30 |
                                          2ULL << 32);                                   /* TCR */
    set_reg(ARM64_SYS(3, 0, 2, 0, 0), L0);                                              /* TTBR0 */
    set_reg(ARM64_SYS(3, 0, 1, 0, 0), 1 | 1 << 2 | 1 << 12 | 0x30D00800);               /* SCTLR */
    set_reg(ARM64_SYS(3, 0, 12, 0, 0), VECTORS);                                        /* VBAR */
    set_reg(ARM64_CORE(offsetof(struct kvm_regs, regs.pstate)), 0x3c5);
    set_reg(ARM64_CORE(offsetof(struct kvm_regs, sp_el1)), mem_size - 16);
    set_reg(ARM64_CORE(offsetof(struct kvm_regs, regs.regs[0])), BOOT_INFO);
    set_reg(ARM64_CORE(offsetof(struct kvm_regs, regs.pc)), entry);

    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0)
            die("KVM_RUN: %s (pc 0x%llx)", strerror(errno),
                (unsigned long long)get_reg(ARM64_CORE(offsetof(struct kvm_regs, regs.pc))));
        if (run->exit_reason == KVM_EXIT_ARM_NISV)
            die("%s at 0x%llx without a valid syndrome (esr_iss 0x%llx)",
                run->arm_nisv.fault_ipa < mem_size ? "host/guest translation fault: write to read-only memory"
                                                   : "invalid guest MMIO access",
                (unsigned long long)run->arm_nisv.fault_ipa, (unsigned long long)run->arm_nisv.esr_iss);
        if (run->exit_reason == KVM_EXIT_SYSTEM_EVENT)
            die("system event %u", run->system_event.type);
        if (run->exit_reason != KVM_EXIT_MMIO)
            die("exit reason %u", run->exit_reason);
        uint64_t addr = run->mmio.phys_addr, off = addr - MMIO_BASE;
        if (addr < MMIO_BASE || !run->mmio.is_write)
            die("MMIO %s at 0x%llx", run->mmio.is_write ? "write" : "read", (unsigned long long)addr);
        if (off >= VECTOR_TRAP && off < VECTOR_TRAP + 16 * 8)
            die("exception before the guest's vectors: vector %llu, esr 0x%llx far 0x%llx elr 0x%llx",
                (unsigned long long)(off - VECTOR_TRAP) / 8, (unsigned long long)get_reg(ARM64_SYS(3, 0, 5, 2, 0)),
                (unsigned long long)get_reg(ARM64_SYS(3, 0, 6, 0, 0)),
                (unsigned long long)get_reg(ARM64_CORE(offsetof(struct kvm_regs, elr_el1))));
        if (run->mmio.len != 4 || off % 8)
            die("bad hypercall store at 0x%llx", (unsigned long long)addr);
        uint32_t arg;
        memcpy(&arg, run->mmio.data, 4);
        switch (off >> 3) {
        case 1: { /* WALLTIME */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            uint64_t ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
            memcpy(gpa(arg, 8), &ns, 8);
            break;
        }
        case 2: { /* PUTS */
            uint64_t p[2];
            memcpy(p, gpa(arg, 16), 16);
            fwrite(gpa(p[0], p[1]), 1, p[1], stdout);
            fflush(stdout);
            break;
        }
        case 3: { /* POLL: no devices, sleep */
            uint64_t *p = gpa(arg, 24);
            struct timespec ts = { p[0] / 1000000000ULL, p[0] % 1000000000ULL };
            nanosleep(&ts, NULL);
            p[1] = 0;
            *(int32_t *)(p + 2) = 0;
            break;
        }
        case 8: { /* HALT */
            int32_t st;
            memcpy(&st, gpa(arg + 8, 4), 4);
            return st;
        }
        default:
            die("unsupported hypercall %llu", (unsigned long long)(off >> 3));
        }
    }
}
