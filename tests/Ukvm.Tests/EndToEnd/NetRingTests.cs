using Ukvm.Tests.Support;

namespace Ukvm.Tests.EndToEnd;

/// <summary>
/// Solo5's network ring end to end: offered by default (--net-ring=off withdraws it), taken by the
/// SDK's unikernels (net, net_2if, net_mtu, http) with the same results as over hypercalls, and
/// the netring unikernel writing entries by hand for what a careless or hostile guest gets.
/// Inside namespaces each test makes and removes, as the other network tests.
/// </summary>
public class NetRingTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static NetNamespace OneTap()
    {
        NetNamespace.Require();
        var ns = new NetNamespace();
        ns.AddTap("tap0", "10.0.0.1/24");
        return ns;
    }

    private static UkvmRun NetRing(NetNamespace ns, string mode, params string[] monitorOptions) =>
        ns.Exec(Limit, new[] { Repo.Monitor, "--mem=16", "--net:service0=tap0" }.Concat(monitorOptions)
            .Concat(new[] { "--", Guests.Image("netring"), "--solo5:quiet", mode }).ToArray());

    [SkippableFact]
    public void TheRingIsOfferedByDefaultInTheMonitorsLowArea()
    {
        using var ns = OneTap();
        var r = NetRing(ns, "check");
        Assert.True(r.ExitCode == 0, $"status {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        Assert.Contains("ring offered at 0x10000", r.Stdout);
        Assert.Equal("", r.Stderr);
    }

    [SkippableFact]
    public void NetRingOffWithdrawsTheOffer()
    {
        using var ns = OneTap();
        var r = NetRing(ns, "check", "--net-ring=off");
        Assert.True(r.ExitCode == 0, $"status {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        Assert.Contains("ring not offered", r.Stdout);
    }

    [SkippableTheory]
    [InlineData("--net-ring=maybe")]
    [InlineData("--net-ring=")]
    [InlineData("--net-ring=ON")]
    public void AMalformedNetRingOptionIsAClearError(string option)
    {
        using var ns = OneTap();
        NetRing(ns, "check", option).AssertOneLineFailure("expected --net-ring=on or --net-ring=off");
    }

    [SkippableFact]
    public void WithoutADeviceThereIsNoRing()
    {
        Guests.RequireKvm();
        var r = UkvmRun.Start("--mem=4", Guests.Image("hello"), "--solo5:debug");
        Assert.Equal(0, r.ExitCode);
        Assert.DoesNotContain("shared ring", r.Stdout);
    }

    [SkippableTheory]
    [InlineData("on")]
    [InlineData("off")]
    public void PingAnswersWithAndWithoutTheRing(string ring)
    {
        using var ns = OneTap();
        var guest = ns.Start(Repo.Monitor, "--mem=16", "--net:service0=tap0", $"--net-ring={ring}", "--",
            Guests.Image("net"), "--solo5:debug", "--ipv4=10.0.0.2/24", "limit=5");
        ns.WaitForCarrier("tap0");
        var ping = ns.Exec(Limit, "ping", "-c", "5", "-i", "0.2", "-W", "5", "10.0.0.2");
        if (ping.ExitCode != 0) Assert.Fail($"ping failed:\n{ping.Stdout}\n{ping.Stderr}\n" + NetNamespace.Describe(guest));
        Assert.Contains("5 received", ping.Stdout);
        Assert.True(guest.WaitForExit(20_000), "the guest did not exit after 5 echo requests");
        Assert.Equal(0, guest.ExitCode);
        string output = guest.StandardOutput.ReadToEnd();
        Assert.Contains("SUCCESS", output);
        // The SDK says (with --solo5:debug) when it takes the ring.
        Assert.Equal(ring == "on", output.Contains("Solo5: net: shared ring at 0x10000"));
        Assert.Equal("", guest.StandardError.ReadToEnd());
    }

    [SkippableTheory]
    [InlineData("on")]
    [InlineData("off")]
    public void FloodPingLosesNothing(string ring)
    {
        using var ns = OneTap();
        var guest = ns.Start(Repo.Monitor, "--mem=16", "--net:service0=tap0", $"--net-ring={ring}", "--",
            Guests.Image("net"), "10.0.0.2", "limit=5001");
        ns.WaitForCarrier("tap0");
        var warm = ns.Exec(Limit, "ping", "-c", "1", "-W", "5", "10.0.0.2");
        if (warm.ExitCode != 0) Assert.Fail(NetNamespace.Describe(guest) + warm.Stdout);
        var flood = ns.Exec(Limit, "sh", "-c", "ping -f -c 5000 -W 2 10.0.0.2 </dev/null >/tmp/ukvm-ringflood.$$ 2>&1; rc=$?; tail -n 3 /tmp/ukvm-ringflood.$$; rm -f /tmp/ukvm-ringflood.$$; exit $rc");
        Assert.True(flood.ExitCode == 0, flood.Stdout + flood.Stderr);
        Assert.Contains("5000 received", flood.Stdout);
        // It halts after the last one (limit): the I/O thread stops and the monitor exits cleanly.
        Assert.True(guest.WaitForExit(20_000), "the guest did not exit after its limit");
        Assert.Equal(0, guest.ExitCode);
        Assert.Equal("", guest.StandardError.ReadToEnd());
    }

    [SkippableFact]
    public void TwoInterfacesShareOneRing()
    {
        NetNamespace.Require();
        using var ns = new NetNamespace();
        ns.AddTap("tap0", "10.0.0.1/24");
        ns.AddTap("tap1", "10.1.0.1/24");
        var guest = ns.Start(Repo.Monitor, "--mem=16", "--net:service0=tap0", "--net:service1=tap1", "--",
            Guests.Image("net_2if"), "limit=400");
        ns.WaitForCarrier("tap0");
        ns.WaitForCarrier("tap1");
        // Both at once: frames of both devices interleave in the one ring.
        var a = ns.Start("ping", "-c", "200", "-i", "0.002", "-W", "5", "10.0.0.2");
        var b = ns.Start("ping", "-c", "200", "-i", "0.002", "-W", "5", "10.1.0.2");
        Assert.True(a.WaitForExit(60_000) && b.WaitForExit(60_000), "ping did not finish");
        string outA = a.StandardOutput.ReadToEnd(), outB = b.StandardOutput.ReadToEnd();
        Assert.True(a.ExitCode == 0 && b.ExitCode == 0, outA + outB);
        Assert.Contains("200 received", outA);
        Assert.Contains("200 received", outB);
        Assert.True(guest.WaitForExit(20_000), "the guest did not exit after 400 echo requests");
        Assert.Equal(0, guest.ExitCode);
    }

    [SkippableFact]
    public void MtuLimitsAreTheSameOverTheRing()
    {
        using var ns = OneTap();
        var r = ns.Exec(Limit, Repo.Monitor, "--mem=16", "--net:service0=tap0", "--net-mac:service0=02:00:00:00:00:2a",
            "--", Guests.Image("net_mtu"), "--solo5:debug", "02:00:00:00:00:2a");
        Assert.True(r.ExitCode == 0, $"status {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        Assert.Contains("Solo5: net: shared ring", r.Stdout);
        Assert.Contains("SUCCESS", r.Stdout);
    }

    // ---- entries written by hand (guest/tests/netring) ----

    [SkippableTheory]
    [InlineData("einval")]
    [InlineData("scribble")]
    [InlineData("kicks")]
    public void BadEntriesGetEinvalOrAreDroppedAndTheGuestGoesOn(string mode)
    {
        using var ns = OneTap();
        var r = NetRing(ns, mode);
        Assert.True(r.ExitCode == 0, $"status {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        Assert.Contains("SUCCESS", r.Stdout);
        Assert.DoesNotContain("WRONG", r.Stdout);
        Assert.Equal("", r.Stderr);
    }

    [SkippableTheory]
    [InlineData("garbage", "net ring: entry index 5001 is 5001 entries ahead of the monitor's 0, more than the ring's 1024")]
    [InlineData("badop", "net ring: entry 0 has unknown operation 7")]
    public void ABrokenRingEndsTheGuestWithOneLine(string mode, string line)
    {
        using var ns = OneTap();
        var r = NetRing(ns, mode);
        r.AssertOneLineFailure(line);
        Assert.DoesNotContain("survived", r.Stdout);
    }

    [SkippableFact]
    public void AKickWithoutARingIsAnInvalidPortAccess()
    {
        using var ns = OneTap();
        var r = NetRing(ns, "port", "--net-ring=off");
        r.AssertOneLineFailure("invalid guest port access: out port 0x600, size 4");
        Assert.DoesNotContain("survived", r.Stdout);
    }

    [SkippableFact]
    public void TheMonitorRunsConfinedWithItsIoThread()
    {
        using var ns = OneTap();
        var guest = ns.Start(Repo.Monitor, "--mem=16", "--net:service0=tap0", "--", Guests.Image("net"), "10.0.0.2");
        ns.WaitForCarrier("tap0");
        Assert.Equal(0, ns.Exec(Limit, "ping", "-c", "1", "-W", "5", "10.0.0.2").ExitCode);
        int pid = MonitorPid(guest.Id);
        Assert.Contains("Seccomp:\t2", File.ReadAllText($"/proc/{pid}/status"));
        var names = Directory.GetDirectories($"/proc/{pid}/task").Select(t => File.ReadAllText(Path.Combine(t, "comm")).Trim()).ToList();
        Assert.Contains(names, n => n.StartsWith("ukvm-net-ring", StringComparison.Ordinal));
        // Traffic after confinement: the thread's calls are all in the filter (else SIGSYS, status 159).
        var ping = ns.Exec(Limit, "ping", "-c", "20", "-i", "0.01", "-W", "5", "10.0.0.2");
        if (ping.ExitCode != 0 || guest.HasExited) Assert.Fail(ping.Stdout + NetNamespace.Describe(guest));
    }

    /// <summary>The ukvm process under "ip netns exec" (which execs it: the same pid, or a child).</summary>
    private static int MonitorPid(int started)
    {
        for (int i = 0; i < 100; i++)
        {
            if (File.Exists($"/proc/{started}/comm") && File.ReadAllText($"/proc/{started}/comm").Trim() == "ukvm")
                return started;
            Thread.Sleep(20);
        }
        throw new InvalidOperationException($"process {started} is not ukvm");
    }

    [SkippableFact]
    public void HttpServesABigObjectOverTheRing()
    {
        Skip.IfNot(File.Exists(Path.Combine(Guests.Dir, "http.hvt")), "out/guest/x86_64/http.hvt is not built");
        NetNamespace.Require();
        Skip.If(NetNamespace.Which("curl") is null, "needs curl");
        using var ns = OneTap();
        var guest = ns.Start(Repo.Monitor, "--mem=32", "--net:service0=tap0", "--", Guests.Image("http"),
            "--ipv4=10.0.0.2/24", "--solo5:quiet");
        ns.WaitForCarrier("tap0");
        var r = ns.Exec(Limit, "sh", "-c",
            "for i in 1 2 3; do curl -s --max-time 30 http://10.0.0.2/big | cksum; done");
        if (r.ExitCode != 0) Assert.Fail(r.Stdout + r.Stderr + NetNamespace.Describe(guest));
        var sums = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, sums.Length);
        Assert.All(sums, s => Assert.EndsWith(" 1048576", s));
        Assert.Single(sums.Distinct());
        if (guest.HasExited) Assert.Fail(NetNamespace.Describe(guest));
    }

    /// <summary>
    /// TCP segments the guest queues in a row reach the host joined (GSO frames through the tap's
    /// virtio_net_hdr): the tap counts far fewer frames than the 718 full segments of 1 MiB, and
    /// the bytes are those the hypercall path, which sends every frame alone, delivers.
    /// </summary>
    [SkippableFact]
    public void BulkTcpGoesToTheHostAsJoinedFramesWithTheSameBytes()
    {
        Skip.IfNot(File.Exists(Path.Combine(Guests.Dir, "http.hvt")), "out/guest/x86_64/http.hvt is not built");
        NetNamespace.Require();
        Skip.If(NetNamespace.Which("curl") is null, "needs curl");
        var sums = new Dictionary<string, string>();
        var frames = new Dictionary<string, long>();
        foreach (var ring in new[] { "on", "off" })
        {
            using var ns = OneTap();
            var guest = ns.Start(Repo.Monitor, "--mem=32", "--net:service0=tap0", $"--net-ring={ring}", "--",
                Guests.Image("http"), "--ipv4=10.0.0.2/24", "--solo5:quiet");
            ns.WaitForCarrier("tap0");
            var warm = ns.Exec(Limit, "curl", "-s", "-o", "/dev/null", "--max-time", "30", "http://10.0.0.2/");
            if (warm.ExitCode != 0) Assert.Fail(warm.Stderr + NetNamespace.Describe(guest));
            long before = long.Parse(ns.Exec(Limit, "cat", "/sys/class/net/tap0/statistics/rx_packets").Stdout);
            var r = ns.Exec(Limit, "sh", "-c", "curl -s --max-time 30 http://10.0.0.2/big | cksum");
            if (r.ExitCode != 0) Assert.Fail(r.Stdout + r.Stderr + NetNamespace.Describe(guest));
            frames[ring] = long.Parse(ns.Exec(Limit, "cat", "/sys/class/net/tap0/statistics/rx_packets").Stdout) - before;
            sums[ring] = r.Stdout.Trim();
            if (guest.HasExited) Assert.Fail(NetNamespace.Describe(guest));
        }
        Assert.EndsWith(" 1048576", sums["on"]);
        Assert.Equal(sums["off"], sums["on"]);
        Assert.True(frames["off"] >= 718, $"hypercalls: {frames["off"]} frames for 1 MiB");
        Assert.True(frames["on"] < 718 / 2, $"ring: {frames["on"]} frames for 1 MiB (not joined?)");
    }
}
