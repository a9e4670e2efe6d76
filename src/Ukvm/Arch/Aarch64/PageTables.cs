using System;
using System.Buffers.Binary;

namespace Ukvm.Arch.Aarch64;

/// <summary>
/// The 1:1 stage-1 translation tables (pure: testable without KVM). Arm ARM D8 (VMSAv8-64),
/// 4 KiB granule, 40-bit VA starting at level 0: L0[0] -> L1; L1[0] -> L2 (2 MiB blocks) with
/// L2[0] -> L3 (4 KiB pages for the first 2 MiB); L1[4] a 1 GiB device block for the hypercall
/// MMIO region; further level-3 tables over the image give text, rodata and data their own rights
/// (PXN on everything but text). The guest kernel stays architecture-independent: the monitor runs it
/// with the MMU on.
/// </summary>
internal static class PageTables
{
    public const ulong Valid = 1, Table = 3, Page = 3, Block = 1;
    public const ulong AttrDeviceNgnre = 1 << 2, AttrNormal = 4 << 2;   // MAIR indexes 1 and 4
    public const ulong InnerShareable = 3 << 8, AccessFlag = 1 << 10;
    public const ulong ReadOnly = 1 << 7;                               // AP[2]
    public const ulong Pxn = 1UL << 53, Uxn = 1UL << 54;

    public const ulong NormalRw = AttrNormal | InnerShareable | AccessFlag | Uxn;
    public const ulong NormalRoNoExec = NormalRw | ReadOnly | Pxn;
    public const ulong NormalRoExec = NormalRw | ReadOnly;
    public const ulong Device = AttrDeviceNgnre | AccessFlag | Pxn | Uxn;

    /// <summary>Writes the tables into <paramref name="low"/> (guest bytes from 0), each image page with its segment's rights.</summary>
    public static void Build(Span<byte> low, ulong memSize, PagePermissions image)
    {
        if (memSize == 0 || memSize % Layout.BlockSize2M != 0 || memSize > Layout.MaxMemory)
            throw new ArgumentOutOfRangeException(nameof(memSize));
        ulong regions = Math.Max(1, (image.ImageEnd + Layout.BlockSize2M - 1) / Layout.BlockSize2M);
        if (regions > 1 + (ulong)Layout.MaxImageL3s)
            throw new Core.MonitorException($"invalid unikernel image: it ends at 0x{image.ImageEnd:x}, past the 256 MiB the monitor maps page by page");
        low[(int)Layout.L0..(int)(Layout.L3 + 0x1000)].Clear();
        Set(low, Layout.L0, 0, Layout.L1 | Table);
        Set(low, Layout.L1, 0, Layout.L2 | Table);
        Set(low, Layout.L1, Layout.MmioBase >> 30, Layout.MmioBase | Block | Device);
        for (ulong r = 0; r < memSize / Layout.BlockSize2M; r++)
        {
            ulong region = r * Layout.BlockSize2M;
            if (r >= regions)
            {
                Set(low, Layout.L2, r, region | Block | NormalRw | Pxn);
                continue;
            }
            ulong l3 = r == 0 ? Layout.L3 : Layout.ImageL3s + (r - 1) * 0x1000;
            low.Slice((int)l3, 0x1000).Clear();
            Set(low, Layout.L2, r, l3 | Table);
            for (ulong i = 0; i < 512; i++)
            {
                ulong addr = region + i * 0x1000;
                if (addr == Layout.ZeroPage) continue; // invalid: null dereferences fault
                ulong attrs;
                if (addr == Layout.Vectors) attrs = NormalRoExec;
                else if (addr < Layout.LowEnd) attrs = NormalRoNoExec;
                else
                {
                    var (write, exec) = image.Of(addr);
                    attrs = NormalRw | (write ? 0 : ReadOnly) | (exec ? 0 : Pxn);
                }
                Set(low, l3, i, addr | Page | attrs);
            }
        }
    }

    private static void Set(Span<byte> low, ulong table, ulong index, ulong entry) =>
        BinaryPrimitives.WriteUInt64LittleEndian(low[(int)(table + index * 8)..], entry);
}
