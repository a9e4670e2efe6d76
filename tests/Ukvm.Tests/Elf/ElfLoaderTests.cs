using Ukvm.Core;
using Ukvm.Elf;
using Ukvm.Tests.Support;
using static Ukvm.Tests.Support.ElfBuilder;

namespace Ukvm.Tests.Elf;

/// <summary>ElfLoader.Load places segments in real guest memory, checks their addresses and protects text.</summary>
public sealed class ElfLoaderTests : IDisposable
{
    private readonly GuestMemory _memory = GuestMemory.Allocate(4 << 20);

    public void Dispose() => _memory.Dispose();

    private ulong Load(ElfBuilder b)
    {
        byte[] file = b.Build();
        return ElfLoader.Load(ElfImage.Parse(file, ElfImage.MachineX86_64), file, _memory, 0x100000);
    }

    private void Rejects(ElfBuilder b, string why)
    {
        var e = Assert.Throws<MonitorException>(() => Load(b));
        Assert.StartsWith("invalid unikernel image: ", e.Message);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void CopiesContentsLeavesBssZeroAndReturnsPageAlignedEnd()
    {
        var b = Minimal(new byte[] { 0x90, 0x90, 0xf4 }).Load(0x101000, new byte[] { 1, 2, 3 }, PF_R | PF_W, memSize: 0x1800);
        Assert.Equal(0x103000UL, Load(b));
        Assert.Equal(new byte[] { 0x90, 0x90, 0xf4, 0 }, _memory.Bytes(0x100000, 4).ToArray());
        Assert.Equal(new byte[] { 1, 2, 3, 0 }, _memory.Bytes(0x101000, 4).ToArray());
        Assert.All(_memory.Bytes(0x101003, 0x17fd).ToArray(), x => Assert.Equal(0, x));
    }

    [Fact]
    public void TextBecomesReadOnlyDataStaysWritable()
    {
        Load(Minimal(new byte[0x1200]).Load(0x103000, new byte[8], PF_R | PF_W));
        Assert.Throws<GuestFaultException>(() => _memory.WritableBytes(0x100000, 1));
        Assert.Throws<GuestFaultException>(() => _memory.WritableBytes(0x101fff, 1)); // second page of text
        _memory.WritableBytes(0x102000, 8); // between segments: untouched, writable
        _memory.WritableBytes(0x103000, 8)[0] = 1;
    }

    [Fact]
    public void SegmentBelowOneMiB() =>
        Rejects(Minimal().Load(0xff000, new byte[8], PF_R), "segment at 0xff000 is below the lowest load address 0x100000");

    [Fact]
    public void SegmentAtZero() =>
        Rejects(Minimal().Load(0, new byte[8], PF_R), "segment at 0x0 is below the lowest load address 0x100000");

    [Fact]
    public void SegmentBeyondGuestMemory() =>
        Rejects(Minimal().Load(0x3ff000, new byte[8], PF_R | PF_W, memSize: 0x2000),
            "segment 0x3ff000-0x401000 does not fit in guest memory (4 MB): use a larger --mem");

    [Fact]
    public void SegmentFarAboveGuestMemory() =>
        Rejects(Minimal().Load(0x40000000, new byte[8], PF_R), "does not fit in guest memory");

    [Fact]
    public void SegmentEndingExactlyAtTheEndOfMemory()
    {
        Assert.Equal(4UL << 20, Load(Minimal().Load(0x3ff000, new byte[8], PF_R | PF_W, memSize: 0x1000)));
    }

    [Fact]
    public void PageSharedWithWritableSegmentStaysWritable()
    {
        // Text 0x100000-0x100800, data 0x100800-0x101800: the first page holds both.
        var b = Minimal(new byte[0x800]).Load(0x100800, new byte[8], PF_R | PF_W, memSize: 0x1000);
        var image = ElfImage.Parse(b.Build(), ElfImage.MachineX86_64);
        Assert.Empty(ElfLoader.ReadOnlyPages(image));
    }

    [Fact]
    public void OnlyWholeTextPagesBecomeReadOnly()
    {
        // rodata 0x100000-0x102800 followed by data at 0x102800: the page 0x102000 stays writable.
        var b = Minimal(new byte[0x2800]).Load(0x102800, new byte[8], PF_R | PF_W);
        var image = ElfImage.Parse(b.Build(), ElfImage.MachineX86_64);
        Assert.Equal(new[] { (0x100000UL, 0x2000UL) }, ElfLoader.ReadOnlyPages(image));
    }

    [Fact]
    public void WritableSegmentBeforeSharesFirstPage()
    {
        var b = new ElfBuilder { Entry = 0x100800 }
            .Load(0x100000, new byte[8], PF_R | PF_W, memSize: 0x800)
            .Load(0x100800, new byte[0x2000], PF_R | PF_X)
            .Note(ElfNotes.Abi1()).Note(ElfNotes.Mft1(ManifestBytes.Build()));
        var image = ElfImage.Parse(b.Build(), ElfImage.MachineX86_64);
        Assert.Equal(new[] { (0x101000UL, 0x2000UL) }, ElfLoader.ReadOnlyPages(image));
    }
}
