using System;
using System.Diagnostics.CodeAnalysis;
using Ukvm.Kvm;

namespace Ukvm.Security;

/// <summary>
/// The system calls every run loop needs, whatever the modules (docs/security.md explains each).
/// Modules add their own descriptors (taps: read/write; block files: pread64/pwrite64).
/// </summary>
internal static class RunLoopPolicy
{
    private const ulong ProtExec = 4, PrSetName = 15;

    public static SyscallPolicy Base(int vcpuFd)
    {
        var p = new SyscallPolicy();
        ulong vcpu = (ulong)vcpuFd;
        // The vCPU: run it, and read its registers to describe a fault.
        p.AllowWhen("ioctl", ArgCheck.Equal(0, vcpu), ArgCheck.Equal(1, KvmIoctl.RUN));
        p.AllowWhen("ioctl", ArgCheck.Equal(0, vcpu), ArgCheck.Equal(1, KvmIoctl.GET_REGS));
        p.AllowWhen("ioctl", ArgCheck.Equal(0, vcpu), ArgCheck.Equal(1, KvmIoctl.GET_ONE_REG));
        // The console (PUTS) and the monitor's own error line.
        p.AllowWhen("write", ArgCheck.Equal(0, 1));
        p.AllowWhen("write", ArgCheck.Equal(0, 2));
        // POLL, WALLTIME, HALT.
        p.Allow("ppoll").Allow("clock_gettime").Allow("exit_group").Allow("exit");
        // The .NET runtime: memory for the GC (never executable), its locks and signals, and the
        // descriptors and mappings released as the monitor exits.
        p.AllowWhen("mmap", ArgCheck.NoBits(2, ProtExec));
        p.AllowWhen("mprotect", ArgCheck.NoBits(2, ProtExec));
        p.Allow("munmap").Allow("madvise").Allow("futex").Allow("membarrier").Allow("sched_yield").Allow("nanosleep");
        p.Allow("rt_sigprocmask").Allow("rt_sigreturn").Allow("getpid").Allow("gettid").Allow("tgkill").Allow("close");
        // The runtime's finalizer thread may still be starting when the filter goes on (TSYNC
        // covers it): what glibc does at thread start.
        p.Allow("rseq").Allow("set_robust_list").Allow("sigaltstack").Allow("sched_getaffinity");
        p.AllowWhen("prctl", ArgCheck.Equal(0, PrSetName)); // the runtime names its threads
        return p;
    }

    /// <summary>
    /// A build for tests only (-p:UkvmSeccompSelfTest=true): after installing the filter the
    /// monitor makes a forbidden call, which must kill it. Trimmed away in real builds.
    /// </summary>
    [FeatureSwitchDefinition("Ukvm.SeccompSelfTest")]
    public static bool SelfTest => AppContext.TryGetSwitch("Ukvm.SeccompSelfTest", out bool on) && on;
}
