using System.Buffers.Binary;
using Ukvm.Manifest;
using Ukvm.Tests.Support;
using static Ukvm.Tests.Support.ManifestBytes;

namespace Ukvm.Tests.Manifest;

/// <summary>AppManifest.WriteGuestCopy: struct mft as the guest reads it at 0x6038 (mft_abi.h offsets).</summary>
public class ManifestGuestCopyTests
{
    private const int TypeAt = 68, UnionAt = 72, BackingAt = 88, AttachedAt = 96;

    private static byte[] Copy(AppManifest m, byte fill = 0xee)
    {
        var dest = new byte[m.Size + 16];
        Array.Fill(dest, fill);
        m.WriteGuestCopy(dest);
        Assert.All(dest[m.Size..], b => Assert.Equal(fill, b)); // nothing written past the manifest
        return dest;
    }

    private static Span<byte> Entry(byte[] copy, int i) => copy.AsSpan(8 + i * 104, 104);

    [Fact]
    public void UnattachedCopyEqualsTheNote()
    {
        byte[] note = Build(("storage", Block), ("service", Net));
        var copy = Copy(AppManifest.Parse(note));
        Assert.Equal(note, copy[..note.Length]);
    }

    [Fact]
    public void BlockDevicePropertiesAndAttachedFlag()
    {
        var m = AppManifest.Parse(Build(("storage", Block)));
        var d = m.Find("storage")!;
        d.Attached = true;
        d.Capacity = 0x1_0000_0200;
        d.BlockSize = 4096;
        var e = Entry(Copy(m), 1);
        Assert.Equal("storage\0"u8.ToArray(), e[..8].ToArray());
        Assert.Equal(1U, BinaryPrimitives.ReadUInt32LittleEndian(e[TypeAt..]));
        Assert.Equal(0x1_0000_0200UL, BinaryPrimitives.ReadUInt64LittleEndian(e[UnionAt..]));
        Assert.Equal(4096, BinaryPrimitives.ReadUInt16LittleEndian(e[(UnionAt + 8)..]));
        Assert.Equal(1, e[AttachedAt]);
    }

    [Fact]
    public void NetDeviceMacAtUnionAndMtuAt78()
    {
        var m = AppManifest.Parse(Build(("disk", Block), ("service", Net)));
        var d = m.Find("service")!;
        d.Attached = true;
        d.Mac = new byte[] { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
        d.Mtu = 1500;
        var copy = Copy(m);
        var e = Entry(copy, 2);
        Assert.Equal(2U, BinaryPrimitives.ReadUInt32LittleEndian(e[TypeAt..]));
        Assert.Equal(d.Mac, e.Slice(UnionAt, 6).ToArray());
        Assert.Equal(1500, BinaryPrimitives.ReadUInt16LittleEndian(e[(UnionAt + 6)..])); // offset 78
        Assert.Equal(1, e[AttachedAt]);
        Assert.Equal(0, Entry(copy, 1)[AttachedAt]); // the block device stayed unattached
    }

    [Fact]
    public void HeaderAndReservedEntry()
    {
        var copy = Copy(AppManifest.Parse(Build(("a", Block))));
        Assert.Equal(1U, BinaryPrimitives.ReadUInt32LittleEndian(copy));
        Assert.Equal(2U, BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(4)));
        Assert.Equal(1U << 30, BinaryPrimitives.ReadUInt32LittleEndian(Entry(copy, 0)[TypeAt..]));
        Assert.Equal(0, Entry(copy, 0)[0]);
    }

    [Fact]
    public void BackingFieldAndGarbageFromTheImageAreZeroed()
    {
        // The image's entry carries junk after the name's NUL, in the union, backing field and flag.
        byte[] note = Build(("disk", Block));
        var e = note.AsSpan(8 + 104, 104);
        e[10] = 0x77;
        e[UnionAt..AttachedAt].Fill(0x99);
        e[AttachedAt] = 1;
        e[100] = 0x55; // tail padding
        var copy = Entry(Copy(AppManifest.Parse(note), fill: 0xab), 1);
        Assert.Equal(0, copy[10]);
        Assert.All(copy[UnionAt..AttachedAt].ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(0, copy[AttachedAt]); // unattached: the monitor's flag, not the image's
        Assert.Equal(0, copy[100]);
        Assert.All(copy[BackingAt..AttachedAt].ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void RoundTripThroughParse()
    {
        var m = AppManifest.Parse(Build(("a1", Net), ("b2", Block)));
        var again = AppManifest.Parse(Copy(m)[..m.Size]);
        Assert.Equal(m.Entries.Select(x => (x.Name, x.Type, x.Index)), again.Entries.Select(x => (x.Name, x.Type, x.Index)));
    }
}
