namespace Ukvm.Arch.Aarch64;

/// <summary>
/// KVM ONE_REG identifiers for the registers the monitor sets (KVM API document 4.68,
/// arch/arm64/include/uapi/asm/kvm.h): core registers by their offset in struct kvm_regs in
/// 32-bit words, system registers by op0/op1/CRn/CRm/op2.
/// </summary>
internal static class Registers
{
    private const ulong Arm64 = 0x6000000000000000, SizeU64 = 0x0030000000000000;
    private const ulong CoreCoproc = 0x0010UL << 16, SysregCoproc = 0x0013UL << 16;

    private static ulong Core(ulong byteOffset) => Arm64 | SizeU64 | CoreCoproc | byteOffset / 4;

    private static ulong Sys(ulong op0, ulong op1, ulong crn, ulong crm, ulong op2) =>
        Arm64 | SizeU64 | SysregCoproc | op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2;

    // struct kvm_regs { struct user_pt_regs { u64 regs[31], sp, pc, pstate; }; u64 sp_el1, elr_el1; ... }
    public static ulong X(int n) => Core((ulong)n * 8);
    public static readonly ulong Pc = Core(32 * 8);
    public static readonly ulong Pstate = Core(33 * 8);
    public static readonly ulong SpEl1 = Core(34 * 8);
    public static readonly ulong ElrEl1 = Core(35 * 8);
    public static readonly ulong SpsrEl1 = Core(36 * 8);

    public static readonly ulong SctlrEl1 = Sys(3, 0, 1, 0, 0);
    public static readonly ulong CpacrEl1 = Sys(3, 0, 1, 0, 2);
    public static readonly ulong Ttbr0El1 = Sys(3, 0, 2, 0, 0);
    public static readonly ulong TcrEl1 = Sys(3, 0, 2, 0, 2);
    public static readonly ulong EsrEl1 = Sys(3, 0, 5, 2, 0);
    public static readonly ulong FarEl1 = Sys(3, 0, 6, 0, 0);
    public static readonly ulong MairEl1 = Sys(3, 0, 10, 2, 0);
    public static readonly ulong VbarEl1 = Sys(3, 0, 12, 0, 0);

    /// <summary>EL1h with D, A, I and F masked (SPSR M[3:0] = 0b0101).</summary>
    public const ulong PstateInit = 0x3c5;
    /// <summary>Attr0 device nGnRnE, 1 device nGnRE, 2 device GRE, 3 normal NC, 4 normal WB, 5 normal WT.</summary>
    public const ulong MairInit = 0x0000bbff440c0400;
    /// <summary>
    /// T0SZ = T1SZ = 24 (40-bit VA), inner/outer write-back walks, inner shareable, TG0 4 KiB,
    /// TG1 4 KiB, EPD1 (no TTBR1 walks), IPS 40-bit.
    /// </summary>
    public const ulong TcrInit = 24 | 1 << 8 | 1 << 10 | 3 << 12 | 0 << 14 | 24 << 16 | 1 << 23 | 2UL << 30 | 2UL << 32;
    /// <summary>M (MMU), C (data cache), I (instruction cache), and the ARMv8.0 RES1 bits 29, 28, 23, 22, 20, 11.</summary>
    public const ulong SctlrInit = 1 | 1 << 2 | 1 << 12 | 0x30D00800;
    /// <summary>FPEN = 0b11: FP/SIMD not trapped at EL1 or EL0.</summary>
    public const ulong CpacrFpen = 3 << 20;
}
