using System.Runtime.InteropServices;
using Ukvm.Core;
using Ukvm.Interop;

namespace Ukvm.Arch.Aarch64;

/// <summary>
/// CNTFRQ_EL0, the generic timer's frequency, which the guest needs in its boot info. KVM does
/// not report it and Linux exposes it nowhere else, so the monitor reads the register itself
/// (EL0 may read it: Linux sets CNTKCTL_EL1.EL0PCTEN) with a two-instruction stub.
/// </summary>
internal static unsafe class CounterFrequency
{
    private const uint MrsX0Cntfrq = 0xD53BE000; // mrs x0, cntfrq_el0
    private const uint Ret = 0xD65F03C0;         // ret

    public static ulong Read()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.Arm64)
            throw new MonitorException("CNTFRQ_EL0 can only be read on an AArch64 host");
        void* page = Libc.mmap(null, 4096, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        if (page == (void*)-1)
            throw MonitorException.FromErrno("mmap for the counter-frequency stub", Libc.Errno);
        try
        {
            ((uint*)page)[0] = MrsX0Cntfrq;
            ((uint*)page)[1] = Ret;
            // SAFETY: the page holds exactly the two instructions above and nothing else; making it
            // executable (and no longer writable) lets Linux synchronise the instruction cache.
            if (Libc.mprotect(page, 4096, Libc.PROT_READ | Libc.PROT_EXEC) != 0)
                throw MonitorException.FromErrno("mprotect of the counter-frequency stub", Libc.Errno);
            return ((delegate* unmanaged<ulong>)page)();
        }
        finally
        {
            Libc.munmap(page, 4096);
        }
    }
}
