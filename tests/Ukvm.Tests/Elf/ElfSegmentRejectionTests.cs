using Ukvm.Tests.Support;
using static Ukvm.Tests.Elf.ElfHeaderRejectionTests;
using static Ukvm.Tests.Support.ElfBuilder;

namespace Ukvm.Tests.Elf;

/// <summary>ElfImage.Parse rejects PT_LOAD segments that do not fit the file, each other, W^X or the entry point.</summary>
public class ElfSegmentRejectionTests
{
    /// <summary>Minimal image plus one more load segment, changed by <paramref name="change"/>.</summary>
    private static ElfBuilder WithSegment(Action<Segment> change, ulong addr = 0x200000, uint flags = PF_R)
    {
        var b = Minimal().Load(addr, new byte[64], flags);
        change(b.Last);
        return b;
    }

    [Theory]
    [InlineData(100000UL, 64UL)]
    [InlineData(ulong.MaxValue, 64UL)]
    [InlineData(ulong.MaxValue - 10, 64UL)]
    [InlineData(0UL, ulong.MaxValue)]
    public void SegmentOutsideTheFile(ulong offset, ulong filesz) =>
        Rejects(WithSegment(s => { s.Offset = offset; s.FileSize = filesz; s.MemSize = filesz; }), "segment 3 lies outside the file");

    [Fact]
    public void SegmentRunningPastTheEndOfFile() =>
        Rejects(WithSegment(s => { s.FileSize = 65; s.MemSize = 65; }), "segment 3 lies outside the file");

    [Fact]
    public void FileSizeLargerThanMemorySize() =>
        Rejects(WithSegment(s => s.MemSize = 63), "segment 3: file size larger than memory size");

    [Fact]
    public void WritableAndExecutable() =>
        Rejects(WithSegment(_ => { }, flags: PF_R | PF_W | PF_X), "segment 3 is both writable and executable");

    [Fact]
    public void WriteExecuteWithoutRead() =>
        Rejects(WithSegment(_ => { }, flags: PF_W | PF_X), "both writable and executable");

    [Fact]
    public void Overlap() => Rejects(WithSegment(_ => { }, addr: 0x100000 - 8), "segments at 0xffff8 and 0x100000 overlap");

    [Fact]
    public void OverlapWithAGapSegmentBetween()
    {
        var b = Minimal(new byte[0x3000]); // text 0x100000-0x103000
        b.Load(0x101000, new byte[8], PF_R).Load(0x102000, new byte[8], PF_R);
        Rejects(b, "overlap");
    }

    [Fact]
    public void SameAddressTwice() => Rejects(WithSegment(_ => { }, addr: 0x100000), "overlap");

    [Fact]
    public void AddressRangeWraps() =>
        Rejects(WithSegment(s => { s.VAddr = s.PAddr = 0xffff_ffff_ffff_f000; s.MemSize = 0x2000; }), "segment 3: address range wraps around");

    [Fact]
    public void AddressRangeEndingExactlyAtTwoToThe64Wraps() =>
        Rejects(WithSegment(s => { s.VAddr = s.PAddr = 0xffff_ffff_ffff_f000; s.MemSize = 0x1000; }), "address range wraps around");

    [Fact]
    public void VirtualDiffersFromPhysical() =>
        Rejects(WithSegment(s => s.VAddr = 0xffffffff80200000), "segment 3: virtual address differs from physical address");

    [Fact]
    public void EntryInDataSegment()
    {
        var b = WithSegment(_ => { }, flags: PF_R | PF_W);
        b.Entry = 0x200000;
        Rejects(b, "entry point 0x200000 is not inside an executable segment");
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(0xfffffUL)]
    [InlineData(0x100001UL)] // just past the one-byte text segment
    [InlineData(ulong.MaxValue)]
    public void EntryOutsideEverySegment(ulong entry)
    {
        var b = Minimal();
        b.Entry = entry;
        Rejects(b, $"entry point 0x{entry:x} is not inside an executable segment");
    }

    [Fact]
    public void NoLoadableSegments()
    {
        var b = new ElfBuilder().Note(ElfNotes.Abi1()).Note(ElfNotes.Mft1(ManifestBytes.Build()));
        Rejects(b, "no loadable segments");
    }

    [Fact]
    public void OnlyEmptyLoadSegments()
    {
        var b = new ElfBuilder().Load(Base, Array.Empty<byte>(), PF_R | PF_X, memSize: 0)
            .Note(ElfNotes.Abi1()).Note(ElfNotes.Mft1(ManifestBytes.Build()));
        Rejects(b, "no loadable segments");
    }
}
