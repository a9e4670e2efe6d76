namespace Ukvm.Arch.X86_64;

/// <summary>
/// Guest physical memory layout on x86_64 (docs/abi.md): one documented constant per fact.
/// Everything below <see cref="Abi.HvtAbi.GuestMinBase"/> is the monitor's and read-only to the guest.
/// </summary>
internal static class Layout
{
    /// <summary>Page 0 is left unmapped so that null dereferences fault.</summary>
    public const ulong ZeroPage = 0x0000;
    public const ulong Gdt = 0x1000;
    public const ulong Pml4 = 0x2000;
    public const ulong Pdpt = 0x3000;
    /// <summary>One page directory of 512 2 MiB pages: guest memory is at most 1 GiB.</summary>
    public const ulong Pd = 0x4000;
    /// <summary>4 KiB page table for the first 2 MiB, so the low pages can be unmapped or read-only.</summary>
    public const ulong Pt = 0x5000;
    public const ulong BootInfo = 0x6000;
    /// <summary>The manifest copy follows the 56-byte boot info.</summary>
    public const ulong Manifest = BootInfo + Abi.HvtAbi.BootInfoSize;
    public const ulong Cmdline = 0x8000;
    /// <summary>
    /// Solo5's network ring (HVT_FEATURE_RING_IO), when offered: 64 KiB set aside in the low area,
    /// read-write for the guest only then. Not at the end of memory (as solo5-hvt does): the guest
    /// keeps all of its memory and mem_size, and no hypercall can make the monitor write there.
    /// </summary>
    public const ulong NetRing = 0x10000;
    public const ulong NetRingSpace = 0x10000;
    /// <summary>End of the monitor's low area.</summary>
    public const ulong LowEnd = Abi.HvtAbi.GuestMinBase;

    /// <summary>
    /// More 4 KiB page tables, one per further 2 MiB of the image (so text, rodata and data each
    /// get their own rights, NX included): at most 128, for images up to 256 MiB.
    /// </summary>
    public const ulong ImagePts = 0x80000;
    public const int MaxImagePts = 128;

    public const ulong LargePageSize = 0x200000;
    public const ulong MaxMemory = 512 * LargePageSize;

    /// <summary>Hypercalls are 32-bit OUTs to port PioBase + number (HVT_HYPERCALL_PIO_BASE).</summary>
    public const ushort PioBase = 0x500;
}
