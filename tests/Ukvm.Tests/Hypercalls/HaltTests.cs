using static Ukvm.Tests.Hypercalls.CoreFixture;

namespace Ukvm.Tests.Hypercalls;

/// <summary>HALT: { u64 cookie; int exit_status; } ends the guest with its status; a cookie must have 512 bytes.</summary>
public sealed class HaltTests : IDisposable
{
    private readonly CoreFixture _f = new();

    public void Dispose() => _f.Dispose();

    private void Arg(ulong gpa, ulong cookie, int status)
    {
        _f.PutU64(gpa, cookie);
        _f.PutI32(gpa + 8, status);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(255)]
    [InlineData(-1)]
    public void StatusPassesThrough(int status)
    {
        Arg(0x200000, 0, status);
        var outcome = _f.Call(Halt, 0x200000);
        Assert.True(outcome.Halted);
        Assert.Equal(status, outcome.ExitStatus);
    }

    [Fact]
    public void CookieWith512BytesLeft()
    {
        Arg(0x200000, Size - 512, 3);
        Assert.Equal(3, _f.Call(Halt, 0x200000).ExitStatus);
    }

    [Fact]
    public void CookieInReadOnlyMemoryIsFine()
    {
        _f.Memory.MarkReadOnly(0x100000, 0x1000, forGuest: true);
        Arg(0x200000, 0x100000, 4);
        Assert.Equal(4, _f.Call(Halt, 0x200000).ExitStatus);
    }

    [Theory]
    [InlineData(Size - 511)]
    [InlineData(Size - 1)]
    [InlineData(Size)]
    [InlineData(0x1_0000_0000UL)]
    [InlineData(ulong.MaxValue)]
    [InlineData(ulong.MaxValue - 100)]
    public void CookieOutsideMemoryIsAGuestFault(ulong cookie)
    {
        Arg(0x200000, cookie, 0);
        var e = _f.Faults(Halt, 0x200000, "HALT cookie: ");
        Assert.Contains("length 512", e.Message);
    }

    [Theory]
    [InlineData(Size - 8)]
    [InlineData(Size)]
    [InlineData(ulong.MaxValue)]
    public void ArgumentOutsideMemoryIsAGuestFault(ulong gpa) => _f.Faults(Halt, gpa, "HALT argument: ");

    [Fact]
    public void ArgumentAtTheLast16Bytes()
    {
        Arg(Size - 16, 0, 9);
        Assert.Equal(9, _f.Call(Halt, Size - 16).ExitStatus);
    }

    [Fact]
    public void ArgumentStructOf16BytesMustLieInsideMemory()
    {
        // struct hvt_hc_halt is 16 bytes; docs/abi.md: "Each argument struct ... must lie inside
        // guest memory". Here only its first 12 bytes (cookie, status) do. (Fixed in src after
        // this test found it.)
        Arg(Size - 12, 0, 5);
        _f.Faults(Halt, Size - 12, "HALT argument: ");
    }
}
