using System.Text.Json;
using Ukvm.Cli;
using Ukvm.Core;
using Ukvm.Tests.Support;

namespace Ukvm.Tests.Oci;

/// <summary>ukvm inspect: the monitor's parsers on either machine's image, as text and JSON.</summary>
public class InspectTests
{
    private static byte[] Image(ushort machine = 62) =>
        new ElfBuilder { Machine = machine, Entry = ElfBuilder.Base }
            .Load(ElfBuilder.Base, new byte[0x1800], ElfBuilder.PF_R | ElfBuilder.PF_X)
            .Load(0x200000, new byte[16], ElfBuilder.PF_R | ElfBuilder.PF_W, memSize: 0x3000)
            .Note(ElfNotes.Abi1())
            .Note(ElfNotes.Mft1(ManifestBytes.Build(("storage", ManifestBytes.Block), ("service0", ManifestBytes.Net))))
            .Build();

    [Fact]
    public void Analyzes()
    {
        var r = Inspect.Analyze("k.hvt", Image());
        Assert.Equal("x86_64", r.Machine);
        Assert.Equal(ElfBuilder.Base, r.Entry);
        Assert.Equal(2, r.Segments.Count);
        Assert.Equal(0x203000UL, r.KernelEnd);
        Assert.Equal(4UL, r.MinMemoryMb);  // 0x203000 + a stack page, in 2 MiB units
        Assert.Equal(new[] { ("storage", "BLOCK_BASIC"), ("service0", "NET_BASIC") }, r.Devices);
        Assert.Equal("R-X", Inspect.Flags(r.Segments[0]));
        Assert.Equal("RW-", Inspect.Flags(r.Segments[1]));
    }

    [Fact]
    public void Aarch64ImagesToo() => Assert.Equal("aarch64", Inspect.Analyze("k", Image(183)).Machine);

    [Fact]
    public void OtherMachinesGetTheMonitorsReason()
    {
        var e = Assert.Throws<MonitorException>(() => Inspect.Analyze("k", Image(40)));
        Assert.Contains("built for machine #40", e.Message);
    }

    [Fact]
    public void Text()
    {
        string t = Inspect.ToText(Inspect.Analyze("k.hvt", Image()));
        Assert.Contains("machine:    x86_64\n", t);
        Assert.Contains("abi:        Solo5 hvt (target 1), version 2\n", t);
        Assert.Contains("entry:      0x100000\n", t);
        Assert.Contains("  0x0000000000200000  0x00000010  0x00003000  RW-\n", t);
        Assert.Contains("manifest:   version 1, 2 devices\n", t);
        Assert.Contains("  service0             NET_BASIC\n", t);
    }

    [Fact]
    public void Json()
    {
        using var doc = JsonDocument.Parse(Inspect.ToJson(Inspect.Analyze("k.hvt", Image())));
        var r = doc.RootElement;
        Assert.Equal("hvt", r.GetProperty("abi").GetProperty("target").GetString());
        Assert.Equal(2, r.GetProperty("abi").GetProperty("version").GetInt32());
        Assert.Equal(0x100000UL, r.GetProperty("entry").GetUInt64());
        Assert.Equal(0x3000UL, r.GetProperty("segments")[1].GetProperty("memSize").GetUInt64());
        Assert.Equal("storage", r.GetProperty("manifest").GetProperty("devices")[0].GetProperty("name").GetString());
        Assert.Equal("NET_BASIC", r.GetProperty("manifest").GetProperty("devices")[1].GetProperty("type").GetString());
    }
}
