using Ukvm.Arch.X86_64;
using Ukvm.Core;
using Ukvm.Tests.Support;
using Monitor = Ukvm.Vmm.Monitor;

namespace Ukvm.Tests.Vmm;

/// <summary>Monitor.MemorySize: --mem in MB to bytes, whole 2 MiB pages, 2 MiB to 1 GiB.</summary>
[Collection("fd 2")]
public class MemorySizeTests
{
    private static readonly X86Backend Arch = new();

    [Theory]
    [InlineData(2UL)]
    [InlineData(4UL)]
    [InlineData(512UL)]
    [InlineData(1024UL)]
    public void WholeLargePagesAreTakenAsTheyAre(ulong mb)
    {
        using var err = new StderrCapture();
        Assert.Equal(mb << 20, Monitor.MemorySize(mb, Arch));
        Assert.Equal("", err.Text);
    }

    [Theory]
    [InlineData(3UL, 2UL)]
    [InlineData(5UL, 4UL)]
    [InlineData(1023UL, 1022UL)]
    public void OddSizesRoundDownWithOneWarning(ulong mb, ulong expected)
    {
        using var err = new StderrCapture();
        Assert.Equal(expected << 20, Monitor.MemorySize(mb, Arch));
        Assert.Equal($"ukvm: warning: adjusting guest memory to {expected} MB (a multiple of 2 MB)\n", err.Text);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(1UL)]
    public void TooSmall(ulong mb)
    {
        var e = Assert.Throws<MonitorException>(() => Monitor.MemorySize(mb, Arch));
        Assert.Equal($"guest memory of {mb} MB is too small: at least 2 MB", e.Message);
    }

    [Theory]
    [InlineData(1025UL)]
    [InlineData(9999999UL)]
    [InlineData(1UL << 44)] // << 20 would overflow to 0
    [InlineData(ulong.MaxValue)]
    public void TooBig(ulong mb)
    {
        var e = Assert.Throws<MonitorException>(() => Monitor.MemorySize(mb, Arch));
        Assert.Equal($"guest memory of {mb} MB exceeds the maximum of 1024 MB", e.Message);
    }
}
