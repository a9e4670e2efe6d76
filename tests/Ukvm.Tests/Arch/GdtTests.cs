using System.Buffers.Binary;
using Ukvm.Arch.X86_64;
using Ukvm.Kvm;

namespace Ukvm.Tests.Arch;

/// <summary>The boot GDT: descriptor encoding and its place in low memory.</summary>
public class GdtTests
{
    [Fact]
    public void CodeDescriptorIs64BitExecuteRead() => Assert.Equal(0x00af9b000000ffffUL, Gdt.Encode(Gdt.Code));

    [Fact]
    public void DataDescriptorIsReadWrite() => Assert.Equal(0x00cf93000000ffffUL, Gdt.Encode(Gdt.Data));

    [Fact]
    public void EncodeSplitsBaseAndByteGranularLimit()
    {
        var s = new KvmSegment { Base = 0x12345678, Limit = 0xabcde, Type = 0x9, S = 0, Dpl = 3, Present = 1, Avl = 1, G = 0 };
        // limit 15:0 = 0xbcde, base 23:0 = 0x345678, type 9, S 0, DPL 3, P 1, limit 19:16 = 0xa, AVL 1, base 31:24 = 0x12
        Assert.Equal(0x12_1a_e9_345678_bcdeUL, Gdt.Encode(s));
    }

    [Fact]
    public void WriteLaysOutNullCodeDataAt0x1000()
    {
        var low = new byte[0x100000];
        Array.Fill(low, (byte)0xff);
        Gdt.Write(low);
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(low.AsSpan(0x1000)));
        Assert.Equal(0x00af9b000000ffffUL, BinaryPrimitives.ReadUInt64LittleEndian(low.AsSpan(0x1008)));
        Assert.Equal(0x00cf93000000ffffUL, BinaryPrimitives.ReadUInt64LittleEndian(low.AsSpan(0x1010)));
        Assert.Equal(0xff, low[0x0fff]);
        Assert.Equal(0xff, low[0x1018]);
        Assert.Equal(23, Gdt.Limit);
    }

    [Fact]
    public void PageTablesDoNotOverwriteTheGdt()
    {
        var low = new byte[0x100000];
        Gdt.Write(low);
        PageTables.Build(low, 4 << 20, new Ukvm.Arch.PagePermissions(Array.Empty<Ukvm.Elf.ElfSegment>()));
        Assert.Equal(0x00af9b000000ffffUL, BinaryPrimitives.ReadUInt64LittleEndian(low.AsSpan(0x1008)));
    }
}
