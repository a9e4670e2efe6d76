using Ukvm.Arch.X86_64;

namespace Ukvm.Tests.Arch;

/// <summary>The special registers at entry match docs/abi.md "CPU state at entry".</summary>
public class InitialStateTests
{
    [Fact]
    public void ControlRegistersAndEfer()
    {
        var s = X86Backend.InitialSregs();
        Assert.Equal((1UL << 0) | (1UL << 1) | (1UL << 5) | (1UL << 16) | (1UL << 31), s.Cr0); // PE|MP|NE|WP|PG
        Assert.Equal((1UL << 5) | (1UL << 9) | (1UL << 10), s.Cr4); // PAE|OSFXSR|OSXMMEXCPT
        Assert.Equal((1UL << 8) | (1UL << 10) | (1UL << 11), s.Efer); // LME|LMA|NXE
        Assert.Equal(0x2000UL, s.Cr3);
    }

    [Fact]
    public void SegmentsAndDescriptorTables()
    {
        var s = X86Backend.InitialSregs();
        Assert.Equal(0x08, s.Cs.Selector);
        Assert.Equal(1, s.Cs.L);
        foreach (var seg in new[] { s.Ds, s.Es, s.Fs, s.Gs, s.Ss })
            Assert.Equal(0x10, seg.Selector);
        Assert.Equal(0x1000UL, s.Gdt.Base);
        Assert.Equal(23, s.Gdt.Limit);
        Assert.Equal(0, s.Idt.Limit); // no IDT
        Assert.Equal(0xb, s.Tr.Type); // 64-bit busy TSS
        Assert.Equal(1, s.Ldt.Unusable);
    }
}
