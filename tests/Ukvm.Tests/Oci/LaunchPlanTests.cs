using Ukvm.Core;
using Ukvm.Manifest;
using Ukvm.Oci;

namespace Ukvm.Tests.Oci;

/// <summary>What runs: kernel, memory, command line and devices from the spec, /ukvm.json, annotations and the manifest.</summary>
public class LaunchPlanTests
{
    private static readonly (string, DeviceType)[] NoDevices = Array.Empty<(string, DeviceType)>();

    private static BundleSpec Spec(string args = "\"/unikernel/k.hvt\"", string annotations = "", string namespaces = "{\"type\":\"network\"}") =>
        BundleSpec.Parse(OciFixtures.Spec(args: args, annotations: annotations, namespaces: namespaces), "/b");

    private static ImageConfig Image(string extra = "") =>
        ImageConfig.Parse("{\"kernel\":\"/unikernel/k.hvt\",\"mem\":16,\"args\":[\"from\",\"image\"]" + extra + "}", "/ukvm.json");

    [Fact]
    public void KernelFromAnnotationThenImageThenArgs()
    {
        Assert.Equal("/other.hvt", LaunchPlan.KernelPath(Spec(annotations: "\"ukvm.kernel\":\"/other.hvt\""), Image()));
        Assert.Equal("/unikernel/k.hvt", LaunchPlan.KernelPath(Spec(args: "\"/x.hvt\""), Image()));
        Assert.Equal("/x.hvt", LaunchPlan.KernelPath(Spec(args: "\"/x.hvt\",\"arg\""), null));
    }

    [Fact]
    public void NoKernelAnywhere()
    {
        var e = Assert.Throws<MonitorException>(() => LaunchPlan.KernelPath(Spec(args: "\"sh\""), null));
        Assert.Contains("no unikernel in this image", e.Message);
    }

    [Fact]
    public void ArgsAfterTheKernelAreTheCommandLine()
    {
        var p = LaunchPlan.Build(Spec(args: "\"/unikernel/k.hvt\",\"a\",\"b\""), Image(), "/unikernel/k.hvt", NoDevices);
        Assert.Equal(new[] { "a", "b" }, p.Args);
        Assert.Equal(16UL, p.MemoryMb);
    }

    [Fact]
    public void ArgsWithoutTheKernelReplaceTheImagesCommandLine() =>
        Assert.Equal(new[] { "Hi", "there" }, LaunchPlan.Build(Spec(args: "\"Hi\",\"there\""), Image(), "/unikernel/k.hvt", NoDevices).Args);

    [Fact]
    public void KernelAloneMeansNoArguments() =>
        Assert.Empty(LaunchPlan.Build(Spec(args: "\"/unikernel//./k.hvt\""), Image(), "/unikernel/k.hvt", NoDevices).Args);

    [Fact]
    public void NoArgsTakeTheImages() =>
        Assert.Equal(new[] { "from", "image" }, LaunchPlan.Build(Spec(args: ""), Image(), "/unikernel/k.hvt", NoDevices).Args);

    [Fact]
    public void CmdlineAnnotationWins()
    {
        var p = LaunchPlan.Build(Spec(annotations: "\"ukvm.cmdline\":\"x y  z\",\"ukvm.mem\":\"64\""), Image(), "/unikernel/k.hvt", NoDevices);
        Assert.Equal(new[] { "x y  z" }, p.Args);
        Assert.Equal(64UL, p.MemoryMb);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("lots")]
    [InlineData("16M")]
    public void BadMemAnnotation(string value)
    {
        var e = Assert.Throws<MonitorException>(() => LaunchPlan.Build(Spec(annotations: $"\"ukvm.mem\":\"{value}\""), Image(), "/k", NoDevices));
        Assert.Equal($"annotation ukvm.mem={value}: expected a whole number of megabytes", e.Message);
    }

    [Fact]
    public void NoMemoryAnywhereIsTheMonitorsDefault() =>
        Assert.Null(LaunchPlan.Build(Spec(), null, "/unikernel/k.hvt", NoDevices).MemoryMb);

    [Fact]
    public void BlockDevicesFromImageAndAnnotations()
    {
        var devices = new[] { ("a", DeviceType.BlockBasic), ("b", DeviceType.BlockBasic), ("c", DeviceType.BlockBasic), ("n", DeviceType.NetBasic) };
        var p = LaunchPlan.Build(Spec(annotations: "\"ukvm.block.b\":\"/vol/b.img\",\"ukvm.block-ro.c\":\"/vol/c.img\",\"ukvm.net.n\":\"tap7\""),
            Image(",\"block\":{\"a\":{\"path\":\"/a.img\",\"readOnly\":true},\"b\":{\"path\":\"/b.img\"}}"), "/unikernel/k.hvt", devices);
        Assert.Equal(new BlockSource("/a.img", true), p.Blocks["a"]);
        Assert.Equal(new BlockSource("/vol/b.img", false), p.Blocks["b"]);
        Assert.Equal(new BlockSource("/vol/c.img", true), p.Blocks["c"]);
        Assert.Equal(new[] { ("n", (string?)"tap7") }, p.Nets);
    }

    [Fact]
    public void BlockDeviceWithoutAFile()
    {
        var e = Assert.Throws<MonitorException>(() => LaunchPlan.Build(Spec(), Image(), "/k", new[] { ("storage", DeviceType.BlockBasic) }));
        Assert.Contains("block device 'storage' of the unikernel's manifest has no file", e.Message);
        Assert.Contains("ukvm.block.storage=PATH", e.Message);
    }

    [Theory]
    [InlineData("\"ukvm.block.nope\":\"/x\"")]
    [InlineData("\"ukvm.net.nope\":\"tap0\"")]
    public void AnnotationForADeviceTheManifestLacks(string annotation)
    {
        var e = Assert.Throws<MonitorException>(() => LaunchPlan.Build(Spec(annotations: annotation), Image(), "/k", NoDevices));
        Assert.Contains("the unikernel's manifest declares no device 'nope'", e.Message);
    }

    [Fact]
    public void ImageBlockForADeviceTheManifestLacks()
    {
        var e = Assert.Throws<MonitorException>(() =>
            LaunchPlan.Build(Spec(), Image(",\"block\":{\"gone\":{\"path\":\"/g\"}}"), "/k", NoDevices));
        Assert.Contains("block device 'gone' is not in the unikernel's manifest", e.Message);
    }

    [Fact]
    public void NetDevicesInManifestOrder()
    {
        var p = LaunchPlan.Build(Spec(), null, "/k", new[] { ("s1", DeviceType.NetBasic), ("s0", DeviceType.NetBasic) });
        Assert.Equal(new[] { ("s1", (string?)null), ("s0", (string?)null) }, p.Nets);
    }

    [Fact]
    public void MonitorArgs()
    {
        var p = LaunchPlan.Build(Spec(args: "\"/unikernel/k.hvt\",\"--port=80\""), Image(",\"block\":{\"storage\":{\"path\":\"/d.img\"}}"),
            "/unikernel/k.hvt", new[] { ("storage", DeviceType.BlockBasic), ("service0", DeviceType.NetBasic) });
        var args = p.MonitorArgs("/r/unikernel/k.hvt",
            new Dictionary<string, (string, bool)> { ["storage"] = ("/v/d.img", true) },
            new[] { ("service0", "uk0123456789", (string?)"0a:58:0a:58:00:05") },
            new PodAddress("10.88.0.5", 24, "10.88.0.1", "0a:58:0a:58:00:05"));
        Assert.Equal(new[]
        {
            "--mem=16", "--block-ro:storage=/v/d.img", "--net:service0=uk0123456789", "--net-mac:service0=0a:58:0a:58:00:05",
            "--", "/r/unikernel/k.hvt", "--port=80", "--ipv4=10.88.0.5/24", "--ipv4-gateway=10.88.0.1",
        }, args);
    }

    [Fact]
    public void NetArgsWithoutGatewayDropTheGatewayArgument() =>
        Assert.Equal(new[] { "--ipv4=10.0.0.2/8", "mac=02:00:00:00:00:01" },
            LaunchPlan.ExpandNetArgs(new[] { "--ipv4={addr}/{prefix}", "--ipv4-gateway={gateway}", "mac={mac}" },
                new PodAddress("10.0.0.2", 8, null, "02:00:00:00:00:01")));

    [Theory]
    [InlineData("/a/b", "/a/b")]
    [InlineData("a//b/./c/", "/a/b/c")]
    [InlineData("/../../etc", "/etc")]
    [InlineData("/a/../b", "/b")]
    [InlineData("", "/")]
    public void Normalize(string path, string expected) => Assert.Equal(expected, LaunchPlan.Normalize(path));
}
