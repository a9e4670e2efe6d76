using System.Collections.Generic;

namespace Ukvm.Security;

/// <summary>How one argument of a system call is constrained.</summary>
internal readonly record struct ArgCheck(int Index, bool MaskZero, ulong Value)
{
    /// <summary>args[index] == value.</summary>
    public static ArgCheck Equal(int index, ulong value) => new(index, false, value);
    /// <summary>(args[index] &amp; mask) == 0.</summary>
    public static ArgCheck NoBits(int index, ulong mask) => new(index, true, mask);
}

/// <summary>
/// The system calls the monitor's run loop may make once the guest is set up, built by the monitor
/// and its modules for exactly the descriptors in use: a call is allowed when it matches one of
/// its alternatives (every check of the alternative holds); anything else kills the process.
/// </summary>
internal sealed class SyscallPolicy
{
    private readonly Dictionary<string, List<ArgCheck[]>> _rules = new();

    /// <summary>The rules by system call name; an empty alternative allows any arguments.</summary>
    public IReadOnlyDictionary<string, List<ArgCheck[]>> Rules => _rules;

    /// <summary>Allows <paramref name="syscall"/> with any arguments.</summary>
    public SyscallPolicy Allow(string syscall) => AllowWhen(syscall);

    /// <summary>Allows <paramref name="syscall"/> when all of <paramref name="checks"/> hold (one alternative).</summary>
    public SyscallPolicy AllowWhen(string syscall, params ArgCheck[] checks)
    {
        if (!_rules.TryGetValue(syscall, out var alternatives))
            _rules[syscall] = alternatives = new List<ArgCheck[]>();
        alternatives.Add(checks);
        return this;
    }

    /// <summary>Allows read and write on a descriptor (a tap).</summary>
    public void AllowReadWrite(int fd)
    {
        AllowWhen("read", ArgCheck.Equal(0, (ulong)fd));
        AllowWhen("write", ArgCheck.Equal(0, (ulong)fd));
    }

    /// <summary>Allows readv and writev on a descriptor (a tap: frames behind a virtio_net_hdr).</summary>
    public void AllowVectoredIo(int fd)
    {
        AllowWhen("readv", ArgCheck.Equal(0, (ulong)fd));
        AllowWhen("writev", ArgCheck.Equal(0, (ulong)fd));
    }

    /// <summary>Allows pread64 and pwrite64 on a descriptor (a block device).</summary>
    public void AllowPositionalIo(int fd)
    {
        AllowWhen("pread64", ArgCheck.Equal(0, (ulong)fd));
        AllowWhen("pwrite64", ArgCheck.Equal(0, (ulong)fd));
    }
}
