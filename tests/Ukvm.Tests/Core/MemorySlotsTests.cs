using Ukvm.Core;

namespace Ukvm.Tests.Core;

/// <summary>GuestMemory.Slots: the KVM memory slots covering guest memory, read-only ranges for the guest apart.</summary>
public sealed class MemorySlotsTests : IDisposable
{
    private const ulong Size = 4 << 20;
    private readonly GuestMemory _m = GuestMemory.Allocate(Size);

    public void Dispose() => _m.Dispose();

    private void AssertCoversMemoryExactly()
    {
        ulong pos = 0;
        foreach (var (start, length, _) in _m.Slots())
        {
            Assert.Equal(pos, start);
            Assert.True(length > 0);
            pos += length;
        }
        Assert.Equal(Size, pos);
    }

    [Fact]
    public void NoReadOnlyRangesIsOneSlot() => Assert.Equal(new[] { (0UL, Size, false) }, _m.Slots());

    [Fact]
    public void ReadOnlyRangeSplitsMemory()
    {
        _m.MarkReadOnly(0x100000, 0x2000, forGuest: true);
        Assert.Equal(new[] { (0UL, 0x100000UL, false), (0x100000UL, 0x2000UL, true), (0x102000UL, Size - 0x102000, false) }, _m.Slots());
    }

    [Fact]
    public void MonitorOnlyRangesAreNoSlots()
    {
        _m.MarkReadOnly(0, 0x100000, forGuest: false);
        Assert.Equal(new[] { (0UL, Size, false) }, _m.Slots());
    }

    [Fact]
    public void RangesAtTheEdgesAndOutOfOrder()
    {
        _m.MarkReadOnly(Size - 0x1000, 0x1000, forGuest: true);
        _m.MarkReadOnly(0, 0x1000, forGuest: true);
        Assert.Equal(new[] { (0UL, 0x1000UL, true), (0x1000UL, Size - 0x2000, false), (Size - 0x1000, 0x1000UL, true) }, _m.Slots());
    }

    [Fact]
    public void OverlappingRangesDoNotOverlapAsSlots()
    {
        // Two read-only segments sharing a page give overlapping page ranges.
        _m.MarkReadOnly(0x100000, 0x1000, forGuest: true);
        _m.MarkReadOnly(0x100000, 0x3000, forGuest: true);
        _m.MarkReadOnly(0x101000, 0x1000, forGuest: true);
        AssertCoversMemoryExactly();
        AssertReadOnlyExactly(0x100000, 0x103000);
    }

    /// <summary>The read-only slots cover [start, end) and nothing else.</summary>
    private void AssertReadOnlyExactly(ulong start, ulong end)
    {
        foreach (var s in _m.Slots())
            Assert.Equal(s.Start >= start && s.Start + s.Length <= end, s.ReadOnly);
        Assert.Equal(end - start, (ulong)_m.Slots().Where(s => s.ReadOnly).Sum(s => (long)s.Length));
    }

    [Fact]
    public void AdjacentRangesCoverMemory()
    {
        _m.MarkReadOnly(0x100000, 0x1000, forGuest: true);
        _m.MarkReadOnly(0x101000, 0x1000, forGuest: true);
        AssertCoversMemoryExactly();
        AssertReadOnlyExactly(0x100000, 0x102000);
    }
}
