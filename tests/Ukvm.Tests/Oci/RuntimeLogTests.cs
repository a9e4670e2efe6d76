using System.Text.Json;
using Ukvm.Oci;

namespace Ukvm.Tests.Oci;

/// <summary>--log lines as the containerd shim reads them back.</summary>
public class RuntimeLogTests
{
    private static readonly DateTime When = new(2025, 6, 7, 8, 9, 10, DateTimeKind.Utc);

    [Fact]
    public void JsonLine()
    {
        string line = RuntimeLog.Line("error", "block device 'storage': \"x\" <y> + ü", When, json: true);
        Assert.EndsWith("\n", line);
        Assert.DoesNotContain("\n", line.TrimEnd('\n'));
        using var doc = JsonDocument.Parse(line);
        Assert.Equal("error", doc.RootElement.GetProperty("level").GetString());
        Assert.Equal("block device 'storage': \"x\" <y> + ü", doc.RootElement.GetProperty("msg").GetString());
        Assert.Equal("2025-06-07T08:09:10.000000000Z", doc.RootElement.GetProperty("time").GetString());
    }

    [Fact]
    public void TextLine() =>
        Assert.Equal("time=\"2025-06-07T08:09:10.000000000Z\" level=error msg=\"say \\\"hi\\\"\"\n",
            RuntimeLog.Line("error", "say \"hi\"", When, json: false));

    [Fact]
    public void AppendsToTheFile()
    {
        using var d = new TempDir();
        var log = new RuntimeLog { File = d.Combine("log.json"), Json = true };
        log.Error("one");
        log.Error("two");
        var lines = File.ReadAllLines(d.Combine("log.json"));
        Assert.Equal(2, lines.Length);
        Assert.Contains("\"msg\":\"two\"", lines[1]);
    }
}
