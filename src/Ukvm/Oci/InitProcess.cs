using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Ukvm.Core;

namespace Ukvm.Oci;

/// <summary>
/// The container's process: <c>ukvm --oci-init=FIFO (--pause | -- MONITOR ARGS)</c>, started by
/// create. It blocks opening the FIFO until start writes to it, then either runs the monitor in
/// this same process (so the pid the shim was given is the monitor's, and the guest's exit status
/// is the container's) or, for a pod sandbox, waits for a signal holding the pod's namespace,
/// like the pause container it stands in for. Not meant to be run by hand.
/// </summary>
internal static class InitProcess
{
    public const string Option = "--oci-init=", PauseOption = "--pause";

    public static unsafe int Run(string[] args)
    {
        string fifo = args[0][Option.Length..];
        if (args.Length < 2 || args[1] != PauseOption && args[1] != "--")
            throw new MonitorException($"usage: ukvm {Option}FIFO ({PauseOption} | -- MONITOR ARGS): started by 'ukvm create', not by hand");

        // Wait for start: open(2) of a FIFO for reading blocks until a writer opens it (fifo(7)).
        while (true)
        {
            int fd = Interop.Libc.open(fifo, Native.O_RDONLY | Native.O_CLOEXEC, 0);
            if (fd < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Native.EINTR) continue;
                throw MonitorException.FromErrno($"open {fifo}", errno);
            }
            byte b;
            nint n;
            do n = Interop.Libc.read(fd, &b, 1); while (n < 0 && Marshal.GetLastPInvokeError() == Native.EINTR);
            Interop.Libc.close(fd);
            if (n == 1) break;
            // A writer that closed without writing is not start: wait again.
        }

        if (args[1] == PauseOption)
            while (true) Native.pause();

        var monitorArgs = new List<string>(args.Length - 2);
        for (int i = 2; i < args.Length; i++) monitorArgs.Add(args[i]);
        return Vmm.Monitor.Run(monitorArgs);
    }
}
