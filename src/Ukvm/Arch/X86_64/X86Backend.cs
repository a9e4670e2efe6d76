using System;
using System.Buffers.Binary;
using Ukvm.Abi;
using Ukvm.Core;
using Ukvm.Kvm;

namespace Ukvm.Arch.X86_64;

/// <summary>x86_64: long mode at CPL0, identity paging, hypercalls as 32-bit port writes.</summary>
internal sealed class X86Backend : IArchBackend
{
    // Intel SDM vol. 3A, 2.5 (control registers) and 2.2.1 (EFER).
    public const ulong Cr0Pe = 1, Cr0Mp = 1 << 1, Cr0Ne = 1 << 5, Cr0Wp = 1 << 16, Cr0Pg = 1UL << 31;
    public const ulong Cr4Pae = 1 << 5, Cr4Osfxsr = 1 << 9, Cr4Osxmmexcpt = 1 << 10;
    public const ulong EferLme = 1 << 8, EferLma = 1 << 10, EferNxe = 1 << 11;
    public const ulong Cr0Init = Cr0Pe | Cr0Mp | Cr0Ne | Cr0Wp | Cr0Pg;
    public const ulong Cr4Init = Cr4Pae | Cr4Osfxsr | Cr4Osxmmexcpt;
    public const ulong EferInit = EferLme | EferLma | EferNxe;
    /// <summary>RFLAGS bit 1 is reserved and must be set; interrupts stay disabled.</summary>
    public const ulong RflagsInit = 0x2;

    public string Name => "x86_64";
    public ushort ElfMachine => Elf.ElfImage.MachineX86_64;
    public ulong MemoryGranule => Layout.LargePageSize;
    public ulong MaxMemory => Layout.MaxMemory;
    public ulong BootInfoAddress => Layout.BootInfo;
    public ulong ManifestAddress => Layout.Manifest;
    public ulong CmdlineAddress => Layout.Cmdline;
    public ulong LowEnd => Layout.LowEnd;
    public uint HostFeatures => HvtAbi.FeatureUserMode;

    public ulong NetRingAddress => Layout.NetRing;
    public ulong NetRingSpace => Layout.NetRingSpace;

    public void ShareNetRing(GuestMemory memory, ulong length)
    {
        if (length == 0 || length > Layout.NetRingSpace)
            throw new ArgumentOutOfRangeException(nameof(length));
        PageTables.AllowGuestWrites(memory.Bytes(0, Layout.LowEnd, "low memory"), Layout.NetRing,
            (length + GuestMemory.PageSize - 1) / GuestMemory.PageSize * GuestMemory.PageSize);
    }

    public void SetupMemory(GuestMemory memory, PagePermissions image)
    {
        var low = memory.Bytes(0, Layout.LowEnd, "low memory");
        Gdt.Write(low);
        PageTables.Build(low, memory.Size, image);
    }

    /// <summary>The special registers at entry, as docs/abi.md states them.</summary>
    public static KvmSregs InitialSregs()
    {
        var tr = new KvmSegment { Type = 0xb, Present = 1, Limit = 0 }; // 64-bit TSS, busy (SDM 3.5, 7.2.2)
        var ldt = new KvmSegment { Unusable = 1 };
        return new KvmSregs
        {
            Cs = Gdt.Code, Ds = Gdt.Data, Es = Gdt.Data, Fs = Gdt.Data, Gs = Gdt.Data, Ss = Gdt.Data,
            Tr = tr, Ldt = ldt,
            Gdt = new KvmDtable { Base = Layout.Gdt, Limit = Gdt.Limit },
            Cr0 = Cr0Init, Cr3 = Layout.Pml4, Cr4 = Cr4Init, Efer = EferInit,
        };
    }

    public ulong SetupVcpu(KvmVm vm, KvmVcpu vcpu, GuestMemory memory, ulong entry)
    {
        var kvm = vm.System;
        vcpu.SetCpuid2(kvm.SupportedCpuid());
        vcpu.SetSregs(InitialSregs());
        if (kvm.CheckExtension(KvmIoctl.CAP_GET_TSC_KHZ) != 1)
            throw new MonitorException("KVM: host does not support KVM_CAP_GET_TSC_KHZ");
        ulong tscHz = vcpu.GetTscKhz() * 1000UL;
        // SysV x86_64 entry convention: (rsp + 8) % 16 == 0; rdi is the only argument.
        vcpu.SetRegs(new KvmRegs
        {
            Rip = entry, Rflags = RflagsInit, Rsp = memory.Size - 8, Rdi = Layout.BootInfo,
        });
        return tscHz;
    }

    // kvm_run offsets (linux/kvm.h): exit_reason at 8, the exit union at 32.
    private const int ExitReason = 8, IoDirection = 32, IoSize = 33, IoPort = 34, IoCount = 36, IoDataOffset = 40;
    private const int MmioPhysAddr = 32;

    public GuestExit DecodeExit(ReadOnlySpan<byte> run, ulong memorySize)
    {
        var reason = (KvmExitReason)BinaryPrimitives.ReadUInt32LittleEndian(run[ExitReason..]);
        switch (reason)
        {
            case KvmExitReason.Io:
            {
                ushort port = BinaryPrimitives.ReadUInt16LittleEndian(run[IoPort..]);
                int nr = port - Layout.PioBase;
                bool isOut = run[IoDirection] == 1;
                if (!isOut || run[IoSize] != 4 || BinaryPrimitives.ReadUInt32LittleEndian(run[IoCount..]) != 1
                    || nr <= 0 || nr >= HvtAbi.HypercallMax)
                    return GuestExit.Fault(
                        $"invalid guest port access: {(isOut ? "out" : "in")} port 0x{port:x}, size {run[IoSize]}");
                ulong off = BinaryPrimitives.ReadUInt64LittleEndian(run[IoDataOffset..]);
                if (off > (ulong)run.Length - 4)
                    return GuestExit.Fault("KVM: port I/O data outside the kvm_run area");
                return GuestExit.Call(nr, BinaryPrimitives.ReadUInt32LittleEndian(run[(int)off..]));
            }
            case KvmExitReason.Mmio:
            {
                ulong addr = BinaryPrimitives.ReadUInt64LittleEndian(run[MmioPhysAddr..]);
                return GuestExit.Fault(addr < memorySize
                    ? $"host/guest translation fault: write to read-only guest memory at 0x{addr:x}"
                    : $"invalid guest MMIO access at 0x{addr:x}");
            }
            case KvmExitReason.Shutdown:
                return GuestExit.Fault("guest triple fault (KVM_EXIT_SHUTDOWN)");
            case KvmExitReason.Hlt:
                return GuestExit.Fault("guest halted the CPU (hlt) instead of calling HALT");
            default:
                return CommonExits.Decode(reason, run);
        }
    }

    public string CpuState(KvmVcpu vcpu, bool faultRegisters = false)
    {
        var r = vcpu.GetRegs();
        return $"rip 0x{r.Rip:x}, rsp 0x{r.Rsp:x}, rflags 0x{r.Rflags:x}";
    }
}
