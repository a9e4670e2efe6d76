using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;
using Ukvm.Abi;
using Ukvm.Cli;
using Ukvm.Core;
using Ukvm.Elf;
using Ukvm.Manifest;

namespace Ukvm.Tests.Fuzz;

/// <summary>
/// The fuzz targets, shared by the AFL++ harness (tests/Ukvm.Fuzz links this file) and the
/// fixture tests in this folder (which replay every crash the fuzzer found). Each target feeds
/// hostile bytes to one parser: a <see cref="MonitorException"/> is the parser refusing them, as
/// it must; any other exception (index out of range, overflow, null, invalid operation, ...) or
/// a broken invariant is a bug and escapes to the caller, which AFL reports as a crash.
/// </summary>
public static class FuzzTargets
{
    /// <summary>Guest memory the image target loads into: 8 MiB (a 2 MiB multiple, as the monitor uses).</summary>
    public const ulong ImageMemory = 8 << 20;

    /// <summary>Thrown when a parser accepted its input but broke one of its own promises.</summary>
    public sealed class InvariantException : Exception
    {
        public InvariantException(string message) : base(message) { }
    }

    public static readonly string[] Names = { "image", "manifest", "genmanifest", "bundlespec", "imageconfig", "tcpjoin" };

    /// <summary>Runs target <paramref name="name"/> on <paramref name="input"/>.</summary>
    public static void Run(string name, ReadOnlySpan<byte> input)
    {
        switch (name)
        {
            case "image": Image(input); break;
            case "manifest": Manifest(input); break;
            case "genmanifest": GenManifestJson(input); break;
            case "bundlespec": BundleSpecJson(input); break;
            case "imageconfig": ImageConfigJson(input); break;
            case "tcpjoin": TcpJoin(input); break;
            default: throw new ArgumentException($"unknown fuzz target '{name}'");
        }
    }

    /// <summary>
    /// A unikernel file as the monitor reads it: ElfImage.Parse, then AppManifest.Parse of its
    /// MFT1 note, then ElfLoader.Load into 8 MiB of real (mmap'ed) guest memory.
    /// </summary>
    public static void Image(ReadOnlySpan<byte> file)
    {
        ElfImage image;
        try { image = ElfImage.Parse(file, ElfImage.MachineX86_64); }
        catch (MonitorException) { return; }

        Check(image.Segments.Count > 0, "an accepted image has no loadable segment");
        ulong prevEnd = 0;
        bool entryOk = false;
        foreach (var s in image.Segments)
        {
            Check(s.MemSize > 0 && s.FileSize <= s.MemSize, $"segment at 0x{s.Address:x}: file size {s.FileSize} > memory size {s.MemSize}");
            Check(s.End > s.Address, $"segment at 0x{s.Address:x} wraps around");
            Check(s.Address >= prevEnd, $"segment at 0x{s.Address:x} overlaps the one before");
            Check(!(s.Writable && s.Executable), $"segment at 0x{s.Address:x} is W+X");
            Check(s.FileOffset <= (ulong)file.Length && s.FileSize <= (ulong)file.Length - s.FileOffset,
                $"segment at 0x{s.Address:x} lies outside the file");
            entryOk |= s.Executable && image.Entry >= s.Address && image.Entry < s.End;
            prevEnd = s.End;
        }
        Check(entryOk, $"entry 0x{image.Entry:x} is not in an executable segment");

        try { AppManifest.Parse(image.ManifestNote); }
        catch (MonitorException) { }

        using var memory = GuestMemory.Allocate(ImageMemory);
        ulong kernelEnd;
        try { kernelEnd = ElfLoader.Load(image, file, memory, HvtAbi.GuestMinBase); }
        catch (MonitorException) { return; }

        Check(kernelEnd % GuestMemory.PageSize == 0 && kernelEnd <= memory.Size && kernelEnd >= prevEnd,
            $"kernel_end 0x{kernelEnd:x} is wrong (image ends at 0x{prevEnd:x})");
        foreach (var s in image.Segments)
        {
            Check(s.Address >= HvtAbi.GuestMinBase, $"segment at 0x{s.Address:x} loaded below 0x100000");
            Check(memory.Bytes(s.Address, s.FileSize).SequenceEqual(file.Slice((int)s.FileOffset, (int)s.FileSize)),
                $"segment at 0x{s.Address:x}: guest memory does not hold the file's bytes");
            // A writable segment stays writable for the monitor, and a read-only one (pages it shares
            // with no writable segment) is refused.
            if (s.Writable)
                Check(memory.IsWritable(s.Address, s.MemSize), $"writable segment at 0x{s.Address:x} is read-only");
        }
        // The memory slots cover guest memory exactly, in order, without gaps or overlaps.
        ulong pos = 0;
        foreach (var (start, length, _) in memory.Slots())
        {
            Check(start == pos && length > 0 && start % GuestMemory.PageSize == 0 && length % GuestMemory.PageSize == 0,
                $"memory slot 0x{start:x}+0x{length:x} after 0x{pos:x}");
            pos = start + length;
        }
        Check(pos == memory.Size, $"memory slots end at 0x{pos:x}, not 0x{memory.Size:x}");
    }

    /// <summary>A manifest note's descriptor: AppManifest.Parse, then the guest copy of what it accepted.</summary>
    public static void Manifest(ReadOnlySpan<byte> note)
    {
        AppManifest m;
        try { m = AppManifest.Parse(note); }
        catch (MonitorException) { return; }
        Check(m.Entries.Count >= 1 && m.Entries.Count <= AppManifest.MaxEntries, $"{m.Entries.Count} entries accepted");
        Check(m.Size == note.Length, $"manifest size {m.Size} != note length {note.Length}");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in m.Devices)
        {
            Check(AppManifest.IsValidName(d.Name), $"device name '{d.Name}' accepted");
            Check(names.Add(d.Name), $"device name '{d.Name}' accepted twice");
            Check(d.Type is DeviceType.BlockBasic or DeviceType.NetBasic, $"device type {(uint)d.Type} accepted");
            Check(ReferenceEquals(m.Find(d.Name), d), $"Find('{d.Name}') does not return it");
        }
        var copy = new byte[m.Size + 16];
        m.WriteGuestCopy(copy);
        Check(BinaryPrimitives.ReadUInt32LittleEndian(copy) == AppManifest.Version
              && BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(4)) == (uint)m.Entries.Count,
            "guest copy header differs");
        Check(copy.AsSpan(m.Size).IndexOfAnyExcept((byte)0) < 0, "guest copy writes past its size");
        // The names and types the guest sees are the image's.
        for (int i = 0; i < m.Entries.Count; i++)
        {
            var e = copy.AsSpan(AppManifest.HeaderSize + i * AppManifest.EntrySize, AppManifest.EntrySize);
            var src = note.Slice(AppManifest.HeaderSize + i * AppManifest.EntrySize, AppManifest.EntrySize);
            var name = new byte[68];
            Encoding.ASCII.GetBytes(m.Entries[i].Name, name);
            int len = src[..68].IndexOf((byte)0);
            Check(e[..68].SequenceEqual(name) && src[..len].SequenceEqual(name.AsSpan(0, len)),
                $"entry {i}: guest copy of the name differs");
            Check(e.Slice(68, 4).SequenceEqual(src.Slice(68, 4)), $"entry {i}: guest copy of the type differs");
        }
    }

    /// <summary>
    /// <c>ukvm gen-manifest</c>'s input: the JSON manifest (UTF-8 bytes as File.ReadAllText reads
    /// them), then the C source for what it accepted.
    /// </summary>
    public static void GenManifestJson(ReadOnlySpan<byte> bytes)
    {
        string json = Text(bytes);
        List<(string Name, DeviceType Type)> devices;
        try { devices = GenManifest.Parse(json, "fuzz.json"); }
        catch (MonitorException) { return; }
        // What GenManifest.Run does with a JSON string holding a lone surrogate escape (one line).
        catch (InvalidOperationException) { return; }
        Check(devices.Count <= AppManifest.MaxEntries - 1, $"{devices.Count} devices accepted");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, type) in devices)
        {
            Check(AppManifest.IsValidName(name), $"device name '{name}' accepted");
            Check(names.Add(name), $"device name '{name}' accepted twice");
            Check(type is DeviceType.BlockBasic or DeviceType.NetBasic, $"device type {(uint)type} accepted");
        }
        string c = GenManifest.ToC(devices, "fuzz*/.json");
        Check(c.IndexOf("*/", StringComparison.Ordinal) == c.LastIndexOf("*/", StringComparison.Ordinal),
            "the file name ends the C comment early");
    }

    /// <summary>Bytes as File.ReadAllText reads them: UTF-8 with replacement characters, a BOM dropped.</summary>
    private static string Text(ReadOnlySpan<byte> bytes) =>
        new System.IO.StreamReader(new System.IO.MemoryStream(bytes.ToArray()), Encoding.UTF8, true).ReadToEnd();

    /// <summary>An OCI bundle's config.json (ukvm as a container runtime: the bundle is the caller's, hostile).</summary>
    public static void BundleSpecJson(ReadOnlySpan<byte> bytes)
    {
        try { global::Ukvm.Oci.BundleSpec.Parse(Text(bytes), "/bundle"); }
        catch (MonitorException) { }
    }

    /// <summary>/ukvm.json inside a container image (the image's author is hostile).</summary>
    public static void ImageConfigJson(ReadOnlySpan<byte> bytes)
    {
        try { global::Ukvm.Oci.ImageConfig.Parse(Text(bytes), "/ukvm.json"); }
        catch (MonitorException) { }
    }

    /// <summary>
    /// Frames a guest queued in the network ring, joined as the monitor joins them
    /// (TcpCoalescer.Plan, then WriteHeader): the input is up to 64 frames, each a 16-bit
    /// little-endian length (taken modulo 1515, as the ring refuses longer ones) and its bytes.
    /// The joined frame must be a GSO TCPv4 frame within 64 KiB whose header matches its parts.
    /// </summary>
    public static void TcpJoin(ReadOnlySpan<byte> input)
    {
        const int Stride = 2048;
        using var memory = GuestMemory.Allocate(2 << 20);
        var frames = new List<Ukvm.Modules.Net.FrameRef>();
        while (input.Length >= 2 && frames.Count < Ukvm.Modules.Net.NetRing.MaxRun)
        {
            int len = BinaryPrimitives.ReadUInt16LittleEndian(input) % 1515;
            input = input[2..];
            len = Math.Min(len, input.Length);
            ulong gpa = (ulong)(frames.Count * Stride);
            input[..len].CopyTo(memory.Bytes(gpa, (ulong)len));
            input = input[len..];
            if (len >= 14)
                frames.Add(new Ukvm.Modules.Net.FrameRef(gpa, (uint)len));
        }
        if (frames.Count == 0)
            return;
        var refs = frames.ToArray();
        int count = Ukvm.Modules.Net.TcpCoalescer.Plan(memory, refs, Ukvm.Modules.Net.NetRing.MaxRun,
            out var first, out var last, out int total);
        Check(count >= 1 && count <= refs.Length, $"joined {count} of {refs.Length} frames");
        if (count == 1)
            return;
        int headers = 14 + 20 + first.TcpHeader;
        Check(first.Payload > 0 && headers + total <= 65535 + 14, $"joined payload {total}, header {headers}");
        int sum = 0;
        for (int i = 0; i < count; i++)
        {
            int payload = (int)refs[i].Length - headers;
            Check(payload > 0 && payload <= first.Payload && (i == count - 1 || payload == first.Payload),
                $"frame {i} of {count}: payload {payload}, gso_size {first.Payload}");
            sum += payload;
        }
        Check(sum == total, $"payloads add up to {sum}, not {total}");
        var header = new byte[Ukvm.Modules.Net.TcpCoalescer.MaxHeader];
        int n = Ukvm.Modules.Net.TcpCoalescer.WriteHeader(memory.Bytes(refs[0].Gpa, refs[0].Length), first, last, total, header);
        Check(n == 10 + headers, $"header of {n} bytes for {headers} of headers");
        Check(header[0] == 1 && header[1] == 1, "not NEEDS_CSUM + GSO_TCPV4");
        Check(BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(2)) == headers
            && BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(4)) == first.Payload, "hdr_len or gso_size wrong");
        var ip = header.AsSpan(10 + 14, 20);
        Check(ip[0] == 0x45 && ip[9] == 6 && BinaryPrimitives.ReadUInt16BigEndian(ip[2..]) == 20 + first.TcpHeader + total,
            "IPv4 header of the joined frame");
        uint ipSum = 0;
        for (int i = 0; i < 20; i += 2) ipSum += BinaryPrimitives.ReadUInt16BigEndian(ip[i..]);
        while (ipSum >> 16 != 0) ipSum = (ipSum & 0xffff) + (ipSum >> 16);
        Check(ipSum == 0xffff, "IPv4 header checksum");
    }

    /// <summary>An Ethernet/IPv4/TCP data segment (10.0.0.2:80 to 10.0.0.1:40000, ACK), for seeds and tests.</summary>
    public static byte[] TcpSegment(uint seq, int payload, bool psh = false, byte[]? options = null)
    {
        options ??= Array.Empty<byte>();
        int tcpHeader = 20 + options.Length;
        var f = new byte[14 + 20 + tcpHeader + payload];
        new byte[] { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0 }.CopyTo(f, 0);
        var ip = f.AsSpan(14);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + tcpHeader + payload));
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000);
        ip[8] = 64;
        ip[9] = 6;
        new byte[] { 10, 0, 0, 2, 10, 0, 0, 1 }.CopyTo(ip[12..]);
        var tcp = ip[20..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, 80);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], 40000);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], 5000);
        tcp[12] = (byte)(tcpHeader / 4 << 4);
        tcp[13] = (byte)(psh ? 0x18 : 0x10);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 8192);
        options.CopyTo(tcp[20..]);
        return f;
    }

    private static void Check(bool ok, string what)
    {
        if (!ok) throw new InvariantException(what);
    }
}
