using System;
using System.Buffers.Binary;

namespace Ukvm.Arch.Aarch64;

/// <summary>
/// The monitor's own exception vector table, installed at VBAR_EL1 before the guest's first
/// instruction: each of the 16 entries (Arm ARM D1.10.2, 0x80 bytes apart) stores to an MMIO
/// address naming its index, so an early exception exits to the monitor and is reported with the
/// fault registers instead of hanging the vCPU.
/// </summary>
internal static class VectorTable
{
    public const int Entries = 16, EntrySize = 0x80;

    /// <summary>movz x1, #1, lsl #32 (x1 = 0x100000000, the MMIO base).</summary>
    private const uint MovzX1Base = 0xD2C00021;
    /// <summary>b . (spin, should the store ever return).</summary>
    private const uint BranchSelf = 0x14000000;

    /// <summary>str wzr, [x1, #offset] (STR immediate, unsigned offset, 32-bit; imm12 = offset / 4).</summary>
    public static uint StoreWzr(ulong offset) => 0xB9000000u | (uint)(offset / 4) << 10 | 1u << 5 | 31u;

    public static void Write(Span<byte> low)
    {
        var table = low.Slice((int)Layout.Vectors, Entries * EntrySize);
        table.Clear();
        for (int i = 0; i < Entries; i++)
        {
            var e = table[(i * EntrySize)..];
            BinaryPrimitives.WriteUInt32LittleEndian(e, MovzX1Base);
            BinaryPrimitives.WriteUInt32LittleEndian(e[4..], StoreWzr(Layout.VectorTrap + (ulong)i * 8));
            BinaryPrimitives.WriteUInt32LittleEndian(e[8..], BranchSelf);
        }
    }

    /// <summary>"synchronous, current EL with SP_ELx" and so on, for vector index 0-15.</summary>
    public static string Describe(int index) =>
        (index % 4) switch { 0 => "synchronous", 1 => "IRQ", 2 => "FIQ", _ => "SError" } + ", " +
        (index / 4) switch { 0 => "current EL with SP_EL0", 1 => "current EL with SP_ELx", 2 => "lower EL (AArch64)", _ => "lower EL (AArch32)" };
}
