using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using Ukvm.Core;
using Ukvm.Manifest;

namespace Ukvm.Oci;

/// <summary>Where a block device's backing file is, as a path inside the container.</summary>
internal readonly record struct BlockSource(string Path, bool ReadOnly);

/// <summary>
/// <c>/ukvm.json</c> at the root of a unikernel image: which file is the unikernel, its memory,
/// its command line, where its block devices' files are (paths inside the container: the image's
/// own files or volumes mounted there), and how it is told its pod address. Written by
/// <c>ukvm pack</c>, read by the runtime's create. Devices themselves come from the unikernel's
/// manifest, never from here.
/// <code>
/// { "type": "ukvm.image", "version": 1, "kernel": "/unikernel/http.hvt", "mem": 32,
///   "args": ["--port=80"], "block": { "storage": { "path": "/data/disk.img", "readOnly": false } },
///   "netArgs": ["--ipv4={addr}/{prefix}", "--ipv4-gateway={gateway}"] }
/// </code>
/// </summary>
internal sealed class ImageConfig
{
    public const string FileName = "ukvm.json", Type = "ukvm.image";
    public const int Version = 1;

    /// <summary>
    /// How a unikernel learns its pod address when "netArgs" is absent: the MirageOS / lwIP
    /// convention that the SDK's network stack follows. {addr} {prefix} {gateway} {mac} are
    /// replaced; an argument naming {gateway} is left out when the pod has no default route.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultNetArgs = new[] { "--ipv4={addr}/{prefix}", "--ipv4-gateway={gateway}" };

    public string Kernel { get; init; } = "";
    public ulong? MemoryMb { get; init; }
    public IReadOnlyList<string> Args { get; init; } = Array.Empty<string>();
    public IReadOnlyDictionary<string, BlockSource> Block { get; init; } = new Dictionary<string, BlockSource>(StringComparer.Ordinal);
    public IReadOnlyList<string> NetArgs { get; init; } = DefaultNetArgs;

    public static ImageConfig Parse(string json, string origin)
    {
        // A string with a lone surrogate escape makes JsonElement throw InvalidOperationException.
        try { return ParseDocument(json, origin); }
        catch (InvalidOperationException e) { throw Bad(origin, $"not valid JSON text ({e.Message})"); }
    }

    private static ImageConfig ParseDocument(string json, string origin)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw Bad(origin, $"not valid JSON ({e.Message})"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad(origin, "top level is not an object");
            try
            {
                if (Json.String(root, "type", "\"type\"") is string t && t != Type)
                    throw Bad(origin, $"\"type\" is '{t}', expected '{Type}'");
                if (Json.Long(root, "version", "\"version\"") is long v && v != Version)
                    throw Bad(origin, $"version {v}, this ukvm reads version {Version}");
                string kernel = Json.String(root, "kernel", "\"kernel\"") ?? throw Bad(origin, "no \"kernel\" (the unikernel's path in the image)");
                if (kernel.Length == 0) throw Bad(origin, "\"kernel\" is empty");
                ulong? mem = null;
                if (Json.Long(root, "mem", "\"mem\"") is long m)
                    mem = m > 0 ? (ulong)m : throw Bad(origin, $"\"mem\" of {m} MB: expected a positive number of megabytes");
                var block = new Dictionary<string, BlockSource>(StringComparer.Ordinal);
                if (root.TryGetProperty("block", out var b) && b.ValueKind != JsonValueKind.Null)
                {
                    if (b.ValueKind != JsonValueKind.Object) throw Bad(origin, "\"block\" must be an object: device name to { \"path\": ... }");
                    foreach (var p in b.EnumerateObject())
                    {
                        if (!AppManifest.IsValidName(p.Name)) throw Bad(origin, $"block device name '{p.Name}' must be 1 to {AppManifest.MaxNameLength} letters and digits");
                        if (p.Value.ValueKind != JsonValueKind.Object) throw Bad(origin, $"block device '{p.Name}' must be an object with a \"path\"");
                        string path = Json.String(p.Value, "path", $"block.{p.Name}.path") ?? throw Bad(origin, $"block device '{p.Name}' has no \"path\"");
                        block[p.Name] = new BlockSource(path, Json.Bool(p.Value, "readOnly") ?? false);
                    }
                }
                IReadOnlyList<string> netArgs = root.TryGetProperty("netArgs", out var na) && na.ValueKind != JsonValueKind.Null
                    ? Json.Strings(root, "netArgs", "\"netArgs\"") : DefaultNetArgs;
                return new ImageConfig
                {
                    Kernel = kernel, MemoryMb = mem, Args = Json.Strings(root, "args", "\"args\""), Block = block, NetArgs = netArgs,
                };
            }
            catch (MonitorException e) when (!e.Message.StartsWith(origin, StringComparison.Ordinal))
            {
                throw Bad(origin, e.Message);
            }
        }
    }

    /// <summary>The file as <c>ukvm pack</c> writes it (indented, members in a fixed order).</summary>
    public string ToJson()
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Json.IndentedOptions))
        {
            w.WriteStartObject();
            w.WriteString("type", Type);
            w.WriteNumber("version", Version);
            w.WriteString("kernel", Kernel);
            if (MemoryMb is ulong mem) w.WriteNumber("mem", mem);
            Json.WriteStrings(w, "args", Args);
            if (Block.Count > 0)
            {
                w.WriteStartObject("block");
                foreach (var (name, src) in Block)
                {
                    w.WriteStartObject(name);
                    w.WriteString("path", src.Path);
                    w.WriteBoolean("readOnly", src.ReadOnly);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            if (!ReferenceEquals(NetArgs, DefaultNetArgs)) Json.WriteStrings(w, "netArgs", NetArgs);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static MonitorException Bad(string origin, string why) => new($"{origin}: {why}");
}
