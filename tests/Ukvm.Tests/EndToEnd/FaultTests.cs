using Ukvm.Tests.Support;

namespace Ukvm.Tests.EndToEnd;

/// <summary>Host-side faults: the guest sees errors, or the monitor ends with one clear line.</summary>
public class FaultTests
{
    [SkippableFact]
    public void GuestMemoryThatCannotBeAllocatedIsOneLine()
    {
        Guests.RequireKvm();
        // 1.2 GB of address space: enough for the runtime, not for 1 GB of guest memory on top.
        var r = UkvmRun.Exec("sh", new[] { "-c", $"ulimit -v 1200000; exec {Repo.Monitor} --mem=1024 {Guests.Image("hello")}" },
            UkvmRun.DefaultTimeout);
        r.AssertOneLineFailure("cannot allocate 1024 MB of guest memory");
    }

    [SkippableFact]
    public void AFullFilesystemIsAnErrorForTheGuestNotACrash()
    {
        Guests.RequireKvm();
        Skip.IfNot(File.Exists("/usr/bin/unshare"), "unshare (util-linux) is needed for a private tmpfs");
        string dir = Directory.CreateTempSubdirectory("ukvm-full-").FullName;
        try
        {
            // An 8 KiB tmpfs holding a 1 MiB sparse disk: writes to a third page of data fail with ENOSPC.
            string script = $"mount -t tmpfs -o size=8k tmpfs {dir} && truncate -s 1M {dir}/d.img && " +
                            $"exec {Repo.Monitor} --mem=8 --block:storage={dir}/d.img {Guests.Image("blk")}";
            var r = UkvmRun.Exec("/usr/bin/unshare", new[] { "-m", "sh", "-c", script }, UkvmRun.DefaultTimeout);
            Assert.True(r.ExitCode is 1 or 255, $"status {r.ExitCode}: the guest should fail its own check\n{r.Stdout}\n{r.Stderr}");
            Assert.Contains("EUNSPEC", r.Stdout);
            Assert.DoesNotContain("ukvm:", r.Stderr);
            r.AssertGone();
        }
        finally { Directory.Delete(dir); }
    }

    /// <summary>blkbench reading a 1 MiB file over and over, long enough to change the file under it.</summary>
    private static System.Diagnostics.Process StartReader(string disk)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(Repo.Monitor)
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--mem=8", $"--block:storage={disk}", Guests.Image("blkbench"), "seqread", "64" })
            psi.ArgumentList.Add(a);
        return System.Diagnostics.Process.Start(psi)!;
    }

    [SkippableFact]
    public void ABlockFileTruncatedUnderTheGuestIsAnErrorForTheGuest()
    {
        Guests.RequireKvm();
        using var disk = Guests.Disk(1 << 20);
        using var p = StartReader(disk.Path);
        Thread.Sleep(500);
        File.WriteAllBytes(disk.Path, Array.Empty<byte>()); // truncate to 0 while the guest reads it
        Assert.True(p.WaitForExit(120_000), "the guest did not end");
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        if (stdout.Contains("SUCCESS")) return; // it finished its 64 MiB before the truncation: nothing to see
        Assert.True(p.ExitCode == 1, $"status {p.ExitCode}\n{stdout}\n{stderr}");
        Assert.Contains("EUNSPEC", stdout); // the read past the new end failed, and the guest was told
        Assert.Equal("", stderr);           // the monitor itself did not fail
    }

    [SkippableFact]
    public void ABlockFileRemovedUnderTheGuestKeepsWorking()
    {
        Guests.RequireKvm();
        using var disk = Guests.Disk(1 << 20);
        using var p = StartReader(disk.Path);
        Thread.Sleep(500);
        File.Delete(disk.Path); // the monitor's descriptor keeps the file alive
        Assert.True(p.WaitForExit(120_000), "the guest did not end");
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.ExitCode == 0, $"status {p.ExitCode}\n{stdout}\n{p.StandardError.ReadToEnd()}");
        Assert.Contains("SUCCESS", stdout);
    }

    [SkippableFact]
    public void ATapDeletedUnderTheGuestIsAnErrorForTheGuest()
    {
        NetNamespace.Require();
        using var ns = new NetNamespace();
        ns.AddTap("tap0", "10.0.0.1/24");
        var guest = ns.Start(Repo.Monitor, "--mem=16", "--net:service0=tap0", "--", Guests.Image("net"), "10.0.0.2");
        ns.WaitForCarrier("tap0");
        Assert.Equal(0, ns.Exec(TimeSpan.FromSeconds(20), "ping", "-c", "1", "-W", "5", "10.0.0.2").ExitCode);
        ns.Exec(TimeSpan.FromSeconds(10), "ip", "link", "del", "tap0");
        // The monitor reports the dead tap as ready; the guest's read fails (EUNSPEC) and it exits,
        // rather than the monitor spinning on POLL.
        Assert.True(guest.WaitForExit(10_000), "the guest did not notice its tap was deleted");
        Assert.Equal(1, guest.ExitCode);
        Assert.Contains("solo5_net_read: result 3", guest.StandardOutput.ReadToEnd());
        Assert.Equal("", guest.StandardError.ReadToEnd());
    }
}
