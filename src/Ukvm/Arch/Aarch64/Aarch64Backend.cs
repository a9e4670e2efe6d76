using System;
using System.Buffers.Binary;
using Ukvm.Abi;
using Ukvm.Core;
using Ukvm.Kvm;

namespace Ukvm.Arch.Aarch64;

/// <summary>
/// AArch64: EL1 with the MMU on over 1:1 tables the monitor builds, the monitor's vectors at
/// VBAR_EL1, the generic timer's frequency in the boot info, hypercalls as MMIO stores.
/// </summary>
internal sealed class Aarch64Backend : IArchBackend
{
    public string Name => "aarch64";
    public ushort ElfMachine => Elf.ElfImage.MachineAarch64;
    public ulong MemoryGranule => Layout.BlockSize2M;
    public ulong MaxMemory => Layout.MaxMemory;
    public ulong BootInfoAddress => Layout.BootInfo;
    public ulong ManifestAddress => Layout.Manifest;
    public ulong CmdlineAddress => Layout.Cmdline;
    public ulong LowEnd => Layout.LowEnd;
    /// <summary>User mode is a workaround for x86 PVM hosts; AArch64 guests run at EL1.</summary>
    public uint HostFeatures => 0;

    /// <summary>
    /// No net ring on AArch64: Solo5 kicks it with a store to 0x100000100, which ukvm's own vector
    /// table already uses to report early exceptions (0x100000100 + 8 * vector).
    /// </summary>
    public ulong NetRingAddress => 0;
    public ulong NetRingSpace => 0;
    public void ShareNetRing(GuestMemory memory, ulong length) => throw new NotSupportedException("no net ring on aarch64");

    public void SetupMemory(GuestMemory memory, PagePermissions image)
    {
        var low = memory.Bytes(0, Layout.LowEnd, "low memory");
        VectorTable.Write(low);
        PageTables.Build(low, memory.Size, image);
    }

    public ulong SetupVcpu(KvmVm vm, KvmVcpu vcpu, GuestMemory memory, ulong entry)
    {
        // Stores KVM cannot decode (no syndrome: STP, writeback) into read-only or MMIO memory
        // exit to the monitor instead of failing KVM_RUN with ENOSYS.
        if (vm.System.CheckExtension(KvmIoctl.CAP_ARM_NISV_TO_USER) > 0)
            vm.EnableCap(KvmIoctl.CAP_ARM_NISV_TO_USER);
        // The preferred target with PSCI 0.2, or PSCI calls never reach KVM (testing.md).
        var init = vm.ArmPreferredTarget();
        init[1] |= 1u << KvmIoctl.ARM_VCPU_PSCI_0_2;
        vcpu.ArmVcpuInit(init);
        vcpu.SetOneReg(Registers.CpacrEl1, vcpu.GetOneReg(Registers.CpacrEl1) | Registers.CpacrFpen);
        vcpu.SetOneReg(Registers.MairEl1, Registers.MairInit);
        vcpu.SetOneReg(Registers.TcrEl1, Registers.TcrInit);
        vcpu.SetOneReg(Registers.Ttbr0El1, Layout.L0);
        vcpu.SetOneReg(Registers.SctlrEl1, Registers.SctlrInit);
        vcpu.SetOneReg(Registers.VbarEl1, Layout.Vectors);
        vcpu.SetOneReg(Registers.Pstate, Registers.PstateInit);
        vcpu.SetOneReg(Registers.SpEl1, memory.Size - 16); // AAPCS64: 16-byte aligned stack
        vcpu.SetOneReg(Registers.X(0), Layout.BootInfo);
        vcpu.SetOneReg(Registers.Pc, entry);
        return CounterFrequency.Read();
    }

    // kvm_run: exit_reason at 8; mmio { u64 phys_addr; u8 data[8]; u32 len; u8 is_write; } at 32;
    // system_event { u32 type; ... } at 32.
    // arm_nisv { u64 esr_iss; u64 fault_ipa; } at 32.
    private const int ExitReason = 8, MmioPhysAddr = 32, MmioData = 40, MmioLen = 48, MmioIsWrite = 52, EventType = 32,
        NisvFaultIpa = 40;
    private const uint SystemEventShutdown = 1, SystemEventReset = 2, SystemEventCrash = 3;

    public GuestExit DecodeExit(ReadOnlySpan<byte> run, ulong memorySize)
    {
        var reason = (KvmExitReason)BinaryPrimitives.ReadUInt32LittleEndian(run[ExitReason..]);
        switch (reason)
        {
            case KvmExitReason.Mmio:
            {
                ulong addr = BinaryPrimitives.ReadUInt64LittleEndian(run[MmioPhysAddr..]);
                uint len = BinaryPrimitives.ReadUInt32LittleEndian(run[MmioLen..]);
                bool isWrite = run[MmioIsWrite] != 0;
                ulong off = addr - Layout.MmioBase;
                if (addr >= Layout.MmioBase && off < (ulong)HvtAbi.HypercallMax * 8 && off % 8 == 0 && off != 0 && isWrite && len == 4)
                    return GuestExit.Call((int)(off >> 3), BinaryPrimitives.ReadUInt32LittleEndian(run[MmioData..]));
                if (addr >= Layout.MmioBase && off >= Layout.VectorTrap && off < Layout.VectorTrap + VectorTable.Entries * 8 && off % 8 == 0)
                {
                    int vector = (int)((off - Layout.VectorTrap) / 8);
                    return GuestExit.Fault($"guest exception before it installed its own vectors: {VectorTable.Describe(vector)}",
                        faultRegisters: true);
                }
                if (addr < memorySize)
                    return GuestExit.Fault($"host/guest translation fault: write to read-only guest memory at 0x{addr:x}");
                return GuestExit.Fault($"invalid guest MMIO {(isWrite ? "write" : "read")} at 0x{addr:x}, {len} bytes");
            }
            case KvmExitReason.ArmNisv:
            {
                ulong ipa = BinaryPrimitives.ReadUInt64LittleEndian(run[NisvFaultIpa..]);
                return GuestExit.Fault(ipa < memorySize
                    ? $"host/guest translation fault: write to read-only guest memory at 0x{ipa:x}"
                    : $"invalid guest MMIO access at 0x{ipa:x} (an instruction KVM cannot decode: use a plain str w)");
            }
            case KvmExitReason.SystemEvent:
                return BinaryPrimitives.ReadUInt32LittleEndian(run[EventType..]) switch
                {
                    SystemEventShutdown => GuestExit.Fault("guest powered off (PSCI SYSTEM_OFF) instead of calling HALT"),
                    SystemEventReset => GuestExit.Fault("guest reset the system (PSCI SYSTEM_RESET)"),
                    SystemEventCrash => GuestExit.Fault("guest reported a crash (system event)"),
                    var t => GuestExit.Fault($"unexpected KVM system event {t}"),
                };
            default:
                return CommonExits.Decode(reason, run);
        }
    }

    public string CpuState(KvmVcpu vcpu, bool faultRegisters = false) => faultRegisters
        ? $"pc 0x{vcpu.GetOneReg(Registers.Pc):x}, esr_el1 0x{vcpu.GetOneReg(Registers.EsrEl1):x}, " +
          $"far_el1 0x{vcpu.GetOneReg(Registers.FarEl1):x}, elr_el1 0x{vcpu.GetOneReg(Registers.ElrEl1):x}, " +
          $"spsr_el1 0x{vcpu.GetOneReg(Registers.SpsrEl1):x}"
        : $"pc 0x{vcpu.GetOneReg(Registers.Pc):x}";
}
