using System.Buffers.Binary;
using Ukvm.Arch;
using Ukvm.Arch.Aarch64;

namespace Ukvm.Tests.Arch;

/// <summary>Aarch64Backend.DecodeExit fed made-up kvm_run areas: hypercalls are 32-bit stores to 0x100000000 + 8 n.</summary>
public class Aarch64DecodeExitTests
{
    private const ulong Mem = 4 << 20, Base = 0x100000000;
    private const uint ExitMmio = 6, ExitSystemEvent = 24, ExitShutdown = 8;
    private static readonly Aarch64Backend Arch = new();

    /// <summary>mmio { u64 phys_addr; u8 data[8]; u32 len; u8 is_write; } at 32.</summary>
    private static GuestExit Mmio(ulong addr, bool write = true, uint len = 4, uint value = 0x101000)
    {
        var run = new byte[4096];
        BinaryPrimitives.WriteUInt32LittleEndian(run.AsSpan(8), ExitMmio);
        BinaryPrimitives.WriteUInt64LittleEndian(run.AsSpan(32), addr);
        BinaryPrimitives.WriteUInt32LittleEndian(run.AsSpan(40), value);
        BinaryPrimitives.WriteUInt32LittleEndian(run.AsSpan(48), len);
        run[52] = write ? (byte)1 : (byte)0;
        return Arch.DecodeExit(run, Mem);
    }

    private static GuestExit Event(uint reason, uint type)
    {
        var run = new byte[4096];
        BinaryPrimitives.WriteUInt32LittleEndian(run.AsSpan(8), reason);
        BinaryPrimitives.WriteUInt32LittleEndian(run.AsSpan(32), type);
        return Arch.DecodeExit(run, Mem);
    }

    private static void AssertFault(GuestExit exit, string reason)
    {
        Assert.Equal(GuestExitKind.Fault, exit.Kind);
        Assert.Contains(reason, exit.Reason);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void StoreToHypercallAddressIsAHypercall(int nr)
    {
        var exit = Mmio(Base + (ulong)nr * 8, value: 0xfffffff0);
        Assert.Equal(GuestExitKind.Hypercall, exit.Kind);
        Assert.Equal(nr, exit.Hypercall);
        Assert.Equal(0xfffffff0UL, exit.Gpa);
    }

    [Theory]
    [InlineData(Base)]          // hypercall 0
    [InlineData(Base + 9 * 8)]  // hypercall 9
    [InlineData(Base + 12)]     // not 8-aligned
    [InlineData(Base + 0x10000)]
    [InlineData(ulong.MaxValue)]
    public void OtherMmioAddressesAreInvalid(ulong addr) =>
        AssertFault(Mmio(addr), $"invalid guest MMIO write at 0x{addr:x}, 4 bytes");

    [Fact]
    public void ReadFromHypercallAddressIsInvalid() => AssertFault(Mmio(Base + 16, write: false), "invalid guest MMIO read at 0x100000010, 4 bytes");

    [Theory]
    [InlineData(1u)]
    [InlineData(2u)]
    [InlineData(8u)]
    public void NarrowOrWideStoreIsInvalid(uint len) => AssertFault(Mmio(Base + 16, len: len), $"invalid guest MMIO write at 0x100000010, {len} bytes");

    [Fact]
    public void StoreToReadOnlyGuestMemoryIsATranslationFault() =>
        AssertFault(Mmio(0x100000), "host/guest translation fault: write to read-only guest memory at 0x100000");

    [Fact]
    public void AccessJustAboveGuestMemoryIsInvalid() => AssertFault(Mmio(Mem, write: false), $"invalid guest MMIO read at 0x{Mem:x}");

    [Theory]
    [InlineData(0, "synchronous, current EL with SP_EL0")]
    [InlineData(5, "IRQ, current EL with SP_ELx")]
    [InlineData(8, "synchronous, lower EL (AArch64)")]
    [InlineData(15, "SError, lower EL (AArch32)")]
    public void MonitorVectorReportsTheException(int vector, string what) =>
        AssertFault(Mmio(Base + 0x100 + (ulong)vector * 8, value: 0), $"guest exception before it installed its own vectors: {what}");

    [Fact]
    public void PastTheLastVectorIsInvalid() => AssertFault(Mmio(Base + 0x100 + 16 * 8), "invalid guest MMIO write");

    [Theory]
    [InlineData(1u, "guest powered off (PSCI SYSTEM_OFF) instead of calling HALT")]
    [InlineData(2u, "guest reset the system (PSCI SYSTEM_RESET)")]
    [InlineData(3u, "guest reported a crash")]
    [InlineData(9u, "unexpected KVM system event 9")]
    public void SystemEvents(uint type, string reason) => AssertFault(Event(ExitSystemEvent, type), reason);

    [Fact]
    public void OtherExitsAreCommon() => AssertFault(Event(ExitShutdown, 0), "KVM: unhandled exit reason 8");
}
