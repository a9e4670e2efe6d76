using System.Diagnostics;
using System.Text.Json;
using Ukvm.Tests.Support;

namespace Ukvm.Tests.Oci;

/// <summary>
/// The real out/ukvm as an OCI runtime, driven the way containerd's runc shim drives it (global
/// options first, numeric signals, errors as JSON lines in --log), on bundles made here: no
/// containerd needed (tests/containers/run.sh has the whole containerd scenario).
/// </summary>
public sealed class RuntimeCliTests : IDisposable
{
    private readonly TempDir _dir = new();
    private string Root => _dir.Combine("root");
    private string LogFile => _dir.Combine("log.json");

    public void Dispose()
    {
        // Nothing a test started may outlive it: kill what is still listed, then remove the state.
        if (Directory.Exists(Root))
            foreach (var d in Directory.GetDirectories(Root))
                Runtime("delete", "--force", Path.GetFileName(d));
        _dir.Dispose();
    }

    /// <summary>Runs <c>ukvm --root ROOT --log LOG --log-format json ARGS</c>; stdout and stderr go to files (the container process inherits them).</summary>
    private (int Code, string Out, string Err) Runtime(params string[] args)
    {
        string id = Guid.NewGuid().ToString("N")[..8];
        string outFile = _dir.Combine($"out-{id}"), errFile = _dir.Combine($"err-{id}");
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec \"$0\" \"$@\" >\"$OUT\" 2>\"$ERR\" </dev/null");
        psi.ArgumentList.Add(Repo.Monitor);
        foreach (var a in new[] { "--root", Root, "--log", LogFile, "--log-format", "json" }.Concat(args)) psi.ArgumentList.Add(a);
        psi.Environment["OUT"] = outFile;
        psi.Environment["ERR"] = errFile;
        using var p = Process.Start(psi)!;
        Assert.True(p.WaitForExit(30_000), $"ukvm {string.Join(' ', args)} did not end in 30 s");
        return (p.ExitCode, File.ReadAllText(outFile), File.ReadAllText(errFile));
    }

    /// <summary>A bundle: rootfs with the test unikernel <paramref name="guest"/> at /unikernel/GUEST.hvt, /ukvm.json, config.json.</summary>
    private string Bundle(string name, string guest = "hello", string args = "\"/unikernel/hello.hvt\",\"Hello\",\"OCI\"",
        string annotations = "", string namespaces = "{\"type\":\"pid\"}", string ukvmJson = "")
    {
        string bundle = _dir.Combine(name);
        _dir.Write($"{name}/rootfs/unikernel/{guest}.hvt", File.ReadAllBytes(Guests.Image(guest)));
        _dir.Write($"{name}/rootfs/ukvm.json", ukvmJson.Length > 0 ? ukvmJson : $"{{\"kernel\":\"/unikernel/{guest}.hvt\",\"mem\":8}}");
        _dir.Write($"{name}/config.json", OciFixtures.Spec(args: args, annotations: annotations, namespaces: namespaces));
        return bundle;
    }

    private string Create(string id, string bundle)
    {
        string pidFile = _dir.Combine($"{id}.pid");
        var r = Runtime("create", "--bundle", bundle, "--pid-file", pidFile, id);
        Assert.True(r.Code == 0, $"create: {r.Code} {r.Err}");
        return File.ReadAllText(pidFile);
    }

    private string Status(string id)
    {
        var r = Runtime("state", id);
        Assert.Equal(0, r.Code);
        using var doc = JsonDocument.Parse(r.Out);
        return doc.RootElement.GetProperty("status").GetString()!;
    }

    private void WaitFor(string id, string status)
    {
        for (int i = 0; i < 200 && Status(id) != status; i++) Thread.Sleep(50);
        Assert.Equal(status, Status(id));
    }

    private string LastLogMessage()
    {
        using var doc = JsonDocument.Parse(File.ReadAllLines(LogFile)[^1]);
        Assert.Equal("error", doc.RootElement.GetProperty("level").GetString());
        Assert.True(doc.RootElement.TryGetProperty("time", out _));
        return doc.RootElement.GetProperty("msg").GetString()!;
    }

    [SkippableFact]
    public void CreateStartRunsTheUnikernelToItsEnd()
    {
        Guests.RequireKvm();
        string bundle = Bundle("b1");
        string pid = Create("c1", bundle);
        Assert.Matches("^[0-9]+$", pid);   // bare digits, no newline: the shim's strconv.Atoi
        string cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        Assert.Contains("--oci-init=", cmdline);
        Assert.Contains("--mem=8 -- " + bundle + "/rootfs/unikernel/hello.hvt Hello OCI", cmdline);
        Assert.Equal("created", Status("c1"));
        Assert.Equal($"[{pid}]\n", Runtime("ps", "--format", "json", "c1").Out);

        Assert.Equal(0, Runtime("start", "c1").Code);
        WaitFor("c1", "stopped");
        var del = Runtime("delete", "c1");
        Assert.Equal(0, del.Code);
        Assert.False(Directory.Exists(Path.Combine(Root, "c1")));
        // The unikernel's console went to create's stdout, which its process inherited.
        string output = string.Concat(Directory.GetFiles(_dir.Path, "out-*").Select(File.ReadAllText));
        Assert.Contains("Hello, World", output);
        Assert.Contains("Command line is: 'Hello OCI'", output);
    }

    [Fact]
    public void StateOfAContainerThatDoesNotExist()
    {
        var r = Runtime("state", "nosuch");
        Assert.Equal(1, r.Code);
        Assert.Equal("ukvm: container does not exist\n", r.Err);
        Assert.Equal("container does not exist", LastLogMessage());
    }

    [Fact]
    public void CreatedContainerIsKilledAndDeleted()
    {
        string pid = Create("c2", Bundle("b2"));
        Assert.Equal(1, Runtime("create", "--bundle", _dir.Combine("b2"), "c2").Code);
        Assert.Equal("container with id exists: c2", LastLogMessage());
        Assert.Equal(0, Runtime("kill", "c2", "SIGKILL").Code);
        WaitFor("c2", "stopped");
        Assert.Equal(1, Runtime("kill", "c2", "15").Code);
        Assert.Equal("container not running", LastLogMessage());
        Assert.Equal(0, Runtime("kill", "--all", "c2", "9").Code);   // runc: --all on a stopped container is fine
        Assert.Equal(0, Runtime("delete", "c2").Code);
        Assert.False(File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("--oci-init"));
        Assert.Equal(0, Runtime("delete", "--force", "c2").Code);      // gone already: fine with --force
        Assert.Equal(1, Runtime("delete", "c2").Code);
    }

    [Fact]
    public void DeletingACreatedContainerEndsIt()
    {
        string pid = Create("c3", Bundle("b3"));
        Assert.Equal(0, Runtime("delete", "c3").Code);
        Assert.False(Directory.Exists(Path.Combine(Root, "c3")));
        Thread.Sleep(100);
        Assert.True(ProcessGone(pid));
    }

    [SkippableFact]
    public void RunningContainerNeedsForceToDelete()
    {
        NetNamespace.Require();
        // net.hvt serves until killed; a new network namespace gets it a tap of its own.
        Create("c4", Bundle("b4", guest: "net", args: "\"/unikernel/net.hvt\"", namespaces: "{\"type\":\"network\"}"));
        Assert.Equal(0, Runtime("start", "c4").Code);
        Thread.Sleep(300);
        Assert.Equal("running", Status("c4"));
        var ps = Runtime("ps", "--json");   // the host listing, root from the global option
        using (var doc = JsonDocument.Parse(ps.Out))
        {
            var e = doc.RootElement.EnumerateArray().Single(x => x.GetProperty("id").GetString() == "c4");
            Assert.Equal("/unikernel/net.hvt", e.GetProperty("kernel").GetString());
            Assert.Equal("service0", e.GetProperty("devices")[0].GetProperty("name").GetString());
            Assert.True(e.GetProperty("rssKb").GetInt64() > 0);
        }
        Assert.Equal(1, Runtime("delete", "c4").Code);
        Assert.Equal("cannot delete container c4 that is not stopped: running", LastLogMessage());
        Assert.Equal(1, Runtime("start", "c4").Code);
        Assert.Equal("cannot start an already running container", LastLogMessage());
        Assert.Equal(0, Runtime("delete", "--force", "c4").Code);
    }

    [Fact]
    public void PodSandboxIsAPauseProcess()
    {
        string pid = Create("s1", Bundle("bs", annotations: "\"io.kubernetes.cri.container-type\":\"sandbox\""));
        Assert.Equal(0, Runtime("start", "s1").Code);
        Thread.Sleep(200);
        Assert.Equal("running", Status("s1"));
        Assert.Contains("--pause", File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '));
        Assert.Equal(0, Runtime("kill", "s1", "9").Code);
        WaitFor("s1", "stopped");
        Assert.Equal(0, Runtime("delete", "s1").Code);
    }

    [Theory]
    [InlineData("\"ukvm.mem\":\"huge\"", "", "annotation ukvm.mem=huge: expected a whole number of megabytes")]
    [InlineData("\"ukvm.kernel\":\"/nope.hvt\"", "", "unikernel /nope.hvt does not exist in the image")]
    [InlineData("", "{\"kernel\":\"/unikernel/hello.hvt\",\"block\":{\"storage\":{\"path\":\"/d\"}}}", "block device 'storage' is not in the unikernel's manifest")]
    [InlineData("", "{\"kernel\":", "/ukvm.json: not valid JSON")]
    public void CreateErrorsGoToTheLog(string annotations, string ukvmJson, string message)
    {
        string bundle = Bundle("be", annotations: annotations, ukvmJson: ukvmJson);
        var r = Runtime("create", "--bundle", bundle, "--pid-file", _dir.Combine("e.pid"), "e1");
        Assert.Equal(1, r.Code);
        Assert.Contains(message, LastLogMessage());
        Assert.False(File.Exists(_dir.Combine("e.pid")));
        Assert.False(Directory.Exists(Path.Combine(Root, "e1")));   // nothing left behind
    }

    [Fact]
    public void KernelSymlinkCannotReachTheHost()
    {
        string bundle = Bundle("bl", ukvmJson: "{\"kernel\":\"/k.hvt\"}");
        File.CreateSymbolicLink(Path.Combine(bundle, "rootfs", "k.hvt"), Guests.Image("hello"));   // an absolute host path
        Assert.Equal(1, Runtime("create", "--bundle", bundle, "l1").Code);
        Assert.Contains($"(looked for {bundle}/rootfs{Guests.Image("hello")})", LastLogMessage());
    }

    [Fact]
    public void NetDeviceInTheHostsNamespaceIsRefused()
    {
        string bundle = Bundle("bn", guest: "net", args: "", namespaces: "{\"type\":\"pid\"}");
        Assert.Equal(1, Runtime("create", "--bundle", bundle, "n1").Code);
        Assert.Contains("net device 'service0': the container shares the host's network namespace", LastLogMessage());
    }

    [Fact]
    public void Features()
    {
        var r = Runtime("features");
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal("1.1.0", doc.RootElement.GetProperty("ociVersionMax").GetString());
        Assert.Contains("ukvm.mem", doc.RootElement.GetProperty("annotations").GetProperty("org.ukvm.annotations").GetString());
    }

    [Theory]
    [InlineData("exec", "'exec' is not supported by ukvm")]
    [InlineData("bogus", "unknown command 'bogus'")]
    public void UnsupportedCommands(string command, string message)
    {
        Assert.Equal(1, Runtime(command, "x").Code);
        Assert.Contains(message, LastLogMessage());
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("..")]
    public void InvalidIds(string id)
    {
        Assert.Equal(1, Runtime("state", id).Code);
        Assert.StartsWith($"invalid container id '{id}'", LastLogMessage());
    }

    private static bool ProcessGone(string pid) =>
        ProcStatAlive(pid) is false;

    private static bool? ProcStatAlive(string pid)
    {
        try { return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z "); }
        catch (IOException) { return false; }
    }
}
