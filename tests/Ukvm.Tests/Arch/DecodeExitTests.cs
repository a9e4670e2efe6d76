using System.Buffers.Binary;
using Ukvm.Arch;
using Ukvm.Arch.X86_64;

namespace Ukvm.Tests.Arch;

/// <summary>X86Backend.DecodeExit fed made-up kvm_run areas (linux/kvm.h layout: exit_reason at 8, union at 32).</summary>
public class DecodeExitTests
{
    private const int RunSize = 3 * 4096, DataOffset = 4096;
    private const ulong Mem = 4 << 20;
    private const uint ExitIo = 2, ExitHlt = 5, ExitMmio = 6, ExitShutdown = 8, ExitFailEntry = 9, ExitInternalError = 17;
    private static readonly X86Backend Arch = new();

    private static byte[] Run(uint reason)
    {
        var run = new byte[RunSize];
        BinaryPrimitives.WriteUInt32LittleEndian(run.AsSpan(8), reason);
        return run;
    }

    /// <summary>struct { u8 direction; u8 size; u16 port; u32 count; u64 data_offset; } io at 32.</summary>
    private static byte[] Io(bool output, byte size, ushort port, uint count = 1, ulong dataOffset = DataOffset, uint value = 0x101000)
    {
        var run = Run(ExitIo);
        run[32] = output ? (byte)1 : (byte)0;
        run[33] = size;
        BinaryPrimitives.WriteUInt16LittleEndian(run.AsSpan(34), port);
        BinaryPrimitives.WriteUInt32LittleEndian(run.AsSpan(36), count);
        BinaryPrimitives.WriteUInt64LittleEndian(run.AsSpan(40), dataOffset);
        if (dataOffset <= RunSize - 4)
            BinaryPrimitives.WriteUInt32LittleEndian(run.AsSpan((int)dataOffset), value);
        return run;
    }

    private static GuestExit Decode(byte[] run) => Arch.DecodeExit(run, Mem);

    private static void AssertFault(GuestExit exit, string reason)
    {
        Assert.Equal(GuestExitKind.Fault, exit.Kind);
        Assert.Contains(reason, exit.Reason);
    }

    [Theory]
    [InlineData(0x501, 1)]
    [InlineData(0x502, 2)]
    [InlineData(0x503, 3)]
    [InlineData(0x504, 4)]
    [InlineData(0x507, 7)]
    [InlineData(0x508, 8)]
    public void OutlToHypercallPortIsAHypercall(int port, int nr)
    {
        var exit = Decode(Io(true, 4, (ushort)port, value: 0xdeadbeef));
        Assert.Equal(GuestExitKind.Hypercall, exit.Kind);
        Assert.Equal(nr, exit.Hypercall);
        Assert.Equal(0xdeadbeefUL, exit.Gpa);
    }

    [Fact]
    public void ArgumentIsReadAtDataOffset()
    {
        var run = Io(true, 4, 0x502, dataOffset: 200, value: 0x123456);
        BinaryPrimitives.WriteUInt32LittleEndian(run.AsSpan(DataOffset), 0x999999); // not where data_offset points
        Assert.Equal(0x123456UL, Decode(run).Gpa);
    }

    [Fact]
    public void DataOffsetAtTheLastFourBytesIsAccepted()
    {
        var exit = Decode(Io(true, 4, 0x508, dataOffset: RunSize - 4, value: 42));
        Assert.Equal(GuestExitKind.Hypercall, exit.Kind);
        Assert.Equal(42UL, exit.Gpa);
    }

    [Theory]
    [InlineData(RunSize - 3UL)]
    [InlineData((ulong)RunSize)]
    [InlineData(ulong.MaxValue)]
    [InlineData(ulong.MaxValue - 2)]
    public void DataOffsetOutsideTheRunAreaIsAFault(ulong offset)
    {
        AssertFault(Decode(Io(true, 4, 0x502, dataOffset: offset)), "port I/O data outside the kvm_run area");
    }

    [Fact]
    public void InFromHypercallPortIsAFault() =>
        AssertFault(Decode(Io(false, 4, 0x502)), "invalid guest port access: in port 0x502, size 4");

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void NarrowOutIsAFault(byte size) =>
        AssertFault(Decode(Io(true, size, 0x502)), $"invalid guest port access: out port 0x502, size {size}");

    [Fact]
    public void SerialPortIsAFault() =>
        AssertFault(Decode(Io(true, 1, 0x3f8)), "invalid guest port access: out port 0x3f8, size 1");

    [Theory]
    [InlineData(0x500)]
    [InlineData(0x509)]
    [InlineData(0x4ff)]
    [InlineData(0xffff)]
    [InlineData(0x0)]
    public void PortsOutsideTheHypercallRangeAreFaults(int port) =>
        AssertFault(Decode(Io(true, 4, (ushort)port)), $"invalid guest port access: out port 0x{port:x}, size 4");

    [Fact]
    public void RepeatedOutIsAFault() =>
        AssertFault(Decode(Io(true, 4, 0x502, count: 2)), "invalid guest port access");

    [Fact]
    public void MmioInsideMemoryIsATranslationFault()
    {
        var run = Run(ExitMmio);
        BinaryPrimitives.WriteUInt64LittleEndian(run.AsSpan(32), 0x100000);
        AssertFault(Decode(run), "host/guest translation fault");
        Assert.Contains("0x100000", Decode(run).Reason);
    }

    [Theory]
    [InlineData(Mem)]
    [InlineData(0xfee00000UL)]
    [InlineData(ulong.MaxValue)]
    public void MmioOutsideMemoryIsInvalid(ulong addr)
    {
        var run = Run(ExitMmio);
        BinaryPrimitives.WriteUInt64LittleEndian(run.AsSpan(32), addr);
        AssertFault(Decode(run), $"invalid guest MMIO access at 0x{addr:x}");
    }

    [Fact]
    public void ShutdownIsTripleFault() => AssertFault(Decode(Run(ExitShutdown)), "guest triple fault (KVM_EXIT_SHUTDOWN)");

    [Fact]
    public void HltIsAFault() => AssertFault(Decode(Run(ExitHlt)), "guest halted the CPU (hlt) instead of calling HALT");

    [Fact]
    public void FailEntryReportsHardwareReason()
    {
        var run = Run(ExitFailEntry);
        BinaryPrimitives.WriteUInt64LittleEndian(run.AsSpan(32), 0x80000021);
        AssertFault(Decode(run), "KVM: entry failure, hardware reason 0x80000021");
    }

    [Fact]
    public void InternalErrorSuberror1IsEmulationFailure()
    {
        var run = Run(ExitInternalError);
        BinaryPrimitives.WriteUInt32LittleEndian(run.AsSpan(32), 1);
        AssertFault(Decode(run), "KVM: internal error, suberror 1 (instruction emulation failed)");
    }

    [Fact]
    public void InternalErrorOtherSuberror()
    {
        var run = Run(ExitInternalError);
        BinaryPrimitives.WriteUInt32LittleEndian(run.AsSpan(32), 3);
        AssertFault(Decode(run), "KVM: internal error, suberror 3");
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(24u)]
    [InlineData(99u)]
    [InlineData(uint.MaxValue)]
    public void UnknownReasonIsAFault(uint reason) =>
        AssertFault(Decode(Run(reason)), $"KVM: unhandled exit reason {reason}");
}
