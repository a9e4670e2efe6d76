using System;
using System.Runtime.InteropServices;
using System.Text;
using Ukvm.Core;

namespace Ukvm.Oci;

/// <summary>
/// <c>--console-socket</c>: for a container with process.terminal, the runtime makes a
/// pseudo-terminal, gives the container process its slave side as stdio, and sends the master
/// to the engine over the given Unix socket with SCM_RIGHTS (unix(7)), as runc does, with the
/// slave's name as the message.
/// </summary>
internal static unsafe class ConsoleSocket
{
    private const int SunPathSize = 108, CmsgHeaderSize = 16;

    /// <summary>Creates the pty, sends its master to <paramref name="socketPath"/>, returns the slave descriptor (close-on-exec).</summary>
    public static int OpenAndSend(string socketPath)
    {
        int master = Native.posix_openpt(Native.O_RDWR | Native.O_NOCTTY | Native.O_CLOEXEC);
        if (master < 0) throw MonitorException.FromErrno("posix_openpt", Marshal.GetLastPInvokeError());
        int sock = -1;
        try
        {
            if (Native.grantpt(master) < 0 || Native.unlockpt(master) < 0)
                throw MonitorException.FromErrno("grantpt/unlockpt", Marshal.GetLastPInvokeError());
            byte* name = stackalloc byte[128];
            int rc = Native.ptsname_r(master, name, 128);
            if (rc != 0) throw MonitorException.FromErrno("ptsname_r", rc);
            string slavePath = Marshal.PtrToStringUTF8((nint)name) ?? "";
            int slave = Interop.Libc.open(slavePath, Native.O_RDWR | Native.O_NOCTTY | Native.O_CLOEXEC, 0);
            if (slave < 0) throw MonitorException.FromErrno($"open {slavePath}", Marshal.GetLastPInvokeError());

            sock = Native.socket(Native.AF_UNIX, Native.SOCK_STREAM | Native.SOCK_CLOEXEC, 0);
            if (sock < 0) { Interop.Libc.close(slave); throw MonitorException.FromErrno("socket(AF_UNIX)", Marshal.GetLastPInvokeError()); }
            byte[] pathBytes = Encoding.UTF8.GetBytes(socketPath);
            if (pathBytes.Length >= SunPathSize) { Interop.Libc.close(slave); throw new MonitorException($"console socket path too long: {socketPath}"); }
            byte* addr = stackalloc byte[2 + SunPathSize];
            new Span<byte>(addr, 2 + SunPathSize).Clear();
            *(ushort*)addr = Native.AF_UNIX;
            pathBytes.CopyTo(new Span<byte>(addr + 2, SunPathSize));
            if (Native.connect(sock, addr, (uint)(2 + pathBytes.Length + 1)) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                Interop.Libc.close(slave);
                throw MonitorException.FromErrno($"connect to console socket {socketPath}", errno);
            }

            byte[] message = Encoding.UTF8.GetBytes(slavePath);
            // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } then one int: CMSG_SPACE(4) = 24.
            byte* control = stackalloc byte[24];
            new Span<byte>(control, 24).Clear();
            *(ulong*)control = CmsgHeaderSize + sizeof(int);
            *(int*)(control + 8) = Native.SOL_SOCKET;
            *(int*)(control + 12) = Native.SCM_RIGHTS;
            *(int*)(control + CmsgHeaderSize) = master;
            fixed (byte* m = message)
            {
                var iov = new Native.IoVec { iov_base = m, iov_len = (nuint)message.Length };
                var hdr = new Native.MsgHdr { msg_iov = &iov, msg_iovlen = 1, msg_control = control, msg_controllen = 24 };
                if (Native.sendmsg(sock, &hdr, 0) < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    Interop.Libc.close(slave);
                    throw MonitorException.FromErrno($"send terminal to console socket {socketPath}", errno);
                }
            }
            return slave;
        }
        finally
        {
            Interop.Libc.close(master);
            if (sock >= 0) Interop.Libc.close(sock);
        }
    }
}
