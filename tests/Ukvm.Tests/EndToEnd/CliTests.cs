using Ukvm.Tests.Support;

namespace Ukvm.Tests.EndToEnd;

/// <summary>The real out/ukvm binary's command line: errors are status 1 and one "ukvm: " line.</summary>
public class CliTests
{
    [Fact]
    public void UnknownOption() => UkvmRun.Start("--bogus", "k.hvt").AssertOneLineFailure("unknown option '--bogus'");

    [Theory]
    [InlineData("--mem=abc", "malformed --mem value 'abc'")]
    [InlineData("--mem=0", "malformed --mem value '0'")]
    [InlineData("--mem=", "malformed --mem value ''")]
    [InlineData("--mem=-4", "malformed --mem value '-4'")]
    [InlineData("--mem=2048", "guest memory of 2048 MB exceeds the maximum of 1024 MB")]
    [InlineData("--mem=1", "guest memory of 1 MB is too small")]
    public void BadMem(string option, string message) => UkvmRun.Start(option, "/nonexistent.hvt").AssertOneLineFailure(message);

    [Theory]
    [InlineData]
    [InlineData("--mem=4")]
    [InlineData("--")]
    public void MissingKernel(params string[] args) => UkvmRun.Start(args).AssertOneLineFailure("missing KERNEL operand");

    [Fact]
    public void NonexistentKernel() =>
        UkvmRun.Start("/nonexistent/dir/k.hvt").AssertOneLineFailure("cannot read unikernel '/nonexistent/dir/k.hvt': No such file or directory");

    [Fact]
    public void DirectoryAsKernel() =>
        UkvmRun.Start(Path.GetTempPath()).AssertOneLineFailure("Is a directory");

    [Fact]
    public void EmptyFileAsKernel()
    {
        using var f = new TempFile(Array.Empty<byte>());
        UkvmRun.Start(f.Path).AssertOneLineFailure("invalid unikernel image: not an ELF file");
    }

    [Fact]
    public void HelpGoesToStdoutWithStatus0()
    {
        var r = UkvmRun.Start("--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Stderr);
        Assert.StartsWith("usage: ukvm ", r.Stdout);
        Assert.Contains("--mem=MB", r.Stdout);
        Assert.Contains("gen-manifest", r.Stdout);
        r.AssertGone();
    }

    [Fact]
    public void ShortHelp() => Assert.Equal(UkvmRun.Start("--help").Stdout, UkvmRun.Start("-h").Stdout);

    [Fact]
    public void Version()
    {
        var r = UkvmRun.Start("--version");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Stderr);
        Assert.Matches(@"^ukvm \d+\.\d+\.\d+ \(hvt ABI 2, x86_64\)\nmodules: core( \w+)*\n$", r.Stdout);
    }

    [Fact]
    public void GenManifestWritesC()
    {
        using var json = new TempFile("{\"type\":\"solo5.manifest\",\"version\":1,\"devices\":[{\"name\":\"storage\",\"type\":\"BLOCK_BASIC\"}]}", ".json");
        string output = json.Path + ".c";
        try
        {
            var r = UkvmRun.Start("gen-manifest", json.Path, output);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Equal("", r.Stderr);
            Assert.Contains("{ .name = \"storage\", .type = MFT_DEV_BLOCK_BASIC }", File.ReadAllText(output));
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void GenManifestBadJson()
    {
        using var json = new TempFile("{\"type\":\"solo5.manifest\",\"version\":1,\"devices\":[{\"name\":\"a-b\",\"type\":\"BLOCK_BASIC\"}]}", ".json");
        UkvmRun.Start("gen-manifest", json.Path, json.Path + ".c").AssertOneLineFailure("device name 'a-b' must be 1 to 67 letters and digits");
        Assert.False(File.Exists(json.Path + ".c"));
    }

    [Theory]
    [InlineData]
    [InlineData("only-one.json")]
    [InlineData("a", "b", "c")]
    public void GenManifestUsage(params string[] args) =>
        UkvmRun.Start(new[] { "gen-manifest" }.Concat(args).ToArray()).AssertOneLineFailure("usage: ukvm gen-manifest MANIFEST.json OUTPUT.c");

    [Fact]
    public void GenManifestMissingInput() =>
        UkvmRun.Start("gen-manifest", "/nonexistent.json", "/tmp/x.c").AssertOneLineFailure("cannot read '/nonexistent.json': No such file or directory");
}
