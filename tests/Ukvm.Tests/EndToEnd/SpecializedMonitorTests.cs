using Ukvm.Tests.Support;

namespace Ukvm.Tests.EndToEnd;

/// <summary>out/ukvm-block, built with only the block module (./build.sh --modules block).</summary>
public class SpecializedMonitorTests
{
    private static string BlockOnly
    {
        get
        {
            string path = Path.Combine(Repo.Root, "out", "ukvm-block");
            if (!File.Exists(path))
                throw new InvalidOperationException($"{path} does not exist: run ./build.sh --modules block");
            return path;
        }
    }

    [Fact]
    public void VersionListsOnlyItsModules()
    {
        var r = UkvmRun.Exec(BlockOnly, new[] { "--version" }, UkvmRun.DefaultTimeout);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("modules: core block\n", r.Stdout);
    }

    [Fact]
    public void TheNetModuleIsAbsentFromTheBinary()
    {
        // The net module (its usage text with it) is trimmed away, not just disabled.
        // NativeAOT keeps string literals as UTF-16.
        byte[] needle = System.Text.Encoding.Unicode.GetBytes("--net-mac:NAME=MAC");
        Assert.True(File.ReadAllBytes(Repo.Monitor).AsSpan().IndexOf(needle) >= 0, "the full monitor has the net module");
        Assert.True(File.ReadAllBytes(BlockOnly).AsSpan().IndexOf(needle) < 0, "the block-only monitor still has the net module's code");
        Assert.True(new FileInfo(BlockOnly).Length < new FileInfo(Repo.Monitor).Length);
    }

    [Fact]
    public void TheToolsAreAbsentFromTheBinary()
    {
        // Built with -p:UkvmTools=false: the OCI runtime, pack, inspect, ps and gen-manifest (and
        // System.Text.Json with them) are trimmed away, about half of the full binary.
        byte[] needle = System.Text.Encoding.Unicode.GetBytes("a unikernel has no processes to exec");
        Assert.True(File.ReadAllBytes(Repo.Monitor).AsSpan().IndexOf(needle) >= 0, "the full monitor has the OCI runtime");
        Assert.True(File.ReadAllBytes(BlockOnly).AsSpan().IndexOf(needle) < 0, "the block-only monitor still has the OCI runtime's code");
        Assert.True(new FileInfo(BlockOnly).Length < new FileInfo(Repo.Monitor).Length - (512 << 10),
            "the block-only monitor is not 512 KiB smaller than the full one: the tools' code is still in it");
    }

    [Fact]
    public void SaysItHasNoTools()
    {
        UkvmRun.Exec(BlockOnly, new[] { "pack", "--kernel", "x.hvt" }, UkvmRun.DefaultTimeout)
            .AssertOneLineFailure("'pack': this ukvm binary was built without the tools");
        var help = UkvmRun.Exec(BlockOnly, new[] { "--help" }, UkvmRun.DefaultTimeout);
        Assert.Equal(0, help.ExitCode);
        Assert.DoesNotContain("gen-manifest", help.Stdout);
        Assert.Contains("--block:NAME=PATH", help.Stdout);
    }

    [SkippableFact]
    public void BootsBlk()
    {
        Guests.RequireKvm();
        using var disk = Guests.Disk(1 << 20);
        var r = UkvmRun.Exec(BlockOnly, new[] { "--mem=8", $"--block:storage={disk.Path}", Guests.Image("blk") }, UkvmRun.DefaultTimeout);
        Assert.True(r.ExitCode == 0, $"status {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        Assert.Contains("SUCCESS", r.Stdout);
    }

    [SkippableFact]
    public void RefusesTheNetOption()
    {
        Guests.RequireKvm();
        var r = UkvmRun.Exec(BlockOnly, new[] { "--mem=8", "--net:service0=tap0", Guests.Image("net") }, UkvmRun.DefaultTimeout);
        r.AssertOneLineFailure("needs the net module");
    }

    [SkippableFact]
    public void RefusesAUnikernelThatNeedsNet()
    {
        Guests.RequireKvm();
        var r = UkvmRun.Exec(BlockOnly, new[] { "--mem=8", Guests.Image("net") }, UkvmRun.DefaultTimeout);
        r.AssertOneLineFailure("built without");
    }
}
