using System.Text.Json;
using Ukvm.Oci;

namespace Ukvm.Tests.Oci;

/// <summary>state.json, the derived status, and the runtime-spec state that `ukvm state` prints.</summary>
public class ContainerStateTests
{
    private static ContainerState Sample(int pid = 4242, ulong start = 77) => new()
    {
        Id = "c1", Bundle = "/b", Rootfs = "/b/rootfs", Created = "2025-01-02T03:04:05.000000100Z", Pid = pid, StartTicks = start,
        Kernel = "/unikernel/http.hvt", KernelHostPath = "/b/rootfs/unikernel/http.hvt", MemoryMb = 32,
        Devices = new[] { new AttachedDevice("service0", "NET_BASIC", "uk0123456789 (pod 10.88.0.5/24)") },
        Cmdline = new[] { "--mem=32", "--", "/b/rootfs/unikernel/http.hvt" },
        Annotations = new Dictionary<string, string> { ["ukvm.mem"] = "32", ["io.kubernetes.cri.sandbox-id"] = "abc" },
        NetNs = "/proc/1/ns/net", Taps = new[] { "uk0123456789" }, Redirected = "eth0",
    };

    [Fact]
    public void RoundTrips()
    {
        var s = ContainerState.Parse(Sample().ToJson());
        Assert.Equal("c1", s.Id);
        Assert.Equal(4242, s.Pid);
        Assert.Equal(77UL, s.StartTicks);
        Assert.Equal(32UL, s.MemoryMb);
        Assert.Equal("/unikernel/http.hvt", s.Kernel);
        Assert.Equal(Sample().Devices, s.Devices);
        Assert.Equal(Sample().Cmdline, s.Cmdline);
        Assert.Equal("abc", s.Annotations["io.kubernetes.cri.sandbox-id"]);
        Assert.Equal("/proc/1/ns/net", s.NetNs);
        Assert.Equal(new[] { "uk0123456789" }, s.Taps);
        Assert.Equal("eth0", s.Redirected);
        Assert.False(s.Sandbox);
    }

    [Fact]
    public void CorruptStateIsOneError()
    {
        var e = Assert.Throws<Ukvm.Core.MonitorException>(() => ContainerState.Parse("{\"pid\":1"));
        Assert.StartsWith("corrupt state.json", e.Message);
    }

    [Theory]
    [InlineData("running", 4242)]
    [InlineData("created", 4242)]
    [InlineData("stopped", 0)]
    public void OciState(string status, int pid)
    {
        using var doc = JsonDocument.Parse(Sample().OciStateJson(status));
        var r = doc.RootElement;
        Assert.Equal("1.0.2", r.GetProperty("ociVersion").GetString());
        Assert.Equal("c1", r.GetProperty("id").GetString());
        Assert.Equal(status, r.GetProperty("status").GetString());
        Assert.Equal(pid, r.GetProperty("pid").GetInt32());
        Assert.Equal("/b", r.GetProperty("bundle").GetString());
        Assert.Equal("/b/rootfs", r.GetProperty("rootfs").GetString());
        Assert.Equal("2025-01-02T03:04:05.000000100Z", r.GetProperty("created").GetString());
        Assert.Equal("32", r.GetProperty("annotations").GetProperty("ukvm.mem").GetString());
    }

    [Fact]
    public void StatusFollowsTheProcessAndTheFifo()
    {
        using var d = new TempDir();
        var self = ProcStat.Read(Environment.ProcessId)!.Value;
        var alive = Sample(Environment.ProcessId, self.StartTicks);
        Assert.Equal("running", alive.Status(d.Path));
        File.WriteAllText(d.Combine(ContainerState.FifoName), "");
        Assert.Equal("created", alive.Status(d.Path));
        // The same pid with another start time is another process: this container's has ended.
        Assert.Equal("stopped", Sample(Environment.ProcessId, self.StartTicks + 1).Status(d.Path));
        Assert.Equal("stopped", Sample(int.MaxValue, 1).Status(d.Path));
    }

    [Fact]
    public void Rfc3339() => Assert.Equal("2025-03-04T05:06:07.123456700Z",
        Json.Rfc3339(new DateTime(2025, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(1234567)));
}
