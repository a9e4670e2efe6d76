using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Ukvm.Abi;
using Ukvm.Core;
using Ukvm.Hypercalls;
using Ukvm.Manifest;
using Ukvm.Modules;
using Ukvm.Modules.Block;
using Ukvm.Modules.Net;

namespace Ukvm.Tests.Fuzz;

/// <summary>
/// In-process fuzzer for hypercall argument decoding: the core, block and net modules set up as the
/// monitor sets them up, over 2 MiB of real guest memory (the low 1 MiB read-only to the monitor,
/// a 16 KiB "text" at 0x100000 read-only to both), a 64 KiB block device "storage" (512-byte
/// blocks), a read-only one "ro" (4096-byte blocks) and, when a tap is given, a net device
/// "service0". Each case is one hypercall number, one 32-bit argument address and the argument
/// struct's bytes as the guest placed them (only into memory the guest can write). A reference
/// model written from docs/abi.md predicts the outcome (guest fault, or the 'ret' value) and the
/// run must agree; the read-only memory must be unchanged, and nothing outside the bytes the
/// hypercall may write may change. Shared by tests/Ukvm.Fuzz (random cases) and the fixture tests.
/// </summary>
public sealed class HypercallFuzzer : IDisposable
{
    public const ulong MemSize = 2 << 20;
    public const ulong LowEnd = 0x100000, TextStart = 0x100000, TextEnd = 0x104000;
    public const int StorageHandle = 1, RoHandle = 2, NetHandle = 3;
    public const ulong StorageCapacity = 64 << 10, RoCapacity = 64 << 10;
    public const int StorageBlock = 512, RoBlock = 4096;
    public const int ArgMax = 40;

    /// <summary>One fuzz case; <see cref="Encode"/>/<see cref="Decode"/> give its fixture bytes.</summary>
    public readonly record struct Case(int Nr, uint Gpa, byte[] Arg)
    {
        public byte[] Encode()
        {
            var b = new byte[8 + Arg.Length];
            BinaryPrimitives.WriteInt32LittleEndian(b, Nr);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), Gpa);
            Arg.CopyTo(b, 8);
            return b;
        }

        public static Case Decode(byte[] b) =>
            new(BinaryPrimitives.ReadInt32LittleEndian(b), BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(4)), b[8..]);

        public override string ToString() => $"nr {Nr} gpa 0x{Gpa:x} arg {Convert.ToHexString(Arg)}";
    }

    public sealed class MismatchException : Exception
    {
        public MismatchException(string message) : base(message) { }
    }

    /// <summary>How the cases ended: "fault", "halt", "ret N" (block/net), "ok" (the others).</summary>
    public Dictionary<string, long> Outcomes { get; } = new();

    private void Count(string what) => Outcomes[what] = Outcomes.GetValueOrDefault(what) + 1;

    private readonly GuestMemory _memory = GuestMemory.Allocate(MemSize);
    private readonly HypercallTable _table = new();
    private readonly string _storagePath, _roPath;
    private readonly FileStream _null;
    private readonly bool _net;
    private readonly byte[] _snapshot = new byte[MemSize];

    public HypercallFuzzer(string? tap = null)
    {
        _net = tap is not null;
        _storagePath = TempDisk(StorageCapacity, 0x5a);
        _roPath = TempDisk(RoCapacity, 0xa5);
        _null = new FileStream("/dev/null", FileMode.Open, FileAccess.Write);
        var devices = new List<(string, DeviceType)> { ("storage", DeviceType.BlockBasic), ("ro", DeviceType.BlockBasic) };
        if (_net) devices.Add(("service0", DeviceType.NetBasic));
        var context = new MonitorContext
        {
            Memory = _memory, Manifest = AppManifest.Parse(ManifestNote(devices)), Hypercalls = _table,
            Syscalls = new Security.SyscallPolicy(),
        };
        var core = new CoreModule((int)_null.SafeFileHandle.DangerousGetHandle());
        var block = new BlockModule();
        Require(block.TryHandleOption($"--block:storage={_storagePath}"));
        Require(block.TryHandleOption($"--block-ro:ro={_roPath}"));
        Require(block.TryHandleOption($"--block-sector-size:ro={RoBlock}"));
        var modules = new List<IModule> { core, block };
        if (_net)
        {
            var net = new NetModule();
            Require(net.TryHandleOption($"--net:service0={tap}"));
            modules.Add(net);
        }
        foreach (var m in modules) m.Setup(context);
        _memory.MarkReadOnly(TextStart, TextEnd - TextStart, forGuest: true);
        _memory.MarkReadOnly(0, LowEnd, forGuest: false);
        // Recognisable contents: the low area and text as the monitor and image would leave them.
        var all = _memory.Bytes(0, MemSize);
        for (int i = 0; i < all.Length; i++) all[i] = (byte)(i * 7 + 3);
    }

    private static void Require(bool taken)
    {
        if (!taken) throw new InvalidOperationException("option not taken");
    }

    private static string TempDisk(ulong size, byte fill)
    {
        string path = Path.Combine(Path.GetTempPath(), $"ukvm-fuzz-{Guid.NewGuid():N}.img");
        var bytes = new byte[size];
        Array.Fill(bytes, fill);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] ManifestNote(List<(string Name, DeviceType Type)> devices)
    {
        int n = devices.Count + 1;
        var b = new byte[AppManifest.HeaderSize + n * AppManifest.EntrySize];
        BinaryPrimitives.WriteUInt32LittleEndian(b, AppManifest.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), (uint)n);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(AppManifest.HeaderSize + 68), (uint)DeviceType.ReservedFirst);
        for (int i = 0; i < devices.Count; i++)
        {
            var e = b.AsSpan(AppManifest.HeaderSize + (i + 1) * AppManifest.EntrySize, AppManifest.EntrySize);
            Encoding.ASCII.GetBytes(devices[i].Name, e);
            BinaryPrimitives.WriteUInt32LittleEndian(e[68..], (uint)devices[i].Type);
        }
        return b;
    }

    // ---- The reference model (docs/abi.md), overflow-safe in 128 bits. ----

    private static bool Inside(ulong gpa, ulong len) => (UInt128)gpa + len <= MemSize;

    private static bool Writable(ulong gpa, ulong len) =>
        Inside(gpa, len) && (len == 0 || ((UInt128)gpa >= TextEnd));

    private static ulong ArgSize(int nr) => nr switch
    {
        HvtAbi.Walltime => 8, HvtAbi.Puts => 16, HvtAbi.Poll => 24, HvtAbi.BlockWrite or HvtAbi.BlockRead => 40,
        HvtAbi.NetWrite or HvtAbi.NetRead => 32, HvtAbi.Halt => 16, _ => 0,
    };

    private ulong U64(ulong gpa) => BinaryPrimitives.ReadUInt64LittleEndian(_memory.Bytes(gpa, 8));

    /// <summary>Places the case's argument bytes where the guest could write them.</summary>
    private void Place(Case c)
    {
        for (int i = 0; i < c.Arg.Length; i++)
        {
            ulong a = (ulong)c.Gpa + (ulong)i;
            if (Writable(a, 1)) _memory.Bytes(a, 1)[0] = c.Arg[i];
        }
        // POLL waits for its timeout: keep it at most 1 ms.
        if (c.Nr == HvtAbi.Poll && Writable(c.Gpa, 8))
            BinaryPrimitives.WriteUInt64LittleEndian(_memory.Bytes(c.Gpa, 8), U64(c.Gpa) % 1_000_000);
    }

    /// <summary>Runs one case and checks it against the model; throws on any disagreement.</summary>
    public void Run(Case c)
    {
        Place(c);
        _memory.Bytes(0, MemSize).CopyTo(_snapshot);
        ulong gpa = c.Gpa;
        bool registered = c.Nr is >= 1 and <= 8 && (_net || c.Nr is not (HvtAbi.NetWrite or HvtAbi.NetRead));
        ulong size = ArgSize(c.Nr);
        var allowed = new List<(ulong Start, ulong Len)>();

        // What the model expects: null = a guest fault; otherwise the hypercall returns.
        string? expectFault = null;
        int? expectRet = null;
        bool expectHalt = false;
        if (!registered) expectFault = "invalid guest hypercall";
        else if (c.Nr is HvtAbi.Puts or HvtAbi.Halt ? !Inside(gpa, size) : !Writable(gpa, size))
            expectFault = "argument";
        else
        {
            switch (c.Nr)
            {
                case HvtAbi.Walltime:
                    allowed.Add((gpa, 8));
                    break;
                case HvtAbi.Puts:
                {
                    ulong data = U64(gpa), len = U64(gpa + 8);
                    if (!Inside(data, len)) expectFault = "PUTS buffer";
                    break;
                }
                case HvtAbi.Poll:
                    allowed.Add((gpa + 8, 12));
                    break;
                case HvtAbi.Halt:
                {
                    ulong cookie = U64(gpa);
                    if (cookie != 0 && !Inside(cookie, HvtAbi.HaltCookieMax)) expectFault = "HALT cookie";
                    else expectHalt = true;
                    break;
                }
                case HvtAbi.BlockWrite or HvtAbi.BlockRead:
                {
                    bool write = c.Nr == HvtAbi.BlockWrite;
                    ulong handle = U64(gpa), offset = U64(gpa + 8), data = U64(gpa + 16), len = U64(gpa + 24);
                    (ulong cap, ulong bs, bool ro)? dev = handle switch
                    {
                        StorageHandle => (StorageCapacity, (ulong)StorageBlock, false),
                        RoHandle => (RoCapacity, (ulong)RoBlock, true),
                        _ => null,
                    };
                    bool valid = dev is { } d && len != 0 && offset % d.bs == 0 && len % d.bs == 0
                                 && (UInt128)offset + len <= d.cap
                                 && (write ? Inside(data, len) : Writable(data, len));
                    expectRet = !valid ? HvtAbi.ResultInvalid : write && dev!.Value.ro ? HvtAbi.ResultUnspecified : HvtAbi.ResultOk;
                    allowed.Add((gpa + 32, 4));
                    if (valid && !write) allowed.Add((data, len));
                    break;
                }
                case HvtAbi.NetWrite:
                {
                    ulong handle = U64(gpa), data = U64(gpa + 8), len = U64(gpa + 16);
                    bool valid = handle == NetHandle && len >= 14 && len <= 1514 && Inside(data, len);
                    expectRet = valid ? HvtAbi.ResultOk : HvtAbi.ResultInvalid;
                    allowed.Add((gpa + 24, 4));
                    break;
                }
                case HvtAbi.NetRead:
                {
                    ulong handle = U64(gpa), data = U64(gpa + 8), len = U64(gpa + 16);
                    bool valid = handle == NetHandle && len >= 1514 && Writable(data, len);
                    expectRet = valid ? -1 /* OK or AGAIN */ : HvtAbi.ResultInvalid;
                    allowed.Add((gpa + 16, 8));
                    allowed.Add((gpa + 24, 4));
                    if (valid) allowed.Add((data, Math.Min(len, 1514)));
                    break;
                }
            }
        }

        HypercallOutcome outcome;
        try
        {
            outcome = _table.Dispatch(c.Nr, gpa);
        }
        catch (GuestFaultException e)
        {
            if (expectFault is null)
                throw new MismatchException($"{c}: guest fault '{e.Message}', the model expected the call to return");
            if (!e.Message.Contains(expectFault, StringComparison.Ordinal))
                throw new MismatchException($"{c}: guest fault '{e.Message}', the model expected one about '{expectFault}'");
            CheckUnchanged(c, allowed: new());
            Count("fault");
            return;
        }
        if (expectFault is not null)
            throw new MismatchException($"{c}: the call returned, the model expected a guest fault about '{expectFault}'");
        if (outcome.Halted != expectHalt)
            throw new MismatchException($"{c}: halted={outcome.Halted}, the model expected {expectHalt}");
        if (expectHalt && outcome.ExitStatus != BinaryPrimitives.ReadInt32LittleEndian(_memory.Bytes(gpa + 8, 4)))
            throw new MismatchException($"{c}: exit status {outcome.ExitStatus} is not the guest's");
        if (expectRet is int want)
        {
            ulong retAt = c.Nr is HvtAbi.NetWrite or HvtAbi.NetRead ? gpa + 24 : gpa + 32;
            int ret = BinaryPrimitives.ReadInt32LittleEndian(_memory.Bytes(retAt, 4));
            bool ok = want == -1 ? ret is HvtAbi.ResultOk or HvtAbi.ResultAgain : ret == want;
            Count($"{HvtAbi.HypercallName(c.Nr)} ret {ret}");
            if (!ok)
                throw new MismatchException($"{c}: ret {ret}, the model expected {(want == -1 ? "OK or AGAIN" : want)}");
            if (c.Nr == HvtAbi.NetRead)
            {
                ulong got = U64(gpa + 16);
                if (ret != HvtAbi.ResultOk ? got != 0 : got is 0 or > 1514)
                    throw new MismatchException($"{c}: NET_READ ret {ret} with length {got}");
            }
        }
        CheckUnchanged(c, allowed);
        if (expectRet is null) Count(expectHalt ? "halt" : "ok");
    }

    /// <summary>No byte changed outside <paramref name="allowed"/>; never one in read-only memory.</summary>
    private void CheckUnchanged(Case c, List<(ulong Start, ulong Len)> allowed)
    {
        var now = _memory.Bytes(0, MemSize);
        int from = 0;
        while (true)
        {
            int d = now[from..].SequenceEqual(_snapshot.AsSpan(from)) ? -1 : FirstDifference(now, _snapshot, from);
            if (d < 0) return;
            ulong a = (ulong)d;
            bool ok = a >= TextEnd && allowed.Exists(r => a >= r.Start && a - r.Start < r.Len);
            if (!ok)
                throw new MismatchException($"{c}: the monitor changed guest byte 0x{a:x} ({_snapshot[d]:x2} -> {now[d]:x2})");
            from = d + 1;
        }
    }

    private static int FirstDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int from)
    {
        int i = a[from..].CommonPrefixLength(b[from..]);
        return from + i;
    }

    // ---- Random cases. ----

    private static readonly ulong[] Addresses =
    {
        0, 1, 8, 0x1000, 0x6000, 0x6038, 0x8000, 0xfff8, 0xffff0, 0xfffff, LowEnd - 8, LowEnd - 40, LowEnd,
        TextEnd - 40, TextEnd - 8, TextEnd - 1, TextEnd, TextEnd + 1, TextEnd + 3, MemSize - 1, MemSize - 8,
        MemSize - 16, MemSize - 24, MemSize - 32, MemSize - 40, MemSize - 512, MemSize - 1514, MemSize - 4096,
        MemSize, MemSize + 8, 0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffff8, 0xffffffff, 0x100000000,
        1UL << 63, ulong.MaxValue, ulong.MaxValue - 7, ulong.MaxValue - 511, ulong.MaxValue - 4095,
    };

    private static readonly ulong[] Lengths =
    {
        0, 1, 7, 8, 13, 14, 15, 60, 511, 512, 513, 1023, 1024, 1513, 1514, 1515, 4095, 4096, 4097, 8192,
        StorageCapacity - 512, StorageCapacity, StorageCapacity + 512, MemSize, MemSize + 1, int.MaxValue,
        (ulong)int.MaxValue + 1, uint.MaxValue, 1UL << 32, 1UL << 63, ulong.MaxValue, ulong.MaxValue - 511,
        ulong.MaxValue - 4095,
    };

    private static readonly ulong[] Handles = { 0, 1, 2, 3, 4, 63, 64, 65, 0x100000001, 1UL << 63, ulong.MaxValue };

    private static ulong Pick(Random r, ulong[] interesting, ulong randomBelow)
    {
        switch (r.Next(4))
        {
            case 0: return (ulong)r.NextInt64() ^ ((ulong)r.Next() << 63);
            case 1: return (ulong)r.NextInt64(0, (long)randomBelow);
            default:
                ulong v = interesting[r.Next(interesting.Length)];
                return r.Next(4) == 0 ? v + (ulong)r.Next(-3, 4) : v;
        }
    }

    /// <summary>A random case: a number (mostly 1-8), an address, and each field drawn from its kind's interesting values.</summary>
    public static Case RandomCase(Random r)
    {
        int nr = r.Next(20) == 0 ? r.Next(0, 16) : r.Next(1, 9);
        uint gpa = (uint)(r.Next(3) == 0 ? Pick(r, Addresses, MemSize) : (ulong)r.NextInt64((long)TextEnd, (long)MemSize - 48));
        if (r.Next(3) != 0) gpa &= ~7u; // mostly aligned, as a C compiler lays structs out
        var arg = new byte[ArgMax];
        r.NextBytes(arg);
        void Put(int off, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(arg.AsSpan(off), v);
        ulong Len() => Pick(r, Lengths, 4096);
        ulong Addr() => r.Next(2) == 0 ? Pick(r, Addresses, MemSize) : (ulong)r.NextInt64(0, (long)MemSize);
        switch (nr)
        {
            case HvtAbi.Puts: Put(0, Addr()); Put(8, r.Next(2) == 0 ? (ulong)r.Next(0, 64) : Len()); break;
            case HvtAbi.Halt: Put(0, r.Next(3) == 0 ? 0 : Addr()); break;
            case HvtAbi.BlockWrite or HvtAbi.BlockRead:
            {
                // Half the time a valid request with at most one field spoiled.
                bool near = r.Next(2) == 0;
                int spoil = near ? r.Next(6) : -1;
                ulong bs = r.Next(2) == 0 ? 512UL : 4096UL;
                ulong len = (ulong)r.Next(1, 9) * bs;
                Put(0, spoil == 0 || !near ? Pick(r, Handles, 5) : (ulong)(bs == 512 ? StorageHandle : RoHandle));
                Put(8, spoil == 1 || !near ? Pick(r, Lengths, StorageCapacity) : (ulong)r.Next(0, (int)(StorageCapacity / bs)) * bs);
                Put(16, spoil == 2 || !near ? Addr() : (ulong)r.NextInt64((long)TextEnd, (long)(MemSize - len)));
                Put(24, spoil == 3 || !near ? Len() : len);
                break;
            }
            case HvtAbi.NetWrite or HvtAbi.NetRead:
            {
                bool near = r.Next(2) == 0;
                int spoil = near ? r.Next(5) : -1;
                ulong len = nr == HvtAbi.NetWrite ? (ulong)r.Next(14, 1515) : (ulong)r.Next(1514, 4000);
                Put(0, spoil == 0 || !near ? Pick(r, Handles, 5) : NetHandle);
                Put(8, spoil == 1 || !near ? Addr() : (ulong)r.NextInt64((long)TextEnd, (long)(MemSize - len)));
                Put(16, spoil == 2 || !near ? (r.Next(2) == 0 ? (ulong)r.Next(0, 2000) : Len()) : len);
                break;
            }
        }
        return new Case(nr, gpa, arg);
    }

    public void Dispose()
    {
        _memory.Dispose();
        _null.Dispose();
        try { File.Delete(_storagePath); File.Delete(_roPath); } catch (IOException) { }
    }
}
