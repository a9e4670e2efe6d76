using System.Buffers.Binary;
using System.Text;

namespace Ukvm.Tests.Support;

/// <summary>
/// Minimal unikernels without any SDK: code (R+X) at 0x100000, optional data (R+W) at 0x101000,
/// the ABI1 note and an empty manifest. The code runs at CPL0 in long mode as docs/abi.md says.
/// </summary>
internal static class RawGuest
{
    public const uint Text = 0x100000, Data = 0x101000;
    public const int Hvt = 0x500;
    public const int Walltime = 1, Puts = 2, Poll = 3, Halt = 8;

    public static byte[] Image(X86 code, byte[]? data = null)
    {
        // Whatever the test's code does, never fall off its end: ud2 with no IDT is a triple fault.
        var b = ElfBuilder.Minimal(code.Ud2().ToArray());
        if (data is not null)
            b.Load(Data, data, ElfBuilder.PF_R | ElfBuilder.PF_W);
        return b.Build();
    }

    /// <summary>struct hvt_hc_halt { u64 cookie; int exit_status; } (16 bytes).</summary>
    public static byte[] HaltArg(int status, ulong cookie = 0)
    {
        var b = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(b, cookie);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(8), status);
        return b;
    }

    /// <summary>struct hvt_hc_puts { u64 data; u64 len; }.</summary>
    public static byte[] PutsArg(ulong data, ulong len)
    {
        var b = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(b, data);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), len);
        return b;
    }

    /// <summary>Code that HALTs with <paramref name="status"/> (its argument at the start of the data segment).</summary>
    public static byte[] HaltImage(int status) => Image(new X86().Hypercall(Halt, Data), HaltArg(status));

    /// <summary>Data for PUTS of <paramref name="text"/> then HALT 0: puts arg at +0, halt arg at +16, text at +32.</summary>
    public static byte[] PutsThenHaltImage(string text)
    {
        byte[] s = Encoding.UTF8.GetBytes(text);
        var data = PutsArg(Data + 32, (ulong)s.Length).Concat(HaltArg(0)).Concat(s).ToArray();
        return Image(new X86().Hypercall(Puts, Data).Hypercall(Halt, Data + 16), data);
    }
}
