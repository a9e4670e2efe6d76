using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using Ukvm.Core;

namespace Ukvm.Oci;

/// <summary>One device as the container attached it: manifest name, type, and what backs it (a host file or a tap).</summary>
internal readonly record struct AttachedDevice(string Name, string Type, string Backing);

/// <summary>
/// What the runtime knows about a container, kept in <c>ROOT/ID/state.json</c>: written once by
/// create; the status is never stored but derived (runc's way): the process gone is "stopped",
/// the start FIFO still present is "created", otherwise "running".
/// </summary>
internal sealed class ContainerState
{
    public const string FileName = "state.json", FifoName = "exec.fifo";
    /// <summary>The OCI runtime-spec version whose state format this follows.</summary>
    public const string OciVersion = "1.0.2";

    public required string Id { get; init; }
    public required string Bundle { get; init; }
    public required string Rootfs { get; init; }
    /// <summary>RFC 3339, UTC.</summary>
    public required string Created { get; init; }
    public int Pid { get; init; }
    /// <summary>The process's start time (field 22 of /proc/PID/stat): tells it apart from a later process with a reused pid.</summary>
    public ulong StartTicks { get; init; }
    public bool Sandbox { get; init; }
    /// <summary>The unikernel's path in the container and on the host.</summary>
    public string? Kernel { get; init; }
    public string? KernelHostPath { get; init; }
    public ulong? MemoryMb { get; init; }
    public IReadOnlyList<AttachedDevice> Devices { get; init; } = Array.Empty<AttachedDevice>();
    public IReadOnlyList<string> Cmdline { get; init; } = Array.Empty<string>();
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
    /// <summary>The network namespace the runtime set up taps in (a path; null for a new or the host's namespace).</summary>
    public string? NetNs { get; init; }
    /// <summary>Taps the runtime created, to remove at delete.</summary>
    public IReadOnlyList<string> Taps { get; init; } = Array.Empty<string>();
    /// <summary>The pod interface whose traffic is redirected to the unikernel's tap (eth0), or null.</summary>
    public string? Redirected { get; init; }

    /// <summary>created, running or stopped, for the container whose state directory is <paramref name="dir"/>.</summary>
    public string Status(string dir)
    {
        if (!ProcStat.IsAlive(Pid, StartTicks)) return "stopped";
        return File.Exists(Path.Combine(dir, FifoName)) ? "created" : "running";
    }

    public string ToJson()
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Json.IndentedOptions))
        {
            w.WriteStartObject();
            w.WriteString("id", Id);
            w.WriteString("bundle", Bundle);
            w.WriteString("rootfs", Rootfs);
            w.WriteString("created", Created);
            w.WriteNumber("pid", Pid);
            w.WriteNumber("startTicks", StartTicks);
            w.WriteBoolean("sandbox", Sandbox);
            if (Kernel is not null) w.WriteString("kernel", Kernel);
            if (KernelHostPath is not null) w.WriteString("kernelHostPath", KernelHostPath);
            if (MemoryMb is ulong mem) w.WriteNumber("mem", mem);
            w.WriteStartArray("devices");
            foreach (var d in Devices)
            {
                w.WriteStartObject();
                w.WriteString("name", d.Name);
                w.WriteString("type", d.Type);
                w.WriteString("backing", d.Backing);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            Json.WriteStrings(w, "cmdline", Cmdline);
            WriteAnnotations(w, Annotations);
            if (NetNs is not null) w.WriteString("netns", NetNs);
            Json.WriteStrings(w, "taps", Taps);
            if (Redirected is not null) w.WriteString("redirected", Redirected);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    public static ContainerState Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var r = doc.RootElement;
            var devices = new List<AttachedDevice>();
            if (r.TryGetProperty("devices", out var ds) && ds.ValueKind == JsonValueKind.Array)
                foreach (var d in ds.EnumerateArray())
                    devices.Add(new AttachedDevice(Json.String(d, "name", "name") ?? "", Json.String(d, "type", "type") ?? "",
                        Json.String(d, "backing", "backing") ?? ""));
            var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
            if (Json.Object(r, "annotations") is JsonElement a)
                foreach (var p in a.EnumerateObject())
                    if (p.Value.ValueKind == JsonValueKind.String) annotations[p.Name] = p.Value.GetString()!;
            return new ContainerState
            {
                Id = Json.String(r, "id", "id") ?? throw new MonitorException("no id"),
                Bundle = Json.String(r, "bundle", "bundle") ?? "",
                Rootfs = Json.String(r, "rootfs", "rootfs") ?? "",
                Created = Json.String(r, "created", "created") ?? "",
                Pid = (int)(Json.Long(r, "pid", "pid") ?? 0),
                StartTicks = r.TryGetProperty("startTicks", out var st) && st.TryGetUInt64(out ulong ticks) ? ticks : 0,
                Sandbox = Json.Bool(r, "sandbox") ?? false,
                Kernel = Json.String(r, "kernel", "kernel"),
                KernelHostPath = Json.String(r, "kernelHostPath", "kernelHostPath"),
                MemoryMb = Json.Long(r, "mem", "mem") is long m && m > 0 ? (ulong)m : null,
                Devices = devices,
                Cmdline = Json.Strings(r, "cmdline", "cmdline"),
                Annotations = annotations,
                NetNs = Json.String(r, "netns", "netns"),
                Taps = Json.Strings(r, "taps", "taps"),
                Redirected = Json.String(r, "redirected", "redirected"),
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or MonitorException)
        {
            throw new MonitorException($"corrupt {FileName}: {e.Message}");
        }
    }

    /// <summary>The runtime-spec state (runtime.md, "State"), as <c>runc state</c> prints it.</summary>
    public string OciStateJson(string status)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Json.IndentedOptions))
        {
            w.WriteStartObject();
            w.WriteString("ociVersion", OciVersion);
            w.WriteString("id", Id);
            w.WriteNumber("pid", status == "stopped" ? 0 : Pid);
            w.WriteString("status", status);
            w.WriteString("bundle", Bundle);
            w.WriteString("rootfs", Rootfs);
            w.WriteString("created", Created);
            w.WriteString("owner", "");
            WriteAnnotations(w, Annotations);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteAnnotations(Utf8JsonWriter w, IReadOnlyDictionary<string, string> annotations)
    {
        w.WriteStartObject("annotations");
        foreach (var (k, v) in annotations) w.WriteString(k, v);
        w.WriteEndObject();
    }
}
