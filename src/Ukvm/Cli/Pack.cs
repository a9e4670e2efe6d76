using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using Ukvm.Core;
using Ukvm.Elf;
using Ukvm.Manifest;
using Ukvm.Oci;

namespace Ukvm.Cli;

/// <summary>
/// <c>ukvm pack --kernel K.hvt -o IMAGE.tar [--name NAME[:TAG]] [--mem MB] [--arch amd64|arm64]
/// [--block NAME=PATH] [--block-ro NAME=PATH] [--file HOST=PATH] [--net-arg TEMPLATE | --no-net-args]
/// [-- ARGS...]</c>: an OCI image of one unikernel, for <c>ctr images import</c> (see
/// <see cref="ImageLayout"/>). The kernel is checked with the monitor's parsers first: a broken
/// image is refused here, not when the container starts.
/// </summary>
internal static class Pack
{
    public const string Usage =
        "usage: ukvm pack --kernel K.hvt -o IMAGE.tar [--name NAME[:TAG]] [--mem MB] [--arch amd64|arm64]\n" +
        "                 [--block NAME=PATH] [--block-ro NAME=PATH] [--file HOSTFILE=PATH]\n" +
        "                 [--net-arg TEMPLATE]... [--no-net-args] [-- ARGS...]";

    public static int Run(string[] args)
    {
        string? kernel = null, output = null, name = null, arch = null;
        ulong? mem = null;
        var block = new Dictionary<string, BlockSource>(StringComparer.Ordinal);
        var extra = new List<(string Host, string Path)>();
        List<string>? netArgs = null;
        var guestArgs = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string? v;
            if (args[i] == "--") { for (i++; i < args.Length; i++) guestArgs.Add(args[i]); break; }
            if ((v = RuntimeCli.Option(args, ref i, "--kernel")) is not null) kernel = v;
            else if ((v = RuntimeCli.Option(args, ref i, "-o") ?? RuntimeCli.Option(args, ref i, "--output")) is not null) output = v;
            else if ((v = RuntimeCli.Option(args, ref i, "--name")) is not null) name = v;
            else if ((v = RuntimeCli.Option(args, ref i, "--arch")) is not null) arch = v;
            else if ((v = RuntimeCli.Option(args, ref i, "--mem")) is not null)
                mem = ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out ulong mb) && mb > 0
                    ? mb : throw new MonitorException($"--mem {v}: expected a whole number of megabytes");
            else if ((v = RuntimeCli.Option(args, ref i, "--block")) is not null) AddBlock(block, v, false);
            else if ((v = RuntimeCli.Option(args, ref i, "--block-ro")) is not null) AddBlock(block, v, true);
            else if ((v = RuntimeCli.Option(args, ref i, "--file")) is not null)
            {
                int eq = v.IndexOf('=');
                if (eq <= 0 || eq == v.Length - 1 || v[eq + 1] != '/') throw new MonitorException($"--file {v}: expected HOSTFILE=/PATH/IN/IMAGE");
                extra.Add((v[..eq], v[(eq + 1)..]));
            }
            else if ((v = RuntimeCli.Option(args, ref i, "--net-arg")) is not null) (netArgs ??= new List<string>()).Add(v);
            else if (args[i] == "--no-net-args") netArgs = new List<string>();
            else throw new MonitorException($"unexpected argument '{args[i]}'\n{Usage}");
        }
        if (kernel is null || output is null) throw new MonitorException($"--kernel and -o are required\n{Usage}");

        byte[] kernelBytes = Read(kernel);
        var report = Inspect.Analyze(kernel, kernelBytes);
        string kernelArch = report.Machine == "aarch64" ? "arm64" : "amd64";
        if (arch is not null && arch != kernelArch)
            throw new MonitorException(arch is "amd64" or "arm64"
                ? $"--arch {arch}: {kernel} is built for {report.Machine} ({kernelArch})"
                : $"--arch {arch}: expected amd64 or arm64");
        if (mem is ulong m && m < report.MinMemoryMb)
            throw new MonitorException($"--mem {m}: {kernel} needs at least {report.MinMemoryMb} MB");
        var manifestBlocks = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (dev, type) in report.Devices)
            if (type == "BLOCK_BASIC") manifestBlocks.Add(dev);
        foreach (var b in block.Keys)
            if (!manifestBlocks.Contains(b))
                throw new MonitorException($"--block {b}=...: the unikernel's manifest declares no block device '{b}'");
        foreach (var (dev, type) in report.Devices)
            if (type == "BLOCK_BASIC" && !block.ContainsKey(dev))
                Log.Warning($"block device '{dev}' has no --block: give it when the container runs (annotation {LaunchPlan.BlockAnnotation}{dev}=PATH)");

        string baseName = Path.GetFileName(kernel);
        string kernelPath = ImageLayout.KernelDir + "/" + baseName;
        var config = new ImageConfig
        {
            Kernel = kernelPath, MemoryMb = mem, Args = guestArgs, Block = block,
            NetArgs = netArgs is null ? ImageConfig.DefaultNetArgs : netArgs,
        };
        var files = new List<ImageLayout.LayerFile>
        {
            new("/" + ImageConfig.FileName, Encoding.UTF8.GetBytes(config.ToJson())),
            new(kernelPath, kernelBytes, 0b111_101_101),
        };
        foreach (var (host, path) in extra) files.Add(new(path, Read(host)));

        string imageName = Reference.Normalize(name ?? "ukvm/" + Path.GetFileNameWithoutExtension(baseName).ToLowerInvariant());
        string tmp = output + ".tmp";
        PackedImage packed;
        try
        {
            using (var stream = File.Create(tmp))
                packed = ImageLayout.Write(stream, imageName, kernelArch, files, kernelPath, guestArgs);
            File.Move(tmp, output, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MonitorException($"cannot write {output}: {IoErrors.Describe(e)}");
        }
        Log.Out($"{imageName} {packed.Manifest.Digest} ({kernelArch}, {baseName}) -> {output}\n");
        return 0;
    }

    private static void AddBlock(Dictionary<string, BlockSource> block, string value, bool readOnly)
    {
        int eq = value.IndexOf('=');
        if (eq <= 0 || eq == value.Length - 1 || value[eq + 1] != '/')
            throw new MonitorException($"--block{(readOnly ? "-ro" : "")} {value}: expected NAME=/PATH/IN/CONTAINER");
        string name = value[..eq];
        if (!AppManifest.IsValidName(name)) throw new MonitorException($"--block {value}: device name must be 1 to {AppManifest.MaxNameLength} letters and digits");
        if (!block.TryAdd(name, new BlockSource(value[(eq + 1)..], readOnly))) throw new MonitorException($"--block {name} given twice");
    }

    private static byte[] Read(string path)
    {
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new MonitorException($"cannot read '{path}': {IoErrors.Describe(e)}"); }
    }
}
