using Ukvm.Core;
using Ukvm.Oci;

namespace Ukvm.Tests.Oci;

/// <summary>kill's signal argument: numbers as the shim sends them, names as people type them.</summary>
public class SignalsTests
{
    [Theory]
    [InlineData("9", 9)]
    [InlineData("15", 15)]
    [InlineData("KILL", 9)]
    [InlineData("SIGKILL", 9)]
    [InlineData("sigterm", 15)]
    [InlineData("term", 15)]
    [InlineData("HUP", 1)]
    [InlineData("SIGUSR1", 10)]
    [InlineData("WINCH", 28)]
    [InlineData("IOT", 6)]
    [InlineData("SYS", 31)]
    [InlineData("RTMIN", 34)]
    [InlineData("SIGRTMIN+3", 37)]
    [InlineData("RTMAX-1", 63)]
    [InlineData("64", 64)]
    public void Parses(string text, int number) => Assert.Equal(number, Signals.Parse(text));

    [Theory]
    [InlineData("0")]
    [InlineData("65")]
    [InlineData("-9")]
    [InlineData("")]
    [InlineData("SIG")]
    [InlineData("NOPE")]
    [InlineData("RTMIN+40")]
    public void Rejects(string text)
    {
        var e = Assert.Throws<MonitorException>(() => Signals.Parse(text));
        Assert.Equal($"unknown signal \"{text}\"", e.Message);
    }
}
