using System;
using System.Buffers.Binary;

namespace Ukvm.Arch.X86_64;

/// <summary>
/// Identity-mapping page tables, built over the bytes of the low area (pure: testable without
/// KVM). Intel SDM vol. 3A, 4.5 (4-level paging): PML4 -> PDPT -> PD (2 MiB pages), with 4 KiB
/// page tables over the low area and the image, so that every page gets its segment's rights:
/// text read-only and executable, rodata read-only, everything else no-execute (4.6, EFER.NXE).
/// Every entry carries U/S so the guest may run code at CPL3.
/// </summary>
internal static class PageTables
{
    public const ulong Present = 1, Writable = 2, User = 4, PageSize = 0x80, NoExecute = 1UL << 63;

    /// <summary>Writes PML4, PDPT, PD and the page tables into <paramref name="low"/> (guest bytes from 0).</summary>
    public static void Build(Span<byte> low, ulong memSize, PagePermissions image)
    {
        if (memSize == 0 || memSize % Layout.LargePageSize != 0 || memSize > Layout.MaxMemory)
            throw new ArgumentOutOfRangeException(nameof(memSize));
        ulong regions = Math.Max(1, (image.ImageEnd + Layout.LargePageSize - 1) / Layout.LargePageSize);
        if (regions > 1 + (ulong)Layout.MaxImagePts)
            throw new Core.MonitorException($"invalid unikernel image: it ends at 0x{image.ImageEnd:x}, past the 256 MiB the monitor maps page by page");
        low[(int)Layout.Pml4..(int)(Layout.Pt + 0x1000)].Clear();
        Set(low, Layout.Pml4, 0, Layout.Pdpt | Present | Writable | User);
        Set(low, Layout.Pdpt, 0, Layout.Pd | Present | Writable | User);
        for (ulong r = 0; r < memSize / Layout.LargePageSize; r++)
        {
            ulong region = r * Layout.LargePageSize;
            if (r >= regions)
            {
                Set(low, Layout.Pd, r, region | Present | Writable | User | PageSize | NoExecute);
                continue;
            }
            ulong pt = r == 0 ? Layout.Pt : Layout.ImagePts + (r - 1) * 0x1000;
            low.Slice((int)pt, 0x1000).Clear();
            Set(low, Layout.Pd, r, pt | Present | Writable | User);
            for (ulong i = 0; i < 512; i++)
            {
                ulong addr = region + i * 0x1000;
                if (addr == Layout.ZeroPage) continue; // absent: null dereferences fault
                ulong flags = Present | User;
                if (addr < Layout.LowEnd)
                    flags |= NoExecute; // the monitor's area: read-only data
                else
                {
                    var (write, exec) = image.Of(addr);
                    if (write) flags |= Writable;
                    if (!exec) flags |= NoExecute;
                }
                Set(low, pt, i, addr | flags);
            }
        }
    }

    /// <summary>
    /// Makes the 4 KiB pages [<paramref name="gpa"/>, + <paramref name="length"/>) of the low area
    /// writable, still never executable (the net ring, once offered). Page-aligned, inside the low
    /// area, above page 0.
    /// </summary>
    public static void AllowGuestWrites(Span<byte> low, ulong gpa, ulong length)
    {
        if (gpa % 0x1000 != 0 || length % 0x1000 != 0 || gpa == 0 || gpa > Layout.LowEnd || length > Layout.LowEnd - gpa)
            throw new ArgumentOutOfRangeException(nameof(gpa));
        for (ulong addr = gpa; addr < gpa + length; addr += 0x1000)
            Set(low, Layout.Pt, addr / 0x1000, addr | Present | Writable | User | NoExecute);
    }

    private static void Set(Span<byte> low, ulong table, ulong index, ulong entry) =>
        BinaryPrimitives.WriteUInt64LittleEndian(low[(int)(table + index * 8)..], entry);
}
