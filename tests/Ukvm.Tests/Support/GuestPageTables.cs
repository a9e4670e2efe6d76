using System.Buffers.Binary;

namespace Ukvm.Tests.Support;

/// <summary>
/// Page tables a raw guest can load with mov cr3 (they sit in its own writable data, so the CPU
/// may set accessed bits): PML4 at <paramref name="at"/>, PDPT and PD in the next pages, identity
/// 2 MiB pages for the given physical addresses.
/// </summary>
internal static class GuestPageTables
{
    public static byte[] Identity(ulong at, params ulong[] largePages)
    {
        var t = new byte[3 * 4096];
        BinaryPrimitives.WriteUInt64LittleEndian(t, (at + 0x1000) | 3);            // PML4[0] -> PDPT, P|RW
        BinaryPrimitives.WriteUInt64LittleEndian(t.AsSpan(0x1000), (at + 0x2000) | 3); // PDPT[0] -> PD
        foreach (ulong page in largePages)
            BinaryPrimitives.WriteUInt64LittleEndian(t.AsSpan(0x2000 + (int)(page >> 21) * 8), page | 0x83); // P|RW|PS
        return t;
    }
}
