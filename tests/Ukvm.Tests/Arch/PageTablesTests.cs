using System.Buffers.Binary;
using Ukvm.Arch;
using Ukvm.Arch.X86_64;
using Ukvm.Elf;

namespace Ukvm.Tests.Arch;

/// <summary>PageTables.Build read back entry by entry: the identity map docs/abi.md describes.</summary>
public class PageTablesTests
{
    private const ulong P = 1, RW = 2, US = 4, PS = 0x80, NX = 1UL << 63, MiB = 1 << 20;

    private static readonly PagePermissions NoImage = new(Array.Empty<ElfSegment>());

    private static byte[] Build(ulong memSize, params ElfSegment[] segments)
    {
        var low = new byte[0x100000];
        Array.Fill(low, (byte)0xa5); // stale bytes: whatever Build does not write must not leak into tables
        PageTables.Build(low, memSize, segments.Length == 0 ? NoImage : new PagePermissions(segments));
        return low;
    }

    private static ElfSegment Seg(ulong addr, ulong size, bool w, bool x) => new(0, 0, addr, size, true, w, x);

    private static ulong Entry(byte[] low, ulong table, int index) =>
        BinaryPrimitives.ReadUInt64LittleEndian(low.AsSpan((int)table + index * 8));

    [Fact]
    public void UpperLevelsPointDownWithUserBit()
    {
        var low = Build(4 * MiB);
        Assert.Equal(0x3000 | P | RW | US, Entry(low, 0x2000, 0));
        Assert.Equal(0x4000 | P | RW | US, Entry(low, 0x3000, 0));
        Assert.Equal(0x5000 | P | RW | US, Entry(low, 0x4000, 0)); // first 2 MiB through a 4 KiB table
        for (int i = 1; i < 512; i++)
        {
            Assert.Equal(0UL, Entry(low, 0x2000, i));
            Assert.Equal(0UL, Entry(low, 0x3000, i));
        }
    }

    [Fact]
    public void ZeroPageIsNotPresent()
    {
        Assert.Equal(0UL, Entry(Build(4 * MiB), 0x5000, 0));
    }

    [Fact]
    public void LowAreaIsReadOnlyWithUserBit()
    {
        var low = Build(4 * MiB);
        for (int i = 1; i < 256; i++) // 0x1000 .. 0xfffff
            Assert.Equal((ulong)i * 0x1000 | P | US | NX, Entry(low, 0x5000, i));
    }

    [Fact]
    public void AboveOneMiBOutsideTheImageIsReadWriteNoExecute()
    {
        var low = Build(4 * MiB);
        for (int i = 256; i < 512; i++) // 0x100000 .. 0x1fffff
            Assert.Equal((ulong)i * 0x1000 | P | RW | US | NX, Entry(low, 0x5000, i));
    }

    [Fact]
    public void ImagePagesGetTheirSegmentsRights()
    {
        var low = Build(8 * MiB, Seg(0x100000, 0x2000, w: false, x: true), Seg(0x102000, 0x1000, false, false),
            Seg(0x103000, 0x1800, w: true, x: false));
        Assert.Equal(0x100000UL | P | US, Entry(low, 0x5000, 0x100));          // text: read-only, executable
        Assert.Equal(0x101000UL | P | US, Entry(low, 0x5000, 0x101));
        Assert.Equal(0x102000UL | P | US | NX, Entry(low, 0x5000, 0x102));     // rodata
        Assert.Equal(0x103000UL | P | RW | US | NX, Entry(low, 0x5000, 0x103)); // data, bss
        Assert.Equal(0x104000UL | P | RW | US | NX, Entry(low, 0x5000, 0x104));
        Assert.Equal(0x105000UL | P | RW | US | NX, Entry(low, 0x5000, 0x105)); // heap
    }

    [Fact]
    public void AnImagePastTwoMiBGetsMorePageTables()
    {
        var low = Build(8 * MiB, Seg(0x100000, 0x300000, w: false, x: true), Seg(0x400000, 0x10000, true, false));
        Assert.Equal(Layout.ImagePts | P | RW | US, Entry(low, 0x4000, 1));
        Assert.Equal(0x200000UL | P | US, Entry(low, Layout.ImagePts, 0));          // text continues at 2 MiB
        Assert.Equal(Layout.ImagePts + 0x1000 | P | RW | US, Entry(low, 0x4000, 2));
        Assert.Equal(0x400000UL | P | RW | US | NX, Entry(low, Layout.ImagePts + 0x1000, 0));
        Assert.Equal(0x600000UL | P | RW | US | PS | NX, Entry(low, 0x4000, 3)); // past the image: large pages
    }

    [Fact]
    public void AnImageTooLargeToMapPageByPageIsRefused()
    {
        Assert.Throws<Ukvm.Core.MonitorException>(() => Build(512 * MiB, Seg(0x100000, 300 * MiB, true, false)));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(512)]
    [InlineData(1024)]
    public void LargePagesUpToMemorySizeAndNothingBeyond(int mb)
    {
        var low = Build((ulong)mb * MiB);
        int pages = mb / 2;
        for (int i = 1; i < pages; i++)
            Assert.Equal((ulong)i * 0x200000 | P | RW | US | PS | NX, Entry(low, 0x4000, i));
        for (int i = Math.Max(pages, 1); i < 512; i++)
            Assert.Equal(0UL, Entry(low, 0x4000, i));
    }

    [Fact]
    public void OneGiBMapsTheLastLargePage()
    {
        Assert.Equal(0x3fe00000UL | P | RW | US | PS | NX, Entry(Build(1024 * MiB), 0x4000, 511));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(3UL << 20)]
    [InlineData(0x1000UL)]
    [InlineData((1024UL + 2) << 20)]
    public void RejectsSizesThatAreNotWholeLargePagesUpTo1GiB(ulong size)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PageTables.Build(new byte[0x100000], size, NoImage));
    }
}
