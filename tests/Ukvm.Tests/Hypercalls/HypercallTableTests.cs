using Ukvm.Core;
using Ukvm.Hypercalls;
using Ukvm.Manifest;
using Ukvm.Modules;
using Ukvm.Tests.Support;

namespace Ukvm.Tests.Hypercalls;

/// <summary>The fixed hypercall table: registration rules and dispatch of numbers nobody registered.</summary>
public class HypercallTableTests
{
    private static HypercallOutcome Continue(ulong gpa) => HypercallOutcome.Continue;

    [Fact]
    public void DoubleRegistrationFailsLoudly()
    {
        var t = new HypercallTable();
        t.Register(2, Continue);
        var e = Assert.Throws<InvalidOperationException>(() => t.Register(2, Continue));
        Assert.Equal("hypercall PUTS registered twice", e.Message);
    }

    [Fact]
    public void CoreModuleSetUpTwiceOnOneTableFails()
    {
        using var memory = GuestMemory.Allocate(2 << 20);
        var ctx = new MonitorContext { Memory = memory, Manifest = AppManifest.Parse(ManifestBytes.Build()), Hypercalls = new HypercallTable() };
        new CoreModule().Setup(ctx);
        Assert.Throws<InvalidOperationException>(() => new CoreModule().Setup(ctx));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    [InlineData(-1)]
    [InlineData(1000)]
    public void RegisteringOutOfRangeFails(int nr)
    {
        var e = Assert.Throws<InvalidOperationException>(() => new HypercallTable().Register(nr, Continue));
        Assert.Equal($"hypercall {nr} is out of range", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    [InlineData(-1)]
    [InlineData(1000)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public void UnknownNumbersAreAGuestFault(int nr)
    {
        var e = Assert.Throws<GuestFaultException>(() => new HypercallTable().Dispatch(nr, 0));
        Assert.Equal($"invalid guest hypercall: number {nr} (#{nr}) is not enabled", e.Message);
    }

    [Theory]
    [InlineData(4, "BLOCK_WRITE")]
    [InlineData(5, "BLOCK_READ")]
    [InlineData(6, "NET_WRITE")]
    [InlineData(7, "NET_READ")]
    public void KnownButUnregisteredNumbersAreAGuestFault(int nr, string name)
    {
        var t = new HypercallTable();
        t.Register(2, Continue);
        var e = Assert.Throws<GuestFaultException>(() => t.Dispatch(nr, 0));
        Assert.Equal($"invalid guest hypercall: number {nr} ({name}) is not enabled", e.Message);
    }

    [Fact]
    public void DispatchPassesTheGpaAndReturnsTheOutcome()
    {
        var t = new HypercallTable();
        ulong seen = 0;
        t.Register(8, gpa => { seen = gpa; return HypercallOutcome.Halt(3); });
        Assert.Equal(HypercallOutcome.Halt(3), t.Dispatch(8, 0x1234));
        Assert.Equal(0x1234UL, seen);
        Assert.True(t.IsRegistered(8));
        Assert.False(t.IsRegistered(1));
        Assert.False(t.IsRegistered(9));
        Assert.False(t.IsRegistered(-1));
    }

    [Fact]
    public void CoreModuleRegistersExactlyItsFour()
    {
        using var f = new CoreFixture();
        Assert.Equal(new[] { 1, 2, 3, 8 }, Enumerable.Range(-1, 12).Where(f.Table.IsRegistered));
    }
}
