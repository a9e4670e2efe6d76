using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Ukvm.Cli;

/// <summary>
/// Command-line arguments as the bytes the monitor was given. .NET decodes argv as UTF-8 and
/// replaces invalid bytes with U+FFFD; the guest's command line must be verbatim (as solo5-hvt
/// passes it), so when a guest argument shows a replacement character the raw bytes are read
/// back from /proc/self/cmdline.
/// </summary>
internal static class RawArgs
{
    public static List<byte[]> Utf8(IReadOnlyList<string> args)
    {
        var list = new List<byte[]>(args.Count);
        foreach (var a in args) list.Add(Encoding.UTF8.GetBytes(a));
        return list;
    }

    /// <summary>
    /// The raw bytes of args[first..] (args being Main's arguments), or their UTF-8 encoding when
    /// they decoded cleanly (the common case: no file is read).
    /// </summary>
    public static List<byte[]> Guest(IReadOnlyList<string> args, int first)
    {
        var guest = new List<string>();
        bool lossy = false;
        for (int i = first; i < args.Count; i++)
        {
            guest.Add(args[i]);
            lossy |= args[i].Contains('\uFFFD');
        }
        if (!lossy)
            return Utf8(guest);
        byte[] cmdline;
        try { cmdline = File.ReadAllBytes("/proc/self/cmdline"); }
        catch (IOException) { return Utf8(guest); }
        // argv[0], then Main's arguments, each NUL-terminated.
        var argv = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < cmdline.Length; i++)
            if (cmdline[i] == 0) { argv.Add(cmdline.AsSpan(start, i - start).ToArray()); start = i + 1; }
        if (argv.Count != args.Count + 1)
            return Utf8(guest);
        return argv.GetRange(1 + first, args.Count - first);
    }
}
