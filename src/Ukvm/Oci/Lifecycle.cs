using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using Ukvm.Core;

namespace Ukvm.Oci;

/// <summary>
/// The runtime commands over the state directory <c>ROOT/ID</c>. create starts the container's
/// process, <c>ukvm --oci-init</c> (see <see cref="InitProcess"/>), which waits on the FIFO
/// <c>ROOT/ID/exec.fifo</c> until start writes to it, then runs the monitor in-process: the pid
/// in the pid file is the monitor's, a child of the shim (create exits, so the shim, a child
/// subreaper, inherits it), and its exit status is the container's.
/// </summary>
internal sealed partial class Lifecycle
{
    /// <summary>How long start waits for the init process to reach its FIFO, and delete for a killed process to end.</summary>
    private const int StartTimeoutMs = 10_000, KillTimeoutMs = 5_000;

    private readonly string _root;
    private readonly RuntimeLog _log;

    public Lifecycle(string root, RuntimeLog log)
    {
        _root = root;
        _log = log;
    }

    private string Dir(string id) => Path.Combine(_root, id);

    /// <summary>runc's rule for container ids: letters, digits, '_', '+', '-', '.'; not "." or "..".</summary>
    public static void ValidateId(string id)
    {
        bool ok = id.Length > 0 && id.Length <= 1024 && id != "." && id != "..";
        foreach (char c in id)
            ok &= char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '-' or '.';
        if (!ok) throw new MonitorException($"invalid container id '{id}': letters, digits, '_', '+', '-' and '.' only");
    }

    /// <summary>The container's state; "container does not exist" when there is none.</summary>
    private ContainerState Load(string id)
    {
        ValidateId(id);
        string file = Path.Combine(Dir(id), ContainerState.FileName);
        string json;
        try { json = File.ReadAllText(file); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        { throw new MonitorException("container does not exist"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new MonitorException($"cannot read {file}: {IoErrors.Describe(e)}"); }
        return ContainerState.Parse(json);
    }

    /// <summary>The single operand of a command that takes only an id (and the given flags).</summary>
    private static (string Id, HashSet<string> Flags) IdAndFlags(IReadOnlyList<string> args, string usage, params string[] allowed)
    {
        string? id = null;
        var flags = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in args)
        {
            if (a.StartsWith('-') && a.Length > 1)
            {
                if (!Json.Has(allowed, a)) throw new MonitorException($"unknown option '{a}': usage: {usage}");
                flags.Add(a);
            }
            else if (id is null) id = a;
            else throw new MonitorException($"unexpected argument '{a}': usage: {usage}");
        }
        return (id ?? throw new MonitorException($"missing container id: usage: {usage}"), flags);
    }

    public int Start(IReadOnlyList<string> args)
    {
        var (id, _) = IdAndFlags(args, "ukvm start ID");
        var state = Load(id);
        string dir = Dir(id);
        string status = state.Status(dir);
        if (status != "created")
            throw new MonitorException(status == "running" ? "cannot start an already running container" : "cannot start a container that has stopped");
        string fifo = Path.Combine(dir, ContainerState.FifoName);
        long deadline = Environment.TickCount64 + StartTimeoutMs;
        int fd;
        // The init process may still be starting: no reader yet is ENXIO (fifo(7)); retry until it opens its end.
        while ((fd = Interop.Libc.open(fifo, Native.O_WRONLY | Native.O_NONBLOCK | Native.O_CLOEXEC, 0)) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Native.ENXIO && errno != Native.EINTR) throw MonitorException.FromErrno($"open {fifo}", errno);
            if (!ProcStat.IsAlive(state.Pid, state.StartTicks)) throw new MonitorException("cannot start a container that has stopped");
            if (Environment.TickCount64 > deadline) throw new MonitorException($"container process {state.Pid} did not become ready within {StartTimeoutMs / 1000} s");
            Thread.Sleep(5);
        }
        unsafe
        {
            byte go = (byte)'0';
            nint n = Interop.Libc.write(fd, &go, 1);
            int errno = Marshal.GetLastPInvokeError();
            Interop.Libc.close(fd);
            if (n != 1) throw MonitorException.FromErrno($"write {fifo}", errno);
        }
        File.Delete(fifo);
        return 0;
    }

    public int State(IReadOnlyList<string> args)
    {
        var (id, _) = IdAndFlags(args, "ukvm state ID");
        var state = Load(id);
        Log.Out(state.OciStateJson(state.Status(Dir(id))));
        return 0;
    }

    public int Kill(IReadOnlyList<string> args)
    {
        var operands = new List<string>();
        bool all = false;
        foreach (var a in args)
        {
            if (a is "--all" or "-a") { all = true; continue; }  // one process per container: --all is the same
            if (a.StartsWith('-') && a.Length > 1 && operands.Count == 0) throw new MonitorException($"unknown option '{a}': usage: ukvm kill [--all] ID [SIGNAL]");
            operands.Add(a);
        }
        if (operands.Count is 0 or > 2) throw new MonitorException("usage: ukvm kill [--all] ID [SIGNAL]");
        int signal = operands.Count == 2 ? Signals.Parse(operands[1]) : Signals.SIGTERM;
        var state = Load(operands[0]);
        if (!ProcStat.IsAlive(state.Pid, state.StartTicks))
        {
            // runc: --all on a stopped container with no cgroup left is not an error (the shim
            // sends it after every exit, to be sure).
            if (all) return 0;
            throw new MonitorException("container not running");
        }
        if (Native.kill(state.Pid, signal) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Native.ESRCH) throw new MonitorException("container not running");
            throw MonitorException.FromErrno($"kill({state.Pid}, {signal})", errno);
        }
        return 0;
    }

    public int Delete(IReadOnlyList<string> args)
    {
        var (id, flags) = IdAndFlags(args, "ukvm delete [--force] ID", "--force", "-f");
        bool force = flags.Count > 0;
        ValidateId(id);
        ContainerState state;
        try { state = Load(id); }
        catch (MonitorException) when (force || !File.Exists(Path.Combine(Dir(id), ContainerState.FileName)))
        {
            // A create that failed half-way may leave a directory without state (runc removes it too).
            if (Directory.Exists(Dir(id))) RemoveDir(Dir(id));
            if (force) return 0;
            throw;
        }
        string status = state.Status(Dir(id));
        if (status == "running" && !force)
            throw new MonitorException($"cannot delete container {id} that is not stopped: running");
        if (status != "stopped")
        {
            Native.kill(state.Pid, Signals.SIGKILL);
            long deadline = Environment.TickCount64 + KillTimeoutMs;
            while (ProcStat.IsAlive(state.Pid, state.StartTicks) && Environment.TickCount64 < deadline) Thread.Sleep(10);
        }
        TeardownNetwork(state);
        RemoveDir(Dir(id));
        return 0;
    }

    /// <summary><c>ps [--format table|json] ID</c>: the container's processes, the monitor alone. Without an ID: the host listing (<see cref="Cli.Ps"/>).</summary>
    public int Ps(IReadOnlyList<string> args)
    {
        string format = "table";
        string? id = null;
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] is "--json" || RuntimeCli.Option(args, ref i, "--root") is not null) return Cli.Ps.Run(_root, args);
            string? f = RuntimeCli.Option(args, ref i, "--format") ?? RuntimeCli.Option(args, ref i, "-f");
            if (f is not null) format = f;
            else if (!args[i].StartsWith('-') && id is null) id = args[i];
        }
        if (id is null) return Cli.Ps.Run(_root, args);
        var state = Load(id);
        bool alive = ProcStat.IsAlive(state.Pid, state.StartTicks);
        if (format == "json") Log.Out(alive ? $"[{state.Pid}]\n" : "[]\n");
        else if (format == "table") Log.Out("PID\tCMD\n" + (alive ? $"{state.Pid}\tukvm {state.KernelHostPath ?? "(pod sandbox)"}\n" : ""));
        else throw new MonitorException($"unknown format '{format}' (table or json)");
        return 0;
    }

    /// <summary><c>features</c>: what this runtime implements (runtime-spec features.md).</summary>
    public int Features()
    {
        var buffer = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer, Json.IndentedOptions))
        {
            w.WriteStartObject();
            w.WriteString("ociVersionMin", "1.0.0");
            w.WriteString("ociVersionMax", "1.1.0");
            Json.WriteStrings(w, "hooks", Array.Empty<string>());
            Json.WriteStrings(w, "mountOptions", new[] { "bind", "rbind", "ro", "rw" });
            w.WriteStartObject("linux");
            Json.WriteStrings(w, "namespaces", new[] { "network" });
            Json.WriteStrings(w, "capabilities", Array.Empty<string>());
            w.WriteStartObject("cgroup");
            w.WriteBoolean("v1", false);
            w.WriteBoolean("v2", false);
            w.WriteBoolean("systemd", false);
            w.WriteBoolean("systemdUser", false);
            w.WriteEndObject();
            w.WriteStartObject("seccomp");
            w.WriteBoolean("enabled", false);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("annotations");
            w.WriteString("org.ukvm.version", Cli.Help.Version);
            w.WriteString("org.ukvm.annotations", string.Join(' ', new[]
            {
                LaunchPlan.KernelAnnotation, LaunchPlan.MemAnnotation, LaunchPlan.CmdlineAnnotation,
                LaunchPlan.BlockAnnotation + "NAME", LaunchPlan.BlockReadOnlyAnnotation + "NAME", LaunchPlan.NetAnnotation + "NAME",
            }));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        Log.Out(Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
        return 0;
    }

    /// <summary><c>run [-d] [--bundle DIR] [--pid-file F] ID</c>: create and start; without -d, waits and returns the unikernel's status, then deletes.</summary>
    public int RunContainer(IReadOnlyList<string> args)
    {
        var createArgs = new List<string>();
        bool detach = false;
        foreach (var a in args)
            if (a is "-d" or "--detach") detach = true; else createArgs.Add(a);
        int pid = CreateProcess(createArgs, out string id);
        Start(new[] { id });
        if (detach) return 0;
        int status = Spawn.Wait(pid);
        Delete(new[] { "--force", id });
        return status;
    }

    private void TeardownNetwork(ContainerState state)
    {
        if (state.Taps.Count == 0 && state.Redirected is null) return;
        // In a namespace of its own the taps went with the last process; in a pod's, remove them.
        if (!PodNetwork.Exists(state.NetNs)) return;
        try
        {
            PodNetwork.Enter(NetworkMode.Join, state.NetNs);
            PodNetwork.Teardown(state.Id, state.Taps, state.Redirected);
        }
        catch (MonitorException e)
        {
            _log.Warning($"network cleanup in {state.NetNs}: {e.Message}");
        }
    }

    /// <summary>Removes a state directory, which holds only files (not Directory.Delete(recursive), whose code pulls the NativeAOT type loader into the binary).</summary>
    private static void RemoveDir(string dir)
    {
        try
        {
            foreach (var f in Directory.GetFiles(dir)) File.Delete(f);
            Directory.Delete(dir);
        }
        catch (DirectoryNotFoundException) { }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new MonitorException($"cannot remove {dir}: {IoErrors.Describe(e)}"); }
    }

    /// <summary>True when container <paramref name="id"/> (under the same root) exists and has not stopped.</summary>
    private bool IsRunning(string id)
    {
        try
        {
            ValidateId(id);
            var s = Load(id);
            return s.Status(Dir(id)) != "stopped";
        }
        catch (MonitorException) { return false; }
    }

    /// <summary>RFC 3339 UTC with nanosecond digits, as runc's "created".</summary>
    private static string Now() => Json.Rfc3339(DateTime.UtcNow);
}
