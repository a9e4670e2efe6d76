using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using Ukvm.Core;
using Ukvm.Elf;
using Ukvm.Manifest;
using Ukvm.Oci;

namespace Ukvm.Cli;

/// <summary>
/// <c>ukvm inspect KERNEL [--json]</c>: what solo5-elftool query-abi and query-manifest tell,
/// and more: the machine, the ABI target and version, the entry point, the loadable segments
/// with their rights, where the image ends and the least --mem that holds it, and the manifest's
/// devices. The image goes through the monitor's own parsers (<see cref="ElfImage.Parse"/>,
/// <see cref="AppManifest.Parse"/>), for either machine, so what inspect accepts the monitor
/// accepts, and a broken image gets the monitor's own one-line reason.
/// </summary>
internal static class Inspect
{
    /// <summary>Guest memory granule (2 MiB on x86_64 and AArch64) and the stack page below its top.</summary>
    private const ulong Granule = 2UL << 20, PageSize = 4096;

    /// <summary>The facts about one image.</summary>
    internal sealed class Report(string file, long size, string machine, ulong entry, IReadOnlyList<ElfSegment> segments,
        ulong kernelEnd, ulong minMemoryMb, IReadOnlyList<(string Name, string Type)> devices)
    {
        public string File { get; } = file;
        public long Size { get; } = size;
        public string Machine { get; } = machine;
        public ulong Entry { get; } = entry;
        public IReadOnlyList<ElfSegment> Segments { get; } = segments;
        public ulong KernelEnd { get; } = kernelEnd;
        public ulong MinMemoryMb { get; } = minMemoryMb;
        public IReadOnlyList<(string Name, string Type)> Devices { get; } = devices;

        public string AbiTarget => "hvt";
        public uint AbiTargetId => ElfImage.AbiTargetHvt;
        public uint AbiVersion => ElfImage.AbiVersionHvt;
        public uint ManifestVersion => AppManifest.Version;
    }

    public static int Run(string[] args)
    {
        bool json = false;
        string? file = null;
        foreach (var a in args)
        {
            if (a == "--json") json = true;
            else if (a.StartsWith('-') && a.Length > 1) throw new MonitorException($"unknown option '{a}': usage: ukvm inspect KERNEL [--json]");
            else if (file is null) file = a;
            else throw new MonitorException($"unexpected argument '{a}': usage: ukvm inspect KERNEL [--json]");
        }
        if (file is null) throw new MonitorException("usage: ukvm inspect KERNEL [--json]");
        byte[] bytes;
        try { bytes = System.IO.File.ReadAllBytes(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new MonitorException($"cannot read unikernel '{file}': {IoErrors.Describe(e)}"); }
        var report = Analyze(file, bytes);
        Log.Out(json ? ToJson(report) : ToText(report));
        return 0;
    }

    /// <summary>Parses <paramref name="bytes"/> for the machine its header names (x86_64 or AArch64).</summary>
    public static Report Analyze(string file, byte[] bytes)
    {
        // e_machine is at offset 18; ElfImage.Parse checks the rest, and refuses other machines.
        ushort machine = bytes.Length >= 20 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(18)) : (ushort)0;
        if (machine != ElfImage.MachineAarch64) machine = ElfImage.MachineX86_64;
        var image = ElfImage.Parse(bytes, machine);
        var manifest = AppManifest.Parse(image.ManifestNote);
        ulong end = 0;
        foreach (var s in image.Segments) end = Math.Max(end, s.End);
        ulong kernelEnd = (end + PageSize - 1) & ~(PageSize - 1);
        // The stack starts at the top of guest memory: at least one page above the image.
        ulong minMemory = (kernelEnd + PageSize + Granule - 1) / Granule * Granule;
        var devices = new List<(string, string)>();
        foreach (var d in manifest.Devices) devices.Add((d.Name, d.TypeName));
        return new Report(file, bytes.LongLength, machine == ElfImage.MachineAarch64 ? "aarch64" : "x86_64",
            image.Entry, image.Segments, kernelEnd, minMemory >> 20, devices);
    }

    public static string Flags(ElfSegment s) =>
        $"{(s.Readable ? 'R' : '-')}{(s.Writable ? 'W' : '-')}{(s.Executable ? 'X' : '-')}";

    public static string ToText(Report r)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("file:       ").Append(r.File).Append(" (").Append(r.Size.ToString(inv)).Append(" bytes)\n");
        sb.Append("machine:    ").Append(r.Machine).Append('\n');
        sb.Append("abi:        Solo5 ").Append(r.AbiTarget).Append(" (target ").Append(r.AbiTargetId.ToString(inv))
          .Append("), version ").Append(r.AbiVersion.ToString(inv)).Append('\n');
        sb.Append("entry:      0x").Append(r.Entry.ToString("x", inv)).Append('\n');
        sb.Append("kernel end: 0x").Append(r.KernelEnd.ToString("x", inv)).Append(" (needs --mem=")
          .Append(r.MinMemoryMb.ToString(inv)).Append(" or more)\n");
        sb.Append("segments:\n");
        sb.Append("  ADDRESS             FILESZ      MEMSZ       FLAGS\n");
        foreach (var s in r.Segments)
            sb.Append("  0x").Append(s.Address.ToString("x16", inv)).Append("  0x").Append(s.FileSize.ToString("x8", inv))
              .Append("  0x").Append(s.MemSize.ToString("x8", inv)).Append("  ").Append(Flags(s)).Append('\n');
        sb.Append("manifest:   version ").Append(r.ManifestVersion.ToString(inv)).Append(", ")
          .Append(r.Devices.Count.ToString(inv)).Append(r.Devices.Count == 1 ? " device\n" : " devices\n");
        foreach (var (name, type) in r.Devices)
            sb.Append("  ").Append(name.PadRight(20)).Append(' ').Append(type).Append('\n');
        return sb.ToString();
    }

    public static string ToJson(Report r)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Json.IndentedOptions))
        {
            w.WriteStartObject();
            w.WriteString("file", r.File);
            w.WriteNumber("size", r.Size);
            w.WriteString("machine", r.Machine);
            w.WriteStartObject("abi");
            w.WriteString("target", r.AbiTarget);
            w.WriteNumber("targetId", r.AbiTargetId);
            w.WriteNumber("version", r.AbiVersion);
            w.WriteEndObject();
            w.WriteNumber("entry", r.Entry);
            w.WriteNumber("kernelEnd", r.KernelEnd);
            w.WriteNumber("minMemMb", r.MinMemoryMb);
            w.WriteStartArray("segments");
            foreach (var s in r.Segments)
            {
                w.WriteStartObject();
                w.WriteNumber("address", s.Address);
                w.WriteNumber("fileOffset", s.FileOffset);
                w.WriteNumber("fileSize", s.FileSize);
                w.WriteNumber("memSize", s.MemSize);
                w.WriteString("flags", Flags(s));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("manifest");
            w.WriteNumber("version", r.ManifestVersion);
            w.WriteStartArray("devices");
            foreach (var (name, type) in r.Devices)
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                w.WriteString("type", type);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
