using System.Buffers.Binary;

namespace Ukvm.Tests.Support;

/// <summary>
/// Writes ELF64 images byte by byte, every header field settable, so that tests can make both
/// good unikernels and each kind of broken one. Segment contents are placed after the program
/// headers at 16-byte aligned file offsets (so notes start 8-byte aligned, as a linker puts them).
/// </summary>
internal sealed class ElfBuilder
{
    public const uint PT_LOAD = 1, PT_NOTE = 4, PF_X = 1, PF_W = 2, PF_R = 4;
    public const ulong Base = 0x100000;
    public const int EhdrSize = 64, PhdrSize = 56;

    public sealed class Segment
    {
        public uint Type = PT_LOAD;
        public uint Flags = PF_R;
        public ulong VAddr, PAddr;
        public byte[] Content = Array.Empty<byte>();
        public ulong MemSize;
        /// <summary>Overrides of the values the builder would compute.</summary>
        public ulong? Offset, FileSize;
        /// <summary>Leading content bytes that are not part of the segment: p_offset moves past them.</summary>
        public int Skew;
    }

    public byte Class = 2, Data = 1, IdentVersion = 1;
    public byte[] Magic = { 0x7f, (byte)'E', (byte)'L', (byte)'F' };
    public ushort Type = 2, Machine = 62, PhEntSize = PhdrSize;
    public ushort? PhNum;
    public ulong? PhOff;
    public ulong Entry = Base;
    public readonly List<Segment> Segments = new();

    /// <summary>A PT_LOAD segment at <paramref name="addr"/> (vaddr == paddr) holding <paramref name="content"/>.</summary>
    public ElfBuilder Load(ulong addr, byte[] content, uint flags, ulong? memSize = null)
    {
        Segments.Add(new Segment
        {
            Type = PT_LOAD, Flags = flags, VAddr = addr, PAddr = addr, Content = content,
            MemSize = memSize ?? (ulong)content.Length,
        });
        return this;
    }

    /// <summary>A PT_NOTE segment holding the given note bytes (see <see cref="ElfNotes"/>).</summary>
    public ElfBuilder Note(byte[] notes)
    {
        Segments.Add(new Segment { Type = PT_NOTE, Flags = PF_R, Content = notes, MemSize = (ulong)notes.Length });
        return this;
    }

    /// <summary>Text (R+X) at 0x100000 with <paramref name="code"/>, the ABI1 note and a manifest of no devices.</summary>
    public static ElfBuilder Minimal(byte[]? code = null) =>
        new ElfBuilder()
            .Load(Base, code ?? new byte[] { 0xf4 }, PF_R | PF_X)
            .Note(ElfNotes.Abi1())
            .Note(ElfNotes.Mft1(ManifestBytes.Build()));

    public Segment Last => Segments[^1];

    public byte[] Build()
    {
        int phnum = Segments.Count;
        ulong phoff = EhdrSize;
        int pos = EhdrSize + phnum * PhdrSize;
        var offsets = new int[phnum];
        for (int i = 0; i < phnum; i++)
        {
            pos = (pos + 15) & ~15;
            offsets[i] = pos;
            pos += Segments[i].Content.Length;
        }
        var file = new byte[Math.Max(pos, EhdrSize)];
        Magic.AsSpan(0, Math.Min(4, Magic.Length)).CopyTo(file);
        file[4] = Class;
        file[5] = Data;
        file[6] = IdentVersion;
        W16(file, 16, Type);
        W16(file, 18, Machine);
        W32(file, 20, 1);
        W64(file, 24, Entry);
        W64(file, 32, PhOff ?? phoff);
        W16(file, 52, EhdrSize);
        W16(file, 54, PhEntSize);
        W16(file, 56, PhNum ?? (ushort)phnum);
        for (int i = 0; i < phnum; i++)
        {
            var s = Segments[i];
            int h = (int)phoff + i * PhdrSize;
            W32(file, h, s.Type);
            W32(file, h + 4, s.Flags);
            W64(file, h + 8, s.Offset ?? (ulong)(offsets[i] + s.Skew));
            W64(file, h + 16, s.VAddr);
            W64(file, h + 24, s.PAddr);
            W64(file, h + 32, s.FileSize ?? (ulong)(s.Content.Length - s.Skew));
            W64(file, h + 40, s.MemSize);
            W64(file, h + 48, s.Type == PT_LOAD ? 0x1000UL : 8UL);
            s.Content.CopyTo(file, offsets[i]);
        }
        return file;
    }

    private static void W16(byte[] b, int o, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(o), v);
    private static void W32(byte[] b, int o, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(o), v);
    private static void W64(byte[] b, int o, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(o), v);
}
