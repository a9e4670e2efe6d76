using System;
using System.Diagnostics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Threading;
using Ukvm.Core;
using Ukvm.Interop;

namespace Ukvm.Modules.Net;

/// <summary>
/// The I/O thread that consumes a <see cref="NetRing"/>. It spins on the ring for a while after
/// the last entry (so that a busy guest never needs to kick), then sets needs_kick, looks once
/// more, and sleeps in read(2) on the eventfd that KVM signals when the guest writes the kick
/// port (KVM_IOEVENTFD: no exit to the monitor). It spins politely (PAUSE, and sched_yield
/// every few microseconds, so that a process waiting for this CPU runs: on a small host the
/// peer the guest talks to may be one). Started before the seccomp filter goes on; in its loop
/// it makes only read(2) on the eventfd and the taps, write(2) on the taps, sched_yield and
/// clock_gettime, and allocates nothing. A broken ring ends the guest from this thread: one
/// line on stderr, status 1, as for any monitor-detected error.
///
/// The run loop consumes the ring too (<see cref="Drain"/>, under the ring's lock) whenever the
/// guest exits to POLL, and wakes this thread when POLL returns with input (<see cref="Nudge"/>).
/// </summary>
internal sealed class NetRingWorker : IDisposable
{
    /// <summary>
    /// How long the thread spins after the last frame before it sleeps: a few round trips of a
    /// busy guest, so that a steady stream of frames never needs a kick or a wake-up (Solo5 spins
    /// 4096 PAUSEs, about 240 us on this project's hosts). Measured on them (bench/net-ring.sh):
    /// 300 us beats 100 us under an ICMP flood. Reads answered AGAIN do not count: a guest that
    /// looks for frames through the ring while none come would otherwise keep the thread up as
    /// long as it looks, and then post the reads it wants held through its POLL
    /// (<see cref="Drain"/>) to a thread that answers them at once.
    /// </summary>
    public static readonly long SpinTicks = Stopwatch.Frequency / 1_000_000 * 300;

    private readonly NetRing _ring;
    private readonly FdHandle _eventFd;
    private readonly Thread _thread;
    private volatile bool _stop;
    private volatile bool _asleep;
    private volatile bool _ready;
    private bool _disposed, _started;

    public NetRingWorker(NetRing ring, FdHandle eventFd)
    {
        _ring = ring;
        _eventFd = eventFd;
        _thread = new Thread(Run, 256 * 1024) { IsBackground = true, Name = "ukvm-net-ring" };
    }

    /// <summary>Starts the thread and waits until it has made every first-use system call.</summary>
    public void Start()
    {
        _started = true;
        _thread.Start();
        var wait = new SpinWait();
        while (!_ready)
            wait.SpinOnce();
    }

    /// <summary>
    /// Consumes the ring on the run loop's thread: called when the guest exits to POLL, so that
    /// what it left in the ring is done before it sleeps, and a guest that tired of waiting for a
    /// busy or descheduled I/O thread can have its entries done by exiting. NET_READ entries at
    /// the end of the ring wait for <see cref="Complete"/>: a guest posts reads before it sleeps
    /// so that the frame that wakes it is in its memory when it runs again.
    /// </summary>
    public void Drain()
    {
        if (_ring.HasWork)
            _ring.Process(NetRing.Hold.All);
    }

    /// <summary>
    /// Consumes what <see cref="Drain"/> held, when POLL returns (input or not), before the guest
    /// runs again: the reads get the frames that are there now, or AGAIN.
    /// </summary>
    public void Complete() => _ring.Process(NetRing.Hold.None);

    /// <summary>
    /// Wakes the thread if it sleeps and the guest uses the ring: the run loop calls this when
    /// POLL reports input, and on NET_READ and NET_WRITE (which a ring user makes when it has
    /// been idle), before the guest runs again, so that the consumer is up, or waking, when the
    /// guest's next entries come. It also clears needs_kick at once, so the guest does not kick
    /// a thread that is already waking (a kick is an exit, under PVM from CPL3 as costly as a
    /// hypercall). Safe against the thread's own "set needs_kick, look, sleep": the eventfd holds
    /// the signal, so its sleep ends at once and it clears needs_kick itself.
    /// </summary>
    public void Nudge()
    {
        if (_asleep && _ring.InUse)
        {
            Signal();
            _ring.SetNeedsKick(false);
        }
    }

    private unsafe void Signal()
    {
        ulong one = 1;
        Libc.write(_eventFd.Fd, (byte*)&one, 8);
    }

    private unsafe void Run()
    {
        WarmUp();
        _ready = true;
        int fd = _eventFd.Fd;
        ulong value;
        long lastFrame = Stopwatch.GetTimestamp();
        try
        {
            while (!_stop)
            {
                if (!_ring.HasWork && !SpinForWork(lastFrame + SpinTicks))
                {
                    _asleep = true;
                    _ring.SetNeedsKick(true);
                    if (!_ring.HasWork && !_stop)
                        Libc.read(fd, (byte*)&value, 8); // EINTR or a kick: either way, look again
                    _ring.SetNeedsKick(false);
                    _asleep = false;
                    lastFrame = Stopwatch.GetTimestamp();
                }
                long frames = _ring.Sent + _ring.Received;
                _ring.Process();
                if (_ring.Sent + _ring.Received != frames)
                    lastFrame = Stopwatch.GetTimestamp();
            }
            _ring.Process(); // what the guest sent before it halted goes out
        }
        catch (GuestFaultException e)
        {
            Log.Error(e.Message);
            Libc._exit(1);
        }
    }

    /// <summary>Spins until the ring has work (true), <paramref name="until"/> passes or the worker stops (false).</summary>
    private bool SpinForWork(long until)
    {
        while (!_stop)
        {
            for (int i = 0; i < 64; i++)
            {
                if (_ring.HasWork)
                    return true;
                if (X86Base.IsSupported) X86Base.Pause();
                else if (ArmBase.IsSupported) ArmBase.Yield();
            }
            if (Stopwatch.GetTimestamp() > until)
                return false;
            Thread.Yield(); // sched_yield: a spinning consumer lets whatever else waits for this CPU run
        }
        return false;
    }

    /// <summary>
    /// What the error path needs that makes system calls on first use on this thread (an
    /// interpolated string's pooled buffer: the pool seeds a random generator per thread from
    /// /dev/urandom), done before the seccomp filter forbids them.
    /// </summary>
    private static void WarmUp()
    {
        ulong probe = (ulong)Environment.TickCount64;
        string line = $"{probe:x} {probe} {nameof(NetRingWorker)}";
        _ = System.Text.Encoding.UTF8.GetByteCount(line);
        _ = Stopwatch.GetTimestamp();
    }

    /// <summary>Stops the thread (it sends what the guest left in the ring first) and closes the eventfd.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop = true;
        if (_started)
        {
            Signal();
            _thread.Join();
        }
        _eventFd.Dispose();
    }
}
