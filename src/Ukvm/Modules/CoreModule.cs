using System;
using System.Collections.Generic;
using Ukvm.Abi;
using Ukvm.Core;
using Ukvm.Hypercalls;
using Ukvm.Interop;

namespace Ukvm.Modules;

/// <summary>The always-present module: WALLTIME, PUTS (console), POLL and HALT.</summary>
internal sealed unsafe class CoreModule : IModule
{
    private readonly int _consoleFd;
    private GuestMemory _memory = null!;
    private PollSet _poll = null!;

    /// <param name="consoleFd">Where PUTS writes: stdout for a real run.</param>
    public CoreModule(int consoleFd = 1) => _consoleFd = consoleFd;

    public string Name => "core";
    public IEnumerable<string> Usage => Array.Empty<string>();
    public bool TryHandleOption(string arg) => false;

    public void Setup(MonitorContext context)
    {
        _memory = context.Memory;
        _poll = context.Poll;
        context.Hypercalls.Register(HvtAbi.Walltime, Walltime);
        context.Hypercalls.Register(HvtAbi.Puts, Puts);
        context.Hypercalls.Register(HvtAbi.Poll, Poll);
        context.Hypercalls.Register(HvtAbi.Halt, Halt);
    }

    /// <summary>WALLTIME: nanoseconds since the epoch, CLOCK_REALTIME.</summary>
    public HypercallOutcome Walltime(ulong gpa)
    {
        var span = _memory.WritableBytes(gpa, HvtAbi.WalltimeSize, "WALLTIME argument");
        Libc.Timespec ts;
        Libc.clock_gettime(Libc.CLOCK_REALTIME, &ts);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(span,
            (ulong)ts.tv_sec * 1_000_000_000UL + (ulong)ts.tv_nsec);
        return HypercallOutcome.Continue;
    }

    /// <summary>PUTS: the guest's bytes to the console, unbuffered, in full.</summary>
    public HypercallOutcome Puts(ulong gpa)
    {
        _memory.Bytes(gpa, HvtAbi.PutsSize, "PUTS argument");
        ulong data = _memory.ReadU64(gpa, "PUTS argument");
        ulong len = _memory.ReadU64(gpa + 8, "PUTS argument");
        var bytes = _memory.Bytes(data, len, "PUTS buffer");
        fixed (byte* p = bytes)
        {
            ulong done = 0;
            while (done < len)
            {
                nint n = Libc.write(_consoleFd, p + done, (nuint)(len - done));
                if (n < 0)
                {
                    int errno = Libc.Errno;
                    if (errno == Libc.EINTR) continue;
                    if (errno == Libc.EAGAIN) { WaitWritable(); continue; }
                    break; // console gone (closed pipe): the guest goes on, its output is dropped.
                }
                done += (ulong)n;
            }
        }
        return HypercallOutcome.Continue;
    }

    private void WaitWritable()
    {
        var fd = new Libc.PollFd { fd = _consoleFd, events = 4 /* POLLOUT */ };
        Libc.ppoll(&fd, 1, null, null);
    }

    /// <summary>POLL: wait for attached devices or the timeout; report the ready set.</summary>
    public HypercallOutcome Poll(ulong gpa)
    {
        _memory.WritableBytes(gpa, HvtAbi.PollSize, "POLL argument");
        ulong timeout = _memory.ReadU64(gpa, "POLL argument");
        ulong ready = _poll.Wait(timeout);
        _memory.WriteU64(gpa + HvtAbi.PollReadySet, ready, "POLL argument");
        _memory.WriteI32(gpa + HvtAbi.PollRet, ready != 0 ? 1 : 0, "POLL argument");
        return HypercallOutcome.Continue;
    }

    /// <summary>HALT: the guest's exit status; a cookie, if any, must point at 512 bytes of guest memory.</summary>
    public HypercallOutcome Halt(ulong gpa)
    {
        _memory.Bytes(gpa, HvtAbi.HaltSize, "HALT argument");
        ulong cookie = _memory.ReadU64(gpa, "HALT argument");
        int status = (int)_memory.ReadU32(gpa + HvtAbi.HaltStatus, "HALT argument");
        if (cookie != 0)
            _memory.Bytes(cookie, HvtAbi.HaltCookieMax, "HALT cookie");
        return HypercallOutcome.Halt(status);
    }
}
