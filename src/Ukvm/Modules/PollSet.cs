using System;
using System.Collections.Generic;
using Ukvm.Interop;

namespace Ukvm.Modules;

/// <summary>Host descriptors whose readiness the POLL hypercall reports, by manifest handle.</summary>
internal sealed class PollSet
{
    private readonly List<(FdHandle Fd, int Handle)> _entries = new();

    public int Count => _entries.Count;

    /// <summary>Called as a wait begins (the net ring's entries are consumed first).</summary>
    public event Action? Waiting;

    /// <summary>Called when a wait ends, input or not, before the guest runs again (the net ring consumes the reads it held).</summary>
    public event Action? Waited;

    /// <summary>Called when a wait ends with input ready, before the guest runs again (the net ring wakes its consumer).</summary>
    public event Action? InputReady;

    /// <summary>Adds a descriptor that reports readiness for manifest entry <paramref name="handle"/>.</summary>
    public void Add(FdHandle fd, int handle) => _entries.Add((fd, handle));

    /// <summary>
    /// Waits until a descriptor is readable or <paramref name="timeoutNs"/> passes (ppoll, so
    /// nanosecond precision) and returns the ready set as a bit mask of manifest handles.
    /// A signal cuts the wait short, which the ABI allows.
    /// </summary>
    public unsafe ulong Wait(ulong timeoutNs)
    {
        Waiting?.Invoke();
        var ts = new Libc.Timespec
        {
            tv_sec = (long)Math.Min(timeoutNs / 1_000_000_000UL, long.MaxValue),
            tv_nsec = (long)(timeoutNs % 1_000_000_000UL),
        };
        int n = _entries.Count;
        Libc.PollFd* fds = stackalloc Libc.PollFd[Math.Max(n, 1)];
        for (int i = 0; i < n; i++)
            fds[i] = new Libc.PollFd { fd = _entries[i].Fd.Fd, events = Libc.POLLIN };
        int rc = Libc.ppoll(fds, (nuint)n, &ts, null);
        int errno = rc < 0 ? Libc.Errno : 0;
        Waited?.Invoke();
        if (rc < 0)
        {
            if (errno == Libc.EINTR) return 0;
            throw Core.MonitorException.FromErrno("ppoll", errno);
        }
        // An error or hang-up (a tap deleted under the guest) counts as ready too: the guest's
        // next read then fails and it learns of it, instead of polling a dead device forever.
        const short readyEvents = Libc.POLLIN | 0x8 /* POLLERR */ | 0x10 /* POLLHUP */ | 0x20 /* POLLNVAL */;
        ulong ready = 0;
        for (int i = 0; i < n && rc > 0; i++)
            if ((fds[i].revents & readyEvents) != 0)
                ready |= 1UL << _entries[i].Handle;
        if (ready != 0)
            InputReady?.Invoke();
        return ready;
    }
}
