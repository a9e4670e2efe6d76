using System.Buffers.Binary;
using Ukvm.Modules.Net;

namespace Ukvm.Tests.NetRings;

/// <summary>
/// Which TCP segments the monitor joins into one GSO frame (<see cref="TcpCoalescer"/>), and the
/// header the host gets for them: a struct virtio_net_hdr and the first segment's headers fixed.
/// </summary>
public sealed class TcpCoalescerTests
{
    private const int Mss = 1460;
    private const byte Ack = 0x10, Psh = 0x08, Syn = 0x02, Fin = 0x01, Rst = 0x04;

    /// <summary>An Ethernet/IPv4/TCP frame from 10.0.0.2:80 to 10.0.0.1:40000 with both checksums right.</summary>
    private static byte[] Segment(uint seq, int payload, byte flags = Ack, uint ack = 5000, ushort window = 8192,
        int ihl = 5, ushort frag = 0x4000, byte proto = 6, byte[]? options = null, byte fill = 0x61)
    {
        options ??= Array.Empty<byte>();
        int ipHeader = ihl * 4, tcpHeader = 20 + options.Length;
        var f = new byte[14 + ipHeader + tcpHeader + payload];
        new byte[] { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0 }.CopyTo(f, 0);
        var ip = f.AsSpan(14);
        ip[0] = (byte)(0x40 | ihl);
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(ipHeader + tcpHeader + payload));
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)seq);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], frag);
        ip[8] = 64;
        ip[9] = proto;
        new byte[] { 10, 0, 0, 2, 10, 0, 0, 1 }.CopyTo(ip[12..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip[..ipHeader]));
        var tcp = ip[ipHeader..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, 80);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], 40000);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], ack);
        tcp[12] = (byte)(tcpHeader / 4 << 4);
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], window);
        options.CopyTo(tcp[20..]);
        tcp[tcpHeader..].Fill(fill);
        return f;
    }

    private static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (data.Length % 2 == 1) sum += (uint)data[^1] << 8;
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>How many of <paramref name="frames"/> join the first, as the net module decides (in guest memory).</summary>
    private static int Joined(params byte[][] frames)
    {
        using var m = Ukvm.Core.GuestMemory.Allocate(2 << 20);
        var refs = new FrameRef[frames.Length];
        for (int i = 0; i < frames.Length; i++)
        {
            frames[i].CopyTo(m.Bytes((ulong)i * 0x1000, (ulong)frames[i].Length));
            refs[i] = new FrameRef((ulong)i * 0x1000, (uint)frames[i].Length);
        }
        return TcpCoalescer.Plan(m, refs, NetRing.MaxRun, out _, out _, out _);
    }

    [Fact]
    public void FullSegmentsBackToBackJoinAndAShorterOneEndsTheRun()
    {
        var run = new[] { Segment(1000, Mss), Segment(2460, Mss), Segment(3920, 500, Ack | Psh), Segment(4420, Mss) };
        Assert.Equal(3, Joined(run));
    }

    [Fact]
    public void TheHeaderIsAGsoTcpV4FrameWithTheJoinedLengthsAndChecksums()
    {
        var a = Segment(1000, Mss);
        var b = Segment(2460, Mss);
        var c = Segment(3920, 500, Ack | Psh);
        Assert.True(TcpCoalescer.TryRead(a, out var first));
        Assert.True(TcpCoalescer.TryRead(c, out var last));
        int total = 2 * Mss + 500;
        var header = new byte[TcpCoalescer.MaxHeader];
        int n = TcpCoalescer.WriteHeader(a, first, last, total, header);
        Assert.Equal(10 + 54, n);
        var vnet = header.AsSpan(0, 10);
        Assert.Equal(1, vnet[0]); // NEEDS_CSUM
        Assert.Equal(1, vnet[1]); // GSO_TCPV4
        Assert.Equal(54, BinaryPrimitives.ReadUInt16LittleEndian(vnet[2..]));  // hdr_len
        Assert.Equal(Mss, BinaryPrimitives.ReadUInt16LittleEndian(vnet[4..])); // gso_size
        Assert.Equal(34, BinaryPrimitives.ReadUInt16LittleEndian(vnet[6..]));  // csum_start
        Assert.Equal(16, BinaryPrimitives.ReadUInt16LittleEndian(vnet[8..]));  // csum_offset
        var h = header.AsSpan(10, 54);
        Assert.Equal(a.AsSpan(0, 14).ToArray(), h[..14].ToArray());
        var ip = h[14..];
        Assert.Equal(20 + 20 + total, BinaryPrimitives.ReadUInt16BigEndian(ip[2..]));
        Assert.Equal(0, Checksum(ip[..20])); // a right header checksum sums to 0xffff
        var tcp = ip[20..];
        Assert.Equal(1000u, BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]));
        Assert.Equal(Ack | Psh, tcp[13]);
        // CHECKSUM_PARTIAL: the pseudo-header's sum, not complemented, for the whole segment.
        uint pseudo = 0x0a00 + 0x0002 + 0x0a00 + 0x0001 + 6 + (uint)(20 + total);
        Assert.Equal((ushort)pseudo, BinaryPrimitives.ReadUInt16BigEndian(tcp[16..]));
    }

    [Fact]
    public void WhatWasCheckedIsWhatGoesOutEvenIfTheGuestChangesTheFrameMeanwhile()
    {
        var a = Segment(1000, Mss);
        var b = Segment(2460, Mss);
        Assert.True(TcpCoalescer.TryRead(a, out var first));
        Assert.True(TcpCoalescer.TryRead(b, out var last));
        var clean = new byte[TcpCoalescer.MaxHeader];
        TcpCoalescer.WriteHeader(a, first, last, 2 * Mss, clean);
        a[14] = 0x4f; a[14 + 9] = 17; a[14 + 16] = 1; a[34 + 12] = 0xf0; a[34 + 13] = Syn | Fin; a[12] = 0x86;
        var after = new byte[TcpCoalescer.MaxHeader];
        TcpCoalescer.WriteHeader(a, first, last, 2 * Mss, after);
        Assert.Equal(clean, after);
    }

    [Theory]
    [InlineData("gap")]
    [InlineData("ack")]
    [InlineData("window")]
    [InlineData("options")]
    [InlineData("psh-before-last")]
    public void SegmentsThatDoNotContinueTheRunDoNot(string how)
    {
        var a = how switch
        {
            "options" => Segment(1000, Mss - 12, options: new byte[] { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 }),
            "psh-before-last" => Segment(1000, Mss, Ack | Psh),
            _ => Segment(1000, Mss),
        };
        uint next = how == "options" ? 1000u + Mss - 12 : 2460u;
        var b = how switch
        {
            "gap" => Segment(2461, Mss),
            "ack" => Segment(next, Mss, ack: 5001),
            "window" => Segment(next, Mss, window: 4096),
            "options" => Segment(next, Mss - 12, options: new byte[] { 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 2 }),
            _ => Segment(next, Mss),
        };
        Assert.Equal(1, Joined(a, b));
    }

    [Fact]
    public void EqualOptionsJoin()
    {
        var ts = new byte[] { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
        Assert.Equal(2, Joined(Segment(1000, Mss - 12, options: ts), Segment(1000 + Mss - 12, Mss - 12, options: ts)));
    }

    [Theory]
    [InlineData("syn")]
    [InlineData("fin")]
    [InlineData("rst")]
    [InlineData("pure-ack")]
    [InlineData("ip-options")]
    [InlineData("fragment")]
    [InlineData("udp")]
    [InlineData("not-ipv4")]
    [InlineData("length")]
    [InlineData("short")]
    public void FramesThatCannotJoinGoAlone(string how)
    {
        byte[] f = how switch
        {
            "syn" => Segment(1000, 0, Syn | Ack),
            "fin" => Segment(1000, Mss, Fin | Ack),
            "rst" => Segment(1000, Mss, Rst | Ack),
            "pure-ack" => Segment(1000, 0),
            "ip-options" => Segment(1000, Mss, ihl: 6),
            "fragment" => Segment(1000, Mss, frag: 0x2000),
            "udp" => Segment(1000, Mss, proto: 17),
            _ => Segment(1000, Mss),
        };
        if (how == "not-ipv4") f[12] = 0x86;
        if (how == "length") f = f[..^1]; // total length says one byte more than the frame has
        if (how == "short") f = f[..40];
        Assert.False(TcpCoalescer.TryRead(f, out _));
    }

    /// <summary>
    /// The fuzz target's invariants (FuzzTargets.TcpJoin) over runs of real segments with random
    /// bytes changed, a fixed seed: what AFL does, a little, in every test run.
    /// </summary>
    [Fact]
    public void RandomlyDamagedRunsStillJoinIntoConsistentFrames()
    {
        var rng = new Random(20261204);
        var run = new List<byte>();
        for (int i = 0; i < 6; i++)
        {
            var f = Segment(1000 + (uint)(i * 200), i == 5 ? 80 : 200, i == 5 ? (byte)(Ack | Psh) : Ack);
            run.Add((byte)f.Length); run.Add((byte)(f.Length >> 8)); run.AddRange(f);
        }
        var clean = run.ToArray();
        Fuzz.FuzzTargets.TcpJoin(clean);
        for (int n = 0; n < 20_000; n++)
        {
            var input = (byte[])clean.Clone();
            for (int k = rng.Next(1, 4); k > 0; k--)
                input[rng.Next(input.Length)] = (byte)rng.Next(256);
            Fuzz.FuzzTargets.TcpJoin(input);
        }
    }

    [Fact]
    public void AJoinedFrameStaysWithin64KiB()
    {
        var run = Enumerable.Range(0, 50).Select(i => Segment(1000 + (uint)(i * Mss), Mss)).ToArray();
        Assert.Equal(44, Joined(run)); // 40 + 44 * 1460 = 64280; one more would be 65740
    }
}
