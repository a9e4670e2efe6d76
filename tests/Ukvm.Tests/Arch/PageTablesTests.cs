using System.Buffers.Binary;
using Ukvm.Arch.X86_64;

namespace Ukvm.Tests.Arch;

/// <summary>PageTables.Build read back entry by entry: the identity map docs/abi.md describes.</summary>
public class PageTablesTests
{
    private const ulong P = 1, RW = 2, US = 4, PS = 0x80, MiB = 1 << 20;

    private static byte[] Build(ulong memSize)
    {
        var low = new byte[0x100000];
        Array.Fill(low, (byte)0xa5); // stale bytes: whatever Build does not write must not leak into tables
        PageTables.Build(low, memSize);
        return low;
    }

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
            Assert.Equal((ulong)i * 0x1000 | P | US, Entry(low, 0x5000, i));
    }

    [Fact]
    public void AboveOneMiBIsReadWrite()
    {
        var low = Build(4 * MiB);
        for (int i = 256; i < 512; i++) // 0x100000 .. 0x1fffff
            Assert.Equal((ulong)i * 0x1000 | P | RW | US, Entry(low, 0x5000, i));
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
            Assert.Equal((ulong)i * 0x200000 | P | RW | US | PS, Entry(low, 0x4000, i));
        for (int i = Math.Max(pages, 1); i < 512; i++)
            Assert.Equal(0UL, Entry(low, 0x4000, i));
    }

    [Fact]
    public void OneGiBMapsTheLastLargePage()
    {
        Assert.Equal(0x3fe00000UL | P | RW | US | PS, Entry(Build(1024 * MiB), 0x4000, 511));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(3UL << 20)]
    [InlineData(0x1000UL)]
    [InlineData((1024UL + 2) << 20)]
    public void RejectsSizesThatAreNotWholeLargePagesUpTo1GiB(ulong size)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PageTables.Build(new byte[0x100000], size));
    }
}
