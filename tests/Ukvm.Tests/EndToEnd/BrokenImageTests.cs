using Ukvm.Tests.Support;
using static Ukvm.Tests.Support.ElfBuilder;

namespace Ukvm.Tests.EndToEnd;

/// <summary>Broken images under the real binary: status 1, exactly one "ukvm: " line, no stack trace.</summary>
public class BrokenImageTests
{
    private static readonly Dictionary<string, Func<byte[]>> Images = new()
    {
        ["truncated"] = () => Minimal().Build()[..40],
        ["bad magic"] = () => With(b => b.Magic = "\x7fELG"u8.ToArray()),
        ["32-bit"] = () => With(b => b.Class = 1),
        ["big-endian"] = () => With(b => b.Data = 2),
        ["ET_DYN"] = () => With(b => b.Type = 3),
        ["aarch64"] = () => With(b => b.Machine = 183),
        ["phentsize"] = () => With(b => b.PhEntSize = 32),
        ["phnum 0"] = () => With(b => b.PhNum = 0),
        ["phnum 65"] = () => With(b => b.PhNum = 65),
        ["headers outside"] = () => With(b => b.PhOff = ulong.MaxValue - 8),
        ["segment outside"] = () => With(b => b.Segments[0].Offset = 1 << 30),
        ["filesz > memsz"] = () => With(b => b.Segments[0].MemSize = 0),
        ["W+X"] = () => With(b => b.Segments[0].Flags = PF_R | PF_W | PF_X),
        ["overlap"] = () => With(b => b.Load(Base, new byte[8], PF_R)),
        ["wrap"] = () => With(b => b.Load(0xffff_ffff_ffff_f000, new byte[8], PF_R, memSize: 0x2000)),
        ["vaddr != paddr"] = () => With(b => b.Segments[0].VAddr = 0xffffffff80100000),
        ["entry outside"] = () => With(b => b.Entry = 0x200000),
        ["no ABI1"] = () => With(b => b.Segments.RemoveAt(1)),
        ["two ABI1"] = () => With(b => b.Note(ElfNotes.Abi1())),
        ["wrong target"] = () => With(b => b.Segments[1].Content = ElfNotes.Abi1(target: 2)),
        ["wrong version"] = () => With(b => b.Segments[1].Content = ElfNotes.Abi1(version: 1)),
        ["no manifest"] = () => With(b => b.Segments.RemoveAt(2)),
        ["two manifests"] = () => With(b => b.Note(ElfNotes.Mft1(ManifestBytes.Build()))),
        ["note past segment"] = () => With(b => b.Segments[1].Content = ElfNotes.Note("Solo5", ElfNotes.Abi1Type, new byte[16], descSize: 4096)),
        ["manifest version"] = () => With(b => b.Segments[2].Content = ElfNotes.Mft1(ManifestBytes.Raw(2, 1, (Array.Empty<byte>(), ManifestBytes.ReservedFirst)))),
        ["manifest name"] = () => With(b => b.Segments[2].Content = ElfNotes.Mft1(ManifestBytes.Build(("a/b", ManifestBytes.Block)))),
        ["script"] = () => "#!/bin/sh\necho not a unikernel but long enough to have an ELF header's size\n"u8.ToArray(),
    };

    public static IEnumerable<object[]> ParserCases() => new[]
    {
        new object[] { "truncated", "not an ELF file" },
        new object[] { "bad magic", "not an ELF file" },
        new object[] { "32-bit", "not a 64-bit ELF file" },
        new object[] { "big-endian", "not a little-endian ELF file" },
        new object[] { "ET_DYN", "not an executable (ET_EXEC) ELF file" },
        new object[] { "aarch64", "built for machine aarch64" },
        new object[] { "phentsize", "program header size 32, expected 56" },
        new object[] { "phnum 0", "0 program headers" },
        new object[] { "phnum 65", "65 program headers" },
        new object[] { "headers outside", "program headers lie outside the file" },
        new object[] { "segment outside", "segment 0 lies outside the file" },
        new object[] { "filesz > memsz", "file size larger than memory size" },
        new object[] { "W+X", "both writable and executable" },
        new object[] { "overlap", "overlap" },
        new object[] { "wrap", "address range wraps around" },
        new object[] { "vaddr != paddr", "virtual address differs from physical address" },
        new object[] { "entry outside", "entry point 0x200000 is not inside an executable segment" },
        new object[] { "no ABI1", "no Solo5 ABI1 note" },
        new object[] { "two ABI1", "more than one Solo5 ABI1 note" },
        new object[] { "wrong target", "built for Solo5 ABI target 2" },
        new object[] { "wrong version", "built for hvt ABI version 1" },
        new object[] { "no manifest", "no Solo5 manifest (MFT1 note)" },
        new object[] { "two manifests", "more than one Solo5 manifest note" },
        new object[] { "note past segment", "malformed ELF note" },
        new object[] { "manifest version", "Solo5 manifest version 2" },
        new object[] { "manifest name", "device name must be 1 to 67 letters and digits" },
        new object[] { "script", "not an ELF file" },
    };

    private static byte[] With(Action<ElfBuilder> change)
    {
        var b = Minimal();
        change(b);
        return b.Build();
    }

    private static UkvmRun Run(byte[] image)
    {
        using var f = new TempFile(image);
        return UkvmRun.Start("--mem=4", f.Path);
    }

    /// <summary>Rejected while parsing, before KVM is opened: runs without /dev/kvm too.</summary>
    [Theory]
    [MemberData(nameof(ParserCases))]
    public void RejectedByTheParser(string image, string message) =>
        Run(Images[image]()).AssertOneLineFailure(message);

    [SkippableFact]
    public void SegmentBelowOneMiB()
    {
        Kvm.Require();
        Run(With(b => b.Load(0xf0000, new byte[8], PF_R))).AssertOneLineFailure("segment at 0xf0000 is below the lowest load address 0x100000");
    }

    [SkippableFact]
    public void SegmentBeyondGuestMemory()
    {
        Kvm.Require();
        Run(With(b => b.Load(0x3ff000, new byte[8], PF_R | PF_W, memSize: 0x2000)))
            .AssertOneLineFailure("does not fit in guest memory (4 MB): use a larger --mem");
    }

    [SkippableFact]
    public void DeclaredDeviceNotAttached()
    {
        Kvm.Require();
        Run(With(b => b.Segments[2].Content = ElfNotes.Mft1(ManifestBytes.Build(("storage", ManifestBytes.Block)))))
            .AssertOneLineFailure("device 'storage' (BLOCK_BASIC) declared in the manifest is not attached");
    }
}
