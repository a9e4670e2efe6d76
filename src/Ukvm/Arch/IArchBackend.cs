using System;
using Ukvm.Core;
using Ukvm.Kvm;

namespace Ukvm.Arch;

/// <summary>How a vCPU exit is to be handled: a hypercall to dispatch, or the end of the guest.</summary>
internal enum GuestExitKind { Hypercall, Fault }

/// <summary>A decoded vCPU exit. For faults, <see cref="Reason"/> is the one-line explanation.</summary>
/// <see cref="FaultRegisters"/>: the guest's own exception registers describe this fault (an
/// exception it took), rather than an exit KVM took on its behalf.
internal readonly record struct GuestExit(GuestExitKind Kind, int Hypercall, ulong Gpa, string? Reason, bool FaultRegisters = false)
{
    public static GuestExit Call(int nr, ulong gpa) => new(GuestExitKind.Hypercall, nr, gpa, null);
    public static GuestExit Fault(string reason, bool faultRegisters = false) => new(GuestExitKind.Fault, 0, 0, reason, faultRegisters);
}

/// <summary>
/// What differs between architectures: memory layout, vCPU setup, and exit decoding. Callers
/// never branch on the architecture; each backend mirrors the other file for file.
/// </summary>
internal interface IArchBackend
{
    string Name { get; }
    /// <summary>ELF e_machine of images this backend runs.</summary>
    ushort ElfMachine { get; }
    /// <summary>Guest memory is a multiple of this and at most <see cref="MaxMemory"/>.</summary>
    ulong MemoryGranule { get; }
    ulong MaxMemory { get; }
    ulong BootInfoAddress { get; }
    ulong ManifestAddress { get; }
    ulong CmdlineAddress { get; }
    /// <summary>End of the monitor-owned low area, read-only to the guest.</summary>
    ulong LowEnd { get; }
    /// <summary>Boot info host_features this backend offers.</summary>
    uint HostFeatures { get; }

    /// <summary>
    /// Guest physical address of the area set aside for Solo5's network ring (in the monitor's
    /// low area, page-aligned), or 0 where the ring is not offered.
    /// </summary>
    ulong NetRingAddress { get; }
    /// <summary>Bytes set aside at <see cref="NetRingAddress"/> (a whole number of pages).</summary>
    ulong NetRingSpace { get; }

    /// <summary>
    /// Makes the first <paramref name="length"/> bytes (rounded up to pages) of the net ring area
    /// read-write for the guest: they are read-only in the page tables until the ring is offered.
    /// </summary>
    void ShareNetRing(GuestMemory memory, ulong length);

    /// <summary>Writes page tables (with each image page's rights) and descriptor tables into guest memory.</summary>
    void SetupMemory(GuestMemory memory, PagePermissions image);

    /// <summary>Sets the vCPU's registers to enter the image; returns the CPU cycle counter frequency in Hz.</summary>
    ulong SetupVcpu(KvmVm vm, KvmVcpu vcpu, GuestMemory memory, ulong entry);

    /// <summary>Decodes the kvm_run area after an exit (pure: testable with made-up exits).</summary>
    GuestExit DecodeExit(ReadOnlySpan<byte> run, ulong memorySize);

    /// <summary>The guest's program counter (and with <paramref name="faultRegisters"/> its exception registers) on one line.</summary>
    string CpuState(KvmVcpu vcpu, bool faultRegisters = false);
}
