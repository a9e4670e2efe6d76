using System.Runtime.InteropServices;
using Ukvm.Core;
using Ukvm.Interop;

namespace Ukvm.Security;

/// <summary>Installs a compiled filter on every thread of the process (seccomp(2), TSYNC).</summary>
internal static unsafe class Seccomp
{
    private const int PR_SET_NO_NEW_PRIVS = 38;
    private const uint SECCOMP_SET_MODE_FILTER = 1, SECCOMP_FILTER_FLAG_TSYNC = 1;
    private const long SysSeccompX86_64 = 317, SysSeccompAarch64 = 277;

    [StructLayout(LayoutKind.Sequential)]
    private struct SockFprog { public ushort Len; public BpfInsn* Filter; }

    /// <summary>
    /// Runs, once, what the monitor's error path needs that makes system calls on first use: an
    /// interpolated string returns its buffer to the shared ArrayPool, whose first use per thread
    /// seeds a random number generator from /dev/urandom (open and read are not allowed later).
    /// </summary>
    private static void WarmUpErrorPath()
    {
        ulong probe = (ulong)System.Environment.TickCount64;
        string line = $"{probe:x} {probe} {nameof(Seccomp)}";
        _ = System.Text.Encoding.UTF8.GetByteCount(line);
        _ = new object().GetHashCode();
    }

    /// <summary>The audit architecture and syscall numbers of this process.</summary>
    public static (uint Arch, System.Collections.Generic.IReadOnlyDictionary<string, int> Numbers, long SysSeccomp) Host =>
        RuntimeInformation.ProcessArchitecture == Architecture.Arm64
            ? (SyscallNumbers.AuditArchAarch64, SyscallNumbers.Aarch64, SysSeccompAarch64)
            : (SyscallNumbers.AuditArchX86_64, SyscallNumbers.X86_64, SysSeccompX86_64);

    /// <summary>Compiles <paramref name="policy"/> for this host and installs it; from here on, unlisted calls kill the process.</summary>
    public static void Install(SyscallPolicy policy)
    {
        var (arch, numbers, sys) = Host;
        BpfInsn[] program = BpfCompiler.Compile(policy, arch, numbers);
        WarmUpErrorPath();
        // BpfInsn is 8 bytes laid out as struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }.
        fixed (BpfInsn* p = program)
        {
            var prog = new SockFprog { Len = (ushort)program.Length, Filter = p };
            if (Libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
                throw MonitorException.FromErrno("prctl(PR_SET_NO_NEW_PRIVS)", Libc.Errno);
            if (Libc.syscall(sys, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0)
                throw MonitorException.FromErrno("seccomp(SECCOMP_SET_MODE_FILTER)", Libc.Errno);
        }
    }
}
