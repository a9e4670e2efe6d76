using System.Buffers.Binary;

namespace Ukvm.Tests.Support;

/// <summary>
/// A handful of x86_64 instructions, hand-assembled (Intel SDM vol. 2), enough for tiny hostile
/// guests. Each method appends one instruction's bytes.
/// </summary>
internal sealed class X86
{
    private readonly List<byte> _code = new();

    /// <summary>mov eax, imm32 (B8 id; zero-extends into rax).</summary>
    public X86 MovEax(uint imm) => Op(0xb8).Imm32(imm);
    /// <summary>mov rax, imm64 (REX.W B8 io).</summary>
    public X86 MovRax(ulong imm) { Op(0x48, 0xb8); Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, imm); _code.AddRange(b.ToArray()); return this; }
    /// <summary>mov dx, imm16 (66 BA iw).</summary>
    public X86 MovDx(ushort imm) => Op(0x66, 0xba, (byte)imm, (byte)(imm >> 8));
    /// <summary>mov al, imm8 (B0 ib).</summary>
    public X86 MovAl(byte imm) => Op(0xb0, imm);
    /// <summary>out dx, eax (EF).</summary>
    public X86 OutDxEax() => Op(0xef);
    /// <summary>out dx, al (EE).</summary>
    public X86 OutDxAl() => Op(0xee);
    /// <summary>in eax, dx (ED).</summary>
    public X86 InEaxDx() => Op(0xed);
    /// <summary>mov byte [rax], imm8 (C6 /0 ib, ModRM 00).</summary>
    public X86 MovBytePtrRax(byte imm) => Op(0xc6, 0x00, imm);
    /// <summary>mov eax, [rax] (8B /r, ModRM 00).</summary>
    public X86 LoadEaxFromRax() => Op(0x8b, 0x00);
    /// <summary>mov cr3, rax (0F 22 /r, ModRM 11 011 000).</summary>
    public X86 MovCr3Rax() => Op(0x0f, 0x22, 0xd8);

    /// <summary>mov rax, cr0; and rax, ~CR0.WP; mov cr0, rax: CPL0 writes then ignore read-only pages.</summary>
    public X86 ClearCr0Wp() => Op(0x0f, 0x20, 0xc0).Op(0x48, 0x25, 0xff, 0xff, 0xfe, 0xff).Op(0x0f, 0x22, 0xc0);

    /// <summary>jmp rax.</summary>
    public X86 JmpRax() => Op(0xff, 0xe0);
    /// <summary>hlt (F4).</summary>
    public X86 Hlt() => Op(0xf4);
    /// <summary>ud2 (0F 0B).</summary>
    public X86 Ud2() => Op(0x0f, 0x0b);

    /// <summary>The hvt hypercall: outl of the argument's 32-bit GPA to port 0x500 + nr.</summary>
    public X86 Hypercall(int nr, uint gpa) => MovEax(gpa).MovDx((ushort)(0x500 + nr)).OutDxEax();

    public byte[] ToArray() => _code.ToArray();

    private X86 Op(params byte[] bytes) { _code.AddRange(bytes); return this; }
    private X86 Imm32(uint v) => Op((byte)v, (byte)(v >> 8), (byte)(v >> 16), (byte)(v >> 24));
}
