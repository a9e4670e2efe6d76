using Ukvm.Tests.Support;
using static Ukvm.Tests.Support.ElfBuilder;

namespace Ukvm.Tests.Elf;

/// <summary>
/// struct mft starts 24 bytes into the MFT1 note (mft_abi.h: "m starts at offset 24 ... the
/// descriptor size counts that padding"; Solo5's elf_load_note skips the padding relative to the
/// note header). Where the note lies in the file must not matter.
/// </summary>
public class ElfNoteAlignmentTests
{
    private static ElfBuilder WithManifestNoteAtFileOffsetMod8(int skew)
    {
        var b = new ElfBuilder().Load(Base, new byte[] { 0xf4 }, PF_R | PF_X).Note(ElfNotes.Abi1());
        b.Note(ElfNotes.Concat(new byte[skew], ElfNotes.Mft1(ManifestBytes.Build(("disk", ManifestBytes.Block)))));
        b.Last.Skew = skew; // p_offset = 16-aligned offset + skew
        return b;
    }

    [Fact]
    public void ManifestNoteAt8AlignedOffset() =>
        Assert.Equal(ManifestBytes.Build(("disk", ManifestBytes.Block)), ElfImageTests.Parse(WithManifestNoteAtFileOffsetMod8(0)).ManifestNote);

    [Fact]
    public void ManifestNoteAtOffset4Mod8() =>
        Assert.Equal(ManifestBytes.Build(("disk", ManifestBytes.Block)), ElfImageTests.Parse(WithManifestNoteAtFileOffsetMod8(4)).ManifestNote);
}
