using Ukvm.Arch;
using Ukvm.Core;
using Ukvm.Hypercalls;
using Ukvm.Interop;
using Ukvm.Kvm;

namespace Ukvm.Vmm;

/// <summary>Runs the vCPU and dispatches its exits until the guest halts or faults.</summary>
internal static class RunLoop
{
    /// <summary>Returns the guest's exit status; throws <see cref="GuestFaultException"/> when it breaks the rules.</summary>
    public static int Run(KvmVcpu vcpu, IArchBackend arch, HypercallTable hypercalls, ulong memorySize)
    {
        while (true)
        {
            int errno = vcpu.Run();
            if (errno == Libc.EFAULT)
                throw new GuestFaultException($"host/guest translation fault ({arch.CpuState(vcpu)})");
            if (errno != 0)
                throw MonitorException.FromErrno("KVM: ioctl KVM_RUN", errno);
            var exit = arch.DecodeExit(vcpu.RunArea, memorySize);
            // The hot path allocates nothing: a garbage collection here would make system calls
            // the seccomp filter does not expect, and costs time on every exit.
            // (No lambda in this method: C# would allocate its closure on every iteration.)
            var outcome = exit.Kind == GuestExitKind.Hypercall
                ? hypercalls.Dispatch(exit.Hypercall, exit.Gpa)
                : Fault(exit, hypercalls, vcpu, arch);
            if (outcome.Halted)
                return outcome.ExitStatus;
        }
    }

    private static HypercallOutcome Fault(GuestExit exit, HypercallTable hypercalls, KvmVcpu vcpu, IArchBackend arch) =>
        Handle(exit, hypercalls, () => arch.CpuState(vcpu, exit.FaultRegisters));

    /// <summary>One decoded exit: dispatch a hypercall, or end the guest with the fault's reason.</summary>
    public static HypercallOutcome Handle(GuestExit exit, HypercallTable hypercalls, System.Func<string> cpuState)
    {
        if (exit.Kind == GuestExitKind.Hypercall)
            return hypercalls.Dispatch(exit.Hypercall, exit.Gpa);
        throw new GuestFaultException($"{exit.Reason} ({cpuState()})");
    }
}
