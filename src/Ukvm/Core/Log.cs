using System;
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

    /// <summary>"ukvm: message" on stderr, always one line.</summary>
    public static void Error(string message) => Write(2, Prefix + OneLine(message) + "\n");

    /// <summary>"ukvm: warning: message" on stderr, always one line.</summary>
    public static void Warning(string message) => Write(2, Prefix + "warning: " + OneLine(message) + "\n");

    /// <summary>
    /// Control characters (a newline in an echoed argument or path, say) written as \xNN, so that
    /// an error stays one line and no one can forge a second "ukvm:" line.
    /// </summary>
    public static string OneLine(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\0', '\x1f') && !text.Contains('\x7f'))
            return text;
        var sb = new StringBuilder(text.Length + 8);
        foreach (char c in text)
            if (c < 0x20 || c == 0x7f) sb.Append("\\x").Append(((int)c).ToString("x2"));
            else sb.Append(c);
        return sb.ToString();
    }

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
