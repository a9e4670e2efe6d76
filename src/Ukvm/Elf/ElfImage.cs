using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Ukvm.Core;

namespace Ukvm.Elf;

/// <summary>One PT_LOAD segment, validated against the file.</summary>
internal readonly record struct ElfSegment(ulong FileOffset, ulong FileSize, ulong Address, ulong MemSize,
    bool Readable, bool Writable, bool Executable)
{
    public ulong End => Address + MemSize;
}

/// <summary>
/// A unikernel image parsed from hostile bytes: ELF64, little-endian, ET_EXEC for one machine,
/// its PT_LOAD segments (checked against the file, each other and W^X), the entry point, and
/// the Solo5 ABI1 and MFT1 notes. Nothing here is trusted until <see cref="Parse"/> returns.
/// </summary>
internal sealed class ElfImage
{
    public const ushort MachineX86_64 = 62, MachineAarch64 = 183;
    private const uint PT_LOAD = 1, PT_NOTE = 4, PF_X = 1, PF_W = 2, PF_R = 4;
    private const int EhdrSize = 64, PhdrSize = 56, MaxPhdrs = 64;
    public const uint Abi1NoteType = 0x31494241, Mft1NoteType = 0x3154464d;
    public const uint AbiTargetHvt = 1, AbiVersionHvt = 2;

    public ulong Entry { get; }
    public IReadOnlyList<ElfSegment> Segments { get; }
    /// <summary>The MFT1 note's descriptor, internal alignment padding removed.</summary>
    public byte[] ManifestNote { get; }

    private ElfImage(ulong entry, List<ElfSegment> segments, byte[] manifest)
    {
        Entry = entry;
        Segments = segments;
        ManifestNote = manifest;
    }

    /// <summary>Validates <paramref name="file"/> as a Solo5 hvt unikernel for <paramref name="machine"/>.</summary>
    public static ElfImage Parse(ReadOnlySpan<byte> file, ushort machine)
    {
        if (file.Length < EhdrSize || file[0] != 0x7f || file[1] != (byte)'E' || file[2] != (byte)'L' || file[3] != (byte)'F')
            throw Bad("not an ELF file");
        if (file[4] != 2) throw Bad("not a 64-bit ELF file");
        if (file[5] != 1) throw Bad("not a little-endian ELF file");
        if (file[6] != 1) throw Bad("unknown ELF version");
        if (U16(file, 16) != 2) throw Bad("not an executable (ET_EXEC) ELF file");
        ushort m = U16(file, 18);
        if (m != machine)
            throw Bad($"built for machine {MachineName(m)}, this monitor runs {MachineName(machine)}");
        ulong entry = U64(file, 24), phoff = U64(file, 32);
        ushort phentsize = U16(file, 54), phnum = U16(file, 56);
        if (phentsize != PhdrSize) throw Bad($"program header size {phentsize}, expected {PhdrSize}");
        if (phnum == 0 || phnum > MaxPhdrs) throw Bad($"{phnum} program headers (1 to {MaxPhdrs} allowed)");
        if (!InFile(file, phoff, (ulong)phnum * PhdrSize)) throw Bad("program headers lie outside the file");

        var segments = new List<ElfSegment>();
        byte[]? manifest = null;
        bool abiSeen = false;
        for (int i = 0; i < phnum; i++)
        {
            var ph = file.Slice((int)phoff + i * PhdrSize, PhdrSize);
            uint type = U32(ph, 0), flags = U32(ph, 4);
            ulong offset = U64(ph, 8), vaddr = U64(ph, 16), paddr = U64(ph, 24), filesz = U64(ph, 32), memsz = U64(ph, 40);
            if (type == PT_LOAD)
            {
                if (filesz > memsz) throw Bad($"segment {i}: file size larger than memory size");
                if (!InFile(file, offset, filesz)) throw Bad($"segment {i} lies outside the file");
                if (paddr + memsz < paddr) throw Bad($"segment {i}: address range wraps around");
                if (vaddr != paddr) throw Bad($"segment {i}: virtual address differs from physical address");
                if ((flags & PF_W) != 0 && (flags & PF_X) != 0) throw Bad($"segment {i} is both writable and executable");
                if (memsz != 0)
                    segments.Add(new ElfSegment(offset, filesz, paddr, memsz,
                        (flags & PF_R) != 0, (flags & PF_W) != 0, (flags & PF_X) != 0));
            }
            else if (type == PT_NOTE)
            {
                if (!InFile(file, offset, filesz)) throw Bad($"note segment {i} lies outside the file");
                ReadNotes(file, offset, filesz, ref abiSeen, ref manifest);
            }
        }
        if (segments.Count == 0) throw Bad("no loadable segments");
        segments.Sort((a, b) => a.Address.CompareTo(b.Address));
        for (int i = 1; i < segments.Count; i++)
            if (segments[i].Address < segments[i - 1].End)
                throw Bad($"segments at 0x{segments[i - 1].Address:x} and 0x{segments[i].Address:x} overlap");
        if (!segments.Exists(s => s.Executable && entry >= s.Address && entry < s.End))
            throw Bad($"entry point 0x{entry:x} is not inside an executable segment");
        if (!abiSeen) throw Bad("no Solo5 ABI1 note: not a Solo5 unikernel");
        if (manifest is null) throw Bad("no Solo5 manifest (MFT1 note)");
        return new ElfImage(entry, segments, manifest);
    }

    /// <summary>Walks the notes in one PT_NOTE segment, keeping Solo5's ABI1 and MFT1 notes.</summary>
    private static void ReadNotes(ReadOnlySpan<byte> file, ulong offset, ulong size, ref bool abiSeen, ref byte[]? manifest)
    {
        ulong pos = offset, end = offset + size;
        while (end - pos >= 12)
        {
            ulong noteStart = pos;
            uint namesz = U32(file, (int)pos), descsz = U32(file, (int)pos + 4), type = U32(file, (int)pos + 8);
            ulong nameOff = pos + 12;
            ulong descOff = nameOff + Align4(namesz);
            ulong next = descOff + Align4(descsz);
            if (next > end) throw Bad("malformed ELF note: extends past its segment");
            bool solo5 = namesz == 6 && file.Slice((int)nameOff, 6).SequenceEqual("Solo5\0"u8);
            pos = next;
            if (!solo5) continue;
            if (type == Abi1NoteType)
            {
                if (abiSeen) throw Bad("more than one Solo5 ABI1 note");
                if (descsz != 16) throw Bad($"Solo5 ABI1 note of {descsz} bytes, expected 16");
                uint target = U32(file, (int)descOff), version = U32(file, (int)descOff + 4);
                if (target != AbiTargetHvt) throw Bad($"built for Solo5 ABI target {target}, not hvt ({AbiTargetHvt})");
                if (version != AbiVersionHvt) throw Bad($"built for hvt ABI version {version}, this monitor implements {AbiVersionHvt}");
                abiSeen = true;
            }
            else if (type == Mft1NoteType)
            {
                if (manifest is not null) throw Bad("more than one Solo5 manifest note");
                // struct mft is 8-byte aligned within struct mft1_note (MFT1_NOTE_ALIGN), counted
                // from the note's start, not the file's: the note itself may be only 4-aligned.
                ulong pad = (8 - (descOff - noteStart) % 8) % 8;
                if (descsz < pad) throw Bad("malformed Solo5 manifest note");
                manifest = file.Slice((int)(descOff + pad), (int)(descsz - pad)).ToArray();
            }
        }
    }

    private static ulong Align4(uint n) => ((ulong)n + 3) & ~3UL;

    private static bool InFile(ReadOnlySpan<byte> file, ulong offset, ulong length) =>
        length <= (ulong)file.Length && offset <= (ulong)file.Length - length;

    private static string MachineName(ushort m) => m switch
    {
        MachineX86_64 => "x86_64",
        MachineAarch64 => "aarch64",
        _ => $"#{m}",
    };

    private static MonitorException Bad(string why) => new($"invalid unikernel image: {why}");

    private static ushort U16(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt16LittleEndian(b[o..]);
    private static uint U32(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt32LittleEndian(b[o..]);
    private static ulong U64(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt64LittleEndian(b[o..]);
}
