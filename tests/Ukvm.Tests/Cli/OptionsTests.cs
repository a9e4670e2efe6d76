using Ukvm.Cli;
using Ukvm.Core;
using Ukvm.Modules;

namespace Ukvm.Tests.Cli;

/// <summary>Options.Parse: solo5-hvt's command line, [--mem=MB] [MODULE OPTIONS] [--] KERNEL [ARGS...].</summary>
public class OptionsTests
{
    private static readonly IModule[] CoreOnly = { new CoreModule() };

    private static Options Parse(params string[] args) => Options.Parse(args, CoreOnly);

    private static void Rejects(string message, params string[] args) =>
        Assert.Equal(message, Assert.Throws<MonitorException>(() => Parse(args)).Message);

    [Fact]
    public void KernelAloneTakesTheDefaults()
    {
        var o = Parse("app.hvt");
        Assert.Equal("app.hvt", o.Kernel);
        Assert.Equal(512UL, o.MemoryMb);
        Assert.Empty(o.GuestArgs);
        Assert.False(o.Help || o.Version);
    }

    [Theory]
    [InlineData("--mem=4", 4UL)]
    [InlineData("--mem=1", 1UL)]
    [InlineData("--mem=1024", 1024UL)]
    [InlineData("--mem=0000016", 16UL)]
    [InlineData("--mem=9999999", 9999999UL)] // 7 digits parse; Monitor.MemorySize refuses the size
    public void MemoryForms(string option, ulong mb) => Assert.Equal(mb, Parse(option, "k").MemoryMb);

    [Fact]
    public void LastMemOptionWins() => Assert.Equal(8UL, Parse("--mem=4", "--mem=8", "k").MemoryMb);

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("+4")]
    [InlineData(" 4")]
    [InlineData("4 ")]
    [InlineData("4M")]
    [InlineData("4MB")]
    [InlineData("0x10")]
    [InlineData("1e3")]
    [InlineData("4.5")]
    [InlineData("12345678")]
    [InlineData("18446744073709551617")]
    [InlineData("٤")]
    public void MalformedMemory(string value) =>
        Rejects($"malformed --mem value '{value}': expected a whole number of megabytes, e.g. --mem=512", "--mem=" + value, "k");

    [Fact]
    public void MemWithoutEqualsIsUnknown() => Rejects("unknown option '--mem' (see ukvm --help)", "--mem", "512", "k");

    [Theory]
    [InlineData("--bogus")]
    [InlineData("-x")]
    [InlineData("--MEM=4")]
    [InlineData("---")]
    public void UnknownOption(string option) => Rejects($"unknown option '{option}' (see ukvm --help)", option, "k");

    [Fact]
    public void UnknownOptionBeforeHelpIsStillAnError() => Rejects("unknown option '--bogus' (see ukvm --help)", "--bogus", "--help");

    [Theory]
    [InlineData]
    [InlineData("--mem=4")]
    [InlineData("--")]
    [InlineData("--mem=4", "--")]
    public void MissingKernel(params string[] args) => Rejects("missing KERNEL operand (see ukvm --help)", args);

    [Fact]
    public void DoubleDashEndsOptions()
    {
        var o = Parse("--mem=4", "--", "--help", "x");
        Assert.Equal("--help", o.Kernel);
        Assert.Equal(new[] { "x" }, o.GuestArgs);
        Assert.False(o.Help);
    }

    [Fact]
    public void DashAloneIsAKernelName() => Assert.Equal("-", Parse("-").Kernel);

    [Fact]
    public void GuestArgumentsAreKeptVerbatim()
    {
        string[] guest = { "--mem=2", "-h", "--", "", "two words", "ünï", "--help", "--version" };
        var o = Parse(new[] { "--mem=16", "k" }.Concat(guest).ToArray());
        Assert.Equal(16UL, o.MemoryMb);
        Assert.Equal("k", o.Kernel);
        Assert.Equal(guest, o.GuestArgs);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help(string option)
    {
        var o = Parse("--mem=4", option, "k");
        Assert.True(o.Help);
        Assert.Null(o.Kernel);
    }

    [Fact]
    public void HelpWithoutKernel() => Assert.True(Parse("--help").Help);

    [Fact]
    public void Version() => Assert.True(Parse("--version").Version);

    [Fact]
    public void ModuleOptionsGoToTheModules()
    {
        var seen = new List<string>();
        var module = new OptionRecorder(seen);
        var o = Options.Parse(new[] { "--rec=1", "--mem=4", "--rec=2", "k", "--rec=3" }, new IModule[] { new CoreModule(), module });
        Assert.Equal(new[] { "--rec=1", "--rec=2" }, seen);
        Assert.Equal(new[] { "--rec=3" }, o.GuestArgs);
    }

    private sealed class OptionRecorder : IModule
    {
        private readonly List<string> _seen;
        public OptionRecorder(List<string> seen) => _seen = seen;
        public string Name => "rec";
        public IEnumerable<string> Usage => Array.Empty<string>();
        public bool TryHandleOption(string arg)
        {
            if (!arg.StartsWith("--rec=")) return false;
            _seen.Add(arg);
            return true;
        }
        public void Setup(MonitorContext context) { }
    }
}
