using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using Ukvm.Abi;
using Ukvm.Core;

namespace Ukvm.Modules.Net;

/// <summary>A frame in guest memory, inside it (checked).</summary>
internal readonly record struct FrameRef(ulong Gpa, uint Length);

/// <summary>What the ring's consumer does with frames: the taps, or a fake in tests.</summary>
internal interface INetRingPort
{
    /// <summary>True when manifest entry <paramref name="handle"/> is an attached network device.</summary>
    bool IsAttached(uint handle);

    /// <summary>
    /// Sends frames that the guest queued one after another, in order (a run, so that the port
    /// may join TCP segments); one the device cannot take now is dropped, as on a wire.
    /// </summary>
    void Send(uint handle, ReadOnlySpan<FrameRef> frames);

    /// <summary>Receives one frame into <paramref name="buffer"/>: a solo5_result_t, and the frame's size.</summary>
    int Receive(uint handle, Span<byte> buffer, out int length);
}

/// <summary>
/// The host side of Solo5's network ring (HVT_FEATURE_RING_IO, Solo5's hvt_ring.h), over guest
/// memory: the guest produces entries (NET_WRITE: send this frame, no answer; NET_READ: receive a
/// frame into this buffer, answered by a commit) and the monitor's I/O thread consumes them
/// without a VM exit. Pure apart from the <see cref="INetRingPort"/>: testable over a plain
/// <see cref="GuestMemory"/>.
///
/// Layout (little-endian, 49280 bytes; the two index lines are 64 bytes apart so that each side
/// writes only its own cache line):
/// <code>
///   0  u32 ent_tail    guest: entries produced       64  u32 ent_head    host: entries consumed
///   4  u32 com_head    guest: commits consumed       68  u32 com_tail    host: commits produced
///                                                    72  u32 needs_kick  host: 1 = asleep, kick me
/// 128  entries[1024] x 32: u32 operation, u32 handle, u64 data (GPA), u32 len, u32 id, u64 reserved
/// 32896 commits[1024] x 16: u32 id, s32 ret (solo5_result_t), u32 len, u32 reserved
/// </code>
/// Indices run freely (mod 2^32); slot = index % 1024. Everything in the ring is the guest's to
/// scribble on, so the monitor keeps its own copies of ent_head and com_tail, never reads them
/// back, reads each entry once into locals before checking it, and checks every GPA and length
/// through <see cref="GuestMemory"/>. A NET_READ the device cannot do (bad handle, buffer outside
/// guest memory or not writable, shorter than MTU + 14) is committed as EINVAL; a NET_WRITE that
/// is bad is dropped (writes have no commit in this protocol). An entry index more than a ring
/// ahead, or an unknown operation, is a broken guest: <see cref="GuestFaultException"/>.
/// </summary>
internal sealed class NetRing
{
    public const uint Slots = 1024;
    private const uint Mask = Slots - 1;

    // Offsets in struct hvt_ring.
    public const int EntTail = 0, ComHead = 4, EntHead = 64, ComTail = 68, NeedsKick = 72;
    public const int Entries = 128, EntrySize = 32;
    public const int Commits = Entries + (int)Slots * EntrySize, CommitSize = 16;
    public const int Size = Commits + (int)Slots * CommitSize;
    // struct hvt_ring_entry / hvt_ring_commit fields.
    public const int EntOperation = 0, EntHandle = 4, EntData = 8, EntLen = 16, EntId = 20, EntFlags = 24;
    public const int ComId = 0, ComRet = 4, ComLen = 8;

    /// <summary>HVT_RING_NET_WRITE and HVT_RING_NET_READ.</summary>
    public const uint OpWrite = 1, OpRead = 2;

    /// <summary>
    /// ukvm's use of an entry's reserved word (UKVM_RING_HOLD, bit 0): a NET_READ posted just
    /// before POLL, to be answered when POLL returns. Only the run loop consumes such a read at
    /// the end of the ring (<see cref="Process(Hold)"/>); the I/O thread leaves it, and
    /// <see cref="HasWork"/> does not count it. Anywhere else it is an ordinary read.
    /// </summary>
    public const uint FlagHold = 1;

    /// <summary>x86_64: the guest kicks a sleeping consumer with a 32-bit OUT to this port (HVT_RING_KICK_PIO_BASE).</summary>
    public const ushort KickPort = 0x600;

    private readonly GuestMemory _memory;
    private readonly ulong _gpa;
    private readonly INetRingPort _port;
    private readonly Lock _consumer = new();
    private uint _entHead, _comTail;
    private bool _broken;

    /// <summary>Most writes handed to the port at once: a 64 KiB GSO frame holds 44 full TCP segments.</summary>
    public const int MaxRun = 64;
    private readonly FrameRef[] _run = new FrameRef[MaxRun];

    /// <summary>Frames sent, frames received, NET_READs answered AGAIN, bad entries (dropped or EINVAL).</summary>
    public long Sent, Received, Empty, Refused;

    /// <summary>True once the guest has produced an entry: it uses the ring.</summary>
    public bool InUse { get; private set; }

    /// <summary>
    /// Takes the ring at <paramref name="gpa"/> and zeroes it: both sides start at index 0
    /// (<paramref name="firstIndex"/>: elsewhere, for tests of the wrap at 2^32).
    /// </summary>
    public NetRing(GuestMemory memory, ulong gpa, INetRingPort port, uint firstIndex = 0)
    {
        _memory = memory;
        _gpa = gpa;
        _port = port;
        memory.Bytes(gpa, Size, "net ring").Clear();
        _entHead = _comTail = firstIndex;
    }

    /// <summary>The ring's bytes: range-checked each time (cheap), no pointer kept.</summary>
    private Span<byte> Ring => _memory.Bytes(_gpa, Size, "net ring");

    private static ref uint U32(Span<byte> ring, int offset) =>
        ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref MemoryMarshal.GetReference(ring), offset));

    /// <summary>
    /// True when the guest has produced entries the monitor has not consumed, apart from
    /// NET_READs marked <see cref="FlagHold"/> at the end of the ring.
    /// </summary>
    public bool HasWork
    {
        get
        {
            uint tail = Volatile.Read(ref U32(Ring, EntTail));
            return tail != _entHead && tail - _entHead - HeldAtEnd(tail, FlagHold) != 0;
        }
    }

    /// <summary>
    /// How many of the entries before <paramref name="tail"/> (and after ent_head) are NET_READs
    /// whose flags include <paramref name="flags"/> (0: any read), counted from the end. A guess
    /// about entries the guest may still change: it only decides what to consume now, each
    /// entry being read again, once, when consumed.
    /// </summary>
    private uint HeldAtEnd(uint tail, uint flags)
    {
        uint pending = tail - _entHead, held = 0;
        if (pending > Slots)
            return 0; // a broken ring: Process reports it
        var ring = Ring;
        while (held < pending)
        {
            int at = Entries + (int)((tail - held - 1) & Mask) * EntrySize;
            if (Volatile.Read(ref U32(ring, at + EntOperation)) != OpRead
                || (Volatile.Read(ref U32(ring, at + EntFlags)) & flags) != flags)
                break;
            held++;
        }
        return held;
    }

    /// <summary>
    /// needs_kick: set before the consumer sleeps (then the guest kicks), cleared when it runs.
    /// Setting it is followed by a full barrier: the consumer must look at ent_tail again after
    /// its store is visible, or both sides could miss each other.
    /// </summary>
    public void SetNeedsKick(bool value)
    {
        Volatile.Write(ref U32(Ring, NeedsKick), value ? 1u : 0u);
        if (value)
            Interlocked.MemoryBarrier();
    }

    /// <summary>
    /// Consumes every entry the guest has produced so far (at most a ring's worth), but for
    /// NET_READs marked <see cref="FlagHold"/> at the end, and returns how many. Throws
    /// <see cref="GuestFaultException"/> for a ring no guest following the protocol can
    /// produce, once: afterwards the ring is dead and this returns 0, so that of the
    /// two threads that may call it (the I/O thread, and the run loop when the guest exits to
    /// POLL; one consumes at a time) only one reports it.
    /// </summary>
    public uint Process() => Process(Hold.Marked);

    /// <summary>Which NET_READs at the end of the ring <see cref="Process(Hold)"/> leaves for later.</summary>
    public enum Hold
    {
        /// <summary>None: the run loop, when POLL returns.</summary>
        None,
        /// <summary>Those marked <see cref="FlagHold"/>: the I/O thread.</summary>
        Marked,
        /// <summary>All: the run loop, as the guest goes to sleep in POLL.</summary>
        All,
    }

    /// <summary>
    /// As <see cref="Process()"/>, but leaving the NET_READs at the end of the ring that
    /// <paramref name="hold"/> names: a read the guest posted before it slept in POLL gets the
    /// frame that woke it, without another exit.
    /// </summary>
    public uint Process(Hold hold)
    {
        lock (_consumer)
            return ProcessLocked(hold);
    }

    private uint ProcessLocked(Hold hold)
    {
        if (_broken)
            return 0;
        uint tail = Volatile.Read(ref U32(Ring, EntTail)); // acquire: the entries up to tail are visible
        uint pending = tail - _entHead;
        if (pending == 0)
            return 0;
        if (pending > Slots)
            throw Broken(
                $"net ring: entry index {tail} is {pending} entries ahead of the monitor's {_entHead}, more than the ring's {Slots}");
        InUse = true;
        if (hold != Hold.None)
            pending -= HeldAtEnd(tail, hold == Hold.All ? 0 : FlagHold);
        uint end = _entHead + pending;
        while (_entHead != end)
        {
            _entHead += Consume(_entHead, end);
            Volatile.Write(ref U32(Ring, EntHead), _entHead); // release: frees the slots (and their buffers)
        }
        return pending;
    }

    private Span<byte> EntryAt(uint index) => Ring.Slice(Entries + (int)(index & Mask) * EntrySize, EntrySize);

    /// <summary>Consumes the entry at <paramref name="index"/>, or the run of writes it begins; returns how many.</summary>
    private uint Consume(uint index, uint end)
    {
        var entry = EntryAt(index);
        // Each field read once: the guest may change the entry while it is being consumed.
        uint op = U32(entry, EntOperation);
        switch (op)
        {
            case OpWrite:
                return SendRun(index, end);
            case OpRead:
            {
                uint handle = U32(entry, EntHandle);
                ulong data = Unsafe.ReadUnaligned<ulong>(ref entry[EntData]);
                uint len = U32(entry, EntLen);
                uint id = U32(entry, EntId);
                int ret, size = 0;
                if (!_port.IsAttached(handle) || len < NetModule.Mtu + NetModule.HeaderLength || !_memory.IsWritable(data, len))
                {
                    ret = HvtAbi.ResultInvalid;
                    Refused++;
                }
                else
                {
                    ret = _port.Receive(handle, _memory.Bytes(data, NetModule.Mtu + NetModule.HeaderLength, "net ring buffer"), out size);
                    if (ret == HvtAbi.ResultOk) Received++;
                    else if (ret == HvtAbi.ResultAgain) Empty++;
                    if (ret != HvtAbi.ResultOk) size = 0;
                }
                Commit(id, ret, (uint)size);
                return 1;
            }
            default:
                throw Broken($"net ring: entry {index} has unknown operation {op}");
        }
    }

    /// <summary>
    /// Sends the NET_WRITE at <paramref name="index"/> and the ones that follow it before
    /// <paramref name="end"/> for the same device (at most <see cref="MaxRun"/>) in one call to the
    /// port; returns how many entries it consumed. A write the device cannot take (bad handle,
    /// length under 14 or over MTU + 14, a buffer outside guest memory) is dropped.
    /// </summary>
    private uint SendRun(uint index, uint end)
    {
        uint handle = 0, i = index;
        int count = 0;
        for (; i != end && count < MaxRun; i++)
        {
            var entry = EntryAt(i);
            if (i != index && U32(entry, EntOperation) != OpWrite) // the first one's was read by Consume
                break;
            uint h = U32(entry, EntHandle);
            if (i == index) handle = h;
            else if (h != handle) break;
            ulong data = Unsafe.ReadUnaligned<ulong>(ref entry[EntData]);
            uint len = U32(entry, EntLen);
            if (_port.IsAttached(h) && len >= NetModule.HeaderLength
                && len <= NetModule.Mtu + NetModule.HeaderLength && _memory.Contains(data, len))
                _run[count++] = new FrameRef(data, len);
            else Refused++;
        }
        if (count > 0)
        {
            _port.Send(handle, _run.AsSpan(0, count));
            Sent += count;
        }
        return i - index;
    }

    private GuestFaultException Broken(string reason)
    {
        _broken = true;
        return new GuestFaultException(reason);
    }

    /// <summary>Posts a commit; the guest sees it once com_tail moves past it.</summary>
    private void Commit(uint id, int ret, uint len)
    {
        var ring = Ring;
        var commit = ring.Slice(Commits + (int)(_comTail & Mask) * CommitSize, CommitSize);
        U32(commit, ComId) = id;
        U32(commit, ComRet) = (uint)ret;
        U32(commit, ComLen) = len;
        _comTail++;
        Volatile.Write(ref U32(ring, ComTail), _comTail); // release: the commit's fields first
    }
}
