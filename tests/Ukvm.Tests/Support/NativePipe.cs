using System.Runtime.InteropServices;

namespace Ukvm.Tests.Support;

/// <summary>A libc pipe(2): the monitor writes to <see cref="WriteFd"/>, the test reads what arrived.</summary>
internal sealed unsafe partial class NativePipe : IDisposable
{
    public int ReadFd { get; private set; } = -1;
    public int WriteFd { get; private set; } = -1;

    public NativePipe()
    {
        int* fds = stackalloc int[2];
        if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
            throw new InvalidOperationException($"pipe2 failed: errno {Marshal.GetLastPInvokeError()}");
        ReadFd = fds[0];
        WriteFd = fds[1];
    }

    /// <summary>Everything written so far (the read end is non-blocking).</summary>
    public byte[] ReadAvailable()
    {
        var result = new List<byte>();
        var buf = new byte[65536];
        fixed (byte* p = buf)
        {
            while (true)
            {
                nint n = read(ReadFd, p, (nuint)buf.Length);
                if (n <= 0) break;
                result.AddRange(buf.AsSpan(0, (int)n).ToArray());
            }
        }
        return result.ToArray();
    }

    public void CloseRead()
    {
        if (ReadFd >= 0) close(ReadFd);
        ReadFd = -1;
    }

    public void Dispose()
    {
        CloseRead();
        if (WriteFd >= 0) close(WriteFd);
        WriteFd = -1;
    }

    private const int O_CLOEXEC = 0x80000, O_NONBLOCK = 0x800;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int pipe2(int* fds, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, byte* buf, nuint count);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
