using Ukvm.Elf;
using Ukvm.Tests.Support;
using static Ukvm.Tests.Support.ElfBuilder;

namespace Ukvm.Tests.Elf;

/// <summary>Well-formed images parse into entry, sorted segments and the manifest descriptor.</summary>
public class ElfImageTests
{
    internal static ElfImage Parse(ElfBuilder b) => ElfImage.Parse(b.Build(), ElfImage.MachineX86_64);

    [Fact]
    public void MinimalImageParses()
    {
        var image = Parse(Minimal(new byte[] { 0x90, 0xf4 }));
        Assert.Equal(0x100000UL, image.Entry);
        var s = Assert.Single(image.Segments);
        Assert.Equal(0x100000UL, s.Address);
        Assert.Equal(2UL, s.MemSize);
        Assert.True(s.Readable && s.Executable && !s.Writable);
        Assert.Equal(ManifestBytes.Build(), image.ManifestNote);
    }

    [Fact]
    public void SegmentsAreSortedAndKeepTheirFlags()
    {
        var b = new ElfBuilder { Entry = 0x100010 }
            .Load(0x200000, new byte[] { 1, 2, 3 }, PF_R | PF_W, memSize: 0x5000)
            .Load(0x100000, new byte[0x20], PF_R | PF_X)
            .Load(0x180000, new byte[] { 9 }, PF_R)
            .Note(ElfNotes.Abi1())
            .Note(ElfNotes.Mft1(ManifestBytes.Build(("disk", ManifestBytes.Block), ("net0", ManifestBytes.Net))));
        var image = Parse(b);
        Assert.Equal(new ulong[] { 0x100000, 0x180000, 0x200000 }, image.Segments.Select(s => s.Address));
        var data = image.Segments[2];
        Assert.Equal((3UL, 0x5000UL), (data.FileSize, data.MemSize));
        Assert.True(data.Writable && !data.Executable);
        Assert.Equal(0x205000UL, data.End);
        Assert.False(image.Segments[1].Writable || image.Segments[1].Executable);
        Assert.Equal(8 + 3 * 104, image.ManifestNote.Length);
    }

    [Fact]
    public void ZeroSizedLoadSegmentsAreIgnored()
    {
        var b = Minimal();
        b.Load(0x300000, Array.Empty<byte>(), PF_R | PF_X, memSize: 0);
        Assert.Single(Parse(b).Segments);
    }

    [Fact]
    public void OtherNotesAreSkipped()
    {
        var gnu = ElfNotes.Note("GNU", 3, new byte[20]);
        var b = Minimal(); // ABI1 and MFT1 notes each in their own PT_NOTE
        b.Segments[1].Content = ElfNotes.Concat(gnu, b.Segments[1].Content);
        b.Segments[1].MemSize = (ulong)b.Segments[1].Content.Length;
        Parse(b);
    }

    [Fact]
    public void BothNotesMayShareOneSegment()
    {
        // ABI1 is 36 bytes; 4 bytes of a non-Solo5 filler would be no note, so put MFT1 first (8-aligned).
        var b = new ElfBuilder().Load(Base, new byte[] { 0xf4 }, PF_R | PF_X)
            .Note(ElfNotes.Concat(ElfNotes.Mft1(ManifestBytes.Build()), ElfNotes.Abi1()));
        Assert.Equal(ManifestBytes.Build(), Parse(b).ManifestNote);
    }

    [Fact]
    public void SixtyFourProgramHeadersAreAllowed()
    {
        var b = Minimal();
        while (b.Segments.Count < 64)
            b.Segments.Add(new Segment { Type = 0 }); // PT_NULL
        Assert.Single(Parse(b).Segments);
    }

    [Fact]
    public void EntryAtLastByteOfExecutableSegment()
    {
        var b = Minimal(new byte[16]);
        b.Entry = Base + 15;
        Assert.Equal(Base + 15, Parse(b).Entry);
    }
}
