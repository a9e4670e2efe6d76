using System;
using System.Buffers.Binary;
using Ukvm.Kvm;

namespace Ukvm.Arch;

/// <summary>Exits that mean the same on every architecture: all of them end the guest.</summary>
internal static class CommonExits
{
    // kvm_run union offsets (linux/kvm.h): fail_entry and internal both start at 32.
    private const int FailReason = 32, InternalSuberror = 32;

    public static GuestExit Decode(KvmExitReason reason, ReadOnlySpan<byte> run) => reason switch
    {
        KvmExitReason.FailEntry => GuestExit.Fault(
            $"KVM: entry failure, hardware reason 0x{BinaryPrimitives.ReadUInt64LittleEndian(run[FailReason..]):x}"),
        KvmExitReason.InternalError => BinaryPrimitives.ReadUInt32LittleEndian(run[InternalSuberror..]) is var sub && sub == 1
            ? GuestExit.Fault("KVM: internal error, suberror 1 (instruction emulation failed)")
            : GuestExit.Fault($"KVM: internal error, suberror {BinaryPrimitives.ReadUInt32LittleEndian(run[InternalSuberror..])}"),
        _ => GuestExit.Fault($"KVM: unhandled exit reason {(uint)reason}"),
    };
}
