using System;
using System.Runtime.InteropServices;
using Ukvm.Core;
using Ukvm.Interop;

namespace Ukvm.Modules.Net;

/// <summary>
/// An existing tap interface, opened through /dev/net/tun, non-blocking. With IFF_VNET_HDR (what
/// ukvm asks for, falling back to plain frames where the tap refuses it), every frame on the
/// descriptor follows a 10-byte struct virtio_net_hdr: reads skip it, single frames go with a
/// zero one, and <see cref="WriteJoined"/> sends TCP segments joined by <see cref="TcpCoalescer"/>
/// as one GSO frame. Frames stay as the guest wrote them either way.
/// </summary>
internal sealed unsafe class TapDevice
{
    // linux/if_tun.h: TUNSETIFF = _IOW('T', 202, int), TUNSETVNETHDRSZ = _IOW('T', 216, int),
    // TUNSETOFFLOAD = _IOW('T', 208, unsigned int);
    // IFF_TAP, IFF_NO_PI, IFF_VNET_HDR. struct ifreq is 40 bytes.
    private const nuint TUNSETIFF = 0x400454ca, TUNSETVNETHDRSZ = 0x400454d8, TUNSETOFFLOAD = 0x400454d0;
    private const short IFF_TAP = 0x0002, IFF_NO_PI = 0x1000, IFF_VNET_HDR = 0x4000;
    private const int IfNameSize = 16, IfreqSize = 40;
    private const int VnetHeader = TcpCoalescer.VnetHeader;

    public FdHandle Fd { get; }

    /// <summary>True when frames on the descriptor follow a struct virtio_net_hdr.</summary>
    public bool HasVnetHeader { get; }

    private TapDevice(FdHandle fd, bool vnet) => (Fd, HasVnetHeader) = (fd, vnet);

    /// <summary>Reads one frame into <paramref name="buf"/>: its size, or -1 with errno set (EAGAIN: none waits).</summary>
    public nint Read(byte* buf, nuint size)
    {
        int fd = Fd.Fd;
        nint n;
        if (!HasVnetHeader)
        {
            do n = Libc.read(fd, buf, size); while (n < 0 && Libc.Errno == Libc.EINTR);
            return n;
        }
        byte* vnet = stackalloc byte[VnetHeader];
        var iov = stackalloc Libc.IoVec[2];
        iov[0] = new Libc.IoVec { iov_base = vnet, iov_len = VnetHeader };
        iov[1] = new Libc.IoVec { iov_base = buf, iov_len = size };
        do n = Libc.readv(fd, iov, 2); while (n < 0 && Libc.Errno == Libc.EINTR);
        return n < 0 ? n : Math.Max(n - VnetHeader, 0);
    }

    /// <summary>Sends one frame as it is: bytes written (the frame's), or -1 with errno set.</summary>
    public nint Write(byte* frame, nuint size)
    {
        int fd = Fd.Fd;
        nint n;
        if (!HasVnetHeader)
        {
            do n = Libc.write(fd, frame, size); while (n < 0 && Libc.Errno == Libc.EINTR);
            return n;
        }
        byte* vnet = stackalloc byte[VnetHeader];
        new Span<byte>(vnet, VnetHeader).Clear(); // no checksum to do, no GSO
        var iov = stackalloc Libc.IoVec[2];
        iov[0] = new Libc.IoVec { iov_base = vnet, iov_len = VnetHeader };
        iov[1] = new Libc.IoVec { iov_base = frame, iov_len = size };
        do n = Libc.writev(fd, iov, 2); while (n < 0 && Libc.Errno == Libc.EINTR);
        return n < 0 ? n : Math.Max(n - VnetHeader, 0);
    }

    /// <summary>
    /// Sends a joined frame: <paramref name="iov"/>[0] is the header from
    /// <see cref="TcpCoalescer.WriteHeader"/> (virtio_net_hdr first), the rest the payloads.
    /// Only on a tap with <see cref="HasVnetHeader"/>.
    /// </summary>
    public nint WriteJoined(Libc.IoVec* iov, int count)
    {
        nint n;
        do n = Libc.writev(Fd.Fd, iov, count); while (n < 0 && Libc.Errno == Libc.EINTR);
        return n;
    }

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
        *(short*)(ifr + IfNameSize) = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
        bool vnet = Libc.ioctl(handle, TUNSETIFF, ifr) == 0;
        if (!vnet)
            *(short*)(ifr + IfNameSize) = IFF_TAP | IFF_NO_PI; // a tap that refuses it: plain frames
        if (!vnet && Libc.ioctl(handle, TUNSETIFF, ifr) < 0)
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
        int hdrSize = VnetHeader; // the device keeps the size its last user set
        if (vnet && Libc.ioctl(handle, TUNSETVNETHDRSZ, &hdrSize) < 0)
        {
            int errno = Libc.Errno;
            handle.Dispose();
            throw MonitorException.FromErrno($"net device '{device}': TUNSETVNETHDRSZ on tap '{ifname}'", errno);
        }
        // No offloads towards the guest: a persistent tap keeps those its last user (QEMU, say)
        // turned on, and then the host would hand over 64 KiB GSO frames or unfinished checksums
        // that a Solo5 guest cannot take. Best effort: a tap that refuses had none to turn off.
        Libc.ioctl(handle, TUNSETOFFLOAD, 0);
        return new TapDevice(handle, vnet);
    }
}
