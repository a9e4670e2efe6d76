using System.Diagnostics;

namespace Ukvm.Tests.Support;

/// <summary>One run of the real out/ukvm binary: exit status, stdout, stderr; killed on timeout.</summary>
internal sealed record UkvmRun(int ExitCode, string Stdout, string Stderr, int Pid)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public static UkvmRun Start(params string[] args) => Exec(Repo.Monitor, args, DefaultTimeout);

    public static UkvmRun Exec(string program, IEnumerable<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {program}");
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit();
            Assert.Fail($"{Path.GetFileName(program)} {string.Join(' ', args)} did not end within {timeout.TotalSeconds} s (killed)");
        }
        p.WaitForExit(); // drains the redirected streams
        return new UkvmRun(p.ExitCode, stdout.Result, stderr.Result, p.Id);
    }

    /// <summary>The monitor's contract for a failure: status 1, exactly one "ukvm: " line on stderr, no stack trace.</summary>
    public void AssertOneLineFailure(string expectedInLine)
    {
        Assert.True(ExitCode == 1, $"exit status {ExitCode}, expected 1; stderr: {Stderr}");
        AssertOneLine(expectedInLine);
    }

    public void AssertOneLine(string expectedInLine)
    {
        Assert.True(Stderr.EndsWith('\n'), $"stderr does not end with a newline: '{Stderr}'");
        var lines = StderrLines;
        Assert.True(lines.Length == 1, $"expected one stderr line, got {lines.Length}: '{Stderr}'");
        Assert.StartsWith("ukvm: ", lines[0]);
        Assert.Contains(expectedInLine, lines[0]);
        Assert.DoesNotContain("   at ", Stderr);
        Assert.DoesNotContain("Exception", Stderr);
        AssertGone();
    }

    /// <summary>The monitor's process no longer exists (reaped, not left behind running the guest).</summary>
    public void AssertGone()
    {
        string proc = $"/proc/{Pid}";
        if (!Directory.Exists(proc)) return;
        // The pid may have been reused by an unrelated process: then it is not ukvm.
        string cmdline = "";
        try { cmdline = File.ReadAllText(Path.Combine(proc, "cmdline")); } catch (IOException) { }
        Assert.DoesNotContain("out/ukvm", cmdline);
    }
}
