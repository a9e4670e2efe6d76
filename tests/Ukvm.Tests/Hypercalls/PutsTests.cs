using System.Text;
using Ukvm.Tests.Support;
using static Ukvm.Tests.Hypercalls.CoreFixture;

namespace Ukvm.Tests.Hypercalls;

/// <summary>PUTS: { u64 data; u64 len; } to the console fd, whole; every pointer checked.</summary>
public sealed class PutsTests : IDisposable
{
    private readonly CoreFixture _f = new();

    public void Dispose() => _f.Dispose();

    private void Arg(ulong gpa, ulong data, ulong len)
    {
        _f.PutU64(gpa, data);
        _f.PutU64(gpa + 8, len);
    }

    [Fact]
    public void WritesTheBytesToTheConsole()
    {
        _f.Put(0x200000, Encoding.UTF8.GetBytes("hello, wörld\n"));
        Arg(0x100000, 0x200000, 14);
        var outcome = _f.Call(Puts, 0x100000);
        Assert.False(outcome.Halted);
        Assert.Equal("hello, wörld\n", Encoding.UTF8.GetString(_f.Console.ReadAvailable()));
    }

    [Fact]
    public void ZeroLengthWritesNothing()
    {
        Arg(0x100000, 0x200000, 0);
        _f.Call(Puts, 0x100000);
        Assert.Empty(_f.Console.ReadAvailable());
    }

    [Fact]
    public void BinaryBytesPassUnchanged()
    {
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        _f.Put(0x200000, bytes);
        Arg(0x100000, 0x200000, 256);
        _f.Call(Puts, 0x100000);
        Assert.Equal(bytes, _f.Console.ReadAvailable());
    }

    [Fact]
    public void BufferMayBeReadOnlyAndAtTheVeryEnd()
    {
        _f.Put(Size - 3, "end"u8.ToArray());
        _f.Memory.MarkReadOnly(Size - 0x1000, 0x1000, forGuest: true);
        Arg(0x100000, Size - 3, 3);
        _f.Call(Puts, 0x100000);
        Assert.Equal("end", Encoding.ASCII.GetString(_f.Console.ReadAvailable()));
    }

    [Theory]
    [InlineData(Size, 1UL)]                      // just past the end
    [InlineData(Size - 1, 2UL)]                  // straddles the end
    [InlineData(0x200000UL, 1UL << 40)]          // huge length
    [InlineData(0x200000UL, ulong.MaxValue)]     // wraps
    [InlineData(ulong.MaxValue - 1, 4UL)]        // wraps
    [InlineData(0x1_0000_0000UL, 1UL)]           // above 4 GiB
    [InlineData(0x200000UL, 0x8000_0000UL)]      // > int.MaxValue
    public void BufferOutsideMemoryIsAGuestFault(ulong data, ulong len)
    {
        Arg(0x100000, data, len);
        var e = _f.Faults(Puts, 0x100000, "PUTS buffer: ");
        Assert.Contains("outside guest memory", e.Message);
        Assert.Empty(_f.Console.ReadAvailable());
    }

    [Theory]
    [InlineData(Size)]
    [InlineData(Size - 8)]   // the len field lies outside
    [InlineData(Size - 15)]
    [InlineData(0xffff_fff0UL)]
    [InlineData(ulong.MaxValue)]
    [InlineData(ulong.MaxValue - 7)]
    public void ArgumentOutsideMemoryIsAGuestFault(ulong gpa)
    {
        _f.Faults(Puts, gpa, "PUTS argument: ");
        Assert.Empty(_f.Console.ReadAvailable());
    }

    [Fact]
    public void ArgumentAtTheLast16Bytes()
    {
        _f.Put(0x200000, "x"u8.ToArray());
        Arg(Size - 16, 0x200000, 1);
        _f.Call(Puts, Size - 16);
        Assert.Equal("x"u8.ToArray(), _f.Console.ReadAvailable());
    }

    [Fact]
    public void ClosedConsoleDropsTheOutputAndTheGuestGoesOn()
    {
        _f.Console.CloseRead(); // writes now fail with EPIPE (SIGPIPE is ignored by .NET)
        _f.Put(0x200000, "lost"u8.ToArray());
        Arg(0x100000, 0x200000, 4);
        Assert.False(_f.Call(Puts, 0x100000).Halted);
    }

    [Fact]
    public void LargeOutputToAFullNonBlockingPipeArrivesWhole()
    {
        // 1 MiB through a 64 KiB non-blocking pipe: PUTS waits for room (EAGAIN) instead of dropping.
        var bytes = new byte[1 << 20];
        new Random(1).NextBytes(bytes);
        _f.Put(0x200000, bytes);
        Arg(0x100000, 0x200000, (ulong)bytes.Length);
        var received = new List<byte>();
        using var done = new ManualResetEventSlim();
        var reader = Task.Run(() =>
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (received.Count < bytes.Length && DateTime.UtcNow < deadline)
            {
                var chunk = _f.Console.ReadAvailable();
                if (chunk.Length == 0) Thread.Sleep(1);
                received.AddRange(chunk);
            }
        });
        var call = Task.Run(() => _f.Call(Puts, 0x100000));
        Assert.True(call.Wait(TimeSpan.FromSeconds(20)), "PUTS did not return");
        Assert.True(reader.Wait(TimeSpan.FromSeconds(20)), "reader did not finish");
        Assert.Equal(bytes.Length, received.Count);
        Assert.True(bytes.AsSpan().SequenceEqual(received.ToArray()));
    }
}
