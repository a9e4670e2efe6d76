using System.Diagnostics;

namespace Ukvm.Tests.Support;

/// <summary>
/// A network namespace made for one test, with tap devices and addresses inside it only; the
/// root namespace is never touched and everything is deleted on dispose.
/// </summary>
internal sealed class NetNamespace : IDisposable
{
    public string Name { get; } = $"ukt-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
    private readonly List<Process> _children = new();

    /// <summary>Skips, with the reason, where namespaces, taps or ping are not available.</summary>
    public static void Require()
    {
        Guests.RequireKvm();
        Skip.IfNot(File.Exists("/dev/net/tun"), "/dev/net/tun is absent: network tests need tap devices");
        Skip.IfNot(Environment.UserName == "root", "network tests need root to create a network namespace");
        Skip.If(Which("ip") is null || Which("ping") is null, "network tests need ip (iproute2) and ping (iputils-ping)");
    }

    public NetNamespace()
    {
        Sh($"ip netns add {Name}");
        Sh($"ip -n {Name} link set lo up");
    }

    /// <summary>Creates tap <paramref name="tap"/> in the namespace with the host-side address <paramref name="cidr"/>.</summary>
    public void AddTap(string tap, string cidr)
    {
        Sh($"ip -n {Name} tuntap add dev {tap} mode tap");
        Sh($"ip -n {Name} link set {tap} up");
        Sh($"ip -n {Name} addr add {cidr} dev {tap}");
    }

    /// <summary>
    /// Waits until a monitor has attached to <paramref name="tap"/> (the tap's carrier comes up,
    /// LOWER_UP): before that the kernel drops what is sent to it.
    /// </summary>
    public void WaitForCarrier(string tap, int timeoutMs = 10_000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            var r = UkvmRun.Exec("ip", new[] { "-n", Name, "link", "show", tap }, TimeSpan.FromSeconds(10));
            if (r.Stdout.Contains("LOWER_UP")) return;
            Thread.Sleep(20);
        }
        throw new TimeoutException($"no monitor attached to {tap} within {timeoutMs} ms");
    }

    /// <summary>Runs a command inside the namespace to completion.</summary>
    public UkvmRun Exec(TimeSpan timeout, params string[] command) =>
        UkvmRun.Exec("ip", new[] { "netns", "exec", Name }.Concat(command), timeout);

    /// <summary>Starts a command inside the namespace in the background; killed on dispose.</summary>
    public Process Start(params string[] command)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", Name }.Concat(command)) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _children.Add(p);
        return p;
    }

    /// <summary>Stops a background process and returns what it printed, for failure messages.</summary>
    public static string Describe(Process p)
    {
        try { if (!p.HasExited) p.Kill(entireProcessTree: true); p.WaitForExit(5000); } catch (InvalidOperationException) { }
        return $"[guest exit {p.ExitCode}]\n{p.StandardOutput.ReadToEnd()}\n{p.StandardError.ReadToEnd()}\n";
    }

    public void Dispose()
    {
        foreach (var p in _children)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); p.WaitForExit(5000); } catch (InvalidOperationException) { }
            p.Dispose();
        }
        Sh($"ip netns del {Name}", check: false);
    }

    private static void Sh(string command, bool check = true)
    {
        var parts = command.Split(' ');
        var r = UkvmRun.Exec(parts[0], parts[1..], TimeSpan.FromSeconds(20));
        if (check && r.ExitCode != 0)
            throw new InvalidOperationException($"'{command}' failed ({r.ExitCode}): {r.Stderr}");
    }

    public static string? Which(string tool) =>
        new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" }.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
}
