using System.Diagnostics;
using static Ukvm.Tests.Hypercalls.CoreFixture;

namespace Ukvm.Tests.Hypercalls;

/// <summary>POLL: { u64 timeout_nsecs; u64 ready_set; int ret; } waits up to the timeout with no devices.</summary>
public sealed class PollTests : IDisposable
{
    private readonly CoreFixture _f = new();

    public void Dispose() => _f.Dispose();

    private void Arg(ulong gpa, ulong timeoutNs)
    {
        _f.PutU64(gpa, timeoutNs);
        _f.PutU64(gpa + 8, 0xdead_beef_dead_beef); // stale output fields must be overwritten
        _f.PutI32(gpa + 16, 77);
    }

    [Fact]
    public void OneMillisecondTimeoutWaitsAndReportsNothingReady()
    {
        Arg(0x200000, 1_000_000);
        var sw = Stopwatch.StartNew();
        Assert.False(_f.Call(Poll, 0x200000).Halted);
        sw.Stop();
        Assert.InRange(sw.Elapsed.TotalMilliseconds, 0.9, 1000);
        Assert.Equal(0UL, _f.U64(0x200008));
        Assert.Equal(0, _f.I32(0x200010));
        Assert.Equal(1_000_000UL, _f.U64(0x200000)); // the timeout is input only
    }

    [Fact]
    public void ZeroTimeoutReturnsAtOnce()
    {
        Arg(0x200000, 0);
        var sw = Stopwatch.StartNew();
        _f.Call(Poll, 0x200000);
        Assert.True(sw.ElapsedMilliseconds < 500);
        Assert.Equal(0, _f.I32(0x200010));
    }

    [Fact]
    public void ArgumentInReadOnlyMemoryIsAGuestFaultWithoutWaiting()
    {
        _f.PutU64(0x100000, 10_000_000_000); // 10 s: the check must come first
        _f.Memory.MarkReadOnly(0x100000, 0x1000, forGuest: true);
        var sw = Stopwatch.StartNew();
        _f.Faults(Poll, 0x100000, "POLL argument: ");
        Assert.True(sw.ElapsedMilliseconds < 2000);
    }

    [Theory]
    [InlineData(Size - 16)] // ret lies outside
    [InlineData(Size - 23)]
    [InlineData(ulong.MaxValue - 8)]
    public void ArgumentOutsideMemoryIsAGuestFault(ulong gpa) => _f.Faults(Poll, gpa, "POLL argument: ");

    [Fact]
    public void ArgumentAtTheLast24Bytes()
    {
        Arg(Size - 24, 0);
        _f.Call(Poll, Size - 24);
        Assert.Equal(0UL, _f.U64(Size - 16));
    }
}
