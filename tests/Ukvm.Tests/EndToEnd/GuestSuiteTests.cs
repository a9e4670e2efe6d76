using Ukvm.Tests.Support;

namespace Ukvm.Tests.EndToEnd;

/// <summary>Every SDK test unikernel booted for real under KVM: exit status and output markers.</summary>
public class GuestSuiteTests
{
    [SkippableTheory]
    [InlineData("hello", 0, "Hello, World")]
    [InlineData("quiet", 0, "SUCCESS")]
    [InlineData("globals", 0, "SUCCESS")]
    [InlineData("fpu", 0, "SUCCESS")]
    [InlineData("time", 0, "SUCCESS")]
    [InlineData("tls", 0, "SUCCESS")]
    [InlineData("libc", 0, "SUCCESS")]
    [InlineData("exception", 255, "ABORT")]
    [InlineData("zeropage", 255, "ABORT")]
    [InlineData("abort", 255, "ABORT")]
    [InlineData("ssp", 255, "ABORT")]
    [InlineData("notls", 255, "ABORT")]
    public void BootsAndEndsAsExpected(string name, int status, string marker)
    {
        Guests.RequireKvm();
        var r = UkvmRun.Start("--mem=8", Guests.Image(name));
        Assert.True(r.ExitCode == status, $"{name}: status {r.ExitCode}, expected {status}\n{r.Stdout}\n{r.Stderr}");
        Assert.Contains(marker, r.Stdout);
        if (status == 0) Assert.Contains("SUCCESS", r.Stdout);
        else Assert.DoesNotContain("SUCCESS", r.Stdout);
        Assert.Equal("", r.Stderr);
        r.AssertGone();
    }

    [SkippableFact]
    public void HelloEchoesItsCommandLine()
    {
        Guests.RequireKvm();
        var r = UkvmRun.Start("--mem=4", "--", Guests.Image("hello"), "one", "two  three");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Command line is: 'one two  three'", r.Stdout);
    }

    [SkippableFact]
    public void QuietPrintsNoBanner()
    {
        Guests.RequireKvm();
        var r = UkvmRun.Start("--mem=4", Guests.Image("quiet"), "--solo5:quiet");
        Assert.Equal(0, r.ExitCode);
        Assert.DoesNotContain("Solo5:", r.Stdout);
        Assert.Contains("SUCCESS", r.Stdout);
    }

    [SkippableFact]
    public void ExceptionDumpsRegisters()
    {
        Guests.RequireKvm();
        var r = UkvmRun.Start("--mem=4", Guests.Image("exception"));
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("rip", r.Stdout);
    }

    [SkippableFact]
    public void TooLittleMemoryForTheImageIsOneLine()
    {
        Guests.RequireKvm();
        var r = UkvmRun.Start("--mem=1", Guests.Image("hello"));
        r.AssertOneLineFailure("too small");
    }

    [SkippableFact]
    public void MemoryIsRoundedDownWithAWarning()
    {
        Guests.RequireKvm();
        var r = UkvmRun.Start("--mem=5", Guests.Image("hello"));
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("adjusting guest memory to 4 MB", r.Stderr);
    }
}
