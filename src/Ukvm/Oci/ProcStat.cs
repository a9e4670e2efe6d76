using System;
using System.Globalization;
using System.IO;

namespace Ukvm.Oci;

/// <summary>The fields of /proc/PID/stat the runtime uses (proc(5)).</summary>
internal readonly record struct ProcStat(char State, int Ppid, ulong UserTicks, ulong SystemTicks, ulong StartTicks, long RssPages)
{
    /// <summary>Parses /proc/PID/stat text. The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.</summary>
    public static ProcStat? Parse(string text)
    {
        int close = text.LastIndexOf(')');
        if (close < 0 || close + 2 > text.Length) return null;
        var f = text[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // f[0] is field 3 (state); field N is f[N - 3].
        if (f.Length < 22 || f[0].Length != 1) return null;
        var inv = CultureInfo.InvariantCulture;
        if (!int.TryParse(f[1], NumberStyles.Integer, inv, out int ppid)
            || !ulong.TryParse(f[11], NumberStyles.None, inv, out ulong utime)
            || !ulong.TryParse(f[12], NumberStyles.None, inv, out ulong stime)
            || !ulong.TryParse(f[19], NumberStyles.None, inv, out ulong start)
            || !long.TryParse(f[21], NumberStyles.Integer, inv, out long rss))
            return null;
        return new ProcStat(f[0][0], ppid, utime, stime, start, rss);
    }

    /// <summary>/proc/PID/stat now, or null when there is no such process.</summary>
    public static ProcStat? Read(int pid)
    {
        if (pid <= 0) return null;
        try { return Parse(File.ReadAllText($"/proc/{pid}/stat")); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// True when <paramref name="pid"/> is still the process that was started at
    /// <paramref name="startTicks"/> and has not exited (a zombie waiting for the shim to reap it has).
    /// </summary>
    public static bool IsAlive(int pid, ulong startTicks) =>
        Read(pid) is ProcStat s && s.State != 'Z' && s.State != 'X' && (startTicks == 0 || s.StartTicks == startTicks);
}

/// <summary>The totals of /proc/PID/smaps_rollup, in kB.</summary>
internal readonly record struct MemoryRollup(long RssKb, long PssKb, long PrivateDirtyKb, long AnonymousKb)
{
    public static MemoryRollup Parse(string text)
    {
        long rss = 0, pss = 0, dirty = 0, anon = 0;
        foreach (var line in text.Split('\n'))
        {
            int colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var value = line[(colon + 1)..].Trim();
            if (value.EndsWith(" kB", StringComparison.Ordinal)) value = value[..^3].Trim();
            if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long kb)) continue;
            switch (line[..colon])
            {
                case "Rss": rss = kb; break;
                case "Pss": pss = kb; break;
                case "Private_Dirty": dirty = kb; break;
                case "Anonymous": anon = kb; break;
            }
        }
        return new MemoryRollup(rss, pss, dirty, anon);
    }

    public static MemoryRollup? Read(int pid)
    {
        try { return Parse(File.ReadAllText($"/proc/{pid}/smaps_rollup")); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
