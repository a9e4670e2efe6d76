using System;
using System.Collections.Generic;
using System.Globalization;
using Ukvm.Core;
using Ukvm.Manifest;

namespace Ukvm.Oci;

/// <summary>The pod's address as the unikernel takes it over (from eth0 and the default route).</summary>
internal sealed record PodAddress(string Address, int Prefix, string? Gateway, string Mac);

/// <summary>
/// What the monitor is to run for one container, decided from the spec, the image's ukvm.json,
/// the annotations (which win) and the unikernel's manifest (the only source of devices). Pure:
/// host paths, taps and addresses are filled in by the runtime and passed to <see cref="MonitorArgs"/>.
/// </summary>
internal sealed class LaunchPlan
{
    /// <summary>Annotations that override ukvm.json. Under CRI they must be allowed by the runtime handler's pod_annotations / container_annotations.</summary>
    public const string KernelAnnotation = "ukvm.kernel", MemAnnotation = "ukvm.mem", CmdlineAnnotation = "ukvm.cmdline",
        BlockAnnotation = "ukvm.block.", BlockReadOnlyAnnotation = "ukvm.block-ro.", NetAnnotation = "ukvm.net.";

    /// <summary>The unikernel's path inside the container.</summary>
    public string Kernel { get; private init; } = "";
    /// <summary>Guest memory in MB; null for the monitor's default.</summary>
    public ulong? MemoryMb { get; private init; }
    /// <summary>The unikernel's command line, before the pod address arguments.</summary>
    public IReadOnlyList<string> Args { get; private init; } = Array.Empty<string>();
    /// <summary>Block devices of the manifest and where their files are in the container.</summary>
    public IReadOnlyDictionary<string, BlockSource> Blocks { get; private init; } = new Dictionary<string, BlockSource>(StringComparer.Ordinal);
    /// <summary>Net devices of the manifest, in manifest order, with the tap an annotation names (null: the runtime makes one).</summary>
    public IReadOnlyList<(string Name, string? Tap)> Nets { get; private init; } = Array.Empty<(string, string?)>();
    public IReadOnlyList<string> NetArgs { get; private init; } = ImageConfig.DefaultNetArgs;

    /// <summary>The unikernel's path inside the container: annotation, then ukvm.json, then process.args[0].</summary>
    public static string KernelPath(BundleSpec spec, ImageConfig? image)
    {
        if (spec.Annotations.TryGetValue(KernelAnnotation, out var k) && k.Length > 0) return k;
        if (image is not null) return image.Kernel;
        if (spec.Args.Count > 0 && spec.Args[0].StartsWith('/')) return spec.Args[0];
        throw new MonitorException(
            $"no unikernel in this image: the root filesystem has no /{ImageConfig.FileName} (images made by 'ukvm pack' have one), " +
            $"and neither annotation {KernelAnnotation} nor process.args[0] names one");
    }

    /// <summary>Decides memory, command line and devices for the unikernel at <paramref name="kernel"/> (from <see cref="KernelPath"/>).</summary>
    public static LaunchPlan Build(BundleSpec spec, ImageConfig? image, string kernel, IEnumerable<(string Name, DeviceType Type)> devices)
    {
        var a = spec.Annotations;
        ulong? mem = image?.MemoryMb;
        if (a.TryGetValue(MemAnnotation, out var m))
            mem = ulong.TryParse(m, NumberStyles.None, CultureInfo.InvariantCulture, out ulong mb) && mb > 0 && mb <= 1 << 20
                ? mb : throw new MonitorException($"annotation {MemAnnotation}={m}: expected a whole number of megabytes");

        IReadOnlyList<string> args;
        if (a.TryGetValue(CmdlineAnnotation, out var cmdline))
            args = cmdline.Length == 0 ? Array.Empty<string>() : new[] { cmdline };
        else if (spec.Args.Count > 0)
        {
            // process.args is [kernel, args...] for images made by ukvm pack (Entrypoint = the
            // kernel, Cmd = its arguments); a CRI "command" or ctr's arguments replace it.
            int skip = SamePath(spec.Args[0], kernel) || image is not null && SamePath(spec.Args[0], image.Kernel) ? 1 : 0;
            var list = new List<string>();
            for (int i = skip; i < spec.Args.Count; i++) list.Add(spec.Args[i]);
            args = list;
        }
        else args = image?.Args ?? Array.Empty<string>();

        var blocks = new Dictionary<string, BlockSource>(StringComparer.Ordinal);
        var nets = new List<(string, string?)>();
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, type) in devices)
        {
            known.Add(name);
            if (type == DeviceType.BlockBasic)
            {
                if (a.TryGetValue(BlockReadOnlyAnnotation + name, out var ro)) blocks[name] = new BlockSource(ro, true);
                else if (a.TryGetValue(BlockAnnotation + name, out var rw)) blocks[name] = new BlockSource(rw, false);
                else if (image is not null && image.Block.TryGetValue(name, out var src)) blocks[name] = src;
                else throw new MonitorException(
                    $"block device '{name}' of the unikernel's manifest has no file: give it in /{ImageConfig.FileName} " +
                    $"(\"block\": {{\"{name}\": {{\"path\": ...}}}}, ukvm pack --block {name}=PATH) or annotation {BlockAnnotation}{name}=PATH");
            }
            else if (type == DeviceType.NetBasic)
                nets.Add((name, a.TryGetValue(NetAnnotation + name, out var tap) && tap.Length > 0 ? tap : null));
        }
        foreach (var key in a.Keys)
            foreach (var prefix in new[] { BlockAnnotation, BlockReadOnlyAnnotation, NetAnnotation })
                if (key.StartsWith(prefix, StringComparison.Ordinal) && !known.Contains(key[prefix.Length..]))
                    throw new MonitorException($"annotation {key}: the unikernel's manifest declares no device '{key[prefix.Length..]}'");
        if (image is not null)
            foreach (var name in image.Block.Keys)
                if (!known.Contains(name))
                    throw new MonitorException($"/{ImageConfig.FileName}: block device '{name}' is not in the unikernel's manifest");

        return new LaunchPlan
        {
            Kernel = kernel, MemoryMb = mem, Args = args, Blocks = blocks, Nets = nets,
            NetArgs = image?.NetArgs ?? ImageConfig.DefaultNetArgs,
        };
    }

    /// <summary>
    /// The monitor's command line: --mem, the devices, then <c>-- KERNEL ARGS</c> with the pod
    /// address arguments (from <see cref="NetArgs"/>) after the image's own.
    /// </summary>
    public List<string> MonitorArgs(string hostKernel, IReadOnlyDictionary<string, (string Path, bool ReadOnly)> hostBlocks,
        IReadOnlyList<(string Name, string Tap, string? Mac)> taps, PodAddress? pod)
    {
        var list = new List<string>();
        if (MemoryMb is ulong mem) list.Add($"--mem={mem}");
        foreach (var (name, (path, ro)) in hostBlocks)
            list.Add($"--block{(ro ? "-ro" : "")}:{name}={path}");
        foreach (var (name, tap, mac) in taps)
        {
            list.Add($"--net:{name}={tap}");
            if (mac is not null) list.Add($"--net-mac:{name}={mac}");
        }
        list.Add("--");
        list.Add(hostKernel);
        list.AddRange(Args);
        if (pod is not null) list.AddRange(ExpandNetArgs(NetArgs, pod));
        return list;
    }

    /// <summary>Replaces {addr} {prefix} {gateway} {mac}; drops arguments naming {gateway} when there is none.</summary>
    public static List<string> ExpandNetArgs(IReadOnlyList<string> templates, PodAddress pod)
    {
        var list = new List<string>();
        foreach (var t in templates)
        {
            if (pod.Gateway is null && t.Contains("{gateway}", StringComparison.Ordinal)) continue;
            list.Add(t.Replace("{addr}", pod.Address, StringComparison.Ordinal)
                      .Replace("{prefix}", pod.Prefix.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                      .Replace("{gateway}", pod.Gateway ?? "", StringComparison.Ordinal)
                      .Replace("{mac}", pod.Mac, StringComparison.Ordinal));
        }
        return list;
    }

    private static bool SamePath(string a, string b) => Normalize(a) == Normalize(b);

    /// <summary>A container path with "//", "/./" and "dir/.." folded (never above "/").</summary>
    public static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (var p in path.Split('/'))
        {
            if (p.Length == 0 || p == ".") continue;
            if (p == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(p);
        }
        return "/" + string.Join('/', parts);
    }
}
