using System.Buffers.Binary;
using Ukvm.Arch;
using Ukvm.Arch.Aarch64;
using Ukvm.Elf;

namespace Ukvm.Tests.Arch;

/// <summary>AArch64 translation tables and the monitor's vector table read back (Arm ARM D8, C6).</summary>
public class Aarch64TablesTests
{
    private static ulong Entry(byte[] low, ulong table, int index) => BinaryPrimitives.ReadUInt64LittleEndian(low.AsSpan((int)table + index * 8));

    private static byte[] Tables(ulong memSize)
    {
        var low = new byte[0x100000];
        Array.Fill(low, (byte)0x5a);
        PageTables.Build(low, memSize, NoImage);
        return low;
    }

    private static readonly PagePermissions NoImage = new(Array.Empty<ElfSegment>());

    [Fact]
    public void LevelsChainAndTheMmioRegionIsADeviceBlock()
    {
        var low = Tables(4 << 20);
        Assert.Equal(0x3000UL | 3, Entry(low, 0x2000, 0));
        Assert.Equal(0x4000UL | 3, Entry(low, 0x3000, 0));
        Assert.Equal(0x4000_0000UL * 4 | 1 | PageTables.Device, Entry(low, 0x3000, 4));
        Assert.Equal(0x5000UL | 3, Entry(low, 0x4000, 0));
        for (int i = 1; i < 512; i++)
            Assert.Equal(0UL, Entry(low, 0x2000, i));
    }

    [Fact]
    public void FirstTwoMiB()
    {
        var low = Tables(4 << 20);
        Assert.Equal(0UL, Entry(low, 0x5000, 0)); // zero page invalid
        Assert.Equal(0x1000UL | 3 | PageTables.NormalRoExec, Entry(low, 0x5000, 1)); // the vectors
        Assert.Equal(0x2000UL | 3 | PageTables.NormalRoNoExec, Entry(low, 0x5000, 2));
        Assert.Equal(0xff000UL | 3 | PageTables.NormalRoNoExec, Entry(low, 0x5000, 255));
        Assert.Equal(0x100000UL | 3 | PageTables.NormalRw | PageTables.Pxn, Entry(low, 0x5000, 256)); // no image here: data
        Assert.NotEqual(0UL, PageTables.NormalRoNoExec & PageTables.Pxn);
        Assert.Equal(0UL, PageTables.NormalRoExec & PageTables.Pxn);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(6)]
    [InlineData(1024)]
    public void BlocksUpToMemorySizeAndNothingBeyond(int mb)
    {
        var low = Tables((ulong)mb << 20);
        for (int i = 1; i < 512; i++)
            Assert.Equal(i < mb / 2 ? (ulong)i * 0x200000 | 1 | PageTables.NormalRw | PageTables.Pxn : 0UL, Entry(low, 0x4000, i));
    }

    [Fact]
    public void ImagePagesGetTheirSegmentsRights()
    {
        var low = new byte[0x100000];
        PageTables.Build(low, 8 << 20, new PagePermissions(new[]
        {
            new ElfSegment(0, 0, 0x100000, 0x1000, true, false, true),
            new ElfSegment(0, 0, 0x101000, 0x1000, true, false, false),
            new ElfSegment(0, 0, 0x300000, 0x1000, true, true, false),
        }));
        Assert.Equal(0x100000UL | 3 | PageTables.NormalRoExec, Entry(low, 0x5000, 0x100));
        Assert.Equal(0x101000UL | 3 | PageTables.NormalRoNoExec, Entry(low, 0x5000, 0x101));
        Assert.Equal(Layout.ImageL3s | 3, Entry(low, 0x4000, 1));
        Assert.Equal(0x300000UL | 3 | PageTables.NormalRw | PageTables.Pxn, Entry(low, Layout.ImageL3s, 0x100));
        Assert.Equal(0x400000UL | 1 | PageTables.NormalRw | PageTables.Pxn, Entry(low, 0x4000, 2));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(3UL << 20)]
    [InlineData(1026UL << 20)]
    public void RejectsBadSizes(ulong size) => Assert.Throws<ArgumentOutOfRangeException>(() => PageTables.Build(new byte[0x100000], size, NoImage));

    [Fact]
    public void VectorEntriesStoreTheirIndexAndSpin()
    {
        var low = new byte[0x100000];
        VectorTable.Write(low);
        for (int i = 0; i < 16; i++)
        {
            var e = low.AsSpan(0x1000 + i * 0x80);
            Assert.Equal(0xD2C00021u, BinaryPrimitives.ReadUInt32LittleEndian(e));        // movz x1, #1, lsl #32
            Assert.Equal(VectorTable.StoreWzr(0x100 + (ulong)i * 8), BinaryPrimitives.ReadUInt32LittleEndian(e[4..]));
            Assert.Equal(0x14000000u, BinaryPrimitives.ReadUInt32LittleEndian(e[8..]));   // b .
        }
    }

    [Theory]
    [InlineData(0x100UL, 0xB901003Fu)] // str wzr, [x1, #0x100]
    [InlineData(0x178UL, 0xB901783Fu)] // str wzr, [x1, #0x178]
    [InlineData(0UL, 0xB900003Fu)]     // str wzr, [x1]
    public void StoreWzrEncoding(ulong offset, uint expected) => Assert.Equal(expected, VectorTable.StoreWzr(offset));
}
