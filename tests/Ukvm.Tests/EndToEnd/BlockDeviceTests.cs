using Ukvm.Tests.Support;

namespace Ukvm.Tests.EndToEnd;

/// <summary>The block module with real files: data round trips, attach-time checks, manifest gating.</summary>
public class BlockDeviceTests
{
    [SkippableTheory]
    [InlineData(512)]
    [InlineData(4096)]
    [InlineData(32768)]
    public void BlkPassesAtEachBlockSize(int blockSize)
    {
        Guests.RequireKvm();
        using var disk = Guests.Disk(1 << 20);
        var r = UkvmRun.Start("--mem=8", $"--block:storage={disk.Path}", $"--block-sector-size:storage={blockSize}", Guests.Image("blk"));
        Assert.True(r.ExitCode == 0, $"status {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        Assert.Contains("SUCCESS", r.Stdout);
        Assert.Contains(blockSize.ToString(), r.Stdout);
    }

    [SkippableFact]
    public void WrittenDataIsInTheFileWhenTheGuestExits()
    {
        Guests.RequireKvm();
        using var disk = Guests.Disk(1 << 20);
        var r = UkvmRun.Start("--mem=8", $"--block:storage={disk.Path}", Guests.Image("blk"));
        Assert.Equal(0, r.ExitCode);
        var bytes = File.ReadAllBytes(disk.Path);
        Assert.Contains(bytes, b => b != 0);
    }

    [SkippableFact]
    public void ReadOnlyAttachRefusesWrites()
    {
        Guests.RequireKvm();
        using var disk = Guests.Disk(1 << 20);
        var r = UkvmRun.Start("--mem=8", $"--block-ro:storage={disk.Path}", Guests.Image("blk"));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("EUNSPEC", r.Stdout);
        Assert.All(File.ReadAllBytes(disk.Path), b => Assert.Equal(0, b));
    }

    [SkippableFact]
    public void AFileOnAReadOnlyFilesystemIsRefusedWithAHintUnlessAttachedReadOnly()
    {
        Guests.RequireKvm();
        Skip.IfNot(File.Exists("/usr/bin/unshare"), "unshare (util-linux) is needed for a private read-only mount");
        // A private mount namespace: a tmpfs holding a disk image, remounted read-only (EROFS for
        // writers, even root). It disappears with the namespace.
        string dir = Directory.CreateTempSubdirectory("ukvm-rofs-").FullName;
        try
        {
            string script = $"mount -t tmpfs tmpfs {dir} && truncate -s 1M {dir}/d.img && mount -o remount,ro {dir} && " +
                            $"exec \"$@\"";
            var rw = UkvmRun.Exec("/usr/bin/unshare", new[] { "-m", "sh", "-c", script, "sh", Repo.Monitor,
                "--mem=8", $"--block:storage={dir}/d.img", Guests.Image("blk") }, UkvmRun.DefaultTimeout);
            rw.AssertOneLineFailure($"--block-ro:storage={dir}/d.img");
            var ro = UkvmRun.Exec("/usr/bin/unshare", new[] { "-m", "sh", "-c", script, "sh", Repo.Monitor,
                "--mem=8", $"--block-ro:storage={dir}/d.img", Guests.Image("blk") }, UkvmRun.DefaultTimeout);
            Assert.Equal("", ro.Stderr);
            Assert.Contains("EUNSPEC", ro.Stdout); // it booted; its first write was refused
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    [SkippableTheory]
    [InlineData(0, "too small")]
    [InlineData(100, "too small")]
    [InlineData(1000, "odd size")]
    public void BadlySizedFilesAreRefusedAtAttach(int bytes, string why)
    {
        Guests.RequireKvm();
        using var disk = Guests.Disk(bytes);
        var r = UkvmRun.Start("--mem=8", $"--block:storage={disk.Path}", Guests.Image("blk"));
        r.AssertOneLineFailure(why);
        Assert.Equal("", r.Stdout);
    }

    [SkippableTheory]
    [InlineData("--block-sector-size:storage=1000")]
    [InlineData("--block-sector-size:storage=256")]
    [InlineData("--block-sector-size:storage=65536")]
    [InlineData("--block-sector-size:storage=x")]
    public void BadSectorSizesAreRefused(string option)
    {
        Guests.RequireKvm();
        using var disk = Guests.Disk(1 << 20);
        var r = UkvmRun.Start("--mem=8", $"--block:storage={disk.Path}", option, Guests.Image("blk"));
        r.AssertOneLineFailure("power of two");
    }

    [SkippableFact]
    public void MissingFileIsOneLine()
    {
        Guests.RequireKvm();
        var r = UkvmRun.Start("--mem=8", "--block:storage=/nonexistent/disk.img", Guests.Image("blk"));
        r.AssertOneLineFailure("No such file");
    }

    [SkippableFact]
    public void DeclaredButUnattachedDeviceIsAnErrorNamingIt()
    {
        Guests.RequireKvm();
        var r = UkvmRun.Start("--mem=8", Guests.Image("unattached"));
        r.AssertOneLineFailure("'storage'");
        Assert.Contains("--block:storage=", r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [SkippableFact]
    public void AttachingANameTheManifestLacksIsAnError()
    {
        Guests.RequireKvm();
        using var disk = Guests.Disk(1 << 20);
        var r = UkvmRun.Start("--mem=8", $"--block:storage={disk.Path}", $"--block:other={disk.Path}", Guests.Image("blk"));
        r.AssertOneLineFailure("no device 'other'");
    }

    [SkippableFact]
    public void AttachingABlockFileToANetDeviceIsAnError()
    {
        Guests.RequireKvm();
        using var disk = Guests.Disk(1 << 20);
        var r = UkvmRun.Start("--mem=8", $"--block:service0={disk.Path}", Guests.Image("net"));
        r.AssertOneLineFailure("NET_BASIC");
    }

    [SkippableFact]
    public void SixtyThreeDevices()
    {
        Guests.RequireKvm();
        var disks = Enumerable.Range(0, 63).Select(_ => Guests.Disk(64 << 10)).ToList();
        try
        {
            var args = new List<string> { "--mem=8" };
            args.AddRange(disks.Select((d, i) => $"--block:storage{i}={d.Path}"));
            args.Add(Guests.Image("maxdevices"));
            args.Add("write");
            var r = UkvmRun.Start(args.ToArray());
            Assert.True(r.ExitCode == 0, $"status {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
            Assert.Contains("SUCCESS", r.Stdout);
        }
        finally
        {
            disks.ForEach(d => d.Dispose());
        }
    }
}
