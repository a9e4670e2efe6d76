using Microsoft.Win32.SafeHandles;

namespace Ukvm.Interop;

/// <summary>An owned Linux file descriptor, closed exactly once.</summary>
internal sealed class FdHandle : SafeHandleMinusOneIsInvalid
{
    public FdHandle() : base(ownsHandle: true) { }

    public FdHandle(int fd) : base(ownsHandle: true) => SetHandle(fd);

    /// <summary>The raw descriptor number, for diagnostics and poll sets.</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Libc.close((int)handle) == 0;
}
