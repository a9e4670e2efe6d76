using System;
using System.Runtime.InteropServices;
using Ukvm.Core;
using Ukvm.Interop;

namespace Ukvm.Modules.Net;

/// <summary>An existing tap interface, opened through /dev/net/tun, non-blocking.</summary>
internal sealed unsafe class TapDevice
{
    // linux/if_tun.h: TUNSETIFF = _IOW('T', 202, int); IFF_TAP, IFF_NO_PI. struct ifreq is 40 bytes.
    private const nuint TUNSETIFF = 0x400454ca;
    private const short IFF_TAP = 0x0002, IFF_NO_PI = 0x1000;
    private const int IfNameSize = 16, IfreqSize = 40;

    public FdHandle Fd { get; }

    private TapDevice(FdHandle fd) => Fd = fd;

    /// <summary>
    /// Attaches to tap <paramref name="ifname"/>, which must already exist (the monitor never
    /// creates interfaces) and must not be in use by another process.
    /// </summary>
    public static TapDevice Open(string device, string ifname)
    {
        if (ifname.Length == 0 || ifname.Length >= IfNameSize || ifname.Contains('/'))
            throw new MonitorException($"net device '{device}': '{ifname}' is not a valid interface name");
        if (Libc.if_nametoindex(ifname) == 0)
            throw new MonitorException($"net device '{device}': no interface '{ifname}' (create the tap first, e.g. ip tuntap add dev {ifname} mode tap)");
        int fd = Libc.open("/dev/net/tun", Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        if (fd < 0)
            throw MonitorException.FromErrno($"net device '{device}': open /dev/net/tun", Libc.Errno);
        var handle = new FdHandle(fd);
        byte* ifr = stackalloc byte[IfreqSize];
        new Span<byte>(ifr, IfreqSize).Clear();
        System.Text.Encoding.ASCII.GetBytes(ifname, new Span<byte>(ifr, IfNameSize - 1));
        *(short*)(ifr + IfNameSize) = IFF_TAP | IFF_NO_PI;
        if (Libc.ioctl(handle, TUNSETIFF, ifr) < 0)
        {
            int errno = Libc.Errno;
            handle.Dispose();
            throw errno switch
            {
                Libc.EBUSY => new MonitorException($"net device '{device}': tap '{ifname}' is in use by another process"),
                22 /* EINVAL */ => new MonitorException($"net device '{device}': '{ifname}' is not a tap interface"),
                _ => MonitorException.FromErrno($"net device '{device}': attach to tap '{ifname}'", errno),
            };
        }
        return new TapDevice(handle);
    }
}
