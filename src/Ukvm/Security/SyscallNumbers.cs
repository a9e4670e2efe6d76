using System.Collections.Generic;

namespace Ukvm.Security;

/// <summary>
/// System call numbers and seccomp audit architectures (linux/audit.h; arch/x86/entry/syscalls/
/// syscall_64.tbl and include/uapi/asm-generic/unistd.h for AArch64).
/// </summary>
internal static class SyscallNumbers
{
    public const uint AuditArchX86_64 = 0xC000003E, AuditArchAarch64 = 0xC00000B7;

    public static readonly IReadOnlyDictionary<string, int> X86_64 = new Dictionary<string, int>
    {
        ["read"] = 0, ["write"] = 1, ["readv"] = 19, ["writev"] = 20, ["close"] = 3, ["mmap"] = 9, ["mprotect"] = 10, ["munmap"] = 11,
        ["rt_sigprocmask"] = 14, ["rt_sigreturn"] = 15, ["ioctl"] = 16, ["pread64"] = 17, ["pwrite64"] = 18,
        ["sched_yield"] = 24, ["madvise"] = 28, ["nanosleep"] = 35, ["getpid"] = 39, ["exit"] = 60,
        ["getppid"] = 110, ["gettid"] = 186, ["futex"] = 202, ["clock_gettime"] = 228, ["exit_group"] = 231,
        ["tgkill"] = 234, ["ppoll"] = 271, ["membarrier"] = 324,
        ["prctl"] = 157, ["rseq"] = 334, ["set_robust_list"] = 273, ["sigaltstack"] = 131, ["sched_getaffinity"] = 204,
    };

    public static readonly IReadOnlyDictionary<string, int> Aarch64 = new Dictionary<string, int>
    {
        ["read"] = 63, ["write"] = 64, ["readv"] = 65, ["writev"] = 66, ["close"] = 57, ["mmap"] = 222, ["mprotect"] = 226, ["munmap"] = 215,
        ["rt_sigprocmask"] = 135, ["rt_sigreturn"] = 139, ["ioctl"] = 29, ["pread64"] = 67, ["pwrite64"] = 68,
        ["sched_yield"] = 124, ["madvise"] = 233, ["nanosleep"] = 101, ["getpid"] = 172, ["exit"] = 93,
        ["getppid"] = 173, ["gettid"] = 178, ["futex"] = 98, ["clock_gettime"] = 113, ["exit_group"] = 94,
        ["tgkill"] = 131, ["ppoll"] = 73, ["membarrier"] = 283,
        ["prctl"] = 167, ["rseq"] = 293, ["set_robust_list"] = 99, ["sigaltstack"] = 132, ["sched_getaffinity"] = 123,
    };
}
