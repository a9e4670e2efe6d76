using System;
using System.Buffers.Binary;

namespace Ukvm.Arch.X86_64;

/// <summary>
/// Identity-mapping page tables, built over the bytes of the low area (pure: testable without
/// KVM). Intel SDM vol. 3A, 4.5 (4-level paging): PML4 -> PDPT -> PD (2 MiB pages), with a 4 KiB
/// page table for the first 2 MiB. Every entry carries U/S so the guest may run code at CPL3.
/// </summary>
internal static class PageTables
{
    public const ulong Present = 1, Writable = 2, User = 4, PageSize = 0x80;

    /// <summary>Writes PML4, PDPT, PD and the first PT into <paramref name="low"/> (guest bytes from 0).</summary>
    public static void Build(Span<byte> low, ulong memSize)
    {
        if (memSize == 0 || memSize % Layout.LargePageSize != 0 || memSize > Layout.MaxMemory)
            throw new ArgumentOutOfRangeException(nameof(memSize));
        low[(int)Layout.Pml4..(int)(Layout.Pt + 0x1000)].Clear();
        Set(low, Layout.Pml4, 0, Layout.Pdpt | Present | Writable | User);
        Set(low, Layout.Pdpt, 0, Layout.Pd | Present | Writable | User);
        // First 2 MiB through the PT: page 0 absent, the monitor's low area read-only, the rest RW.
        Set(low, Layout.Pd, 0, Layout.Pt | Present | Writable | User);
        for (ulong i = 1; i < 512; i++)
        {
            ulong addr = i * 0x1000;
            ulong flags = Present | User | (addr >= Layout.LowEnd ? Writable : 0);
            Set(low, Layout.Pt, i, addr | flags);
        }
        for (ulong i = 1; i < memSize / Layout.LargePageSize; i++)
            Set(low, Layout.Pd, i, i * Layout.LargePageSize | Present | Writable | User | PageSize);
    }

    private static void Set(Span<byte> low, ulong table, ulong index, ulong entry) =>
        BinaryPrimitives.WriteUInt64LittleEndian(low[(int)(table + index * 8)..], entry);
}
