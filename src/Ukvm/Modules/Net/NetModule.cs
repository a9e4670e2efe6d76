using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using Ukvm.Abi;
using Ukvm.Core;
using Ukvm.Hypercalls;
using Ukvm.Interop;
using Ukvm.Manifest;

namespace Ukvm.Modules.Net;

/// <summary>
/// Network devices on host tap interfaces: --net:NAME=TAP, --net-mac:NAME=MAC. NET_WRITE sends one
/// Ethernet frame, NET_READ receives one without blocking (AGAIN when none waits); POLL reports
/// which taps have frames. Where the architecture has a place for it, the same reads and writes
/// are also offered through Solo5's shared ring (<see cref="NetRing"/>, --net-ring=off to not).
/// </summary>
internal sealed unsafe class NetModule : IModule, INetRingPort
{
    public const ushort Mtu = 1500;
    /// <summary>Ethernet header bytes a frame carries beyond the MTU (SOLO5_NET_HLEN).</summary>
    public const ulong HeaderLength = 14;

    private readonly DeviceOptions _attach = new("--net:");
    private readonly DeviceOptions _mac = new("--net-mac:");
    private readonly TapDevice?[] _taps = new TapDevice?[AppManifest.MaxEntries];
    private GuestMemory _memory = null!;
    private bool _ringOffered = true;
    private NetRingWorker? _ringWorker;

    public string Name => "net";

    public IEnumerable<string> Usage => new[]
    {
        "--net:NAME=TAP                   attach existing tap interface TAP as network device NAME",
        "--net-mac:NAME=MAC               guest MAC address of NAME (default: random, locally administered)",
        "--net-ring=on|off                offer Solo5's shared network ring (HVT_FEATURE_RING_IO) (default: on)",
    };

    public bool TryHandleOption(string arg)
    {
        if (arg.StartsWith("--net-ring=", StringComparison.Ordinal))
        {
            _ringOffered = arg["--net-ring=".Length..] switch
            {
                "on" => true,
                "off" => false,
                _ => throw new MonitorException($"malformed option '{arg}': expected --net-ring=on or --net-ring=off"),
            };
            return true;
        }
        return _attach.TryAdd(arg) || _mac.TryAdd(arg);
    }

    public void Setup(MonitorContext context)
    {
        _memory = context.Memory;
        _mac.CheckAllAttachedBy(_attach);
        foreach (var (device, ifname) in _attach.Resolve(context.Manifest, DeviceType.NetBasic))
        {
            var tap = TapDevice.Open(device.Name, ifname);
            _taps[device.Index] = tap;
            device.Mac = _mac.Values.TryGetValue(device.Name, out var mac) ? ParseMac(device.Name, mac) : RandomMac();
            device.Mtu = Mtu;
            device.Attached = true;
            context.Poll.Add(tap.Fd, device.Index);
            context.Syscalls.AllowReadWrite(tap.Fd.Fd);
            if (tap.HasVnetHeader)
                context.Syscalls.AllowVectoredIo(tap.Fd.Fd);
        }
        if (Array.Exists(_taps, t => t is not null))
        {
            context.Hypercalls.Register(HvtAbi.NetWrite, Write);
            context.Hypercalls.Register(HvtAbi.NetRead, Read);
            if (_ringOffered)
                OfferRing(context);
        }
    }

    /// <summary>
    /// Sets up the ring where the architecture has room for it: an eventfd that KVM signals when
    /// the guest writes the kick port, the I/O thread that consumes the ring, and the boot info
    /// fields that offer it. Without ioeventfd support the guest simply gets no offer.
    /// </summary>
    private void OfferRing(MonitorContext context)
    {
        ulong gpa = context.Arch?.NetRingAddress ?? 0;
        var vm = context.Vm;
        if (gpa == 0 || vm is null || context.Arch!.NetRingSpace < NetRing.Size)
            return;
        if (vm.System.CheckExtension(Kvm.KvmIoctl.CAP_IOEVENTFD) <= 0)
        {
            Log.Warning("KVM has no ioeventfd (KVM_CAP_IOEVENTFD): the network ring is not offered");
            return;
        }
        int efd = Libc.eventfd(0, Libc.EFD_CLOEXEC);
        if (efd < 0)
            throw MonitorException.FromErrno("eventfd for the network ring", Libc.Errno);
        var eventFd = new FdHandle(efd);
        int errno = vm.TryAddIoEventFd(NetRing.KickPort, 4, efd, pio: true);
        if (errno != 0)
        {
            eventFd.Dispose();
            Log.Warning($"KVM_IOEVENTFD failed ({Libc.StrError(errno)}): the network ring is not offered");
            return;
        }
        context.Arch.ShareNetRing(_memory, NetRing.Size);
        var ring = new NetRing(_memory, gpa, this);
        var worker = new NetRingWorker(ring, eventFd);
        worker.Start();
        context.AtExit(worker);
        context.Poll.Waiting += worker.Drain;
        context.Poll.Waited += worker.Complete;
        context.Poll.InputReady += worker.Nudge;
        _ringWorker = worker;
        context.Syscalls.AllowReadWrite(efd); // the thread's read, the run loop's wake-ups
        context.HostFeatures |= HvtAbi.FeatureRingIo;
        context.NetRing = gpa;
    }

    bool INetRingPort.IsAttached(uint handle) => handle < (uint)_taps.Length && _taps[handle] is not null;

    void INetRingPort.Send(uint handle, ReadOnlySpan<FrameRef> frames)
    {
        var tap = _taps[handle]!;
        for (int i = 0; i < frames.Length;)
            i += tap.HasVnetHeader ? SendJoined(tap, frames[i..]) : SendOne(tap, frames[i]);
    }

    private int SendOne(TapDevice tap, FrameRef frame)
    {
        fixed (byte* p = _memory.Bytes(frame.Gpa, frame.Length, "net ring buffer"))
            tap.Write(p, frame.Length);
        return 1;
    }

    /// <summary>
    /// Sends the TCP segments at the start of <paramref name="frames"/> that join
    /// (<see cref="TcpCoalescer"/>) as one GSO frame, or the first frame alone; returns how many
    /// frames went. Allocation-free: the header in a stack buffer, the payloads straight from
    /// guest memory.
    /// </summary>
    private int SendJoined(TapDevice tap, ReadOnlySpan<FrameRef> frames)
    {
        int count = TcpCoalescer.Plan(_memory, frames, NetRing.MaxRun, out var first, out var last, out int total);
        if (count == 1)
            return SendOne(tap, frames[0]);
        var firstFrame = _memory.Bytes(frames[0].Gpa, frames[0].Length, "net ring buffer");
        byte* header = stackalloc byte[TcpCoalescer.MaxHeader];
        var iov = stackalloc Libc.IoVec[NetRing.MaxRun + 1];
        iov[0] = new Libc.IoVec
        {
            iov_base = header,
            iov_len = (nuint)TcpCoalescer.WriteHeader(firstFrame, first, last, total, new Span<byte>(header, TcpCoalescer.MaxHeader)),
        };
        int headers = TcpCoalescer.EthHeader + TcpCoalescer.IpHeader + first.TcpHeader;
        // SAFETY: each payload lies inside guest memory (FrameRef: checked; the header length is
        // the same in every joined frame and below its length), which stays mapped while the
        // monitor runs; the kernel copies it during writev.
        for (int i = 0; i < count; i++)
            iov[i + 1] = new Libc.IoVec
            {
                iov_base = (byte*)Unsafe.AsPointer(ref _memory.Bytes(frames[i].Gpa + (ulong)headers, frames[i].Length - (uint)headers, "net ring buffer")[0]),
                iov_len = frames[i].Length - (uint)headers,
            };
        tap.WriteJoined(iov, count + 1);
        return count;
    }

    int INetRingPort.Receive(uint handle, Span<byte> buffer, out int length)
    {
        length = 0;
        fixed (byte* p = buffer)
        {
            nint n = _taps[handle]!.Read(p, (nuint)buffer.Length);
            if (n > 0) { length = (int)n; return HvtAbi.ResultOk; }
            return n < 0 && Libc.Errno == Libc.EAGAIN ? HvtAbi.ResultAgain : HvtAbi.ResultUnspecified;
        }
    }

    /// <summary>xx:xx:xx:xx:xx:xx, unicast.</summary>
    public static byte[] ParseMac(string device, string text)
    {
        var parts = text.Split(':');
        var mac = new byte[6];
        bool ok = parts.Length == 6;
        for (int i = 0; ok && i < 6; i++)
            ok = parts[i].Length == 2 && byte.TryParse(parts[i], NumberStyles.AllowHexSpecifier, null, out mac[i]);
        if (!ok)
            throw new MonitorException($"--net-mac:{device}={text}: expected a MAC address like 02:00:00:00:00:01");
        if ((mac[0] & 1) != 0)
            throw new MonitorException($"--net-mac:{device}={text}: a multicast address cannot be a device's address");
        return mac;
    }

    /// <summary>A random unicast, locally administered MAC address (IEEE 802: bit 0 clear, bit 1 set).</summary>
    public static byte[] RandomMac()
    {
        var mac = new byte[6];
        fixed (byte* p = mac)
            if (Libc.getrandom(p, 6, 0) != 6)
                Random.Shared.NextBytes(mac);
        mac[0] = (byte)((mac[0] & 0xfe) | 0x02);
        return mac;
    }

    /// <summary>
    /// Decodes a NET_READ/NET_WRITE argument (struct hvt_hc_net_read/_write, writable: its
    /// results are written back). Returns the tap its handle names when the handle is attached,
    /// minLen &lt;= len &lt;= maxLen and the buffer [data, data + len) lies in guest memory
    /// (writable, if <paramref name="writable"/>); null for an invalid request (EINVAL).
    /// </summary>
    private TapDevice? DecodeIo(ulong gpa, string what, ulong minLen, ulong maxLen, bool writable,
        out ulong data, out ulong len)
    {
        _memory.WritableBytes(gpa, HvtAbi.NetIoSize, what);
        ulong handle = _memory.ReadU64(gpa + HvtAbi.NetHandle, what);
        data = _memory.ReadU64(gpa + HvtAbi.NetData, what);
        len = _memory.ReadU64(gpa + HvtAbi.NetLen, what);
        var tap = handle < (ulong)_taps.Length ? _taps[handle] : null;
        if (tap is null || len < minLen || len > maxLen)
            return null;
        return (writable ? _memory.IsWritable(data, len) : _memory.Contains(data, len)) ? tap : null;
    }

    /// <summary>NET_WRITE: one frame of at most MTU + 14 bytes to the tap.</summary>
    public HypercallOutcome Write(ulong gpa)
    {
        const string what = "NET_WRITE argument";
        _ringWorker?.Nudge(); // a ring user that makes the hypercall found the ring's thread asleep
        var tap = DecodeIo(gpa, what, HeaderLength, Mtu + HeaderLength, writable: false, out ulong data, out ulong len);
        int result;
        if (tap is null)
            result = HvtAbi.ResultInvalid;
        else
        {
            fixed (byte* p = _memory.Bytes(data, len))
            {
                nint n = tap.Write(p, (nuint)len);
                // A frame the tap cannot take now is dropped, as on a wire (solo5.h).
                result = n == (nint)len || (n < 0 && Libc.Errno == Libc.EAGAIN) ? HvtAbi.ResultOk : HvtAbi.ResultUnspecified;
            }
        }
        _memory.WriteI32(gpa + HvtAbi.NetRet, result, what);
        return HypercallOutcome.Continue;
    }

    /// <summary>NET_READ: one frame into a buffer of at least MTU + 14 bytes, or AGAIN.</summary>
    public HypercallOutcome Read(ulong gpa)
    {
        const string what = "NET_READ argument";
        _ringWorker?.Nudge();
        var tap = DecodeIo(gpa, what, Mtu + HeaderLength, ulong.MaxValue, writable: true, out ulong data, out ulong len);
        int result;
        ulong size = 0;
        if (tap is null)
            result = HvtAbi.ResultInvalid;
        else
        {
            ulong take = Math.Min(len, Mtu + HeaderLength);
            fixed (byte* p = _memory.Bytes(data, take))
            {
                nint n = tap.Read(p, (nuint)take);
                if (n > 0) { result = HvtAbi.ResultOk; size = (ulong)n; }
                else result = n < 0 && Libc.Errno == Libc.EAGAIN ? HvtAbi.ResultAgain : HvtAbi.ResultUnspecified;
            }
        }
        _memory.WriteU64(gpa + HvtAbi.NetLen, size, what);
        _memory.WriteI32(gpa + HvtAbi.NetRet, result, what);
        return HypercallOutcome.Continue;
    }
}
