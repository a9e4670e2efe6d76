using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using Ukvm.Core;

namespace Ukvm.Oci;

/// <summary>How the container's network namespace is given in the spec (linux.namespaces).</summary>
internal enum NetworkMode
{
    /// <summary>No "network" entry: the host's namespace (ctr run --net-host, hostNetwork pods).</summary>
    Host,
    /// <summary>A "network" entry without a path: a new, empty namespace (ctr run's default).</summary>
    New,
    /// <summary>A "network" entry with a path: join it (a CRI pod's namespace).</summary>
    Join,
}

/// <summary>One entry of the spec's mounts.</summary>
/// <remarks>
/// A class, not a record: a record's generated equality over a list field makes NativeAOT keep
/// virtual object.Equals for every type, and with it the runtime type loader (about 100 KB).
/// </remarks>
internal sealed class SpecMount(string destination, string? source, string? type, IReadOnlyList<string> options)
{
    public string Destination { get; } = destination;
    public string? Source { get; } = source;
    public string? Type { get; } = type;
    public IReadOnlyList<string> Options { get; } = options;

    /// <summary>A bind mount: a host file or directory seen at <see cref="Destination"/> (volumes are these).</summary>
    public bool IsBind => Type == "bind" || Json.Has(Options, "bind") || Json.Has(Options, "rbind");

    public bool ReadOnly => Json.Has(Options, "ro");
}

/// <summary>
/// The parts of an OCI runtime bundle's config.json (runtime-spec config.md) that a unikernel
/// runtime uses: process args and terminal, root, mounts, annotations, the network namespace,
/// and whether this is a CRI pod sandbox. Everything else (user, capabilities, rlimits, seccomp,
/// other namespaces) describes a Linux process and does not apply to a unikernel.
/// </summary>
internal sealed class BundleSpec
{
    /// <summary>The annotation CRI (containerd) and CRI-O put on a pod's sandbox container.</summary>
    public const string CriContainerType = "io.kubernetes.cri.container-type", CrioContainerType = "io.kubernetes.cri-o.ContainerType";

    public string OciVersion { get; private init; } = "";
    public IReadOnlyList<string> Args { get; private init; } = Array.Empty<string>();
    public bool Terminal { get; private init; }
    /// <summary>The root filesystem, absolute (root.path is relative to the bundle).</summary>
    public string RootPath { get; private init; } = "";
    public bool RootReadOnly { get; private init; }
    public IReadOnlyList<SpecMount> Mounts { get; private init; } = Array.Empty<SpecMount>();
    public IReadOnlyDictionary<string, string> Annotations { get; private init; } = new Dictionary<string, string>(StringComparer.Ordinal);
    public NetworkMode Network { get; private init; }
    public string? NetworkPath { get; private init; }

    /// <summary>A pod's sandbox ("pause") container, which only holds the pod's namespaces.</summary>
    public bool IsSandbox =>
        Annotations.TryGetValue(CriContainerType, out var t) && t == "sandbox"
        || Annotations.TryGetValue(CrioContainerType, out var c) && c == "sandbox";

    /// <summary>Reads <c>BUNDLE/config.json</c>.</summary>
    public static BundleSpec Load(string bundle)
    {
        string path = Path.Combine(bundle, "config.json");
        string json;
        try { json = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new MonitorException($"cannot read {path}: {IoErrors.Describe(e)}"); }
        return Parse(json, bundle);
    }

    /// <summary>Parses a config.json; <paramref name="bundle"/> anchors a relative root.path.</summary>
    public static BundleSpec Parse(string json, string bundle)
    {
        // A string with a lone surrogate escape makes JsonElement throw InvalidOperationException.
        try { return ParseDocument(json, bundle); }
        catch (InvalidOperationException e) { throw Bad($"not valid JSON text ({e.Message})"); }
        catch (ArgumentException) { throw Bad("a path in it is not a valid path (a NUL character?)"); }
    }

    private static BundleSpec ParseDocument(string json, string bundle)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw Bad($"not valid JSON ({e.Message})"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad("top level is not an object");

            var args = new List<string>();
            bool terminal = false;
            if (Json.Object(root, "process") is JsonElement process)
            {
                args.AddRange(Json.Strings(process, "args", "process.args"));
                terminal = Json.Bool(process, "terminal") ?? false;
            }

            string rootPath = "rootfs";
            bool rootReadOnly = false;
            if (Json.Object(root, "root") is JsonElement r)
            {
                rootPath = Json.String(r, "path", "root.path") ?? rootPath;
                rootReadOnly = Json.Bool(r, "readonly") ?? false;
            }
            if (!Path.IsPathRooted(rootPath)) rootPath = Path.GetFullPath(Path.Combine(bundle, rootPath));

            var mounts = new List<SpecMount>();
            if (root.TryGetProperty("mounts", out var ms) && ms.ValueKind == JsonValueKind.Array)
                foreach (var m in ms.EnumerateArray())
                {
                    if (m.ValueKind != JsonValueKind.Object) throw Bad("a mount is not an object");
                    string dest = Json.String(m, "destination", "mounts[].destination") ?? throw Bad("a mount has no destination");
                    mounts.Add(new SpecMount(dest, Json.String(m, "source", "mounts[].source"), Json.String(m, "type", "mounts[].type"),
                        Json.Strings(m, "options", "mounts[].options")));
                }

            var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
            if (Json.Object(root, "annotations") is JsonElement ann)
                foreach (var p in ann.EnumerateObject())
                    if (p.Value.ValueKind == JsonValueKind.String) annotations[p.Name] = p.Value.GetString()!;

            var network = NetworkMode.Host;
            string? networkPath = null;
            if (Json.Object(root, "linux") is JsonElement linux
                && linux.TryGetProperty("namespaces", out var nss) && nss.ValueKind == JsonValueKind.Array)
                foreach (var ns in nss.EnumerateArray())
                {
                    if (ns.ValueKind != JsonValueKind.Object || Json.String(ns, "type", "namespaces[].type") != "network") continue;
                    networkPath = Json.String(ns, "path", "namespaces[].path");
                    if (networkPath == "") networkPath = null;
                    network = networkPath is null ? NetworkMode.New : NetworkMode.Join;
                }

            return new BundleSpec
            {
                OciVersion = Json.String(root, "ociVersion", "ociVersion") ?? "",
                Args = args, Terminal = terminal, RootPath = rootPath, RootReadOnly = rootReadOnly,
                Mounts = mounts, Annotations = annotations, Network = network, NetworkPath = networkPath,
            };
        }
    }

    private static MonitorException Bad(string why) => new($"config.json: {why}");
}
