using System;
using System.Buffers.Binary;

namespace Ukvm.Modules.Net;

/// <summary>
/// Joins consecutive TCP segments of one IPv4 connection that the guest sent in a row into one
/// GSO frame for a tap opened with IFF_VNET_HDR: one write, one trip through the host's network
/// stack, instead of one per 1514-byte frame (the kernel segments it again only if it must, e.g.
/// on its way out of a physical interface). This is what a virtio-net guest's TSO gives the host;
/// lwIP cannot do TSO, so the monitor does the joining (written by hand: it parses what a hostile
/// guest wrote, and it is on the hot path of every frame sent).
///
/// Pure: it reads frames as spans and writes the header the host gets (a struct virtio_net_hdr,
/// then a copy of the first segment's Ethernet, IPv4 and TCP headers with the total length and
/// checksums fixed). Each segment's fields are read once into a <see cref="Segment"/>; the
/// payloads themselves are passed to the kernel as they are. What joins (else the frame goes
/// alone, as the guest wrote it): Ethernet type IPv4; IPv4 with no options, not a fragment,
/// protocol TCP; the same addresses, ports, TOS, TTL, DF, ACK number, window and TCP options as
/// the first; sequence numbers back to back; only ACK set (the last one may add PSH); every
/// payload but the last exactly as long as the first, the last no longer; at most 64 KiB in all.
/// </summary>
internal static class TcpCoalescer
{
    public const int EthHeader = 14, IpHeader = 20, VnetHeader = 10;
    /// <summary>Largest header <see cref="WriteHeader"/> writes: vnet, Ethernet, IPv4, TCP with 40 bytes of options.</summary>
    public const int MaxHeader = VnetHeader + EthHeader + IpHeader + 60;
    private const int MaxIpLength = 65535;
    private const byte FlagPsh = 0x08, FlagAck = 0x10;

    /// <summary>The fields of one segment that decide whether it joins, read once.</summary>
    public readonly struct Segment
    {
        public readonly ulong Macs0, Macs1; // destination and source MAC, 12 bytes (and 4 of padding: 0)
        public readonly uint Src, Dst, Seq, Ack;
        public readonly ushort SrcPort, DstPort, Window, FragField;
        public readonly byte Tos, Ttl, Flags;
        public readonly int TcpHeader, Payload; // lengths

        public Segment(ReadOnlySpan<byte> f, int tcpHeader, int payload)
        {
            Macs0 = BinaryPrimitives.ReadUInt64LittleEndian(f);
            Macs1 = BinaryPrimitives.ReadUInt32LittleEndian(f[8..]);
            var ip = f[EthHeader..];
            Tos = ip[1];
            FragField = BinaryPrimitives.ReadUInt16BigEndian(ip[6..]);
            Ttl = ip[8];
            Src = BinaryPrimitives.ReadUInt32BigEndian(ip[12..]);
            Dst = BinaryPrimitives.ReadUInt32BigEndian(ip[16..]);
            var tcp = ip[IpHeader..];
            SrcPort = BinaryPrimitives.ReadUInt16BigEndian(tcp);
            DstPort = BinaryPrimitives.ReadUInt16BigEndian(tcp[2..]);
            Seq = BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]);
            Ack = BinaryPrimitives.ReadUInt32BigEndian(tcp[8..]);
            Flags = tcp[13];
            Window = BinaryPrimitives.ReadUInt16BigEndian(tcp[14..]);
            TcpHeader = tcpHeader;
            Payload = payload;
        }
    }

    /// <summary>
    /// Reads <paramref name="frame"/> as a TCP segment that may join others: IPv4 without options,
    /// not a fragment, total length matching the frame, a TCP header inside it, a payload, and
    /// flags ACK or ACK|PSH. False for anything else (it is then sent alone).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> frame, out Segment segment)
    {
        segment = default;
        if (frame.Length < EthHeader + IpHeader + 20 || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != 0x0800)
            return false;
        var ip = frame[EthHeader..];
        if (ip[0] != 0x45 || ip[9] != 6 /* TCP */)
            return false;
        if ((BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3fff) != 0) // MF or an offset: a fragment
            return false;
        int total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (total != ip.Length)
            return false;
        int tcpHeader = (ip[IpHeader + 12] >> 4) * 4;
        if (tcpHeader < 20 || IpHeader + tcpHeader >= total) // no payload: nothing to join
            return false;
        byte flags = ip[IpHeader + 13];
        if ((flags & ~FlagPsh) != FlagAck || (ip[IpHeader + 12] & 0x0f) != 0)
            return false;
        segment = new Segment(frame, tcpHeader, total - IpHeader - tcpHeader);
        return true;
    }

    /// <summary>
    /// True when <paramref name="next"/> (bytes <paramref name="nextFrame"/>) continues the run
    /// that <paramref name="first"/> (bytes <paramref name="firstFrame"/>) began and
    /// <paramref name="last"/> ends so far, <paramref name="total"/> payload bytes long.
    /// </summary>
    public static bool Continues(in Segment first, ReadOnlySpan<byte> firstFrame, in Segment last, int total,
        in Segment next, ReadOnlySpan<byte> nextFrame)
    {
        int headers = IpHeader + first.TcpHeader;
        return (last.Flags & FlagPsh) == 0 && last.Payload == first.Payload
            && next.Payload <= first.Payload && headers + total + next.Payload <= MaxIpLength
            && next.Seq == unchecked(last.Seq + (uint)last.Payload)
            && next.Macs0 == first.Macs0 && next.Macs1 == first.Macs1
            && next.Src == first.Src && next.Dst == first.Dst
            && next.SrcPort == first.SrcPort && next.DstPort == first.DstPort
            && next.Tos == first.Tos && next.Ttl == first.Ttl && next.FragField == first.FragField
            && next.Ack == first.Ack && next.Window == first.Window && next.TcpHeader == first.TcpHeader
            && nextFrame.Slice(EthHeader + IpHeader + 20, first.TcpHeader - 20)
                .SequenceEqual(firstFrame.Slice(EthHeader + IpHeader + 20, first.TcpHeader - 20));
    }

    /// <summary>
    /// How many of <paramref name="frames"/>, from the first, join into one frame (at least 1; 1:
    /// send the first alone): the first must be a segment that may join (<see cref="TryRead"/>),
    /// each next one must continue the run (<see cref="Continues"/>), at most
    /// <paramref name="max"/>. <paramref name="first"/>, <paramref name="last"/> and
    /// <paramref name="total"/> (payload bytes) are what <see cref="WriteHeader"/> needs.
    /// </summary>
    public static int Plan(Core.GuestMemory memory, ReadOnlySpan<FrameRef> frames, int max,
        out Segment first, out Segment last, out int total)
    {
        last = default;
        total = 0;
        var firstFrame = memory.Bytes(frames[0].Gpa, frames[0].Length, "net ring buffer");
        if (frames.Length < 2 || !TryRead(firstFrame, out first))
        {
            first = default;
            return 1;
        }
        last = first;
        total = first.Payload;
        int count = 1;
        for (; count < frames.Length && count < max; count++)
        {
            var frame = memory.Bytes(frames[count].Gpa, frames[count].Length, "net ring buffer");
            if (!TryRead(frame, out var next) || !Continues(first, firstFrame, last, total, next, frame))
                break;
            last = next;
            total += next.Payload;
        }
        return count;
    }

    /// <summary>
    /// Writes the header of the joined frame into <paramref name="header"/> (at least
    /// <see cref="MaxHeader"/> bytes) and returns its length; the payloads follow it on the tap.
    /// struct virtio_net_hdr (little-endian, the legacy layout tun uses without TUNSETVNETLE on
    /// a little-endian host): NEEDS_CSUM over the TCP segment, GSO TCPv4 with gso_size the first
    /// payload's length. Then the first segment's headers with the IPv4 total length and header
    /// checksum for the joined frame, TCP flags ACK plus the last segment's PSH, and in the TCP
    /// checksum field the pseudo-header sum (not complemented), as CHECKSUM_PARTIAL requires.
    /// </summary>
    public static int WriteHeader(ReadOnlySpan<byte> firstFrame, in Segment first, in Segment last, int total,
        Span<byte> header)
    {
        int headers = EthHeader + IpHeader + first.TcpHeader;
        var vnet = header[..VnetHeader];
        vnet[0] = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
        vnet[1] = 1;  // VIRTIO_NET_HDR_GSO_TCPV4
        BinaryPrimitives.WriteUInt16LittleEndian(vnet[2..], (ushort)headers);        // hdr_len
        BinaryPrimitives.WriteUInt16LittleEndian(vnet[4..], (ushort)first.Payload);  // gso_size
        BinaryPrimitives.WriteUInt16LittleEndian(vnet[6..], EthHeader + IpHeader);   // csum_start
        BinaryPrimitives.WriteUInt16LittleEndian(vnet[8..], 16);                     // csum_offset: tcphdr.check
        var h = header.Slice(VnetHeader, headers);
        firstFrame[..headers].CopyTo(h);
        // The guest may have changed the frame since it was read: every field that was checked
        // is written again from the values read then, so what goes to the host is what passed.
        BinaryPrimitives.WriteUInt64LittleEndian(h, first.Macs0);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], (uint)first.Macs1);
        BinaryPrimitives.WriteUInt16BigEndian(h[12..], 0x0800);
        var ip = h[EthHeader..];
        ip[0] = 0x45;
        ip[1] = first.Tos;
        int ipLength = IpHeader + first.TcpHeader + total;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)ipLength);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], first.FragField);
        ip[8] = first.Ttl;
        ip[9] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], first.Src);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], first.Dst);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], (ushort)~Fold(Sum(ip[..IpHeader])));
        var tcp = ip[IpHeader..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, first.SrcPort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], first.DstPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], first.Seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], first.Ack);
        tcp[12] = (byte)(first.TcpHeader / 4 << 4);
        tcp[13] = (byte)(FlagAck | (last.Flags & FlagPsh));
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], first.Window);
        uint pseudo = (first.Src >> 16) + (first.Src & 0xffff) + (first.Dst >> 16) + (first.Dst & 0xffff)
            + 6u + (uint)(first.TcpHeader + total);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Fold(pseudo));
        return VnetHeader + headers;
    }

    /// <summary>The sum of big-endian 16-bit words (RFC 1071), an odd last byte padded with zero.</summary>
    private static uint Sum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length)
            sum += (uint)data[i] << 8;
        return sum;
    }

    private static ushort Fold(uint sum)
    {
        while (sum >> 16 != 0)
            sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)sum;
    }
}
