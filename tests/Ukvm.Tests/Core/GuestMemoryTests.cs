using Ukvm.Core;

namespace Ukvm.Tests.Core;

/// <summary>GuestMemory's one range check: edges, overflow, and read-only pages refused for writes.</summary>
public sealed class GuestMemoryTests : IDisposable
{
    private const ulong Size = 4 << 20;
    private readonly GuestMemory _m = GuestMemory.Allocate(Size);

    public void Dispose() => _m.Dispose();

    [Fact]
    public void AllocatesZeroedMemoryOfTheGivenSize()
    {
        Assert.Equal(Size, _m.Size);
        Assert.NotEqual(0, _m.HostAddress);
        Assert.All(_m.Bytes(0, 1 << 20).ToArray(), b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(4097UL)]
    [InlineData(100UL)]
    public void AllocateRejectsSizesThatAreNotWholePages(ulong size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => GuestMemory.Allocate(size));

    [Theory]
    [InlineData(0UL, Size)]
    [InlineData(Size - 1, 1UL)]
    [InlineData(Size, 0UL)]
    [InlineData(0UL, 0UL)]
    [InlineData(Size - 8, 8UL)]
    public void RangesInsideAreGiven(ulong gpa, ulong length)
    {
        Assert.True(_m.Contains(gpa, length));
        Assert.Equal((int)length, _m.Bytes(gpa, length).Length);
    }

    [Theory]
    [InlineData(Size, 1UL)]
    [InlineData(Size - 1, 2UL)]
    [InlineData(0UL, Size + 1)]
    [InlineData(Size + 1, 0UL)]
    [InlineData(ulong.MaxValue, 1UL)]
    [InlineData(ulong.MaxValue, 0UL)]
    [InlineData(ulong.MaxValue - 7, 16UL)] // gpa + length wraps to 8
    [InlineData(8UL, ulong.MaxValue)]      // gpa + length wraps to 7
    [InlineData(1UL, ulong.MaxValue)]
    [InlineData(0x1000UL, 0xffff_ffff_ffff_f000UL)] // wraps to exactly 0
    public void RangesOutsideOrWrappingAreAGuestFault(ulong gpa, ulong length)
    {
        Assert.False(_m.Contains(gpa, length));
        var e = Assert.Throws<GuestFaultException>(() => _m.Bytes(gpa, length, "PUTS buffer"));
        Assert.Equal($"PUTS buffer: address 0x{gpa:x}, length {length} is outside guest memory (size 0x400000)", e.Message);
        Assert.Throws<GuestFaultException>(() => _m.WritableBytes(gpa, length));
    }

    [Fact]
    public void LittleEndianReadsAndWrites()
    {
        _m.WriteU64(0x200000, 0x0102030405060708, "test");
        Assert.Equal(8, _m.Bytes(0x200000, 1)[0]);
        Assert.Equal(0x0102030405060708UL, _m.ReadU64(0x200000, "test"));
        Assert.Equal(0x05060708U, _m.ReadU32(0x200000, "test"));
        _m.WriteI32(0x200008, -2, "test");
        Assert.Equal(0xfffffffeU, _m.ReadU32(0x200008, "test"));
    }

    [Fact]
    public void ReadsAndWritesAtTheLastBytes()
    {
        _m.WriteU64(Size - 8, 42, "test");
        Assert.Equal(42UL, _m.ReadU64(Size - 8, "test"));
        Assert.Throws<GuestFaultException>(() => _m.ReadU64(Size - 7, "test"));
        Assert.Throws<GuestFaultException>(() => _m.WriteI32(Size - 3, 1, "test"));
    }

    [Fact]
    public void ReadOnlyPagesAreRefusedForWritesButStillReadable()
    {
        _m.MarkReadOnly(0x100000, 0x2000, forGuest: true);
        foreach (var (gpa, len) in new[] { (0x100000UL, 1UL), (0x101fffUL, 1UL), (0xff000UL, 0x1001UL), (0x101ff8UL, 16UL), (0UL, Size) })
        {
            var e = Assert.Throws<GuestFaultException>(() => _m.WritableBytes(gpa, len, "WALLTIME argument"));
            Assert.StartsWith($"WALLTIME argument: address 0x{gpa:x}, length {len} overlaps read-only guest memory", e.Message);
            Assert.False(_m.IsWritable(gpa, len));
        }
        Assert.Equal(1, _m.Bytes(0x100000, 1).Length);
        Assert.Equal(0UL, _m.ReadU64(0x100000, "read"));
    }

    [Fact]
    public void PagesNextToReadOnlyOnesStayWritable()
    {
        _m.MarkReadOnly(0x100000, 0x2000, forGuest: true);
        _m.WritableBytes(0xff000, 0x1000)[0xfff] = 1;
        _m.WritableBytes(0x102000, 8)[0] = 1;
        _m.WritableBytes(0x100000, 0); // an empty range touches nothing
        Assert.True(_m.IsWritable(0xfffff, 1));
        Assert.True(_m.IsWritable(0x102000, 1));
        Assert.False(_m.IsWritable(Size, 1));
    }

    [Fact]
    public void MonitorOnlyReadOnlyPagesAreRefusedToo()
    {
        _m.MarkReadOnly(0, 0x100000, forGuest: false);
        Assert.Throws<GuestFaultException>(() => _m.WritableBytes(0x6000, 8));
        Assert.Throws<GuestFaultException>(() => _m.WriteU64(0x8000, 1, "boot info"));
    }

    [Theory]
    [InlineData(0x100001UL, 0x1000UL)]
    [InlineData(0x100000UL, 0x800UL)]
    [InlineData(Size - 0x1000, 0x2000UL)]
    [InlineData(ulong.MaxValue - 0xfff, 0x1000UL)]
    public void MarkReadOnlyTakesWholePagesInsideMemory(ulong gpa, ulong length) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _m.MarkReadOnly(gpa, length, forGuest: true));
}
