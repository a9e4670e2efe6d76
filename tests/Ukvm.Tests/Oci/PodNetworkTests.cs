using Ukvm.Oci;

namespace Ukvm.Tests.Oci;

/// <summary>Reading a pod's eth0 and default route from iproute2's JSON, the takeover mark, tap names.</summary>
public class PodNetworkTests
{
    // ip -j -d addr show dev eth0 in a CNI bridge pod (iproute2 6.1), details trimmed.
    private const string Eth0 = "[{\"ifindex\":2,\"link_index\":5,\"ifname\":\"eth0\",\"flags\":[\"BROADCAST\",\"MULTICAST\",\"UP\",\"LOWER_UP\"],\"mtu\":1450," +
        "\"qdisc\":\"noqueue\",\"operstate\":\"UP\",\"group\":\"default\",\"link_type\":\"ether\",\"address\":\"0a:58:0a:58:00:05\",\"broadcast\":\"ff:ff:ff:ff:ff:ff\"," +
        "\"link_netnsid\":0,\"ifalias\":\"ukvm:abc uk0011223344\",\"addr_info\":[{\"family\":\"inet6\",\"local\":\"fe80::1\",\"prefixlen\":64,\"scope\":\"link\"}," +
        "{\"family\":\"inet\",\"local\":\"10.88.0.5\",\"prefixlen\":24,\"broadcast\":\"10.88.0.255\",\"scope\":\"global\",\"label\":\"eth0\"}]}]";

    [Fact]
    public void ParsesEth0()
    {
        var i = PodNetwork.ParseInterface(Eth0)!;
        Assert.Equal("eth0", i.Name);
        Assert.Equal("0a:58:0a:58:00:05", i.Mac);
        Assert.Equal(1450, i.Mtu);
        Assert.Equal("10.88.0.5", i.Address);
        Assert.Equal(24, i.Prefix);
        Assert.Equal(("abc", "uk0011223344"), PodNetwork.ParseAlias(i.Alias));
    }

    [Fact]
    public void NoIpv4Address()
    {
        var i = PodNetwork.ParseInterface("[{\"ifname\":\"eth0\",\"mtu\":1500,\"address\":\"02:00:00:00:00:01\",\"addr_info\":[]}]")!;
        Assert.Null(i.Address);
        Assert.Null(i.Alias);
    }

    [Fact]
    public void NoInterface() => Assert.Null(PodNetwork.ParseInterface("[]"));

    [Theory]
    [InlineData("[{\"dst\":\"default\",\"gateway\":\"10.88.0.1\",\"dev\":\"eth0\",\"flags\":[]}]", "10.88.0.1")]
    [InlineData("[]", null)]
    [InlineData("", null)]
    [InlineData("[{\"dst\":\"default\",\"dev\":\"eth0\",\"scope\":\"link\"}]", null)]
    public void Gateway(string json, string? gateway) => Assert.Equal(gateway, PodNetwork.ParseGateway(json));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("something else")]
    [InlineData("ukvm:only-one-part")]
    public void NotOurAlias(string? alias) => Assert.Null(PodNetwork.ParseAlias(alias));

    [Fact]
    public void TapNamesFitIfnamsizAndDiffer()
    {
        string a = PodNetwork.TapName(new string('f', 64), "service0"), b = PodNetwork.TapName(new string('f', 64), "service1");
        Assert.Matches("^uk[0-9a-f]{10}$", a);
        Assert.NotEqual(a, b);
        Assert.Equal(a, PodNetwork.TapName(new string('f', 64), "service0"));
    }
}
