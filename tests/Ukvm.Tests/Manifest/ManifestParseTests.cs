using System.Text;
using Ukvm.Core;
using Ukvm.Manifest;
using Ukvm.Tests.Support;
using static Ukvm.Tests.Support.ManifestBytes;

namespace Ukvm.Tests.Manifest;

/// <summary>AppManifest.Parse: Solo5 MFT1 version 1 from hostile bytes.</summary>
public class ManifestParseTests
{
    private static readonly (byte[], uint) Reserved = (Array.Empty<byte>(), ReservedFirst);

    private static void Rejects(byte[] note, string why)
    {
        var e = Assert.Throws<MonitorException>(() => AppManifest.Parse(note));
        Assert.StartsWith("invalid unikernel image: Solo5 manifest ", e.Message);
        Assert.Contains(why, e.Message);
    }

    private static (byte[], uint) Dev(string name, uint type = Block) => (Encoding.ASCII.GetBytes(name), type);

    [Fact]
    public void ReservedEntryOnly()
    {
        var m = AppManifest.Parse(Build());
        var e = Assert.Single(m.Entries);
        Assert.Equal("", e.Name);
        Assert.Equal(DeviceType.ReservedFirst, e.Type);
        Assert.Empty(m.Devices);
        Assert.Equal(8 + 104, m.Size);
    }

    [Fact]
    public void DevicesWithIndexAndType()
    {
        var m = AppManifest.Parse(Build(("storage", Block), ("service", Net)));
        Assert.Equal(new[] { "storage", "service" }, m.Devices.Select(d => d.Name));
        Assert.Equal(DeviceType.NetBasic, m.Find("service")!.Type);
        Assert.Equal(2, m.Find("service")!.Index);
        Assert.Null(m.Find("nothing"));
        Assert.Null(m.Find("")); // the reserved entry is not a device
        Assert.All(m.Devices, d => Assert.False(d.Attached));
    }

    [Fact]
    public void SixtyFourEntries()
    {
        var devices = Enumerable.Range(1, 63).Select(i => ($"d{i}", Block)).ToArray();
        Assert.Equal(63, AppManifest.Parse(Build(devices)).Devices.Count());
    }

    [Fact]
    public void NameOf67Characters()
    {
        string name = new('a', 67);
        Assert.Equal(name, AppManifest.Parse(Build((name, Block))).Devices.Single().Name);
    }

    [Fact]
    public void ShorterThanHeader() => Rejects(new byte[7], "shorter than its header");

    [Theory]
    [InlineData(0u)]
    [InlineData(2u)]
    [InlineData(0x01000000u)] // a big-endian 1
    public void WrongVersion(uint version) => Rejects(Raw(version, 1, Reserved), $"version {version}, this monitor implements 1");

    [Fact]
    public void ZeroEntries() => Rejects(Raw(1, 0), "0 entries (1 to 64 allowed)");

    [Fact]
    public void SixtyFiveEntries()
    {
        var entries = new[] { Reserved }.Concat(Enumerable.Range(1, 64).Select(i => Dev($"d{i}"))).ToArray();
        Rejects(Raw(1, 65, entries), "65 entries (1 to 64 allowed)");
    }

    [Fact]
    public void HugeEntryCount() => Rejects(Raw(1, uint.MaxValue, Reserved), $"{uint.MaxValue} entries");

    [Fact]
    public void MoreBytesThanEntries() => Rejects(Raw(1, 1, Reserved, Dev("extra")), "216 bytes do not hold 1 entries");

    [Fact]
    public void FewerBytesThanEntries() => Rejects(Raw(1, 3, Reserved, Dev("a")), "216 bytes do not hold 3 entries");

    [Fact]
    public void OneByteShort() => Rejects(Build(("a", Block))[..^1], "do not hold 2 entries");

    [Fact]
    public void FirstEntryNotReserved() => Rejects(Raw(1, 1, Dev("disk")), "the first entry is not the reserved entry");

    [Fact]
    public void ReservedEntryWithAName() =>
        Rejects(Raw(1, 1, (Encoding.ASCII.GetBytes("x"), ReservedFirst)), "the first entry is not the reserved entry");

    [Fact]
    public void ReservedTypeLaterIsUnknown() =>
        Rejects(Raw(1, 2, Reserved, Dev("again", ReservedFirst)), $"entry 1: unknown device type {ReservedFirst}");

    [Theory]
    [InlineData(0u)]
    [InlineData(3u)]
    [InlineData(uint.MaxValue)]
    public void UnknownType(uint type) => Rejects(Raw(1, 2, Reserved, Dev("x", type)), $"entry 1: unknown device type {type}");

    [Fact]
    public void EmptyName() => Rejects(Raw(1, 2, Reserved, Dev("")), "entry 1: device name must be 1 to 67 letters and digits");

    [Fact]
    public void NameOf68CharactersIsUnterminated() =>
        Rejects(Raw(1, 2, Reserved, Dev(new string('a', 68))), "entry 1: name is not terminated");

    [Fact]
    public void UnterminatedReservedEntry() =>
        Rejects(Raw(1, 1, (Enumerable.Repeat((byte)'r', 68).ToArray(), ReservedFirst)), "entry 0: name is not terminated");

    [Theory]
    [InlineData("my-disk")]
    [InlineData("my disk")]
    [InlineData("disk_0")]
    [InlineData("dïsk")]
    [InlineData("a.b")]
    [InlineData("../x")]
    public void NonAlphanumericName(string name)
    {
        var raw = Raw(1, 2, Reserved, (Encoding.UTF8.GetBytes(name), Block));
        Rejects(raw, "entry 1: device name must be 1 to 67 letters and digits");
    }

    [Fact]
    public void ControlCharacterInName() =>
        Rejects(Raw(1, 2, Reserved, (new byte[] { (byte)'a', 0x1b, (byte)'b' }, Block)), "device name must be");

    [Fact]
    public void DuplicateName() => Rejects(Build(("disk", Block), ("disk", Net)), "device name 'disk' appears twice");

    [Fact]
    public void NamesAreCaseSensitive() =>
        Assert.Equal(2, AppManifest.Parse(Build(("disk", Block), ("DISK", Block))).Devices.Count());

    [Fact]
    public void BytesAfterTheNulAreIgnored()
    {
        var name = new byte[68];
        "disk\0garbage!"u8.CopyTo(name);
        Assert.Equal("disk", AppManifest.Parse(Raw(1, 2, Reserved, (name, Block))).Devices.Single().Name);
    }
}
