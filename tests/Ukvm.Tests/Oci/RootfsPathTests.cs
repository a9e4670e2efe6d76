using Ukvm.Oci;

namespace Ukvm.Tests.Oci;

/// <summary>Container paths to host paths, with symbolic links confined to the root and volumes resolved in their sources.</summary>
public class RootfsPathTests
{
    [Fact]
    public void PlainPath()
    {
        using var d = new TempDir();
        string f = d.Write("rootfs/unikernel/k.hvt", "k");
        Assert.Equal(f, RootfsPath.SecureJoin(d.Combine("rootfs"), "/unikernel/k.hvt"));
    }

    [Fact]
    public void MissingPathsJoinLexically()
    {
        using var d = new TempDir();
        Assert.Equal(d.Combine("rootfs", "no", "such"), RootfsPath.SecureJoin(d.Combine("rootfs"), "/no/./such"));
    }

    [Fact]
    public void DotDotStopsAtTheRoot()
    {
        using var d = new TempDir();
        Assert.Equal(d.Combine("rootfs", "etc", "passwd"), RootfsPath.SecureJoin(d.Combine("rootfs"), "/../../../etc/passwd"));
    }

    [Fact]
    public void AbsoluteSymlinkStaysInside()
    {
        using var d = new TempDir();
        Directory.CreateDirectory(d.Combine("rootfs"));
        File.CreateSymbolicLink(d.Combine("rootfs", "disk.img"), "/etc/shadow");
        Assert.Equal(d.Combine("rootfs", "etc", "shadow"), RootfsPath.SecureJoin(d.Combine("rootfs"), "/disk.img"));
    }

    [Fact]
    public void RelativeSymlinkUpwardsStaysInside()
    {
        using var d = new TempDir();
        Directory.CreateDirectory(d.Combine("rootfs", "a"));
        File.CreateSymbolicLink(d.Combine("rootfs", "a", "link"), "../../../../outside/file");
        Assert.Equal(d.Combine("rootfs", "outside", "file"), RootfsPath.SecureJoin(d.Combine("rootfs"), "/a/link"));
    }

    [Fact]
    public void SymlinkedDirectoryIsFollowedInside()
    {
        using var d = new TempDir();
        string f = d.Write("rootfs/real/k.hvt", "k");
        File.CreateSymbolicLink(d.Combine("rootfs", "unikernel"), "/real");
        Assert.Equal(f, RootfsPath.SecureJoin(d.Combine("rootfs"), "/unikernel/k.hvt"));
    }

    [Fact]
    public void SymlinkLoopIsAnError()
    {
        using var d = new TempDir();
        Directory.CreateDirectory(d.Combine("rootfs"));
        File.CreateSymbolicLink(d.Combine("rootfs", "a"), "/b");
        File.CreateSymbolicLink(d.Combine("rootfs", "b"), "/a");
        var e = Assert.Throws<Ukvm.Core.MonitorException>(() => RootfsPath.SecureJoin(d.Combine("rootfs"), "/a"));
        Assert.Contains("too many levels of symbolic links", e.Message);
    }

    private static SpecMount Bind(string dest, string src, params string[] options) => new(dest, src, "bind", options.Length > 0 ? options : new[] { "rbind" });

    [Fact]
    public void PathUnderAVolumeResolvesInItsSource()
    {
        using var d = new TempDir();
        string disk = d.Write("vol/disk.img", "x");
        var (host, ro) = RootfsPath.Resolve(d.Combine("rootfs"), new[] { Bind("/data", d.Combine("vol"), "rbind", "ro") }, "/data/disk.img");
        Assert.Equal(disk, host);
        Assert.True(ro);
    }

    [Fact]
    public void LongestMountWins()
    {
        using var d = new TempDir();
        var mounts = new[] { Bind("/data", d.Combine("a")), Bind("/data/inner", d.Combine("b")) };
        Assert.Equal(d.Combine("b", "x.img"), RootfsPath.Resolve(d.Combine("rootfs"), mounts, "/data/inner/x.img").HostPath);
        Assert.Equal(d.Combine("a", "innerx", "y"), RootfsPath.Resolve(d.Combine("rootfs"), mounts, "/data/innerx/y").HostPath);
    }

    [Fact]
    public void FileMountedAtThePath()
    {
        using var d = new TempDir();
        string disk = d.Write("disk.img", "x");
        Assert.Equal(disk, RootfsPath.Resolve(d.Combine("rootfs"), new[] { Bind("/data/disk.img", disk) }, "/data/disk.img").HostPath);
    }

    [Fact]
    public void SymlinkInAVolumeStaysInTheVolume()
    {
        using var d = new TempDir();
        Directory.CreateDirectory(d.Combine("vol"));
        File.CreateSymbolicLink(d.Combine("vol", "disk.img"), "/etc/passwd");
        Assert.Equal(d.Combine("vol", "etc", "passwd"),
            RootfsPath.Resolve(d.Combine("rootfs"), new[] { Bind("/data", d.Combine("vol")) }, "/data/disk.img").HostPath);
    }

    [Fact]
    public void NonBindMountsAreNotVolumes()
    {
        using var d = new TempDir();
        var tmpfs = new SpecMount("/data", "tmpfs", "tmpfs", new[] { "nosuid" });
        Assert.Equal(d.Combine("rootfs", "data", "x"), RootfsPath.Resolve(d.Combine("rootfs"), new[] { tmpfs }, "/data/x").HostPath);
    }
}
