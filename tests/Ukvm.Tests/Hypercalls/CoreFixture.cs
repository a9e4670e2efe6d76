using System.Buffers.Binary;
using Ukvm.Core;
using Ukvm.Hypercalls;
using Ukvm.Manifest;
using Ukvm.Modules;
using Ukvm.Tests.Support;

namespace Ukvm.Tests.Hypercalls;

/// <summary>The core module set up over 4 MiB of real guest memory, its console a pipe the test reads.</summary>
internal sealed class CoreFixture : IDisposable
{
    public const ulong Size = 4 << 20;
    public const int Walltime = 1, Puts = 2, Poll = 3, Halt = 8;

    public GuestMemory Memory { get; } = GuestMemory.Allocate(Size);
    public NativePipe Console { get; } = new();
    public HypercallTable Table { get; } = new();
    public MonitorContext Context { get; }

    public CoreFixture()
    {
        Context = new MonitorContext { Memory = Memory, Manifest = AppManifest.Parse(ManifestBytes.Build()), Hypercalls = Table };
        new CoreModule(Console.WriteFd).Setup(Context);
    }

    public HypercallOutcome Call(int nr, ulong gpa) => Table.Dispatch(nr, gpa);

    public void Put(ulong gpa, byte[] bytes) => bytes.CopyTo(Memory.Bytes(gpa, (ulong)bytes.Length));

    public void PutU64(ulong gpa, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(Memory.Bytes(gpa, 8), v);

    public void PutI32(ulong gpa, int v) => BinaryPrimitives.WriteInt32LittleEndian(Memory.Bytes(gpa, 4), v);

    public ulong U64(ulong gpa) => BinaryPrimitives.ReadUInt64LittleEndian(Memory.Bytes(gpa, 8));

    public int I32(ulong gpa) => BinaryPrimitives.ReadInt32LittleEndian(Memory.Bytes(gpa, 4));

    /// <summary>A hypercall the guest got wrong: a guest fault whose message names <paramref name="what"/>.</summary>
    public GuestFaultException Faults(int nr, ulong gpa, string what)
    {
        var e = Assert.Throws<GuestFaultException>(() => Call(nr, gpa));
        Assert.StartsWith(what, e.Message);
        return e;
    }

    public void Dispose()
    {
        Memory.Dispose();
        Console.Dispose();
    }
}
