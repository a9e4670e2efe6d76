using System;
using System.Buffers.Binary;
using Ukvm.Kvm;

namespace Ukvm.Arch.X86_64;

/// <summary>
/// The boot GDT and the matching segment registers: null, 64-bit code (selector 0x08), data (0x10).
/// Intel SDM vol. 3A, 3.4.5 (segment descriptors) and 5.2.1 (64-bit code segments).
/// </summary>
internal static class Gdt
{
    public const ushort CodeSelector = 0x08, DataSelector = 0x10;
    public const int Entries = 3;
    public const ushort Limit = Entries * 8 - 1;

    /// <summary>Code: execute/read, accessed, 64-bit (L), present, DPL 0, 4 KiB granular.</summary>
    public static readonly KvmSegment Code = new()
    {
        Selector = CodeSelector, Base = 0, Limit = 0xffffffff, Type = 0xb, Present = 1, Dpl = 0, Db = 0, S = 1, L = 1, G = 1,
    };

    /// <summary>Data: read/write, accessed, present, DPL 0, 4 KiB granular.</summary>
    public static readonly KvmSegment Data = new()
    {
        Selector = DataSelector, Base = 0, Limit = 0xffffffff, Type = 0x3, Present = 1, Dpl = 0, Db = 1, S = 1, L = 0, G = 1,
    };

    /// <summary>Writes the three descriptors at <see cref="Layout.Gdt"/> in <paramref name="low"/>.</summary>
    public static void Write(Span<byte> low)
    {
        var gdt = low.Slice((int)Layout.Gdt, Entries * 8);
        gdt.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[8..], Encode(Code));
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[16..], Encode(Data));
    }

    /// <summary>The 8-byte descriptor for a segment register value.</summary>
    public static ulong Encode(in KvmSegment s)
    {
        ulong limit = s.G != 0 ? s.Limit >> 12 : s.Limit;
        return (limit & 0xffff)
            | (s.Base & 0xffffff) << 16
            | (ulong)(s.Type & 0xf) << 40
            | (ulong)(s.S & 1) << 44
            | (ulong)(s.Dpl & 3) << 45
            | (ulong)(s.Present & 1) << 47
            | (limit >> 16 & 0xf) << 48
            | (ulong)(s.Avl & 1) << 52
            | (ulong)(s.L & 1) << 53
            | (ulong)(s.Db & 1) << 54
            | (ulong)(s.G & 1) << 55
            | (s.Base >> 24 & 0xff) << 56;
    }
}
