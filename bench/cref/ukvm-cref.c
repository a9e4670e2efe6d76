/*
 * ukvm-cref: the minimal C reference monitor for ukvm's benchmarks.
 *
 * It sets a guest up exactly as docs/abi.md says (memory layout, page
 * tables, GDT, CPU state, boot info, manifest copy, command line) and makes
 * the same KVM calls as ukvm, in the same order, so that boot time and
 * memory of ukvm can be compared with the least a C program has to do.
 * Supported hypercalls: WALLTIME, PUTS, POLL (no devices), HALT. Anything
 * else ends the guest with status 1 and one line on stderr.
 *
 * Usage: ukvm-cref [--mem=MB] [--] KERNEL [ARGS...]
 * Build: gcc -O2 -Wall -Wextra -o ukvm-cref ukvm-cref.c
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

/* ---- docs/abi.md constants ---------------------------------------------- */
#define GDT_BASE        0x1000
#define PML4_BASE       0x2000
#define PDPT_BASE       0x3000
#define PD_BASE         0x4000
#define PT_BASE         0x5000
#define BOOT_INFO_BASE  0x6000
#define BOOT_INFO_SIZE  56
#define MFT_BASE        (BOOT_INFO_BASE + BOOT_INFO_SIZE)   /* 0x6038 */
#define CMDLINE_BASE    0x8000
#define CMDLINE_SIZE    8192
#define GUEST_MIN_BASE  0x100000
#define PAGE_2M         0x200000ULL
#define MEM_MAX         (1ULL << 30)

#define PTE_P   0x001ULL
#define PTE_RW  0x002ULL
#define PTE_US  0x004ULL
#define PTE_PS  0x080ULL

#define CR0_PE  (1ULL << 0)
#define CR0_MP  (1ULL << 1)
#define CR0_NE  (1ULL << 5)
#define CR0_WP  (1ULL << 16)
#define CR0_PG  (1ULL << 31)
#define CR4_PAE        (1ULL << 5)
#define CR4_OSFXSR     (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

#define UKVM_FEATURE_USERMODE (1u << 31)

#define HC_PIO_BASE 0x500
enum { HC_WALLTIME = 1, HC_PUTS, HC_POLL, HC_BLOCK_WRITE, HC_BLOCK_READ,
       HC_NET_WRITE, HC_NET_READ, HC_HALT };

#define SOLO5_NOTE_NAME "Solo5"
#define NOTE_TYPE_ABI1  0x31494241u   /* "ABI1" */
#define NOTE_TYPE_MFT1  0x3154464du   /* "MFT1" */
#define ABI_TARGET_HVT  1
#define ABI_VERSION     2

#define MFT_VERSION        1
#define MFT_MAX_ENTRIES    64
#define MFT_ENTRY_SIZE     104
#define MFT_HDR_SIZE       8
#define MFT_RESERVED_FIRST (1u << 30)
/* offsets inside one 104-byte manifest entry */
#define MFTE_TYPE     68
#define MFTE_U        72
#define MFTE_U_SIZE   16
#define MFTE_B        88
#define MFTE_B_SIZE   8
#define MFTE_ATTACHED 96

struct boot_info {
    uint64_t mem_size;
    uint64_t kernel_end;
    uint64_t cpu_cycle_freq;
    uint64_t cmdline;
    uint64_t mft;
    uint32_t host_features;
    uint32_t guest_features;
    uint64_t net_ring;
};
_Static_assert(sizeof(struct boot_info) == BOOT_INFO_SIZE, "boot info size");

/* Hypercall argument structs, natural x86_64 layout (Solo5 hvt_abi.h). */
struct hc_walltime { uint64_t nsecs; };
struct hc_puts     { uint64_t data; uint64_t len; };
struct hc_poll     { uint64_t timeout_nsecs; uint64_t ready_set; int32_t ret; };
struct hc_halt     { uint64_t cookie; int32_t exit_status; };

/* ---- helpers -------------------------------------------------------------- */
static const char *prog = "ukvm-cref";

__attribute__((noreturn, format(printf, 1, 2)))
static void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

#define die_errno(what) die("%s: %s", (what), strerror(errno))

static uint8_t *mem;
static uint64_t mem_size;

/* Host pointer to [gpa, gpa+len) if it lies inside guest memory, else NULL. */
static void *gpa_ptr(uint64_t gpa, uint64_t len)
{
    if (gpa >= mem_size || len > mem_size - gpa)
        return NULL;
    return mem + gpa;
}

static int pread_full(int fd, void *buf, size_t len, off_t off)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n; len -= (size_t)n; off += n;
    }
    return 0;
}

/* ---- ELF loading ---------------------------------------------------------- */
struct image {
    uint64_t entry;
    uint64_t kernel_end;
    int have_mft;
};

static void bad_image(const char *file, const char *why)
{
    die("%s: bad image: %s", file, why);
}

/*
 * Walks the notes of one PT_NOTE segment (already read into buf).
 * Solo5 notes: namesz 6 ("Solo5\0", padded to 8), the descriptor follows the
 * 20-byte header+name; a descriptor with 8-byte members (the manifest) starts
 * with padding so that its content is 8-aligned relative to the note.
 */
static void scan_notes(const char *file, const uint8_t *buf, uint64_t size,
                       int *have_abi, struct image *img)
{
    uint64_t off = 0;
    while (size - off >= 12) {
        uint32_t namesz, descsz, type;
        memcpy(&namesz, buf + off, 4);
        memcpy(&descsz, buf + off + 4, 4);
        memcpy(&type, buf + off + 8, 4);
        if (namesz == 0 && (off & 7)) {
            /* Padding before an 8-aligned note (e.g. ABI1 then MFT1 in one segment). */
            off = (off + 7) & ~7ULL;
            continue;
        }
        uint64_t name_off = off + 12;
        uint64_t desc_off = name_off + (((uint64_t)namesz + 3) & ~3ULL);
        uint64_t next = desc_off + (((uint64_t)descsz + 3) & ~3ULL);
        if (desc_off > size || next > size || desc_off + descsz > size)
            bad_image(file, "truncated ELF note");
        int solo5 = namesz == sizeof(SOLO5_NOTE_NAME)
            && memcmp(buf + name_off, SOLO5_NOTE_NAME, sizeof(SOLO5_NOTE_NAME)) == 0;
        if (solo5 && type == NOTE_TYPE_ABI1) {
            uint32_t info[4];
            if (descsz < sizeof(info))
                bad_image(file, "short ABI1 note");
            memcpy(info, buf + desc_off, sizeof(info));
            if (info[0] != ABI_TARGET_HVT || info[1] != ABI_VERSION)
                die("%s: bad image: ABI1 note is target %u version %u, want hvt (1) version %u",
                    file, info[0], info[1], ABI_VERSION);
            *have_abi = 1;
        } else if (solo5 && type == NOTE_TYPE_MFT1) {
            if (img->have_mft)
                bad_image(file, "more than one MFT1 note");
            /* Content aligned to 8 relative to the note's start. */
            uint64_t pad = ((desc_off - off + 7) & ~7ULL) - (desc_off - off);
            if (descsz < pad + MFT_HDR_SIZE)
                bad_image(file, "short MFT1 note");
            const uint8_t *m = buf + desc_off + pad;
            uint32_t version, entries;
            memcpy(&version, m, 4);
            memcpy(&entries, m + 4, 4);
            if (version != MFT_VERSION)
                bad_image(file, "manifest version is not 1");
            if (entries < 1 || entries > MFT_MAX_ENTRIES)
                bad_image(file, "manifest entry count not in 1..64");
            uint64_t msize = MFT_HDR_SIZE + (uint64_t)entries * MFT_ENTRY_SIZE;
            if (msize > descsz - pad)
                bad_image(file, "manifest larger than its note");
            uint32_t type0;
            memcpy(&type0, m + MFT_HDR_SIZE + MFTE_TYPE, 4);
            if (type0 != MFT_RESERVED_FIRST)
                bad_image(file, "manifest entry 0 is not MFT_RESERVED_FIRST");
            /* Copy to 0x6038; fill in what the monitor owns: no devices here. */
            uint8_t *dst = mem + MFT_BASE;
            memcpy(dst, m, msize);
            for (uint32_t i = 0; i < entries; i++) {
                uint8_t *e = dst + MFT_HDR_SIZE + (uint64_t)i * MFT_ENTRY_SIZE;
                memset(e + MFTE_U, 0, MFTE_U_SIZE);
                memset(e + MFTE_B, 0, MFTE_B_SIZE);
                e[MFTE_ATTACHED] = 0;
            }
            img->have_mft = 1;
        }
        off = next;
    }
}

static void load_elf(const char *file, struct image *img)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die("%s: %s", file, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0)
        die_errno("fstat");
    uint64_t fsize = (uint64_t)st.st_size;

    Elf64_Ehdr eh;
    if (fsize < sizeof(eh) || pread_full(fd, &eh, sizeof(eh), 0) < 0)
        bad_image(file, "too short for an ELF header");
    if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64
            || eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_EXEC
            || eh.e_machine != EM_X86_64)
        bad_image(file, "not an ELF64 little-endian x86_64 executable");
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 64)
        bad_image(file, "bad program header table");
    uint64_t phsize = (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr);
    if (eh.e_phoff > fsize || phsize > fsize - eh.e_phoff)
        bad_image(file, "program headers past end of file");
    Elf64_Phdr ph[64];
    if (pread_full(fd, ph, phsize, (off_t)eh.e_phoff) < 0)
        bad_image(file, "cannot read program headers");

    int have_abi = 0, entry_ok = 0;
    uint64_t end = 0;
    img->have_mft = 0;

    for (unsigned i = 0; i < eh.e_phnum; i++) {
        const Elf64_Phdr *p = &ph[i];
        if (p->p_type != PT_LOAD)
            continue;
        if (p->p_filesz > p->p_memsz)
            bad_image(file, "segment file size larger than memory size");
        if (p->p_offset > fsize || p->p_filesz > fsize - p->p_offset)
            bad_image(file, "segment past end of file");
        if (p->p_paddr < GUEST_MIN_BASE || p->p_paddr >= mem_size
                || p->p_memsz > mem_size - p->p_paddr)
            bad_image(file, "segment outside guest memory (or below 0x100000)");
        if ((p->p_flags & PF_W) && (p->p_flags & PF_X))
            bad_image(file, "segment both writable and executable");
        for (unsigned j = 0; j < i; j++) {
            const Elf64_Phdr *q = &ph[j];
            if (q->p_type == PT_LOAD && p->p_paddr < q->p_paddr + q->p_memsz
                    && q->p_paddr < p->p_paddr + p->p_memsz)
                bad_image(file, "overlapping segments");
        }
        if (p->p_filesz && pread_full(fd, mem + p->p_paddr, p->p_filesz, (off_t)p->p_offset) < 0)
            bad_image(file, "cannot read segment");
        /* The rest (bss) is already zero: fresh anonymous memory. */
        uint64_t seg_end = (p->p_paddr + p->p_memsz + 0xfff) & ~0xfffULL;
        if (seg_end > end)
            end = seg_end;
        if ((p->p_flags & PF_X) && eh.e_entry >= p->p_paddr
                && eh.e_entry < p->p_paddr + p->p_memsz)
            entry_ok = 1;
    }
    if (end == 0)
        bad_image(file, "no PT_LOAD segment");
    if (!entry_ok)
        bad_image(file, "entry point not in an executable segment");

    for (unsigned i = 0; i < eh.e_phnum; i++) {
        const Elf64_Phdr *p = &ph[i];
        if (p->p_type != PT_NOTE || p->p_filesz == 0)
            continue;
        if (p->p_offset > fsize || p->p_filesz > fsize - p->p_offset || p->p_filesz > (1 << 20))
            bad_image(file, "note segment past end of file or too large");
        uint8_t *buf = malloc(p->p_filesz);
        if (!buf)
            die_errno("malloc");
        if (pread_full(fd, buf, p->p_filesz, (off_t)p->p_offset) < 0)
            bad_image(file, "cannot read note segment");
        scan_notes(file, buf, p->p_filesz, &have_abi, img);
        free(buf);
    }
    if (!have_abi)
        bad_image(file, "no Solo5 ABI1 note");
    close(fd);

    img->entry = eh.e_entry;
    img->kernel_end = end;
}

/* ---- guest memory layout -------------------------------------------------- */
static void setup_page_tables(void)
{
    uint64_t *pml4 = (uint64_t *)(mem + PML4_BASE);
    uint64_t *pdpt = (uint64_t *)(mem + PDPT_BASE);
    uint64_t *pd = (uint64_t *)(mem + PD_BASE);
    uint64_t *pt = (uint64_t *)(mem + PT_BASE);

    pml4[0] = PDPT_BASE | PTE_P | PTE_RW | PTE_US;
    pdpt[0] = PD_BASE | PTE_P | PTE_RW | PTE_US;
    pd[0] = PT_BASE | PTE_P | PTE_RW | PTE_US;
    /* First 2 MiB in 4 KiB pages: page 0 absent, low pages read-only. */
    pt[0] = 0;
    for (uint64_t i = 1; i < 512; i++) {
        uint64_t a = i << 12;
        pt[i] = a | PTE_P | PTE_US | (a >= GUEST_MIN_BASE ? PTE_RW : 0);
    }
    for (uint64_t i = 1; i < mem_size / PAGE_2M; i++)
        pd[i] = (i * PAGE_2M) | PTE_P | PTE_RW | PTE_US | PTE_PS;
}

static void setup_gdt(void)
{
    uint64_t *gdt = (uint64_t *)(mem + GDT_BASE);
    gdt[0] = 0;
    gdt[1] = 0x00af9b000000ffffULL;  /* 0x08: 64-bit code, DPL0, execute/read, accessed */
    gdt[2] = 0x00cf93000000ffffULL;  /* 0x10: data, DPL0, read-write, accessed */
}

static void setup_cmdline(int argc, char **argv)
{
    char *dst = (char *)mem + CMDLINE_BASE;
    size_t n = 0;
    for (int i = 0; i < argc; i++) {
        size_t l = strlen(argv[i]);
        if (n + (i ? 1 : 0) + l + 1 > CMDLINE_SIZE)
            die("guest command line too long (max %d bytes with the NUL)", CMDLINE_SIZE);
        if (i)
            dst[n++] = ' ';
        memcpy(dst + n, argv[i], l);
        n += l;
    }
    dst[n] = '\0';
}

static struct kvm_segment seg(uint16_t sel, uint8_t type, uint8_t l, uint8_t db)
{
    struct kvm_segment s = {
        .base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
        .present = 1, .dpl = 0, .db = db, .s = 1, .l = l, .g = 1,
    };
    return s;
}

/* ---- hypercalls ----------------------------------------------------------- */
static void write_all(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return;   /* stdout gone: drop output, as a console would */
        p += n; len -= (size_t)n;
    }
}

static void hypercall(unsigned nr, uint64_t gpa)
{
    switch (nr) {
    case HC_WALLTIME: {
        struct hc_walltime *a = gpa_ptr(gpa, sizeof(*a));
        if (!a)
            die("WALLTIME: argument 0x%llx outside guest memory", (unsigned long long)gpa);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        a->nsecs = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
        return;
    }
    case HC_PUTS: {
        struct hc_puts *a = gpa_ptr(gpa, sizeof(*a));
        if (!a)
            die("PUTS: argument 0x%llx outside guest memory", (unsigned long long)gpa);
        uint64_t data = a->data, len = a->len;
        const uint8_t *p = gpa_ptr(data, len);
        if (!p)
            die("PUTS: buffer 0x%llx+%llu outside guest memory",
                (unsigned long long)data, (unsigned long long)len);
        write_all(STDOUT_FILENO, p, len);
        return;
    }
    case HC_POLL: {
        struct hc_poll *a = gpa_ptr(gpa, sizeof(*a));
        if (!a)
            die("POLL: argument 0x%llx outside guest memory", (unsigned long long)gpa);
        uint64_t t = a->timeout_nsecs;
        struct timespec ts = { .tv_sec = (time_t)(t / 1000000000ULL),
                               .tv_nsec = (long)(t % 1000000000ULL) };
        if (t > 0)
            ppoll(NULL, 0, &ts, NULL);   /* no devices: just wait */
        a->ready_set = 0;
        a->ret = 0;
        return;
    }
    default:
        die("unsupported hypercall %u (no devices in the reference monitor)", nr);
    }
}

/* ---- main ----------------------------------------------------------------- */
static void usage(FILE *f)
{
    fprintf(f,
        "usage: %s [--mem=MB] [--] KERNEL [ARGS...]\n"
        "  Minimal C reference monitor for ukvm benchmarks (Solo5 hvt ABI, docs/abi.md).\n"
        "  --mem=MB  guest memory in MiB (default 512, rounded down to 2 MiB, 2..1024)\n",
        prog);
}

int main(int argc, char **argv)
{
    uint64_t mem_mb = 512;
    int ai = 1;
    for (; ai < argc; ai++) {
        const char *a = argv[ai];
        if (strcmp(a, "--") == 0) { ai++; break; }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { usage(stdout); return 0; }
        if (strncmp(a, "--mem=", 6) == 0) {
            char *e;
            errno = 0;
            unsigned long long v = strtoull(a + 6, &e, 10);
            if (errno || e == a + 6 || *e || v == 0 || v > 1024)
                die("--mem: want a number of MiB in 2..1024, got '%s'", a + 6);
            mem_mb = v;
            continue;
        }
        if (a[0] == '-' && a[1] == '-') {
            usage(stderr);
            die("unknown option '%s'", a);
        }
        break;
    }
    if (ai >= argc) {
        usage(stderr);
        return 1;
    }
    const char *kernel = argv[ai];
    mem_size = (mem_mb << 20) & ~(PAGE_2M - 1);
    if (mem_size < PAGE_2M)
        die("--mem: guest memory must be at least 2 MiB");
    if (mem_size > MEM_MAX)
        mem_size = MEM_MAX;

    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        die("open /dev/kvm: %s", strerror(errno));
    int api = ioctl(kvm, KVM_GET_API_VERSION, 0);
    if (api != KVM_API_VERSION)
        die("KVM API version %d, want %d", api, KVM_API_VERSION);
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0)
        die_errno("KVM_CREATE_VM");

    mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED)
        die_errno("mmap guest memory");
    struct kvm_userspace_memory_region region = {
        .slot = 0, .flags = 0, .guest_phys_addr = 0,
        .memory_size = mem_size, .userspace_addr = (uint64_t)(uintptr_t)mem,
    };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        die_errno("KVM_SET_USER_MEMORY_REGION");

    struct image img;
    load_elf(kernel, &img);
    setup_page_tables();
    setup_gdt();
    if (!img.have_mft) {
        /* No MFT1 note: an empty manifest (only the reserved entry 0). */
        uint32_t hdr[2] = { MFT_VERSION, 1 };
        memcpy(mem + MFT_BASE, hdr, sizeof(hdr));
        uint32_t t = MFT_RESERVED_FIRST;
        memcpy(mem + MFT_BASE + MFT_HDR_SIZE + MFTE_TYPE, &t, 4);
    }
    setup_cmdline(argc - ai - 1, argv + ai + 1);

    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        die_errno("KVM_CREATE_VCPU");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size < (int)sizeof(struct kvm_run))
        die_errno("KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE,
                               MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        die_errno("mmap kvm_run");

    struct kvm_cpuid2 *cpuid = NULL;
    for (unsigned nent = 128;; nent *= 2) {
        cpuid = realloc(cpuid, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
        if (!cpuid)
            die_errno("malloc");
        cpuid->nent = nent;
        if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
            break;
        if (errno != E2BIG || nent >= 4096)
            die_errno("KVM_GET_SUPPORTED_CPUID");
    }
    if (ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0)
        die_errno("KVM_SET_CPUID2");
    free(cpuid);

    int tsc_khz = ioctl(vcpu, KVM_GET_TSC_KHZ, 0);
    if (tsc_khz <= 0)
        die_errno("KVM_GET_TSC_KHZ");

    struct boot_info *bi = (struct boot_info *)(mem + BOOT_INFO_BASE);
    bi->mem_size = mem_size;
    bi->kernel_end = img.kernel_end;
    bi->cpu_cycle_freq = (uint64_t)tsc_khz * 1000ULL;
    bi->cmdline = CMDLINE_BASE;
    bi->mft = MFT_BASE;
    bi->host_features = UKVM_FEATURE_USERMODE;
    bi->guest_features = 0;
    bi->net_ring = 0;

    struct kvm_sregs sregs;
    memset(&sregs, 0, sizeof(sregs));
    sregs.cs = seg(0x08, 0xb, 1, 0);
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = seg(0x10, 3, 0, 1);
    sregs.tr = (struct kvm_segment){ .selector = 0, .base = 0, .limit = 0,
                                     .type = 11, .present = 1 };
    sregs.ldt = (struct kvm_segment){ .selector = 0, .unusable = 1 };
    sregs.gdt.base = GDT_BASE;
    sregs.gdt.limit = 3 * 8 - 1;
    sregs.idt.base = 0;
    sregs.idt.limit = 0;
    sregs.cr0 = CR0_PE | CR0_MP | CR0_NE | CR0_WP | CR0_PG;
    sregs.cr3 = PML4_BASE;
    sregs.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    sregs.efer = EFER_LME | EFER_LMA;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
        die_errno("KVM_SET_SREGS");

    struct kvm_regs regs;
    memset(&regs, 0, sizeof(regs));
    regs.rip = img.entry;
    regs.rsp = mem_size - 8;
    regs.rdi = BOOT_INFO_BASE;
    regs.rflags = 0x2;
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
        die_errno("KVM_SET_REGS");

    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            if (errno == EFAULT) {
                struct kvm_regs r;
                ioctl(vcpu, KVM_GET_REGS, &r);
                die("host/guest translation fault: rip=0x%llx", (unsigned long long)r.rip);
            }
            die_errno("KVM_RUN");
        }
        switch (run->exit_reason) {
        case KVM_EXIT_IO: {
            unsigned port = run->io.port;
            if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4
                    || run->io.count != 1 || port <= HC_PIO_BASE
                    || port > HC_PIO_BASE + HC_HALT)
                die("invalid guest port access: port=0x%x dir=%u size=%u",
                    port, run->io.direction, run->io.size);
            uint32_t gpa;
            memcpy(&gpa, (uint8_t *)run + run->io.data_offset, 4);
            unsigned nr = port - HC_PIO_BASE;
            if (nr == HC_HALT) {
                struct hc_halt *a = gpa_ptr(gpa, sizeof(*a));
                if (!a)
                    die("HALT: argument 0x%x outside guest memory", gpa);
                exit(a->exit_status);
            }
            hypercall(nr, gpa);
            break;
        }
        case KVM_EXIT_MMIO:
            if (run->mmio.phys_addr < mem_size)   /* PVM: write to a host read-only page */
                die("host/guest translation fault: %s at 0x%llx",
                    run->mmio.is_write ? "write" : "read",
                    (unsigned long long)run->mmio.phys_addr);
            die("guest access outside its memory: %s at 0x%llx",
                run->mmio.is_write ? "write" : "read",
                (unsigned long long)run->mmio.phys_addr);
        case KVM_EXIT_HLT:
            die("guest executed hlt without the HALT hypercall");
        case KVM_EXIT_SHUTDOWN:
            die("guest triple fault (KVM_EXIT_SHUTDOWN)");
        case KVM_EXIT_FAIL_ENTRY:
            die("KVM entry failure: reason=0x%llx",
                (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        case KVM_EXIT_INTERNAL_ERROR: {
            struct kvm_regs r;
            ioctl(vcpu, KVM_GET_REGS, &r);
            die("KVM internal error: suberror=%u rip=0x%llx",
                run->internal.suberror, (unsigned long long)r.rip);
        }
        default: {
            struct kvm_regs r;
            ioctl(vcpu, KVM_GET_REGS, &r);
            die("unhandled KVM exit %u at rip=0x%llx", run->exit_reason,
                (unsigned long long)r.rip);
        }
        }
    }
}
