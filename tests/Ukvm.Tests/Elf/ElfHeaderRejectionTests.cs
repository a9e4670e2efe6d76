using Ukvm.Core;
using Ukvm.Elf;
using Ukvm.Tests.Support;

namespace Ukvm.Tests.Elf;

/// <summary>ElfImage.Parse rejects broken ELF headers with one meaningful message.</summary>
public class ElfHeaderRejectionTests
{
    internal static void Rejects(byte[] file, string why)
    {
        var e = Assert.Throws<MonitorException>(() => ElfImage.Parse(file, ElfImage.MachineX86_64));
        Assert.StartsWith("invalid unikernel image: ", e.Message);
        Assert.Contains(why, e.Message);
    }

    internal static void Rejects(ElfBuilder b, string why) => Rejects(b.Build(), why);

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(63)]
    public void Truncated(int length) => Rejects(ElfBuilder.Minimal().Build()[..length], "not an ELF file");

    [Fact]
    public void BadMagic() => Rejects(With(b => b.Magic = new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'G' }), "not an ELF file");

    [Fact]
    public void ScriptIsNotElf() => Rejects("#!/bin/sh\necho this is not a unikernel, but it is long enough to be read\n"u8.ToArray(), "not an ELF file");

    [Fact]
    public void ThirtyTwoBit() => Rejects(With(b => b.Class = 1), "not a 64-bit ELF file");

    [Fact]
    public void BigEndian() => Rejects(With(b => b.Data = 2), "not a little-endian ELF file");

    [Fact]
    public void UnknownIdentVersion() => Rejects(With(b => b.IdentVersion = 0), "unknown ELF version");

    [Theory]
    [InlineData(1)] // ET_REL
    [InlineData(3)] // ET_DYN
    [InlineData(4)] // ET_CORE
    public void NotAnExecutable(ushort type) => Rejects(With(b => b.Type = type), "not an executable (ET_EXEC) ELF file");

    [Fact]
    public void Aarch64Image() => Rejects(With(b => b.Machine = 183), "built for machine aarch64, this monitor runs x86_64");

    [Fact]
    public void I386Image() => Rejects(With(b => b.Machine = 3), "built for machine #3, this monitor runs x86_64");

    [Theory]
    [InlineData(0)]
    [InlineData(32)]
    [InlineData(64)]
    public void WrongProgramHeaderSize(ushort size) => Rejects(With(b => b.PhEntSize = size), $"program header size {size}, expected 56");

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    [InlineData(ushort.MaxValue)]
    public void ProgramHeaderCount(ushort n) => Rejects(With(b => b.PhNum = n), $"{n} program headers (1 to 64 allowed)");

    [Theory]
    [InlineData(100000UL)]
    [InlineData(ulong.MaxValue)]
    [InlineData(ulong.MaxValue - 100)]
    public void ProgramHeadersOutsideTheFile(ulong phoff) => Rejects(With(b => b.PhOff = phoff), "program headers lie outside the file");

    [Fact]
    public void ProgramHeadersCutShort()
    {
        var file = ElfBuilder.Minimal().Build();
        Rejects(file[..(64 + 56 * 3 - 1)], "program headers lie outside the file");
    }

    private static ElfBuilder With(Action<ElfBuilder> change)
    {
        var b = ElfBuilder.Minimal();
        change(b);
        return b;
    }
}
