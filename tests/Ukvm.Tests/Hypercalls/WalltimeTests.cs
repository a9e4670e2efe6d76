using static Ukvm.Tests.Hypercalls.CoreFixture;

namespace Ukvm.Tests.Hypercalls;

/// <summary>WALLTIME: { u64 nsecs; } written with CLOCK_REALTIME, never into read-only memory.</summary>
public sealed class WalltimeTests : IDisposable
{
    private readonly CoreFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void WritesNanosecondsSinceTheEpochNearNow()
    {
        ulong before = (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
        Assert.False(_f.Call(Walltime, 0x200000).Halted);
        ulong after = (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1) * 1_000_000;
        ulong ns = _f.U64(0x200000);
        Assert.InRange(ns, before - 5_000_000, after + 5_000_000);
        Assert.Equal(0UL, _f.U64(0x200008)); // nothing past the 8 bytes
    }

    [Fact]
    public void AdvancesBetweenCalls()
    {
        _f.Call(Walltime, 0x200000);
        Thread.Sleep(5);
        _f.Call(Walltime, 0x200008);
        Assert.True(_f.U64(0x200008) > _f.U64(0x200000));
    }

    [Fact]
    public void LastEightBytesOfMemory()
    {
        _f.Call(Walltime, Size - 8);
        Assert.NotEqual(0UL, _f.U64(Size - 8));
    }

    [Fact]
    public void IntoReadOnlyMemoryIsAGuestFault()
    {
        _f.Memory.MarkReadOnly(0x100000, 0x1000, forGuest: true);
        var e = _f.Faults(Walltime, 0x100000, "WALLTIME argument: ");
        Assert.Contains("read-only", e.Message);
        Assert.Equal(0UL, _f.U64(0x100000));
    }

    [Fact]
    public void IntoTheMonitorsLowAreaIsAGuestFault()
    {
        _f.Memory.MarkReadOnly(0, 0x100000, forGuest: false);
        _f.Faults(Walltime, 0x6000, "WALLTIME argument: "); // would overwrite the boot info
    }

    [Theory]
    [InlineData(Size - 7)]
    [InlineData(Size)]
    [InlineData(ulong.MaxValue - 3)]
    public void OutsideMemoryIsAGuestFault(ulong gpa) => _f.Faults(Walltime, gpa, "WALLTIME argument: ");
}
