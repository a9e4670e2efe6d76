using System.Runtime.InteropServices;

namespace Ukvm.Tests.Support;

/// <summary>
/// Redirects this process's fd 2 into a pipe while alive (the monitor's Log writes straight to fd 2),
/// then restores it. Tests using it belong to the non-parallel "fd 2" collection.
/// </summary>
internal sealed unsafe partial class StderrCapture : IDisposable
{
    private readonly NativePipe _pipe = new();
    private readonly int _saved;

    public StderrCapture()
    {
        _saved = dup(2);
        if (_saved < 0 || dup2(_pipe.WriteFd, 2) < 0)
            throw new InvalidOperationException("cannot redirect fd 2");
    }

    /// <summary>What was written to fd 2 so far.</summary>
    public string Text => System.Text.Encoding.UTF8.GetString(_pipe.ReadAvailable());

    public void Dispose()
    {
        dup2(_saved, 2);
        close(_saved);
        _pipe.Dispose();
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int dup(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int dup2(int fd, int fd2);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}

[CollectionDefinition("fd 2", DisableParallelization = true)]
public sealed class Fd2Collection { }
