using System.Diagnostics;
using Ukvm.Tests.Support;

namespace Ukvm.Tests.Oci;

/// <summary>
/// A pod's network as CNI leaves it (a namespace with eth0, a veth holding the pod's address, and
/// a default route), the runtime joining it by path and handing the address to the unikernel: the
/// peer pings the pod's IP and net.hvt answers. Then delete takes the redirect and the tap away.
/// Two namespaces made here; nothing in the root namespace is touched.
/// </summary>
public sealed class PodNetworkRuntimeTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _pod = $"ukt-pod-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..4]}";
    private readonly string _peer = $"ukt-peer-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..4]}";
    private bool _made;

    public void Dispose()
    {
        if (_made)
        {
            Ukvm("delete", "--force", "p1");
            Ukvm("delete", "--force", "p2");
            Sh($"ip netns del {_pod}; ip netns del {_peer}");
        }
        _dir.Dispose();
    }

    private static (int Code, string Out) Sh(string script)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        using var p = Process.Start(psi)!;
        string o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o);
    }

    private int Ukvm(params string[] args)
    {
        string quoted = string.Join(' ', args.Select(a => "'" + a + "'"));
        return Sh($"exec '{Repo.Monitor}' --root '{_dir.Combine("root")}' --log '{_dir.Combine("log.json")}' --log-format json {quoted} " +
                  $">>'{_dir.Combine("out")}' 2>&1 </dev/null").Code;
    }

    [SkippableFact]
    public void UnikernelAnswersOnThePodsAddress()
    {
        NetNamespace.Require();
        _made = true;
        var setup = Sh($"set -e; ip netns add {_pod}; ip netns add {_peer}; " +
                       $"ip -n {_pod} link add eth0 type veth peer name peer0 netns {_peer}; " +
                       $"ip -n {_pod} link set lo up; ip -n {_pod} link set eth0 up; ip -n {_peer} link set peer0 up; " +
                       $"ip -n {_pod} addr add 10.77.0.2/24 dev eth0; ip -n {_pod} route add default via 10.77.0.1; " +
                       $"ip -n {_peer} addr add 10.77.0.1/24 dev peer0");
        Assert.True(setup.Code == 0, setup.Out);

        _dir.Write("b/rootfs/unikernel/net.hvt", File.ReadAllBytes(Guests.Image("net")));
        // net.hvt takes only --ipv4: no gateway argument.
        _dir.Write("b/rootfs/ukvm.json", "{\"kernel\":\"/unikernel/net.hvt\",\"mem\":8,\"netArgs\":[\"--ipv4={addr}/{prefix}\"]}");
        _dir.Write("b/config.json", OciFixtures.Spec(args: "", namespaces: $"{{\"type\":\"network\",\"path\":\"/run/netns/{_pod}\"}}"));
        Assert.Equal(0, Ukvm("create", "--bundle", _dir.Combine("b"), "p1"));
        Assert.Equal(0, Ukvm("start", "p1"));

        var ping = Sh($"for i in 1 2 3 4 5 6 7 8 9 10; do ip netns exec {_peer} ping -c 1 -W 1 10.77.0.2 >/dev/null && exit 0; done; exit 1");
        string output = File.ReadAllText(_dir.Combine("out"));
        Assert.True(ping.Code == 0, $"no answer from 10.77.0.2; unikernel: {output}");
        string mac = Sh($"ip -n {_pod} -br link show eth0").Out.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
        Assert.Contains($"serving ping on 10.77.0.2/24, MAC {mac}", output);   // the pod's address and eth0's MAC
        Assert.Contains("alias ukvm:p1 uk", Sh($"ip -n {_pod} link show eth0").Out);

        // A second unikernel cannot take the pod's address while the first runs; once it has
        // ended (a crash, not deleted), the second takes over.
        Assert.NotEqual(0, Ukvm("create", "--bundle", _dir.Combine("b"), "p2"));
        Assert.Contains("is already used by unikernel container p1", File.ReadAllLines(_dir.Combine("log.json"))[^1]);
        Assert.Equal(0, Ukvm("kill", "p1", "KILL"));
        Thread.Sleep(200);
        Assert.Equal(0, Ukvm("create", "--bundle", _dir.Combine("b"), "p2"));
        Assert.Equal(0, Ukvm("start", "p2"));
        Assert.Equal(0, Sh($"for i in 1 2 3 4 5 6 7 8 9 10; do ip netns exec {_peer} ping -c 1 -W 1 10.77.0.2 >/dev/null && exit 0; done; exit 1").Code);
        Assert.Contains("alias ukvm:p2 uk", Sh($"ip -n {_pod} link show eth0").Out);

        Assert.Equal(0, Ukvm("delete", "p1"));
        Assert.Equal(0, Ukvm("delete", "--force", "p2"));
        var after = Sh($"ip -n {_pod} -br link; tc -n {_pod} qdisc show dev eth0; ip -n {_pod} link show eth0");
        Assert.DoesNotContain("uk", after.Out.Replace("ukt-", ""));   // no tap, no alias
        Assert.DoesNotContain("ingress", after.Out);
        Assert.Contains("10.77.0.2/24", Sh($"ip -n {_pod} -br addr show eth0").Out);   // the pod keeps its address
    }
}
