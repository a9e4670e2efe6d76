using System.Buffers.Binary;
using Ukvm.Abi;
using Ukvm.Core;
using Ukvm.Interop;
using Ukvm.Modules.Net;

// (Not Ukvm.Tests.Net: other tests use a constant named Net from ManifestBytes.)
namespace Ukvm.Tests.NetRings;

/// <summary>
/// The network ring's consumer (<see cref="NetRing"/>) over real guest memory and a fake device:
/// Solo5's layout, what each entry becomes, and what a guest that writes garbage gets.
/// </summary>
public sealed class NetRingTests : IDisposable
{
    private const ulong MemSize = 4 << 20, RingGpa = 0x10000, Buf = 0x200000, Max = 1514;
    private const uint Net = 1; // the attached device's handle

    private readonly GuestMemory _m = GuestMemory.Allocate(MemSize);
    private readonly FakePort _port;
    private readonly NetRing _ring;
    private uint _tail;

    public NetRingTests()
    {
        _port = new FakePort(_m);
        _ring = new NetRing(_m, RingGpa, _port);
    }

    public void Dispose() => _m.Dispose();

    /// <summary>The device: handle 1 attached, frames to receive queued by the test, frames sent recorded.</summary>
    private sealed class FakePort(GuestMemory memory) : INetRingPort
    {
        public readonly Queue<byte[]> Incoming = new();
        public readonly List<(uint Handle, byte[] Frame)> Sent = new();
        public bool IsAttached(uint handle) => handle == Net;
        public readonly List<int> Runs = new();
        public void Send(uint handle, ReadOnlySpan<FrameRef> frames)
        {
            Runs.Add(frames.Length);
            foreach (var f in frames)
                Sent.Add((handle, memory.Bytes(f.Gpa, f.Length).ToArray()));
        }
        public int Receive(uint handle, Span<byte> buffer, out int length)
        {
            length = 0;
            if (!Incoming.TryDequeue(out var f)) return HvtAbi.ResultAgain;
            f.CopyTo(buffer);
            length = f.Length;
            return HvtAbi.ResultOk;
        }
    }

    // ---- the guest's side, written out by hand ----

    private uint U32(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(_m.Bytes(RingGpa + (ulong)offset, 4));
    private void PutU32(int offset, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(_m.Bytes(RingGpa + (ulong)offset, 4), v);

    /// <summary>Fills entry ent_tail and advances ent_tail, as the guest does.</summary>
    private void Produce(uint op, uint handle, ulong data, uint len, uint id)
    {
        var e = _m.Bytes(RingGpa + NetRing.Entries + (ulong)(_tail % NetRing.Slots) * NetRing.EntrySize, NetRing.EntrySize);
        BinaryPrimitives.WriteUInt32LittleEndian(e[NetRing.EntOperation..], op);
        BinaryPrimitives.WriteUInt32LittleEndian(e[NetRing.EntHandle..], handle);
        BinaryPrimitives.WriteUInt64LittleEndian(e[NetRing.EntData..], data);
        BinaryPrimitives.WriteUInt32LittleEndian(e[NetRing.EntLen..], len);
        BinaryPrimitives.WriteUInt32LittleEndian(e[NetRing.EntId..], id);
        PutU32(NetRing.EntTail, ++_tail);
    }

    private (uint Id, int Ret, uint Len) CommitAt(uint index)
    {
        var c = _m.Bytes(RingGpa + NetRing.Commits + (ulong)(index % NetRing.Slots) * NetRing.CommitSize, NetRing.CommitSize);
        return (BinaryPrimitives.ReadUInt32LittleEndian(c), BinaryPrimitives.ReadInt32LittleEndian(c[4..]), BinaryPrimitives.ReadUInt32LittleEndian(c[8..]));
    }

    private static byte[] Frame(int size, byte fill) => Enumerable.Repeat(fill, size).ToArray();

    // ---- layout ----

    [Fact]
    public void LayoutIsSolo5s()
    {
        Assert.Equal(49280, NetRing.Size);
        Assert.Equal((0, 4, 64, 68, 72), (NetRing.EntTail, NetRing.ComHead, NetRing.EntHead, NetRing.ComTail, NetRing.NeedsKick));
        Assert.Equal((128, 32, 32896, 16), (NetRing.Entries, NetRing.EntrySize, NetRing.Commits, NetRing.CommitSize));
        Assert.Equal((1u, 2u, 1024u), (NetRing.OpWrite, NetRing.OpRead, NetRing.Slots));
        Assert.Equal((ushort)0x600, NetRing.KickPort);
    }

    [Fact]
    public void TheRingStartsZeroedAndIdle()
    {
        _m.Bytes(RingGpa, NetRing.Size).Fill(0xee);
        var ring = new NetRing(_m, RingGpa, _port);
        Assert.True(_m.Bytes(RingGpa, NetRing.Size).IndexOfAnyExcept((byte)0) < 0);
        Assert.False(ring.HasWork);
        Assert.Equal(0u, ring.Process());
        Assert.False(ring.InUse);
    }

    // ---- entries ----

    [Fact]
    public void AWriteSendsTheFrameAndHasNoCommit()
    {
        Frame(60, 0xab).CopyTo(_m.Bytes(Buf, 60));
        Produce(NetRing.OpWrite, Net, Buf, 60, 7);
        Assert.True(_ring.HasWork);
        Assert.Equal(1u, _ring.Process());
        var (h, f) = Assert.Single(_port.Sent);
        Assert.Equal(Net, h);
        Assert.Equal(Frame(60, 0xab), f);
        Assert.Equal(1u, U32(NetRing.EntHead));
        Assert.Equal(0u, U32(NetRing.ComTail));
        Assert.False(_ring.HasWork);
        Assert.True(_ring.InUse);
    }

    [Fact]
    public void AReadGetsTheFrameAndACommitWithItsId()
    {
        _port.Incoming.Enqueue(Frame(98, 0x5a));
        Produce(NetRing.OpRead, Net, Buf, (uint)Max, 41);
        _ring.Process();
        Assert.Equal(1u, U32(NetRing.ComTail));
        Assert.Equal((41u, HvtAbi.ResultOk, 98u), CommitAt(0));
        Assert.Equal(Frame(98, 0x5a), _m.Bytes(Buf, 98).ToArray());
        Assert.Equal(1L, _ring.Received);
    }

    [Fact]
    public void AReadWithNothingWaitingIsAgain()
    {
        Produce(NetRing.OpRead, Net, Buf, (uint)Max, 3);
        _ring.Process();
        Assert.Equal((3u, HvtAbi.ResultAgain, 0u), CommitAt(0));
    }

    [Fact]
    public void EntriesAreConsumedInOrderWritesAndReadsMixed()
    {
        _port.Incoming.Enqueue(Frame(64, 1));
        Frame(60, 2).CopyTo(_m.Bytes(Buf + 0x1000, 60));
        Produce(NetRing.OpWrite, Net, Buf + 0x1000, 60, 0);
        Produce(NetRing.OpRead, Net, Buf, (uint)Max, 1);
        Produce(NetRing.OpWrite, Net, Buf + 0x1000, 14, 2);
        Produce(NetRing.OpRead, Net, Buf, (uint)Max, 3);
        Assert.Equal(4u, _ring.Process());
        Assert.Equal(2, _port.Sent.Count);
        Assert.Equal((1u, HvtAbi.ResultOk, 64u), CommitAt(0));
        Assert.Equal((3u, HvtAbi.ResultAgain, 0u), CommitAt(1));
        Assert.Equal((4u, 2u), (U32(NetRing.EntHead), U32(NetRing.ComTail)));
    }

    [Fact]
    public void CommitsWrapAroundTheRing()
    {
        for (uint i = 0; i < 2500; i++)
        {
            Produce(NetRing.OpRead, Net, Buf, (uint)Max, i);
            Assert.Equal(1u, _ring.Process());
            Assert.Equal((i, HvtAbi.ResultAgain, 0u), CommitAt(i));
        }
        Assert.Equal((2500u, 2500u), (U32(NetRing.EntHead), U32(NetRing.ComTail)));
    }

    [Fact]
    public void IndicesWrapAt2To32()
    {
        // Both sides start just below 2^32 (the guest's indices run freely; only differences count).
        var ring = new NetRing(_m, RingGpa, _port, firstIndex: 0xffff_fffe);
        _tail = 0xffff_fffe;
        for (uint i = 0; i < 5; i++)
            Produce(NetRing.OpRead, Net, Buf, (uint)Max, 100 + i);
        Assert.Equal(5u, ring.Process());
        Assert.Equal(3u, U32(NetRing.EntHead));
        Assert.Equal(3u, U32(NetRing.ComTail));
        for (uint i = 0; i < 5; i++)
            Assert.Equal(100 + i, CommitAt(0xffff_fffe + i).Id);
    }

    // ---- what a careless or hostile guest gets ----

    [Theory]
    [InlineData(Net + 1, Buf, Max)]                       // not an attached device
    [InlineData(0u, Buf, Max)]                            // the manifest's reserved entry
    [InlineData(uint.MaxValue, Buf, Max)]
    [InlineData(Net, Buf, Max - 1)]                       // shorter than MTU + 14
    [InlineData(Net, 0UL, 0UL)]
    [InlineData(Net, MemSize - 1000, Max)]                // across the end of memory
    [InlineData(Net, MemSize, Max)]                       // at the end
    [InlineData(Net, 0x4000_0000UL, Max)]                 // far outside
    [InlineData(Net, ulong.MaxValue - 100, Max)]          // wraps around 2^64
    [InlineData(Net, Buf, (ulong)uint.MaxValue)]          // a 4 GiB buffer
    public void ABadReadIsEinvalAndNothingIsRead(uint handle, ulong data, ulong len)
    {
        _port.Incoming.Enqueue(Frame(60, 9));
        Produce(NetRing.OpRead, handle, data, (uint)len, 5);
        _ring.Process();
        Assert.Equal((5u, HvtAbi.ResultInvalid, 0u), CommitAt(0));
        Assert.Single(_port.Incoming); // the frame is still there for a good read
        Assert.Equal(1L, _ring.Refused);
    }

    [Fact]
    public void AReadIntoReadOnlyMemoryIsEinvalAndLeavesItAlone()
    {
        _m.Bytes(0x100000, 0x1000).Fill(0x11);
        _m.MarkReadOnly(0x100000, 0x1000, forGuest: true);
        _port.Incoming.Enqueue(Frame(60, 9));
        Produce(NetRing.OpRead, Net, 0x100000 - 0x200, (uint)Max, 5); // straddles into the text page
        _ring.Process();
        Assert.Equal(HvtAbi.ResultInvalid, CommitAt(0).Ret);
        Assert.True(_m.Bytes(0x100000, 0x1000).IndexOfAnyExcept((byte)0x11) < 0);
    }

    [Fact]
    public void AReadIntoTheRingItselfIsEinvalWhenTheLowAreaIsTheMonitors()
    {
        _m.MarkReadOnly(0, 0x100000, forGuest: false); // as the monitor does before the first KVM_RUN
        Produce(NetRing.OpRead, Net, RingGpa + NetRing.Entries, (uint)Max, 5);
        _port.Incoming.Enqueue(Frame(60, 9));
        _ring.Process();
        Assert.Equal(HvtAbi.ResultInvalid, CommitAt(0).Ret);
    }

    [Theory]
    [InlineData(Net + 1, Buf, 60UL)]
    [InlineData(uint.MaxValue, Buf, 60UL)]
    [InlineData(Net, Buf, 13UL)]                          // shorter than an Ethernet header
    [InlineData(Net, Buf, Max + 1)]                       // longer than MTU + 14
    [InlineData(Net, Buf, (ulong)uint.MaxValue)]
    [InlineData(Net, MemSize - 30, 60UL)]
    [InlineData(Net, ulong.MaxValue - 30, 60UL)]
    public void ABadWriteIsDroppedAndTheRingGoesOn(uint handle, ulong data, ulong len)
    {
        Produce(NetRing.OpWrite, handle, data, (uint)len, 1);
        Produce(NetRing.OpWrite, Net, Buf, 60, 2);
        Assert.Equal(2u, _ring.Process());
        var (_, f) = Assert.Single(_port.Sent);
        Assert.Equal(60, f.Length);
        Assert.Equal(1L, _ring.Refused);
        Assert.Equal(0u, U32(NetRing.ComTail));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(3u)]
    [InlineData(0xffff_ffffu)]
    public void AnUnknownOperationEndsTheGuest(uint op)
    {
        Produce(op, Net, Buf, 60, 1);
        var e = Assert.Throws<GuestFaultException>(() => _ring.Process());
        Assert.Equal($"net ring: entry 0 has unknown operation {op}", e.Message);
    }

    [Fact]
    public void ABrokenRingIsReportedOnceThenDead()
    {
        Produce(9, Net, Buf, 60, 1);
        Produce(NetRing.OpWrite, Net, Buf, 60, 2);
        Assert.Throws<GuestFaultException>(() => _ring.Process());
        Assert.Equal(0u, _ring.Process()); // the other consumer thread finds nothing to report
        Assert.Empty(_port.Sent);
    }

    [Theory]
    [InlineData(NetRing.Slots + 1)]
    [InlineData(0x8000_0000u)]
    [InlineData(0xffff_ffffu)] // "behind" the monitor: as far ahead, mod 2^32
    public void AnEntryIndexMoreThanARingAheadEndsTheGuest(uint tail)
    {
        PutU32(NetRing.EntTail, tail);
        var e = Assert.Throws<GuestFaultException>(() => _ring.Process());
        Assert.StartsWith($"net ring: entry index {tail} is {tail} entries ahead of the monitor's 0", e.Message);
        Assert.Empty(_port.Sent);
    }

    [Fact]
    public void AFullRingIsFine()
    {
        for (uint i = 0; i < NetRing.Slots; i++)
            Produce(NetRing.OpWrite, Net, Buf, 60, i);
        Assert.Equal(NetRing.Slots, _ring.Process());
        Assert.Equal((int)NetRing.Slots, _port.Sent.Count);
    }

    [Fact]
    public void TheGuestCannotMoveTheMonitorsIndices()
    {
        Produce(NetRing.OpRead, Net, Buf, (uint)Max, 1);
        PutU32(NetRing.EntHead, 500);   // the guest scribbles on the monitor's cache line
        PutU32(NetRing.ComTail, 700);
        _ring.Process();
        Assert.Equal((1u, 1u), (U32(NetRing.EntHead), U32(NetRing.ComTail)));
        Assert.Equal(1u, CommitAt(0).Id);
        Assert.Equal(0u, _ring.Process());
    }

    [Fact]
    public void NeedsKickIsTheMonitorsFlag()
    {
        _ring.SetNeedsKick(true);
        Assert.Equal(1u, U32(NetRing.NeedsKick));
        _ring.SetNeedsKick(false);
        Assert.Equal(0u, U32(NetRing.NeedsKick));
    }

    // ---- the I/O thread ----

    private static FdHandle EventFd()
    {
        int fd = Libc.eventfd(0, Libc.EFD_CLOEXEC);
        Assert.True(fd >= 0);
        return new FdHandle(fd);
    }

    private static unsafe void Kick(FdHandle efd)
    {
        ulong one = 1;
        Assert.Equal(8, (int)Libc.write(efd.Fd, (byte*)&one, 8));
    }

    /// <summary>The guest's half of the sleep protocol: its ent_tail store, a full barrier, then needs_kick.</summary>
    private void KickIfAsleep(FdHandle efd)
    {
        Interlocked.MemoryBarrier();
        if (U32(NetRing.NeedsKick) == 1) Kick(efd);
    }

    private bool WaitFor(Func<bool> condition, int ms = 10_000)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.ElapsedMilliseconds > ms) return false;
            Thread.Sleep(1);
        }
        return true;
    }

    [Fact]
    public void TheThreadConsumesSleepsWhenIdleAndWakesOnAKick()
    {
        var port = new LockedPort();
        var ring = new NetRing(_m, RingGpa, port);
        using var efd = EventFd();
        var worker = new NetRingWorker(ring, efd);
        worker.Start();
        try
        {
            Produce(NetRing.OpWrite, Net, Buf, 60, 0);
            KickIfAsleep(efd); // as the guest does
            Assert.True(WaitFor(() => port.SentCount == 1), "the thread did not send the frame");
            // Idle: it spins a while, then says it sleeps.
            Assert.True(WaitFor(() => U32(NetRing.NeedsKick) == 1), "the thread never set needs_kick");
            Thread.Sleep(20);
            Produce(NetRing.OpWrite, Net, Buf, 60, 1);
            Thread.Sleep(50);
            Assert.Equal(1, port.SentCount); // asleep: the entry waits for a kick
            Kick(efd);                       // what KVM does when the guest writes port 0x600
            Assert.True(WaitFor(() => port.SentCount == 2), "a kick did not wake the thread");
        }
        finally { worker.Dispose(); }
    }

    [Fact]
    public void NudgeWakesASleepingThread()
    {
        var port = new LockedPort();
        var ring = new NetRing(_m, RingGpa, port);
        using var efd = EventFd();
        var worker = new NetRingWorker(ring, efd);
        worker.Start();
        try
        {
            Produce(NetRing.OpWrite, Net, Buf, 60, 0); // the guest uses the ring
            KickIfAsleep(efd);
            Assert.True(WaitFor(() => port.SentCount == 1 && U32(NetRing.NeedsKick) == 1));
            Thread.Sleep(20);
            Produce(NetRing.OpWrite, Net, Buf, 60, 1); // no kick
            Thread.Sleep(50);
            Assert.Equal(1, port.SentCount);
            worker.Nudge(); // POLL returned with input: the thread wakes
            Assert.True(WaitFor(() => port.SentCount == 2), "a nudged thread did not consume");
        }
        finally { worker.Dispose(); }
    }

    /// <summary>A NET_READ marked UKVM_RING_HOLD, as the SDK posts before POLL.</summary>
    private void ProduceHeldRead(uint id)
    {
        var e = _m.Bytes(RingGpa + NetRing.Entries + (ulong)(_tail % NetRing.Slots) * NetRing.EntrySize, NetRing.EntrySize);
        BinaryPrimitives.WriteUInt64LittleEndian(e[24..], NetRing.FlagHold);
        Produce(NetRing.OpRead, Net, Buf + 0x8000, (uint)Max, id);
    }

    [Fact]
    public void MarkedReadsAtTheEndAreNotWorkForTheThread()
    {
        ProduceHeldRead(7);
        Assert.False(_ring.HasWork);
        Assert.Equal(0u, _ring.Process());               // the I/O thread leaves it
        Assert.Equal(1u, _ring.Process(NetRing.Hold.None)); // POLL's end answers it
        Assert.Equal((7u, HvtAbi.ResultAgain, 0u), CommitAt(0));
        ProduceHeldRead(8);
        Produce(NetRing.OpWrite, Net, Buf, 60, 9);       // no longer at the end: an ordinary read
        Assert.True(_ring.HasWork);
        Assert.Equal(2u, _ring.Process());
        Assert.Equal((8u, HvtAbi.ResultAgain, 0u), CommitAt(1));
    }

    [Fact]
    public void DisposeStopsTheThreadAfterSendingWhatWasLeft()
    {
        var port = new LockedPort();
        var ring = new NetRing(_m, RingGpa, port);
        using var efd = EventFd();
        var worker = new NetRingWorker(ring, efd);
        worker.Start();
        Assert.True(WaitFor(() => U32(NetRing.NeedsKick) == 1));
        Thread.Sleep(20);
        Produce(NetRing.OpWrite, Net, Buf, 60, 0); // no kick: the guest halts right after
        worker.Dispose();
        Assert.Equal(1, port.SentCount);
        worker.Dispose(); // twice is fine
    }

    [Fact]
    public void DrainConsumesOnTheCallersThread()
    {
        var port = new LockedPort();
        var ring = new NetRing(_m, RingGpa, port);
        using var efd = EventFd();
        var worker = new NetRingWorker(ring, efd);
        // Not started: only Drain (the run loop at POLL) consumes.
        Produce(NetRing.OpWrite, Net, Buf, 60, 0);
        Produce(NetRing.OpRead, Net, Buf, (uint)Max, 1);
        worker.Drain();
        Assert.Equal(1, port.SentCount);
        Assert.Equal(0u, U32(NetRing.ComTail)); // the read at the end waits for POLL's end...
        worker.Complete();
        Assert.Equal((1u, HvtAbi.ResultAgain, 0u), CommitAt(0)); // ...and is answered then
    }

    [Fact]
    public void WritesInARowGoToThePortAsOneRunAndAReadEndsIt()
    {
        for (uint i = 0; i < 3; i++)
            Produce(NetRing.OpWrite, Net, Buf + i * 0x800, 60, i);
        Produce(NetRing.OpRead, Net, Buf + 0x4000, (uint)Max, 3);
        Produce(NetRing.OpWrite, Net, Buf + 0x2000, 60, 4);
        Produce(NetRing.OpWrite, Net, Buf + 0x2800, 10, 5); // too short: dropped, still in the run
        Produce(NetRing.OpWrite, Net, Buf + 0x3000, 60, 6);
        Assert.Equal(7u, _ring.Process());
        Assert.Equal(new[] { 3, 2 }, _port.Runs);
        Assert.Equal(5, _port.Sent.Count);
        Assert.Equal(1L, _ring.Refused);
    }

    [Fact]
    public void ARunStopsAtMaxRun()
    {
        for (uint i = 0; i < NetRing.MaxRun + 3; i++)
            Produce(NetRing.OpWrite, Net, Buf, 60, i);
        _ring.Process();
        Assert.Equal(new[] { NetRing.MaxRun, 3 }, _port.Runs);
        Assert.Equal((uint)NetRing.MaxRun + 3, U32(NetRing.EntHead));
    }

    [Fact]
    public void ReadsHeldThroughAWaitGetTheFramesThatCameMeanwhile()
    {
        Produce(NetRing.OpWrite, Net, Buf, 60, 0);
        Produce(NetRing.OpRead, Net, Buf, (uint)Max, 1);
        Produce(NetRing.OpRead, Net, Buf + 0x1000, (uint)Max, 2);
        Assert.Equal(1u, _ring.Process(NetRing.Hold.All));
        Assert.Single(_port.Sent);
        Assert.Equal(1u, U32(NetRing.EntHead));
        Assert.Equal(0u, U32(NetRing.ComTail));
        Assert.True(_ring.HasWork);
        _port.Incoming.Enqueue(Frame(98, 0x42)); // the frame that ends the guest's POLL
        Assert.Equal(2u, _ring.Process());
        Assert.Equal((1u, HvtAbi.ResultOk, 98u), CommitAt(0));
        Assert.Equal((2u, HvtAbi.ResultAgain, 0u), CommitAt(1));
        Assert.Equal(Frame(98, 0x42), _m.Bytes(Buf, 98).ToArray());
    }

    [Fact]
    public void OnlyReadsAtTheEndAreHeld()
    {
        Produce(NetRing.OpRead, Net, Buf, (uint)Max, 1);
        Produce(NetRing.OpWrite, Net, Buf + 0x1000, 60, 2);
        Assert.Equal(2u, _ring.Process(NetRing.Hold.All)); // a write after it: the read goes now, in order
        Assert.Equal((1u, HvtAbi.ResultAgain, 0u), CommitAt(0));
        Assert.Single(_port.Sent);
        Assert.False(_ring.HasWork);
    }

    /// <summary>A port the I/O thread and the test both look at.</summary>
    private sealed class LockedPort : INetRingPort
    {
        private int _sent;
        public int SentCount => Volatile.Read(ref _sent);
        public bool IsAttached(uint handle) => handle == Net;
        public void Send(uint handle, ReadOnlySpan<FrameRef> frames) => Interlocked.Add(ref _sent, frames.Length);
        public int Receive(uint handle, Span<byte> buffer, out int length) { length = 0; return HvtAbi.ResultAgain; }
    }
}
