using Ukvm.Core;
using Ukvm.Oci;

namespace Ukvm.Tests.Oci;

/// <summary>config.json as the runtime reads it: args, root, mounts, annotations, network namespace, sandbox.</summary>
public class BundleSpecTests
{
    [Fact]
    public void ReadsWhatTheRuntimeUses()
    {
        var s = BundleSpec.Parse(OciFixtures.Spec(args: "\"/unikernel/k.hvt\",\"a\",\"b c\"", annotations: "\"ukvm.mem\":\"32\",\"n\":1",
            mounts: "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv/vol\",\"options\":[\"rbind\",\"ro\"]},{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}"),
            "/b/1");
        Assert.Equal("1.0.2", s.OciVersion);
        Assert.Equal(new[] { "/unikernel/k.hvt", "a", "b c" }, s.Args);
        Assert.Equal("/b/1/rootfs", s.RootPath);
        Assert.False(s.Terminal);
        Assert.Equal("32", s.Annotations["ukvm.mem"]);
        Assert.False(s.Annotations.ContainsKey("n"));   // not a string: ignored
        Assert.Equal(2, s.Mounts.Count);
        Assert.True(s.Mounts[0].IsBind);
        Assert.True(s.Mounts[0].ReadOnly);
        Assert.False(s.Mounts[1].IsBind);
        Assert.Equal(NetworkMode.New, s.Network);
        Assert.Null(s.NetworkPath);
        Assert.False(s.IsSandbox);
    }

    [Fact]
    public void AbsoluteRootStays() =>
        Assert.Equal("/var/roots/x", BundleSpec.Parse(OciFixtures.Spec(root: "{\"path\":\"/var/roots/x\",\"readonly\":true}"), "/b").RootPath);

    [Fact]
    public void ReadOnlyRoot() => Assert.True(BundleSpec.Parse(OciFixtures.Spec(root: "{\"path\":\"r\",\"readonly\":true}"), "/b").RootReadOnly);

    [Fact]
    public void PodNetworkNamespaceIsJoined()
    {
        var s = BundleSpec.Parse(OciFixtures.Spec(namespaces: "{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/proc/42/ns/net\"}"), "/b");
        Assert.Equal(NetworkMode.Join, s.Network);
        Assert.Equal("/proc/42/ns/net", s.NetworkPath);
    }

    [Fact]
    public void NoNetworkEntryIsTheHostNamespace() =>
        Assert.Equal(NetworkMode.Host, BundleSpec.Parse(OciFixtures.Spec(namespaces: "{\"type\":\"pid\"},{\"type\":\"mount\"}"), "/b").Network);

    [Theory]
    [InlineData("io.kubernetes.cri.container-type", "sandbox", true)]
    [InlineData("io.kubernetes.cri.container-type", "container", false)]
    [InlineData("io.kubernetes.cri-o.ContainerType", "sandbox", true)]
    public void Sandbox(string key, string value, bool sandbox) =>
        Assert.Equal(sandbox, BundleSpec.Parse(OciFixtures.Spec(annotations: $"\"{key}\":\"{value}\""), "/b").IsSandbox);

    [Fact]
    public void MinimalSpec()
    {
        var s = BundleSpec.Parse("{}", "/b");
        Assert.Empty(s.Args);
        Assert.Equal("/b/rootfs", s.RootPath);
        Assert.Equal(NetworkMode.Host, s.Network);
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("[]", "top level is not an object")]
    [InlineData("{\"process\":{\"args\":\"sh\"}}", "process.args must be an array of strings")]
    [InlineData("{\"process\":{\"args\":[1]}}", "process.args must be an array of strings")]
    [InlineData("{\"root\":{\"path\":7}}", "root.path must be a string")]
    [InlineData("{\"mounts\":[{\"type\":\"bind\"}]}", "a mount has no destination")]
    public void Rejects(string json, string why)
    {
        var e = Assert.Throws<MonitorException>(() => BundleSpec.Parse(json, "/b"));
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void LoadNamesAMissingFile()
    {
        using var d = new TempDir();
        var e = Assert.Throws<MonitorException>(() => BundleSpec.Load(d.Path));
        Assert.Contains("config.json: No such file or directory", e.Message);
    }
}
