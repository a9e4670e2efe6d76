using System.Diagnostics;
using Ukvm.Tests.Support;

namespace Ukvm.Tests.EndToEnd;

/// <summary>The monitor confines itself before the guest's first instruction.</summary>
public class SeccompTests
{
    [SkippableFact]
    public void TheFilterIsActiveWhileTheGuestRuns()
    {
        Guests.RequireKvm();
        var psi = new ProcessStartInfo(Repo.Monitor) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "--mem=8", Guests.Image("time") }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        try
        {
            var lines = new List<string>();
            var deadline = Stopwatch.StartNew();
            // time.hvt sleeps for over a second: the status is read while it runs.
            string? status = null;
            while (deadline.ElapsedMilliseconds < 10_000)
            {
                string? line = p.StandardOutput.ReadLine();
                if (line is null) break;
                if (line.Contains("Slept", StringComparison.Ordinal) || line.Contains("**** ukvm guest test", StringComparison.Ordinal))
                {
                    status = File.ReadAllText($"/proc/{p.Id}/status");
                    break;
                }
            }
            Assert.NotNull(status);
            Assert.Contains("Seccomp:\t2", status);
            Assert.Contains("NoNewPrivs:\t1", status);
        }
        finally
        {
            if (!p.HasExited) p.Kill();
            p.WaitForExit();
        }
    }

    [SkippableFact]
    public void AForbiddenCallAfterSetupKillsTheMonitor()
    {
        Guests.RequireKvm();
        string selftest = Path.Combine(Repo.Root, "out", "ukvm-seccomp-selftest");
        if (!File.Exists(selftest))
            throw new InvalidOperationException($"{selftest} does not exist: run ./build.sh --seccomp-selftest");
        var r = UkvmRun.Exec(selftest, new[] { "--mem=4", Guests.Image("hello") }, UkvmRun.DefaultTimeout);
        Assert.Equal(128 + 31, r.ExitCode); // killed by SIGSYS
        Assert.DoesNotContain("SUCCESS", r.Stdout);
    }

    [SkippableFact]
    public void TheRealMonitorMakesNoForbiddenCall()
    {
        Guests.RequireKvm();
        var r = UkvmRun.Start("--mem=4", Guests.Image("hello"));
        Assert.Equal(0, r.ExitCode);
    }
}
