using System;
using System.Runtime.InteropServices;

namespace Ukvm.Interop;

/// <summary>
/// The C library calls the monitor makes, native names kept verbatim. This file and
/// <see cref="Ukvm.Core.GuestMemory"/> hold all of the monitor's unsafe code.
/// </summary>
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CLOEXEC = 0x80000, O_NONBLOCK = 0x800;
    public const int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    public const int MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
    public const int EINTR = 4, EIO = 5, EAGAIN = 11, ENOMEM = 12, EFAULT = 14, EBUSY = 16, E2BIG = 7;
    public const int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1;
    public const short POLLIN = 1;

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec { public long tv_sec; public long tv_nsec; }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd { public int fd; public short events; public short revents; }

    [LibraryImport(Lib, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int open(string path, int flags, int mode);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int close(int fd);

    // ioctl(2) is variadic; on x86_64 and AArch64 Linux an integer or pointer third argument is
    // passed exactly as for a fixed-argument function, so a fixed signature is sound.
    [LibraryImport(Lib, SetLastError = true)]
    public static partial int ioctl(SafeHandle fd, nuint request, nint arg);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int ioctl(SafeHandle fd, nuint request, void* arg);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial void* mmap(void* addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int munmap(void* addr, nuint length);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int mprotect(void* addr, nuint length, int prot);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint write(int fd, byte* buf, nuint count);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint read(int fd, byte* buf, nuint count);

    /// <summary>struct iovec.</summary>
    public struct IoVec { public void* iov_base; public nuint iov_len; }

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint readv(int fd, IoVec* iov, int iovcnt);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint writev(int fd, IoVec* iov, int iovcnt);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint pread(SafeHandle fd, byte* buf, nuint count, long offset);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint pwrite(SafeHandle fd, byte* buf, nuint count, long offset);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int ppoll(PollFd* fds, nuint nfds, Timespec* timeout, void* sigmask);

    // Trivial and non-blocking: no GC transition needed (dotnet/runtime interop guidance).
    [LibraryImport(Lib)]
    [SuppressGCTransition]
    public static partial int clock_gettime(int clockid, Timespec* tp);

    public const int SEEK_END = 2;

    [LibraryImport(Lib, SetLastError = true)]
    public static partial long lseek(SafeHandle fd, long offset, int whence);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint read(SafeHandle fd, byte* buf, nuint count);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint write(SafeHandle fd, byte* buf, nuint count);

    [LibraryImport(Lib, EntryPoint = "if_nametoindex", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial uint if_nametoindex(string name);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint getrandom(void* buf, nuint buflen, uint flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    // syscall(2) is variadic; integer and pointer arguments pass as for a fixed-argument function
    // on x86_64 and AArch64 Linux (used for seccomp, which glibc 2.36 does not wrap).
    [LibraryImport(Lib, SetLastError = true)]
    public static partial long syscall(long number, uint op, uint flags, void* args);

    [LibraryImport(Lib)]
    public static partial int getppid();

    public const int EFD_CLOEXEC = 0x80000;

    /// <summary>eventfd(2): a counter descriptor (the net ring's kick, registered with KVM_IOEVENTFD).</summary>
    [LibraryImport(Lib, SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);

    /// <summary>_exit(2) (exit_group): ends every thread at once, from any thread, running nothing else.</summary>
    [LibraryImport(Lib, EntryPoint = "_exit")]
    public static partial void _exit(int status);

    [LibraryImport(Lib, EntryPoint = "strerror")]
    private static partial byte* strerror_native(int errnum);

    /// <summary>The C library's text for an errno value.</summary>
    public static string StrError(int errno)
    {
        byte* s = strerror_native(errno);
        return s == null ? $"errno {errno}" : Marshal.PtrToStringUTF8((nint)s) ?? $"errno {errno}";
    }

    /// <summary>errno of the last call made with SetLastError.</summary>
    public static int Errno => Marshal.GetLastPInvokeError();
}
