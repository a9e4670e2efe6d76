using Ukvm.Tests.Support;
using static Ukvm.Tests.Elf.ElfHeaderRejectionTests;
using static Ukvm.Tests.Support.ElfBuilder;

namespace Ukvm.Tests.Elf;

/// <summary>ElfImage.Parse insists on exactly one valid Solo5 ABI1 note and one MFT1 note, each inside its segment.</summary>
public class ElfNoteRejectionTests
{
    private static ElfBuilder Image(params byte[][] noteSegments)
    {
        var b = new ElfBuilder().Load(Base, new byte[] { 0xf4 }, PF_R | PF_X);
        foreach (var n in noteSegments) b.Note(n);
        return b;
    }

    private static byte[] Mft() => ElfNotes.Mft1(ManifestBytes.Build());

    [Fact]
    public void MissingAbi1() => Rejects(Image(Mft()), "no Solo5 ABI1 note: not a Solo5 unikernel");

    [Fact]
    public void Abi1WithAnotherOwnerIsNotSolo5() =>
        Rejects(Image(ElfNotes.Note("Solo6", ElfNotes.Abi1Type, new byte[16]), Mft()), "no Solo5 ABI1 note");

    [Fact]
    public void DuplicateAbi1() => Rejects(Image(ElfNotes.Abi1(), ElfNotes.Abi1(), Mft()), "more than one Solo5 ABI1 note");

    [Fact]
    public void DuplicateAbi1InOneSegment() =>
        Rejects(Image(ElfNotes.Concat(ElfNotes.Abi1(), ElfNotes.Abi1()), Mft()), "more than one Solo5 ABI1 note");

    [Theory]
    [InlineData(2u)] // spt
    [InlineData(3u)] // virtio
    [InlineData(0u)]
    public void WrongTarget(uint target) =>
        Rejects(Image(ElfNotes.Abi1(target: target), Mft()), $"built for Solo5 ABI target {target}, not hvt (1)");

    [Theory]
    [InlineData(1u)]
    [InlineData(3u)]
    public void WrongVersion(uint version) =>
        Rejects(Image(ElfNotes.Abi1(version: version), Mft()), $"built for hvt ABI version {version}, this monitor implements 2");

    [Fact]
    public void ShortAbi1Descriptor() =>
        Rejects(Image(ElfNotes.Note("Solo5", ElfNotes.Abi1Type, new byte[] { 1, 0, 0, 0, 2, 0, 0, 0 }), Mft()),
            "Solo5 ABI1 note of 8 bytes, expected 16");

    [Fact]
    public void MissingManifest() => Rejects(Image(ElfNotes.Abi1()), "no Solo5 manifest (MFT1 note)");

    [Fact]
    public void DuplicateManifest() => Rejects(Image(ElfNotes.Abi1(), Mft(), Mft()), "more than one Solo5 manifest note");

    [Fact]
    public void ManifestDescriptorShorterThanItsPadding() =>
        Rejects(Image(ElfNotes.Abi1(), ElfNotes.Note("Solo5", ElfNotes.Mft1Type, Array.Empty<byte>())), "malformed Solo5 manifest note");

    [Theory]
    [InlineData(1000u)]
    [InlineData(uint.MaxValue)]
    [InlineData(uint.MaxValue - 2)]
    public void NoteDescriptorRunsPastItsSegment(uint descsz) =>
        Rejects(Image(ElfNotes.Note("Solo5", ElfNotes.Abi1Type, new byte[16], descSize: descsz), Mft()),
            "malformed ELF note: extends past its segment");

    [Fact]
    public void NoteNameRunsPastItsSegment()
    {
        var note = ElfNotes.Abi1();
        BitConverter.GetBytes(uint.MaxValue).CopyTo(note, 0); // n_namesz
        Rejects(Image(note, Mft()), "malformed ELF note: extends past its segment");
    }

    [Fact]
    public void NoteRunsPastSegmentIntoFollowingBytes()
    {
        // The whole note is in the file, but p_filesz of its segment stops 4 bytes short.
        var b = Image(ElfNotes.Abi1(), Mft());
        b.Segments[1].FileSize = (ulong)b.Segments[1].Content.Length - 4;
        Rejects(b, "malformed ELF note: extends past its segment");
    }

    [Fact]
    public void NoteSegmentOutsideTheFile()
    {
        var b = Image(ElfNotes.Abi1(), Mft());
        b.Segments[1].Offset = 1 << 20;
        Rejects(b, "note segment 1 lies outside the file");
    }

    [Fact]
    public void ManifestIsValidatedLater()
    {
        // ElfImage only extracts the descriptor; AppManifest.Parse judges it (see ManifestParseTests).
        var image = ElfImageTests.Parse(Image(ElfNotes.Abi1(), ElfNotes.Mft1(new byte[] { 7, 7, 7, 7 })));
        Assert.Equal(new byte[] { 7, 7, 7, 7 }, image.ManifestNote);
    }
}
