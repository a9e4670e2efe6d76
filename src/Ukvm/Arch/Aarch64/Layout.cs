namespace Ukvm.Arch.Aarch64;

/// <summary>
/// Guest physical memory layout on AArch64 (docs/abi.md, AArch64): one documented constant per
/// fact. It mirrors x86_64's: the boot info and command line sit at the same addresses.
/// </summary>
internal static class Layout
{
    /// <summary>Page 0 is left invalid so that null dereferences fault.</summary>
    public const ulong ZeroPage = 0x0000;
    /// <summary>The monitor's exception vectors (VBAR_EL1 at entry), 2 KiB aligned.</summary>
    public const ulong Vectors = 0x1000;
    /// <summary>Translation tables: level 0 (TTBR0_EL1), 1, 2 (512 x 2 MiB) and 3 (first 2 MiB).</summary>
    public const ulong L0 = 0x2000, L1 = 0x3000, L2 = 0x4000, L3 = 0x5000;
    public const ulong BootInfo = 0x6000;
    public const ulong Manifest = BootInfo + Abi.HvtAbi.BootInfoSize;
    public const ulong Cmdline = 0x8000;
    public const ulong LowEnd = Abi.HvtAbi.GuestMinBase;

    /// <summary>
    /// More level-3 tables, one per further 2 MiB of the image (so text, rodata and data each get
    /// their own rights, PXN included): at most 128, for images up to 256 MiB.
    /// </summary>
    public const ulong ImageL3s = 0x80000;
    public const int MaxImageL3s = 128;

    public const ulong BlockSize2M = 0x200000;
    /// <summary>One level-2 table: guest memory is at most 1 GiB.</summary>
    public const ulong MaxMemory = 512 * BlockSize2M;

    /// <summary>Hypercalls are 32-bit stores to MmioBase + (n &lt;&lt; 3) (HVT_HYPERCALL_MMIO_BASE).</summary>
    public const ulong MmioBase = 0x100000000;
    public const ulong MmioSize = 0x40000000;
    /// <summary>The monitor's vectors report exception i by a store to MmioBase + VectorTrap + 8 i.</summary>
    public const ulong VectorTrap = 0x100;
}
