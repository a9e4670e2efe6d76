using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using Ukvm.Core;
using Ukvm.Oci;

namespace Ukvm.Cli;

/// <summary>
/// <c>ukvm ps [--root DIR] [--json]</c>: the unikernels this host runs as containers, from the
/// runtime's state directory (default /run/ukvm; the shim's root is ROOT/NAMESPACE, so both
/// levels are searched): id, status, kernel, memory, devices, uptime, and the monitor process's
/// CPU time and memory from /proc/PID/stat and /proc/PID/smaps_rollup.
/// </summary>
internal static class Ps
{
    /// <summary>One row (a class: see <see cref="SpecMount"/>).</summary>
    internal sealed class Entry(string ns, ContainerState state, string status, long? uptimeMs, long? cpuMs, MemoryRollup? memory)
    {
        public string Namespace { get; } = ns;
        public ContainerState State { get; } = state;
        public string Status { get; } = status;
        public long? UptimeMs { get; } = uptimeMs;
        public long? CpuMs { get; } = cpuMs;
        public MemoryRollup? Memory { get; } = memory;
    }

    public static int Run(string root, IReadOnlyList<string> args)
    {
        bool json = false;
        for (int i = 0; i < args.Count; i++)
        {
            if (RuntimeCli.Option(args, ref i, "--root") is string r) root = r;
            else if (args[i] == "--json") json = true;
            else if (args[i] is "--format" or "-f" && i + 1 < args.Count) json = args[++i] == "json";
            else throw new MonitorException($"unexpected argument '{args[i]}': usage: ukvm ps [--root DIR] [--json]");
        }
        var entries = Collect(root);
        Log.Out(json ? ToJson(entries) : ToTable(entries));
        return 0;
    }

    /// <summary>Every container under <paramref name="root"/> and ROOT/NAMESPACE, sorted by namespace and id.</summary>
    public static List<Entry> Collect(string root)
    {
        var list = new List<Entry>();
        if (!Directory.Exists(root)) return list;
        long? now = MsSinceBoot();
        long hz = Math.Max(1, Native.sysconf(Native._SC_CLK_TCK));
        foreach (var (ns, dir) in StateDirs(root))
        {
            ContainerState state;
            try { state = ContainerState.Parse(File.ReadAllText(Path.Combine(dir, ContainerState.FileName))); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or MonitorException) { continue; }
            string status = state.Status(dir);
            long? uptime = null, cpu = null;
            MemoryRollup? memory = null;
            if (status != "stopped" && ProcStat.Read(state.Pid) is ProcStat s)
            {
                if (now is long n) uptime = Math.Max(0, n - (long)s.StartTicks * 1000 / hz);
                cpu = (long)(s.UserTicks + s.SystemTicks) * 1000 / hz;
                memory = MemoryRollup.Read(state.Pid);
            }
            list.Add(new Entry(ns, state, status, uptime, cpu, memory));
        }
        list.Sort((a, b) => string.CompareOrdinal(a.Namespace + "/" + a.State.Id, b.Namespace + "/" + b.State.Id));
        return list;
    }

    private static IEnumerable<(string Namespace, string Dir)> StateDirs(string root)
    {
        foreach (var d in Directory.EnumerateDirectories(root))
        {
            if (File.Exists(Path.Combine(d, ContainerState.FileName))) { yield return ("", d); continue; }
            foreach (var e in Directory.EnumerateDirectories(d))
                if (File.Exists(Path.Combine(e, ContainerState.FileName)))
                    yield return (Path.GetFileName(d), e);
        }
    }

    /// <summary>/proc/uptime's first field ("12345.67" seconds) in milliseconds.</summary>
    private static long? MsSinceBoot()
    {
        try { return ParseSeconds(File.ReadAllText("/proc/uptime").Split(' ')[0]); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>"12345.67" to 12345670: a decimal number of seconds in milliseconds (no floating point).</summary>
    public static long? ParseSeconds(string text)
    {
        var parts = text.Trim().Split('.');
        if (parts.Length > 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long whole)) return null;
        long ms = whole * 1000;
        if (parts.Length == 2)
        {
            string frac = (parts[1] + "000")[..3];
            if (!long.TryParse(frac, NumberStyles.None, CultureInfo.InvariantCulture, out long f)) return null;
            ms += f;
        }
        return ms;
    }

    public static string ToTable(IReadOnlyList<Entry> entries)
    {
        var rows = new List<string[]> { new[] { "ID", "NAMESPACE", "STATUS", "PID", "KERNEL", "MEM", "DEVICES", "UPTIME", "CPU", "RSS", "PSS" } };
        foreach (var e in entries)
        {
            var s = e.State;
            var devices = new StringBuilder();
            foreach (var d in s.Devices)
                devices.Append(devices.Length > 0 ? "," : "").Append(d.Name).Append(d.Type == "NET_BASIC" ? "(net)" : "(block)");
            rows.Add(new[]
            {
                s.Id.Length > 16 ? s.Id[..16] : s.Id, e.Namespace.Length > 0 ? e.Namespace : "-", e.Status,
                e.Status == "stopped" ? "-" : s.Pid.ToString(CultureInfo.InvariantCulture),
                s.Sandbox ? "(pod sandbox)" : s.Kernel ?? "?",
                s.Sandbox ? "-" : $"{s.MemoryMb ?? Options.DefaultMemoryMb}M",
                devices.Length > 0 ? devices.ToString() : "-",
                e.UptimeMs is long u ? Duration(u / 1000) : "-",
                e.CpuMs is long c ? $"{c / 1000}.{c % 1000 / 10:D2}s" : "-",
                e.Memory is MemoryRollup m ? Mb(m.RssKb) : "-",
                e.Memory is MemoryRollup p ? Mb(p.PssKb) : "-",
            });
        }
        var widths = new int[rows[0].Length];
        foreach (var r in rows)
            for (int i = 0; i < r.Length; i++) widths[i] = Math.Max(widths[i], r[i].Length);
        var sb = new StringBuilder();
        foreach (var r in rows)
        {
            for (int i = 0; i < r.Length; i++)
                sb.Append(i == r.Length - 1 ? r[i] : r[i].PadRight(widths[i] + 2));
            sb.Append('\n');
        }
        return sb.ToString();
    }

    public static string ToJson(IReadOnlyList<Entry> entries)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Json.IndentedOptions))
        {
            w.WriteStartArray();
            foreach (var e in entries)
            {
                var s = e.State;
                w.WriteStartObject();
                w.WriteString("id", s.Id);
                w.WriteString("namespace", e.Namespace);
                w.WriteString("status", e.Status);
                w.WriteNumber("pid", e.Status == "stopped" ? 0 : s.Pid);
                w.WriteBoolean("sandbox", s.Sandbox);
                if (s.Kernel is not null) w.WriteString("kernel", s.Kernel);
                if (s.KernelHostPath is not null) w.WriteString("kernelHostPath", s.KernelHostPath);
                if (!s.Sandbox) w.WriteNumber("memMb", s.MemoryMb ?? Options.DefaultMemoryMb);
                w.WriteStartArray("devices");
                foreach (var d in s.Devices)
                {
                    w.WriteStartObject();
                    w.WriteString("name", d.Name);
                    w.WriteString("type", d.Type);
                    w.WriteString("backing", d.Backing);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteString("bundle", s.Bundle);
                w.WriteString("created", s.Created);
                if (e.UptimeMs is long u) w.WriteNumber("uptimeMs", u);
                if (e.CpuMs is long c) w.WriteNumber("cpuMs", c);
                if (e.Memory is MemoryRollup m)
                {
                    w.WriteNumber("rssKb", m.RssKb);
                    w.WriteNumber("pssKb", m.PssKb);
                    w.WriteNumber("privateDirtyKb", m.PrivateDirtyKb);
                    w.WriteNumber("anonymousKb", m.AnonymousKb);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>"1:02:03" or "2:03".</summary>
    public static string Duration(long t)
    {
        return t >= 3600 ? $"{t / 3600}:{t / 60 % 60:00}:{t % 60:00}" : $"{t / 60}:{t % 60:00}";
    }

    /// <summary>kB as "12.3M" (MiB, one decimal, truncated).</summary>
    public static string Mb(long kb) => $"{kb / 1024}.{kb % 1024 * 10 / 1024}M";
}
