using System;
using System.Collections.Generic;
using Ukvm.Core;

namespace Ukvm.Oci;

/// <summary>
/// ukvm as an OCI runtime, with runc's command line so that containerd's runc shim
/// (io.containerd.runc.v2, <c>BinaryName</c> / <c>ctr run --runc-binary</c>) can drive it:
/// <c>ukvm [--root DIR] [--log FILE] [--log-format text|json] COMMAND ...</c>, global options
/// before the command. Reached only when the first argument is a runtime command or global
/// option; the monitor's own command line (<c>ukvm [OPTIONS] KERNEL</c>) never comes here.
/// </summary>
internal static class RuntimeCli
{
    public const string DefaultRoot = "/run/ukvm";

    /// <summary>True when <paramref name="first"/> (the process's first argument) selects runtime mode.</summary>
    public static bool Handles(string first) => first switch
    {
        "create" or "start" or "state" or "kill" or "delete" or "ps" or "features" or "run" or "list"
            or "exec" or "pause" or "resume" or "update" or "checkpoint" or "restore" or "events" or "spec" => true,
        "--root" or "--log" or "--log-format" or "--systemd-cgroup" or "--debug" or "--rootless" or "--criu" => true,
        _ => first.StartsWith("--root=", StringComparison.Ordinal) || first.StartsWith("--log=", StringComparison.Ordinal)
             || first.StartsWith("--log-format=", StringComparison.Ordinal) || first.StartsWith("--rootless=", StringComparison.Ordinal),
    };

    public static int Run(string[] args)
    {
        var log = new RuntimeLog();
        string root = DefaultRoot;
        int i = 0;
        try
        {
            for (; i < args.Length && args[i].StartsWith('-'); i++)
            {
                string a = args[i];
                if (Option(args, ref i, "--root") is string r) root = r;
                else if (Option(args, ref i, "--log") is string l) log.File = l;
                else if (Option(args, ref i, "--log-format") is string f)
                    log.Json = f switch { "json" => true, "text" => false, _ => throw new MonitorException($"unknown log format '{f}' (text or json)") };
                else if (Option(args, ref i, "--rootless") is not null || Option(args, ref i, "--criu") is not null) { }
                else if (a is "--systemd-cgroup" or "--debug") { }
                else throw new MonitorException($"unknown global option '{a}' (see ukvm --help)");
            }
            if (i >= args.Length) throw new MonitorException("missing command (see ukvm --help)");
            string command = args[i];
            var rest = new ArraySegment<string>(args, i + 1, args.Length - i - 1);
            var runtime = new Lifecycle(root, log);
            return command switch
            {
                "create" => runtime.Create(rest),
                "start" => runtime.Start(rest),
                "state" => runtime.State(rest),
                "kill" => runtime.Kill(rest),
                "delete" => runtime.Delete(rest),
                "ps" => runtime.Ps(rest),
                "list" => Cli.Ps.Run(root, rest),
                "features" => runtime.Features(),
                "run" => runtime.RunContainer(rest),
                "exec" or "pause" or "resume" or "update" or "checkpoint" or "restore" or "events" or "spec" =>
                    throw new MonitorException($"'{command}' is not supported by ukvm: a unikernel has no processes to exec, freeze, update or checkpoint"),
                _ => throw new MonitorException($"unknown command '{command}' (see ukvm --help)"),
            };
        }
        catch (MonitorException e)
        {
            log.Error(e.Message);
            return 1;
        }
        catch (Exception e)
        {
            log.Error($"internal error: {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// <c>NAME VALUE</c> or <c>NAME=VALUE</c> at <paramref name="i"/> (advanced past the value), or
    /// null when args[i] is not <paramref name="name"/>.
    /// </summary>
    public static string? Option(IReadOnlyList<string> args, ref int i, string name)
    {
        string a = args[i];
        if (a.Length > name.Length + 1 && a.StartsWith(name, StringComparison.Ordinal) && a[name.Length] == '=')
            return a[(name.Length + 1)..];
        if (a != name) return null;
        if (i + 1 >= args.Count) throw new MonitorException($"option {name} needs a value");
        return args[++i];
    }
}
