using Ukvm.Tests.Support;

namespace Ukvm.Tests.EndToEnd;

/// <summary>
/// ukvm as an unprivileged user (uid 65534) with access to /dev/kvm and to a tap made for it, as
/// docs/security.md describes. The /dev/kvm (and /dev/net/tun, 0666 on a stock Debian but not in
/// every sandbox) it sees are device nodes owned by that user, bind-mounted in a private mount
/// namespace: the host's device nodes are not touched.
/// </summary>
public class UnprivilegedTests
{
    private const string Nobody = "65534";

    private static string Script(string dir, string monitorArgs) =>
        $"mknod {dir}/kvm c 10 232 && chown {Nobody}:{Nobody} {dir}/kvm && chmod 600 {dir}/kvm && " +
        $"mount --bind {dir}/kvm /dev/kvm && " +
        $"mknod {dir}/tun c 10 200 && chmod 666 {dir}/tun && mount --bind {dir}/tun /dev/net/tun && " +
        $"exec setpriv --reuid={Nobody} --regid={Nobody} --clear-groups --inh-caps=-all {Repo.Monitor} {monitorArgs}";

    private static void Require()
    {
        NetNamespace.Require();
        Skip.If(NetNamespace.Which("setpriv") is null || NetNamespace.Which("unshare") is null, "needs setpriv and unshare (util-linux)");
    }

    [SkippableFact]
    public void BootsHelloWithoutRoot()
    {
        Require();
        string dir = Directory.CreateTempSubdirectory("ukvm-unpriv-").FullName;
        try
        {
            var r = UkvmRun.Exec("unshare", new[] { "-m", "sh", "-c", Script(dir, $"--mem=4 {Guests.Image("hello")}") }, UkvmRun.DefaultTimeout);
            Assert.True(r.ExitCode == 0, $"status {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
            Assert.Contains("SUCCESS", r.Stdout);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [SkippableFact]
    public void WithoutAccessToKvmItSaysSo()
    {
        Require();
        var r = UkvmRun.Exec("setpriv", new[] { $"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "--inh-caps=-all",
            Repo.Monitor, "--mem=4", Guests.Image("hello") }, UkvmRun.DefaultTimeout);
        r.AssertOneLineFailure("/dev/kvm");
    }

    [SkippableFact]
    public void AnswersPingOnATapMadeForIt()
    {
        Require();
        using var ns = new NetNamespace();
        ns.Exec(TimeSpan.FromSeconds(10), "ip", "tuntap", "add", "dev", "tap0", "mode", "tap", "user", Nobody);
        ns.Exec(TimeSpan.FromSeconds(10), "ip", "link", "set", "tap0", "up");
        ns.Exec(TimeSpan.FromSeconds(10), "ip", "addr", "add", "10.0.0.1/24", "dev", "tap0");
        string dir = Directory.CreateTempSubdirectory("ukvm-unpriv-").FullName;
        try
        {
            var guest = ns.Start("unshare", "-m", "sh", "-c",
                Script(dir, $"--mem=16 --net:service0=tap0 -- {Guests.Image("net")} 10.0.0.2 limit=2"));
            ns.WaitForCarrier("tap0");
            var ping = ns.Exec(TimeSpan.FromSeconds(30), "ping", "-c", "2", "-i", "0.2", "-W", "5", "10.0.0.2");
            if (ping.ExitCode != 0) Assert.Fail(NetNamespace.Describe(guest) + ping.Stdout);
            Assert.True(guest.WaitForExit(20_000));
            Assert.Equal(0, guest.ExitCode);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
