using Ukvm.Tests.Support;

namespace Ukvm.Tests.EndToEnd;

/// <summary>The net module with real taps, inside namespaces each test makes and removes.</summary>
public class NetDeviceTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public void NetAnswersArpAndPing()
    {
        NetNamespace.Require();
        using var ns = new NetNamespace();
        ns.AddTap("tap0", "10.0.0.1/24");
        var guest = ns.Start(Repo.Monitor, "--mem=16", "--net:service0=tap0", "--", Guests.Image("net"), "--ipv4=10.0.0.2/24", "limit=3");
        ns.WaitForCarrier("tap0");
        var ping = ns.Exec(Limit, "ping", "-c", "3", "-i", "0.2", "-W", "5", "10.0.0.2");
        Assert.True(ping.ExitCode == 0, $"ping failed:\n{ping.Stdout}\n{ping.Stderr}");
        Assert.Contains("3 received", ping.Stdout);
        Assert.True(guest.WaitForExit(20_000), "the guest did not exit after 3 echo requests");
        Assert.Equal(0, guest.ExitCode);
        Assert.Contains("SUCCESS", guest.StandardOutput.ReadToEnd());
    }

    /// <summary>
    /// A persistent tap keeps the offloads its last user turned on (QEMU turns on checksum and TSO
    /// offload); left on, the host would hand the guest 64 KiB GSO frames. ukvm turns them off.
    /// </summary>
    [SkippableFact]
    public void OffloadsALastUserLeftOnTheTapAreTurnedOff()
    {
        NetNamespace.Require();
        Skip.If(NetNamespace.Which("python3") is null, "needs python3 (./build.sh installs it)");
        using var ns = new NetNamespace();
        ns.AddTap("tap0", "10.0.0.1/24");
        string script = Path.Combine(Repo.Root, "tests", "Ukvm.Tests", "EndToEnd", "scripts", "tap-offload.py");
        var set = ns.Exec(Limit, "python3", script, "tap0", "set");
        Assert.True(set.ExitCode == 0 && set.Stdout.Contains("tso 1"), $"could not turn TSO on: {set.Stdout}{set.Stderr}");
        var guest = ns.Start(Repo.Monitor, "--mem=16", "--net:service0=tap0", "--", Guests.Image("net"), "10.0.0.2");
        ns.WaitForCarrier("tap0");
        var get = ns.Exec(Limit, "python3", script, "tap0", "get");
        Assert.True(get.ExitCode == 0, get.Stdout + get.Stderr);
        Assert.Contains("tso 0", get.Stdout);
        var ping = ns.Exec(Limit, "ping", "-c", "2", "-i", "0.2", "-W", "5", "10.0.0.2");
        if (ping.ExitCode != 0) Assert.Fail(ping.Stdout + NetNamespace.Describe(guest));
    }

    [SkippableFact]
    public void FloodPingLosesNothing()
    {
        NetNamespace.Require();
        using var ns = new NetNamespace();
        ns.AddTap("tap0", "10.0.0.1/24");
        var guest = ns.Start(Repo.Monitor, "--mem=16", "--net:service0=tap0", "--", Guests.Image("net"), "10.0.0.2");
        ns.WaitForCarrier("tap0");
        var warm = ns.Exec(Limit, "ping", "-c", "1", "-W", "5", "10.0.0.2");
        if (warm.ExitCode != 0) Assert.Fail(NetNamespace.Describe(guest) + warm.Stdout);
        // ping -f paces itself by the replies; its dot-per-packet output goes to a file, not to us.
        var flood = ns.Exec(Limit, "sh", "-c", "ping -f -c 2000 -W 2 10.0.0.2 </dev/null >/tmp/ukvm-flood.$$ 2>&1; rc=$?; tail -n 3 /tmp/ukvm-flood.$$; rm -f /tmp/ukvm-flood.$$; exit $rc");
        Assert.True(flood.ExitCode == 0, flood.Stdout + flood.Stderr);
        Assert.Contains("2000 received", flood.Stdout);
    }

    [SkippableFact]
    public void TwoInterfaces()
    {
        NetNamespace.Require();
        using var ns = new NetNamespace();
        ns.AddTap("tap0", "10.0.0.1/24");
        ns.AddTap("tap1", "10.1.0.1/24");
        var guest = ns.Start(Repo.Monitor, "--mem=16", "--net:service0=tap0", "--net:service1=tap1", "--", Guests.Image("net_2if"), "limit=6");
        ns.WaitForCarrier("tap0");
        ns.WaitForCarrier("tap1");
        var a = ns.Exec(Limit, "ping", "-c", "3", "-i", "0.2", "-W", "5", "10.0.0.2");
        var b = ns.Exec(Limit, "ping", "-c", "3", "-i", "0.2", "-W", "5", "10.1.0.2");
        Assert.True(a.ExitCode == 0 && b.ExitCode == 0, $"{a.Stdout}{a.Stderr}\n{b.Stdout}{b.Stderr}");
        Assert.True(guest.WaitForExit(20_000), "the guest did not exit after 6 echo requests");
        Assert.Equal(0, guest.ExitCode);
    }

    [SkippableFact]
    public void MtuLimitsAndTheMacOption()
    {
        NetNamespace.Require();
        using var ns = new NetNamespace();
        ns.AddTap("tap0", "10.0.0.1/24");
        var r = ns.Exec(Limit, Repo.Monitor, "--mem=16", "--net:service0=tap0", "--net-mac:service0=02:00:00:00:00:2a",
            "--", Guests.Image("net_mtu"), "02:00:00:00:00:2a");
        Assert.True(r.ExitCode == 0, $"status {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        Assert.Contains("SUCCESS", r.Stdout);
    }

    [SkippableFact]
    public void ATapInUseIsAClearError()
    {
        NetNamespace.Require();
        using var ns = new NetNamespace();
        ns.AddTap("tap0", "10.0.0.1/24");
        ns.Start(Repo.Monitor, "--mem=16", "--net:service0=tap0", "--", Guests.Image("net"), "10.0.0.2");
        ns.WaitForCarrier("tap0");
        Assert.Equal(0, ns.Exec(Limit, "ping", "-c", "1", "-W", "5", "10.0.0.2").ExitCode); // the first owns it now
        var second = ns.Exec(Limit, Repo.Monitor, "--mem=16", "--net:service0=tap0", "--", Guests.Image("net"), "10.0.0.2");
        second.AssertOneLineFailure("in use");
    }

    [SkippableFact]
    public void AMissingTapIsAClearErrorAndNoneIsCreated()
    {
        NetNamespace.Require();
        using var ns = new NetNamespace();
        var r = ns.Exec(Limit, Repo.Monitor, "--mem=16", "--net:service0=nosuchtap", "--", Guests.Image("net"));
        r.AssertOneLineFailure("no interface 'nosuchtap'");
        var links = ns.Exec(Limit, "ip", "link", "show");
        Assert.DoesNotContain("nosuchtap", links.Stdout);
    }

    [SkippableTheory]
    [InlineData("--net-mac:service0=01:00:00:00:00:01", "multicast")]
    [InlineData("--net-mac:service0=02:00:00:00:00", "MAC address like")]
    [InlineData("--net-mac:service0=zz:00:00:00:00:01", "MAC address like")]
    [InlineData("--net-mac:service1=02:00:00:00:00:01", "no --net:service1")]
    public void BadMacOptions(string option, string why)
    {
        NetNamespace.Require();
        using var ns = new NetNamespace();
        ns.AddTap("tap0", "10.0.0.1/24");
        var r = ns.Exec(Limit, Repo.Monitor, "--mem=16", "--net:service0=tap0", option, "--", Guests.Image("net"));
        r.AssertOneLineFailure(why);
    }
}
