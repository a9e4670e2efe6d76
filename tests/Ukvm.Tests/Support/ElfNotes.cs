using System.Buffers.Binary;
using System.Text;

namespace Ukvm.Tests.Support;

/// <summary>ELF note bytes: generic notes and Solo5's ABI1 and MFT1 notes as the guest SDK lays them out.</summary>
internal static class ElfNotes
{
    public const uint Abi1Type = 0x31494241, Mft1Type = 0x3154464d;

    /// <summary>One note: header, name padded to 4, descriptor padded to 4. <paramref name="descSize"/> overrides n_descsz.</summary>
    public static byte[] Note(string name, uint type, byte[] desc, uint? descSize = null)
    {
        byte[] n = Encoding.ASCII.GetBytes(name + "\0");
        int nameLen = (n.Length + 3) & ~3, descLen = (desc.Length + 3) & ~3;
        var b = new byte[12 + nameLen + descLen];
        BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)n.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), descSize ?? (uint)desc.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), type);
        n.CopyTo(b, 12);
        desc.CopyTo(b, 12 + nameLen);
        return b;
    }

    /// <summary>struct abi1_info { u32 abi_target, abi_version, reserved0, reserved1; }: 16 bytes.</summary>
    public static byte[] Abi1(uint target = 1, uint version = 2)
    {
        var desc = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(desc, target);
        BinaryPrimitives.WriteUInt32LittleEndian(desc.AsSpan(4), version);
        return Note("Solo5", Abi1Type, desc);
    }

    /// <summary>
    /// struct mft1_note: the 20-byte header, 4 bytes of padding so that struct mft is 8-byte aligned
    /// (the note itself starts 8-byte aligned), then the manifest; n_descsz counts the padding.
    /// </summary>
    public static byte[] Mft1(byte[] mft)
    {
        var desc = new byte[4 + mft.Length];
        mft.CopyTo(desc, 4);
        return Note("Solo5", Mft1Type, desc);
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
