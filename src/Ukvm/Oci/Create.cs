using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using Ukvm.Core;
using Ukvm.Elf;
using Ukvm.Manifest;

namespace Ukvm.Oci;

internal sealed partial class Lifecycle
{
    /// <summary>Largest unikernel image create reads (the monitor's own limit).</summary>
    private const long MaxKernelBytes = 1L << 30;

    /// <summary>A unikernel container's plan with its host paths resolved (a class: see <see cref="SpecMount"/>).</summary>
    private sealed class Prepared(LaunchPlan plan, string kernelHostPath, Dictionary<string, (string Path, bool ReadOnly)> hostBlocks,
        List<(string Name, DeviceType Type)> devices)
    {
        public LaunchPlan Plan { get; } = plan;
        public string KernelHostPath { get; } = kernelHostPath;
        public Dictionary<string, (string Path, bool ReadOnly)> HostBlocks { get; } = hostBlocks;
        public List<(string Name, DeviceType Type)> Devices { get; } = devices;
    }

    /// <summary><c>create [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] ID</c>.</summary>
    public int Create(IReadOnlyList<string> args)
    {
        CreateProcess(args, out _);
        return 0;
    }

    /// <summary>Creates the container and returns its process's pid (our child until this process exits).</summary>
    private int CreateProcess(IReadOnlyList<string> args, out string id)
    {
        string? bundle = null, pidFile = null, consoleSocket = null, operand = null;
        for (int i = 0; i < args.Count; i++)
        {
            string? v;
            if ((v = RuntimeCli.Option(args, ref i, "--bundle") ?? RuntimeCli.Option(args, ref i, "-b")) is not null) bundle = v;
            else if ((v = RuntimeCli.Option(args, ref i, "--pid-file")) is not null) pidFile = v;
            else if ((v = RuntimeCli.Option(args, ref i, "--console-socket")) is not null) consoleSocket = v;
            // Extra descriptors mean nothing to a unikernel; they are closed like every other one above 2.
            else if (RuntimeCli.Option(args, ref i, "--preserve-fds") is not null) { }
            else if (args[i] is "--no-pivot" or "--no-new-keyring" or "--no-subreaper") { }
            else if (args[i].StartsWith('-') && args[i].Length > 1) throw new MonitorException($"unknown option '{args[i]}' for create");
            else if (operand is null) operand = args[i];
            else throw new MonitorException($"unexpected argument '{args[i]}': usage: ukvm create [--bundle DIR] [--pid-file FILE] ID");
        }
        id = operand ?? throw new MonitorException("missing container id: usage: ukvm create [--bundle DIR] [--pid-file FILE] ID");
        ValidateId(id);
        bundle = Path.GetFullPath(bundle ?? Directory.GetCurrentDirectory());
        var spec = BundleSpec.Load(bundle);
        if (spec.Terminal && consoleSocket is null)
            throw new MonitorException("the spec asks for a terminal (process.terminal) but no --console-socket was given");

        try { Directory.CreateDirectory(_root); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new MonitorException($"cannot create state directory {_root}: {IoErrors.Describe(e)}"); }
        string dir = Dir(id);
        if (Native.mkdir(dir, Convert.ToUInt32("700", 8)) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno == Native.EEXIST ? new MonitorException($"container with id exists: {id}") : MonitorException.FromErrno($"mkdir {dir}", errno);
        }

        int pid = 0, slave = -1;
        var taps = new List<string>();
        string? redirected = null;
        try
        {
            var prepared = spec.IsSandbox ? null : Prepare(spec);
            // From here this thread is in the container's network namespace, and so is every
            // process started from it (ip, tc, the monitor).
            PodNetwork.Enter(spec.Network, spec.NetworkPath);
            string fifo = Path.Combine(dir, ContainerState.FifoName);
            var initArgs = new List<string> { Environment.ProcessPath ?? "ukvm", InitProcess.Option + fifo };
            var devices = new List<AttachedDevice>();
            List<string>? monitorArgs = null;
            if (prepared is null) initArgs.Add(InitProcess.PauseOption);
            else
            {
                var nets = SetUpNetwork(id, spec, prepared.Plan, taps, ref redirected, out var pod);
                monitorArgs = prepared.Plan.MonitorArgs(prepared.KernelHostPath, prepared.HostBlocks, nets, pod);
                initArgs.Add("--");
                initArgs.AddRange(monitorArgs);
                foreach (var (name, type) in prepared.Devices)
                {
                    string backing = type == DeviceType.BlockBasic
                        ? prepared.HostBlocks[name].Path + (prepared.HostBlocks[name].ReadOnly ? " (read-only)" : "")
                        : nets.Find(n => n.Name == name).Tap + (pod is not null && nets.Find(n => n.Name == name).Mac is not null ? $" (pod {pod.Address}/{pod.Prefix})" : "");
                    devices.Add(new AttachedDevice(name, type == DeviceType.BlockBasic ? "BLOCK_BASIC" : "NET_BASIC", backing));
                }
            }
            if (Native.mkfifo(fifo, Convert.ToUInt32("600", 8)) < 0)
                throw MonitorException.FromErrno($"mkfifo {fifo}", Marshal.GetLastPInvokeError());

            Span<int> stdio = stackalloc int[] { -1, -1, -1 };
            if (spec.Terminal)
            {
                slave = ConsoleSocket.OpenAndSend(consoleSocket!);
                stdio[0] = stdio[1] = stdio[2] = slave;
            }
            // /proc/self/exe: this very binary, even if the file at its path is being replaced.
            pid = Spawn.Start("/proc/self/exe", initArgs, stdio, newSession: spec.Terminal);
            var state = new ContainerState
            {
                Id = id, Bundle = bundle, Rootfs = spec.RootPath, Created = Now(), Pid = pid,
                StartTicks = ProcStat.Read(pid)?.StartTicks ?? 0, Sandbox = spec.IsSandbox,
                Kernel = prepared?.Plan.Kernel, KernelHostPath = prepared?.KernelHostPath, MemoryMb = prepared?.Plan.MemoryMb,
                Devices = devices, Cmdline = monitorArgs ?? new List<string>(), Annotations = spec.Annotations,
                NetNs = spec.Network == NetworkMode.Join ? spec.NetworkPath : null, Taps = taps, Redirected = redirected,
            };
            WriteAtomically(Path.Combine(dir, ContainerState.FileName), state.ToJson());
            // Bare digits, no newline: the shim parses it with strconv.Atoi.
            if (pidFile is not null) WriteAtomically(Path.GetFullPath(pidFile), pid.ToString(CultureInfo.InvariantCulture));
            return pid;
        }
        catch
        {
            if (pid > 0)
            {
                Native.kill(pid, Signals.SIGKILL);
                Spawn.Wait(pid);
            }
            if (taps.Count > 0 || redirected is not null) PodNetwork.Teardown(id, taps, redirected);
            RemoveDir(dir);
            throw;
        }
        finally
        {
            if (slave >= 0) Interop.Libc.close(slave);
        }
    }

    /// <summary>Reads /ukvm.json and the unikernel from the bundle's root filesystem and decides what to run.</summary>
    private static Prepared Prepare(BundleSpec spec)
    {
        if (!Directory.Exists(spec.RootPath)) throw new MonitorException($"root filesystem {spec.RootPath} does not exist");
        ImageConfig? image = null;
        string configPath = RootfsPath.SecureJoin(spec.RootPath, "/" + ImageConfig.FileName);
        if (File.Exists(configPath))
        {
            try { image = ImageConfig.Parse(File.ReadAllText(configPath), "/" + ImageConfig.FileName); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            { throw new MonitorException($"cannot read /{ImageConfig.FileName} of the image: {IoErrors.Describe(e)}"); }
        }
        string kernel = LaunchPlan.KernelPath(spec, image);
        var (kernelHost, _) = RootfsPath.Resolve(spec.RootPath, spec.Mounts, kernel);
        byte[] bytes = ReadKernel(kernel, kernelHost);
        var elf = ElfImage.Parse(bytes, HostMachine());
        var manifest = AppManifest.Parse(elf.ManifestNote);
        var devices = new List<(string, DeviceType)>();
        foreach (var d in manifest.Devices) devices.Add((d.Name, d.Type));
        var plan = LaunchPlan.Build(spec, image, kernel, devices);

        var hostBlocks = new Dictionary<string, (string, bool)>(StringComparer.Ordinal);
        foreach (var (name, src) in plan.Blocks)
        {
            var (host, mountReadOnly) = RootfsPath.Resolve(spec.RootPath, spec.Mounts, src.Path);
            if (!File.Exists(host))
                throw new MonitorException($"block device '{name}': {src.Path} does not exist in the container (looked for {host})");
            bool onRoot = host.StartsWith(spec.RootPath + "/", StringComparison.Ordinal);
            hostBlocks[name] = (host, src.ReadOnly || mountReadOnly || onRoot && spec.RootReadOnly);
        }
        return new Prepared(plan, kernelHost, hostBlocks, devices);
    }

    private static byte[] ReadKernel(string kernel, string host)
    {
        try
        {
            var info = new FileInfo(host);
            if (!info.Exists) throw new MonitorException($"unikernel {kernel} does not exist in the image (looked for {host})");
            if (info.Length > MaxKernelBytes) throw new MonitorException($"unikernel {kernel}: {info.Length} bytes is larger than the 1 GiB limit");
            return File.ReadAllBytes(host);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MonitorException($"cannot read unikernel {kernel} ({host}): {IoErrors.Describe(e)}");
        }
    }

    /// <summary>ELF e_machine of the unikernels this host runs.</summary>
    public static ushort HostMachine() => RuntimeInformation.ProcessArchitecture == Architecture.Arm64
        ? ElfImage.MachineAarch64 : ElfImage.MachineX86_64;

    /// <summary>
    /// Taps for the plan's net devices in the current (the container's) namespace: an annotation's
    /// tap as is; in a pod, the first other device takes over eth0's address (<see cref="PodNetwork"/>);
    /// the rest get taps of their own, connected to nothing.
    /// </summary>
    private List<(string Name, string Tap, string? Mac)> SetUpNetwork(string id, BundleSpec spec, LaunchPlan plan,
        List<string> created, ref string? redirected, out PodAddress? pod)
    {
        pod = null;
        var result = new List<(string, string, string?)>();
        foreach (var (name, explicitTap) in plan.Nets)
        {
            if (explicitTap is not null) { result.Add((name, explicitTap, null)); continue; }
            if (spec.Network == NetworkMode.Host)
                throw new MonitorException(
                    $"net device '{name}': the container shares the host's network namespace, where ukvm creates no interfaces; " +
                    $"run it with a network namespace of its own, or name an existing tap with annotation {LaunchPlan.NetAnnotation}{name}=TAP");
            string tap = PodNetwork.TapName(id, name);
            var eth0 = pod is null && spec.Network == NetworkMode.Join ? PodNetwork.ReadPodInterface() : null;
            if (eth0 is { Address: not null })
            {
                PodNetwork.CreateTap(tap, eth0.Mtu);
                created.Add(tap);
                PodNetwork.Redirect(id, eth0, tap, IsRunning);
                redirected = eth0.Name;
                pod = new PodAddress(eth0.Address, eth0.Prefix, PodNetwork.ReadGateway(), eth0.Mac);
                result.Add((name, tap, eth0.Mac));
            }
            else
            {
                PodNetwork.CreateTap(tap, 1500);
                created.Add(tap);
                result.Add((name, tap, null));
            }
        }
        return result;
    }

    private static void WriteAtomically(string path, string text)
    {
        string tmp = path + ".tmp";
        try
        {
            File.WriteAllText(tmp, text);
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MonitorException($"cannot write {path}: {IoErrors.Describe(e)}");
        }
    }
}
