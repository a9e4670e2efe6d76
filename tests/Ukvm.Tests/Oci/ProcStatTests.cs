using Ukvm.Cli;
using Ukvm.Oci;

namespace Ukvm.Tests.Oci;

/// <summary>/proc/PID/stat and smaps_rollup parsing, and ps's number formatting.</summary>
public class ProcStatTests
{
    // proc(5): fields after the command name; utime 14, stime 15, starttime 22, rss 24.
    private const string Stat = "1234 (ukvm --oci) x) S 99 1234 1234 0 -1 4194560 2000 0 0 0 150 25 0 0 20 0 9 0 424242 100000000 5120 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";

    [Fact]
    public void ParsesPastACommandNameWithParentheses()
    {
        var s = ProcStat.Parse(Stat)!.Value;
        Assert.Equal('S', s.State);
        Assert.Equal(99, s.Ppid);
        Assert.Equal(150UL, s.UserTicks);
        Assert.Equal(25UL, s.SystemTicks);
        Assert.Equal(424242UL, s.StartTicks);
        Assert.Equal(5120L, s.RssPages);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1234 (x")]
    [InlineData("1234 (x) S 1 2 3")]
    public void RejectsTruncated(string text) => Assert.Null(ProcStat.Parse(text));

    [Fact]
    public void ThisProcessIsAlive()
    {
        var s = ProcStat.Read(Environment.ProcessId);
        Assert.NotNull(s);
        Assert.True(ProcStat.IsAlive(Environment.ProcessId, s.Value.StartTicks));
        Assert.False(ProcStat.IsAlive(Environment.ProcessId, s.Value.StartTicks + 1));
        Assert.False(ProcStat.IsAlive(0, 0));
    }

    [Fact]
    public void SmapsRollup()
    {
        var m = MemoryRollup.Parse("55d0c0000000-7ffd0000000 ---p 00000000 00:00 0 [rollup]\nRss:               20480 kB\nPss:               18000 kB\n" +
            "Pss_Anon:          16000 kB\nPrivate_Dirty:     16384 kB\nAnonymous:         16000 kB\nSwap: 0 kB\n");
        Assert.Equal(new MemoryRollup(20480, 18000, 16384, 16000), m);
    }

    [Theory]
    [InlineData("12345.67", 12345670L)]
    [InlineData("0.5", 500L)]
    [InlineData("42", 42000L)]
    [InlineData("1.2345", 1234L)]
    public void Seconds(string text, long ms) => Assert.Equal(ms, Ps.ParseSeconds(text));

    [Theory]
    [InlineData(59, "0:59")]
    [InlineData(61, "1:01")]
    [InlineData(3600, "1:00:00")]
    [InlineData(90061, "25:01:01")]
    public void Duration(long seconds, string text) => Assert.Equal(text, Ps.Duration(seconds));

    [Theory]
    [InlineData(1024, "1.0M")]
    [InlineData(20480, "20.0M")]
    [InlineData(1536, "1.5M")]
    [InlineData(100, "0.0M")]
    public void Megabytes(long kb, string text) => Assert.Equal(text, Ps.Mb(kb));
}
