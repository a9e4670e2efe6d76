using Ukvm.Core;
using Ukvm.Oci;

namespace Ukvm.Tests.Oci;

/// <summary>/ukvm.json, the unikernel's description inside an image.</summary>
public class ImageConfigTests
{
    [Fact]
    public void Full()
    {
        var c = ImageConfig.Parse("{\"type\":\"ukvm.image\",\"version\":1,\"kernel\":\"/unikernel/k.hvt\",\"mem\":32,\"args\":[\"--port=80\"]," +
            "\"block\":{\"storage\":{\"path\":\"/data/disk.img\",\"readOnly\":true}},\"netArgs\":[\"{addr}\"]}", "/ukvm.json");
        Assert.Equal("/unikernel/k.hvt", c.Kernel);
        Assert.Equal(32UL, c.MemoryMb);
        Assert.Equal(new[] { "--port=80" }, c.Args);
        Assert.Equal(new BlockSource("/data/disk.img", true), c.Block["storage"]);
        Assert.Equal(new[] { "{addr}" }, c.NetArgs);
    }

    [Fact]
    public void MinimalTakesDefaults()
    {
        var c = ImageConfig.Parse("{\"kernel\":\"/k.hvt\"}", "/ukvm.json");
        Assert.Null(c.MemoryMb);
        Assert.Empty(c.Args);
        Assert.Empty(c.Block);
        Assert.Same(ImageConfig.DefaultNetArgs, c.NetArgs);
    }

    [Fact]
    public void EmptyNetArgsMeansNone() => Assert.Empty(ImageConfig.Parse("{\"kernel\":\"/k\",\"netArgs\":[]}", "x").NetArgs);

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("{}", "no \"kernel\"")]
    [InlineData("{\"kernel\":\"\"}", "\"kernel\" is empty")]
    [InlineData("{\"kernel\":\"/k\",\"type\":\"other\"}", "\"type\" is 'other'")]
    [InlineData("{\"kernel\":\"/k\",\"version\":2}", "version 2, this ukvm reads version 1")]
    [InlineData("{\"kernel\":\"/k\",\"mem\":0}", "\"mem\" of 0 MB")]
    [InlineData("{\"kernel\":\"/k\",\"mem\":\"16\"}", "\"mem\" must be a whole number")]
    [InlineData("{\"kernel\":\"/k\",\"block\":{\"bad-name\":{\"path\":\"/d\"}}}", "block device name 'bad-name'")]
    [InlineData("{\"kernel\":\"/k\",\"block\":{\"storage\":{}}}", "block device 'storage' has no \"path\"")]
    [InlineData("{\"kernel\":\"/k\",\"args\":[1]}", "\"args\" must be an array of strings")]
    public void Rejects(string json, string why)
    {
        var e = Assert.Throws<MonitorException>(() => ImageConfig.Parse(json, "/ukvm.json"));
        Assert.StartsWith("/ukvm.json: ", e.Message);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void ToJsonRoundTrips()
    {
        var c = new ImageConfig
        {
            Kernel = "/unikernel/blk.hvt", MemoryMb = 64, Args = new[] { "a", "b+c" },
            Block = new Dictionary<string, BlockSource> { ["storage"] = new("/data/d.img", false) },
            NetArgs = new[] { "--ipv4={addr}/{prefix}" },
        };
        string json = c.ToJson();
        Assert.Contains("\"type\": \"ukvm.image\"", json);
        Assert.Contains("b+c", json);  // not escaped as \u002B
        var back = ImageConfig.Parse(json, "x");
        Assert.Equal(c.Kernel, back.Kernel);
        Assert.Equal(c.MemoryMb, back.MemoryMb);
        Assert.Equal(c.Args, back.Args);
        Assert.Equal(c.Block["storage"], back.Block["storage"]);
        Assert.Equal(c.NetArgs, back.NetArgs);
    }

    [Fact]
    public void DefaultNetArgsAreNotWritten() => Assert.DoesNotContain("netArgs", new ImageConfig { Kernel = "/k" }.ToJson());
}
