using System.Text;
using Ukvm.Interop;

namespace Ukvm.Core;

/// <summary>
/// Lines to stderr and stdout, written straight to the descriptors: no System.Console on the
/// boot path (it costs start-up time and binary size, and the monitor needs no buffering).
/// </summary>
internal static unsafe class Log
{
    public const string Prefix = "ukvm: ";

    /// <summary>"ukvm: message" on stderr.</summary>
    public static void Error(string message) => Write(2, Prefix + message + "\n");

    /// <summary>"ukvm: warning: message" on stderr.</summary>
    public static void Warning(string message) => Write(2, Prefix + "warning: " + message + "\n");

    public static void Out(string text) => Write(1, text);

    public static void Write(int fd, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        fixed (byte* p = bytes)
        {
            int done = 0;
            while (done < bytes.Length)
            {
                nint n = Libc.write(fd, p + done, (nuint)(bytes.Length - done));
                if (n < 0 && Libc.Errno == Libc.EINTR) continue;
                if (n <= 0) return;
                done += (int)n;
            }
        }
    }
}
