using System.Buffers.Binary;
using System.Text;
using Ukvm.Arch.X86_64;
using Ukvm.Core;
using Ukvm.Manifest;
using Ukvm.Tests.Support;
using Ukvm.Vmm;

namespace Ukvm.Tests.Vmm;

/// <summary>BootInfo.Write: struct hvt_boot_info at 0x6000, the manifest at 0x6038, the command line at 0x8000.</summary>
public sealed class BootInfoTests : IDisposable
{
    private const ulong Size = 4 << 20;
    private readonly GuestMemory _m = GuestMemory.Allocate(Size);

    public void Dispose() => _m.Dispose();

    private ulong U64(ulong gpa) => BinaryPrimitives.ReadUInt64LittleEndian(_m.Bytes(gpa, 8));
    private uint U32(ulong gpa) => BinaryPrimitives.ReadUInt32LittleEndian(_m.Bytes(gpa, 4));

    private AppManifest Write(byte[] manifestNote, string cmdline)
    {
        _m.Bytes(0x6000, 0x5000).Fill(0xcc); // stale bytes everywhere the boot data goes
        var manifest = AppManifest.Parse(manifestNote);
        BootInfo.Write(_m, new X86Backend(), 0x103000, 2_500_000_000, manifest, Encoding.UTF8.GetBytes(cmdline));
        return manifest;
    }

    [Fact]
    public void BootInfoFields()
    {
        Write(ManifestBytes.Build(), "hello");
        Assert.Equal(Size, U64(0x6000));            // mem_size
        Assert.Equal(0x103000UL, U64(0x6008));      // kernel_end
        Assert.Equal(2_500_000_000UL, U64(0x6010)); // cpu_cycle_freq
        Assert.Equal(0x8000UL, U64(0x6018));        // cmdline
        Assert.Equal(0x6038UL, U64(0x6020));        // mft
        Assert.Equal(1u << 31, U32(0x6028));        // host_features: UKVM_FEATURE_USERMODE
        Assert.Equal(0u, U32(0x602c));              // guest_features
        Assert.Equal(0UL, U64(0x6030));             // net_ring
    }

    [Fact]
    public void ManifestCopyFollowsTheBootInfo()
    {
        var note = ManifestBytes.Build(("storage", ManifestBytes.Block));
        Write(note, "");
        Assert.Equal(note, _m.Bytes(0x6038, (ulong)note.Length).ToArray());
        Assert.NotEqual(1u, U32(0x6028)); // a plain solo5-hvt would have the manifest's version here
    }

    [Fact]
    public void CommandLineIsNulTerminatedAndTheRestCleared()
    {
        Write(ManifestBytes.Build(), "Hello_Solo5 x");
        Assert.Equal("Hello_Solo5 x\0"u8.ToArray(), _m.Bytes(0x8000, 14).ToArray());
        Assert.All(_m.Bytes(0x800d, 8192 - 13).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(0xcc, _m.Bytes(0xa000, 1)[0]); // nothing written past the 8 KiB
    }

    [Fact]
    public void LargestManifestEndsBeforeTheCommandLine()
    {
        var devices = Enumerable.Range(1, 63).Select(i => ($"dev{i}", ManifestBytes.Net)).ToArray();
        var m = Write(ManifestBytes.Build(devices), new string('x', 8191));
        Assert.True(0x6038 + (ulong)m.Size <= 0x8000, $"manifest ends at 0x{0x6038 + m.Size:x}");
        Assert.Equal(64U, U32(0x603c));
        Assert.Equal((byte)'x', _m.Bytes(0x8000, 1)[0]);
        Assert.Equal(0, _m.Bytes(0x8000 + 8191, 1)[0]);
    }
}
