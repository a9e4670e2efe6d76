using System;
using Ukvm.Core;
using Ukvm.Interop;

namespace Ukvm.Kvm;

/// <summary>A vCPU: its registers, and KVM_RUN with the kvm_run area read in place.</summary>
internal sealed unsafe class KvmVcpu : IDisposable
{
    private readonly byte* _run;
    private readonly int _runSize;

    public FdHandle Handle { get; }

    internal KvmVcpu(FdHandle handle, byte* run, int runSize)
    {
        Handle = handle;
        _run = run;
        _runSize = runSize;
    }

    /// <summary>
    /// The kvm_run area, shared with the kernel. SAFETY: mapped for the vCPU's lifetime with
    /// exactly _runSize bytes; the kernel writes it only while KVM_RUN is in progress.
    /// </summary>
    public ReadOnlySpan<byte> RunArea => new(_run, _runSize);

    /// <summary>
    /// KVM_RUN until the guest exits to the monitor. Returns 0, or the errno of a failed run
    /// (EFAULT: host/guest translation fault); EINTR is retried.
    /// </summary>
    public int Run()
    {
        while (true)
        {
            if (Libc.ioctl(Handle, KvmIoctl.RUN, 0) >= 0)
                return 0;
            int errno = Libc.Errno;
            if (errno != Libc.EINTR && errno != Libc.EAGAIN)
                return errno;
        }
    }

    public KvmRegs GetRegs()
    {
        KvmRegs regs;
        Check(Libc.ioctl(Handle, KvmIoctl.GET_REGS, &regs), "KVM_GET_REGS");
        return regs;
    }

    public void SetRegs(in KvmRegs regs)
    {
        fixed (KvmRegs* p = &regs)
            Check(Libc.ioctl(Handle, KvmIoctl.SET_REGS, p), "KVM_SET_REGS");
    }

    public void SetSregs(in KvmSregs sregs)
    {
        fixed (KvmSregs* p = &sregs)
            Check(Libc.ioctl(Handle, KvmIoctl.SET_SREGS, p), "KVM_SET_SREGS");
    }

    /// <summary>KVM_SET_CPUID2 with a buffer from <see cref="KvmSystem.SupportedCpuid"/>.</summary>
    public void SetCpuid2(byte[] cpuid2)
    {
        fixed (byte* p = cpuid2)
            Check(Libc.ioctl(Handle, KvmIoctl.SET_CPUID2, p), "KVM_SET_CPUID2");
    }

    /// <summary>KVM_GET_TSC_KHZ; EIO means the host TSC is unstable.</summary>
    public uint GetTscKhz()
    {
        int khz = Libc.ioctl(Handle, KvmIoctl.GET_TSC_KHZ, 0);
        if (khz < 0)
        {
            int errno = Libc.Errno;
            if (errno == Libc.EIO)
                throw new MonitorException("KVM: host TSC is unstable, cannot continue");
            throw MonitorException.FromErrno("KVM: ioctl KVM_GET_TSC_KHZ", errno);
        }
        return (uint)khz;
    }

    /// <summary>AArch64: KVM_ARM_VCPU_INIT with a struct kvm_vcpu_init (target and feature bits).</summary>
    public void ArmVcpuInit(uint[] init)
    {
        fixed (uint* p = init)
            Check(Libc.ioctl(Handle, KvmIoctl.ARM_VCPU_INIT, p), "KVM_ARM_VCPU_INIT");
    }

    /// <summary>KVM_GET_ONE_REG / KVM_SET_ONE_REG (used by the AArch64 backend).</summary>
    public ulong GetOneReg(ulong id)
    {
        ulong value;
        var reg = stackalloc ulong[2] { id, (ulong)&value };
        Check(Libc.ioctl(Handle, KvmIoctl.GET_ONE_REG, reg), "KVM_GET_ONE_REG");
        return value;
    }

    public void SetOneReg(ulong id, ulong value)
    {
        var reg = stackalloc ulong[2] { id, (ulong)&value };
        Check(Libc.ioctl(Handle, KvmIoctl.SET_ONE_REG, reg), "KVM_SET_ONE_REG");
    }

    private static void Check(int ret, string name)
    {
        if (ret < 0)
            throw MonitorException.FromErrno($"KVM: ioctl {name}", Libc.Errno);
    }

    public void Dispose()
    {
        Libc.munmap(_run, (nuint)_runSize);
        Handle.Dispose();
    }
}
