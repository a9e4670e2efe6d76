using System;
using Ukvm.Interop;

namespace Ukvm.Core;

/// <summary>
/// A failure that ends the monitor with one line on stderr and exit status 1: a bad option,
/// a malformed image, a failed system call, or a guest that broke the rules.
/// </summary>
internal class MonitorException : Exception
{
    public MonitorException(string message) : base(message) { }

    /// <summary>A failed system call: the operation and the C library's errno text.</summary>
    public static MonitorException FromErrno(string operation, int errno) =>
        new($"{operation} failed: {Libc.StrError(errno)} (errno {errno})");
}

/// <summary>The guest did something the ABI does not allow; the guest ends, status 1.</summary>
internal sealed class GuestFaultException : MonitorException
{
    public GuestFaultException(string message) : base(message) { }
}
