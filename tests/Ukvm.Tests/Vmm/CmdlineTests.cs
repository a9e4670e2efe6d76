using System.Text;
using Ukvm.Core;
using Ukvm.Vmm;

namespace Ukvm.Tests.Vmm;

/// <summary>BootInfo.Cmdline: guest arguments joined by spaces, at most 8191 bytes (8192 with the NUL).</summary>
public class CmdlineTests
{
    private static string Line(params string[] args) => Encoding.UTF8.GetString(BootInfo.Cmdline(args));

    [Fact]
    public void NoArgumentsIsEmpty() => Assert.Empty(BootInfo.Cmdline(Array.Empty<string>()));

    [Fact]
    public void ArgumentsAreJoinedBySpaces() => Assert.Equal("Hello_Solo5 --x=1  y z", Line("Hello_Solo5", "--x=1", "", "y z"));

    [Fact]
    public void Utf8Bytes() => Assert.Equal("héllo ✓", Line("héllo", "✓"));

    [Fact]
    public void Exactly8191Bytes() => Assert.Equal(8191, BootInfo.Cmdline(new[] { new string('a', 8191) }).Length);

    [Fact]
    public void ManyArgumentsUpTo8191Bytes() =>
        Assert.Equal(8191, BootInfo.Cmdline(Enumerable.Repeat("a", 4096).ToArray()).Length); // 4096 + 4095 spaces

    [Theory]
    [InlineData(8192)]
    [InlineData(100000)]
    public void TooLong(int n)
    {
        var e = Assert.Throws<MonitorException>(() => BootInfo.Cmdline(new[] { new string('a', n) }));
        Assert.Equal($"guest command line too long ({n} bytes, at most 8191)", e.Message);
    }

    [Fact]
    public void TooLongCountsBytesNotCharacters()
    {
        var e = Assert.Throws<MonitorException>(() => BootInfo.Cmdline(new[] { string.Concat(Enumerable.Repeat("é", 4096)) }));
        Assert.Contains("(8192 bytes", e.Message);
    }

    [Fact]
    public void SpacesCount()
    {
        Assert.Throws<MonitorException>(() => BootInfo.Cmdline(Enumerable.Repeat("a", 4097).ToArray())); // 8193 bytes
    }

    [Theory]
    [InlineData("a\0b")]
    [InlineData("\0")]
    public void NulIsRefused(string arg)
    {
        var e = Assert.Throws<MonitorException>(() => BootInfo.Cmdline(new[] { "x", arg }));
        Assert.Equal("guest command line contains a NUL character", e.Message);
    }
}
