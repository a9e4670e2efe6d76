using System.Text.Json;
using Ukvm.Cli;
using Ukvm.Core;
using Ukvm.Manifest;

namespace Ukvm.Tests.Cli;

/// <summary>GenManifest.Parse: Solo5's manifest.json, validated as the monitor will validate the note.</summary>
public class GenManifestParseTests
{
    internal static string Json(string devices, string head = "\"type\":\"solo5.manifest\",\"version\":1") =>
        $"{{{head},\"devices\":[{devices}]}}";

    internal static string Devices(int n, string type = "BLOCK_BASIC") =>
        string.Join(",", Enumerable.Range(1, n).Select(i => $"{{\"name\":\"d{i}\",\"type\":\"{type}\"}}"));

    private static void Rejects(string json, string why)
    {
        var e = Assert.Throws<MonitorException>(() => GenManifest.Parse(json, "manifest.json"));
        Assert.StartsWith("manifest.json: ", e.Message);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void SolosExample()
    {
        var d = GenManifest.Parse(Json("{\"name\":\"storage\",\"type\":\"BLOCK_BASIC\"},{\"name\":\"service\",\"type\":\"NET_BASIC\"}"), "m");
        Assert.Equal(new[] { ("storage", DeviceType.BlockBasic), ("service", DeviceType.NetBasic) }, d);
    }

    [Fact]
    public void NoDevices() => Assert.Empty(GenManifest.Parse(Json(""), "m"));

    [Fact]
    public void UnknownPropertiesAndWhitespaceAreIgnored() =>
        Assert.Single(GenManifest.Parse("{ \"version\" : 1 , \"type\":\"solo5.manifest\",\n \"x\": [1],\n \"devices\": [ {\"type\":\"NET_BASIC\",\"name\":\"n0\",\"mtu\":9000} ] }", "m"));

    [Fact]
    public void SixtyThreeDevices() => Assert.Equal(63, GenManifest.Parse(Json(Devices(63)), "m").Count);

    [Fact]
    public void SixtyFourDevices() => Rejects(Json(Devices(64)), "64 devices: at most 63");

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{")]
    [InlineData("{\"type\":\"solo5.manifest\",\"version\":1,\"devices\":[],}")] // trailing comma
    public void NotJson(string json) => Rejects(json, "not valid JSON");

    [Theory]
    [InlineData("[]")]
    [InlineData("1")]
    [InlineData("\"solo5.manifest\"")]
    [InlineData("null")]
    public void TopLevelNotAnObject(string json) => Rejects(json, "top level is not an object");

    [Theory]
    [InlineData("\"version\":1")]
    [InlineData("\"type\":\"solo5.other\",\"version\":1")]
    [InlineData("\"type\":1,\"version\":1")]
    [InlineData("\"type\":\"SOLO5.MANIFEST\",\"version\":1")]
    public void WrongType(string head) => Rejects(Json("", head), "\"type\" must be \"solo5.manifest\"");

    [Theory]
    [InlineData("\"type\":\"solo5.manifest\"")]
    [InlineData("\"type\":\"solo5.manifest\",\"version\":2")]
    [InlineData("\"type\":\"solo5.manifest\",\"version\":\"1\"")]
    [InlineData("\"type\":\"solo5.manifest\",\"version\":1.5")]
    [InlineData("\"type\":\"solo5.manifest\",\"version\":99999999999")]
    public void WrongVersion(string head) => Rejects(Json("", head), "\"version\" must be 1");

    [Theory]
    [InlineData("{\"type\":\"solo5.manifest\",\"version\":1}")]
    [InlineData("{\"type\":\"solo5.manifest\",\"version\":1,\"devices\":{}}")]
    [InlineData("{\"type\":\"solo5.manifest\",\"version\":1,\"devices\":null}")]
    public void DevicesNotAnArray(string json) => Rejects(json, "\"devices\" must be an array");

    [Theory]
    [InlineData("\"storage\"")]
    [InlineData("{\"type\":\"BLOCK_BASIC\"}")]
    [InlineData("{\"name\":\"storage\"}")]
    [InlineData("{\"name\":7,\"type\":\"BLOCK_BASIC\"}")]
    [InlineData("{\"name\":\"storage\",\"type\":1}")]
    [InlineData("null")]
    public void MalformedDevice(string device) => Rejects(Json(device), "each device needs a string \"name\" and \"type\"");

    [Theory]
    [InlineData("")]
    [InlineData("my-disk")]
    [InlineData("my disk")]
    [InlineData("disk_0")]
    [InlineData("dïsk")]
    [InlineData("a\\u0000b")]
    [InlineData("a\\\"b")]
    public void InvalidName(string name) =>
        Rejects(Json($"{{\"name\":\"{name}\",\"type\":\"BLOCK_BASIC\"}}"), "must be 1 to 67 letters and digits");

    [Fact]
    public void NameOf67Characters() =>
        Assert.Single(GenManifest.Parse(Json($"{{\"name\":\"{new string('z', 67)}\",\"type\":\"NET_BASIC\"}}"), "m"));

    [Fact]
    public void NameOf68Characters() =>
        Rejects(Json($"{{\"name\":\"{new string('z', 68)}\",\"type\":\"NET_BASIC\"}}"), "must be 1 to 67 letters and digits");

    [Fact]
    public void DuplicateName() =>
        Rejects(Json("{\"name\":\"a\",\"type\":\"BLOCK_BASIC\"},{\"name\":\"a\",\"type\":\"NET_BASIC\"}"), "device name 'a' appears twice");

    [Theory]
    [InlineData("BLOCK")]
    [InlineData("block_basic")]
    [InlineData("RESERVED_FIRST")]
    [InlineData("")]
    public void UnknownType(string type) =>
        Rejects(Json($"{{\"name\":\"a\",\"type\":\"{type}\"}}"), $"device 'a': unknown type '{type}' (BLOCK_BASIC or NET_BASIC)");
}
